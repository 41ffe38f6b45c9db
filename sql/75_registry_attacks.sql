--
-- The caller's-rights functions over registered relations, and the registries themselves, as seen
-- by an admin who is not superuser (doc/roles.md, "Elevated rights"):
--  1. a relation of the admin's own (a view calling its function, a table with its trigger) that a
--     superuser's rule_evaluate_all, retention_run, performance or rollup refresh would read or write
--     with superuser rights: the superuser's call is refused, and the admin stays not superuser;
--  2. registering a relation the admin may not read (learning_source, performance_source,
--     retention_policy, by the setters or by writing the tables): refused;
--  3. a rollup of a source OID that does not exist yet (a table not yet created by someone else):
--     refused.
-- Each attack runs as a real login role in learnalytics_admin; the privileged call as the superuser
-- running the suite (RESET ROLE).
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

CREATE ROLE la_t_reg_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_t_reg_hr LOGIN;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO la_t_reg_admin, la_t_reg_hr', current_database()); END $$;

CREATE FUNCTION pg_temp.is_super(r name) RETURNS boolean LANGUAGE sql AS
$$ SELECT rolsuper FROM pg_roles WHERE rolname = r $$;
-- the SQLSTATE a statement fails with ('ok' when it does not), for errors that name an OID
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;

-- the admin's trojan: logs the rights it runs with, and makes the admin superuser when it can
SET ROLE la_t_reg_admin;
CREATE SCHEMA la_t_reg;
CREATE TABLE la_t_reg.calls (run_as name, as_super boolean);
CREATE FUNCTION la_t_reg.trojan() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO la_t_reg.calls SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;
  BEGIN
    EXECUTE 'ALTER ROLE la_t_reg_admin SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  RETURN 'x';
END
$$;
CREATE FUNCTION la_t_reg.trojan_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM la_t_reg.trojan();
  RETURN NULL;
END
$$;
RESET ROLE;

\set VERBOSITY default
-- 1a. learning_source: a view of the admin's whose body calls the trojan
SET ROLE la_t_reg_admin;
CREATE VIEW la_t_reg.enr AS
  SELECT v.learner, v.course, NULL::text AS cohort, v.enrolled_at, NULL::timestamptz AS left_at
    FROM (VALUES ('la_t_l1', 'la_t_c1', timestamptz '2026-01-05 00:00+00')) v (learner, course, enrolled_at)
   WHERE la_t_reg.trojan() IS NOT NULL;
INSERT INTO learning_source (kind, relation) VALUES ('enrolment', 'la_t_reg.enr');
RESET ROLE;
SELECT * FROM rule_evaluate_all('2026-03-03 12:00+00', ARRAY['engagement_dip']);
SELECT * FROM rule_evaluate('engagement_dip', '2026-03-03 12:00+00');
SELECT rule FROM rule_replay('engagement_dip', '2026-03-01', '2026-03-02');
SELECT pg_temp.is_super('la_t_reg_admin') AS escalated, (SELECT count(*) FROM la_t_reg.calls) AS trojan_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_reg_admin NOSUPERUSER;
TRUNCATE la_t_reg.calls;
-- the admin itself evaluates with its own rights: the trojan runs, but not as a superuser
BEGIN;
SET ROLE la_t_reg_admin;
SELECT rule FROM rule_evaluate_all('2026-03-03 12:00+00', ARRAY['engagement_dip']);
SELECT DISTINCT run_as, as_super FROM la_t_reg.calls;
ROLLBACK;
DELETE FROM learning_source WHERE relation = 'la_t_reg.enr'::regclass;

-- 1b. retention: a table of the admin's whose DELETE trigger calls the trojan
SET ROLE la_t_reg_admin;
CREATE TABLE la_t_reg.events (ts timestamptz);
INSERT INTO la_t_reg.events VALUES ('2000-01-01 00:00+00');
CREATE TRIGGER la_t_trojan AFTER DELETE ON la_t_reg.events FOR EACH STATEMENT EXECUTE FUNCTION la_t_reg.trojan_trg();
SELECT retention_set('la_t_reg.events', 'ts', '1 day');
RESET ROLE;
SELECT * FROM retention_run();
SELECT * FROM retention_run(dry_run => true);
SELECT pg_temp.is_super('la_t_reg_admin') AS escalated, (SELECT count(*) FROM la_t_reg.calls) AS trojan_calls,
       (SELECT count(*) FROM la_t_reg.events) AS rows_left;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_reg_admin NOSUPERUSER;
TRUNCATE la_t_reg.calls;
-- run by the admin: the row goes, the trigger runs with the admin's rights
BEGIN;
SET ROLE la_t_reg_admin;
SELECT relation, action, rows FROM retention_run();
SELECT DISTINCT run_as, as_super FROM la_t_reg.calls;
ROLLBACK;
DELETE FROM retention_policy WHERE relation = 'la_t_reg.events'::regclass;

-- 1c. performance_source, experiments, engagement_refresh and rollups over the admin's relations
SET ROLE la_t_reg_admin;
CREATE VIEW la_t_reg.perf AS
  SELECT 'la_t_l1'::text AS learner, timestamptz '2026-01-05 00:00+00' AS at, 1::numeric AS score
   WHERE la_t_reg.trojan() IS NOT NULL;
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('la_t_perf', 'la_t_reg.perf', 'learner', 'at', 'score');
INSERT INTO experiment (key, arms, control_arm, performance_source, measure_from, measure_to,
                        eligible_relation, eligible_learner_column)
VALUES ('la_t_exp', '{a,b}', 'a', 'la_t_perf', '2026-01-01', '2026-02-01', 'la_t_reg.perf', 'learner');
CREATE TABLE la_t_reg.act (learner_id text, ts timestamptz);
INSERT INTO la_t_reg.act VALUES ('la_t_l1', '2026-01-05 10:00+00');
SELECT rollup_create('la_t_roll', 'la_t_reg.act', build => false);
RESET ROLE;
SELECT * FROM performance_observations('la_t_perf', 'la_t_no_program');
SELECT * FROM performance_comparison('la_t_perf', 'la_t_no_program');
SELECT * FROM experiment_result('la_t_exp');
SELECT experiment_assign('la_t_exp');
SELECT engagement_refresh('la_t_reg.act');
SELECT * FROM rollup_refresh('la_t_roll');
SELECT * FROM rollup_rebuild('la_t_roll');
SELECT rollup FROM rollup_refresh_all();
SELECT pg_temp.is_super('la_t_reg_admin') AS escalated, (SELECT count(*) FROM la_t_reg.calls) AS trojan_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_reg_admin NOSUPERUSER;
TRUNCATE la_t_reg.calls;
-- the admin passes the check (and then meets the function's own errors or results)
SET ROLE la_t_reg_admin;
SELECT * FROM performance_observations('la_t_perf', 'la_t_no_program');
SELECT changes FROM rollup_refresh('la_t_roll');
SELECT rollup_drop('la_t_roll');
DELETE FROM experiment WHERE key = 'la_t_exp';
DELETE FROM performance_source WHERE name = 'la_t_perf';
RESET ROLE;
-- a relation a superuser owns is read as before
CREATE TABLE la_t_su_act (learner_id text, ts timestamptz);
SELECT rollup_create('la_t_su_roll', 'la_t_su_act');
SELECT changes FROM rollup_refresh('la_t_su_roll');
SELECT rollup_drop('la_t_su_roll');

-- 2. registering a relation the admin may not read
SET ROLE la_t_reg_hr;
CREATE SCHEMA la_t_hr;
GRANT USAGE ON SCHEMA la_t_hr TO learnalytics_admin;
CREATE TABLE la_t_hr.salaries (learner text, course text, enrolled_at timestamptz, at timestamptz, score numeric);
RESET ROLE;
SET ROLE la_t_reg_admin;
INSERT INTO learning_source (kind, relation) VALUES ('enrolment', 'la_t_hr.salaries');
INSERT INTO performance_source (name, relation, learner_column, time_column, metric_column)
VALUES ('la_t_hr', 'la_t_hr.salaries', 'learner', 'at', 'score');
SELECT retention_set('la_t_hr.salaries', 'at', '1 day');
INSERT INTO retention_policy (relation, time_column, keep) VALUES ('la_t_hr.salaries', 'at', '1 day');
INSERT INTO experiment (key, eligible_relation, eligible_learner_column) VALUES ('la_t_hr', 'la_t_hr.salaries', 'learner');
-- SELECT alone is not enough for a retention policy: it deletes
RESET ROLE;
GRANT SELECT ON la_t_hr.salaries TO la_t_reg_admin;
SET ROLE la_t_reg_admin;
SELECT retention_set('la_t_hr.salaries', 'at', '1 day');
-- nor may a policy of the admin's own be moved onto it
SELECT retention_set('la_t_reg.events', 'ts', '1 day');
UPDATE retention_policy SET relation = 'la_t_hr.salaries' WHERE relation = 'la_t_reg.events'::regclass;
DELETE FROM retention_policy WHERE relation = 'la_t_reg.events'::regclass;
RESET ROLE;
SELECT count(*) AS registered FROM (
  SELECT relation FROM learning_source UNION ALL SELECT relation FROM performance_source
  UNION ALL SELECT relation FROM retention_policy) r
 WHERE relation = 'la_t_hr.salaries'::regclass;

-- 3. a rollup of an OID no relation has yet
SET ROLE la_t_reg_admin;
CREATE TABLE la_t_reg.probe (x int);
SELECT pg_temp.sqlstate_of(format(
         'INSERT INTO %I.rollup (name, source, learner_column, ts_column) VALUES (%L, %s, %L, %L)',
         (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE e.extname = 'learnalytics'),
         'la_t_spy', 'la_t_reg.probe'::regclass::oid::bigint + 1000, 'secret', 'ts')) AS spy_registration;
RESET ROLE;
SELECT count(*) AS spy_rollups FROM rollup WHERE name = 'la_t_spy';

-- clean up
DROP SCHEMA la_t_reg CASCADE;
DROP SCHEMA la_t_hr CASCADE;
DROP TABLE la_t_su_act;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM la_t_reg_admin, la_t_reg_hr', current_database()); END $$;
DROP ROLE la_t_reg_admin, la_t_reg_hr;
