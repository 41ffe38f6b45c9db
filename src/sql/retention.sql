
-------------------------------------------------------------------------------
-- retention: per-table policies that drop old partitions or delete old rows (doc/rollups.md)
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.retention_policy (
  name         text PRIMARY KEY,
  relation     regclass UNIQUE,
  time_column  name,
  keep         interval NOT NULL CHECK (keep > interval '0'),
  handler      regprocedure,
  builtin      boolean NOT NULL DEFAULT false,
  last_run     timestamptz,
  last_removed bigint,
  CHECK (handler IS NOT NULL OR (relation IS NOT NULL AND time_column IS NOT NULL))
);
COMMENT ON TABLE @extschema@.retention_policy IS
'retention policies, applied by retention_run(): rows (or whole range partitions) of relation older than keep by time_column, or what a built-in policy''s handler removes';
COMMENT ON COLUMN @extschema@.retention_policy.name IS 'the policy''s name: the table''s qualified name for a table''s policy (retention_set), alerts, job_runs, cron_history for the built-in ones';
COMMENT ON COLUMN @extschema@.retention_policy.relation IS 'the table (plain: rows are deleted; range-partitioned on time_column: partitions are dropped); NULL for a handler''s policy';
COMMENT ON COLUMN @extschema@.retention_policy.time_column IS 'timestamptz, timestamp or date column the age is measured on';
COMMENT ON COLUMN @extschema@.retention_policy.keep IS 'how long rows are kept';
COMMENT ON COLUMN @extschema@.retention_policy.handler IS
'built-in policies only: learnalytics_internal function (cutoff timestamptz, dry_run boolean) RETURNS bigint that removes what is older than the cut-off';
COMMENT ON COLUMN @extschema@.retention_policy.builtin IS 'shipped with the extension: not dumped, not deletable; only keep may change (retention_set_keep)';
COMMENT ON COLUMN @extschema@.retention_policy.last_run IS 'when retention_run() last applied the policy';
COMMENT ON COLUMN @extschema@.retention_policy.last_removed IS 'rows deleted (plain tables, handlers) or partitions dropped by the last run';
-- the built-in rows come with the extension (CREATE EXTENSION makes them again on a restore)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.retention_policy', 'WHERE NOT builtin');

-- Whoever writes a policy (retention_set, or the table directly) must be allowed to read and delete
-- the rows it removes: retention_run deletes them with the rights of whoever runs it. A handler runs
-- with those rights too, so only a superuser (the extension script) writes built-in policies and
-- handlers: an admin may change how long a built-in policy keeps, nothing else of it, and may not
-- delete it. A table's policy is named after the table when no name is given.
CREATE FUNCTION learnalytics_internal.retention_policy_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  su boolean := (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user);
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.builtin THEN
      RAISE EXCEPTION 'retention_policy: the built-in policy "%" cannot be deleted', OLD.name
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Change how long it keeps with retention_set_keep().';
    END IF;
    RETURN OLD;
  END IF;
  IF NOT su AND (CASE WHEN TG_OP = 'INSERT' THEN NEW.builtin OR NEW.handler IS NOT NULL
                      ELSE (NEW.builtin, NEW.handler) IS DISTINCT FROM (OLD.builtin, OLD.handler)
                           OR (OLD.builtin AND (NEW.name, NEW.relation, NEW.time_column)
                                               IS DISTINCT FROM (OLD.name, OLD.relation, OLD.time_column)) END) THEN
    RAISE EXCEPTION 'retention_policy: only a superuser writes built-in policies and handlers'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Change how long a built-in policy keeps with retention_set_keep().';
  END IF;
  NEW.name := coalesce(NEW.name, NEW.relation::text);
  IF NEW.relation IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.relation IS DISTINCT FROM OLD.relation) THEN
    PERFORM learnalytics_internal.require_registrant_privilege(NEW.relation, 'SELECT, DELETE', 'retention_policy');
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.retention_policy_check() IS
'trigger: the role writing a retention policy may SELECT and DELETE from its table; built-in policies and handlers are the extension''s';
CREATE TRIGGER retention_policy_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.retention_policy
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.retention_policy_check();

-- Add or change a policy, after checking the table and its column.
CREATE FUNCTION @extschema@.retention_set(relation regclass, time_column name, keep interval)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind "char";
  key  int2vector;
BEGIN
  IF relation IS NULL OR time_column IS NULL OR keep IS NULL THEN
    RAISE EXCEPTION 'relation, time_column and keep must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.check_retention_period(keep, 'retention_set field "keep"');
  kind := learnalytics_internal.require_relation(relation, 'table', 'retention_set field "relation"');
  PERFORM learnalytics_internal.require_column(relation, time_column, 'time', 'retention_set field "time_column"');
  IF kind = 'p' THEN
    SELECT p.partattrs INTO key FROM pg_partitioned_table p
     WHERE p.partrelid = relation AND p.partstrat = 'r' AND p.partnatts = 1;
    IF key IS NULL OR key[0] <> (SELECT a.attnum FROM pg_attribute a
                                  WHERE a.attrelid = relation AND a.attname = time_column) THEN
      RAISE EXCEPTION '% is not range-partitioned on "%" alone', relation, time_column
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Retention drops whole partitions of a table partitioned BY RANGE on the time column.';
    END IF;
  END IF;
  IF EXISTS (SELECT 1 FROM @extschema@.retention_policy p WHERE p.relation = retention_set.relation AND p.builtin) THEN
    RAISE EXCEPTION '% has the built-in retention policy "%"', relation,
      (SELECT p.name FROM @extschema@.retention_policy p WHERE p.relation = retention_set.relation)
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Change how long it keeps with retention_set_keep().';
  END IF;
  INSERT INTO @extschema@.retention_policy AS p (relation, time_column, keep)
  VALUES (relation, time_column, keep)
  ON CONFLICT ON CONSTRAINT retention_policy_relation_key
  DO UPDATE SET time_column = EXCLUDED.time_column, keep = EXCLUDED.keep;
END
$$;
COMMENT ON FUNCTION @extschema@.retention_set(regclass, name, interval) IS
'add or change the retention policy of a table (plain: old rows deleted; range-partitioned on the time column: old partitions dropped)';

-- Apply every policy (or report what would go, with dry_run), as of a time (now() by default; the
-- cut-off of a policy is as_of - keep). A partition goes when its upper bound is at or before the
-- cut-off, so no row it holds is younger; the DEFAULT partition and partitions straddling the
-- cut-off are kept. Deleting rows from a rollup source does not reach its rollups (the rollups keep
-- the history; a full rebuild would lose it). A built-in policy's handler removes what it removes,
-- or returns NULL (it said why in a NOTICE) when it does not apply here: no row, last_run unchanged.
CREATE FUNCTION @extschema@.retention_run(dry_run boolean DEFAULT false, as_of timestamptz DEFAULT pg_catalog.now(),
    OUT policy text, OUT relation regclass, OUT action text, OUT object text, OUT rows bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p       @extschema@.retention_policy;
  cutoff  timestamptz;
  typ     text;
  part    record;
  upper   text;
  expired boolean;
  removed bigint;
  last    bigint;
BEGIN
  IF dry_run IS NULL OR as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'dry_run must not be null and as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR p IN SELECT * FROM @extschema@.retention_policy rp ORDER BY rp.name LOOP
    cutoff := as_of - p.keep;
    policy := p.name;
    relation := p.relation;
    removed := 0;
    IF p.handler IS NOT NULL THEN
      EXECUTE format('SELECT %s($1, $2)', learnalytics_internal.routine_name(p.handler)) INTO rows
        USING cutoff, dry_run;
      CONTINUE WHEN rows IS NULL;
      action := 'delete rows'; object := p.name; removed := rows;
      RETURN NEXT;
    ELSE
      PERFORM learnalytics_internal.require_trusted_relation(p.relation, 'retention_policy');
      typ := format_type(learnalytics_internal.column_type(p.relation, p.time_column), NULL);
      IF typ IS NULL THEN
        RAISE WARNING 'retention: column "%" of % is gone; policy skipped', p.time_column, p.relation;
        CONTINUE;
      END IF;
      IF (SELECT c.relkind FROM pg_class c WHERE c.oid = p.relation) = 'p' THEN
        FOR part IN SELECT i.inhrelid::regclass AS child
                      FROM pg_inherits i WHERE i.inhparent = p.relation ORDER BY i.inhrelid::regclass::text LOOP
          upper := learnalytics_internal.partition_upper_bound(part.child);
          CONTINUE WHEN upper IS NULL;  -- DEFAULT, MAXVALUE
          EXECUTE format('SELECT %L::%s <= $1::%s', upper, typ, typ) INTO STRICT expired USING cutoff;
          CONTINUE WHEN NOT expired;
          action := 'drop partition'; object := part.child::text; rows := NULL;
          IF NOT dry_run THEN
            EXECUTE format('DROP TABLE %s', part.child);
          END IF;
          removed := removed + 1;
          RETURN NEXT;
        END LOOP;
      ELSE
        action := 'delete rows'; object := p.relation::text;
        IF dry_run THEN
          EXECUTE format('SELECT count(*) FROM %s WHERE %I < $1::%s', p.relation, p.time_column, typ)
            INTO rows USING cutoff;
        ELSE
          -- rollups keep their history: the changes these deletes capture are withdrawn (other
          -- writers wait for the lock, so every change captured after it is ours)
          EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', p.relation);
          SELECT coalesce(max(d.seq), 0) INTO last FROM @extschema@.rollup_delta d;
          EXECUTE format('DELETE FROM %s WHERE %I < $1::%s', p.relation, p.time_column, typ) USING cutoff;
          GET DIAGNOSTICS rows = ROW_COUNT;
          DELETE FROM @extschema@.rollup_delta d
           WHERE d.seq > last AND d.sign = -1
             AND d.rollup IN (SELECT r.name FROM @extschema@.rollup r WHERE r.source = p.relation);
        END IF;
        removed := rows;
        RETURN NEXT;
      END IF;
    END IF;
    IF NOT dry_run THEN
      UPDATE @extschema@.retention_policy r SET last_run = now(), last_removed = removed WHERE r.name = p.name;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.retention_run(boolean, timestamptz) IS
'apply every retention policy as of a time (now): drop range partitions entirely older than the cut-off, delete older rows of plain tables, run the built-in handlers; dry_run only reports';

-- How long a policy keeps, by name: the way to change a built-in policy (alerts, job_runs,
-- cron_history). Such a change is not kept by pg_dump (built-in rows are not dumped): run it again
-- after a restore.
CREATE FUNCTION @extschema@.retention_set_keep(policy_name text, keep interval)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF policy_name IS NULL OR keep IS NULL THEN
    RAISE EXCEPTION 'policy_name and keep must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.check_retention_period(keep, 'retention_set_keep field "keep"');
  UPDATE @extschema@.retention_policy p SET keep = retention_set_keep.keep WHERE p.name = policy_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no retention policy "%"', policy_name
      USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM retention_policy lists them.';
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.retention_set_keep(text, interval) IS
'change how long a retention policy keeps, by name (the way to change a built-in one; not kept by pg_dump for those)';

-- The built-in policies: alerts and outbox messages (alert_delivery.sql), the job log (job_run) and
-- pg_cron's run history (jobs.sql). They replace the old pruning job: one schedule for all is
-- job_schedule('retention', '17 3 * * *', 'retention_run').
INSERT INTO @extschema@.retention_policy (name, relation, time_column, keep, handler, builtin) VALUES
  ('alerts', NULL, NULL, '180 days', 'learnalytics_internal.alert_prune(timestamptz, boolean)', true),
  ('job_runs', '@extschema@.job_run', 'finished_at', '30 days', NULL, true),
  ('cron_history', NULL, NULL, '14 days', 'learnalytics_internal.cron_history_prune(timestamptz, boolean)', true),
  ('quality_findings', NULL, NULL, '180 days', 'learnalytics_internal.quality_prune(timestamptz, boolean)', true);

-- Job kind retention_run (jobs.sql, doc/pg_cron.md): {"dry_run": true} only reports.
CREATE FUNCTION learnalytics_internal.job_retention_run(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('retention_run', args, '{dry_run}');
  res text;
BEGIN
  IF args ? 'dry_run' AND jsonb_typeof(args -> 'dry_run') <> 'boolean' THEN
    RAISE EXCEPTION 'job argument "dry_run" of kind retention_run must be true or false, not %', args -> 'dry_run'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF validate_only THEN
    RETURN NULL;
  END IF;
  SELECT format('%s policies: %s rows deleted, %s partitions dropped%s', count(DISTINCT r.policy),
                coalesce(sum(r.rows), 0), count(*) FILTER (WHERE r.action = 'drop partition'),
                CASE WHEN (args -> 'dry_run') = 'true'::jsonb THEN ' (dry run)' ELSE '' END)
    INTO res
    FROM @extschema@.retention_run(coalesce((args -> 'dry_run') = 'true'::jsonb, false)) r;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_retention_run(jsonb) IS
'job handler of kind retention_run: apply every retention policy ({"dry_run": true}: only report)';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('retention_run', 'learnalytics_internal.job_retention_run(jsonb)',
   'retention_run(): apply every retention policy, the built-in ones (alerts, job_runs, cron_history) too; {"dry_run": true} only reports');

REVOKE ALL ON FUNCTION @extschema@.retention_set(regclass, name, interval), @extschema@.retention_run(boolean, timestamptz),
  @extschema@.retention_set_keep(text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.retention_set(regclass, name, interval), @extschema@.retention_run(boolean, timestamptz),
  @extschema@.retention_set_keep(text, interval), learnalytics_internal.job_retention_run(jsonb) TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.retention_policy TO learnalytics_admin;
GRANT SELECT ON @extschema@.retention_policy TO learnalytics_analyst;
