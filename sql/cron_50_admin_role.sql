--
-- scheduling as a learnalytics_admin that is not superuser (pg_cron is installed here by cron_00).
-- pg_cron lets a role schedule only with USAGE on schema cron: the one grant the DBA gives
-- (doc/pg_cron.md). Jobs belong to the role that scheduled them and run as that role.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE la_cron_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_cron_viewer LOGIN IN ROLE learnalytics_viewer;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('la_cron_admin', 'la_cron_viewer') ORDER BY 1;
CREATE TABLE cron_adm_ev (learner_id int, ts timestamptz);
INSERT INTO cron_adm_ev VALUES (1, '2026-03-02 10:00+00');
GRANT SELECT ON cron_adm_ev TO learnalytics_admin;
SELECT rollup_create('cronadm', 'cron_adm_ev') IS NOT NULL AS rollup_created;
\set VERBOSITY terse
-- without USAGE on schema cron: pg_cron's rule, with what to grant (not a settings error)
SET SESSION AUTHORIZATION la_cron_admin;
SELECT schedule_pruning();
\set VERBOSITY default
SELECT rollup_schedule('cronadm');
\set VERBOSITY terse
SELECT count(*) AS jobs_seen FROM scheduled_jobs();
RESET SESSION AUTHORIZATION;
GRANT USAGE ON SCHEMA cron TO learnalytics_admin;
SET SESSION AUTHORIZATION la_cron_admin;
SELECT session_user, current_user;
-- detection reads superuser-only settings through learnalytics_internal.pg_cron_settings()
SELECT component, value, ok FROM status() WHERE component LIKE 'pg_cron%' ORDER BY 1;
SELECT require_pg_cron();
SELECT preloaded, database_name = current_database() AS cron_here FROM learnalytics_internal.pg_cron_settings();
-- every scheduling helper
SELECT schedule_rule_evaluation(30) > 0 AS rules_scheduled;
SELECT schedule_engagement_refresh('cron_adm_ev') > 0 AS refresh_scheduled;
SELECT schedule_pruning() > 0 AS pruning_scheduled;
SELECT job_schedule('nightly_coach', '5 4 * * *', 'coach_assign_cases') > 0 AS job_scheduled;
SELECT rollup_schedule('cronadm') > 0 AS rollup_scheduled;
SELECT retention_schedule() > 0 AS retention_scheduled;
SELECT job_reschedule('nightly_coach', '6 4 * * *');
SELECT job_name, schedule, database = current_database() AS here, active FROM scheduled_jobs() ORDER BY 1;
SELECT jobname, username FROM cron.job ORDER BY 1;
SELECT learnalytics_internal.cron_history_prune() >= 0 AS pruned;
SELECT job_unschedule('rule_evaluate_all'), job_unschedule('refresh_engagement'), job_unschedule('prune'),
       job_unschedule('nightly_coach'), job_unschedule('nightly_coach') AS again;
SELECT rollup_unschedule('cronadm');
SELECT cron.unschedule('learnalytics-retention');
SELECT count(*) AS jobs_left FROM cron.job;
RESET SESSION AUTHORIZATION;
-- a viewer may not schedule
SET SESSION AUTHORIZATION la_cron_viewer;
SELECT schedule_pruning();
SELECT rollup_schedule('cronadm');
SELECT count(*) > 0 AS status_readable FROM status();
RESET SESSION AUTHORIZATION;
\set VERBOSITY default
SELECT count(*) AS jobs_left FROM cron.job;
REVOKE USAGE ON SCHEMA cron FROM learnalytics_admin;
SELECT rollup_drop('cronadm');
DROP TABLE cron_adm_ev;
DROP ROLE la_cron_admin, la_cron_viewer;
