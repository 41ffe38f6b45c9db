--
-- scheduling rollup refreshes and retention with pg_cron (pg_cron is installed here by cron_00)
--
SET client_min_messages = warning;
CREATE TABLE cron_ev (learner_id int, ts timestamptz);
INSERT INTO cron_ev VALUES (1, '2026-03-02 10:00+00');
SELECT rollup_create('cronjob', 'cron_ev');
SELECT rollup_schedule('cronjob') > 0 AS scheduled;
SELECT jobname, schedule, command, database = current_database() AS here FROM cron.job ORDER BY jobname;
-- the same name again reschedules the job
SELECT rollup_schedule('cronjob', '*/5 * * * *') > 0 AS rescheduled;
SELECT jobname, schedule FROM cron.job ORDER BY jobname;
SELECT retention_schedule() > 0 AS retention_scheduled;
SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'learnalytics-retention';
-- the command a job runs works by hand
INSERT INTO cron_ev VALUES (1, '2026-03-02 10:10+00');
DO $$ BEGIN EXECUTE (SELECT command FROM cron.job WHERE jobname = 'learnalytics-rollup-cronjob'); END $$;
SELECT count(*) AS pending FROM rollup_delta;
SELECT (engagement_info(summary)).events FROM rollup_learner_day WHERE rollup = 'cronjob';
\set VERBOSITY terse
SELECT rollup_schedule('nope');
\set VERBOSITY default
SELECT rollup_unschedule('cronjob');
SELECT cron.unschedule('learnalytics-retention');
SELECT count(*) AS jobs_left FROM cron.job;
SELECT rollup_drop('cronjob');
DROP TABLE cron_ev;
