--
-- The shared helpers of src/sql/helpers.sql (doc/DEVELOPER.md, "Shared helpers"): every error path,
-- with its SQLSTATE, message and hint, called as a login role in learnalytics_admin that is not a
-- superuser (the registrant privilege check is about that role's own rights). Then the extension
-- installed in a schema whose name needs quoting: the commands built from the schema's name
-- (@extschema@ is substituted already quoted) must not quote it twice.
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET client_min_messages = warning;

CREATE ROLE la_t_hlp_admin LOGIN IN ROLE learnalytics_admin;
CREATE SCHEMA la_t_hlp;
GRANT USAGE ON SCHEMA la_t_hlp TO la_t_hlp_admin;
CREATE TABLE la_t_hlp.ev (learner text, ts timestamptz, local_ts timestamp, day date, n smallint, w bigint,
                          score numeric, ratio float8, passed boolean, note text, gone int);
ALTER TABLE la_t_hlp.ev DROP COLUMN gone;
CREATE VIEW la_t_hlp.ev_v AS SELECT * FROM la_t_hlp.ev;
CREATE SEQUENCE la_t_hlp.seq;
CREATE TABLE la_t_hlp.secret (learner text, at timestamptz);
CREATE TABLE la_t_hlp.gone (x int);
SELECT 'la_t_hlp.gone'::regclass::oid AS gone_oid \gset
DROP TABLE la_t_hlp.gone;
-- range partitions: bounded, MAXVALUE, DEFAULT; a list partition; a two-column range partition
CREATE TABLE la_t_hlp.part (at timestamptz, v int) PARTITION BY RANGE (at);
CREATE TABLE la_t_hlp.part_jan PARTITION OF la_t_hlp.part FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE la_t_hlp.part_rest PARTITION OF la_t_hlp.part FOR VALUES FROM ('2026-02-01') TO (MAXVALUE);
CREATE TABLE la_t_hlp.part_def PARTITION OF la_t_hlp.part DEFAULT;
CREATE TABLE la_t_hlp.lst (k text) PARTITION BY LIST (k);
CREATE TABLE la_t_hlp.lst_a PARTITION OF la_t_hlp.lst FOR VALUES IN ('a');
CREATE TABLE la_t_hlp.two (a date, b date) PARTITION BY RANGE (a, b);
CREATE TABLE la_t_hlp.two_1 PARTITION OF la_t_hlp.two FOR VALUES FROM ('2026-01-01', '2026-01-01') TO ('2026-02-01', '2026-02-01');
GRANT SELECT ON la_t_hlp.ev, la_t_hlp.ev_v, la_t_hlp.part TO la_t_hlp_admin;

-- what a statement raises: 'ok' or SQLSTATE, message and hint (detail when asked)
CREATE FUNCTION pg_temp.err(q text, with_detail boolean DEFAULT false)
RETURNS TABLE (sqlstate text, message text, hint text) LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; h text; d text;
BEGIN
  EXECUTE q;
  RETURN QUERY SELECT 'ok'::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, h = PG_EXCEPTION_HINT, d = PG_EXCEPTION_DETAIL;
  RETURN QUERY SELECT st, msg || CASE WHEN with_detail THEN ' [' || d || ']' ELSE '' END, h;
END
$$;

SET ROLE la_t_hlp_admin;
SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser;

-- extension_schema(): the schema's name, unquoted (callers quote it with %I)
SELECT learnalytics_internal.extension_schema();

-- column_type(): the type, or NULL for a missing, dropped or system column
SELECT c, learnalytics_internal.column_type('la_t_hlp.ev', c) AS type
FROM unnest(ARRAY['learner', 'ts', 'score', 'nope', 'gone', '........pg.dropped.11........', 'ctid']::name[]) c;

-- require_column(): each class, accepted and refused
SELECT cls, col, learnalytics_internal.require_column('la_t_hlp.ev', col, cls) AS type
FROM (VALUES (NULL, 'note'), ('timestamptz', 'ts'), ('time', 'ts'), ('time', 'local_ts'), ('time', 'day'),
             ('integer', 'n'), ('integer', 'w'), ('numeric', 'score'), ('numeric', 'ratio'), ('metric', 'w'),
             ('metric', 'passed')) v (cls, col);
SELECT cls, col, e.* FROM (VALUES ('timestamptz', 'local_ts'), ('time', 'note'), ('integer', 'score'),
                                  ('numeric', 'passed'), ('metric', 'note'), (NULL, 'nope'), (NULL, 'gone')) v (cls, col),
  LATERAL pg_temp.err(format('SELECT learnalytics_internal.require_column(%L, %L, %L, %L)',
                             'la_t_hlp.ev', col, cls, 'f field "x"')) e;
-- no context: no prefix; a hint given replaces the default; a NULL column is an optional one not given
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_column('la_t_hlp.ev', 'day', 'timestamptz')$$);
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_column('la_t_hlp.ev', 'nope', NULL, NULL, 'Rename it.')$$);
SELECT learnalytics_internal.require_column('la_t_hlp.ev', NULL, 'timestamptz', 'f field "x"') IS NULL AS nothing_to_check;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_column(NULL, 'ts', 'timestamptz', 'f field "x"')$$);
-- (the relation is checked first: a sequence has columns, but nothing reads events from one)
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_column('la_t_hlp.seq', 'last_value', 'integer', 'f field "x"')$$);
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_column('la_t_hlp.ev', 'ts', 'date')$$);

-- require_relation(): the relkind, or wrong_object_type naming what the relation is
SELECT rel, kinds, learnalytics_internal.require_relation(rel::regclass, kinds) AS relkind
FROM (VALUES ('la_t_hlp.ev', 'table'), ('la_t_hlp.part', 'table'), ('la_t_hlp.ev', 'readable'),
             ('la_t_hlp.ev_v', 'readable')) v (rel, kinds);
SELECT rel, kinds, e.* FROM (VALUES ('la_t_hlp.ev_v', 'table'), ('la_t_hlp.seq', 'readable'), ('la_t_hlp.seq', 'table')) v (rel, kinds),
  LATERAL pg_temp.err(format('SELECT learnalytics_internal.require_relation(%L, %L, %L)', rel, kinds, 'f field "rel"'), true) e;
-- (a dropped table's OID: it varies from run to run)
SELECT e.sqlstate, e.message ~ '^relation with OID [0-9]+ does not exist$' AS names_the_oid, e.hint
FROM pg_temp.err(format('SELECT learnalytics_internal.require_relation(%s::oid::regclass, %L)', :gone_oid, 'table')) e;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_relation(NULL, 'table', 'f field "rel"')$$);
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_relation('la_t_hlp.ev', 'writable')$$);

-- require_registrant_privilege(): every privilege listed, held by the current role itself
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.ev', 'SELECT', 'registry "x"')$$);
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.secret', 'SELECT', 'registry "x"')$$, true);
-- SELECT held, DELETE not: 'SELECT, DELETE' asks for both (has_table_privilege's list asks for any)
SELECT has_table_privilege('la_t_hlp.ev', 'SELECT, DELETE') AS any_of_the_list;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.ev', 'select , delete', 'registry "x"')$$, true);
SELECT e.sqlstate, e.message ~ '^registry "x": relation with OID [0-9]+ does not exist$' AS names_the_oid, e.hint
FROM pg_temp.err(format('SELECT learnalytics_internal.require_registrant_privilege(%s::oid::regclass, %L, %L)',
                        :gone_oid, 'SELECT', 'registry "x"')) e;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.ev', 'SELECT, USAGE', 'registry "x"')$$);
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.ev', '', 'registry "x"')$$);
RESET ROLE;
GRANT DELETE ON la_t_hlp.ev TO la_t_hlp_admin;
SET ROLE la_t_hlp_admin;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.require_registrant_privilege('la_t_hlp.ev', 'SELECT, DELETE', 'registry "x"')$$);

-- check_retention_period(): positive and finite (the CHECK of retention_policy.keep); zero is refused
SELECT keep, e.* FROM (VALUES ('1 day'::interval), ('1 mon -20 days'), ('0'), ('-1 day'), ('1 mon -40 days'), (NULL)) v (keep),
  LATERAL pg_temp.err(format('SELECT learnalytics_internal.check_retention_period(%L, %L)', keep, 'f field "keep"')) e;
SELECT * FROM pg_temp.err($$SELECT learnalytics_internal.check_retention_period('0')$$);
-- the same rule as the table's CHECK, on both sides of zero
SELECT keep, keep > interval '0' AS table_check_accepts,
       (SELECT e.sqlstate = 'ok' FROM pg_temp.err(format('SELECT learnalytics_internal.check_retention_period(%L)', keep)) e) AS helper_accepts
FROM (VALUES ('1 microsecond'::interval), ('0'), ('-1 microsecond'), ('1 mon -30 days'), ('1 mon -29 days')) v (keep);

-- partition_upper_bound(): the upper bound of a single-column range partition; NULL otherwise
SELECT p, learnalytics_internal.partition_upper_bound(p::regclass) AS upper_bound
FROM unnest(ARRAY['la_t_hlp.part_jan', 'la_t_hlp.part_rest', 'la_t_hlp.part_def', 'la_t_hlp.part', 'la_t_hlp.ev',
                  'la_t_hlp.lst_a', 'la_t_hlp.two_1']) p;
SELECT learnalytics_internal.partition_upper_bound('la_t_hlp.part_jan')::timestamptz = '2026-02-01 00:00+00' AS reads_back;

-- progress_notice(): nothing below 100,000 items and within 2 seconds (started is in the future here)
SET client_min_messages = notice;
SELECT learnalytics_internal.progress_notice('replay of x', 'days replayed', 30, clock_timestamp() + interval '1 hour',
                                             'of 90 days');
SET client_min_messages = warning;
RESET ROLE;

-- the registries call the helpers: one message shape for each check
SET ROLE la_t_hlp_admin;
SELECT * FROM pg_temp.err($$INSERT INTO learning_source (kind, relation) VALUES ('quiz_attempt', 'la_t_hlp.seq')$$, true);
SELECT * FROM pg_temp.err($$INSERT INTO learning_source (kind, relation, columns) VALUES ('module_progress', 'la_t_hlp.ev', '{"course": "note", "module": "note", "started_at": "ts", "progress": "note"}')$$);
SELECT * FROM pg_temp.err($$SELECT retention_set('la_t_hlp.ev', 'ts', '0')$$);
SELECT * FROM pg_temp.err($$SELECT retention_set('la_t_hlp.ev_v', 'ts', '1 day')$$, true);
RESET ROLE;

-- An install in a schema whose name needs quoting: @extschema@ in a string literal is substituted
-- as "La Schema" (quoted), so format('%I', '@extschema@') made """La Schema""".
SELECT current_database() AS regress_db \gset
CREATE DATABASE la_t_hlp_quoted;
\c la_t_hlp_quoted
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE SCHEMA "La Schema";
CREATE EXTENSION learnalytics SCHEMA "La Schema";
SELECT learnalytics_internal.extension_schema();
SELECT learnalytics_internal.learning_source_sql('enrolment');
SELECT count(*) AS candidates
FROM learnalytics_internal.rule_candidates("La Schema".rule_with_overrides('engagement_dip'), '2026-03-02');
SELECT count(*) AS replayed FROM "La Schema".rule_replay_alerts('engagement_dip', '2026-03-01', '2026-03-02');
SELECT learnalytics_internal.job_command('nightly', 'rule_evaluate_all');
SELECT component, ok FROM "La Schema".status() WHERE component = 'library version';
SELECT "La Schema".xapi_create_partitions('2026-01-15', '2026-02-15') AS created,
       "La Schema".xapi_drop_partitions('2026-02-01') AS dropped;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE la_t_hlp_quoted;

DROP SCHEMA la_t_hlp CASCADE;
DROP OWNED BY la_t_hlp_admin;
DROP ROLE la_t_hlp_admin;
