
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
  SELECT CASE WHEN type OPERATOR(pg_catalog.=) 'timestamptz'::pg_catalog.regtype THEN 'timestamptz'
              WHEN type OPERATOR(pg_catalog.=) 'bigint'::pg_catalog.regtype THEN 'integer'
              WHEN type OPERATOR(pg_catalog.=) 'numeric'::pg_catalog.regtype
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

-- A registered relation that was dropped since (regclass columns keep the OID): an error that says
-- which source, before any SQL is built on it.
CREATE FUNCTION learnalytics_internal.quality_require_relation(relation regclass, what text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = relation) THEN
    RAISE EXCEPTION '%: its relation no longer exists', what
      USING ERRCODE = 'undefined_table',
            HINT = 'Register the source again over an existing table or view, or delete it.';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(relation, what);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_require_relation(regclass, text) IS
'undefined_table when the relation of a data-quality source was dropped; insufficient_privilege when a superuser would read a relation a non-superuser owns';

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
      PERFORM learnalytics_internal.quality_require_relation(qs.relation, what);
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
      PERFORM learnalytics_internal.quality_require_relation(ps.relation, what);
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
      PERFORM learnalytics_internal.quality_require_relation(es.relation, what);
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
      PERFORM learnalytics_internal.quality_require_relation(ru.source, what);
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

-- The table or view a source reads (NULL for an unknown name): what ties a finding to the engagement
-- sources the alert rules read (quality_outage_days, quality_outlier_days).
CREATE FUNCTION learnalytics_internal.quality_source_relation(source_name text)
RETURNS regclass
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- plpgsql: the registries of performance sources and rollups come in later parts
  RETURN CASE
    WHEN source_name OPERATOR(pg_catalog.=) 'xapi' THEN '@extschema@.xapi_statements'::pg_catalog.regclass
    WHEN source_name OPERATOR(pg_catalog.~~) 'learning.%' THEN
      coalesce((SELECT l.relation FROM @extschema@.learning_source l
                 WHERE l.kind OPERATOR(pg_catalog.=) pg_catalog.substr(source_name, 10)),
               pg_catalog.to_regclass(pg_catalog.format('%I.%I', learnalytics_internal.extension_schema(),
                                                        pg_catalog.substr(source_name, 10))))
    WHEN source_name OPERATOR(pg_catalog.~~) 'performance.%' THEN
      (SELECT p.relation FROM @extschema@.performance_source p
        WHERE p.name OPERATOR(pg_catalog.=) pg_catalog.substr(source_name, 13))
    WHEN source_name OPERATOR(pg_catalog.~~) 'engagement.%' THEN
      (SELECT e.relation FROM @extschema@.engagement_source e
        WHERE e.name OPERATOR(pg_catalog.=) pg_catalog.substr(source_name, 12))
    WHEN source_name OPERATOR(pg_catalog.~~) 'rollup.%' THEN
      (SELECT r.source FROM @extschema@.rollup r WHERE r.name OPERATOR(pg_catalog.=) pg_catalog.substr(source_name, 8))
    ELSE (SELECT q.relation FROM @extschema@.quality_source q WHERE q.name OPERATOR(pg_catalog.=) source_name)
  END;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_relation(text) IS
'the table or view a data-quality source reads (NULL: unknown source)';

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
  -- the table's CHECKs come after this trigger: what the checks below rely on is checked first
  IF NEW.name IS NULL OR NEW.name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION '%: the name must be a lower-case identifier (field "name")', what
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Names with a dot are the built-in sources (learning.enrolment, performance.<name>, ...).';
  END IF;
  IF NEW.kind IS NULL OR NOT EXISTS (SELECT 1 FROM learnalytics_internal.quality_source_fields(NEW.kind)) THEN
    RAISE EXCEPTION '%: unknown kind "%" (field "kind")', what, NEW.kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: events, performance, enrolment, assignment, assignment_submission, quiz_attempt, module_progress.';
  END IF;
  IF NEW.columns IS NULL OR jsonb_typeof(NEW.columns) <> 'object' THEN
    RAISE EXCEPTION '%: columns must be a JSON object {"field": "column"} (field "columns")', what
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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

-------------------------------------------------------------------------------
-- Checks (doc/quality.md, "Checks and findings")
-------------------------------------------------------------------------------

-- Validate a quality_check row: its type exists, its source resolves to a kind the type reads, its
-- parameters are the type's (plus sample_size, an integer 0..1000); the source is resolved again on an
-- update only when the source or the type changes. The value of each parameter is
-- the type function's to check (22023 naming the check and the parameter, at run time). Only a
-- superuser (the extension's script) sets or clears builtin: built-in checks are not dumped. A
-- restore (pg_dump's scripts run with check_function_bodies off) does not resolve the source: the
-- engagement sources are not dumped, and a performance source may be restored after the checks.
CREATE FUNCTION learnalytics_internal.quality_check_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := format('quality_check "%s"', NEW.name);
  ty   record;
  src  record;
  k    text;
  n    numeric;
BEGIN
  IF (NEW.builtin IS DISTINCT FROM CASE WHEN TG_OP = 'INSERT' THEN false ELSE OLD.builtin END)
     AND NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
    RAISE EXCEPTION '%: only a superuser sets or clears builtin', what
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Built-in checks come with the extension and are not dumped.',
            HINT = 'Leave builtin out (false): pg_dump keeps the checks you write.';
  END IF;
  SELECT * INTO ty FROM @extschema@.quality_check_type t WHERE t.name = NEW.check_type;
  IF NOT FOUND THEN
    RAISE EXCEPTION '%: check type "%" does not exist (field "check_type")', what, NEW.check_type
      USING ERRCODE = 'undefined_object',
            HINT = coalesce((SELECT 'Types: ' || string_agg(t.name, ', ' ORDER BY t.name) || '.'
                               FROM @extschema@.quality_check_type t), 'No check type is installed.');
  END IF;
  IF NEW.parameters IS NULL OR jsonb_typeof(NEW.parameters) <> 'object' THEN
    RAISE EXCEPTION '%: parameters must be a JSON object (field "parameters")', what
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR k IN SELECT jsonb_object_keys(NEW.parameters) LOOP
    IF k <> 'sample_size' AND NOT ty.parameters ? k THEN
      RAISE EXCEPTION '%: unknown parameter "%" of check type %', what, k, ty.name
        USING ERRCODE = 'invalid_parameter_value',
              HINT = (SELECT 'Parameters: ' || string_agg(p, ', ' ORDER BY p) || '.'
                        FROM (SELECT jsonb_object_keys(ty.parameters) UNION SELECT 'sample_size') x(p));
    END IF;
  END LOOP;
  IF NEW.parameters ? 'sample_size' THEN
    n := CASE WHEN jsonb_typeof(NEW.parameters -> 'sample_size') = 'number' THEN (NEW.parameters ->> 'sample_size')::numeric END;
    IF n IS NULL OR n <> trunc(n) OR n < 0 OR n > 1000 THEN
      RAISE EXCEPTION '%: parameter "sample_size" must be an integer from 0 to 1000, not %', what,
                      NEW.parameters -> 'sample_size'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  -- an update that keeps the source, type and parameters (enabling, disabling, a severity) does not
  -- resolve the source again: a check whose source is gone can still be disabled
  IF NOT current_setting('check_function_bodies')::boolean
     OR (TG_OP = 'UPDATE' AND (NEW.source, NEW.check_type, NEW.parameters)
                              IS NOT DISTINCT FROM (OLD.source, OLD.check_type, OLD.parameters)) THEN
    RETURN NEW;
  END IF;
  BEGIN
    src := learnalytics_internal.quality_source_sql(NEW.source);
  EXCEPTION WHEN undefined_object THEN
    RAISE EXCEPTION '%: quality source "%" does not exist (field "source")', what, NEW.source
      USING ERRCODE = 'undefined_object',
            HINT = 'Name a row of quality_source, xapi, learning.<kind>, or performance.<name>, engagement.<name>, '
                   'rollup.<name> of a registered performance source, engagement source or rollup.';
  END;
  IF NOT src.kind = ANY (ty.kinds) THEN
    RAISE EXCEPTION '%: check type % does not read sources of kind % (field "source": "%")', what, ty.name,
                    src.kind, NEW.source
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('Check type %s reads sources of kind %s.', ty.name, array_to_string(ty.kinds, ', '));
  END IF;
  -- whoever writes a check must be allowed to read what it reads: the check's source and the sources
  -- its parameters name. A check runs with the rights of whoever runs it (a superuser's nightly job
  -- too) and publishes what it finds, samples included. Opening the query (LIMIT 0) checks the
  -- writer's privileges on every relation behind it, views' owners included, and reads no row.
  FOR k IN SELECT NEW.source
           UNION SELECT v FROM jsonb_each(NEW.parameters) p(key, val)
                 CROSS JOIN LATERAL (SELECT p.val #>> '{}' WHERE jsonb_typeof(p.val) = 'string'
                                     UNION ALL
                                     SELECT e FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.val) = 'array'
                                                                                  THEN p.val END) e) x(v)
                WHERE p.key IN ('other', 'enrolment', 'enrolments', 'population', 'assignments') LOOP
    BEGIN
      src := learnalytics_internal.quality_source_sql(k);
    EXCEPTION WHEN undefined_object THEN
      CONTINUE;   -- a parameter naming no source: the check type says so when it runs
    END;
    BEGIN
      EXECUTE format('SELECT 1 FROM %s s LIMIT 0', src.sql);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION '%: you may not read source "%"', what, k
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = 'A check publishes what it finds (counts and sample rows) and may run with more rights than yours.',
              HINT = 'Ask the owner of the relation for SELECT on it.';
    END;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_check() IS
'trigger: validate a quality_check row (type exists, source resolves to a kind the type reads, parameters known, builtin set by a superuser only)';

CREATE TRIGGER quality_check_check BEFORE INSERT OR UPDATE ON @extschema@.quality_check
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.quality_check_check();

-- A check deleted or disabled is no longer run, so nothing would ever resolve its findings, and an
-- open one would go on holding alerts (outage) or refusing ROI (the gate): they resolve now, with a
-- note saying why.
CREATE FUNCTION learnalytics_internal.quality_check_retired()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE @extschema@.quality_finding f
     SET status = 'resolved', resolved_at = pg_catalog.now(),
         note = coalesce(f.note || '; ', '') || CASE TG_OP WHEN 'DELETE' THEN 'check deleted' ELSE 'check disabled' END
   WHERE f.check_name = OLD.name AND f.status <> 'resolved';
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_retired() IS
'trigger: resolve the findings of a quality check that is deleted or disabled';

CREATE TRIGGER quality_check_retired AFTER DELETE ON @extschema@.quality_check
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.quality_check_retired();
CREATE TRIGGER quality_check_disabled AFTER UPDATE OF enabled ON @extschema@.quality_check
FOR EACH ROW WHEN (OLD.enabled AND NOT NEW.enabled) EXECUTE FUNCTION learnalytics_internal.quality_check_retired();

-- Configuration and history are the user's data: dumped (shipped checks are made again by CREATE
-- EXTENSION). The type registry comes with the extension.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_source', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_check', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_finding', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_finding_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_run_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quality_run_log_run_id_seq', '');

-------------------------------------------------------------------------------
-- Running (doc/quality.md, "Running")
-------------------------------------------------------------------------------

-- The canonical scope of a finding: course=...;day=YYYY-MM-DD;learner=...;subject=... of its non-null
-- parts, '' for the whole source. A backslash, ';' or '=' inside a value is escaped with a
-- backslash, so two different scopes never read the same.
CREATE FUNCTION learnalytics_internal.quality_scope_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.regexp_replace(value, '([\\;=])', '\\\1', 'g')
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_scope_escape(text) IS
'a value of a finding''s scope with backslash, semicolon and equals sign escaped by a backslash';

CREATE FUNCTION learnalytics_internal.quality_scope(course text, day date, learner text, subject text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.concat_ws(';',
    'course=' OPERATOR(pg_catalog.||) learnalytics_internal.quality_scope_escape(course),
    CASE WHEN day IS NOT NULL
         THEN pg_catalog.format('day=%s-%s-%s',
                pg_catalog.lpad(EXTRACT(YEAR FROM day)::integer::text, 4, '0'),
                pg_catalog.lpad(EXTRACT(MONTH FROM day)::integer::text, 2, '0'),
                pg_catalog.lpad(EXTRACT(DAY FROM day)::integer::text, 2, '0')) END,
    'learner=' OPERATOR(pg_catalog.||) learnalytics_internal.quality_scope_escape(learner),
    'subject=' OPERATOR(pg_catalog.||) learnalytics_internal.quality_scope_escape(subject))
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_scope(text, date, text, text) IS
'the canonical scope of a finding: course=..;day=YYYY-MM-DD;learner=..;subject=.. of its non-null parts (empty for the whole source)';

-- as_of of a run: a finite time, not in the future (findings are dated with it; a job never replays).
CREATE FUNCTION learnalytics_internal.quality_check_as_of(as_of timestamptz)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a finite time, not %', coalesce(as_of::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF as_of > now() THEN
    RAISE EXCEPTION 'as_of % is in the future', as_of
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Findings are dated with as_of: first seen, last seen and resolved at that time.',
            HINT = 'Run the checks as of now() or of a past time.';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_check_as_of(timestamptz) IS
'invalid_parameter_value unless the as_of of a quality run is a finite time, not in the future';

-- Run the enabled checks (or the named ones, enabled or not) in name order, as of a time. Each check
-- runs in a subtransaction: its type function's rows are matched by scope to the check's open and
-- dismissed findings (updated: a dismissed one stays dismissed), new scopes open new findings, the
-- findings not seen again are resolved; a check that fails (source missing, bad parameter, ...)
-- leaves its findings as they were, logs its error and the run goes on with a WARNING. Runs of the
-- same check do not interleave: each takes a transaction-level advisory lock on the check, in name
-- order (so two runs never deadlock on each other).
CREATE FUNCTION @extschema@.quality_run(checks text[] DEFAULT NULL, as_of timestamptz DEFAULT pg_catalog.now(),
    OUT check_name text, OUT severity text, OUT findings integer, OUT opened integer, OUT resolved integer,
    OUT rows bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- The checks group by expressions (a day in a time zone) the planner cannot estimate: it expects one
-- group per row, costs the plan high, and JIT-compiles it, which took 7.7 s of 12.9 s for the outage
-- check over 1M events (test/bench/quality.sh). Compiling never pays for these scans.
SET jit = off
AS $$
DECLARE
  c        @extschema@.quality_check;
  fn       text;
  run      bigint;
  started  timestamptz;
  missing  text;
  n_found  integer;
  n_open   integer;
  n_res    integer;
  n_rows   bigint;
  dup      text;
  msg      text;
  state    text;
BEGIN
  PERFORM learnalytics_internal.quality_check_as_of(quality_run.as_of);
  IF quality_run.checks IS NOT NULL THEN
    SELECT string_agg(format('"%s"', x), ', ' ORDER BY x) INTO missing
      FROM unnest(quality_run.checks) x
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.quality_check q WHERE q.name = x);
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'quality check % does not exist', missing
        USING ERRCODE = 'undefined_object',
              HINT = 'SELECT name FROM quality_check lists the checks.';
    END IF;
  END IF;
  -- history runs forward: a run as of an earlier time than a check's last one would resolve findings
  -- before they were first seen
  SELECT format('"%s" (last run as of %s)', l.check_name, max(l.as_of)) INTO missing
    FROM @extschema@.quality_run_log l
   WHERE l.as_of > quality_run.as_of
     AND l.check_name IN (SELECT q.name FROM @extschema@.quality_check q
                           WHERE CASE WHEN quality_run.checks IS NULL THEN q.enabled
                                      ELSE q.name = ANY (quality_run.checks) END)
   GROUP BY l.check_name ORDER BY l.check_name LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'quality_run: as_of % is before the last run of check %', quality_run.as_of, missing
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Findings are dated with as_of: run as of that time or later.';
  END IF;
  FOR c IN SELECT q.* FROM @extschema@.quality_check q
            WHERE CASE WHEN quality_run.checks IS NULL THEN q.enabled ELSE q.name = ANY (quality_run.checks) END
            ORDER BY q.name LOOP
    PERFORM pg_advisory_xact_lock(hashtext('learnalytics.quality_run'), hashtext(c.name));
    started := clock_timestamp();
    INSERT INTO @extschema@.quality_run_log AS l (as_of, check_name, check_type, severity, source, started_at)
    VALUES (quality_run.as_of, c.name, c.check_type, c.severity, c.source, started)
    RETURNING l.run_id INTO run;
    quality_run.check_name := c.name;
    quality_run.severity := c.severity;
    BEGIN
      SELECT format('%I.%I', n.nspname, p.proname) INTO fn
        FROM @extschema@.quality_check_type t
        JOIN pg_proc p ON p.oid = t.function
        JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE t.name = c.check_type;
      EXECUTE format($q$
        WITH f AS MATERIALIZED (
          SELECT r.course, r.day, r.learner, r.subject, r.observed, r.expected, r.rows, r.sample,
                 learnalytics_internal.quality_scope(r.course, r.day, r.learner, r.subject) AS scope
            FROM %1$s($1, $2) r),
        chk AS (SELECT (SELECT f.scope FROM f GROUP BY f.scope HAVING count(*) > 1 ORDER BY f.scope LIMIT 1) AS dup),
        cur AS (SELECT q.id, q.scope FROM %2$I.quality_finding q WHERE q.check_name = $3 AND q.status <> 'resolved'),
        upd AS (
          UPDATE %2$I.quality_finding q
             SET observed = f.observed, expected = f.expected, rows = f.rows, sample = f.sample,
                 last_seen = $2, last_run = $4, severity = $5, check_type = $6, source = $7
            FROM f
           WHERE q.check_name = $3 AND q.status <> 'resolved' AND q.scope = f.scope
             AND (SELECT chk.dup IS NULL FROM chk)
          RETURNING q.id),
        ins AS (
          INSERT INTO %2$I.quality_finding (check_name, check_type, severity, source, scope, course, day, learner,
                                            subject, observed, expected, rows, sample, first_seen, last_seen,
                                            first_run, last_run)
          SELECT $3, $6, $5, $7, f.scope, f.course, f.day, f.learner, f.subject, f.observed, f.expected, f.rows,
                 f.sample, $2, $2, $4, $4
            FROM f
           WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.scope = f.scope)
             AND (SELECT chk.dup IS NULL FROM chk)
          RETURNING 1),
        res AS (
          UPDATE %2$I.quality_finding q SET status = 'resolved', resolved_at = $2
           WHERE q.check_name = $3 AND q.status <> 'resolved'
             AND NOT EXISTS (SELECT 1 FROM f WHERE f.scope = q.scope)
             AND (SELECT chk.dup IS NULL FROM chk)
          RETURNING 1)
        SELECT (SELECT count(*) FROM f)::integer, (SELECT count(*) FROM ins)::integer,
               (SELECT count(*) FROM res)::integer, coalesce((SELECT sum(f.rows) FROM f), 0)::bigint,
               (SELECT chk.dup FROM chk), (SELECT count(*) FROM upd)
        $q$, fn, learnalytics_internal.extension_schema())
        INTO n_found, n_open, n_res, n_rows, dup
        USING c, quality_run.as_of, c.name, run, c.severity, c.check_type, c.source;
      IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'check type % returned more than one finding with the scope "%"', c.check_type, dup
          USING ERRCODE = 'cardinality_violation',
                DETAIL = 'One row of a check type function is one finding: its scope (course, day, learner, subject) is its key.';
      END IF;
      UPDATE @extschema@.quality_run_log l
         SET finished_at = clock_timestamp(), findings = n_found, opened = n_open, resolved = n_res, rows = n_rows
       WHERE l.run_id = run;
      quality_run.findings := n_found;
      quality_run.opened := n_open;
      quality_run.resolved := n_res;
      quality_run.rows := n_rows;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
      UPDATE @extschema@.quality_run_log l
         SET finished_at = clock_timestamp(), error = format('%s (SQLSTATE %s)', msg, state)
       WHERE l.run_id = run;
      RAISE WARNING 'quality check "%" failed: %', c.name, msg
        USING DETAIL = format('SQLSTATE %s. Its findings are left as they were; quality_run_log (run_id %s) keeps the error.',
                              state, run);
      quality_run.findings := NULL;
      quality_run.opened := NULL;
      quality_run.resolved := NULL;
      quality_run.rows := NULL;
    END;
    PERFORM learnalytics_internal.progress_notice('quality_run', format('check %s', c.name),
                                                  coalesce(quality_run.rows, 0), started);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.quality_run(text[], timestamptz) IS
'run the enabled data-quality checks (or the named ones) as of a time: findings opened, updated and resolved; a failing check logs its error and the run goes on';

-- An admin says "known, not a problem": the finding stays dismissed while the check keeps finding it.
CREATE FUNCTION @extschema@.quality_dismiss(finding_id bigint, note text)
RETURNS @extschema@.quality_finding
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f @extschema@.quality_finding;
BEGIN
  IF finding_id IS NULL THEN
    RAISE EXCEPTION 'finding_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF note IS NULL OR btrim(note) = '' THEN
    RAISE EXCEPTION 'quality_dismiss: a note is required (field "note")'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why the finding is not a problem, e.g. ''course c1 was closed on that day''.';
  END IF;
  SELECT * INTO f FROM @extschema@.quality_finding q WHERE q.id = finding_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'quality finding % does not exist', finding_id
      USING ERRCODE = 'undefined_object',
            HINT = 'SELECT id FROM quality_findings lists the open and dismissed findings.';
  END IF;
  IF f.status = 'resolved' THEN
    RAISE EXCEPTION 'quality finding % is resolved: nothing to dismiss', finding_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('The check last found it at %s; it was gone at %s.', f.last_seen, f.resolved_at),
            HINT = 'If the check finds it again, that is a new finding: dismiss that one.';
  END IF;
  UPDATE @extschema@.quality_finding q
     SET status = 'dismissed', dismissed_by = current_user, note = btrim(quality_dismiss.note)
   WHERE q.id = finding_id
  RETURNING q.* INTO f;
  RETURN f;
END
$$;
COMMENT ON FUNCTION @extschema@.quality_dismiss(bigint, text) IS
'dismiss a data-quality finding (known, not a problem), with a required note: it stays dismissed while the check keeps finding it';

-- Job kind quality_run (jobs.sql, doc/pg_cron.md): {"checks": ["name", ...]} or every enabled check,
-- as of the time the job runs or of {"as_of": "<timestamptz>"} (not in the future). The named checks
-- must exist, when scheduled and when run.
CREATE FUNCTION learnalytics_internal.job_quality_run(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('quality_run', args, '{checks,as_of}');
  t       text := learnalytics_internal.job_arg_text('quality_run', args, 'as_of');
  as_of   timestamptz;
  checks  text[];
  missing text;
  res     text;
BEGIN
  IF args ? 'checks' THEN
    IF jsonb_typeof(args -> 'checks') <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(args -> 'checks') e WHERE jsonb_typeof(e) <> 'string') THEN
      RAISE EXCEPTION 'job argument "checks" of kind quality_run must be an array of check names, not %',
        args -> 'checks'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    checks := ARRAY(SELECT jsonb_array_elements_text(args -> 'checks'));
    SELECT string_agg(format('"%s"', x), ', ' ORDER BY x) INTO missing FROM unnest(checks) x
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.quality_check q WHERE q.name = x);
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'quality check % does not exist', missing USING ERRCODE = 'undefined_object';
    END IF;
  END IF;
  IF t IS NOT NULL THEN
    BEGIN
      as_of := t::timestamptz;
    EXCEPTION WHEN data_exception THEN
      RAISE EXCEPTION 'job argument "as_of" of kind quality_run must be a time, not "%"', t
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Give a timestamp with time zone, such as "2026-03-10 08:00+00".';
    END;
    PERFORM learnalytics_internal.quality_check_as_of(as_of);
  END IF;
  IF validate_only THEN
    RETURN NULL;
  END IF;
  SELECT format('%s checks: %s findings, %s opened, %s resolved, %s failed', count(*),
                coalesce(sum(r.findings), 0), coalesce(sum(r.opened), 0), coalesce(sum(r.resolved), 0),
                count(*) FILTER (WHERE r.findings IS NULL))
    INTO res
    FROM @extschema@.quality_run(checks, coalesce(as_of, now())) r;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_quality_run(jsonb) IS
'job handler of kind quality_run: check {"checks": [...], "as_of": "..."}, run those (or every enabled) data-quality checks as of now or as_of';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('quality_run', 'learnalytics_internal.job_quality_run(jsonb)',
   'quality_run(checks, now()): every enabled data-quality check, or {"checks": ["name", ...]}; optional {"as_of": "<timestamptz>"}, not in the future');

-- Retention handler of the built-in policy quality_findings (retention.sql): findings resolved before
-- the cut-off. Open and dismissed findings stay whatever their age. Returns how many (dry_run: would go).
CREATE FUNCTION learnalytics_internal.quality_prune(cutoff timestamptz, dry_run boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF cutoff IS NULL OR NOT isfinite(cutoff) OR dry_run IS NULL THEN
    RAISE EXCEPTION 'cutoff must be a finite time and dry_run not null' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF dry_run THEN
    SELECT count(*) INTO n FROM @extschema@.quality_finding f WHERE f.status = 'resolved' AND f.resolved_at < cutoff;
  ELSE
    DELETE FROM @extschema@.quality_finding f WHERE f.status = 'resolved' AND f.resolved_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
  END IF;
  RETURN n;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_prune(timestamptz, boolean) IS
'retention handler: delete (dry_run: count) data-quality findings resolved before cutoff; returns how many';

-------------------------------------------------------------------------------
-- Views (doc/quality.md, "Views")
-------------------------------------------------------------------------------

CREATE VIEW @extschema@.quality_findings WITH (security_invoker = true) AS
SELECT f.id, f.check_name, f.check_type, f.severity, f.source, f.scope, f.course, f.day, f.learner, f.subject,
       f.observed, f.expected, f.rows, f.sample, f.status, f.first_seen, f.last_seen, f.first_run, f.last_run,
       f.dismissed_by, f.note, coalesce(c.description, t.description) AS description
FROM @extschema@.quality_finding f
LEFT JOIN @extschema@.quality_check c ON c.name = f.check_name
LEFT JOIN @extschema@.quality_check_type t ON t.name = f.check_type
WHERE f.status IN ('open', 'dismissed')
ORDER BY CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, f.status DESC, f.check_name, f.scope;
COMMENT ON VIEW @extschema@.quality_findings IS
'the open and dismissed data-quality findings with what their check looks for, high severity first (open before dismissed)';

-- ISO weeks in UTC of the runs' as_of; a week without a run has no row.
CREATE VIEW @extschema@.quality_weekly WITH (security_invoker = true) AS
SELECT l.week, pg_catalog.to_char(l.week, 'IYYY-"W"IW') AS iso_week, l.check_name,
       (array_agg(l.check_type ORDER BY l.as_of DESC, l.run_id DESC))[1] AS check_type,
       (array_agg(l.severity ORDER BY l.as_of DESC, l.run_id DESC))[1] AS severity,
       (array_agg(l.source ORDER BY l.as_of DESC, l.run_id DESC))[1] AS source,
       count(*) AS runs,
       count(*) FILTER (WHERE l.error IS NOT NULL) AS failed,
       (array_agg(l.findings ORDER BY l.as_of DESC, l.run_id DESC) FILTER (WHERE l.error IS NULL))[1] AS findings,
       coalesce(sum(l.opened), 0) AS new,
       coalesce(sum(l.resolved), 0) AS resolved,
       (array_agg(l.rows ORDER BY l.as_of DESC, l.run_id DESC) FILTER (WHERE l.error IS NULL))[1] AS rows
FROM (SELECT r.*, date_trunc('week', r.as_of AT TIME ZONE 'UTC')::date AS week
        FROM @extschema@.quality_run_log r) l
GROUP BY l.week, l.check_name
ORDER BY l.week, l.check_name;
COMMENT ON VIEW @extschema@.quality_weekly IS
'per ISO week (UTC) and check: runs, failed runs, findings and rows flagged at the week''s last successful run, findings opened and resolved in the week';

-- For dashboards: open findings per source and course, no learner, no sample. Computed when read, so
-- filtered like the rows it counts (doc/roles.md, "Security model"): a finding that names a learner
-- counts for a reader that sees the learner; one that names none (an outage, a course's missing
-- days, a reconciliation difference) for every reader.
CREATE VIEW @extschema@.quality_status WITH (security_barrier = true) AS
SELECT f.source, f.course,
       count(*) FILTER (WHERE f.status = 'open') AS open,
       count(*) FILTER (WHERE f.status = 'open' AND f.severity = 'high') AS high,
       count(*) FILTER (WHERE f.status = 'open' AND f.severity = 'medium') AS medium,
       count(*) FILTER (WHERE f.status = 'open' AND f.severity = 'low') AS low,
       count(*) FILTER (WHERE f.status = 'dismissed') AS dismissed,
       coalesce(sum(f.rows) FILTER (WHERE f.status = 'open'), 0)::bigint AS rows,
       max(f.last_seen) AS last_seen
FROM @extschema@.quality_finding f
WHERE f.status IN ('open', 'dismissed')
  AND (f.learner IS NULL OR (SELECT learnalytics_internal.sees_all_learners())
       OR f.learner IN (SELECT learnalytics_internal.managed_learners()))
GROUP BY f.source, f.course;
COMMENT ON VIEW @extschema@.quality_status IS
'open data-quality findings per source and course by severity, for dashboards (no learner, no sample; findings of learners the reader does not see are not counted)';

-- Outages (doc/quality.md, "Outliers and outages"): the open findings of outage checks, per course-day
-- (course NULL: the whole source that day). The alert engine reads it.
CREATE VIEW learnalytics_internal.quality_outage_days AS
SELECT f.course, f.day, f.id AS finding_id, f.check_name, f.observed, f.expected
FROM @extschema@.quality_finding f
WHERE f.status = 'open' AND f.check_type = 'outage' AND f.day IS NOT NULL
  -- a spike is data added, not lost: it cannot make a learner look inactive, so it holds nothing
  AND f.subject IS DISTINCT FROM 'spike'
  -- only an outage of what the rules read: a check over the relation of an engagement source (an
  -- HR system's logins collapsing says nothing about learning)
  AND learnalytics_internal.quality_source_relation(f.source) IN (SELECT e.relation FROM @extschema@.engagement_source e);
COMMENT ON VIEW learnalytics_internal.quality_outage_days IS
'open outage findings of collapsed volume as course-days (course NULL: every course that day): the days the alert engine does not count as evidence';

-- Privileges (doc/roles.md, doc/quality.md "Privileges"). Every function that is not IMMUTABLE loses
-- PUBLIC's EXECUTE at the end of the install (privileges.sql); here each gets its roles. Nobody
-- writes quality_check_type: a type runs its function with the caller's rights. quality_run runs as
-- its caller, so the admin role writes the findings and the log (and retention deletes from them).
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.quality_source, @extschema@.quality_check,
  @extschema@.quality_finding, @extschema@.quality_run_log
TO learnalytics_admin;
GRANT SELECT ON @extschema@.quality_source, @extschema@.quality_check_type, @extschema@.quality_check,
  @extschema@.quality_finding, @extschema@.quality_run_log, @extschema@.quality_findings,
  @extschema@.quality_weekly, @extschema@.quality_status, learnalytics_internal.quality_outage_days
TO learnalytics_analyst;
GRANT SELECT ON @extschema@.quality_status TO learnalytics_viewer;
GRANT EXECUTE ON FUNCTION @extschema@.quality_run(text[], timestamptz), @extschema@.quality_dismiss(bigint, text),
  learnalytics_internal.job_quality_run(jsonb), learnalytics_internal.quality_prune(timestamptz, boolean)
TO learnalytics_admin;
-- The check types read their source through quality_source_sql with the caller's rights: analysts
-- (ad-hoc reconciliation) and admins (the runs) resolve sources; the as_of check comes with the run.
GRANT EXECUTE ON FUNCTION learnalytics_internal.quality_source_sql(text),
  learnalytics_internal.quality_source_relation(text),
  learnalytics_internal.quality_source_select(text, regclass, jsonb),
  learnalytics_internal.quality_require_relation(regclass, text),
  learnalytics_internal.quality_check_as_of(timestamptz)
TO learnalytics_analyst;
