#!/usr/bin/env bash
# Two sessions evaluate the same rule as of the same day at the same time: the first holds its
# transaction open until the second is blocked behind it; together they create exactly one open case per
# learner, each with one first contact and one outbox message. Then two sessions evaluating two rules
# (of different families) never give a learner two open cases: one case, which carries both reasons
# from the next day.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
psql_q() { la_t_psql "$@"; }
n=300
drop_all() {
  psql_q <<'SQL' >/dev/null 2>&1 || true
DELETE FROM alert_outbox; DELETE FROM alert WHERE learner LIKE 'conc%';
DELETE FROM alert_rule WHERE name IN ('t_conc', 't_conc2');
DELETE FROM enrolment WHERE course = 'conc'; DELETE FROM learner_engagement WHERE learner LIKE 'conc%';
DROP TABLE IF EXISTS conc_events;
SQL
}
la_t_cleanup_add drop_all
[ "$(psql_q -c "SELECT count(*) FROM alert")" = 0 ] || { echo "the database already has alerts"; exit 1; }

# n learners active 4 sessions a day for 14 days, then silent: all of them dip from day 15
psql_q <<SQL
CREATE TABLE conc_events AS
SELECT 'conc' || i AS learner, timestamptz '2026-01-01 08:00+00' + d * interval '1 day' + k * interval '1 hour' AS ts
FROM generate_series(1, $n) i, generate_series(0, 13) d, generate_series(0, 3) k;
INSERT INTO learner_engagement (learner, summary)
SELECT learner, la_engagement_agg(learner, ts) FROM conc_events GROUP BY learner;
INSERT INTO enrolment (learner, course, enrolled_at) SELECT 'conc' || i, 'conc', '2025-12-31' FROM generate_series(1, $n) i;
SELECT name FROM rule_copy('engagement_dip', 't_conc', '{"course": "conc"}');
SQL

as_of='2026-01-18 12:00+00'   # evaluates the complete day 2026-01-17
# Session 1 evaluates and keeps its transaction (and the alert lock) open until it sees
# session 2 blocked behind it; session 2 starts once session 1 holds that lock. No fixed sleep:
# both waits poll the server (bounded at 120 s, which only a stalled server reaches), so the
# order is the same on a loaded machine: session 1 opens every alert, session 2 none.
PGAPPNAME=la_conc1 psql_q -c "BEGIN" -c "SELECT opened FROM rule_evaluate('t_conc', '$as_of')" -c "
DO \$\$
BEGIN
  FOR i IN 1 .. 1200 LOOP
    PERFORM pg_stat_clear_snapshot();
    IF EXISTS (SELECT 1 FROM pg_stat_activity a
                WHERE a.application_name = 'la_conc2' AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid))) THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RAISE EXCEPTION 'session 2 was never seen waiting for session 1';
END
\$\$" -c "COMMIT" >"$LA_WORK/conc1.out" 2>&1 &
p1=$!
held=0
for _ in $(seq 1 1200); do
  held=$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                     WHERE a.application_name = 'la_conc1' AND l.locktype = 'advisory' AND l.granted")
  [ "$held" -gt 0 ] && break
  kill -0 $p1 2>/dev/null || break
  sleep 0.1
done
[ "$held" -gt 0 ] || { echo "session 1 never held the alert lock"; cat "$LA_WORK/conc1.out"; exit 1; }
PGAPPNAME=la_conc2 psql_q -c "SELECT opened FROM rule_evaluate('t_conc', '$as_of')" >"$LA_WORK/conc2.out" 2>&1 &
p2=$!
rc1=0; rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || { echo "a session failed ($rc1, $rc2):"; cat "$LA_WORK/conc1.out" "$LA_WORK/conc2.out"; exit 1; }
o1=$(grep -E '^[0-9]+$' "$LA_WORK/conc1.out" | head -1); o2=$(grep -E '^[0-9]+$' "$LA_WORK/conc2.out" | head -1)
echo "session 1 opened $o1, session 2 (blocked behind it) opened $o2"
[ "$o1" -eq $n ] && [ "$o2" -eq 0 ] || { echo "expected session 1 to open $n alerts and session 2 none"; exit 1; }

# all at once, many times over, on the next days: still one open case per learner
for day in 19 20 21; do
  pids=()
  for s in 1 2 3; do
    psql_q -c "SELECT opened FROM rule_evaluate('t_conc', '2026-01-$day 12:00+00')" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "an evaluation of 2026-01-$day failed"; exit 1; }; done
done
read -r alerts open dup contacts msgs <<<"$(psql_q -F' ' -c "
  SELECT (SELECT count(*) FROM alert WHERE rule_name = 't_conc'),
         (SELECT count(*) FROM alert WHERE rule_name = 't_conc' AND closed_at IS NULL),
         (SELECT count(*) FROM (SELECT learner FROM alert WHERE closed_at IS NULL GROUP BY learner HAVING count(*) > 1) d),
         (SELECT count(*) FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name = 't_conc'),
         (SELECT count(*) FROM (SELECT contact_id FROM alert_outbox GROUP BY contact_id HAVING count(*) > 1) d)")"
echo "alerts $alerts, open $open, duplicated open $dup, contacts $contacts, duplicated messages $msgs"
[ "$alerts" -eq $n ] && [ "$open" -eq $n ] && [ "$dup" -eq 0 ] && [ "$msgs" -eq 0 ] || { echo "duplicates"; exit 1; }
# the ladder ran once per day: nudge (17th), tip (18th), coach (19th) -> 3 contacts per learner
[ "$contacts" -eq $((3 * n)) ] || { echo "expected $((3 * n)) contacts, got $contacts"; exit 1; }

# a second rule (its own family), evaluated concurrently with the first on a fresh state
psql_q -c "DELETE FROM alert_outbox; DELETE FROM alert WHERE learner LIKE 'conc%'" \
       -c "SELECT name FROM rule_copy('engagement_dip', 't_conc2', '{\"course\": \"conc\", \"metric\": \"events\"}')" >/dev/null
psql_q -c "SELECT opened FROM rule_evaluate('t_conc', '$as_of')" >/dev/null & p1=$!
psql_q -c "SELECT opened FROM rule_evaluate('t_conc2', '$as_of')" >/dev/null & p2=$!
wait $p1 || { echo "evaluating t_conc failed"; exit 1; }
wait $p2 || { echo "evaluating t_conc2 failed"; exit 1; }
# one case per learner, led by whichever rule took the lock first; the other joins it as a reason
# from the next day (a case carries only its lead's reason on the day it opens)
case_state() {
  psql_q -F' ' -c "
  SELECT count(*), count(*) - count(DISTINCT learner),
         (SELECT count(*) FROM alert_reason x JOIN alert a ON a.id = x.alert_id
           WHERE a.closed_at IS NULL AND a.learner LIKE 'conc%'),
         (SELECT count(*) FROM alert a WHERE a.closed_at IS NULL AND a.learner LIKE 'conc%'
             AND (SELECT array_agg(x.rule_name ORDER BY x.rule_name) FROM alert_reason x WHERE x.alert_id = a.id)
                 = '{t_conc,t_conc2}')
    FROM alert WHERE closed_at IS NULL AND learner LIKE 'conc%'"
}
read -r open dup reasons two <<<"$(case_state)"
echo "two rules: open $open, duplicated $dup, reasons $reasons, cases with both reasons $two"
[ "$open" -eq $n ] && [ "$dup" -eq 0 ] && [ "$reasons" -eq $n ] && [ "$two" -eq 0 ] || exit 1
next='2026-01-19 12:00+00'
psql_q -c "SELECT opened FROM rule_evaluate('t_conc', '$next')" >/dev/null & p1=$!
psql_q -c "SELECT opened FROM rule_evaluate('t_conc2', '$next')" >/dev/null & p2=$!
wait $p1 || { echo "evaluating t_conc failed"; exit 1; }
wait $p2 || { echo "evaluating t_conc2 failed"; exit 1; }
read -r open dup reasons two <<<"$(case_state)"
echo "the next day: open $open, duplicated $dup, reasons $reasons, cases with both reasons $two"
[ "$open" -eq $n ] && [ "$dup" -eq 0 ] && [ "$reasons" -eq $((2 * n)) ] && [ "$two" -eq $n ] || exit 1
echo "no duplicate cases"
