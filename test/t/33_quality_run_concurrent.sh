#!/usr/bin/env bash
# Two sessions run the same data-quality check at the same time: the first holds its transaction
# open until the second is blocked behind it (quality_run's advisory lock on the check); the second
# then matches the first's findings instead of opening them again. Without the lock the second
# would insert the same scopes, hit the unique index of current findings and log the check as failed.
# Then three sessions at once, several times over: still one current finding per scope, no failure.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
psql_q() { la_t_psql "$@"; }
n=200
drop_all() {
  psql_q <<'SQL' >/dev/null 2>&1 || true
DELETE FROM quality_finding WHERE check_name = 't_qc';
DELETE FROM quality_run_log WHERE check_name = 't_qc';
DELETE FROM quality_check WHERE name = 't_qc';
DELETE FROM quality_check_type WHERE name = 't_qc_type';
DELETE FROM quality_source WHERE name = 't_qc_src';
DROP SCHEMA IF EXISTS t_qc CASCADE;
SQL
}
la_t_cleanup_add drop_all

# TEST-ONLY check type (the superuser inserts it): one finding per learner of the source
psql_q <<SQL
CREATE SCHEMA t_qc;
CREATE TABLE t_qc.events AS
SELECT 'qc' || i AS learner, timestamptz '2026-03-01 08:00+00' + i * interval '1 minute' AS ts
FROM generate_series(1, $n) i;
INSERT INTO quality_source (name, kind, relation) VALUES ('t_qc_src', 'events', 't_qc.events');
CREATE FUNCTION t_qc.per_learner(c quality_check, as_of timestamptz, OUT course text, OUT day date,
    OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS \$\$
BEGIN
  RETURN QUERY EXECUTE format('SELECT NULL::text, NULL::date, s.learner, NULL::text, count(*)::numeric, 0::numeric,
                                      count(*), NULL::jsonb FROM %s s GROUP BY s.learner',
                              (learnalytics_internal.quality_source_sql(c.source)).sql);
END
\$\$;
INSERT INTO quality_check_type (name, function, kinds, description)
VALUES ('t_qc_type', 't_qc.per_learner(quality_check, timestamptz)', '{events}', 'test-only');
INSERT INTO quality_check (name, check_type, source) VALUES ('t_qc', 't_qc_type', 't_qc_src');
SQL

as_of='2026-03-02 06:00+00'
# Session 1 runs the check and keeps its transaction (and the lock) open until it sees session 2
# blocked behind it; session 2 starts once session 1 holds the lock. Both waits poll (bounded at
# 120 s), no fixed sleep.
PGAPPNAME=la_qc1 psql_q -c "BEGIN" -c "SELECT opened FROM quality_run('{t_qc}', '$as_of')" -c "
DO \$\$
BEGIN
  FOR i IN 1 .. 1200 LOOP
    PERFORM pg_stat_clear_snapshot();
    IF EXISTS (SELECT 1 FROM pg_stat_activity a
                WHERE a.application_name = 'la_qc2' AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid))) THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RAISE EXCEPTION 'session 2 was never seen waiting for session 1';
END
\$\$" -c "COMMIT" >"$LA_WORK/qc1.out" 2>&1 &
p1=$!
held=0
for _ in $(seq 1 1200); do
  held=$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                     WHERE a.application_name = 'la_qc1' AND l.locktype = 'advisory' AND l.granted")
  [ "$held" -gt 0 ] && break
  kill -0 $p1 2>/dev/null || break
  sleep 0.1
done
[ "$held" -gt 0 ] || { echo "session 1 never held the check's lock"; cat "$LA_WORK/qc1.out"; exit 1; }
PGAPPNAME=la_qc2 psql_q -c "SELECT coalesce(opened::text, 'failed') FROM quality_run('{t_qc}', '$as_of')" \
  >"$LA_WORK/qc2.out" 2>&1 &
p2=$!
rc1=0; rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || { echo "a session failed ($rc1, $rc2):"; cat "$LA_WORK/qc1.out" "$LA_WORK/qc2.out"; exit 1; }
o1=$(grep -E '^([0-9]+|failed)$' "$LA_WORK/qc1.out" | head -1); o2=$(grep -E '^([0-9]+|failed)$' "$LA_WORK/qc2.out" | head -1)
echo "session 1 opened $o1, session 2 (blocked behind it) opened $o2"
[ "$o1" = $n ] && [ "$o2" = 0 ] || { echo "expected session 1 to open $n findings and session 2 none"; cat "$LA_WORK/qc2.out"; exit 1; }

# three at once, on later runs; a learner less each time (one finding resolved per round)
for k in 1 2 3; do
  psql_q -c "DELETE FROM t_qc.events WHERE learner = 'qc$k'"
  pids=()
  for s in 1 2 3; do
    psql_q -c "SELECT coalesce(opened::text, 'failed') FROM quality_run('{t_qc}', '2026-03-0$((2 + k)) 06:00+00')" \
      >"$LA_WORK/qc_${k}_${s}.out" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "a run of round $k failed"; exit 1; }; done
done
read -r open resolved dup failed runs <<<"$(psql_q -F' ' -c "
  SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'resolved'),
         (SELECT count(*) FROM (SELECT scope FROM quality_finding WHERE check_name = 't_qc' AND status <> 'resolved'
                                 GROUP BY scope HAVING count(*) > 1) d),
         (SELECT count(*) FROM quality_run_log WHERE check_name = 't_qc' AND error IS NOT NULL),
         (SELECT count(*) FROM quality_run_log WHERE check_name = 't_qc')
  FROM quality_finding WHERE check_name = 't_qc'")"
echo "open $open, resolved $resolved, duplicated current scopes $dup, failed runs $failed of $runs"
[ "$open" -eq $((n - 3)) ] && [ "$resolved" -eq 3 ] && [ "$dup" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$runs" -eq 11 ] \
  || { echo "expected $((n - 3)) open, 3 resolved, no duplicate, no failure, 11 runs"; exit 1; }
