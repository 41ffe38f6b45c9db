--
-- dashboards: learner_risk_state, course_dropout_funnel, weekly_alert_operations, weekly_course_outcomes
-- on a hand-built course (5 learners, 2 modules; hand-computed answers in the comments)
--
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('l1', 'c1', 'spring', '2026-03-02 09:00+00', NULL),                    -- completes both modules
  ('l2', 'c1', 'spring', '2026-03-02 09:00+00', '2026-03-20 09:00+00'),   -- 30% of the course, then leaves
  ('l3', 'c1', 'spring', '2026-03-03 09:00+00', NULL),                    -- 50% of the course
  ('l4', 'c1', 'spring', '2026-03-10 09:00+00', NULL),                    -- never starts
  ('l5', 'c1', 'spring', '2026-03-10 09:00+00', '2026-03-12 09:00+00');   -- 10%, leaves
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'l1', 'm1', '2026-03-02 10:00+00', 1, '2026-03-05 10:00+00'),
  ('c1', 'l1', 'm2', '2026-03-06 10:00+00', 1, '2026-03-18 10:00+00'),
  ('c1', 'l2', 'm1', '2026-03-02 10:00+00', 0.6, '2026-03-15 10:00+00'),
  ('c1', 'l3', 'm1', '2026-03-04 10:00+00', 1, '2026-03-11 10:00+00'),
  ('c1', 'l5', 'm1', '2026-03-10 10:00+00', 0.2, '2026-03-11 10:00+00');

-- funnel: enrolled 5, started 4 (l4 never), >=20% l1 l2 l3 (l5 has 0.2/2 = 10%), >=50% l1 l3,
-- completed l1, dropped l2 and l5
SELECT * FROM course_dropout_funnel;

-- alerts: l2 has one open case (opened by a low dip on 2026-03-16; a high assignment miss joined it
-- as a second reason on 2026-03-17 and the case was escalated to a coach), l3 one resolved case;
-- contacts and a coach case in the week of 2026-03-16
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score, closed_on, closed_at, close_reason)
VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'l2', 'c1', 'coach_required', 'high', '2026-03-16', '2026-03-19',
   0, 2.5, 0, 2, 4.2, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'l3', 'c1', 'resolved', 'low', '2026-03-09', '2026-03-12',
   1, 3, 0.33, 1, 1.0, '2026-03-12', '2026-03-12 08:00+00', 'condition_cleared');
INSERT INTO alert_reason (alert_id, rule_name, rule_version, family, template, course, severity, first_on,
                          evaluated_on, cleared_on, value, baseline, ratio, persisted, risk_score)
SELECT a.id, r.* FROM alert a, (VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'c1', 'low', date '2026-03-16', date '2026-03-17', NULL::date,
   0::float8, 2.5::float8, 0::float8, 2, 1.5::float8),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'c1', 'high', '2026-03-17', '2026-03-19', NULL, NULL, NULL, NULL, 5, 4.2))
  r WHERE a.learner = 'l2'
UNION ALL
SELECT a.id, 'engagement_dip', 1, 'engagement', 'engagement_dip', 'c1', 'low', '2026-03-09', '2026-03-12', '2026-03-12',
       1, 3, 0.33, 1, 1.0 FROM alert a WHERE a.learner = 'l3';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT id, 1, 'in_app_nudge', 'automated', opened_on, CASE WHEN learner = 'l3' THEN 're_engaged' ELSE 'not_re_engaged' END,
       opened_on + 2
FROM alert WHERE rule_name = 'engagement_dip';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 3, 'coach_call', 'human', '2026-03-19' FROM alert WHERE learner = 'l2';
INSERT INTO coach (name, capacity) VALUES ('ada', 2);
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT id, 'ada', '2026-03-19' FROM alert WHERE learner = 'l2';

-- l2 is 'left' (left_at set) but its open alerts still show; l1 and l3 ok; l4 and l5 without summaries
SELECT learner, risk, open_alerts, coach_required, max_risk_score, reason FROM learner_risk_state ORDER BY learner;
-- the same learner still enrolled shows the most severe open alert as its risk
UPDATE enrolment SET left_at = NULL WHERE learner = 'l2';
SELECT learner, risk, open_alerts, reason FROM learner_risk_state WHERE learner = 'l2';

-- week of 2026-03-09: 1 alert (l3), 1 contact re-engaged; week of 2026-03-16: 1 case (l2, 2 reasons),
-- 2 contacts (1 not re-engaged, 1 human), 1 coach case; the coaches carry 2 open cases at most (capacity now)
SELECT week, alerts_raised, learners_alerted, contacts, re_engaged, not_re_engaged, escalated_to_humans,
       coach_cases, coach_capacity, coach_backlog_now
FROM weekly_alert_operations ORDER BY week;

-- outcomes by the end of each week: l1 completes on 2026-03-18 (week of 16th); l5 leaves in the week of
-- the 9th, and l2 (left_at restored) in the week of the 16th
UPDATE enrolment SET left_at = '2026-03-20 09:00+00' WHERE learner = 'l2';
SELECT week, enrolled, completed, dropped, completion_pct, dropout_pct, dropout_pct_change
FROM weekly_course_outcomes WHERE week <= '2026-03-23' ORDER BY week;

-- executive view: the programs covering the course with their ROI (published case: benefits 60,000
-- vs costs 20,000 -> ROI 200%, BCR 3; a second, more modest program covering c1 too -> the minimum shows)
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'onboarding', ARRAY['c1', 'c2'], la_roi_agg(kind, label, amount, iso, conf, 'EUR'), '2026-03-31'
FROM (VALUES ('benefit', 'fewer defects', 60000::numeric, 1::numeric, 1::numeric),
             ('cost', 'delivery', 20000, NULL, NULL)) v(kind, label, amount, iso, conf);
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'quality', ARRAY['c1'], la_roi_agg(kind, label, amount, iso, conf, 'EUR'), '2026-03-31'
FROM (VALUES ('benefit', 'rework', 30000::numeric, 1::numeric, 1::numeric),
             ('cost', 'delivery', 20000, NULL, NULL)) v(kind, label, amount, iso, conf);
SELECT week, completion_pct, dropout_pct, dropout_pct_change, programs, min_program_roi_pct, min_program_bcr
FROM weekly_executive_metrics WHERE week BETWEEN '2026-03-09' AND '2026-03-16' ORDER BY week;
INSERT INTO program (name, courses) VALUES ('empty', '{}');
DELETE FROM program;

DELETE FROM coach_assignment; DELETE FROM coach; DELETE FROM alert_contact; DELETE FROM alert;
DELETE FROM module_progress; DELETE FROM enrolment;
