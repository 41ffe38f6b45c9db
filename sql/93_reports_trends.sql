--
-- reports: the weekly trends, the forecast and alert operations (doc/reports.md). Every chart is
-- parsed with xpath and each mark's data-key/data-value compared with plain SQL over the same rows
-- (the arrays given, the views read as the same role, risk_forecast), in both directions; then the
-- edge inputs and the errors, and a manager who sees only its learners. Everything runs in one
-- transaction that is rolled back (the other tests' data stays).
--
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET jit = off;
SET search_path = learnalytics, public;
BEGIN;
-- the marks of a chart (key, value) and a few facts about the document
CREATE FUNCTION pg_temp.marks(svg text) RETURNS TABLE (k text, v text) LANGUAGE sql AS $$
  SELECT (xpath('/*/@data-key', m))[1]::text, (xpath('/*/@data-value', m))[1]::text
  FROM unnest(xpath('//*[@class="mark"]', svg::xml)) m
$$;
CREATE FUNCTION pg_temp.count_of(svg text, path text) RETURNS integer LANGUAGE sql AS $$
  SELECT (xpath(format('count(%s)', path), svg::xml))[1]::text::integer
$$;
CREATE FUNCTION pg_temp.texts(svg text, class text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(t::text, ' ') FROM unnest(xpath(format('//*[@class="%s"]/text()', class), svg::xml)) t
$$;
-- the two directions of a comparison, as one count of rows that differ
CREATE FUNCTION pg_temp.differences(svg text, oracle text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT k, v FROM pg_temp.marks(%L) EXCEPT ALL (%s))
                                        UNION ALL ((%s) EXCEPT ALL SELECT k, v FROM pg_temp.marks(%L))) d',
                 svg, oracle, oracle, svg) INTO n;
  RETURN n;
END $$;

-------------------------------------------------------------------------------
-- chart_forecast: arrays in, given out of order (sorted by week), with a gap in each line
-------------------------------------------------------------------------------
CREATE TEMP TABLE fc (week date, actual float8, forecast float8, lo float8, hi float8);
INSERT INTO fc VALUES ('2026-01-19', 2, 2.5, 1.25, 3.75), ('2026-01-05', 1, NULL, NULL, NULL),
  ('2026-01-12', NULL, 1.5, 0.1, 2.9), ('2026-01-26', 4, 3.3333333333333335, 2, 4.7), ('2026-02-02', NULL, 3, 1, 5);
SELECT chart_forecast('withdrawals & <forecast>', array_agg(week), array_agg(actual), array_agg(forecast), array_agg(lo), array_agg(hi))
       AS svg FROM fc \gset
SELECT xml_is_well_formed_document(:'svg') AS well_formed,
       (xpath('/*/@data-chart', :'svg'::xml))[1]::text AS chart,
       (xpath('/*/*[1]/text()', :'svg'::xml))[1]::text AS first_title,
       pg_temp.texts(:'svg', 'axis-label') AS axis_labels,
       pg_temp.count_of(:'svg', '//*[@class="mark"]') AS marks,
       pg_temp.count_of(:'svg', '//*[@class="mark"][not(*[local-name()="title"])]') AS marks_without_title;
-- oracle: one mark per non-NULL value, the value as float8 prints it
SELECT pg_temp.differences(:'svg', $$
  SELECT format('week=%s;series=%s', week, s), x::text FROM fc,
    LATERAL (VALUES ('actual', actual), ('forecast', forecast), ('forecast_low', lo), ('forecast_high', hi)) u(s, x)
  WHERE x IS NOT NULL$$) AS differences;
-- the lines: the actual one broken by the gap of Jan 12 and Feb 2 (two pieces), the forecast dashed
-- in one piece from Jan 12; the band one polygon over Jan 12 .. Feb 2
SELECT (xpath('//*[@data-series="actual"]/@d', :'svg'::xml))[1]::text ~ '^M[^M]*M[^M]*$' AS actual_in_two_pieces,
       (xpath('//*[@data-series="forecast"]/@d', :'svg'::xml))[1]::text ~ '^M[^M]*$' AS forecast_in_one_piece,
       (xpath('//*[@data-series="forecast"]/@stroke-dasharray', :'svg'::xml))[1]::text AS dashed,
       pg_temp.count_of(:'svg', '//*[@class="band"]') AS bands;
-- the x axis runs in week order (the tick labels), the points at increasing x
SELECT pg_temp.texts(:'svg', 'tick') AS ticks;
SELECT bool_and(x > px) AS increasing
FROM (SELECT x, lag(x) OVER (ORDER BY k) AS px
        FROM (SELECT (xpath('/*/@data-key', m))[1]::text AS k, (xpath('/*/@cx', m))[1]::text::float8 AS x
                FROM unnest(xpath('//*[local-name()="circle"][contains(@data-key, "series=forecast")]', :'svg'::xml)) m) q) r
WHERE px IS NOT NULL;
-- the hover text of a mark says what, when and how much
SELECT (xpath('//*[@data-key="week=2026-01-26;series=forecast"]/*[local-name()="title"]/text()', :'svg'::xml))[1]::text AS hover;

-- edge inputs: empty, one week, all zero, huge, series left out (NULL), width and height clamped
SELECT pg_temp.count_of(s, '//*[@class="no-data"]') AS no_data, pg_temp.count_of(s, '//*[@class="mark"]') AS marks
FROM (SELECT chart_forecast('empty', '{}', '{}', '{}', '{}', '{}') s UNION ALL
      SELECT chart_forecast('null weeks', NULL, NULL, NULL, NULL, NULL)) q;
SELECT pg_temp.differences(s, $$VALUES ('week=2026-03-02;series=actual', '7'), ('week=2026-03-02;series=forecast', '6.5')$$) AS differences,
       pg_temp.texts(s, 'tick') AS ticks
FROM chart_forecast('one week', '{2026-03-02}', '{7}', '{6.5}', NULL, NULL) s;
SELECT pg_temp.count_of(s, '//*[@class="mark"]') AS marks, pg_temp.texts(s, 'tick') AS ticks
FROM chart_forecast('all zero', '{2026-03-02,2026-03-09}', '{0,0}', '{0,0}', '{0,0}', '{0,0}') s;
SELECT pg_temp.differences(s, $$VALUES ('week=2026-03-02;series=actual', '1234567890123'), ('week=2026-03-09;series=actual', '3.4e+15')$$) AS differences,
       pg_temp.texts(s, 'tick') AS ticks
FROM chart_forecast('huge', '{2026-03-02,2026-03-09}', '{1234567890123,3.4e15}', NULL, NULL, NULL, 'bytes', 'B') s;
SELECT pg_temp.texts(s, 'tick') AS ticks
FROM chart_forecast('negative', '{2026-03-02,2026-03-09}', '{-5,3}', NULL, NULL, NULL, 'change') s;
SELECT (xpath('/*/@viewBox', s::xml))[1]::text AS small, (xpath('/*/@viewBox', t::xml))[1]::text AS big
FROM chart_forecast('tiny', '{2026-03-02}', '{1}', NULL, NULL, NULL, width => 10, height => 10) s,
     chart_forecast('wide', '{2026-03-02}', '{1}', NULL, NULL, NULL, width => 9999, height => 9999) t;
-- errors (22023, naming the argument)
SELECT chart_forecast('t', '{2026-03-02,2026-03-09}', '{1}', NULL, NULL, NULL);
SELECT chart_forecast('t', '{2026-03-02,2026-03-09}', NULL, '{1,2,3}', NULL, NULL);
SELECT chart_forecast('t', '{2026-03-02}', NULL, NULL, '{1}', '{1,2}');
SELECT chart_forecast('t', '{2026-03-02,2026-03-09}', '{1,NaN}', NULL, NULL, NULL);
SELECT chart_forecast('t', '{2026-03-02,2026-03-09}', NULL, '{1,2}', '{0,Infinity}', '{2,3}');
SELECT chart_forecast('t', '{2026-03-02,2026-03-09}', NULL, '{1,2}', '{0,3}', '{2,2.5}');
SELECT chart_forecast('t', '{2026-03-02,2026-03-02}', '{1,2}', NULL, NULL, NULL);
SELECT chart_forecast('t', '{2026-03-02,NULL}', '{1,2}', NULL, NULL, NULL);
SELECT chart_forecast('t', '{{2026-03-02},{2026-03-09}}', NULL, NULL, NULL, NULL);

-------------------------------------------------------------------------------
-- The charts over the views. Learners (enrolled 2026-01-05 in c1, unless said; org unit):
--   a [north] active every day through Jan 31            completes both modules on Jan 20
--   b [north] active Jan 5-10, left Jan 21
--   c [south] never active, left Jan 28
--   d [south] active Jan 5-16
--   e [south] c2, active Jan 5-12
--   f [north] not enrolled: only an alert (a manager's count of alerts includes it)
-- The stub risk model of sql/58 (p = 1 / (1 + exp(2.5 - days_inactive)), horizon 30 days), active,
-- with stored scores on Jan 19 (weekly_executive_metrics' forecast).
-------------------------------------------------------------------------------
TRUNCATE enrolment, module_progress, alert, alert_contact, coach_assignment, alert_outbox, coach,
         learner_engagement, learner_org_unit, org_unit_manager, risk_model,
         learnalytics_internal.risk_score_current CASCADE;
CREATE ROLE la_tr_manager IN ROLE learnalytics_viewer;
CREATE ROLE la_tr_analyst IN ROLE learnalytics_analyst;
CREATE ROLE la_tr_nobody;
INSERT INTO learner_org_unit VALUES ('a', 'north'), ('b', 'north'), ('f', 'north'), ('c', 'south'), ('d', 'south'), ('e', 'south');
INSERT INTO org_unit_manager VALUES ('la_tr_manager', 'north');
CREATE TABLE tr_act (learner text, ts timestamptz);
INSERT INTO tr_act
SELECT v.l, timestamptz '2026-01-05 10:00+00' + (g - 1) * interval '1 day'
FROM (VALUES ('a', 27), ('b', 6), ('d', 12), ('e', 8)) v(l, last_day), generate_series(1, 27) g
WHERE g <= v.last_day;
SELECT engagement_refresh('tr_act', 'learner', 'ts') AS learners;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('a', 'c1', 'x', '2026-01-05 08:00+00', NULL), ('b', 'c1', 'x', '2026-01-05 08:00+00', '2026-01-21 09:00+00'),
  ('c', 'c1', 'x', '2026-01-06 08:00+00', '2026-01-28 09:00+00'), ('d', 'c1', 'x', '2026-01-12 08:00+00', NULL),
  ('e', 'c2', 'y', '2026-01-05 08:00+00', NULL);
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'a', 'm1', '2026-01-05 09:00+00', 1, '2026-01-12 09:00+00'),
  ('c1', 'a', 'm2', '2026-01-13 09:00+00', 1, '2026-01-20 09:00+00'),
  ('c1', 'd', 'm1', '2026-01-12 09:00+00', 0.5, '2026-01-14 09:00+00'),
  ('c2', 'e', 'm1', '2026-01-05 09:00+00', 0.2, '2026-01-06 09:00+00');
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, description)
VALUES ('m1', 1, '{days_inactive}', '{-2.5,1}', '{0}', '{1}', 1, 30, '2025-01-01', '2025-12-31',
        1, 100, 10, 1, true, 'none', 'stub: p >= 0.5 when 3 days inactive');
SELECT name, version, active FROM risk_model_activate('m1', 1);
INSERT INTO learnalytics_internal.risk_score_current (model, version, learner, course, day, probability,
                                                      raw_probability, reasons)
SELECT 'm1', 1, v.l, v.c, '2026-01-19', v.p, v.p, 'stub'
FROM (VALUES ('a', 'c1', 0.0759), ('b', 'c1', 0.9), ('c', 'c1', 0.99), ('d', 'c1', 0.3775), ('e', 'c2', 0.6)) v(l, c, p);
-- alerts over four weeks with every severity, contacts with outcomes, two coaches
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, persisted, risk_score, closed_on, closed_at, close_reason)
SELECT 'engagement_dip', 1, 'engagement', 'engagement_dip', v.l, 'c1', v.st, v.sev, v.d, v.d, 1, 1,
       CASE WHEN v.st = 'resolved' THEN v.d + 2 END, CASE WHEN v.st = 'resolved' THEN v.d + 2 + time '12:00' END,
       CASE WHEN v.st = 'resolved' THEN 'condition_cleared' END
FROM (VALUES ('a', 'open', 'low', date '2026-01-06'), ('b', 'coach_required', 'high', '2026-01-07'),
             ('c', 'coach_required', 'critical', '2026-01-08'), ('d', 'open', 'medium', '2026-01-14'),
             ('e', 'coach_required', 'high', '2026-01-15'), ('a', 'resolved', 'critical', '2026-01-27'),
             ('f', 'coach_required', 'medium', '2026-01-28')) v(l, st, sev, d);
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome)
SELECT id, 1, 'in_app_nudge', 'automated', opened_on,
       (ARRAY['re_engaged', 'withdrew', 'no_response', 'not_re_engaged', 'timed_out', 'cancelled', 'pending'])
         [1 + (row_number() OVER (ORDER BY opened_on, learner, severity)) % 7]   -- not the id: earlier tests advance it
FROM alert;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome)
SELECT id, 3, 'coach_call', 'human', opened_on + 3, 're_engaged' FROM alert WHERE status = 'coach_required';
INSERT INTO coach (name, capacity) VALUES ('ada', 2), ('grace hopper with a very long name indeed', 3);
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT id, CASE WHEN learner = 'b' THEN 'ada' ELSE 'grace hopper with a very long name indeed' END, opened_on + 1
FROM alert WHERE status = 'coach_required' AND learner IN ('b', 'e');

-- weekly_alert_operations: the severity columns add up to alerts_raised and equal a count by hand
-- from the alerts (Jan 5: high, critical, low; Jan 12: medium, high; Jan 26: critical, medium)
SELECT week, alerts_raised, alerts_critical, alerts_high, alerts_medium, alerts_low
FROM weekly_alert_operations ORDER BY week;
SELECT count(*) AS differences
FROM weekly_alert_operations o
FULL JOIN (SELECT date_trunc('week', opened_on)::date AS week, count(*) FILTER (WHERE severity = 'critical') AS c,
                  count(*) FILTER (WHERE severity = 'high') AS h, count(*) FILTER (WHERE severity = 'medium') AS m,
                  count(*) FILTER (WHERE severity = 'low') AS l
             FROM alert GROUP BY 1) x USING (week)
WHERE (o.alerts_critical, o.alerts_high, o.alerts_medium, o.alerts_low) IS DISTINCT FROM
      (coalesce(x.c, 0), coalesce(x.h, 0), coalesce(x.m, 0), coalesce(x.l, 0))
   OR o.alerts_raised <> o.alerts_critical + o.alerts_high + o.alerts_medium + o.alerts_low;

-- chart_alert_operations: one mark per non-zero severity and outcome count and per week's coach
-- cases, a point per week of the backlog, the capacity line, a bar per coach (open cases now)
CREATE TEMP VIEW ops_oracle AS
SELECT format('week=%s;series=%s', o.week, u.s) AS k, u.x::text AS v
FROM weekly_alert_operations o,
  LATERAL (VALUES ('alerts_critical', o.alerts_critical), ('alerts_high', o.alerts_high),
                  ('alerts_medium', o.alerts_medium), ('alerts_low', o.alerts_low),
                  ('re_engaged', o.re_engaged), ('withdrew', o.withdrew), ('no_response', o.no_response),
                  ('not_re_engaged', o.not_re_engaged), ('timed_out', o.timed_out), ('cancelled', o.cancelled),
                  ('pending', o.pending), ('coach_cases', o.coach_cases)) u(s, x)
WHERE u.x <> 0
UNION ALL SELECT format('week=%s;series=coach_backlog_now', week), coach_backlog_now::text FROM weekly_alert_operations
UNION ALL SELECT DISTINCT 'series=coach_capacity', coach_capacity::text FROM weekly_alert_operations
UNION ALL SELECT format('coach=%s;series=open_cases', coach), open_cases::text FROM coach_load;
GRANT SELECT ON ops_oracle TO PUBLIC;
SELECT chart_alert_operations() AS ops \gset
SELECT xml_is_well_formed_document(:'ops') AS well_formed, pg_temp.count_of(:'ops', '//*[@class="mark"]') AS marks,
       pg_temp.differences(:'ops', 'SELECT k, v FROM ops_oracle') AS differences,
       pg_temp.count_of(:'ops', '//*[@class="axis-label"]') AS axis_labels,
       pg_temp.texts(:'ops', 'panel-title') AS panels;
-- by hand: the week of Jan 5 has one critical, one high and one low alert; ada has one open case
SELECT k, v FROM pg_temp.marks(:'ops')
WHERE k LIKE 'week=2026-01-05;series=alerts_%' OR k LIKE 'coach=%' OR k LIKE 'series=%' ORDER BY k;
-- a period: only its weeks; a period without operations: the empty chart
SELECT count(*) FILTER (WHERE k LIKE 'week=%') AS weekly_marks,
       count(*) FILTER (WHERE k LIKE 'week=%' AND k NOT LIKE 'week=2026-01-12;%') AS other_weeks
FROM pg_temp.marks(chart_alert_operations('2026-01-12', '2026-01-12'));
SELECT pg_temp.count_of(chart_alert_operations('2027-01-04', '2027-02-01'), '//*[@class="no-data"]') AS no_data;
SELECT chart_alert_operations('2026-02-01', '2026-01-01');

-- chart_weekly_trend: completion and dropout % of every week of c1 (numeric as the view prints
-- it), and the expected withdrawals of the week of Jan 19 with the interval
CREATE TEMP VIEW trend_oracle AS
SELECT format('week=%s;series=%s', m.week, u.s) AS k, u.x AS v
FROM weekly_executive_metrics m,
  LATERAL (VALUES ('completion_pct', m.completion_pct::text), ('dropout_pct', m.dropout_pct::text),
                  ('expected_withdrawals', m.expected_withdrawals::text),
                  ('expected_withdrawals_low', m.expected_withdrawals_low::text),
                  ('expected_withdrawals_high', m.expected_withdrawals_high::text)) u(s, x)
WHERE m.course = 'c1' AND u.x IS NOT NULL
  AND (u.s NOT LIKE 'expected%' OR m.expected_withdrawals IS NOT NULL);   -- the weeks with a forecast
GRANT SELECT ON trend_oracle TO PUBLIC;
SELECT chart_weekly_trend('c1') AS trend \gset
SELECT xml_is_well_formed_document(:'trend') AS well_formed, pg_temp.count_of(:'trend', '//*[@class="mark"]') AS marks,
       pg_temp.differences(:'trend', 'SELECT k, v FROM trend_oracle') AS differences,
       pg_temp.texts(:'trend', 'panel-title') AS panels;
-- by hand: by the end of the week of Jan 19 four enrolled, a completed (Jan 20), b left (Jan 21):
-- 25.0 % each; by the end of the next week c left too (Jan 28): dropout 50.0 %; expected
-- withdrawals on Jan 19: 0.0759 + 0.9 + 0.99 + 0.3775 = 2.3434
SELECT k, v FROM pg_temp.marks(:'trend') WHERE k ~ '2026-01-(19|26)' ORDER BY k;
-- a period; a course without weeks; errors
SELECT count(*) AS marks, min(k) AS first, max(k) AS last
FROM pg_temp.marks(chart_weekly_trend('c1', '2026-01-12', '2026-01-19'));
SELECT pg_temp.count_of(chart_weekly_trend('no such course'), '//*[@class="no-data"]') AS no_data;
SELECT chart_weekly_trend(NULL);
SELECT chart_weekly_trend('c1', '2026-02-01', '2026-01-01');

-- chart_withdrawal_forecast = risk_forecast over the same rows (the expected withdrawals and the
-- interval as float8 prints them, the actual ones given outcomes)
-- an analyst draws it (first: risk_forecast's work tables are then the analyst's in this
-- transaction), the same as risk_forecast read by the analyst
SET ROLE la_tr_analyst;
CREATE TEMP TABLE wf_analyst AS
SELECT format('week=%s;series=%s', f.week, u.s) AS k, u.x AS v
FROM risk_forecast('m1', '2026-01-05', '2026-01-31', 'c1') f,
  LATERAL (VALUES ('forecast', f.expected_withdrawals::text), ('forecast_low', f.expected_low::text),
                  ('forecast_high', f.expected_high::text)) u(s, x);
SELECT count(*) AS oracle_rows,
       pg_temp.differences(chart_withdrawal_forecast('m1', 'c1', '2026-01-05', '2026-01-31'), 'SELECT k, v FROM wf_analyst')
         AS analyst_differences
FROM wf_analyst;
RESET ROLE;
CREATE TEMP TABLE tr_outcomes (learner text, outcome text, outcome_at timestamptz);
INSERT INTO tr_outcomes VALUES ('b', 'withdrawn', '2026-01-21 09:00+00'), ('c', 'withdrawn', '2026-01-28 09:00+00');
SELECT chart_withdrawal_forecast('m1', 'c1', '2026-01-05', '2026-01-31', 'tr_outcomes') AS wf \gset
CREATE TEMP TABLE wf_oracle AS
SELECT format('week=%s;series=%s', f.week, u.s) AS k, u.x AS v
FROM risk_forecast('m1', '2026-01-05', '2026-01-31', 'c1', outcomes => 'tr_outcomes') f,
  LATERAL (VALUES ('actual', f.actual_withdrawals::text), ('forecast', f.expected_withdrawals::text),
                  ('forecast_low', f.expected_low::text), ('forecast_high', f.expected_high::text)) u(s, x)
WHERE u.x IS NOT NULL;
SELECT xml_is_well_formed_document(:'wf') AS well_formed, (xpath('/*/@data-chart', :'wf'::xml))[1]::text AS chart,
       pg_temp.count_of(:'wf', '//*[@class="mark"]') AS marks, (SELECT count(*) FROM wf_oracle) AS oracle_rows,
       pg_temp.differences(:'wf', 'SELECT k, v FROM wf_oracle') AS differences;
SELECT k, v FROM pg_temp.marks(:'wf') WHERE k LIKE '%series=actual' ORDER BY k;
-- without outcomes: no actual series; a course with no learner at risk: the empty chart
SELECT count(*) FILTER (WHERE k LIKE '%series=actual') AS actual_marks, count(*) AS marks
FROM pg_temp.marks(chart_withdrawal_forecast('m1', 'c1', '2026-01-05', '2026-01-31'));
SELECT pg_temp.count_of(chart_withdrawal_forecast('m1', 'nothing', '2026-01-05', '2026-01-31'), '//*[@class="no-data"]') AS no_data;
SELECT chart_withdrawal_forecast('m1', NULL, '2026-01-05', '2026-01-31');
SELECT chart_withdrawal_forecast('nope', 'c1', '2026-01-05', '2026-01-31');

-------------------------------------------------------------------------------
-- Roles. A manager of north (a, b, f) sees its learners' counts only: the marks equal the views
-- read as the manager and a count by hand; the oracle views above are read as the manager too.
-------------------------------------------------------------------------------
SET ROLE la_tr_manager;
SELECT chart_alert_operations() AS ops_m \gset
SELECT pg_temp.differences(:'ops_m', 'SELECT k, v FROM ops_oracle') AS differences;
-- by hand: north's alerts: a (Jan 6, low), b (Jan 7, high), a (Jan 27, critical), f (Jan 28, medium)
SELECT k, v FROM pg_temp.marks(:'ops_m') WHERE k LIKE '%series=alerts_%' ORDER BY k;
SELECT chart_weekly_trend('c1') AS trend_m \gset
SELECT pg_temp.differences(:'trend_m', 'SELECT k, v FROM trend_oracle') AS differences;
-- by hand: north's learners in c1 are a and b; in the week of Jan 19 a completed and b left:
-- 50.0 % each; expected withdrawals on Jan 19: 0.0759 + 0.9 = 0.9759
SELECT k, v FROM pg_temp.marks(:'trend_m') WHERE k ~ '2026-01-(19|26)' ORDER BY k;
-- risk_forecast is the analysts': the manager may not draw it
SELECT chart_withdrawal_forecast('m1', 'c1', '2026-01-05', '2026-01-31');
RESET ROLE;
-- the generic chart for a viewer; a role in no group may not draw the views' charts
SET ROLE la_tr_manager;
SELECT pg_temp.count_of(chart_forecast('t', '{2026-03-02}', '{1}', '{2}', '{1}', '{3}'), '//*[@class="mark"]') AS marks;
RESET ROLE;
GRANT USAGE ON SCHEMA learnalytics TO la_tr_nobody;
SET ROLE la_tr_nobody;
SELECT learnalytics.chart_weekly_trend('c1');
SELECT learnalytics.chart_alert_operations();
RESET ROLE;
ROLLBACK;
