
-------------------------------------------------------------------------------
-- reports: the learner timeline and the sparkline columns (doc/reports.md)
-- STUB on i17-base (H1 replaces it).
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_learner_timeline(learner text, from_day date, to_day date, course text DEFAULT NULL, width integer DEFAULT 900, height integer DEFAULT 380)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_learner_timeline', width, height, 'timeline of ' || learner, 'day', 'events', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_learner_timeline(text, date, date, text, integer, integer) IS
'one learner''s engagement timeline: daily activity, baseline band, dips, alerts, contacts and outcomes';
