--
-- delivery: the outbox, claimed with SKIP LOCKED, sent, retried with backoff, dead-lettered; NOTIFY
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
INSERT INTO enrolment (learner, course, enrolled_at) VALUES ('o1', 'c5', '2026-01-01'), ('o2', 'c5', '2026-01-01');
INSERT INTO assignment VALUES ('c5', 'hw', '2026-01-05 09:00+00');
UPDATE alert_channel SET max_attempts = 2, retry_backoff = '1 hour' WHERE name = 'email_reminder';
SELECT name FROM rule_copy('assignment_miss', 't_out', '{"course": "c5"}');
SELECT opened, contacts FROM rule_evaluate('t_out', '2026-01-09 12:00+00');
SELECT channel, learner, status, attempts, payload->>'rule' AS rule, payload->>'step' AS step,
       payload->>'persisted' AS persisted, payload->'detail'->>'assignment' AS assignment
FROM alert_outbox ORDER BY learner;

-- a consumer claims one message; a second consumer gets the other, never the same one
CREATE TEMP TABLE c1 AS SELECT * FROM outbox_claim('sender-1', 1);
CREATE TEMP TABLE c2 AS SELECT * FROM outbox_claim('sender-2', 5);
SELECT (SELECT count(*) FROM c1) AS first, (SELECT count(*) FROM c2) AS second,
       (SELECT count(*) FROM c1 JOIN c2 USING (id)) AS both_got;
SELECT count(*) AS left_to_claim FROM outbox_claim('sender-3', 5);
-- sent: only by its claimer
SELECT outbox_mark_sent((SELECT id FROM c1), 'sender-2') AS by_other, outbox_mark_sent((SELECT id FROM c1), 'sender-1') AS by_claimer;
SELECT outbox_mark_sent((SELECT id FROM c1)) AS twice;
-- the other fails: retried after the backoff, then dead-lettered after max_attempts (2)
SELECT outbox_mark_failed((SELECT id FROM c2), 'smtp 451');
SELECT status, attempts, available_at > now() AS backing_off, last_error FROM alert_outbox WHERE id = (SELECT id FROM c2);
SELECT count(*) AS claimable_during_backoff FROM outbox_claim('sender-1', 5);
UPDATE alert_outbox SET available_at = now() WHERE id = (SELECT id FROM c2);
SELECT id = (SELECT id FROM c2) AS same_message, attempts FROM outbox_claim('sender-1', 5);
SELECT outbox_mark_failed((SELECT id FROM c2), 'smtp 550');
SELECT learner, channel, attempts, last_error FROM alert_outbox_dead_letter;
SELECT count(*) AS claimable FROM outbox_claim('sender-1', 5);
SELECT outbox_retry_dead((SELECT id FROM c2));
-- an expired lease is claimable again
SELECT count(*) FROM outbox_claim('sender-1', 5, lease => '1 millisecond');
SELECT pg_sleep(0.01);
SELECT claimed_by, attempts FROM outbox_claim('sender-2', 5);
-- channel filter
SELECT count(*) FROM outbox_claim('sender-1', 5, '{sms}');
SELECT status, count(*) FROM alert_outbox GROUP BY 1 ORDER BY 1;
-- bad calls
SELECT * FROM outbox_claim('x', 0);
SELECT * FROM outbox_claim(NULL);

UPDATE alert_channel SET max_attempts = 5, retry_backoff = '1 minute' WHERE name = 'email_reminder';
DROP TABLE c1, c2;
DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM alert_rule WHERE name = 't_out';
DELETE FROM assignment; DELETE FROM enrolment;
