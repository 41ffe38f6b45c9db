
-------------------------------------------------------------------------------
-- retention: per-table policies that drop old partitions or delete old rows (doc/rollups.md)
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.retention_policy (
  relation     regclass PRIMARY KEY,
  time_column  name NOT NULL,
  keep         interval NOT NULL CHECK (keep > interval '0'),
  last_run     timestamptz,
  last_removed bigint
);
COMMENT ON TABLE @extschema@.retention_policy IS
'retention policies: rows (or whole range partitions) of relation older than keep, by time_column, are removed by retention_run()';
COMMENT ON COLUMN @extschema@.retention_policy.relation IS 'the table (plain: rows are deleted; range-partitioned on time_column: partitions are dropped)';
COMMENT ON COLUMN @extschema@.retention_policy.time_column IS 'timestamptz, timestamp or date column the age is measured on';
COMMENT ON COLUMN @extschema@.retention_policy.keep IS 'how long rows are kept';
COMMENT ON COLUMN @extschema@.retention_policy.last_run IS 'when retention_run() last applied the policy';
COMMENT ON COLUMN @extschema@.retention_policy.last_removed IS 'rows deleted (plain tables) or partitions dropped by the last run';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.retention_policy', '');

-- Whoever writes a policy (retention_set, or the table directly) must be allowed to read and delete
-- the rows it removes: retention_run deletes them with the rights of whoever runs it.
CREATE FUNCTION learnalytics_internal.retention_policy_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM learnalytics_internal.require_registrant_privilege(NEW.relation, 'SELECT, DELETE', 'retention_policy');
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.retention_policy_check() IS
'trigger: the role writing a retention policy may SELECT and DELETE from its table';
CREATE TRIGGER retention_policy_check BEFORE INSERT OR UPDATE OF relation ON @extschema@.retention_policy
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
  INSERT INTO @extschema@.retention_policy AS p (relation, time_column, keep)
  VALUES (relation, time_column, keep)
  ON CONFLICT ON CONSTRAINT retention_policy_pkey
  DO UPDATE SET time_column = EXCLUDED.time_column, keep = EXCLUDED.keep;
END
$$;
COMMENT ON FUNCTION @extschema@.retention_set(regclass, name, interval) IS
'add or change the retention policy of a table (plain: old rows deleted; range-partitioned on the time column: old partitions dropped)';

-- Apply every policy (or report what would go, with dry_run). A partition goes when its upper bound
-- is at or before now() - keep, so no row it holds is younger than the cut-off; the DEFAULT partition
-- and partitions straddling the cut-off are kept. Deleting rows from a rollup source does not reach
-- its rollups (the rollups keep the history; a full rebuild would lose it).
CREATE FUNCTION @extschema@.retention_run(dry_run boolean DEFAULT false,
    OUT relation regclass, OUT action text, OUT object text, OUT rows bigint)
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
  FOR p IN SELECT * FROM @extschema@.retention_policy rp ORDER BY rp.relation::text LOOP
    PERFORM learnalytics_internal.require_trusted_relation(p.relation, 'retention_policy');
    cutoff := now() - p.keep;
    typ := format_type(learnalytics_internal.column_type(p.relation, p.time_column), NULL);
    IF typ IS NULL THEN
      RAISE WARNING 'retention: column "%" of % is gone; policy skipped', p.time_column, p.relation;
      CONTINUE;
    END IF;
    relation := p.relation;
    removed := 0;
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
    IF NOT dry_run THEN
      UPDATE @extschema@.retention_policy r SET last_run = now(), last_removed = removed
       WHERE r.relation = p.relation;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.retention_run(boolean) IS
'apply every retention policy: drop range partitions entirely older than the cut-off, delete older rows of plain tables; dry_run only reports';

CREATE FUNCTION @extschema@.retention_schedule(schedule text DEFAULT '17 3 * * *')
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT @extschema@.la_cron_schedule('learnalytics-retention', schedule,
           format('SELECT count(*) FROM %I.retention_run()', learnalytics_internal.extension_schema()))
$$;
COMMENT ON FUNCTION @extschema@.retention_schedule(text) IS
'schedule retention_run() with pg_cron (job learnalytics-retention, daily at 03:17 by default); returns the job id';

REVOKE ALL ON FUNCTION @extschema@.retention_set(regclass, name, interval), @extschema@.retention_run(boolean),
  @extschema@.retention_schedule(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.retention_set(regclass, name, interval), @extschema@.retention_run(boolean),
  @extschema@.retention_schedule(text) TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.retention_policy TO learnalytics_admin;
GRANT SELECT ON @extschema@.retention_policy TO learnalytics_analyst;
