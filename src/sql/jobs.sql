
-------------------------------------------------------------------------------
-- jobs: learnalytics jobs on pg_cron (doc/pg_cron.md). Everything a job does is also a plain
-- function to call by hand; pg_cron only decides when.
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.job_run (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job         text NOT NULL,
  kind        text NOT NULL,
  attempt     integer NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  ok          boolean NOT NULL,
  result      text,
  error       text
);
CREATE INDEX job_run_job ON @extschema@.job_run (job, started_at);
COMMENT ON TABLE @extschema@.job_run IS 'every attempt of a learnalytics job run through job_execute(), with its result or error';

CREATE VIEW @extschema@.job_failures AS
SELECT r.job, r.kind, r.attempt, r.started_at, r.finished_at, r.error,
       EXISTS (SELECT 1 FROM @extschema@.job_run s
                WHERE s.job = r.job AND s.ok AND s.started_at > r.started_at) AS recovered
FROM @extschema@.job_run r
WHERE NOT r.ok;
COMMENT ON VIEW @extschema@.job_failures IS
'failed attempts of learnalytics jobs, and whether a later attempt of the same job succeeded';

CREATE FUNCTION @extschema@.job_kinds()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['rule_evaluate_all', 'refresh_engagement', 'prune', 'coach_assign_cases'] $$;
COMMENT ON FUNCTION @extschema@.job_kinds() IS
'the kinds of job job_execute() knows: rule_evaluate_all, refresh_engagement, prune, coach_assign_cases';

-- Delete pg_cron's own run history older than a given age (pg_cron must be installed here).
CREATE FUNCTION learnalytics_internal.cron_history_prune(older_than interval DEFAULT '14 days')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM learnalytics_internal.check_retention_period(older_than);
  PERFORM @extschema@.require_pg_cron();
  EXECUTE 'DELETE FROM cron.job_run_details WHERE end_time < pg_catalog.now() - $1' USING older_than;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cron_history_prune(interval) IS
'delete rows of cron.job_run_details that ended longer ago than older_than; returns how many';

-- One attempt of a job: what the job does, as a plain call.
CREATE FUNCTION @extschema@.job_execute_once(kind text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  res text;
BEGIN
  args := coalesce(args, '{}');
  CASE kind
  WHEN 'rule_evaluate_all' THEN
    SELECT format('%s rules: %s opened, %s updated, %s resolved, %s contacts', count(*),
                  coalesce(sum(e.opened), 0), coalesce(sum(e.updated), 0), coalesce(sum(e.resolved), 0),
                  coalesce(sum(e.contacts), 0))
      INTO res
      FROM @extschema@.rule_evaluate_all(now(),
             CASE WHEN args ? 'rules' THEN ARRAY(SELECT jsonb_array_elements_text(args -> 'rules')) END) e;
  WHEN 'refresh_engagement' THEN
    res := format('%s learners', @extschema@.engagement_refresh(
             (args ->> 'source')::regclass, coalesce(args ->> 'learner_column', 'learner_id'),
             coalesce(args ->> 'ts_column', 'ts'), args ->> 'weight_column', coalesce(args ->> 'tz', 'UTC'),
             coalesce((args ->> 'session_gap')::interval, '30 minutes')));
  WHEN 'prune' THEN
    res := format('%s alerts', learnalytics_internal.alert_prune(coalesce((args ->> 'keep_alerts')::interval, '180 days')));
    DELETE FROM @extschema@.job_run r
     WHERE r.finished_at < now() - coalesce((args ->> 'keep_job_runs')::interval, '30 days');
    IF @extschema@.pg_cron_available() THEN
      res := res || format(', %s cron runs',
               learnalytics_internal.cron_history_prune(coalesce((args ->> 'keep_cron_history')::interval, '14 days')));
    END IF;
  WHEN 'coach_assign_cases' THEN
    res := format('%s cases assigned', @extschema@.coach_assign_cases(CURRENT_DATE));
  ELSE
    RAISE EXCEPTION 'unknown job kind "%"', kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: ' || array_to_string(@extschema@.job_kinds(), ', ') || '.';
  END CASE;
  RETURN res;
END
$$;
COMMENT ON FUNCTION @extschema@.job_execute_once(text, jsonb) IS
'run one learnalytics job by hand (rule_evaluate_all, refresh_engagement, prune, coach_assign_cases); returns a summary';

-- What pg_cron calls: run the job, retrying a failed attempt after a delay, and record every
-- attempt in job_run. After the last failed attempt the record is committed and the error raised
-- again, so pg_cron's cron.job_run_details shows the failure too. Call it at top level (CALL).
CREATE PROCEDURE @extschema@.job_execute(job text, kind text, args jsonb DEFAULT '{}',
    max_attempts integer DEFAULT 3, retry_delay interval DEFAULT '10 seconds')
LANGUAGE plpgsql
AS $$
DECLARE
  t0   timestamptz;
  res  text;
  err  text;
  st   text;
BEGIN
  IF job IS NULL OR kind IS NULL OR max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 10
     OR retry_delay IS NULL OR retry_delay < '0'::interval OR retry_delay > '10 minutes'::interval THEN
    RAISE EXCEPTION 'job_execute needs a job, a kind, 1 to 10 attempts and a retry delay up to 10 minutes'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR attempt IN 1 .. max_attempts LOOP
    t0 := pg_catalog.clock_timestamp();
    BEGIN
      res := @extschema@.job_execute_once(kind, args);
      INSERT INTO @extschema@.job_run (job, kind, attempt, started_at, finished_at, ok, result)
      VALUES (job, kind, attempt, t0, pg_catalog.clock_timestamp(), true, res);
      RETURN;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS err = MESSAGE_TEXT, st = RETURNED_SQLSTATE;
    END;
    INSERT INTO @extschema@.job_run (job, kind, attempt, started_at, finished_at, ok, error)
    VALUES (job, kind, attempt, t0, pg_catalog.clock_timestamp(), false, st || ': ' || err);
    IF attempt < max_attempts THEN
      PERFORM pg_catalog.pg_sleep(pg_catalog.date_part('epoch', retry_delay) * attempt);
    END IF;
  END LOOP;
  COMMIT;
  RAISE EXCEPTION 'learnalytics job "%" failed % times: %', job, max_attempts, err
    USING ERRCODE = st, HINT = 'See the job_failures view.';
END
$$;
COMMENT ON PROCEDURE @extschema@.job_execute(text, text, jsonb, integer, interval) IS
'run a learnalytics job with retries, recording each attempt in job_run (pg_cron calls this; CALL at top level)';

-- An interval as text that reads the same whatever the session's IntervalStyle ('90 days' ->
-- '7776000 seconds'), for job commands.
CREATE FUNCTION learnalytics_internal.interval_text(i interval)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.date_part('epoch', i)::text OPERATOR(pg_catalog.||) ' seconds' $$;
COMMENT ON FUNCTION learnalytics_internal.interval_text(interval) IS
'an interval as "N seconds", independent of IntervalStyle (job commands)';

-- The command a pg_cron job runs, with every value quoted.
CREATE FUNCTION learnalytics_internal.job_command(job_name text, kind text, args jsonb DEFAULT '{}',
    max_attempts integer DEFAULT 3, retry_delay interval DEFAULT '10 seconds')
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF job_name IS NULL OR job_name !~ '^[a-z][a-z0-9_]{0,40}$' THEN
    RAISE EXCEPTION 'job name "%" is not a lowercase identifier of at most 41 characters', job_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF kind IS NULL OR NOT kind = ANY (@extschema@.job_kinds()) THEN
    RAISE EXCEPTION 'unknown job kind "%"', kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: ' || array_to_string(@extschema@.job_kinds(), ', ') || '.';
  END IF;
  IF args IS NULL OR jsonb_typeof(args) <> 'object' THEN
    RAISE EXCEPTION 'job arguments must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 10 OR retry_delay IS NULL
     OR retry_delay < '0'::interval OR retry_delay > '10 minutes'::interval THEN
    RAISE EXCEPTION 'a job makes 1 to 10 attempts, with a retry delay up to 10 minutes'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- (%s: @extschema@ in a string literal is substituted already quoted; IMMUTABLE, no lookup)
  RETURN format('CALL %s.job_execute(%L, %L, %L::jsonb, %s, %L)', '@extschema@', job_name, kind, args::text,
                max_attempts, learnalytics_internal.interval_text(retry_delay));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_command(text, text, jsonb, integer, interval) IS
'the CALL job_execute(...) command a pg_cron job of this name, kind and arguments runs (values quoted)';

-- Create or change a pg_cron job named learnalytics-<job_name>, owned by the calling role (pg_cron
-- runs it as that role). pg_cron must be installed in this database; when it lives in another one,
-- the error's hint gives the cron.schedule_in_database() call to run there. Only cron.schedule() is
-- called (pg_cron revokes cron.schedule_in_database() and cron.alter_job() from PUBLIC): a role that
-- is not superuser needs just USAGE on schema cron (doc/pg_cron.md).
CREATE FUNCTION @extschema@.job_schedule(job_name text, schedule text, kind text, args jsonb DEFAULT '{}',
    max_attempts integer DEFAULT 3, retry_delay interval DEFAULT '10 seconds')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cmd     text := learnalytics_internal.job_command(job_name, kind, args, max_attempts, retry_delay);
  jobname text := 'learnalytics-' || job_name;
  cron    record;
  jobid   bigint;
BEGIN
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT c.preloaded, c.database_name INTO cron FROM learnalytics_internal.pg_cron_settings() c;
  IF NOT @extschema@.pg_cron_available() AND cron.preloaded AND cron.database_name IS NOT NULL
     AND cron.database_name <> current_database() THEN
    RAISE EXCEPTION 'pg_cron lives in database "%", not in "%"', cron.database_name, current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('Run in database %I: SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                          cron.database_name, jobname, schedule, cmd, current_database());
  END IF;
  PERFORM @extschema@.require_pg_cron();
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid USING jobname, schedule, cmd;
  RETURN jobid;
END
$$;
COMMENT ON FUNCTION @extschema@.job_schedule(text, text, text, jsonb, integer, interval) IS
'create or replace the pg_cron job learnalytics-<job_name> running a learnalytics job kind on a cron schedule, with retries';

CREATE FUNCTION @extschema@.schedule_rule_evaluation(every_minutes integer DEFAULT 15, rules text[] DEFAULT NULL,
    job_name text DEFAULT 'rule_evaluate_all')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sched text;
BEGIN
  IF every_minutes BETWEEN 1 AND 59 AND 60 % every_minutes = 0 THEN
    sched := CASE WHEN every_minutes = 1 THEN '* * * * *' ELSE format('*/%s * * * *', every_minutes) END;
  ELSIF every_minutes BETWEEN 60 AND 1440 AND every_minutes % 60 = 0 AND 24 % (every_minutes / 60) = 0 THEN
    sched := CASE WHEN every_minutes = 60 THEN '0 * * * *' ELSE format('0 */%s * * *', every_minutes / 60) END;
  ELSE
    RAISE EXCEPTION 'every_minutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or be whole hours dividing a day'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For other schedules use job_schedule() with a cron expression.';
  END IF;
  RETURN @extschema@.job_schedule(job_name, sched, 'rule_evaluate_all',
           CASE WHEN rules IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('rules', to_jsonb(rules)) END);
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_rule_evaluation(integer, text[], text) IS
'schedule rule_evaluate_all (all enabled rules, or the named ones) every N minutes with pg_cron';

CREATE FUNCTION @extschema@.schedule_engagement_refresh(source regclass, schedule text DEFAULT '0 * * * *',
    learner_column name DEFAULT 'learner_id', ts_column name DEFAULT 'ts', weight_column name DEFAULT NULL,
    tz text DEFAULT 'UTC', session_gap interval DEFAULT '30 minutes', job_name text DEFAULT 'refresh_engagement')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- the columns are checked now, not when the job first runs
  IF learnalytics_internal.column_type(source, learner_column) IS NULL
     OR learnalytics_internal.column_type(source, ts_column) IS DISTINCT FROM 'timestamptz'::regtype THEN
    RAISE EXCEPTION '% has no learner column "%" or no timestamptz column "%"', source, learner_column, ts_column
      USING ERRCODE = 'undefined_column';
  END IF;
  RETURN @extschema@.job_schedule(job_name, schedule, 'refresh_engagement',
           jsonb_strip_nulls(jsonb_build_object('source', source::text, 'learner_column', learner_column,
             'ts_column', ts_column, 'weight_column', weight_column, 'tz', tz,
             'session_gap', learnalytics_internal.interval_text(session_gap))));
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_engagement_refresh(regclass, text, name, name, name, text, interval, text) IS
'schedule engagement_refresh() from an activity table with pg_cron';

CREATE FUNCTION @extschema@.schedule_pruning(keep_alerts interval DEFAULT '180 days',
    keep_cron_history interval DEFAULT '14 days', schedule text DEFAULT '17 3 * * *',
    job_name text DEFAULT 'prune')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM learnalytics_internal.check_retention_period(keep_alerts);
  PERFORM learnalytics_internal.check_retention_period(keep_cron_history);
  RETURN @extschema@.job_schedule(job_name, schedule, 'prune',
           jsonb_build_object('keep_alerts', learnalytics_internal.interval_text(keep_alerts),
                              'keep_cron_history', learnalytics_internal.interval_text(keep_cron_history)));
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_pruning(interval, interval, text, text) IS
'schedule the pruning of old alerts, outbox messages, job runs and cron.job_run_details with pg_cron';

-- The pg_cron job id of a learnalytics job, NULL when there is none (pg_cron must be installed here).
CREATE FUNCTION learnalytics_internal.cron_job_id(job_name text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id bigint;
BEGIN
  PERFORM @extschema@.require_pg_cron();
  EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1' INTO id USING 'learnalytics-' || job_name;
  RETURN id;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cron_job_id(text) IS 'pg_cron job id of the learnalytics job of this name, NULL when there is none';

CREATE FUNCTION @extschema@.job_reschedule(job_name text, schedule text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id  bigint := learnalytics_internal.cron_job_id(job_name);
  cmd text;
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION 'no learnalytics job "%"', job_name USING ERRCODE = 'undefined_object';
  END IF;
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- cron.schedule() with the job's own name and command changes the job in place (same job id);
  -- cron.alter_job() would need a grant that pg_cron does not give to PUBLIC
  EXECUTE 'SELECT command FROM cron.job WHERE jobid = $1' INTO cmd USING id;
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING 'learnalytics-' || job_name, schedule, cmd;
END
$$;
COMMENT ON FUNCTION @extschema@.job_reschedule(text, text) IS 'change the cron schedule of a learnalytics job';

CREATE FUNCTION @extschema@.job_unschedule(job_name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id bigint := learnalytics_internal.cron_job_id(job_name);
BEGIN
  IF id IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT cron.unschedule($1)' USING id;
  RETURN true;
END
$$;
COMMENT ON FUNCTION @extschema@.job_unschedule(text) IS 'remove a learnalytics pg_cron job; false when there is none';

CREATE FUNCTION @extschema@.scheduled_jobs(
    OUT job_name text, OUT jobid bigint, OUT schedule text, OUT database text, OUT active boolean,
    OUT command text, OUT last_status text, OUT last_start timestamptz, OUT last_message text,
    OUT failed_runs bigint)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT @extschema@.pg_cron_available() THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE
    $q$SELECT substr(j.jobname, 14), j.jobid, j.schedule, j.database, j.active, j.command,
              l.status, l.start_time, l.return_message,
              (SELECT count(*) FROM cron.job_run_details d WHERE d.jobid = j.jobid AND d.status = 'failed')
         FROM cron.job j
         LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.return_message FROM cron.job_run_details d
                             WHERE d.jobid = j.jobid ORDER BY d.start_time DESC NULLS LAST LIMIT 1) l ON true
        WHERE j.jobname LIKE 'learnalytics-%'
        ORDER BY j.jobname$q$;
END
$$;
COMMENT ON FUNCTION @extschema@.scheduled_jobs() IS
'the learnalytics pg_cron jobs with their last run and failed-run count (none when pg_cron is not installed here)';

-- privileges (doc/roles.md): scheduling and running jobs is the admin role's (a role that is not
-- superuser also needs USAGE on schema cron from the DBA, doc/pg_cron.md)
GRANT EXECUTE ON FUNCTION learnalytics_internal.cron_history_prune(interval), @extschema@.job_execute_once(text, jsonb),
  @extschema@.job_schedule(text, text, text, jsonb, integer, interval),
  @extschema@.schedule_rule_evaluation(integer, text[], text),
  @extschema@.schedule_engagement_refresh(regclass, text, name, name, name, text, interval, text),
  @extschema@.schedule_pruning(interval, interval, text, text), learnalytics_internal.cron_job_id(text),
  @extschema@.job_reschedule(text, text), @extschema@.job_unschedule(text), @extschema@.scheduled_jobs()
  TO learnalytics_admin;
GRANT EXECUTE ON PROCEDURE @extschema@.job_execute(text, text, jsonb, integer, interval) TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.job_run TO learnalytics_admin;
GRANT SELECT ON @extschema@.job_run, @extschema@.job_failures TO learnalytics_analyst;
