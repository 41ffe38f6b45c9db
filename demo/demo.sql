-- learnalytics demo: run by `make demo` (demo/run.sh) on a throwaway cluster, database
-- learnalytics_demo. psql variables: oulad_dir (a directory of OULAD files), data_label.
\pset footer off
\pset null ''
SET client_min_messages = warning;

\echo
\echo '== 1. install =='
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
CREATE EXTENSION pg_cron;
SET search_path = public, learnalytics;
SELECT e.extversion AS learnalytics, library_version() AS library, pg_cron_available() AS pg_cron,
       current_setting('server_version') AS postgresql
FROM pg_extension e WHERE e.extname = 'learnalytics';

\echo
\echo '== 2. load: SELECT * FROM learnalytics.oulad_load(dir) =='
\echo 'data:' :data_label
SELECT * FROM oulad_load(:'oulad_dir');
\echo 'Presentations with click data (day 0 = 1 Feb for B, 1 Oct for J; a click of day d = noon UTC of day 0 + d).'
\echo 'Only presentations whose clicks run to their last day are replayed; a truncated one is listed, never counted.'
SELECT code_module || '/' || code_presentation AS presentation, start_date, length_days, click_rows,
       first_click_day, last_click_day,
       CASE WHEN clicks_complete THEN 'complete: replayed' ELSE 'INCOMPLETE: excluded' END AS status
FROM oulad.presentation WHERE click_rows > 0 ORDER BY 1;

\echo
\echo '== 3. engagement summaries: engagement_refresh(''oulad.activity'', ''enrolment'', ''ts'', ''clicks'') =='
\echo 'One summary per enrolment with clicks (module/presentation/student; the truncated presentation too, never replayed).'
\echo 'An event = one resource used on one day, weight = its clicks.'
SELECT engagement_refresh('oulad.activity', 'enrolment', 'ts', 'clicks') AS summaries_built;
\ir replay.sql
SELECT count(*) AS learners_replayed, count(withdrew_day) AS withdrew_during_course,
       round(100.0 * count(withdrew_day) / count(*), 1) AS withdrawal_pct,
       (SELECT count(*) FROM replay.student_day) AS registered_student_days
FROM replay.population;

-- the biggest replayed presentation, for the day-by-day views
SELECT presentation AS demo_presentation FROM replay.population GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1 \gset
\ir quality.sql

\echo
\echo '== 4. at risk on course day 60 of' :demo_presentation '(what a tutor would see that morning) =='
\echo 'Rules: dip_events_60_14_3 (the default dip: events below 60% of the 14-day mean for 3+ days) and inactive_21d'
\echo '(21+ days without a click), copies of the shipped engagement_dip and inactivity rules; rule_matches() on that day.'
\echo 'what_happened is hindsight, shown only to judge the rules; nobody knows it on day 60. A sample of 12:'
SELECT count(*) AS registered,
       count(*) FILTER (WHERE dip_rule) AS dip_rule_flags,
       count(*) FILTER (WHERE idle_rule) AS inactivity_flags,
       count(*) FILTER (WHERE dip_rule AND idle_rule) AS both
FROM replay.at_risk(60) WHERE presentation = :'demo_presentation';
SELECT r.enrolment, r.reason,
       CASE WHEN r.withdrew_day IS NOT NULL THEN 'unregistered on day ' || r.withdrew_day
            ELSE e.outcome END AS what_happened
FROM replay.at_risk(60) r JOIN oulad.enrolment e USING (enrolment)
WHERE r.presentation = :'demo_presentation' AND (r.dip_rule OR r.idle_rule)
ORDER BY md5(r.enrolment) LIMIT 12;
\echo
\echo '== 5. the same rules as of chosen course days, every replayed presentation =='
\echo 'wd30 = share of the flagged learners who unregistered within the next 30 days; base = share of all registered learners.'
SELECT d AS course_day, count(*) AS registered,
       round(100.0 * count(*) FILTER (WHERE withdrew_day - d BETWEEN 1 AND 30) / count(*), 1) AS base_wd30_pct,
       count(*) FILTER (WHERE dip_rule) AS dip_flagged,
       round(100.0 * count(*) FILTER (WHERE dip_rule AND withdrew_day - d BETWEEN 1 AND 30)
             / nullif(count(*) FILTER (WHERE dip_rule), 0), 1) AS dip_wd30_pct,
       count(*) FILTER (WHERE idle_rule) AS idle21_flagged,
       round(100.0 * count(*) FILTER (WHERE idle_rule AND withdrew_day - d BETWEEN 1 AND 30)
             / nullif(count(*) FILTER (WHERE idle_rule), 0), 1) AS idle21_wd30_pct
FROM unnest('{14,30,60,90,120,180}'::int[]) d CROSS JOIN LATERAL replay.at_risk(d)
GROUP BY d ORDER BY d;

\ir rules.sql
\ir model.sql

\echo
\echo '== 10. alert volume per course week in' :scored '(what the team would have to handle) =='
\echo 'The alerts of the two rules (rule_replay_alerts()) and of the model at its weekly capacity (course week = days'
\echo 'since day 0 / 7).'
CREATE TABLE replay.alert AS
SELECT r.rule, a.learner AS enrolment, a.day - p.start_date AS day
FROM (SELECT DISTINCT unnest(ARRAY['dip_events_60_14_3', :'best_rule']) AS rule) r
CROSS JOIN replay.scope s
CROSS JOIN LATERAL rule_replay_alerts(r.rule, s.from_day, s.to_day, s.overrides) a
JOIN replay.population p ON p.enrolment = a.learner
WHERE s.presentation = :'scored';
SELECT w.week, count(DISTINCT d.enrolment) AS registered,
       count(DISTINCT d.enrolment) FILTER (WHERE p.withdrew_day BETWEEN 7 * w.week + 1 AND 7 * w.week + 7) AS withdrew,
       (SELECT count(*) FROM replay.alert a WHERE a.rule = 'dip_events_60_14_3' AND a.day / 7 = w.week) AS "dip default",
       (SELECT count(*) FROM replay.alert a WHERE a.rule = :'best_rule' AND a.day / 7 = w.week) AS "chosen rule",
       (SELECT count(*) FROM model.alert a WHERE a.day / 7 = w.week) AS "model"
FROM (SELECT DISTINCT day / 7 AS week FROM replay.student_day WHERE presentation = :'scored') w
JOIN replay.student_day d ON d.day / 7 = w.week AND d.presentation = :'scored'
JOIN replay.population p USING (enrolment)
GROUP BY w.week ORDER BY w.week;

\echo
\echo '== 11. dropout funnel (registrations and outcomes; the last line covers every presentation) =='
WITH e AS (
  SELECT e.code_module || '/' || e.code_presentation AS presentation, e.*, p.length_days, p.clicks_complete,
         EXISTS (SELECT 1 FROM oulad.activity a WHERE a.enrolment = e.enrolment AND a.day BETWEEN 0 AND 13) AS clicked_2w
  FROM oulad.enrolment e JOIN oulad.presentation p USING (code_module, code_presentation)
), f AS (
  SELECT CASE WHEN GROUPING(presentation) = 1 THEN 'all ' || count(DISTINCT presentation) || ' presentations'
              ELSE presentation END AS presentation,
         bool_and(clicks_complete) AS clicks,
         count(*) AS enrolled,
         count(*) FILTER (WHERE unregistered_day <= 0) AS left_before_start,
         count(*) FILTER (WHERE coalesce(unregistered_day > 0, true)) AS at_start,
         count(*) FILTER (WHERE coalesce(unregistered_day > 0, true) AND clicked_2w) AS clicked_weeks_1_2,
         count(*) FILTER (WHERE coalesce(unregistered_day > 30, true)) AS day_30,
         count(*) FILTER (WHERE coalesce(unregistered_day > 90, true)) AS day_90,
         count(*) FILTER (WHERE coalesce(unregistered_day > length_days, true) AND outcome <> 'withdrawn') AS completed,
         count(*) FILTER (WHERE outcome IN ('pass', 'distinction')) AS passed,
         count(*) FILTER (WHERE withdrawal_day_missing) AS withdrawn_no_day
  FROM e GROUP BY GROUPING SETS ((presentation), ())
)
SELECT presentation, enrolled, left_before_start, at_start,
       CASE WHEN clicks THEN clicked_weeks_1_2::text ELSE '' END AS clicked_wk1_2,
       day_30, day_90, completed, passed,
       round(100.0 * passed / enrolled, 1) AS passed_pct, withdrawn_no_day
FROM f
WHERE presentation IN (SELECT presentation FROM replay.population) OR presentation LIKE 'all %'
ORDER BY presentation LIKE 'all %', presentation;
\echo 'clicked_wk1_2 is shown only where the click data is complete. withdrawn_no_day: withdrawn, but no unregistration day'
\echo 'in the data (left out of the replays, counted here as withdrawn).'

\echo
\echo '== 12. learning statements: the first four weeks of' :demo_presentation 'as xAPI statements, through the bulk path =='
\echo 'Each OULAD event (one resource used on one day) becomes an xAPI statement by an account Agent. INSERT into the view'
\echo 'xapi_statement_stream runs the same load as COPY of NDJSON would: validation, ids, pseudonyms, new months (doc/xapi.md).'
CREATE TEMP VIEW demo_statements AS
SELECT jsonb_build_object(
         'id', md5(a.enrolment || '/' || a.id_site || '/' || a.day)::uuid,
         'actor', jsonb_build_object('objectType', 'Agent',
                    'account', jsonb_build_object('homePage', 'https://learn.open.ac.uk', 'name', a.id_student::text)),
         'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/interacted',
                                    'display', jsonb_build_object('en', 'interacted')),
         'object', jsonb_build_object('id', 'https://learn.open.ac.uk/vle/' || a.id_site),
         'result', jsonb_build_object('extensions', jsonb_build_object('https://learnalytics.dev/xapi/clicks', a.clicks)),
         'context', jsonb_build_object('contextActivities', jsonb_build_object('parent', jsonb_build_array(
                      jsonb_build_object('id', 'https://learn.open.ac.uk/course/' || a.code_module || '/' || a.code_presentation)))),
         'timestamp', to_char(a.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS statement
FROM oulad.activity a
WHERE a.code_module || '/' || a.code_presentation = :'demo_presentation' AND a.day BETWEEN 0 AND 27;
INSERT INTO xapi_statement_stream SELECT statement FROM demo_statements;
\echo 'Sending the same statements again stores nothing (same ids, same content):'
INSERT INTO xapi_statement_stream SELECT statement FROM demo_statements;
SELECT source, statements, stored, existing, rejected, new_partitions,
       round(statements / greatest(extract(epoch FROM finished_at - started_at), 0.001)) AS statements_per_s
FROM xapi_loads ORDER BY started_at;
\echo 'What an analyst reads (xapi_statements_pseudonymous: pseudonyms, no account names), the three busiest learners:'
SELECT left(actor_pseudonym, 16) || '...' AS learner, count(*) AS statements, count(DISTINCT object_id) AS resources,
       min("timestamp")::date AS first_day, max("timestamp")::date AS last_day
FROM xapi_statements_pseudonymous GROUP BY actor_pseudonym ORDER BY 2 DESC, 1 LIMIT 3;
\echo 'The store keeps every event: statements and active days per learner equal the OULAD table''s, for every learner:'
WITH x AS (
  SELECT actor_pseudonym AS who, count(*) AS events, count(DISTINCT "timestamp"::date) AS days
  FROM xapi_statements_pseudonymous GROUP BY 1
), o AS (
  SELECT xapi_pseudonym(jsonb_build_object('account', jsonb_build_object('homePage', 'https://learn.open.ac.uk',
                                                                          'name', a.id_student::text))) AS who,
         count(*) AS events, count(DISTINCT a.day) AS days
  FROM oulad.activity a
  WHERE a.code_module || '/' || a.code_presentation = :'demo_presentation' AND a.day BETWEEN 0 AND 27
  GROUP BY a.id_student
)
SELECT count(*) AS learners, count(*) FILTER (WHERE x.events = o.events AND x.days = o.days) AS same_events_and_days,
       (SELECT count(*) FROM x) AS learners_in_store
FROM o LEFT JOIN x USING (who);
\ir quality_reconcile.sql
\ir report.sql
