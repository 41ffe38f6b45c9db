--
-- A rollup refuses a source Citus manages (issue 18): Citus writes the rows into shards, the capture
-- triggers would fire there, find no rollup and record nothing. Citus is not installed here: its
-- catalog table pg_dist_partition (the tables Citus manages, with their partition method) is
-- planted in pg_catalog inside a transaction that is rolled back, as Citus would have it.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE TABLE citus_ev (learner_id bigint, ts timestamptz, course text);
CREATE TABLE citus_parted (learner_id bigint, ts timestamptz) PARTITION BY RANGE (ts);
CREATE TABLE citus_parted_2026 PARTITION OF citus_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO citus_ev VALUES (1, '2026-03-02 09:00+00', 'c1');

-- without Citus: accepted (and the check has nothing to read)
SELECT rollup_create('citus_local', 'citus_ev', course_column => 'course');
SELECT changes FROM rollup_refresh('citus_local');

BEGIN;
SET LOCAL allow_system_table_mods = on;
CREATE TABLE pg_catalog.pg_dist_partition (logicalrelid regclass, partmethod "char");
INSERT INTO pg_catalog.pg_dist_partition VALUES ('citus_ev', 'h');
SAVEPOINT s;
-- a distributed table: refused, naming the field
SELECT rollup_create('citus_dist', 'citus_ev', course_column => 'course');
ROLLBACK TO s;
-- a rollup created before the table was distributed: its refresh and rebuild refuse, never 0 changes
SELECT changes FROM rollup_refresh('citus_local');
ROLLBACK TO s;
SELECT learner_days FROM rollup_rebuild('citus_local');
ROLLBACK TO s;
-- a reference table, and a partitioned table whose partitions Citus distributes
UPDATE pg_catalog.pg_dist_partition SET partmethod = 'n';
SELECT rollup_create('citus_ref', 'citus_ev');
ROLLBACK TO s;
INSERT INTO pg_catalog.pg_dist_partition VALUES ('citus_parted_2026', 'h');
SELECT rollup_create('citus_parted', 'citus_parted');
ROLLBACK TO s;
DELETE FROM pg_catalog.pg_dist_partition;
INSERT INTO pg_catalog.pg_dist_partition VALUES ('citus_parted', 'h');
SELECT rollup_create('citus_part', 'citus_parted_2026');
ROLLBACK TO s;
-- a table Citus does not manage is still accepted
CREATE TABLE citus_other (learner_id bigint, ts timestamptz);
SELECT rollup_create('citus_other', 'citus_other');
SELECT name FROM rollup WHERE name LIKE 'citus%' ORDER BY 1;
ROLLBACK;

-- the planted catalog is gone, the rollup works again
SELECT to_regclass('pg_catalog.pg_dist_partition') IS NULL AS no_citus_catalog;
INSERT INTO citus_ev VALUES (2, '2026-03-03 09:00+00', 'c1');
SELECT changes FROM rollup_refresh('citus_local');
SELECT rollup_drop('citus_local');
DROP TABLE citus_ev, citus_parted;
