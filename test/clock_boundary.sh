#!/usr/bin/env bash
# Run pg_regress tests with the server's clock just before a boundary (midnight, the end of a month),
# so that the boundary passes while each test runs: a test that reads the wall clock in a way that can
# flip fails here. Not part of `make test` (it needs libfaketime: apt-get install faketime).
#
#   bash test/clock_boundary.sh [-i INPUTDIR] BOUNDARY TEST...
#     BOUNDARY  a timestamptz, e.g. '2027-01-01 00:00:00+00' (midnight and a month's end in UTC)
#     TEST      sql/TEST.sql against expected/TEST.out under INPUTDIR (default: this checkout)
#
# The server runs under libfaketime with an offset re-read from a file on every clock read
# (FAKETIME_NO_CACHE), so the clock can be moved without a restart. For each test and each lead d
# in LA_CLOCK_LEADS (seconds; default 0.1 to 4 in steps of 0.1) the offset is set so that the
# server's clock reads BOUNDARY - d as pg_regress starts, and the test runs once: the boundary
# passes about d seconds later (pg_regress takes some 0.5 s to reach the first statement, more
# under load; every clock read is slower under libfaketime). Prints one line per run and
# `N runs, N failed`; exits 1 on any failure, 77 without libfaketime.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
inputdir=$src
if [ "${1:-}" = -i ]; then inputdir=$(cd "$2" && pwd); shift 2; fi
[ $# -ge 2 ] || { sed -n '6,8p' "$0" >&2; exit 2; }
boundary=$1; shift
leads=${LA_CLOCK_LEADS:-$(seq 0.1 0.1 4)}

lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then echo "libfaketime is not installed (apt-get install faketime)"; exit 77; fi
boundary_s=$(date -d "$boundary" +%s.%N) || exit 2

source "$src/test/lib/cluster.sh"
la_setup || exit 1
clockfile="$LA_WORK/faketime"
echo "+0" >"$clockfile"; chmod 644 "$clockfile"
la_as_owner "$LA_BIN/pg_ctl" -D "$LA_WORK/data" -w stop >/dev/null || exit 1
la_as_owner env LD_PRELOAD="$lib" FAKETIME_TIMESTAMP_FILE="$clockfile" FAKETIME_NO_CACHE=1 \
  "$LA_BIN/pg_ctl" -D "$LA_WORK/data" -l "$LA_WORK/server.log" -w -t 60 start >/dev/null || {
  cat "$LA_WORK/server.log" >&2; exit 1; }

regress=$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress
out="$LA_WORK/regress"; mkdir -p "$out"
cd "$src" || exit 1
# the database and the extension, at the real time
"$regress" --inputdir="$src" --outputdir="$out" --bindir= --user=postgres --dbname="$LA_DB" \
  00_install >"$out/install.log" 2>&1 || { cat "$out/install.log"; exit 1; }

runs=0; failed=0
for t in "$@"; do
  for d in $leads; do
    now=$(date +%s.%N)
    awk -v b="$boundary_s" -v n="$now" -v d="$d" 'BEGIN { printf "%+.6f\n", b - n - d }' >"$clockfile"
    if "$regress" --inputdir="$inputdir" --outputdir="$out" --bindir= --user=postgres --dbname="$LA_DB" \
         --use-existing "$t" >"$out/run.log" 2>&1; then
      echo "ok      $t, boundary $d s into the test"
    else
      failed=$((failed + 1))
      echo "FAILED  $t, boundary $d s into the test"
      grep -E '^[-+][^-+]' "$out/regression.diffs" | head -n 12 | sed 's/^/    /'
    fi
    runs=$((runs + 1))
  done
done
echo "+0" >"$clockfile"
echo "$runs runs, $failed failed"
[ $failed -eq 0 ]
