-- learnalytics demo: run by `make demo` on a throwaway cluster (database learnalytics_demo).
\pset footer off
\echo
\echo '== learnalytics: install =='
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
CREATE EXTENSION pg_cron;
SET search_path = public, learnalytics;

\echo
\echo '== installation health (SELECT * FROM learnalytics.status()) =='
SELECT * FROM status();

\echo
\echo '== what is installed =='
SELECT p.oid::regprocedure AS function, obj_description(p.oid, 'pg_proc') AS description
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
ORDER BY 1::text;
