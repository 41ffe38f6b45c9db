#!/usr/bin/env bash
# Data quality on the real OULAD files in $LA_SHARED/data/oulad: demo/quality.sql's sources and
# checks, run as `make demo` runs them (quality_run as of 2015-07-01), and every finding of its
# checks compared with a plain-SQL query over the RAW tables oulad_load keeps (student_vle,
# student_registration, student_info, assessments, student_assessment, courses), never through the
# learnalytics views; then the counts doc/oulad.md ("Data quality") documents. All in one
# transaction, rolled back: the test database keeps nothing. Skipped when the data is not there.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
findings() {
  oulad_need_data
  oulad_psql -v quality="$LA_SRC/demo/quality.sql" \
    -v ok_message="every OULAD finding matches the raw tables and doc/oulad.md" <<'SQL'
SET client_min_messages = warning;
BEGIN;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir') \gset
\i :quality

-- What the raw tables say each check should find: one row per finding (check, course, day,
-- learner, subject, observed, expected, rows), as the check types define them (doc/quality.md).
-- Presentation = module/presentation; day d of a presentation = its day 0 (1 Feb for B, 1 Oct for
-- J) + d, written out here rather than through oulad_start_date.
CREATE TEMP TABLE want (check_name text, course text, day date, learner text, subject text,
                        observed numeric, expected numeric, rows bigint);
CREATE TEMP VIEW raw_day0 AS
SELECT code_module, code_presentation,
       make_date(left(code_presentation, 4)::int, CASE right(code_presentation, 1) WHEN 'B' THEN 2 ELSE 10 END, 1) AS day0
FROM oulad.courses;
-- duplicates: (student, site, day) keys in more than one studentVle row; observed = surplus rows
INSERT INTO want
SELECT 'oulad_click_duplicates', code_module || '/' || code_presentation, NULL, NULL, 'learner,course,activity,ts',
       sum(n - 1), 0, sum(n)
FROM (SELECT code_module, code_presentation, count(*) AS n FROM oulad.student_vle
      GROUP BY code_module, code_presentation, id_student, id_site, date HAVING count(*) > 1) k
GROUP BY 1, 2;
-- missing days: the days 0 .. length of each presentation in the click files without a click row
INSERT INTO want
SELECT 'oulad_click_missing_days', c.code_module || '/' || c.code_presentation, NULL, NULL, NULL,
       count(*) FILTER (WHERE d.date IS NULL), c.module_presentation_length + 1, 0
FROM oulad.courses c
CROSS JOIN LATERAL generate_series(0, c.module_presentation_length) g(day)
LEFT JOIN (SELECT DISTINCT code_module, code_presentation, date FROM oulad.student_vle) d
  ON d.code_module = c.code_module AND d.code_presentation = c.code_presentation AND d.date = g.day
WHERE (c.code_module, c.code_presentation) IN (SELECT DISTINCT code_module, code_presentation FROM oulad.student_vle)
GROUP BY c.code_module, c.code_presentation, c.module_presentation_length
HAVING count(*) FILTER (WHERE d.date IS NULL) > 0;
-- bursts: a student's clicks on a day at least 200 and more than 10 robust standard deviations
-- (1.4826 x the median absolute deviation) above the median of the presentation-day's students
-- (a MAD of 0: anything above the median); observed = clicks, expected = median, rows = raw rows
INSERT INTO want
WITH sd AS (SELECT code_module, code_presentation, id_student, date, sum(sum_click) AS x, count(*) AS n
            FROM oulad.student_vle GROUP BY 1, 2, 3, 4),
med AS (SELECT code_module, code_presentation, date, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS m
        FROM sd GROUP BY 1, 2, 3),
mad AS (SELECT sd.code_module, sd.code_presentation, sd.date, percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(sd.x - med.m)) AS d
        FROM sd JOIN med USING (code_module, code_presentation, date) GROUP BY 1, 2, 3)
SELECT 'oulad_click_bursts', sd.code_module || '/' || sd.code_presentation, z.day0 + sd.date, sd.id_student::text, NULL,
       sd.x, med.m::numeric, sd.n
FROM sd JOIN med USING (code_module, code_presentation, date) JOIN mad USING (code_module, code_presentation, date)
JOIN raw_day0 z USING (code_module, code_presentation)
WHERE sd.x >= 200 AND CASE WHEN mad.d = 0 THEN sd.x > med.m ELSE (sd.x - med.m) / (1.482602218505602 * mad.d) > 10 END;
-- clicks outside the registration: no registration row, before the registration day, on or after
-- the unregistration day; observed = students, rows = click rows
INSERT INTO want
SELECT 'oulad_click_outside_enrolment', course, NULL, NULL, subject, count(DISTINCT id_student), 0, count(*)
FROM (SELECT v.code_module || '/' || v.code_presentation AS course, v.id_student,
             CASE WHEN r.id_student IS NULL THEN 'not_enrolled'
                  WHEN v.date < r.date_registration THEN 'before_enrolment'
                  WHEN v.date >= r.date_unregistration THEN 'after_leaving' END AS subject
      FROM oulad.student_vle v
      LEFT JOIN oulad.student_registration r USING (code_module, code_presentation, id_student)) o
WHERE subject IS NOT NULL
GROUP BY 2, 5;
-- submissions before the presentation's first registration or the student's own registration day;
-- observed = students, rows = submissions
INSERT INTO want
SELECT 'oulad_submission_timing', course, NULL, NULL, subject, count(DISTINCT id_student), 0, count(*)
FROM (SELECT a.code_module || '/' || a.code_presentation AS course, s.id_student,
             CASE WHEN s.date_submitted < st.first_registration THEN 'before_course_start'
                  WHEN s.date_submitted < r.date_registration THEN 'before_enrolment' END AS subject
      FROM oulad.student_assessment s
      JOIN oulad.assessments a USING (id_assessment)
      LEFT JOIN (SELECT code_module, code_presentation, min(date_registration) AS first_registration
                 FROM oulad.student_registration GROUP BY 1, 2) st USING (code_module, code_presentation)
      LEFT JOIN oulad.student_registration r USING (code_module, code_presentation, id_student)) o
WHERE subject IS NOT NULL
GROUP BY 2, 5;
-- scores outside 0..100 (none expected)
INSERT INTO want
SELECT 'oulad_submission_score_range', a.code_module || '/' || a.code_presentation, NULL, NULL,
       CASE WHEN s.score < 0 THEN 'below_min' ELSE 'above_max' END, NULL, NULL, count(*)
FROM oulad.student_assessment s JOIN oulad.assessments a USING (id_assessment)
WHERE s.score < 0 OR s.score > 100 GROUP BY 1, 2, 5;
-- missing values, per presentation: registration day, unregistration day of the withdrawn,
-- assessment date, score; observed = rows
INSERT INTO want
SELECT 'oulad_registration_day', code_module || '/' || code_presentation, NULL::date, NULL::text, 'enrolled_at', count(*), 0, count(*)
FROM oulad.student_registration WHERE date_registration IS NULL GROUP BY 1, 2
UNION ALL
SELECT 'oulad_withdrawal_day', code_module || '/' || code_presentation, NULL, NULL, 'left_at', count(*), 0, count(*)
FROM oulad.student_registration r JOIN oulad.student_info i USING (code_module, code_presentation, id_student)
WHERE i.final_result = 'Withdrawn' AND r.date_unregistration IS NULL GROUP BY 1, 2
UNION ALL
SELECT 'oulad_assessment_day', code_module || '/' || code_presentation, NULL, NULL, 'due_at', count(*), 0, count(*)
FROM oulad.assessments WHERE date IS NULL GROUP BY 1, 2
UNION ALL
SELECT 'oulad_submission_score', a.code_module || '/' || a.code_presentation, NULL, NULL, 'score', count(*), 0, count(*)
FROM oulad.student_assessment s JOIN oulad.assessments a USING (id_assessment)
WHERE s.score IS NULL GROUP BY 1, 2;

-- the findings of demo/quality.sql's checks (all of them open, as of the run)
CREATE TEMP TABLE got AS
SELECT check_name, course, day, learner, subject, observed, expected, rows, status, first_seen, sample
FROM quality_finding WHERE check_name LIKE 'oulad\_%';
CREATE TEMP TABLE cmp AS
SELECT coalesce(g.check_name, w.check_name) AS check_name, g.check_name IS NOT NULL AS found,
       w.check_name IS NOT NULL AS wanted,
       g.observed IS NOT DISTINCT FROM w.observed AND g.expected IS NOT DISTINCT FROM w.expected
         AND g.rows IS NOT DISTINCT FROM w.rows AS same_numbers
FROM got g
FULL JOIN want w ON w.check_name = g.check_name AND w.course IS NOT DISTINCT FROM g.course
                AND w.day IS NOT DISTINCT FROM g.day AND w.learner IS NOT DISTINCT FROM g.learner
                AND w.subject IS NOT DISTINCT FROM g.subject;

CREATE TEMP TABLE checks (what text, got numeric, want numeric);
INSERT INTO checks
SELECT c.check_name || ': findings', count(*) FILTER (WHERE c.found), count(*) FILTER (WHERE c.wanted)
FROM quality_check q JOIN cmp c ON c.check_name = q.name GROUP BY c.check_name
UNION ALL
SELECT c.check_name || ': findings not in the raw tables, missing, or with other numbers',
       count(*) FILTER (WHERE NOT (c.found AND c.wanted AND c.same_numbers)), 0
FROM cmp c GROUP BY c.check_name
UNION ALL
SELECT 'checks of demo/quality.sql', count(*), 10 FROM quality_check WHERE name LIKE 'oulad\_%'
UNION ALL
SELECT 'checks of demo/quality.sql that ran without error', count(*), 10
FROM quality_run_log WHERE check_name LIKE 'oulad\_%' AND error IS NULL AND as_of = '2015-07-01 00:00+00'
UNION ALL
SELECT 'findings not open, or not first seen at the run', count(*), 0
FROM got WHERE status <> 'open' OR first_seen <> '2015-07-01 00:00+00'
UNION ALL
SELECT 'findings of score_out_of_range', count(*), 0 FROM got WHERE check_name = 'oulad_submission_score_range';

-- the numbers doc/oulad.md documents, from the findings
INSERT INTO checks
SELECT 'click keys in several rows (doc: 210,363)', sum(rows - observed), 210363
FROM got WHERE check_name = 'oulad_click_duplicates'
UNION ALL SELECT 'click rows sharing a key (doc: 485,722)', sum(rows), 485722 FROM got WHERE check_name = 'oulad_click_duplicates'
UNION ALL SELECT 'surplus click rows (doc: 275,359)', sum(observed), 275359 FROM got WHERE check_name = 'oulad_click_duplicates'
UNION ALL SELECT 'click keys in all, raw (doc: 773,216)', count(*), 773216
  FROM (SELECT DISTINCT code_module, code_presentation, id_student, id_site, date FROM oulad.student_vle) k
UNION ALL SELECT 'presentations with missing days (doc: 1)', count(*), 1 FROM got WHERE check_name = 'oulad_click_missing_days'
UNION ALL SELECT 'BBB/2013J missing days (doc: 135)', observed, 135 FROM got
  WHERE check_name = 'oulad_click_missing_days' AND course = 'BBB/2013J'
UNION ALL SELECT 'BBB/2013J days in the span (doc: 269, days 0 to 268)', expected, 269 FROM got
  WHERE check_name = 'oulad_click_missing_days' AND course = 'BBB/2013J'
UNION ALL SELECT 'BBB/2013J first missing day = day 134 (2014-02-12)', (sample ->> 0)::date - date '2013-10-01', 134 FROM got
  WHERE check_name = 'oulad_click_missing_days' AND course = 'BBB/2013J'
UNION ALL SELECT 'BBB/2013J last click day, raw (doc: 133 of 268)', max(date), 133 FROM oulad.student_vle
  WHERE code_module = 'BBB' AND code_presentation = '2013J'
UNION ALL SELECT 'student-day bursts (doc: 181)', count(*), 181 FROM got WHERE check_name = 'oulad_click_bursts'
UNION ALL SELECT 'students with a burst (doc: 120)', count(DISTINCT learner), 120 FROM got WHERE check_name = 'oulad_click_bursts'
UNION ALL SELECT 'largest burst, clicks (doc: 1,341)', max(observed), 1341 FROM got WHERE check_name = 'oulad_click_bursts'
UNION ALL SELECT 'click rows on or after the unregistration day (doc: 2,131)', sum(rows), 2131
  FROM got WHERE check_name = 'oulad_click_outside_enrolment' AND subject = 'after_leaving'
UNION ALL SELECT 'students clicking on or after their unregistration day (doc: 162)', sum(observed), 162
  FROM got WHERE check_name = 'oulad_click_outside_enrolment' AND subject = 'after_leaving'
UNION ALL SELECT 'clicks before registration or without one (doc: 0)', count(*), 0
  FROM got WHERE check_name = 'oulad_click_outside_enrolment' AND subject <> 'after_leaving'
UNION ALL SELECT 'submissions before the student registered (doc: 115)', sum(rows), 115
  FROM got WHERE check_name = 'oulad_submission_timing' AND subject = 'before_enrolment'
UNION ALL SELECT 'students who submitted before registering (doc: 25)', sum(observed), 25
  FROM got WHERE check_name = 'oulad_submission_timing' AND subject = 'before_enrolment'
UNION ALL SELECT 'registrations without a day (doc: 45)', sum(rows), 45 FROM got WHERE check_name = 'oulad_registration_day'
UNION ALL SELECT 'withdrawn without an unregistration day (doc: 93)', sum(rows), 93 FROM got WHERE check_name = 'oulad_withdrawal_day'
UNION ALL SELECT 'assessments without a date (doc: 11)', sum(rows), 11 FROM got WHERE check_name = 'oulad_assessment_day'
UNION ALL SELECT 'missing scores (doc: 173)', sum(rows), 173 FROM got WHERE check_name = 'oulad_submission_score';
\i :checks
ROLLBACK;
SQL
}
la_t_check "OULAD data-quality findings against the raw tables" findings
la_t_done
