-- Histories before and across the PostgreSQL epoch (2000-01-01) and the Unix epoch (1970-01-01):
-- a few learners, each checked on its own so that an error in one is reported as a mismatch of
-- that learner instead of stopping the run.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:seed / 13) \g /dev/null

CREATE TABLE oracle_t.lr2 AS
SELECT id, tz, gap, era
FROM (VALUES (1001, 'UTC', interval '30 minutes', date '1999-11-20'),
             (1002, 'Europe/Paris', interval '1 hour', date '1999-12-10'),
             (1003, 'America/New_York', interval '30 minutes', date '1999-10-01'),
             (1004, 'Australia/Lord_Howe', interval '5 minutes', date '1999-12-25'),
             (1005, 'UTC', interval '30 minutes', date '1969-12-01'),
             (1006, 'Europe/Paris', interval '2 hours', date '1969-11-15'),
             (1007, 'America/Sao_Paulo', interval '30 minutes', date '1998-01-10'),
             (1008, 'UTC', interval '1 day', date '1950-06-01'),
             (1009, 'America/New_York', interval '30 minutes', date '1999-12-30'),
             (1010, 'UTC', interval '30 minutes', date '2000-01-01'),
             (1011, 'UTC', interval '30 minutes', date '2000-01-05'),        -- controls: all after 2000
             (1012, 'Europe/Paris', interval '30 minutes', date '2000-03-01')) v(id, tz, gap, era);

CREATE TABLE oracle_t.ev2 AS
SELECT l.id AS learner, ((l.era + d) + random() * interval '1 day') AT TIME ZONE l.tz AS ts,
       (random() * 100)::bigint AS w
FROM oracle_t.lr2 l, generate_series(0, 60) d, generate_series(1, floor(random() * 4)::int)
UNION ALL   -- local midnights, and events exactly one gap apart across them
SELECT l.id, (l.era + d)::timestamp AT TIME ZONE l.tz + k * l.gap, NULL
FROM oracle_t.lr2 l, generate_series(0, 60, 7) d, generate_series(-1, 1) k;

-- oracle: local days, sessions
CREATE TABLE oracle_t.cal2 AS
WITH e AS (
  SELECT e.learner, oracle_t.us(e.ts) AS us, coalesce(e.w, 0) AS w, (e.ts AT TIME ZONE l.tz)::date AS day,
         oracle_t.us(l.gap) AS gap_us
  FROM oracle_t.ev2 e JOIN oracle_t.lr2 l ON l.id = e.learner
), o AS (
  SELECT *, lag(us) OVER (PARTITION BY learner ORDER BY us) AS prev FROM e
), m AS (
  SELECT *, sum(CASE WHEN prev IS NULL OR us - prev > gap_us THEN 1 ELSE 0 END)
              OVER (PARTITION BY learner ORDER BY us ROWS UNBOUNDED PRECEDING) AS sid FROM o
), s AS (
  SELECT learner, (array_agg(day ORDER BY us))[1] AS day, max(us) - min(us) AS dwell_us FROM m GROUP BY learner, sid
), dd AS (SELECT learner, day, count(*) AS events, sum(w) AS weight FROM e GROUP BY 1, 2),
ds AS (SELECT learner, day, count(*) AS sessions, sum(dwell_us) AS dwell_us FROM s GROUP BY 1, 2),
sp AS (SELECT learner, min(day) AS f, max(day) AS t FROM e GROUP BY 1)
SELECT sp.learner, g::date AS day, coalesce(dd.events, 0) AS events, coalesce(ds.sessions, 0)::int AS sessions,
       coalesce(ds.dwell_us, 0) AS dwell_us, coalesce(dd.weight, 0) AS weight,
       CASE WHEN dd.events > 0 THEN 1 ELSE 0 END::bigint AS learners
FROM sp CROSS JOIN LATERAL generate_series(sp.f, sp.t, interval '1 day') g
LEFT JOIN dd ON dd.learner = sp.learner AND dd.day = g::date
LEFT JOIN ds ON ds.learner = sp.learner AND ds.day = g::date;

-- what the functions give, learner by learner (errors recorded)
CREATE TABLE oracle_t.got2 (learner int, day date, events bigint, sessions int, dwell_us bigint, weight bigint, learners bigint);
CREATE TABLE oracle_t.err2 (learner int, what text, error text);
DO $$
DECLARE l record; s oracle_t.ev2%ROWTYPE; full_s text; roll_s text;
BEGIN
  FOR l IN SELECT * FROM oracle_t.lr2 ORDER BY id LOOP
    BEGIN
      INSERT INTO oracle_t.got2
      SELECT l.id, d.day, d.events, d.sessions, oracle_t.us(d.dwell), d.weight, d.learners
      FROM daily_activity((SELECT la_engagement_agg(e.learner::text, e.ts, e.w, l.tz, l.gap)
                           FROM oracle_t.ev2 e WHERE e.learner = l.id)) d;
    EXCEPTION WHEN others THEN
      INSERT INTO oracle_t.err2 VALUES (l.id, 'daily_activity(la_engagement_agg(...))', SQLERRM);
    END;
    BEGIN
      SELECT la_engagement_agg(e.learner::text, e.ts, e.w, l.tz, l.gap)::text INTO full_s
      FROM oracle_t.ev2 e WHERE e.learner = l.id;
      SELECT la_merge_agg(p.s ORDER BY random())::text INTO roll_s
      FROM (SELECT la_engagement_agg(e.learner::text, e.ts, e.w, l.tz, l.gap) AS s
            FROM oracle_t.ev2 e WHERE e.learner = l.id GROUP BY (e.ts AT TIME ZONE 'UTC')::date) p;
      IF roll_s IS DISTINCT FROM full_s THEN
        INSERT INTO oracle_t.err2 VALUES (l.id, 'rollup of per-day summaries <> summary', left(roll_s, 200) || ' <> ' || left(full_s, 200));
      END IF;
    EXCEPTION WHEN others THEN
      INSERT INTO oracle_t.err2 VALUES (l.id, 'summary text / rollup', SQLERRM);
    END;
  END LOOP;
END $$;

CREATE TABLE oracle_t.cmp_epochs AS
SELECT coalesce(g.learner, w.learner) AS learner, coalesce(g.day, w.day) AS day,
       (g.events, g.sessions, g.dwell_us, g.weight, g.learners)::text AS got,
       (w.events, w.sessions, w.dwell_us, w.weight, w.learners)::text AS want,
       g.day IS NOT NULL AND w.day IS NOT NULL
       AND (g.events, g.sessions, g.dwell_us, g.weight, g.learners) = (w.events, w.sessions, w.dwell_us, w.weight, w.learners) AS ok
FROM oracle_t.got2 g FULL JOIN oracle_t.cal2 w ON w.learner = g.learner AND w.day = g.day
WHERE coalesce(g.learner, w.learner) NOT IN (SELECT learner FROM oracle_t.err2 WHERE what ~ '^daily');
CALL oracle_t.check('histories across 1970 / 2000 (daily_activity, text, rollup)',
  $q$SELECT learner, day::text, ok::text FROM oracle_t.cmp_epochs
     UNION ALL SELECT learner, what, error FROM oracle_t.err2$q$,
  $q$SELECT learner, what, error FROM oracle_t.err2
     UNION ALL SELECT learner, day::text, got || ' <> ' || want FROM oracle_t.cmp_epochs WHERE NOT ok$q$);
