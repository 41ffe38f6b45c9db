
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
        FROM p
        -- per contact, by the enrolment's key: the first day it left after the contact, and whether it
        -- had left by the window's end (a join of p and a grouped enrolment, whose sizes the planner
        -- cannot know, may become a quadratic nested loop)
        CROSS JOIN LATERAL (
          SELECT min(x.left_day) FILTER (WHERE x.left_day > p.d) AS left_day, bool_or(x.left_day <= p.e) AS left_by_end
            FROM %2$s en
           CROSS JOIN LATERAL (SELECT (en.left_at AT TIME ZONE p.tz)::date AS left_day) x
           WHERE en.learner = p.learner AND en.course = p.course AND en.left_at IS NOT NULL) lv)
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

-- The pending messages of a case will not be delivered: cancelled, with their contacts still pending
-- (outcome_on = day). Used by alert_dismiss; outbox_claim does the same for every closed case.
CREATE FUNCTION learnalytics_internal.case_messages_cancel(alert_id bigint, day date, why text)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
BEGIN
  WITH m AS (
    UPDATE @extschema@.alert_outbox o SET status = 'cancelled', last_error = why, claimed_until = NULL
     WHERE o.alert_id = case_messages_cancel.alert_id
       AND (o.status = 'pending' OR (o.status = 'claimed' AND o.claimed_until < now()))
    RETURNING o.contact_id),
  c AS (
    UPDATE @extschema@.alert_contact c SET outcome = 'cancelled', outcome_on = day
      FROM m WHERE c.id = m.contact_id AND c.outcome = 'pending'
    RETURNING c.id)
  SELECT count(*) INTO n FROM m;
  RETURN n;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.case_messages_cancel(bigint, date, text) IS
'cancel the undelivered (pending or lease-expired) outbox messages of a case and their pending contacts; returns how many messages';
GRANT EXECUTE ON FUNCTION learnalytics_internal.case_messages_cancel(bigint, date, text) TO learnalytics_admin;

-- The open case (FOR UPDATE) or a clear error: unknown (no_data_found), closed (invalid_parameter_value).
CREATE FUNCTION learnalytics_internal.open_case(alert_id bigint, action text)
RETURNS @extschema@.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a @extschema@.alert;
BEGIN
  IF alert_id IS NULL THEN
    RAISE EXCEPTION 'alert_id must not be null' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO a FROM @extschema@.alert al WHERE al.id = open_case.alert_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert % does not exist', alert_id USING ERRCODE = 'no_data_found';
  END IF;
  IF a.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'alert % is closed', alert_id
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It was closed on %s with status %s; only an open case can be %s.', a.closed_on, a.status, action);
  END IF;
  RETURN a;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.open_case(bigint, text) IS
'the open case (alert) with this id, locked; no_data_found when unknown, invalid_parameter_value when closed';
GRANT EXECUTE ON FUNCTION learnalytics_internal.open_case(bigint, text) TO learnalytics_admin;

-- Close an open case by hand: status and close_reason dismissed, the reason kept in close_note, the
-- role in closed_by, closed_on the day (default today). Its undelivered messages are cancelled.
-- Cooldown then applies to the families of its reasons, as for any closed case.
CREATE FUNCTION @extschema@.alert_dismiss(alert_id bigint, reason text, day date DEFAULT NULL)
RETURNS @extschema@.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a   @extschema@.alert;
  d   date := coalesce(day, current_date);
BEGIN
  IF reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'reason must not be blank'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, in a few words: it is kept with the case.';
  END IF;
  IF NOT isfinite(d) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF d > current_date THEN
    RAISE EXCEPTION 'day % is in the future', d
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A case dismissed on a day to come would hold off new cases of its families until its cooldown after that day.',
            HINT = 'Dismiss it today (leave day out) or on a past day.';
  END IF;
  a := learnalytics_internal.open_case(alert_id, 'dismissed');
  IF d < a.opened_on THEN
    RAISE EXCEPTION 'day % is before the case opened (%)', d, a.opened_on USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE @extschema@.alert al
     SET status = 'dismissed', close_reason = 'dismissed', close_note = btrim(reason), closed_by = current_user,
         closed_on = d, closed_at = now()
   WHERE al.id = a.id
  RETURNING al.* INTO a;
  PERFORM learnalytics_internal.case_messages_cancel(a.id, d, 'case closed');
  RETURN a;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_dismiss(bigint, text, date) IS
'close an open case by hand (status dismissed) with a reason, on day (default today); its undelivered messages are cancelled; returns the case';

-- No ladder step before until_day (the case stays open and keeps being evaluated). until_day NULL
-- lifts the snooze (the reason is still required and kept).
CREATE FUNCTION @extschema@.alert_snooze(alert_id bigint, until_day date, reason text)
RETURNS @extschema@.alert
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a   @extschema@.alert;
BEGIN
  IF reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'reason must not be blank'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, in a few words: it is kept with the case.';
  END IF;
  IF until_day IS NOT NULL AND NOT isfinite(until_day) THEN
    RAISE EXCEPTION 'until_day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  a := learnalytics_internal.open_case(alert_id, 'snoozed');
  UPDATE @extschema@.alert al SET snoozed_until = until_day, snooze_note = btrim(reason)
   WHERE al.id = a.id
  RETURNING al.* INTO a;
  RETURN a;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_snooze(bigint, date, text) IS
'take no ladder step on an open case before until_day (NULL: lift the snooze), with a reason; returns the case';

GRANT EXECUTE ON FUNCTION @extschema@.alert_dismiss(bigint, text, date), @extschema@.alert_snooze(bigint, date, text)
  TO learnalytics_admin;
