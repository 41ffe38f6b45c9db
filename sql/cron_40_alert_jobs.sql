--
-- learnalytics jobs on pg_cron: create, change, remove; what a job does (the command pg_cron runs,
-- run here directly, so no result depends on when pg_cron ticks): a failed job is retried and its
-- failures are visible in job_failures. Then one check that pg_cron really runs the jobs: pg_cron
-- 1.4 has no seconds schedules, so that waits for the next minute, polling with a generous bound
-- (180 s); only whether the runs happened and how they ended is compared, never how long they took.
--
\set SHOW_CONTEXT never
SELECT count(*) AS jobs_before FROM scheduled_jobs();
-- one way to schedule, one naming scheme: the pg_cron job learnalytics:<job_name>; every value in the
-- command is quoted
SELECT job_schedule('rule_evaluate_all', '*/15 * * * *', 'rule_evaluate_all') > 0 AS scheduled;
SELECT job_schedule('retention', '17 3 * * *', 'retention_run') > 0 AS scheduled;
SELECT job_name, schedule, database = current_database() AS here, active, command FROM scheduled_jobs() ORDER BY 1;
SELECT jobname FROM cron.job ORDER BY 1;
-- scheduling again under the same name changes the job instead of adding one
SELECT job_schedule('rule_evaluate_all', '*/30 * * * *', 'rule_evaluate_all', '{"rules": ["engagement_dip"]}') > 0;
SELECT job_reschedule('retention', '5 4 * * *');
SELECT job_name, schedule, command FROM scheduled_jobs() ORDER BY 1;
SELECT job_unschedule('retention'), job_unschedule('retention') AS again;
-- bad input
SELECT job_schedule('x; DROP TABLE alert', '* * * * *', 'retention_run');
SELECT job_schedule('evil', '* * * * *', 'drop_everything');
SELECT job_schedule('bad_schedule', 'every day', 'retention_run');
SELECT job_reschedule('no_such_job', '* * * * *');
-- bad arguments fail when the job is scheduled, not when it first runs: one case per kind
SELECT job_schedule('bad', '* * * * *', 'rule_evaluate_all', '{"rules": ["no_such_rule"]}');
SELECT job_schedule('bad', '* * * * *', 'engagement_refresh', '{"source": "pg_class"}');
SELECT job_schedule('bad', '* * * * *', 'engagement_refresh', '{"source": "public.cron_nothing"}');
\set VERBOSITY terse
CREATE TABLE cron_unqualified (learner_id text, ts timestamptz);
\set VERBOSITY default
-- a job runs with search_path = pg_catalog: a source without its schema is not found, when scheduled
SELECT job_schedule('bad', '* * * * *', 'engagement_refresh', '{"source": "cron_unqualified"}');
DROP TABLE cron_unqualified;
SELECT job_schedule('bad', '* * * * *', 'coach_assign_cases', '{"day": "2026-01-01"}');
SELECT job_schedule('bad', '* * * * *', 'rollup_refresh', '{"rollup": "no_such_rollup"}');
SELECT job_schedule('bad', '* * * * *', 'retention_run', '{"dry_run": "no"}');
SELECT job_schedule('bad', '* * * * *', 'retention_run', '{"validate_only": true}');
SELECT count(*) AS bad_jobs FROM cron.job WHERE jobname LIKE '%bad%';

-- what a job does: the command its pg_cron job runs, run here at top level as pg_cron would
SELECT learnalytics_internal.job_command('rule_evaluate_all', 'rule_evaluate_all') AS command;
SELECT learnalytics_internal.job_command('rule_evaluate_all', 'rule_evaluate_all') \gexec
-- a job that fails (a missing source), with two attempts and no delay: both attempts are recorded,
-- and the last failure is raised for pg_cron to see
SELECT learnalytics_internal.job_command('refresh_missing', 'engagement_refresh', '{"source": "public.cron_events"}', 2, '0') AS command;
SELECT learnalytics_internal.job_command('refresh_missing', 'engagement_refresh', '{"source": "public.cron_events"}', 2, '0') \gexec
SELECT job, kind, attempt, ok, coalesce(result, error) AS outcome FROM job_run ORDER BY job, attempt;
SELECT job, attempt, error, recovered FROM job_failures ORDER BY attempt;
-- once the source is there the job succeeds, and the earlier failures count as recovered
CREATE TABLE cron_events (learner_id text, ts timestamptz);
INSERT INTO cron_events VALUES ('l1', '2026-01-05 10:00+00'), ('l2', '2026-01-05 11:00+00');
SELECT learnalytics_internal.job_command('refresh_missing', 'engagement_refresh', '{"source": "public.cron_events"}', 2, '0') \gexec
SELECT job, attempt, ok, coalesce(result, error) AS outcome FROM job_run WHERE job = 'refresh_missing' ORDER BY id;
SELECT job, attempt, recovered FROM job_failures ORDER BY attempt;
DELETE FROM learner_engagement;
DELETE FROM job_run;

-- pg_cron runs them: evaluation every minute, and the failing refresh (its source, checked when the
-- job was scheduled, dropped afterwards). The jobs' commands are the ones run above.
SELECT job_schedule('rule_evaluate_all', '* * * * *', 'rule_evaluate_all') > 0;
SELECT job_schedule('refresh_missing', '* * * * *', 'engagement_refresh', '{"source": "public.cron_events"}',
                    max_attempts => 2, retry_delay => '0') > 0;
DROP TABLE cron_events;
SELECT job_name, command = learnalytics_internal.job_command('rule_evaluate_all', 'rule_evaluate_all') AS same_command
FROM scheduled_jobs() WHERE job_name = 'rule_evaluate_all'
UNION ALL
SELECT job_name, command = learnalytics_internal.job_command('refresh_missing', 'engagement_refresh', '{"source": "public.cron_events"}', 2, '0')
FROM scheduled_jobs() WHERE job_name = 'refresh_missing';
-- wait (at most 180 s: a bound for a stalled pg_cron, not a timing assertion) until both have run
DO $$
BEGIN
  FOR i IN 1 .. 360 LOOP
    EXIT WHEN (SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                WHERE j.jobname IN ('learnalytics:rule_evaluate_all', 'learnalytics:refresh_missing')
                  AND d.status IN ('succeeded', 'failed')) = 2;
    PERFORM pg_sleep(0.5);
  END LOOP;
END
$$;
CREATE TEMP TABLE seen AS SELECT * FROM scheduled_jobs();
SELECT job_unschedule('rule_evaluate_all'), job_unschedule('refresh_missing');
-- a run pg_cron had already started goes on after its job is removed: let it end (bounded)
DO $$
BEGIN
  FOR i IN 1 .. 360 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM cron.job_run_details WHERE status IN ('starting', 'running'));
    PERFORM pg_sleep(0.5);
  END LOOP;
END
$$;
SELECT job_name, last_status, failed_runs > 0 AS failed FROM seen ORDER BY 1;
SELECT DISTINCT job, kind, attempt, ok, coalesce(result, error) AS outcome FROM job_run ORDER BY job, attempt;
-- the same jobs by hand, without pg_cron
SELECT job_execute_once('rule_evaluate_all');
-- retention: the built-in policy cron_history prunes pg_cron's history (here all of it)
SELECT retention_set_keep('cron_history', '1 microsecond');
SELECT job_execute_once('retention_run') LIKE '4 policies: % rows deleted, 0 partitions dropped' AS pruned;
SELECT count(*) AS cron_history_left FROM cron.job_run_details;
SELECT retention_set_keep('cron_history', '14 days');
SELECT job_execute_once('nothing');
SELECT count(*) AS jobs_after FROM scheduled_jobs();
DELETE FROM job_run;
DROP TABLE seen;
