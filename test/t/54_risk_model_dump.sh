#!/usr/bin/env bash
# pg_dump keeps the risk-model registry (a configuration table of the extension): every model, its
# version, coefficients, calibration and active flag come back from a dump and restore byte for
# byte, the restore is not refused by the immutability trigger, and the restored models score
# the same learners with the same probabilities and reasons.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
src=la_risk_dump_src
dst=la_risk_dump_dst
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_risk_dump.XXXXXX")
chmod 755 "$work"
drop_dbs() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
}
la_t_cleanup_add drop_dbs
la_t_cleanup_add rm -rf "$work"
pg_dump=${LA_BIN:+$LA_BIN/}pg_dump
pg_restore=${LA_BIN:+$LA_BIN/}pg_restore

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
  -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL' || exit 1
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SET search_path = learnalytics, public;
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES
  ('a', 'k', 'x', '2024-01-01 08:00+00'), ('b', 'k', 'x', '2024-01-10 08:00+00');
CREATE TABLE public.ev (learner text, ts timestamptz);
INSERT INTO public.ev SELECT 'a', timestamptz '2024-01-01 09:00+00' + d * interval '1 day' FROM generate_series(0, 20) d;
SELECT engagement_refresh('public.ev', 'learner', 'ts');
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, class_weight, horizon_days,
                        from_day, to_day, courses, every_days, outcomes, num_rows, positives, iterations,
                        converged, loglik, calibration, calibration_a, calibration_b, calibration_rows,
                        calibration_groups, calibration_note, evaluation, description)
VALUES ('churn', 1, '{days_inactive,activity_7d}', ARRAY[-2.5, 0.7, -0.30000000000000004], '{3.25,1.1}',
        ARRAY[2.0000000000000004, 0.9], 1, NULL, 30, '2023-01-01', '2023-06-30', '{k}', 7, 'public.o', 1000, 123,
        6, true, -345.6789, 'platt', 1.1, -0.2, 1000, 3, 'by hand', '{"auc": 0.8}', 'first'),
       ('churn', 2, '{days_inactive}', '{-1,1}', '{0}', '{1}', 0.5, 'balanced', 10,
        '2023-01-01', '2023-06-30', NULL, 1, 'public.o', 10, 5, 3, false, NULL, 'none', NULL, NULL, NULL,
        NULL, 'one group', NULL, NULL);
SELECT risk_model_activate('churn', 1);
SQL

fingerprint() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SET search_path = learnalytics, public;
SELECT count(*) || ' ' || md5(string_agg(r::text, E'\n' ORDER BY r.name, r.version)) FROM risk_model r;
SELECT string_agg(name || ' ' || version || ' ' || active, ', ' ORDER BY name, version) FROM risk_model;
SELECT string_agg(format('%s %s %s %s', learner, day, probability, reasons), E'\n' ORDER BY learner)
FROM risk_score('churn', '2024-01-25');
SQL
}
fingerprint "$src" >"$work/before" || { echo "cannot read $src"; exit 1; }
"$pg_dump" -Fc -f "$work/dump" "$src" || { echo "pg_dump failed"; exit 1; }
"$pg_restore" -d "$dst" --exit-on-error "$work/dump" 2>"$work/restore.err" || {
  echo "pg_restore failed:"; cat "$work/restore.err"; exit 1; }
# the engagement summaries are derived data, rebuilt after a restore (the events table is the user's)
psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -c "SELECT learnalytics.engagement_refresh('public.ev', 'learner', 'ts')" >/dev/null || exit 1
fingerprint "$dst" >"$work/after" || { echo "cannot read $dst"; exit 1; }
cat "$work/before"
if ! diff -u "$work/before" "$work/after"; then
  echo "the restored registry differs"
  exit 1
fi
# the restored registry is still immutable, and still has one active version per name
if psql -X -q -d "$dst" -c "UPDATE learnalytics.risk_model SET coef = coef || 0::float8 WHERE version = 2" 2>"$work/upd.err"; then
  echo "the restored registry accepted a change of coef"; exit 1
fi
grep -q 'field "coef" cannot change' "$work/upd.err" || { echo "unexpected error:"; cat "$work/upd.err"; exit 1; }
[ "$(grep -c . "$work/before")" -ge 4 ] || { echo "fingerprint too short: nothing scored?"; exit 1; }
echo "risk_model restored: $(head -1 "$work/before")"
exit 0
