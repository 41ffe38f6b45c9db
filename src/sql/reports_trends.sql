
-------------------------------------------------------------------------------
-- reports: the weekly trends, the forecast and alert operations (doc/reports.md)
-- STUB on i17-base (H3 replaces it).
-------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.chart_forecast(title text, weeks date[], actual float8[], forecast float8[], forecast_low float8[], forecast_high float8[], y_label text DEFAULT 'withdrawals', unit text DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT learnalytics_internal.svg_no_data('chart_forecast', width, height, title, 'week', y_label, 'not built yet');
END;
COMMENT ON FUNCTION @extschema@.chart_forecast(text, date[], float8[], float8[], float8[], float8[], text, text, integer, integer) IS
'any weekly series with a forecast and its interval';

CREATE FUNCTION @extschema@.chart_weekly_trend(course text, from_week date DEFAULT NULL, to_week date DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_weekly_trend', width, height, 'weekly outcomes of ' || course, 'week', '% of enrolled', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_weekly_trend(text, date, date, integer, integer) IS
'weekly completion and dropout of a course with the risk model''s forecast';

CREATE FUNCTION @extschema@.chart_withdrawal_forecast(model text, course text, from_day date, to_day date, outcomes regclass DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 340)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_withdrawal_forecast', width, height, 'expected withdrawals in ' || course, 'week', 'withdrawals', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_withdrawal_forecast(text, text, date, date, regclass, integer, integer) IS
'risk_forecast as a chart: expected withdrawals per week with the interval, and the actual ones';

CREATE FUNCTION @extschema@.chart_alert_operations(from_week date DEFAULT NULL, to_week date DEFAULT NULL, width integer DEFAULT 800, height integer DEFAULT 560)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT learnalytics_internal.svg_no_data('chart_alert_operations', width, height, 'alert operations', 'week', 'count', 'not built yet')
$$;
COMMENT ON FUNCTION @extschema@.chart_alert_operations(date, date, integer, integer) IS
'alert operations per week: alerts by severity, contacts and outcomes, coach load against capacity';
