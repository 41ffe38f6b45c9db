--
-- Using the risk model: the churn_risk template, the coach queue ranked by probability x business
-- weight, risk_forecast and the executive view's expected withdrawals, with the roles.
--
-- A stub model, inserted as the superuser (no training): m1 version 1, one feature, days_inactive,
-- intercept -2.5, coefficient 1 on the raw value (center 0, scale 1), no calibration, horizon 30:
--   p = 1 / (1 + exp(2.5 - days_inactive)):  0 -> 0.0759, 1 -> 0.1824, 2 -> 0.3775, 3 -> 0.6225, ...
-- so p >= 0.5 exactly when days_inactive >= 3. Every oracle below is plain SQL over risk_score
-- (scored one day at a time) or counted by hand.
--
-- Learners (enrolled 2026-01-01; c1 unless said; business weight in brackets):
--   a [1] active every day through Jan 31          never at risk
--   b [2] active Jan 1-10, then silent              days_inactive >= 3 from Jan 13
--   c [1] never active                              days_inactive = day - Dec 31: >= 3 from Jan 3
--   d [3] active Jan 1-16, then silent              >= 3 from Jan 19
--   e [1] active Jan 1-5, left on Jan 15            at risk up to Jan 14
--   g [1] cohort y, active Jan 1-18, then silent    >= 3 from Jan 21
--   f [5] course c2, cohort y, active Jan 1-12      >= 3 from Jan 15
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- weekly_executive_metrics reads weekly_course_outcomes (correlated sub-selects per week up to now):
-- JIT would compile it for seconds each time (as in sql/49_security_model.sql)
SET jit = off;
CREATE TABLE ra_act (learner text, ts timestamptz);
INSERT INTO ra_act
SELECT v.l, timestamptz '2026-01-01 10:00+00' + (g - 1) * interval '1 day'
FROM (VALUES ('a', 31), ('b', 10), ('d', 16), ('e', 5), ('g', 18), ('f', 12)) v(l, last_day),
     generate_series(1, 31) g
WHERE g <= v.last_day;
SELECT engagement_refresh('ra_act', 'learner', 'ts') AS learners;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at, business_weight) VALUES
  ('a', 'c1', 'x', '2026-01-01 08:00+00', NULL, 1), ('b', 'c1', 'x', '2026-01-01 08:00+00', NULL, 2),
  ('c', 'c1', 'x', '2026-01-01 08:00+00', NULL, 1), ('d', 'c1', 'x', '2026-01-01 08:00+00', NULL, 3),
  ('e', 'c1', 'x', '2026-01-01 08:00+00', '2026-01-15 09:00+00', 1),
  ('g', 'c1', 'y', '2026-01-01 08:00+00', NULL, 1), ('f', 'c2', 'y', '2026-01-01 08:00+00', NULL, 5);
-- one row of each other kind of learning data (the model reads none of them; without any,
-- risk_features says so at every scoring)
INSERT INTO assignment VALUES ('c1', 'hw1', '2026-03-01 09:00+00');
INSERT INTO assignment_submission VALUES ('c1', 'hw1', 'a', '2026-01-02 09:00+00', 0.8);
INSERT INTO quiz_attempt VALUES ('c1', 'a', '2026-01-02 09:00+00');
INSERT INTO module_progress VALUES ('c1', 'a', 'm1', '2026-01-01 09:00+00', 0.5, '2026-01-02 09:00+00');
SELECT name, family, template, threshold, fire_after, escalate_after, ladder, ladder_after, enabled
FROM rule_copy('churn_risk', 't_churn');

-- the shipped rule: disabled, threshold 0.5, the template registered with a set-based replay
SELECT r.name, r.enabled, r.threshold, r.fire_after, r.escalate_after, r.severity, r.escalated_severity,
       r.ladder, r.ladder_after, t.parameters, t.max_escalate_after, t.replay IS NOT NULL AS has_replay
FROM alert_rule r JOIN alert_template t ON t.name = r.template WHERE r.name = 'churn_risk';
-- the template uses threshold only
INSERT INTO alert_rule (name, template, metric, threshold, escalate_after, ladder, ladder_after)
VALUES ('t_bad', 'churn_risk', 'events', 0.5, 1, '{email}', '{1}');

-- no model at all: a WARNING, no candidate, nothing replayed, nothing opened
SELECT count(*) AS candidates FROM rule_matches('t_churn', '2026-01-20');
SELECT count(*) AS replayed FROM rule_replay_alerts('t_churn', '2026-01-15', '2026-01-25');
SELECT opened, updated, resolved FROM rule_evaluate('t_churn', '2026-01-21 12:00+00');

-- the stub model, inactive: still no candidate (only the active model counts)
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, description)
VALUES ('m1', 1, '{days_inactive}', '{-2.5,1}', '{0}', '{1}', 1, 30, '2025-01-01', '2025-12-31',
        1, 100, 10, 1, true, 'none', 'stub: p >= 0.5 when 3 days inactive');
SELECT count(*) AS candidates FROM rule_matches('t_churn', '2026-01-20');
SELECT name, version, active FROM risk_model_activate('m1', 1);

-- the probabilities of the day, by hand: b 10 days inactive, c 20, d 4, g 2, f 8, a 0 (e has left)
SELECT learner, course, round(probability::numeric, 4) AS p FROM risk_score('m1', '2026-01-20') ORDER BY 1;

-- candidates on Jan 20: b, c, d (c1) and f (c2); persisted at most max(fire_after 1, escalate_after 3)
SELECT learner, course, round(value::numeric, 4) AS p, baseline, ratio, persisted, business_weight,
       detail ->> 'model' AS model, detail ->> 'version' AS version, detail ->> 'reasons' IS NOT NULL AS has_reasons
FROM rule_matches('t_churn', '2026-01-20') ORDER BY learner;
-- the detail's reasons are risk_score's, the model's top features in words
SELECT count(*) AS reasons_differ
FROM rule_matches('t_churn', '2026-01-20') m JOIN risk_score('m1', '2026-01-20') s USING (learner, course)
WHERE m.detail ->> 'reasons' IS DISTINCT FROM s.reasons OR s.reasons IS NULL;

-- oracle: plain SQL over risk_score for the same day and threshold, every day Jan 12-24 (b crosses
-- the threshold on the 13th, f the 15th, d the 19th, g the 21st, e leaves on the 15th), thresholds
-- 0.3 and 0.5, and 0.5 with the rule's cohort scope as an override; persisted counted from
-- risk_score day by day (consecutive days back from the day at or above the threshold, at most 3).
-- Differences in either direction, and the candidate rows compared (none expected):
CREATE TEMP TABLE ra_days AS SELECT d::date AS day FROM generate_series(date '2026-01-01', '2026-01-31', '1 day') d;
CREATE TEMP TABLE ra_scores AS
SELECT d.day, s.learner, s.course, s.probability FROM ra_days d, LATERAL risk_score('m1', d.day) s;
CREATE TEMP TABLE ra_cases AS
SELECT t.thr, t.cohort, d.day FROM (VALUES (0.3, NULL), (0.5, NULL), (0.5, 'x')) t(thr, cohort), ra_days d
WHERE d.day BETWEEN '2026-01-12' AND '2026-01-24';
CREATE TEMP TABLE ra_engine AS
SELECT k.thr, k.cohort, k.day, m.learner, m.course, m.value, m.persisted
FROM ra_cases k,
     LATERAL rule_matches('t_churn', k.day,
                          jsonb_strip_nulls(jsonb_build_object('threshold', k.thr, 'cohort', k.cohort))) m;
CREATE TEMP TABLE ra_oracle AS
SELECT k.thr, k.cohort, k.day, s.learner, s.course, s.probability AS value,
       coalesce((SELECT min(b) FROM generate_series(1, 2) b   -- the first day back below (or not at risk)
                  WHERE NOT EXISTS (SELECT 1 FROM ra_scores s2
                                     WHERE s2.learner = s.learner AND s2.course = s.course
                                       AND s2.day = k.day - b AND s2.probability >= k.thr)), 3)::integer AS persisted
FROM ra_cases k
JOIN ra_scores s ON s.day = k.day AND s.probability >= k.thr
JOIN enrolment e ON e.learner = s.learner AND e.course = s.course AND (k.cohort IS NULL OR e.cohort = k.cohort);
SELECT 'engine only' AS side, * FROM (SELECT * FROM ra_engine EXCEPT SELECT * FROM ra_oracle) x
UNION ALL
SELECT 'oracle only', * FROM (SELECT * FROM ra_oracle EXCEPT SELECT * FROM ra_engine) y;
-- the comparison is not empty: candidate rows per threshold, and how many persisted 1, 2, 3
SELECT thr, cohort, count(*) AS rows, count(*) FILTER (WHERE persisted = 1) AS p1,
       count(*) FILTER (WHERE persisted = 2) AS p2, count(*) FILTER (WHERE persisted = 3) AS p3
FROM ra_engine GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST;

-- replay (set-based, one scoring of the period) against the candidates day by day: with fire_after
-- 2, an alert on the second day of a run at or above 0.5. By hand, Jan 15-25: f on Jan 16 (from
-- Jan 15), d on Jan 20 (from Jan 19), g on Jan 22 (from Jan 21); b and c fire since before Jan 15
SELECT day, learner, course, round(value::numeric, 4) AS p, persisted
FROM rule_replay_alerts('t_churn', '2026-01-15', '2026-01-25', '{"fire_after": 2}') ORDER BY day, learner;
SELECT count(*) AS differences FROM (
  (SELECT day, learner, course FROM rule_replay_alerts('t_churn', '2026-01-13', '2026-01-24', '{"fire_after": 2}')
   EXCEPT
   SELECT e.day, e.learner, e.course FROM ra_engine e
    WHERE e.thr = 0.5 AND e.cohort IS NULL AND e.persisted >= 2 AND e.day >= '2026-01-13'
      AND NOT EXISTS (SELECT 1 FROM ra_engine p WHERE p.thr = 0.5 AND p.cohort IS NULL AND p.learner = e.learner
                         AND p.day = e.day - 1 AND p.persisted >= 2))
  UNION ALL
  (SELECT e.day, e.learner, e.course FROM ra_engine e
    WHERE e.thr = 0.5 AND e.cohort IS NULL AND e.persisted >= 2 AND e.day >= '2026-01-13'
      AND NOT EXISTS (SELECT 1 FROM ra_engine p WHERE p.thr = 0.5 AND p.cohort IS NULL AND p.learner = e.learner
                         AND p.day = e.day - 1 AND p.persisted >= 2)
   EXCEPT
   SELECT day, learner, course FROM rule_replay_alerts('t_churn', '2026-01-13', '2026-01-24', '{"fire_after": 2}'))) x;

-- evaluation opens the alerts, the value is the probability; persisted 3 >= escalate_after: high
UPDATE alert_rule SET enabled = true WHERE name = 't_churn';
SELECT opened, updated, resolved FROM rule_evaluate('t_churn', '2026-01-21 12:00+00');
SELECT learner, course, severity, round(value::numeric, 4) AS p, persisted, round(risk_score::numeric, 3) AS risk,
       detail ->> 'model' AS model
FROM alert WHERE rule_name = 't_churn' ORDER BY learner;
-- the model switched off while alerts are open: evaluating (or matching) refuses, nothing is closed
UPDATE risk_model SET active = false WHERE name = 'm1';
SELECT opened, updated, resolved FROM rule_evaluate('t_churn', '2026-01-22 12:00+00');
SELECT count(*) FROM rule_matches('t_churn', '2026-01-21');
SELECT count(*) FILTER (WHERE closed_at IS NULL) AS still_open FROM alert WHERE rule_name = 't_churn';
SELECT name, version, active FROM risk_model_activate('m1', 1);
DELETE FROM alert_outbox; DELETE FROM alert WHERE rule_name = 't_churn';
UPDATE alert_rule SET enabled = false WHERE name = 't_churn';

-------------------------------------------------------------------------------
-- coach queue: coach-required cases of learners a, b, d, g, f and e (left: not scored), with rule
-- risk scores chosen so that the heuristic's order (risk x weight) differs from the model's
--   case   risk  weight  risk x w   p (Jan 20)  p x w
--   a       9     1        9        0.0759      0.0759
--   b       1     2        2        0.9994      1.9989
--   d       2     3        6        0.8176      2.4527
--   g       5     1        5        0.3775      0.3775
--   f       1     5        5        0.9959      4.9796 (c2)
--   e       8     1        8        -           -      (not at risk on Jan 20: heuristic, after the scored)
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, persisted, risk_score, business_weight)
SELECT 'engagement_dip', 1, 'engagement', 'engagement_dip', v.l, v.c, 'coach_required', 'high',
       date '2026-01-18' + v.o, '2026-01-20', 3, v.r, v.w
FROM (VALUES ('a', 'c1', 9, 1, 0), ('b', 'c1', 1, 2, 1), ('d', 'c1', 2, 3, 0), ('g', 'c1', 5, 1, 1),
             ('f', 'c2', 1, 5, 0), ('e', 'c1', 8, 1, 0)) v(l, c, r, w, o);
-- the scores stored by risk_model_refresh are what the queue reads; before any refresh, and with
-- no active model, the heuristic ranks (risk x weight: a 9, e 8, d 6, then g and f at 5 by opened_on)
SELECT learner, round(priority::numeric, 4) AS priority, priority_basis, churn_probability, queue_rank
FROM coach_queue ORDER BY queue_rank;
SELECT risk_model_refresh('2026-01-20') AS scored;
-- with the model: the scored cases by p x w (f, d, b, g, a), then e by its heuristic
SELECT learner, course, round(churn_probability::numeric, 4) AS p, churn_scored_on, business_weight,
       round(priority::numeric, 4) AS priority, priority_basis, queue_rank
FROM coach_queue ORDER BY queue_rank;
-- oracle: the rank from risk_score of the day in plain SQL
SELECT count(*) AS rank_differences FROM coach_queue q
JOIN (SELECT a.id, row_number() OVER (ORDER BY (s.probability IS NOT NULL) DESC,
                                               coalesce(s.probability, a.risk_score) * a.business_weight::float8 DESC,
                                               a.opened_on, a.id) AS rnk
        FROM alert a LEFT JOIN risk_score('m1', '2026-01-20') s ON s.learner = a.learner AND s.course = a.course
       WHERE a.status = 'coach_required') o ON o.id = q.alert_id
WHERE o.rnk IS DISTINCT FROM q.queue_rank;
-- assignment follows the queue: capacity 2 takes f and d
INSERT INTO coach (name, capacity) VALUES ('kim', 2);
SELECT coach_assign_cases('2026-01-20') AS assigned;
SELECT learner, coach, assigned_on FROM coach_queue WHERE coach IS NOT NULL ORDER BY learner;
DELETE FROM coach_assignment; DELETE FROM coach;
-- the model switched off: back to the heuristic for every case, as before
UPDATE risk_model SET active = false WHERE name = 'm1';
SELECT learner, priority_basis, churn_probability, queue_rank FROM coach_queue ORDER BY queue_rank;
SELECT name, version, active FROM risk_model_activate('m1', 1);

-------------------------------------------------------------------------------
-- risk_forecast, weeks from Jan 5 (Jan 5, 12, 19, 26), horizon 30 days. Outcomes: e withdrew Jan 15,
-- b Jan 22, c Feb 20, f Feb 10; g completed Jan 24 (ends its days at risk, not a withdrawal).
CREATE TABLE ra_outcomes (learner text, outcome text, outcome_at timestamptz);
INSERT INTO ra_outcomes VALUES ('e', 'withdrawn', '2026-01-15 09:00+00'), ('b', 'Withdrawn', '2026-01-22 12:00+00'),
  ('c', 'withdrawn', '2026-02-20 12:00+00'), ('f', 'dropped_out', '2026-02-10 12:00+00'),
  ('g', 'completed', '2026-01-24 12:00+00');
-- actual withdrawals in (week, week + 30], by hand:
--   Jan 5: c1 b (Jan 22), e (Jan 15) = 2; c2 f (Feb 10 > Feb 4) = 0
--   Jan 12: c1 b, e = 2; c2 f (<= Feb 11) = 1
--   Jan 19: c1 b = 1 (e has left); c2 1
--   Jan 26: c1 c (Feb 20 <= Feb 25) = 1 (b withdrew and g completed before: not at risk); c2 1
SELECT course, week, horizon_end, learners, round(expected_withdrawals::numeric, 4) AS expected,
       round(expected_low::numeric, 4) AS low, round(expected_high::numeric, 4) AS high, actual_withdrawals,
       model_version
FROM risk_forecast('m1', '2026-01-05', '2026-01-31', outcomes => 'ra_outcomes') ORDER BY course, week;
-- the interval by hand for c2, week of Jan 26: f 14 days inactive, p = 1 / (1 + exp(-11.5)) = 0.99998987,
-- p(1 - p) = 1.0130e-5, 1.96 x sqrt = 0.0062383: 0.9938 .. 1.0062 (above)
-- oracle: expected = the sum of risk_score's probabilities scored separately for each week start,
-- over the learners without an outcome on or before it; the interval from the same sums
SELECT count(*) AS differences
FROM risk_forecast('m1', '2026-01-05', '2026-01-31', outcomes => 'ra_outcomes') f
FULL JOIN (SELECT s.course, s.day, count(*) AS n, sum(s.probability) AS ex, sum(s.probability * (1 - s.probability)) AS v
             FROM ra_scores s
            WHERE s.day IN ('2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26')
              AND NOT EXISTS (SELECT 1 FROM ra_outcomes o WHERE o.learner = s.learner AND o.outcome_at::date <= s.day)
            GROUP BY 1, 2) o ON o.course = f.course AND o.day = f.week
WHERE f.learners IS DISTINCT FROM o.n OR abs(f.expected_withdrawals - o.ex) > 1e-9
   OR abs(f.expected_low - greatest(0, o.ex - 1.96 * sqrt(o.v))) > 1e-9
   OR abs(f.expected_high - (o.ex + 1.96 * sqrt(o.v))) > 1e-9;
-- without outcomes: no actuals, every learner at risk by the enrolment counts; one course only
SELECT course, week, learners, round(expected_withdrawals::numeric, 4) AS expected, actual_withdrawals
FROM risk_forecast('m1', '2026-01-05', '2026-01-31', course_name => 'c1') ORDER BY week;
-- errors: a horizon other than the model's, an unknown model or version, a reversed period, outcomes
-- without the columns
SELECT * FROM risk_forecast('m1', '2026-01-05', '2026-01-31', horizon_days => 14);
SELECT * FROM risk_forecast('nope', '2026-01-05', '2026-01-31');
SELECT * FROM risk_forecast('m1', '2026-01-05', '2026-01-31', version => 7);
SELECT * FROM risk_forecast('m1', '2026-01-31', '2026-01-05');
CREATE TABLE ra_bad_outcomes (learner text, outcome text);
SELECT * FROM risk_forecast('m1', '2026-01-05', '2026-01-31', outcomes => 'ra_bad_outcomes');

-- the executive view: on the week of the last scoring (Jan 19, scored as of Jan 20) the expected
-- withdrawals of each course, the sum of the stored probabilities (c1: a, b, c, d, g; c2: f)
SELECT course, week, round(expected_withdrawals::numeric, 4) AS expected,
       round(expected_withdrawals_low::numeric, 4) AS low, round(expected_withdrawals_high::numeric, 4) AS high,
       forecast_as_of, forecast_horizon_days
FROM weekly_executive_metrics WHERE expected_withdrawals IS NOT NULL ORDER BY course, week;
SELECT w.course, abs(w.expected_withdrawals - o.ex) < 1e-9 AS expected_ok
FROM weekly_executive_metrics w
JOIN (SELECT course, sum(probability) AS ex FROM ra_scores WHERE day = '2026-01-20' GROUP BY 1) o ON o.course = w.course
WHERE w.week = '2026-01-19' ORDER BY 1;

-------------------------------------------------------------------------------
-- roles: a manager of org unit north (b and d) sees its learners' cases with their probability and
-- their rank in the whole queue, and the expected withdrawals of its learners only; a viewer that
-- manages nothing sees none; an analyst matches the rule and forecasts; a viewer may not
CREATE ROLE la_ra_manager LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_ra_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_ra_analyst LOGIN IN ROLE learnalytics_analyst;
GRANT SELECT ON ra_outcomes TO la_ra_analyst;
INSERT INTO learner_org_unit VALUES ('b', 'north'), ('d', 'north'), ('f', 'south');
INSERT INTO org_unit_manager VALUES ('la_ra_manager', 'north');
SET ROLE la_ra_manager;
SELECT learner, round(churn_probability::numeric, 4) AS p, priority_basis, queue_rank FROM coach_queue ORDER BY queue_rank;
SELECT course, week, round(expected_withdrawals::numeric, 4) AS expected
FROM weekly_executive_metrics WHERE expected_withdrawals IS NOT NULL;
SELECT * FROM risk_forecast('m1', '2026-01-05', '2026-01-31');
SELECT count(*) FROM rule_matches('t_churn', '2026-01-20');
RESET ROLE;
-- the manager's expected withdrawals: b and d only
SELECT round(sum(probability)::numeric, 4) AS oracle FROM ra_scores WHERE day = '2026-01-20' AND learner IN ('b', 'd');
SET ROLE la_ra_viewer;
SELECT count(*) AS queue_rows FROM coach_queue;
SELECT count(*) AS forecast_rows FROM weekly_executive_metrics WHERE expected_withdrawals IS NOT NULL;
RESET ROLE;
SET ROLE la_ra_analyst;
SELECT learner, persisted FROM rule_matches('t_churn', '2026-01-20') ORDER BY learner;
SELECT course, week, learners, actual_withdrawals FROM risk_forecast('m1', '2026-01-19', '2026-01-19', outcomes => 'ra_outcomes')
ORDER BY course;
RESET ROLE;

REVOKE SELECT ON ra_outcomes FROM la_ra_analyst;
DROP ROLE la_ra_manager, la_ra_viewer, la_ra_analyst;
DELETE FROM learner_org_unit; DELETE FROM org_unit_manager;
DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name = 't_churn';
DELETE FROM risk_model; DELETE FROM learnalytics_internal.risk_score_current;
DELETE FROM enrolment; DELETE FROM learner_engagement;
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM quiz_attempt; DELETE FROM module_progress;
DROP TABLE ra_act, ra_outcomes, ra_bad_outcomes;
