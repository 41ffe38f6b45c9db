--
-- reconciliation between two sources: quality_reconcile (every group), quality_reconcile_explain
-- (the keys behind a difference), the check type reconcile, rollup_rows and engagement_rows.
-- Oracle: the hand-made rows below; every expected value is worked out in the comments.
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

-- events (id: learner, time, course, activity, weight); days in UTC / in New York (UTC-5 in March
-- before the 8th):
--   e1 l1 03-01 09:00Z c1   a1 2   NY 03-01
--   e2 l1 03-01 10:00Z c1   a2 3   NY 03-01
--   e3 l2 03-01 11:00Z c1   a1 1   NY 03-01
--   e4 l2 03-02 03:30Z c1   a1 4   NY 03-01 22:30  (a tz boundary)
--   e5 l3 03-02 12:00Z c2   a1 5   NY 03-02
--   e6 l3 03-02 13:00Z NULL a3 1   NY 03-02
--   e7 l1 03-03 09:00Z c2   a2 2   NY 03-03
--   e8 l2 03-03 23:59Z c1   a1 1   NY 03-03
CREATE TABLE rec_a (learner text, ts timestamptz, course text, activity text, weight integer, event_id text);
INSERT INTO rec_a VALUES
  ('l1', '2026-03-01 09:00Z', 'c1', 'a1', 2, 'e1'), ('l1', '2026-03-01 10:00Z', 'c1', 'a2', 3, 'e2'),
  ('l2', '2026-03-01 11:00Z', 'c1', 'a1', 1, 'e3'), ('l2', '2026-03-02 03:30Z', 'c1', 'a1', 4, 'e4'),
  ('l3', '2026-03-02 12:00Z', 'c2', 'a1', 5, 'e5'), ('l3', '2026-03-02 13:00Z', NULL, 'a3', 1, 'e6'),
  ('l1', '2026-03-03 09:00Z', 'c2', 'a2', 2, 'e7'), ('l2', '2026-03-03 23:59Z', 'c1', 'a1', 1, 'e8');
-- the same events in another shape (another warehouse's table)
CREATE TABLE rec_b (who text, at timestamptz, course text, activity text, clicks bigint, id text);
INSERT INTO rec_b SELECT learner, ts, course, activity, weight, event_id FROM rec_a;
CREATE TABLE rec_empty (learner text, ts timestamptz, course text, activity text, weight integer);
INSERT INTO quality_source (name, kind, relation, columns, tz) VALUES
  ('rec_a', 'events', 'rec_a', '{}', 'UTC'),
  ('rec_b', 'events', 'rec_b', '{"learner": "who", "ts": "at", "weight": "clicks", "event_id": "id"}', 'UTC'),
  ('rec_b_ny', 'events', 'rec_b', '{"learner": "who", "ts": "at", "weight": "clicks", "event_id": "id"}',
   'America/New_York'),
  ('rec_empty', 'events', 'rec_empty', '{}', 'UTC');
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('rec_ab', 'reconcile', 'rec_a', '{"other": "rec_b"}', 'high');
-- the check type's function, as quality_run calls it (one row = one finding)
CREATE FUNCTION pg_temp.findings(check_name text, as_of timestamptz) RETURNS TABLE (course text, day date,
    learner text, subject text, observed numeric, expected numeric, rows bigint, sample jsonb)
LANGUAGE sql AS $$
  SELECT r.* FROM quality_check c, learnalytics_internal.quality_reconcile(c, as_of) r WHERE c.name = check_name
$$;

-- 1. equal sources: six day-course groups (the NULL course is a group and matches itself), all agree
SELECT * FROM quality_reconcile('rec_a', 'rec_b');
SELECT * FROM quality_reconcile('rec_a', 'rec_b', measure => 'sum', by => '{}');  -- 19 = 19
SELECT count(*) AS explaining_keys FROM quality_reconcile_explain('rec_a', 'rec_b');
SELECT count(*) AS findings FROM pg_temp.findings('rec_ab', '2026-03-10');

-- 2. differences, in a transaction: e2 and e5 deleted from b, e7's weight 2 -> 10, e9 only in b
BEGIN;
DELETE FROM rec_b WHERE id IN ('e2', 'e5');
UPDATE rec_b SET clicks = 10 WHERE id = 'e7';
INSERT INTO rec_b VALUES ('l9', '2026-03-04 08:00Z', 'c3', 'a9', 7, 'e9');
-- by count: 03-01 c1 3 vs 2 (share 1/3), 03-02 c2 1 vs 0 (1), 03-04 c3 0 vs 1 (-1); the rest agree
SELECT * FROM quality_reconcile('rec_a', 'rec_b') WHERE NOT agrees;
-- by sum: 03-01 c1 6 vs 3, 03-02 c2 5 vs 0, 03-03 c2 2 vs 10 (-8, share -0.8), 03-04 c3 0 vs 7
SELECT * FROM quality_reconcile('rec_a', 'rec_b', measure => 'sum') WHERE NOT agrees;
-- the explaining keys: exactly e2 and e5 (side a), e9 (side b); by sum also e7 (both: 2 vs 10)
SELECT * FROM quality_reconcile_explain('rec_a', 'rec_b');
SELECT * FROM quality_reconcile_explain('rec_a', 'rec_b', measure => 'sum');
SELECT side, event_id, a_value, b_value FROM quality_reconcile_explain('rec_a', 'rec_b', key => '{event_id}');
-- one group: course c1 on 03-01 -> e2 only
SELECT * FROM quality_reconcile_explain('rec_a', 'rec_b', of_course => 'c1', of_day => '2026-03-01');
-- the check: one finding per differing group, observed = rec_a, expected = rec_b, the keys as sample
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
-- within a tolerance of 0.34 the 03-01 c1 group (share 0.333333) is no finding
UPDATE quality_check SET parameters = '{"other": "rec_b", "tolerance": 0.34}' WHERE name = 'rec_ab';
SELECT course, day, observed, expected FROM pg_temp.findings('rec_ab', '2026-03-10');
-- as of 03-03 noon: 03-04 (after it) is not read; by sum, the last 2 days (03-02, 03-03) only
UPDATE quality_check SET parameters = '{"other": "rec_b", "measure": "sum", "days": 2, "sample_size": 1}'
 WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-03 12:00Z');
-- per course, whole history, keys by event: c2 (e5 and e7), c3 (e9); c1 11 vs 8 (e2: 3 vs 0)
UPDATE quality_check SET parameters = '{"other": "rec_b", "measure": "sum", "by": ["course"], "key": ["event_id"]}'
 WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
ROLLBACK;

-- 3. one side empty: every group on one side only (share 1 or -1); both empty: no group at all
SELECT * FROM quality_reconcile('rec_a', 'rec_empty', '{course}');
SELECT * FROM quality_reconcile('rec_empty', 'rec_a', '{}', 'sum');
SELECT count(*) FROM quality_reconcile('rec_empty', 'rec_empty');
SELECT count(*) AS keys_on_a_only FROM quality_reconcile_explain('rec_a', 'rec_empty') WHERE side = 'a';  -- 8: every key of rec_a

-- 4. time zones: each source counts days in its own. UTC 03-01 3, 03-02 3, 03-03 2; New York 03-01 4
-- (e4 at 22:30), 03-02 2, 03-03 2
SELECT day, a_value, b_value, difference, share FROM quality_reconcile('rec_a', 'rec_b_ny', '{day}');
SELECT * FROM quality_reconcile_explain('rec_a', 'rec_b_ny', key => '{learner,day}');
-- one day, 03-02, in each source's zone: UTC [03-02 00:00Z, 03-03 00:00Z) has e4, e5, e6; New York
-- [03-02 05:00Z, 03-03 05:00Z) has e5, e6
SELECT day, a_value, b_value FROM quality_reconcile('rec_a', 'rec_b_ny', '{day}', from_day => '2026-03-02',
                                                    to_day => '2026-03-02');
SELECT side, learner, day FROM quality_reconcile_explain('rec_a', 'rec_b_ny', of_day => '2026-03-02');

-- 5. distinct learners per course: c1 {l1, l2}, c2 {l3, l1}, none {l3}
SELECT course, a_value, b_value FROM quality_reconcile('rec_a', 'rec_b', '{course}', 'learners');
-- by learner and activity
SELECT learner, activity, a_value FROM quality_reconcile('rec_a', 'rec_b', '{learner,activity}');

-- 6. a source against the rows stored from it: a rollup (rollup.<name> vs rollup_rows.<name>)
SELECT rollup_create('rec_roll', 'rec_a', learner_column => 'learner', ts_column => 'ts', weight_column => 'weight',
                     course_column => 'course', activity_column => 'activity');
SELECT count(*) AS groups, count(*) FILTER (WHERE NOT agrees) AS differing
  FROM quality_reconcile('rollup.rec_roll', 'rollup_rows.rec_roll');
SELECT count(*) AS differing FROM quality_reconcile('rollup.rec_roll', 'rollup_rows.rec_roll', measure => 'sum')
 WHERE NOT agrees;
-- captured but not yet refreshed: a new event and a deleted one are the differences
INSERT INTO rec_a VALUES ('l4', '2026-03-05 10:00Z', 'c1', 'a1', 3, 'e10');
DELETE FROM rec_a WHERE event_id = 'e3';
SELECT * FROM quality_reconcile('rollup.rec_roll', 'rollup_rows.rec_roll') WHERE NOT agrees;
SELECT * FROM quality_reconcile_explain('rollup.rec_roll', 'rollup_rows.rec_roll');
SELECT changes FROM rollup_refresh('rec_roll');
SELECT count(*) AS differing FROM quality_reconcile('rollup.rec_roll', 'rollup_rows.rec_roll') WHERE NOT agrees;

-- and an engagement source against its summaries (events per learner, then per day)
SELECT engagement_refresh('rec_a', 'learner', 'ts', 'weight', 'UTC', source_name => 'rec_eng');
SELECT learner, a_value, b_value, agrees
  FROM quality_reconcile('engagement.rec_eng', 'engagement_rows.rec_eng', '{learner}');
SELECT count(*) FILTER (WHERE NOT agrees) AS differing
  FROM quality_reconcile('engagement.rec_eng', 'engagement_rows.rec_eng', '{day}', 'sum');
INSERT INTO rec_a VALUES ('l1', '2026-03-05 11:00Z', 'c1', 'a1', 1, 'e11');
SELECT learner, a_value, b_value FROM quality_reconcile('engagement.rec_eng', 'engagement_rows.rec_eng', '{learner}')
 WHERE NOT agrees;
SELECT * FROM quality_reconcile_explain('engagement.rec_eng', 'engagement_rows.rec_eng', of_learner => 'l1');

-- 7. bad input
SELECT * FROM quality_reconcile('rec_a', 'nope');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM quality_reconcile('rec_a', 'rollup_rows.nope');
SELECT * FROM quality_reconcile('rec_a', NULL);
SELECT * FROM quality_reconcile('rec_a', 'rec_b', '{week}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM quality_reconcile('rec_a', 'rec_b', '{day,day}');
SELECT * FROM quality_reconcile('rec_a', 'rec_b', '{day,NULL}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM quality_reconcile('rec_a', 'rec_b', measure => 'avg');
SELECT * FROM quality_reconcile('rec_a', 'rec_b', from_day => '2026-03-02', to_day => '2026-03-01');
SELECT * FROM quality_reconcile('rec_a', 'rec_b', tolerance => 1.5);
SELECT * FROM quality_reconcile('rec_a', 'rec_b', measure => 'sum', field => 'clicks');
SELECT * FROM quality_reconcile('engagement.rec_eng', 'engagement_rows.rec_eng');  -- no course in summaries
SELECT * FROM quality_reconcile_explain('rollup.rec_roll', 'rollup_rows.rec_roll', key => '{event_id}');
SELECT * FROM quality_reconcile_explain('rec_a', 'rec_b', key => '{}');
UPDATE quality_check SET parameters = '{"other": "rec_b", "by": "day"}' WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
UPDATE quality_check SET parameters = '{"by": ["day"]}' WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE quality_check SET parameters = '{"other": "rec_b", "days": 0}' WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
UPDATE quality_check SET parameters = '{"other": "rec_b", "by": ["week"]}' WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE quality_check SET parameters = '{"other": "rec_b", "tolerance": -0.1}' WHERE name = 'rec_ab';
SELECT * FROM pg_temp.findings('rec_ab', '2026-03-10');

-- 8. privileges: analysts reconcile with their own rights on the sources; viewers may not
CREATE ROLE la_t_rec_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE la_t_rec_viewer LOGIN IN ROLE learnalytics_viewer;
GRANT SELECT ON rec_a TO la_t_rec_analyst;
SET ROLE la_t_rec_analyst;
SELECT count(*) FROM quality_reconcile('rec_a', 'rec_b');  -- rec_b not granted
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) FROM quality_reconcile('rec_a', 'rec_a');
SELECT count(*) FROM quality_reconcile_explain('rec_a', 'rec_a');
RESET ROLE;
SET ROLE la_t_rec_viewer;
SELECT count(*) FROM quality_reconcile('rec_a', 'rec_a');
SELECT count(*) FROM quality_reconcile_explain('rec_a', 'rec_a');
RESET ROLE;

-- clean up
DELETE FROM quality_check WHERE name = 'rec_ab';
DELETE FROM quality_source WHERE name LIKE 'rec\_%';
SELECT rollup_drop('rec_roll');
DELETE FROM learner_engagement WHERE source = 'rec_eng';
DELETE FROM engagement_source WHERE name = 'rec_eng';
DROP TABLE rec_a, rec_b, rec_empty;
DROP OWNED BY la_t_rec_analyst, la_t_rec_viewer;
DROP ROLE la_t_rec_analyst, la_t_rec_viewer;
