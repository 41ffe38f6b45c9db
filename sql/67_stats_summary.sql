--
-- stats_summary: text and binary forms (exact, validated), la_stats_agg and la_merge_agg (NULL,
-- empty, single row, NaN, overflow, parallel, uneven partitions, windows), the accessors against
-- plain SQL over the same rows, and the summary forms of welch_test and diff_in_diff
--
SET extra_float_digits = 0;

-- the textbook sample 1, 2, 3: n 3, mean 2, m2 2 (squared deviations 1 + 0 + 1)
SELECT la_stats_agg(x) FROM (VALUES (1), (2), (3)) v(x);
SELECT num_vals(s), mean(s), variance(s), stddev(s), min_val(s), max_val(s)
FROM (SELECT la_stats_agg(x) AS s FROM (VALUES (1), (2), (3)) v(x)) q;

-------------------------------------------------------------------------------
-- text form: floats shortest-exact whatever extra_float_digits is, read back to the same bits
-------------------------------------------------------------------------------
CREATE TABLE sio (id int, s stats_summary);
INSERT INTO sio
SELECT id, la_stats_agg(x) FROM (VALUES
  (1, 0.1::float8), (1, 0.2), (1, 0.3),                              -- decimals that are not binary
  (2, 1.7976931348623157e308),                                       -- the largest float8
  (3, -1.7976931348623157e308),
  (4, 5e-324), (4, 2.2250738585072014e-308),                         -- subnormal, smallest normal
  (5, '-0'),                                                         -- negative zero keeps its sign
  (6, 1e15 + 0.3), (6, 1e15 + 0.7), (6, 1e15 - 0.1),                 -- near 2^50, a few ulps apart
  (7, 9e153), (7, -9e153),                                           -- m2 near the top of the range
  (8, 1.0 / 3), (8, 2.0 / 3), (8, 1e-300), (8, 123456789.123456789)) v(id, x)
GROUP BY id;
INSERT INTO sio VALUES (9, '{"n":9223372036854775807,"mean":-1.5,"m2":1e308,"min":-1e300,"max":1e300}'),
                       (10, '{"n":0,"mean":0,"m2":0,"min":0,"max":0}');
SELECT id, s FROM sio ORDER BY id;
-- the same text at any extra_float_digits (the output does not follow the setting)
CREATE TEMP TABLE sio_text AS SELECT id, s::text AS t FROM sio;
SET extra_float_digits = 3;
SELECT count(*) AS differing_at_3 FROM sio JOIN sio_text USING (id) WHERE s::text <> t;
SET extra_float_digits = -15;
SELECT count(*) AS differing_at_minus_15 FROM sio JOIN sio_text USING (id) WHERE s::text <> t;
SET extra_float_digits = 0;
-- out -> in -> out: the same text and the same send bytes (every float to the bit)
SELECT id, s::text::stats_summary::text = s::text AS same_text,
       learnalytics_internal.la_stats_send(s::text::stats_summary) = learnalytics_internal.la_stats_send(s) AS same_bytes
FROM sio ORDER BY id;
-- the bits of the fields, against float8send of the values the aggregate saw
SELECT float8send(min_val(s)) = float8send('-0'::float8) AS negative_zero_kept,
       float8send(min_val(s::text::stats_summary)) = float8send('-0'::float8) AS after_text
FROM sio WHERE id = 5;
SELECT min_val(s) = 5e-324 AS subnormal_min, min_val(s::text::stats_summary) = 5e-324 AS after_text
FROM sio WHERE id = 4;
-- JSON whitespace and any field order are read; the output is canonical
SELECT E' { "max" : 3 ,\n "min":1, "m2":2.0e0 ,"mean":2,"n":3 }\t'::stats_summary;
SELECT '{"n":2,"mean":0,"m2":0.5,"min":-0.5,"max":0.5}'::stats_summary;
SELECT '{"n":3,"mean":2,"m2":2,"min":1,"max":3}'::stats_summary::text
     = (SELECT la_stats_agg(x)::text FROM (VALUES (1), (2), (3)) v(x)) AS typed_equals_built;

-------------------------------------------------------------------------------
-- bad text input: each rejected with its SQLSTATE, the detail naming the field
-------------------------------------------------------------------------------
CREATE FUNCTION try_stats(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text;
  msg text;
  det text;
BEGIN
  PERFORM t::stats_summary;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  -- the syntax and consistency messages repeat the input: their detail says what is wrong
  RETURN st || ' ' || CASE WHEN st = '22003' THEN msg || ': ' ELSE '' END || det;
END $$;
SELECT input, try_stats(input) AS result FROM (VALUES
  (''), ('null'), ('[1,2]'), ('{}'), ('{"n":1}'),
  ('{"n":3,"mean":2,"m2":2,"min":1,"max":3'),
  ('{"n":3,"mean":2,"m2":2,"min":1,"max":3}x'),
  ('{"n":3,"mean":2,"m2":2,"min":1,"max":3,"sum":6}'),
  ('{"n":3,"avg":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"n":3,"m2":2,"min":1,"max":3}'),
  ('{"N":3,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{n:3,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n" 3,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3;"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3.0,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3e0,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":"3","mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":+3,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":03,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":NaN,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":Infinity,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":0x2,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":.5,"m2":2,"min":0,"max":3}'),
  ('{"n":3,"mean":2.,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":2,"m2":2e,"min":1,"max":3}'),
  ('{"n":3,"mean":2,"m2":2,"min":1,"max":null}'),
  -- well formed, out of range (22003)
  ('{"n":9223372036854775808,"mean":2,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":2,"m2":1e309,"min":1,"max":3}'),
  ('{"n":3,"mean":1e-400,"m2":2,"min":-1,"max":3}'),
  -- well formed, inconsistent (22P02)
  ('{"n":-1,"mean":0,"m2":0,"min":0,"max":0}'),
  ('{"n":3,"mean":2,"m2":-2,"min":1,"max":3}'),
  ('{"n":3,"mean":4,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":0.5,"m2":2,"min":1,"max":3}'),
  ('{"n":3,"mean":2,"m2":2,"min":3,"max":1}'),
  ('{"n":0,"mean":0,"m2":0,"min":0,"max":1}'),
  ('{"n":1,"mean":1,"m2":0,"min":0,"max":2}'),
  ('{"n":1,"mean":1,"m2":0.5,"min":1,"max":1}'),
  ('{"n":5,"mean":1,"m2":0.5,"min":1,"max":1}')) v(input);
-- the message itself, once
\set VERBOSITY default
SELECT '{"n":3,"mean":4,"m2":2,"min":1,"max":3}'::stats_summary;
SELECT '{"n":3,"mean":2,"m2":2,"min":1,"max":3,"sum":6}'::stats_summary;
\set VERBOSITY terse

-------------------------------------------------------------------------------
-- binary form: COPY (FORMAT binary) round trip, and forged bytes rejected (22P03)
-------------------------------------------------------------------------------
SELECT '/tmp/learnalytics_regress_stats_' || pg_backend_pid() || '.bin' AS bin_file \gset
COPY sio TO :'bin_file' WITH (FORMAT binary);
CREATE TABLE sio2 (LIKE sio);
COPY sio2 FROM :'bin_file' WITH (FORMAT binary);
SELECT count(*) AS rows_back, count(*) FILTER (WHERE learnalytics_internal.la_stats_send(a.s) = learnalytics_internal.la_stats_send(b.s)) AS same_bytes
FROM sio a JOIN sio2 b USING (id);
-- the binary form: format word 1, n, mean, m2, min, max, in network byte order
SELECT learnalytics_internal.la_stats_send(s) = int4send(1) || int8send(3) || float8send(2) || float8send(2)
                          || float8send(1) || float8send(3) AS layout
FROM (SELECT la_stats_agg(x) AS s FROM (VALUES (1), (2), (3)) v(x)) q;
-- forged values travel as a bytea column written out in binary, read back as stats_summary
CREATE TABLE landing (label text, s stats_summary);
CREATE TABLE carrier (label text, b bytea);
CREATE FUNCTION try_binary(label text, bytes bytea, path text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text;
  msg text;
  det text;
BEGIN
  TRUNCATE carrier;
  INSERT INTO carrier VALUES (label, bytes);
  EXECUTE format('COPY carrier TO %L (FORMAT binary)', path);
  EXECUTE format('COPY landing FROM %L (FORMAT binary)', path);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ' ' || msg || coalesce(' (' || det || ')', '');
END $$;
SELECT label, try_binary(label, b, :'bin_file') AS result FROM (VALUES
  ('valid (the harness works)',
   int4send(1) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || float8send(3)),
  ('format version 2',
   int4send(2) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || float8send(3)),
  ('reserved flag set',
   int4send(257) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || float8send(3)),
  ('one byte short',
   int4send(1) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || '\x00000000000008'::bytea),
  ('one byte too many',
   int4send(1) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || float8send(3) || '\x00'::bytea),
  ('negative n',
   int4send(1) || int8send(-3) || float8send(2) || float8send(2) || float8send(1) || float8send(3)),
  ('NaN mean',
   int4send(1) || int8send(3) || float8send('NaN') || float8send(2) || float8send(1) || float8send(3)),
  ('infinite max',
   int4send(1) || int8send(3) || float8send(2) || float8send(2) || float8send(1) || float8send('Infinity')),
  ('negative m2',
   int4send(1) || int8send(3) || float8send(2) || float8send(-2) || float8send(1) || float8send(3)),
  ('mean above max',
   int4send(1) || int8send(3) || float8send(4) || float8send(2) || float8send(1) || float8send(3)),
  ('n 0 with a min',
   int4send(1) || int8send(0) || float8send(0) || float8send(0) || float8send(-1) || float8send(0)),
  ('n 1 with a spread',
   int4send(1) || int8send(1) || float8send(1) || float8send(0) || float8send(0) || float8send(2))) v(label, b);
SELECT label, s FROM landing ORDER BY label;
\! rm -f /tmp/learnalytics_regress_stats_*.bin

-------------------------------------------------------------------------------
-- la_stats_agg: NULLs skipped, no rows give NULL, NaN and infinities rejected, overflow errors
-------------------------------------------------------------------------------
SELECT la_stats_agg(x) IS NULL AS no_rows FROM (SELECT 1::float8 WHERE false) v(x);
SELECT la_stats_agg(x) IS NULL AS only_nulls FROM (VALUES (NULL::float8), (NULL)) v(x);
SELECT la_stats_agg(x) AS nulls_skipped FROM (VALUES (NULL::float8), (1), (NULL), (3)) v(x);
-- a single row: variance and sd are undefined (NULL), like var_samp and stddev_samp
SELECT s, num_vals(s), mean(s), variance(s), stddev(s), min_val(s), max_val(s),
       (SELECT var_samp(x) IS NULL AND stddev_samp(x) IS NULL FROM (VALUES (42::float8)) v(x)) AS like_sql
FROM (SELECT la_stats_agg(42) AS s) q;
-- the summary of no values: size 0, everything else NULL
SELECT num_vals(s), mean(s), variance(s), stddev(s), min_val(s), max_val(s)
FROM (SELECT '{"n":0,"mean":0,"m2":0,"min":0,"max":0}'::stats_summary AS s) q;
-- integers and numerics are taken as float8
SELECT la_stats_agg(x) FROM (VALUES (1::bigint), (2), (4)) v(x);
SELECT la_stats_agg(x) FROM (VALUES (0.5::numeric), (1.5)) v(x);
-- NaN and infinities are refused (22023), whatever comes before them
\set VERBOSITY default
SELECT la_stats_agg(x) FROM (VALUES (1::float8), ('NaN')) v(x);
\set VERBOSITY terse
SELECT la_stats_agg(x) FROM (VALUES ('Infinity'::float8)) v(x);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_stats_agg(x) FROM (VALUES (1::float8), ('-Infinity')) v(x);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_stats_agg('NaN'::numeric);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- squared deviations beyond float8 are an error (22003), never an infinity
SELECT la_stats_agg(x) FROM (VALUES (1e200::float8), (-1e200)) v(x);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT la_stats_agg(x) FROM (VALUES (1.7976931348623157e308::float8), (-1.7976931348623157e308)) v(x);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- equal extreme values are fine: no deviation
SELECT la_stats_agg(x) FROM (VALUES (1.7976931348623157e308::float8), (1.7976931348623157e308)) v(x);
-- the count never wraps: merging onto the largest count is an error (22003)
SELECT la_merge_agg(s) FROM (VALUES ('{"n":9223372036854775807,"mean":1,"m2":0,"min":1,"max":1}'::stats_summary),
                                    ('{"n":1,"mean":1,"m2":0,"min":1,"max":1}')) v(s);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT learnalytics_internal.la_stats_combine('{"n":9223372036854775806,"mean":1,"m2":0,"min":1,"max":1}',
                        '{"n":1,"mean":1,"m2":0,"min":1,"max":1}') AS largest_count_fits;
SELECT la_merge_agg(s) FROM (VALUES ('{"n":2,"mean":1e200,"m2":0,"min":1e200,"max":1e200}'::stats_summary),
                                    ('{"n":2,"mean":-1e200,"m2":0,"min":-1e200,"max":-1e200}')) v(s);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- la_merge_agg: NULL summaries skipped, no rows give NULL, the summary of no values is neutral
SELECT la_merge_agg(s) IS NULL AS no_rows FROM sio WHERE false;
SELECT la_merge_agg(s) IS NULL AS only_nulls FROM (VALUES (NULL::stats_summary)) v(s);
SELECT la_merge_agg(s) AS merged FROM (VALUES (NULL::stats_summary), ('{"n":0,"mean":0,"m2":0,"min":0,"max":0}'),
                                             ('{"n":3,"mean":2,"m2":2,"min":1,"max":3}'), (NULL),
                                             ('{"n":0,"mean":0,"m2":0,"min":0,"max":0}')) v(s);
SELECT learnalytics_internal.la_stats_combine('{"n":0,"mean":0,"m2":0,"min":0,"max":0}', '{"n":3,"mean":2,"m2":2,"min":1,"max":3}') AS left_empty,
       learnalytics_internal.la_stats_combine('{"n":3,"mean":2,"m2":2,"min":1,"max":3}', '{"n":0,"mean":0,"m2":0,"min":0,"max":0}') AS right_empty;
-- called directly, learnalytics_internal.la_stats_combine changes neither input
SELECT a, b, learnalytics_internal.la_stats_combine(a, b) AS merged
FROM (SELECT '{"n":2,"mean":1.5,"m2":0.5,"min":1,"max":2}'::stats_summary AS a,
             '{"n":1,"mean":6,"m2":0,"min":6,"max":6}'::stats_summary AS b) q;

-------------------------------------------------------------------------------
-- the accessors against plain SQL over the same rows (float8 aggregates and exact numeric)
-------------------------------------------------------------------------------
-- The values are dyadic (k / 8, 1e4 + k / 1024), so each float8 x is exactly the numeric xn,
-- and numeric avg and var_samp over xn are the exact answers for the float8 data.
CREATE TABLE stats_fact AS
SELECT id, site, period, xn::float8 AS x, xn
FROM (SELECT g AS id, 'site' || (g % 5) AS site, 2025 + (g % 3) AS period,
             CASE WHEN g % 101 = 0 THEN NULL
                  WHEN g % 5 = 4 THEN 1e4 + ((g * 7919) % 1009) / 1024.0  -- large mean, small spread
                  ELSE ((g * 7919) % 10007) / 8.0 - 500 END AS xn
      FROM generate_series(1, 60000) g) r;
SELECT count(*) FILTER (WHERE x - b::float8 <> (xn - b)::float8) AS inexact, count(x) AS values
FROM (SELECT *, CASE WHEN site = 'site4' THEN 1e4 ELSE 0 END AS b FROM stats_fact) f;
-- relative difference, 0 when both are 0
CREATE FUNCTION rel(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN a = b THEN 0 ELSE abs(a - b) / greatest(abs(a), abs(b)) END $$;
CREATE TEMP TABLE by_site AS
SELECT site, la_stats_agg(x) AS s, count(x) AS n, avg(x) AS m, var_samp(x) AS v, stddev_samp(x) AS sd,
       min(x) AS lo, max(x) AS hi, avg(xn) AS m_exact, var_samp(xn) AS v_exact
FROM stats_fact GROUP BY site;
-- Tolerances: means to 1e-13 and variances to 1e-10 relative (site4, whose spread is small
-- against its mean, is the hardest: about 1e-12 in any row order); n, min and max exactly.
SELECT site, num_vals(s), round(mean(s)::numeric, 9) AS mean, round(stddev(s)::numeric, 9) AS sd,
       num_vals(s) = n AS n_equal, min_val(s) = lo AS min_equal, max_val(s) = hi AS max_equal,
       rel(mean(s), m_exact::float8) < 1e-13 AS mean_exact, rel(variance(s), v_exact::float8) < 1e-10 AS variance_exact,
       rel(mean(s), m) < 1e-13 AS mean_as_avg, rel(variance(s), v) < 1e-10 AS variance_as_var_samp,
       rel(stddev(s), sd) < 1e-10 AS stddev_as_stddev_samp, stddev(s) = sqrt(variance(s)) AS sd_is_sqrt_variance
FROM by_site ORDER BY site;

-------------------------------------------------------------------------------
-- forced parallel plans: Partial Aggregate, the serial result
-- (a merge is exact in n, min and max; mean and m2 agree to rounding, not to the bit)
-------------------------------------------------------------------------------
CREATE TEMP TABLE serial_s AS SELECT la_stats_agg(x) AS s FROM stats_fact;
CREATE TEMP TABLE serial_g AS SELECT site, la_stats_agg(x) AS s FROM stats_fact GROUP BY site;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT la_stats_agg(x) FROM stats_fact;
SELECT num_vals(p.s) = num_vals(q.s) AS n_equal, min_val(p.s) = min_val(q.s) AS min_equal,
       max_val(p.s) = max_val(q.s) AS max_equal, rel(mean(p.s), mean(q.s)) < 1e-13 AS mean_equal,
       rel(variance(p.s), variance(q.s)) < 1e-10 AS variance_equal
FROM (SELECT la_stats_agg(x) AS s FROM stats_fact) p, serial_s q;
EXPLAIN (COSTS OFF) SELECT site, la_stats_agg(x) FROM stats_fact GROUP BY site;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE num_vals(p.s) = num_vals(q.s) AND min_val(p.s) = min_val(q.s)
                          AND max_val(p.s) = max_val(q.s) AND rel(mean(p.s), mean(q.s)) < 1e-13
                          AND rel(variance(p.s), variance(q.s)) < 1e-10) AS equal_to_serial
FROM (SELECT site, la_stats_agg(x) AS s FROM stats_fact GROUP BY site) p JOIN serial_g q USING (site);
-- summaries stored per site and period, merged in parallel
CREATE TABLE stats_parts AS SELECT site, period, la_stats_agg(x) AS s FROM stats_fact GROUP BY site, period;
EXPLAIN (COSTS OFF) SELECT la_merge_agg(s) FROM stats_parts;
SELECT num_vals(p.s) = num_vals(q.s) AS n_equal, min_val(p.s) = min_val(q.s) AS min_equal,
       max_val(p.s) = max_val(q.s) AS max_equal, rel(mean(p.s), mean(q.s)) < 1e-13 AS mean_equal,
       rel(variance(p.s), variance(q.s)) < 1e-10 AS variance_equal
FROM (SELECT la_merge_agg(s) AS s FROM stats_parts) p, serial_s q;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-------------------------------------------------------------------------------
-- uneven partitions: partitionwise partial aggregates over an empty partition, one with only
-- NULLs, one with a single row and a large one; merges in many orders and tree shapes
-------------------------------------------------------------------------------
CREATE TABLE stats_part (k int, x float8, xn numeric) PARTITION BY LIST (k);
CREATE TABLE stats_part_empty PARTITION OF stats_part FOR VALUES IN (0);
CREATE TABLE stats_part_nulls PARTITION OF stats_part FOR VALUES IN (1);
CREATE TABLE stats_part_one PARTITION OF stats_part FOR VALUES IN (2);
CREATE TABLE stats_part_big PARTITION OF stats_part FOR VALUES IN (3);
INSERT INTO stats_part SELECT 1, NULL, NULL FROM generate_series(1, 50);
INSERT INTO stats_part VALUES (2, -1e6, -1e6);
INSERT INTO stats_part SELECT 3, x, xn FROM stats_fact;
ANALYZE stats_part;
SET enable_partitionwise_aggregate = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT la_stats_agg(x) FROM stats_part;
SELECT num_vals(p.s) = num_vals(q.s) + 1 AS n_equal, min_val(p.s) AS min, max_val(p.s) = max_val(q.s) AS max_equal,
       rel(mean(p.s), (SELECT avg(xn)::float8 FROM stats_part)) < 1e-13 AS mean_exact,
       rel(variance(p.s), (SELECT var_samp(xn)::float8 FROM stats_part)) < 1e-10 AS variance_exact
FROM (SELECT la_stats_agg(x) AS s FROM stats_part) p, serial_s q;
RESET enable_partitionwise_aggregate;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
-- partials of both tables merged in many orders and groupings: n, min, max exact, the rest to
-- rounding (the oracle: exact numeric over the rows of both)
WITH parts AS (
  SELECT k, la_stats_agg(x) AS s FROM stats_part GROUP BY k
  UNION ALL SELECT 10 + row_number() OVER (ORDER BY site, period), s FROM stats_parts),
merged AS (
  SELECT la_merge_agg(s ORDER BY k) AS s FROM parts
  UNION ALL SELECT la_merge_agg(s ORDER BY k DESC) FROM parts
  UNION ALL SELECT la_merge_agg(s ORDER BY md5(k::text)) FROM parts
  UNION ALL SELECT learnalytics_internal.la_stats_combine((SELECT la_merge_agg(s) FROM parts WHERE k < 12),
                                    (SELECT la_merge_agg(s) FROM parts WHERE k >= 12))
  UNION ALL SELECT la_merge_agg(x ORDER BY g) FROM (SELECT k % 4 AS g, la_merge_agg(s ORDER BY k DESC) AS x
                                                    FROM parts GROUP BY 1) b)
SELECT count(*) AS merges, count(DISTINCT num_vals(s)) AS distinct_n, count(DISTINCT min_val(s)) AS distinct_min,
       count(DISTINCT max_val(s)) AS distinct_max,
       max(rel(mean(s), o.m)) < 1e-13 AS means_exact, max(rel(variance(s), o.v)) < 1e-10 AS variances_exact,
       min(num_vals(s)) = min(o.n) AS n_exact
FROM merged, (SELECT avg(xn)::float8 AS m, var_samp(xn)::float8 AS v, count(xn) AS n
              FROM (SELECT xn FROM stats_part UNION ALL SELECT xn FROM stats_fact) r) o;

-------------------------------------------------------------------------------
-- window aggregates: the transition functions change the state in place; every frame's summary
-- still equals a fresh aggregate over the same rows
-------------------------------------------------------------------------------
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w.s::text = (SELECT la_stats_agg(x)::text FROM stats_fact f WHERE f.id <= w.id))
         AS equal_to_recomputed
FROM (SELECT id, la_stats_agg(x) OVER (ORDER BY id) AS s FROM stats_fact WHERE id <= 300) w
WHERE w.id % 37 = 0 OR w.id IN (1, 300);
SELECT site, period, num_vals(la_merge_agg(s) OVER w) AS running_n,
       sum(num_vals(s)) OVER w AS running_n_oracle
FROM stats_parts WHERE site IN ('site0', 'site1')
WINDOW w AS (PARTITION BY site ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
ORDER BY site, period;

-------------------------------------------------------------------------------
-- comparisons from summaries: the same as the tuple forms given avg, stddev_samp and count
-- (to 1e-9 relative, as test/t/61_stats_reference.sh holds them against scipy)
-------------------------------------------------------------------------------
SELECT rel(a.difference, b.difference) < 1e-9 AS difference, rel(a.std_error, b.std_error) < 1e-9 AS se,
       rel(a.df, b.df) < 1e-9 AS df, rel(a.p_value, b.p_value) < 1e-9 AS p,
       rel(a.ci_low, b.ci_low) < 1e-9 AS ci_low, rel(a.ci_high, b.ci_high) < 1e-9 AS ci_high,
       round(a.difference::numeric, 6) AS site1_minus_site0, round(a.p_value::numeric, 6) AS p_value
FROM welch_test((SELECT s FROM by_site WHERE site = 'site1'), (SELECT s FROM by_site WHERE site = 'site0')) a,
     (SELECT * FROM welch_test((SELECT m FROM by_site WHERE site = 'site1'), (SELECT sd FROM by_site WHERE site = 'site1'),
                               (SELECT n FROM by_site WHERE site = 'site1'), (SELECT m FROM by_site WHERE site = 'site0'),
                               (SELECT sd FROM by_site WHERE site = 'site0'), (SELECT n FROM by_site WHERE site = 'site0'))) b;
-- four groups with FILTER, then diff_in_diff
WITH g AS (
  SELECT la_stats_agg(x) FILTER (WHERE site = 'site1' AND period = 2025) AS tb,
         la_stats_agg(x) FILTER (WHERE site = 'site1' AND period = 2026) AS ta,
         la_stats_agg(x) FILTER (WHERE site = 'site2' AND period = 2025) AS cb,
         la_stats_agg(x) FILTER (WHERE site = 'site2' AND period = 2026) AS ca
  FROM stats_fact),
o AS (
  SELECT avg(x) FILTER (WHERE site = 'site1' AND period = 2025) AS tbm, stddev_samp(x) FILTER (WHERE site = 'site1' AND period = 2025) AS tbs, count(x) FILTER (WHERE site = 'site1' AND period = 2025) AS tbn,
         avg(x) FILTER (WHERE site = 'site1' AND period = 2026) AS tam, stddev_samp(x) FILTER (WHERE site = 'site1' AND period = 2026) AS tas, count(x) FILTER (WHERE site = 'site1' AND period = 2026) AS tan,
         avg(x) FILTER (WHERE site = 'site2' AND period = 2025) AS cbm, stddev_samp(x) FILTER (WHERE site = 'site2' AND period = 2025) AS cbs, count(x) FILTER (WHERE site = 'site2' AND period = 2025) AS cbn,
         avg(x) FILTER (WHERE site = 'site2' AND period = 2026) AS cam, stddev_samp(x) FILTER (WHERE site = 'site2' AND period = 2026) AS cas, count(x) FILTER (WHERE site = 'site2' AND period = 2026) AS can
  FROM stats_fact)
SELECT rel(a.estimate, b.estimate) < 1e-9 AS estimate, rel(a.std_error, b.std_error) < 1e-9 AS se,
       rel(a.df, b.df) < 1e-9 AS df, rel(a.p_value, b.p_value) < 1e-9 AS p,
       rel(a.ci_low, b.ci_low) < 1e-9 AS ci_low, rel(a.ci_high, b.ci_high) < 1e-9 AS ci_high,
       round(a.estimate::numeric, 6) AS estimate_value
FROM g, o, diff_in_diff(g.tb, g.ta, g.cb, g.ca) a,
     diff_in_diff(o.tbm, o.tbs, o.tbn, o.tam, o.tas, o.tan, o.cbm, o.cbs, o.cbn, o.cam, o.cas, o.can) b;
-- a hand-checked case: samples {1,2,3,4,5} and {2,4,6,3} (as in 63_compare, through the array form)
SELECT round(difference::numeric, 12) AS difference, round(std_error::numeric, 12) AS se,
       round(df::numeric, 9) AS df, round(p_value::numeric, 9) AS p
FROM welch_test('{"n":5,"mean":3,"m2":10,"min":1,"max":5}'::stats_summary,
                '{"n":4,"mean":3.75,"m2":8.75,"min":2,"max":6}'::stats_summary);
SELECT round(difference::numeric, 12) AS difference, round(std_error::numeric, 12) AS se,
       round(df::numeric, 9) AS df, round(p_value::numeric, 9) AS p
FROM welch_test(ARRAY[1, 2, 3, 4, 5]::float8[], ARRAY[2, 4, 6, 3]::float8[]);
-- a summary of fewer than two values is named; a NULL summary gives a NULL row (STRICT)
\set VERBOSITY default
SELECT * FROM welch_test('{"n":1,"mean":3,"m2":0,"min":3,"max":3}'::stats_summary,
                         '{"n":4,"mean":3.75,"m2":8.75,"min":2,"max":6}'::stats_summary);
SELECT * FROM diff_in_diff('{"n":2,"mean":1,"m2":2,"min":0,"max":2}'::stats_summary,
                           '{"n":2,"mean":1,"m2":2,"min":0,"max":2}', '{"n":0,"mean":0,"m2":0,"min":0,"max":0}',
                           '{"n":2,"mean":1,"m2":2,"min":0,"max":2}');
SELECT * FROM welch_test(ARRAY[NULL]::float8[], ARRAY[1, 2]::float8[]);
SELECT * FROM welch_test(ARRAY[1, 'NaN']::float8[], ARRAY[1, 2]::float8[]);
\set VERBOSITY terse
SELECT (welch_test(NULL::stats_summary, '{"n":2,"mean":1,"m2":2,"min":0,"max":2}')).difference IS NULL AS null_in_null_out;

-- the worked example of doc/roi.md: per-site summaries, stored, merged for the whole group
CREATE TABLE site_scores AS
SELECT site, trained, la_stats_agg(score) AS scores
FROM (SELECT 'site' || (g % 3) AS site, g % 2 = 0 AS trained,
             60 + (g % 2) * 0.6 + ((g * 37) % 23) / 2.0 AS score
      FROM generate_series(1, 600) g) r
GROUP BY site, trained;
SELECT round(difference::numeric, 4) AS difference, round(ci_low::numeric, 4) AS ci_low,
       round(ci_high::numeric, 4) AS ci_high, round(p_value::numeric, 6) AS p_value
FROM welch_test((SELECT la_merge_agg(scores) FROM site_scores WHERE trained),
                (SELECT la_merge_agg(scores) FROM site_scores WHERE NOT trained));
SELECT site, num_vals(la_merge_agg(scores)) AS learners, round(mean(la_merge_agg(scores))::numeric, 4) AS mean
FROM site_scores GROUP BY site ORDER BY site;

-- labels: every stats_summary function is IMMUTABLE and PARALLEL SAFE; all but the transition
-- function (which skips NULL values) and the aggregates are STRICT
SELECT p.proname, count(*) AS overloads, bool_and(p.provolatile = 'i') AS immutable,
       bool_and(p.proparallel = 's') AS parallel_safe, string_agg(DISTINCT p.proisstrict::text, ',') AS strict
FROM pg_proc p
WHERE p.proname IN ('learnalytics_internal.la_stats_in', 'learnalytics_internal.la_stats_out', 'learnalytics_internal.la_stats_recv', 'learnalytics_internal.la_stats_send', 'learnalytics_internal.la_stats_sfunc',
                    'learnalytics_internal.la_stats_combine', 'la_stats_agg', 'la_merge_agg', 'num_vals', 'mean', 'variance',
                    'stddev', 'min_val', 'max_val', 'welch_test', 'diff_in_diff')
  AND p.pronamespace = 'learnalytics'::regnamespace
GROUP BY p.proname ORDER BY 1;

DROP FUNCTION try_stats(text), try_binary(text, bytea, text), rel(float8, float8);
DROP TABLE sio, sio2, landing, carrier, stats_fact, stats_parts, stats_part, site_scores;
