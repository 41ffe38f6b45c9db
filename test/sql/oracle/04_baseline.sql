-- engagement_baseline and dip_ratio against SQL aggregates over the zero-filled calendar.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed / 3) \g /dev/null

-- (learner, day, days, metric): samples of the query days for events with 14 and 7 days, and for
-- the other metrics with 1 / 3 / 7 / 14 / 30 days
CREATE TABLE oracle_t.bq AS
SELECT learner, d, 14 AS n, 'events' AS metric FROM oracle_t.qd WHERE random() < 0.7
UNION ALL SELECT learner, d, 7, 'events' FROM oracle_t.qd WHERE random() < 0.5
UNION ALL
SELECT learner, d, (ARRAY[14, 7, 1, 3, 30])[1 + floor(random() * 5)::int],
       (ARRAY['sessions', 'dwell', 'weight', 'learners', 'events'])[1 + floor(random() * 5)::int]
FROM oracle_t.qd WHERE random() < 0.4;
DELETE FROM oracle_t.bq a USING oracle_t.bq b
WHERE a.ctid < b.ctid AND (a.learner, a.d, a.n, a.metric) = (b.learner, b.d, b.n, b.metric);

CREATE TABLE oracle_t.cmp_baseline AS
WITH vals AS (
  SELECT q.learner, q.d, q.n, q.metric, c.v
  FROM oracle_t.bq q JOIN oracle_t.calm c
    ON c.learner = q.learner AND c.metric = q.metric AND c.day >= q.d - q.n AND c.day < q.d
), st AS (
  SELECT learner, d, n, metric, count(*)::int AS cnt, avg(v)::float8 AS mean, sqrt(var_samp(v::numeric(40, 12)))::float8 AS sd,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY v::float8) AS med
  FROM vals GROUP BY 1, 2, 3, 4
), mad AS (
  SELECT v.learner, v.d, v.n, v.metric,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v.v::float8 - st.med)) AS mad
  FROM vals v JOIN st USING (learner, d, n, metric) GROUP BY 1, 2, 3, 4
), want AS (
  SELECT q.learner, q.d, q.n, q.metric, coalesce(st.cnt, 0) AS cnt, st.mean, st.sd, st.med, mad.mad
  FROM oracle_t.bq q LEFT JOIN st USING (learner, d, n, metric) LEFT JOIN mad USING (learner, d, n, metric)
)
SELECT w.learner, w.d, w.n, w.metric,
       (b.days_counted, b.mean, b.stddev, b.median, b.mad)::text AS got,
       (w.cnt, w.mean, w.sd, w.med, w.mad)::text AS want,
       b.days_counted IS NOT DISTINCT FROM w.cnt AND oracle_t.feq(b.mean, w.mean) AND oracle_t.feq(b.stddev, w.sd)
       AND oracle_t.feq(b.median, w.med) AND oracle_t.feq(b.mad, w.mad) AS ok
FROM want w JOIN oracle_t.sm ON sm.id = w.learner
CROSS JOIN LATERAL engagement_baseline(sm.s, w.d, w.n, w.metric) b;
CALL oracle_t.check('engagement_baseline (5 metrics; 1..30 days)', 'SELECT * FROM oracle_t.cmp_baseline',
                      'SELECT * FROM oracle_t.cmp_baseline WHERE NOT ok ORDER BY learner, d, n, metric');

-- dip_ratio with window_days 1 and 3
CREATE TABLE oracle_t.rq AS
SELECT learner, d, n, metric, wd
FROM oracle_t.bq, (VALUES (1), (3)) w(wd)
WHERE random() < 0.4;

CREATE TABLE oracle_t.cmp_ratio AS
WITH want AS (
  SELECT q.*, sp.first_day,
         (SELECT avg(v) FROM oracle_t.calm c WHERE c.learner = q.learner AND c.metric = q.metric
            AND c.day > q.d - q.wd AND c.day <= q.d) AS win,
         (SELECT avg(v) FROM oracle_t.calm c WHERE c.learner = q.learner AND c.metric = q.metric
            AND c.day > q.d - q.wd - q.n AND c.day <= q.d - q.wd) AS base
  FROM oracle_t.rq q JOIN oracle_t.span sp USING (learner)
)
SELECT w.learner, w.d, w.n, w.metric, w.wd, r AS got,
       CASE WHEN w.d < w.first_day OR w.base IS NULL OR w.base = 0 THEN NULL ELSE (w.win / w.base)::float8 END AS want
FROM want w JOIN oracle_t.sm ON sm.id = w.learner
CROSS JOIN LATERAL dip_ratio(sm.s, w.d, w.n, w.metric, w.wd) r;
CALL oracle_t.check('dip_ratio (window_days 1, 3)', 'SELECT * FROM oracle_t.cmp_ratio',
                      'SELECT * FROM oracle_t.cmp_ratio WHERE NOT oracle_t.feq(got, want) ORDER BY learner, d, n, metric, wd');
