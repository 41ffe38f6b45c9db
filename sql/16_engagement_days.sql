--
-- engagement_summary days at the edges of the event range: local days in 1 BC and 10000 AD print
-- in a form the input reads back (text, binary, COPY); the date syntax of the text form is exactly
-- what the output prints; the binary form takes the date type's range of days
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default

-- the first and last instants an event may have, seen from zones west and east of UTC
CREATE TABLE edge (id int, s engagement_summary);
INSERT INTO edge
SELECT id, la_engagement_agg('learner ' || id, ts, 1::bigint, tz, '30 minutes')
FROM (VALUES (1, '0001-01-01 00:00:00+00'::timestamptz, 'America/New_York'),
             (2, '0001-01-01 00:00:00+00', 'Etc/GMT+12'),
             (3, '9999-12-31 23:59:59.999999+00', 'Asia/Tokyo'),
             (4, '9999-12-31 23:59:59.999999+00', 'Etc/GMT-14'),
             (5, '0001-01-01 00:00:00+00', 'UTC'),
             (6, '9999-12-31 23:59:59.999999+00', 'UTC')) v(id, ts, tz)
GROUP BY id;
-- two events a day apart across the year boundary of 1 BC / 1 AD, and of 9999 / 10000
INSERT INTO edge
SELECT 7, la_engagement_agg('two days', ts, 1::bigint, 'America/Los_Angeles', '30 minutes')
FROM (VALUES ('0001-01-01 00:00:00+00'::timestamptz), ('0001-01-01 12:00:00+00')) v(ts);
INSERT INTO edge
SELECT 8, la_engagement_agg('two days', ts, 1::bigint, 'Pacific/Kiritimati', '30 minutes')
FROM (VALUES ('9999-12-31 09:00:00+00'::timestamptz), ('9999-12-31 12:00:00+00')) v(ts);
-- cohorts of them
INSERT INTO edge
SELECT 10, la_engagement_cohort_agg(la_engagement_agg) FROM (
  SELECT la_engagement_agg(l, ts, 1::bigint, 'America/New_York', '30 minutes')
  FROM (VALUES ('a', '0001-01-01 00:00:00+00'::timestamptz), ('b', '0001-01-01 04:00:00+00'),
               ('b', '0001-01-01 06:00:00+00')) v(l, ts) GROUP BY l) x;
SELECT id, s FROM edge ORDER BY id;
-- the days as the date type prints them (the same spelling)
SELECT id, (daily_activity(s)).day FROM edge ORDER BY id, 2;

-- text round trip: out -> in -> out is the same text, for every one of them
SELECT id, s::text::engagement_summary::text = s::text AS text_round_trip FROM edge ORDER BY id;
-- binary round trip through COPY BINARY (send -> recv)
SELECT '/tmp/learnalytics_regress_edge_' || pg_backend_pid() || '.bin' AS bin_file \gset
COPY edge TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE edge2 (LIKE edge);
COPY edge2 FROM :'bin_file' WITH (FORMAT binary);
\! rm -f /tmp/learnalytics_regress_edge_*.bin
SELECT a.id, a.s::text = b.s::text AS binary_round_trip,
       learnalytics_internal.la_engagement_send(a.s) = learnalytics_internal.la_engagement_send(b.s) AS same_bytes
FROM edge a JOIN edge2 b USING (id) ORDER BY 1;
-- and through the text form of COPY
CREATE TABLE edge3 (LIKE edge);
SELECT '/tmp/learnalytics_regress_edge_' || pg_backend_pid() || '.txt' AS txt_file \gset
COPY edge TO :'txt_file';
COPY edge3 FROM :'txt_file';
\! rm -f /tmp/learnalytics_regress_edge_*.txt
SELECT count(*) AS rows, count(*) FILTER (WHERE a.s::text = b.s::text) AS equal
FROM edge a JOIN edge3 b USING (id);
-- a hand-written summary with a BC day is accepted and printed identically
SELECT '{"version":1,"kind":"learner","learner":"x","tz":"America/New_York","gap_us":1800000000,"learners":1,"skipped":0,"first_us":-62135596800000000,"last_us":-62135596800000000,"days":[["0001-12-31 BC",1,1,1,0]],"sessions":[[-62135596800000000,0]]}'::engagement_summary;

-- the date syntax: exactly what the output prints, nothing else
CREATE FUNCTION edge_day(d text) RETURNS engagement_summary LANGUAGE sql AS $$
  SELECT replace('{"version":1,"kind":"learner","learner":"x","tz":"America/New_York","gap_us":1800000000,"learners":1,"skipped":0,"first_us":-62135596800000000,"last_us":-62135596800000000,"days":[["DAY",1,1,1,0]],"sessions":[[-62135596800000000,0]]}', 'DAY', d)::engagement_summary
$$;
SELECT edge_day('0000-12-31');        -- year 0 is written 0001-12-31 BC
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('-0001-12-31');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('0001-12-31 bc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('0001-12-31 AD');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('0001-12-31  BC');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('00001-12-31 BC');    -- a year of five digits has no leading zero
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('0001-12-32 BC');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('0001-02-29');        -- not a leap year
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('4714-11-23 BC');     -- before the date type's range
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('5874898-01-01');     -- after it
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('99999999-01-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('10000-1-01');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- well-formed days of the date range that contradict the events are refused by validation
SELECT edge_day('0002-12-31 BC');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('4714-11-24 BC');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT edge_day('5874897-12-31');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the binary form rejects a first day outside the date type's range
CREATE TABLE carrier (b bytea);
-- version 1, learner, flags 0,0; tz "UTC"; gap; learners 1; skipped 0; key "x"; 1 day;
-- first event 0, span 0; day = 2^31 - 1 (zig-zag varint), events 1, weight 0, sessions 1, dwell 0;
-- 1 session: start delta 0, duration 0
INSERT INTO carrier VALUES ('\x010100000355544380a4a7da0601000178010000feffffff0f01000100010000');
-- (the same bytes with day 0, 2000-01-01, 28 bytes, are a valid summary: the harness works)
INSERT INTO carrier VALUES ('\x010100000355544380a4a7da06010001780100000001000100010000');
COPY carrier TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE landing (s engagement_summary);
COPY landing FROM :'bin_file' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM carrier WHERE length(b) <> 28;
COPY carrier TO :'bin_file' WITH (FORMAT binary);
COPY landing FROM :'bin_file' WITH (FORMAT binary);
\! rm -f /tmp/learnalytics_regress_edge_*.bin
SELECT s FROM landing;

-- nor a learner key the text form could not carry: a NUL byte (it would cut the key short) or
-- bytes invalid in the database encoding (the text input would refuse them)
TRUNCATE carrier, landing;
INSERT INTO carrier VALUES ('\x010100000355544380a4a7da060100037800790100000001000100010000');
COPY carrier TO :'bin_file' WITH (FORMAT binary);
COPY landing FROM :'bin_file' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE carrier;
INSERT INTO carrier VALUES ('\x010100000355544380a4a7da06010001ff0100000001000100010000');
COPY carrier TO :'bin_file' WITH (FORMAT binary);
COPY landing FROM :'bin_file' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\! rm -f /tmp/learnalytics_regress_edge_*.bin
SELECT count(*) AS stored FROM landing;

DROP FUNCTION edge_day(text);
DROP TABLE edge, edge2, edge3, carrier, landing;
