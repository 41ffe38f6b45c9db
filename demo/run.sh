#!/usr/bin/env bash
# `make demo`: learnalytics end to end on a throwaway cluster.
# Same set-up as `make test` (installs what is missing as root, private install and cluster,
# stopped on exit). The data: the Open University Learning Analytics Dataset from LA_OULAD_DIR,
# else ../shared/data/oulad next to the checkout; when neither exists, demo/synthetic.sql writes
# OULAD-shaped files from a seeded generator, and the same pipeline runs on them (and says so).
# The report (report_html, both tiers) and the ROI chart are written to LA_DEMO_OUT, else
# demo/output in the checkout (gitignored); the last lines give the report's path.
set -euo pipefail
LA_DB=learnalytics_demo
source "$(dirname "$0")/../test/lib/cluster.sh"
started=$(date +%s)
la_setup

"$LA_BIN/createdb" "$LA_DB"
export PGDATABASE=$LA_DB LA_SHARED="${LA_SHARED:-$LA_SRC/../shared}"
psql_demo() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off "$@"; }

dir=${LA_OULAD_DIR:-$LA_SHARED/data/oulad}
if [ -f "$dir/studentInfo.csv.gz" ] || [ -f "$dir/studentInfo.csv" ]; then
  dir=$(cd "$dir" && pwd)
  label="OULAD from $dir (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0)"
else
  la_log "no OULAD files in $dir: generating synthetic OULAD-shaped data instead"
  dir="$LA_WORK/synthetic"
  mkdir -p "$dir"; chown postgres:postgres "$dir" 2>/dev/null || true
  psql_demo -v dir="$dir" -f "$LA_SRC/demo/synthetic.sql"
  label="SYNTHETIC data (no OULAD directory found; see README for where to get OULAD)"
fi
# the files the demo writes (the report, the ROI chart): LA_DEMO_OUT, else demo/output (gitignored)
out=${LA_DEMO_OUT:-$LA_SRC/demo/output}
mkdir -p "$out"; out=$(cd "$out" && pwd)
psql_demo -v oulad_dir="$dir" -v data_label="$label" -v out_dir="$out" -f "$LA_SRC/demo/demo.sql"
echo
echo "the report: $out/oulad_report.html (open it in a browser)"
echo "demo finished in $(( $(date +%s) - started )) s (build and cluster set-up included)"
