
-------------------------------------------------------------------------------
-- reports: the chart kernel (SVG building blocks) and sparklines (doc/reports.md)
--
-- Every chart is a self-contained SVG document built here in SQL: no script, no external font or
-- image, a <title> (the accessible name) and a visible title, labelled axes, a <title> on each mark
-- for hover text, and the Okabe-Ito palette (distinguishable with every common colour-vision
-- deficiency). The charts (reports_*.sql) read the views as the CALLER, so row-level security and
-- the views' learner filters apply; the helpers here are pure (IMMUTABLE) and read nothing.
--
-- Conventions the charts, the HTML report and the browser test (test/t/92_reports_browser.sh) share:
--   * <svg class="la-chart" data-chart="<function name>"> as the root, its <title> first;
--   * the visible title: <text class="chart-title">; axis titles: <text class="axis-label">;
--     tick labels: <text class="tick">; legend entries: <g class="legend-item">;
--   * a mark (bar, point, cell) has class "mark", a <title> child with its hover text, and
--     data-key (what it is: "week=2024-01-01;series=dropout_pct") and data-value (the exact value
--     from SQL, as numeric::text prints it) so a test compares the picture with the view;
--   * a number in the HTML: <span class="num" data-source="view.column" data-key=".." data-value="..">.
-------------------------------------------------------------------------------

-- Text for XML and HTML content and attributes: the five special characters as entities, control
-- characters (not allowed in XML 1.0) as spaces.
CREATE FUNCTION learnalytics_internal.svg_escape(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT replace(replace(replace(replace(replace(regexp_replace(s, '[[:cntrl:]\uFFFE\uFFFF]', ' ', 'g'),
                 '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
END;
COMMENT ON FUNCTION learnalytics_internal.svg_escape(text) IS
'text for XML/HTML content and attributes: & < > " '' as entities, control characters as spaces';

-- A number for people, independent of lc_numeric: rounded half away from zero to `decimals`,
-- thousands separated by commas, '-' for negatives. NULL prints as the dash '–'.
CREATE FUNCTION learnalytics_internal.fmt_number(x numeric, decimals integer DEFAULT 0)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE
    WHEN x IS NULL THEN '–'
    WHEN x = 'NaN'::numeric THEN 'NaN'
    ELSE (SELECT CASE WHEN r < 0 THEN '-' ELSE '' END
                 || regexp_replace(split_part(abs(r)::text, '.', 1), '(\d)(?=(\d{3})+$)', '\1,', 'g')
                 || CASE WHEN greatest(coalesce(decimals, 0), 0) > 0
                         THEN '.' || split_part(abs(r)::text, '.', 2) ELSE '' END
          FROM (SELECT round(x, greatest(coalesce(decimals, 0), 0)) AS r) q)
  END;
END;
COMMENT ON FUNCTION learnalytics_internal.fmt_number(numeric, integer) IS
'a number for people: rounded to decimals, thousands separated by commas (locale-free); NULL as a dash';

-- A short number for ticks and labels: 950, 1.2k, 3.4M, 5.6G, 7.8T (one decimal, trailing .0
-- dropped); below 1000 at most two decimals, trailing zeros dropped.
CREATE FUNCTION learnalytics_internal.fmt_compact(x float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE
    WHEN x IS NULL THEN '–'
    WHEN x = 'NaN'::float8 OR x IN ('Infinity'::float8, '-Infinity'::float8) THEN x::text
    WHEN abs(x) < 1000 THEN
      regexp_replace(regexp_replace(to_char(round(x::numeric, 2), 'FM999990.00'), '0+$', ''), '\.$', '')
    ELSE (SELECT CASE WHEN x < 0 THEN '-' ELSE '' END
                 || regexp_replace(to_char(round((abs(x) / 10 ^ (3 * e))::numeric, 1), 'FM9999999990.0'), '\.0$', '')
                 || (ARRAY['k', 'M', 'G', 'T', 'P', 'E'])[e]
          FROM (SELECT least(6, floor(log(round(abs(x)::numeric, -greatest(floor(log(abs(x)))::integer - 1, 0))) / 3)::integer) AS e) q)
  END;
END;
COMMENT ON FUNCTION learnalytics_internal.fmt_compact(float8) IS
'a short number for ticks: 950, 1.2k, 3.4M, 5.6G (locale-free)';

-- A number as an attribute value for tests: the exact text SQL prints.
CREATE FUNCTION learnalytics_internal.svg_data(key text, value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT format(' data-key="%s" data-value="%s"', learnalytics_internal.svg_escape(coalesce(key, '')),
                learnalytics_internal.svg_escape(coalesce(value, '')));
END;
COMMENT ON FUNCTION learnalytics_internal.svg_data(text, text) IS
'the data-key and data-value attributes of a mark (value: the exact SQL text; NULL as empty)';

-- Nice axis ticks covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten, about n of
-- them. lo = hi (one point, all equal) widens to include 0 (or to [0, 1] for 0); NULL or
-- non-finite bounds give {0, 1}.
CREATE FUNCTION learnalytics_internal.svg_ticks(lo float8, hi float8, n integer DEFAULT 5)
RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a float8 := lo;
  b float8 := hi;
  raw float8;
  mag float8;
  f float8;
  step float8;
  t0 float8;
  t1 float8;
  k integer;
  ticks float8[] := '{}';
BEGIN
  IF a IS NULL OR b IS NULL OR a IN ('NaN', 'Infinity', '-Infinity') OR b IN ('NaN', 'Infinity', '-Infinity') THEN
    RETURN '{0,1}';
  END IF;
  IF a > b THEN
    f := a; a := b; b := f;
  END IF;
  IF a = b THEN
    IF a = 0 THEN b := 1;
    ELSIF a > 0 THEN a := 0;
    ELSE b := 0;
    END IF;
  END IF;
  n := greatest(coalesce(n, 5), 2);
  raw := (b - a) / n;
  mag := 10 ^ floor(log(raw));
  f := raw / mag;
  step := mag * CASE WHEN f <= 1 THEN 1 WHEN f <= 2 THEN 2 WHEN f <= 2.5 THEN 2.5 WHEN f <= 5 THEN 5 ELSE 10 END;
  t0 := floor(a / step) * step;
  t1 := ceil(b / step) * step;
  FOR k IN 0 .. least(round((t1 - t0) / step)::integer, 50) LOOP
    ticks := ticks || round((t0 + k * step)::numeric, greatest(0, 2 - floor(log(step))::integer))::float8;
  END LOOP;
  RETURN ticks;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.svg_ticks(float8, float8, integer) IS
'nice axis ticks covering [lo, hi] (steps 1, 2, 2.5, 5 x 10^k, about n); a degenerate range widens to include 0';

-- Linear scale: v in [d0, d1] to [r0, r1] (a degenerate domain maps to the middle).
CREATE FUNCTION learnalytics_internal.svg_scale(v float8, d0 float8, d1 float8, r0 float8, r1 float8)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE WHEN d1 = d0 THEN (r0 + r1) / 2 ELSE round((r0 + (v - d0) / (d1 - d0) * (r1 - r0))::numeric, 2)::float8 END;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_scale(float8, float8, float8, float8, float8) IS
'linear scale from [d0, d1] to [r0, r1], rounded to 0.01 px';

-- The Okabe-Ito palette (Okabe & Ito 2008): i = 1..8, cycling.
CREATE FUNCTION learnalytics_internal.svg_colour(i integer)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT (ARRAY['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'])
         [1 + ((i - 1) % 8 + 8) % 8];
END;
COMMENT ON FUNCTION learnalytics_internal.svg_colour(integer) IS
'colour i of the Okabe-Ito palette (blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black), cycling';

-- Named colours for meanings the charts share (so the same thing has the same colour everywhere).
CREATE FUNCTION learnalytics_internal.svg_colour(meaning text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE meaning
    WHEN 'critical' THEN '#D55E00' WHEN 'high' THEN '#E69F00' WHEN 'medium' THEN '#F0E442'
    WHEN 'low' THEN '#56B4E9'
    WHEN 'benefit' THEN '#009E73' WHEN 'cost' THEN '#D55E00' WHEN 'net' THEN '#0072B2'
    WHEN 'actual' THEN '#0072B2' WHEN 'forecast' THEN '#E69F00' WHEN 'band' THEN '#56B4E9'
    WHEN 're_engaged' THEN '#009E73' WHEN 'withdrew' THEN '#D55E00' WHEN 'no_response' THEN '#999999'
    WHEN 'pending' THEN '#CC79A7'
    WHEN 'text' THEN '#222222' WHEN 'muted' THEN '#666666' WHEN 'grid' THEN '#DDDDDD'
    ELSE '#000000' END;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_colour(text) IS
'the colour of a shared meaning (severities, benefit/cost/net, actual/forecast/band, outcomes, text/muted/grid)';

-- Sequential colour for t in [0, 1] (viridis, 10 steps; NULL: light grey), and the text colour
-- that stays readable on it.
CREATE FUNCTION learnalytics_internal.svg_seq_colour(t float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE WHEN t IS NULL OR t = 'NaN'::float8 THEN '#EEEEEE'
    ELSE (ARRAY['#440154', '#482878', '#3E4A89', '#31688E', '#26828E', '#1F9E89', '#35B779', '#6DCD59',
                '#B4DE2C', '#FDE725'])[1 + least(9, greatest(0, floor(t * 10)::integer))] END;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_seq_colour(float8) IS
'sequential colour (viridis, 10 steps) for t in [0, 1]; NULL as light grey';

CREATE FUNCTION learnalytics_internal.svg_seq_text_colour(t float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT CASE WHEN t IS NOT NULL AND t <> 'NaN'::float8 AND t < 0.6 THEN '#FFFFFF' ELSE '#222222' END;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_seq_text_colour(float8) IS
'a readable text colour on svg_seq_colour(t)';

-- Estimated width in px of a text in the charts' font (DejaVu Sans / Verdana: about 0.62 em per
-- character on average, 0.7 for safety on digits and capitals).
CREATE FUNCTION learnalytics_internal.svg_text_width(s text, font_size float8 DEFAULT 12)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT coalesce(length(s), 0) * coalesce(font_size, 12) * 0.7;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_text_width(text, float8) IS
'estimated width in px of a text (0.7 em per character: errs on the wide side)';

-- A label cut to fit max_px (with an ellipsis), escaped. The full text belongs in a <title>.
CREATE FUNCTION learnalytics_internal.svg_fit(s text, max_px float8, font_size float8 DEFAULT 12)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.svg_escape(
    CASE WHEN s IS NULL THEN ''
         WHEN learnalytics_internal.svg_text_width(s, font_size) <= max_px THEN s
         ELSE left(s, greatest(floor(max_px / (coalesce(font_size, 12) * 0.7))::integer - 1, 0)) || '…' END);
END;
COMMENT ON FUNCTION learnalytics_internal.svg_fit(text, float8, float8) IS
'a label cut with an ellipsis to fit max_px (svg_text_width), escaped';

-- A text element: x, y, the (unescaped) text, a class, the anchor (start, middle, end) and more
-- attributes (trusted: written by the chart, never user text).
CREATE FUNCTION learnalytics_internal.svg_text(x float8, y float8, s text, class text DEFAULT NULL,
    anchor text DEFAULT 'start', attrs text DEFAULT '')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT format('<text x="%s" y="%s"%s text-anchor="%s"%s>%s</text>', round(x::numeric, 2), round(y::numeric, 2),
                CASE WHEN class IS NULL THEN '' ELSE format(' class="%s"', class) END,
                coalesce(anchor, 'start'), CASE WHEN coalesce(attrs, '') = '' THEN '' ELSE ' ' || attrs END,
                learnalytics_internal.svg_escape(coalesce(s, '')));
END;
COMMENT ON FUNCTION learnalytics_internal.svg_text(float8, float8, text, text, text, text) IS
'an SVG text element (the text escaped; attrs trusted)';

-- The document: root element with a viewBox, the accessible <title> and <desc>, a white
-- background, the visible title (14 px, bold, at 12,20) and the body. chart names the function
-- (data-chart). Width and height are clamped to 120 .. 4000 px.
CREATE FUNCTION learnalytics_internal.svg_document(chart text, width integer, height integer, title text,
    description text, body text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT format('<svg xmlns="http://www.w3.org/2000/svg" class="la-chart" data-chart="%s" viewBox="0 0 %s %s" width="%s" height="%s" role="img" font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="12" fill="%s">'
                '<title>%s</title><desc>%s</desc>'
                '<rect class="background" x="0" y="0" width="%s" height="%s" fill="#FFFFFF"/>'
                '%s%s</svg>',
                learnalytics_internal.svg_escape(chart), w, h, w, h, learnalytics_internal.svg_colour('text'),
                learnalytics_internal.svg_escape(coalesce(title, chart)),
                learnalytics_internal.svg_escape(coalesce(description, '')), w, h,
                -- svg_fit has escaped the title: written as svg_text would, without escaping it twice
                format('<text x="12.00" y="20.00" class="chart-title" text-anchor="start" font-size="14" font-weight="bold">%s</text>',
                       learnalytics_internal.svg_fit(coalesce(title, chart), w - 24, 14)),
                coalesce(body, ''))
  FROM (SELECT least(greatest(coalesce(width, 640), 120), 4000) AS w,
               least(greatest(coalesce(height, 320), 120), 4000) AS h) d;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_document(text, integer, integer, text, text, text) IS
'an SVG document: root with viewBox and data-chart, <title>, <desc>, background, visible title, body';

-- Axes of a plot area (x0, y0 top-left; w, h): horizontal grid lines and labels at the y ticks
-- (formatted by fmt_compact, with the unit on the axis title), the x tick labels at the given
-- pixel positions (at most one every 40 px is shown; the others are dropped, never overlap), and
-- both axis titles (class axis-label). y_lo, y_hi: the value domain the ticks span.
CREATE FUNCTION learnalytics_internal.svg_axes(x0 float8, y0 float8, w float8, h float8,
    y_ticks float8[], y_label text, x_positions float8[], x_labels text[], x_label text,
    y_unit text DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  WITH yt AS (
    SELECT t, learnalytics_internal.svg_scale(t, y_ticks[1], y_ticks[cardinality(y_ticks)], y0 + h, y0) AS py
    FROM unnest(y_ticks) t
  ), xt AS (
    SELECT p, l, o FROM unnest(x_positions, x_labels) WITH ORDINALITY AS u(p, l, o)
  ), xshown AS (   -- keep a label only when it is at least 40 px (and its own width) after the last one kept
    SELECT p, l FROM (
      SELECT p, l, o, p - lag(p) OVER (ORDER BY o) AS gap FROM xt) s
    WHERE o = 1 OR (o - 1) % greatest(1, ceil(greatest(40, learnalytics_internal.svg_text_width(l, 11) + 8)
                                              / nullif((SELECT (max(p) - min(p)) / greatest(count(*) - 1, 1) FROM xt), 0))::integer) = 0
  )
  SELECT format('<g class="axes" font-size="11" fill="%s">', learnalytics_internal.svg_colour('muted'))
    || coalesce((SELECT string_agg(format('<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>',
                                          x0, py, x0 + w, py, learnalytics_internal.svg_colour('grid'))
                                   || learnalytics_internal.svg_text(x0 - 6, py + 4, learnalytics_internal.fmt_compact(t), 'tick', 'end'),
                                   '' ORDER BY t) FROM yt), '')
    || format('<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>',
              x0, y0 + h, x0 + w, y0 + h, learnalytics_internal.svg_colour('muted'))
    || coalesce((SELECT string_agg(learnalytics_internal.svg_text(p, y0 + h + 15, l, 'tick', 'middle'), '' ORDER BY p)
                 FROM xshown), '')
    || learnalytics_internal.svg_text(x0 + w / 2, y0 + h + 34, x_label, 'axis-label', 'middle', 'font-size="12"')
    || learnalytics_internal.svg_text(0, 0, y_label || CASE WHEN y_unit IS NULL THEN '' ELSE ' (' || y_unit || ')' END,
                                      'axis-label', 'middle',
                                      format('font-size="12" transform="translate(%s %s) rotate(-90)"', 14, round((y0 + h / 2)::numeric, 2)))
    || '</g>';
END;
COMMENT ON FUNCTION learnalytics_internal.svg_axes(float8, float8, float8, float8, float8[], text, float8[], text[], text, text) IS
'axes of a plot area: y grid and tick labels, x tick labels (thinned, never overlapping), both axis titles (class axis-label)';

-- A horizontal legend at (x, y): a swatch and a label per entry, wrapping at max_width.
CREATE FUNCTION learnalytics_internal.svg_legend(x float8, y float8, labels text[], colours text[],
    max_width float8 DEFAULT 600)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  -- each entry where the one before it ends, or at the start of the next row (16 px lower) when it
  -- would pass max_width and is not the first of its row
  WITH RECURSIVE items AS (
    SELECT i, labels[i] AS label, colours[i] AS colour,
           16 + learnalytics_internal.svg_text_width(labels[i], 11) + 12 AS item_w
    FROM generate_series(1, coalesce(cardinality(labels), 0)) i
  ), placed (i, cx, cy) AS (
    SELECT 1, x, y FROM items WHERE i = 1
    UNION ALL
    SELECT n.i,
           CASE WHEN p.cx + c.item_w > x AND p.cx + c.item_w + n.item_w > x + max_width THEN x ELSE p.cx + c.item_w END,
           CASE WHEN p.cx + c.item_w > x AND p.cx + c.item_w + n.item_w > x + max_width THEN p.cy + 16 ELSE p.cy END
    FROM placed p JOIN items c ON c.i = p.i JOIN items n ON n.i = p.i + 1
  )
  SELECT '<g class="legend" font-size="11">'
         || coalesce(string_agg(format('<g class="legend-item"><rect x="%s" y="%s" width="10" height="10" fill="%s"/>%s</g>',
                                       round(p.cx::numeric, 2), round((p.cy - 9)::numeric, 2), it.colour,
                                       learnalytics_internal.svg_text(p.cx + 14, p.cy, it.label, NULL, 'start')),
                                '' ORDER BY p.i), '')
         || '</g>'
  FROM placed p JOIN items it ON it.i = p.i;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_legend(float8, float8, text[], text[], float8) IS
'a horizontal legend (swatch and label per entry, class legend-item), wrapping at max_width';

-- The number of rows svg_legend wraps labels into at max_width (the same item widths), so that a
-- chart can make room for its legend before drawing it.
CREATE FUNCTION learnalytics_internal.svg_legend_rows(labels text[], max_width float8)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cx float8 := 0;
  nrows integer := 1;
  item_w float8;
  i integer;
BEGIN
  FOR i IN 1 .. coalesce(cardinality(labels), 0) LOOP
    item_w := 16 + learnalytics_internal.svg_text_width(labels[i], 11) + 12;
    IF cx > 0 AND cx + item_w > max_width THEN
      cx := 0; nrows := nrows + 1;
    END IF;
    cx := cx + item_w;
  END LOOP;
  RETURN nrows;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.svg_legend_rows(text[], float8) IS
'the number of rows svg_legend wraps the labels into at max_width';

-- The chart for no data: the document with empty labelled axes and a message in the middle
-- (class no-data), so an empty input renders like any other chart.
CREATE FUNCTION learnalytics_internal.svg_no_data(chart text, width integer, height integer, title text,
    x_label text, y_label text, message text DEFAULT 'no data')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.svg_document(chart, w, h, title, coalesce(message, 'no data'),
           learnalytics_internal.svg_axes(60, 40, w - 80, h - 90, '{0,1}', y_label, '{}', '{}', x_label)
           || learnalytics_internal.svg_text(60 + (w - 80) / 2.0, 40 + (h - 90) / 2.0, coalesce(message, 'no data'),
                                             'no-data', 'middle', format('fill="%s"', learnalytics_internal.svg_colour('muted'))))
  FROM (SELECT least(greatest(coalesce(width, 640), 160), 4000) AS w,
               least(greatest(coalesce(height, 320), 160), 4000) AS h) d;
END;
COMMENT ON FUNCTION learnalytics_internal.svg_no_data(text, integer, integer, text, text, text, text) IS
'an empty chart: document, empty labelled axes and a message (class no-data)';

-- Values a chart refuses: NaN and infinities cannot be drawn.
CREATE FUNCTION learnalytics_internal.svg_require_finite(vals float8[], field text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(vals) v WHERE v IN ('NaN', 'Infinity', '-Infinity')) THEN
    RAISE EXCEPTION '% must be finite', field
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('%s holds NaN or an infinity, which cannot be drawn.', regexp_replace(field, '^[a-z_]+: ', ''));
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.svg_require_finite(float8[], text) IS
'refuses (22023) NaN and infinities in a chart''s values; field names the chart and argument: ''chart_forecast: actual''';

-------------------------------------------------------------------------------
-- Sparklines: a trend in one column, for psql.
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.sparkline(vals float8[], lo float8 DEFAULT NULL, hi float8 DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a float8;
  b float8;
BEGIN
  IF vals IS NULL THEN
    RETURN NULL;
  END IF;
  IF array_ndims(vals) > 1 THEN
    RAISE EXCEPTION 'sparkline: vals must be a one-dimensional array'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('vals has %s dimensions.', array_ndims(vals));
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(vals) v WHERE v IN ('NaN', 'Infinity', '-Infinity'))
     OR lo IN ('NaN', 'Infinity', '-Infinity') OR hi IN ('NaN', 'Infinity', '-Infinity') THEN
    RAISE EXCEPTION 'sparkline: vals, lo and hi must be finite'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'NaN and infinities have no height.';
  END IF;
  SELECT coalesce(lo, min(v)), coalesce(hi, max(v)) INTO a, b FROM unnest(vals) v;
  IF a > b THEN
    RAISE EXCEPTION 'sparkline: lo must not exceed hi'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('lo is %s, hi is %s.', a, b);
  END IF;
  RETURN coalesce((
    SELECT string_agg(CASE
             WHEN v IS NULL THEN ' '
             WHEN a = b THEN CASE WHEN v = 0 THEN '▁' ELSE '▄' END
             ELSE substr('▁▂▃▄▅▆▇█', 1 + least(7, greatest(0, floor((v - a) / (b - a) * 8)))::integer, 1)
           END, '' ORDER BY o)
    FROM unnest(vals) WITH ORDINALITY AS u(v, o)), '');
END
$$;
COMMENT ON FUNCTION @extschema@.sparkline(float8[], float8, float8) IS
'a trend in one column: each value as one of the eight Unicode blocks ▁…█ between lo and hi (default: the values'' min and max), NULL as a space';
