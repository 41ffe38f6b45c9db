--
-- data quality, the registry (doc/quality.md, "Sources", "Checks and findings"): every kind of
-- source a check can read resolves to a subquery with the kind's standard fields, read back here
-- against the rows written by hand; quality_source and quality_check are validated on the way in,
-- with errors that name the field.
--
-- Check types are shipped rows only. This test inserts one of its own as the superuser (TEST-ONLY,
-- deleted at the end): a function that returns nothing, so that checks can be registered before
-- any shipped type exists.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
CREATE SCHEMA qr;
CREATE ROLE la_qr_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_qr_owner;   -- owns a warehouse table (not a superuser)

-- a warehouse event table with its own column names and types (bigint learner, uuid ids)
CREATE TABLE qr.clicks (who bigint, at timestamptz, crs text, act text, n integer, eid uuid, note text);
INSERT INTO qr.clicks VALUES
  (7, '2026-03-02 09:00+00', 'c1', 'quiz', 3, '00000000-0000-4000-8000-000000000001', 'x'),
  (8, '2026-03-02 23:30+00', NULL, 'page', NULL, NULL, 'y');
-- only the required fields, standard names
CREATE TABLE qr.minimal (learner text, ts timestamptz);
INSERT INTO qr.minimal VALUES ('m1', '2026-03-03 10:00+00');
-- performance rows: a boolean metric reads as 0/1
CREATE TABLE qr.perf (emp text, site text, measured timestamptz, ok boolean);
INSERT INTO qr.perf VALUES ('e1', 'lyon', '2026-03-04 08:00+00', true), ('e2', NULL, '2026-03-04 09:00+00', false);
-- enrolments behind a view with other column names and no business weight (reads as 1)
CREATE TABLE qr.roster (person text, class text, since timestamptz, until timestamptz);
INSERT INTO qr.roster VALUES ('r1', 'c1', '2026-03-01 00:00+00', NULL), ('r2', 'c1', '2026-03-01 00:00+00', '2026-03-05 00:00+00');
CREATE VIEW qr.roster_v AS SELECT person AS who, class, since, until FROM qr.roster;
-- submissions with a score
CREATE TABLE qr.subs (course text, assignment text, learner text, submitted_at timestamptz, score numeric);
INSERT INTO qr.subs VALUES ('c1', 'a1', 'r1', '2026-03-06 12:00+00', 140);

-- 1. quality_source rows of each kind: the subquery reads the standard fields, in order, with
-- the standard types; fields not mapped and absent read as NULL
INSERT INTO quality_source (name, kind, relation, columns, tz, description) VALUES
  ('qr_clicks', 'events', 'qr.clicks',
   '{"learner": "who", "ts": "at", "course": "crs", "activity": "act", "weight": "n", "event_id": "eid"}',
   'Europe/Paris', 'warehouse clicks'),
  ('qr_minimal', 'events', 'qr.minimal', '{}', 'UTC', NULL),
  ('qr_perf', 'performance', 'qr.perf', '{"learner": "emp", "ts": "measured", "metric": "ok"}', 'UTC', NULL),
  ('qr_roster', 'enrolment', 'qr.roster_v',
   '{"learner": "who", "course": "class", "enrolled_at": "since", "left_at": "until"}', 'UTC', NULL),
  ('qr_subs', 'assignment_submission', 'qr.subs', '{}', 'UTC', NULL);
SELECT s.name, r.kind, r.tz FROM quality_source s, learnalytics_internal.quality_source_sql(s.name) r
WHERE s.name LIKE 'qr\_%' ORDER BY s.name;
-- read each through its subquery: the columns (name:type) and the rows
CREATE FUNCTION qr.read(source text) RETURNS TABLE (cols text, row_json jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  q text := (learnalytics_internal.quality_source_sql(source)).sql;
BEGIN
  EXECUTE format('CREATE TEMP VIEW qr_read AS SELECT * FROM %s s', q);
  cols := (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
             FROM pg_attribute a WHERE a.attrelid = 'qr_read'::regclass AND a.attnum > 0);
  FOR row_json IN EXECUTE 'SELECT to_jsonb(v) FROM qr_read v ORDER BY 1' LOOP
    RETURN NEXT;
  END LOOP;
  DROP VIEW qr_read;
END
$$;
SELECT * FROM qr.read('qr_clicks');
SELECT * FROM qr.read('qr_minimal');
SELECT * FROM qr.read('qr_perf');
SELECT * FROM qr.read('qr_roster');
SELECT * FROM qr.read('qr_subs');

-- 2. built-in names. learning.<kind>: the built-in tables, or the relation learning_source maps
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('qr_l1', 'c9', '2026-03-01 00:00+00');
SELECT k.kind, r.kind AS resolved_kind, r.tz, r.sql ~ '^\(SELECT .*\)$' AS parenthesised
FROM unnest(ARRAY['enrolment', 'assignment', 'assignment_submission', 'quiz_attempt', 'module_progress']) k(kind),
     learnalytics_internal.quality_source_sql('learning.' || k.kind) r;
SELECT cols, row_json FROM qr.read('learning.enrolment') WHERE row_json ->> 'learner' LIKE 'qr\_%';
BEGIN;
INSERT INTO learning_source (kind, relation, columns) VALUES
  ('enrolment', 'qr.roster_v', '{"learner": "who", "course": "class", "enrolled_at": "since", "left_at": "until"}');
-- mapped: the view's rows (the built-in table's qr_l1 is not read)
SELECT * FROM qr.read('learning.enrolment');
ROLLBACK;
DELETE FROM enrolment WHERE learner = 'qr_l1';

-- performance.<name>: learner, site, time, metric of the registered source; a date column is a
-- UTC day (its day stays the day written), the metric numeric
CREATE TABLE qr.sales (rep text, shop text, on_day date, amount integer);
INSERT INTO qr.sales VALUES ('e1', 's1', '2026-03-05', 120), ('e2', NULL, '2026-03-06', 80);
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column)
VALUES ('qr_sales', 'qr.sales', 'rep', 'shop', 'on_day', 'amount');
SELECT * FROM qr.read('performance.qr_sales');
-- engagement.<name>: events of the engagement source (learner, ts, weight; days in its time zone)
INSERT INTO engagement_source (name, relation, learner_column, ts_column, weight_column, tz, session_gap)
VALUES ('qr_eng', 'qr.clicks', 'who', 'at', 'n', 'America/New_York', '30 minutes');
SELECT r.tz FROM learnalytics_internal.quality_source_sql('engagement.qr_eng') r;
SELECT * FROM qr.read('engagement.qr_eng');
-- rollup.<name>: events of the rollup's source (learner, course, activity, ts, weight)
INSERT INTO rollup (name, source, learner_column, ts_column, weight_column, course_column, activity_column, tz)
VALUES ('qr_roll', 'qr.clicks', 'who', 'at', NULL, 'crs', 'act', 'Asia/Tokyo');
SELECT r.tz FROM learnalytics_internal.quality_source_sql('rollup.qr_roll') r;
SELECT * FROM qr.read('rollup.qr_roll');
-- xapi: the pseudonymous statement store, voided statements and voiding statements left out;
-- course = the first grouping activity
BEGIN;
CREATE TEMP TABLE qr_before AS SELECT count(*) AS n FROM qr.read('xapi');
SELECT count(*) AS stored FROM xapi_ingest('[
  {"id": "00000000-0000-4000-8000-0000000000a1", "actor": {"mbox": "mailto:qr1@example.org"},
   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
   "object": {"id": "http://qr.example/act/1"}, "timestamp": "2026-03-07T10:00:00Z",
   "context": {"contextActivities": {"grouping": [{"id": "http://qr.example/course/c1"}, {"id": "http://qr.example/x"}]}}},
  {"id": "00000000-0000-4000-8000-0000000000a2", "actor": {"mbox": "mailto:qr2@example.org"},
   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
   "object": {"id": "http://qr.example/act/2"}, "timestamp": "2026-03-07T11:00:00Z"},
  {"id": "00000000-0000-4000-8000-0000000000a3", "actor": {"mbox": "mailto:qr2@example.org"},
   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
   "object": {"id": "http://qr.example/act/3"}, "timestamp": "2026-03-07T12:00:00Z"}]'::jsonb);
SELECT count(*) AS stored FROM xapi_ingest('{"actor": {"mbox": "mailto:qr-admin@example.org"},
  "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
  "object": {"objectType": "StatementRef", "id": "00000000-0000-4000-8000-0000000000a3"},
  "timestamp": "2026-03-07T13:00:00Z"}'::jsonb);
-- two events: a1 (course c1) and a2 (no grouping: course NULL); a3 is voided, its voiding is no event
SELECT r.event_id, r.learner = xapi_pseudonym(jsonb_build_object('mbox', 'mailto:' || m.mbox)) AS learner_is_pseudonym,
       r.ts, r.course, r.activity, r.weight
FROM (SELECT (row_json ->> 'event_id') AS event_id, row_json ->> 'learner' AS learner,
             (row_json ->> 'ts')::timestamptz AS ts, row_json ->> 'course' AS course,
             row_json ->> 'activity' AS activity, row_json ->> 'weight' AS weight
        FROM qr.read('xapi')) r
JOIN (VALUES ('00000000-0000-4000-8000-0000000000a1', 'qr1@example.org'),
             ('00000000-0000-4000-8000-0000000000a2', 'qr2@example.org'),
             ('00000000-0000-4000-8000-0000000000a3', 'qr2@example.org')) m(id, mbox) ON m.id = r.event_id
ORDER BY r.event_id;
-- 4 statements stored, 2 more events read
SELECT count(*) - (SELECT n FROM qr_before) AS more_events FROM qr.read('xapi');
ROLLBACK;

-- 3. unknown names: 42704 with a hint, whatever the prefix. Errors below are shown as
-- "SQLSTATE message | hint" (qr.try runs a statement in a subtransaction).
CREATE FUNCTION qr.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; hint text;
BEGIN
  EXECUTE cmd;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ' ' || msg || CASE WHEN hint <> '' THEN ' | ' || hint ELSE '' END;
END
$$;
SELECT s AS source, qr.try(format('SELECT learnalytics_internal.quality_source_sql(%L)', s)) AS result
FROM unnest(ARRAY['qr_nope', 'learning.nope', 'performance.nope', 'engagement.nope', 'rollup.nope', 'qr.clicks',
                  'xapi.x', NULL]) WITH ORDINALITY u(s, o) ORDER BY o;

-- 4. quality_source validation: every error names the source and the field
CREATE TABLE qr.naive (learner text, ts timestamp, w numeric, m text);
CREATE SEQUENCE qr.seq;
SELECT what, qr.try(format('INSERT INTO quality_source (name, kind, relation, columns, tz) VALUES (%L, %L, %L, %L, %L)',
                           name, kind, rel, cols, tz)) AS result
FROM (VALUES
  (1, 'unknown field', 'qr_bad', 'events', 'qr.clicks', '{"learner": "who", "ts": "at", "user": "who"}', 'UTC'),
  (2, 'not a column name', 'qr_bad', 'events', 'qr.clicks', '{"learner": "who", "ts": 3}', 'UTC'),
  (3, 'columns not an object', 'qr_bad', 'events', 'qr.clicks', '["who"]', 'UTC'),
  (4, 'required field, no column', 'qr_bad', 'events', 'qr.clicks', '{"learner": "who"}', 'UTC'),
  (5, 'mapped optional field, no column', 'qr_bad', 'events', 'qr.minimal', '{"course": "crs"}', 'UTC'),
  (6, 'text time', 'qr_bad', 'events', 'qr.clicks', '{"learner": "who", "ts": "note"}', 'UTC'),
  (7, 'time without zone', 'qr_bad', 'events', 'qr.naive', '{}', 'UTC'),
  (8, 'numeric weight', 'qr_bad', 'events', 'qr.clicks', '{"learner": "who", "ts": "at", "weight": "note"}', 'UTC'),
  (9, 'text metric', 'qr_bad', 'performance', 'qr.perf', '{"learner": "emp", "ts": "measured", "metric": "site"}', 'UTC'),
  (10, 'text score', 'qr_bad', 'assignment_submission', 'qr.subs', '{"score": "learner"}', 'UTC'),
  (11, 'a sequence', 'qr_bad', 'events', 'qr.seq', '{}', 'UTC'),
  (12, 'no such relation', 'qr_bad', 'events', 'qr.nothing', '{}', 'UTC'),
  (13, 'the name xapi', 'xapi', 'events', 'qr.minimal', '{}', 'UTC'),
  (14, 'a name with a dot', 'learning.enrolment', 'enrolment', 'qr.roster_v', '{}', 'UTC'),
  (15, 'unknown kind', 'qr_bad', 'clicks', 'qr.minimal', '{}', 'UTC'),
  (16, 'unknown time zone', 'qr_bad', 'events', 'qr.minimal', '{}', 'Mars/Olympus')
) v(o, what, name, kind, rel, cols, tz) ORDER BY o;
-- an update is validated too
SELECT qr.try($$UPDATE quality_source SET columns = columns || '{"ts": "note"}' WHERE name = 'qr_clicks'$$) AS result;
-- the registering role must hold SELECT on the relation (42501), and then it may
GRANT USAGE ON SCHEMA qr TO la_qr_admin;
GRANT EXECUTE ON FUNCTION qr.try(text), qr.read(text) TO la_qr_admin;
SET ROLE la_qr_admin;
SELECT qr.try($$INSERT INTO quality_source (name, kind, relation) VALUES ('qr_adm', 'events', 'qr.minimal')$$) AS result;
RESET ROLE;
GRANT SELECT ON qr.minimal TO la_qr_admin;
SET ROLE la_qr_admin;
INSERT INTO quality_source (name, kind, relation) VALUES ('qr_adm', 'events', 'qr.minimal') RETURNING name, kind, tz;
SELECT * FROM qr.read('qr_adm');
RESET ROLE;
-- a superuser is refused a relation a non-superuser owns (it would run what that owner wrote);
-- the admin, who runs the checks, reads it
CREATE TABLE qr.owned (learner text, ts timestamptz);
INSERT INTO qr.owned VALUES ('o1', '2026-03-08 00:00+00');
ALTER TABLE qr.owned OWNER TO la_qr_owner;
GRANT SELECT ON qr.owned TO la_qr_admin;
INSERT INTO quality_source (name, kind, relation) VALUES ('qr_owned', 'events', 'qr.owned');
SELECT qr.try($$SELECT learnalytics_internal.quality_source_sql('qr_owned')$$) AS result;
SET ROLE la_qr_admin;
SELECT row_json FROM qr.read('qr_owned');
RESET ROLE;

-- 5. quality_check validation. TEST-ONLY type: reads events and performance, two parameters.
CREATE FUNCTION qr.nothing(c quality_check, as_of timestamptz, OUT course text, OUT day date, OUT learner text,
    OUT subject text, OUT observed numeric, OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record LANGUAGE sql STABLE AS $$ SELECT NULL::text, NULL::date, NULL::text, NULL::text,
  NULL::numeric, NULL::numeric, NULL::bigint, NULL::jsonb WHERE false $$;
INSERT INTO quality_check_type (name, function, kinds, parameters, description) VALUES
  ('qr_type', 'qr.nothing(quality_check, timestamptz)', '{events,performance}', '{"threshold": 1, "columns": []}',
   'test-only type');
-- sources of every kind the type reads, built-in names too
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('qr_ok1', 'qr_type', 'qr_clicks', '{"threshold": 3, "sample_size": 2}', 'high'),
  ('qr_ok2', 'qr_type', 'xapi', '{}', 'low'),
  ('qr_ok3', 'qr_type', 'performance.qr_sales', '{"columns": ["amount"]}', 'medium'),
  ('qr_ok4', 'qr_type', 'engagement.qr_eng', '{}', 'medium'),
  ('qr_ok5', 'qr_type', 'rollup.qr_roll', '{"sample_size": 0}', 'medium'),
  ('qr_ok6', 'qr_type', 'qr_perf', '{"sample_size": 1000}', 'low');
SELECT name, check_type, source, parameters, severity, enabled, builtin FROM quality_check
WHERE name LIKE 'qr\_%' ORDER BY name;
-- (the hint of an unknown type lists the installed types: qr_type among them here)
SELECT what, regexp_replace(qr.try(format('INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES (%L, %L, %L, %L, %L)',
                                          name, typ, src, params, sev)),
                            '\| Types: .*qr_type.*$', '| Types: ..., qr_type, ...') AS result
FROM (VALUES
  (1, 'unknown type', 'qr_c', 'qr_nope', 'qr_clicks', '{}', 'low'),
  (2, 'unknown source', 'qr_c', 'qr_type', 'qr_nope', '{}', 'low'),
  (3, 'a kind the type does not read', 'qr_c', 'qr_type', 'learning.enrolment', '{}', 'low'),
  (4, 'unknown parameter', 'qr_c', 'qr_type', 'qr_clicks', '{"treshold": 3}', 'low'),
  (5, 'parameters not an object', 'qr_c', 'qr_type', 'qr_clicks', '[]', 'low'),
  (6, 'sample_size a string', 'qr_c', 'qr_type', 'qr_clicks', '{"sample_size": "5"}', 'low'),
  (7, 'sample_size negative', 'qr_c', 'qr_type', 'qr_clicks', '{"sample_size": -1}', 'low'),
  (8, 'sample_size a fraction', 'qr_c', 'qr_type', 'qr_clicks', '{"sample_size": 2.5}', 'low'),
  (9, 'sample_size too large', 'qr_c', 'qr_type', 'qr_clicks', '{"sample_size": 1001}', 'low'),
  (10, 'unknown severity', 'qr_c', 'qr_type', 'qr_clicks', '{}', 'urgent'),
  (11, 'name not an identifier', 'Qr-C', 'qr_type', 'qr_clicks', '{}', 'low'),
  (12, 'a taken name', 'qr_ok1', 'qr_type', 'qr_clicks', '{}', 'low')
) v(o, what, name, typ, src, params, sev) ORDER BY o;
-- updates are validated
SELECT qr.try($$UPDATE quality_check SET source = 'learning.enrolment' WHERE name = 'qr_ok1'$$) AS result
UNION ALL SELECT qr.try($$UPDATE quality_check SET parameters = '{"nope": 1}' WHERE name = 'qr_ok1'$$);
-- a source that was deleted: the check stays (a run logs the error), a new one is refused
DELETE FROM quality_source WHERE name = 'qr_minimal';
SELECT qr.try($$INSERT INTO quality_check (name, check_type, source) VALUES ('qr_e', 'qr_type', 'qr_minimal')$$) AS result;
-- a check whose source is gone can still be disabled (the source is resolved again only when the
-- source or the type changes)
DELETE FROM quality_source WHERE name = 'qr_perf';
UPDATE quality_check SET enabled = false, severity = 'high' WHERE name = 'qr_ok6' RETURNING name, enabled, severity;
SELECT qr.try($$UPDATE quality_check SET source = 'qr_perf' || '' WHERE name = 'qr_ok1'$$) AS result;
-- only a superuser sets builtin (42501 for an admin); the admin writes checks
GRANT SELECT ON qr.clicks TO la_qr_admin;
SET ROLE la_qr_admin;
SELECT qr.try($$INSERT INTO quality_check (name, check_type, source, builtin) VALUES ('qr_f', 'qr_type', 'qr_clicks', true)$$) AS result;
INSERT INTO quality_check (name, check_type, source) VALUES ('qr_f', 'qr_type', 'qr_clicks') RETURNING name, builtin;
SELECT qr.try($$UPDATE quality_check SET builtin = true WHERE name = 'qr_f'$$) AS result;
-- nobody but the extension writes check types
SELECT qr.try($$INSERT INTO quality_check_type (name, function, kinds, description) VALUES
  ('qr_type2', 'qr.nothing(quality_check, timestamptz)', '{events}', 'x')$$) AS result;
RESET ROLE;
-- a restore (pg_dump's scripts turn check_function_bodies off) does not resolve the source: an
-- engagement source is not dumped, and a performance source may come back after the checks; the
-- type and the parameters are still checked
SET check_function_bodies = off;
SELECT qr.try($$INSERT INTO quality_check (name, check_type, source) VALUES ('qr_g', 'qr_type', 'engagement.not_yet')$$) AS result
UNION ALL SELECT qr.try($$INSERT INTO quality_check (name, check_type, source, parameters) VALUES ('qr_h', 'qr_type', 'x', '{"nope": 1}')$$);
RESET check_function_bodies;

-- 6. the configuration is dumped (the built-in checks are made by CREATE EXTENSION)
SELECT c.relname, x.cond
FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(oid, cond)
JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'learnalytics' AND c.relname LIKE 'quality%' ORDER BY 1;

-- clean up
DELETE FROM quality_check WHERE name LIKE 'qr\_%';
DELETE FROM quality_check_type WHERE name = 'qr_type';
DELETE FROM quality_source WHERE name LIKE 'qr\_%';
DELETE FROM performance_source WHERE name = 'qr_sales';
DELETE FROM engagement_source WHERE name = 'qr_eng';
DELETE FROM rollup WHERE name = 'qr_roll';
DROP SCHEMA qr CASCADE;
DROP OWNED BY la_qr_admin, la_qr_owner;
DROP ROLE la_qr_admin, la_qr_owner;
