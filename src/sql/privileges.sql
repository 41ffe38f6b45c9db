
-------------------------------------------------------------------------------
-- privileges: the last part of the install and of the upgrade (doc/roles.md, "Security model")
--
-- PUBLIC may execute only the IMMUTABLE functions of the extension: the types' input and output,
-- the aggregates and their support functions, the accessors, validators and format conversions.
-- IMMUTABLE promises that a function reads no table and changes nothing, so these are safe for
-- anyone. Every other function (STABLE ones read data, VOLATILE ones change it) loses PUBLIC's
-- EXECUTE here and is granted to the roles that need it by the part that defines it. The revoke
-- walks the catalog rather than a list, because ALTER DEFAULT PRIVILEGES does not apply inside an
-- extension script: a function added later is revoked without anyone remembering to. It runs at
-- the end of the upgrade script too (this part is in NEW_PARTS), so the functions of 0.1.0 are
-- revoked there as in a fresh install. sql/01_core checks the result from the catalog.
-------------------------------------------------------------------------------

DO $privileges$
DECLARE
  f pg_catalog.regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::pg_catalog.regprocedure
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                                 AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
      JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
     WHERE e.extname OPERATOR(pg_catalog.=) 'learnalytics' AND p.provolatile OPERATOR(pg_catalog.<>) 'i'
     ORDER BY p.oid
  LOOP
    EXECUTE pg_catalog.format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', f);
  END LOOP;
END
$privileges$;

-- The functions of the core part (0.1.0): installation health and pg_cron detection, for every role.
GRANT EXECUTE ON FUNCTION @extschema@.library_version(), @extschema@.pg_cron_available(),
  @extschema@.require_pg_cron(), @extschema@.status(), learnalytics_internal.pg_cron_settings()
  TO learnalytics_viewer;
