
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
-- The internal schema (helpers.sql): functions these roles may execute call its helpers with the
-- caller's rights, which needs USAGE. PUBLIC gets none.
GRANT USAGE ON SCHEMA learnalytics_internal TO learnalytics_viewer, learnalytics_analyst, learnalytics_admin;
-- The shared helpers of helpers.sql (created before the roles): they read only the catalog, with
-- the caller's rights, and the functions of every role call them. (check_retention_period is
-- IMMUTABLE: PUBLIC keeps it.) Progress notices are for the analysts' replays and the admin's
-- rollup refreshes.
GRANT EXECUTE ON FUNCTION learnalytics_internal.extension_schema(), learnalytics_internal.column_type(regclass, name),
  learnalytics_internal.require_column(regclass, name, text, text, text),
  learnalytics_internal.require_relation(regclass, text, text, text),
  learnalytics_internal.require_registrant_privilege(regclass, text, text),
  learnalytics_internal.partition_upper_bound(regclass)
  TO learnalytics_viewer;
GRANT EXECUTE ON FUNCTION learnalytics_internal.progress_notice(text, text, bigint, timestamptz, text)
  TO learnalytics_analyst;

-- The caller's-rights functions that read or write a relation an admin registered or named
-- (rule_evaluate(s) and replay over learning_source, retention_run, the performance and experiment
-- functions over performance_source, engagement_refresh, the rollup refreshes) run with
-- the rights of whoever calls them. Run by a superuser (by hand, or from a pg_cron job a superuser
-- scheduled), reading a view of another role's runs the functions the view calls, and deleting
-- from a table fires its owner's triggers, with superuser rights: an admin that is not superuser
-- could make itself one. So a superuser caller is refused a relation whose owner is not a
-- superuser. A caller that is not a superuser runs with its own rights and escalates nothing; a
-- relation a superuser owns was written by one (a view of a superuser's is accepted whatever it
-- calls). A relation that does not exist is left to the caller's own error.
CREATE FUNCTION learnalytics_internal.require_trusted_relation(rel regclass, what text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  owner       name;
  owner_super boolean;
BEGIN
  IF rel IS NULL OR NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
    RETURN;
  END IF;
  SELECT o.rolname, o.rolsuper INTO owner, owner_super
    FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
   WHERE c.oid = rel;
  IF NOT FOUND OR owner_super THEN
    RETURN;
  END IF;
  RAISE EXCEPTION '%: % is owned by role "%", which is not a superuser', what, rel, owner
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('Superuser "%s" would run with superuser rights whatever the relation''s owner wrote into it '
                          '(functions its view calls, casts of its column types, its triggers).', current_user),
          HINT = 'Run it (and schedule it) as a member of learnalytics_admin that is not a superuser, '
                 'or have a superuser own the relation.';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.require_trusted_relation(regclass, text) IS
'raise insufficient_privilege when a superuser would read or write a relation whose owner is not a superuser (what: the calling function and registry entry)';
GRANT EXECUTE ON FUNCTION learnalytics_internal.require_trusted_relation(regclass, text) TO learnalytics_viewer;
