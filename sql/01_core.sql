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

-- The public surface (doc/DEVELOPER.md, "Naming"): the extension's schema holds exactly what the
-- documentation documents, named by one scheme; everything else is in learnalytics_internal.
-- The documentation, read once (pg_regress runs psql in the source directory), split into one row
-- per file and section (a section starts at a "## " heading).
\set docs `for f in README.md doc/*.md; do printf '\n@@file %s\n' "$f"; cat "$f"; done`
CREATE TEMP TABLE la_doc AS
SELECT f.file, coalesce(substring(s.text FROM '^## ([^\n]*)'), '') AS section, s.text
FROM (SELECT split_part(p, E'\n', 1) AS file, substr(p, strpos(p, E'\n') + 1) AS text
      FROM regexp_split_to_table(:'docs', E'\n@@file ') AS p WHERE p <> '') f,
     regexp_split_to_table(f.text, E'\n(?=## )') AS s(text);
SELECT count(DISTINCT file) >= 10 AS docs_read, bool_or(file = 'README.md') AS readme_read FROM la_doc;
-- The user documentation: README.md and doc/*.md but the developer guide, and without the one list
-- that names internal objects on purpose (schema-qualified): the audit of the SECURITY DEFINER
-- functions and the triggers in doc/roles.md, "Elevated rights" (checked by sql/74_elevated_rights).
CREATE TEMP VIEW la_api_doc AS
SELECT file, section, text FROM la_doc
WHERE file <> 'doc/DEVELOPER.md' AND (file, section) <> ('doc/roles.md', 'Elevated rights');
SELECT count(*) AS audit_sections, bool_and(text ~ 'learnalytics_internal\.') AS audit_names_internals
FROM la_doc WHERE (file, section) = ('doc/roles.md', 'Elevated rights');
-- every member of the extension: schema (public = the extension's), name, kind, COMMENT; for a
-- function its volatility, language and whether a type or an aggregate uses it as support function
CREATE TEMP VIEW la_members AS
WITH ext AS (SELECT oid, extnamespace FROM pg_extension WHERE extname = 'learnalytics')
SELECT 'pg_proc'::regclass AS catalog, p.oid, p.pronamespace = ext.extnamespace AS public, p.proname AS name,
       CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure'
                      WHEN 'w' THEN 'window function' ELSE 'function' END AS kind,
       p.oid::regprocedure::text AS object, obj_description(p.oid, 'pg_proc') AS comment,
       p.provolatile, l.lanname,
       EXISTS (SELECT 1 FROM pg_aggregate a
                WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
                                a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn))
       OR EXISTS (SELECT 1 FROM pg_type t
                   WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend)) AS support
FROM ext JOIN pg_depend d ON d.refobjid = ext.oid AND d.deptype = 'e' AND d.classid = 'pg_proc'::regclass
JOIN pg_proc p ON p.oid = d.objid JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 'pg_class'::regclass, c.oid, c.relnamespace = ext.extnamespace, c.relname,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE 'relation' END,
       c.oid::regclass::text, obj_description(c.oid, 'pg_class'), NULL, NULL, false
FROM ext JOIN pg_depend d ON d.refobjid = ext.oid AND d.deptype = 'e' AND d.classid = 'pg_class'::regclass
JOIN pg_class c ON c.oid = d.objid
UNION ALL
SELECT 'pg_type'::regclass, t.oid, t.typnamespace = ext.extnamespace, t.typname, 'type', t.oid::regtype::text,
       obj_description(t.oid, 'pg_type'), NULL, NULL, false
FROM ext JOIN pg_depend d ON d.refobjid = ext.oid AND d.deptype = 'e' AND d.classid = 'pg_type'::regclass
JOIN pg_type t ON t.oid = d.objid;
SELECT count(*) > 0 AS members_public, count(*) FILTER (WHERE NOT public) > 0 AS members_internal
FROM la_members;
-- a name is documented when it opens a code span (`name`, `name(...)`, `name ...`) or a line of a
-- code block (`name(...)`: a signature) in the user documentation
CREATE TEMP VIEW la_doc_entry AS
SELECT m.name, d.file FROM (SELECT DISTINCT name FROM la_members) m, la_api_doc d
WHERE d.text ~ ('(?n)`' || m.name || '[`( ]|^' || m.name || '\(');

-- Each query lists its offenders: none.
-- 1. every public function, aggregate, procedure, table, view and type has a COMMENT and a doc
--    entry (sequences are the identity columns')
CREATE TEMP VIEW la_check_documented AS
SELECT kind, object, comment IS NOT NULL AS has_comment,
       EXISTS (SELECT 1 FROM la_doc_entry e WHERE e.name = m.name) AS documented
FROM la_members m WHERE public AND kind <> 'sequence'
  AND (comment IS NULL OR NOT EXISTS (SELECT 1 FROM la_doc_entry e WHERE e.name = m.name));
SELECT * FROM la_check_documented ORDER BY 1, 2;
-- 2. every internal object has a COMMENT (its documentation), and the user documentation presents
--    none: it never writes `learnalytics_internal.`, and no internal name is a doc entry (unless a
--    public object has the same name)
CREATE TEMP VIEW la_check_internal_comment AS
SELECT kind, object FROM la_members WHERE NOT public AND comment IS NULL;
SELECT * FROM la_check_internal_comment ORDER BY 1, 2;
CREATE TEMP VIEW la_check_internal_undocumented AS
SELECT file, section, (regexp_match(text, 'learnalytics_internal\.[a-z0-9_]*'))[1] AS names
FROM la_api_doc WHERE text ~ 'learnalytics_internal\.'
UNION ALL
SELECT DISTINCT e.file, '(a doc entry)', e.name FROM la_doc_entry e
WHERE e.name IN (SELECT name FROM la_members WHERE NOT public)
  AND e.name NOT IN (SELECT name FROM la_members WHERE public);
SELECT * FROM la_check_internal_undocumented ORDER BY 1, 2, 3;
-- 3. la_ marks the aggregates (public, la_<metric>_agg) and the C support functions of the types
--    and aggregates (internal), and nothing else
CREATE TEMP VIEW la_check_prefix AS
SELECT kind, object FROM la_members
WHERE (name LIKE 'la\_%' AND NOT (kind = 'aggregate' AND public)
                         AND NOT (kind = 'function' AND NOT public AND lanname = 'c' AND support))
   OR (kind = 'aggregate' AND NOT (public AND name LIKE 'la\_%\_agg'));
SELECT * FROM la_check_prefix ORDER BY 1, 2;
-- 4. public functions and procedures that act (VOLATILE) are named <feature>_<verb>
CREATE TEMP VIEW la_check_verbs AS
SELECT kind, object FROM la_members
WHERE public AND kind IN ('function', 'procedure') AND provolatile = 'v'
  AND name !~ '^(xapi|engagement|rule|contact|coach|outbox|job|rollup|retention|experiment|performance|oulad|risk|prediction|alert|learner|quality)_';
SELECT * FROM la_check_verbs ORDER BY 1, 2;
-- 5. one merge aggregate per summary type: for each base type t of the extension exactly one
--    la_merge_agg(t) -> t, and no la_merge_agg of anything else
CREATE TEMP VIEW la_check_merge AS
SELECT t.oid::regtype::text AS summary_type, count(p.oid) AS merge_aggregates, NULL AS other
FROM pg_extension e
JOIN pg_depend d ON d.refobjid = e.oid AND d.deptype = 'e' AND d.classid = 'pg_type'::regclass
JOIN pg_type t ON t.oid = d.objid AND t.typtype = 'b'
LEFT JOIN pg_proc p ON p.proname = 'la_merge_agg' AND p.prokind = 'a' AND p.pronamespace = e.extnamespace
                   AND p.proargtypes = ARRAY[t.oid]::oidvector AND p.prorettype = t.oid
WHERE e.extname = 'learnalytics'
GROUP BY t.oid HAVING count(p.oid) <> 1
UNION ALL
SELECT NULL, NULL, m.object FROM la_members m JOIN pg_proc p ON m.catalog = 'pg_proc'::regclass AND p.oid = m.oid
WHERE m.name = 'la_merge_agg'
  AND NOT (m.kind = 'aggregate' AND m.public AND p.pronargs = 1 AND p.proargtypes[0] = p.prorettype
           AND EXISTS (SELECT 1 FROM la_members s WHERE s.catalog = 'pg_type'::regclass AND s.public
                          AND s.oid = p.prorettype
                          AND (SELECT typtype FROM pg_type WHERE oid = p.prorettype) = 'b'));
SELECT * FROM la_check_merge ORDER BY 1, 3;
-- 6. the internal schema: USAGE for the three learnalytics roles (and its owner), never PUBLIC
CREATE TEMP VIEW la_check_internal_schema AS
SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee,
       a.privilege_type
FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
WHERE n.nspname = 'learnalytics_internal' AND a.grantee <> n.nspowner
  AND (a.grantee = 0 OR a.privilege_type <> 'USAGE'
       OR a.grantee::regrole::text NOT IN ('learnalytics_admin', 'learnalytics_analyst', 'learnalytics_viewer'));
SELECT * FROM la_check_internal_schema ORDER BY 1, 2;
SELECT r.rolname, has_schema_privilege(r.oid, 'learnalytics_internal', 'USAGE') AS usage
FROM pg_roles r WHERE r.rolname LIKE 'learnalytics\_%' ORDER BY 1;
-- 7. a public function PUBLIC may execute never names the internal schema in a body parsed at run
--    time (PUBLIC could not resolve it; an SQL-standard body is bound when it is created)
CREATE TEMP VIEW la_check_public_bodies AS
SELECT m.object FROM la_members m JOIN pg_proc p ON m.catalog = 'pg_proc'::regclass AND p.oid = m.oid
WHERE m.public AND p.prosqlbody IS NULL AND p.prosrc ~ 'learnalytics_internal'
  AND has_function_privilege('public', p.oid, 'EXECUTE');
SELECT * FROM la_check_public_bodies ORDER BY 1;

-- Each check can fail: one violation of each rule, planted in a transaction that is rolled back,
-- is reported by its query (and only by it).
BEGIN;
SET LOCAL client_min_messages = warning;
-- 1. a table loses its COMMENT; a commented public function has no doc entry
COMMENT ON TABLE learnalytics.coach IS NULL;
CREATE FUNCTION learnalytics.xapi_t_undocumented() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
COMMENT ON FUNCTION learnalytics.xapi_t_undocumented() IS 'planted';
ALTER EXTENSION learnalytics ADD FUNCTION learnalytics.xapi_t_undocumented();
-- 2. an internal function loses its COMMENT; a page presents internals (qualified, and by name)
COMMENT ON FUNCTION learnalytics_internal.severity_factor(text) IS NULL;
INSERT INTO la_doc VALUES ('doc/alerts.md', 'Planted', 'see `learnalytics_internal.rule_candidates(r, d)`'),
                          ('doc/alerts.md', 'Planted', E'```\nladder_advance(rule, day)\n```');
-- 3. a public function and an internal SQL function with the la_ prefix, an aggregate without it
CREATE FUNCTION learnalytics.la_t_helper() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
CREATE FUNCTION learnalytics_internal.la_t_helper() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
CREATE AGGREGATE learnalytics.t_sum(int8) (SFUNC = int8pl, STYPE = int8);
-- 4. an acting function named verb first
CREATE FUNCTION learnalytics.refresh_t_probe() RETURNS void LANGUAGE sql VOLATILE RETURN NULL;
-- 5. a summary type without a merge aggregate, and a merge aggregate of a type that is not the
--    extension's
CREATE TYPE learnalytics.t_summary;
CREATE FUNCTION learnalytics.t_summary_in(cstring) RETURNS learnalytics.t_summary
  LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION learnalytics.t_summary_out(learnalytics.t_summary) RETURNS cstring
  LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE TYPE learnalytics.t_summary (INPUT = learnalytics.t_summary_in,
                                    OUTPUT = learnalytics.t_summary_out, LIKE = int4);
CREATE AGGREGATE learnalytics.la_merge_agg(int8) (SFUNC = int8pl, STYPE = int8);
COMMENT ON AGGREGATE learnalytics.la_merge_agg(int8) IS 'planted';
-- 6. the internal schema granted to PUBLIC
GRANT USAGE ON SCHEMA learnalytics_internal TO PUBLIC;
-- 7. a function PUBLIC may execute calls an internal helper from a PL/pgSQL body
CREATE FUNCTION learnalytics.xapi_t_public() RETURNS int LANGUAGE plpgsql IMMUTABLE
  AS $$BEGIN RETURN learnalytics_internal.severity_factor('low'); END$$;
ALTER EXTENSION learnalytics ADD FUNCTION learnalytics.la_t_helper();
ALTER EXTENSION learnalytics ADD FUNCTION learnalytics_internal.la_t_helper();
ALTER EXTENSION learnalytics ADD AGGREGATE learnalytics.t_sum(int8);
ALTER EXTENSION learnalytics ADD FUNCTION learnalytics.refresh_t_probe();
ALTER EXTENSION learnalytics ADD TYPE learnalytics.t_summary;
ALTER EXTENSION learnalytics ADD AGGREGATE learnalytics.la_merge_agg(int8);
ALTER EXTENSION learnalytics ADD FUNCTION learnalytics.xapi_t_public();
-- document the planted public objects, so that each shows only under the rule it breaks
INSERT INTO la_doc VALUES ('doc/t.md', 'Planted',
  '`la_t_helper()`, `t_sum(x)`, `refresh_t_probe()`, `t_summary`, `xapi_t_public()`');
COMMENT ON FUNCTION learnalytics.la_t_helper() IS 'planted';
COMMENT ON FUNCTION learnalytics_internal.la_t_helper() IS 'planted';
COMMENT ON AGGREGATE learnalytics.t_sum(int8) IS 'planted';
COMMENT ON FUNCTION learnalytics.refresh_t_probe() IS 'planted';
COMMENT ON TYPE learnalytics.t_summary IS 'planted';
COMMENT ON FUNCTION learnalytics.xapi_t_public() IS 'planted';
SELECT * FROM la_check_documented ORDER BY 1, 2;
SELECT * FROM la_check_internal_comment ORDER BY 1, 2;
SELECT * FROM la_check_internal_undocumented ORDER BY 1, 2, 3;
SELECT * FROM la_check_prefix ORDER BY 1, 2;
SELECT * FROM la_check_verbs ORDER BY 1, 2;
SELECT * FROM la_check_merge ORDER BY 1, 3;
SELECT * FROM la_check_internal_schema ORDER BY 1, 2;
SELECT * FROM la_check_public_bodies ORDER BY 1;
ROLLBACK;
