-- held_since / held_for against a gaps-and-islands formulation, on random boolean sequences
-- with NULL conditions and NULL timestamps, in four window orders.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed / 11) \g /dev/null

-- 80 partitions of 1..400 rows (one of 3000 rows with long runs); p_true varies per partition;
-- ts_rand: random order (window ordered by i), ts_inc: strictly increasing with i
CREATE TABLE oracle_t.wseq AS
WITH parts AS (
  SELECT p, CASE WHEN p = 0 THEN 3000 ELSE 1 + floor(random() * 400)::int END AS n,
         CASE WHEN p = 0 THEN 0.995 ELSE random() END AS p_true
  FROM generate_series(0, 79) p
)
SELECT p, i,
       CASE WHEN random() < CASE WHEN p = 0 THEN 0.001 ELSE 0.07 END THEN NULL ELSE random() < p_true END AS c,
       CASE WHEN random() < CASE WHEN p = 0 THEN 0.001 ELSE 0.03 END THEN NULL
            ELSE timestamptz '2026-01-01 00:00+00' + floor(random() * 1e11) * interval '1 microsecond' END AS ts_rand,
       CASE WHEN random() < CASE WHEN p = 0 THEN 0.001 ELSE 0.03 END THEN NULL
            ELSE timestamptz '2026-01-01 00:00+00' + (i::bigint * 60000000 + floor(random() * 59999999)) * interval '1 microsecond' END AS ts_inc
FROM parts, generate_series(1, n) i;

-- the oracle for a given total window order (rn): a run is broken by every row where the condition
-- is not true or the timestamp is NULL; the start of a run is the timestamp of its first row
CREATE TABLE oracle_t.cmp_held AS
WITH ordered AS (
  SELECT 'partition by p order by i, ts random' AS how, p, i, c, ts_rand AS ts,
         row_number() OVER (PARTITION BY p ORDER BY i) AS rn,
         held_since(c, ts_rand) OVER (PARTITION BY p ORDER BY i) AS since,
         held_for(c, ts_rand) OVER (PARTITION BY p ORDER BY i) AS held_for
  FROM oracle_t.wseq
  UNION ALL
  SELECT 'partition by p order by ts (nulls last)', p, i, c, ts_inc,
         row_number() OVER (PARTITION BY p ORDER BY ts_inc, i),
         held_since(c, ts_inc) OVER (PARTITION BY p ORDER BY ts_inc, i),
         held_for(c, ts_inc) OVER (PARTITION BY p ORDER BY ts_inc, i)
  FROM oracle_t.wseq
  UNION ALL
  SELECT 'partition by p order by i desc', p, i, c, ts_rand,
         row_number() OVER (PARTITION BY p ORDER BY i DESC),
         held_since(c, ts_rand) OVER (PARTITION BY p ORDER BY i DESC),
         held_for(c, ts_rand) OVER (PARTITION BY p ORDER BY i DESC)
  FROM oracle_t.wseq
  UNION ALL
  SELECT 'no partition, order by p, i', 0, p * 10000 + i, c, ts_rand,
         row_number() OVER (ORDER BY p, i),
         held_since(c, ts_rand) OVER (ORDER BY p, i),
         held_for(c, ts_rand) OVER (ORDER BY p, i)
  FROM oracle_t.wseq
), brk AS (
  SELECT *, NOT coalesce(c AND ts IS NOT NULL, false) AS brk FROM ordered
), grp AS (
  SELECT *, count(*) FILTER (WHERE brk) OVER (PARTITION BY how, p ORDER BY rn) AS g FROM brk
), want AS (
  SELECT *, CASE WHEN NOT brk THEN first_value(ts) OVER (PARTITION BY how, p, g, brk ORDER BY rn) END AS want_since
  FROM grp
)
SELECT how, p, i, rn, c, ts, since, want_since, held_for, ts - want_since AS want_for,
       since IS NOT DISTINCT FROM want_since AND held_for IS NOT DISTINCT FROM ts - want_since AS ok
FROM want;
CALL oracle_t.check('held_since / held_for (4 window orders)', 'SELECT * FROM oracle_t.cmp_held',
                    'SELECT * FROM oracle_t.cmp_held WHERE NOT ok ORDER BY how, p, rn');
SELECT count(*) AS rows, count(*) FILTER (WHERE NOT brk) AS in_runs, max(run) AS longest_run
FROM (SELECT NOT coalesce(c AND ts_rand IS NOT NULL, false) AS brk,
             count(*) OVER (PARTITION BY p, g) AS run
      FROM (SELECT *, count(*) FILTER (WHERE NOT coalesce(c AND ts_rand IS NOT NULL, false))
                        OVER (PARTITION BY p ORDER BY i) AS g FROM oracle_t.wseq) x) y;
