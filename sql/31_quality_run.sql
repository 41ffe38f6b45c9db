--
-- data quality, running the checks (doc/quality.md, "Running", "Views", "Privileges"): the life of
-- a finding over four runs in three ISO weeks, a failing check that leaves its findings alone while
-- the run goes on, dismissal, the weekly trend, the dashboards' status as each role reads it,
-- erasure, retention, the job kind, and what each role may do, as LOGIN members of the roles.
--
-- Check types are shipped rows only. This test inserts one of its own as the superuser (TEST-ONLY,
-- deleted at the end), qt_scripted: its function returns the rows of the table qt.script written
-- for the check and the as_of of the run, so the findings of every run are known in advance. It
-- reads its source first (a missing source fails the check) and fails when the check's parameter
-- "fail" is true.
--
-- The script (course, day, learner, subject: observed / expected / rows; rows NULL = the number
-- of rows of the source):
--   run  as_of (UTC)        qt_a (high, qt_events)            qt_b (low)   qt_c (medium, qt_gone)  qt_d (medium, disabled)
--   R1   2026-03-02 06:00   A1 c1;2026-03-01  0/2310/0         B1 c2;2026-03-01;score  C1 c1 5/0/5  D1 c1;qt_n1 9/1/9
--                           A2 c1;qt_n1;ts 1/0/1               140/100/1
--                           A3 whole source 3/0/NULL
--   (A2 dismissed by the admin)
--   R2   2026-03-04 06:00   A1 12/2310/12, A2 2/0/2            B1           C1 6/0/6                -
--   R3   2026-03-10 06:00   A3 1/0/NULL                        fails        fails (table dropped)   D1
--   R4   2026-03-18 06:00   A3 1/0/NULL                        -            C1 7/0/7                D1, D2 c1;qt_s1 4/1/4
-- So: A1 open R1, updated R2, resolved R3; A2 dismissed, still dismissed R2, resolved R3; A3 open
-- R1, resolved R2, back in R3 as a NEW finding; B1 open R1, untouched by the failure of R3, resolved
-- R4; C1 open from R1 to R4 through the failure of R3 (one finding); D1 resolved R2, new in R3.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
CREATE SCHEMA qt;
CREATE ROLE la_qt_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_qt_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_qt_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_qt_manager LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_qt_nobody LOGIN;
INSERT INTO learner_org_unit VALUES ('qt_n1', 'qt_north'), ('qt_s1', 'qt_south');
INSERT INTO org_unit_manager VALUES ('la_qt_manager', 'qt_north');

CREATE TABLE qt.events (learner text, ts timestamptz, course text);
INSERT INTO qt.events VALUES ('qt_n1', '2026-03-01 10:00+00', 'c1'), ('qt_n1', '2026-03-01 11:00+00', 'c1'),
  ('qt_s1', '2026-03-01 12:00+00', 'c1'), ('qt_s1', '2026-03-02 12:00+00', 'c1');
CREATE TABLE qt.gone (learner text, ts timestamptz);
INSERT INTO quality_source (name, kind, relation) VALUES ('qt_events', 'events', 'qt.events'), ('qt_gone', 'events', 'qt.gone');

CREATE TABLE qt.script (check_name text, as_of timestamptz, course text, day date, learner text, subject text,
                        observed numeric, expected numeric, rows bigint, sample jsonb);
INSERT INTO qt.script VALUES
  ('qt_a', '2026-03-02 06:00+00', 'c1', '2026-03-01', NULL, NULL, 0, 2310, 0, '[]'),
  ('qt_a', '2026-03-02 06:00+00', 'c1', NULL, 'qt_n1', 'ts', 1, 0, 1, '[{"learner": "qt_n1"}]'),
  ('qt_a', '2026-03-02 06:00+00', NULL, NULL, NULL, NULL, 3, 0, NULL, NULL),
  ('qt_b', '2026-03-02 06:00+00', 'c2', '2026-03-01', NULL, 'score', 140, 100, 1, NULL),
  ('qt_c', '2026-03-02 06:00+00', 'c1', NULL, NULL, NULL, 5, 0, 5, '["qt_n1", "qt_s1"]'),
  ('qt_d', '2026-03-02 06:00+00', 'c1', NULL, 'qt_n1', NULL, 9, 1, 9, NULL),
  ('qt_a', '2026-03-04 06:00+00', 'c1', '2026-03-01', NULL, NULL, 12, 2310, 12, '[]'),
  ('qt_a', '2026-03-04 06:00+00', 'c1', NULL, 'qt_n1', 'ts', 2, 0, 2, '[{"learner": "qt_n1"}]'),
  ('qt_b', '2026-03-04 06:00+00', 'c2', '2026-03-01', NULL, 'score', 140, 100, 1, NULL),
  ('qt_c', '2026-03-04 06:00+00', 'c1', NULL, NULL, NULL, 6, 0, 6, '["qt_n1", "qt_s1"]'),
  ('qt_a', '2026-03-10 06:00+00', NULL, NULL, NULL, NULL, 1, 0, NULL, NULL),
  ('qt_b', '2026-03-10 06:00+00', 'c2', '2026-03-01', NULL, 'score', 140, 100, 1, NULL),
  ('qt_c', '2026-03-10 06:00+00', 'c1', NULL, NULL, NULL, 6, 0, 6, NULL),
  ('qt_d', '2026-03-10 06:00+00', 'c1', NULL, 'qt_n1', NULL, 9, 1, 9, NULL),
  ('qt_a', '2026-03-18 06:00+00', NULL, NULL, NULL, NULL, 1, 0, NULL, NULL),
  ('qt_c', '2026-03-18 06:00+00', 'c1', NULL, NULL, NULL, 7, 0, 7, '["qt_n1", "qt_s1"]'),
  ('qt_d', '2026-03-18 06:00+00', 'c1', NULL, 'qt_n1', NULL, 9, 1, 9, NULL),
  ('qt_d', '2026-03-18 06:00+00', 'c1', NULL, 'qt_s1', NULL, 4, 1, 4, NULL);
CREATE FUNCTION qt.scripted(c quality_check, as_of timestamptz, OUT course text, OUT day date, OUT learner text,
    OUT subject text, OUT observed numeric, OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  n bigint;
BEGIN
  IF (c.parameters ->> 'fail')::boolean THEN
    RAISE EXCEPTION 'quality check "%": parameter "fail" is true', c.name USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('SELECT count(*) FROM %s s', (learnalytics_internal.quality_source_sql(c.source)).sql) INTO n;
  RETURN QUERY SELECT s.course, s.day, s.learner, s.subject, s.observed, s.expected, coalesce(s.rows, n), s.sample
    FROM qt.script s WHERE s.check_name = c.name AND s.as_of = scripted.as_of;
END
$$;
INSERT INTO quality_check_type (name, function, kinds, parameters, description) VALUES
  ('qt_scripted', 'qt.scripted(quality_check, timestamptz)', '{events,enrolment}', '{"fail": false}',
   'test-only: the scripted findings');
INSERT INTO quality_check (name, check_type, source, severity, enabled, description) VALUES
  ('qt_a', 'qt_scripted', 'qt_events', 'high', true, 'events look wrong'),
  ('qt_b', 'qt_scripted', 'learning.enrolment', 'low', true, NULL),
  ('qt_c', 'qt_scripted', 'qt_gone', 'medium', true, 'gone events'),
  ('qt_d', 'qt_scripted', 'qt_events', 'medium', false, 'learners');
-- the admin runs and dismisses; the type function runs with its rights
GRANT USAGE ON SCHEMA qt TO la_qt_admin;
GRANT SELECT ON qt.script, qt.events TO la_qt_admin;
GRANT EXECUTE ON FUNCTION qt.scripted(quality_check, timestamptz) TO la_qt_admin;
-- an error as "SQLSTATE message | detail | hint", finding ids left out (they depend on earlier tests)
CREATE FUNCTION qt.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; detail text; hint text;
BEGIN
  EXECUTE cmd;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                          hint = PG_EXCEPTION_HINT;
  RETURN regexp_replace(st || ' ' || msg || ' | ' || detail || ' | ' || hint, 'finding [0-9]+', 'finding N', 'g');
END
$$;
GRANT EXECUTE ON FUNCTION qt.try(text) TO la_qt_admin;

-- finding ids and run ids relative to what earlier tests left
SELECT coalesce(max(id), 0) AS f0 FROM quality_finding \gset
SELECT coalesce(max(run_id), 0) AS r0 FROM quality_run_log \gset
CREATE VIEW qt.findings AS
SELECT f.id - :f0 AS id, f.check_name, f.scope, f.status, f.severity, f.observed, f.expected, f.rows,
       f.first_seen::date AS first_seen, f.last_seen::date AS last_seen, f.resolved_at::date AS resolved_at,
       f.first_run - :r0 AS first_run, f.last_run - :r0 AS last_run, f.dismissed_by
FROM quality_finding f WHERE f.check_name LIKE 'qt\_%' ORDER BY f.id;
CREATE VIEW qt.log AS
SELECT l.run_id - :r0 AS run_id, l.as_of::date AS as_of, l.check_name, l.check_type, l.severity, l.source,
       l.findings, l.opened, l.resolved, l.rows, l.finished_at >= l.started_at AS finished, l.error
FROM quality_run_log l WHERE l.check_name LIKE 'qt\_%' ORDER BY l.run_id;

-- R1: every finding is new; the scope is the canonical course=;day=;learner=;subject= of the parts
-- the check gave ('' for the whole source); qt_d is disabled but named, so it runs
SELECT * FROM quality_run('{qt_d,qt_c,qt_b,qt_a}', '2026-03-02 06:00+00');
SELECT * FROM qt.findings;
SET ROLE la_qt_admin;
SELECT status, dismissed_by, note FROM quality_dismiss(
  (SELECT id FROM quality_finding WHERE check_name = 'qt_a' AND scope = 'course=c1;learner=qt_n1;subject=ts'),
  '  the learner is a test account  ');
RESET ROLE;

-- R2: A1 and A2 updated (A2 stays dismissed), A3 resolved, D1 resolved
SELECT * FROM quality_run('{qt_a,qt_b,qt_c,qt_d}', '2026-03-04 06:00+00');
SELECT * FROM qt.findings;

-- R3: qt_b fails (its parameter), qt_c fails (its source's table is gone): a WARNING each, their
-- findings stay as they were, the run goes on with qt_d. A3 is back: a new finding, not the resolved one.
UPDATE quality_check SET parameters = '{"fail": true}' WHERE name = 'qt_b';
DROP TABLE qt.gone;
\set VERBOSITY terse
SELECT * FROM quality_run('{qt_a,qt_b,qt_c,qt_d}', '2026-03-10 06:00+00');
\set VERBOSITY default
SELECT * FROM qt.findings;

-- R4, every enabled check (the other checks are disabled for it): qt_d is disabled, so it runs when
-- named only, afterwards. B1 is resolved now; C1 is still the finding of R1.
UPDATE quality_check SET parameters = '{}' WHERE name = 'qt_b';
CREATE TABLE qt.gone (learner text, ts timestamptz);
UPDATE quality_source SET relation = 'qt.gone' WHERE name = 'qt_gone';
BEGIN;
CREATE TEMP TABLE qt_others ON COMMIT DROP AS SELECT name FROM quality_check WHERE enabled AND name !~ '^qt_';
UPDATE quality_check SET enabled = false WHERE name IN (SELECT name FROM qt_others);
SELECT * FROM quality_run(as_of => '2026-03-18 06:00+00');
UPDATE quality_check SET enabled = true WHERE name IN (SELECT name FROM qt_others);
COMMIT;
SELECT * FROM quality_run('{qt_d}', '2026-03-18 06:00+00');
SELECT * FROM qt.findings;
-- one row per check per run, the errors kept
SELECT * FROM qt.log;

-- the weekly trend (ISO weeks of as_of, UTC), by hand from the script:
--   W10 (R1, R2): qt_a 2 runs, 2 findings at R2, 3 new, 1 resolved (A3), 14 rows at R2;
--                 qt_b, qt_c 1 finding, 1 new; qt_d 0 findings at R2, 1 new, 1 resolved
--   W11 (R3):     qt_a 1 finding (A3), 1 new, 2 resolved (A1, A2), 4 rows; qt_b and qt_c one
--                 failed run, no findings known; qt_d 1 new (D1)
--   W12 (R4):     qt_a 1; qt_b 0 findings, 1 resolved (B1); qt_c 1 (7 rows); qt_d 2, 1 new (D2)
-- W13 has no run, so no row
SELECT week, iso_week, check_name, severity, runs, failed, findings, new, resolved, rows
FROM quality_weekly WHERE check_name LIKE 'qt\_%';

-- quality_findings: open and dismissed, high first, open before dismissed; with the check's
-- description, or the type's
SELECT check_name, scope, severity, status, description FROM quality_findings WHERE check_name LIKE 'qt\_%';

-- quality_dismiss refuses (the admin calls it)
SET ROLE la_qt_admin;
\set VERBOSITY terse
SELECT quality_dismiss((SELECT id FROM quality_finding WHERE check_name = 'qt_c'), NULL);
SELECT quality_dismiss((SELECT id FROM quality_finding WHERE check_name = 'qt_c'), '   ');
SELECT quality_dismiss(NULL, 'x');
SELECT quality_dismiss(-1, 'x');
\set VERBOSITY default
SELECT qt.try($$SELECT quality_dismiss((SELECT id FROM quality_finding WHERE check_name = 'qt_b'), 'too late')$$);
-- C1 (a course-level finding) is known: dismissed; it stays dismissed when the check finds it again
SELECT status, dismissed_by, note FROM quality_dismiss((SELECT id FROM quality_finding WHERE check_name = 'qt_c'),
                                                        'c1 was migrated');
RESET ROLE;

-- quality_run refuses a future, infinite or NULL as_of and unknown checks, before running anything
\set VERBOSITY terse
SELECT * FROM quality_run('{qt_a}', '2999-01-01 00:00+00');
SELECT * FROM quality_run('{qt_a}', 'infinity');
SELECT * FROM quality_run('{qt_a}', NULL);
SELECT * FROM quality_run('{qt_zz,qt_a,qt_yy}', '2026-03-18 06:00+00');
\set VERBOSITY default
-- a type function that returns two findings with the same scope fails its check (nothing written)
BEGIN;
INSERT INTO qt.script SELECT 'qt_a', '2026-03-18 07:00+00', NULL, NULL, NULL, NULL, 1, 0, 1, NULL FROM generate_series(1, 2);
\set VERBOSITY terse
SELECT * FROM quality_run('{qt_a}', '2026-03-18 07:00+00');
\set VERBOSITY default
SELECT count(*) AS qt_a_open FROM quality_finding WHERE check_name = 'qt_a' AND status = 'open';
ROLLBACK;

-- the job kind quality_run: arguments checked when scheduled (validate_only) and when run
SELECT kind, handler FROM job_kind WHERE kind = 'quality_run';
\set VERBOSITY terse
SELECT learnalytics_internal.job_quality_run('{"checks": "qt_a"}');
SELECT learnalytics_internal.job_quality_run('{"checks": ["qt_a", 3]}');
SELECT learnalytics_internal.job_quality_run('{"checks": ["qt_zz"]}');
SELECT learnalytics_internal.job_quality_run('{"as_of": "soon"}');
SELECT learnalytics_internal.job_quality_run('{"as_of": "2999-01-01 00:00+00"}');
SELECT learnalytics_internal.job_quality_run('{"check": ["qt_a"]}');
-- when scheduled too
SELECT learnalytics_internal.job_quality_run('{"checks": ["qt_a"], "as_of": "2999-01-01", "validate_only": true}');
\set VERBOSITY default
SELECT learnalytics_internal.job_quality_run('{"checks": ["qt_a"], "validate_only": true}') IS NULL AS validated;
BEGIN;
SET LOCAL ROLE la_qt_admin;
-- (as of R4 again: the same findings, nothing opened or resolved)
SELECT learnalytics_internal.job_quality_run('{"checks": ["qt_a", "qt_d"], "as_of": "2026-03-18 06:00+00"}');
ROLLBACK;

-- quality_status: open findings per source and course, for dashboards. Each role counts the
-- findings of the learners it sees and those that name no learner: the analyst D1 (qt_n1) and D2
-- (qt_s1), the manager of qt_north D1 only, a viewer that manages nothing neither.
SET ROLE la_qt_analyst;
SELECT * FROM quality_status WHERE source LIKE 'qt\_%' ORDER BY source, course;
RESET ROLE;
SET ROLE la_qt_manager;
SELECT source, course, open, high, medium, low, dismissed, rows FROM quality_status WHERE source LIKE 'qt\_%' ORDER BY source, course;
RESET ROLE;
SET ROLE la_qt_viewer;
SELECT source, course, open, high, medium, low, dismissed, rows FROM quality_status WHERE source LIKE 'qt\_%' ORDER BY source, course;
RESET ROLE;
-- the oracle: the same counts in plain SQL over the findings, per role's learners
SELECT who, f.source, f.course, count(*) FILTER (WHERE f.status = 'open') AS open,
       count(*) FILTER (WHERE f.status = 'dismissed') AS dismissed,
       coalesce(sum(f.rows) FILTER (WHERE f.status = 'open'), 0) AS rows
FROM (VALUES ('analyst', '{qt_n1,qt_s1}'::text[]), ('manager', '{qt_n1}'), ('viewer', '{}')) r(who, sees)
JOIN quality_finding f ON f.status <> 'resolved' AND f.check_name LIKE 'qt\_%'
                      AND (f.learner IS NULL OR f.learner = ANY (r.sees))
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- outages as the alert engine reads them: open findings of outage checks with a day, over the
-- relation of an engagement source (what the rules read: qt.events is one here, qt.gone is not), and
-- not spikes (hand-made rows, TEST-ONLY: the outage type is shipped elsewhere)
BEGIN;
INSERT INTO engagement_source (name, relation, learner_column, ts_column, tz, session_gap)
VALUES ('qt', 'qt.events', 'learner', 'ts', 'UTC', '30 minutes');
INSERT INTO quality_finding (check_name, check_type, severity, source, scope, course, day, observed, expected, rows,
                             status, first_seen, last_seen)
VALUES ('qt_outage', 'outage', 'high', 'qt_events', 'course=c1;day=2026-03-05', 'c1', '2026-03-05', 12, 2310, 12,
        'open', '2026-03-06', '2026-03-06'),
       ('qt_outage', 'outage', 'high', 'qt_events', 'day=2026-03-06', NULL, '2026-03-06', 0, 2400, 0,
        'open', '2026-03-07', '2026-03-07'),
       ('qt_outage', 'outage', 'high', 'qt_events', 'course=c1;day=2026-03-04', 'c1', '2026-03-04', 1, 2310, 1,
        'resolved', '2026-03-05', '2026-03-05'),
       ('qt_outage', 'outage', 'high', 'qt_events', 'course=c2;day=2026-03-04', 'c2', '2026-03-04', 1, 2310, 1,
        'dismissed', '2026-03-05', '2026-03-05'),
       ('qt_outage', 'outage', 'high', 'qt_events', 'course=c3', 'c3', NULL, 1, 2310, 1,
        'open', '2026-03-05', '2026-03-05'),
       ('qt_outage', 'outage', 'high', 'qt_gone', 'course=c4;day=2026-03-05', 'c4', '2026-03-05', 1, 2310, 1,
        'open', '2026-03-06', '2026-03-06');
INSERT INTO quality_finding (check_name, check_type, severity, source, scope, course, day, subject, observed,
                             expected, rows, status, first_seen, last_seen)
VALUES ('qt_outage', 'outage', 'high', 'qt_events', 'course=c5;day=2026-03-05;subject=spike', 'c5', '2026-03-05',
        'spike', 9000, 2310, 9000, 'open', '2026-03-06', '2026-03-06');
SET LOCAL ROLE la_qt_analyst;
SELECT course, day, check_name, observed, expected FROM learnalytics_internal.quality_outage_days
WHERE check_name = 'qt_outage' ORDER BY day, course;
ROLLBACK;

-- erasure: the learner's findings go, other findings' samples lose the key
BEGIN;
SELECT relation, action, rows FROM learner_erase('qt_n1') WHERE relation::text LIKE '%quality%' ORDER BY 1, 2;
SELECT check_name, scope, sample ? 'qt_n1' AS names_qt_n1, sample ? 'qt_s1' AS names_qt_s1
FROM quality_finding WHERE check_name LIKE 'qt\_%' AND (learner = 'qt_n1' OR sample IS NOT NULL) ORDER BY id;
ROLLBACK;

-- retention: the built-in policy quality_findings keeps resolved findings 180 days. As of
-- 2026-09-20 the cut-off is 2026-03-24: the 5 resolved findings (A3 of R1, D1 of R1, A1, A2, B1) go,
-- the open and dismissed ones stay whatever their age
SELECT name, keep, handler, builtin FROM retention_policy WHERE name = 'quality_findings';
SELECT rows = (SELECT count(*) FROM quality_finding WHERE status = 'resolved' AND resolved_at < '2026-03-24')
       AS counts_resolved_before_cutoff
FROM retention_run(true, '2026-09-20 00:00+00') WHERE policy = 'quality_findings';
BEGIN;
SET LOCAL ROLE la_qt_admin;
SELECT learnalytics_internal.quality_prune('2026-03-24 00:00+00') >= 5 AS pruned;
RESET ROLE;
SELECT check_name, scope, status FROM quality_finding WHERE check_name LIKE 'qt\_%' ORDER BY id;
ROLLBACK;

-- privileges, as LOGIN members of the roles
\set VERBOSITY terse
-- a role of none: nothing
SET ROLE la_qt_nobody;
SELECT count(*) FROM learnalytics.quality_status;
SELECT * FROM learnalytics.quality_run('{qt_a}', '2026-03-18 06:00+00');
RESET ROLE;
-- the viewer: quality_status only
SET ROLE la_qt_viewer;
SELECT count(*) >= 0 AS status_readable FROM quality_status;
SELECT count(*) FROM quality_findings;
SELECT count(*) FROM quality_finding;
SELECT count(*) FROM quality_weekly;
SELECT count(*) FROM quality_check;
SELECT * FROM quality_run('{qt_a}', '2026-03-18 06:00+00');
SELECT quality_dismiss(1, 'x');
RESET ROLE;
-- the analyst reads everything of quality, changes nothing
SET ROLE la_qt_analyst;
SELECT (SELECT count(*) FROM quality_findings WHERE check_name LIKE 'qt\_%') AS findings,
       (SELECT count(*) FROM quality_finding WHERE check_name LIKE 'qt\_%') AS finding_rows,
       (SELECT count(*) FROM quality_weekly WHERE check_name LIKE 'qt\_%') AS weekly,
       (SELECT count(*) FROM quality_run_log WHERE check_name LIKE 'qt\_%') AS runs,
       (SELECT count(*) FROM quality_check WHERE name LIKE 'qt\_%') AS checks,
       (SELECT count(*) FROM quality_check_type WHERE name = 'qt_scripted') AS types,
       (SELECT count(*) FROM quality_source WHERE name LIKE 'qt\_%') AS sources;
SELECT kind FROM learnalytics_internal.quality_source_sql('qt_events');
SELECT * FROM quality_run('{qt_a}', '2026-03-18 06:00+00');
SELECT quality_dismiss(1, 'x');
UPDATE quality_finding SET status = 'dismissed' WHERE check_name = 'qt_a';
INSERT INTO quality_check (name, check_type, source) VALUES ('qt_x', 'qt_scripted', 'qt_events');
DELETE FROM quality_source WHERE name = 'qt_events';
RESET ROLE;
-- the admin writes checks and sources, runs and dismisses; not the types
SET ROLE la_qt_admin;
BEGIN;
INSERT INTO quality_source (name, kind, relation) VALUES ('qt_admin_src', 'events', 'qt.events') RETURNING name;
INSERT INTO quality_check (name, check_type, source) VALUES ('qt_x', 'qt_scripted', 'qt_admin_src') RETURNING name;
SELECT * FROM quality_run('{qt_a,qt_x}', '2026-03-18 07:00+00');
ROLLBACK;
INSERT INTO quality_check_type (name, function, kinds, description) VALUES
  ('qt_other', 'qt.scripted(quality_check, timestamptz)', '{events}', 'x');
UPDATE quality_check_type SET kinds = '{events,performance}' WHERE name = 'qt_scripted';
RESET ROLE;
\set VERBOSITY default

-- clean up
DELETE FROM quality_finding WHERE check_name LIKE 'qt\_%';
DELETE FROM quality_run_log WHERE check_name LIKE 'qt\_%';
DELETE FROM quality_check WHERE name LIKE 'qt\_%';
DELETE FROM quality_check_type WHERE name = 'qt_scripted';
DELETE FROM quality_source WHERE name LIKE 'qt\_%';
DELETE FROM learner_org_unit WHERE learner IN ('qt_n1', 'qt_s1');
DELETE FROM org_unit_manager WHERE manager = 'la_qt_manager';
DROP SCHEMA qt CASCADE;
DROP OWNED BY la_qt_admin, la_qt_analyst, la_qt_viewer, la_qt_manager, la_qt_nobody;
DROP ROLE la_qt_admin, la_qt_analyst, la_qt_viewer, la_qt_manager, la_qt_nobody;
