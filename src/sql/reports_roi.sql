
-------------------------------------------------------------------------------
-- reports: the ROI chart and the executive page (doc/reports.md)
--
-- chart_roi draws roi_summary values (doc/roi.md) as a waterfall: the adjusted benefits of each
-- source rise from zero, the costs of their merge (la_merge_agg) by category fall from there, and
-- the net benefits stand as a total from zero. Every number shown comes from the summaries'
-- accessors, which are exact numeric: float8 only places the pixels.
-------------------------------------------------------------------------------

-- The argument checks of chart_roi (PL/pgSQL to raise; it names nothing internal, so any role may
-- run it). Returns true.
CREATE FUNCTION learnalytics_internal.roi_check_args(sources text[], summaries @extschema@.roi_summary[])
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF coalesce(array_ndims(sources), 1) > 1 OR coalesce(array_ndims(summaries), 1) > 1 THEN
    RAISE EXCEPTION 'chart_roi: sources and summaries must be one-dimensional arrays'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('sources has %s dimensions, summaries %s.', coalesce(array_ndims(sources), 0),
                            coalesce(array_ndims(summaries), 0));
  END IF;
  IF coalesce(cardinality(sources), 0) <> coalesce(cardinality(summaries), 0) THEN
    RAISE EXCEPTION 'chart_roi: sources and summaries must have the same length'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('sources has %s elements, summaries %s.', coalesce(cardinality(sources), 0),
                            coalesce(cardinality(summaries), 0)),
            HINT = 'Name each summary: sources[i] is the label of summaries[i].';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(sources, summaries) u(n, s) WHERE s IS NOT NULL AND (n IS NULL OR n = '')) THEN
    RAISE EXCEPTION 'chart_roi: sources must name every summary'
      USING ERRCODE = 'null_value_not_allowed',
            DETAIL = 'An element of sources is NULL or empty where its summary is not NULL.';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.roi_check_args(text[], @extschema@.roi_summary[]) IS
'the argument checks of chart_roi: one-dimensional arrays of equal length, every summary named (22023, 22004)';

-- A label cut to max_px with an ellipsis, NOT escaped (svg_text escapes it).
CREATE FUNCTION learnalytics_internal.roi_cut(s text, max_px float8, font_size float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE WHEN s IS NULL OR max_px < font_size THEN ''
              WHEN length(s) * font_size * 0.7 <= max_px THEN s
              ELSE left(s, greatest(floor(max_px / (font_size * 0.7))::integer - 1, 0)) || '…' END;
END;
COMMENT ON FUNCTION learnalytics_internal.roi_cut(text, float8, float8) IS
'a label cut with an ellipsis to fit max_px at font_size (unescaped: for svg_text); empty when not even one character fits';

CREATE FUNCTION @extschema@.chart_roi(title text, sources text[], summaries @extschema@.roi_summary[], width integer DEFAULT 800, height integer DEFAULT 400)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  WITH dims AS (
    SELECT least(greatest(coalesce(chart_roi.width, 800), 160), 4000) AS w,
           least(greatest(coalesce(chart_roi.height, 400), 160), 4000) AS h,
           learnalytics_internal.roi_check_args(chart_roi.sources, chart_roi.summaries) AS ok
  ), src AS (
    SELECT u.name, u.s, u.o FROM unnest(chart_roi.sources, chart_roi.summaries) WITH ORDINALITY AS u(name, s, o)
    WHERE u.s IS NOT NULL
  ), merged AS (
    SELECT @extschema@.la_merge_agg(src.s) AS m, count(*) AS n_sources FROM src
  ), facts AS (
    SELECT m, n_sources, @extschema@.currency(m) AS cur, @extschema@.adjusted_benefits(m) AS benefits,
           @extschema@.total_costs(m) AS costs, @extschema@.net_benefits(m) AS net,
           @extschema@.roi_percent(m) AS roi, @extschema@.benefit_cost_ratio(m) AS bcr,
           @extschema@.payback_months(m) AS payback, @extschema@.roi_note(m) AS note
    FROM merged
  ), bars AS (   -- the waterfall's steps in order: sources, costs by category (non-zero), net
    SELECT src.o AS ord, 'benefit' AS kind, 'source=' || src.name AS key, src.name AS label,
           'adjusted benefit of ' || src.name AS what, @extschema@.adjusted_benefits(src.s) AS v,
           @extschema@.adjusted_benefits(src.s) AS delta
    FROM src
    UNION ALL
    SELECT 1000000 + c.co, 'cost', 'cost=' || c.category, replace(c.category, '_', ' '),
           'cost: ' || replace(c.category, '_', ' '), c.amount, -c.amount
    FROM facts f CROSS JOIN LATERAL @extschema@.cost_breakdown(f.m) WITH ORDINALITY AS c(category, amount, co)
    WHERE c.amount <> 0
    UNION ALL
    SELECT 2000000, 'net', 'net', 'net', 'net benefits', f.net, NULL FROM facts f
  ), steps AS (
    SELECT b.*, row_number() OVER (ORDER BY b.ord) AS i,
           CASE WHEN b.kind = 'net' THEN 0 ELSE coalesce(sum(b.delta) OVER prior, 0) - b.delta END AS y_from,
           CASE WHEN b.kind = 'net' THEN b.v ELSE coalesce(sum(b.delta) OVER prior, 0) END AS y_to
    FROM bars b
    WINDOW prior AS (ORDER BY b.ord ROWS UNBOUNDED PRECEDING)
  ), domain AS (
    SELECT learnalytics_internal.svg_ticks(least(0, min(least(y_from, y_to)))::float8,
                                           greatest(0, max(greatest(y_from, y_to)))::float8,
                                           least(5, greatest(2, ((SELECT h FROM dims) - 152) / 40))::integer) AS ticks,
           count(*) AS n
    FROM steps
  ), frame AS (
    SELECT d.w, d.h, dm.ticks, dm.n, 72.0::float8 AS x0, 72.0::float8 AS y0,
           (d.w - 72 - 20)::float8 AS pw, (d.h - 72 - 80)::float8 AS ph,
           (d.w - 72 - 20)::float8 / dm.n AS slot,
           dm.ticks[1] AS d0, dm.ticks[cardinality(dm.ticks)] AS d1
    FROM dims d, domain dm
  ), placed AS (
    SELECT s.*, fr.x0 + (s.i - 0.5) * fr.slot AS cx, fr.slot * 0.64 AS bw,
           learnalytics_internal.svg_scale(greatest(s.y_from, s.y_to)::float8, fr.d0, fr.d1, fr.y0 + fr.ph, fr.y0) AS y_top,
           learnalytics_internal.svg_scale(least(s.y_from, s.y_to)::float8, fr.d0, fr.d1, fr.y0 + fr.ph, fr.y0) AS y_bottom,
           learnalytics_internal.svg_scale(s.y_to::float8, fr.d0, fr.d1, fr.y0 + fr.ph, fr.y0) AS y_end,
           fr.slot, fr.y0, fr.ph, f.cur,
           CASE WHEN learnalytics_internal.svg_text_width(learnalytics_internal.fmt_number(s.v, 2), 10) <= fr.slot - 4
                THEN learnalytics_internal.fmt_number(s.v, 2)
                WHEN learnalytics_internal.svg_text_width(learnalytics_internal.fmt_compact(s.v::float8), 10) <= fr.slot - 4
                THEN learnalytics_internal.fmt_compact(s.v::float8) END AS value_label
    FROM steps s, frame fr, facts f
  ), annotations AS (   -- the ratios of the merged summary, on one line under the title
    SELECT a.k, a.ord, a.value, a.txt,
           12 + coalesce(sum(learnalytics_internal.svg_text_width(a.txt, 12) + 18)
                           OVER (ORDER BY a.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS x
    FROM facts f CROSS JOIN LATERAL (VALUES
      (1, 'roi_percent', f.roi::text, 'ROI ' || CASE WHEN f.roi IS NULL THEN '–' ELSE learnalytics_internal.fmt_number(f.roi, 1) || ' %' END),
      (2, 'benefit_cost_ratio', f.bcr::text, 'BCR ' || learnalytics_internal.fmt_number(f.bcr, 2)),
      (3, 'payback_months', f.payback::text,
          'payback ' || CASE WHEN f.payback IS NULL THEN '–' ELSE learnalytics_internal.fmt_number(f.payback, 1) || ' months' END),
      (4, 'net_benefits', f.net::text, 'net benefits ' || learnalytics_internal.fmt_number(f.net, 2) || ' ' || f.cur)
    ) AS a(ord, k, value, txt)
  ), notes AS (   -- why a ratio is missing, in words
    SELECT nullif(concat_ws('; ', f.note,
             CASE WHEN f.payback IS NULL AND f.costs > 0 THEN 'no payback period: the adjusted benefits are not positive' END), '') AS txt
    FROM facts f
  )
  SELECT CASE
    WHEN f.cur IS NULL THEN
      learnalytics_internal.svg_no_data('chart_roi', fr.w::integer, fr.h::integer,
        chart_roi.title, 'benefit sources, costs, net', 'amount',
        CASE WHEN f.n_sources = 0 THEN 'no ROI summary' ELSE 'no benefit or cost recorded' END)
    ELSE learnalytics_internal.svg_document('chart_roi', fr.w::integer, fr.h::integer, chart_roi.title,
      format('ROI waterfall of %s source(s): adjusted benefits %s %s, costs %s %s, net benefits %s %s; ROI %s, BCR %s, payback %s',
             f.n_sources, learnalytics_internal.fmt_number(f.benefits, 2), f.cur, learnalytics_internal.fmt_number(f.costs, 2), f.cur,
             learnalytics_internal.fmt_number(f.net, 2), f.cur,
             coalesce(learnalytics_internal.fmt_number(f.roi, 1) || ' %', 'undefined'),
             coalesce(learnalytics_internal.fmt_number(f.bcr, 2), 'undefined'),
             coalesce(learnalytics_internal.fmt_number(f.payback, 1) || ' months', 'undefined'))
        || coalesce('. ' || (SELECT txt FROM notes), ''),
      -- the ratios and the note
      (SELECT string_agg(CASE WHEN a.x < fr.w - 24 THEN
                learnalytics_internal.svg_text(a.x, 42, learnalytics_internal.roi_cut(a.txt, fr.w - 12 - a.x, 12), 'annotation', 'start',
                  ltrim(learnalytics_internal.svg_data(a.k, a.value)) || ' font-weight="bold"') ELSE '' END, '' ORDER BY a.ord)
       FROM annotations a)
      || coalesce((SELECT '<g class="note">' || learnalytics_internal.svg_text(12, 58, learnalytics_internal.roi_cut(n.txt, fr.w - 24, 11), NULL, 'start',
                    format('font-size="11" fill="%s"', learnalytics_internal.svg_colour('muted')))
                    || '<title>' || learnalytics_internal.svg_escape(n.txt) || '</title></g>'
                   FROM notes n WHERE n.txt IS NOT NULL), '')
      -- axes (the x labels are the bars' own, below)
      || learnalytics_internal.svg_axes(fr.x0, fr.y0, fr.pw, fr.ph, fr.ticks,
                                        learnalytics_internal.roi_cut('amount (' || f.cur || ')', greatest(fr.ph + 60, 12), 12), '{}', '{}',
                                        learnalytics_internal.roi_cut('benefit sources, costs by category, net', fr.pw + 40, 12))
      || CASE WHEN fr.d0 < 0 THEN
           format('<line class="zero" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>', fr.x0,
                  learnalytics_internal.svg_scale(0, fr.d0, fr.d1, fr.y0 + fr.ph, fr.y0), fr.x0 + fr.pw,
                  learnalytics_internal.svg_scale(0, fr.d0, fr.d1, fr.y0 + fr.ph, fr.y0), learnalytics_internal.svg_colour('text'))
         ELSE '' END
      -- connectors from the end of each step to the next bar
      || coalesce((SELECT string_agg(format('<line class="connector" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-dasharray="3 2"/>',
                                            round((p.cx + p.bw / 2)::numeric, 2), p.y_end, round((p.cx + p.slot - p.bw / 2)::numeric, 2), p.y_end,
                                            learnalytics_internal.svg_colour('muted')), '' ORDER BY p.i)
                   FROM placed p WHERE p.i < fr.n), '')
      -- the bars, their values and their labels
      || (SELECT string_agg(
            format('<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>',
                   round((p.cx - p.bw / 2)::numeric, 2), p.y_top, round(p.bw::numeric, 2),
                   round(greatest(p.y_bottom - p.y_top, 1)::numeric, 2), learnalytics_internal.svg_colour(p.kind),
                   learnalytics_internal.svg_data(p.key, p.v::text),
                   learnalytics_internal.svg_escape(p.what || ': ' || learnalytics_internal.fmt_number(p.v, 2) || ' ' || p.cur))
            || CASE WHEN p.value_label IS NULL THEN '' ELSE
                 learnalytics_internal.svg_text(p.cx, p.y_top - 4, p.value_label, 'value', 'middle', 'font-size="10"') END
            || learnalytics_internal.svg_text(p.cx, p.y0 + p.ph + 15, learnalytics_internal.roi_cut(p.label, p.slot - 4, 11), 'tick', 'middle',
                                              'font-size="11"'),
            '' ORDER BY p.i) FROM placed p)
      || CASE WHEN fr.pw < 330 THEN '' ELSE   -- the legend in one row, or none (the marks' titles name them)
         learnalytics_internal.svg_legend(fr.x0, fr.h - 14, ARRAY['adjusted benefit', 'cost', 'net benefits'],
                                          ARRAY[learnalytics_internal.svg_colour('benefit'), learnalytics_internal.svg_colour('cost'),
                                                learnalytics_internal.svg_colour('net')], fr.pw) END)
  END
  FROM frame fr, facts f
  WHERE (SELECT ok FROM dims);
END;
COMMENT ON FUNCTION @extschema@.chart_roi(text, text[], @extschema@.roi_summary[], integer, integer) IS
'ROI waterfall: benefits by source after isolation and confidence, costs by category, net; ROI %, BCR, payback';

CREATE FUNCTION @extschema@.chart_program_roi(program text, width integer DEFAULT 800, height integer DEFAULT 400)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p record;
BEGIN
  IF program IS NULL THEN
    RAISE EXCEPTION 'chart_program_roi: program must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT pr.name, pr.roi, pr.roi_as_of INTO p FROM @extschema@.program pr WHERE pr.name = chart_program_roi.program;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'chart_program_roi: no program "%"', program
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'The program table has no row of that name.';
  END IF;
  IF p.roi IS NULL THEN
    RETURN learnalytics_internal.svg_no_data('chart_program_roi', width, height, 'ROI of ' || p.name,
                                             'benefit sources, costs, net', 'amount', 'no ROI summary recorded');
  END IF;
  RETURN replace(@extschema@.chart_roi('ROI of ' || p.name || coalesce(' (as of ' || p.roi_as_of || ')', ''),
                                       ARRAY[p.name], ARRAY[p.roi], width, height),
                 'data-chart="chart_roi"', 'data-chart="chart_program_roi"');
END
$$;
COMMENT ON FUNCTION @extschema@.chart_program_roi(text, integer, integer) IS
'chart_roi of a program (program.roi)';

-- A number of the executive page: the value shown, its view column, key and exact value.
CREATE FUNCTION learnalytics_internal.report_num(shown text, source text, key text, value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT format('<span class="num" data-source="%s" data-key="%s" data-value="%s">%s</span>',
                learnalytics_internal.svg_escape(source), learnalytics_internal.svg_escape(key),
                learnalytics_internal.svg_escape(coalesce(value, '')), learnalytics_internal.svg_escape(shown));
END;
COMMENT ON FUNCTION learnalytics_internal.report_num(text, text, text, text) IS
'a number of the HTML report: <span class="num" data-source data-key data-value> around the text shown';

-- PARALLEL UNSAFE: each part runs in a subtransaction (to catch insufficient_privilege), which a
-- parallel operation cannot start.
CREATE FUNCTION learnalytics_internal.report_executive(course text, from_day date, to_day date)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c text := learnalytics_internal.svg_escape(course);
  from_week date := date_trunc('week', from_day)::date;
  to_week date := date_trunc('week', to_day)::date;
  first_row record;
  last_row record;
  fc record;
  model text;
  prog record;
  k text;
  out text;
  part text;
  denied constant text := '<p class="denied">%s is not shown: your role may not read %s.</p>';
BEGIN
  IF course IS NULL OR from_day IS NULL OR to_day IS NULL THEN
    RAISE EXCEPTION 'report_executive: course, from_day and to_day are required'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF from_day > to_day THEN
    RAISE EXCEPTION 'report_executive: from_day must not be after to_day'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('from_day is %s, to_day is %s.', from_day, to_day);
  END IF;
  out := format('<section class="page executive"><h2>Executive summary: %s</h2><p class="period">%s to %s</p>', c, from_day, to_day);

  -- 1. the numbers, from weekly_executive_metrics (the learners the reader sees)
  BEGIN
    SELECT * INTO last_row FROM @extschema@.weekly_executive_metrics m
     WHERE m.course = report_executive.course AND m.week BETWEEN from_week AND to_week ORDER BY m.week DESC LIMIT 1;
    SELECT * INTO first_row FROM @extschema@.weekly_executive_metrics m
     WHERE m.course = report_executive.course AND m.week BETWEEN from_week AND to_week ORDER BY m.week LIMIT 1;
    SELECT * INTO fc FROM @extschema@.weekly_executive_metrics m
     WHERE m.course = report_executive.course AND m.week BETWEEN from_week AND to_week AND m.expected_withdrawals IS NOT NULL
     ORDER BY m.week DESC LIMIT 1;
    IF last_row.week IS NULL THEN
      part := format('<p class="empty">No enrolment in %s that you may see between %s and %s.</p>', c, from_day, to_day);
    ELSE
      k := format('course=%s;week=%s', course, last_row.week);
      part := '<ul class="headline">'
        || format('<li>%s of the %s enrolled learners had completed %s by the week of %s.</li>',
                  learnalytics_internal.report_num(learnalytics_internal.fmt_number(last_row.completion_pct, 1) || ' %',
                                                   'weekly_executive_metrics.completion_pct', k, last_row.completion_pct::text),
                  learnalytics_internal.report_num(learnalytics_internal.fmt_number(last_row.enrolled), 'weekly_executive_metrics.enrolled',
                                                   k, last_row.enrolled::text),
                  c, last_row.week)
        || format('<li>%s had dropped out, %s on the week before%s.</li>',
                  learnalytics_internal.report_num(learnalytics_internal.fmt_number(last_row.dropout_pct, 1) || ' %',
                                                   'weekly_executive_metrics.dropout_pct', k, last_row.dropout_pct::text),
                  CASE WHEN last_row.dropout_pct_change IS NULL THEN 'no change to compare'
                       ELSE learnalytics_internal.report_num(
                              CASE WHEN last_row.dropout_pct_change > 0 THEN '+' ELSE '' END
                              || learnalytics_internal.fmt_number(last_row.dropout_pct_change, 1) || ' points',
                              'weekly_executive_metrics.dropout_pct_change', k, last_row.dropout_pct_change::text) END,
                  CASE WHEN first_row.week < last_row.week AND first_row.dropout_pct IS NOT NULL
                       THEN format(' (%s in the week of %s)',
                                   learnalytics_internal.report_num(learnalytics_internal.fmt_number(first_row.dropout_pct, 1) || ' %',
                                     'weekly_executive_metrics.dropout_pct', format('course=%s;week=%s', course, first_row.week),
                                     first_row.dropout_pct::text), first_row.week)
                       ELSE '' END)
        || CASE
             WHEN fc.week IS NOT NULL THEN
               format('<li>%s more withdrawals are expected within %s days of %s (95 %% interval %s to %s).</li>',
                      learnalytics_internal.report_num(learnalytics_internal.fmt_number(fc.expected_withdrawals::numeric, 1),
                        'weekly_executive_metrics.expected_withdrawals', format('course=%s;week=%s', course, fc.week), fc.expected_withdrawals::text),
                      fc.forecast_horizon_days, fc.forecast_as_of,
                      learnalytics_internal.report_num(learnalytics_internal.fmt_number(fc.expected_withdrawals_low::numeric, 1),
                        'weekly_executive_metrics.expected_withdrawals_low', format('course=%s;week=%s', course, fc.week), fc.expected_withdrawals_low::text),
                      learnalytics_internal.report_num(learnalytics_internal.fmt_number(fc.expected_withdrawals_high::numeric, 1),
                        'weekly_executive_metrics.expected_withdrawals_high', format('course=%s;week=%s', course, fc.week), fc.expected_withdrawals_high::text))
             WHEN last_row.min_program_roi_pct IS NOT NULL THEN
               format('<li>Of the programs covering the course (%s), the lowest return on investment recorded is %s.</li>',
                      learnalytics_internal.svg_escape(last_row.programs),
                      learnalytics_internal.report_num(learnalytics_internal.fmt_number(last_row.min_program_roi_pct, 1) || ' %',
                        'weekly_executive_metrics.min_program_roi_pct', k, last_row.min_program_roi_pct::text))
             ELSE '<li>No withdrawal forecast and no program ROI is recorded for this course.</li>'
           END
        || '</ul>';
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    part := format(denied, 'The summary', 'weekly_executive_metrics');
  END;
  out := out || part;

  -- 2. the weekly trend
  BEGIN
    part := '<figure class="chart">' || @extschema@.chart_weekly_trend(course, from_week, to_week) || '</figure>';
  EXCEPTION WHEN insufficient_privilege THEN
    part := format(denied, 'The weekly trend', 'the weekly outcomes');
  END;
  out := out || '<h3>Completion and dropout by week</h3>' || part;

  -- 3. the withdrawal forecast of the active risk model
  BEGIN
    SELECT r.name INTO model FROM @extschema@.risk_model r WHERE r.active
     ORDER BY r.created_at DESC, r.name, r.version DESC LIMIT 1;
    IF model IS NULL THEN
      part := '<p class="empty">No risk model is active: there is no withdrawal forecast.</p>';
    ELSE
      part := '<figure class="chart">' || @extschema@.chart_withdrawal_forecast(model, course, from_day, to_day) || '</figure>';
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    part := format(denied, 'The withdrawal forecast', 'the risk models and their scores');
  END;
  out := out || '<h3>Expected withdrawals</h3>' || part;

  -- 4. the ROI of each program covering the course
  BEGIN
    part := '';
    FOR prog IN SELECT p.name FROM @extschema@.program p WHERE report_executive.course = ANY (p.courses) ORDER BY p.name LOOP
      part := part || '<figure class="chart">' || @extschema@.chart_program_roi(prog.name) || '</figure>';
    END LOOP;
    IF part = '' THEN
      part := format('<p class="empty">No program covers %s: no ROI to show.</p>', c);
    END IF;
  EXCEPTION WHEN insufficient_privilege THEN
    part := format(denied, 'The return on investment of the programs', 'the programs');
  END;
  out := out || '<h3>Return on investment</h3>' || part;

  RETURN out || '</section>';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.report_executive(text, date, date) IS
'the executive page of report_html: an HTML section (numbers with their source, the weekly trend, the forecast, the programs'' ROI); a section the caller may not read says so';

GRANT EXECUTE ON FUNCTION @extschema@.chart_program_roi(text, integer, integer) TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION learnalytics_internal.report_executive(text, date, date) TO learnalytics_viewer;
