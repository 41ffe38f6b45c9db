--
-- learner_engagement, engagement_refresh() and the analysts' views
--
-- Nothing here reads the wall clock in a way that can flip: the events have fixed times, the state
-- is asked of engagement_state() for fixed days, the views (which read now()) are compared with
-- the same functions at now() in the same statement, and the events placed relative to today are
-- read in the transaction that wrote them (now() is fixed in it), so the test gives the same
-- output on any day at any time, also when it runs across midnight.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
-- engagement_state() takes the dip rule's parameters (threshold, baseline days, metric, fire_after)
-- and the inactivity window: the fixed-day checks pass events, 60%, 14 days, a dip from 3 days on
-- and 7 days of inactivity; the views pass the shipped rules' values (checked below)
\set events_rule '0.6, 14, ''events'', 3, 7'
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
FROM learner_engagement, engagement_state(summary, '2025-03-31', :events_rule) s ORDER BY learner;
-- the day decides, not the time it is: learner 4's event at 23:59:59.9 is on Mar 30
SELECT d AS as_of, s.days_inactive, s.active_today, s.streak_days
FROM learner_engagement, unnest(ARRAY[date '2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01']) d,
     engagement_state(summary, d, :events_rule) s
WHERE learner = '4' ORDER BY d;
-- before the first activity: nothing to be inactive from
SELECT s.days_inactive, s.active_today, s.streak_days, s.baseline_days, s.state, s.reason
FROM learner_engagement, engagement_state(summary, '2025-02-28', :events_rule) s WHERE learner = '1';
-- facts of the summary, whatever the day
SELECT learner, s.first_activity, s.last_activity, s.active_days, s.events, s.baseline::numeric(6,4)
FROM learner_engagement, engagement_state(summary, '2025-03-31', :events_rule) s ORDER BY learner;
SELECT (SELECT count(*) FROM engagement_state(NULL, '2025-03-31', :events_rule)) AS rows_null_summary,
       (SELECT count(*) FROM learner_engagement, engagement_state(summary, NULL, :events_rule)) AS rows_null_day,
       (SELECT count(*) FROM learner_engagement, engagement_state(summary, '2025-03-31', NULL, 14, 'events', 3, 7)) AS rows_null_threshold,
       (SELECT count(*) FROM learner_engagement, engagement_state(summary, '2025-03-31', 0.6, 14, 'events', 3, NULL)) AS rows_null_window;
-- under the shipped rules instead (engagement_dip: events, 60%, 14 days, a dip once it has lasted 3
-- days; inactivity: 7 days): learner 1's single dip day is no dip, learner 2's 12 days are
SELECT learner, s.state, s.baseline_days, s.dip_days, s.reason
FROM learner_engagement
CROSS JOIN (SELECT * FROM alert_rule WHERE name = 'engagement_dip') d
CROSS JOIN (SELECT * FROM alert_rule WHERE name = 'inactivity') n
CROSS JOIN LATERAL engagement_state(summary, '2025-03-31', d.threshold, d.baseline_days, d.metric, d.fire_after, n.window_days) s
ORDER BY learner;

-- the views are the functions as of today in the summary's time zone, under the shipped rules:
-- compared with them at the same now() (one statement, one transaction time), so the answer cannot
-- depend on the hour
CREATE TEMP VIEW shipped_rules AS
SELECT d.threshold, d.baseline_days, d.metric, d.fire_after, n.window_days, d.version AS dip_version, n.version AS idle_version
FROM alert_rule d, alert_rule n WHERE d.name = 'engagement_dip' AND n.name = 'inactivity';
SELECT count(*) AS learners,
       count(*) FILTER (WHERE v.as_of = (now() AT TIME ZONE 'UTC')::date - 1) AS as_of_yesterday,
       count(*) FILTER (WHERE (v.first_activity, v.last_activity, v.active_days, v.events, v.days_inactive,
                               v.active_today, v.streak_days, v.baseline, v.baseline_days, v.dip_ratio,
                               v.dip_days, v.state, v.reason)
                              IS NOT DISTINCT FROM
                              (s.first_activity, s.last_activity, s.active_days, s.events, s.days_inactive,
                               s.active_today, s.streak_days, s.baseline, s.baseline_days, s.dip_ratio,
                               s.dip_days, s.state, s.reason)) AS same_as_function,
       count(*) FILTER (WHERE v.rule_parameters = jsonb_build_object(
         'engagement_dip', jsonb_build_object('version', r.dip_version, 'metric', r.metric, 'threshold', r.threshold,
                                              'baseline_days', r.baseline_days, 'fire_after', r.fire_after),
         'inactivity', jsonb_build_object('version', r.idle_version, 'window_days', r.window_days))) AS names_the_rules
FROM learner_engagement_state v JOIN learner_engagement le USING (learner) CROSS JOIN shipped_rules r
CROSS JOIN LATERAL engagement_state(le.summary, (now() AT TIME ZONE 'UTC')::date - 1, r.threshold, r.baseline_days,
                                    r.metric, r.fire_after, r.window_days) s;
SELECT DISTINCT rule_parameters FROM learner_engagement_state;

-- The view reads its thresholds from the rules, not from literals. In one transaction (now() is
-- fixed in it, so the days cannot move). The view reads the last complete day, yesterday (today is
-- not over: its zero so far is no dip). Learner r had 4 sessions a day for 14 days and 2 on each of
-- the 3 days up to yesterday (below 60% of the 14-day mean each day), and 0 so far today; learner q was active every day from 41 to 21 days ago (its
-- baseline is all zeros now: no dip, only inactivity).
BEGIN;
INSERT INTO learner_engagement (learner, summary)
SELECT x.learner, la_engagement_agg(x.learner, x.ts)
FROM (SELECT 'r' AS learner, ((now() AT TIME ZONE 'UTC')::date - d + time '00:00' + k * interval '1 hour') AT TIME ZONE 'UTC' AS ts
        FROM generate_series(4, 17) d, generate_series(0, 3) k
      UNION ALL
      SELECT 'r', ((now() AT TIME ZONE 'UTC')::date - d + time '00:00' + k * interval '1 hour') AT TIME ZONE 'UTC'
        FROM generate_series(1, 3) d, generate_series(0, 1) k
      UNION ALL
      SELECT 'q', ((now() AT TIME ZONE 'UTC')::date - d + time '12:00') AT TIME ZONE 'UTC'
        FROM generate_series(21, 41) d) x
GROUP BY x.learner;
-- shipped: r dips (yesterday 2 < 0.6 x 52/14) for 3 days (fire_after 3); q has been idle 20 days (>= 7)
SELECT learner, state, dip_days, days_inactive, reason FROM learner_engagement_state WHERE learner IN ('q', 'r') ORDER BY learner;
-- a threshold of 0.5 (2 < 0.5 x 52/14 is false) ends r's dip; a 30-day window ends q's inactivity;
-- the view follows, and says which rule versions it read
UPDATE alert_rule SET threshold = 0.5 WHERE name = 'engagement_dip';
UPDATE alert_rule SET window_days = 30 WHERE name = 'inactivity';
SELECT learner, state, dip_days, days_inactive, reason, rule_parameters FROM learner_engagement_state WHERE learner IN ('q', 'r') ORDER BY learner;
-- the metric is the rule's too: in sessions (an event an hour: as many sessions as events) r's
-- yesterday is the same dip; and so is fire_after: at 4 days, r's 3 days are no dip
UPDATE alert_rule SET threshold = 0.6, metric = 'sessions' WHERE name = 'engagement_dip';
SELECT learner, state, reason FROM learner_engagement_state WHERE learner = 'r';
UPDATE alert_rule SET fire_after = 4, ladder_after = '{4,4,5}' WHERE name = 'engagement_dip';
SELECT learner, state, reason FROM learner_engagement_state WHERE learner = 'r';
ROLLBACK;

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
FROM learner_engagement, unnest(ARRAY[date '2025-03-30', '2025-03-31']) d, engagement_state(summary, d, :events_rule) s
WHERE learner = '4' ORDER BY d;
SELECT count(*) AS learners,
       count(*) FILTER (WHERE v.as_of = (now() AT TIME ZONE 'Europe/Paris')::date - 1) AS as_of_yesterday_in_paris,
       count(*) FILTER (WHERE (v.days_inactive, v.state, v.reason) IS NOT DISTINCT FROM (s.days_inactive, s.state, s.reason)) AS same_as_function
FROM learner_engagement_state v JOIN learner_engagement le USING (learner) CROSS JOIN shipped_rules r
CROSS JOIN LATERAL engagement_state(le.summary, (now() AT TIME ZONE 'Europe/Paris')::date - 1, r.threshold, r.baseline_days,
                                    r.metric, r.fire_after, r.window_days) s;
SELECT count(*) FILTER (WHERE max_day = (now() AT TIME ZONE 'Europe/Paris')::date) AS through_today_in_paris
FROM (SELECT learner, max(day) AS max_day FROM learner_daily_engagement GROUP BY learner) d;

-- engagement_state() is for every reader of learner_engagement_state (learner_risk_state reads it)
SELECT r AS role, has_function_privilege(r, 'engagement_state(engagement_summary, date, numeric, integer, text, integer, integer)', 'EXECUTE') AS can_execute
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
DELETE FROM engagement_source WHERE name = 'default';
DROP TABLE clicks;
DROP VIEW shipped_rules;
