#!/usr/bin/env bash
# Benchmark: every shipped data-quality check type that reads events, against one scan of the events
# table, in the same run (doc/quality.md, "Performance").
#   bash test/bench/quality.sh [events]          (default: 10000000)
#
# Data (not gen.sql: the checks need courses, event ids and enrolments). `events` rows of
# events(event_id, learner_id, course_id, activity, ts, weight):
#   - 100,000 learners, learner l in course c01..c50 (l mod 50), enrolled on 2026-01-01 (enrolment,
#     the built-in table: learning.enrolment); learners with l mod 100 = 99 (1%) are enrolled nowhere;
#   - each row: a uniform learner, a day of 120 (from 2026-01-01; weekends at half the rate: a
#     weekend day drawn is kept with probability 1/2 and moved to the Friday otherwise), a uniform
#     time of day, one of 20 activities, weight 1-5, event_id 'e<row>';
#   - defects, so that the checks have something to report: 0.1% of rows without a learner, 0.05%
#     stored twice (duplicates), 10 rows a year in the future, course c07's
#     day 100 thinned to 5% (an outage), learner 4242's day 90 with 50,000 more rows (a bot).
# One quality_source "bench" over the table, one check per type that reads events, each only when
# its type is installed (score_out_of_range over the weight with max 4: a fifth of the rows are out of
# range; reconcile compares the table with itself registered a second time, so it reads it twice).
# No index on events: every check scans it.
#
# Timed, best of LA_BENCH_RUNS (default 3) fresh sessions each:
#   scan                  SELECT count(*), sum(weight) FROM events
#   each check            SELECT * FROM quality_run(ARRAY['<check>'], as_of)   (the findings kept too)
#   all                   quality_run(NULL, as_of): every enabled check, the shipped ones over
#                         learning.* (small tables here) included; best of LA_BENCH_RUNS_ALL
#                         (default LA_BENCH_RUNS) runs, as it takes the sum of the others
#   pandas (if /usr/bin/python3 has it): duplicates per course over the same rows, computed in memory
#                         from a CSV that psql exports (the export and the load are timed apart)
#   sql_duplicates        the same duplicates count written by hand in SQL (what an analyst writes)
# Then prints a table: time, ratio to the scan, findings. Not a test: nothing asserts a time.
# Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
n=${1:-10000000}
runs=${LA_BENCH_RUNS:-3}
runs_all=${LA_BENCH_RUNS_ALL:-$runs}
as_of="2026-05-01 00:00+00"

LA_DB=learnalytics_bench
source "$here/lib.sh"
bench_setup
mkdir -p "$here/results"
out="$here/results/quality-$(date -u +%Y%m%dT%H%M%SZ).md"

echo "== generating $n events =="
t0=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -v n="$n" <<'SQL'
SET search_path = public, learnalytics;
SELECT setseed(0.16);
CREATE TABLE events (event_id text, learner_id text, course_id text, activity text, ts timestamptz, weight bigint);
INSERT INTO events
SELECT 'e' || i,
       CASE WHEN i % 1000 = 0 THEN NULL ELSE 'l' || l END,
       'c' || lpad((1 + l % 50)::text, 2, '0'),
       'a' || (1 + floor(random() * 20))::int,
       timestamptz '2026-01-01 00:00+00'
         + (CASE WHEN extract(isodow FROM date '2026-01-01' + dd) >= 6 AND random() < 0.5
                 THEN dd - (extract(isodow FROM date '2026-01-01' + dd)::int - 5) ELSE dd END) * interval '1 day'
         + random() * interval '1 day',
       1 + floor(random() * 5)::bigint
  FROM (SELECT i, floor(random() * 100000)::int AS l, floor(random() * 120)::int AS dd
          FROM generate_series(1, :n) i) g;
-- duplicates: 0.05% of rows stored twice (the same row, event_id included)
INSERT INTO events SELECT * FROM events WHERE substr(event_id, 2)::bigint % 2000 = 1;
-- 10 rows a year ahead
UPDATE events SET ts = ts + interval '1 year' WHERE event_id IN ('e11', 'e22', 'e33', 'e44', 'e55', 'e66', 'e77', 'e88', 'e99', 'e111');
-- the outage: course c07's day 100 (2026-04-11) keeps 5% of its rows
DELETE FROM events WHERE course_id = 'c07' AND ts >= '2026-04-11 00:00+00' AND ts < '2026-04-12 00:00+00' AND random() >= 0.05;
-- the bot
INSERT INTO events
SELECT 'bot' || i, 'l4242', 'c' || lpad((1 + 4242 % 50)::text, 2, '0'), 'a1',
       timestamptz '2026-03-31 01:00+00' + i * interval '0.5 seconds', 1
  FROM generate_series(1, 50000) i;
INSERT INTO enrolment (learner, course, enrolled_at)
SELECT 'l' || l, 'c' || lpad((1 + l % 50)::text, 2, '0'), '2026-01-01 00:00+00'
  FROM generate_series(0, 99999) l WHERE l % 100 <> 99;
VACUUM ANALYZE events;
VACUUM ANALYZE enrolment;
SQL
echo "   generated in $(( $(date +%s) - t0 )) s: $(psql -X -At -c "SELECT count(*) || ' rows, ' || pg_size_pretty(pg_total_relation_size('events')) FROM events")"

# the source and one check per type that reads events (as a user writes them)
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET search_path = public, learnalytics;
INSERT INTO quality_source (name, kind, relation, columns)
VALUES ('bench', 'events', 'public.events',
        '{"learner": "learner_id", "course": "course_id", "activity": "activity", "ts": "ts", "weight": "weight", "event_id": "event_id"}'),
       ('bench_copy', 'events', 'public.events',
        '{"learner": "learner_id", "course": "course_id", "activity": "activity", "ts": "ts", "weight": "weight", "event_id": "event_id"}');
INSERT INTO quality_check (name, check_type, source, parameters)
SELECT v.name, v.type, 'bench', v.parameters::jsonb
  FROM (VALUES ('b_not_null', 'not_null', '{"columns": ["learner", "course"]}'),
               ('b_future', 'future_timestamp', '{}'),
               ('b_before_start', 'before_course_start', '{}'),
               ('b_duplicates', 'duplicates', '{"key": ["event_id"]}'),
               ('b_missing_days', 'missing_days', '{"from": "enrolment"}'),
               ('b_outside_enrolment', 'outside_enrolment', '{}'),
               ('b_outage', 'outage', '{}'),
               ('b_outlier_burst', 'outlier_burst', '{}'),
               ('b_outlier_learner', 'outlier_learner', '{}'),
               ('b_weight_range', 'score_out_of_range', '{"column": "weight", "min": 1, "max": 4}'),
               ('b_reconcile', 'reconcile', '{"other": "bench_copy"}')) v(name, type, parameters)
 WHERE v.type IN (SELECT name FROM quality_check_type WHERE 'events' = ANY (kinds));
SQL
checks=$(psql -X -At -c "SELECT string_agg(name, ' ' ORDER BY name) FROM learnalytics.quality_check WHERE name LIKE 'b\_%'")
types=$(psql -X -At -c "SELECT string_agg(name, ', ' ORDER BY name) FROM learnalytics.quality_check_type WHERE 'events' = ANY (kinds)")
echo "   check types over events: $types"

# time_query, and the answer of the best run kept for the table
: >"$LA_WORK/answers"
tq() { time_query "$@"; printf '%s\t%s\n' "$1" "$answer" >>"$LA_WORK/answers"; }

echo "== timing (best of $runs) =="
tq scan sql "SELECT count(*), sum(weight) FROM events;"
for c in $checks; do
  tq "$c" sql "SELECT coalesce(sum(findings), 0) || ' findings, ' || coalesce(sum(rows), 0) || ' rows'
                         FROM quality_run(ARRAY['$c'], '$as_of');"
done
tq quality_run_all sql "SELECT count(*) || ' checks, ' || coalesce(sum(findings), 0) || ' findings' FROM quality_run(NULL, '$as_of');" "$runs_all"
tq scan_again sql "SELECT count(*), sum(weight) FROM events;"
tq sql_duplicates sql "SELECT course_id, sum(n - 1), sum(n) FROM (SELECT course_id, event_id, count(*) AS n FROM events
                                 GROUP BY 1, 2 HAVING count(*) > 1) x GROUP BY 1 ORDER BY 1 LIMIT 3;"

pandas_line="pandas: not run (/usr/bin/python3 has no pandas)"
if /usr/bin/python3 -c "import pandas" 2>/dev/null; then
  csv="$LA_WORK/events.csv"
  t0=$(date +%s%N)
  psql -X -q -c "\\copy (SELECT course_id, event_id FROM events) TO '$csv' WITH (FORMAT csv)"
  export_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  pandas_line=$(/usr/bin/python3 - "$csv" "$runs" <<'PY'
import sys, time
import pandas as pd
t = time.perf_counter()
df = pd.read_csv(sys.argv[1], header=None, names=["course_id", "event_id"], dtype=str)
load = (time.perf_counter() - t) * 1000
best = None
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    g = df.groupby(["course_id", "event_id"], sort=False).size()
    g = g[g > 1]
    per_course = g.groupby(level=0).agg(lambda s: (int((s - 1).sum()), int(s.sum())))
    ms = (time.perf_counter() - t) * 1000
    best = ms if best is None or ms < best else best
print(f"{best:.1f}\t{load:.1f}\t{len(per_course)} courses with duplicates, {int((g - 1).sum())} surplus rows")
PY
)
  printf 'pandas_duplicates\t%s\n' "$(cut -f1 <<<"$pandas_line")" >>"$LA_WORK/times"
  pandas_line="pandas duplicates (groupby in memory): $(cut -f1 <<<"$pandas_line") ms; load of the CSV $(cut -f2 <<<"$pandas_line") ms, psql export ${export_ms} ms; $(cut -f3 <<<"$pandas_line")"
  echo "  $pandas_line"
fi

scan=$(awk '$1=="scan"{print $2}' "$LA_WORK/times")
{
  echo "# quality benchmark, $(date -u +%Y-%m-%d), $n generated events, PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), $(nproc) cores"
  echo
  echo "shared_buffers 2GB, work_mem 512MB, 2 parallel workers per gather, jit off; best of $runs (quality_run_all: $runs_all)."
  echo
  echo "| what | type | best time (ms) | / scan | answer |"
  echo "|---|---|---:|---:|---|"
  while IFS=$'\t' read -r name ms; do
    type=$(psql -X -At -c "SELECT check_type FROM learnalytics.quality_check WHERE name = '$name'")
    printf '| %s | %s | %.0f | %.2f | %s |\n' "$name" "${type:--}" "$ms" "$(awk -v a="$ms" -v b="$scan" 'BEGIN{print a/b}')" \
      "$(awk -F'\t' -v k="$name" '$1==k{print $2}' "$LA_WORK/answers")"
  done <"$LA_WORK/times"
  echo
  echo "- $pandas_line"
} | tee "$out"
echo "results written to $out"
