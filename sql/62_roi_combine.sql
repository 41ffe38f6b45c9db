--
-- roi: combining partial summaries in any order gives identical results; forced parallel plans
-- (Partial Aggregate) give the serial result; rollups across programs, sites and periods
--
-- deterministic items: 3 sites x 4 programs x 2 periods, benefits, costs, extremes, intangibles
CREATE TABLE roi_fact AS
SELECT g AS id,
       'site' || (g % 3) AS site, 'program' || (g % 4) AS program, 2025 + (g % 2) AS period,
       (ARRAY['benefit', 'benefit', 'cost', 'benefit', 'intangible', 'cost', 'extreme', 'benefit'])[1 + g % 8] AS kind,
       CASE WHEN g % 8 IN (2, 5)
            THEN (ARRAY['needs_analysis', 'design', 'development', 'delivery', 'platform_licences',
                        'participant_time', 'coaching', 'evaluation', 'overhead'])[1 + (g / 8) % 9]
            WHEN g % 8 = 4 THEN 'intangible ' || (g % 13) END AS label,
       CASE WHEN g % 8 = 4 THEN NULL
            WHEN g % 97 = 0 AND g % 8 IN (0, 1, 3, 7) THEN NULL          -- missing measurements
            ELSE round(((g * 7919) % 100003) / 7.0 - (CASE WHEN g % 8 = 7 THEN 3000 ELSE 0 END), 4) END
         AS amount,
       CASE WHEN g % 8 IN (0, 1, 3, 7, 6) THEN round(((g * 31) % 101) / 100.0, 2) END AS iso,
       CASE WHEN g % 8 IN (0, 1, 3, 7, 6) THEN round(((g * 17) % 89 + 11) / 100.0, 2) END AS conf
FROM generate_series(1, 20000) g;
UPDATE roi_fact SET amount = abs(amount) WHERE kind = 'cost';

-- serial reference
CREATE TEMP TABLE serial_s AS SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR')::text AS s FROM roi_fact;
SELECT total_benefits(s::roi_summary), adjusted_benefits(s::roi_summary), total_costs(s::roi_summary),
       excluded_benefits(s::roi_summary), (item_counts(s::roi_summary)).*, cardinality(intangibles(s::roi_summary))
FROM serial_s;
-- the accessors agree with plain numeric arithmetic over the items
SELECT adjusted_benefits(s::roi_summary) =
         (SELECT sum(round(amount * iso * conf, 4)) FROM roi_fact WHERE kind = 'benefit') AS adjusted_exact,
       total_costs(s::roi_summary) = (SELECT sum(amount) FROM roi_fact WHERE kind = 'cost') AS costs_exact
FROM serial_s;

-- forced parallel plan: Partial Aggregate, same result
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR') FROM roi_fact;
SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR')::text = (SELECT s FROM serial_s) AS parallel_equals_serial
FROM roi_fact;
-- grouped partials, rolled up in parallel too
CREATE TABLE roi_parts AS
SELECT site, program, period, la_roi_agg(kind, label, amount, iso, conf, 'EUR') AS s
FROM roi_fact GROUP BY site, program, period;
EXPLAIN (COSTS OFF) SELECT la_merge_agg(s) FROM roi_parts;
SELECT la_merge_agg(s)::text = (SELECT s FROM serial_s) AS parallel_rollup_equals_serial FROM roi_parts;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- rollups in many orders: by site first, by period first, by program, shuffled, reversed, and
-- pairwise with learnalytics_internal.la_roi_combine in a random tree: always the serial result
SELECT count(DISTINCT r) AS distinct_results, min(r) = (SELECT s FROM serial_s) AS equals_serial
FROM (
  SELECT la_merge_agg(s ORDER BY site, program, period)::text AS r FROM roi_parts
  UNION ALL SELECT la_merge_agg(s ORDER BY period DESC, program DESC, site)::text FROM roi_parts
  UNION ALL SELECT la_merge_agg(s ORDER BY md5(site || program || period))::text FROM roi_parts
  UNION ALL SELECT la_merge_agg(x ORDER BY site DESC)::text
              FROM (SELECT site, la_merge_agg(s ORDER BY program DESC) AS x FROM roi_parts GROUP BY site) b
  UNION ALL SELECT la_merge_agg(x ORDER BY period)::text
              FROM (SELECT period, la_merge_agg(s ORDER BY site) AS x FROM roi_parts GROUP BY period) b
  UNION ALL SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR' ORDER BY id DESC)::text FROM roi_fact
  UNION ALL SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR' ORDER BY md5(id::text))::text FROM roi_fact
) o;
-- every permutation of four partial summaries, folded left with learnalytics_internal.la_roi_combine
WITH p AS (SELECT period * 10 + (substr(site, 5)::int % 2) AS k, la_merge_agg(s) AS s
           FROM roi_parts GROUP BY 1),
perm AS (
  SELECT ARRAY[a.k, b.k, c.k, d.k] AS ord,
         learnalytics_internal.la_roi_combine(learnalytics_internal.la_roi_combine(learnalytics_internal.la_roi_combine(a.s, b.s), c.s), d.s)::text AS r
  FROM p a, p b, p c, p d
  WHERE a.k NOT IN (b.k, c.k, d.k) AND b.k NOT IN (c.k, d.k) AND c.k <> d.k)
SELECT count(*) AS permutations, count(DISTINCT r) AS distinct_results,
       min(r) = (SELECT s FROM serial_s) AS equals_serial
FROM perm;
-- right-nested and balanced trees too
WITH p AS (SELECT row_number() OVER (ORDER BY site, program, period) AS k, s FROM roi_parts)
SELECT learnalytics_internal.la_roi_combine(learnalytics_internal.la_roi_combine((SELECT la_merge_agg(s) FROM p WHERE k <= 3),
                                     (SELECT la_merge_agg(s) FROM p WHERE k > 3 AND k <= 8)),
                      (SELECT la_merge_agg(s) FROM p WHERE k > 8))::text
       = (SELECT s FROM serial_s) AS tree_equals_serial;

-- rollup skips NULL summaries; a single summary rolls up to itself
SELECT la_merge_agg(s)::text = (SELECT s FROM serial_s) AS nulls_skipped
FROM (SELECT s FROM roi_parts UNION ALL SELECT NULL) x;
SELECT la_merge_agg(s)::text = min(s::text) AS single FROM roi_parts WHERE site = 'site0' AND program = 'program0' AND period = 2025;
-- rollup by site, as a report
SELECT site, round(roi_percent(la_merge_agg(s)), 2) AS roi_pct,
       round(benefit_cost_ratio(la_merge_agg(s)), 4) AS bcr
FROM roi_parts GROUP BY site ORDER BY site;

-- as a window aggregate, the final value per frame is recomputed correctly (state not changed)
SELECT period, site, total_costs(la_merge_agg(s) OVER (PARTITION BY period ORDER BY site
                                                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
       = sum(total_costs(s)) OVER (PARTITION BY period ORDER BY site ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
       AS running_ok
FROM (SELECT period, site, la_merge_agg(s) AS s FROM roi_parts GROUP BY period, site) x
ORDER BY period, site;

-- la_roi_agg as a running window aggregate (its transition function changes the state in place):
-- every frame's summary equals a fresh aggregate over the same rows
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s::text = (SELECT la_roi_agg(kind, label, amount, iso, conf, 'EUR')::text
                                          FROM roi_fact f WHERE f.id <= w.id)) AS equal_to_recomputed
FROM (SELECT id, la_roi_agg(kind, label, amount, iso, conf, 'EUR') OVER (ORDER BY id) AS s
      FROM roi_fact WHERE id <= 300) w
WHERE w.id % 37 = 0 OR w.id IN (1, 300);

-- at most 1,000 distinct intangible names in a summary, in the aggregate and in rollups
SELECT la_roi_agg('intangible', 'benefit ' || g, NULL, NULL, NULL, NULL) FROM generate_series(1, 1001) g;
SELECT la_merge_agg(s) FROM (
  SELECT la_roi_agg('intangible', 'benefit ' || g, NULL, NULL, NULL, NULL) AS s FROM generate_series(1, 600) g
  UNION ALL
  SELECT la_roi_agg('intangible', 'other ' || g, NULL, NULL, NULL, NULL) FROM generate_series(1, 600) g) x;
SELECT cardinality(intangibles(la_roi_agg('intangible', 'benefit ' || (g % 1000), NULL, NULL, NULL, NULL)))
  AS distinct_names_kept
FROM generate_series(1, 5000) g;

DROP TABLE roi_fact, roi_parts, serial_s;
