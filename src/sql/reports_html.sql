
-------------------------------------------------------------------------------
-- reports: the HTML report, two tiers (doc/reports.md, "The HTML report")
--
-- report_html writes one self-contained HTML5 document: inline CSS, inline SVG charts, no script,
-- no external resource (no src= or href= to anything outside the document), so it can be written
-- to a file, mailed or printed. It is also well-formed XML (every element closed, only the XML
-- entities), so a test parses it with the xml type. Everything runs as the CALLER (SECURITY
-- INVOKER): the views' learner filters and row-level security apply, and a section the caller may
-- not read becomes a sentence saying so (insufficient_privilege is caught per section), never an
-- error. The executive page is learnalytics_internal.report_executive (reports_roi.sql); the
-- operations page is report_operations below.
--
-- Numbers a test compares with the views: <span class="num" data-source="view.column"
-- data-key="col=value;col=value" data-value="the value as SQL prints it">, the key selecting
-- exactly one row of the view (an empty value in the key stands for NULL).
-------------------------------------------------------------------------------

-- Numbers: learnalytics_internal.report_num(shown, source, key, value) (reports_roi.sql) writes the
-- <span class="num">.

-- The sentence that stands for a section the caller may not read.
CREATE FUNCTION learnalytics_internal.report_denied(what text, relation text, message text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format('<p class="denied">%s is not available to role %s: it reads %s, which this role may not read (%s). Ask an administrator for the role that may (doc/roles.md).</p>',
                           learnalytics_internal.svg_escape(what),
                           learnalytics_internal.svg_escape(current_user::text),
                           learnalytics_internal.svg_escape(relation),
                           learnalytics_internal.svg_escape(coalesce(message, 'permission denied')))
$$;
COMMENT ON FUNCTION learnalytics_internal.report_denied(text, text, text) IS
'the sentence of the HTML report for a section the current role may not read';

-- A horizontal bar of a share (0..1) in a table cell: inline SVG, no script, no style sheet needed.
CREATE FUNCTION learnalytics_internal.report_bar(share float8, colour text, label text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format('<svg xmlns="http://www.w3.org/2000/svg" class="bar" width="120" height="12" viewBox="0 0 120 12" role="img"><title>%s</title><rect x="0" y="0" width="120" height="12" fill="#EEEEEE"/><rect x="0" y="0" width="%s" height="12" fill="%s"/>%s</svg>',
                           learnalytics_internal.svg_escape(coalesce(label, '')),
                           pg_catalog.round((120 * least(greatest(coalesce(share, 0), 0), 1))::numeric, 1),
                           colour,
                           CASE WHEN share > 1 THEN '<rect x="117" y="0" width="3" height="12" fill="#000000"/>' ELSE '' END)
$$;
COMMENT ON FUNCTION learnalytics_internal.report_bar(float8, text, text) IS
'a small bar (inline SVG) of a share 0..1 for a table cell, a black tip when the share exceeds 1';

-- The report's style sheet: readable widths, tables, print (A4, a page break between the tiers).
CREATE FUNCTION learnalytics_internal.report_css()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT $css$
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: #222222; background: #FFFFFF;
       margin: 0 auto; max-width: 1040px; padding: 16px 24px; line-height: 1.4; font-size: 14px; }
header.report-header { border-bottom: 2px solid #0072B2; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0 0 4px 0; }
h2 { font-size: 18px; margin: 24px 0 8px 0; border-bottom: 1px solid #DDDDDD; }
h3 { font-size: 15px; margin: 18px 0 6px 0; }
p { max-width: 80ch; margin: 4px 0 8px 0; }
.meta { color: #666666; }
.note, .empty { color: #666666; font-size: 13px; }
.denied { color: #666666; font-style: italic; border-left: 3px solid #E69F00; padding-left: 8px; }
table { border-collapse: collapse; margin: 4px 0 12px 0; font-size: 13px; }
th, td { border-bottom: 1px solid #DDDDDD; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #F4F4F4; }
td.n, th.n { text-align: right; }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { max-width: 360px; }
td.d, td.rate { white-space: nowrap; }
tr.overflow td { background: #FFF4E0; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; color: #222222; }
.sev-critical { background: #D55E00; color: #FFFFFF; } .sev-high { background: #E69F00; }
.sev-medium { background: #F0E442; } .sev-low { background: #56B4E9; }
svg.la-chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
svg.bar { vertical-align: middle; }
figure { margin: 8px 0 16px 0; }
footer { margin-top: 24px; border-top: 1px solid #DDDDDD; color: #666666; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.page + section.page { break-before: page; page-break-before: always; }
  figure, table, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  @page { size: A4; margin: 15mm; }
}
$css$
$$;
COMMENT ON FUNCTION learnalytics_internal.report_css() IS
'the style sheet of the HTML report (inline; print: A4, a page break between the tiers)';

-------------------------------------------------------------------------------
-- The operations page: what coaches and their lead act on today.
-------------------------------------------------------------------------------
CREATE FUNCTION learnalytics_internal.report_operations(course text, from_day date, to_day date,
    queue_size integer DEFAULT 20)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL UNSAFE   -- its exception blocks are subtransactions: none in parallel mode
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c      text := report_operations.course;
  out    text := '<section class="page operations" id="operations"><h2>Operations</h2>';
  part   text;
  n_all  bigint;
  n_wait bigint;
  n_over bigint;
BEGIN
  out := out || pg_catalog.format('<p class="meta">Course %s, period %s to %s: today''s coach queue, the coaches'' capacity, the contact ladder, engagement by activity and data quality.</p>',
                                  learnalytics_internal.svg_escape(c), from_day, to_day);

  -- 1. Today's queue: the coach-required cases of the course (coach_queue), the unassigned ones in
  --    queue order first, then the assigned ones; the reasons from learner_risk_state.
  BEGIN
    SELECT count(*), count(*) FILTER (WHERE q.coach IS NULL), count(*) FILTER (WHERE q.overflow)
      INTO n_all, n_wait, n_over
      FROM @extschema@.coach_queue q WHERE q.course = c;
    part := '<section class="block" id="queue"><h3>Today''s coach queue</h3>';
    IF n_all = 0 THEN
      part := part || '<p class="empty">No coach-required case of this course that this role may see.</p>';
    ELSE
      part := part || pg_catalog.format('<p>%s coach-required case%s of this course (that this role sees): %s waiting for a coach, %s of them beyond what the active coaches can take today (overflow, highlighted). %s shown, in queue order: the highest priority first, then the cases a coach already has.</p>',
                n_all, CASE WHEN n_all = 1 THEN '' ELSE 's' END, n_wait, n_over, least(n_all, queue_size))
        || '<table class="queue"><thead><tr><th class="n">rank</th><th>learner</th><th>rule</th><th>severity</th>'
        || '<th class="n">priority</th><th>basis</th><th>opened</th><th>coach</th><th>reasons</th></tr></thead><tbody>'
        || (SELECT pg_catalog.string_agg(pg_catalog.format(
                     '<tr class="queue-row%s" data-alert-id="%s" data-learner="%s"><td class="n">%s</td><td>%s</td><td>%s</td><td><span class="sev sev-%s">%s</span></td><td class="n">%s</td><td>%s</td><td class="d">%s</td><td>%s</td><td class="reason">%s</td></tr>',
                     CASE WHEN q.overflow THEN ' overflow' ELSE '' END, q.alert_id,
                     learnalytics_internal.svg_escape(q.learner),
                     CASE WHEN q.queue_rank IS NULL THEN '–'
                          ELSE learnalytics_internal.report_num(q.queue_rank::text, 'coach_queue.queue_rank', 'alert_id=' || q.alert_id, q.queue_rank::text) END,
                     learnalytics_internal.svg_escape(q.learner), learnalytics_internal.svg_escape(q.rule_name),
                     learnalytics_internal.svg_escape(q.severity), learnalytics_internal.svg_escape(q.severity),
                     learnalytics_internal.report_num(learnalytics_internal.fmt_number(q.priority::numeric, 2), 'coach_queue.priority', 'alert_id=' || q.alert_id, q.priority::text),
                     learnalytics_internal.svg_escape(q.priority_basis),
                     q.opened_on,
                     CASE WHEN q.coach IS NOT NULL THEN learnalytics_internal.svg_escape(q.coach)
                          WHEN q.planned_coach IS NOT NULL THEN learnalytics_internal.svg_escape(q.planned_coach) || ' (planned)'
                          ELSE 'none free (overflow)' END,
                     learnalytics_internal.svg_escape(coalesce(q.reason, '–'))),
                   '' ORDER BY q.ord)
            FROM (SELECT q.*, r.reason,
                         pg_catalog.row_number() OVER (ORDER BY q.queue_rank NULLS LAST, q.alert_id) AS ord
                    FROM @extschema@.coach_queue q
                    LEFT JOIN @extschema@.learner_risk_state r ON r.learner = q.learner AND r.course = q.course
                   WHERE q.course = c
                   ORDER BY q.queue_rank NULLS LAST, q.alert_id
                   LIMIT queue_size) q)
        || '</tbody></table>';
    END IF;
    out := out || part || '</section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="queue"><h3>Today''s coach queue</h3>'
               || learnalytics_internal.report_denied('The coach queue', 'coach_queue and learner_risk_state', SQLERRM)
               || '</section>';
  END;

  -- 2. Coach load against capacity (coach_load): the coaches of this course and the shared ones.
  BEGIN
    part := '<section class="block" id="coach-load"><h3>Coach load and capacity</h3>';
    IF NOT EXISTS (SELECT 1 FROM @extschema@.coach_load l WHERE l.course IS NULL OR l.course = c) THEN
      part := part || '<p class="empty">No coach serves this course.</p>';
    ELSE
      part := part || '<p>Open cases against each coach''s capacity (coaches without a course serve every course; coaches serve every org unit, so their whole caseload is counted). Free: the cases a coach can still take today.</p>'
        || '<table class="coach-load"><thead><tr><th>coach</th><th>course</th><th>active</th><th class="n">open cases</th>'
        || '<th class="n">capacity</th><th>load</th><th class="n">assigned today</th><th class="n">daily intake</th><th class="n">free</th></tr></thead><tbody>'
        || (SELECT pg_catalog.string_agg(pg_catalog.format(
                     '<tr data-coach="%s"><td>%s</td><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td></tr>',
                     learnalytics_internal.svg_escape(l.coach), learnalytics_internal.svg_escape(l.coach),
                     coalesce(learnalytics_internal.svg_escape(l.course), 'every course'),
                     CASE WHEN l.active THEN 'yes' ELSE 'no' END,
                     learnalytics_internal.report_num(l.open_cases::text, 'coach_load.open_cases', 'coach=' || l.coach, l.open_cases::text),
                     learnalytics_internal.report_num(l.capacity::text, 'coach_load.capacity', 'coach=' || l.coach, l.capacity::text),
                     learnalytics_internal.report_bar(l.open_cases::float8 / NULLIF(l.capacity, 0),
                                                      CASE WHEN l.open_cases >= l.capacity THEN learnalytics_internal.svg_colour('critical')
                                                           ELSE learnalytics_internal.svg_colour('net') END,
                                                      pg_catalog.format('%s open cases of a capacity of %s', l.open_cases, l.capacity)),
                     learnalytics_internal.report_num(l.assigned_today::text, 'coach_load.assigned_today', 'coach=' || l.coach, l.assigned_today::text),
                     CASE WHEN l.daily_intake IS NULL THEN '–'
                          ELSE learnalytics_internal.report_num(l.daily_intake::text, 'coach_load.daily_intake', 'coach=' || l.coach, l.daily_intake::text) END,
                     learnalytics_internal.report_num(l.free::text, 'coach_load.free', 'coach=' || l.coach, l.free::text)),
                   '' ORDER BY l.coach)
            FROM @extschema@.coach_load l WHERE l.course IS NULL OR l.course = c)
        || '</tbody></table>';
    END IF;
    out := out || part || '</section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="coach-load"><h3>Coach load and capacity</h3>'
               || learnalytics_internal.report_denied('Coach load', 'coach_load', SQLERRM) || '</section>';
  END;

  -- 3. The ladder and alert quality (alert_effectiveness: every course; the view has no course):
  --    per lead rule, step, channel and kind, the contacts and their outcomes, and the
  --    re-engagement rate over the decided ones.
  BEGIN
    part := '<section class="block" id="ladder"><h3>The contact ladder and alert quality</h3>';
    IF NOT EXISTS (SELECT 1 FROM @extschema@.alert_effectiveness) THEN
      part := part || '<p class="empty">No contact has been made yet.</p>';
    ELSE
      part := part || '<p>Every contact the alerts made, over all courses (alert_effectiveness has no course), per lead rule and ladder step: what came of it. The re-engagement rate (re-engaged of the decided contacts, pending and cancelled excluded) is the quality of a rule''s alerts: how often acting on them brought the learner back.</p>'
        || '<table class="ladder"><thead><tr><th>rule</th><th class="n">step</th><th>channel (kind)</th><th class="n">contacts</th>'
        || '<th class="n">re-engaged</th><th class="n">not re-engaged</th><th class="n">no response</th><th class="n">timed out</th>'
        || '<th class="n">withdrew</th><th class="n">pending</th><th class="n">re-engagement rate</th></tr></thead><tbody>'
        || (SELECT pg_catalog.string_agg(pg_catalog.format(
                     '<tr><td>%s</td><td class="n">%s</td><td>%s (%s)</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n rate">%s %s</td></tr>',
                     learnalytics_internal.svg_escape(e.rule_name), e.step, learnalytics_internal.svg_escape(e.channel),
                     learnalytics_internal.svg_escape(e.kind),
                     learnalytics_internal.report_num(e.contacts::text, 'alert_effectiveness.contacts', e.k, e.contacts::text),
                     learnalytics_internal.report_num(e.re_engaged::text, 'alert_effectiveness.re_engaged', e.k, e.re_engaged::text),
                     learnalytics_internal.report_num(e.not_re_engaged::text, 'alert_effectiveness.not_re_engaged', e.k, e.not_re_engaged::text),
                     learnalytics_internal.report_num(e.no_response::text, 'alert_effectiveness.no_response', e.k, e.no_response::text),
                     learnalytics_internal.report_num(e.timed_out::text, 'alert_effectiveness.timed_out', e.k, e.timed_out::text),
                     learnalytics_internal.report_num(e.withdrew::text, 'alert_effectiveness.withdrew', e.k, e.withdrew::text),
                     learnalytics_internal.report_num(e.pending::text, 'alert_effectiveness.pending', e.k, e.pending::text),
                     CASE WHEN e.re_engagement_rate IS NULL THEN '–'
                          ELSE learnalytics_internal.report_num(learnalytics_internal.fmt_number(100 * e.re_engagement_rate, 1) || ' %', 'alert_effectiveness.re_engagement_rate', e.k, e.re_engagement_rate::text) END,
                     learnalytics_internal.report_bar(e.re_engagement_rate::float8, learnalytics_internal.svg_colour('re_engaged'),
                                                      pg_catalog.format('%s re-engaged of %s decided contacts', e.re_engaged,
                                                                        e.contacts - e.pending - e.cancelled))),
                   '' ORDER BY e.rule_name, e.step, e.channel, e.kind)
            FROM (SELECT v.*, pg_catalog.format('rule_name=%s;step=%s;channel=%s;kind=%s', v.rule_name, v.step, v.channel, v.kind) AS k
                    FROM @extschema@.alert_effectiveness v) e)
        || '</tbody></table>'
        || '<p class="note">A replay of the rules over past days (alert_replay, rule_replay) runs the alert engine and is not part of a report: see doc/alerts.md, "Replay".</p>';
    END IF;
    out := out || part || '</section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="ladder"><h3>The contact ladder and alert quality</h3>'
               || learnalytics_internal.report_denied('The contact ladder', 'alert_effectiveness', SQLERRM) || '</section>';
  END;

  -- 4. Alert operations per week (every course) and engagement by activity and week (this course).
  BEGIN
    out := out || '<section class="block" id="alert-operations"><h3>Alert operations per week</h3><figure>'
               || @extschema@.chart_alert_operations(pg_catalog.date_trunc('week', from_day::timestamp)::date,
                                                     pg_catalog.date_trunc('week', to_day::timestamp)::date, 900, 560)
               || '</figure></section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="alert-operations"><h3>Alert operations per week</h3>'
               || learnalytics_internal.report_denied('The alert operations chart', 'weekly_alert_operations', SQLERRM) || '</section>';
  END;
  BEGIN
    out := out || '<section class="block" id="heatmap"><h3>Engagement by activity and week</h3><figure>'
               || @extschema@.chart_engagement_heatmap(c, NULL, pg_catalog.date_trunc('week', from_day::timestamp)::date,
                                                       pg_catalog.date_trunc('week', to_day::timestamp)::date)
               || '</figure></section>';
  EXCEPTION
    WHEN insufficient_privilege THEN
      out := out || '<section class="block" id="heatmap"><h3>Engagement by activity and week</h3>'
                 || learnalytics_internal.report_denied('The engagement heatmap', 'engagement_heatmap', SQLERRM) || '</section>';
    WHEN invalid_parameter_value OR undefined_object OR no_data_found THEN   -- no rollup of the course's activities, or more than one
      out := out || '<section class="block" id="heatmap"><h3>Engagement by activity and week</h3>'
                 || pg_catalog.format('<p class="empty">No heatmap: %s</p>', learnalytics_internal.svg_escape(SQLERRM)) || '</section>';
  END;

  -- 5. Data quality: open findings per source (quality_status: this course's and those of no
  --    course), and for the roles that may read them the open findings themselves.
  BEGIN
    part := '<section class="block" id="quality"><h3>Data quality</h3>';
    IF NOT EXISTS (SELECT 1 FROM @extschema@.quality_status s WHERE s.course = c OR s.course IS NULL) THEN
      part := part || '<p class="empty">No open or dismissed data-quality finding for this course.</p>';
    ELSE
      part := part || '<p>Open findings of the data-quality checks about this course (and those about no course, such as a source''s outage), by severity: the numbers above rest on these data.</p>'
        || '<table class="quality"><thead><tr><th>source</th><th>course</th><th class="n">open</th><th class="n">high</th><th class="n">medium</th>'
        || '<th class="n">low</th><th class="n">dismissed</th><th class="n">rows flagged</th><th>last seen</th></tr></thead><tbody>'
        || (SELECT pg_catalog.string_agg(pg_catalog.format(
                     '<tr><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td></tr>',
                     learnalytics_internal.svg_escape(s.source), coalesce(learnalytics_internal.svg_escape(s.course), 'every course'),
                     learnalytics_internal.report_num(s.open::text, 'quality_status.open', s.k, s.open::text),
                     learnalytics_internal.report_num(s.high::text, 'quality_status.high', s.k, s.high::text),
                     learnalytics_internal.report_num(s.medium::text, 'quality_status.medium', s.k, s.medium::text),
                     learnalytics_internal.report_num(s.low::text, 'quality_status.low', s.k, s.low::text),
                     learnalytics_internal.report_num(s.dismissed::text, 'quality_status.dismissed', s.k, s.dismissed::text),
                     learnalytics_internal.report_num(learnalytics_internal.fmt_number(s.rows), 'quality_status.rows', s.k, s.rows::text),
                     coalesce(pg_catalog.to_char(s.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), '–')),
                   '' ORDER BY s.source, s.course NULLS FIRST)
            FROM (SELECT v.*, pg_catalog.format('source=%s;course=%s', v.source, v.course) AS k
                    FROM @extschema@.quality_status v WHERE v.course = c OR v.course IS NULL) s)
        || '</tbody></table>';
    END IF;
    out := out || part || '</section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="quality"><h3>Data quality</h3>'
               || learnalytics_internal.report_denied('Data quality', 'quality_status', SQLERRM) || '</section>';
  END;
  BEGIN
    part := '<section class="block" id="quality-findings"><h3>Open findings</h3>';
    IF NOT EXISTS (SELECT 1 FROM @extschema@.quality_findings f WHERE f.status = 'open' AND (f.course = c OR f.course IS NULL)) THEN
      part := part || '<p class="empty">No open finding.</p>';
    ELSE
      part := part || '<p>The open findings (quality_findings), the most severe first; dismiss a finding that is no problem with quality_dismiss.</p>'
        || '<table class="findings"><thead><tr><th>check</th><th>severity</th><th>scope</th><th>day</th><th class="n">observed</th>'
        || '<th class="n">expected</th><th>what the check looks for</th></tr></thead><tbody>'
        || (SELECT pg_catalog.string_agg(pg_catalog.format(
                     '<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td></tr>',
                     learnalytics_internal.svg_escape(f.check_name), learnalytics_internal.svg_escape(f.severity),
                     learnalytics_internal.svg_escape(f.scope), coalesce(f.day::text, '–'),
                     learnalytics_internal.fmt_compact(f.observed::float8), learnalytics_internal.fmt_compact(f.expected::float8),
                     learnalytics_internal.svg_escape(coalesce(f.description, ''))),
                   '' ORDER BY f.o)
            FROM (SELECT v.*, pg_catalog.row_number() OVER (ORDER BY CASE v.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
                                                                 v.check_name, v.scope, v.id) AS o
                    FROM @extschema@.quality_findings v
                   WHERE v.status = 'open' AND (v.course = c OR v.course IS NULL)
                   ORDER BY o LIMIT 20) f)
        || '</tbody></table>';
    END IF;
    out := out || part || '</section>';
  EXCEPTION WHEN insufficient_privilege THEN
    out := out || '<section class="block" id="quality-findings"><h3>Open findings</h3>'
               || learnalytics_internal.report_denied('The list of findings', 'quality_findings', SQLERRM) || '</section>';
  END;

  RETURN out || '</section>';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.report_operations(text, date, date, integer) IS
'the operations page of report_html: coach queue with reasons, coach load, ladder and alert quality, alert operations, heatmap, data quality (an HTML section)';

-------------------------------------------------------------------------------
-- The document.
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.report_html(course text, from_day date, to_day date, tier text DEFAULT 'both',
    queue_size integer DEFAULT 20)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL UNSAFE   -- its exception blocks are subtransactions: none in parallel mode
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  body text := '';
BEGIN
  IF course IS NULL THEN
    RAISE EXCEPTION 'report_html: course must not be NULL'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A report is about one course.';
  END IF;
  IF from_day IS NULL OR to_day IS NULL OR NOT pg_catalog.isfinite(from_day) OR NOT pg_catalog.isfinite(to_day)
     OR from_day > to_day THEN
    RAISE EXCEPTION 'report_html: from_day and to_day must be finite days, from_day <= to_day'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('from_day is %s, to_day is %s.', coalesce(from_day::text, 'NULL'), coalesce(to_day::text, 'NULL'));
  END IF;
  IF tier IS NULL OR tier NOT IN ('executive', 'operations', 'both') THEN
    RAISE EXCEPTION 'report_html: tier must be executive, operations or both'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('tier is %s.', coalesce(pg_catalog.quote_literal(tier), 'NULL')),
            HINT = 'executive: the page for executives; operations: the page for coaches and their lead; both: one after the other.';
  END IF;
  IF queue_size IS NULL OR queue_size < 1 OR queue_size > 1000 THEN
    RAISE EXCEPTION 'report_html: queue_size must be between 1 and 1000'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('queue_size is %s.', coalesce(queue_size::text, 'NULL'));
  END IF;

  IF tier IN ('executive', 'both') THEN
    BEGIN
      body := body || learnalytics_internal.report_executive(course, from_day, to_day);
    EXCEPTION WHEN insufficient_privilege THEN
      body := body || '<section class="page executive" id="executive"><h2>Executive summary</h2>'
                   || learnalytics_internal.report_denied('The executive page', 'the executive views', SQLERRM) || '</section>';
    END;
  END IF;
  IF tier IN ('operations', 'both') THEN
    body := body || learnalytics_internal.report_operations(course, from_day, to_day, queue_size);
  END IF;

  RETURN '<!DOCTYPE html>' || E'\n'
    || '<html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>'
    || '<meta name="generator" content="learnalytics report_html"/>'
    || pg_catalog.format('<title>%s report: %s, %s to %s</title>',
                         CASE tier WHEN 'executive' THEN 'Executive' WHEN 'operations' THEN 'Operations' ELSE 'Course' END,
                         learnalytics_internal.svg_escape(course), from_day, to_day)
    || '<style>' || learnalytics_internal.report_css() || '</style></head>' || E'\n'
    || pg_catalog.format('<body data-course="%s" data-from="%s" data-to="%s" data-tier="%s">',
                         learnalytics_internal.svg_escape(course), from_day, to_day, tier)
    || pg_catalog.format('<header class="report-header"><h1>Course %s</h1><p class="meta">Period %s to %s. Generated for role <strong class="role">%s</strong> on %s: it shows only what this role may read (the learners of its org units; a section it may not read says so).</p></header>',
                         learnalytics_internal.svg_escape(course), from_day, to_day,
                         learnalytics_internal.svg_escape(current_user::text),
                         pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
    || '<main>' || body || '</main>'
    || '<footer><p>learnalytics report_html: numbers read from the views named in each number''s data-source; charts are inline SVG; the document loads nothing from elsewhere.</p></footer>'
    || '</body></html>' || E'\n';
END
$$;
COMMENT ON FUNCTION @extschema@.report_html(text, date, date, text, integer) IS
'the HTML report of a course and period: executive and/or operations page, one self-contained document';

-- The report reads as its caller: every role that reads the dashboard views may run it; each section
-- shows what the role may read.
GRANT EXECUTE ON FUNCTION @extschema@.report_html(text, date, date, text, integer),
  learnalytics_internal.report_operations(text, date, date, integer),
  learnalytics_internal.report_denied(text, text, text),
  learnalytics_internal.report_executive(text, date, date)
TO learnalytics_viewer;
