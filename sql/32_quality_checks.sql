--
-- quality: the single-source check types (not_null, future_timestamp, before_course_start,
-- duplicates, missing_days) over hand-made tables registered as quality_source rows whose columns
-- are named differently from the standard fields, in a time zone other than UTC (America/New_York,
-- which enters daylight saving time on 2026-03-08). Every finding is compared with a plain SQL
-- query over the same rows, or with a value computed by hand: each "mismatches" query lists the
-- differences between the two (none).
--
-- The run is as of 2026-03-20 12:00 UTC (08:00 in New York): the last complete day is 03-19.
--
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET client_min_messages = warning;
-- what this test adds to the findings and the run log, removed at the end
SELECT coalesce(max(id), 0) AS qc_finding0 FROM quality_finding \gset
SELECT coalesce(max(run_id), 0) AS qc_run0 FROM quality_run_log \gset

-- the findings of a check as of a time: quality_run runs it (its type's function over its source),
-- then its current findings are read back from quality_finding; a failed run is an error here
CREATE FUNCTION pg_temp.findings(chk text, as_of timestamptz)
RETURNS TABLE (course text, day date, learner text, subject text, observed numeric, expected numeric,
               rows bigint, sample jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  e text;
BEGIN
  -- what the check finds as of that time, from a clean history (runs go forward only; the
  -- lifecycle is sql/31's)
  DELETE FROM quality_finding f WHERE f.check_name = chk;
  DELETE FROM quality_run_log l WHERE l.check_name = chk;
  PERFORM quality_run(ARRAY[chk], as_of);
  SELECT l.error INTO e FROM quality_run_log l WHERE l.check_name = chk ORDER BY l.run_id DESC LIMIT 1;
  IF e IS NOT NULL THEN
    RAISE EXCEPTION 'check % failed: %', chk, e;
  END IF;
  RETURN QUERY SELECT f.course, f.day, f.learner, f.subject, f.observed, f.expected, f.rows, f.sample
               FROM quality_finding f
               WHERE f.check_name = chk AND f.status = 'open' AND f.last_seen = as_of
               ORDER BY f.course, f.day, f.learner, f.subject;
END
$$;
-- the error of a check built from its parts, calling its type's function directly (the values are
-- what is wrong; the trigger on quality_check checks keys, not values), as SQLSTATE: message
CREATE FUNCTION pg_temp.err(check_type text, source text, parameters jsonb)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  c quality_check := jsonb_populate_record(NULL::quality_check,
                       jsonb_build_object('name', 'bad_check', 'check_type', check_type, 'source', source,
                                          'parameters', parameters, 'severity', 'low', 'enabled', true));
  fn regprocedure;
  msg text;
  st text;
BEGIN
  SELECT t.function INTO STRICT fn FROM quality_check_type t WHERE t.name = c.check_type;
  EXECUTE format('SELECT count(*) FROM %s($1, $2)', fn::oid::regproc) USING c, '2026-03-20 12:00+00'::timestamptz;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  RETURN st || ': ' || msg;
END
$$;

-- the shipped types: each accepts these kinds and parameters (the defaults)
SELECT name, function, kinds, parameters FROM quality_check_type
WHERE name IN ('not_null', 'future_timestamp', 'before_course_start', 'duplicates', 'missing_days') ORDER BY name;

-------------------------------------------------------------------------------
-- the sources: events, enrolments and submissions, columns named otherwise
-------------------------------------------------------------------------------
CREATE TABLE qc_ev (who text, at timestamptz, crs text, act text, clicks bigint, eid text);
CREATE TABLE qc_enr (person text, crs text, since timestamptz, until timestamptz);
CREATE TABLE qc_sub (course text, assignment text, learner text, sent timestamptz, score numeric);
CREATE TABLE qc_empty (learner text, ts timestamptz, course text);

-- Enrolments (New York days):
--   c1: l1 from 03-01 09:00 (14:00 UTC), still enrolled; l2 03-02 .. 03-10: span 03-01 .. 03-19
--   c2: l1 from 03-08 01:59:59 EST (06:59:59 UTC) to 03-15; l3 03-09 .. 03-12: span 03-08 .. 03-15
--   c3: l4 from 03-18, no events at all: span 03-18 .. 03-19, both missing
--   c4: l5 from 03-25 (after as_of): no span
--   c5: l6 from 03-19 16:00 (20:00 UTC): span 03-19; its one event is at 03-20 02:00 UTC, 03-19 22:00 there
--   a row without a course (l7) and one without a learner
INSERT INTO qc_enr VALUES
  ('l1', 'c1', '2026-03-01 14:00+00', NULL),
  ('l2', 'c1', '2026-03-02 10:00+00', '2026-03-10 10:00+00'),
  ('l1', 'c2', '2026-03-08 06:59:59+00', '2026-03-15 12:00+00'),
  ('l3', 'c2', '2026-03-09 12:00+00', '2026-03-12 12:00+00'),
  ('l4', 'c3', '2026-03-18 15:00+00', NULL),
  ('l5', 'c4', '2026-03-25 00:00+00', NULL),
  ('l6', 'c5', '2026-03-19 20:00+00', NULL),
  ('l7', NULL, '2026-03-01 00:00+00', NULL),
  (NULL, 'c1', '2026-03-03 00:00+00', NULL);

-- Events:
--   c1: one a day at noon New York time, 03-01 .. 03-19, except 03-05 and 03-06; plus one at 03-06
--       04:30 UTC, which is 03-05 23:30 in New York: so 03-06 is missing there (03-05 in UTC); one at
--       13:59:59 UTC on 03-01, a second before l1 enrolled (the course's start); the 03-02 row three
--       times (two surplus copies); a row like the 03-03 one but for its clicks
--   c2: 03-08: at the start exactly (not before it), a microsecond before it, and at 15:00 UTC; one
--       event on 03-09, two a day on 03-10 .. 03-15 except none on 03-12; one 03-10 row twice; one
--       without a learner
--   c5: one at 03-20 02:00 UTC
--   no course: 03-03 and 03-07 (from the data: 03-04 .. 03-06 missing)
--   the future (as_of + 5 minutes = 03-20 12:05 UTC): exactly at the tolerance (not flagged), a
--       microsecond later and in April (flagged), one without a course
INSERT INTO qc_ev (who, at, crs, act, clicks)
SELECT 'l1', (date '2026-03-01' + i + time '12:00') AT TIME ZONE 'America/New_York', 'c1', 'a1', 1
FROM generate_series(0, 18) i
WHERE date '2026-03-01' + i NOT IN ('2026-03-05', '2026-03-06');
INSERT INTO qc_ev (who, at, crs, act, clicks) VALUES
  ('l1', '2026-03-06 04:30+00', 'c1', 'a2', 1),
  ('l2', '2026-03-01 13:59:59+00', 'c1', 'a1', 1),
  ('l1', '2026-03-02 12:00-05', 'c1', 'a1', 1),
  ('l1', '2026-03-02 12:00-05', 'c1', 'a1', 1),
  ('l1', '2026-03-03 12:00-05', 'c1', 'a1', 7),
  ('l1', '2026-03-08 06:59:59+00', 'c2', 'a1', 1),
  ('l1', '2026-03-08 06:59:58.999999+00', 'c2', 'a1', 1),
  ('l3', '2026-03-08 15:00+00', 'c2', 'a1', 1),
  ('l3', '2026-03-09 15:00+00', 'c2', 'a1', 1),
  ('l6', '2026-03-20 02:00+00', 'c5', 'a1', 1),
  ('l9', '2026-03-03 12:00+00', NULL, 'a1', 1),
  ('l9', '2026-03-07 12:00+00', NULL, 'a1', 1),
  ('l1', '2026-03-20 12:05+00', 'c1', 'a1', 1),
  ('l1', '2026-03-20 12:05:00.000001+00', 'c1', 'a1', 1),
  ('l2', '2026-04-01 00:00+00', 'c1', 'a1', 1),
  ('l9', '2026-03-25 00:00+00', NULL, 'a1', 1);
INSERT INTO qc_ev (who, at, crs, act, clicks)
SELECT w, (date '2026-03-10' + i + time '15:00') AT TIME ZONE 'UTC', 'c2', 'a1', 1
FROM generate_series(0, 5) i, (VALUES ('l1'), ('l3')) l(w)
WHERE date '2026-03-10' + i <> '2026-03-12';
INSERT INTO qc_ev (who, at, crs, act, clicks) VALUES
  ('l1', '2026-03-10 15:00+00', 'c2', 'a1', 1),
  (NULL, '2026-03-11 16:00+00', 'c2', 'a1', 1);

-- Submissions: a1 of l1 in c1 three times at the same time (two with the same score); scores
-- missing on a2 (twice) and on a1 (once); a row without a learner and one without a time; in c2
-- two keys submitted twice each (a tie); one without a course, in the future
INSERT INTO qc_sub VALUES
  ('c1', 'a1', 'l1', '2026-03-05 10:00+00', 80),
  ('c1', 'a1', 'l1', '2026-03-05 10:00+00', 80),
  ('c1', 'a1', 'l1', '2026-03-05 10:00+00', 70),
  ('c1', 'a2', 'l2', '2026-03-06 10:00+00', NULL),
  ('c1', 'a2', 'l1', '2026-03-06 11:00+00', NULL),
  ('c1', 'a1', 'l2', '2026-03-06 11:00+00', NULL),
  ('c2', 'a2', NULL, '2026-03-07 10:00+00', 50),
  ('c2', 'a1', 'l3', NULL, 40),
  ('c2', 'a1', 'l4', '2026-03-07 10:00+00', 40),
  ('c2', 'a1', 'l4', '2026-03-07 10:00+00', 40),
  ('c2', 'a1', 'l3', '2026-03-07 10:00+00', 40),
  ('c2', 'a1', 'l3', '2026-03-07 10:00+00', 40),
  (NULL, 'a1', 'l5', '2026-03-21 00:00+00', 10);

INSERT INTO quality_source (name, kind, relation, columns, tz, description) VALUES
  ('qc_ev', 'events', 'qc_ev', '{"learner": "who", "ts": "at", "course": "crs", "activity": "act", "weight": "clicks", "event_id": "eid"}',
   'America/New_York', 'test events'),
  ('qc_enr', 'enrolment', 'qc_enr', '{"learner": "person", "course": "crs", "enrolled_at": "since", "left_at": "until"}',
   'America/New_York', 'test enrolments'),
  ('qc_sub', 'assignment_submission', 'qc_sub', '{"submitted_at": "sent"}', 'America/New_York', 'test submissions'),
  ('qc_empty', 'events', 'qc_empty', '{}', 'America/New_York', 'an empty events table');

-- the rows as each source reads them, in the standard fields: the oracles below read these views
CREATE TEMP VIEW ev AS SELECT who AS learner, at AS ts, crs AS course, act AS activity, clicks AS weight, eid AS event_id FROM qc_ev;
CREATE TEMP VIEW enr AS SELECT person AS learner, crs AS course, since AS enrolled_at, until AS left_at FROM qc_enr;
CREATE TEMP VIEW sub AS SELECT course, assignment, learner, sent AS submitted_at, score FROM qc_sub;

-------------------------------------------------------------------------------
-- not_null
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_enr_required', 'not_null', 'qc_enr', '{}', 'high'),
  ('qc_ev_fields', 'not_null', 'qc_ev', '{"columns": ["course", "learner", "event_id"], "sample_size": 2}', 'low'),
  ('qc_sub_score_a2', 'not_null', 'qc_sub', '{"columns": ["score"], "when": {"column": "assignment", "equals": "a2"}}', 'low'),
  ('qc_sub_score_untimed', 'not_null', 'qc_sub', '{"columns": ["score", "learner"], "when": {"column": "submitted_at", "equals": null}}', 'low');

-- default columns: the required fields of enrolment (learner, course, enrolled_at)
SELECT * FROM pg_temp.findings('qc_enr_required', '2026-03-20 12:00+00');
-- event_id is never given (every row: 25 in c1, 16 in c2, 1 in c5, 3 without a course), course is
-- missing on 3 rows and learner on 1;
-- the sample: the first 2 rows of each (the rows ordered field by field)
SELECT course, subject, observed, expected, rows, jsonb_array_length(sample) AS sampled, sample -> 0 AS first
FROM pg_temp.findings('qc_ev_fields', '2026-03-20 12:00+00');
SELECT 'mismatches' AS qc_ev_fields, count(*) FROM (
  (SELECT course, subject, rows FROM pg_temp.findings('qc_ev_fields', '2026-03-20 12:00+00')
   EXCEPT SELECT course, f, count(*) FROM ev, LATERAL (VALUES ('course', course IS NULL), ('learner', learner IS NULL),
                                                          ('event_id', event_id IS NULL)) v(f, missing)
          WHERE missing GROUP BY 1, 2)
  UNION ALL
  (SELECT course, f, count(*) FROM ev, LATERAL (VALUES ('course', course IS NULL), ('learner', learner IS NULL),
                                                  ('event_id', event_id IS NULL)) v(f, missing)
   WHERE missing GROUP BY 1, 2
   EXCEPT SELECT course, subject, rows FROM pg_temp.findings('qc_ev_fields', '2026-03-20 12:00+00'))) d;
-- the samples are the first rows in the order of their fields: the same as by a plain query
SELECT f.course, f.subject, f.sample = (SELECT jsonb_agg(r ORDER BY r.learner, r.ts, r.course, r.activity, r.weight, r.event_id)
                                         FROM (SELECT * FROM ev e
                                               WHERE e.course IS NOT DISTINCT FROM f.course
                                                 AND CASE f.subject WHEN 'course' THEN e.course IS NULL
                                                                    WHEN 'learner' THEN e.learner IS NULL
                                                                    ELSE e.event_id IS NULL END
                                               ORDER BY e.learner, e.ts, e.course, e.activity, e.weight, e.event_id
                                               LIMIT 2) r) AS sample_is_first_two
FROM pg_temp.findings('qc_ev_fields', '2026-03-20 12:00+00') f;
-- only the rows of assignment a2: 2 (the a1 one without a score is not counted)
SELECT * FROM pg_temp.findings('qc_sub_score_a2', '2026-03-20 12:00+00');
-- "equals": null selects the rows whose field is NULL: the one untimed row has a score and a learner
SELECT count(*) AS untimed_findings FROM pg_temp.findings('qc_sub_score_untimed', '2026-03-20 12:00+00');

-------------------------------------------------------------------------------
-- future_timestamp
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_ev_future', 'future_timestamp', 'qc_ev', '{}', 'medium'),
  ('qc_ev_future_day', 'future_timestamp', 'qc_ev', '{"tolerance": "1 day"}', 'medium'),
  ('qc_sub_future', 'future_timestamp', 'qc_sub', '{"tolerance": "0"}', 'medium'),
  ('qc_enr_left_future', 'future_timestamp', 'qc_enr', '{"column": "left_at"}', 'medium');
-- c1: a microsecond past the tolerance and April (not the row at the tolerance exactly); no course: 03-25
SELECT * FROM pg_temp.findings('qc_ev_future', '2026-03-20 12:00+00');
SELECT 'mismatches' AS qc_ev_future, count(*) FROM (
  (SELECT course, rows FROM pg_temp.findings('qc_ev_future', '2026-03-20 12:00+00')
   EXCEPT SELECT course, count(*) FROM ev WHERE ts > '2026-03-20 12:05+00' GROUP BY 1)
  UNION ALL
  (SELECT course, count(*) FROM ev WHERE ts > '2026-03-20 12:05+00' GROUP BY 1
   EXCEPT SELECT course, rows FROM pg_temp.findings('qc_ev_future', '2026-03-20 12:00+00'))) d;
-- a day of tolerance: April and 03-25 only
SELECT course, rows FROM pg_temp.findings('qc_ev_future_day', '2026-03-20 12:00+00');
-- as of a time before every row: nothing in the future is a finding... as of 03-01, everything is
SELECT count(*) AS findings, sum(rows) AS flagged, (SELECT count(*) FROM ev WHERE ts > '2026-02-28 23:55+00') AS oracle
FROM pg_temp.findings('qc_ev_future', '2026-02-28 23:50+00');
-- submissions: the one at 03-21, in no course
SELECT * FROM pg_temp.findings('qc_sub_future', '2026-03-20 12:00+00');
-- another time field: no enrolment ends after as_of
SELECT count(*) AS left_in_future FROM pg_temp.findings('qc_enr_left_future', '2026-03-20 12:00+00');
SELECT course, rows FROM pg_temp.findings('qc_enr_left_future', '2026-03-11 12:00+00');

-------------------------------------------------------------------------------
-- before_course_start
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_ev_early', 'before_course_start', 'qc_ev', '{"enrolment": "qc_enr"}', 'low'),
  ('qc_ev_early_starts', 'before_course_start', 'qc_ev', '{"enrolment": "qc_enr", "starts": {"c2": "2026-03-09", "c9": "2026-01-01"}}', 'low'),
  ('qc_sub_early', 'before_course_start', 'qc_sub', '{"enrolment": "qc_enr"}', 'low');
-- c1: the event a second before l1 enrolled; c2: a microsecond before l1 (not the one at the start)
SELECT * FROM pg_temp.findings('qc_ev_early', '2026-03-20 12:00+00');
-- c2 begins on 03-09 at midnight in New York (05:00 UTC): its three events of 03-08 are before
SELECT course, rows, (SELECT count(*) FROM ev WHERE ev.course = 'c2' AND ts < '2026-03-09 05:00+00') AS oracle
FROM pg_temp.findings('qc_ev_early_starts', '2026-03-20 12:00+00') WHERE course = 'c2';
SELECT 'mismatches' AS qc_ev_early_starts, count(*) FROM (
  WITH st AS (SELECT course, min(enrolled_at) AS s FROM enr WHERE course IS NOT NULL AND course <> 'c2' GROUP BY 1
              UNION ALL VALUES ('c2', timestamptz '2026-03-09 00:00-05'), ('c9', '2026-01-01 00:00-05')),
       o AS (SELECT ev.course, count(*) AS n FROM ev JOIN st USING (course) WHERE ev.ts < st.s GROUP BY 1)
  (SELECT course, rows FROM pg_temp.findings('qc_ev_early_starts', '2026-03-20 12:00+00') EXCEPT SELECT * FROM o)
  UNION ALL
  (SELECT * FROM o EXCEPT SELECT course, rows FROM pg_temp.findings('qc_ev_early_starts', '2026-03-20 12:00+00'))) d;
-- submissions: c2's five of 03-07 are before l1 enrolled (03-08); c1's are after 03-01
SELECT course, subject, observed, rows,
       (SELECT count(*) FROM sub WHERE sub.course = 'c2' AND submitted_at < '2026-03-08 06:59:59+00') AS oracle
FROM pg_temp.findings('qc_sub_early', '2026-03-20 12:00+00');

-------------------------------------------------------------------------------
-- duplicates
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_ev_dup', 'duplicates', 'qc_ev', '{}', 'medium'),
  ('qc_ev_dup_learner_ts', 'duplicates', 'qc_ev', '{"key": ["learner", "ts"]}', 'medium'),
  ('qc_sub_dup', 'duplicates', 'qc_sub', '{}', 'medium'),
  ('qc_sub_dup_key', 'duplicates', 'qc_sub', '{"key": ["course", "assignment", "learner", "submitted_at"], "sample_size": 1}', 'medium');
-- every field: c1's 03-02 row (3 copies), c2's 03-10 row of l1 (2)
SELECT * FROM pg_temp.findings('qc_ev_dup', '2026-03-20 12:00+00');
-- learner and time: c1 also the 03-03 pair that differs in clicks
SELECT course, subject, observed, rows, sample FROM pg_temp.findings('qc_ev_dup_learner_ts', '2026-03-20 12:00+00');
SELECT 'mismatches' AS qc_ev_dup_learner_ts, count(*) FROM (
  WITH o AS (SELECT course, sum(n - 1) AS surplus, sum(n) AS n
             FROM (SELECT course, learner, ts, count(*) AS n FROM ev GROUP BY 1, 2, 3 HAVING count(*) > 1) g GROUP BY 1)
  (SELECT course, observed, rows FROM pg_temp.findings('qc_ev_dup_learner_ts', '2026-03-20 12:00+00') EXCEPT SELECT * FROM o)
  UNION ALL
  (SELECT * FROM o EXCEPT SELECT course, observed, rows FROM pg_temp.findings('qc_ev_dup_learner_ts', '2026-03-20 12:00+00'))) d;
-- every field: the c1 pair with score 80 and the two c2 pairs
SELECT course, observed, rows, sample FROM pg_temp.findings('qc_sub_dup', '2026-03-20 12:00+00');
-- the submission's key: c1's three rows; in c2 two keys with 2 copies each, a tie broken by the key
-- (l3 before l4) in a sample of one
SELECT course, observed, rows, sample FROM pg_temp.findings('qc_sub_dup_key', '2026-03-20 12:00+00');

-------------------------------------------------------------------------------
-- missing_days
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_ev_days', 'missing_days', 'qc_ev', '{"enrolment": "qc_enr"}', 'high'),
  ('qc_ev_days_2', 'missing_days', 'qc_ev', '{"enrolment": "qc_enr", "min_rows": 2, "sample_size": 3}', 'high'),
  ('qc_ev_days_data', 'missing_days', 'qc_ev', '{"from": "data"}', 'high');
-- c1: 03-06 only (in New York; in UTC it would be 03-05) of 19 days; c2: 03-12 of 8 (03-08 ..
-- 03-15); c3: both of its 2 days; c4 (enrolled after as_of) and c5 (its one day has its event): none
SELECT * FROM pg_temp.findings('qc_ev_days', '2026-03-20 12:00+00');
-- the same by a plain query: days of each course's span with no event, in New York days
SELECT 'mismatches' AS qc_ev_days, count(*) FROM (
  WITH span AS (SELECT course, min((enrolled_at AT TIME ZONE 'America/New_York')::date) AS f,
                       least(max((coalesce(left_at, '2026-03-20 12:00+00') AT TIME ZONE 'America/New_York')::date),
                             date '2026-03-19') AS l
                FROM enr WHERE course IS NOT NULL GROUP BY 1),
       days AS (SELECT course, d::date AS d FROM span, generate_series(f, l, interval '1 day') d),
       missing AS (SELECT * FROM days EXCEPT SELECT course, (ts AT TIME ZONE 'America/New_York')::date FROM ev),
       o AS (SELECT m.course, count(*)::numeric AS observed, max(span.l - span.f + 1)::numeric AS expected,
                    to_jsonb((array_agg(m.d ORDER BY m.d))[1:5]) AS sample
             FROM missing m JOIN span USING (course) GROUP BY 1)
  (SELECT course, observed, expected, sample FROM pg_temp.findings('qc_ev_days', '2026-03-20 12:00+00') EXCEPT SELECT * FROM o)
  UNION ALL
  (SELECT * FROM o EXCEPT SELECT course, observed, expected, sample FROM pg_temp.findings('qc_ev_days', '2026-03-20 12:00+00'))) d;
-- at least 2 events a day: c1 has one a day (all 19 missing but 03-02 and 03-03); c2 also misses 03-09
SELECT course, observed, expected, sample FROM pg_temp.findings('qc_ev_days_2', '2026-03-20 12:00+00');
-- from the data: c1 from 03-01 to 03-19, c2 03-08 .. 03-15, c5 03-19 (its event is at 22:00 there);
-- the rows without a course from 03-03 to their last day, 03-25, cut at the last complete day 03-19:
-- 17 days, of which only 03-03 and 03-07 have rows
SELECT * FROM pg_temp.findings('qc_ev_days_data', '2026-03-20 12:00+00');
-- as of 03-20 03:59:59.999999 UTC (03-19 23:59:59.999999 in New York, daylight saving time) the last
-- complete day is 03-18: c3 misses 1 of 1, c5 has no span yet
SELECT course, observed, expected, sample FROM pg_temp.findings('qc_ev_days', '2026-03-20 03:59:59.999999+00') WHERE course IN ('c3', 'c5');
-- as of 03-20 04:00 UTC it is 03-20 in New York: c3 misses 2 of 2 and c5 none
SELECT course, observed, expected, sample FROM pg_temp.findings('qc_ev_days', '2026-03-20 04:00+00') WHERE course IN ('c3', 'c5');

-------------------------------------------------------------------------------
-- an empty source: no finding of any type, but missing days of the enrolled courses
-------------------------------------------------------------------------------
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qc_empty_null', 'not_null', 'qc_empty', '{"columns": ["learner", "ts", "course", "activity"]}', 'low'),
  ('qc_empty_future', 'future_timestamp', 'qc_empty', '{}', 'low'),
  ('qc_empty_early', 'before_course_start', 'qc_empty', '{"enrolment": "qc_enr"}', 'low'),
  ('qc_empty_dup', 'duplicates', 'qc_empty', '{}', 'low'),
  ('qc_empty_days_data', 'missing_days', 'qc_empty', '{"from": "data"}', 'low'),
  ('qc_empty_days', 'missing_days', 'qc_empty', '{"enrolment": "qc_enr"}', 'low');
SELECT c.name, (SELECT count(*) FROM pg_temp.findings(c.name, '2026-03-20 12:00+00')) AS findings
FROM quality_check c WHERE c.name LIKE 'qc_empty%' ORDER BY 1;
SELECT course, observed, expected FROM pg_temp.findings('qc_empty_days', '2026-03-20 12:00+00');

-------------------------------------------------------------------------------
-- bad parameters: 22023 naming the check and the parameter; fields, never columns
-------------------------------------------------------------------------------
SELECT e FROM (VALUES
  (1, pg_temp.err('not_null', 'qc_ev', '{"columns": ["who"]}')),
  (2, pg_temp.err('not_null', 'qc_ev', '{"columns": []}')),
  (3, pg_temp.err('not_null', 'qc_ev', '{"columns": "learner"}')),
  (4, pg_temp.err('not_null', 'qc_ev', '{"columns": ["learner", "learner"]}')),
  (5, pg_temp.err('not_null', 'qc_ev', '{"columns": ["learner\"; DROP TABLE qc_ev; --"]}')),
  (6, pg_temp.err('not_null', 'qc_ev', '{"when": {"column": "ts", "equals": "not a time"}}')),
  (7, pg_temp.err('not_null', 'qc_ev', '{"when": {"column": "ts"}}')),
  (8, pg_temp.err('not_null', 'qc_ev', '{"when": {"column": "weight", "equals": [1]}}')),
  (9, pg_temp.err('not_null', 'qc_ev', '{"sample_size": 1.5}')),
  (10, pg_temp.err('not_null', 'qc_ev', '{"sample_size": -1}')),
  (11, pg_temp.err('future_timestamp', 'qc_ev', '{"column": "learner"}')),
  (12, pg_temp.err('future_timestamp', 'qc_ev', '{"tolerance": "soon"}')),
  (13, pg_temp.err('future_timestamp', 'qc_ev', '{"tolerance": "-1 minute"}')),
  (14, pg_temp.err('before_course_start', 'qc_ev', '{"starts": {"c1": "March"}}')),
  (15, pg_temp.err('before_course_start', 'qc_ev', '{"starts": ["c1"]}')),
  (16, pg_temp.err('before_course_start', 'qc_ev', '{"enrolment": "qc_sub"}')),
  (17, pg_temp.err('duplicates', 'qc_ev', '{"key": [1]}')),
  (18, pg_temp.err('missing_days', 'qc_ev', '{"from": "calendar"}')),
  (19, pg_temp.err('missing_days', 'qc_ev', '{"min_rows": 0}')),
  (20, pg_temp.err('missing_days', 'qc_sub', '{}')),
  (21, pg_temp.err('before_course_start', 'qc_ev', '{"enrolment": "nowhere"}'))
) v(n, e) ORDER BY n;
-- the table is still there
SELECT count(*) AS events FROM qc_ev;

-------------------------------------------------------------------------------
-- the shipped checks over the learning data: nothing over the empty built-in tables; over rows,
-- what a plain query finds
-------------------------------------------------------------------------------
SELECT name, check_type, source, parameters, severity, enabled FROM quality_check WHERE builtin ORDER BY name;
BEGIN;
DELETE FROM enrolment; DELETE FROM assignment; DELETE FROM assignment_submission; DELETE FROM quiz_attempt;
DELETE FROM module_progress; DELETE FROM learning_source;
SELECT count(*) AS findings_over_empty_tables
FROM quality_check c, LATERAL pg_temp.findings(c.name, '2026-03-20 12:00+00') f WHERE c.builtin;
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('l1', 'c1', '2026-03-02 09:00+00'), ('l2', 'c1', '2026-03-01 09:00+00');
INSERT INTO assignment VALUES ('c1', 'a1', '2026-02-27 00:00+00'), ('c1', 'a2', '2026-04-01 00:00+00');
INSERT INTO assignment_submission VALUES ('c1', 'a1', 'l1', '2026-03-05 10:00+00', 80), ('c1', 'a1', 'l1', '2026-03-05 10:00+00', 90),
  ('c1', 'a2', 'l2', '2026-03-20 12:06+00', NULL);
INSERT INTO quiz_attempt VALUES ('c1', 'l1', '2026-02-28 00:00+00'), ('c1', 'l1', '2026-02-28 00:00+00'), ('c1', 'l2', '2026-03-20 12:04+00');
INSERT INTO module_progress VALUES ('c1', 'l1', 'm1', '2026-03-01 08:59:59+00', 0.5, '2026-03-21 00:00+00'),
  ('c1', 'l2', 'm1', '2026-03-01 09:00+00', 0.1, NULL);
SELECT c.name, f.course, f.subject, f.observed, f.rows
FROM quality_check c, LATERAL pg_temp.findings(c.name, '2026-03-20 12:00+00') f WHERE c.builtin ORDER BY 1, 2;
ROLLBACK;

-------------------------------------------------------------------------------
-- the checks read with the rights of the role that runs them: a member of learnalytics_admin runs
-- the shipped checks; a check over a table it may not read fails (logged), the others run
-------------------------------------------------------------------------------
CREATE ROLE qc_admin IN ROLE learnalytics_admin;
SET ROLE qc_admin;
SET client_min_messages = error;
SELECT check_name, findings IS NOT NULL AS ran
FROM quality_run(ARRAY['submission_in_future', 'quiz_attempt_duplicates', 'qc_ev_future'], '2026-03-20 12:00+00') ORDER BY 1;
SET client_min_messages = warning;
SELECT check_name, error FROM quality_run_log WHERE check_name = 'qc_ev_future' ORDER BY run_id DESC LIMIT 1;
RESET ROLE;
GRANT SELECT ON qc_ev TO qc_admin;
SET ROLE qc_admin;
SELECT check_name, findings FROM quality_run(ARRAY['qc_ev_future'], '2026-03-20 12:00+00');
RESET ROLE;
DROP OWNED BY qc_admin;
DROP ROLE qc_admin;

-- clean up: later tests run every enabled check
DELETE FROM quality_finding WHERE id > :qc_finding0;
DELETE FROM quality_run_log WHERE run_id > :qc_run0;
DELETE FROM quality_check WHERE name LIKE 'qc\_%';
DELETE FROM quality_source WHERE name LIKE 'qc\_%';
DROP TABLE qc_ev, qc_enr, qc_sub, qc_empty CASCADE;
