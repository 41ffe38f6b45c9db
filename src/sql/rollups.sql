
-------------------------------------------------------------------------------
-- rollups: incrementally maintained engagement rollups for analysts and BI tools (doc/rollups.md)
--   rollup                 registry: one row per rollup of an activity table
--   rollup_delta           changes captured by statement-level triggers on the source, not yet applied
--   rollup_learner_day     one engagement summary per learner, course and day
--   rollup_course_week     one cohort summary per course and ISO week
--   rollup_activity_week   event counts per course, activity and ISO week (the heatmap)
-- An incremental refresh claims the pending deltas (DELETE ... RETURNING), merges inserted events
-- into the day summaries with la_engagement_merge, recomputes from the source only the learner-days
-- that lost or changed events, and re-aggregates only the course-weeks the deltas touched, from the
-- day rows. It gives exactly what rollup_rebuild() gives (sql/70_rollups.sql checks it).
-------------------------------------------------------------------------------

CREATE TABLE @extschema@.rollup (
  name            text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  source          regclass NOT NULL,
  learner_column  name NOT NULL,
  ts_column       name NOT NULL,
  weight_column   name,
  course_column   name,
  activity_column name,
  tz              text NOT NULL DEFAULT 'UTC',
  session_gap     interval NOT NULL DEFAULT '30 minutes',
  watermark       bigint NOT NULL DEFAULT 0,
  refreshed_at    timestamptz,
  rebuilt_at      timestamptz
);
COMMENT ON TABLE @extschema@.rollup IS
'registry of engagement rollups: which activity table, which columns, time zone and session gap (rollup_create)';
COMMENT ON COLUMN @extschema@.rollup.name IS 'rollup name (lower-case identifier), the key of its rows in the rollup tables';
COMMENT ON COLUMN @extschema@.rollup.source IS 'the activity table (plain or partitioned) whose changes are captured';
COMMENT ON COLUMN @extschema@.rollup.learner_column IS 'learner key column of the source';
COMMENT ON COLUMN @extschema@.rollup.ts_column IS 'event time column of the source (timestamptz)';
COMMENT ON COLUMN @extschema@.rollup.weight_column IS 'optional integer weight column (e.g. clicks, seconds)';
COMMENT ON COLUMN @extschema@.rollup.course_column IS 'optional course column: rows are kept per course ('''' when absent)';
COMMENT ON COLUMN @extschema@.rollup.activity_column IS 'optional activity column: feeds rollup_activity_week (the heatmap)';
COMMENT ON COLUMN @extschema@.rollup.tz IS 'time zone of the days';
COMMENT ON COLUMN @extschema@.rollup.session_gap IS 'inactivity gap that closes a session';
COMMENT ON COLUMN @extschema@.rollup.watermark IS 'sequence number of the last captured change applied';
COMMENT ON COLUMN @extschema@.rollup.refreshed_at IS 'end of the last incremental refresh';
COMMENT ON COLUMN @extschema@.rollup.rebuilt_at IS 'end of the last full rebuild';

CREATE TABLE @extschema@.rollup_delta (
  seq      bigint GENERATED ALWAYS AS IDENTITY,
  rollup   text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  sign     smallint NOT NULL CHECK (sign IN (-1, 1)),
  learner  text NOT NULL,
  course   text NOT NULL,
  activity text,
  ts       timestamptz NOT NULL,
  weight   bigint
);
CREATE INDEX rollup_delta_rollup ON @extschema@.rollup_delta (rollup);
COMMENT ON TABLE @extschema@.rollup_delta IS
'changes of rollup sources not yet applied: +1 per inserted event, -1 per deleted one (an update is both)';
COMMENT ON COLUMN @extschema@.rollup_delta.seq IS 'capture order (the rollup''s watermark is the last one applied)';
COMMENT ON COLUMN @extschema@.rollup_delta.rollup IS 'the rollup the change is for';
COMMENT ON COLUMN @extschema@.rollup_delta.sign IS '+1 inserted event, -1 deleted event';
COMMENT ON COLUMN @extschema@.rollup_delta.learner IS 'learner key, as text';
COMMENT ON COLUMN @extschema@.rollup_delta.course IS 'course, as text ('''' when the rollup has no course column or it is NULL)';
COMMENT ON COLUMN @extschema@.rollup_delta.activity IS 'activity, as text (NULL without an activity column)';
COMMENT ON COLUMN @extschema@.rollup_delta.ts IS 'event time';
COMMENT ON COLUMN @extschema@.rollup_delta.weight IS 'event weight (NULL without a weight column)';

CREATE TABLE @extschema@.rollup_learner_day (
  rollup  text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  learner text NOT NULL,
  course  text NOT NULL,
  day     date NOT NULL,
  summary @extschema@.engagement_summary NOT NULL,
  PRIMARY KEY (rollup, learner, course, day)
);
CREATE INDEX rollup_learner_day_course ON @extschema@.rollup_learner_day (rollup, course, day);
COMMENT ON TABLE @extschema@.rollup_learner_day IS
'engagement summary of each learner''s events of one course on one day (in the rollup''s time zone); roll up with la_engagement_rollup_agg';
COMMENT ON COLUMN @extschema@.rollup_learner_day.rollup IS 'rollup name';
COMMENT ON COLUMN @extschema@.rollup_learner_day.learner IS 'learner key, as text';
COMMENT ON COLUMN @extschema@.rollup_learner_day.course IS 'course ('''' when the rollup has no course column)';
COMMENT ON COLUMN @extschema@.rollup_learner_day.day IS 'calendar day in the rollup''s time zone';
COMMENT ON COLUMN @extschema@.rollup_learner_day.summary IS 'summary of that day''s events (a session crossing midnight is in both days and merges back when rolled up)';

CREATE TABLE @extschema@.rollup_course_week (
  rollup  text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  course  text NOT NULL,
  week    date NOT NULL,
  summary @extschema@.engagement_summary NOT NULL,
  PRIMARY KEY (rollup, course, week)
);
COMMENT ON TABLE @extschema@.rollup_course_week IS
'cohort engagement summary of each course and ISO week (Monday), from the learner-day rows';
COMMENT ON COLUMN @extschema@.rollup_course_week.rollup IS 'rollup name';
COMMENT ON COLUMN @extschema@.rollup_course_week.course IS 'course ('''' when the rollup has no course column)';
COMMENT ON COLUMN @extschema@.rollup_course_week.week IS 'Monday of the ISO week';
COMMENT ON COLUMN @extschema@.rollup_course_week.summary IS 'cohort summary: per-day sums over the learners active that week';

CREATE TABLE @extschema@.rollup_activity_week (
  rollup   text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  course   text NOT NULL,
  activity text NOT NULL,
  week     date NOT NULL,
  events   bigint NOT NULL,
  weight   bigint NOT NULL,
  PRIMARY KEY (rollup, course, activity, week)
);
COMMENT ON TABLE @extschema@.rollup_activity_week IS
'events and weight per course, activity and ISO week (rollups with an activity column only)';
COMMENT ON COLUMN @extschema@.rollup_activity_week.rollup IS 'rollup name';
COMMENT ON COLUMN @extschema@.rollup_activity_week.course IS 'course ('''' when the rollup has no course column)';
COMMENT ON COLUMN @extschema@.rollup_activity_week.activity IS 'activity ('''' when NULL in the source)';
COMMENT ON COLUMN @extschema@.rollup_activity_week.week IS 'Monday of the ISO week, in the rollup''s time zone';
COMMENT ON COLUMN @extschema@.rollup_activity_week.events IS 'number of events';
COMMENT ON COLUMN @extschema@.rollup_activity_week.weight IS 'sum of the weights (NULL weights count 0)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_delta', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_learner_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_course_week', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_activity_week', '');

-- The select list that turns rows of a source (alias s) into delta columns: learner, course,
-- activity, ts, weight. Column names only reach SQL through format('%I').
CREATE FUNCTION @extschema@.la_rollup_columns(r @extschema@.rollup)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('s.%I::text, %s, %s, s.%I, %s',
                r.learner_column,
                CASE WHEN r.course_column IS NULL THEN '''''::text'
                     ELSE format('coalesce(s.%I::text, '''')', r.course_column) END,
                CASE WHEN r.activity_column IS NULL THEN 'NULL::text'
                     ELSE format('coalesce(s.%I::text, '''')', r.activity_column) END,
                r.ts_column,
                CASE WHEN r.weight_column IS NULL THEN 'NULL::bigint'
                     ELSE format('s.%I::bigint', r.weight_column) END)
$$;
COMMENT ON FUNCTION @extschema@.la_rollup_columns(@extschema@.rollup) IS
'select list reading learner, course, activity, ts and weight of a rollup''s source (alias s), identifiers quoted';

-- Statement-level capture: one trigger per operation on the source (transition tables need one
-- event per trigger); every rollup of the source gets the changed rows. SECURITY DEFINER so that
-- anyone allowed to write the source records its changes without rights on rollup_delta.
CREATE FUNCTION @extschema@.la_rollup_capture()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.rollup;
BEGIN
  FOR r IN SELECT * FROM @extschema@.rollup WHERE source = TG_RELID LOOP
    IF TG_OP = 'TRUNCATE' THEN
      -- the source is empty: so are its rollups
      DELETE FROM @extschema@.rollup_delta WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_learner_day WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_course_week WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_activity_week WHERE rollup = r.name;
      CONTINUE;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      EXECUTE format('INSERT INTO @extschema@.rollup_delta (rollup, sign, learner, course, activity, ts, weight)
                      SELECT $1, -1, %s FROM la_old s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL',
                     @extschema@.la_rollup_columns(r), r.learner_column, r.ts_column)
        USING r.name;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      EXECUTE format('INSERT INTO @extschema@.rollup_delta (rollup, sign, learner, course, activity, ts, weight)
                      SELECT $1, 1, %s FROM la_new s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL',
                     @extschema@.la_rollup_columns(r), r.learner_column, r.ts_column)
        USING r.name;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.la_rollup_capture() IS
'statement trigger on rollup sources: records inserted (+1) and deleted (-1) events in rollup_delta; TRUNCATE empties the rollups';

-- A NOTICE for long refreshes: after a phase that handled many rows or took a while.
CREATE FUNCTION @extschema@.la_rollup_progress(rollup text, phase text, n bigint, started timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF n >= 100000 OR clock_timestamp() - started > interval '2 seconds' THEN
    RAISE NOTICE 'rollup %: % (% rows, % s)', rollup, phase, n,
      round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.la_rollup_progress(text, text, bigint, timestamptz) IS
'progress NOTICE of a rollup refresh phase (only for phases of 100,000 rows or more than 2 seconds)';

-- Look a rollup up, take its advisory lock (one refresh of a rollup at a time) and stop writers of
-- the source until the end of the transaction, so that the deltas claimed and the source rows read
-- are the same state.
CREATE FUNCTION @extschema@.la_rollup_begin(rollup_name text)
RETURNS @extschema@.rollup
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.rollup;
BEGIN
  PERFORM pg_advisory_xact_lock(1819042147, hashtext(rollup_name));
  SELECT * INTO r FROM @extschema@.rollup WHERE name = rollup_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rollup "%" does not exist', rollup_name
      USING ERRCODE = 'undefined_object',
            HINT = 'Create it with rollup_create(); SELECT name FROM rollup lists the existing ones.';
  END IF;
  EXECUTE format('LOCK TABLE %s IN SHARE MODE', r.source);
  RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@.la_rollup_begin(text) IS
'start of a rollup refresh: the rollup''s row, after taking its advisory lock and a SHARE lock on its source';

-- Cohort summaries of the given course-weeks, from the learner-day rows (each learner rolled up
-- over the week first, then the learners combined).
CREATE FUNCTION @extschema@.la_rollup_course_weeks(rollup_name text, keys regclass)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format(
    'DELETE FROM @extschema@.rollup_course_week w USING %s k
      WHERE w.rollup = $1 AND w.course = k.course AND w.week = k.week', keys) USING rollup_name;
  EXECUTE format(
    'INSERT INTO @extschema@.rollup_course_week (rollup, course, week, summary)
     SELECT $1, course, week, @extschema@.la_engagement_cohort_agg(ls)
       FROM (SELECT d.course, k.week, d.learner, @extschema@.la_engagement_rollup_agg(d.summary) AS ls
               FROM %s k JOIN @extschema@.rollup_learner_day d
                 ON d.rollup = $1 AND d.course = k.course AND d.day >= k.week AND d.day < k.week + 7
              GROUP BY d.course, k.week, d.learner) x
      GROUP BY course, week', keys) USING rollup_name;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.la_rollup_course_weeks(text, regclass) IS
'recompute the course-week cohort summaries of the (course, week) keys listed in a table, from rollup_learner_day';

-- Full rebuild: everything from the source, pending deltas discarded (the source already holds them).
CREATE FUNCTION @extschema@.rollup_rebuild(rollup_name text,
    OUT learner_days bigint, OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
  r       @extschema@.rollup := @extschema@.la_rollup_begin(rollup_name);
  started timestamptz := clock_timestamp();
  last    bigint;
BEGIN
  -- the function's TimeZone (restored on exit) is the rollup's: ts::timestamp and day::timestamptz
  -- are local times of its zone, resolved as the summaries resolve it
  PERFORM set_config('TimeZone', r.tz, true);
  SELECT max(seq) INTO last FROM @extschema@.rollup_delta WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_delta WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_learner_day WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_course_week WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_activity_week WHERE rollup = r.name;

  EXECUTE format(
    'INSERT INTO @extschema@.rollup_learner_day (rollup, learner, course, day, summary)
     SELECT $1, learner, course, ts::timestamp::date,
            @extschema@.la_engagement_agg(learner, ts, weight, $2, $3)
       FROM (SELECT %s FROM %s s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL)
            AS e (learner, course, activity, ts, weight)
      GROUP BY learner, course, ts::timestamp::date',
    @extschema@.la_rollup_columns(r), r.source, r.learner_column, r.ts_column)
  USING r.name, r.tz, r.session_gap;
  GET DIAGNOSTICS learner_days = ROW_COUNT;
  PERFORM @extschema@.la_rollup_progress(r.name, 'learner-days built from the source', learner_days, started);

  INSERT INTO @extschema@.rollup_course_week (rollup, course, week, summary)
  SELECT r.name, course, week, @extschema@.la_engagement_cohort_agg(ls)
    FROM (SELECT d.course, date_trunc('week', d.day)::date AS week, d.learner,
                 @extschema@.la_engagement_rollup_agg(d.summary) AS ls
            FROM @extschema@.rollup_learner_day d WHERE d.rollup = r.name
           GROUP BY 1, 2, 3) x
   GROUP BY course, week;
  GET DIAGNOSTICS course_weeks = ROW_COUNT;
  PERFORM @extschema@.la_rollup_progress(r.name, 'course-weeks built', course_weeks, started);

  activity_weeks := 0;
  IF r.activity_column IS NOT NULL THEN
    EXECUTE format(
      'INSERT INTO @extschema@.rollup_activity_week (rollup, course, activity, week, events, weight)
       SELECT $1, course, activity, date_trunc(''week'', ts::timestamp)::date, count(*),
              coalesce(sum(weight), 0)
         FROM (SELECT %s FROM %s s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL)
              AS e (learner, course, activity, ts, weight)
        GROUP BY 2, 3, 4',
      @extschema@.la_rollup_columns(r), r.source, r.learner_column, r.ts_column)
    USING r.name;
    GET DIAGNOSTICS activity_weeks = ROW_COUNT;
    PERFORM @extschema@.la_rollup_progress(r.name, 'activity-weeks built', activity_weeks, started);
  END IF;

  UPDATE @extschema@.rollup
     SET watermark = greatest(watermark, coalesce(last, 0)), rebuilt_at = clock_timestamp(),
         refreshed_at = clock_timestamp()
   WHERE name = r.name;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_rebuild(text) IS
'full rebuild of a rollup from its source (learner-days, course-weeks, activity-weeks); pending changes are absorbed';

-- Incremental refresh: apply the pending deltas only.
CREATE FUNCTION @extschema@.rollup_refresh(rollup_name text,
    OUT changes bigint, OUT learner_days_merged bigint, OUT learner_days_recomputed bigint,
    OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
  r       @extschema@.rollup := @extschema@.la_rollup_begin(rollup_name);
  started timestamptz := clock_timestamp();
  last    bigint;
BEGIN
  PERFORM set_config('TimeZone', r.tz, true);
  IF to_regclass('pg_temp.la_rollup_claimed') IS NOT NULL THEN  -- left by a caught error
    DROP TABLE pg_temp.la_rollup_claimed;
  END IF;
  IF to_regclass('pg_temp.la_rollup_dirty') IS NOT NULL THEN
    DROP TABLE pg_temp.la_rollup_dirty;
  END IF;
  IF to_regclass('pg_temp.la_rollup_weeks') IS NOT NULL THEN
    DROP TABLE pg_temp.la_rollup_weeks;
  END IF;
  CREATE TEMP TABLE la_rollup_claimed (seq bigint, sign smallint, learner text, course text,
    activity text, ts timestamptz, weight bigint, day date) ON COMMIT DROP;
  -- claim: the deltas leave the queue in the same statement that reads them
  WITH d AS (DELETE FROM @extschema@.rollup_delta WHERE rollup = r.name
             RETURNING seq, sign, learner, course, activity, ts, weight)
  INSERT INTO la_rollup_claimed SELECT d.*, d.ts::timestamp::date FROM d;
  GET DIAGNOSTICS changes = ROW_COUNT;
  SELECT max(seq) INTO last FROM la_rollup_claimed;
  PERFORM @extschema@.la_rollup_progress(r.name, 'changes claimed', changes, started);

  -- learner-days that lost events (deletes, the old side of updates) are recomputed from the source
  CREATE TEMP TABLE la_rollup_dirty ON COMMIT DROP AS
    SELECT DISTINCT learner, course, day FROM la_rollup_claimed WHERE sign < 0;
  ANALYZE la_rollup_dirty;
  DELETE FROM @extschema@.rollup_learner_day d USING la_rollup_dirty k
   WHERE d.rollup = r.name AND d.learner = k.learner AND d.course = k.course AND d.day = k.day;
  EXECUTE format(
    'INSERT INTO @extschema@.rollup_learner_day (rollup, learner, course, day, summary)
     SELECT $1, e.learner, e.course, k.day, @extschema@.la_engagement_agg(e.learner, e.ts, e.weight, $2, $3)
       FROM la_rollup_dirty k
       CROSS JOIN LATERAL (SELECT %s FROM %s s
                            WHERE s.%I = k.learner::%s
                              AND s.%I >= (k.day - 1)::timestamptz AND s.%I < (k.day + 2)::timestamptz)
            AS e (learner, course, activity, ts, weight)
      WHERE e.course = k.course AND e.ts::timestamp::date = k.day
      GROUP BY e.learner, e.course, k.day',
    @extschema@.la_rollup_columns(r), r.source, r.learner_column,
    format_type((SELECT atttypid FROM pg_attribute WHERE attrelid = r.source AND attname = r.learner_column), NULL),
    r.ts_column, r.ts_column)
  USING r.name, r.tz, r.session_gap;
  GET DIAGNOSTICS learner_days_recomputed = ROW_COUNT;
  PERFORM @extschema@.la_rollup_progress(r.name, 'learner-days recomputed from the source',
                                         learner_days_recomputed, started);

  -- inserted events of the other learner-days are merged into the existing summaries
  INSERT INTO @extschema@.rollup_learner_day AS t (rollup, learner, course, day, summary)
  SELECT r.name, c.learner, c.course, c.day,
         @extschema@.la_engagement_agg(c.learner, c.ts, c.weight, r.tz, r.session_gap)
    FROM la_rollup_claimed c
   WHERE c.sign > 0
     AND NOT EXISTS (SELECT 1 FROM la_rollup_dirty k
                      WHERE k.learner = c.learner AND k.course = c.course AND k.day = c.day)
   GROUP BY c.learner, c.course, c.day
  ON CONFLICT (rollup, learner, course, day)
  DO UPDATE SET summary = @extschema@.la_engagement_merge(t.summary, EXCLUDED.summary);
  GET DIAGNOSTICS learner_days_merged = ROW_COUNT;
  PERFORM @extschema@.la_rollup_progress(r.name, 'learner-days merged', learner_days_merged, started);

  -- course-weeks touched by any change, re-aggregated from the day rows
  CREATE TEMP TABLE la_rollup_weeks ON COMMIT DROP AS
    SELECT DISTINCT course, date_trunc('week', day)::date AS week FROM la_rollup_claimed;
  course_weeks := @extschema@.la_rollup_course_weeks(r.name, 'pg_temp.la_rollup_weeks'::regclass);
  PERFORM @extschema@.la_rollup_progress(r.name, 'course-weeks recomputed', course_weeks, started);

  -- the heatmap's counts are sums: deltas add up exactly
  activity_weeks := 0;
  IF r.activity_column IS NOT NULL AND changes > 0 THEN
    INSERT INTO @extschema@.rollup_activity_week AS t (rollup, course, activity, week, events, weight)
    SELECT r.name, c.course, coalesce(c.activity, ''), date_trunc('week', c.day)::date,
           sum(c.sign), coalesce(sum(c.sign * c.weight), 0)
      FROM la_rollup_claimed c
     GROUP BY 2, 3, 4
    ON CONFLICT (rollup, course, activity, week)
    DO UPDATE SET events = t.events + EXCLUDED.events, weight = t.weight + EXCLUDED.weight;
    GET DIAGNOSTICS activity_weeks = ROW_COUNT;
    DELETE FROM @extschema@.rollup_activity_week t
     WHERE t.rollup = r.name AND t.events = 0
       AND (t.course, t.week) IN (SELECT course, week FROM la_rollup_weeks);
  END IF;

  UPDATE @extschema@.rollup
     SET watermark = greatest(watermark, coalesce(last, 0)), refreshed_at = clock_timestamp()
   WHERE name = r.name;
  DROP TABLE la_rollup_claimed, la_rollup_dirty, la_rollup_weeks;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_refresh(text) IS
'incremental refresh of a rollup: merges the captured inserts, recomputes learner-days with deletes or updates, re-aggregates the touched course-weeks';

CREATE FUNCTION @extschema@.rollup_refresh_all(
    OUT rollup text, OUT changes bigint, OUT learner_days_merged bigint, OUT learner_days_recomputed bigint,
    OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  FOR rollup IN SELECT name FROM @extschema@.rollup ORDER BY name LOOP
    SELECT * INTO changes, learner_days_merged, learner_days_recomputed, course_weeks, activity_weeks
      FROM @extschema@.rollup_refresh(rollup);
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_refresh_all() IS
'incremental refresh of every registered rollup, one row per rollup';

-- Register a rollup of an activity table, install the capture triggers and build it.
CREATE FUNCTION @extschema@.rollup_create(name text, source regclass,
    learner_column name DEFAULT 'learner_id', ts_column name DEFAULT 'ts',
    weight_column name DEFAULT NULL, course_column name DEFAULT NULL, activity_column name DEFAULT NULL,
    tz text DEFAULT 'UTC', session_gap interval DEFAULT '30 minutes', build boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col  name;
  typ  regtype;
  kind "char";
  op   text;
BEGIN
  IF name IS NULL OR source IS NULL OR learner_column IS NULL OR ts_column IS NULL OR tz IS NULL
     OR session_gap IS NULL THEN
    RAISE EXCEPTION 'name, source, learner_column, ts_column, tz and session_gap must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid rollup name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use a lower-case identifier: a letter, then letters, digits or underscores.';
  END IF;
  IF EXISTS (SELECT 1 FROM @extschema@.rollup r WHERE r.name = rollup_create.name) THEN
    RAISE EXCEPTION 'rollup "%" already exists', name
      USING ERRCODE = 'duplicate_object',
            HINT = 'Drop it first with rollup_drop(), or choose another name.';
  END IF;
  SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = source;
  IF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION '% is not a table', source
      USING ERRCODE = 'wrong_object_type',
            HINT = 'Rollups capture changes with triggers: point them at the table that receives the events.';
  END IF;
  FOREACH col IN ARRAY ARRAY[learner_column, ts_column, weight_column, course_column, activity_column] LOOP
    CONTINUE WHEN col IS NULL;
    typ := @extschema@.source_column_type(source, col);
    IF typ IS NULL THEN
      RAISE EXCEPTION 'column "%" does not exist in %', col, source USING ERRCODE = 'undefined_column';
    END IF;
  END LOOP;
  IF @extschema@.source_column_type(source, ts_column) <> 'timestamptz'::regtype THEN
    RAISE EXCEPTION 'column "%" of % must be timestamptz, not %', ts_column, source,
                    @extschema@.source_column_type(source, ts_column)
      USING ERRCODE = 'datatype_mismatch';
  END IF;
  IF weight_column IS NOT NULL AND @extschema@.source_column_type(source, weight_column)
       NOT IN ('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype) THEN
    RAISE EXCEPTION 'column "%" of % must be an integer type, not %', weight_column, source,
                    @extschema@.source_column_type(source, weight_column)
      USING ERRCODE = 'datatype_mismatch';
  END IF;
  -- the summaries validate the time zone and the gap
  PERFORM @extschema@.la_engagement_agg('x'::text, now(), NULL::bigint, tz, session_gap);

  INSERT INTO @extschema@.rollup (name, source, learner_column, ts_column, weight_column, course_column,
                                  activity_column, tz, session_gap)
  VALUES (name, source, learner_column, ts_column, weight_column, course_column, activity_column, tz,
          session_gap);

  FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = source
                      AND t.tgname = 'learnalytics_rollup_' || op) THEN
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.la_rollup_capture()',
                     'learnalytics_rollup_' || op, op, source,
                     CASE op WHEN 'insert' THEN 'REFERENCING NEW TABLE AS la_new'
                             WHEN 'update' THEN 'REFERENCING OLD TABLE AS la_old NEW TABLE AS la_new'
                             WHEN 'delete' THEN 'REFERENCING OLD TABLE AS la_old'
                             ELSE '' END);
    END IF;
  END LOOP;
  IF build THEN
    PERFORM @extschema@.rollup_rebuild(name);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_create(text, regclass, name, name, name, name, name, text, interval, boolean) IS
'register an engagement rollup of an activity table, install its capture triggers and (by default) build it';

CREATE FUNCTION @extschema@.rollup_drop(rollup_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src regclass;
  op  text;
BEGIN
  DELETE FROM @extschema@.rollup WHERE name = rollup_name RETURNING source INTO src;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'rollup "%" does not exist', rollup_name USING ERRCODE = 'undefined_object';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM @extschema@.rollup WHERE source = src) THEN
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'learnalytics_rollup_' || op, src);
    END LOOP;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_drop(text) IS
'unregister a rollup: its rows go, and the capture triggers too when no other rollup reads the source';
