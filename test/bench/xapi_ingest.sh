#!/usr/bin/env bash
# Benchmark (not a test): xAPI ingest throughput through the bulk path (COPY of NDJSON into the
# staging table, then xapi_ingest_staged() with full validation) side by side with a plain COPY of
# the same NDJSON into a bare jsonb table, in the same run. Prints statements/s and the ratio.
#
#   bash test/bench/xapi_ingest.sh [N]        N statements (default 1000000)
#
# Against a running cluster when PGHOST/PGPORT are set (e.g. after
# `source test/lib/cluster.sh; la_setup`), otherwise on a throwaway cluster of its own.
set -euo pipefail
N=${1:-${LA_BENCH_N:-1000000}}
if [ -z "${PGHOST:-}" ]; then
  source "$(dirname "$0")/../lib/cluster.sh"
  LA_EXTRA_CFLAGS=${LA_EXTRA_CFLAGS:-}
  la_setup
fi
db=${LA_BENCH_DB:-learnalytics_bench}
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_bench.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT

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

file="$work/statements.ndjson"
copyopts="(FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "\\copy (SELECT stmt(i)::text FROM generate_series(1, $N) i) TO '$file' WITH $copyopts"
echo "xapi ingest benchmark: $N statements, $(du -m "$file" | cut -f1) MB of NDJSON"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

# 1. plain COPY into a bare jsonb table
psql -X -q -d "$db" -c "CHECKPOINT" >/dev/null
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "\\copy bare (doc) FROM '$file' WITH $copyopts"
t1=$(now)
copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')

# 2. the bulk path: COPY into the staging table, then one call that validates and stores
psql -X -q -d "$db" -c "CHECKPOINT" >/dev/null
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "\\copy learnalytics.xapi_staging (statement) FROM '$file' WITH $copyopts"
t1=$(now)
out=$(psql -X -q -A -t -F ' ' -v ON_ERROR_STOP=1 -d "$db" -c "SELECT * FROM learnalytics.xapi_ingest_staged()")
t2=$(now)
stage_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
ingest_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')
bulk_s=$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')
read -r stored existing rejected <<<"$out"
[ "$stored" = "$N" ] || { echo "expected $N stored, got: $out" >&2; exit 1; }

# 3. for reference: validation alone over the bare table
t0=$(now)
valid=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FROM bare WHERE learnalytics.xapi_is_valid(doc)")
t1=$(now)
validate_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
[ "$valid" = "$N" ] || { echo "expected $N valid, got $valid" >&2; exit 1; }

printf '%-52s %10s s %12s statements/s\n' "plain COPY into a bare jsonb table" "$(printf %.1f "$copy_s")" "$(rate "$N" "$copy_s")"
printf '%-52s %10s s %12s statements/s\n' "bulk path total (COPY to staging + ingest)" "$(printf %.1f "$bulk_s")" "$(rate "$N" "$bulk_s")"
printf '%-52s %10s s %12s statements/s\n' "  of which COPY into xapi_staging" "$(printf %.1f "$stage_s")" "$(rate "$N" "$stage_s")"
printf '%-52s %10s s %12s statements/s\n' "  of which xapi_ingest_staged()" "$(printf %.1f "$ingest_s")" "$(rate "$N" "$ingest_s")"
printf '%-52s %10s s %12s statements/s\n' "validation alone (xapi_is_valid over the bare table)" "$(printf %.1f "$validate_s")" "$(rate "$N" "$validate_s")"
awk -v c="$copy_s" -v b="$bulk_s" 'BEGIN { printf "ratio bulk path / plain COPY (throughput): %.2f (target >= 0.50)\n", c / b }'
psql -X -q -A -t -d "$db" -c "
  SELECT 'store: ' || (SELECT count(*) FROM learnalytics.xapi_statements) || ' statements in ' || count(*)
         || ' partitions, ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid)))
  FROM pg_inherits WHERE inhparent = 'learnalytics.xapi_statements'::regclass"
