--
-- low-quiz-attempts and stalled-start rules
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- quiz: course c3, cohort k1; v1 and v2 one attempt a day Jan 2-11, v3 Jan 2-9, v4 never, v5 once on Jan 5
INSERT INTO enrolment (learner, course, cohort, enrolled_at)
SELECT 'v' || i, 'c3', 'k1', '2026-01-01' FROM generate_series(1, 5) i;
INSERT INTO quiz_attempt
SELECT 'c3', l, timestamptz '2026-01-02 10:00+00' + d * interval '1 day'
FROM (VALUES ('v1', 9), ('v2', 9), ('v3', 7)) v(l, n), generate_series(0, n) d
UNION ALL SELECT 'c3', 'v5', '2026-01-05 10:00+00';
SELECT name, threshold, window_days, fire_after, escalate_after FROM rule_copy('low_quiz_attempts', 't_quiz');

-- as of Jan 3: v4 and v5 (no attempts) are below 25% of the cohort average for 2 days (Jan 1 had no attempts at all)
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_quiz', '2026-01-04 20:00+00');
SELECT learner, severity, value AS attempts, round(baseline::numeric, 3) AS cohort_avg, ratio, persisted, detail
FROM alert WHERE rule_name = 't_quiz' ORDER BY learner;
-- as of Jan 12: averages (10 + 10 + 8 + 0 + 1) / 5 = 5.8; v4 (0) and v5 (1 < 1.45) still below: persisted
-- (counted up to escalate_after, 7 days), so escalated to medium
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_quiz', '2026-01-13 20:00+00');
SELECT learner, severity, value AS attempts, round(baseline::numeric, 3) AS cohort_avg,
       round(ratio::numeric, 3) AS ratio, persisted
FROM alert WHERE rule_name = 't_quiz' ORDER BY learner;
-- v5 catches up on the 13th (3 more attempts: 4 >= 0.25 x 6.4): resolved
INSERT INTO quiz_attempt SELECT 'c3', 'v5', timestamptz '2026-01-13 10:00+00' + k * interval '1 minute' FROM generate_series(1, 3) k;
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_quiz', '2026-01-14 20:00+00');
SELECT learner, status, close_reason FROM alert WHERE rule_name = 't_quiz' ORDER BY learner;
-- scoped to another cohort: nobody is evaluated, so the open alert of v4 is resolved
UPDATE alert_rule SET cohort = 'k2' WHERE name = 't_quiz';
SELECT opened, updated, resolved FROM rule_evaluate('t_quiz', '2026-01-15 20:00+00');

-- stalled start: course c4, enrolled Jan 1
--   w1 started m1 on Jan 2, 15% done, last active Jan 4    w2 started Jan 2, 50% done
--   w3 started Jan 2, 10% done, last active Jan 9          w4 never started anything
--   w5 started Jan 8, 5% done (still in its first 7 days on Jan 10)
INSERT INTO enrolment (learner, course, enrolled_at) SELECT 'w' || i, 'c4', '2026-01-01' FROM generate_series(1, 5) i;
INSERT INTO module_progress VALUES
  ('c4', 'w1', 'm1', '2026-01-02 09:00+00', 0.15, '2026-01-04 09:00+00'),
  ('c4', 'w2', 'm1', '2026-01-02 09:00+00', 0.5, '2026-01-04 09:00+00'),
  ('c4', 'w3', 'm1', '2026-01-02 09:00+00', 0.1, '2026-01-09 09:00+00'),
  ('c4', 'w5', 'm1', '2026-01-08 09:00+00', 0.05, NULL);
SELECT name, threshold, window_days, fire_after FROM rule_copy('stalled_start', 't_stall', '{"course": "c4"}');
SELECT learner, persisted, value AS progress, detail FROM learnalytics_internal.rule_candidates(rule_with_overrides('t_stall'), '2026-01-10') ORDER BY learner;
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_stall', '2026-01-11 20:00+00');
SELECT learner, severity, value AS progress, persisted, detail FROM alert WHERE rule_name = 't_stall' ORDER BY learner;
-- Jan 12: w3 idle for 3 days fires; w1 idle 8 days is escalated (escalate_after 7)
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_stall', '2026-01-13 20:00+00');
SELECT learner, severity, persisted FROM alert WHERE rule_name = 't_stall' ORDER BY learner;
-- w1 comes back and makes progress: resolved
UPDATE module_progress SET progress = 0.4, last_activity_at = '2026-01-13 09:00+00' WHERE learner = 'w1';
SELECT opened, updated, resolved FROM rule_evaluate('t_stall', '2026-01-14 20:00+00');
SELECT learner, status, close_reason FROM alert WHERE rule_name = 't_stall' ORDER BY learner;

DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name IN ('t_quiz', 't_stall');
DELETE FROM quiz_attempt; DELETE FROM module_progress; DELETE FROM enrolment;
