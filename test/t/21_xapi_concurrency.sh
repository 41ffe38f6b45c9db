#!/usr/bin/env bash
# Concurrent ingesters with overlapping statement ids store each statement exactly once, and of two
# concurrent ingesters sending one id with different content, one stores it and the other gets a
# conflict (SQLSTATE 23505). Two psql sessions at a time, several rounds.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
db=$LA_DB
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_conc.XXXXXX")
drop_all() {
  psql -X -q -d "$db" >/dev/null <<'SQL'
DROP SCHEMA IF EXISTS xapi_conc CASCADE;
SELECT learnalytics.xapi_drop_partitions('infinity');
TRUNCATE learnalytics.xapi_statement_ids, learnalytics.xapi_voids, learnalytics.xapi_rejects,
         learnalytics.xapi_pseudonym_key;
SQL
}
la_t_cleanup_add drop_all
la_t_cleanup_add rm -rf "$work"

psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
CREATE SCHEMA xapi_conc;
-- statement i: a fixed id and content, spread over three months (so partitions are created concurrently)
CREATE FUNCTION xapi_conc.stmt(i integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', format('%s-0000-4000-8000-000000000000', lpad(to_hex(i), 8, '0')),
    'actor', jsonb_build_object('mbox', format('mailto:learner%s@example.org', i % 97)),
    'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/experienced'),
    'object', jsonb_build_object('id', format('http://example.org/activity/%s', i % 13)),
    'timestamp', to_char(timestamptz '2026-01-01 00:00:00+00' + i * interval '61 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
SQL

# one ingester: statements lo..hi in batches of size bs, ascending or descending; prints per-status counts
ingest() {  # lo hi bs order out
  local lo=$1 hi=$2 bs=$3 order=$4 out=$5
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" >"$out" 2>&1 <<SQL
CREATE TEMP TABLE tally (status text, n bigint);
DO \$\$
DECLARE
  b integer;
BEGIN
  FOR b IN SELECT g FROM generate_series($lo, $hi, $bs) g ORDER BY CASE WHEN '$order' = 'asc' THEN g ELSE -g END LOOP
    INSERT INTO tally
    SELECT status, count(*) FROM learnalytics.xapi_ingest(
      (SELECT jsonb_agg(xapi_conc.stmt(i) ORDER BY random()) FROM generate_series(b, least(b + $bs - 1, $hi)) i))
    GROUP BY status;
    COMMIT;
  END LOOP;
END \$\$;
SELECT status || '=' || sum(n) FROM tally GROUP BY status ORDER BY status;
SQL
}

fail=0
total_stored=0
for round in 1 2 3; do
  base=$(( (round - 1) * 3000 + 1 ))
  # A: base..base+1999 ascending in batches of 100; B: base+1000..base+2999 descending in batches of 70
  ingest $base $((base + 1999)) 100 asc "$work/a$round" &
  pa=$!
  ingest $((base + 1000)) $((base + 2999)) 70 desc "$work/b$round" &
  pb=$!
  wait $pa; ra=$?
  wait $pb; rb=$?
  if [ $ra -ne 0 ] || [ $rb -ne 0 ]; then
    echo "round $round: an ingester failed"; cat "$work/a$round" "$work/b$round"; fail=1; continue
  fi
  sa=$(sed -n 's/^stored=//p' "$work/a$round"); sb=$(sed -n 's/^stored=//p' "$work/b$round")
  ea=$(sed -n 's/^exists=//p' "$work/a$round"); eb=$(sed -n 's/^exists=//p' "$work/b$round")
  echo "round $round: A stored ${sa:-0} existing ${ea:-0}; B stored ${sb:-0} existing ${eb:-0}"
  # 3000 distinct statements, 1000 sent by both: stored exactly 3000 times, 'exists' exactly 1000 times
  if [ $(( ${sa:-0} + ${sb:-0} )) -ne 3000 ] || [ $(( ${ea:-0} + ${eb:-0} )) -ne 1000 ]; then
    echo "round $round: expected 3000 stored and 1000 existing in total"; fail=1
  fi
done

check=$(psql -X -q -A -t -F ' ' -d "$db" -c "
  SELECT count(*), count(DISTINCT id), (SELECT count(*) FROM learnalytics.xapi_statement_ids),
         (SELECT count(*) FROM pg_inherits WHERE inhparent = 'learnalytics.xapi_statements'::regclass)
  FROM learnalytics.xapi_statements")
echo "store: rows, distinct ids, claimed ids, partitions = $check"
read -r rows distinct ids parts <<<"$check"
if [ "$rows" != 9000 ] || [ "$distinct" != 9000 ] || [ "$ids" != 9000 ]; then
  echo "expected 9000 rows, 9000 distinct ids, 9000 claimed ids"; fail=1
fi
[ "${parts:-0}" -ge 2 ] || { echo "expected the statements to span several partitions"; fail=1; }

# one id, two contents, two sessions at once: exactly one is stored, the other is a conflict
conflict() {  # label content-verb delay out
  psql -X -q -A -t -d "$db" >"$4" 2>&1 <<SQL
SELECT pg_sleep($3);
BEGIN;
SELECT status FROM learnalytics.xapi_ingest(jsonb_set(xapi_conc.stmt(99999), '{verb,id}', to_jsonb('$2'::text)));
SELECT pg_sleep(1);
COMMIT;
SQL
}
conflict A http://example.org/verb/a 0 "$work/ca" &
p1=$!
conflict B http://example.org/verb/b 0.3 "$work/cb" &
p2=$!
wait $p1 $p2
stored=$(cat "$work/ca" "$work/cb" | grep -c '^stored$')
conflicts=$(cat "$work/ca" "$work/cb" | grep -c 'statement id conflict')
n=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FROM learnalytics.xapi_statements WHERE id = '0001869f-0000-4000-8000-000000000000'")
echo "same id, different content, concurrently: stored $stored, conflicts $conflicts, rows $n"
if [ "$stored" != 1 ] || [ "$conflicts" != 1 ] || [ "$n" != 1 ]; then
  cat "$work/ca" "$work/cb"; fail=1
fi

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "exactly once: ok"
