--
-- reports: chart_learner_timeline, the activity_28d sparklines of learner_engagement_state and
-- learner_risk_state, and course_trends (doc/reports.md). The marks of the SVG (parsed with xpath)
-- are compared with plain SQL over the same rows; the hand-computed dips are listed in comments.
-- The views read now(): they are compared in the transaction that wrote their recent events (now()
-- is fixed in it), so the output is the same on any day.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET search_path = learnalytics, public;

-- learner tla: 3 events a day Jan 5..25, nothing Jan 26..31, 2 on Feb 1, 3 on Feb 2;
-- learner tlb: no activity at all (no summary), but an alert; learner z: nothing.
CREATE TABLE tl_clicks (student text, at timestamptz);
INSERT INTO tl_clicks
SELECT 'tla', timestamptz '2026-01-05 10:00+00' + d * interval '1 day' + k * interval '1 minute'
FROM generate_series(0, 20) d, generate_series(1, 3) k
UNION ALL SELECT 'tla', timestamptz '2026-02-01 10:00+00' + k * interval '1 minute' FROM generate_series(1, 2) k
UNION ALL SELECT 'tla', timestamptz '2026-02-02 10:00+00' + k * interval '1 minute' FROM generate_series(1, 3) k;
SELECT engagement_refresh('tl_clicks', 'student', 'at', tz => 'UTC', source_name => 'tl');
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES
  ('tla', 'tlc1', 'w', '2026-01-02 09:00+00'), ('tlb', 'tlc1', 'w', '2026-01-02 09:00+00');
-- a: a high case in c1 (Jan 28 .. Feb 2, resolved) with two contacts, a low case in c2 (Jan 10 .. 12);
-- b: an open medium case in c1 since Jan 20 with a pending automated contact
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, persisted, risk_score, closed_on, closed_at, close_reason)
VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'tla', 'tlc1', 'resolved', 'high', '2026-01-28', '2026-02-02',
   3, 4.5, '2026-02-02', '2026-02-02 08:00+00', 'condition_cleared'),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'tla', 'tlc2', 'resolved', 'low', '2026-01-10', '2026-01-12',
   1, 1.0, '2026-01-12', '2026-01-12 08:00+00', 'condition_cleared'),
  ('inactivity', 1, 'engagement', 'inactivity', 'tlb', 'tlc1', 'open', 'medium', '2026-01-20', '2026-01-20',
   7, 2.0, NULL, NULL, NULL);
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT id, 1, 'in_app_nudge', 'automated', date '2026-01-28', 'not_re_engaged', date '2026-01-30' FROM alert WHERE learner = 'tla' AND course = 'tlc1'
UNION ALL
SELECT id, 2, 'coach_call', 'human', '2026-01-30', 're_engaged', '2026-02-01' FROM alert WHERE learner = 'tla' AND course = 'tlc1'
UNION ALL
SELECT id, 1, 'in_app_nudge', 'automated', '2026-01-10', 're_engaged', '2026-01-11' FROM alert WHERE learner = 'tla' AND course = 'tlc2'
UNION ALL
SELECT id, 1, 'in_app_nudge', 'automated', '2026-01-21', 'pending', NULL FROM alert WHERE learner = 'tlb';

-- the marks of a chart: class, data-key, data-value
CREATE FUNCTION tl_marks(svg text) RETURNS TABLE (kind text, key text, value text)
LANGUAGE sql AS $$
  SELECT split_part((xpath('/*/@class', m))[1]::text, ' ', 2), (xpath('/*/@data-key', m))[1]::text,
         (xpath('/*/@data-value', m))[1]::text
  FROM unnest(xpath('//*[contains(concat(" ", @class, " "), " mark ")]', svg::xml)) m
$$;
CREATE TABLE tl_svg AS
SELECT chart_learner_timeline('tla', '2026-01-01', '2026-02-05') AS all_courses,
       chart_learner_timeline('tla', '2026-01-01', '2026-02-05', course => 'tlc1') AS c1;

-- a well-formed document with its title, a visible title and both axis titles
SELECT xml_is_well_formed_document(all_courses) AS well_formed,
       (xpath('/*/@data-chart', all_courses::xml))[1]::text AS chart,
       (xpath('/*/@viewBox', all_courses::xml))[1]::text AS viewbox,
       (xpath('/*/*[1]/text()', all_courses::xml))[1]::text AS title,
       (xpath('count(//*[@class="chart-title"])', all_courses::xml))[1]::text AS chart_titles,
       (xpath('count(//*[@class="axis-label"])', all_courses::xml))[1]::text AS axis_labels
FROM tl_svg;
SELECT (xpath('/*/*[2]/text()', c1::xml))[1]::text AS description FROM tl_svg;

-- bars: one per day of daily activity in the period (Jan 5 .. Feb 5, zero-filled), each with the
-- day's events; the same rows read from learner_daily_engagement
SELECT count(*) AS bars, count(*) FILTER (WHERE value = '0') AS zero_days, sum(value::bigint) AS events
FROM tl_svg, tl_marks(all_courses) WHERE kind = 'bar';
(SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'bar'
 EXCEPT
 SELECT format('day=%s;series=events', day), events::text FROM learner_daily_engagement
  WHERE learner = 'tla' AND day BETWEEN '2026-01-01' AND '2026-02-05')
UNION ALL
(SELECT format('day=%s;series=events', day), events::text FROM learner_daily_engagement
  WHERE learner = 'tla' AND day BETWEEN '2026-01-01' AND '2026-02-05'
 EXCEPT
 SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'bar');

-- the baseline: the mean of the 14 days before each day (the shipped engagement_dip rule), the
-- first day has none; compared with engagement_baseline over the stored summary
SELECT count(*) AS baseline_points FROM tl_svg, tl_marks(all_courses) WHERE kind = 'baseline';
(SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'baseline'
 EXCEPT
 SELECT format('day=%s;series=baseline_mean', d.day::date), b.mean::text
 FROM learner_engagement le, generate_series(date '2026-01-05', '2026-02-05', '1 day') d(day),
      engagement_baseline(le.summary, d.day::date, 14, 'events') b
 WHERE le.learner = 'tla' AND b.mean IS NOT NULL)
UNION ALL
(SELECT format('day=%s;series=baseline_mean', d.day::date), b.mean::text
 FROM learner_engagement le, generate_series(date '2026-01-05', '2026-02-05', '1 day') d(day),
      engagement_baseline(le.summary, d.day::date, 14, 'events') b
 WHERE le.learner = 'tla' AND b.mean IS NOT NULL
 EXCEPT
 SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'baseline');

-- dips: below 60% of the mean from Jan 26 (0 events against a mean of 3), a dip from the third
-- day on: Jan 28 (3), 29 (4), 30 (5), 31 (6); Feb 1 has 2 events against a mean of 24/14 = 1.71
-- (threshold 1.03): no dip; Feb 3.. nothing again against a mean of 23/14: a dip on Feb 5 (3)
SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'dip' ORDER BY key;
-- the same days from engagement_state, as learner_engagement_state would show them on each day
SELECT d.day::date, s.dip_days FROM learner_engagement le, generate_series(date '2026-01-05', '2026-02-05', '1 day') d(day),
       engagement_state(le.summary, d.day::date, 0.6, 14, 'events', 3, 7) s
WHERE le.learner = 'tla' AND s.state = 'dip' ORDER BY 1;

-- alerts: both of a's cases, or only c1's with course => 'tlc1'; data-value: the severity
SELECT regexp_replace(key, 'alert=\d+;', '') AS alert, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'alert' ORDER BY key;
SELECT regexp_replace(key, 'alert=\d+;', '') AS alert, value FROM tl_svg, tl_marks(c1) WHERE kind = 'alert' ORDER BY key;
(SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'alert'
 EXCEPT
 SELECT format('alert=%s;rule=%s;severity=%s;opened_on=%s;closed_on=%s', id, rule_name, severity, opened_on, closed_on), severity
 FROM alert WHERE learner = 'tla')
UNION ALL
(SELECT format('alert=%s;rule=%s;severity=%s;opened_on=%s;closed_on=%s', id, rule_name, severity, opened_on, closed_on), severity
 FROM alert WHERE learner = 'tla'
 EXCEPT
 SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'alert');
-- contacts: data-value the outcome; a's three, c1's two; the human one is a diamond
(SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'contact'
 EXCEPT
 SELECT format('contact=%s;alert=%s;step=%s;kind=%s;contacted_on=%s', c.id, c.alert_id, c.step, c.kind, c.contacted_on), c.outcome
 FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'tla')
UNION ALL
(SELECT format('contact=%s;alert=%s;step=%s;kind=%s;contacted_on=%s', c.id, c.alert_id, c.step, c.kind, c.contacted_on), c.outcome
 FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'tla'
 EXCEPT
 SELECT key, value FROM tl_svg, tl_marks(all_courses) WHERE kind = 'contact');
SELECT regexp_replace(key, 'contact=\d+;alert=\d+;', '') AS contact, value FROM tl_svg, tl_marks(c1) WHERE kind = 'contact' ORDER BY key;
SELECT (xpath('count(//*[local-name()="polygon"][contains(@class, "contact")])', c1::xml))[1]::text AS human_diamonds FROM tl_svg;
-- the legend names what is drawn
SELECT string_agg(t, ' | ' ORDER BY o) AS legend
FROM tl_svg, unnest(xpath('//*[@class="legend-item"]/*[local-name()="text"]/text()', c1::xml)::text[]) WITH ORDINALITY u(t, o);
-- no text starts outside the picture (the browser test measures the boxes)
SELECT count(*) AS texts, bool_and((xpath('/*/@x', t))[1]::text::float8 BETWEEN 0 AND 900 AND (xpath('/*/@y', t))[1]::text::float8 BETWEEN 0 AND 380) AS inside
FROM tl_svg, unnest(xpath('//*[local-name()="text"][@x]', all_courses::xml)) t;

-- edge cases
-- one day: one bar (Jan 28, no events), its dip, the c1 case and the contact of that day
SELECT kind, regexp_replace(key, '(contact|alert)=\d+;(alert=\d+;)?', '') AS key, value
FROM tl_marks(chart_learner_timeline('tla', '2026-01-28', '2026-01-28', 'tlc1')) ORDER BY kind, key;
-- a period without events after the first activity: zero bars, the baseline still drawn
SELECT kind, count(*), sum(value::numeric) FILTER (WHERE kind = 'bar') AS events
FROM tl_marks(chart_learner_timeline('tla', '2026-01-26', '2026-01-27')) GROUP BY kind ORDER BY kind;
-- a period before any activity, alert or contact: the "no data" chart
SELECT (xpath('//*[@class="no-data"]/text()', chart_learner_timeline('tla', '2025-06-01', '2025-06-30')::xml))[1]::text AS no_data,
       (xpath('count(//*[@class="axis-label"])', chart_learner_timeline('tla', '2025-06-01', '2025-06-30')::xml))[1]::text AS axis_labels;
-- a learner without a summary: no bars, its case and contact; a learner with nothing: no data
SELECT kind, value FROM tl_marks(chart_learner_timeline('tlb', '2026-01-01', '2026-01-31')) ORDER BY kind;
SELECT (xpath('/*/*[2]/text()', chart_learner_timeline('tlb', '2026-01-01', '2026-01-31')::xml))[1]::text LIKE '%no activity summary%' AS says_no_summary,
       (xpath('//*[@class="note"]/text()', chart_learner_timeline('tlb', '2026-01-01', '2026-01-31')::xml))[1]::text AS note;
SELECT (xpath('//*[@class="no-data"]/text()', chart_learner_timeline('tlz', '2026-01-01', '2026-01-31')::xml))[1]::text AS no_data;
-- sizes clamp (at least 360 wide; tall enough for the lanes, the plot and the legend), and grow
SELECT (xpath('/*/@viewBox', chart_learner_timeline('tla', '2026-01-01', '2026-02-05', NULL, 10, 10)::xml))[1]::text AS small,
       (xpath('/*/@viewBox', chart_learner_timeline('tla', '2026-01-01', '2026-02-05', NULL, 9000, 9000)::xml))[1]::text AS huge;
-- a long period: Monday tick labels only, still one bar a day
SELECT count(*) FILTER (WHERE kind = 'bar') AS bars FROM tl_marks(chart_learner_timeline('tla', '2025-01-01', '2026-12-31'));
-- the bars follow the rule's metric: dwell in minutes on the axis, data-value in microseconds
-- (each of a's days: 3 events a minute apart in one session, 2 minutes of dwell)
BEGIN;
UPDATE alert_rule SET metric = 'dwell' WHERE name = 'engagement_dip';
SELECT (xpath('//*[@class="axis-label"]/text()', chart_learner_timeline('tla', '2026-01-05', '2026-01-06')::xml))::text[] AS axis_labels;
SELECT m.key, m.value, d.dwell
FROM tl_marks(chart_learner_timeline('tla', '2026-01-05', '2026-01-06')) m
JOIN learner_daily_engagement d ON d.learner = 'tla' AND m.key = format('day=%s;series=dwell', d.day)
   AND m.value = (extract(epoch FROM d.dwell) * 1000000)::bigint::text
WHERE m.kind = 'bar' ORDER BY 1;
ROLLBACK;
-- text from the caller is escaped: a well-formed document
SELECT xml_is_well_formed_document(chart_learner_timeline('<b>&"x''', '2026-01-01', '2026-01-31', '</svg>')) AS escaped;
-- bad input
SELECT chart_learner_timeline('tla', '2026-02-01', '2026-01-01');
SELECT chart_learner_timeline('tla', NULL, '2026-01-01');
SELECT chart_learner_timeline(NULL, '2026-01-01', '2026-01-02');
SELECT chart_learner_timeline('tla', '2020-01-01', '2026-01-01');

-- privileges: an analyst charts any learner; a manager (a viewer) may not read summaries or alerts
CREATE ROLE la_tl_analyst IN ROLE learnalytics_analyst;
CREATE ROLE la_tl_manager IN ROLE learnalytics_viewer;
GRANT SELECT ON tl_svg TO la_tl_analyst;
INSERT INTO learner_org_unit VALUES ('tla', 'north'), ('tlr', 'north'), ('tlb', 'south'), ('tls', 'south');
INSERT INTO org_unit_manager VALUES ('la_tl_manager', 'north');
SET ROLE la_tl_analyst;
SELECT chart_learner_timeline('tla', '2026-01-01', '2026-02-05') = (SELECT all_courses FROM tl_svg) AS analyst_same_chart;
RESET ROLE;
SET ROLE la_tl_manager;
SELECT chart_learner_timeline('tla', '2026-01-01', '2026-02-05');
RESET ROLE;

-- sparklines: r active yesterday (8 events) and three days ago (4), first 30 days ago (1);
-- s active yesterday; both enrolled in c1. activity_28d (as of yesterday, lo 0): 25 days of 0
-- (▁), then 4 of 8 (▅), 0 (▁), 8 (█)
BEGIN;
INSERT INTO tl_clicks
SELECT 'tlr', now() - interval '1 day' + k * interval '1 second' FROM generate_series(1, 8) k
UNION ALL SELECT 'tlr', now() - interval '3 days' + k * interval '1 second' FROM generate_series(1, 4) k
UNION ALL SELECT 'tlr', now() - interval '30 days'
UNION ALL SELECT 'tls', now() - interval '1 day';
SELECT engagement_refresh('tl_clicks', 'student', 'at', tz => 'UTC', source_name => 'tl');
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES
  ('tlr', 'tlc1', 'w', now() - interval '40 days'), ('tls', 'tlc1', 'w', now() - interval '40 days');
SELECT learner, activity_28d = repeat('▁', 25) || '▅▁█' AS hand, length(activity_28d) FROM learner_engagement_state
WHERE learner = 'tlr';
-- every learner: the sparkline of learner_daily_engagement's 28 days to as_of (a space before the
-- first activity): a has no activity in the window (28 zeros), s only yesterday's
SELECT s.learner, s.activity_28d = (
         SELECT sparkline(array_agg(d.events::float8 ORDER BY g.day), 0)
         FROM generate_series(s.as_of - 27, s.as_of, interval '1 day') g(day)
         LEFT JOIN learner_daily_engagement d ON d.learner = s.learner AND d.day = g.day::date) AS same,
       s.activity_28d
FROM learner_engagement_state s WHERE s.learner LIKE 'tl%' ORDER BY s.learner;
-- learner_risk_state shows the learner's sparkline on each enrolment (b: no summary, NULL)
SELECT r.learner, r.course, r.activity_28d IS NOT DISTINCT FROM s.activity_28d AS same, r.activity_28d IS NULL AS none
FROM learner_risk_state r LEFT JOIN learner_engagement_state s USING (learner) WHERE r.learner LIKE 'tl%' ORDER BY r.learner;
-- course_trends: the last 12 weeks of weekly_course_outcomes; active learners: the course's learners
-- with an event that week (r 30 days, three days and one day ago, s one day ago)
CREATE TEMP TABLE tl_trend_oracle AS
WITH w AS (
  SELECT course, week, dropout_pct, row_number() OVER (PARTITION BY course ORDER BY week DESC) AS back
  FROM weekly_course_outcomes
), act AS (
  SELECT e.course, date_trunc('week', d.day)::date AS week, count(DISTINCT e.learner) AS n
  FROM enrolment e JOIN learner_daily_engagement d ON d.learner = e.learner AND d.events > 0
  GROUP BY 1, 2
)
SELECT w.course, min(w.week) AS first_week, max(w.week) AS last_week,
       sparkline(array_agg(w.dropout_pct::float8 ORDER BY w.week), 0) AS dropout_pct_12w,
       (array_agg(w.dropout_pct ORDER BY w.week DESC))[1] AS dropout_pct,
       sparkline(array_agg(coalesce(act.n, 0)::float8 ORDER BY w.week), 0) AS active_learners_12w,
       (array_agg(coalesce(act.n, 0) ORDER BY w.week DESC))[1] AS active_learners
FROM w LEFT JOIN act ON act.course = w.course AND act.week = w.week
WHERE w.back <= 12 AND w.course LIKE 'tl%' GROUP BY w.course;
SELECT count(*) AS courses, max(last_week - first_week) AS span_days FROM course_trends WHERE course LIKE 'tl%';
(SELECT * FROM course_trends WHERE course LIKE 'tl%' EXCEPT SELECT * FROM tl_trend_oracle)
UNION ALL
(SELECT * FROM tl_trend_oracle EXCEPT SELECT * FROM course_trends);
-- nobody left the course: 0% dropout in each of the 12 weeks
SELECT course, dropout_pct, dropout_pct_12w = repeat('▁', 12) AS flat FROM course_trends WHERE course LIKE 'tl%';
-- a manager sees only its learners: r (north), not s (south); the trend is the same shape over fewer
SET ROLE la_tl_manager;
SELECT course, active_learners_12w = (SELECT sparkline(array_agg(coalesce(a.n, 0)::float8 ORDER BY w.week), 0)
                                        FROM (SELECT week FROM weekly_course_outcomes WHERE course = 'tlc1'
                                              ORDER BY week DESC LIMIT 12) w
                                        LEFT JOIN (SELECT DISTINCT x::date AS week, 1 AS n
                                                   FROM unnest(ARRAY[date_trunc('week', now() - interval '1 day'),
                                                                     date_trunc('week', now() - interval '3 days'),
                                                                     date_trunc('week', now() - interval '30 days')]) x) a
                                          ON a.week = w.week) AS north_only_hand
FROM course_trends WHERE course LIKE 'tl%';
SELECT learner, activity_28d IS NOT NULL AS has_sparkline FROM learner_risk_state WHERE learner LIKE 'tl%' ORDER BY learner;
RESET ROLE;
ROLLBACK;

DELETE FROM org_unit_manager WHERE manager = 'la_tl_manager';
DROP TABLE tl_svg;
DROP ROLE la_tl_analyst;
DROP ROLE la_tl_manager;
