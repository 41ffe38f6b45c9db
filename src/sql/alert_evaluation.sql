
-------------------------------------------------------------------------------
-- alert_evaluation: who matches a rule on a day, and evaluating rules as of a time
-- (doc/alerts.md, "Evaluation")
-------------------------------------------------------------------------------
-- The enrolments in a rule's scope, as a parenthesised subquery over the enrolment source with
-- their first and last enrolled days in the rule's time zone; $1 is the rule. With on_day (an SQL
-- expression of the query it goes into, e.g. '$2'), only those enrolled on that day. Every
-- template reads its learners through this, so that "enrolled in scope" means one thing.
CREATE FUNCTION learnalytics_internal.enrolled_sql(on_day text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN format(
    $q$(SELECT s.* FROM (SELECT e.learner, e.course, e.cohort, e.business_weight,
                                (e.enrolled_at AT TIME ZONE ($1).tz)::date AS enrolled_day,
                                (e.left_at AT TIME ZONE ($1).tz)::date AS left_day
                           FROM %s e
                          WHERE (($1).course IS NULL OR e.course = ($1).course)
                            AND (($1).cohort IS NULL OR e.cohort = ($1).cohort)) s%s)$q$,
    learnalytics_internal.learning_source_sql('enrolment'),
    CASE WHEN on_day IS NULL THEN ''
         ELSE format(' WHERE s.enrolled_day <= %1$s AND (s.left_day IS NULL OR s.left_day > %1$s)', on_day) END);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.enrolled_sql(text) IS
'subquery of the enrolments in a rule''s scope ($1), with enrolled_day and left_day in its time zone; with on_day, only those enrolled that day';

-- The learning-data kinds a rule's template needs (alert_template.inputs) of which no row belongs to
-- an enrolment in the rule's scope (matched on learner and course; on course for assignment), in
-- the template's order; empty when every input is there, or when nobody is enrolled in the scope.
-- Rows of any date count: "no data at all", not "none yet".
CREATE FUNCTION learnalytics_internal.rule_inputs_missing(r @extschema@.alert_rule)
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kinds   text[];
  k       text;
  found   boolean;
  missing text[] := '{}';
BEGIN
  SELECT t.inputs INTO kinds FROM @extschema@.alert_template t WHERE t.name = r.template;
  IF cardinality(kinds) = 0 THEN
    RETURN missing;
  END IF;
  -- nobody enrolled in scope: nothing is missing, nobody matches (alerts of a rescoped rule resolve)
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s e)', learnalytics_internal.enrolled_sql()) INTO found USING r;
  IF NOT found THEN
    RETURN missing;
  END IF;
  FOREACH k IN ARRAY coalesce(kinds, '{}') LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s x JOIN %s e ON e.course = x.course%s)',
                   learnalytics_internal.learning_source_sql(k), learnalytics_internal.enrolled_sql(),
                   CASE WHEN k = 'assignment' THEN '' ELSE ' AND e.learner = x.learner' END)
      INTO found USING r;
    IF NOT found THEN
      missing := missing || k;
    END IF;
  END LOOP;
  RETURN missing;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_inputs_missing(@extschema@.alert_rule) IS
'the learning-data kinds a rule''s template needs (alert_template.inputs) with no row for the enrolments in the rule''s scope';

-- Whether a rule's inputs are there; if not, a WARNING (SQLSTATE 02000, no_data) naming the rule and
-- the missing kinds, and false: the caller (evaluation, rule_matches, replay) then fires nothing.
CREATE FUNCTION learnalytics_internal.rule_inputs_present(r @extschema@.alert_rule)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  missing text[] := learnalytics_internal.rule_inputs_missing(r);
BEGIN
  IF cardinality(missing) = 0 THEN
    RETURN true;
  END IF;
  RAISE WARNING 'alert rule "%": no % data in its scope; it does not fire', r.name, array_to_string(missing, ', ')
    USING ERRCODE = '02000',
          DETAIL = format('Template %s reads %s (learning_source), and no row of it belongs to an enrolment in the rule''s scope.',
                          r.template, array_to_string(missing, ', ')),
          HINT = 'Load the data or map a warehouse relation onto the kind in learning_source; or disable the rule.';
  RETURN false;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_inputs_present(@extschema@.alert_rule) IS
'true when every learning-data kind a rule''s template needs has rows in its scope; else a WARNING (02000) naming the rule and the kinds, and false';

-- Learners for whom a rule's condition holds on a day (in the rule's time zone), one row per
-- learner: the values that fire it and for how many consecutive days it has held (persisted >= 1).
-- Every learner enrolled in the rule's scope on that day is considered, with or without events.
-- The condition is the template's: its candidates function (alert_template), called with the
-- caller's rights after template_function() checked it.
CREATE FUNCTION learnalytics_internal.rule_candidates(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fn regprocedure;
BEGIN
  SELECT t.candidates INTO fn FROM @extschema@.alert_template t WHERE t.name = r.template;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%": unknown template "%"', r.name, r.template USING ERRCODE = 'undefined_object';
  END IF;
  IF NOT learnalytics_internal.rule_inputs_present(r) THEN
    RETURN;   -- a template without its data would fire on nothing or on everyone
  END IF;
  RETURN QUERY EXECUTE format('SELECT * FROM %s($1, $2)',
                              learnalytics_internal.template_function(fn, 'candidates', r.template))
    USING r, day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_candidates(@extschema@.alert_rule, date) IS
'learners enrolled in a rule''s scope for whom its condition holds on a day, with the values and the days it has held (the template''s candidates function)';

-- Acting on data-quality findings (doc/quality.md, "Acting on findings") ---------------------
-- The learner-days of open outlier_burst findings: engagement_refresh leaves their events out of a
-- source's summaries when the source's exclude_outliers is on (engagement.sql reads this view).
CREATE VIEW learnalytics_internal.quality_outlier_days AS
SELECT f.learner, f.day, f.id AS finding_id, f.check_name, f.observed, f.expected,
       learnalytics_internal.quality_source_relation(f.source) AS relation
  FROM @extschema@.quality_finding f
 WHERE f.check_type = 'outlier_burst' AND f.status = 'open' AND f.learner IS NOT NULL AND f.day IS NOT NULL;
COMMENT ON VIEW learnalytics_internal.quality_outlier_days IS
'open outlier_burst findings with a learner and a day, and the relation their check read: exclude_outliers leaves a learner-day out of the summaries of an engagement source over that relation';

-- ': 12 events vs 2,310 expected' (numbers with thousands separators, at most 2 decimals; the parts
-- that are NULL left out; '' when both are)
CREATE FUNCTION learnalytics_internal.observed_text(observed numeric, expected numeric, unit text DEFAULT 'events')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN observed IS NULL AND expected IS NULL THEN ''
              ELSE ': ' || concat_ws(' vs ',
                     rtrim(to_char(round(observed, 2), 'FM999,999,999,999,999,990.99'), '.') || coalesce(' ' || unit, ''),
                     rtrim(to_char(round(expected, 2), 'FM999,999,999,999,999,990.99'), '.') || ' expected') END
$$;
COMMENT ON FUNCTION learnalytics_internal.observed_text(numeric, numeric, text) IS
'a finding''s numbers in words for a reason: ": 12 events vs 2,310 expected"';

-- The days that are no evidence for an outage-sensitive rule: outage days of a course (course set,
-- learner NULL) or of every course (both NULL), and a learner's days of outlier events left out of
-- the summaries (learner set), each with its finding and a reason in words.
CREATE VIEW learnalytics_internal.alert_outage_days AS
SELECT o.course, NULL::text AS learner, o.day, o.finding_id, o.check_name,
       pg_catalog.format('outage of %s on %s%s (finding %s)',
         CASE WHEN o.course IS NULL THEN 'every course' ELSE pg_catalog.format('course %s', o.course) END, o.day,
         learnalytics_internal.observed_text(o.observed, o.expected), o.finding_id) AS reason
  FROM learnalytics_internal.quality_outage_days o
UNION ALL
SELECT NULL::text, x.learner, x.day, x.finding_id, x.check_name,
       pg_catalog.format('outlier events of the learner on %s left out of engagement source "%s"%s (finding %s)',
         x.day, x.source, learnalytics_internal.observed_text(f.observed, f.expected, NULL), x.finding_id)
  FROM learnalytics_internal.engagement_excluded x
  LEFT JOIN @extschema@.quality_finding f ON f.id = x.finding_id;
COMMENT ON VIEW learnalytics_internal.alert_outage_days IS
'days that are no evidence for outage-sensitive alert rules: open outage findings (course or every course) and learner-days of excluded outlier events, with a reason';

-- Candidates of a rule on a day (rule_candidates) with effective_persisted: for an outage-sensitive
-- template (alert_template.outage_sensitive), the days persisted since the last day of
-- learnalytics_internal.alert_outage_days in the run [day - persisted + 1, day] of the candidate's
-- course, of every course or of the learner (0: the day itself; the learner is held), with that
-- day's finding and reason; otherwise persisted. Set-based; one EXISTS when there is no such day.
CREATE FUNCTION learnalytics_internal.rule_candidates_effective(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb,
    OUT effective_persisted integer, OUT finding_id bigint, OUT check_name text, OUT reason text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM @extschema@.alert_template t WHERE t.name = r.template AND t.outage_sensitive)
     OR NOT EXISTS (SELECT 1 FROM learnalytics_internal.alert_outage_days o
                     WHERE o.day <= rule_candidates_effective.day) THEN
    RETURN QUERY SELECT c.*, c.persisted, NULL::bigint, NULL::text, NULL::text
                   FROM learnalytics_internal.rule_candidates(r, rule_candidates_effective.day) c;
    RETURN;
  END IF;
  RETURN QUERY
    WITH c AS MATERIALIZED (SELECT * FROM learnalytics_internal.rule_candidates(r, rule_candidates_effective.day)),
    od AS MATERIALIZED (
      SELECT o.* FROM learnalytics_internal.alert_outage_days o
       WHERE o.day <= rule_candidates_effective.day
         AND o.day > rule_candidates_effective.day - (SELECT max(c.persisted) FROM c)),
    hit AS (   -- the candidate's course, every course, the learner's excluded days: hash joins
      SELECT c.learner AS l, od.day AS d, 1 AS pri, od.finding_id AS f, od.check_name AS ck, od.reason AS why
        FROM c JOIN od ON od.course = c.course
       WHERE od.learner IS NULL AND od.day > rule_candidates_effective.day - c.persisted
      UNION ALL
      SELECT c.learner, od.day, 2, od.finding_id, od.check_name, od.reason
        FROM c CROSS JOIN (SELECT * FROM od WHERE od.course IS NULL AND od.learner IS NULL) od
       WHERE od.day > rule_candidates_effective.day - c.persisted
      UNION ALL
      SELECT c.learner, od.day, 3, od.finding_id, od.check_name, od.reason
        FROM c JOIN od ON od.learner = c.learner
       WHERE od.day > rule_candidates_effective.day - c.persisted),
    last AS (SELECT DISTINCT ON (h.l) h.* FROM hit h ORDER BY h.l, h.d DESC, h.pri, h.f)
    SELECT c.*, coalesce(rule_candidates_effective.day - last.d, c.persisted), last.f, last.ck, last.why
      FROM c LEFT JOIN last ON last.l = c.learner;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_candidates_effective(@extschema@.alert_rule, date) IS
'rule_candidates with effective_persisted: for an outage-sensitive template, the days persisted since the last outage day (or excluded learner-day) in the run, with its finding and reason';

-- Who matches a rule (with overrides) on a day: rule_candidates for a rule name, persisted counted
-- from the last outage day for an outage-sensitive template (0: the day is one).
CREATE FUNCTION @extschema@.rule_matches(rule_name text, day date, overrides jsonb DEFAULT '{}',
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF day IS NULL OR NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT c.learner, c.course, c.value, c.baseline, c.ratio, c.effective_persisted, c.business_weight, c.detail
                 FROM learnalytics_internal.rule_candidates_effective(@extschema@.rule_with_overrides(rule_name, overrides), day) c;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_matches(text, date, jsonb) IS
'the learners for whom a rule''s condition (with overrides) holds on a day, with the values and the days it has held since the last outage day (persisted >= fire_after: the rule fires; 0: held by an outage that day); nothing written';

-- The day an evaluation as of a time reads: the last complete day in the rule's time zone (the day
-- before as_of's local date), so that an unfinished day never counts as a day without activity.
-- as_of must be finite, and not in the future unless replaying (a simulation of past days).
CREATE FUNCTION learnalytics_internal.evaluation_day(as_of timestamptz, tz text, replaying boolean)
RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF replaying IS NULL THEN
    RAISE EXCEPTION 'replaying must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF as_of > now() AND NOT replaying THEN
    RAISE EXCEPTION 'as_of % is in the future', as_of
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Alerts opened for a day that has not happened yet would contact learners for nothing.',
            HINT = 'To see what days to come would do, use alert_replay, which writes nothing. replaying => true writes to the live tables: for a test or simulation database only.';
  END IF;
  RETURN ((as_of AT TIME ZONE tz) - interval '1 day')::date;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.evaluation_day(timestamptz, text, boolean) IS
'the day an evaluation as of a time reads: the last complete day in the time zone; refuses a future as_of unless replaying';

-- Close the open cases (opened by day) that carry a reason of a rule (NULL: any) and all of whose
-- reasons have cleared: withdrew when the learner's enrolment in the case's course (any course when
-- the case has none) has left by day and no enrolment in it is current on day (learning_source
-- 'enrolment', days in the time zone tz), else resolved (condition_cleared). Closing sets no contact
-- outcome (contact_outcomes_update derives them). Returns how many cases closed.
CREATE FUNCTION learnalytics_internal.cases_close_cleared(day date, tz text, rule_name text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
BEGIN
  EXECUTE format($q$
    WITH done AS MATERIALIZED (
      SELECT a.id, a.learner, a.course FROM @extschema@.alert a
       WHERE a.closed_at IS NULL AND a.opened_on <= $1
         AND ($3 IS NULL OR EXISTS (SELECT 1 FROM @extschema@.alert_reason x
                                     WHERE x.alert_id = a.id AND x.rule_name = $3))
         AND EXISTS (SELECT 1 FROM @extschema@.alert_reason x WHERE x.alert_id = a.id)
         AND NOT EXISTS (SELECT 1 FROM @extschema@.alert_reason x WHERE x.alert_id = a.id AND x.cleared_on IS NULL)),
    e AS MATERIALIZED (
      SELECT e.learner, e.course, (e.enrolled_at AT TIME ZONE $2)::date AS enrolled_day,
             (e.left_at AT TIME ZONE $2)::date AS left_day
        FROM %s e WHERE e.learner IN (SELECT d.learner FROM done d)),
    gone AS (
      SELECT d.id FROM done d
       WHERE EXISTS (SELECT 1 FROM e WHERE e.learner = d.learner AND (d.course IS NULL OR e.course = d.course)
                        AND e.left_day <= $1)
         AND NOT EXISTS (SELECT 1 FROM e WHERE e.learner = d.learner AND (d.course IS NULL OR e.course = d.course)
                            AND e.enrolled_day <= $1 AND (e.left_day IS NULL OR e.left_day > $1)))
    UPDATE @extschema@.alert a
       SET status = CASE WHEN g.id IS NULL THEN 'resolved' ELSE 'withdrew' END,
           close_reason = CASE WHEN g.id IS NULL THEN 'condition_cleared' ELSE 'withdrew' END,
           closed_on = $1, closed_at = now(), evaluated_on = greatest(a.evaluated_on, $1)
      FROM done d LEFT JOIN gone g ON g.id = d.id
     WHERE a.id = d.id$q$,
    learnalytics_internal.learning_source_sql('enrolment'))
  USING day, tz, rule_name;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.cases_close_cleared(date, text, text) IS
'close the open cases (with a reason of a rule, or any) all of whose reasons cleared: withdrew when the learner left the course by day, else resolved; returns how many';

-- Evaluate one rule as of a time, on the last complete day D in its time zone (doc/alerts.md,
-- "Evaluation and the alert lifecycle"). A case (a row of alert) is open for at most one learner
-- at a time and carries every rule that held as a reason (alert_reason):
--   1. C = the rule's candidates on D; for an outage-sensitive template persisted counts from the
--      last outage day in the run (rule_candidates_effective): a learner whose D is an outage day
--      is held (neither updated nor cleared nor opened), and one whose run reached fire_after only
--      through outage days is recorded in alert_suppression with the finding and why;
--   2. the rule's reasons on open cases: learner in C -> latest values, not cleared (a cleared
--      reason holds again once persisted >= fire_after); otherwise cleared on D;
--   3. learners of C with persisted >= fire_after and an open case (opened before D) without this
--      reason: added;
--   4. learners of C with persisted >= fire_after, no open case and no case with a reason of the
--      rule's family closed within cooldown_days: a new case, this rule its lead;
--   5. cases all of whose reasons cleared close (withdrew when the learner left the course);
--   6. contact outcomes (contact_outcomes_update), then the ladder of the cases this rule leads.
-- Idempotent: the same evaluation again changes nothing. Evaluations queue on one advisory lock (a
-- case spans families); the unique index alert_one_open_case keeps one open case per learner anyway.
CREATE FUNCTION @extschema@.rule_evaluate(rule_name text, as_of timestamptz DEFAULT pg_catalog.now(),
    replaying boolean DEFAULT false,
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r     @extschema@.alert_rule;
  added integer;
BEGIN
  SELECT * INTO r FROM @extschema@.alert_rule ar WHERE ar.name = rule_evaluate.rule_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%" does not exist', rule_evaluate.rule_name USING ERRCODE = 'undefined_object';
  END IF;
  rule := r.name;
  day := learnalytics_internal.evaluation_day(as_of, r.tz, replaying);
  -- inputs missing (a WARNING says which): no case is opened, and no reason cleared nor any case
  -- closed or escalated, since the condition is unknown rather than cleared
  IF NOT learnalytics_internal.rule_inputs_present(r) THEN
    opened := 0; updated := 0; resolved := 0; contacts := 0;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'));

  WITH ce AS MATERIALIZED (SELECT * FROM learnalytics_internal.rule_candidates_effective(r, day)),
  c AS MATERIALIZED (   -- persisted: effective; held: the day is an outage day
    SELECT ce.learner, ce.course, ce.value, ce.baseline, ce.ratio, ce.effective_persisted AS persisted,
           ce.business_weight, ce.detail, ce.effective_persisted < 1 AS held
      FROM ce),
  mine AS MATERIALIZED (   -- the rule's reasons on open cases
    SELECT x.alert_id, a.learner, x.severity, x.evaluated_on, x.cleared_on
      FROM @extschema@.alert_reason x JOIN @extschema@.alert a ON a.id = x.alert_id
     WHERE x.rule_name = r.name AND a.closed_at IS NULL AND x.evaluated_on <= day),
  sup AS MATERIALIZED (   -- the alerts the outage held back (a current reason of the rule is no alert to hold back)
    SELECT ce.* FROM ce
     WHERE ce.persisted >= r.fire_after AND ce.effective_persisted < r.fire_after
       AND ce.learner NOT IN (SELECT m.learner FROM mine m WHERE m.cleared_on IS NULL)),
  sup_del AS (   -- the day evaluated again: rows no longer suppressed go
    DELETE FROM @extschema@.alert_suppression s
     WHERE s.rule_name = r.name AND s.day = rule_evaluate.day
       AND s.learner NOT IN (SELECT sup.learner FROM sup WHERE sup.learner IS NOT NULL)
    RETURNING s.learner),
  sup_ins AS (
    INSERT INTO @extschema@.alert_suppression AS s (rule_name, learner, course, day, persisted, effective_persisted,
                                                     finding_id, check_name, reason)
    SELECT r.name, sup.learner, sup.course, day, sup.persisted, sup.effective_persisted, sup.finding_id,
           sup.check_name, sup.reason
      FROM sup WHERE sup.learner IS NOT NULL
    ON CONFLICT ON CONSTRAINT alert_suppression_pkey DO UPDATE
       SET course = EXCLUDED.course, persisted = EXCLUDED.persisted,
           effective_persisted = EXCLUDED.effective_persisted, finding_id = EXCLUDED.finding_id,
           check_name = EXCLUDED.check_name, reason = EXCLUDED.reason
     WHERE (s.course, s.persisted, s.effective_persisted, s.finding_id, s.check_name, s.reason)
           IS DISTINCT FROM (EXCLUDED.course, EXCLUDED.persisted, EXCLUDED.effective_persisted,
                             EXCLUDED.finding_id, EXCLUDED.check_name, EXCLUDED.reason)
    RETURNING s.learner),
  upd AS (
    UPDATE @extschema@.alert_reason x
       SET evaluated_on = day, cleared_on = NULL, value = c.value, baseline = c.baseline, ratio = c.ratio,
           persisted = c.persisted, detail = c.detail, business_weight = c.business_weight,
           severity = s.sev,
           risk_score = r.risk_weight::float8 * learnalytics_internal.severity_factor(s.sev) * (1 + ln(c.persisted))
      FROM mine m
      JOIN c ON c.learner = m.learner
     CROSS JOIN LATERAL (SELECT CASE WHEN c.persisted >= r.escalate_after
                                      AND learnalytics_internal.severity_factor(r.escalated_severity)
                                          > learnalytics_internal.severity_factor(m.severity)
                                     THEN r.escalated_severity ELSE m.severity END AS sev) s
     WHERE x.alert_id = m.alert_id AND x.rule_name = r.name AND NOT c.held
       AND (m.cleared_on IS NULL OR c.persisted >= r.fire_after)
    RETURNING x.alert_id),
  clr AS (
    UPDATE @extschema@.alert_reason x
       SET cleared_on = coalesce(x.cleared_on, day), evaluated_on = day
      FROM mine m
     WHERE x.alert_id = m.alert_id AND x.rule_name = r.name
       AND (m.cleared_on IS NULL OR m.evaluated_on < day)
       -- hashed subplans whatever the estimates (an anti join planned from stale statistics can
       -- become a nested loop over the candidates: quadratic)
       AND (m.learner NOT IN (SELECT c.learner FROM c WHERE c.learner IS NOT NULL)
            OR (m.cleared_on IS NOT NULL
                AND m.learner NOT IN (SELECT c.learner FROM c WHERE c.learner IS NOT NULL
                                                              AND c.persisted >= r.fire_after)))
       -- a held learner's reason stays as it was
       AND m.learner NOT IN (SELECT c.learner FROM c WHERE c.held AND c.learner IS NOT NULL)
    RETURNING x.alert_id),
  fired AS MATERIALIZED (
    SELECT c.*, s.sev,
           r.risk_weight::float8 * learnalytics_internal.severity_factor(s.sev) * (1 + ln(c.persisted)) AS risk
      FROM c
     CROSS JOIN LATERAL (SELECT CASE WHEN c.persisted >= r.escalate_after THEN r.escalated_severity
                                     ELSE r.severity END AS sev) s
     WHERE c.persisted >= r.fire_after),
  added_r AS (
    INSERT INTO @extschema@.alert_reason (alert_id, rule_name, rule_version, family, template, course, severity,
                                          first_on, evaluated_on, value, baseline, ratio, persisted,
                                          risk_score, business_weight, detail)
    SELECT a.id, r.name, r.version, r.family, r.template, f.course, f.sev, day, day, f.value, f.baseline,
           f.ratio, f.persisted, f.risk, f.business_weight, f.detail
      FROM fired f
      -- a case opened on the day carries its lead's reason only: the others join from the next
      -- day, so that the order in which rules are evaluated on a day changes nothing but the lead
      -- (and evaluating a day again adds nothing)
      JOIN @extschema@.alert a ON a.learner = f.learner AND a.closed_at IS NULL AND a.opened_on < day
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.alert_reason x WHERE x.alert_id = a.id AND x.rule_name = r.name)
    ON CONFLICT ON CONSTRAINT alert_reason_pkey DO NOTHING
    RETURNING alert_id),
  ins AS (
    INSERT INTO @extschema@.alert (rule_name, rule_version, family, template, learner, course, severity,
                                   opened_on, evaluated_on, value, baseline, ratio, persisted,
                                   first_value, first_baseline, risk_score, business_weight, detail)
    SELECT r.name, r.version, r.family, r.template, f.learner, f.course, f.sev, day, day,
           f.value, f.baseline, f.ratio, f.persisted, f.value, f.baseline, f.risk, f.business_weight, f.detail
      FROM fired f
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.alert o WHERE o.learner = f.learner AND o.closed_at IS NULL)
       -- cooldown: no case with a reason of the rule's family closed within cooldown_days (nor
       -- opened on or after the day: evaluating a day again reopens nothing)
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert o JOIN @extschema@.alert_reason x ON x.alert_id = o.id
                        WHERE o.learner = f.learner AND x.family = r.family AND o.closed_at IS NOT NULL
                          AND (o.closed_on > day - r.cooldown_days OR o.opened_on >= day))
    ON CONFLICT (learner) WHERE closed_at IS NULL DO NOTHING
    RETURNING id, learner, course, severity, value, baseline, ratio, persisted, risk_score, business_weight, detail),
  lead_r AS (
    INSERT INTO @extschema@.alert_reason (alert_id, rule_name, rule_version, family, template, course, severity,
                                          first_on, evaluated_on, value, baseline, ratio, persisted,
                                          risk_score, business_weight, detail)
    SELECT i.id, r.name, r.version, r.family, r.template, i.course, i.severity, day, day, i.value, i.baseline,
           i.ratio, i.persisted, i.risk_score, i.business_weight, i.detail
      FROM ins i
    RETURNING alert_id)
  -- (clr, lead_r, sup_del and sup_ins run whether read or not)
  SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM added_r)
    INTO opened, updated, added;
  updated := updated + added;

  -- the cases this rule touched follow their reasons: severity the most severe current reason (never
  -- lowered), risk and business weight the largest, values those of the lead rule's reason
  UPDATE @extschema@.alert a
     SET severity = CASE WHEN g.sev IS NOT NULL
                          AND learnalytics_internal.severity_factor(g.sev) > learnalytics_internal.severity_factor(a.severity)
                         THEN g.sev ELSE a.severity END,
         risk_score = g.risk, business_weight = g.weight, evaluated_on = greatest(a.evaluated_on, g.evaluated),
         value = l.value, baseline = l.baseline, ratio = l.ratio, persisted = l.persisted, detail = l.detail
    FROM (SELECT x.alert_id,
                 (array_agg(x.severity ORDER BY learnalytics_internal.severity_factor(x.severity) DESC)
                    FILTER (WHERE x.cleared_on IS NULL))[1] AS sev,
                 max(x.risk_score) AS risk, max(x.business_weight) AS weight, max(x.evaluated_on) AS evaluated
            FROM @extschema@.alert_reason x
           WHERE x.alert_id IN (SELECT y.alert_id FROM @extschema@.alert_reason y
                                  JOIN @extschema@.alert o ON o.id = y.alert_id
                                 WHERE y.rule_name = r.name AND y.evaluated_on = day AND o.closed_at IS NULL)
           GROUP BY x.alert_id) g,
         @extschema@.alert_reason l
   WHERE a.id = g.alert_id AND l.alert_id = a.id AND l.rule_name = a.rule_name AND a.closed_at IS NULL
     AND (a.severity, a.risk_score, a.business_weight, a.evaluated_on, a.value, a.baseline, a.ratio, a.persisted, a.detail)
         IS DISTINCT FROM
         (CASE WHEN g.sev IS NOT NULL
                AND learnalytics_internal.severity_factor(g.sev) > learnalytics_internal.severity_factor(a.severity)
               THEN g.sev ELSE a.severity END,
          g.risk, g.weight, greatest(a.evaluated_on, g.evaluated), l.value, l.baseline, l.ratio, l.persisted, l.detail);

  resolved := learnalytics_internal.cases_close_cleared(day, r.tz, r.name);

  -- outcomes of every pending contact decided by now (never from the condition), then the ladder of
  -- the open cases this rule leads
  PERFORM learnalytics_internal.contact_outcomes_update(day);
  contacts := learnalytics_internal.ladder_advance(r, day);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate(text, timestamptz, boolean) IS
'evaluate one rule on the last complete day before as_of (rule time zone) for every enrolled learner: add, update and clear its reasons on the learners'' cases, open cases, close those all of whose reasons cleared, derive contact outcomes, advance the ladder (idempotent; a future as_of only when replaying)';

-- Evaluate every enabled rule (or the named ones). With every enabled rule (rules NULL), the
-- reasons of rules that are not enabled clear on their day, so that their cases can close.
CREATE FUNCTION @extschema@.rule_evaluate_all(as_of timestamptz DEFAULT pg_catalog.now(), rules text[] DEFAULT NULL,
    replaying boolean DEFAULT false,
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n text;
  d record;
BEGIN
  PERFORM learnalytics_internal.evaluation_day(as_of, 'UTC', replaying);
  IF rules IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'));
    FOR d IN SELECT ar.name, ar.tz, learnalytics_internal.evaluation_day(as_of, ar.tz, replaying) AS day
               FROM @extschema@.alert_rule ar
              WHERE NOT ar.enabled
                AND EXISTS (SELECT 1 FROM @extschema@.alert_reason x JOIN @extschema@.alert a ON a.id = x.alert_id
                             WHERE x.rule_name = ar.name AND x.cleared_on IS NULL AND a.closed_at IS NULL)
              ORDER BY ar.name
    LOOP
      UPDATE @extschema@.alert_reason x SET cleared_on = d.day, evaluated_on = d.day
        FROM @extschema@.alert a
       WHERE a.id = x.alert_id AND a.closed_at IS NULL AND x.rule_name = d.name AND x.cleared_on IS NULL
         AND x.evaluated_on <= d.day;
      PERFORM learnalytics_internal.cases_close_cleared(d.day, d.tz, d.name);
    END LOOP;
    -- a case still open whose lead rule is disabled follows, from now on, the rule of its earliest
    -- current reason of an enabled rule: the ladder runs per lead rule, so it would otherwise stay
    -- open without any further step (its contacts keep their steps; the new lead's ladder goes on)
    UPDATE @extschema@.alert a
       SET rule_name = x.rule_name, rule_version = x.rule_version, family = x.family, template = x.template
      FROM (SELECT DISTINCT ON (y.alert_id) y.alert_id, y.rule_name, y.rule_version, y.family, y.template
              FROM @extschema@.alert_reason y
              JOIN @extschema@.alert_rule ar ON ar.name = y.rule_name AND ar.enabled
             WHERE y.cleared_on IS NULL
             ORDER BY y.alert_id, y.first_on, y.rule_name) x
     WHERE a.id = x.alert_id AND a.closed_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert_rule lr WHERE lr.name = a.rule_name AND lr.enabled);
  END IF;
  FOR n IN SELECT ar.name FROM @extschema@.alert_rule ar
            WHERE (rules IS NULL AND ar.enabled) OR ar.name = ANY (rules)
            ORDER BY ar.name
  LOOP
    SELECT * INTO rule, day, opened, updated, resolved, contacts FROM @extschema@.rule_evaluate(n, as_of, replaying);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate_all(timestamptz, text[], boolean) IS
'evaluate every enabled rule (clearing the reasons of disabled ones) or the named rules on the last complete day before as_of; one row of counts per rule';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
GRANT EXECUTE ON FUNCTION learnalytics_internal.enrolled_sql(text),
  learnalytics_internal.rule_inputs_missing(@extschema@.alert_rule),
  learnalytics_internal.rule_inputs_present(@extschema@.alert_rule),
  learnalytics_internal.rule_candidates(@extschema@.alert_rule, date), @extschema@.rule_matches(text, date, jsonb),
  learnalytics_internal.rule_candidates_effective(@extschema@.alert_rule, date)
  TO learnalytics_analyst;
-- the engine and rule_matches read outage days through these views (the owner's rights on
-- quality_finding): analysts (and so admins) read them
GRANT SELECT ON learnalytics_internal.quality_outage_days, learnalytics_internal.quality_outlier_days,
  learnalytics_internal.alert_outage_days TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION @extschema@.rule_evaluate(text, timestamptz, boolean),
  @extschema@.rule_evaluate_all(timestamptz, text[], boolean),
  learnalytics_internal.evaluation_day(timestamptz, text, boolean),
  learnalytics_internal.cases_close_cleared(date, text, text)
  TO learnalytics_admin;

-- Job kind rule_evaluate_all (jobs.sql, doc/pg_cron.md): {"rules": ["name", ...]} or every enabled
-- rule, as of the time the job runs or of {"as_of": "<timestamptz>"} (not in the future). The named
-- rules must exist, when scheduled and when run.
CREATE FUNCTION learnalytics_internal.job_rule_evaluate_all(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('rule_evaluate_all', args, '{rules,as_of}');
  t       text := learnalytics_internal.job_arg_text('rule_evaluate_all', args, 'as_of');
  as_of   timestamptz;
  rules   text[];
  missing text;
  res     text;
BEGIN
  IF args ? 'rules' THEN
    IF jsonb_typeof(args -> 'rules') <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(args -> 'rules') e WHERE jsonb_typeof(e) <> 'string') THEN
      RAISE EXCEPTION 'job argument "rules" of kind rule_evaluate_all must be an array of rule names, not %',
        args -> 'rules'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    rules := ARRAY(SELECT jsonb_array_elements_text(args -> 'rules'));
    SELECT string_agg(format('"%s"', r), ', ') INTO missing FROM unnest(rules) r
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.alert_rule ar WHERE ar.name = r);
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'alert rule % does not exist', missing USING ERRCODE = 'undefined_object';
    END IF;
  END IF;
  IF t IS NOT NULL THEN
    BEGIN
      as_of := t::timestamptz;
    EXCEPTION WHEN data_exception THEN
      RAISE EXCEPTION 'job argument "as_of" of kind rule_evaluate_all must be a time, not "%"', t
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Give a timestamp with time zone, such as "2026-03-10 08:00+00".';
    END;
    -- finite, and not in the future (a job never replays)
    PERFORM learnalytics_internal.evaluation_day(as_of, 'UTC', false);
  END IF;
  IF validate_only THEN
    RETURN NULL;
  END IF;
  SELECT format('%s rules: %s opened, %s updated, %s resolved, %s contacts', count(*),
                coalesce(sum(e.opened), 0), coalesce(sum(e.updated), 0), coalesce(sum(e.resolved), 0),
                coalesce(sum(e.contacts), 0))
    INTO res
    FROM @extschema@.rule_evaluate_all(coalesce(as_of, now()), rules) e;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) IS
'job handler of kind rule_evaluate_all: check {"rules": [...], "as_of": "..."}, evaluate those (or every enabled) rules as of now or as_of';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('rule_evaluate_all', 'learnalytics_internal.job_rule_evaluate_all(jsonb)',
   'rule_evaluate_all(now(), rules): every enabled alert rule, or {"rules": ["name", ...]}; optional {"as_of": "<timestamptz>"}, not in the future');
GRANT EXECUTE ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) TO learnalytics_admin;
