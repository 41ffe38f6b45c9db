
-------------------------------------------------------------------------------
-- quality_checks: data-quality check types (doc/quality.md)
-------------------------------------------------------------------------------

-- ===== cross-source checks (H3) below this line =====
--
-- The checks that compare a source with another (doc/quality.md, "Shipped check types: across
-- sources"): outside_enrolment, submission_before_assignment, score_out_of_range, unknown_person,
-- unknown_site. Each reads its sources through quality_source_sql (the caller's rights), in one
-- statement: a hash join or anti-join of the checked source with the small other one, then the
-- offending rows grouped into findings. observed is what was found (learners, assignments, sites
-- or the most extreme value), expected what it should be (0, or the bound), rows the source rows
-- concerned, sample the first keys in a fixed order.

-- The parameters of a check: the type's defaults overlaid with the check's own (a key given as JSON
-- null overrides a default with "none"). Unknown keys and a bad sample_size are refused (22023,
-- naming the check and the parameter), also when the check comes from a direct call rather than
-- the quality_check table, whose trigger checks the keys too.
CREATE FUNCTION learnalytics_internal.quality_cross_parameters(c @extschema@.quality_check, check_type text)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  defaults jsonb;
  p        jsonb;
  k        text;
BEGIN
  SELECT t.parameters INTO defaults FROM @extschema@.quality_check_type t WHERE t.name = check_type;
  IF defaults IS NULL THEN
    RAISE EXCEPTION 'quality check type "%" does not exist', check_type USING ERRCODE = 'undefined_object';
  END IF;
  FOR k IN SELECT jsonb_object_keys(coalesce(c.parameters, '{}')) LOOP
    IF NOT defaults ? k THEN
      RAISE EXCEPTION 'quality check "%": unknown parameter "%"', c.name, k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Parameters of %s: %s.', check_type,
                            (SELECT string_agg(x, ', ' ORDER BY x) FROM jsonb_object_keys(defaults) x));
    END IF;
  END LOOP;
  p := defaults || coalesce(c.parameters, '{}');
  IF jsonb_typeof(p -> 'sample_size') IS DISTINCT FROM 'number' OR (p ->> 'sample_size') !~ '^[0-9]{1,4}$'
     OR (p ->> 'sample_size')::integer > 1000 THEN
    RAISE EXCEPTION 'quality check "%": parameter "sample_size" must be an integer from 0 to 1000', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', p -> 'sample_size');
  END IF;
  RETURN p;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_cross_parameters(@extschema@.quality_check, text) IS
'the parameters of a cross-source quality check: its type''s defaults overlaid with its own, keys and sample_size checked';

-- A text parameter, one of the allowed values when they are given; NULL only when nullable.
CREATE FUNCTION learnalytics_internal.quality_cross_text(c @extschema@.quality_check, p jsonb, key text,
    allowed text[] DEFAULT NULL, nullable boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(p -> key) IS NULL OR jsonb_typeof(p -> key) = 'null' THEN
    IF nullable THEN
      RETURN NULL;
    END IF;
  ELSIF jsonb_typeof(p -> key) = 'string' AND (allowed IS NULL OR (p ->> key) = ANY (allowed)) THEN
    RETURN p ->> key;
  END IF;
  RAISE EXCEPTION 'quality check "%": parameter "%" must be %', c.name, key,
        CASE WHEN allowed IS NULL THEN 'a string' ELSE 'one of ' || array_to_string(allowed, ', ') END
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', coalesce(p -> key, 'null'));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_cross_text(@extschema@.quality_check, jsonb, text, text[], boolean) IS
'a text parameter of a cross-source quality check, checked (22023 naming the check and the parameter)';

-- A numeric parameter (a JSON number, or null for "no bound").
CREATE FUNCTION learnalytics_internal.quality_cross_number(c @extschema@.quality_check, p jsonb, key text)
RETURNS numeric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF jsonb_typeof(p -> key) IS NULL OR jsonb_typeof(p -> key) = 'null' THEN
    RETURN NULL;
  ELSIF jsonb_typeof(p -> key) = 'number' THEN
    RETURN (p ->> key)::numeric;
  END IF;
  RAISE EXCEPTION 'quality check "%": parameter "%" must be a number or null', c.name, key
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', p -> key);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_cross_number(@extschema@.quality_check, jsonb, text) IS
'a numeric parameter of a cross-source quality check (a JSON number or null), checked (22023)';

-- A source a check reads, resolved (quality_source_sql) and of one of the kinds the check can use.
-- what: "source" for the checked source, else the parameter that names it.
CREATE FUNCTION learnalytics_internal.quality_cross_source(c @extschema@.quality_check, what text, name text,
    kinds text[], OUT kind text, OUT sql text, OUT tz text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT s.kind, s.sql, s.tz INTO kind, sql, tz FROM learnalytics_internal.quality_source_sql(name) s;
  IF NOT kind = ANY (kinds) THEN
    RAISE EXCEPTION 'quality check "%": % "%" is of kind %, not %', c.name,
          CASE WHEN what = 'source' THEN 'source' ELSE format('parameter "%s": source', what) END,
          name, kind, array_to_string(kinds, ' or ')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_cross_source(@extschema@.quality_check, text, text, text[]) IS
'resolve a source of a cross-source quality check and check its kind (22023 naming the check and the parameter)';

-- outside_enrolment: rows of a source (events, quiz attempts, module progress, submissions) whose
-- time is not inside the learner's enrolment in the row's course, [enrolled_at, left_at) (left_at
-- NULL: still enrolled). Several enrolment rows of a learner in a course (a mapped source may have
-- them) count as the union of their spans. A row without a course is compared with the learner's
-- enrolments in any course (without_course 'any_course') or left out ('skip'). One finding per
-- course and subject: not_enrolled (no enrolment), before_enrolment, after_leaving,
-- between_enrolments (in a gap between two spans).
CREATE FUNCTION learnalytics_internal.quality_outside_enrolment(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric,
    OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p      jsonb := learnalytics_internal.quality_cross_parameters(c, 'outside_enrolment');
  src    record;
  enr    record;
  skip   boolean;
  ts     text;
BEGIN
  src := learnalytics_internal.quality_cross_source(c, 'source', c.source,
           '{events,quiz_attempt,module_progress,assignment_submission}');
  enr := learnalytics_internal.quality_cross_source(c, 'enrolments',
           learnalytics_internal.quality_cross_text(c, p, 'enrolments'), '{enrolment}');
  skip := learnalytics_internal.quality_cross_text(c, p, 'without_course', '{any_course,skip}') = 'skip';
  ts := CASE src.kind WHEN 'events' THEN 'ts' WHEN 'quiz_attempt' THEN 'attempted_at'
                      WHEN 'module_progress' THEN 'started_at' ELSE 'submitted_at' END;
  -- One hash join of the source's rows with a course with the enrolments per learner and course,
  -- one of its rows without a course with those per learner (two scans of the source, one probe
  -- per row: a second join probed by every row costs more than a second scan). A single span is
  -- tested with two comparisons; the union of several spans with gaps, the multirange's containment.
  RETURN QUERY EXECUTE format($q$
    -- per learner and course (and per learner, for rows without a course): the bounds of the union of
    -- the spans (NULL: unbounded), the union itself only when it is not one span, the first
    -- enrolment and the last leaving. A span per enrolment row; left before enrolling (a mapped
    -- source without the constraint): empty. No CTE shared by the two and no subquery: either would
    -- keep the join out of a parallel plan.
    WITH per_course AS (
      SELECT g.learner, g.course, g.enrolled_at, g.left_at, lower(g.spans) AS lo, upper(g.spans) AS hi,
             CASE WHEN isempty(g.spans) OR g.spans <> tstzmultirange(range_merge(g.spans)) THEN g.spans END AS gapped
        FROM (SELECT r.learner, r.course,
                     range_agg(tstzrange(r.enrolled_at, CASE WHEN r.left_at < r.enrolled_at THEN r.enrolled_at ELSE r.left_at END, '[)')) AS spans,
                     CASE WHEN bool_or(r.enrolled_at IS NULL) THEN NULL ELSE min(r.enrolled_at) END AS enrolled_at,
                     CASE WHEN bool_or(r.left_at IS NULL) THEN NULL ELSE max(r.left_at) END AS left_at
                FROM %2$s r WHERE r.learner IS NOT NULL AND r.course IS NOT NULL GROUP BY 1, 2) g),
    per_learner AS (
      SELECT g.learner, g.enrolled_at, g.left_at, lower(g.spans) AS lo, upper(g.spans) AS hi,
             CASE WHEN isempty(g.spans) OR g.spans <> tstzmultirange(range_merge(g.spans)) THEN g.spans END AS gapped
        FROM (SELECT r.learner,
                     range_agg(tstzrange(r.enrolled_at, CASE WHEN r.left_at < r.enrolled_at THEN r.enrolled_at ELSE r.left_at END, '[)')) AS spans,
                     CASE WHEN bool_or(r.enrolled_at IS NULL) THEN NULL ELSE min(r.enrolled_at) END AS enrolled_at,
                     CASE WHEN bool_or(r.left_at IS NULL) THEN NULL ELSE max(r.left_at) END AS left_at
                FROM %2$s r WHERE r.learner IS NOT NULL AND %4$L::boolean GROUP BY 1) g),
    joined AS (
      SELECT e.course, e.learner, e.%3$I AS t, pc.learner IS NOT NULL AS enrolled, pc.lo, pc.hi, pc.gapped,
             pc.enrolled_at, pc.left_at
        FROM %1$s e LEFT JOIN per_course pc ON pc.learner = e.learner AND pc.course = e.course
       WHERE e.learner IS NOT NULL AND e.%3$I IS NOT NULL AND e.course IS NOT NULL
      UNION ALL
      SELECT e.course, e.learner, e.%3$I, pl.learner IS NOT NULL, pl.lo, pl.hi, pl.gapped, pl.enrolled_at, pl.left_at
        FROM %1$s e LEFT JOIN per_learner pl ON pl.learner = e.learner
       WHERE e.learner IS NOT NULL AND e.%3$I IS NOT NULL AND e.course IS NULL AND %4$L::boolean),
    outside AS (
      SELECT x.course, x.learner, x.t, x.enrolled_at, x.left_at,
             CASE WHEN NOT x.enrolled THEN 'not_enrolled'
                  WHEN x.t < x.enrolled_at THEN 'before_enrolment'
                  WHEN x.t >= x.left_at THEN 'after_leaving'
                  ELSE 'between_enrolments' END AS subject
        FROM joined x
       WHERE NOT CASE WHEN NOT x.enrolled THEN false
                      WHEN x.gapped IS NULL THEN (x.lo IS NULL OR x.t >= x.lo) AND (x.hi IS NULL OR x.t < x.hi)
                      ELSE x.t <@ x.gapped END),
    -- grouped before the window (a hash aggregate: few keys, however many rows)
    grouped AS MATERIALIZED (
      SELECT o.course, o.subject, o.learner, count(*) AS n, min(o.t) AS first_at, max(o.t) AS last_at,
             min(o.enrolled_at) AS enrolled_at, max(o.left_at) AS left_at
        FROM outside o GROUP BY 1, 2, 3),
    keys AS (SELECT g.*, row_number() OVER (PARTITION BY g.course, g.subject ORDER BY g.learner) AS k FROM grouped g)
    SELECT k.course, NULL::date, NULL::text, k.subject, count(*)::numeric, 0::numeric, sum(k.n)::bigint,
           coalesce(jsonb_agg(jsonb_build_object('learner', k.learner, 'rows', k.n, 'first', k.first_at,
                                                 'last', k.last_at, 'enrolled_at', k.enrolled_at, 'left_at', k.left_at)
                              ORDER BY k.learner) FILTER (WHERE k.k <= $1), '[]')
      FROM keys k GROUP BY k.course, k.subject ORDER BY k.course NULLS FIRST, k.subject
    $q$, src.sql, enr.sql, ts, NOT skip)
  USING (p ->> 'sample_size')::integer;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_outside_enrolment(@extschema@.quality_check, timestamptz) IS
'quality check type outside_enrolment: rows of learners not enrolled in the course, or outside [enrolled_at, left_at), per course';

-- submission_before_assignment: submissions of an assignment that does not exist in the assignment
-- source (unknown_assignment), or submitted before the course began (before_course_start: the
-- earliest enrolled_at of the course in the enrolment source) or before the learner enrolled in the
-- course (before_enrolment: the learner's earliest enrolled_at there). One subject per submission,
-- in that order. A submission of a learner not enrolled in the course at all is outside_enrolment's
-- business; rows without a course or an assignment are not_null's. One finding per course and
-- subject; observed: the unknown assignments, or the learners.
CREATE FUNCTION learnalytics_internal.quality_submission_before_assignment(c @extschema@.quality_check,
    as_of timestamptz, OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p   jsonb := learnalytics_internal.quality_cross_parameters(c, 'submission_before_assignment');
  src record;
  asg record;
  enr record;
BEGIN
  src := learnalytics_internal.quality_cross_source(c, 'source', c.source, '{assignment_submission}');
  asg := learnalytics_internal.quality_cross_source(c, 'assignments',
           learnalytics_internal.quality_cross_text(c, p, 'assignments'), '{assignment}');
  enr := learnalytics_internal.quality_cross_source(c, 'enrolments',
           learnalytics_internal.quality_cross_text(c, p, 'enrolments'), '{enrolment}');
  RETURN QUERY EXECUTE format($q$
    WITH a AS (SELECT DISTINCT a.course, a.assignment FROM %2$s a),
    en AS (SELECT e.course, e.learner, min(e.enrolled_at) AS enrolled_at
             FROM %3$s e WHERE e.course IS NOT NULL AND e.learner IS NOT NULL GROUP BY 1, 2),
    starts AS (SELECT en.course, min(en.enrolled_at) AS starts_at FROM en GROUP BY 1),
    flagged AS (
      SELECT x.* FROM (
        SELECT s.course, s.assignment, s.learner, s.submitted_at, st.starts_at, en.enrolled_at,
               CASE WHEN a.assignment IS NULL THEN 'unknown_assignment'
                    WHEN s.submitted_at < st.starts_at THEN 'before_course_start'
                    WHEN s.submitted_at < en.enrolled_at THEN 'before_enrolment' END AS subject
          FROM %1$s s
          LEFT JOIN a ON a.course = s.course AND a.assignment = s.assignment
          LEFT JOIN starts st ON st.course = s.course
          LEFT JOIN en ON en.course = s.course AND en.learner = s.learner
         WHERE s.course IS NOT NULL AND s.assignment IS NOT NULL) x
       WHERE x.subject IS NOT NULL),
    keys AS (
      -- unknown assignments are explained per assignment, the others per assignment and learner
      SELECT f.course, f.subject, f.assignment, CASE WHEN f.subject <> 'unknown_assignment' THEN f.learner END AS learner,
             count(*) AS n, count(DISTINCT f.learner) AS learners, min(f.submitted_at) AS first_at,
             min(f.starts_at) AS starts_at, min(f.enrolled_at) AS enrolled_at
        FROM flagged f GROUP BY 1, 2, 3, 4),
    ranked AS (SELECT k.*, row_number() OVER (PARTITION BY k.course, k.subject ORDER BY k.assignment, k.learner) AS k
                 FROM keys k)
    SELECT r.course, NULL::date, NULL::text, r.subject,
           CASE WHEN r.subject = 'unknown_assignment' THEN count(*) ELSE count(DISTINCT r.learner) END::numeric,
           0::numeric, sum(r.n)::bigint,
           coalesce(jsonb_agg(CASE WHEN r.subject = 'unknown_assignment'
                                   THEN jsonb_build_object('assignment', r.assignment, 'rows', r.n,
                                                           'learners', r.learners, 'first_submitted_at', r.first_at)
                                   ELSE jsonb_build_object('assignment', r.assignment, 'learner', r.learner, 'rows', r.n,
                                                           'first_submitted_at', r.first_at, 'course_start', r.starts_at,
                                                           'enrolled_at', r.enrolled_at) END
                              ORDER BY r.assignment, r.learner) FILTER (WHERE r.k <= $1), '[]')
      FROM ranked r GROUP BY r.course, r.subject ORDER BY r.course, r.subject
    $q$, src.sql, asg.sql, enr.sql)
  USING (p ->> 'sample_size')::integer;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_submission_before_assignment(@extschema@.quality_check, timestamptz) IS
'quality check type submission_before_assignment: submissions of unknown assignments, or before the course began or the learner enrolled, per course';

-- score_out_of_range: values of a numeric field (column: the kind's score by default) below min or
-- above max (each a parameter, null: no bound), or not finite (NaN, +-Infinity: always out). A
-- NULL value is not out of range (a missing value is not_null's business). One finding per course
-- (NULL for a source without courses) and subject below_min, above_max, not_finite; observed is the
-- most extreme value, expected the bound it passed; the sample lists the most extreme rows first.
CREATE FUNCTION learnalytics_internal.quality_score_out_of_range(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric,
    OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p      jsonb := learnalytics_internal.quality_cross_parameters(c, 'score_out_of_range');
  src    record;
  field  text;
  col    text;
  fields text[];
  lo     numeric := learnalytics_internal.quality_cross_number(c, p, 'min');
  hi     numeric := learnalytics_internal.quality_cross_number(c, p, 'max');
BEGIN
  src := learnalytics_internal.quality_cross_source(c, 'source', c.source,
           '{assignment_submission,performance,module_progress,events}');
  -- the numeric field of each kind (the one column may name) and the fields a sample row shows
  field := CASE src.kind WHEN 'assignment_submission' THEN 'score' WHEN 'performance' THEN 'metric'
                         WHEN 'module_progress' THEN 'progress' ELSE 'weight' END;
  col := coalesce(learnalytics_internal.quality_cross_text(c, p, 'column', nullable => true), field);
  IF col <> field THEN
    RAISE EXCEPTION 'quality check "%": parameter "column": source "%" (kind %) has no numeric field "%"',
          c.name, c.source, src.kind, col
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('The numeric field of kind %s is %s.', src.kind, field);
  END IF;
  IF lo > hi THEN
    RAISE EXCEPTION 'quality check "%": parameter "min" (%) is above parameter "max" (%)', c.name, lo, hi
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  fields := CASE src.kind WHEN 'assignment_submission' THEN '{assignment,learner,submitted_at}'
                          WHEN 'performance' THEN '{learner,site,ts}'
                          WHEN 'module_progress' THEN '{learner,module,started_at}'
                          ELSE '{learner,activity,ts,event_id}' END;
  RETURN QUERY EXECUTE format($q$
    WITH flagged AS (
      SELECT x.*, CASE WHEN x.v IN ('NaN', 'Infinity', '-Infinity') THEN 'not_finite'
                       WHEN x.v < $2 THEN 'below_min' ELSE 'above_max' END AS subject
        FROM (SELECT %2$s AS course, s.learner, (s.%3$I)::numeric AS v, jsonb_build_object(%4$s) AS row
                FROM %1$s s) x
       WHERE x.v IN ('NaN', 'Infinity', '-Infinity') OR x.v < $2 OR x.v > $3),
    ranked AS (
      SELECT f.*, row_number() OVER (PARTITION BY f.course, f.subject
                                     ORDER BY CASE f.subject WHEN 'below_min' THEN f.v END,
                                              CASE f.subject WHEN 'above_max' THEN f.v END DESC,
                                              f.learner, f.row::text) AS k
        FROM flagged f)
    SELECT r.course, NULL::date, NULL::text, r.subject,
           CASE r.subject WHEN 'below_min' THEN min(r.v) WHEN 'above_max' THEN max(r.v) END,
           CASE r.subject WHEN 'below_min' THEN $2 WHEN 'above_max' THEN $3 END,
           count(*)::bigint,
           coalesce(jsonb_agg(r.row || jsonb_build_object(%5$L, CASE WHEN r.subject = 'not_finite' THEN to_jsonb(r.v::text)
                                                                     ELSE to_jsonb(r.v) END)
                              ORDER BY r.k) FILTER (WHERE r.k <= $1), '[]')
      FROM ranked r GROUP BY r.course, r.subject ORDER BY r.course NULLS FIRST, r.subject
    $q$, src.sql,
    CASE WHEN src.kind = 'performance' THEN 'NULL::text' ELSE 's.course' END, col,
    (SELECT string_agg(format('%L, s.%I', f, f), ', ' ORDER BY o) FROM unnest(fields) WITH ORDINALITY u(f, o)),
    col)
  USING (p ->> 'sample_size')::integer, lo, hi;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_score_out_of_range(@extschema@.quality_check, timestamptz) IS
'quality check type score_out_of_range: values of a numeric field below min, above max or not finite, per course';

-- unknown_person: rows of a performance source whose learner is in none of the population sources
-- (parameter population: source names of any kind with a learner field; training_exposure true adds
-- the learner keys of training_exposure). An empty population makes every learner unknown. One
-- finding for the source (subject unknown_person); observed: the unknown learners; the sample lists
-- those with the most rows first.
CREATE FUNCTION learnalytics_internal.quality_unknown_person(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric,
    OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p     jsonb := learnalytics_internal.quality_cross_parameters(c, 'unknown_person');
  src   record;
  pop   text[] := '{}';
  other record;
  name  jsonb;
BEGIN
  src := learnalytics_internal.quality_cross_source(c, 'source', c.source, '{performance}');
  IF jsonb_typeof(p -> 'population') IS DISTINCT FROM 'array'
     OR EXISTS (SELECT 1 FROM jsonb_array_elements(p -> 'population') e WHERE jsonb_typeof(e) <> 'string') THEN
    RAISE EXCEPTION 'quality check "%": parameter "population" must be an array of source names', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', coalesce(p -> 'population', 'null'));
  END IF;
  IF jsonb_typeof(p -> 'training_exposure') IS DISTINCT FROM 'boolean' THEN
    RAISE EXCEPTION 'quality check "%": parameter "training_exposure" must be true or false', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', coalesce(p -> 'training_exposure', 'null'));
  END IF;
  FOR name IN SELECT jsonb_array_elements(p -> 'population') LOOP
    other := learnalytics_internal.quality_cross_source(c, 'population', name #>> '{}',
               '{events,enrolment,assignment_submission,quiz_attempt,module_progress,performance}');
    pop := pop || format('SELECT o.learner FROM %s o', other.sql);
  END LOOP;
  IF (p ->> 'training_exposure')::boolean THEN
    pop := pop || format('SELECT o.learner_key FROM %I.training_exposure o', learnalytics_internal.extension_schema());
  END IF;
  IF cardinality(pop) = 0 THEN
    pop := '{SELECT NULL::text WHERE false}';
  END IF;
  RETURN QUERY EXECUTE format($q$
    WITH pop (learner) AS (%2$s),
    keys AS (
      SELECT s.learner, count(*) AS n, min(s.ts) AS first_at, max(s.ts) AS last_at,
             row_number() OVER (ORDER BY count(*) DESC, s.learner) AS k
        FROM %1$s s
       WHERE s.learner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pop WHERE pop.learner = s.learner)
       GROUP BY s.learner)
    SELECT NULL::text, NULL::date, NULL::text, 'unknown_person', count(*)::numeric, 0::numeric, sum(k.n)::bigint,
           coalesce(jsonb_agg(jsonb_build_object('learner', k.learner, 'rows', k.n, 'first', k.first_at, 'last', k.last_at)
                              ORDER BY k.k) FILTER (WHERE k.k <= $1), '[]')
      FROM keys k HAVING count(*) > 0
    $q$, src.sql, array_to_string(pop, ' UNION ALL '))
  USING (p ->> 'sample_size')::integer;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_unknown_person(@extschema@.quality_check, timestamptz) IS
'quality check type unknown_person: performance rows whose learner is in none of the population sources';

-- unknown_site: rows of a performance source whose site is not a known one: the list of parameter
-- sites when given, else the sites of sites_from ('training_exposure': its non-NULL sites). Sites
-- compare as text, exactly; a NULL site is not unknown (not_null's business). One finding for the
-- source (subject unknown_site); observed: the unknown sites; the sample lists those with the most
-- rows first.
CREATE FUNCTION learnalytics_internal.quality_unknown_site(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric, OUT expected numeric,
    OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p     jsonb := learnalytics_internal.quality_cross_parameters(c, 'unknown_site');
  src   record;
  sites text[];
  known text;
BEGIN
  src := learnalytics_internal.quality_cross_source(c, 'source', c.source, '{performance}');
  IF jsonb_typeof(p -> 'sites') = 'array'
     AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p -> 'sites') e WHERE jsonb_typeof(e) <> 'string') THEN
    sites := ARRAY(SELECT jsonb_array_elements_text(p -> 'sites'));
    known := 'SELECT unnest($2) AS site';
  ELSIF jsonb_typeof(p -> 'sites') IS NOT NULL AND jsonb_typeof(p -> 'sites') <> 'null' THEN
    RAISE EXCEPTION 'quality check "%": parameter "sites" must be an array of site names, or null', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Given: %s.', p -> 'sites');
  ELSE
    PERFORM learnalytics_internal.quality_cross_text(c, p, 'sites_from', '{training_exposure}');
    known := format('SELECT o.site FROM %I.training_exposure o', learnalytics_internal.extension_schema());
  END IF;
  RETURN QUERY EXECUTE format($q$
    WITH known (site) AS (%2$s),
    keys AS (
      SELECT s.site, count(*) AS n, count(DISTINCT s.learner) AS learners,
             row_number() OVER (ORDER BY count(*) DESC, s.site) AS k
        FROM %1$s s
       WHERE s.site IS NOT NULL AND NOT EXISTS (SELECT 1 FROM known WHERE known.site = s.site)
       GROUP BY s.site)
    SELECT NULL::text, NULL::date, NULL::text, 'unknown_site', count(*)::numeric, 0::numeric, sum(k.n)::bigint,
           coalesce(jsonb_agg(jsonb_build_object('site', k.site, 'rows', k.n, 'learners', k.learners)
                              ORDER BY k.k) FILTER (WHERE k.k <= $1), '[]')
      FROM keys k HAVING count(*) > 0
    $q$, src.sql, known)
  USING (p ->> 'sample_size')::integer, sites;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_unknown_site(@extschema@.quality_check, timestamptz) IS
'quality check type unknown_site: performance rows whose site is not in the given list or not among training_exposure''s sites';

INSERT INTO @extschema@.quality_check_type (name, function, kinds, parameters, description) VALUES
  ('outside_enrolment',
   'learnalytics_internal.quality_outside_enrolment(@extschema@.quality_check, timestamptz)',
   '{events,quiz_attempt,module_progress,assignment_submission}',
   '{"enrolments": "learning.enrolment", "without_course": "any_course", "sample_size": 5}',
   'rows of learners not enrolled in the row''s course, or outside [enrolled_at, left_at) of their enrolment: one finding per course and subject (not_enrolled, before_enrolment, after_leaving, between_enrolments)'),
  ('submission_before_assignment',
   'learnalytics_internal.quality_submission_before_assignment(@extschema@.quality_check, timestamptz)',
   '{assignment_submission}',
   '{"assignments": "learning.assignment", "enrolments": "learning.enrolment", "sample_size": 5}',
   'submissions of assignments that do not exist, or made before the course began or the learner enrolled: one finding per course and subject (unknown_assignment, before_course_start, before_enrolment)'),
  ('score_out_of_range',
   'learnalytics_internal.quality_score_out_of_range(@extschema@.quality_check, timestamptz)',
   '{assignment_submission,performance,module_progress,events}',
   '{"column": null, "min": 0, "max": 100, "sample_size": 5}',
   'values of the numeric field (score, metric, progress, weight) below min, above max (null: no bound) or not finite: one finding per course and subject (below_min, above_max, not_finite)'),
  ('unknown_person',
   'learnalytics_internal.quality_unknown_person(@extschema@.quality_check, timestamptz)',
   '{performance}',
   '{"population": ["learning.enrolment"], "training_exposure": false, "sample_size": 5}',
   'performance rows whose learner is in none of the population sources (and training_exposure when asked): one finding for the source'),
  ('unknown_site',
   'learnalytics_internal.quality_unknown_site(@extschema@.quality_check, timestamptz)',
   '{performance}',
   '{"sites": null, "sites_from": "training_exposure", "sample_size": 5}',
   'performance rows whose site is not in the list sites (or, without one, not among training_exposure''s sites): one finding for the source');

-- Shipped checks over the learning data: quiz attempts outside their enrolment; submissions of
-- unknown assignments or before the course or enrolment began; scores below 0 or not finite (scores
-- have no fixed scale in learning data, so no upper bound: set max for yours).
INSERT INTO @extschema@.quality_check (name, check_type, source, parameters, severity, description, builtin) VALUES
  ('quiz_attempt_outside_enrolment', 'outside_enrolment', 'learning.quiz_attempt', '{}', 'medium',
   'quiz attempts of learners not enrolled in the course, or outside their enrolment', true),
  ('submission_before_assignment', 'submission_before_assignment', 'learning.assignment_submission', '{}', 'medium',
   'submissions of assignments that do not exist, or made before the course began or the learner enrolled', true),
  ('submission_score_range', 'score_out_of_range', 'learning.assignment_submission', '{"max": null}', 'medium',
   'submission scores below 0 or not finite (no upper bound, as scores have no fixed scale: set max for yours)', true);

GRANT EXECUTE ON FUNCTION
  learnalytics_internal.quality_cross_parameters(@extschema@.quality_check, text),
  learnalytics_internal.quality_cross_text(@extschema@.quality_check, jsonb, text, text[], boolean),
  learnalytics_internal.quality_cross_number(@extschema@.quality_check, jsonb, text),
  learnalytics_internal.quality_cross_source(@extschema@.quality_check, text, text, text[]),
  learnalytics_internal.quality_outside_enrolment(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_submission_before_assignment(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_score_out_of_range(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_unknown_person(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_unknown_site(@extschema@.quality_check, timestamptz)
  TO learnalytics_analyst;
