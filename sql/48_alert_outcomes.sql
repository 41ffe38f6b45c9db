--
-- contact outcomes derived from what happened, the ladder per case (one contact at a time),
-- recorded outcomes, stale messages, dismiss and snooze, the assignment window, effectiveness and
-- weekly operations. Cases and contacts are built by hand (no evaluation): every expected outcome
-- and day below is computed by hand from the data and the rules in doc/alerts.md.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE la_t48_admin IN ROLE learnalytics_admin;
CREATE ROLE la_t48_viewer IN ROLE learnalytics_viewer;
GRANT CREATE ON SCHEMA public TO la_t48_admin;

-- course k1, everyone enrolled Feb 1; l3 leaves Mar 3 10:00 UTC, l6 Mar 2 18:00 UTC (the day after
-- its contact), l8 Mar 4 23:30 UTC = Mar 5 00:30 in Berlin
INSERT INTO enrolment (learner, course, enrolled_at, left_at)
SELECT l, 'k1', '2026-02-01', CASE l WHEN 'l3' THEN timestamptz '2026-03-03 10:00+00'
                                     WHEN 'l6' THEN '2026-03-02 18:00+00'
                                     WHEN 'l8' THEN '2026-03-04 23:30+00' END
FROM unnest('{l1,l2,l3,l4,l5,l6,l7,l8,l9}'::text[]) l;
CREATE TABLE t48_act (learner_id text, ts timestamptz);
INSERT INTO t48_act VALUES
  ('l1', '2026-02-20 10:00+00'), ('l1', '2026-03-03 10:00+00'),   -- active inside the window
  ('l2', '2026-03-01 10:00+00'),                                  -- only on the contact day
  ('l3', '2026-03-02 10:00+00'),                                  -- active, then leaves
  ('l4', '2026-03-05 10:00+00'),                                  -- active after the window
  ('l5', '2026-03-02 09:00+00'),                                  -- active: human contacts ignore it
  ('l6', '2026-03-02 09:00+00'),                                  -- active the day it leaves
  ('l8', '2026-03-02 09:00+00'),                                  -- active, leaves after the window
  ('m2', '2026-03-03 12:00+00'),                                  -- (section 3)
  ('b2', '2026-04-04 11:00+00');                                  -- (section 8)
-- a source of its own; no other source has summaries of these learners (their events would count)
SELECT engagement_refresh('t48_act', source_name => 't48');
SELECT count(*) AS other_summaries FROM learner_engagement
WHERE source <> 't48' AND learner IN (SELECT learner_id FROM t48_act UNION SELECT unnest('{l5,l7,l9,m1,m3,m4,b1,b3}'::text[]));
-- lead rules: reengage_days 3, so a contact on Mar 1 has the window (Mar 1, Mar 4]
SELECT name FROM rule_copy('inactivity', 't48', '{"course": "k1"}');
SELECT name FROM rule_copy('inactivity', 't48_berlin', '{"course": "k1", "tz": "Europe/Berlin"}');
UPDATE alert_rule SET reengage_days = 3 WHERE name IN ('t48', 't48_berlin');
SELECT name, tz, reengage_days, fire_after, ladder, ladder_after, automated_before_human
FROM alert_rule WHERE name LIKE 't48%' ORDER BY name;

CREATE FUNCTION pg_temp.t48_case(learner text, opened date, rule text DEFAULT 't48') RETURNS bigint
LANGUAGE sql AS $$
  WITH a AS (
    INSERT INTO alert (rule_name, rule_version, family, template, learner, course, severity, opened_on,
                       evaluated_on, persisted, risk_score)
    VALUES (rule, 1, 'inactivity', 'inactivity', learner, 'k1', 'medium', opened, opened, 1, 2) RETURNING id),
  r AS (
    INSERT INTO alert_reason (alert_id, rule_name, rule_version, family, template, course, severity, first_on,
                              evaluated_on, persisted, risk_score)
    SELECT a.id, rule, 1, 'inactivity', 'inactivity', 'k1', 'medium', opened, opened, 1, 2 FROM a)
  SELECT id FROM a $$;
CREATE VIEW t48_contacts AS
SELECT a.learner, c.step, c.channel, c.kind, c.contacted_on, c.outcome, c.outcome_on, c.recorded_by
FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.rule_name LIKE 't48%'
ORDER BY a.learner, c.step;

-- an error as its SQLSTATE and message, case and contact ids masked (they depend on earlier tests)
CREATE FUNCTION pg_temp.t48_try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || regexp_replace(SQLERRM, '(alert|contact) -?[0-9]+', '\1 N', 'g');
END $$;

-- 1. Outcomes. One contact per learner on Mar 1 (l5 and l7: a coach call), evaluated day by day;
-- each contact's outcome, its outcome_on and the first day it was decided, against the hand-made
-- expectation:
--   l1 re_engaged  on Mar 4, decided Mar 4  (events Mar 3, in the window, still enrolled)
--   l2 no_response on Mar 4, decided Mar 4  (events only on the contact day, which is not after it)
--   l3 withdrew    on Mar 3, decided Mar 3  (left Mar 3, although active Mar 2)
--   l4 no_response on Mar 4, decided Mar 4  (active Mar 5: after the window)
--   l5 timed_out   on Mar 15 = Mar 1 + 14 (coach_call's outcome_timeout_days), decided Mar 15:
--      a human contact is not failed the next day, nor while the coach may still record it
--   l6 withdrew    on Mar 2, decided Mar 2  (a dropout the day after the contact, active that
--      day: withdrew, NOT re_engaged)
--   l7 re_engaged  recorded by the coach on Mar 5 (recorded_by la_t48_admin), never timed out
--   l8 re_engaged  on Mar 4 (rule in Berlin: left on Mar 5 there, after the window; in UTC it
--      would have been withdrew on Mar 4)
--   l9 no_response on Mar 4 (no engagement summary at all)
SELECT count(*) AS cases FROM (SELECT pg_temp.t48_case(l, '2026-03-01', CASE l WHEN 'l8' THEN 't48_berlin' ELSE 't48' END)
                                 FROM unnest('{l1,l2,l3,l4,l5,l6,l7,l8,l9}'::text[]) l) x;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 1, CASE WHEN learner IN ('l5', 'l7') THEN 'coach_call' ELSE 'email_reminder' END,
       CASE WHEN learner IN ('l5', 'l7') THEN 'human' ELSE 'automated' END, '2026-03-01'
FROM alert WHERE rule_name LIKE 't48%';
CREATE TEMP TABLE t48_decided (learner text, outcome text, outcome_on date, decided_on date);
DO $$
DECLARE d date;
BEGIN
  FOR d IN SELECT g::date FROM generate_series(date '2026-03-01', '2026-03-20', '1 day') g LOOP
    IF d = '2026-03-05' THEN
      SET LOCAL ROLE la_t48_admin;
      PERFORM contact_record_outcome(c.id, 're_engaged', d)
         FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'l7';
      RESET ROLE;
    END IF;
    PERFORM learnalytics_internal.contact_outcomes_update(d);
    INSERT INTO t48_decided
    SELECT learner, outcome, outcome_on, d FROM t48_contacts
     WHERE outcome <> 'pending' AND learner NOT IN (SELECT learner FROM t48_decided);
  END LOOP;
END $$;
SELECT t.learner, t.outcome, t.outcome_on, t.decided_on, c.recorded_by FROM t48_decided t
JOIN t48_contacts c USING (learner) ORDER BY t.learner;
CREATE TEMP TABLE t48_expected (learner text, outcome text, outcome_on date, decided_on date);
INSERT INTO t48_expected VALUES
  ('l1', 're_engaged', '2026-03-04', '2026-03-04'), ('l2', 'no_response', '2026-03-04', '2026-03-04'),
  ('l3', 'withdrew', '2026-03-03', '2026-03-03'), ('l4', 'no_response', '2026-03-04', '2026-03-04'),
  ('l5', 'timed_out', '2026-03-15', '2026-03-15'), ('l6', 'withdrew', '2026-03-02', '2026-03-02'),
  ('l7', 're_engaged', '2026-03-05', '2026-03-05'), ('l8', 're_engaged', '2026-03-04', '2026-03-04'),
  ('l9', 'no_response', '2026-03-04', '2026-03-04');
SELECT 'missing' AS side, * FROM (TABLE t48_expected EXCEPT TABLE t48_decided) x
UNION ALL SELECT 'unexpected', * FROM (TABLE t48_decided EXCEPT TABLE t48_expected) y;
-- decided once: a second pass over the same day changes nothing
SELECT learnalytics_internal.contact_outcomes_update('2026-03-20') AS again;
-- the time zone matters: the same l8 contact under the UTC rule leaves on Mar 4, in the window
BEGIN;
UPDATE alert SET rule_name = 't48' WHERE learner = 'l8';
UPDATE alert_contact SET outcome = 'pending', outcome_on = NULL
 WHERE alert_id = (SELECT id FROM alert WHERE learner = 'l8');
SELECT learnalytics_internal.contact_outcomes_update('2026-03-04') AS decided;
SELECT learner, outcome, outcome_on FROM t48_contacts WHERE learner = 'l8';
ROLLBACK;

-- 2. Recorded outcomes and their errors
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, 'maybe') FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'l5'$$);
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, NULL) FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'l5'$$);
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(-1, 're_engaged')$$);
-- l5 timed out: final
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, 're_engaged', '2026-03-16') FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = 'l5'$$);
-- an automated contact's outcome is derived: only cancelled may be recorded (and only while pending);
-- l2's first case closed on Mar 5, a second opens on Mar 10 with a reminder
UPDATE alert SET status = 'resolved', close_reason = 'condition_cleared', closed_on = '2026-03-05', closed_at = now()
 WHERE learner = 'l2';
SELECT pg_temp.t48_case('l2', '2026-03-10') IS NOT NULL AS second_case_of_l2;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT max(id), 1, 'email_reminder', 'automated', '2026-03-10' FROM alert WHERE learner = 'l2';
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, 're_engaged', '2026-03-11')
FROM alert_contact c WHERE c.alert_id = (SELECT max(id) FROM alert WHERE learner = 'l2')$$);
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, 'cancelled', '2026-03-09')
FROM alert_contact c WHERE c.alert_id = (SELECT max(id) FROM alert WHERE learner = 'l2')$$);
SELECT pg_temp.t48_try($$SELECT contact_record_outcome(c.id, 'cancelled', '2026-03-11')
FROM alert_contact c WHERE c.alert_id = (SELECT max(id) FROM alert WHERE learner = 'l2')$$);
\set VERBOSITY terse
SELECT learner, step, outcome, outcome_on, recorded_by = current_user AS by_me FROM t48_contacts
WHERE learner = 'l2' ORDER BY contacted_on;
-- a viewer may not record
SET ROLE la_t48_viewer;
SELECT contact_record_outcome(1, 'cancelled');
RESET ROLE;
DELETE FROM alert WHERE rule_name LIKE 't48%';

-- 3. The ladder per case, one contact at a time (t48: email_reminder / 1, email / 4,
-- coach_outreach / 7; automated_before_human 2; reengage_days 3; fire_after 1, so age = day -
-- opened_on + 1). Cases open Mar 1:
--   m1 never responds: email_reminder Mar 1 (no_response Mar 4), email Mar 4 (age 4; no_response
--      Mar 7), coach_outreach Mar 7 (age 7, two failed automated contacts): coach_required, high
--   m2 active Mar 3: re-engaged on Mar 4, no further step
--   m3 snoozed on Mar 3 until Mar 9: its reminder of Mar 1 fails on Mar 4, the e-mail waits for Mar 9
--   m4 a second reason (t48_berlin) on the case: its payload names both reasons
INSERT INTO enrolment (learner, course, enrolled_at) SELECT l, 'k1', '2026-02-01' FROM unnest('{m1,m2,m3,m4}'::text[]) l;
SELECT count(*) AS cases FROM (SELECT pg_temp.t48_case(l, '2026-03-01') FROM unnest('{m1,m2,m3,m4}'::text[]) l) x;
INSERT INTO alert_reason (alert_id, rule_name, rule_version, family, template, course, severity, first_on, evaluated_on, persisted, risk_score)
SELECT id, 't48_berlin', 1, 'inactivity', 'inactivity', 'k1', 'medium', '2026-03-01', '2026-03-01', 1, 2 FROM alert WHERE learner = 'm4';
CREATE TEMP TABLE t48_days (day date, outcomes integer, contacts integer);
CREATE FUNCTION pg_temp.t48_days(from_day date, to_day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d date;
BEGIN
  FOR d IN SELECT g::date FROM generate_series(from_day, to_day, '1 day') g LOOP
    INSERT INTO t48_days SELECT d, learnalytics_internal.contact_outcomes_update(d),
                                learnalytics_internal.ladder_advance((SELECT r FROM alert_rule r WHERE r.name = 't48'), d);
    -- the same evaluation again takes no step
    IF learnalytics_internal.ladder_advance((SELECT r FROM alert_rule r WHERE r.name = 't48'), d) <> 0 THEN
      RAISE EXCEPTION 'ladder not idempotent on %', d;
    END IF;
  END LOOP;
END $$;
SELECT pg_temp.t48_days('2026-03-01', '2026-03-03');
SELECT id AS m3 FROM alert_snooze((SELECT id FROM alert WHERE learner = 'm3'), '2026-03-09', 'exam week') \gset
SELECT learner, snoozed_until, snooze_note FROM alert WHERE id = :m3;
SELECT pg_temp.t48_days('2026-03-04', '2026-03-10');
SELECT * FROM t48_days WHERE outcomes + contacts > 0 ORDER BY day;
SELECT learner, step, channel, kind, contacted_on, outcome, outcome_on FROM t48_contacts WHERE learner LIKE 'm%';
-- never two pending contacts on a case
SELECT count(*) AS cases_with_two_pending FROM (
  SELECT alert_id FROM alert_contact WHERE outcome = 'pending' GROUP BY alert_id HAVING count(*) > 1) x;
SELECT learner, status, severity FROM alert WHERE learner LIKE 'm%' ORDER BY learner;
SELECT a.learner, o.channel, o.payload->>'step' AS step, o.payload->>'day' AS day, o.payload->'reasons' AS reasons
FROM alert_outbox o JOIN alert a ON a.id = o.alert_id ORDER BY a.learner, o.id;
-- effectiveness: per lead rule, step, channel, kind; rate = re_engaged / decided
SELECT * FROM alert_effectiveness WHERE rule_name = 't48' ORDER BY step;

-- 4. Stale messages are not delivered. The reminders of m1, m2 and m4 went out; m1's and m4's
-- e-mails of Mar 4 were not delivered before their outcome (no_response, Mar 7), nor m3's reminder;
-- m4's case resolves on Mar 6 with a message for a pending contact queued (by hand, step 4); m3's
-- e-mail of Mar 9 is live.
UPDATE alert SET status = 'resolved', close_reason = 'condition_cleared', closed_on = '2026-03-06', closed_at = now()
 WHERE learner = 'm4';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 4, 'email', 'automated', '2026-03-06' FROM alert WHERE learner = 'm4';
INSERT INTO alert_outbox (channel, alert_id, contact_id, learner, payload)
SELECT 'email', c.alert_id, c.id, 'm4', '{"step": 4}' FROM alert_contact c JOIN alert a ON a.id = c.alert_id
WHERE a.learner = 'm4' AND c.step = 4;
UPDATE alert_outbox SET status = 'sent', sent_at = now()
 WHERE alert_id IN (SELECT id FROM alert WHERE learner IN ('m1', 'm2', 'm4')) AND payload->>'step' = '1';
SELECT a.learner, o.payload->>'step' AS step, c.outcome AS contact, a.status AS "case" FROM alert_outbox o
JOIN alert a ON a.id = o.alert_id JOIN alert_contact c ON c.id = o.contact_id WHERE o.status = 'pending' ORDER BY a.learner, o.id;
-- only m3's e-mail is handed out; the others are cancelled
SELECT a.learner, o.channel, o.payload->>'step' AS step FROM outbox_claim('t48-sender', 10) o JOIN alert a ON a.id = o.alert_id;
SELECT a.learner, o.payload->>'step' AS step, o.status, o.last_error, c.outcome AS contact, c.outcome_on
FROM alert_outbox o JOIN alert a ON a.id = o.alert_id JOIN alert_contact c ON c.id = o.contact_id
WHERE o.status IN ('cancelled', 'claimed') ORDER BY a.learner, o.id;
SELECT count(*) AS claimable FROM outbox_claim('t48-sender', 10);
-- m3's e-mail fails: back in the queue for a retry
SELECT outbox_mark_failed(o.id, 'smtp 451', 't48-sender') FROM alert_outbox o WHERE o.alert_id = :m3 AND o.status = 'claimed';

-- 5. Dismiss and snooze, as an admin, with a reason; their errors
SET ROLE la_t48_admin;
SELECT learner, status, close_reason, close_note, closed_by, closed_on
FROM alert_dismiss(:m3, '  on sick leave, agreed with the manager ', '2026-03-10');
-- its e-mail waiting for a retry is cancelled, and so is its pending contact (on the dismissal day)
SELECT o.status, o.last_error, c.outcome, c.outcome_on FROM alert_outbox o JOIN alert_contact c ON c.id = o.contact_id
WHERE o.alert_id = :m3 AND c.step = 2;
\set VERBOSITY default
SELECT pg_temp.t48_try($$SELECT alert_dismiss((SELECT id FROM alert WHERE learner = 'm3'), 'again')$$);
SELECT pg_temp.t48_try($$SELECT alert_snooze((SELECT id FROM alert WHERE learner = 'm3'), '2026-04-01', 'later')$$);
SELECT pg_temp.t48_try($$SELECT alert_dismiss(-1, 'nobody')$$);
SELECT pg_temp.t48_try($$SELECT alert_dismiss((SELECT id FROM alert WHERE learner = 'm1'), '   ')$$);
SELECT pg_temp.t48_try($$SELECT alert_snooze((SELECT id FROM alert WHERE learner = 'm1'), '2026-04-01', NULL)$$);
SELECT pg_temp.t48_try($$SELECT alert_dismiss((SELECT id FROM alert WHERE learner = 'm1'), 'too early', '2026-02-01')$$);
\set VERBOSITY terse
-- lifting a snooze: NULL
SELECT learner, snoozed_until, snooze_note FROM alert_snooze((SELECT id FROM alert WHERE learner = 'm1'), NULL, 'back from leave');
RESET ROLE;
SET ROLE la_t48_viewer;
SELECT alert_dismiss(1, 'no right');
RESET ROLE;
DELETE FROM alert_outbox; DELETE FROM alert WHERE rule_name LIKE 't48%';

-- 6. Weekly operations: a calendar of weeks. A case opened Mon Mar 2 with a contact that day, and one
-- opened Wed Mar 18 with a coach call: the week of Mar 9 is there with zeros.
SELECT count(*) FROM (SELECT pg_temp.t48_case('l1', '2026-03-02'), pg_temp.t48_case('l2', '2026-03-18')) x;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT id, 1, 'email_reminder', 'automated', opened_on, 'withdrew', opened_on + 1 FROM alert WHERE learner = 'l1';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 1, 'coach_call', 'human', opened_on FROM alert WHERE learner = 'l2';
UPDATE alert SET status = 'coach_required' WHERE learner = 'l2';
INSERT INTO coach (name, capacity) VALUES ('t48_kim', 12), ('t48_lee', 3);
SELECT week, alerts_raised, learners_alerted, contacts, re_engaged, withdrew, no_response, not_re_engaged,
       timed_out, cancelled, pending, escalated_to_humans, coach_cases, coach_capacity, coach_backlog_now
FROM weekly_alert_operations ORDER BY week;
DELETE FROM coach WHERE name LIKE 't48%';
DELETE FROM alert WHERE rule_name LIKE 't48%';

-- 7. assignment_miss: assignments overdue 1 to window_days days, cleared by a submission.
-- hw1 due Mar 2, hw2 due Mar 10; a1 submits hw1 on Mar 5, a2 never submits.
SELECT name, window_days, fire_after, ladder, ladder_after, automated_before_human FROM alert_rule WHERE name = 'assignment_miss';
SELECT name FROM rule_copy('assignment_miss', 't48_hw', '{"course": "k2", "window_days": 5}');
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('a1', 'k2', '2026-02-01'), ('a2', 'k2', '2026-02-01');
INSERT INTO assignment VALUES ('k2', 'hw1', '2026-03-02 09:00+00'), ('k2', 'hw2', '2026-03-10 09:00+00');
INSERT INTO assignment_submission VALUES ('k2', 'hw1', 'a1', '2026-03-05 08:00+00');
-- a2: hw1 overdue 1..5 on Mar 3..7, nothing Mar 8..10, hw2 overdue 1..5 on Mar 11..15, then nothing;
-- a1: hw1 overdue on Mar 3, 4 only (submitted Mar 5), then hw2 like a2
SELECT d::date AS day, m.learner, m.persisted, m.detail->>'assignment' AS assignment
FROM generate_series(date '2026-03-02', '2026-03-17', '1 day') d, rule_matches('t48_hw', d::date) m
ORDER BY m.learner, d;

-- 8. End to end through rule_evaluate (the ladder by days overdue, the shipped assignment_miss
-- settings but its course). hw3 due Apr 1 09:00 UTC; b1 never submits; b2 submits on Apr 4 (3 days
-- overdue) and is active that day; b3 leaves on Apr 4. Evaluated every morning for the day before.
--   b1: case opens Apr 3 (2 days overdue) with the e-mail reminder; no_response Apr 4 (reengage_days
--       1); SMS Apr 6 (5 overdue); no_response Apr 7; coach call Apr 7, the day the SMS failed (6
--       overdue, 2 failed automated contacts): coach_required. hw3 leaves the 14-day window on Apr 16
--       (15 overdue): the case resolves; the call, unrecorded, times out on Apr 21 = Apr 7 + 14.
--   b2: case opens Apr 3, resolves Apr 4 (submitted); its reminder re_engaged on Apr 4 (active Apr 4).
--   b3: case opens Apr 3, closes withdrew Apr 4; its reminder withdrew on Apr 4.
SELECT name FROM rule_copy('assignment_miss', 't48_hw3', '{"course": "k3"}');
INSERT INTO enrolment (learner, course, enrolled_at, left_at) VALUES
  ('b1', 'k3', '2026-03-01', NULL), ('b2', 'k3', '2026-03-01', NULL), ('b3', 'k3', '2026-03-01', '2026-04-04 12:00+00');
INSERT INTO assignment VALUES ('k3', 'hw3', '2026-04-01 09:00+00');
INSERT INTO assignment_submission VALUES ('k3', 'hw3', 'b2', '2026-04-04 10:00+00');
CREATE TEMP TABLE t48_e2e AS
SELECT d::date AS day, e.opened, e.resolved, e.contacts
FROM generate_series(date '2026-04-01', '2026-04-22', '1 day') d,
     LATERAL rule_evaluate('t48_hw3', (d::date + 1)::timestamp AT TIME ZONE 'UTC' + interval '8 hours') e;
SELECT * FROM t48_e2e WHERE opened + resolved + contacts > 0 ORDER BY day;
SELECT learner, status, severity, opened_on, closed_on, close_reason FROM alert WHERE rule_name = 't48_hw3' ORDER BY learner;
SELECT learner, step, channel, kind, contacted_on, outcome, outcome_on FROM t48_contacts WHERE learner LIKE 'b%';

DELETE FROM alert_outbox; DELETE FROM alert WHERE rule_name LIKE 't48%';
DELETE FROM alert_rule WHERE name LIKE 't48%';
DELETE FROM assignment_submission; DELETE FROM assignment; DELETE FROM enrolment;
DELETE FROM learner_engagement WHERE source = 't48'; DELETE FROM engagement_source WHERE name = 't48';
DROP TABLE t48_act;
REVOKE CREATE ON SCHEMA public FROM la_t48_admin;
DROP ROLE la_t48_admin, la_t48_viewer;
