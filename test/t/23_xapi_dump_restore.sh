#!/usr/bin/env bash
# pg_dump and restore of the statement store: partitions created at run time (by xapi_ingest
# ahead by xapi_create_partitions, and by loads that write new months into tables attached at the
# end) come back as partitions with the parent's indexes and their rows exactly
# once; the id table, voids, rejects, load log and pseudonym key come back too, so that the same
# statements are recognised as already stored and learners keep their pseudonyms.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
src=la_dump_src
dst=la_dump_dst
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_dump.XXXXXX")
chmod 755 "$work"
drop_dbs() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
}
la_t_cleanup_add drop_dbs
la_t_cleanup_add rm -rf "$work"
fail=0
pg_dump=${LA_BIN:+$LA_BIN/}pg_dump

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
  -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL' || exit 1
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SET search_path = learnalytics, public;
CREATE FUNCTION public.stmt(i integer, month integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'id', format('%s-0000-4000-8000-%s', lpad(to_hex(i), 8, '0'), lpad(to_hex(month), 12, '0')),
    'actor', jsonb_build_object('mbox', format('mailto:Learner%s@Example.org', i % 17)),
    'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/experienced'),
    'object', jsonb_build_object('id', format('http://example.org/activity/%s', i % 5)),
    'timestamp', to_char(make_timestamptz(2026, month, 1 + i % 28, 12, 0, 0, 'UTC'),
                         'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;
-- months 1-3 through xapi_ingest (new partitions created as partitions)
SELECT count(*) FROM xapi_ingest((SELECT jsonb_agg(stmt(i, m)) FROM generate_series(1, 300) i,
                                  generate_series(1, 3) m));
-- months 4-6 through the stream (new months loaded into tables attached at the end), with a
-- rejected statement
SET learnalytics.xapi_ingest_mode = 'rejects';
INSERT INTO xapi_statement_stream
SELECT stmt(i, m) FROM generate_series(1, 5000) i, generate_series(4, 6) m
UNION ALL SELECT '{"actor": {}}';
RESET learnalytics.xapi_ingest_mode;
-- a voiding statement
SELECT count(*) FROM xapi_ingest(jsonb_build_object(
  'actor', jsonb_build_object('mbox', 'mailto:admin@example.org'),
  'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/voided'),
  'object', jsonb_build_object('objectType', 'StatementRef', 'id', stmt(7, 5)->>'id')));
SQL

# what must survive: a fingerprint of every table of the store
fingerprint() {
  psql -X -q -A -t -d "$1" <<'SQL'
SET search_path = learnalytics, public;
SELECT 'partitions ' || string_agg(c.relname || '=' || (SELECT count(*) FROM pg_indexes x
                                    WHERE x.schemaname = 'learnalytics' AND x.tablename = c.relname),
                                    ',' ORDER BY c.relname)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'xapi_statements'::regclass;
SELECT 'statements ' || count(*) || ' ' || count(DISTINCT id) || ' voided ' || count(*) FILTER (WHERE voided)
       || ' ' || md5(string_agg(id::text || actor_pseudonym || "timestamp" || statement::text, ',' ORDER BY id))
FROM xapi_statements;
SELECT 'ids ' || count(*) || ' ' || md5(string_agg(id::text || encode(content_hash, 'hex'), ',' ORDER BY id))
FROM xapi_statement_ids;
SELECT 'voids ' || count(*) FROM xapi_voids;
SELECT 'rejects ' || count(*) FROM xapi_rejects;
SELECT 'loads ' || source || ' ' || count(*) || ' stored ' || sum(stored) || ' new partitions ' || sum(new_partitions)
FROM xapi_loads GROUP BY source ORDER BY source;
SELECT 'key ' || md5(key) FROM xapi_pseudonym_key;
SQL
}
fingerprint "$src" >"$work/before"

"$pg_dump" -Fc -f "$work/dump" "$src" || { echo "pg_dump failed"; exit 1; }
pg_restore=${LA_BIN:+$LA_BIN/}pg_restore
"$pg_restore" -d "$dst" --exit-on-error "$work/dump" 2>"$work/restore.err" || {
  echo "pg_restore failed:"; cat "$work/restore.err"; exit 1; }
fingerprint "$dst" >"$work/after"

cat "$work/before"
if ! diff "$work/before" "$work/after"; then
  echo "the restored store differs (above: < source, > restored)"; fail=1
fi
grep -q '^partitions .*p202606=3' "$work/before" || { echo "expected the stream's months as partitions with 3 indexes"; fail=1; }
grep -qx 'loads xapi_statement_stream 1 stored 15000 new partitions 3' "$work/before" || {
  echo "expected the stream to store 15000 statements into 3 new months"; fail=1; }

# after the restore the store goes on: the same statements are recognised, pseudonyms are stable
out=$(psql -X -q -A -t -d "$dst" <<'SQL'
SET search_path = learnalytics, public;
SELECT status || '=' || count(*) FROM xapi_ingest((SELECT jsonb_agg(stmt(i, 2)) FROM generate_series(1, 50) i))
GROUP BY status;
INSERT INTO xapi_statement_stream SELECT stmt(i, 7) FROM generate_series(1, 10) i;
SELECT 'same pseudonym ' || bool_and(s.actor_pseudonym = xapi_pseudonym(s.statement->'actor'))
FROM xapi_statements s;
SELECT 'after ' || count(*) FROM xapi_statements;
SQL
)
echo "$out"
grep -qx 'exists=50' <<<"$out" || { echo "expected the restored store to know the statements"; fail=1; }
grep -qx 'same pseudonym true' <<<"$out" || { echo "expected stable pseudonyms after the restore"; fail=1; }
before_n=$(sed -n 's/^statements \([0-9]*\) .*/\1/p' "$work/before")
grep -qx "after $((before_n + 10))" <<<"$out" || { echo "expected $((before_n + 10)) statements after a new load"; fail=1; }

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "dump and restore: ok"
