--
-- risk models (doc/risk_model.md): training, cross-fitted calibration, versions, immutability,
-- scoring with reasons, activation, learner_risk per role. Everything runs in one transaction that
-- is rolled back (ON_ERROR_ROLLBACK keeps it alive across the expected errors).
--
-- Synthetic population, 4 course/cohort groups (c1, c2 x a, b) of 40 learners each. A third of the
-- learners stop all activity after 15..64 days and withdraw 10 days later (the rule the model must
-- find); the others stay active (about one day in four without events) and pass on May 1.
--
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
SET client_min_messages = warning;   -- progress NOTICEs depend on the machine's speed
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
BEGIN;
TRUNCATE enrolment, assignment, assignment_submission, quiz_attempt, module_progress, learner_engagement,
         learner_org_unit, org_unit_manager, risk_model CASCADE;
CREATE TEMP TABLE rm_learner AS
SELECT format('%s%s_%s', c, h, lpad(i::text, 2, '0')) AS learner, c AS course, h AS cohort,
       CASE h WHEN 'a' THEN date '2024-01-01' ELSE date '2024-01-15' END AS start_day,
       CASE WHEN (i * 7 + ascii(c) + ascii(h)) % 3 = 0 THEN 15 + (i * 13 + ascii(h)) % 50 END AS stop_after
FROM unnest(ARRAY['c1', 'c2']) c, unnest(ARRAY['a', 'b']) h, generate_series(1, 40) i;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT learner, course, cohort, start_day + time '09:00' AT TIME ZONE 'UTC',
       CASE WHEN stop_after IS NOT NULL THEN (start_day + stop_after + 10) + time '12:00' AT TIME ZONE 'UTC' END
FROM rm_learner;
CREATE TEMP TABLE rm_events (learner text, ts timestamptz);
INSERT INTO rm_events
SELECT l.learner, (l.start_day + d) + time '10:00' AT TIME ZONE 'UTC' + k * interval '1 hour'
FROM rm_learner l, generate_series(0, 100) d, generate_series(0, 2) k
WHERE (l.stop_after IS NULL OR d < l.stop_after)
  AND (hashtext(l.learner || d) % 4) <> 0
  AND k <= abs(hashtext(l.learner || d || 'k')) % 3;
CREATE TEMP TABLE rm_outcomes (learner text, outcome text, outcome_at date);
INSERT INTO rm_outcomes
SELECT learner, CASE WHEN stop_after IS NOT NULL THEN 'withdrawn' ELSE 'passed' END,
       CASE WHEN stop_after IS NOT NULL THEN start_day + stop_after + 10 ELSE date '2024-05-01' END
FROM rm_learner;
-- the hand-made learners of course hc: h1 has 5 events a day Jan 1-30, 7 on Jan 31, none after;
-- ghost has no event at all. Neither submits the assessments due Jan 25 and Feb 2.
INSERT INTO enrolment (learner, course, cohort, enrolled_at) VALUES
  ('h1', 'hc', 'x', '2024-01-01 08:00+00'), ('ghost', 'hc', 'x', '2024-01-20 08:00+00');
INSERT INTO assignment (course, assignment, due_at) VALUES
  ('hc', 'A1', '2024-01-25 12:00+00'), ('hc', 'A2', '2024-02-02 12:00+00'), ('hc', 'A3', '2024-02-20 12:00+00');
INSERT INTO rm_events
SELECT 'h1', (date '2024-01-01' + d) + time '09:00' AT TIME ZONE 'UTC' + k * interval '10 minutes'
FROM generate_series(0, 29) d, generate_series(1, 5) k
UNION ALL
SELECT 'h1', timestamptz '2024-01-31 09:00+00' + k * interval '10 minutes' FROM generate_series(1, 7) k;
SELECT engagement_refresh('pg_temp.rm_events', 'learner', 'ts') AS learners;
SELECT outcome, count(*) FROM rm_outcomes GROUP BY 1 ORDER BY 1;

CREATE ROLE rm_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE rm_analyst LOGIN IN ROLE learnalytics_analyst;
CREATE ROLE rm_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE rm_manager LOGIN IN ROLE learnalytics_viewer;
CREATE TEMP TABLE rm_passed AS SELECT learner, 'passed' AS outcome, date '2024-05-01' AS outcome_at FROM rm_learner;
GRANT SELECT ON rm_outcomes, rm_passed TO rm_admin;
INSERT INTO learner_org_unit SELECT learner, 'north' FROM rm_learner WHERE course = 'c1' AND cohort = 'a';
INSERT INTO learner_org_unit VALUES ('h1', 'north');
INSERT INTO org_unit_manager VALUES ('rm_manager', 'north');

-- 1. train as an admin: every feature (the assessment, quiz and progress ones are constant: no
--    such data in c1/c2, so their coefficients are 0), all courses: 4 groups, so 4 folds
SET ROLE rm_admin;
CREATE TEMP TABLE m1 AS
SELECT * FROM risk_model_train('churn', '2024-01-08', '2024-03-31', 'rm_outcomes', courses => '{c1,c2}',
                               every_days => 3, description => 'all features');
RESET ROLE;
SELECT name, version, cardinality(features) = cardinality(risk_feature_names()) AS all_features,
       features = risk_feature_names() AS in_order, lambda, class_weight, horizon_days, from_day, to_day,
       courses, every_days, outcomes, num_rows, positives, converged, calibration, calibration_rows,
       calibration_groups, calibration_note, active, description, created_by, evaluation
FROM risk_model;
-- the training rows and positives, counted independently from the fixture: learner-days every 3
-- days from Jan 8 to Mar 31 while enrolled (from the enrolment day, before leaving), labelled when
-- the withdrawal is within 30 days after the day
SELECT count(*) AS rows, count(*) FILTER (WHERE o.outcome = 'withdrawn' AND o.outcome_at > g.d
                                                 AND o.outcome_at <= g.d + 30) AS positives
FROM rm_learner l JOIN rm_outcomes o USING (learner),
     LATERAL (SELECT (date '2024-01-08' + 3 * k) AS d FROM generate_series(0, 27) k) g
WHERE g.d >= l.start_day AND (l.stop_after IS NULL OR g.d < l.start_day + l.stop_after + 10);
-- the constant features got coefficient 0 and scale 0
SELECT array_agg(f ORDER BY o) AS constant_features
FROM risk_model m, unnest(m.features, m.scale) WITH ORDINALITY u (f, s, o) WHERE s = 0;

-- 2. the coefficients equal a direct logit_fit on the same rows, with the same settings
CREATE TEMP TABLE rm_rows AS
SELECT * FROM risk_training_rows('2024-01-08', '2024-03-31', 'rm_outcomes', 30, NULL, 3)
WHERE course IN ('c1', 'c2');
CREATE TEMP TABLE direct AS
SELECT * FROM logit_fit('rm_rows', risk_feature_names(), 'label', NULL, 1.0);
SELECT max(abs(a - b)) < 1e-9 AS same_coef, (SELECT iterations FROM direct) = m1.iterations AS same_iterations
FROM m1, unnest(m1.coef, (SELECT coef FROM direct)) u (a, b) GROUP BY m1.iterations;
SELECT max(abs(a - b)) < 1e-9 AS same_center FROM m1, unnest(m1.center, (SELECT center FROM direct)) u (a, b);
SELECT max(abs(a - b)) < 1e-9 AS same_scale FROM m1, unnest(m1.scale, (SELECT scale FROM direct)) u (a, b);

-- 3. calibration, recomputed: the groups c1/a, c1/b, c2/a, c2/b are the 4 folds; each is scored by
--    a model fitted on the 3 others, its raw logit is ln(p / (1 - p)); Platt = logit_fit of the label
--    on that logit, lambda 0, unstandardised
CREATE TEMP TABLE oof (learner text, day date, label boolean, z float8);
DO $$
DECLARE
  g text;
  f record;
BEGIN
  FOR g IN SELECT DISTINCT course || '/' || cohort FROM rm_rows ORDER BY 1 LOOP
    EXECUTE format('CREATE OR REPLACE TEMP VIEW rm_fold AS SELECT * FROM rm_rows WHERE course || ''/'' || cohort <> %L', g);
    SELECT * INTO f FROM logit_fit('rm_fold', risk_feature_names(), 'label', NULL, 1.0);
    EXECUTE format($q$INSERT INTO oof SELECT learner, day, label, ln(p / (1 - p))
                        FROM (SELECT r.learner, r.day, r.label,
                                     logit_probability(ARRAY[%s]::float8[], $1, $2, $3) AS p
                                FROM rm_rows r WHERE course || '/' || cohort = %L) s$q$,
                   (SELECT string_agg(quote_ident(n), ', ') FROM unnest(risk_feature_names()) n), g)
      USING f.coef, f.center, f.scale;
  END LOOP;
END
$$;
CREATE TEMP TABLE platt AS SELECT * FROM logit_fit('oof', '{z}', 'label', NULL, 0);
SELECT (SELECT count(*) FROM oof) = m1.calibration_rows AS same_rows,
       abs(m1.calibration_a - p.coef[2] / p.scale[1]) < 1e-6 * abs(m1.calibration_a) AS same_a,
       abs(m1.calibration_b - (p.coef[1] - p.coef[2] / p.scale[1] * p.center[1])) < 1e-6 * (1 + abs(m1.calibration_b)) AS same_b,
       m1.calibration_a > 0 AS a_positive
FROM m1, platt p;

-- 4. a second version: fewer features, balanced class weights, trained on course c1 only (2 groups)
SET ROLE rm_admin;
CREATE TEMP TABLE m2 AS
SELECT * FROM risk_model_train('churn', '2024-01-08', '2024-03-31', 'rm_outcomes', courses => '{c1}',
                               features => '{days_inactive,activity_7d,activity_vs_baseline,active_day_share_28d}',
                               class_weight => 'balanced', horizon_days => 10, every_days => 3);
RESET ROLE;
SELECT name, version, features, class_weight, horizon_days, courses, num_rows, positives, calibration,
       calibration_groups, active FROM m2;
-- balanced weights: the same as a direct fit with weights n / (2 n_class), on the rows of c1, horizon 10
CREATE TEMP TABLE rm_rows_c1 AS SELECT * FROM risk_training_rows('2024-01-08', '2024-03-31', 'rm_outcomes', 10, 'c1', 3);
ALTER TABLE rm_rows_c1 ADD COLUMN w float8;
UPDATE rm_rows_c1 r SET w = CASE WHEN r.label THEN c.n / (2.0 * c.pos) ELSE c.n / (2.0 * (c.n - c.pos)) END
FROM (SELECT count(*) AS n, count(*) FILTER (WHERE label) AS pos FROM rm_rows_c1) c;
SELECT count(*) AS rows, count(*) FILTER (WHERE label) AS positives FROM rm_rows_c1;
SELECT max(abs(a - b)) < 1e-9 AS same_weighted_coef
FROM m2, unnest(m2.coef, (SELECT coef FROM logit_fit('rm_rows_c1', m2.features, 'label', 'w', 1.0))) u (a, b);
-- held out: on course c2, which v2 never saw, withdrawers rank above stayers. AUC by counting the
-- pairs (positive learner-day, negative learner-day) in the right order, ties counting half
CREATE TEMP TABLE rm_heldout AS
SELECT s.learner, s.day, s.probability,
       coalesce(o.outcome = 'withdrawn' AND o.outcome_at > s.day AND o.outcome_at <= s.day + 10, false) AS label
FROM risk_score_days('churn', '2024-01-15', '2024-03-31', 'c2', 2, 7) s JOIN rm_outcomes o USING (learner);
SELECT count(*) AS learner_days, count(*) FILTER (WHERE label) AS positives,
       bool_and(probability > 0 AND probability < 1) AS probabilities
FROM rm_heldout;
SELECT round(sum(CASE WHEN p.probability > n.probability THEN 1 WHEN p.probability = n.probability THEN 0.5 ELSE 0 END)
       / count(*), 2) AS auc, sum(CASE WHEN p.probability > n.probability THEN 1 WHEN p.probability = n.probability THEN 0.5 ELSE 0 END) / count(*) > 0.9 AS auc_above_09
FROM rm_heldout p, rm_heldout n WHERE p.label AND NOT n.label;
-- the learners who had stopped 5+ days ago are all above the median of the active ones
SELECT min(h.probability) FILTER (WHERE l.stop_after IS NOT NULL AND h.day >= l.start_day + l.stop_after + 5)
       > percentile_cont(0.5) WITHIN GROUP (ORDER BY h.probability) FILTER (WHERE l.stop_after IS NULL)
       AS stopped_above_median
FROM rm_heldout h JOIN rm_learner l USING (learner);

-- 5. one course and cohort only: nothing to hold out, the probabilities are uncalibrated
SET ROLE rm_admin;
SELECT name, version, num_rows, calibration, calibration_a, calibration_groups, calibration_note
FROM risk_model_train('solo', '2024-01-08', '2024-01-14', 'rm_outcomes', courses => '{c1}',
                      features => '{days_inactive,activity_7d}');
RESET ROLE;
SELECT count(DISTINCT cohort) AS groups FROM risk_training_rows('2024-01-08', '2024-01-14', 'rm_outcomes', 30, 'c1');
-- uncalibrated: probability = raw probability
SELECT bool_and(probability = raw_probability) AS raw FROM risk_score('solo', '2024-01-14', 'c1');

-- 6. scoring: risk_score's probability is Platt's function of the model's raw logit, and
--    risk_score_days gives the same probabilities
SELECT count(*) AS learners,
       max(abs(s.probability - 1 / (1 + exp(-(m1.calibration_a * ln(s.raw_probability / (1 - s.raw_probability))
                                                 + m1.calibration_b))))) < 1e-9 AS platt_applied
FROM risk_score('churn', '2024-02-20', 'c1', 1) s, m1;
SELECT count(*) AS same FROM risk_score('churn', '2024-02-20', NULL, 1) s
JOIN risk_score_days('churn', '2024-02-20', '2024-02-20', NULL, 1) d USING (learner, course, day)
WHERE s.probability = d.probability;
-- the contributions sum to the raw logit minus the intercept
SELECT max(abs((SELECT sum(value::float8) FROM jsonb_each_text(s.contributions))
               - (ln(s.raw_probability / (1 - s.raw_probability)) - m1.coef[1]))) < 1e-9 AS contributions_sum
FROM risk_score('churn', '2024-02-20', 'c2', 1) s, m1;
-- version NULL: the latest (2) while none is active, then the active one
SELECT DISTINCT s.probability = d.probability AS latest_is_v2
FROM risk_score('churn', '2024-02-20', 'c1') s JOIN risk_score_days('churn', '2024-02-20', '2024-02-20', 'c1', 2) d
USING (learner, course, day);

-- 7. a hand-made model and learner: the reasons in words. Contributions (center 0, scale 1):
--    days_inactive 6 x 0.5 = 3; activity_vs_baseline -0.8 x -1 = 0.8; assessments_missed 2 x 0.8 = 1.6;
--    oldest_overdue_days 12 x 0.05 = 0.6; activity_7d ln(1 + 7) x -0.2 < 0. Top three positive:
--    days inactive, assessments missed, activity vs baseline.
SET ROLE rm_admin;
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, calibration_a,
                        calibration_b, calibration_note)
VALUES ('hand', 1, '{days_inactive,activity_vs_baseline,assessments_missed,oldest_overdue_days,activity_7d}',
        '{-3,0.5,-1,0.8,0.05,-0.2}', '{0,0,0,0,0}', '{1,1,1,1,1}', 1, 30, '2024-01-01', '2024-01-31', 1,
        0, 0, 0, true, 'platt', 1.2, -0.5, 'set by hand');
RESET ROLE;
SELECT learner, course, day, reasons,
       abs(probability - 1 / (1 + exp(-(1.2 * (-3 + 3 + 0.8 + 1.6 + 0.6 - 0.2 * ln(8)) - 0.5)))) < 1e-12 AS probability_ok,
       abs(raw_probability - 1 / (1 + exp(-(-3 + 3 + 0.8 + 1.6 + 0.6 - 0.2 * ln(8))))) < 1e-12 AS raw_ok,
       contributions
FROM risk_score('hand', '2024-02-06', 'hc') WHERE learner = 'h1';
-- a learner with no event at all is scored from the features of no activity: 18 days inactive
-- (since the day before enrolment on Jan 20), the same two overdue assessments
SELECT learner, reasons, round(probability::numeric, 6) AS probability,
       round((1 / (1 + exp(-(1.2 * (-3 + 18 * 0.5 + 2 * 0.8 + 12 * 0.05) - 0.5))))::numeric, 6) AS by_hand
FROM risk_score('hand', '2024-02-06', 'hc') WHERE learner = 'ghost';
-- every phrase, on values chosen by hand
SELECT f, v, learnalytics_internal.risk_reason(f, v, '{assessments_missed,oldest_overdue_days}', '{2,8}') AS phrase
FROM (VALUES ('activity_7d', ln(4)), ('activity_14d', 0), ('activity_vs_baseline', -0.8), ('activity_vs_baseline', 0.5),
             ('days_inactive', 9), ('days_inactive', 1), ('active_streak', 0), ('active_day_share_28d', 0.25),
             ('sessions_7d', ln(2)), ('dwell_7d', ln(36)), ('activity_trend_14d', -0.1), ('assessments_due_14d', 2),
             ('assessments_missed', 2), ('assessments_late', 1), ('oldest_overdue_days', 8), ('score_vs_cohort', -0.2),
             ('quiz_attempts_14d', 0), ('quiz_vs_cohort', -1), ('module_progress', 0.3), ('module_velocity_14d', 0),
             ('days_since_enrolment', 40), ('course_day', 52), ('registration_delay', ln(13)), ('shoe_size', 42.123))
     t (f, v);
SELECT learnalytics_internal.risk_reason('assessments_missed', 1, '{assessments_missed,oldest_overdue_days}', '{1,1}') AS one,
       learnalytics_internal.risk_reason('assessments_missed', 3, '{assessments_missed}', '{3}') AS no_delay;

-- 8. activation: one active version per name; version NULL then scores the active one
SET ROLE rm_admin;
SELECT name, version, active FROM risk_model_activate('churn', 1);
SELECT name, version, active FROM risk_model_activate('churn', 2);
RESET ROLE;
SELECT name, version, active FROM risk_model ORDER BY name, version;
SET ROLE rm_admin;
SELECT name, version, active FROM risk_model_activate('churn', 1);
RESET ROLE;
SELECT DISTINCT s.probability = d.probability AS active_is_v1
FROM risk_score('churn', '2024-02-20', 'c1') s JOIN risk_score_days('churn', '2024-02-20', '2024-02-20', 'c1', 1) d
USING (learner, course, day);
-- the unique index refuses a second active version written by hand
UPDATE risk_model SET active = true WHERE name = 'churn' AND version = 2;
SELECT risk_model_activate('churn', 3);
SELECT risk_model_activate('nope', 1);
SELECT risk_model_activate('churn', NULL);

-- 9. immutable: the fitted fields refuse to change, the others may
UPDATE risk_model SET coef[1] = 0 WHERE name = 'churn' AND version = 1;
UPDATE risk_model SET version = 9 WHERE name = 'churn' AND version = 1;
UPDATE risk_model SET calibration_a = 2 WHERE name = 'churn' AND version = 1;
SET ROLE rm_admin;
UPDATE risk_model SET description = 'first', evaluation = '{"auc": 0.9}' WHERE name = 'churn' AND version = 1;
UPDATE risk_model SET features = features WHERE name = 'churn' AND version = 1;   -- no column privilege
RESET ROLE;
SELECT name, version, description, evaluation FROM risk_model WHERE name = 'churn' ORDER BY version;
-- kept by pg_dump: a configuration table of the extension (the stored current scores are not)
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
FROM pg_extension e, pg_class c
WHERE e.extname = 'learnalytics' AND c.relname IN ('risk_model', 'risk_score_current') ORDER BY 1;

-- 10. errors
SELECT * FROM risk_score('nope', '2024-02-20');
SELECT * FROM risk_score('churn', '2024-02-20', NULL, 7);
SELECT * FROM risk_score_days('churn', '2024-02-20', '2024-02-10');
SELECT * FROM risk_score('churn', NULL);
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration)
VALUES ('old', 1, '{days_inactive,shoe_size}', '{0,1,1}', '{0,0}', '{1,1}', 1, 30, '2024-01-01', '2024-01-31', 1,
        0, 0, 0, true, 'none');
SELECT * FROM risk_score('old', '2024-02-20');
\set VERBOSITY terse
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration)
VALUES ('bad', 1, '{days_inactive}', '{0,1,1}', '{0}', '{1}', 1, 30, '2024-01-01', '2024-01-31', 1, 0, 0, 0, true, 'none');
\set VERBOSITY default
SET ROLE rm_admin;
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', features => '{days_inactive,shoe_size}');
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', features => '{days_inactive,days_inactive}');
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', features => '{}');
SELECT version FROM risk_model_train('Bad-Name', '2024-01-08', '2024-03-31', 'rm_outcomes');
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', class_weight => 'equal');
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', lambda => -1);
SELECT version FROM risk_model_train('x', '2024-03-31', '2024-01-08', 'rm_outcomes');
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'rm_outcomes', courses => '{}');
-- no learner at risk in the window
SELECT version FROM risk_model_train('x', '2020-01-01', '2020-03-31', 'rm_outcomes');
-- no withdrawal in the outcomes: logit_fit refuses rows without positives
SELECT version FROM risk_model_train('x', '2024-01-08', '2024-03-31', 'pg_temp.rm_passed', features => '{days_inactive}');
RESET ROLE;
SELECT count(*) AS models_x FROM risk_model WHERE name = 'x';

-- 11. privileges, as the roles. The analyst scores and reads the registry, and may not train,
--     activate, refresh or change models
SET ROLE rm_analyst;
SELECT count(*) AS scored FROM risk_score('churn', '2024-02-20');
SELECT count(*) AS scored_days FROM risk_score_days('churn', '2024-02-13', '2024-02-20', 'c1');
SELECT count(*) AS models FROM risk_model;
SELECT version FROM risk_model_train('y', '2024-01-08', '2024-03-31', 'rm_outcomes');
SELECT risk_model_activate('churn', 2);
SELECT risk_model_refresh('2024-02-20');
UPDATE risk_model SET description = 'mine' WHERE name = 'churn';
DELETE FROM risk_model WHERE name = 'churn';
RESET ROLE;
-- the viewer reads learner_risk only
SET ROLE rm_viewer;
SELECT * FROM risk_score('churn', '2024-02-20');
SELECT count(*) FROM risk_model;
RESET ROLE;
-- the admin refreshes the current scores as of a day; learner_risk shows the active models'
SET ROLE rm_admin;
SELECT (risk_model_activate('hand', 1)).active AS activated;
SELECT risk_model_refresh('2024-02-20') AS stored;
SELECT job_execute_once('risk_model_refresh', '{"as_of": "2024-02-20"}') AS job;
RESET ROLE;
SELECT model, version, count(*) AS learners, min(day) AS day FROM learner_risk GROUP BY 1, 2 ORDER BY 1;
-- the rows equal risk_score of the active versions
SELECT count(*) AS differing FROM learner_risk r
FULL JOIN (SELECT 'churn' AS model, s.* FROM risk_score('churn', '2024-02-20', NULL, 1) s
           UNION ALL SELECT 'hand', s.* FROM risk_score('hand', '2024-02-20', NULL, 1) s) s
  ON s.model = r.model AND s.learner = r.learner AND s.course = r.course
WHERE r.probability IS DISTINCT FROM s.probability OR r.reasons IS DISTINCT FROM s.reasons;
-- a viewer that manages no unit sees no learner; the manager of north its learners only (c1/a and h1)
SET ROLE rm_viewer;
SELECT count(*) AS rows FROM learner_risk;
RESET ROLE;
SET ROLE rm_manager;
SELECT model, count(*) AS rows, count(*) FILTER (WHERE learner IN (SELECT learner FROM learner_org_unit)) AS own,
       array_agg(DISTINCT course ORDER BY course) AS courses
FROM learner_risk GROUP BY model ORDER BY model;
SELECT learner, model, reasons FROM learner_risk WHERE learner = 'h1';
RESET ROLE;
-- expected: h1 and the learners of c1/a still enrolled on Feb 20, counted from the fixture
SELECT count(*) + 1 AS north_learners_expected FROM rm_learner
WHERE course = 'c1' AND cohort = 'a' AND (stop_after IS NULL OR start_day + stop_after + 10 > date '2024-02-20');
-- the analyst sees every learner
SET ROLE rm_analyst;
SELECT count(*) AS rows FROM learner_risk;
RESET ROLE;
-- activating another version drops the stored scores of the name's other versions
SET ROLE rm_admin;
SELECT version FROM risk_model_activate('churn', 2);
RESET ROLE;
SELECT model, version, count(*) FROM learner_risk GROUP BY 1, 2 ORDER BY 1;
-- the admin deletes a version
SET ROLE rm_admin;
DELETE FROM risk_model WHERE name = 'solo';
RESET ROLE;
SELECT name, version FROM risk_model ORDER BY 1, 2;
ROLLBACK;
