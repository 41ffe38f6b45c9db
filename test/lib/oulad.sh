#!/usr/bin/env bash
# Shared start of the OULAD tests (test/t/8x_oulad_*.sh): source it. Sets LA_OULAD_DIR to
# $LA_SHARED/data/oulad, or exits 77 (skip) with the reason as the last line when it is missing,
# and defines oulad_psql: psql on $LA_DB that stops at the first error, with the dataset directory
# (:dir), the checks report (:checks) and the demo's replay code (:replay) as variables.
LA_OULAD_DIR="${LA_SHARED:-}/data/oulad"
if [ ! -f "$LA_OULAD_DIR/studentInfo.csv.gz" ] && [ ! -f "$LA_OULAD_DIR/studentInfo.csv" ]; then
  echo "OULAD data not found in '$LA_OULAD_DIR' (LA_SHARED=${LA_SHARED:-unset}); nothing to check"; exit 77
fi
oulad_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -v dir="$LA_OULAD_DIR" \
    -v checks="$LA_SRC/test/sql/oulad_checks.sql" -v replay="$LA_SRC/demo/replay.sql" "$@"
}
