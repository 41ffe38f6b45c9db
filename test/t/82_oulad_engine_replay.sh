#!/usr/bin/env bash
# The alert-rules engine's replay (rule_replay / rule_replay_alerts, doc/alerts.md) on OULAD AAA/2013J:
# with enrolments mapped through learning_source onto demo/replay.sql's population, the engine's
# engagement_dip rule (events, 60% of the 14-day mean, 3 days) fires on exactly the same
# (enrolment, day) pairs as the demo's own replay, and its per-alert lift equals the demo's (to the 2 decimals the demo prints) for the
# same 30-day horizon. Its check is skipped when the data is not there; CI always has it.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
engine_replay() {
  oulad_need_data
  oulad_psql <<'SQL'
SET client_min_messages = warning;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir') \gset
CREATE TEMP VIEW aaa_activity AS
  SELECT * FROM oulad.activity WHERE code_module = 'AAA' AND code_presentation = '2013J';
SELECT engagement_refresh('aaa_activity', 'enrolment', 'ts', 'clicks') AS summaries \gset
\i :replay
DELETE FROM replay.population WHERE presentation <> 'AAA/2013J';
DELETE FROM replay.student_day WHERE presentation <> 'AAA/2013J';
SELECT replay.replay_dip_rule('dip', 0.6, 14, 3) AS dip_alerts \gset
INSERT INTO learning_source VALUES ('enrolment', 'replay.engine_enrolment',
  '{"learner": "learner", "course": "course", "enrolled_at": "enrolled_at", "left_at": "left_at"}');
CREATE TEMP TABLE engine AS
SELECT learner AS enrolment, day FROM rule_replay_alerts('engagement_dip', '2013-10-01', '2014-07-01',
  '{"metric": "events", "threshold": 0.6, "baseline_days": 14, "fire_after": 3}');
CREATE TEMP TABLE demo AS
SELECT a.enrolment, p.start_date + a.day AS day FROM replay.alert a JOIN replay.population p USING (enrolment);
SELECT (SELECT count(*) FROM engine) AS engine_alerts, (SELECT count(*) FROM demo) AS demo_alerts,
       (SELECT count(*) FROM (SELECT * FROM engine EXCEPT SELECT * FROM demo) x) AS only_engine,
       (SELECT count(*) FROM (SELECT * FROM demo EXCEPT SELECT * FROM engine) x) AS only_demo \gset
SELECT round(lift::numeric, 2) AS engine_lift
FROM rule_replay('engagement_dip', '2013-10-01', '2014-07-01', outcomes => 'replay.engine_outcome',
                 horizon_days => 30, overrides => '{"metric": "events", "threshold": 0.6, "baseline_days": 14, "fire_after": 3}',
                 learner_column => 'learner', outcome_column => 'outcome', time_column => 'outcome_day',
                 dropout_values => '{withdrawn}') \gset
SELECT round(lift::numeric, 2) AS demo_lift FROM replay.rule_quality WHERE rule = 'dip' AND presentation = 'AAA/2013J' \gset
DELETE FROM learning_source WHERE kind = 'enrolment';
DROP SCHEMA replay CASCADE;
DROP SCHEMA oulad CASCADE;
DELETE FROM learner_engagement;
\echo engine alerts :engine_alerts, demo alerts :demo_alerts, only engine :only_engine, only demo :only_demo
\echo lift: engine :engine_lift, demo :demo_lift
SELECT :engine_alerts > 0 AND :only_engine = 0 AND :only_demo = 0 AND :engine_lift = :demo_lift AS ok \gset
\if :ok
  \echo 'PASS: the engine replays the dip rule exactly as the demo does'
\else
  DO $$ BEGIN RAISE EXCEPTION 'FAIL: the engine and the demo replay disagree'; END $$;
\endif
SQL
}
la_t_check "the engine replays the dip rule as the demo does" engine_replay
la_t_done
