
-------------------------------------------------------------------------------
-- reports: the heatmap and the dropout funnels (doc/reports.md)
--
-- chart_engagement_heatmap reads engagement_heatmap (activity x ISO week) as the caller;
-- cohort_dropout_funnel is course_dropout_funnel per cohort, with the same learner filter and
-- definitions; chart_funnel draws any funnel from arrays (IMMUTABLE, executable by PUBLIC: its body
-- is SQL-standard, bound when created, and so are the helpers below it); chart_dropout_funnel draws
-- two cohorts (or courses) of cohort_dropout_funnel / course_dropout_funnel side by side.
-------------------------------------------------------------------------------

-- The dropout funnel per course and cohort: course_dropout_funnel's definitions (a learner's
-- course progress is the mean over ALL the course's modules, counted over every learner) and its
-- learner filter (a manager aggregates only its learners). Summed over the cohorts of a course, the
-- counts are course_dropout_funnel's. A NULL cohort is a group of its own.
CREATE VIEW @extschema@.cohort_dropout_funnel WITH (security_barrier = true) AS
WITH mp AS MATERIALIZED (   -- read once (a mapped source: one call of the function that reads it)
  SELECT p.course, p.learner, p.module, p.progress FROM learnalytics_internal.learning_module_progress p
), modules AS (   -- the course's modules: course structure, counted over every learner
  SELECT course, count(DISTINCT module) AS n FROM mp GROUP BY course
), visible AS (
  SELECT e.course, e.cohort, e.learner, e.left_at FROM learnalytics_internal.learning_enrolment e
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR e.learner IN (SELECT learnalytics_internal.managed_learners()))
), progress AS (
  SELECT p.course, p.learner, sum(p.progress) / m.n AS course_progress
  FROM mp p JOIN modules m USING (course)
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR p.learner IN (SELECT learnalytics_internal.managed_learners()))
  GROUP BY p.course, p.learner, m.n
)
SELECT e.course, e.cohort,
       count(*) AS enrolled,
       count(*) FILTER (WHERE p.learner IS NOT NULL) AS started,
       count(*) FILTER (WHERE p.course_progress >= 0.2) AS reached_20pct,
       count(*) FILTER (WHERE p.course_progress >= 0.5) AS reached_50pct,
       count(*) FILTER (WHERE p.course_progress >= 1) AS completed,
       count(*) FILTER (WHERE e.left_at IS NOT NULL AND coalesce(p.course_progress, 0) < 1) AS dropped,
       pg_catalog.round(100.0 * count(*) FILTER (WHERE p.course_progress >= 1) / count(*), 1) AS completion_pct,
       pg_catalog.round(100.0 * count(*) FILTER (WHERE e.left_at IS NOT NULL AND coalesce(p.course_progress, 0) < 1)
                        / count(*), 1) AS dropout_pct
FROM visible e
LEFT JOIN progress p ON p.course = e.course AND p.learner = e.learner
GROUP BY e.course, e.cohort;
COMMENT ON VIEW @extschema@.cohort_dropout_funnel IS
'per course and cohort: enrolled, started, reached 20% and 50% of the course, completed, dropped (left before completing), as course_dropout_funnel counts them';

-------------------------------------------------------------------------------
-- The funnel (shared by chart_funnel and chart_dropout_funnel)
-------------------------------------------------------------------------------

-- Refuses what a funnel cannot draw (22023 naming the argument); true otherwise. No reference to
-- the internal schema: PUBLIC runs it through chart_funnel.
CREATE FUNCTION learnalytics_internal.funnel_check(stages text[], counts_a bigint[], counts_b bigint[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  arg text;
  vals bigint[];
BEGIN
  IF array_ndims(stages) > 1 THEN
    RAISE EXCEPTION 'chart_funnel: stages must be a one-dimensional array'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('stages has %s dimensions.', array_ndims(stages));
  END IF;
  FOREACH arg IN ARRAY ARRAY['counts_a', 'counts_b'] LOOP
    vals := CASE arg WHEN 'counts_a' THEN counts_a ELSE counts_b END;
    CONTINUE WHEN vals IS NULL AND arg = 'counts_b';
    IF vals IS NULL OR array_ndims(vals) > 1 OR coalesce(cardinality(vals), 0) <> coalesce(cardinality(stages), 0) THEN
      RAISE EXCEPTION 'chart_funnel: % must have one count per stage', arg
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('stages has %s elements, %s has %s.', coalesce(cardinality(stages), 0), arg,
                              CASE WHEN vals IS NULL THEN 'none (NULL)'
                                   WHEN array_ndims(vals) > 1 THEN array_ndims(vals) || ' dimensions'
                                   ELSE cardinality(vals)::text END);
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(vals) v WHERE v IS NULL OR v < 0) THEN
      RAISE EXCEPTION 'chart_funnel: % must hold counts of zero or more', arg
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s is %s.', arg, vals);
    END IF;
  END LOOP;
  RETURN true;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.funnel_check(text[], bigint[], bigint[]) IS
'refuses (22023, naming the argument) counts that do not match the stages one to one, NULL or negative counts';

-- Horizontal bars, one row per stage (top to bottom), one bar per series in each row, labelled
-- with the count and its % of the series' first stage. stage_keys name the stages in data-key;
-- key_a, key_b prefix the data-key of each series' bars.
CREATE FUNCTION learnalytics_internal.funnel_svg(chart text, title text, description text,
    stage_keys text[], stages text[], label_a text, key_a text, counts_a bigint[],
    label_b text, key_b text, counts_b bigint[], width integer, height integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  WITH g AS (
    SELECT least(greatest(coalesce(width, 720), 360), 4000)::float8 AS w,
           least(greatest(coalesce(height, 360), 200), 4000)::float8 AS h,
           coalesce(cardinality(stages), 0) AS ns,
           CASE WHEN counts_b IS NULL THEN 1 ELSE 2 END AS nser
  ), s AS (
    SELECT u.si, u.label, u.key, u.o, u.c, u.first, stages[u.o] AS stage, stage_keys[u.o] AS stage_key,
           learnalytics_internal.fmt_number(u.c::numeric)
             || CASE WHEN u.first > 0
                     THEN ' (' || learnalytics_internal.fmt_number(round(100.0 * u.c / u.first, 1), 1) || '%)'
                     ELSE '' END AS shown
    FROM (SELECT 1 AS si, coalesce(label_a, 'A') AS label, key_a AS key, a.o, a.c, counts_a[1] AS first
          FROM unnest(counts_a) WITH ORDINALITY a(c, o)
          UNION ALL
          SELECT 2, coalesce(label_b, 'B'), key_b, b.o, b.c, counts_b[1]
          FROM unnest(counts_b) WITH ORDINALITY b(c, o)) u
  ), lay AS (
    SELECT g.w, g.h, g.ns, g.nser, t.ticks, t.ticks[cardinality(t.ticks)] AS tmax,
           x.x0, 58.0::float8 AS y0,
           g.w - x.x0 - x.right_w AS pw, g.h - 58 - 50 AS ph,
           (g.h - 58 - 50) / greatest(g.ns, 1) AS rh,
           least(28, (g.h - 58 - 50) / greatest(g.ns, 1) * 0.75 / g.nser) AS bh
    FROM g
    CROSS JOIN LATERAL (
      SELECT greatest(60, 36 + least(coalesce((SELECT max(learnalytics_internal.svg_text_width(st, 11)) FROM unnest(stages) st), 0),
                                     g.w * 0.3)) AS x0,
             least(coalesce((SELECT max(learnalytics_internal.svg_text_width(s.shown, 10)) FROM s), 0), g.w * 0.3) + 12 AS right_w
    ) x
    -- about one tick per 60 px of plot, so that narrow charts' tick labels never run together
    CROSS JOIN LATERAL (SELECT learnalytics_internal.svg_ticks(0, coalesce((SELECT max(c) FROM s), 0),
                          least(5, floor((g.w - x.x0 - x.right_w) / 60)::integer)) AS ticks) t
  ), bars AS (
    SELECT s.*, lay.x0 AS bx,
           lay.y0 + (s.o - 1) * lay.rh + (lay.rh - lay.nser * lay.bh) / 2 + (s.si - 1) * lay.bh AS by,
           learnalytics_internal.svg_scale(s.c, 0, lay.tmax, 0, lay.pw) AS bw, lay.bh
    FROM s CROSS JOIN lay
  )
  SELECT learnalytics_internal.svg_document(chart, lay.w::integer, lay.h::integer, title, description,
    -- vertical grid and the count ticks
    format('<g class="axes" font-size="11" fill="%s">', learnalytics_internal.svg_colour('muted'))
    || (SELECT string_agg(format('<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>',
                                 px, lay.y0, px, lay.y0 + lay.ph, learnalytics_internal.svg_colour('grid'))
                          || learnalytics_internal.svg_text(px, lay.y0 + lay.ph + 15, learnalytics_internal.fmt_compact(t), 'tick', 'middle'),
                          '' ORDER BY t)
        FROM unnest(lay.ticks) t CROSS JOIN LATERAL (SELECT lay.x0 + learnalytics_internal.svg_scale(t, 0, lay.tmax, 0, lay.pw) AS px) p)
    || format('<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>',
              lay.x0, lay.y0, lay.x0, lay.y0 + lay.ph, learnalytics_internal.svg_colour('muted'))
    -- stage labels (cut to the margin, the whole name in a <title>), thinned when rows are low
    || (SELECT string_agg(format('<text x="%s" y="%s" class="tick" text-anchor="end">%s<title>%s</title></text>',
                                 round((lay.x0 - 6)::numeric, 2), round((lay.y0 + (o - 1) * lay.rh + lay.rh / 2 + 4)::numeric, 2),
                                 learnalytics_internal.svg_fit(coalesce(st, ''), lay.x0 - 36, 11),
                                 learnalytics_internal.svg_escape(coalesce(st, ''))), '' ORDER BY o)
        FROM unnest(stages) WITH ORDINALITY u(st, o)
        WHERE (o - 1) % greatest(1, ceil(13 / lay.rh)::integer) = 0)
    || learnalytics_internal.svg_text(lay.x0 + lay.pw / 2, lay.y0 + lay.ph + 34, 'learners', 'axis-label', 'middle', 'font-size="12"')
    || learnalytics_internal.svg_text(0, 0, 'stage', 'axis-label', 'middle',
                                      format('font-size="12" transform="translate(14 %s) rotate(-90)"', round((lay.y0 + lay.ph / 2)::numeric, 2)))
    || '</g>'
    -- the bars and their value labels
    || '<g class="marks">'
    || coalesce((SELECT string_agg(
          format('<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>',
                 round(b.bx::numeric, 2), round(b.by::numeric, 2), round(b.bw::numeric, 2), round(greatest(b.bh - 2, 1)::numeric, 2),
                 learnalytics_internal.svg_colour(b.si),
                 learnalytics_internal.svg_data(coalesce(b.key || ';', '') || 'stage=' || coalesce(b.stage_key, b.stage, b.o::text), b.c::text),
                 learnalytics_internal.svg_escape(b.label || ': ' || coalesce(b.stage, '') || ': '
                   || learnalytics_internal.fmt_number(b.c::numeric) || CASE WHEN b.c = 1 THEN ' learner' ELSE ' learners' END
                   || CASE WHEN b.first > 0 THEN ' (' || learnalytics_internal.fmt_number(round(100.0 * b.c / b.first, 1), 1)
                                                 || '% of ' || coalesce(stages[1], 'the first stage') || ')'
                           ELSE '' END))
          || CASE WHEN b.bh >= 10
                  THEN learnalytics_internal.svg_text(b.bx + b.bw + 4, b.by + (b.bh - 2) / 2 + 3.5, b.shown, 'value', 'start', 'font-size="10"')
                  ELSE '' END,
          '' ORDER BY b.o, b.si) FROM bars b), '')
    || '</g>'
    || learnalytics_internal.svg_legend(12, 44,
         (SELECT array_agg(CASE WHEN learnalytics_internal.svg_text_width(l, 11) > m THEN left(l, greatest(floor(m / 7.7)::integer - 1, 1)) || '…' ELSE l END ORDER BY i)
          FROM unnest(ARRAY[coalesce(label_a, 'A'), coalesce(label_b, 'B')]) WITH ORDINALITY v(l, i)
          CROSS JOIN LATERAL (SELECT (lay.w - 24) / lay.nser - 40 AS m) mm
          WHERE i <= lay.nser),
         (ARRAY[learnalytics_internal.svg_colour(1), learnalytics_internal.svg_colour(2)])[1:lay.nser], lay.w - 24))
  FROM lay;
END;
COMMENT ON FUNCTION learnalytics_internal.funnel_svg(text, text, text, text[], text[], text, text, bigint[], text, text, bigint[], integer, integer) IS
'a funnel as SVG: a row per stage, a bar per series labelled with its count and % of the first stage';

CREATE FUNCTION @extschema@.chart_funnel(title text, stages text[], label_a text, counts_a bigint[], label_b text DEFAULT NULL, counts_b bigint[] DEFAULT NULL, width integer DEFAULT 720, height integer DEFAULT 360)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE
    WHEN NOT learnalytics_internal.funnel_check(stages, counts_a, counts_b) THEN NULL
    WHEN coalesce(cardinality(stages), 0) = 0
      THEN learnalytics_internal.svg_no_data('chart_funnel', width, height, coalesce(title, 'funnel'), 'learners', 'stage', 'no stages')
    ELSE learnalytics_internal.funnel_svg('chart_funnel', coalesce(title, 'funnel'),
           'funnel: learners per stage' || CASE WHEN counts_b IS NULL THEN ' of ' || coalesce(label_a, 'A')
                                                ELSE ', ' || coalesce(label_a, 'A') || ' and ' || coalesce(label_b, 'B') || ' side by side' END
           || ', with the % of the first stage',
           stages, stages, label_a, 'series=a', counts_a, label_b, 'series=b', counts_b, width, height)
  END;
END;
COMMENT ON FUNCTION @extschema@.chart_funnel(text, text[], text, bigint[], text, bigint[], integer, integer) IS
'a funnel, one series or two side by side (before/after): a bar per stage and series with the count and its % of the first stage';

-- Two series of the dropout funnel: (course, cohort_a) and, when cohort_b or course_b is given,
-- (coalesce(course_b, course), cohort_b). A NULL cohort means the whole course
-- (course_dropout_funnel). A series the caller sees no learner of is drawn as zeros.
CREATE FUNCTION @extschema@.chart_dropout_funnel(course text, cohort_a text, cohort_b text DEFAULT NULL, course_b text DEFAULT NULL, width integer DEFAULT 720, height integer DEFAULT 360)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_course text := $1;
  v_cohort_a text := $2;
  v_cohort_b text := $3;
  v_course_b text := coalesce($4, $1);
  two boolean := $3 IS NOT NULL OR $4 IS NOT NULL;
  a bigint[];
  b bigint[];
  da bigint;
  db bigint;
  label_a text;
  label_b text;
  t text;
BEGIN
  IF v_course IS NULL THEN
    RAISE EXCEPTION 'chart_dropout_funnel: course must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', DETAIL = 'The funnel is drawn for one course.';
  END IF;
  -- one row per series: the cohort's row, or the course's when the cohort is NULL
  SELECT ARRAY[f.enrolled, f.started, f.reached_20pct, f.reached_50pct, f.completed], f.dropped INTO a, da
  FROM (SELECT c.enrolled, c.started, c.reached_20pct, c.reached_50pct, c.completed, c.dropped
        FROM @extschema@.cohort_dropout_funnel c
        WHERE v_cohort_a IS NOT NULL AND c.course = v_course AND c.cohort = v_cohort_a
        UNION ALL
        SELECT c.enrolled, c.started, c.reached_20pct, c.reached_50pct, c.completed, c.dropped
        FROM @extschema@.course_dropout_funnel c
        WHERE v_cohort_a IS NULL AND c.course = v_course) f;
  IF two THEN
    SELECT ARRAY[f.enrolled, f.started, f.reached_20pct, f.reached_50pct, f.completed], f.dropped INTO b, db
    FROM (SELECT c.enrolled, c.started, c.reached_20pct, c.reached_50pct, c.completed, c.dropped
          FROM @extschema@.cohort_dropout_funnel c
          WHERE v_cohort_b IS NOT NULL AND c.course = v_course_b AND c.cohort = v_cohort_b
          UNION ALL
          SELECT c.enrolled, c.started, c.reached_20pct, c.reached_50pct, c.completed, c.dropped
          FROM @extschema@.course_dropout_funnel c
          WHERE v_cohort_b IS NULL AND c.course = v_course_b) f;
  END IF;
  t := 'Dropout funnel: ' || v_course || coalesce(', cohort ' || v_cohort_a, '')
       || CASE WHEN two THEN ' vs ' || CASE WHEN v_course_b = v_course THEN '' ELSE v_course_b || coalesce(', ', '') END
                             || coalesce('cohort ' || v_cohort_b, 'all cohorts')
               ELSE '' END;
  IF a IS NULL AND (NOT two OR b IS NULL) THEN
    RETURN learnalytics_internal.svg_no_data('chart_dropout_funnel', width, height, t, 'learners', 'stage',
                                             'no learners you may see');
  END IF;
  label_a := v_course || coalesce(' ' || v_cohort_a, ' (all cohorts)')
             || CASE WHEN a IS NULL THEN ' (no learners)' ELSE format(' (dropped %s of %s)', da, a[1]) END;
  label_b := v_course_b || coalesce(' ' || v_cohort_b, ' (all cohorts)')
             || CASE WHEN b IS NULL THEN ' (no learners)' ELSE format(' (dropped %s of %s)', db, b[1]) END;
  RETURN learnalytics_internal.funnel_svg('chart_dropout_funnel', t,
    'dropout funnel (enrolled, started, reached 20% and 50% of the course, completed) of ' || label_a
    || CASE WHEN two THEN ' and of ' || label_b ELSE '' END,
    '{enrolled,started,reached_20pct,reached_50pct,completed}',
    '{enrolled,started,reached 20%,reached 50%,completed}',
    label_a, 'course=' || v_course || coalesce(';cohort=' || v_cohort_a, ''), coalesce(a, '{0,0,0,0,0}'),
    CASE WHEN two THEN label_b END, 'course=' || v_course_b || coalesce(';cohort=' || v_cohort_b, ''),
    CASE WHEN two THEN coalesce(b, '{0,0,0,0,0}') END,
    width, height);
END
$$;
COMMENT ON FUNCTION @extschema@.chart_dropout_funnel(text, text, text, text, integer, integer) IS
'the dropout funnel of two cohorts (or courses) side by side, from cohort_dropout_funnel (a NULL cohort: the whole course, course_dropout_funnel)';

-------------------------------------------------------------------------------
-- The heatmap
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_engagement_heatmap(course text, rollup text DEFAULT NULL, from_week date DEFAULT NULL, to_week date DEFAULT NULL, max_activities integer DEFAULT 25, width integer DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_course text := $1;
  v_rollup text := $2;
  v_from date := date_trunc('week', $3)::date;
  v_to date := date_trunc('week', $4)::date;
  m integer := $5;
  candidates text[];
  w0 date;
  w1 date;
  nw integer;
  nrows integer;
  x0 float8;
  y0 float8 := 62;
  cw float8;
  ch float8;
  w integer;
  h integer;
  vmax bigint;
  nacts bigint;
  c_pos integer[];
  c_label text[];
  c_week date[];
  c_events bigint[];
  c_share numeric[];
  ttl text;
  body text;
BEGIN
  IF v_course IS NULL THEN
    RAISE EXCEPTION 'chart_engagement_heatmap: course must not be NULL'
      USING ERRCODE = 'null_value_not_allowed', DETAIL = 'The heatmap is drawn for one course.';
  END IF;
  IF m IS NULL OR m < 2 OR m > 200 THEN
    RAISE EXCEPTION 'chart_engagement_heatmap: max_activities must be between 2 and 200'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('max_activities is %s.', coalesce(m::text, 'NULL'));
  END IF;
  IF v_from > v_to THEN
    RAISE EXCEPTION 'chart_engagement_heatmap: from_week must not be after to_week'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('from_week is %s, to_week is %s.', $3, $4);
  END IF;
  ttl := 'Engagement of ' || v_course || ' by activity and week';
  IF v_rollup IS NULL THEN
    SELECT array_agg(DISTINCT hm.rollup ORDER BY hm.rollup) INTO candidates
    FROM @extschema@.engagement_heatmap hm WHERE hm.course = v_course;
    IF cardinality(candidates) > 1 THEN
      RAISE EXCEPTION 'chart_engagement_heatmap: rollup must be given: course % has activities in % rollups', v_course, cardinality(candidates)
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The rollups with activities of course %s: %s.', v_course, array_to_string(candidates, ', ')),
              HINT = 'Pass rollup => one of them.';
    END IF;
    v_rollup := candidates[1];
  ELSIF NOT EXISTS (SELECT 1 FROM @extschema@.engagement_heatmap hm WHERE hm.rollup = v_rollup) THEN
    -- a typo would otherwise draw the same empty chart as a course without activity
    SELECT array_agg(DISTINCT hm.rollup ORDER BY hm.rollup) INTO candidates
    FROM @extschema@.engagement_heatmap hm WHERE hm.course = v_course;
    RAISE EXCEPTION 'chart_engagement_heatmap: rollup "%" has no activities', v_rollup
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = CASE WHEN candidates IS NULL THEN format('No rollup has activities of course %s.', v_course)
                          ELSE format('The rollups with activities of course %s: %s.', v_course, array_to_string(candidates, ', ')) END,
            HINT = 'Name a rollup created with an activity column (rollup_create(..., activity_column => ...)).';
  END IF;
  SELECT min(hm.week), max(hm.week), max(hm.events) INTO w0, w1, vmax
  FROM @extschema@.engagement_heatmap hm
  WHERE hm.rollup = v_rollup AND hm.course = v_course
    AND hm.week >= coalesce(v_from, '-infinity') AND hm.week <= coalesce(v_to, 'infinity');
  IF w0 IS NULL THEN
    RETURN learnalytics_internal.svg_no_data('chart_engagement_heatmap', coalesce($6, 640), 320, ttl, 'week (Monday)', 'activity',
                                             'no activity' || coalesce(' in rollup ' || v_rollup, '') || ' for this course and period');
  END IF;
  w0 := coalesce(v_from, w0);
  w1 := coalesce(v_to, w1);
  nw := (w1 - w0) / 7 + 1;

  -- the rows: the top activities by events over the period, the rest summed into "other"; a
  -- cell per row and calendar week (0 without events), with its share of the week's events
  WITH cells AS (
    SELECT hm.activity, hm.week, hm.events FROM @extschema@.engagement_heatmap hm
    WHERE hm.rollup = v_rollup AND hm.course = v_course AND hm.week BETWEEN w0 AND w1
  ), ranked AS (
    SELECT c.activity, row_number() OVER (ORDER BY sum(c.events) DESC, c.activity) AS rk, count(*) OVER () AS n
    FROM cells c GROUP BY c.activity
  ), rowmap AS (
    SELECT r.activity, r.n, CASE WHEN r.n > m AND r.rk >= m THEN m ELSE r.rk END::integer AS pos,
           CASE WHEN r.n > m AND r.rk >= m THEN format('other (%s activities)', r.n - m + 1)
                WHEN r.activity = '' THEN '(no activity)' ELSE r.activity END AS label
    FROM ranked r
  ), weeks AS (
    SELECT g::date AS week FROM generate_series(w0::timestamp, w1::timestamp, '1 week') g
  ), totals AS (
    SELECT c.week, sum(c.events) AS total FROM cells c GROUP BY c.week
  ), grid AS (
    SELECT p.pos, p.label, wk.week, coalesce(v.events, 0)::bigint AS events,
           round(100 * coalesce(v.events, 0) / nullif(t.total, 0), 2) AS share
    FROM (SELECT DISTINCT rm.pos, rm.label FROM rowmap rm) p
    CROSS JOIN weeks wk
    LEFT JOIN (SELECT rm.pos, c.week, sum(c.events) AS events FROM cells c JOIN rowmap rm USING (activity)
               GROUP BY rm.pos, c.week) v ON v.pos = p.pos AND v.week = wk.week
    LEFT JOIN totals t ON t.week = wk.week
  )
  SELECT array_agg(g.pos ORDER BY g.pos, g.week), array_agg(g.label ORDER BY g.pos, g.week),
         array_agg(g.week ORDER BY g.pos, g.week), array_agg(g.events ORDER BY g.pos, g.week),
         array_agg(g.share ORDER BY g.pos, g.week),
         count(DISTINCT g.pos), max(g.events), (SELECT max(rm.n) FROM rowmap rm),
         greatest(60, 36 + least(max(learnalytics_internal.svg_text_width(g.label, 11)), 220))
    INTO c_pos, c_label, c_week, c_events, c_share, nrows, vmax, nacts, x0
  FROM grid g;
  -- 20 px a row; fewer than four rows are taller, so the rotated axis title fits beside them
  ch := least(greatest(20, 80.0 / nrows), 48, (4000 - y0 - 48) / nrows);
  w := least(greatest(coalesce($6, (x0 + 16 + nw * 48)::integer), 480, (x0 + 260)::integer), 4000);
  cw := least((w - x0 - 16) / nw, 80);
  h := least(ceil(y0 + nrows * ch + 48)::integer, 4000);

  SELECT
    -- the colour legend: grey for none, then the ten steps of the log scale from 1 to the maximum
    format('<g class="legend" font-size="11">%s%s%s%s%s</g>',
           learnalytics_internal.svg_text(12, 46, 'events:', NULL, 'start'),
           format('<g class="legend-item"><rect x="62" y="37" width="12" height="12" fill="%s" stroke="#BBBBBB" stroke-width="0.5"/>%s</g>',
                  learnalytics_internal.svg_seq_colour(NULL), learnalytics_internal.svg_text(78, 47, '0', NULL, 'start')),
           CASE WHEN vmax > 0 THEN learnalytics_internal.svg_text(102, 47, '1', NULL, 'end') ELSE '' END,
           CASE WHEN vmax > 0 THEN
             (SELECT string_agg(format('<rect class="legend-step" x="%s" y="37" width="16" height="12" fill="%s"/>',
                                       106 + 16 * i, learnalytics_internal.svg_seq_colour((i + 0.5) / 10.0)), '' ORDER BY i)
              FROM generate_series(0, 9) i)
             || learnalytics_internal.svg_text(270, 47, learnalytics_internal.fmt_compact(vmax) || ' (log scale)', NULL, 'start')
           ELSE '' END,
           '')
    -- the cells
    || '<g class="marks">'
    || string_agg(format('<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>',
                         round((x0 + (c.week - w0) / 7 * cw)::numeric, 2), round((y0 + (c.pos - 1) * ch)::numeric, 2),
                         round(greatest(cw - CASE WHEN cw >= 4 THEN 1 ELSE 0 END, 0.5)::numeric, 2), round((ch - 1)::numeric, 2),
                         learnalytics_internal.svg_seq_colour(tc.t),
                         learnalytics_internal.svg_data(
                           CASE WHEN nacts > m AND c.pos = m THEN 'other=' || (nacts - m + 1)
                                ELSE 'activity=' || CASE WHEN c.label = '(no activity)' THEN '' ELSE c.label END END
                           || ';week=' || c.week, c.events::text),
                         learnalytics_internal.svg_escape(c.label || ', week of ' || c.week || ': '
                           || learnalytics_internal.fmt_number(c.events) || ' event' || CASE WHEN c.events = 1 THEN '' ELSE 's' END
                           || CASE WHEN c.share IS NULL THEN ''
                                ELSE ' (' || learnalytics_internal.fmt_number(c.share, 1) || '% of the course''s events that week)' END))
                  || CASE WHEN c.events > 0 AND ch >= 14
                               AND learnalytics_internal.svg_text_width(learnalytics_internal.fmt_compact(c.events), 10) + 4 <= cw
                          THEN learnalytics_internal.svg_text(x0 + (c.week - w0) / 7 * cw + cw / 2, y0 + (c.pos - 1) * ch + ch / 2 + 3,
                                                              learnalytics_internal.fmt_compact(c.events), 'cell-value', 'middle',
                                                              format('font-size="10" fill="%s" pointer-events="none"', learnalytics_internal.svg_seq_text_colour(tc.t)))
                          ELSE '' END,
                  '' ORDER BY c.pos, c.week)
    || '</g>'
    INTO body
  FROM unnest(c_pos, c_label, c_week, c_events, c_share) c(pos, label, week, events, share)
  CROSS JOIN LATERAL (SELECT CASE WHEN c.events > 0 THEN ln(1 + c.events) / ln(1 + vmax) END AS t) tc;

  body := body
    || format('<g class="axes" font-size="11" fill="%s">', learnalytics_internal.svg_colour('muted'))
    -- activity labels, cut to the margin with the whole name in a <title>
    || (SELECT string_agg(format('<text x="%s" y="%s" class="tick" text-anchor="end">%s<title>%s</title></text>',
                                 round((x0 - 6)::numeric, 2), round((y0 + (r.pos - 1) * ch + ch / 2 + 4)::numeric, 2),
                                 learnalytics_internal.svg_fit(r.label, x0 - 36, 11), learnalytics_internal.svg_escape(r.label)),
                          '' ORDER BY r.pos)
        FROM (SELECT DISTINCT u.pos, u.label FROM unnest(c_pos, c_label) u(pos, label)) r)
    -- week labels, one every 84 px or more
    || (SELECT string_agg(learnalytics_internal.svg_text(x0 + k * cw + cw / 2, y0 + nrows * ch + 15, (w0 + 7 * k)::text, 'tick', 'middle'),
                          '' ORDER BY k)
        FROM generate_series(0, nw - 1) k
        WHERE k % greatest(1, ceil(84 / cw)::integer) = 0
          AND x0 + k * cw + cw / 2 + 40 <= w AND x0 + k * cw + cw / 2 - 40 >= 0)
    || learnalytics_internal.svg_text(x0 + nw * cw / 2, y0 + nrows * ch + 34, 'week (Monday)', 'axis-label', 'middle', 'font-size="12"')
    || learnalytics_internal.svg_text(0, 0, 'activity', 'axis-label', 'middle',
                                      format('font-size="12" transform="translate(14 %s) rotate(-90)"', round((y0 + nrows * ch / 2)::numeric, 2)))
    || '</g>';
  RETURN learnalytics_internal.svg_document('chart_engagement_heatmap', w, h, ttl,
    format('events per activity and ISO week of course %s from %s to %s (rollup %s); colour: events on a log scale; %s',
           v_course, w0, w1, v_rollup,
           CASE WHEN nacts > m THEN format('the top %s activities by events, the rest summed as other', m - 1)
                ELSE 'every activity' END),
    body);
END
$$;
COMMENT ON FUNCTION @extschema@.chart_engagement_heatmap(text, text, date, date, integer, integer) IS
'heatmap of engagement by activity x ISO week for a course (engagement_heatmap): colour = events on a log scale, the top activities by events and the rest as other';

GRANT SELECT ON @extschema@.cohort_dropout_funnel TO learnalytics_viewer;
GRANT EXECUTE ON FUNCTION @extschema@.chart_engagement_heatmap(text, text, date, date, integer, integer),
  @extschema@.chart_dropout_funnel(text, text, text, text, integer, integer)
  TO learnalytics_viewer;
