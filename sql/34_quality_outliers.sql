--
-- quality outliers and outages: la_median_mad_agg and robust_z against hand values and
-- percentile_cont; the check types outage, outlier_burst and outlier_learner over hand-made events
-- with a known whole-source outage, a course outage, a spike, a bot learner-day, a one-minute
-- burst and a learner far outside its cohort; no finding on a course's quiet Sundays
--
\set VERBOSITY default
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 0;

-- la_median_mad_agg: hand values (odd, even, one value, ties, NULLs, nothing)
SELECT la_median_mad_agg(x) FROM unnest('{1, 2, 3, 4, 100}'::float8[]) x;        -- median 3, |x-3| 2 1 0 1 97: mad 1
SELECT la_median_mad_agg(x) FROM unnest('{4, 1, 3, 2}'::float8[]) x;             -- median 2.5, deviations 1.5 .5 .5 1.5: mad 1
SELECT la_median_mad_agg(x) FROM unnest('{7}'::float8[]) x;                      -- (1, 7, 0)
SELECT la_median_mad_agg(x) FROM unnest('{2, 2, 2, 9}'::float8[]) x;             -- ties: median 2, mad 0
SELECT la_median_mad_agg(x) FROM unnest('{NULL, 5, NULL, -5}'::float8[]) x;      -- NULLs skipped: (2, 0, 5)
SELECT la_median_mad_agg(x) IS NULL AS no_value FROM unnest('{NULL}'::float8[]) x;
SELECT la_median_mad_agg(x) IS NULL AS no_row FROM unnest('{}'::float8[]) x;
-- the mean of the two middle values does not overflow where their sum would
SELECT (la_median_mad_agg(x)).* FROM unnest('{1e308, 1.5e308, -1e308, 1.5e308}'::float8[]) x;
-- a deviation beyond double precision (1.7e308 from -1.7e308) is not the median one: mad 0
SELECT la_median_mad_agg(x) FROM unnest('{-1.7e308, -1.7e308, 1.7e308}'::float8[]) x;
-- NaN and infinities: errors
SELECT la_median_mad_agg(x) FROM unnest('{1, NaN}'::float8[]) x;
SELECT la_median_mad_agg(x) FROM unnest('{-Infinity, 1}'::float8[]) x;
-- per group, against percentile_cont (median, and median of the absolute deviations)
CREATE TEMP TABLE q34_values AS
SELECT g % 7 AS grp, ((g * 7919) % 1013)::float8 / 8 AS x FROM generate_series(1, 20000) g;
WITH m AS (SELECT grp, la_median_mad_agg(x) AS mm FROM q34_values GROUP BY grp),
     med AS (SELECT grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median, count(*) AS n
             FROM q34_values GROUP BY grp),
     mad AS (SELECT v.grp, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v.x - med.median)) AS mad
             FROM q34_values v JOIN med USING (grp) GROUP BY v.grp)
SELECT count(*) AS groups,
       count(*) FILTER (WHERE (m.mm).n = med.n AND (m.mm).median = med.median AND (m.mm).mad = mad.mad) AS agree
FROM m JOIN med USING (grp) JOIN mad USING (grp);
-- as a window aggregate: the final function may be called again on a growing frame
SELECT x, la_median_mad_agg(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM unnest('{9, 1, 5, 3}'::float8[]) x ORDER BY x;

-- robust_z: (value - median) / (1.482602218505602 * mad)
SELECT robust_z(10, 4, 2) = 6 / (1.482602218505602 * 2) AS scaled, robust_z(4, 4, 0) AS at_median,
       robust_z(5, 4, 0) AS above, robust_z(3, 4, 0) AS below;
SELECT robust_z(1, 2, -1);
SELECT robust_z(1, 'NaN', 1);

-------------------------------------------------------------------------------
-- events: two courses from 2026-02-01 to 2026-03-29 (a Sunday), all in UTC
--   c1: learners c1-01..c1-20 with 3..7 events ((i % 5) + 3) on every day but Sundays, 100 a day;
--       on Sundays only c1-01 and c1-02, 5 each: 10 (the quiet Sundays)
--       2026-03-11 (Wednesday): a tracking outage, 3 events (c1-01)
--       2026-03-26 (Thursday): c1-bot, 300 events one a second from 14:00 (a bot learner-day)
--   c2: learners c2-1..c2-6 with 8, 10, 12, 8, 10, 12 events and c2-heavy with 80, every day: 140
--       2026-03-18 (Wednesday): c2-1..c2-6 100 more each: 740 (a spike)
--       2026-03-20 (Friday): c2-7, 150 events in the minute 09:30 (a one-minute burst)
--       c2-heavy: 80 a day against 8..12, far outside its cohort over the last 28 days
--   2026-03-04 (Wednesday): no event at all (the whole source collapses)
-------------------------------------------------------------------------------
CREATE TABLE q34_events (learner text, ts timestamptz, course text, activity text);
INSERT INTO q34_events
SELECT format('c1-%s', lpad(i::text, 2, '0')), (d + time '08:00' + (k * 7 + i) * interval '1 minute') AT TIME ZONE 'UTC',
       'c1', 'page'
FROM (SELECT date '2026-02-01' + g AS d FROM generate_series(0, 56) g) days, generate_series(1, 20) i,
     generate_series(1, CASE WHEN extract(isodow FROM d) = 7 THEN CASE WHEN i <= 2 THEN 5 ELSE 0 END
                             ELSE i % 5 + 3 END) k
WHERE d NOT IN ('2026-03-04', '2026-03-11');
INSERT INTO q34_events
SELECT 'c1-01', timestamptz '2026-03-11 08:00+00' + k * interval '1 hour', 'c1', 'page' FROM generate_series(1, 3) k;
INSERT INTO q34_events
SELECT 'c1-bot', timestamptz '2026-03-26 14:00+00' + k * interval '1 second', 'c1', 'page' FROM generate_series(0, 299) k;
INSERT INTO q34_events
SELECT 'c2-' || j, (d + time '08:00' + (k * 7 + j) * interval '1 minute') AT TIME ZONE 'UTC', 'c2', 'video'
FROM (SELECT date '2026-02-01' + g AS d FROM generate_series(0, 56) g) days, generate_series(1, 6) j,
     generate_series(1, 8 + (j - 1) % 3 * 2 + CASE WHEN d = '2026-03-18' THEN 100 ELSE 0 END) k
WHERE d <> '2026-03-04';
INSERT INTO q34_events
SELECT 'c2-heavy', (d + time '08:00' + k * 7 * interval '1 minute') AT TIME ZONE 'UTC', 'c2', 'video'
FROM (SELECT date '2026-02-01' + g AS d FROM generate_series(0, 56) g) days, generate_series(1, 80) k
WHERE d <> '2026-03-04';
INSERT INTO q34_events
SELECT 'c2-7', timestamptz '2026-03-20 09:30+00' + k * interval '0.3 second', 'c2', 'video' FROM generate_series(0, 149) k;
-- the day totals the story above relies on
SELECT course, count(*) FILTER (WHERE ts >= '2026-03-02' AND ts < '2026-03-03') AS monday,
       count(*) FILTER (WHERE ts >= '2026-03-01' AND ts < '2026-03-02') AS sunday,
       count(*) FILTER (WHERE ts >= '2026-03-04' AND ts < '2026-03-05') AS mar04,
       count(*) FILTER (WHERE ts >= '2026-03-11' AND ts < '2026-03-12') AS mar11,
       count(*) FILTER (WHERE ts >= '2026-03-18' AND ts < '2026-03-19') AS mar18,
       count(*) FILTER (WHERE ts >= '2026-03-20' AND ts < '2026-03-21') AS mar20,
       count(*) FILTER (WHERE ts >= '2026-03-26' AND ts < '2026-03-27') AS mar26
FROM q34_events GROUP BY course ORDER BY course;

INSERT INTO quality_source (name, kind, relation, description)
VALUES ('q34_events', 'events', 'q34_events', 'hand-made events of test 34');
INSERT INTO quality_check (name, check_type, source, parameters, severity) VALUES
  ('q34_outage', 'outage', 'q34_events', '{}', 'high'),
  ('q34_outage_flat', 'outage', 'q34_events', '{"seasonality": "none"}', 'high'),
  ('q34_burst', 'outlier_burst', 'q34_events', '{"max_per_minute": 100}', 'medium'),
  ('q34_learner', 'outlier_learner', 'q34_events', '{}', 'low');
-- the type functions, called as quality_run calls them (as_of: 2026-03-30, the last complete day
-- is Sunday 2026-03-29)
CREATE FUNCTION pg_temp.findings(check_name text, as_of timestamptz)
RETURNS TABLE (course text, day date, learner text, subject text, observed numeric, expected numeric,
               rows bigint, sample jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  c learnalytics.quality_check;
  t learnalytics.quality_check_type;
BEGIN
  SELECT * INTO STRICT c FROM learnalytics.quality_check q WHERE q.name = check_name;
  SELECT * INTO STRICT t FROM learnalytics.quality_check_type q WHERE q.name = c.check_type;
  RETURN QUERY EXECUTE format('SELECT * FROM %s($1, $2)', t.function::regproc) USING c, as_of;
END
$$;

-- outage, expected by hand (weekly seasonality: the median of the 4 previous same weekdays):
--   2026-03-04 whole source: 0 against its Wednesdays 240, 240, 240, 240 -> one finding, course NULL
--     (not one per course); the courses' own collapses that day are left out
--   2026-03-11 c1: 3 against c1's Wednesdays 100, 100, 100, 0 -> median 100, 3 < 0.2 * 100
--     (the source that day: 143 against 240, 240, 240, 0 -> 240: not below 48)
--   2026-03-18 c2: 740 against c2's Wednesdays 140, 140, 0, 140 -> 140, 740 > 5 * 140
--     (the source: 840 against 240, 240, 0, 143 -> 191.5: not above 957.5)
--   c1's Sundays (10 against Sundays of 10) and the bot's Thursday (400 < 5 * 100): nothing
SELECT * FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00');
CREATE TEMP TABLE q34_expected_outage (course text, day date, subject text, observed numeric, expected numeric);
INSERT INTO q34_expected_outage VALUES
  (NULL, '2026-03-04', 'collapse', 0, 240), ('c1', '2026-03-11', 'collapse', 3, 100),
  ('c2', '2026-03-18', 'spike', 740, 140);
(SELECT course, day, subject, observed, expected FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00')
 EXCEPT SELECT * FROM q34_expected_outage)
UNION ALL
(SELECT * FROM q34_expected_outage
 EXCEPT SELECT course, day, subject, observed, expected FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00'));
-- the same weekday's baseline is what keeps the quiet Sundays quiet: against the median of all
-- previous 28 days (seasonality none), every Sunday with enough history is a collapse (10 < 0.2 * 100)
SELECT day, extract(isodow FROM day) AS isodow, course, observed, expected
FROM pg_temp.findings('q34_outage_flat', '2026-03-30 10:00+00') WHERE course = 'c1' AND subject = 'collapse'
ORDER BY day;

-- an outage still going on at as_of: the last complete day (2026-03-04) collapsed, nothing came
-- back yet, and it began within ongoing_days (7): reported
SELECT course, day, subject, observed, expected FROM pg_temp.findings('q34_outage', '2026-03-05 00:00+00');
-- the source ends on 2026-03-29: three days later the collapse (3-30 .. 4-01, course NULL, one
-- finding a day) is reported; three weeks later it lasted longer than ongoing_days, which is the
-- source's end, not an outage: the findings are those of as_of 2026-03-30 again
SELECT course, day, subject, observed, expected FROM pg_temp.findings('q34_outage', '2026-04-02 00:00+00')
WHERE day >= '2026-03-29';
SELECT (SELECT array_agg(day ORDER BY day) FROM pg_temp.findings('q34_outage', '2026-04-20 00:00+00'))
     = (SELECT array_agg(day ORDER BY day) FROM pg_temp.findings('q34_outage', '2026-03-30 00:00+00')) AS end_is_no_outage;

-- outlier_burst (max_per_minute 100 here, k 10, min_events 200):
--   c1-bot on 2026-03-26: 300 events; c1's learners that day 3..7 four times each and 300: median 5,
--     absolute deviations 0 x4, 1 x8, 2 x8, 295: mad 1, z = 295 / 1.4826 = 199 > 10, 300 >= 200;
--     60 events in each of its 5 minutes
--   c2-7 on 2026-03-20: 150 events in one minute > 100 (150 < 200: not by its z)
--     c2 that day: 8, 10, 12, 8, 10, 12, 80, 150 -> median 11
--   not c2-heavy: 80 a day, z infinite (mad 0 on most days) but below min_events
SELECT * FROM pg_temp.findings('q34_burst', '2026-03-30 10:00+00');
-- the same medians from plain SQL
SELECT course, day, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median
FROM (SELECT course, learner, ts::date AS day, count(*) AS n FROM q34_events GROUP BY 1, 2, 3) d
WHERE (course, day) IN (('c1', '2026-03-26'), ('c2', '2026-03-20')) GROUP BY 1, 2 ORDER BY 2;
-- without the per-minute rule, only the bot
UPDATE quality_check SET parameters = '{"max_per_minute": null}' WHERE name = 'q34_burst';
SELECT course, day, learner, observed, expected FROM pg_temp.findings('q34_burst', '2026-03-30 10:00+00');
-- a lower floor (50) catches c2-heavy's ordinary days too, where the cohort's mad is 0
UPDATE quality_check SET parameters = '{"max_per_minute": null, "min_events": 50}' WHERE name = 'q34_burst';
SELECT learner, count(*) AS days, min(observed), max(expected)
FROM pg_temp.findings('q34_burst', '2026-03-30 10:00+00') GROUP BY learner ORDER BY learner;

-- outlier_learner (window 28 days: 2026-03-02 .. 2026-03-29, k 10, min_events 200, min_learners 5):
-- against the same rule computed in plain SQL with percentile_cont
SELECT * FROM pg_temp.findings('q34_learner', '2026-03-30 10:00+00');
WITH t AS (SELECT course, learner, count(*) AS n FROM q34_events
           WHERE ts >= '2026-03-02' AND ts < '2026-03-30' GROUP BY 1, 2),
     m AS (SELECT course, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median, count(*) AS learners
           FROM t GROUP BY 1),
     d AS (SELECT t.course, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(t.n - m.median)) AS mad
           FROM t JOIN m USING (course) GROUP BY 1)
SELECT t.course, t.learner, t.n, m.median, d.mad, round(((t.n - m.median) / (1.4826 * d.mad))::numeric, 1) AS z
FROM t JOIN m USING (course) JOIN d USING (course)
WHERE m.learners >= 5 AND t.n >= 200 AND (d.mad = 0 OR (t.n - m.median) / (1.482602218505602 * d.mad) > 10)
ORDER BY 1, 2;

-- through quality_run: the findings are kept, and the outage days are what the alert engine reads
-- (course NULL: every course that day); the bursts are learner-days for the exclusion switch
UPDATE quality_check SET parameters = '{"max_per_minute": 100}' WHERE name = 'q34_burst';
SELECT check_name, findings, opened, resolved, rows
FROM quality_run(ARRAY['q34_outage', 'q34_burst', 'q34_learner'], '2026-03-30 10:00+00');
-- an outage holds alerts when its check reads the events of an engagement source (what rules read):
-- q34_events becomes one; the spike (03-18) is data added and holds nothing
SELECT engagement_refresh('q34_events', 'learner', 'ts', source_name => 'q34') > 0 AS refreshed;
SELECT course, day, check_name, observed, expected FROM learnalytics_internal.quality_outage_days ORDER BY day;
SELECT check_type, scope, subject FROM quality_finding WHERE check_name LIKE 'q34\_%' ORDER BY id;
DELETE FROM quality_finding WHERE check_name LIKE 'q34\_%';
DELETE FROM quality_run_log WHERE check_name LIKE 'q34\_%';

-- parameters: a bad value is 22023 naming the check and the parameter; a source not of kind events
UPDATE quality_check SET parameters = '{"low_ratio": 2}' WHERE name = 'q34_outage';
SELECT count(*) FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00');
UPDATE quality_check SET parameters = '{"seasonality": "monthly"}' WHERE name = 'q34_outage';
SELECT count(*) FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00');
UPDATE quality_check SET parameters = '{"baseline_days": 7.5}' WHERE name = 'q34_outage';
SELECT count(*) FROM pg_temp.findings('q34_outage', '2026-03-30 10:00+00');
UPDATE quality_check SET parameters = '{"k": "ten"}' WHERE name = 'q34_learner';
SELECT count(*) FROM pg_temp.findings('q34_learner', '2026-03-30 10:00+00');
SELECT count(*) FROM learnalytics_internal.quality_outage(
  ROW('q34_wrong_kind', 'outage', 'learning.enrolment', '{}', 'low', true, NULL, false)::quality_check, '2026-03-30');
SELECT count(*) FROM pg_temp.findings('q34_burst', NULL);

-- measure weight over a mapped source (one row per learner-day with a click count, as OULAD has):
-- a learner-day of 5000 clicks in one row is a burst by weight, not by events; p2's 7000 clicks
-- without a module are alone in their (NULL) course-day: no cohort, no z, no finding
CREATE TABLE q34_clicks (who text, at timestamptz, module text, clicks integer);
INSERT INTO q34_clicks
SELECT 'p' || i, timestamptz '2026-03-01 00:00+00' + d * interval '1 day', 'm1', 10 + i
FROM generate_series(1, 9) i, generate_series(0, 27) d;
INSERT INTO q34_clicks VALUES ('p1', '2026-03-20 00:00+00', 'm1', 5000), ('p2', '2026-03-20 00:00+00', NULL, 7000);
INSERT INTO quality_source (name, kind, relation, columns)
VALUES ('q34_clicks', 'events', 'q34_clicks', '{"learner": "who", "ts": "at", "course": "module", "weight": "clicks"}');
INSERT INTO quality_check (name, check_type, source, parameters) VALUES
  ('q34_clicks_weight', 'outlier_burst', 'q34_clicks', '{"measure": "weight"}'),
  ('q34_clicks_events', 'outlier_burst', 'q34_clicks', '{}');
-- m1 on 2026-03-20: p1 5011 (rows of 11 and 5000), p2..p9 12..19 -> median 16 (the 5th of 9)
SELECT course, day, learner, observed, expected, rows, sample FROM pg_temp.findings('q34_clicks_weight', '2026-03-29');
SELECT count(*) AS by_events FROM pg_temp.findings('q34_clicks_events', '2026-03-29');
DELETE FROM quality_check WHERE name LIKE 'q34\_clicks%';
DELETE FROM quality_source WHERE name = 'q34_clicks';
DROP TABLE q34_clicks;

-- the registry rows
SELECT name, function, kinds, parameters FROM quality_check_type
WHERE name IN ('outage', 'outlier_burst', 'outlier_learner') ORDER BY name;

DELETE FROM quality_check WHERE name LIKE 'q34\_%';
DELETE FROM quality_source WHERE name = 'q34_events';
DELETE FROM learner_engagement WHERE source = 'q34';
DELETE FROM engagement_source WHERE name = 'q34';
DROP TABLE q34_events;
