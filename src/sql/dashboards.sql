
-------------------------------------------------------------------------------
-- dashboards: views for analysts and BI tools over enrolments, progress and alerts
-- (doc/dashboards.md)
-------------------------------------------------------------------------------

-- Who sees which learner (doc/roles.md, "Security model"). These views run with their owner's
-- rights, so a viewer reads them without any access to the tables beneath; each one therefore
-- filters the learners itself, with the predicate of the row-level security policies on the rollups
-- (rollups.sql): analysts and admins see every learner (sees_all_learners()), any other role only
-- the learners of the org units it manages (managed_learners()), a role that manages no unit
-- none. Views that aggregate learners (funnel, weekly counts) aggregate only the learners the reader
-- sees. Both functions run as the reader (a view does not change current_user) and are evaluated
-- once per query. security_barrier: a reader's own conditions, unless leakproof, are applied only
-- to the rows the filter let through, so a function of the reader's never sees another learner.
--
-- Learning data (enrolments, module progress) is read through its mapping (learning_source), from
-- learnalytics_internal.learning_enrolment and learning_module_progress (learning_data.sql): the
-- built-in table while the kind is not mapped, with the owner's rights as above; a mapped warehouse
-- relation with the READER's rights (a function reads it), so a reader needs SELECT on it, and its
-- own grants and row-level security apply. The learner filter is the same either way.

-- The engagement state of every learner as of the last complete day (yesterday) in the summary's time zone, under the shipped
-- rules: engagement_dip's metric, threshold, baseline_days and fire_after (a dip), inactivity's
-- window_days (inactive). No literal: the rules are the one source of the values (built-in rules
-- cannot be deleted; were one missing, the learner's state columns would be NULL). rule_parameters
-- says which rule versions and values the row used.
-- activity_28d: the events of each of the 28 days to as_of as a sparkline (lo 0), a space for a day
-- before the learner's first activity.
CREATE VIEW @extschema@.learner_engagement_state AS
SELECT le.learner, t.as_of, s.first_activity, s.last_activity, s.active_days, s.events, s.days_inactive,
       s.active_today, s.streak_days, s.baseline, s.baseline_days, s.dip_ratio, s.dip_days,
       s.state, s.reason,
       pg_catalog.jsonb_build_object(
         'engagement_dip', pg_catalog.jsonb_build_object('version', d.version, 'metric', d.metric,
                             'threshold', d.threshold, 'baseline_days', d.baseline_days, 'fire_after', d.fire_after),
         'inactivity', pg_catalog.jsonb_build_object('version', n.version, 'window_days', n.window_days))
         AS rule_parameters,
       (SELECT @extschema@.sparkline(pg_catalog.array_agg(a.events::float8 ORDER BY g.k), 0)
          FROM pg_catalog.generate_series(0, 27) g(k)
          LEFT JOIN @extschema@.daily_activity(le.summary, t.as_of - 27, t.as_of) a ON a.day = t.as_of - 27 + g.k)
         AS activity_28d
FROM learnalytics_internal.learner_summary le
CROSS JOIN LATERAL @extschema@.engagement_info(le.summary) i
CROSS JOIN LATERAL (SELECT (pg_catalog.now() AT TIME ZONE i.tz)::date - 1 AS as_of) t
LEFT JOIN @extschema@.alert_rule d ON d.name = 'engagement_dip'
LEFT JOIN @extschema@.alert_rule n ON n.name = 'inactivity'
LEFT JOIN LATERAL @extschema@.engagement_state(le.summary, t.as_of, d.threshold, d.baseline_days, d.metric,
                                               d.fire_after, n.window_days) s ON true;
COMMENT ON VIEW @extschema@.learner_engagement_state IS
'per learner, as of the last complete day (yesterday) in the summary''s time zone: engagement_state(summary, yesterday) under the engagement_dip and inactivity rules (rule_parameters: their versions and values)';

-- The risk state of every enrolment: the engagement state of the learner and the open alerts of the
-- enrolment's course, with the reasons in words, most severe first, and the learner's last 28 days
-- of activity as a sparkline.
CREATE VIEW @extschema@.learner_risk_state WITH (security_barrier = true) AS
SELECT e.learner, e.course, e.cohort,
       CASE
         WHEN e.left_at IS NOT NULL THEN 'left'
         WHEN a.open_alerts > 0 THEN a.top_severity
         WHEN s.state IN ('dip', 'inactive') THEN 'watch'
         ELSE 'ok'
       END AS risk,
       coalesce(a.open_alerts, 0) AS open_alerts,
       a.coach_required,
       a.max_risk_score,
       s.state AS engagement_state,
       s.days_inactive,
       s.dip_days,
       coalesce(a.reasons, s.reason) AS reason,
       s.activity_28d
FROM learnalytics_internal.learning_enrolment e
LEFT JOIN @extschema@.learner_engagement_state s ON s.learner = e.learner
LEFT JOIN LATERAL (
  SELECT count(*) AS open_alerts,
         bool_or(al.status = 'coach_required') AS coach_required,
         max(al.risk_score) AS max_risk_score,
         (array_agg(al.severity ORDER BY learnalytics_internal.severity_factor(al.severity) DESC))[1] AS top_severity,
         string_agg(pg_catalog.format('%s (%s, %s day%s)', al.rule_name, al.severity, al.persisted,
                                      CASE WHEN al.persisted = 1 THEN '' ELSE 's' END)
                    || CASE WHEN al.value IS NOT NULL AND al.baseline IS NOT NULL
                            THEN pg_catalog.format(': value %s vs baseline %s', pg_catalog.round(al.value::numeric, 2),
                                                   pg_catalog.round(al.baseline::numeric, 2))
                            ELSE '' END,
                    '; ' ORDER BY learnalytics_internal.severity_factor(al.severity) DESC, al.rule_name) AS reasons
  FROM @extschema@.alert al
  WHERE al.learner = e.learner AND al.course IS NOT DISTINCT FROM e.course
    AND al.status IN ('open', 'coach_required')
) a ON true
WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR e.learner IN (SELECT learnalytics_internal.managed_learners()));
COMMENT ON VIEW @extschema@.learner_risk_state IS
'per enrolment: risk (the most severe open alert, else watch/ok from the engagement state, or left), open alerts, reasons in words';

-- Coaches and their load today: capacity (the most open cases at once), open cases (assignments
-- whose case is still open), today's new assignments against the optional daily intake, and the
-- room left (learnalytics_internal.coach_room, as coach_assign_cases counts it; 0 for an inactive
-- coach). Coaches serve every org unit: every reader sees every coach and its whole caseload
-- (counts, no learner), as the queue shows the whole queue's rank and overflow.
CREATE VIEW @extschema@.coach_load AS
SELECT c.name AS coach, c.course, c.active, c.capacity, coalesce(o.n, 0) AS open_cases, c.daily_intake,
       coalesce(t.n, 0) AS assigned_today,
       CASE WHEN c.active THEN learnalytics_internal.coach_room(c.capacity, coalesce(o.n, 0), c.daily_intake,
                                                                coalesce(t.n, 0))
            ELSE 0 END AS free
FROM @extschema@.coach c
LEFT JOIN (SELECT ca.coach, pg_catalog.count(*) AS n
             FROM @extschema@.coach_assignment ca JOIN @extschema@.alert a ON a.id = ca.alert_id
            WHERE a.closed_at IS NULL GROUP BY ca.coach) o ON o.coach = c.name
LEFT JOIN (SELECT ca.coach, pg_catalog.count(*) AS n FROM @extschema@.coach_assignment ca
            WHERE ca.assigned_on = CURRENT_DATE GROUP BY ca.coach) t ON t.coach = c.name;
COMMENT ON VIEW @extschema@.coach_load IS
'per coach: capacity, open cases, daily intake and today''s new cases, and the room left today (free), as coach_assign_cases counts them';

-- Coach queue: coach-required cases, ranked over the whole queue (coaches serve every org unit, so a
-- manager sees the real rank and overflow of its learners' cases; the rank gaps show how many cases
-- of other units are ahead, not whose they are). The priority is coach_case_priority's
-- (risk_alerts.sql): the active risk model's probability x business weight for the cases it scored,
-- ranked first, else risk score x business weight; the order coach_assign_cases assigns in.
-- planned_coach and overflow are coach_assign_cases(today)'s plan (learnalytics_internal.coach_plan,
-- given the unassigned cases in rank order and the active coaches' room from coach_load): overflow
-- is exactly the cases it would leave unassigned now, a course coach's room counting only for its
-- course. The plan is computed over the whole queue before the reader's filter.
CREATE VIEW @extschema@.coach_queue WITH (security_barrier = true) AS
WITH open_cases AS (
  SELECT a.id AS alert_id, a.learner, a.course, a.rule_name, a.severity, a.persisted, a.risk_score,
         a.business_weight, p.priority, p.priority_basis, p.scored, p.churn_probability, p.churn_scored_on,
         a.opened_on, ca.coach, ca.assigned_on
  FROM @extschema@.alert a
  JOIN learnalytics_internal.coach_case_priority p ON p.alert_id = a.id
  LEFT JOIN @extschema@.coach_assignment ca ON ca.alert_id = a.id
  WHERE a.status = 'coach_required'
), queue AS (
  SELECT o.alert_id, o.course,
         pg_catalog.row_number() OVER (ORDER BY o.scored DESC, o.priority DESC, o.opened_on, o.alert_id) AS queue_rank
  FROM open_cases o WHERE o.coach IS NULL
), plan AS (
  SELECT p.alert_id, p.coach
  FROM learnalytics_internal.coach_plan(
         (SELECT pg_catalog.array_agg(q.alert_id ORDER BY q.queue_rank) FROM queue q),
         (SELECT pg_catalog.array_agg(q.course ORDER BY q.queue_rank) FROM queue q),
         (SELECT pg_catalog.array_agg(l.coach ORDER BY l.coach) FROM @extschema@.coach_load l WHERE l.active),
         (SELECT pg_catalog.array_agg(l.course ORDER BY l.coach) FROM @extschema@.coach_load l WHERE l.active),
         (SELECT pg_catalog.array_agg(l.free ORDER BY l.coach) FROM @extschema@.coach_load l WHERE l.active)) p
), ranked AS (
  SELECT o.alert_id, o.learner, o.course, o.rule_name, o.severity, o.persisted, o.risk_score,
         o.business_weight, o.priority, o.opened_on, o.coach, o.assigned_on, q.queue_rank,
         pl.coach AS planned_coach,
         o.coach IS NULL AND pl.coach IS NULL AS overflow,
         o.churn_probability, o.churn_scored_on, o.priority_basis
  FROM open_cases o
  LEFT JOIN queue q ON q.alert_id = o.alert_id
  LEFT JOIN plan pl ON pl.alert_id = o.alert_id
)
SELECT r.alert_id, r.learner, r.course, r.rule_name, r.severity, r.persisted, r.risk_score,
       r.business_weight, r.priority, r.opened_on, r.coach, r.assigned_on, r.queue_rank, r.overflow,
       r.churn_probability, r.churn_scored_on, r.priority_basis, r.planned_coach
FROM ranked r
WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR r.learner IN (SELECT learnalytics_internal.managed_learners()));
COMMENT ON VIEW @extschema@.coach_queue IS
'coach-required cases ranked by the active risk model''s churn probability x business weight (the cases it scored, first), else risk score x business weight (priority_basis); planned_coach: who coach_assign_cases(today) would assign an unassigned case to; overflow: the unassigned cases it would leave unassigned';

-- Course progress of a learner: the mean progress over the course's modules (modules a learner has
-- not started count as 0), so 20% and 50% mean a share of the whole course.
CREATE VIEW @extschema@.course_dropout_funnel WITH (security_barrier = true) AS
WITH mp AS MATERIALIZED (   -- read once (a mapped source: one call of the function that reads it)
  SELECT p.course, p.learner, p.module, p.progress FROM learnalytics_internal.learning_module_progress p
), modules AS (   -- the course's modules: course structure, counted over every learner
  SELECT course, count(DISTINCT module) AS n FROM mp GROUP BY course
), visible AS (
  SELECT e.course, e.learner, e.left_at FROM learnalytics_internal.learning_enrolment e
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR e.learner IN (SELECT learnalytics_internal.managed_learners()))
), progress AS (
  SELECT p.course, p.learner, sum(p.progress) / m.n AS course_progress
  FROM mp p JOIN modules m USING (course)
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR p.learner IN (SELECT learnalytics_internal.managed_learners()))
  GROUP BY p.course, p.learner, m.n
)
SELECT e.course,
       count(*) AS enrolled,
       count(*) FILTER (WHERE p.learner IS NOT NULL) AS started,
       count(*) FILTER (WHERE p.course_progress >= 0.2) AS reached_20pct,
       count(*) FILTER (WHERE p.course_progress >= 0.5) AS reached_50pct,
       count(*) FILTER (WHERE p.course_progress >= 1) AS completed,
       count(*) FILTER (WHERE e.left_at IS NOT NULL AND coalesce(p.course_progress, 0) < 1) AS dropped,
       pg_catalog.round(100.0 * count(*) FILTER (WHERE p.course_progress >= 1) / count(*), 1) AS completion_pct,
       pg_catalog.round(100.0 * count(*) FILTER (WHERE e.left_at IS NOT NULL AND coalesce(p.course_progress, 0) < 1)
                        / count(*), 1) AS dropout_pct
FROM visible e
LEFT JOIN progress p ON p.course = e.course AND p.learner = e.learner
GROUP BY e.course;
COMMENT ON VIEW @extschema@.course_dropout_funnel IS
'per course: enrolled, started, reached 20% and 50% of the course, completed, dropped (left before completing)';

-- Weekly operations: what the alerting produced and what came of it. Weeks start on Monday and
-- form a calendar from the first to the last week with an alert, contact or coach assignment, weeks
-- without any zero-filled (a trend compares with the week before, not the last week with data).
-- Contacts count in the week they were made, with the outcome they have now.
CREATE VIEW @extschema@.weekly_alert_operations WITH (security_barrier = true) AS
WITH va AS (    -- the alerts of the learners the reader sees, their contacts and coach cases
  SELECT a.id, a.learner, a.status, a.severity, a.opened_on FROM @extschema@.alert a
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR a.learner IN (SELECT learnalytics_internal.managed_learners()))
), vc AS (
  SELECT c.contacted_on, c.outcome, c.kind FROM @extschema@.alert_contact c JOIN va ON va.id = c.alert_id
), vca AS (
  SELECT ca.alert_id, ca.assigned_on FROM @extschema@.coach_assignment ca JOIN va ON va.id = ca.alert_id
), span AS (
  SELECT pg_catalog.min(d) AS first_day, pg_catalog.max(d) AS last_day
  FROM (SELECT opened_on AS d FROM va UNION ALL SELECT contacted_on FROM vc UNION ALL SELECT assigned_on FROM vca) x
), weeks AS (
  SELECT w::date AS week
  FROM span, pg_catalog.generate_series(pg_catalog.date_trunc('week', span.first_day::timestamp),
                                        pg_catalog.date_trunc('week', span.last_day::timestamp), interval '1 week') w
), raised AS (
  SELECT pg_catalog.date_trunc('week', opened_on::timestamp)::date AS week, pg_catalog.count(*) AS alerts,
         pg_catalog.count(DISTINCT learner) AS learners,
         pg_catalog.count(*) FILTER (WHERE severity = 'critical') AS critical,
         pg_catalog.count(*) FILTER (WHERE severity = 'high') AS high,
         pg_catalog.count(*) FILTER (WHERE severity = 'medium') AS medium,
         pg_catalog.count(*) FILTER (WHERE severity = 'low') AS low
  FROM va GROUP BY 1
), contacted AS (
  SELECT pg_catalog.date_trunc('week', contacted_on::timestamp)::date AS week, pg_catalog.count(*) AS contacts,
         pg_catalog.count(*) FILTER (WHERE outcome = 're_engaged') AS re_engaged,
         pg_catalog.count(*) FILTER (WHERE outcome = 'withdrew') AS withdrew,
         pg_catalog.count(*) FILTER (WHERE outcome = 'no_response') AS no_response,
         pg_catalog.count(*) FILTER (WHERE outcome = 'not_re_engaged') AS not_re_engaged,
         pg_catalog.count(*) FILTER (WHERE outcome = 'timed_out') AS timed_out,
         pg_catalog.count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
         pg_catalog.count(*) FILTER (WHERE outcome = 'pending') AS pending,
         pg_catalog.count(*) FILTER (WHERE kind = 'human') AS escalated_to_humans
  FROM vc GROUP BY 1
), assigned AS (
  SELECT pg_catalog.date_trunc('week', assigned_on::timestamp)::date AS week, pg_catalog.count(*) AS cases
  FROM vca GROUP BY 1
), waiting AS (   -- coach-required cases without a coach, by the week they opened
  SELECT pg_catalog.date_trunc('week', a.opened_on::timestamp)::date AS week, pg_catalog.count(*) AS cases
  FROM va a WHERE a.status = 'coach_required' AND NOT EXISTS (SELECT 1 FROM vca ca WHERE ca.alert_id = a.id)
  GROUP BY 1
), capacity AS (   -- coaches are shared by every org unit: their capacity is not filtered
  SELECT coalesce(pg_catalog.sum(capacity), 0) AS open_cases FROM @extschema@.coach WHERE active
)
SELECT w.week,
       coalesce(r.alerts, 0) AS alerts_raised, coalesce(r.learners, 0) AS learners_alerted,
       coalesce(c.contacts, 0) AS contacts, coalesce(c.re_engaged, 0) AS re_engaged,
       coalesce(c.withdrew, 0) AS withdrew, coalesce(c.no_response, 0) AS no_response,
       coalesce(c.not_re_engaged, 0) AS not_re_engaged, coalesce(c.timed_out, 0) AS timed_out,
       coalesce(c.cancelled, 0) AS cancelled, coalesce(c.pending, 0) AS pending,
       coalesce(c.escalated_to_humans, 0) AS escalated_to_humans,
       coalesce(s.cases, 0) AS coach_cases,
       capacity.open_cases AS coach_capacity,
       (SELECT coalesce(pg_catalog.sum(q.cases), 0) FROM waiting q WHERE q.week <= w.week)::bigint AS coach_backlog_now,
       coalesce(r.critical, 0) AS alerts_critical, coalesce(r.high, 0) AS alerts_high,
       coalesce(r.medium, 0) AS alerts_medium, coalesce(r.low, 0) AS alerts_low
FROM weeks w
CROSS JOIN capacity
LEFT JOIN raised r ON r.week = w.week
LEFT JOIN contacted c ON c.week = w.week
LEFT JOIN assigned s ON s.week = w.week;
COMMENT ON VIEW @extschema@.weekly_alert_operations IS
'per calendar week (Monday, zero-filled): alerts raised, learners alerted, contacts made and their outcomes, escalations to humans, coach cases, the coaches'' capacity (open cases), the backlog now, and the alerts raised by severity';

-- Weekly outcomes per course for executives: enrolled, left and completed by the end of each week,
-- with rates and the change against the previous week. The weeks are a calendar: every week
-- (Monday, in the session's time zone) from the course's first enrolment to the current week, also
-- the weeks nothing happened in (their *_in_week counts are 0), so the change is always against
-- the previous calendar week. Set-based: each learner's enrolment, completion and dropout is put
-- in its week once, and the "by the end of the week" counts are running sums over the calendar
-- (x < week + 7 days, the old per-week count, is date_trunc('week', x) <= week; an event before the
-- course's first week counts from that week, an event after the current week in none).
CREATE VIEW @extschema@.weekly_course_outcomes WITH (security_barrier = true) AS
WITH visible AS MATERIALIZED (
  SELECT e.course, e.learner, e.enrolled_at, e.left_at FROM learnalytics_internal.learning_enrolment e
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR e.learner IN (SELECT learnalytics_internal.managed_learners()))
), mp AS MATERIALIZED (   -- read once (a mapped source: one call of the function that reads it)
  SELECT p.course, p.learner, p.module, p.progress, p.started_at, p.last_activity_at
  FROM learnalytics_internal.learning_module_progress p
), modules AS (   -- the course's modules: course structure, counted over every learner
  SELECT course, count(DISTINCT module) AS n FROM mp GROUP BY course
), completion AS (   -- complete: progress summed over the course's modules reaches their number
  SELECT p.course, p.learner, max(coalesce(p.last_activity_at, p.started_at)) AS completed_at
  FROM mp p JOIN modules m USING (course)
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR p.learner IN (SELECT learnalytics_internal.managed_learners()))
  GROUP BY p.course, p.learner, m.n
  HAVING sum(p.progress) >= m.n
), span AS (
  SELECT course, pg_catalog.date_trunc('week', min(enrolled_at))::date AS first_week FROM visible GROUP BY course
), weeks AS (
  SELECT s.course, w::date AS week
  FROM span s, pg_catalog.generate_series(s.first_week::timestamptz, pg_catalog.date_trunc('week', pg_catalog.now()),
                                          interval '1 week') w
), events AS (   -- one row per learner and event, in the week it happened
  SELECT e.course, pg_catalog.date_trunc('week', e.enrolled_at)::date AS week, 'enrolled' AS event FROM visible e
  UNION ALL
  SELECT c.course, pg_catalog.date_trunc('week', c.completed_at)::date, 'completed' FROM completion c
  UNION ALL
  SELECT e.course, pg_catalog.date_trunc('week', e.left_at)::date, 'dropped' FROM visible e
  WHERE e.left_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM completion c WHERE c.course = e.course AND c.learner = e.learner
                      AND c.completed_at <= e.left_at)
), per_week AS (
  SELECT ev.course, GREATEST(ev.week, s.first_week) AS week,
         count(*) FILTER (WHERE ev.event = 'enrolled') AS enrolled,
         count(*) FILTER (WHERE ev.event = 'completed') AS completed,
         count(*) FILTER (WHERE ev.event = 'dropped') AS dropped
  FROM events ev JOIN span s USING (course)
  GROUP BY ev.course, GREATEST(ev.week, s.first_week)
), counts AS (
  SELECT w.course, w.week,
         coalesce(p.enrolled, 0) AS enrolled_in_week, coalesce(p.completed, 0) AS completed_in_week,
         coalesce(p.dropped, 0) AS dropped_in_week,
         (sum(coalesce(p.enrolled, 0)) OVER c)::bigint AS enrolled,
         (sum(coalesce(p.completed, 0)) OVER c)::bigint AS completed,
         (sum(coalesce(p.dropped, 0)) OVER c)::bigint AS dropped
  FROM weeks w LEFT JOIN per_week p ON p.course = w.course AND p.week = w.week
  WINDOW c AS (PARTITION BY w.course ORDER BY w.week ROWS UNBOUNDED PRECEDING)
)
SELECT course, week, enrolled, completed, dropped,
       pg_catalog.round(100.0 * completed / NULLIF(enrolled, 0), 1) AS completion_pct,
       pg_catalog.round(100.0 * dropped / NULLIF(enrolled, 0), 1) AS dropout_pct,
       pg_catalog.round(100.0 * dropped / NULLIF(enrolled, 0), 1)
         - pg_catalog.lag(pg_catalog.round(100.0 * dropped / NULLIF(enrolled, 0), 1)) OVER (PARTITION BY course ORDER BY week)
         AS dropout_pct_change,
       enrolled_in_week, completed_in_week, dropped_in_week
FROM counts;
COMMENT ON VIEW @extschema@.weekly_course_outcomes IS
'per course and calendar week (Monday) from the first enrolment to now: enrolled, completed and dropped by the end of the week, rates, the change of the dropout rate against the previous calendar week, and the week''s own counts (0 in a week without activity)';

-- Programs and their ROI, for the executive view: which courses a program covers, and the program's
-- ROI summary (built with la_roi_agg over its benefit and cost items, doc/roi.md).
CREATE TABLE @extschema@.program (
  name        text PRIMARY KEY,
  courses     text[] NOT NULL CONSTRAINT program_has_courses CHECK (cardinality(courses) > 0),
  roi         @extschema@.roi_summary,
  roi_as_of   date,
  description text
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.program', '');
COMMENT ON TABLE @extschema@.program IS
'training programs: the courses they cover and their ROI summary (kept by pg_dump)';
COMMENT ON COLUMN @extschema@.program.roi IS 'ROI summary of the program: UPDATE program SET roi = (SELECT la_roi_agg(...) FROM ...)';
COMMENT ON COLUMN @extschema@.program.roi_as_of IS 'the day the ROI summary was computed';

-- Weekly executive metrics: completion and dropout per course with their trend, the ROI of the
-- programs that cover the course, and on the week of the active risk model's last scoring
-- (risk_model_refresh) the withdrawals it expects within its horizon: the sum of the stored
-- probabilities of the learners the reader sees, with the 95% interval of risk_forecast.
-- It reads weekly_course_outcomes, so it counts the same learners, through the same mapping, over
-- the same calendar of weeks.
CREATE VIEW @extschema@.weekly_executive_metrics WITH (security_barrier = true) AS
WITH forecast AS MATERIALIZED (   -- once, not once per week and course
  SELECT s.course, pg_catalog.date_trunc('week', s.day)::date AS week, s.day AS as_of, m.horizon_days,
         pg_catalog.sum(s.probability) AS expected, pg_catalog.sum(s.probability * (1 - s.probability)) AS variance
  FROM learnalytics_internal.risk_score_current s
  JOIN (SELECT r.name, r.version, r.horizon_days FROM @extschema@.risk_model r WHERE r.active
         ORDER BY r.created_at DESC, r.name, r.version DESC LIMIT 1) m ON m.name = s.model AND m.version = s.version
  WHERE ((SELECT learnalytics_internal.sees_all_learners()) OR s.learner IN (SELECT learnalytics_internal.managed_learners()))
  GROUP BY s.course, s.day, m.horizon_days
)
SELECT o.course, o.week, o.enrolled, o.completed, o.dropped, o.completion_pct, o.dropout_pct,
       o.dropout_pct_change,
       pg_catalog.string_agg(p.name, ', ' ORDER BY p.name) AS programs,
       pg_catalog.min(@extschema@.roi_percent(p.roi)) AS min_program_roi_pct,
       pg_catalog.min(@extschema@.benefit_cost_ratio(p.roi)) AS min_program_bcr,
       f.expected AS expected_withdrawals,
       GREATEST(0, f.expected - 1.96 * pg_catalog.sqrt(f.variance)) AS expected_withdrawals_low,
       f.expected + 1.96 * pg_catalog.sqrt(f.variance) AS expected_withdrawals_high,
       f.as_of AS forecast_as_of,
       f.horizon_days AS forecast_horizon_days,
       o.enrolled_in_week, o.completed_in_week, o.dropped_in_week
FROM @extschema@.weekly_course_outcomes o
LEFT JOIN @extschema@.program p ON o.course = ANY (p.courses)
LEFT JOIN forecast f ON f.course = o.course AND f.week = o.week
GROUP BY o.course, o.week, o.enrolled, o.completed, o.dropped, o.completion_pct, o.dropout_pct,
         o.dropout_pct_change, o.enrolled_in_week, o.completed_in_week, o.dropped_in_week,
         f.expected, f.variance, f.as_of, f.horizon_days;
COMMENT ON VIEW @extschema@.weekly_executive_metrics IS
'per course and week: completion and dropout rates with their week-on-week trend, the (most conservative) ROI % and benefit-cost ratio of the programs covering the course, and on the week of the last risk scoring the expected withdrawals within the model''s horizon with a 95% interval';

-------------------------------------------------------------------------------
-- Privileges of the dashboards (doc/roles.md). The learning-data, alert and job tables are granted
-- by the parts that define them.
--   admin: maintains programs; analyst: reads them; viewer: the dashboard views only.
-- The views run with their owner's rights, so a viewer reads them without access to the tables;
-- each shows only the learners the reader may see (the security model at the top of this file).
-------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.program TO learnalytics_admin;
GRANT SELECT ON @extschema@.program, @extschema@.learner_engagement_state TO learnalytics_analyst;
GRANT SELECT ON
  @extschema@.coach_queue, @extschema@.coach_load, @extschema@.learner_risk_state, @extschema@.course_dropout_funnel,
  @extschema@.weekly_alert_operations, @extschema@.weekly_course_outcomes, @extschema@.weekly_executive_metrics
TO learnalytics_viewer;
