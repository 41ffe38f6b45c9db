-- Replay of alert rules over complete OULAD presentations, through the alert-rules engine
-- (doc/alerts.md, "Replay"). This file only maps the OULAD population onto the engine and names
-- the rules; every alert and every quality figure comes from the engine: rule_replay_alerts(),
-- rule_replay() and rule_matches(). Nothing here computes an alert or a rule's quality.
--
-- Population: enrolments of presentations whose clicks are complete, registered on at least one
-- course day (day 0 .. length); enrolments withdrawn without an unregistration day are left out
-- (their withdrawal cannot be placed in time). A student-day counts while the student is
-- registered: from max(0, registration day) to the day before unregistration (or the last day).
-- A withdrawal is an unregistration on course day 1 .. length.
--
-- Side effects outside the schema replay (a demo or test database only): the enrolment, assignment
-- and assignment_submission sources of learning_source point at views and tables of replay, and the
-- rules of replay.grid are (re)created, disabled, as copies of the shipped engagement_dip and
-- inactivity rules.
DELETE FROM learning_source WHERE kind IN ('enrolment', 'assignment', 'assignment_submission');
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

-- every registered student-day (course day), for the weekly views of the demo
CREATE TABLE replay.student_day AS
SELECT p.enrolment, p.presentation, d AS day
FROM replay.population p CROSS JOIN LATERAL generate_series(p.first_day, p.last_day) d;

-- The population as the engine sees it: enrolled from the first registered day to the day after
-- the last one (the unregistration day, or the day after the course's end); the engine's enrolled
-- days are then exactly the registered course days. Withdrawals are the outcomes. A table, not a
-- view: the inactivity replays read it once per day (2.5 times faster than recomputing the times).
CREATE TABLE replay.engine_enrolment AS
SELECT enrolment AS learner, presentation AS course,
       oulad_timestamp(code_presentation, first_day) AS enrolled_at,
       oulad_timestamp(code_presentation, last_day + 1) - interval '12 hours' AS left_at
FROM replay.population;
ALTER TABLE replay.engine_enrolment ADD PRIMARY KEY (learner);
-- outcome_day for rule_replay's time_column, outcome_at (the same day) for the model's outcomes
-- convention (doc/risk_evaluation.md: columns learner, outcome, outcome_at)
CREATE VIEW replay.engine_outcome AS
SELECT enrolment AS learner, 'withdrawn'::text AS outcome, (start_date + withdrew_day) AS outcome_day,
       (start_date + withdrew_day) AS outcome_at
FROM replay.population WHERE withdrew_day IS NOT NULL;
INSERT INTO learning_source VALUES ('enrolment', 'replay.engine_enrolment',
  '{"learner": "learner", "course": "course", "enrolled_at": "enrolled_at", "left_at": "left_at"}');

-- The learning data of the same population, mapped (views over the loaded tables, no copies):
--   assignment             OULAD assessments of the replayed presentations, course = presentation,
--                          assignment = id_assessment; tutor-marked (TMA) and computer-marked (CMA)
--                          ones. The final exam is left out: it falls on the last days, and OULAD
--                          records no exam submission for some modules (AAA among them).
--   assignment_submission a learner's submissions of those assessments, learner = enrolment, at the
--                          submission day (noon UTC); banked submissions (carried over from an earlier
--                          presentation) count on their recorded day. The score is mapped when the
--                          engine's assignment_submission has the field (learning_data.sql).
--   quiz_attempt           not mapped: OULAD has no quizzes. The computer-marked assessments are the
--                          nearest thing, but they are assignments already (due dates, submissions):
--                          mapping them twice would count them twice. The quiz features are neutral.
--   module_progress        not mapped: OULAD has no module progress (the progress features are neutral).
CREATE VIEW replay.engine_assignment AS
SELECT a.code_module || '/' || a.code_presentation AS course, a.id_assessment::text AS assignment, a.due_at
FROM oulad.assessment a
WHERE a.assessment_type <> 'Exam'
  AND a.code_module || '/' || a.code_presentation IN (SELECT DISTINCT presentation FROM replay.population);
CREATE VIEW replay.engine_submission AS
SELECT a.course, a.assignment, s.enrolment AS learner, s.submitted_at, s.score::numeric AS score
FROM oulad.submission s
JOIN replay.engine_assignment a ON a.assignment = s.id_assessment::text
JOIN replay.population p ON p.enrolment = s.enrolment;
INSERT INTO learning_source VALUES ('assignment', 'replay.engine_assignment', '{}');
INSERT INTO learning_source
SELECT 'assignment_submission', 'replay.engine_submission',
       CASE WHEN EXISTS (SELECT 1 FROM learnalytics_internal.learning_source_fields('assignment_submission')
                         WHERE field = 'score')
            THEN '{"score": "score"}' ELSE '{}' END::jsonb;

-- What a replay covers: each presentation (the rule restricted to it by the override "course",
-- from its day 0 to its last day) and all of them ('all': from the first day 0 to the last day).
CREATE TABLE replay.scope AS
SELECT presentation, min(start_date) AS from_day, max(start_date + length_days) AS to_day,
       jsonb_build_object('course', presentation) AS overrides
FROM replay.population GROUP BY presentation
UNION ALL
SELECT 'all', min(start_date), max(start_date + length_days), '{}' FROM replay.population;

-- The temporal split (the way the product is used: train on last year, score this year): the
-- scored presentation is the complete presentation that starts last; the training presentations
-- are the complete ones that ENDED before it starts. Rule settings and model settings are chosen
-- on the training presentations only (leave one presentation out); the scored one is reported once.
CREATE TABLE replay.split AS
WITH p AS (SELECT presentation, min(start_date) AS start_date, max(start_date + length_days) AS end_date
           FROM replay.population GROUP BY 1),
s AS (SELECT * FROM p ORDER BY start_date DESC, presentation LIMIT 1)
SELECT p.presentation, p.start_date, p.end_date,
       CASE WHEN p.presentation = s.presentation THEN 'scored'
            WHEN p.end_date < s.start_date THEN 'training' ELSE 'unused' END AS role
FROM p CROSS JOIN s;

-- The rules replayed: copies of the shipped rules (disabled: never evaluated live).
--   dip T%/Bd/Pd  engagement_dip, metric events below T% of the B-day mean on P days in a row
--   inactive Nd   inactivity, N enrolled days without a click
-- The demo's default dip rule (dip 60%/14d/3d) is defined here, once, by name: dip_events_60_14_3.
CREATE TABLE replay.grid (rule text PRIMARY KEY, label text NOT NULL UNIQUE, source text NOT NULL,
                          overrides jsonb NOT NULL);
INSERT INTO replay.grid
SELECT format('dip_events_%s_%s_%s', (t * 100)::int, b, p), format('dip %s%%/%sd/%sd', (t * 100)::int, b, p),
       'engagement_dip', jsonb_build_object('metric', 'events', 'threshold', t, 'baseline_days', b, 'fire_after', p)
FROM unnest('{0.6,0.1}'::numeric[]) t, unnest('{14,28}'::int[]) b, unnest('{3,7,14}'::int[]) p
UNION ALL
SELECT format('inactive_%sd', n), format('inactive %sd', n), 'inactivity', jsonb_build_object('window_days', n)
FROM unnest('{7,10,14,21,28}'::int[]) n;
DELETE FROM alert_rule WHERE name IN (SELECT rule FROM replay.grid);
SELECT rule_copy('engagement_dip', 'dip_events_60_14_3', '{"metric": "events", "fire_after": 3}', false) \g /dev/null
SELECT rule_copy(source, rule, overrides, false) FROM replay.grid WHERE rule <> 'dip_events_60_14_3' ORDER BY rule \g /dev/null

-- Who the two rules of the demo flag as of one course day, in every presentation (rule_matches on
-- that presentation's date), and why. dip_days: days the dip has held; days_idle: days without a
-- click (counting from the day before registration), when at least the rule's window.
CREATE FUNCTION replay.at_risk(course_day integer, dip text DEFAULT 'dip_events_60_14_3',
                               idle text DEFAULT 'inactive_21d')
RETURNS TABLE (enrolment text, presentation text, dip_days integer, days_idle integer,
               dip_rule boolean, idle_rule boolean, reason text, withdrew_day integer)
LANGUAGE sql STABLE AS $$
  WITH pres AS (SELECT DISTINCT p.presentation, p.start_date FROM replay.population p),
  dm AS (SELECT m.* FROM pres CROSS JOIN LATERAL
           rule_matches(dip, pres.start_date + course_day, jsonb_build_object('course', pres.presentation)) m),
  im AS (SELECT m.* FROM pres CROSS JOIN LATERAL
           rule_matches(idle, pres.start_date + course_day, jsonb_build_object('course', pres.presentation)) m)
  SELECT p.enrolment, p.presentation, dm.persisted, im.value::integer,
         coalesce(dm.persisted >= d.fire_after, false), coalesce(im.persisted >= n.fire_after, false),
         concat_ws('; ',
           CASE WHEN dm.persisted >= d.fire_after THEN
             format('%s below %s%% of the %s-day mean for %s days', d.metric, round(d.threshold * 100),
                    d.baseline_days, dm.persisted) END,
           CASE WHEN im.persisted >= n.fire_after THEN
             CASE WHEN (im.detail ->> 'last_active_on') IS NULL
                       OR (im.detail ->> 'last_active_on')::date < p.start_date + p.first_day
                  THEN format('no click since registration (%s days)', im.value::integer)
                  ELSE format('no click for %s days', im.value::integer) END END),
         p.withdrew_day
  FROM replay.population p
  CROSS JOIN (SELECT * FROM alert_rule WHERE name = dip) d
  CROSS JOIN (SELECT * FROM alert_rule WHERE name = idle) n
  LEFT JOIN dm ON dm.learner = p.enrolment
  LEFT JOIN im ON im.learner = p.enrolment
  WHERE course_day BETWEEN p.first_day AND p.last_day
$$;
