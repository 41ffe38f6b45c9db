#!/usr/bin/env bash
# xapi_create_partitions, run while an xAPI load is under way, and the load's own new month later
# on, both succeed: no deadlock (40P01). The load (a COPY into xapi_statement_stream, 9,000
# statements, three flushes of 4,096) holds ROW EXCLUSIVE on the store from its start; its first
# 5,000 statements are of a month that has its partition. Then, while the COPY is still open,
# another session runs xapi_create_partitions for three months that have none: it must not wait
# for the load (CREATE TABLE ... PARTITION OF would: ACCESS EXCLUSIVE on the store). Then the load
# goes on with 4,000 statements of another month without a partition, for which it takes SHARE
# UPDATE EXCLUSIVE on the store; which would wait for the creator's lock if the creator still held it
# while waiting for the load: the deadlock.
# The order is fixed, not timed: the load runs in a psql in the background fed through a FIFO; the
# creator starts once the load's backend holds its lock on the store (pg_locks), and the load goes
# on once the creator has finished or waits for a lock (pg_locks), never after a fixed time.
# Then: every id stored once, in the partition of its month; the three partitions are what a
# load's month gets (owner, indexes); the load's log row counts the month it created.
# Part 2: xapi_drop_partitions during a load that stores into a month being dropped (see there).
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_partlock.XXXXXX")
chmod 755 "$work"
cpid=""
drop_all() {
  la_t_psql -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL'
SELECT learnalytics.xapi_drop_partitions('infinity');
TRUNCATE learnalytics.xapi_statement_ids, learnalytics.xapi_voids, learnalytics.xapi_rejects,
         learnalytics.xapi_loads, learnalytics.xapi_pseudonym_key;
SQL
}
# the creator or dropper still running (the test stopped early): end it, by the PID this test started
end_cpid() {
  if [ -n "$cpid" ]; then kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; fi
}
la_t_cleanup_add drop_all
la_t_cleanup_add rm -rf "$work"
la_t_cleanup_add end_cpid
fail=0
q() { la_t_psql -c "$1"; }

# wait (bounded) until the load of session $1 holds ROW EXCLUSIVE on the store; $2 names it
wait_store_lock() {
  local held=""
  for _ in $(seq 1 600); do
    held=$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE l.relation = 'learnalytics.xapi_statements'::regclass AND l.granted
                 AND l.mode = 'RowExclusiveLock' AND a.query LIKE 'COPY learnalytics.xapi_statement_stream%'")
    [ "$held" = 1 ] && break
    sleep 0.1
  done
  [ "$held" = 1 ] || { echo "$2 never held its lock on the store; it printed: $(la_t_session_output "$1")"; exit 1; }
}

# run SELECT '$1 ' || $2 in a background psql (output to $3, pid in cpid), then wait (bounded)
# until it has finished or waits for a lock: state is finished, waiting, or empty
start_and_watch() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$LA_DB" -c "SELECT '$1 ' || $2" >"$3" 2>&1 &
  cpid=$!
  state=""
  local w
  for _ in $(seq 1 600); do
    if ! kill -0 "$cpid" 2>/dev/null; then state=finished; break; fi
    w=$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.query LIKE 'SELECT ''$1 ''%'")
    if [ "$w" -gt 0 ] 2>/dev/null; then state=waiting; break; fi
    sleep 0.1
  done
}

# statements FROM..TO (id numbers) of timestamp TS, one NDJSON line each
stmts() {
  local i
  for ((i = $1; i <= $2; i++)); do
    printf '{"id":"bb000000-0000-4000-8000-%012d","actor":{"mbox":"mailto:pl%d@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"%s"}\n' "$i" $((i % 7)) "$3"
  done
}

q "SELECT learnalytics.xapi_drop_partitions('infinity')" >/dev/null || exit 1
q "SELECT learnalytics.xapi_create_partitions('2031-03-01', '2031-03-01')" >/dev/null || exit 1

# the load: a psql in the background reading its input from a FIFO (la_t_session_*)
la_t_session_open load
{
  echo "SELECT 'pid ' || pg_backend_pid();"
  echo "BEGIN;"
  echo "COPY learnalytics.xapi_statement_stream FROM STDIN (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02');"
  stmts 1 5000 2031-03-10T10:00:00Z
} | la_t_session_send load

# wait (bounded) until the load's backend holds ROW EXCLUSIVE on the store
wait_store_lock load 'the load'

# the creator, in the background; the load goes on once it has finished or waits for a lock
start_and_watch created "learnalytics.xapi_create_partitions('2031-06-15', '2031-08-15')" "$work/create.out"
echo "creator: $state"
[ -n "$state" ] || { echo "the creator neither finished nor waited for a lock"; exit 1; }

{
  stmts 5001 9000 2031-11-20T08:00:00Z
  echo '\.'
  echo "COMMIT;"
  echo "SELECT 'load done';"
} | la_t_session_send load
la_t_session_close load; lrc=$?
la_t_session_output load >"$work/load.out"
wait "$cpid"; crc=$?; cpid=""
echo "load (psql exit $lrc): $(tr '\n' ' ' <"$work/load.out")"
echo "creator (psql exit $crc): $(tr '\n' ' ' <"$work/create.out")"
grep -q 'deadlock' "$work/load.out" "$work/create.out" && { echo "deadlock (40P01)"; fail=1; }
grep -qx 'load done' "$work/load.out" && ! grep -q ERROR "$work/load.out" || { echo "the load failed"; fail=1; }
[ $crc -eq 0 ] && grep -qx 'created 3' "$work/create.out" || { echo "xapi_create_partitions failed or did not create 3 partitions"; fail=1; }

# every id once, each in the partition of its month (oracle: the plan above)
got=$(q "SELECT count(*), count(DISTINCT id),
                count(*) FILTER (WHERE c.relname = 'xapi_statements_p203103' AND s.id <= 'bb000000-0000-4000-8000-000000005000'),
                count(*) FILTER (WHERE c.relname = 'xapi_statements_p203111' AND s.id >  'bb000000-0000-4000-8000-000000005000')
         FROM learnalytics.xapi_statements s JOIN pg_class c ON c.oid = s.tableoid")
echo "stored, distinct, in 2031-03, in 2031-11: $got"
[ "$got" = "9000|9000|5000|4000" ] || { echo "expected 9000|9000|5000|4000"; fail=1; }
ids=$(q "SELECT count(*), count(DISTINCT id) FROM learnalytics.xapi_statement_ids")
[ "$ids" = "9000|9000" ] || { echo "xapi_statement_ids: expected 9000|9000, got $ids"; fail=1; }
log=$(q "SELECT statements, stored, existing, rejected, new_partitions FROM learnalytics.xapi_loads")
echo "load log: $log"
[ "$log" = "9000|9000|0|0|1" ] || { echo "expected 9000|9000|0|0|1"; fail=1; }

# the created partitions and the load's month: partitions of the store, owned by the store's
# owner, with the same three indexes (the load's 2031-11 is the reference)
parts=$(q "SELECT string_agg(format('%s %s %s %s', c.relname, c.relowner = s.relowner,
                                    pg_get_expr(c.relpartbound, c.oid),
                                    (SELECT string_agg(d, '; ' ORDER BY d)
                                     FROM (SELECT regexp_replace(pg_get_indexdef(i.indexrelid), c.relname, 'P', 'g') AS d
                                           FROM pg_index i WHERE i.indrelid = c.oid) x)), E'\n' ORDER BY c.relname)
           FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_class s ON s.oid = h.inhparent
           WHERE h.inhparent = 'learnalytics.xapi_statements'::regclass")
echo "$parts"
ref=$(grep '^xapi_statements_p203111 ' <<<"$parts" | sed 's/^[^ ]* //; s/FOR VALUES FROM ([^)]*) TO ([^)]*)//')
n=0
for m in 203106 203107 203108; do
  line=$(grep "^xapi_statements_p$m " <<<"$parts") || { echo "no partition p$m"; fail=1; continue; }
  [ "$(sed 's/^[^ ]* //; s/FOR VALUES FROM ([^)]*) TO ([^)]*)//' <<<"$line")" = "$ref" ] && n=$((n + 1)) \
    || { echo "p$m differs from the load's month: $line"; fail=1; }
done
grep -q "^xapi_statements_p203111 t .*CREATE INDEX P_id ON learnalytics.P USING btree (id)" <<<"$parts" \
  || { echo "the load's month is not as expected"; fail=1; }
echo "partitions identical to a load's month: $n of 3"

# 2. xapi_drop_partitions while a load runs that sends again statements of the month it drops.
# The drop waits for the load (DROP TABLE of a partition takes ACCESS EXCLUSIVE on the store); it
# must hold nothing the load needs meanwhile: once it has deleted the month's ids, a load storing
# one of them waited for it (40P01). Same ordering as above. The month: 50 statements of 2030-01
# (ids 20001..20050), stored first; the load: 100 new statements of 2031-03, then 10 of 2030-01.
{
  echo "COPY learnalytics.xapi_statement_stream FROM STDIN (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02');"
  stmts 20001 20050 2030-01-10T10:00:00Z
  echo '\.'
} | psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" || exit 1
q "TRUNCATE learnalytics.xapi_loads" >/dev/null || exit 1
la_t_session_open load2
{
  echo "BEGIN;"
  echo "COPY learnalytics.xapi_statement_stream FROM STDIN (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02');"
  stmts 9001 9100 2031-03-21T08:00:00Z
} | la_t_session_send load2
wait_store_lock load2 'the second load'
start_and_watch dropped "learnalytics.xapi_drop_partitions('2030-02-01')" "$work/drop.out"
echo "dropper: $state"
[ "$state" = waiting ] || { echo "expected xapi_drop_partitions to wait for the load"; fail=1; }
{
  stmts 20001 20010 2030-01-10T10:00:00Z
  echo '\.'
  echo "COMMIT;"
  echo "SELECT 'load done';"
} | la_t_session_send load2
la_t_session_close load2; lrc=$?
la_t_session_output load2 >"$work/load2.out"
wait "$cpid"; crc=$?; cpid=""
echo "load (psql exit $lrc): $(tr '\n' ' ' <"$work/load2.out")"
echo "dropper (psql exit $crc): $(tr '\n' ' ' <"$work/drop.out")"
grep -q 'deadlock' "$work/load2.out" "$work/drop.out" && { echo "deadlock (40P01)"; fail=1; }
grep -qx 'load done' "$work/load2.out" && ! grep -q ERROR "$work/load2.out" || { echo "the second load failed"; fail=1; }
[ $crc -eq 0 ] && grep -qx 'dropped 1' "$work/drop.out" || { echo "xapi_drop_partitions failed or did not drop 1 partition"; fail=1; }
# the load came first: 100 new, 10 already stored (in 2030-01); then 2030-01 and its 50 ids went
log=$(q "SELECT statements, stored, existing, rejected, new_partitions FROM learnalytics.xapi_loads")
echo "second load log: $log"
[ "$log" = "110|100|10|0|0" ] || { echo "expected 110|100|10|0|0"; fail=1; }
got=$(q "SELECT (SELECT count(*) FROM learnalytics.xapi_statements), (SELECT count(*) FROM learnalytics.xapi_statement_ids),
                (SELECT count(*) FROM learnalytics.xapi_statement_ids WHERE id >= 'bb000000-0000-4000-8000-000000020001'),
                to_regclass('learnalytics.xapi_statements_p203001') IS NULL")
echo "stored, ids, ids of 2030-01, 2030-01 gone: $got"
[ "$got" = "9100|9100|0|t" ] || { echo "expected 9100|9100|0|t"; fail=1; }
exit $fail
