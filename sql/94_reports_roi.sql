--
-- reports: chart_roi, chart_program_roi and the executive page (doc/reports.md), against plain SQL
-- over the same summaries and a hand-computed case
--
SET search_path = learnalytics, public;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
CREATE ROLE la_h4_analyst IN ROLE learnalytics_analyst;
CREATE ROLE la_h4_manager IN ROLE learnalytics_viewer;   -- manages the org unit north
CREATE ROLE la_h4_public;                                -- no learnalytics role: only what PUBLIC may run
GRANT USAGE ON SCHEMA learnalytics TO la_h4_public;

-- The worked case: two benefit sources and their costs, in EUR
--   defects: 60,000 x isolation 0.5 x confidence 0.8 = 24,000; costs design 4,000, delivery 6,000
--   rework:  10,000 x 1.0 x 0.9 = 9,000;                      costs delivery 2,000, evaluation 1,000
-- merged: adjusted benefits 33,000; costs design 4,000 + delivery 8,000 + evaluation 1,000 = 13,000;
-- net 20,000; ROI 20,000 / 13,000 = 153.85 %; BCR 33,000 / 13,000 = 2.54; payback 13,000 / 2,750 = 4.73 months
CREATE TEMP TABLE src (ord int, name text, s roi_summary);
INSERT INTO src
SELECT 1, 'defects', la_roi_agg(kind, label, amount, iso, conf, 'EUR')
FROM (VALUES ('benefit', 'fewer defects', 60000::numeric, 0.5::numeric, 0.8::numeric),
             ('cost', 'design', 4000, NULL, NULL), ('cost', 'delivery', 6000, NULL, NULL)) v(kind, label, amount, iso, conf)
UNION ALL
SELECT 2, 'rework', la_roi_agg(kind, label, amount, iso, conf, 'EUR')
FROM (VALUES ('benefit', 'less rework', 10000::numeric, 1::numeric, 0.9::numeric),
             ('cost', 'delivery', 2000, NULL, NULL), ('cost', 'evaluation', 1000, NULL, NULL)) v(kind, label, amount, iso, conf);
CREATE TEMP TABLE chart AS
SELECT chart_roi('ROI of quality training', array_agg(name ORDER BY ord), array_agg(s ORDER BY ord))::xml AS svg FROM src;

-- the marks: key and value of each bar
CREATE TEMP VIEW marks AS
SELECT (xpath('/*/@data-key', r))[1]::text AS key, (xpath('/*/@data-value', r))[1]::text AS value,
       (xpath('/*/@class', r))[1]::text AS class
FROM chart, unnest(xpath('//*[local-name()="rect"][@class="mark"]', svg)) r;
SELECT * FROM marks;
-- the oracle: the accessors over the same summaries, in plain SQL; both differences are empty
CREATE TEMP VIEW oracle AS
SELECT 'source=' || name AS key, adjusted_benefits(s)::text AS value FROM src
UNION ALL
SELECT 'cost=' || c.category, c.amount::text FROM (SELECT la_merge_agg(s) AS m FROM src) x, cost_breakdown(x.m) c WHERE c.amount <> 0
UNION ALL
SELECT 'net', net_benefits(la_merge_agg(s))::text FROM src;
SELECT 'missing' AS diff, * FROM (SELECT key, value FROM oracle EXCEPT SELECT key, value FROM marks) a
UNION ALL SELECT 'extra', * FROM (SELECT key, value FROM marks EXCEPT SELECT key, value FROM oracle) b;
-- the hand-computed values
SELECT value::numeric = 24000 AS defects, (SELECT value::numeric FROM marks WHERE key = 'source=rework') = 9000 AS rework,
       (SELECT value::numeric FROM marks WHERE key = 'net') = 20000 AS net,
       (SELECT string_agg(key, ',') FROM marks) AS order_of_bars
FROM marks WHERE key = 'source=defects';
-- the ratios, with their exact values and as shown
SELECT (xpath('/*/@data-key', a))[1]::text AS key, (xpath('/*/@data-value', a))[1]::text AS value, (xpath('/*/text()', a))[1]::text AS shown
FROM chart, unnest(xpath('//*[local-name()="text"][@class="annotation"]', svg)) a;
SELECT round(roi_percent(m), 2) AS roi, round(benefit_cost_ratio(m), 2) AS bcr, round(payback_months(m), 2) AS payback
FROM (SELECT la_merge_agg(s) AS m FROM src) x;
-- the waterfall: each bar starts where the previous one ended (heights in px are proportional to the
-- amounts: the plot is 248 px for the axis 0..40k, 6.2 px per 1,000 EUR, so defects is 148.8 px high and its
-- top, 171.2, is the bottom of rework; each cost starts at the previous bar's end; net stands on the axis at 320)
SELECT (xpath('/*/@data-key', r))[1]::text AS key, (xpath('/*/@y', r))[1]::text::numeric AS y, (xpath('/*/@height', r))[1]::text::numeric AS height
FROM chart, unnest(xpath('//*[local-name()="rect"][@class="mark"]', svg)) r;
-- conventions: root, titles, axis labels, a <title> in every mark, everything inside the viewBox
SELECT (xpath('/*/@data-chart', svg))[1]::text AS data_chart,
       (xpath('/*/*[1]/text()', svg))[1]::text AS first_title,
       (xpath('count(//*[@class="chart-title"])', svg))[1]::text AS chart_titles,
       (xpath('count(//*[@class="axis-label"])', svg))[1]::text AS axis_labels,
       (xpath('count(//*[@class="mark"][not(*[local-name()="title"])])', svg))[1]::text AS marks_without_title,
       (xpath('count(//*[local-name()="text"][@x < 0 or @x > 800 or @y < 0 or @y > 400])', svg))[1]::text AS texts_outside,
       (xpath('count(//*[local-name()="rect"][@y < 0 or @y + @height > 400])', svg))[1]::text AS rects_outside
FROM chart;

-- Edge cases
-- no source: the no-data chart (empty arrays, NULL arrays, only NULL summaries, only intangibles)
SELECT (xpath('//*[@class="no-data"]/text()', chart_roi('t', a, b)::xml))[1]::text AS message
FROM (VALUES ('{}'::text[], '{}'::roi_summary[]), (NULL, NULL), ('{a,b}', ARRAY[NULL, NULL]::roi_summary[]),
             ('{a}', ARRAY[(SELECT la_roi_agg('intangible', 'morale', NULL, NULL, NULL, NULL))])) v(a, b);
-- negative net: a source loses more than the other gains, costs on top; the bars go below zero, a zero
-- line is drawn, ROI is negative, the missing payback explained
CREATE TEMP TABLE neg AS
SELECT chart_roi('loss', ARRAY['small gain', 'loss'],
                 ARRAY[(SELECT la_roi_agg(k, l, a, i, c, 'EUR') FROM (VALUES ('benefit', 'x', 1000::numeric, 1::numeric, 1::numeric),
                                                                             ('cost', 'delivery', 5000, NULL, NULL)) v(k, l, a, i, c)),
                       (SELECT la_roi_agg('benefit', 'y', -1500, 1, 1, 'EUR'))], 600, 300)::xml AS svg;
SELECT (xpath('//*[@class="mark"]/@data-key', svg))::text[] AS keys, (xpath('//*[@class="mark"]/@data-value', svg))::text[] AS vals,
       (xpath('//*[@class="annotation"]/@data-value', svg))::text[] AS ratios,
       (xpath('//*[@class="note"]/*[local-name()="title"]/text()', svg))[1]::text AS note,
       (xpath('count(//*[@class="zero"])', svg))[1]::text AS zero_lines,
       (xpath('count(//*[local-name()="rect"][@y < 0 or @y + @height > 300])', svg))[1]::text AS rects_outside
FROM neg;
-- zero cost: ROI, BCR and payback undefined, roi_note says why; the bars still drawn
SELECT (xpath('//*[@class="mark"]/@data-value', svg))::text[] AS vals,
       (xpath('//*[@class="annotation"]/text()', svg))::text[] AS shown,
       (xpath('//*[@class="note"]/*[local-name()="title"]/text()', svg))[1]::text AS note
FROM (SELECT chart_roi('free', '{gift}', ARRAY[(SELECT la_roi_agg('benefit', 'x', 1234.5, 1, 1, 'USD'))])::xml AS svg) x;
-- huge amounts: exact values in data-value, compact ticks, bars inside the plot
SELECT (xpath('//*[@class="mark"]/@data-value', svg))::text[] AS vals,
       (xpath('//*[@class="tick"]/text()', svg))::text[] AS ticks,
       (xpath('count(//*[local-name()="rect"][@y < 0 or @y + @height > 400])', svg))[1]::text AS rects_outside
FROM (SELECT chart_roi('huge', '{a,b}', ARRAY[
        (SELECT la_roi_agg(k, l, a, 1, 1, 'JPY') FROM (VALUES ('benefit', 'x', 900000000000000.1234::numeric)) v(k, l, a)),
        (SELECT la_roi_agg(k, l, a, NULL, NULL, 'JPY') FROM (VALUES ('cost', 'platform_licences', 922337203685477::numeric)) v(k, l, a))])::xml AS svg) x;
-- a title and labels with markup are escaped; a narrow chart cuts labels and keeps them inside
SELECT xml_is_well_formed_document(chart_roi('<b>&', '{"<x> & \"y\""}', ARRAY[(SELECT s FROM src WHERE ord = 1)], 160, 160)) AS well_formed,
       (xpath('//*[@class="chart-title"]/text()', chart_roi('Q&A <b>', '{a}', ARRAY[(SELECT s FROM src WHERE ord = 1)])::xml))[1]::text AS title_escaped_once,
       (xpath('count(//*[local-name()="text"][@x < 0 or @x > 160 or @y < 0 or @y > 160])',
              chart_roi('narrow', '{"a very long source name indeed"}', ARRAY[(SELECT s FROM src WHERE ord = 1)], 100, 100)::xml))[1]::text AS texts_outside;
-- errors: mixed currencies, lengths that differ, a nameless summary, two dimensions
SELECT chart_roi('x', '{a,b}', ARRAY[(SELECT s FROM src WHERE ord = 1), (SELECT la_roi_agg('cost', 'design', 1, NULL, NULL, 'USD'))]);
SELECT chart_roi('x', '{a,b}', ARRAY[(SELECT s FROM src WHERE ord = 1)]);
SELECT chart_roi('x', ARRAY[NULL], ARRAY[(SELECT s FROM src WHERE ord = 1)]);
SELECT chart_roi('x', '{{a},{b}}', ARRAY[(SELECT s FROM src WHERE ord = 1), (SELECT s FROM src WHERE ord = 2)]);
-- IMMUTABLE, SQL-standard body, executable by a role with no learnalytics role at all
SELECT provolatile, prosqlbody IS NOT NULL AS sql_standard, prosecdef,
       has_function_privilege('la_h4_public', p.oid, 'EXECUTE') AS public_executes
FROM pg_proc p WHERE proname = 'chart_roi';
SET ROLE la_h4_public;
SELECT (xpath('count(//*[@class="mark"])', chart_roi('t', '{a}', ARRAY['v1 cur=EUR benefit_items=1 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=5.0000 adjusted=5.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary])::xml))[1]::text AS marks;
RESET ROLE;

-- chart_program_roi: the program's summary as one source
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'quality', ARRAY['c1'], la_merge_agg(s), '2026-03-31' FROM src;
INSERT INTO program (name, courses) VALUES ('onboarding', ARRAY['c1', 'c2']);
SELECT (xpath('/*/@data-chart', svg))[1]::text AS data_chart, (xpath('/*/*[1]/text()', svg))[1]::text AS title,
       (xpath('//*[@class="mark"]/@data-key', svg))::text[] AS keys, (xpath('//*[@class="mark"]/@data-value', svg))::text[] AS vals
FROM (SELECT chart_program_roi('quality')::xml AS svg) x;
SELECT (xpath('//*[@class="no-data"]/text()', chart_program_roi('onboarding')::xml))[1]::text AS no_summary;
SELECT chart_program_roi('nonesuch');
SET ROLE la_h4_manager;   -- a viewer may not read the programs
SELECT chart_program_roi('quality');
RESET ROLE;

-- The executive page. Course c1: north learners n1 (completes), n2 (leaves); south s1 (leaves), s2, s3.
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('n1', 'c1', 'spring', '2026-03-02 09:00+00', NULL),
  ('n2', 'c1', 'spring', '2026-03-02 09:00+00', '2026-03-18 09:00+00'),
  ('s1', 'c1', 'spring', '2026-03-03 09:00+00', '2026-03-11 09:00+00'),
  ('s2', 'c1', 'spring', '2026-03-10 09:00+00', NULL),
  ('s3', 'c1', 'spring', '2026-03-10 09:00+00', NULL);
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'n1', 'm1', '2026-03-02 10:00+00', 1, '2026-03-17 10:00+00');
INSERT INTO learner_org_unit VALUES ('n1', 'north'), ('n2', 'north'), ('s1', 'south'), ('s2', 'south'), ('s3', 'south');
INSERT INTO org_unit_manager VALUES ('la_h4_manager', 'north');
-- the page is well-formed XML; every number equals the column of weekly_executive_metrics it names,
-- read by the same role (the view shows each role its own learners)
CREATE FUNCTION pg_temp.page_nums(course text, from_day date, to_day date)
RETURNS TABLE (source text, key text, value text, shown text, view_value text)
LANGUAGE sql AS $$
  SELECT n.source, n.key, n.value, n.shown,
         (SELECT to_jsonb(m) ->> split_part(n.source, '.', 2) FROM learnalytics.weekly_executive_metrics m
           WHERE 'course=' || m.course || ';week=' || m.week = n.key)
  FROM (SELECT (xpath('/*/@data-source', s))[1]::text AS source, (xpath('/*/@data-key', s))[1]::text AS key,
               (xpath('/*/@data-value', s))[1]::text AS value, (xpath('/*/text()', s))[1]::text AS shown
        FROM unnest(xpath('//span[@class="num"]', learnalytics_internal.report_executive(course, from_day, to_day)::xml)) s) n
$$;
GRANT EXECUTE ON FUNCTION pg_temp.page_nums(text, date, date) TO la_h4_analyst, la_h4_manager;
SET ROLE la_h4_analyst;
SELECT xml_is_well_formed_content(learnalytics_internal.report_executive('c1', '2026-03-02', '2026-03-22')) AS well_formed;
-- all 5 learners: by the week of 2026-03-16, 1 of 5 completed (20.0 %), 2 dropped (40.0 %), +20 points
-- (s1 left in the week of the 9th: 1 of 5); the programs covering c1: quality's ROI 153.8 %
SELECT source, key, value, shown, value IS NOT DISTINCT FROM view_value AS equal FROM pg_temp.page_nums('c1', '2026-03-02', '2026-03-22');
-- sections: the trend (its chart, or the sentence when chart_weekly_trend is not granted to the role:
-- exactly one of them), the forecast (no active model: a sentence), the ROI chart of each program
SELECT (xpath('count(//*[@data-chart="chart_weekly_trend"]) + count(//p[@class="denied"][contains(., "weekly trend")])', p))[1]::text AS trend,
       (xpath('//p[@class="empty"]/text()', p))::text[] AS empty,
       (xpath('//*[@data-chart="chart_program_roi"]/*[1]/text()', p))::text[] AS roi_charts,
       (xpath('count(//p[@class="denied"][not(contains(., "weekly trend"))])', p))[1]::text AS other_denied
FROM (SELECT learnalytics_internal.report_executive('c1', '2026-03-02', '2026-03-22')::xml AS p) x;

RESET ROLE;
SET ROLE la_h4_manager;
-- the manager's learners only (n1, n2): 1 of 2 completed (50.0 %), 1 dropped (50.0 %), +50 points
SELECT source, key, value, shown, value IS NOT DISTINCT FROM view_value AS equal FROM pg_temp.page_nums('c1', '2026-03-02', '2026-03-22');
-- the sections a viewer may not read say so, the page still renders
SELECT (xpath('//p[@class="denied"][not(contains(., "weekly trend"))]/text()', p))::text[] AS denied,
       (xpath('count(//*[@data-chart="chart_weekly_trend"]) + count(//p[@class="denied"][contains(., "weekly trend")])', p))[1]::text AS trend,
       (xpath('count(//*[@data-chart="chart_program_roi"])', p))[1]::text AS roi_charts
FROM (SELECT learnalytics_internal.report_executive('c1', '2026-03-02', '2026-03-22')::xml AS p) x;
-- a period without enrolment
SELECT (xpath('//p[@class="empty"]/text()', learnalytics_internal.report_executive('c1', '2025-01-01', '2025-01-31')::xml))[1]::text AS empty;
RESET ROLE;

-- With the risk model's forecast: the third number is the expected withdrawals and their interval
-- (a stub model as in sql/58: p = 1 / (1 + exp(2.5 - days_inactive)), horizon 30 days), scored on
-- 2026-03-18 (week of 2026-03-16). Activity: n1 daily to Mar 17, n2 to Mar 8, s1 to Mar 5, s2 from
-- Mar 10 to 16, s3 never. Scored on Mar 18, by hand: n1 1 day inactive, p = 0.1824; s2 2 days, 0.3775;
-- s3 9 days (enrolled Mar 10), 0.9985; n2 and s1 have left. Expected: 1.5584 for the analyst, 0.1824
-- (n1) for the manager of north.
CREATE TABLE h4_act (learner text, ts timestamptz);
INSERT INTO h4_act
SELECT v.l, d + interval '10 hours' FROM (VALUES ('n1', date '2026-03-02', date '2026-03-17'), ('n2', '2026-03-02', '2026-03-08'),
  ('s1', '2026-03-03', '2026-03-05'), ('s2', '2026-03-10', '2026-03-16')) v(l, a, b), generate_series(v.a, v.b, interval '1 day') d;
SET client_min_messages = error;   -- risk_features warns of the learning data the stub never reads
SELECT engagement_refresh('h4_act', 'learner', 'ts') AS learners;
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, description)
VALUES ('m1', 1, '{days_inactive}', '{-2.5,1}', '{0}', '{1}', 1, 30, '2025-01-01', '2025-12-31',
        1, 100, 10, 1, true, 'none', 'stub');
SELECT active FROM risk_model_activate('m1', 1);
SELECT risk_model_refresh('2026-03-18') > 0 AS scored;
SET ROLE la_h4_analyst;   -- (the page's forecast runs risk_features too: its notice stays hidden)
SELECT source, key, value, shown, value IS NOT DISTINCT FROM view_value AS equal FROM pg_temp.page_nums('c1', '2026-03-02', '2026-03-22')
WHERE source LIKE '%expected%';
RESET ROLE;
SET ROLE la_h4_manager;   -- the manager's expected withdrawals: n1 and n2 only
SELECT source, key, value, shown, value IS NOT DISTINCT FROM view_value AS equal FROM pg_temp.page_nums('c1', '2026-03-02', '2026-03-22')
WHERE source LIKE '%expected%';
RESET ROLE;
RESET client_min_messages;
DELETE FROM risk_model; DELETE FROM learnalytics_internal.risk_score_current; DELETE FROM learner_engagement;
DROP TABLE h4_act;
-- bad periods
SELECT learnalytics_internal.report_executive('c1', '2026-03-22', '2026-03-02');
SELECT learnalytics_internal.report_executive('c1', NULL, '2026-03-02');
SET ROLE la_h4_public;   -- the page is for the learnalytics roles
SELECT learnalytics_internal.report_executive('c1', '2026-03-02', '2026-03-22');
RESET ROLE;

DELETE FROM org_unit_manager; DELETE FROM learner_org_unit; DELETE FROM module_progress; DELETE FROM enrolment;
DELETE FROM program;
DROP FUNCTION pg_temp.page_nums(text, date, date);
REVOKE USAGE ON SCHEMA learnalytics FROM la_h4_public;
DROP ROLE la_h4_analyst, la_h4_manager, la_h4_public;
