#!/usr/bin/env bash
# Shared by the benchmarks: source it after test/lib/cluster.sh.
#   bench_setup            throwaway cluster tuned for benchmarks, database $LA_DB with the extension
#   time_query NAME file|sql FILE|SQL [RUNS]
#                          best wall time in ms over RUNS fresh sessions (default $runs); the answer
#                          of the best run is left in $answer; "NAME<TAB>ms" appended to $LA_WORK/times

bench_setup() {
  la_setup
  la_bench_db <<CONF
shared_buffers = '2GB'
work_mem = '512MB'
max_parallel_workers_per_gather = 2
jit = off
CONF
  : >"$LA_WORK/times"
}

time_query() {
  local name=$1 kind=$2 q=$3 n=${4:-$runs} best= i t res
  for ((i = 0; i < n; i++)); do
    res=$(psql -X -q -At -v ON_ERROR_STOP=1 <<SQL
SET search_path = public, learnalytics;
SET client_min_messages = warning;
\\timing on
$( [ "$kind" = file ] && cat "$q" || echo "$q" )
SQL
)
    t=$(grep -o 'Time: [0-9.]*' <<<"$res" | tail -n 1 | awk '{print $2}')
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
      best=$t
      answer=$(grep -v -e '^Time:' -e '^setseed' <<<"$res" | tr '\n' ' ' | sed -e 's/ *$//' -e 's/|/ \/ /g')
    fi
  done
  printf '%s\t%s\n' "$name" "$best" >>"$LA_WORK/times"
  printf '  %-44s %10.1f ms   answer: %s\n' "$name" "$best" "$answer"
}
