--
-- Elevated rights: the functions of the extension that run with its owner's rights
-- (SECURITY DEFINER) and the triggers it installs are exactly those audited in doc/roles.md
-- ("Elevated rights"). A new one fails this test until it is audited and listed there.
--
SET client_min_messages = warning;

CREATE TEMP VIEW la_ext_functions AS
SELECT p.oid, p.oid::regprocedure AS function, p.prosecdef, p.proconfig, p.proacl
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics';

-- every SECURITY DEFINER function: its search_path is pinned, PUBLIC cannot call it, and viewers
-- and analysts can call only learnalytics_internal.pg_cron_settings() (no argument; two settings; doc/roles.md)
SELECT function, proconfig,
       EXISTS (SELECT 1 FROM aclexplode(proacl) a WHERE a.grantee = 0) AS public_execute,
       has_function_privilege('learnalytics_analyst', oid, 'EXECUTE') AS analyst_execute,
       has_function_privilege('learnalytics_admin', oid, 'EXECUTE') AS admin_execute
FROM la_ext_functions WHERE prosecdef ORDER BY function::text;

-- every trigger on the extension's own relations, and the function each runs
SELECT t.tgrelid::regclass AS relation, t.tgname, t.tgfoid::regprocedure AS function, p.prosecdef
FROM pg_trigger t
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = t.tgrelid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
WHERE NOT t.tgisinternal
ORDER BY t.tgrelid::regclass::text, t.tgname;

-- every trigger function of the extension (including the rollup capture, installed on users' tables)
SELECT function, prosecdef FROM la_ext_functions f
WHERE (SELECT prorettype FROM pg_proc WHERE oid = f.oid) = 'trigger'::regtype ORDER BY function::text;

-- the capture triggers rollup_create installs on a source
CREATE TABLE elev_ev (learner_id int, ts timestamptz);
SELECT rollup_create('elev', 'elev_ev');
SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'elev_ev'::regclass ORDER BY 1;
SELECT rollup_drop('elev');
DROP TABLE elev_ev;

-- xapi_create_partitions refuses an infinite bound (it would create tables, with its owner's
-- rights, until the timestamps overflow)
\set VERBOSITY terse
SET statement_timeout = '10s';
SELECT xapi_create_partitions('2027-01-15', 'infinity');
SELECT xapi_create_partitions('-infinity', '2027-01-15');
RESET statement_timeout;
SELECT count(*) AS partitions_after_2027 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'xapi_statements'::regclass AND c.relname > 'xapi_statements_p2027';

-- learnalytics_internal.xapi_attach_month attaches only a month table the extension's owner made (learnalytics_internal.xapi_prepare_month),
-- not one an admin with CREATE on the extension's schema (e.g. the owner of a database whose
-- public schema holds the extension) made to look like one: indexed and attached with the
-- owner's rights, it would become a partition of the store that the admin owns, whose triggers
-- fire for everyone's loads.
CREATE ROLE la_t_elev_admin LOGIN IN ROLE learnalytics_admin;
GRANT CREATE ON SCHEMA learnalytics TO la_t_elev_admin;
SET ROLE la_t_elev_admin;
CREATE TABLE learnalytics.xapi_statements_p203001 (LIKE learnalytics.xapi_statements INCLUDING DEFAULTS);
-- called from inside a load of the admin's own: a staging view reading a function
CREATE FUNCTION learnalytics.elev_attach() RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM learnalytics_internal.xapi_attach_month('learnalytics.xapi_statements_p203001');
  RETURN '{"id": "e1e1e1e1-0000-4000-8000-000000000001", "actor": {"mbox": "mailto:elev@example.com"},
           "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
           "object": {"id": "http://example.com/elev"}, "timestamp": "2030-01-15T10:00:00Z"}';
END
$$;
CREATE VIEW learnalytics.elev_stage AS SELECT learnalytics.elev_attach() AS statement;
\set VERBOSITY terse
SELECT * FROM xapi_ingest_staged('learnalytics.elev_stage', empty_staging => false);
-- xapi_create_partitions refuses a finite range of more than 1200 months too (as many tables, owned
-- by the extension's owner); a month it creates belongs to the extension's owner, not the admin
SELECT xapi_create_partitions('2027-01-15', '2127-01-14');
SELECT xapi_create_partitions('2029-03-01', '2029-03-31');
RESET ROLE;
SELECT c.relispartition, pg_get_userbyid(c.relowner) = 'la_t_elev_admin' AS admins,
       (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
FROM pg_class c WHERE c.oid = 'learnalytics.xapi_statements_p202903'::regclass;
SELECT c.relname, c.relispartition, pg_get_userbyid(c.relowner) = 'la_t_elev_admin' AS admins
FROM pg_class c WHERE c.relname LIKE 'xapi_statements_p2030%' ORDER BY 1;
SELECT count(*) AS stored_in_2030 FROM xapi_statements WHERE "timestamp" >= '2030-01-01';
-- clean up
DELETE FROM xapi_statement_ids WHERE id = 'e1e1e1e1-0000-4000-8000-000000000001';
DELETE FROM xapi_loads WHERE loaded_by = 'la_t_elev_admin';
DROP VIEW learnalytics.elev_stage;
DROP FUNCTION learnalytics.elev_attach();
DROP TABLE IF EXISTS learnalytics.xapi_statements_p203001;
DROP TABLE learnalytics.xapi_statements_p202903;
REVOKE CREATE ON SCHEMA learnalytics FROM la_t_elev_admin;
DROP ROLE la_t_elev_admin;
