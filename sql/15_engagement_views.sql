--
-- learner_engagement, engagement_refresh() and the analysts' views
--
-- Nothing here reads the wall clock in a way that can flip: the events have fixed times, the state
-- is asked of engagement_state() for fixed days, and the views (which read now()) are compared with
-- the same functions at now() in the same statement, so the test gives the same output on any day
-- at any time, also when it runs across midnight.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE clicks (student int, at timestamptz, n int, note text);
INSERT INTO clicks
SELECT 1, timestamptz '2025-03-31 12:00+00' - d * interval '1 day', 3, '' FROM generate_series(1, 30) d  -- every day, Mar 1..30
UNION ALL SELECT 2, timestamptz '2025-03-31 12:00+00' - d * interval '1 day', 2, '' FROM generate_series(12, 40) d -- Feb 19..Mar 19
UNION ALL SELECT 3, timestamptz '2025-03-29 12:00+00', 1, ''                 -- new
UNION ALL SELECT 4, timestamptz '2025-03-30 23:59:59.9+00', 1, ''            -- a tenth of a second before midnight UTC
UNION ALL SELECT NULL, timestamptz '2025-03-31 12:00+00', 1, '';            -- no learner: ignored
SELECT engagement_refresh('clicks', 'student', 'at', 'n');
SELECT learner, (engagement_info(summary)).events, (engagement_info(summary)).weight FROM learner_engagement ORDER BY learner;

-- the state as of a given day (hand-computed: learner 1 last active Mar 30, a 1-day gap; learner 2
-- silent since Mar 19, 12 days; learner 3 two days; learner 4 active on Mar 30 in UTC)
SELECT learner, s.state, s.days_inactive, s.active_today, s.streak_days, s.baseline_days, s.dip_days, s.reason
FROM learner_engagement, engagement_state(summary, '2025-03-31') s ORDER BY learner;
-- the day decides, not the time it is: learner 4's event at 23:59:59.9 is on Mar 30
SELECT d AS as_of, s.days_inactive, s.active_today, s.streak_days
FROM learner_engagement, unnest(ARRAY[date '2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01']) d,
     engagement_state(summary, d) s
WHERE learner = '4' ORDER BY d;
-- before the first activity: nothing to be inactive from
SELECT s.days_inactive, s.active_today, s.streak_days, s.baseline_days, s.state, s.reason
FROM learner_engagement, engagement_state(summary, '2025-02-28') s WHERE learner = '1';
-- facts of the summary, whatever the day
SELECT learner, s.first_activity, s.last_activity, s.active_days, s.events, s.baseline_events::numeric(6,4)
FROM learner_engagement, engagement_state(summary, '2025-03-31') s ORDER BY learner;
SELECT (SELECT count(*) FROM engagement_state(NULL, '2025-03-31')) AS rows_null_summary,
       (SELECT count(*) FROM learner_engagement, engagement_state(summary, NULL)) AS rows_null_day;

-- the views are the functions as of today in the summary's time zone: compared with them at the
-- same now() (one statement, one transaction time), so the answer cannot depend on the hour
SELECT count(*) AS learners,
       count(*) FILTER (WHERE v.as_of = (now() AT TIME ZONE 'UTC')::date) AS as_of_today,
       count(*) FILTER (WHERE (v.first_activity, v.last_activity, v.active_days, v.events, v.days_inactive,
                               v.active_today, v.streak_days, v.baseline_events, v.baseline_days, v.dip_ratio,
                               v.dip_days, v.state, v.reason)
                              IS NOT DISTINCT FROM
                              (s.first_activity, s.last_activity, s.active_days, s.events, s.days_inactive,
                               s.active_today, s.streak_days, s.baseline_events, s.baseline_days, s.dip_ratio,
                               s.dip_days, s.state, s.reason)) AS same_as_function
FROM learner_engagement_state v JOIN learner_engagement le USING (learner)
CROSS JOIN LATERAL engagement_state(le.summary, (now() AT TIME ZONE 'UTC')::date) s;
-- learner_daily_engagement: zero-filled from the first active day through today
SELECT learner, min(day) AS first_day, sum(events) AS events, sum(weight) AS weight,
       max(day) = (now() AT TIME ZONE 'UTC')::date AS through_today,
       count(*) = (now() AT TIME ZONE 'UTC')::date - min(day) + 1 AS every_day
FROM learner_daily_engagement GROUP BY learner ORDER BY learner;
-- ... which is daily_activity() up to that day
SELECT learner, count(*) AS days, sum(a.events) AS events
FROM learner_engagement, daily_activity(summary, NULL, '2025-03-31') a GROUP BY learner ORDER BY learner;

-- a second refresh replaces, never duplicates; days are now in Paris (learner 4's event at
-- 23:59:59.9 UTC on Mar 30 is 01:59:59.9 on Mar 31 there, summer time having begun at 02:00 CET)
SELECT engagement_refresh('clicks', 'student', 'at', 'n', 'Europe/Paris', '1 hour');
SELECT count(*), min((engagement_info(summary)).tz) FROM learner_engagement;
SELECT d AS as_of, s.days_inactive, s.active_today
FROM learner_engagement, unnest(ARRAY[date '2025-03-30', '2025-03-31']) d, engagement_state(summary, d) s
WHERE learner = '4' ORDER BY d;
SELECT count(*) AS learners,
       count(*) FILTER (WHERE v.as_of = (now() AT TIME ZONE 'Europe/Paris')::date) AS as_of_today_in_paris,
       count(*) FILTER (WHERE (v.days_inactive, v.state, v.reason) IS NOT DISTINCT FROM (s.days_inactive, s.state, s.reason)) AS same_as_function
FROM learner_engagement_state v JOIN learner_engagement le USING (learner)
CROSS JOIN LATERAL engagement_state(le.summary, (now() AT TIME ZONE 'Europe/Paris')::date) s;
SELECT count(*) FILTER (WHERE max_day = (now() AT TIME ZONE 'Europe/Paris')::date) AS through_today_in_paris
FROM (SELECT learner, max(day) AS max_day FROM learner_daily_engagement GROUP BY learner) d;

-- engagement_state() is for every reader of learner_engagement_state (learner_risk_state reads it)
SELECT r AS role, has_function_privilege(r, 'engagement_state(engagement_summary, date)', 'EXECUTE') AS can_execute
FROM unnest(ARRAY['learnalytics_viewer', 'learnalytics_analyst', 'learnalytics_admin', 'public']) r;
SET ROLE learnalytics_analyst;
SELECT count(*) AS rows_as_analyst FROM learner_engagement_state;
RESET ROLE;

-- bad arguments
SELECT engagement_refresh('clicks', 'learner');
SELECT engagement_refresh('clicks', 'student', 'note');
SELECT engagement_refresh('clicks', 'student', 'at', 'note');
SELECT engagement_refresh('clicks', 'student', 'at', 'n', 'Nowhere');
SELECT engagement_refresh('no_such_table');
SELECT count(*) FROM learner_engagement;   -- a failed refresh left the previous summaries
DELETE FROM learner_engagement;
DROP TABLE clicks;
