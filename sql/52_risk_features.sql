--
-- risk features (doc/risk_features.md): hand-computed values on a small fixture, an independent
-- least-squares oracle for the trend, window edges, the learner without events, the risk set and
-- labels, every_days and the course filter, missing kinds of data, errors and privileges.
--   course A, cohort c1: L1 enrolled Jan 1, 2 events (10 minutes apart) on Jan 1..10, 1 on Jan 15,
--     4 on Jan 19 (two sessions of 20 and 5 minutes); L2 enrolled Jan 5, left Jan 25, no events;
--     L4 enrolled Jan 2, no events.  Assessments a1 (due Jan 8), a2 (Jan 12), a3 (Jan 28).
--   course B, no cohort: L3 enrolled Jan 3, one event every 3rd day from Dec 20; b1 due Jan 10.
-- The leakage test is sql/53_risk_features_leakage.sql.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;
DELETE FROM learning_source;
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM quiz_attempt;
DELETE FROM module_progress; DELETE FROM enrolment; DELETE FROM learner_engagement;

CREATE TABLE rf_ev (learner_id text, ts timestamptz);
INSERT INTO rf_ev SELECT 'L1', d + t FROM generate_series(timestamptz '2026-01-01', '2026-01-10', '1 day') d,
  unnest('{09:00,09:10}'::interval[]) t;
INSERT INTO rf_ev VALUES ('L1', '2026-01-15 12:00'), ('L1', '2026-01-19 08:00'), ('L1', '2026-01-19 08:20'),
  ('L1', '2026-01-19 18:00'), ('L1', '2026-01-19 18:05');
INSERT INTO rf_ev SELECT 'L3', d + '10:00' FROM generate_series(timestamptz '2025-12-20', '2026-01-20', '3 days') d;
SELECT engagement_refresh('rf_ev');
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('L1', 'A', 'c1', '2026-01-01 08:00', NULL),
  ('L2', 'A', 'c1', '2026-01-05 08:00', '2026-01-25 08:00'),
  ('L4', 'A', 'c1', '2026-01-02 08:00', NULL),
  ('L3', 'B', NULL, '2026-01-03 08:00', NULL);
INSERT INTO assignment VALUES ('A', 'a1', '2026-01-08 23:00'), ('A', 'a2', '2026-01-12 23:00'),
  ('A', 'a3', '2026-01-28 23:00'), ('B', 'b1', '2026-01-10 12:00');
INSERT INTO assignment_submission VALUES
  ('A', 'a1', 'L1', '2026-01-08 10:00', 60), ('A', 'a1', 'L4', '2026-01-07 10:00', 90),
  ('A', 'a1', 'L2', '2026-01-09 10:00', 30),                                  -- late
  ('A', 'a2', 'L4', '2026-01-12 10:00', 80), ('A', 'a2', 'L1', '2026-01-18 10:00', NULL),   -- late, no score
  ('B', 'b1', 'L3', '2026-01-09 10:00', 7);
INSERT INTO quiz_attempt VALUES ('A', 'L1', '2026-01-06 10:00'), ('A', 'L1', '2026-01-16 10:00'),
  ('A', 'L4', '2026-01-15 10:00'), ('A', 'L4', '2026-01-17 10:00'), ('A', 'L4', '2026-01-18 10:00');
INSERT INTO module_progress VALUES ('A', 'L1', 'm1', '2026-01-02 10:00', 1, '2026-01-09 10:00'),
  ('A', 'L1', 'm2', '2026-01-10 10:00', 0.5, '2026-01-15 10:00'),
  ('A', 'L4', 'm1', '2026-01-03 10:00', 0.5, NULL),
  ('A', 'L4', 'm3', '2026-01-16 10:00', 0.25, '2026-01-30 10:00');   -- progress dated after Jan 20

-- the feature list is the function's result columns, in order
SELECT risk_feature_names() = (SELECT array_agg(a.n ORDER BY a.i) FROM pg_proc p,
         unnest(p.proargnames, p.proargmodes) WITH ORDINALITY a(n, m, i)
        WHERE p.oid = 'risk_features(date, date, text, integer, text)'::regprocedure AND a.m = 't' AND a.i > 9)
       AS names_match, cardinality(risk_feature_names()) AS features,
       (SELECT array_agg(feature) FROM risk_feature_descriptions()) = risk_feature_names() AS descriptions_match;

-- every feature of every learner on Jan 20, against values computed by hand:
--   L1: 5 events on Jan 14..20, 13 on Jan 7..20, 25 on Dec 24..Jan 20; baseline Jan 1..13 (13 days
--   from the first active day, 20 events): (5/7)/(20/13) - 1; last active Jan 19; 12 active days of
--   the 20 since enrolment; 3 sessions; 25 minutes of sessions on Jan 13..19; a3 due within 14 days,
--   a2 submitted late; a1 scored 60 against the cohort's 60 (60, 90, 30); 1 quiz attempt against the
--   cohort's mean 4/3; modules m1 (1) and m2 (0.5) of the 3 started by Jan 20, both dated Jan 7..20.
--   L2: never active: inactive since Jan 4; a2 overdue since Jan 13 (8 days), a1 late, 30 vs 60;
--   registered 4 days after the cohort's first enrolment.
--   L3: baseline Dec 20..Jan 13, 9 events in 25 days; 9 active days of 28; b1 7 against 7.
--   L4: no summary: inactive since Jan 1; a1 90 vs 60 and a2 80 vs 80; 3 quiz attempts vs 4/3;
--   m1 0.5 dated Jan 3 (not within 14 days), m3 dated Jan 30 (not known on Jan 20).
CREATE TEMP TABLE rf_expected (learner text, feature text, value float8);
INSERT INTO rf_expected
SELECT x.learner, n.feature, x.v[n.i]
FROM (VALUES
  ('L1', ARRAY[ln(6), ln(14), ln(26), (5/7.0) / (20/13.0) - 1, 1, 0, 12/20.0, ln(4), ln(26), NULL,
               1, 0, 1, 0, 0, ln(2), 1 / (4/3.0) - 1, 1.5/3, 1.5/3, 19, 19, 0]::float8[]),
  ('L2', ARRAY[0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 1, 1, 8, 30/60.0 - 1, 0, -1, 0, 0, 15, 19, ln(5)]::float8[]),
  ('L3', ARRAY[ln(3), ln(6), ln(10), (2/7.0) / (9/25.0) - 1, 1, 0, 9/28.0, ln(3), 0, NULL,
               0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 17, 0]::float8[]),
  ('L4', ARRAY[0, 0, 0, 0, 19, 0, 0, 0, 0, 0, 1, 0, 0, 0, ((90/60.0 - 1) + (80/80.0 - 1)) / 2, ln(4),
               3 / (4/3.0) - 1, 0.5/3, 0, 18, 19, ln(2)]::float8[])) x(learner, v),
     unnest(risk_feature_names()) WITH ORDINALITY n(feature, i);
-- the trend's oracle: least-squares slope of ln(1 + events) on the 14 days, from the raw events
UPDATE rf_expected e SET value = o.slope
FROM (SELECT l.learner, regr_slope(ln(1 + coalesce(c.n, 0)), i) AS slope
        FROM (VALUES ('L1'), ('L3')) l(learner)
       CROSS JOIN generate_series(0, 13) i
        LEFT JOIN (SELECT learner_id, ts::date AS day, count(*) AS n FROM rf_ev GROUP BY 1, 2) c
               ON c.learner_id = l.learner AND c.day = date '2026-01-07' + i
       GROUP BY l.learner) o
WHERE e.learner = o.learner AND e.feature = 'activity_trend_14d';
CREATE TEMP TABLE rf_jan20 AS SELECT * FROM risk_features('2026-01-20', '2026-01-20');
SELECT learner, course, cohort, day FROM rf_jan20 ORDER BY learner;
-- all 88 values compared, mismatches (none expected), then the values, rounded
CREATE TEMP VIEW rf_compared AS
SELECT e.learner, e.feature, e.value AS expected, j.value AS got
FROM rf_expected e
LEFT JOIN (SELECT f.learner, kv.key AS feature, kv.value::float8 AS value
             FROM rf_jan20 f, jsonb_each_text(to_jsonb(f)) kv) j
  ON j.learner = e.learner AND j.feature = e.feature;
SELECT count(*) AS compared, count(*) FILTER (WHERE expected IS NOT NULL AND got IS NOT NULL) AS both_known
FROM rf_compared;
SELECT * FROM rf_compared WHERE expected IS NULL OR got IS NULL OR abs(got - expected) > 1e-9 ORDER BY 1, 2;
SELECT learner, round(activity_7d::numeric, 4) AS a7, round(activity_vs_baseline::numeric, 4) AS vs_base,
       days_inactive, round(activity_trend_14d::numeric, 5) AS trend, assessments_missed AS missed,
       oldest_overdue_days AS oldest, score_vs_cohort AS score, quiz_vs_cohort AS quiz,
       round(module_progress::numeric, 4) AS progress, round(registration_delay::numeric, 4) AS reg_delay
FROM rf_jan20 ORDER BY learner;
-- no NULL anywhere, on any day
SELECT count(*) AS rows,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(f)) kv
                                       WHERE kv.value = 'null' AND kv.key <> 'cohort')) AS with_null
FROM risk_features('2025-12-25', '2026-02-10') f;

-- window edges, by day (L1): streak and inactivity while active, baseline under 7 days, quiz
-- attempts leaving the 14-day window (Jan 6 counts on Jan 19, not on Jan 20), a3 due in 14 days
-- from Jan 14 on, module progress of Jan 9 leaving the velocity window after Jan 22
SELECT day, active_streak AS streak, days_inactive AS inactive, activity_vs_baseline AS vs_base,
       active_day_share_28d AS share, round(exp(quiz_attempts_14d)::numeric - 1, 6) AS quiz14,
       assessments_due_14d AS due14, round(module_velocity_14d::numeric, 4) AS velocity
FROM risk_features('2026-01-09', '2026-01-23', 'A') WHERE learner = 'L1'
  AND day IN ('2026-01-09', '2026-01-10', '2026-01-11', '2026-01-13', '2026-01-14', '2026-01-19', '2026-01-20',
              '2026-01-22', '2026-01-23')
ORDER BY day;
-- L2's assessments: a1 late from Jan 9 (never overdue: submitted the day after its due day), a2
-- overdue from Jan 13, one more day each day
SELECT day, assessments_missed AS missed, assessments_late AS late, oldest_overdue_days AS oldest
FROM risk_features('2026-01-08', '2026-01-14', 'A') WHERE learner = 'L2' ORDER BY day;

-- every_days: from Jan 1, every 3 days: L1 11 days (1 .. 31), L4 from Jan 4 (10 days), L2 from
-- Jan 7 to Jan 22 (6 days, it leaves on Jan 25); the course filter leaves B out
SELECT learner, count(*) AS days, min(day), max(day)
FROM risk_features('2026-01-01', '2026-01-31', 'A', 3) GROUP BY learner ORDER BY learner;
SELECT DISTINCT course FROM risk_features('2026-01-01', '2026-01-31', 'B');
-- a learner leaving the day after t is at risk on t only
SELECT max(day) FROM risk_features('2026-01-20', '2026-02-10') WHERE learner = 'L2';
-- before enrolment: no row
SELECT min(day) FROM risk_features('2025-12-20', '2026-01-10') WHERE learner = 'L3';

-- labels and the risk set: L1 withdraws on Jan 25 (horizon 5: labelled from Jan 20 = 25 - 5, not
-- on Jan 19), L3 passes on Jan 18 (its days end on Jan 17), L4's outcome is 'Withdrawn' on Jan 30
CREATE TABLE rf_outcome (learner text, outcome text, outcome_at date);
INSERT INTO rf_outcome VALUES ('L1', 'withdrawn', '2026-01-25'), ('L3', 'passed', '2026-01-18'),
  ('L4', 'Withdrawn', '2026-01-30'), ('L4', 'withdrawn', '2026-02-03'), (NULL, 'withdrawn', '2026-01-20');
SELECT learner, count(*) AS days, max(day) AS last_day, min(day) FILTER (WHERE label) AS first_label,
       max(day) FILTER (WHERE NOT label) AS last_unlabelled, count(*) FILTER (WHERE label) AS labelled,
       min(dropout_day) AS dropout_day
FROM risk_training_rows('2026-01-10', '2026-01-31', 'rf_outcome', 5) GROUP BY learner ORDER BY learner;
-- the features of a training row are those of risk_features
SELECT count(*) AS differing FROM (
  SELECT learner, course, cohort, day, activity_7d, activity_14d, activity_28d, activity_vs_baseline,
         days_inactive, active_streak, active_day_share_28d, sessions_7d, dwell_7d, activity_trend_14d,
         assessments_due_14d, assessments_missed, assessments_late, oldest_overdue_days, score_vs_cohort,
         quiz_attempts_14d, quiz_vs_cohort, module_progress, module_velocity_14d, days_since_enrolment,
         course_day, registration_delay
    FROM risk_training_rows('2026-01-10', '2026-01-31', 'rf_outcome', 5)
  EXCEPT SELECT * FROM risk_features('2026-01-10', '2026-01-31')) d;
-- horizon 30, every 7 days, other dropout values; an outcome time cut into a day in tz
CREATE TABLE rf_outcome_ts (learner text, outcome text, outcome_at timestamptz);
INSERT INTO rf_outcome_ts VALUES ('L1', 'left', '2026-01-24 23:30+00');
SELECT learner, day, label, dropout_day FROM risk_training_rows('2026-01-03', '2026-01-31', 'rf_outcome_ts', 30,
       'A', 7, '{left}', 'Europe/Paris') WHERE learner = 'L1' ORDER BY day;
SELECT learner, max(day), bool_or(label) FROM risk_training_rows('2026-01-03', '2026-01-31', 'rf_outcome_ts', 30,
       'A', 7, '{left}') WHERE learner = 'L1' GROUP BY learner;

-- kinds of data missing in scope: a NOTICE, and 0
SELECT learner, quiz_attempts_14d, quiz_vs_cohort, module_progress, module_velocity_14d
FROM risk_features('2026-01-20', '2026-01-20', 'B');

-- errors
SELECT * FROM risk_features('2026-01-21', '2026-01-20');
SELECT * FROM risk_features(NULL, '2026-01-20');
SELECT * FROM risk_features('2026-01-01', '2026-01-20', NULL, 0);
SELECT * FROM risk_features('2026-01-01', '2026-01-20', NULL, NULL);
SELECT * FROM risk_features('2026-01-01', 'infinity');
SELECT * FROM risk_features('2010-01-01', '2026-01-20');
SELECT * FROM risk_features('2026-01-01', '2026-01-20', tz => 'Mars/Olympus');
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_outcome', 0);
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_outcome', 367);
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', NULL);
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_outcome', dropout_values => NULL);
CREATE TABLE rf_bad1 (learner text, result text, outcome_at date);
CREATE TABLE rf_bad2 (learner text, outcome text, outcome_at text);
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_bad1');
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_bad2');
SELECT * FROM risk_training_rows('2026-01-01', '2026-01-20', 'rf_missing');

-- privileges: analysts build features and training rows, viewers cannot
CREATE ROLE rf_analyst IN ROLE learnalytics_analyst;
CREATE ROLE rf_viewer IN ROLE learnalytics_viewer;
GRANT SELECT ON rf_outcome TO rf_analyst;
SET ROLE rf_analyst;
SELECT count(*) FROM risk_features('2026-01-20', '2026-01-20');
SELECT count(*) FILTER (WHERE label) FROM risk_training_rows('2026-01-10', '2026-01-31', 'rf_outcome', 5);
RESET ROLE;
SET ROLE rf_viewer;
SELECT count(*) FROM risk_features('2026-01-20', '2026-01-20');
RESET ROLE;
SELECT risk_feature_names() IS NOT NULL AS public_names;

REVOKE SELECT ON rf_outcome FROM rf_analyst;
DROP ROLE rf_analyst, rf_viewer;
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM quiz_attempt;
DELETE FROM module_progress; DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE rf_ev, rf_outcome, rf_outcome_ts, rf_bad1, rf_bad2;
