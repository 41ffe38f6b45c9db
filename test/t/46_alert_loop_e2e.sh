#!/usr/bin/env bash
# The alert loop end to end, against a known ground truth: the specification of the loop
# (doc/alerts.md, "Lifecycle").
#
# A synthetic cohort of two courses lives 60 days (2026-01-05, a Monday, to 2026-03-05). Each
# learner follows a script (table world.learner): steady learners, dropouts, learners who go quiet
# and come back the day a nudge is delivered to them (or at the second one), who withdraw when
# nudged, who never respond and are called by a coach, who miss an assignment and submit it, who
# relapse within the cooldown. The script reacts to what really happened: a quiet learner's events
# resume on the day the simulated sender delivered the message, only if it did; a coach acts on the
# cases assigned to them. Day by day, as production would run it:
#   1. the world: coaches record the outcomes of their calls (contact_record_outcome), learners
#      leave, act (events) and submit;
#   2. engagement_refresh of the activity table (a named source, refreshed incrementally);
#   3. rule_evaluate_all(as_of => the next midnight): the day just completed;
#   4. coach_assign_cases(day) with two course coaches of limited capacity (one with a daily intake);
#   5. the sender, early the next day: outbox_claim, then outbox_mark_sent, or outbox_mark_failed
#      for some messages' first attempt (they are retried the next day);
#   6. rule_evaluate_all again at 08:00 the next day, as a schedule every 15 minutes would: the same
#      complete day, so nothing changes.
# outbox_claim compares available_at with now(), the wall clock: to let a simulated day pass, the
# sender first moves the available_at of pending messages back by one day (so a message that failed
# is available again the next simulated day, whatever the real time between the two claims).
#
# The ground truth (schema truth) is derived from the scripts alone, with plain SQL that reads no
# table of the engine: which cases open and close, when and how, every contact and its outcome,
# which coach takes whom and when. At the end the engine's views (alert_effectiveness,
# course_dropout_funnel, weekly_alert_operations), its cases, reasons, contacts, coach assignments,
# queue and outbox must equal it exactly; a mismatch prints both sides.
#
# Learning data comes from the warehouse's own tables through learning_source, with renamed
# columns. The test runs in a database of its own (no other test's rules, alerts or coaches).
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"

db=la_alert_loop_e2e
drop_db() { psql -X -q -d "$LA_DB" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; }
drop_db
la_t_cleanup_add drop_db
psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -c "CREATE DATABASE $db" || exit 1
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
q -c "CREATE SCHEMA learnalytics; CREATE EXTENSION learnalytics SCHEMA learnalytics;" || exit 1

# ---- the world: warehouse tables, rules, coaches, scripts ---------------------------------------
q <<'SQL' || exit 1
SET search_path = public, learnalytics;
-- day n of the simulation is the date day0 + n (n = 1 .. 60)
CREATE FUNCTION d(n integer) RETURNS date LANGUAGE sql IMMUTABLE AS $$ SELECT date '2026-01-04' + n $$;
CREATE FUNCTION at_utc(n integer, t time) RETURNS timestamptz LANGUAGE sql IMMUTABLE
AS $$ SELECT (date '2026-01-04' + n + t) AT TIME ZONE 'UTC' $$;

-- The warehouse's own tables, mapped onto the engine's kinds through learning_source.
CREATE TABLE wh_enrolment (student text, course_code text, start_ts timestamptz, end_ts timestamptz, value numeric);
CREATE TABLE wh_progress (student text, course_code text, unit text, started_ts timestamptz, done numeric,
                          last_ts timestamptz);
CREATE TABLE wh_task (course_code text, task text, due_ts timestamptz);
CREATE TABLE wh_submission (course_code text, task text, student text, submitted_ts timestamptz);
CREATE TABLE activity (learner_id text, ts timestamptz);
INSERT INTO learning_source (kind, relation, columns) VALUES
  ('enrolment', 'wh_enrolment', '{"learner": "student", "course": "course_code", "enrolled_at": "start_ts",
                                  "left_at": "end_ts", "business_weight": "value"}'),
  ('module_progress', 'wh_progress', '{"learner": "student", "course": "course_code", "module": "unit",
                                       "started_at": "started_ts", "progress": "done", "last_activity_at": "last_ts"}'),
  ('assignment', 'wh_task', '{"course": "course_code", "assignment": "task", "due_at": "due_ts"}'),
  ('assignment_submission', 'wh_submission', '{"course": "course_code", "assignment": "task", "learner": "student",
                                               "submitted_at": "submitted_ts"}');

-- The rules the loop runs (every other rule is a disabled built-in one).
--   e2e_quiet: no activity for 3 days; nudge when it opens, e-mail at 3 days, coach call at 5, a
--   contact re-engages when the learner is active within 2 days; cooldown 7 days.
--   e2e_task: an assignment 2 days overdue; e-mail reminder, SMS and coach call at 5 days.
-- Evaluated in name order: e2e_quiet, then e2e_task.
INSERT INTO alert_rule (name, family, template, enabled, window_days, fire_after, escalate_after, severity,
                        escalated_severity, cooldown_days, ladder, ladder_after, automated_before_human,
                        reengage_days, tz, description)
VALUES ('e2e_quiet', 'inactivity', 'inactivity', true, 3, 1, 10, 'medium', 'high', 7,
        '{in_app_nudge,email,coach_call}', '{1,3,5}', 2, 2, 'UTC', 'e2e: quiet for 3 days'),
       ('e2e_task', 'assignment', 'assignment_miss', true,
        CASE WHEN (SELECT 'window_days' = ANY (parameters) FROM alert_template WHERE name = 'assignment_miss') THEN 14 END,
        2, 5, 'medium', 'high', 3, '{email_reminder,sms,coach_call}', '{2,5,5}', 2, 2, 'UTC',
        'e2e: an assignment 2 days overdue');
-- Ann coaches course c1 (2 open cases at most), Bob course c2 (2 open cases, 1 new case a day).
INSERT INTO coach (name, capacity, course, daily_intake) VALUES ('e2e_ann', 2, 'c1', NULL), ('e2e_bob', 2, 'c2', 1);

-- One assignment, in c1, due on day 14.
INSERT INTO wh_task VALUES ('c1', 'a1', at_utc(14, '23:00'));

CREATE SCHEMA world;
-- The scripts. kind:
--   steady        active every day
--   dropout       active until leave_on - 1, leaves on leave_on
--   nudge         active until quiet_after, then again from the day the first message after it is
--                 delivered (relapse_after: active that many days, then quiet again, and back when
--                 the next message after that is delivered)
--   nudge2        the same, at the second delivered message
--   leave         quiet after quiet_after; leaves the day the first message after it is delivered
--   coach         quiet after quiet_after until a coach call records re_engaged (coach_outcome),
--                 or leaves the day a coach records withdrew; the coach acts coach_lag days after
--                 the case is assigned to them (coach_outcome NULL: they never record anything)
--   never         quiet after quiet_after for good
-- fail_first: ladder steps whose message's first delivery attempt fails (retried the next day).
-- submit_on: the day a1 is submitted; submit_on_response: submitted the day the learner responds
-- (the day the first, for nudge2 the second, message is delivered). progress: modules m1..m4.
CREATE TABLE world.learner (
  learner text PRIMARY KEY, course text NOT NULL, kind text NOT NULL, weight numeric NOT NULL DEFAULT 1,
  quiet_after integer, relapse_after integer, leave_on integer, fail_first integer[] NOT NULL DEFAULT '{}',
  coach_outcome text, coach_lag integer, submit_on integer, submit_on_response boolean NOT NULL DEFAULT false,
  progress numeric[] NOT NULL DEFAULT '{}');
INSERT INTO world.learner (learner, course, kind, weight, quiet_after, relapse_after, leave_on, fail_first,
                           coach_outcome, coach_lag, submit_on, submit_on_response, progress)
SELECT v.learner, v.course, v.kind, v.weight, v.quiet_after, v.relapse_after, v.leave_on, v.fail_first::integer[],
       v.coach_outcome, v.coach_lag,
       -- everyone in c1 submits a1 on day 13 unless the script says otherwise
       CASE WHEN v.course = 'c1' AND NOT v.submit_on_response THEN coalesce(v.submit_on, 13) END,
       v.submit_on_response,
       -- progress patterns: complete, 62.5%, exactly 20%, 10%, not started
       v.progress::numeric[]
  FROM (VALUES
    -- learner  course kind       weight quiet relapse leave fail  coach_outcome     lag submit resp  progress
    ('c1_s01', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c1_s02', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,0.5,NULL}'),
    ('c1_s03', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c1_s04', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.4}'),
    ('c1_s05', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{}'),
    ('c1_s06', 'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c1_d1',  'c1', 'dropout',    1,    NULL, NULL,   21,   '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c1_r1',  'c1', 'nudge',      1,    8,    NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,0.5,NULL}'),
    ('c1_r2',  'c1', 'nudge',      1,    15,   NULL,   NULL, '{1}', NULL,            NULL, NULL, false, '{1,1,1,1}'),
    ('c1_r5',  'c1', 'nudge',      1,    40,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.4}'),
    ('c1_w1',  'c1', 'leave',      1,    12,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c1_q1',  'c1', 'nudge2',     1,    11,   NULL,   NULL, '{}', NULL,             NULL, NULL, true,  '{1,1,0.5,NULL}'),
    ('c1_a1',  'c1', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, true,  '{1,1,1,1}'),
    ('c1_a2',  'c1', 'steady',     1,    NULL, NULL,   NULL, '{1}', NULL,            NULL, 17,   false, '{0.4}'),
    ('c1_n1',  'c1', 'coach',      1,    20,   NULL,   NULL, '{}', 're_engaged',     3,    NULL, false, '{1,1,0.5,NULL}'),
    ('c1_n2',  'c1', 'coach',      1,    21,   NULL,   NULL, '{}', 'not_re_engaged', 1,    NULL, false, '{0.4}'),
    ('c1_n3',  'c1', 'coach',      1,    22,   NULL,   NULL, '{2}', 'withdrew',      1,    NULL, false, '{}'),
    ('c2_s01', 'c2', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c2_s02', 'c2', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c2_s03', 'c2', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,0.5,NULL}'),
    ('c2_s04', 'c2', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c2_s05', 'c2', 'steady',     1,    NULL, NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{}'),
    ('c2_d1',  'c2', 'dropout',    1,    NULL, NULL,   30,   '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c2_d2',  'c2', 'dropout',    1,    NULL, NULL,   9,    '{}', NULL,             NULL, NULL, false, '{}'),
    ('c2_r3',  'c2', 'nudge',      1,    22,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c2_r4',  'c2', 'nudge',      1,    30,   NULL,   NULL, '{1}', NULL,            NULL, NULL, false, '{1,1,0.5,NULL}'),
    ('c2_r6',  'c2', 'nudge',      1,    56,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.4}'),
    ('c2_p1',  'c2', 'nudge',      1,    5,    2,      NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}'),
    ('c2_w2',  'c2', 'leave',      1,    26,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.4}'),
    ('c2_b1',  'c2', 'coach',      100,  30,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{0.5,0.3}'),
    ('c2_b2',  'c2', 'coach',      1,    30,   NULL,   NULL, '{}', 're_engaged',     1,    NULL, false, '{1,1,0.5,NULL}'),
    ('c2_b3',  'c2', 'coach',      1,    36,   NULL,   NULL, '{1}', 'not_re_engaged', 1,   NULL, false, '{}'),
    ('c2_b4',  'c2', 'coach',      1,    42,   NULL,   NULL, '{}', 're_engaged',     1,    NULL, false, '{0.4}'),
    ('c2_n5',  'c2', 'never',      1,    54,   NULL,   NULL, '{}', NULL,             NULL, NULL, false, '{1,1,1,1}')
  ) v(learner, course, kind, weight, quiet_after, relapse_after, leave_on, fail_first, coach_outcome, coach_lag,
      submit_on, submit_on_response, progress);

-- What the world saw happen (written by the simulation, read by the scripts): deliveries by the
-- sender, coach calls.
CREATE TABLE world.delivery (outbox_id bigint, learner text, step integer, channel text, attempt integer,
                             result text, day integer);
CREATE TABLE world.coach_call (learner text, coach text, day integer, outcome text);
-- What the simulation found wrong on the way (checked empty at the end).
CREATE TABLE world.anomaly (day integer, what text);

-- The day the learner responds after being quiet since `since`: the day the k-th message after it
-- was delivered (nudge: 1st, nudge2: 2nd; leave: the 1st, they leave), or the coach's re_engaged call.
CREATE FUNCTION world.response_day(w world.learner, since integer, k integer) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN w.kind = 'coach' THEN
                (SELECT min(c.day) FROM world.coach_call c WHERE c.learner = w.learner AND c.outcome = 're_engaged')
              ELSE
                (SELECT x.day FROM world.delivery x WHERE x.learner = w.learner AND x.result = 'sent' AND x.day > since
                  ORDER BY x.day OFFSET k - 1 LIMIT 1) END
$$;
CREATE FUNCTION world.k(w world.learner) RETURNS integer LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE w.kind WHEN 'nudge2' THEN 2 ELSE 1 END $$;

-- Whether a learner is active on day n (before leaving).
CREATE FUNCTION world.active(w world.learner, n integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r1 integer;
  l2 integer;
  r2 integer;
BEGIN
  IF w.kind IN ('steady', 'dropout') OR n <= w.quiet_after THEN
    RETURN true;
  END IF;
  IF w.kind IN ('leave', 'never') THEN
    RETURN false;
  END IF;
  r1 := world.response_day(w, w.quiet_after, world.k(w));
  IF r1 IS NULL OR n < r1 THEN
    RETURN false;
  END IF;
  IF w.relapse_after IS NULL THEN
    RETURN true;
  END IF;
  l2 := r1 + w.relapse_after - 1;
  IF n <= l2 THEN
    RETURN true;
  END IF;
  r2 := world.response_day(w, l2, 1);
  RETURN r2 IS NOT NULL AND n >= r2;
END
$$;

-- Day n of the world, before the evaluation of day n.
CREATE FUNCTION world.live(n integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  c   record;
  cid bigint;
BEGIN
  -- coaches: coach_lag days after a case is assigned to them, the call and its outcome
  FOR c IN SELECT q.alert_id, q.learner, q.coach, w.coach_outcome
             FROM learnalytics.coach_queue q JOIN world.learner w ON w.learner = q.learner
            WHERE q.coach IS NOT NULL AND q.assigned_on + w.coach_lag = d(n) AND w.coach_outcome IS NOT NULL
  LOOP
    SELECT ct.id INTO cid FROM learnalytics.alert_contact ct
     WHERE ct.alert_id = c.alert_id AND ct.kind = 'human' AND ct.outcome = 'pending' ORDER BY ct.step DESC LIMIT 1;
    IF cid IS NULL THEN   -- the engine decided the call's outcome itself: noted, checked at the end
      INSERT INTO world.anomaly VALUES (n, format('coach %s finds no pending call of %s''s case', c.coach, c.learner));
      CONTINUE;
    END IF;
    BEGIN
      PERFORM learnalytics.contact_record_outcome(cid, c.coach_outcome, d(n));
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO world.anomaly VALUES (n, format('contact_record_outcome(%s''s call, %s): %s', c.learner,
                                                  c.coach_outcome, SQLERRM));
    END;
    INSERT INTO world.coach_call VALUES (c.learner, c.coach, n, c.coach_outcome);
  END LOOP;
  -- leaving (no activity on the day one leaves)
  UPDATE wh_enrolment e SET end_ts = at_utc(n, '12:00')
    FROM world.learner w
   WHERE e.student = w.learner AND e.end_ts IS NULL
     AND (w.leave_on = n
          OR (w.kind = 'leave' AND world.response_day(w, w.quiet_after, 1) = n)
          OR EXISTS (SELECT 1 FROM world.coach_call cl WHERE cl.learner = w.learner AND cl.day = n AND cl.outcome = 'withdrew'));
  -- activity: 1 to 3 events at 10:00, 10:05, 10:10
  INSERT INTO activity (learner_id, ts)
  SELECT w.learner, at_utc(n, '10:00') + make_interval(mins => 5 * g)
    FROM world.learner w JOIN wh_enrolment e ON e.student = w.learner
   CROSS JOIN LATERAL generate_series(0, abs(hashtext(w.learner || n)) % 3) g
   WHERE e.end_ts IS NULL AND world.active(w, n);
  -- submissions
  INSERT INTO wh_submission (course_code, task, student, submitted_ts)
  SELECT w.course, 'a1', w.learner, at_utc(n, '11:00')
    FROM world.learner w
   WHERE w.course = 'c1'
     AND (w.submit_on = n OR (w.submit_on_response AND world.response_day(w, coalesce(w.quiet_after, 0), world.k(w)) = n));
END
$$;

-- The sender, early on day n + 1: a day has passed (backoffs have run out), claim everything, send,
-- failing the first attempt of the steps the script says.
CREATE FUNCTION world.send(n integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  m    record;
  step integer;
  fail boolean;
BEGIN
  UPDATE learnalytics.alert_outbox SET available_at = available_at - interval '1 day' WHERE status = 'pending';
  FOR m IN SELECT * FROM learnalytics.outbox_claim('e2e_sender', 1000) ORDER BY id LOOP
    step := (m.payload ->> 'step')::integer;
    SELECT m.attempts = 1 AND step = ANY (w.fail_first) INTO fail FROM world.learner w WHERE w.learner = m.learner;
    IF fail THEN
      IF learnalytics.outbox_mark_failed(m.id, 'simulated: mailbox full', 'e2e_sender') IS DISTINCT FROM 'pending' THEN
        INSERT INTO world.anomaly VALUES (n, format('failed message %s did not go back to pending', m.id));
      END IF;
    ELSIF NOT learnalytics.outbox_mark_sent(m.id, 'e2e_sender') THEN
      INSERT INTO world.anomaly VALUES (n, format('outbox_mark_sent refused message %s', m.id));
    END IF;
    INSERT INTO world.delivery VALUES (m.id, m.learner, step, m.channel, m.attempts,
                                       CASE WHEN fail THEN 'failed' ELSE 'sent' END, n + 1);
  END LOOP;
END
$$;

INSERT INTO wh_enrolment (student, course_code, start_ts, end_ts, value)
SELECT learner, course, at_utc(1, '08:00'), NULL, weight FROM world.learner;
-- progress m1..m4 (NULL or missing: not started)
INSERT INTO wh_progress (student, course_code, unit, started_ts, done, last_ts)
SELECT w.learner, w.course, 'm' || i, at_utc(1, '09:00'), p, at_utc(2, '09:00')
  FROM world.learner w CROSS JOIN LATERAL unnest(w.progress) WITH ORDINALITY u(p, i)
 WHERE p IS NOT NULL;
SQL

# ---- the ground truth, from the scripts alone (reads no table of the engine) ---------------------
q <<'SQL' || exit 1
SET search_path = public, learnalytics;
CREATE SCHEMA truth;
-- day n if it is within the 60 days, else NULL (not yet); an outcome decided on day n, else pending
CREATE FUNCTION truth.upto(n integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN n <= 60 THEN n END $$;
CREATE FUNCTION truth.decided(n integer, outcome text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN n <= 60 THEN outcome ELSE 'pending' END $$;

-- Which coach takes whom, by hand. A quiet learner who never responds gets the coach call on day
-- quiet_after + 7: the case opens at quiet_after + 3 with the nudge, which fails 2 days later,
-- then the e-mail, which fails 2 days later (ladder_after 1, 3, 5: the steps are due by then).
--   c1, Ann (2 open cases at most): n1 on day 27, n2 on day 28; n3 (day 29) waits, Ann carries n1
--       and n2; Ann's call of day 30 (27 + lag 3) re-engages n1, whose case resolves that day, and
--       n3 is assigned to her that day.
--   c2, Bob (2 open cases, 1 new case a day): b1 and b2 both on day 37; b1 first (business weight
--       100 against 1), b2 the next day (daily intake); b2 re-engaged on day 39, so b3 (day 43) is
--       assigned; b4 (day 49) waits to the end: Bob carries b1 (whose call nobody records: it times
--       out on day 37 + 14 = 51, and the case stays open) and b3 (not re-engaged, still open), and
--       Ann, who has room, coaches c1 only.
CREATE TABLE truth.coach_case (learner text, coach text, assigned_on integer);
INSERT INTO truth.coach_case VALUES ('c1_n1', 'e2e_ann', 27), ('c1_n2', 'e2e_ann', 28), ('c1_n3', 'e2e_ann', 30),
  ('c2_b1', 'e2e_bob', 37), ('c2_b2', 'e2e_bob', 38), ('c2_b3', 'e2e_bob', 43);

CREATE TABLE truth.case (learner text, course text, case_no integer, rule text, opened_on integer, closed_on integer,
                         status text, reasons text);
CREATE TABLE truth.contact (learner text, case_no integer, step integer, channel text, kind text,
                            contacted_on integer, outcome text, outcome_on integer, by_coach boolean);

-- Quiet episodes. e2e_quiet holds from the 3rd day without activity: a learner active last on day L
-- has a case opened on L + 3, with the nudge (step 1) that day; the message goes out the next
-- morning (f1 = 1: its first attempt fails, it goes out a morning later) and a responder is active
-- that day (R = L + 4 + f1), so the case resolves on R, and the nudge re-engaged (active within
-- reengage_days = 2, decided when the window ends, L + 5). A relapsing learner is active
-- relapse_after days from R, quiet again; the condition holds 3 days later, but the cooldown (7 days
-- after R) holds the next case back until R + 7.
CREATE TABLE truth.episode AS
WITH w AS (SELECT *, (1 = ANY (fail_first))::integer AS f1, (2 = ANY (fail_first))::integer AS f2 FROM world.learner)
SELECT w.learner, 1 AS case_no, w.quiet_after + 3 AS d0, w.f1, w.f2 FROM w WHERE w.quiet_after IS NOT NULL
UNION ALL
SELECT w.learner, 2, greatest((w.quiet_after + 4 + w.f1) + w.relapse_after - 1 + 3, (w.quiet_after + 4 + w.f1) + 7),
       w.f1, w.f2
  FROM w WHERE w.relapse_after IS NOT NULL;

-- nudge: back when the nudge is delivered
INSERT INTO truth.case
SELECT w.learner, w.course, e.case_no, 'e2e_quiet', e.d0, truth.upto(e.d0 + 1 + e.f1),
       CASE WHEN e.d0 + 1 + e.f1 <= 60 THEN 'resolved' ELSE 'open' END, 'e2e_quiet'
  FROM truth.episode e JOIN world.learner w USING (learner) WHERE w.kind = 'nudge';
INSERT INTO truth.contact
SELECT w.learner, e.case_no, 1, 'in_app_nudge', 'automated', e.d0, truth.decided(e.d0 + 2, 're_engaged'),
       truth.upto(e.d0 + 2), false
  FROM truth.episode e JOIN world.learner w USING (learner) WHERE w.kind = 'nudge';
-- leave: withdraws the day the nudge is delivered; the case closes as withdrew that day, and the
-- nudge's outcome is withdrew (left within reengage_days), decided that day
INSERT INTO truth.case
SELECT w.learner, w.course, e.case_no, 'e2e_quiet', e.d0, e.d0 + 1 + e.f1, 'withdrew', 'e2e_quiet'
  FROM truth.episode e JOIN world.learner w USING (learner) WHERE w.kind = 'leave';
INSERT INTO truth.contact
SELECT w.learner, e.case_no, 1, 'in_app_nudge', 'automated', e.d0, 'withdrew', e.d0 + 1 + e.f1, false
  FROM truth.episode e JOIN world.learner w USING (learner) WHERE w.kind = 'leave';
-- nudge2: no response to the nudge (no_response on d0 + 2, when the e-mail goes), back when the
-- e-mail is delivered (R = d0 + 3 + f2), submitting a1 that day; in c1, a1 (due day 14) 2 days
-- overdue on day 16 while the case is open adds the reason e2e_task to it (no second case)
INSERT INTO truth.case
SELECT w.learner, w.course, e.case_no, 'e2e_quiet', e.d0, e.d0 + 3 + e.f2, 'resolved',
       CASE WHEN w.course = 'c1' AND e.d0 <= 16 AND e.d0 + 3 + e.f2 > 16 THEN 'e2e_quiet,e2e_task' ELSE 'e2e_quiet' END
  FROM truth.episode e JOIN world.learner w USING (learner) WHERE w.kind = 'nudge2';
INSERT INTO truth.contact
SELECT w.learner, e.case_no, s.step, s.channel, 'automated', s.day, s.outcome, s.day + 2, false
  FROM truth.episode e JOIN world.learner w USING (learner)
 CROSS JOIN LATERAL (VALUES (1, 'in_app_nudge', e.d0, 'no_response'), (2, 'email', e.d0 + 2, 're_engaged'))
       s(step, channel, day, outcome)
 WHERE w.kind = 'nudge2';
-- coach, never: the nudge and the e-mail get no response; the coach call on E = d0 + 4, the case
-- coach_required; the coach records the outcome coach_lag days after taking the case (X); a call
-- nobody records times out 14 days after it (coach_call's outcome_timeout_days)
INSERT INTO truth.case
SELECT w.learner, w.course, e.case_no, 'e2e_quiet', e.d0,
       CASE WHEN w.coach_outcome IN ('re_engaged', 'withdrew') THEN truth.upto(cc.assigned_on + w.coach_lag) END,
       CASE WHEN cc.assigned_on + w.coach_lag <= 60 AND w.coach_outcome = 're_engaged' THEN 'resolved'
            WHEN cc.assigned_on + w.coach_lag <= 60 AND w.coach_outcome = 'withdrew' THEN 'withdrew'
            WHEN e.d0 + 4 <= 60 THEN 'coach_required' ELSE 'open' END,
       'e2e_quiet'
  FROM truth.episode e JOIN world.learner w USING (learner) LEFT JOIN truth.coach_case cc USING (learner)
 WHERE w.kind IN ('coach', 'never');
INSERT INTO truth.contact
SELECT w.learner, e.case_no, s.step, s.channel, s.kind, s.day, s.outcome, s.outcome_on, s.by_coach
  FROM truth.episode e JOIN world.learner w USING (learner) LEFT JOIN truth.coach_case cc USING (learner)
 CROSS JOIN LATERAL (VALUES
   (1, 'in_app_nudge', 'automated', e.d0, truth.decided(e.d0 + 2, 'no_response'), truth.upto(e.d0 + 2), false),
   (2, 'email', 'automated', e.d0 + 2, truth.decided(e.d0 + 4, 'no_response'), truth.upto(e.d0 + 4), false),
   (3, 'coach_call', 'human', e.d0 + 4,
    CASE WHEN cc.assigned_on + w.coach_lag <= 60 AND w.coach_outcome IS NOT NULL THEN w.coach_outcome
         ELSE truth.decided(e.d0 + 4 + 14, 'timed_out') END,
    CASE WHEN cc.assigned_on + w.coach_lag <= 60 AND w.coach_outcome IS NOT NULL THEN cc.assigned_on + w.coach_lag
         ELSE truth.upto(e.d0 + 4 + 14) END,
    coalesce(cc.assigned_on + w.coach_lag <= 60 AND w.coach_outcome IS NOT NULL, false))
   ) s(step, channel, kind, day, outcome, outcome_on, by_coach)
 WHERE w.kind IN ('coach', 'never') AND s.day <= 60;
-- a1 missed: c1 learners who are otherwise active and submit after day 15 (due day 14, fire_after
-- 2: the case opens on day 16 with the e-mail reminder). Submitting resolves it. The reminder's
-- outcome is re_engaged (active within 2 days) on day 18, unless the message was still undelivered
-- when the case closed (first attempt failed, submitted on day 17): then it is not delivered and
-- the contact is cancelled, as of the day the case closed.
INSERT INTO truth.case
SELECT w.learner, w.course, 1, 'e2e_task', 16, coalesce(w.submit_on, 17 + (1 = ANY (w.fail_first))::integer),
       'resolved', 'e2e_task'
  FROM world.learner w
 WHERE w.course = 'c1' AND w.kind = 'steady' AND (w.submit_on_response OR w.submit_on > 15);
INSERT INTO truth.contact
SELECT w.learner, 1, 1, 'email_reminder', 'automated', 16, x.outcome,
       CASE WHEN x.outcome = 're_engaged' THEN 18 ELSE w.submit_on END, false
  FROM world.learner w
 CROSS JOIN LATERAL (SELECT CASE WHEN 1 = ANY (w.fail_first) AND coalesce(w.submit_on, 18) <= 17 THEN 'cancelled'
                                 ELSE 're_engaged' END AS outcome) x
 WHERE w.course = 'c1' AND w.kind = 'steady' AND (w.submit_on_response OR w.submit_on > 15);

-- Who left, when.
CREATE TABLE truth.left_on AS
SELECT w.learner, w.leave_on AS day FROM world.learner w WHERE w.leave_on IS NOT NULL
UNION ALL
SELECT c.learner, c.closed_on FROM truth.case c WHERE c.status = 'withdrew';

-- The outbox: one message per automated contact, sent (attempts: 2 when its first failed) or, for
-- a cancelled contact, cancelled after its one failed attempt.
CREATE TABLE truth.message AS
SELECT t.learner, t.case_no, t.step, t.channel,
       CASE WHEN t.outcome = 'cancelled' THEN 'cancelled' ELSE 'sent' END AS status,
       CASE WHEN t.outcome = 'cancelled' THEN 1 ELSE 1 + (t.step = ANY (w.fail_first))::integer END AS attempts
  FROM truth.contact t JOIN world.learner w USING (learner)
 WHERE t.kind = 'automated';
SQL

# ---- 60 days, as production runs them -----------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/la_e2e.XXXXXX")
la_t_cleanup_add rm -rf "$tmp"
q <<'SQL' || exit 1
CREATE TABLE world.eval_log (day integer, pass integer, result jsonb);
CREATE TABLE world.queue_snapshot (day integer, learner text, coach text, assigned_on integer, overflow boolean);
SQL
{
  echo "SET search_path = public, learnalytics;"
  for n in $(seq 1 60); do
    echo "SELECT world.live($n);"
    # the named source lms: in full the first day, then only the learners with new events
    if [ "$n" = 1 ]; then
      echo "SELECT engagement_refresh('public.activity', 'learner_id', 'ts', source_name => 'lms');"
    else
      echo "SELECT engagement_refresh(source_name => 'lms', incremental => true);"
    fi
    echo "INSERT INTO world.eval_log SELECT $n, 1, to_jsonb(e) FROM rule_evaluate_all(at_utc($((n + 1)), '00:00')) e;"
    echo "SELECT coach_assign_cases(d($n));"
    echo "SELECT world.send($n);"
    # the schedule evaluates again during the next day (every 15 minutes in production): still the
    # last complete day, and nothing changes
    echo "INSERT INTO world.eval_log SELECT $n, 2, to_jsonb(e) FROM rule_evaluate_all(at_utc($((n + 1)), '08:00')) e;"
    echo "INSERT INTO world.queue_snapshot SELECT $n, learner, coach, assigned_on - d(0), overflow FROM coach_queue;"
  done
} >"$tmp/days.sql"
if ! q -o /dev/null -f "$tmp/days.sql" >"$tmp/days.log" 2>&1; then
  echo "the simulation stopped:"; tail -n 20 "$tmp/days.log"; exit 1
fi

# ---- the engine against the ground truth ---------------------------------------------------------
# compare NAME EXPECTED_SQL ENGINE_SQL: both queries' rows, in their (total) order, must be equal
compare() {
  local exp obs
  exp=$(q -F ' | ' -c "SET search_path = public, learnalytics" -c "$2" 2>&1) || { echo "ground-truth query failed: $exp"; return 1; }
  obs=$(q -F ' | ' -c "SET search_path = public, learnalytics" -c "$3" 2>&1) || { echo "engine query failed: $obs"; return 1; }
  if [ "$exp" != "$obs" ]; then
    echo "$1: the engine differs from the ground truth"
    echo "--- ground truth"; echo "$exp"
    echo "--- engine"; echo "$obs"
    echo "--- diff (< ground truth, > engine)"; diff <(echo "$exp") <(echo "$obs")
    return 1
  fi
  echo "$1: $(grep -c . <<<"$exp") rows, equal"
}

# the engine's cases numbered per learner in the order they opened, days as day numbers
cases="(SELECT a.*, row_number() OVER (PARTITION BY a.learner ORDER BY a.opened_on, a.id) AS case_no
          FROM alert a WHERE a.learner IN (SELECT learner FROM world.learner))"

la_t_check "the simulation ran without surprises (coaches found their calls pending, sends accepted)" compare anomalies \
  "SELECT NULL::integer, NULL::text WHERE false" "SELECT day, what FROM world.anomaly ORDER BY 1, 2"

la_t_check "evaluating again the next morning: the same complete day, nothing opened, closed or contacted" compare reevaluation \
  "SELECT n, 'e2e_quiet', (d(n))::text, 0, 0, 0 FROM generate_series(1, 60) n
   UNION ALL SELECT n, 'e2e_task', (d(n))::text, 0, 0, 0 FROM generate_series(1, 60) n ORDER BY 1, 2" \
  "SELECT day, result ->> 'rule', result ->> 'day', (result ->> 'opened')::integer, (result ->> 'resolved')::integer,
          (result ->> 'contacts')::integer
     FROM world.eval_log WHERE pass = 2 ORDER BY 1, 2"

la_t_check "cases: who, lead rule, opened, closed, status" compare cases \
  "SELECT learner, case_no, rule, course, opened_on, closed_on, status FROM truth.case ORDER BY 1, 2" \
  "SELECT learner, case_no, rule_name, course, opened_on - d(0), closed_on - d(0), status FROM $cases c ORDER BY 1, 2"

la_t_check "reasons of each case" compare reasons \
  "SELECT learner, case_no, reasons FROM truth.case ORDER BY 1, 2" \
  "SELECT c.learner, c.case_no, string_agg(r.rule_name, ',' ORDER BY r.rule_name)
     FROM $cases c JOIN alert_reason r ON r.alert_id = c.id GROUP BY 1, 2 ORDER BY 1, 2"

la_t_check "contacts: one at a time, derived outcomes" compare contacts \
  "SELECT learner, case_no, step, channel, kind, contacted_on, outcome, outcome_on, by_coach
     FROM truth.contact ORDER BY 1, 2, 3" \
  "SELECT c.learner, c.case_no, t.step, t.channel, t.kind, t.contacted_on - d(0), t.outcome,
          t.outcome_on - d(0), t.recorded_by IS NOT NULL
     FROM $cases c JOIN alert_contact t ON t.alert_id = c.id ORDER BY 1, 2, 3"

la_t_check "coach assignments: capacity = open cases, course, daily intake" compare coach_assignment \
  "SELECT learner, coach, assigned_on FROM truth.coach_case ORDER BY 1" \
  "SELECT c.learner, ca.coach, ca.assigned_on - d(0) FROM $cases c JOIN coach_assignment ca ON ca.alert_id = c.id ORDER BY 1"

la_t_check "coach queue on day 29 (Ann full) and day 60 (b4 overflows: Bob full, Ann coaches c1 only)" compare coach_queue \
  "SELECT 29, 'c1_n1', 'e2e_ann', 27, false UNION ALL SELECT 29, 'c1_n2', 'e2e_ann', 28, false
   UNION ALL SELECT 29, 'c1_n3', NULL, NULL, true
   UNION ALL SELECT 60, c.learner, cc.coach, cc.assigned_on, cc.coach IS NULL
     FROM truth.case c LEFT JOIN truth.coach_case cc USING (learner) WHERE c.status = 'coach_required'
   ORDER BY 1, 2" \
  "SELECT day, learner, coach, assigned_on, overflow FROM world.queue_snapshot WHERE day IN (29, 60) ORDER BY 1, 2"

# (coach_queue and coach_load count a daily intake against the real today, not the simulated day:
# the queue is compared on days where no intake applies)
la_t_check "coach_load at the end: open cases per coach" compare coach_load \
  "SELECT cc.coach, count(*) FILTER (WHERE c.closed_on IS NULL) FROM truth.coach_case cc JOIN truth.case c USING (learner)
    GROUP BY 1 ORDER BY 1" \
  "SELECT coach, open_cases FROM coach_load ORDER BY 1"

la_t_check "outbox: sent once, retried after a failure, stale message cancelled" compare outbox \
  "SELECT learner, case_no, step, channel, status, attempts FROM truth.message ORDER BY 1, 2, 3" \
  "SELECT c.learner, c.case_no, (o.payload ->> 'step')::integer, o.channel, o.status, o.attempts
     FROM $cases c JOIN alert_outbox o ON o.alert_id = c.id ORDER BY 1, 2, 3"

la_t_check "alert_effectiveness" compare alert_effectiveness \
  "SELECT c.rule, t.step, t.channel, t.kind, count(*),
          count(*) FILTER (WHERE t.outcome = 're_engaged'), count(*) FILTER (WHERE t.outcome = 'withdrew'),
          count(*) FILTER (WHERE t.outcome = 'no_response'), count(*) FILTER (WHERE t.outcome = 'not_re_engaged'),
          count(*) FILTER (WHERE t.outcome = 'timed_out'), count(*) FILTER (WHERE t.outcome = 'cancelled'),
          count(*) FILTER (WHERE t.outcome = 'pending'),
          round(count(*) FILTER (WHERE t.outcome = 're_engaged')::numeric
                / NULLIF(count(*) FILTER (WHERE t.outcome NOT IN ('pending', 'cancelled')), 0), 3)
     FROM truth.contact t JOIN truth.case c USING (learner, case_no)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4" \
  "SELECT rule_name, step, channel, kind, contacts, re_engaged, withdrew, no_response, not_re_engaged, timed_out,
          cancelled, pending, re_engagement_rate
     FROM alert_effectiveness ORDER BY 1, 2, 3, 4"

la_t_check "course_dropout_funnel" compare course_dropout_funnel \
  "WITH p AS (SELECT w.course, cardinality(array_remove(w.progress, NULL)) > 0 AS started,
                     coalesce((SELECT sum(x) FROM unnest(w.progress) x), 0) / 4 AS cp, l.day AS left_on
                FROM world.learner w LEFT JOIN truth.left_on l USING (learner))
   SELECT course, count(*), count(*) FILTER (WHERE started), count(*) FILTER (WHERE cp >= 0.2),
          count(*) FILTER (WHERE cp >= 0.5), count(*) FILTER (WHERE cp >= 1),
          count(*) FILTER (WHERE left_on IS NOT NULL AND cp < 1),
          round(100.0 * count(*) FILTER (WHERE cp >= 1) / count(*), 1),
          round(100.0 * count(*) FILTER (WHERE left_on IS NOT NULL AND cp < 1) / count(*), 1)
     FROM p GROUP BY course ORDER BY course" \
  "SELECT course, enrolled, started, reached_20pct, reached_50pct, completed, dropped, completion_pct, dropout_pct
     FROM course_dropout_funnel ORDER BY course"

# weekly operations: calendar weeks (Mondays), zero-filled, from the first week with a case, contact
# or assignment to the last; contacts and their outcomes by the week of the contact; the backlog: the
# coach-required cases without a coach now, opened by the end of the week; capacity: open cases
la_t_check "weekly_alert_operations" compare weekly_alert_operations \
  "WITH c AS (SELECT learner, status, d(opened_on) AS day FROM truth.case),
        t AS (SELECT d(contacted_on) AS day, kind, outcome FROM truth.contact),
        a AS (SELECT learner, d(assigned_on) AS day FROM truth.coach_case),
        weeks AS (SELECT w::date AS week
                    FROM (SELECT min(day) AS f, max(day) AS l
                            FROM (SELECT day FROM c UNION ALL SELECT day FROM t UNION ALL SELECT day FROM a) x) s,
                         generate_series(date_trunc('week', s.f), date_trunc('week', s.l), '1 week') w)
   SELECT w.week,
          (SELECT count(*) FROM c WHERE date_trunc('week', c.day) = w.week),
          (SELECT count(DISTINCT learner) FROM c WHERE date_trunc('week', c.day) = w.week),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 're_engaged'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'withdrew'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'no_response'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'not_re_engaged'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'timed_out'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'cancelled'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.outcome = 'pending'),
          (SELECT count(*) FROM t WHERE date_trunc('week', t.day) = w.week AND t.kind = 'human'),
          (SELECT count(*) FROM a WHERE date_trunc('week', a.day) = w.week),
          2 + 2,
          (SELECT count(*) FROM c WHERE c.status = 'coach_required' AND date_trunc('week', c.day) <= w.week
              AND c.learner NOT IN (SELECT learner FROM a))
     FROM weeks w ORDER BY 1" \
  "SELECT week, alerts_raised, learners_alerted, contacts, re_engaged, withdrew, no_response, not_re_engaged,
          timed_out, cancelled, pending, escalated_to_humans, coach_cases, coach_capacity, coach_backlog_now
     FROM weekly_alert_operations ORDER BY 1"

la_t_done
