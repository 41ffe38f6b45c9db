
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

-- The SQL of a source as a parenthesised subquery with the standard field names: the mapped
-- relation (regclass, columns through %I) or the built-in table.
CREATE FUNCTION learnalytics_internal.learning_source_sql(kind text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src @extschema@.learning_source;
  f   record;
  sel text[] := '{}';
  col text;
BEGIN
  SELECT * INTO src FROM @extschema@.learning_source s WHERE s.kind = learning_source_sql.kind;
  IF NOT FOUND THEN
    RETURN format('(SELECT * FROM %I.%I)', learnalytics_internal.extension_schema(), kind);
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(src.relation, format('learning_source "%s"', kind));
  FOR f IN SELECT * FROM learnalytics_internal.learning_source_fields(kind) LOOP
    col := coalesce(src.columns ->> f.field, f.field);
    IF learnalytics_internal.column_type(src.relation, col) IS NOT NULL THEN
      sel := sel || format('(o.%I)::%s AS %I', col, f.type, f.field);
    ELSIF f.field = 'business_weight' THEN
      sel := sel || format('1::numeric AS %I', f.field);
    ELSE
      sel := sel || format('NULL::%s AS %I', f.type, f.field);
    END IF;
  END LOOP;
  RETURN format('(SELECT %s FROM %s o)', array_to_string(sel, ', '), src.relation);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.learning_source_sql(text) IS
'subquery reading a kind of learning data with the standard field names (mapped relation or built-in table)';

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
