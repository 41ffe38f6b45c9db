
-------------------------------------------------------------------------------
-- reports: the heatmap and the dropout funnels (doc/reports.md)
-- STUB on i17-base (H2 replaces it).
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_engagement_heatmap(course text, rollup text DEFAULT NULL, from_week date DEFAULT NULL, to_week date DEFAULT NULL, max_activities integer DEFAULT 25, width integer DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_engagement_heatmap', width, 400, 'engagement heatmap of ' || course, 'week', 'activity', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_engagement_heatmap(text, text, date, date, integer, integer) IS
'heatmap of engagement by activity x week for a course';

CREATE FUNCTION @extschema@.chart_funnel(title text, stages text[], label_a text, counts_a bigint[], label_b text DEFAULT NULL, counts_b bigint[] DEFAULT NULL, width integer DEFAULT 720, height integer DEFAULT 360)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.svg_no_data('chart_funnel', width, height, title, 'stage', 'learners', 'not built yet');
END;
COMMENT ON FUNCTION @extschema@.chart_funnel(text, text[], text, bigint[], text, bigint[], integer, integer) IS
'a funnel, one series or two side by side (before/after)';

CREATE FUNCTION @extschema@.chart_dropout_funnel(course text, cohort_a text, cohort_b text DEFAULT NULL, course_b text DEFAULT NULL, width integer DEFAULT 720, height integer DEFAULT 360)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_dropout_funnel', width, height, 'dropout funnel of ' || course, 'stage', 'learners', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_dropout_funnel(text, text, text, text, integer, integer) IS
'the dropout funnel of two cohorts side by side';
