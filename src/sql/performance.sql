
-------------------------------------------------------------------------------
-- performance: registry of performance tables, training exposure, before/after and trained/not
-- joins, and the comparison an analyst needs in one query
-------------------------------------------------------------------------------

-- One row per performance table the warehouse already has (CRM conversion steps, QA defects,
-- safety incidents, ticket resolution times, pick accuracy...). Names are validated against the
-- catalog and only ever used through format('%I') and regclass, never pasted into SQL.
CREATE TABLE @extschema@.performance_source (
  name             text PRIMARY KEY CONSTRAINT performance_source_name_is_identifier
                   CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  relation         regclass NOT NULL,
  learner_column   name NOT NULL,
  site_column      name,
  time_column      name NOT NULL,
  metric_column    name NOT NULL,
  higher_is_better boolean NOT NULL DEFAULT true,
  unit             text,
  unit_value       numeric CONSTRAINT performance_source_unit_value_finite_non_negative
                   CHECK (unit_value >= 0 AND unit_value < 'Infinity'),
  description      text
);
COMMENT ON TABLE @extschema@.performance_source IS
'registry of performance tables: relation, learner/site/time/metric columns, direction, unit value (doc/roi.md)';

-- The learners a program trained, and when: the exposure window of each.
CREATE TABLE @extschema@.training_exposure (
  program      text NOT NULL,
  learner_key  text NOT NULL,
  site         text,
  exposed_from timestamptz NOT NULL,
  exposed_to   timestamptz,
  PRIMARY KEY (program, learner_key),
  CONSTRAINT training_exposure_ends_after_start CHECK (exposed_to >= exposed_from)
);
COMMENT ON TABLE @extschema@.training_exposure IS
'training exposure windows: program, learner key, site, from (start) and to (completion; NULL = same as start)';

-- The SQL expression that reads a metric column (alias o) as float8 (booleans count as 0/1), for
-- the joins. Column names only ever reach SQL through format('%I').
CREATE FUNCTION learnalytics_internal.metric_expression(relation regclass, metric_column name)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT pg_catalog.format(CASE WHEN learnalytics_internal.column_type(relation, metric_column)
                                     OPERATOR(pg_catalog.=) 'boolean'::pg_catalog.regtype
                                THEN '(o.%I)::int::float8' ELSE '(o.%I)::float8' END, metric_column)
$$;
COMMENT ON FUNCTION learnalytics_internal.metric_expression(regclass, name) IS
'SQL expression reading a metric column of alias o as float8 (booleans as 0/1), identifier-quoted';

-- Check a registered source against the catalog: the relation is readable as a table, the columns
-- exist, the time column is a date or timestamp and the metric numeric or boolean.
CREATE FUNCTION learnalytics_internal.performance_source_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  field text;
BEGIN
  PERFORM learnalytics_internal.require_relation(NEW.relation, 'readable', 'performance_source field "relation"');
  -- the comparisons publish what they read: whoever registers a source must be allowed to read it
  PERFORM learnalytics_internal.require_registrant_privilege(NEW.relation, 'SELECT', 'performance_source field "relation"');
  FOREACH field IN ARRAY ARRAY['learner_column', 'site_column', 'time_column', 'metric_column'] LOOP
    PERFORM learnalytics_internal.require_column(NEW.relation, to_jsonb(NEW) ->> field,
              CASE field WHEN 'time_column' THEN 'time' WHEN 'metric_column' THEN 'metric' END,
              format('performance_source field "%s"', field));
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.performance_source_check() IS
'trigger: validate a performance_source row against the catalog (relation kind, columns, column types)';

CREATE TRIGGER performance_source_check BEFORE INSERT OR UPDATE ON @extschema@.performance_source
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.performance_source_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.performance_source', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.training_exposure', '');

-- Cohorts: one row per program.
CREATE VIEW @extschema@.training_cohort AS
SELECT e.program,
       pg_catalog.count(*) AS learners,
       pg_catalog.count(DISTINCT e.site) AS sites,
       pg_catalog.min(e.exposed_from) AS first_exposure,
       pg_catalog.max(COALESCE(e.exposed_to, e.exposed_from)) AS last_completion,
       pg_catalog.percentile_disc(0.5) WITHIN GROUP (ORDER BY e.exposed_from) AS median_start
FROM @extschema@.training_exposure e
GROUP BY e.program;
COMMENT ON VIEW @extschema@.training_cohort IS
'one row per program: learners, sites, first exposure, last completion, median start (the comparison group''s anchor)';

-- The quality gate (doc/quality.md, "ROI and comparisons"): the comparisons call it before they read
-- their inputs. The sources are the names given (performance.<name>, learning.enrolment, ...) and
-- every other source over the same relations: quality_source rows, performance sources, mapped
-- learning data. Open findings of severity high on them raise LAQ01 (learnalytics.quality_gate =
-- refuse, the default) or a WARNING (warn); open medium ones a NOTICE; off: nothing. Dismissed and
-- resolved findings never gate. Reads with the caller's rights (analysts read the findings).
CREATE FUNCTION learnalytics_internal.quality_gate(sources text[], what text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mode  text;
  rels  regclass[];
  names text[];
  g     record;
BEGIN
  -- the setting is defined when the library loads: a session that has called no C function yet
  -- loads it here, so that a value SET before (a placeholder) is checked and the default applies
  PERFORM @extschema@.library_version();
  mode := current_setting('learnalytics.quality_gate');
  IF mode = 'off' THEN
    RETURN;
  END IF;
  -- the relations the named sources read, then every source over one of them
  SELECT array_agg(DISTINCT r.rel) INTO rels
  FROM (SELECT p.relation AS rel FROM @extschema@.performance_source p
        WHERE 'performance.' || p.name = ANY (sources)
        UNION ALL
        SELECT COALESCE(l.relation, to_regclass(format('%I.%I', learnalytics_internal.extension_schema(), k.kind)))
        FROM unnest(ARRAY['enrolment', 'assignment', 'assignment_submission', 'quiz_attempt', 'module_progress']) k(kind)
        LEFT JOIN @extschema@.learning_source l ON l.kind = k.kind
        WHERE 'learning.' || k.kind = ANY (sources)
        UNION ALL
        SELECT q.relation FROM @extschema@.quality_source q WHERE q.name = ANY (sources)) r
  WHERE r.rel IS NOT NULL;
  SELECT array_agg(DISTINCT n.name) INTO names
  FROM (SELECT unnest(sources) AS name
        UNION ALL
        SELECT q.name FROM @extschema@.quality_source q WHERE q.relation = ANY (rels)
        UNION ALL
        SELECT 'performance.' || p.name FROM @extschema@.performance_source p WHERE p.relation = ANY (rels)
        UNION ALL
        SELECT 'learning.' || k.kind
        FROM unnest(ARRAY['enrolment', 'assignment', 'assignment_submission', 'quiz_attempt', 'module_progress']) k(kind)
        LEFT JOIN @extschema@.learning_source l ON l.kind = k.kind
        WHERE COALESCE(l.relation, to_regclass(format('%I.%I', learnalytics_internal.extension_schema(), k.kind))) = ANY (rels)) n
  WHERE n.name IS NOT NULL;
  -- high first (an error ends it under refuse), then medium; low findings never gate
  FOR g IN
    SELECT f.severity, count(*) AS n,
           string_agg(format('Finding %s: check "%s" on %s (%s), %s.', f.id, f.check_name, f.source,
                             CASE WHEN f.scope = '' THEN 'the whole source' ELSE f.scope END,
                             CASE WHEN f.rows IS NULL THEN 'rows not counted'
                                  WHEN f.rows = 1 THEN '1 row' ELSE f.rows || ' rows' END),
                      ' ' ORDER BY f.check_name, f.scope, f.id) FILTER (WHERE f.rn <= 5) AS listed
    FROM (SELECT f.*, row_number() OVER (PARTITION BY f.severity ORDER BY f.check_name, f.scope, f.id) AS rn
          FROM @extschema@.quality_finding f
          WHERE f.status = 'open' AND f.severity IN ('high', 'medium') AND f.source = ANY (names)) f
    GROUP BY f.severity
    ORDER BY f.severity = 'high' DESC
  LOOP
    g.listed := g.listed || CASE WHEN g.n > 5 THEN format(' And %s more.', g.n - 5) ELSE '' END;
    IF g.severity = 'medium' THEN
      RAISE NOTICE '% has % open medium-severity data quality finding%', what, g.n, CASE WHEN g.n = 1 THEN '' ELSE 's' END
        USING DETAIL = g.listed;
    ELSIF mode = 'warn' THEN
      RAISE WARNING '% has % open high-severity data quality finding%', what, g.n, CASE WHEN g.n = 1 THEN '' ELSE 's' END
        USING DETAIL = g.listed,
              HINT = 'The results are computed from these inputs anyway (learnalytics.quality_gate = warn).';
    ELSE
      RAISE EXCEPTION '% has % open high-severity data quality finding%', what, g.n, CASE WHEN g.n = 1 THEN '' ELSE 's' END
        USING ERRCODE = 'LAQ01', DETAIL = g.listed,
              HINT = 'Fix the data and rerun quality_run(), dismiss the findings that are known and harmless with quality_dismiss(), or SET learnalytics.quality_gate = warn to compute anyway.';
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_gate(text[], text) IS
'the quality gate of ROI and comparisons: open high-severity findings on the sources (and every source over the same relations) refuse or warn, per learnalytics.quality_gate; medium ones give a NOTICE';

-- Every observation of a registered performance table inside the windows of one program:
--   trained learners: before = [start - baseline, start), after = [completion, completion + follow_up);
--   comparison learners (not trained in this program; when comparison_sites is given, only those
--   sites): before = [anchor - baseline, anchor), after = [anchor, anchor + follow_up), where the
--   anchor is the cohort's median start.
-- follow_up defaults to one year: first-year benefits only.
CREATE FUNCTION @extschema@.performance_observations(
  source text, program text, baseline interval DEFAULT '90 days', follow_up interval DEFAULT '1 year',
  comparison_sites text[] DEFAULT NULL)
RETURNS TABLE (learner_key text, site text, trained boolean, period text, observed_at timestamptz, metric float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src    record;
  anchor timestamptz;
  metric_expr text;
BEGIN
  SELECT s.* INTO src FROM @extschema@.performance_source s WHERE s.name = source;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown performance source "%"', source
      USING ERRCODE = 'undefined_object', HINT = 'Register the table in performance_source first.';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(src.relation, format('performance_source "%s"', source));
  PERFORM learnalytics_internal.quality_gate(ARRAY['performance.' || source, 'learning.enrolment'],
                                             format('performance source "%s"', source));
  IF baseline IS NULL OR baseline <= interval '0' OR follow_up IS NULL OR follow_up <= interval '0' THEN
    RAISE EXCEPTION 'baseline and follow_up must be positive intervals'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.median_start INTO anchor FROM @extschema@.training_cohort c WHERE c.program = performance_observations.program;
  IF anchor IS NULL THEN
    RAISE EXCEPTION 'program "%" has no training exposure', program
      USING ERRCODE = 'no_data_found', HINT = 'Record who was trained, and when, in training_exposure.';
  END IF;
  IF comparison_sites IS NOT NULL AND src.site_column IS NULL THEN
    RAISE EXCEPTION 'performance source "%" has no site_column: comparison_sites cannot be applied', source
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  metric_expr := learnalytics_internal.metric_expression(src.relation, src.metric_column);
  RETURN QUERY EXECUTE format($q$
    WITH obs AS (
      SELECT (o.%1$I)::text AS learner_key, %2$s AS site, (o.%3$I)::timestamptz AS observed_at, %4$s AS metric
      FROM %5$s o
      WHERE o.%6$I IS NOT NULL AND o.%3$I IS NOT NULL AND o.%1$I IS NOT NULL),
    exp AS (
      SELECT e.learner_key, e.site, e.exposed_from, COALESCE(e.exposed_to, e.exposed_from) AS done
      FROM @extschema@.training_exposure e WHERE e.program = $1)
    SELECT o.learner_key, COALESCE(e.site, o.site), e.learner_key IS NOT NULL,
           CASE WHEN o.observed_at < COALESCE(e.exposed_from, $2) THEN 'before' ELSE 'after' END,
           o.observed_at, o.metric
    FROM obs o LEFT JOIN exp e ON e.learner_key = o.learner_key
    WHERE CASE WHEN e.learner_key IS NOT NULL
               THEN (o.observed_at >= e.exposed_from - $3 AND o.observed_at < e.exposed_from)
                 OR (o.observed_at >= e.done AND o.observed_at < e.done + $4)
               ELSE ($5::text[] IS NULL OR o.site = ANY ($5))
                AND o.observed_at >= $2 - $3 AND o.observed_at < $2 + $4 END
    $q$,
    src.learner_column,
    CASE WHEN src.site_column IS NULL THEN 'NULL::text' ELSE format('(o.%I)::text', src.site_column) END,
    src.time_column, metric_expr, src.relation, src.metric_column)
  USING program, anchor, baseline, follow_up, comparison_sites;
END
$$;
COMMENT ON FUNCTION @extschema@.performance_observations(text, text, interval, interval, text[]) IS
'observations of a registered performance table in the before/after windows of a program, trained learners and the comparison group (one year follow-up by default)';

-- The comparison in one query: per-learner means (each learner counts once per period), the four
-- group stats summaries (la_stats_agg ... FILTER), Welch's trained-vs-comparison difference after
-- training and the difference in differences from those summaries, and the conservative improvement
-- (sign-adjusted: positive = better) with its money value when the source has a unit value
-- (improvement x unit_value x trained learners measured after).
CREATE FUNCTION @extschema@.performance_comparison(
  source text, program text, baseline interval DEFAULT '90 days', follow_up interval DEFAULT '1 year',
  comparison_sites text[] DEFAULT NULL, confidence float8 DEFAULT 0.95)
RETURNS TABLE (
  trained_before_n bigint, trained_before_mean float8, trained_after_n bigint, trained_after_mean float8,
  comparison_before_n bigint, comparison_before_mean float8,
  comparison_after_n bigint, comparison_after_mean float8,
  after_difference float8, after_p_value float8, after_ci_low float8, after_ci_high float8,
  did_estimate float8, did_p_value float8, did_ci_low float8, did_ci_high float8,
  improvement float8, unit text, money numeric)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src record;
  st  record;
  w   record;
  d   record;
  sgn float8;
BEGIN
  SELECT s.* INTO src FROM @extschema@.performance_source s WHERE s.name = source;
  -- the quality gate runs in performance_observations, the one read of the inputs below (once, so
  -- that a warning is not given twice)
  -- one stats summary per group (la_stats_agg skips nothing here: a learner's mean is never NULL)
  SELECT @extschema@.la_stats_agg(p.lm) FILTER (WHERE p.trained AND p.period = 'before') AS tb,
         @extschema@.la_stats_agg(p.lm) FILTER (WHERE p.trained AND p.period = 'after') AS ta,
         @extschema@.la_stats_agg(p.lm) FILTER (WHERE NOT p.trained AND p.period = 'before') AS cb,
         @extschema@.la_stats_agg(p.lm) FILTER (WHERE NOT p.trained AND p.period = 'after') AS ca
    INTO st
  FROM (SELECT o.learner_key, o.trained, o.period, avg(o.metric) AS lm
        FROM @extschema@.performance_observations(source, program, baseline, follow_up, comparison_sites) o
        GROUP BY 1, 2, 3) p;
  trained_before_n := COALESCE(@extschema@.num_vals(st.tb), 0);
  trained_after_n := COALESCE(@extschema@.num_vals(st.ta), 0);
  comparison_before_n := COALESCE(@extschema@.num_vals(st.cb), 0);
  comparison_after_n := COALESCE(@extschema@.num_vals(st.ca), 0);
  IF LEAST(trained_before_n, trained_after_n, comparison_before_n, comparison_after_n) < 2 THEN
    RAISE EXCEPTION 'too few learners with data for a comparison'
      USING ERRCODE = 'no_data_found',
            DETAIL = format('Learners with data: trained before %s, trained after %s, comparison before %s, comparison after %s; each group needs at least 2.',
                            trained_before_n, trained_after_n, comparison_before_n, comparison_after_n),
            HINT = 'Widen the baseline or follow-up windows, or the comparison sites.';
  END IF;
  SELECT * INTO w FROM @extschema@.welch_test(st.ta, st.ca, confidence);
  SELECT * INTO d FROM @extschema@.diff_in_diff(st.tb, st.ta, st.cb, st.ca, confidence);
  sgn := CASE WHEN src.higher_is_better THEN 1 ELSE -1 END;
  trained_before_mean := @extschema@.mean(st.tb);
  trained_after_mean := @extschema@.mean(st.ta);
  comparison_before_mean := @extschema@.mean(st.cb);
  comparison_after_mean := @extschema@.mean(st.ca);
  after_difference := w.difference; after_p_value := w.p_value; after_ci_low := w.ci_low; after_ci_high := w.ci_high;
  did_estimate := d.estimate; did_p_value := d.p_value; did_ci_low := d.ci_low; did_ci_high := d.ci_high;
  improvement := sgn * d.conservative_effect;
  unit := src.unit;
  money := CASE WHEN src.unit_value IS NOT NULL AND improvement IS NOT NULL
                THEN @extschema@.monetized_effect(improvement, src.unit_value, trained_after_n) END;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION @extschema@.performance_comparison(text, text, interval, interval, text[], float8) IS
'trained vs comparison group on a registered performance table: group means, Welch difference after training, difference in differences, conservative improvement and its money value';

-- privileges (doc/roles.md): the admin role registers sources and exposures; analysts read and compare
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.performance_source, @extschema@.training_exposure
  TO learnalytics_admin;
GRANT SELECT ON @extschema@.performance_source, @extschema@.training_exposure, @extschema@.training_cohort
  TO learnalytics_analyst;
REVOKE ALL ON FUNCTION @extschema@.performance_observations(text, text, interval, interval, text[]),
  @extschema@.performance_comparison(text, text, interval, interval, text[], float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnalytics_internal.metric_expression(regclass, name),
  learnalytics_internal.quality_gate(text[], text),
  @extschema@.performance_observations(text, text, interval, interval, text[]),
  @extschema@.performance_comparison(text, text, interval, interval, text[], float8) TO learnalytics_analyst;
