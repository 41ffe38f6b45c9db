#!/usr/bin/env bash
# A load in a REPEATABLE READ transaction decides about months and side tables from the catalog as
# it is, not as of its snapshot: a partition another session created after the snapshot is used
# (not taken for a stray table), and a trigger another session added to the store after the
# snapshot sees the load's rows (the month is not written past the parent).
set -uo pipefail
db=${LA_DB:-learnalytics_regress}
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_rr.XXXXXX")
cleanup() {
  rm -rf "$work"
  psql -X -q -d "$db" >/dev/null 2>&1 <<'SQL'
DROP TRIGGER IF EXISTS la_rr_seen ON learnalytics.xapi_statements;
DROP TABLE IF EXISTS public.la_rr_log;
DROP FUNCTION IF EXISTS public.la_rr_seen();
SELECT learnalytics.xapi_drop_partitions('infinity');
TRUNCATE learnalytics.xapi_statement_ids, learnalytics.xapi_voids, learnalytics.xapi_rejects,
         learnalytics.xapi_loads, learnalytics.xapi_pseudonym_key;
SQL
}
trap cleanup EXIT
fail=0
stmt() {  # id-suffix timestamp
  printf '{"id":"aa000000-0000-4000-8000-%012d","actor":{"mbox":"mailto:rr@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"%s"}' "$1" "$2"
}

# 1. a partition created by another session after this transaction's snapshot
coproc S1 { psql -X -q -A -t -d "$db" 2>&1; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';" >&"${S1[1]}"
read -r -t 30 line <&"${S1[0]}"
psql -X -q -d "$db" -c "SELECT learnalytics.xapi_create_partitions('2032-02-01', '2032-02-01')" >/dev/null || fail=1
echo "SELECT status FROM learnalytics.xapi_ingest('$(stmt 1 2032-02-06T00:00:00Z)'); COMMIT; SELECT 'done';" >&"${S1[1]}"
out=""
while read -r -t 30 line <&"${S1[0]}"; do out+="$line"$'\n'; [ "$line" = done ] && break; done
eval "exec ${S1[1]}>&-"
wait "$S1_PID" 2>/dev/null
echo "partition made after the snapshot: $(grep -v '^done$' <<<"$out" | tr '\n' ' ')"
grep -qx stored <<<"$out" || { echo "expected the statement stored into the new partition"; fail=1; }

# 2. a trigger added to the store by another session after this transaction's snapshot
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || fail=1
CREATE TABLE public.la_rr_log (id uuid);
CREATE FUNCTION public.la_rr_seen() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO public.la_rr_log VALUES (NEW.id); RETURN NEW; END $$;
SQL
coproc S2 { psql -X -q -A -t -d "$db" 2>&1; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';" >&"${S2[1]}"
read -r -t 30 line <&"${S2[0]}"
psql -X -q -d "$db" -c "CREATE TRIGGER la_rr_seen BEFORE INSERT ON learnalytics.xapi_statements FOR EACH ROW EXECUTE FUNCTION public.la_rr_seen()" >/dev/null || fail=1
echo "SELECT status FROM learnalytics.xapi_ingest('$(stmt 2 2033-03-06T00:00:00Z)'); COMMIT; SELECT 'done';" >&"${S2[1]}"
out=""
while read -r -t 30 line <&"${S2[0]}"; do out+="$line"$'\n'; [ "$line" = done ] && break; done
eval "exec ${S2[1]}>&-"
wait "$S2_PID" 2>/dev/null
seen=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FROM public.la_rr_log")
echo "trigger added after the snapshot: $(grep -v '^done$' <<<"$out" | tr '\n' ' '); rows the trigger saw: $seen"
grep -qx stored <<<"$out" || { echo "expected the statement stored"; fail=1; }
[ "$seen" = 1 ] || { echo "expected the trigger to see the load's row"; fail=1; }

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "repeatable read: ok"
