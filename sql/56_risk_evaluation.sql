--
-- prediction_evaluate / prediction_calibration / prediction_bias on a tiny fixture computed by hand
-- (doc/risk_evaluation.md). Period 2026-03-01..10, horizon 3 days.
--   A withdraws on 03-06: at risk 03-01..05 (5 days), days followed by dropout: 03, 04, 05
--   B completes on 03-08: at risk 03-01..07 (7 days), never followed
--   C drops out on 03-12 (after the period): at risk all 10 days, followed: 09, 10
--   D no outcome: 10 days
-- 32 learner-days at risk, 5 followed: base rate 5/32 = 0.15625.
-- Alerts (column alerted): A 03-02 (not followed: 6 > 2 + 3), A 03-04 (followed), A 03-07 (after
-- A's outcome: left out), B 03-05 (no), C 03-10 (followed: 12 <= 13), D 03-01 (no):
-- 5 alerts, 2 followed: precision 0.4, lift 0.4 / 0.15625 = 2.56; alerted learners 4.
-- Dropouts in (03-01, 03-10]: A only, alerted on 03-04 within 3 days before: recall 1, lead time 2.
-- Scores: followed days A03 0.8, A04 0.8, A05 0.6, C09 0.6, C10 0.2; D01 0.9; every other day 0.2.
-- AUC: positives 0.8, 0.8, 0.6, 0.6 beat the 26 negatives at 0.2 and lose to D01 (26 each), 0.2 ties
-- 26 (13): 117 / (5 x 27) = 0.866667. Brier: (0.04 x 2 + 0.16 x 2 + 0.64 + 26 x 0.04 + 0.81) / 32
-- = 2.89 / 32 = 0.0903125.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE TABLE ev_outcome (learner text, outcome text, outcome_at date);
INSERT INTO ev_outcome VALUES ('A', 'Withdrawn', '2026-03-06'), ('B', 'completed', '2026-03-08'),
  ('C', 'dropped_out', '2026-03-12');
CREATE TABLE ev_pred AS
SELECT l AS learner, d::date AS day,
       CASE WHEN (l, d::date) IN (('A', date '2026-03-03'), ('A', '2026-03-04')) THEN 0.8
            WHEN (l, d::date) IN (('A', date '2026-03-05'), ('C', '2026-03-09')) THEN 0.6
            WHEN (l, d::date) = ('D', date '2026-03-01') THEN 0.9 ELSE 0.2 END::float8 AS score,
       (l, d::date) IN (('A', date '2026-03-02'), ('A', '2026-03-04'), ('A', '2026-03-07'), ('B', '2026-03-05'),
                        ('C', '2026-03-10'), ('D', '2026-03-01')) AS alerted
FROM unnest('{A,B,C,D}'::text[]) l, generate_series(date '2026-03-01', date '2026-03-10', '1 day') d;

SELECT learners, learner_days, positive_days, dropouts, round(auc::numeric, 6) AS auc, round(brier::numeric, 7) AS brier,
       alerts, alerted_learners, "precision", recall, lift, lead_time_mean, lead_time_median, base_rate,
       auc_low < auc AND auc < auc_high AS auc_inside, lift_low <= lift AND lift <= lift_high AS lift_inside
FROM prediction_evaluate('ev_pred', 'ev_outcome', horizon_days => 3);
-- capacity 1 a week instead of the alerted column: 03-01 the top score is D (0.9), 03-08 (A and B
-- have ended) C and D tie at 0.2, C first by name; neither is followed: precision 0, recall 0, lift 0
SELECT alerts, alerted_learners, "precision", recall, lift, lead_time_mean, verdict
FROM prediction_evaluate('ev_pred', 'ev_outcome', horizon_days => 3, capacity_per_week => 1);
-- without scores (a rule): AUC and Brier are NULL, the alert metrics the same
CREATE VIEW ev_rule AS SELECT learner, day, NULL::float8 AS score, alerted FROM ev_pred;
SELECT auc, auc_low, brier, alerts, "precision", recall, lift FROM prediction_evaluate('ev_rule', 'ev_outcome', 3);
-- scores outside [0, 1]: AUC yes, no Brier
CREATE VIEW ev_logit AS SELECT learner, day, 10 * score - 3 AS score FROM ev_pred;
SELECT round(auc::numeric, 6) AS auc, brier FROM prediction_evaluate('ev_logit', 'ev_outcome', 3, capacity_per_week => 2);
-- the bootstrap: the same seed gives the same interval, another seed another one; 0 replicates none
SELECT a.lift_low = b.lift_low AND a.lift_high = b.lift_high AS same_seed_same_interval,
       (a.lift_low, a.lift_high) IS DISTINCT FROM (c.lift_low, c.lift_high) AS other_seed_other_interval,
       d.lift_low IS NULL AND d.lift IS NOT NULL AS no_bootstrap_no_interval, d.verdict
FROM prediction_evaluate('ev_pred', 'ev_outcome', 3, seed => 7) a,
     prediction_evaluate('ev_pred', 'ev_outcome', 3, seed => 7) b,
     prediction_evaluate('ev_pred', 'ev_outcome', 3, seed => 8) c,
     prediction_evaluate('ev_pred', 'ev_outcome', 3, bootstrap => 0) d;

-- calibration, 2 bins of 16 learner-days (ordered by score, learner, day): the first 16 are at 0.2
-- and not followed; the second holds 11 at 0.2 (C10 followed), 0.6 x 2, 0.8 x 2, 0.9: observed 5/16
SELECT bin, n, score_min, score_max, round(mean_predicted::numeric, 6) AS mean_predicted, observed_rate,
       round(observed_low::numeric, 6) AS observed_low, round(observed_high::numeric, 6) AS observed_high
FROM prediction_calibration('ev_pred', 'ev_outcome', 3, bins => 2);
-- Wilson 95% of 5/16 by hand: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
SELECT round(((5/16.0 + 1.959963984540054^2/32 - 1.959963984540054 * sqrt(5/16.0*11/16.0/16 + 1.959963984540054^2/1024))
              / (1 + 1.959963984540054^2/16))::numeric, 6) AS wilson_low;

-- bias report on the tiny fixture: too few learners to flag anything; per group by hand
--   F = {A, C}: 2 learners, 15 days, 1 dropout (A), both alerted, alerts 3 (A02, A04, C10), 2 followed,
--   TPR 1/1, FPR 0/1 (C did not drop out in the period, was alerted: FPR 1/1)
CREATE TABLE ev_attr (learner text, sex text, age_band integer);
INSERT INTO ev_attr VALUES ('A', 'F', 1), ('B', 'M', 1), ('C', 'F', 2);
SELECT attribute, "group", learners, learner_days, dropouts, base_rate, alerted_learners, alert_rate, alerts,
       "precision", tpr, fpr, round(mean_predicted::numeric, 6) AS mean_predicted, round(observed_rate::numeric, 6) AS observed_rate,
       flagged, flag_reason
FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_attr', '{sex,age_band}', horizon_days => 3);

-- bad calls
SELECT * FROM prediction_evaluate('ev_logit', 'ev_outcome', 3);                      -- no alerts, no capacity
SELECT * FROM prediction_evaluate('ev_pred', 'ev_outcome', 3, capacity_per_week => 0);
SELECT * FROM prediction_evaluate('ev_pred', 'ev_outcome', 0);
SELECT * FROM prediction_evaluate('ev_pred', 'ev_outcome', 367);
SELECT * FROM prediction_evaluate('ev_pred', 'ev_outcome', 3, bootstrap => -1);
SELECT * FROM prediction_evaluate('ev_pred', 'ev_outcome', 3, dropout_values => '{}');
SELECT * FROM prediction_evaluate('ev_pred', 'ev_attr', 3);                           -- outcomes without outcome
SELECT * FROM prediction_evaluate('ev_attr', 'ev_outcome', 3);                        -- predictions without day
CREATE VIEW ev_noscore AS SELECT learner, day, alerted FROM ev_pred;
SELECT * FROM prediction_evaluate('ev_noscore', 'ev_outcome', 3);
CREATE VIEW ev_textscore AS SELECT learner, day, score::text AS score, alerted FROM ev_pred;
SELECT * FROM prediction_evaluate('ev_textscore', 'ev_outcome', 3);
CREATE VIEW ev_intalert AS SELECT learner, day, score, alerted::int AS alerted FROM ev_pred;
SELECT * FROM prediction_evaluate('ev_intalert', 'ev_outcome', 3);
CREATE VIEW ev_dup AS SELECT * FROM ev_pred UNION ALL SELECT * FROM ev_pred WHERE learner = 'B' AND day = '2026-03-02';
SELECT * FROM prediction_evaluate('ev_dup', 'ev_outcome', 3);
CREATE VIEW ev_nan AS SELECT learner, day, CASE WHEN learner = 'D' AND day = '2026-03-04' THEN 'NaN' ELSE score END AS score, alerted FROM ev_pred;
SELECT * FROM prediction_evaluate('ev_nan', 'ev_outcome', 3);
SELECT * FROM prediction_calibration('ev_pred', 'ev_outcome', 3, bins => 0);
SELECT * FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_attr', '{sex,gender}', 3);
SELECT * FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_attr', '{}', 3);
SELECT * FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_attr', '{sex}', 3, tolerance => 2);
SELECT * FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_pred', '{score}', 3);   -- one row per learner

-- privileges: analysts evaluate, viewers do not
CREATE ROLE la_t_ev_analyst IN ROLE learnalytics_analyst;
CREATE ROLE la_t_ev_viewer IN ROLE learnalytics_viewer;
GRANT SELECT ON ev_pred, ev_outcome, ev_attr TO la_t_ev_analyst, la_t_ev_viewer;
SET ROLE la_t_ev_analyst;
SELECT alerts, "precision", lift FROM prediction_evaluate('ev_pred', 'ev_outcome', 3);
SELECT count(*) FROM prediction_calibration('ev_pred', 'ev_outcome', 3);
SELECT count(*) FROM prediction_bias('ev_pred', 'ev_outcome', 'ev_attr', '{sex}', 3);
RESET ROLE;
SET ROLE la_t_ev_viewer;
SELECT alerts FROM prediction_evaluate('ev_pred', 'ev_outcome', 3);
RESET ROLE;
REVOKE ALL ON ev_pred, ev_outcome, ev_attr FROM la_t_ev_analyst, la_t_ev_viewer;
DROP ROLE la_t_ev_analyst;
DROP ROLE la_t_ev_viewer;

DROP VIEW ev_rule, ev_logit, ev_noscore, ev_textscore, ev_intalert, ev_dup, ev_nan;
DROP TABLE ev_pred, ev_outcome, ev_attr;
