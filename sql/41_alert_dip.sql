--
-- engagement-dip rule on hand-built histories: fires, does not fire, persists, escalates,
-- recovers, cooldown, idempotency, learners without events, the values an alert carries
--   a: 4 sessions a day Jan 1-14, 2 on the 15th (dip), 3 on the 16th (no dip), none 17-21, 5 on the 22nd
--   b: 4 sessions every day through Jan 25 (never dips)
--   c: enrolled, no events at all
--   d: 4 sessions a day Jan 1-14, then silent (the dip persists)
--   e: like d but not enrolled (never alerted)
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE TABLE act (learner text, ts timestamptz);
INSERT INTO act
SELECT l, timestamptz '2026-01-01 08:00+00' + (d - 1) * interval '1 day' + k * interval '1 hour'
FROM unnest('{a,b,d,e}'::text[]) l, generate_series(1, 14) d, generate_series(0, 3) k
UNION ALL SELECT 'a', timestamptz '2026-01-15 08:00+00' + k * interval '1 hour' FROM generate_series(0, 1) k
UNION ALL SELECT 'a', timestamptz '2026-01-16 08:00+00' + k * interval '1 hour' FROM generate_series(0, 2) k
UNION ALL SELECT 'a', timestamptz '2026-01-22 08:00+00' + k * interval '1 hour' FROM generate_series(0, 4) k
UNION ALL SELECT 'b', timestamptz '2026-01-15 08:00+00' + d * interval '1 day' + k * interval '1 hour'
          FROM generate_series(0, 10) d, generate_series(0, 3) k;
SELECT engagement_refresh('act', 'learner', 'ts');
INSERT INTO enrolment (learner, course, enrolled_at, business_weight) VALUES
  ('a', 'c1', '2025-12-31', 1), ('b', 'c1', '2025-12-31', 1), ('c', 'c1', '2025-12-31', 1),
  ('d', 'c1', '2025-12-31', 3);

-- a rule of the dip template in sessions, firing on the first dip day (the shipped rule before
-- issue 14: sessions 40% below the 14-day average; nudge, tip, coach at 1, 2, 3 days); the shipped
-- one (events, fire_after 3) is checked in sql/59_rules_shipped.sql
INSERT INTO alert_rule (name, family, template, metric, threshold, baseline_days, fire_after, escalate_after,
                        severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days)
VALUES ('t_dip', 'engagement', 'engagement_dip', 'sessions', 0.6, 14, 1, 3, 'low', 'high', 7,
        '{in_app_nudge,quick_tip,coach_outreach}', '{1,2,3}', 1)
RETURNING name, family, template, metric, threshold, ladder, ladder_after, enabled;

CREATE VIEW t_alerts AS
SELECT learner, rule_version, status, severity, opened_on, evaluated_on, value, baseline,
       round(ratio::numeric, 3) AS ratio, persisted, round(risk_score::numeric, 3) AS risk,
       business_weight, detail, closed_on, close_reason
FROM alert WHERE rule_name = 't_dip' ORDER BY learner, opened_on;
CREATE VIEW t_contacts AS
SELECT a.learner, c.step, c.channel, c.kind, c.contacted_on, c.outcome, c.outcome_on
FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name = 't_dip'
ORDER BY a.learner, a.opened_on, c.step;

-- Jan 15: a dips (2 < 0.6 x 4) and d is silent: both fire at once (fire_after 1), nudged
SELECT * FROM rule_evaluate_all('2026-01-16 23:00+00', '{t_dip}');
SELECT * FROM t_alerts;
SELECT * FROM t_contacts;
SELECT channel, learner, status, payload->>'step' AS step, payload->>'persisted' AS persisted
FROM alert_outbox ORDER BY id;
-- the same evaluation again: nothing new, nothing changed
CREATE TEMP TABLE before AS SELECT * FROM alert;
SELECT * FROM rule_evaluate('t_dip', '2026-01-16 23:00+00');
SELECT count(*) AS changed FROM (SELECT * FROM alert EXCEPT SELECT * FROM before) x;
SELECT count(*) AS contacts, (SELECT count(*) FROM alert_outbox) AS messages FROM alert_contact;

-- Jan 16: a is back above the threshold (resolved, its nudge re-engaged); d's nudge failed: a quick tip
SELECT * FROM rule_evaluate('t_dip', '2026-01-17 23:00+00');
SELECT * FROM t_alerts;
SELECT * FROM t_contacts;

-- Jan 17: a dips again but is in its 7-day cooldown; d has persisted 3 days: escalated, and after
-- two failed automated contacts the coach is required
SELECT * FROM rule_evaluate('t_dip', '2026-01-18 23:00+00');
SELECT * FROM t_alerts;
SELECT * FROM t_contacts;

-- a shorter cooldown (a new rule version): a fires again on the 19th, already persisted 3 days
UPDATE alert_rule SET cooldown_days = 1 WHERE name = 't_dip';
SELECT * FROM rule_evaluate('t_dip', '2026-01-20 23:00+00');
SELECT learner, rule_version, status, severity, opened_on, persisted, closed_on FROM t_alerts;
SELECT * FROM t_contacts;
-- one open case per learner, whatever happens
SELECT learner, count(*) FROM alert WHERE closed_at IS NULL GROUP BY 1 HAVING count(*) > 1;

-- a fresh evaluation of the same state (alerts gone) gives the same alerts: nothing depends on the
-- time the evaluation ran, only on the day evaluated
DELETE FROM alert_outbox; DELETE FROM alert;
SELECT * FROM rule_evaluate('t_dip', '2026-01-20 23:00+00');
SELECT learner, status, severity, opened_on, persisted FROM t_alerts;

-- bad calls
SELECT * FROM rule_evaluate('no_such_rule');
SELECT * FROM rule_evaluate('t_dip', 'infinity');

DROP VIEW t_alerts, t_contacts;
DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name = 't_dip';
DELETE FROM enrolment; DELETE FROM learner_engagement;
DROP TABLE act;
