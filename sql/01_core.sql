--
-- core: library identity, installation health, and the labelling rules every object follows
--
-- the loaded library and the installed scripts are the same release
SELECT library_version() = extversion AS library_matches_extension
FROM pg_extension WHERE extname = 'learnalytics';

SELECT component, ok FROM status()
WHERE component IN ('extension version', 'library version', 'server version')
ORDER BY component;

-- a library/script mismatch is reported with what to do
SELECT component, ok, hint FROM status() WHERE NOT ok AND component LIKE '%version%';

CREATE TEMP VIEW la_functions AS
SELECT p.oid, p.oid::regprocedure::text AS function, p.prokind, p.provolatile, p.proisstrict,
       p.proparallel, l.lanname
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics';

SELECT function, provolatile, proisstrict, proparallel FROM la_functions
WHERE function IN ('library_version()', 'pg_cron_available()', 'require_pg_cron()', 'status()')
ORDER BY 1;

-- rules that hold for every object the extension ships (each query lists the offenders: none)
-- every aggregate is PARALLEL SAFE, has a combine function, and its support functions are PARALLEL SAFE
SELECT f.function, a.aggcombinefn, f.proparallel
FROM la_functions f JOIN pg_aggregate a ON a.aggfnoid = f.oid
WHERE f.proparallel <> 's' OR a.aggcombinefn = 0
   OR EXISTS (SELECT 1 FROM pg_proc s
              WHERE s.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                              a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn)
                AND s.proparallel <> 's');
-- aggregates with an `internal` state: each one is listed here deliberately. They are the per-learner
-- builders (grouped by the learner, which is also the Citus distribution key); they still need
-- serialize/deserialize for parallel query. Aggregates that combine across learners have a real SQL
-- type as their state, because Citus ships partial states between nodes through its text form.
SELECT f.function, a.aggserialfn <> 0 AS has_serial, a.aggdeserialfn <> 0 AS has_deserial
FROM la_functions f JOIN pg_aggregate a ON a.aggfnoid = f.oid
WHERE a.aggtranstype = 'internal'::regtype
ORDER BY 1;
-- aggregate names carry the la_ prefix
SELECT function FROM la_functions WHERE prokind = 'a' AND function NOT LIKE 'la\_%';
-- C functions are never VOLATILE, and never PARALLEL UNSAFE, except the xAPI ingest, which
-- writes the store (listed here, so that a new one is a deliberate change)
SELECT function, provolatile, proparallel FROM la_functions
WHERE lanname = 'c' AND (provolatile = 'v' OR proparallel = 'u')
  AND function NOT IN ('learnalytics_internal.xapi_load_rows()', 'learnalytics_internal.xapi_stream_begin()', 'learnalytics_internal.xapi_stream_row()',
                       'learnalytics_internal.xapi_stream_end()', 'xapi_ingest(jsonb,text,text)',
                       'learnalytics_internal.xapi_ingest_relation(regclass,text,text)', 'learnalytics_internal.xapi_load_active()');
SELECT function, provolatile, proparallel FROM la_functions
WHERE lanname = 'c' AND (provolatile = 'v' OR proparallel = 'u') ORDER BY 1;
-- Function privileges (doc/roles.md, "Security model"), read from the ACLs themselves.
-- PUBLIC may execute IMMUTABLE functions only: nothing that reads a table or changes anything.
-- The offenders, by aclexplode of proacl (NULL proacl: the default, which lets PUBLIC execute) and
-- by has_function_privilege: none.
SELECT f.function, f.provolatile
FROM la_functions f JOIN pg_proc p ON p.oid = f.oid
WHERE f.provolatile <> 'i'
  AND (EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
                WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE')
       OR has_function_privilege('public', f.oid, 'EXECUTE'))
ORDER BY 1;
-- What PUBLIC may execute, by kind: the types' I/O, aggregates and their support functions, and
-- (listed by name, so that a new one is a deliberate change) the accessors, validators and
-- conversions. Every one is IMMUTABLE.
WITH pub AS (
  SELECT f.* FROM la_functions f WHERE has_function_privilege('public', f.oid, 'EXECUTE')
), io AS (
  SELECT unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend]::oid[]) AS oid
  FROM pg_type t JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
), support AS (
  SELECT unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                      a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) AS oid
  FROM pg_aggregate a JOIN la_functions f ON f.oid = a.aggfnoid
)
SELECT CASE WHEN p.oid IN (SELECT oid FROM io) THEN 'type I/O'
            WHEN p.prokind IN ('a', 'w') THEN 'aggregate or window function'
            WHEN p.oid IN (SELECT oid FROM support) THEN 'aggregate support'
            ELSE 'accessor, validator, conversion' END AS kind,
       count(*) AS functions, bool_and(p.provolatile = 'i') AS all_immutable
FROM pub p GROUP BY 1 ORDER BY 1;
SELECT f.function FROM la_functions f
WHERE has_function_privilege('public', f.oid, 'EXECUTE') AND f.prokind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_aggregate a
                   WHERE f.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn))
  AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE f.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend))
ORDER BY 1;
-- Every other function, with the roles granted EXECUTE on it (the admin role is a member of the
-- analyst role, the analyst role of the viewer role). Trigger functions need no grant; the few
-- internal functions that no role may call directly are listed with none.
SELECT f.function,
       coalesce((SELECT string_agg(x.grantee::regrole::text, ', ' ORDER BY x.grantee::regrole::text)
                   FROM pg_proc p, aclexplode(p.proacl) x
                  WHERE p.oid = f.oid AND x.privilege_type = 'EXECUTE' AND x.grantee <> p.proowner),
                CASE WHEN p.prorettype = 'trigger'::regtype THEN '(trigger)' ELSE '(none)' END) AS execute
FROM la_functions f JOIN pg_proc p ON p.oid = f.oid
WHERE NOT has_function_privilege('public', f.oid, 'EXECUTE')
ORDER BY 2, 1;
