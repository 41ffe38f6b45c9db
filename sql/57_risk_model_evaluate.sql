--
-- risk_model_evaluate: a model's evaluation report in one call (scores of every learner-day at risk,
-- prediction_evaluate at a weekly capacity, the calibration table, the bias report), stored in the
-- model's row on request. The oracle is plain SQL over risk_score, one day at a time, and the
-- outcomes: the learner-days, the labels and the AUC by counting pairs.
--
-- A stub model (no training): one feature, days_inactive, intercept -2.5, coefficient 1 on the raw
-- value, no calibration, horizon 10 days: p = 1 / (1 + exp(2.5 - days_inactive)).
-- Learners, enrolled 2026-01-01 in course c1 (group in brackets):
--   a [g1] active every day                 stays
--   b [g1] active Jan 1-10, then silent     withdraws on Jan 20
--   c [g2] never active                     withdraws on Jan 12
--   d [g2] active Jan 1-16, then silent     stays
--   e [g2] active Jan 1-5, left Jan 15      completes (outcome 'completed' on Jan 15)
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET jit = off;
CREATE TABLE ev_act (learner text, ts timestamptz);
INSERT INTO ev_act
SELECT v.l, timestamptz '2026-01-01 10:00+00' + (g - 1) * interval '1 day'
FROM (VALUES ('a', 31), ('b', 10), ('d', 16), ('e', 5)) v(l, last_day), generate_series(1, 31) g
WHERE g <= v.last_day;
SELECT engagement_refresh('ev_act', 'learner', 'ts') AS learners;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('a', 'c1', 'x', '2026-01-01 08:00+00', NULL), ('b', 'c1', 'x', '2026-01-01 08:00+00', '2026-01-20 09:00+00'),
  ('c', 'c1', 'x', '2026-01-01 08:00+00', '2026-01-12 09:00+00'), ('d', 'c1', 'x', '2026-01-01 08:00+00', NULL),
  ('e', 'c1', 'x', '2026-01-01 08:00+00', '2026-01-15 09:00+00');
CREATE TABLE ev_out (learner text, outcome text, outcome_at date);
INSERT INTO ev_out VALUES ('b', 'withdrawn', '2026-01-20'), ('c', 'withdrawn', '2026-01-12'),
                          ('e', 'completed', '2026-01-15');
CREATE TABLE ev_attr (learner text, grp text);
INSERT INTO ev_attr VALUES ('a', 'g1'), ('b', 'g1'), ('c', 'g2'), ('d', 'g2'), ('e', 'g2');
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, description)
VALUES ('m1', 1, '{days_inactive}', '{-2.5,1}', '{0}', '{1}', 1, 10, '2025-01-01', '2025-12-31',
        1, 100, 10, 1, true, 'none', 'stub'),
       ('m1', 2, '{days_inactive}', '{-2.5,1}', '{0}', '{1}', 1, 10, '2026-01-01', '2026-01-31',
        1, 100, 10, 1, true, 'none', 'stub trained on the evaluation period');

-- the oracle: every learner-day at risk from Jan 3 to Jan 17 (enrolled, before any outcome), its
-- score from risk_score of that day, its label (withdrawal within 10 days after the day)
CREATE TABLE ev_oracle AS
SELECT d::date AS day, s.learner, s.probability AS score,
       coalesce(o.outcome = 'withdrawn' AND o.outcome_at > d::date AND o.outcome_at <= d::date + 10, false) AS label
FROM generate_series(date '2026-01-03', date '2026-01-17', '1 day') d
CROSS JOIN LATERAL risk_score('m1', d::date, version => 1) s
LEFT JOIN ev_out o ON o.learner = s.learner
WHERE o.outcome_at IS NULL OR d::date < o.outcome_at;
SELECT count(*) AS learner_days, count(*) FILTER (WHERE label) AS positive_days,
       count(DISTINCT learner) AS learners FROM ev_oracle;

SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1,
                           attributes => 'ev_attr', attribute_columns => '{grp}', bootstrap => 0,
                           store => true) AS report \gset
-- the report's population and AUC against the oracle (AUC: pairs of a positive and a negative day,
-- the positive scored higher, ties one half)
SELECT (:'report'::jsonb -> 'metrics' ->> 'learner_days')::bigint = (SELECT count(*) FROM ev_oracle) AS days_agree,
       (:'report'::jsonb -> 'metrics' ->> 'positive_days')::bigint = (SELECT count(*) FILTER (WHERE label) FROM ev_oracle) AS positives_agree,
       (:'report'::jsonb -> 'metrics' ->> 'learners')::bigint AS learners,
       abs((:'report'::jsonb -> 'metrics' ->> 'auc')::float8
           - (SELECT avg(CASE WHEN p.score > n.score THEN 1.0 WHEN p.score = n.score THEN 0.5 ELSE 0 END)
                FROM ev_oracle p JOIN ev_oracle n ON p.label AND NOT n.label)) < 1e-12 AS auc_agrees,
       round((:'report'::jsonb -> 'metrics' ->> 'auc')::numeric, 4) AS auc,
       abs((:'report'::jsonb -> 'metrics' ->> 'brier')::float8
           - (SELECT avg((score - label::int) ^ 2) FROM ev_oracle)) < 1e-12 AS brier_agrees;
-- what was asked, the calibration bins covering every day, a bias row per group
SELECT :'report'::jsonb - '{metrics,calibration,bias}'::text[] AS header;
SELECT sum((b ->> 'n')::bigint) AS calibrated_days, count(*) AS bins
FROM jsonb_array_elements(:'report'::jsonb -> 'calibration') b;
SELECT b ->> 'attribute' AS attribute, b ->> 'group' AS grp, b ->> 'learners' AS learners,
       b ->> 'dropouts' AS dropouts, b ->> 'alerted_learners' AS alerted
FROM jsonb_array_elements(:'report'::jsonb -> 'bias') b ORDER BY 2;
-- stored in the model's row (the only field of a trained model that may change), not in the other
SELECT version, evaluation = :'report'::jsonb AS stored FROM risk_model WHERE name = 'm1' ORDER BY version;
-- without attributes: no bias section; the same metrics
SELECT r -> 'bias' AS bias, r -> 'metrics' = :'report'::jsonb -> 'metrics' AS same_metrics
FROM risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1, bootstrap => 0) r;

-- a period the model was trained on: a WARNING, the report all the same
SELECT (r -> 'metrics' ->> 'learner_days')::bigint AS learner_days
FROM risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 2, bootstrap => 0) r;

-- errors
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 0, version => 1);
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', NULL, version => 1);
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1, attributes => 'ev_attr');
SELECT risk_model_evaluate('nope', '2026-01-03', '2026-01-17', 'ev_out', 1);
-- a period without dropouts: the report says it cannot tell (no AUC, no lift)
SELECT r -> 'metrics' ->> 'learner_days' AS learner_days, r -> 'metrics' ->> 'dropouts' AS dropouts,
       r -> 'metrics' ->> 'auc' AS auc, r -> 'metrics' ->> 'verdict' AS verdict
FROM risk_model_evaluate('m1', '2027-01-03', '2027-01-17', 'ev_out', 1, version => 1, bootstrap => 0) r;
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, course => 'nope', version => 1);

-- roles: an analyst evaluates, but cannot store (only an admin changes the registry); a viewer
-- cannot evaluate
CREATE ROLE la_t_rme_analyst IN ROLE learnalytics_analyst;
CREATE ROLE la_t_rme_admin IN ROLE learnalytics_admin;
CREATE ROLE la_t_rme_viewer IN ROLE learnalytics_viewer;
GRANT SELECT ON ev_out, ev_attr TO la_t_rme_analyst, la_t_rme_admin;
UPDATE risk_model SET evaluation = NULL WHERE name = 'm1';
SET ROLE la_t_rme_analyst;
SELECT (r -> 'metrics' ->> 'learner_days')::bigint AS learner_days
FROM risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1, bootstrap => 0) r;
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1, bootstrap => 0, store => true);
RESET ROLE;
SET ROLE la_t_rme_admin;
SELECT (r -> 'metrics' ->> 'learner_days')::bigint AS learner_days
FROM risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1, bootstrap => 0, store => true) r;
RESET ROLE;
SET ROLE la_t_rme_viewer;
SELECT risk_model_evaluate('m1', '2026-01-03', '2026-01-17', 'ev_out', 1, version => 1);
RESET ROLE;
SELECT version, evaluation IS NOT NULL AS evaluated FROM risk_model WHERE name = 'm1' ORDER BY version;

REVOKE SELECT ON ev_out, ev_attr FROM la_t_rme_analyst, la_t_rme_admin;
DROP ROLE la_t_rme_analyst;
DROP ROLE la_t_rme_admin;
DROP ROLE la_t_rme_viewer;
DELETE FROM risk_model WHERE name = 'm1';
DELETE FROM enrolment WHERE course = 'c1';
DELETE FROM learner_engagement WHERE learner IN ('a', 'b', 'c', 'd', 'e');
DROP TABLE ev_act, ev_out, ev_attr, ev_oracle;
