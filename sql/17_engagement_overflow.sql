--
-- engagement_summary counters near INT64_MAX: every sum (accessor totals, merges, rollups, the
-- aggregate itself) is checked and fails with 22003 naming the field, never a silent wrap; the dip
-- rule over such values stays exact
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default

-- counters near the limit: every total is checked, never wrapped
-- (a) weights of INT64_MAX on two days: a learner summary that exists, whose total does not fit
CREATE TABLE big (id int, s engagement_summary);
INSERT INTO big
SELECT 1, la_engagement_agg('w', ts, 9223372036854775807, 'UTC', '30 minutes')
FROM (VALUES ('2026-01-01 00:00+00'::timestamptz), ('2026-01-03 00:00+00')) v(ts);
SELECT day, weight FROM big, daily_activity(s) ORDER BY day;
SELECT weight FROM big, engagement_info(s) WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the dip rule over such days is still exact (128-bit sums): baseline of 2026-01-04 over 3 days
-- is 2 x INT64_MAX / 3, and the ratio of its 1-day window (0) to it is 0
SELECT dip_ratio(s, '2026-01-04', 3, 'weight', 1) AS ratio_of_zero_day,
       dip_ratio(s, '2026-01-03', 2, 'weight', 1) AS ratio_max_over_half_max
FROM big;
SELECT a.day, a.value, a.baseline = (2 * 9223372036854775807::numeric / 3)::float8 AS exact_baseline, a.persisted
FROM big, dip_alerts(s, until => '2026-01-05', threshold => 0.5, days => 3, persist => 1, metric => 'weight') a;
SELECT dip_persistence(s, '2026-01-05', 0.5, 3, 'weight') FROM big;
-- (b) a cohort with INT64_MAX events and dwell on two days: totals out of range, named
INSERT INTO big VALUES (2, '{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767225600000000,"last_us":1767312000000000,"days":[["2026-01-01",9223372036854775807,0,0,9223372036854775807,1],["2026-01-02",9223372036854775807,0,0,1,1]]}');
SELECT events FROM big, engagement_info(s) WHERE id = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO big VALUES (3, '{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767225600000000,"last_us":1767312000000000,"days":[["2026-01-01",1,0,0,9223372036854775807,1],["2026-01-02",1,0,0,1,1]]}');
SELECT dwell FROM big, engagement_info(s) WHERE id = 3;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- (c) merges: per-day counters, skipped and learners out of range, each named
SELECT la_engagement_cohort_agg(s) FROM big WHERE id IN (1, 2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_engagement_cohort_agg(s) FROM (VALUES
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":9223372036854775807,"days":[]}'::engagement_summary),
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":1,"days":[]}')) v(s);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_engagement_cohort_agg(s) FROM (VALUES
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":9223372036854775807,"skipped":0,"days":[]}'::engagement_summary),
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[]}')) v(s);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_engagement_cohort_agg(s) FROM (VALUES
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767225600000000,"last_us":1767225600000000,"days":[["2026-01-01",5,0,0,9223372036854775807,1]]}'::engagement_summary),
  ('{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767225600000000,"last_us":1767225600000000,"days":[["2026-01-01",5,0,0,1,1]]}')) v(s);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a rollup of one learner's weights near the limit
SELECT la_merge_agg(s) FROM (
  SELECT la_engagement_agg('w', '2026-01-01 00:00+00'::timestamptz, 9223372036854775807, 'UTC', '30 minutes') s
  UNION ALL
  SELECT la_engagement_agg('w', '2026-01-01 05:00+00'::timestamptz, 1, 'UTC', '30 minutes')) x;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- one learner's own events on one day
SELECT la_engagement_agg('w', ts, 4611686018427387904, 'UTC', '30 minutes')
FROM (VALUES ('2026-01-01 00:00+00'::timestamptz), ('2026-01-01 05:00+00')) v(ts);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- held_for over a run longer than an interval holds: 22008, not a wrapped negative interval
SELECT ts, held_for(true, ts) OVER (ORDER BY ts)
FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('2026-01-01 00:00+00'),
             ('294276-12-31 23:59:59+00')) v(ts);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT ts, held_for(true, ts) OVER (ORDER BY ts)
FROM (VALUES ('4713-01-01 00:00+00 BC'::timestamptz), ('2026-01-01 00:00+00')) v(ts);

DROP TABLE big;
