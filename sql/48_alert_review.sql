--
-- Defects a review of the alert loop found (issue 15), each with the behaviour now expected, on
-- hand-built cases: a contact a sender could not deliver (cancelled) lets the ladder go on; a
-- snoozed case's queued messages wait; retention cancels the messages of the cases it deletes
-- instead of leaving them, without their case, to be delivered; no dismissal or outcome on a day
-- to come. The ladder is called directly on one rule; days are worked out by hand.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
INSERT INTO alert_channel (name, kind) VALUES ('t48v_a', 'automated'), ('t48v_b', 'automated');
INSERT INTO alert_rule (name, template, enabled, window_days, fire_after, escalate_after, ladder, ladder_after,
                        reengage_days)
VALUES ('t48v', 'inactivity', false, 30, 1, 10, '{t48v_a,t48v_b}', '{1,2}', 1);
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, severity, opened_on, evaluated_on,
                   persisted, risk_score)
SELECT 't48v', 1, 't48v', 'inactivity', l, 'c1', 'low', '2026-03-01', '2026-03-01', 1, 1
FROM unnest('{V1,V2,V3}'::text[]) l;
CREATE FUNCTION pg_temp.t48v_ladder(day date) RETURNS integer LANGUAGE sql AS
$$ SELECT learnalytics_internal.ladder_advance(r, day) FROM alert_rule r WHERE r.name = 't48v' $$;
CREATE FUNCTION pg_temp.t48v_claim() RETURNS TABLE (learner text, channel text) LANGUAGE sql AS
$$ SELECT o.learner, o.channel FROM outbox_claim('t48v-sender', 100, '{t48v_a,t48v_b}') o ORDER BY 1, 2 $$;

-- step 1 for the three cases on Mar 1
SELECT pg_temp.t48v_ladder('2026-03-01') AS contacts_mar_1;

-- 1. V1's message could not be delivered: the sender records cancelled. On Mar 2 (age 2 >=
--    ladder_after[2] = 2) the ladder tries the next channel; a pending contact (V2, V3) waits.
SELECT contact_record_outcome(c.id, 'cancelled', '2026-03-01')
  FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'V1';
SELECT pg_temp.t48v_ladder('2026-03-02') AS contacts_mar_2;
SELECT a.learner, c.step, c.channel, c.contacted_on, c.outcome
  FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name = 't48v' ORDER BY 1, 2;

-- 2. V2 is snoozed until a day far ahead: its queued message waits; V1's step 2 and V3's go out
SELECT status, snoozed_until FROM alert_snooze((SELECT id FROM alert WHERE learner = 'V2'), '2999-01-01', 'on sick leave');
SELECT * FROM pg_temp.t48v_claim();
-- the snooze lifted: V2's message is claimed
SELECT snoozed_until FROM alert_snooze((SELECT id FROM alert WHERE learner = 'V2'), NULL, 'back at work');
SELECT * FROM pg_temp.t48v_claim();

-- 3. retention: V3's case closed with a new message still pending (requeued by hand);
--    alert_prune deletes the case and cancels the message first (it would otherwise lose its
--    alert_id and be delivered as one queued by hand)
--    (closed long ago, so that the cut-off prunes no other test's case)
UPDATE alert SET status = 'resolved', close_reason = 'condition_cleared', closed_on = '2000-03-05',
                 closed_at = '2000-03-05 10:00+00' WHERE learner = 'V3';
UPDATE alert_outbox SET status = 'pending', claimed_until = NULL WHERE learner = 'V3';
SELECT learnalytics_internal.alert_prune('2000-04-01') AS pruned;
SELECT learner, alert_id IS NULL AS case_deleted, status, last_error FROM alert_outbox WHERE learner = 'V3';
SELECT count(*) AS claimed FROM pg_temp.t48v_claim();

-- 4. no day to come (the error names the day: only its SQLSTATE is shown, 22023)
\set VERBOSITY sqlstate
SELECT alert_dismiss((SELECT id FROM alert WHERE learner = 'V2'), 'spoke to the learner', current_date + 1);
SELECT contact_record_outcome(c.id, 'cancelled', current_date + 1)
  FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'V2';
\set VERBOSITY default
SELECT status FROM alert WHERE learner = 'V2';

-- clean up
DELETE FROM alert_outbox WHERE learner IN ('V1', 'V2', 'V3');
DELETE FROM alert WHERE rule_name = 't48v';
DELETE FROM alert_rule WHERE name = 't48v';
DELETE FROM alert_channel WHERE name IN ('t48v_a', 't48v_b');
