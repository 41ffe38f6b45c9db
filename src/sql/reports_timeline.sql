
-------------------------------------------------------------------------------
-- reports: one learner's timeline (the analytics-to-action cycle) and the per-course trend view
-- with sparklines (doc/reports.md). The sparkline columns of learner_engagement_state and
-- learner_risk_state (activity_28d) are defined with those views in dashboards.sql.
-------------------------------------------------------------------------------

-- The fill of a contact marker: its outcome's shared colour; the outcomes that mean "not back" share
-- the no_response grey, a cancelled contact is white (drawn with a grey outline).
CREATE FUNCTION learnalytics_internal.timeline_outcome_colour(outcome text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
    WHEN outcome IN ('re_engaged', 'withdrew', 'no_response', 'pending') THEN learnalytics_internal.svg_colour(outcome)
    WHEN outcome IN ('not_re_engaged', 'timed_out') THEN learnalytics_internal.svg_colour('no_response')
    ELSE '#FFFFFF' END
$$;
COMMENT ON FUNCTION learnalytics_internal.timeline_outcome_colour(text) IS
'the fill of a contact outcome on the learner timeline (shared outcome colours; not_re_engaged and timed_out grey; cancelled white)';

-- One learner's timeline. Layout, top to bottom: title; the contacts lane (a marker per contact:
-- circle automated, diamond human, filled with the outcome's colour); the alerts lane (a span per
-- case from opened_on to closed_on, or to to_day while open, in the severity's colour, the rule's
-- name inside when it fits); the dips lane (the days the learner was in a dip under the
-- engagement_dip rule: dip_persistence >= fire_after); the plot (a bar per day of the rule's metric,
-- the baseline band mean ± 1 sample standard deviation of the rule's baseline_days before each day,
-- the mean as a line with a point per day, the dip threshold threshold x mean dashed); the time axis;
-- the legend. Reads learner_summary, alert_rule, alert and alert_contact as the caller.
CREATE FUNCTION @extschema@.chart_learner_timeline(learner text, from_day date, to_day date, course text DEFAULT NULL, width integer DEFAULT 900, height integer DEFAULT 380)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  s        @extschema@.engagement_summary;
  rule     record;
  metric   text;
  unit     text;
  factor   float8;
  n        integer;
  days     date[];
  vals     float8[];
  raws     text[];
  means    float8[];
  sds      float8[];
  counted  integer[];
  dips     integer[];
  n_alerts integer;
  n_contacts integer;
  sevs     text[];
  outs     text[];
  kinds    text[];
  ymax     float8;
  ticks    float8[];
  w_all    integer;
  h_all    integer;
  x0       float8 := 72;
  pw       float8;
  slot     float8;
  y_con    float8 := 44;    -- centre of the contacts lane
  y_al     float8 := 58;    -- top of the alerts lane (16 px)
  y_dip    float8 := 80;    -- top of the dips lane (8 px)
  y0       float8 := 106;   -- top of the plot
  ph       float8;
  lab      text[];
  col      text[];
  nrows    integer;
  body     text;
  title    text;
  xlabel   text;
  ylabel   text;
  descr    text;
BEGIN
  IF chart_learner_timeline.learner IS NULL THEN
    RAISE EXCEPTION 'chart_learner_timeline: learner must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF chart_learner_timeline.from_day IS NULL OR chart_learner_timeline.to_day IS NULL THEN
    RAISE EXCEPTION 'chart_learner_timeline: % must not be null',
                    CASE WHEN chart_learner_timeline.from_day IS NULL THEN 'from_day' ELSE 'to_day' END
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF chart_learner_timeline.from_day > chart_learner_timeline.to_day THEN
    RAISE EXCEPTION 'chart_learner_timeline: from_day must not be after to_day'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('from_day is %s, to_day is %s.', chart_learner_timeline.from_day, chart_learner_timeline.to_day);
  END IF;
  n := chart_learner_timeline.to_day - chart_learner_timeline.from_day + 1;
  IF n > 1830 THEN
    RAISE EXCEPTION 'chart_learner_timeline: the period from_day .. to_day is too long'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It has %s days; the timeline shows at most 1830 (five years).', n),
            HINT = 'Chart a shorter period.';
  END IF;

  title := 'Timeline of ' || chart_learner_timeline.learner
           || coalesce(' in ' || chart_learner_timeline.course, '');
  xlabel := format('day (%s to %s)', chart_learner_timeline.from_day, chart_learner_timeline.to_day);

  SELECT ls.summary INTO s FROM learnalytics_internal.learner_summary ls
   WHERE ls.learner = chart_learner_timeline.learner;
  SELECT r.version, r.threshold, r.baseline_days, r.metric, r.fire_after INTO rule
    FROM @extschema@.alert_rule r WHERE r.name = 'engagement_dip';
  metric := coalesce(rule.metric, 'events');
  unit := CASE metric WHEN 'dwell' THEN 'minutes' ELSE metric END;
  factor := CASE metric WHEN 'dwell' THEN 1.0 / 60000000 ELSE 1 END;   -- dwell: microseconds -> minutes
  ylabel := CASE metric WHEN 'dwell' THEN 'dwell per day' ELSE metric || ' per day' END;

  -- the days: the metric (for the bars and as SQL text for data-value), the baseline and the dip run
  IF s IS NOT NULL THEN
    SELECT array_agg(a.day ORDER BY a.day),
           array_agg(v.raw::float8 * factor ORDER BY a.day),
           array_agg(v.raw ORDER BY a.day),
           array_agg(b.mean ORDER BY a.day),
           array_agg(b.stddev ORDER BY a.day),
           array_agg(b.days_counted ORDER BY a.day),
           array_agg(@extschema@.dip_persistence(s, a.day, rule.threshold, rule.baseline_days, rule.metric) ORDER BY a.day)
      INTO days, vals, raws, means, sds, counted, dips
      FROM @extschema@.daily_activity(s, chart_learner_timeline.from_day, chart_learner_timeline.to_day) a
      CROSS JOIN LATERAL (SELECT CASE metric WHEN 'events' THEN a.events::text WHEN 'sessions' THEN a.sessions::text
                                             WHEN 'weight' THEN a.weight::text
                                             ELSE (extract(epoch FROM a.dwell) * 1000000)::bigint::text END AS raw) v
      LEFT JOIN LATERAL @extschema@.engagement_baseline(s, a.day, rule.baseline_days, rule.metric) b ON true;
  END IF;

  SELECT count(*), array_agg(DISTINCT al.severity) INTO n_alerts, sevs
    FROM @extschema@.alert al
   WHERE al.learner = chart_learner_timeline.learner
     AND (chart_learner_timeline.course IS NULL OR al.course = chart_learner_timeline.course)
     AND al.opened_on <= chart_learner_timeline.to_day
     AND coalesce(al.closed_on, chart_learner_timeline.to_day) >= chart_learner_timeline.from_day;
  SELECT count(*), array_agg(DISTINCT c.outcome), array_agg(DISTINCT c.kind) INTO n_contacts, outs, kinds
    FROM @extschema@.alert al JOIN @extschema@.alert_contact c ON c.alert_id = al.id
   WHERE al.learner = chart_learner_timeline.learner
     AND (chart_learner_timeline.course IS NULL OR al.course = chart_learner_timeline.course)
     AND c.contacted_on BETWEEN chart_learner_timeline.from_day AND chart_learner_timeline.to_day;

  IF coalesce(cardinality(days), 0) = 0 AND n_alerts = 0 AND n_contacts = 0 THEN
    RETURN learnalytics_internal.svg_no_data('chart_learner_timeline', chart_learner_timeline.width,
             chart_learner_timeline.height, title, xlabel, ylabel,
             CASE WHEN s IS NULL THEN 'no activity summary, alerts or contacts for this learner'
                  ELSE 'no activity, alerts or contacts in this period' END);
  END IF;

  -- scale: 0 .. the highest bar or band edge
  SELECT max(greatest(v, coalesce((m + coalesce(sd, 0)) * factor, 0))) INTO ymax
    FROM unnest(vals, means, sds) u(v, m, sd);
  PERFORM learnalytics_internal.svg_require_finite(ARRAY[ymax], 'chart_learner_timeline: the learner''s daily values');
  ticks := learnalytics_internal.svg_ticks(0, coalesce(ymax, 0));

  -- legend: what is drawn, in the order of the lanes
  lab := '{}';
  col := '{}';
  IF coalesce(cardinality(days), 0) > 0 THEN
    lab := ARRAY[CASE WHEN metric = 'dwell' THEN 'dwell minutes per day' ELSE metric || ' per day' END];
    col := ARRAY[learnalytics_internal.svg_colour('actual')];
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(means) m WHERE m IS NOT NULL) THEN
    lab := lab || ARRAY['baseline: mean ± 1 sd', 'dip threshold'];
    col := col || ARRAY[learnalytics_internal.svg_colour('band'), learnalytics_internal.svg_colour('muted')];
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(dips) dp WHERE dp >= rule.fire_after) THEN
    lab := lab || 'dip day'::text;
    col := col || learnalytics_internal.svg_colour('critical');
  END IF;
  SELECT lab || coalesce(array_agg('alert: ' || v ORDER BY o), '{}'),
         col || coalesce(array_agg(learnalytics_internal.svg_colour(v) ORDER BY o), '{}')
    INTO lab, col
    FROM unnest(ARRAY['critical', 'high', 'medium', 'low']) WITH ORDINALITY u(v, o) WHERE v = ANY (sevs);
  SELECT lab || coalesce(array_agg('contact: ' || replace(v, '_', ' ') ORDER BY v), '{}'),
         col || coalesce(array_agg(learnalytics_internal.timeline_outcome_colour(v) ORDER BY v), '{}')
    INTO lab, col
    FROM unnest(outs) v;

  w_all := least(greatest(coalesce(chart_learner_timeline.width, 900), 360), 4000);
  pw := w_all - x0 - 30;
  nrows := learnalytics_internal.svg_legend_rows(lab, pw);
  -- below the plot: tick labels (+15), axis title (+34), the legend rows from +56, 16 px apart, the
  -- key to the contact shapes
  h_all := least(greatest(coalesce(chart_learner_timeline.height, 380), 120), 4000);
  h_all := greatest(h_all, (y0 + 80 + 56 + 16 * nrows + 8)::integer);
  ph := h_all - y0 - (56 + 16 * nrows + 8);
  slot := pw / n;

  descr := format('%s of %s per day from %s to %s (bars); the baseline band is the mean ± 1 sample standard deviation of the %s days before each day, the dashed line %s x the mean (rule engagement_dip, version %s); dip days: %s days running below it; %s alert%s and %s contact%s%s.',
                  initcap(unit), chart_learner_timeline.learner, chart_learner_timeline.from_day,
                  chart_learner_timeline.to_day, rule.baseline_days, rule.threshold, rule.version, rule.fire_after,
                  n_alerts, CASE WHEN n_alerts = 1 THEN '' ELSE 's' END, n_contacts,
                  CASE WHEN n_contacts = 1 THEN '' ELSE 's' END,
                  CASE WHEN s IS NULL THEN '; the learner has no activity summary' ELSE '' END);

  WITH d AS (
    SELECT u.day, u.v, u.raw, u.m, u.sd, u.cnt, u.dp, u.day - chart_learner_timeline.from_day AS i
    FROM unnest(days, vals, raws, means, sds, counted, dips) u(day, v, raw, m, sd, cnt, dp)
  ), px AS (
    SELECT d.*, x0 + d.i * slot AS xl, x0 + (d.i + 0.5) * slot AS xc,
           learnalytics_internal.svg_scale(d.v, ticks[1], ticks[cardinality(ticks)], y0 + ph, y0) AS yv,
           learnalytics_internal.svg_scale(d.m * factor, ticks[1], ticks[cardinality(ticks)], y0 + ph, y0) AS ym,
           learnalytics_internal.svg_scale((d.m + coalesce(d.sd, 0)) * factor, ticks[1], ticks[cardinality(ticks)], y0 + ph, y0) AS yhi,
           learnalytics_internal.svg_scale(greatest(d.m - coalesce(d.sd, 0), 0) * factor, ticks[1], ticks[cardinality(ticks)], y0 + ph, y0) AS ylo,
           learnalytics_internal.svg_scale(rule.threshold * d.m * factor, ticks[1], ticks[cardinality(ticks)], y0 + ph, y0) AS yth
    FROM d
  ), al AS (
    SELECT a.id, a.rule_name, a.severity, a.status, a.opened_on, a.closed_on, a.close_reason, a.risk_score, a.course,
           x0 + (greatest(a.opened_on, chart_learner_timeline.from_day) - chart_learner_timeline.from_day) * slot AS xa,
           x0 + (least(coalesce(a.closed_on, chart_learner_timeline.to_day), chart_learner_timeline.to_day)
                 - chart_learner_timeline.from_day + 1) * slot AS xb
    FROM @extschema@.alert a
    WHERE a.learner = chart_learner_timeline.learner
      AND (chart_learner_timeline.course IS NULL OR a.course = chart_learner_timeline.course)
      AND a.opened_on <= chart_learner_timeline.to_day
      AND coalesce(a.closed_on, chart_learner_timeline.to_day) >= chart_learner_timeline.from_day
  ), co AS (
    SELECT c.id, c.alert_id, c.step, c.channel, c.kind, c.contacted_on, c.outcome, c.outcome_on, a.rule_name,
           x0 + (c.contacted_on - chart_learner_timeline.from_day + 0.5) * slot AS xc,
           least(6, greatest(3, slot * 0.45)) AS r
    FROM @extschema@.alert a JOIN @extschema@.alert_contact c ON c.alert_id = a.id
    WHERE a.learner = chart_learner_timeline.learner
      AND (chart_learner_timeline.course IS NULL OR a.course = chart_learner_timeline.course)
      AND c.contacted_on BETWEEN chart_learner_timeline.from_day AND chart_learner_timeline.to_day
  ), xt AS (   -- a tick label per day (svg_axes thins them), or per Monday beyond eight weeks
    SELECT array_agg(x0 + (g.i + 0.5) * slot ORDER BY g.i) AS pos,
           array_agg(to_char(chart_learner_timeline.from_day + g.i, 'DD Mon') ORDER BY g.i) AS labels
    FROM generate_series(0, n - 1) g(i)
    WHERE n <= 56 OR extract(isodow FROM chart_learner_timeline.from_day + g.i) = 1
  )
  SELECT
    learnalytics_internal.svg_axes(x0, y0, pw, ph, ticks, ylabel, xt.pos, xt.labels, xlabel,
                                   CASE WHEN metric = 'dwell' THEN 'minutes' END)
    -- lane labels
    || format('<g class="lanes" font-size="10" fill="%s">', learnalytics_internal.svg_colour('muted'))
    || learnalytics_internal.svg_text(x0 - 6, y_con + 4, 'contacts', 'lane-label', 'end')
    || learnalytics_internal.svg_text(x0 - 6, y_al + 12, 'alerts', 'lane-label', 'end')
    || learnalytics_internal.svg_text(x0 - 6, y_dip + 8, 'dips', 'lane-label', 'end')
    || format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>', x0, y_con, x0 + pw, y_con,
              learnalytics_internal.svg_colour('grid'))
    || '</g>'
    -- the baseline band and the threshold, behind the bars
    || coalesce((SELECT format('<polygon class="baseline-band" points="%s %s" fill="%s" fill-opacity="0.35" stroke="none"/>',
                               string_agg(format('%s,%s %s,%s', round(xl::numeric, 2), yhi, round((xl + slot)::numeric, 2), yhi), ' ' ORDER BY i),
                               string_agg(format('%s,%s %s,%s', round((xl + slot)::numeric, 2), ylo, round(xl::numeric, 2), ylo), ' ' ORDER BY i DESC),
                               learnalytics_internal.svg_colour('band'))
                 FROM px WHERE m IS NOT NULL HAVING count(*) > 0), '')
    || coalesce((SELECT format('<polyline class="dip-threshold" points="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>',
                               string_agg(format('%s,%s %s,%s', round(xl::numeric, 2), yth, round((xl + slot)::numeric, 2), yth), ' ' ORDER BY i),
                               learnalytics_internal.svg_colour('muted'))
                 FROM px WHERE m IS NOT NULL HAVING count(*) > 0), '')
    -- no bars: say why in the plot
    || CASE WHEN coalesce(cardinality(days), 0) = 0 THEN
         learnalytics_internal.svg_text(x0 + pw / 2, y0 + ph / 2,
           CASE WHEN s IS NULL THEN 'no activity summary' ELSE 'no activity in this period' END,
           'note', 'middle', format('font-size="11" fill="%s"', learnalytics_internal.svg_colour('muted')))
       ELSE '' END
    -- the bars
    || '<g class="series" data-series="' || metric || '">'
    || coalesce((SELECT string_agg(format('<rect class="mark bar" x="%s" y="%s" width="%s" height="%s" fill="%s"%s><title>%s</title></rect>',
                                          round((xl + slot * 0.1)::numeric, 2), yv, round(greatest(slot * 0.8, 0.5)::numeric, 2),
                                          round((y0 + ph - yv)::numeric, 2), learnalytics_internal.svg_colour('actual'),
                                          learnalytics_internal.svg_data(format('day=%s;series=%s', day, metric), raw),
                                          learnalytics_internal.svg_escape(format('%s: %s %s%s', day,
                                            learnalytics_internal.fmt_number((v)::numeric, CASE WHEN metric = 'dwell' THEN 1 ELSE 0 END),
                                            unit, CASE WHEN dp > 0 THEN format(' (dip day %s)', dp) ELSE '' END))),
                                   '' ORDER BY i) FROM px), '')
    || '</g>'
    -- the baseline mean: a line and a point per day
    || coalesce((SELECT format('<polyline class="baseline-mean" points="%s" fill="none" stroke="%s" stroke-width="1.5"/>',
                               string_agg(format('%s,%s %s,%s', round(xl::numeric, 2), ym, round((xl + slot)::numeric, 2), ym), ' ' ORDER BY i),
                               learnalytics_internal.svg_colour('text'))
                 FROM px WHERE m IS NOT NULL HAVING count(*) > 0), '')
    || '<g class="series" data-series="baseline_mean">'
    || coalesce((SELECT string_agg(format('<circle class="mark baseline" cx="%s" cy="%s" r="2" fill="#222222"%s><title>%s</title></circle>',
                                          round(xc::numeric, 2), ym,
                                          learnalytics_internal.svg_data(format('day=%s;series=baseline_mean', day), m::text),
                                          learnalytics_internal.svg_escape(format('%s baseline: mean %s, sd %s %s over %s day%s before it',
                                            day, learnalytics_internal.fmt_number((m * factor)::numeric, 2),
                                            learnalytics_internal.fmt_number((sd * factor)::numeric, 2), unit, cnt,
                                            CASE WHEN cnt = 1 THEN '' ELSE 's' END))),
                                   '' ORDER BY i) FROM px WHERE m IS NOT NULL), '')
    || '</g>'
    -- dips
    || '<g class="series" data-series="dip_days">'
    || coalesce((SELECT string_agg(format('<rect class="mark dip" x="%s" y="%s" width="%s" height="8" fill="%s"%s><title>%s</title></rect>',
                                          round(xl::numeric, 2), y_dip, round(greatest(slot, 1)::numeric, 2),
                                          learnalytics_internal.svg_colour('critical'),
                                          learnalytics_internal.svg_data(format('day=%s;series=dip_days', day), dp::text),
                                          learnalytics_internal.svg_escape(format('%s: dip, day %s of %s below %s%% of the %s-day mean',
                                            day, dp, metric, trim_scale(rule.threshold * 100), rule.baseline_days))),
                                   '' ORDER BY i) FROM px WHERE dp >= rule.fire_after), '')
    || '</g>'
    -- alerts
    || '<g class="series" data-series="alerts">'
    || coalesce((SELECT string_agg(format('<g class="mark alert"%s><title>%s</title><rect x="%s" y="%s" width="%s" height="16" rx="2" fill="%s" stroke="%s" stroke-width="0.5"/>%s</g>',
                                          learnalytics_internal.svg_data(format('alert=%s;rule=%s;severity=%s;opened_on=%s;closed_on=%s',
                                                                               id, rule_name, severity, opened_on, closed_on), severity),
                                          learnalytics_internal.svg_escape(format('alert %s: %s, %s, %s %s%s%s', id, rule_name, severity,
                                            CASE WHEN closed_on IS NULL THEN status || ' since' ELSE 'opened' END, opened_on,
                                            CASE WHEN closed_on IS NULL THEN '' ELSE format(', %s on %s', status, closed_on) END,
                                            coalesce(' (' || close_reason || ')', '') || coalesce('; course ' || al.course, ''))),
                                          round(xa::numeric, 2), y_al, round(greatest(xb - xa, 2)::numeric, 2),
                                          learnalytics_internal.svg_colour(severity), learnalytics_internal.svg_colour('text'),
                                          CASE WHEN xb - xa >= 30 THEN
                                            learnalytics_internal.svg_text(xa + 4, y_al + 12,
                                              CASE WHEN learnalytics_internal.svg_text_width(rule_name, 10) <= xb - xa - 8 THEN rule_name
                                                   ELSE left(rule_name, greatest(floor((xb - xa - 8) / 7)::integer - 1, 0)) || '…' END,
                                              'alert-label', 'start', 'font-size="10"')
                                          ELSE '' END),
                                   '' ORDER BY opened_on, id) FROM al), '')
    || '</g>'
    -- contacts
    || '<g class="series" data-series="contacts">'
    || coalesce((SELECT string_agg(format('<%s class="mark contact" %s fill="%s" stroke="%s" stroke-width="1"%s><title>%s</title></%s>',
                                          CASE WHEN kind = 'human' THEN 'polygon' ELSE 'circle' END,
                                          CASE WHEN kind = 'human'
                                               THEN format('points="%s,%s %s,%s %s,%s %s,%s"', round(xc::numeric, 2), y_con - r - 1,
                                                           round((xc + r + 1)::numeric, 2), y_con, round(xc::numeric, 2), y_con + r + 1,
                                                           round((xc - r - 1)::numeric, 2), y_con)
                                               ELSE format('cx="%s" cy="%s" r="%s"', round(xc::numeric, 2), y_con, r) END,
                                          learnalytics_internal.timeline_outcome_colour(outcome), learnalytics_internal.svg_colour('text'),
                                          learnalytics_internal.svg_data(format('contact=%s;alert=%s;step=%s;kind=%s;contacted_on=%s',
                                                                               id, alert_id, step, kind, contacted_on), outcome),
                                          learnalytics_internal.svg_escape(format('%s: step %s of alert %s (%s), %s contact by %s; outcome %s%s',
                                            contacted_on, step, alert_id, rule_name, kind, channel, replace(outcome, '_', ' '),
                                            coalesce(' on ' || outcome_on, ''))),
                                          CASE WHEN kind = 'human' THEN 'polygon' ELSE 'circle' END),
                                   '' ORDER BY contacted_on, id) FROM co), '')
    || '</g>'
    || learnalytics_internal.svg_legend(x0, y0 + ph + 56, lab, col, pw)
    || CASE WHEN n_contacts > 0 THEN
         format('<g class="shape-key" font-size="11" fill="%s">', learnalytics_internal.svg_colour('text'))
         || learnalytics_internal.svg_text(x0, y0 + ph + 56 + 16 * nrows, 'contacts: ● automated, ◆ human', NULL, 'start')
         || '</g>' ELSE '' END
  INTO body
  FROM xt;

  RETURN learnalytics_internal.svg_document('chart_learner_timeline', w_all, h_all, title, descr, body);
END
$$;
COMMENT ON FUNCTION @extschema@.chart_learner_timeline(text, date, date, text, integer, integer) IS
'one learner''s engagement timeline: daily activity, baseline band, dips, alerts, contacts and outcomes';

-- Per course, the last 12 calendar weeks of weekly_course_outcomes (the course's latest weeks, to
-- the current one) as sparklines for psql, with the last week's values: the dropout rate (lo 0; a
-- space for a week with nobody enrolled yet) and the active learners, the course's learners (as
-- learning_enrolment has them, the reader's learners only) with at least one event that week in their
-- engagement summary (summaries are not per course: a learner active in two courses counts in both;
-- days in the summary's time zone). Like the dashboards, it runs with its owner's rights and filters
-- the learners itself (dashboards.sql, the security model); weekly_course_outcomes filters its own.
CREATE VIEW @extschema@.course_trends WITH (security_barrier = true) AS
WITH recent AS MATERIALIZED (
  SELECT o.course, o.week, o.dropout_pct
  FROM (SELECT w.course, w.week, w.dropout_pct,
               pg_catalog.row_number() OVER (PARTITION BY w.course ORDER BY w.week DESC) AS back
        FROM @extschema@.weekly_course_outcomes w) o
  WHERE o.back <= 12
), span AS (
  SELECT r.course, pg_catalog.min(r.week) AS first_week, pg_catalog.max(r.week) AS last_week
  FROM recent r GROUP BY r.course
), active AS (
  SELECT e.course, pg_catalog.date_trunc('week', a.day::timestamp)::date AS week,
         pg_catalog.count(DISTINCT e.learner) AS learners
  FROM span sp
  JOIN learnalytics_internal.learning_enrolment e ON e.course = sp.course
  JOIN learnalytics_internal.learner_summary ls ON ls.learner = e.learner
  CROSS JOIN LATERAL @extschema@.daily_activity(ls.summary, sp.first_week, sp.last_week + 6) a
  WHERE a.events > 0
    AND ((SELECT learnalytics_internal.sees_all_learners()) OR e.learner IN (SELECT learnalytics_internal.managed_learners()))
  GROUP BY e.course, pg_catalog.date_trunc('week', a.day::timestamp)::date
)
SELECT r.course, pg_catalog.min(r.week) AS first_week, pg_catalog.max(r.week) AS last_week,
       @extschema@.sparkline(pg_catalog.array_agg(r.dropout_pct::float8 ORDER BY r.week), 0) AS dropout_pct_12w,
       (pg_catalog.array_agg(r.dropout_pct ORDER BY r.week DESC))[1] AS dropout_pct,
       @extschema@.sparkline(pg_catalog.array_agg(coalesce(a.learners, 0)::float8 ORDER BY r.week), 0) AS active_learners_12w,
       (pg_catalog.array_agg(coalesce(a.learners, 0) ORDER BY r.week DESC))[1] AS active_learners
FROM recent r
LEFT JOIN active a ON a.course = r.course AND a.week = r.week
GROUP BY r.course;
COMMENT ON VIEW @extschema@.course_trends IS
'per course, the last 12 calendar weeks as sparklines with the last week''s values: dropout % (weekly_course_outcomes) and active learners (the course''s learners with an event that week)';

-- Privileges (doc/roles.md): the timeline reads engagement summaries, alerts and contacts, which
-- analysts read; the trend view is a dashboard like its siblings.
GRANT EXECUTE ON FUNCTION @extschema@.chart_learner_timeline(text, date, date, text, integer, integer)
  TO learnalytics_analyst;
GRANT SELECT ON @extschema@.course_trends TO learnalytics_viewer;
