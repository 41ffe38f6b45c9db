#!/usr/bin/env bash
# The xAPI round trip reconciled (doc/quality.md, "Reconciliation"): events become xAPI statements
# through the real ingest (half through xapi_ingest, half through the xapi_statement_stream view),
# the built-in source xapi and the events (a quality_source over a view) reconcile with 0
# differences, by count per day and course and, through a view of the store with the clicks, by
# sum; a reconcile check run by quality_run finds nothing. Then k chosen statements leave the store
# (some deleted, some voided by a voiding statement through the ingest) and m chosen events leave
# the event table, one of each in the same day and course so that their counts cancel out: the
# groups quality_reconcile reports, the findings of the check and the rows quality_reconcile_explain
# lists equal exactly what the list of deletions (the oracle) gives, worked out in plain SQL.
# Runs in a database of its own. Check 1: synthetic events (seeded); check 2: a slice of OULAD
# (AAA/2013J, days 0-13), skipped when ../shared/data/oulad is absent.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"

db=la_quality_xapi_reconcile
dropdb() { psql -X -q -d "$LA_DB" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; }
newdb() {
  dropdb
  psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -c "CREATE DATABASE $db"
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning;
    CREATE SCHEMA learnalytics; CREATE EXTENSION learnalytics SCHEMA learnalytics;"
  la_t_cleanup_add dropdb
}

# The round trip over a table qrx_events (learner_id text, ts timestamptz, course text, activity
# text, clicks bigint), one row per learner, course, activity and day, made by the caller's SQL
# ($1); k statements and m events leave (k >= 3, m >= 2). Prints "FAIL: ..." lines for every
# mismatch and "round trip ok" at the end when there is none.
roundtrip() {
  local prelude=$1 k=$2 m=$3
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -v k="$k" -v m="$m" <<SQL
SET client_min_messages = warning;
SET search_path = public, learnalytics;
SET TimeZone = 'UTC';
$prelude
ALTER TABLE qrx_events ADD COLUMN event_id text;
UPDATE qrx_events SET event_id = md5(learner_id || '/' || course || '/' || activity || '/' || ts)::uuid::text;
ALTER TABLE qrx_events ADD PRIMARY KEY (event_id);
-- the statements: the course as a grouping activity (what the built-in source xapi reads as course)
CREATE TABLE qrx_statement AS
SELECT e.event_id, row_number() OVER (ORDER BY e.event_id) % 2 AS half, jsonb_build_object(
         'id', e.event_id,
         'actor', jsonb_build_object('objectType', 'Agent',
                    'account', jsonb_build_object('homePage', 'https://lms.example', 'name', e.learner_id)),
         'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/interacted'),
         'object', jsonb_build_object('id', e.activity),
         'result', jsonb_build_object('extensions', jsonb_build_object('https://learnalytics.dev/xapi/clicks', e.clicks)),
         'context', jsonb_build_object('contextActivities', jsonb_build_object('grouping', jsonb_build_array(
                      jsonb_build_object('id', e.course)))),
         'timestamp', to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) AS statement
FROM qrx_events e;
SELECT 'FAIL: xapi_ingest: ' || status || ' ' || count(*)
FROM xapi_ingest((SELECT jsonb_agg(statement ORDER BY event_id) FROM qrx_statement WHERE half = 0))
GROUP BY status HAVING status <> 'stored';
INSERT INTO xapi_statement_stream SELECT statement FROM qrx_statement WHERE half = 1 ORDER BY event_id;
SELECT 'FAIL: store holds ' || count(*) || ' statements, not ' || (SELECT count(*) FROM qrx_events)
FROM xapi_statements HAVING count(*) <> (SELECT count(*) FROM qrx_events);

-- the events as the store keys them: learner = the actor's pseudonym, computed once per learner
CREATE VIEW qrx_event_view AS
WITH p AS MATERIALIZED (
  SELECT l.learner_id, xapi_pseudonym(jsonb_build_object('account', jsonb_build_object(
           'homePage', 'https://lms.example', 'name', l.learner_id))) AS learner
  FROM (SELECT DISTINCT learner_id FROM qrx_events) l
)
SELECT p.learner, e.ts, e.course, e.activity, e.clicks AS weight, e.event_id FROM qrx_events e JOIN p USING (learner_id);
-- the store with the clicks (the built-in source has no weight)
CREATE VIEW qrx_store_view AS
SELECT s.actor_pseudonym AS learner, s."timestamp" AS ts, s.grouping_ids[1] AS course, s.object_id AS activity,
       (s.statement -> 'result' -> 'extensions' ->> 'https://learnalytics.dev/xapi/clicks')::bigint AS weight,
       s.id::text AS event_id
FROM xapi_statements s WHERE NOT s.voided AND s.verb_id <> 'http://adlnet.gov/expapi/verbs/voided';
INSERT INTO quality_source (name, kind, relation) VALUES ('qrx_events', 'events', 'qrx_event_view'),
  ('qrx_store', 'events', 'qrx_store_view');
INSERT INTO quality_check (name, check_type, source, parameters, severity)
VALUES ('qrx_store_vs_events', 'reconcile', 'xapi', '{"other": "qrx_events", "sample_size": 100}', 'high');
SELECT max(ts) + interval '1 day' AS as_of FROM qrx_events \gset

-- 0 differences: every day-course group of the events, equal counts; equal clicks
CREATE TEMP TABLE plain_groups AS
SELECT ts::date AS day, course, count(*) AS events, sum(clicks) AS clicks FROM qrx_events GROUP BY 1, 2;
SELECT 'FAIL: equal sources: ' || count(*) || ' groups, ' || count(*) FILTER (WHERE NOT agrees) || ' differing, '
       || (SELECT count(*) FROM plain_groups) || ' groups in the events'
FROM quality_reconcile('xapi', 'qrx_events')
HAVING count(*) FILTER (WHERE NOT agrees) > 0 OR count(*) <> (SELECT count(*) FROM plain_groups)
    OR count(*) FILTER (WHERE (day, course, a_value) NOT IN (SELECT day, course, events FROM plain_groups)) > 0;
SELECT 'FAIL: equal sources by clicks: ' || count(*) FILTER (WHERE NOT agrees) || ' differing'
FROM quality_reconcile('qrx_store', 'qrx_events', measure => 'sum')
HAVING count(*) FILTER (WHERE NOT agrees) > 0
    OR count(*) FILTER (WHERE (day, course, a_value) NOT IN (SELECT day, course, clicks FROM plain_groups)) > 0;
SELECT 'FAIL: equal sources: explain lists ' || count(*) || ' keys'
FROM quality_reconcile_explain('xapi', 'qrx_events', key => '{event_id}') HAVING count(*) > 0;
SELECT 'FAIL: equal sources: quality_run found ' || findings
FROM quality_run('{qrx_store_vs_events}', :'as_of') WHERE findings <> 0;

-- the oracle: the rows that leave, chosen by id. Statements: the first k-1 of a spread of ids
-- (two of them voided, the others deleted) and one in the day and course of the first event that
-- leaves (their counts cancel out there); events: m, none of them a statement that leaves.
CREATE TEMP TABLE gone (side text, event_id text, day date, course text, clicks bigint, how text);
INSERT INTO gone
SELECT 'b', e.event_id, e.ts::date, e.course, e.clicks, CASE WHEN n <= 2 THEN 'voided' ELSE 'deleted' END
FROM (SELECT e.*, row_number() OVER (ORDER BY md5(e.event_id || 'stmt')) AS n FROM qrx_events e) e
WHERE n < :k;
INSERT INTO gone
SELECT 'a', e.event_id, e.ts::date, e.course, e.clicks, 'deleted'
FROM (SELECT e.*, row_number() OVER (ORDER BY md5(e.event_id || 'event')) AS n FROM qrx_events e
       WHERE e.event_id NOT IN (SELECT event_id FROM gone)) e
WHERE n <= :m;
INSERT INTO gone
SELECT 'b', e.event_id, e.ts::date, e.course, e.clicks, 'deleted'
FROM qrx_events e JOIN gone g ON g.side = 'a' AND g.day = e.ts::date AND g.course = e.course
WHERE e.event_id NOT IN (SELECT event_id FROM gone)
ORDER BY g.event_id, e.event_id LIMIT 1;
SELECT 'FAIL: the oracle has ' || count(*) FILTER (WHERE side = 'b') || ' statements and '
       || count(*) FILTER (WHERE side = 'a') || ' events, not ' || :k || ' and ' || :m
FROM gone HAVING count(*) FILTER (WHERE side = 'b') <> :k OR count(*) FILTER (WHERE side = 'a') <> :m;
-- voiding through the ingest
SELECT 'FAIL: voiding: ' || status FROM xapi_ingest((
  SELECT jsonb_agg(jsonb_build_object(
           'id', md5('void/' || g.event_id)::uuid,
           'actor', jsonb_build_object('objectType', 'Agent',
                      'account', jsonb_build_object('homePage', 'https://lms.example', 'name', 'admin')),
           'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/voided'),
           'object', jsonb_build_object('objectType', 'StatementRef', 'id', g.event_id),
           'timestamp', '2030-01-01T00:00:00Z'))
  FROM gone g WHERE g.how = 'voided')) WHERE status <> 'stored';
DELETE FROM xapi_statements WHERE id::text IN (SELECT event_id FROM gone WHERE side = 'b' AND how = 'deleted');
DELETE FROM qrx_events WHERE event_id IN (SELECT event_id FROM gone WHERE side = 'a');

-- the differences per day and course (a = the store, b = the events): events gone minus
-- statements gone, where that is not 0
CREATE TEMP TABLE expected_groups AS
SELECT g.day, g.course, sum(CASE g.side WHEN 'a' THEN 1 ELSE -1 END) AS difference,
       sum(CASE g.side WHEN 'a' THEN g.clicks ELSE -g.clicks END) AS click_difference
FROM gone g GROUP BY 1, 2;
CREATE TEMP TABLE reported AS SELECT * FROM quality_reconcile('xapi', 'qrx_events') WHERE NOT agrees;
SELECT 'FAIL: group ' || coalesce(x.day, r.day) || ' ' || coalesce(x.course, r.course) || ': expected difference '
       || coalesce(x.difference::text, 'none') || ', reported ' || coalesce(r.difference::text, 'none')
FROM (SELECT * FROM expected_groups WHERE difference <> 0) x
FULL JOIN reported r ON r.day = x.day AND r.course = x.course
WHERE x.difference IS DISTINCT FROM r.difference;
SELECT 'FAIL: group ' || r.day || ' ' || r.course || ': the values ' || r.a_value || ' vs ' || r.b_value
       || ' are not the plain counts'
FROM reported r
WHERE r.a_value <> (SELECT count(*) FROM xapi_statements s WHERE NOT s.voided AND s.grouping_ids[1] = r.course
                      AND s."timestamp" >= r.day AND s."timestamp" < r.day + 1)
   OR r.b_value <> (SELECT count(*) FROM qrx_events e WHERE e.course = r.course AND e.ts::date = r.day);
SELECT 'FAIL: the cancelling group was reported or no group cancels'
WHERE NOT EXISTS (SELECT 1 FROM expected_groups WHERE difference = 0)
   OR EXISTS (SELECT 1 FROM reported r JOIN expected_groups x USING (day, course) WHERE x.difference = 0);
-- by clicks
SELECT 'FAIL: clicks of group ' || coalesce(x.day, r.day) || ' ' || coalesce(x.course, r.course) || ': expected '
       || coalesce(x.click_difference::text, 'none') || ', reported ' || coalesce(r.difference::text, 'none')
FROM (SELECT * FROM expected_groups WHERE click_difference <> 0) x
FULL JOIN (SELECT * FROM quality_reconcile('qrx_store', 'qrx_events', measure => 'sum') WHERE NOT agrees) r
  ON r.day = x.day AND r.course = x.course
WHERE x.click_difference IS DISTINCT FROM r.difference;
-- the explaining rows: exactly the rows gone, on the side they remain (the cancelling pair too)
CREATE TEMP TABLE explained AS
SELECT side, event_id, day, course, a_value, b_value FROM quality_reconcile_explain('xapi', 'qrx_events', key => '{event_id,day,course}');
SELECT 'FAIL: explained but not gone: ' || e.side || ' ' || e.event_id
FROM explained e WHERE (e.side, e.event_id, e.day, e.course) NOT IN (SELECT side, event_id, day, course FROM gone)
   OR e.a_value + e.b_value <> 1;
SELECT 'FAIL: gone but not explained: ' || g.side || ' ' || g.event_id || ' (' || g.how || ')'
FROM gone g WHERE (g.side, g.event_id) NOT IN (SELECT side, event_id FROM explained);
-- per group, as the check reports it: quality_run's findings (observed = the store)
SELECT 'FAIL: quality_run: ' || findings || ' findings, ' || opened || ' opened, expected '
       || (SELECT count(*) FROM expected_groups WHERE difference <> 0)
FROM quality_run('{qrx_store_vs_events}', :'as_of')
WHERE findings <> (SELECT count(*) FROM expected_groups WHERE difference <> 0) OR opened <> findings;
SELECT 'FAIL: finding ' || f.scope || ': ' || f.observed || ' vs ' || f.expected || ', rows ' || f.rows
FROM quality_finding f
LEFT JOIN reported r ON r.day = f.day AND r.course = f.course
WHERE f.check_name = 'qrx_store_vs_events' AND f.status = 'open'
  AND (r.day IS NULL OR f.observed <> r.a_value OR f.expected <> r.b_value OR f.subject <> 'qrx_events'
       OR f.rows <> (SELECT count(*) FROM gone g WHERE g.day = f.day AND g.course = f.course)
       OR jsonb_array_length(f.sample) <> f.rows
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(f.sample) j
                   WHERE NOT EXISTS (SELECT 1 FROM gone g JOIN qrx_statement s USING (event_id)
                                      WHERE g.day = f.day AND g.course = f.course AND g.side = j->>'side'
                                        AND s.statement #>> '{object,id}' = j->>'activity')));
SELECT 'round trip ok: ' || (SELECT count(*) FROM qrx_statement) || ' statements, ' || :k || ' gone from the store ('
       || (SELECT count(*) FROM gone WHERE how = 'voided') || ' voided), ' || :m || ' events gone, '
       || (SELECT count(*) FROM reported) || ' groups differ, ' || (SELECT count(*) FROM explained) || ' rows explain them';
SQL
}

run_check() {
  local out
  out=$(roundtrip "$@") || { echo "$out"; exit 1; }
  echo "$out"
  if grep -q '^FAIL' <<<"$out" || ! grep -q '^round trip ok' <<<"$out"; then
    exit 1
  fi
}

synthetic() {
  newdb
  # 40 learners over 3 courses, 10 days from 2026-03-01, about a third of learner-days active, a
  # few resources each, at any time of day (noon UTC +- 12 h, so days split at midnight UTC)
  run_check "SELECT setseed(0.32) \\g /dev/null
CREATE TABLE qrx_events AS
SELECT 'learner' || l AS learner_id, 'https://lms.example/course/C' || (l % 3) AS course,
       'https://lms.example/resource/' || r AS activity,
       timestamptz '2026-03-01 00:00Z' + d * interval '1 day' + (floor(random() * 1440) * interval '1 minute') AS ts,
       1 + floor(random() * 20)::bigint AS clicks
FROM generate_series(1, 40) l, generate_series(0, 9) d, generate_series(1, 6) r
WHERE random() < 0.12;" 7 5
}

oulad_slice() {
  oulad_need_data
  newdb
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v dir="$LA_OULAD_DIR" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT count(*) FROM learnalytics.oulad_load(:'dir');
SQL
  run_check "CREATE TABLE qrx_events AS
SELECT a.id_student::text AS learner_id, 'https://learn.open.ac.uk/course/' || a.code_module || '/' || a.code_presentation AS course,
       'https://learn.open.ac.uk/vle/' || a.id_site AS activity, a.ts, a.clicks
FROM oulad.activity a WHERE a.code_module = 'AAA' AND a.code_presentation = '2013J' AND a.day BETWEEN 0 AND 13;" 12 9
}

la_t_check "synthetic events: xAPI round trip reconciled, deletions reported exactly" synthetic
la_t_check "OULAD AAA/2013J days 0-13: xAPI round trip reconciled, deletions reported exactly" oulad_slice
la_t_done
