--
-- accessors on a hand-built history (events per UTC day, first active day 2026-01-01):
--   days  1..14: 4 4 4 4 4 4 4 4 4 4 4 4 4 4   (baseline mean 4)
--   day  15: 2   (2 < 0.6*4 = 2.4: dip, run 1)
--   day  16: 3   (mean of days 2..15 = 54/14 = 3.857; 3 >= 2.314: no dip)
--   day  17: 0   (mean of 3..16 = 53/14; dip, run 1)
--   day  18: 0   (dip, run 2)      day 19: 0 (dip, run 3: the alert fires)
--   day  20: 0   (dip, run 4)      day 21: no activity either
--   day  22: 5   (active again)
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE hist AS
SELECT 'h'::text AS learner, timestamptz '2026-01-01 09:00+00' + (d - 1) * interval '1 day' + k * interval '1 hour' AS ts
FROM generate_series(1, 14) d, generate_series(0, 3) k
UNION ALL SELECT 'h', timestamptz '2026-01-15 09:00+00' + k * interval '1 hour' FROM generate_series(0, 1) k
UNION ALL SELECT 'h', timestamptz '2026-01-16 09:00+00' + k * interval '1 hour' FROM generate_series(0, 2) k
UNION ALL SELECT 'h', timestamptz '2026-01-22 09:00+00' + k * interval '1 hour' FROM generate_series(0, 4) k;
CREATE TABLE hs AS SELECT la_engagement_agg(learner, ts) AS s FROM hist;

SELECT day, events FROM hs, daily_activity(s, '2026-01-13') ORDER BY day;

-- baselines: 14 days before the 15th are all 4s; before the 17th: 12 fours, a 2 and a 3
SELECT d, (engagement_baseline(s, d, 14, 'events')).* FROM hs,
  (VALUES (date '2026-01-01'), ('2026-01-02'), ('2026-01-15'), ('2026-01-17'), ('2026-02-20')) v(d) ORDER BY d;
SELECT (engagement_baseline(s, '2026-01-17', 3, 'events')).* FROM hs;            -- 4, 2, 3
SELECT (engagement_baseline(s, '2026-01-17', 14, 'sessions')).* FROM hs; -- events an hour apart, 30-minute gap: each event is a session
SELECT round(dip_ratio(s, '2026-01-15', 14, 'events')::numeric, 6) AS day15,
       round(dip_ratio(s, '2026-01-16', 14, 'events')::numeric, 6) AS day16,
       round(dip_ratio(s, '2026-01-19', 14, 'events', 3)::numeric, 6) AS window3,
       dip_ratio(s, '2025-12-31', 14, 'events') AS before_start,
       dip_ratio(s, '2026-01-01', 14, 'events') AS no_baseline
FROM hs;

-- persistence of the dip as of each day, and the replay
SELECT d::date, dip_persistence(s, d::date, 0.6, 14, 'events') FROM hs, generate_series('2026-01-13'::date, '2026-01-23', '1 day') d ORDER BY 1;
SELECT d.* FROM hs, dip_alerts(s, '2026-01-31', 0.6, 14, 3, 'events') d;
SELECT d.* FROM hs, dip_alerts(s, '2026-01-31', 0.6, 14, persist => 1, metric => 'events') d;
SELECT d.* FROM hs, dip_alerts(s, '2026-01-31', 0.6, 14, persist => 1, metric => 'events', from_day => '2026-01-18') d;
SELECT d.* FROM hs, dip_alerts(s, '2026-01-18', 0.6, 14, 3, 'events') d;                        -- not yet persisted
SELECT count(*) FROM hs, dip_alerts(s, '2026-01-31', threshold => 0.4, days => 14, persist => 3, metric => 'events'); -- the 15th (2 < 1.6) is no dip then
SELECT d.* FROM hs, dip_alerts(s, '2026-01-31', threshold => 0.5, days => 14, persist => 1, metric => 'events') d;
-- the threshold is exact: 2 < 0.5 * 4 is false (2 = 2.0), 2 < 0.500000001 * 4 is true
SELECT count(*) FROM hs, dip_alerts(s, '2026-01-15', threshold => 0.500000001, days => 14, persist => 1, metric => 'events');

-- inactivity and streaks
SELECT d::date, days_inactive(s, d::date), (activity_streak(s, d::date)).*
FROM hs, (VALUES ('2025-12-31'), ('2026-01-01'), ('2026-01-16'), ('2026-01-17'), ('2026-01-21'),
                 ('2026-01-22'), ('2026-03-01')) v(d) ORDER BY 1;

-- bad parameters
SELECT dip_persistence(s, '2026-01-20', 0, 14, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 1.5, 14, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', -0.6, 14, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 'NaN', 14, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 0.1234567891, 14, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 0.6, 0, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 0.6, 100000, 'events') FROM hs;
SELECT dip_persistence(s, '2026-01-20', 0.6, 14, 'clicks') FROM hs;
SELECT dip_persistence(s, 'infinity', 0.6, 14, 'events') FROM hs;
SELECT d.* FROM hs, dip_alerts(s, '2026-01-31', 0.6, 14, persist => 0, metric => 'events') d;
SELECT engagement_baseline(s, '2026-01-20', -1, 'events') FROM hs;
SELECT dip_ratio(s, '2026-01-20', 14, 'events', 0) FROM hs;
-- NULL arguments: STRICT functions give NULL, set-returning ones no rows
SELECT dip_persistence(NULL, '2026-01-20', 0.6, 14, 'events'), days_inactive(s, NULL) FROM hs;
SELECT count(*) FROM daily_activity(NULL);
SELECT count(*) FROM dip_alerts(NULL, '2026-01-31', 0.6, 14, 3, 'events');

-- the dip rule's parameters have no defaults (the rules are their one source of values): only
-- dip_ratio's window_days and dip_alerts' from_day have one
SELECT p.oid::regprocedure AS function, p.pronargdefaults AS defaults, pg_get_expr(p.proargdefaults, 0) AS default_values
FROM pg_proc p
WHERE p.proname IN ('engagement_baseline', 'dip_ratio', 'dip_persistence', 'dip_alerts')
  AND p.pronamespace = 'learnalytics'::regnamespace
ORDER BY 1::text;

DROP TABLE hist, hs;
