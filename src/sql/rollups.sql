
-------------------------------------------------------------------------------
-- rollups: incrementally maintained engagement rollups for analysts and BI tools (doc/rollups.md)
--   rollup                 registry: one row per rollup of an activity table
--   rollup_delta           changes captured by statement-level triggers on the source, not yet applied
--   rollup_learner_day     one engagement summary per learner, course and day
--   rollup_learner_week    the same rolled up per ISO week
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
'engagement summary of each learner''s events of one course on one day (in the rollup''s time zone); roll up with la_merge_agg';
COMMENT ON COLUMN @extschema@.rollup_learner_day.rollup IS 'rollup name';
COMMENT ON COLUMN @extschema@.rollup_learner_day.learner IS 'learner key, as text';
COMMENT ON COLUMN @extschema@.rollup_learner_day.course IS 'course ('''' when the rollup has no course column)';
COMMENT ON COLUMN @extschema@.rollup_learner_day.day IS 'calendar day in the rollup''s time zone';
COMMENT ON COLUMN @extschema@.rollup_learner_day.summary IS 'summary of that day''s events (a session crossing midnight is in both days and merges back when rolled up)';

CREATE TABLE @extschema@.rollup_learner_week (
  rollup  text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  learner text NOT NULL,
  course  text NOT NULL,
  week    date NOT NULL,
  summary @extschema@.engagement_summary NOT NULL,
  PRIMARY KEY (rollup, learner, course, week)
);
CREATE INDEX rollup_learner_week_course ON @extschema@.rollup_learner_week (rollup, course, week);
COMMENT ON TABLE @extschema@.rollup_learner_week IS
'engagement summary of each learner''s events of one course in one ISO week: the learner-day rows of the week, rolled up';
COMMENT ON COLUMN @extschema@.rollup_learner_week.rollup IS 'rollup name';
COMMENT ON COLUMN @extschema@.rollup_learner_week.learner IS 'learner key, as text';
COMMENT ON COLUMN @extschema@.rollup_learner_week.course IS 'course ('''' when the rollup has no course column)';
COMMENT ON COLUMN @extschema@.rollup_learner_week.week IS 'Monday of the ISO week, in the rollup''s time zone';
COMMENT ON COLUMN @extschema@.rollup_learner_week.summary IS 'summary of the learner''s events of the week';

CREATE TABLE @extschema@.rollup_course_week (
  rollup  text NOT NULL REFERENCES @extschema@.rollup ON DELETE CASCADE,
  course  text NOT NULL,
  week    date NOT NULL,
  summary @extschema@.engagement_summary NOT NULL,
  PRIMARY KEY (rollup, course, week)
);
COMMENT ON TABLE @extschema@.rollup_course_week IS
'cohort engagement summary of each course and ISO week (Monday), from the learner-week rows';
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
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_delta_seq_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_learner_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_learner_week', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_course_week', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rollup_activity_week', '');

-- The types a rollup reads from its source, and nothing else. The capture trigger runs with the
-- extension owner's rights and reads the learner, course and activity as text, the weight as bigint
-- and the time as timestamptz: for any other type (a composite, a domain, an extension's or a user's
-- type) that could call a function its owner wrote (a cast, an output function) with those rights.
-- Built-in types have built-in casts and output functions only: nobody but a superuser can add a
-- cast to a type owned by the bootstrap superuser. And the source must be a table: a view would run
-- its query, with any function in it, for whoever reads it (a superuser's rollup_rebuild, say).
-- Checked when a rollup is registered (the trigger on rollup) and every time its columns are read
-- (rollup_columns: the capture, the rebuild, the refresh), because ALTER TABLE can change, rename
-- or drop a column afterwards.
CREATE FUNCTION learnalytics_internal.rollup_check_columns(r @extschema@.rollup)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  keys  regtype[] := ARRAY['text', 'character varying', 'character', 'name', 'smallint', 'integer',
                           'bigint', 'numeric', 'uuid']::regtype[];
  role  text;
  col   name;
  typ   regtype;
  ok    regtype[];
BEGIN
  -- a table: reading a view (or a foreign table) would run its definition, with the reader's rights
  PERFORM learnalytics_internal.require_relation(r.source, 'table', format('rollup "%s" source', r.name),
            'Rollups capture changes with triggers: point them at the table that receives the events.');
  PERFORM learnalytics_internal.require_local_source(r.source, format('rollup "%s" source', r.name));
  FOR role, col, ok IN
    VALUES ('learner', r.learner_column, keys),
           ('ts', r.ts_column, ARRAY['timestamptz']::regtype[]),
           ('weight', r.weight_column, ARRAY['smallint', 'integer', 'bigint']::regtype[]),
           ('course', r.course_column, keys),
           ('activity', r.activity_column, keys)
  LOOP
    CONTINUE WHEN col IS NULL;
    typ := learnalytics_internal.column_type(r.source, col);
    IF typ IS NULL THEN
      RAISE EXCEPTION '% column "%" of rollup "%" does not exist in %', role, col, r.name, r.source
        USING ERRCODE = 'undefined_column',
              HINT = format('Drop the rollup (rollup_drop(%L)) and create it again with the table''s columns.', r.name);
    END IF;
    IF typ <> ALL (ok) THEN
      RAISE EXCEPTION '% column "%" of % has type %, which rollups do not read', role, col, r.source, typ
        USING ERRCODE = 'datatype_mismatch',
              DETAIL = format('A rollup''s %s column must be of one of the built-in types %s (not a domain, a composite or any other type).',
                              role, array_to_string(ok, ', ')),
              HINT = format('Change the column''s type, or drop the rollup with rollup_drop(%L).', r.name);
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rollup_check_columns(@extschema@.rollup) IS
'raise wrong_object_type, undefined_column or datatype_mismatch unless a rollup''s source is a table and every column it reads exists there with a built-in type rollups read';

-- The select list that turns rows of a source (alias s) into delta columns: learner, course,
-- activity, ts, weight. Column names only reach SQL through format('%I'); the source and the
-- columns' types are checked first, every time.
CREATE FUNCTION learnalytics_internal.rollup_columns(r @extschema@.rollup)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM learnalytics_internal.rollup_check_columns(r);
  RETURN format('s.%I::text, %s, %s, s.%I, %s',
                r.learner_column,
                CASE WHEN r.course_column IS NULL THEN '''''::text'
                     ELSE format('coalesce(s.%I::text, '''')', r.course_column) END,
                CASE WHEN r.activity_column IS NULL THEN 'NULL::text'
                     ELSE format('coalesce(s.%I::text, '''')', r.activity_column) END,
                r.ts_column,
                CASE WHEN r.weight_column IS NULL THEN 'NULL::bigint'
                     ELSE format('s.%I::bigint', r.weight_column) END);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rollup_columns(@extschema@.rollup) IS
'select list reading learner, course, activity, ts and weight of a rollup''s source (alias s), identifiers quoted, after checking the columns'' types';

-- Registering a rollup (rollup_create, or an INSERT or UPDATE of rollup by an admin) publishes the
-- columns it names: their values reach rollup_delta through the capture, which runs with the
-- extension owner's rights. So whoever registers them must be allowed to read them, the source
-- must be a table and the columns of types rollups read. A source that does not exist is let through
-- for a superuser only (a rollup whose table was dropped is restored by pg_dump, run as one, as it
-- was; nothing can be captured from it): anyone else is refused, or an admin could register the OID
-- of a table not yet created and capture the columns of whoever creates it.
CREATE FUNCTION learnalytics_internal.rollup_registry_check()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col name;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = NEW.source) THEN
    -- a dump restores rollups whose table was dropped, as a superuser; anyone else could register
    -- an OID a future table of another role's will get, and capture its columns
    IF coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rollup "%": source relation with OID % does not exist', NEW.name, NEW.source::oid
      USING ERRCODE = 'undefined_table',
            HINT = 'Register a rollup of an existing table (rollup_create).';
  END IF;
  FOREACH col IN ARRAY ARRAY[NEW.learner_column, NEW.ts_column, NEW.weight_column, NEW.course_column,
                             NEW.activity_column] LOOP
    CONTINUE WHEN learnalytics_internal.column_type(NEW.source, col) IS NULL;
    IF NOT has_column_privilege(NEW.source, col::text, 'SELECT') THEN
      RAISE EXCEPTION 'permission denied for column "%" of %', col, NEW.source
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Rollup "%s" would copy the column''s values into rollup_delta and the rollup tables.', NEW.name),
              HINT = 'A rollup reads only columns the role that registers it may read: grant SELECT on them first.';
    END IF;
  END LOOP;
  PERFORM learnalytics_internal.rollup_check_columns(NEW);
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rollup_registry_check() IS
'trigger on rollup: the role registering a rollup may read the columns it names, the source is a table and the columns have types rollups read';
CREATE TRIGGER rollup_registry_check BEFORE INSERT OR UPDATE OF source, learner_column, ts_column,
  weight_column, course_column, activity_column ON @extschema@.rollup
  FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.rollup_registry_check();
-- Nobody gets EXECUTE on the trigger function (a trigger fires without it). The column check is
-- called by the rebuild and the refresh, which run with the admin's rights.
REVOKE ALL ON FUNCTION learnalytics_internal.rollup_registry_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION learnalytics_internal.rollup_check_columns(@extschema@.rollup) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnalytics_internal.rollup_check_columns(@extschema@.rollup) TO learnalytics_admin;

-- Statement-level capture: one trigger per operation on the source (transition tables need one
-- event per trigger); every rollup of the source gets the changed rows. SECURITY DEFINER so that
-- anyone allowed to write the source records its changes without rights on rollup_delta. So it
-- evaluates nothing a user wrote (doc/roles.md, "Elevated rights"): it reads only columns of the
-- built-in types rollup_columns checks, and only from the statement's transition tables. A
-- trigger that calls it without them (an admin's own: the admin role may execute the function)
-- would leave la_old and la_new to the search path's pg_temp, where the writer's temporary table of
-- any columns would be read: such triggers are refused.
CREATE FUNCTION learnalytics_internal.rollup_capture()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r @extschema@.rollup;
BEGIN
  IF TG_LEVEL <> 'STATEMENT' OR TG_WHEN <> 'AFTER' OR NOT EXISTS (
       SELECT 1 FROM pg_trigger t
        WHERE t.tgrelid = TG_RELID AND t.tgname = TG_NAME
          AND t.tgoldtable IS NOT DISTINCT FROM
              (CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN 'la_old' END)::name
          AND t.tgnewtable IS NOT DISTINCT FROM
              (CASE WHEN TG_OP IN ('UPDATE', 'INSERT') THEN 'la_new' END)::name) THEN
    RAISE EXCEPTION 'trigger "%" on % is not a rollup capture trigger', TG_NAME, TG_RELID::regclass
      USING ERRCODE = 'trigger_protocol_violated',
            DETAIL = 'rollup_capture() serves the AFTER ... FOR EACH STATEMENT triggers that rollup_create() installs, which name their transition tables la_old and la_new.',
            HINT = 'Drop the trigger: rollup_create() installs the capture triggers of a table that has none.';
  END IF;
  FOR r IN SELECT * FROM @extschema@.rollup WHERE source = TG_RELID LOOP
    IF TG_OP = 'TRUNCATE' THEN
      -- the source is empty: so are its rollups
      DELETE FROM @extschema@.rollup_delta WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_learner_day WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_learner_week WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_course_week WHERE rollup = r.name;
      DELETE FROM @extschema@.rollup_activity_week WHERE rollup = r.name;
      CONTINUE;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      EXECUTE format('INSERT INTO @extschema@.rollup_delta (rollup, sign, learner, course, activity, ts, weight)
                      SELECT $1, -1, %s FROM la_old s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL',
                     learnalytics_internal.rollup_columns(r), r.learner_column, r.ts_column)
        USING r.name;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      EXECUTE format('INSERT INTO @extschema@.rollup_delta (rollup, sign, learner, course, activity, ts, weight)
                      SELECT $1, 1, %s FROM la_new s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL',
                     learnalytics_internal.rollup_columns(r), r.learner_column, r.ts_column)
        USING r.name;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rollup_capture() IS
'statement trigger on rollup sources: records inserted (+1) and deleted (-1) events in rollup_delta; TRUNCATE empties the rollups';

-- Look a rollup up, take its advisory lock (one refresh of a rollup at a time) and stop writers of
-- the source until the end of the transaction, so that the deltas claimed and the source rows read
-- are the same state.
-- Citus (doc/rollups.md, "Citus"): a rollup cannot capture the changes of a table Citus manages.
-- Citus writes a distributed, reference or Citus-managed local table's rows into its shards, so the
-- capture triggers (allowed with citus.enable_unsafe_triggers) fire on the shards, where no rollup
-- is registered, and record nothing: the rollup would silently miss every change. Citus is read from
-- its catalog at run time (pg_dist_partition lists the tables it manages; a partitioned source is
-- refused when the parent or any partition is listed, a partition when its ancestor is); the
-- extension does not depend on it, and without Citus the catalog does not exist.
CREATE FUNCTION learnalytics_internal.require_local_source(relation regclass, context text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  method "char";
BEGIN
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    RETURN;
  END IF;
  EXECUTE 'SELECT p.partmethod FROM pg_catalog.pg_dist_partition p
            WHERE p.logicalrelid IN (SELECT $1 UNION ALL SELECT t.relid FROM pg_catalog.pg_partition_tree($1) t
                                     UNION ALL SELECT a.relid FROM pg_catalog.pg_partition_ancestors($1) a)
            ORDER BY p.partmethod LIMIT 1'
    INTO method USING relation;
  IF method IS NOT NULL THEN
    RAISE EXCEPTION '%: % is a % table of Citus', context, relation,
                    CASE WHEN method = 'n' THEN 'reference or Citus-managed local' ELSE 'distributed' END
      USING ERRCODE = 'feature_not_supported',
            DETAIL = 'Citus writes its rows into shards: the capture triggers would fire there, find no rollup and record nothing.',
            HINT = 'Keep the source of a rollup a local table, or summarise a distributed events table with la_engagement_agg grouped by learner (doc/rollups.md, "Citus").';
  END IF;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.require_local_source(regclass, text) IS
'refuses (0A000) a relation Citus manages (distributed, reference or Citus-managed local, or a partition of one): rollups cannot capture its changes';

CREATE FUNCTION learnalytics_internal.rollup_begin(rollup_name text)
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
  PERFORM learnalytics_internal.require_trusted_relation(r.source, format('rollup "%s"', r.name));
  PERFORM learnalytics_internal.require_local_source(r.source, format('rollup "%s"', r.name));
  EXECUTE format('LOCK TABLE %s IN SHARE MODE', r.source);
  RETURN r;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.rollup_begin(text) IS
'start of a rollup refresh: the rollup''s row, after taking its advisory lock and a SHARE lock on its source';

-- Full rebuild: everything from the source, pending deltas discarded (the source already holds them).
CREATE FUNCTION @extschema@.rollup_rebuild(rollup_name text,
    OUT learner_days bigint, OUT learner_weeks bigint, OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
  r       @extschema@.rollup := learnalytics_internal.rollup_begin(rollup_name);
  started timestamptz := clock_timestamp();
  last    bigint;
BEGIN
  -- the function's TimeZone (restored on exit) is the rollup's: ts::timestamp and day::timestamptz
  -- are local times of its zone, resolved as the summaries resolve it
  PERFORM set_config('TimeZone', r.tz, true);
  SELECT max(seq) INTO last FROM @extschema@.rollup_delta WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_delta WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_learner_day WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_learner_week WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_course_week WHERE rollup = r.name;
  DELETE FROM @extschema@.rollup_activity_week WHERE rollup = r.name;

  EXECUTE format(
    'INSERT INTO @extschema@.rollup_learner_day (rollup, learner, course, day, summary)
     SELECT $1, learner, course, ts::timestamp::date,
            @extschema@.la_engagement_agg(learner, ts, weight, $2, $3)
       FROM (SELECT %s FROM %s s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL)
            AS e (learner, course, activity, ts, weight)
      GROUP BY learner, course, ts::timestamp::date',
    learnalytics_internal.rollup_columns(r), r.source, r.learner_column, r.ts_column)
  USING r.name, r.tz, r.session_gap;
  GET DIAGNOSTICS learner_days = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'learner-days built from the source', learner_days, started);

  INSERT INTO @extschema@.rollup_learner_week (rollup, learner, course, week, summary)
  SELECT r.name, d.learner, d.course, date_trunc('week', d.day)::date,
         @extschema@.la_merge_agg(d.summary)
    FROM @extschema@.rollup_learner_day d WHERE d.rollup = r.name
   GROUP BY d.learner, d.course, date_trunc('week', d.day)::date;
  GET DIAGNOSTICS learner_weeks = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'learner-weeks built', learner_weeks, started);

  INSERT INTO @extschema@.rollup_course_week (rollup, course, week, summary)
  SELECT r.name, w.course, w.week, @extschema@.la_engagement_cohort_agg(w.summary)
    FROM @extschema@.rollup_learner_week w WHERE w.rollup = r.name
   GROUP BY w.course, w.week;
  GET DIAGNOSTICS course_weeks = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'course-weeks built', course_weeks, started);

  activity_weeks := 0;
  IF r.activity_column IS NOT NULL THEN
    EXECUTE format(
      'INSERT INTO @extschema@.rollup_activity_week (rollup, course, activity, week, events, weight)
       SELECT $1, course, activity, date_trunc(''week'', ts::timestamp)::date, count(*),
              coalesce(sum(weight), 0)
         FROM (SELECT %s FROM %s s WHERE s.%I IS NOT NULL AND s.%I IS NOT NULL)
              AS e (learner, course, activity, ts, weight)
        GROUP BY 2, 3, 4',
      learnalytics_internal.rollup_columns(r), r.source, r.learner_column, r.ts_column)
    USING r.name;
    GET DIAGNOSTICS activity_weeks = ROW_COUNT;
    PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'activity-weeks built', activity_weeks, started);
  END IF;

  UPDATE @extschema@.rollup
     SET watermark = greatest(watermark, coalesce(last, 0)), rebuilt_at = clock_timestamp(),
         refreshed_at = clock_timestamp()
   WHERE name = r.name;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_rebuild(text) IS
'full rebuild of a rollup from its source (learner-days, learner-weeks, course-weeks, activity-weeks); pending changes are absorbed';

-- Incremental refresh: apply the pending deltas only.
CREATE FUNCTION @extschema@.rollup_refresh(rollup_name text,
    OUT changes bigint, OUT learner_days_merged bigint, OUT learner_days_recomputed bigint,
    OUT learner_weeks bigint, OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
DECLARE
  r       @extschema@.rollup := learnalytics_internal.rollup_begin(rollup_name);
  started timestamptz := clock_timestamp();
  last    bigint;
  n       bigint;
BEGIN
  PERFORM set_config('TimeZone', r.tz, true);
  IF to_regclass('pg_temp.la_rollup_claimed') IS NOT NULL THEN  -- left by a caught error
    DROP TABLE pg_temp.la_rollup_claimed;
  END IF;
  IF to_regclass('pg_temp.la_rollup_dirty') IS NOT NULL THEN
    DROP TABLE pg_temp.la_rollup_dirty;
  END IF;
  IF to_regclass('pg_temp.la_rollup_lweeks') IS NOT NULL THEN
    DROP TABLE pg_temp.la_rollup_lweeks;
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
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'changes claimed', changes, started);

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
    learnalytics_internal.rollup_columns(r), r.source, r.learner_column,
    format_type(learnalytics_internal.column_type(r.source, r.learner_column), NULL),
    r.ts_column, r.ts_column)
  USING r.name, r.tz, r.session_gap;
  GET DIAGNOSTICS learner_days_recomputed = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'learner-days recomputed from the source',
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
  DO UPDATE SET summary = learnalytics_internal.la_engagement_merge(t.summary, EXCLUDED.summary);
  GET DIAGNOSTICS learner_days_merged = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'learner-days merged', learner_days_merged, started);

  -- learner-weeks touched by a change: those with a recomputed day are rolled up again from their
  -- (at most 7) day rows; the others merge a summary of their new events
  CREATE TEMP TABLE la_rollup_lweeks ON COMMIT DROP AS
    SELECT learner, course, date_trunc('week', day)::date AS week, bool_or(sign < 0) AS dirty
      FROM la_rollup_claimed GROUP BY 1, 2, 3;
  ANALYZE la_rollup_lweeks;
  DELETE FROM @extschema@.rollup_learner_week w USING la_rollup_lweeks k
   WHERE k.dirty AND w.rollup = r.name AND w.learner = k.learner AND w.course = k.course AND w.week = k.week;
  INSERT INTO @extschema@.rollup_learner_week (rollup, learner, course, week, summary)
  SELECT r.name, k.learner, k.course, k.week, @extschema@.la_merge_agg(d.summary)
    FROM la_rollup_lweeks k
    JOIN @extschema@.rollup_learner_day d
      ON d.rollup = r.name AND d.learner = k.learner AND d.course = k.course
     AND d.day >= k.week AND d.day < k.week + 7
   WHERE k.dirty
   GROUP BY k.learner, k.course, k.week;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO @extschema@.rollup_learner_week AS t (rollup, learner, course, week, summary)
  SELECT r.name, c.learner, c.course, k.week,
         @extschema@.la_engagement_agg(c.learner, c.ts, c.weight, r.tz, r.session_gap)
    FROM la_rollup_claimed c
    JOIN la_rollup_lweeks k
      ON k.learner = c.learner AND k.course = c.course AND k.week = date_trunc('week', c.day)::date
   WHERE NOT k.dirty
   GROUP BY c.learner, c.course, k.week
  ON CONFLICT (rollup, learner, course, week)
  DO UPDATE SET summary = learnalytics_internal.la_engagement_merge(t.summary, EXCLUDED.summary);
  GET DIAGNOSTICS learner_weeks = ROW_COUNT;
  learner_weeks := learner_weeks + n;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'learner-weeks recomputed', learner_weeks, started);

  -- course-weeks touched by any change: the cohort of their learner-week rows
  CREATE TEMP TABLE la_rollup_weeks ON COMMIT DROP AS SELECT DISTINCT course, week FROM la_rollup_lweeks;
  ANALYZE la_rollup_weeks;
  DELETE FROM @extschema@.rollup_course_week w USING la_rollup_weeks k
   WHERE w.rollup = r.name AND w.course = k.course AND w.week = k.week;
  INSERT INTO @extschema@.rollup_course_week (rollup, course, week, summary)
  SELECT r.name, k.course, k.week, @extschema@.la_engagement_cohort_agg(w.summary)
    FROM la_rollup_weeks k
    JOIN @extschema@.rollup_learner_week w ON w.rollup = r.name AND w.course = k.course AND w.week = k.week
   GROUP BY k.course, k.week;
  GET DIAGNOSTICS course_weeks = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('rollup ' || r.name, 'course-weeks recomputed', course_weeks, started);

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
       AND (t.course, t.week) IN (SELECT k.course, k.week FROM la_rollup_weeks k);
  END IF;

  UPDATE @extschema@.rollup
     SET watermark = greatest(watermark, coalesce(last, 0)), refreshed_at = clock_timestamp()
   WHERE name = r.name;
  DROP TABLE la_rollup_claimed, la_rollup_dirty, la_rollup_lweeks, la_rollup_weeks;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_refresh(text) IS
'incremental refresh of a rollup: merges the captured inserts, recomputes learner-days with deletes or updates, re-aggregates the touched learner-weeks and course-weeks';

CREATE FUNCTION @extschema@.rollup_refresh_all(
    OUT rollup text, OUT changes bigint, OUT learner_days_merged bigint, OUT learner_days_recomputed bigint,
    OUT learner_weeks bigint, OUT course_weeks bigint, OUT activity_weeks bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  FOR rollup IN SELECT name FROM @extschema@.rollup ORDER BY name LOOP
    SELECT * INTO changes, learner_days_merged, learner_days_recomputed, learner_weeks, course_weeks,
                  activity_weeks
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
  PERFORM learnalytics_internal.require_relation(source, 'table', 'rollup_create field "source"',
            'Rollups capture changes with triggers: point them at the table that receives the events.');
  PERFORM learnalytics_internal.require_column(source, learner_column, NULL, 'rollup_create field "learner_column"');
  PERFORM learnalytics_internal.require_column(source, ts_column, 'timestamptz', 'rollup_create field "ts_column"');
  PERFORM learnalytics_internal.require_column(source, weight_column, 'integer', 'rollup_create field "weight_column"');
  PERFORM learnalytics_internal.require_column(source, course_column, NULL, 'rollup_create field "course_column"');
  PERFORM learnalytics_internal.require_column(source, activity_column, NULL, 'rollup_create field "activity_column"');
  -- the summaries validate the time zone and the gap
  PERFORM @extschema@.la_engagement_agg('x'::text, now(), NULL::bigint, tz, session_gap);

  INSERT INTO @extschema@.rollup (name, source, learner_column, ts_column, weight_column, course_column,
                                  activity_column, tz, session_gap)
  VALUES (name, source, learner_column, ts_column, weight_column, course_column, activity_column, tz,
          session_gap);

  FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
    -- a trigger of that name that is not the capture trigger would be refused when it fires
    IF EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = source AND t.tgname = 'learnalytics_rollup_' || op
                  AND (t.tgfoid <> 'learnalytics_internal.rollup_capture()'::regprocedure
                       OR t.tgtype::int & 67 <> 0    -- ROW, BEFORE or INSTEAD
                       OR t.tgoldtable IS DISTINCT FROM (CASE WHEN op IN ('update', 'delete') THEN 'la_old' END)::name
                       OR t.tgnewtable IS DISTINCT FROM (CASE WHEN op IN ('update', 'insert') THEN 'la_new' END)::name)) THEN
      RAISE EXCEPTION 'trigger "%" on % is not a rollup capture trigger', 'learnalytics_rollup_' || op, source
        USING ERRCODE = 'duplicate_object',
              HINT = 'Drop it: rollup_create() installs the capture triggers of a table that has none.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = source
                      AND t.tgname = 'learnalytics_rollup_' || op) THEN
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.rollup_capture()',
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
  -- (the source may be gone already: a dropped table took its triggers with it)
  IF NOT EXISTS (SELECT 1 FROM @extschema@.rollup WHERE source = src)
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = src) THEN
    FOREACH op IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'learnalytics_rollup_' || op, src);
    END LOOP;
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.rollup_drop(text) IS
'unregister a rollup: its rows go, and the capture triggers too when no other rollup reads the source';

-- scheduling with pg_cron (doc/pg_cron.md): job kind rollup_refresh -------------------------

-- Job kind rollup_refresh (jobs.sql): {"rollup": name} refreshes that rollup, which must exist when
-- the job is scheduled and when it runs; no argument refreshes every rollup (rollup_refresh_all).
CREATE FUNCTION learnalytics_internal.job_rollup_refresh(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('rollup_refresh', args, '{rollup}');
  rname text := learnalytics_internal.job_arg_text('rollup_refresh', args, 'rollup');
  res  text;
BEGIN
  IF rname IS NOT NULL AND NOT EXISTS (SELECT 1 FROM @extschema@.rollup r WHERE r.name = rname) THEN
    RAISE EXCEPTION 'rollup "%" does not exist', rname
      USING ERRCODE = 'undefined_object',
            HINT = 'Create it with rollup_create(); SELECT name FROM rollup lists the existing ones.';
  END IF;
  IF validate_only THEN
    RETURN NULL;
  END IF;
  IF rname IS NOT NULL THEN
    SELECT format('rollup %s: %s changes', rname, r.changes) INTO res FROM @extschema@.rollup_refresh(rname) r;
  ELSE
    SELECT format('%s rollups: %s changes', count(*), coalesce(sum(r.changes), 0)) INTO res
      FROM @extschema@.rollup_refresh_all() r;
  END IF;
  RETURN res;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_rollup_refresh(jsonb) IS
'job handler of kind rollup_refresh: incremental refresh of {"rollup": name}, or of every rollup';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('rollup_refresh', 'learnalytics_internal.job_rollup_refresh(jsonb)',
   'rollup_refresh(rollup): incremental refresh of {"rollup": name}, or without arguments rollup_refresh_all()');


-- The learner-level rollups: the admin role maintains all rows, analysts see every learner, other
-- roles the learners of the org units they manage (the functions of org_units.sql).
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['rollup_learner_day', 'rollup_learner_week'] LOOP
    EXECUTE pg_catalog.format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE pg_catalog.format('CREATE POLICY admin_all ON @extschema@.%I TO learnalytics_admin USING (true) WITH CHECK (true)', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY admin_all ON @extschema@.%I IS %L', t, 'the admin role maintains every row');
    EXECUTE pg_catalog.format(
      'CREATE POLICY learner_scope ON @extschema@.%I FOR SELECT
         USING ((SELECT learnalytics_internal.sees_all_learners()) OR learner IN (SELECT learnalytics_internal.managed_learners()))', t);
    EXECUTE pg_catalog.format('COMMENT ON POLICY learner_scope ON @extschema@.%I IS %L', t,
      'analysts see every learner; other roles only the learners of the org units they manage');
  END LOOP;
END
$rls$;
-- views for analysts and BI tools (security_invoker: the reader's row-level security applies) ---

CREATE VIEW @extschema@.rollup_daily_engagement WITH (security_invoker = true) AS
SELECT d.rollup, d.learner, d.course, d.day, a.events, a.sessions, a.dwell, a.weight
FROM @extschema@.rollup_learner_day d
CROSS JOIN LATERAL @extschema@.daily_activity(d.summary, d.day, d.day) a;
COMMENT ON VIEW @extschema@.rollup_daily_engagement IS
'daily engagement per learner and course (only active days): events, sessions, dwell and weight of the day''s events';

-- A calendar of weeks per rollup and course, from its first week with data to its last: a week
-- without activity is a row of zeros, so the change columns compare each week with the calendar
-- week before it, not with the last week that had data (NULL after a week of zero).
CREATE VIEW @extschema@.weekly_course_engagement WITH (security_invoker = true) AS
WITH span AS (
  SELECT r.rollup, r.course, min(r.week) AS first_week, max(r.week) AS last_week
  FROM @extschema@.rollup_course_week r GROUP BY r.rollup, r.course
), w AS (
  SELECT s.rollup, s.course, g::date AS week,
         coalesce(i.learners, 0) AS learners, coalesce(i.active_days, 0) AS active_days,
         coalesce(i.events, 0) AS events, coalesce(i.sessions, 0) AS sessions,
         coalesce(i.dwell, '0'::interval) AS dwell, coalesce(i.weight, 0) AS weight
  FROM span s
  CROSS JOIN LATERAL generate_series(s.first_week::timestamp, s.last_week::timestamp, '1 week'::interval) g
  LEFT JOIN @extschema@.rollup_course_week r
         ON r.rollup = s.rollup AND r.course = s.course AND r.week = g::date
  LEFT JOIN LATERAL @extschema@.engagement_info(r.summary) i ON true
)
SELECT w.rollup, w.course, w.week, w.learners AS active_learners, w.active_days, w.events, w.sessions,
       w.dwell, w.weight,
       round(w.events::numeric / nullif(w.learners, 0), 2) AS events_per_learner,
       round(100 * (w.learners::numeric / nullif(lag(w.learners) OVER prev, 0) - 1), 1) AS learners_change_pct,
       round(100 * (w.events::numeric / nullif(lag(w.events) OVER prev, 0) - 1), 1) AS events_change_pct
FROM w
WINDOW prev AS (PARTITION BY w.rollup, w.course ORDER BY w.week);
COMMENT ON VIEW @extschema@.weekly_course_engagement IS
'per course and ISO week, a calendar from the course''s first week with data to its last (weeks without activity are zeros): active learners, events, sessions, dwell, weight, events per learner and the change from the calendar week before';

CREATE VIEW @extschema@.engagement_heatmap WITH (security_invoker = true) AS
SELECT a.rollup, a.course, a.activity, a.week, a.events, a.weight,
       round(100 * a.events::numeric / sum(a.events) OVER (PARTITION BY a.rollup, a.course, a.week), 2)
         AS share_pct,
       rank() OVER (PARTITION BY a.rollup, a.course, a.week ORDER BY a.events DESC) AS rank_in_week
FROM @extschema@.rollup_activity_week a;
COMMENT ON VIEW @extschema@.engagement_heatmap IS
'activity x week: events and weight per course, activity and ISO week, the activity''s share of the course''s events that week and its rank';

CREATE VIEW @extschema@.org_unit_daily_engagement WITH (security_invoker = true) AS
SELECT d.rollup, lo.org_unit, d.day, count(DISTINCT d.learner) AS active_learners,
       sum(a.events) AS events, sum(a.sessions) AS sessions, sum(a.dwell) AS dwell, sum(a.weight) AS weight
FROM @extschema@.rollup_learner_day d
JOIN @extschema@.learner_org_unit lo ON lo.learner = d.learner
CROSS JOIN LATERAL @extschema@.daily_activity(d.summary, d.day, d.day) a
GROUP BY d.rollup, lo.org_unit, d.day;
COMMENT ON VIEW @extschema@.org_unit_daily_engagement IS
'per org unit and day: active learners, events, sessions, dwell and weight (a manager sees only their own org units)';

-- privileges (doc/roles.md) -----------------------------------------------------------------

REVOKE ALL ON FUNCTION @extschema@.rollup_create(text, regclass, name, name, name, name, name, text, interval, boolean),
  @extschema@.rollup_drop(text), @extschema@.rollup_rebuild(text), @extschema@.rollup_refresh(text),
  @extschema@.rollup_refresh_all(),
  learnalytics_internal.rollup_begin(text),
  learnalytics_internal.rollup_capture(), learnalytics_internal.job_rollup_refresh(jsonb)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rollup_create(text, regclass, name, name, name, name, name, text, interval, boolean),
  @extschema@.rollup_drop(text), @extschema@.rollup_rebuild(text), @extschema@.rollup_refresh(text),
  @extschema@.rollup_refresh_all(),
  learnalytics_internal.rollup_begin(text),
  learnalytics_internal.rollup_capture(), learnalytics_internal.job_rollup_refresh(jsonb)
  TO learnalytics_admin;
GRANT EXECUTE ON FUNCTION learnalytics_internal.rollup_columns(@extschema@.rollup),
  learnalytics_internal.require_local_source(regclass, text)
  TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.rollup, @extschema@.rollup_delta,
  @extschema@.rollup_learner_day, @extschema@.rollup_learner_week, @extschema@.rollup_course_week,
  @extschema@.rollup_activity_week
  TO learnalytics_admin;
GRANT SELECT ON @extschema@.rollup TO learnalytics_analyst;
GRANT SELECT ON @extschema@.rollup_learner_day, @extschema@.rollup_learner_week, @extschema@.rollup_course_week,
  @extschema@.rollup_activity_week,
  @extschema@.rollup_daily_engagement, @extschema@.weekly_course_engagement, @extschema@.engagement_heatmap,
  @extschema@.org_unit_daily_engagement
  TO learnalytics_viewer;
