--
-- alert rules as data: the shipped templates, validation on insert and update, versions
--
SELECT name, family, template, enabled, metric, threshold, baseline_days, window_days, fire_after,
       escalate_after, severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days
FROM alert_rule ORDER BY name;
SELECT name, kind FROM alert_channel ORDER BY kind, name;

-- a valid rule; the family defaults to the name, the version starts at 1
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, fire_after, escalate_after, ladder, ladder_after)
VALUES ('dip_events', 'engagement_dip', 'events', 0.5, 14, 2, 4, '{in_app_nudge,email,coach_outreach}', '{2,3,4}');
SELECT name, family, version FROM alert_rule WHERE name = 'dip_events';
-- a changed threshold bumps the version; enabling or describing it does not
UPDATE alert_rule SET threshold = 0.4 WHERE name = 'dip_events';
UPDATE alert_rule SET enabled = false, description = 'test' WHERE name = 'dip_events';
SELECT name, version, threshold, enabled FROM alert_rule WHERE name = 'dip_events';

-- impossible thresholds, bad windows, unknown fields and channels are rejected with a clear error
-- (column constraints tersely: their detail would show the row; the trigger's errors with hints)
\set SHOW_CONTEXT never
\set VERBOSITY terse
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 1.5, 14, 3, '{in_app_nudge}', '{1}');
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 0.1234567891, 14, 3, '{in_app_nudge}', '{1}');
\set VERBOSITY default
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 0, 14, 3, '{in_app_nudge}', '{1}');
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 'NaN', 14, 3, '{in_app_nudge}', '{1}');
\set VERBOSITY terse
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 0.6, 0, 3, '{in_app_nudge}', '{1}');
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'clicks', 0.6, 14, 3, '{in_app_nudge}', '{1}');
\set VERBOSITY default
INSERT INTO alert_rule (name, template, metric, threshold, baseline_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'engagement_dip', 'events', 0.6, NULL, 3, '{in_app_nudge}', '{1}');
INSERT INTO alert_rule (name, template, threshold, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 0.6, 3, '{email_reminder}', '{1}');
INSERT INTO alert_rule (name, template, escalate_after, ladder, ladder_after)
VALUES ('bad', 'dropout_guess', 3, '{email_reminder}', '{1}');
INSERT INTO alert_rule (name, template, window_days, fire_after, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 5, 2, '{email_reminder}', '{5}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 3, '{carrier_pigeon}', '{1}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 3, '{email_reminder,sms}', '{1}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 3, '{email_reminder,sms}', '{1,0}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 3, '{coach_call}', '{1}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'assignment_miss', 14, 3, '{}', '{}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after, tz)
VALUES ('bad', 'assignment_miss', 14, 3, '{email}', '{1}', 'Mars/Olympus');
INSERT INTO alert_rule (name, template, threshold, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'low_quiz_attempts', 0.25, 14, 90, '{email}', '{1}');
\set VERBOSITY terse
INSERT INTO alert_rule (name, template, threshold, window_days, escalate_after, ladder, ladder_after)
VALUES ('bad', 'stalled_start', 0.2, -7, 3, '{email}', '{1}');
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after, cooldown_days)
VALUES ('bad', 'assignment_miss', 14, 3, '{email}', '{1}', -1);
-- an unknown field is not a column
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after, sql_filter)
VALUES ('bad', 'assignment_miss', 14, 3, '{email}', '{1}', 'true');
-- names are identifiers, so they can never carry SQL
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('x''); DROP TABLE alert; --', 'assignment_miss', 14, 3, '{email}', '{1}');
INSERT INTO alert_rule (name, family, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('ok_name', 'Family With Spaces', 'assignment_miss', 14, 3, '{email}', '{1}');
\set VERBOSITY default
-- an update is validated the same way
UPDATE alert_rule SET threshold = 2 WHERE name = 'dip_events';
UPDATE alert_rule SET metric = NULL WHERE name = 'dip_events';
SELECT count(*) AS rules FROM alert_rule;

-- sources: a warehouse table mapped onto a kind, checked against the catalog
CREATE TABLE wh_students (student_id int, module text, registered timestamptz, unregistered timestamptz);
INSERT INTO learning_source VALUES ('enrolment', 'wh_students',
  '{"learner": "student_id", "course": "module", "enrolled_at": "registered", "left_at": "unregistered"}');
SELECT learnalytics_internal.learning_source_sql('enrolment');
SELECT learnalytics_internal.learning_source_sql('quiz_attempt');
INSERT INTO learning_source VALUES ('quiz_attempt', 'wh_students', '{"learner": "student_id", "attempted_at": "registered"}');
INSERT INTO learning_source VALUES ('assignment', 'wh_students', '{"course": "module", "assignment": "module", "due_at": "registered", "colour": "x"}');
INSERT INTO learning_source VALUES ('assignment', 'wh_students', '{"course": "module", "assignment": "module", "due_at": "module"}');
INSERT INTO learning_source VALUES ('assignment', 'wh_students', '{"course": "module", "assignment": "module", "due_at": 3}');
INSERT INTO learning_source VALUES ('grades', 'wh_students', '{}');
DELETE FROM learning_source;
DROP TABLE wh_students;
\set VERBOSITY terse
DELETE FROM alert_rule WHERE NOT builtin;

-- scheduling needs pg_cron (not installed in this database yet): a clear error (object_not_in_prerequisite_state,
-- with a hint); the jobs themselves run by hand without it
DO $$
BEGIN
  PERFORM job_schedule('rule_evaluate_all', '*/15 * * * *', 'rule_evaluate_all');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RAISE NOTICE 'scheduling refused: SQLSTATE %', SQLSTATE;
END
$$;
SELECT count(*) AS jobs FROM scheduled_jobs();
SELECT job_execute_once('rule_evaluate_all');
SELECT job_execute_once('coach_assign_cases');
DELETE FROM job_run;

-- The template registry (doc/alerts.md, "Templates"): one row per template; the rules' template
-- is a foreign key to it, and rule_validate reads its parameters from it.
SELECT name, parameters, max_escalate_after, candidates, replay, builtin FROM alert_template ORDER BY name;
\set VERBOSITY default
SET client_min_messages = warning;
CREATE ROLE la_tmpl_admin LOGIN IN ROLE learnalytics_admin;
CREATE ROLE la_tmpl_analyst LOGIN IN ROLE learnalytics_analyst;
RESET client_min_messages;
CREATE SCHEMA toy AUTHORIZATION la_tmpl_admin;
GRANT USAGE ON SCHEMA toy TO learnalytics_analyst;

-- Learning data for the checks below (hand-computed cases; all days in UTC). Activity days:
--   ia enrolled Mar 1, active Mar 1 and 5       ib enrolled Mar 1, active Mar 10
--   ic enrolled Mar 10, never active             id enrolled Feb 1, never active
--   ie enrolled Mar 1, left Mar 12, never active if enrolled Mar 1, active Mar 8
--   ig enrolled Mar 1, active Mar 9              ih enrolled Mar 1, active Mar 20 only
CREATE TABLE tmpl_activity (learner text, ts timestamptz);
GRANT SELECT ON tmpl_activity TO la_tmpl_analyst;
INSERT INTO tmpl_activity VALUES ('ia', '2026-03-01 10:00+00'), ('ia', '2026-03-05 23:30+00'),
  ('ib', '2026-03-10 08:00+00'), ('if', '2026-03-08 12:00+00'), ('ig', '2026-03-09 12:00+00'),
  ('ih', '2026-03-20 12:00+00');
INSERT INTO learner_engagement (learner, summary)
SELECT learner, la_engagement_agg(learner, ts) FROM tmpl_activity GROUP BY learner;
INSERT INTO enrolment (learner, course, enrolled_at, left_at, business_weight) VALUES
  ('ia', 'c1', '2026-03-01 09:00+00', NULL, 1), ('ib', 'c1', '2026-03-01 09:00+00', NULL, 2),
  ('ic', 'c1', '2026-03-10 09:00+00', NULL, 1), ('id', 'c2', '2026-02-01 09:00+00', NULL, 3),
  ('ie', 'c1', '2026-03-01 09:00+00', '2026-03-12 09:00+00', 1), ('if', 'c1', '2026-03-01 09:00+00', NULL, 1),
  ('ig', 'c2', '2026-03-01 09:00+00', NULL, 1), ('ih', 'c1', '2026-03-01 09:00+00', NULL, 1);

-- A template is one place: an admin registers a toy template (its candidates function is five
-- lines of SQL: enrolled learners of business weight 2 or more), makes a rule of it and evaluates it.
SET ROLE la_tmpl_admin;
CREATE FUNCTION toy.heavy(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8,
  baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT e.learner, e.course, e.business_weight::float8, NULL::float8, NULL::float8, day - (e.enrolled_at AT TIME ZONE r.tz)::date + 1,
         e.business_weight, jsonb_build_object('toy', true)
  FROM learnalytics.enrolment e WHERE e.business_weight >= 2 AND (e.enrolled_at AT TIME ZONE r.tz)::date <= day
$$;
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_heavy', 'toy.heavy(alert_rule, date)', 'heavy learners');
INSERT INTO alert_rule (name, template, fire_after, escalate_after, ladder, ladder_after)
VALUES ('toy_rule', 'toy_heavy', 3, 30, '{email}', '{3}');
-- a parameter the toy template does not use is rejected, from the registry
INSERT INTO alert_rule (name, template, window_days, escalate_after, ladder, ladder_after)
VALUES ('toy_bad', 'toy_heavy', 7, 3, '{email}', '{1}');
SELECT * FROM rule_evaluate('toy_rule', '2026-03-16 12:00+00');
SELECT learner, course, template, persisted, value, detail FROM alert WHERE rule_name = 'toy_rule' ORDER BY learner;
-- rule_matches serves it too, and equals the plain SQL of its condition (ic is enrolled, but Mar 2
-- is before its enrolment: not a match then)
SELECT learner, course, persisted FROM rule_matches('toy_rule', '2026-03-02') ORDER BY learner;
SELECT count(*) AS mismatches FROM generate_series(date '2026-01-25', date '2026-03-20', '1 day') g,
  LATERAL (SELECT array_agg(m.learner || ':' || m.persisted ORDER BY m.learner) AS l FROM rule_matches('toy_rule', g::date) m) a,
  LATERAL (SELECT array_agg(e.learner || ':' || (g::date - e.enrolled_at::date + 1) ORDER BY e.learner) AS l
             FROM enrolment e WHERE e.business_weight >= 2 AND e.enrolled_at::date <= g::date) b
WHERE a.l IS DISTINCT FROM b.l;
-- it replays day by day (no replay function): the first day each learner's run reaches fire_after
SELECT day, learner, persisted FROM rule_replay_alerts('toy_rule', '2026-02-01', '2026-03-20') ORDER BY day, learner;
RESET ROLE;

-- Security of the registry (doc/roles.md, "Elevated rights"). A superuser's evaluation would run
-- the admin's function with superuser rights: refused.
\set VERBOSITY terse
SELECT * FROM rule_evaluate('toy_rule', '2026-03-17 12:00+00');
SELECT count(*) FROM rule_matches('toy_rule', '2026-03-16');
SET ROLE la_tmpl_admin;
-- a SECURITY DEFINER function would run with its owner's rights for every analyst who replays
CREATE FUNCTION toy.definer(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8,
  baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER AS $$ SELECT * FROM toy.heavy(r, day) $$;
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_definer', 'toy.definer(alert_rule, date)', 'x');
-- ... and so would one made SECURITY DEFINER after it was registered: checked at every call
ALTER FUNCTION toy.heavy(alert_rule, date) SECURITY DEFINER;
SELECT * FROM rule_evaluate('toy_rule', '2026-03-17 12:00+00');
SELECT count(*) FROM rule_replay_alerts('toy_rule', '2026-03-16', '2026-03-16');
ALTER FUNCTION toy.heavy(alert_rule, date) SECURITY INVOKER;
-- the wrong signature or labels (a template function reads and writes nothing, and is called in
-- parallel queries), and a function the registering role may not execute
CREATE FUNCTION toy.wrong(r alert_rule, day date) RETURNS TABLE (learner text) LANGUAGE sql AS $$ SELECT 'x' $$;
CREATE FUNCTION toy.volatile(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8,
  baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql AS $$ SELECT * FROM toy.heavy(r, day) $$;
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_volatile', 'toy.volatile(alert_rule, date)', 'x');
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_wrong', 'toy.wrong(alert_rule, date)', 'x');
INSERT INTO alert_template (name, candidates, replay, description)
VALUES ('toy_wrong', 'toy.heavy(alert_rule, date)', 'toy.heavy(alert_rule, date)', 'x');
RESET ROLE;
CREATE FUNCTION toy.private(r alert_rule, day date) RETURNS TABLE (learner text, course text, value float8,
  baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT * FROM toy.heavy(r, day) $$;
REVOKE EXECUTE ON FUNCTION toy.private(alert_rule, date) FROM PUBLIC;
SET ROLE la_tmpl_admin;
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_private', 'toy.private(alert_rule, date)', 'x');
-- built-in templates and rules stay: a template cannot be changed or deleted, a rule only disabled
UPDATE alert_template SET candidates = 'toy.heavy(alert_rule, date)' WHERE name = 'engagement_dip';
DELETE FROM alert_template WHERE name = 'inactivity';
\set VERBOSITY default
DELETE FROM alert_rule WHERE name = 'engagement_dip';
\set VERBOSITY terse
UPDATE alert_rule SET enabled = false WHERE name = 'engagement_dip' RETURNING name, enabled;
RESET ROLE;
-- only the admin role registers templates
SET ROLE la_tmpl_analyst;
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_analyst', 'toy.heavy(alert_rule, date)', 'x');
SELECT count(*) AS matches_as_analyst FROM rule_matches('toy_rule', '2026-03-15');
RESET ROLE;
SELECT name FROM alert_template WHERE name LIKE 'toy%' ORDER BY name;
-- a superuser may register an admin's function (a restore of a dump does), but not call it
INSERT INTO alert_template (name, candidates, description) VALUES ('toy_restored', 'toy.heavy(alert_rule, date)', 'x');
DELETE FROM alert_template WHERE name = 'toy_restored';

-- The inactivity template, against the hand-computed case: idle = the day minus the last active
-- day (or minus the day before enrolment, when not active since); it matches from window_days on,
-- persisted = idle - window_days + 1. On Mar 15, window 7: ia idle 10 (persisted 4), ib 5 (no),
-- ic 6 (enrolled Mar 10: no), id 43 (37), ie left Mar 12 (no), if 7 (1), ig 6 (no), ih 15 (9:
-- its only activity is after the day, so it counts from the day before enrolment).
SET ROLE la_tmpl_analyst;
SELECT learner, course, value, persisted, detail FROM rule_matches('inactivity', '2026-03-15') ORDER BY learner;
-- a day later ic reaches 7 days and ig 7; with a 3-day window on Mar 15, ib (5) and ig (6) match too
SELECT learner, persisted FROM rule_matches('inactivity', '2026-03-16') ORDER BY learner;
SELECT learner, persisted FROM rule_matches('inactivity', '2026-03-15', '{"window_days": 3}') ORDER BY learner;
-- rule_matches against plain SQL over the raw activity, every day of a period, windows 1, 7 and 20
SELECT w, count(*) AS days, count(*) FILTER (WHERE a.l IS DISTINCT FROM b.l) AS mismatches
FROM unnest(ARRAY[1, 7, 20]) w, generate_series(date '2026-01-30', date '2026-03-25', '1 day') g,
  LATERAL (SELECT array_agg(m.learner || ':' || m.course || ':' || m.persisted ORDER BY m.learner) AS l
             FROM rule_matches('inactivity', g::date, jsonb_build_object('window_days', w)) m) a,
  LATERAL (SELECT array_agg(o.learner || ':' || o.course || ':' || (o.idle - w + 1) ORDER BY o.learner) AS l
             FROM (SELECT e.learner, e.course,
                          g::date - greatest(e.enrolled_at::date - 1,
                                             (SELECT max(t.ts::date) FROM tmpl_activity t
                                               WHERE t.learner = e.learner AND t.ts::date <= g::date)) AS idle
                     FROM enrolment e
                    WHERE e.enrolled_at::date <= g::date AND (e.left_at IS NULL OR e.left_at::date > g::date)) o
            WHERE o.idle >= w) b
GROUP BY w ORDER BY w;
RESET ROLE;

DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name = 'toy_rule';
DELETE FROM alert_template WHERE name LIKE 'toy%';
DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE tmpl_activity;
DROP SCHEMA toy CASCADE;
DROP ROLE la_tmpl_admin, la_tmpl_analyst;
