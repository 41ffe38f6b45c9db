-- daily_activity and engagement_info against the calendar.
SET max_parallel_workers_per_gather = 0;

-- daily_activity(s) and with from/to bounds
CREATE TABLE oracle_t.da_args AS
SELECT sp.learner, v.variant, v.f, v.t
FROM oracle_t.span sp,
     LATERAL (VALUES ('default', NULL::date, NULL::date),
                     ('wide', sp.first_day - 5, sp.last_day + 10),
                     ('inner', sp.first_day + (sp.last_day - sp.first_day) / 3, sp.last_day - (sp.last_day - sp.first_day) / 3),
                     ('from-only', sp.first_day + (sp.last_day - sp.first_day) / 2, NULL),
                     ('to-only', NULL, sp.first_day + 3),
                     ('after', sp.last_day + 2, sp.last_day + 9),
                     ('before', NULL, sp.first_day - 1),
                     ('reversed', sp.last_day, sp.first_day - 1)) v(variant, f, t);

CREATE TABLE oracle_t.cmp_daily AS
WITH got AS (
  SELECT a.learner, a.variant, d.day, d.events, d.sessions, oracle_t.us(d.dwell) AS dwell_us, d.weight, d.learners
  FROM oracle_t.da_args a JOIN oracle_t.sm ON sm.id = a.learner,
       LATERAL daily_activity(sm.s, a.f, a.t) d
), want AS (
  SELECT a.learner, a.variant, c.day, c.events, c.sessions::int AS sessions, c.dwell_us, c.weight, c.learners::bigint AS learners
  FROM oracle_t.da_args a JOIN oracle_t.span sp ON sp.learner = a.learner
  JOIN oracle_t.cal c ON c.learner = a.learner
   AND c.day >= greatest(sp.first_day, coalesce(a.f, sp.first_day))
   AND c.day <= coalesce(a.t, sp.last_day)
)
SELECT coalesce(g.learner, w.learner) AS learner, coalesce(g.variant, w.variant) AS variant,
       coalesce(g.day, w.day) AS day,
       (g.events, g.sessions, g.dwell_us, g.weight, g.learners)::text AS got,
       (w.events, w.sessions, w.dwell_us, w.weight, w.learners)::text AS want,
       (g.events, g.sessions, g.dwell_us, g.weight, g.learners)
         IS NOT DISTINCT FROM (w.events, w.sessions, w.dwell_us, w.weight, w.learners)
       AND g.day IS NOT NULL AND w.day IS NOT NULL AS ok
FROM got g FULL JOIN want w ON g.learner = w.learner AND g.variant = w.variant AND g.day = w.day;
CALL oracle_t.check('daily_activity (8 from/to variants)', 'SELECT * FROM oracle_t.cmp_daily',
                      'SELECT * FROM oracle_t.cmp_daily WHERE NOT ok ORDER BY learner, variant, day');

-- engagement_info
CREATE TABLE oracle_t.cmp_info AS
SELECT sp.learner, row(i.kind, i.learner, i.tz, i.session_gap, i.learners, i.first_activity, i.last_activity,
           i.active_days, i.events, i.sessions, oracle_t.us(i.dwell), i.weight, i.skipped)::text AS got,
       row('learner', sp.learner::text, l.tz, l.gap, 1::bigint, sp.first_ts, sp.last_ts, sp.active_days::int,
           sp.events, ss.sessions, ss.dwell_us, sp.weight, sp.skipped)::text AS want,
       (i.kind, i.learner, i.tz, i.session_gap, i.learners, i.first_activity, i.last_activity,
        i.active_days, i.events, i.sessions, oracle_t.us(i.dwell), i.weight, i.skipped)
       IS NOT DISTINCT FROM
       ('learner'::text, sp.learner::text, l.tz, l.gap, 1::bigint, sp.first_ts, sp.last_ts, sp.active_days::int,
        sp.events, ss.sessions, ss.dwell_us::bigint, sp.weight::bigint, sp.skipped) AS ok
FROM oracle_t.span sp JOIN oracle_t.lr l ON l.id = sp.learner JOIN oracle_t.sm ON sm.id = sp.learner
CROSS JOIN LATERAL engagement_info(sm.s) i
JOIN (SELECT learner, count(*) AS sessions, sum(dwell_us) AS dwell_us FROM oracle_t.sess GROUP BY 1) ss
  ON ss.learner = sp.learner;
CALL oracle_t.check('engagement_info', 'SELECT * FROM oracle_t.cmp_info',
                      'SELECT * FROM oracle_t.cmp_info WHERE NOT ok ORDER BY learner');
