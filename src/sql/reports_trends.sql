
-------------------------------------------------------------------------------
-- reports: the weekly trends, the forecast and alert operations (doc/reports.md)
--
-- chart_forecast draws any weekly series with a forecast and its interval from arrays (IMMUTABLE,
-- for everyone); chart_weekly_trend, chart_withdrawal_forecast and chart_alert_operations read
-- weekly_executive_metrics, risk_forecast, weekly_alert_operations and coach_load as the caller
-- (their learner filters apply) and draw them with the same panels. The panels
-- (learnalytics_internal.trends_*) are pure: numbers in, SVG out.
-------------------------------------------------------------------------------

-- A value for hover text: integers as integers, others with two decimals, thousands separated.
CREATE FUNCTION learnalytics_internal.trends_hover_number(v float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN v IS NULL THEN '–'
              WHEN abs(v) >= 1e15 THEN learnalytics_internal.fmt_compact(v)
              ELSE learnalytics_internal.fmt_number(v::numeric, CASE WHEN v = trunc(v) THEN 0 ELSE 2 END) END
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_hover_number(float8) IS
'a value for hover text: integers whole, others to two decimals, huge ones compact';

-- A line panel over a time axis: plot area (x0, y0, w, h); the weeks of the points and the x
-- domain [x_lo, x_hi] (shared by stacked panels, so a week is at the same x in each); series s
-- has keys[s], names[s], colours[s], dashed[s] and its values vals[s][i] (2-D, series x week; NULL:
-- a gap in the line) with their exact SQL text texts[s][i] (data-value). An optional interval
-- band_lo[i] .. band_hi[i] (texts band_lo_text, band_hi_text; keys band_keys[1..2]) is drawn as a
-- shaded band with a whisker mark at each end. Ticks cover 0 and every value.
CREATE FUNCTION learnalytics_internal.trends_line_panel(x0 float8, y0 float8, w float8, h float8,
    weeks date[], x_lo date, x_hi date, keys text[], names text[], colours text[], dashed boolean[],
    vals float8[], texts text[], band_lo float8[], band_hi float8[], band_lo_text text[],
    band_hi_text text[], band_keys text[], band_name text, y_label text, unit text, x_label text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer := coalesce(cardinality(weeks), 0);
  ns integer := coalesce(cardinality(keys), 0);
  lo float8 := 0;
  hi float8 := 0;
  ticks float8[];
  d0 float8;
  d1 float8;
  xs float8[] := '{}';
  labels text[] := '{}';
  out text := '';
  path text;
  pen boolean;
  poly_hi text;
  poly_lo text;
  run_n integer;
  v float8;
  px float8;
  py float8;
  i integer;
  s integer;
  pad float8 := least(24, w / 4);
  suffix text := CASE WHEN unit IS NULL THEN '' ELSE ' ' || unit END;
BEGIN
  FOR i IN 1 .. n LOOP
    xs := xs || CASE WHEN x_hi = x_lo THEN x0 + w / 2
                     ELSE learnalytics_internal.svg_scale(weeks[i] - x_lo, 0, x_hi - x_lo, x0 + pad, x0 + w - pad) END;
    labels := labels || to_char(weeks[i], 'YYYY-MM-DD');
    FOR s IN 1 .. ns LOOP
      lo := least(lo, vals[s][i]); hi := greatest(hi, vals[s][i]);
    END LOOP;
    lo := least(lo, band_lo[i], band_hi[i]); hi := greatest(hi, band_lo[i], band_hi[i]);
  END LOOP;
  ticks := learnalytics_internal.svg_ticks(lo, hi, greatest(2, least(6, floor(h / 35)::integer)));
  d0 := ticks[1]; d1 := ticks[cardinality(ticks)];
  out := learnalytics_internal.svg_axes(x0, y0, w, h, ticks, y_label, xs, labels, x_label, unit);

  -- the interval: a shaded band over each run of weeks that have both ends, a whisker per week
  IF band_lo IS NOT NULL AND band_hi IS NOT NULL THEN
    run_n := 0; poly_hi := ''; poly_lo := '';
    FOR i IN 1 .. n + 1 LOOP
      IF i <= n AND band_lo[i] IS NOT NULL AND band_hi[i] IS NOT NULL THEN
        run_n := run_n + 1;
        poly_hi := poly_hi || format('%s,%s ', xs[i], learnalytics_internal.svg_scale(band_hi[i], d0, d1, y0 + h, y0));
        poly_lo := format('%s,%s ', xs[i], learnalytics_internal.svg_scale(band_lo[i], d0, d1, y0 + h, y0)) || poly_lo;
      ELSIF run_n > 0 THEN
        IF run_n > 1 THEN
          out := out || format('<polygon class="band" points="%s" fill="%s" fill-opacity="0.3" stroke="none"/>',
                               rtrim(poly_hi || poly_lo), learnalytics_internal.svg_colour('band'));
        END IF;
        run_n := 0; poly_hi := ''; poly_lo := '';
      END IF;
    END LOOP;
    FOR i IN 1 .. n LOOP
      CONTINUE WHEN band_lo[i] IS NULL OR band_hi[i] IS NULL;
      out := out || format('<line class="whisker" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>',
                           xs[i], learnalytics_internal.svg_scale(band_lo[i], d0, d1, y0 + h, y0),
                           xs[i], learnalytics_internal.svg_scale(band_hi[i], d0, d1, y0 + h, y0),
                           learnalytics_internal.svg_colour('band'));
      FOR s IN 1 .. 2 LOOP
        v := CASE s WHEN 1 THEN band_lo[i] ELSE band_hi[i] END;
        py := learnalytics_internal.svg_scale(v, d0, d1, y0 + h, y0);
        out := out || format('<rect class="mark" x="%s" y="%s" width="10" height="3" fill="%s"%s><title>%s</title></rect>',
                             round((xs[i] - 5)::numeric, 2), round((py - 1.5)::numeric, 2), learnalytics_internal.svg_colour('band'),
                             learnalytics_internal.svg_data(format('week=%s;series=%s', to_char(weeks[i], 'YYYY-MM-DD'), band_keys[s]),
                                                            CASE s WHEN 1 THEN band_lo_text[i] ELSE band_hi_text[i] END),
                             learnalytics_internal.svg_escape(format('%s, week of %s: %s %s%s', band_name, to_char(weeks[i], 'YYYY-MM-DD'),
                               CASE s WHEN 1 THEN 'from' ELSE 'to' END, learnalytics_internal.trends_hover_number(v), suffix)));
      END LOOP;
    END LOOP;
  END IF;

  -- the series: a line broken at NULLs, a point (the mark) per value
  FOR s IN 1 .. ns LOOP
    path := ''; pen := false;
    FOR i IN 1 .. n LOOP
      IF vals[s][i] IS NULL THEN
        pen := false;
      ELSE
        path := path || format('%s%s %s ', CASE WHEN pen THEN 'L' ELSE 'M' END, xs[i],
                               learnalytics_internal.svg_scale(vals[s][i], d0, d1, y0 + h, y0));
        pen := true;
      END IF;
    END LOOP;
    IF path <> '' THEN
      out := out || format('<path class="line" data-series="%s" d="%s" fill="none" stroke="%s" stroke-width="2"%s/>',
                           learnalytics_internal.svg_escape(keys[s]), rtrim(path), colours[s],
                           CASE WHEN dashed[s] THEN ' stroke-dasharray="6 4"' ELSE '' END);
    END IF;
    FOR i IN 1 .. n LOOP
      CONTINUE WHEN vals[s][i] IS NULL;
      out := out || format('<circle class="mark" cx="%s" cy="%s" r="3.5" fill="%s" stroke="#FFFFFF" stroke-width="1"%s><title>%s</title></circle>',
                           xs[i], learnalytics_internal.svg_scale(vals[s][i], d0, d1, y0 + h, y0), colours[s],
                           learnalytics_internal.svg_data(format('week=%s;series=%s', to_char(weeks[i], 'YYYY-MM-DD'), keys[s]), texts[s][i]),
                           learnalytics_internal.svg_escape(format('%s, week of %s: %s%s', names[s], to_char(weeks[i], 'YYYY-MM-DD'),
                             learnalytics_internal.trends_hover_number(vals[s][i]), suffix)));
    END LOOP;
  END LOOP;
  RETURN '<g class="panel">' || out || '</g>';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_line_panel(float8, float8, float8, float8, date[], date, date, text[], text[], text[], boolean[], float8[], text[], float8[], float8[], text[], text[], text[], text, text, text, text) IS
'a line panel over weeks: series (points as marks, lines broken at NULLs) and an optional interval band with whisker marks';

-- A stacked bar panel: one slot per week (weeks[i], in order), series s stacked bottom-up with
-- vals[s][i] (2-D; 0 or NULL draws nothing) and its exact text texts[s][i]. ticks: the y axis (the
-- caller picks them, so it can draw more on the same scale). Returns the panel.
CREATE FUNCTION learnalytics_internal.trends_stack_panel(x0 float8, y0 float8, w float8, h float8,
    ticks float8[], weeks date[], keys text[], names text[], colours text[], vals float8[], texts text[],
    y_label text, x_label text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer := coalesce(cardinality(weeks), 0);
  ns integer := coalesce(cardinality(keys), 0);
  d0 float8 := ticks[1];
  d1 float8 := ticks[cardinality(ticks)];
  slot float8 := w / greatest(n, 1);
  bw float8 := least(40, slot * 0.7);
  xs float8[] := '{}';
  labels text[] := '{}';
  out text := '';
  base float8;
  top float8;
  i integer;
  s integer;
BEGIN
  FOR i IN 1 .. n LOOP
    xs := xs || round((x0 + (i - 0.5) * slot)::numeric, 2)::float8;
    labels := labels || to_char(weeks[i], 'YYYY-MM-DD');
  END LOOP;
  out := learnalytics_internal.svg_axes(x0, y0, w, h, ticks, y_label, xs, labels, x_label);
  FOR i IN 1 .. n LOOP
    base := 0;
    FOR s IN 1 .. ns LOOP
      CONTINUE WHEN coalesce(vals[s][i], 0) = 0;
      top := base + vals[s][i];
      out := out || format('<rect class="mark" x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>',
                           round((xs[i] - bw / 2)::numeric, 2),
                           learnalytics_internal.svg_scale(top, d0, d1, y0 + h, y0), round(bw::numeric, 2),
                           round((learnalytics_internal.svg_scale(base, d0, d1, y0 + h, y0)
                                  - learnalytics_internal.svg_scale(top, d0, d1, y0 + h, y0))::numeric, 2),
                           colours[s],
                           learnalytics_internal.svg_data(format('week=%s;series=%s', to_char(weeks[i], 'YYYY-MM-DD'), keys[s]), texts[s][i]),
                           learnalytics_internal.svg_escape(format('%s, week of %s: %s', names[s], to_char(weeks[i], 'YYYY-MM-DD'),
                             learnalytics_internal.trends_hover_number(vals[s][i]))));
      base := top;
    END LOOP;
  END LOOP;
  RETURN '<g class="panel">' || out || '</g>';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_stack_panel(float8, float8, float8, float8, float8[], date[], text[], text[], text[], float8[], text[], text, text) IS
'a stacked bar panel: one slot per week, series stacked bottom-up, each non-zero segment a mark';

-- A panel's heading: its title (bold) and its legend to the right, wrapped under it when long.
-- Returns the SVG; the height it takes is 18 + 16 x (svg_legend_rows - 1).
CREATE FUNCTION learnalytics_internal.trends_heading(x0 float8, y float8, w float8, title text,
    labels text[], colours text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN coalesce(title, '') = '' THEN ''
              ELSE format('<text x="%s" y="%s" class="panel-title" text-anchor="start" font-weight="bold">%s</text>',
                          round((x0 - 50)::numeric, 2), round(y::numeric, 2),
                          learnalytics_internal.svg_fit(title, least(w * 0.45, 260), 12)) END
         || learnalytics_internal.svg_legend(x0 - 50 + least(w * 0.45, 260) + 16, y, labels, colours,
                                             w + 50 - least(w * 0.45, 260) - 16)
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_heading(float8, float8, float8, text, text[], text[]) IS
'a panel''s heading: title and legend (wrapping)';

CREATE FUNCTION learnalytics_internal.trends_heading_height(w float8, labels text[])
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT 18 + 16 * (learnalytics_internal.svg_legend_rows(labels, w + 50 - least(w * 0.45, 260) - 16) - 1)
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_heading_height(float8, text[]) IS
'the height trends_heading takes for a plot of width w';

-- The forecast chart behind chart_forecast and chart_withdrawal_forecast: checks the arrays,
-- sorts by week and draws the actual line, the dashed forecast line and the interval band.
-- actual_text: the exact text of the actual values when they are not float8 (else v::text).
CREATE FUNCTION learnalytics_internal.trends_forecast_svg(chart text, title text, weeks date[], actual float8[],
    forecast float8[], forecast_low float8[], forecast_high float8[], y_label text, unit text,
    width integer, height integer, description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer := coalesce(cardinality(weeks), 0);
  wd integer := least(greatest(coalesce(width, 800), 240), 4000);
  ht integer := least(greatest(coalesce(height, 340), 200), 4000);
  arg text;
  arr float8[];
  w_s date[];
  a_s float8[];
  f_s float8[];
  l_s float8[];
  h_s float8[];
  x0 float8 := 70;
  y0 float8;
  lab text[] := '{}';
  col text[] := '{}';
  heading float8;
BEGIN
  IF array_ndims(weeks) > 1 THEN
    RAISE EXCEPTION '%: weeks must be a one-dimensional array', chart USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH arg IN ARRAY ARRAY['actual', 'forecast', 'forecast_low', 'forecast_high'] LOOP
    arr := CASE arg WHEN 'actual' THEN actual WHEN 'forecast' THEN forecast WHEN 'forecast_low' THEN forecast_low
                    ELSE forecast_high END;
    IF arr IS NOT NULL AND (array_ndims(arr) > 1 OR cardinality(arr) <> n) THEN
      RAISE EXCEPTION '%: % must have one value per week', chart, arg
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('%s has %s values (%s dimensions), weeks has %s.', arg, cardinality(arr),
                              coalesce(array_ndims(arr), 1), n),
              HINT = 'Pass NULL for a series you do not have, and NULL elements for the weeks without a value.';
    END IF;
    PERFORM learnalytics_internal.svg_require_finite(arr, chart || ': ' || arg);
  END LOOP;
  IF EXISTS (SELECT 1 FROM unnest(weeks) d WHERE d IS NULL OR NOT isfinite(d)) THEN
    RAISE EXCEPTION '%: weeks must not hold NULL or infinite dates', chart USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT count(DISTINCT d) FROM unnest(weeks) d) <> n THEN
    RAISE EXCEPTION '%: weeks must not repeat a week', chart
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Each week is one point of each series.';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(forecast_low, forecast_high) u(l, h) WHERE l > h) THEN
    RAISE EXCEPTION '%: forecast_low must not exceed forecast_high', chart
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'The interval of a week runs from its low to its high end.';
  END IF;
  IF n = 0 THEN
    RETURN learnalytics_internal.svg_no_data(chart, wd, ht, title, 'week', y_label, 'no data');
  END IF;

  SELECT array_agg(u.d ORDER BY u.d), array_agg(actual[u.o] ORDER BY u.d), array_agg(forecast[u.o] ORDER BY u.d),
         array_agg(forecast_low[u.o] ORDER BY u.d), array_agg(forecast_high[u.o] ORDER BY u.d)
    INTO w_s, a_s, f_s, l_s, h_s
    FROM unnest(weeks) WITH ORDINALITY AS u(d, o);
  IF actual IS NOT NULL THEN lab := lab || 'actual'::text; col := col || learnalytics_internal.svg_colour('actual'); END IF;
  IF forecast IS NOT NULL THEN lab := lab || 'forecast'::text; col := col || learnalytics_internal.svg_colour('forecast'); END IF;
  IF forecast_low IS NOT NULL AND forecast_high IS NOT NULL THEN
    lab := lab || 'forecast interval'::text; col := col || learnalytics_internal.svg_colour('band');
  END IF;
  heading := 18 + 16 * (learnalytics_internal.svg_legend_rows(lab, wd - 44) - 1);   -- the legend, no panel title
  y0 := 32 + heading + 8;
  RETURN learnalytics_internal.svg_document(chart, wd, ht, title,
    coalesce(description, format('%s per week, %s to %s: actual (solid), forecast (dashed) and its interval (band)',
                                 y_label, to_char(w_s[1], 'YYYY-MM-DD'), to_char(w_s[n], 'YYYY-MM-DD'))),
    learnalytics_internal.svg_legend(20, 40, lab, col, wd - 44)
    || learnalytics_internal.trends_line_panel(x0, y0, wd - x0 - 24, ht - y0 - 48, w_s, w_s[1], w_s[n],
         ARRAY['actual', 'forecast'], ARRAY['actual', 'forecast'],
         ARRAY[learnalytics_internal.svg_colour('actual'), learnalytics_internal.svg_colour('forecast')],
         ARRAY[false, true], ARRAY[coalesce(a_s, array_fill(NULL::float8, ARRAY[n])), coalesce(f_s, array_fill(NULL::float8, ARRAY[n]))],
         ARRAY[coalesce(a_s::text[], array_fill(NULL::text, ARRAY[n])), coalesce(f_s::text[], array_fill(NULL::text, ARRAY[n]))],
         l_s, h_s, l_s::text[], h_s::text[], ARRAY['forecast_low', 'forecast_high'], 'forecast interval',
         y_label, unit, 'week'));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.trends_forecast_svg(text, text, date[], float8[], float8[], float8[], float8[], text, text, integer, integer, text) IS
'the forecast chart (checks, sorting, actual and forecast lines, interval band) behind chart_forecast and chart_withdrawal_forecast';

-------------------------------------------------------------------------------
-- The public charts
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_forecast(title text, weeks date[], actual float8[], forecast float8[], forecast_low float8[], forecast_high float8[], y_label text DEFAULT 'withdrawals', unit text DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.trends_forecast_svg('chart_forecast', title, weeks, actual, forecast, forecast_low,
                                                   forecast_high, y_label, unit, width, height);
END;
COMMENT ON FUNCTION @extschema@.chart_forecast(text, date[], float8[], float8[], float8[], float8[], text, text, integer, integer) IS
'any weekly series with a forecast and its interval';

CREATE FUNCTION @extschema@.chart_weekly_trend(course text, from_week date DEFAULT NULL, to_week date DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c text := course;
  wd integer := least(greatest(coalesce(width, 800), 240), 4000);
  ht integer := least(greatest(coalesce(height, 340), 200), 4000);
  title text := 'weekly outcomes of ' || coalesce(course, '');
  wk date[];
  comp float8[];
  comp_t text[];
  drop_ float8[];
  drop_t text[];
  fw date[];
  fe float8[];
  fl float8[];
  fh float8[];
  horizon integer;
  n integer;
  x0 float8 := 70;
  pw float8 := wd - 70 - 24;
  h1 float8;
  h2 float8;
  y1 float8;
  y2 float8;
  hd1 float8;
  hd2 float8;
  lab1 text[] := ARRAY['completion %', 'dropout %'];
  col1 text[] := ARRAY[learnalytics_internal.svg_colour('benefit'), learnalytics_internal.svg_colour('cost')];
  lab2 text[] := ARRAY['expected withdrawals', '95% interval'];
  col2 text[] := ARRAY[learnalytics_internal.svg_colour('forecast'), learnalytics_internal.svg_colour('band')];
  body text;
BEGIN
  IF course IS NULL THEN
    RAISE EXCEPTION 'chart_weekly_trend: course must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF from_week > to_week THEN
    RAISE EXCEPTION 'chart_weekly_trend: from_week must not be after to_week'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('from_week is %s, to_week is %s.', from_week, to_week);
  END IF;
  SELECT array_agg(m.week ORDER BY m.week), array_agg(m.completion_pct ORDER BY m.week),
         array_agg(m.completion_pct::text ORDER BY m.week), array_agg(m.dropout_pct ORDER BY m.week),
         array_agg(m.dropout_pct::text ORDER BY m.week),
         array_agg(m.week ORDER BY m.week) FILTER (WHERE m.expected_withdrawals IS NOT NULL),
         array_agg(m.expected_withdrawals ORDER BY m.week) FILTER (WHERE m.expected_withdrawals IS NOT NULL),
         array_agg(m.expected_withdrawals_low ORDER BY m.week) FILTER (WHERE m.expected_withdrawals IS NOT NULL),
         array_agg(m.expected_withdrawals_high ORDER BY m.week) FILTER (WHERE m.expected_withdrawals IS NOT NULL),
         max(m.forecast_horizon_days)
    INTO wk, comp, comp_t, drop_, drop_t, fw, fe, fl, fh, horizon
    FROM @extschema@.weekly_executive_metrics m
   WHERE m.course = c AND (from_week IS NULL OR m.week >= from_week) AND (to_week IS NULL OR m.week <= to_week);
  n := coalesce(cardinality(wk), 0);
  IF n = 0 THEN
    RETURN learnalytics_internal.svg_no_data('chart_weekly_trend', wd, ht, title, 'week', '% of enrolled',
                                             'no weeks of this course to show');
  END IF;
  PERFORM learnalytics_internal.svg_require_finite(fe || fl || fh, 'chart_weekly_trend: expected_withdrawals');

  hd1 := learnalytics_internal.trends_heading_height(pw, lab1);
  y1 := 32 + hd1 + 8;
  IF fw IS NULL THEN
    h1 := ht - y1 - 48;
    body := learnalytics_internal.trends_heading(x0, 40, pw, 'completion and dropout', lab1, col1)
      || learnalytics_internal.trends_line_panel(x0, y1, pw, h1, wk, wk[1], wk[n], ARRAY['completion_pct', 'dropout_pct'],
           lab1, col1, ARRAY[false, false], ARRAY[comp, drop_], ARRAY[comp_t, drop_t], NULL, NULL, NULL, NULL, NULL, NULL,
           '% of enrolled', NULL, 'week');
  ELSE
    hd2 := learnalytics_internal.trends_heading_height(pw, lab2);
    -- the rates take 60% of the height left, the forecast 40%; 26 px between them for the ticks
    IF ht - y1 - 48 - 26 - hd2 - 8 < 120 THEN   -- too low for two panels: the chart grows
      ht := ceil(y1 + 48 + 26 + hd2 + 8 + 120)::integer;
    END IF;
    h1 := (ht - y1 - 48 - 26 - hd2 - 8) * 0.6;
    h2 := (ht - y1 - 48 - 26 - hd2 - 8) * 0.4;
    y2 := y1 + h1 + 26 + hd2 + 8;
    body := learnalytics_internal.trends_heading(x0, 40, pw, 'completion and dropout', lab1, col1)
      || learnalytics_internal.trends_line_panel(x0, y1, pw, h1, wk, wk[1], wk[n], ARRAY['completion_pct', 'dropout_pct'],
           lab1, col1, ARRAY[false, false], ARRAY[comp, drop_], ARRAY[comp_t, drop_t], NULL, NULL, NULL, NULL, NULL, NULL,
           '% of enrolled', NULL, NULL)
      || learnalytics_internal.trends_heading(x0, y2 - 8 - hd2 + 14, pw,
           format('expected withdrawals (%s days)', horizon), lab2, col2)
      || learnalytics_internal.trends_line_panel(x0, y2, pw, h2, fw, wk[1], wk[n], ARRAY['expected_withdrawals'],
           ARRAY['expected withdrawals'], ARRAY[learnalytics_internal.svg_colour('forecast')], ARRAY[true],
           ARRAY[fe], ARRAY[fe::text[]], fl, fh, fl::text[], fh::text[],
           ARRAY['expected_withdrawals_low', 'expected_withdrawals_high'], '95% interval', 'learners', NULL, 'week');
  END IF;
  RETURN learnalytics_internal.svg_document('chart_weekly_trend', wd, ht, title,
    format('completion and dropout (%% of enrolled) of %s per week, %s to %s%s', course, to_char(wk[1], 'YYYY-MM-DD'), to_char(wk[n], 'YYYY-MM-DD'),
           CASE WHEN fw IS NULL THEN '; no forecast in these weeks'
                ELSE '; the risk model''s expected withdrawals with their 95% interval' END),
    body);
END
$$;
COMMENT ON FUNCTION @extschema@.chart_weekly_trend(text, date, date, integer, integer) IS
'weekly completion and dropout of a course with the risk model''s forecast';

CREATE FUNCTION @extschema@.chart_withdrawal_forecast(model text, course text, from_day date, to_day date, outcomes regclass DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
-- STABLE though risk_forecast is VOLATILE: what makes it so are its scratch temp tables (created
-- and truncated in the session, dropped at commit); the chart changes no data and gives the same
-- picture within a statement. PARALLEL UNSAFE as risk_forecast.
DECLARE
  wk date[];
  ac float8[];
  ex float8[];
  lo float8[];
  hi float8[];
BEGIN
  IF course IS NULL THEN
    RAISE EXCEPTION 'chart_withdrawal_forecast: course must not be NULL'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Draw one course per chart.';
  END IF;
  SELECT array_agg(f.week ORDER BY f.week), array_agg(f.actual_withdrawals::float8 ORDER BY f.week),
         array_agg(f.expected_withdrawals ORDER BY f.week), array_agg(f.expected_low ORDER BY f.week),
         array_agg(f.expected_high ORDER BY f.week)
    INTO wk, ac, ex, lo, hi
    FROM @extschema@.risk_forecast(model, from_day, to_day, course, outcomes => outcomes) f
   WHERE f.course = chart_withdrawal_forecast.course;
  RETURN learnalytics_internal.trends_forecast_svg('chart_withdrawal_forecast',
    format('expected withdrawals in %s (model %s)', course, model), coalesce(wk, '{}'),
    CASE WHEN outcomes IS NULL THEN NULL ELSE ac END, ex, lo, hi, 'withdrawals', 'learners', width, height,
    format('learners of %s at risk on each week''s first day, %s to %s: the withdrawals model %s expects within its horizon with a 95%% interval%s',
           course, to_char(from_day, 'YYYY-MM-DD'), to_char(to_day, 'YYYY-MM-DD'), model, CASE WHEN outcomes IS NULL THEN '' ELSE ', and the actual ones' END));
END
$$;
COMMENT ON FUNCTION @extschema@.chart_withdrawal_forecast(text, text, date, date, regclass, integer, integer) IS
'risk_forecast as a chart: expected withdrawals per week with the interval, and the actual ones';

CREATE FUNCTION @extschema@.chart_alert_operations(from_week date DEFAULT NULL, to_week date DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 560)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  wd integer := least(greatest(coalesce(width, 800), 360), 4000);
  ht integer := least(greatest(coalesce(height, 560), 300), 4000);
  title text := 'alert operations';
  wk date[];
  sev float8[];
  sev_t text[];
  outc float8[];
  outc_t text[];
  cases float8[];
  cases_t text[];
  backlog float8[];
  backlog_t text[];
  cap bigint;
  n integer;
  x0 float8 := 70;
  pw float8;       -- width of the weekly panels
  lw float8;       -- width of the coach load block (third row, right)
  lab1 text[] := ARRAY['critical', 'high', 'medium', 'low'];
  col1 text[];
  key1 text[] := ARRAY['alerts_critical', 'alerts_high', 'alerts_medium', 'alerts_low'];
  lab2 text[] := ARRAY['re-engaged', 'withdrew', 'no response', 'not re-engaged', 'timed out', 'cancelled', 'pending'];
  col2 text[];
  key2 text[] := ARRAY['re_engaged', 'withdrew', 'no_response', 'not_re_engaged', 'timed_out', 'cancelled', 'pending'];
  lab3 text[] := ARRAY['coach cases', 'backlog now', 'capacity'];
  col3 text[];
  hd1 float8;
  hd2 float8;
  hd3 float8;
  ph float8;
  y1 float8;
  y2 float8;
  y3 float8;
  t3 float8[];
  py float8;
  body text;
  lbody text := '';
  r record;
  rows_max integer;
  k integer := 0;
  coaches integer;
  lmax float8;
  lx float8;
  namew float8;
BEGIN
  IF from_week > to_week THEN
    RAISE EXCEPTION 'chart_alert_operations: from_week must not be after to_week'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('from_week is %s, to_week is %s.', from_week, to_week);
  END IF;
  col1 := ARRAY[learnalytics_internal.svg_colour('critical'), learnalytics_internal.svg_colour('high'),
                learnalytics_internal.svg_colour('medium'), learnalytics_internal.svg_colour('low')];
  col2 := ARRAY[learnalytics_internal.svg_colour('re_engaged'), learnalytics_internal.svg_colour('withdrew'),
                learnalytics_internal.svg_colour('no_response'), '#E69F00', '#56B4E9', '#000000',
                learnalytics_internal.svg_colour('pending')];
  col3 := ARRAY[learnalytics_internal.svg_colour('actual'), learnalytics_internal.svg_colour('forecast'),
                learnalytics_internal.svg_colour('muted')];
  SELECT array_agg(o.week ORDER BY o.week),
         ARRAY[array_agg(o.alerts_critical ORDER BY o.week), array_agg(o.alerts_high ORDER BY o.week),
               array_agg(o.alerts_medium ORDER BY o.week), array_agg(o.alerts_low ORDER BY o.week)]::float8[],
         ARRAY[array_agg(o.alerts_critical ORDER BY o.week), array_agg(o.alerts_high ORDER BY o.week),
               array_agg(o.alerts_medium ORDER BY o.week), array_agg(o.alerts_low ORDER BY o.week)]::text[],
         ARRAY[array_agg(o.re_engaged ORDER BY o.week), array_agg(o.withdrew ORDER BY o.week),
               array_agg(o.no_response ORDER BY o.week), array_agg(o.not_re_engaged ORDER BY o.week),
               array_agg(o.timed_out ORDER BY o.week), array_agg(o.cancelled ORDER BY o.week),
               array_agg(o.pending ORDER BY o.week)]::float8[],
         ARRAY[array_agg(o.re_engaged ORDER BY o.week), array_agg(o.withdrew ORDER BY o.week),
               array_agg(o.no_response ORDER BY o.week), array_agg(o.not_re_engaged ORDER BY o.week),
               array_agg(o.timed_out ORDER BY o.week), array_agg(o.cancelled ORDER BY o.week),
               array_agg(o.pending ORDER BY o.week)]::text[],
         ARRAY[array_agg(o.coach_cases ORDER BY o.week)]::float8[], ARRAY[array_agg(o.coach_cases ORDER BY o.week)]::text[],
         array_agg(o.coach_backlog_now ORDER BY o.week)::float8[], array_agg(o.coach_backlog_now ORDER BY o.week)::text[],
         max(o.coach_capacity)
    INTO wk, sev, sev_t, outc, outc_t, cases, cases_t, backlog, backlog_t, cap
    FROM @extschema@.weekly_alert_operations o
   WHERE (from_week IS NULL OR o.week >= from_week) AND (to_week IS NULL OR o.week <= to_week);
  n := coalesce(cardinality(wk), 0);
  IF n = 0 THEN
    RETURN learnalytics_internal.svg_no_data('chart_alert_operations', wd, ht, title, 'week', 'count',
                                             'no alerts, contacts or coach cases in these weeks');
  END IF;

  SELECT count(*) INTO coaches FROM @extschema@.coach_load;
  lw := CASE WHEN coaches > 0 THEN least(260, (wd - x0 - 24) * 0.32) ELSE 0 END;
  pw := wd - x0 - 24;
  hd1 := learnalytics_internal.trends_heading_height(pw, lab1);
  hd2 := learnalytics_internal.trends_heading_height(pw, lab2);
  hd3 := learnalytics_internal.trends_heading_height(pw - lw - CASE WHEN lw > 0 THEN 20 ELSE 0 END, lab3);
  -- three plots of equal height: the title (32), each heading + 8, 26 px of ticks under the first
  -- two, 48 under the last (ticks and the axis title)
  ph := (ht - 32 - (hd1 + hd2 + hd3 + 24) - 26 * 2 - 48) / 3;
  IF ph < 50 THEN   -- too low for three panels: the chart grows to give each 50 px
    ph := 50;
    ht := ceil(32 + (hd1 + hd2 + hd3 + 24) + 26 * 2 + 48 + 3 * ph)::integer;
  END IF;
  y1 := 32 + hd1 + 8;
  y2 := y1 + ph + 26 + hd2 + 8;
  y3 := y2 + ph + 26 + hd3 + 8;

  body := learnalytics_internal.trends_heading(x0, y1 - 8 - hd1 + 14, pw, 'alerts raised by severity', lab1, col1)
    || learnalytics_internal.trends_stack_panel(x0, y1, pw, ph,
         learnalytics_internal.svg_ticks(0, (SELECT max(a + b + c + d) FROM unnest(sev[1:1][:], sev[2:2][:], sev[3:3][:], sev[4:4][:]) u(a, b, c, d)),
                                         greatest(2, least(5, floor(ph / 30)::integer))),
         wk, key1, lab1, col1, sev, sev_t, 'alerts', NULL)
    || learnalytics_internal.trends_heading(x0, y2 - 8 - hd2 + 14, pw, 'contacts by outcome', lab2, col2)
    || learnalytics_internal.trends_stack_panel(x0, y2, pw, ph,
         learnalytics_internal.svg_ticks(0, (SELECT max(s) FROM (SELECT i, sum(outc[j][i]) AS s
                                                                   FROM generate_series(1, n) i, generate_series(1, 7) j GROUP BY i) q),
                                         greatest(2, least(5, floor(ph / 30)::integer))),
         wk, key2, lab2, col2, outc, outc_t, 'contacts', NULL);

  -- coach cases per week (bars), the backlog now (line) and the capacity (dashed), one scale
  t3 := learnalytics_internal.svg_ticks(0, greatest((SELECT max(v) FROM unnest(cases) v), (SELECT max(v) FROM unnest(backlog) v), cap),
                                        greatest(2, least(5, floor(ph / 30)::integer)));
  body := body
    || learnalytics_internal.trends_heading(x0, y3 - 8 - hd3 + 14, pw - lw - CASE WHEN lw > 0 THEN 20 ELSE 0 END,
                                            'coach cases and backlog', lab3, col3)
    || learnalytics_internal.trends_stack_panel(x0, y3, pw - lw - CASE WHEN lw > 0 THEN 20 ELSE 0 END, ph, t3, wk,
         ARRAY['coach_cases'], ARRAY['coach cases'], col3[1:1], cases, cases_t, 'cases', 'week');
  DECLARE
    w3 float8 := pw - lw - CASE WHEN lw > 0 THEN 20 ELSE 0 END;
    slot float8 := w3 / n;
    path text := '';
    i integer;
  BEGIN
    FOR i IN 1 .. n LOOP
      path := path || format('%s%s %s ', CASE WHEN i = 1 THEN 'M' ELSE 'L' END, round((x0 + (i - 0.5) * slot)::numeric, 2),
                             learnalytics_internal.svg_scale(backlog[i], t3[1], t3[cardinality(t3)], y3 + ph, y3));
    END LOOP;
    body := body || format('<path class="line" data-series="coach_backlog_now" d="%s" fill="none" stroke="%s" stroke-width="2"/>',
                           rtrim(path), col3[2]);
    FOR i IN 1 .. n LOOP
      body := body || format('<circle class="mark" cx="%s" cy="%s" r="3.5" fill="%s" stroke="#FFFFFF" stroke-width="1"%s><title>%s</title></circle>',
                             round((x0 + (i - 0.5) * slot)::numeric, 2),
                             learnalytics_internal.svg_scale(backlog[i], t3[1], t3[cardinality(t3)], y3 + ph, y3), col3[2],
                             learnalytics_internal.svg_data(format('week=%s;series=coach_backlog_now', to_char(wk[i], 'YYYY-MM-DD')), backlog_t[i]),
                             learnalytics_internal.svg_escape(format('coach-required cases opened by the week of %s still waiting for a coach: %s',
                                                                     to_char(wk[i], 'YYYY-MM-DD'), backlog_t[i])));
    END LOOP;
    py := learnalytics_internal.svg_scale(cap, t3[1], t3[cardinality(t3)], y3 + ph, y3);
    body := body || format('<line class="mark" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"%s><title>%s</title></line>',
                           x0, py, round((x0 + w3)::numeric, 2), py, col3[3],
                           learnalytics_internal.svg_data('series=coach_capacity', cap::text),
                           learnalytics_internal.svg_escape(format('capacity of the active coaches now: %s open cases at once', cap)));
  END;

  -- coach load now: open cases against capacity per coach (the most loaded first)
  IF lw > 0 THEN
    lx := x0 + pw - lw;
    namew := least(90, lw * 0.4);
    rows_max := greatest(1, floor((ph + 26) / 16)::integer - 1);
    SELECT greatest(max(greatest(l.open_cases, l.capacity)), 1) INTO lmax FROM @extschema@.coach_load l;
    lbody := learnalytics_internal.svg_text(lx, y3 - 8 - hd3 + 14, 'coach load now', 'panel-title', 'start', 'font-weight="bold"');
    FOR r IN SELECT l.coach, l.open_cases, l.capacity, l.active FROM @extschema@.coach_load l
              ORDER BY l.open_cases DESC, l.coach LIMIT rows_max LOOP
      k := k + 1;
      py := y3 + (k - 1) * 16;
      lbody := lbody
        || format('<text x="%s" y="%s" class="tick" text-anchor="end" font-size="11" fill="%s">%s</text>',
                  round((lx + namew)::numeric, 2), py + 10, learnalytics_internal.svg_colour('muted'),
                  learnalytics_internal.svg_fit(r.coach, namew - 4, 11))
        || format('<rect class="capacity" x="%s" y="%s" width="%s" height="11" fill="none" stroke="%s"/>',
                  round((lx + namew + 4)::numeric, 2), py + 1,
                  round(((lw - namew - 34) * r.capacity / lmax)::numeric, 2), learnalytics_internal.svg_colour('muted'))
        || format('<rect class="mark" x="%s" y="%s" width="%s" height="11" fill="%s"%s><title>%s</title></rect>',
                  round((lx + namew + 4)::numeric, 2), py + 1,
                  round(((lw - namew - 34) * r.open_cases / lmax)::numeric, 2),
                  CASE WHEN r.open_cases >= r.capacity THEN learnalytics_internal.svg_colour('cost') ELSE col3[1] END,
                  learnalytics_internal.svg_data(format('coach=%s;series=open_cases', r.coach), r.open_cases::text),
                  learnalytics_internal.svg_escape(format('%s: %s open cases, capacity %s%s', r.coach, r.open_cases, r.capacity,
                                                          CASE WHEN r.active THEN '' ELSE ' (inactive)' END)))
        || learnalytics_internal.svg_text(lx + lw - 2, py + 10, format('%s/%s', r.open_cases, r.capacity), 'tick', 'end',
                                          'font-size="11"');
    END LOOP;
    IF coaches > k THEN
      lbody := lbody || learnalytics_internal.svg_text(lx, y3 + k * 16 + 10, format('+ %s more coaches', coaches - k), 'note', 'start',
                                                       format('font-size="11" fill="%s"', learnalytics_internal.svg_colour('muted')));
    END IF;
    body := body || '<g class="coach-load">' || lbody || '</g>';
  END IF;
  RETURN learnalytics_internal.svg_document('chart_alert_operations', wd, ht, title,
    format('per week from %s to %s: alerts raised by severity, contacts by outcome, coach cases and the backlog against the coaches'' capacity; the load of each coach now',
           to_char(wk[1], 'YYYY-MM-DD'), to_char(wk[n], 'YYYY-MM-DD')),
    body);
END
$$;
COMMENT ON FUNCTION @extschema@.chart_alert_operations(date, date, integer, integer) IS
'alert operations per week: alerts by severity, contacts and outcomes, coach load against capacity';

-- Privileges (doc/roles.md): the charts read what the caller may read: the dashboard views
-- (viewers), risk_forecast (analysts). chart_forecast reads nothing, but its drawing
-- (trends_forecast_svg, PL/pgSQL) names the internal schema at run time, which only the three
-- roles may use: it is theirs, not PUBLIC's.
REVOKE EXECUTE ON FUNCTION @extschema@.chart_forecast(text, date[], float8[], float8[], float8[], float8[], text, text, integer, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.chart_weekly_trend(text, date, date, integer, integer),
  @extschema@.chart_alert_operations(date, date, integer, integer),
  @extschema@.chart_forecast(text, date[], float8[], float8[], float8[], float8[], text, text, integer, integer)
  TO learnalytics_viewer;
GRANT EXECUTE ON FUNCTION @extschema@.chart_withdrawal_forecast(text, text, date, date, regclass, integer, integer)
  TO learnalytics_analyst;
