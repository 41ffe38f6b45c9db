
-------------------------------------------------------------------------------
-- helpers: the internal schema and the plumbing the other parts share (doc/DEVELOPER.md, "Naming")
--
-- learnalytics_internal holds every object of the extension that doc/ does not document: support
-- functions of the types and aggregates, trigger functions, and the helpers the parts call. It is
-- never on search_path and users are not granted it: only the three learnalytics roles get USAGE
-- (roles.sql), because functions they may execute call these helpers with their rights. The name
-- is fixed (PostgreSQL 15 has no @extschema:...@ for a second schema).
-------------------------------------------------------------------------------

CREATE SCHEMA learnalytics_internal;
COMMENT ON SCHEMA learnalytics_internal IS
'learnalytics internals: support functions, trigger functions and helpers; not an API (doc/DEVELOPER.md)';
REVOKE ALL ON SCHEMA learnalytics_internal FROM PUBLIC;

-------------------------------------------------------------------------------
-- The shared helpers (doc/DEVELOPER.md, "Shared helpers"): one copy of each check the parts make
-- against the catalog, so that a registry, a setter and a run refuse the same thing with the same
-- message. They read the catalog only, with the caller's rights; the roles that may execute them
-- are granted in roles.sql (the roles do not exist yet here).
-------------------------------------------------------------------------------

-- The schema the extension is installed in, for commands built at run time. (@extschema@ inside a
-- string literal is substituted already quoted: format('%I', '@extschema@') quotes it twice.)
CREATE FUNCTION learnalytics_internal.extension_schema()
RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'learnalytics'
$$;
COMMENT ON FUNCTION learnalytics_internal.extension_schema() IS
'the schema learnalytics is installed in (for commands built at run time; quote it with %I)';

-- The type of a relation's column, NULL when it has no such column (dropped columns and system
-- columns are not columns here).
CREATE FUNCTION learnalytics_internal.column_type(relation regclass, column_name name)
RETURNS regtype
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.atttypid::pg_catalog.regtype FROM pg_catalog.pg_attribute a
  WHERE a.attrelid = relation AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION learnalytics_internal.column_type(regclass, name) IS
'type of a column of a relation, NULL when it has no such column';

-- A relation the caller is about to read (kinds 'readable': a table, partitioned table, view,
-- materialized view or foreign table) or to write and trigger on (kinds 'table': a table, plain or
-- partitioned). Returns its relkind.
CREATE FUNCTION learnalytics_internal.require_relation(relation regclass, kinds text,
    context text DEFAULT NULL, hint text DEFAULT NULL)
RETURNS "char"
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prefix text := CASE WHEN context IS NULL THEN '' ELSE context || ': ' END;
  kind   "char";
BEGIN
  IF kinds IS NULL OR kinds NOT IN ('readable', 'table') THEN
    RAISE EXCEPTION 'unknown relation kinds "%"', kinds
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: readable (a table or view), table.';
  END IF;
  IF relation IS NULL THEN
    RAISE EXCEPTION '%the relation must not be null', prefix
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Name a table or view.';
  END IF;
  SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = relation;
  IF kind IS NULL THEN
    RAISE EXCEPTION '%relation with OID % does not exist', prefix, relation::oid
      USING ERRCODE = 'undefined_table',
            HINT = 'Name an existing table or view.';
  END IF;
  IF kind IN ('r', 'p') OR (kinds = 'readable' AND kind IN ('v', 'm', 'f')) THEN
    RETURN kind;
  END IF;
  RAISE EXCEPTION '%', format('%s%s is not %s', prefix, relation,
                              CASE kinds WHEN 'table' THEN 'a table' ELSE 'a table or view' END)
    USING ERRCODE = 'wrong_object_type',
          DETAIL = format('%s is %s.', relation,
                          CASE kind WHEN 'v' THEN 'a view' WHEN 'm' THEN 'a materialized view'
                                    WHEN 'f' THEN 'a foreign table' WHEN 'S' THEN 'a sequence'
                                    WHEN 'i' THEN 'an index' WHEN 'I' THEN 'a partitioned index'
                                    WHEN 'c' THEN 'a composite type' WHEN 't' THEN 'a TOAST table'
                                    ELSE format('of relkind %s', kind) END),
          HINT = coalesce(hint, CASE kinds WHEN 'table' THEN 'Name a table (plain or partitioned).'
                                           ELSE 'Name a table, view, materialized view or foreign table.' END);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.require_relation(regclass, text, text, text) IS
'raise undefined_table or wrong_object_type unless a relation exists and is of the kinds given (readable: a table or view; table); returns its relkind';

-- A column the caller is about to read must exist, with a type of the class it reads it as:
--   NULL         any type
--   timestamptz  timestamptz (a time without a zone would be read in the session's zone)
--   time         date, timestamp or timestamptz
--   integer      smallint, integer or bigint
--   numeric      a numeric type (typcategory N)
--   metric       a numeric type or boolean (booleans read as 0/1)
-- Returns the column's type. The relation must be readable (require_relation, above). A NULL column
-- name is an optional column not given: nothing to check (callers refuse a NULL required column
-- themselves). context prefixes the message (the function
-- or registry and its field, 'performance_source field "time_column"'); hint replaces the default.
CREATE FUNCTION learnalytics_internal.require_column(relation regclass, column_name name,
    allowed text DEFAULT NULL, context text DEFAULT NULL, hint text DEFAULT NULL)
RETURNS regtype
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prefix   text := CASE WHEN context IS NULL THEN '' ELSE context || ': ' END;
  typ      regtype;
  expected text := CASE allowed
                     WHEN 'timestamptz' THEN 'timestamptz'
                     WHEN 'time' THEN 'date, timestamp or timestamptz'
                     WHEN 'integer' THEN 'smallint, integer or bigint'
                     WHEN 'numeric' THEN 'of a numeric type'
                     WHEN 'metric' THEN 'of a numeric type or boolean' END;
BEGIN
  IF allowed IS NOT NULL AND expected IS NULL THEN
    RAISE EXCEPTION 'unknown column type class "%"', allowed
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Classes: timestamptz, time, integer, numeric, metric (NULL: any type).';
  END IF;
  PERFORM learnalytics_internal.require_relation(relation, 'readable', context);
  IF column_name IS NULL THEN
    RETURN NULL;
  END IF;
  typ := learnalytics_internal.column_type(relation, column_name);
  IF typ IS NULL THEN
    RAISE EXCEPTION '%column "%" does not exist in %', prefix, column_name, relation
      USING ERRCODE = 'undefined_column',
            HINT = coalesce(hint, 'Name a column of the relation as the catalog spells it (names are case-sensitive).');
  END IF;
  IF allowed IS NULL
     OR (allowed = 'timestamptz' AND typ = 'timestamptz'::regtype)
     OR (allowed = 'time' AND typ IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype))
     OR (allowed = 'integer' AND typ IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype))
     OR (allowed IN ('numeric', 'metric') AND (SELECT t.typcategory FROM pg_type t WHERE t.oid = typ) = 'N')
     OR (allowed = 'metric' AND typ = 'boolean'::regtype) THEN
    RETURN typ;
  END IF;
  RAISE EXCEPTION '%column "%" of % must be %, not %', prefix, column_name, relation, expected, typ
    USING ERRCODE = 'datatype_mismatch',
          HINT = coalesce(hint, CASE allowed
                   WHEN 'timestamptz' THEN 'Convert it in a view, naming the time zone: ts AT TIME ZONE ''Europe/Paris''.'
                   ELSE format('Convert it in a view to a column %s.',
                               CASE WHEN expected LIKE 'of %' THEN expected ELSE 'of type ' || expected END) END);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.require_column(regclass, name, text, text, text) IS
'raise undefined_column or datatype_mismatch unless a column exists with a type of the class given (timestamptz, time, integer, numeric, metric; NULL: any); returns its type';

-- Registering a relation (learning_source, performance_source, experiment, retention_policy)
-- publishes what the extension later reads from it, or removes from it, with the rights of whoever
-- runs the job: the role that registers it must hold each of the privileges itself ('SELECT', or
-- 'SELECT, DELETE'; every one is checked, unlike has_table_privilege's list, which asks for any).
CREATE FUNCTION learnalytics_internal.require_registrant_privilege(relation regclass, privileges text, what text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  privs text[] := (SELECT array_agg(upper(btrim(p)) ORDER BY o)
                     FROM unnest(string_to_array(privileges, ',')) WITH ORDINALITY u (p, o));
  priv  text;
BEGIN
  IF privs IS NULL OR NOT privs <@ ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] THEN
    RAISE EXCEPTION 'unknown table privileges "%"', privileges
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Privileges: a comma-separated list of SELECT, INSERT, UPDATE, DELETE, TRUNCATE.';
  END IF;
  IF relation IS NULL OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = relation) THEN
    RAISE EXCEPTION '%: relation with OID % does not exist', what, relation::oid
      USING ERRCODE = 'undefined_table',
            HINT = 'Register an existing relation.';
  END IF;
  FOREACH priv IN ARRAY privs LOOP
    IF NOT has_table_privilege(current_user, relation, priv) THEN
      RAISE EXCEPTION '%: permission denied for %', what, relation
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Role %I lacks %s on %s.', current_user, priv, relation),
              HINT = format('Register only a relation on which the registering role holds %s.',
                            array_to_string(privs, ' and '));
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.require_registrant_privilege(regclass, text, text) IS
'raise undefined_table or insufficient_privilege unless the current role holds every listed privilege (''SELECT'', ''SELECT, DELETE'') on a relation it registers';

-- A retention period (retention_policy.keep, and the pruning of alerts and pg_cron's history): a
-- positive, finite interval, as retention_policy's CHECK says.
CREATE FUNCTION learnalytics_internal.check_retention_period(keep interval, context text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF keep IS NULL OR keep <= interval '0' OR NOT isfinite(keep) THEN
    RAISE EXCEPTION '%a retention period must be a positive, finite interval, not %',
                    CASE WHEN context IS NULL THEN '' ELSE context || ': ' END, coalesce(keep::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how long rows are kept, for example interval ''180 days''.';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.check_retention_period(interval, text) IS
'raise invalid_parameter_value unless a retention period is a positive, finite interval';

-- The upper bound of a range partition, as the text of its bound (a value of the partition key's
-- type); NULL for a DEFAULT partition, a MAXVALUE bound, a multi-column bound or a relation that
-- is not a partition.
CREATE FUNCTION learnalytics_internal.partition_upper_bound(part regclass)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)$'))[1]
    FROM pg_catalog.pg_class c WHERE c.oid = part
$$;
COMMENT ON FUNCTION learnalytics_internal.partition_upper_bound(regclass) IS
'upper bound of a single-column range partition as text; NULL for DEFAULT, MAXVALUE or no partition';

-- A NOTICE for long operations (a rollup refresh, a replay): after a phase that handled 100,000
-- items or more, or when more than 2 seconds have passed since started.
CREATE FUNCTION learnalytics_internal.progress_notice(label text, phase text, n bigint, started timestamptz,
    unit text DEFAULT 'rows')
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF n >= 100000 OR clock_timestamp() - started > interval '2 seconds' THEN
    RAISE NOTICE '%: % (% %, % s)', label, phase, n, unit,
      round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.progress_notice(text, text, bigint, timestamptz, text) IS
'progress NOTICE of a phase of a long operation (only for phases of 100,000 items or more, or after 2 seconds)';
