--
-- retention: per-table policies drop old range partitions or delete old rows
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET client_min_messages = warning;

-- One transaction, so that every now() below (the rows' times, the monthly partitions, the cut-offs
-- retention_run() computes) is the same instant: the results cannot change when the test runs
-- across midnight or the end of a month.
BEGIN;
-- a plain table (timestamptz) and a table partitioned by month (date)
CREATE TABLE ret_plain (id int, at timestamptz);
INSERT INTO ret_plain SELECT g, now() - g * interval '1 day' FROM generate_series(1, 100) g;
CREATE TABLE ret_part (id int, day date) PARTITION BY RANGE (day);
DO $$
DECLARE m int;
BEGIN
  FOR m IN 0..5 LOOP
    EXECUTE format('CREATE TABLE ret_part_m%s PARTITION OF ret_part FOR VALUES FROM (%L) TO (%L)', m,
                   date_trunc('month', now() - m * interval '1 month')::date,
                   (date_trunc('month', now() - m * interval '1 month') + interval '1 month')::date);
  END LOOP;
END $$;
CREATE TABLE ret_part_default PARTITION OF ret_part DEFAULT;
INSERT INTO ret_part SELECT g, (now() - g * interval '1 day')::date FROM generate_series(0, 170) g;
INSERT INTO ret_part VALUES (0, '2001-01-01');

SELECT retention_set('ret_plain', 'at', '30 days');
SELECT retention_set('ret_part', 'day', '2 months');
-- a table's policy is named after it; the built-in policies are there from the start (sql/76)
SELECT name, relation, time_column, keep, handler IS NOT NULL AS handler, builtin FROM retention_policy ORDER BY name;

-- dry run: nothing changes
SELECT policy, relation, action, object, rows FROM retention_run(dry_run => true) WHERE NOT policy IN ('alerts', 'job_runs') ORDER BY 1, 4;
SELECT count(*) FROM ret_plain;
-- the partitions wholly older than two months go (ret_part_m3..m5, and never the default one);
-- the plain table loses the rows older than 30 days
SELECT policy, relation, action, object, rows FROM retention_run() WHERE NOT policy IN ('alerts', 'job_runs') ORDER BY 1, 4;
SELECT count(*) AS rows_left, min(at) >= now() - interval '30 days' AS all_recent FROM ret_plain;
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'ret_part'::regclass ORDER BY 1;
SELECT min(day) >= (now() - interval '2 months' - interval '1 month')::date OR min(day) = '2001-01-01' AS kept
FROM ret_part;
SELECT name, last_run IS NOT NULL AS ran, last_removed FROM retention_policy WHERE NOT builtin ORDER BY name;
-- a second run finds nothing more to do
SELECT policy, relation, action, object, rows FROM retention_run() WHERE NOT policy IN ('alerts', 'job_runs') ORDER BY 1, 4;

-- the rows a policy deletes from a rollup source leave the rollup's history alone
CREATE TABLE ret_ev (learner_id int, ts timestamptz);
INSERT INTO ret_ev SELECT g % 3, now() - g * interval '6 hours' FROM generate_series(1, 40) g;
SELECT rollup_create('ret', 'ret_ev');
SELECT retention_set('ret_ev', 'ts', '5 days');
SELECT rows FROM retention_run() WHERE relation = 'ret_ev'::regclass;
SELECT count(*) AS pending FROM rollup_delta WHERE rollup = 'ret';
SELECT sum((engagement_info(summary)).events) AS events_kept FROM rollup_learner_day WHERE rollup = 'ret';
INSERT INTO ret_ev VALUES (1, now());
SELECT changes FROM rollup_refresh('ret');
SELECT sum((engagement_info(summary)).events) AS events_kept FROM rollup_learner_day WHERE rollup = 'ret';
COMMIT;

-- errors
\set VERBOSITY terse
SELECT retention_set('ret_plain', 'nope', '1 day');
SELECT retention_set('ret_plain', 'id', '1 day');
SELECT retention_set('ret_plain', 'at', '-1 day');
SELECT retention_set('ret_part', 'id', '1 day');
CREATE VIEW ret_v AS SELECT * FROM ret_plain;
SELECT retention_set('ret_v', 'at', '1 day');

SELECT rollup_drop('ret');
DELETE FROM retention_policy WHERE NOT builtin;
DROP VIEW ret_v;
DROP TABLE ret_plain, ret_part, ret_ev;
