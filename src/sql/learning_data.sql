
-------------------------------------------------------------------------------
-- learning_data: the learning-data tables the rules, dashboards and OULAD read, and learning_source,
-- which maps each kind onto a table or view of the warehouse (doc/alerts.md, "Learning data")
-------------------------------------------------------------------------------

-- Learning data the rules read. Each kind is a small built-in table; learning_source maps a kind onto
-- a table or view of the warehouse instead (columns renamed, never SQL pasted in).

CREATE TABLE @extschema@.enrolment (
  learner         text NOT NULL,
  course          text NOT NULL,
  cohort          text,
  enrolled_at     timestamptz NOT NULL,
  left_at         timestamptz,
  business_weight numeric NOT NULL DEFAULT 1
                  CONSTRAINT enrolment_business_weight_positive
                  CHECK (business_weight > 0 AND business_weight < 'Infinity'),
  PRIMARY KEY (learner, course),
  CONSTRAINT enrolment_leaves_after_enrolling CHECK (left_at >= enrolled_at)
);
COMMENT ON TABLE @extschema@.enrolment IS
'who is enrolled in which course (and cohort) from when to when, with a business weight for the coach queue';

CREATE TABLE @extschema@.assignment (
  course     text NOT NULL,
  assignment text NOT NULL,
  due_at     timestamptz NOT NULL,
  PRIMARY KEY (course, assignment)
);
COMMENT ON TABLE @extschema@.assignment IS 'assignments with due dates, per course (assignment-miss rule)';

CREATE TABLE @extschema@.assignment_submission (
  course       text NOT NULL,
  assignment   text NOT NULL,
  learner      text NOT NULL,
  submitted_at timestamptz NOT NULL,
  score        numeric
);
CREATE INDEX assignment_submission_learner ON @extschema@.assignment_submission (course, assignment, learner);
COMMENT ON TABLE @extschema@.assignment_submission IS 'submissions of assignments (assignment-miss rule), with an optional score (risk features)';

CREATE TABLE @extschema@.quiz_attempt (
  course       text NOT NULL,
  learner      text NOT NULL,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX quiz_attempt_learner ON @extschema@.quiz_attempt (course, learner, attempted_at);
COMMENT ON TABLE @extschema@.quiz_attempt IS 'quiz attempts (low-quiz-attempts rule)';

CREATE TABLE @extschema@.module_progress (
  course           text NOT NULL,
  learner          text NOT NULL,
  module           text NOT NULL,
  started_at       timestamptz NOT NULL,
  progress         numeric NOT NULL CONSTRAINT module_progress_is_a_fraction
                   CHECK (progress >= 0 AND progress <= 1),
  last_activity_at timestamptz,
  PRIMARY KEY (course, learner, module)
);
COMMENT ON TABLE @extschema@.module_progress IS
'progress (0..1) of a learner in a module, when started and last active (stalled-start rule)';

-- The fields each kind of source provides, and their types (a mapped column must be of that type
-- category: text-like keys, timestamptz times, numeric progress).
CREATE FUNCTION learnalytics_internal.learning_source_fields(kind text,
    OUT field text, OUT type regtype, OUT required boolean)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT f.field, f.type::pg_catalog.regtype, f.required
  FROM (VALUES
    ('enrolment', 1, 'learner', 'text', true), ('enrolment', 2, 'course', 'text', true),
    ('enrolment', 3, 'cohort', 'text', false), ('enrolment', 4, 'enrolled_at', 'timestamptz', true),
    ('enrolment', 5, 'left_at', 'timestamptz', false), ('enrolment', 6, 'business_weight', 'numeric', false),
    ('assignment', 1, 'course', 'text', true), ('assignment', 2, 'assignment', 'text', true),
    ('assignment', 3, 'due_at', 'timestamptz', true),
    ('assignment_submission', 1, 'course', 'text', true), ('assignment_submission', 2, 'assignment', 'text', true),
    ('assignment_submission', 3, 'learner', 'text', true), ('assignment_submission', 4, 'submitted_at', 'timestamptz', true),
    ('assignment_submission', 5, 'score', 'numeric', false),
    ('quiz_attempt', 1, 'course', 'text', true), ('quiz_attempt', 2, 'learner', 'text', true),
    ('quiz_attempt', 3, 'attempted_at', 'timestamptz', true),
    ('module_progress', 1, 'course', 'text', true), ('module_progress', 2, 'learner', 'text', true),
    ('module_progress', 3, 'module', 'text', true), ('module_progress', 4, 'started_at', 'timestamptz', true),
    ('module_progress', 5, 'progress', 'numeric', true), ('module_progress', 6, 'last_activity_at', 'timestamptz', false)
  ) f(kind, ord, field, type, required)
  WHERE f.kind OPERATOR(pg_catalog.=) learning_source_fields.kind
  ORDER BY f.ord
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_fields(text) IS
'the fields a source of the given kind provides (enrolment, assignment, assignment_submission, quiz_attempt, module_progress)';

CREATE TABLE @extschema@.learning_source (
  kind      text PRIMARY KEY CONSTRAINT alert_source_kind_known
            CHECK (kind IN ('enrolment', 'assignment', 'assignment_submission', 'quiz_attempt', 'module_progress')),
  relation  regclass NOT NULL,
  columns   jsonb NOT NULL DEFAULT '{}' CONSTRAINT alert_source_columns_is_object
            CHECK (pg_catalog.jsonb_typeof(columns) = 'object')
);
COMMENT ON TABLE @extschema@.learning_source IS
'maps a kind of learning data onto a warehouse table or view: {"field": "column", ...} (unnamed fields: same name)';

CREATE FUNCTION learnalytics_internal.learning_source_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f   record;
  k   text;
  col text;
BEGIN
  PERFORM learnalytics_internal.require_relation(NEW.relation, 'readable', format('learning_source "%s"', NEW.kind));
  -- the rules publish what they read: whoever maps a source must be allowed to read it
  PERFORM learnalytics_internal.require_registrant_privilege(NEW.relation, 'SELECT', format('learning_source "%s"', NEW.kind));
  FOR k IN SELECT jsonb_object_keys(NEW.columns) LOOP
    IF NOT EXISTS (SELECT 1 FROM learnalytics_internal.learning_source_fields(NEW.kind) s WHERE s.field = k) THEN
      RAISE EXCEPTION 'learning_source "%": unknown field "%"', NEW.kind, k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = (SELECT 'Fields: ' || string_agg(s.field, ', ') FROM learnalytics_internal.learning_source_fields(NEW.kind) s) || '.';
    END IF;
    IF jsonb_typeof(NEW.columns -> k) <> 'string' THEN
      RAISE EXCEPTION 'learning_source "%": field "%" must name a column (a JSON string)', NEW.kind, k
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  FOR f IN SELECT * FROM learnalytics_internal.learning_source_fields(NEW.kind) LOOP
    col := coalesce(NEW.columns ->> f.field, f.field);
    -- an optional field left unmapped may be missing (it reads as NULL)
    CONTINUE WHEN NOT (f.required OR NEW.columns ? f.field)
                  AND learnalytics_internal.column_type(NEW.relation, col) IS NULL;
    PERFORM learnalytics_internal.require_column(NEW.relation, col,
              CASE f.type WHEN 'timestamptz'::regtype THEN 'timestamptz' WHEN 'numeric'::regtype THEN 'numeric' END,
              format('learning_source "%s" field "%s"', NEW.kind, f.field));
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_check() IS
'trigger: validate an learning_source mapping against the catalog (known fields, existing columns, types)';

CREATE TRIGGER learning_source_check BEFORE INSERT OR UPDATE ON @extschema@.learning_source
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.learning_source_check();

-- The SQL of a mapped source as a parenthesised subquery with the standard field names: the
-- relation (regclass, columns through %I), each field cast to its type; an optional field whose
-- column is missing reads as NULL (business_weight as 1). Catalog look-ups only: it reads no data
-- and checks no privilege (learning_source_sql and learning_source_rows_sql do).
CREATE FUNCTION learnalytics_internal.learning_source_select(kind text, relation regclass, columns jsonb)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f   record;
  sel text[] := '{}';
  col text;
BEGIN
  FOR f IN SELECT * FROM learnalytics_internal.learning_source_fields(kind) LOOP
    col := coalesce(columns ->> f.field, f.field);
    IF learnalytics_internal.column_type(relation, col) IS NOT NULL THEN
      sel := sel || format('(o.%I)::%s AS %I', col, f.type, f.field);
    ELSIF f.field = 'business_weight' THEN
      sel := sel || format('1::numeric AS %I', f.field);
    ELSE
      sel := sel || format('NULL::%s AS %I', f.type, f.field);
    END IF;
  END LOOP;
  IF cardinality(sel) = 0 THEN
    RAISE EXCEPTION 'unknown learning data kind "%"', kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Kinds: enrolment, assignment, assignment_submission, quiz_attempt, module_progress.';
  END IF;
  RETURN format('(SELECT %s FROM %s o)', array_to_string(sel, ', '), relation);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_select(text, regclass, jsonb) IS
'subquery reading a relation mapped as a kind of learning data (columns: the learning_source mapping), with the standard field names and types';

-- The SQL of a source as a parenthesised subquery with the standard field names: the mapped
-- relation or the built-in table.
CREATE FUNCTION learnalytics_internal.learning_source_sql(kind text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src @extschema@.learning_source;
BEGIN
  SELECT * INTO src FROM @extschema@.learning_source s WHERE s.kind = learning_source_sql.kind;
  IF NOT FOUND THEN
    RETURN format('(SELECT * FROM %I.%I)', learnalytics_internal.extension_schema(), kind);
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(src.relation, format('learning_source "%s"', kind));
  RETURN learnalytics_internal.learning_source_select(kind, src.relation, src.columns);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_sql(text) IS
'subquery reading a kind of learning data with the standard field names (mapped relation or built-in table)';

-- The dashboard views (dashboards.sql) read the learning data through the mapping. They run with
-- their owner's rights, so they read the built-in tables for a reader who has no access to them
-- (a viewer); but a function they call runs with the READER's rights, and reading a warehouse
-- relation with the owner's (a superuser's) rights would hand every reader whatever that relation's
-- owner wrote into it. So a mapped relation is read by the functions below, as the reader: the
-- reader needs SELECT on it (the DBA grants it, e.g. to learnalytics_viewer), and the relation's
-- own grants and row-level security apply. The views pass the mapping, since a viewer may not read
-- learning_source; a caller that passes another relation reads it with its own rights, nothing more.
-- Refused, before anything is read: a superuser caller and a relation a non-superuser owns
-- (require_trusted_relation), and a caller without the privileges to read it, with an error that
-- says what to grant rather than a bare "permission denied" from inside a view.
CREATE FUNCTION learnalytics_internal.learning_source_rows_sql(kind text, relation regclass, columns jsonb)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what    text := format('learning_source "%s"', kind);
  f       record;
  col     text;
  cols    text[] := '{}';
  denied  text[] := '{}';
  missing text[] := '{}';
BEGIN
  PERFORM learnalytics_internal.require_trusted_relation(relation, what);
  IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = relation) THEN
    RAISE EXCEPTION '%: relation with OID % does not exist', what, relation::oid
      USING ERRCODE = 'undefined_table',
            HINT = 'Map the kind onto an existing relation (UPDATE learning_source), or delete the mapping.';
  END IF;
  IF NOT has_schema_privilege((SELECT c.relnamespace FROM pg_class c WHERE c.oid = relation), 'USAGE') THEN
    missing := missing || format('USAGE on schema %I',
                                 (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                   WHERE c.oid = relation));
  END IF;
  IF NOT has_table_privilege(relation, 'SELECT') THEN
    -- column privileges are enough when they cover every column the mapping reads
    FOR f IN SELECT * FROM learnalytics_internal.learning_source_fields(kind) LOOP
      col := coalesce(columns ->> f.field, f.field);
      CONTINUE WHEN learnalytics_internal.column_type(relation, col) IS NULL;
      cols := cols || col;
      IF NOT has_column_privilege(relation, col, 'SELECT') THEN
        denied := denied || col;
      END IF;
    END LOOP;
    IF cardinality(denied) = cardinality(cols) THEN
      missing := missing || format('SELECT on %s', relation);
    ELSIF cardinality(denied) > 0 THEN
      missing := missing || format('SELECT on the column%s %s of %s', CASE WHEN cardinality(denied) > 1 THEN 's' ELSE '' END,
                                   (SELECT string_agg(format('%I', d), ', ') FROM unnest(denied) d), relation);
    END IF;
  END IF;
  IF cardinality(missing) > 0 THEN
    RAISE EXCEPTION '%: permission denied for %', what, relation
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = format('Role %I lacks %s. The dashboard views read learning data mapped onto a warehouse '
                            'relation with the rights of the role reading them.',
                            current_user, array_to_string(missing, ' and ')),
            HINT = format('Grant SELECT on %s (and USAGE on its schema) to the roles that read the dashboards, '
                          'e.g. to learnalytics_viewer; or remove the mapping.', relation);
  END IF;
  RETURN learnalytics_internal.learning_source_select(kind, relation, columns);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_rows_sql(text, regclass, jsonb) IS
'learning_source_select for a read with the caller''s rights: raises insufficient_privilege (what to grant) unless the caller may read the mapped relation';

CREATE FUNCTION learnalytics_internal.learning_rows_enrolment(relation regclass, columns jsonb)
RETURNS TABLE (learner text, course text, cohort text, enrolled_at timestamptz, left_at timestamptz,
               business_weight numeric)
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE 'SELECT * FROM '
    || learnalytics_internal.learning_source_rows_sql('enrolment', relation, columns) || ' s';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_rows_enrolment(regclass, jsonb) IS
'the enrolments of a relation mapped as enrolment (columns: the mapping), read with the caller''s rights (the dashboard views)';

CREATE FUNCTION learnalytics_internal.learning_rows_module_progress(relation regclass, columns jsonb)
RETURNS TABLE (course text, learner text, module text, started_at timestamptz, progress numeric,
               last_activity_at timestamptz)
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE 'SELECT * FROM '
    || learnalytics_internal.learning_source_rows_sql('module_progress', relation, columns) || ' s';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_rows_module_progress(regclass, jsonb) IS
'the module progress rows of a relation mapped as module_progress (columns: the mapping), read with the caller''s rights (the dashboard views)';

-- The learning data as the dashboard views read it: the built-in table while the kind is not
-- mapped (read with the view owner's rights, as before: no grant needed), else the mapped
-- relation's rows (read with the reader's rights, above). Not granted to anyone: only the
-- dashboard views, which filter the learners each reader sees, read them.
CREATE VIEW learnalytics_internal.learning_enrolment AS
SELECT e.learner, e.course, e.cohort, e.enrolled_at, e.left_at, e.business_weight
FROM @extschema@.enrolment e
WHERE NOT EXISTS (SELECT 1 FROM @extschema@.learning_source s WHERE s.kind = 'enrolment')
UNION ALL
SELECT r.learner, r.course, r.cohort, r.enrolled_at, r.left_at, r.business_weight
FROM @extschema@.learning_source s
CROSS JOIN LATERAL learnalytics_internal.learning_rows_enrolment(s.relation, s.columns) r
WHERE s.kind = 'enrolment';
COMMENT ON VIEW learnalytics_internal.learning_enrolment IS
'enrolments as the dashboard views read them: the built-in table, or the relation learning_source maps (read with the reader''s rights)';

CREATE VIEW learnalytics_internal.learning_module_progress AS
SELECT p.course, p.learner, p.module, p.started_at, p.progress, p.last_activity_at
FROM @extschema@.module_progress p
WHERE NOT EXISTS (SELECT 1 FROM @extschema@.learning_source s WHERE s.kind = 'module_progress')
UNION ALL
SELECT r.course, r.learner, r.module, r.started_at, r.progress, r.last_activity_at
FROM @extschema@.learning_source s
CROSS JOIN LATERAL learnalytics_internal.learning_rows_module_progress(s.relation, s.columns) r
WHERE s.kind = 'module_progress';
COMMENT ON VIEW learnalytics_internal.learning_module_progress IS
'module progress as the dashboard views read it: the built-in table, or the relation learning_source maps (read with the reader''s rights)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrolment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment_submission', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quiz_attempt', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.module_progress', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.learning_source', '');

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
GRANT SELECT, INSERT, UPDATE, DELETE ON
  @extschema@.enrolment, @extschema@.assignment, @extschema@.assignment_submission, @extschema@.quiz_attempt,
  @extschema@.module_progress, @extschema@.learning_source
TO learnalytics_admin;
GRANT SELECT ON
  @extschema@.enrolment, @extschema@.assignment, @extschema@.assignment_submission, @extschema@.quiz_attempt,
  @extschema@.module_progress, @extschema@.learning_source
TO learnalytics_analyst;
-- Analysts replay rules, which reads the learning data through its mapping.
GRANT EXECUTE ON FUNCTION learnalytics_internal.learning_source_sql(text) TO learnalytics_analyst;
-- The dashboard views call these with the reader's rights (viewers, and so analysts and admins).
GRANT EXECUTE ON FUNCTION learnalytics_internal.learning_rows_enrolment(regclass, jsonb),
  learnalytics_internal.learning_rows_module_progress(regclass, jsonb),
  learnalytics_internal.learning_source_rows_sql(text, regclass, jsonb),
  learnalytics_internal.learning_source_select(text, regclass, jsonb)
TO learnalytics_viewer;
