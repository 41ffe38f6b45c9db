--
-- replay: a rule, or changed parameters, over a past period day by day without writing alerts,
-- with alerts per day, learners touched and, against outcomes, precision, recall, lead time, lift
--   L01-L10 4 sessions every day                      L11-L15 stop on Jan 30, drop out on Feb 5
--   L16-L18 silent Jan 20-24, then back; complete     L19-L20 stop on Feb 10, withdraw on Feb 12
--   L21-L30 alternate 6 and 2 sessions a day (every 2 is a dip at 0.6); never drop out
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE TABLE ract AS
SELECT 'L' || lpad(i::text, 2, '0') AS learner, timestamptz '2026-01-01 08:00+00' + d * interval '1 day' + k * interval '1 hour' AS ts
FROM generate_series(1, 30) i, generate_series(0, 58) d,
     LATERAL (SELECT CASE
                WHEN i <= 10 THEN 4
                WHEN i <= 15 THEN CASE WHEN d < 29 THEN 4 ELSE 0 END
                WHEN i <= 18 THEN CASE WHEN d BETWEEN 19 AND 23 THEN 0 ELSE 4 END
                WHEN i <= 20 THEN CASE WHEN d < 40 THEN 4 ELSE 0 END
                ELSE CASE WHEN d % 2 = 0 THEN 6 ELSE 2 END END AS n) c,
     generate_series(1, c.n) k;
SELECT engagement_refresh('ract', 'learner', 'ts');
INSERT INTO enrolment (learner, course, enrolled_at) SELECT 'L' || lpad(i::text, 2, '0'), 'c6', '2025-12-31' FROM generate_series(1, 30) i;
CREATE TABLE routcome (learner text, outcome text, outcome_at timestamptz);
INSERT INTO routcome
SELECT 'L' || lpad(i::text, 2, '0'), 'dropped_out', timestamptz '2026-02-05 10:00+00' FROM generate_series(11, 15) i
UNION ALL SELECT 'L' || lpad(i::text, 2, '0'), 'Withdrawn', '2026-02-12 10:00+00' FROM generate_series(19, 20) i
UNION ALL SELECT 'L' || lpad(i::text, 2, '0'), 'completed', '2026-02-28 10:00+00' FROM generate_series(16, 18) i;

-- the shipped template as it stood before issue 14 (sessions below 0.6 x the 14-day mean, alert on
-- the first day)
\set first_day '{"metric": "sessions", "fire_after": 1}'
SELECT day, learner, value, baseline, ratio, persisted
FROM rule_replay_alerts('engagement_dip', '2026-01-15', '2026-02-28', :'first_day') WHERE learner < 'L21' ORDER BY day, learner;
SELECT count(*) AS alerts, count(DISTINCT learner) AS learners FROM rule_replay_alerts('engagement_dip', '2026-01-15', '2026-02-28', :'first_day');
SELECT * FROM rule_replay_daily('engagement_dip', '2026-01-28', '2026-02-02', :'first_day');
-- alerting on the first dip day touches two thirds of the learners: "ever alerted" recall is perfect,
-- but most alerts are noise, and the per-alert lift (below 1) shows it
SELECT rule, rule_version, parameters, days, alerts, round(alerts_per_day::numeric, 3) AS per_day,
       learners_enrolled, learners_touched, round(touched_share::numeric, 3) AS touched_share,
       dropouts, dropouts_alerted, round("precision"::numeric, 3) AS "precision", round(recall::numeric, 3) AS recall,
       round(lead_time_mean::numeric, 3) AS lead_mean, lead_time_median AS lead_median,
       round(alert_dropout_rate::numeric, 4) AS alert_rate, round(base_dropout_rate::numeric, 4) AS base_rate,
       round(lift::numeric, 3) AS lift
FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => :'first_day');
-- tuning before going live: require 3 days of persistence (what ships now, in events: here each
-- event is its own session); fewer alerts, lower recall, a much higher lift
SELECT parameters, alerts, learners_touched, dropouts, dropouts_alerted, round("precision"::numeric, 3) AS "precision",
       round(recall::numeric, 3) AS recall, lead_time_mean, lead_time_median,
       round(alert_dropout_rate::numeric, 4) AS alert_rate, round(base_dropout_rate::numeric, 4) AS base_rate,
       round(lift::numeric, 3) AS lift
FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => '{"fire_after": 3}');
-- the same with a stricter threshold, and without outcomes (counts only)
SELECT parameters, alerts, learners_touched, round(lift::numeric, 3) AS lift FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome',
       overrides => '{"fire_after": 3, "threshold": 0.3}');
SELECT alerts, learners_touched, dropouts, "precision", recall, lift
FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', overrides => '{"fire_after": 3}');
-- the live rule is unchanged and nothing was written
SELECT version, threshold, fire_after FROM alert_rule WHERE name = 'engagement_dip';
SELECT count(*) AS alerts_written FROM alert;
-- the native replay agrees with the live evaluation, day by day (fire_after 3: a run reaching 3 days)
SELECT name FROM rule_copy('engagement_dip', 't_dip3', '{"fire_after": 3}');
SELECT count(*) AS days_mismatched FROM generate_series(date '2026-01-15', date '2026-02-28', '1 day') g,
  LATERAL (SELECT array_agg(learner ORDER BY learner) AS l FROM learnalytics_internal.rule_candidates(rule_with_overrides('t_dip3'), g::date)
            WHERE persisted = 3) live,
  LATERAL (SELECT array_agg(learner ORDER BY learner) AS l FROM rule_replay_alerts('t_dip3', g::date, g::date)) rep
WHERE live.l IS DISTINCT FROM rep.l;
DELETE FROM alert_rule WHERE name = 't_dip3';

-- another template, replayed day by day: assignment miss
INSERT INTO assignment VALUES ('c6', 'essay', '2026-01-20 09:00+00');
INSERT INTO assignment_submission SELECT 'c6', 'essay', learner, '2026-01-19 09:00+00' FROM enrolment WHERE learner <> 'L11';
SELECT * FROM rule_replay_alerts('assignment_miss', '2026-01-15', '2026-02-28');
SELECT * FROM rule_replay_alerts('assignment_miss', '2026-01-15', '2026-02-28', '{"fire_after": 4}');
-- stalled start: nobody has started a module (one progress row, of L01's module m0 opened on enrolling
-- and left at 0%: the same as no row; without any row the rule would not fire, sql/59_rules_inputs),
-- so every learner stalls once the first 7 days are over; the condition starts holding past fire_after (3 idle days), and the alert
-- is its first day; a run that began before the period is not an alert of the period
INSERT INTO module_progress VALUES ('c6', 'L01', 'm0', '2025-12-31 00:00+00', 0, NULL);
SELECT day, count(*), min(persisted) AS idle_days FROM rule_replay_alerts('stalled_start', '2026-01-01', '2026-01-20') GROUP BY day;
SELECT count(*) FROM rule_replay_alerts('stalled_start', '2026-01-10', '2026-01-20');

-- bad calls
SELECT * FROM rule_replay('no_such_rule', '2026-01-15', '2026-02-28');
SELECT * FROM rule_replay('engagement_dip', '2026-02-28', '2026-01-15');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', overrides => '{"threshold": 1.4}');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', overrides => '{"ladder": "{sms}"}');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', overrides => '{"metric": "clicks"}');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', overrides => '[1]');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', time_column => 'oops');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', time_column => 'outcome');
SELECT * FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', horizon_days => 0);

DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM module_progress;
DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE ract, routcome;
