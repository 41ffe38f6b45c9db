
-------------------------------------------------------------------------------
-- alert_delivery: alerts, contacts, coaches and the outbox; the escalation ladder,
-- contact outcomes, coach assignment, outbox consumers and pruning (doc/alerts.md, "Ladder and
-- delivery")
-------------------------------------------------------------------------------
-- Alerts, their contacts, coaches.
CREATE TABLE @extschema@.alert (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_name       text NOT NULL REFERENCES @extschema@.alert_rule (name) ON UPDATE CASCADE,
  rule_version    integer NOT NULL,
  family          text NOT NULL,
  template        text NOT NULL,
  learner         text NOT NULL,
  course          text,
  status          text NOT NULL DEFAULT 'open' CONSTRAINT alert_status_known
                  CHECK (status IN ('open', 'coach_required', 'resolved', 'withdrew', 'expired', 'dismissed')),
  severity        text NOT NULL,
  opened_on       date NOT NULL,
  opened_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  evaluated_on    date NOT NULL,
  value           float8,
  baseline        float8,
  ratio           float8,
  persisted       integer NOT NULL,
  first_value     float8,
  first_baseline  float8,
  risk_score      float8 NOT NULL,
  business_weight numeric NOT NULL DEFAULT 1,
  detail          jsonb NOT NULL DEFAULT '{}',
  closed_on       date,
  closed_at       timestamptz,
  close_reason    text,
  close_note      text,
  closed_by       text,
  snoozed_until   date,
  snooze_note     text,
  CONSTRAINT alert_closed_iff_final CHECK ((status IN ('open', 'coach_required')) = (closed_at IS NULL))
);
-- one open case per learner, whatever rules, families and courses its reasons come from
CREATE UNIQUE INDEX alert_one_open_case ON @extschema@.alert (learner) WHERE closed_at IS NULL;
-- a learner's cases (cooldown, erasure) and the open cases a rule leads (the ladder)
CREATE INDEX alert_learner ON @extschema@.alert (learner, closed_on);
CREATE INDEX alert_open_rule ON @extschema@.alert (rule_name) WHERE closed_at IS NULL;
COMMENT ON TABLE @extschema@.alert IS
'alerts: rule and version, learner, the values that fired (value, baseline, ratio, days persisted), severity, status';
COMMENT ON COLUMN @extschema@.alert.close_note IS 'why a person dismissed the case (alert_dismiss), in their words';
COMMENT ON COLUMN @extschema@.alert.closed_by IS 'the role that dismissed the case (NULL: closed by the engine)';
COMMENT ON COLUMN @extschema@.alert.snoozed_until IS 'no ladder step is taken before this day (alert_snooze)';
COMMENT ON COLUMN @extschema@.alert.snooze_note IS 'why the case was snoozed, in the words of who snoozed it';

-- The reasons of a case: one row per rule whose condition held for the learner while the case was
-- open, with the rule's latest values; cleared_on is the day it stopped holding (NULL: it holds).
CREATE TABLE @extschema@.alert_reason (
  alert_id        bigint NOT NULL REFERENCES @extschema@.alert (id) ON DELETE CASCADE,
  rule_name       text NOT NULL REFERENCES @extschema@.alert_rule (name) ON UPDATE CASCADE,
  rule_version    integer NOT NULL,
  family          text NOT NULL,
  template        text NOT NULL,
  course          text,
  severity        text NOT NULL,
  first_on        date NOT NULL,
  evaluated_on    date NOT NULL,
  cleared_on      date,
  value           float8,
  baseline        float8,
  ratio           float8,
  persisted       integer NOT NULL,
  risk_score      float8 NOT NULL,
  business_weight numeric NOT NULL DEFAULT 1,
  detail          jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (alert_id, rule_name)
);
-- the reasons of one rule (evaluation); those of one case are the primary key's
CREATE INDEX alert_reason_rule ON @extschema@.alert_reason (rule_name, alert_id);
COMMENT ON TABLE @extschema@.alert_reason IS
'the reasons of a case (alert): per rule whose condition held while it was open, its latest values, first and cleared day';

-- The alerts an outage held back (doc/quality.md, "Acting on findings"): a candidate of an
-- outage-sensitive rule (alert_template.outage_sensitive) whose run of persisted days reached
-- fire_after only through outage days of its course (or of every course) or excluded learner-days;
-- after the last of them the run restarts, and effective_persisted fell short. One row per rule,
-- learner and day, written by rule_evaluate (evaluating the day again rewrites the day's rows).
CREATE TABLE @extschema@.alert_suppression (
  rule_name           text NOT NULL REFERENCES @extschema@.alert_rule (name) ON UPDATE CASCADE ON DELETE CASCADE,
  learner             text NOT NULL,
  course              text,
  day                 date NOT NULL,
  persisted           integer NOT NULL,
  effective_persisted integer NOT NULL,
  finding_id          bigint,
  check_name          text,
  reason              text NOT NULL,
  PRIMARY KEY (rule_name, day, learner)
);
CREATE INDEX alert_suppression_learner ON @extschema@.alert_suppression (learner);
COMMENT ON TABLE @extschema@.alert_suppression IS
'alerts an outage held back: per rule, learner and day, the days persisted with and without the outage days, the finding and a readable reason';
COMMENT ON COLUMN @extschema@.alert_suppression.persisted IS 'the days the condition had held, outage days included (the rule fires at fire_after)';
COMMENT ON COLUMN @extschema@.alert_suppression.effective_persisted IS 'the days it had held since the last outage day (0: the day itself was one, the learner was held)';
COMMENT ON COLUMN @extschema@.alert_suppression.finding_id IS 'the quality_finding of that last outage day (or of the excluded outlier events)';
COMMENT ON COLUMN @extschema@.alert_suppression.reason IS 'why, in words: the outage, its day and its numbers';

CREATE TABLE @extschema@.alert_contact (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id     bigint NOT NULL REFERENCES @extschema@.alert (id) ON DELETE CASCADE,
  step         integer NOT NULL,
  channel      text NOT NULL REFERENCES @extschema@.alert_channel (name) ON UPDATE CASCADE,
  kind         text NOT NULL,
  contacted_on date NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  outcome      text NOT NULL DEFAULT 'pending' CONSTRAINT alert_contact_outcome_known
               CHECK (outcome IN ('pending', 're_engaged', 'withdrew', 'no_response', 'not_re_engaged',
                                  'timed_out', 'cancelled')),
  outcome_on   date,
  recorded_by  text,
  UNIQUE (alert_id, step)
);
COMMENT ON TABLE @extschema@.alert_contact IS
'each escalation step taken for an alert and its outcome: re-engaged within reengage_days or not';

CREATE TABLE @extschema@.coach (
  name           text PRIMARY KEY,
  capacity       integer NOT NULL CONSTRAINT coach_capacity_range CHECK (capacity BETWEEN 0 AND 10000),
  course         text,
  active         boolean NOT NULL DEFAULT true,
  daily_intake   integer CONSTRAINT coach_daily_intake_range CHECK (daily_intake BETWEEN 0 AND 10000)
);
COMMENT ON TABLE @extschema@.coach IS 'coaches, their capacity (open cases), optional daily intake limit and optional course';
COMMENT ON COLUMN @extschema@.coach.capacity IS 'the most open cases the coach carries at once';
COMMENT ON COLUMN @extschema@.coach.daily_intake IS 'the most new cases the coach takes per day (NULL: no daily limit)';

CREATE TABLE @extschema@.coach_assignment (
  alert_id    bigint PRIMARY KEY REFERENCES @extschema@.alert (id) ON DELETE CASCADE,
  coach       text NOT NULL REFERENCES @extschema@.coach (name) ON UPDATE CASCADE,
  assigned_on date NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX coach_assignment_day ON @extschema@.coach_assignment (coach, assigned_on);
COMMENT ON TABLE @extschema@.coach_assignment IS 'which coach took which coach-required alert on which day';

-- Delivery: external senders consume the outbox; learnalytics sends nothing itself.
CREATE TABLE @extschema@.alert_outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  channel       text NOT NULL REFERENCES @extschema@.alert_channel (name) ON UPDATE CASCADE,
  alert_id      bigint REFERENCES @extschema@.alert (id) ON DELETE SET NULL,
  contact_id    bigint REFERENCES @extschema@.alert_contact (id) ON DELETE SET NULL,
  learner       text NOT NULL,
  payload       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CONSTRAINT alert_outbox_status_known
                CHECK (status IN ('pending', 'claimed', 'sent', 'dead', 'cancelled')),
  attempts      integer NOT NULL DEFAULT 0,
  available_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  claimed_by    text,
  claimed_until timestamptz,
  sent_at       timestamptz,
  last_error    text
);
CREATE INDEX alert_outbox_ready ON @extschema@.alert_outbox (available_at, id) WHERE status IN ('pending', 'claimed');
COMMENT ON TABLE @extschema@.alert_outbox IS
'messages for external senders: claim with outbox_claim(), then outbox_mark_sent() or outbox_mark_failed() (retries, backoff, dead letter)';

CREATE FUNCTION learnalytics_internal.outbox_notify()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- one notification per channel and transaction (NOTIFY folds identical payloads)
  PERFORM pg_notify('learnalytics_outbox', NEW.channel);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.outbox_notify() IS
'trigger: NOTIFY learnalytics_outbox with the channel name when a message is queued';

CREATE TRIGGER outbox_notify AFTER INSERT ON @extschema@.alert_outbox
FOR EACH ROW EXECUTE FUNCTION learnalytics_internal.outbox_notify();
SELECT pg_catalog.pg_extension_config_dump('@extschema@.coach', '');

-- The escalation ladder of the open cases whose lead rule is r, on a day (after
-- contact_outcomes_update): one contact at a time, per case. A case's age in the lead rule's days is
-- day - opened_on + fire_after (fire_after on the day it opened). Step 1 when the case opens
-- (ladder_after[1] = fire_after); step k + 1 when the contact of step k failed (no_response,
-- not_re_engaged, timed_out; decided by the day) and age >= ladder_after[k + 1]; a human step also
-- needs automated_before_human failed automated contacts, and sets the case coach_required with
-- escalated_severity (never lowered). An automated step queues an outbox message whose payload names
-- the case's current reasons. Snoozed cases (day < snoozed_until) take no step; a case whose last
-- contact re-engaged, withdrew, is pending or cancelled takes none either. One statement, no loop.
-- Returns the number of contacts created.
CREATE FUNCTION learnalytics_internal.ladder_advance(r @extschema@.alert_rule, day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  created integer;
BEGIN
  IF day IS NULL OR NOT isfinite(day) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  WITH cases AS (
    SELECT a.id, a.learner, a.rule_name, a.rule_version, a.template, a.course, a.severity, a.value,
           a.baseline, a.ratio, a.persisted, a.detail, day - a.opened_on + r.fire_after AS age,
           lc.step AS last_step, lc.outcome AS last_outcome, lc.outcome_on AS last_on
      FROM @extschema@.alert a
      LEFT JOIN LATERAL (SELECT c.step, c.outcome, c.outcome_on FROM @extschema@.alert_contact c
                          WHERE c.alert_id = a.id ORDER BY c.step DESC LIMIT 1) lc ON true
     WHERE a.rule_name = r.name AND a.closed_at IS NULL AND a.opened_on <= day
       AND (a.snoozed_until IS NULL OR a.snoozed_until <= day)),
  due AS (
    SELECT cs.*, n.nstep, ch.name AS channel, ch.kind
      FROM cases cs
     CROSS JOIN LATERAL (SELECT coalesce(cs.last_step, 0) + 1 AS nstep) n
      JOIN @extschema@.alert_channel ch ON ch.name = r.ladder[n.nstep]
     WHERE (cs.last_step IS NULL
            OR (cs.last_outcome IN ('no_response', 'not_re_engaged', 'timed_out', 'cancelled') AND cs.last_on <= day))
       AND n.nstep <= cardinality(r.ladder) AND cs.age >= r.ladder_after[n.nstep]
       AND (ch.kind <> 'human'
            OR (SELECT count(*) FROM @extschema@.alert_contact c
                 WHERE c.alert_id = cs.id AND c.kind = 'automated'
                   AND c.outcome IN ('no_response', 'not_re_engaged', 'timed_out', 'cancelled')) >= r.automated_before_human)),
  ins AS (
    INSERT INTO @extschema@.alert_contact (alert_id, step, channel, kind, contacted_on)
    SELECT due.id, due.nstep, due.channel, due.kind, day FROM due ORDER BY due.id
    ON CONFLICT (alert_id, step) DO NOTHING
    RETURNING id, alert_id, step, channel, kind),
  esc AS (
    UPDATE @extschema@.alert a
       SET status = 'coach_required',
           severity = CASE WHEN learnalytics_internal.severity_factor(r.escalated_severity) > learnalytics_internal.severity_factor(a.severity)
                           THEN r.escalated_severity ELSE a.severity END
      FROM ins WHERE ins.alert_id = a.id AND ins.kind = 'human'
    RETURNING a.id),
  -- the case's values from alert by its key (a join of the two CTEs, whose sizes the planner
  -- cannot know, may become a quadratic nested loop)
  msg AS (
    INSERT INTO @extschema@.alert_outbox (channel, alert_id, contact_id, learner, payload)
    SELECT ins.channel, d.id, ins.id, d.learner,
           jsonb_build_object('alert_id', d.id, 'contact_id', ins.id, 'step', ins.step, 'channel', ins.channel,
                              'rule', d.rule_name, 'rule_version', d.rule_version, 'template', d.template,
                              'learner', d.learner, 'course', d.course, 'severity', d.severity,
                              'value', d.value, 'baseline', d.baseline, 'ratio', d.ratio,
                              'persisted', d.persisted, 'day', day, 'detail', d.detail,
                              'reasons', (SELECT coalesce(jsonb_agg(ar.rule_name ORDER BY ar.rule_name), '[]')
                                            FROM @extschema@.alert_reason ar
                                           WHERE ar.alert_id = d.id AND ar.cleared_on IS NULL))
      FROM ins JOIN @extschema@.alert d ON d.id = ins.alert_id
     WHERE ins.kind = 'automated'
     ORDER BY ins.id
    RETURNING id)
  SELECT count(*) INTO created FROM ins;
  RETURN created;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.ladder_advance(@extschema@.alert_rule, date) IS
'take the next escalation step of each open case whose lead rule is r, one contact at a time (outbox message or coach queue); returns the contacts created';
-- A contact's outcome recorded by a person: a coach for a human contact (re_engaged,
-- not_re_engaged, withdrew or cancelled), or anyone cancelling an automated contact (e.g. a sender
-- that could not deliver it). The outcome of an automated contact is otherwise derived from what
-- happened (contact_outcomes_update) and cannot be recorded; an outcome, once set, is final.
CREATE FUNCTION @extschema@.contact_record_outcome(contact_id bigint, outcome text, day date DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c @extschema@.alert_contact;
  d date := coalesce(day, current_date);
BEGIN
  IF outcome IS NULL OR outcome NOT IN ('re_engaged', 'not_re_engaged', 'withdrew', 'cancelled') THEN
    RAISE EXCEPTION 'outcome must be re_engaged, not_re_engaged, withdrew or cancelled, not %',
      coalesce(quote_literal(outcome), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT isfinite(d) THEN
    RAISE EXCEPTION 'day must be a finite date' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF d > current_date THEN
    RAISE EXCEPTION 'day % is in the future', d
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Record an outcome on the day it happened (leave day out for today).';
  END IF;
  SELECT * INTO c FROM @extschema@.alert_contact ac WHERE ac.id = contact_record_outcome.contact_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'contact % does not exist', contact_id USING ERRCODE = 'no_data_found';
  END IF;
  IF c.kind = 'automated' AND outcome <> 'cancelled' THEN
    RAISE EXCEPTION 'contact %: the outcome of an automated contact is derived, not recorded', contact_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'It is re_engaged, withdrew or no_response from the learner''s activity and enrolment after the contact.',
            HINT = 'Only cancelled (not delivered) may be recorded for an automated contact.';
  END IF;
  IF c.outcome <> 'pending' THEN
    RAISE EXCEPTION 'contact % already has the outcome % (on %)', contact_id, c.outcome, c.outcome_on
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'An outcome, once recorded or derived, is final: the ladder may have acted on it.';
  END IF;
  IF d < c.contacted_on THEN
    RAISE EXCEPTION 'day % is before the contact (%)', d, c.contacted_on USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE @extschema@.alert_contact ac
     SET outcome = contact_record_outcome.outcome, outcome_on = d, recorded_by = current_user
   WHERE ac.id = c.id;
END
$$;
COMMENT ON FUNCTION @extschema@.contact_record_outcome(bigint, text, date) IS
'record the outcome of a pending contact on day (default today): re_engaged, not_re_engaged, withdrew or cancelled for a human contact, cancelled for an automated one';

-- What came of the contacts: per lead rule, step, channel and kind, every outcome, and the
-- re-engagement rate over the decided contacts (cancelled and pending excluded).
CREATE VIEW @extschema@.alert_effectiveness AS
SELECT a.rule_name, c.step, c.channel, c.kind,
       pg_catalog.count(*) AS contacts,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 're_engaged') AS re_engaged,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'withdrew') AS withdrew,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'no_response') AS no_response,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'not_re_engaged') AS not_re_engaged,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'timed_out') AS timed_out,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'cancelled') AS cancelled,
       pg_catalog.count(*) FILTER (WHERE c.outcome = 'pending') AS pending,
       pg_catalog.round(pg_catalog.count(*) FILTER (WHERE c.outcome = 're_engaged')::numeric
             / NULLIF(pg_catalog.count(*) FILTER (WHERE c.outcome NOT IN ('pending', 'cancelled')), 0), 3)
         AS re_engagement_rate
FROM @extschema@.alert_contact c
JOIN @extschema@.alert a ON a.id = c.alert_id
GROUP BY a.rule_name, c.step, c.channel, c.kind;
COMMENT ON VIEW @extschema@.alert_effectiveness IS
'per lead rule, ladder step, channel and kind: contacts, each outcome, and re-engaged / decided (cancelled and pending excluded)';

-- The alerts outages held back, newest first, with the finding's status now (a finding dismissed
-- since says the outage was no outage: evaluating the day again fires the alert).
CREATE VIEW @extschema@.alert_suppressed AS
SELECT s.day, s.rule_name, r.family, r.template, s.learner, s.course, s.persisted, s.effective_persisted,
       s.finding_id, s.check_name, f.status AS finding_status, s.reason
FROM @extschema@.alert_suppression s
LEFT JOIN @extschema@.alert_rule r ON r.name = s.rule_name
LEFT JOIN @extschema@.quality_finding f ON f.id = s.finding_id
ORDER BY s.day DESC, s.rule_name, s.learner;
COMMENT ON VIEW @extschema@.alert_suppressed IS
'the alerts an outage (or excluded outlier events) held back: day, rule, learner, days persisted with and without the outage, the finding and its status, and the reason';

-- Coach queue: the view coach_queue is in dashboards.sql, with the other views managers read (it
-- shows each of them only the learners of their org units, doc/roles.md), and so is coach_load.
--
-- A coach's room on a day: its capacity less its open caseload (its assignments whose case is still
-- open, whatever day they were made), and when it has a daily intake, that intake less the cases
-- assigned to it that day; never below 0. One formula for coach_assign_cases and coach_load (which
-- coach_queue reads), pure so that a viewer may execute it (PUBLIC may execute IMMUTABLE functions).
CREATE FUNCTION learnalytics_internal.coach_room(capacity integer, open_cases bigint, daily_intake integer,
    assigned_on_day bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN GREATEST(LEAST(capacity - open_cases, coalesce(daily_intake - assigned_on_day, capacity - open_cases)), 0)::integer;
COMMENT ON FUNCTION learnalytics_internal.coach_room(integer, bigint, integer, bigint) IS
'how many more cases a coach can take: capacity less open cases, and at most daily_intake less the cases assigned that day; at least 0';

-- The assignment plan: which coach each unassigned case would go to, given the cases in the queue's
-- order and the coaches with their room. Case by case, best first, the case goes to the coach with
-- room that may take it (a course coach takes only cases of its course): a coach of the case's
-- course first, then the one with most room, then by name; its room drops by one. A case no coach
-- may take stays unassigned (coach NULL) and does not stop the later ones. coach_assign_cases
-- writes this plan; coach_queue shows it (planned_coach, overflow), so that what the queue calls
-- overflow is exactly what assignment leaves. Pure (reads no table, arrays in, rows out): the view
-- passes what it read with its owner's rights, and a viewer executes it with its own. A recursive
-- query, one step per case while some coach has room (then every later case is unassigned), each
-- step a scan of the coaches: cases x coaches at worst. The courses are coded as integers first
-- (0: a case without course, -1: a coach of every course, -2: a course no case has), because an
-- element of a text array is found by walking the array, one of an int array without NULLs at once
-- (10,000 cases, 50 coaches: 1.4 s rather than 12 s).
CREATE FUNCTION learnalytics_internal.coach_plan(case_ids bigint[], case_courses text[], coaches text[],
    coach_courses text[], coach_rooms integer[])
RETURNS TABLE (alert_id bigint, coach text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH RECURSIVE course_ids AS (
    SELECT x.course, pg_catalog.row_number() OVER (ORDER BY x.course) AS id
    FROM (SELECT DISTINCT c FROM pg_catalog.unnest(case_courses) c WHERE c IS NOT NULL) x(course)
  ), codes AS (
    SELECT (SELECT pg_catalog.array_agg(coalesce(ci.id, 0)::integer ORDER BY c.i)
              FROM pg_catalog.unnest(case_courses) WITH ORDINALITY c(course, i)
              LEFT JOIN course_ids ci ON ci.course = c.course) AS case_code,
           (SELECT pg_catalog.array_agg(CASE WHEN c.course IS NULL THEN -1 ELSE coalesce(ci.id, -2) END::integer ORDER BY c.i)
              FROM pg_catalog.unnest(coach_courses) WITH ORDINALITY c(course, i)
              LEFT JOIN course_ids ci ON ci.course = c.course) AS coach_code
  ), step (i, room, pick) AS (
    SELECT 0, coach_rooms, NULL::integer
    UNION ALL
    SELECT s.i + 1,
           CASE WHEN p.k IS NULL THEN s.room
                ELSE s.room[:p.k - 1] || (s.room[p.k] - 1) || s.room[p.k + 1:] END,
           p.k
    FROM step s
    CROSS JOIN codes d
    CROSS JOIN LATERAL (
      SELECT (SELECT k FROM pg_catalog.generate_subscripts(coaches, 1) k
               WHERE s.room[k] > 0 AND d.coach_code[k] IN (-1, d.case_code[s.i + 1])
               ORDER BY d.coach_code[k] = d.case_code[s.i + 1] DESC, s.room[k] DESC, coaches[k]
               LIMIT 1) AS k) p
    WHERE s.i < pg_catalog.cardinality(case_ids) AND 0 < ANY (s.room)
  )
  SELECT case_ids[n.i], coaches[s.pick]
  FROM pg_catalog.generate_subscripts(case_ids, 1) n(i)
  LEFT JOIN step s ON s.i = n.i
  ORDER BY n.i;
END;
COMMENT ON FUNCTION learnalytics_internal.coach_plan(bigint[], text[], text[], text[], integer[]) IS
'the coach each case would be assigned to (NULL: none may take it), cases in queue order, coaches with their room (see coach_assign_cases)';

-- Assign the queue, best first, by the plan above: coaches active, room from their open caseload
-- and the day's intake. Returns how many cases were assigned; the rest stay in the queue (overflow).
-- The advisory lock serialises concurrent runs (two would both see the same room).
CREATE FUNCTION @extschema@.coach_assign_cases(day date DEFAULT CURRENT_DATE)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n integer;
BEGIN
  IF day IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'day must not be null',
      DETAIL = 'coach_assign_cases assigns the queue as of one day; its daily intake counts that day''s assignments.';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.coach_queue'));
  WITH queue AS (   -- coach_queue's order: learnalytics_internal.coach_case_priority (risk_alerts.sql)
    SELECT a.id, a.course,
           row_number() OVER (ORDER BY p.scored DESC, p.priority DESC, a.opened_on, a.id) AS queue_rank
      FROM @extschema@.alert a
      JOIN learnalytics_internal.coach_case_priority p ON p.alert_id = a.id
     WHERE a.status = 'coach_required'
       AND NOT EXISTS (SELECT 1 FROM @extschema@.coach_assignment ca WHERE ca.alert_id = a.id)
  ), coaches AS (
    SELECT c.name, c.course,
           learnalytics_internal.coach_room(c.capacity,
             (SELECT count(*) FROM @extschema@.coach_assignment ca JOIN @extschema@.alert a ON a.id = ca.alert_id
               WHERE ca.coach = c.name AND a.closed_at IS NULL),
             c.daily_intake,
             (SELECT count(*) FROM @extschema@.coach_assignment ca WHERE ca.coach = c.name AND ca.assigned_on = day))
             AS room
      FROM @extschema@.coach c
     WHERE c.active
  )
  INSERT INTO @extschema@.coach_assignment (alert_id, coach, assigned_on)
  SELECT p.alert_id, p.coach, day
    FROM learnalytics_internal.coach_plan(
           (SELECT array_agg(q.id ORDER BY q.queue_rank) FROM queue q),
           (SELECT array_agg(q.course ORDER BY q.queue_rank) FROM queue q),
           (SELECT array_agg(c.name ORDER BY c.name) FROM coaches c),
           (SELECT array_agg(c.course ORDER BY c.name) FROM coaches c),
           (SELECT array_agg(c.room ORDER BY c.name) FROM coaches c)) p
   WHERE p.coach IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.coach_assign_cases(date) IS
'assign unassigned coach-required cases in coach_queue''s order to active coaches with room: open cases below capacity and, with a daily intake, that day''s new cases below it; a course coach only for its course; returns how many';

-- Outbox consumers -------------------------------------------------------------------

CREATE FUNCTION @extschema@.outbox_claim(consumer text, max_messages integer DEFAULT 10,
    channels text[] DEFAULT NULL, lease interval DEFAULT '5 minutes')
RETURNS SETOF @extschema@.alert_outbox
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF consumer IS NULL OR max_messages IS NULL OR max_messages < 1 OR lease IS NULL OR lease <= '0'::interval THEN
    RAISE EXCEPTION 'consumer, max_messages >= 1 and a positive lease are required'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- stale messages are never handed out: their case is closed, or their contact already has an
  -- outcome (cancelled, or decided from what happened); a contact still pending is cancelled with them
  WITH stale AS (
    UPDATE @extschema@.alert_outbox o
       SET status = 'cancelled', claimed_until = NULL,
           last_error = CASE WHEN a.closed_at IS NOT NULL THEN 'case closed' ELSE 'contact has an outcome' END
      FROM @extschema@.alert a
     WHERE a.id = o.alert_id
       AND (o.status = 'pending' OR (o.status = 'claimed' AND o.claimed_until < now()))
       AND (a.closed_at IS NOT NULL
            OR EXISTS (SELECT 1 FROM @extschema@.alert_contact ac WHERE ac.id = o.contact_id AND ac.outcome <> 'pending'))
    RETURNING o.contact_id, a.closed_on)
  UPDATE @extschema@.alert_contact ac SET outcome = 'cancelled', outcome_on = stale.closed_on
    FROM stale WHERE ac.id = stale.contact_id AND ac.outcome = 'pending';
  -- expired leases that used up their attempts go to the dead letter
  UPDATE @extschema@.alert_outbox o SET status = 'dead', last_error = coalesce(o.last_error, 'lease expired')
    FROM @extschema@.alert_channel ch
   WHERE ch.name = o.channel AND o.status = 'claimed' AND o.claimed_until < now()
     AND o.attempts >= ch.max_attempts;
  RETURN QUERY
  WITH c AS (
    SELECT o.id FROM @extschema@.alert_outbox o
     WHERE ((o.status = 'pending' AND o.available_at <= now()) OR (o.status = 'claimed' AND o.claimed_until < now()))
       AND (channels IS NULL OR o.channel = ANY (channels))
       -- a case closed since the statement above: left for the next claim to cancel
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert a WHERE a.id = o.alert_id AND a.closed_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert_contact ac WHERE ac.id = o.contact_id AND ac.outcome <> 'pending')
       -- a snoozed case's messages wait until the snooze ends (today's date in the session's zone)
       AND NOT EXISTS (SELECT 1 FROM @extschema@.alert a WHERE a.id = o.alert_id AND a.snoozed_until > current_date)
     ORDER BY o.available_at, o.id
     LIMIT max_messages
     FOR UPDATE SKIP LOCKED)
  UPDATE @extschema@.alert_outbox o
     SET status = 'claimed', attempts = o.attempts + 1, claimed_by = consumer, claimed_until = now() + lease
    FROM c WHERE o.id = c.id
  RETURNING o.*;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_claim(text, integer, text[], interval) IS
'claim up to max_messages ready messages (FOR UPDATE SKIP LOCKED) for a lease; expired leases are claimable again; messages of closed cases or decided contacts are cancelled, never handed out; those of snoozed cases wait';

CREATE FUNCTION @extschema@.outbox_mark_sent(message_id bigint, consumer text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE @extschema@.alert_outbox o SET status = 'sent', sent_at = now(), claimed_until = NULL
   WHERE o.id = message_id AND o.status = 'claimed' AND (consumer IS NULL OR o.claimed_by = consumer);
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_mark_sent(bigint, text) IS
'mark a claimed message sent; false when it is not claimed (by this consumer, if given)';

CREATE FUNCTION @extschema@.outbox_mark_failed(message_id bigint, error text, consumer text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  st text;
BEGIN
  UPDATE @extschema@.alert_outbox o
     SET status = CASE WHEN o.attempts >= ch.max_attempts THEN 'dead' ELSE 'pending' END,
         available_at = now() + ch.retry_backoff * power(2, greatest(o.attempts - 1, 0))::float8,
         last_error = error, claimed_until = NULL
    FROM @extschema@.alert_channel ch
   WHERE ch.name = o.channel AND o.id = message_id AND o.status = 'claimed'
     AND (consumer IS NULL OR o.claimed_by = consumer)
  RETURNING o.status INTO st;
  RETURN st;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_mark_failed(bigint, text, text) IS
'a delivery failed: retry after the channel''s backoff x 2^(attempts-1), or dead-letter after max_attempts; returns the new status';

CREATE FUNCTION @extschema@.outbox_retry_dead(message_id bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE @extschema@.alert_outbox o SET status = 'pending', attempts = 0, available_at = now()
   WHERE o.id = message_id AND o.status = 'dead';
  RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.outbox_retry_dead(bigint) IS 'put a dead-lettered message back in the queue with fresh attempts';

CREATE VIEW @extschema@.alert_outbox_dead_letter AS
SELECT o.id, o.created_at, o.channel, o.alert_id, o.learner, o.attempts, o.last_error, o.payload
FROM @extschema@.alert_outbox o WHERE o.status = 'dead';
COMMENT ON VIEW @extschema@.alert_outbox_dead_letter IS 'messages that used up their delivery attempts';
-- Retention handler of the built-in policy alerts (retention.sql): alerts closed before the cut-off
-- (their contacts and coach assignments go with them) and outbox messages sent or dead before it.
-- Returns the alerts and messages deleted (dry_run: that would be).
CREATE FUNCTION learnalytics_internal.alert_prune(cutoff timestamptz, dry_run boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
  m bigint;
  k bigint;
BEGIN
  IF cutoff IS NULL OR NOT isfinite(cutoff) OR dry_run IS NULL THEN
    RAISE EXCEPTION 'cutoff must be a finite time and dry_run not null' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF dry_run THEN
    SELECT count(*) INTO n FROM @extschema@.alert_outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < cutoff;
    SELECT count(*) INTO m FROM @extschema@.alert a WHERE a.closed_at < cutoff;
    SELECT count(*) INTO k FROM @extschema@.alert_suppression s WHERE s.day < (cutoff AT TIME ZONE 'UTC')::date;
  ELSE
    DELETE FROM @extschema@.alert_outbox o WHERE o.status IN ('sent', 'dead') AND o.created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- a message of a case about to be deleted would lose its alert_id (ON DELETE SET NULL) and
    -- look like one queued by hand: it is cancelled first, never delivered
    UPDATE @extschema@.alert_outbox o SET status = 'cancelled', claimed_until = NULL, last_error = 'case pruned'
      FROM @extschema@.alert a
     WHERE a.id = o.alert_id AND a.closed_at < cutoff AND o.status IN ('pending', 'claimed');
    DELETE FROM @extschema@.alert a WHERE a.closed_at < cutoff;
    GET DIAGNOSTICS m = ROW_COUNT;
    -- the alerts outages held back, of days (UTC) before the cutoff
    DELETE FROM @extschema@.alert_suppression s WHERE s.day < (cutoff AT TIME ZONE 'UTC')::date;
    GET DIAGNOSTICS k = ROW_COUNT;
  END IF;
  RETURN n + m + k;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.alert_prune(timestamptz, boolean) IS
'retention handler: delete (dry_run: count) alerts closed, outbox messages sent or dead and suppressed alerts (alert_suppression) of days before cutoff; returns how many';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Trigger functions need no grant:
-- a trigger runs its function whoever fires it.
GRANT SELECT, INSERT, UPDATE, DELETE ON
  @extschema@.alert, @extschema@.alert_reason, @extschema@.alert_contact, @extschema@.coach, @extschema@.coach_assignment,
  @extschema@.alert_outbox, @extschema@.alert_outbox_dead_letter, @extschema@.alert_suppression
TO learnalytics_admin;
GRANT SELECT ON
  @extschema@.alert, @extschema@.alert_reason, @extschema@.alert_contact, @extschema@.coach, @extschema@.coach_assignment,
  @extschema@.alert_effectiveness, @extschema@.alert_suppression, @extschema@.alert_suppressed
TO learnalytics_analyst;
-- The admin role escalates, records outcomes, assigns coaches, delivers and prunes.
GRANT EXECUTE ON FUNCTION learnalytics_internal.ladder_advance(@extschema@.alert_rule, date),
  @extschema@.contact_record_outcome(bigint, text, date), @extschema@.coach_assign_cases(date),
  @extschema@.outbox_claim(text, integer, text[], interval), @extschema@.outbox_mark_sent(bigint, text),
  @extschema@.outbox_mark_failed(bigint, text, text), @extschema@.outbox_retry_dead(bigint),
  learnalytics_internal.alert_prune(timestamptz, boolean)
  TO learnalytics_admin;

-- Job kind coach_assign_cases (jobs.sql, doc/pg_cron.md): no arguments; the day the job runs.
CREATE FUNCTION learnalytics_internal.job_coach_assign_cases(args jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF learnalytics_internal.job_args('coach_assign_cases', args, '{}') THEN
    RETURN NULL;
  END IF;
  RETURN format('%s cases assigned', @extschema@.coach_assign_cases(CURRENT_DATE));
END
$$;
COMMENT ON FUNCTION learnalytics_internal.job_coach_assign_cases(jsonb) IS
'job handler of kind coach_assign_cases: assign today''s coach queue (no arguments)';
INSERT INTO @extschema@.job_kind (kind, handler, description) VALUES
  ('coach_assign_cases', 'learnalytics_internal.job_coach_assign_cases(jsonb)',
   'coach_assign_cases(today): assign the coach queue within the coaches'' capacity; no arguments');
GRANT EXECUTE ON FUNCTION learnalytics_internal.job_coach_assign_cases(jsonb) TO learnalytics_admin;
