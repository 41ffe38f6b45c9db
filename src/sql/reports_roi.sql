
-------------------------------------------------------------------------------
-- reports: the ROI chart and the executive page (doc/reports.md)
-- STUB on i17-base (H4 replaces it).
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_roi(title text, sources text[], summaries @extschema@.roi_summary[], width integer DEFAULT 800, height integer DEFAULT 400)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.svg_no_data('chart_roi', width, height, title, '', 'amount', 'not built yet');
END;
COMMENT ON FUNCTION @extschema@.chart_roi(text, text[], @extschema@.roi_summary[], integer, integer) IS
'ROI waterfall: benefits by source after isolation and confidence, costs by category, net; ROI %, BCR, payback';

CREATE FUNCTION @extschema@.chart_program_roi(program text, width integer DEFAULT 800, height integer DEFAULT 400)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_program_roi', width, height, 'ROI of ' || program, '', 'amount', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_program_roi(text, integer, integer) IS
'chart_roi of a program (program.roi)';
CREATE FUNCTION learnalytics_internal.report_executive(course text, from_day date, to_day date)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT '<section class="page executive"><h2>Executive summary</h2><p>not built yet</p></section>'
$$;
COMMENT ON FUNCTION learnalytics_internal.report_executive(text, date, date) IS
'the executive page of report_html: an HTML section';
