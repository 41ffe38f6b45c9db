
-------------------------------------------------------------------------------
-- risk_alerts: the churn-risk template, the coach queue's probability and the withdrawal forecast
-- (doc/alerts.md "Churn-risk template", doc/dashboards.md "risk_forecast")
--
-- The model's scores come from risk_score and risk_score_days (risk_model.sql): everything here
-- calls them, with the caller's rights, and never recomputes a probability.
-------------------------------------------------------------------------------

-- The active risk model the rule engine and the coach queue use: the active row of risk_model
-- (risk_model_activate); when rows of several names are active, the one activated... created last
-- wins (created_at, then name, then version), so that a second name switched on takes over without
-- the first being switched off. NULLs when no model is active.
CREATE FUNCTION learnalytics_internal.active_risk_model(OUT name text, OUT version integer, OUT horizon_days integer)
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT m.name, m.version, m.horizon_days INTO name, version, horizon_days
    FROM @extschema@.risk_model m
   WHERE m.active
   ORDER BY m.created_at DESC, m.name, m.version DESC
   LIMIT 1;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.active_risk_model() IS
'the active risk model (name, version, horizon_days): the one created last among the active rows of risk_model; NULLs when none is active';

-- churn_risk ----------------------------------------------------------------------
-- The calibrated probability of the active model (risk_score) as of the day at least the rule's
-- threshold; persisted = consecutive days, ending on the day, on which it was (risk_score_days for
-- the k - 1 days before, k = max(fire_after, escalate_after), so persisted is at most k). No
-- active model: a WARNING (02000, as for a template's missing inputs) and no candidate; an error
-- if the rule has open alerts.
CREATE FUNCTION learnalytics_internal.candidates_churn_risk(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m record;
  k integer := greatest(r.fire_after, r.escalate_after);
BEGIN
  SELECT * INTO m FROM learnalytics_internal.active_risk_model();
  IF m.name IS NULL THEN
    -- open alerts would all be resolved as "condition cleared" (and their pending contacts counted
    -- as re-engaged) by an evaluation that finds nobody: refuse rather than record that
    IF EXISTS (SELECT 1 FROM @extschema@.alert a WHERE a.rule_name = r.name AND a.closed_at IS NULL) THEN
      RAISE EXCEPTION 'alert rule "%": no active risk model, and the rule has open alerts', r.name
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'Evaluating it would close them as if every learner had recovered.',
              HINT = 'Activate a model (risk_model_activate), or disable the rule and dismiss its alerts.';
    END IF;
    RAISE WARNING 'alert rule "%": no active risk model; it does not fire', r.name
      USING ERRCODE = '02000',
            DETAIL = format('Template %s reads the probability of the active model of risk_model, and none is active.', r.template),
            HINT = 'Train a model (risk_model_train) and activate it (risk_model_activate); or disable the rule.';
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    $q$WITH enr AS %2$s,
    s AS (SELECT s.learner, s.course, s.probability, s.reasons
            FROM %1$I.risk_score($3, $2, ($1).course, $4) s
           WHERE s.probability >= ($1).threshold),
    past AS (%3$s),
    run AS (SELECT p.learner, p.course,
                   count(*) FILTER (WHERE p.day = $2 - p.rn::integer) AS n
              FROM (SELECT p.*, row_number() OVER (PARTITION BY p.learner, p.course ORDER BY p.day DESC) AS rn
                      FROM past p) p
             GROUP BY p.learner, p.course)
    SELECT DISTINCT ON (s.learner) s.learner, s.course, s.probability, NULL::float8, NULL::float8,
           (1 + coalesce(run.n, 0))::integer, e.business_weight,
           jsonb_build_object('model', $3, 'version', $4, 'probability', s.probability, 'reasons', s.reasons)
      FROM s
      JOIN enr e ON e.learner = s.learner AND e.course = s.course
      LEFT JOIN run ON run.learner = s.learner AND run.course = s.course
     ORDER BY s.learner, s.probability DESC, e.business_weight DESC, s.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql('$2'),
    CASE WHEN k > 1
         THEN format($p$SELECT d.learner, d.course, d.day FROM %I.risk_score_days($3, $2 - $5 + 1, $2 - 1, ($1).course, $4, 1) d
                         WHERE d.probability >= ($1).threshold$p$, learnalytics_internal.extension_schema())
         ELSE 'SELECT NULL::text AS learner, NULL::text AS course, NULL::date AS day WHERE false' END)
  USING r, day, m.name, m.version, k;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_churn_risk(@extschema@.alert_rule, date) IS
'candidates of the churn_risk template: enrolled learners whose probability under the active risk model is at least threshold, with the consecutive days it has been';

-- Replay in one pass: the model scored once over the period (risk_score_days) rather than the
-- candidates day by day (each of which scores k days). An alert is the first day of a run of days
-- with probability >= threshold on which the run reaches fire_after days, as rule_replay_alerts
-- defines it; persisted is then fire_after.
CREATE FUNCTION learnalytics_internal.replay_churn_risk(r @extschema@.alert_rule, from_day date, to_day date,
    OUT day date, OUT learner text, OUT course text, OUT value float8, OUT baseline float8,
    OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m record;
BEGIN
  SELECT * INTO m FROM learnalytics_internal.active_risk_model();
  IF m.name IS NULL THEN
    RAISE WARNING 'alert rule "%": no active risk model; it does not fire', r.name
      USING ERRCODE = '02000',
            DETAIL = format('Template %s reads the probability of the active model of risk_model, and none is active.', r.template),
            HINT = 'Train a model (risk_model_train) and activate it (risk_model_activate); or disable the rule.';
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format(
    $q$WITH enr AS %2$s,
    hit AS (SELECT d.learner, d.course, d.day, d.probability,
                   d.day - (row_number() OVER (PARTITION BY d.learner, d.course ORDER BY d.day))::integer AS island
              FROM %1$I.risk_score_days($4, $2 - ($1).fire_after, $3, ($1).course, $5, 1) d
              JOIN enr e ON e.learner = d.learner AND e.course = d.course
                        AND e.enrolled_day <= d.day AND (e.left_day IS NULL OR e.left_day > d.day)
             WHERE d.probability >= ($1).threshold),
    fire AS (SELECT h.*, min(h.day) OVER (PARTITION BY h.learner, h.course, h.island) + ($1).fire_after - 1 AS fire_day
               FROM hit h)
    SELECT DISTINCT ON (f.learner, f.day) f.day, f.learner, f.course, f.probability, NULL::float8, NULL::float8,
           ($1).fire_after
      FROM fire f
     WHERE f.day = f.fire_day AND f.day BETWEEN $2 AND $3
     ORDER BY f.learner, f.day, f.probability DESC, f.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql())
  USING r, from_day, to_day, m.name, m.version;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.replay_churn_risk(@extschema@.alert_rule, date, date) IS
'replay of the churn_risk template: the active model scored once over the period, alerts on the day a run above threshold reaches fire_after days';

INSERT INTO @extschema@.alert_template (name, parameters, max_escalate_after, candidates, replay, description, builtin) VALUES
  ('churn_risk', '{threshold}', 30,
   'learnalytics_internal.candidates_churn_risk(@extschema@.alert_rule, date)',
   'learnalytics_internal.replay_churn_risk(@extschema@.alert_rule, date, date)',
   'the active risk model''s calibrated probability of withdrawal within its horizon at least threshold', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, threshold, fire_after, escalate_after,
    severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days, description, builtin)
VALUES ('churn_risk', 'churn_risk', 'churn_risk', false, 0.5, 1, 3, 'low', 'high', 7,
   '{in_app_nudge,quick_tip,coach_outreach}', '{1,2,3}', 1,
   'probability of withdrawal (active risk model) at least 50%: in-app nudge, then a quick tip; coach outreach if it stays 3 days. Set the threshold from the model''s calibration and evaluation', true);

-- Coach queue priority -----------------------------------------------------------------
-- The priority of every coach-required alert, for coach_queue (dashboards.sql) and
-- coach_assign_cases (alert_delivery.sql), so that the rank shown is the order of assignment. With
-- an active risk model (active_risk_model's choice), a case whose learner and course it scored
-- (risk_score_current, the last risk_model_refresh) is ranked by the calibrated probability x the
-- business weight; any other case, and every case when no model is active, by the rule heuristic
-- risk_score x business weight. Scored cases come first: the two scales are not comparable (a
-- probability is at most 1, the heuristic at least the rule's risk weight), and a case the model
-- did not score is one it cannot vouch for. Written out rather than calling active_risk_model():
-- coach_queue runs with its owner's rights on tables, but functions run as the reader.
CREATE VIEW learnalytics_internal.coach_case_priority AS
SELECT a.id AS alert_id, s.probability AS churn_probability, s.day AS churn_scored_on,
       s.model AS churn_model, s.version AS churn_model_version,
       CASE WHEN s.probability IS NOT NULL THEN 'churn_probability' ELSE 'risk_score' END AS priority_basis,
       CASE WHEN s.probability IS NOT NULL THEN s.probability * a.business_weight::float8
            ELSE a.risk_score * a.business_weight::float8 END AS priority,
       s.probability IS NOT NULL AS scored
FROM @extschema@.alert a
LEFT JOIN (SELECT c.* FROM learnalytics_internal.risk_score_current c
            WHERE (c.model, c.version) = (SELECT m.name, m.version FROM @extschema@.risk_model m WHERE m.active
                                           ORDER BY m.created_at DESC, m.name, m.version DESC LIMIT 1)) s
       ON s.learner = a.learner AND s.course = a.course
WHERE a.status = 'coach_required';
COMMENT ON VIEW learnalytics_internal.coach_case_priority IS
'per coach-required alert: its priority, the active risk model''s probability x business weight when it scored the learner and course, else risk score x business weight (priority_basis); scored cases rank first';

-- risk_forecast -----------------------------------------------------------------
-- Expected withdrawals per course and week: the learners at risk on the week's first day (from_day +
-- 7k) and the sum of their probabilities of withdrawing within the model's horizon, with a 95%
-- interval from the normal approximation of the Poisson-binomial sum (variance sum p(1 - p)); given
-- outcomes, the learners among them who withdrew within the horizon.
CREATE FUNCTION @extschema@.risk_forecast(model text, from_day date, to_day date, course_name text DEFAULT NULL,
    version integer DEFAULT NULL, outcomes regclass DEFAULT NULL, horizon_days integer DEFAULT NULL,
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', tz text DEFAULT 'UTC',
    OUT course text, OUT week date, OUT horizon_end date, OUT learners bigint,
    OUT expected_withdrawals float8, OUT expected_low float8, OUT expected_high float8,
    OUT actual_withdrawals bigint, OUT model_version integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mh      integer;
  oday    text;
  started timestamptz := clock_timestamp();
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR from_day > to_day OR NOT isfinite(from_day) OR NOT isfinite(to_day)
     OR to_day - from_day > 3660 THEN
    RAISE EXCEPTION 'risk_forecast needs from_day <= to_day, finite, at most 10 years apart'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the version given, else the active one of the name, else its latest (as risk_score)
  SELECT m.version, m.horizon_days INTO model_version, mh
    FROM learnalytics_internal.risk_model_get(model, version, 'risk_forecast') m;
  IF horizon_days IS NOT NULL AND horizon_days <> mh THEN
    RAISE EXCEPTION 'risk_forecast: horizon_days % is not the horizon of model "%" version % (% days)',
                    horizon_days, model, model_version, mh
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The model''s probabilities are of a withdrawal within its own horizon.',
            HINT = 'Leave horizon_days NULL, or train a model with the horizon you want.';
  END IF;

  IF to_regclass('pg_temp.la_forecast_scores') IS NULL THEN
    CREATE TEMP TABLE la_forecast_scores (learner text, course text, day date, probability float8) ON COMMIT DROP;
    CREATE TEMP TABLE la_forecast_out (learner text, dropout_day date, end_day date) ON COMMIT DROP;
  END IF;
  TRUNCATE la_forecast_scores, la_forecast_out;
  INSERT INTO la_forecast_scores
  SELECT s.learner, s.course, s.day, s.probability
    FROM @extschema@.risk_score_days(model, from_day, to_day, course_name, model_version, 7) s;
  PERFORM learnalytics_internal.progress_notice('risk_forecast', 'learner-weeks scored',
                                                (SELECT count(*) FROM la_forecast_scores), started);

  IF outcomes IS NOT NULL THEN
    PERFORM learnalytics_internal.require_trusted_relation(outcomes, 'risk_forecast outcomes');
    PERFORM learnalytics_internal.require_column(outcomes, 'learner', NULL, 'risk_forecast outcomes');
    PERFORM learnalytics_internal.require_column(outcomes, 'outcome', NULL, 'risk_forecast outcomes');
    IF learnalytics_internal.require_column(outcomes, 'outcome_at', 'time', 'risk_forecast outcomes')
       = 'timestamptz'::regtype THEN
      oday := format('(o.outcome_at AT TIME ZONE %L)::date', tz);
    ELSE
      oday := '(o.outcome_at)::date';
    END IF;
    EXECUTE format(
      $q$INSERT INTO la_forecast_out
         SELECT (o.learner)::text, min(%1$s) FILTER (WHERE lower((o.outcome)::text) = ANY ($1)), min(%1$s)
           FROM %2$s o WHERE o.learner IS NOT NULL AND %1$s IS NOT NULL GROUP BY 1$q$,
      oday, outcomes)
    USING (SELECT array_agg(lower(v)) FROM unnest(dropout_values) v);
  END IF;

  RETURN QUERY
  SELECT s.course, s.day, s.day + mh, count(*),
         sum(s.probability),
         greatest(0, sum(s.probability) - 1.96 * sqrt(sum(s.probability * (1 - s.probability)))),
         sum(s.probability) + 1.96 * sqrt(sum(s.probability * (1 - s.probability))),
         CASE WHEN outcomes IS NOT NULL
              THEN count(*) FILTER (WHERE o.dropout_day > s.day AND o.dropout_day <= s.day + mh) END,
         model_version
    FROM la_forecast_scores s
    LEFT JOIN la_forecast_out o ON o.learner = s.learner
   WHERE o.end_day IS NULL OR o.end_day > s.day   -- an outcome ends the learner's days at risk
   GROUP BY s.course, s.day
   ORDER BY s.course, s.day;
END
$$;
COMMENT ON FUNCTION @extschema@.risk_forecast(text, date, date, text, integer, regclass, integer, text[], text) IS
'per course and week (from from_day): learners at risk, expected withdrawals within the model''s horizon (sum of probabilities) with a 95% interval, and given outcomes the actual withdrawals';

-- Privileges (doc/roles.md). Evaluation (admin) and replay and rule_matches (analysts) call the
-- template functions with the caller's rights; the forecast reads what scoring reads (analysts).
GRANT EXECUTE ON FUNCTION
  learnalytics_internal.active_risk_model(),
  learnalytics_internal.candidates_churn_risk(@extschema@.alert_rule, date),
  learnalytics_internal.replay_churn_risk(@extschema@.alert_rule, date, date),
  @extschema@.risk_forecast(text, date, date, text, integer, regclass, integer, text[], text)
TO learnalytics_analyst;
-- coach_assign_cases (admin) ranks the cases by it; coach_queue reads it with its owner's rights
GRANT SELECT ON learnalytics_internal.coach_case_priority TO learnalytics_admin;
