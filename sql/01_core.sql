--
-- core: library identity and installation health
--
-- the loaded library and the installed scripts are the same release
SELECT library_version() = extversion AS library_matches_extension
FROM pg_extension WHERE extname = 'learnalytics';

SELECT component, ok FROM status()
WHERE component IN ('extension version', 'library version', 'server version')
ORDER BY component;

-- a library/script mismatch is reported with what to do
SELECT component, ok, hint FROM status() WHERE NOT ok AND component LIKE '%version%';

-- labels: every function of the extension is deliberately labelled
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
ORDER BY 1::text;
