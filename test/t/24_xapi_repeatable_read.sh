#!/usr/bin/env bash
# A load in a REPEATABLE READ transaction decides about months and side tables from the catalog as
# it is, not as of its snapshot: a partition another session created after the snapshot is used
# (not taken for a stray table), and a trigger another session added to the store after the
# snapshot sees the load's rows (the month is not written past the parent).
#
# The session that holds the snapshot is a psql in the background fed through a FIFO
# (la_t_session_*, test/lib/t.sh): every wait has a bound and its outcome is checked, and a step
# waits for the line the session prints after the statement it depends on, never for a fixed time.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
export PGOPTIONS='--client-min-messages=warning'
drop_all() {
  la_t_psql -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL'
DROP TRIGGER IF EXISTS la_rr_seen ON learnalytics.xapi_statements;
DROP TABLE IF EXISTS public.la_rr_log;
DROP FUNCTION IF EXISTS public.la_rr_seen();
SELECT learnalytics.xapi_drop_partitions('infinity');
TRUNCATE learnalytics.xapi_statement_ids, learnalytics.xapi_voids, learnalytics.xapi_rejects,
         learnalytics.xapi_loads, learnalytics.xapi_pseudonym_key;
SQL
}
la_t_cleanup_add drop_all
fail=0
stmt() {  # id-suffix timestamp
  printf '{"id":"aa000000-0000-4000-8000-%012d","actor":{"mbox":"mailto:rr@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"},"timestamp":"%s"}' "$1" "$2"
}
# session_end NAME: end of input; psql must exit 0
session_end() {
  la_t_session_close "$1" || { echo "the session's psql exited with $?"; fail=1; }
}

# 1. a partition created by another session after this transaction's snapshot
la_t_session_open s1
la_t_session_send s1 "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';"
la_t_session_wait s1 'snapshot taken' || exit 1
la_t_psql -c "SELECT learnalytics.xapi_create_partitions('2032-02-01', '2032-02-01')" >/dev/null || fail=1
la_t_session_send s1 "SELECT status FROM learnalytics.xapi_ingest('$(stmt 1 2032-02-06T00:00:00Z)'); COMMIT; SELECT 'done';"
la_t_session_wait s1 done || fail=1
out=$la_t_out
session_end s1
echo "partition made after the snapshot: $(tr '\n' ' ' <<<"$out")"
grep -qx stored <<<"$out" || { echo "expected the statement stored into the new partition"; fail=1; }
where=$(la_t_psql -c "SELECT c.relname FROM learnalytics.xapi_statements s JOIN pg_class c ON c.oid = s.tableoid WHERE s.id = 'aa000000-0000-4000-8000-000000000001'")
[ "$where" = xapi_statements_p203202 ] || { echo "expected the row in xapi_statements_p203202, found it in '$where'"; fail=1; }

# 2. a trigger added to the store by another session after this transaction's snapshot
la_t_psql >/dev/null <<'SQL' || fail=1
CREATE TABLE public.la_rr_log (id uuid);
CREATE FUNCTION public.la_rr_seen() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO public.la_rr_log VALUES (NEW.id); RETURN NEW; END $$;
SQL
la_t_session_open s2
la_t_session_send s2 "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 'snapshot taken';"
la_t_session_wait s2 'snapshot taken' || exit 1
la_t_psql -c "CREATE TRIGGER la_rr_seen BEFORE INSERT ON learnalytics.xapi_statements FOR EACH ROW EXECUTE FUNCTION public.la_rr_seen()" >/dev/null || fail=1
la_t_session_send s2 "SELECT status FROM learnalytics.xapi_ingest('$(stmt 2 2033-03-06T00:00:00Z)'); COMMIT; SELECT 'done';"
la_t_session_wait s2 done || fail=1
out=$la_t_out
session_end s2
seen=$(la_t_psql -c "SELECT count(*) FROM public.la_rr_log")
echo "trigger added after the snapshot: $(tr '\n' ' ' <<<"$out"); rows the trigger saw: $seen"
grep -qx stored <<<"$out" || { echo "expected the statement stored"; fail=1; }
[ "$seen" = 1 ] || { echo "expected the trigger to see the load's row"; fail=1; }

if [ $fail -ne 0 ]; then echo FAILED; exit 1; fi
echo "repeatable read: ok"
