
-------------------------------------------------------------------------------
-- alerts: rules as data, evaluation as of a day, escalation ladder, coach queue, outbox, replay
-- (doc/alerts.md)
-------------------------------------------------------------------------------

-- Learning data the rules read. Each kind is a small built-in table; alert_source maps a kind onto
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
  submitted_at timestamptz NOT NULL
);
CREATE INDEX assignment_submission_learner ON @extschema@.assignment_submission (course, assignment, learner);
COMMENT ON TABLE @extschema@.assignment_submission IS 'submissions of assignments (assignment-miss rule)';

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
CREATE FUNCTION @extschema@.alert_source_fields(kind text,
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
    ('quiz_attempt', 1, 'course', 'text', true), ('quiz_attempt', 2, 'learner', 'text', true),
    ('quiz_attempt', 3, 'attempted_at', 'timestamptz', true),
    ('module_progress', 1, 'course', 'text', true), ('module_progress', 2, 'learner', 'text', true),
    ('module_progress', 3, 'module', 'text', true), ('module_progress', 4, 'started_at', 'timestamptz', true),
    ('module_progress', 5, 'progress', 'numeric', true), ('module_progress', 6, 'last_activity_at', 'timestamptz', false)
  ) f(kind, ord, field, type, required)
  WHERE f.kind OPERATOR(pg_catalog.=) alert_source_fields.kind
  ORDER BY f.ord
$$;
COMMENT ON FUNCTION @extschema@.alert_source_fields(text) IS
'the fields a source of the given kind provides (enrolment, assignment, assignment_submission, quiz_attempt, module_progress)';

CREATE TABLE @extschema@.alert_source (
  kind      text PRIMARY KEY CONSTRAINT alert_source_kind_known
            CHECK (kind IN ('enrolment', 'assignment', 'assignment_submission', 'quiz_attempt', 'module_progress')),
  relation  regclass NOT NULL,
  columns   jsonb NOT NULL DEFAULT '{}' CONSTRAINT alert_source_columns_is_object
            CHECK (pg_catalog.jsonb_typeof(columns) = 'object')
);
COMMENT ON TABLE @extschema@.alert_source IS
'maps a kind of learning data onto a warehouse table or view: {"field": "column", ...} (unnamed fields: same name)';

CREATE FUNCTION @extschema@.alert_source_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f   record;
  k   text;
  col text;
  typ regtype;
BEGIN
  IF (SELECT c.relkind FROM pg_class c WHERE c.oid = NEW.relation) NOT IN ('r', 'p', 'v', 'm', 'f') THEN
    RAISE EXCEPTION 'alert_source "%": % is not a table or view', NEW.kind, NEW.relation
      USING ERRCODE = 'wrong_object_type';
  END IF;
  -- the rules publish what they read: whoever maps a source must be allowed to read it
  IF NOT coalesce(has_table_privilege(current_user, NEW.relation, 'SELECT'), false) THEN
    RAISE EXCEPTION 'alert_source "%": permission denied for %', NEW.kind, NEW.relation
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Map only a relation the registering role may SELECT from.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(NEW.columns) LOOP
    IF NOT EXISTS (SELECT 1 FROM @extschema@.alert_source_fields(NEW.kind) s WHERE s.field = k) THEN
      RAISE EXCEPTION 'alert_source "%": unknown field "%"', NEW.kind, k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = (SELECT 'Fields: ' || string_agg(s.field, ', ') FROM @extschema@.alert_source_fields(NEW.kind) s) || '.';
    END IF;
    IF jsonb_typeof(NEW.columns -> k) <> 'string' THEN
      RAISE EXCEPTION 'alert_source "%": field "%" must name a column (a JSON string)', NEW.kind, k
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  FOR f IN SELECT * FROM @extschema@.alert_source_fields(NEW.kind) LOOP
    col := coalesce(NEW.columns ->> f.field, f.field);
    typ := @extschema@.source_column_type(NEW.relation, col);
    IF typ IS NULL THEN
      IF f.required OR NEW.columns ? f.field THEN
        RAISE EXCEPTION 'alert_source "%": column "%" (field "%") does not exist in %', NEW.kind, col, f.field, NEW.relation
          USING ERRCODE = 'undefined_column';
      END IF;
      CONTINUE;
    END IF;
    IF f.type = 'timestamptz'::regtype AND typ <> 'timestamptz'::regtype THEN
      RAISE EXCEPTION 'alert_source "%": column "%" is %, not timestamptz', NEW.kind, col, typ
        USING ERRCODE = 'datatype_mismatch',
              HINT = 'Convert it in a view, naming the time zone: ts AT TIME ZONE ''Europe/Paris''.';
    END IF;
    IF f.type = 'numeric'::regtype AND (SELECT t.typcategory FROM pg_type t WHERE t.oid = typ) <> 'N' THEN
      RAISE EXCEPTION 'alert_source "%": column "%" is %, not numeric', NEW.kind, col, typ
        USING ERRCODE = 'datatype_mismatch';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_source_check() IS
'trigger: validate an alert_source mapping against the catalog (known fields, existing columns, types)';

CREATE TRIGGER alert_source_check BEFORE INSERT OR UPDATE ON @extschema@.alert_source
FOR EACH ROW EXECUTE FUNCTION @extschema@.alert_source_check();

-- The SQL of a source as a parenthesised subquery with the standard field names: the mapped
-- relation (regclass, columns through %I) or the built-in table.
CREATE FUNCTION @extschema@.alert_source_sql(kind text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src @extschema@.alert_source;
  f   record;
  sel text[] := '{}';
  col text;
BEGIN
  SELECT * INTO src FROM @extschema@.alert_source s WHERE s.kind = alert_source_sql.kind;
  IF NOT FOUND THEN
    RETURN format('(SELECT * FROM %I.%I)', '@extschema@', kind);
  END IF;
  PERFORM @extschema@.la_require_trusted_relation(src.relation, format('alert_source "%s"', kind));
  FOR f IN SELECT * FROM @extschema@.alert_source_fields(kind) LOOP
    col := coalesce(src.columns ->> f.field, f.field);
    IF @extschema@.source_column_type(src.relation, col) IS NOT NULL THEN
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
COMMENT ON FUNCTION @extschema@.alert_source_sql(text) IS
'subquery reading a kind of learning data with the standard field names (mapped relation or built-in table)';

-- Channels a ladder step uses. automated: a message in the outbox; human: a case in the coach queue.
CREATE TABLE @extschema@.alert_channel (
  name          text PRIMARY KEY CONSTRAINT alert_channel_name_is_identifier
                CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  kind          text NOT NULL CONSTRAINT alert_channel_kind_known CHECK (kind IN ('automated', 'human')),
  max_attempts  integer NOT NULL DEFAULT 5 CONSTRAINT alert_channel_max_attempts_range
                CHECK (max_attempts BETWEEN 1 AND 100),
  retry_backoff interval NOT NULL DEFAULT '1 minute' CONSTRAINT alert_channel_backoff_positive
                CHECK (retry_backoff > '0'::interval AND retry_backoff <= '1 day'::interval),
  description   text,
  builtin       boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.alert_channel IS
'contact channels: automated (delivered through alert_outbox, with retries and backoff) or human (coach queue)';

INSERT INTO @extschema@.alert_channel (name, kind, description, builtin) VALUES
  ('in_app_nudge', 'automated', 'in-app nudge', true),
  ('quick_tip', 'automated', 'a quick tip in the app', true),
  ('email_reminder', 'automated', 'e-mail reminder with resources', true),
  ('sms', 'automated', 'text message', true),
  ('micro_lesson', 'automated', 'targeted micro-lesson', true),
  ('email', 'automated', 'e-mail', true),
  ('coach_outreach', 'human', 'a coach reaches out', true),
  ('coach_call', 'human', 'a coach calls', true),
  ('instructor_intervention', 'human', 'the instructor intervenes', true);

-- Rules: every threshold, window, persistence, channel and step is a column.
CREATE TABLE @extschema@.alert_rule (
  name                    text PRIMARY KEY CONSTRAINT alert_rule_name_is_identifier
                          CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  family                  text NOT NULL CONSTRAINT alert_rule_family_is_identifier
                          CHECK (family ~ '^[a-z][a-z0-9_]{0,62}$'),
  template                text NOT NULL CONSTRAINT alert_rule_template_known
                          CHECK (template IN ('engagement_dip', 'assignment_miss', 'low_quiz_attempts', 'stalled_start')),
  version                 integer NOT NULL DEFAULT 1,
  enabled                 boolean NOT NULL DEFAULT true,
  course                  text,
  cohort                  text,
  metric                  text CONSTRAINT alert_rule_metric_known
                          CHECK (metric IN ('events', 'sessions', 'dwell', 'weight')),
  threshold               numeric CONSTRAINT alert_rule_threshold_fraction
                          CHECK (threshold > 0 AND threshold <= 1 AND pg_catalog.scale(threshold) <= 9),
  baseline_days           integer CONSTRAINT alert_rule_baseline_days_range CHECK (baseline_days BETWEEN 1 AND 366),
  window_days             integer CONSTRAINT alert_rule_window_days_range CHECK (window_days BETWEEN 1 AND 366),
  fire_after              integer NOT NULL DEFAULT 1 CONSTRAINT alert_rule_fire_after_range
                          CHECK (fire_after BETWEEN 1 AND 366),
  escalate_after          integer NOT NULL CONSTRAINT alert_rule_escalate_after_range
                          CHECK (escalate_after BETWEEN 1 AND 366),
  severity                text NOT NULL DEFAULT 'medium' CONSTRAINT alert_rule_severity_known
                          CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  escalated_severity      text NOT NULL DEFAULT 'high' CONSTRAINT alert_rule_escalated_severity_known
                          CHECK (escalated_severity IN ('low', 'medium', 'high', 'critical')),
  cooldown_days           integer NOT NULL DEFAULT 7 CONSTRAINT alert_rule_cooldown_range
                          CHECK (cooldown_days BETWEEN 0 AND 366),
  ladder                  text[] NOT NULL,
  ladder_after            integer[] NOT NULL,
  automated_before_human  integer NOT NULL DEFAULT 2 CONSTRAINT alert_rule_automated_before_human_range
                          CHECK (automated_before_human BETWEEN 0 AND 10),
  reengage_days           integer NOT NULL DEFAULT 2 CONSTRAINT alert_rule_reengage_days_range
                          CHECK (reengage_days BETWEEN 1 AND 90),
  risk_weight             numeric NOT NULL DEFAULT 1 CONSTRAINT alert_rule_risk_weight_range
                          CHECK (risk_weight > 0 AND risk_weight <= 1000),
  tz                      text NOT NULL DEFAULT 'UTC',
  description             text,
  builtin                 boolean NOT NULL DEFAULT false,
  updated_at              timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT alert_rule_escalates_after_firing CHECK (escalate_after >= fire_after)
);
COMMENT ON TABLE @extschema@.alert_rule IS
'alert rules as data: template, scope, thresholds, windows, persistence, severity, cooldown, escalation ladder (doc/alerts.md)';
COMMENT ON COLUMN @extschema@.alert_rule.family IS 'at most one open alert per learner and family';
COMMENT ON COLUMN @extschema@.alert_rule.version IS 'bumped by every change of the rule; alerts record the version that fired them';
COMMENT ON COLUMN @extschema@.alert_rule.threshold IS 'a fraction in (0, 1]: dip ratio, share of the cohort average, module progress';
COMMENT ON COLUMN @extschema@.alert_rule.fire_after IS 'days the condition must hold before an alert opens';
COMMENT ON COLUMN @extschema@.alert_rule.escalate_after IS 'days the condition must hold before the alert takes escalated_severity';
COMMENT ON COLUMN @extschema@.alert_rule.ladder IS 'channels of the escalation steps, in order (alert_channel names)';
COMMENT ON COLUMN @extschema@.alert_rule.ladder_after IS 'for each step, the days the condition must have held before it is taken';
COMMENT ON COLUMN @extschema@.alert_rule.automated_before_human IS 'failed automated contacts required before a human step';
COMMENT ON COLUMN @extschema@.alert_rule.reengage_days IS 'a contact fails when the learner has not re-engaged within this many days';

-- Which optional parameters each template uses: any other one set is rejected.
CREATE FUNCTION @extschema@.alert_template_parameters(template text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE template
    WHEN 'engagement_dip' THEN ARRAY['metric', 'threshold', 'baseline_days']
    WHEN 'assignment_miss' THEN ARRAY[]::text[]
    WHEN 'low_quiz_attempts' THEN ARRAY['threshold', 'window_days']
    WHEN 'stalled_start' THEN ARRAY['threshold', 'window_days']
  END
$$;
COMMENT ON FUNCTION @extschema@.alert_template_parameters(text) IS
'the optional rule parameters a template uses (and requires): metric, threshold, baseline_days, window_days';

-- Checks a rule beyond its column constraints; used by the trigger and by replay overrides.
CREATE FUNCTION @extschema@.alert_rule_validate(r @extschema@.alert_rule)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  used text[] := @extschema@.alert_template_parameters(r.template);
  p    text;
  n    integer;
  ch   text;
BEGIN
  IF used IS NULL THEN
    RAISE EXCEPTION 'alert rule "%": unknown template "%"', r.name, r.template
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Templates: engagement_dip, assignment_miss, low_quiz_attempts, stalled_start.';
  END IF;
  FOREACH p IN ARRAY ARRAY['metric', 'threshold', 'baseline_days', 'window_days'] LOOP
    IF p = ANY (used) AND to_jsonb(r) ->> p IS NULL THEN
      RAISE EXCEPTION 'alert rule "%": template % needs %', r.name, r.template, p
        USING ERRCODE = 'not_null_violation';
    ELSIF NOT p = ANY (used) AND to_jsonb(r) ->> p IS NOT NULL THEN
      RAISE EXCEPTION 'alert rule "%": template % does not use %', r.name, r.template, p
        USING ERRCODE = 'invalid_parameter_value',
              HINT = format('Leave it NULL. %s uses: %s.', r.template,
                            coalesce(nullif(array_to_string(used, ', '), ''), 'none of metric, threshold, baseline_days, window_days'));
    END IF;
  END LOOP;
  IF r.threshold IS NOT NULL AND NOT (r.threshold > 0 AND r.threshold <= 1) THEN
    RAISE EXCEPTION 'alert rule "%": threshold % is not a fraction greater than 0 and at most 1', r.name, r.threshold
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The threshold is a fraction: 0.6 means 40% below the baseline, 0.25 a quarter of the cohort average, 0.2 a fifth of a module.';
  END IF;
  IF r.escalate_after < r.fire_after THEN
    RAISE EXCEPTION 'alert rule "%": escalate_after (%) is before fire_after (%)', r.name, r.escalate_after, r.fire_after
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.template = 'low_quiz_attempts' AND r.escalate_after > 60 THEN
    RAISE EXCEPTION 'alert rule "%": escalate_after is at most 60 days for low_quiz_attempts', r.name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  n := coalesce(cardinality(r.ladder), 0);
  IF n = 0 OR n > 10 OR array_ndims(r.ladder) <> 1 THEN
    RAISE EXCEPTION 'alert rule "%": ladder needs 1 to 10 steps', r.name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(cardinality(r.ladder_after), 0) <> n OR array_ndims(r.ladder_after) <> 1 THEN
    RAISE EXCEPTION 'alert rule "%": ladder_after needs one entry per ladder step (%)', r.name, n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 1 .. n LOOP
    ch := r.ladder[i];
    IF ch IS NULL OR NOT EXISTS (SELECT 1 FROM @extschema@.alert_channel c WHERE c.name = ch) THEN
      RAISE EXCEPTION 'alert rule "%": unknown channel "%" in ladder step %', r.name, ch, i
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Channels are the rows of alert_channel.';
    END IF;
    IF r.ladder_after[i] IS NULL OR r.ladder_after[i] < r.fire_after OR r.ladder_after[i] > 366
       OR (i > 1 AND r.ladder_after[i] < r.ladder_after[i - 1]) THEN
      RAISE EXCEPTION 'alert rule "%": ladder_after must be non-decreasing days between fire_after (%) and 366', r.name, r.fire_after
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
  IF r.ladder_after[1] <> r.fire_after THEN
    RAISE EXCEPTION 'alert rule "%": the first ladder step is taken when the alert opens (ladder_after[1] = fire_after = %)', r.name, r.fire_after
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT c.kind FROM @extschema@.alert_channel c WHERE c.name = r.ladder[1]) = 'human'
     AND r.automated_before_human > 0 THEN
    RAISE EXCEPTION 'alert rule "%": the first step cannot be human when automated_before_human is %', r.name, r.automated_before_human
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    PERFORM now() AT TIME ZONE r.tz;
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION 'alert rule "%": unknown time zone "%"', r.name, r.tz
      USING ERRCODE = 'invalid_parameter_value';
  END;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_rule_validate(@extschema@.alert_rule) IS
'raise a clear error unless a rule is consistent: template parameters, ladder and channels, time zone';

CREATE FUNCTION @extschema@.alert_rule_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  NEW.family := coalesce(NEW.family, NEW.name);
  IF TG_OP = 'UPDATE' THEN
    IF (to_jsonb(NEW) - ARRAY['version', 'updated_at', 'enabled', 'description'])
       IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['version', 'updated_at', 'enabled', 'description']) THEN
      NEW.version := OLD.version + 1;
      NEW.updated_at := now();
    ELSE
      NEW.version := OLD.version;
    END IF;
  ELSE
    NEW.version := 1;
  END IF;
  PERFORM @extschema@.alert_rule_validate(NEW);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_rule_check() IS
'trigger: default the family to the name, bump the version on every change, validate the rule';

CREATE TRIGGER alert_rule_check BEFORE INSERT OR UPDATE ON @extschema@.alert_rule
FOR EACH ROW EXECUTE FUNCTION @extschema@.alert_rule_check();

-- The four templates, shipped disabled: tune them with replay_rule(), then enable them (or copy).
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, metric, threshold, baseline_days,
    window_days, fire_after, escalate_after, severity, escalated_severity, cooldown_days, ladder,
    ladder_after, reengage_days, description, builtin)
VALUES
  ('engagement_dip', 'engagement', 'engagement_dip', false, 'sessions', 0.6, 14, NULL, 1, 3, 'low', 'high', 7,
   '{in_app_nudge,quick_tip,coach_outreach}', '{1,2,3}', 1,
   'sessions 40% below the learner''s 14-day average: in-app nudge, then a quick tip; coach outreach if it persists 3 days', true),
  ('assignment_miss', 'assignment', 'assignment_miss', false, NULL, NULL, NULL, NULL, 2, 5, 'medium', 'high', 3,
   '{email_reminder,sms,coach_call}', '{2,5,5}', 1,
   'no submission 2 days past due: e-mail reminder with resources; SMS and coach call at 5 days overdue', true),
  ('low_quiz_attempts', 'quiz', 'low_quiz_attempts', false, NULL, 0.25, NULL, 14, 1, 7, 'low', 'medium', 7,
   '{micro_lesson,email,instructor_intervention}', '{1,4,7}', 3,
   'quiz attempts in 14 days below 25% of the cohort average: targeted micro-lesson; instructor intervention if it persists', true),
  ('stalled_start', 'stalled', 'stalled_start', false, NULL, 0.2, NULL, 7, 3, 7, 'medium', 'high', 14,
   '{in_app_nudge,email,coach_outreach}', '{3,5,7}', 2,
   'stopped interacting after completing at most 20% of a module in its first 7 days', true);

-- Alerts, their contacts, coaches.
CREATE TABLE @extschema@.alert (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_name       text NOT NULL REFERENCES @extschema@.alert_rule (name) ON UPDATE CASCADE,
  rule_version    integer NOT NULL,
  family          text NOT NULL,
  template        text NOT NULL,
  learner         text NOT NULL,
  course          text,
  status          text NOT NULL DEFAULT 'open' CONSTRAINT alert_status_known
                  CHECK (status IN ('open', 'coach_required', 'resolved', 'expired', 'dismissed')),
  severity        text NOT NULL,
  opened_on       date NOT NULL,
  opened_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  evaluated_on    date NOT NULL,
  value           float8,
  baseline        float8,
  ratio           float8,
  persisted       integer NOT NULL,
  first_value     float8,
  first_baseline  float8,
  risk_score      float8 NOT NULL,
  business_weight numeric NOT NULL DEFAULT 1,
  detail          jsonb NOT NULL DEFAULT '{}',
  closed_on       date,
  closed_at       timestamptz,
  close_reason    text,
  CONSTRAINT alert_closed_iff_final CHECK ((status IN ('open', 'coach_required')) = (closed_at IS NULL))
);
CREATE UNIQUE INDEX alert_one_open_per_family ON @extschema@.alert (learner, family) WHERE closed_at IS NULL;
CREATE INDEX alert_family_learner ON @extschema@.alert (family, learner, closed_on);
COMMENT ON TABLE @extschema@.alert IS
'alerts: rule and version, learner, the values that fired (value, baseline, ratio, days persisted), severity, status';

CREATE TABLE @extschema@.alert_contact (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id     bigint NOT NULL REFERENCES @extschema@.alert (id) ON DELETE CASCADE,
  step         integer NOT NULL,
  channel      text NOT NULL REFERENCES @extschema@.alert_channel (name) ON UPDATE CASCADE,
  kind         text NOT NULL,
  contacted_on date NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  outcome      text NOT NULL DEFAULT 'pending' CONSTRAINT alert_contact_outcome_known
               CHECK (outcome IN ('pending', 're_engaged', 'not_re_engaged', 'cancelled')),
  outcome_on   date,
  UNIQUE (alert_id, step)
);
COMMENT ON TABLE @extschema@.alert_contact IS
'each escalation step taken for an alert and its outcome: re-engaged within reengage_days or not';

CREATE TABLE @extschema@.coach (
  name           text PRIMARY KEY,
  daily_capacity integer NOT NULL CONSTRAINT coach_daily_capacity_range CHECK (daily_capacity BETWEEN 0 AND 10000),
  course         text,
  active         boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE @extschema@.coach IS 'coaches, their daily case capacity and optional course';

CREATE TABLE @extschema@.coach_assignment (
  alert_id    bigint PRIMARY KEY REFERENCES @extschema@.alert (id) ON DELETE CASCADE,
  coach       text NOT NULL REFERENCES @extschema@.coach (name) ON UPDATE CASCADE,
  assigned_on date NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX coach_assignment_day ON @extschema@.coach_assignment (coach, assigned_on);
COMMENT ON TABLE @extschema@.coach_assignment IS 'which coach took which coach-required alert on which day';

-- Delivery: external senders consume the outbox; learnalytics sends nothing itself.
CREATE TABLE @extschema@.alert_outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  channel       text NOT NULL REFERENCES @extschema@.alert_channel (name) ON UPDATE CASCADE,
  alert_id      bigint REFERENCES @extschema@.alert (id) ON DELETE SET NULL,
  contact_id    bigint REFERENCES @extschema@.alert_contact (id) ON DELETE SET NULL,
  learner       text NOT NULL,
  payload       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CONSTRAINT alert_outbox_status_known
                CHECK (status IN ('pending', 'claimed', 'sent', 'dead')),
  attempts      integer NOT NULL DEFAULT 0,
  available_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  claimed_by    text,
  claimed_until timestamptz,
  sent_at       timestamptz,
  last_error    text
);
CREATE INDEX alert_outbox_ready ON @extschema@.alert_outbox (available_at, id) WHERE status IN ('pending', 'claimed');
COMMENT ON TABLE @extschema@.alert_outbox IS
'messages for external senders: claim with outbox_claim(), then outbox_sent() or outbox_failed() (retries, backoff, dead letter)';

CREATE FUNCTION @extschema@.alert_outbox_notify()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- one notification per channel and transaction (NOTIFY folds identical payloads)
  PERFORM pg_notify('learnalytics_outbox', NEW.channel);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_outbox_notify() IS
'trigger: NOTIFY learnalytics_outbox with the channel name when a message is queued';

CREATE TRIGGER alert_outbox_notify AFTER INSERT ON @extschema@.alert_outbox
FOR EACH ROW EXECUTE FUNCTION @extschema@.alert_outbox_notify();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrolment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.assignment_submission', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.quiz_attempt', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.module_progress', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_source', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_channel', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_rule', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.coach', '');

-- Evaluation ------------------------------------------------------------------------

-- Learners for whom a rule's condition holds on a day (in the rule's time zone), one row per
-- learner: the values that fire it and for how many consecutive days it has held (persisted >= 1).
-- Every learner enrolled in the rule's scope on that day is considered, with or without events.
CREATE FUNCTION @extschema@.rule_candidates(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- enrolled on the day, in scope; $1 = rule, $2 = day
  enrolled text := format(
    $q$(SELECT e.learner, e.course, e.cohort, e.business_weight,
               (e.enrolled_at AT TIME ZONE ($1).tz)::date AS enrolled_day
          FROM %s e
         WHERE (e.enrolled_at AT TIME ZONE ($1).tz)::date <= $2
           AND (e.left_at IS NULL OR (e.left_at AT TIME ZONE ($1).tz)::date > $2)
           AND (($1).course IS NULL OR e.course = ($1).course)
           AND (($1).cohort IS NULL OR e.cohort = ($1).cohort))$q$,
    @extschema@.alert_source_sql('enrolment'));
  k integer := greatest(r.fire_after, r.escalate_after);
BEGIN
  IF r.template = 'engagement_dip' THEN
    RETURN QUERY EXECUTE format(
      $q$SELECT DISTINCT ON (c.learner) c.learner, c.course,
                (SELECT (CASE ($1).metric WHEN 'events' THEN a.events::float8 WHEN 'sessions' THEN a.sessions::float8
                         WHEN 'dwell' THEN extract(epoch FROM a.dwell)::float8 ELSE a.weight::float8 END)
                   FROM %1$I.daily_activity(c.summary, $2, $2) a),
                (%1$I.engagement_baseline(c.summary, $2, ($1).baseline_days, ($1).metric)).mean,
                %1$I.dip_ratio(c.summary, $2, ($1).baseline_days, ($1).metric),
                c.p, c.business_weight,
                jsonb_build_object('metric', ($1).metric, 'days_inactive', %1$I.days_inactive(c.summary, $2))
           FROM (SELECT e.learner, e.course, e.business_weight, le.summary,
                        %1$I.dip_persistence(le.summary, $2, ($1).threshold, ($1).baseline_days, ($1).metric) AS p
                   FROM %2$s e JOIN %1$I.learner_engagement le ON le.learner = e.learner) c
          WHERE c.p >= 1
          ORDER BY c.learner, c.business_weight DESC, c.course$q$,
      '@extschema@', enrolled)
    USING r, day;
  ELSIF r.template = 'assignment_miss' THEN
    RETURN QUERY EXECUTE format(
      $q$SELECT DISTINCT ON (m.learner) m.learner, m.course, m.overdue::float8, NULL::float8, NULL::float8,
                m.overdue, m.business_weight,
                jsonb_build_object('assignment', m.assignment, 'due_at', m.due_at, 'missing',
                                   count(*) OVER (PARTITION BY m.learner))
           FROM (SELECT e.learner, e.course, e.business_weight, a.assignment, a.due_at,
                        $2 - (a.due_at AT TIME ZONE ($1).tz)::date AS overdue
                   FROM %1$s e JOIN %2$s a ON a.course = e.course
                  WHERE (a.due_at AT TIME ZONE ($1).tz)::date < $2
                    AND (a.due_at AT TIME ZONE ($1).tz)::date >= e.enrolled_day
                    AND NOT EXISTS (SELECT 1 FROM %3$s s
                                     WHERE s.course = a.course AND s.assignment = a.assignment
                                       AND s.learner = e.learner
                                       AND (s.submitted_at AT TIME ZONE ($1).tz)::date <= $2)) m
          ORDER BY m.learner, m.overdue DESC, m.course, m.assignment$q$,
      enrolled, @extschema@.alert_source_sql('assignment'), @extschema@.alert_source_sql('assignment_submission'))
    USING r, day;
  ELSIF r.template = 'low_quiz_attempts' THEN
    -- attempts in the window_days ending on each of the last k days, against the average of the
    -- learner's course and cohort (zeros included); persisted = trailing days the share held
    RETURN QUERY EXECUTE format(
      $q$WITH enr AS %1$s,
      days AS (SELECT ($2 - g)::date AS d FROM generate_series(0, $3 - 1) g),
      att AS (SELECT q.learner, q.course, (q.attempted_at AT TIME ZONE ($1).tz)::date AS d, count(*) AS n
                FROM %2$s q
               WHERE q.attempted_at >= (($2 - $3 - ($1).window_days + 1)::timestamp AT TIME ZONE ($1).tz)
                 AND q.attempted_at < (($2 + 1)::timestamp AT TIME ZONE ($1).tz)
               GROUP BY 1, 2, 3),
      per AS (SELECT e.learner, e.course, e.cohort, e.business_weight, days.d,
                     coalesce((SELECT sum(att.n) FROM att
                                WHERE att.learner = e.learner AND att.course = e.course
                                  AND att.d BETWEEN days.d - ($1).window_days + 1 AND days.d), 0)::float8 AS n
                FROM enr e CROSS JOIN days WHERE e.enrolled_day <= days.d),
      coh AS (SELECT per.*, avg(per.n) OVER (PARTITION BY per.course, per.cohort, per.d) AS cavg FROM per),
      flag AS (SELECT coh.*, (coh.cavg > 0 AND coh.n < ($1).threshold * coh.cavg) AS cond FROM coh),
      run AS (SELECT f.learner, f.course,
                     $2 - coalesce(max(f.d) FILTER (WHERE NOT f.cond), least($2 - $3, min(f.d) - 1)) AS p
                FROM flag f GROUP BY f.learner, f.course)
      SELECT DISTINCT ON (f.learner) f.learner, f.course, f.n, f.cavg, f.n / f.cavg, run.p::integer,
             f.business_weight, jsonb_build_object('window_days', ($1).window_days, 'cohort', f.cohort)
        FROM flag f JOIN run ON run.learner = f.learner AND run.course = f.course
       WHERE f.d = $2 AND f.cond
       ORDER BY f.learner, run.p DESC, f.n / f.cavg, f.course$q$,
      enrolled, @extschema@.alert_source_sql('quiz_attempt'))
    USING r, day, k;
  ELSIF r.template = 'stalled_start' THEN
    -- a started module (or, with no progress at all, the enrolment) at least window_days old,
    -- progress at most threshold, no activity since; persisted = days without activity
    RETURN QUERY EXECUTE format(
      $q$SELECT DISTINCT ON (s.learner) s.learner, s.course, s.progress::float8, ($1).threshold::float8,
                (s.progress / ($1).threshold)::float8, s.idle, s.business_weight,
                jsonb_build_object('module', s.module, 'started_on', s.started_on, 'last_active_on', s.last_on)
           FROM (SELECT e.learner, e.course, e.business_weight, mp.module,
                        coalesce(mp.progress, 0) AS progress,
                        coalesce((mp.started_at AT TIME ZONE ($1).tz)::date, e.enrolled_day) AS started_on,
                        coalesce((coalesce(mp.last_activity_at, mp.started_at) AT TIME ZONE ($1).tz)::date,
                                 e.enrolled_day) AS last_on,
                        $2 - coalesce((coalesce(mp.last_activity_at, mp.started_at) AT TIME ZONE ($1).tz)::date,
                                      e.enrolled_day) AS idle
                   FROM %1$s e
                   LEFT JOIN %2$s mp ON mp.learner = e.learner AND mp.course = e.course
                        AND (mp.started_at AT TIME ZONE ($1).tz)::date <= $2) s
          WHERE s.started_on <= $2 - ($1).window_days AND s.progress <= ($1).threshold AND s.idle >= 1
          ORDER BY s.learner, s.idle DESC, s.course, s.module$q$,
      enrolled, @extschema@.alert_source_sql('module_progress'))
    USING r, day;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_candidates(@extschema@.alert_rule, date) IS
'learners enrolled in a rule''s scope for whom its condition holds on a day, with the values and the days it has held';

CREATE FUNCTION @extschema@.severity_factor(severity text)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE severity WHEN 'low' THEN 1.0 WHEN 'medium' THEN 2.0 WHEN 'high' THEN 3.0 WHEN 'critical' THEN 4.0 END::float8
$$;
COMMENT ON FUNCTION @extschema@.severity_factor(text) IS 'risk factor of a severity: low 1, medium 2, high 3, critical 4';

-- The escalation ladder on the open alerts of one rule, as of a day: contact outcomes first, then
-- each alert's next step when it is due. Returns the number of contacts created.
CREATE FUNCTION @extschema@.advance_ladder(r @extschema@.alert_rule, day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a       record;
  last    @extschema@.alert_contact;
  nstep   integer;
  ch      @extschema@.alert_channel;
  failed  integer;
  cid     bigint;
  created integer := 0;
BEGIN
  -- a pending contact fails when the alert is still open reengage_days after it
  UPDATE @extschema@.alert_contact c SET outcome = 'not_re_engaged', outcome_on = day
    FROM @extschema@.alert al
   WHERE c.alert_id = al.id AND al.rule_name = r.name AND al.closed_at IS NULL
     AND c.outcome = 'pending' AND c.contacted_on + r.reengage_days <= day;

  FOR a IN SELECT * FROM @extschema@.alert al
            WHERE al.rule_name = r.name AND al.closed_at IS NULL AND al.evaluated_on = day
            ORDER BY al.id
  LOOP
    SELECT * INTO last FROM @extschema@.alert_contact c WHERE c.alert_id = a.id ORDER BY c.step DESC LIMIT 1;
    IF last.id IS NULL THEN
      nstep := 1;
    ELSIF last.outcome = 'not_re_engaged' THEN
      nstep := last.step + 1;
    ELSE
      CONTINUE;
    END IF;
    CONTINUE WHEN nstep > cardinality(r.ladder) OR a.persisted < r.ladder_after[nstep];
    SELECT * INTO ch FROM @extschema@.alert_channel c WHERE c.name = r.ladder[nstep];
    IF ch.kind = 'human' THEN
      SELECT count(*) INTO failed FROM @extschema@.alert_contact c
       WHERE c.alert_id = a.id AND c.kind = 'automated' AND c.outcome = 'not_re_engaged';
      CONTINUE WHEN failed < r.automated_before_human;
    END IF;
    INSERT INTO @extschema@.alert_contact (alert_id, step, channel, kind, contacted_on)
    VALUES (a.id, nstep, ch.name, ch.kind, day)
    ON CONFLICT (alert_id, step) DO NOTHING
    RETURNING id INTO cid;
    CONTINUE WHEN cid IS NULL;
    created := created + 1;
    IF ch.kind = 'human' THEN
      UPDATE @extschema@.alert al SET status = 'coach_required',
             severity = CASE WHEN @extschema@.severity_factor(r.escalated_severity) > @extschema@.severity_factor(al.severity)
                             THEN r.escalated_severity ELSE al.severity END
       WHERE al.id = a.id;
    ELSE
      INSERT INTO @extschema@.alert_outbox (channel, alert_id, contact_id, learner, payload)
      VALUES (ch.name, a.id, cid, a.learner,
              jsonb_build_object('alert_id', a.id, 'contact_id', cid, 'step', nstep, 'channel', ch.name,
                                 'rule', a.rule_name, 'rule_version', a.rule_version, 'template', a.template,
                                 'learner', a.learner, 'course', a.course, 'severity', a.severity,
                                 'value', a.value, 'baseline', a.baseline, 'ratio', a.ratio,
                                 'persisted', a.persisted, 'day', day, 'detail', a.detail));
    END IF;
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION @extschema@.advance_ladder(@extschema@.alert_rule, date) IS
'record failed contacts and take the next escalation step of each open alert of a rule (outbox or coach queue)';

-- Evaluate one rule as of a time: update open alerts, open new ones (fire_after reached, no open
-- alert of the family, not in cooldown), resolve those whose condition cleared, advance the ladder.
-- Idempotent: the same evaluation again changes nothing. Concurrent evaluations of a family queue
-- on an advisory lock; the unique index keeps one open alert per learner and family regardless.
CREATE FUNCTION @extschema@.evaluate_rule(rule_name text, as_of timestamptz DEFAULT pg_catalog.now(),
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule;
BEGIN
  SELECT * INTO r FROM @extschema@.alert_rule ar WHERE ar.name = evaluate_rule.rule_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%" does not exist', rule_name USING ERRCODE = 'undefined_object';
  END IF;
  IF as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  rule := r.name;
  day := (as_of AT TIME ZONE r.tz)::date;
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'), hashtext(r.family));

  WITH c AS MATERIALIZED (SELECT * FROM @extschema@.rule_candidates(r, day)),
  upd AS (
    UPDATE @extschema@.alert a
       SET evaluated_on = day, value = c.value, baseline = c.baseline, ratio = c.ratio,
           persisted = c.persisted, detail = c.detail, business_weight = c.business_weight,
           severity = CASE WHEN c.persisted >= r.escalate_after
                            AND @extschema@.severity_factor(r.escalated_severity) > @extschema@.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END,
           risk_score = r.risk_weight::float8
                        * @extschema@.severity_factor(CASE WHEN c.persisted >= r.escalate_after
                            AND @extschema@.severity_factor(r.escalated_severity) > @extschema@.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END)
                        * (1 + ln(c.persisted))
      FROM c
     WHERE a.learner = c.learner AND a.family = r.family AND a.rule_name = r.name
       AND a.closed_at IS NULL AND a.evaluated_on <= day
    RETURNING a.id),
  res AS (
    UPDATE @extschema@.alert a
       SET status = 'resolved', closed_on = day, closed_at = now(), close_reason = 'condition_cleared',
           evaluated_on = day
     WHERE a.family = r.family AND a.rule_name = r.name AND a.closed_at IS NULL AND a.evaluated_on <= day
       -- a hashed subplan whatever the estimates (an anti join planned from stale statistics on
       -- alert can become a nested loop over the candidates: quadratic)
       AND a.learner NOT IN (SELECT c.learner FROM c WHERE c.learner IS NOT NULL)
    RETURNING a.id),
  ins AS (
    INSERT INTO @extschema@.alert (rule_name, rule_version, family, template, learner, course, severity,
                                   opened_on, evaluated_on, value, baseline, ratio, persisted,
                                   first_value, first_baseline, risk_score, business_weight, detail)
    SELECT r.name, r.version, r.family, r.template, c.learner, c.course, s.sev, day, day,
           c.value, c.baseline, c.ratio, c.persisted, c.value, c.baseline,
           r.risk_weight::float8 * @extschema@.severity_factor(s.sev) * (1 + ln(c.persisted)),
           c.business_weight, c.detail
      FROM c
     CROSS JOIN LATERAL (SELECT CASE WHEN c.persisted >= r.escalate_after THEN r.escalated_severity
                                     ELSE r.severity END AS sev) s
     WHERE c.persisted >= r.fire_after
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert o
                        WHERE o.learner = c.learner AND o.family = r.family
                          AND (o.closed_at IS NULL OR o.closed_on > day - r.cooldown_days
                               OR o.opened_on >= day))
    ON CONFLICT (learner, family) WHERE closed_at IS NULL DO NOTHING
    RETURNING id)
  SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM res)
    INTO opened, updated, resolved;

  -- contacts of resolved alerts still pending: the learner came back
  UPDATE @extschema@.alert_contact c SET outcome = 're_engaged', outcome_on = day
    FROM @extschema@.alert a
   WHERE c.alert_id = a.id AND a.rule_name = r.name AND a.closed_on = day
     AND a.close_reason = 'condition_cleared' AND c.outcome = 'pending';

  contacts := @extschema@.advance_ladder(r, day);
END
$$;
COMMENT ON FUNCTION @extschema@.evaluate_rule(text, timestamptz) IS
'evaluate one rule as of a time for every enrolled learner: open, update and resolve alerts, advance the ladder (idempotent)';

CREATE FUNCTION @extschema@.evaluate_rules(as_of timestamptz DEFAULT pg_catalog.now(), rules text[] DEFAULT NULL,
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n text;
BEGIN
  FOR n IN SELECT ar.name FROM @extschema@.alert_rule ar
            WHERE (rules IS NULL AND ar.enabled) OR ar.name = ANY (rules)
            ORDER BY ar.name
  LOOP
    SELECT * INTO rule, day, opened, updated, resolved, contacts FROM @extschema@.evaluate_rule(n, as_of);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.evaluate_rules(timestamptz, text[]) IS
'evaluate every enabled rule (or the named ones) as of a time; one row of counts per rule';

-- A contact's outcome recorded by a sender or a coach (overrides the automatic one).
CREATE FUNCTION @extschema@.record_contact_outcome(contact_id bigint, outcome text, day date DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF outcome IS NULL OR outcome NOT IN ('re_engaged', 'not_re_engaged', 'cancelled') THEN
    RAISE EXCEPTION 'outcome must be re_engaged, not_re_engaged or cancelled'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE @extschema@.alert_contact c
     SET outcome = record_contact_outcome.outcome, outcome_on = coalesce(day, current_date)
   WHERE c.id = contact_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'contact % does not exist', contact_id USING ERRCODE = 'no_data_found';
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.record_contact_outcome(bigint, text, date) IS
'record the outcome of a contact (re_engaged, not_re_engaged, cancelled), e.g. from a coach';

CREATE VIEW @extschema@.alert_effectiveness AS
SELECT a.rule_name, c.channel, c.kind, c.step,
       pg_catalog.count(*) AS contacts,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 're_engaged') AS re_engaged,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'not_re_engaged') AS not_re_engaged,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'pending') AS pending,
       pg_catalog.round(pg_catalog.count(*) FILTER (WHERE c.outcome = 're_engaged')::numeric
             / NULLIF(pg_catalog.count(*) FILTER (WHERE c.outcome IN ('re_engaged', 'not_re_engaged')), 0), 3)
         AS re_engagement_rate
FROM @extschema@.alert_contact c
JOIN @extschema@.alert a ON a.id = c.alert_id
GROUP BY a.rule_name, c.channel, c.kind, c.step;
COMMENT ON VIEW @extschema@.alert_effectiveness IS
'per rule, ladder step and channel: contacts and how many re-engaged the learner within the rule''s reengage_days';

-- Coach queue: the view coach_queue is in dashboards.sql, with the other views managers read (it
-- shows each of them only the learners of their org units, doc/roles.md).

-- Assign the queue, best first, to coaches with capacity left on the day (course coaches first for
-- their course). Returns how many cases were assigned; the rest stay in the queue.
CREATE FUNCTION @extschema@.assign_coach_cases(day date DEFAULT CURRENT_DATE)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  q     record;
  who   text;
  n     integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.coach_queue'));
  FOR q IN SELECT a.id, a.course FROM @extschema@.alert a
            WHERE a.status = 'coach_required'
              AND NOT EXISTS (SELECT 1 FROM @extschema@.coach_assignment ca WHERE ca.alert_id = a.id)
            ORDER BY a.risk_score * a.business_weight::float8 DESC, a.opened_on, a.id
  LOOP
    SELECT c.name INTO who
      FROM @extschema@.coach c
      LEFT JOIN LATERAL (SELECT count(*) AS n FROM @extschema@.coach_assignment ca
                          WHERE ca.coach = c.name AND ca.assigned_on = day) t ON true
     WHERE c.active AND t.n < c.daily_capacity AND (c.course IS NULL OR c.course = q.course)
     ORDER BY (c.course IS NOT DISTINCT FROM q.course) DESC, c.daily_capacity - t.n DESC, c.name
     LIMIT 1;
    CONTINUE WHEN who IS NULL;
    INSERT INTO @extschema@.coach_assignment (alert_id, coach, assigned_on) VALUES (q.id, who, day);
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.assign_coach_cases(date) IS
'assign unassigned coach-required alerts, highest risk x business weight first, within each coach''s daily capacity';

-- Outbox consumers -------------------------------------------------------------------

CREATE FUNCTION @extschema@.outbox_claim(consumer text, max_messages integer DEFAULT 10,
    channels text[] DEFAULT NULL, lease interval DEFAULT '5 minutes')
RETURNS SETOF @extschema@.alert_outbox
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF consumer IS NULL OR max_messages IS NULL OR max_messages < 1 OR lease IS NULL OR lease <= '0'::interval THEN
    RAISE EXCEPTION 'consumer, max_messages >= 1 and a positive lease are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- expired leases that used up their attempts go to the dead letter
  UPDATE @extschema@.alert_outbox o SET status = 'dead', last_error = coalesce(o.last_error, 'lease expired')
    FROM @extschema@.alert_channel ch
   WHERE ch.name = o.channel AND o.status = 'claimed' AND o.claimed_until < now()
     AND o.attempts >= ch.max_attempts;
  RETURN QUERY
  WITH c AS (
    SELECT o.id FROM @extschema@.alert_outbox o
     WHERE ((o.status = 'pending' AND o.available_at <= now()) OR (o.status = 'claimed' AND o.claimed_until < now()))
       AND (channels IS NULL OR o.channel = ANY (channels))
     ORDER BY o.available_at, o.id
     LIMIT max_messages
     FOR UPDATE SKIP LOCKED)
  UPDATE @extschema@.alert_outbox o
     SET status = 'claimed', attempts = o.attempts + 1, claimed_by = consumer, claimed_until = now() + lease
    FROM c WHERE o.id = c.id
  RETURNING o.*;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_claim(text, integer, text[], interval) IS
'claim up to max_messages ready messages (FOR UPDATE SKIP LOCKED) for a lease; expired leases are claimable again';

CREATE FUNCTION @extschema@.outbox_sent(message_id bigint, consumer text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE @extschema@.alert_outbox o SET status = 'sent', sent_at = now(), claimed_until = NULL
   WHERE o.id = message_id AND o.status = 'claimed' AND (consumer IS NULL OR o.claimed_by = consumer);
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_sent(bigint, text) IS
'mark a claimed message sent; false when it is not claimed (by this consumer, if given)';

CREATE FUNCTION @extschema@.outbox_failed(message_id bigint, error text, consumer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  st text;
BEGIN
  UPDATE @extschema@.alert_outbox o
     SET status = CASE WHEN o.attempts >= ch.max_attempts THEN 'dead' ELSE 'pending' END,
         available_at = now() + ch.retry_backoff * power(2, greatest(o.attempts - 1, 0))::float8,
         last_error = error, claimed_until = NULL
    FROM @extschema@.alert_channel ch
   WHERE ch.name = o.channel AND o.id = message_id AND o.status = 'claimed'
     AND (consumer IS NULL OR o.claimed_by = consumer)
  RETURNING o.status INTO st;
  RETURN st;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_failed(bigint, text, text) IS
'a delivery failed: retry after the channel''s backoff x 2^(attempts-1), or dead-letter after max_attempts; returns the new status';

CREATE FUNCTION @extschema@.outbox_retry_dead(message_id bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE @extschema@.alert_outbox o SET status = 'pending', attempts = 0, available_at = now()
   WHERE o.id = message_id AND o.status = 'dead';
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_retry_dead(bigint) IS 'put a dead-lettered message back in the queue with fresh attempts';

CREATE VIEW @extschema@.alert_outbox_dead_letter AS
SELECT o.id, o.created_at, o.channel, o.alert_id, o.learner, o.attempts, o.last_error, o.payload
FROM @extschema@.alert_outbox o WHERE o.status = 'dead';
COMMENT ON VIEW @extschema@.alert_outbox_dead_letter IS 'messages that used up their delivery attempts';

-- Replay -------------------------------------------------------------------------------

-- A rule with parameter overrides applied and validated (the rule row is not changed).
CREATE FUNCTION @extschema@.alert_rule_with(rule_name text, overrides jsonb DEFAULT '{}')
RETURNS @extschema@.alert_rule
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule;
  k text;
BEGIN
  SELECT * INTO r FROM @extschema@.alert_rule ar WHERE ar.name = rule_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%" does not exist', rule_name USING ERRCODE = 'undefined_object';
  END IF;
  IF overrides IS NULL OR jsonb_typeof(overrides) <> 'object' THEN
    RAISE EXCEPTION 'overrides must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR k IN SELECT jsonb_object_keys(overrides) LOOP
    IF k NOT IN ('course', 'cohort', 'metric', 'threshold', 'baseline_days', 'window_days', 'fire_after',
                 'escalate_after', 'severity', 'escalated_severity', 'cooldown_days', 'tz') THEN
      RAISE EXCEPTION 'unknown or fixed rule parameter "%" in overrides', k
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Overridable: course, cohort, metric, threshold, baseline_days, window_days, fire_after, '
                     'escalate_after, severity, escalated_severity, cooldown_days, tz.';
    END IF;
  END LOOP;
  r := jsonb_populate_record(r, overrides);
  IF overrides ? 'fire_after' THEN
    -- the ladder follows the new first step
    r.ladder_after := (SELECT array_agg(greatest(x, r.fire_after) ORDER BY o)
                         FROM unnest(r.ladder_after) WITH ORDINALITY u(x, o));
    r.ladder_after[1] := r.fire_after;
    r.escalate_after := greatest(r.escalate_after, r.fire_after);
  END IF;
  IF r.threshold IS NOT NULL AND NOT (r.threshold > 0 AND r.threshold <= 1 AND scale(r.threshold) <= 9) THEN
    RAISE EXCEPTION 'threshold must be greater than 0 and at most 1 (9 decimals at most)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.metric IS NOT NULL AND r.metric NOT IN ('events', 'sessions', 'dwell', 'weight') THEN
    RAISE EXCEPTION 'unknown metric "%"', r.metric USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (r.fire_after BETWEEN 1 AND 366 AND r.escalate_after BETWEEN 1 AND 366
          AND coalesce(r.baseline_days, 1) BETWEEN 1 AND 366 AND coalesce(r.window_days, 1) BETWEEN 1 AND 366
          AND r.cooldown_days BETWEEN 0 AND 366) THEN
    RAISE EXCEPTION 'day counts must be between 1 and 366' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM @extschema@.alert_rule_validate(r);
  RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_rule_with(text, jsonb) IS
'a rule with parameter overrides (e.g. {"threshold": 0.5}) applied and validated, for replay; the table is not changed';

-- A new rule copied from another (e.g. a shipped template), with overrides; it is kept by pg_dump.
CREATE FUNCTION @extschema@.create_rule_from(source_rule text, new_name text, overrides jsonb DEFAULT '{}',
    enabled boolean DEFAULT true)
RETURNS @extschema@.alert_rule
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.alert_rule_with(source_rule, overrides);
BEGIN
  r.family := CASE WHEN r.family = r.name THEN new_name ELSE r.family END;
  r.name := new_name;
  r.enabled := create_rule_from.enabled;
  r.builtin := false;
  r.updated_at := now();
  INSERT INTO @extschema@.alert_rule SELECT r.* RETURNING * INTO r;
  RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.create_rule_from(text, text, jsonb, boolean) IS
'create a rule as a copy of another (e.g. a shipped template) with parameter overrides; returns the new rule';

-- The alerts a rule would have opened on each day of a period: the first day of each run of days on
-- which its condition had held for at least fire_after days, while the learner was enrolled.
-- No alert is written (the day-by-day templates keep the previous day's firing learners in a
-- temporary table). Cooldowns and the one-open-alert rule of live evaluation are not applied.
CREATE FUNCTION @extschema@.replay_alerts(rule_name text, from_day date, to_day date,
    overrides jsonb DEFAULT '{}',
    OUT day date, OUT learner text, OUT course text, OUT value float8, OUT baseline float8,
    OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.alert_rule_with(rule_name, overrides);
  d date;
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR from_day > to_day OR NOT isfinite(from_day) OR NOT isfinite(to_day)
     OR to_day - from_day > 3660 THEN
    RAISE EXCEPTION 'replay needs from_day <= to_day, finite, at most 10 years apart'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF r.template = 'engagement_dip' THEN
    -- one pass per learner over the summary (dip_alerts), not one evaluation per day
    RETURN QUERY EXECUTE format(
      $q$SELECT DISTINCT ON (e.learner, x.day) x.day, e.learner, e.course, x.value::float8, x.baseline, x.ratio, x.persisted
           FROM %2$s e
           JOIN %1$I.learner_engagement le ON le.learner = e.learner
          CROSS JOIN LATERAL %1$I.dip_alerts(le.summary, $3, ($1).threshold, ($1).baseline_days, ($1).fire_after,
                                             ($1).metric, $2) x
          WHERE (e.enrolled_at AT TIME ZONE ($1).tz)::date <= x.day
            AND (e.left_at IS NULL OR (e.left_at AT TIME ZONE ($1).tz)::date > x.day)
            AND (($1).course IS NULL OR e.course = ($1).course)
            AND (($1).cohort IS NULL OR e.cohort = ($1).cohort)
          ORDER BY e.learner, x.day, e.business_weight DESC, e.course$q$,
      '@extschema@', @extschema@.alert_source_sql('enrolment'))
    USING r, from_day, to_day;
    RETURN;
  END IF;
  -- a learner fires on a day when the condition has held fire_after days or more; an alert is the
  -- first firing day of a run (the condition can start holding past fire_after: stalled start)
  IF to_regclass('pg_temp.la_replay_firing') IS NULL THEN
    CREATE TEMP TABLE la_replay_firing (learner text PRIMARY KEY) ON COMMIT DROP;
    CREATE TEMP TABLE la_replay_today (learner text PRIMARY KEY, course text, value float8, baseline float8,
                                       ratio float8, persisted integer) ON COMMIT DROP;
  END IF;
  TRUNCATE la_replay_firing;
  INSERT INTO la_replay_firing SELECT c.learner FROM @extschema@.rule_candidates(r, from_day - 1) c
   WHERE c.persisted >= r.fire_after AND c.learner IS NOT NULL;
  d := from_day;
  WHILE d <= to_day LOOP
    TRUNCATE la_replay_today;
    INSERT INTO la_replay_today
    SELECT c.learner, c.course, c.value, c.baseline, c.ratio, c.persisted
      FROM @extschema@.rule_candidates(r, d) c
     WHERE c.persisted >= r.fire_after AND c.learner IS NOT NULL;
    RETURN QUERY
      SELECT d, t.learner, t.course, t.value, t.baseline, t.ratio, t.persisted
        FROM la_replay_today t
       WHERE NOT EXISTS (SELECT 1 FROM la_replay_firing f WHERE f.learner = t.learner);
    TRUNCATE la_replay_firing;
    INSERT INTO la_replay_firing SELECT t.learner FROM la_replay_today t;
    IF to_day - from_day >= 60 AND (d - from_day) % 30 = 29 THEN
      RAISE NOTICE 'replay of %: % of % days', r.name, d - from_day + 1, to_day - from_day + 1;
    END IF;
    d := d + 1;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_alerts(text, date, date, jsonb) IS
'the alerts a rule (with overrides) would have opened each day of a period; writes nothing';

CREATE FUNCTION @extschema@.replay_rule_daily(rule_name text, from_day date, to_day date,
    overrides jsonb DEFAULT '{}', OUT day date, OUT alerts bigint, OUT new_learners bigint)
RETURNS SETOF record
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  WITH a AS (SELECT * FROM @extschema@.replay_alerts(rule_name, from_day, to_day, overrides)),
  firsts AS (SELECT a.learner, pg_catalog.min(a.day) AS d FROM a GROUP BY a.learner)
  SELECT g::date,
         (SELECT pg_catalog.count(*) FROM a WHERE a.day OPERATOR(pg_catalog.=) g::date),
         (SELECT pg_catalog.count(*) FROM firsts f WHERE f.d OPERATOR(pg_catalog.=) g::date)
  FROM pg_catalog.generate_series(from_day::timestamp, to_day::timestamp, '1 day'::interval) g
  ORDER BY 1
$$;
COMMENT ON FUNCTION @extschema@.replay_rule_daily(text, date, date, jsonb) IS
'replay: alerts per day and learners alerted for the first time that day';

-- Replay with outcomes: alerts per day, learners touched, and against an outcomes relation
-- (learner, outcome, outcome time) precision, recall, lead time and the per-alert lift.
CREATE FUNCTION @extschema@.replay_rule(rule_name text, from_day date, to_day date,
    outcomes regclass DEFAULT NULL, horizon_days integer DEFAULT 14, overrides jsonb DEFAULT '{}',
    learner_column name DEFAULT 'learner', outcome_column name DEFAULT 'outcome',
    time_column name DEFAULT 'outcome_at', dropout_values text[] DEFAULT '{dropped_out,withdrawn}',
    OUT rule text, OUT rule_version integer, OUT parameters jsonb, OUT days integer,
    OUT alerts bigint, OUT alerts_per_day float8, OUT learners_enrolled bigint,
    OUT learners_touched bigint, OUT touched_share float8, OUT dropouts bigint,
    OUT dropouts_alerted bigint, OUT "precision" float8, OUT recall float8,
    OUT lead_time_mean float8, OUT lead_time_median float8, OUT alert_dropout_rate float8,
    OUT base_dropout_rate float8, OUT lift float8)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r    @extschema@.alert_rule := @extschema@.alert_rule_with(rule_name, overrides);
  col  name;
  typ  regtype;
  oday text;
BEGIN
  IF horizon_days IS NULL OR horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION 'horizon_days must be between 1 and 366' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  rule := r.name;
  rule_version := r.version;
  parameters := jsonb_strip_nulls(jsonb_build_object('metric', r.metric, 'threshold', r.threshold,
                  'baseline_days', r.baseline_days, 'window_days', r.window_days, 'fire_after', r.fire_after,
                  'course', r.course, 'cohort', r.cohort, 'horizon_days', horizon_days));
  days := to_day - from_day + 1;

  IF to_regclass('pg_temp.la_replay_alerts') IS NULL THEN
    CREATE TEMP TABLE la_replay_alerts (day date, learner text) ON COMMIT DROP;
  END IF;
  TRUNCATE la_replay_alerts;
  INSERT INTO la_replay_alerts SELECT a.day, a.learner FROM @extschema@.replay_alerts(rule_name, from_day, to_day, overrides) a;

  -- learners enrolled in scope at some point of the period, with their first and last enrolled day
  IF to_regclass('pg_temp.la_replay_pop') IS NULL THEN
    CREATE TEMP TABLE la_replay_pop (learner text, first_day date, last_day date, out_day date) ON COMMIT DROP;
  END IF;
  TRUNCATE la_replay_pop;
  EXECUTE format(
    $q$INSERT INTO la_replay_pop
       SELECT e.learner, greatest(min((e.enrolled_at AT TIME ZONE ($1).tz)::date), $2),
              least(max(coalesce((e.left_at AT TIME ZONE ($1).tz)::date - 1, $3)), $3), NULL
         FROM %s e
        WHERE (($1).course IS NULL OR e.course = ($1).course) AND (($1).cohort IS NULL OR e.cohort = ($1).cohort)
          AND (e.enrolled_at AT TIME ZONE ($1).tz)::date <= $3
          AND (e.left_at IS NULL OR (e.left_at AT TIME ZONE ($1).tz)::date > $2)
        GROUP BY e.learner$q$, @extschema@.alert_source_sql('enrolment'))
  USING r, from_day, to_day;

  alerts := (SELECT count(*) FROM la_replay_alerts);
  alerts_per_day := alerts::float8 / days;
  learners_enrolled := (SELECT count(*) FROM la_replay_pop);
  learners_touched := (SELECT count(DISTINCT a.learner) FROM la_replay_alerts a);
  touched_share := learners_touched::float8 / NULLIF(learners_enrolled, 0);
  IF outcomes IS NULL THEN
    RETURN;
  END IF;
  PERFORM @extschema@.la_require_trusted_relation(outcomes, 'replay_rule outcomes');

  -- outcomes: the learner's first dropout day (other outcomes end the learner's days at risk too)
  FOREACH col IN ARRAY ARRAY[learner_column, outcome_column, time_column] LOOP
    IF col IS NULL OR @extschema@.source_column_type(outcomes, col) IS NULL THEN
      RAISE EXCEPTION 'column "%" does not exist in %', col, outcomes USING ERRCODE = 'undefined_column';
    END IF;
  END LOOP;
  typ := @extschema@.source_column_type(outcomes, time_column);
  IF typ = 'timestamptz'::regtype THEN
    oday := format('(o.%I AT TIME ZONE %L)::date', time_column, r.tz);
  ELSIF typ IN ('date'::regtype, 'timestamp'::regtype) THEN
    oday := format('(o.%I)::date', time_column);
  ELSE
    RAISE EXCEPTION 'column "%" of % is %, not a date or timestamp', time_column, outcomes, typ
      USING ERRCODE = 'datatype_mismatch';
  END IF;
  IF to_regclass('pg_temp.la_replay_out') IS NULL THEN
    CREATE TEMP TABLE la_replay_out (learner text, dropout_day date, end_day date) ON COMMIT DROP;
  END IF;
  TRUNCATE la_replay_out;
  EXECUTE format(
    $q$INSERT INTO la_replay_out
       SELECT (o.%1$I)::text, min(%3$s) FILTER (WHERE lower((o.%2$I)::text) = ANY ($1)), min(%3$s)
         FROM %4$s o WHERE o.%1$I IS NOT NULL AND %3$s IS NOT NULL GROUP BY 1$q$,
    learner_column, outcome_column, oday, outcomes)
  USING (SELECT array_agg(lower(v)) FROM unnest(dropout_values) v);
  ANALYZE la_replay_alerts;
  ANALYZE la_replay_pop;
  ANALYZE la_replay_out;

  WITH al AS (   -- alerts while the learner was still at risk (before any outcome)
    SELECT a.day, a.learner, o.dropout_day,
           (o.dropout_day > a.day AND o.dropout_day <= a.day + horizon_days) AS followed
      FROM la_replay_alerts a LEFT JOIN la_replay_out o ON o.learner = a.learner
     WHERE o.end_day IS NULL OR a.day < o.end_day
  ), risk AS (   -- learner-days at risk in the period, and those followed by dropout within the horizon
    SELECT sum(greatest(0, least(p.last_day, coalesce(o.end_day - 1, p.last_day)) - p.first_day + 1)) AS days_at_risk,
           sum(CASE WHEN o.dropout_day IS NULL THEN 0
                    ELSE greatest(0, least(p.last_day, o.dropout_day - 1)
                                     - greatest(p.first_day, o.dropout_day - horizon_days) + 1) END) AS days_followed
      FROM la_replay_pop p LEFT JOIN la_replay_out o ON o.learner = p.learner
  ), drops AS (   -- dropouts during the period, and the earliest alert in the horizon before each
    SELECT o.learner, o.dropout_day, min(a.day) AS first_alert
      FROM la_replay_out o JOIN la_replay_pop p ON p.learner = o.learner
      LEFT JOIN la_replay_alerts a ON a.learner = o.learner AND a.day < o.dropout_day
                                  AND a.day >= o.dropout_day - horizon_days
     WHERE o.dropout_day > from_day AND o.dropout_day <= to_day
     GROUP BY o.learner, o.dropout_day
  )
  SELECT (SELECT count(*) FROM drops),
         (SELECT count(*) FROM drops WHERE first_alert IS NOT NULL),
         (SELECT count(DISTINCT learner) FILTER (WHERE followed)::float8 / NULLIF(count(DISTINCT learner), 0) FROM al),
         (SELECT avg(dropout_day - first_alert)::float8 FROM drops WHERE first_alert IS NOT NULL),
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY dropout_day - first_alert) FROM drops WHERE first_alert IS NOT NULL),
         (SELECT count(*) FILTER (WHERE followed)::float8 / NULLIF(count(*), 0) FROM al),
         (SELECT days_followed::float8 / NULLIF(days_at_risk, 0) FROM risk)
    INTO dropouts, dropouts_alerted, "precision", lead_time_mean, lead_time_median,
         alert_dropout_rate, base_dropout_rate;
  recall := dropouts_alerted::float8 / NULLIF(dropouts, 0);
  lift := alert_dropout_rate / NULLIF(base_dropout_rate, 0);
END
$$;
COMMENT ON FUNCTION @extschema@.replay_rule(text, date, date, regclass, integer, jsonb, name, name, name, text[]) IS
'replay a rule (with overrides) over a period without writing alerts: alerts per day, learners touched, and given outcomes precision, recall, lead time and per-alert lift';

-- Retention periods are non-negative intervals.
CREATE FUNCTION @extschema@.check_retention(older_than interval)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF older_than IS NULL OR older_than < '0'::interval THEN
    RAISE EXCEPTION 'a retention period must be a non-negative interval, not %', coalesce(older_than::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.check_retention(interval) IS
'raise invalid_parameter_value unless a retention period is a non-negative interval';

CREATE FUNCTION @extschema@.prune_alerts(older_than interval DEFAULT '180 days')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM @extschema@.check_retention(older_than);
  DELETE FROM @extschema@.alert_outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < now() - older_than;
  DELETE FROM @extschema@.alert a WHERE a.closed_at < now() - older_than;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.prune_alerts(interval) IS
'delete alerts closed (and outbox messages sent or dead) longer ago than older_than; returns the alerts deleted';

-- Privileges of the alert functions (doc/roles.md). Every function that is not IMMUTABLE loses
-- PUBLIC's EXECUTE at the end of the install (privileges.sql); here each gets its roles. Analysts
-- replay rules (and what replay reads of rules and sources); the admin role evaluates, escalates,
-- assigns coaches, delivers and prunes. The trigger functions need no grant: a trigger runs its
-- function whoever fires it.
GRANT EXECUTE ON FUNCTION @extschema@.alert_source_sql(text), @extschema@.alert_rule_validate(@extschema@.alert_rule),
  @extschema@.rule_candidates(@extschema@.alert_rule, date), @extschema@.alert_rule_with(text, jsonb),
  @extschema@.replay_alerts(text, date, date, jsonb), @extschema@.replay_rule_daily(text, date, date, jsonb),
  @extschema@.replay_rule(text, date, date, regclass, integer, jsonb, name, name, name, text[])
  TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION @extschema@.advance_ladder(@extschema@.alert_rule, date),
  @extschema@.evaluate_rule(text, timestamptz), @extschema@.evaluate_rules(timestamptz, text[]),
  @extschema@.record_contact_outcome(bigint, text, date), @extschema@.assign_coach_cases(date),
  @extschema@.outbox_claim(text, integer, text[], interval), @extschema@.outbox_sent(bigint, text),
  @extschema@.outbox_failed(bigint, text, text), @extschema@.outbox_retry_dead(bigint),
  @extschema@.create_rule_from(text, text, jsonb, boolean), @extschema@.prune_alerts(interval)
  TO learnalytics_admin;
