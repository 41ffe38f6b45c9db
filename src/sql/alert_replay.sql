
-------------------------------------------------------------------------------
-- alert_replay: replaying rules over past days without writing alerts, and their
-- quality against outcomes (doc/alerts.md, "Replay")
-------------------------------------------------------------------------------
-- The alerts a rule would have opened on each day of a period: the first day of each run of days on
-- which its condition had held for at least fire_after days, while the learner was enrolled.
-- No alert is written. A template's replay function (alert_template.replay) answers in one pass;
-- the others run the template's candidates day by day, keeping the previous day's firing learners
-- in a temporary table. Cooldowns and the one-open-case rule of live evaluation are not applied:
-- these are condition onsets; alert_replay (alert_simulation.sql) gives the live volume.
CREATE FUNCTION @extschema@.rule_replay_alerts(rule_name text, from_day date, to_day date,
    overrides jsonb DEFAULT '{}',
    OUT day date, OUT learner text, OUT course text, OUT value float8, OUT baseline float8,
    OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r  @extschema@.alert_rule := @extschema@.rule_with_overrides(rule_name, overrides);
  d  date;
  fn regprocedure;
  started timestamptz := clock_timestamp();
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR from_day > to_day OR NOT isfinite(from_day) OR NOT isfinite(to_day)
     OR to_day - from_day > 3660 THEN
    RAISE EXCEPTION 'replay needs from_day <= to_day, finite, at most 10 years apart'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- a template without its data (alert_template.inputs) replays no alert; a WARNING says why
  IF NOT learnalytics_internal.rule_inputs_present(r) THEN
    RETURN;
  END IF;
  -- a template with a set-based replay (engagement_dip: one pass per learner over the summary)
  SELECT t.replay INTO fn FROM @extschema@.alert_template t WHERE t.name = r.template;
  IF fn IS NOT NULL THEN
    RETURN QUERY EXECUTE format('SELECT * FROM %s($1, $2, $3)',
                                learnalytics_internal.template_function(fn, 'replay', r.template))
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
  INSERT INTO la_replay_firing SELECT c.learner FROM learnalytics_internal.rule_candidates(r, from_day - 1) c
   WHERE c.persisted >= r.fire_after AND c.learner IS NOT NULL;
  d := from_day;
  WHILE d <= to_day LOOP
    TRUNCATE la_replay_today;
    INSERT INTO la_replay_today
    SELECT c.learner, c.course, c.value, c.baseline, c.ratio, c.persisted
      FROM learnalytics_internal.rule_candidates(r, d) c
     WHERE c.persisted >= r.fire_after AND c.learner IS NOT NULL;
    RETURN QUERY
      SELECT d, t.learner, t.course, t.value, t.baseline, t.ratio, t.persisted
        FROM la_replay_today t
       WHERE NOT EXISTS (SELECT 1 FROM la_replay_firing f WHERE f.learner = t.learner);
    TRUNCATE la_replay_firing;
    INSERT INTO la_replay_firing SELECT t.learner FROM la_replay_today t;
    IF (d - from_day) % 30 = 29 THEN
      PERFORM learnalytics_internal.progress_notice(format('replay of %s', r.name), 'days replayed',
                                                    d - from_day + 1, started, format('of %s days', to_day - from_day + 1));
    END IF;
    d := d + 1;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_replay_alerts(text, date, date, jsonb) IS
'the alerts a rule (with overrides) would have opened each day of a period; writes nothing';

CREATE FUNCTION @extschema@.rule_replay_daily(rule_name text, from_day date, to_day date,
    overrides jsonb DEFAULT '{}', OUT day date, OUT alerts bigint, OUT new_learners bigint)
RETURNS SETOF record
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
  WITH a AS (SELECT * FROM @extschema@.rule_replay_alerts(rule_name, from_day, to_day, overrides)),
  firsts AS (SELECT a.learner, pg_catalog.min(a.day) AS d FROM a GROUP BY a.learner)
  SELECT g::date,
         (SELECT pg_catalog.count(*) FROM a WHERE a.day OPERATOR(pg_catalog.=) g::date),
         (SELECT pg_catalog.count(*) FROM firsts f WHERE f.d OPERATOR(pg_catalog.=) g::date)
  FROM pg_catalog.generate_series(from_day::timestamp, to_day::timestamp, '1 day'::interval) g
  ORDER BY 1
$$;
COMMENT ON FUNCTION @extschema@.rule_replay_daily(text, date, date, jsonb) IS
'replay: alerts per day and learners alerted for the first time that day';

-- Replay with outcomes: alerts per day, learners touched, and against an outcomes relation
-- (learner, outcome, outcome time) precision, recall, lead time and the per-alert lift.
CREATE FUNCTION @extschema@.rule_replay(rule_name text, from_day date, to_day date,
    outcomes regclass DEFAULT NULL, horizon_days integer DEFAULT 14, overrides jsonb DEFAULT '{}',
    learner_column name DEFAULT 'learner', outcome_column name DEFAULT 'outcome',
    time_column name DEFAULT 'outcome_at', dropout_values text[] DEFAULT '{dropped_out,withdrawn}',
    OUT rule text, OUT rule_version integer, OUT parameters jsonb, OUT days integer,
    OUT alerts bigint, OUT alerts_per_day float8, OUT learners_enrolled bigint,
    OUT learners_touched bigint, OUT touched_share float8, OUT dropouts bigint,
    OUT dropouts_alerted bigint, OUT "precision" float8, OUT recall float8,
    OUT lead_time_mean float8, OUT lead_time_median float8, OUT alert_dropout_rate float8,
    OUT base_dropout_rate float8, OUT lift float8, OUT lift_low float8, OUT lift_high float8,
    OUT verdict text)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r    @extschema@.alert_rule := @extschema@.rule_with_overrides(rule_name, overrides);
  q    record;
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
  INSERT INTO la_replay_alerts SELECT a.day, a.learner FROM @extschema@.rule_replay_alerts(rule_name, from_day, to_day, overrides) a;

  -- learners enrolled in scope at some point of the period, with their first and last enrolled day
  IF to_regclass('pg_temp.la_replay_pop') IS NULL THEN
    CREATE TEMP TABLE la_replay_pop (learner text, first_day date, last_day date, out_day date) ON COMMIT DROP;
  END IF;
  TRUNCATE la_replay_pop;
  EXECUTE format(
    $q$INSERT INTO la_replay_pop
       SELECT e.learner, greatest(min(e.enrolled_day), $2), least(max(coalesce(e.left_day - 1, $3)), $3), NULL
         FROM %s e
        WHERE e.enrolled_day <= $3 AND (e.left_day IS NULL OR e.left_day > $2)
        GROUP BY e.learner$q$, learnalytics_internal.enrolled_sql())
  USING r, from_day, to_day;

  alerts := (SELECT count(*) FROM la_replay_alerts);
  alerts_per_day := alerts::float8 / days;
  learners_enrolled := (SELECT count(*) FROM la_replay_pop);
  learners_touched := (SELECT count(DISTINCT a.learner) FROM la_replay_alerts a);
  touched_share := learners_touched::float8 / NULLIF(learners_enrolled, 0);
  IF outcomes IS NULL THEN
    RETURN;
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(outcomes, 'rule_replay outcomes');

  -- outcomes: the learner's first dropout day (other outcomes end the learner's days at risk too)
  IF learner_column IS NULL OR outcome_column IS NULL OR time_column IS NULL THEN
    RAISE EXCEPTION 'learner_column, outcome_column and time_column must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  PERFORM learnalytics_internal.require_column(outcomes, learner_column, NULL, 'rule_replay field "learner_column"');
  PERFORM learnalytics_internal.require_column(outcomes, outcome_column, NULL, 'rule_replay field "outcome_column"');
  PERFORM learnalytics_internal.require_column(outcomes, time_column, 'time', 'rule_replay field "time_column"');
  ANALYZE la_replay_pop;
  -- the metrics are computed by learnalytics_internal.alert_quality (risk_evaluation.sql), shared
  -- with prediction_evaluate: the population's days at risk and days followed by dropout within the
  -- horizon per learner, the alerts, the outcomes
  PERFORM learnalytics_internal.eval_tables();
  PERFORM learnalytics_internal.eval_load_outcomes(outcomes, dropout_values, r.tz, 'rule_replay',
                                                   learner_column, outcome_column, time_column);
  INSERT INTO la_eval_alerts SELECT a.learner, a.day FROM la_replay_alerts a;
  INSERT INTO la_eval_pop
  SELECT p.learner, greatest(0, least(p.last_day, coalesce(o.end_day - 1, p.last_day)) - p.first_day + 1),
         CASE WHEN o.dropout_day IS NULL THEN 0
              ELSE greatest(0, least(p.last_day, o.dropout_day - 1) - greatest(p.first_day, o.dropout_day - horizon_days) + 1) END
    FROM la_replay_pop p LEFT JOIN la_eval_out o ON o.learner = p.learner;
  q := learnalytics_internal.alert_quality(from_day, to_day, horizon_days, 200, 1);
  dropouts := q.dropouts;
  dropouts_alerted := q.dropouts_alerted;
  "precision" := q.learner_precision;
  recall := q.recall;
  lead_time_mean := q.lead_time_mean;
  lead_time_median := q.lead_time_median;
  alert_dropout_rate := q."precision";
  base_dropout_rate := q.base_rate;
  lift := q.lift;
  lift_low := q.lift_low;
  lift_high := q.lift_high;
  verdict := q.verdict;
END
$$;
COMMENT ON FUNCTION @extschema@.rule_replay(text, date, date, regclass, integer, jsonb, name, name, name, text[]) IS
'replay a rule (with overrides) over a period without writing alerts: alerts per day, learners touched, and given outcomes precision, recall, lead time and per-alert lift';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
-- Analysts replay rules (replay needs TEMP on the database).
GRANT EXECUTE ON FUNCTION
  @extschema@.rule_replay_alerts(text, date, date, jsonb), @extschema@.rule_replay_daily(text, date, date, jsonb),
  @extschema@.rule_replay(text, date, date, regclass, integer, jsonb, name, name, name, text[])
  TO learnalytics_analyst;
