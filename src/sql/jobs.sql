
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

-- The kinds of job, one row per kind, named after the public function its jobs run. Each part
-- registers the kinds of its feature at its end, so a kind lives next to its feature. Not a
-- configuration table (pg_dump leaves it to CREATE EXTENSION): users cannot add kinds. Nobody is
-- granted to write it, because a job runs its kind's handler with the rights of the role that
-- scheduled it: a kind an admin could add or change would run the admin's function in a
-- superuser's job.
CREATE TABLE @extschema@.job_kind (
  kind        text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
  handler     regprocedure NOT NULL UNIQUE,
  description text NOT NULL
);
COMMENT ON TABLE @extschema@.job_kind IS
'the kinds of learnalytics job, each named after the public function its jobs run (rows come with the extension)';
COMMENT ON COLUMN @extschema@.job_kind.kind IS 'the kind, named after the public function its jobs run';
COMMENT ON COLUMN @extschema@.job_kind.handler IS
'learnalytics_internal.job_<kind>(args jsonb) RETURNS text: checks the arguments, runs the job, returns a one-line result';
COMMENT ON COLUMN @extschema@.job_kind.description IS 'what a job of the kind does, and the arguments it takes';

-- A routine as a quoted, schema-qualified name to call (handlers are stored as regprocedure).
CREATE FUNCTION learnalytics_internal.routine_name(f regprocedure)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format('%I.%I', n.nspname, p.proname)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
   WHERE p.oid OPERATOR(pg_catalog.=) f
$$;
COMMENT ON FUNCTION learnalytics_internal.routine_name(regprocedure) IS
'schema.name of a routine, quoted, to call it';

-- The one naming scheme of learnalytics' pg_cron jobs: learnalytics:<job_name>, job_name a lowercase
-- identifier. Every function that names or finds a job goes through here (scheduled_jobs() reads the
-- prefix back), so a name that is not an identifier is refused everywhere.
CREATE FUNCTION learnalytics_internal.cron_job_name(job_name text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF job_name IS NULL OR job_name !~ '^[a-z][a-z0-9_]{0,40}$' THEN
    RAISE EXCEPTION 'invalid job name "%"', job_name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A job name is a lowercase identifier of at most 41 characters: a letter, then letters, digits or underscores.';
  END IF;
  RETURN 'learnalytics:' || job_name;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cron_job_name(text) IS
'the pg_cron job name of a learnalytics job, learnalytics:<job_name>; invalid_parameter_value unless job_name is a lowercase identifier';

-- The arguments of a job: a JSON object with only the keys its kind takes, so that a typo fails when
-- the job is scheduled. Returns whether the handler is only to validate them: job_schedule() calls
-- the handler with the key validate_only, which a job's own arguments may not carry. Every handler
-- starts with this.
CREATE FUNCTION learnalytics_internal.job_args(kind text, args jsonb, keys text[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  extra text;
BEGIN
  IF args IS NULL OR jsonb_typeof(args) <> 'object' THEN
    RAISE EXCEPTION 'job arguments must be a JSON object, not %', coalesce(args::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO extra
    FROM jsonb_object_keys(args) k WHERE k <> 'validate_only' AND NOT k = ANY (keys);
  IF extra IS NOT NULL THEN
    RAISE EXCEPTION 'job kind % takes no argument %', kind, extra
      USING ERRCODE = 'invalid_parameter_value',
            HINT = CASE WHEN cardinality(keys) = 0 THEN format('Jobs of kind %s take no arguments.', kind)
                        ELSE format('Jobs of kind %s take: %s.', kind, array_to_string(keys, ', ')) END;
  END IF;
  RETURN coalesce(args -> 'validate_only' = 'true'::jsonb, false);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_args(text, jsonb, text[]) IS
'check a job''s arguments (a JSON object with only these keys); true when the handler is only to validate them';

-- A job argument that must be a JSON string (or absent: NULL).
CREATE FUNCTION learnalytics_internal.job_arg_text(kind text, args jsonb, key text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF args -> key IS NULL OR args -> key = 'null'::jsonb THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(args -> key) <> 'string' THEN
    RAISE EXCEPTION 'job argument "%" of kind % must be a string, not %', key, kind, args -> key
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN args ->> key;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_arg_text(text, jsonb, text) IS
'a job argument that must be a JSON string; NULL when absent';

-- The handler of a job kind, after checking the kind and the arguments (a JSON object, without the
-- reserved key validate_only): the one check of a job before it is run or written into a command.
CREATE FUNCTION learnalytics_internal.job_handler(kind_name text, args jsonb)
RETURNS regprocedure
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  h regprocedure;
BEGIN
  SELECT k.handler INTO h FROM @extschema@.job_kind k WHERE k.kind = kind_name;
  IF h IS NULL THEN
    RAISE EXCEPTION 'unknown job kind "%"', kind_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: ' || (SELECT string_agg(k.kind, ', ' ORDER BY k.kind) FROM @extschema@.job_kind k) || '.';
  END IF;
  IF args IS NULL OR jsonb_typeof(args) <> 'object' THEN
    RAISE EXCEPTION 'job arguments must be a JSON object, not %', coalesce(args::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF args ? 'validate_only' THEN
    RAISE EXCEPTION 'job argument "validate_only" is reserved' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN h;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_handler(text, jsonb) IS
'the handler of a job kind, after checking the kind and that the arguments are a JSON object without the reserved key validate_only';

-- Run a job of a kind through its handler, or only validate its arguments (job_schedule).
CREATE FUNCTION learnalytics_internal.job_dispatch(kind_name text, args jsonb, validate_only boolean)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  h   regprocedure;
  res text;
BEGIN
  h := learnalytics_internal.job_handler(kind_name, args);
  EXECUTE format('SELECT %s($1)', learnalytics_internal.routine_name(h)) INTO res
    USING CASE WHEN validate_only THEN args || '{"validate_only": true}' ELSE args END;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_dispatch(text, jsonb, boolean) IS
'call the handler of a job kind (job_kind.handler) with a job''s arguments, or only validate them';

-- One attempt of a job: what the job does, as a plain call.
CREATE FUNCTION @extschema@.job_execute_once(kind text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT learnalytics_internal.job_dispatch(kind, coalesce(args, '{}'), false) $$;
COMMENT ON FUNCTION @extschema@.job_execute_once(text, jsonb) IS
'run one learnalytics job of a kind (see job_kind) by hand, once, without a job_run record; returns its one-line result';

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
      -- a procedure with COMMIT cannot pin search_path: every operator here has exact built-in
      -- argument types or is qualified, so no operator of the caller's search path is chosen
      PERFORM pg_catalog.pg_sleep(pg_catalog.date_part('epoch', retry_delay) OPERATOR(pg_catalog.*) attempt::float8);
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

-- The command a pg_cron job runs, with every value quoted. The only place that writes one.
CREATE FUNCTION learnalytics_internal.job_command(job_name text, kind text, args jsonb DEFAULT '{}',
    max_attempts integer DEFAULT 3, retry_delay interval DEFAULT '10 seconds')
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM learnalytics_internal.cron_job_name(job_name);
  PERFORM learnalytics_internal.job_handler(kind, args);
  IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 10 OR retry_delay IS NULL
     OR retry_delay < '0'::interval OR retry_delay > '10 minutes'::interval THEN
    RAISE EXCEPTION 'a job makes 1 to 10 attempts, with a retry delay up to 10 minutes'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- (%s: @extschema@ in a string literal is substituted already quoted; IMMUTABLE, no lookup)
  -- Every argument carries its type: an untyped literal would let an overload of job_execute that
  -- a role with CREATE on the extension's schema added (text for the interval, say) win the call,
  -- and pg_cron runs the command with the rights of whoever scheduled it, a superuser too.
  RETURN format('CALL %s.job_execute(%L::text, %L::text, %L::jsonb, %s::integer, %L::interval)', '@extschema@',
                job_name, kind, args::text, max_attempts, learnalytics_internal.interval_text(retry_delay));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_command(text, text, jsonb, integer, interval) IS
'the CALL job_execute(...) command a pg_cron job of this name, kind and arguments runs (values quoted)';

-- The one call of pg_cron's scheduling function: create or change (same name: pg_cron updates it)
-- the job learnalytics:<job_name>, owned by the calling role (pg_cron runs it as that role). pg_cron
-- must be installed in this database; when it lives in another one, the error's hint is the
-- cron.schedule_in_database() call to run there. Only cron.schedule() is called (pg_cron revokes
-- cron.schedule_in_database() and cron.alter_job() from PUBLIC): a role that is not superuser needs
-- just USAGE on schema cron (doc/pg_cron.md). Called by job_schedule() and job_reschedule() only.
CREATE FUNCTION learnalytics_internal.cron_schedule(job_name text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  jobname text := learnalytics_internal.cron_job_name(job_name);
  cron    record;
  jobid   bigint;
BEGIN
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT c.preloaded, c.database_name INTO cron FROM learnalytics_internal.pg_cron_settings() c;
  IF cron.preloaded AND NOT @extschema@.pg_cron_available() AND cron.database_name <> current_database() THEN
    RAISE EXCEPTION 'pg_cron lives in database "%", not in "%"', cron.database_name, current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = format('Run in database %I: SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                          cron.database_name, jobname, schedule, command, current_database());
  END IF;
  PERFORM @extschema@.require_pg_cron();
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO jobid USING jobname, schedule, command;
  RETURN jobid;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cron_schedule(text, text, text) IS
'create or change the pg_cron job learnalytics:<job_name> (the one call of cron.schedule; the hint names cron.schedule_in_database() when pg_cron lives elsewhere)';

-- The one way to schedule: checks the name, the kind, the arguments (the kind's handler validates
-- them now, so that bad arguments fail here and not when the job first runs) and the attempts.
CREATE FUNCTION @extschema@.job_schedule(job_name text, schedule text, kind text, args jsonb DEFAULT '{}',
    max_attempts integer DEFAULT 3, retry_delay interval DEFAULT '10 seconds')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cmd text := learnalytics_internal.job_command(job_name, kind, args, max_attempts, retry_delay);
BEGIN
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.job_dispatch(kind, args, true);
  RETURN learnalytics_internal.cron_schedule(job_name, schedule, cmd);
END
$$;
COMMENT ON FUNCTION @extschema@.job_schedule(text, text, text, jsonb, integer, interval) IS
'create or replace the pg_cron job learnalytics:<job_name> running a job of a kind (job_kind) on a cron schedule, with retries; returns its job id';

-- The pg_cron job id of a learnalytics job, NULL when there is none (pg_cron must be installed here).
CREATE FUNCTION learnalytics_internal.cron_job_id(job_name text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  jobname text := learnalytics_internal.cron_job_name(job_name);
  id      bigint;
BEGIN
  PERFORM @extschema@.require_pg_cron();
  EXECUTE 'SELECT jobid FROM cron.job WHERE jobname = $1' INTO id USING jobname;
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
  -- the job's own command under its own name: pg_cron changes the job in place (same job id);
  -- cron.alter_job() would need a grant that pg_cron does not give to PUBLIC
  EXECUTE 'SELECT command FROM cron.job WHERE jobid = $1' INTO cmd USING id;
  PERFORM learnalytics_internal.cron_schedule(job_name, schedule, cmd);
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
  -- learnalytics:<job_name> (cron_job_name), read back
  RETURN QUERY EXECUTE
    $q$SELECT substr(j.jobname, length('learnalytics:') + 1), j.jobid, j.schedule, j.database, j.active, j.command,
              l.status, l.start_time, l.return_message,
              (SELECT count(*) FROM cron.job_run_details d WHERE d.jobid = j.jobid AND d.status = 'failed')
         FROM cron.job j
         LEFT JOIN LATERAL (SELECT d.status, d.start_time, d.return_message FROM cron.job_run_details d
                             WHERE d.jobid = j.jobid ORDER BY d.start_time DESC NULLS LAST LIMIT 1) l ON true
        WHERE starts_with(j.jobname, 'learnalytics:')
        ORDER BY j.jobname$q$;
END
$$;
COMMENT ON FUNCTION @extschema@.scheduled_jobs() IS
'the learnalytics pg_cron jobs (learnalytics:<job_name>) with their last run and failed-run count (none when pg_cron is not installed here)';

-- Retention handler of the built-in policy cron_history (retention.sql): pg_cron's own run history.
-- Skipped (NULL, with a NOTICE) when pg_cron is not installed here or the role may not use it.
CREATE FUNCTION learnalytics_internal.cron_history_prune(cutoff timestamptz, dry_run boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF cutoff IS NULL OR NOT isfinite(cutoff) OR dry_run IS NULL THEN
    RAISE EXCEPTION 'cutoff must be a finite time and dry_run not null' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT @extschema@.pg_cron_available() OR NOT has_schema_privilege('cron', 'USAGE') THEN
    RAISE NOTICE 'retention: pg_cron history skipped: pg_cron is not installed in this database or role % may not use it',
      current_user;
    RETURN NULL;
  END IF;
  IF dry_run THEN
    EXECUTE 'SELECT count(*) FROM cron.job_run_details WHERE end_time < $1' INTO n USING cutoff;
  ELSE
    EXECUTE 'DELETE FROM cron.job_run_details WHERE end_time < $1' USING cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cron_history_prune(timestamptz, boolean) IS
'retention handler: delete (dry_run: count) the rows of cron.job_run_details that ended before cutoff; NULL (skipped) without pg_cron here';

-- privileges (doc/roles.md): scheduling and running jobs is the admin role's (a role that is not
-- superuser also needs USAGE on schema cron from the DBA, doc/pg_cron.md); analysts read the
-- kinds and the runs. Nobody writes job_kind.
GRANT EXECUTE ON FUNCTION learnalytics_internal.routine_name(regprocedure),
  learnalytics_internal.job_handler(text, jsonb), learnalytics_internal.job_dispatch(text, jsonb, boolean),
  @extschema@.job_execute_once(text, jsonb),
  learnalytics_internal.job_command(text, text, jsonb, integer, interval),
  learnalytics_internal.cron_schedule(text, text, text),
  @extschema@.job_schedule(text, text, text, jsonb, integer, interval), learnalytics_internal.cron_job_id(text),
  @extschema@.job_reschedule(text, text), @extschema@.job_unschedule(text), @extschema@.scheduled_jobs(),
  learnalytics_internal.cron_history_prune(timestamptz, boolean)
  TO learnalytics_admin;
GRANT EXECUTE ON PROCEDURE @extschema@.job_execute(text, text, jsonb, integer, interval) TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.job_run TO learnalytics_admin;
GRANT SELECT ON @extschema@.job_kind, @extschema@.job_run, @extschema@.job_failures TO learnalytics_analyst;
