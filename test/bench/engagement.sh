#!/usr/bin/env bash
# Benchmark: the engagement-dip rule, native vs the plain-SQL baselines of ../shared/bench, in one run.
#   bash test/bench/engagement.sh [learners ...]        (default: 50000 500000)
# For each size: load gen.sql, then time (best of LA_BENCH_RUNS, default 3; 1 for the slow SQL at
# >= 500,000 learners) sql_floor.sql, sql_dip_replay.sql, sql_dip_asof.sql and the native
# equivalents, check that the answers agree, and report ratios, summary size and peak memory.
# Not a test: nothing here asserts a time. Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
shared=${LA_SHARED:-$LA_SRC/../shared}
[ -f "$shared/bench/gen.sql" ] || { echo "no $shared/bench: the baselines live in ../shared/bench" >&2; exit 1; }
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(50000 500000)
runs=${LA_BENCH_RUNS:-3}

LA_DB=learnalytics_bench
source "$here/lib.sh"
bench_setup
mkdir -p "$here/results"
out="$here/results/engagement-$(date -u +%Y%m%dT%H%M%SZ).md"


# peak resident memory of one backend running a query (kB), read while it runs
peak_kb() {
  local q=$1
  psql -X -At -c "SET search_path = public, learnalytics" -c "SELECT pg_backend_pid()" \
       -c "$q" -c "SELECT pg_backend_pid()" >/dev/null &
  local bg=$! peak=0 p v
  sleep 0.2
  while kill -0 $bg 2>/dev/null; do
    for p in $(pgrep -f "postgres: .*$LA_DB" || true); do
      v=$(awk '/VmHWM/{print $2}' /proc/$p/status 2>/dev/null || echo 0)
      [ "${v:-0}" -gt "$peak" ] && peak=$v
    done
    sleep 0.2
  done
  wait $bg || true
  echo "$peak"
}

{
  echo "# engagement benchmark, $(date -u +%Y-%m-%d), PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), $(nproc) cores"
  echo
} >"$out"

for n in "${sizes[@]}"; do
  : >"$LA_WORK/times"
  echo "== $n learners (gen.sql) =="
  psql -X -q -v learners="$n" -f "$shared/bench/gen.sql" >/dev/null
  nruns_slow=$runs; [ "$n" -ge 500000 ] && nruns_slow=1
  time_query sql_floor file "$shared/bench/sql_floor.sql"
  floor_answer=$answer
  time_query sql_dip_replay file "$shared/bench/sql_dip_replay.sql" "$nruns_slow"
  sql_replay=$answer
  time_query native_replay sql "SELECT count(DISTINCT learner_id) AS learners_alerted, count(*) AS alert_days
    FROM (SELECT learner_id, la_engagement_agg(learner_id, ts) s FROM events GROUP BY learner_id) x,
         dip_alerts(s, '2026-04-30', 0.6, 14, 3, 'events');"
  native_replay=$answer
  time_query sql_dip_asof file "$shared/bench/sql_dip_asof.sql" "$nruns_slow"
  sql_asof=$answer
  time_query native_asof_from_events sql "SELECT count(*) FROM
    (SELECT la_engagement_agg(learner_id, ts) s FROM events WHERE ts < '2026-03-16' GROUP BY learner_id) x
    WHERE dip_persistence(s, '2026-03-15', 0.6, 14, 'events') >= 3;"
  native_asof_events=$answer
  psql -X -q -c "DROP TABLE IF EXISTS summaries" \
       -c "CREATE TABLE summaries AS SELECT learner_id, learnalytics.la_engagement_agg(learner_id, ts) s FROM events GROUP BY learner_id" \
       -c "VACUUM ANALYZE summaries"
  time_query native_asof_stored sql "SELECT count(*) FROM summaries WHERE dip_persistence(s, '2026-03-15', 0.6, 14, 'events') >= 3;"
  native_asof_stored=$answer
  time_query native_replay_stored sql "SELECT count(DISTINCT learner_id), count(*) FROM summaries, dip_alerts(s, '2026-04-30', 0.6, 14, 3, 'events');"
  size=$(psql -X -At -c "SELECT round(avg(pg_column_size(s))) || ' avg, ' || percentile_disc(0.5) WITHIN GROUP (ORDER BY pg_column_size(s)) || ' median, ' || max(pg_column_size(s)) || ' max bytes; ' || round(avg((learnalytics.engagement_info(s)).active_days)) || ' active days and ' || round(avg((learnalytics.engagement_info(s)).events)) || ' events per learner on average' FROM summaries")
  mem_native=$(peak_kb "SELECT count(*) FROM (SELECT learner_id, la_engagement_agg(learner_id, ts) s FROM events GROUP BY learner_id) x, dip_alerts(s, '2026-04-30', 0.6, 14, 3, 'events')")
  mem_sql=$(peak_kb "$(cat "$shared/bench/sql_dip_replay.sql")")

  agree_replay=no; [ "$sql_replay" = "$native_replay" ] && agree_replay=yes
  agree_asof=no; [ "$(tr -d ' ' <<<"$sql_asof")" = "$(tr -d ' ' <<<"$native_asof_stored")" ] \
    && [ "$(tr -d ' ' <<<"$sql_asof")" = "$(tr -d ' ' <<<"$native_asof_events")" ] && agree_asof=yes
  ratio() { awk -v a="$(awk -v k="$1" '$1==k{print $2}' "$LA_WORK/times")" \
                -v b="$(awk -v k="$2" '$1==k{print $2}' "$LA_WORK/times")" 'BEGIN{printf "%.2f", a/b}'; }
  {
    echo "## $n learners"
    echo
    echo "| query | best time (ms) | answer |"
    echo "|---|---:|---|"
    echo "| sql_floor.sql | $(awk '$1=="sql_floor"{print $2}' "$LA_WORK/times") | $floor_answer |"
    echo "| sql_dip_replay.sql | $(awk '$1=="sql_dip_replay"{print $2}' "$LA_WORK/times") | $sql_replay |"
    echo "| native replay (build summaries from events + dip_alerts) | $(awk '$1=="native_replay"{print $2}' "$LA_WORK/times") | $native_replay |"
    echo "| native replay on stored summaries | $(awk '$1=="native_replay_stored"{print $2}' "$LA_WORK/times") | |"
    echo "| sql_dip_asof.sql | $(awk '$1=="sql_dip_asof"{print $2}' "$LA_WORK/times") | $sql_asof |"
    echo "| native as-of, summaries built from events up to the day | $(awk '$1=="native_asof_from_events"{print $2}' "$LA_WORK/times") | $native_asof_events |"
    echo "| native as-of on stored summaries | $(awk '$1=="native_asof_stored"{print $2}' "$LA_WORK/times") | $native_asof_stored |"
    echo
    echo "- replay: SQL / native = **$(ratio sql_dip_replay native_replay)x**; native / floor = **$(ratio native_replay sql_floor)x**; answers agree: $agree_replay"
    echo "- as-of: SQL / native from events = **$(ratio sql_dip_asof native_asof_from_events)x**; SQL / native on stored summaries = **$(ratio sql_dip_asof native_asof_stored)x**; answers agree: $agree_asof"
    echo "- summary size (120-day history): $size"
    echo "- peak resident memory of the leader backend: native replay ${mem_native} kB, sql_dip_replay ${mem_sql} kB (work_mem 512MB, 2 parallel workers)"
    echo
  } | tee -a "$out"
done
echo "results written to $out"
