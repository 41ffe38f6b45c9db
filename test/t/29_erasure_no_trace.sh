#!/usr/bin/env bash
# Right to be forgotten across every table of the extension (doc/erasure.md): five learners with
# xAPI statements (three by mbox), events, engagement summaries, learning data, organisational units,
# training exposures, cases with reasons, contacts, coach assignments and outbox messages, risk
# scores, job messages naming them, and two rollups (one of a user's event table, one of the xAPI
# store itself) with pending changes. Then, as a member of learnalytics_admin:
#   - xapi_erase_actor erases ana (mbox) and learner_erase erases dora (a plain learner key);
#   - every column of every table of both schemas (cast to text) is scanned for ana's pseudonym,
#     mbox, mbox_sha1sum and dora's key: no hit (before erasure the same scan finds them in at least
#     12 tables, so the scan can fail);
#   - every row not about them is unchanged (md5 per table of the rows not naming them, before and
#     after), the cohort rollup rows included: counts stay;
#   - the rollup of the store, refreshed after erasure, equals a rebuild from the erased store;
#   - erasure_uncovered() lists nothing, and lists a new extension table with a learner column;
#   - an analyst may not call learner_erase (42501); NULL and blank keys are refused (22023);
#     dry_run changes nothing.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
export PGOPTIONS='--client-min-messages=warning'
s=$(la_t_ext_schema)
[ -n "$s" ] || { echo "extension not installed"; exit 1; }

cleanup() {
  la_t_psql -c "SELECT $s.rollup_drop(name) FROM $s.rollup WHERE name IN ('t29_events', 't29_store')" >/dev/null 2>&1
  # not ON_ERROR_STOP: each statement undoes what it can
  psql -X -q -d "$LA_DB" <<SQL >/dev/null 2>&1
SET search_path = $s;
DELETE FROM alert_outbox WHERE payload->>'t29' IS NOT NULL;
DELETE FROM alert WHERE detail->>'t29' IS NOT NULL;
DELETE FROM coach WHERE name = 't29_coach';
DELETE FROM learner_engagement WHERE source = 't29';
DELETE FROM engagement_source WHERE name = 't29';
DELETE FROM enrolment WHERE course = 't29';
DELETE FROM assignment_submission WHERE course = 't29'; DELETE FROM assignment WHERE course = 't29';
DELETE FROM quiz_attempt WHERE course = 't29'; DELETE FROM module_progress WHERE course = 't29';
DELETE FROM learner_org_unit WHERE org_unit = 't29'; DELETE FROM training_exposure WHERE program = 't29';
DELETE FROM learnalytics_internal.risk_score_current WHERE course = 't29';
DELETE FROM job_run WHERE job = 't29';
DELETE FROM xapi_statement_ids WHERE id IN (SELECT id FROM xapi_statements WHERE verb_id = 'http://example.org/t29/done');
DELETE FROM xapi_statements WHERE verb_id = 'http://example.org/t29/done';
DELETE FROM xapi_rejects WHERE statement::text LIKE '%t29%';
DROP SCHEMA IF EXISTS t29 CASCADE;
DROP ROLE IF EXISTS t29_admin; DROP ROLE IF EXISTS t29_analyst;
SQL
}
cleanup
la_t_cleanup_add cleanup

la_t_psql -v s="$s" <<'SQL' >/dev/null || exit 1
SET search_path = :s;
SET timezone = 'UTC';
CREATE ROLE t29_admin IN ROLE learnalytics_admin;
CREATE ROLE t29_analyst IN ROLE learnalytics_analyst;
CREATE SCHEMA t29;
GRANT USAGE ON SCHEMA t29 TO learnalytics_admin;
ALTER DEFAULT PRIVILEGES IN SCHEMA t29 GRANT SELECT ON TABLES TO learnalytics_admin;
-- the xAPI learners: ana (to erase), bob, cy; ana also sent once by mbox_sha1sum
CREATE TABLE t29.actor (name text, actor jsonb);
INSERT INTO t29.actor VALUES
  ('ana', '{"objectType": "Agent", "mbox": "mailto:Ana.T29@example.org"}'),
  ('bob', '{"objectType": "Agent", "mbox": "mailto:bob.t29@example.org"}'),
  ('cy',  '{"objectType": "Agent", "mbox": "mailto:cy.t29@example.org"}');
SELECT count(*) FROM xapi_ingest((
  SELECT jsonb_agg(jsonb_build_object(
           'actor', a.actor,
           'verb', jsonb_build_object('id', 'http://example.org/t29/done'),
           'object', jsonb_build_object('id', 'http://example.org/t29/activity/' || (d % 3)),
           'timestamp', to_char(timestamptz '2026-01-01 09:00+00' + d * interval '1 day' + k * interval '1 hour',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
    FROM t29.actor a, generate_series(0, 20) d, generate_series(0, 2) k))
 WHERE status = 'stored';
-- ana as mbox_sha1sum too, and as an Agent object of bob's statement
SELECT count(*) FROM xapi_ingest(jsonb_build_array(
  jsonb_build_object('actor', jsonb_build_object('mbox_sha1sum', xapi_mbox_sha1sum('mailto:ana.t29@example.org')),
                     'verb', jsonb_build_object('id', 'http://example.org/t29/done'),
                     'object', jsonb_build_object('id', 'http://example.org/t29/activity/9'),
                     'timestamp', '2026-01-22T10:00:00Z'),
  jsonb_build_object('actor', (SELECT actor FROM t29.actor WHERE name = 'bob'),
                     'verb', jsonb_build_object('id', 'http://example.org/t29/done'),
                     'object', (SELECT actor FROM t29.actor WHERE name = 'ana'),
                     'timestamp', '2026-01-22T11:00:00Z')));
-- a rejected statement of ana's
SELECT status FROM xapi_ingest(jsonb_build_array(jsonb_build_object(
  'actor', (SELECT actor FROM t29.actor WHERE name = 'ana'), 'verb', jsonb_build_object('id', 'not an iri t29'),
  'object', jsonb_build_object('id', 'http://example.org/t29/x'))), 'rejects');

-- the learner keys: the pseudonyms, and dora and eve, learners of the learning data only
CREATE TABLE t29.keys AS
SELECT a.name, xapi_pseudonym(a.actor) AS k FROM t29.actor a
UNION ALL VALUES ('dora', 'dora'), ('eve', 'eve');
CREATE TABLE t29.needles (who text, needle text);
INSERT INTO t29.needles
SELECT 'ana', k FROM t29.keys WHERE name = 'ana'
UNION ALL SELECT 'ana', xapi_pseudonym(jsonb_build_object('mbox_sha1sum', xapi_mbox_sha1sum('mailto:ana.t29@example.org')))
UNION ALL SELECT 'ana', 'ana.t29@example.org'
UNION ALL SELECT 'ana', xapi_mbox_sha1sum('mailto:ana.t29@example.org')
UNION ALL SELECT 'ana', xapi_mbox_sha1sum('mailto:Ana.T29@example.org')
UNION ALL SELECT 'dora', 'dora';

-- events keyed by learner key: the xAPI learners' from the store, dora's and eve's made up
CREATE TABLE t29.events (learner text, ts timestamptz, course text, activity text, weight integer);
INSERT INTO t29.events
SELECT actor_pseudonym, "timestamp", 't29', object_id, 1 FROM xapi_statements
 WHERE verb_id = 'http://example.org/t29/done' AND actor_pseudonym IS NOT NULL
UNION ALL
SELECT l, timestamptz '2026-01-01 09:00+00' + d * interval '1 day', 't29', 'http://example.org/t29/activity/1', 2
  FROM unnest('{dora,eve}'::text[]) l, generate_series(0, 20) d;
SELECT engagement_refresh('t29.events', 'learner', 'ts', source_name => 't29') > 0 AS refreshed;

-- learning data, organisation, exposures, scores, job messages
INSERT INTO enrolment (learner, course, enrolled_at, business_weight)
SELECT k, 't29', '2025-12-31', 1 FROM t29.keys;
INSERT INTO assignment (course, assignment, due_at) VALUES ('t29', 'a1', '2026-01-10');
INSERT INTO assignment_submission (course, assignment, learner, submitted_at, score)
SELECT 't29', 'a1', k, '2026-01-09', 0.5 FROM t29.keys;
INSERT INTO quiz_attempt (course, learner, attempted_at) SELECT 't29', k, '2026-01-08' FROM t29.keys;
INSERT INTO module_progress (course, learner, module, started_at, progress)
SELECT 't29', k, 'm1', '2026-01-02', 0.3 FROM t29.keys;
INSERT INTO learner_org_unit (learner, org_unit) SELECT k, 't29' FROM t29.keys;
INSERT INTO training_exposure (program, learner_key, exposed_from) SELECT 't29', k, '2026-01-01' FROM t29.keys;
INSERT INTO learnalytics_internal.risk_score_current (model, version, learner, course, day, probability,
                                                      raw_probability, reasons, contributions)
SELECT 't29', 1, k, 't29', '2026-01-20', 0.4, 0.4, 'inactive', jsonb_build_object('learner', k, 'days', 3)
  FROM t29.keys;
INSERT INTO job_run (job, kind, attempt, started_at, finished_at, ok, result, error)
SELECT 't29', 'rule_evaluate_all', 1, '2026-01-20', '2026-01-20', false, 'case opened for ' || k || '.',
       'learner "' || k || '" has no enrolment'
  FROM t29.keys;

-- cases: one per learner with a reason, a contact, a coach assignment and an outbox message
INSERT INTO coach (name, capacity) VALUES ('t29_coach', 10);
WITH a AS (
  INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                     evaluated_on, persisted, risk_score, detail)
  SELECT r.name, r.version, r.family, r.template, k.k, 't29', 'open', 'low', '2026-01-20', '2026-01-20', 1, 0.5,
         jsonb_build_object('t29', true, 'learner', k.k, 'peers', jsonb_build_array(k.k, 'someone'))
    FROM t29.keys k, alert_rule r WHERE r.name = 'engagement_dip'
  RETURNING id, learner, rule_name, rule_version, family, template),
r AS (
  INSERT INTO alert_reason (alert_id, rule_name, rule_version, family, template, course, severity, first_on,
                            evaluated_on, persisted, risk_score, detail)
  SELECT id, rule_name, rule_version, family, template, 't29', 'low', '2026-01-20', '2026-01-20', 1, 0.5,
         jsonb_build_object('learner', learner) FROM a RETURNING alert_id),
c AS (
  INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
  SELECT id, 1, 'in_app_nudge', 'automated', '2026-01-20' FROM a RETURNING id, alert_id),
g AS (
  INSERT INTO coach_assignment (alert_id, coach, assigned_on) SELECT id, 't29_coach', '2026-01-20' FROM a)
INSERT INTO alert_outbox (channel, alert_id, contact_id, learner, payload)
SELECT 'in_app_nudge', a.id, c.id, a.learner, jsonb_build_object('t29', true, 'learner', a.learner)
  FROM a JOIN c ON c.alert_id = a.id;

-- rollups: of the user's event table and of the store itself, each with changes still pending
SELECT rollup_create('t29_events', 't29.events', 'learner', 'ts', 'weight', 'course', 'activity');
SELECT rollup_create('t29_store', 'xapi_statements', 'actor_pseudonym', 'timestamp', NULL, NULL, 'object_id');
INSERT INTO t29.events SELECT learner, ts + interval '30 days', course, activity, weight FROM t29.events;
SELECT count(*) FROM xapi_ingest((
  SELECT jsonb_agg(jsonb_build_object(
           'actor', a.actor, 'verb', jsonb_build_object('id', 'http://example.org/t29/done'),
           'object', jsonb_build_object('id', 'http://example.org/t29/activity/late'),
           'timestamp', '2026-02-' || (10 + d) || 'T08:00:00Z'))
    FROM t29.actor a, generate_series(0, 3) d));
SQL

# the scan: hits of every needle in every column (cast to text) of every table of both schemas
scan_sql="
CREATE OR REPLACE FUNCTION t29.scan(who text) RETURNS TABLE (relation text, column_name name, hits bigint)
LANGUAGE plpgsql AS \$f\$
DECLARE r record; n bigint;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel, a.attname FROM pg_class c
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relnamespace IN ('$s'::regnamespace, 'learnalytics_internal'::regnamespace)
              AND c.relkind IN ('r', 'p') AND NOT c.relispartition LOOP
    EXECUTE format('SELECT count(*) FROM %s x WHERE EXISTS (SELECT 1 FROM t29.needles n
                     WHERE n.who = \$1 AND strpos(lower(x.%I::text), lower(n.needle)) > 0)', r.rel, r.attname)
      INTO n USING who;
    IF n > 0 THEN relation := r.rel::text; column_name := r.attname; hits := n; RETURN NEXT; END IF;
  END LOOP;
END \$f\$;
-- md5 per table of the rows that name none of the erased learners nor a tombstone
CREATE OR REPLACE FUNCTION t29.others() RETURNS TABLE (relation text, rows bigint, hash text)
LANGUAGE plpgsql AS \$f\$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
            WHERE c.relnamespace IN ('$s'::regnamespace, 'learnalytics_internal'::regnamespace)
              AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1 LOOP
    relation := r.rel::text;
    -- the children of the erased learners' cases go with them
    EXECUTE format('SELECT count(*), md5(coalesce(string_agg(t, %L ORDER BY t), %L))
                      FROM (SELECT x::text AS t FROM %s x %s) y
                     WHERE NOT EXISTS (SELECT 1 FROM t29.needles n WHERE strpos(lower(t), lower(n.needle)) > 0)
                       AND t NOT LIKE %L AND t NOT LIKE %L
                       AND NOT EXISTS (SELECT 1 FROM t29.tombs m WHERE strpos(t, m.k) > 0)',
                   chr(10), '', r.rel,
                   CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = r.rel AND a.attname = 'alert_id')
                        THEN 'WHERE x.alert_id NOT IN (SELECT id FROM t29.gone_alerts)' ELSE '' END,
                   '%erased:%', '%urn:learnalytics:erased%')
      INTO rows, hash;
    RETURN NEXT;
  END LOOP;
END \$f\$;
CREATE TABLE IF NOT EXISTS t29.tombs (k text);
"
la_t_psql -c "$scan_sql" || exit 1


scan_tables() {  # DISTINCT tables naming $1
  la_t_psql -c "SELECT count(DISTINCT relation) FROM t29.scan('$1')"
}
check_found_before() {
  local n m
  n=$(scan_tables ana); m=$(scan_tables dora)
  echo "tables naming ana: $n, dora: $m"
  [ "$n" -ge 14 ] && [ "$m" -ge 12 ]
}
la_t_check "the scan finds the learners before erasure" check_found_before

la_t_psql -c "CREATE TABLE t29.gone_alerts AS SELECT a.id FROM $s.alert a JOIN t29.needles n ON n.needle = a.learner;
              CREATE TABLE t29.before AS SELECT * FROM t29.others()" || exit 1

check_dry_run() {
  local out hits
  out=$(la_t_psql -v s="$s" <<'SQL'
SET ROLE t29_admin;
SELECT string_agg(relation::text || ':' || action || ':' || rows, ' ' ORDER BY relation::text, action)
  FROM :s.learner_erase('dora', dry_run => true);
SQL
)
  echo "$out"
  hits=$(la_t_psql -c "SELECT count(*) FROM t29.scan('dora')")
  echo "$out" | grep -q "enrolment:delete:1" && echo "$out" | grep -q "rollup_learner_day:summary:" &&
    echo "$out" | grep -q "alert_reason:cascade:1" && [ "$hits" -ge 12 ]
}
la_t_check "dry run counts what erasure would do and changes nothing" check_dry_run

check_refused() {
  local out
  out=$(la_t_psql -c "SET ROLE t29_analyst; SELECT * FROM $s.learner_erase('dora')" 2>&1)
  case $out in *"permission denied for function learner_erase"*) ;; *) echo "analyst: $out"; return 1 ;; esac
  out=$(la_t_psql -c "SET ROLE t29_admin; SELECT * FROM $s.learner_erase(NULL)" 2>&1)
  case $out in *"must not be null or blank"*) ;; *) echo "NULL: $out"; return 1 ;; esac
  out=$(la_t_psql -c "SET ROLE t29_admin; SELECT * FROM $s.learner_erase(' ')" 2>&1)
  case $out in *"must not be null or blank"*) ;; *) echo "blank: $out"; return 1 ;; esac
  out=$(la_t_psql -c "SELECT p.oid::regprocedure FROM pg_proc p
                       WHERE p.proname IN ('learner_erase', 'learner_erase_key', 'xapi_erase_actor')
                         AND has_function_privilege('public', p.oid, 'EXECUTE')")
  [ -z "$out" ] || { echo "PUBLIC may execute: $out"; return 1; }
}
la_t_check "refused: analyst, NULL and blank keys; PUBLIC executes nothing" check_refused

la_t_psql -v s="$s" <<'SQL' >/dev/null || exit 1
SET search_path = :s;
SET ROLE t29_admin;
SELECT xapi_erase_actor((SELECT actor FROM t29.actor WHERE name = 'ana')) AS ana_statements;
SELECT sum(rows) > 0 AS dora_erased FROM learner_erase('dora');
RESET ROLE;
INSERT INTO t29.tombs
SELECT DISTINCT actor_pseudonym FROM xapi_statements WHERE actor_key LIKE 'account:urn:learnalytics:erased %';
SQL

check_no_trace() {
  local out
  out=$(la_t_psql -c "SELECT 'ana', * FROM t29.scan('ana') UNION ALL SELECT 'dora', * FROM t29.scan('dora')")
  [ -z "$out" ] || { echo "traces left:"; echo "$out"; return 1; }
}
la_t_check "no trace of ana (xapi_erase_actor) nor dora (learner_erase) in any column of any table" check_no_trace

check_others() {
  local out
  out=$(la_t_psql -c "SELECT b.relation, b.rows, a.rows FROM t29.before b JOIN t29.others() a USING (relation)
                      WHERE (b.rows, b.hash) IS DISTINCT FROM (a.rows, a.hash)")
  [ -z "$out" ] || { echo "changed:"; echo "$out"; return 1; }
  # and they are there: bob, cy and eve kept their enrolments, cases and summaries
  out=$(la_t_psql -c "SELECT (SELECT count(*) FROM $s.enrolment WHERE course = 't29') || ' ' ||
                             (SELECT count(*) FROM $s.alert WHERE course = 't29') || ' ' ||
                             (SELECT count(*) FROM $s.learner_engagement e WHERE e.source = 't29')")
  echo "enrolments, cases, summaries left: $out"
  [ "$out" = "3 3 3" ]
}
la_t_check "rows of the other learners unchanged, cohort rollups included" check_others

check_rollup_store() {
  la_t_psql -v s="$s" <<'SQL'
SET search_path = :s;
SELECT (rollup_refresh('t29_store')).changes > 0 AS refreshed;
CREATE TABLE t29.refreshed AS
  SELECT learner, course, day, summary::text AS s FROM rollup_learner_day WHERE rollup = 't29_store';
CREATE TABLE t29.cw_refreshed AS
  SELECT course, week, summary::text AS s FROM rollup_course_week WHERE rollup = 't29_store';
CREATE TABLE t29.aw_refreshed AS
  SELECT course, activity, week, events, weight FROM rollup_activity_week WHERE rollup = 't29_store';
SELECT rollup_rebuild('t29_store') IS NOT NULL AS rebuilt;
CREATE TABLE t29.rebuilt AS
  SELECT learner, course, day, summary::text AS s FROM rollup_learner_day WHERE rollup = 't29_store';
CREATE TABLE t29.cw_rebuilt AS
  SELECT course, week, summary::text AS s FROM rollup_course_week WHERE rollup = 't29_store';
CREATE TABLE t29.aw_rebuilt AS
  SELECT course, activity, week, events, weight FROM rollup_activity_week WHERE rollup = 't29_store';
DO $$
BEGIN
  IF (SELECT count(*) FROM t29.rebuilt) < 40 THEN
    RAISE EXCEPTION 'rollup has only % learner-days', (SELECT count(*) FROM t29.rebuilt);
  END IF;
  IF EXISTS (SELECT * FROM t29.rebuilt EXCEPT SELECT * FROM t29.refreshed)
     OR EXISTS (SELECT * FROM t29.refreshed EXCEPT SELECT * FROM t29.rebuilt)
     OR EXISTS (SELECT * FROM t29.cw_rebuilt EXCEPT SELECT * FROM t29.cw_refreshed)
     OR EXISTS (SELECT * FROM t29.cw_refreshed EXCEPT SELECT * FROM t29.cw_rebuilt)
     OR EXISTS (SELECT * FROM t29.aw_rebuilt EXCEPT SELECT * FROM t29.aw_refreshed)
     OR EXISTS (SELECT * FROM t29.aw_refreshed EXCEPT SELECT * FROM t29.aw_rebuilt) THEN
    RAISE EXCEPTION 'refresh after erasure differs from a rebuild';
  END IF;
END
$$;
SQL
}
la_t_check "rollup of the store: refreshed after erasure equals a rebuild" check_rollup_store

check_uncovered() {
  local out
  out=$(la_t_psql -c "SELECT * FROM learnalytics_internal.erasure_uncovered()")
  [ -z "$out" ] || { echo "uncovered:"; echo "$out"; return 1; }
  out=$(la_t_psql <<'SQL'
BEGIN;
CREATE TABLE learnalytics_internal.t29_new (learner_id text, note text);
ALTER EXTENSION learnalytics ADD TABLE learnalytics_internal.t29_new;
SELECT relation || ' ' || coalesce(column_name, '-') FROM learnalytics_internal.erasure_uncovered();
ROLLBACK;
SQL
)
  echo "$out"
  [ "$out" = "learnalytics_internal.t29_new learner_id
learnalytics_internal.t29_new -" ]
}
la_t_check "erasure_uncovered: nothing now; a new extension table with a learner column is listed" check_uncovered

la_t_done
