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
SELECT job_schedule('retention', '17 3 * * *', 'retention_run');
\set VERBOSITY default
SELECT job_schedule('rollup_refresh_cronadm', '*/15 * * * *', 'rollup_refresh', '{"rollup": "cronadm"}');
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
-- a job of every kind
SELECT job_schedule('rule_evaluate_all', '*/30 * * * *', 'rule_evaluate_all') > 0 AS rules_scheduled;
SELECT job_schedule('engagement_refresh', '0 * * * *', 'engagement_refresh', '{"source": "public.cron_adm_ev"}') > 0
  AS refresh_scheduled;
SELECT job_schedule('nightly_coach', '5 4 * * *', 'coach_assign_cases') > 0 AS job_scheduled;
SELECT job_schedule('rollup_refresh_cronadm', '*/15 * * * *', 'rollup_refresh', '{"rollup": "cronadm"}') > 0
  AS rollup_scheduled;
SELECT job_schedule('retention', '17 3 * * *', 'retention_run') > 0 AS retention_scheduled;
SELECT job_reschedule('nightly_coach', '6 4 * * *');
SELECT job_name, schedule, database = current_database() AS here, active FROM scheduled_jobs() ORDER BY 1;
SELECT jobname, username FROM cron.job ORDER BY 1;
-- retention with the built-in policies, pg_cron's history of the admin's own jobs included
SELECT job_execute_once('retention_run', '{"dry_run": true}') LIKE '4 policies: %' AS retention_ran;
SELECT learnalytics_internal.cron_history_prune(now() - interval '14 days') >= 0 AS pruned;
SELECT job_unschedule('rule_evaluate_all'), job_unschedule('engagement_refresh'), job_unschedule('retention'),
       job_unschedule('rollup_refresh_cronadm'), job_unschedule('nightly_coach'),
       job_unschedule('nightly_coach') AS again;
SELECT count(*) AS jobs_left FROM cron.job;
RESET SESSION AUTHORIZATION;
-- a viewer may not schedule
SET SESSION AUTHORIZATION la_cron_viewer;
SELECT job_schedule('retention', '17 3 * * *', 'retention_run');
SELECT job_unschedule('retention');
SELECT scheduled_jobs();
SELECT count(*) > 0 AS status_readable FROM status();
RESET SESSION AUTHORIZATION;
\set VERBOSITY default
SELECT count(*) AS jobs_left FROM cron.job;
REVOKE USAGE ON SCHEMA cron FROM learnalytics_admin;
SELECT rollup_drop('cronadm');
DROP TABLE cron_adm_ev;
DROP ROLE la_cron_admin, la_cron_viewer;
