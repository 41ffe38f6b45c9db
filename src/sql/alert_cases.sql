
-------------------------------------------------------------------------------
-- alert_cases: contact outcomes derived from what happened, and what a person does with a case:
-- dismiss it or snooze it (doc/alerts.md, "Escalation ladder and contact outcomes",
-- "Dismissing and snoozing a case")
-------------------------------------------------------------------------------
-- The outcomes of the pending contacts (of every case, open or closed) that are decided on a day.
-- Automated contact c on day d of a case whose lead rule has reengage_days N, e = d + N:
--   withdrew    (outcome_on = left_day) the learner's enrolment in the case's course (learning
--               source 'enrolment', left_at as a day in the lead rule's time zone) left in (d, e],
--               decided as soon as left_day <= day;
--   re_engaged  (outcome_on = e) events > 0 on a day of (d, e] in any of the learner's engagement
--               summaries, and not left by e;
--   no_response (outcome_on = e) otherwise;
-- the last two decided once day >= e. Human contact: timed_out (outcome_on = d + the channel's
-- outcome_timeout_days) once that day is reached and nobody recorded an outcome
-- (contact_record_outcome). The engine never fails a human contact otherwise. Only pending contacts
-- change, so a second call on the same day changes nothing. Returns how many contacts were decided.
CREATE FUNCTION learnalytics_internal.contact_outcomes_update(day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  human     integer;
  automated integer;
BEGIN
  IF day IS NULL OR NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE @extschema@.alert_contact c
     SET outcome = 'timed_out', outcome_on = c.contacted_on + ch.outcome_timeout_days
    FROM @extschema@.alert_channel ch
   WHERE ch.name = c.channel AND c.kind = 'human' AND c.outcome = 'pending'
     AND ch.outcome_timeout_days IS NOT NULL AND c.contacted_on + ch.outcome_timeout_days <= day;
  GET DIAGNOSTICS human = ROW_COUNT;

  EXECUTE format(
    $q$WITH p AS MATERIALIZED (   -- pending automated contacts that could be decided by the day
      SELECT c.id, c.contacted_on AS d, c.contacted_on + r.reengage_days AS e, a.learner, a.course, r.tz
        FROM %1$I.alert_contact c
        JOIN %1$I.alert a ON a.id = c.alert_id
        JOIN %1$I.alert_rule r ON r.name = a.rule_name
       WHERE c.kind = 'automated' AND c.outcome = 'pending' AND c.contacted_on < $1),
    lv AS (   -- per contact: the first day the enrolment left after the contact; left by the window's end
      SELECT p.id, min(x.left_day) FILTER (WHERE x.left_day > p.d) AS left_day, bool_or(x.left_day <= p.e) AS left_by_end
        FROM p
        JOIN %2$s en ON en.learner = p.learner AND en.course = p.course AND en.left_at IS NOT NULL
       CROSS JOIN LATERAL (SELECT (en.left_at AT TIME ZONE p.tz)::date AS left_day) x
       GROUP BY p.id),
    o AS (
      SELECT p.id,
             CASE WHEN lv.left_day <= least(p.e, $1) THEN 'withdrew'
                  WHEN p.e > $1 THEN NULL
                  WHEN NOT coalesce(lv.left_by_end, false)
                       AND EXISTS (SELECT 1 FROM %1$I.learner_engagement le
                                   CROSS JOIN LATERAL %1$I.daily_activity(le.summary, p.d + 1, p.e) da
                                   WHERE le.learner = p.learner AND da.events > 0) THEN 're_engaged'
                  ELSE 'no_response' END AS outcome,
             CASE WHEN lv.left_day <= least(p.e, $1) THEN lv.left_day ELSE p.e END AS outcome_on
        FROM p LEFT JOIN lv ON lv.id = p.id)
    UPDATE %1$I.alert_contact c SET outcome = o.outcome, outcome_on = o.outcome_on
      FROM o WHERE c.id = o.id AND o.outcome IS NOT NULL AND c.outcome = 'pending'$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.learning_source_sql('enrolment'))
  USING day;
  GET DIAGNOSTICS automated = ROW_COUNT;
  RETURN human + automated;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.contact_outcomes_update(date) IS
'set the outcomes of pending contacts that are decided on day: automated from activity and enrolment, human by timeout; returns how many';
GRANT EXECUTE ON FUNCTION learnalytics_internal.contact_outcomes_update(date) TO learnalytics_admin;

