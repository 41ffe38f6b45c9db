
-------------------------------------------------------------------------------
-- alert_templates: the templates, one block each (doc/alerts.md, "Templates")
--
-- A template is one block here: its candidates function
-- learnalytics_internal.candidates_<template>(alert_rule, date), which returns the learners
-- enrolled in the rule's scope (learnalytics_internal.enrolled_sql) whose condition holds on the
-- day, with the days it has held (persisted >= 1); optionally a set-based replay function; its row
-- of alert_template; and its rule, shipped disabled (builtin). rule_validate, rule_candidates,
-- rule_matches, rule_evaluate and the replays read the registry, so nothing else changes.
-- In the functions, $1 is the rule and $2 the day; rule fields reach SQL as bound parameters only.
-------------------------------------------------------------------------------

-- engagement_dip ---------------------------------------------------------------
-- The metric below threshold x its trailing baseline mean (engagement accessors on the learner's
-- summary); persisted = consecutive dip days ending on the day.
CREATE FUNCTION learnalytics_internal.candidates_engagement_dip(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT DISTINCT ON (c.learner) c.learner, c.course,
              (SELECT (CASE ($1).metric WHEN 'events' THEN a.events::float8 WHEN 'sessions' THEN a.sessions::float8
                       WHEN 'dwell' THEN extract(epoch FROM a.dwell)::float8 ELSE a.weight::float8 END)
                 FROM %1$I.daily_activity(c.summary, $2, $2) a),
              (%1$I.engagement_baseline(c.summary, $2, ($1).baseline_days, ($1).metric)).mean,
              %1$I.dip_ratio(c.summary, $2, ($1).baseline_days, ($1).metric, 1),
              c.p, c.business_weight,
              jsonb_build_object('metric', ($1).metric, 'days_inactive', %1$I.days_inactive(c.summary, $2))
         FROM (SELECT e.learner, e.course, e.business_weight, le.summary,
                      %1$I.dip_persistence(le.summary, $2, ($1).threshold, ($1).baseline_days, ($1).metric) AS p
                 FROM %2$s e JOIN learnalytics_internal.learner_summary le ON le.learner = e.learner) c
        WHERE c.p >= 1
        ORDER BY c.learner, c.business_weight DESC, c.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql('$2'))
  USING r, day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_engagement_dip(@extschema@.alert_rule, date) IS
'candidates of the engagement_dip template: enrolled learners whose metric is below threshold x its baseline mean, with the dip days';

-- one pass per learner over the summary (dip_alerts), not one evaluation per day
CREATE FUNCTION learnalytics_internal.replay_engagement_dip(r @extschema@.alert_rule, from_day date, to_day date,
    OUT day date, OUT learner text, OUT course text, OUT value float8, OUT baseline float8,
    OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT DISTINCT ON (e.learner, x.day) x.day, e.learner, e.course, x.value::float8, x.baseline, x.ratio, x.persisted
         FROM %2$s e
         JOIN learnalytics_internal.learner_summary le ON le.learner = e.learner
        CROSS JOIN LATERAL %1$I.dip_alerts(le.summary, $3, ($1).threshold, ($1).baseline_days, ($1).fire_after,
                                           ($1).metric, $2) x
        WHERE e.enrolled_day <= x.day AND (e.left_day IS NULL OR e.left_day > x.day)
        ORDER BY e.learner, x.day, e.business_weight DESC, e.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql())
  USING r, from_day, to_day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.replay_engagement_dip(@extschema@.alert_rule, date, date) IS
'replay of the engagement_dip template: dip_alerts over each enrolled learner''s summary, on enrolled days';

INSERT INTO @extschema@.alert_template (name, parameters, candidates, replay, outage_sensitive, description, builtin) VALUES
  ('engagement_dip', '{metric,threshold,baseline_days}',
   'learnalytics_internal.candidates_engagement_dip(@extschema@.alert_rule, date)',
   'learnalytics_internal.replay_engagement_dip(@extschema@.alert_rule, date, date)', true,
   'the metric below threshold x the learner''s baseline_days-day mean', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, metric, threshold, baseline_days,
    fire_after, escalate_after, severity, escalated_severity, cooldown_days, ladder, ladder_after,
    reengage_days, description, builtin)
VALUES ('engagement_dip', 'engagement', 'engagement_dip', false, 'events', 0.6, 14, 3, 5, 'low', 'high', 7,
   '{in_app_nudge,quick_tip,coach_outreach}', '{3,4,5}', 1,
   'events 40% below the learner''s 14-day average for 3 days: in-app nudge, then a quick tip; coach outreach at 5 days', true);

-- assignment_miss ----------------------------------------------------------------
-- An assignment of the course due after enrolment and in the window_days days before the day
-- (overdue 1 to window_days days), not submitted by the day; persisted = days the most overdue one
-- is overdue. A submission clears it, and so does the end of the window: an assignment missed long
-- ago is no reason to contact a learner today.
CREATE FUNCTION learnalytics_internal.candidates_assignment_miss(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT DISTINCT ON (m.learner) m.learner, m.course, m.overdue::float8, NULL::float8, NULL::float8,
              m.overdue, m.business_weight,
              jsonb_build_object('assignment', m.assignment, 'due_at', m.due_at, 'missing',
                                 count(*) OVER (PARTITION BY m.learner))
         FROM (SELECT e.learner, e.course, e.business_weight, a.assignment, a.due_at,
                      $2 - (a.due_at AT TIME ZONE ($1).tz)::date AS overdue
                 FROM %1$s e JOIN %2$s a ON a.course = e.course
                WHERE (a.due_at AT TIME ZONE ($1).tz)::date < $2
                  AND (a.due_at AT TIME ZONE ($1).tz)::date >= $2 - ($1).window_days
                  AND (a.due_at AT TIME ZONE ($1).tz)::date >= e.enrolled_day
                  AND NOT EXISTS (SELECT 1 FROM %3$s s
                                   WHERE s.course = a.course AND s.assignment = a.assignment
                                     AND s.learner = e.learner
                                     AND (s.submitted_at AT TIME ZONE ($1).tz)::date <= $2)) m
        ORDER BY m.learner, m.overdue DESC, m.course, m.assignment$q$,
    learnalytics_internal.enrolled_sql('$2'), learnalytics_internal.learning_source_sql('assignment'),
    learnalytics_internal.learning_source_sql('assignment_submission'))
  USING r, day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_assignment_miss(@extschema@.alert_rule, date) IS
'candidates of the assignment_miss template: enrolled learners with an assignment overdue 1 to window_days days and not submitted, with the days overdue';

INSERT INTO @extschema@.alert_template (name, parameters, candidates, description, builtin) VALUES
  ('assignment_miss', '{window_days}', 'learnalytics_internal.candidates_assignment_miss(@extschema@.alert_rule, date)',
   'an assignment due since enrolment and in the last window_days days, not submitted by the day', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, window_days, fire_after, escalate_after,
    severity, escalated_severity, cooldown_days, ladder, ladder_after, automated_before_human, reengage_days,
    description, builtin)
VALUES ('assignment_miss', 'assignment', 'assignment_miss', false, 14, 2, 5, 'medium', 'high', 3,
   '{email_reminder,sms,coach_call}', '{2,5,5}', 2, 1,
   'no submission 2 days past due (within 14 days): e-mail reminder with resources; SMS at 5 days overdue, coach call the day the SMS failed', true);

-- low_quiz_attempts --------------------------------------------------------------
-- Attempts in the window_days ending on each of the last k days, against the average of the
-- learner's course and cohort (zeros included); persisted = trailing days the share held, looking
-- back at most k = max(fire_after, escalate_after) days (hence max_escalate_after 60).
CREATE FUNCTION learnalytics_internal.candidates_low_quiz_attempts(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$WITH enr AS %1$s,
    days AS (SELECT ($2 - g)::date AS d FROM generate_series(0, $3 - 1) g),
    att AS (SELECT q.learner, q.course, (q.attempted_at AT TIME ZONE ($1).tz)::date AS d, count(*) AS n
              FROM %2$s q
             WHERE q.attempted_at >= (($2 - $3 - ($1).window_days + 1)::timestamp AT TIME ZONE ($1).tz)
               AND q.attempted_at < (($2 + 1)::timestamp AT TIME ZONE ($1).tz)
             GROUP BY 1, 2, 3),
    per AS (SELECT e.learner, e.course, e.cohort, e.business_weight, days.d,
                   coalesce((SELECT sum(att.n) FROM att
                              WHERE att.learner = e.learner AND att.course = e.course
                                AND att.d BETWEEN days.d - ($1).window_days + 1 AND days.d), 0)::float8 AS n
              FROM enr e CROSS JOIN days WHERE e.enrolled_day <= days.d),
    coh AS (SELECT per.*, avg(per.n) OVER (PARTITION BY per.course, per.cohort, per.d) AS cavg FROM per),
    flag AS (SELECT coh.*, (coh.cavg > 0 AND coh.n < ($1).threshold * coh.cavg) AS cond FROM coh),
    run AS (SELECT f.learner, f.course,
                   $2 - coalesce(max(f.d) FILTER (WHERE NOT f.cond), least($2 - $3, min(f.d) - 1)) AS p
              FROM flag f GROUP BY f.learner, f.course)
    SELECT DISTINCT ON (f.learner) f.learner, f.course, f.n, f.cavg, f.n / f.cavg, run.p::integer,
           f.business_weight, jsonb_build_object('window_days', ($1).window_days, 'cohort', f.cohort)
      FROM flag f JOIN run ON run.learner = f.learner AND run.course = f.course
     WHERE f.d = $2 AND f.cond
     ORDER BY f.learner, run.p DESC, f.n / f.cavg, f.course$q$,
    learnalytics_internal.enrolled_sql('$2'), learnalytics_internal.learning_source_sql('quiz_attempt'))
  USING r, day, greatest(r.fire_after, r.escalate_after);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_low_quiz_attempts(@extschema@.alert_rule, date) IS
'candidates of the low_quiz_attempts template: enrolled learners whose quiz attempts in window_days are below threshold x their cohort''s average';

-- inputs: without any quiz attempt in scope every cohort average is 0 and nobody would ever match
INSERT INTO @extschema@.alert_template (name, parameters, max_escalate_after, candidates, inputs, description, builtin) VALUES
  ('low_quiz_attempts', '{threshold,window_days}', 60,
   'learnalytics_internal.candidates_low_quiz_attempts(@extschema@.alert_rule, date)', '{quiz_attempt}',
   'quiz attempts in window_days below threshold x the average of the course and cohort', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, threshold, window_days, fire_after,
    escalate_after, severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days,
    description, builtin)
VALUES ('low_quiz_attempts', 'quiz', 'low_quiz_attempts', false, 0.25, 14, 1, 7, 'low', 'medium', 7,
   '{micro_lesson,email,instructor_intervention}', '{1,4,7}', 3,
   'quiz attempts in 14 days below 25% of the cohort average: targeted micro-lesson; instructor intervention if it persists', true);

-- stalled_start ------------------------------------------------------------------
-- A started module (or, with no progress at all, the enrolment) at least window_days old, progress
-- at most threshold, no activity since; persisted = days without activity.
CREATE FUNCTION learnalytics_internal.candidates_stalled_start(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT DISTINCT ON (s.learner) s.learner, s.course, s.progress::float8, ($1).threshold::float8,
              (s.progress / ($1).threshold)::float8, s.idle, s.business_weight,
              jsonb_build_object('module', s.module, 'started_on', s.started_on, 'last_active_on', s.last_on)
         FROM (SELECT e.learner, e.course, e.business_weight, mp.module,
                      coalesce(mp.progress, 0) AS progress,
                      coalesce((mp.started_at AT TIME ZONE ($1).tz)::date, e.enrolled_day) AS started_on,
                      coalesce((coalesce(mp.last_activity_at, mp.started_at) AT TIME ZONE ($1).tz)::date,
                               e.enrolled_day) AS last_on,
                      $2 - coalesce((coalesce(mp.last_activity_at, mp.started_at) AT TIME ZONE ($1).tz)::date,
                                    e.enrolled_day) AS idle
                 FROM %1$s e
                 LEFT JOIN %2$s mp ON mp.learner = e.learner AND mp.course = e.course
                      AND (mp.started_at AT TIME ZONE ($1).tz)::date <= $2) s
        WHERE s.started_on <= $2 - ($1).window_days AND s.progress <= ($1).threshold AND s.idle >= 1
        ORDER BY s.learner, s.idle DESC, s.course, s.module$q$,
    learnalytics_internal.enrolled_sql('$2'), learnalytics_internal.learning_source_sql('module_progress'))
  USING r, day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_stalled_start(@extschema@.alert_rule, date) IS
'candidates of the stalled_start template: enrolled learners idle in a module started window_days ago with progress at most threshold';

-- inputs: without any progress row in scope every learner would count as never started and match
-- window_days after enrolling
INSERT INTO @extschema@.alert_template (name, parameters, candidates, inputs, description, builtin) VALUES
  ('stalled_start', '{threshold,window_days}', 'learnalytics_internal.candidates_stalled_start(@extschema@.alert_rule, date)',
   '{module_progress}',
   'no activity in a module started window_days ago with progress at most threshold', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, threshold, window_days, fire_after,
    escalate_after, severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days,
    description, builtin)
VALUES ('stalled_start', 'stalled', 'stalled_start', false, 0.2, 7, 3, 7, 'medium', 'high', 14,
   '{in_app_nudge,email,coach_outreach}', '{3,5,7}', 2,
   'stopped interacting after completing at most 20% of a module in its first 7 days', true);

-- inactivity ---------------------------------------------------------------------
-- No activity (learner_engagement) on any of the window_days days ending on the day, all of them
-- enrolled days: idle = the day minus the last active day, or minus the day before enrolment when
-- the learner has not been active since (or never); persisted = idle - window_days + 1. The same
-- count as days_inactive(summary, day) >= window_days for a learner active since enrolling, which
-- learner_engagement_state shows as "inactive".
CREATE FUNCTION learnalytics_internal.candidates_inactivity(r @extschema@.alert_rule, day date,
    OUT learner text, OUT course text, OUT value float8, OUT baseline float8, OUT ratio float8,
    OUT persisted integer, OUT business_weight numeric, OUT detail jsonb)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$SELECT DISTINCT ON (c.learner) c.learner, c.course, c.idle::float8, NULL::float8, NULL::float8,
              c.idle - ($1).window_days + 1, c.business_weight,
              jsonb_build_object('window_days', ($1).window_days, 'last_active_on', c.last_on)
         FROM (SELECT e.learner, e.course, e.business_weight, a.last_on,
                      $2 - greatest(e.enrolled_day - 1, a.last_on) AS idle
                 FROM %2$s e
                 LEFT JOIN learnalytics_internal.learner_summary le ON le.learner = e.learner
                 CROSS JOIN LATERAL (SELECT $2 - %1$I.days_inactive(le.summary, $2) AS last_on) a) c
        WHERE c.idle >= ($1).window_days
        ORDER BY c.learner, c.idle DESC, c.business_weight DESC, c.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql('$2'))
  USING r, day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.candidates_inactivity(@extschema@.alert_rule, date) IS
'candidates of the inactivity template: enrolled learners without activity on the window_days days ending on the day';

-- The replay in one pass: for each enrolment the idle runs between "anchors" (the day before
-- enrolment or the last active day before the period, whichever is later, then each active day of
-- the period from daily_activity), in which idle = day - anchor; the rule fires on the days with
-- idle >= window_days + fire_after - 1, clipped to the enrolled days of [from_day - 1, to_day]. A
-- learner's firing days are the union over their enrolments (gaps and islands); an alert is the
-- first day of each island from from_day on, with the values candidates_inactivity gives that day
-- (the enrolment with the most idle days). Equal to the day-by-day path (sql/59_rules_inactivity).
CREATE FUNCTION learnalytics_internal.replay_inactivity(r @extschema@.alert_rule, from_day date, to_day date,
    OUT day date, OUT learner text, OUT course text, OUT value float8, OUT baseline float8,
    OUT ratio float8, OUT persisted integer)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    $q$WITH e AS MATERIALIZED (   -- enrolments in scope, their enrolled days within [from_day - 1, to_day]
      SELECT row_number() OVER () AS eid, en.learner, en.course, en.business_weight, en.enrolled_day, en.left_day,
             greatest(en.enrolled_day, $2 - 1) AS lo, least(coalesce(en.left_day - 1, $3), $3) AS hi
        FROM %2$s en
       WHERE en.learner IS NOT NULL AND en.enrolled_day <= $3 AND (en.left_day IS NULL OR en.left_day > $2 - 1)
         AND greatest(en.enrolled_day, $2 - 1) <= least(coalesce(en.left_day - 1, $3), $3)),
    l AS (SELECT e.learner, min(e.lo) AS lo FROM e GROUP BY e.learner),
    s AS MATERIALIZED (   -- per learner: the last active day before the period, the active days in it
      SELECT l.learner, l.lo, le.summary, (l.lo - 1) - %1$I.days_inactive(le.summary, l.lo - 1) AS last_before
        FROM l JOIN learnalytics_internal.learner_summary le ON le.learner = l.learner),
    act AS (SELECT s.learner, a.day FROM s CROSS JOIN LATERAL %1$I.daily_activity(s.summary, s.lo, $3) a
             WHERE a.events > 0),
    anchors AS (   -- per enrolment: the start anchor, then its active days after it
      SELECT e.eid, e.learner, e.lo, e.hi, greatest(e.enrolled_day - 1, s.last_before) AS a
        FROM e LEFT JOIN s ON s.learner = e.learner
      UNION ALL
      SELECT e.eid, e.learner, e.lo, e.hi, act.day
        FROM e JOIN act ON act.learner = e.learner AND act.day > e.enrolled_day - 1 AND act.day <= e.hi),
    runs AS (SELECT an.*, lead(an.a) OVER (PARTITION BY an.eid ORDER BY an.a) AS next_a
               FROM anchors an),
    fire AS (   -- firing days of each run: idle = day - a >= window_days + fire_after - 1
      SELECT f.learner, f.fs, f.fe
        FROM (SELECT runs.learner, greatest(runs.a + ($1).window_days + ($1).fire_after - 1, runs.lo) AS fs,
                     least(coalesce(runs.next_a - 1, runs.hi), runs.hi) AS fe
                FROM runs) f
       WHERE f.fs <= f.fe),
    islands AS (SELECT fire.learner, fire.fs, max(fire.fe) OVER (PARTITION BY fire.learner ORDER BY fire.fs, fire.fe
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                  FROM fire)
    SELECT DISTINCT ON (i.learner, i.fs) i.fs, i.learner, v.course, v.idle::float8, NULL::float8, NULL::float8,
           v.idle - ($1).window_days + 1
      FROM islands i
     CROSS JOIN LATERAL (
       SELECT e.course, e.business_weight,
              i.fs - greatest(e.enrolled_day - 1, i.fs - %1$I.days_inactive(le.summary, i.fs)) AS idle
         FROM e LEFT JOIN learnalytics_internal.learner_summary le ON le.learner = e.learner
        WHERE e.learner = i.learner AND e.enrolled_day <= i.fs AND (e.left_day IS NULL OR e.left_day > i.fs)) v
     WHERE (i.prev_end IS NULL OR i.fs > i.prev_end + 1) AND i.fs >= $2 AND v.idle >= ($1).window_days
     ORDER BY i.learner, i.fs, v.idle DESC, v.business_weight DESC, v.course$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql())
  USING r, from_day, to_day;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.replay_inactivity(@extschema@.alert_rule, date, date) IS
'replay of the inactivity template in one pass: idle runs between active days of each enrolled learner''s summary, on enrolled days';

INSERT INTO @extschema@.alert_template (name, parameters, candidates, replay, outage_sensitive, description, builtin) VALUES
  ('inactivity', '{window_days}', 'learnalytics_internal.candidates_inactivity(@extschema@.alert_rule, date)',
   'learnalytics_internal.replay_inactivity(@extschema@.alert_rule, date, date)', true,
   'no activity on the window_days days ending on the day, while enrolled', true);
INSERT INTO @extschema@.alert_rule (name, family, template, enabled, window_days, fire_after, escalate_after,
    severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days, description, builtin)
VALUES ('inactivity', 'inactivity', 'inactivity', false, 7, 1, 7, 'medium', 'high', 7,
   '{email_reminder,email,coach_outreach}', '{1,4,7}', 2,
   'no activity for 7 days: e-mail reminder, another e-mail at 10 days; coach outreach at 13 days', true);

-- Privileges (doc/roles.md). Evaluation (admin) and replay and rule_matches (analysts) call the
-- template functions with the caller's rights.
GRANT EXECUTE ON FUNCTION
  learnalytics_internal.candidates_engagement_dip(@extschema@.alert_rule, date),
  learnalytics_internal.replay_engagement_dip(@extschema@.alert_rule, date, date),
  learnalytics_internal.candidates_assignment_miss(@extschema@.alert_rule, date),
  learnalytics_internal.candidates_low_quiz_attempts(@extschema@.alert_rule, date),
  learnalytics_internal.candidates_stalled_start(@extschema@.alert_rule, date),
  learnalytics_internal.candidates_inactivity(@extschema@.alert_rule, date),
  learnalytics_internal.replay_inactivity(@extschema@.alert_rule, date, date)
TO learnalytics_analyst;
