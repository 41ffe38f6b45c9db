#!/usr/bin/env bash
# Eight concurrent loads of 10,000 to 18,000 statements each (several flushes of 4,096), whose ids
# overlap in random orders, all finish on the first try: no deadlock (40P01), no retry. Four COPY
# into xapi_statement_stream in all_or_nothing mode, two in rejects mode (with invalid statements,
# ids repeated within the load and ids sent by both with different contents), two xapi_ingest
# calls (one per mode). Every statement is stored exactly once; every load's counts in xapi_loads
# and the rejects are what the plan of the loads says (computed from the plan in plain SQL);
# statements stored before the loads and voided by them are voided.
# The random orders come from a seed, printed (LA_TEST_SEED=<seed> repeats a run).
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
db=$LA_DB
export PGOPTIONS='--client-min-messages=warning'
seed=${LA_TEST_SEED:-$(( (RANDOM << 15 | RANDOM) % 1000000 ))}
echo "seed $seed"
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_loads.XXXXXX")
chmod 755 "$work"
drop_all() {
  psql -X -q -d "$db" >/dev/null 2>&1 <<'SQL'
DROP SCHEMA IF EXISTS xapi_loads_t CASCADE;
SELECT learnalytics.xapi_drop_partitions('infinity');
TRUNCATE learnalytics.xapi_statement_ids, learnalytics.xapi_voids, learnalytics.xapi_rejects,
         learnalytics.xapi_loads, learnalytics.xapi_pseudonym_key;
SQL
}
la_t_cleanup_add drop_all
la_t_cleanup_add rm -rf "$work"
fail=0
nloaders=8

# The plan: 40,000 base statements (ids 1..40000, spread over a year, so that the loads create
# months concurrently); 1,500 of them stored before the loads; 300 voiding statements, one for
# each of base statements 1..300. Loader k sends a random sample of 10,000 to 18,000 base
# statements and of the voiding statements, in a random order; loaders 4, 5 and 6 (rejects mode)
# also send 5 invalid statements and 20 ids of their own twice; loaders 4 and 5 send 50 ids with
# different contents.
psql -X -q -v ON_ERROR_STOP=1 -v seed="$seed" -d "$db" <<'SQL' || exit 1
CREATE SCHEMA xapi_loads_t;
CREATE FUNCTION xapi_loads_t.stmt(i integer, variant text DEFAULT 'a') RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', format('%s-0000-4000-8000-000000000000', lpad(to_hex(i), 8, '0')),
    'actor', jsonb_build_object('mbox', format('mailto:learner%s@example.org', i % 211)),
    'verb', jsonb_build_object('id', CASE variant WHEN 'bad' THEN 'not an iri'
                                                 WHEN 'b' THEN 'http://adlnet.gov/expapi/verbs/attempted'
                                                 ELSE 'http://adlnet.gov/expapi/verbs/experienced' END),
    'object', jsonb_build_object('id', format('http://example.org/activity/%s', i % 17)),
    'timestamp', to_char(timestamptz '2027-01-01 00:00:00+00' + i * interval '13 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
-- the voiding statement of base statement j
CREATE FUNCTION xapi_loads_t.voider(j integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', format('eeeeeeee-0000-4000-8000-%s', lpad(to_hex(j), 12, '0')),
    'actor', jsonb_build_object('mbox', 'mailto:admin@example.org'),
    'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/voided'),
    'object', jsonb_build_object('objectType', 'StatementRef', 'id', xapi_loads_t.stmt(j)->>'id'),
    'timestamp', '2027-06-15T12:00:00Z')
$$;
SELECT setseed(:seed / 1000000.0) AS seeded \gset
CREATE TABLE xapi_loads_t.sizes AS
  SELECT k, 10000 + floor(random() * 8001)::integer AS n FROM generate_series(0, 7) k ORDER BY k;
-- kind: base, voider, invalid, dup (an id of the loader's own, sent twice), conflict
CREATE TABLE xapi_loads_t.plan (k integer, kind text, i integer);
INSERT INTO xapi_loads_t.plan (k, kind, i)
  SELECT s.k, 'base', p.i FROM xapi_loads_t.sizes s,
    LATERAL (SELECT i FROM generate_series(1, 40000) i ORDER BY random() + s.k * 0 LIMIT s.n) p
  ORDER BY s.k, p.i;
INSERT INTO xapi_loads_t.plan (k, kind, i)
  SELECT k, 'voider', j FROM generate_series(0, 7) k, generate_series(1, 300) j
  WHERE random() < 0.3 ORDER BY k, j;
INSERT INTO xapi_loads_t.plan (k, kind, i)
  SELECT k, 'invalid', 50000 + k * 10 + j FROM generate_series(4, 6) k, generate_series(1, 5) j;
INSERT INTO xapi_loads_t.plan (k, kind, i)
  SELECT k, 'dup', 60000 + k * 100 + j FROM generate_series(4, 6) k, generate_series(1, 20) j, generate_series(1, 2) twice;
INSERT INTO xapi_loads_t.plan (k, kind, i)
  SELECT k, 'conflict', 70000 + j FROM generate_series(4, 5) k, generate_series(1, 50) j;
-- the order of each load, and its statements
CREATE TABLE xapi_loads_t.ordered AS
  SELECT k, row_number() OVER (PARTITION BY k ORDER BY r) AS pos, kind, i,
         CASE kind WHEN 'voider' THEN xapi_loads_t.voider(i)
                   WHEN 'invalid' THEN xapi_loads_t.stmt(i, 'bad')
                   WHEN 'conflict' THEN xapi_loads_t.stmt(i, CASE k WHEN 4 THEN 'a' ELSE 'b' END)
                   ELSE xapi_loads_t.stmt(i) END AS doc
  FROM (SELECT k, kind, i, random() AS r FROM (SELECT * FROM xapi_loads_t.plan ORDER BY k, kind, i) q) x;
-- stored before the loads
SELECT count(*) AS prestored FROM learnalytics.xapi_ingest(
  (SELECT jsonb_agg(xapi_loads_t.stmt(i) ORDER BY i) FROM generate_series(1, 1500) i)) WHERE status = 'stored' \gset
SELECT :prestored = 1500 AS ok \gset
\if :ok
\else
  \echo 'the 1,500 statements of the prelude were not stored'
  \quit
\endif
SQL

copyopts="(FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"
for k in $(seq 0 $((nloaders - 1))); do
  echo "\\copy (SELECT doc::text FROM xapi_loads_t.ordered WHERE k = $k ORDER BY pos) TO '$work/load$k.ndjson' WITH $copyopts"
done | psql -X -q -v ON_ERROR_STOP=1 -d "$db" || exit 1
psql -X -q -A -t -F ' ' -d "$db" -c "SELECT k, count(*), count(*) FILTER (WHERE kind = 'base') FROM xapi_loads_t.ordered GROUP BY k ORDER BY k" |
  while read -r k n b; do echo "loader $k: $n statements ($b of the 40,000 base ones)"; done

# One loader. Prints "counts <statements> <stored> <existing> <rejected>" (from the load's NOTICE
# for COPY, from xapi_ingest's rows otherwise).
loader() {  # k how mode
  local k=$1 how=$2 mode=$3 out="$work/out$1"
  if [ "$how" = copy ]; then
    PGOPTIONS='--client-min-messages=notice' psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$out" 2>&1 <<SQL
SET learnalytics.xapi_ingest_mode = '$mode';
\\copy learnalytics.xapi_statement_stream (statement) FROM '$work/load$k.ndjson' WITH $copyopts
SQL
    local rc=$?
    sed -n 's/.*xapi load: \([0-9]*\) statements, \([0-9]*\) stored, \([0-9]*\) already stored, \([0-9]*\) rejected.*/counts \1 \2 \3 \4/p' "$out" >>"$out.counts"
    return $rc
  fi
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" >"$out" 2>&1 <<SQL
CREATE TEMP TABLE batch (n serial, statement jsonb);
\\copy batch (statement) FROM '$work/load$k.ndjson' WITH $copyopts
SELECT 'counts ' || count(*) || ' ' || count(*) FILTER (WHERE status = 'stored') || ' '
       || count(*) FILTER (WHERE status = 'exists') || ' ' || count(*) FILTER (WHERE status = 'rejected')
FROM learnalytics.xapi_ingest((SELECT jsonb_agg(statement ORDER BY n) FROM batch), '$mode');
SQL
  local rc=$?
  grep '^counts ' "$out" >>"$out.counts"
  return $rc
}
hows=(copy copy copy copy copy copy ingest ingest)
modes=(all_or_nothing all_or_nothing all_or_nothing all_or_nothing rejects rejects rejects all_or_nothing)

pids=()
for k in $(seq 0 $((nloaders - 1))); do
  loader "$k" "${hows[$k]}" "${modes[$k]}" &
  pids+=($!)
done
for k in $(seq 0 $((nloaders - 1))); do
  if ! wait "${pids[$k]}"; then
    echo "loader $k (${hows[$k]}, ${modes[$k]}) failed:"; sed 's/^/    /' "$work/out$k" | head -20; fail=1
  fi
done
if grep -l -E '40P01|deadlock' "$work"/out* >/dev/null 2>&1; then
  echo "a loader reported a deadlock"; fail=1
fi
[ $fail -eq 0 ] || { echo FAILED; exit 1; }

# Each loader's counts against the plan. Stored + existing is what the plan says is neither
# invalid nor a second occurrence nor a conflict; of the 50 conflicting ids each of loaders 4 and
# 5 stores some, the other rejects them.
for k in $(seq 0 $((nloaders - 1))); do
  read -r _ n s e r <"$work/out$k.counts" || { echo "loader $k: no counts"; fail=1; continue; }
  echo "loader $k (${hows[$k]}, ${modes[$k]}): $n statements, $s stored, $e existing, $r rejected"
  expect=$(psql -X -q -A -t -F ' ' -d "$db" -c "
    SELECT count(*), count(*) FILTER (WHERE kind = 'invalid') + count(*) FILTER (WHERE kind = 'dup') / 2,
           count(*) FILTER (WHERE kind = 'conflict')
    FROM xapi_loads_t.ordered WHERE k = $k")
  read -r en erej econf <<<"$expect"
  if [ "$n" != "$en" ] || [ $((s + e + r)) -ne "$n" ] || [ "$r" -lt "$erej" ] || [ "$r" -gt $((erej + econf)) ]; then
    echo "loader $k: expected $en statements, $erej to $((erej + econf)) rejected"; fail=1
  fi
  echo "$r $((r - erej))" >"$work/rej$k"
done
total_stored=0; conflicts=0
for k in $(seq 0 $((nloaders - 1))); do
  read -r _ n s e r <"$work/out$k.counts" || continue
  total_stored=$((total_stored + s))
  [ "$k" = 4 ] || [ "$k" = 5 ] && conflicts=$((conflicts + $(cut -d' ' -f2 "$work/rej$k")))
done
[ "$conflicts" -eq 50 ] || { echo "expected the 50 conflicting ids rejected once each, got $conflicts"; fail=1; }

# The store against the plan: each distinct valid id exactly once (1,500 of them from before).
check=$(psql -X -q -A -t -F ' ' -d "$db" <<'SQL'
WITH valid AS (SELECT DISTINCT doc->>'id' AS id FROM xapi_loads_t.ordered WHERE kind <> 'invalid'
               UNION SELECT xapi_loads_t.stmt(i)->>'id' FROM generate_series(1, 1500) i)
SELECT (SELECT count(*) FROM valid),
       (SELECT count(*) FROM learnalytics.xapi_statements),
       (SELECT count(DISTINCT id) FROM learnalytics.xapi_statements),
       (SELECT count(*) FROM learnalytics.xapi_statement_ids),
       (SELECT count(*) FROM valid v WHERE NOT EXISTS
          (SELECT FROM learnalytics.xapi_statements s WHERE s.id = v.id::uuid)),
       -- loads logged: the prelude and the eight, each consistent
       (SELECT count(*) FROM learnalytics.xapi_loads),
       (SELECT coalesce(sum(stored), 0) FROM learnalytics.xapi_loads),
       -- the ids stored by each load are its own: xapi_statement_ids.load_id names a logged load
       (SELECT count(*) FROM learnalytics.xapi_statement_ids i
          WHERE NOT EXISTS (SELECT FROM learnalytics.xapi_loads l WHERE l.load_id = i.load_id)),
       -- the rejects: invalid statements, second occurrences of an id, conflicts
       (SELECT count(*) FROM learnalytics.xapi_rejects),
       (SELECT count(*) FROM xapi_loads_t.ordered WHERE kind = 'invalid')
         + (SELECT count(*) / 2 FROM xapi_loads_t.ordered WHERE kind = 'dup') + 50,
       (SELECT count(*) FROM learnalytics.xapi_rejects r, jsonb_array_elements(r.violations) v
          WHERE v->>'rule' = 'duplicate_id'),
       -- the contents stored for the conflicting ids: one of the two each
       (SELECT count(*) FROM learnalytics.xapi_statements
          WHERE id IN (SELECT (xapi_loads_t.stmt(70000 + j)->>'id')::uuid FROM generate_series(1, 50) j)),
       -- voiding: every voiding statement sent is stored once and its target (stored before) voided
       (SELECT count(DISTINCT i) FROM xapi_loads_t.ordered WHERE kind = 'voider'),
       (SELECT count(*) FROM learnalytics.xapi_voids),
       (SELECT count(*) FROM learnalytics.xapi_statements WHERE voided),
       (SELECT count(*) FROM (SELECT DISTINCT i FROM xapi_loads_t.ordered WHERE kind = 'voider') v
          JOIN learnalytics.xapi_statements s ON s.id = (xapi_loads_t.stmt(v.i)->>'id')::uuid
          WHERE s.voided)
SQL
)
read -r nvalid rows distinct ids missing nloads logged_stored orphans rejects erejects dupr nconf nvoiders nvoids nvoided nvoided_ok <<<"$check"
echo "store: $rows rows, $distinct distinct ids, $ids claimed ids (expected $nvalid), $missing missing"
echo "xapi_loads: $nloads loads, $logged_stored stored in all (the eight loads: $total_stored + 1500 before)"
echo "rejects: $rejects (expected $erejects), $dupr duplicate ids; voiding statements $nvoiders, xapi_voids $nvoids, voided $nvoided ($nvoided_ok of the targets)"
if [ "$rows" != "$nvalid" ] || [ "$distinct" != "$nvalid" ] || [ "$ids" != "$nvalid" ] || [ "$missing" != 0 ]; then
  echo "expected every valid statement stored exactly once"; fail=1
fi
if [ "$nloads" != $((nloaders + 1)) ] || [ "$logged_stored" != "$nvalid" ] || [ $((total_stored + 1500)) -ne "$nvalid" ] || [ "$orphans" != 0 ]; then
  echo "expected $((nloaders + 1)) loads in xapi_loads storing $nvalid statements in all"; fail=1
fi
if [ "$rejects" != "$erejects" ] || [ "$dupr" != 60 ]; then
  echo "expected $erejects rejects, 60 of them duplicate ids"; fail=1
fi
if [ "$nvoids" != "$nvoiders" ] || [ "$nvoided" != "$nvoiders" ] || [ "$nvoided_ok" != "$nvoiders" ]; then
  echo "expected the $nvoiders targets of the voiding statements voided"; fail=1
fi
[ "$nconf" = 50 ] || { echo "expected the 50 conflicting ids stored once each, got $nconf"; fail=1; }

[ $fail -eq 0 ] || { echo FAILED; exit 1; }

# The loads' lock is released when a load ends, not held by its transaction; a second load in
# the same transaction works (it takes the lock exclusive).
locks=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
BEGIN;
SELECT count(*) FROM learnalytics.xapi_ingest(xapi_loads_t.stmt(41001));
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT status FROM learnalytics.xapi_ingest((SELECT jsonb_agg(xapi_loads_t.stmt(i) ORDER BY i) FROM generate_series(41001, 41002) i));
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
COMMIT;
SQL
)
echo "one transaction, two loads: $(tr '\n' ' ' <<<"$locks")"
[ "$(tr '\n' ' ' <<<"$locks")" = "1 0 exists stored 0 " ] || { echo "expected 1 0 exists stored 0"; fail=1; }

# A store something watches (a user trigger): rows go through the parent, and months that have
# no partition yet get one while other loads run. Four loads of 6,000 statements (two flushes)
# from 10,000 ids over three new months, in random orders.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
CREATE FUNCTION xapi_loads_t.watch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER xapi_loads_t_watch AFTER INSERT ON learnalytics.xapi_statements
  FOR EACH ROW EXECUTE FUNCTION xapi_loads_t.watch();
CREATE TABLE xapi_loads_t.watched AS
  SELECT k, row_number() OVER (PARTITION BY k ORDER BY random()) AS pos, i,
         xapi_loads_t.stmt(i) || jsonb_build_object('timestamp',
           to_char(timestamptz '2029-01-01 00:00:00+00' + (i - 100000) * interval '10 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS doc
  FROM generate_series(0, 3) k,
       LATERAL (SELECT i FROM generate_series(100001, 110000) i ORDER BY random() + k * 0 LIMIT 6000) p;
SQL
rm -f "$work"/out*.counts
for k in 0 1 2 3; do
  echo "\\copy (SELECT doc::text FROM xapi_loads_t.watched WHERE k = $k ORDER BY pos) TO '$work/load$k.ndjson' WITH $copyopts"
done | psql -X -q -v ON_ERROR_STOP=1 -d "$db" || exit 1
pids=()
for k in 0 1 2 3; do loader "$k" copy all_or_nothing & pids+=($!); done
for k in 0 1 2 3; do
  if ! wait "${pids[$k]}"; then
    echo "watched store: loader $k failed:"; sed 's/^/    /' "$work/out$k" | head -20; fail=1
  fi
done
check=$(psql -X -q -A -t -F ' ' -d "$db" <<'SQL'
SELECT (SELECT count(DISTINCT i) FROM xapi_loads_t.watched),
       (SELECT count(*) FROM learnalytics.xapi_statements WHERE "timestamp" >= '2029-01-01'),
       (SELECT count(DISTINCT id) FROM learnalytics.xapi_statements WHERE "timestamp" >= '2029-01-01'),
       (SELECT count(*) FROM learnalytics.xapi_statement_ids WHERE "timestamp" >= '2029-01-01'),
       (SELECT string_agg(c.relname || ':' || (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid), ',' ORDER BY c.relname)
        FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
        WHERE h.inhparent = 'learnalytics.xapi_statements'::regclass AND c.relname >= 'xapi_statements_p2029')
SQL
)
read -r wexpect wrows wdistinct wids wparts <<<"$check"
echo "watched store: $wrows rows, $wdistinct distinct ids, $wids claimed ids (expected $wexpect); partitions $wparts"
if [ "$wrows" != "$wexpect" ] || [ "$wdistinct" != "$wexpect" ] || [ "$wids" != "$wexpect" ]; then
  echo "expected every statement stored exactly once"; fail=1
fi
[ "$wparts" = "xapi_statements_p202901:3,xapi_statements_p202902:3,xapi_statements_p202903:3" ] ||
  { echo "expected three new partitions with their three indexes"; fail=1; }
psql -X -q -d "$db" -c "DROP TRIGGER xapi_loads_t_watch ON learnalytics.xapi_statements" >/dev/null

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "concurrent loads, no deadlock, exactly once: ok"
