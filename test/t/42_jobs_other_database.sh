#!/usr/bin/env bash
# learnalytics installed in a database other than pg_cron's (cron.database_name): job_schedule checks
# the job (name, kind, arguments) as usual, then refuses with 55000 and a hint that is the exact
# cron.schedule_in_database() call to run in pg_cron's database, for the job learnalytics:<job_name>
# running job_execute in this database. Nothing is scheduled.
set -uo pipefail
other=la_jobs_other_db
cleanup() { psql -X -q -d "$LA_DB" -c "DROP DATABASE IF EXISTS $other" >/dev/null 2>&1; }
trap cleanup EXIT
cleanup
psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -c "CREATE DATABASE $other" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$other" \
  -c "CREATE SCHEMA learnalytics; CREATE EXTENSION learnalytics SCHEMA learnalytics;" || exit 1

fail=0
# an invalid job is refused before pg_cron is looked for
out=$(psql -X -q -d "$other" -v VERBOSITY=verbose \
  -c "SELECT learnalytics.job_schedule('rollup-x', '* * * * *', 'retention_run')" 2>&1)
grep -q '22023' <<<"$out" || { echo "invalid name: expected 22023, got: $out"; fail=1; }
out=$(psql -X -q -d "$other" -v VERBOSITY=verbose \
  -c "SELECT learnalytics.job_schedule('retention', '* * * * *', 'retention_run', '{\"dry_run\": 1}')" 2>&1)
grep -q '22023' <<<"$out" || { echo "bad argument: expected 22023, got: $out"; fail=1; }

# a valid job: 55000, and the hint to run in pg_cron's database
out=$(psql -X -q -d "$other" -v VERBOSITY=verbose \
  -c "SELECT learnalytics.job_schedule('retention', '17 3 * * *', 'retention_run')" 2>&1)
expect_err="pg_cron lives in database \"$LA_DB\", not in \"$other\""
expect_hint="HINT:  Run in database $LA_DB: SELECT cron.schedule_in_database('learnalytics:retention', '17 3 * * *', 'CALL learnalytics.job_execute(''retention''::text, ''retention_run''::text, ''{}''::jsonb, 3::integer, ''10 seconds''::interval)', '$other');"
grep -q '55000' <<<"$out" || { echo "expected 55000, got: $out"; fail=1; }
grep -qF "$expect_err" <<<"$out" || { echo "expected the error: $expect_err; got: $out"; fail=1; }
grep -qxF "$expect_hint" <<<"$out" || { echo "expected the hint: $expect_hint; got: $out"; fail=1; }

# the hint's call works as written, in pg_cron's database, and makes the job of that name
call=$(sed -n 's/^HINT:  Run in database [^:]*: //p' <<<"$out")
got=$(psql -X -q -At -d "$LA_DB" -v ON_ERROR_STOP=1 <<SQL 2>&1
$call
SELECT jobname || ' ' || database || ' ' || command FROM cron.job WHERE jobname = 'learnalytics:retention';
SELECT cron.unschedule('learnalytics:retention');
SQL
)
want="learnalytics:retention $other CALL learnalytics.job_execute('retention'::text, 'retention_run'::text, '{}'::jsonb, 3::integer, '10 seconds'::interval)"
grep -qxF "$want" <<<"$got" || { echo "the hint's call did not make the job: $got"; fail=1; }
[ $fail = 0 ] && echo "job_schedule from another database: refused with the cron.schedule_in_database() call"
exit $fail
