--
-- performance joins: the registry of performance tables, training exposure, before/after and
-- trained/comparison windows, the comparison in one query, and the ROI built from it
--
-- a QA table the warehouse already has: weekly defects per agent, two sites
CREATE TABLE qa_weekly (agent_id int, site text, week_start timestamptz, defects numeric, reviewed boolean);
INSERT INTO qa_weekly
SELECT a, CASE WHEN a <= 20 THEN 'north' ELSE 'south' END,
       timestamptz '2026-01-05 00:00+00' + (w * interval '7 days'),
       -- baseline 8 defects a week with deterministic noise; from March, north (trained) drops by 3,
       -- south (comparison) by 1 (a company-wide trend the comparison group removes)
       8 + ((a * 37 + w * 11) % 7 - 3) * 0.5
         - CASE WHEN w >= 9 THEN (CASE WHEN a <= 20 THEN 3 ELSE 1 END) ELSE 0 END,
       (a + w) % 3 = 0
FROM generate_series(1, 40) a, generate_series(0, 30) w;
-- an agent with no observations after training, and a NULL metric: both simply absent
DELETE FROM qa_weekly WHERE agent_id = 20 AND week_start >= '2026-03-01';
INSERT INTO qa_weekly VALUES (1, 'north', '2026-04-01', NULL, NULL);

-- register it
INSERT INTO performance_source (name, relation, learner_column, site_column, time_column, metric_column,
                                higher_is_better, unit, unit_value, description)
VALUES ('qa_defects', 'qa_weekly', 'agent_id', 'site', 'week_start', 'defects', false,
        'defects per agent-week', 1560, 'QA review: a defect costs 30 in rework; 52 weeks a year');
SELECT name, relation, higher_is_better, unit_value FROM performance_source;

-- bad registrations: each names the field and the problem
\set VERBOSITY default
\set SHOW_CONTEXT never
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('bad_column', 'qa_weekly', 'agent', 'week_start', 'defects');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('bad_time', 'qa_weekly', 'agent_id', 'site', 'defects');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('bad_metric', 'qa_weekly', 'agent_id', 'week_start', 'site');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('bad_relation', 'no_such_table', 'agent_id', 'week_start', 'defects');
CREATE SEQUENCE qa_seq;
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('bad_kind', 'qa_seq', 'last_value', 'last_value', 'last_value');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('x; DROP TABLE qa_weekly', 'qa_weekly', 'agent_id', 'week_start', 'defects');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('injection', 'qa_weekly', 'agent_id"; DROP TABLE qa_weekly; --', 'week_start', 'defects');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column, unit_value)
VALUES ('bad_value', 'qa_weekly', 'agent_id', 'week_start', 'defects', 'NaN');
UPDATE performance_source SET metric_column = 'nope' WHERE name = 'qa_defects';
SELECT count(*) AS qa_rows_intact FROM qa_weekly;
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- who was trained: north's 20 agents, 2 to 6 March 2026
INSERT INTO training_exposure (program, learner_key, site, exposed_from, exposed_to)
SELECT 'qa-basics', a::text, 'north', '2026-03-02 09:00+00', '2026-03-06 17:00+00'
FROM generate_series(1, 20) a;
SELECT program, learners, sites, first_exposure, last_completion, median_start FROM training_cohort;
INSERT INTO training_exposure VALUES ('qa-basics', '99', 'north', '2026-03-06', '2026-03-02');

-- observations by group and period: 90 days before, one year after (first-year benefits only)
SELECT trained, period, count(*) AS observations, count(DISTINCT learner_key) AS learners,
       min(observed_at) AS first, max(observed_at) AS last
FROM performance_observations('qa_defects', 'qa-basics', comparison_sites => ARRAY['south'])
GROUP BY 1, 2 ORDER BY 1 DESC, 2 DESC;

-- the comparison in one query
SELECT trained_before_n, round(trained_before_mean::numeric, 6) AS tb, trained_after_n,
       round(trained_after_mean::numeric, 6) AS ta, comparison_before_n,
       round(comparison_before_mean::numeric, 6) AS cb, comparison_after_n,
       round(comparison_after_mean::numeric, 6) AS ca,
       round(after_difference::numeric, 6) AS after_diff, round(did_estimate::numeric, 6) AS did,
       did_p_value < 1e-6 AS did_significant, round(did_ci_low::numeric, 6) AS did_low,
       round(did_ci_high::numeric, 6) AS did_high, round(improvement::numeric, 6) AS improvement,
       unit, round(money, 2) AS money
FROM performance_comparison('qa_defects', 'qa-basics', comparison_sites => ARRAY['south']);

-- the same numbers computed by hand from the table: per-agent means in each window, then group
-- statistics, then diff_in_diff; the improvement is minus the upper bound (fewer defects is better)
WITH w AS (
  SELECT q.agent_id, q.agent_id <= 20 AS trained,
         CASE WHEN q.week_start < '2026-03-02 09:00+00' THEN 'before' ELSE 'after' END AS period,
         avg(q.defects::float8) AS m
  FROM qa_weekly q
  WHERE q.defects IS NOT NULL AND q.site IN ('north', 'south')
    AND ((q.agent_id <= 20 AND ((q.week_start >= timestamptz '2026-03-02 09:00+00' - interval '90 days'
                                  AND q.week_start < '2026-03-02 09:00+00')
                                 OR (q.week_start >= '2026-03-06 17:00+00'
                                     AND q.week_start < timestamptz '2026-03-06 17:00+00' + interval '1 year')))
      OR (q.agent_id > 20 AND q.week_start >= timestamptz '2026-03-02 09:00+00' - interval '90 days'
                          AND q.week_start < timestamptz '2026-03-02 09:00+00' + interval '1 year'))
  GROUP BY 1, 2, 3),
g AS (SELECT trained, period, count(*) AS n, avg(m) AS m, stddev_samp(m) AS s FROM w GROUP BY 1, 2),
d AS (SELECT x.* FROM g tb, g ta, g cb, g ca,
        diff_in_diff(tb.m, tb.s, tb.n, ta.m, ta.s, ta.n, cb.m, cb.s, cb.n, ca.m, ca.s, ca.n) x
      WHERE tb.trained AND tb.period = 'before' AND ta.trained AND ta.period = 'after'
        AND NOT cb.trained AND cb.period = 'before' AND NOT ca.trained AND ca.period = 'after')
SELECT abs(d.estimate - c.did_estimate) < 1e-12 AS did_matches,
       abs(-d.conservative_effect - c.improvement) < 1e-12 AS improvement_matches,
       c.money = (-d.conservative_effect)::numeric * 1560 * c.trained_after_n AS money_matches
FROM d, performance_comparison('qa_defects', 'qa-basics', comparison_sites => ARRAY['south']) c;

-- ...and into the ROI: the comparison group isolates the effect (isolation 1), the estimate is the
-- conservative bound, confidence 0.9 for the data quality; fully loaded costs
SELECT round(adjusted_benefits(s), 2) AS benefits, total_costs(s), round(roi_percent(s), 1) AS roi_pct,
       round(benefit_cost_ratio(s), 2) AS bcr, round(payback_months(s), 1) AS payback_months, intangibles(s)
FROM (SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR') AS s
      FROM (SELECT 'benefit' AS kind, 'fewer QA defects' AS label, round(money, 4) AS amount,
                   1.0 AS iso, 0.9 AS conf
            FROM performance_comparison('qa_defects', 'qa-basics', comparison_sites => ARRAY['south'])
            UNION ALL VALUES ('cost', 'design', 4000, NULL::numeric, NULL::numeric), ('cost', 'delivery', 6000, NULL, NULL),
                             ('cost', 'participant_time', 9600, NULL, NULL), ('cost', 'evaluation', 1500, NULL, NULL),
                             ('intangible', 'agent confidence', NULL, NULL, NULL)) i) x;

-- a boolean metric is counted as 0/1
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('qa_reviewed', 'qa_weekly', 'agent_id', 'week_start', 'reviewed');
SELECT trained, period, round(avg(metric)::numeric, 4) AS share_reviewed
FROM performance_observations('qa_reviewed', 'qa-basics') GROUP BY 1, 2 ORDER BY 1 DESC, 2 DESC;

-- errors
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM performance_comparison('nope', 'qa-basics');
SELECT * FROM performance_comparison('qa_defects', 'no-program');
SELECT * FROM performance_comparison('qa_defects', 'qa-basics', baseline => '-1 day');
SELECT * FROM performance_comparison('qa_defects', 'qa-basics', comparison_sites => ARRAY['east']);
SELECT * FROM performance_observations('qa_reviewed', 'qa-basics', comparison_sites => ARRAY['south']);
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- the registry and the exposure table are user data that pg_dump keeps
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) r(oid) JOIN pg_class c ON c.oid = r.oid
WHERE e.extname = 'learnalytics'
  AND c.relname IN ('experiment', 'experiment_assignment', 'performance_source', 'training_exposure')
ORDER BY 1;

DELETE FROM training_exposure;
DELETE FROM performance_source;
DROP TABLE qa_weekly;
DROP SEQUENCE qa_seq;
