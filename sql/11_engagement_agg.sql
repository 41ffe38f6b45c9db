--
-- la_engagement_agg, la_merge_agg, la_engagement_cohort_agg on hand-computed cases
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE ev (learner text, ts timestamptz, w bigint);
INSERT INTO ev VALUES
  ('a', '2026-01-05 10:00:00+00', 3),
  ('a', '2026-01-05 10:30:00+00', NULL),      -- exactly the gap after: same session
  ('a', '2026-01-05 11:00:00.000001+00', 1),  -- gap + 1 microsecond: a new session
  ('a', '2026-01-05 23:50:00+00', 1),         -- a session across midnight counts on its start day
  ('a', '2026-01-06 00:00:00+00', 2),         -- exactly midnight belongs to the new day
  ('a', NULL, 9),                             -- skipped, and counted
  ('a', '2026-01-08 12:00:00+00', 0),
  ('b', '2026-01-06 09:00:00+00', 1);

-- empty input: NULL
SELECT la_engagement_agg(learner, ts) FROM ev WHERE false;
-- one event
SELECT (engagement_info(la_engagement_agg(learner, ts))).* FROM ev WHERE learner = 'b';

-- facts and the daily series of learner a (hand-computed: 3 sessions on the 5th, one
-- of 10 minutes across midnight; 30 + 0 + 10 minutes of dwell; weights 3+0+1+1 | 2 | 0;
-- the 6th has an event but no session of its own)
SELECT (engagement_info(s)).* FROM (SELECT la_engagement_agg(learner, ts, w) s FROM ev WHERE learner = 'a') x;
SELECT d.* FROM (SELECT la_engagement_agg(learner, ts, w) s FROM ev WHERE learner = 'a') x,
  daily_activity(s) d;
SELECT d.* FROM (SELECT la_engagement_agg(learner, ts, w) s FROM ev WHERE learner = 'a') x,
  daily_activity(s, '2026-01-01', '2026-01-10') d;

-- the same events with days in Asia/Tokyo (UTC+9) and a 5-minute gap
SELECT d.day, d.events, d.sessions, d.dwell
FROM (SELECT la_engagement_agg(learner, ts, w, 'Asia/Tokyo', '5 minutes') s FROM ev WHERE learner = 'a') x,
  daily_activity(s) d;

-- daylight saving: Europe/Paris on 2026-03-29 (23 hours) and 2026-10-25 (25 hours)
SELECT d.day, d.events
FROM (SELECT la_engagement_agg('p', ts, NULL, 'Europe/Paris', '30 minutes') s
      FROM (VALUES ('2026-03-28 22:59:59+00'::timestamptz), ('2026-03-28 23:00:00+00'),
                   ('2026-03-29 21:59:59+00'), ('2026-03-29 22:00:00+00'),
                   ('2026-10-24 21:59:59+00'), ('2026-10-24 22:00:00+00'),
                   ('2026-10-25 22:59:59+00'), ('2026-10-25 23:00:00+00')) v(ts)) x,
  daily_activity(s) d WHERE d.events > 0;

-- bigint learner keys
SELECT (engagement_info(la_engagement_agg(42::bigint, ts))).learner FROM ev WHERE learner = 'b';

-- bad input
SELECT la_engagement_agg(NULL::text, ts) FROM ev;
SELECT la_engagement_agg(learner, ts) FROM ev;
SELECT la_engagement_agg(learner, ts, -1::bigint) FROM ev WHERE learner = 'b';
SELECT la_engagement_agg(learner, ts, w, 'Nowhere/City', '30 minutes') FROM ev WHERE learner = 'b';
SELECT la_engagement_agg(learner, ts, w, 'UTC', '0 minutes') FROM ev WHERE learner = 'b';
SELECT la_engagement_agg(learner, ts, w, 'UTC', '-5 minutes') FROM ev WHERE learner = 'b';
SELECT la_engagement_agg(learner, ts, w, 'UTC', '1 month') FROM ev WHERE learner = 'b';
SELECT la_engagement_agg(learner, ts, w, 'UTC', NULL) FROM ev WHERE learner = 'b';
SELECT la_engagement_agg('x', ts) FROM (VALUES ('infinity'::timestamptz)) v(ts);
SELECT la_engagement_agg('x', ts, w, tz, '30 minutes')
FROM (VALUES ('2026-01-01 00:00+00'::timestamptz, 1::bigint, 'UTC'), ('2026-01-02 00:00+00', 1, 'Europe/Paris')) v(ts, w, tz);

-- rollup: summaries of disjoint parts of one learner's events merge into exactly the whole,
-- including the session that straddles two parts and the skipped NULL
SELECT (SELECT la_engagement_agg(learner, ts, w) FROM ev WHERE learner = 'a')::text =
       (SELECT la_merge_agg(s) FROM (
          SELECT la_engagement_agg(learner, ts, w) s FROM ev WHERE learner = 'a'
          GROUP BY learner, ts IS NULL OR ts < '2026-01-05 23:55+00') p)::text AS rollup_exact;
SELECT (SELECT la_engagement_agg(learner, ts, w) FROM ev WHERE learner = 'a')::text =
       (SELECT la_merge_agg(s ORDER BY k DESC) FROM (
          SELECT k, la_engagement_agg(learner, ts, w) s
          FROM (SELECT *, row_number() OVER (ORDER BY ts) % 3 AS k FROM ev WHERE learner = 'a') e
          GROUP BY learner, k) p)::text AS rollup_exact_interleaved;
-- different learners do not merge
SELECT la_merge_agg(s) FROM (SELECT la_engagement_agg(learner, ts) s FROM ev GROUP BY learner) x;
-- a cohort: per-day sums and active learners, in any order
SELECT d.day, d.events, d.sessions, d.learners
FROM (SELECT la_engagement_cohort_agg(s ORDER BY learner DESC) c
      FROM (SELECT learner, la_engagement_agg(learner, ts) s FROM ev GROUP BY learner) x) y,
  daily_activity(c) d;
SELECT (engagement_info(c)).kind, (engagement_info(c)).learners, (engagement_info(c)).skipped
FROM (SELECT la_engagement_cohort_agg(s) c
      FROM (SELECT learner, la_engagement_agg(learner, ts) s FROM ev GROUP BY learner) x) y;
SELECT a.c::text = b.c::text AS cohort_order_independent
FROM (SELECT la_engagement_cohort_agg(s ORDER BY learner) c FROM (SELECT learner, la_engagement_agg(learner, ts) s FROM ev GROUP BY learner) x) a,
     (SELECT la_engagement_cohort_agg(s ORDER BY learner DESC) c FROM (SELECT learner, la_engagement_agg(learner, ts) s FROM ev GROUP BY learner) x) b;
-- summaries in different time zones do not combine
SELECT la_engagement_cohort_agg(s) FROM (
  SELECT la_engagement_agg(learner, ts, w, 'UTC', '30 minutes') s FROM ev WHERE learner = 'a'
  UNION ALL
  SELECT la_engagement_agg(learner, ts, w, 'Europe/Paris', '30 minutes') FROM ev WHERE learner = 'b') x;

DROP TABLE ev;

-- histories before 2000-01-01 and 1970 (negative internal days) store and read back
SELECT d.day, d.events
FROM (SELECT la_engagement_agg('old', ts) s
      FROM (VALUES ('1969-07-20 20:17+00'::timestamptz), ('1999-12-31 12:00+00'), ('2000-01-01 12:00+00')) v(ts)) x,
  daily_activity(s) d WHERE d.events > 0;
-- a cohort day on which a learner was active but started no session round-trips (text and info)
SELECT c::text::engagement_summary::text = c::text AS cohort_round_trip,
       (SELECT array_agg(sessions || '/' || learners ORDER BY day) FROM daily_activity(c)) AS sessions_per_learners
FROM (SELECT la_engagement_cohort_agg(s) c FROM (
        SELECT la_engagement_agg('x', ts) s
        FROM (VALUES ('2026-01-01 23:50+00'::timestamptz), ('2026-01-02 00:10+00')) v(ts)) y) z;
