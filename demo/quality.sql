-- Data quality of the loaded OULAD tables (doc/oulad.md, "Data quality"; doc/quality.md): the raw
-- tables registered as data-quality sources through views (no copies), checks of the shipped types
-- over them, one quality_run as of a fixed time after the data ends, and the findings. Run by
-- demo.sql after section 3 (replay.sql has mapped the learning data, so the shipped checks over
-- learning.* read the replayed population) and by test/t/82_oulad_quality.sh, which asserts every
-- finding against the raw tables.
--
-- Side effects outside the schema oulad_quality (a demo or test database only): the quality_source
-- rows oulad_*, the quality_check rows oulad_* and their findings are replaced.
\echo
\echo '== 3a. data quality of the OULAD tables: checks as data, quality_run(), the findings (doc/oulad.md, "Data quality") =='
\echo 'The raw tables as quality sources (views, no copies); checks of the shipped types over them; one run as of 2015-07-01.'
DELETE FROM quality_finding WHERE check_name LIKE 'oulad\_%';
DELETE FROM quality_run_log WHERE check_name LIKE 'oulad\_%';
DELETE FROM quality_check WHERE name LIKE 'oulad\_%';
DELETE FROM quality_source WHERE name LIKE 'oulad\_%';
DROP SCHEMA IF EXISTS oulad_quality CASCADE;
CREATE SCHEMA oulad_quality;

-- The raw tables as sources of the standard kinds (doc/quality.md, "Sources"). Learners are the
-- students (id_student), courses the presentations ('AAA/2013J'), times the day offsets at noon UTC
-- (oulad_timestamp); a missing day offset stays NULL, so the checks see it.
--   clicks      events: the raw studentVle rows, one per row (duplicated rows included), activity =
--               the VLE site, weight = the clicks
--   enrolment   enrolment: studentRegistration, enrolled/left at the registration/unregistration day
--   withdrawn   enrolment: the same, only the students whose final result is Withdrawn
--   calendar    enrolment: the registered course days of the presentations in the click files (day 0
--               or the registration day, to the unregistration or the last day): the span in which a
--               course should have clicks every day
--   assessment  assignment: every assessment with its day (exams included)
--   submission  assignment_submission: studentAssessment with the score
CREATE VIEW oulad_quality.clicks AS
SELECT v.id_student::text AS learner, oulad_timestamp(v.code_presentation, v.date) AS ts,
       v.code_module || '/' || v.code_presentation AS course, v.id_site::text AS activity,
       v.sum_click::bigint AS weight
FROM oulad.student_vle v;
CREATE VIEW oulad_quality.enrolment AS
SELECT r.id_student::text AS learner, r.code_module || '/' || r.code_presentation AS course,
       oulad_timestamp(r.code_presentation, r.date_registration) AS enrolled_at,
       oulad_timestamp(r.code_presentation, r.date_unregistration) AS left_at
FROM oulad.student_registration r;
CREATE VIEW oulad_quality.withdrawn AS
SELECT r.id_student::text AS learner, r.code_module || '/' || r.code_presentation AS course,
       oulad_timestamp(r.code_presentation, r.date_registration) AS enrolled_at,
       oulad_timestamp(r.code_presentation, r.date_unregistration) AS left_at
FROM oulad.student_registration r
JOIN oulad.student_info i USING (code_module, code_presentation, id_student)
WHERE i.final_result = 'Withdrawn';
CREATE VIEW oulad_quality.calendar AS
SELECT r.id_student::text AS learner, r.code_module || '/' || r.code_presentation AS course,
       oulad_timestamp(r.code_presentation, greatest(coalesce(r.date_registration, 0), 0)) AS enrolled_at,
       oulad_timestamp(r.code_presentation, least(coalesce(r.date_unregistration, c.module_presentation_length),
                                                  c.module_presentation_length)) AS left_at
FROM oulad.student_registration r
JOIN oulad.courses c USING (code_module, code_presentation)
WHERE (r.code_module, r.code_presentation) IN (SELECT DISTINCT code_module, code_presentation FROM oulad.student_vle)
  AND (r.date_unregistration IS NULL OR r.date_unregistration > 0);
CREATE VIEW oulad_quality.assessment AS
SELECT a.code_module || '/' || a.code_presentation AS course, a.id_assessment::text AS assignment,
       oulad_timestamp(a.code_presentation, a.date) AS due_at
FROM oulad.assessments a;
CREATE VIEW oulad_quality.submission AS
SELECT a.code_module || '/' || a.code_presentation AS course, s.id_assessment::text AS assignment,
       s.id_student::text AS learner, oulad_timestamp(a.code_presentation, s.date_submitted) AS submitted_at,
       s.score
FROM oulad.student_assessment s
JOIN oulad.assessments a USING (id_assessment);

INSERT INTO quality_source (name, kind, relation, description) VALUES
  ('oulad_clicks', 'events', 'oulad_quality.clicks', 'OULAD studentVle, raw rows'),
  ('oulad_enrolment', 'enrolment', 'oulad_quality.enrolment', 'OULAD studentRegistration'),
  ('oulad_withdrawn', 'enrolment', 'oulad_quality.withdrawn', 'OULAD studentRegistration, final result Withdrawn'),
  ('oulad_calendar', 'enrolment', 'oulad_quality.calendar', 'registered course days of the presentations with clicks'),
  ('oulad_assessment', 'assignment', 'oulad_quality.assessment', 'OULAD assessments'),
  ('oulad_submission', 'assignment_submission', 'oulad_quality.submission', 'OULAD studentAssessment');

-- The checks. Severity: what would mislead a number (duplicated clicks, a truncated course,
-- withdrawals that cannot be placed in time) is high; a default a reader must know about is medium.
-- The bursts are measured in clicks (weight): no student-day has 200 resource rows, so the events
-- measure could not flag one; the "max_per_minute" rule is off because OULAD has days, not times
-- (every event of a day is at noon, so a busy day would look like one minute). No outage check:
-- the click files mix four presentations with their own calendars, so the whole source "collapses"
-- or "spikes" whenever one starts or ends (39 such days as of 2015-07-01, none a tracking outage),
-- and an open outage finding holds the dip and inactivity alerts of every course that day.
INSERT INTO quality_check (name, check_type, source, parameters, severity, description) VALUES
  ('oulad_click_duplicates', 'duplicates', 'oulad_clicks', '{"key": ["learner", "course", "activity", "ts"]}', 'high',
   'the same student, site and day in more than one studentVle row (oulad_load sums them)'),
  ('oulad_click_missing_days', 'missing_days', 'oulad_clicks', '{"from": "enrolment", "enrolment": "oulad_calendar"}', 'high',
   'course days without a single click while students are registered: a truncated or partial extract'),
  ('oulad_click_bursts', 'outlier_burst', 'oulad_clicks',
   '{"measure": "weight", "history_days": 1000, "max_per_minute": null}', 'medium',
   'student-days whose clicks are far above the course-day''s median (robust z > 10, 200 clicks or more)'),
  ('oulad_click_outside_enrolment', 'outside_enrolment', 'oulad_clicks', '{"enrolments": "oulad_enrolment"}', 'medium',
   'clicks of students not registered in the presentation, or before their registration or on and after their unregistration day'),
  ('oulad_submission_timing', 'submission_before_assignment', 'oulad_submission',
   '{"assignments": "oulad_assessment", "enrolments": "oulad_enrolment"}', 'medium',
   'submissions of unknown assessments, or before the presentation or the student''s registration began'),
  ('oulad_submission_score_range', 'score_out_of_range', 'oulad_submission', '{"column": "score", "min": 0, "max": 100}', 'high',
   'scores outside 0 to 100'),
  ('oulad_registration_day', 'not_null', 'oulad_enrolment', '{"columns": ["enrolled_at"]}', 'medium',
   'registrations without a registration day (counted as registered from day 0)'),
  ('oulad_withdrawal_day', 'not_null', 'oulad_withdrawn', '{"columns": ["left_at"]}', 'high',
   'withdrawn students without an unregistration day: the withdrawal cannot be placed in time'),
  ('oulad_assessment_day', 'not_null', 'oulad_assessment', '{"columns": ["due_at"]}', 'medium',
   'assessments without a date (exams: the end of the presentation, OULAD''s documentation)'),
  ('oulad_submission_score', 'not_null', 'oulad_submission', '{"columns": ["score"]}', 'medium',
   'submitted assessments without a score');

\echo 'quality_run(): every enabled check (the shipped ones over learning.* read the replayed population), as of 2015-07-01:'
SELECT check_name, severity, findings, opened, rows
FROM quality_run(NULL, '2015-07-01 00:00+00') ORDER BY check_name;

\echo 'The findings of the OULAD checks, per check (one finding per presentation, or per day or student-day):'
SELECT f.check_name, f.severity, count(*) AS findings, count(DISTINCT f.course) AS presentations,
       sum(f.rows) AS rows, sum(f.observed) AS observed
FROM quality_findings f WHERE f.check_name LIKE 'oulad\_%'
GROUP BY 1, 2 ORDER BY min(CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END), 1;

\echo 'Duplicated click rows per presentation: keys (student, site, day) in several rows = rows - surplus copies;'
\echo 'all keys = the rows of oulad.activity, where oulad_load summed them:'
SELECT f.course, f.rows - f.observed AS duplicated_keys, a.keys, f.rows AS rows_sharing_a_key,
       f.observed AS surplus_rows, f.sample -> 0 AS most_repeated
FROM quality_findings f
JOIN (SELECT code_module || '/' || code_presentation AS course, count(*) AS keys FROM oulad.activity GROUP BY 1) a
  USING (course)
WHERE f.check_name = 'oulad_click_duplicates'
ORDER BY f.course;

\echo 'Missing days (observed = days without a click, expected = days in the registered span, sample = the first):'
SELECT f.course, f.observed AS missing_days, f.expected AS span_days, f.sample AS first_missing
FROM quality_findings f WHERE f.check_name = 'oulad_click_missing_days' ORDER BY f.course;

\echo 'Bursts (observed = the student''s clicks that day, expected = the median of the course-day''s students):'
SELECT f.course, f.day, f.learner, f.observed AS clicks, f.expected AS median, f.rows AS resource_rows
FROM quality_findings f WHERE f.check_name = 'oulad_click_bursts' ORDER BY f.observed DESC, f.course, f.day, f.learner
LIMIT 10;
SELECT count(*) AS bursts, count(DISTINCT learner) AS students, count(DISTINCT course) AS presentations
FROM quality_findings f WHERE f.check_name = 'oulad_click_bursts';
