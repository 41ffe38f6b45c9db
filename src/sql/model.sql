-------------------------------------------------------------------------------
-- model: logistic regression in C (logit_summary, la_logit_agg, logit_fit) (doc/model.md)
--
-- One pass of la_logit_agg over the rows gives, at given coefficients, the log-likelihood, its
-- gradient and Hessian, and the weighted means and spreads of the raw features: a logit_summary.
-- logit_newton_step solves the Newton system from it, logit_fit iterates (one pass per step).
-- Like stats_summary, the state is a real SQL type (never `internal`), so parallel query and
-- Citus ship partial states through its lossless binary or text form.
-------------------------------------------------------------------------------
CREATE TYPE @extschema@.logit_summary;

CREATE FUNCTION learnalytics_internal.la_logit_in(cstring) RETURNS @extschema@.logit_summary
AS 'MODULE_PATHNAME', 'la_logit_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_logit_out(@extschema@.logit_summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'la_logit_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_logit_recv(internal) RETURNS @extschema@.logit_summary
AS 'MODULE_PATHNAME', 'la_logit_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_logit_send(@extschema@.logit_summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_logit_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.logit_summary (
  INPUT = learnalytics_internal.la_logit_in,
  OUTPUT = learnalytics_internal.la_logit_out,
  RECEIVE = learnalytics_internal.la_logit_recv,
  SEND = learnalytics_internal.la_logit_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);

COMMENT ON TYPE @extschema@.logit_summary IS
'one pass of a logistic regression over rows at given coefficients: rows, weight, positives, log-likelihood, gradient, Hessian, weighted feature means and spreads; combinable with la_merge_agg (doc/model.md)';
COMMENT ON FUNCTION learnalytics_internal.la_logit_in(cstring) IS
'text input of logit_summary, "v1 d=.. n=.. w=.. pos=.. ll=.. coef=.. center=.. scale=.. grad=.. hess=.. mean=.. m2=.." (validated: a malformed or inconsistent value is rejected naming the field)';
COMMENT ON FUNCTION learnalytics_internal.la_logit_out(@extschema@.logit_summary) IS
'text output of logit_summary (floats shortest-exact: reads back to the same bits)';
COMMENT ON FUNCTION learnalytics_internal.la_logit_recv(internal) IS
'binary input of logit_summary (validated like the text input)';
COMMENT ON FUNCTION learnalytics_internal.la_logit_send(@extschema@.logit_summary) IS
'binary output of logit_summary (format word, d, n, w, pos, ll, then the arrays, network byte order)';

CREATE FUNCTION learnalytics_internal.la_logit_sfunc(@extschema@.logit_summary, features float8[], label boolean,
    weight float8, coef float8[], center float8[], scale float8[])
RETURNS @extschema@.logit_summary
AS 'MODULE_PATHNAME', 'la_logit_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_logit_sfunc(@extschema@.logit_summary, float8[], boolean, float8, float8[], float8[], float8[]) IS
'transition function of la_logit_agg: adds one row (NULL label or NULL/zero weight: skipped; NULL or non-finite features, a negative weight, lengths that differ: an error)';

CREATE FUNCTION learnalytics_internal.la_logit_combine(@extschema@.logit_summary, @extschema@.logit_summary)
RETURNS @extschema@.logit_summary
AS 'MODULE_PATHNAME', 'la_logit_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_logit_combine(@extschema@.logit_summary, @extschema@.logit_summary) IS
'merge two logit summaries computed at the same coefficients, centres and scales (sums; feature spreads by Chan''s formula)';

CREATE AGGREGATE @extschema@.la_logit_agg(features float8[], label boolean, weight float8,
    coef float8[], center float8[], scale float8[]) (
  SFUNC = learnalytics_internal.la_logit_sfunc,
  STYPE = @extschema@.logit_summary,
  COMBINEFUNC = learnalytics_internal.la_logit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.la_logit_agg(float8[], boolean, float8, float8[], float8[], float8[]) IS
'logit_summary of the rows at coefficients coef on features standardised by center and scale (NULL: zeros, zeros, ones); rows with a NULL label or a NULL or zero weight are skipped; no rows give NULL';

CREATE AGGREGATE @extschema@.la_merge_agg(@extschema@.logit_summary) (
  SFUNC = learnalytics_internal.la_logit_combine,
  STYPE = @extschema@.logit_summary,
  COMBINEFUNC = learnalytics_internal.la_logit_combine,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.la_merge_agg(@extschema@.logit_summary) IS
'merge logit summaries of parts of the rows (computed at the same coefficients) into the summary of all of them';

-- Accessors (nouns)
CREATE FUNCTION @extschema@.logit_num_rows(@extschema@.logit_summary) RETURNS bigint
AS 'MODULE_PATHNAME', 'la_logit_num_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_num_rows(@extschema@.logit_summary) IS
'number of rows summarized (rows skipped for a NULL label or a NULL or zero weight not counted)';

CREATE FUNCTION @extschema@.logit_weight_sum(@extschema@.logit_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_logit_weight_sum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_weight_sum(@extschema@.logit_summary) IS
'sum of the weights of the rows summarized';

CREATE FUNCTION @extschema@.logit_positives(@extschema@.logit_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_logit_positives' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_positives(@extschema@.logit_summary) IS
'sum of the weights of the rows labelled true';

CREATE FUNCTION @extschema@.logit_loglik(@extschema@.logit_summary) RETURNS float8
AS 'MODULE_PATHNAME', 'la_logit_loglik' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_loglik(@extschema@.logit_summary) IS
'weighted log-likelihood of the rows at the summary''s coefficients (no penalty)';

CREATE FUNCTION @extschema@.logit_coefficients(@extschema@.logit_summary) RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_coefficients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_coefficients(@extschema@.logit_summary) IS
'the coefficients (intercept first) the summary was computed at';

CREATE FUNCTION @extschema@.logit_gradient(@extschema@.logit_summary) RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_gradient' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_gradient(@extschema@.logit_summary) IS
'gradient of the log-likelihood, sum w (y - p) z, intercept first';

CREATE FUNCTION @extschema@.logit_hessian(@extschema@.logit_summary) RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_hessian' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_hessian(@extschema@.logit_summary) IS
'negative Hessian of the log-likelihood, sum w p (1 - p) z z^T, as a symmetric (p+1) x (p+1) float8[][]';

CREATE FUNCTION @extschema@.logit_feature_means(@extschema@.logit_summary) RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_feature_means' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_feature_means(@extschema@.logit_summary) IS
'weighted means of the raw features; NULL for a summary of no rows';

CREATE FUNCTION @extschema@.logit_feature_sds(@extschema@.logit_summary) RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_feature_sds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_feature_sds(@extschema@.logit_summary) IS
'weighted standard deviations (ddof 0, as StandardScaler) of the raw features; NULL for a summary of no rows';

CREATE FUNCTION @extschema@.logit_newton_step(@extschema@.logit_summary, coef float8[], lambda float8)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_newton_step' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_newton_step(@extschema@.logit_summary, float8[], float8) IS
'Newton step delta solving (H + lambda P) delta = g - lambda P coef (P: identity but the intercept; constant features do not move), by Cholesky; coef must be the summary''s coefficients';

CREATE FUNCTION learnalytics_internal.logit_objective(@extschema@.logit_summary, lambda float8)
RETURNS float8
AS 'MODULE_PATHNAME', 'la_logit_objective' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.logit_objective(@extschema@.logit_summary, float8) IS
'penalised log-likelihood at the summary''s coefficients: loglik - lambda/2 * sum of the squared coefficients but the intercept (what logit_fit maximises)';

-- Scoring
CREATE FUNCTION @extschema@.logit_probability(features float8[], coef float8[], center float8[], scale float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'la_logit_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_probability(float8[], float8[], float8[], float8[]) IS
'probability 1 / (1 + exp(-(coef[1] + sum coef[j+1] (x_j - center_j) / scale_j))) of a row (scale 0: a constant feature, no contribution)';

CREATE FUNCTION @extschema@.logit_contributions(features float8[], coef float8[], center float8[], scale float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'la_logit_contributions' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.logit_contributions(float8[], float8[], float8[], float8[]) IS
'contribution of each feature to the linear predictor of a row, coef[j+1] (x_j - center_j) / scale_j (no intercept)';

-- The fit: one la_logit_agg pass over the rows per Newton step. STABLE: it only reads, and every
-- pass sees the same snapshot.
CREATE FUNCTION @extschema@.logit_fit(rows regclass, feature_columns text[], label_column text,
    weight_column text DEFAULT NULL, lambda float8 DEFAULT 1.0, max_iterations integer DEFAULT 25,
    tolerance float8 DEFAULT 1e-8,
    OUT coef float8[], OUT center float8[], OUT scale float8[], OUT iterations integer,
    OUT converged boolean, OUT loglik float8, OUT num_rows bigint, OUT positives float8,
    OUT constant_features text[])
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fn         constant text := 'logit_fit';
  started    constant timestamptz := clock_timestamp();
  -- with lambda = 0, a standardised coefficient beyond this (odds multiplied by e^10 = 22,000 per
  -- standard deviation) is taken for separation: the coefficients of separated data grow without
  -- bound, by about the same amount every step
  separated  constant float8 := 10;
  p          integer;
  query      text;
  s          @extschema@.logit_summary;
  trial_s    @extschema@.logit_summary;
  no_coef    float8[];
  sds        float8[];
  delta      float8[];
  trial      float8[];
  obj        float8;
  trial_obj  float8;
  step       float8;
  max_delta  float8;
  wsum       float8;
  halvings   integer;
  label_type regtype;
BEGIN
  PERFORM learnalytics_internal.require_relation(rows, 'readable', fn);
  IF feature_columns IS NULL OR array_position(feature_columns, NULL) IS NOT NULL
     OR array_ndims(feature_columns) > 1 THEN
    RAISE EXCEPTION 'logit_fit field "feature_columns" must be an array of column names without NULLs'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Name the feature columns, for example ARRAY[''days_inactive'', ''activity_7d''].';
  END IF;
  p := coalesce(cardinality(feature_columns), 0);
  IF p > 1000 THEN
    RAISE EXCEPTION 'logit_fit supports at most 1000 features, not %', p
      USING ERRCODE = 'program_limit_exceeded';
  END IF;
  FOR i IN 1 .. p LOOP
    PERFORM learnalytics_internal.require_column(rows, feature_columns[i], 'numeric',
                                                 format('logit_fit field "feature_columns" element %s', i));
  END LOOP;
  IF label_column IS NULL THEN
    RAISE EXCEPTION 'logit_fit field "label_column" must not be null'
      USING ERRCODE = 'null_value_not_allowed', HINT = 'Name a boolean column: the outcome to predict.';
  END IF;
  label_type := learnalytics_internal.require_column(rows, label_column, NULL, 'logit_fit field "label_column"');
  IF label_type <> 'boolean'::regtype THEN
    RAISE EXCEPTION 'logit_fit field "label_column": column "%" of % must be boolean, not %', label_column, rows, label_type
      USING ERRCODE = 'datatype_mismatch', HINT = 'Convert it in a view to a boolean column.';
  END IF;
  PERFORM learnalytics_internal.require_column(rows, weight_column, 'numeric', 'logit_fit field "weight_column"');
  IF lambda IS NULL OR lambda < 0 OR lambda = 'Infinity' OR lambda = 'NaN' THEN
    RAISE EXCEPTION 'logit_fit field "lambda" must be a finite number >= 0, not %', coalesce(lambda::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'lambda is the L2 penalty on the standardised coefficients (sklearn''s 1 / C); 1 is a good start.';
  END IF;
  IF max_iterations IS NULL OR max_iterations < 1 THEN
    RAISE EXCEPTION 'logit_fit field "max_iterations" must be at least 1, not %', coalesce(max_iterations::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF tolerance IS NULL OR NOT (tolerance > 0 AND tolerance < 'Infinity') THEN
    RAISE EXCEPTION 'logit_fit field "tolerance" must be a positive finite number, not %', coalesce(tolerance::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  query := format('SELECT @extschema@.la_logit_agg(ARRAY[%s]::float8[], %I, %s, $1, $2, $3) FROM %s',
                  (SELECT string_agg(format('%I::float8', c), ', ' ORDER BY o)
                     FROM unnest(feature_columns) WITH ORDINALITY AS u (c, o)),
                  label_column,
                  CASE WHEN weight_column IS NULL THEN '1::float8' ELSE format('%I::float8', weight_column) END,
                  rows);

  -- pass 0: the weighted means and standard deviations of the raw features
  EXECUTE query INTO s USING no_coef, no_coef, no_coef;
  IF s IS NULL THEN
    RAISE EXCEPTION 'logit_fit: % has no row with a label and a positive weight', rows
      USING ERRCODE = 'data_exception',
            HINT = 'Rows with a NULL label or a NULL or zero weight are left out.';
  END IF;
  num_rows := @extschema@.logit_num_rows(s);
  positives := @extschema@.logit_positives(s);
  wsum := @extschema@.logit_weight_sum(s);
  IF positives = 0 OR positives = wsum THEN
    RAISE EXCEPTION 'logit_fit: every row of % with a weight is labelled %', rows,
                    CASE WHEN positives = 0 THEN 'false' ELSE 'true' END
      USING ERRCODE = 'data_exception',
            DETAIL = format('%s rows, weight %s, positives %s.', num_rows, wsum, positives),
            HINT = 'A logistic regression needs rows of both labels.';
  END IF;
  center := @extschema@.logit_feature_means(s);
  sds := @extschema@.logit_feature_sds(s);
  scale := sds;
  constant_features := ARRAY(SELECT feature_columns[i] FROM generate_subscripts(sds, 1) AS i
                             WHERE sds[i] = 0 ORDER BY i);
  IF cardinality(constant_features) > 0 THEN
    RAISE NOTICE 'logit_fit: constant features get coefficient 0: %', array_to_string(constant_features, ', ');
  END IF;
  PERFORM learnalytics_internal.progress_notice(fn, 'feature means and spreads', num_rows, started);

  -- Newton from the intercept-only model
  coef := array_fill(0::float8, ARRAY[p + 1]);
  coef[1] := ln(positives / (wsum - positives));
  EXECUTE query INTO s USING coef, center, scale;
  obj := learnalytics_internal.logit_objective(s, lambda);
  iterations := 0;
  converged := false;
  WHILE iterations < max_iterations LOOP
    delta := @extschema@.logit_newton_step(s, coef, lambda);
    max_delta := (SELECT max(abs(x)) FROM unnest(delta) AS x);
    iterations := iterations + 1;
    step := 1;
    halvings := 0;
    LOOP
      trial := ARRAY(SELECT c + step * dl FROM unnest(coef, delta) WITH ORDINALITY AS u (c, dl, o) ORDER BY o);
      EXECUTE query INTO trial_s USING trial, center, scale;
      trial_obj := learnalytics_internal.logit_objective(trial_s, lambda);
      EXIT WHEN trial_obj >= obj - 1e-12 * (1 + abs(obj)) OR halvings >= 30;
      step := step / 2;
      halvings := halvings + 1;
    END LOOP;
    IF trial_obj < obj - 1e-12 * (1 + abs(obj)) THEN
      -- no step along the Newton direction improves: as close to the optimum as float8 gets
      converged := max_delta < tolerance * 1e3;
      EXIT;
    END IF;
    coef := trial;
    s := trial_s;
    obj := trial_obj;
    PERFORM learnalytics_internal.progress_notice(fn,
      format('iteration %s: penalised log-likelihood %s, largest step %s%s', iterations,
             btrim(to_char(obj, '9.999999EEEE')), btrim(to_char(max_delta, '9.99EEEE')),
             CASE WHEN halvings > 0 THEN format(' (halved %s times)', halvings) ELSE '' END),
      num_rows, started);
    IF lambda = 0 AND (@extschema@.logit_loglik(s) > -1e-9 * wsum
                       OR (SELECT max(abs(c)) FROM unnest(coef[2:]) AS c) > separated) THEN
      RAISE EXCEPTION 'logit_fit: the features separate the labels of % (no maximum likelihood estimate)', rows
        USING ERRCODE = 'data_exception',
              DETAIL = format('After %s iterations the log-likelihood is %s and the largest standardised coefficient %s.',
                              iterations, btrim(to_char(@extschema@.logit_loglik(s), '9.999EEEE')),
                              btrim(to_char((SELECT max(abs(c)) FROM unnest(coef[2:]) AS c), '9.99EEEE'))),
              HINT = 'Fit with lambda > 0 (a penalty keeps the coefficients finite), or drop the feature that gives the label away.';
    END IF;
    IF max_delta < tolerance THEN
      converged := true;
      EXIT;
    END IF;
  END LOOP;
  loglik := @extschema@.logit_loglik(s);
  IF NOT converged THEN
    RAISE NOTICE 'logit_fit: no convergence in % iterations (largest step %)', iterations, btrim(to_char(max_delta, '9.99EEEE'));
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.logit_fit(regclass, text[], text, text, float8, integer, float8) IS
'fit an L2-penalised logistic regression of a boolean label column on numeric feature columns (standardised by their weighted means and spreads) by Newton''s method with step halving, one la_logit_agg pass per step';
REVOKE ALL ON FUNCTION @extschema@.logit_fit(regclass, text[], text, text, float8, integer, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.logit_fit(regclass, text[], text, text, float8, integer, float8)
  TO learnalytics_analyst;
