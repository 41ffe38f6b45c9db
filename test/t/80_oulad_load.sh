#!/usr/bin/env bash
# oulad_load() on the real OULAD files in $LA_SHARED/data/oulad: row counts and sums against the
# figures of SOURCE.md, the quirks (duplicated click rows summed, missing dates, withdrawn students
# without an unregistration day, the truncated BBB/2013J presentation kept out of complete ones).
# Its check is skipped when the data is not there; CI always has it.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
loader_counts() {
  oulad_need_data
  oulad_psql -v ok_message="all loader counts match SOURCE.md" <<'SQL'
SET client_min_messages = warning;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir', 'oulad_t80') \gset
CREATE TEMP TABLE checks (what text, got numeric, want numeric);
INSERT INTO checks
SELECT 'file ' || file, rows, want FROM oulad_t80.files JOIN (VALUES
  ('courses.csv', 22), ('assessments.csv', 206), ('vle.csv', 6364), ('studentInfo.csv.gz', 32593),
  ('studentRegistration.csv.gz', 32593), ('studentAssessment.csv.gz', 173912),
  ('studentVle_subset_AAA2013J_AAA2014J_BBB2013B.csv.gz', 753564),
  ('studentVle_partial_BBB2013J_truncated.csv.gz', 295011)) w(file, want) USING (file)
UNION ALL SELECT 'files loaded', count(*), 8 FROM oulad_t80.files
UNION ALL SELECT 'loader summary lines', :loader_lines, 16
UNION ALL SELECT 'presentations', count(*), 22 FROM oulad_t80.presentation
UNION ALL SELECT 'enrolments', count(*), 32593 FROM oulad_t80.enrolment
UNION ALL SELECT 'learners', count(*), 28785 FROM oulad_t80.learner
UNION ALL SELECT 'distinct students', count(DISTINCT id_student), 28785 FROM oulad_t80.enrolment
UNION ALL SELECT 'outcome pass', count(*), 12361 FROM oulad_t80.enrolment WHERE outcome = 'pass'
UNION ALL SELECT 'outcome withdrawn', count(*), 10156 FROM oulad_t80.enrolment WHERE outcome = 'withdrawn'
UNION ALL SELECT 'outcome fail', count(*), 7052 FROM oulad_t80.enrolment WHERE outcome = 'fail'
UNION ALL SELECT 'outcome distinction', count(*), 3024 FROM oulad_t80.enrolment WHERE outcome = 'distinction'
UNION ALL SELECT 'missing imd_band', count(*), 1111 FROM oulad_t80.enrolment WHERE imd_band IS NULL
UNION ALL SELECT 'assessments', count(*), 206 FROM oulad_t80.assessment
UNION ALL SELECT 'assessments without a date (due day imputed)', count(*), count(*) FILTER (WHERE assessment_type = 'Exam')
  FROM oulad_t80.assessment WHERE due_day_imputed
UNION ALL SELECT 'imputed due day = presentation length', count(*), 0
  FROM oulad_t80.assessment a JOIN oulad_t80.presentation p USING (code_module, code_presentation)
  WHERE a.due_day_imputed AND a.due_day <> p.length_days
UNION ALL SELECT 'submissions', count(*), 173912 FROM oulad_t80.submission
UNION ALL SELECT 'missing scores', count(*), 173 FROM oulad_t80.submission WHERE score IS NULL
UNION ALL SELECT 'vle sites', count(*), 6364 FROM oulad_t80.vle
UNION ALL SELECT 'withdrawn, no unregistration day, flagged',
  count(*) FILTER (WHERE withdrawal_day_missing),
  count(*) FILTER (WHERE outcome = 'withdrawn' AND unregistered_day IS NULL) FROM oulad_t80.enrolment
UNION ALL SELECT 'raw click rows', count(*), 753564 + 295011 FROM oulad_t80.student_vle
UNION ALL SELECT 'activity keeps every raw row', sum(source_rows), 753564 + 295011 FROM oulad_t80.activity
UNION ALL SELECT 'activity distinct keys, complete subset', count(*), 561862
  FROM oulad_t80.activity a JOIN oulad_t80.presentation p USING (code_module, code_presentation) WHERE p.clicks_complete
UNION ALL SELECT 'activity rows with an earlier duplicate', count(*) FILTER (WHERE source_rows > 1), NULL FROM oulad_t80.activity
UNION ALL SELECT 'complete presentations', count(*) FILTER (WHERE clicks_complete), 3 FROM oulad_t80.presentation
UNION ALL SELECT 'BBB/2013J not complete', count(*), 1 FROM oulad_t80.presentation
  WHERE code_module = 'BBB' AND code_presentation = '2013J' AND NOT clicks_complete AND last_click_day = 133
UNION ALL SELECT 'day 0 of 2013J', (oulad_start_date('2013J') - date '2013-10-01'), 0
UNION ALL SELECT 'day 0 of 2014B', (oulad_start_date('2014B') - date '2014-02-01'), 0
UNION ALL SELECT 'activity at noon UTC of start + day', count(*), 0 FROM oulad_t80.activity a
  JOIN oulad_t80.presentation p USING (code_module, code_presentation)
  WHERE a.ts <> ((p.start_date + a.day) + time '12:00') AT TIME ZONE 'UTC';
-- per presentation: raw rows, clicks, students with clicks, first and last day (SOURCE.md's table)
INSERT INTO checks
SELECT format('%s/%s %s', code_module, code_presentation, k), v, w
FROM (SELECT code_module, code_presentation, sum(source_rows) AS r, sum(clicks) AS c,
             count(DISTINCT id_student) AS s, min(day) AS lo, max(day) AS hi
      FROM oulad_t80.activity GROUP BY 1, 2) a
JOIN (VALUES ('AAA', '2013J', 180982, 648494, 378, -10, 268), ('AAA', '2014J', 169316, 598158, 357, -24, 269),
             ('BBB', '2013B', 403266, 1347911, 1537, -9, 240), ('BBB', '2013J', 295011, 921776, 1865, -23, 133))
  x(code_module, code_presentation, r, c, s, lo, hi) USING (code_module, code_presentation)
CROSS JOIN LATERAL (VALUES ('rows', a.r, x.r), ('clicks', a.c, x.c), ('students', a.s, x.s),
                           ('first day', a.lo, x.lo), ('last day', a.hi, x.hi)) t(k, v, w);
INSERT INTO checks
SELECT format('%s/%s enrolled', code_module, code_presentation), count(*), w
FROM oulad_t80.enrolment
JOIN (VALUES ('AAA', '2013J', 383), ('AAA', '2014J', 365), ('BBB', '2013B', 1767), ('BBB', '2013J', 2237))
  x(code_module, code_presentation, w) USING (code_module, code_presentation)
GROUP BY code_module, code_presentation, w;

DROP SCHEMA oulad_t80 CASCADE;
\i :checks
SQL
}
la_t_check "loader counts against SOURCE.md" loader_counts
la_t_done
