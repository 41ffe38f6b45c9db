
-------------------------------------------------------------------------------
-- roles: the extension's NOLOGIN group roles (doc/roles.md)
--   learnalytics_admin    manages settings and keys, ingests, erases; member of analyst
--   learnalytics_analyst  reads pseudonymous data; member of viewer
--   learnalytics_viewer   dashboards only
-- Roles belong to the cluster, not to a database: they are created when missing and
-- DROP EXTENSION leaves them (drop them by hand when no database uses them).
-------------------------------------------------------------------------------

DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['learnalytics_viewer', 'learnalytics_analyst', 'learnalytics_admin'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
  IF NOT pg_catalog.pg_has_role('learnalytics_analyst', 'learnalytics_viewer', 'MEMBER') THEN
    GRANT learnalytics_viewer TO learnalytics_analyst;
  END IF;
  IF NOT pg_catalog.pg_has_role('learnalytics_admin', 'learnalytics_analyst', 'MEMBER') THEN
    GRANT learnalytics_analyst TO learnalytics_admin;
  END IF;
END
$roles$;

GRANT USAGE ON SCHEMA @extschema@ TO learnalytics_viewer, learnalytics_analyst, learnalytics_admin;
