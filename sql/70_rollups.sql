--
-- rollups: incremental refresh gives exactly what a full rebuild gives, after rounds of random
-- inserts, late events, deletes and updates
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;
SELECT setseed(0.7);

CREATE TABLE rollup_ev (id bigserial PRIMARY KEY, learner_id bigint, ts timestamptz, clicks int,
                        course text, activity text);
CREATE INDEX ON rollup_ev (learner_id, ts);
INSERT INTO rollup_ev (learner_id, ts, clicks, course, activity)
SELECT (random() * 40)::int, '2026-03-01'::timestamptz + random() * interval '70 days',
       (random() * 5)::int, 'c' || (random() * 3)::int, 'a' || (random() * 5)::int
FROM generate_series(1, 6000);
-- a few sessions across midnight in the rollup's zone, NULL courses, activities and learners
INSERT INTO rollup_ev (learner_id, ts, clicks, course, activity)
SELECT 7, '2026-03-10 22:50+00'::timestamptz + g * interval '10 minutes', 1, 'c1', NULL FROM generate_series(0, 6) g;
INSERT INTO rollup_ev (learner_id, ts, clicks, course, activity) VALUES
  (8, '2026-03-11 10:00+00', NULL, NULL, 'a1'), (NULL, '2026-03-11 10:00+00', 1, 'c1', 'a1'),
  (9, NULL, 1, 'c1', 'a1');

-- two rollups of the same table: r_inc is refreshed incrementally, r_full rebuilt from scratch
SELECT rollup_create('r_inc', 'rollup_ev', weight_column => 'clicks', course_column => 'course',
                     activity_column => 'activity', tz => 'Europe/Paris');
SELECT rollup_create('r_full', 'rollup_ev', weight_column => 'clicks', course_column => 'course',
                     activity_column => 'activity', tz => 'Europe/Paris', build => false);
SELECT tgname FROM pg_trigger WHERE tgrelid = 'rollup_ev'::regclass ORDER BY 1;

-- rows of one rollup table that r_inc and r_full do not share (both ways)
CREATE FUNCTION pg_temp.rollup_table_diff(tab text, cols text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM (
                    (SELECT %2$s FROM %1$I WHERE rollup = ''r_inc'' EXCEPT ALL SELECT %2$s FROM %1$I WHERE rollup = ''r_full'')
                    UNION ALL
                    (SELECT %2$s FROM %1$I WHERE rollup = ''r_full'' EXCEPT ALL SELECT %2$s FROM %1$I WHERE rollup = ''r_inc'')) d',
                 tab, cols) INTO n;
  RETURN n;
END
$$;
CREATE FUNCTION pg_temp.rollup_diff(OUT learner_days bigint, OUT learner_weeks bigint, OUT course_weeks bigint,
                                    OUT activity_weeks bigint, OUT learners_vs_source bigint)
LANGUAGE sql AS $$
  SELECT pg_temp.rollup_table_diff('rollup_learner_day', 'learner, course, day, summary::text'),
         pg_temp.rollup_table_diff('rollup_learner_week', 'learner, course, week, summary::text'),
         pg_temp.rollup_table_diff('rollup_course_week', 'course, week, summary::text'),
         pg_temp.rollup_table_diff('rollup_activity_week', 'course, activity, week, events, weight'),
   -- each learner's day rows, rolled up, are the summary of all their events of the course
   (SELECT count(*) FROM (
      (SELECT learner, course, la_merge_agg(summary)::text FROM rollup_learner_day
        WHERE rollup = 'r_inc' GROUP BY 1, 2
       EXCEPT ALL
       SELECT learner_id::text, coalesce(course, ''),
              la_engagement_agg(learner_id::text, ts, clicks::bigint, 'Europe/Paris', '30 minutes')::text
         FROM rollup_ev WHERE learner_id IS NOT NULL AND ts IS NOT NULL GROUP BY 1, 2)) d)
$$;

-- rounds: new events (a third of them late, weeks old), deletes, updates of time, learner and course
DO $$
DECLARE
  round int;
  d record;
  f record;
BEGIN
  FOR round IN 1..4 LOOP
    INSERT INTO rollup_ev (learner_id, ts, clicks, course, activity)
    SELECT (random() * 45)::int,
           CASE WHEN random() < 0.33 THEN '2026-03-01'::timestamptz + random() * interval '70 days'
                ELSE '2026-05-10'::timestamptz + round * interval '1 day' + random() * interval '1 day' END,
           (random() * 5)::int, 'c' || (random() * 3)::int, 'a' || (random() * 5)::int
    FROM generate_series(1, 150);
    DELETE FROM rollup_ev WHERE random() < 0.01;
    UPDATE rollup_ev SET ts = ts + interval '5 hours' WHERE random() < 0.01;
    UPDATE rollup_ev SET learner_id = learner_id + 1, course = 'c9' WHERE random() < 0.005;
    UPDATE rollup_ev SET clicks = clicks + 1 WHERE random() < 0.005;
    -- several statements between refreshes, and one refresh that finds nothing new
    SELECT * INTO f FROM rollup_refresh('r_inc');
    IF f.changes = 0 OR f.learner_days_recomputed = 0 OR f.learner_days_merged = 0 THEN
      RAISE EXCEPTION 'round %: refresh did not see the changes: %', round, f;
    END IF;
    SELECT * INTO f FROM rollup_refresh('r_inc');
    IF f.changes <> 0 THEN RAISE EXCEPTION 'second refresh found %', f; END IF;
    PERFORM rollup_rebuild('r_full');
    SELECT * INTO d FROM pg_temp.rollup_diff();
    RAISE WARNING 'round %: differences %', round, d;
  END LOOP;
END
$$;
-- the comparison is able to fail: one day's events counted twice
BEGIN;
UPDATE rollup_learner_day SET summary = learnalytics_internal.la_engagement_merge(summary, summary)
WHERE ctid = (SELECT ctid FROM rollup_learner_day WHERE rollup = 'r_inc' ORDER BY learner, course, day LIMIT 1);
SELECT * FROM pg_temp.rollup_diff();
ROLLBACK;
SELECT count(*) AS pending FROM rollup_delta;
SELECT name, watermark > 0 AS watermark_moved, refreshed_at IS NOT NULL AS refreshed,
       rebuilt_at IS NOT NULL AS rebuilt
FROM rollup ORDER BY name;
-- the data has what the rounds meant to test
SELECT count(*) > 100 AS learner_days, count(DISTINCT course) AS courses FROM rollup_learner_day WHERE rollup = 'r_inc';
SELECT sum(events) = (SELECT count(*) FROM rollup_ev WHERE learner_id IS NOT NULL AND ts IS NOT NULL) AS heatmap_counts_all
FROM rollup_activity_week WHERE rollup = 'r_inc';

-- a session across midnight (Paris) is in both days' rows and merges back into one session
SELECT day, (engagement_info(summary)).sessions, (engagement_info(summary)).events
FROM rollup_learner_day WHERE rollup = 'r_inc' AND learner = '7' AND day BETWEEN '2026-03-10' AND '2026-03-11'
  AND course = 'c1' ORDER BY day;

-- TRUNCATE empties the rollups of the table
BEGIN;
TRUNCATE rollup_ev;
SELECT (SELECT count(*) FROM rollup_learner_day) + (SELECT count(*) FROM rollup_course_week)
     + (SELECT count(*) FROM rollup_learner_week) + (SELECT count(*) FROM rollup_activity_week) + (SELECT count(*) FROM rollup_delta) AS rows_left;
ROLLBACK;

-- a text learner key, no course or activity column, default zone
CREATE TABLE rollup_ev2 (who text, at timestamptz);
INSERT INTO rollup_ev2 VALUES ('ana', '2026-03-02 10:00+00'), ('ana', '2026-03-02 10:10+00'), ('bo', '2026-03-03 09:00+00');
SELECT rollup_create('r_text', 'rollup_ev2', learner_column => 'who', ts_column => 'at');
INSERT INTO rollup_ev2 VALUES ('ana', '2026-03-02 10:20+00'), ('cy', '2026-03-04 08:00+00');
DELETE FROM rollup_ev2 WHERE who = 'bo';
SELECT * FROM rollup_refresh('r_text');
SELECT learner, course, day, (engagement_info(summary)).events, (engagement_info(summary)).sessions
FROM rollup_learner_day WHERE rollup = 'r_text' ORDER BY 1, 3;
SELECT course, week, (engagement_info(summary)).learners, (engagement_info(summary)).events
FROM rollup_course_week WHERE rollup = 'r_text' ORDER BY 2;
SELECT count(*) AS heatmap_rows FROM rollup_activity_week WHERE rollup = 'r_text';
SELECT rollup, changes FROM rollup_refresh_all();

-- a rollup whose table was dropped can still be dropped
CREATE TABLE rollup_gone (learner_id int, ts timestamptz);
SELECT rollup_create('r_gone', 'rollup_gone');
DROP TABLE rollup_gone;
SELECT rollup_drop('r_gone');

-- errors
\set VERBOSITY default
SELECT rollup_refresh('nope');
SELECT rollup_create('Bad Name', 'rollup_ev2', 'who', 'at');
SELECT rollup_create('r_text', 'rollup_ev2', 'who', 'at');
SELECT rollup_create('r_x', 'rollup_ev2', 'who', 'nope');
SELECT rollup_create('r_x', 'rollup_ev2', 'at', 'who');
SELECT rollup_create('r_x', 'rollup_ev2', 'who', 'at', weight_column => 'who');
SELECT rollup_create('r_x', 'rollup_ev2', 'who', 'at', tz => 'Mars/Olympus');
CREATE VIEW rollup_ev2_v AS SELECT * FROM rollup_ev2;
SELECT rollup_create('r_x', 'rollup_ev2_v', 'who', 'at');
\set VERBOSITY terse

-- dropping the rollups removes their rows and, with the last one, the triggers
SELECT rollup_drop('r_inc');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'rollup_ev'::regclass AND tgname LIKE 'learnalytics%';
SELECT rollup_drop('r_full');
SELECT rollup_drop('r_text');
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'learnalytics_rollup%';
SELECT (SELECT count(*) FROM rollup) + (SELECT count(*) FROM rollup_learner_day) + (SELECT count(*) FROM rollup_delta) AS rows_left;
DROP VIEW rollup_ev2_v;
DROP TABLE rollup_ev, rollup_ev2;
