
-------------------------------------------------------------------------------
-- engagement: summaries of learner activity per calendar day (doc/engagement.md)
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.engagement_summary;

CREATE FUNCTION learnalytics_internal.la_engagement_in(cstring) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_out(@extschema@.engagement_summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'la_engagement_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_recv(internal) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_send(@extschema@.engagement_summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_engagement_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.engagement_summary (
  INPUT = learnalytics_internal.la_engagement_in,
  OUTPUT = learnalytics_internal.la_engagement_out,
  RECEIVE = learnalytics_internal.la_engagement_recv,
  SEND = learnalytics_internal.la_engagement_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);

COMMENT ON TYPE @extschema@.engagement_summary IS
'compact activity of one learner (or a cohort) per calendar day in a time zone: events, sessions, dwell, weight';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_in(cstring) IS 'text input of engagement_summary (JSON form)';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_out(@extschema@.engagement_summary) IS 'text output of engagement_summary (JSON form)';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_recv(internal) IS 'binary input of engagement_summary';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_send(@extschema@.engagement_summary) IS 'binary output of engagement_summary';

-- la_engagement_agg: one learner's events -> a learner summary -----------------

CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz, bigint) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz, bigint, text, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz, bigint) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz, bigint, text, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_engagement_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_engagement_final(internal) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz, bigint) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, text, timestamptz, bigint, text, interval) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz, bigint) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_sfunc(internal, bigint, timestamptz, bigint, text, interval) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_combine(internal, internal) IS 'combine function of la_engagement_agg (concatenates partial event sets)';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_serialize(internal) IS 'serializes a partial la_engagement_agg state';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_deserialize(bytea, internal) IS 'deserializes a partial la_engagement_agg state';
COMMENT ON FUNCTION learnalytics_internal.la_engagement_final(internal) IS 'final function of la_engagement_agg: sessions and days from the events';

CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz, weight bigint) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz, weight bigint, tz text, session_gap interval) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz, weight bigint) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz, weight bigint, tz text, session_gap interval) (
  SFUNC = learnalytics_internal.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = learnalytics_internal.la_engagement_final,
  COMBINEFUNC = learnalytics_internal.la_engagement_combine,
  SERIALFUNC = learnalytics_internal.la_engagement_serialize,
  DESERIALFUNC = learnalytics_internal.la_engagement_deserialize,
  PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.la_engagement_agg(text, timestamptz) IS
'engagement summary of one learner''s events (days in UTC, 30-minute session gap); group by the learner';
COMMENT ON AGGREGATE @extschema@.la_engagement_agg(text, timestamptz, bigint) IS
'engagement summary of one learner''s weighted events (days in UTC, 30-minute session gap)';
COMMENT ON AGGREGATE @extschema@.la_engagement_agg(text, timestamptz, bigint, text, interval) IS
'engagement summary of one learner''s events, days in the given time zone, sessions split at the given gap';
COMMENT ON AGGREGATE @extschema@.la_engagement_agg(bigint, timestamptz) IS
'engagement summary of one learner''s events (bigint learner key)';
COMMENT ON AGGREGATE @extschema@.la_engagement_agg(bigint, timestamptz, bigint) IS
'engagement summary of one learner''s weighted events (bigint learner key)';
COMMENT ON AGGREGATE @extschema@.la_engagement_agg(bigint, timestamptz, bigint, text, interval) IS
'engagement summary of one learner''s events in a time zone with a session gap (bigint learner key)';

-- rollups: the summary type is their state, so partial results ship as text ------

CREATE FUNCTION learnalytics_internal.la_engagement_merge(@extschema@.engagement_summary, @extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_engagement_merge(@extschema@.engagement_summary, @extschema@.engagement_summary) IS
'the summary of all events of two summaries of the same learner (sessions across them merged)';

CREATE FUNCTION learnalytics_internal.la_engagement_cohort_merge(@extschema@.engagement_summary, @extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_cohort_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_engagement_cohort_merge(@extschema@.engagement_summary, @extschema@.engagement_summary) IS
'cohort summary of two summaries of distinct learners (or cohorts): per-day sums';

CREATE FUNCTION learnalytics_internal.la_engagement_cohort(@extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_cohort' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_engagement_cohort(@extschema@.engagement_summary) IS
'the same activity as a cohort summary (learner key and session list dropped)';

CREATE AGGREGATE @extschema@.la_merge_agg(@extschema@.engagement_summary) (
  SFUNC = learnalytics_internal.la_engagement_merge, STYPE = @extschema@.engagement_summary,
  COMBINEFUNC = learnalytics_internal.la_engagement_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.la_merge_agg(@extschema@.engagement_summary) IS
'merges summaries of one learner (e.g. per-day rows) into the summary of all their events';

CREATE AGGREGATE @extschema@.la_engagement_cohort_agg(@extschema@.engagement_summary) (
  SFUNC = learnalytics_internal.la_engagement_cohort_merge, STYPE = @extschema@.engagement_summary,
  COMBINEFUNC = learnalytics_internal.la_engagement_cohort_merge,
  FINALFUNC = learnalytics_internal.la_engagement_cohort, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.la_engagement_cohort_agg(@extschema@.engagement_summary) IS
'cohort summary of summaries of distinct learners (feed each learner once): per-day sums and active learners';

-- accessors -------------------------------------------------------------------

CREATE FUNCTION @extschema@.daily_activity(summary @extschema@.engagement_summary,
    from_day date DEFAULT NULL, to_day date DEFAULT NULL,
    OUT day date, OUT events bigint, OUT sessions integer, OUT dwell interval,
    OUT weight bigint, OUT learners bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'la_engagement_daily' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 120;
COMMENT ON FUNCTION @extschema@.daily_activity(@extschema@.engagement_summary, date, date) IS
'zero-filled daily series from the first active day (or from_day, if later) to to_day (default: the last active day)';

CREATE FUNCTION @extschema@.engagement_baseline(summary @extschema@.engagement_summary, day date,
    days integer, metric text,
    OUT days_counted integer, OUT mean float8, OUT stddev float8, OUT median float8, OUT mad float8)
RETURNS record
AS 'MODULE_PATHNAME', 'la_engagement_baseline' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.engagement_baseline(@extschema@.engagement_summary, date, integer, text) IS
'trailing baseline over the given number of days before day, zero days counted from the first active day';

CREATE FUNCTION @extschema@.dip_ratio(summary @extschema@.engagement_summary, day date,
    days integer, metric text, window_days integer DEFAULT 1)
RETURNS float8
AS 'MODULE_PATHNAME', 'la_engagement_dip_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dip_ratio(@extschema@.engagement_summary, date, integer, text, integer) IS
'mean of the window_days days ending on day divided by the baseline mean of the days before them';

CREATE FUNCTION @extschema@.days_inactive(summary @extschema@.engagement_summary, as_of date)
RETURNS integer
AS 'MODULE_PATHNAME', 'la_engagement_days_inactive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.days_inactive(@extschema@.engagement_summary, date) IS
'days since the last active day on or before as_of (0 when active that day)';

CREATE FUNCTION @extschema@.activity_streak(summary @extschema@.engagement_summary, as_of date,
    OUT active boolean, OUT days integer)
RETURNS record
AS 'MODULE_PATHNAME', 'la_engagement_streak' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.activity_streak(@extschema@.engagement_summary, date) IS
'the active or inactive run of days that as_of belongs to, and its length';

CREATE FUNCTION @extschema@.dip_persistence(summary @extschema@.engagement_summary, as_of date,
    threshold numeric, days integer, metric text)
RETURNS integer
AS 'MODULE_PATHNAME', 'la_engagement_dip_persistence' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dip_persistence(@extschema@.engagement_summary, date, numeric, integer, text) IS
'consecutive days, ending on as_of, on which the metric was below threshold x its trailing baseline mean';

CREATE FUNCTION @extschema@.dip_alerts(summary @extschema@.engagement_summary, until date,
    threshold numeric, days integer, persist integer, metric text, from_day date DEFAULT NULL,
    OUT day date, OUT value bigint, OUT baseline float8, OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'la_engagement_dip_alerts' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION @extschema@.dip_alerts(@extschema@.engagement_summary, date, numeric, integer, integer, text, date) IS
'replay of the dip rule: each day on which a run of dip days reaches persist days, through until';

CREATE FUNCTION @extschema@.engagement_info(summary @extschema@.engagement_summary,
    OUT kind text, OUT learner text, OUT tz text, OUT session_gap interval, OUT learners bigint,
    OUT first_activity timestamptz, OUT last_activity timestamptz, OUT active_days integer,
    OUT events bigint, OUT sessions bigint, OUT dwell interval, OUT weight bigint,
    OUT skipped bigint, OUT bytes integer)
RETURNS record
AS 'MODULE_PATHNAME', 'la_engagement_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.engagement_info(@extschema@.engagement_summary) IS
'facts of a summary: kind, learner, time zone, gap, first and last activity, totals, skipped NULL timestamps, size';

-- persistence window functions --------------------------------------------------

CREATE FUNCTION @extschema@.held_since(condition boolean, ts timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'la_held_since' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.held_since(boolean, timestamptz) IS
'window function: start of the run of rows (in window order) on which condition has held, NULL where it does not hold';

CREATE FUNCTION @extschema@.held_for(condition boolean, ts timestamptz) RETURNS interval
AS 'MODULE_PATHNAME', 'la_held_for' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.held_for(boolean, timestamptz) IS
'window function: how long condition has held continuously as of the current row (ts - held_since)';

-- learner summaries kept in a table, and the analysts' views over them --------------

-- Several named sources (a course's clicks, a business unit's LMS, the xAPI store, a warehouse
-- table) each keep their own summary of a learner; readers merge a learner's summaries across
-- sources (learnalytics_internal.learner_summary). A refresh touches the rows of its source only.
CREATE TABLE @extschema@.learner_engagement (
  source       text NOT NULL DEFAULT 'default',
  learner      text NOT NULL,
  summary      @extschema@.engagement_summary NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (source, learner)
);
CREATE INDEX learner_engagement_learner ON @extschema@.learner_engagement (learner);
COMMENT ON TABLE @extschema@.learner_engagement IS
'one engagement summary per source and learner, refreshed by engagement_refresh() from the source''s activity table; readers merge a learner''s sources';
COMMENT ON COLUMN @extschema@.learner_engagement.source IS 'the name of the source (engagement_source.name) the summary was built from';
COMMENT ON COLUMN @extschema@.learner_engagement.learner IS 'the learner key, as text';
COMMENT ON COLUMN @extschema@.learner_engagement.summary IS 'the learner''s engagement summary of that source''s events';
COMMENT ON COLUMN @extschema@.learner_engagement.refreshed_at IS 'when the summary was last rebuilt';

-- The registry of sources: what engagement_refresh(source_name => ..., incremental => true) needs
-- to refresh a source by its name alone, and its watermark. Derived state like learner_engagement,
-- so not dumped: after a restore both are empty and the first refresh of a source is a full one.
CREATE TABLE @extschema@.engagement_source (
  name           text PRIMARY KEY CHECK (pg_catalog.btrim(name) <> ''),
  relation       regclass NOT NULL,
  learner_column name NOT NULL,
  ts_column      name NOT NULL,
  weight_column  name,
  tz             text NOT NULL,
  session_gap    interval NOT NULL,
  watermark      timestamptz,
  learners       bigint NOT NULL DEFAULT 0,
  refreshed_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  full_refreshed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  exclude_outliers boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.engagement_source IS
'the named sources of learner_engagement: relation, columns, time zone and session gap, and the watermark of incremental refreshes';
COMMENT ON COLUMN @extschema@.engagement_source.name IS 'the source name (learner_engagement.source)';
COMMENT ON COLUMN @extschema@.engagement_source.relation IS 'the activity table or view the source is read from';
COMMENT ON COLUMN @extschema@.engagement_source.learner_column IS 'its learner column';
COMMENT ON COLUMN @extschema@.engagement_source.ts_column IS 'its timestamptz column';
COMMENT ON COLUMN @extschema@.engagement_source.weight_column IS 'its integer weight column, NULL for none';
COMMENT ON COLUMN @extschema@.engagement_source.tz IS 'the time zone the summaries count days in';
COMMENT ON COLUMN @extschema@.engagement_source.session_gap IS 'the gap that splits sessions';
COMMENT ON COLUMN @extschema@.engagement_source.watermark IS 'the latest event time seen by the last refresh (NULL: none yet); an incremental refresh rebuilds the learners with later events';
COMMENT ON COLUMN @extschema@.engagement_source.learners IS 'the number of learners the last refresh rebuilt';
COMMENT ON COLUMN @extschema@.engagement_source.refreshed_at IS 'when the source was last refreshed (full or incremental)';
COMMENT ON COLUMN @extschema@.engagement_source.full_refreshed_at IS 'when the source was last refreshed in full';
COMMENT ON COLUMN @extschema@.engagement_source.exclude_outliers IS
'true: events of learner-days with an open outlier_burst finding are left out of the summaries (doc/quality.md, "Acting on findings")';

-- The learner-days a source's summaries leave out (exclude_outliers): the open outlier_burst findings
-- as of its last refresh, so that an incremental refresh rebuilds the learners whose set changed and
-- the alert engine treats those days as outage days of the learner. Derived state, not dumped; the
-- foreign key is deferred because a source's first refresh registers it at its end.
CREATE TABLE learnalytics_internal.engagement_excluded (
  source     text NOT NULL REFERENCES @extschema@.engagement_source (name)
             ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  learner    text NOT NULL,
  day        date NOT NULL,
  finding_id bigint,
  check_name text,
  PRIMARY KEY (source, learner, day)
);
CREATE INDEX engagement_excluded_learner ON learnalytics_internal.engagement_excluded (learner, day);
COMMENT ON TABLE learnalytics_internal.engagement_excluded IS
'per engagement source with exclude_outliers: the learner-days (open outlier_burst findings) its last refresh left out of the summaries';

CREATE FUNCTION @extschema@.engagement_refresh(
    source regclass DEFAULT NULL, learner_column name DEFAULT NULL, ts_column name DEFAULT NULL,
    weight_column name DEFAULT NULL, tz text DEFAULT NULL, session_gap interval DEFAULT NULL,
    source_name text DEFAULT 'default', incremental boolean DEFAULT false, exclude_outliers boolean DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  reg     @extschema@.engagement_source;
  rel     regclass := source;
  lcol    name := learner_column;
  tcol    name := ts_column;
  wcol    name := weight_column;
  zone    text := tz;
  gap     interval := session_gap;
  wm      timestamptz;
  new_wm  timestamptz;
  n       bigint;
  changed text[];
  clash   record;
  excl    boolean;
  moved   text[];
  skip    text := '';
BEGIN
  IF source_name IS NULL OR incremental IS NULL THEN
    RAISE EXCEPTION 'source_name and incremental must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF btrim(source_name) = '' THEN
    RAISE EXCEPTION 'engagement_refresh field "source_name" must not be blank' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- one refresh of a source at a time; refreshes of different sources run side by side
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.engagement_source'), hashtext(source_name));
  SELECT * INTO reg FROM @extschema@.engagement_source s WHERE s.name = source_name FOR UPDATE;

  IF rel IS NULL THEN
    -- by name: the registered definition; an argument given must agree with it
    IF reg.name IS NULL THEN
      RAISE EXCEPTION 'engagement source "%" does not exist', source_name
        USING ERRCODE = 'undefined_object',
              HINT = 'Refresh it once with its relation: engagement_refresh(''schema.table'', ..., source_name => ...).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = reg.relation) THEN
      RAISE EXCEPTION 'the relation of engagement source "%" no longer exists', source_name
        USING ERRCODE = 'undefined_table',
              HINT = 'Refresh the source in full with its new relation, or delete it from engagement_source.';
    END IF;
    IF (lcol IS NOT NULL AND lcol <> reg.learner_column) OR (tcol IS NOT NULL AND tcol <> reg.ts_column)
       OR (wcol IS NOT NULL AND wcol IS DISTINCT FROM reg.weight_column) OR (zone IS NOT NULL AND zone <> reg.tz)
       OR (gap IS NOT NULL AND gap <> reg.session_gap) THEN
      RAISE EXCEPTION 'engagement_refresh arguments differ from the registered definition of source "%"', source_name
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The source reads %s (learner %s, ts %s, weight %s) in time zone %s with a session gap of %s.',
                              reg.relation, reg.learner_column, reg.ts_column, coalesce(reg.weight_column, 'none'),
                              reg.tz, reg.session_gap),
              HINT = 'To change a source, refresh it in full naming its relation.';
    END IF;
    rel := reg.relation; lcol := reg.learner_column; tcol := reg.ts_column; wcol := reg.weight_column;
    zone := reg.tz; gap := reg.session_gap;
  ELSE
    lcol := coalesce(lcol, 'learner_id'); tcol := coalesce(tcol, 'ts');
    zone := coalesce(zone, 'UTC'); gap := coalesce(gap, interval '30 minutes');
    IF incremental AND reg.name IS NOT NULL
       AND (rel <> reg.relation OR lcol <> reg.learner_column OR tcol <> reg.ts_column
            OR wcol IS DISTINCT FROM reg.weight_column OR zone <> reg.tz OR gap <> reg.session_gap) THEN
      RAISE EXCEPTION 'incremental refresh of engagement source "%" with a different definition', source_name
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = format('The source reads %s (learner %s, ts %s, weight %s) in time zone %s with a session gap of %s.',
                              reg.relation, reg.learner_column, reg.ts_column, coalesce(reg.weight_column, 'none'),
                              reg.tz, reg.session_gap),
              HINT = 'Summaries of one source must share a definition: refresh it in full (incremental => false) to change it.';
    END IF;
  END IF;
  PERFORM learnalytics_internal.require_column(rel, lcol, NULL, 'engagement_refresh field "learner_column"');
  PERFORM learnalytics_internal.require_column(rel, tcol, 'timestamptz', 'engagement_refresh field "ts_column"');
  PERFORM learnalytics_internal.require_column(rel, wcol, 'integer', 'engagement_refresh field "weight_column"');
  PERFORM learnalytics_internal.require_trusted_relation(rel, 'engagement_refresh source');
  -- the time zone and gap, checked as the aggregate checks them, also when the source is empty
  PERFORM @extschema@.la_engagement_agg('-'::text, NULL::timestamptz, NULL::bigint, zone, gap);
  -- outlier exclusion: the argument, else the registered switch (off for a new source)
  excl := coalesce(exclude_outliers, reg.exclude_outliers, false);

  -- incremental: only once the source has a watermark; else (first refresh) in full.
  -- The new watermark is read first, the events summarized after it (a later snapshot, so a
  -- superset): an event committed in between is either in the summaries or after the watermark.
  wm := CASE WHEN incremental THEN reg.watermark END;
  -- the learner-days left out (exclude_outliers): the open outlier_burst findings now, in place of
  -- those of the last refresh; an incremental refresh also rebuilds the learners whose set changed
  -- (the keys come from findings, as text)
  IF excl OR EXISTS (SELECT 1 FROM learnalytics_internal.engagement_excluded x WHERE x.source = source_name) THEN
    IF wm IS NOT NULL THEN
      WITH cur AS (SELECT o.learner, o.day FROM learnalytics_internal.quality_outlier_days o
                    WHERE excl AND o.relation = rel),
      old AS (SELECT x.learner, x.day FROM learnalytics_internal.engagement_excluded x WHERE x.source = source_name)
      SELECT array_agg(DISTINCT d.learner) INTO moved
        FROM ((SELECT * FROM cur EXCEPT SELECT * FROM old) UNION ALL (SELECT * FROM old EXCEPT SELECT * FROM cur)) d;
    END IF;
    DELETE FROM learnalytics_internal.engagement_excluded x WHERE x.source = source_name;
    INSERT INTO learnalytics_internal.engagement_excluded (source, learner, day, finding_id, check_name)
    SELECT source_name, o.learner, o.day, min(o.finding_id), (array_agg(o.check_name ORDER BY o.finding_id))[1]
      FROM learnalytics_internal.quality_outlier_days o
     WHERE excl AND o.relation = rel   -- findings of checks over this source's relation only
     GROUP BY o.learner, o.day;
    IF excl THEN
      skip := format(' AND NOT EXISTS (SELECT 1 FROM learnalytics_internal.engagement_excluded x'
                     ' WHERE x.source = $3 AND x.learner = e.%1$I::text AND x.day = (e.%2$I AT TIME ZONE $1)::date)',
                     lcol, tcol);
    END IF;
  END IF;
  IF wm IS NULL THEN
    EXECUTE format('SELECT max(%2$I) FROM %3$s WHERE %1$I IS NOT NULL', lcol, tcol, rel) INTO new_wm;
    DELETE FROM @extschema@.learner_engagement le WHERE le.source = source_name;
    EXECUTE format(
      $q$INSERT INTO @extschema@.learner_engagement (source, learner, summary, refreshed_at)
         SELECT $3, e.%1$I::text, @extschema@.la_engagement_agg(e.%1$I::text, e.%2$I, %4$s, $1, $2), pg_catalog.now()
           FROM %3$s e WHERE e.%1$I IS NOT NULL%5$s GROUP BY e.%1$I::text$q$,
      lcol, tcol, rel, CASE WHEN wcol IS NULL THEN 'NULL::bigint' ELSE format('e.%I::bigint', wcol) END, skip)
    USING zone, gap, source_name;
    GET DIAGNOSTICS n = ROW_COUNT;
  ELSE
    -- the learners with events after the watermark (an index on the time column serves it), then
    -- all their events, compared in the column's own type (an index on it serves the rebuild)
    EXECUTE format('SELECT array_agg(DISTINCT %1$I::text), max(%2$I) FROM %3$s WHERE %1$I IS NOT NULL AND %2$I > $1',
                   lcol, tcol, rel)
      INTO changed, new_wm USING wm;
    n := 0;
    IF moved IS NOT NULL THEN
      -- learners whose excluded days changed: rebuilt from all their events; one all of whose events
      -- are now left out keeps no summary
      DELETE FROM @extschema@.learner_engagement le
       WHERE le.source = source_name AND (le.learner = ANY (moved) OR le.learner = ANY (changed));
    END IF;
    IF changed IS NOT NULL OR moved IS NOT NULL THEN
      EXECUTE format(
        $q$INSERT INTO @extschema@.learner_engagement AS le (source, learner, summary, refreshed_at)
           SELECT $3, e.%1$I::text, @extschema@.la_engagement_agg(e.%1$I::text, e.%2$I, %4$s, $1, $2), pg_catalog.now()
             FROM %3$s e WHERE (e.%1$I = ANY ($4::%5$s[])%7$s)%6$s GROUP BY e.%1$I::text
           ON CONFLICT (source, learner) DO UPDATE SET summary = EXCLUDED.summary, refreshed_at = EXCLUDED.refreshed_at$q$,
        lcol, tcol, rel, CASE WHEN wcol IS NULL THEN 'NULL::bigint' ELSE format('e.%I::bigint', wcol) END,
        (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = lcol), skip,
        -- keys from findings are text: compared as text (a scan, only when findings changed)
        CASE WHEN moved IS NULL THEN '' ELSE format(' OR (e.%1$I IS NOT NULL AND e.%1$I::text = ANY ($5))', lcol) END)
      USING zone, gap, source_name, coalesce(changed, '{}'), moved;
      GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
  END IF;

  -- a learner's summaries are merged across sources: they must count days in one time zone with
  -- one session gap (checked on the learners this refresh wrote that another source has too)
  SELECT o.source, oi.tz AS other_tz, oi.session_gap AS other_gap, ni.tz, ni.session_gap, count(*) OVER () AS learners
    INTO clash
    FROM @extschema@.learner_engagement nw
    JOIN @extschema@.learner_engagement o ON o.learner = nw.learner AND o.source <> nw.source
   CROSS JOIN LATERAL @extschema@.engagement_info(nw.summary) ni
   CROSS JOIN LATERAL @extschema@.engagement_info(o.summary) oi
   WHERE nw.source = source_name AND nw.refreshed_at = pg_catalog.now()
     AND (ni.tz <> oi.tz OR ni.session_gap <> oi.session_gap)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'engagement source "%" and source "%" summarize the same learners differently', source_name, clash.source
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('%s learner(s) of source "%s" (time zone %s, session gap %s) also have a summary of source "%s" (time zone %s, session gap %s).',
                            clash.learners, source_name, clash.tz, clash.session_gap, clash.source, clash.other_tz, clash.other_gap),
            HINT = 'A learner''s summaries are merged across sources, so they must share the time zone and the session gap: refresh one of the sources with the other''s.';
  END IF;

  INSERT INTO @extschema@.engagement_source AS s (name, relation, learner_column, ts_column, weight_column, tz,
      session_gap, watermark, learners, refreshed_at, full_refreshed_at, exclude_outliers)
  VALUES (source_name, rel, lcol, tcol, wcol, zone, gap, coalesce(new_wm, wm), n, pg_catalog.now(), pg_catalog.now(), excl)
  ON CONFLICT (name) DO UPDATE SET relation = EXCLUDED.relation, learner_column = EXCLUDED.learner_column,
      ts_column = EXCLUDED.ts_column, weight_column = EXCLUDED.weight_column, tz = EXCLUDED.tz,
      session_gap = EXCLUDED.session_gap, watermark = EXCLUDED.watermark, learners = EXCLUDED.learners,
      refreshed_at = EXCLUDED.refreshed_at, exclude_outliers = EXCLUDED.exclude_outliers,
      full_refreshed_at = CASE WHEN wm IS NULL THEN EXCLUDED.full_refreshed_at ELSE s.full_refreshed_at END;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.engagement_refresh(regclass, name, name, name, text, interval, text, boolean, boolean) IS
'refresh the summaries of one named source of learner_engagement from an activity table (learner, timestamptz, optional integer weight), in full or only the learners with events after its watermark, optionally leaving out learner-days of open outlier_burst findings; returns the number of learners rebuilt';

-- A learner's summary over all sources: la_merge_agg of their rows. A learner with one source (the
-- usual case) costs no merge: the aggregate takes its one summary as it is.
CREATE VIEW learnalytics_internal.learner_summary AS
SELECT le.learner, @extschema@.la_merge_agg(le.summary) AS summary
FROM @extschema@.learner_engagement le
GROUP BY le.learner;
COMMENT ON VIEW learnalytics_internal.learner_summary IS
'one engagement summary per learner: the learner''s summaries of every source of learner_engagement merged (la_merge_agg)';

CREATE VIEW @extschema@.learner_daily_engagement AS
SELECT le.learner, d.day, d.events, d.sessions, d.dwell, d.weight
FROM learnalytics_internal.learner_summary le
CROSS JOIN LATERAL @extschema@.engagement_info(le.summary) i
CROSS JOIN LATERAL @extschema@.daily_activity(le.summary, NULL,
    (pg_catalog.now() AT TIME ZONE i.tz)::date) d;
COMMENT ON VIEW @extschema@.learner_daily_engagement IS
'per learner and calendar day (in the summary''s time zone), zero-filled from the first active day to today, over all the learner''s sources';

-- The state of one summary as of a given day, under the dip rule's parameters (threshold, days of
-- baseline, metric, fire_after: the dip days that make a dip) and the inactivity rule's window_days:
-- what learner_engagement_state (dashboards.sql) shows with today and the shipped rules' values, so
-- that it can be asked for any day and any parameters and tested without reading the clock. No
-- defaults: the rules are the one source of the values. A standard-SQL body is parsed and bound
-- when the function is created, like a view, so no search_path applies when it runs; without a SET
-- clause, STRICT or a non-set result the planner inlines it into the view's query, which then costs
-- what the view's own joins did. A NULL argument gives no row.
CREATE FUNCTION @extschema@.engagement_state(summary @extschema@.engagement_summary, as_of date,
    threshold numeric, days integer, metric text, fire_after integer, window_days integer)
RETURNS TABLE (first_activity timestamptz, last_activity timestamptz, active_days integer, events bigint,
    days_inactive integer, active_today boolean, streak_days integer, baseline float8,
    baseline_days integer, dip_ratio float8, dip_days integer, state text, reason text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
SELECT i.first_activity, i.last_activity, i.active_days, i.events,
       @extschema@.days_inactive($1, $2),
       s.active, s.days,
       b.mean, b.days_counted,
       @extschema@.dip_ratio($1, $2, $4, $5),
       p.dip_days,
       CASE
         WHEN p.dip_days >= $6 THEN 'dip'
         WHEN @extschema@.days_inactive($1, $2) >= $7 THEN 'inactive'
         WHEN b.days_counted < $4 THEN 'new'
         ELSE 'engaged'
       END,
       CASE
         WHEN p.dip_days >= $6 THEN pg_catalog.format(
           '%s below %s%% of the %s-day mean for %s day%s (mean %s)', $5, pg_catalog.trim_scale($3 * 100), $4,
           p.dip_days, CASE WHEN p.dip_days = 1 THEN '' ELSE 's' END, pg_catalog.round(b.mean::numeric, 2))
         WHEN @extschema@.days_inactive($1, $2) >= $7 THEN pg_catalog.format(
           'no activity for %s days', @extschema@.days_inactive($1, $2))
         WHEN b.days_counted < $4 THEN pg_catalog.format('only %s days of history', b.days_counted)
       END
FROM @extschema@.engagement_info($1) i
CROSS JOIN @extschema@.activity_streak($1, $2) s
CROSS JOIN @extschema@.engagement_baseline($1, $2, $4, $5) b
CROSS JOIN (SELECT @extschema@.dip_persistence($1, $2, $3, $4, $5) AS dip_days) p
WHERE $1 IS NOT NULL AND $2 IS NOT NULL AND $3 IS NOT NULL AND $4 IS NOT NULL AND $5 IS NOT NULL
  AND $6 IS NOT NULL AND $7 IS NOT NULL;
END;
COMMENT ON FUNCTION @extschema@.engagement_state(@extschema@.engagement_summary, date, numeric, integer, text, integer, integer) IS
'a summary as of a day under a dip rule (threshold, baseline days, metric, fire_after) and an inactivity window: inactivity, streak, baseline, dip persistence and a state with its reason (learner_engagement_state passes today and the shipped rules)';

-- privileges (doc/roles.md): the admin role refreshes; analysts read the summaries and views
REVOKE ALL ON FUNCTION @extschema@.engagement_refresh(regclass, name, name, name, text, interval, text, boolean, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.engagement_refresh(regclass, name, name, name, text, interval, text, boolean, boolean)
  TO learnalytics_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.learner_engagement, @extschema@.engagement_source,
  learnalytics_internal.engagement_excluded TO learnalytics_admin;
GRANT SELECT ON @extschema@.learner_engagement, @extschema@.engagement_source, @extschema@.learner_daily_engagement,
  learnalytics_internal.learner_summary TO learnalytics_analyst;
-- functions a view calls run with the reader's rights: whoever reads learner_engagement_state
-- (dashboards.sql; directly, or through a view over it such as learner_risk_state) executes
-- engagement_state()
REVOKE ALL ON FUNCTION @extschema@.engagement_state(@extschema@.engagement_summary, date, numeric, integer, text, integer, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.engagement_state(@extschema@.engagement_summary, date, numeric, integer, text, integer, integer)
  TO learnalytics_viewer;

-- Job kind engagement_refresh (jobs.sql, doc/pg_cron.md): {"source": "schema.table", "learner_column",
-- "ts_column", "weight_column", "tz", "session_gap", "source_name", "incremental", "exclude_outliers"} (all optional, as
-- for the function, but one of source and source_name: a registered source refreshes by its name).
-- The source, its columns, the time zone and the gap are checked when the job is scheduled too.
CREATE FUNCTION learnalytics_internal.job_engagement_refresh(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  validate_only boolean := learnalytics_internal.job_args('engagement_refresh', args,
    '{source, learner_column, ts_column, weight_column, tz, session_gap, source_name, incremental, exclude_outliers}');
  source   regclass;
  learner  name := learnalytics_internal.job_arg_text('engagement_refresh', args, 'learner_column');
  ts       name := learnalytics_internal.job_arg_text('engagement_refresh', args, 'ts_column');
  weight   name := learnalytics_internal.job_arg_text('engagement_refresh', args, 'weight_column');
  tz       text := learnalytics_internal.job_arg_text('engagement_refresh', args, 'tz');
  gap      interval := learnalytics_internal.job_arg_text('engagement_refresh', args, 'session_gap')::interval;
  name_    text := coalesce(learnalytics_internal.job_arg_text('engagement_refresh', args, 'source_name'), 'default');
  incr     boolean := false;
  excl     boolean;
BEGIN
  IF args ? 'exclude_outliers' THEN
    IF jsonb_typeof(args -> 'exclude_outliers') <> 'boolean' THEN
      RAISE EXCEPTION 'job argument "exclude_outliers" of kind engagement_refresh must be a boolean, not %', args -> 'exclude_outliers'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    excl := (args ->> 'exclude_outliers')::boolean;
  END IF;
  IF args ? 'incremental' THEN
    IF jsonb_typeof(args -> 'incremental') <> 'boolean' THEN
      RAISE EXCEPTION 'job argument "incremental" of kind engagement_refresh must be a boolean, not %', args -> 'incremental'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    incr := (args ->> 'incremental')::boolean;
  END IF;
  IF learnalytics_internal.job_arg_text('engagement_refresh', args, 'source') IS NULL THEN
    IF NOT args ? 'source_name' THEN
      RAISE EXCEPTION 'job kind engagement_refresh needs the argument "source" or "source_name"'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Name the activity table ("source": "schema.table"), or a source registered by an earlier refresh ("source_name").';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.engagement_source s WHERE s.name = name_) THEN
      RAISE EXCEPTION 'engagement source "%" does not exist', name_
        USING ERRCODE = 'undefined_object',
              HINT = 'Refresh it once with its relation (engagement_refresh(''schema.table'', ..., source_name => ...)), or give the job its "source" too.';
    END IF;
  ELSE
    source := to_regclass(args ->> 'source');
    IF source IS NULL THEN
      RAISE EXCEPTION 'relation "%" does not exist', args ->> 'source'
        USING ERRCODE = 'undefined_table',
              HINT = 'A job resolves names with search_path = pg_catalog: name the source with its schema (public.events).';
    END IF;
  END IF;
  IF validate_only THEN
    IF source IS NOT NULL THEN
      PERFORM learnalytics_internal.require_column(source, coalesce(learner, 'learner_id'), NULL, 'engagement_refresh job field "learner_column"');
      PERFORM learnalytics_internal.require_column(source, coalesce(ts, 'ts'), 'timestamptz', 'engagement_refresh job field "ts_column"');
      PERFORM learnalytics_internal.require_column(source, weight, 'integer', 'engagement_refresh job field "weight_column"');
      PERFORM learnalytics_internal.require_trusted_relation(source, 'engagement_refresh source');
    END IF;
    PERFORM pg_catalog.now() AT TIME ZONE coalesce(tz, 'UTC');
    RETURN NULL;
  END IF;
  RETURN format('%s learners', @extschema@.engagement_refresh(source, learner, ts, weight, tz, gap, name_, incr, excl));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_engagement_refresh(jsonb) IS
'job handler of kind engagement_refresh: check the source and its columns, refresh its summaries in learner_engagement';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('engagement_refresh', 'learnalytics_internal.job_engagement_refresh(jsonb)',
   'engagement_refresh(...): refresh a source of learner_engagement from {"source": ...} or {"source_name": ...} and optionally learner_column, ts_column, weight_column, tz, session_gap, source_name, incremental, exclude_outliers');
GRANT EXECUTE ON FUNCTION learnalytics_internal.job_engagement_refresh(jsonb) TO learnalytics_admin;
