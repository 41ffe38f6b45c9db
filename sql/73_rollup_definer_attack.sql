--
-- The rollup capture trigger runs with the extension owner's (a superuser's) rights. An admin who
-- is not superuser must not be able to make it run a function of theirs (a cast, an output
-- function), read a temporary table of theirs, or copy a column they may not read: each attack is
-- run as a real login role in learnalytics_admin, and the catalog says whether it escalated.
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

CREATE ROLE la_t_def_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_t_def_writer LOGIN;
CREATE ROLE la_t_def_hr LOGIN;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO la_t_def_admin, la_t_def_hr', current_database()); END $$;

-- whether a role is superuser, from the catalog
CREATE FUNCTION pg_temp.is_super(r name) RETURNS boolean LANGUAGE sql AS
$$ SELECT rolsuper FROM pg_roles WHERE rolname = r $$;

-- the admin's own schema: a composite type with a cast to text (and an assignment cast to bigint)
-- whose function makes the admin superuser when it can, and logs every call with the rights it ran with
SET ROLE la_t_def_admin;
CREATE SCHEMA la_t_evil;
CREATE TABLE la_t_evil.calls (run_as name, as_super boolean);
CREATE TYPE la_t_evil.who AS (name text);
CREATE FUNCTION la_t_evil.who_text(la_t_evil.who) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO la_t_evil.calls
  SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;
  BEGIN
    EXECUTE 'ALTER ROLE la_t_def_admin SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  RETURN ($1).name;
END
$$;
CREATE CAST (la_t_evil.who AS text) WITH FUNCTION la_t_evil.who_text(la_t_evil.who);
CREATE FUNCTION la_t_evil.who_bigint(la_t_evil.who) RETURNS bigint LANGUAGE sql
  AS $$ SELECT length(la_t_evil.who_text($1))::bigint $$;
CREATE CAST (la_t_evil.who AS bigint) WITH FUNCTION la_t_evil.who_bigint(la_t_evil.who) AS ASSIGNMENT;
CREATE DOMAIN la_t_evil.learner_id AS text CHECK (VALUE <> '');
RESET ROLE;

\set VERBOSITY default
-- 1. the issue's attack: rollup_create on a table whose learner column is of that type
SET ROLE la_t_def_admin;
CREATE TABLE la_t_evil.ev (learner la_t_evil.who, ts timestamptz, course text, w int);
SELECT rollup_create('evil', 'la_t_evil.ev', learner_column => 'learner', build => false);
-- ... or with the type as course, activity or weight column
SELECT rollup_create('evil', 'la_t_evil.ev', learner_column => 'course', course_column => 'learner', build => false);
SELECT rollup_create('evil', 'la_t_evil.ev', learner_column => 'course', activity_column => 'learner', build => false);
SELECT rollup_create('evil', 'la_t_evil.ev', learner_column => 'course', weight_column => 'learner', build => false);
-- ... or registered by hand, past rollup_create
INSERT INTO rollup (name, source, learner_column, ts_column) VALUES ('evil', 'la_t_evil.ev', 'learner', 'ts');
INSERT INTO la_t_evil.ev VALUES (ROW('x'), '2026-03-02 10:00+00', 'c1', 1);
RESET ROLE;
SELECT pg_temp.is_super('la_t_def_admin') AS escalated, (SELECT count(*) FROM la_t_evil.calls) AS cast_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_def_admin NOSUPERUSER;
TRUNCATE la_t_evil.calls;
\set VERBOSITY terse

-- 2. a rollup created on allowed types, whose column is changed afterwards: every write to the
-- source is refused (by its writer too) until the column is changed back or the rollup dropped
SET ROLE la_t_def_admin;
CREATE TABLE la_t_evil.ev2 (learner text, ts timestamptz, course text, w int, tag la_t_evil.who);
GRANT SELECT, INSERT, UPDATE, DELETE ON la_t_evil.ev2 TO la_t_def_writer;
GRANT USAGE ON SCHEMA la_t_evil TO la_t_def_writer;
SELECT rollup_create('evil2', 'la_t_evil.ev2', learner_column => 'learner', course_column => 'course',
                     weight_column => 'w', build => false);
INSERT INTO la_t_evil.ev2 VALUES ('a', '2026-03-02 10:00+00', 'c1', 1, NULL);
ALTER TABLE la_t_evil.ev2 ALTER COLUMN learner TYPE la_t_evil.who USING ROW(learner)::la_t_evil.who;
\set VERBOSITY default
INSERT INTO la_t_evil.ev2 VALUES (ROW('b'), '2026-03-02 11:00+00', 'c1', 1, NULL);
\set VERBOSITY terse
UPDATE la_t_evil.ev2 SET w = 2;
DELETE FROM la_t_evil.ev2;
SELECT * FROM rollup_rebuild('evil2');
SELECT * FROM rollup_refresh('evil2');
RESET ROLE;
SET ROLE la_t_def_writer;
INSERT INTO la_t_evil.ev2 VALUES (ROW('c'), '2026-03-02 12:00+00', 'c1', 1, NULL);
RESET ROLE;
SET ROLE la_t_def_admin;
-- a domain over text is not text: its owner's type too
ALTER TABLE la_t_evil.ev2 ALTER COLUMN learner TYPE la_t_evil.learner_id USING (learner).name;
INSERT INTO la_t_evil.ev2 VALUES ('d', '2026-03-02 12:00+00', 'c1', 1, NULL);
-- the weight as a type with an assignment cast to bigint
ALTER TABLE la_t_evil.ev2 ALTER COLUMN learner TYPE text, ALTER COLUMN w TYPE la_t_evil.who USING ROW(w::text)::la_t_evil.who;
INSERT INTO la_t_evil.ev2 VALUES ('e', '2026-03-02 12:00+00', 'c1', ROW('1'), NULL);
-- a renamed or dropped column
ALTER TABLE la_t_evil.ev2 ALTER COLUMN w TYPE int USING length((w).name);
ALTER TABLE la_t_evil.ev2 RENAME COLUMN course TO course_id;
INSERT INTO la_t_evil.ev2 VALUES ('f', '2026-03-02 12:00+00', 'c1', 1, NULL);
ALTER TABLE la_t_evil.ev2 RENAME COLUMN course_id TO course;
ALTER TABLE la_t_evil.ev2 DROP COLUMN w;
INSERT INTO la_t_evil.ev2 VALUES ('g', '2026-03-02 12:00+00', 'c1', NULL);
ALTER TABLE la_t_evil.ev2 ADD COLUMN w smallint;
-- repointing the rollup at a column of the type, by hand
UPDATE rollup SET learner_column = 'tag' WHERE name = 'evil2';
UPDATE rollup SET source = 'la_t_evil.ev' WHERE name = 'evil2';
-- with allowed types again, the writes go through and are captured
INSERT INTO la_t_evil.ev2 (learner, ts, course, w) VALUES ('h', '2026-03-02 12:00+00', 'c1', 3);
RESET ROLE;
SET ROLE la_t_def_writer;
INSERT INTO la_t_evil.ev2 (learner, ts, course, w) VALUES ('i', '2026-03-02 12:30+00', NULL, NULL);
RESET ROLE;
SELECT rollup, sign, learner, course, activity, ts, weight FROM rollup_delta WHERE rollup LIKE 'evil%' ORDER BY seq;
SELECT pg_temp.is_super('la_t_def_admin') AS escalated, (SELECT count(*) FROM la_t_evil.calls) AS cast_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_def_admin NOSUPERUSER;
TRUNCATE la_t_evil.calls;

-- 3. a trigger of the admin's own calling the capture function without transition tables: la_new
-- would be the admin's temporary table, whose learner column is of the type
SET ROLE la_t_def_admin;
CREATE TABLE la_t_evil.ev3 (learner text, ts timestamptz);
CREATE TRIGGER learnalytics_rollup_insert AFTER INSERT ON la_t_evil.ev3
  FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.rollup_capture();
SELECT rollup_create('evil3', 'la_t_evil.ev3', learner_column => 'learner', build => false);
INSERT INTO rollup (name, source, learner_column, ts_column) VALUES ('evil3', 'la_t_evil.ev3', 'learner', 'ts');
CREATE TEMP TABLE la_new (learner la_t_evil.who, ts timestamptz);
INSERT INTO la_new VALUES (ROW('y'), '2026-03-02 10:00+00');
\set VERBOSITY default
INSERT INTO la_t_evil.ev3 VALUES ('a', '2026-03-02 10:00+00');
\set VERBOSITY terse
-- another name, other transition table names, a row trigger
DROP TRIGGER learnalytics_rollup_insert ON la_t_evil.ev3;
CREATE TRIGGER zz_capture AFTER INSERT ON la_t_evil.ev3 REFERENCING NEW TABLE AS other
  FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.rollup_capture();
INSERT INTO la_t_evil.ev3 VALUES ('a', '2026-03-02 10:00+00');
DROP TRIGGER zz_capture ON la_t_evil.ev3;
CREATE TRIGGER zz_capture AFTER INSERT ON la_t_evil.ev3 REFERENCING NEW TABLE AS la_new
  FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.rollup_capture();
INSERT INTO la_t_evil.ev3 VALUES ('a', '2026-03-02 10:00+00');
DROP TRIGGER zz_capture ON la_t_evil.ev3;
CREATE TRIGGER zz_capture BEFORE TRUNCATE ON la_t_evil.ev3
  FOR EACH STATEMENT EXECUTE FUNCTION learnalytics_internal.rollup_capture();
TRUNCATE la_t_evil.ev3;
DROP TRIGGER zz_capture ON la_t_evil.ev3;
-- the triggers rollup_create installs capture from the transition table, not from pg_temp
SELECT rollup_drop('evil3');
SELECT rollup_create('evil3', 'la_t_evil.ev3', learner_column => 'learner', build => false);
INSERT INTO la_t_evil.ev3 VALUES ('b', '2026-03-02 10:00+00');
DROP TABLE la_new;
RESET ROLE;
SELECT rollup, sign, learner, ts FROM rollup_delta WHERE rollup = 'evil3' ORDER BY seq;
SELECT pg_temp.is_super('la_t_def_admin') AS escalated, (SELECT count(*) FROM la_t_evil.calls) AS cast_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_def_admin NOSUPERUSER;
TRUNCATE la_t_evil.calls;

-- 4. an admin may not publish a column it may not read: the capture would copy it into rollup_delta
SET ROLE la_t_def_hr;
CREATE SCHEMA la_t_hr;
CREATE TABLE la_t_hr.staff (learner text, ts timestamptz, salary text);
RESET ROLE;
-- (registered by a superuser, not built: a superuser's rebuild of a table another role owns is
-- refused, sql/75_registry_attacks)
SELECT rollup_create('hr', 'la_t_hr.staff', learner_column => 'learner', build => false);
SELECT 'la_t_hr.staff'::regclass::oid AS staff_oid \gset
SET ROLE la_t_def_admin;
SELECT count(*) FROM la_t_hr.staff;
\set VERBOSITY default
INSERT INTO rollup (name, source, learner_column, ts_column) VALUES ('steal', :staff_oid, 'salary', 'ts');
\set VERBOSITY terse
UPDATE rollup SET learner_column = 'salary' WHERE name = 'hr';
UPDATE rollup SET course_column = 'salary' WHERE name = 'hr';
SELECT rollup_create('steal', :staff_oid, learner_column => 'salary', build => false);
RESET ROLE;
SET ROLE la_t_def_hr;
INSERT INTO la_t_hr.staff VALUES ('ann', '2026-03-02 10:00+00', '123456');
RESET ROLE;
SELECT rollup, learner, course FROM rollup_delta WHERE rollup IN ('hr', 'steal') ORDER BY seq;
-- with SELECT on the column, it may
GRANT SELECT (learner, ts, salary) ON la_t_hr.staff TO la_t_def_admin;
SET ROLE la_t_def_admin;
SELECT rollup_create('paid', :staff_oid, learner_column => 'learner', course_column => 'salary', build => false);
RESET ROLE;
SELECT name, learner_column, course_column FROM rollup WHERE source = :staff_oid ORDER BY 1;

-- 5. a view registered as a source by hand: whoever rebuilt the rollup (a superuser's rollup_rebuild
-- or a job of one) would run the view's query, and the admin's function in it, with their rights
SET ROLE la_t_def_admin;
CREATE VIEW la_t_evil.v AS
SELECT la_t_evil.who_text(ROW('v')::la_t_evil.who) AS learner, '2026-03-02 10:00+00'::timestamptz AS ts;
INSERT INTO rollup (name, source, learner_column, ts_column) VALUES ('evilview', 'la_t_evil.v', 'learner', 'ts');
RESET ROLE;
SELECT * FROM rollup_rebuild('evilview');
SELECT pg_temp.is_super('la_t_def_admin') AS escalated, (SELECT count(*) FROM la_t_evil.calls) AS cast_calls;
-- (where the hole is open, the next attack starts from a non-superuser again)
ALTER ROLE la_t_def_admin NOSUPERUSER;
TRUNCATE la_t_evil.calls;

-- 6. every type rollups read, end to end: captured by a writer without rights on the rollups,
-- refreshed by the admin, equal to the summaries computed from the table
SET ROLE la_t_def_admin;
CREATE TABLE la_t_evil.ok (id int, learner bigint, ts timestamptz, course varchar(10), activity uuid,
                           w smallint, l2 numeric, l3 character(3), l4 name, l5 integer, l6 smallint);
GRANT SELECT, INSERT, DELETE ON la_t_evil.ok TO la_t_def_writer;
SELECT rollup_create('ok', 'la_t_evil.ok', learner_column => 'learner', course_column => 'course',
                     activity_column => 'activity', weight_column => 'w');
SELECT rollup_create('ok2', 'la_t_evil.ok', learner_column => 'l2', course_column => 'l3',
                     activity_column => 'l4', weight_column => 'l5');
SELECT rollup_create('ok3', 'la_t_evil.ok', learner_column => 'l6', ts_column => 'ts', weight_column => 'learner');
RESET ROLE;
SET ROLE la_t_def_writer;
INSERT INTO la_t_evil.ok
SELECT g, g % 3, '2026-03-02 08:00+00'::timestamptz + g * interval '7 minutes', 'c' || g % 2,
       ('00000000-0000-0000-0000-00000000000' || g % 4)::uuid, g % 5, g % 3 + 0.5, 'k' || g % 2,
       'n' || g % 3, g, g % 3
FROM generate_series(1, 40) g;
DELETE FROM la_t_evil.ok WHERE id % 10 = 0;
RESET ROLE;
SET ROLE la_t_def_admin;
SELECT r.name, f.changes FROM (VALUES ('ok'), ('ok2'), ('ok3')) r(name), rollup_refresh(r.name) f;
RESET ROLE;
-- the oracle: per learner, course and day, the events and the weight from the table itself
SELECT r.rollup, count(*) AS learner_days,
       bool_and((engagement_info(d.summary)).events = o.events) AS events_equal,
       bool_and((engagement_info(d.summary)).weight = o.weight) AS weights_equal,
       (SELECT count(*) FROM (SELECT DISTINCT learner, course, ts::date FROM la_t_evil.ok) x) AS oracle_days
FROM (VALUES ('ok')) r(rollup)
JOIN rollup_learner_day d ON d.rollup = r.rollup
JOIN (SELECT learner::text AS learner, coalesce(course::text, '') AS course, ts::date AS day,
             count(*) AS events, coalesce(sum(w), 0) AS weight
        FROM la_t_evil.ok GROUP BY 1, 2, 3) o
  ON o.learner = d.learner AND o.course = d.course AND o.day = d.day
GROUP BY r.rollup;
SELECT rollup, count(*) AS learner_days, sum((engagement_info(summary)).events) AS events
FROM rollup_learner_day WHERE rollup LIKE 'ok%' GROUP BY 1 ORDER BY 1;
SELECT activity, sum(events) AS events, sum(weight) AS weight
FROM rollup_activity_week WHERE rollup = 'ok' GROUP BY 1 ORDER BY 1;
SELECT pg_temp.is_super('la_t_def_admin') AS escalated, (SELECT count(*) FROM la_t_evil.calls) AS cast_calls;

-- clean up
SELECT rollup_drop(name) FROM rollup WHERE name IN ('evil2', 'evil3', 'hr', 'paid', 'ok', 'ok2', 'ok3') ORDER BY name;
DROP SCHEMA la_t_evil CASCADE;
DROP SCHEMA la_t_hr CASCADE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM la_t_def_admin, la_t_def_hr', current_database()); END $$;
DROP ROLE la_t_def_admin, la_t_def_writer, la_t_def_hr;
