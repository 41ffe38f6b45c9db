--
-- learner_engagement with several named sources: each refreshed on its own (a refresh replaces only
-- its source's rows), incrementally after a watermark, and the readers merging a learner's sources.
-- Oracles: plain SQL over the activity tables (events, weights, days, sessions by the 30-minute
-- gap), and a full refresh for the incremental one.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\set VERBOSITY default
\set SHOW_CONTEXT never

-- a course's clicks (learners c1..c6, weighted) and a business unit's LMS (c5..c9): c5 and c6 are in
-- both, with events 10 minutes after some of the course's (the same sessions) and on other days
CREATE TABLE src_course (student text, at timestamptz, n int);
CREATE TABLE src_unit (who text, happened timestamptz, w int);
INSERT INTO src_course
SELECT 'c' || l, timestamptz '2025-03-01 09:00+00' + d * interval '1 day' + h * interval '20 minutes', l
FROM generate_series(1, 6) l, generate_series(0, 20) d, generate_series(0, 2) h
WHERE (d + l) % 3 <> 0;
INSERT INTO src_unit
SELECT 'c' || l, timestamptz '2025-03-01 09:10+00' + d * interval '1 day' + h * interval '45 minutes', 10
FROM generate_series(5, 9) l, generate_series(0, 30) d, generate_series(0, 1) h
WHERE (d * l) % 4 = 1;
CREATE INDEX ON src_course (student);
CREATE INDEX ON src_course (at);

-- 1. the OULAD wipe: refreshing the unit after the course keeps the course's summaries
SELECT engagement_refresh('src_course', 'student', 'at', 'n', source_name => 'course') AS course_learners;
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', source_name => 'unit') AS unit_learners;
SELECT source, count(*) AS learners,
       count(*) = CASE source WHEN 'course' THEN (SELECT count(DISTINCT student) FROM src_course)
                              ELSE (SELECT count(DISTINCT who) FROM src_unit) END AS all_of_its_table
FROM learner_engagement GROUP BY source ORDER BY source;
-- each source's summaries are of its own events only
SELECT le.source, bool_and((engagement_info(le.summary)).events = x.events) AS events_of_its_table
FROM learner_engagement le
JOIN (SELECT 'course' AS source, student AS learner, count(*) AS events FROM src_course GROUP BY student
      UNION ALL SELECT 'unit', who, count(*) FROM src_unit GROUP BY who) x USING (source, learner)
GROUP BY le.source ORDER BY le.source;
-- refreshing the course again replaces its rows, never the unit's
SELECT engagement_refresh('src_course', 'student', 'at', 'n', source_name => 'course') AS course_learners;
SELECT source, count(*) FROM learner_engagement GROUP BY source ORDER BY source;
SELECT name, relation, learner_column, ts_column, weight_column, tz, session_gap, learners,
       watermark = CASE name WHEN 'course' THEN (SELECT max(at) FROM src_course) ELSE (SELECT max(happened) FROM src_unit) END
         AS watermark_is_latest_event
FROM engagement_source WHERE name IN ('course', 'unit') ORDER BY name;

-- 2. a learner in both sources: the readers see one summary, the merge of both. Oracle: the union
-- of both tables, per UTC day: events and weight; sessions: an event more than 30 minutes after
-- the learner's previous one (in the union) starts one
CREATE TEMP VIEW both_sources AS
SELECT student AS learner, at AS ts, n AS w FROM src_course UNION ALL SELECT who, happened, w FROM src_unit;
SELECT count(*) AS rows, count(DISTINCT learner) AS learners FROM learnalytics_internal.learner_summary;
WITH oracle AS (
  SELECT learner, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS events, sum(w) AS weight
  FROM both_sources GROUP BY 1, 2),
got AS (
  SELECT s.learner, a.day, a.events, a.weight
  FROM learnalytics_internal.learner_summary s, daily_activity(s.summary, NULL, '2025-04-15') a WHERE a.events > 0)
SELECT (SELECT count(*) FROM oracle) AS oracle_days,
       (SELECT count(*) FROM (SELECT * FROM oracle EXCEPT SELECT * FROM got) x) AS oracle_not_got,
       (SELECT count(*) FROM (SELECT * FROM got EXCEPT SELECT * FROM oracle) x) AS got_not_oracle;
-- the public view says the same (zero-filled through today: the active days compared)
SELECT count(*) AS differing_days FROM (
  (SELECT learner, day, events, weight FROM learner_daily_engagement WHERE events > 0
   EXCEPT SELECT learner, (ts AT TIME ZONE 'UTC')::date, count(*), sum(w) FROM both_sources GROUP BY 1, 2)
  UNION ALL
  (SELECT learner, (ts AT TIME ZONE 'UTC')::date, count(*), sum(w) FROM both_sources GROUP BY 1, 2
   EXCEPT SELECT learner, day, events, weight FROM learner_daily_engagement WHERE events > 0)) x;
-- sessions across sources: c5's and c6's unit events 10 minutes after a course event join its session
WITH ev AS (SELECT learner, ts, lag(ts) OVER (PARTITION BY learner ORDER BY ts) AS prev FROM both_sources),
oracle AS (SELECT learner, count(*) FILTER (WHERE prev IS NULL OR ts - prev > interval '30 minutes') AS sessions
           FROM ev GROUP BY learner)
SELECT o.learner, o.sessions AS oracle_sessions, (engagement_info(s.summary)).sessions AS merged_sessions,
       (SELECT sum((engagement_info(le.summary)).sessions) FROM learner_engagement le WHERE le.learner = o.learner)
         AS sum_of_sources
FROM oracle o JOIN learnalytics_internal.learner_summary s USING (learner)
WHERE o.learner IN ('c1', 'c5', 'c6', 'c9') ORDER BY o.learner;
-- a learner of one source: the merged summary is the row itself (no merge)
SELECT count(*) AS single_source_learners, bool_and(s.summary::text = le.summary::text) AS unchanged
FROM learnalytics_internal.learner_summary s JOIN learner_engagement le USING (learner)
WHERE (SELECT count(*) FROM learner_engagement o WHERE o.learner = s.learner) = 1;
-- the state views and rules read the merged summary: one row per learner; c5's last course event
-- is on Mar 21, its unit events go on until Mar 30, so as of Mar 31 it is not inactive for 7 days
SELECT count(*) AS state_rows, count(DISTINCT learner) AS learners FROM learner_engagement_state;
SELECT max(at)::date AS c5_last_course_event FROM src_course WHERE student = 'c5';
SELECT max(happened)::date AS c5_last_unit_event FROM src_unit WHERE who = 'c5';
INSERT INTO enrolment (learner, course, cohort, enrolled_at, business_weight)
SELECT 'c' || l, 'src16', 'k', '2025-02-01', 1 FROM generate_series(1, 9) l;
SELECT learner, value AS idle_days FROM rule_matches('inactivity', '2025-03-31') WHERE course = 'src16' ORDER BY learner;
-- oracle: idle = Mar 31 - the last active day in the union (or the day before enrolling, Jan 31,
-- for c8, who has no event), for those idle >= 7 days
SELECT 'c' || l AS learner, date '2025-03-31' - greatest(date '2025-01-31', max(b.ts)::date) AS idle_days
FROM generate_series(1, 9) l LEFT JOIN both_sources b ON b.learner = 'c' || l GROUP BY l
HAVING date '2025-03-31' - greatest(date '2025-01-31', max(b.ts)::date) >= 7 ORDER BY 1;
DELETE FROM enrolment WHERE course = 'src16';

-- 3. incremental: only the learners with events after the watermark are rebuilt
CREATE TEMP TABLE before_incremental AS SELECT * FROM learner_engagement;
SELECT engagement_refresh(source_name => 'course', incremental => true) AS nothing_new;
INSERT INTO src_course VALUES ('c2', '2025-03-25 08:00+00', 2), ('c2', '2025-03-25 08:05+00', 2),
                              ('c10', '2025-03-26 08:00+00', 7);
SELECT engagement_refresh(source_name => 'course', incremental => true) AS rebuilt;
-- rebuilt: c2 and the new c10; every other row untouched (same refreshed_at, same summary)
SELECT source, learner, b.learner IS NULL AS new_row
FROM learner_engagement le LEFT JOIN before_incremental b USING (source, learner)
WHERE b.learner IS NULL OR b.refreshed_at <> le.refreshed_at OR b.summary::text <> le.summary::text
ORDER BY source, learner;
SELECT watermark = timestamptz '2025-03-26 08:00+00' AS watermark_moved, learners FROM engagement_source WHERE name = 'course';
-- equal to a full refresh, both ways
CREATE TEMP TABLE after_incremental AS SELECT source, learner, summary::text AS summary FROM learner_engagement;
SELECT engagement_refresh('src_course', 'student', 'at', 'n', source_name => 'course') AS full_refresh;
SELECT (SELECT count(*) FROM (SELECT * FROM after_incremental
                              EXCEPT SELECT source, learner, summary::text FROM learner_engagement) x) AS incremental_not_full,
       (SELECT count(*) FROM (SELECT source, learner, summary::text FROM learner_engagement
                              EXCEPT SELECT * FROM after_incremental) x) AS full_not_incremental;
-- what incremental cannot see: an event inserted later with a time before the watermark (c3 on
-- Mar 2). The next incremental refresh misses it, unless the learner also has a new event; a full
-- refresh (or an incremental one after it) catches it
INSERT INTO src_course VALUES ('c3', '2025-03-02 23:00+00', 5);
SELECT engagement_refresh(source_name => 'course', incremental => true) AS late_event_missed;
SELECT (engagement_info(summary)).events = (SELECT count(*) FROM src_course WHERE student = 'c3') AS c3_up_to_date
FROM learner_engagement WHERE source = 'course' AND learner = 'c3';
INSERT INTO src_course VALUES ('c3', '2025-03-27 08:00+00', 5);
SELECT engagement_refresh(source_name => 'course', incremental => true) AS rebuilt;
SELECT (engagement_info(summary)).events = (SELECT count(*) FROM src_course WHERE student = 'c3') AS c3_up_to_date
FROM learner_engagement WHERE source = 'course' AND learner = 'c3';
-- a first incremental refresh of a new source is a full one
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', source_name => 'unit copy', incremental => true) AS first_incremental;
SELECT count(*) AS rows_of_unit_copy FROM learner_engagement WHERE source = 'unit copy';
-- the merged view now sees unit events twice for c5..c9 (two sources of the same table): sources
-- must be disjoint sets of events, the merge adds them
SELECT (engagement_info(summary)).events = 2 * (SELECT count(*) FROM src_unit WHERE who = 'c9') AS c9_counted_twice
FROM learnalytics_internal.learner_summary WHERE learner = 'c9';
DELETE FROM learner_engagement WHERE source = 'unit copy';
DELETE FROM engagement_source WHERE name = 'unit copy';

-- 4. the job kind: by name, incrementally
SELECT job_execute_once('engagement_refresh', '{"source_name": "course", "incremental": true}');
INSERT INTO src_course VALUES ('c4', '2025-03-28 08:00+00', 1);
SELECT job_execute_once('engagement_refresh', '{"source_name": "course", "incremental": true}');
SELECT job_execute_once('engagement_refresh', '{"source": "public.src_unit", "learner_column": "who", "ts_column": "happened", "weight_column": "w", "source_name": "unit"}');
SELECT job_execute_once('engagement_refresh', '{"source_name": "nowhere"}');
SELECT job_execute_once('engagement_refresh', '{"source_name": "course", "incremental": "yes"}');
SELECT job_execute_once('engagement_refresh', '{}');

-- 5. errors; none of them changes a row
CREATE TEMP TABLE before_errors AS SELECT source, learner, summary::text AS summary, refreshed_at FROM learner_engagement;
SELECT engagement_refresh(source_name => 'nowhere', incremental => true);   -- unknown source name
SELECT engagement_refresh(source_name => 'nowhere');
-- a learner's sources must share the time zone (and the gap): c5..c9 are in the course's in UTC
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', 'Europe/Paris', source_name => 'unit');
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', 'UTC', '1 hour', source_name => 'unit');
-- by name, an argument must agree with the registered definition; a changed definition is a full refresh
SELECT engagement_refresh(tz => 'Europe/Paris', source_name => 'course', incremental => true);
SELECT engagement_refresh('src_unit', 'who', 'happened', source_name => 'unit', incremental => true);
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', source_name => ' ');
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', source_name => NULL);
SELECT engagement_refresh('src_unit', 'who', 'happened', 'w', 'CEST', source_name => 'unit');
SELECT engagement_refresh('src_unit', 'who', 'nothing', source_name => 'unit');
SELECT (SELECT count(*) FROM (SELECT * FROM before_errors EXCEPT SELECT source, learner, summary::text, refreshed_at FROM learner_engagement) x)
     + (SELECT count(*) FROM (SELECT source, learner, summary::text, refreshed_at FROM learner_engagement EXCEPT SELECT * FROM before_errors) x)
       AS rows_changed_by_errors;
-- a source whose relation was dropped
CREATE TABLE src_gone (learner_id text, ts timestamptz);
SELECT engagement_refresh('src_gone', source_name => 'gone') AS learners;
DROP TABLE src_gone;
SELECT engagement_refresh(source_name => 'gone', incremental => true);
DELETE FROM engagement_source WHERE name = 'gone';
-- rows written by hand with another time zone: the readers' merge refuses clearly
BEGIN;
INSERT INTO learner_engagement (source, learner, summary)
SELECT 'by hand', 'c1', la_engagement_agg('c1', timestamptz '2025-03-01 10:00+00', 1::bigint, 'Europe/Paris', '30 minutes');
SELECT count(*) FROM learner_engagement_state;
ROLLBACK;

-- 6. privileges: the admin refreshes, analysts read the sources, viewers neither
SELECT r AS role, has_function_privilege(r, 'engagement_refresh(regclass, name, name, name, text, interval, text, boolean, boolean)', 'EXECUTE') AS can_refresh,
       has_table_privilege(r, 'engagement_source', 'SELECT') AS reads_sources,
       has_table_privilege(r, 'engagement_source', 'INSERT') AS writes_sources
FROM unnest(ARRAY['learnalytics_viewer', 'learnalytics_analyst', 'learnalytics_admin']) r;
SET ROLE learnalytics_analyst;
SELECT count(*) AS merged_rows_as_analyst FROM learner_daily_engagement WHERE day <= '2025-04-15' AND events > 0;
RESET ROLE;

DELETE FROM learner_engagement;
DELETE FROM engagement_source WHERE name IN ('course', 'unit');
DROP VIEW both_sources;
DROP TABLE src_course, src_unit, before_incremental, after_incremental, before_errors;
