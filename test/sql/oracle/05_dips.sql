-- dip_persistence, dip_alerts, days_inactive, activity_streak against gaps-and-islands SQL.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed / 5) \g /dev/null

CREATE TABLE oracle_t.cfg (cfg int PRIMARY KEY, thr numeric, n int, persist int, metric text);
INSERT INTO oracle_t.cfg VALUES
  (1, 0.6, 14, 3, 'events'), (2, 0.5, 7, 1, 'events'), (3, 1, 14, 3, 'events'), (4, 1, 7, 1, 'events'),
  (5, 0.6, 7, 3, 'events'), (6, 0.5, 14, 1, 'sessions'), (7, 0.6, 14, 3, 'dwell'), (8, 1, 7, 3, 'weight'),
  (9, 0.6, 7, 1, 'learners'),
  -- thresholds where a float product would misplace the boundary (v * 7 < 0.7 * s <=> 10 v < s)
  (10, 0.7, 7, 1, 'events'), (11, 0.3, 14, 2, 'sessions'), (12, 0.123456789, 14, 1, 'dwell');

-- dip flags and run lengths (gaps and islands) over the calendar, per configuration
CREATE TABLE oracle_t.dips AS
WITH rolled AS (
  SELECT f.cfg, f.thr, f.n, f.persist, c.learner, c.day, c.v,
         CASE f.n WHEN 7 THEN sum(c.v) OVER w7 WHEN 14 THEN sum(c.v) OVER w14 END AS s,
         CASE f.n WHEN 7 THEN count(*) OVER w7 WHEN 14 THEN count(*) OVER w14 END AS hist
  FROM oracle_t.cfg f JOIN oracle_t.calm c ON c.metric = f.metric
  WINDOW w7 AS (PARTITION BY f.cfg, c.learner ORDER BY c.day ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING),
         w14 AS (PARTITION BY f.cfg, c.learner ORDER BY c.day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
), flagged AS (
  SELECT *, (hist = n AND v * n < thr * s) AS dip FROM rolled
), grouped AS (
  SELECT *, day - (row_number() OVER (PARTITION BY cfg, learner, dip ORDER BY day))::int AS grp FROM flagged
)
SELECT cfg, persist, learner, day, v, s, n, dip,
       CASE WHEN dip THEN count(*) OVER (PARTITION BY cfg, learner, dip, grp ORDER BY day) ELSE 0 END AS run_len
FROM grouped;
ALTER TABLE oracle_t.dips ADD PRIMARY KEY (cfg, learner, day);
SELECT count(*) FILTER (WHERE dip) AS dip_days,
       count(*) FILTER (WHERE s IS NOT NULL AND v * n = (SELECT thr FROM oracle_t.cfg f WHERE f.cfg = d.cfg) * s
                          AND v > 0) AS value_exactly_at_threshold
FROM oracle_t.dips d;

-- dip_persistence on every query day (a sample for the configurations other than the default)
CREATE TABLE oracle_t.cmp_persist AS
SELECT q.learner, q.d, f.cfg, p AS got, dp.run_len::int AS want
FROM oracle_t.qd q CROSS JOIN oracle_t.cfg f
JOIN oracle_t.sm ON sm.id = q.learner
LEFT JOIN oracle_t.dips dp ON dp.cfg = f.cfg AND dp.learner = q.learner AND dp.day = q.d
CROSS JOIN LATERAL dip_persistence(sm.s, q.d, f.thr, f.n, f.metric) p
WHERE f.cfg = 1 OR random() < 0.15;
CALL oracle_t.check('dip_persistence (12 configurations)', 'SELECT * FROM oracle_t.cmp_persist',
                      'SELECT * FROM oracle_t.cmp_persist WHERE got IS DISTINCT FROM want ORDER BY cfg, learner, d');

-- dip_persistence with the defaults equals configuration 1
CREATE TABLE oracle_t.cmp_persist_def AS
SELECT q.learner, q.d, dip_persistence(sm.s, q.d, 0.6, 14, 'events') AS got, dp.run_len::int AS want
FROM oracle_t.qd q JOIN oracle_t.sm ON sm.id = q.learner
LEFT JOIN oracle_t.dips dp ON dp.cfg = 1 AND dp.learner = q.learner AND dp.day = q.d
WHERE random() < 0.2;
CALL oracle_t.check('dip_persistence (defaults)', 'SELECT * FROM oracle_t.cmp_persist_def',
                      'SELECT * FROM oracle_t.cmp_persist_def WHERE got IS DISTINCT FROM want ORDER BY learner, d');

-- dip_alerts: until 20 days after the last active day; and with a random from_day / until
CREATE TABLE oracle_t.alert_args AS
SELECT sp.learner, f.cfg, v.call, v.until, v.from_day
FROM oracle_t.span sp CROSS JOIN oracle_t.cfg f,
     LATERAL (VALUES (1, sp.last_day + 20, NULL::date),
                     (2, sp.first_day + (random() * (sp.last_day - sp.first_day + 25))::int,
                         sp.first_day - 2 + (random() * (sp.last_day - sp.first_day + 10))::int),
                     (3, sp.first_day - 1, NULL)) v(call, until, from_day);

CREATE TABLE oracle_t.cmp_alerts AS
WITH got AS (
  SELECT a.learner, a.cfg, a.call, x.day, x.value, x.baseline, x.ratio, x.persisted
  FROM oracle_t.alert_args a JOIN oracle_t.cfg f USING (cfg) JOIN oracle_t.sm ON sm.id = a.learner,
       LATERAL dip_alerts(sm.s, a.until, f.thr, f.n, f.persist, f.metric, a.from_day) x
), want AS (
  SELECT a.learner, a.cfg, a.call, dp.day, dp.v::bigint AS value, (dp.s / dp.n)::float8 AS baseline,
         (dp.v / nullif(dp.s / dp.n, 0))::float8 AS ratio, dp.persist AS persisted
  FROM oracle_t.alert_args a JOIN oracle_t.dips dp ON dp.cfg = a.cfg AND dp.learner = a.learner
  WHERE dp.dip AND dp.run_len = dp.persist AND dp.day <= a.until AND (a.from_day IS NULL OR dp.day >= a.from_day)
)
SELECT coalesce(g.learner, w.learner) AS learner, coalesce(g.cfg, w.cfg) AS cfg, coalesce(g.call, w.call) AS call,
       coalesce(g.day, w.day) AS day,
       (g.value, g.baseline, g.ratio, g.persisted)::text AS got, (w.value, w.baseline, w.ratio, w.persisted)::text AS want,
       g.day IS NOT NULL AND w.day IS NOT NULL AND g.value = w.value AND g.persisted = w.persisted
       AND oracle_t.feq(g.baseline, w.baseline) AND oracle_t.feq(g.ratio, w.ratio) AS ok
FROM got g FULL JOIN want w ON (g.learner, g.cfg, g.call, g.day) = (w.learner, w.cfg, w.call, w.day);
CALL oracle_t.check('dip_alerts (12 configurations x 3 ranges)', 'SELECT * FROM oracle_t.cmp_alerts',
                      'SELECT * FROM oracle_t.cmp_alerts WHERE NOT ok ORDER BY cfg, learner, call, day');

-- days_inactive and activity_streak on every query day
CREATE TABLE oracle_t.cmp_streak AS
WITH marks AS (
  SELECT learner, day, events > 0 AS active,
         max(CASE WHEN events > 0 THEN day END) OVER (PARTITION BY learner ORDER BY day) AS last_active,
         max(CASE WHEN events = 0 THEN day END) OVER (PARTITION BY learner ORDER BY day) AS last_inactive
  FROM oracle_t.cal
), want AS (
  SELECT q.learner, q.d, q.d - m.last_active AS inactive,
         m.active AS s_active,
         CASE WHEN m.active THEN q.d - coalesce(m.last_inactive, sp.first_day - 1) ELSE q.d - m.last_active END AS s_days
  FROM oracle_t.qd q JOIN oracle_t.span sp USING (learner)
  LEFT JOIN marks m ON m.learner = q.learner AND m.day = q.d
)
SELECT w.learner, w.d, (days_inactive(sm.s, w.d), st.active, st.days)::text AS got,
       (w.inactive, w.s_active, w.s_days)::text AS want,
       (days_inactive(sm.s, w.d), st.active, st.days) IS NOT DISTINCT FROM (w.inactive, w.s_active, w.s_days) AS ok
FROM want w JOIN oracle_t.sm ON sm.id = w.learner
CROSS JOIN LATERAL activity_streak(sm.s, w.d) st;
CALL oracle_t.check('days_inactive + activity_streak', 'SELECT * FROM oracle_t.cmp_streak',
                      'SELECT * FROM oracle_t.cmp_streak WHERE NOT ok ORDER BY learner, d');
