--
-- engagement_summary: text and binary forms, validation of forged or corrupted input
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE eio (id int, s engagement_summary);
INSERT INTO eio
SELECT 1, la_engagement_agg('alice', ts, w)
FROM (VALUES ('2026-01-05 10:00+00'::timestamptz, 3), ('2026-01-05 10:20+00', NULL),
             ('2026-01-05 23:50+00', 1), ('2026-01-06 00:10+00', 0), (NULL, 5),
             ('2026-01-09 08:00+00', 2)) v(ts, w);
INSERT INTO eio
SELECT 2, la_engagement_cohort_agg(s) FROM (
  SELECT la_engagement_agg(l, ts, 1::bigint, 'Europe/Paris', '10 minutes') s
  FROM (VALUES ('a', '2026-03-28 23:30+00'::timestamptz), ('a', '2026-03-29 01:30+00'),
               ('b', '2026-03-29 22:30+00')) v(l, ts)
  GROUP BY l) x;
SELECT id, s FROM eio ORDER BY id;

-- text round trip is exact
SELECT id, s::text::engagement_summary::text = s::text AS text_round_trip FROM eio ORDER BY id;

-- binary round trip (send/recv) through COPY BINARY
SELECT '/tmp/learnalytics_regress_eio_' || pg_backend_pid() || '.bin' AS bin_file \gset
COPY eio TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE eio2 (LIKE eio);
COPY eio2 FROM :'bin_file' WITH (FORMAT binary);
SELECT a.id, a.s::text = b.s::text AS binary_round_trip
FROM eio a JOIN eio2 b USING (id) ORDER BY 1;

-- an empty-history summary (only NULL timestamps) is valid and round-trips
SELECT s, s::text::engagement_summary::text = s::text AS ok
FROM (SELECT la_engagement_agg('nobody', ts) s FROM (VALUES (NULL::timestamptz)) v(ts)) x;

-- bad text input: every one of these is rejected with a clear error
\set VERBOSITY default
SELECT 'not json'::engagement_summary;
SELECT '[]'::engagement_summary;
SELECT '{"version":2,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"group","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"Mars/Olympus","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"utc","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":0,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":-1,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[],"extra":1}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1.5,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":99999999999999999999,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
-- a day that does not exist, days out of order, counters that contradict each other
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607200000000,"days":[["2026-02-30",1,0,1,0]],"sessions":[[1767607200000000,0]]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767952800000000,"days":[["2026-01-09",1,0,1,0],["2026-01-05",1,0,1,0]],"sessions":[[1767607200000000,0],[1767952800000000,0]]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607200000000,"days":[["2026-01-05",1,0,2,0]],"sessions":[[1767607200000000,0]]}'::engagement_summary;
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607200000000,"days":[["2026-01-05",1,0,1,5]],"sessions":[[1767607200000000,0]]}'::engagement_summary;
-- the first event is not on the first day
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607200000000,"days":[["2026-01-06",1,0,1,0]],"sessions":[[1767607200000000,0]]}'::engagement_summary;
-- two sessions closer than the gap
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607260000000,"days":[["2026-01-05",2,0,2,0]],"sessions":[[1767607200000000,0],[1767607260000000,0]]}'::engagement_summary;
-- a cohort with a session list, or with more active learners than learners
SELECT '{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"days":[],"sessions":[]}'::engagement_summary;
SELECT '{"version":1,"kind":"cohort","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767607200000000,"days":[["2026-01-05",3,0,3,0,2]]}'::engagement_summary;
-- a valid hand-written summary is accepted and printed identically
SELECT '{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":1767607200000000,"last_us":1767609000000000,"days":[["2026-01-05",2,7,1,1800000000]],"sessions":[[1767607200000000,1800000000]]}'::engagement_summary;

DROP TABLE eio, eio2;
\! rm -f /tmp/learnalytics_regress_eio_*.bin
