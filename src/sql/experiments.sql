
-------------------------------------------------------------------------------
-- experiments: deterministic assignment (hash of experiment and learner, balanced within strata),
-- eligibility, measurement windows, success criteria, stepped roll-out
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.experiment (
  key                     text PRIMARY KEY CHECK (key <> ''),
  arms                    text[] NOT NULL DEFAULT '{control,treatment}'
                          CHECK (cardinality(arms) >= 2 AND array_position(arms, NULL) IS NULL),
  weights                 int[] CONSTRAINT experiment_weights_one_positive_per_arm
                          CHECK (cardinality(weights) = cardinality(arms) AND 0 < ALL (weights)
                                 AND array_position(weights, NULL) IS NULL),
  control_arm             text NOT NULL DEFAULT 'control',
  eligible_relation       regclass,
  eligible_learner_column name,
  stratum_column          name,
  measure_from            timestamptz,
  measure_to              timestamptz,
  performance_source      text REFERENCES @extschema@.performance_source (name),
  min_effect              float8 NOT NULL DEFAULT 0 CHECK (min_effect >= 0 AND min_effect < 'Infinity'),
  alpha                   float8 NOT NULL DEFAULT 0.05 CHECK (alpha > 0 AND alpha < 1),
  description             text,
  CONSTRAINT experiment_control_arm_is_an_arm CHECK (control_arm = ANY (arms)),
  CONSTRAINT experiment_window_ends_after_start CHECK (measure_to > measure_from),
  CONSTRAINT experiment_eligibility_relation_and_column
    CHECK ((eligible_relation IS NULL) = (eligible_learner_column IS NULL)),
  CONSTRAINT experiment_stratum_needs_eligibility CHECK (stratum_column IS NULL OR eligible_relation IS NOT NULL)
);
COMMENT ON TABLE @extschema@.experiment IS
'experiments: arms and weights, control arm, eligible learners (relation + columns, optional stratum), measurement window, performance source, success criteria (min_effect, alpha)';

CREATE TABLE @extschema@.experiment_assignment (
  experiment  text NOT NULL REFERENCES @extschema@.experiment (key) ON DELETE CASCADE,
  learner_key text NOT NULL,
  stratum     text,
  arm         text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (experiment, learner_key)
);
COMMENT ON TABLE @extschema@.experiment_assignment IS
'frozen arm of each assigned learner (experiment_assign() adds new eligible learners, never moves one)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.experiment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.experiment_assignment', '');

-- Check the eligibility columns of an experiment against the catalog (names are only ever used
-- through format('%I') and regclass).
CREATE FUNCTION learnalytics_internal.experiment_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  field text;
BEGIN
  IF array_position(NEW.arms, '') IS NOT NULL
     OR (SELECT count(DISTINCT a) FROM unnest(NEW.arms) a) <> cardinality(NEW.arms) THEN
    RAISE EXCEPTION 'experiment field "arms": arm names must be distinct and not empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- (without a relation, the table's CHECK constraints refuse the columns)
  IF NEW.eligible_relation IS NULL THEN
    RETURN NEW;
  END IF;
  -- the assignment publishes who is eligible: whoever names the relation must be allowed to read it
  PERFORM learnalytics_internal.require_registrant_privilege(NEW.eligible_relation, 'SELECT',
                                                             'experiment field "eligible_relation"');
  FOREACH field IN ARRAY ARRAY['eligible_learner_column', 'stratum_column'] LOOP
    PERFORM learnalytics_internal.require_column(NEW.eligible_relation, to_jsonb(NEW) ->> field, NULL,
                                                 format('experiment field "%s"', field));
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.experiment_check() IS
'trigger: validate an experiment row (distinct arms, eligibility columns exist)';

CREATE TRIGGER experiment_check BEFORE INSERT OR UPDATE ON @extschema@.experiment
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.experiment_check();

-- The assignment hash: the first 60 bits of md5(experiment || newline || learner), reproducible in
-- any language and stable across PostgreSQL versions (unlike hashtext).
CREATE FUNCTION @extschema@.experiment_hash(experiment text, learner_key text)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT (('x' OPERATOR(pg_catalog.||) pg_catalog.substr(pg_catalog.md5(experiment OPERATOR(pg_catalog.||) E'\n'
          OPERATOR(pg_catalog.||) learner_key), 1, 15))::bit(60))::bigint
$$;
COMMENT ON FUNCTION @extschema@.experiment_hash(text, text) IS
'deterministic 60-bit hash of experiment and learner keys (md5-based, reproducible outside the database)';

-- The arm of a learner by hash alone (no strata): arms weighted by weights (equal by default).
CREATE FUNCTION @extschema@.experiment_arm(experiment text, learner_key text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  x     record;
  total bigint;
  pick  bigint;
  acc   bigint := 0;
BEGIN
  SELECT e.arms, COALESCE(e.weights, array_fill(1, ARRAY[cardinality(e.arms)])) AS w INTO x
  FROM @extschema@.experiment e WHERE e.key = experiment;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown experiment "%"', experiment USING ERRCODE = 'undefined_object';
  END IF;
  SELECT sum(w) INTO total FROM unnest(x.w) w;
  pick := @extschema@.experiment_hash(experiment, learner_key) % total;
  FOR i IN 1 .. cardinality(x.arms) LOOP
    acc := acc + x.w[i];
    IF pick < acc THEN
      RETURN x.arms[i];
    END IF;
  END LOOP;
  RETURN NULL;  -- not reached
END
$$;
COMMENT ON FUNCTION @extschema@.experiment_arm(text, text) IS
'arm of a learner by hash alone (weighted, no strata): the same answer every time, anywhere';

-- Assign every eligible learner who has no arm yet. Within each stratum (site, team...), new
-- learners are ordered by their hash and dealt arms in permuted blocks (each block holds every arm
-- as many times as its weight, in an order drawn from the hash of experiment, stratum and block),
-- so arms stay balanced within a stratum to within one block. Existing assignments never move.
CREATE FUNCTION @extschema@.experiment_assign(experiment text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  x     record;
  slots text[];
  added bigint;
BEGIN
  SELECT e.* INTO x FROM @extschema@.experiment e WHERE e.key = experiment FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown experiment "%"', experiment USING ERRCODE = 'undefined_object';
  END IF;
  IF x.eligible_relation IS NULL THEN
    RAISE EXCEPTION 'experiment "%" has no eligible_relation', experiment
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Set eligible_relation and eligible_learner_column to a table or view of eligible learners.';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(x.eligible_relation, format('experiment "%s" eligible_relation', experiment));
  SELECT array_agg(a.arm ORDER BY a.i, r) INTO slots
  FROM unnest(x.arms, COALESCE(x.weights, array_fill(1, ARRAY[cardinality(x.arms)]))) WITH ORDINALITY a(arm, w, i),
       generate_series(1, a.w) r;
  EXECUTE format($q$
    WITH eligible AS (
      SELECT DISTINCT ON (l.k) l.k, l.stratum
      FROM (SELECT (t.%1$I)::text AS k, %2$s AS stratum FROM %3$s t WHERE t.%1$I IS NOT NULL) l
      WHERE NOT EXISTS (SELECT 1 FROM @extschema@.experiment_assignment a
                        WHERE a.experiment = $1 AND a.learner_key = l.k)
      ORDER BY l.k, l.stratum),
    ranked AS (
      SELECT e.k, e.stratum,
             row_number() OVER (PARTITION BY e.stratum
                                ORDER BY @extschema@.experiment_hash($1, e.k), e.k) - 1 AS i
      FROM eligible e)
    INSERT INTO @extschema@.experiment_assignment (experiment, learner_key, stratum, arm)
    SELECT $1, r.k, r.stratum,
           (SELECT s.arm FROM unnest($2::text[]) WITH ORDINALITY s(arm, slot)
            ORDER BY md5($1 || E'\n' || COALESCE(r.stratum, '') || E'\n' || (r.i / cardinality($2)) || E'\n' || s.slot)
            OFFSET r.i %% cardinality($2) LIMIT 1)
    FROM ranked r
    $q$,
    x.eligible_learner_column,
    CASE WHEN x.stratum_column IS NULL THEN 'NULL::text' ELSE format('(t.%I)::text', x.stratum_column) END,
    x.eligible_relation)
  USING experiment, slots;
  GET DIAGNOSTICS added = ROW_COUNT;
  RETURN added;
END
$$;
COMMENT ON FUNCTION @extschema@.experiment_assign(text) IS
'assign eligible learners without an arm: hash order, permuted blocks within each stratum; returns how many were added';

-- Stepped (rolling) roll-out: units (teams or sites) in a reproducible hash order, split into
-- waves of equal size (the first waves take one more when it does not divide), wave w starting
-- at starts_at + w * step.
CREATE FUNCTION @extschema@.experiment_rollout(
  experiment text, units text[], waves int, starts_at timestamptz, step interval)
RETURNS TABLE (unit text, wave int, starts timestamptz)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF waves < 1 THEN
    RAISE EXCEPTION 'experiment_rollout field "waves" must be at least 1, not %', waves
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF step <= interval '0' THEN
    RAISE EXCEPTION 'experiment_rollout field "step" must be a positive interval'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF array_position(units, NULL) IS NOT NULL OR (SELECT count(DISTINCT u) FROM unnest(units) u) <> cardinality(units) THEN
    RAISE EXCEPTION 'experiment_rollout field "units" must hold distinct, non-NULL units'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT o.u, (o.w - 1)::int, starts_at + (o.w - 1) * step
  FROM (SELECT u.u, ntile(waves) OVER (ORDER BY @extschema@.experiment_hash(experiment, u.u), u.u) AS w
        FROM unnest(units) u(u)) o
  ORDER BY 2, 1;
END
$$;
COMMENT ON FUNCTION @extschema@.experiment_rollout(text, text[], int, timestamptz, interval) IS
'stepped roll-out: units in reproducible hash order, in equal waves starting at starts_at + wave x step';

-- Success criteria: for each non-control arm, the learners' mean metric in the measurement window
-- (one value per learner) compared with the control arm by Welch's test; the improvement is the
-- conservative effect, sign-adjusted (positive = better); success means improvement > 0, at least
-- min_effect, and p-value at most alpha.
CREATE FUNCTION @extschema@.experiment_result(experiment text, confidence float8 DEFAULT 0.95)
RETURNS TABLE (arm text, learners bigint, mean float8, control_learners bigint, control_mean float8,
               difference float8, p_value float8, ci_low float8, ci_high float8, improvement float8,
               success boolean)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  x    record;
  src  record;
  w    record;
  arms text[];
  sums @extschema@.stats_summary[];
  c    int;
BEGIN
  SELECT e.* INTO x FROM @extschema@.experiment e WHERE e.key = experiment;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown experiment "%"', experiment USING ERRCODE = 'undefined_object';
  END IF;
  IF x.performance_source IS NULL OR x.measure_from IS NULL OR x.measure_to IS NULL THEN
    RAISE EXCEPTION 'experiment "%" needs performance_source, measure_from and measure_to', experiment
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT s.* INTO src FROM @extschema@.performance_source s WHERE s.name = x.performance_source;
  PERFORM learnalytics_internal.require_trusted_relation(src.relation, format('performance_source "%s"', x.performance_source));
  PERFORM learnalytics_internal.quality_gate(ARRAY['performance.' || x.performance_source, 'learning.enrolment'],
                                             format('performance source "%s" of experiment "%s"', x.performance_source, experiment));
  -- one value per learner (their mean in the window), then one stats summary per arm
  EXECUTE format($q$
      SELECT array_agg(g.arm ORDER BY g.arm), array_agg(g.s ORDER BY g.arm)
      FROM (SELECT a.arm, @extschema@.la_stats_agg(l.lm) AS s
            FROM @extschema@.experiment_assignment a
            JOIN (SELECT (o.%1$I)::text AS k, avg(%2$s) AS lm FROM %3$s o
                  WHERE o.%4$I >= $2 AND o.%4$I < $3 AND o.%5$I IS NOT NULL
                  GROUP BY 1) l ON l.k = a.learner_key
            WHERE a.experiment = $1
            GROUP BY a.arm) g$q$,
      src.learner_column, learnalytics_internal.metric_expression(src.relation, src.metric_column), src.relation,
      src.time_column, src.metric_column)
    INTO arms, sums
    USING experiment, x.measure_from, x.measure_to;
  c := array_position(arms, x.control_arm);
  IF c IS NULL OR @extschema@.num_vals(sums[c]) < 2 THEN
    RAISE EXCEPTION 'control arm "%" of experiment "%" has fewer than 2 learners with data', x.control_arm, experiment
      USING ERRCODE = 'no_data_found';
  END IF;
  FOR i IN 1 .. cardinality(arms) LOOP
    CONTINUE WHEN i = c;
    arm := arms[i]; learners := @extschema@.num_vals(sums[i]); mean := @extschema@.mean(sums[i]);
    control_learners := @extschema@.num_vals(sums[c]); control_mean := @extschema@.mean(sums[c]);
    IF learners < 2 THEN
      difference := mean - control_mean; p_value := NULL; ci_low := NULL; ci_high := NULL;
      improvement := NULL; success := NULL;
    ELSE
      SELECT * INTO w FROM @extschema@.welch_test(sums[i], sums[c], confidence);
      difference := w.difference; p_value := w.p_value; ci_low := w.ci_low; ci_high := w.ci_high;
      improvement := CASE WHEN src.higher_is_better THEN 1 ELSE -1 END * w.conservative_effect;
      success := improvement > 0 AND improvement >= x.min_effect AND w.p_value <= x.alpha;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.experiment_result(text, float8) IS
'per non-control arm: learners, mean metric in the measurement window, Welch comparison with the control arm, conservative improvement, success against min_effect and alpha';

-- privileges (doc/roles.md): the admin role defines experiments and assigns; analysts read results
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.experiment, @extschema@.experiment_assignment
  TO learnalytics_admin;
GRANT SELECT ON @extschema@.experiment, @extschema@.experiment_assignment TO learnalytics_analyst;
REVOKE ALL ON FUNCTION @extschema@.experiment_assign(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.experiment_assign(text) TO learnalytics_admin;
REVOKE ALL ON FUNCTION @extschema@.experiment_result(text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.experiment_result(text, float8), @extschema@.experiment_arm(text, text),
  @extschema@.experiment_rollout(text, text[], int, timestamptz, interval) TO learnalytics_analyst;
