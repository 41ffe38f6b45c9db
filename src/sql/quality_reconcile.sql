
-------------------------------------------------------------------------------
-- quality_reconcile: reconciliation between two sources (doc/quality.md, "Reconciliation")
--   quality_reconcile          every group (day, course, ...) of two sources with both values,
--                              the difference and its share (ad hoc, analysts)
--   quality_reconcile_explain  the keys (learner, course, activity, day, ...) that explain a
--                              difference: present on one side only, or with different values
--   check type reconcile       one finding per group that differs beyond a tolerance
-- Besides the sources of quality_source_sql, two names read what the extension stored from a
-- source, so that a source can be reconciled with its own derived rows:
--   rollup_rows.<rollup>       the rollup's learner-day rows (events and weight per learner,
--                              course and day, from rollup_learner_day)
--   engagement_rows.<source>   the engagement summaries of an engagement source (events and
--                              weight per learner and day, from learner_engagement)
-- Everything reads with the caller's rights. Both sides count days in their own time zone.
-------------------------------------------------------------------------------

-- The fields reconciliation reads from a source of each kind: its time (the day of a row), learner,
-- course and activity (what groups and keys are made of), the numeric field measure 'sum' adds up,
-- and a row identifier.
CREATE FUNCTION learnalytics_internal.quality_reconcile_fields(kind text,
    OUT time_field text, OUT learner_field text, OUT course_field text, OUT activity_field text,
    OUT value_field text, OUT event_id_field text)
RETURNS record
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT f.time_field, f.learner_field, f.course_field, f.activity_field, f.value_field, f.event_id_field
  FROM (VALUES
    ('events', 'ts', 'learner', 'course', 'activity', 'weight', 'event_id'),
    ('enrolment', 'enrolled_at', 'learner', 'course', 'cohort', 'business_weight', NULL),
    ('assignment', 'due_at', NULL, 'course', 'assignment', NULL, NULL),
    ('assignment_submission', 'submitted_at', 'learner', 'course', 'assignment', 'score', NULL),
    ('quiz_attempt', 'attempted_at', 'learner', 'course', NULL, NULL, NULL),
    ('module_progress', 'started_at', 'learner', 'course', 'module', 'progress', NULL),
    ('performance', 'ts', 'learner', NULL, 'site', 'metric', NULL)
  ) f(kind, time_field, learner_field, course_field, activity_field, value_field, event_id_field)
  WHERE f.kind OPERATOR(pg_catalog.=) quality_reconcile_fields.kind
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile_fields(text) IS
'the fields reconciliation reads from a source of a kind: time, learner, course, activity, the summed field, row id';

-- One source as rows of (learner, course, activity, day, ts, event_id, n, v): n events of value v
-- (a plain source: one row per event, n = 1; rollup_rows and engagement_rows: one row per learner
-- and day, n = its events, v = its weight). Days in the source's time zone; from_day and to_day
-- (inclusive, NULL: open) become a range of the time field, so an index or partitions of it serve.
-- fields: the key fields the source has (ts and event_id only for plain sources).
CREATE FUNCTION learnalytics_internal.quality_reconcile_rows(source text, field text, from_day date, to_day date,
    OUT kind text, OUT sql text, OUT tz text, OUT fields text[])
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f      record;
  nm     text;
  conds  text[] := '{}';
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'quality source must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF source LIKE 'rollup\_rows.%' THEN
    nm := substr(source, length('rollup_rows.') + 1);
    SELECT r.tz INTO tz FROM @extschema@.rollup r WHERE r.name = nm;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'quality source "%" does not exist', source
        USING ERRCODE = 'undefined_object',
              HINT = 'rollup_rows.<name> reads the learner-day rows of a rollup: see the table rollup for the names.';
    END IF;
    IF field IS NOT NULL AND field <> 'weight' THEN
      RAISE EXCEPTION 'quality source "%" has no numeric field "%"', source, field
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Its rows have the field weight.';
    END IF;
    IF from_day IS NOT NULL THEN conds := conds || format('d.day >= %L::date', from_day); END IF;
    IF to_day IS NOT NULL THEN conds := conds || format('d.day <= %L::date', to_day); END IF;
    kind := 'events';
    fields := '{learner,course,day}';
    -- a rollup keeps a missing course as ''
    sql := format('(SELECT d.learner, nullif(d.course, %L) AS course, NULL::text AS activity, d.day,
                           NULL::timestamptz AS ts, NULL::text AS event_id, i.events AS n, i.weight::numeric AS v
                      FROM @extschema@.rollup_learner_day d
                     CROSS JOIN LATERAL @extschema@.engagement_info(d.summary) i
                     WHERE %s)',
                  '', array_to_string(format('d.rollup = %L', nm) || conds, ' AND '));
    RETURN;
  END IF;
  IF source LIKE 'engagement\_rows.%' THEN
    nm := substr(source, length('engagement_rows.') + 1);
    SELECT s.tz INTO tz FROM @extschema@.engagement_source s WHERE s.name = nm;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'quality source "%" does not exist', source
        USING ERRCODE = 'undefined_object',
              HINT = 'engagement_rows.<name> reads the summaries of an engagement source: see the table engagement_source for the names.';
    END IF;
    IF field IS NOT NULL AND field <> 'weight' THEN
      RAISE EXCEPTION 'quality source "%" has no numeric field "%"', source, field
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Its rows have the field weight.';
    END IF;
    kind := 'events';
    fields := '{learner,day}';
    sql := format('(SELECT le.learner, NULL::text AS course, NULL::text AS activity, a.day,
                           NULL::timestamptz AS ts, NULL::text AS event_id, a.events AS n, a.weight::numeric AS v
                      FROM @extschema@.learner_engagement le
                     CROSS JOIN LATERAL @extschema@.daily_activity(le.summary, %L::date, %L::date) a
                     WHERE le.source = %L AND a.events > 0)',
                  from_day, to_day, nm);
    RETURN;
  END IF;

  SELECT r.kind, r.sql, r.tz INTO kind, sql, tz FROM learnalytics_internal.quality_source_sql(source) r;
  f := learnalytics_internal.quality_reconcile_fields(kind);
  IF f.time_field IS NULL THEN
    RAISE EXCEPTION 'quality source "%" is of kind "%", which reconciliation does not read', source, kind
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF field IS NOT NULL AND field IS DISTINCT FROM f.value_field THEN
    RAISE EXCEPTION 'quality source "%" has no numeric field "%"', source, field
      USING ERRCODE = 'invalid_parameter_value',
            HINT = CASE WHEN f.value_field IS NULL THEN format('Sources of kind %s have no field to sum: use measure count.', kind)
                        ELSE format('Sources of kind %s sum the field %s.', kind, f.value_field) END;
  END IF;
  IF from_day IS NOT NULL THEN
    conds := conds || format('s.%I >= %L::timestamptz', f.time_field, from_day::timestamp AT TIME ZONE tz);
  END IF;
  IF to_day IS NOT NULL THEN
    conds := conds || format('s.%I < %L::timestamptz', f.time_field, (to_day + 1)::timestamp AT TIME ZONE tz);
  END IF;
  fields := array_remove(ARRAY[CASE WHEN f.learner_field IS NOT NULL THEN 'learner' END,
                               CASE WHEN f.course_field IS NOT NULL THEN 'course' END,
                               CASE WHEN f.activity_field IS NOT NULL THEN 'activity' END,
                               'day', 'ts',
                               CASE WHEN f.event_id_field IS NOT NULL THEN 'event_id' END], NULL);
  sql := format('(SELECT %s AS learner, %s AS course, %s AS activity, (s.%I AT TIME ZONE %L)::date AS day,
                         s.%I AS ts, %s AS event_id, 1::bigint AS n, %s AS v
                    FROM %s s%s)',
                CASE WHEN f.learner_field IS NULL THEN 'NULL::text' ELSE format('s.%I::text', f.learner_field) END,
                CASE WHEN f.course_field IS NULL THEN 'NULL::text' ELSE format('s.%I::text', f.course_field) END,
                CASE WHEN f.activity_field IS NULL THEN 'NULL::text' ELSE format('s.%I::text', f.activity_field) END,
                f.time_field, tz, f.time_field,
                CASE WHEN f.event_id_field IS NULL THEN 'NULL::text' ELSE format('s.%I::text', f.event_id_field) END,
                CASE WHEN f.value_field IS NULL THEN 'NULL::numeric' ELSE format('s.%I::numeric', f.value_field) END,
                sql,
                CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile_rows(text, text, date, date) IS
'a source as reconciliation reads it: rows (learner, course, activity, day, ts, event_id, n events, value v) of the days asked, with its kind, time zone and key fields; also rollup_rows.<rollup> and engagement_rows.<source>';

-- Arguments shared by quality_reconcile and quality_reconcile_explain, checked once.
CREATE FUNCTION learnalytics_internal.quality_reconcile_args(fn text, names text, list text[], allowed text[],
    measure text, from_day date, to_day date)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF list IS NULL OR array_position(list, NULL) IS NOT NULL THEN
    RAISE EXCEPTION '% field "%" must not be null or hold nulls', fn, names USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT list <@ allowed THEN
    RAISE EXCEPTION '% field "%": unknown field "%"', fn, names,
                    (SELECT x FROM unnest(list) x WHERE x <> ALL (allowed) LIMIT 1)
      USING ERRCODE = 'invalid_parameter_value', HINT = format('Fields: %s.', array_to_string(allowed, ', '));
  END IF;
  IF cardinality(list) <> (SELECT count(DISTINCT x) FROM unnest(list) x) THEN
    RAISE EXCEPTION '% field "%" names a field twice', fn, names USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF measure IS NULL OR measure NOT IN ('count', 'sum', 'learners') THEN
    RAISE EXCEPTION '% field "measure" must be count, sum or learners, not %', fn, coalesce(measure, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF from_day > to_day THEN
    RAISE EXCEPTION '% field "from_day" (%) is after "to_day" (%)', fn, from_day, to_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile_args(text, text, text[], text[], text, date, date) IS
'checks the arguments of quality_reconcile and quality_reconcile_explain (fields known and distinct, measure, day range)';

-- The aggregate that measures one side: its events, the sum of its value, or its distinct learners.
CREATE FUNCTION learnalytics_internal.quality_reconcile_measure(measure text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE measure WHEN 'count' THEN 'sum(r.n)::numeric'
                      WHEN 'sum' THEN 'coalesce(sum(r.v), 0)'
                      WHEN 'learners' THEN 'count(DISTINCT r.learner)::numeric' END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile_measure(text) IS
'the SQL aggregate of a reconciliation measure over rows r (count: events, sum: the value, learners: distinct learners)';

-- Key-level comparison: each side grouped once by the given fields, the two merged (NULL keys
-- match NULL keys), the keys whose values differ. Filters of_course, of_learner select rows of a
-- side (NULL: all). Used by quality_reconcile_explain and the check type.
CREATE FUNCTION learnalytics_internal.quality_reconcile_keys(a text, b text, key text[], measure text, field text,
    from_day date, to_day date, of_course text, of_learner text,
    OUT side text, OUT learner text, OUT course text, OUT activity text, OUT day date, OUT ts timestamptz,
    OUT event_id text, OUT a_value numeric, OUT b_value numeric, OUT difference numeric,
    OUT a_rows bigint, OUT b_rows bigint)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ra    record := learnalytics_internal.quality_reconcile_rows(a, field, from_day, to_day);
  rb    record := learnalytics_internal.quality_reconcile_rows(b, field, from_day, to_day);
  cols  text[] := ARRAY['learner', 'course', 'activity', 'day', 'ts', 'event_id'];
  types text[] := ARRAY['text', 'text', 'text', 'date', 'timestamptz', 'text'];
  sel   text[] := '{}';
  conds text[] := '{}';
  k     text;
  i     int;
  side_q text;
BEGIN
  FOREACH k IN ARRAY key LOOP
    IF NOT (k = ANY (ra.fields)) OR NOT (k = ANY (rb.fields)) THEN
      RAISE EXCEPTION 'quality source "%" has no field "%" to reconcile by',
                      CASE WHEN NOT (k = ANY (ra.fields)) THEN a ELSE b END, k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Fields of "%s": %s; of "%s": %s.', a, array_to_string(ra.fields, ', '),
                            b, array_to_string(rb.fields, ', '));
    END IF;
  END LOOP;
  FOR i IN 1 .. 6 LOOP
    sel := sel || CASE WHEN cols[i] = ANY (key) THEN format('r.%I', cols[i]) ELSE format('NULL::%s', types[i]) END;
  END LOOP;
  IF of_course IS NOT NULL THEN conds := conds || format('r.course = %L', of_course); END IF;
  IF of_learner IS NOT NULL THEN conds := conds || format('r.learner = %L', of_learner); END IF;
  side_q := format('SELECT %s, %s AS val, sum(r.n) AS nrows FROM %%s r%s GROUP BY 1, 2, 3, 4, 5, 6',
                   array_to_string(sel, ', '), learnalytics_internal.quality_reconcile_measure(measure),
                   CASE WHEN cardinality(conds) > 0 THEN ' WHERE ' || array_to_string(conds, ' AND ') ELSE '' END);
  RETURN QUERY EXECUTE format(
    'SELECT CASE WHEN m.a_rows = 0 THEN ''b'' WHEN m.b_rows = 0 THEN ''a'' ELSE ''both'' END,
            m.learner, m.course, m.activity, m.day, m.ts, m.event_id,
            m.a_value, m.b_value, m.a_value - m.b_value, m.a_rows, m.b_rows
       FROM (SELECT u.learner, u.course, u.activity, u.day, u.ts, u.event_id,
                    coalesce(sum(u.val) FILTER (WHERE u.is_a), 0) AS a_value,
                    coalesce(sum(u.val) FILTER (WHERE NOT u.is_a), 0) AS b_value,
                    coalesce(sum(u.nrows) FILTER (WHERE u.is_a), 0)::bigint AS a_rows,
                    coalesce(sum(u.nrows) FILTER (WHERE NOT u.is_a), 0)::bigint AS b_rows
               FROM (SELECT true AS is_a, x.* FROM (%s) x
                     UNION ALL
                     SELECT false, y.* FROM (%s) y) u (is_a, learner, course, activity, day, ts, event_id, val, nrows)
              GROUP BY 1, 2, 3, 4, 5, 6) m
      WHERE m.a_value <> m.b_value
      ORDER BY m.day, m.course, m.learner, m.activity, m.ts, m.event_id',
    format(side_q, ra.sql), format(side_q, rb.sql));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile_keys(text, text, text[], text, text, date, date, text, text) IS
'the keys (the given fields) whose measure differs between two sources, with the side they are on (a, b, both)';

CREATE FUNCTION @extschema@.quality_reconcile(a text, b text, by text[] DEFAULT '{day,course}',
    measure text DEFAULT 'count', from_day date DEFAULT NULL, to_day date DEFAULT NULL,
    field text DEFAULT NULL, tolerance numeric DEFAULT 0,
    OUT day date, OUT course text, OUT learner text, OUT activity text,
    OUT a_value numeric, OUT b_value numeric, OUT difference numeric, OUT share numeric,
    OUT a_rows bigint, OUT b_rows bigint, OUT agrees boolean)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp   text[] := quality_reconcile.by;
  ra    record;
  rb    record;
  cols  text[] := ARRAY['day', 'course', 'learner', 'activity'];
  types text[] := ARRAY['date', 'text', 'text', 'text'];
  sel   text[] := '{}';
  k     text;
  i     int;
  side_q text;
BEGIN
  IF a IS NULL OR b IS NULL THEN
    RAISE EXCEPTION 'quality_reconcile fields "a" and "b" must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.quality_reconcile_args('quality_reconcile', 'by', grp, cols, measure, from_day, to_day);
  IF tolerance IS NULL OR tolerance < 0 OR tolerance > 1 THEN
    RAISE EXCEPTION 'quality_reconcile field "tolerance" must be a share between 0 and 1, not %', coalesce(tolerance::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  ra := learnalytics_internal.quality_reconcile_rows(a, field, from_day, to_day);
  rb := learnalytics_internal.quality_reconcile_rows(b, field, from_day, to_day);
  FOREACH k IN ARRAY grp LOOP
    IF NOT (k = ANY (ra.fields)) OR NOT (k = ANY (rb.fields)) THEN
      RAISE EXCEPTION 'quality source "%" has no field "%" to reconcile by',
                      CASE WHEN NOT (k = ANY (ra.fields)) THEN a ELSE b END, k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Fields of "%s": %s; of "%s": %s.', a, array_to_string(ra.fields, ', '),
                            b, array_to_string(rb.fields, ', '));
    END IF;
  END LOOP;
  FOR i IN 1 .. 4 LOOP
    sel := sel || CASE WHEN cols[i] = ANY (grp) THEN format('r.%I', cols[i]) ELSE format('NULL::%s', types[i]) END;
  END LOOP;
  -- each side grouped once; the two merged by a second grouping (NULL groups match, which a full
  -- join's = would not)
  side_q := format('SELECT %s, %s AS val, sum(r.n) AS nrows FROM %%s r GROUP BY 1, 2, 3, 4',
                   array_to_string(sel, ', '), learnalytics_internal.quality_reconcile_measure(measure));
  RETURN QUERY EXECUTE format(
    'SELECT m.day, m.course, m.learner, m.activity, m.a_value, m.b_value, m.a_value - m.b_value,
            CASE WHEN greatest(abs(m.a_value), abs(m.b_value)) = 0 THEN 0::numeric
                 ELSE round((m.a_value - m.b_value) / greatest(abs(m.a_value), abs(m.b_value)), 6) END,
            m.a_rows, m.b_rows,
            abs(m.a_value - m.b_value) <= $1 * greatest(abs(m.a_value), abs(m.b_value))
       FROM (SELECT u.day, u.course, u.learner, u.activity,
                    coalesce(sum(u.val) FILTER (WHERE u.is_a), 0) AS a_value,
                    coalesce(sum(u.val) FILTER (WHERE NOT u.is_a), 0) AS b_value,
                    coalesce(sum(u.nrows) FILTER (WHERE u.is_a), 0)::bigint AS a_rows,
                    coalesce(sum(u.nrows) FILTER (WHERE NOT u.is_a), 0)::bigint AS b_rows
               FROM (SELECT true AS is_a, x.* FROM (%s) x
                     UNION ALL
                     SELECT false, y.* FROM (%s) y) u (is_a, day, course, learner, activity, val, nrows)
              GROUP BY 1, 2, 3, 4) m
      ORDER BY m.day, m.course, m.learner, m.activity',
    format(side_q, ra.sql), format(side_q, rb.sql))
  USING tolerance;
END
$$;
COMMENT ON FUNCTION @extschema@.quality_reconcile(text, text, text[], text, date, date, text, numeric) IS
'reconcile two data-quality sources: every group (by day, course, learner, activity) with both values, the difference a - b, its share of the larger and whether it is within tolerance';

CREATE FUNCTION @extschema@.quality_reconcile_explain(a text, b text, of_course text DEFAULT NULL,
    of_day date DEFAULT NULL, key text[] DEFAULT NULL, measure text DEFAULT 'count', field text DEFAULT NULL,
    of_learner text DEFAULT NULL,
    OUT side text, OUT learner text, OUT course text, OUT activity text, OUT day date, OUT ts timestamptz,
    OUT event_id text, OUT a_value numeric, OUT b_value numeric, OUT difference numeric)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k  text[] := key;
BEGIN
  IF a IS NULL OR b IS NULL THEN
    RAISE EXCEPTION 'quality_reconcile_explain fields "a" and "b" must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF k IS NULL THEN
    -- the fields both sides have, among learner, course, activity and day
    SELECT array_agg(f ORDER BY o) INTO k
      FROM unnest(ARRAY['learner', 'course', 'activity', 'day']) WITH ORDINALITY AS x(f, o)
     WHERE f = ANY ((learnalytics_internal.quality_reconcile_rows(a, field, of_day, of_day)).fields)
       AND f = ANY ((learnalytics_internal.quality_reconcile_rows(b, field, of_day, of_day)).fields);
  END IF;
  PERFORM learnalytics_internal.quality_reconcile_args('quality_reconcile_explain', 'key', k,
            ARRAY['learner', 'course', 'activity', 'day', 'ts', 'event_id'], measure, NULL, NULL);
  IF cardinality(k) = 0 THEN
    RAISE EXCEPTION 'quality_reconcile_explain field "key" must name at least one field' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT x.side, x.learner, x.course, x.activity, x.day, x.ts, x.event_id, x.a_value, x.b_value, x.difference
    FROM learnalytics_internal.quality_reconcile_keys(a, b, k, measure, field, of_day, of_day, of_course, of_learner) x;
END
$$;
COMMENT ON FUNCTION @extschema@.quality_reconcile_explain(text, text, text, date, text[], text, text, text) IS
'the keys that explain a difference between two data-quality sources (of one course, day or learner): present on one side only (side a or b) or with different values (both)';

-- The check type: one finding per group whose values differ by more than the tolerance, observed =
-- this source, expected = the other, rows = the keys that explain it, sample = the first of them.
CREATE FUNCTION learnalytics_internal.quality_reconcile(c @extschema@.quality_check, as_of timestamptz,
    OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
    OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p       jsonb := (SELECT t.parameters FROM @extschema@.quality_check_type t WHERE t.name = 'reconcile') || c.parameters;
  other   text;
  grp     text[];
  k       text[];
  measure text;
  field   text;
  tol     numeric;
  ndays   integer;
  nsample integer;
  to_d    date;
  from_d  date;
  tz      text;
  pname   text;
  groups  jsonb;
BEGIN
  BEGIN
    pname := 'other'; other := p ->> 'other';
    IF other IS NULL OR jsonb_typeof(p -> 'other') <> 'string' THEN RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value'; END IF;
    pname := 'by'; grp := ARRAY(SELECT jsonb_array_elements_text(p -> 'by'));
    pname := 'key';
    IF jsonb_typeof(p -> 'key') = 'array' THEN
      k := ARRAY(SELECT jsonb_array_elements_text(p -> 'key'));
    ELSIF jsonb_typeof(p -> 'key') IS DISTINCT FROM 'null' THEN
      RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value';
    END IF;
    pname := 'measure'; measure := p ->> 'measure';
    pname := 'field'; field := p ->> 'field';
    pname := 'tolerance'; tol := (p ->> 'tolerance')::numeric;
    pname := 'days'; ndays := (p ->> 'days')::integer;
    IF ndays < 1 THEN RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value'; END IF;
    pname := 'sample_size'; nsample := (p ->> 'sample_size')::integer;
    IF nsample IS NULL OR nsample < 0 THEN RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value'; END IF;
  EXCEPTION WHEN invalid_parameter_value OR invalid_text_representation OR numeric_value_out_of_range
                 OR data_exception THEN
    RAISE EXCEPTION 'quality check "%": parameter "%" is invalid', c.name, pname
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Parameters of reconcile: other (a source name, required), by (array of day, course, learner, activity), measure (count, sum, learners), field, key (array), tolerance (0..1), days (1 or more, null: all), sample_size.';
  END;
  PERFORM learnalytics_internal.quality_reconcile_args(format('quality check "%s"', c.name), 'by', grp,
            ARRAY['day', 'course', 'learner', 'activity'], measure, NULL, NULL);
  IF tol IS NULL OR tol < 0 OR tol > 1 THEN
    RAISE EXCEPTION 'quality check "%" field "tolerance" must be a share between 0 and 1, not %', c.name,
                    coalesce(tol::text, 'null')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the days: up to as_of's day (in the source's time zone), the last `days` of them if given
  tz := (learnalytics_internal.quality_reconcile_rows(c.source, NULL, NULL, NULL)).tz;
  to_d := (as_of AT TIME ZONE tz)::date;
  from_d := to_d - ndays + 1;

  -- the clean case reads each side once; only differences are explained (a second read, of their days)
  SELECT jsonb_agg(to_jsonb(r)) INTO groups
    FROM @extschema@.quality_reconcile(c.source, other, grp, measure, from_d, to_d, field, tol) r
   WHERE NOT r.agrees;
  IF groups IS NULL THEN
    RETURN;
  END IF;
  IF k IS NULL THEN
    k := ARRAY(SELECT f FROM unnest(ARRAY['learner', 'course', 'activity', 'day']) f
                WHERE f = ANY ((learnalytics_internal.quality_reconcile_rows(c.source, field, NULL, NULL)).fields)
                  AND f = ANY ((learnalytics_internal.quality_reconcile_rows(other, field, NULL, NULL)).fields));
  END IF;
  -- each key within one group: the grouping fields are keys too
  k := k || ARRAY(SELECT f FROM unnest(grp) f WHERE f <> ALL (k));
  PERFORM learnalytics_internal.quality_reconcile_args(format('quality check "%s"', c.name), 'key', k,
            ARRAY['learner', 'course', 'activity', 'day', 'ts', 'event_id'], measure, NULL, NULL);

  RETURN QUERY
  WITH g AS (
    SELECT * FROM jsonb_to_recordset(groups)
             AS j (day date, course text, learner text, activity text, a_value numeric, b_value numeric)
  ), kx AS (
    SELECT g.day AS gday, g.course AS gcourse, g.learner AS glearner, g.activity AS gactivity,
           x.*, row_number() OVER (PARTITION BY g.day, g.course, g.learner, g.activity
                                   ORDER BY x.day, x.course, x.learner, x.activity, x.ts, x.event_id, x.side) AS o
      FROM learnalytics_internal.quality_reconcile_keys(
             c.source, other, k, measure, field,
             greatest(from_d, (SELECT min(g2.day) FROM g g2)), least(to_d, (SELECT max(g2.day) FROM g g2)),
             NULL, NULL) x
      JOIN g ON (NOT ('day' = ANY (grp)) OR g.day IS NOT DISTINCT FROM x.day)
            AND (NOT ('course' = ANY (grp)) OR g.course IS NOT DISTINCT FROM x.course)
            AND (NOT ('learner' = ANY (grp)) OR g.learner IS NOT DISTINCT FROM x.learner)
            AND (NOT ('activity' = ANY (grp)) OR g.activity IS NOT DISTINCT FROM x.activity)
  )
  SELECT g.course, g.day, g.learner,
         other || CASE WHEN g.activity IS NOT NULL THEN ' ' || g.activity ELSE '' END,
         g.a_value, g.b_value,
         (SELECT count(*) FROM kx
           WHERE kx.gday IS NOT DISTINCT FROM g.day AND kx.gcourse IS NOT DISTINCT FROM g.course
             AND kx.glearner IS NOT DISTINCT FROM g.learner AND kx.gactivity IS NOT DISTINCT FROM g.activity),
         coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                    'side', kx.side, 'learner', kx.learner, 'course', kx.course,
                                    'activity', kx.activity, 'day', kx.day, 'ts', kx.ts, 'event_id', kx.event_id,
                                    'a', kx.a_value, 'b', kx.b_value)) ORDER BY kx.o)
                     FROM kx
                    WHERE kx.gday IS NOT DISTINCT FROM g.day AND kx.gcourse IS NOT DISTINCT FROM g.course
                      AND kx.glearner IS NOT DISTINCT FROM g.learner AND kx.gactivity IS NOT DISTINCT FROM g.activity
                      AND kx.o <= nsample), '[]'::jsonb)
    FROM g
   ORDER BY g.day, g.course, g.learner, g.activity;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_reconcile(@extschema@.quality_check, timestamptz) IS
'check type reconcile: one finding per group (day, course, ...) whose measure differs from the other source''s beyond the tolerance; sample = the keys that explain it';

INSERT INTO @extschema@.quality_check_type (name, function, kinds, parameters, description)
VALUES ('reconcile', 'learnalytics_internal.quality_reconcile(@extschema@.quality_check, timestamptz)',
        '{events,enrolment,assignment,assignment_submission,quiz_attempt,module_progress,performance}',
        '{"other": null, "by": ["day", "course"], "measure": "count", "field": null, "key": null,
          "tolerance": 0, "days": null, "sample_size": 5}',
        'groups (by day and course by default) whose count or sum differs from another source''s beyond a tolerance, with the keys that explain it');

-- privileges: analysts reconcile ad hoc, with their own rights on the sources
REVOKE ALL ON FUNCTION @extschema@.quality_reconcile(text, text, text[], text, date, date, text, numeric),
  @extschema@.quality_reconcile_explain(text, text, text, date, text[], text, text, text),
  learnalytics_internal.quality_reconcile_rows(text, text, date, date),
  learnalytics_internal.quality_reconcile_keys(text, text, text[], text, text, date, date, text, text),
  learnalytics_internal.quality_reconcile(@extschema@.quality_check, timestamptz)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.quality_reconcile(text, text, text[], text, date, date, text, numeric),
  @extschema@.quality_reconcile_explain(text, text, text, date, text[], text, text, text),
  learnalytics_internal.quality_reconcile_rows(text, text, date, date),
  learnalytics_internal.quality_reconcile_keys(text, text, text[], text, text, date, date, text, text),
  learnalytics_internal.quality_reconcile(@extschema@.quality_check, timestamptz)
  TO learnalytics_analyst;
