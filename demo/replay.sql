-- Replay of alert rules over complete OULAD presentations, and how well each rule anticipated
-- withdrawal. THE ONE PLACE where rule quality is computed: rules write (rule, enrolment, day) rows
-- into replay.alert, and replay.rule_quality scores them. When the alert-rules engine (issue #5)
-- lands, its replay fills replay.alert instead of replay_dip_rule()/replay_inactivity_rule().
--
-- Population: enrolments of presentations whose clicks are complete, registered on at least one
-- course day (day 0 .. length); enrolments withdrawn without an unregistration day are left out
-- (their withdrawal cannot be placed in time). A student-day counts while the student is
-- registered: from max(0, registration day) to the day before unregistration (or the last day).
-- A withdrawal is an unregistration on course day 1 .. length.
DROP SCHEMA IF EXISTS replay CASCADE;
CREATE SCHEMA replay;

CREATE TABLE replay.population AS
SELECT e.enrolment, e.code_module, e.code_presentation, e.code_module || '/' || e.code_presentation AS presentation,
       p.start_date, p.length_days, e.outcome,
       greatest(0, coalesce(e.registered_day, 0)) AS first_day,
       CASE WHEN e.unregistered_day BETWEEN 1 AND p.length_days THEN e.unregistered_day - 1
            ELSE p.length_days END AS last_day,
       CASE WHEN e.unregistered_day BETWEEN 1 AND p.length_days THEN e.unregistered_day END AS withdrew_day
FROM oulad.enrolment e
JOIN oulad.presentation p USING (code_module, code_presentation)
WHERE p.clicks_complete AND NOT e.withdrawal_day_missing
  AND (e.unregistered_day IS NULL OR e.unregistered_day > 0);
ALTER TABLE replay.population ADD PRIMARY KEY (enrolment);

-- every registered student-day, and whether unregistration follows within 30 days (the base rate)
CREATE TABLE replay.student_day AS
SELECT p.enrolment, p.presentation, d AS day,
       coalesce(p.withdrew_day - d BETWEEN 1 AND 30, false) AS withdraws_within_30
FROM replay.population p CROSS JOIN LATERAL generate_series(p.first_day, p.last_day) d;

CREATE TABLE replay.alert (rule text, enrolment text, day integer, reason text,
                           PRIMARY KEY (rule, enrolment, day));

-- The dip rule: dip_alerts() over each learner's summary (learner_engagement), on registered days.
CREATE FUNCTION replay.replay_dip_rule(rule text, threshold numeric, days integer, persist integer,
                                       metric text DEFAULT 'events') RETURNS bigint
LANGUAGE sql AS $$
  WITH ins AS (
    INSERT INTO replay.alert
    SELECT rule, p.enrolment, a.day - p.start_date,
           format('%s below %s%% of the %s-day mean for %s days (mean %s)', metric,
                  round(threshold * 100), days, persist, round(a.baseline::numeric, 1))
    FROM replay.population p
    JOIN learner_engagement le ON le.learner = p.enrolment
    CROSS JOIN LATERAL dip_alerts(le.summary, p.start_date + p.last_day, threshold, days, persist,
                                  metric, p.start_date + p.first_day) a
    RETURNING 1)
  SELECT count(*) FROM ins
$$;

-- The inactivity rule: the day a learner reaches n registered days without a click (once per
-- run). Counting starts on the registration day (or day 0), so a learner who never clicks is
-- alerted on day n - 1. Active days come from daily_activity() of the learner's summary.
CREATE FUNCTION replay.replay_inactivity_rule(rule text, n integer) RETURNS bigint
LANGUAGE sql AS $$
  WITH active AS (
    SELECT p.enrolment, p.first_day - 1 AS day, p.last_day FROM replay.population p
    UNION
    SELECT p.enrolment, d.day - p.start_date, p.last_day
    FROM replay.population p
    JOIN learner_engagement le ON le.learner = p.enrolment
    CROSS JOIN LATERAL daily_activity(le.summary, p.start_date + p.first_day, p.start_date + p.last_day) d
    WHERE d.events > 0
  ), gap AS (
    SELECT enrolment, day,
           coalesce(lead(day) OVER (PARTITION BY enrolment ORDER BY day), last_day + 1) AS next_day
    FROM active
  ), ins AS (
    INSERT INTO replay.alert
    SELECT rule, enrolment, day + n, format('no activity for %s days', n)
    FROM gap WHERE next_day - day - 1 >= n
    RETURNING 1)
  SELECT count(*) FROM ins
$$;

-- How well each rule anticipated withdrawal, per presentation and over all of them (presentation
-- 'all'): precision = share of alerted learners who withdrew later; recall = share of withdrawals
-- preceded by an alert; lead = days from the first alert to unregistration (median, over the
-- withdrawals caught); lift = share of alerts followed by unregistration within 30 days / the same
-- share over all registered student-days.
CREATE VIEW replay.rule_quality AS
WITH scope AS (
  SELECT presentation, enrolment, withdrew_day FROM replay.population
  UNION ALL SELECT 'all', enrolment, withdrew_day FROM replay.population
), base AS (
  SELECT s.presentation, count(DISTINCT s.enrolment) AS learners,
         count(DISTINCT s.enrolment) FILTER (WHERE s.withdrew_day IS NOT NULL) AS withdrawals
  FROM scope s GROUP BY 1
), day_rate AS (
  SELECT presentation, avg(withdraws_within_30::int) AS rate FROM replay.student_day GROUP BY 1
  UNION ALL SELECT 'all', avg(withdraws_within_30::int) FROM replay.student_day
), per_alert AS (
  SELECT a.rule, s.presentation, count(*) AS alerts, avg(d.withdraws_within_30::int) AS rate
  FROM replay.alert a
  JOIN replay.student_day d USING (enrolment, day)
  JOIN scope s USING (enrolment)
  GROUP BY 1, 2
), per_learner AS (
  SELECT a.rule, s.presentation, s.enrolment, s.withdrew_day, min(a.day) AS first_alert
  FROM replay.alert a JOIN scope s USING (enrolment)
  GROUP BY 1, 2, 3, 4
), learner_stats AS (
  SELECT rule, presentation, count(*) AS alerted,
         count(*) FILTER (WHERE withdrew_day IS NOT NULL) AS alerted_withdrew,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY withdrew_day - first_alert)
           FILTER (WHERE withdrew_day IS NOT NULL) AS median_lead
  FROM per_learner GROUP BY 1, 2
)
SELECT pa.rule, pa.presentation, b.learners, b.withdrawals, pa.alerts,
       round(100.0 * ls.alerted / b.learners, 1) AS alerted_pct,
       round(100.0 * ls.alerted_withdrew / ls.alerted, 1) AS precision_pct,
       round(100.0 * ls.alerted_withdrew / nullif(b.withdrawals, 0), 1) AS recall_pct,
       ls.median_lead AS median_lead_days,
       round(100 * pa.rate, 2) AS alert_withdraw30_pct,
       round(100 * dr.rate, 2) AS base_withdraw30_pct,
       round(pa.rate / nullif(dr.rate, 0), 2) AS lift
FROM per_alert pa
JOIN learner_stats ls USING (rule, presentation)
JOIN base b USING (presentation)
JOIN day_rate dr USING (presentation);

-- The same two rules evaluated as of one course day: who is at risk on that day, and why.
-- dip_days: consecutive days below 60% of the 14-day mean (the default dip rule, as of the day);
-- days_idle: registered days since the last click (counting from registration, as the replay).
CREATE FUNCTION replay.at_risk(course_day integer, idle_days integer DEFAULT 21)
RETURNS TABLE (enrolment text, presentation text, dip_days integer, days_idle integer,
               dip_rule boolean, idle_rule boolean, reason text, withdrew_day integer)
LANGUAGE sql STABLE AS $$
  SELECT p.enrolment, p.presentation, s.dip_days, s.days_idle,
         coalesce(s.dip_days >= 3, false), s.days_idle >= idle_days,
         concat_ws('; ',
           CASE WHEN s.dip_days >= 3 THEN format('events below 60%% of the 14-day mean for %s days', s.dip_days) END,
           CASE WHEN s.days_idle >= idle_days THEN
             CASE WHEN le.summary IS NULL OR s.days_idle > course_day - p.first_day
                  THEN format('no click since registration (%s days)', s.days_idle)
                  ELSE format('no click for %s days', s.days_idle) END END),
         p.withdrew_day
  FROM replay.population p
  LEFT JOIN learner_engagement le ON le.learner = p.enrolment
  CROSS JOIN LATERAL (SELECT
      dip_persistence(le.summary, p.start_date + course_day, 0.6, 14, 'events') AS dip_days,
      least(coalesce(days_inactive(le.summary, p.start_date + course_day), course_day - p.first_day + 1),
            course_day - p.first_day + 1) AS days_idle) s
  WHERE course_day BETWEEN p.first_day AND p.last_day
$$;

-- The same population as the alert-rules engine sees it (doc/alerts.md): map enrolments with
--   INSERT INTO learning_source VALUES ('enrolment', 'replay.engine_enrolment',
--     '{"learner": "learner", "course": "course", "enrolled_at": "enrolled_at", "left_at": "left_at"}');
-- and pass replay.engine_outcome as rule_replay()'s outcomes (demo section 10, test/t/82).
CREATE VIEW replay.engine_enrolment AS
SELECT enrolment AS learner, presentation AS course,
       oulad_timestamp(code_presentation, first_day) AS enrolled_at,
       -- registered until the day after the last registered course day: the unregistration day, or the
       -- course's end (then the learner is no longer at risk)
       oulad_timestamp(code_presentation, last_day + 1) - interval '12 hours' AS left_at
FROM replay.population;
CREATE VIEW replay.engine_outcome AS
SELECT enrolment AS learner, 'withdrawn'::text AS outcome, (start_date + withdrew_day) AS outcome_day
FROM replay.population WHERE withdrew_day IS NOT NULL;
