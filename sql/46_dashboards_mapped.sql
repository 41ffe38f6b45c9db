--
-- dashboards through the learning-data mapping: learner_risk_state, course_dropout_funnel,
-- weekly_course_outcomes and weekly_executive_metrics read enrolments and module progress from
-- warehouse tables an admin mapped in learning_source, exactly as from the built-in tables; the
-- weeks are a calendar (quiet weeks present, with 0 in their own counts); a manager sees only its
-- learners, and needs SELECT on the warehouse tables (a clear error without it).
--
-- One course c1, 6 learners; org unit north = l1, l2, l5 (managed by la_dm_manager), south = l3,
-- l4, l6. Weeks (Mondays, UTC) from 2026-03-02:
--   l1 enrolled 03-02, completes m1 and m2 (last activity 03-18: week 03-16)
--   l2 enrolled 03-02, m1 at 0.6 (30% of the course), leaves 04-08 (week 04-06)
--   l3 enrolled 03-03, m1 done (50%)
--   l4 enrolled 03-10, never starts
--   l5 enrolled 03-10, m1 at 0.2 (10%), leaves 03-12 (week 03-09)
--   l6 enrolled 04-01 (week 03-30), m2 at 0.5 (25%)
-- Nothing happens in the weeks of 03-23 and 04-13.
--
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET jit = off;
CREATE ROLE la_dm_manager LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_dm_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_dm_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_dm_owner;   -- owns a warehouse table (not a superuser)
INSERT INTO learner_org_unit VALUES ('l1', 'north'), ('l2', 'north'), ('l5', 'north'),
  ('l3', 'south'), ('l4', 'south'), ('l6', 'south');
INSERT INTO org_unit_manager VALUES ('la_dm_manager', 'north');

INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('l1', 'c1', 'spring', '2026-03-02 09:00+00', NULL),
  ('l2', 'c1', 'spring', '2026-03-02 09:00+00', '2026-04-08 09:00+00'),
  ('l3', 'c1', 'spring', '2026-03-03 09:00+00', NULL),
  ('l4', 'c1', 'spring', '2026-03-10 09:00+00', NULL),
  ('l5', 'c1', 'spring', '2026-03-10 09:00+00', '2026-03-12 09:00+00'),
  ('l6', 'c1', 'late', '2026-04-01 09:00+00', NULL);
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'l1', 'm1', '2026-03-02 10:00+00', 1, '2026-03-05 10:00+00'),
  ('c1', 'l1', 'm2', '2026-03-06 10:00+00', 1, '2026-03-18 10:00+00'),
  ('c1', 'l2', 'm1', '2026-03-02 10:00+00', 0.6, '2026-03-15 10:00+00'),
  ('c1', 'l3', 'm1', '2026-03-04 10:00+00', 1, '2026-03-11 10:00+00'),
  ('c1', 'l5', 'm1', '2026-03-10 10:00+00', 0.2, '2026-03-11 10:00+00'),
  ('c1', 'l6', 'm2', '2026-04-02 10:00+00', 0.5, NULL);
-- open alerts for learner_risk_state: l2 waits for a coach, l3 has a low dip
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score)
VALUES
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'l2', 'c1', 'coach_required', 'high', '2026-03-17',
   '2026-03-19', NULL, NULL, NULL, 5, 4.2),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'l3', 'c1', 'open', 'low', '2026-03-16',
   '2026-03-17', 0, 2.5, 0, 2, 1.5);

-- What the four views show on the built-in tables, for everyone (superuser) and for the manager,
-- taken in one transaction with the mapped reads below (now(), which ends the weekly calendar, is
-- the same for both). The manager reads the built-in case without any grant.
CREATE SCHEMA dm;
GRANT USAGE ON SCHEMA dm TO la_dm_manager;
BEGIN;
CREATE TABLE dm.b_risk AS SELECT * FROM learner_risk_state;
CREATE TABLE dm.b_funnel AS SELECT * FROM course_dropout_funnel;
CREATE TABLE dm.b_weekly AS SELECT * FROM weekly_course_outcomes;
CREATE TABLE dm.b_exec AS SELECT * FROM weekly_executive_metrics;
CREATE TABLE dm.m_risk AS SELECT * FROM learner_risk_state WITH NO DATA;
CREATE TABLE dm.m_funnel AS SELECT * FROM course_dropout_funnel WITH NO DATA;
CREATE TABLE dm.m_weekly AS SELECT * FROM weekly_course_outcomes WITH NO DATA;
CREATE TABLE dm.m_exec AS SELECT * FROM weekly_executive_metrics WITH NO DATA;
GRANT SELECT, INSERT ON dm.b_risk, dm.b_funnel, dm.b_weekly, dm.b_exec,
                        dm.m_risk, dm.m_funnel, dm.m_weekly, dm.m_exec TO la_dm_manager;
SET ROLE la_dm_manager;
INSERT INTO dm.m_risk SELECT * FROM learner_risk_state;
INSERT INTO dm.m_funnel SELECT * FROM course_dropout_funnel;
INSERT INTO dm.m_weekly SELECT * FROM weekly_course_outcomes;
INSERT INTO dm.m_exec SELECT * FROM weekly_executive_metrics;
RESET ROLE;
SELECT (SELECT count(*) FROM dm.b_risk) AS risk_rows, (SELECT count(*) FROM dm.m_risk) AS manager_risk_rows,
       (SELECT count(*) FROM dm.b_weekly WHERE week <= '2026-04-13') AS weekly_rows_to_0413;

-- The warehouse: the same rows under other column names (no business weight: it reads as 1)
CREATE SCHEMA wh;
CREATE TABLE wh.enrol (uid text, course_code varchar(10), grp text, start_ts timestamptz, end_ts timestamptz);
INSERT INTO wh.enrol SELECT learner, course, cohort, enrolled_at, left_at FROM enrolment;
CREATE TABLE wh.progress (course_code text, uid text, unit text, began timestamptz, pct numeric, last_seen timestamptz);
INSERT INTO wh.progress SELECT course, learner, module, started_at, progress, last_activity_at FROM module_progress;
INSERT INTO learning_source (kind, relation, columns) VALUES
  ('enrolment', 'wh.enrol', '{"learner": "uid", "course": "course_code", "cohort": "grp",
                              "enrolled_at": "start_ts", "left_at": "end_ts"}'),
  ('module_progress', 'wh.progress', '{"learner": "uid", "course": "course_code", "module": "unit",
                                       "started_at": "began", "progress": "pct", "last_activity_at": "last_seen"}');
-- the built-in tables are emptied: whatever the views show now comes through the mapping
DELETE FROM module_progress;
DELETE FROM enrolment;

-- each view on the warehouse equals the view on the built-in tables, every row up to the current
-- week (rows only on one side: 0; rows: the weekly views' up to 2026-04-13, the rest depend on today)
SELECT v.view, v.n AS rows, v.only_mapped, v.only_builtin
FROM (
  SELECT 'learner_risk_state' AS view, (SELECT count(*) FROM learner_risk_state) AS n,
         (SELECT count(*) FROM (SELECT * FROM learner_risk_state EXCEPT ALL SELECT * FROM dm.b_risk) x) AS only_mapped,
         (SELECT count(*) FROM (SELECT * FROM dm.b_risk EXCEPT ALL SELECT * FROM learner_risk_state) x) AS only_builtin
  UNION ALL
  SELECT 'course_dropout_funnel', (SELECT count(*) FROM course_dropout_funnel),
         (SELECT count(*) FROM (SELECT * FROM course_dropout_funnel EXCEPT ALL SELECT * FROM dm.b_funnel) x),
         (SELECT count(*) FROM (SELECT * FROM dm.b_funnel EXCEPT ALL SELECT * FROM course_dropout_funnel) x)
  UNION ALL
  SELECT 'weekly_course_outcomes', (SELECT count(*) FROM weekly_course_outcomes WHERE week <= '2026-04-13'),
         (SELECT count(*) FROM (SELECT * FROM weekly_course_outcomes EXCEPT ALL SELECT * FROM dm.b_weekly) x),
         (SELECT count(*) FROM (SELECT * FROM dm.b_weekly EXCEPT ALL SELECT * FROM weekly_course_outcomes) x)
  UNION ALL
  SELECT 'weekly_executive_metrics', (SELECT count(*) FROM weekly_executive_metrics WHERE week <= '2026-04-13'),
         (SELECT count(*) FROM (SELECT * FROM weekly_executive_metrics EXCEPT ALL SELECT * FROM dm.b_exec) x),
         (SELECT count(*) FROM (SELECT * FROM dm.b_exec EXCEPT ALL SELECT * FROM weekly_executive_metrics) x)
) v;
COMMIT;

-- The numbers, by hand.
-- risk: l2 has the coach case (but has left: 'left'), l3 the low dip, l5 left, the others ok
SELECT learner, course, cohort, risk, open_alerts, coach_required, max_risk_score, reason
FROM learner_risk_state ORDER BY learner;
-- funnel: enrolled 6; started 5 (not l4); >= 20%: l1 (100%), l2 (30%), l3 (50%), l6 (25%);
-- >= 50%: l1, l3; completed l1; dropped l2 and l5 (left before completing): 2/6 = 33.3%
SELECT * FROM course_dropout_funnel;
-- weekly, a calendar: 7 weeks from 03-02 to 04-13, the quiet weeks 03-23 and 04-13 present with 0
-- in their own counts; dropout by the end of each week: 0/3, 1/5 (l5), 1/5, 1/5, 1/6 (l6 enrols),
-- 2/6 (l2 leaves), 2/6; the change against the previous calendar week: NULL, +20.0, 0.0, 0.0,
-- 16.7 - 20.0 = -3.3, 33.3 - 16.7 = +16.6, 0.0; completed l1 in the week of 03-16
SELECT week, enrolled, completed, dropped, completion_pct, dropout_pct, dropout_pct_change,
       enrolled_in_week, completed_in_week, dropped_in_week
FROM weekly_course_outcomes WHERE week <= '2026-04-13' ORDER BY week;
-- the calendar has no hole up to the current week, and the running counts are the sums of the
-- week's own counts (every week, not only up to 04-13)
SELECT count(*) FILTER (WHERE week - prev <> 7) AS holes,
       min(week) AS first_week, max(week) = date_trunc('week', now())::date AS ends_this_week,
       count(*) FILTER (WHERE enrolled <> run_enrolled OR completed <> run_completed OR dropped <> run_dropped)
         AS running_sum_mismatches
FROM (SELECT week, lag(week) OVER (ORDER BY week) AS prev, enrolled, completed, dropped,
             sum(enrolled_in_week) OVER (ORDER BY week) AS run_enrolled,
             sum(completed_in_week) OVER (ORDER BY week) AS run_completed,
             sum(dropped_in_week) OVER (ORDER BY week) AS run_dropped
      FROM weekly_course_outcomes WHERE course = 'c1') w;
-- the executive view carries the same weeks
SELECT week, dropout_pct, dropout_pct_change, enrolled_in_week, dropped_in_week
FROM weekly_executive_metrics WHERE week BETWEEN '2026-03-23' AND '2026-04-06' ORDER BY week;

-- A manager, with SELECT on the warehouse tables granted to the viewer role (as doc/dashboards.md
-- tells the DBA), sees only north's learners, exactly as on the built-in tables.
GRANT USAGE ON SCHEMA wh TO learnalytics_viewer;
GRANT SELECT ON wh.enrol, wh.progress TO learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT v.view, v.n AS rows, v.only_mapped, v.only_builtin
FROM (
  SELECT 'learner_risk_state' AS view, (SELECT count(*) FROM learner_risk_state) AS n,
         (SELECT count(*) FROM (SELECT * FROM learner_risk_state EXCEPT ALL SELECT * FROM dm.m_risk) x) AS only_mapped,
         (SELECT count(*) FROM (SELECT * FROM dm.m_risk EXCEPT ALL SELECT * FROM learner_risk_state) x) AS only_builtin
  UNION ALL
  SELECT 'course_dropout_funnel', (SELECT count(*) FROM course_dropout_funnel),
         (SELECT count(*) FROM (SELECT * FROM course_dropout_funnel EXCEPT ALL SELECT * FROM dm.m_funnel) x),
         (SELECT count(*) FROM (SELECT * FROM dm.m_funnel EXCEPT ALL SELECT * FROM course_dropout_funnel) x)
  UNION ALL
  SELECT 'weekly_course_outcomes', (SELECT count(*) FROM weekly_course_outcomes WHERE week <= '2026-04-13'),
         (SELECT count(*) FROM (SELECT * FROM weekly_course_outcomes WHERE week <= '2026-04-13'
                                EXCEPT ALL SELECT * FROM dm.m_weekly WHERE week <= '2026-04-13') x),
         (SELECT count(*) FROM (SELECT * FROM dm.m_weekly WHERE week <= '2026-04-13'
                                EXCEPT ALL SELECT * FROM weekly_course_outcomes WHERE week <= '2026-04-13') x)
  UNION ALL
  SELECT 'weekly_executive_metrics', (SELECT count(*) FROM weekly_executive_metrics WHERE week <= '2026-04-13'),
         (SELECT count(*) FROM (SELECT * FROM weekly_executive_metrics WHERE week <= '2026-04-13'
                                EXCEPT ALL SELECT * FROM dm.m_exec WHERE week <= '2026-04-13') x),
         (SELECT count(*) FROM (SELECT * FROM dm.m_exec WHERE week <= '2026-04-13'
                                EXCEPT ALL SELECT * FROM weekly_executive_metrics WHERE week <= '2026-04-13') x)
) v;
-- by hand: l1, l2, l5; funnel of north: enrolled 3, started 3, >= 20% l1 l2, >= 50% l1, completed
-- l1, dropped l2 l5; weekly: 2 enrolled in the week of 03-02, 3 from 03-09 (l5, who leaves that
-- week), l2 leaves in the week of 04-06 (2/3); nothing of north happens in the weeks of 03-23 and 03-30
SELECT learner, risk, open_alerts FROM learner_risk_state ORDER BY learner;
SELECT enrolled, started, reached_20pct, reached_50pct, completed, dropped, dropout_pct FROM course_dropout_funnel;
SELECT week, enrolled, completed, dropped, dropout_pct, dropout_pct_change, enrolled_in_week, dropped_in_week
FROM weekly_course_outcomes WHERE week <= '2026-04-13' ORDER BY week;
RESET ROLE;
-- a viewer that manages no unit sees no learner (and no error: it may read the tables)
SET ROLE la_dm_viewer;
SELECT (SELECT count(*) FROM learner_risk_state) AS risk, (SELECT count(*) FROM course_dropout_funnel) AS funnel,
       (SELECT count(*) FROM weekly_course_outcomes) AS weekly, (SELECT count(*) FROM weekly_executive_metrics) AS exec;
RESET ROLE;
-- The warehouse's own row-level security applies to the reader of a dashboard: a policy hiding l1
-- from the manager takes l1 out of its dashboards (l2 and l5 remain); the analyst, not the table's
-- owner either, reads through its own policy (every row).
ALTER TABLE wh.enrol ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_l1 ON wh.enrol TO la_dm_manager USING (uid <> 'l1');
CREATE POLICY all_rows ON wh.enrol TO learnalytics_analyst USING (true);
SET ROLE la_dm_manager;
SELECT learner FROM learner_risk_state ORDER BY learner;
SELECT enrolled, dropped FROM course_dropout_funnel;
RESET ROLE;
SET ROLE la_dm_analyst;
SELECT learner FROM learner_risk_state ORDER BY learner;
RESET ROLE;
ALTER TABLE wh.enrol DISABLE ROW LEVEL SECURITY;

-- Without the grant: a clear permission error naming the mapping and what to grant, not 0 rows.
REVOKE SELECT ON wh.progress FROM learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT * FROM course_dropout_funnel;
SELECT * FROM weekly_executive_metrics;
-- learner_risk_state reads no module progress: it still works
SELECT count(*) AS risk_rows FROM learner_risk_state;
RESET ROLE;
REVOKE SELECT ON wh.enrol FROM learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT * FROM learner_risk_state;
SELECT * FROM weekly_course_outcomes;
RESET ROLE;
-- column grants are enough, when they cover every mapped column; a missing one is named
GRANT SELECT (uid, course_code, grp, start_ts) ON wh.enrol TO learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT count(*) FROM learner_risk_state;
RESET ROLE;
GRANT SELECT (end_ts) ON wh.enrol TO learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT count(*) AS risk_rows FROM learner_risk_state;
RESET ROLE;
-- without USAGE on the warehouse schema
REVOKE USAGE ON SCHEMA wh FROM learnalytics_viewer;
SET ROLE la_dm_manager;
SELECT count(*) FROM learner_risk_state;
RESET ROLE;

-- A superuser reading a dashboard whose mapped table a non-superuser owns is refused (it would run
-- whatever that owner wrote into the table with superuser rights): require_trusted_relation.
ALTER TABLE wh.enrol OWNER TO la_dm_owner;
SELECT count(*) FROM learner_risk_state;
ALTER TABLE wh.enrol OWNER TO CURRENT_USER;

-- Only the enrolments mapped: module progress comes from the built-in table again (now empty, so
-- nobody has started: started 0), enrolments from the warehouse.
DELETE FROM learning_source WHERE kind = 'module_progress';
SELECT enrolled, started, completed, dropped FROM course_dropout_funnel;
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at)
SELECT course_code, uid, unit, began, pct, last_seen FROM wh.progress;
SELECT * FROM course_dropout_funnel EXCEPT ALL SELECT * FROM dm.b_funnel;

DELETE FROM learning_source;
DELETE FROM alert; DELETE FROM module_progress; DELETE FROM enrolment;
DELETE FROM org_unit_manager WHERE manager = 'la_dm_manager';
DELETE FROM learner_org_unit WHERE learner IN ('l1', 'l2', 'l3', 'l4', 'l5', 'l6');
DROP SCHEMA wh CASCADE;
DROP SCHEMA dm CASCADE;
DROP OWNED BY la_dm_manager, la_dm_viewer, la_dm_analyst, la_dm_owner;
DROP ROLE la_dm_manager, la_dm_viewer, la_dm_analyst, la_dm_owner;
