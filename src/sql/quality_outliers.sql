-------------------------------------------------------------------------------
-- quality_outliers: robust statistics and the outlier and outage check types (doc/quality.md,
-- "Outliers and outages")
--   median_mad            (n, median, mad): what la_median_mad_agg returns
--   la_median_mad_agg     exact median and median absolute deviation of float8 values (C, robust.c)
--   robust_z              (value - median) / (1.482602218505602 * mad)
--   check types           outlier_burst, outlier_learner, outage (sources of kind events)
-------------------------------------------------------------------------------

CREATE TYPE @extschema@.median_mad AS (n bigint, median double precision, mad double precision);
COMMENT ON TYPE @extschema@.median_mad IS
'the result of la_median_mad_agg: how many values, their median and their median absolute deviation (unscaled)';

-- The state is `internal` (the group's values), like la_engagement_agg's: an exact median needs
-- every value, so a partial state is the values themselves; parallel workers ship them as bytes.
CREATE FUNCTION learnalytics_internal.la_median_mad_sfunc(internal, double precision) RETURNS internal
AS 'MODULE_PATHNAME', 'la_median_mad_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_median_mad_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_median_mad_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_median_mad_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'la_median_mad_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_median_mad_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'la_median_mad_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnalytics_internal.la_median_mad_final(internal) RETURNS @extschema@.median_mad
AS 'MODULE_PATHNAME', 'la_median_mad_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnalytics_internal.la_median_mad_sfunc(internal, double precision) IS
'transition function of la_median_mad_agg (keeps the value; NULL skipped, NaN and infinities rejected)';
COMMENT ON FUNCTION learnalytics_internal.la_median_mad_combine(internal, internal) IS
'combine function of la_median_mad_agg (concatenates partial value sets)';
COMMENT ON FUNCTION learnalytics_internal.la_median_mad_serialize(internal) IS 'serializes a partial la_median_mad_agg state';
COMMENT ON FUNCTION learnalytics_internal.la_median_mad_deserialize(bytea, internal) IS 'deserializes a partial la_median_mad_agg state';
COMMENT ON FUNCTION learnalytics_internal.la_median_mad_final(internal) IS
'final function of la_median_mad_agg: sorts the values once, median and median absolute deviation';

CREATE AGGREGATE @extschema@.la_median_mad_agg(value double precision) (
  SFUNC = learnalytics_internal.la_median_mad_sfunc, STYPE = internal, SSPACE = 1024,
  FINALFUNC = learnalytics_internal.la_median_mad_final,
  COMBINEFUNC = learnalytics_internal.la_median_mad_combine,
  SERIALFUNC = learnalytics_internal.la_median_mad_serialize,
  DESERIALFUNC = learnalytics_internal.la_median_mad_deserialize,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.la_median_mad_agg(double precision) IS
'exact median and median absolute deviation (unscaled) of the non-null values, as median_mad (n, median, mad); NULL for no value';

CREATE FUNCTION @extschema@.robust_z(value double precision, median double precision, mad double precision)
RETURNS double precision
AS 'MODULE_PATHNAME', 'la_robust_z' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.robust_z(double precision, double precision, double precision) IS
'robust z-score (value - median) / (1.482602218505602 * mad); with mad 0: 0 at the median, else plus or minus Infinity';

-------------------------------------------------------------------------------
-- Check types over events: outlier_burst, outlier_learner, outage (contract: quality.sql)
-------------------------------------------------------------------------------

-- A numeric parameter of a check: its own value, else the type's default; a JSON number within
-- [lo, hi] (integral when asked), or JSON null where null_ok (the rule it switches is off).
-- Anything else is 22023 naming the check and the parameter.
CREATE FUNCTION learnalytics_internal.quality_number_parameter(c @extschema@.quality_check, key text,
  lo numeric, hi numeric, integral boolean DEFAULT false, null_ok boolean DEFAULT false)
RETURNS numeric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v jsonb := c.parameters -> key;
  n numeric;
BEGIN
  IF v IS NULL THEN
    SELECT t.parameters -> key INTO v FROM @extschema@.quality_check_type t WHERE t.name = c.check_type;
  END IF;
  IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
    IF null_ok THEN
      RETURN NULL;
    END IF;
  ELSIF jsonb_typeof(v) = 'number' THEN
    n := v::text::numeric;
    IF n >= lo AND n <= hi AND (NOT integral OR n = trunc(n)) THEN
      RETURN n;
    END IF;
  END IF;
  RAISE EXCEPTION 'check "%" parameter "%" must be %between % and %', c.name, key,
        CASE WHEN integral THEN 'an integer ' ELSE 'a number ' END, lo, hi
    USING ERRCODE = 'invalid_parameter_value',
          DETAIL = format('Got %s.', coalesce(v::text, 'nothing')),
          HINT = CASE WHEN null_ok THEN 'null switches the rule off.'
                      ELSE format('The type''s default is %s.',
                                  (SELECT t.parameters -> key FROM @extschema@.quality_check_type t
                                    WHERE t.name = c.check_type)) END;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_number_parameter(@extschema@.quality_check, text, numeric, numeric, boolean, boolean) IS
'a numeric parameter of a data-quality check (its own, else the type''s default), checked against a range (22023 naming check and parameter)';

-- A text parameter of a check that must be one of a list (22023 otherwise).
CREATE FUNCTION learnalytics_internal.quality_choice_parameter(c @extschema@.quality_check, key text, choices text[])
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v jsonb := c.parameters -> key;
BEGIN
  IF v IS NULL THEN
    SELECT t.parameters -> key INTO v FROM @extschema@.quality_check_type t WHERE t.name = c.check_type;
  END IF;
  IF jsonb_typeof(v) = 'string' AND v ->> 0 = ANY (choices) THEN
    RETURN v ->> 0;
  END IF;
  RAISE EXCEPTION 'check "%" parameter "%" must be one of %', c.name, key, array_to_string(choices, ', ')
    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(v::text, 'nothing'));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_choice_parameter(@extschema@.quality_check, text, text[]) IS
'a text parameter of a data-quality check that must be one of a list (22023 naming check and parameter)';

-- The source of a check, which must be of kind events (22023 otherwise).
CREATE FUNCTION learnalytics_internal.quality_events_source(c @extschema@.quality_check, OUT sql text, OUT tz text)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s record := learnalytics_internal.quality_source_sql(c.source);
BEGIN
  IF s.kind <> 'events' THEN
    RAISE EXCEPTION 'check "%" of type % needs a source of kind events', c.name, c.check_type
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('Source "%s" is of kind %s.', c.source, s.kind);
  END IF;
  sql := s.sql;
  tz := s.tz;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_events_source(@extschema@.quality_check) IS
'the subquery and time zone of a data-quality check''s source, which must be of kind events';

-- outlier_burst: learner-days no person produces. Per course and local day of the source, the
-- learners' events (or weight) against the median and MAD of that course-day's learners: a robust
-- z above k and at least min_events is a burst; so is more than max_per_minute events in one minute
-- (null: that rule off). Complete days only (before as_of's day), the last history_days of them.
-- One finding per course, day and learner: observed = the learner's measure, expected = the
-- course-day median, rows = the learner's events that day, sample = its busiest minutes.
CREATE FUNCTION learnalytics_internal.quality_outlier_burst(c @extschema@.quality_check, as_of timestamptz,
  OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
  OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src          record := learnalytics_internal.quality_events_source(c);
  k            numeric := learnalytics_internal.quality_number_parameter(c, 'k', 0, 1e6);
  min_events   numeric := learnalytics_internal.quality_number_parameter(c, 'min_events', 0, 1e15);
  per_minute   numeric := learnalytics_internal.quality_number_parameter(c, 'max_per_minute', 1, 1e15, true, true);
  history_days integer := learnalytics_internal.quality_number_parameter(c, 'history_days', 1, 36600, true);
  sample_size  integer := learnalytics_internal.quality_number_parameter(c, 'sample_size', 0, 1000, true);
  measure      text := learnalytics_internal.quality_choice_parameter(c, 'measure', '{events,weight}');
  last_day     date;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  last_day := (as_of AT TIME ZONE src.tz)::date - 1;
  RETURN QUERY EXECUTE format($q$
    WITH ld AS (
      SELECT e.course, e.learner, (e.ts AT TIME ZONE $1)::date AS day, count(*) AS events,
             sum(coalesce(e.weight, 1))::numeric AS weight
      FROM %1$s e
      WHERE e.ts >= ($2 - $3 + 1)::timestamp AT TIME ZONE $1 AND e.ts < ($2 + 1)::timestamp AT TIME ZONE $1
        AND e.learner IS NOT NULL
      GROUP BY 1, 2, 3),
    z AS (
      SELECT ld.course, ld.learner, ld.day, ld.events, ld.%2$I AS x,
             @extschema@.la_median_mad_agg(ld.%2$I::float8) OVER (PARTITION BY ld.course, ld.day) AS mm
      FROM ld),
    cand AS (
      SELECT z.course, z.learner, z.day, z.events, z.x, (z.mm).median,
             z.x >= $4 AND @extschema@.robust_z(z.x::float8, (z.mm).median, (z.mm).mad) > $5 AS burst
      FROM z
      WHERE (z.x >= $4 AND @extschema@.robust_z(z.x::float8, (z.mm).median, (z.mm).mad) > $5)
         OR z.events > $6),
    mins AS (
      SELECT c.course, c.learner, c.day, date_trunc('minute', e.ts AT TIME ZONE $1) AS minute, count(*) AS events
      FROM %1$s e
      JOIN cand c ON c.learner = e.learner AND c.day = (e.ts AT TIME ZONE $1)::date
      WHERE e.ts >= ($2 - $3 + 1)::timestamp AT TIME ZONE $1 AND e.ts < ($2 + 1)::timestamp AT TIME ZONE $1
        AND e.course IS NOT DISTINCT FROM c.course
      GROUP BY 1, 2, 3, 4),
    per AS (
      SELECT m.course, m.learner, m.day, max(m.events) AS peak,
             jsonb_agg(jsonb_build_object('minute', m.minute, 'events', m.events) ORDER BY m.events DESC, m.minute)
               FILTER (WHERE m.rn <= $7) AS sample
      FROM (SELECT mins.*, row_number() OVER (PARTITION BY mins.course, mins.learner, mins.day
                                              ORDER BY mins.events DESC, mins.minute) AS rn
            FROM mins) m
      GROUP BY 1, 2, 3)
    SELECT c.course, c.day, c.learner, NULL::text, c.x::numeric, c.median::numeric, c.events, coalesce(p.sample, '[]')
    FROM cand c
    LEFT JOIN per p ON p.learner = c.learner AND p.day = c.day AND p.course IS NOT DISTINCT FROM c.course
    WHERE c.burst OR p.peak > $6
    ORDER BY c.day, c.course, c.learner
  $q$, src.sql, measure)
  USING src.tz, last_day, history_days, min_events, k, per_minute, sample_size;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_outlier_burst(@extschema@.quality_check, timestamptz) IS
'check type outlier_burst: learner-days far above their course-day''s learners (robust z) or too many events in one minute';

-- outlier_learner: learners far outside their course's cohort. Each learner's events (or weight)
-- over the last window_days complete days, against the median and MAD of the course's learners
-- active in that window (at least min_learners of them): a robust z above k and at least
-- min_events. One finding per course and learner (day NULL): observed = the learner's total,
-- expected = the cohort median, rows = its events, sample = its busiest days.
CREATE FUNCTION learnalytics_internal.quality_outlier_learner(c @extschema@.quality_check, as_of timestamptz,
  OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
  OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src          record := learnalytics_internal.quality_events_source(c);
  k            numeric := learnalytics_internal.quality_number_parameter(c, 'k', 0, 1e6);
  min_events   numeric := learnalytics_internal.quality_number_parameter(c, 'min_events', 0, 1e15);
  min_learners integer := learnalytics_internal.quality_number_parameter(c, 'min_learners', 3, 1e9, true);
  window_days  integer := learnalytics_internal.quality_number_parameter(c, 'window_days', 1, 36600, true);
  sample_size  integer := learnalytics_internal.quality_number_parameter(c, 'sample_size', 0, 1000, true);
  measure      text := learnalytics_internal.quality_choice_parameter(c, 'measure', '{events,weight}');
  last_day     date;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  last_day := (as_of AT TIME ZONE src.tz)::date - 1;
  RETURN QUERY EXECUTE format($q$
    WITH ld AS (
      SELECT e.course, e.learner, (e.ts AT TIME ZONE $1)::date AS day, count(*) AS events,
             sum(coalesce(e.weight, 1))::numeric AS weight
      FROM %1$s e
      WHERE e.ts >= ($2 - $3 + 1)::timestamp AT TIME ZONE $1 AND e.ts < ($2 + 1)::timestamp AT TIME ZONE $1
        AND e.learner IS NOT NULL
      GROUP BY 1, 2, 3),
    lt AS (
      SELECT r.course, r.learner, sum(r.events)::bigint AS events, sum(r.weight) AS weight,
             jsonb_agg(jsonb_build_object('day', r.day, 'events', r.events, 'weight', r.weight)
                       ORDER BY r.%2$I DESC, r.day) FILTER (WHERE r.rn <= $4) AS sample
      FROM (SELECT ld.*, row_number() OVER (PARTITION BY ld.course, ld.learner ORDER BY ld.%2$I DESC, ld.day) AS rn
            FROM ld) r
      GROUP BY 1, 2),
    z AS (
      SELECT lt.*, lt.%2$I::numeric AS x,
             @extschema@.la_median_mad_agg(lt.%2$I::float8) OVER (PARTITION BY lt.course) AS mm,
             count(*) OVER (PARTITION BY lt.course) AS learners
      FROM lt)
    SELECT z.course, NULL::date, z.learner, NULL::text, z.x, (z.mm).median::numeric, z.events, coalesce(z.sample, '[]')
    FROM z
    WHERE z.learners >= $5 AND z.x >= $6 AND @extschema@.robust_z(z.x::float8, (z.mm).median, (z.mm).mad) > $7
    ORDER BY z.course, z.learner
  $q$, src.sql, measure)
  USING src.tz, last_day, window_days, sample_size, min_learners, min_events, k;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_outlier_learner(@extschema@.quality_check, timestamptz) IS
'check type outlier_learner: learners whose total over the last days is far above their course cohort (robust z)';

-- outage: course-days whose volume (events) collapses below low_ratio x the baseline median or
-- spikes above high_ratio x it (null: spikes off). The baseline of a day is the median of the
-- course's previous baseline_days days; with seasonality 'weekly' (the default) only the same
-- weekday of them (28 days: the 4 previous same weekdays), so a course that is always quiet on
-- Sundays is compared with its Sundays. It needs a median of at least min_baseline events and at
-- least half its days after the course's first event. Days without events count as 0 (a calendar
-- from the course's first day). A collapse is reported once activity came back (a later day at
-- least low_ratio x that baseline) or, while activity has not come back, if the first such
-- unrecovered collapse of the course is one of the last ongoing_days complete days: a collapse
-- that lasts to as_of for longer is the course's end, not an outage. The whole source is
-- checked the same way: when it collapses (or spikes) on a day, one finding with course NULL
-- replaces the course findings of that day in the same direction (events without a course count in
-- the whole source only: course NULL always means the whole source). Complete days only, the last
-- history_days of them. subject 'collapse' or 'spike'; observed = the day's events (= rows),
-- expected = the baseline median, sample = the baseline days, most recent first.
CREATE FUNCTION learnalytics_internal.quality_outage(c @extschema@.quality_check, as_of timestamptz,
  OUT course text, OUT day date, OUT learner text, OUT subject text, OUT observed numeric,
  OUT expected numeric, OUT rows bigint, OUT sample jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  src           record := learnalytics_internal.quality_events_source(c);
  low_ratio     numeric := learnalytics_internal.quality_number_parameter(c, 'low_ratio', 0, 1);
  high_ratio    numeric := learnalytics_internal.quality_number_parameter(c, 'high_ratio', 1, 1e9, false, true);
  baseline_days integer := learnalytics_internal.quality_number_parameter(c, 'baseline_days', 7, 366, true);
  min_baseline  numeric := learnalytics_internal.quality_number_parameter(c, 'min_baseline', 0, 1e15);
  ongoing_days  integer := learnalytics_internal.quality_number_parameter(c, 'ongoing_days', 0, 366, true);
  history_days  integer := learnalytics_internal.quality_number_parameter(c, 'history_days', 1, 36600, true);
  sample_size   integer := learnalytics_internal.quality_number_parameter(c, 'sample_size', 0, 1000, true);
  seasonality   text := learnalytics_internal.quality_choice_parameter(c, 'seasonality', '{weekly,none}');
  step          integer := CASE seasonality WHEN 'weekly' THEN 7 ELSE 1 END;
  last_day      date;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  last_day := (as_of AT TIME ZONE src.tz)::date - 1;
  -- $1 tz, $2 last complete day, $3 first day reported, $4 low_ratio, $5 high_ratio, $6 min_baseline,
  -- $7 ongoing_days, $8 sample_size, $9 step (days between baseline days); %2$s the baseline rows
  RETURN QUERY EXECUTE format($q$
    WITH per_course AS (
      SELECT s.course, (s.ts AT TIME ZONE $1)::date AS day, count(*) AS n
      FROM %1$s s
      WHERE s.ts >= ($3 - $9 * %2$s)::timestamp AT TIME ZONE $1 AND s.ts < ($2 + 1)::timestamp AT TIME ZONE $1
      GROUP BY 1, 2),
    counts AS (
      SELECT false AS whole, per_course.course, per_course.day, per_course.n FROM per_course
      UNION ALL
      SELECT true, NULL, per_course.day, sum(per_course.n)::bigint FROM per_course GROUP BY per_course.day),
    cal AS (
      SELECT u.whole, u.course, u.day, sum(u.n)::bigint AS n
      FROM (SELECT counts.whole, counts.course, counts.day, counts.n FROM counts
            UNION ALL
            SELECT f.whole, f.course, f.first + g, 0
            FROM (SELECT counts.whole, counts.course, min(counts.day) AS first FROM counts GROUP BY 1, 2) f,
                 generate_series(0, $2 - f.first) g) u
      GROUP BY 1, 2, 3),
    base AS (
      SELECT cal.*,
             (@extschema@.la_median_mad_agg(cal.n::float8) OVER w).median AS expected,
             count(*) OVER w AS history,
             array_agg(cal.n) OVER w AS baseline,
             max(cal.n) OVER (PARTITION BY cal.whole, cal.course ORDER BY cal.day DESC
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS later
      FROM cal
      WINDOW w AS (PARTITION BY cal.whole, cal.course, (cal.day - $2) %% $9 ORDER BY cal.day
                   ROWS BETWEEN %2$s PRECEDING AND 1 PRECEDING)),
    flagged AS (
      SELECT b.*, CASE WHEN b.n < $4 * b.expected::numeric THEN 'collapse'
                       WHEN b.n > $5 * b.expected::numeric THEN 'spike' END AS what
      FROM base b
      WHERE b.day >= $3 AND b.expected >= $6 AND b.history * 2 >= %2$s),
    judged AS (
      SELECT f.*, f.what = 'collapse' AND NOT coalesce(f.later >= $4 * f.expected::numeric, false) AS unrecovered
      FROM flagged f WHERE f.what IS NOT NULL),
    kept AS (
      SELECT j.* FROM (SELECT judged.*, min(judged.day) FILTER (WHERE judged.unrecovered)
                                          OVER (PARTITION BY judged.whole, judged.course) AS since
                       FROM judged) j
      WHERE NOT j.unrecovered OR j.since > $2 - $7)
    SELECT CASE WHEN k.whole THEN NULL ELSE k.course END, k.day, NULL::text, k.what, k.n::numeric,
           k.expected::numeric, k.n,
           coalesce((SELECT jsonb_agg(jsonb_build_object('day', k.day - $9 * i,
                                                         'events', k.baseline[cardinality(k.baseline) - i + 1])
                                      ORDER BY i)
                     FROM generate_series(1, least($8, cardinality(k.baseline))) i), '[]')
    FROM kept k
    WHERE k.whole
       OR (k.course IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM kept s WHERE s.whole AND s.day = k.day AND s.what = k.what))
    ORDER BY k.day, k.whole DESC, k.course
  $q$, src.sql, baseline_days / step)
  USING src.tz, last_day, last_day - history_days + 1, low_ratio, high_ratio, min_baseline, ongoing_days,
        sample_size, step;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.quality_outage(@extschema@.quality_check, timestamptz) IS
'check type outage: course-days (or whole-source days) whose event volume collapses or spikes against the same weekday''s median';

INSERT INTO @extschema@.quality_check_type (name, function, kinds, parameters, description) VALUES
  ('outlier_burst', 'learnalytics_internal.quality_outlier_burst(@extschema@.quality_check, timestamptz)', '{events}',
   '{"k": 10, "min_events": 200, "max_per_minute": 300, "measure": "events", "history_days": 365, "sample_size": 5}',
   'learner-days whose events (or weight) are a robust z above k over the median of the course-day''s learners and at least min_events, or more than max_per_minute events in one minute'),
  ('outlier_learner', 'learnalytics_internal.quality_outlier_learner(@extschema@.quality_check, timestamptz)', '{events}',
   '{"k": 10, "min_events": 200, "min_learners": 5, "window_days": 28, "measure": "events", "sample_size": 5}',
   'learners whose events (or weight) over the last window_days are a robust z above k over their course cohort''s median and at least min_events'),
  ('outage', 'learnalytics_internal.quality_outage(@extschema@.quality_check, timestamptz)', '{events}',
   '{"low_ratio": 0.2, "high_ratio": 5, "baseline_days": 28, "seasonality": "weekly", "min_baseline": 50, "ongoing_days": 7, "history_days": 365, "sample_size": 5}',
   'course-days (course NULL: the whole source) whose events collapse below low_ratio or spike above high_ratio times the median of the same weekday over the previous baseline_days');

GRANT EXECUTE ON FUNCTION
  learnalytics_internal.quality_number_parameter(@extschema@.quality_check, text, numeric, numeric, boolean, boolean),
  learnalytics_internal.quality_choice_parameter(@extschema@.quality_check, text, text[]),
  learnalytics_internal.quality_events_source(@extschema@.quality_check),
  learnalytics_internal.quality_outlier_burst(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_outlier_learner(@extschema@.quality_check, timestamptz),
  learnalytics_internal.quality_outage(@extschema@.quality_check, timestamptz)
  TO learnalytics_admin;
