#!/usr/bin/env bash
# Replay equals live (issue 15). A synthetic cohort of 40 learners over 30 days (2026-01-05 to
# 2026-02-03), with the dip, inactivity and assignment-miss rules enabled and two coaches of small
# capacity, is evaluated LIVE day by day, each day in its own transaction as a schedule would
# (rule_evaluate_all as of the next midnight, then coach_assign_cases of the day). What live wrote
# is read back with plain SQL from the alert tables as events. Then alert_replay over the same
# period, on that same database (it starts from no case, inside a block it rolls back), must
# return the same events: cases opened, reasons, contacts (step, channel, kind, day, outcome),
# escalations to coach_required, coach assignments and closings, compared as sets both ways.
# Also: replay leaves every table as it was; each kind of event happened (a test that could not
# fail otherwise); rule_replay_alerts' condition onsets differ from live volume where the
# cooldowns and the one-open-case rule suppress a case; privileges, limits and the daily volume.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
db=la_t45_replay
adm=la_t45_admin
ana=la_t45_analyst
cleanup() {
  psql -X -q -d "$LA_DB" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  psql -X -q -d "$LA_DB" -c "DROP ROLE IF EXISTS $adm" -c "DROP ROLE IF EXISTS $ana" >/dev/null 2>&1 || true
}
la_t_cleanup_add cleanup
cleanup
la_t_psql -c "CREATE DATABASE $db"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
q -c "CREATE SCHEMA learnalytics" -c "CREATE EXTENSION learnalytics SCHEMA learnalytics" \
  -c "ALTER DATABASE $db SET search_path = learnalytics, public" -c "ALTER DATABASE $db SET timezone = 'UTC'" \
  -c "CREATE ROLE $adm LOGIN IN ROLE learnalytics_admin" -c "CREATE ROLE $ana LOGIN IN ROLE learnalytics_analyst"

# ---- the cohort ---------------------------------------------------------------------------------
# 40 learners enrolled 2025-11-20, events from 2025-12-01 (so the dip baselines exist); by i % 5:
#   0 steady (3-6 events a day); 1 goes silent 3-8 days from a learner's day in Jan, then back;
#   2 silent 10-14 days, then back; 3 sporadic (active on ~45% of days, 2 events);
#   4 stops in January for good; half of them leave the course, 3 or 9 days later (3: the day
#   after the dip rule's first nudge).
# Learners 1-32 in course c1, 33-40 in c2. Assignments due every 7 days; steady and dipping
# learners submit the day before, sporadic ones 0-4 days late or (i + j) % 7 = 0 never, silent
# ones not while silent (late when they come back), leavers not after they stop.
q <<'SQL'
SELECT setseed(0.45);
CREATE TABLE t45_pattern AS
SELECT i, 'l' || lpad(i::text, 2, '0') AS learner, CASE WHEN i <= 32 THEN 'c1' ELSE 'c2' END AS course, i % 5 AS type,
       CASE i % 5 WHEN 1 THEN date '2026-01-08' + (i * 3) % 15 WHEN 2 THEN date '2026-01-10' + i % 12
                  WHEN 4 THEN date '2026-01-09' + i % 13 END AS silent_from,
       CASE i % 5 WHEN 1 THEN 3 + i % 6 WHEN 2 THEN 10 + i % 5 WHEN 4 THEN 1000 END AS silent_days
  FROM generate_series(1, 40) i;
CREATE TABLE t45_events (learner text, ts timestamptz);
INSERT INTO t45_events
SELECT p.learner, d + interval '10 hours' + k * interval '7 minutes'
  FROM t45_pattern p, generate_series(timestamp '2025-12-01', timestamp '2026-02-03', interval '1 day') d,
       LATERAL (SELECT CASE
                  WHEN p.silent_from IS NOT NULL AND d::date >= p.silent_from AND d::date < p.silent_from + p.silent_days THEN 0
                  WHEN p.type = 0 THEN 3 + (p.i + extract(day FROM d)::int) % 4
                  WHEN p.type = 3 THEN CASE WHEN random() < 0.45 THEN 2 ELSE 0 END
                  ELSE 5 END AS n) e,
       generate_series(1, e.n) k;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT p.learner, p.course, 'k', '2025-11-20 09:00+00',
       CASE WHEN p.type = 4 AND p.i % 10 < 5 THEN (p.silent_from + CASE WHEN p.i % 20 = 4 THEN 3 ELSE 9 END)::timestamp AT TIME ZONE 'UTC' + interval '12 hours' END
  FROM t45_pattern p;
INSERT INTO assignment (course, assignment, due_at)
SELECT c, 'a' || j, timestamptz '2025-12-27 23:00+00' + j * interval '7 days'
  FROM unnest('{c1,c2}'::text[]) c, generate_series(1, 5) j;
INSERT INTO assignment_submission (course, assignment, learner, submitted_at)
SELECT a.course, a.assignment, p.learner, s.at
  FROM t45_pattern p JOIN assignment a ON a.course = p.course
 CROSS JOIN LATERAL (SELECT substr(a.assignment, 2)::int AS j) x
 CROSS JOIN LATERAL (SELECT CASE
      WHEN p.type = 4 AND a.due_at::date >= p.silent_from THEN NULL
      WHEN p.type = 2 AND a.due_at::date >= p.silent_from - 1 AND a.due_at::date < p.silent_from + p.silent_days
        THEN (p.silent_from + p.silent_days)::timestamp AT TIME ZONE 'UTC' + interval '11 hours'
      WHEN p.type = 3 AND (p.i + x.j) % 7 = 0 THEN NULL
      WHEN p.type = 3 THEN a.due_at + ((p.i + x.j) % 5) * interval '1 day'
      ELSE a.due_at - interval '1 day' END AS at) s
 WHERE s.at IS NOT NULL;
SELECT engagement_refresh('t45_events', 'learner', 'ts');
SELECT name FROM rule_copy('engagement_dip', 't45_dip');
SELECT name FROM rule_copy('inactivity', 't45_idle');
SELECT name FROM rule_copy('assignment_miss', 't45_asg');
-- two coaches with small open caseloads: one for any course, one for c2 only
INSERT INTO coach (name, capacity, course) VALUES ('k_any', 2, NULL), ('k_c2', 1, 'c2');
SQL
echo "cohort: $(q -c "SELECT count(*) FROM enrolment") enrolments, $(q -c "SELECT count(*) FROM t45_events") events;" \
     "rules enabled: $(q -c "SELECT string_agg(name, ', ' ORDER BY name) FROM alert_rule WHERE enabled")"

from_day=2026-01-05
to_day=2026-02-03

# ---- live: day by day, one transaction per day, as the admin role ---------------------------------
live() {  # first day, number of days
  local live_sql="" k d n
  for ((k = 0; k < $2; k++)); do
    d=$(date -u -d "$1 + $k day" +%F)
    n=$(date -u -d "$1 + $((k + 1)) day" +%F)
    live_sql+="BEGIN; SELECT count(*) FROM rule_evaluate_all('$n 00:00+00'); SELECT coach_assign_cases('$d'); COMMIT;"$'\n'
  done
  PGUSER=$adm q -c "SET client_min_messages = warning" -f - <<<"$live_sql" >/dev/null
}
live $from_day 30

# What live wrote, as events, read with plain SQL from the tables (the oracle's own reading: the
# case key is (opened_on, lead rule, learner), as alert_replay documents it).
q <<'SQL'
CREATE VIEW t45_events_now AS
WITH a AS (SELECT *, opened_on || '/' || rule_name || '/' || learner AS k FROM alert)
SELECT opened_on AS day, 'case_opened' AS event, k AS case_key, learner, rule_name AS rule, NULL::int AS step,
       NULL::text AS channel, NULL::text AS kind, NULL::text AS coach,
       jsonb_build_object('course', course, 'rule_version', rule_version, 'family', family,
                          'first_value', first_value, 'first_baseline', first_baseline) AS detail
  FROM a
UNION ALL
SELECT r.first_on, 'reason_added', a.k, a.learner, r.rule_name, NULL, NULL, NULL, NULL,
       jsonb_build_object('course', r.course, 'family', r.family, 'rule_version', r.rule_version,
                          'lead', r.rule_name = a.rule_name, 'cleared_on', r.cleared_on)
  FROM alert_reason r JOIN a ON a.id = r.alert_id
UNION ALL
SELECT c.contacted_on, 'contact', a.k, a.learner, a.rule_name, c.step, c.channel, c.kind, NULL,
       jsonb_build_object('outcome', c.outcome, 'outcome_on', c.outcome_on)
  FROM alert_contact c JOIN a ON a.id = c.alert_id
UNION ALL
SELECT c.contacted_on, 'coach_required', a.k, a.learner, a.rule_name, c.step, c.channel, c.kind, NULL, '{}'
  FROM alert_contact c JOIN a ON a.id = c.alert_id
 WHERE c.kind = 'human' AND c.step = (SELECT min(h.step) FROM alert_contact h WHERE h.alert_id = a.id AND h.kind = 'human')
UNION ALL
SELECT ca.assigned_on, 'coach_assigned', a.k, a.learner, a.rule_name, NULL, NULL, NULL, ca.coach, '{}'
  FROM coach_assignment ca JOIN a ON a.id = ca.alert_id
UNION ALL
SELECT closed_on, 'case_closed', k, learner, rule_name, NULL, NULL, NULL, NULL,
       jsonb_build_object('status', status, 'close_reason', close_reason)
  FROM a WHERE closed_on IS NOT NULL;
CREATE TABLE t45_live AS SELECT * FROM t45_events_now;
-- everything the live run left, to check that the replay changes none of it
CREATE TABLE t45_snap_alert AS SELECT * FROM alert;
CREATE TABLE t45_snap_reason AS SELECT * FROM alert_reason;
CREATE TABLE t45_snap_contact AS SELECT * FROM alert_contact;
CREATE TABLE t45_snap_assign AS SELECT * FROM coach_assignment;
CREATE TABLE t45_snap_outbox AS SELECT * FROM alert_outbox;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO learnalytics_admin;
SQL
echo "live:"
q -F ' ' -c "SELECT event, count(*), count(DISTINCT case_key) FROM t45_live GROUP BY event ORDER BY event"

# ---- the replay of the same period, as the admin role ---------------------------------------------
replay_equals_live() {
  q -c "CREATE TABLE public.t45_replay AS SELECT * FROM t45_live WHERE false" \
    -c "GRANT INSERT ON public.t45_replay TO learnalytics_admin"
  PGUSER=$adm q -c "SET client_min_messages = warning" \
    -c "INSERT INTO public.t45_replay SELECT * FROM alert_replay('$from_day', '$to_day')"
  q -F ' ' <<'SQL'
\echo replay:
SELECT event, count(*), count(DISTINCT case_key) FROM t45_replay GROUP BY event ORDER BY event;
CREATE TEMP TABLE only_live AS SELECT * FROM t45_live EXCEPT ALL SELECT * FROM t45_replay;
CREATE TEMP TABLE only_replay AS SELECT * FROM t45_replay EXCEPT ALL SELECT * FROM t45_live;
\echo only live:
SELECT * FROM only_live ORDER BY day, case_key, event, step LIMIT 40;
\echo only replay:
SELECT * FROM only_replay ORDER BY day, case_key, event, step LIMIT 40;
DO $$
DECLARE nl bigint := (SELECT count(*) FROM only_live); nr bigint := (SELECT count(*) FROM only_replay);
BEGIN
  IF nl + nr > 0 THEN RAISE EXCEPTION '% events only live, % only replayed', nl, nr; END IF;
END $$;
SQL
}
la_t_check "alert_replay returns exactly what live wrote" replay_equals_live

la_t_check "every kind of event happened, live" q -c "
DO \$\$
DECLARE bad text;
BEGIN
  SELECT string_agg(e, ', ') INTO bad
    FROM unnest('{case_opened,reason_added,contact,coach_required,coach_assigned,case_closed}'::text[]) e
   WHERE NOT EXISTS (SELECT 1 FROM t45_live l WHERE l.event = e);
  -- and the variants that make the comparison mean something: a case with a second reason, a
  -- ladder past step 1, automated outcomes of each kind, a human contact timing out or pending,
  -- both closings, a case waiting for a coach's free capacity, more than one case of a learner
  SELECT concat_ws(', ', bad,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'reason_added' AND NOT (detail->>'lead')::boolean) THEN 'second reason' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'contact' AND step >= 2 AND kind = 'automated') THEN 'step 2' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'contact' AND detail->>'outcome' = 're_engaged') THEN 're_engaged' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'contact' AND detail->>'outcome' = 'no_response') THEN 'no_response' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'contact' AND detail->>'outcome' = 'withdrew') THEN 'withdrew contact' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'case_closed' AND detail->>'status' = 'resolved') THEN 'resolved' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live WHERE event = 'case_closed' AND detail->>'status' = 'withdrew') THEN 'withdrew case' END,
    CASE WHEN NOT EXISTS (SELECT 1 FROM t45_live e JOIN t45_live c USING (case_key)
                           WHERE e.event = 'coach_required' AND c.event = 'coach_assigned' AND c.day > e.day) THEN 'assignment delayed by capacity' END,
    CASE WHEN NOT EXISTS (SELECT learner FROM t45_live WHERE event = 'case_opened' GROUP BY learner HAVING count(*) > 1) THEN 'two cases of a learner' END)
    INTO bad;
  IF bad <> '' THEN RAISE EXCEPTION 'never happened live: %', bad; END IF;
END \$\$"

la_t_check "the replay left every table as it was" q -c "
DO \$\$
DECLARE bad text;
BEGIN
  SELECT concat_ws(', ',
    CASE WHEN EXISTS ((SELECT * FROM alert EXCEPT ALL SELECT * FROM t45_snap_alert) UNION ALL
                      (SELECT * FROM t45_snap_alert EXCEPT ALL SELECT * FROM alert)) THEN 'alert' END,
    CASE WHEN EXISTS ((SELECT * FROM alert_reason EXCEPT ALL SELECT * FROM t45_snap_reason) UNION ALL
                      (SELECT * FROM t45_snap_reason EXCEPT ALL SELECT * FROM alert_reason)) THEN 'alert_reason' END,
    CASE WHEN EXISTS ((SELECT * FROM alert_contact EXCEPT ALL SELECT * FROM t45_snap_contact) UNION ALL
                      (SELECT * FROM t45_snap_contact EXCEPT ALL SELECT * FROM alert_contact)) THEN 'alert_contact' END,
    CASE WHEN EXISTS ((SELECT * FROM coach_assignment EXCEPT ALL SELECT * FROM t45_snap_assign) UNION ALL
                      (SELECT * FROM t45_snap_assign EXCEPT ALL SELECT * FROM coach_assignment)) THEN 'coach_assignment' END,
    CASE WHEN EXISTS ((SELECT * FROM alert_outbox EXCEPT ALL SELECT * FROM t45_snap_outbox) UNION ALL
                      (SELECT * FROM t45_snap_outbox EXCEPT ALL SELECT * FROM alert_outbox)) THEN 'alert_outbox' END)
    INTO bad;
  IF bad <> '' THEN RAISE EXCEPTION 'changed by the replay: %', bad; END IF;
  IF (SELECT count(*) FROM alert) = 0 THEN RAISE EXCEPTION 'no live case to keep'; END IF;
END \$\$"

# rule_replay_alerts gives the condition's onsets (first firing day of each run), per rule, with
# no cooldown and no one-open-case rule; live (= alert_replay) opens fewer cases: an onset while
# the learner has an open case (of any rule) adds at most a reason, and one within a family's
# cooldown opens nothing.
la_t_check "rule_replay_alerts' onsets differ from live volume where cases suppress them" q -F ' ' -c "
CREATE TEMP TABLE onsets AS
SELECT r.name AS rule, o.day, o.learner
  FROM alert_rule r, rule_replay_alerts(r.name, '$from_day', '$to_day') o WHERE r.enabled;
SELECT o.rule, count(*) AS onsets,
       (SELECT count(*) FROM t45_replay e WHERE e.event = 'case_opened' AND e.rule = o.rule) AS cases_opened,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM t45_replay e WHERE e.event = 'case_opened' AND e.rule = o.rule
                                                                     AND e.learner = o.learner AND e.day = o.day)) AS onsets_without_case
  FROM onsets o GROUP BY o.rule ORDER BY o.rule;
DO \$\$
BEGIN
  IF (SELECT count(*) FROM onsets) = (SELECT count(*) FROM t45_replay WHERE event = 'case_opened') THEN
    RAISE EXCEPTION 'onsets equal live cases: the cohort does not exercise cooldowns or one case per learner';
  END IF;
  -- an onset without a case: the learner had an open case then (of another rule or of the same
  -- rule's earlier run), or a case of the family closed within the cooldown
  IF NOT EXISTS (SELECT 1 FROM onsets o
                  WHERE NOT EXISTS (SELECT 1 FROM t45_replay e WHERE e.event = 'case_opened' AND e.rule = o.rule
                                      AND e.learner = o.learner AND e.day = o.day)) THEN
    RAISE EXCEPTION 'no onset was suppressed';
  END IF;
END \$\$"

la_t_check "alert_replay_daily adds up alert_replay" q -c "
DO \$\$
DECLARE bad bigint;
BEGIN
  SET LOCAL ROLE $adm;
  CREATE TEMP TABLE dly AS SELECT * FROM alert_replay_daily('$from_day', '$to_day');
  RESET ROLE;
  IF (SELECT count(*) FROM dly) <> 30 THEN RAISE EXCEPTION 'expected 30 days'; END IF;
  SELECT count(*) INTO bad FROM dly d
   WHERE d.cases_opened <> (SELECT count(*) FROM t45_live l WHERE l.day = d.day AND l.event = 'case_opened')
      OR d.contacts_automated <> (SELECT count(*) FROM t45_live l WHERE l.day = d.day AND l.event = 'contact' AND l.kind = 'automated')
      OR d.contacts_human <> (SELECT count(*) FROM t45_live l WHERE l.day = d.day AND l.event = 'contact' AND l.kind = 'human')
      OR d.coach_assigned <> (SELECT count(*) FROM coach_assignment ca WHERE ca.assigned_on = d.day)
      OR d.cases_closed <> (SELECT count(*) FROM alert a WHERE a.closed_on = d.day)
      OR d.open_cases <> (SELECT count(*) FROM alert a WHERE a.opened_on <= d.day AND (a.closed_on IS NULL OR a.closed_on > d.day))
      OR d.coach_cases_unassigned <> (SELECT count(*) FROM alert a
                                       WHERE EXISTS (SELECT 1 FROM alert_contact c WHERE c.alert_id = a.id AND c.kind = 'human' AND c.contacted_on <= d.day)
                                         AND (a.closed_on IS NULL OR a.closed_on > d.day)
                                         AND NOT EXISTS (SELECT 1 FROM coach_assignment ca WHERE ca.alert_id = a.id AND ca.assigned_on <= d.day));
  IF bad > 0 THEN RAISE EXCEPTION '% days differ from the live tables', bad; END IF;
  IF (SELECT max(coach_cases_unassigned) FROM dly) = 0 THEN RAISE EXCEPTION 'no coach backlog'; END IF;
END \$\$"

la_t_check "without coaches: the same cases, no assignment" q -c "
DO \$\$
BEGIN
  SET LOCAL ROLE $adm;
  CREATE TEMP TABLE nc AS SELECT * FROM alert_replay('$from_day', '$to_day', assign_coaches => false);
  RESET ROLE;
  IF EXISTS (SELECT 1 FROM nc WHERE event = 'coach_assigned') THEN RAISE EXCEPTION 'assigned'; END IF;
  IF EXISTS ((SELECT * FROM nc EXCEPT ALL SELECT * FROM t45_live WHERE event <> 'coach_assigned')
             UNION ALL (SELECT * FROM t45_live WHERE event <> 'coach_assigned' EXCEPT ALL SELECT * FROM nc)) THEN
    RAISE EXCEPTION 'cases differ without coach assignment';
  END IF;
END \$\$"

la_t_check "one rule: only its cases" q -c "
DO \$\$
BEGIN
  SET LOCAL ROLE $adm;
  CREATE TEMP TABLE one AS SELECT * FROM alert_replay('$from_day', '$to_day', '{t45_asg}');
  RESET ROLE;
  IF NOT EXISTS (SELECT 1 FROM one) OR EXISTS (SELECT 1 FROM one WHERE rule <> 't45_asg') THEN
    RAISE EXCEPTION 'expected cases of t45_asg only';
  END IF;
END \$\$"

# The replay's outbox messages are never announced: a listener gets no NOTIFY from a committed
# replay (and does get one sent after it, so it was listening). A live evaluation started while a
# replay's transaction is open waits for it (the engine's lock), then runs.
waits_and_no_notify() {
  set +e   # la_t_session_wait polls with pipelines that fail until the marker is there
  local n blocked=0 pid k
  n=$(q -c "SELECT count(*) FROM t45_replay")
  la_t_session_open lis -d "$db" || return 1
  la_t_session_send lis "LISTEN learnalytics_outbox;" "SELECT 'listening';" || return 1
  la_t_session_wait lis listening || return 1
  la_t_session_open rep -d "$db" -U "$adm" || return 1
  la_t_session_send rep "SET client_min_messages = warning;" \
    "SELECT 'replayed ' || count(*) FROM alert_replay('$from_day', '$to_day');"
  la_t_session_wait rep "replayed $n" 120 || return 1
  [ "$(q -c "SELECT count(*) FROM t45_replay WHERE event = 'contact' AND kind = 'automated'")" -gt 0 ] ||
    { echo "the replay queued no message: nothing to notify"; return 1; }
  # psql prints the notifications that came with a command after its result: two commands
  la_t_session_send lis "SELECT 'probe 1';" "SELECT 'probe 1 done';" || return 1
  la_t_session_wait lis 'probe 1 done' || return 1
  ! grep -q 'Asynchronous notification' <<<"$la_t_out" || { echo "the replay notified: $la_t_out"; return 1; }
  q -c "NOTIFY learnalytics_outbox, 'probe'" || return 1
  la_t_session_send lis "SELECT 'probe 2';" "SELECT 'probe 2 done';" || return 1
  la_t_session_wait lis 'probe 2 done' || return 1
  grep -q 'Asynchronous notification "learnalytics_outbox" with payload "probe"' <<<"$la_t_out" ||
    { echo "the listener missed a NOTIFY: $la_t_out"; return 1; }
  echo "no NOTIFY from the replay's outbox messages"

  la_t_session_send rep "BEGIN;" "SELECT 'replayed ' || count(*) FROM alert_replay('$from_day', '$to_day');" || return 1
  la_t_session_wait rep "replayed $n" 120 || return 1
  PGAPPNAME=la_t45_live PGUSER=$adm q -c "SET client_min_messages = warning" \
    -c "SELECT 'live ' || count(*) FROM rule_evaluate_all('2026-02-04 00:00+00')" >"$la_t_session_dir/live.out" 2>&1 &
  pid=$!
  for k in $(seq 1 600); do
    blocked=$(q -c "SELECT count(*) FROM pg_stat_activity a
                     WHERE a.application_name = 'la_t45_live' AND cardinality(pg_blocking_pids(a.pid)) > 0")
    [ "$blocked" = 1 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  [ "$blocked" = 1 ] || { echo "the live evaluation did not wait for the replay:"; cat "$la_t_session_dir/live.out"; return 1; }
  echo "a live evaluation waits for the replay's transaction"
  la_t_session_send rep "COMMIT;" "SELECT 'committed';" || return 1
  la_t_session_wait rep committed || return 1
  wait $pid || { echo "the live evaluation failed:"; cat "$la_t_session_dir/live.out"; return 1; }
  grep -qx 'live 3' "$la_t_session_dir/live.out" || { echo "unexpected:"; cat "$la_t_session_dir/live.out"; return 1; }
}
la_t_check "a live evaluation waits for a replay; the replay notifies no sender" waits_and_no_notify

# Replay from a later day, with the live history before it in the tables (open cases, cases in
# their cooldown), equals live started on that day with no case at all. Last: it deletes the
# live run's cases.
later_start() {
  local later=2026-01-20
  q -c "CREATE TABLE public.t45_replay2 AS SELECT * FROM t45_live WHERE false" \
    -c "GRANT INSERT ON public.t45_replay2 TO learnalytics_admin"
  PGUSER=$adm q -c "SET client_min_messages = warning" \
    -c "INSERT INTO public.t45_replay2 SELECT * FROM alert_replay('$later', '$to_day')"
  [ "$(q -c "SELECT count(*) FROM alert WHERE opened_on < '$later' AND (closed_on IS NULL OR closed_on >= '$later')")" -gt 0 ] ||
    { echo "no live case open across $later: the check would not test the clean slate"; return 1; }
  q -c "DELETE FROM alert_outbox" -c "DELETE FROM alert"
  live $later 15
  q -F ' ' <<'SQL'
CREATE TEMP TABLE live2 AS SELECT * FROM t45_events_now;
SELECT 'live from 2026-01-20', count(*) FROM live2;
CREATE TEMP TABLE only_live AS SELECT * FROM live2 EXCEPT ALL SELECT * FROM t45_replay2;
CREATE TEMP TABLE only_replay AS SELECT * FROM t45_replay2 EXCEPT ALL SELECT * FROM live2;
\echo only live:
SELECT * FROM only_live ORDER BY day, case_key, event, step LIMIT 20;
\echo only replay:
SELECT * FROM only_replay ORDER BY day, case_key, event, step LIMIT 20;
DO $$
BEGIN
  IF (SELECT count(*) FROM live2 WHERE event = 'case_opened') = 0 THEN RAISE EXCEPTION 'no case from 2026-01-20'; END IF;
  IF EXISTS (SELECT 1 FROM only_live) OR EXISTS (SELECT 1 FROM only_replay) THEN
    RAISE EXCEPTION 'replay from 2026-01-20 differs from live started that day';
  END IF;
END $$;
SQL
}
la_t_check "replay from a later day equals live started that day with no case" later_start

expect_err() {  # SQLSTATE, then psql arguments
  local code=$1 out; shift
  out=$(psql -X -q -d "$db" -v VERBOSITY=verbose "$@" 2>&1) && { echo "succeeded: $*"; return 1; }
  grep -q "ERROR:  $code" <<<"$out" || { echo "expected $code, got: $out"; return 1; }
}
refusals() {
  expect_err 22023 -U $adm -c "SELECT * FROM alert_replay('2024-01-01', '2025-01-01')"
  expect_err 22023 -U $adm -c "SELECT * FROM alert_replay('2026-01-02', '2026-01-01')"
  expect_err 22023 -U $adm -c "SELECT * FROM alert_replay(NULL, '2026-01-01')"
  expect_err 42704 -U $adm -c "SELECT * FROM alert_replay('2026-01-01', '2026-01-02', '{t45_dip,nope}')"
  expect_err 42501 -U $ana -c "SELECT * FROM alert_replay('2026-01-01', '2026-01-02')"
  expect_err 42501 -U $ana -c "SELECT * FROM alert_replay_daily('2026-01-01', '2026-01-02')"
  # 366 days is allowed (with no rule, so that it is quick: nothing happens)
  [ "$(q -U $adm -c "SELECT count(*) FROM alert_replay('2024-01-01', '2024-12-31', '{}')")" = 0 ]
}
la_t_check "refusals: over 366 days, reversed or null days, unknown rule, analyst" refusals

la_t_done
