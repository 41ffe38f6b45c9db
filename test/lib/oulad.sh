#!/usr/bin/env bash
# Shared start of the OULAD tests (test/t/8x_oulad_*.sh): source it after test/lib/t.sh. Sets
# LA_OULAD_DIR to $LA_SHARED/data/oulad and defines
#   oulad_need_data  skips the current check ("skipped: <file> absent") when the data is missing;
#   oulad_psql       psql on $LA_DB that stops at the first error, with the dataset directory
#                    (:dir), the checks report (:checks) and demo/replay.sql (:replay: the demo's
#                    population mapped onto the alert-rules engine, and its named rules) as
#                    variables.
LA_OULAD_DIR="$LA_SHARED/data/oulad"
oulad_need_data() {
  if [ -f "$LA_OULAD_DIR/studentInfo.csv" ]; then
    la_t_need_shared "$LA_OULAD_DIR/studentInfo.csv"
  else
    la_t_need_shared "$LA_OULAD_DIR/studentInfo.csv.gz"
  fi
}
oulad_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -v dir="$LA_OULAD_DIR" \
    -v checks="$LA_SRC/test/sql/oulad_checks.sql" -v replay="$LA_SRC/demo/replay.sql" "$@"
}
