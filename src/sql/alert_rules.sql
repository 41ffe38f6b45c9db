
-------------------------------------------------------------------------------
-- alert_rules: channels, the template registry, rules as data, their validation,
-- rule copies and overrides (doc/alerts.md, "Rules")
-------------------------------------------------------------------------------
-- Channels a ladder step uses. automated: a message in the outbox; human: a case in the coach queue.
CREATE TABLE @extschema@.alert_channel (
  name          text PRIMARY KEY CONSTRAINT alert_channel_name_is_identifier
                CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  kind          text NOT NULL CONSTRAINT alert_channel_kind_known CHECK (kind IN ('automated', 'human')),
  max_attempts  integer NOT NULL DEFAULT 5 CONSTRAINT alert_channel_max_attempts_range
                CHECK (max_attempts BETWEEN 1 AND 100),
  retry_backoff interval NOT NULL DEFAULT '1 minute' CONSTRAINT alert_channel_backoff_positive
                CHECK (retry_backoff > '0'::interval AND retry_backoff <= '1 day'::interval),
  outcome_timeout_days integer CONSTRAINT alert_channel_outcome_timeout_range
                CHECK (outcome_timeout_days BETWEEN 1 AND 366),
  description   text,
  builtin       boolean NOT NULL DEFAULT false
);
COMMENT ON COLUMN @extschema@.alert_channel.outcome_timeout_days IS
'human channels: a contact whose outcome nobody recorded within this many days gets the outcome timed_out (NULL: never)';
COMMENT ON TABLE @extschema@.alert_channel IS
'contact channels: automated (delivered through alert_outbox, with retries and backoff) or human (coach queue)';

INSERT INTO @extschema@.alert_channel (name, kind, outcome_timeout_days, description, builtin) VALUES
  ('in_app_nudge', 'automated', NULL, 'in-app nudge', true),
  ('quick_tip', 'automated', NULL, 'a quick tip in the app', true),
  ('email_reminder', 'automated', NULL, 'e-mail reminder with resources', true),
  ('sms', 'automated', NULL, 'text message', true),
  ('micro_lesson', 'automated', NULL, 'targeted micro-lesson', true),
  ('email', 'automated', NULL, 'e-mail', true),
  ('coach_outreach', 'human', 14, 'a coach reaches out', true),
  ('coach_call', 'human', 14, 'a coach calls', true),
  ('instructor_intervention', 'human', 14, 'the instructor intervenes', true);

-- The rows of alert_channel, alert_template and alert_rule with builtin come with the extension:
-- pg_dump leaves them out (pg_extension_config_dump ... WHERE NOT builtin) and CREATE EXTENSION
-- makes them again on a restore. So only the extension's script (a superuser) sets or clears the
-- flag: a row an admin marked built in would be lost by a dump, and a shipped row it unmarked would
-- be dumped and collide with the one CREATE EXTENSION makes, failing the restore of the whole table.
CREATE FUNCTION learnalytics_internal.builtin_row_check(tab text, name text, new_builtin boolean, old_builtin boolean)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF new_builtin IS DISTINCT FROM coalesce(old_builtin, false)
     AND NOT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
    RAISE EXCEPTION '% "%": only a superuser sets or clears builtin', tab, name
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Built-in rows come with the extension and are not dumped.',
            HINT = 'Leave builtin out (false): pg_dump keeps the rows you write.';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.builtin_row_check(text, text, boolean, boolean) IS
'insufficient_privilege unless the builtin flag of a row of alert_channel, alert_template or alert_rule is unchanged (false for a new row) or the writer is a superuser';

CREATE FUNCTION learnalytics_internal.alert_channel_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  PERFORM learnalytics_internal.builtin_row_check(TG_TABLE_NAME, NEW.name, NEW.builtin,
                                                  CASE WHEN TG_OP = 'UPDATE' THEN OLD.builtin END);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.alert_channel_check() IS
'trigger: only a superuser sets or clears a channel''s builtin flag (builtin_row_check)';
CREATE TRIGGER alert_channel_check BEFORE INSERT OR UPDATE ON @extschema@.alert_channel
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.alert_channel_check();

-- Templates: what a rule's condition is. One row per template, registered by the block of the
-- template in alert_templates.sql (or by an admin, for a template of its own): the rule parameters
-- it uses, the function that finds the learners matching a rule of it on a day, and optionally a
-- set-based replay. The functions are called with the caller's rights, never by a SECURITY DEFINER
-- function, and must not be SECURITY DEFINER themselves (template_function()).
CREATE TABLE @extschema@.alert_template (
  name               text PRIMARY KEY CONSTRAINT alert_template_name_is_identifier
                     CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  parameters         text[] NOT NULL DEFAULT '{}' CONSTRAINT alert_template_parameters_known
                     CHECK (parameters <@ ARRAY['metric', 'threshold', 'baseline_days', 'window_days']
                            AND pg_catalog.array_position(parameters, NULL) IS NULL),
  max_escalate_after integer NOT NULL DEFAULT 366 CONSTRAINT alert_template_max_escalate_after_range
                     CHECK (max_escalate_after BETWEEN 1 AND 366),
  candidates         regprocedure NOT NULL,
  replay             regprocedure,
  inputs             text[] NOT NULL DEFAULT '{}' CONSTRAINT alert_template_inputs_known
                     CHECK (inputs <@ ARRAY['enrolment', 'assignment', 'assignment_submission', 'quiz_attempt',
                                            'module_progress']
                            AND pg_catalog.array_position(inputs, NULL) IS NULL),
  outage_sensitive   boolean NOT NULL DEFAULT false,
  description        text NOT NULL,
  builtin            boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.alert_template IS
'alert templates: the rule parameters each uses, its candidates function (alert_rule, date) and optional set-based replay function (doc/alerts.md, "Templates")';
COMMENT ON COLUMN @extschema@.alert_template.parameters IS
'the optional rule parameters the template uses and requires (a subset of metric, threshold, baseline_days, window_days); the others must be NULL';
COMMENT ON COLUMN @extschema@.alert_template.max_escalate_after IS 'the largest escalate_after a rule of the template may have';
COMMENT ON COLUMN @extschema@.alert_template.candidates IS
'f(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8, baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb): the learners enrolled in the rule''s scope whose condition holds on day, persisted >= 1';
COMMENT ON COLUMN @extschema@.alert_template.replay IS
'optional f(r alert_rule, from_day date, to_day date) RETURNS TABLE (day date, learner text, course text, value float8, baseline float8, ratio float8, persisted integer): the alerts of rule_replay_alerts in one pass (NULL: candidates day by day)';
COMMENT ON COLUMN @extschema@.alert_template.outage_sensitive IS
'true when an outage makes the condition hold (no events is no evidence): an open outage finding of the course (or of every course), or an excluded learner-day, restarts the run of persisted days and holds the learner on the day itself (doc/quality.md, "Acting on findings")';
COMMENT ON COLUMN @extschema@.alert_template.inputs IS
'the learning-data kinds (learning_source) the condition needs: with no row of one of them for the enrolments in a rule''s scope, the rule does not fire and says so (WARNING)';

-- Rules: every threshold, window, persistence, channel and step is a column.
CREATE TABLE @extschema@.alert_rule (
  name                    text PRIMARY KEY CONSTRAINT alert_rule_name_is_identifier
                          CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  family                  text NOT NULL CONSTRAINT alert_rule_family_is_identifier
                          CHECK (family ~ '^[a-z][a-z0-9_]{0,62}$'),
  template                text NOT NULL CONSTRAINT alert_rule_template_known
                          REFERENCES @extschema@.alert_template (name) ON UPDATE CASCADE,
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
COMMENT ON COLUMN @extschema@.alert_rule.family IS 'rules of a family share a cooldown: no new case for a learner within cooldown_days after a case with a reason of the family closed';
COMMENT ON COLUMN @extschema@.alert_rule.version IS 'bumped by every change of the rule; alerts record the version that fired them';
COMMENT ON COLUMN @extschema@.alert_rule.threshold IS 'a fraction in (0, 1]: dip ratio, share of the cohort average, module progress';
COMMENT ON COLUMN @extschema@.alert_rule.fire_after IS 'days the condition must hold before an alert opens';
COMMENT ON COLUMN @extschema@.alert_rule.escalate_after IS 'days the condition must hold before the alert takes escalated_severity';
COMMENT ON COLUMN @extschema@.alert_rule.ladder IS 'channels of the escalation steps, in order (alert_channel names)';
COMMENT ON COLUMN @extschema@.alert_rule.ladder_after IS 'for each step, the days the condition must have held before it is taken';
COMMENT ON COLUMN @extschema@.alert_rule.automated_before_human IS 'failed automated contacts required before a human step';
COMMENT ON COLUMN @extschema@.alert_rule.reengage_days IS 'a contact fails when the learner has not re-engaged within this many days';

-- The schema-qualified name of a template function, after checking that it may be called: it
-- exists, has the signature of its purpose (candidates or replay) and is a plain function, is
-- STABLE (or IMMUTABLE) and PARALLEL SAFE (it reads and writes nothing, and rule_candidates and
-- rule_matches, which call it, are labelled so), is not SECURITY DEFINER (an analyst's replay would
-- otherwise run it with its owner's rights), lives in no temporary schema, and, before a call
-- (calling) by a superuser, belongs to a superuser (otherwise a superuser's evaluation, a pg_cron
-- job say, would run an admin's function with superuser rights; registering one is harmless, and a
-- superuser restoring a dump registers the admins' templates). Checked at registration and again
-- at every call (the function may have been altered since).
CREATE FUNCTION learnalytics_internal.template_function(fn regprocedure, purpose text, template text,
    calling boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p       record;
  args    oid[];
  outs    oid[];
  got     oid[];
  sig     text;
BEGIN
  IF purpose = 'candidates' THEN
    args := ARRAY['@extschema@.alert_rule'::regtype, 'date'::regtype]::oid[];
    outs := ARRAY['text'::regtype, 'text'::regtype, 'float8'::regtype, 'float8'::regtype, 'float8'::regtype,
                  'integer'::regtype, 'numeric'::regtype, 'jsonb'::regtype]::oid[];
    sig := '(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8, baseline float8, '
           'ratio float8, persisted integer, business_weight numeric, detail jsonb)';
  ELSE
    args := ARRAY['@extschema@.alert_rule'::regtype, 'date'::regtype, 'date'::regtype]::oid[];
    outs := ARRAY['date'::regtype, 'text'::regtype, 'text'::regtype, 'float8'::regtype, 'float8'::regtype,
                  'float8'::regtype, 'integer'::regtype]::oid[];
    sig := '(r alert_rule, from_day date, to_day date) RETURNS TABLE (day date, learner text, course text, '
           'value float8, baseline float8, ratio float8, persisted integer)';
  END IF;
  SELECT f.oid, f.proname, n.nspname, f.prokind, f.prosecdef, f.proretset, f.proargtypes, f.proallargtypes,
         f.proargmodes, f.provolatile, f.proparallel, o.rolname AS owner, o.rolsuper AS owner_super
    INTO p
    FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace JOIN pg_roles o ON o.oid = f.proowner
   WHERE f.oid = fn;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert template "%": % function % does not exist', template, purpose, fn::oid
      USING ERRCODE = 'undefined_function',
            HINT = 'Register the function again (UPDATE alert_template), or drop the template.';
  END IF;
  IF p.prokind <> 'f' OR NOT p.proretset OR ARRAY(SELECT unnest(p.proargtypes::oid[])) <> args
     OR (SELECT array_agg(t ORDER BY i) FROM unnest(p.proallargtypes, p.proargmodes) WITH ORDINALITY u(t, m, i)
          WHERE m IN ('o', 't')) IS DISTINCT FROM outs THEN
    RAISE EXCEPTION 'alert template "%": % function % has the wrong signature', template, purpose, fn
      USING ERRCODE = 'invalid_function_definition',
            HINT = format('A %s function is f%s.', purpose, sig);
  END IF;
  IF p.provolatile = 'v' OR p.proparallel <> 's' THEN
    RAISE EXCEPTION 'alert template "%": % function % is not STABLE PARALLEL SAFE', template, purpose, fn
      USING ERRCODE = 'invalid_function_definition',
            HINT = 'A template function reads and writes nothing: declare it STABLE PARALLEL SAFE.';
  END IF;
  IF p.prosecdef THEN
    RAISE EXCEPTION 'alert template "%": % function % is SECURITY DEFINER', template, purpose, fn
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Template functions run with the rights of whoever evaluates or replays the rule: make it SECURITY INVOKER.';
  END IF;
  IF p.nspname LIKE 'pg\_temp\_%' OR p.nspname LIKE 'pg\_toast\_temp\_%' THEN
    RAISE EXCEPTION 'alert template "%": % function % is temporary', template, purpose, fn
      USING ERRCODE = 'invalid_function_definition';
  END IF;
  IF calling AND NOT p.owner_super AND coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
    RAISE EXCEPTION 'alert template "%": % function % is owned by role "%", which is not a superuser', template, purpose, fn, p.owner
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = format('Superuser "%s" would run it with superuser rights.', current_user),
            HINT = 'Evaluate and replay rules (and schedule them) as a member of learnalytics_admin that is not a superuser, '
                   'or have a superuser own the function.';
  END IF;
  RETURN format('%I.%I', p.nspname, p.proname);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.template_function(regprocedure, text, text, boolean) IS
'the qualified name of a template''s candidates or replay function, after checking its signature and labels, that it is not SECURITY DEFINER and (calling) that a superuser would not run a non-superuser''s function';

CREATE FUNCTION learnalytics_internal.alert_template_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fn      regprocedure;
  purpose text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin THEN
    RAISE EXCEPTION 'alert template "%" is built in', OLD.name
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Register a template of your own under another name (doc/alerts.md, "Templates").';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  PERFORM learnalytics_internal.builtin_row_check(TG_TABLE_NAME, NEW.name, NEW.builtin,
                                                  CASE WHEN TG_OP = 'UPDATE' THEN OLD.builtin END);
  FOREACH purpose IN ARRAY ARRAY['candidates', 'replay'] LOOP
    fn := CASE purpose WHEN 'candidates' THEN NEW.candidates ELSE NEW.replay END;
    CONTINUE WHEN fn IS NULL;
    PERFORM learnalytics_internal.template_function(fn, purpose, NEW.name, calling => false);
    -- the registry publishes what it calls: whoever registers a function must be allowed to run it
    IF NOT has_function_privilege(current_user, fn::oid, 'EXECUTE') THEN
      RAISE EXCEPTION 'alert template "%": permission denied for function %', NEW.name, fn
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Register only a function the registering role may execute.';
    END IF;
  END LOOP;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.alert_template_check() IS
'trigger: built-in templates are read-only; a registered function must have the right signature, not be SECURITY DEFINER, and be executable by the registering role';

CREATE TRIGGER alert_template_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.alert_template
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.alert_template_check();

-- Checks a rule beyond its column constraints; used by the trigger and by replay overrides.
CREATE FUNCTION learnalytics_internal.rule_validate(r @extschema@.alert_rule)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t    @extschema@.alert_template;
  used text[];
  p    text;
  n    integer;
  ch   text;
BEGIN
  SELECT * INTO t FROM @extschema@.alert_template at WHERE at.name = r.template;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%": unknown template "%"', r.name, r.template
      USING ERRCODE = 'invalid_parameter_value',
            HINT = (SELECT 'Templates (alert_template): ' || string_agg(at.name, ', ' ORDER BY at.name) || '.'
                      FROM @extschema@.alert_template at);
  END IF;
  used := t.parameters;
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
  IF r.escalate_after > t.max_escalate_after THEN
    RAISE EXCEPTION 'alert rule "%": escalate_after is at most % days for %', r.name, t.max_escalate_after, r.template
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
  -- a zone name of pg_timezone_names: AT TIME ZONE would also take an abbreviation (CEST, PST) or
  -- an offset (UTC+2, +02:00), a fixed offset all year that no daylight-saving change moves
  IF r.tz IS NULL OR NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = r.tz) THEN
    RAISE EXCEPTION 'alert rule "%": unknown time zone "%"', r.name, r.tz
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Abbreviations and offsets (such as CEST, PST or UTC+2) are fixed offsets all year; a rule''s days follow a named zone.',
            HINT = 'Name a time zone of pg_timezone_names, such as UTC or Europe/Paris.';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_validate(@extschema@.alert_rule) IS
'raise a clear error unless a rule is consistent: template parameters, ladder and channels, time zone';

CREATE FUNCTION learnalytics_internal.rule_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.builtin THEN
      RAISE EXCEPTION 'alert rule "%" is built in and cannot be deleted', OLD.name
        USING ERRCODE = 'feature_not_supported',
              HINT = format('Disable it instead: UPDATE alert_rule SET enabled = false WHERE name = %L.', OLD.name);
    END IF;
    RETURN OLD;
  END IF;
  PERFORM learnalytics_internal.builtin_row_check(TG_TABLE_NAME, NEW.name, NEW.builtin,
                                                  CASE WHEN TG_OP = 'UPDATE' THEN OLD.builtin END);
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
  PERFORM learnalytics_internal.rule_validate(NEW);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_check() IS
'trigger: default the family to the name, bump the version on every change, validate the rule; built-in rules cannot be deleted';

CREATE TRIGGER rule_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.alert_rule
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.rule_check();

-- The templates and their shipped rules are registered by alert_templates.sql.
CREATE FUNCTION learnalytics_internal.severity_factor(severity text)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE severity WHEN 'low' THEN 1.0 WHEN 'medium' THEN 2.0 WHEN 'high' THEN 3.0 WHEN 'critical' THEN 4.0 END::float8
$$;
COMMENT ON FUNCTION learnalytics_internal.severity_factor(text) IS 'risk factor of a severity: low 1, medium 2, high 3, critical 4';

-- A rule with parameter overrides applied and validated (the rule row is not changed).
CREATE FUNCTION @extschema@.rule_with_overrides(rule_name text, overrides jsonb DEFAULT '{}')
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
  PERFORM learnalytics_internal.rule_validate(r);
  RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_with_overrides(text, jsonb) IS
'a rule with parameter overrides (e.g. {"threshold": 0.5}) applied and validated, for replay; the table is not changed';

-- A new rule copied from another (e.g. a shipped template), with overrides; it is kept by pg_dump.
CREATE FUNCTION @extschema@.rule_copy(source_rule text, new_name text, overrides jsonb DEFAULT '{}',
    enabled boolean DEFAULT true)
RETURNS @extschema@.alert_rule
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule := @extschema@.rule_with_overrides(source_rule, overrides);
BEGIN
  r.family := CASE WHEN r.family = r.name THEN new_name ELSE r.family END;
  r.name := new_name;
  r.enabled := rule_copy.enabled;
  r.builtin := false;
  r.updated_at := now();
  INSERT INTO @extschema@.alert_rule SELECT r.* RETURNING * INTO r;
  RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_copy(text, text, jsonb, boolean) IS
'create a rule as a copy of another (e.g. a shipped template) with parameter overrides; returns the new rule';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_channel', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_template', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_rule', 'WHERE NOT builtin');

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
-- Only the admin role registers templates; evaluation and replay call their functions with the
-- caller's rights (template_function()).
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.alert_channel, @extschema@.alert_template, @extschema@.alert_rule
  TO learnalytics_admin;
GRANT SELECT ON @extschema@.alert_channel, @extschema@.alert_template, @extschema@.alert_rule TO learnalytics_analyst;
-- Analysts replay rules with overrides; the admin role makes new rules.
GRANT EXECUTE ON FUNCTION learnalytics_internal.rule_validate(@extschema@.alert_rule),
  learnalytics_internal.template_function(regprocedure, text, text, boolean), @extschema@.rule_with_overrides(text, jsonb)
  TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION @extschema@.rule_copy(text, text, jsonb, boolean),
  learnalytics_internal.builtin_row_check(text, text, boolean, boolean) TO learnalytics_admin;
