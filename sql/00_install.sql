--
-- Install and upgrade: the oldest shipped version followed by ALTER EXTENSION ... UPDATE must give
-- exactly the catalog of a fresh install (functions, aggregates, types, tables, views, comments,
-- privileges, config-dump registrations).
--
\set ECHO none
\i test/sql/catalog_snapshot.sql
\set ECHO all
SET client_min_messages = warning;
CREATE SCHEMA learnalytics;

-- the versions this build ships, oldest first
SELECT version
FROM pg_available_extension_versions
WHERE name = 'learnalytics'
ORDER BY string_to_array(version, '.')::int[];

-- fresh install of the default version
CREATE EXTENSION learnalytics SCHEMA learnalytics;
CREATE TEMP TABLE fresh AS SELECT * FROM la_catalog;
SELECT count(*) > 0 AS snapshot_sees_objects FROM fresh;
DROP EXTENSION learnalytics;

-- every older version, updated to the default, must match the fresh install
CREATE TEMP TABLE upgrade_diff (from_version text, side text, object text, definition text);
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT version FROM pg_available_extension_versions
            WHERE name = 'learnalytics'
              AND version <> (SELECT default_version FROM pg_available_extensions
                               WHERE name = 'learnalytics')
  LOOP
    EXECUTE format('CREATE EXTENSION learnalytics SCHEMA learnalytics VERSION %L', v);
    ALTER EXTENSION learnalytics UPDATE;
    INSERT INTO upgrade_diff
      SELECT v, 'only after update', * FROM (SELECT * FROM la_catalog EXCEPT SELECT * FROM fresh) a
      UNION ALL
      SELECT v, 'only in fresh', * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM la_catalog) b;
    DROP EXTENSION learnalytics;
  END LOOP;
END
$$;
SELECT from_version, side, object, definition FROM upgrade_diff ORDER BY 1, 2, 3;

-- the comparison is able to fail: one changed label shows up as a difference
CREATE EXTENSION learnalytics SCHEMA learnalytics;
ALTER FUNCTION learnalytics.pg_cron_available() VOLATILE;
SELECT object FROM (SELECT * FROM la_catalog EXCEPT SELECT * FROM fresh) d;
ALTER FUNCTION learnalytics.pg_cron_available() STABLE;
SELECT count(*) AS differences FROM (SELECT * FROM la_catalog EXCEPT SELECT * FROM fresh) d;

-- every object of the extension carries a COMMENT (config-dump registrations are not objects)
SELECT object FROM fresh WHERE definition NOT LIKE '%comment=%' AND object NOT LIKE 'config table %'
ORDER BY 1;

-- later test files find the extension's objects without schema-qualifying them
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path = public, learnalytics', current_database());
END $$;
