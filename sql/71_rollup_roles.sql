--
-- roles and row-level security on the rollups: a manager sees only their own org units' learners;
-- a viewer reads rollups and views, never statements, and cannot call admin functions
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

CREATE ROLE la_t_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_t_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_t_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_t_mgr_north LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_t_south_leads NOLOGIN;
CREATE ROLE la_t_mgr_south LOGIN IN ROLE learnalytics_viewer, la_t_south_leads;
CREATE ROLE la_t_writer LOGIN;

CREATE TABLE roles_ev (learner text, ts timestamptz, course text, activity text);
INSERT INTO roles_ev
SELECT 'l' || (g % 6), '2026-04-06 09:00+00'::timestamptz + (g % 10) * interval '1 day' + (g % 7) * interval '5 minutes',
       'c' || (g % 2), 'a' || (g % 3)
FROM generate_series(1, 120) g;
SELECT rollup_create('roles', 'roles_ev', learner_column => 'learner', course_column => 'course',
                     activity_column => 'activity');
INSERT INTO learner_org_unit VALUES ('l0', 'north'), ('l1', 'north'), ('l2', 'south'), ('l3', 'south'),
  ('l4', 'east'), ('l1', 'east');
INSERT INTO org_unit_manager VALUES ('la_t_mgr_north', 'north'), ('la_t_south_leads', 'south');

-- the admin role refreshes (it needs to read and lock the source: here, the owner's grant)
GRANT SELECT, UPDATE ON roles_ev TO la_t_admin;
-- anyone who may write the source records changes, without rights on the rollup tables
GRANT SELECT, INSERT, DELETE ON roles_ev TO la_t_writer;
SET ROLE la_t_writer;
INSERT INTO roles_ev VALUES ('l5', '2026-04-20 10:00+00', 'c1', 'a1'), ('l2', '2026-04-20 11:00+00', 'c0', 'a2');
DELETE FROM roles_ev WHERE learner = 'l4' AND ts < '2026-04-08';
RESET ROLE;
SELECT sign, count(*) FROM rollup_delta GROUP BY 1 ORDER BY 1;
SET ROLE la_t_admin;
SELECT changes, learner_days_merged, learner_days_recomputed FROM rollup_refresh('roles');
RESET ROLE;

-- managers: only their own org units' learners, through a group role too
SET ROLE la_t_mgr_north;
SELECT DISTINCT learner FROM rollup_learner_day ORDER BY 1;
SELECT DISTINCT learner FROM rollup_daily_engagement ORDER BY 1;
SELECT DISTINCT learner FROM rollup_learner_week ORDER BY 1;
SELECT org_unit, count(*) AS days, sum(events) AS events FROM org_unit_daily_engagement GROUP BY 1 ORDER BY 1;
SELECT * FROM learner_org_unit ORDER BY 1, 2;
SELECT * FROM org_unit_manager ORDER BY 1, 2;
-- course-level rollups are not per learner: every viewer sees them
SELECT count(*) > 0 AS sees_course_weeks FROM weekly_course_engagement;
SELECT count(*) > 0 AS sees_heatmap FROM engagement_heatmap;
RESET ROLE;
SET ROLE la_t_mgr_south;
SELECT DISTINCT learner FROM rollup_learner_day ORDER BY 1;
SELECT org_unit, count(*) AS days FROM org_unit_daily_engagement GROUP BY 1 ORDER BY 1;
RESET ROLE;
-- a viewer who manages nothing sees no learner rows
SET ROLE la_t_viewer;
SELECT count(*) AS learner_rows FROM rollup_learner_day;
SELECT count(*) AS org_rows FROM org_unit_daily_engagement;
RESET ROLE;
-- analysts see every learner
SET ROLE la_t_analyst;
SELECT count(DISTINCT learner) AS learners FROM rollup_learner_day;
SELECT count(*) AS org_units FROM (SELECT DISTINCT org_unit FROM org_unit_daily_engagement) o;
RESET ROLE;

-- what a viewer cannot do
\set VERBOSITY terse
SET ROLE la_t_viewer;
SELECT count(*) FROM xapi_statements;
SELECT count(*) FROM xapi_statements_pseudonymous;
SELECT count(*) FROM learner_engagement;
SELECT count(*) FROM rollup_delta;
SELECT count(*) FROM rollup;
SELECT count(*) FROM roles_ev;
SELECT rollup_refresh('roles');
SELECT rollup_rebuild('roles');
SELECT rollup_create('x', 'roles_ev', 'learner', 'ts');
SELECT retention_run();
SELECT xapi_ingest('[]');
SELECT xapi_set_pseudonym_key('0123456789abcdef0123456789abcdef'::bytea);
SELECT oulad_load('/tmp');
SELECT experiment_assign('x');
SELECT engagement_refresh('roles_ev', 'learner');
INSERT INTO org_unit_manager VALUES ('la_t_viewer', 'north');
INSERT INTO learner_org_unit VALUES ('l9', 'north');
RESET ROLE;
SET ROLE la_t_mgr_north;
UPDATE rollup_learner_day SET day = day WHERE true;
DELETE FROM rollup_course_week;
RESET ROLE;
-- what an analyst cannot do
SET ROLE la_t_analyst;
SELECT count(*) FROM rollup_delta;
SELECT rollup_refresh('roles');
SELECT count(*) FROM xapi_statements;
RESET ROLE;

-- clean up
SELECT rollup_drop('roles');
DELETE FROM learner_org_unit;
DELETE FROM org_unit_manager;
DROP TABLE roles_ev;
DROP ROLE la_t_admin, la_t_analyst, la_t_viewer, la_t_mgr_north, la_t_mgr_south, la_t_south_leads, la_t_writer;
