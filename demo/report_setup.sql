-- The live state behind the demo's report (doc/reports.md, "The demo's report"): the scored
-- presentation as the product would hold it on the morning of one course day. Included by
-- demo/report.sql (`make demo`) and by test/t/83_oulad_report.sh, after demo/replay.sql (it reads
-- replay.population and replay.split). Everything it writes is what a live installation writes:
-- an enrolment mapping, two enabled rules, coaches, a rollup, a program with its ROI summary, the
-- cases of a fortnight of daily evaluation, and (when the demo trained one) the model's scores.
--
-- psql variables (set before including, else the defaults):
--   report_day    the course day the report is written on ("today"), default 60
--   fee           the money value of one retained student for the ROI case, default 1500 (GBP)
-- It sets: report_course, report_from (day 0), report_today, fortnight_from (today - 14: the fortnight is the 14 days before today).
\if :{?report_day}
\else
  \set report_day 60
\endif
\if :{?fee}
\else
  \set fee 1500
\endif
SELECT presentation AS report_course, start_date AS report_from, start_date + :report_day AS report_today,
       start_date + :report_day - 14 AS fortnight_from
FROM replay.split WHERE role = 'scored' \gset

-- What the database knew that morning: the scored presentation's learners registered by today,
-- with their unregistration only when it happened by today (the views are "now": a later
-- withdrawal would otherwise show as already happened). The replays before used the whole course.
CREATE VIEW replay.report_enrolment AS
SELECT p.enrolment AS learner, p.presentation AS course,
       oulad_timestamp(p.code_presentation, p.first_day) AS enrolled_at,
       CASE WHEN p.withdrew_day <= :report_day THEN oulad_timestamp(p.code_presentation, p.withdrew_day) END AS left_at
FROM replay.population p
WHERE p.presentation = :'report_course' AND p.first_day <= :report_day;
DELETE FROM learning_source WHERE kind = 'enrolment';
INSERT INTO learning_source VALUES ('enrolment', 'replay.report_enrolment',
  '{"learner": "learner", "course": "course", "enrolled_at": "enrolled_at", "left_at": "left_at"}');

-- The clicks before today (days 0 .. today - 1) as an engagement rollup (the heatmap's activity x
-- week): one row per resource used on a day, the activity being the resource's type (OULAD's
-- vle.activity_type).
CREATE TABLE replay.report_activity AS
SELECT a.enrolment AS learner, a.code_module || '/' || a.code_presentation AS course, v.activity_type AS activity,
       a.ts, a.clicks
FROM oulad.activity a JOIN oulad.vle v USING (id_site)
WHERE a.code_module || '/' || a.code_presentation = :'report_course' AND a.day < :report_day;
SELECT rollup_drop(name) FROM rollup WHERE name = 'oulad_report' \g /dev/null
SELECT rollup_create('oulad_report', 'replay.report_activity', learner_column => 'learner', ts_column => 'ts',
                     weight_column => 'clicks', course_column => 'course', activity_column => 'activity') \g /dev/null

-- The rules that run live: the demo's default dip rule and the 21-day inactivity rule, restricted
-- to the presentation (copies of the disabled replay rules, enabled).
DELETE FROM alert_rule WHERE name IN ('oulad_dip', 'oulad_inactive');
SELECT rule_copy('dip_events_60_14_3', 'oulad_dip', jsonb_build_object('course', :'report_course'), true) \g /dev/null
SELECT rule_copy('inactive_21d', 'oulad_inactive', jsonb_build_object('course', :'report_course'), true) \g /dev/null

-- Two coaches: 15 open cases each at most, 3 new cases a day each.
DELETE FROM coach;
INSERT INTO coach (name, capacity, course, daily_intake) VALUES
  ('coach_amara', 15, :'report_course', 3), ('coach_ben', 15, :'report_course', 3);

-- The fortnight before today, live: each course day evaluated once after midnight (the last
-- complete day is that day) and the coach queue assigned, as a schedule would (doc/alerts.md,
-- "Scheduling"). demo/report.sql shows the same fortnight through alert_replay_daily first: the
-- replay is the engine, rolled back, so it equals what this writes.
SELECT count(*) AS evaluations
FROM generate_series(:'fortnight_from'::date, :'report_today'::date - 1, interval '1 day') d(day)
CROSS JOIN LATERAL (SELECT sum(e.opened) AS opened
                    FROM rule_evaluate_all(((d.day::date + 1)::timestamp AT TIME ZONE 'UTC'),
                                           '{oulad_dip,oulad_inactive}') e) e
CROSS JOIN LATERAL coach_assign_cases(d.day::date) c \gset

-- The churn model of the demo (demo/model.sql), when there is one: active, scored as of the last
-- complete day (yesterday) for learner_risk, the coach queue's priority and the executive forecast.
SELECT count(risk_model_activate(name, version)) AS models_activated
FROM (SELECT name, max(version) AS version FROM risk_model WHERE name = 'oulad_churn' GROUP BY name) m \gset
SELECT risk_model_refresh(:'report_today'::date - 1) AS learners_scored \gset

-- A worked ROI case: the coaching program of the presentation (doc/roi.md). The assumptions are in
-- the items, each one written out: the benefit is the fee of the students coaching keeps, counted
-- for the cases coaches took so far: 1 in 5 of them would have withdrawn and stays (success rate
-- 0.2), worth :fee each; half of that is credited to coaching (isolation 0.5, the rest to
-- everything else that happened), discounted to 80% for the quality of the estimate (confidence
-- 0.8). The costs are fully loaded: an hour and a half of a coach at 35 per case, the platform's
-- share, the evaluation. An intangible is listed, not valued.
DELETE FROM program WHERE name = 'oulad_coaching';
CREATE TABLE replay.roi_item AS
SELECT * FROM (
  SELECT 'benefit' AS kind, 'students kept by coaching' AS label,
         round(count(*) * 0.2 * :fee, 2) AS amount, 0.5 AS isolation, 0.8 AS confidence,
         format('%s cases taken by a coach x 0.2 kept x %s', count(*), :fee) AS how
  FROM coach_assignment ca JOIN alert a ON a.id = ca.alert_id WHERE a.course = :'report_course'
  UNION ALL
  SELECT 'cost', 'coaching', round(count(*) * 1.5 * 35, 2), NULL, NULL,
         format('%s cases x 1.5 h x 35', count(*))
  FROM coach_assignment ca JOIN alert a ON a.id = ca.alert_id WHERE a.course = :'report_course'
  UNION ALL VALUES ('cost', 'platform_licences', 1200.00, NULL::numeric, NULL::numeric, 'the platform''s share for the presentation'),
                   ('cost', 'evaluation', 800.00, NULL, NULL, 'this evaluation'),
                   ('intangible', 'learners feel noticed', NULL, NULL, NULL, 'not valued')) i;
INSERT INTO program (name, courses, roi, roi_as_of, description)
SELECT 'oulad_coaching', ARRAY[:'report_course'], la_roi_agg(kind, label, amount, isolation, confidence, 'GBP'),
       :'report_today', 'coaching of the learners the live rules flag in ' || :'report_course'
FROM replay.roi_item;
