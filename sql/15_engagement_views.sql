--
-- learner_engagement, refresh_learner_engagement() and the analysts' views
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TABLE clicks (student int, at timestamptz, n int, note text);
INSERT INTO clicks
SELECT 1, now() - d * interval '1 day', 3, '' FROM generate_series(1, 30) d          -- active every day
UNION ALL SELECT 2, now() - d * interval '1 day', 2, '' FROM generate_series(12, 40) d -- silent for 11 days
UNION ALL SELECT 3, now() - interval '2 days', 1, ''                                   -- new
UNION ALL SELECT NULL, now(), 1, '';                                                   -- no learner: ignored
SELECT refresh_learner_engagement('clicks', 'student', 'at', 'n');
SELECT learner, (engagement_info(summary)).events, (engagement_info(summary)).weight FROM learner_engagement ORDER BY learner;
SELECT learner, state, days_inactive, active_today, streak_days, baseline_days, reason
FROM learner_engagement_state ORDER BY learner;
SELECT learner, count(*) AS days, sum(events) AS events, max(day) = (now() AT TIME ZONE 'UTC')::date AS through_today
FROM learner_daily_engagement GROUP BY learner ORDER BY learner;
-- a second refresh replaces, never duplicates
SELECT refresh_learner_engagement('clicks', 'student', 'at', 'n', 'Europe/Paris', '1 hour');
SELECT count(*), min((engagement_info(summary)).tz) FROM learner_engagement;
-- bad arguments
SELECT refresh_learner_engagement('clicks', 'learner');
SELECT refresh_learner_engagement('clicks', 'student', 'note');
SELECT refresh_learner_engagement('clicks', 'student', 'at', 'note');
SELECT refresh_learner_engagement('clicks', 'student', 'at', 'n', 'Nowhere');
SELECT refresh_learner_engagement('no_such_table');
SELECT count(*) FROM learner_engagement;   -- a failed refresh left the previous summaries
DELETE FROM learner_engagement;
DROP TABLE clicks;
