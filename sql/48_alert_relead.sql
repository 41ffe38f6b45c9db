--
-- A case whose lead rule is disabled while another of its reasons still holds: the case follows the
-- rule of that reason from the next evaluation of every enabled rule on, so its ladder goes on
-- (the ladder runs per lead rule). Conditions are the rows of a table, so every day below is worked
-- out by hand.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
CREATE TEMP TABLE t48r_shipped AS SELECT name, enabled FROM alert_rule WHERE builtin;
UPDATE alert_rule SET enabled = false WHERE builtin;

CREATE TABLE t48r_flag (rule text, learner text, day date, PRIMARY KEY (rule, learner, day));
CREATE FUNCTION t48r_candidates(r alert_rule, day date) RETURNS TABLE (learner text, course text,
  value float8, baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT f.learner, 'c1', NULL::float8, NULL::float8, NULL::float8,
         ($2 - date '2026-01-31')::integer, 1::numeric, '{}'::jsonb
  FROM public.t48r_flag f WHERE f.rule = ($1).name AND f.day = $2
$$;
INSERT INTO alert_template (name, candidates, description) VALUES
  ('t48r_flags', 't48r_candidates(alert_rule, date)', 'the rows of t48r_flag');
-- x leads (evaluated first, by name); its step 2 would come at age 3, y's at age 2
INSERT INTO alert_rule (name, family, template, fire_after, escalate_after, severity, escalated_severity,
                        cooldown_days, reengage_days, ladder, ladder_after) VALUES
  ('t48r_x', 'fam_x', 't48r_flags', 1, 30, 'low', 'high', 0, 1, '{in_app_nudge,email}', '{1,3}'),
  ('t48r_y', 'fam_y', 't48r_flags', 1, 30, 'low', 'high', 0, 1, '{quick_tip,sms}', '{1,2}');
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('R1', 'c1', '2026-01-01');
INSERT INTO t48r_flag SELECT r, 'R1', d::date FROM unnest('{t48r_x,t48r_y}'::text[]) r,
                      generate_series(date '2026-02-01', '2026-02-10', '1 day') d;

SELECT day, opened, contacts FROM rule_evaluate_all('2026-02-02') ORDER BY rule;   -- Feb 1
SELECT day, opened, contacts FROM rule_evaluate_all('2026-02-03') ORDER BY rule;   -- Feb 2: y joins
UPDATE alert_rule SET enabled = false WHERE name = 't48r_x';
-- Feb 3: x's reason clears, y leads; the nudge of Feb 1 had no response (Feb 2, no activity), and
-- the case is 3 days old in y's days (Feb 3 - Feb 1 + fire_after 1) >= y's ladder_after[2] = 2: sms
SELECT day, opened, contacts FROM rule_evaluate_all('2026-02-04') ORDER BY rule;
SELECT a.rule_name AS lead, a.status, x.rule_name AS reason, x.first_on, x.cleared_on
  FROM alert a JOIN alert_reason x ON x.alert_id = a.id WHERE a.learner = 'R1' ORDER BY x.rule_name;
SELECT c.step, c.channel, c.contacted_on, c.outcome, c.outcome_on
  FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'R1' ORDER BY c.step;

-- clean up
DELETE FROM alert_outbox WHERE learner = 'R1';
DELETE FROM alert WHERE learner = 'R1';
DELETE FROM enrolment WHERE learner = 'R1';
DELETE FROM alert_rule WHERE name LIKE 't48r_%';
DELETE FROM alert_template WHERE name = 't48r_flags';
DROP FUNCTION t48r_candidates(alert_rule, date);
DROP TABLE t48r_flag;
UPDATE alert_rule r SET enabled = s.enabled FROM t48r_shipped s WHERE s.name = r.name;
