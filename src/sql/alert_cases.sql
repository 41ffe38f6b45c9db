
-------------------------------------------------------------------------------
-- alert_cases: (issue 15, being written)
-------------------------------------------------------------------------------
-- Contact outcomes derived from what happened (doc/alerts.md). Stub in i15-base; H2 writes the body.
CREATE FUNCTION learnalytics_internal.contact_outcomes_update(day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN 0;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.contact_outcomes_update(date) IS
'set the outcomes of pending contacts that are decided on day: automated from activity and enrolment, human by timeout; returns how many';
GRANT EXECUTE ON FUNCTION learnalytics_internal.contact_outcomes_update(date) TO learnalytics_admin;
