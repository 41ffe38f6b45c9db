--
-- Cross-source data-quality check types (doc/quality.md, "Shipped check types: across sources"):
-- outside_enrolment, submission_before_assignment, score_out_of_range, unknown_person,
-- unknown_site. Hand-made rows in the learning-data tables, an events table and a second
-- enrolment table registered as quality sources, and a performance table registered in
-- performance_source. Every finding is compared with plain SQL over the same rows (EXISTS over the
-- enrolment rows, no ranges) and with hand-computed values, both ways (EXCEPT): a query below that
-- returns rows is a failure. Boundaries exactly at enrolled_at and left_at, the same instants
-- written in other time zones, NULLs, empty sources, bad parameters.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- a time zone far from UTC: the checks compare instants, the session's zone must not matter
SET TimeZone = 'Pacific/Chatham';

CREATE SCHEMA t33;
-- run a check type's registered function over a check made on the fly
CREATE FUNCTION t33.run(check_type text, source text, parameters jsonb DEFAULT '{}')
RETURNS TABLE (course text, day date, learner text, subject text, observed numeric, expected numeric,
               rows bigint, sample jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT * FROM %s($1, $2)',
                              (SELECT t.function::oid::regproc FROM quality_check_type t WHERE t.name = check_type))
    USING ROW('t33_check', check_type, source, parameters, 'medium', true, NULL, false)::quality_check,
          timestamptz '2026-06-01 00:00+00';
END
$$;
-- the SQLSTATE and message of a statement that fails
CREATE FUNCTION t33.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the registry rows
SELECT name, function, kinds, parameters FROM quality_check_type
 WHERE name IN ('outside_enrolment', 'submission_before_assignment', 'score_out_of_range', 'unknown_person', 'unknown_site')
 ORDER BY name;
SELECT name, check_type, source, parameters, severity, enabled, builtin FROM quality_check
 WHERE check_type IN ('outside_enrolment', 'submission_before_assignment', 'score_out_of_range', 'unknown_person', 'unknown_site')
 ORDER BY name;

-------------------------------------------------------------------------------
-- outside_enrolment
-------------------------------------------------------------------------------
-- learning.enrolment: a in c1 [03-01, 03-10), b in c1 from 03-05 (open), a in c2 from 03-02 12:00
-- (open), d in c2 enrolled and left at the same instant (03-03: covers nothing)
INSERT INTO enrolment (learner, course, enrolled_at, left_at) VALUES
  ('a', 'c1', '2026-03-01 00:00+00', '2026-03-10 00:00+00'),
  ('b', 'c1', '2026-03-05 00:00+00', NULL),
  ('a', 'c2', '2026-03-02 12:00+00', NULL),
  ('d', 'c2', '2026-03-03 00:00+00', '2026-03-03 00:00+00');

CREATE TABLE t33.events (learner text, ts timestamptz, course text, activity text, weight bigint, event_id text);
INSERT INTO t33.events (learner, ts, course, activity, weight, event_id) VALUES
  -- a in c1
  ('a', '2026-03-01 00:00+00', 'c1', 'x', 1, 'e01'),             -- exactly enrolled_at: inside
  ('a', '2026-03-01 01:00+01', 'c1', 'x', 1, 'e02'),             -- the same instant written at +01: inside
  ('a', '2026-02-28 23:59:59.999999+00', 'c1', 'x', 1, 'e03'),   -- 1 us before: before_enrolment
  ('a', '2026-03-09 23:59:59.999999+00', 'c1', 'x', 1, 'e04'),   -- 1 us before left_at: inside
  ('a', '2026-03-10 00:00+00', 'c1', 'x', 3, 'e05'),             -- exactly left_at: after_leaving
  ('a', '2026-03-10 05:00+05', 'c1', 'x', 1, 'e06'),             -- the same instant at +05: after_leaving
  ('a', '2026-03-09 20:00-04', 'c1', 'x', 1, 'e07'),             -- the same instant at -04: after_leaving
  -- b in c1 (open enrolment)
  ('b', '2026-03-04 23:00-01', 'c1', 'x', 1, 'e08'),             -- = 03-05 00:00 UTC: inside
  ('b', '2026-09-01 00:00+00', 'c1', 'x', 1, 'e09'),             -- long after, never left: inside
  ('b', '2026-03-04 12:00+00', 'c1', 'x', 1, 'e10'),             -- before_enrolment
  -- x is enrolled nowhere; b not in c2; nobody in c3
  ('x', '2026-03-05 00:00+00', 'c1', 'x', 1, 'e11'),
  ('x', '2026-03-06 00:00+00', 'c1', 'x', 1, 'e12'),
  ('b', '2026-03-06 00:00+00', 'c2', 'x', 1, 'e13'),
  ('a', '2026-03-06 00:00+00', 'c3', 'x', 1, 'e14'),
  -- a in c2 from 03-02 12:00
  ('a', '2026-03-02 11:59:59+00', 'c2', 'x', 1, 'e15'),          -- before_enrolment
  ('a', '2026-03-02 12:00+00', 'c2', 'x', 1, 'e16'),             -- inside
  -- d in c2: enrolled and left at 03-03 00:00: nothing is inside
  ('d', '2026-03-02 00:00+00', 'c2', 'x', 0, 'e17'),             -- before_enrolment
  ('d', '2026-03-03 00:00+00', 'c2', 'x', 1, 'e18'),             -- after_leaving
  -- no course: compared with the learner's enrolments in any course
  ('a', '2026-03-05 00:00+00', NULL, 'x', 1, 'e19'),             -- inside (c1)
  ('a', '2026-02-01 00:00+00', NULL, 'x', 1, 'e20'),             -- before_enrolment (first: 03-01)
  ('a', '2026-12-01 00:00+00', NULL, 'x', 1, 'e21'),             -- inside (c2 is open)
  ('x', '2026-03-05 00:00+00', NULL, 'x', 1, 'e22'),             -- not_enrolled
  ('b', '2026-03-01 00:00+00', NULL, 'x', 1, 'e23'),             -- before_enrolment
  ('d', '2026-03-04 00:00+00', NULL, 'x', 1, 'e24'),             -- after_leaving
  -- no learner or no time: not this check's business
  (NULL, '2026-03-05 00:00+00', 'c1', 'x', 1, 'e25'),
  ('x', NULL, 'c1', 'x', 1, 'e26');
INSERT INTO quality_source (name, kind, relation, description)
VALUES ('t33_events', 'events', 't33.events', 'hand-made events');

-- the findings
SELECT course, subject, observed, expected, rows FROM t33.run('outside_enrolment', 't33_events');
-- hand-computed (course, subject, learners, rows), both ways
CREATE VIEW t33.hand_outside (course, subject, observed, rows) AS VALUES
  (NULL, 'after_leaving', 1, 1), (NULL, 'before_enrolment', 2, 2), (NULL, 'not_enrolled', 1, 1),
  ('c1', 'after_leaving', 1, 3), ('c1', 'before_enrolment', 2, 2), ('c1', 'not_enrolled', 1, 2),
  ('c2', 'after_leaving', 1, 1), ('c2', 'before_enrolment', 2, 2), ('c2', 'not_enrolled', 1, 1),
  ('c3', 'not_enrolled', 1, 1);
SELECT count(*) AS differences FROM (
  (SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events') EXCEPT SELECT * FROM t33.hand_outside)
  UNION ALL
  (SELECT * FROM t33.hand_outside EXCEPT SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events'))) d;

-- the plain-SQL oracle: an event is inside when some enrolment row of its learner (in its course,
-- or in any course for an event without one) has enrolled_at <= ts < left_at; outside, its subject
-- comes from all those rows: none, before every enrolled_at, at or after every left_at, else a gap
CREATE FUNCTION t33.oracle_outside(events regclass, enrolments regclass, skip_no_course boolean DEFAULT false)
RETURNS TABLE (course text, subject text, observed numeric, expected numeric, rows bigint, learners text[])
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH ev AS (SELECT * FROM %1$s e WHERE e.learner IS NOT NULL AND e.ts IS NOT NULL
                                       AND (e.course IS NOT NULL OR NOT $1)),
    cls AS (
      SELECT e.course, e.learner,
             CASE WHEN EXISTS (SELECT 1 FROM %2$s r WHERE r.learner = e.learner AND (e.course IS NULL OR r.course = e.course)
                                 AND e.ts >= r.enrolled_at AND (r.left_at IS NULL OR e.ts < r.left_at)) THEN NULL
                  WHEN NOT EXISTS (SELECT 1 FROM %2$s r WHERE r.learner = e.learner AND (e.course IS NULL OR r.course = e.course))
                  THEN 'not_enrolled'
                  WHEN e.ts < ALL (SELECT r.enrolled_at FROM %2$s r WHERE r.learner = e.learner
                                      AND (e.course IS NULL OR r.course = e.course)) THEN 'before_enrolment'
                  WHEN e.ts >= ALL (SELECT coalesce(r.left_at, 'infinity') FROM %2$s r WHERE r.learner = e.learner
                                       AND (e.course IS NULL OR r.course = e.course)) THEN 'after_leaving'
                  ELSE 'between_enrolments' END AS subject
        FROM ev e)
    SELECT c.course, c.subject, count(DISTINCT c.learner)::numeric, 0::numeric, count(*),
           array_agg(DISTINCT c.learner ORDER BY c.learner)
      FROM cls c WHERE c.subject IS NOT NULL GROUP BY 1, 2
  $q$, events, enrolments) USING skip_no_course;
END
$$;
SELECT 'missing' AS side, * FROM (
  SELECT course, subject, observed, expected, rows, learners FROM t33.oracle_outside('t33.events', 'enrolment')
  EXCEPT SELECT course, subject, observed, expected, rows,
                ARRAY(SELECT s ->> 'learner' FROM jsonb_array_elements(sample) s) FROM t33.run('outside_enrolment', 't33_events')) x
UNION ALL
SELECT 'extra', * FROM (
  SELECT course, subject, observed, expected, rows,
         ARRAY(SELECT s ->> 'learner' FROM jsonb_array_elements(sample) s) FROM t33.run('outside_enrolment', 't33_events')
  EXCEPT SELECT course, subject, observed, expected, rows, learners FROM t33.oracle_outside('t33.events', 'enrolment')) y;
-- without_course skip: the events without a course are left out
SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events', '{"without_course": "skip"}');
SELECT count(*) AS differences FROM (
  (SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events', '{"without_course": "skip"}')
   EXCEPT SELECT course, subject, observed, rows FROM t33.oracle_outside('t33.events', 'enrolment', true))
  UNION ALL
  (SELECT course, subject, observed, rows FROM t33.oracle_outside('t33.events', 'enrolment', true)
   EXCEPT SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events', '{"without_course": "skip"}'))) d;
-- a sample: per learner, ordered, with the enrolment it was compared with (times in the session's zone)
SELECT jsonb_pretty(sample) FROM t33.run('outside_enrolment', 't33_events') WHERE course = 'c1' AND subject = 'before_enrolment';
-- sample_size limits the sample, not the counts
SELECT course, subject, observed, rows, jsonb_array_length(sample) AS sampled
  FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": 1}') WHERE course IN ('c1', 'c2');
SELECT count(*) AS empty_samples FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": 0}') WHERE sample = '[]';

-- a mapped enrolment source without a primary key: g enrolled twice in c1 with a gap, h "left"
-- before enrolling (no constraint here: that enrolment covers nothing)
CREATE TABLE t33.enrol2 (person text, course text, since timestamptz, until timestamptz);
INSERT INTO t33.enrol2 VALUES
  ('g', 'c1', '2026-03-01 00:00+00', '2026-03-05 00:00+00'),
  ('g', 'c1', '2026-03-10 00:00+00', NULL),
  ('h', 'c1', '2026-03-10 00:00+00', '2026-03-01 00:00+00');
INSERT INTO quality_source (name, kind, relation, columns)
VALUES ('t33_enrol2', 'enrolment', 't33.enrol2', '{"learner": "person", "enrolled_at": "since", "left_at": "until"}');
CREATE VIEW t33.enrol2_std AS SELECT person AS learner, course, since AS enrolled_at, until AS left_at FROM t33.enrol2;
CREATE TABLE t33.events2 (LIKE t33.events);
INSERT INTO t33.events2 (learner, ts, course) VALUES
  ('g', '2026-03-03 00:00+00', 'c1'),   -- inside the first span
  ('g', '2026-03-05 00:00+00', 'c1'),   -- exactly the first left_at: between_enrolments
  ('g', '2026-03-07 00:00+00', 'c1'),   -- between_enrolments
  ('g', '2026-03-10 00:00+00', 'c1'),   -- exactly the second enrolled_at: inside
  ('g', '2026-02-20 00:00+00', 'c1'),   -- before_enrolment
  ('g', '2026-03-07 00:00+00', NULL),   -- no course: the same gap
  ('h', '2026-03-05 00:00+00', 'c1'),   -- before its enrolled_at: before_enrolment
  ('h', '2026-03-12 00:00+00', 'c1'),   -- after_leaving
  ('a', '2026-03-05 00:00+00', 'c1');   -- a is not in this enrolment source: not_enrolled
INSERT INTO quality_source (name, kind, relation) VALUES ('t33_events2', 'events', 't33.events2');
SELECT course, subject, observed, rows, sample FROM t33.run('outside_enrolment', 't33_events2', '{"enrolments": "t33_enrol2"}');
SELECT count(*) AS differences FROM (
  (SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events2', '{"enrolments": "t33_enrol2"}')
   EXCEPT SELECT course, subject, observed, rows FROM t33.oracle_outside('t33.events2', 't33.enrol2_std'))
  UNION ALL
  (SELECT course, subject, observed, rows FROM t33.oracle_outside('t33.events2', 't33.enrol2_std')
   EXCEPT SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events2', '{"enrolments": "t33_enrol2"}'))) d;

-- quiz attempts (the shipped check's source): the time field is attempted_at
INSERT INTO quiz_attempt (course, learner, attempted_at) VALUES
  ('c1', 'a', '2026-03-01 00:00+00'), ('c1', 'a', '2026-03-10 00:00+00'), ('c1', 'x', '2026-03-02 00:00+00');
SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 'learning.quiz_attempt');

-- empty sources: no events, no finding; no enrolments, every event is not_enrolled
CREATE TABLE t33.no_events (LIKE t33.events);
CREATE TABLE t33.no_enrolments (LIKE t33.enrol2);
INSERT INTO quality_source (name, kind, relation) VALUES ('t33_no_events', 'events', 't33.no_events');
INSERT INTO quality_source (name, kind, relation, columns)
VALUES ('t33_no_enrolments', 'enrolment', 't33.no_enrolments', '{"learner": "person", "enrolled_at": "since", "left_at": "until"}');
SELECT count(*) AS findings FROM t33.run('outside_enrolment', 't33_no_events');
SELECT course, subject, observed, rows FROM t33.run('outside_enrolment', 't33_events', '{"enrolments": "t33_no_enrolments"}');

-------------------------------------------------------------------------------
-- submission_before_assignment
-------------------------------------------------------------------------------
-- courses start at their first enrolment: c1 03-01 00:00 (a), c2 03-02 12:00 (a; d enrolled 03-03)
INSERT INTO assignment (course, assignment, due_at) VALUES
  ('c1', 'A1', '2026-04-01'), ('c1', 'A2', '2026-04-01'), ('c2', 'B1', '2026-04-01');
INSERT INTO assignment_submission (course, assignment, learner, submitted_at, score) VALUES
  ('c1', 'A1', 'a', '2026-03-01 00:00+00', 0),               -- exactly the course start: fine
  ('c1', 'A1', 'a', '2026-03-01 05:59:59+06', 100),          -- = 02-28 23:59:59 UTC: before_course_start
  ('c1', 'A2', 'b', '2026-03-04 00:00+00', 100.0001),        -- b enrolled 03-05: before_enrolment
  ('c1', 'A2', 'b', '2026-03-05 00:00+00', -0.5),            -- exactly b's enrolled_at: fine
  ('c1', 'A9', 'a', '2026-03-03 00:00+00', NULL),            -- unknown_assignment
  ('c1', 'A9', 'b', '2026-02-01 00:00+00', 140),             -- unknown first (also before the start)
  ('c1', 'A8', 'a', '2026-03-03 00:00+00', 'NaN'),           -- unknown_assignment
  ('c2', 'B1', 'x', '2026-03-05 00:00+00', 50),              -- x not enrolled in c2: not this check's
  ('c2', 'b1', 'a', '2026-03-05 00:00+00', 'Infinity'),      -- names compare exactly: unknown
  ('c2', 'B1', 'a', '2026-03-02 11:00+00', -3),              -- before_course_start
  ('c2', 'B1', 'd', '2026-03-02 13:00+00', 100),             -- after the start, before d enrolled
  ('c3', 'Z1', 'a', '2026-03-06 00:00+00', '-Infinity');     -- c3 has no assignments: unknown
SELECT course, subject, observed, expected, rows, sample FROM t33.run('submission_before_assignment', 'learning.assignment_submission');
-- plain SQL: a submission is of an unknown assignment when no assignment row matches, else before
-- the course start when it is before every enrolment of the course, else before its learner's
-- enrolment when before every enrolment of that learner in the course
CREATE VIEW t33.oracle_submissions AS
  WITH cls AS (
    SELECT s.course, s.assignment, s.learner,
           CASE WHEN NOT EXISTS (SELECT 1 FROM assignment a WHERE a.course = s.course AND a.assignment = s.assignment)
                THEN 'unknown_assignment'
                WHEN s.submitted_at < ALL (SELECT e.enrolled_at FROM enrolment e WHERE e.course = s.course)
                 AND EXISTS (SELECT 1 FROM enrolment e WHERE e.course = s.course) THEN 'before_course_start'
                WHEN s.submitted_at < ALL (SELECT e.enrolled_at FROM enrolment e WHERE e.course = s.course AND e.learner = s.learner)
                 AND EXISTS (SELECT 1 FROM enrolment e WHERE e.course = s.course AND e.learner = s.learner) THEN 'before_enrolment'
           END AS subject
      FROM assignment_submission s)
  SELECT course, subject,
         CASE WHEN subject = 'unknown_assignment' THEN count(DISTINCT assignment) ELSE count(DISTINCT learner) END::numeric AS observed,
         count(*) AS rows
    FROM cls WHERE subject IS NOT NULL GROUP BY 1, 2;
SELECT count(*) AS differences FROM (
  (SELECT course, subject, observed, rows FROM t33.run('submission_before_assignment', 'learning.assignment_submission')
   EXCEPT SELECT * FROM t33.oracle_submissions)
  UNION ALL
  (SELECT * FROM t33.oracle_submissions
   EXCEPT SELECT course, subject, observed, rows FROM t33.run('submission_before_assignment', 'learning.assignment_submission'))) d;
-- hand-computed
SELECT count(*) AS differences FROM (
  (SELECT course, subject, observed, rows FROM t33.run('submission_before_assignment', 'learning.assignment_submission')
   EXCEPT VALUES ('c1', 'before_course_start', 1, 1), ('c1', 'before_enrolment', 1, 1), ('c1', 'unknown_assignment', 2, 3),
                 ('c2', 'before_course_start', 1, 1), ('c2', 'before_enrolment', 1, 1), ('c2', 'unknown_assignment', 1, 1),
                 ('c3', 'unknown_assignment', 1, 1))
  UNION ALL
  (VALUES ('c1', 'before_course_start', 1, 1), ('c1', 'before_enrolment', 1, 1), ('c1', 'unknown_assignment', 2, 3),
          ('c2', 'before_course_start', 1, 1), ('c2', 'before_enrolment', 1, 1), ('c2', 'unknown_assignment', 1, 1),
          ('c3', 'unknown_assignment', 1, 1)
   EXCEPT SELECT course, subject, observed, rows FROM t33.run('submission_before_assignment', 'learning.assignment_submission'))) d;
-- an empty assignment source: every submission's assignment is unknown; no enrolments: no start
CREATE TABLE t33.no_assignments (course text, assignment text, due_at timestamptz);
INSERT INTO quality_source (name, kind, relation) VALUES ('t33_no_assignments', 'assignment', 't33.no_assignments');
SELECT course, subject, observed, rows FROM t33.run('submission_before_assignment', 'learning.assignment_submission',
                                                     '{"assignments": "t33_no_assignments", "enrolments": "t33_no_enrolments"}');

-------------------------------------------------------------------------------
-- score_out_of_range
-------------------------------------------------------------------------------
-- the type's defaults (0..100): 100.0001 and 140 above, -0.5 and -3 below, NaN and +-Infinity not
-- finite; 0 and 100 are in range, NULL is not out of range
SELECT course, subject, observed, expected, rows, sample FROM t33.run('score_out_of_range', 'learning.assignment_submission');
CREATE VIEW t33.oracle_scores AS
  SELECT course, CASE WHEN score IN ('NaN', 'Infinity', '-Infinity') THEN 'not_finite'
                      WHEN score < 0 THEN 'below_min' ELSE 'above_max' END AS subject, count(*) AS rows
    FROM assignment_submission
   WHERE score IN ('NaN', 'Infinity', '-Infinity') OR score < 0 OR score > 100
   GROUP BY 1, 2;
SELECT count(*) AS differences FROM (
  (SELECT course, subject, rows FROM t33.run('score_out_of_range', 'learning.assignment_submission') EXCEPT SELECT * FROM t33.oracle_scores)
  UNION ALL
  (SELECT * FROM t33.oracle_scores EXCEPT SELECT course, subject, rows FROM t33.run('score_out_of_range', 'learning.assignment_submission'))) d;
-- the shipped check: no upper bound (scores have no fixed scale)
SELECT course, subject, observed, expected, rows
  FROM t33.run('score_out_of_range', 'learning.assignment_submission',
               (SELECT parameters FROM quality_check WHERE name = 'submission_score_range'));
-- other bounds, one of them open; column names the numeric field
SELECT course, subject, observed, expected, rows
  FROM t33.run('score_out_of_range', 'learning.assignment_submission', '{"min": null, "max": 99.5, "column": "score"}');
SELECT course, subject, observed, expected, rows
  FROM t33.run('score_out_of_range', 'learning.assignment_submission', '{"min": 50, "max": 50}');

-- a performance source: its metric, no course
CREATE TABLE t33.perf (emp text, plant text, at timestamptz, value numeric);
INSERT INTO t33.perf VALUES
  ('a', 's1', '2026-03-01 00:00+00', 0.5),
  ('b', 's1', '2026-03-01 00:00+00', 1),
  ('b', 's2', '2026-03-02 00:00+00', 1.5),
  ('z1', 'zz', '2026-03-01 00:00+00', -2),
  ('z1', 'zz', '2026-03-02 00:00+00', NULL),
  ('z1', 'S1', '2026-03-03 00:00+00', 0.7),
  ('z2', NULL, '2026-03-01 00:00+00', 0.2),
  ('t1', 's2', '2026-03-01 00:00+00', 0.9),
  ('x', 's1', '2026-03-01 00:00+00', 0.1),
  (NULL, 'yy', '2026-03-01 00:00+00', 0.3);
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('t33_perf', 't33.perf', 'emp', 'plant', 'at', 'value');
SELECT course, subject, observed, expected, rows, sample
  FROM t33.run('score_out_of_range', 'performance.t33_perf', '{"min": 0, "max": 1}');
SELECT subject, count(*) AS rows FROM (
  SELECT CASE WHEN value < 0 THEN 'below_min' ELSE 'above_max' END AS subject FROM t33.perf WHERE value < 0 OR value > 1) o
 GROUP BY 1 ORDER BY 1;
-- an events source: its weight (one of 3 in c1, one of 0 in c2)
SELECT course, subject, observed, expected, rows, sample FROM t33.run('score_out_of_range', 't33_events', '{"min": 1, "max": 1}');
SELECT course, weight, count(*) AS oracle_rows FROM t33.events WHERE weight <> 1 GROUP BY 1, 2 ORDER BY 1;

-------------------------------------------------------------------------------
-- unknown_person
-------------------------------------------------------------------------------
-- learning.enrolment's learners: a, b, d; t1 is in training_exposure only; x has events only
INSERT INTO training_exposure (program, learner_key, site, exposed_from) VALUES
  ('p1', 't1', 's1', '2026-01-01'), ('p1', 'a', 's2', '2026-01-01'), ('p1', 'q', NULL, '2026-01-01');
SELECT course, subject, observed, expected, rows, sample FROM t33.run('unknown_person', 'performance.t33_perf');
SELECT array_agg(DISTINCT emp ORDER BY emp) AS oracle_unknown, count(*) AS oracle_rows FROM t33.perf p
 WHERE emp IS NOT NULL AND NOT EXISTS (SELECT 1 FROM enrolment e WHERE e.learner = p.emp);
-- with training_exposure's learners, and an events source in the population
SELECT subject, observed, rows, sample FROM t33.run('unknown_person', 'performance.t33_perf', '{"training_exposure": true}');
SELECT subject, observed, rows, sample
  FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": ["learning.enrolment", "t33_events"], "training_exposure": true}');
SELECT array_agg(DISTINCT emp ORDER BY emp) AS oracle_unknown, count(*) AS oracle_rows FROM t33.perf p
 WHERE emp IS NOT NULL AND emp NOT IN (SELECT learner FROM enrolment UNION SELECT learner_key FROM training_exposure
                                       UNION SELECT learner FROM t33.events WHERE learner IS NOT NULL);
-- everybody known: no finding; an empty population: everybody unknown
SELECT count(*) AS findings
  FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": ["learning.enrolment", "t33_events", "performance.t33_perf"]}');
SELECT subject, observed, rows FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": []}');
SELECT subject, observed, rows FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": ["t33_no_enrolments"]}');
SELECT count(DISTINCT emp) AS oracle_learners, count(*) FILTER (WHERE emp IS NOT NULL) AS oracle_rows FROM t33.perf;

-------------------------------------------------------------------------------
-- unknown_site
-------------------------------------------------------------------------------
-- training_exposure's sites: s1, s2 (NULL is no site); S1 and zz are unknown, the NULL site is not
SELECT course, subject, observed, expected, rows, sample FROM t33.run('unknown_site', 'performance.t33_perf');
SELECT plant, count(*) AS oracle_rows FROM t33.perf p
 WHERE plant IS NOT NULL AND plant NOT IN (SELECT site FROM training_exposure WHERE site IS NOT NULL)
 GROUP BY 1 ORDER BY 1;
-- a list of sites instead
SELECT subject, observed, rows, sample FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites": ["s1", "zz"]}');
SELECT subject, observed, rows FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites": ["s1", "s2", "S1", "zz", "yy"]}');
SELECT subject, observed, rows FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites": []}');
SELECT count(DISTINCT plant) AS oracle_sites, count(plant) AS oracle_rows FROM t33.perf;
-- no exposure at all: every site is unknown
BEGIN;
DELETE FROM training_exposure;
SELECT subject, observed, rows FROM t33.run('unknown_site', 'performance.t33_perf');
ROLLBACK;

-------------------------------------------------------------------------------
-- bad parameters and sources: 22023 naming the check and the parameter
-------------------------------------------------------------------------------
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"enrolment": "learning.enrolment"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": -1}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": 2.5}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": 1001}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"sample_size": "5"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"without_course": "maybe"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"enrolments": "learning.assignment"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 't33_events', '{"enrolments": null}')$$);
SELECT t33.err($$SELECT * FROM t33.run('outside_enrolment', 'performance.t33_perf')$$);
SELECT t33.err($$SELECT * FROM t33.run('submission_before_assignment', 'learning.assignment_submission', '{"assignments": "t33_events"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('score_out_of_range', 'learning.assignment_submission', '{"min": 10, "max": 5}')$$);
SELECT t33.err($$SELECT * FROM t33.run('score_out_of_range', 'learning.assignment_submission', '{"max": "100"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('score_out_of_range', 'learning.assignment_submission', '{"column": "due_at"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": "learning.enrolment"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_person', 'performance.t33_perf', '{"population": ["learning.assignment"]}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_person', 'performance.t33_perf', '{"training_exposure": "yes"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites": "s1"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites": [1]}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_site', 'performance.t33_perf', '{"sites_from": "hr"}')$$);
SELECT t33.err($$SELECT * FROM t33.run('unknown_person', 'performance.nope')$$) ~ '^42704' AS unknown_source_42704;

-------------------------------------------------------------------------------
-- the shipped checks through quality_run, as a member of learnalytics_admin: one finding per row
-- of the type function, scoped by course and subject
-------------------------------------------------------------------------------
CREATE ROLE la_t33_admin LOGIN IN ROLE learnalytics_admin;
SET ROLE la_t33_admin;
SELECT check_name, severity, findings, opened, resolved, rows
  FROM quality_run(ARRAY['quiz_attempt_outside_enrolment', 'submission_before_assignment', 'submission_score_range'],
                   '2026-06-01 00:00+00');
SELECT check_name, check_type, source, scope, observed, expected, rows, status
  FROM quality_finding ORDER BY check_name, scope;
RESET ROLE;
-- the same as the type functions return
SELECT count(*) AS differences FROM (
  (SELECT check_name, course, subject, observed, rows FROM quality_finding
   EXCEPT
   SELECT q.name, r.course, r.subject, r.observed, r.rows
     FROM quality_check q, t33.run(q.check_type, q.source, q.parameters) r
    WHERE q.name IN ('quiz_attempt_outside_enrolment', 'submission_before_assignment', 'submission_score_range'))
  UNION ALL
  (SELECT q.name, r.course, r.subject, r.observed, r.rows
     FROM quality_check q, t33.run(q.check_type, q.source, q.parameters) r
    WHERE q.name IN ('quiz_attempt_outside_enrolment', 'submission_before_assignment', 'submission_score_range')
   EXCEPT
   SELECT check_name, course, subject, observed, rows FROM quality_finding)) d;
DELETE FROM quality_finding;
DELETE FROM quality_run_log;
DROP ROLE la_t33_admin;

DELETE FROM quality_source WHERE name LIKE 't33%';
DELETE FROM performance_source WHERE name = 't33_perf';
DROP SCHEMA t33 CASCADE;
DELETE FROM training_exposure;
DELETE FROM assignment_submission;
DELETE FROM assignment;
DELETE FROM quiz_attempt;
DELETE FROM enrolment;
