#!/usr/bin/env bash
# Two sessions evaluate the same rule as of the same day at the same time: the first holds its
# transaction open while the second starts; together they create exactly one open alert per
# learner and family, each with one first contact and one outbox message. Then two sessions
# evaluating two rules of the same family never give a learner two open alerts of that family.
set -euo pipefail
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -At "$@"; }
n=300
cleanup() {
  psql_q <<'SQL' >/dev/null 2>&1 || true
DELETE FROM alert_outbox; DELETE FROM alert WHERE rule_name IN ('t_conc', 't_conc2');
DELETE FROM alert_rule WHERE name IN ('t_conc', 't_conc2');
DELETE FROM enrolment WHERE course = 'conc'; DELETE FROM learner_engagement WHERE learner LIKE 'conc%';
DROP TABLE IF EXISTS conc_events;
SQL
}
trap cleanup EXIT
[ "$(psql_q -c "SELECT count(*) FROM alert")" = 0 ] || { echo "the database already has alerts"; exit 1; }

# n learners active 4 sessions a day for 14 days, then silent: all of them dip from day 15
psql_q <<SQL
CREATE TABLE conc_events AS
SELECT 'conc' || i AS learner, timestamptz '2026-01-01 08:00+00' + d * interval '1 day' + k * interval '1 hour' AS ts
FROM generate_series(1, $n) i, generate_series(0, 13) d, generate_series(0, 3) k;
INSERT INTO learner_engagement (learner, summary)
SELECT learner, la_engagement_agg(learner, ts) FROM conc_events GROUP BY learner;
INSERT INTO enrolment (learner, course, enrolled_at) SELECT 'conc' || i, 'conc', '2025-12-31' FROM generate_series(1, $n) i;
SELECT name FROM create_rule_from('engagement_dip', 't_conc', '{"course": "conc"}');
SQL

as_of='2026-01-17 12:00+00'
# session 1 evaluates and keeps its transaction open for 2 s; session 2 starts meanwhile
psql_q -c "BEGIN" -c "SELECT opened FROM evaluate_rule('t_conc', '$as_of')" -c "SELECT pg_sleep(2)" -c "COMMIT" >"$LA_WORK/conc1.out" &
p1=$!
sleep 0.5
psql_q -c "SELECT opened FROM evaluate_rule('t_conc', '$as_of')" >"$LA_WORK/conc2.out" &
p2=$!
wait $p1 $p2
o1=$(grep -E '^[0-9]+$' "$LA_WORK/conc1.out" | head -1); o2=$(grep -E '^[0-9]+$' "$LA_WORK/conc2.out" | head -1)
echo "session 1 opened $o1, session 2 opened $o2"
[ $((o1 + o2)) -eq $n ] || { echo "expected $n alerts opened in total"; exit 1; }

# both at once, many times over, on the next days: still one open alert per learner
for day in 18 19 20; do
  for s in 1 2 3; do
    psql_q -c "SELECT opened FROM evaluate_rule('t_conc', '2026-01-$day 12:00+00')" >/dev/null &
  done
  wait
done
read -r alerts open dup contacts msgs <<<"$(psql_q -F' ' -c "
  SELECT (SELECT count(*) FROM alert WHERE rule_name = 't_conc'),
         (SELECT count(*) FROM alert WHERE rule_name = 't_conc' AND closed_at IS NULL),
         (SELECT count(*) FROM (SELECT learner FROM alert WHERE closed_at IS NULL GROUP BY learner, family HAVING count(*) > 1) d),
         (SELECT count(*) FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name = 't_conc'),
         (SELECT count(*) FROM (SELECT contact_id FROM alert_outbox GROUP BY contact_id HAVING count(*) > 1) d)")"
echo "alerts $alerts, open $open, duplicated open $dup, contacts $contacts, duplicated messages $msgs"
[ "$alerts" -eq $n ] && [ "$open" -eq $n ] && [ "$dup" -eq 0 ] && [ "$msgs" -eq 0 ] || { echo "duplicates"; exit 1; }
# the ladder ran once per day: nudge (17th), tip (18th), coach (19th) -> 3 contacts per learner
[ "$contacts" -eq $((3 * n)) ] || { echo "expected $((3 * n)) contacts, got $contacts"; exit 1; }

# a second rule of the same family, evaluated concurrently with the first on a fresh state
psql_q -c "DELETE FROM alert_outbox; DELETE FROM alert WHERE rule_name = 't_conc'" \
       -c "SELECT name FROM create_rule_from('engagement_dip', 't_conc2', '{\"course\": \"conc\", \"metric\": \"events\"}')" >/dev/null
psql_q -c "SELECT opened FROM evaluate_rule('t_conc', '$as_of')" >/dev/null &
psql_q -c "SELECT opened FROM evaluate_rule('t_conc2', '$as_of')" >/dev/null &
wait
read -r open dup <<<"$(psql_q -F' ' -c "
  SELECT count(*), count(*) - count(DISTINCT learner) FROM alert WHERE family = 'engagement' AND closed_at IS NULL
     AND learner LIKE 'conc%'")"
echo "same family, two rules: open $open, duplicated $dup"
[ "$open" -eq $n ] && [ "$dup" -eq 0 ] || exit 1
echo "no duplicate alerts"
