#!/usr/bin/env bash
# Independent plain-SQL oracle for the engagement summary (la_engagement_agg and its accessors,
# rollup/cohort aggregates, parallel aggregation, held_since/held_for): random data (seeded),
# every result recomputed with calendars, window functions and gaps-and-islands in plain SQL, and
# the dip rule checked against the reference queries of ../shared/bench. Any mismatch fails the
# test with up to 10 examples per check. The SQL is in test/sql/oracle/:
#   00 helpers; 01 random learners and events (time zones with DST, midnights, gap +-1us, NULLs);
#   02 the oracle calendar (local days, sessions by gaps and islands); 03 daily_activity,
#   engagement_info; 04 engagement_baseline, dip_ratio; 05 dip_persistence, dip_alerts,
#   days_inactive, activity_streak; 06 the bench reference answers; 07 forms, text round trip,
#   rollup of parts, forced parallel plans, cohorts; 08 held_since/held_for; 09 histories
#   before/across 1970 and 2000; 10 the adapted bench queries against the unmodified files;
#   11 binary send/recv round trip (COPY binary, piped by this script).
# Three checks: the random data (00-05, 07-09, 11); the bench (06, 10), skipped when
# $LA_SHARED/bench is absent; every comparison made agrees.
#   ORACLE_SEED (default 0.31), ORACLE_LEARNERS (300), ORACLE_BENCH_LEARNERS (2000) override the sizes;
#   ORACLE_KEEP=1 keeps the oracle_t schema for a post-mortem.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
dir="$LA_SRC/test/sql/oracle"
seed=${ORACLE_SEED:-0.31}
nlearners=${ORACLE_LEARNERS:-300}
bench_learners=${ORACLE_BENCH_LEARNERS:-2000}
bench="$LA_SHARED/bench"

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB")

drop_oracle() {
  [ "${ORACLE_KEEP:-0}" = 1 ] || "${PSQL[@]}" -c 'DROP SCHEMA IF EXISTS oracle_t CASCADE' >/dev/null 2>&1 || true
}
la_t_cleanup_add drop_oracle

start=$(date +%s)
# The session time zone is deliberately not UTC: the summary's default zone is UTC whatever the
# session's, and the oracle never depends on it.
export PGOPTIONS="-c TimeZone=America/St_Johns -c client_min_messages=warning"
# run oracle files in order, each timed; stops at the first that fails
run_files() {
  local f t0 t1 rc log
  log=$(mktemp "${TMPDIR:-/tmp}/oracle.XXXXXX")
  la_t_cleanup_add rm -f "$log"
  for f in "$@"; do
    t0=$(date +%s%3N)
    "${PSQL[@]}" -v seed="$seed" -v nlearners="$nlearners" -v learners="$bench_learners" -v bench="$bench" \
      -f "$dir/$f.sql" >"$log" 2>&1
    rc=$?
    cat "$log"
    t1=$(date +%s%3N)
    printf '%s.sql: %d.%01d s\n' "$f" $(( (t1 - t0) / 1000 )) $(( (t1 - t0) % 1000 / 100 ))
    [ $rc -eq 0 ] || { echo "FAILED: $f.sql stopped on an error (psql exit $rc)"; return $rc; }
  done
}
# COPY the summaries selected by a condition out and back in, in binary (send, then recv)
bin_copy() {
  "${PSQL[@]}" -c "COPY (SELECT n, k, s FROM oracle_t.bin_out WHERE $1) TO STDOUT (FORMAT binary)" |
    "${PSQL[@]}" -c "COPY oracle_t.bin_back FROM STDIN (FORMAT binary)"
}
# 1. the oracle on random data, and the binary send/recv round trip
random_data() {
  local rc kind n err
  run_files 00_setup 01_data 02_oracle 03_daily 04_baseline 05_dips 07_combine 08_window 09_epochs || return 1
  # binary send/recv round trip of the learners' summaries and of the cohorts; when a batch fails,
  # its first 15 rows one by one, to name the failing ones with their error
  "${PSQL[@]}" -c "
    CREATE TABLE oracle_t.bin_out AS
    SELECT row_number() OVER (ORDER BY k)::int AS n, k, s
    FROM (SELECT 'learner ' || id AS k, s FROM oracle_t.full5
          UNION ALL SELECT 'cohort ' || how || ' ' || tz || ' ' || gap, s FROM oracle_t.cohorts) x;
    CREATE TABLE oracle_t.bin_back (n int, k text, s learnalytics.engagement_summary);
    CREATE TABLE oracle_t.bin_err (n int, error text);"
  rc=$?
  for kind in learner cohort; do
    [ $rc -eq 0 ] || break
    bin_copy "k LIKE '$kind %'" >/dev/null 2>&1 && continue
    for n in $("${PSQL[@]}" -At -c "SELECT n FROM oracle_t.bin_out WHERE k LIKE '$kind %' ORDER BY n LIMIT 15"); do
      if ! err=$(bin_copy "n = $n" 2>&1); then
        "${PSQL[@]}" -v n="$n" -v err="$err" <<<"INSERT INTO oracle_t.bin_err VALUES (:n, :'err');" || rc=1
      fi
    done
  done
  [ $rc -eq 0 ] && "${PSQL[@]}" -f "$dir/11_binary.sql"
}
# 2. the reference answers of ../shared/bench: its data (06_bench.sql loads it into oracle_t),
# then its unmodified reference files against it
bench_reference() {
  local ref
  la_t_need_shared "$bench/gen.sql" "$bench/sql_dip_replay.sql" "$bench/sql_dip_asof.sql"
  run_files 06_bench || return 1
  ref=$(PGOPTIONS="-c search_path=oracle_t -c TimeZone=UTC" "${PSQL[@]}" -At -F ' ' \
        -f "$bench/sql_dip_replay.sql" -f "$bench/sql_dip_asof.sql") &&
  "${PSQL[@]}" -v ref="$ref" -f "$dir/10_bench_counts.sql"
}
# 3. every comparison the two made: none may have a mismatch
all_agree() {
  local bad nbad ncompared nchecks
  bad=$("${PSQL[@]}" -At -c "SELECT count(*) FILTER (WHERE mismatches > 0) || ' ' || coalesce(sum(compared), 0) || ' ' || count(*) FROM oracle_t.results") || return 1
  read -r nbad ncompared nchecks <<<"$bad"
  if [ "$nbad" != 0 ]; then
    echo
    "${PSQL[@]}" -At -c "
      SELECT format(E'MISMATCH %s (%s of %s rows), up to 10 examples:\n%s', name, mismatches, compared, examples)
      FROM oracle_t.results WHERE mismatches > 0 ORDER BY seq"
  fi
  echo
  echo "engagement oracle (seed $seed, $nlearners random learners, bench $bench_learners learners), $(( $(date +%s) - start )) s:"
  "${PSQL[@]}" -At -F ' ' -c "
    SELECT format('%-62s %9s compared %6s mismatches', name, compared, mismatches) FROM oracle_t.results ORDER BY seq"
  if [ "$nbad" != 0 ]; then
    echo "FAILED: $nbad of $nchecks checks have mismatches (examples above)"
    return 1
  fi
  echo "all $nchecks checks passed ($ncompared rows compared)"
}
la_t_check "oracle on random data, binary round trip" random_data
la_t_check "reference answers of ../shared/bench" bench_reference
la_t_check "every comparison agrees" all_agree
la_t_done
