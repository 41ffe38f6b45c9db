
-------------------------------------------------------------------------------
-- engagement: summaries of learner activity per calendar day (doc/engagement.md)
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.engagement_summary;

CREATE FUNCTION @extschema@.la_engagement_in(cstring) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_out(@extschema@.engagement_summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'la_engagement_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_recv(internal) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_send(@extschema@.engagement_summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_engagement_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.engagement_summary (
  INPUT = @extschema@.la_engagement_in,
  OUTPUT = @extschema@.la_engagement_out,
  RECEIVE = @extschema@.la_engagement_recv,
  SEND = @extschema@.la_engagement_send,
  INTERNALLENGTH = VARIABLE,
  STORAGE = extended
);

COMMENT ON TYPE @extschema@.engagement_summary IS
'compact activity of one learner (or a cohort) per calendar day in a time zone: events, sessions, dwell, weight';
COMMENT ON FUNCTION @extschema@.la_engagement_in(cstring) IS 'text input of engagement_summary (JSON form)';
COMMENT ON FUNCTION @extschema@.la_engagement_out(@extschema@.engagement_summary) IS 'text output of engagement_summary (JSON form)';
COMMENT ON FUNCTION @extschema@.la_engagement_recv(internal) IS 'binary input of engagement_summary';
COMMENT ON FUNCTION @extschema@.la_engagement_send(@extschema@.engagement_summary) IS 'binary output of engagement_summary';

-- la_engagement_agg: one learner's events -> a learner summary -----------------

CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz, bigint) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz, bigint, text, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz, bigint) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz, bigint, text, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'la_engagement_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_engagement_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_engagement_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.la_engagement_final(internal) RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz, bigint) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, text, timestamptz, bigint, text, interval) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz, bigint) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_sfunc(internal, bigint, timestamptz, bigint, text, interval) IS 'transition function of la_engagement_agg';
COMMENT ON FUNCTION @extschema@.la_engagement_combine(internal, internal) IS 'combine function of la_engagement_agg (concatenates partial event sets)';
COMMENT ON FUNCTION @extschema@.la_engagement_serialize(internal) IS 'serializes a partial la_engagement_agg state';
COMMENT ON FUNCTION @extschema@.la_engagement_deserialize(bytea, internal) IS 'deserializes a partial la_engagement_agg state';
COMMENT ON FUNCTION @extschema@.la_engagement_final(internal) IS 'final function of la_engagement_agg: sessions and days from the events';

CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz, weight bigint) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner text, ts timestamptz, weight bigint, tz text, session_gap interval) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz, weight bigint) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.la_engagement_agg(learner bigint, ts timestamptz, weight bigint, tz text, session_gap interval) (
  SFUNC = @extschema@.la_engagement_sfunc, STYPE = internal, SSPACE = 2048,
  FINALFUNC = @extschema@.la_engagement_final,
  COMBINEFUNC = @extschema@.la_engagement_combine,
  SERIALFUNC = @extschema@.la_engagement_serialize,
  DESERIALFUNC = @extschema@.la_engagement_deserialize,
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

CREATE FUNCTION @extschema@.la_engagement_merge(@extschema@.engagement_summary, @extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.la_engagement_merge(@extschema@.engagement_summary, @extschema@.engagement_summary) IS
'the summary of all events of two summaries of the same learner (sessions across them merged)';

CREATE FUNCTION @extschema@.la_engagement_cohort_merge(@extschema@.engagement_summary, @extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_cohort_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.la_engagement_cohort_merge(@extschema@.engagement_summary, @extschema@.engagement_summary) IS
'cohort summary of two summaries of distinct learners (or cohorts): per-day sums';

CREATE FUNCTION @extschema@.la_engagement_cohort(@extschema@.engagement_summary)
RETURNS @extschema@.engagement_summary
AS 'MODULE_PATHNAME', 'la_engagement_cohort' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.la_engagement_cohort(@extschema@.engagement_summary) IS
'the same activity as a cohort summary (learner key and session list dropped)';

CREATE AGGREGATE @extschema@.la_engagement_rollup_agg(@extschema@.engagement_summary) (
  SFUNC = @extschema@.la_engagement_merge, STYPE = @extschema@.engagement_summary,
  COMBINEFUNC = @extschema@.la_engagement_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.la_engagement_rollup_agg(@extschema@.engagement_summary) IS
'merges summaries of one learner (e.g. per-day rows) into the summary of all their events';

CREATE AGGREGATE @extschema@.la_engagement_cohort_agg(@extschema@.engagement_summary) (
  SFUNC = @extschema@.la_engagement_cohort_merge, STYPE = @extschema@.engagement_summary,
  COMBINEFUNC = @extschema@.la_engagement_cohort_merge,
  FINALFUNC = @extschema@.la_engagement_cohort, PARALLEL = SAFE);
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
    days integer DEFAULT 14, metric text DEFAULT 'events',
    OUT days_counted integer, OUT mean float8, OUT stddev float8, OUT median float8, OUT mad float8)
RETURNS record
AS 'MODULE_PATHNAME', 'la_engagement_baseline' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.engagement_baseline(@extschema@.engagement_summary, date, integer, text) IS
'trailing baseline over the given number of days before day, zero days counted from the first active day';

CREATE FUNCTION @extschema@.dip_ratio(summary @extschema@.engagement_summary, day date,
    days integer DEFAULT 14, metric text DEFAULT 'events', window_days integer DEFAULT 1)
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
    threshold numeric DEFAULT 0.6, days integer DEFAULT 14, metric text DEFAULT 'events')
RETURNS integer
AS 'MODULE_PATHNAME', 'la_engagement_dip_persistence' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dip_persistence(@extschema@.engagement_summary, date, numeric, integer, text) IS
'consecutive days, ending on as_of, on which the metric was below threshold x its trailing baseline mean';

CREATE FUNCTION @extschema@.dip_alerts(summary @extschema@.engagement_summary, until date,
    threshold numeric DEFAULT 0.6, days integer DEFAULT 14, persist integer DEFAULT 3,
    metric text DEFAULT 'events', from_day date DEFAULT NULL,
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

CREATE FUNCTION @extschema@.la_held_since(condition boolean, ts timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'la_held_since' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.la_held_since(boolean, timestamptz) IS
'window function: start of the run of rows (in window order) on which condition has held, NULL where it does not hold';

CREATE FUNCTION @extschema@.la_held_for(condition boolean, ts timestamptz) RETURNS interval
AS 'MODULE_PATHNAME', 'la_held_for' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.la_held_for(boolean, timestamptz) IS
'window function: how long condition has held continuously as of the current row (ts - la_held_since)';
