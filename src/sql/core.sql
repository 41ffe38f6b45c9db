
-------------------------------------------------------------------------------
-- core: library identity and run-time detection of optional companions
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'la_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.library_version() IS
'version of the loaded learnalytics shared library (compare with the extension version in status())';

-- pg_cron can live in only one database per cluster and must be preloaded, so it is never a
-- requirement of CREATE EXTENSION: it is detected when a scheduling helper needs it.
CREATE FUNCTION @extschema@.pg_cron_available()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'pg_cron')
$$;

COMMENT ON FUNCTION @extschema@.pg_cron_available() IS
'true when the pg_cron extension is installed in the current database';

-- What pg_cron's two server settings say: whether it is in shared_preload_libraries, and the
-- database it runs in (cron.database_name, or pg_cron's default, postgres, when it is not loaded:
-- the one place that reads the regex and the fallback). Both settings are
-- readable by superusers only, so this runs with the extension owner's rights; it reads the two
-- settings and nothing else (no argument, no user-defined function, operator or type), so that a
-- learnalytics_admin who is not superuser can use the scheduling helpers.
CREATE FUNCTION learnalytics_internal.pg_cron_settings(OUT preloaded boolean, OUT database_name text)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.current_setting('shared_preload_libraries')
           OPERATOR(pg_catalog.~) '(^|[\s,"])pg_cron($|[\s,"])',
         coalesce(pg_catalog.current_setting('cron.database_name', true), 'postgres')
$$;

COMMENT ON FUNCTION learnalytics_internal.pg_cron_settings() IS
'whether pg_cron is in shared_preload_libraries and its cron.database_name (superuser-only settings, read with the owner''s rights)';

-- Raise a clear error, with what to do, when pg_cron is not usable from this database.
CREATE FUNCTION @extschema@.require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  preloaded boolean;
  cron_db   text;
BEGIN
  SELECT c.preloaded, c.database_name INTO preloaded, cron_db FROM learnalytics_internal.pg_cron_settings() c;
  IF NOT preloaded THEN
    RAISE EXCEPTION 'pg_cron is not loaded'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Add pg_cron to shared_preload_libraries in postgresql.conf and restart the server.';
  END IF;
  IF NOT @extschema@.pg_cron_available() THEN
    RAISE EXCEPTION 'pg_cron is not installed in database "%"', pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('cron.database_name is %L.', cron_db),
            HINT = 'Run CREATE EXTENSION pg_cron in the database named by cron.database_name, and '
                   'schedule jobs for other databases with cron.schedule_in_database().';
  END IF;
  -- pg_cron's rule: a role schedules jobs only with USAGE on its schema
  IF NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
    RAISE EXCEPTION 'permission denied for schema cron'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = pg_catalog.format('Role %I may not use pg_cron''s schema.', current_user),
            HINT = 'A role that is not superuser schedules jobs with USAGE on schema cron: '
                   'GRANT USAGE ON SCHEMA cron TO learnalytics_admin (doc/pg_cron.md).';
  END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.require_pg_cron() IS
'raise object_not_in_prerequisite_state, with a hint, unless pg_cron is preloaded and installed here';

-- One row per fact a DBA checks after installing or upgrading.
CREATE FUNCTION @extschema@.status(
  OUT component text, OUT value text, OUT ok boolean, OUT hint text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ext_version text;
  lib_version text;
  preloaded   boolean;
  cron_db     text;
  cron_here   boolean;
BEGIN
  SELECT e.extversion INTO ext_version FROM pg_extension e WHERE e.extname = 'learnalytics';
  lib_version := @extschema@.library_version();
  cron_here := @extschema@.pg_cron_available();
  SELECT c.preloaded, c.database_name INTO preloaded, cron_db FROM learnalytics_internal.pg_cron_settings() c;

  component := 'extension version'; value := ext_version; ok := true; hint := NULL;
  RETURN NEXT;
  component := 'library version'; value := lib_version; ok := lib_version = ext_version;
  hint := CASE WHEN NOT ok THEN 'Run ALTER EXTENSION learnalytics UPDATE to match the installed library.' END;
  RETURN NEXT;
  component := 'server version'; value := current_setting('server_version');
  ok := current_setting('server_version_num')::int >= 150000;
  hint := CASE WHEN NOT ok THEN 'learnalytics needs PostgreSQL 15 or later.' END;
  RETURN NEXT;
  component := 'pg_cron preloaded'; value := preloaded::text; ok := preloaded;
  hint := CASE WHEN NOT ok THEN 'Scheduling needs pg_cron in shared_preload_libraries (doc/pg_cron.md).' END;
  RETURN NEXT;
  component := 'pg_cron installed here'; value := cron_here::text; ok := cron_here;
  hint := CASE WHEN NOT ok THEN format('Scheduling runs from the database named by cron.database_name (%s).',
                                       cron_db) END;
  RETURN NEXT;
END
$$;

COMMENT ON FUNCTION @extschema@.status() IS
'installation health: extension and library versions, server version, pg_cron availability';
