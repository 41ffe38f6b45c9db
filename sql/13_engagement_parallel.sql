--
-- parallel query: partial aggregation with combine, same results as a serial plan
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SELECT setseed(0.5);
CREATE TABLE pev AS
SELECT (random() * 300)::int AS learner, timestamptz '2026-01-01 00:00+00' + random() * interval '90 days' AS ts,
       (random() * 10)::bigint AS w
FROM generate_series(1, 60000);
ANALYZE pev;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS
SELECT learner, la_engagement_agg(learner, ts, w, 'Europe/Paris', '20 minutes')::text AS s FROM pev GROUP BY learner;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;   -- a sorted plan too: partial states then meet in Finalize GroupAggregate
EXPLAIN (COSTS OFF)
SELECT learner, la_engagement_agg(learner, ts, w, 'Europe/Paris', '20 minutes') FROM pev GROUP BY learner;
SELECT count(*) AS groups, count(*) FILTER (WHERE s.s = p.s) AS identical
FROM serial s JOIN (SELECT learner, la_engagement_agg(learner, ts, w, 'Europe/Paris', '20 minutes')::text AS s
                    FROM pev GROUP BY learner) p USING (learner);
RESET enable_hashagg;
SELECT count(*) AS groups, count(*) FILTER (WHERE s.s = p.s) AS identical
FROM serial s JOIN (SELECT learner, la_engagement_agg(learner, ts, w, 'Europe/Paris', '20 minutes')::text AS s
                    FROM pev GROUP BY learner) p USING (learner);

-- one group over all rows: every worker holds a part of it, and the parts merge exactly
EXPLAIN (COSTS OFF) SELECT la_engagement_agg(1, ts, w) FROM pev;
SELECT la_engagement_agg(1, ts, w)::text = (SELECT la_engagement_agg(1, ts, w ORDER BY ts)::text FROM pev) AS whole_identical
FROM pev;

-- the rollups in parallel: summaries per learner and week, rolled up per learner / per cohort
CREATE TABLE weekly AS
SELECT learner, date_trunc('week', ts) AS wk, la_engagement_agg(learner, ts, w, 'Europe/Paris', '20 minutes') AS s
FROM pev GROUP BY learner, wk;
ANALYZE weekly;
EXPLAIN (COSTS OFF) SELECT la_engagement_cohort_agg(s) FROM weekly;
SELECT count(*) AS learners, count(*) FILTER (WHERE s.s = r.s) AS identical
FROM serial s JOIN (SELECT learner, la_merge_agg(s)::text AS s FROM weekly GROUP BY learner) r USING (learner);
RESET max_parallel_workers_per_gather;
SELECT (SELECT la_engagement_cohort_agg(s::engagement_summary)::text FROM serial) =
       (SELECT la_engagement_cohort_agg(s)::text FROM (SELECT la_merge_agg(s) s FROM weekly GROUP BY learner) x)
       AS cohort_identical;
DROP TABLE pev, weekly;
