-- Random learners and events (seeded). Each learner has one time zone and one session gap.
SET max_parallel_workers_per_gather = 0;   -- deterministic generation
SELECT setseed(:seed) \g /dev/null

-- DST (and other offset) transitions of the zones under test, found from the tz database itself:
-- hourly scan, then refined to the minute.
CREATE TABLE oracle_t.trans AS
WITH zones(tz) AS (VALUES ('Europe/Paris'), ('America/New_York'), ('Australia/Lord_Howe'),
                          ('America/Sao_Paulo'), ('Pacific/Chatham')),
hours AS (
  SELECT z.tz, h, (h AT TIME ZONE z.tz) - (h AT TIME ZONE 'UTC') AS off
  FROM zones z,
       generate_series(timestamptz '2017-10-01 00:00+00', timestamptz '2018-12-31 00:00+00', interval '1 hour') h
  UNION ALL
  SELECT z.tz, h, (h AT TIME ZONE z.tz) - (h AT TIME ZONE 'UTC')
  FROM zones z,
       generate_series(timestamptz '2022-12-01 00:00+00', timestamptz '2026-06-30 00:00+00', interval '1 hour') h
), changed AS (
  SELECT tz, h FROM (SELECT tz, h, off, lag(off) OVER (PARTITION BY tz ORDER BY h) AS prev FROM hours) x
  WHERE off <> prev
)
SELECT c.tz, min(m) AS at
FROM changed c,
     generate_series(c.h - interval '59 minutes', c.h, interval '1 minute') m
WHERE (m AT TIME ZONE c.tz) - (m AT TIME ZONE 'UTC') = (c.h AT TIME ZONE c.tz) - (c.h AT TIME ZONE 'UTC')
GROUP BY c.tz, c.h;

CREATE TABLE oracle_t.lr AS
SELECT id, tz, gap,
       CASE WHEN r_kind < 0.06 THEN 'single' WHEN r_kind < 0.12 THEN 'multiyear' ELSE 'normal' END AS kind,
       CASE WHEN tz = 'UTC' AND gap = interval '30 minutes'
            THEN (ARRAY['2arg', '3arg', '5arg'])[1 + floor(r_form * 3)::int] ELSE '5arg' END AS form,
       r_w < 0.6 AS weighted
FROM (
  SELECT id,
         (ARRAY['UTC', 'UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe',
                'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Chatham'])[1 + floor(random() * 8)::int] AS tz,
         (ARRAY['30 minutes', '30 minutes', '30 minutes', '1 hour', '5 minutes', '90 seconds',
                '2 hours', '1 day'])[1 + floor(random() * 8)::int]::interval AS gap,
         random() AS r_kind, random() AS r_form, random() AS r_w
  FROM generate_series(1, :nlearners) id
) x;
ALTER TABLE oracle_t.lr ADD PRIMARY KEY (id);

CREATE TABLE oracle_t.ev (learner int, ts timestamptz, w bigint, src text);

DO $$
DECLARE
  l record; t record;
  era date; st date; span int; rate float8; drop_from int; drop_len int;
  base timestamptz; cur timestamptz; n int; step interval; gap_us bigint;
  lo timestamptz; hi timestamptz; d date;
BEGIN
  FOR l IN SELECT * FROM oracle_t.lr ORDER BY id LOOP
    gap_us := (extract(epoch FROM l.gap) * 1000000)::bigint;
    era := CASE WHEN l.tz = 'America/Sao_Paulo'
                THEN CASE WHEN random() < 0.5 THEN date '2018-09-20' ELSE date '2018-01-05' END
                ELSE date '2026-01-01' END;
    st := era + (random() * 30)::int;
    span := 20 + (random() * 100)::int;
    IF l.kind = 'single' THEN
      INSERT INTO oracle_t.ev VALUES
        (l.id, ((st + (random() * 60)::int) + random() * interval '1 day') AT TIME ZONE l.tz, NULL, 'single');
      CONTINUE;
    END IF;
    IF l.kind = 'multiyear' THEN
      st := date '2023-01-01' + (random() * 200)::int;
      span := date '2026-04-30' - st - (random() * 60)::int;
      -- sparse events over the years, one dense month
      INSERT INTO oracle_t.ev
      SELECT l.id, ((st + (random() * span)::int) + random() * interval '1 day') AT TIME ZONE l.tz, NULL, 'sparse'
      FROM generate_series(1, 40 + (random() * 80)::int);
      d := st + (random() * (span - 30))::int;
      INSERT INTO oracle_t.ev
      SELECT l.id, ((d + k) + random() * interval '1 day') AT TIME ZONE l.tz, NULL, 'dense'
      FROM generate_series(0, 30) k, generate_series(1, 1 + (random() * 3)::int);
    ELSE
      -- daily activity like gen.sql, with an optional drop (dip) period
      rate := 0.3 + random() * 3.0;
      drop_from := (random() * span)::int;
      drop_len := CASE WHEN random() < 0.5 THEN 3 + (random() * 20)::int ELSE 0 END;
      INSERT INTO oracle_t.ev
      SELECT l.id, ((st + dd) + random() * interval '1 day') AT TIME ZONE l.tz, NULL, 'daily'
      FROM generate_series(0, span) dd,
           generate_series(1, floor(random() * 2 * rate
                                    * CASE WHEN dd >= drop_from AND dd < drop_from + drop_len THEN 0.15 ELSE 1 END)::int);
    END IF;
    -- first and last events of the learner's range, so chains and edges stay around it
    lo := (st::timestamp) AT TIME ZONE l.tz;
    hi := ((st + span)::timestamp) AT TIME ZONE l.tz;
    -- chains of events with steps at the session-gap boundary
    FOR c IN 1 .. (random() * 6)::int LOOP
      cur := lo + random() * (hi - lo);
      n := 2 + (random() * 7)::int;
      FOR k IN 1 .. n LOOP
        INSERT INTO oracle_t.ev VALUES (l.id, cur, NULL, 'chain');
        step := CASE floor(random() * 7)::int
                  WHEN 0 THEN gap_us * interval '1 microsecond'
                  WHEN 1 THEN (gap_us + 1) * interval '1 microsecond'
                  WHEN 2 THEN (gap_us - 1) * interval '1 microsecond'
                  WHEN 3 THEN interval '0'
                  WHEN 4 THEN floor(random() * gap_us) * interval '1 microsecond'
                  WHEN 5 THEN gap_us * interval '1 microsecond'
                  ELSE floor(gap_us * (1 + random() * 3)) * interval '1 microsecond' END;
        cur := cur + step;
      END LOOP;
    END LOOP;
    -- events exactly at local midnight, and 1 microsecond either side
    FOR k IN 1 .. (random() * 4)::int LOOP
      d := st + (random() * span)::int;
      INSERT INTO oracle_t.ev VALUES (l.id, (d::timestamp) AT TIME ZONE l.tz, NULL, 'midnight');
      IF random() < 0.5 THEN
        INSERT INTO oracle_t.ev VALUES (l.id, ((d::timestamp) AT TIME ZONE l.tz) - interval '1 microsecond', NULL, 'midnight-1us');
      END IF;
      IF random() < 0.3 THEN
        INSERT INTO oracle_t.ev VALUES (l.id, ((d::timestamp) AT TIME ZONE l.tz) + interval '1 microsecond', NULL, 'midnight+1us');
      END IF;
    END LOOP;
    -- events around the zone's transitions inside (or just around) the learner's range
    FOR t IN SELECT at FROM oracle_t.trans WHERE tz = l.tz AND at BETWEEN lo - interval '20 days' AND hi + interval '20 days' LOOP
      INSERT INTO oracle_t.ev
      SELECT l.id, t.at + o, NULL, 'dst'
      FROM unnest(ARRAY[interval '-1 hour', interval '-45 minutes', interval '-30 minutes', interval '-1 microsecond',
                        interval '0', interval '1 microsecond', interval '30 minutes', interval '45 minutes',
                        interval '1 hour', interval '90 minutes', gap_us * interval '1 microsecond']) o
      WHERE random() < 0.6;
      -- local midnights of the transition day and the day after (may not exist locally)
      d := (t.at AT TIME ZONE l.tz)::date;
      INSERT INTO oracle_t.ev VALUES (l.id, (d::timestamp) AT TIME ZONE l.tz, NULL, 'dst-midnight'),
                                     (l.id, ((d + 1)::timestamp) AT TIME ZONE l.tz, NULL, 'dst-midnight');
    END LOOP;
  END LOOP;
END $$;

-- ambiguous local times of the Sao Paulo 2018-02-18 fall-back (23:xx on the 17th happened twice)
INSERT INTO oracle_t.ev
SELECT id, u, NULL, 'sp-ambiguous'
FROM oracle_t.lr, unnest(ARRAY[timestamptz '2018-02-18 01:30+00', timestamptz '2018-02-18 02:30+00',
                               timestamptz '2018-02-18 02:59:59.999999+00', timestamptz '2018-02-18 03:00+00']) u
WHERE tz = 'America/Sao_Paulo' AND kind = 'normal' AND id % 3 = 0;

-- NULL timestamps for some learners
INSERT INTO oracle_t.ev
SELECT id, NULL, (random() * 100)::bigint, 'null-ts'
FROM oracle_t.lr, generate_series(1, 1 + (random() * 2)::int)
WHERE random() < 0.3;

-- weights: NULL for 2-arg learners and unweighted learners; else 0..1000 with 15% NULL, rare huge ones
UPDATE oracle_t.ev e SET w = CASE WHEN random() < 0.15 THEN NULL
                                  WHEN random() < 0.03 THEN 1000000000000
                                  ELSE (random() * 1000)::bigint END
FROM oracle_t.lr l
WHERE l.id = e.learner AND l.weighted AND l.form <> '2arg' AND e.ts IS NOT NULL;
UPDATE oracle_t.ev e SET w = NULL FROM oracle_t.lr l WHERE l.id = e.learner AND l.form = '2arg';

-- learners left with no non-NULL timestamp (none expected) are removed: the oracle needs a first day
DELETE FROM oracle_t.lr l WHERE NOT EXISTS (SELECT 1 FROM oracle_t.ev e WHERE e.learner = l.id AND e.ts IS NOT NULL);
ANALYZE oracle_t.ev;

-- the summaries under test, built with each learner's argument form (text or bigint learner)
CREATE TABLE oracle_t.sm AS
SELECT e.learner AS id, la_engagement_agg(e.learner::text, e.ts) AS s
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '2arg' AND l.id % 2 = 0 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::bigint, e.ts)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '2arg' AND l.id % 2 = 1 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::text, e.ts, e.w)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '3arg' AND l.id % 2 = 0 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::bigint, e.ts, e.w)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '3arg' AND l.id % 2 = 1 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::text, e.ts, e.w, l.tz, l.gap)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '5arg' AND l.id % 2 = 0 GROUP BY 1
UNION ALL
SELECT e.learner, la_engagement_agg(e.learner::bigint, e.ts, e.w, l.tz, l.gap)
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner WHERE l.form = '5arg' AND l.id % 2 = 1 GROUP BY 1;
ALTER TABLE oracle_t.sm ADD PRIMARY KEY (id);

SELECT count(*) AS learners, count(*) FILTER (WHERE kind = 'single') AS single,
       count(*) FILTER (WHERE kind = 'multiyear') AS multiyear,
       (SELECT count(*) FROM oracle_t.ev) AS events, (SELECT count(*) FROM oracle_t.ev WHERE ts IS NULL) AS null_ts,
       (SELECT count(*) FROM oracle_t.trans) AS transitions
FROM oracle_t.lr;
