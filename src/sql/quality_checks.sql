
-------------------------------------------------------------------------------
-- quality_checks: data-quality check types (doc/quality.md)
-------------------------------------------------------------------------------

-- ===== single-source checks: not_null, future_timestamp, before_course_start, duplicates,
-- missing_days (doc/quality.md, "Shipped check types: one source") =====
--
-- Every type function follows the contract of quality.sql: it reads its source only through
-- quality_source_sql (the kind's standard field names, with the caller's rights), returns one row per
-- finding, and builds its SQL with field names checked against the kind (%I) and every value a check
-- gives passed as a parameter (USING), never pasted in. Each is one statement over the source (one
-- scan), grouped per course; the sample ranks the flagged rows only.

-- What a check of this part needs before it reads anything: its type's row, its source resolved (and
-- of a kind the type accepts), its parameters with the type's defaults (a JSON null in the check
-- means "the default"), the sample size and the kind's time field.
CREATE FUNCTION learnalytics_internal.quality_check_setup(c @extschema@.quality_check,
    OUT kind text, OUT source_sql text, OUT tz text, OUT params jsonb, OUT sample_size integer,
    OUT time_field text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  t   @extschema@.quality_check_type;
  src record;
BEGIN
  SELECT * INTO t FROM @extschema@.quality_check_type ct WHERE ct.name = c.check_type;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'quality check "%": check type "%" does not exist', c.name, c.check_type
      USING ERRCODE = 'undefined_object';
  END IF;
  SELECT s.kind, s.sql, s.tz INTO src FROM learnalytics_internal.quality_source_sql(c.source) s;
  kind := src.kind;
  source_sql := src.sql;
  tz := src.tz;
  IF NOT kind = ANY (t.kinds) THEN
    RAISE EXCEPTION 'quality check "%": source "%" is of kind %, which check type "%" does not read',
                    c.name, c.source, kind, c.check_type
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('Check type "%s" reads sources of kind %s.', c.check_type, array_to_string(t.kinds, ', '));
  END IF;
  -- a JSON null, in the type's row or the check's, is "not given": the function's default applies
  params := coalesce((SELECT jsonb_object_agg(p.key, p.value)
                      FROM jsonb_each(t.parameters || coalesce((SELECT jsonb_object_agg(o.key, o.value)
                                                                FROM jsonb_each(c.parameters) o
                                                                WHERE jsonb_typeof(o.value) <> 'null'), '{}')) p
                      WHERE jsonb_typeof(p.value) <> 'null'), '{}');
  sample_size := learnalytics_internal.quality_check_integer(c, params, 'sample_size', 0, 1000);
  time_field := CASE kind WHEN 'events' THEN 'ts' WHEN 'performance' THEN 'ts' WHEN 'enrolment' THEN 'enrolled_at'
                          WHEN 'assignment' THEN 'due_at' WHEN 'assignment_submission' THEN 'submitted_at'
                          WHEN 'quiz_attempt' THEN 'attempted_at' WHEN 'module_progress' THEN 'started_at' END;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_setup(@extschema@.quality_check) IS
'a data-quality check before it runs: its source resolved (kind, subquery, time zone), its parameters with the type''s defaults, sample size, time field';

-- An integer parameter in [lo, hi], or 22023 naming the check and the parameter.
CREATE FUNCTION learnalytics_internal.quality_check_integer(c @extschema@.quality_check, params jsonb,
    parameter text, lo integer, hi integer)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v jsonb := params -> parameter;
BEGIN
  IF jsonb_typeof(v) = 'number' AND v::text ~ '^-?[0-9]+$' AND v::numeric BETWEEN lo AND hi THEN
    RETURN v::integer;
  END IF;
  RAISE EXCEPTION 'quality check "%": parameter "%" must be an integer from % to %', c.name, parameter, lo, hi
    USING ERRCODE = 'invalid_parameter_value',
          DETAIL = format('It is %s.', coalesce(v::text, 'missing'));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_integer(@extschema@.quality_check, jsonb, text, integer, integer) IS
'an integer parameter of a data-quality check within bounds, or invalid_parameter_value naming the check and the parameter';

-- A parameter naming a field: a JSON string that is a standard field of the source's kind (of one
-- of the types wanted, when given). Never a raw column: the SQL reads the field with %I.
CREATE FUNCTION learnalytics_internal.quality_check_field(c @extschema@.quality_check, kind text,
    parameter text, value jsonb, want regtype[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f record;
BEGIN
  IF jsonb_typeof(value) IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'quality check "%": parameter "%" must name a field (a JSON string), not %',
                    c.name, parameter, coalesce(value::text, 'nothing')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO f FROM learnalytics_internal.quality_source_fields(kind) k WHERE k.field = value #>> '{}';
  IF NOT FOUND OR NOT (want IS NULL OR f.type = ANY (want)) THEN
    RAISE EXCEPTION 'quality check "%": parameter "%": "%" is not a % field of kind %',
                    c.name, parameter, value #>> '{}',
                    CASE WHEN want IS NULL THEN 'standard' ELSE array_to_string(want::text[], ' or ') END, kind
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A check names the standard fields of its source''s kind, not the columns of the relation behind it.',
            HINT = (SELECT 'Fields: ' || string_agg(k.field, ', ') FROM learnalytics_internal.quality_source_fields(kind) k
                     WHERE want IS NULL OR k.type = ANY (want)) || '.';
  END IF;
  RETURN f.field;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_field(@extschema@.quality_check, text, text, jsonb, regtype[]) IS
'a data-quality check''s parameter naming a standard field of its source''s kind (optionally of given types), or invalid_parameter_value';

-- A parameter listing fields: a non-empty JSON array of distinct standard fields.
CREATE FUNCTION learnalytics_internal.quality_check_fields(c @extschema@.quality_check, kind text,
    parameter text, value jsonb)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text[];
BEGIN
  IF jsonb_typeof(value) IS DISTINCT FROM 'array' OR jsonb_array_length(value) = 0 THEN
    RAISE EXCEPTION 'quality check "%": parameter "%" must be a non-empty JSON array of field names, not %',
                    c.name, parameter, coalesce(value::text, 'nothing')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = (SELECT 'Fields: ' || string_agg(k.field, ', ') FROM learnalytics_internal.quality_source_fields(kind) k) || '.';
  END IF;
  r := ARRAY(SELECT learnalytics_internal.quality_check_field(c, kind, parameter, e.value)
             FROM jsonb_array_elements(value) WITH ORDINALITY e ORDER BY e.ordinality);
  IF (SELECT count(DISTINCT x) FROM unnest(r) x) < cardinality(r) THEN
    RAISE EXCEPTION 'quality check "%": parameter "%" names a field twice', c.name, parameter
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', value);
  END IF;
  RETURN r;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_fields(@extschema@.quality_check, text, text, jsonb) IS
'a data-quality check''s parameter listing standard fields of its source''s kind (non-empty, distinct), or invalid_parameter_value';

-- The enrolment source a check reads course starts or spans from (parameter "enrolment"): any
-- source of kind enrolment, by default learning.enrolment.
CREATE FUNCTION learnalytics_internal.quality_check_enrolment_sql(c @extschema@.quality_check, params jsonb)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v   jsonb := params -> 'enrolment';
  src record;
BEGIN
  IF jsonb_typeof(v) IS DISTINCT FROM 'string' THEN
    RAISE EXCEPTION 'quality check "%": parameter "enrolment" must name a source (a JSON string), not %',
                    c.name, coalesce(v::text, 'nothing')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT s.kind, s.sql INTO src FROM learnalytics_internal.quality_source_sql(v #>> '{}') s;
  IF src.kind <> 'enrolment' THEN
    RAISE EXCEPTION 'quality check "%": parameter "enrolment": source "%" is of kind %, not enrolment',
                    c.name, v #>> '{}', src.kind
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN src.sql;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_enrolment_sql(@extschema@.quality_check, jsonb) IS
'the subquery of a data-quality check''s "enrolment" parameter: a source of kind enrolment, or invalid_parameter_value';

-- not_null: per course and field, the rows whose field is NULL (among the rows where "when" holds).
CREATE FUNCTION learnalytics_internal.quality_not_null(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s       record;
  cols    text[];
  w       jsonb;
  wfield  text;
  wtype   regtype;
  wvalue  text;
  cond    text := 'true';
  cexpr   text;
BEGIN
  s := learnalytics_internal.quality_check_setup(c);
  IF s.params ? 'columns' THEN
    cols := learnalytics_internal.quality_check_fields(c, s.kind, 'columns', s.params -> 'columns');
  ELSE
    cols := ARRAY(SELECT k.field FROM learnalytics_internal.quality_source_fields(s.kind) WITH ORDINALITY k
                  WHERE k.required ORDER BY k.ordinality);
  END IF;
  w := s.params -> 'when';
  IF w IS NOT NULL THEN
    IF jsonb_typeof(w) <> 'object' OR NOT w ? 'column' OR NOT w ? 'equals'
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(w) k WHERE k NOT IN ('column', 'equals')) THEN
      RAISE EXCEPTION 'quality check "%": parameter "when" must be {"column": field, "equals": value}', c.name
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', w);
    END IF;
    wfield := learnalytics_internal.quality_check_field(c, s.kind, 'when', w -> 'column');
    wtype := (SELECT k.type FROM learnalytics_internal.quality_source_fields(s.kind) k WHERE k.field = wfield);
    IF jsonb_typeof(w -> 'equals') = 'null' THEN
      cond := format('q.%I IS NULL', wfield);
    ELSIF jsonb_typeof(w -> 'equals') IN ('object', 'array') THEN
      RAISE EXCEPTION 'quality check "%": parameter "when": "equals" must be a JSON scalar', c.name
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', w -> 'equals');
    ELSE
      wvalue := w ->> 'equals';
      BEGIN
        EXECUTE format('SELECT $1::%s', wtype) USING wvalue;
      EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'quality check "%": parameter "when": "equals" is not a % value', c.name, wtype
          USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', w -> 'equals');
      END;
      cond := format('q.%I = $2::%s', wfield, wtype);
    END IF;
  END IF;
  cexpr := CASE WHEN EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(s.kind) k WHERE k.field = 'course')
                THEN 'q.course' ELSE 'NULL::text' END;
  RETURN QUERY EXECUTE format(
    $q$SELECT x._course, NULL::date, NULL::text, x._field, count(*)::numeric, 0::numeric, count(*),
              coalesce(jsonb_agg(to_jsonb(x._row) ORDER BY x._rn) FILTER (WHERE x._rn <= $1), '[]')
       FROM (SELECT %1$s AS _course, f._field, q AS _row,
                    row_number() OVER (PARTITION BY %1$s, f._field ORDER BY q) AS _rn
             FROM %2$s q CROSS JOIN LATERAL (VALUES %3$s) f(_field, _missing)
             WHERE (%4$s) AND (%5$s) AND f._missing) x
       GROUP BY x._course, x._field
       ORDER BY x._course, x._field$q$,
    cexpr, s.source_sql,
    (SELECT string_agg(format('(%L, q.%I IS NULL)', f, f), ', ') FROM unnest(cols) f),
    (SELECT string_agg(format('q.%I IS NULL', f), ' OR ') FROM unnest(cols) f),
    cond)
    USING s.sample_size, wvalue;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_not_null(@extschema@.quality_check, timestamptz) IS
'check type not_null: per course and field, the rows whose field is NULL (fields "columns", default the kind''s required ones; optionally only rows where "when" holds)';

-- future_timestamp: per course, the rows whose time field is later than as_of + tolerance.
CREATE FUNCTION learnalytics_internal.quality_future_timestamp(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s     record;
  col   text;
  tol   interval;
  cexpr text;
BEGIN
  s := learnalytics_internal.quality_check_setup(c);
  col := learnalytics_internal.quality_check_field(c, s.kind, 'column', coalesce(s.params -> 'column', to_jsonb(s.time_field)),
                                                   '{timestamptz}');
  tol := learnalytics_internal.quality_check_interval(c, s.params, 'tolerance');
  cexpr := CASE WHEN EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(s.kind) k WHERE k.field = 'course')
                THEN 'q.course' ELSE 'NULL::text' END;
  RETURN QUERY EXECUTE format(
    $q$SELECT x._course, NULL::date, NULL::text, %3$L::text, count(*)::numeric, 0::numeric, count(*),
              coalesce(jsonb_agg(to_jsonb(x._row) ORDER BY x._rn) FILTER (WHERE x._rn <= $1), '[]')
       FROM (SELECT %1$s AS _course, q AS _row,
                    row_number() OVER (PARTITION BY %1$s ORDER BY q.%3$I DESC, q) AS _rn
             FROM %2$s q
             WHERE q.%3$I > $2) x
       GROUP BY x._course
       ORDER BY x._course$q$,
    cexpr, s.source_sql, col)
    USING s.sample_size, as_of + tol;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_future_timestamp(@extschema@.quality_check, timestamptz) IS
'check type future_timestamp: per course, the rows whose time field ("column", default the kind''s) is later than as_of plus "tolerance"';

-- An interval parameter, zero or more, or 22023 naming the check and the parameter.
CREATE FUNCTION learnalytics_internal.quality_check_interval(c @extschema@.quality_check, params jsonb, parameter text)
RETURNS interval
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v jsonb := params -> parameter;
  i interval;
BEGIN
  IF jsonb_typeof(v) = 'string' THEN
    BEGIN
      i := (v #>> '{}')::interval;
    EXCEPTION WHEN data_exception THEN
      i := NULL;
    END;
    IF i >= interval '0' THEN
      RETURN i;
    END IF;
  END IF;
  RAISE EXCEPTION 'quality check "%": parameter "%" must be an interval of zero or more (a JSON string)', c.name, parameter
    USING ERRCODE = 'invalid_parameter_value',
          DETAIL = format('It is %s.', coalesce(v::text, 'missing'));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_interval(@extschema@.quality_check, jsonb, text) IS
'an interval parameter (zero or more) of a data-quality check, or invalid_parameter_value naming the check and the parameter';

-- before_course_start: per course, the rows whose time field is earlier than the course's start: the
-- date given in "starts" (midnight in the source's time zone), else the earliest enrolled_at of the
-- course in the "enrolment" source. A course with neither is not checked.
CREATE FUNCTION learnalytics_internal.quality_before_course_start(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s      record;
  col    text;
  starts jsonb;
  bad    record;
  enr    text;
BEGIN
  s := learnalytics_internal.quality_check_setup(c);
  col := learnalytics_internal.quality_check_field(c, s.kind, 'column', coalesce(s.params -> 'column', to_jsonb(s.time_field)),
                                                   '{timestamptz}');
  starts := s.params -> 'starts';
  IF jsonb_typeof(starts) <> 'object' THEN
    RAISE EXCEPTION 'quality check "%": parameter "starts" must be a JSON object {"course": "date"}', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', starts);
  END IF;
  FOR bad IN SELECT * FROM jsonb_each(starts) LOOP
    BEGIN
      PERFORM (bad.value #>> '{}')::date WHERE jsonb_typeof(bad.value) = 'string'
                                           AND (bad.value #>> '{}')::date BETWEEN '0001-01-01' AND '9999-12-31';
      IF NOT FOUND THEN
        RAISE data_exception;
      END IF;
    EXCEPTION WHEN data_exception THEN
      RAISE EXCEPTION 'quality check "%": parameter "starts": the start of course "%" must be a date (a JSON string)',
                      c.name, bad.key
        USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', bad.value);
    END;
  END LOOP;
  enr := learnalytics_internal.quality_check_enrolment_sql(c, s.params);
  RETURN QUERY EXECUTE format(
    $q$WITH st AS (
         SELECT e.course AS _course, min(e.enrolled_at) AS _start
         FROM %3$s e
         WHERE e.course IS NOT NULL AND NOT $3 ? e.course
         GROUP BY e.course
         UNION ALL
         SELECT j.key, (j.value::date)::timestamp AT TIME ZONE $4
         FROM jsonb_each_text($3) j)
       SELECT x._course, NULL::date, NULL::text, %2$L::text, count(*)::numeric, 0::numeric, count(*),
              coalesce(jsonb_agg(to_jsonb(x._row) ORDER BY x._rn) FILTER (WHERE x._rn <= $1), '[]')
       FROM (SELECT q.course AS _course, q AS _row,
                    row_number() OVER (PARTITION BY q.course ORDER BY q.%2$I, q) AS _rn
             FROM %1$s q JOIN st ON st._course = q.course
             WHERE q.%2$I < st._start) x
       GROUP BY x._course
       ORDER BY x._course$q$,
    s.source_sql, col, enr)
    USING s.sample_size, as_of, starts, s.tz;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_before_course_start(@extschema@.quality_check, timestamptz) IS
'check type before_course_start: per course, the rows whose time field is earlier than the course''s start ("starts", else the earliest enrolment)';

-- duplicates: per course, the keys ("key": fields, default all the kind's fields) that more than
-- one row shares. observed = surplus copies (what deduplicating would remove), rows = the rows that
-- share a key, sample = the most repeated keys with their number of copies.
CREATE FUNCTION learnalytics_internal.quality_duplicates(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s     record;
  k     text[];
  cexpr text;
BEGIN
  s := learnalytics_internal.quality_check_setup(c);
  IF s.params ? 'key' THEN
    k := learnalytics_internal.quality_check_fields(c, s.kind, 'key', s.params -> 'key');
  ELSE
    k := ARRAY(SELECT f.field FROM learnalytics_internal.quality_source_fields(s.kind) WITH ORDINALITY f
               ORDER BY f.ordinality);
  END IF;
  cexpr := CASE WHEN EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(s.kind) f WHERE f.field = 'course')
                THEN 'q.course' ELSE 'NULL::text' END;
  RETURN QUERY EXECUTE format(
    $q$SELECT x._course, NULL::date, NULL::text, %5$L::text, sum(x._n - 1)::numeric, 0::numeric, sum(x._n)::bigint,
              coalesce(jsonb_agg(jsonb_build_object(%4$s) || jsonb_build_object('copies', x._n) ORDER BY x._rn)
                         FILTER (WHERE x._rn <= $1), '[]')
       FROM (SELECT g.*, row_number() OVER (PARTITION BY g._course ORDER BY g._n DESC, %6$s) AS _rn
             FROM (SELECT %1$s AS _course, %3$s, count(*) AS _n
                   FROM %2$s q
                   GROUP BY %1$s, %3$s
                   HAVING count(*) > 1) g) x
       GROUP BY x._course
       ORDER BY x._course$q$,
    cexpr, s.source_sql,
    (SELECT string_agg(format('q.%I', f), ', ' ORDER BY o) FROM unnest(k) WITH ORDINALITY u(f, o)),
    (SELECT string_agg(format('%L, x.%I', f, f), ', ' ORDER BY o) FROM unnest(k) WITH ORDINALITY u(f, o)),
    array_to_string(k, ','),
    (SELECT string_agg(format('g.%I', f), ', ' ORDER BY o) FROM unnest(k) WITH ORDINALITY u(f, o)))
    USING s.sample_size;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_duplicates(@extschema@.quality_check, timestamptz) IS
'check type duplicates: per course, the keys ("key", default every field) shared by more than one row: surplus copies, rows involved, most repeated keys';

-- missing_days: per course, the days of its span with fewer than min_rows rows (days in the source's
-- time zone). The span: from "enrolment", the course's first enrolled_at .. its last left_at, or as_of
-- while anyone is still enrolled; from "data", the course's first .. last day with rows. Either way it
-- ends at the last complete day, the day before as_of's.
CREATE FUNCTION learnalytics_internal.quality_missing_days(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s        record;
  frm      jsonb;
  min_rows integer;
  span     text;
  cexpr    text;
BEGIN
  s := learnalytics_internal.quality_check_setup(c);
  frm := s.params -> 'from';
  IF frm IS NULL OR frm NOT IN ('"enrolment"', '"data"') THEN
    RAISE EXCEPTION 'quality check "%": parameter "from" must be "enrolment" or "data"', c.name
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', coalesce(frm::text, 'missing'));
  END IF;
  min_rows := learnalytics_internal.quality_check_integer(c, s.params, 'min_rows', 1, 2147483647);
  cexpr := CASE WHEN EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(s.kind) f WHERE f.field = 'course')
                THEN 'q.course' ELSE 'NULL::text' END;
  IF frm = '"enrolment"' THEN
    span := format($q$SELECT e.course AS _course, min((e.enrolled_at AT TIME ZONE $3)::date) AS _first,
                             least(max((coalesce(e.left_at, $2) AT TIME ZONE $3)::date), $4) AS _last
                      FROM %s e WHERE e.course IS NOT NULL GROUP BY e.course$q$,
                   learnalytics_internal.quality_check_enrolment_sql(c, s.params));
  ELSE
    span := 'SELECT d._course, min(d._day) AS _first, least(max(d._day), $4) AS _last FROM d GROUP BY d._course';
  END IF;
  -- the course's NULL (rows without a course, or a kind without courses) is a group of its own: the
  -- join compares (course is null, coalesce(course, '')) so that it can still hash
  RETURN QUERY EXECUTE format(
    $q$WITH d AS (SELECT %1$s AS _course, (q.ts AT TIME ZONE $3)::date AS _day, count(*) AS _n
                  FROM %2$s q WHERE q.ts IS NOT NULL GROUP BY 1, 2),
            sp AS (%3$s)
       SELECT sp._course, NULL::date, NULL::text, NULL::text, count(*)::numeric,
              max(sp._last - sp._first + 1)::numeric, 0::bigint,
              to_jsonb((array_agg(g._day ORDER BY g._day))[1:$1])
       FROM sp
       CROSS JOIN LATERAL (SELECT t::date AS _day FROM generate_series(sp._first::timestamp, sp._last::timestamp, interval '1 day') t) g
       LEFT JOIN d ON (d._course IS NULL) = (sp._course IS NULL) AND coalesce(d._course, '') = coalesce(sp._course, '')
                  AND d._day = g._day AND d._n >= $5
       WHERE sp._first <= sp._last AND d._day IS NULL
       GROUP BY sp._course
       ORDER BY sp._course$q$,
    cexpr, s.source_sql, span)
    USING s.sample_size, as_of, s.tz, (as_of AT TIME ZONE s.tz)::date - 1, min_rows;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_missing_days(@extschema@.quality_check, timestamptz) IS
'check type missing_days: per course, the days of its span (from enrolments or from the data, up to the day before as_of) with fewer than min_rows rows';

INSERT INTO @extschema@.quality_check_type (name, function, kinds, parameters, description) VALUES
  ('not_null', 'learnalytics_internal.quality_not_null(@extschema@.quality_check, timestamptz)',
   '{events,enrolment,assignment,assignment_submission,quiz_attempt,module_progress,performance}',
   '{"columns": null, "when": null, "sample_size": 5}',
   'rows whose fields ("columns", default the kind''s required fields) are NULL, only among the rows where "when" {"column", "equals"} holds if given; one finding per course and field'),
  ('future_timestamp', 'learnalytics_internal.quality_future_timestamp(@extschema@.quality_check, timestamptz)',
   '{events,enrolment,assignment_submission,quiz_attempt,module_progress,performance}',
   '{"column": null, "tolerance": "5 minutes", "sample_size": 5}',
   'rows whose time ("column", default the kind''s time field) is later than the run''s as_of plus "tolerance"; one finding per course'),
  ('before_course_start', 'learnalytics_internal.quality_before_course_start(@extschema@.quality_check, timestamptz)',
   '{events,assignment,assignment_submission,quiz_attempt,module_progress}',
   '{"column": null, "starts": {}, "enrolment": "learning.enrolment", "sample_size": 5}',
   'rows whose time ("column", default the kind''s time field) is earlier than the course''s start: "starts" {"course": "date"}, else the course''s earliest enrolled_at in the "enrolment" source; one finding per course'),
  ('duplicates', 'learnalytics_internal.quality_duplicates(@extschema@.quality_check, timestamptz)',
   '{events,enrolment,assignment,assignment_submission,quiz_attempt,module_progress,performance}',
   '{"key": null, "sample_size": 5}',
   'rows sharing their "key" (fields, default all) with another row of the same course; observed = surplus copies; one finding per course'),
  ('missing_days', 'learnalytics_internal.quality_missing_days(@extschema@.quality_check, timestamptz)',
   '{events}',
   '{"from": "enrolment", "enrolment": "learning.enrolment", "min_rows": 1, "sample_size": 5}',
   'days with fewer than "min_rows" events in a course''s span ("from" the "enrolment" source''s enrolments or the "data"), up to the day before as_of; one finding per course, observed = missing days, expected = days in the span');

-- Shipped checks over the learning data (learning.<kind>: the built-in tables or their mapping). Over
-- the built-in tables, whose constraints already forbid NULLs and duplicate keys, the required-field
-- and duplicate-enrolment checks find nothing; they matter once a kind is mapped onto a warehouse view.
INSERT INTO @extschema@.quality_check (name, check_type, source, parameters, severity, description, builtin) VALUES
  ('enrolment_required_fields', 'not_null', 'learning.enrolment', '{}', 'high',
   'enrolments without a learner, a course or an enrolment time: every rule, dashboard and ROI figure reads them', true),
  ('enrolment_duplicates', 'duplicates', 'learning.enrolment', '{"key": ["learner", "course"]}', 'high',
   'a learner enrolled twice in the same course: counted twice by the dashboards, the coach queue and ROI', true),
  ('assignment_required_fields', 'not_null', 'learning.assignment', '{}', 'medium',
   'assignments without a course, a name or a due date', true),
  ('assignment_due_before_course_start', 'before_course_start', 'learning.assignment', '{}', 'low',
   'assignments due before anyone enrolled in their course', true),
  ('submission_required_fields', 'not_null', 'learning.assignment_submission', '{}', 'medium',
   'submissions without a course, an assignment, a learner or a submission time', true),
  ('submission_in_future', 'future_timestamp', 'learning.assignment_submission', '{}', 'medium',
   'submissions dated after the run (more than 5 minutes): a clock or time-zone error', true),
  ('submission_duplicates', 'duplicates', 'learning.assignment_submission',
   '{"key": ["course", "assignment", "learner", "submitted_at"]}', 'medium',
   'the same submission (learner, assignment, time) loaded more than once', true),
  ('quiz_attempt_required_fields', 'not_null', 'learning.quiz_attempt', '{}', 'medium',
   'quiz attempts without a course, a learner or a time', true),
  ('quiz_attempt_in_future', 'future_timestamp', 'learning.quiz_attempt', '{}', 'medium',
   'quiz attempts dated after the run (more than 5 minutes): a clock or time-zone error', true),
  ('quiz_attempt_duplicates', 'duplicates', 'learning.quiz_attempt', '{}', 'low',
   'the same quiz attempt (learner, course, time) loaded more than once', true),
  ('quiz_attempt_before_course_start', 'before_course_start', 'learning.quiz_attempt', '{}', 'low',
   'quiz attempts before anyone enrolled in their course', true),
  ('module_progress_required_fields', 'not_null', 'learning.module_progress', '{}', 'medium',
   'module progress without a course, a learner, a module, a start or a progress', true),
  ('module_progress_started_in_future', 'future_timestamp', 'learning.module_progress', '{}', 'medium',
   'modules started after the run (more than 5 minutes): a clock or time-zone error', true),
  ('module_progress_active_in_future', 'future_timestamp', 'learning.module_progress',
   '{"column": "last_activity_at"}', 'medium',
   'module activity dated after the run (more than 5 minutes): a clock or time-zone error', true),
  ('module_progress_before_course_start', 'before_course_start', 'learning.module_progress', '{}', 'low',
   'modules started before anyone enrolled in their course', true);

GRANT EXECUTE ON FUNCTION
  learnalytics_internal.quality_check_setup(@extschema@.quality_check),
  learnalytics_internal.quality_check_enrolment_sql(@extschema@.quality_check, jsonb),
  learnalytics_internal.quality_check_interval(@extschema@.quality_check, jsonb, text),
  learnalytics_internal.quality_not_null(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_future_timestamp(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_before_course_start(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_duplicates(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_missing_days(@extschema@.quality_check, timestamptz)
TO learnalytics_analyst;

-- ===== cross-source checks (H3) below this line =====
