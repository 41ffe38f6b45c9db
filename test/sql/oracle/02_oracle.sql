-- Plain-SQL oracle of the per-learner daily series: local days, sessions (gaps and islands), calendar.
SET max_parallel_workers_per_gather = 0;

CREATE TABLE oracle_t.evn AS
SELECT e.learner, e.ts, oracle_t.us(e.ts) AS us, coalesce(e.w, 0) AS w,
       (e.ts AT TIME ZONE l.tz)::date AS day, oracle_t.us(l.gap) AS gap_us
FROM oracle_t.ev e JOIN oracle_t.lr l ON l.id = e.learner
WHERE e.ts IS NOT NULL;

-- sessions: a new one at the first event and after every step longer than the gap
CREATE TABLE oracle_t.sess AS
WITH o AS (
  SELECT learner, us, day, gap_us, lag(us) OVER (PARTITION BY learner ORDER BY us) AS prev
  FROM oracle_t.evn
), m AS (
  SELECT *, sum(CASE WHEN prev IS NULL OR us - prev > gap_us THEN 1 ELSE 0 END)
              OVER (PARTITION BY learner ORDER BY us ROWS UNBOUNDED PRECEDING) AS sid
  FROM o
)
SELECT learner, sid, min(us) AS start_us, max(us) - min(us) AS dwell_us,
       (array_agg(day ORDER BY us))[1] AS day, count(*) AS n
FROM m GROUP BY learner, sid;

CREATE TABLE oracle_t.span AS
SELECT l.id AS learner, l.kind, min(e.day) AS first_day, max(e.day) AS last_day,
       min(e.ts) AS first_ts, max(e.ts) AS last_ts, count(*) AS events, sum(e.w) AS weight,
       count(DISTINCT e.day) AS active_days,
       (SELECT count(*) FROM oracle_t.ev x WHERE x.learner = l.id AND x.ts IS NULL) AS skipped
FROM oracle_t.lr l JOIN oracle_t.evn e ON e.learner = l.id
GROUP BY l.id, l.kind;
ALTER TABLE oracle_t.span ADD PRIMARY KEY (learner);

-- zero-filled calendar from the first active day through 40 days after the last one
CREATE TABLE oracle_t.cal AS
WITH dd AS (SELECT learner, day, count(*) AS events, sum(w) AS weight FROM oracle_t.evn GROUP BY 1, 2),
ds AS (SELECT learner, day, count(*) AS sessions, sum(dwell_us) AS dwell_us FROM oracle_t.sess GROUP BY 1, 2)
SELECT s.learner, g::date AS day,
       coalesce(dd.events, 0) AS events, coalesce(ds.sessions, 0) AS sessions,
       coalesce(ds.dwell_us, 0) AS dwell_us, coalesce(dd.weight, 0) AS weight,
       CASE WHEN dd.events > 0 THEN 1 ELSE 0 END AS learners
FROM oracle_t.span s
CROSS JOIN LATERAL generate_series(s.first_day, s.last_day + 40, interval '1 day') g
LEFT JOIN dd ON dd.learner = s.learner AND dd.day = g::date
LEFT JOIN ds ON ds.learner = s.learner AND ds.day = g::date;
ALTER TABLE oracle_t.cal ADD PRIMARY KEY (learner, day);

-- the same in long form, one row per metric (dwell in microseconds)
CREATE TABLE oracle_t.calm AS
SELECT learner, day, m.metric, m.v
FROM oracle_t.cal,
     LATERAL (VALUES ('events', events::numeric), ('sessions', sessions::numeric), ('dwell', dwell_us::numeric),
                     ('weight', weight::numeric), ('learners', learners::numeric)) m(metric, v);
ALTER TABLE oracle_t.calm ADD PRIMARY KEY (learner, metric, day);

-- query days: every day from 3 days before the first active day to 20 days after the last one,
-- for multi-year learners the edges and a random sample
SELECT setseed(:seed / 2) \g /dev/null
CREATE TABLE oracle_t.qd AS
SELECT s.learner, g::date AS d
FROM oracle_t.span s, generate_series(s.first_day - 3, s.last_day + 20, interval '1 day') g
WHERE s.kind <> 'multiyear'
   OR g::date < s.first_day + 20 OR g::date > s.last_day - 20 OR random() < 0.1;
ALTER TABLE oracle_t.qd ADD PRIMARY KEY (learner, d);
ANALYZE oracle_t.evn, oracle_t.sess, oracle_t.span, oracle_t.cal, oracle_t.calm, oracle_t.qd;
SELECT (SELECT count(*) FROM oracle_t.sess) AS sessions, (SELECT count(*) FROM oracle_t.cal) AS calendar_days,
       (SELECT count(*) FROM oracle_t.qd) AS query_days;

-- coverage of the edge cases in the data
SELECT count(*) FILTER (WHERE us - prev = gap_us) AS steps_exactly_gap,
       count(*) FILTER (WHERE us - prev = gap_us + 1) AS steps_gap_plus_1us,
       count(*) FILTER (WHERE us = prev) AS equal_timestamps,
       (SELECT count(*) FROM oracle_t.evn e JOIN oracle_t.lr l ON l.id = e.learner
         WHERE (e.ts AT TIME ZONE l.tz)::time = '00:00') AS at_local_midnight,
       (SELECT count(*) FROM oracle_t.sess s JOIN oracle_t.evn e ON e.learner = s.learner
         AND e.us = s.start_us + s.dwell_us WHERE e.day <> s.day) AS sessions_across_midnight
FROM (SELECT us, gap_us, lag(us) OVER (PARTITION BY learner ORDER BY us) AS prev FROM oracle_t.evn) x;
