#!/usr/bin/env bash
# A load in a REPEATABLE READ transaction decides about months and side tables from the catalog as
# it is, not as of its snapshot: a partition another session created after the snapshot is used
# (not taken for a stray table), and a trigger another session added to the store after the
# snapshot sees the load's rows (the month is not written past the parent).
#
# The session that holds the snapshot is a psql in the background, fed through one FIFO and read
# through another. Its PID is kept in a plain variable from `$!` (bash's coproc variables are unset
# as soon as bash reaps the process, which made `wait "$S2_PID"` fail under `set -u` on a loaded
# machine), every read has a bound and its outcome is checked, and a step waits for the line the
# session prints after the statement it depends on, never for a fixed time.
set -uo pipefail
db=${LA_DB:-learnalytics_regress}
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_rr.XXXXXX")
spid=""
cleanup() {
  # a session still running (the test stopped early): end it, by the PID this test started
  if [ -n "$spid" ]; then kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; fi
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

# session_start NAME: a psql session in the background; sets sin (fd to write SQL to), sout (fd
# to read its output from) and spid.
session_start() {
  mkfifo "$work/$1.in" "$work/$1.out" || exit 1
  psql -X -q -A -t -d "$db" <"$work/$1.in" >"$work/$1.out" 2>&1 &
  spid=$!
  exec {sin}>"$work/$1.in" {sout}<"$work/$1.out"
}
# session_read_until MARKER: the session's output lines up to the line MARKER (not included) in
# $out; fails when the session ends or prints nothing for 60 s before MARKER.
session_read_until() {
  local line
  out=""
  while IFS= read -r -t 60 line <&"$sout"; do
    [ "$line" = "$1" ] && return 0
    out+="$line"$'\n'
  done
  echo "the session ended or stalled before printing \"$1\"; it printed: $out"
  return 1
}
# session_end: end of input; wait for psql (its PID saved by session_start, so a process bash has
# already reaped is still waited for by PID and gives its status).
session_end() {
  local rc
  exec {sin}>&- {sout}<&-
  wait "$spid"; rc=$?
  spid=""
  [ $rc -eq 0 ] || { echo "the session's psql exited with $rc"; fail=1; }
}

# 1. a partition created by another session after this transaction's snapshot
session_start s1
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';" >&"$sin"
session_read_until 'snapshot taken' || exit 1
psql -X -q -d "$db" -c "SELECT learnalytics.xapi_create_partitions('2032-02-01', '2032-02-01')" >/dev/null || fail=1
echo "SELECT status FROM learnalytics.xapi_ingest('$(stmt 1 2032-02-06T00:00:00Z)'); COMMIT; SELECT 'done';" >&"$sin"
session_read_until done || fail=1
session_end
echo "partition made after the snapshot: $(tr '\n' ' ' <<<"$out")"
grep -qx stored <<<"$out" || { echo "expected the statement stored into the new partition"; fail=1; }
where=$(psql -X -q -A -t -d "$db" -c "SELECT c.relname FROM learnalytics.xapi_statements s JOIN pg_class c ON c.oid = s.tableoid WHERE s.id = 'aa000000-0000-4000-8000-000000000001'")
[ "$where" = xapi_statements_p203202 ] || { echo "expected the row in xapi_statements_p203202, found it in '$where'"; fail=1; }

# 2. a trigger added to the store by another session after this transaction's snapshot
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || fail=1
CREATE TABLE public.la_rr_log (id uuid);
CREATE FUNCTION public.la_rr_seen() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO public.la_rr_log VALUES (NEW.id); RETURN NEW; END $$;
SQL
session_start s2
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';" >&"$sin"
session_read_until 'snapshot taken' || exit 1
psql -X -q -d "$db" -c "CREATE TRIGGER la_rr_seen BEFORE INSERT ON learnalytics.xapi_statements FOR EACH ROW EXECUTE FUNCTION public.la_rr_seen()" >/dev/null || fail=1
echo "SELECT status FROM learnalytics.xapi_ingest('$(stmt 2 2033-03-06T00:00:00Z)'); COMMIT; SELECT 'done';" >&"$sin"
session_read_until done || fail=1
session_end
seen=$(psql -X -q -A -t -d "$db" -c "SELECT count(*) FROM public.la_rr_log")
echo "trigger added after the snapshot: $(tr '\n' ' ' <<<"$out"); rows the trigger saw: $seen"
grep -qx stored <<<"$out" || { echo "expected the statement stored"; fail=1; }
[ "$seen" = 1 ] || { echo "expected the trigger to see the load's row"; fail=1; }

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "repeatable read: ok"
