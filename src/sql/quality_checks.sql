
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
