
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

-- Resolve a source name to its kind, a subquery with the kind's standard fields, and its time zone
-- (doc/quality.md, "Sources"). H1 implements it.
CREATE FUNCTION learnalytics_internal.quality_source_sql(source text, OUT kind text, OUT sql text, OUT tz text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'quality_source_sql: not implemented yet' USING ERRCODE = 'feature_not_supported';
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_source_sql(text) IS
'a data-quality source as (kind, subquery with the kind''s standard field names, time zone)';

-- The outage days the alert engine reads (doc/quality.md, "Acting on findings"): open findings of
-- checks of type outage with a day, per course (NULL: the whole source that day).
CREATE VIEW learnalytics_internal.quality_outage_days AS
SELECT f.course, f.day, f.id AS finding_id, f.check_name, f.observed, f.expected
  FROM @extschema@.quality_finding f
 WHERE f.check_type = 'outage' AND f.status = 'open' AND f.day IS NOT NULL;
COMMENT ON VIEW learnalytics_internal.quality_outage_days IS
'open findings of outage checks with a day: the course (NULL: every course) and day an outage makes no evidence for alerts';
