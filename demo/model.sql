-- The churn-probability model on the temporal split (included by demo/demo.sql after demo/rules.sql,
-- whose psql variables :scored, :training, :training_count, :best_rule it uses). Everything is the
-- engine's: risk_model_train (features, logistic regression, calibration), risk_score_days,
-- prediction_evaluate / prediction_calibration / prediction_bias and rule_replay_evaluate /
-- rule_replay_bias. This file only chooses the settings (leave one training presentation out),
-- trains the final model and prints the reports.
--
-- psql variables (set before including, else the defaults):
--   train_every  every how many days a learner-day is a training row (default 7: a weekly snapshot;
--                neighbouring days of one learner are nearly the same row)
--   capacity_pct the coaches' weekly capacity, in % of the learners of the scored presentation
--                (default 5: k = ceil(5% of its learners) alerts per week)
\if :{?train_every}
\else
  \set train_every 7
\endif
\if :{?capacity_pct}
\else
  \set capacity_pct 5
\endif
DROP SCHEMA IF EXISTS model CASCADE;
CREATE SCHEMA model;
DELETE FROM risk_model WHERE name IN ('oulad_cv', 'oulad_churn');

-- The feature sets of the grid: every default feature, and the activity features alone (the clicks
-- and the calendar: no assessment, score, quiz or module feature). Demographics are never features.
CREATE TABLE model.feature_set AS
SELECT 'all' AS feature_set, risk_feature_names() AS features
UNION ALL
SELECT 'activity', array_agg(f ORDER BY o)
FROM unnest(risk_feature_names()) WITH ORDINALITY u(f, o)
WHERE f !~ '(assess|score|overdue|quiz|module)';
CREATE TABLE model.grid AS
SELECT s.feature_set, s.features, l.lambda
FROM model.feature_set s CROSS JOIN unnest('{0.1,1,10}'::float8[]) l(lambda);

-- The training rows of the training presentations, computed once (risk_training_rows: the features
-- of every learner-day at risk, every :train_every days, and its label: withdrawal within 30 days).
-- The folds fit on them with logit_fit, the same fit as risk_model_train's, without recomputing
-- the features twelve times.
CREATE TABLE model.rows AS
SELECT r.*
FROM (SELECT min(start_date) AS from_day, max(end_date) AS to_day FROM replay.split WHERE role = 'training') w
CROSS JOIN LATERAL risk_training_rows(w.from_day, w.to_day, 'replay.engine_outcome', 30, NULL, :train_every,
                                      '{withdrawn}') r
WHERE r.course IN (SELECT presentation FROM replay.split WHERE role = 'training');
CREATE VIEW model.cv_train AS SELECT * FROM model.rows;

-- One fold: fit on the training presentations but one (held_out), score the held-out one with the
-- fitted coefficients (logit_probability), evaluate it (AUC; alerts at the weekly capacity).
CREATE TABLE model.cv_prediction (learner text, day date, score float8);
CREATE FUNCTION model.cv_fold(held_out text, features text[], lambda float8, capacity_pct numeric)
RETURNS TABLE (auc float8, auc_low float8, auc_high float8, brier float8, lift float8, lift_low float8,
               lift_high float8, "precision" float8, recall float8, iterations integer, converged boolean)
LANGUAGE plpgsql AS $$
DECLARE
  fit record;
  k   integer;
BEGIN
  EXECUTE format('CREATE OR REPLACE VIEW model.cv_train AS SELECT * FROM model.rows WHERE course <> %L', held_out);
  fit := logit_fit('model.cv_train', features, 'label', NULL, lambda);
  TRUNCATE model.cv_prediction;
  EXECUTE format('INSERT INTO model.cv_prediction
                  SELECT learner, day, logit_probability(ARRAY[%s]::float8[], $1, $2, $3) FROM model.rows WHERE course = $4',
                 (SELECT string_agg(quote_ident(f), ', ' ORDER BY o) FROM unnest(features) WITH ORDINALITY u(f, o)))
    USING fit.coef, fit.center, fit.scale, held_out;
  SELECT ceil(count(DISTINCT p.learner) * capacity_pct / 100)::integer INTO k FROM model.cv_prediction p;
  RETURN QUERY
  SELECT e.auc, e.auc_low, e.auc_high, e.brier, e.lift, e.lift_low, e.lift_high, e."precision", e.recall,
         fit.iterations, fit.converged
  FROM prediction_evaluate('model.cv_prediction', 'replay.engine_outcome', 30, k, '{withdrawn}', 0, 1) e;
END
$$;

\echo
\echo '== 8. the churn model: settings chosen by leave-one-presentation-out on' :training '=='
\echo 'Target: withdrawal within 30 days after the day (risk_training_rows); features: risk_features (activity,'
\echo 'assessments and scores from the mapped OULAD assessments; OULAD has no quizzes or module progress:'
\echo 'those features are neutral). Grid: all features or the activity features only, lambda 0.1, 1, 10.'
\echo 'The training rows (risk_training_rows, every' :train_every 'days) are computed once; each fold fits on the'
\echo 'training presentations but one (logit_fit, the fit of risk_model_train) and scores the one left out.'
\echo 'Criterion: the mean held-out AUC.' :scored 'is not looked at.'
CREATE TABLE model.cv AS
SELECT g.feature_set, g.features, g.lambda, s.presentation AS held_out, f.*
FROM model.grid g CROSS JOIN replay.split s
CROSS JOIN LATERAL model.cv_fold(s.presentation, g.features, g.lambda, :capacity_pct) f
WHERE s.role = 'training' AND :training_count > 1;
SELECT feature_set, cardinality(features) AS n_features, lambda,
       string_agg(format('%s: AUC %s (%s-%s), lift %s', held_out, round(auc::numeric, 3), round(auc_low::numeric, 3),
                         round(auc_high::numeric, 3), round(lift::numeric, 2)), ' | ' ORDER BY held_out) AS held_out,
       round(avg(auc)::numeric, 3) AS mean_auc
FROM model.cv GROUP BY feature_set, features, lambda ORDER BY avg(auc) DESC, feature_set, lambda;

-- The choice: the best mean held-out AUC (with one training presentation there is no fold: all
-- features, lambda 1, and the demo says so).
SELECT coalesce((SELECT feature_set FROM model.cv GROUP BY feature_set, lambda ORDER BY avg(auc) DESC, feature_set, lambda LIMIT 1), 'all') AS best_features,
       coalesce((SELECT lambda FROM model.cv GROUP BY feature_set, lambda ORDER BY avg(auc) DESC, feature_set, lambda LIMIT 1), 1) AS best_lambda \gset
SELECT CASE WHEN :training_count > 1 THEN 'chosen by leave-one-presentation-out'
            ELSE 'ONE training presentation: no fold to choose on, defaults used' END AS choice_note \gset
\echo 'Chosen:' :best_features 'features, lambda' :best_lambda '|' :choice_note

\echo
\echo 'The final model: risk_model_train on all the training presentations with the chosen settings; calibrated'
\echo '(Platt) on out-of-fold scores, one training presentation held out at a time.'
CREATE TABLE model.final AS
SELECT m.*
FROM (SELECT array_agg(presentation ORDER BY presentation) AS courses, min(start_date) AS from_day,
             max(end_date) AS to_day FROM replay.split WHERE role = 'training') t
CROSS JOIN LATERAL risk_model_train('oulad_churn', t.from_day, t.to_day, 'replay.engine_outcome', 30,
    courses => t.courses, features => (SELECT features FROM model.feature_set WHERE feature_set = :'best_features'),
    lambda => :best_lambda, every_days => :train_every,
    description => 'OULAD demo: trained on the presentations that ended before ' || :'scored') m;
SELECT name, version, cardinality(features) AS n_features, lambda, num_rows AS training_rows, positives::bigint,
       iterations, converged, calibration, round(calibration_a::numeric, 3) AS platt_a,
       round(calibration_b::numeric, 3) AS platt_b
FROM model.final;
\echo 'Coefficients (standardised features; a positive one raises the risk):'
SELECT f.feature, round(m.coef[f.i + 1]::numeric, 3) AS coefficient
FROM model.final m CROSS JOIN LATERAL unnest(m.features) WITH ORDINALITY f(feature, i)
ORDER BY abs(m.coef[f.i + 1]) DESC, f.feature;

\echo
\echo '== 9.' :scored 'once: the model next to the shipped default rule and the chosen rule, on the same days =='
SELECT s.start_date AS scored_from, s.end_date AS scored_to,
       ceil(count(*) * :capacity_pct / 100.0)::integer AS capacity
FROM replay.split s JOIN replay.population p USING (presentation)
WHERE s.role = 'scored' GROUP BY s.start_date, s.end_date \gset
\echo 'Every learner-day at risk of' :scored 'is scored by risk_score_days. The model alerts the top' :capacity
\echo 'learners by probability on the first day of each week (a coaching team''s weekly capacity:' :capacity_pct 'percent'
\echo 'of the learners); a rule alerts whoever it fires on. AUC: 95% interval clustered by learner; lift: 95%'
\echo 'interval, bootstrap by learner (200 replicates, seed 1). alert_precision = share of the ALERTS followed by withdrawal'
\echo 'within 30 days (per alert, the precision of lift; section 7 counts alerted learners).'
CREATE TABLE model.scored AS
SELECT r.learner, r.day, r.probability AS score
FROM risk_score_days('oulad_churn', :'scored_from', :'scored_to', :'scored') r;
CREATE TABLE model.comparison AS
SELECT 1 AS ord, format('model (top %s a week)', :capacity) AS what, e.*
FROM prediction_evaluate('model.scored', 'replay.engine_outcome', 30, :capacity, '{withdrawn}', 200, 1) e
UNION ALL
SELECT 2, 'dip 60%/14d/3d (shipped default)', e.*
FROM rule_replay_evaluate('dip_events_60_14_3', :'scored_from', :'scored_to', 'replay.engine_outcome', 30,
                          jsonb_build_object('course', :'scored'), '{withdrawn}', 200, 1) e
UNION ALL
SELECT 3, (SELECT label FROM replay.grid WHERE rule = :'best_rule') || ' (chosen rule)', e.*
FROM rule_replay_evaluate(:'best_rule', :'scored_from', :'scored_to', 'replay.engine_outcome', 30,
                          jsonb_build_object('course', :'scored'), '{withdrawn}', 200, 1) e;
SELECT what, learners, learner_days, dropouts AS withdrawals,
       CASE WHEN auc IS NOT NULL THEN format('%s (%s-%s)', round(auc::numeric, 3), round(auc_low::numeric, 3),
                                             round(auc_high::numeric, 3)) END AS auc_95ci,
       round(brier::numeric, 4) AS brier, alerts, alerted_learners,
       round((100 * precision)::numeric, 1) AS alert_precision_pct, round((100 * recall)::numeric, 1) AS recall_pct,
       lead_time_median AS lead_days,
       format('%s (%s-%s)', round(lift::numeric, 2), round(lift_low::numeric, 2), round(lift_high::numeric, 2)) AS lift_95ci,
       round((100 * base_rate)::numeric, 2) AS base_pct
FROM model.comparison ORDER BY ord;
SELECT what, verdict FROM model.comparison ORDER BY ord;

\echo 'Calibration of the model on' :scored '(deciles of the probability; observed = share of learner-days followed by'
\echo 'withdrawal within 30 days, with a Wilson interval):'
SELECT bin, n, round(mean_predicted::numeric, 4) AS mean_predicted, round(observed_rate::numeric, 4) AS observed,
       round(observed_low::numeric, 4) AS observed_low, round(observed_high::numeric, 4) AS observed_high
FROM prediction_calibration('model.scored', 'replay.engine_outcome', 30, 10, '{withdrawn}');

\echo
\echo 'Bias report (prediction_bias; demographics are attributes, not features): per group, base rate, alert rate,'
\echo 'precision, true- and false-positive rates and calibration, with intervals; flagged where a group differs from'
\echo 'the rest by more than 0.1 and beyond its interval. OULAD attributes: gender, age_band, disability, region, imd_band.'
CREATE VIEW model.attributes AS
SELECT e.enrolment AS learner, e.gender, e.age_band, e.disability, e.region, coalesce(e.imd_band, 'unknown') AS imd_band
FROM oulad.enrolment e JOIN replay.population p USING (enrolment);
CREATE TABLE model.bias AS
SELECT 1 AS ord, 'model' AS what, b.*
FROM prediction_bias('model.scored', 'replay.engine_outcome', 'model.attributes',
                     '{gender,age_band,disability,region,imd_band}', 30, :capacity, 0.1, '{withdrawn}') b
UNION ALL
SELECT 2, 'dip 60%/14d/3d', b.*
FROM rule_replay_bias('dip_events_60_14_3', :'scored_from', :'scored_to', 'replay.engine_outcome', 'model.attributes',
                      '{gender,age_band,disability,region,imd_band}', 30, jsonb_build_object('course', :'scored'), 0.1,
                      '{withdrawn}') b
UNION ALL
SELECT 3, (SELECT label FROM replay.grid WHERE rule = :'best_rule'), b.*
FROM rule_replay_bias(:'best_rule', :'scored_from', :'scored_to', 'replay.engine_outcome', 'model.attributes',
                      '{gender,age_band,disability,region,imd_band}', 30, jsonb_build_object('course', :'scored'), 0.1,
                      '{withdrawn}') b;
\echo 'The model, every group:'
SELECT attribute, "group", learners, dropouts AS withdrawals,
       round((100 * base_rate)::numeric, 2) AS base_pct,
       format('%s (%s-%s)', round((100 * alert_rate)::numeric, 1), round((100 * alert_rate_low)::numeric, 1),
              round((100 * alert_rate_high)::numeric, 1)) AS alerted_pct,
       round((100 * precision)::numeric, 1) AS precision_pct, round((100 * tpr)::numeric, 1) AS tpr_pct,
       round((100 * fpr)::numeric, 1) AS fpr_pct,
       round((100 * mean_predicted)::numeric, 2) AS predicted_pct, round((100 * observed_rate)::numeric, 2) AS observed_pct,
       CASE WHEN flagged THEN 'FLAGGED: ' || flag_reason ELSE '' END AS flag
FROM model.bias WHERE ord = 1 ORDER BY attribute, "group";
\echo 'Flagged groups, model and rules:'
SELECT what, count(*) AS groups, count(*) FILTER (WHERE flagged) AS flagged,
       string_agg(CASE WHEN flagged THEN attribute || '=' || "group" || ': ' || flag_reason END, '; '
                  ORDER BY attribute, "group") AS flagged_groups
FROM model.bias GROUP BY ord, what ORDER BY ord;

\echo
\echo 'What a coach sees on day 60 of' :scored '- the five highest probabilities and their reasons (risk_score):'
SELECT r.learner, round(r.probability::numeric, 3) AS probability, r.reasons,
       CASE WHEN p.withdrew_day IS NOT NULL THEN 'unregistered on day ' || p.withdrew_day ELSE e.outcome END AS what_happened
FROM risk_score('oulad_churn', (:'scored_from'::date + 60), :'scored') r
JOIN replay.population p ON p.enrolment = r.learner JOIN oulad.enrolment e ON e.enrolment = r.learner
ORDER BY r.probability DESC, r.learner LIMIT 5;

-- the model's weekly alerts, for the volume table of demo.sql
CREATE TABLE model.alert AS
SELECT t.learner AS enrolment, t.day - :'scored_from'::date AS day
FROM (SELECT s.*, rank() OVER (PARTITION BY (s.day - :'scored_from'::date) / 7 ORDER BY s.score DESC, s.learner) AS rk
      FROM model.scored s WHERE (s.day - :'scored_from'::date) % 7 = 0) t
WHERE t.rk <= :capacity;
