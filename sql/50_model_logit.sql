--
-- logit_summary and the logistic regression (doc/model.md): hand-computed summaries and fits with
-- a closed form, the text and binary forms (exact, validated), every bad input, la_merge_agg of
-- parts and a parallel plan against one serial pass, scoring, logit_fit's errors
--
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

-------------------------------------------------------------------------------
-- one pass by hand: x = 0, 1, 1, 2 labelled f, f, t, t, coef 0 (p = 1/2 for every row):
-- ll = 4 ln(1/2); grad = sum (y - 1/2) (1, x) = (0, 1); hess = 1/4 sum (1, x)(1, x)^T = [1 1; 1 1.5];
-- mean 1, m2 = 1 + 0 + 0 + 1 = 2
-------------------------------------------------------------------------------
CREATE TABLE l4 (x float8, y boolean, w float8);
INSERT INTO l4 VALUES (0, false, 1), (1, false, 1), (1, true, 1), (2, true, 1);
SELECT la_logit_agg(ARRAY[x], y, w, NULL, NULL, NULL) FROM l4;
SELECT s::text = 'v1 d=2 n=4 w=4 pos=2 ll=-2.772588722239781 coef=0,0 center=0 scale=1 grad=0,1 hess=1,1,1.5 mean=1 m2=2'
         AS as_by_hand,
       logit_num_rows(s), logit_weight_sum(s), logit_positives(s), logit_loglik(s) = 4 * ln(0.5) AS loglik_by_hand,
       logit_coefficients(s), logit_gradient(s), logit_hessian(s), logit_feature_means(s), logit_feature_sds(s)
FROM (SELECT la_logit_agg(ARRAY[x], y, w, NULL, NULL, NULL) AS s FROM l4) q;
-- weights: a weight of 2 counts a row twice (but n counts rows)
SELECT logit_num_rows(a.s) AS n_weighted, logit_num_rows(b.s) AS n_doubled,
       logit_loglik(a.s) = logit_loglik(b.s) AS same_loglik, logit_gradient(a.s) = logit_gradient(b.s) AS same_gradient,
       logit_hessian(a.s) = logit_hessian(b.s) AS same_hessian, logit_feature_means(a.s) = logit_feature_means(b.s) AS same_means,
       abs((logit_feature_sds(a.s))[1] - (logit_feature_sds(b.s))[1]) < 1e-15 AS same_sds_to_rounding, logit_positives(a.s) = logit_positives(b.s) AS same_positives
FROM (SELECT la_logit_agg(ARRAY[x], y, 2, NULL, NULL, NULL) AS s FROM l4) a,
     (SELECT la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL) AS s FROM l4, generate_series(1, 2)) b;
-- standardised at center 1, scale 2, coef (0.5, -1): z = -1/2, 0, 0, 1/2, eta = 1, 0.5, 0.5, 0
SELECT abs(logit_loglik(s) - (ln(1 / (1 + exp(1.0))) + ln(1 / (1 + exp(0.5))) + ln(1 / (1 + exp(-0.5))) + ln(0.5))) < 1e-15
         AS loglik_standardised,
       abs((logit_gradient(s))[2] - ((0 - 1 / (1 + exp(-1.0))) * -0.5 + (1 - 0.5) * 0.5)) < 1e-15 AS gradient_standardised
FROM (SELECT la_logit_agg(ARRAY[x], y, w, '{0.5,-1}', '{1}', '{2}') AS s FROM l4) q;

-- skipped rows: a NULL label, a NULL or zero weight (and their features are not even read)
SELECT logit_num_rows(s), logit_weight_sum(s)
FROM (SELECT la_logit_agg(f, y, w, NULL, NULL, NULL) AS s
      FROM (VALUES ('{1}'::float8[], true, 1::float8), ('{2}', NULL, 1), ('{NaN}', true, NULL),
                   (NULL, false, 0), ('{1,2,3}', true, 0), ('{3}', false, 0.5)) v(f, y, w)) q;
-- no rows, or only skipped ones: NULL
SELECT la_logit_agg(ARRAY[x], y, w, NULL, NULL, NULL) IS NULL AS no_rows FROM l4 WHERE false;
SELECT la_logit_agg(ARRAY[x], NULL, w, NULL, NULL, NULL) IS NULL AS all_skipped FROM l4;

-------------------------------------------------------------------------------
-- fits with a closed form
-------------------------------------------------------------------------------
-- a binary feature, unpenalised: the fitted probabilities are the groups' rates (1/4 at x = 0,
-- 3/4 at x = 1); on the standardised scale (center 1/2, scale 1/2) the slope is
-- (logit(3/4) - logit(1/4)) / 2 = ln 3 and the intercept 0
CREATE TABLE l8 (x float8, y boolean);
INSERT INTO l8 VALUES (0, true), (0, false), (0, false), (0, false), (1, true), (1, true), (1, true), (1, false);
SELECT center, scale, abs(coef[1]) < 1e-12 AS intercept_0, abs(coef[2] - ln(3)) < 1e-12 AS slope_ln3,
       iterations < 10 AS few_iterations, converged, abs(loglik - (2 * ln(0.25) + 6 * ln(0.75))) < 1e-12 AS loglik_by_hand,
       num_rows, positives, constant_features
FROM logit_fit('l8', '{x}', 'y', lambda => 0);
SELECT abs(logit_probability('{0}', coef, center, scale) - 0.25) < 1e-12 AS p0,
       abs(logit_probability('{1}', coef, center, scale) - 0.75) < 1e-12 AS p1
FROM logit_fit('l8', '{x}', 'y', lambda => 0);
-- penalised, 4 rows symmetric about x = 1: intercept 0 and the slope b solves
-- lambda b = sum (y - p) z = 2 sqrt(2) / (1 + exp(sqrt(2) b)) (z = -sqrt 2, 0, 0, sqrt 2)
SELECT lambda, abs(coef[1]) < 1e-12 AS intercept_0,
       abs(lambda * coef[2] - 2 * sqrt(2) / (1 + exp(sqrt(2) * coef[2]))) < 1e-12 AS slope_solves,
       coef[2] > 0 AS positive, converged
FROM unnest('{0.1,1,10,1000}'::float8[]) AS lambda, logit_fit('l4', '{x}', 'y', lambda => lambda);
-- the optimum's gradient: zero but for the penalty, at the returned coefficients
SELECT bool_and(abs(g - CASE WHEN i = 1 THEN 0 ELSE 1.0 * f.coef[i] END) < 1e-10) AS stationary
FROM logit_fit('l8', '{x}', 'y', lambda => 1.0) f,
     unnest((SELECT logit_gradient(la_logit_agg(ARRAY[x], y, 1, f.coef, f.center, f.scale)) FROM l8))
       WITH ORDINALITY AS u (g, i);
-- contributions: intercept + their sum is the log-odds of the probability
SELECT abs(coef[1] + (SELECT sum(c) FROM unnest(logit_contributions('{7,-3}', coef, center, scale)) c)
           - ln(p / (1 - p))) < 1e-12 AS contributions_add_up,
       logit_contributions('{7,-3}', coef, center, scale) = ARRAY[2 * (7 - 1) / 2.0, 0]::float8[] AS by_hand
FROM (SELECT '{1,2,-0.5}'::float8[] AS coef, '{1,5}'::float8[] AS center, '{2,0}'::float8[] AS scale) c,
     LATERAL (SELECT logit_probability('{7,-3}', coef, center, scale) AS p) q;
-- far in the tails: no overflow, and no cancellation (relative precision kept near 0)
SELECT logit_probability('{800}', '{0,1}', '{0}', '{1}') AS p_hi, logit_probability('{-800}', '{0,1}', '{0}', '{1}') AS p_lo,
       abs(logit_probability('{-30}', '{0,1}', '{0}', '{1}') / (1 / (1 + exp(30::float8))) - 1) < 1e-15 AS tail_relative;

-------------------------------------------------------------------------------
-- text and binary forms: exact round trip, whatever extra_float_digits is
-------------------------------------------------------------------------------
SELECT setseed(0.25);
CREATE TABLE lr AS
SELECT g AS id, ARRAY[random() * 10, random() - 0.5, 1e-300 * random(), 1e15 + random(), (g % 3)::float8] AS f,
       random() < 0.3 AS y, 1 + random() AS w
FROM generate_series(1, 2000) g;
CREATE TABLE lio AS
SELECT id % 3 AS k, la_logit_agg(f, y, w, '{0.1,0.2,-0.3,1e5,0.5,-1}', '{5,0,0,1e15,1}', '{3,0.3,1e-300,0.3,0}') AS s
FROM lr GROUP BY id % 3;
SELECT k, s::text::logit_summary::text = s::text AS same_text,
       learnalytics_internal.la_logit_send(s::text::logit_summary) = learnalytics_internal.la_logit_send(s) AS same_bytes,
       logit_gradient(s::text::logit_summary)::text = logit_gradient(s)::text AS same_gradient,
       logit_hessian(s::text::logit_summary)::text = logit_hessian(s)::text AS same_hessian,
       length(s::text) < 40 * 36 AS compact
FROM lio ORDER BY k;
SET extra_float_digits = 3;
CREATE TEMP TABLE lio_text AS SELECT k, s::text AS t FROM lio;
SET extra_float_digits = -15;
SELECT count(*) AS differing_at_minus_15 FROM lio JOIN lio_text USING (k) WHERE s::text <> t;
SET extra_float_digits = 0;
-- negative zero, subnormal, the largest float8 keep their bits
SELECT s::text, s::text::logit_summary::text = s::text AS same
FROM (VALUES ('v1 d=2 n=1 w=5e-324 pos=0 ll=-0 coef=-0,1.7976931348623157e+308 center=-1e-320 scale=0 grad=0,0 hess=0,0,0 mean=2.2250738585072014e-308 m2=0'::logit_summary)) v(s);

-- malformed or inconsistent text: rejected, naming the field
SELECT 'v2 d=1 n=0 w=0 pos=0 ll=0 coef=0 center= scale= grad=0 hess=0 mean= m2='::logit_summary;
SELECT 'v1 d=0 n=0 w=0 pos=0 ll=0 coef= center= scale= grad= hess= mean= m2='::logit_summary;
SELECT 'v1 d=1002 n=0'::logit_summary;
SELECT 'v1 d=1 n=0 w=0 pos=0 ll=0 coef=0 center= scale= grad=0 hess=0 mean='::logit_summary;
SELECT 'v1 d=2 n=1 w=1 pos=0 ll=-1 coef=0 center=0 scale=1 grad=0,0 hess=1,0,1 mean=0 m2=0'::logit_summary;
SELECT 'v1 d=2 n=1 w=1 pos=0 ll=-1 coef=0,0, center=0 scale=1 grad=0,0 hess=1,0,1 mean=0 m2=0'::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=NaN center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=0x10 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=1e999 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1  n=1 w=1 pos=0 ll=-1 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=0 center= scale= grad=0 hess=1 mean= m2= '::logit_summary;
SELECT 'v1 d=1 n=1.5 w=1 pos=0 ll=-1 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=2 ll=-1 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=1 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=0 center= scale= grad=0 hess=-1 mean= m2='::logit_summary;
SELECT 'v1 d=2 n=1 w=1 pos=0 ll=-1 coef=0,0 center=0 scale=-1 grad=0,0 hess=1,0,1 mean=0 m2=0'::logit_summary;
SELECT 'v1 d=2 n=1 w=1 pos=0 ll=-1 coef=0,0 center=0 scale=1 grad=0,0 hess=1,0,1 mean=0 m2=-1'::logit_summary;
SELECT 'v1 d=1 n=0 w=1 pos=0 ll=0 coef=0 center= scale= grad=0 hess=0 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=0 w=0 pos=0 ll=0 coef=0 center= scale= grad=1 hess=0 mean= m2='::logit_summary;
SELECT 'v1 d=1 n=-1 w=0 pos=0 ll=0 coef=0 center= scale= grad=0 hess=0 mean= m2='::logit_summary;
SELECT ''::logit_summary;
-- a summary of no rows is a valid value (and merges as nothing)
SELECT 'v1 d=1 n=0 w=0 pos=0 ll=0 coef=0 center= scale= grad=0 hess=0 mean= m2='::logit_summary;

-------------------------------------------------------------------------------
-- bad input to the aggregate: an error naming the field and element
-------------------------------------------------------------------------------
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES ('{1,NULL,3}'::float8[])) v(f);
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES ('{1,2,NaN}'::float8[])) v(f);
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES ('{-Infinity}'::float8[])) v(f);
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES (NULL::float8[])) v(f);
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) v(f);
SELECT la_logit_agg(f, true, 1, NULL, NULL, NULL) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(f);
SELECT la_logit_agg(f, true, w, NULL, NULL, NULL) FROM (VALUES ('{1}'::float8[], -1::float8)) v(f, w);
SELECT la_logit_agg(f, true, w, NULL, NULL, NULL) FROM (VALUES ('{1}'::float8[], 'NaN'::float8)) v(f, w);
SELECT la_logit_agg(f, true, w, NULL, NULL, NULL) FROM (VALUES ('{1}'::float8[], 'Infinity'::float8)) v(f, w);
SELECT la_logit_agg('{1,2}', true, 1, '{0,1}', NULL, NULL);
SELECT la_logit_agg('{1,2}', true, 1, NULL, '{0}', NULL);
SELECT la_logit_agg('{1,2}', true, 1, NULL, NULL, '{1,-1}');
SELECT la_logit_agg('{1,2}', true, 1, '{0,1,NULL}', NULL, NULL);
SELECT la_logit_agg('{1,2}', true, 1, NULL, '{0,Infinity}', NULL);
SELECT la_logit_agg('{1}', true, 1, c, NULL, NULL) FROM (VALUES ('{0,1}'::float8[]), ('{0,2}')) v(c);
SELECT la_logit_agg('{1}', true, 1, c, NULL, NULL) FROM (VALUES (NULL::float8[]), ('{0,2}')) v(c);
SELECT la_logit_agg(array_fill(1::float8, ARRAY[1001]), true, 1, NULL, NULL, NULL);
-- 1000 features is the limit, and works
SELECT logit_num_rows(la_logit_agg(array_fill(1::float8, ARRAY[1000]), true, 1, NULL, NULL, NULL)) AS thousand_features;
-- summaries of different coefficients or sizes do not merge
SELECT la_merge_agg(s) FROM (SELECT la_logit_agg('{1}', true, 1, '{0,1}', NULL, NULL) UNION ALL
                             SELECT la_logit_agg('{1}', true, 1, '{0,2}', NULL, NULL)) v(s);
SELECT la_merge_agg(s) FROM (SELECT la_logit_agg('{1}', true, 1, NULL, NULL, NULL) UNION ALL
                             SELECT la_logit_agg('{1,2}', true, 1, NULL, NULL, NULL)) v(s);
-- the Newton step: coef must be the summary's, lambda >= 0; a singular system is an error
SELECT logit_newton_step(la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL), '{0,1}', 1) FROM l4;
SELECT logit_newton_step(la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL), '{0}', 1) FROM l4;
SELECT logit_newton_step(la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL), '{0,0}', -1) FROM l4;
SELECT logit_newton_step(la_logit_agg(ARRAY[x, 2 * x], y, 1, NULL, NULL, NULL), '{0,0,0}', 0) FROM l4;
-- ... solved by hand at coef 0, lambda 0 on l4: [1 1; 1 1.5] delta = (0, 1) gives delta = (-2, 2)
SELECT logit_newton_step(la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL), '{0,0}', 0) FROM l4;
-- ... and with lambda 1: [1 1; 1 2.5] delta = (0, 1) gives (-2/3, 2/3)
SELECT logit_newton_step(la_logit_agg(ARRAY[x], y, 1, NULL, NULL, NULL), '{0,0}', 1)::text
       = ARRAY[-2 / 3.0, 2 / 3.0]::float8[]::text AS by_hand FROM l4;
-- ... a constant feature (scale 0) keeps its coefficient even unpenalised
SELECT logit_newton_step(la_logit_agg(ARRAY[x, 5], y, 1, '{0,0,0.25}', '{0,5}', '{1,0}'), '{0,0,0.25}', 0) FROM l4;
-- scoring: lengths, NULLs, non-finite values, negative scales
SELECT logit_probability('{1,2}', '{0,1}', '{0,0}', '{1,1}');
SELECT logit_probability('{1}', '{0,1}', '{0,0}', '{1}');
SELECT logit_probability('{1}', '{0,1}', '{0}', '{}');
SELECT logit_probability('{NULL}', '{0,1}', '{0}', '{1}');
SELECT logit_probability('{NaN}', '{0,1}', '{0}', '{1}');
SELECT logit_contributions('{1}', '{0,1}', '{0}', '{-1}');

-------------------------------------------------------------------------------
-- la_merge_agg of parts = one pass, and a parallel plan = a serial one (to rounding: 1e-9)
-------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.same(a logit_summary, b logit_summary) RETURNS boolean LANGUAGE sql AS $$
  SELECT logit_num_rows(a) = logit_num_rows(b)
     AND logit_coefficients(a) = logit_coefficients(b)
     AND abs(logit_weight_sum(a) - logit_weight_sum(b)) <= 1e-9 * abs(logit_weight_sum(b))
     AND abs(logit_positives(a) - logit_positives(b)) <= 1e-9 * abs(logit_positives(b))
     AND abs(logit_loglik(a) - logit_loglik(b)) <= 1e-9 * abs(logit_loglik(b))
     AND (SELECT bool_and(abs(x - y) <= 1e-9 * greatest(abs(y), 1e-300))
            FROM unnest(logit_gradient(a) || logit_feature_means(a) || logit_feature_sds(a),
                        logit_gradient(b) || logit_feature_means(b) || logit_feature_sds(b)) AS u (x, y))
     AND (SELECT bool_and(abs(x - y) <= 1e-9 * greatest(abs(y), 1e-300))
            FROM unnest(logit_hessian(a), logit_hessian(b)) AS u (x, y))
$$;
CREATE TABLE lpar AS
SELECT id, f, random() < 1 / (1 + exp(-(2 * f[1] - 1.5 * f[2] + 0.1 * f[3] - 0.01 * f[4]))) AS y, w
FROM (SELECT g AS id, ARRAY[random(), random() * 2 - 1, (g % 7)::float8, random() * 100] AS f, 0.5 + random() AS w
      FROM generate_series(1, 60000) g) q;
ANALYZE lpar;
CREATE TEMP TABLE whole AS
SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') AS s FROM lpar;
SELECT pg_temp.same(m.s, w.s) AS merged_equals_whole, m.s::text <> w.s::text AS not_trivially_identical
FROM (SELECT la_merge_agg(s) AS s FROM (
        SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') AS s
        FROM lpar GROUP BY id % 7) h) m, whole w;
SELECT pg_temp.same(m.s, w.s) AS halves_equal_whole
FROM (SELECT la_merge_agg(s) AS s FROM (
        SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') AS s
        FROM lpar GROUP BY id <= 20000) h) m, whole w;
-- a changed row changes the summary (the comparison can fail)
SELECT pg_temp.same(m.s, w.s) AS changed_row_differs
FROM (SELECT la_logit_agg(f, CASE WHEN id = 1 THEN NOT y ELSE y END, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}',
                          '{0.3,0.6,2,30}') AS s FROM lpar) m, whole w;
-- the summary of no rows merges as nothing
SELECT la_merge_agg(s)::text = (SELECT s::text FROM whole) AS empty_merges_as_nothing
FROM (SELECT s FROM whole UNION ALL
      SELECT 'v1 d=5 n=0 w=0 pos=0 ll=0 coef=-0.4,0.3,0.2,-0.1,0 center=0.5,0,3,50 scale=0.3,0.6,2,30 grad=0,0,0,0,0 hess=0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 mean=0,0,0,0 m2=0,0,0,0') v;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE lpar_serial AS SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') AS s FROM lpar;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') FROM lpar;
SELECT pg_temp.same(p.s, s.s) AS parallel_equals_serial
FROM (SELECT la_logit_agg(f, y, w, '{-0.4,0.3,0.2,-0.1,0}', '{0.5,0,3,50}', '{0.3,0.6,2,30}') AS s FROM lpar) p, lpar_serial s;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
-------------------------------------------------------------------------------
-- logit_fit: standardisation, constant features, separation, bad arguments
-------------------------------------------------------------------------------
-- a serial fit of 4 columns (compared with a parallel one at the end; progress NOTICEs, which
-- depend on the time taken, not shown)
CREATE TABLE lpar_cols AS SELECT f[1] AS a, f[2] AS b, f[3] AS c, f[4] AS d, y, w FROM lpar;
ANALYZE lpar_cols;
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = warning;
CREATE TEMP TABLE fit_serial AS SELECT * FROM logit_fit('lpar_cols', '{a,b,c,d}', 'y', 'w', 0.5);
RESET client_min_messages;
RESET max_parallel_workers_per_gather;
SELECT converged, iterations BETWEEN 3 AND 8 AS few_iterations FROM fit_serial;
-- center and scale are the weighted mean and standard deviation (ddof 0) of each column
SELECT abs(center[1] - (SELECT sum(w * a) / sum(w) FROM lpar_cols)) < 1e-12 AS weighted_mean,
       abs(scale[1] - (SELECT sqrt(sum(w * (a - m) ^ 2) / sum(w)) FROM lpar_cols, (SELECT sum(w * a) / sum(w) AS m FROM lpar_cols) q)) < 1e-12
         AS weighted_sd,
       num_rows, abs(positives - (SELECT sum(w) FROM lpar_cols WHERE y)) < 1e-9 AS weighted_positives
FROM fit_serial;
-- a constant column: coefficient 0, listed, a NOTICE; the other coefficient as without it
CREATE TABLE lconst AS SELECT x, 7.5::numeric AS k, y FROM l8;
SELECT coef[3] = 0 AS const_coef_0, abs(coef[2] - ln(3)) < 1e-12 AS slope_unchanged, scale, constant_features
FROM logit_fit('lconst', '{x,k}', 'y', lambda => 0);
-- separated labels with lambda = 0: an error with a hint; lambda > 0 fits
CREATE TABLE lsep AS SELECT x::float8 AS x, x > 2 AS y FROM generate_series(0, 5) x;
SELECT * FROM logit_fit('lsep', '{x}', 'y', lambda => 0);
SELECT * FROM logit_fit('l4', '{x}', 'y', lambda => 0);   -- quasi-complete: x = 1 both ways
SELECT converged, coef[2] > 0 AS positive FROM logit_fit('lsep', '{x}', 'y', lambda => 0.1);
-- only one label, no rows
SELECT * FROM logit_fit('l4', '{x}', 'w', lambda => 0);
CREATE TABLE lone AS SELECT x, true AS y FROM l4;
SELECT * FROM logit_fit('lone', '{x}', 'y');
CREATE TABLE lnone AS SELECT x, y FROM l4 WHERE false;
SELECT * FROM logit_fit('lnone', '{x}', 'y');
-- bad arguments
SELECT * FROM logit_fit('l4', '{x,nosuch}', 'y');
SELECT * FROM logit_fit('l4', '{x}', 'x');
SELECT * FROM logit_fit('l4', '{x}', 'nosuch');
SELECT * FROM logit_fit('l4', '{x,NULL}', 'y');
SELECT * FROM logit_fit('l4', NULL, 'y');
SELECT * FROM logit_fit('l4', '{x}', NULL);
SELECT * FROM logit_fit('l4', '{x}', 'y', 'nosuch');
SELECT * FROM logit_fit('l4', '{y}', 'y');
SELECT * FROM logit_fit('l4', '{x}', 'y', lambda => -1);
SELECT * FROM logit_fit('l4', '{x}', 'y', lambda => 'NaN');
SELECT * FROM logit_fit('l4', '{x}', 'y', max_iterations => 0);
SELECT * FROM logit_fit('l4', '{x}', 'y', tolerance => 0);
SELECT * FROM logit_fit(NULL, '{x}', 'y');
-- a weight column: a NULL or zero weight leaves the row out; negative is an error
CREATE TABLE lw AS SELECT x, y, CASE WHEN x = 2 AND y THEN 0 ELSE w END AS w FROM l4;
SELECT num_rows FROM logit_fit('lw', '{x}', 'y', 'w');
UPDATE lw SET w = -1 WHERE w = 0;
SELECT num_rows FROM logit_fit('lw', '{x}', 'y', 'w');
-- max_iterations reached: converged false, a NOTICE
SELECT iterations, converged FROM logit_fit('l8', '{x}', 'y', max_iterations => 1);

-------------------------------------------------------------------------------
-- logit_fit with every pass in a parallel plan (last: plans cached in parallel mode stay cached)
-------------------------------------------------------------------------------
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT la_logit_agg(ARRAY[a, b, c, d], y, w, NULL, NULL, NULL) FROM lpar_cols;
SET force_parallel_mode = regress;
SET client_min_messages = warning;
CREATE TEMP TABLE fit_parallel AS SELECT * FROM logit_fit('lpar_cols', '{a,b,c,d}', 'y', 'w', 0.5);
RESET client_min_messages;
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
SELECT s.converged, p.converged, s.iterations = p.iterations AS same_iterations,
       (SELECT bool_and(abs(x - y) <= 1e-9 * greatest(abs(y), 1e-9)) FROM unnest(p.coef || p.center || p.scale, s.coef || s.center || s.scale) u (x, y))
         AS same_model,
       abs(p.loglik - s.loglik) <= 1e-9 * abs(s.loglik) AS same_loglik, p.num_rows = s.num_rows AS same_rows
FROM fit_parallel p, fit_serial s;

-- privileges: analysts (and admins) fit, PUBLIC does not
SELECT has_function_privilege('public', 'logit_fit(regclass, text[], text, text, float8, integer, float8)', 'EXECUTE') AS public_fits,
       has_function_privilege('learnalytics_analyst', 'logit_fit(regclass, text[], text, text, float8, integer, float8)', 'EXECUTE') AS analyst_fits,
       has_function_privilege('public', 'logit_probability(float8[], float8[], float8[], float8[])', 'EXECUTE') AS public_scores;

DROP TABLE l4, l8, lr, lio, lpar, lpar_cols, lconst, lsep, lone, lnone, lw;
