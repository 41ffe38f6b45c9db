--
-- The case engine (doc/alerts.md, "Evaluation and the alert lifecycle"), on hand-built cases: one
-- open case per learner carrying every rule that held as a reason, the lead rule, severity and risk
-- from the reasons, reasons clearing, cases closing (resolved, or withdrew when the learner left),
-- cooldown per family over the reasons of closed cases, disabled rules, complete days in the rule's
-- time zone, future as_of refused unless replaying, idempotency, the unique index, time zones.
--
-- The condition of the rules t48_* is a table: a rule holds for a learner on a day when t48_flag
-- has the row (rule, learner, day) and the learner is enrolled that day; persisted = the consecutive
-- flagged days ending on the day. So every expected value below is computed by hand from the flags.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
-- the shipped rules would fire on these learners too: off for this test (restored at the end)
CREATE TEMP TABLE t48_shipped AS SELECT name, enabled FROM alert_rule WHERE builtin;
UPDATE alert_rule SET enabled = false WHERE builtin;

CREATE TABLE t48_flag (rule text, learner text, day date, PRIMARY KEY (rule, learner, day));
CREATE FUNCTION t48_candidates(r alert_rule, day date) RETURNS TABLE (learner text, course text,
  value float8, baseline float8, ratio float8, persisted integer, business_weight numeric, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT DISTINCT ON (f.learner) f.learner, e.course,
         ($2 - s.last_off)::float8, NULL::float8, NULL::float8, $2 - s.last_off, e.business_weight, '{}'::jsonb
  FROM public.t48_flag f
  JOIN learnalytics.enrolment e ON e.learner = f.learner AND e.enrolled_at::date <= $2
                               AND (e.left_at IS NULL OR e.left_at::date > $2)
  CROSS JOIN LATERAL (SELECT max(g)::date AS last_off FROM generate_series($2 - 60, $2, interval '1 day') g
                       WHERE NOT EXISTS (SELECT 1 FROM public.t48_flag x WHERE x.rule = ($1).name AND x.learner = f.learner
                                            AND x.day = g::date)) s
  WHERE f.rule = ($1).name AND f.day = $2
  ORDER BY f.learner, e.course
$$;
INSERT INTO alert_template (name, candidates, description) VALUES
  ('t48_flags', 't48_candidates(alert_rule, date)', 'the rows of t48_flag');
-- b leads L1's case (it fires first, on Feb 1); a and c join it; d shares b's family
INSERT INTO alert_rule (name, family, template, fire_after, escalate_after, severity, escalated_severity,
                        cooldown_days, risk_weight, ladder, ladder_after) VALUES
  ('t48_a', 'fam_a', 't48_flags', 1, 30, 'low', 'high', 0, 1, '{in_app_nudge}', '{1}'),
  ('t48_b', 'fam_b', 't48_flags', 1, 30, 'medium', 'high', 3, 1, '{in_app_nudge}', '{1}'),
  ('t48_c', 'fam_c', 't48_flags', 2, 30, 'high', 'critical', 5, 2, '{in_app_nudge}', '{2}'),
  ('t48_d', 'fam_b', 't48_flags', 1, 30, 'low', 'high', 3, 1, '{in_app_nudge}', '{1}'),
  ('t48_e', 'fam_e', 't48_flags', 1, 30, 'low', 'high', 0, 1, '{in_app_nudge}', '{1}');
INSERT INTO enrolment (learner, course, enrolled_at, left_at) VALUES
  ('L1', 'c1', '2026-01-01', NULL), ('L2', 'c1', '2026-01-01', NULL),
  ('L3', 'c1', '2026-01-01', '2026-02-04 10:00+00'), ('L4', 'c2', '2026-01-01', NULL),
  ('L5', 'c1', '2026-01-01', NULL);
-- L1: b Feb 1-5, a Feb 2-3, c Feb 2-6 (fires Feb 3: fire_after 2); then, after the case closed on
--     Feb 7: d (b's family, cooldown 3) Feb 8-11 and c (its family was a reason, cooldown 5) Feb 8-11
-- L2: a Feb 1-2; then c Feb 4-5 (c's family was no reason of L2's case: no cooldown)
-- L3: a Feb 1-6, but L3 leaves c1 on Feb 4: its case closes as withdrew
-- L5: e Feb 1-10 (e is disabled on Feb 3)
INSERT INTO t48_flag
SELECT 't48_b', 'L1', d::date FROM generate_series(date '2026-02-01', '2026-02-05', '1 day') d
UNION ALL SELECT 't48_a', 'L1', d::date FROM generate_series(date '2026-02-02', '2026-02-03', '1 day') d
UNION ALL SELECT 't48_c', 'L1', d::date FROM generate_series(date '2026-02-02', '2026-02-06', '1 day') d
UNION ALL SELECT 't48_d', 'L1', d::date FROM generate_series(date '2026-02-08', '2026-02-11', '1 day') d
UNION ALL SELECT 't48_c', 'L1', d::date FROM generate_series(date '2026-02-08', '2026-02-11', '1 day') d
UNION ALL SELECT 't48_a', 'L2', d::date FROM generate_series(date '2026-02-01', '2026-02-02', '1 day') d
UNION ALL SELECT 't48_c', 'L2', d::date FROM generate_series(date '2026-02-04', '2026-02-05', '1 day') d
UNION ALL SELECT 't48_a', 'L3', d::date FROM generate_series(date '2026-02-01', '2026-02-06', '1 day') d
UNION ALL SELECT 't48_e', 'L5', d::date FROM generate_series(date '2026-02-01', '2026-02-10', '1 day') d;

CREATE VIEW t48_cases AS
SELECT a.learner, a.rule_name AS lead, a.status, a.severity, a.opened_on, a.evaluated_on, a.persisted,
       round(a.risk_score::numeric, 3) AS risk, a.closed_on, a.close_reason,
       (SELECT string_agg(x.rule_name || coalesce('/' || x.cleared_on, ''), ' ' ORDER BY x.rule_name)
          FROM alert_reason x WHERE x.alert_id = a.id) AS reasons
FROM alert a WHERE a.learner LIKE 'L%' ORDER BY a.learner, a.opened_on;
CREATE VIEW t48_reasons AS
SELECT a.learner, x.rule_name, x.family, x.severity, x.first_on, x.evaluated_on, x.cleared_on, x.persisted,
       round(x.risk_score::numeric, 3) AS risk
FROM alert_reason x JOIN alert a ON a.id = x.alert_id WHERE a.learner LIKE 'L%'
ORDER BY a.learner, a.opened_on, x.rule_name;
-- one evaluation of the test rules on a complete day: as of 08:00 the next morning
CREATE FUNCTION t48_eval(d date, rules text[] DEFAULT '{t48_a,t48_b,t48_c,t48_d}')
RETURNS TABLE (day date, opened bigint, updated bigint, resolved bigint)
LANGUAGE sql AS $$
  SELECT min(e.day), sum(e.opened), sum(e.updated), sum(e.resolved)
  FROM rule_evaluate_all((d + 1) + time '08:00', rules) e
$$;
-- invariants checked after every day: at most one open case per learner; each case has its lead's
-- reason; the case's severity is at least that of every current reason and its risk the largest
CREATE VIEW t48_broken AS
SELECT 'two open cases' AS what, learner FROM alert WHERE closed_at IS NULL GROUP BY learner HAVING count(*) > 1
UNION ALL
SELECT 'no lead reason', a.learner FROM alert a
 WHERE NOT EXISTS (SELECT 1 FROM alert_reason x WHERE x.alert_id = a.id AND x.rule_name = a.rule_name)
UNION ALL
SELECT 'severity below a reason', a.learner FROM alert a JOIN alert_reason x ON x.alert_id = a.id
 WHERE x.cleared_on IS NULL AND learnalytics_internal.severity_factor(x.severity) > learnalytics_internal.severity_factor(a.severity)
UNION ALL
SELECT 'risk not the largest', a.learner FROM alert a
 WHERE a.risk_score <> (SELECT max(x.risk_score) FROM alert_reason x WHERE x.alert_id = a.id)
UNION ALL
SELECT 'open with every reason cleared', a.learner FROM alert a
 WHERE a.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM alert_reason x WHERE x.alert_id = a.id AND x.cleared_on IS NULL);

-- Feb 1: b fires for L1 (lead b, medium), a for L2 and L3, e for L5: four cases
SELECT * FROM t48_eval('2026-02-01', '{t48_a,t48_b,t48_c,t48_d,t48_e}');
SELECT * FROM t48_cases;
-- Feb 2: a joins L1's case (c holds but has not persisted fire_after 2 days: no reason yet).
-- A case opened on a day carries only its lead's reason that day; other rules join from the next.
SELECT * FROM t48_eval('2026-02-02', '{t48_a,t48_b,t48_c,t48_d,t48_e}');
SELECT * FROM t48_cases;
-- Feb 3: c joins L1's case: three reasons, one case, lead still b, severity high (c's), risk the
-- largest reason risk: c's 2 x 3 x (1 + ln 2) = 10.159 (b's 1 x 2 x (1 + ln 3) = 4.197, a's
-- 1 x 1 x (1 + ln 2) = 1.693). L2's a cleared on Feb 3: its only reason, the case closes (resolved).
-- e is disabled before the evaluation of every enabled rule: L5's reason clears, its case closes.
UPDATE alert_rule SET enabled = false WHERE name = 't48_e';
SELECT * FROM rule_evaluate_all('2026-02-04 08:00+00') ORDER BY rule;
SELECT * FROM t48_cases;
SELECT * FROM t48_reasons WHERE learner = 'L1';
SELECT round((2 * 3 * (1 + ln(2)))::numeric, 3) AS c_risk, round((1 * 2 * (1 + ln(3)))::numeric, 3) AS b_risk,
       round((1 * 1 * (1 + ln(2)))::numeric, 3) AS a_risk;
SELECT * FROM t48_broken;
-- Feb 4: a cleared for L1; the case stays open (b and c hold; c's risk 2 x 3 x (1 + ln 3) = 12.592).
-- L3 left c1 on Feb 4: its reason clears, and its case closes as withdrew, not resolved
SELECT * FROM t48_eval('2026-02-04');
SELECT * FROM t48_cases WHERE learner IN ('L1', 'L3');
-- closing set no contact outcome: L3's nudge did not re-engage anybody
SELECT a.learner, c.step, c.outcome <> 're_engaged' AS not_counted_re_engaged
FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'L3';
-- Feb 5, 6: b cleared on Feb 6, c holds (persisted 5: risk 6 x (1 + ln 5) = 15.657); Feb 7: c
-- cleared, the case closes (resolved on Feb 7; its severity stays high: never lowered)
SELECT * FROM t48_eval('2026-02-05');
SELECT * FROM t48_eval('2026-02-06');
SELECT * FROM t48_cases WHERE learner = 'L1';
SELECT * FROM t48_eval('2026-02-07');
SELECT * FROM t48_cases WHERE learner = 'L1';
SELECT * FROM t48_broken;
-- L2: c holds Feb 4-5 and fires on Feb 5 (fire_after 2): c's family was no reason of L2's closed
-- case, so its cooldown (5 days) does not apply: a new case, lead c, opened Feb 5, resolved Feb 6
SELECT * FROM t48_cases WHERE learner = 'L2';
-- cooldown per family, over the reasons of closed cases: L1's case closed on Feb 7 with reasons of
-- fam_a, fam_b, fam_c. d (fam_b, cooldown 3) holds from Feb 8: nothing on Feb 8 and 9 (closed_on
-- Feb 7 > day - 3), a case on Feb 10 (lead d, persisted 3). c (fam_c, cooldown 5) holds from Feb 8
-- too and is in its cooldown until Feb 12 (evaluated before d on Feb 10, it opens nothing), but the
-- learner has an open case from Feb 10: c joins it on Feb 11 as a reason (the cooldown holds back
-- new cases, not reasons; a case opened on a day takes other reasons from the next day)
SELECT * FROM t48_eval('2026-02-08');
SELECT * FROM t48_eval('2026-02-09');
SELECT count(*) AS l1_open_on_feb_9 FROM alert WHERE learner = 'L1' AND closed_at IS NULL;
SELECT * FROM t48_eval('2026-02-10');
SELECT * FROM t48_cases WHERE learner = 'L1';
SELECT * FROM t48_broken;

-- Idempotent: evaluating the same day again changes no case, reason, contact or message
CREATE TEMP TABLE s_alert AS SELECT * FROM alert;
CREATE TEMP TABLE s_reason AS SELECT * FROM alert_reason;
CREATE TEMP TABLE s_contact AS SELECT * FROM alert_contact;
CREATE TEMP TABLE s_outbox AS SELECT * FROM alert_outbox;
SELECT * FROM t48_eval('2026-02-10');
SELECT (SELECT count(*) FROM (SELECT * FROM alert EXCEPT SELECT * FROM s_alert) x)
     + (SELECT count(*) FROM (SELECT * FROM s_alert EXCEPT SELECT * FROM alert) x) AS alerts_changed,
       (SELECT count(*) FROM (SELECT * FROM alert_reason EXCEPT SELECT * FROM s_reason) x)
     + (SELECT count(*) FROM (SELECT * FROM s_reason EXCEPT SELECT * FROM alert_reason) x) AS reasons_changed,
       (SELECT count(*) FROM (SELECT * FROM alert_contact EXCEPT SELECT * FROM s_contact) x)
     + (SELECT count(*) FROM (SELECT * FROM s_contact EXCEPT SELECT * FROM alert_contact) x) AS contacts_changed,
       (SELECT count(*) FROM (SELECT * FROM alert_outbox EXCEPT SELECT * FROM s_outbox) x)
     + (SELECT count(*) FROM (SELECT * FROM s_outbox EXCEPT SELECT * FROM alert_outbox) x) AS messages_changed;
-- and evaluating an earlier day after a later one leaves the later state alone
SELECT * FROM t48_eval('2026-02-09');
SELECT (SELECT count(*) FROM (SELECT * FROM alert EXCEPT SELECT * FROM s_alert) x)
     + (SELECT count(*) FROM (SELECT * FROM alert_reason EXCEPT SELECT * FROM s_reason) x) AS changed_by_earlier_day;

-- Feb 11: c joins L1's case (persisted 4: first_on Feb 11), risk 2 x 3 x (1 + ln 4) = 14.318
SELECT * FROM t48_eval('2026-02-11');
SELECT * FROM t48_cases WHERE learner = 'L1';
SELECT * FROM t48_reasons WHERE learner = 'L1' AND first_on >= '2026-02-08';
SELECT round((2 * 3 * (1 + ln(4)))::numeric, 3) AS c_risk;
SELECT * FROM t48_broken;

-- One open case per learner is the unique index alert_one_open_case (what concurrent evaluations
-- rely on, test/t/40_alerts_concurrent_evaluation.sh); the per-family index is gone
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = 'learnalytics' AND tablename = 'alert' AND indexname IN ('alert_one_open_case', 'alert_one_open_per_family');
\set VERBOSITY terse
INSERT INTO alert (rule_name, rule_version, family, template, learner, severity, opened_on, evaluated_on,
                   persisted, risk_score)
VALUES ('t48_e', 1, 'fam_e', 't48_flags', 'L1', 'low', '2026-02-10', '2026-02-10', 1, 1);
\set VERBOSITY default

-- Complete days. The day evaluated is the day before as_of's date in the rule's time zone
-- (hand-computed: 2026-02-10 03:00 UTC is Feb 9 22:00 in New York (UTC-5), Feb 10 16:00 in
-- Auckland (UTC+13 in summer), Feb 10 03:00 in UTC)
UPDATE alert_rule SET tz = 'America/New_York' WHERE name = 't48_d';
UPDATE alert_rule SET tz = 'Pacific/Auckland' WHERE name = 't48_e';
SELECT rule, day FROM rule_evaluate_all('2026-02-10 03:00+00', '{t48_a,t48_d,t48_e}') ORDER BY rule;
SELECT day FROM rule_evaluate('t48_a', '2026-02-10 00:00+00');   -- midnight: the day that just ended
SELECT day FROM rule_evaluate('t48_a', '2026-02-09 23:59:59+00');
-- An unfinished day is never a dip: m is active 4 times a day (10:00-13:00) from Jan 20 through
-- Feb 19. Evaluated at 08:00 on Feb 20 (no event yet that day), the dip rule reads Feb 19 (4
-- events) and opens nothing, although Feb 20 so far has 0 events (rule_matches on Feb 20 shows the
-- false dip that reading the current day would fire)
CREATE TABLE t48_act AS
SELECT 'm'::text AS learner, timestamptz '2026-01-20 10:00+00' + d * interval '1 day' + k * interval '1 hour' AS ts
FROM generate_series(0, 30) d, generate_series(0, 3) k;
SELECT engagement_refresh('t48_act', 'learner', 'ts') > 0 AS refreshed;
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('m', 'cm', '2026-01-19');
SELECT name FROM rule_copy('engagement_dip', 't48_dip', '{"course": "cm", "metric": "events", "threshold": 0.5, "fire_after": 1}', false);
SELECT max(ts) AS last_event FROM t48_act;
SELECT learner, value, baseline FROM rule_matches('t48_dip', '2026-02-20');
SELECT count(*) AS matches_feb_19 FROM rule_matches('t48_dip', '2026-02-19');
SELECT rule, day, opened FROM rule_evaluate('t48_dip', '2026-02-20 08:00+00');
SELECT count(*) AS m_cases FROM alert WHERE learner = 'm';

-- A future as_of is refused (nothing written), unless replaying
\set VERBOSITY default
SELECT * FROM rule_evaluate('t48_a', '2999-01-01 00:00+00');
SELECT * FROM rule_evaluate_all('2999-01-01 00:00+00', '{t48_a}');
DO $$
BEGIN
  PERFORM rule_evaluate('t48_a', now() + interval '1 second');
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE WARNING 'a second after now: SQLSTATE %, the message names as_of: %', SQLSTATE, SQLERRM LIKE 'as_of % is in the future';
END
$$;
\set VERBOSITY terse
SELECT rule, day, opened FROM rule_evaluate('t48_a', '2999-01-01 00:00+00', replaying => true);
SELECT rule, day, opened FROM rule_evaluate_all('2999-01-01 00:00+00', '{t48_a}', replaying => true);
SELECT count(*) AS now_accepted FROM rule_evaluate('t48_a', now());
SELECT * FROM rule_evaluate('t48_a', '2026-02-10', replaying => NULL);
-- the job takes an optional as_of, never in the future
SELECT job_execute_once('rule_evaluate_all', '{"rules": ["t48_a"], "as_of": "2026-02-11 08:00+00"}');
SELECT job_execute_once('rule_evaluate_all', '{"as_of": "2999-01-01 00:00+00"}');
SELECT job_execute_once('rule_evaluate_all', '{"as_of": "soon"}');
SELECT job_execute_once('rule_evaluate_all', '{"as_of": 5}');
DELETE FROM job_run;

-- Rule time zones: names of pg_timezone_names only. Each rejected spelling is one AT TIME ZONE
-- accepts (a fixed offset all year), which the check used to let through
SELECT z AS tz, (timestamptz '2026-07-01 12:00+00' AT TIME ZONE z) AS at_time_zone_accepts,
       EXISTS (SELECT 1 FROM pg_timezone_names n WHERE n.name = z) AS zone_name
FROM unnest('{CEST,PST,UTC+2,+02:00,Europe/Paris,UTC}'::text[]) z;
\set VERBOSITY default
UPDATE alert_rule SET tz = 'CEST' WHERE name = 't48_a';
\set VERBOSITY terse
UPDATE alert_rule SET tz = 'PST' WHERE name = 't48_a';
UPDATE alert_rule SET tz = 'UTC+2' WHERE name = 't48_a';
UPDATE alert_rule SET tz = '+02:00' WHERE name = 't48_a';
SELECT name FROM rule_copy('t48_a', 't48_bad', '{"tz": "PST"}');
SELECT tz FROM rule_with_overrides('t48_a', '{"tz": "UTC+2"}');
UPDATE alert_rule SET tz = 'Europe/Paris' WHERE name = 't48_a' RETURNING name, tz;
SELECT tz FROM rule_with_overrides('t48_a', '{"tz": "UTC"}');
\set VERBOSITY default

DROP VIEW t48_cases, t48_reasons, t48_broken;
DELETE FROM alert_outbox; DELETE FROM alert;
DELETE FROM alert_rule WHERE name LIKE 't48%';
DELETE FROM alert_template WHERE name = 't48_flags';
DROP FUNCTION t48_candidates(alert_rule, date), t48_eval(date, text[]);
DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE t48_flag, t48_act;
UPDATE alert_rule r SET enabled = s.enabled FROM t48_shipped s WHERE s.name = r.name;
