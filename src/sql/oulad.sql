
-------------------------------------------------------------------------------
-- oulad: the Open University Learning Analytics Dataset as learnalytics inputs (doc/oulad.md)
-------------------------------------------------------------------------------

-- OULAD gives every date as a day offset from the start of its module-presentation, and the
-- start itself only as "B starts in February, J in October". The convention here: day 0 is the
-- 1st of that month, and an event of day d happens at noon UTC of (start + d), so a day of
-- activity is one calendar day in UTC whatever the session's time zone.
CREATE FUNCTION @extschema@.oulad_start_date(code_presentation text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT CASE WHEN code_presentation OPERATOR(pg_catalog.~) '^[0-9]{4}[BJ]$' THEN
    pg_catalog.make_date(pg_catalog.left(code_presentation, 4)::int,
      CASE pg_catalog.right(code_presentation, 1) WHEN 'B' THEN 2 ELSE 10 END, 1) END
$$;
COMMENT ON FUNCTION @extschema@.oulad_start_date(text) IS
'day 0 of an OULAD presentation (''2013B'' -> 2013-02-01, ''2013J'' -> 2013-10-01); NULL for another code';

CREATE FUNCTION @extschema@.oulad_timestamp(code_presentation text, day integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT ((@extschema@.oulad_start_date(code_presentation) OPERATOR(pg_catalog.+) day)::timestamp
          OPERATOR(pg_catalog.+) '12:00'::interval) AT TIME ZONE 'UTC'
$$;
COMMENT ON FUNCTION @extschema@.oulad_timestamp(text, integer) IS
'the instant of an OULAD day offset: noon UTC of day 0 (oulad_start_date) plus day days';

-- oulad_load: files -> raw tables (the publisher's columns) -> learnalytics inputs.
-- Runs COPY ... FROM PROGRAM 'gzip -dcf <file>' on the server, so it needs a superuser (or
-- pg_execute_server_program and pg_read_server_files) and reads the directory as the server's OS
-- user. Each file may be plain (.csv) or gzipped (.csv.gz); every studentVle*.csv[.gz] is loaded.
CREATE FUNCTION @extschema@.oulad_load(dir text, target name DEFAULT 'oulad',
    OUT object text, OUT rows bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'
AS $fn$
DECLARE
  files   text[];
  base    text;
  f       text;
  n       bigint;
  owner   text;
  spec    record;
BEGIN
  IF dir IS NULL OR target IS NULL THEN
    RAISE EXCEPTION 'dir and target must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  dir := rtrim(dir, '/');
  BEGIN
    SELECT array_agg(x ORDER BY x) INTO files FROM pg_ls_dir(dir) x;
  EXCEPTION WHEN undefined_file THEN
    RAISE EXCEPTION 'OULAD directory "%" does not exist', dir
      USING ERRCODE = 'undefined_file',
            HINT = 'Download the dataset from https://analyse.kmi.open.ac.uk/open_dataset and unpack it there.';
  END;
  -- only a schema this function made earlier is replaced
  SELECT obj_description(n.oid, 'pg_namespace') INTO owner FROM pg_namespace n WHERE n.nspname = target;
  IF FOUND THEN
    IF owner IS DISTINCT FROM 'OULAD tables loaded by learnalytics.oulad_load()' THEN
      RAISE EXCEPTION 'schema "%" exists and was not made by oulad_load()', target
        USING ERRCODE = 'duplicate_schema', HINT = 'Drop it, or pass another target schema.';
    END IF;
    EXECUTE format('DROP SCHEMA %I CASCADE', target);
  END IF;
  EXECUTE format('CREATE SCHEMA %I', target);
  EXECUTE format('COMMENT ON SCHEMA %I IS %L', target, 'OULAD tables loaded by learnalytics.oulad_load()');

  -- raw tables: the publisher's tables and columns, types made explicit
  EXECUTE format($ddl$
    CREATE TABLE %1$I.courses (code_module text, code_presentation text,
      module_presentation_length integer NOT NULL, PRIMARY KEY (code_module, code_presentation));
    CREATE TABLE %1$I.assessments (code_module text NOT NULL, code_presentation text NOT NULL,
      id_assessment integer PRIMARY KEY, assessment_type text NOT NULL, date integer, weight numeric);
    CREATE TABLE %1$I.vle (id_site integer PRIMARY KEY, code_module text NOT NULL,
      code_presentation text NOT NULL, activity_type text NOT NULL, week_from integer, week_to integer);
    CREATE TABLE %1$I.student_info (code_module text, code_presentation text, id_student integer,
      gender text, region text, highest_education text, imd_band text, age_band text,
      num_of_prev_attempts integer, studied_credits integer, disability text, final_result text NOT NULL,
      PRIMARY KEY (code_module, code_presentation, id_student));
    CREATE TABLE %1$I.student_registration (code_module text, code_presentation text,
      id_student integer, date_registration integer, date_unregistration integer,
      PRIMARY KEY (code_module, code_presentation, id_student));
    CREATE TABLE %1$I.student_assessment (id_assessment integer NOT NULL, id_student integer NOT NULL,
      date_submitted integer, is_banked smallint, score numeric);
    CREATE TABLE %1$I.student_vle (code_module text NOT NULL, code_presentation text NOT NULL,
      id_student integer NOT NULL, id_site integer NOT NULL, date integer NOT NULL, sum_click integer NOT NULL);
    CREATE TABLE %1$I.files (file text PRIMARY KEY, loaded_into text NOT NULL, rows bigint NOT NULL);
  $ddl$, target);

  FOR spec IN
    SELECT * FROM (VALUES
      (1, 'courses', 'courses', NULL::text),
      (2, 'assessments', 'assessments', 'date, weight'),
      (3, 'vle', 'vle', 'week_from, week_to'),
      (4, 'studentInfo', 'student_info', 'imd_band'),
      (5, 'studentRegistration', 'student_registration', 'date_registration, date_unregistration'),
      (6, 'studentAssessment', 'student_assessment', 'date_submitted, score'),
      (7, 'studentVle', 'student_vle', NULL)) v(ord, stem, tbl, nullable)
    ORDER BY ord
  LOOP
    base := NULL;
    FOREACH f IN ARRAY coalesce(files, '{}') LOOP
      IF (spec.stem = 'studentVle' AND f ~ '^studentVle.*\.csv(\.gz)?$')
         OR f IN (spec.stem || '.csv', spec.stem || '.csv.gz') THEN
        base := f;
        RAISE NOTICE 'oulad_load: loading %', f;
        -- the path reaches the shell single-quoted, any quote in it escaped
        EXECUTE format('COPY %I.%I FROM PROGRAM %L WITH (FORMAT csv, HEADER true%s)',
          target, spec.tbl,
          'gzip -dcf ''' || replace(dir || '/' || f, '''', '''\''''') || '''',
          CASE WHEN spec.nullable IS NOT NULL THEN ', FORCE_NULL (' || spec.nullable || ')' ELSE '' END);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXECUTE format('INSERT INTO %I.files VALUES ($1, $2, $3)', target) USING f, spec.tbl, n;
      END IF;
    END LOOP;
    IF base IS NULL THEN
      RAISE EXCEPTION 'OULAD file %.csv (or .csv.gz) not found in "%"', spec.stem, dir
        USING ERRCODE = 'undefined_file';
    END IF;
  END LOOP;

  RAISE NOTICE 'oulad_load: building presentations, enrolments, activity, assessments';
  EXECUTE format($ddl$
    -- clicks_complete: the presentation has click rows through its last day (a truncated
    -- extract, like SOURCE.md's BBB/2013J, stops early and must stay out of totals)
    CREATE TABLE %1$I.presentation AS
    SELECT c.code_module, c.code_presentation,
           @extschema@.oulad_start_date(c.code_presentation) AS start_date,
           c.module_presentation_length AS length_days,
           coalesce(v.click_rows, 0) AS click_rows, v.first_click_day, v.last_click_day,
           coalesce(v.last_click_day >= c.module_presentation_length - 1, false) AS clicks_complete
    FROM %1$I.courses c
    LEFT JOIN (SELECT code_module, code_presentation, count(*) AS click_rows,
                      min(date) AS first_click_day, max(date) AS last_click_day
               FROM %1$I.student_vle GROUP BY 1, 2) v USING (code_module, code_presentation);
    ALTER TABLE %1$I.presentation ADD PRIMARY KEY (code_module, code_presentation);

    -- one row per student and presentation: the learner key of every learnalytics input
    CREATE TABLE %1$I.enrolment AS
    SELECT i.code_module || '/' || i.code_presentation || '/' || i.id_student AS enrolment,
           i.code_module, i.code_presentation, i.id_student,
           r.date_registration AS registered_day, r.date_unregistration AS unregistered_day,
           @extschema@.oulad_timestamp(i.code_presentation, r.date_unregistration) AS unregistered_at,
           lower(i.final_result) AS outcome,
           (i.final_result = 'Withdrawn' AND r.date_unregistration IS NULL) AS withdrawal_day_missing,
           i.gender, i.region, i.highest_education, i.imd_band, i.age_band,
           i.num_of_prev_attempts, i.studied_credits, i.disability
    FROM %1$I.student_info i
    LEFT JOIN %1$I.student_registration r USING (code_module, code_presentation, id_student);
    ALTER TABLE %1$I.enrolment ADD PRIMARY KEY (enrolment);

    CREATE TABLE %1$I.learner AS
    SELECT id_student, count(*) AS enrolments, min(code_presentation) AS first_presentation
    FROM %1$I.enrolment GROUP BY id_student;
    ALTER TABLE %1$I.learner ADD PRIMARY KEY (id_student);

    -- activity events: duplicated (student, site, day) rows summed; one event per resource and day
    -- at noon UTC (oulad_timestamp), weight = clicks
    CREATE TABLE %1$I.activity AS
    SELECT v.code_module || '/' || v.code_presentation || '/' || v.id_student AS enrolment,
           v.code_module, v.code_presentation, v.id_student, v.id_site, v.day,
           ((p.start_date + v.day) + time '12:00') AT TIME ZONE 'UTC' AS ts,
           v.clicks, v.source_rows
    FROM (SELECT code_module, code_presentation, id_student, id_site, date AS day,
                 sum(sum_click)::bigint AS clicks, count(*) AS source_rows
          FROM %1$I.student_vle GROUP BY 1, 2, 3, 4, 5) v
    JOIN %1$I.presentation p USING (code_module, code_presentation);
    CREATE INDEX ON %1$I.activity (enrolment);

    -- due dates: a missing exam date means the end of the presentation (OULAD's documentation)
    CREATE TABLE %1$I.assessment AS
    SELECT a.id_assessment, a.code_module, a.code_presentation, a.assessment_type, a.weight,
           coalesce(a.date, p.length_days) AS due_day, a.date IS NULL AS due_day_imputed,
           @extschema@.oulad_timestamp(a.code_presentation, coalesce(a.date, p.length_days)) AS due_at
    FROM %1$I.assessments a JOIN %1$I.presentation p USING (code_module, code_presentation);
    ALTER TABLE %1$I.assessment ADD PRIMARY KEY (id_assessment);

    CREATE TABLE %1$I.submission AS
    SELECT a.code_module || '/' || a.code_presentation || '/' || s.id_student AS enrolment,
           s.id_assessment, s.id_student, s.date_submitted AS submitted_day,
           @extschema@.oulad_timestamp(a.code_presentation, s.date_submitted) AS submitted_at,
           s.is_banked = 1 AS is_banked, s.score,
           s.date_submitted - a.due_day AS days_late
    FROM %1$I.student_assessment s JOIN %1$I.assessment a USING (id_assessment);
  $ddl$, target);

  RETURN QUERY EXECUTE format($q$
    SELECT 'file ' || file || ' -> ' || loaded_into, rows FROM %1$I.files
    UNION ALL SELECT 'presentations', count(*) FROM %1$I.presentation
    UNION ALL SELECT 'presentations with complete clicks', count(*) FILTER (WHERE clicks_complete)
              FROM %1$I.presentation
    UNION ALL SELECT 'enrolments', count(*) FROM %1$I.enrolment
    UNION ALL SELECT 'learners', count(*) FROM %1$I.learner
    UNION ALL SELECT 'withdrawn without an unregistration day', count(*) FILTER (WHERE withdrawal_day_missing)
              FROM %1$I.enrolment
    UNION ALL SELECT 'activity (enrolment, site, day), duplicates summed', count(*) FROM %1$I.activity
    UNION ALL SELECT 'assessments with an imputed due day', count(*) FILTER (WHERE due_day_imputed)
              FROM %1$I.assessment
    UNION ALL SELECT 'submissions', count(*) FROM %1$I.submission
  $q$, target);
END
$fn$;
COMMENT ON FUNCTION @extschema@.oulad_load(text, name) IS
'load the OULAD CSV files (plain or gzipped) of a server directory into schema target (replaced if oulad_load made it): raw tables plus presentation, enrolment, learner, activity, assessment, submission (doc/oulad.md)';

-- privileges (doc/roles.md): loading reads server files, an admin task (and it needs a superuser, or
-- pg_read_server_files and pg_execute_server_program, besides)
REVOKE ALL ON FUNCTION @extschema@.oulad_load(text, name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.oulad_load(text, name) TO learnalytics_admin;
