#!/usr/bin/env bash
# Benchmark (not a test): xAPI ingest throughput through the bulk path (COPY of NDJSON straight
# into the view xapi_statement_stream, full validation on) side by side with a plain COPY of the
# same NDJSON into a bare jsonb table, in the same run. Prints statements/s and the ratios:
#   backfill   N statements into an empty store (every month new: partitions built by sorting)
#   append     N more statements into the same months (existing partitions: index insertions)
#   staged     for reference, the two-step path: COPY into xapi_staging, then xapi_ingest_staged()
#
#   bash test/bench/xapi_ingest.sh [N]        N statements (default 1000000)
#
# Against a running cluster when PGHOST/PGPORT are set (e.g. after
# `source test/lib/cluster.sh; la_setup`), otherwise on a throwaway cluster of its own, with the
# settings of a bulk load (shared_buffers 2GB, max_wal_size 8GB) for both sides.
set -euo pipefail
N=${1:-${LA_BENCH_N:-1000000}}
if [ -z "${PGHOST:-}" ]; then
  source "$(dirname "$0")/../lib/cluster.sh"
  LA_EXTRA_CFLAGS=${LA_EXTRA_CFLAGS:-}
  la_setup
  cat >>"$LA_WORK/data/postgresql.conf" <<CONF
shared_buffers = '2GB'
max_wal_size = '8GB'
CONF
  la_as_owner "$LA_BIN/pg_ctl" -D "$LA_WORK/data" -w restart >/dev/null
fi
db=${LA_BENCH_DB:-learnalytics_bench}
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_bench.XXXXXX")
chmod 755 "$work"
bench_cleanup() {
  rm -rf "$work"
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  # our own throwaway cluster (la_setup's EXIT trap is replaced by this one)
  if declare -F la_cleanup >/dev/null; then la_cleanup; fi
}
trap bench_cleanup EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
-- synthetic statements: 10,000 learners, 5 verbs, 500 activities, a year of timestamps,
-- half of them with a scored result, all with a registration and a parent activity
CREATE FUNCTION stmt(i bigint) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', md5(i::text)::uuid,
    'actor', jsonb_build_object('objectType', 'Agent', 'name', 'Learner ' || (i % 10000),
                                'mbox', 'mailto:learner' || (i % 10000) || '@example.org'),
    'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/' ||
                                 (ARRAY['experienced','attempted','completed','passed','failed'])[1 + i % 5],
                               'display', jsonb_build_object('en-US', 'did')),
    'object', jsonb_build_object('objectType', 'Activity', 'id', 'http://example.org/activity/' || (i % 500),
                                 'definition', jsonb_build_object('name', jsonb_build_object('en-US', 'Activity ' || (i % 500)),
                                                                  'type', 'http://adlnet.gov/expapi/activities/lesson')),
    'context', jsonb_build_object('registration', md5('r' || (i % 20000))::uuid, 'platform', 'LMS',
                                  'contextActivities', jsonb_build_object('parent',
                                    jsonb_build_array(jsonb_build_object('id', 'http://example.org/course/' || (i % 20))))),
    'timestamp', to_char(timestamptz '2025-01-01 00:00:00+00' + (i % 525600) * interval '1 minute',
                         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  || CASE WHEN i % 2 = 0 THEN jsonb_build_object('result', jsonb_build_object(
         'score', jsonb_build_object('scaled', (i % 100) / 100.0, 'raw', i % 100, 'min', 0, 'max', 100),
         'success', i % 3 > 0, 'completion', true, 'duration', 'PT' || (i % 3600) || 'S'))
     ELSE '{}'::jsonb END
$$;
CREATE TABLE bare (doc jsonb);
SQL

copyopts="(FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"
for part in 1 2; do
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "\\copy (SELECT stmt(i)::text FROM generate_series(($part - 1) * $N + 1, $part * $N) i) TO '$work/part$part.ndjson' WITH $copyopts"
done
echo "xapi ingest benchmark: $N statements per load, $(du -m "$work/part1.ndjson" | cut -f1) MB of NDJSON"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
# copy_into TARGET FILE: seconds of one COPY, after a checkpoint
copy_into() {
  psql -X -q -d "$db" -c "CHECKPOINT" >/dev/null
  local t0; t0=$(now)
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "\\copy $1 FROM '$2' WITH $copyopts" >/dev/null
  since "$t0"
}
line() { printf '%-60s %8s s %10s statements/s\n' "$1" "$(printf %.1f "$2")" "$(rate "$N" "$2")"; }

# 1. plain COPY into a bare jsonb table (twice: the baseline of each load)
copy1_s=$(copy_into "bare (doc)" "$work/part1.ndjson")
copy2_s=$(copy_into "bare (doc)" "$work/part2.ndjson")

# 2. the bulk path, backfill: COPY into the stream view, every month new
back_s=$(copy_into "learnalytics.xapi_statement_stream (statement)" "$work/part1.ndjson")
# floor: what writing the store alone costs with PostgreSQL's fastest bulk path, no validation or
# derivation: binary COPY of the rows load 1 stored (the statement's jsonb is parsed again) into an
# unindexed copy of the store, its three indexes built by sorting, binary COPY of the claimed ids
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
\\copy (SELECT * FROM learnalytics.xapi_statements) TO '$work/store.bin' WITH (FORMAT binary)
\\copy learnalytics.xapi_statement_ids TO '$work/ids.bin' WITH (FORMAT binary)
CREATE TABLE floor_store (LIKE learnalytics.xapi_statements INCLUDING DEFAULTS);
CREATE TABLE floor_ids (LIKE learnalytics.xapi_statement_ids INCLUDING ALL);
CHECKPOINT;
SQL
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
\\copy floor_store FROM '$work/store.bin' WITH (FORMAT binary)
CREATE INDEX ON floor_store (actor_pseudonym, "timestamp");
CREATE INDEX ON floor_store (object_id, "timestamp");
CREATE INDEX ON floor_store (id);
\\copy floor_ids FROM '$work/ids.bin' WITH (FORMAT binary)
SQL
floor_s=$(since "$t0")
psql -X -q -d "$db" -c "DROP TABLE floor_store, floor_ids" >/dev/null

# 3. the bulk path, append: the same months again, now partitions with their indexes
app_s=$(copy_into "learnalytics.xapi_statement_stream (statement)" "$work/part2.ndjson")
read -r stored loads newparts <<<"$(psql -X -q -A -t -F ' ' -d "$db" -c "
  SELECT sum(stored), count(*), sum(new_partitions) FROM learnalytics.xapi_loads")"
[ "$stored" = "$((2 * N))" ] || { echo "expected $((2 * N)) stored, got $stored" >&2; exit 1; }

# 4. for reference: validation alone over the bare table, and the staged path (append)
t0=$(now)
valid=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FROM bare WHERE learnalytics.xapi_is_valid(doc)")
validate_s=$(since "$t0")
[ "$valid" = "$((2 * N))" ] || { echo "expected $((2 * N)) valid, got $valid" >&2; exit 1; }
psql -X -q -d "$db" -c "SELECT learnalytics.xapi_drop_partitions('infinity')" >/dev/null
psql -X -q -d "$db" -c "SELECT learnalytics.xapi_create_partitions('2025-01-01', '2025-12-31')" >/dev/null
stage_s=$(copy_into "learnalytics.xapi_staging (statement)" "$work/part1.ndjson")
t0=$(now)
psql -X -q -d "$db" -c "SELECT * FROM learnalytics.xapi_ingest_staged()" >/dev/null
staged_s=$(awk -v a="$stage_s" -v b="$(since "$t0")" 'BEGIN { print a + b }')

line "plain COPY into a bare jsonb table (load 1)" "$copy1_s"
line "plain COPY into a bare jsonb table (load 2)" "$copy2_s"
line "bulk path, backfill (COPY into xapi_statement_stream)" "$back_s"
line "bulk path, append (the same months again)" "$app_s"
line "floor: the store's rows, indexes and ids alone (binary COPY)" "$floor_s"
line "staged path into existing empty partitions (COPY + ingest)" "$staged_s"
line "validation alone (xapi_is_valid), per load" "$(awk -v v="$validate_s" 'BEGIN { print v / 2 }')"
awk -v c="$copy1_s" -v b="$back_s" 'BEGIN { printf "ratio backfill / plain COPY (throughput): %.2f (target >= 0.50)\n", c / b }'
awk -v c="$copy2_s" -v b="$app_s" 'BEGIN { printf "ratio append / plain COPY (throughput):   %.2f\n", c / b }'
awk -v c="$copy1_s" -v b="$floor_s" 'BEGIN { printf "ratio floor / plain COPY (throughput):    %.2f (no validation, no derivation)\n", c / b }'
awk -v f="$floor_s" -v b="$back_s" 'BEGIN { printf "backfill time / floor time:               %.2f\n", b / f }'
awk -v c="$copy1_s" -v b="$staged_s" 'BEGIN { printf "ratio staged / plain COPY (throughput):   %.2f\n", c / b }'
echo "loads: $loads, months loaded into new partitions: $newparts"
psql -X -q -A -t -d "$db" -c "
  SELECT 'store: ' || (SELECT count(*) FROM learnalytics.xapi_statements) || ' statements in ' || count(*)
         || ' partitions, ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid)))
  FROM pg_inherits WHERE inhparent = 'learnalytics.xapi_statements'::regclass"
