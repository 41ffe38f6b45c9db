--
-- Templates without their data (alert_template.inputs): with no module_progress row in scope,
-- stalled_start would alert every learner window_days after enrolling; with no quiz_attempt row,
-- low_quiz_attempts would alert nobody (every cohort average is 0). Both say so (a WARNING naming
-- the rule and the kind, SQLSTATE 02000) and fire nothing, in rule_matches, rule_evaluate and
-- replay; with their data they fire as before (hand-computed below).
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- the day-by-day replays' progress NOTICEs depend on the time they take
SET client_min_messages = warning;
SELECT name, inputs FROM alert_template ORDER BY name;

-- course s1: s1a..s1c enrolled Jan 1; no module_progress and no quiz_attempt rows at all
INSERT INTO enrolment (learner, course, cohort, enrolled_at)
SELECT 's1' || x, 's1', 'k', '2026-01-01' FROM unnest('{a,b,c}'::text[]) x;
SELECT name FROM rule_copy('stalled_start', 't_st', '{"course": "s1"}');
SELECT name FROM rule_copy('low_quiz_attempts', 't_qz', '{"course": "s1"}');

-- stalled_start without data: the learners would all match on Jan 10 (idle 9 days since enrolling)
\set VERBOSITY sqlstate
SELECT count(*) FROM rule_matches('t_st', '2026-01-10');
\set VERBOSITY default
SELECT count(*) FROM rule_matches('t_st', '2026-01-10');
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_st', '2026-01-11 20:00+00');
SELECT count(*) FROM alert WHERE rule_name = 't_st';
-- replay: one warning for the whole period, no alert
SELECT count(*) FROM rule_replay_alerts('t_st', '2026-01-02', '2026-01-31');
SELECT alerts, learners_enrolled, learners_touched FROM rule_replay('t_st', '2026-01-02', '2026-01-31');
-- the plain candidates function, which the registry no longer lets run without its data: all three
SELECT learner, persisted FROM learnalytics_internal.candidates_stalled_start(rule_with_overrides('t_st'), '2026-01-10')
ORDER BY learner;

-- low_quiz_attempts without data: nobody (and a warning rather than silence)
SELECT count(*) FROM rule_matches('t_qz', '2026-01-10');
SELECT opened, updated, resolved FROM rule_evaluate('t_qz', '2026-01-11 20:00+00');
SELECT count(*) FROM rule_replay_alerts('t_qz', '2026-01-02', '2026-01-31');

-- data of another course does not count: still missing in s1's scope, present for a rule of s2
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES ('s2a', 's2', 'k', '2026-01-01');
INSERT INTO module_progress VALUES ('s2', 's2a', 'm1', '2026-01-02 09:00+00', 0.1, '2026-01-03 09:00+00');
INSERT INTO quiz_attempt VALUES ('s2', 's2a', '2026-01-05 10:00+00');
SELECT count(*) FROM rule_matches('t_st', '2026-01-10');
SELECT learner, persisted FROM rule_matches('t_st', '2026-01-10', '{"course": "s2"}');
-- nor a row of the learner in another course (matched on learner and course)
INSERT INTO module_progress VALUES ('s2', 's1a', 'm1', '2026-01-02 09:00+00', 0.1, '2026-01-03 09:00+00');
SELECT count(*) FROM rule_matches('t_st', '2026-01-10');
-- a rule with no enrolment in scope is not "missing" anything: nobody matches, no warning
SELECT count(*) FROM rule_matches('t_st', '2026-01-10', '{"course": "nowhere"}');

-- with their data, the templates fire (hand-computed):
-- stalled_start on Jan 10, window 7, threshold 0.2: s1a started m1 Jan 2 at 15%, last active Jan 4
-- (idle 6); s1b and s1c have no row: a start on Jan 1 at 0%, idle 9; all three match
INSERT INTO module_progress VALUES ('s1', 's1a', 'm1', '2026-01-02 09:00+00', 0.15, '2026-01-04 09:00+00');
SELECT learner, persisted, value AS progress FROM rule_matches('t_st', '2026-01-10') ORDER BY learner;
SELECT opened FROM rule_evaluate('t_st', '2026-01-11 20:00+00');
-- replay from Jan 2: s1b and s1c on Jan 8 (a start on Jan 1: the condition holds from Jan 8, with 7
-- idle days, past fire_after 3), s1a on Jan 9 (started Jan 2, idle since Jan 4: 5 days)
SELECT day, learner, persisted FROM rule_replay_alerts('t_st', '2026-01-02', '2026-01-31') ORDER BY day, learner;

-- low_quiz_attempts on Jan 10, window 14, threshold 0.25: s1a 4 attempts, s1b 0, s1c 1;
-- cohort average 5/3, 0.25 x 5/3 = 0.4167: s1b (0) is below it, s1c (1) is not; persisted counts
-- back at most max(fire_after, escalate_after) = 7 days (the average is positive from Jan 3)
INSERT INTO quiz_attempt SELECT 's1', 's1a', timestamptz '2026-01-03 10:00+00' + d * interval '1 day' FROM generate_series(0, 3) d;
INSERT INTO quiz_attempt VALUES ('s1', 's1c', '2026-01-06 10:00+00');
SELECT learner, value AS attempts, round(baseline::numeric, 4) AS cohort_avg, persisted
FROM rule_matches('t_qz', '2026-01-10') ORDER BY learner;

-- the data disappears (a broken feed): the open alerts stay open (the condition is unknown, not
-- cleared), nothing is resolved and no contact counts as re-engaged
SELECT learner, status FROM alert WHERE rule_name = 't_st' ORDER BY learner;
DELETE FROM module_progress WHERE course = 's1';
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_st', '2026-01-12 20:00+00');
SELECT learner, status, evaluated_on FROM alert WHERE rule_name = 't_st' ORDER BY learner;
SELECT count(*) FILTER (WHERE outcome = 're_engaged') AS re_engaged FROM alert_contact c JOIN alert a ON a.id = c.alert_id
WHERE a.rule_name = 't_st';

-- inputs are checked: known learning-data kinds only
INSERT INTO alert_template (name, candidates, inputs, description)
VALUES ('t_bad', 'learnalytics_internal.candidates_inactivity(alert_rule, date)', '{clicks}', 'x');
INSERT INTO alert_template (name, candidates, inputs, description)
VALUES ('t_bad', 'learnalytics_internal.candidates_inactivity(alert_rule, date)', '{NULL}', 'x');
-- a template of one's own can declare inputs too: assignment matched on the course
INSERT INTO alert_template (name, parameters, candidates, inputs, description)
VALUES ('t_own', '{window_days}', 'learnalytics_internal.candidates_inactivity(alert_rule, date)', '{assignment}', 'x');
INSERT INTO alert_rule (name, template, window_days, fire_after, escalate_after, ladder, ladder_after, course)
VALUES ('t_own_rule', 't_own', 7, 1, 1, '{email}', '{1}', 's1');
SELECT count(*) FROM rule_matches('t_own_rule', '2026-01-10');
INSERT INTO assignment VALUES ('s1', 'a1', '2026-02-01 00:00+00');
SELECT count(*) FROM rule_matches('t_own_rule', '2026-01-10');

DELETE FROM alert_outbox; DELETE FROM alert_contact; DELETE FROM alert;
DELETE FROM alert_rule WHERE name IN ('t_st', 't_qz', 't_own_rule'); DELETE FROM alert_template WHERE name = 't_own';
DELETE FROM assignment; DELETE FROM quiz_attempt; DELETE FROM module_progress; DELETE FROM enrolment;
