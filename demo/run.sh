#!/usr/bin/env bash
# `make demo`: learnalytics end to end on a throwaway cluster with sample data.
# Same set-up as `make test` (installs what is missing as root, private install and cluster,
# stopped on exit); then runs demo/demo.sql and prints what a learning team would look at.
set -euo pipefail
LA_DB=learnalytics_demo
source "$(dirname "$0")/../test/lib/cluster.sh"
la_setup

"$LA_BIN/createdb" "$LA_DB"
export PGDATABASE=$LA_DB LA_SHARED="${LA_SHARED:-$LA_SRC/../shared}"
psql -X -q -v ON_ERROR_STOP=1 -v la_shared="$LA_SHARED" -P pager=off -f "$LA_SRC/demo/demo.sql"
