-- The demo's report (doc/reports.md, "The demo's report"): included last by demo/demo.sql. The
-- scored presentation on the morning of course day :report_day, read by three audiences, and the
-- two-tier HTML report (report_html) written to a file. psql variables: out_dir (a directory the
-- files go to; demo/run.sh passes demo/output), the ones of demo/report_setup.sql, and those
-- demo/rules.sql and demo/model.sql set (:scored, :best_rule, :capacity).
\if :{?out_dir}
\else
  \set out_dir .
\endif
SELECT clock_timestamp() AS report_started \gset
\ir report_setup.sql

\echo
\echo '== 13. the report of' :report_course 'on the morning of course day' :report_day '(' :report_today ') =='
\echo 'The product as it would run live: the clicks up to today (a rollup), the two rules evaluated every day of the'
\echo 'fortnight before and the coach queue assigned (2 coaches, 15 open cases, 3 new a day each), the model''s scores'
\echo 'of yesterday, a coaching program with its ROI summary. demo/report_setup.sql writes it; nothing is hindsight.'

\echo
\echo '-- 13a. for the analyst: how good are the rules and the model (sections 7 and 9, in one table) --'
\echo 'On' :scored ', every day of the course, with 30 days horizon (rule_replay_evaluate, prediction_evaluate).'
SELECT what, learners, dropouts AS withdrawals, alerts,
       round((100 * precision)::numeric, 1) AS alert_precision_pct, round((100 * recall)::numeric, 1) AS recall_pct,
       lead_time_median AS lead_days,
       CASE WHEN auc IS NOT NULL THEN round(auc::numeric, 3)::text ELSE 'n/a (a rule)' END AS auc,
       format('%s (%s-%s)', round(lift::numeric, 2), round(lift_low::numeric, 2), round(lift_high::numeric, 2)) AS lift_95ci,
       verdict
FROM model.comparison ORDER BY ord;
\echo 'Data quality the analyst should know before trusting a number (quality_status, section 3a):'
SELECT source, course, open, high, medium, low, rows FROM quality_status
WHERE course = :'report_course' OR course IS NULL ORDER BY high DESC, open DESC, source;

\echo
\echo '-- 13b. for the coach lead: a fortnight of the ladder, replayed (alert_replay_daily, rolled back) --'
\echo 'The same two rules, from' :fortnight_from 'to the day before today: cases opened, contacts of the ladder (automated'
\echo 'first, a coach when they fail), cases assigned to coaches and the queue''s overflow at the end of each day.'
SELECT day, cases_opened, reasons_added, contacts_automated AS automated, contacts_human AS coach_contacts,
       coach_required, coach_assigned, cases_closed, open_cases, coach_cases_open, coach_cases_unassigned AS overflow
FROM alert_replay_daily(:'fortnight_from', :'report_today'::date - 1, '{oulad_dip,oulad_inactive}');
\echo 'The ladder so far (alert_effectiveness: contacts per step and their outcomes; human contacts stay pending until'
\echo 'a coach records an outcome):'
SELECT rule_name, step, kind, contacts, re_engaged, withdrew, no_response, not_re_engaged, timed_out, pending,
       re_engagement_rate
FROM alert_effectiveness ORDER BY rule_name, step;
\echo 'Coach capacity (coach_load):'
SELECT coach, capacity, open_cases, daily_intake, free FROM coach_load ORDER BY coach;
\echo 'Today''s queue (coach_queue): cases with a coach, cases waiting in rank order, and those today''s assignment leaves'
\echo 'waiting (overflow):'
SELECT count(*) FILTER (WHERE coach IS NOT NULL) AS with_a_coach, count(*) FILTER (WHERE coach IS NULL) AS waiting,
       count(*) FILTER (WHERE coach IS NULL AND NOT overflow) AS assigned_today_as_planned,
       count(*) FILTER (WHERE overflow) AS overflow
FROM coach_queue WHERE course = :'report_course';
\echo 'The first 10 waiting, highest priority first (the model''s probability x business weight), with the reasons of'
\echo 'learner_risk_state:'
SELECT q.queue_rank AS rank, coalesce(q.planned_coach, 'overflow') AS today, q.learner, q.severity,
       round(q.churn_probability::numeric, 3) AS churn_p, q.opened_on, r.reason
FROM coach_queue q LEFT JOIN learner_risk_state r ON r.learner = q.learner AND r.course = q.course
WHERE q.course = :'report_course' AND q.coach IS NULL
ORDER BY q.queue_rank LIMIT 10;

\echo
\echo '-- 13c. for the executive: trend, forecast and a worked ROI case --'
\echo 'Weekly dropout of' :report_course 'so far (weekly_executive_metrics; the sparkline: dropout % per week):'
SELECT min(week) AS from_week, max(week) AS to_week, sparkline(array_agg(dropout_pct::float8 ORDER BY week), 0) AS dropout_trend,
       (array_agg(enrolled ORDER BY week DESC))[1] AS enrolled_now, (array_agg(dropped ORDER BY week DESC))[1] AS dropped_now,
       (array_agg(dropout_pct ORDER BY week DESC))[1] AS dropout_pct_now,
       (array_agg(dropout_pct_change ORDER BY week DESC))[1] AS change_on_last_week
FROM weekly_executive_metrics WHERE course = :'report_course' AND week BETWEEN date_trunc('week', :'report_from'::date) AND :'report_today';
\echo 'Expected withdrawals within the model''s horizon, from yesterday''s scores (a 95% interval), and what then happened'
\echo '(hindsight, for the demo only):'
SELECT w.forecast_as_of, w.forecast_horizon_days AS horizon_days, round(w.expected_withdrawals::numeric, 1) AS expected,
       format('%s-%s', round(w.expected_withdrawals_low::numeric, 1), round(w.expected_withdrawals_high::numeric, 1)) AS interval_95,
       (SELECT count(*) FROM replay.population p WHERE p.presentation = :'report_course'
          AND p.withdrew_day BETWEEN :report_day AND :report_day + w.forecast_horizon_days - 1) AS withdrew_in_fact
FROM weekly_executive_metrics w
WHERE w.course = :'report_course' AND w.expected_withdrawals IS NOT NULL;
\echo 'The ROI case: program oulad_coaching, its items (every assumption in the open) and its summary (doc/roi.md):'
SELECT kind, label, amount, isolation, confidence, how FROM replay.roi_item ORDER BY kind, label;
SELECT currency(roi) AS currency, adjusted_benefits(roi) AS adjusted_benefits, total_costs(roi) AS costs,
       net_benefits(roi) AS net, round(roi_percent(roi), 1) AS roi_pct, round(benefit_cost_ratio(roi), 2) AS bcr,
       round(payback_months(roi), 1) AS payback_months, coalesce(roi_note(roi), '') AS note
FROM program WHERE name = 'oulad_coaching';

-- the files: the ROI chart and the report (both tiers), written as they are returned
\pset format unaligned
\pset tuples_only on
\o :out_dir/oulad_roi.svg
SELECT chart_program_roi('oulad_coaching');
\o :out_dir/oulad_report.html
SELECT report_html(:'report_course', :'report_from', :'report_today', 'both', 20);
\o
\pset format aligned
\pset tuples_only off
\echo
\echo 'The ROI chart (chart_program_roi):' :out_dir/oulad_roi.svg
\echo 'The report (report_html, executive and operations):' :out_dir/oulad_report.html
SELECT round(extract(epoch FROM clock_timestamp() - :'report_started'::timestamptz)) AS section_13_seconds;
