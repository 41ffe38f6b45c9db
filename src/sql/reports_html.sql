
-------------------------------------------------------------------------------
-- reports: the HTML report, two tiers (doc/reports.md)
-- STUB on i17-base (H5 replaces it; H4 writes learnalytics_internal.report_executive in reports_roi.sql).
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.report_html(course text, from_day date, to_day date, tier text DEFAULT 'both',
    queue_size integer DEFAULT 20)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>learnalytics report</title></head><body><p>not built yet</p></body></html>'
$$;
COMMENT ON FUNCTION @extschema@.report_html(text, date, date, text, integer) IS
'the HTML report of a course and period: executive and/or operations page, one self-contained document';
