
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

-- Who matches a rule (with overrides) on a day: rule_candidates for a rule name.
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
  RETURN QUERY SELECT * FROM learnalytics_internal.rule_candidates(@extschema@.rule_with_overrides(rule_name, overrides), day);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_matches(text, date, jsonb) IS
'the learners for whom a rule''s condition (with overrides) holds on a day, with the values and the days it has held (persisted >= fire_after: the rule fires); nothing written';

-- Evaluate one rule as of a time: update open alerts, open new ones (fire_after reached, no open
-- alert of the family, not in cooldown), resolve those whose condition cleared, advance the ladder.
-- Idempotent: the same evaluation again changes nothing. Concurrent evaluations of a family queue
-- on an advisory lock; the unique index keeps one open alert per learner and family regardless.
CREATE FUNCTION @extschema@.rule_evaluate(rule_name text, as_of timestamptz DEFAULT pg_catalog.now(),
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule;
BEGIN
  SELECT * INTO r FROM @extschema@.alert_rule ar WHERE ar.name = rule_evaluate.rule_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%" does not exist', rule_name USING ERRCODE = 'undefined_object';
  END IF;
  IF as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  rule := r.name;
  day := (as_of AT TIME ZONE r.tz)::date;
  -- inputs missing (a WARNING says which): no alert is opened, and none is resolved or escalated,
  -- since the condition is unknown rather than cleared
  IF NOT learnalytics_internal.rule_inputs_present(r) THEN
    opened := 0; updated := 0; resolved := 0; contacts := 0;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'), hashtext(r.family));

  WITH c AS MATERIALIZED (SELECT * FROM learnalytics_internal.rule_candidates(r, day)),
  upd AS (
    UPDATE @extschema@.alert a
       SET evaluated_on = day, value = c.value, baseline = c.baseline, ratio = c.ratio,
           persisted = c.persisted, detail = c.detail, business_weight = c.business_weight,
           severity = CASE WHEN c.persisted >= r.escalate_after
                            AND learnalytics_internal.severity_factor(r.escalated_severity) > learnalytics_internal.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END,
           risk_score = r.risk_weight::float8
                        * learnalytics_internal.severity_factor(CASE WHEN c.persisted >= r.escalate_after
                            AND learnalytics_internal.severity_factor(r.escalated_severity) > learnalytics_internal.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END)
                        * (1 + ln(c.persisted))
      FROM c
     WHERE a.learner = c.learner AND a.family = r.family AND a.rule_name = r.name
       AND a.closed_at IS NULL AND a.evaluated_on <= day
    RETURNING a.id),
  res AS (
    UPDATE @extschema@.alert a
       SET status = 'resolved', closed_on = day, closed_at = now(), close_reason = 'condition_cleared',
           evaluated_on = day
     WHERE a.family = r.family AND a.rule_name = r.name AND a.closed_at IS NULL AND a.evaluated_on <= day
       -- a hashed subplan whatever the estimates (an anti join planned from stale statistics on
       -- alert can become a nested loop over the candidates: quadratic)
       AND a.learner NOT IN (SELECT c.learner FROM c WHERE c.learner IS NOT NULL)
    RETURNING a.id),
  ins AS (
    INSERT INTO @extschema@.alert (rule_name, rule_version, family, template, learner, course, severity,
                                   opened_on, evaluated_on, value, baseline, ratio, persisted,
                                   first_value, first_baseline, risk_score, business_weight, detail)
    SELECT r.name, r.version, r.family, r.template, c.learner, c.course, s.sev, day, day,
           c.value, c.baseline, c.ratio, c.persisted, c.value, c.baseline,
           r.risk_weight::float8 * learnalytics_internal.severity_factor(s.sev) * (1 + ln(c.persisted)),
           c.business_weight, c.detail
      FROM c
     CROSS JOIN LATERAL (SELECT CASE WHEN c.persisted >= r.escalate_after THEN r.escalated_severity
                                     ELSE r.severity END AS sev) s
     WHERE c.persisted >= r.fire_after
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert o
                        WHERE o.learner = c.learner AND o.family = r.family
                          AND (o.closed_at IS NULL OR o.closed_on > day - r.cooldown_days
                               OR o.opened_on >= day))
    ON CONFLICT (learner, family) WHERE closed_at IS NULL DO NOTHING
    RETURNING id)
  SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM res)
    INTO opened, updated, resolved;

  -- contacts of resolved alerts still pending: the learner came back
  UPDATE @extschema@.alert_contact c SET outcome = 're_engaged', outcome_on = day
    FROM @extschema@.alert a
   WHERE c.alert_id = a.id AND a.rule_name = r.name AND a.closed_on = day
     AND a.close_reason = 'condition_cleared' AND c.outcome = 'pending';

  contacts := learnalytics_internal.ladder_advance(r, day);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate(text, timestamptz) IS
'evaluate one rule as of a time for every enrolled learner: open, update and resolve alerts, advance the ladder (idempotent)';

CREATE FUNCTION @extschema@.rule_evaluate_all(as_of timestamptz DEFAULT pg_catalog.now(), rules text[] DEFAULT NULL,
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n text;
BEGIN
  FOR n IN SELECT ar.name FROM @extschema@.alert_rule ar
            WHERE (rules IS NULL AND ar.enabled) OR ar.name = ANY (rules)
            ORDER BY ar.name
  LOOP
    SELECT * INTO rule, day, opened, updated, resolved, contacts FROM @extschema@.rule_evaluate(n, as_of);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate_all(timestamptz, text[]) IS
'evaluate every enabled rule (or the named ones) as of a time; one row of counts per rule';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
GRANT EXECUTE ON FUNCTION learnalytics_internal.enrolled_sql(text),
  learnalytics_internal.rule_inputs_missing(@extschema@.alert_rule),
  learnalytics_internal.rule_inputs_present(@extschema@.alert_rule),
  learnalytics_internal.rule_candidates(@extschema@.alert_rule, date), @extschema@.rule_matches(text, date, jsonb)
  TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION @extschema@.rule_evaluate(text, timestamptz), @extschema@.rule_evaluate_all(timestamptz, text[])
  TO learnalytics_admin;

-- Job kind rule_evaluate_all (jobs.sql, doc/pg_cron.md): {"rules": ["name", ...]} or every enabled
-- rule, as of the time the job runs. The named rules must exist, when scheduled and when run.
CREATE FUNCTION learnalytics_internal.job_rule_evaluate_all(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('rule_evaluate_all', args, '{rules}');
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
  IF validate_only THEN
    RETURN NULL;
  END IF;
  SELECT format('%s rules: %s opened, %s updated, %s resolved, %s contacts', count(*),
                coalesce(sum(e.opened), 0), coalesce(sum(e.updated), 0), coalesce(sum(e.resolved), 0),
                coalesce(sum(e.contacts), 0))
    INTO res
    FROM @extschema@.rule_evaluate_all(now(), rules) e;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) IS
'job handler of kind rule_evaluate_all: check {"rules": [...]}, evaluate those (or every enabled) rules as of now';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('rule_evaluate_all', 'learnalytics_internal.job_rule_evaluate_all(jsonb)',
   'rule_evaluate_all(now(), rules): every enabled alert rule, or {"rules": ["name", ...]}');
GRANT EXECUTE ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) TO learnalytics_admin;
