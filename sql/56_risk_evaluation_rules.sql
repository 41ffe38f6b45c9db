--
-- rules and models on the same scale: rule_replay's lift interval and verdict, rule_replay_evaluate
-- (the replay as predictions through prediction_evaluate) agreeing with rule_replay's own numbers,
-- and rule_replay_bias. The fixture is sql/45_alert_replay's:
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

-- rule_replay's numbers (unchanged, as in sql/45_alert_replay) with the new interval and verdict:
-- the first-dip rule is no better than chance, the persistent dip (fire_after 3) is better
SELECT parameters->>'fire_after' AS fire_after, alerts, dropouts, dropouts_alerted, round("precision"::numeric, 3) AS "precision",
       round(recall::numeric, 3) AS recall, lead_time_mean, round(alert_dropout_rate::numeric, 4) AS alert_rate,
       round(base_dropout_rate::numeric, 4) AS base_rate, round(lift::numeric, 3) AS lift,
       lift_low <= lift AND lift <= lift_high AS inside, lift_high > lift_low AS width, verdict
FROM (VALUES ('{"metric": "sessions", "fire_after": 1}'::jsonb), ('{"metric": "sessions", "fire_after": 3}')) o(ov),
     LATERAL rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => o.ov) r;
-- the bootstrap is deterministic: two replays, the same interval
SELECT a.lift_low = b.lift_low AND a.lift_high = b.lift_high AS same_interval
FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => '{"metric": "sessions", "fire_after": 3}') a,
     rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => '{"metric": "sessions", "fire_after": 3}') b;
-- without outcomes: no interval, no verdict
SELECT lift, lift_low, lift_high, verdict FROM rule_replay('engagement_dip', '2026-01-15', '2026-02-28',
  overrides => '{"metric": "sessions", "fire_after": 1}');

-- rule_replay_evaluate: the same alerts, dropouts, per-alert precision, recall, lead time, base rate,
-- lift and interval as rule_replay (the same definitions, computed in one place), no AUC (no score)
-- (rule_replay's alerts and learners_touched also count the alerts after a learner's outcome: 2 with
-- fire_after 3: L19 and L20 on their withdrawal day, listed below; the evaluation counts days at risk only)
SELECT coalesce(o.ov->>'fire_after', '1') AS fire_after, r.alerts AS replay_alerts, e.alerts AS alerts_at_risk,
       r.learners_touched, e.alerted_learners, e.dropouts = r.dropouts AS dropouts,
       e."precision" = r.alert_dropout_rate AS "precision", e.recall = r.recall AS recall,
       e.lead_time_mean IS NOT DISTINCT FROM r.lead_time_mean AS lead_time, e.base_rate = r.base_dropout_rate AS base_rate,
       abs(e.lift - r.lift) < 1e-12 AS lift, e.lift_low = r.lift_low AND e.lift_high = r.lift_high AS interval,
       e.verdict = r.verdict AS verdict, e.learners = r.learners_enrolled AS learners, e.auc IS NULL AND e.brier IS NULL AS no_auc
FROM (VALUES ('{"metric": "sessions", "fire_after": 1}'::jsonb), ('{"metric": "sessions", "fire_after": 3}')) o(ov),
     LATERAL rule_replay('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => o.ov) r,
     LATERAL rule_replay_evaluate('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => o.ov) e;
SELECT learners, learner_days, positive_days, dropouts, alerts, round("precision"::numeric, 4) AS "precision",
       round(lift::numeric, 3) AS lift, verdict
FROM rule_replay_evaluate('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', overrides => '{"metric": "sessions", "fire_after": 3}');
-- 30 learners x 45 days, less L11-L15 from Feb 5 (24 days each) and L19-L20 from Feb 12 (17 each),
-- L16-L18 from Feb 28 (1 each): 1350 - 120 - 34 - 3 = 1193; days followed within 14 days:
-- L11-L15 Jan 22..Feb 4 (14 each), L19-L20 Jan 29..Feb 11 (14 each): 98
SELECT 30 * 45 - 5 * 24 - 2 * 17 - 3 AS learner_days, 7 * 14 AS positive_days;

-- rule_replay_bias: L11-L20 'F' (all the dropouts and the completers), L01-L10 and L21-L30 'M';
-- fewer than 30 learners a group: reported, not flagged
CREATE TABLE rattr (learner text, sex text);
INSERT INTO rattr SELECT 'L' || lpad(i::text, 2, '0'), CASE WHEN i BETWEEN 11 AND 20 THEN 'F' ELSE 'M' END FROM generate_series(1, 30) i;
SELECT attribute, "group", learners, learner_days, dropouts, alerted_learners, alerts, round("precision"::numeric, 3) AS "precision",
       tpr, fpr, mean_predicted, round(observed_rate::numeric, 4) AS observed_rate, flagged, flag_reason
FROM rule_replay_bias('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', 'rattr', '{sex}', overrides => '{"metric": "sessions", "fire_after": 3}');
-- by hand from the alerts (those before the learner's outcome): per sex, learners alerted, alerts
SELECT t.sex, count(DISTINCT a.learner) AS alerted_learners, count(*) AS alerts
FROM rule_replay_alerts('engagement_dip', '2026-01-15', '2026-02-28', '{"metric": "sessions", "fire_after": 3}') a
JOIN rattr t USING (learner) LEFT JOIN routcome o USING (learner)
WHERE o.outcome_at IS NULL OR a.day < o.outcome_at::date
GROUP BY t.sex ORDER BY 1;
-- the alerts after an outcome
SELECT a.day, a.learner, o.outcome, o.outcome_at::date AS outcome_day
FROM rule_replay_alerts('engagement_dip', '2026-01-15', '2026-02-28', '{"metric": "sessions", "fire_after": 3}') a
JOIN routcome o USING (learner) WHERE a.day >= o.outcome_at::date ORDER BY 1, 2;
-- bad calls
SELECT * FROM rule_replay_evaluate('no_such_rule', '2026-01-15', '2026-02-28', 'routcome');
SELECT * FROM rule_replay_evaluate('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', horizon_days => 400);
SELECT * FROM rule_replay_bias('engagement_dip', '2026-01-15', '2026-02-28', 'routcome', 'rattr', '{age}');

DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE ract, routcome, rattr;
