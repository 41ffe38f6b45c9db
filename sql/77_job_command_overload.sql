--
-- A pg_cron job runs its command with the rights of the role that scheduled it, a superuser too,
-- and with that role's search_path. An admin that may CREATE in the extension's schema (the owner
-- of a database whose public schema holds the extension) must not get its own code into such a run:
--  1. an overload of job_execute whose parameter types fit untyped literals better
--     (text for the retry delay) would win the call of the command job_command writes;
--  2. an operator float8 * int4 of its own would be chosen inside job_execute (a procedure, which
--     cannot pin search_path) when a failed attempt sleeps before the next one.
-- The admin is a real login role in learnalytics_admin; the command runs as the superuser.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE ROLE la_t_jco_admin LOGIN IN ROLE learnalytics_admin;
-- as the owner of a database whose public schema holds the extension has it
GRANT CREATE ON SCHEMA learnalytics TO la_t_jco_admin;

SET ROLE la_t_jco_admin;
CREATE TABLE learnalytics.la_t_jco_calls (attack text, run_as name, as_super boolean);
GRANT INSERT ON learnalytics.la_t_jco_calls TO PUBLIC;
CREATE PROCEDURE learnalytics.job_execute(job text, kind text, args jsonb, max_attempts integer, retry_delay text)
LANGUAGE sql AS $$
  INSERT INTO learnalytics.la_t_jco_calls SELECT 'overload', current_user, rolsuper FROM pg_roles WHERE rolname = current_user
$$;
CREATE FUNCTION learnalytics.la_t_jco_mul(a float8, b int4) RETURNS float8 LANGUAGE sql AS $$
  INSERT INTO learnalytics.la_t_jco_calls SELECT 'operator', current_user, rolsuper FROM pg_roles WHERE rolname = current_user
  RETURNING 0::float8
$$;
CREATE OPERATOR learnalytics.* (LEFTARG = float8, RIGHTARG = int4, FUNCTION = learnalytics.la_t_jco_mul);
RESET ROLE;

-- 1. the command of a job, run as the superuser with the default search_path: the extension's
-- job_execute runs (a dry run of retention records one attempt), not the admin's overload
SET search_path = "$user", public, learnalytics;
SELECT learnalytics_internal.job_command('la_t_jco', 'retention_run', '{"dry_run": true}', 1, '0 seconds') AS command \gset
:command;
SELECT attack, run_as, as_super FROM learnalytics.la_t_jco_calls ORDER BY 1;
SELECT job, kind, attempt, ok FROM learnalytics.job_run WHERE job = 'la_t_jco';

-- 2. a failing job (an argument its kind does not take) retried as the superuser: the sleep between
-- attempts uses the built-in multiplication, not the admin's operator
CALL learnalytics.job_execute('la_t_jco_fail'::text, 'retention_run'::text, '{"bogus": 1}'::jsonb, 2::integer, '0 seconds'::interval);
SELECT attack, run_as, as_super FROM learnalytics.la_t_jco_calls ORDER BY 1;
SELECT job, attempt, ok, error FROM learnalytics.job_run WHERE job = 'la_t_jco_fail' ORDER BY attempt;
SELECT rolsuper AS admin_is_super FROM pg_roles WHERE rolname = 'la_t_jco_admin';

-- clean up
RESET search_path;
DELETE FROM learnalytics.job_run WHERE job IN ('la_t_jco', 'la_t_jco_fail');
DROP OPERATOR learnalytics.* (float8, int4);
DROP FUNCTION learnalytics.la_t_jco_mul(float8, int4);
DROP PROCEDURE learnalytics.job_execute(text, text, jsonb, integer, text);
DROP TABLE learnalytics.la_t_jco_calls;
REVOKE CREATE ON SCHEMA learnalytics FROM la_t_jco_admin;
DROP ROLE la_t_jco_admin;
