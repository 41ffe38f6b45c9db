--
-- risk features: no leakage (doc/risk_features.md). Features of every day Jan 1..31, then data
-- dated after t = Jan 20 is added — events (one just after midnight following an event late on
-- Jan 20, which joins its session), submissions with scores, quiz attempts, module progress, a new
-- learner of the cohort — and the summaries are rebuilt: every feature on or before Jan 20 is
-- identical, and the later days change, feature by feature, so the test can fail.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
DELETE FROM learning_source;
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM quiz_attempt;
DELETE FROM module_progress; DELETE FROM enrolment; DELETE FROM learner_engagement;

CREATE TABLE lk_ev (learner_id text, ts timestamptz);
INSERT INTO lk_ev SELECT 'L' || l, d + (l || ' hours')::interval
FROM generate_series(1, 4) l, generate_series(timestamptz '2025-12-28', '2026-01-20', '1 day') d
WHERE (extract(day FROM d)::int + l) % (l + 1) <> 0;
INSERT INTO lk_ev VALUES ('L1', '2026-01-20 23:50'), ('L2', '2026-01-20 23:59:59');
SELECT engagement_refresh('lk_ev');
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('L1', 'A', 'c1', '2026-01-01', NULL), ('L2', 'A', 'c1', '2026-01-02', NULL),
  ('L3', 'A', 'c1', '2026-01-03', '2026-01-28'), ('L4', 'A', 'c2', '2026-01-01', NULL);
INSERT INTO assignment VALUES ('A', 'a1', '2026-01-10 12:00'), ('A', 'a2', '2026-01-18 12:00'),
  ('A', 'a3', '2026-01-24 12:00'), ('A', 'a4', '2026-02-15 12:00');
INSERT INTO assignment_submission VALUES
  ('A', 'a1', 'L1', '2026-01-09 10:00', 70), ('A', 'a1', 'L2', '2026-01-11 10:00', 50),
  ('A', 'a1', 'L4', '2026-01-10 10:00', 80), ('A', 'a2', 'L1', '2026-01-18 10:00', 90);
INSERT INTO quiz_attempt VALUES ('A', 'L1', '2026-01-12 10:00'), ('A', 'L2', '2026-01-19 10:00'),
  ('A', 'L3', '2026-01-20 23:00');
INSERT INTO module_progress VALUES ('A', 'L1', 'm1', '2026-01-05 10:00', 0.8, '2026-01-15 10:00'),
  ('A', 'L2', 'm1', '2026-01-06 10:00', 0.4, '2026-01-20 22:00');

CREATE TEMP TABLE lk_before AS SELECT * FROM risk_features('2026-01-01', '2026-01-31');

-- data dated after Jan 20
INSERT INTO lk_ev VALUES ('L1', '2026-01-21 00:05'), ('L1', '2026-01-21 00:20'),   -- L1's Jan 20 session grows
  ('L3', '2026-01-21 00:00'), ('L3', '2026-01-23 10:00'), ('L4', '2026-01-22 10:00'), ('L5', '2026-01-25 10:00');
INSERT INTO assignment_submission VALUES
  ('A', 'a2', 'L2', '2026-01-21 00:00', 30),                       -- late, lowers a2's cohort mean
  ('A', 'a3', 'L1', '2026-01-25 10:00', 60), ('A', 'a1', 'L3', '2026-01-22 10:00', 100),
  ('A', 'a1', 'L1', '2026-01-23 10:00', 10);                       -- a second submission: the first counts
INSERT INTO quiz_attempt VALUES ('A', 'L1', '2026-01-21 00:00'), ('A', 'L2', '2026-01-26 10:00'),
  ('A', 'L5', '2026-01-27 10:00');
INSERT INTO module_progress VALUES ('A', 'L1', 'm2', '2026-01-21 10:00', 0.5, '2026-01-22 10:00'),
  ('A', 'L3', 'm3', '2026-01-24 10:00', 1, NULL), ('A', 'L4', 'm1', '2026-01-21 00:00', 0.1, NULL);
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES ('L5', 'A', 'c1', '2026-01-21 00:00');
SELECT engagement_refresh('lk_ev');

CREATE TEMP TABLE lk_after AS SELECT * FROM risk_features('2026-01-01', '2026-01-31');

-- on or before Jan 20: the same rows, every column identical
SELECT (SELECT count(*) FROM lk_before WHERE day <= '2026-01-20') AS rows_to_t,
       (SELECT count(*) FROM (SELECT * FROM lk_before WHERE day <= '2026-01-20'
                              EXCEPT ALL SELECT * FROM lk_after WHERE day <= '2026-01-20') d) AS lost_or_changed,
       (SELECT count(*) FROM (SELECT * FROM lk_after WHERE day <= '2026-01-20'
                              EXCEPT ALL SELECT * FROM lk_before WHERE day <= '2026-01-20') d) AS new_or_changed;
-- after Jan 20: the features that changed on some learner-day (each kind of data added shows)
SELECT f.feature, count(*) AS learner_days_changed
FROM lk_before b JOIN lk_after a USING (learner, course, day),
     unnest(risk_feature_names()) f(feature)
WHERE b.day > '2026-01-20' AND (to_jsonb(b) -> f.feature) IS DISTINCT FROM (to_jsonb(a) -> f.feature)
GROUP BY f.feature ORDER BY f.feature;
-- and the new learner's days
SELECT learner, count(*), min(day) FROM lk_after WHERE learner NOT IN (SELECT learner FROM lk_before) GROUP BY learner;

DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM quiz_attempt;
DELETE FROM module_progress; DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE lk_ev;
