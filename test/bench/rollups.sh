#!/usr/bin/env bash
# Benchmark: incremental rollup refresh after 1% new events vs a full rebuild (doc/rollups.md).
#   bash test/bench/rollups.sh [events]          (default: 10000000)
# Loads `events` activity rows (20,000 learners, 10 courses, 50 activities, 180 days), builds the
# rollup, inserts 1% new events (90% on the next day, 10% late: up to 30 days old), then times
#   1. the inserts themselves, with the capture triggers and (the same number of rows) without,
#   2. rollup_refresh() (incremental: merges the captured events),
#   3. rollup_rebuild() (full, from the source),
# checks that both give the same rows, and reports the times and the ratio (target <= 5%).
# Not a test: nothing here asserts a time. Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
n=${1:-10000000}
new=$((n / 100))

LA_DB=learnalytics_bench
la_setup
la_bench_db <<CONF
shared_buffers = '2GB'
work_mem = '256MB'
maintenance_work_mem = '1GB'
max_wal_size = '8GB'
jit = off
CONF
mkdir -p "$here/results"
out="$here/results/rollups-$(date -u +%Y%m%dT%H%M%SZ).md"

# ms SQL: wall time of one statement in a fresh session, in milliseconds
ms() {
  psql -X -q -At -v ON_ERROR_STOP=1 <<SQL | grep -o 'Time: [0-9.]*' | tail -n 1 | awk '{print $2}'
SET search_path = public, learnalytics;
SET client_min_messages = warning;
\\timing on
$1
SQL
}

echo "== loading $n events"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SELECT setseed(0.42);
CREATE TABLE events (learner_id bigint NOT NULL, ts timestamptz NOT NULL, clicks int, course text, activity text);
INSERT INTO events
SELECT l, '2026-01-01'::timestamptz + (d || ' days')::interval + (h || ' hours')::interval
          + (random() * 3600) * interval '1 second',
       1 + (random() * 4)::int, 'course' || (l % 10), 'act' || (random() * 49)::int
FROM (SELECT (random() * 19999)::bigint AS l, (random() * 179)::int AS d, 8 + (random() * 12)::int AS h
      FROM generate_series(1, $n)) g;
CREATE INDEX ON events (learner_id, ts);
VACUUM ANALYZE events;
SQL
load_build=$(ms "SELECT rollup_create('bench', 'events', weight_column => 'clicks', course_column => 'course', activity_column => 'activity', tz => 'Europe/Paris');")
echo "   rollup_create (first build): $load_build ms"

echo "== inserting $new new events (1%)"
# the same insert without the capture triggers (rows in July, removed again uncaptured): their cost
psql -X -q -c "ALTER TABLE events DISABLE TRIGGER USER"
nocap_ms=$(ms "INSERT INTO events
SELECT l, '2026-07-15 08:00+00'::timestamptz + random() * interval '12 hours',
       1 + (random() * 4)::int, 'course' || (l % 10), 'act' || (random() * 49)::int
FROM (SELECT (random() * 19999)::bigint AS l FROM generate_series(1, $new)) g;")
psql -X -q -c "DELETE FROM events WHERE ts >= '2026-07-15'" -c "ALTER TABLE events ENABLE TRIGGER USER" \
     -c "VACUUM ANALYZE events"
echo "   insert without capture: $nocap_ms ms"
insert_ms=$(ms "INSERT INTO events
SELECT l, CASE WHEN random() < 0.1 THEN '2026-06-29'::timestamptz - random() * interval '30 days'
               ELSE '2026-06-30 08:00+00'::timestamptz + random() * interval '12 hours' END,
       1 + (random() * 4)::int, 'course' || (l % 10), 'act' || (random() * 49)::int
FROM (SELECT (random() * 19999)::bigint AS l FROM generate_series(1, $new)) g;")
echo "   insert (with capture): $insert_ms ms"
psql -X -q -c "VACUUM ANALYZE learnalytics.rollup_delta"
load=$(cut -d' ' -f1-3 /proc/loadavg)
inc_ms=$(ms "SELECT * FROM rollup_refresh('bench');")
echo "   incremental refresh: $inc_ms ms"
psql -X -q -c "CREATE TABLE inc AS SELECT learner, course, day, summary::text AS s FROM learnalytics.rollup_learner_day;
               CREATE TABLE incl AS SELECT learner, course, week, summary::text AS s FROM learnalytics.rollup_learner_week;
               CREATE TABLE incw AS SELECT course, week, summary::text AS s FROM learnalytics.rollup_course_week;
               CREATE TABLE inca AS SELECT course, activity, week, events, weight FROM learnalytics.rollup_activity_week;"
full_ms=$(ms "SELECT * FROM rollup_rebuild('bench');")
echo "   full rebuild: $full_ms ms"
same=$(psql -X -At -c "SELECT
  (SELECT count(*) FROM ((SELECT * FROM inc EXCEPT ALL SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day)
                         UNION ALL (SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day EXCEPT ALL SELECT * FROM inc)) d)
+ (SELECT count(*) FROM ((SELECT * FROM incl EXCEPT ALL SELECT learner, course, week, summary::text FROM learnalytics.rollup_learner_week)
                         UNION ALL (SELECT learner, course, week, summary::text FROM learnalytics.rollup_learner_week EXCEPT ALL SELECT * FROM incl)) d)
+ (SELECT count(*) FROM ((SELECT * FROM incw EXCEPT ALL SELECT course, week, summary::text FROM learnalytics.rollup_course_week)
                         UNION ALL (SELECT course, week, summary::text FROM learnalytics.rollup_course_week EXCEPT ALL SELECT * FROM incw)) d)
+ (SELECT count(*) FROM ((SELECT * FROM inca EXCEPT ALL SELECT course, activity, week, events, weight FROM learnalytics.rollup_activity_week)
                         UNION ALL (SELECT course, activity, week, events, weight FROM learnalytics.rollup_activity_week EXCEPT ALL SELECT * FROM inca)) d)")
rows=$(psql -X -At -c "SELECT (SELECT count(*) FROM learnalytics.rollup_learner_day) || ' learner-days, ' || (SELECT count(*) FROM learnalytics.rollup_learner_week) || ' learner-weeks, ' || (SELECT count(*) FROM learnalytics.rollup_course_week) || ' course-weeks, ' || (SELECT count(*) FROM learnalytics.rollup_activity_week) || ' activity-weeks'")
ratio=$(awk -v a="$inc_ms" -v b="$full_ms" 'BEGIN{printf "%.2f", 100 * a / b}')
{
  echo "# rollups benchmark, $(date -u +%Y-%m-%d), PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), $(nproc) cores, load average before the refresh $load"
  echo
  echo "- source: $n events (20,000 learners, 10 courses, 50 activities, 180 days); rollup: $rows"
  echo "- new events: $new (1%), 90% on the next day, 10% late (up to 30 days old); inserting them with the capture triggers: $insert_ms ms (without: $nocap_ms ms)"
  echo "- incremental refresh: **$inc_ms ms**"
  echo "- full rebuild: **$full_ms ms**"
  echo "- incremental / full = **$ratio%** (target <= 5%)"
  echo "- rows that differ between incremental and full: $same"
  echo "- first build inside rollup_create: $load_build ms"
} | tee "$out"
echo "results written to $out"
[ "$same" = 0 ]
