--
-- the quality gate: performance_observations, performance_comparison and experiment_result refuse
-- (learnalytics.quality_gate = refuse, the default), warn (warn) or say nothing (off) when their
-- inputs have open high-severity data-quality findings; medium findings give a NOTICE
--
-- The findings are inserted directly into quality_finding, as the superuser, with ids from 9001:
-- test-only state standing for what quality_run would have found (this test is about the gate, not
-- the checks); they are deleted at the end.
CREATE ROLE la_gate_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_gate_admin LOGIN IN ROLE learnalytics_admin;

-- a performance table: resolved tickets per agent-week, north trained in March, south not
CREATE TABLE gate_tickets (agent text, site text, week timestamptz, resolved numeric);
INSERT INTO gate_tickets
SELECT 'a' || a, CASE WHEN a <= 4 THEN 'north' ELSE 'south' END,
       timestamptz '2026-01-05 00:00+00' + w * interval '7 days',
       20 + (a * 7 + w * 3) % 5 + CASE WHEN w >= 9 AND a <= 4 THEN 4 ELSE 0 END
FROM generate_series(1, 8) a, generate_series(0, 19) w;
-- another table, with its own performance source: its findings are not about gate_tickets
CREATE TABLE gate_other (agent text, week timestamptz, score numeric);
INSERT INTO gate_other SELECT 'a' || a, '2026-02-02', a FROM generate_series(1, 8) a;
GRANT SELECT ON gate_tickets, gate_other TO learnalytics_analyst;
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('tickets', 'gate_tickets', 'agent', 'site', 'week', 'resolved'),
       ('other', 'gate_other', 'agent', NULL, 'week', 'score');
-- the same table registered again under another name, and as a quality_source: findings on either
-- are findings on the inputs of performance source "tickets"
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('tickets_again', 'gate_tickets', 'agent', 'site', 'week', 'resolved');
INSERT INTO quality_source (name, kind, relation, columns)
VALUES ('tickets_raw', 'performance', 'gate_tickets', '{"learner": "agent", "ts": "week", "metric": "resolved"}'),
       ('other_raw', 'performance', 'gate_other', '{"learner": "agent", "ts": "week", "metric": "score"}'),
       ('enrolment_raw', 'enrolment', 'learnalytics.enrolment', '{}');
INSERT INTO training_exposure (program, learner_key, site, exposed_from, exposed_to)
SELECT 'gate-basics', 'a' || a, 'north', '2026-03-02 09:00+00', '2026-03-06 17:00+00' FROM generate_series(1, 4) a;
INSERT INTO experiment (key, performance_source, measure_from, measure_to)
VALUES ('gate-pilot', 'tickets', '2026-03-09', '2026-05-18');
INSERT INTO experiment_assignment (experiment, learner_key, arm)
SELECT 'gate-pilot', 'a' || a, CASE WHEN a <= 4 THEN 'treatment' ELSE 'control' END FROM generate_series(1, 8) a;

-- each call as one line: what the three functions return (the same with no finding, warn and off)
CREATE FUNCTION pg_temp.gate_results() RETURNS text LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM learnalytics.performance_observations('tickets', 'gate-basics')) || ' observations; '
      || (SELECT 'did ' || round(did_estimate::numeric, 4) || ', n ' || trained_after_n
          FROM learnalytics.performance_comparison('tickets', 'gate-basics')) || '; '
      || (SELECT 'experiment ' || arm || ' ' || round(difference::numeric, 4) || ' over ' || learners
          FROM learnalytics.experiment_result('gate-pilot'))
$$;
GRANT EXECUTE ON FUNCTION pg_temp.gate_results() TO PUBLIC;
-- a finding as quality_run would record it (test-only state, see above)
CREATE FUNCTION pg_temp.finding(id bigint, check_name text, severity text, source text, scope text,
                                rows bigint, status text DEFAULT 'open') RETURNS void LANGUAGE sql AS $$
  INSERT INTO learnalytics.quality_finding (id, check_name, check_type, severity, source, scope, rows, status,
                                            first_seen, last_seen, resolved_at)
  OVERRIDING SYSTEM VALUE
  VALUES (id, check_name, 'not_null', severity, source, scope, rows, status, '2026-06-01', '2026-06-01',
          CASE WHEN status = 'resolved' THEN timestamptz '2026-06-01' END)
$$;

\set VERBOSITY default
\set SHOW_CONTEXT never

-- no finding: the results (independent of the gate: computed by the same functions with it off)
SET ROLE la_gate_analyst;
SET learnalytics.quality_gate = off;
CREATE TEMP TABLE clean AS SELECT pg_temp.gate_results() AS r;
RESET learnalytics.quality_gate;
SHOW learnalytics.quality_gate;
SELECT r AS clean_results FROM clean;
SELECT pg_temp.gate_results() = r AS same_without_findings FROM clean;
RESET ROLE;

-- one open high-severity finding on the performance source: refused, by each of the three
SELECT pg_temp.finding(9001, 'tickets_not_null', 'high', 'performance.tickets', 'subject=resolved', 3);
SET ROLE la_gate_analyst;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM performance_comparison('tickets', 'gate-basics');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM experiment_result('gate-pilot');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- warn: the same text as a WARNING (once per function: the comparison reads through the
-- observations), and the same results as with no finding
SET learnalytics.quality_gate = warn;
SELECT pg_temp.gate_results() = r AS same_results_with_warnings FROM clean;
-- off: nothing, the same results
SET learnalytics.quality_gate = off;
SELECT pg_temp.gate_results() = r AS same_results_silently FROM clean;
-- an unknown value is refused by the setting itself
SET learnalytics.quality_gate = maybe;
SHOW learnalytics.quality_gate;
RESET learnalytics.quality_gate;
RESET ROLE;

-- an admin (member of analyst) is gated the same way
SET ROLE la_gate_admin;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- dismissed ("known, not a problem") and resolved findings do not gate; low ones neither
UPDATE quality_finding SET status = 'dismissed', dismissed_by = 'la_gate_admin', note = 'known: test rows'
WHERE id = 9001;
SELECT pg_temp.finding(9002, 'tickets_range', 'high', 'performance.tickets', 'learner=a3', 1, 'resolved');
SELECT pg_temp.finding(9003, 'tickets_dupes', 'low', 'performance.tickets', '', 2);
SET ROLE la_gate_analyst;
SELECT pg_temp.gate_results() = r AS not_gated_by_dismissed_resolved_low FROM clean;
RESET ROLE;

-- findings of other sources do not gate: another performance table, a quality_source over it,
-- a learning kind the comparisons do not read, a source name that is not registered
SELECT pg_temp.finding(9004, 'other_not_null', 'high', 'performance.other', '', 8);
SELECT pg_temp.finding(9005, 'other_raw_range', 'high', 'other_raw', '', 8);
SELECT pg_temp.finding(9006, 'quiz_future', 'high', 'learning.quiz_attempt', '', 4);
SELECT pg_temp.finding(9007, 'tickets_typo', 'high', 'performance.tickets_', '', 4);
SET ROLE la_gate_analyst;
SELECT pg_temp.gate_results() = r AS not_gated_by_other_sources FROM clean;
RESET ROLE;

-- a medium finding: a NOTICE, and the results
SELECT pg_temp.finding(9008, 'tickets_dupes_medium', 'medium', 'performance.tickets', 'course=north', 2);
SET ROLE la_gate_analyst;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
SELECT pg_temp.gate_results() = r AS same_results_with_notices FROM clean;
SET learnalytics.quality_gate = off;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
RESET learnalytics.quality_gate;
RESET ROLE;

-- findings on every source over the same relation gate: the quality_source over gate_tickets, the
-- other performance source over it, the enrolments and a quality_source over the enrolment table;
-- the DETAIL lists five, in check and scope order, and says how many more
SELECT pg_temp.finding(9009, 'raw_outlier', 'high', 'tickets_raw', 'learner=a1;day=2026-02-02', 40);
SELECT pg_temp.finding(9010, 'again_future', 'high', 'performance.tickets_again', '', NULL);
SELECT pg_temp.finding(9011, 'enrolment_left_at', 'high', 'learning.enrolment', 'course=gate;subject=left_at', 1);
SELECT pg_temp.finding(9012, 'enrolment_dupes', 'high', 'learning.enrolment', 'course=gate', 6);
SELECT pg_temp.finding(9013, 'enrolment_dupes', 'high', 'learning.enrolment', 'course=gate2', 7);
SELECT pg_temp.finding(9014, 'tickets_range', 'high', 'performance.tickets', 'learner=a3', 1);
SELECT pg_temp.finding(9015, 'enrolment_raw_dates', 'high', 'enrolment_raw', 'course=gate', 2);
SET ROLE la_gate_analyst;
SELECT * FROM experiment_result('gate-pilot');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET learnalytics.quality_gate = warn;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
RESET learnalytics.quality_gate;
RESET ROLE;

-- a fresh session, before any C function of the library has run: the default is refuse, and a
-- value set before the library loads is honoured
\c -
SELECT current_setting('learnalytics.quality_gate', true) IS NULL AS library_not_loaded_yet;
SET ROLE la_gate_analyst;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\c -
SET learnalytics.quality_gate = warn;
SET ROLE la_gate_analyst;
SELECT count(*) FROM performance_observations('tickets', 'gate-basics');
RESET ROLE;

\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- clean up: the test-only findings, the registrations, the roles
DELETE FROM quality_finding WHERE id BETWEEN 9001 AND 9015;
DELETE FROM experiment WHERE key = 'gate-pilot';
DELETE FROM training_exposure WHERE program = 'gate-basics';
DELETE FROM quality_source WHERE name IN ('tickets_raw', 'other_raw', 'enrolment_raw');
DELETE FROM performance_source WHERE name IN ('tickets', 'tickets_again', 'other');
DROP TABLE gate_tickets, gate_other;
DROP ROLE la_gate_analyst, la_gate_admin;
