#!/usr/bin/env bash
# `make test`: every test of learnalytics on a throwaway cluster.
#   1. pg_regress: sql/*.sql against expected/*.out (the pg_cron cases, sql/cron_*.sql, run after
#      the others in the same database, which is cron.database_name);
#   2. every executable test/t/*.sh (each exits 0 on success, 77 when it had to skip; the checks a
#      script skipped while it passed, test/lib/t.sh's "skip - <check>: <reason>" lines, are listed).
# Prints `N passed, N failed` last (`, N skipped` when something was: scripts skipped whole, plus
# the checks skipped inside the others) and exits non-zero on any failure. The cluster is stopped and
# removed even when a test fails (LA_KEEP=1 keeps it for a post-mortem).
# LA_SANITIZE=1 (`make check-asan`, test/lib/sanitize.sh): the same, with the extension built with
# AddressSanitizer and UBSan; first the harness proves on a canary module that it catches a report,
# then any sanitizer report while a suite or script ran fails it.
set -uo pipefail
source "$(dirname "$0")/lib/cluster.sh"

# -Werror only here (as in CI), so packagers' newer compilers are not broken by a new warning.
LA_EXTRA_CFLAGS=${LA_EXTRA_CFLAGS:--Werror}
la_setup || { echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; skipped=0; failures=()
out="$LA_WORK/regress"; mkdir -p "$out"

# LA_SANITIZE=1: did the server log a sanitizer report since the last call? (prints them; 1 if so)
san_reports() {
  [ "${LA_SANITIZE:-0}" = 1 ] || return 1
  ! la_san_check "$1"
}
if [ "${LA_SANITIZE:-0}" = 1 ]; then
  if la_san_canary >"$LA_WORK/canary.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok      sanitizer canary: its two deliberate bugs were reported, and found:"
    grep '^SUMMARY: ' "$LA_WORK/canary.log" | sed 's/^/          /'
  else
    failed=$((failed + 1)); failures+=("sanitizer canary (the harness did not catch a deliberate bug)")
    echo "FAILED  sanitizer canary"; sed 's/^/    /' "$LA_WORK/canary.log" | tail -n 80
  fi
fi

# Run one pg_regress suite; count its tests from pg_regress's own per-test lines.
run_regress() {
  local target=$1 log="$out/$1.log"
  make -C "$LA_SRC" -s PG_CONFIG="$PG_CONFIG" "$target" \
    EXTRA_REGRESS_OPTS="--outputdir=$out --user=postgres" >"$log" 2>&1
  local rc=$?
  cat "$log"
  local ok bad
  ok=$(grep -cE '^(test| ) *[A-Za-z0-9_]+ +\.\.\. ok' "$log" || true)
  bad=$(grep -E '^(test| ) *[A-Za-z0-9_]+ +\.\.\. FAILED' "$log" | awk '{print $2}' || true)
  passed=$((passed + ok))
  for t in $bad; do failed=$((failed + 1)); failures+=("pg_regress $t"); done
  if [ $rc -ne 0 ] && [ -z "$bad" ]; then
    failed=$((failed + 1)); failures+=("pg_regress $target (did not run)")
  fi
  if san_reports "pg_regress $target"; then
    failed=$((failed + 1)); failures+=("sanitizer reports during pg_regress $target")
  fi
}

show_diffs() {
  if [ -s "$out/regression.diffs" ]; then
    echo "---- regression.diffs of $1 (first 200 lines) ----"
    head -n 200 "$out/regression.diffs"
  fi
}
run_regress installcheck
show_diffs installcheck
run_regress installcheck-cron
show_diffs installcheck-cron

# Other tests: shell scripts with the cluster's environment.
export LA_SRC LA_DB LA_SHARED="${LA_SHARED:-$LA_SRC/../shared}"
for t in "$LA_SRC"/test/t/*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  log="$LA_WORK/t-$name.log"
  bash "$t" >"$log" 2>&1
  rc=$?
  san=0
  if [ "${LA_SANITIZE:-0}" = 1 ] && san_reports "test/t/$name" >"$log.san"; then san=1; rc=1; fi
  # the checks it skipped (test/lib/t.sh prints "skip - <check>: <reason>" for each)
  checks_skipped=$(sed -n 's/^skip - //p' "$log")
  nchecks=0
  [ -z "$checks_skipped" ] || nchecks=$(wc -l <<<"$checks_skipped")
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); skipped=$((skipped + nchecks))
    case $nchecks in
      0) echo "ok      $name" ;;
      1) echo "ok      $name (1 check skipped)" ;;
      *) echo "ok      $name ($nchecks checks skipped)" ;;
    esac
    [ $nchecks -eq 0 ] || sed 's/^/          skipped: /' <<<"$checks_skipped"
  elif [ $rc -eq 77 ]; then
    if [ $nchecks -gt 0 ]; then
      skipped=$((skipped + nchecks)); echo "skipped $name: all its checks ($nchecks)"
      sed 's/^/          skipped: /' <<<"$checks_skipped"
    else
      skipped=$((skipped + 1)); echo "skipped $name: $(tail -n 1 "$log")"
    fi
  else
    failed=$((failed + 1)); failures+=("test/t/$name"); echo "FAILED  $name"
    sed 's/^/    /' "$log" | tail -n 60
    [ $san -eq 0 ] || sed 's/^/    /' "$log.san"
  fi
done

if san_reports "the end of the run"; then
  failed=$((failed + 1)); failures+=("sanitizer reports after the last test")
fi

echo
if [ $failed -gt 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
if [ $skipped -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
