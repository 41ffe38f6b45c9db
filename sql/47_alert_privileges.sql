--
-- privileges of the alert engine and dashboards: a viewer reads dashboards only, an analyst reads
-- alerts but cannot change rules, an admin maintains rules
--
SET client_min_messages = warning;
CREATE ROLE la_test_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_test_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_test_admin LOGIN IN ROLE learnalytics_admin;
\set VERBOSITY terse
SET ROLE la_test_viewer;
SELECT count(*) >= 0 AS dashboard_readable FROM course_dropout_funnel;
SELECT count(*) >= 0 AS risk_readable FROM learner_risk_state;
SELECT count(*) FROM alert;
SELECT count(*) FROM enrolment;
SELECT rule_evaluate_all();
RESET ROLE;
SET ROLE la_test_analyst;
SELECT count(*) >= 0 AS alerts_readable FROM alert;
UPDATE alert_rule SET enabled = true WHERE name = 'engagement_dip';
SELECT * FROM rule_evaluate('engagement_dip', '2026-01-02', replaying => true);
INSERT INTO coach (name, capacity) VALUES ('x', 1);
RESET ROLE;
BEGIN;   -- rolled back: the rule keeps its version for the tests after this one
SET LOCAL ROLE la_test_admin;
UPDATE alert_rule SET threshold = 0.5 WHERE name = 'engagement_dip' RETURNING name, threshold;
-- the admin role evaluates, refused a future as_of like anyone
SELECT count(*) FROM alert_reason;
SELECT * FROM rule_evaluate('engagement_dip', '2999-01-01');
ROLLBACK;
DROP ROLE la_test_viewer, la_test_analyst, la_test_admin;
