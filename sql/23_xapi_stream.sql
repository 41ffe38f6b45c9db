--
-- xAPI load through the view xapi_statement_stream (COPY or INSERT into it): modes and versions from
-- settings, all-or-nothing, ids across the flush boundary (4096 statements), idempotency and
-- conflicts, savepoints, NULL rows, xapi_loads, new months attached as partitions, user triggers
-- and publications, voiding across flushes, privileges
--
\set VERBOSITY default
-- errors show their DETAIL (position, path) and HINT; not the PL/pgSQL call stack
\set SHOW_CONTEXT never
-- pg_regress runs in PST8PDT with Postgres-style dates: show instants in UTC, ISO style
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SELECT xapi_set_pseudonym_key('learnalytics regression key, 32b'::bytea);

-- the loads of earlier tests are not this test's
CREATE TEMP TABLE loads_before AS SELECT load_id FROM xapi_loads;
CREATE TEMP VIEW new_loads AS
SELECT row_number() OVER (ORDER BY started_at) AS n, source, mode, version, statements, stored, existing,
       rejected, new_partitions, loaded_by = current_user AS by_me
FROM xapi_loads WHERE load_id NOT IN (SELECT load_id FROM loads_before);
-- counts that an all-or-nothing failure must leave alone
CREATE TEMP VIEW store_counts AS
SELECT (SELECT count(*) FROM xapi_statements) AS statements, (SELECT count(*) FROM xapi_statement_ids) AS ids,
       (SELECT count(*) FROM xapi_rejects) AS rejects, (SELECT count(*) FROM xapi_voids) AS voids,
       (SELECT count(*) FROM xapi_loads WHERE load_id NOT IN (SELECT load_id FROM loads_before)) AS loads,
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'xapi_statements'::regclass) AS partitions,
       (SELECT count(*) FROM pg_class WHERE relname ~ '^xapi_statements_p[0-9]{6}$' AND NOT relispartition) AS loose_tables;
-- statement i: a fixed id (prefix p) and content
CREATE FUNCTION xs(i integer, ts text DEFAULT '2019-05-10T10:00:00Z', p text DEFAULT 'e1') RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', format('%s000000-0000-4000-8000-%s', p, lpad(i::text, 12, '0')),
    'actor', jsonb_build_object('mbox', format('mailto:learner%s@example.org', i % 50)),
    'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/experienced'),
    'object', jsonb_build_object('id', format('http://example.org/activity/%s', i % 7)),
    'timestamp', ts)
$$;
SELECT * FROM store_counts;

-- 1. COPY NDJSON into the view: validated, derived and stored as it arrives (the default mode is
--    all_or_nothing); backslashes and quotes survive the CSV format with \x01 and \x02
SHOW learnalytics.xapi_ingest_mode;
SHOW learnalytics.xapi_version;
COPY xapi_statement_stream (statement) FROM stdin WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02');
{"id":"e0000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:Ana@Example.org","name":"Ana"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.org/course/1"},"result":{"score":{"scaled":0.9,"raw":90,"min":0,"max":100},"success":true,"completion":true,"duration":"P1DT2H","response":"a \"quoted\" \\ answer"},"context":{"registration":"b0000000-0000-4000-8000-000000000001","platform":"LMS","language":"en-US","contextActivities":{"parent":{"id":"http://example.org/program"},"category":[{"id":"http://example.org/cat/a"},{"id":"http://example.org/cat/b"}]},"extensions":{"http://example.org/ext/room":"B12"}},"timestamp":"2019-05-05T09:00:00+02:00"}
{"id":"E0000000-0000-4000-8000-000000000002","actor":{"objectType":"Group","member":[{"openid":"http://openid.example.org/bo"}]},"verb":{"id":"http://adlnet.gov/expapi/verbs/attempted"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}},"result":{"duration":"PT0.5S"},"timestamp":"2019-05-31T23:30:00-01:00","version":"1.0.0"}
{"id":"e0000000-0000-4000-8000-000000000003","actor":{"account":{"homePage":"http://lms.example.org","name":"dee"}},"verb":{"id":"http://example.org/v"},"object":{"objectType":"StatementRef","id":"e0000000-0000-4000-8000-00000000000A"},"result":{"duration":"P4W"},"timestamp":"2019-05-15T12:00:00.123456Z"}
\.
SELECT id, actor_key, actor_type, verb_id, object_type, object_id, registration, score_scaled, score_raw,
       score_min, score_max, success, completion, duration, response, platform, language, parent_ids,
       category_ids, context_extensions, "timestamp", voided, voids, version,
       length(actor_pseudonym) AS pseudonym_length
FROM xapi_statements ORDER BY id;
SELECT * FROM new_loads;
-- the month had no partition: its rows went into a new table, attached as a real partition with the
-- store's three indexes (the one of 2019-06 holds the statement sent at 23:30 -01:00 on May 31)
SELECT c.relname, c.relkind, c.relispartition, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'xapi_statements'::regclass ORDER BY 1;
SELECT t.relname AS partition, regexp_replace(pg_get_indexdef(x.indexrelid), '^CREATE INDEX \S+ ON \S+ ', '') AS definition
FROM pg_inherits i JOIN pg_class t ON t.oid = i.inhrelid JOIN pg_index x ON x.indrelid = t.oid
WHERE i.inhparent = 'xapi_statements'::regclass ORDER BY 1, 2;
SELECT count(*) AS indexes, count(DISTINCT x.indrelid) AS partitions
FROM pg_index x JOIN pg_inherits i ON i.inhrelid = x.indrelid
WHERE i.inhparent = 'xapi_statements'::regclass;
SELECT * FROM store_counts;

-- 2. settings: learnalytics.xapi_ingest_mode = rejects keeps invalid statements (also a JSON null
--    and an SQL NULL, the empty line) in xapi_rejects with the load's id as batch_id
SET learnalytics.xapi_ingest_mode = 'best_effort';
SET learnalytics.xapi_ingest_mode = 'rejects';
COPY xapi_statement_stream (statement) FROM stdin WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02');
{"id":"e0000000-0000-4000-8000-000000000004","actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2019-05-20T10:00:00Z"}
{"actor":{"mbox":"ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}
null

{"id":"e0000000-0000-4000-8000-000000000005","actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"not an iri"},"object":{"id":"http://example.org/o"}}
\.
SELECT r."position", r.statement, r.violations
FROM xapi_rejects r JOIN xapi_loads l ON l.load_id = r.batch_id
WHERE l.load_id NOT IN (SELECT load_id FROM loads_before) ORDER BY 1;
SELECT * FROM new_loads;
-- learnalytics.xapi_version: the rule set, and the version recorded for a statement without one
SET learnalytics.xapi_version = '1.0.3';
INSERT INTO xapi_statement_stream VALUES
  (xs(6) || '{"context":{"contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:x@example.org"}}]}}'),
  (xs(7));
SELECT "position", violations->0->>'path' AS path, violations->0->>'rule' AS rule FROM xapi_rejects
WHERE statement->>'id' = 'e1000000-0000-4000-8000-000000000006';
SET learnalytics.xapi_version = '2.0';
INSERT INTO xapi_statement_stream VALUES
  (xs(8) || '{"context":{"contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:x@example.org"}}]}}'),
  (xs(9) || '{"version":"1.0.1"}');
RESET learnalytics.xapi_version;
-- an unknown rule set or mode is refused when it is set, not at the next load
SET learnalytics.xapi_version = '3.0';
SET learnalytics.xapi_ingest_mode = 'best_effort';
SHOW learnalytics.xapi_version;
RESET learnalytics.xapi_ingest_mode;
INSERT INTO xapi_statement_stream VALUES (xs(10)), (xs(11) || '{"version":"1.0.2"}');
SELECT id, version FROM xapi_statements WHERE id::text LIKE 'e1%' ORDER BY id;
SELECT n, source, mode, version, statements, stored, existing, rejected FROM new_loads WHERE n > 2;

-- 3. all or nothing: one invalid statement and nothing of the load stays (neither the rows before
--    it, nor the new month's table, nor ids, rejects or the load's row)
COPY xapi_statement_stream (statement) FROM stdin WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02');
{"id":"e0000000-0000-4000-8000-000000000012","actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2019-05-20T10:00:00Z"}
{"id":"e0000000-0000-4000-8000-000000000013","actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2018-01-20T10:00:00Z"}
{"actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"result":{"score":{"scaled":1.5}}}
\.
SELECT * FROM store_counts;
-- also when the failure comes after a flush has written the first 4096 statements
INSERT INTO xapi_statement_stream
SELECT CASE WHEN i = 4500 THEN xs(i) || '{"verb":{"id":"bad"}}' ELSE xs(i, '2018-02-01T00:00:00Z', 'e2') END
FROM generate_series(1, 5000) i;
SELECT * FROM store_counts;
-- an SQL NULL statement
INSERT INTO xapi_statement_stream VALUES (xs(12)), (NULL);
SELECT * FROM store_counts;

-- 4. one id twice in one load: in one flush, and across the flush boundary (positions 10 and 4100)
INSERT INTO xapi_statement_stream
SELECT xs(CASE WHEN i = 20 THEN 10 ELSE i END, '2019-05-21T00:00:00Z', 'e3') FROM generate_series(1, 30) i;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
INSERT INTO xapi_statement_stream
SELECT xs(CASE WHEN i = 4100 THEN 10 ELSE i END, '2019-05-21T00:00:00Z', 'e3') FROM generate_series(1, 5000) i;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM store_counts;
-- in rejects mode the later occurrences are rejected and the rest stored
SET learnalytics.xapi_ingest_mode = 'rejects';
INSERT INTO xapi_statement_stream
SELECT CASE WHEN i IN (20, 4100) THEN xs(10, '2019-05-21T12:00:00Z', 'e3') ELSE xs(i, '2019-05-21T00:00:00Z', 'e3') END
FROM generate_series(1, 5000) i;
RESET learnalytics.xapi_ingest_mode;
SELECT r."position", r.statement->>'id' AS id, r.violations->0->>'path' AS path, r.violations->0->>'rule' AS rule
FROM xapi_rejects r JOIN xapi_loads l ON l.load_id = r.batch_id
WHERE l.load_id NOT IN (SELECT load_id FROM loads_before) AND l.statements = 5000 ORDER BY 1;
SELECT count(*) AS stored, count(*) FILTER (WHERE id = 'e3000000-0000-4000-8000-000000000010') AS id_10
FROM xapi_statements WHERE id::text LIKE 'e3%';
SELECT statement->>'timestamp' = '2019-05-21T00:00:00Z' AS first_one_kept
FROM xapi_statements WHERE id = 'e3000000-0000-4000-8000-000000000010';

-- 5. a later load: the same id with the same content is a no-op (also with stored, authority and
--    version set by the client); with other content it is a conflict (23505) and nothing is written
INSERT INTO xapi_statement_stream VALUES (xs(10, '2019-05-21T00:00:00Z', 'e3')),
  (xs(11, '2019-05-21T00:00:00Z', 'e3') || '{"stored":"2030-01-01T00:00:00Z","version":"2.0.0","authority":{"mbox":"mailto:lrs@example.org"}}');
SELECT n, statements, stored, existing, rejected FROM new_loads ORDER BY n DESC LIMIT 1;
INSERT INTO xapi_statement_stream VALUES (xs(12, '2019-05-21T00:00:00Z', 'e3') || '{"result":{"success":true}}');
\echo :LAST_ERROR_SQLSTATE
DO $$
BEGIN
  INSERT INTO xapi_statement_stream VALUES (xs(12, '2019-05-21T00:00:00Z', 'e3') || '{"result":{"success":true}}');
EXCEPTION WHEN unique_violation THEN
  RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
END $$;
SELECT * FROM store_counts;

-- 6. loads in one transaction: a failing load inside a savepoint is undone, the loads before and
--    after it stay (its ids are free again; the new month it had begun is gone)
BEGIN;
INSERT INTO xapi_statement_stream VALUES (xs(1, '2019-05-22T00:00:00Z', 'e4'));
SAVEPOINT s;
INSERT INTO xapi_statement_stream
SELECT CASE WHEN i = 4200 THEN '{"actor":{"mbox":"mailto:ana@example.org"}}' ELSE xs(i, '2017-07-01T00:00:00Z', 'e4') END
FROM generate_series(2, 4300) i;
ROLLBACK TO SAVEPOINT s;
INSERT INTO xapi_statement_stream SELECT xs(i, '2017-07-01T00:00:00Z', 'e4') FROM generate_series(2, 11) i;
-- a statement without timestamp: its timestamp and stored are the transaction's start
INSERT INTO xapi_statement_stream VALUES (xs(12, NULL, 'e4') - 'timestamp');
SELECT "timestamp" = now() AS timestamp_is_now, stored = now() AS stored_is_now, NOT statement ? 'timestamp' AS as_sent
FROM xapi_statements WHERE id = 'e4000000-0000-4000-8000-000000000012';
COMMIT;
SELECT count(*) AS e4_rows, min(id::text) AS first, max(id::text) AS last FROM xapi_statements WHERE id::text LIKE 'e4%';
SELECT n, statements, stored, existing, rejected, new_partitions FROM new_loads ORDER BY n DESC LIMIT 3;
-- the same in a PL/pgSQL block that catches the error
DO $$
BEGIN
  BEGIN
    INSERT INTO xapi_statement_stream VALUES (xs(13, '2019-05-22T00:00:00Z', 'e4')), ('{"verb":{}}');
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
  END;
  INSERT INTO xapi_statement_stream VALUES (xs(14, '2019-05-22T00:00:00Z', 'e4'));
END $$;
SELECT id FROM xapi_statements WHERE id::text LIKE 'e4%' AND id > 'e4000000-0000-4000-8000-000000000012' ORDER BY 1;
SELECT * FROM store_counts;
-- the statement without timestamp is in the partition of its own month (the month of the load's
-- transaction, whichever it was: not read from the clock again here, where it may be the next month)
SELECT c.relname = 'xapi_statements_p' || to_char(s."timestamp" AT TIME ZONE 'UTC', 'YYYYMM') AS own_month
FROM xapi_statements s JOIN pg_class c ON c.oid = s.tableoid WHERE s.id = 'e4000000-0000-4000-8000-000000000012';
-- the other partitions
SELECT relname FROM pg_class WHERE relname ~ '^xapi_statements_p[0-9]{6}$'
  AND oid <> (SELECT tableoid FROM xapi_statements WHERE id = 'e4000000-0000-4000-8000-000000000012') ORDER BY 1;

-- 7. a new month's partition has UTC month bounds whatever the session's time zone (in Asuncion,
--    2023-10-01 00:00 local did not exist: clocks went from 24:00 to 01:00)
SET TimeZone = 'America/Asuncion';
INSERT INTO xapi_statement_stream VALUES (xs(1, '2023-10-15T09:00:00Z', 'e5'));
SET TimeZone = 'UTC';
SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.relname = 'xapi_statements_p202310';
INSERT INTO xapi_statement_stream VALUES (xs(2, '2023-10-01T00:30:00Z', 'e5')), (xs(3, '2023-11-01T00:30:00Z', 'e5'));
SELECT id, tableoid::regclass AS partition FROM xapi_statements WHERE id::text LIKE 'e5%' ORDER BY id;

-- 8. voiding across the flush boundary: the target before or after its voiding statement; a voiding
--    statement cannot be voided, whether its voider comes in the same flush or in a later one
SET learnalytics.xapi_ingest_mode = 'rejects';
INSERT INTO xapi_statement_stream
SELECT CASE i
  -- voids the statement at 4500 (the target comes after its voiding statement, in the next flush)
  WHEN 1 THEN '{"id":"e6000000-0000-4000-8000-100000000001","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"E6000000-0000-4000-8000-000000004500"},"timestamp":"2019-05-23T00:00:00Z"}'::jsonb
  -- voids the statement at 2 (the target came before, in the previous flush)
  WHEN 4200 THEN '{"id":"e6000000-0000-4000-8000-100000004200","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"e6000000-0000-4000-8000-000000000002"},"timestamp":"2019-05-23T00:00:00Z"}'::jsonb
  -- would void the voiding statement at 4200, which comes in the next flush: rejected
  WHEN 5 THEN '{"id":"e6000000-0000-4000-8000-100000000005","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"e6000000-0000-4000-8000-100000004200"},"timestamp":"2019-05-23T00:00:00Z"}'::jsonb
  -- would void the voiding statement at 1, in the same flush: rejected
  WHEN 6 THEN '{"id":"e6000000-0000-4000-8000-100000000006","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"e6000000-0000-4000-8000-100000000001"},"timestamp":"2019-05-23T00:00:00Z"}'::jsonb
  ELSE xs(i, '2019-05-23T00:00:00Z', 'e6') END
FROM generate_series(1, 4500) i;
RESET learnalytics.xapi_ingest_mode;
SELECT id, voided, voids FROM xapi_statements
WHERE id IN ('e6000000-0000-4000-8000-100000000001', 'e6000000-0000-4000-8000-000000000002',
             'e6000000-0000-4000-8000-100000004200', 'e6000000-0000-4000-8000-100000000005',
             'e6000000-0000-4000-8000-100000000006', 'e6000000-0000-4000-8000-000000004500')
ORDER BY id;
SELECT r."position", r.violations->0->>'path' AS path, r.violations->0->>'rule' AS rule
FROM xapi_rejects r JOIN xapi_loads l ON l.load_id = r.batch_id
WHERE l.load_id NOT IN (SELECT load_id FROM loads_before) AND l.statements = 4500 ORDER BY 1;
SELECT count(*) FILTER (WHERE voided) AS voided_statements FROM xapi_statements WHERE id::text LIKE 'e6%';

-- 9. something watches inserts into the store: a user trigger, a publication. The load then goes
--    through the parent table (new_partitions = 0), and the trigger sees every row
CREATE TABLE seen_rows (id uuid, tg_table text);
CREATE FUNCTION seen_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO seen_rows VALUES (NEW.id, TG_TABLE_NAME);
  RETURN NEW;
END $$;
CREATE TRIGGER seen AFTER INSERT ON xapi_statements FOR EACH ROW EXECUTE FUNCTION seen_row();
INSERT INTO xapi_statement_stream VALUES (xs(1, '2016-03-01T00:00:00Z', 'e7')), (xs(2, '2016-04-01T00:00:00Z', 'e7')),
                                         (xs(3, '2019-05-24T00:00:00Z', 'e7'));
SELECT * FROM seen_rows ORDER BY id;
SELECT statements, stored, new_partitions FROM new_loads ORDER BY n DESC LIMIT 1;
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound,
       (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid) AS indexes
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'xapi_statements'::regclass AND c.relname < 'xapi_statements_p2017' ORDER BY 1;
DROP TRIGGER seen ON xapi_statements;
SET client_min_messages = error;   -- wal_level may be too low to publish: no matter here
CREATE PUBLICATION la_xapi_pub FOR TABLE xapi_statements;
RESET client_min_messages;
INSERT INTO xapi_statement_stream VALUES (xs(4, '2016-05-01T00:00:00Z', 'e7'));
SELECT statements, stored, new_partitions FROM new_loads ORDER BY n DESC LIMIT 1;
DROP PUBLICATION la_xapi_pub;
INSERT INTO xapi_statement_stream VALUES (xs(5, '2016-06-01T00:00:00Z', 'e7'));
SELECT statements, stored, new_partitions FROM new_loads ORDER BY n DESC LIMIT 1;

-- 10. privileges: only learnalytics_admin loads; the internal functions are not for anyone else
SET ROLE learnalytics_analyst;
INSERT INTO xapi_statement_stream VALUES (xs(1, '2019-05-25T00:00:00Z', 'e8'));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM learnalytics_internal.xapi_load_rows();
SELECT learnalytics_internal.xapi_attach_month('learnalytics.xapi_statements_p201905');
RESET ROLE;
SET ROLE learnalytics_viewer;
INSERT INTO xapi_statement_stream VALUES (xs(1, '2019-05-25T00:00:00Z', 'e8'));
RESET ROLE;
SET ROLE learnalytics_admin;
INSERT INTO xapi_statement_stream VALUES (xs(1, '2019-05-25T00:00:00Z', 'e8')), (xs(2, '2015-01-01T00:00:00Z', 'e8'));
SELECT count(*) FROM learnalytics_internal.xapi_load_rows();
SELECT learnalytics_internal.xapi_attach_month('learnalytics.xapi_statements_p201905');
RESET ROLE;
SELECT source, statements, stored, new_partitions, l.loaded_by
FROM xapi_loads l WHERE load_id NOT IN (SELECT load_id FROM loads_before) ORDER BY started_at DESC LIMIT 1;
SELECT id FROM xapi_statements WHERE id::text LIKE 'e8%' ORDER BY id;

-- 11. pseudonyms: with many learners in one flush (4000 distinct actors) every row still carries
--     the pseudonym of its own actor, instructor and team
INSERT INTO xapi_statement_stream
SELECT jsonb_build_object('id', format('e9000000-0000-4000-8000-%s', lpad(i::text, 12, '0')),
         'actor', jsonb_build_object('mbox', format('mailto:learner%s@example.org', i)),
         'verb', jsonb_build_object('id', 'http://example.org/v'),
         'object', jsonb_build_object('id', 'http://example.org/o'),
         'context', jsonb_build_object('instructor', jsonb_build_object('openid', format('http://example.org/tutor/%s', i % 700)),
                                       'team', jsonb_build_object('objectType', 'Group',
                                                 'account', jsonb_build_object('homePage', 'http://example.org', 'name', (i % 300)::text))),
         'timestamp', '2019-05-26T00:00:00Z')
FROM generate_series(1, 4000) i;
SELECT count(*) AS statements,
       count(*) FILTER (WHERE actor_pseudonym IS DISTINCT FROM xapi_pseudonym(statement->'actor')) AS wrong_actor,
       count(*) FILTER (WHERE instructor_pseudonym IS DISTINCT FROM xapi_pseudonym(statement->'context'->'instructor')) AS wrong_instructor,
       count(*) FILTER (WHERE team_pseudonym IS DISTINCT FROM xapi_pseudonym(statement->'context'->'team')) AS wrong_team
FROM xapi_statements WHERE id::text LIKE 'e9%';

-- every load of this test, in order: statements = stored + existing + rejected
SELECT n, source, mode, version, statements, stored, existing, rejected, new_partitions,
       statements = stored + existing + rejected AS adds_up
FROM new_loads ORDER BY n;

-- leave the database as it was found
DROP TABLE seen_rows;
DROP FUNCTION seen_row();
DROP FUNCTION xs(integer, text, text);
DELETE FROM xapi_loads WHERE load_id NOT IN (SELECT load_id FROM loads_before);
SELECT xapi_drop_partitions('infinity') > 0 AS dropped;
TRUNCATE xapi_statement_ids, xapi_voids, xapi_rejects, xapi_pseudonym_key;
SELECT statements, ids, rejects, voids, partitions, loose_tables FROM store_counts;
