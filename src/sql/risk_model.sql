
-------------------------------------------------------------------------------
-- risk_model: the model registry, training, calibration and scoring (doc/risk_model.md)
-------------------------------------------------------------------------------

-- The registry: one row per trained model version. The fitted fields never change once a row is
-- written (risk_model_check); only active, description and evaluation may. Kept by pg_dump.
CREATE TABLE @extschema@.risk_model (
  name                 text NOT NULL CONSTRAINT risk_model_name_format
                       CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  version              integer NOT NULL CONSTRAINT risk_model_version_positive CHECK (version >= 1),
  features             text[] NOT NULL CONSTRAINT risk_model_features_present
                       CHECK (cardinality(features) >= 1 AND array_position(features, NULL) IS NULL),
  coef                 float8[] NOT NULL,
  center               float8[] NOT NULL,
  scale                float8[] NOT NULL,
  lambda               float8 NOT NULL CONSTRAINT risk_model_lambda_range
                       CHECK (lambda >= 0 AND lambda < 'Infinity'),
  class_weight         text CONSTRAINT risk_model_class_weight_known CHECK (class_weight IN ('balanced')),
  horizon_days         integer NOT NULL CONSTRAINT risk_model_horizon_range CHECK (horizon_days BETWEEN 1 AND 366),
  from_day             date NOT NULL,
  to_day               date NOT NULL,
  courses              text[],
  every_days           integer NOT NULL CONSTRAINT risk_model_every_days_range CHECK (every_days BETWEEN 1 AND 366),
  outcomes             text,
  num_rows             bigint NOT NULL,
  positives            float8 NOT NULL,
  iterations           integer NOT NULL,
  converged            boolean NOT NULL,
  loglik               float8,
  calibration          text NOT NULL CONSTRAINT risk_model_calibration_known
                       CHECK (calibration IN ('platt', 'none')),
  calibration_a        float8,
  calibration_b        float8,
  calibration_rows     bigint,
  calibration_groups   integer,
  calibration_note     text,
  evaluation           jsonb,
  active               boolean NOT NULL DEFAULT false,
  description          text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  created_by           name NOT NULL DEFAULT current_user,
  PRIMARY KEY (name, version),
  CONSTRAINT risk_model_window CHECK (from_day <= to_day),
  CONSTRAINT risk_model_shapes CHECK (cardinality(coef) = cardinality(features) + 1
                                      AND cardinality(center) = cardinality(features)
                                      AND cardinality(scale) = cardinality(features)),
  CONSTRAINT risk_model_platt CHECK ((calibration = 'platt') = (calibration_a IS NOT NULL AND calibration_b IS NOT NULL))
);
-- at most one active version per model name
CREATE UNIQUE INDEX risk_model_one_active ON @extschema@.risk_model (name) WHERE active;
COMMENT ON TABLE @extschema@.risk_model IS
'trained dropout-risk models (logistic regression on risk_features), one row per name and version; the fitted fields are immutable (doc/risk_model.md)';
COMMENT ON COLUMN @extschema@.risk_model.features IS 'the risk_features columns the model uses, in the order of coef[2:], center and scale';
COMMENT ON COLUMN @extschema@.risk_model.coef IS 'intercept first, then one coefficient per feature, on the standardised scale';
COMMENT ON COLUMN @extschema@.risk_model.center IS 'per feature: the training mean subtracted before scaling';
COMMENT ON COLUMN @extschema@.risk_model.scale IS 'per feature: the training standard deviation (0: constant in training, ignored)';
COMMENT ON COLUMN @extschema@.risk_model.lambda IS 'L2 penalty on the standardised coefficients (the intercept is not penalised)';
COMMENT ON COLUMN @extschema@.risk_model.class_weight IS 'NULL (every row weighs 1) or balanced (each class weighs half the rows)';
COMMENT ON COLUMN @extschema@.risk_model.horizon_days IS 'the label: withdrawal within this many days after the day scored';
COMMENT ON COLUMN @extschema@.risk_model.courses IS 'the courses trained on (NULL: every course)';
COMMENT ON COLUMN @extschema@.risk_model.outcomes IS 'the outcomes relation trained on, as named when training';
COMMENT ON COLUMN @extschema@.risk_model.calibration IS 'platt: probability = 1 / (1 + exp(-(a * raw logit + b))); none: the raw probability';
COMMENT ON COLUMN @extschema@.risk_model.calibration_note IS 'what the calibration was fitted on, in words (or why there is none)';
COMMENT ON COLUMN @extschema@.risk_model.evaluation IS 'the evaluation report stored by risk_model_evaluate(..., store => true) (NULL until evaluated)';
COMMENT ON COLUMN @extschema@.risk_model.active IS 'the version scored by default and by learner_risk; at most one per name';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.risk_model', '');

CREATE FUNCTION learnalytics_internal.risk_model_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  field text;
BEGIN
  SELECT o.key INTO field
    FROM jsonb_each(to_jsonb(OLD)) o JOIN jsonb_each(to_jsonb(NEW)) n ON n.key = o.key
   WHERE o.value IS DISTINCT FROM n.value AND o.key NOT IN ('active', 'description', 'evaluation')
   ORDER BY o.key LIMIT 1;
  IF field IS NOT NULL THEN
    RAISE EXCEPTION 'risk model "%" version %: field "%" cannot change', OLD.name, OLD.version, field
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'A trained model is immutable: only active, description and evaluation may change.',
            HINT = 'Train a new version with risk_model_train.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_model_check() IS
'trigger: a risk_model row is immutable except active, description and evaluation';
CREATE TRIGGER risk_model_check BEFORE UPDATE ON @extschema@.risk_model
  FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.risk_model_check();

-- Plain-language phrase of one feature value, for the reasons of a score: one template per feature
-- of risk_feature_names(), after its description (risk_feature_descriptions(), doc/risk_features.md);
-- the ln(1 + count) features are shown as counts. An unknown feature: its name and value.
-- features and x are the whole scored vector (assessments_missed also names the oldest's delay).
CREATE FUNCTION learnalytics_internal.risk_reason(feature text, value float8, features text[], x float8[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n       numeric := round(value::numeric);                       -- a count or a number of days
  c       numeric := round((exp(least(value, 700)) - 1)::numeric); -- a count from ln(1 + count)
  pct     numeric := round(abs(value * 100)::numeric);            -- a relative difference in percent
  oldest  float8;
BEGIN
  IF value IS NULL THEN
    RETURN format('%s unknown', feature);
  END IF;
  CASE feature
    WHEN 'activity_7d', 'activity_14d', 'activity_28d' THEN
      RETURN format('%s event%s in the last %s days', c, CASE WHEN c = 1 THEN '' ELSE 's' END,
                    substring(feature FROM '_(\d+)d$'));
    WHEN 'activity_vs_baseline' THEN
      RETURN CASE WHEN pct = 0 THEN 'activity at its own baseline'
                  ELSE format('activity %s%% %s own baseline', pct, CASE WHEN value < 0 THEN 'below' ELSE 'above' END) END;
    WHEN 'days_inactive' THEN
      RETURN CASE WHEN n = 0 THEN 'active on the day'
                  ELSE format('no activity for %s day%s', n, CASE WHEN n = 1 THEN '' ELSE 's' END) END;
    WHEN 'active_streak' THEN
      RETURN CASE WHEN n = 0 THEN 'not active on the day'
                  ELSE format('active %s day%s in a row', n, CASE WHEN n = 1 THEN '' ELSE 's' END) END;
    WHEN 'active_day_share_28d' THEN
      RETURN format('active on %s%% of the last 28 days', pct);
    WHEN 'sessions_7d' THEN
      RETURN format('%s session%s in the last 7 days', c, CASE WHEN c = 1 THEN '' ELSE 's' END);
    WHEN 'dwell_7d' THEN
      RETURN format('%s minute%s in sessions in the last 7 days', c, CASE WHEN c = 1 THEN '' ELSE 's' END);
    WHEN 'activity_trend_14d' THEN
      RETURN CASE WHEN abs(value) < 0.005 THEN 'activity flat over the last 14 days'
                  WHEN value < 0 THEN 'activity falling over the last 14 days'
                  ELSE 'activity rising over the last 14 days' END;
    WHEN 'assessments_due_14d' THEN
      RETURN format('%s assessment%s due in the next 14 days', n, CASE WHEN n = 1 THEN '' ELSE 's' END);
    WHEN 'assessments_missed' THEN
      IF n = 0 THEN
        RETURN 'no assessment overdue';
      END IF;
      oldest := x[array_position(features, 'oldest_overdue_days')];
      RETURN format('%s assessment%s overdue%s', n, CASE WHEN n = 1 THEN '' ELSE 's' END,
                    CASE WHEN oldest IS NULL OR oldest <= 0 THEN ''
                         WHEN n = 1 THEN format(', %s day%s', round(oldest::numeric), CASE WHEN round(oldest::numeric) = 1 THEN '' ELSE 's' END)
                         ELSE format(', the oldest %s day%s', round(oldest::numeric), CASE WHEN round(oldest::numeric) = 1 THEN '' ELSE 's' END) END);
    WHEN 'assessments_late' THEN
      RETURN format('%s assessment%s submitted late', n, CASE WHEN n = 1 THEN '' ELSE 's' END);
    WHEN 'oldest_overdue_days' THEN
      RETURN CASE WHEN n = 0 THEN 'no assessment overdue'
                  ELSE format('an assessment %s day%s overdue', n, CASE WHEN n = 1 THEN '' ELSE 's' END) END;
    WHEN 'score_vs_cohort' THEN
      RETURN CASE WHEN pct = 0 THEN 'scores at the cohort''s mean (or none yet)'
                  ELSE format('scores %s%% %s the cohort', pct, CASE WHEN value < 0 THEN 'below' ELSE 'above' END) END;
    WHEN 'quiz_attempts_14d' THEN
      RETURN format('%s quiz attempt%s in the last 14 days', c, CASE WHEN c = 1 THEN '' ELSE 's' END);
    WHEN 'quiz_vs_cohort' THEN
      RETURN CASE WHEN value <= -1 THEN 'no quiz attempt in the last 14 days while the cohort attempts some'
                  WHEN pct = 0 THEN 'quiz attempts at the cohort''s average'
                  ELSE format('quiz attempts %s%% %s the cohort''s', pct, CASE WHEN value < 0 THEN 'below' ELSE 'above' END) END;
    WHEN 'module_progress' THEN
      RETURN format('module progress %s%% of the course', pct);
    WHEN 'module_velocity_14d' THEN
      RETURN CASE WHEN pct = 0 THEN 'no module progress in the last 14 days'
                  ELSE format('module progress of %s%% of the course in the last 14 days', pct) END;
    WHEN 'days_since_enrolment' THEN
      RETURN format('enrolled %s day%s ago', n, CASE WHEN n = 1 THEN '' ELSE 's' END);
    WHEN 'course_day' THEN
      RETURN format('day %s of the course', n);
    WHEN 'registration_delay' THEN
      RETURN CASE WHEN c = 0 THEN 'enrolled on the course''s first day'
                  ELSE format('enrolled %s day%s after the course started', c, CASE WHEN c = 1 THEN '' ELSE 's' END) END;
    ELSE
      RETURN format('%s = %s', feature, round(value::numeric, 2));
  END CASE;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_reason(text, float8, text[], float8[]) IS
'the plain-language phrase of a feature value in the reasons of risk_score (unknown features: name = value)';

-- The reasons of a score: the phrases of the (at most) three features with the largest positive
-- contributions, largest first. When the model has assessments_missed, oldest_overdue_days is told
-- within its phrase ("2 assessments overdue, the oldest 8 days"), ranked by the larger of the two
-- contributions, and not on its own.
CREATE FUNCTION learnalytics_internal.risk_reasons(features text[], x float8[], contributions float8[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
  SELECT string_agg(learnalytics_internal.risk_reason(t.f, t.v, features, x), '; ' ORDER BY t.k DESC, t.o)
    FROM (SELECT s.f, s.v, s.k, s.o
            FROM (SELECT u.f, u.v, u.o,
                         CASE WHEN u.f = 'assessments_missed'
                              THEN greatest(u.c, coalesce(contributions[array_position(features, 'oldest_overdue_days')], u.c))
                              ELSE u.c END AS k
                    FROM unnest(features, x, contributions) WITH ORDINALITY u (f, v, c, o)
                   WHERE NOT (u.f = 'oldest_overdue_days' AND 'assessments_missed' = ANY (features))) s
           WHERE s.k > 0
           ORDER BY s.k DESC, s.o LIMIT 3) t;
END;
COMMENT ON FUNCTION learnalytics_internal.risk_reasons(text[], float8[], float8[]) IS
'the reasons of a score: the phrases of the top three features raising it (assessments_missed tells oldest_overdue_days)';

-- The logistic function, without overflow or underflow errors at the extremes.
CREATE FUNCTION learnalytics_internal.risk_sigmoid(t float8)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN t >= 0 THEN 1 / (1 + exp(-least(t, 700)))
              ELSE exp(greatest(t, -700)) / (1 + exp(greatest(t, -700))) END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_sigmoid(float8) IS
'1 / (1 + exp(-t)), with t clamped to [-700, 700]';

-- The raw logit of a feature vector: intercept + the features' contributions.
CREATE FUNCTION learnalytics_internal.risk_logit(contributions float8[], coef float8[])
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coef[1] + coalesce((SELECT sum(c) FROM unnest(contributions) c), 0)
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_logit(float8[], float8[]) IS
'the raw logit of a scored row: the intercept coef[1] plus the sum of the feature contributions';

-- The model a name (and version) stands for: the version given, else the active one, else the latest.
CREATE FUNCTION learnalytics_internal.risk_model_get(model text, version integer, context text)
RETURNS @extschema@.risk_model
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m       @extschema@.risk_model;
  unknown text[];
BEGIN
  IF model IS NULL THEN
    RAISE EXCEPTION '%: the model name must not be null', context USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF version IS NULL THEN
    SELECT * INTO m FROM @extschema@.risk_model r WHERE r.name = model
     ORDER BY r.active DESC, r.version DESC LIMIT 1;
  ELSE
    SELECT * INTO m FROM @extschema@.risk_model r WHERE r.name = model AND r.version = risk_model_get.version;
  END IF;
  IF m.name IS NULL THEN
    IF EXISTS (SELECT 1 FROM @extschema@.risk_model r WHERE r.name = model) THEN
      RAISE EXCEPTION '%: risk model "%" has no version %', context, model, version
        USING ERRCODE = 'undefined_object',
              HINT = 'Versions: ' || (SELECT string_agg(r.version::text, ', ' ORDER BY r.version)
                                        FROM @extschema@.risk_model r WHERE r.name = model) || '.';
    END IF;
    RAISE EXCEPTION '%: unknown risk model "%"', context, model
      USING ERRCODE = 'undefined_object',
            HINT = 'Train one with risk_model_train, or see the table risk_model.';
  END IF;
  -- the features must still be computed by risk_features (a model from another release may not be)
  SELECT array_agg(f ORDER BY o) INTO unknown
    FROM unnest(m.features) WITH ORDINALITY u (f, o)
   WHERE f <> ALL (@extschema@.risk_feature_names());
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION '%: risk model "%" version % uses features that risk_features does not compute: %',
                    context, m.name, m.version, array_to_string(unknown, ', ')
      USING ERRCODE = 'undefined_column',
            HINT = 'Train a new version on the current features (risk_feature_names()).';
  END IF;
  RETURN m;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_model_get(text, integer, text) IS
'the risk_model row of a name and version (NULL: the active version, else the latest), after checking its features still exist';

-- The scoring query over risk_features for a model; parameters $1 from_day, $2 to_day, $3 course,
-- $4 every_days, $5 the model row. detail adds raw_probability, reasons and contributions.
CREATE FUNCTION learnalytics_internal.risk_score_sql(m @extschema@.risk_model, detail boolean)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format($q$
SELECT s.learner, s.course, s.day,
       CASE WHEN ($5).calibration = 'platt'
            THEN learnalytics_internal.risk_sigmoid(($5).calibration_a * s.z + ($5).calibration_b)
            ELSE s.raw END AS probability%s
FROM (SELECT f.learner, f.course, f.day, f.x, f.c, learnalytics_internal.risk_logit(f.c, ($5).coef) AS z,
             @extschema@.logit_probability(f.x, ($5).coef, ($5).center, ($5).scale) AS raw
        FROM (SELECT r.learner, r.course, r.day, v.x,
                     @extschema@.logit_contributions(v.x, ($5).coef, ($5).center, ($5).scale) AS c
                FROM @extschema@.risk_features($1, $2, $3, $4) r,
                     LATERAL (SELECT ARRAY[%s]::float8[] AS x) v) f) s
$q$,
    CASE WHEN detail THEN $d$,
       s.raw AS raw_probability,
       learnalytics_internal.risk_reasons(($5).features, s.x, s.c) AS reasons,
       (SELECT pg_catalog.jsonb_object_agg(u.feature, u.contribution)
          FROM unnest(($5).features, s.c) u (feature, contribution)) AS contributions$d$
    ELSE '' END,
    (SELECT pg_catalog.string_agg(pg_catalog.format('r.%I', f), ', ' ORDER BY o)
       FROM unnest(m.features) WITH ORDINALITY u (f, o)))
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_score_sql(@extschema@.risk_model, boolean) IS
'the query scoring a model over risk_features ($1 from_day, $2 to_day, $3 course, $4 every_days, $5 the model)';

-------------------------------------------------------------------------------
-- Training
-------------------------------------------------------------------------------
-- Drop the temporary training rows of risk_model_train and its views on them, if present.
CREATE FUNCTION learnalytics_internal.risk_model_drop_temp()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regclass('pg_temp.risk_model_oof') IS NOT NULL THEN
    DROP VIEW pg_temp.risk_model_oof;
  END IF;
  IF to_regclass('pg_temp.risk_model_training') IS NOT NULL THEN
    DROP VIEW pg_temp.risk_model_training;
  END IF;
  IF to_regclass('pg_temp.risk_model_rows') IS NOT NULL THEN
    DROP TABLE pg_temp.risk_model_rows;
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_model_drop_temp() IS
'drop the temporary table and views of risk_model_train, if present';

-- Fit on the rows of pg_temp.risk_model_rows whose fold is not skip_fold (NULL: every row), with
-- the balanced class weights of those rows when asked. Returns logit_fit's result.
CREATE FUNCTION learnalytics_internal.risk_model_fit(features text[], lambda float8, class_weight text,
    skip_fold integer,
    OUT coef float8[], OUT center float8[], OUT scale float8[], OUT iterations integer,
    OUT converged boolean, OUT loglik float8, OUT num_rows bigint, OUT positives float8,
    OUT constant_features text[])
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n     bigint;
  npos  bigint;
  wexpr text := '1::float8';
  fit   record;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE t.label) INTO n, npos
    FROM pg_temp.risk_model_rows t WHERE skip_fold IS NULL OR t.fold <> skip_fold;
  IF class_weight = 'balanced' AND npos > 0 AND npos < n THEN
    wexpr := format('CASE WHEN t.label THEN %s ELSE %s END',
                    n::float8 / (2 * npos), n::float8 / (2 * (n - npos)));
  END IF;
  IF to_regclass('pg_temp.risk_model_training') IS NOT NULL THEN
    DROP VIEW pg_temp.risk_model_training;
  END IF;
  EXECUTE format('CREATE TEMP VIEW risk_model_training AS SELECT %s, t.label, %s AS w '
                 'FROM pg_temp.risk_model_rows t WHERE %s',
                 (SELECT string_agg(format('t.%I', f), ', ' ORDER BY o) FROM unnest(features) WITH ORDINALITY u (f, o)),
                 wexpr, CASE WHEN skip_fold IS NULL THEN 'true' ELSE format('t.fold <> %s', skip_fold) END);
  SELECT * INTO fit
    FROM @extschema@.logit_fit(to_regclass('pg_temp.risk_model_training'), features, 'label', 'w', lambda);
  coef := fit.coef; center := fit.center; scale := fit.scale; iterations := fit.iterations;
  converged := fit.converged; loglik := fit.loglik; num_rows := fit.num_rows; positives := fit.positives;
  constant_features := fit.constant_features;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_model_fit(text[], float8, text, integer) IS
'logit_fit on the training rows of risk_model_train outside one fold (NULL: all), with balanced class weights when asked';

CREATE FUNCTION @extschema@.risk_model_train(name text, from_day date, to_day date, outcomes regclass,
    horizon_days integer DEFAULT 30, courses text[] DEFAULT NULL, features text[] DEFAULT NULL,
    lambda float8 DEFAULT 1.0, class_weight text DEFAULT NULL, every_days integer DEFAULT 1,
    description text DEFAULT NULL)
RETURNS @extschema@.risk_model
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ctx       text := 'risk_model_train';
  what      text := format('training of risk model %s', name);
  known     text[] := @extschema@.risk_feature_names();
  feats     text[] := coalesce(features, @extschema@.risk_feature_names());
  bad       text;
  started   timestamptz := clock_timestamp();
  n         bigint;
  npos      bigint;
  ngroups   integer;
  nfolds    integer;
  k         integer;
  fit       record;
  cal       record;
  cal_rows  bigint;
  cal_a     float8;
  cal_b     float8;
  method    text := 'none';
  note      text;
  m         @extschema@.risk_model;
BEGIN
  IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION '%: invalid model name "%"', ctx, name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A name is a lowercase identifier: a letter, then letters, digits or _ (at most 63).';
  END IF;
  IF from_day IS NULL OR to_day IS NULL OR from_day > to_day OR NOT isfinite(from_day) OR NOT isfinite(to_day) THEN
    RAISE EXCEPTION '%: the training window needs from_day <= to_day, both finite', ctx
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF outcomes IS NULL THEN
    RAISE EXCEPTION '%: outcomes must not be null', ctx USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: horizon_days must be between 1 and 366, not %', ctx, coalesce(horizon_days::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF every_days IS NULL OR every_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: every_days must be between 1 and 366, not %', ctx, coalesce(every_days::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF lambda IS NULL OR NOT (lambda >= 0 AND lambda < 'Infinity') THEN
    RAISE EXCEPTION '%: lambda must be finite and >= 0, not %', ctx, coalesce(lambda::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF class_weight IS NOT NULL AND class_weight <> 'balanced' THEN
    RAISE EXCEPTION '%: unknown class_weight "%"', ctx, class_weight
      USING ERRCODE = 'invalid_parameter_value', HINT = 'class_weight is NULL (every row weighs 1) or balanced.';
  END IF;
  IF courses IS NOT NULL AND (cardinality(courses) = 0 OR array_position(courses, NULL) IS NOT NULL) THEN
    RAISE EXCEPTION '%: courses must be NULL (every course) or a list of course names without NULL', ctx
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF cardinality(feats) = 0 OR array_position(feats, NULL) IS NOT NULL THEN
    RAISE EXCEPTION '%: features must be NULL (risk_feature_names()) or a list of feature names without NULL', ctx
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT f INTO bad FROM unnest(feats) WITH ORDINALITY u (f, o) WHERE f <> ALL (known) ORDER BY o LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%: unknown feature "%"', ctx, bad
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Features: ' || array_to_string(known, ', ') || '.';
  END IF;
  SELECT f INTO bad FROM unnest(feats) f GROUP BY f HAVING count(*) > 1 ORDER BY f LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%: feature "%" is named twice', ctx, bad USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- the learner-days, once: the feature columns, the label, the group (course and cohort) and the
  -- features as an array for scoring the held-out groups
  PERFORM learnalytics_internal.risk_model_drop_temp();
  EXECUTE format($q$
    CREATE TEMP TABLE risk_model_rows ON COMMIT DROP AS
    SELECT r.learner, r.course, r.cohort, r.day, %1$s, r.label,
           r.course || '/' || coalesce(r.cohort, '') AS grp, 0 AS fold,
           ARRAY[%1$s]::float8[] AS x, NULL::float8 AS oof_z
      FROM %2$s
     WHERE r.label IS NOT NULL$q$,
    (SELECT string_agg(format('r.%I', f), ', ' ORDER BY o) FROM unnest(feats) WITH ORDINALITY u (f, o)),
    CASE WHEN courses IS NULL
         THEN '@extschema@.risk_training_rows($1, $2, $3, $4, NULL, $5) r'
         ELSE 'unnest($6) c (course), LATERAL @extschema@.risk_training_rows($1, $2, $3, $4, c.course, $5) r' END)
    USING from_day, to_day, outcomes, horizon_days, every_days, courses;
  SELECT count(*), count(*) FILTER (WHERE t.label), count(DISTINCT t.grp) INTO n, npos, ngroups
    FROM pg_temp.risk_model_rows t;
  PERFORM learnalytics_internal.progress_notice(what, 'training rows built', n, started);
  IF n = 0 THEN
    RAISE EXCEPTION '%: no training rows', ctx
      USING ERRCODE = 'no_data_found',
            DETAIL = format('No learner was at risk between %s and %s%s.', from_day, to_day,
                            CASE WHEN courses IS NULL THEN '' ELSE ' in ' || array_to_string(courses, ', ') END),
            HINT = 'Check the window, the courses and the enrolments (learning_source).';
  END IF;

  -- the final model, on every row (logit_fit refuses rows without positives or negatives)
  SELECT * INTO fit FROM learnalytics_internal.risk_model_fit(feats, lambda, class_weight, NULL);
  PERFORM learnalytics_internal.progress_notice(what, format('model fitted (%s iterations)', fit.iterations),
                                                n, started);
  IF cardinality(fit.constant_features) > 0 THEN
    RAISE NOTICE '%: constant in the training rows, so not used: %', what, array_to_string(fit.constant_features, ', ');
  END IF;
  IF NOT fit.converged THEN
    RAISE WARNING '%: the fit did not converge in % iterations', what, fit.iterations
      USING HINT = 'Raise lambda, or leave out features that are almost constant or collinear.';
  END IF;

  -- calibration, by cross-fitting: whole groups (course/cohort) are held out, up to 5 folds; each
  -- fold is scored by a model fitted with the same settings on the other folds, and Platt scaling
  -- is fitted on those out-of-fold raw logits (unweighted)
  nfolds := least(ngroups, 5);
  IF nfolds < 2 THEN
    note := 'one course/cohort group only: no held-out data to calibrate on';
  ELSE
    UPDATE pg_temp.risk_model_rows t SET fold = g.fold
      FROM (SELECT q.grp, (row_number() OVER (ORDER BY q.grp) - 1) % nfolds AS fold
              FROM (SELECT DISTINCT r.grp FROM pg_temp.risk_model_rows r) q) g
     WHERE g.grp = t.grp;
    FOR k IN 0 .. nfolds - 1 LOOP
      BEGIN
        SELECT * INTO cal FROM learnalytics_internal.risk_model_fit(feats, lambda, class_weight, k);
        UPDATE pg_temp.risk_model_rows t
           SET oof_z = learnalytics_internal.risk_logit(@extschema@.logit_contributions(t.x, cal.coef, cal.center, cal.scale),
                                                        cal.coef)
         WHERE t.fold = k;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE '%: fold % of % left out of the calibration: %', what, k + 1, nfolds, SQLERRM;
      END;
      PERFORM learnalytics_internal.progress_notice(what, format('calibration fold %s of %s fitted', k + 1, nfolds),
                                                    n, started);
    END LOOP;
    IF to_regclass('pg_temp.risk_model_oof') IS NOT NULL THEN
      DROP VIEW pg_temp.risk_model_oof;
    END IF;
    CREATE TEMP VIEW risk_model_oof AS
      SELECT t.oof_z, t.label FROM pg_temp.risk_model_rows t WHERE t.oof_z IS NOT NULL;
    SELECT count(*) INTO cal_rows FROM pg_temp.risk_model_oof;
    BEGIN
      SELECT * INTO cal FROM @extschema@.logit_fit(to_regclass('pg_temp.risk_model_oof'), ARRAY['oof_z'], 'label', NULL, 0);
      IF cal.scale[1] > 0 THEN
        cal_a := cal.coef[2] / cal.scale[1];
        cal_b := cal.coef[1] - cal_a * cal.center[1];
        method := 'platt';
        note := format('Platt scaling on the out-of-fold raw logits of %s rows in %s course/cohort groups (%s folds)',
                       cal_rows, ngroups, nfolds);
      ELSE
        note := 'the out-of-fold raw logits are constant';
      END IF;
    EXCEPTION WHEN OTHERS THEN
      note := format('Platt scaling failed on the out-of-fold raw logits of %s rows: %s', cal_rows, SQLERRM);
    END;
  END IF;
  IF method = 'none' THEN
    RAISE NOTICE '%: the probabilities are uncalibrated (%)', what, note;
  END IF;

  INSERT INTO @extschema@.risk_model (name, version, features, coef, center, scale, lambda, class_weight,
      horizon_days, from_day, to_day, courses, every_days, outcomes, num_rows, positives, iterations,
      converged, loglik, calibration, calibration_a, calibration_b, calibration_rows, calibration_groups,
      calibration_note, description)
  VALUES (name,
          coalesce((SELECT max(r.version) FROM @extschema@.risk_model r WHERE r.name = risk_model_train.name), 0) + 1,
          feats, fit.coef, fit.center, fit.scale, lambda, class_weight, horizon_days, from_day, to_day,
          courses, every_days, outcomes::text, n, npos, fit.iterations, fit.converged, fit.loglik,
          method, cal_a, cal_b, cal_rows, CASE WHEN nfolds >= 2 THEN ngroups END, note, description)
  RETURNING * INTO m;
  PERFORM learnalytics_internal.risk_model_drop_temp();
  PERFORM learnalytics_internal.progress_notice(what, format('version %s stored', m.version), n, started);
  RETURN m;
END
$$;
COMMENT ON FUNCTION @extschema@.risk_model_train(text, date, date, regclass, integer, text[], text[], float8, text, integer, text) IS
'train a new version of a dropout-risk model: logistic regression on risk_training_rows, calibrated by cross-fitting across course/cohort groups';

-------------------------------------------------------------------------------
-- Scoring
-------------------------------------------------------------------------------
-- The rows of risk_score (detail) or risk_score_days (detail false: the last three columns NULL).
CREATE FUNCTION learnalytics_internal.risk_score_rows(model text, from_day date, to_day date, course_name text,
    version integer, every_days integer, detail boolean)
RETURNS TABLE (learner text, course text, day date, probability float8, raw_probability float8,
               reasons text, contributions jsonb)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ctx text := CASE WHEN detail THEN 'risk_score' ELSE 'risk_score_days' END;
  m   @extschema@.risk_model := learnalytics_internal.risk_model_get(model, version, ctx);
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR from_day > to_day OR NOT isfinite(from_day) OR NOT isfinite(to_day) THEN
    RAISE EXCEPTION '%: %', ctx, CASE WHEN detail THEN 'as_of must be a finite day'
                                      ELSE 'the period needs from_day <= to_day, both finite' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF every_days IS NULL OR every_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: every_days must be between 1 and 366, not %', ctx, coalesce(every_days::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF detail THEN
    RETURN QUERY EXECUTE learnalytics_internal.risk_score_sql(m, true) USING from_day, to_day, course_name, every_days, m;
  ELSE
    RETURN QUERY EXECUTE format('SELECT q.*, NULL::float8, NULL::text, NULL::jsonb FROM (%s) q',
                                learnalytics_internal.risk_score_sql(m, false))
      USING from_day, to_day, course_name, every_days, m;
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_score_rows(text, date, date, text, integer, integer, boolean) IS
'scores of a risk model over a period: the body of risk_score (detail: raw probability, reasons, contributions) and risk_score_days';

-- SQL wrappers: a PL/pgSQL function cannot have an argument and a result column both named course.
CREATE FUNCTION @extschema@.risk_score(model text, as_of date, course text DEFAULT NULL, version integer DEFAULT NULL)
RETURNS TABLE (learner text, course text, day date, probability float8, raw_probability float8,
               reasons text, contributions jsonb)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$
  SELECT * FROM learnalytics_internal.risk_score_rows($1, $2, $2, $3, $4, 1, true)
$$;
COMMENT ON FUNCTION @extschema@.risk_score(text, date, text, integer) IS
'calibrated dropout probability of each learner at risk at the end of a day, with the top features raising it in words';

CREATE FUNCTION @extschema@.risk_score_days(model text, from_day date, to_day date, course text DEFAULT NULL,
    version integer DEFAULT NULL, every_days integer DEFAULT 1)
RETURNS TABLE (learner text, course text, day date, probability float8)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$
  SELECT r.learner, r.course, r.day, r.probability
    FROM learnalytics_internal.risk_score_rows($1, $2, $3, $4, $5, $6, false) r
$$;
COMMENT ON FUNCTION @extschema@.risk_score_days(text, date, date, text, integer, integer) IS
'calibrated dropout probability of every learner-day at risk in a period (every every_days days), set-based';

-------------------------------------------------------------------------------
-- Activation and current risk
-------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.risk_model_activate(name text, version integer)
RETURNS @extschema@.risk_model
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m @extschema@.risk_model;
BEGIN
  IF version IS NULL THEN
    RAISE EXCEPTION 'risk_model_activate: version must not be null' USING ERRCODE = 'null_value_not_allowed',
      HINT = 'To deactivate every version: UPDATE risk_model SET active = false WHERE name = ...';
  END IF;
  m := learnalytics_internal.risk_model_get(name, version, 'risk_model_activate');
  UPDATE @extschema@.risk_model r SET active = false
   WHERE r.name = risk_model_activate.name AND r.active AND r.version <> risk_model_activate.version;
  UPDATE @extschema@.risk_model r SET active = true
   WHERE r.name = risk_model_activate.name AND r.version = risk_model_activate.version
  RETURNING * INTO m;
  -- the stored current scores of other versions are no longer current
  DELETE FROM learnalytics_internal.risk_score_current s
   WHERE s.model = risk_model_activate.name AND s.version <> risk_model_activate.version;
  RETURN m;
END
$$;
COMMENT ON FUNCTION @extschema@.risk_model_activate(text, integer) IS
'make a version the active one of its model name (the others of that name become inactive); returns its row';

-- The current scores of the active models, as of the day of the last risk_model_refresh: what
-- learner_risk shows. Derived data (not dumped): risk_model_refresh rebuilds it.
CREATE TABLE learnalytics_internal.risk_score_current (
  model           text NOT NULL,
  version         integer NOT NULL,
  learner         text NOT NULL,
  course          text NOT NULL,
  day             date NOT NULL,
  probability     float8 NOT NULL,
  raw_probability float8 NOT NULL,
  reasons         text,
  contributions   jsonb,
  PRIMARY KEY (model, course, learner)
);
COMMENT ON TABLE learnalytics_internal.risk_score_current IS
'risk_score of the active version of each model as of the day of the last risk_model_refresh (what learner_risk shows)';

CREATE FUNCTION @extschema@.risk_model_refresh(as_of date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d       date := coalesce(as_of, (now() AT TIME ZONE 'UTC')::date - 1);
  m       @extschema@.risk_model;
  n       bigint := 0;
  k       bigint;
  started timestamptz := clock_timestamp();
BEGIN
  IF NOT isfinite(d) THEN
    RAISE EXCEPTION 'risk_model_refresh: as_of must be a finite day' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- one refresh at a time (a second waits, then replaces the first's rows)
  LOCK TABLE learnalytics_internal.risk_score_current IN EXCLUSIVE MODE;
  DELETE FROM learnalytics_internal.risk_score_current;
  FOR m IN SELECT * FROM @extschema@.risk_model r WHERE r.active ORDER BY r.name LOOP
    INSERT INTO learnalytics_internal.risk_score_current
      (model, version, learner, course, day, probability, raw_probability, reasons, contributions)
    SELECT m.name, m.version, s.learner, s.course, s.day, s.probability, s.raw_probability, s.reasons, s.contributions
      FROM @extschema@.risk_score(m.name, d, NULL, m.version) s;
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    PERFORM learnalytics_internal.progress_notice('risk_model_refresh', format('model %s scored', m.name), n, started,
                                                  'learners');
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.risk_model_refresh(date) IS
'score every active risk model as of a day (NULL: yesterday in UTC, the last complete day) for learner_risk; returns the rows stored';

CREATE FUNCTION learnalytics_internal.job_risk_model_refresh(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('risk_model_refresh', args, '{as_of}');
  d date := learnalytics_internal.job_arg_text('risk_model_refresh', args, 'as_of')::date;
BEGIN
  IF validate_only THEN
    RETURN NULL;
  END IF;
  RETURN format('%s learners scored', @extschema@.risk_model_refresh(d));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_risk_model_refresh(jsonb) IS
'job handler of kind risk_model_refresh: score the active risk models as of a day (default yesterday in UTC)';

INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('risk_model_refresh', 'learnalytics_internal.job_risk_model_refresh(jsonb)',
   'risk_model_refresh(...): score the active risk models for learner_risk as of {"as_of": "YYYY-MM-DD"} (default: yesterday in UTC)');

CREATE VIEW @extschema@.learner_risk WITH (security_barrier = true) AS
SELECT s.learner, s.course, s.model, s.version, s.day, s.probability, s.reasons
FROM learnalytics_internal.risk_score_current s
JOIN @extschema@.risk_model m ON m.name = s.model AND m.version = s.version AND m.active
WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR s.learner IN (SELECT learnalytics_internal.managed_learners()));
COMMENT ON VIEW @extschema@.learner_risk IS
'current dropout risk per learner and course from the active risk models, as of the last risk_model_refresh, with reasons';

-- privileges (doc/risk_model.md): admins train, activate, refresh and delete models; analysts read
-- the registry and score; viewers read learner_risk (their learners only)
GRANT SELECT, INSERT, DELETE ON @extschema@.risk_model TO learnalytics_admin;
GRANT UPDATE (active, description, evaluation) ON @extschema@.risk_model TO learnalytics_admin;
GRANT SELECT ON @extschema@.risk_model TO learnalytics_analyst;
GRANT SELECT, INSERT, DELETE ON learnalytics_internal.risk_score_current TO learnalytics_admin;
GRANT SELECT ON @extschema@.learner_risk TO learnalytics_viewer;
GRANT EXECUTE ON FUNCTION
  @extschema@.risk_model_train(text, date, date, regclass, integer, text[], text[], float8, text, integer, text),
  learnalytics_internal.risk_model_fit(text[], float8, text, integer),
  learnalytics_internal.risk_model_drop_temp(),
  @extschema@.risk_model_activate(text, integer),
  @extschema@.risk_model_refresh(date),
  learnalytics_internal.job_risk_model_refresh(jsonb)
TO learnalytics_admin;
GRANT EXECUTE ON FUNCTION
  @extschema@.risk_score(text, date, text, integer),
  @extschema@.risk_score_days(text, date, date, text, integer, integer),
  learnalytics_internal.risk_model_get(text, integer, text),
  learnalytics_internal.risk_score_rows(text, date, date, text, integer, integer, boolean),
  learnalytics_internal.risk_score_sql(@extschema@.risk_model, boolean)
TO learnalytics_analyst;
