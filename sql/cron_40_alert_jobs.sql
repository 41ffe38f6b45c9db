--
-- learnalytics jobs on pg_cron: create, change, remove; a scheduled job runs (pg_cron 1.4 has no
-- seconds schedules, so the jobs run every minute and the test waits up to 75 s for them); a failed
-- job is retried and its failure visible in job_failures
--
\set SHOW_CONTEXT never
SELECT count(*) AS jobs_before FROM scheduled_jobs();
-- helpers: the job names carry a learnalytics- prefix, every value in the command is quoted
SELECT schedule_rule_evaluation(15) > 0 AS scheduled;
SELECT schedule_pruning(keep_alerts => '90 days', keep_cron_history => '7 days') > 0 AS scheduled;
SELECT job_name, schedule, database = current_database() AS here, active, command FROM scheduled_jobs() ORDER BY 1;
-- scheduling again under the same name changes the job instead of adding one
SELECT schedule_rule_evaluation(30) > 0;
SELECT reschedule_job('prune', '5 4 * * *');
SELECT job_name, schedule FROM scheduled_jobs() ORDER BY 1;
SELECT unschedule_job('prune'), unschedule_job('prune') AS again;
-- bad input
SELECT schedule_rule_evaluation(7);
SELECT schedule_job('x; DROP TABLE alert', '* * * * *', 'prune');
SELECT schedule_job('evil', '* * * * *', 'drop_everything');
SELECT schedule_job('bad_schedule', 'every day', 'prune');
SELECT schedule_engagement_refresh('pg_class');
SELECT reschedule_job('no_such_job', '* * * * *');

-- a job that runs: evaluation every minute; and one that fails (a missing source), two attempts
CREATE TABLE cron_events (learner_id text, ts timestamptz);
SELECT schedule_rule_evaluation(1) > 0;
SELECT schedule_engagement_refresh('cron_events', '* * * * *', job_name => 'refresh_missing') > 0;
DROP TABLE cron_events;
SELECT schedule_job('refresh_missing', '* * * * *', 'refresh_engagement', '{"source": "cron_events"}',
                    max_attempts => 2, retry_delay => '0') > 0;
DO $$
BEGIN
  FOR i IN 1 .. 75 LOOP
    EXIT WHEN (SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                WHERE j.jobname IN ('learnalytics-evaluate_rules', 'learnalytics-refresh_missing')
                  AND d.status IN ('succeeded', 'failed')) = 2;
    PERFORM pg_sleep(1);
  END LOOP;
END
$$;
CREATE TEMP TABLE seen AS SELECT * FROM scheduled_jobs();
SELECT unschedule_job('evaluate_rules'), unschedule_job('refresh_missing');
SELECT job_name, last_status, failed_runs > 0 AS failed FROM seen ORDER BY 1;
SELECT DISTINCT job, kind, attempt, ok, coalesce(result, error) AS outcome FROM job_run ORDER BY job, attempt;
SELECT DISTINCT job, attempt, error, recovered FROM job_failures ORDER BY attempt;
-- the same jobs by hand, without pg_cron
SELECT run_job_once('evaluate_rules');
SELECT run_job_once('prune', '{"keep_cron_history": "0"}') LIKE '0 alerts, % cron runs' AS pruned;
SELECT count(*) AS cron_history_left FROM cron.job_run_details;
SELECT run_job_once('nothing');
SELECT count(*) AS jobs_after FROM scheduled_jobs();
DELETE FROM job_run;
DROP TABLE seen;
