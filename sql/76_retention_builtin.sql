--
-- built-in retention policies (alerts, job_runs, cron_history) and job kinds: what the built-in
-- policies delete from hand-made rows equals what a plain-SQL oracle selects, with the time passed in
-- (retention_run's as_of), so no result depends on the clock; run as a LOGIN member of
-- learnalytics_admin that is not superuser. Then what the admin and analyst roles may do with them.
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET client_min_messages = notice;
CREATE ROLE la_rt_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_rt_analyst LOGIN IN ROLE learnalytics_analyst;

SELECT name, relation, time_column, keep, handler, builtin FROM retention_policy ORDER BY name;
-- pg_dump dumps the users' policies only: the built-in ones come with CREATE EXTENSION
SELECT c.relname, x.cond
FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(cfg, cond) JOIN pg_class c ON c.oid = x.cfg
WHERE e.extname = 'learnalytics' AND c.relname = 'retention_policy';

-- every job kind is a public function of the extension, run by learnalytics_internal.job_<kind>(jsonb)
-- returning text
SELECT k.kind, k.handler,
       EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = k.kind
                 AND p.pronamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'learnalytics')) AS public_function,
       p.proname = 'job_' || k.kind AND p.pronamespace = 'learnalytics_internal'::regnamespace
         AND p.proargtypes::text = 'jsonb'::regtype::oid::text AND p.prorettype = 'text'::regtype AS handler_shape
FROM job_kind k JOIN pg_proc p ON p.oid = k.handler ORDER BY 1;

-- hand-made rows around the cut-offs for as_of 2026-06-30 12:00 UTC: alerts keep 180 days (cut-off
-- 2026-01-01 12:00), job_runs 30 days (2026-05-31 12:00); a row exactly at the cut-off stays
BEGIN;
INSERT INTO alert (rule_name, rule_version, family, template, learner, status, severity, opened_on,
                   evaluated_on, persisted, risk_score, closed_on, closed_at)
VALUES ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a1', 'resolved',  'low', '2025-06-01', '2025-06-01', 1, 1, '2026-01-01', '2026-01-01 11:59:59+00'),
       ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a2', 'expired',   'low', '2025-06-01', '2025-06-01', 1, 1, '2026-01-01', '2026-01-01 12:00:00+00'),
       ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a3', 'dismissed', 'low', '2024-06-01', '2024-06-01', 1, 1, '2025-01-01', '2025-01-01 00:00:00+00'),
       ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a4', 'open',      'low', '2024-06-01', '2024-06-01', 1, 1, NULL, NULL),
       ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a5', 'coach_required', 'low', '2024-06-01', '2024-06-01', 1, 1, NULL, NULL),
       ('engagement_dip', 1, 'engagement', 'engagement_dip', 'rt_a6', 'resolved',  'low', '2026-05-01', '2026-05-01', 1, 1, '2026-06-01', '2026-06-01 00:00:00+00');
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 1, 'in_app_nudge', 'automated', opened_on FROM alert WHERE learner IN ('rt_a1', 'rt_a4');
INSERT INTO alert_outbox (created_at, channel, alert_id, learner, payload, status)
VALUES ('2025-12-31 00:00+00',    'in_app_nudge', NULL, 'rt_o1', '{}', 'sent'),
       ('2026-01-01 11:59:59+00', 'in_app_nudge', NULL, 'rt_o2', '{}', 'dead'),
       ('2026-01-01 12:00:00+00', 'in_app_nudge', NULL, 'rt_o3', '{}', 'dead'),
       ('2025-01-01 00:00+00',    'in_app_nudge', NULL, 'rt_o4', '{}', 'pending'),
       ('2025-01-01 00:00+00',    'in_app_nudge', NULL, 'rt_o5', '{}', 'claimed'),
       ('2026-03-01 00:00+00',    'in_app_nudge', NULL, 'rt_o6', '{}', 'sent');
INSERT INTO job_run (job, kind, attempt, started_at, finished_at, ok, result)
VALUES ('rt_j1', 'retention_run', 1, '2026-05-01 00:00+00', '2026-05-01 00:00:01+00', true, 'x'),
       ('rt_j2', 'retention_run', 1, '2026-05-31 11:59:00+00', '2026-05-31 11:59:59+00', true, 'x'),
       ('rt_j3', 'retention_run', 1, '2026-05-31 11:59:00+00', '2026-05-31 12:00:00+00', true, 'x'),
       ('rt_j4', 'retention_run', 1, '2026-06-30 00:00+00', '2026-06-30 00:00:01+00', false, NULL);
-- the oracle, in plain SQL: what each built-in policy removes, and what stays
CREATE TEMP TABLE rt_oracle AS
SELECT 'alerts' AS policy,
       (SELECT count(*) FROM alert WHERE closed_at < '2026-06-30 12:00+00'::timestamptz - interval '180 days')
       + (SELECT count(*) FROM alert_outbox
           WHERE status IN ('sent', 'dead') AND created_at < '2026-06-30 12:00+00'::timestamptz - interval '180 days') AS rows
UNION ALL
SELECT 'job_runs', (SELECT count(*) FROM job_run WHERE finished_at < '2026-06-30 12:00+00'::timestamptz - interval '30 days');
CREATE TEMP TABLE rt_kept AS
SELECT 'alert' AS t, learner AS k FROM alert
 WHERE NOT coalesce(closed_at < '2026-06-30 12:00+00'::timestamptz - interval '180 days', false)
UNION ALL
SELECT 'outbox', learner FROM alert_outbox
 WHERE NOT (status IN ('sent', 'dead') AND created_at < '2026-06-30 12:00+00'::timestamptz - interval '180 days')
UNION ALL
SELECT 'job_run', job FROM job_run WHERE NOT finished_at < '2026-06-30 12:00+00'::timestamptz - interval '30 days';
GRANT SELECT ON rt_oracle, rt_kept TO la_rt_admin;
SELECT * FROM rt_oracle ORDER BY 1;
SET SESSION AUTHORIZATION la_rt_admin;
-- a dry run counts and deletes nothing; cron_history is skipped: pg_cron is not installed here
SELECT r.policy, r.relation, r.action, r.object, r.rows, r.rows = o.rows AS as_oracle
FROM retention_run(dry_run => true, as_of => '2026-06-30 12:00+00') r LEFT JOIN rt_oracle o USING (policy)
WHERE r.policy IN ('alerts', 'job_runs', 'cron_history') ORDER BY 1;
SELECT (SELECT count(*) FROM alert WHERE learner LIKE 'rt_%') AS alerts,
       (SELECT count(*) FROM alert_outbox WHERE learner LIKE 'rt_%') AS messages,
       (SELECT count(*) FROM job_run WHERE job LIKE 'rt_%') AS runs;
SELECT r.policy, r.rows, r.rows = o.rows AS as_oracle
FROM retention_run(as_of => '2026-06-30 12:00+00') r LEFT JOIN rt_oracle o USING (policy)
WHERE r.policy IN ('alerts', 'job_runs', 'cron_history') ORDER BY 1;
-- exactly the oracle's rows are left (and the contacts of deleted alerts went with them)
SELECT t, k FROM (SELECT 'alert' AS t, learner AS k FROM alert UNION ALL SELECT 'outbox', learner FROM alert_outbox
                  UNION ALL SELECT 'job_run', job FROM job_run) now_left
EXCEPT SELECT t, k FROM rt_kept;
SELECT t, k FROM rt_kept EXCEPT
SELECT t, k FROM (SELECT 'alert' AS t, learner AS k FROM alert UNION ALL SELECT 'outbox', learner FROM alert_outbox
                  UNION ALL SELECT 'job_run', job FROM job_run) now_left;
SELECT t, k FROM rt_kept WHERE k LIKE 'rt_%' ORDER BY 1, 2;
SELECT a.learner, count(c.id) AS contacts FROM alert a LEFT JOIN alert_contact c ON c.alert_id = a.id
WHERE a.learner LIKE 'rt_%' GROUP BY 1 ORDER BY 1;
SELECT name, last_run IS NOT NULL AS ran, last_removed FROM retention_policy WHERE builtin ORDER BY name;
RESET SESSION AUTHORIZATION;
ROLLBACK;

SET SESSION AUTHORIZATION la_rt_admin;
-- the admin changes how long a built-in policy keeps, and nothing else of it
SELECT retention_set_keep('alerts', '365 days');
SELECT name, keep FROM retention_policy WHERE builtin ORDER BY name;
\set VERBOSITY terse
DELETE FROM retention_policy WHERE name = 'alerts';
UPDATE retention_policy SET handler = 'learnalytics_internal.cron_history_prune(timestamptz, boolean)' WHERE name = 'alerts';
UPDATE retention_policy SET builtin = false WHERE name = 'alerts';
UPDATE retention_policy SET relation = 'alert', time_column = 'closed_at' WHERE name = 'job_runs';
INSERT INTO retention_policy (name, keep, handler) VALUES ('mine', '1 day', 'learnalytics_internal.alert_prune(timestamptz, boolean)');
INSERT INTO retention_policy (name, relation, time_column, keep, builtin) VALUES ('mine', 'alert', 'closed_at', '1 day', true);
SELECT retention_set('job_run', 'finished_at', '1 day');
SELECT retention_set_keep('nope', '1 day');
SELECT retention_set_keep('alerts', '0');
SELECT retention_set_keep('alerts', NULL);
SELECT count(*) FROM retention_run(as_of => 'infinity');
-- nobody writes the registry of job kinds
INSERT INTO job_kind VALUES ('evil', 'learnalytics_internal.alert_prune(timestamptz, boolean)', 'x');
UPDATE job_kind SET handler = 'learnalytics_internal.job_coach_assign_cases(jsonb)' WHERE kind = 'retention_run';
\set VERBOSITY default
RESET SESSION AUTHORIZATION;
-- an analyst reads the kinds and the policies, and changes nothing
SET SESSION AUTHORIZATION la_rt_analyst;
SELECT count(*) AS kinds FROM job_kind;
SELECT count(*) AS builtin_policies FROM retention_policy WHERE builtin;
\set VERBOSITY terse
SELECT retention_set_keep('alerts', '1 day');
SELECT job_execute_once('retention_run', '{"dry_run": true}');
\set VERBOSITY default
RESET SESSION AUTHORIZATION;
SELECT retention_set_keep('alerts', '180 days');

-- the jobs of each kind by hand, without pg_cron (arguments checked as when scheduled)
SET client_min_messages = warning;
SET SESSION AUTHORIZATION la_rt_admin;
SELECT job_execute_once('rollup_refresh');
SELECT job_execute_once('coach_assign_cases');
SELECT job_execute_once('retention_run', '{"dry_run": true}') LIKE '% policies: % rows deleted, 0 partitions dropped (dry run)' AS dry_run;
\set VERBOSITY terse
SELECT job_execute_once('coach_assign_cases', '{"day": "2026-01-01"}');
SELECT job_execute_once('rollup_refresh', '{"rollup": "nope"}');
SELECT job_execute_once('rollup_refresh', '{"rollup": 7}');
SELECT job_execute_once('retention_run', '{"dry_run": "yes"}');
SELECT job_execute_once('rule_evaluate_all', '{"rules": "engagement_dip"}');
SELECT job_execute_once('rule_evaluate_all', '{"rules": ["engagement_dip", "nope"]}');
SELECT job_execute_once('engagement_refresh', '{}');
SELECT job_execute_once('engagement_refresh', '{"source": "no_such_table"}');
SELECT job_execute_once('retention_run', '{"validate_only": true}');
SELECT job_execute_once('retention_run', '[]');
SELECT job_execute_once('prune');
\set VERBOSITY default
RESET SESSION AUTHORIZATION;
DROP ROLE la_rt_admin, la_rt_analyst;
