#!/usr/bin/env bash
# pg_dump keeps the data-quality configuration and history: quality_source, the checks users wrote
# (not the built-in ones: CREATE EXTENSION makes those), the findings and the run log come back
# row for row; a check over an engagement source (engagement_source is not dumped) restores too
# (the check's trigger does not resolve sources while check_function_bodies is off, as in a
# restore); the identity sequences continue after the restored ids; and a run after the restore
# matches the restored findings (updated, not opened again).
# The check type is TEST-ONLY (types are shipped rows): the restore runs in two steps so that the
# type row can be inserted between the extension's creation and the data.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
src=la_quality_dump_src
dst=la_quality_dump_dst
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_quality_dump.XXXXXX")
chmod 755 "$work"
drop_dbs() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
}
la_t_cleanup_add drop_dbs
la_t_cleanup_add rm -rf "$work"
pg_dump=${LA_BIN:+$LA_BIN/}pg_dump
pg_restore=${LA_BIN:+$LA_BIN/}pg_restore

type_row="INSERT INTO learnalytics.quality_check_type (name, function, kinds, parameters, description)
VALUES ('t_qd_type', 'public.t_qd_per_learner(learnalytics.quality_check, timestamptz)', '{events,performance}',
        '{\"min\": 1}', 'test-only: one finding per learner with at least min rows')"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
  -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<SQL || exit 1
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SET search_path = learnalytics, public;
CREATE TABLE public.ev (learner text, ts timestamptz, course text);
INSERT INTO public.ev SELECT 'l' || (i % 3), timestamptz '2026-03-01 09:00+00' + i * interval '1 hour', 'c1'
FROM generate_series(1, 30) i;
CREATE TABLE public.perf (emp text, on_day date, val numeric);
INSERT INTO public.perf VALUES ('e1', '2026-03-01', 3), ('e2', '2026-03-02', 4);
SELECT engagement_refresh('public.ev', 'learner', 'ts', source_name => 'web');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('sales', 'public.perf', 'emp', 'on_day', 'val');
CREATE FUNCTION public.t_qd_per_learner(c learnalytics.quality_check, as_of timestamptz, OUT course text,
    OUT day date, OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric, OUT rows bigint,
    OUT sample jsonb)
RETURNS SETOF record LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS \$\$
BEGIN
  RETURN QUERY EXECUTE format('SELECT NULL::text, NULL::date, s.learner, NULL::text, count(*)::numeric, NULL::numeric,
                                      count(*), NULL::jsonb FROM %s s WHERE s.ts < \$1 GROUP BY s.learner
                                      HAVING count(*) >= \$2',
                              (learnalytics_internal.quality_source_sql(c.source)).sql)
    USING as_of, coalesce((c.parameters ->> 'min')::integer, 1);
END
\$\$;
$type_row;
INSERT INTO quality_source (name, kind, relation, columns, tz, description)
VALUES ('events', 'events', 'public.ev', '{}', 'Europe/Paris', 'the web events');
INSERT INTO quality_check (name, check_type, source, parameters, severity, description) VALUES
  ('a_events', 't_qd_type', 'events', '{"min": 5}', 'high', 'busy learners'),
  ('b_engagement', 't_qd_type', 'engagement.web', '{}', 'low', NULL),
  ('c_sales', 't_qd_type', 'performance.sales', '{"sample_size": 3}', 'medium', NULL);
INSERT INTO quality_check (name, check_type, source, builtin) VALUES ('d_builtin', 't_qd_type', 'events', true);
SELECT count(*) FROM quality_run(NULL, '2026-03-02 00:00+00');
SELECT quality_dismiss((SELECT min(id) FROM quality_finding WHERE check_name = 'a_events'), 'known');
SELECT count(*) FROM quality_run('{a_events,c_sales}', '2026-03-03 00:00+00');
SQL

fingerprint() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SET search_path = learnalytics, public;
SELECT 'sources ' || string_agg(format('%s %s %s %s %s %s', name, kind, relation, columns, tz, description), '; ' ORDER BY name)
FROM quality_source;
SELECT 'checks ' || string_agg(format('%s %s %s %s %s %s %s %s', name, check_type, source, parameters, severity,
                                      enabled, description, builtin), '; ' ORDER BY name)
FROM quality_check;
SELECT 'findings ' || count(*) || ' ' || md5(string_agg(f::text, E'\n' ORDER BY f.id)) FROM quality_finding f;
SELECT 'runs ' || count(*) || ' ' || md5(string_agg(format('%s %s %s %s %s %s %s %s %s %s %s', run_id, as_of, check_name,
             check_type, severity, source, findings, opened, resolved, rows, error), E'\n' ORDER BY run_id))
FROM quality_run_log;
SQL
}
fingerprint "$src" >"$work/before" || { echo "cannot read $src"; exit 1; }
"$pg_dump" -Fc -f "$work/dump" "$src" || { echo "pg_dump failed"; exit 1; }
"$pg_restore" -d "$dst" --exit-on-error --section=pre-data "$work/dump" 2>"$work/restore.err" || {
  echo "pg_restore (pre-data) failed:"; cat "$work/restore.err"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -c "$type_row" >/dev/null || exit 1
"$pg_restore" -d "$dst" --exit-on-error --section=data --section=post-data "$work/dump" 2>"$work/restore.err" || {
  echo "pg_restore (data) failed:"; cat "$work/restore.err"; exit 1; }
fingerprint "$dst" >"$work/after" || { echo "cannot read $dst"; exit 1; }
cat "$work/before"
# the built-in check is not dumped: the same fingerprint without it
grep -v '^checks ' "$work/before" >"$work/before.rest"; grep -v '^checks ' "$work/after" >"$work/after.rest"
diff -u "$work/before.rest" "$work/after.rest" || { echo "the restored sources, findings or runs differ"; exit 1; }
checks_before=$(grep '^checks ' "$work/before" | sed 's/; d_builtin [^;]*//')
checks_after=$(grep '^checks ' "$work/after")
[ "$checks_before" = "$checks_after" ] || { echo "checks differ:"; echo "$checks_before"; echo "$checks_after"; exit 1; }
grep -q 'd_builtin' "$work/before" || { echo "the source had no built-in check"; exit 1; }
grep -q '^findings [1-9]' "$work/before" || { echo "no findings to restore"; exit 1; }

# after the restore: the engagement source is rebuilt by its first refresh; a run as of the same time
# matches the restored findings (nothing opened), and new ids continue after the restored ones
read -r run_before finding_before <<<"$(psql -X -q -A -t -F' ' -d "$dst" -c "
  SELECT (SELECT max(run_id) FROM learnalytics.quality_run_log), (SELECT max(id) FROM learnalytics.quality_finding)")"
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -c "SELECT learnalytics.engagement_refresh('public.ev', 'learner', 'ts', source_name => 'web')" >/dev/null || exit 1
out=$(psql -X -q -A -t -F' ' -v ON_ERROR_STOP=1 -d "$dst" -c "
  SELECT check_name, coalesce(findings::text, 'failed'), coalesce(opened::text, '-'), coalesce(resolved::text, '-')
  FROM learnalytics.quality_run(NULL, '2026-03-03 00:00+00') ORDER BY 1") || exit 1
echo "$out"
[ "$out" = "a_events 3 0 0
b_engagement 3 0 0
c_sales 2 0 0" ] || { echo "expected the restored findings to be matched, none opened"; exit 1; }
read -r run_after dismissed <<<"$(psql -X -q -A -t -F' ' -d "$dst" -c "
  SELECT (SELECT min(run_id) FROM learnalytics.quality_run_log WHERE as_of = '2026-03-03 00:00+00' AND check_name = 'b_engagement'),
         (SELECT count(*) FROM learnalytics.quality_finding WHERE status = 'dismissed' AND note = 'known')")"
[ "$run_after" -gt "$run_before" ] || { echo "run ids restart: $run_after after $run_before"; exit 1; }
[ "$dismissed" = 1 ] || { echo "the dismissed finding did not stay dismissed"; exit 1; }
# a new finding gets a new id after the restored ones
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -c "INSERT INTO public.perf VALUES ('e3', '2026-03-02', 1)" >/dev/null || exit 1
new_id=$(psql -X -q -A -t -d "$dst" -c "SELECT opened FROM learnalytics.quality_run('{c_sales}', '2026-03-03 00:00+00');
                                          SELECT max(id) FROM learnalytics.quality_finding" | tail -1)
[ "$new_id" -gt "$finding_before" ] || { echo "finding ids restart: $new_id after $finding_before"; exit 1; }
echo "quality restored: runs continue at $run_after (> $run_before), findings at $new_id (> $finding_before)"
exit 0
