
-------------------------------------------------------------------------------
-- quality: data-quality checks as data (doc/quality.md)
--   quality_source      user-registered sources a check can read (events, learning data, performance)
--   quality_check_type  the kinds of check, one function each (shipped rows only)
--   quality_check       the checks: a type over a source, with parameters and a severity
--   quality_finding     what the checks found, with history (open, dismissed, resolved)
--   quality_run_log     one row per check per run (the weekly trend)
-- The type functions live in quality_checks.sql, quality_outliers.sql and quality_reconcile.sql;
-- each inserts its rows of quality_check_type (and shipped checks) at its end.
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.quality_source (
  name        text PRIMARY KEY CONSTRAINT quality_source_name_is_identifier
              CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  kind        text NOT NULL CONSTRAINT quality_source_kind_known
              CHECK (kind IN ('events', 'enrolment', 'assignment', 'assignment_submission', 'quiz_attempt',
                              'module_progress', 'performance')),
  relation    regclass NOT NULL,
  columns     jsonb NOT NULL DEFAULT '{}' CONSTRAINT quality_source_columns_is_object
              CHECK (pg_catalog.jsonb_typeof(columns) = 'object'),
  tz          text NOT NULL DEFAULT 'UTC',
  description text
);
COMMENT ON TABLE @extschema@.quality_source IS
'sources a data-quality check can read besides the built-in ones: a table or view of a kind, its columns mapped {"field": "column"}';

CREATE TABLE @extschema@.quality_check_type (
  name        text PRIMARY KEY,
  function    regprocedure NOT NULL UNIQUE,
  kinds       text[] NOT NULL,
  parameters  jsonb NOT NULL DEFAULT '{}',
  description text NOT NULL,
  builtin     boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE @extschema@.quality_check_type IS
'the kinds of data-quality check, each one function over a source (rows come with the extension)';

CREATE TABLE @extschema@.quality_check (
  name        text PRIMARY KEY CONSTRAINT quality_check_name_is_identifier
              CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  check_type  text NOT NULL REFERENCES @extschema@.quality_check_type,
  source      text NOT NULL,
  parameters  jsonb NOT NULL DEFAULT '{}' CONSTRAINT quality_check_parameters_is_object
              CHECK (pg_catalog.jsonb_typeof(parameters) = 'object'),
  severity    text NOT NULL DEFAULT 'medium' CONSTRAINT quality_check_severity_known
              CHECK (severity IN ('low', 'medium', 'high')),
  enabled     boolean NOT NULL DEFAULT true,
  description text,
  builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.quality_check IS
'the data-quality checks: a check type over a source, with parameters and a severity (quality_run runs the enabled ones)';

CREATE TABLE @extschema@.quality_finding (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  check_name  text NOT NULL,
  check_type  text NOT NULL,
  severity    text NOT NULL,
  source      text NOT NULL,
  scope       text NOT NULL,
  course      text,
  day         date,
  learner     text,
  subject     text,
  observed    numeric,
  expected    numeric,
  rows        bigint,
  sample      jsonb,
  status      text NOT NULL DEFAULT 'open' CONSTRAINT quality_finding_status_known
              CHECK (status IN ('open', 'dismissed', 'resolved')),
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  resolved_at timestamptz,
  first_run   bigint,
  last_run    bigint,
  dismissed_by text,
  note        text
);
CREATE UNIQUE INDEX quality_finding_current ON @extschema@.quality_finding (check_name, scope)
  WHERE status <> 'resolved';
CREATE INDEX quality_finding_outage ON @extschema@.quality_finding (check_type, day) WHERE status = 'open';
COMMENT ON TABLE @extschema@.quality_finding IS
'what the data-quality checks found: one row per check and scope while it lasts (open or dismissed), kept as history once resolved';

CREATE TABLE @extschema@.quality_run_log (
  run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  as_of       timestamptz NOT NULL,
  check_name  text NOT NULL,
  check_type  text NOT NULL,
  severity    text NOT NULL,
  source      text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  finished_at timestamptz,
  findings    integer,
  opened      integer,
  resolved    integer,
  rows        bigint,
  error       text
);
COMMENT ON TABLE @extschema@.quality_run_log IS
'one row per check per quality_run: as of when, findings, opened, resolved, rows flagged, or the error';

-------------------------------------------------------------------------------
-- Sources (doc/quality.md, "Sources")
-------------------------------------------------------------------------------

-- The standard fields of each kind of source, and their types: events and performance here, the
-- learning kinds as learning_source_fields gives them (the same mapping rules).
CREATE FUNCTION learnalytics_internal.quality_source_fields(kind text,
    OUT field text, OUT type regtype, OUT required boolean)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT f.field, f.type::pg_catalog.regtype, f.required
  FROM (VALUES
    ('events', 1, 'learner', 'text', true), ('events', 2, 'ts', 'timestamptz', true),
    ('events', 3, 'course', 'text', false), ('events', 4, 'activity', 'text', false),
    ('events', 5, 'weight', 'bigint', false), ('events', 6, 'event_id', 'text', false),
    ('performance', 1, 'learner', 'text', true), ('performance', 2, 'site', 'text', false),
    ('performance', 3, 'ts', 'timestamptz', true), ('performance', 4, 'metric', 'numeric', true)
  ) f(kind, ord, field, type, required)
  WHERE f.kind OPERATOR(pg_catalog.=) quality_source_fields.kind
  UNION ALL
  SELECT l.field, l.type, l.required FROM learnalytics_internal.learning_source_fields(quality_source_fields.kind) l
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_fields(text) IS
'the standard fields of a data-quality source kind (events, performance, and the learning kinds) with their types and whether required';

-- The class a mapped column of a field's type must be of (require_column): text fields take any
-- type (read as text), times must be timestamptz, bigint weights an integer type, numbers numeric
-- (a performance metric may be boolean, read as 0/1).
CREATE FUNCTION learnalytics_internal.quality_field_class(kind text, type regtype)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE type WHEN 'timestamptz'::pg_catalog.regtype THEN 'timestamptz'
                   WHEN 'bigint'::pg_catalog.regtype THEN 'integer'
                   WHEN 'numeric'::pg_catalog.regtype
                     THEN CASE WHEN kind OPERATOR(pg_catalog.=) 'performance' THEN 'metric' ELSE 'numeric' END
         END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_field_class(text, regtype) IS
'the require_column class of a data-quality source field of a type (NULL: any type, read as text)';

-- A relation mapped as a kind, as a parenthesised subquery with the standard field names and types
-- (relation through regclass, columns through %I; an optional field whose column is missing reads
-- as NULL). Catalog look-ups only: it reads no data and checks no privilege.
CREATE FUNCTION learnalytics_internal.quality_source_select(kind text, relation regclass, columns jsonb)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f   record;
  sel text[] := '{}';
  col text;
  typ regtype;
BEGIN
  IF kind NOT IN ('events', 'performance') THEN
    RETURN learnalytics_internal.learning_source_select(kind, relation, columns);
  END IF;
  FOR f IN SELECT * FROM learnalytics_internal.quality_source_fields(kind) LOOP
    col := coalesce(columns ->> f.field, f.field);
    typ := learnalytics_internal.column_type(relation, col);
    IF typ IS NULL THEN
      sel := sel || format('NULL::%s AS %I', f.type, f.field);
    ELSIF typ = 'boolean'::regtype AND f.type = 'numeric'::regtype THEN
      sel := sel || format('(o.%I)::integer::numeric AS %I', col, f.field);
    ELSE
      sel := sel || format('(o.%I)::%s AS %I', col, f.type, f.field);
    END IF;
  END LOOP;
  RETURN format('(SELECT %s FROM %s o)', array_to_string(sel, ', '), relation);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_select(text, regclass, jsonb) IS
'subquery reading a relation mapped as a data-quality source kind, with the standard field names and types';

-- Resolve a source name to its kind, a subquery with the kind's standard fields, and its time zone.
-- Never user SQL: relations through regclass, columns through %I. The subquery is read with the
-- caller's rights; a superuser is refused a relation a non-superuser owns (require_trusted_relation).
CREATE FUNCTION learnalytics_internal.quality_source_sql(source text, OUT kind text, OUT sql text, OUT tz text)
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what   text := format('quality source "%s"', source);
  prefix text := split_part(source, '.', 1);
  rest   text := CASE WHEN strpos(source, '.') > 0 THEN substr(source, strpos(source, '.') + 1) END;
  qs     record;
  ps     record;
  es     record;
  ru     record;
  ttyp   regtype;
BEGIN
  IF source IS NULL THEN
    RAISE EXCEPTION 'the quality source must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF source = 'xapi' THEN
    kind := 'events'; tz := 'UTC';
    -- voided statements and the voiding statements themselves are no events
    sql := format('(SELECT s.actor_pseudonym::text AS learner, s."timestamp" AS ts, s.grouping_ids[1] AS course, '
                  's.object_id::text AS activity, NULL::bigint AS weight, s.id::text AS event_id '
                  'FROM %I.xapi_statements_pseudonymous s WHERE NOT s.voided '
                  'AND s.verb_id <> ''http://adlnet.gov/expapi/verbs/voided'')',
                  learnalytics_internal.extension_schema());
    RETURN;
  ELSIF rest IS NULL THEN
    SELECT * INTO qs FROM @extschema@.quality_source q WHERE q.name = source;
    IF FOUND THEN
      PERFORM learnalytics_internal.require_trusted_relation(qs.relation, what);
      kind := qs.kind; tz := qs.tz;
      sql := learnalytics_internal.quality_source_select(qs.kind, qs.relation, qs.columns);
      RETURN;
    END IF;
  ELSIF prefix = 'learning' AND rest IN ('enrolment', 'assignment', 'assignment_submission', 'quiz_attempt',
                                          'module_progress') THEN
    kind := rest; tz := 'UTC';
    sql := learnalytics_internal.learning_source_sql(rest);
    RETURN;
  ELSIF prefix = 'performance' THEN
    SELECT * INTO ps FROM @extschema@.performance_source p WHERE p.name = rest;
    IF FOUND THEN
      PERFORM learnalytics_internal.require_trusted_relation(ps.relation, what);
      kind := 'performance'; tz := 'UTC';
      ttyp := learnalytics_internal.column_type(ps.relation, ps.time_column);
      -- a date or a timestamp without zone is a UTC time (its day stays the day written)
      sql := format('(SELECT (o.%I)::text AS learner, %s AS site, %s AS ts, (%s)::numeric AS metric FROM %s o)',
                    ps.learner_column,
                    CASE WHEN ps.site_column IS NULL THEN 'NULL::text' ELSE format('(o.%I)::text', ps.site_column) END,
                    CASE WHEN ttyp = 'timestamptz'::regtype THEN format('(o.%I)::timestamptz', ps.time_column)
                         ELSE format('((o.%I)::timestamp AT TIME ZONE ''UTC'')', ps.time_column) END,
                    learnalytics_internal.metric_expression(ps.relation, ps.metric_column), ps.relation);
      RETURN;
    END IF;
  ELSIF prefix = 'engagement' THEN
    SELECT * INTO es FROM @extschema@.engagement_source e WHERE e.name = rest;
    IF FOUND THEN
      PERFORM learnalytics_internal.require_trusted_relation(es.relation, what);
      kind := 'events'; tz := es.tz;
      sql := format('(SELECT (o.%I)::text AS learner, (o.%I)::timestamptz AS ts, NULL::text AS course, '
                    'NULL::text AS activity, %s AS weight, NULL::text AS event_id FROM %s o)',
                    es.learner_column, es.ts_column,
                    CASE WHEN es.weight_column IS NULL THEN 'NULL::bigint' ELSE format('(o.%I)::bigint', es.weight_column) END,
                    es.relation);
      RETURN;
    END IF;
  ELSIF prefix = 'rollup' THEN
    SELECT * INTO ru FROM @extschema@.rollup r WHERE r.name = rest;
    IF FOUND THEN
      PERFORM learnalytics_internal.require_trusted_relation(ru.source, what);
      kind := 'events'; tz := ru.tz;
      sql := format('(SELECT (o.%I)::text AS learner, (o.%I)::timestamptz AS ts, %s AS course, %s AS activity, '
                    '%s AS weight, NULL::text AS event_id FROM %s o)',
                    ru.learner_column, ru.ts_column,
                    CASE WHEN ru.course_column IS NULL THEN 'NULL::text' ELSE format('(o.%I)::text', ru.course_column) END,
                    CASE WHEN ru.activity_column IS NULL THEN 'NULL::text' ELSE format('(o.%I)::text', ru.activity_column) END,
                    CASE WHEN ru.weight_column IS NULL THEN 'NULL::bigint' ELSE format('(o.%I)::bigint', ru.weight_column) END,
                    ru.source);
      RETURN;
    END IF;
  END IF;
  RAISE EXCEPTION 'quality source "%" does not exist', source
    USING ERRCODE = 'undefined_object',
          HINT = 'Name a row of quality_source, xapi, learning.<kind>, or performance.<name>, engagement.<name>, '
                 'rollup.<name> of a registered performance source, engagement source or rollup.';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_sql(text) IS
'a data-quality source as (kind, subquery with the kind''s standard field names, time zone)';

-- Validate a quality_source row against the catalog, like learning_source_check: a readable
-- relation the registering role may read, known fields mapped to columns (JSON strings), the
-- required fields present, every column of its field's type class.
CREATE FUNCTION learnalytics_internal.quality_source_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := format('quality_source "%s"', NEW.name);
  f    record;
  k    text;
  col  text;
BEGIN
  IF NEW.name = 'xapi' THEN
    RAISE EXCEPTION '%: the name xapi is the built-in statement store source', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Choose another name; built-in sources are xapi and names with a dot (learning.enrolment).';
  END IF;
  BEGIN
    NEW.tz := pg_catalog.btrim(NEW.tz);
    PERFORM now() AT TIME ZONE NEW.tz;
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION '%: unknown time zone "%" (field "tz")', what, NEW.tz
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name a time zone of pg_timezone_names, e.g. Europe/Paris or UTC.';
  END;
  PERFORM learnalytics_internal.require_relation(NEW.relation, 'readable', what);
  -- the checks publish what they find: whoever registers a source must be allowed to read it
  PERFORM learnalytics_internal.require_registrant_privilege(NEW.relation, 'SELECT', what);
  FOR k IN SELECT jsonb_object_keys(NEW.columns) LOOP
    IF NOT EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(NEW.kind) s WHERE s.field = k) THEN
      RAISE EXCEPTION '%: unknown field "%" for kind %', what, k, NEW.kind
        USING ERRCODE = 'invalid_parameter_value',
              HINT = (SELECT 'Fields: ' || string_agg(s.field, ', ') FROM learnalytics_internal.quality_source_fields(NEW.kind) s) || '.';
    END IF;
    IF jsonb_typeof(NEW.columns -> k) <> 'string' THEN
      RAISE EXCEPTION '%: field "%" must name a column (a JSON string)', what, k
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  FOR f IN SELECT * FROM learnalytics_internal.quality_source_fields(NEW.kind) LOOP
    col := coalesce(NEW.columns ->> f.field, f.field);
    -- an optional field left unmapped may be missing (it reads as NULL)
    CONTINUE WHEN NOT (f.required OR NEW.columns ? f.field)
                  AND learnalytics_internal.column_type(NEW.relation, col) IS NULL;
    PERFORM learnalytics_internal.require_column(NEW.relation, col,
              learnalytics_internal.quality_field_class(NEW.kind, f.type),
              format('%s field "%s"', what, f.field));
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_check() IS
'trigger: validate a quality_source row against the catalog (readable relation, known fields, existing columns, types)';

CREATE TRIGGER quality_source_check BEFORE INSERT OR UPDATE ON @extschema@.quality_source
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.quality_source_check();

-- Privileges (doc/roles.md, doc/quality.md "Privileges"). The check types read their source through
-- quality_source_sql with the caller's rights: analysts (and admins, who run the checks) resolve.
GRANT EXECUTE ON FUNCTION learnalytics_internal.quality_source_sql(text),
  learnalytics_internal.quality_source_select(text, regclass, jsonb)
TO learnalytics_analyst;
