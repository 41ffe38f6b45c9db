--
-- xAPI store: idempotent ingest, conflicts, voiding, all-or-nothing and rejects mode, partitions
--
\set VERBOSITY default
-- errors show their DETAIL (position, path) and HINT; not the PL/pgSQL call stack
\set SHOW_CONTEXT never
-- pg_regress runs in PST8PDT with Postgres-style dates: show instants in UTC, ISO style
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
\set s1 '{"id":"a0000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:Ana@Example.org","name":"Ana"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.org/course/1"},"result":{"score":{"scaled":0.9,"raw":90,"min":0,"max":100},"success":true,"completion":true,"duration":"PT1H30M","response":"done"},"context":{"registration":"b0000000-0000-4000-8000-000000000001","platform":"LMS","language":"en-US","contextActivities":{"parent":{"id":"http://example.org/program"},"category":[{"id":"http://example.org/cat/a"},{"id":"http://example.org/cat/b"}]},"instructor":{"mbox":"mailto:bo@example.org"},"extensions":{"http://example.org/ext/room":"B12"}},"timestamp":"2026-10-05T09:00:00+02:00"}'

-- one statement: stored, with every column derived from it
SELECT * FROM xapi_ingest(:'s1');
SELECT id, actor_key, actor_type, verb_id, object_type, object_id, registration, score_scaled, score_raw,
       score_min, score_max, success, completion, duration, response, platform, language, parent_ids,
       grouping_ids, category_ids, context_extensions, "timestamp", voided, voids, version,
       stored BETWEEN now() - interval '1 hour' AND now() AS stored_by_database, statement = :'s1'::jsonb AS statement_as_sent,
       length(actor_pseudonym) AS pseudonym_length, instructor_pseudonym IS NOT NULL AS has_instructor
FROM xapi_statements;
-- partitioned by month of timestamp (UTC)
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'xapi_statements'::regclass ORDER BY 1;

-- the same id with the same content: a no-op (also when the client sets stored/authority/version)
SELECT * FROM xapi_ingest(:'s1');
SELECT * FROM xapi_ingest(:'s1'::jsonb || '{"stored":"2020-01-01T00:00:00Z","version":"2.0.0"}');
-- the same id with different content: a conflict, and nothing is written
SELECT * FROM xapi_ingest(jsonb_set(:'s1', '{result,success}', 'false'));
SELECT count(*) FROM xapi_statements;

-- a batch is all-or-nothing: one invalid statement (position 3) and nothing of it is stored
SELECT * FROM xapi_ingest(jsonb_build_array(
  '{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-10-06T10:00:00Z"}'::jsonb,
  '{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-12-06T10:00:00Z"}'::jsonb,
  '{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"result":{"score":{"scaled":2}}}'::jsonb));
SELECT count(*) AS statements, (SELECT count(*) FROM xapi_statement_ids) AS ids,
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'xapi_statements'::regclass) AS partitions
FROM xapi_statements;
-- duplicate ids in a batch
SELECT * FROM xapi_ingest(jsonb_build_array(
  '{"id":"a0000000-0000-4000-8000-000000000002","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}'::jsonb,
  '{"id":"a0000000-0000-4000-8000-000000000003","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}'::jsonb,
  '{"id":"A0000000-0000-4000-8000-000000000002","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/p"}}'::jsonb));
-- bad input to the ingest itself
SELECT * FROM xapi_ingest('"not a statement"');
SELECT * FROM xapi_ingest(NULL);
SELECT * FROM xapi_ingest('[]');
SELECT * FROM xapi_ingest(:'s1', 'best_effort');
SELECT * FROM xapi_ingest(:'s1', 'rejects', '0.9');
SELECT * FROM xapi_ingest('[{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}, null]');

-- rejects mode: the valid statements are stored, the others kept with their violations
SELECT "position", id IS NOT NULL AS has_id, status FROM xapi_ingest(jsonb_build_array(
  '{"id":"a0000000-0000-4000-8000-000000000004","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-10-07T10:00:00Z"}'::jsonb,
  '{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"not an iri"},"object":{"id":"http://example.org/o"}}'::jsonb,
  jsonb_set(:'s1', '{result,success}', 'false'),
  :'s1'::jsonb,
  '{"id":"a0000000-0000-4000-8000-000000000004","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-10-07T10:00:00Z"}'::jsonb,
  '42'::jsonb), 'rejects');
SELECT "position", statement->'verb' AS verb, violations FROM xapi_rejects ORDER BY reject_id;

-- voiding: the target is marked voided; a voiding statement cannot itself be voided
\set void1 '{"id":"c0000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"a0000000-0000-4000-8000-000000000001"},"timestamp":"2026-11-01T00:00:00Z"}'
SELECT * FROM xapi_ingest(:'void1');
SELECT id, voided, voids FROM xapi_statements ORDER BY id;
SELECT * FROM xapi_ingest('{"actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"c0000000-0000-4000-8000-000000000001"}}');
-- voiding a statement that is not stored yet is accepted; the target is stored voided when it arrives
SELECT * FROM xapi_ingest('{"id":"c0000000-0000-4000-8000-000000000002","actor":{"mbox":"mailto:admin@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"a0000000-0000-4000-8000-000000000009"},"timestamp":"2026-11-02T00:00:00Z"}');
SELECT * FROM xapi_ingest('{"id":"a0000000-0000-4000-8000-000000000009","actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-10-09T10:00:00Z"}');
SELECT id, voided FROM xapi_statements WHERE id = 'a0000000-0000-4000-8000-000000000009';

-- a statement without id or timestamp gets both from the database (the stored JSON gets the id)
SELECT status, id AS generated_id FROM xapi_ingest('{"actor":{"mbox":"mailto:cy@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}') \gset
SELECT :'status' AS status, "timestamp" = stored AS timestamp_is_stored, statement->>'id' = id::text AS id_in_statement,
       statement ? 'timestamp' AS timestamp_in_statement
FROM xapi_statements WHERE id = :'generated_id';

-- bulk path: COPY of NDJSON into the staging table, then one call
COPY xapi_staging (statement) FROM stdin;
{"id":"d0000000-0000-4000-8000-000000000001","actor":{"account":{"homePage":"http://lms.example.org","name":"u1"}},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-09-01T00:00:00Z"}
{"id":"d0000000-0000-4000-8000-000000000002","actor":{"account":{"homePage":"http://lms.example.org","name":"u2"}},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"2026-09-02T00:00:00Z"}
{"id":"a0000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:Ana@Example.org","name":"Ana"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"http://example.org/course/1"},"result":{"score":{"scaled":0.9,"raw":90,"min":0,"max":100},"success":true,"completion":true,"duration":"PT1H30M","response":"done"},"context":{"registration":"b0000000-0000-4000-8000-000000000001","platform":"LMS","language":"en-US","contextActivities":{"parent":{"id":"http://example.org/program"},"category":[{"id":"http://example.org/cat/a"},{"id":"http://example.org/cat/b"}]},"instructor":{"mbox":"mailto:bo@example.org"},"extensions":{"http://example.org/ext/room":"B12"}},"timestamp":"2026-10-05T09:00:00+02:00"}
{"actor":{"mbox":"bad"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}
\.
SELECT * FROM xapi_ingest_staged();
SELECT count(*) AS left_in_staging FROM xapi_staging;
SELECT * FROM xapi_ingest_staged(mode => 'rejects');
COPY xapi_staging (statement) FROM stdin;
{"actor":{"mbox":"bad"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}
\.
SELECT * FROM xapi_ingest_staged(mode => 'rejects');
TRUNCATE xapi_staging;
SELECT "position", violations->0->>'rule' AS rule FROM xapi_rejects ORDER BY reject_id DESC LIMIT 1;

-- the same load when the side tables are not as shipped: ids claimed through SQL (here a CHECK
-- constraint on xapi_statement_ids), rows through the parent (a trigger on the store); the outcomes
-- and the rows are the same
BEGIN;
ALTER TABLE xapi_statement_ids ADD CONSTRAINT la_test_check CHECK (id IS NOT NULL);
CREATE FUNCTION pg_temp.la_test_count() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE NOTICE 'store trigger saw % rows', (SELECT count(*) FROM new_rows); RETURN NULL; END $$;
CREATE TRIGGER la_test_count AFTER INSERT ON xapi_statements REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.la_test_count();
SELECT "position", status FROM xapi_ingest(jsonb_build_array(
  jsonb_build_object('id', 'e0000000-0000-4000-8000-000000000001', 'actor', jsonb_build_object('mbox', 'mailto:e1@example.org'),
                     'verb', jsonb_build_object('id', 'http://example.org/v'), 'object', jsonb_build_object('id', 'http://example.org/o'),
                     'timestamp', '2031-05-01T00:00:00Z'),
  :'s1'::jsonb,
  jsonb_build_object('id', 'e0000000-0000-4000-8000-000000000001', 'actor', jsonb_build_object('mbox', 'mailto:e1@example.org'),
                     'verb', jsonb_build_object('id', 'http://example.org/v'), 'object', jsonb_build_object('id', 'http://example.org/o'),
                     'timestamp', '2031-05-01T00:00:00Z')), 'rejects');
SELECT new_partitions, stored, existing, rejected FROM xapi_loads ORDER BY started_at DESC LIMIT 1;
SELECT c.relname, c.relispartition FROM pg_class c WHERE c.relname = 'xapi_statements_p203105';
ROLLBACK;

-- an id stored before the load and sent twice in it: each occurrence is decided on its own
SELECT "position", status FROM xapi_ingest(jsonb_build_array(:'s1'::jsonb, :'s1'::jsonb));

-- an error inside the claims (here a constraint someone added to the id table) caught by an
-- exception block leaves no load behind: the next load in the same transaction runs
BEGIN;
ALTER TABLE xapi_statement_ids ADD CONSTRAINT la_test_refuse CHECK (id <> 'f0000000-0000-4000-8000-000000000001');
DO $$
BEGIN
  PERFORM * FROM learnalytics.xapi_ingest(jsonb_build_object('id', 'f0000000-0000-4000-8000-000000000001',
    'actor', jsonb_build_object('mbox', 'mailto:f@example.org'), 'verb', jsonb_build_object('id', 'http://example.org/v'),
    'object', jsonb_build_object('id', 'http://example.org/o'), 'timestamp', '2031-06-01T00:00:00Z'));
EXCEPTION WHEN check_violation THEN
  RAISE NOTICE 'caught %', SQLSTATE;
END
$$;
SELECT "position", status FROM xapi_ingest(jsonb_build_object('id', 'f0000000-0000-4000-8000-000000000002',
  'actor', jsonb_build_object('mbox', 'mailto:f@example.org'), 'verb', jsonb_build_object('id', 'http://example.org/v'),
  'object', jsonb_build_object('id', 'http://example.org/o'), 'timestamp', '2031-06-01T00:00:00Z'));
SELECT count(*) AS stored_of_the_failed_load FROM xapi_statements WHERE id = 'f0000000-0000-4000-8000-000000000001';
ROLLBACK;

-- the stream's triggers serve the stream view only
CREATE TEMP VIEW la_test_view AS SELECT NULL::jsonb AS statement WHERE false;
CREATE TRIGGER la_test_row INSTEAD OF INSERT ON pg_temp.la_test_view
  FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.xapi_stream_row();
INSERT INTO pg_temp.la_test_view VALUES ('{}');
DROP VIEW pg_temp.la_test_view;
-- the month functions serve loads only
SELECT learnalytics_internal.xapi_prepare_month('2032-01-05', true);

-- a table with a partition's name that is not a partition is an error, not a place to write
CREATE TABLE learnalytics.xapi_statements_p203201 (LIKE learnalytics.xapi_statements);
SELECT * FROM xapi_ingest(jsonb_build_object('actor', jsonb_build_object('mbox', 'mailto:f@example.org'),
  'verb', jsonb_build_object('id', 'http://example.org/v'), 'object', jsonb_build_object('id', 'http://example.org/o'),
  'timestamp', '2032-01-15T00:00:00Z'));
DROP TABLE learnalytics.xapi_statements_p203201;

-- the store keeps statements dated from the year 1 on (ISO 8601 year 0000 is 1 BC)
SELECT "position", status FROM xapi_ingest(jsonb_build_object('actor', jsonb_build_object('mbox', 'mailto:f@example.org'),
  'verb', jsonb_build_object('id', 'http://example.org/v'), 'object', jsonb_build_object('id', 'http://example.org/o'),
  'timestamp', '0000-06-15T00:00:00Z'), 'rejects');
SELECT violations FROM xapi_rejects ORDER BY reject_id DESC LIMIT 1;

-- a voiding cycle (each voids the other) is refused in one load, also across a flush boundary
-- (the load flushes every 4,096 statements)
SELECT status, count(*) FROM xapi_ingest((
  SELECT jsonb_agg(x ORDER BY o) FROM (
    SELECT 1, jsonb_build_object('id', 'f1000000-0000-4000-8000-000000000001',
      'actor', jsonb_build_object('mbox', 'mailto:f@example.org'),
      'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/voided'),
      'object', jsonb_build_object('objectType', 'StatementRef', 'id', 'f1000000-0000-4000-8000-000000000002'),
      'timestamp', '2031-07-01T00:00:00Z')
    UNION ALL
    SELECT 1 + g, jsonb_build_object('id', format('f2000000-0000-4000-8000-%s', lpad(g::text, 12, '0')),
      'actor', jsonb_build_object('mbox', 'mailto:f@example.org'), 'verb', jsonb_build_object('id', 'http://example.org/v'),
      'object', jsonb_build_object('id', 'http://example.org/o'), 'timestamp', '2031-07-02T00:00:00Z')
    FROM generate_series(1, 4100) g
    UNION ALL
    SELECT 5000, jsonb_build_object('id', 'f1000000-0000-4000-8000-000000000002',
      'actor', jsonb_build_object('mbox', 'mailto:f@example.org'),
      'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/voided'),
      'object', jsonb_build_object('objectType', 'StatementRef', 'id', 'f1000000-0000-4000-8000-000000000001'),
      'timestamp', '2031-07-03T00:00:00Z')) s(o, x)), 'rejects')
GROUP BY 1 ORDER BY 1;
SELECT "position", violations->0->>'rule' AS rule FROM xapi_rejects
WHERE statement->>'id' LIKE 'f1000000%' ORDER BY 1;

-- retention drops whole months and forgets their ids
SELECT xapi_drop_partitions('2026-10-01');
SELECT count(*) FROM xapi_statement_ids WHERE id::text LIKE 'd0000000%';
-- (the statement without timestamp is in the current month's partition, not listed here)
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'xapi_statements'::regclass AND c.relname <= 'xapi_statements_p202611' ORDER BY 1;
SELECT xapi_create_partitions('2027-01-15', '2027-03-01');
SELECT xapi_create_partitions('2027-03-01', '2027-01-15');

-- leave the database as it was found
SELECT xapi_drop_partitions('infinity') >= 4 AS dropped;
TRUNCATE xapi_statement_ids, xapi_voids, xapi_rejects, xapi_pseudonym_key;
