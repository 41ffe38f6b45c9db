--
-- Rows of alert_channel, alert_template and alert_rule marked builtin are not dumped (CREATE
-- EXTENSION makes them again on a restore). An admin that could set or clear the flag would break
-- pg_dump/pg_restore: a shipped rule or channel it unmarked is dumped and collides with the one
-- CREATE EXTENSION makes (the COPY of the whole table fails: every user rule is lost), and a row it
-- marked is silently left out (with a template, its rules then fail the foreign key). Only a superuser
-- (the extension's script) sets or clears builtin. Run as a real login role in learnalytics_admin.
--
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;

CREATE ROLE la_t_bir_admin LOGIN IN ROLE learnalytics_admin;
SELECT enabled AS inact_enabled, description AS inact_description FROM alert_rule WHERE name = 'inactivity' \gset
SET ROLE la_t_bir_admin;

-- clearing the flag of shipped rows: refused
UPDATE alert_rule SET builtin = false WHERE name = 'inactivity';
UPDATE alert_channel SET builtin = false WHERE name = 'email';
UPDATE alert_template SET builtin = false WHERE name = 'inactivity';
-- marking rows of one's own built in: refused
INSERT INTO alert_channel (name, kind, description, builtin) VALUES ('la_t_bir_pager', 'automated', 'pager', true);
INSERT INTO alert_template (name, parameters, candidates, description, builtin)
VALUES ('la_t_bir', '{}', 'learnalytics_internal.candidates_assignment_miss(alert_rule, date)', 'x', true);
SELECT name FROM rule_copy('assignment_miss', 'la_t_bir_rule');
UPDATE alert_rule SET builtin = true WHERE name = 'la_t_bir_rule';
INSERT INTO alert_rule (name, template, escalate_after, ladder, ladder_after, builtin)
VALUES ('la_t_bir_rule2', 'assignment_miss', 1, '{email}', '{1}', true);

-- what an admin may do: write rows of its own (builtin false, said or not), change shipped rules
INSERT INTO alert_channel (name, kind, description, builtin) VALUES ('la_t_bir_pager', 'automated', 'pager', false);
INSERT INTO alert_template (name, parameters, candidates, description)
VALUES ('la_t_bir', '{}', 'learnalytics_internal.candidates_assignment_miss(alert_rule, date)', 'x');
UPDATE alert_rule SET enabled = true, description = 'on' WHERE name = 'inactivity';
UPDATE alert_rule SET enabled = false, description = 'la_t_bir' WHERE name = 'la_t_bir_rule';
UPDATE alert_channel SET max_attempts = 3 WHERE name = 'la_t_bir_pager';
RESET ROLE;

-- what pg_dump would keep of each table (its config condition, WHERE NOT builtin), and what it leaves
SELECT 'channel' AS tab, name, builtin FROM alert_channel WHERE name IN ('email', 'la_t_bir_pager')
UNION ALL SELECT 'template', name, builtin FROM alert_template WHERE name IN ('inactivity', 'la_t_bir')
UNION ALL SELECT 'rule', name, builtin FROM alert_rule WHERE name IN ('inactivity', 'la_t_bir_rule', 'la_t_bir_rule2')
ORDER BY 1, 2;

-- the superuser (the extension's script, a restore) may still write the flag
BEGIN;
UPDATE alert_channel SET builtin = true WHERE name = 'la_t_bir_pager';
SELECT builtin FROM alert_channel WHERE name = 'la_t_bir_pager';
ROLLBACK;

-- clean up
UPDATE alert_rule SET enabled = :'inact_enabled', description = :'inact_description' WHERE name = 'inactivity';
DELETE FROM alert_rule WHERE name = 'la_t_bir_rule';
DELETE FROM alert_template WHERE name = 'la_t_bir';
DELETE FROM alert_channel WHERE name = 'la_t_bir_pager';
DROP ROLE la_t_bir_admin;
