--
-- xAPI identity and privacy: pseudonyms (stable across sessions, keyed), erasure, roles
--
\set VERBOSITY default
-- errors show their DETAIL (position, path) and HINT; not the PL/pgSQL call stack
\set SHOW_CONTEXT never
-- pg_regress runs in PST8PDT with Postgres-style dates: show instants in UTC, ISO style
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'learnalytics\_%' ORDER BY 1;
SELECT pg_has_role('learnalytics_admin', 'learnalytics_analyst', 'MEMBER') AS admin_is_analyst,
       pg_has_role('learnalytics_analyst', 'learnalytics_viewer', 'MEMBER') AS analyst_is_viewer,
       pg_has_role('learnalytics_analyst', 'learnalytics_admin', 'MEMBER') AS analyst_is_admin;

-- every role check runs as a LOGIN role that is a member of the group role, never as superuser
SET client_min_messages = warning;
CREATE ROLE la_x_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_x_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_x_viewer LOGIN IN ROLE learnalytics_viewer;
RESET client_min_messages;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'la\_x\_%' ORDER BY 1;

-- the session's work tables, created here by the superuser, also serve a role set later on
SELECT count(*) FROM xapi_ingest('[]');
SET ROLE la_x_admin;
SELECT xapi_set_pseudonym_key('learnalytics regression key, 32b'::bytea);
SELECT status FROM xapi_ingest('[
 {"id":"e0000000-0000-4000-8000-000000000001","actor":{"mbox":"mailto:Ana@Example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o1"},"timestamp":"2026-10-01T10:00:00Z"},
 {"id":"e0000000-0000-4000-8000-000000000002","actor":{"mbox_sha1sum":"0e5544afbb6be286591577af49b31b0187a46ef0"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o2"},"timestamp":"2026-10-02T10:00:00Z"},
 {"id":"e0000000-0000-4000-8000-000000000003","actor":{"mbox":"mailto:bo@example.org"},"verb":{"id":"http://example.org/v"},"object":{"objectType":"Agent","mbox":"mailto:ana@example.org"},"context":{"instructor":{"mbox":"mailto:ANA@example.org"},"team":{"objectType":"Group","name":"t","member":[{"mbox":"mailto:ana@example.org","name":"Ana Lima"},{"mbox":"mailto:bo@example.org"}],"account":{"homePage":"http://lms.example.org","name":"team-1"}}},"timestamp":"2026-10-03T10:00:00Z"},
 {"id":"e0000000-0000-4000-8000-000000000004","actor":{"mbox":"mailto:ana@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o1"},"timestamp":"2026-10-04T10:00:00Z"}]');
-- the mailto IRI is lower-cased: Ana@Example.org and ana@example.org are one learner, one pseudonym
SELECT id, actor_key, actor_pseudonym = xapi_pseudonym('{"mbox":"mailto:ana@example.org"}') AS is_ana
FROM xapi_statements ORDER BY id;
RESET ROLE;
CREATE TABLE pseudonym_before AS
SELECT id, actor_pseudonym, instructor_pseudonym, object_id FROM xapi_statements;
GRANT SELECT ON pseudonym_before TO PUBLIC;

-- stable across sessions
\c -
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET ROLE la_x_admin;
SELECT count(*) AS changed FROM xapi_statements s JOIN pseudonym_before b USING (id)
WHERE s.actor_pseudonym IS DISTINCT FROM b.actor_pseudonym;
SELECT xapi_pseudonym('{"mbox":"mailto:ana@example.org"}') = (SELECT actor_pseudonym FROM pseudonym_before WHERE id = 'e0000000-0000-4000-8000-000000000001') AS same_pseudonym;
-- and re-keyed on demand: every pseudonym changes, the grouping stays
SELECT xapi_set_pseudonym_key(NULL);
SELECT count(*) FILTER (WHERE s.actor_pseudonym = b.actor_pseudonym) AS unchanged,
       count(DISTINCT s.actor_pseudonym) AS learners_now, count(DISTINCT b.actor_pseudonym) AS learners_before
FROM xapi_statements s JOIN pseudonym_before b USING (id);
SELECT xapi_set_pseudonym_key('learnalytics regression key, 32b'::bytea);
SELECT count(*) AS differ_from_first_key FROM xapi_statements s JOIN pseudonym_before b USING (id)
WHERE s.actor_pseudonym IS DISTINCT FROM b.actor_pseudonym;
SELECT xapi_set_pseudonym_key('too short');
RESET ROLE;

-- the analyst sees pseudonyms, never IFIs, raw statements or the key
SET ROLE la_x_analyst;
SELECT id, v.actor_pseudonym = b.actor_pseudonym AS pseudonym, v.object_id LIKE 'http%' AS activity_object
FROM xapi_statements_pseudonymous v JOIN pseudonym_before b USING (id) ORDER BY id;
SELECT count(*) FROM xapi_statements_pseudonymous v
WHERE row_to_json(v)::text ILIKE '%example.org"%' AND row_to_json(v)::text ILIKE '%mailto%';
SELECT actor_key FROM xapi_statements;
SELECT statement FROM xapi_statements;
SELECT key FROM xapi_pseudonym_key;
SELECT * FROM xapi_rejects;
SELECT xapi_pseudonym('{"mbox":"mailto:ana@example.org"}');
SELECT xapi_set_pseudonym_key(NULL);
SELECT * FROM xapi_ingest('{"actor":{"mbox":"mailto:x@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}');
SELECT xapi_erase_actor('{"mbox":"mailto:ana@example.org"}');
-- pure functions stay available to everyone
SELECT xapi_is_valid('{"actor":{"mbox":"mailto:x@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}');
RESET ROLE;
SET ROLE la_x_viewer;
SELECT count(*) FROM xapi_statements_pseudonymous;
RESET ROLE;

-- right to be forgotten: Ana disappears everywhere (as actor, object, instructor, group member,
-- and under her mbox_sha1sum), the statements and the number of distinct learners stay
SET ROLE la_x_admin;
SELECT count(DISTINCT actor_pseudonym) AS learners_before, count(*) AS statements_before FROM xapi_statements;
SELECT xapi_erase_actor('{"mbox":"mailto:ana@example.org"}') AS statements_changed;
SELECT count(DISTINCT actor_pseudonym) AS learners_after, count(*) AS statements_after FROM xapi_statements;
SELECT count(*) AS mentions_left FROM xapi_statements
WHERE statement::text ILIKE '%ana@example.org%' OR statement::text LIKE '%0e5544afbb6be286591577af49b31b0187a46ef0%'
   OR actor_key ILIKE '%ana@%';
-- her two mbox statements share one tombstone pseudonym, the mbox_sha1sum one another; all new
SELECT count(DISTINCT actor_pseudonym) AS tombstones,
       count(DISTINCT actor_pseudonym) FILTER (WHERE id <> 'e0000000-0000-4000-8000-000000000002') AS mbox_tombstones,
       bool_and(actor_pseudonym NOT IN (SELECT actor_pseudonym FROM pseudonym_before)) AS new_pseudonym
FROM xapi_statements WHERE id IN ('e0000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000002',
                                  'e0000000-0000-4000-8000-000000000004');
SELECT s.statement->'context'->'team'->'member'->0->'account'->>'homePage' AS member0,
       s.statement->'context'->'team'->'member'->1 AS member1,
       s.statement->'context'->'team'->'account' AS team_account,
       s.instructor_pseudonym = (SELECT actor_pseudonym FROM xapi_statements WHERE id = 'e0000000-0000-4000-8000-000000000001') AS instructor_is_tombstone,
       s.object_id = (SELECT actor_pseudonym FROM xapi_statements WHERE id = 'e0000000-0000-4000-8000-000000000001') AS object_is_tombstone
FROM xapi_statements s WHERE id = 'e0000000-0000-4000-8000-000000000003';
SELECT xapi_erase_actor('{"objectType":"Group","member":[]}');
-- erasing again finds nothing
SELECT xapi_erase_actor('{"mbox":"mailto:ana@example.org"}');
RESET ROLE;

-- leave the database as it was found
DROP TABLE pseudonym_before;
SELECT xapi_drop_partitions('infinity');
TRUNCATE xapi_statement_ids, xapi_voids, xapi_rejects, xapi_pseudonym_key;
DROP ROLE la_x_admin, la_x_analyst, la_x_viewer;
