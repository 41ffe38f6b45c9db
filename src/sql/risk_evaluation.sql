
-------------------------------------------------------------------------------
-- risk_evaluation: evaluating scores and alerts against outcomes, and the bias report (doc/risk_evaluation.md)
-------------------------------------------------------------------------------
-- Shared by rule_replay (alert_replay.sql) and the prediction_* functions: the alert metrics
-- (per-alert precision, base rate, lift, recall, lead time) are computed in ONE place,
-- learnalytics_internal.alert_quality, from three temporary tables its callers fill:
--   la_eval_pop    (learner, risk_days, followed_days): per learner of the population, the learner-days
--                  at risk in the period and those followed by dropout within the horizon
--   la_eval_alerts (learner, day): the alerts of the period
--   la_eval_out    (learner, dropout_day, end_day): first dropout day, first outcome day
-- rule_replay fills la_eval_pop from enrolment intervals, prediction_evaluate from its rows.

-- Wilson score interval (95%) of a proportion x / n; NULLs when n = 0.
CREATE FUNCTION learnalytics_internal.wilson_interval(x float8, n float8, OUT low float8, OUT high float8)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN n > 0 THEN greatest(0, (p + z2 / (2 * n) - h) / (1 + z2 / n)) END,
         CASE WHEN n > 0 THEN least(1, (p + z2 / (2 * n) + h) / (1 + z2 / n)) END
    FROM (SELECT x / NULLIF(n, 0) AS p, 1.959963984540054::float8 ^ 2 AS z2) c,
         LATERAL (SELECT 1.959963984540054 * sqrt(greatest(0, c.p * (1 - c.p) / n + c.z2 / (4 * n * n))) AS h) hh
$$;
COMMENT ON FUNCTION learnalytics_internal.wilson_interval(float8, float8) IS
'Wilson score 95% interval of the proportion x/n (NULLs when n = 0)';

-- A Poisson(1) bootstrap weight from a hash of (key, replicate, seed): deterministic, no random().
-- The uniform is the low 52 bits of hashint8extended(hashtextextended(key, seed) XOR replicate, seed);
-- the weight its inverse Poisson(1) CDF.
-- (alert_quality inlines the same expression, for speed.)
CREATE FUNCTION learnalytics_internal.poisson_weight(key text, replicate integer, seed integer)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN u < 0.36787944117144233 THEN 0 WHEN u < 0.7357588823428847 THEN 1
              WHEN u < 0.9196986029286058 THEN 2 WHEN u < 0.9810118431238462 THEN 3
              WHEN u < 0.9963401531726563 THEN 4 WHEN u < 0.9994058151824183 THEN 5
              WHEN u < 0.9999167588507586 THEN 6 WHEN u < 0.9999898508833759 THEN 7
              WHEN u < 0.9999989750412127 THEN 8 ELSE 9 END
    FROM (SELECT (hashint8extended(hashtextextended(key, seed) # replicate, seed) & 4503599627370495)::float8
                 / 4503599627370496 AS u) h
$$;
COMMENT ON FUNCTION learnalytics_internal.poisson_weight(text, integer, integer) IS
'deterministic Poisson(1) bootstrap weight of a key in a replicate, from a hash and a seed (no random())';

-- The verdict in words from the lift and its interval.
CREATE FUNCTION learnalytics_internal.lift_verdict(lift float8, low float8, high float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN lift IS NULL THEN 'cannot tell: no alert, or no dropout at risk in the period'
    WHEN lift < 1 OR low <= 1 THEN
      pg_catalog.format('no better than chance: lift %s%s', pg_catalog.round(lift::numeric, 2),
        CASE WHEN low IS NULL THEN ' (no interval)'
             ELSE pg_catalog.format(' (95%% CI %s-%s)', pg_catalog.round(low::numeric, 2), pg_catalog.round(high::numeric, 2)) END)
    WHEN low IS NULL THEN
      pg_catalog.format('lift %s, no interval to tell it from chance', pg_catalog.round(lift::numeric, 2))
    ELSE pg_catalog.format('better than chance: lift %s (95%% CI %s-%s)', pg_catalog.round(lift::numeric, 2),
                           pg_catalog.round(low::numeric, 2), pg_catalog.round(high::numeric, 2)) END
$$;
COMMENT ON FUNCTION learnalytics_internal.lift_verdict(float8, float8, float8) IS
'"better than chance" or "no better than chance" (lift below 1 or its interval reaching 1), in words';

-- The temporary tables of the shared core, created on first use in the transaction, emptied.
CREATE FUNCTION learnalytics_internal.eval_tables()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regclass('pg_temp.la_eval_pop') IS NULL THEN
    CREATE TEMP TABLE la_eval_pop (learner text, risk_days bigint, followed_days bigint) ON COMMIT DROP;
    CREATE TEMP TABLE la_eval_alerts (learner text, day date) ON COMMIT DROP;
    CREATE TEMP TABLE la_eval_out (learner text PRIMARY KEY, dropout_day date, end_day date) ON COMMIT DROP;
  END IF;
  TRUNCATE la_eval_pop, la_eval_alerts, la_eval_out;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.eval_tables() IS
'create (once per transaction) and empty the temporary tables of alert_quality';

-- Fill la_eval_out from an outcomes relation (learner, outcome, outcome_at: date, timestamp or
-- timestamptz, the last read in time zone tz): first dropout day and first outcome day per learner.
CREATE FUNCTION learnalytics_internal.eval_load_outcomes(outcomes regclass, dropout_values text[], tz text,
    what text, learner_column name DEFAULT 'learner', outcome_column name DEFAULT 'outcome',
    time_column name DEFAULT 'outcome_at')
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oday text;
BEGIN
  IF outcomes IS NULL THEN
    RAISE EXCEPTION '%: outcomes must not be null', what USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF dropout_values IS NULL OR cardinality(dropout_values) = 0 THEN
    RAISE EXCEPTION '%: dropout_values must name at least one outcome', what USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(outcomes, what || ' outcomes');
  PERFORM learnalytics_internal.require_column(outcomes, learner_column, NULL, what || ' outcomes');
  PERFORM learnalytics_internal.require_column(outcomes, outcome_column, NULL, what || ' outcomes');
  IF learnalytics_internal.require_column(outcomes, time_column, 'time', what || ' outcomes') = 'timestamptz'::regtype THEN
    PERFORM now() AT TIME ZONE tz;   -- a bad time zone fails here, before the query
    oday := format('(o.%I AT TIME ZONE %L)::date', time_column, tz);
  ELSE
    oday := format('(o.%I)::date', time_column);
  END IF;
  EXECUTE format(
    $q$INSERT INTO la_eval_out
       SELECT (o.%1$I)::text, min(%3$s) FILTER (WHERE lower((o.%2$I)::text) = ANY ($1)), min(%3$s)
         FROM %4$s o WHERE o.%1$I IS NOT NULL AND %3$s IS NOT NULL GROUP BY 1$q$,
    learner_column, outcome_column, oday, outcomes)
  USING (SELECT array_agg(lower(v)) FROM unnest(dropout_values) v);
  ANALYZE la_eval_out;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.eval_load_outcomes(regclass, text[], text, text, name, name, name) IS
'fill la_eval_out from an outcomes relation: first dropout day and first outcome day per learner';

-- The alert metrics, from la_eval_pop, la_eval_alerts and la_eval_out (definitions: doc/alerts.md
-- "Replay", doc/risk_evaluation.md). Alerts on or after a learner's first outcome day are left out.
-- The lift interval: Poisson(1) bootstrap by learner (the learner's alerts and days at risk move
-- together), bootstrap replicates, weights from a hash of (learner, replicate, seed); 95% percentile
-- interval of the replicates where the lift is defined.
CREATE FUNCTION learnalytics_internal.alert_quality(from_day date, to_day date, horizon_days integer,
    bootstrap integer, seed integer,
    OUT learners bigint, OUT learner_days bigint, OUT positive_days bigint, OUT dropouts bigint,
    OUT dropouts_alerted bigint, OUT alerts bigint, OUT alerted_learners bigint,
    OUT learner_precision float8, OUT "precision" float8, OUT recall float8, OUT lift float8,
    OUT lift_low float8, OUT lift_high float8, OUT lead_time_mean float8, OUT lead_time_median float8,
    OUT base_rate float8, OUT verdict text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  started timestamptz := clock_timestamp();
BEGIN
  ANALYZE la_eval_pop;
  ANALYZE la_eval_alerts;
  WITH al AS (   -- alerts while the learner was still at risk (before any outcome)
    SELECT a.day, a.learner,
           (o.dropout_day > a.day AND o.dropout_day <= a.day + horizon_days) AS followed
      FROM la_eval_alerts a LEFT JOIN la_eval_out o ON o.learner = a.learner
     WHERE o.end_day IS NULL OR a.day < o.end_day
  ), drops AS (   -- dropouts during the period, and the earliest alert in the horizon before each
    SELECT o.learner, o.dropout_day, min(a.day) AS first_alert
      FROM la_eval_out o JOIN la_eval_pop p ON p.learner = o.learner
      LEFT JOIN la_eval_alerts a ON a.learner = o.learner AND a.day < o.dropout_day
                                AND a.day >= o.dropout_day - horizon_days
     WHERE o.dropout_day > from_day AND o.dropout_day <= to_day
     GROUP BY o.learner, o.dropout_day
  )
  SELECT (SELECT count(*) FROM la_eval_pop),
         (SELECT sum(p.risk_days) FROM la_eval_pop p),
         (SELECT sum(p.followed_days) FROM la_eval_pop p),
         (SELECT count(*) FROM drops),
         (SELECT count(*) FROM drops WHERE first_alert IS NOT NULL),
         (SELECT count(*) FROM al),
         (SELECT count(DISTINCT learner) FROM al),
         (SELECT count(DISTINCT learner) FILTER (WHERE followed)::float8 / NULLIF(count(DISTINCT learner), 0) FROM al),
         (SELECT avg(dropout_day - first_alert)::float8 FROM drops WHERE first_alert IS NOT NULL),
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY dropout_day - first_alert) FROM drops WHERE first_alert IS NOT NULL),
         (SELECT count(*) FILTER (WHERE followed)::float8 / NULLIF(count(*), 0) FROM al)
    INTO learners, learner_days, positive_days, dropouts, dropouts_alerted, alerts, alerted_learners,
         learner_precision, lead_time_mean, lead_time_median, "precision";
  base_rate := positive_days::float8 / NULLIF(learner_days, 0);
  recall := dropouts_alerted::float8 / NULLIF(dropouts, 0);
  lift := "precision" / NULLIF(base_rate, 0);

  IF bootstrap > 0 AND lift IS NOT NULL THEN
    WITH per AS (   -- per learner: alerts, alerts followed, days at risk, days followed
      SELECT u.learner, sum(u.a) AS a, sum(u.af) AS af, sum(u.rd) AS rd, sum(u.fd) AS fd
        FROM (SELECT p.learner, 0 AS a, 0 AS af, p.risk_days AS rd, p.followed_days AS fd FROM la_eval_pop p
              UNION ALL
              SELECT a.learner, 1, CASE WHEN o.dropout_day > a.day AND o.dropout_day <= a.day + horizon_days THEN 1 ELSE 0 END, 0, 0
                FROM la_eval_alerts a LEFT JOIN la_eval_out o ON o.learner = a.learner
               WHERE o.end_day IS NULL OR a.day < o.end_day) u
       GROUP BY u.learner
    ), hp AS (
      SELECT per.*, hashtextextended(per.learner, seed) AS h FROM per
    ), rep AS (
      SELECT b.b, (sum(w.w * hp.af::float8) / NULLIF(sum(w.w * hp.a::float8), 0))
                  / NULLIF(sum(w.w * hp.fd::float8) / NULLIF(sum(w.w * hp.rd::float8), 0), 0) AS lift
        FROM hp CROSS JOIN generate_series(1, bootstrap) b(b)
        CROSS JOIN LATERAL (   -- learnalytics_internal.poisson_weight(hp.learner, b.b, seed), inlined
          SELECT CASE WHEN h.u < 0.36787944117144233 THEN 0 WHEN h.u < 0.7357588823428847 THEN 1
                      WHEN h.u < 0.9196986029286058 THEN 2 WHEN h.u < 0.9810118431238462 THEN 3
                      WHEN h.u < 0.9963401531726563 THEN 4 WHEN h.u < 0.9994058151824183 THEN 5
                      WHEN h.u < 0.9999167588507586 THEN 6 WHEN h.u < 0.9999898508833759 THEN 7
                      WHEN h.u < 0.9999989750412127 THEN 8 ELSE 9 END AS w
            FROM (SELECT (hashint8extended(hp.h # b.b, seed) & 4503599627370495)::float8 / 4503599627370496 AS u) h) w
       GROUP BY b.b
    )
    SELECT percentile_cont(0.025) WITHIN GROUP (ORDER BY rep.lift), percentile_cont(0.975) WITHIN GROUP (ORDER BY rep.lift)
      INTO lift_low, lift_high
      FROM rep WHERE rep.lift IS NOT NULL;
    PERFORM learnalytics_internal.progress_notice('alert quality', 'bootstrap replicates', bootstrap::bigint, started,
                                                  format('replicates of %s learners', learners));
  END IF;
  verdict := learnalytics_internal.lift_verdict(lift, lift_low, lift_high);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.alert_quality(date, date, integer, integer, integer) IS
'alert metrics (per-alert precision, base rate, lift with a learner bootstrap interval, recall, lead time) from the la_eval_* temporary tables; shared by rule_replay and prediction_evaluate';

-- Checks shared by the prediction_* functions; fills pg_temp.la_eval_pred (learner, day, score,
-- alerted, label) with the learner-days of predictions at risk (before the learner's first outcome
-- day), and la_eval_out.
CREATE FUNCTION learnalytics_internal.eval_load_predictions(predictions regclass, outcomes regclass,
    horizon_days integer, capacity_per_week integer, dropout_values text[], tz text, what text,
    need_alerts boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  typ       regtype;
  alerted_expr text := 'NULL::boolean';
  bad       record;
  d0        date;
BEGIN
  IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: horizon_days must be between 1 and 366', what USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF capacity_per_week IS NOT NULL AND capacity_per_week < 1 THEN
    RAISE EXCEPTION '%: capacity_per_week must be positive', what USING ERRCODE = 'invalid_parameter_value',
      DETAIL = format('capacity_per_week is %s.', capacity_per_week),
      HINT = 'Give the number of learners the team can contact per week, or NULL to use the "alerted" column.';
  END IF;
  IF predictions IS NULL THEN
    RAISE EXCEPTION '%: predictions must not be null', what USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(predictions, what || ' predictions');
  PERFORM learnalytics_internal.require_column(predictions, 'learner', NULL, what || ' predictions');
  typ := learnalytics_internal.require_column(predictions, 'day', 'time', what || ' predictions');
  IF typ <> 'date'::regtype THEN
    RAISE EXCEPTION '%: column "day" of % must be date, not %', what, predictions, typ
      USING ERRCODE = 'datatype_mismatch', HINT = 'Convert it in a view to a date, naming the time zone.';
  END IF;
  PERFORM learnalytics_internal.require_column(predictions, 'score', 'numeric', what || ' predictions',
            'Give a numeric score column (NULL on every row for a rule, with an "alerted" column).');
  typ := learnalytics_internal.column_type(predictions, 'alerted');
  IF typ IS NOT NULL THEN
    IF typ <> 'boolean'::regtype THEN
      RAISE EXCEPTION '%: column "alerted" of % must be boolean, not %', what, predictions, typ
        USING ERRCODE = 'datatype_mismatch';
    END IF;
    alerted_expr := 'p.alerted';
  ELSIF need_alerts AND capacity_per_week IS NULL THEN
    RAISE EXCEPTION '%: no alerts to evaluate', what USING ERRCODE = 'invalid_parameter_value',
      DETAIL = format('%s has no column "alerted" and capacity_per_week is NULL.', predictions),
      HINT = 'Give capacity_per_week (the top learners by score are alerted each week), or an "alerted" boolean column.';
  END IF;

  PERFORM learnalytics_internal.eval_tables();
  PERFORM learnalytics_internal.eval_load_outcomes(outcomes, dropout_values, tz, what);
  IF to_regclass('pg_temp.la_eval_pred') IS NULL THEN
    CREATE TEMP TABLE la_eval_pred (learner text, day date, score float8, alerted boolean, label boolean) ON COMMIT DROP;
  END IF;
  TRUNCATE la_eval_pred;
  IF to_regclass('pg_temp.la_eval_pred_key') IS NOT NULL THEN
    DROP INDEX pg_temp.la_eval_pred_key;
  END IF;
  EXECUTE format(
    $q$INSERT INTO la_eval_pred
       SELECT (p.learner)::text, p.day, (p.score)::float8, %s, coalesce(o.dropout_day > p.day AND o.dropout_day <= p.day + $1, false)
         FROM %s p LEFT JOIN la_eval_out o ON o.learner = (p.learner)::text
        WHERE o.end_day IS NULL OR p.day < o.end_day$q$,
    CASE WHEN capacity_per_week IS NULL THEN alerted_expr ELSE 'false' END, predictions)
  USING horizon_days;
  -- one row per learner and day: a unique index (a sort, cheaper than hashing every row), which also
  -- serves the capacity update below
  IF EXISTS (SELECT 1 FROM la_eval_pred WHERE learner IS NULL OR day IS NULL) THEN
    RAISE EXCEPTION '%: predictions must have one row per learner and day, with both not null', what
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s has a row with a NULL learner or day.', predictions);
  END IF;
  BEGIN
    CREATE UNIQUE INDEX la_eval_pred_key ON la_eval_pred (learner, day);
  EXCEPTION WHEN unique_violation THEN
    SELECT learner, day, count(*) AS n INTO bad FROM la_eval_pred GROUP BY learner, day HAVING count(*) > 1 LIMIT 1;
    RAISE EXCEPTION '%: predictions must have one row per learner and day, with both not null', what
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('%s has %s rows for learner %s on day %s.', predictions, bad.n, quote_literal(bad.learner), bad.day);
  END;
  ANALYZE la_eval_pred;
  SELECT learner, day INTO bad FROM la_eval_pred WHERE score = 'NaN' OR score IN ('Infinity', '-Infinity') LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%: score must be finite', what USING ERRCODE = 'invalid_parameter_value',
      DETAIL = format('The score of learner %s on day %s is not a finite number.', quote_literal(bad.learner), bad.day);
  END IF;
  IF capacity_per_week IS NOT NULL THEN
    -- each week from the first day of the period, on its first day with predictions, the top
    -- capacity_per_week learners by score (ties by learner) are alerted
    d0 := (SELECT min(day) FROM la_eval_pred);
    UPDATE la_eval_pred p SET alerted = true
      FROM (SELECT r.learner, r.day
              FROM (SELECT q.learner, q.day, row_number() OVER (PARTITION BY q.day ORDER BY q.score DESC, q.learner) AS rk
                      FROM la_eval_pred q
                     WHERE q.score IS NOT NULL
                       AND q.day = ANY (ARRAY(SELECT min(w.day) FROM la_eval_pred w GROUP BY (w.day - d0) / 7))) r
             WHERE r.rk <= capacity_per_week) t
     WHERE t.learner = p.learner AND t.day = p.day;
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.eval_load_predictions(regclass, regclass, integer, integer, text[], text, text, boolean) IS
'check a predictions relation and fill la_eval_pred (its learner-days at risk, with alerts and labels) and la_eval_out';

CREATE FUNCTION @extschema@.prediction_evaluate(predictions regclass, outcomes regclass,
    horizon_days integer DEFAULT 30, capacity_per_week integer DEFAULT NULL,
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', bootstrap integer DEFAULT 200,
    seed integer DEFAULT 1, tz text DEFAULT 'UTC',
    OUT learners bigint, OUT learner_days bigint, OUT positive_days bigint, OUT dropouts bigint,
    OUT auc float8, OUT auc_low float8, OUT auc_high float8, OUT brier float8,
    OUT alerts bigint, OUT alerted_learners bigint, OUT "precision" float8, OUT recall float8,
    OUT lift float8, OUT lift_low float8, OUT lift_high float8,
    OUT lead_time_mean float8, OUT lead_time_median float8, OUT base_rate float8, OUT verdict text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  qr       record;
  from_day date;
  to_day   date;
  n1       bigint;
  n0       bigint;
  var_auc  float8;
  nk       bigint;
  i10      bigint;
  i01      bigint;
  s10      float8;
  s01      float8;
  s11      float8;
BEGIN
  IF bootstrap IS NULL OR bootstrap NOT BETWEEN 0 AND 10000 THEN
    RAISE EXCEPTION 'prediction_evaluate: bootstrap must be between 0 and 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF seed IS NULL THEN
    RAISE EXCEPTION 'prediction_evaluate: seed must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.eval_load_predictions(predictions, outcomes, horizon_days, capacity_per_week,
                                                      dropout_values, tz, 'prediction_evaluate', true);
  SELECT min(day), max(day) INTO from_day, to_day FROM la_eval_pred;
  INSERT INTO la_eval_pop SELECT p.learner, count(*), count(*) FILTER (WHERE p.label) FROM la_eval_pred p GROUP BY p.learner;
  INSERT INTO la_eval_alerts SELECT p.learner, p.day FROM la_eval_pred p WHERE p.alerted;
  qr := learnalytics_internal.alert_quality(from_day, to_day, horizon_days, bootstrap, seed);
  learners := qr.learners; learner_days := qr.learner_days; positive_days := qr.positive_days;
  dropouts := qr.dropouts; alerts := qr.alerts; alerted_learners := qr.alerted_learners;
  "precision" := qr."precision"; recall := qr.recall; lift := qr.lift; lift_low := qr.lift_low; lift_high := qr.lift_high;
  lead_time_mean := qr.lead_time_mean; lead_time_median := qr.lead_time_median; base_rate := qr.base_rate;
  verdict := qr.verdict;

  -- AUC (Mann-Whitney, ties count one half) and its variance clustered by learner (Obuchowski 1997:
  -- DeLong's structural components V10 of the positives and V01 of the negatives summed per learner)
  SELECT count(*) FILTER (WHERE label), count(*) FILTER (WHERE NOT label),
         CASE WHEN bool_and(score BETWEEN 0 AND 1) THEN avg((score - label::int) ^ 2) END
    INTO n1, n0, brier
    FROM la_eval_pred WHERE score IS NOT NULL;
  IF n1 > 0 AND n0 > 0 THEN
    -- per distinct score: positives p, negatives q, negatives below, positives above
    CREATE TEMP TABLE la_eval_auc ON COMMIT DROP AS
    WITH v AS (
      SELECT score, count(*) FILTER (WHERE label) AS p, count(*) FILTER (WHERE NOT label) AS q
        FROM la_eval_pred WHERE score IS NOT NULL GROUP BY score
    )
    SELECT score, p, q, q_below, (q_below + q / 2.0)::float8 AS w10, (p_above + p / 2.0)::float8 AS w01
      FROM (SELECT score, p, q, sum(q) OVER (ORDER BY score) - q AS q_below, sum(p) OVER (ORDER BY score DESC) - p AS p_above
              FROM v) c;
    ANALYZE la_eval_auc;
    -- the AUC exactly (numeric): pairs a positive wins, ties one half, over all pairs
    SELECT (sum(p * (q_below + q / 2.0)) / (n1::numeric * n0))::float8 INTO auc FROM la_eval_auc;
    -- per learner: V10 summed over its positive days, V01 over its negative days
    WITH k AS (
      SELECT s.learner,
             coalesce(sum(c.w10) FILTER (WHERE s.label), 0) / n0 AS v10, count(*) FILTER (WHERE s.label) AS m,
             coalesce(sum(c.w01) FILTER (WHERE NOT s.label), 0) / n1 AS v01, count(*) FILTER (WHERE NOT s.label) AS n
        FROM la_eval_pred s JOIN la_eval_auc c ON c.score = s.score GROUP BY s.learner
    )
    SELECT count(*), count(*) FILTER (WHERE m > 0), count(*) FILTER (WHERE n > 0),
           sum((v10 - m * auc) ^ 2) FILTER (WHERE m > 0), sum((v01 - n * auc) ^ 2) FILTER (WHERE n > 0),
           sum((v10 - m * auc) * (v01 - n * auc))
      INTO nk, i10, i01, s10, s01, s11 FROM k;
    DROP TABLE la_eval_auc;
    IF i10 > 1 AND i01 > 1 THEN
      s10 := s10 * i10 / ((i10 - 1) * n1::float8);
      s01 := s01 * i01 / ((i01 - 1) * n0::float8);
      s11 := s11 * nk / (nk - 1);
      var_auc := s10 / n1 + s01 / n0 + 2 * s11 / (n1::float8 * n0);
      auc_low := greatest(0, auc - 1.959963984540054 * sqrt(greatest(var_auc, 0)));
      auc_high := least(1, auc + 1.959963984540054 * sqrt(greatest(var_auc, 0)));
    END IF;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.prediction_evaluate(regclass, regclass, integer, integer, text[], integer, integer, text) IS
'evaluate scores or alerts over the learner-days at risk of a period against outcomes: AUC (clustered interval), Brier, and the alert metrics of rule_replay (precision, recall, lift with a learner bootstrap interval, lead time) with a verdict in words';

CREATE FUNCTION @extschema@.prediction_calibration(predictions regclass, outcomes regclass,
    horizon_days integer DEFAULT 30, bins integer DEFAULT 10,
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', tz text DEFAULT 'UTC',
    OUT bin integer, OUT n bigint, OUT score_min float8, OUT score_max float8, OUT mean_predicted float8,
    OUT observed_rate float8, OUT observed_low float8, OUT observed_high float8)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF bins IS NULL OR bins NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'prediction_calibration: bins must be between 1 and 1000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM learnalytics_internal.eval_load_predictions(predictions, outcomes, horizon_days, NULL,
                                                      dropout_values, tz, 'prediction_calibration', false);
  RETURN QUERY
    SELECT b.bin, count(*), min(b.score), max(b.score), avg(b.score),
           avg(b.label::int)::float8, (learnalytics_internal.wilson_interval(count(*) FILTER (WHERE b.label), count(*))).*
      FROM (SELECT ntile(bins) OVER (ORDER BY p.score, p.learner, p.day) AS bin, p.score, p.label
              FROM la_eval_pred p WHERE p.score IS NOT NULL) b
     GROUP BY b.bin ORDER BY b.bin;
END
$$;
COMMENT ON FUNCTION @extschema@.prediction_calibration(regclass, regclass, integer, integer, text[], text) IS
'calibration of scores: per quantile bin of the score, the mean score beside the observed share of learner-days followed by dropout within the horizon, with a Wilson interval';

CREATE FUNCTION @extschema@.prediction_bias(predictions regclass, outcomes regclass, attributes regclass,
    attribute_columns text[], horizon_days integer DEFAULT 30, capacity_per_week integer DEFAULT NULL,
    tolerance float8 DEFAULT 0.1, dropout_values text[] DEFAULT '{dropped_out,withdrawn}', tz text DEFAULT 'UTC',
    OUT attribute text, OUT "group" text, OUT learners bigint, OUT learner_days bigint,
    OUT dropouts bigint, OUT base_rate float8, OUT base_rate_low float8, OUT base_rate_high float8,
    OUT alerted_learners bigint, OUT alert_rate float8, OUT alert_rate_low float8, OUT alert_rate_high float8,
    OUT alerts bigint, OUT "precision" float8, OUT precision_low float8, OUT precision_high float8,
    OUT tpr float8, OUT tpr_low float8, OUT tpr_high float8,
    OUT fpr float8, OUT fpr_low float8, OUT fpr_high float8,
    OUT mean_predicted float8, OUT observed_rate float8, OUT observed_low float8, OUT observed_high float8,
    OUT flagged boolean, OUT flag_reason text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col      text;
  from_day date;
  to_day   date;
  bad      record;
BEGIN
  IF tolerance IS NULL OR NOT tolerance BETWEEN 0 AND 1 THEN
    RAISE EXCEPTION 'prediction_bias: tolerance must be between 0 and 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF attributes IS NULL THEN
    RAISE EXCEPTION 'prediction_bias: attributes must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF attribute_columns IS NULL OR cardinality(attribute_columns) = 0 OR array_position(attribute_columns, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'prediction_bias: attribute_columns must name at least one column, none null'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(attributes, 'prediction_bias attributes');
  PERFORM learnalytics_internal.require_column(attributes, 'learner', NULL, 'prediction_bias attributes');
  FOREACH col IN ARRAY attribute_columns LOOP
    IF octet_length(col) > 63 THEN   -- a longer name would be truncated to another column's
      RAISE EXCEPTION 'prediction_bias attributes: column name "%" is too long', col
        USING ERRCODE = 'name_too_long', DETAIL = 'Column names have at most 63 bytes.';
    END IF;
    PERFORM learnalytics_internal.require_column(attributes, col::name, NULL, 'prediction_bias attributes');
  END LOOP;
  PERFORM learnalytics_internal.eval_load_predictions(predictions, outcomes, horizon_days, capacity_per_week,
                                                      dropout_values, tz, 'prediction_bias', true);
  EXECUTE format('SELECT (a.learner)::text AS learner, count(*) AS n FROM %s a GROUP BY 1 HAVING count(*) > 1 LIMIT 1', attributes)
    INTO bad;
  IF bad.n IS NOT NULL THEN
    RAISE EXCEPTION 'prediction_bias: attributes must have one row per learner'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('%s has %s rows for learner %s.', attributes, bad.n, coalesce(quote_literal(bad.learner), 'NULL'));
  END IF;
  SELECT min(day), max(day) INTO from_day, to_day FROM la_eval_pred;

  -- per learner: dropped out in the period, alerted, caught (an alert in the horizon before the
  -- dropout), alerts and those followed, days at risk and followed, score sum
  IF to_regclass('pg_temp.la_eval_learner') IS NULL THEN
    CREATE TEMP TABLE la_eval_learner (learner text, dropped boolean, alerted boolean, caught boolean,
      alerts bigint, followed bigint, days bigint, positive_days bigint, scored bigint, score_sum float8) ON COMMIT DROP;
  END IF;
  TRUNCATE la_eval_learner;
  INSERT INTO la_eval_learner
  SELECT p.learner, coalesce(o.dropout_day > from_day AND o.dropout_day <= to_day, false),
         bool_or(p.alerted), bool_or(p.alerted AND p.day >= o.dropout_day - horizon_days),
         count(*) FILTER (WHERE p.alerted), count(*) FILTER (WHERE p.alerted AND p.label),
         count(*), count(*) FILTER (WHERE p.label), count(p.score), sum(p.score)
    FROM la_eval_pred p LEFT JOIN la_eval_out o ON o.learner = p.learner
   GROUP BY p.learner, o.dropout_day;
  ANALYZE la_eval_learner;

  FOREACH col IN ARRAY attribute_columns LOOP
    RETURN QUERY EXECUTE format($q$
    WITH g AS (
      SELECT (a.%1$I)::text AS grp, l.*
        FROM la_eval_learner l LEFT JOIN %2$s a ON (a.learner)::text = l.learner
    ), s AS (   -- per group
      SELECT grp, count(*) AS learners, sum(days)::bigint AS days, count(*) FILTER (WHERE dropped) AS dropouts,
             count(*) FILTER (WHERE coalesce(alerted, false)) AS alerted, sum(alerts)::bigint AS alerts, sum(followed)::bigint AS followed,
             count(*) FILTER (WHERE dropped AND coalesce(caught, false)) AS caught,
             count(*) FILTER (WHERE NOT dropped) AS stayed,
             count(*) FILTER (WHERE NOT dropped AND coalesce(alerted, false)) AS stayed_alerted,
             sum(positive_days) AS positive_days, sum(scored) AS scored, sum(score_sum) AS score_sum
        FROM g GROUP BY grp
    ), t AS (
      SELECT sum(learners) AS learners, sum(days) AS days, sum(dropouts) AS dropouts, sum(alerted) AS alerted,
             sum(alerts) AS alerts, sum(followed) AS followed, sum(caught) AS caught, sum(stayed) AS stayed,
             sum(stayed_alerted) AS stayed_alerted, sum(positive_days) AS positive_days, sum(scored) AS scored,
             sum(score_sum) AS score_sum FROM s
    ), m AS (   -- each metric: group value, rest of the population, whole population
      SELECT s.*,
             s.followed::float8 / NULLIF(s.alerts, 0) AS prec,
             (t.followed - s.followed)::float8 / NULLIF(t.alerts - s.alerts, 0) AS prec_rest,
             t.followed::float8 / NULLIF(t.alerts, 0) AS prec_all,
             s.caught::float8 / NULLIF(s.dropouts, 0) AS tpr,
             (t.caught - s.caught)::float8 / NULLIF(t.dropouts - s.dropouts, 0) AS tpr_rest,
             t.caught::float8 / NULLIF(t.dropouts, 0) AS tpr_all,
             s.stayed_alerted::float8 / NULLIF(s.stayed, 0) AS fpr,
             (t.stayed_alerted - s.stayed_alerted)::float8 / NULLIF(t.stayed - s.stayed, 0) AS fpr_rest,
             t.stayed_alerted::float8 / NULLIF(t.stayed, 0) AS fpr_all,
             s.score_sum / NULLIF(s.scored, 0) AS mp,
             s.positive_days::float8 / NULLIF(s.days, 0) AS obs,
             -- calibration gap (observed - predicted), only where the group and its rest are scored
             s.positive_days::float8 / NULLIF(s.days, 0) - s.score_sum / NULLIF(s.scored, 0) AS gap,
             (t.positive_days - s.positive_days)::float8 / NULLIF(t.days - s.days, 0)
               - (t.score_sum - s.score_sum) / NULLIF(t.scored - s.scored, 0) AS gap_rest,
             t.positive_days::float8 / NULLIF(t.days, 0) - t.score_sum / NULLIF(t.scored, 0) AS gap_all
        FROM s, t
    ), w AS (
      SELECT m.*, learnalytics_internal.wilson_interval(m.dropouts, m.learners) AS wb,
             learnalytics_internal.wilson_interval(m.alerted, m.learners) AS wa,
             learnalytics_internal.wilson_interval(m.followed, m.alerts) AS wp,
             learnalytics_internal.wilson_interval(m.caught, m.dropouts) AS wt,
             learnalytics_internal.wilson_interval(m.stayed_alerted, m.stayed) AS wf,
             learnalytics_internal.wilson_interval(m.positive_days, m.days) AS wo
        FROM m
    ), f AS (   -- a metric is flagged when it differs from the rest by more than the tolerance and the
                -- group's interval excludes the whole population's value
      SELECT w.*, array_remove(ARRAY[
        CASE WHEN abs(w.prec - w.prec_rest) > $1 AND NOT w.prec_all BETWEEN (w.wp).low AND (w.wp).high
             THEN format('precision %%s vs %%s for the rest (95%%%% CI %%s-%%s)', round(w.prec::numeric, 3), round(w.prec_rest::numeric, 3),
                         round((w.wp).low::numeric, 3), round((w.wp).high::numeric, 3)) END,
        CASE WHEN abs(w.tpr - w.tpr_rest) > $1 AND NOT w.tpr_all BETWEEN (w.wt).low AND (w.wt).high
             THEN format('TPR %%s vs %%s for the rest (95%%%% CI %%s-%%s)', round(w.tpr::numeric, 3), round(w.tpr_rest::numeric, 3),
                         round((w.wt).low::numeric, 3), round((w.wt).high::numeric, 3)) END,
        CASE WHEN abs(w.fpr - w.fpr_rest) > $1 AND NOT w.fpr_all BETWEEN (w.wf).low AND (w.wf).high
             THEN format('FPR %%s vs %%s for the rest (95%%%% CI %%s-%%s)', round(w.fpr::numeric, 3), round(w.fpr_rest::numeric, 3),
                         round((w.wf).low::numeric, 3), round((w.wf).high::numeric, 3)) END,
        CASE WHEN abs(w.gap - w.gap_rest) > $1 AND NOT w.gap_all BETWEEN (w.wo).low - w.mp AND (w.wo).high - w.mp
             THEN format('calibration: observed %%s vs predicted %%s (observed - predicted %%s for the rest)',
                         round(w.obs::numeric, 3), round(w.mp::numeric, 3), round(w.gap_rest::numeric, 3)) END], NULL) AS reasons
        FROM w
    )
    SELECT %3$L::text, f.grp, f.learners, f.days, f.dropouts,
           f.dropouts::float8 / NULLIF(f.learners, 0), (f.wb).low, (f.wb).high,
           f.alerted, f.alerted::float8 / NULLIF(f.learners, 0), (f.wa).low, (f.wa).high,
           f.alerts, f.prec, (f.wp).low, (f.wp).high,
           f.tpr, (f.wt).low, (f.wt).high, f.fpr, (f.wf).low, (f.wf).high,
           f.mp, f.obs, (f.wo).low, (f.wo).high,
           f.learners >= 30 AND cardinality(f.reasons) > 0,
           CASE WHEN f.learners < 30 THEN 'too few learners to flag (fewer than 30)'
                WHEN cardinality(f.reasons) > 0 THEN array_to_string(f.reasons, '; ') END
      FROM f ORDER BY f.grp NULLS LAST$q$, col, attributes, col)
    USING tolerance;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.prediction_bias(regclass, regclass, regclass, text[], integer, integer, float8, text[], text) IS
'bias report: per attribute and group, base rate, alert rate, precision, TPR, FPR and calibration with Wilson intervals, flagging groups that differ from the rest beyond a tolerance and beyond their interval';

-- A rule's replay as predictions: every enrolled learner-day of the period (the population of
-- rule_replay), alerted on the days the replay opens an alert, score NULL.
CREATE FUNCTION learnalytics_internal.rule_replay_predictions(rule_name text, from_day date, to_day date, overrides jsonb)
RETURNS regclass
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.rule_with_overrides(rule_name, overrides);
BEGIN
  IF to_regclass('pg_temp.la_rule_predictions') IS NULL THEN
    CREATE TEMP TABLE la_rule_predictions (learner text, day date, score float8, alerted boolean) ON COMMIT DROP;
  END IF;
  TRUNCATE la_rule_predictions;
  EXECUTE format(
    $q$INSERT INTO la_rule_predictions
       WITH pop AS (
         SELECT e.learner, greatest(min(e.enrolled_day), $2) AS first_day, least(max(coalesce(e.left_day - 1, $3)), $3) AS last_day
           FROM %s e
          WHERE e.enrolled_day <= $3 AND (e.left_day IS NULL OR e.left_day > $2)
          GROUP BY e.learner)
       SELECT pop.learner, g::date, NULL::float8, false
         FROM pop, generate_series(pop.first_day::timestamp, pop.last_day::timestamp, '1 day') g$q$,
    learnalytics_internal.enrolled_sql())
  USING r, from_day, to_day;
  UPDATE la_rule_predictions p SET alerted = true
    FROM (SELECT DISTINCT a.learner, a.day FROM @extschema@.rule_replay_alerts(rule_name, from_day, to_day, overrides) a) a
   WHERE a.learner = p.learner AND a.day = p.day;
  RETURN 'pg_temp.la_rule_predictions'::regclass;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_replay_predictions(text, date, date, jsonb) IS
'a rule''s replay as a predictions relation: every enrolled learner-day of the period, alerted on the replay''s alert days';

CREATE FUNCTION @extschema@.rule_replay_evaluate(rule_name text, from_day date, to_day date, outcomes regclass,
    horizon_days integer DEFAULT 14, overrides jsonb DEFAULT '{}',
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', bootstrap integer DEFAULT 200, seed integer DEFAULT 1,
    OUT learners bigint, OUT learner_days bigint, OUT positive_days bigint, OUT dropouts bigint,
    OUT auc float8, OUT auc_low float8, OUT auc_high float8, OUT brier float8,
    OUT alerts bigint, OUT alerted_learners bigint, OUT "precision" float8, OUT recall float8,
    OUT lift float8, OUT lift_low float8, OUT lift_high float8,
    OUT lead_time_mean float8, OUT lead_time_median float8, OUT base_rate float8, OUT verdict text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.rule_with_overrides(rule_name, overrides);
BEGIN
  IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: horizon_days must be between 1 and 366', 'rule_replay_evaluate' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO learners, learner_days, positive_days, dropouts, auc, auc_low, auc_high, brier, alerts,
         alerted_learners, "precision", recall, lift, lift_low, lift_high, lead_time_mean, lead_time_median,
         base_rate, verdict
    FROM @extschema@.prediction_evaluate(
           learnalytics_internal.rule_replay_predictions(rule_name, from_day, to_day, overrides), outcomes,
           horizon_days, NULL, dropout_values, bootstrap, seed, r.tz);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_replay_evaluate(text, date, date, regclass, integer, jsonb, text[], integer, integer) IS
'a rule''s replay evaluated like a model by prediction_evaluate (alerts = replay alerts, population = enrolled learner-days)';

CREATE FUNCTION @extschema@.rule_replay_bias(rule_name text, from_day date, to_day date, outcomes regclass,
    attributes regclass, attribute_columns text[], horizon_days integer DEFAULT 14, overrides jsonb DEFAULT '{}',
    tolerance float8 DEFAULT 0.1, dropout_values text[] DEFAULT '{dropped_out,withdrawn}',
    OUT attribute text, OUT "group" text, OUT learners bigint, OUT learner_days bigint,
    OUT dropouts bigint, OUT base_rate float8, OUT base_rate_low float8, OUT base_rate_high float8,
    OUT alerted_learners bigint, OUT alert_rate float8, OUT alert_rate_low float8, OUT alert_rate_high float8,
    OUT alerts bigint, OUT "precision" float8, OUT precision_low float8, OUT precision_high float8,
    OUT tpr float8, OUT tpr_low float8, OUT tpr_high float8,
    OUT fpr float8, OUT fpr_low float8, OUT fpr_high float8,
    OUT mean_predicted float8, OUT observed_rate float8, OUT observed_low float8, OUT observed_high float8,
    OUT flagged boolean, OUT flag_reason text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.rule_with_overrides(rule_name, overrides);
BEGIN
  IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: horizon_days must be between 1 and 366', 'rule_replay_bias' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY SELECT * FROM @extschema@.prediction_bias(
    learnalytics_internal.rule_replay_predictions(rule_name, from_day, to_day, overrides), outcomes, attributes,
    attribute_columns, horizon_days, NULL, tolerance, dropout_values, r.tz);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_replay_bias(text, date, date, regclass, regclass, text[], integer, jsonb, float8, text[]) IS
'bias report of a rule''s replay alerts (prediction_bias over its enrolled learner-days)';

-- Privileges (doc/roles.md): analysts evaluate, like rule_replay (needs TEMP on the database).
GRANT EXECUTE ON FUNCTION
  learnalytics_internal.eval_tables(), learnalytics_internal.eval_load_outcomes(regclass, text[], text, text, name, name, name),
  learnalytics_internal.alert_quality(date, date, integer, integer, integer),
  learnalytics_internal.eval_load_predictions(regclass, regclass, integer, integer, text[], text, text, boolean),
  learnalytics_internal.rule_replay_predictions(text, date, date, jsonb),
  @extschema@.prediction_evaluate(regclass, regclass, integer, integer, text[], integer, integer, text),
  @extschema@.prediction_calibration(regclass, regclass, integer, integer, text[], text),
  @extschema@.prediction_bias(regclass, regclass, regclass, text[], integer, integer, float8, text[], text),
  @extschema@.rule_replay_evaluate(text, date, date, regclass, integer, jsonb, text[], integer, integer),
  @extschema@.rule_replay_bias(text, date, date, regclass, regclass, text[], integer, jsonb, float8, text[])
  TO learnalytics_analyst;

-- A model's evaluation on a period it was not fitted on, in one call: its scores of every learner-day
-- at risk (risk_score_days), prediction_evaluate at a weekly capacity, the calibration table and,
-- given learner attributes, the bias report; one jsonb document, stored in the model's row when
-- store (only evaluation may change in a trained model; an admin's task).
CREATE FUNCTION @extschema@.risk_model_evaluate(model text, from_day date, to_day date, outcomes regclass,
    capacity_per_week integer, course text DEFAULT NULL, version integer DEFAULT NULL,
    attributes regclass DEFAULT NULL, attribute_columns text[] DEFAULT NULL,
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', tolerance float8 DEFAULT 0.1,
    bootstrap integer DEFAULT 200, seed integer DEFAULT 1, store boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m      @extschema@.risk_model := learnalytics_internal.risk_model_get($1, $7, 'risk_model_evaluate');
  report jsonb;
  n      bigint;
BEGIN
  IF $2 IS NULL OR $3 IS NULL OR $4 IS NULL OR $5 IS NULL OR $14 IS NULL THEN
    RAISE EXCEPTION 'risk_model_evaluate: from_day, to_day, outcomes, capacity_per_week and store must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF $5 < 1 THEN
    RAISE EXCEPTION 'risk_model_evaluate: capacity_per_week must be at least 1, not %', $5
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ($8 IS NULL) <> ($9 IS NULL) THEN
    RAISE EXCEPTION 'risk_model_evaluate: give attributes and attribute_columns together, or neither'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the period must not overlap the training window: evaluating on fitted days flatters the model
  IF $2 <= m.to_day AND $3 >= m.from_day AND ($6 IS NULL OR m.courses IS NULL OR $6 = ANY (m.courses)) THEN
    RAISE WARNING 'risk_model_evaluate: % to % overlaps the training window of model "%" version % (% to %)',
      $2, $3, m.name, m.version, m.from_day, m.to_day
      USING ERRCODE = '01000',
            DETAIL = 'Scores of days the model was fitted on overstate its quality.',
            HINT = 'Evaluate on a later period, or on a course the model was not trained on.';
  END IF;

  IF to_regclass('pg_temp.la_risk_eval_pred') IS NULL THEN
    CREATE TEMP TABLE la_risk_eval_pred (learner text, day date, score float8) ON COMMIT DROP;
  END IF;
  TRUNCATE la_risk_eval_pred;
  INSERT INTO la_risk_eval_pred
  SELECT s.learner, s.day, max(s.probability)   -- one row per learner-day (the course of highest risk)
    FROM @extschema@.risk_score_days(m.name, $2, $3, $6, m.version) s
   GROUP BY s.learner, s.day;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION '%', format('risk_model_evaluate: nobody is at risk from %s to %s%s', $2, $3,
                                CASE WHEN $6 IS NULL THEN '' ELSE format(' in course "%s"', $6) END)
      USING ERRCODE = 'no_data_found';
  END IF;
  ANALYZE la_risk_eval_pred;

  SELECT jsonb_build_object(
           'model', m.name, 'version', m.version, 'from_day', $2, 'to_day', $3, 'course', $6,
           'outcomes', $4::text, 'horizon_days', m.horizon_days, 'capacity_per_week', $5,
           'bootstrap', $12, 'seed', $13,
           'metrics', (SELECT to_jsonb(e) FROM @extschema@.prediction_evaluate('la_risk_eval_pred', $4, m.horizon_days,
                                                                             $5, $10, $12, $13) e),
           'calibration', (SELECT jsonb_agg(to_jsonb(c) ORDER BY c.bin)
                             FROM @extschema@.prediction_calibration('la_risk_eval_pred', $4, m.horizon_days, 10, $10) c),
           'bias', CASE WHEN $8 IS NOT NULL THEN
                     (SELECT jsonb_agg(to_jsonb(b) ORDER BY b.attribute, b."group")
                        FROM @extschema@.prediction_bias('la_risk_eval_pred', $4, $8, $9, m.horizon_days, $5, $11, $10) b)
                   END)
    INTO report;
  IF $14 THEN
    UPDATE @extschema@.risk_model r SET evaluation = report
     WHERE r.name = m.name AND r.version = m.version;
  END IF;
  RETURN report;
END
$$;
COMMENT ON FUNCTION @extschema@.risk_model_evaluate(text, date, date, regclass, integer, text, integer, regclass, text[], text[], float8, integer, integer, boolean) IS
'evaluate a risk model on a period: prediction_evaluate at a weekly capacity, the calibration table and the bias report, as one jsonb report (stored in risk_model.evaluation when store)';
GRANT EXECUTE ON FUNCTION
  @extschema@.risk_model_evaluate(text, date, date, regclass, integer, text, integer, regclass, text[], text[], float8, integer, integer, boolean)
  TO learnalytics_analyst;
