-- Combining: rollup of per-part summaries of one learner = the summary of all their events
-- (text identical), in any order, nested, and under forced parallel aggregation; cohort of the
-- learners' summaries = per-day SQL sums, in any order and in parallel.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed / 7) \g /dev/null

-- the reference: every learner's summary from all their events, with the explicit 5-argument form
CREATE TABLE oracle_t.full5 AS
SELECT e.learner AS id, la_engagement_agg(e.learner::text, e.ts, e.w, l.tz, l.gap) AS s
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.id % 2 = 0 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::bigint, e.ts, e.w, l.tz, l.gap)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.id % 2 = 1 GROUP BY 1;

-- the 2- and 3-argument forms (defaults UTC, 30 minutes, weight 0) agree with the explicit form
CREATE TABLE oracle_t.cmp_forms AS
SELECT l.id, l.form, sm.s::text AS got, f.s::text AS want
FROM oracle_t.lr l JOIN oracle_t.sm ON sm.id = l.id JOIN oracle_t.full5 f ON f.id = l.id;
CALL oracle_t.check('2/3/5-argument forms give the same summary text', 'SELECT * FROM oracle_t.cmp_forms',
                    'SELECT * FROM oracle_t.cmp_forms WHERE got IS DISTINCT FROM want ORDER BY id');

-- disjoint parts of each learner's events (NULL timestamps included):
--   random: 2..6 random buckets; utc-day / local-day: one part per calendar day (NULL ts apart);
--   time-cut: cut at 3 of the learner's own timestamps (cuts sessions, splits nothing equal);
--   by-session-parity and one-part
CREATE TABLE oracle_t.parts AS
WITH k AS (SELECT id, 2 + floor(random() * 5)::int AS k FROM oracle_t.lr),
cuts AS (
  SELECT learner, array_agg(ts ORDER BY r) AS c
  FROM (SELECT learner, ts, row_number() OVER (PARTITION BY learner ORDER BY random()) AS r
        FROM oracle_t.ev WHERE ts IS NOT NULL) x
  WHERE r <= 3 GROUP BY learner
)
SELECT e.learner, v.split, v.part, e.ts, e.w
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner JOIN k ON k.id = e.learner
JOIN cuts ON cuts.learner = e.learner,
LATERAL (VALUES ('random', floor(random() * k.k)::int),
                ('utc-day', coalesce((e.ts AT TIME ZONE 'UTC')::date - date '2000-01-01', -1)),
                ('local-day', coalesce((e.ts AT TIME ZONE l.tz)::date - date '2000-01-01', -1)),
                ('time-cut', coalesce((e.ts >= cuts.c[1])::int + (e.ts >= cuts.c[2])::int * 2
                                      + (e.ts >= cuts.c[3])::int * 4, 8)),
                ('one-part', 0)) v(split, part);

CREATE TABLE oracle_t.psm AS
SELECT p.learner, p.split, p.part, la_engagement_agg(p.learner::text, p.ts, p.w, l.tz, l.gap) AS s
FROM oracle_t.parts p JOIN oracle_t.lr l ON l.id = p.learner WHERE l.id % 2 = 0 GROUP BY 1, 2, 3
UNION ALL
SELECT p.learner, p.split, p.part, la_engagement_agg(p.learner::bigint, p.ts, p.w, l.tz, l.gap)
FROM oracle_t.parts p JOIN oracle_t.lr l ON l.id = p.learner WHERE l.id % 2 = 1 GROUP BY 1, 2, 3;

CREATE TABLE oracle_t.cmp_rollup AS
WITH r AS (
  SELECT learner, split, 'random order' AS how, la_merge_agg(s ORDER BY random())::text AS t
  FROM oracle_t.psm GROUP BY 1, 2
  UNION ALL
  SELECT learner, split, 'descending', la_merge_agg(s ORDER BY part DESC)::text FROM oracle_t.psm GROUP BY 1, 2
  UNION ALL
  SELECT learner, split, 'nested (odd/even parts, then both)', la_merge_agg(s ORDER BY random())::text
  FROM (SELECT learner, split, la_merge_agg(s ORDER BY random()) AS s
        FROM oracle_t.psm GROUP BY learner, split, part % 2) x
  GROUP BY 1, 2
)
SELECT r.learner, r.split, r.how, r.t AS got, f.s::text AS want
FROM r JOIN oracle_t.full5 f ON f.id = r.learner;
CALL oracle_t.check('rollup of parts = summary of all events (5 splits x 3 orders)', 'SELECT * FROM oracle_t.cmp_rollup',
                    'SELECT learner, split, how, left(got, 300), left(want, 300) FROM oracle_t.cmp_rollup
                     WHERE got IS DISTINCT FROM want ORDER BY learner, split, how');

-- forced parallel plans ---------------------------------------------------------------------------
CREATE FUNCTION oracle_t.plan(q text, with_analyze boolean DEFAULT false) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; out text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF' || CASE WHEN with_analyze THEN ', ANALYZE, TIMING OFF, SUMMARY OFF' ELSE '' END
                   || ') ' || q LOOP
    out := out || r."QUERY PLAN" || E'\n';
  END LOOP;
  RETURN out;
END $$;

-- the events in random physical order (so each learner's rows are spread over both workers)
-- (one table per learner key type, to keep the planner's group estimates right)
CREATE TABLE oracle_t.evp_text AS
SELECT e.learner, e.ts, e.w, l.tz, l.gap FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner
WHERE l.id % 2 = 0 ORDER BY random();
CREATE TABLE oracle_t.evp_bigint AS
SELECT e.learner, e.ts, e.w, l.tz, l.gap FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner
WHERE l.id % 2 = 1 ORDER BY random();
-- the part summaries and the learners' summaries, padded so that they fill many pages
CREATE TABLE oracle_t.psmp AS
SELECT learner, split, part, s FROM oracle_t.psm WHERE split IN ('utc-day', 'random') ORDER BY random();
CREATE TABLE oracle_t.smp AS
SELECT sm.id, l.tz, l.gap, sm.s,
       (SELECT string_agg(md5(random()::text || g || sm.id), '') FROM generate_series(1, 40) g) AS pad
FROM oracle_t.sm JOIN oracle_t.lr l ON l.id = sm.id ORDER BY random();
ANALYZE oracle_t.evp_text, oracle_t.evp_bigint, oracle_t.psmp, oracle_t.smp;

CREATE TABLE oracle_t.par_q (name text, q text, result_table text);
INSERT INTO oracle_t.par_q VALUES
  ('la_engagement_agg, text learners',
   'SELECT learner AS id, la_engagement_agg(learner::text, ts, w, tz, gap) AS s FROM oracle_t.evp_text GROUP BY learner',
   'par_agg_text'),
  ('la_engagement_agg, bigint learners',
   'SELECT learner AS id, la_engagement_agg(learner::bigint, ts, w, tz, gap) AS s FROM oracle_t.evp_bigint GROUP BY learner',
   'par_agg_bigint'),
  ('la_merge_agg',
   'SELECT learner AS id, split, la_merge_agg(s) AS s FROM oracle_t.psmp GROUP BY learner, split',
   'par_rollup'),
  ('la_engagement_cohort_agg',
   'SELECT tz, gap, la_engagement_cohort_agg(s) AS s FROM oracle_t.smp GROUP BY tz, gap',
   'par_cohort');

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;

CREATE TABLE oracle_t.par_plans (name text, agg text, plan text, analyzed text);
DO $$
DECLARE r record; a text;
BEGIN
  FOR r IN SELECT * FROM oracle_t.par_q LOOP
    FOREACH a IN ARRAY ARRAY['hash', 'sort'] LOOP
      EXECUTE format('SET LOCAL enable_hashagg = %s', a = 'hash');
      INSERT INTO oracle_t.par_plans VALUES (r.name, a, oracle_t.plan(r.q), oracle_t.plan(r.q, true));
      EXECUTE format('CREATE TABLE oracle_t.%I AS %s', r.result_table || '_' || a, r.q);
    END LOOP;
  END LOOP;
END $$;
CALL oracle_t.check('parallel plans: Partial aggregate under Gather, workers launched',
  'SELECT * FROM oracle_t.par_plans',
  $q$SELECT name, agg, plan, substring(analyzed from 'Workers Launched: [0-9]+') FROM oracle_t.par_plans
     WHERE NOT (plan ~ 'Partial (Hash|Group)?Aggregate' AND plan ~ 'Gather' AND plan ~ 'Parallel Seq Scan'
                AND analyzed ~ 'Workers Launched: [12]' AND analyzed !~ 'Workers Launched: 0')$q$);
SET max_parallel_workers_per_gather = 0;

CREATE TABLE oracle_t.cmp_par_agg AS
SELECT f.id, a.agg, p.s::text AS got, f.s::text AS want
FROM oracle_t.full5 f CROSS JOIN (VALUES ('hash'), ('sort')) a(agg)
LEFT JOIN (SELECT 'hash' AS agg, * FROM oracle_t.par_agg_text_hash UNION ALL SELECT 'hash', * FROM oracle_t.par_agg_bigint_hash
           UNION ALL SELECT 'sort', * FROM oracle_t.par_agg_text_sort UNION ALL SELECT 'sort', * FROM oracle_t.par_agg_bigint_sort) p
  ON p.id = f.id AND p.agg = a.agg;
CALL oracle_t.check('parallel la_engagement_agg = serial summary (text)', 'SELECT * FROM oracle_t.cmp_par_agg',
                    'SELECT id, agg, left(got, 300), left(want, 300) FROM oracle_t.cmp_par_agg WHERE got IS DISTINCT FROM want ORDER BY id');

CREATE TABLE oracle_t.cmp_par_rollup AS
SELECT f.id, sp.split, a.agg, p.s::text AS got, f.s::text AS want
FROM oracle_t.full5 f CROSS JOIN (VALUES ('hash'), ('sort')) a(agg) CROSS JOIN (VALUES ('utc-day'), ('random')) sp(split)
LEFT JOIN (SELECT 'hash' AS agg, * FROM oracle_t.par_rollup_hash UNION ALL SELECT 'sort', * FROM oracle_t.par_rollup_sort) p
  ON p.id = f.id AND p.agg = a.agg AND p.split = sp.split;
CALL oracle_t.check('parallel la_merge_agg = summary of all events', 'SELECT * FROM oracle_t.cmp_par_rollup',
                    'SELECT id, split, agg, left(got, 300), left(want, 300) FROM oracle_t.cmp_par_rollup WHERE got IS DISTINCT FROM want ORDER BY id');

-- cohorts per (time zone, gap): serial in two orders and parallel give the same text, and the
-- per-day series equals the SQL sums over the learners' calendars
CREATE TABLE oracle_t.cohorts AS
SELECT 'random order' AS how, l.tz, l.gap, la_engagement_cohort_agg(sm.s ORDER BY random()) AS s
FROM oracle_t.sm JOIN oracle_t.lr l ON l.id = sm.id GROUP BY l.tz, l.gap
UNION ALL
SELECT 'id order', l.tz, l.gap, la_engagement_cohort_agg(sm.s ORDER BY sm.id DESC)
FROM oracle_t.sm JOIN oracle_t.lr l ON l.id = sm.id GROUP BY l.tz, l.gap
UNION ALL SELECT 'parallel hash', * FROM oracle_t.par_cohort_hash
UNION ALL SELECT 'parallel sort', * FROM oracle_t.par_cohort_sort;

CREATE TABLE oracle_t.cmp_cohort_text AS
SELECT c.how, c.tz, c.gap, c.s::text AS got, r.s::text AS want
FROM oracle_t.cohorts c JOIN oracle_t.cohorts r ON r.how = 'id order' AND (r.tz, r.gap) = (c.tz, c.gap)
WHERE c.how <> 'id order';
CALL oracle_t.check('cohort text independent of order and parallelism', 'SELECT * FROM oracle_t.cmp_cohort_text',
                    'SELECT how, tz, gap, left(got, 300), left(want, 300) FROM oracle_t.cmp_cohort_text WHERE got IS DISTINCT FROM want');

-- text round trip: the input function reads back exactly what the output function wrote, for the
-- learners' summaries and the cohorts (what a dump and restore does)
CREATE TABLE oracle_t.cmp_roundtrip AS
SELECT 'learner ' || id AS k, s::text AS t, oracle_t.text_roundtrip(s::text) AS back FROM oracle_t.full5
UNION ALL
SELECT 'cohort ' || how || ' ' || tz || ' ' || gap, s::text, oracle_t.text_roundtrip(s::text) FROM oracle_t.cohorts;
CALL oracle_t.check('summary text round trip (out, in, out), learners and cohorts', 'SELECT * FROM oracle_t.cmp_roundtrip',
                    'SELECT k, left(back, 160) FROM oracle_t.cmp_roundtrip WHERE back IS DISTINCT FROM t ORDER BY k');

-- the oracle of a cohort per (time zone, gap): per-day sums of the learners' calendars, zero-filled
-- from the first to the last active day of the group (and 5 days more, for baselines)
CREATE TABLE oracle_t.ccal AS
WITH grp AS (
  SELECT l.tz, l.gap, min(sp.first_day) AS f, max(sp.last_day) AS t
  FROM oracle_t.lr l JOIN oracle_t.span sp ON sp.learner = l.id GROUP BY 1, 2
), sums AS (
  SELECT l.tz, l.gap, c.day, sum(c.events) AS events, sum(c.sessions) AS sessions, sum(c.dwell_us) AS dwell_us,
         sum(c.weight) AS weight, sum(c.learners) AS learners
  FROM oracle_t.cal c JOIN oracle_t.span sp ON sp.learner = c.learner AND c.day <= sp.last_day
  JOIN oracle_t.lr l ON l.id = c.learner GROUP BY 1, 2, 3
)
SELECT g.tz, g.gap, d::date AS day, d::date > g.t AS after_last,
       coalesce(s.events, 0) AS events, coalesce(s.sessions, 0) AS sessions,
       coalesce(s.dwell_us, 0) AS dwell_us, coalesce(s.weight, 0) AS weight, coalesce(s.learners, 0) AS learners
FROM grp g CROSS JOIN LATERAL generate_series(g.f, g.t + 5, interval '1 day') d
LEFT JOIN sums s ON (s.tz, s.gap, s.day) = (g.tz, g.gap, d::date);
ALTER TABLE oracle_t.ccal ADD PRIMARY KEY (tz, gap, day);

CREATE TABLE oracle_t.cmp_cohort_daily AS
WITH want AS (
  SELECT 'id order' AS how, c.* FROM oracle_t.ccal c WHERE NOT c.after_last
), got AS (   -- (the other ways give the same text, checked above)
  SELECT c.how, c.tz, c.gap, d.day, d.events, d.sessions, oracle_t.us(d.dwell) AS dwell_us, d.weight, d.learners
  FROM oracle_t.cohorts c, daily_activity(c.s) d WHERE c.how = 'id order'
)
SELECT coalesce(g.how, w.how) AS how, coalesce(g.tz, w.tz) AS tz, coalesce(g.gap, w.gap) AS gap,
       coalesce(g.day, w.day) AS day,
       (g.events, g.sessions, g.dwell_us, g.weight, g.learners)::text AS got,
       (w.events, w.sessions, w.dwell_us, w.weight, w.learners)::text AS want,
       g.day IS NOT NULL AND w.day IS NOT NULL
       AND (g.events, g.sessions, g.dwell_us, g.weight, g.learners) = (w.events, w.sessions, w.dwell_us, w.weight, w.learners) AS ok
FROM got g FULL JOIN want w ON (g.how, g.tz, g.gap, g.day) = (w.how, w.tz, w.gap, w.day);
CALL oracle_t.check('cohort daily_activity = per-day SQL sums', 'SELECT * FROM oracle_t.cmp_cohort_daily',
                    'SELECT * FROM oracle_t.cmp_cohort_daily WHERE NOT ok ORDER BY how, tz, gap, day');

CREATE TABLE oracle_t.cmp_cohort_info AS
WITH want AS (
  SELECT l.tz, l.gap, count(*) AS learners, min(sp.first_ts) AS first_ts, max(sp.last_ts) AS last_ts,
         sum(sp.events) AS events, sum(sp.weight) AS weight, sum(sp.skipped) AS skipped,
         (SELECT count(*) FROM oracle_t.ccal c WHERE (c.tz, c.gap) = (l.tz, l.gap) AND c.events > 0) AS active_days,
         (SELECT sum(sessions) FROM oracle_t.ccal c WHERE (c.tz, c.gap) = (l.tz, l.gap)) AS sessions,
         (SELECT sum(dwell_us) FROM oracle_t.ccal c WHERE (c.tz, c.gap) = (l.tz, l.gap)) AS dwell_us
  FROM oracle_t.lr l JOIN oracle_t.span sp ON sp.learner = l.id GROUP BY 1, 2
)
SELECT c.how, c.tz, c.gap,
       (i.kind, i.tz, i.session_gap, i.learners, i.first_activity, i.last_activity, i.active_days, i.events,
        i.sessions, oracle_t.us(i.dwell), i.weight, i.skipped)::text AS got,
       ('cohort', w.tz, w.gap, w.learners, w.first_ts, w.last_ts, w.active_days, w.events, w.sessions, w.dwell_us,
        w.weight, w.skipped)::text AS want,
       (i.kind, i.tz, i.session_gap, i.learners, i.first_activity, i.last_activity, i.active_days, i.events,
        i.sessions, oracle_t.us(i.dwell), i.weight, i.skipped)
       IS NOT DISTINCT FROM ('cohort'::text, w.tz, w.gap, w.learners, w.first_ts, w.last_ts, w.active_days::int,
        w.events, w.sessions::bigint, w.dwell_us::bigint, w.weight::bigint, w.skipped::bigint) AS ok
FROM oracle_t.cohorts c JOIN want w ON (w.tz, w.gap) = (c.tz, c.gap) CROSS JOIN LATERAL engagement_info(c.s) i;
CALL oracle_t.check('cohort engagement_info', 'SELECT * FROM oracle_t.cmp_cohort_info',
                    'SELECT * FROM oracle_t.cmp_cohort_info WHERE NOT ok ORDER BY how, tz, gap');

-- baselines of a cohort (learners and events metrics, 14 days), on every day of its range and 5 days after
CREATE TABLE oracle_t.cmp_cohort_baseline AS
WITH want AS (
  SELECT q.tz, q.gap, q.day AS d, m.metric,
         count(*) OVER w::int AS cnt,
         avg(CASE m.metric WHEN 'learners' THEN q.learners ELSE q.events END) OVER w::float8 AS mean
  FROM oracle_t.ccal q CROSS JOIN (VALUES ('learners'), ('events')) m(metric)
  WINDOW w AS (PARTITION BY q.tz, q.gap, m.metric ORDER BY q.day ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
)
SELECT w.tz, w.gap, w.d, w.metric, (b.days_counted, b.mean)::text AS got, (w.cnt, w.mean)::text AS want,
       b.days_counted = w.cnt AND oracle_t.feq(b.mean, w.mean) AS ok
FROM want w JOIN oracle_t.cohorts c ON c.how = 'id order' AND (c.tz, c.gap) = (w.tz, w.gap)
CROSS JOIN LATERAL engagement_baseline(c.s, w.d, 14, w.metric) b;
CALL oracle_t.check('cohort engagement_baseline (learners, events)', 'SELECT * FROM oracle_t.cmp_cohort_baseline',
                    'SELECT * FROM oracle_t.cmp_cohort_baseline WHERE NOT ok ORDER BY tz, gap, d, metric');

-- la_engagement_agg as a window aggregate (running and moving frames: the final function is
-- called repeatedly on a state that keeps growing, or restarts) = the plain aggregate over the frame
CREATE TABLE oracle_t.cmp_window_agg AS
WITH pick AS (
  SELECT l.id, l.tz, l.gap FROM oracle_t.lr l JOIN oracle_t.span sp ON sp.learner = l.id
  WHERE l.id % 2 = 0 AND sp.events BETWEEN 20 AND 200 ORDER BY l.id LIMIT 8
), rows AS (
  SELECT e.learner, e.ts, e.w, p.tz, p.gap, row_number() OVER (PARTITION BY e.learner ORDER BY random()) AS i
  FROM oracle_t.ev e JOIN pick p ON p.id = e.learner
), win AS (
  SELECT learner, i,
         la_engagement_agg(learner::text, ts, w, tz, gap) OVER (PARTITION BY learner ORDER BY i ROWS UNBOUNDED PRECEDING)::text AS running,
         la_engagement_agg(learner::text, ts, w, tz, gap) OVER (PARTITION BY learner ORDER BY i ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)::text AS moving
  FROM rows
)
SELECT w.learner, w.i,
       w.running = (SELECT la_engagement_agg(r.learner::text, r.ts, r.w, r.tz, r.gap)::text FROM rows r
                    WHERE r.learner = w.learner AND r.i <= w.i) AS running_ok,
       w.moving = (SELECT la_engagement_agg(r.learner::text, r.ts, r.w, r.tz, r.gap)::text FROM rows r
                   WHERE r.learner = w.learner AND r.i BETWEEN w.i - 4 AND w.i) AS moving_ok
FROM win w;
CALL oracle_t.check('la_engagement_agg OVER (running, moving frames) = aggregate of the frame',
                    'SELECT * FROM oracle_t.cmp_window_agg',
                    'SELECT * FROM oracle_t.cmp_window_agg WHERE NOT (running_ok AND moving_ok) ORDER BY learner, i');
