
-------------------------------------------------------------------------------
-- alert_simulation: replay equal to live. What live evaluation, run day by day over a period,
-- would have written: the engine itself run in a transaction that is rolled back
-- (doc/alerts.md, "Replay")
-------------------------------------------------------------------------------
-- alert_replay's schedule: the moments at which a live schedule running every few minutes would
-- first see a day of the period complete, for the rules a replay evaluates (as rule_evaluate_all
-- picks them: the named ones, or every enabled rule). One moment per day when the rules share a
-- time zone (midnight ending the day there); with several zones, the midnight ending each day in
-- each zone, in time order. At each moment: the rules argument to pass to rule_evaluate_all (the
-- caller's own, NULL included, when every rule's last complete day then is in the period; else
-- the names of those whose day is, so that no day outside the period is evaluated), and the days
-- whose coach assignment follows (a day once it is complete in every zone).
CREATE FUNCTION learnalytics_internal.alert_replay_steps(from_day date, to_day date, rules text[],
    OUT as_of timestamptz, OUT names text[], OUT assign_days date[])
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH sel AS (SELECT r.name, r.tz FROM @extschema@.alert_rule r
                WHERE (rules IS NULL AND r.enabled) OR r.name = ANY (rules)),
  pairs AS (SELECT g::date AS day, ((g::date + 1)::timestamp AT TIME ZONE z.tz) AS as_of
              FROM generate_series(from_day::timestamp, to_day::timestamp, interval '1 day') g,
                   (SELECT DISTINCT sel.tz FROM sel) z),
  last_tick AS (SELECT p.day, max(p.as_of) AS as_of FROM pairs p GROUP BY p.day),
  ticks AS (SELECT DISTINCT p.as_of FROM pairs p)
  SELECT t.as_of,
         CASE WHEN e.n = (SELECT count(*) FROM sel) THEN rules ELSE e.names END,
         ARRAY(SELECT l.day FROM last_tick l WHERE l.as_of = t.as_of ORDER BY l.day)
    FROM ticks t
   CROSS JOIN LATERAL (
         -- the rule's day as of t: the last complete day in its time zone (as rule_evaluate)
         SELECT coalesce(array_agg(sel.name ORDER BY sel.name), '{}') AS names, count(*) AS n FROM sel
          WHERE ((t.as_of AT TIME ZONE sel.tz) - interval '1 day')::date BETWEEN from_day AND to_day) e
   ORDER BY t.as_of
$$;
COMMENT ON FUNCTION learnalytics_internal.alert_replay_steps(date, date, text[]) IS
'alert_replay''s schedule: the moments days of the period end in the time zones of the rules replayed, the rules to evaluate then and the days whose coach assignment follows';

-- Replay = live. The engine runs day by day over the period inside a block that ends by raising a
-- private SQLSTATE (LAR01) and catching it, which rolls back everything the block wrote; the cases,
-- reasons, contacts and assignments it wrote are kept in variables (PL/pgSQL variables survive the
-- rollback) and returned as events. The block starts from a clean slate: it deletes the cases
-- live evaluation from from_day on would see (as if the engine had started on from_day), so the
-- cooldowns and the one-open-case rule act on the replayed cases only.
CREATE FUNCTION @extschema@.alert_replay(from_day date, to_day date, rules text[] DEFAULT NULL,
    assign_coaches boolean DEFAULT true)
RETURNS TABLE (day date, event text, case_key text, learner text, rule text, step integer,
               channel text, kind text, coach text, detail jsonb)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cases    @extschema@.alert[];
  reasons  @extschema@.alert_reason[];
  contacts @extschema@.alert_contact[];
  assigned @extschema@.coach_assignment[];
  s        record;
  d        date;
  missing  text;
  started  timestamptz := clock_timestamp();
  done     integer := 0;
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR NOT isfinite(from_day) OR NOT isfinite(to_day) OR from_day > to_day THEN
    RAISE EXCEPTION 'alert_replay needs finite days from_day <= to_day'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_day - from_day + 1 > 366 THEN
    RAISE EXCEPTION 'alert_replay period of % days is too long', to_day - from_day + 1
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A replay evaluates every rule on every day of the period and holds the engine''s locks until the transaction ends; at most 366 days.',
            HINT = 'Replay the period in parts of a year or less, each in its own transaction.';
  END IF;
  IF assign_coaches IS NULL THEN
    RAISE EXCEPTION 'assign_coaches must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT string_agg(format('"%s"', n), ', ') INTO missing FROM unnest(rules) n
   WHERE NOT EXISTS (SELECT 1 FROM @extschema@.alert_rule ar WHERE ar.name = n);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'alert rule % does not exist', missing USING ERRCODE = 'undefined_object';
  END IF;

  -- The engine's locks, for the whole transaction: live evaluation (rule_evaluate), coach
  -- assignment (coach_assign_cases) and dismissals wait until the replay's transaction ends. Taken
  -- here, outside the block: locks taken inside it would be released by its rollback.
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.alert'));
  PERFORM pg_advisory_xact_lock(hashtext('learnalytics.coach_queue'));
  BEGIN
    -- the clean slate: no case that live evaluation of from_day on would see. That is every open
    -- case, every case opened from from_day on, and every case closed recently enough for a
    -- cooldown to reach from_day; their reasons, contacts and assignments go with them (outbox
    -- messages keep their rows, alert_id set to NULL, until the rollback restores them). Older
    -- closed cases can change nothing the engine decides from from_day on: they stay (deleting
    -- a long history would only cost time) and are left out of the result.
    DELETE FROM @extschema@.alert a
     WHERE a.closed_on IS NULL OR a.opened_on >= from_day
        OR a.closed_on > from_day - (SELECT coalesce(max(ar.cooldown_days), 0) FROM @extschema@.alert_rule ar);
    FOR s IN SELECT * FROM learnalytics_internal.alert_replay_steps(from_day, to_day, rules) LOOP
      -- what the live schedule does at that moment (the engine evaluates the last complete day
      -- before as_of in each rule's time zone; a rule whose day is unchanged changes nothing)
      PERFORM FROM @extschema@.rule_evaluate_all(s.as_of, s.names, replaying => true);
      FOREACH d IN ARRAY s.assign_days LOOP
        IF assign_coaches THEN
          PERFORM @extschema@.coach_assign_cases(d);
        END IF;
        done := done + 1;
        IF done % 30 = 0 THEN
          PERFORM learnalytics_internal.progress_notice('alert_replay', 'days replayed', done, started,
                                                        format('of %s days', to_day - from_day + 1));
        END IF;
      END LOOP;
    END LOOP;
    cases    := ARRAY(SELECT a FROM @extschema@.alert a WHERE a.opened_on >= from_day);
    reasons  := ARRAY(SELECT r FROM @extschema@.alert_reason r JOIN @extschema@.alert a ON a.id = r.alert_id
                       WHERE a.opened_on >= from_day);
    contacts := ARRAY(SELECT c FROM @extschema@.alert_contact c JOIN @extschema@.alert a ON a.id = c.alert_id
                       WHERE a.opened_on >= from_day);
    assigned := ARRAY(SELECT ca FROM @extschema@.coach_assignment ca JOIN @extschema@.alert a ON a.id = ca.alert_id
                       WHERE a.opened_on >= from_day);
    RAISE EXCEPTION 'alert_replay rolls back' USING ERRCODE = 'LAR01';
  EXCEPTION WHEN SQLSTATE 'LAR01' THEN
    NULL;   -- everything the block wrote is undone; the variables keep what it saw
  END;

  RETURN QUERY
  WITH a AS (SELECT x.*, format('%s/%s/%s', x.opened_on, x.rule_name, x.learner) AS k FROM unnest(cases) x),
  ev AS (
    SELECT a.opened_on AS day, 'case_opened' AS event, a.k, a.learner, a.rule_name AS rule, NULL::integer AS step,
           NULL::text AS channel, NULL::text AS kind, NULL::text AS coach,
           jsonb_build_object('course', a.course, 'rule_version', a.rule_version, 'family', a.family,
                              'first_value', a.first_value, 'first_baseline', a.first_baseline) AS detail,
           0 AS ord
      FROM a
    UNION ALL
    SELECT r.first_on, 'reason_added', a.k, a.learner, r.rule_name, NULL, NULL, NULL, NULL,
           jsonb_build_object('course', r.course, 'family', r.family, 'rule_version', r.rule_version,
                              'lead', r.rule_name = a.rule_name, 'cleared_on', r.cleared_on), 1
      FROM unnest(reasons) r JOIN a ON a.id = r.alert_id
    UNION ALL
    SELECT c.contacted_on, 'contact', a.k, a.learner, a.rule_name, c.step, c.channel, c.kind, NULL,
           jsonb_build_object('outcome', c.outcome, 'outcome_on', c.outcome_on), 2
      FROM unnest(contacts) c JOIN a ON a.id = c.alert_id
    UNION ALL
    -- the case's first human step made it coach_required
    (SELECT DISTINCT ON (a.id) c.contacted_on, 'coach_required', a.k, a.learner, a.rule_name, c.step, c.channel,
            c.kind, NULL, '{}'::jsonb, 3
       FROM unnest(contacts) c JOIN a ON a.id = c.alert_id
      WHERE c.kind = 'human'
      ORDER BY a.id, c.step)
    UNION ALL
    SELECT ca.assigned_on, 'coach_assigned', a.k, a.learner, a.rule_name, NULL, NULL, NULL, ca.coach, '{}'::jsonb, 4
      FROM unnest(assigned) ca JOIN a ON a.id = ca.alert_id
    UNION ALL
    SELECT a.closed_on, 'case_closed', a.k, a.learner, a.rule_name, NULL, NULL, NULL, NULL,
           jsonb_build_object('status', a.status, 'close_reason', a.close_reason), 5
      FROM a WHERE a.closed_on IS NOT NULL)
  SELECT ev.day, ev.event, ev.k, ev.learner, ev.rule, ev.step, ev.channel, ev.kind, ev.coach, ev.detail
    FROM ev
   ORDER BY ev.day, ev.k, ev.ord, ev.step, ev.rule;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_replay(date, date, text[], boolean) IS
'what live evaluation day by day (and coach assignment) would have written over a period, from no case: cases opened, reasons, contacts, escalations, assignments, closings; runs the engine and rolls it back';

-- The volume coaches get: alert_replay per day.
CREATE FUNCTION @extschema@.alert_replay_daily(from_day date, to_day date, rules text[] DEFAULT NULL,
    assign_coaches boolean DEFAULT true)
RETURNS TABLE (day date, cases_opened bigint, reasons_added bigint, contacts_automated bigint,
               contacts_human bigint, coach_required bigint, coach_assigned bigint, cases_closed bigint,
               open_cases bigint, coach_cases_open bigint, coach_cases_unassigned bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  WITH e AS MATERIALIZED (SELECT * FROM @extschema@.alert_replay(from_day, to_day, rules, assign_coaches)),
  -- each case's days: opened, escalated to a coach, assigned, closed
  k AS (SELECT min(e.day) FILTER (WHERE e.event = 'case_opened') AS opened,
               min(e.day) FILTER (WHERE e.event = 'coach_required') AS escalated,
               min(e.day) FILTER (WHERE e.event = 'coach_assigned') AS assigned,
               min(e.day) FILTER (WHERE e.event = 'case_closed') AS closed
          FROM e GROUP BY e.case_key),
  -- the changes of the day-end counts: open cases, open coach cases, unassigned coach cases
  delta AS (SELECT k.opened AS day, 1 AS open_d, 0 AS coach_d, 0 AS unassigned_d FROM k
            UNION ALL SELECT k.closed, -1, 0, 0 FROM k WHERE k.closed IS NOT NULL
            UNION ALL SELECT k.escalated, 0, 1, 1 FROM k WHERE k.escalated IS NOT NULL
            UNION ALL SELECT k.assigned, 0, 0, -1 FROM k WHERE k.assigned IS NOT NULL
            UNION ALL SELECT k.closed, 0, -1, CASE WHEN k.assigned IS NULL THEN -1 ELSE 0 END
                        FROM k WHERE k.closed IS NOT NULL AND k.escalated IS NOT NULL),
  per_day AS (SELECT e.day,
                     count(*) FILTER (WHERE e.event = 'case_opened') AS opened,
                     count(*) FILTER (WHERE e.event = 'reason_added' AND NOT (e.detail ->> 'lead')::boolean) AS reasons,
                     count(*) FILTER (WHERE e.event = 'contact' AND e.kind = 'automated') AS automated,
                     count(*) FILTER (WHERE e.event = 'contact' AND e.kind = 'human') AS human,
                     count(*) FILTER (WHERE e.event = 'coach_required') AS escalated,
                     count(*) FILTER (WHERE e.event = 'coach_assigned') AS assigned,
                     count(*) FILTER (WHERE e.event = 'case_closed') AS closed
                FROM e GROUP BY e.day),
  d AS (SELECT delta.day, sum(delta.open_d) AS open_d, sum(delta.coach_d) AS coach_d,
               sum(delta.unassigned_d) AS unassigned_d
          FROM delta GROUP BY delta.day)
  SELECT g::date,
         coalesce(p.opened, 0), coalesce(p.reasons, 0), coalesce(p.automated, 0), coalesce(p.human, 0),
         coalesce(p.escalated, 0), coalesce(p.assigned, 0), coalesce(p.closed, 0),
         (sum(coalesce(d.open_d, 0)) OVER w)::bigint, (sum(coalesce(d.coach_d, 0)) OVER w)::bigint,
         (sum(coalesce(d.unassigned_d, 0)) OVER w)::bigint
    FROM generate_series(from_day::timestamp, to_day::timestamp, interval '1 day') g
    LEFT JOIN per_day p ON p.day = g::date
    LEFT JOIN d ON d.day = g::date
  WINDOW w AS (ORDER BY g)
   ORDER BY 1;
END
$$;
COMMENT ON FUNCTION @extschema@.alert_replay_daily(date, date, text[], boolean) IS
'alert_replay per day: cases opened, reasons added, contacts by kind, escalations, assignments, closings, and the open and coach caseload at the end of each day';

-- Privileges (doc/roles.md). Replay runs the engine (in a transaction it rolls back), with its
-- locks: the admin role only.
GRANT EXECUTE ON FUNCTION learnalytics_internal.alert_replay_steps(date, date, text[]),
  @extschema@.alert_replay(date, date, text[], boolean), @extschema@.alert_replay_daily(date, date, text[], boolean)
  TO learnalytics_admin;
