--
-- oulad_load() on a tiny OULAD-shaped directory written here (no dataset needed): the official
-- quoting ("" = missing), plain and gzipped files, duplicated click rows summed, a missing exam
-- date, withdrawn without an unregistration day, a presentation whose clicks stop early; the
-- day-offset convention; errors. The full dataset is checked by test/t/80_oulad_load.sh.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
SELECT oulad_start_date('2013J') AS j, oulad_start_date('2014B') AS b, oulad_start_date('2014X') AS other,
       oulad_timestamp('2013J', 0) AS day_0, oulad_timestamp('2013J', -10) AS day_minus_10;

CREATE TEMP TABLE work_dir (path text);
COPY work_dir FROM PROGRAM 'mktemp -d "${TMPDIR:-/tmp}/la_oulad_regress.XXXXXX"';
CREATE FUNCTION pg_temp.write_file(name text, lines text[], gz boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  p text := (SELECT path FROM work_dir) || '/' || name;
BEGIN
  EXECUTE format('COPY (SELECT l FROM unnest(%L::text[]) WITH ORDINALITY t(l, n) ORDER BY n) TO %s', lines,
                 CASE WHEN gz THEN format('PROGRAM %L', 'gzip > ' || p) ELSE quote_literal(p) END);
END $$;
\o /dev/null
SELECT pg_temp.write_file('courses.csv', ARRAY[
  '"code_module","code_presentation","module_presentation_length"',
  '"XXX","2020J","10"', '"XXX","2021B","12"']);
SELECT pg_temp.write_file('assessments.csv', ARRAY[
  '"code_module","code_presentation","id_assessment","assessment_type","date","weight"',
  '"XXX","2020J","1","TMA","5","50"', '"XXX","2020J","2","Exam","","50"']);
SELECT pg_temp.write_file('vle.csv', ARRAY[
  '"id_site","code_module","code_presentation","activity_type","week_from","week_to"',
  '"101","XXX","2020J","resource","",""', '"102","XXX","2021B","quiz","1","2"']);
SELECT pg_temp.write_file('studentInfo.csv.gz', ARRAY[
  '"code_module","code_presentation","id_student","gender","region","highest_education","imd_band","age_band","num_of_prev_attempts","studied_credits","disability","final_result"',
  '"XXX","2020J","1","F","Wales","HE Qualification","","35-55","0","60","N","Pass"',
  '"XXX","2020J","2","M","Wales","HE Qualification","10-20","0-35","1","120","N","Withdrawn"',
  '"XXX","2020J","3","M","Wales","HE Qualification","10-20","0-35","0","60","Y","Withdrawn"',
  '"XXX","2021B","1","F","Wales","HE Qualification","20-30%","35-55","0","60","N","Fail"'], true);
SELECT pg_temp.write_file('studentRegistration.csv.gz', ARRAY[
  '"code_module","code_presentation","id_student","date_registration","date_unregistration"',
  '"XXX","2020J","1","-5",""', '"XXX","2020J","2","-3","6"', '"XXX","2020J","3","",""',
  '"XXX","2021B","1","-1",""'], true);
SELECT pg_temp.write_file('studentAssessment.csv', ARRAY[
  'id_assessment,id_student,date_submitted,is_banked,score',
  '1,1,4,0,80', '1,2,7,0,', '2,1,11,1,65']);
SELECT pg_temp.write_file('studentVle_a.csv.gz', ARRAY[
  'code_module,code_presentation,id_student,id_site,date,sum_click',
  'XXX,2020J,1,101,0,2', 'XXX,2020J,1,101,0,3', 'XXX,2020J,1,101,10,1', 'XXX,2020J,2,101,-2,4'], true);
SELECT pg_temp.write_file('studentVle_b.csv', ARRAY[
  'code_module,code_presentation,id_student,id_site,date,sum_click',
  'XXX,2021B,1,102,3,1']);
\o
SELECT path AS dir FROM work_dir \gset
SELECT regexp_replace(object, '_[ab]\.', '_?.') AS object, rows FROM oulad_load(:'dir', 'oulad_regress');
SELECT * FROM oulad_regress.presentation ORDER BY 1, 2;
SELECT enrolment, registered_day, unregistered_day, unregistered_at, outcome, withdrawal_day_missing, imd_band
FROM oulad_regress.enrolment ORDER BY 1;
SELECT * FROM oulad_regress.learner ORDER BY 1;
SELECT enrolment, id_site, day, ts, clicks, source_rows FROM oulad_regress.activity ORDER BY 1, 3;
SELECT id_assessment, assessment_type, due_day, due_day_imputed, due_at FROM oulad_regress.assessment ORDER BY 1;
SELECT enrolment, id_assessment, submitted_day, submitted_at, is_banked, score, days_late
FROM oulad_regress.submission ORDER BY 1, 2;
-- the activity is a learnalytics input as it stands
SELECT engagement_refresh('oulad_regress.activity', 'enrolment', 'ts', 'clicks');
SELECT learner, (engagement_info(summary)).active_days, (engagement_info(summary)).weight
FROM learner_engagement ORDER BY 1;
DELETE FROM learner_engagement;

-- loading again replaces the schema it made
SELECT count(*) FROM oulad_load(:'dir' || '/', 'oulad_regress');
-- errors
\set SHOW_CONTEXT never
SELECT * FROM oulad_load('/nonexistent/oulad');
SELECT * FROM oulad_load(NULL);
CREATE SCHEMA not_oulad;
SELECT * FROM oulad_load(:'dir', 'not_oulad');
DROP SCHEMA not_oulad;
DO $$
BEGIN
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm ' || (SELECT path FROM work_dir) || '/vle.csv');
  PERFORM oulad_load((SELECT path FROM work_dir), 'oulad_regress');
EXCEPTION WHEN undefined_file THEN
  RAISE WARNING '%', replace(SQLERRM, (SELECT path FROM work_dir), '<dir>');
END $$;

DROP SCHEMA oulad_regress CASCADE;
DO $$
BEGIN
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'rm -r ' || (SELECT path FROM work_dir));
END $$;
