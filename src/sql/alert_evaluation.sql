
-------------------------------------------------------------------------------
-- alert_evaluation: who matches a rule on a day, and evaluating rules as of a time
-- (doc/alerts.md, "Evaluation")
-------------------------------------------------------------------------------
-- Learners for whom a rule's condition holds on a day (in the rule's time zone), one row per
-- learner: the values that fire it and for how many consecutive days it has held (persisted >= 1).
-- Every learner enrolled in the rule's scope on that day is considered, with or without events.
CREATE FUNCTION learnalytics_internal.rule_candidates(r @extschema@.alert_rule, day date,
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
    learnalytics_internal.learning_source_sql('enrolment'));
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
      enrolled, learnalytics_internal.learning_source_sql('assignment'), learnalytics_internal.learning_source_sql('assignment_submission'))
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
      enrolled, learnalytics_internal.learning_source_sql('quiz_attempt'))
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
      enrolled, learnalytics_internal.learning_source_sql('module_progress'))
    USING r, day;
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rule_candidates(@extschema@.alert_rule, date) IS
'learners enrolled in a rule''s scope for whom its condition holds on a day, with the values and the days it has held';
-- Evaluate one rule as of a time: update open alerts, open new ones (fire_after reached, no open
-- alert of the family, not in cooldown), resolve those whose condition cleared, advance the ladder.
-- Idempotent: the same evaluation again changes nothing. Concurrent evaluations of a family queue
-- on an advisory lock; the unique index keeps one open alert per learner and family regardless.
CREATE FUNCTION @extschema@.rule_evaluate(rule_name text, as_of timestamptz DEFAULT pg_catalog.now(),
    OUT rule text, OUT day date, OUT opened integer, OUT updated integer, OUT resolved integer,
    OUT contacts integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.alert_rule;
BEGIN
  SELECT * INTO r FROM @extschema@.alert_rule ar WHERE ar.name = rule_evaluate.rule_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'alert rule "%" does not exist', rule_name USING ERRCODE = 'undefined_object';
  END IF;
  IF as_of IS NULL OR NOT isfinite(as_of) THEN
    RAISE EXCEPTION 'as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  rule := r.name;
  day := (as_of AT TIME ZONE r.tz)::date;
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'), hashtext(r.family));

  WITH c AS MATERIALIZED (SELECT * FROM learnalytics_internal.rule_candidates(r, day)),
  upd AS (
    UPDATE @extschema@.alert a
       SET evaluated_on = day, value = c.value, baseline = c.baseline, ratio = c.ratio,
           persisted = c.persisted, detail = c.detail, business_weight = c.business_weight,
           severity = CASE WHEN c.persisted >= r.escalate_after
                            AND learnalytics_internal.severity_factor(r.escalated_severity) > learnalytics_internal.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END,
           risk_score = r.risk_weight::float8
                        * learnalytics_internal.severity_factor(CASE WHEN c.persisted >= r.escalate_after
                            AND learnalytics_internal.severity_factor(r.escalated_severity) > learnalytics_internal.severity_factor(a.severity)
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
           r.risk_weight::float8 * learnalytics_internal.severity_factor(s.sev) * (1 + ln(c.persisted)),
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

  contacts := learnalytics_internal.ladder_advance(r, day);
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate(text, timestamptz) IS
'evaluate one rule as of a time for every enrolled learner: open, update and resolve alerts, advance the ladder (idempotent)';

CREATE FUNCTION @extschema@.rule_evaluate_all(as_of timestamptz DEFAULT pg_catalog.now(), rules text[] DEFAULT NULL,
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
    SELECT * INTO rule, day, opened, updated, resolved, contacts FROM @extschema@.rule_evaluate(n, as_of);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_evaluate_all(timestamptz, text[]) IS
'evaluate every enabled rule (or the named ones) as of a time; one row of counts per rule';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
GRANT EXECUTE ON FUNCTION learnalytics_internal.rule_candidates(@extschema@.alert_rule, date) TO learnalytics_analyst;
GRANT EXECUTE ON FUNCTION @extschema@.rule_evaluate(text, timestamptz), @extschema@.rule_evaluate_all(timestamptz, text[])
  TO learnalytics_admin;

-- Job kind rule_evaluate_all (jobs.sql, doc/pg_cron.md): {"rules": ["name", ...]} or every enabled
-- rule, as of the time the job runs. The named rules must exist, when scheduled and when run.
CREATE FUNCTION learnalytics_internal.job_rule_evaluate_all(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('rule_evaluate_all', args, '{rules}');
  rules   text[];
  missing text;
  res     text;
BEGIN
  IF args ? 'rules' THEN
    IF jsonb_typeof(args -> 'rules') <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(args -> 'rules') e WHERE jsonb_typeof(e) <> 'string') THEN
      RAISE EXCEPTION 'job argument "rules" of kind rule_evaluate_all must be an array of rule names, not %',
        args -> 'rules'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    rules := ARRAY(SELECT jsonb_array_elements_text(args -> 'rules'));
    SELECT string_agg(format('"%s"', r), ', ') INTO missing FROM unnest(rules) r
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.alert_rule ar WHERE ar.name = r);
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'alert rule % does not exist', missing USING ERRCODE = 'undefined_object';
    END IF;
  END IF;
  IF validate_only THEN
    RETURN NULL;
  END IF;
  SELECT format('%s rules: %s opened, %s updated, %s resolved, %s contacts', count(*),
                coalesce(sum(e.opened), 0), coalesce(sum(e.updated), 0), coalesce(sum(e.resolved), 0),
                coalesce(sum(e.contacts), 0))
    INTO res
    FROM @extschema@.rule_evaluate_all(now(), rules) e;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) IS
'job handler of kind rule_evaluate_all: check {"rules": [...]}, evaluate those (or every enabled) rules as of now';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('rule_evaluate_all', 'learnalytics_internal.job_rule_evaluate_all(jsonb)',
   'rule_evaluate_all(now(), rules): every enabled alert rule, or {"rules": ["name", ...]}');
GRANT EXECUTE ON FUNCTION learnalytics_internal.job_rule_evaluate_all(jsonb) TO learnalytics_admin;
