-- The review of the data-quality change: each case reproduced a defect before its fix.
--  1. a check may be written only by a role that may read every source it reads (a superuser's run
--     would otherwise publish a table the writer may not read);
--  2. an outage of a source the rules do not read (an HR system's logins) holds no alert;
--  3. exclude_outliers leaves out only the bursts found over the engagement source's own relation;
--  4. a deleted or disabled check resolves its findings (an open outage would hold alerts for ever);
--  5. a run as of an earlier time than a check's last run is refused (history runs forward).
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET search_path = public, learnalytics;
SET timezone = 'UTC';
SET client_min_messages = warning;
UPDATE alert_rule SET enabled = false WHERE builtin;
UPDATE quality_check SET enabled = false WHERE builtin;

-- 1. ---------------------------------------------------------------------------------------------
CREATE ROLE t38_admin LOGIN IN ROLE learnalytics_admin;
CREATE TABLE t38_salary (person text, site text, paid_at timestamptz, salary numeric);
INSERT INTO t38_salary VALUES ('ceo', 'hq', '2026-01-31', 912345.67), ('cfo', 'hq', '2026-01-31', 654321.00);
REVOKE ALL ON t38_salary FROM PUBLIC;
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('t38_payroll', 't38_salary', 'person', 'site', 'paid_at', 'salary');
CREATE TABLE t38_ok (person text, site text, paid_at timestamptz, salary numeric);
GRANT SELECT ON t38_ok TO t38_admin;
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('t38_ok', 't38_ok', 'person', 'site', 'paid_at', 'salary');
SET ROLE t38_admin;
-- its own source: refused, nothing written
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('t38_peek', 'score_out_of_range', 'performance.t38_payroll', '{"min": -1, "max": -1, "sample_size": 1000}', 'low');
-- a source named in the parameters: refused too
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('t38_peek2', 'unknown_person', 'performance.t38_ok', '{"population": ["performance.t38_payroll"]}', 'low');
-- readable sources: accepted; changing the parameters to name the other source: refused
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('t38_fine', 'unknown_person', 'performance.t38_ok', '{"population": ["learning.enrolment"]}', 'low');
UPDATE quality_check SET parameters = '{"population": ["performance.t38_payroll"]}' WHERE name = 't38_fine';
-- disabling it (nothing read) is fine
UPDATE quality_check SET enabled = false WHERE name = 't38_fine';
RESET ROLE;
SELECT name, enabled, parameters FROM quality_check WHERE name LIKE 't38%' ORDER BY 1;

-- 2. ---------------------------------------------------------------------------------------------
CREATE TABLE t38_act (learner text, ts timestamptz);
INSERT INTO t38_act
SELECT 't38p', timestamptz '2026-03-01 08:00+00' + (d - 1) * interval '1 day' + k * interval '1 minute'
FROM generate_series(1, 14) d, generate_series(0, 9) k;
SELECT engagement_refresh('t38_act', 'learner', 'ts', source_name => 't38') AS learners;
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES ('t38p', 't38k', 't38dip', '2026-02-28');
INSERT INTO alert_rule (name, family, template, cohort, metric, threshold, baseline_days, window_days, fire_after,
                        escalate_after, severity, escalated_severity, cooldown_days, ladder, ladder_after) VALUES
  ('t38_dip', 't38_dip', 'engagement_dip', 't38dip', 'events', 0.5, 7, NULL, 3, 5, 'low', 'high', 7, '{in_app_nudge}', '{3}');
-- an unrelated table of logins, 100 a day, collapsing on Mar 16; checked as a quality source
CREATE TABLE t38_hr (who text, at timestamptz);
INSERT INTO t38_hr SELECT 'u' || (k % 10), timestamptz '2026-03-01 09:00+00' + (d - 1) * interval '1 day' + k * interval '1 minute'
FROM generate_series(1, 16) d, generate_series(1, 100) k WHERE d < 16 OR k <= 3;
INSERT INTO quality_source (name, kind, relation, columns) VALUES ('t38_hr', 'events', 't38_hr', '{"learner": "who", "ts": "at"}');
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('t38_hr_outage', 'outage', 't38_hr', '{"seasonality": "none", "baseline_days": 7}', 'high');
SELECT check_name, findings, opened FROM quality_run('{t38_hr_outage}', '2026-03-17 06:00+00');
SELECT course, day, observed, expected, status FROM quality_finding WHERE check_name = 't38_hr_outage';
-- the learner's dip since Mar 15 is 3 days on Mar 17 with or without the HR outage: it fires
SELECT learner, persisted FROM rule_matches('t38_dip', '2026-03-17');
SELECT rule, day, opened FROM rule_evaluate('t38_dip', '2026-03-18 06:00+00');
SELECT count(*) AS suppressed FROM alert_suppression WHERE rule_name = 't38_dip';
-- the same collapse in the events the rules read (an engagement source's relation) does hold it
INSERT INTO t38_act SELECT 'x' || k, timestamptz '2026-03-01 09:00+00' + (d - 1) * interval '1 day' + k * interval '1 minute'
FROM generate_series(1, 16) d, generate_series(1, 100) k WHERE d < 16 OR k <= 3;
INSERT INTO quality_source (name, kind, relation) VALUES ('t38_act', 'events', 't38_act');
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('t38_act_outage', 'outage', 't38_act', '{"seasonality": "none", "baseline_days": 7}', 'high');
SELECT check_name, findings, opened FROM quality_run('{t38_act_outage}', '2026-03-17 06:00+00');
SELECT learner, persisted FROM rule_matches('t38_dip', '2026-03-17');

-- 4. (here, with the outage at hand) deleting the check resolves its finding: the dip counts again
DELETE FROM quality_check WHERE name = 't38_act_outage';
SELECT status, note FROM quality_finding WHERE check_name = 't38_act_outage';
SELECT learner, persisted FROM rule_matches('t38_dip', '2026-03-17');
-- disabling a check resolves its findings too
SELECT status FROM quality_finding WHERE check_name = 't38_hr_outage';
UPDATE quality_check SET enabled = false WHERE name = 't38_hr_outage';
SELECT status, note FROM quality_finding WHERE check_name = 't38_hr_outage';

-- 3. ---------------------------------------------------------------------------------------------
-- a burst of t38p's found over another table: t38_act's summaries keep its events of that day
CREATE TABLE t38_x (learner text, ts timestamptz, course text);
INSERT INTO t38_x SELECT 'n' || l, timestamptz '2026-03-05 08:00+00' + k * interval '1 minute', 'cx'
  FROM generate_series(1, 20) l, generate_series(1, 10) k;
INSERT INTO t38_x SELECT 't38p', timestamptz '2026-03-05 08:00+00' + k * interval '1 second', 'cx' FROM generate_series(1, 5000) k;
INSERT INTO quality_source (name, kind, relation) VALUES ('t38_x', 'events', 't38_x');
INSERT INTO quality_check (name, check_type, source, severity) VALUES ('t38_burst', 'outlier_burst', 't38_x', 'medium');
SELECT check_name, findings FROM quality_run('{t38_burst}', '2026-03-07');
SELECT learner, day, status FROM quality_finding WHERE check_name = 't38_burst';
SELECT engagement_refresh('t38_act', 'learner', 'ts', source_name => 't38', exclude_outliers => true) AS learners;
SELECT a.day, a.events FROM learner_engagement le, daily_activity(le.summary, '2026-03-04', '2026-03-06') a
 WHERE le.source = 't38' AND le.learner = 't38p' ORDER BY 1;
SELECT count(*) AS excluded FROM learnalytics_internal.engagement_excluded WHERE source = 't38';

-- 5. ---------------------------------------------------------------------------------------------
SELECT check_name, findings FROM quality_run('{t38_burst}', '2026-03-06');
SELECT count(*) AS runs FROM quality_run_log WHERE check_name = 't38_burst';

-- clean up
DELETE FROM alert_suppression WHERE rule_name = 't38_dip';
DELETE FROM alert WHERE learner = 't38p';
DELETE FROM alert_rule WHERE name = 't38_dip';
DELETE FROM enrolment WHERE learner = 't38p';
DELETE FROM quality_check WHERE name LIKE 't38%';
DELETE FROM quality_finding WHERE check_name LIKE 't38%';
DELETE FROM quality_run_log WHERE check_name LIKE 't38%';
DELETE FROM quality_source WHERE name LIKE 't38%';
DELETE FROM performance_source WHERE name LIKE 't38%';
DELETE FROM engagement_source WHERE name = 't38';
DELETE FROM learner_engagement WHERE source = 't38';
DROP TABLE t38_salary, t38_ok, t38_act, t38_hr, t38_x;
DROP OWNED BY t38_admin; DROP ROLE t38_admin;
UPDATE quality_check SET enabled = true WHERE builtin;
