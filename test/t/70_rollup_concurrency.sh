#!/usr/bin/env bash
# Rollup refreshes running while writers insert, update and delete (some in transactions that roll
# back): afterwards the incrementally refreshed rollup equals a full rebuild, row for row
# (summary::text). Also: a partitioned source, and two refreshes of one rollup at once.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
db=$LA_DB
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_rollup_conc.XXXXXX")
drop_all() {
  psql -X -q -d "$db" >/dev/null 2>&1 <<'SQL'
SELECT learnalytics.rollup_drop(name) FROM learnalytics.rollup WHERE name IN ('conc_inc', 'conc_full');
DROP SCHEMA IF EXISTS rollup_conc CASCADE;
SQL
}
la_t_cleanup_add drop_all
la_t_cleanup_add rm -rf "$work"

psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL' || exit 1
CREATE SCHEMA rollup_conc;
-- partitioned by month: the capture triggers live on the parent
CREATE TABLE rollup_conc.ev (id bigserial, learner_id int, ts timestamptz NOT NULL, w int, course text)
  PARTITION BY RANGE (ts);
CREATE TABLE rollup_conc.ev_03 PARTITION OF rollup_conc.ev FOR VALUES FROM ('2026-03-01') TO ('2026-04-01');
CREATE TABLE rollup_conc.ev_04 PARTITION OF rollup_conc.ev FOR VALUES FROM ('2026-04-01') TO ('2026-05-01');
CREATE INDEX ON rollup_conc.ev (learner_id, ts);
INSERT INTO rollup_conc.ev (learner_id, ts, w, course)
SELECT (random() * 50)::int, '2026-03-01'::timestamptz + random() * interval '60 days', (random() * 3)::int,
       'c' || (random() * 2)::int
FROM generate_series(1, 5000);
SELECT learnalytics.rollup_create('conc_inc', 'rollup_conc.ev', weight_column => 'w', course_column => 'course',
                                  tz => 'America/New_York');
SELECT learnalytics.rollup_create('conc_full', 'rollup_conc.ev', weight_column => 'w', course_column => 'course',
                                  tz => 'America/New_York', build => false);
SQL

# writer N: 60 transactions of inserts (some late), deletes and updates; every fifth rolls back
writer() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work/writer$1.log" 2>&1 <<SQL
SELECT setseed(0.$1);
DO \$\$
DECLARE i int;
BEGIN
  FOR i IN 1..60 LOOP
    BEGIN
      INSERT INTO rollup_conc.ev (learner_id, ts, w, course)
      SELECT (random() * 55)::int, '2026-03-01'::timestamptz + random() * interval '60 days', (random() * 3)::int,
             'c' || (random() * 2)::int
      FROM generate_series(1, 20);
      DELETE FROM rollup_conc.ev WHERE id IN (SELECT id FROM rollup_conc.ev ORDER BY random() LIMIT 3);
      UPDATE rollup_conc.ev SET ts = ts + interval '20 hours' WHERE id IN (SELECT id FROM rollup_conc.ev WHERE ts < '2026-04-25' ORDER BY random() LIMIT 2);
      IF i % 5 = 0 THEN
        RAISE EXCEPTION 'roll back';
      END IF;
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
}
# refresher: refreshes in a loop while the writers run
refresher() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work/refresher$1.log" 2>&1 <<'SQL'
DO $$
DECLARE i int;
BEGIN
  FOR i IN 1..40 LOOP
    PERFORM learnalytics.rollup_refresh('conc_inc');
    COMMIT;
    PERFORM pg_sleep(0.02);
  END LOOP;
END
$$;
SQL
}

writer 1 & p1=$!
writer 2 & p2=$!
writer 3 & p3=$!
refresher 1 & r1=$!
refresher 2 & r2=$!
fail=0
for p in $p1 $p2 $p3 $r1 $r2; do wait $p || fail=1; done
if [ $fail -ne 0 ]; then
  echo "a session failed:"; cat "$work"/*.log; exit 1
fi

out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
SELECT count(*) > 0 FROM learnalytics.rollup_delta WHERE rollup = 'conc_inc';
SELECT (learnalytics.rollup_refresh('conc_inc')).changes >= 0;
SELECT learnalytics.rollup_rebuild('conc_full') IS NOT NULL;
SELECT count(*) FROM (
  (SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day WHERE rollup = 'conc_inc'
   EXCEPT ALL SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day WHERE rollup = 'conc_full')
  UNION ALL
  (SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day WHERE rollup = 'conc_full'
   EXCEPT ALL SELECT learner, course, day, summary::text FROM learnalytics.rollup_learner_day WHERE rollup = 'conc_inc')
  UNION ALL
  (SELECT learner, course, week::date, summary::text FROM learnalytics.rollup_learner_week WHERE rollup = 'conc_inc'
   EXCEPT ALL SELECT learner, course, week, summary::text FROM learnalytics.rollup_learner_week WHERE rollup = 'conc_full')
  UNION ALL
  (SELECT learner, course, week, summary::text FROM learnalytics.rollup_learner_week WHERE rollup = 'conc_full'
   EXCEPT ALL SELECT learner, course, week, summary::text FROM learnalytics.rollup_learner_week WHERE rollup = 'conc_inc')
  UNION ALL
  (SELECT '', course, week, summary::text FROM learnalytics.rollup_course_week WHERE rollup = 'conc_inc'
   EXCEPT ALL SELECT '', course, week, summary::text FROM learnalytics.rollup_course_week WHERE rollup = 'conc_full')
  UNION ALL
  (SELECT '', course, week, summary::text FROM learnalytics.rollup_course_week WHERE rollup = 'conc_full'
   EXCEPT ALL SELECT '', course, week, summary::text FROM learnalytics.rollup_course_week WHERE rollup = 'conc_inc')) d;
SELECT count(*) FROM learnalytics.rollup_learner_day WHERE rollup = 'conc_inc';
SQL
) || { echo "final comparison failed: $out"; exit 1; }
echo "$out"
diffs=$(sed -n 4p <<<"$out"); rows=$(sed -n 5p <<<"$out")
if [ "$diffs" != 0 ]; then
  echo "incremental and full rollups differ in $diffs rows"; exit 1
fi
if [ "${rows:-0}" -lt 1000 ]; then
  echo "too few learner-day rows ($rows): the test did not test much"; exit 1
fi
echo "ok: incremental == full after concurrent writers and refreshers ($rows learner-days)"
