#!/usr/bin/env bash
# What the validator accepts, the store can hold (issue 12): the cases of test/data/xapi_store_limits.jsonl
# sit at the edges of what xapi_statements holds -- scores at and past the range of double precision,
# timestamps whose instant (offset applied) is at or past the first and last month the store has a
# partition for, durations at and past what an interval holds, the object's Activity id at and past
# what the (object_id, timestamp) index takes. Each case says whether it is valid and, if not, the
# path and rule of its one violation; a valid one says what the store holds for it.
#   1. the validator (xapi_violations) gives exactly that;
#   2. through each way in -- xapi_ingest, xapi_ingest_staged and COPY into xapi_statement_stream --
#      in rejects mode, all cases in one load: every valid case is stored with the expected values
#      and every invalid one is in xapi_rejects with its path and rule (before the fix the invalid
#      ones aborted the whole load: 22003 from the score cast, 22023 from the month attach, 54000
#      from the index);
#   3. through each way in all-or-nothing mode: the valid cases in one load are all stored; a load of
#      a valid statement followed by one invalid case fails with 22023, the invalid statement's
#      position and path, and stores nothing.
# Each way and mode gets a database of its own.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
fixture="$LA_SRC/test/data/xapi_store_limits.jsonl"
base=${LA_DB:-learnalytics_regress}_limits
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_limits.XXXXXX")
chmod 755 "$work"
la_t_cleanup_add rm -rf "$work"
export PGOPTIONS='-c client_min_messages=warning -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres'
fail=0
flag() { echo "FAILED: $*"; fail=1; }
copyopts="WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"

# a database with the extension and the fixture in lim.cases (n: line number)
newdb() {  # name
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null || exit 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL' || exit 1
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SELECT learnalytics.xapi_set_pseudonym_key('learnalytics store limits key 32'::bytea);
CREATE SCHEMA lim;
CREATE TABLE lim.raw (line jsonb);
SQL
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" \
    -c "\\copy lim.raw FROM '$fixture' $copyopts" \
    -c "CREATE TABLE lim.cases AS SELECT row_number() OVER () AS n, line->>'case' AS name,
               line->>'expected' AS expected, line->>'path' AS path, line->>'rule' AS rule,
               line->'stores' AS stores, line->'statement' AS statement FROM lim.raw;
        DROP TABLE lim.raw;" >/dev/null || exit 1
}

# every valid case (of those sent) stored once with its expected values; prints FAIL lines
check_stored() {  # db
  psql -X -q -A -t -d "$1" <<'SQL'
SET search_path = learnalytics, lim, public;
DO $$
DECLARE
  c record;
  e record;
  got text;
  n bigint;
BEGIN
  FOR c IN SELECT * FROM cases WHERE expected = 'valid' ORDER BY n LOOP
    SELECT count(*) INTO n FROM xapi_statements WHERE context_extensions->>'http://example.org/case' = c.name;
    IF n <> 1 THEN
      RAISE WARNING 'FAIL % stored % times', c.name, n;
      CONTINUE;
    END IF;
    FOR e IN SELECT * FROM jsonb_each_text(c.stores) LOOP
      EXECUTE format('SELECT (%s)::text FROM learnalytics.xapi_statements
                      WHERE context_extensions->>''http://example.org/case'' = $1', e.key)
        INTO got USING c.name;
      IF got IS DISTINCT FROM e.value THEN
        RAISE WARNING 'FAIL % stores % = %, expected %', c.name, e.key, got, e.value;
      END IF;
    END LOOP;
  END LOOP;
  -- what is stored reads back through its text form
  SELECT count(*) INTO n FROM xapi_statements
  WHERE "timestamp"::text::timestamptz IS DISTINCT FROM "timestamp"
     OR duration::text::interval IS DISTINCT FROM duration
     OR score_raw::text::float8 IS DISTINCT FROM score_raw;
  IF n <> 0 THEN
    RAISE WARNING 'FAIL % stored rows do not read back through text', n;
  END IF;
  -- the first and the last month of the store are partitions
  SELECT count(*) INTO n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
  WHERE i.inhparent = 'xapi_statements'::regclass
    AND p.relname IN ('xapi_statements_p000101', 'xapi_statements_p999912');
  IF n <> 2 THEN
    RAISE WARNING 'FAIL % of the partitions for 0001-01 and 9999-12 are attached', n;
  END IF;
END
$$;
SQL
}

# ---------------------------------------------------------------------------------------------
# 1. the validator
# ---------------------------------------------------------------------------------------------
db=${base}_validator
newdb "$db"
out=$(psql -X -q -A -t -d "$db" <<'SQL'
SET search_path = learnalytics, lim, public;
SELECT 'CASES ' || count(*) FILTER (WHERE expected = 'valid') || ' valid, ' ||
       count(*) FILTER (WHERE expected = 'invalid') || ' invalid' FROM cases;
SELECT format('FAIL validator %s: expected %s at %s, got %s', c.name, coalesce(c.rule, 'none'),
              coalesce(c.path, '-'), coalesce(v.got, 'none'))
FROM cases c
LEFT JOIN LATERAL (SELECT string_agg(path || ' ' || rule, '; ') AS got
                   FROM xapi_violations(c.statement)) v ON true
WHERE v.got IS DISTINCT FROM (c.path || ' ' || c.rule)
ORDER BY c.n;
SQL
) || { echo "$out"; exit 1; }
echo "$out"
grep -q '^FAIL' <<<"$out" && fail=1

# ---------------------------------------------------------------------------------------------
# 2. rejects mode: all cases in one load, through each way in
# ---------------------------------------------------------------------------------------------
for way in ingest staged stream; do
  db=${base}_${way}_rejects
  newdb "$db"
  psql -X -q -A -t -d "$db" -c "\\copy (SELECT statement FROM lim.cases ORDER BY n) TO '$work/all.ndjson' $copyopts" \
    >/dev/null || exit 1
  case $way in
    ingest)
      load=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FILTER (WHERE status = 'stored') || ' stored, ' ||
        count(*) FILTER (WHERE status = 'rejected') || ' rejected'
        FROM learnalytics.xapi_ingest((SELECT jsonb_agg(statement ORDER BY n) FROM lim.cases), 'rejects')" 2>&1) ;;
    staged)
      load=$(psql -X -q -A -t -d "$db" -c "\\copy learnalytics.xapi_staging (statement) FROM '$work/all.ndjson' $copyopts" \
        -c "SELECT stored || ' stored, ' || rejected || ' rejected' FROM learnalytics.xapi_ingest_staged(mode => 'rejects')" 2>&1) ;;
    stream)
      load=$(psql -X -q -A -t -d "$db" -c "SET learnalytics.xapi_ingest_mode = 'rejects'" \
        -c "\\copy learnalytics.xapi_statement_stream (statement) FROM '$work/all.ndjson' $copyopts" \
        -c "SELECT stored || ' stored, ' || rejected || ' rejected' FROM learnalytics.xapi_loads" 2>&1) ;;
  esac
  expect=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FILTER (WHERE expected = 'valid') || ' stored, ' ||
                                          count(*) FILTER (WHERE expected = 'invalid') || ' rejected' FROM lim.cases")
  echo "$way, rejects mode: $load"
  [ "$load" = "$expect" ] || flag "$way rejects mode: '$load', expected '$expect'"
  out=$(check_stored "$db" 2>&1; psql -X -q -A -t -d "$db" <<'SQL'
SET search_path = learnalytics, lim, public;
-- every invalid case rejected once, at its position in the load, with its one violation
SELECT format('FAIL %s: rejects %s', c.name, coalesce(r.got, 'none'))
FROM cases c
LEFT JOIN LATERAL (SELECT string_agg(x."position" || ' ' || (x.violations->0->>'path') || ' ' ||
                                     (x.violations->0->>'rule') || ' ' || jsonb_array_length(x.violations), '; ') AS got
                   FROM xapi_rejects x WHERE x.statement = c.statement) r ON true
WHERE c.expected = 'invalid' AND r.got IS DISTINCT FROM (c.n || ' ' || c.path || ' ' || c.rule || ' 1')
ORDER BY c.n;
SELECT 'FAIL rejects hold ' || count(*) || ' statements' FROM xapi_rejects
HAVING count(*) <> (SELECT count(*) FROM cases WHERE expected = 'invalid');
SQL
  )
  [ -n "$out" ] && { echo "$out" | sed "s/^/$way: /"; fail=1; }
done

# ---------------------------------------------------------------------------------------------
# 3. all-or-nothing mode: the valid cases are stored; each invalid case fails its load
# ---------------------------------------------------------------------------------------------
for way in ingest staged stream; do
  db=${base}_${way}_aon
  newdb "$db"
  psql -X -q -A -t -d "$db" -c "\\copy (SELECT statement FROM lim.cases WHERE expected = 'valid' ORDER BY n) TO '$work/valid.ndjson' $copyopts" \
    >/dev/null || exit 1
  case $way in
    ingest)
      load=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) || ' stored' FROM learnalytics.xapi_ingest(
        (SELECT jsonb_agg(statement ORDER BY n) FROM lim.cases WHERE expected = 'valid')) WHERE status = 'stored'" 2>&1) ;;
    staged)
      load=$(psql -X -q -A -t -d "$db" -c "\\copy learnalytics.xapi_staging (statement) FROM '$work/valid.ndjson' $copyopts" \
        -c "SELECT stored || ' stored' FROM learnalytics.xapi_ingest_staged()" 2>&1) ;;
    stream)
      load=$(psql -X -q -A -t -d "$db" -c "\\copy learnalytics.xapi_statement_stream (statement) FROM '$work/valid.ndjson' $copyopts" \
        -c "SELECT stored || ' stored' FROM learnalytics.xapi_loads" 2>&1) ;;
  esac
  expect=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) || ' stored' FROM lim.cases WHERE expected = 'valid'")
  echo "$way, all-or-nothing, the valid cases: $load"
  [ "$load" = "$expect" ] || flag "$way all-or-nothing: '$load', expected '$expect'"
  out=$(check_stored "$db" 2>&1)
  [ -n "$out" ] && { echo "$out" | sed "s/^/$way: /"; fail=1; }
  before=$(psql -X -q -A -t -d "$db" -c "SELECT (SELECT count(*) FROM learnalytics.xapi_statements) || '/' ||
                                          (SELECT count(*) FROM learnalytics.xapi_rejects)")
  # each invalid case after a valid statement: the load fails on statement 2, at the case's path
  ncases=0
  while IFS=$'\t' read -r n name path rule; do
    ncases=$((ncases + 1))
    psql -X -q -A -t -d "$db" -c "\\copy (SELECT s FROM (VALUES (1, (SELECT statement || '{\"id\": \"f0000000-0000-4000-8000-000000000001\"}' FROM lim.cases WHERE expected = 'valid' ORDER BY n LIMIT 1)), (2, (SELECT statement FROM lim.cases WHERE n = $n))) v(i, s) ORDER BY i) TO '$work/one.ndjson' $copyopts" >/dev/null || exit 1
    case $way in
      ingest)
        err=$(psql -X -q -A -t -v VERBOSITY=verbose -d "$db" -c "CREATE TEMP TABLE b (i serial, s jsonb)" \
          -c "\\copy b (s) FROM '$work/one.ndjson' $copyopts" \
          -c "SELECT * FROM learnalytics.xapi_ingest((SELECT jsonb_agg(s ORDER BY i) FROM b))" 2>&1) ;;
      staged)
        err=$(psql -X -q -A -t -v VERBOSITY=verbose -d "$db" -c "\\copy learnalytics.xapi_staging (statement) FROM '$work/one.ndjson' $copyopts" \
          -c "SELECT * FROM learnalytics.xapi_ingest_staged()" -c "TRUNCATE learnalytics.xapi_staging" 2>&1) ;;
      stream)
        err=$(psql -X -q -A -t -v VERBOSITY=verbose -d "$db" \
          -c "\\copy learnalytics.xapi_statement_stream (statement) FROM '$work/one.ndjson' $copyopts" 2>&1) ;;
    esac
    grep -q "ERROR:  22023: invalid xAPI statement" <<<"$err" &&
      grep -qF "DETAIL:  Statement 2 of the batch, at $path: " <<<"$err" &&
      grep -qF "(rule $rule)." <<<"$err" ||
      flag "$way all-or-nothing $name: expected 22023 at statement 2, $path ($rule), got: $(head -c 400 <<<"$err")"
  done < <(psql -X -q -A -t -F $'\t' -d "$db" -c "SELECT n, name, path, rule FROM lim.cases WHERE expected = 'invalid' ORDER BY n")
  after=$(psql -X -q -A -t -d "$db" -c "SELECT (SELECT count(*) FROM learnalytics.xapi_statements) || '/' ||
                                         (SELECT count(*) FROM learnalytics.xapi_rejects)")
  echo "$way, all-or-nothing: $ncases loads with an invalid case refused, store $before before, $after after"
  [ "$before" = "$after" ] || flag "$way all-or-nothing: the failed loads changed the store ($before -> $after)"
done

for db in ${base}_validator ${base}_{ingest,staged,stream}_{rejects,aon}; do
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
done
[ $fail -eq 0 ] && echo "all store limit cases agree"
exit $fail
