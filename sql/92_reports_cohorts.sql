--
-- reports: chart_engagement_heatmap, cohort_dropout_funnel, chart_funnel, chart_dropout_funnel.
-- The marks' data-value must equal plain SQL over the same rows (the source events, the
-- enrolments and module progress; hand-computed counts in the comments); edge inputs render.
--
\set SHOW_CONTEXT never
SET search_path = learnalytics, public;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET client_min_messages = warning;

-- the marks of a chart: data-key, data-value, hover text
CREATE FUNCTION pg_temp.marks(svg text) RETURNS TABLE (key text, value text, hover text)
LANGUAGE sql AS $$
  SELECT (xpath('string(/*/@data-key)', m))[1]::text, (xpath('string(/*/@data-value)', m))[1]::text,
         (xpath('string(/*/*[local-name()="title"])', m))[1]::text
  FROM unnest(xpath('//*[@class="mark"]', svg::xml)) m
$$;
-- what every chart has: well-formed, <title> first, a visible title, two axis titles, and the texts
-- of class tick and chart-title
CREATE FUNCTION pg_temp.shape(svg text) RETURNS TABLE (well_formed boolean, chart text, first_is_title boolean,
    axis_labels int, marks int, no_data text)
LANGUAGE sql AS $$
  SELECT xml_is_well_formed_document(svg),
         (xpath('string(/*/@data-chart)', svg::xml))[1]::text,
         (xpath('local-name(/*/*[1])', svg::xml))[1]::text = 'title',
         (xpath('count(//*[@class="axis-label"])', svg::xml))[1]::text::int,
         (xpath('count(//*[@class="mark"])', svg::xml))[1]::text::int,
         nullif((xpath('string(//*[@class="no-data"])', svg::xml))[1]::text, '')
$$;

-------------------------------------------------------------------------------
-- cohort_dropout_funnel
-------------------------------------------------------------------------------
-- c1 has 4 modules (m1..m4). Cohort 2024: a1 completes; a2 50%; a3 20%; a4 5% and leaves; a5 never
-- starts and leaves; a6 never starts. Cohort 2025: b1, b2 complete; b3 37.5% and leaves; b4 2.5%;
-- b5 never starts. No cohort: z1 75%. c2 (one module): d1 completes.
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('a1', 'c1', '2024', '2024-09-02', NULL), ('a2', 'c1', '2024', '2024-09-02', NULL),
  ('a3', 'c1', '2024', '2024-09-02', NULL), ('a4', 'c1', '2024', '2024-09-02', '2024-10-01'),
  ('a5', 'c1', '2024', '2024-09-02', '2024-09-20'), ('a6', 'c1', '2024', '2024-09-02', NULL),
  ('b1', 'c1', '2025', '2025-09-01', NULL), ('b2', 'c1', '2025', '2025-09-01', NULL),
  ('b3', 'c1', '2025', '2025-09-01', '2025-10-15'), ('b4', 'c1', '2025', '2025-09-01', NULL),
  ('b5', 'c1', '2025', '2025-09-01', NULL),
  ('z1', 'c1', NULL, '2025-09-01', NULL),
  ('d1', 'c2', 'x', '2025-09-01', NULL);
INSERT INTO module_progress (course, learner, module, started_at, progress)
SELECT 'c1', l, 'm' || m, '2025-09-02', 1 FROM unnest('{a1,b1,b2}'::text[]) l, generate_series(1, 4) m
UNION ALL VALUES
  ('c1', 'a2', 'm1', '2024-09-03'::timestamptz, 1), ('c1', 'a2', 'm2', '2024-09-03', 1),
  ('c1', 'a3', 'm1', '2024-09-03', 0.8), ('c1', 'a4', 'm1', '2024-09-03', 0.2),
  ('c1', 'b3', 'm1', '2025-09-03', 1), ('c1', 'b3', 'm2', '2025-09-03', 0.5), ('c1', 'b4', 'm1', '2025-09-03', 0.1),
  ('c1', 'z1', 'm1', '2025-09-03', 1), ('c1', 'z1', 'm2', '2025-09-03', 1), ('c1', 'z1', 'm3', '2025-09-03', 1),
  ('c2', 'd1', 'm1', '2025-09-03', 1);
SELECT * FROM cohort_dropout_funnel ORDER BY course, cohort NULLS LAST;
-- summed over the cohorts: course_dropout_funnel, both ways
SELECT count(*) AS differences FROM (
  (SELECT course, sum(enrolled), sum(started), sum(reached_20pct), sum(reached_50pct), sum(completed), sum(dropped)
     FROM cohort_dropout_funnel GROUP BY course
   EXCEPT
   SELECT course, enrolled, started, reached_20pct, reached_50pct, completed, dropped FROM course_dropout_funnel)
  UNION ALL
  (SELECT course, enrolled, started, reached_20pct, reached_50pct, completed, dropped FROM course_dropout_funnel
   EXCEPT
   SELECT course, sum(enrolled), sum(started), sum(reached_20pct), sum(reached_50pct), sum(completed), sum(dropped)
     FROM cohort_dropout_funnel GROUP BY course)) d;

-------------------------------------------------------------------------------
-- chart_dropout_funnel
-------------------------------------------------------------------------------
CREATE TEMP TABLE svg (name text PRIMARY KEY, svg text);
GRANT ALL ON svg TO PUBLIC;
INSERT INTO svg VALUES
  ('cohorts', chart_dropout_funnel('c1', '2024', '2025')),
  ('one', chart_dropout_funnel('c1', '2024')),
  ('courses', chart_dropout_funnel('c1', NULL, 'x', 'c2')),
  ('missing', chart_dropout_funnel('c1', '2024', 'nope')),
  ('nothing', chart_dropout_funnel('c9', 'x'));
SELECT name, s.* FROM svg, pg_temp.shape(svg.svg) s ORDER BY name;
-- every bar equals the view (plain SQL: the rows unpivoted), both ways
CREATE TEMP VIEW funnel_rows AS
SELECT 'course=' || f.course || coalesce(';cohort=' || f.cohort, '') || ';stage=' || s.stage AS key, s.n::text AS value
FROM (SELECT course, cohort, enrolled, started, reached_20pct, reached_50pct, completed FROM cohort_dropout_funnel
      WHERE cohort IS NOT NULL
      UNION ALL
      SELECT course, NULL, enrolled, started, reached_20pct, reached_50pct, completed FROM course_dropout_funnel) f
CROSS JOIN LATERAL (VALUES ('enrolled', f.enrolled), ('started', f.started), ('reached_20pct', f.reached_20pct),
                           ('reached_50pct', f.reached_50pct), ('completed', f.completed)) s(stage, n);
SELECT s.name, count(*) AS marks, count(*) FILTER (WHERE f.value IS NOT DISTINCT FROM m.value) AS equal_to_view
FROM svg s CROSS JOIN LATERAL pg_temp.marks(s.svg) m LEFT JOIN funnel_rows f ON f.key = m.key
WHERE s.name IN ('cohorts', 'one', 'courses') GROUP BY s.name ORDER BY 1;
SELECT m.* FROM svg s, pg_temp.marks(s.svg) m WHERE s.name = 'cohorts' ORDER BY m.key;
-- a cohort nobody is in is drawn as zeros, and says so in the legend
SELECT m.key, m.value FROM svg s, pg_temp.marks(s.svg) m WHERE s.name = 'missing' AND m.key LIKE '%nope%' ORDER BY 1;
SELECT (xpath('string(//*[@class="legend"])', svg::xml))[1]::text AS legend FROM svg WHERE name = 'missing';
SELECT chart_dropout_funnel(NULL, 'x');

-- a manager sees only its learners: north holds a1, a2, a5 (2024) and b1 (2025).
-- 2024: enrolled 3, started 2, 20% 2, 50% 2, completed 1 (a1); 2025: 1, 1, 1, 1, 1.
-- (The course still has 4 modules: structure, counted over every learner.)
CREATE ROLE la_h2_manager IN ROLE learnalytics_viewer;
CREATE ROLE la_h2_public;   -- PUBLIC's rights only, and USAGE on the extension's schema
GRANT USAGE ON SCHEMA learnalytics TO la_h2_public;
INSERT INTO learner_org_unit VALUES ('a1', 'north'), ('a2', 'north'), ('a5', 'north'), ('b1', 'north'), ('b3', 'south');
INSERT INTO org_unit_manager VALUES ('la_h2_manager', 'north');
SET ROLE la_h2_manager;
INSERT INTO svg VALUES ('manager', chart_dropout_funnel('c1', '2024', '2025')),
                       ('manager_c2', chart_dropout_funnel('c2', 'x'));
SELECT course, cohort, enrolled, started, reached_20pct, reached_50pct, completed, dropped
FROM cohort_dropout_funnel ORDER BY course, cohort;
RESET ROLE;
SELECT m.key, m.value FROM svg s, pg_temp.marks(s.svg) m WHERE s.name = 'manager' ORDER BY m.key;
SELECT s.* FROM svg, pg_temp.shape(svg.svg) s WHERE name = 'manager_c2';
-- a role without the viewer's rights may not read the funnel
SET ROLE la_h2_public;
SELECT chart_dropout_funnel('c1', '2024');
SELECT * FROM cohort_dropout_funnel;
RESET ROLE;

-------------------------------------------------------------------------------
-- chart_funnel: generic, IMMUTABLE, PUBLIC may run it (SQL-standard body)
-------------------------------------------------------------------------------
SELECT p.proname, p.provolatile, p.prosqlbody IS NOT NULL AS sql_standard_body,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
FROM pg_proc p WHERE p.proname IN ('chart_funnel', 'funnel_svg', 'funnel_check') ORDER BY 1;
-- (PUBLIC has no USAGE on the internal schema: every function on the way has a body bound when
-- it was created, or names nothing internal)
SET ROLE la_h2_public;
INSERT INTO svg VALUES ('public', chart_funnel('before and after', '{seen,clicked,bought}', 'before', '{100,40,10}',
                                                'after', '{120,60,30}'));
RESET ROLE;
SELECT s.* FROM svg, pg_temp.shape(svg.svg) s WHERE name = 'public';
SELECT m.* FROM svg s, pg_temp.marks(s.svg) m WHERE s.name = 'public' ORDER BY m.key;
-- edge inputs: empty, one stage, all zero, huge counts, a long stage name, first stage 0
INSERT INTO svg VALUES
  ('f_empty', chart_funnel('empty', '{}', 'a', '{}')),
  ('f_one', chart_funnel('one', '{only}', 'a', '{7}')),
  ('f_zero', chart_funnel('zero', '{x,y}', 'a', '{0,0}', 'b', '{0,0}')),
  ('f_huge', chart_funnel('huge', '{x,y}', 'a', '{9223372036854775807,4611686018427387904}')),
  ('f_long', chart_funnel('long', ARRAY['a stage name far too long to fit in the margin the chart leaves for labels', 'b'],
                          'a series label far too long to fit in the legend of a narrow chart at all, really', '{5,3}',
                          width => 400, height => 200)),
  ('f_many', chart_funnel('many', (SELECT array_agg('s' || i) FROM generate_series(1, 40) i), 'a',
                          (SELECT array_agg(100 - i)::bigint[] FROM generate_series(1, 40) i), height => 200));
SELECT name, s.* FROM svg, pg_temp.shape(svg.svg) s WHERE name LIKE 'f\_%' ORDER BY name;
SELECT s.name, m.* FROM svg s, pg_temp.marks(s.svg) m WHERE s.name IN ('f_one', 'f_zero', 'f_huge') ORDER BY 1, 2;
-- the huge axis is labelled compactly
SELECT array_agg(t::text ORDER BY t::text) AS ticks
FROM svg, unnest(xpath('//*[@class="tick"]/text()', svg::xml)) t WHERE name = 'f_huge';
-- the long stage name is cut, whole in its <title>; the long legend label is cut
SELECT (xpath('string(//*[@class="tick"][*[local-name()="title"]][1]/text())', svg::xml))[1]::text AS shown,
       (xpath('string(//*[@class="tick"][*[local-name()="title"]][1]/*[local-name()="title"])', svg::xml))[1]::text AS whole,
       (xpath('string(//*[@class="legend"])', svg::xml))[1]::text AS legend
FROM svg WHERE name = 'f_long';
-- every number of the whole stage list is a mark; ticks of stages are thinned, never closer than 13 px
SELECT (xpath('count(//*[@class="mark"])', svg::xml))[1]::text AS marks,
       (xpath('count(//*[local-name()="text"][@class="tick"][*[local-name()="title"]])', svg::xml))[1]::text AS stage_labels
FROM svg WHERE name = 'f_many';
-- refused (22023, naming the argument)
SELECT chart_funnel('t', '{a,b}', 'a', '{1}');
SELECT chart_funnel('t', '{a,b}', 'a', '{1,2}', 'b', '{1,2,3}');
SELECT chart_funnel('t', '{a,b}', 'a', '{1,-2}');
SELECT chart_funnel('t', '{a,b}', 'a', '{1,NULL}');
SELECT chart_funnel('t', '{a,b}', 'a', NULL);
SELECT chart_funnel('t', '{{a,b}}', 'a', '{1,2}');

-------------------------------------------------------------------------------
-- chart_engagement_heatmap
-------------------------------------------------------------------------------
-- course h1, four ISO weeks from Monday 2026-03-02, nothing in the week of 03-16. Six activities,
-- each with its own total: video 40, quiz 20, forum 12, reading 6, lab 3, and a long name 2.
CREATE TABLE h2_ev (learner_id bigint, ts timestamptz, course text, activity text);
INSERT INTO h2_ev
SELECT 1 + i % 5, w + (i % 6) * interval '1 day' + interval '10 hours', 'h1', a
FROM (VALUES ('video', 40), ('quiz', 20), ('forum', 12), ('reading', 6), ('lab', 3),
             ('an activity whose name is far too long for the margin of the heatmap', 2)) v(a, n),
     generate_series(1, n) i,
     LATERAL (SELECT (ARRAY['2026-03-02', '2026-03-09', '2026-03-23']::timestamptz[])[1 + (i * 7 + length(a)) % 3] AS w) x;
-- one activity in one week; and course h2 only in a second rollup
INSERT INTO h2_ev VALUES (1, '2026-03-03 10:00+00', 'h_one', 'only'), (2, '2026-03-04 10:00+00', 'h_one', 'only');
SELECT rollup_create('r_h2a', 'h2_ev', course_column => 'course', activity_column => 'activity');
SELECT rollup_create('r_h2b', 'h2_ev', course_column => 'course', activity_column => 'activity');
-- two rollups hold h1: the rollup must be named
SELECT chart_engagement_heatmap('h1');
INSERT INTO svg VALUES
  ('h_all', chart_engagement_heatmap('h1', 'r_h2a')),
  ('h_top', chart_engagement_heatmap('h1', 'r_h2a', max_activities => 4)),
  ('h_range', chart_engagement_heatmap('h1', 'r_h2a', '2026-03-04', '2026-03-18')),
  ('h_empty', chart_engagement_heatmap('nothing', 'r_h2a')),
  ('h_none_in_range', chart_engagement_heatmap('h1', 'r_h2a', '2027-01-01'));
DELETE FROM rollup WHERE name = 'r_h2b';
INSERT INTO svg VALUES ('h_one', chart_engagement_heatmap('h_one'));
-- all zero and huge counts: stored rows the capture would not make, written by hand
INSERT INTO rollup_activity_week VALUES ('r_h2a', 'h_zero', 'x', '2026-03-02', 0, 0), ('r_h2a', 'h_zero', 'y', '2026-03-09', 0, 0),
  ('r_h2a', 'h_huge', 'big', '2026-03-02', 5000000000000, 0), ('r_h2a', 'h_huge', 'big', '2026-03-09', 12345678901, 0),
  ('r_h2a', 'h_huge', 'small', '2026-03-09', 1, 0);
INSERT INTO svg VALUES ('h_zero', chart_engagement_heatmap('h_zero')), ('h_huge', chart_engagement_heatmap('h_huge'));
SELECT name, s.* FROM svg, pg_temp.shape(svg.svg) s WHERE name LIKE 'h\_%' ORDER BY name;

-- the oracle: the source events counted per activity and ISO week (UTC), the activities ranked by
-- their events, those from rank max_activities on summed as other, every calendar week a cell
CREATE FUNCTION pg_temp.heatmap_oracle(c text, m int, w0 date, w1 date) RETURNS TABLE (key text, value text)
LANGUAGE sql AS $$
  WITH ev AS (SELECT coalesce(activity, '') AS a, date_trunc('week', ts AT TIME ZONE 'UTC')::date AS wk
              FROM h2_ev WHERE course = c AND date_trunc('week', ts AT TIME ZONE 'UTC')::date BETWEEN w0 AND w1),
  rk AS (SELECT a, row_number() OVER (ORDER BY count(*) DESC, a) AS r, count(*) OVER () AS n FROM ev GROUP BY a),
  keyed AS (SELECT CASE WHEN n > m AND r >= m THEN 'other=' || (n - m + 1) ELSE 'activity=' || a END AS k, wk
            FROM ev JOIN rk USING (a)),
  grid AS (SELECT k, g::date AS wk FROM (SELECT DISTINCT k FROM keyed) k,
                  generate_series(w0, w1, '1 week'::interval) g)
  SELECT grid.k || ';week=' || grid.wk, count(keyed.k)::text FROM grid LEFT JOIN keyed USING (k, wk) GROUP BY grid.k, grid.wk
$$;
SELECT s.name, count(*) AS cells,
       (SELECT count(*) FROM ((SELECT key, value FROM pg_temp.marks(s.svg) EXCEPT SELECT * FROM pg_temp.heatmap_oracle('h1', o.m, o.w0, o.w1))
                              UNION ALL
                              (SELECT * FROM pg_temp.heatmap_oracle('h1', o.m, o.w0, o.w1) EXCEPT SELECT key, value FROM pg_temp.marks(s.svg))) d)
         AS differences
FROM svg s
JOIN (VALUES ('h_all', 25, '2026-03-02'::date, '2026-03-23'::date), ('h_top', 4, '2026-03-02', '2026-03-23'),
             ('h_range', 25, '2026-03-02', '2026-03-16')) o(name, m, w0, w1) USING (name)
CROSS JOIN LATERAL pg_temp.marks(s.svg) mk
GROUP BY s.name, s.svg, o.m, o.w0, o.w1 ORDER BY 1;
-- h_top: video, quiz, forum and "other" (reading, lab, the long one); the empty week is zeros
SELECT m.* FROM svg s, pg_temp.marks(s.svg) m WHERE s.name = 'h_top' ORDER BY m.key;
-- the range starts on the Monday of from_week, ends on to_week's (a week without events included)
SELECT (xpath('string(/*/*[local-name()="desc"])', svg::xml))[1]::text AS description FROM svg WHERE name = 'h_range';
SELECT s.name, m.key, m.value FROM svg s, pg_temp.marks(s.svg) m WHERE s.name IN ('h_one', 'h_zero', 'h_huge') ORDER BY 1, 2;
-- the long activity name: cut in its label, whole in the label's and the cells' <title>
SELECT (xpath('string(//*[@class="tick"][*[local-name()="title"]][last()]/text())', svg::xml))[1]::text AS shown,
       (xpath('string(//*[@class="tick"][*[local-name()="title"]][last()]/*[local-name()="title"])', svg::xml))[1]::text AS whole
FROM svg WHERE name = 'h_all';
-- the colour legend names the scale and its maximum
SELECT name, (xpath('string(//*[@class="legend"])', svg::xml))[1]::text AS legend FROM svg WHERE name IN ('h_all', 'h_huge', 'h_zero') ORDER BY 1;
-- refused
SELECT chart_engagement_heatmap('h1', 'r_h2a', max_activities => 1);
SELECT chart_engagement_heatmap('h1', 'r_h2a', '2026-03-20', '2026-03-01');
SELECT chart_engagement_heatmap(NULL);
-- a viewer reads the heatmap (course aggregates: every row for every viewer); PUBLIC may not
SET ROLE la_h2_manager;
SELECT count(*) AS cells FROM pg_temp.marks(chart_engagement_heatmap('h1', 'r_h2a'));
SET ROLE la_h2_public;
SELECT chart_engagement_heatmap('h1', 'r_h2a');
RESET ROLE;

-- clean up
SELECT rollup_drop('r_h2a');
DROP TABLE h2_ev;
DELETE FROM learner_org_unit; DELETE FROM org_unit_manager;
DELETE FROM module_progress; DELETE FROM enrolment;
DROP OWNED BY la_h2_manager, la_h2_public;
DROP ROLE la_h2_manager, la_h2_public;
