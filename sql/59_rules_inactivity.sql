--
-- The inactivity template's set-based replay (learnalytics_internal.replay_inactivity, registered in
-- alert_template.replay) against the day-by-day path of rule_replay_alerts: a template registered
-- with the same candidates function and no replay function runs candidates_inactivity for every
-- day. The alerts must be equal, row for row, for several windows and fire_after values, on a
-- fixture with the edges: enrolments starting and ending inside the period, a learner enrolled
-- twice (two courses, overlapping), learners with no events at all, runs broken by one active day,
-- activity before enrolment.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- the day-by-day replays' progress NOTICEs depend on the time they take
SET client_min_messages = warning;
SELECT name, replay FROM alert_template WHERE name = 'inactivity';

-- hand-made learners (course i1, period Feb 1 - Mar 31):
--   h1: active Jan 1 - Jan 31, then only on Feb 20 (a run broken by one active day), enrolled Jan 1
--   h2: enrolled Feb 10 (inside the period), active Jan 5 (before enrolling) and Feb 25
--   h3: enrolled Jan 1, left Feb 15 (inside the period), never active
--   h4: enrolled Mar 20, never active (alerted window_days after enrolling)
--   h5: enrolled Jan 1 in i1 and Feb 12 in i2 (left Mar 10), active Feb 1 and Mar 1
CREATE TABLE iact (learner text, ts timestamptz);
INSERT INTO iact
SELECT 'h1', timestamptz '2026-01-01 10:00+00' + d * interval '1 day' FROM generate_series(0, 30) d
UNION ALL VALUES ('h1', timestamptz '2026-02-20 10:00+00'), ('h2', '2026-01-05 10:00+00'), ('h2', '2026-02-25 10:00+00'),
                 ('h5', '2026-02-01 10:00+00'), ('h5', '2026-03-01 10:00+00');
-- and 60 random learners r1..r60 over Jan-May (sparse, bursty), with random enrolments
SELECT setseed(0.42);
INSERT INTO iact SELECT 'r' || i, timestamptz '2026-01-01 10:00+00' + d * interval '1 day'
  FROM generate_series(1, 60) i, generate_series(0, 150) d
 WHERE random() + 0 * d < CASE WHEN i % 5 = 0 THEN 0.03 WHEN i % 5 = 1 THEN 0.3 ELSE 0.1 END;
SELECT engagement_refresh('iact', 'learner', 'ts');
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at, business_weight) VALUES
  ('h1', 'i1', 'k', '2026-01-01', NULL, 1), ('h2', 'i1', 'k', '2026-02-10', NULL, 1),
  ('h3', 'i1', 'k', '2026-01-01', '2026-02-15', 1), ('h4', 'i1', 'k', '2026-03-20', NULL, 1),
  ('h5', 'i1', 'k', '2026-01-01', NULL, 1), ('h5', 'i2', 'k', '2026-02-12', '2026-03-10', 2);
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at, business_weight)
SELECT 'r' || i, 'i' || (i % 2), 'k', timestamptz '2026-01-01' + ((i * 7) % 50) * interval '1 day',
       CASE WHEN i % 4 = 0 THEN timestamptz '2026-02-20' + ((i * 3) % 60) * interval '1 day' END, 1 + i % 3
  FROM generate_series(1, 60) i
UNION ALL SELECT 'r' || i, 'i9', 'k', '2026-02-15', NULL, 1 FROM generate_series(1, 60, 7) i
UNION ALL VALUES ('n1', 'i0', 'k', timestamptz '2026-02-01', NULL::timestamptz, 1), ('n2', 'i1', 'k', '2026-03-20', NULL, 1);

-- the day-by-day path: the same candidates function, no replay function
INSERT INTO alert_template (name, parameters, candidates, description)
VALUES ('t_inactivity_daily', '{window_days}', 'learnalytics_internal.candidates_inactivity(alert_rule, date)',
        'the inactivity template without its replay function');
SELECT name FROM rule_copy('inactivity', 't_idle_daily', '{}', false);
UPDATE alert_rule SET template = 't_inactivity_daily' WHERE name = 't_idle_daily';

-- hand-computed, window 7 days, fire_after 1, Feb 1 - Mar 31:
--   h1: idle from Feb 1 (last active Jan 31): 7 idle days on Feb 7; active Feb 20; again Feb 27
--   h2: enrolled Feb 10 (idle counted from the enrolment, not from Jan 5): Feb 16; active Feb 25: Mar 4
--   h3: never active, enrolled Jan 1: already firing on Jan 31, so no alert of the period; gone Feb 15
--   h4: enrolled Mar 20: Mar 26;  h5 (i1 since Jan 1, i2 Feb 12 - Mar 9): Feb 8 (i1; i2 reaches 7
--       idle days on Feb 18 while the learner is still firing: no new alert), then Mar 8 (both
--       enrolments 7 idle days since Mar 1: the heavier, i2 of weight 2, as candidates picks it)
--   h3: no alert;  n1, n2 (no events at all) are among the random learners' checks below
SELECT day, learner, course, value, persisted FROM rule_replay_alerts('inactivity', '2026-02-01', '2026-03-31')
WHERE learner LIKE 'h%' ORDER BY learner, day;

-- the two paths agree exactly, for several windows and persistences (count, and rows only in one)
SELECT w AS window_days, f AS fire_after, c.*
FROM (VALUES (1, 1), (7, 1), (7, 3), (21, 1), (3, 5), (2, 2)) v(w, f),
     LATERAL (WITH s AS MATERIALIZED (SELECT * FROM rule_replay_alerts('inactivity', '2026-02-01', '2026-03-31',
                                                                       jsonb_build_object('window_days', w, 'fire_after', f))),
                   d AS MATERIALIZED (SELECT * FROM rule_replay_alerts('t_idle_daily', '2026-02-01', '2026-03-31',
                                                                       jsonb_build_object('window_days', w, 'fire_after', f)))
              SELECT (SELECT count(*) FROM s) AS alerts,
                     (SELECT count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM d) x) AS only_set_based,
                     (SELECT count(*) FROM (SELECT * FROM d EXCEPT ALL SELECT * FROM s) x) AS only_day_by_day) c;
-- a short period, a one-day period and a scope (course i1 only)
SELECT p.from_day, p.to_day, p.o, c.*
FROM (VALUES (date '2026-03-01', date '2026-03-10', jsonb '{}'), ('2026-03-26', '2026-03-26', '{}'),
             ('2026-02-01', '2026-05-31', '{"course": "i1", "window_days": 10}')) p(from_day, to_day, o),
     LATERAL (WITH s AS MATERIALIZED (SELECT * FROM rule_replay_alerts('inactivity', p.from_day, p.to_day, p.o)),
                   d AS MATERIALIZED (SELECT * FROM rule_replay_alerts('t_idle_daily', p.from_day, p.to_day, p.o))
              SELECT (SELECT count(*) FROM s) AS alerts,
                     (SELECT count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM d) x) AS only_set_based,
                     (SELECT count(*) FROM (SELECT * FROM d EXCEPT ALL SELECT * FROM s) x) AS only_day_by_day) c;
-- rule_replay's figures come from the same alerts
SELECT alerts, learners_touched FROM rule_replay('inactivity', '2026-02-01', '2026-03-31', overrides => '{"window_days": 21}');

DELETE FROM alert_rule WHERE name = 't_idle_daily'; DELETE FROM alert_template WHERE name = 't_inactivity_daily';
DELETE FROM enrolment; DELETE FROM learner_engagement; DROP TABLE iact;
