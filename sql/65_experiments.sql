--
-- experiments: deterministic assignment, strata balance, eligibility, stepped roll-out, results
--
-- the assignment hash is md5-based and reproducible outside the database:
-- python3: int(hashlib.md5(b'onboarding-2026\nlearner-42').hexdigest()[:15], 16) = 8301129862891604
SELECT experiment_hash('onboarding-2026', 'learner-42') AS h42,
       experiment_hash('onboarding-2026', 'learner-43') AS h43;

-- eligible learners: a view is the eligibility rule (here: active, hired before June), with the site
CREATE TABLE staff (id int, site text, active boolean, hired date);
INSERT INTO staff
SELECT g, (ARRAY['north', 'south', 'east'])[1 + g % 3], g % 17 <> 0, date '2025-01-01' + (g % 500)
FROM generate_series(1, 3000) g;
CREATE VIEW eligible_staff AS SELECT id, site FROM staff WHERE active AND hired < '2026-06-01';

INSERT INTO experiment (key, arms, control_arm, eligible_relation, eligible_learner_column, stratum_column,
                        measure_from, measure_to, min_effect, description)
VALUES ('coaching-pilot', '{control,coaching}', 'control', 'eligible_staff', 'id', 'site',
        '2026-01-01', '2026-04-01', 0.5, 'weekly coaching vs none');
SELECT experiment_assign('coaching-pilot') AS assigned;
-- every eligible learner once, nobody else
SELECT count(*) = (SELECT count(*) FROM eligible_staff) AS all_assigned,
       count(*) FILTER (WHERE learner_key::int IN (SELECT id FROM staff WHERE NOT active)) AS ineligible
FROM experiment_assignment WHERE experiment = 'coaching-pilot';
-- balanced within each stratum: arm counts differ by at most one block (here 1)
SELECT stratum, count(*) FILTER (WHERE arm = 'control') AS control,
       count(*) FILTER (WHERE arm = 'coaching') AS coaching
FROM experiment_assignment WHERE experiment = 'coaching-pilot' GROUP BY 1 ORDER BY 1;
-- reproducible: run again, nothing moves; wipe and redo, the same arms
SELECT experiment_assign('coaching-pilot') AS assigned_again;
CREATE TEMP TABLE first_run AS SELECT learner_key, arm FROM experiment_assignment WHERE experiment = 'coaching-pilot';
DELETE FROM experiment_assignment WHERE experiment = 'coaching-pilot';
SELECT experiment_assign('coaching-pilot') AS reassigned;
SELECT count(*) AS moved FROM first_run f JOIN experiment_assignment a USING (learner_key)
WHERE a.experiment = 'coaching-pilot' AND a.arm <> f.arm;
-- newly eligible learners are added; existing ones keep their arm
UPDATE staff SET active = true WHERE id IN (17, 34, 51);
SELECT experiment_assign('coaching-pilot') AS newly_assigned;
SELECT count(*) AS moved FROM first_run f JOIN experiment_assignment a USING (learner_key)
WHERE a.experiment = 'coaching-pilot' AND a.arm <> f.arm;

-- weighted arms by hash alone (no strata): 1 : 2 : 1, so about 25%, 50%, 25%
INSERT INTO experiment (key, arms, weights) VALUES ('weighted', '{control,a,b}', '{1,2,1}');
SELECT arm, count(*) AS learners, round(count(*) / 40000.0, 2) AS share
FROM (SELECT experiment_arm('weighted', 'learner-' || g) AS arm FROM generate_series(1, 40000) g) x
GROUP BY 1 ORDER BY 1;
SELECT experiment_arm('weighted', 'learner-7') = experiment_arm('weighted', 'learner-7') AS stable;

-- stepped roll-out: 10 sites in 3 waves, a month apart, in a reproducible order
SELECT wave, starts, count(*) AS sites
FROM experiment_rollout('coaching-rollout', ARRAY['s01','s02','s03','s04','s05','s06','s07','s08','s09','s10'],
                      3, '2026-09-01 00:00+00', '1 month')
GROUP BY 1, 2 ORDER BY 1;
SELECT array_agg(unit ORDER BY unit) = (SELECT array_agg(unit ORDER BY unit) FROM experiment_rollout('coaching-rollout',
         ARRAY['s10','s09','s08','s07','s06','s05','s04','s03','s02','s01'], 3, '2026-09-01 00:00+00', '1 month') WHERE wave = 0)
       AS input_order_irrelevant
FROM experiment_rollout('coaching-rollout', ARRAY['s01','s02','s03','s04','s05','s06','s07','s08','s09','s10'],
                      3, '2026-09-01 00:00+00', '1 month') WHERE wave = 0;

-- results: a sales metric where coaching adds 2 on average (higher is better)
CREATE TABLE weekly_sales (staff_id int, week date, sales numeric);
INSERT INTO weekly_sales
SELECT a.learner_key::int, date '2026-01-05' + w * 7,
       20 + ((a.learner_key::int * 13 + w * 7) % 9 - 4) + CASE WHEN a.arm = 'coaching' THEN 2 ELSE 0 END
FROM experiment_assignment a, generate_series(0, 15) w WHERE a.experiment = 'coaching-pilot';
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('sales', 'weekly_sales', 'staff_id', 'week', 'sales');
UPDATE experiment SET performance_source = 'sales' WHERE key = 'coaching-pilot';
SELECT arm, learners, round(mean::numeric, 4) AS mean, control_learners, round(control_mean::numeric, 4) AS control_mean,
       round(difference::numeric, 4) AS difference, p_value < 1e-6 AS significant,
       improvement > 0.5 AS improvement_over_min, success
FROM experiment_result('coaching-pilot');
-- an unrealistic success criterion is not met
UPDATE experiment SET min_effect = 5 WHERE key = 'coaching-pilot';
SELECT arm, success FROM experiment_result('coaching-pilot');

-- bad input
\set VERBOSITY default
\set SHOW_CONTEXT never
INSERT INTO experiment (key, arms) VALUES ('dup', '{a,a}');
INSERT INTO experiment (key, arms, control_arm) VALUES ('nocontrol', '{a,b}', 'control');
INSERT INTO experiment (key, arms, weights) VALUES ('badweights', '{control,b}', '{1,0}');
INSERT INTO experiment (key, eligible_relation, eligible_learner_column) VALUES ('badcol', 'staff', 'nope');
INSERT INTO experiment (key, measure_from, measure_to) VALUES ('badwindow', '2026-02-01', '2026-01-01');
SELECT experiment_assign('weighted');
SELECT experiment_assign('nope');
SELECT * FROM experiment_result('weighted');
SELECT * FROM experiment_rollout('x', ARRAY['a', 'a'], 1, now(), '1 day');
SELECT * FROM experiment_rollout('x', ARRAY['a'], 0, now(), '1 day');
\set VERBOSITY terse
\set SHOW_CONTEXT errors

DELETE FROM experiment;
DELETE FROM performance_source;
DROP VIEW eligible_staff;
DROP TABLE staff, weekly_sales;
