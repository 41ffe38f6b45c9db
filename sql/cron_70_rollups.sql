--
-- scheduling rollup refreshes and retention with pg_cron (pg_cron is installed here by cron_00):
-- jobs of kinds rollup_refresh and retention_run, one naming scheme (learnalytics:<job_name>), and
-- the built-in retention policy of pg_cron's own history against a plain-SQL oracle
--
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE cron_ev (learner_id int, ts timestamptz);
INSERT INTO cron_ev VALUES (1, '2026-03-02 10:00+00');
SELECT rollup_create('cronjob', 'cron_ev');
SELECT job_schedule('rollup_refresh_cronjob', '*/15 * * * *', 'rollup_refresh', '{"rollup": "cronjob"}') > 0 AS scheduled;
SELECT jobname, schedule, command, database = current_database() AS here FROM cron.job ORDER BY jobname;
-- the same name again reschedules the job
SELECT job_schedule('rollup_refresh_cronjob', '*/5 * * * *', 'rollup_refresh', '{"rollup": "cronjob"}') > 0 AS rescheduled;
SELECT jobname, schedule FROM cron.job ORDER BY jobname;
-- one schedule for all retention, the built-in policies (alerts, job runs, pg_cron's history) too
SELECT job_schedule('retention', '17 3 * * *', 'retention_run') > 0 AS retention_scheduled;
SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'learnalytics:retention';
-- the command a job runs works by hand
INSERT INTO cron_ev VALUES (1, '2026-03-02 10:10+00');
SELECT command FROM cron.job WHERE jobname = 'learnalytics:rollup_refresh_cronjob' \gexec
SELECT count(*) AS pending FROM rollup_delta;
SELECT (engagement_info(summary)).events FROM rollup_learner_day WHERE rollup = 'cronjob';
SELECT job, kind, attempt, ok, result FROM job_run ORDER BY id;
\set VERBOSITY terse
SELECT job_schedule('rollup_refresh_nope', '*/15 * * * *', 'rollup_refresh', '{"rollup": "nope"}');
-- one naming scheme: a job name is a lowercase identifier everywhere, so no name reaches the job of
-- another scheme (job_unschedule('rollup-x') once removed the job rollup_schedule('x') made)
SELECT cron.schedule('learnalytics-rollup-x', '*/15 * * * *', 'SELECT 1') > 0 AS foreign_job;
SELECT job_unschedule('rollup-x');
SELECT job_reschedule('rollup-x', '* * * * *');
SELECT job_schedule('rollup-x', '* * * * *', 'rollup_refresh');
SELECT job_unschedule('Retention');
SELECT job_unschedule('x') AS removed;
SELECT jobname FROM cron.job ORDER BY 1;
SELECT job_name FROM scheduled_jobs() ORDER BY 1;
SELECT cron.unschedule('learnalytics-rollup-x');
\set VERBOSITY default
SELECT job_unschedule('rollup_refresh_cronjob'), job_unschedule('retention');
SELECT count(*) AS jobs_left FROM cron.job;
DELETE FROM job_run;

-- cron_history: what the built-in policy deletes from hand-made rows of cron.job_run_details equals
-- the plain-SQL oracle, as of 2026-06-30 12:00 (keep 14 days: cut-off 2026-06-16 12:00)
BEGIN;
INSERT INTO cron.job_run_details (jobid, database, username, command, status, start_time, end_time)
VALUES (990001, 'x', 'x', 'SELECT 1', 'succeeded', '2026-06-16 11:59:00+00', '2026-06-16 11:59:59+00'),
       (990002, 'x', 'x', 'SELECT 1', 'failed',    '2026-06-16 11:59:00+00', '2026-06-16 12:00:00+00'),
       (990003, 'x', 'x', 'SELECT 1', 'succeeded', '2020-01-01 00:00:00+00', '2020-01-01 00:00:01+00'),
       (990004, 'x', 'x', 'SELECT 1', 'running',   '2020-01-01 00:00:00+00', NULL),
       (990005, 'x', 'x', 'SELECT 1', 'succeeded', '2026-06-30 11:00:00+00', '2026-06-30 11:00:01+00');
CREATE TEMP TABLE cron_oracle AS
SELECT runid FROM cron.job_run_details
 WHERE NOT coalesce(end_time < '2026-06-30 12:00+00'::timestamptz - interval '14 days', false);
SELECT count(*) AS to_delete FROM cron.job_run_details
 WHERE end_time < '2026-06-30 12:00+00'::timestamptz - interval '14 days';
SELECT policy, action, object, rows FROM retention_run(dry_run => true, as_of => '2026-06-30 12:00+00')
WHERE policy = 'cron_history';
SELECT policy, rows FROM retention_run(as_of => '2026-06-30 12:00+00') WHERE policy = 'cron_history';
SELECT jobid FROM cron.job_run_details WHERE jobid > 990000 ORDER BY 1;
SELECT count(*) AS not_as_oracle
FROM ((SELECT runid FROM cron.job_run_details EXCEPT SELECT runid FROM cron_oracle)
      UNION ALL
      (SELECT runid FROM cron_oracle EXCEPT SELECT runid FROM cron.job_run_details)) d;
ROLLBACK;

SELECT rollup_drop('cronjob');
DROP TABLE cron_ev;
