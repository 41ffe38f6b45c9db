-- The reference answers of ../shared/bench: dip_alerts / dip_persistence over la_engagement_agg
-- summaries give exactly the learner-day set of sql_dip_replay.sql and the learner set of
-- sql_dip_asof.sql (their queries, ending in the set instead of the counts).
SET TimeZone = 'UTC';                 -- gen.sql adds '1 day' intervals to timestamptz
SET search_path = oracle_t;           -- gen.sql creates (and drops) learners and events here
\i :bench/gen.sql
SET search_path = public, learnalytics;
RESET TimeZone;
SET max_parallel_workers_per_gather = 0;

CREATE TABLE oracle_t.bsm AS
SELECT learner_id, la_engagement_agg(learner_id::bigint, ts) AS s FROM oracle_t.events GROUP BY 1;

-- sql_dip_replay.sql, returning the (learner, day) set
CREATE TABLE oracle_t.ref_replay AS
WITH daily AS (
  SELECT learner_id, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n
  FROM oracle_t.events GROUP BY 1, 2
), span AS (
  SELECT learner_id, min(day) AS first_day FROM daily GROUP BY 1
), filled AS (
  SELECT s.learner_id, d::date AS day, coalesce(dl.n, 0) AS n
  FROM span s
  CROSS JOIN LATERAL generate_series(s.first_day, date '2026-04-30', interval '1 day') d
  LEFT JOIN daily dl ON dl.learner_id = s.learner_id AND dl.day = d::date
), rolled AS (
  SELECT learner_id, day, n, avg(n) OVER w AS base, count(*) OVER w AS hist
  FROM filled
  WINDOW w AS (PARTITION BY learner_id ORDER BY day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
), flagged AS (
  SELECT learner_id, day, (hist >= 14 AND n < 0.6 * base) AS dip FROM rolled
), runs AS (
  SELECT learner_id, day, dip,
         day - (row_number() OVER (PARTITION BY learner_id, dip ORDER BY day))::int AS grp
  FROM flagged
), persisted AS (
  SELECT learner_id, day, dip,
         count(*) OVER (PARTITION BY learner_id, dip, grp ORDER BY day) AS run_len
  FROM runs
)
SELECT learner_id, day FROM persisted WHERE dip AND run_len = 3;

-- sql_dip_asof.sql, returning the learner set
CREATE TABLE oracle_t.ref_asof AS
WITH params AS (SELECT date '2026-03-15' AS d),
daily AS (
  SELECT learner_id, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n
  FROM oracle_t.events, params
  WHERE ts >= (d - 16)::timestamp AT TIME ZONE 'UTC' AND ts < (d + 1)::timestamp AT TIME ZONE 'UTC'
  GROUP BY 1, 2
), active AS (
  SELECT learner_id, min((ts AT TIME ZONE 'UTC')::date) AS first_day FROM oracle_t.events GROUP BY 1
), filled AS (
  SELECT a.learner_id, g::date AS day, coalesce(dl.n, 0) AS n
  FROM active a CROSS JOIN params
  CROSS JOIN LATERAL generate_series(greatest(a.first_day, d - 16), d, interval '1 day') g
  LEFT JOIN daily dl ON dl.learner_id = a.learner_id AND dl.day = g::date
  WHERE a.first_day <= d
), rolled AS (
  SELECT learner_id, day, n, avg(n) OVER w AS base, count(*) OVER w AS hist
  FROM filled
  WINDOW w AS (PARTITION BY learner_id ORDER BY day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
)
SELECT learner_id FROM rolled, params
WHERE day > d - 3
GROUP BY learner_id HAVING count(*) = 3 AND bool_and(hist >= 14 AND n < 0.6 * base);

CREATE TABLE oracle_t.cmp_bench_replay AS
WITH got AS (SELECT b.learner_id, a.day FROM oracle_t.bsm b, dip_alerts(b.s, '2026-04-30', 0.6, 14, 3, 'events') a)
SELECT coalesce(g.learner_id, r.learner_id) AS learner_id, coalesce(g.day, r.day) AS day,
       g.day IS NOT NULL AS in_dip_alerts, r.day IS NOT NULL AS in_sql_replay
FROM got g FULL JOIN oracle_t.ref_replay r ON r.learner_id = g.learner_id AND r.day = g.day;
CALL oracle_t.check('bench: dip_alerts vs sql_dip_replay (learner, day)', 'SELECT * FROM oracle_t.cmp_bench_replay',
  'SELECT * FROM oracle_t.cmp_bench_replay WHERE NOT (in_dip_alerts AND in_sql_replay) ORDER BY 1, 2');

CREATE TABLE oracle_t.cmp_bench_asof AS
WITH got AS (SELECT learner_id FROM oracle_t.bsm WHERE dip_persistence(s, '2026-03-15', 0.6, 14, 'events') >= 3)
SELECT coalesce(g.learner_id, r.learner_id) AS learner_id,
       g.learner_id IS NOT NULL AS in_dip_persistence, r.learner_id IS NOT NULL AS in_sql_asof
FROM got g FULL JOIN oracle_t.ref_asof r ON r.learner_id = g.learner_id;
CALL oracle_t.check('bench: dip_persistence >= 3 vs sql_dip_asof (learner)', 'SELECT * FROM oracle_t.cmp_bench_asof',
  'SELECT * FROM oracle_t.cmp_bench_asof WHERE NOT (in_dip_persistence AND in_sql_asof) ORDER BY 1');
SELECT (SELECT count(*) FROM oracle_t.events) AS bench_events, (SELECT count(*) FROM oracle_t.bsm) AS bench_learners,
       (SELECT count(*) FROM oracle_t.ref_replay) AS replay_alert_days, (SELECT count(*) FROM oracle_t.ref_asof) AS asof_learners;
