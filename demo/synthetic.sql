-- Synthetic OULAD-shaped data for `make demo` when the real dataset is not there: a seeded
-- generator writes the same files, in the same format, into the directory :dir (server side,
-- COPY TO, so the server's OS user must be able to write there), and oulad_load() then reads them
-- like the real ones. Two presentations of a module 'SYN', 700 learners each:
--   steady (55%)   active on a share e of the days (fewer at weekends), e between 0.15 and 0.9
--   dip (15%)      steady, but 1 to 3 weeks at a tenth of their usual activity, then back
--   dropout (22%)  activity fades over 2 to 6 weeks, then they unregister (day 15 to 200)
--   early (5%)     unregister before the course starts
--   ghost (3%)     registered, never click, fail
-- Outcomes follow engagement (distinction, pass, fail); dropouts and early leavers are Withdrawn,
-- 1% of them without an unregistration day. Some click rows are duplicated, and the exam has no
-- date, as in the real data. Deterministic: setseed() and serial plans.
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.20261122) \g /dev/null

CREATE TEMP TABLE syn_presentation (code_module text, code_presentation text, length_days int);
INSERT INTO syn_presentation VALUES ('SYN', '2024B', 240), ('SYN', '2024J', 262);

CREATE TEMP TABLE syn_learner AS
WITH l AS (
  SELECT p.code_module, p.code_presentation, p.length_days,
         100000 + row_number() OVER (ORDER BY p.code_presentation, i) AS id_student,
         random() AS k, 0.15 + 0.75 * random() AS e, random() AS r1, random() AS r2, random() AS r3
  FROM syn_presentation p CROSS JOIN generate_series(1, 700) i
)
SELECT l.*,
       CASE WHEN k < 0.55 THEN 'steady' WHEN k < 0.70 THEN 'dip' WHEN k < 0.92 THEN 'dropout'
            WHEN k < 0.97 THEN 'early' ELSE 'ghost' END AS kind,
       -(1 + floor(r1 * 90))::int AS registered_day,
       CASE WHEN k >= 0.92 AND k < 0.97 THEN -floor(r2 * 20)::int
            WHEN k >= 0.70 AND k < 0.92 THEN (15 + floor(r2 * 186))::int END AS unregistered_day,
       (30 + floor(r3 * 120))::int AS event_day,            -- dip start, or when a dropout starts fading
       (7 + floor(r1 * 15))::int AS event_days             -- dip length
FROM l;

-- daily probability of being active, per learner and day
CREATE TEMP TABLE syn_day AS
SELECT s.*, d AS day,
       CASE
         WHEN s.kind = 'ghost' THEN 0
         WHEN s.kind = 'early' THEN CASE WHEN d < s.unregistered_day THEN 0.3 ELSE 0 END
         WHEN s.kind = 'dropout' AND d >= s.unregistered_day THEN 0
         WHEN s.kind = 'dropout' AND d >= s.unregistered_day - (14 + s.event_days * 2) THEN
           s.e * greatest(0.03, (s.unregistered_day - d)::float8 / (14 + s.event_days * 2))
         WHEN s.kind = 'dip' AND d BETWEEN s.event_day AND s.event_day + s.event_days THEN s.e * 0.1
         WHEN d < 0 THEN s.e * 0.4
         ELSE s.e
       END * CASE WHEN (d % 7 + 7) % 7 IN (5, 6) THEN 0.5 ELSE 1 END
       * CASE WHEN d > s.length_days - 14 THEN 1.3 ELSE 1 END AS p
FROM syn_learner s CROSS JOIN generate_series(-14, s.length_days) d;

CREATE TEMP TABLE syn_vle AS
SELECT 700000 + row_number() OVER (ORDER BY p.code_presentation, i) AS id_site, p.code_module,
       p.code_presentation, (ARRAY['resource', 'oucontent', 'forumng', 'quiz', 'subpage'])[1 + i % 5] AS activity_type, i
FROM syn_presentation p CROSS JOIN generate_series(0, 39) i;

CREATE TEMP TABLE syn_click AS
SELECT d.code_module, d.code_presentation, d.id_student, v.id_site, d.day AS date,
       (1 + floor(random() * 6))::int AS sum_click
FROM syn_day d
CROSS JOIN LATERAL (SELECT 1 + floor(random() * (1 + 5 * d.e))::int AS sites) n
JOIN syn_vle v ON v.code_presentation = d.code_presentation
  AND v.i IN (SELECT (d.day * 7 + j * 13 + d.id_student) % 40 FROM generate_series(1, n.sites) j)
WHERE random() < d.p;
-- duplicated rows, as in the real file (oulad_load sums them)
INSERT INTO syn_click SELECT * FROM syn_click WHERE random() < 0.03;
-- the presentation runs to its last day: someone clicks on it
INSERT INTO syn_click
SELECT s.code_module, s.code_presentation, min(s.id_student), min(v.id_site), s.length_days, 1
FROM syn_learner s JOIN syn_vle v USING (code_presentation)
WHERE s.kind = 'steady' GROUP BY s.code_module, s.code_presentation, s.length_days;

CREATE TEMP TABLE syn_outcome AS
SELECT s.*, CASE
  WHEN s.kind IN ('dropout', 'early') THEN 'Withdrawn'
  WHEN s.kind = 'ghost' THEN 'Fail'
  WHEN s.e + 0.25 * s.r3 > 0.85 THEN 'Distinction'
  WHEN s.e + 0.3 * s.r3 > 0.4 THEN 'Pass'
  ELSE 'Fail' END AS final_result
FROM syn_learner s;

CREATE TEMP TABLE syn_assessment AS
SELECT p.code_module, p.code_presentation, 800000 + row_number() OVER (ORDER BY p.code_presentation, a.n) AS id_assessment,
       a.kind AS assessment_type, a.date, a.weight
FROM syn_presentation p
CROSS JOIN (VALUES (1, 'TMA', 30, 10), (2, 'TMA', 80, 20), (3, 'TMA', 130, 20), (4, 'TMA', 180, 20),
                   (5, 'Exam', NULL, 100)) a(n, kind, date, weight);

-- the files, named and laid out like the official ones (missing values are empty fields)
SELECT set_config('syn.dir', :'dir', false) \g /dev/null
DO $$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT * FROM (VALUES
    ('courses.csv', 'SELECT code_module, code_presentation, length_days AS module_presentation_length FROM syn_presentation'),
    ('assessments.csv', 'SELECT code_module, code_presentation, id_assessment, assessment_type, date, weight FROM syn_assessment'),
    ('vle.csv', 'SELECT id_site, code_module, code_presentation, activity_type, NULL AS week_from, NULL AS week_to FROM syn_vle'),
    ('studentInfo.csv', $q$SELECT code_module, code_presentation, id_student,
        CASE WHEN r1 < 0.5 THEN 'F' ELSE 'M' END AS gender, 'Synthetic Region' AS region,
        'A Level or Equivalent' AS highest_education, CASE WHEN r2 < 0.03 THEN NULL ELSE '50-60%' END AS imd_band,
        '0-35' AS age_band, 0 AS num_of_prev_attempts, 60 AS studied_credits, 'N' AS disability, final_result
      FROM syn_outcome ORDER BY id_student$q$),
    ('studentRegistration.csv', $q$SELECT code_module, code_presentation, id_student,
        CASE WHEN r3 < 0.002 THEN NULL ELSE registered_day END AS date_registration,
        CASE WHEN kind = 'dropout' AND r1 < 0.01 THEN NULL ELSE unregistered_day END AS date_unregistration
      FROM syn_learner ORDER BY id_student$q$),
    ('studentAssessment.csv', $q$SELECT a.id_assessment, o.id_student, a.date - (o.id_student % 4) AS date_submitted,
        0 AS is_banked, CASE WHEN (o.id_student + a.id_assessment) % 500 = 0 THEN NULL
                             ELSE least(100, round(40 + 60 * o.e * (0.7 + 0.3 * o.r2))) END AS score
      FROM syn_outcome o JOIN syn_assessment a USING (code_module, code_presentation)
      WHERE a.date IS NOT NULL AND o.kind <> 'ghost' AND coalesce(o.unregistered_day > a.date, true)
      ORDER BY 1, 2$q$),
    ('studentVle_synthetic.csv', 'SELECT * FROM syn_click ORDER BY code_presentation, date, id_student, id_site'))
    v(file, query)
  LOOP
    EXECUTE format('COPY (%s) TO %L WITH (FORMAT csv, HEADER true)', f.query,
                   current_setting('syn.dir') || '/' || f.file);
  END LOOP;
END
$$;
SELECT kind, count(*) AS learners, round(avg(e)::numeric, 2) AS mean_activity_share
FROM syn_learner GROUP BY kind ORDER BY count(*) DESC;
