-- The end of demo section 12: the statement store reconciled with the OULAD clicks it came from
-- (doc/quality.md, "Reconciliation"). Included by demo.sql; psql variable demo_presentation.
\echo
\echo 'Reconciliation (doc/quality.md): the store against the OULAD events it was loaded from, per day and course,'
\echo 'through two quality sources over views (no copies). Both in UTC; event_id = the statement id.'
CREATE VIEW public.demo_statement_events AS
SELECT s.actor_pseudonym AS learner, s."timestamp" AS ts,
       substr(s.parent_ids[1], length('https://learn.open.ac.uk/course/') + 1) AS course, s.object_id AS activity,
       (s.statement -> 'result' -> 'extensions' ->> 'https://learnalytics.dev/xapi/clicks')::bigint AS weight,
       s.id::text AS event_id
FROM xapi_statements s WHERE NOT s.voided;
CREATE VIEW public.demo_click_events AS
WITH p AS MATERIALIZED (  -- each learner's pseudonym computed once
  SELECT e.id_student,
         xapi_pseudonym(jsonb_build_object('account', jsonb_build_object('homePage', 'https://learn.open.ac.uk',
                                                                          'name', e.id_student::text))) AS learner
  FROM oulad.enrolment e WHERE e.code_module || '/' || e.code_presentation = :'demo_presentation'
)
SELECT p.learner, a.ts, a.code_module || '/' || a.code_presentation AS course,
       'https://learn.open.ac.uk/vle/' || a.id_site AS activity, a.clicks AS weight,
       md5(a.enrolment || '/' || a.id_site || '/' || a.day)::uuid::text AS event_id
FROM oulad.activity a JOIN p USING (id_student)
WHERE a.code_module || '/' || a.code_presentation = :'demo_presentation' AND a.day BETWEEN 0 AND 27;
INSERT INTO quality_source (name, kind, relation, description) VALUES
  ('demo_statements', 'events', 'public.demo_statement_events', 'the xAPI store, clicks from the result extension'),
  ('demo_clicks', 'events', 'public.demo_click_events', 'the OULAD events of section 12, as the store would key them');
SELECT count(*) AS day_course_groups, count(*) FILTER (WHERE NOT agrees) AS differing,
       sum(a_value) AS statements, sum(b_value) AS oulad_events
FROM quality_reconcile('demo_statements', 'demo_clicks');
SELECT count(*) FILTER (WHERE NOT agrees) AS differing_by_clicks, sum(a_value) AS clicks_in_store,
       sum(b_value) AS oulad_clicks
FROM quality_reconcile('demo_statements', 'demo_clicks', measure => 'sum');

\echo 'In a transaction: 3 statements deleted from the store and 2 other OULAD events deleted, chosen by id.'
BEGIN;
CREATE TEMP TABLE demo_deleted (side text, event_id text);
WITH d AS (
  DELETE FROM xapi_statements s
   WHERE s.id IN (SELECT x.id FROM xapi_statements x ORDER BY x."timestamp" DESC, x.id LIMIT 3)
  RETURNING s.id
)
INSERT INTO demo_deleted SELECT 'b', d.id::text FROM d;  -- now in OULAD only
WITH d AS (
  DELETE FROM oulad.activity a
   WHERE (a.enrolment, a.id_site, a.day) IN (
           SELECT c.enrolment, c.id_site, c.day FROM oulad.activity c
            WHERE c.code_module || '/' || c.code_presentation = :'demo_presentation' AND c.day BETWEEN 0 AND 13
            ORDER BY c.day, c.enrolment, c.id_site LIMIT 2)
  RETURNING md5(a.enrolment || '/' || a.id_site || '/' || a.day)::uuid::text AS event_id
)
INSERT INTO demo_deleted SELECT 'a', d.event_id FROM d;  -- now in the store only
\echo 'The groups that differ now (a = the store, b = OULAD; share = difference / the larger side):'
SELECT day, course, a_value AS statements, b_value AS oulad_events, difference, round(share, 4) AS share
FROM quality_reconcile('demo_statements', 'demo_clicks') WHERE NOT agrees;
\echo 'The rows that explain them (side a: only in the store, b: only in OULAD), keyed by statement id:'
SELECT e.side, e.event_id, e.day, e.course, left(e.learner, 16) || '...' AS learner, e.activity
FROM quality_reconcile_explain('demo_statements', 'demo_clicks',
                               key => '{event_id,day,course,learner,activity}') e;
\echo 'They are exactly the rows deleted:'
CREATE TEMP TABLE demo_explained AS
SELECT e.side, e.event_id FROM quality_reconcile_explain('demo_statements', 'demo_clicks', key => '{event_id}') e;
SELECT (SELECT count(*) FROM demo_deleted) AS deleted, (SELECT count(*) FROM demo_explained) AS explained,
       NOT EXISTS ((TABLE demo_explained EXCEPT TABLE demo_deleted)
                   UNION ALL (TABLE demo_deleted EXCEPT TABLE demo_explained)) AS explained_equals_deleted;
ROLLBACK;
SELECT count(*) FILTER (WHERE NOT agrees) AS differing_after_rollback
FROM quality_reconcile('demo_statements', 'demo_clicks');
