--
-- assignment-miss rule and the capacity-aware coach queue
--   course c2: assignment hw1 due Jan 10 09:00 UTC; learners p..u enrolled Jan 1
--   p submits on time, q submits on Jan 13 (3 days late), r..u never submit
--   business weights: r 1 (individual), s 5 (enterprise), t 2, u 1
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
INSERT INTO enrolment (learner, course, enrolled_at, business_weight)
SELECT l, 'c2', '2026-01-01', w FROM (VALUES ('p', 1), ('q', 1), ('r', 1), ('s', 5), ('t', 2), ('u', 1)) v(l, w);
INSERT INTO assignment VALUES ('c2', 'hw1', '2026-01-10 09:00+00');
INSERT INTO assignment_submission VALUES ('c2', 'hw1', 'p', '2026-01-09 12:00+00'), ('c2', 'hw1', 'q', '2026-01-13 10:00+00');
SELECT name, ladder, ladder_after, fire_after, escalate_after, reengage_days
FROM rule_copy('assignment_miss', 't_hw');

CREATE VIEW t_alerts AS
SELECT learner, status, severity, opened_on, value AS days_overdue, persisted,
       detail->>'assignment' AS assignment, detail->>'missing' AS missing, closed_on, close_reason
FROM alert WHERE rule_name = 't_hw' ORDER BY learner, opened_on;
CREATE VIEW t_contacts AS
SELECT a.learner, c.step, c.channel, c.contacted_on, c.outcome
FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name = 't_hw'
ORDER BY a.learner, c.step;

-- 1 day overdue: not yet (fire_after 2)
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_hw', '2026-01-12 12:00+00');
-- 2 days overdue: e-mail reminders for q..u
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_hw', '2026-01-13 12:00+00');
SELECT * FROM t_alerts;
-- q submits on the 13th: resolved, the reminder worked; the others' reminders failed, but SMS waits for day 5
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_hw', '2026-01-14 12:00+00');
SELECT * FROM t_contacts;
-- 5 days overdue: escalated to high and SMS; the coach call needs the SMS to fail too
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_hw', '2026-01-16 12:00+00');
SELECT learner, status, severity, persisted FROM t_alerts;
SELECT opened, updated, resolved, contacts FROM rule_evaluate('t_hw', '2026-01-17 12:00+00');
SELECT * FROM t_contacts WHERE learner = 'r';
SELECT rule_name, step, channel, contacts, re_engaged, no_response, not_re_engaged, pending, re_engagement_rate
FROM alert_effectiveness WHERE rule_name = 't_hw' ORDER BY step;

-- the coach queue: 4 cases, ranked by risk x business weight (s, the enterprise learner, first);
-- one coach with capacity 2 (open cases): two assigned, two visible as overflow, none dropped
INSERT INTO coach VALUES ('kim', 2, NULL, true);
SELECT learner, severity, round(priority::numeric, 3) AS priority, coach, queue_rank, planned_coach, overflow
FROM coach_queue ORDER BY queue_rank;
SELECT coach_assign_cases('2026-01-16');
SELECT learner, coach, assigned_on, queue_rank, overflow FROM coach_queue ORDER BY coach NULLS LAST, queue_rank, learner;
-- capacity is open cases: kim carries 2, so nothing more that day, nor the next (a daily capacity
-- would have given it r and u on the 17th)
SELECT coach_assign_cases('2026-01-16');
SELECT coach_assign_cases('2026-01-17');
SELECT coach, capacity, open_cases, free FROM coach_load;
-- t's case is dismissed on the 17th: one slot; on the 18th kim takes r (ranked before u: equal
-- priority and opening day, the smaller alert id); u stays overflow
UPDATE alert SET status = 'dismissed', closed_on = '2026-01-17', closed_at = '2026-01-17 10:00+00',
                 close_reason = 'dismissed', close_note = 'handled by the tutor'
WHERE learner = 't' AND rule_name = 't_hw';
SELECT coach_assign_cases('2026-01-18');
SELECT learner, coach, assigned_on, queue_rank, overflow FROM coach_queue ORDER BY learner;
-- a course coach takes cases of its course first: lee (course c2, capacity 1) gets s although kim
-- (every course) has more room; kim takes r and u
DELETE FROM coach_assignment;
INSERT INTO coach VALUES ('lee', 1, 'c2', true);
SELECT learner, planned_coach FROM coach_queue ORDER BY queue_rank;
SELECT coach_assign_cases('2026-01-19');
SELECT learner, coach FROM coach_queue ORDER BY queue_rank NULLS FIRST, coach, learner;
-- a coach's recorded outcome counts
SELECT contact_record_outcome(c.id, 're_engaged', '2026-01-18')
FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 's' AND c.channel = 'coach_call';
SELECT contact_record_outcome(0, 're_engaged');
SELECT contact_record_outcome(1, 'maybe');
SELECT step, channel, re_engaged, no_response, not_re_engaged, pending FROM alert_effectiveness WHERE rule_name = 't_hw' ORDER BY step;

DROP VIEW t_alerts, t_contacts;
DELETE FROM coach_assignment; DELETE FROM coach;
DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name = 't_hw';
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM enrolment;
