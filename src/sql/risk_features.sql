
-------------------------------------------------------------------------------
-- risk_features: learner-day features and withdrawal labels for the risk model (doc/risk_features.md)
-------------------------------------------------------------------------------
-- One row per learner-day at risk (enrolled_day <= day < left_day) as of the END of the day, from
-- data dated on or before that day only: the learner's engagement summary (learner_engagement, its
-- sources merged, days in the summary's time zone) and the learning data through its mapping
-- (learning_source, times cut into days in tz). Everything is set-based: window functions over
-- each learner's daily_activity rows, and running sums over a stream that merges the grid days
-- with the dated events (an event enters a 14-day window at its day and leaves it 14 days later),
-- so the cost grows with the rows, never with a loop over days.

-- The feature columns, in the order of risk_features' columns. The model registry validates the
-- names a model uses against this list.
CREATE FUNCTION @extschema@.risk_feature_names()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['activity_7d', 'activity_14d', 'activity_28d', 'activity_vs_baseline', 'days_inactive',
             'active_streak', 'active_day_share_28d', 'sessions_7d', 'dwell_7d', 'activity_trend_14d',
             'assessments_due_14d', 'assessments_missed', 'assessments_late', 'oldest_overdue_days',
             'score_vs_cohort', 'quiz_attempts_14d', 'quiz_vs_cohort', 'module_progress',
             'module_velocity_14d', 'days_since_enrolment', 'course_day', 'registration_delay']::text[];
COMMENT ON FUNCTION @extschema@.risk_feature_names() IS
'the names of the risk feature columns of risk_features(), in order';

-- Each feature in plain words, with its unit: what a reason says about it.
CREATE FUNCTION @extschema@.risk_feature_descriptions(OUT feature text, OUT description text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
ROWS 22
BEGIN ATOMIC
  SELECT d.feature, d.description
    FROM (VALUES
      (1, 'activity_7d', 'events in the last 7 days, ln(1 + count)'),
      (2, 'activity_14d', 'events in the last 14 days, ln(1 + count)'),
      (3, 'activity_28d', 'events in the last 28 days, ln(1 + count)'),
      (4, 'activity_vs_baseline', 'daily events of the last 7 days relative to the learner''s own mean of the 28 days before (-0.8: 80% below own baseline; 0 without 7 days of baseline or a zero baseline; at most 4)'),
      (5, 'days_inactive', 'days since the last active day (since the day before enrolment when not active since; at most 366)'),
      (6, 'active_streak', 'consecutive active days ending on the day (0 when inactive that day; at most 366)'),
      (7, 'active_day_share_28d', 'share of the last 28 days with activity (of the days since enrolment or first activity when fewer)'),
      (8, 'sessions_7d', 'sessions started in the last 7 days, ln(1 + count)'),
      (9, 'dwell_7d', 'minutes spent in sessions started in the 7 days before the day, ln(1 + minutes)'),
      (10, 'activity_trend_14d', 'trend of daily activity over the last 14 days: least-squares slope of ln(1 + events) per day (negative: falling)'),
      (11, 'assessments_due_14d', 'assessments due in the next 14 days'),
      (12, 'assessments_missed', 'assessments due since enrolment, before the day, not submitted by the day (overdue)'),
      (13, 'assessments_late', 'assessments submitted after their due time, by the day'),
      (14, 'oldest_overdue_days', 'days the oldest overdue assessment is overdue (0 when none)'),
      (15, 'score_vs_cohort', 'mean score relative to the cohort''s mean for the same assessment, among scores known by the day (-0.2: 20% below the cohort; 0 when no score; from -1 to 4)'),
      (16, 'quiz_attempts_14d', 'quiz attempts in the last 14 days, ln(1 + count)'),
      (17, 'quiz_vs_cohort', 'quiz attempts in the last 14 days relative to the cohort''s average that day (-1: none while the cohort attempts some; 0 when the cohort has none; at most 4)'),
      (18, 'module_progress', 'progress recorded in the course''s modules by the day, as a share of the modules started in the course by anyone (0..1)'),
      (19, 'module_velocity_14d', 'module progress recorded in the last 14 days, as a share of the course''s modules'),
      (20, 'days_since_enrolment', 'days since enrolment'),
      (21, 'course_day', 'days since the first enrolment in the course and cohort (the course''s day)'),
      (22, 'registration_delay', 'days between the first enrolment in the course and cohort and the learner''s, ln(1 + days)')
    ) d(ord, feature, description)
   ORDER BY d.ord;
END;
COMMENT ON FUNCTION @extschema@.risk_feature_descriptions() IS
'each risk feature of risk_features() in plain words, with its unit and imputation';

-- Check the common arguments; returns nothing.
CREATE FUNCTION learnalytics_internal.risk_check_arguments(from_day date, to_day date, every_days integer, tz text,
    what text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF from_day IS NULL OR to_day IS NULL OR every_days IS NULL OR tz IS NULL THEN
    RAISE EXCEPTION '%: from_day, to_day, every_days and tz must not be null', what
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT isfinite(from_day) OR NOT isfinite(to_day) OR from_day > to_day OR to_day - from_day > 3660 THEN
    RAISE EXCEPTION '%: from_day % and to_day % must be finite, from_day <= to_day, at most 3660 days apart',
      what, from_day, to_day
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF every_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION '%: every_days must be between 1 and 366, not %', what, every_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    PERFORM now() AT TIME ZONE tz;
  EXCEPTION WHEN invalid_parameter_value THEN
    RAISE EXCEPTION '%: unknown time zone "%"', what, tz
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Name a time zone of pg_timezone_names, such as UTC or Europe/Paris.';
  END;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_check_arguments(date, date, integer, text, text) IS
'raise a clear error unless the period, every_days and time zone of a risk function are valid';

-- The features. A plpgsql function cannot have an argument named like a result column (course),
-- so the public risk_features is an SQL function calling this one.
CREATE FUNCTION learnalytics_internal.risk_features(from_day date, to_day date, only_course text,
    every_days integer, tz text)
RETURNS TABLE (learner text, course text, cohort text, day date,
  activity_7d float8, activity_14d float8, activity_28d float8, activity_vs_baseline float8,
  days_inactive float8, active_streak float8, active_day_share_28d float8, sessions_7d float8,
  dwell_7d float8, activity_trend_14d float8, assessments_due_14d float8, assessments_missed float8,
  assessments_late float8, oldest_overdue_days float8, score_vs_cohort float8, quiz_attempts_14d float8,
  quiz_vs_cohort float8, module_progress float8, module_velocity_14d float8, days_since_enrolment float8,
  course_day float8, registration_delay float8)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
-- the row estimates of the CTEs are poor, and a merge join on part of a key (the learner, with the
-- day as a filter) is quadratic in the days per learner: hash joins only
SET enable_mergejoin = off
-- compiling this query costs more than running it (seconds on a loaded machine)
SET jit = off
AS $$
DECLARE
  r       @extschema@.alert_rule;     -- carries the scope (course, tz) into enrolled_sql
  started timestamptz := clock_timestamp();
  n       bigint;
  missing text[] := '{}';
  s       text;
  found_rows boolean;
BEGIN
  PERFORM learnalytics_internal.risk_check_arguments(from_day, to_day, every_days, tz, 'risk_features');
  r.course := only_course;
  r.tz := tz;

  -- kinds of learning data without any row in scope: their features are 0 (doc/risk_features.md)
  FOREACH s IN ARRAY ARRAY['assignment', 'assignment_submission', 'quiz_attempt', 'module_progress'] LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s x WHERE $1 IS NULL OR x.course = $1)',
                   learnalytics_internal.learning_source_sql(s))
      INTO STRICT found_rows USING only_course;
    IF NOT found_rows THEN
      missing := missing || s;
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM @extschema@.learner_engagement) THEN
    missing := missing || 'learner_engagement'::text;
  END IF;
  IF cardinality(missing) > 0 THEN
    RAISE NOTICE 'risk_features: no rows of % in scope: their features are 0', array_to_string(missing, ', ')
      USING DETAIL = 'The features of a kind of learning data without any row are set to their neutral value, 0 (doc/risk_features.md).';
  END IF;

  RETURN QUERY EXECUTE format($q$
    WITH enr AS MATERIALIZED (   -- enrolments in scope; kid: the course and cohort; course_start: its first day
      SELECT e.learner, e.course, e.cohort, e.enrolled_day, e.left_day,
             dense_rank() OVER (ORDER BY e.course, e.cohort) AS kid,
             min(e.enrolled_day) OVER (PARTITION BY e.course, e.cohort) AS course_start
        FROM %2$s e
       WHERE e.learner IS NOT NULL AND e.course IS NOT NULL AND e.enrolled_day IS NOT NULL),
    pairs AS MATERIALIZED (      -- enrolments with a day at risk in the period: grid days $2 + k * $4, k0..k1
      SELECT row_number() OVER () AS pid, dense_rank() OVER (ORDER BY e.learner) AS lid, e.*,
             (greatest(e.enrolled_day, $2) - $2 + $4 - 1) / $4 AS k0,
             (least($3, coalesce(e.left_day - 1, $3)) - $2) / $4 AS k1
        FROM enr e
       WHERE e.enrolled_day <= $3 AND least($3, coalesce(e.left_day - 1, $3)) >= $2),
    grid AS MATERIALIZED (       -- the learner-days: enrolled_day <= day < left_day
      SELECT p.pid, p.lid, p.kid, p.learner, p.course, p.cohort, p.enrolled_day, p.course_start,
             $2 + k * $4 AS day
        FROM pairs p CROSS JOIN LATERAL generate_series(p.k0, p.k1) k),
    -- activity: each learner's days from 34 days before $2 (the baseline window) to $3, zero-filled
    -- from the first active day; what came earlier enters through the accessors on day $2 - 35
    act AS MATERIALIZED (
      SELECT l.lid, a.day, a.events::float8 AS ev, a.sessions::float8 AS se,
             floor(extract(epoch FROM a.dwell))::float8 AS dw, ln(1 + a.events::float8) AS ly,
             ($2 - 35) - %1$I.days_inactive(le.summary, $2 - 35) AS prev_active,
             CASE WHEN st.active THEN ($2 - 35) - st.days WHEN NOT st.active THEN $2 - 35 END AS prev_zero
        FROM (SELECT DISTINCT p.lid, p.learner FROM pairs p) l
        JOIN learnalytics_internal.learner_summary le ON le.learner = l.learner
       CROSS JOIN LATERAL %1$I.activity_streak(le.summary, $2 - 35) st
       CROSS JOIN LATERAL %1$I.daily_activity(le.summary, $2 - 34, $3) a),
    -- running totals over the contiguous days (one row a day), then windows as differences of
    -- totals n rows apart (before the first row a total is 0)
    acc AS (
      SELECT a.lid, a.day, a.ev,
             sum(a.ev) OVER w AS cev, sum(a.se) OVER w AS cse, sum(a.dw) OVER w AS cdw,
             count(*) FILTER (WHERE a.ev > 0) OVER w AS cact,
             sum(a.ly) OVER w AS cly, sum(a.ly * (a.day - $2)) OVER w AS cxly,
             coalesce(max(a.day) FILTER (WHERE a.ev > 0) OVER w, a.prev_active) AS last_active,
             coalesce(max(a.day) FILTER (WHERE a.ev = 0) OVER w, a.prev_zero, first_value(a.day) OVER w - 1) AS last_zero,
             first_value(a.day) OVER w AS first_row
        FROM act a
      WINDOW w AS (PARTITION BY a.lid ORDER BY a.day ROWS UNBOUNDED PRECEDING)),
    aw AS (
      SELECT w.* FROM (
        SELECT c.lid, c.day, c.ev, c.last_active, c.last_zero, c.first_row,
               c.cev - coalesce(lag(c.cev, 7) OVER w, 0) AS e7,
               c.cev - coalesce(lag(c.cev, 14) OVER w, 0) AS e14,
               c.cev - coalesce(lag(c.cev, 28) OVER w, 0) AS e28,
               c.cse - coalesce(lag(c.cse, 7) OVER w, 0) AS s7,
               coalesce(lag(c.cdw, 1) OVER w, 0) - coalesce(lag(c.cdw, 8) OVER w, 0) AS d7,
               c.cact - coalesce(lag(c.cact, 28) OVER w, 0) AS ad28,
               coalesce(lag(c.cev, 7) OVER w, 0) - coalesce(lag(c.cev, 35) OVER w, 0) AS bsum,
               greatest(0, (c.day - 7) - greatest(c.day - 34, c.first_row) + 1) AS bn,
               c.cly - coalesce(lag(c.cly, 14) OVER w, 0) AS sy,
               c.cxly - coalesce(lag(c.cxly, 14) OVER w, 0) AS sxy
          FROM acc c
        WINDOW w AS (PARTITION BY c.lid ORDER BY c.day)) w
       WHERE w.day >= $2),
    -- assessments (aid: one id each), the first submission of each learner and assessment and the
    -- first scored one, and each enrolment's assessments (la)
    asg AS MATERIALIZED (
      SELECT row_number() OVER () AS aid, a.course, a.assignment, a.due_at, (a.due_at AT TIME ZONE $5)::date AS due_day
        FROM %3$s a WHERE a.course IN (SELECT e.course FROM enr e) AND a.due_at IS NOT NULL),
    sub AS MATERIALIZED (
      SELECT s.course, s.assignment, s.learner, min(s.submitted_at) AS first_at,
             (min(s.submitted_at) AT TIME ZONE $5)::date AS sub_day,
             ((array_agg(s.score ORDER BY s.submitted_at) FILTER (WHERE s.score IS NOT NULL))[1])::float8 AS score,
             ((min(s.submitted_at) FILTER (WHERE s.score IS NOT NULL)) AT TIME ZONE $5)::date AS score_day
        FROM %4$s s WHERE s.course IN (SELECT e.course FROM enr e) AND s.submitted_at IS NOT NULL
       GROUP BY s.course, s.assignment, s.learner),
    la AS MATERIALIZED (
      SELECT p.pid, p.kid, p.k0, p.k1, p.enrolled_day, a.aid, a.due_day, s.sub_day,
             coalesce(s.first_at > a.due_at, false) AS late, s.score, s.score_day
        FROM pairs p JOIN asg a ON a.course = p.course
        LEFT JOIN sub s ON s.course = a.course AND s.assignment = a.assignment AND s.learner = p.learner),
    -- the cohort's mean score of each assessment among the scores known by each grid day
    csc AS (
      SELECT e.kid, a.aid, s.score_day AS day, sum(s.score) AS ssum, count(*) AS sn
        FROM sub s JOIN enr e ON e.learner = s.learner AND e.course = s.course
        JOIN asg a ON a.course = s.course AND a.assignment = s.assignment
       WHERE s.score IS NOT NULL GROUP BY 1, 2, 3),
    cm AS (
      SELECT x.kid, x.aid, x.day, x.cs / x.cn AS cmean
        FROM (SELECT u.*, sum(u.ssum) OVER w AS cs, sum(u.sn) OVER w AS cn
                FROM (SELECT c.kid, c.aid, c.day, c.ssum, c.sn, 0 AS g FROM csc c
                      UNION ALL
                      SELECT a.kid, a.aid, d.day, 0, 0, 1
                        FROM (SELECT DISTINCT c.kid, c.aid FROM csc c) a
                        JOIN (SELECT DISTINCT g.kid, g.day FROM grid g) d ON d.kid = a.kid) u
              WINDOW w AS (PARTITION BY u.kid, u.aid ORDER BY u.day, u.g ROWS UNBOUNDED PRECEDING)) x
       WHERE x.g = 1 AND x.cn > 0),
    -- per grid day, the learner's scores known by then against the cohort's means that day
    scx AS MATERIALIZED (
      SELECT l.pid, l.kid, l.aid, l.score, $2 + k * $4 AS day
        FROM la l
       CROSS JOIN LATERAL generate_series(greatest(l.k0, (greatest(l.score_day, $2) - $2 + $4 - 1) / $4), l.k1) k
       WHERE l.score IS NOT NULL AND l.score_day <= $3),
    sc AS (
      SELECT x.pid, x.day, avg(greatest(-1, least(4, x.score / cm.cmean - 1))) AS rel
        FROM scx x JOIN cm ON cm.kid = x.kid AND cm.aid = x.aid AND cm.day = x.day
       WHERE cm.cmean > 0
       GROUP BY 1, 2),
    -- per grid day, the oldest assessment overdue: due since enrolment, not submitted by the day
    od AS (
      SELECT l.pid, $2 + k * $4 AS day, min(l.due_day) AS oldest_due
        FROM la l
       CROSS JOIN LATERAL generate_series(greatest(l.k0, (greatest(l.due_day + 1, $2) - $2 + $4 - 1) / $4),
                                          CASE WHEN l.sub_day IS NULL THEN l.k1
                                               ELSE least(l.k1, (l.sub_day - 1 - $2) / $4) END) k
       WHERE l.due_day >= l.enrolled_day AND l.due_day < $3
         AND (l.sub_day IS NULL OR (l.sub_day > l.due_day + 1 AND l.sub_day - 1 >= $2))
       GROUP BY 1, 2),
    -- quiz attempts and module progress per enrolment, dated
    qp AS (
      SELECT p.pid, (q.attempted_at AT TIME ZONE $5)::date AS day, count(*) AS n
        FROM %5$s q JOIN pairs p ON p.learner = q.learner AND p.course = q.course
       WHERE q.attempted_at IS NOT NULL GROUP BY 1, 2),
    mp AS MATERIALIZED (
      SELECT m.learner, m.course, m.module, (m.started_at AT TIME ZONE $5)::date AS start_day,
             greatest((m.started_at AT TIME ZONE $5)::date,
                      (coalesce(m.last_activity_at, m.started_at) AT TIME ZONE $5)::date) AS known_day,
             m.progress
        FROM %6$s m WHERE m.course IN (SELECT e.course FROM enr e) AND m.started_at IS NOT NULL
         AND m.progress IS NOT NULL),
    mpp AS (SELECT p.pid, m.known_day AS day, m.progress FROM mp m JOIN pairs p ON p.learner = m.learner AND p.course = m.course),
    -- one stream per enrolment of its grid days (g = 1) and dated changes, summed in day order
    -- (changes of a day before its grid day): a row counted over 14 days enters on its day and
    -- leaves 14 days later
    st AS (
      SELECT x.pid, x.day, x.q14, x.pall, x.p14, x.due14, x.late, x.missed
        FROM (SELECT u.pid, u.day, u.g,
                     sum(u.q) OVER w AS q14, sum(u.p) OVER w AS pall, sum(u.p14) OVER w AS p14,
                     sum(u.du) OVER w AS due14, sum(u.la) OVER w AS late, sum(u.mi) OVER w AS missed
                FROM (SELECT g.pid, g.day, 1 AS g, 0::bigint AS q, 0::numeric AS p, 0::numeric AS p14,
                             0 AS du, 0 AS la, 0 AS mi FROM grid g
                      UNION ALL SELECT q.pid, q.day, 0, q.n, 0, 0, 0, 0, 0 FROM qp q
                      UNION ALL SELECT q.pid, q.day + 14, 0, -q.n, 0, 0, 0, 0, 0 FROM qp q
                      UNION ALL SELECT m.pid, m.day, 0, 0, m.progress, m.progress, 0, 0, 0 FROM mpp m
                      UNION ALL SELECT m.pid, m.day + 14, 0, 0, 0, -m.progress, 0, 0, 0 FROM mpp m
                      -- due in (day, day + 14]
                      UNION ALL SELECT l.pid, l.due_day - 14, 0, 0, 0, 0, 1, 0, 0 FROM la l
                      UNION ALL SELECT l.pid, l.due_day, 0, 0, 0, 0, -1, 0, 0 FROM la l
                      -- submitted late by the day
                      UNION ALL SELECT l.pid, l.sub_day, 0, 0, 0, 0, 0, 1, 0 FROM la l
                                 WHERE l.late AND l.due_day >= l.enrolled_day
                      -- overdue from the day after the due day to the day before the submission
                      UNION ALL SELECT l.pid, l.due_day + 1, 0, 0, 0, 0, 0, 0, 1 FROM la l
                                 WHERE l.due_day >= l.enrolled_day AND (l.sub_day IS NULL OR l.sub_day > l.due_day + 1)
                      UNION ALL SELECT l.pid, l.sub_day, 0, 0, 0, 0, 0, 0, -1 FROM la l
                                 WHERE l.due_day >= l.enrolled_day AND l.sub_day > l.due_day + 1) u
              WINDOW w AS (PARTITION BY u.pid ORDER BY u.day, u.g ROWS UNBOUNDED PRECEDING)) x
       WHERE x.g = 1),
    -- modules of the course started by anyone by each grid day, per course and cohort
    cmod AS (
      SELECT x.kid, x.day, x.nmod
        FROM (SELECT u.kid, u.day, u.g,
                     sum(u.k) OVER (PARTITION BY u.kid ORDER BY u.day, u.g ROWS UNBOUNDED PRECEDING) AS nmod
                FROM (SELECT kc.kid, f.day, 1 AS k, 0 AS g
                        FROM (SELECT m.course, min(m.start_day) AS day FROM mp m GROUP BY m.course, m.module) f
                        JOIN (SELECT DISTINCT e.kid, e.course FROM enr e) kc ON kc.course = f.course
                      UNION ALL
                      SELECT DISTINCT g.kid, g.day, 0, 1 FROM grid g) u) x
       WHERE x.g = 1)
    SELECT g.learner, g.course, g.cohort, g.day,
           ln(1 + coalesce(aw.e7, 0)::float8), ln(1 + coalesce(aw.e14, 0)::float8), ln(1 + coalesce(aw.e28, 0)::float8),
           CASE WHEN aw.bn >= 7 AND aw.bsum > 0
                THEN least((aw.e7 / 7) / (aw.bsum / aw.bn) - 1, 4) ELSE 0 END,
           least(g.day - greatest(g.enrolled_day - 1, aw.last_active), 366)::float8,
           CASE WHEN aw.ev > 0 THEN least(g.day - aw.last_zero, 366) ELSE 0 END::float8,
           coalesce(aw.ad28::float8 / least(28, g.day - least(g.enrolled_day, aw.first_row) + 1), 0),
           ln(1 + coalesce(aw.s7, 0)::float8), ln(1 + coalesce(aw.d7, 0) / 60),
           coalesce((aw.sxy - (g.day - $2 - 6.5) * aw.sy) / 227.5, 0),
           coalesce(st.due14, 0)::float8, coalesce(st.missed, 0)::float8, coalesce(st.late, 0)::float8,
           coalesce(g.day - od.oldest_due, 0)::float8, coalesce(sc.rel, 0),
           ln(1 + coalesce(st.q14, 0)::float8),
           coalesce(CASE WHEN avg(st.q14::float8) OVER c > 0
                         THEN least(coalesce(st.q14, 0)::float8 / avg(st.q14::float8) OVER c - 1, 4) END, 0),
           coalesce((st.pall / NULLIF(cmod.nmod, 0))::float8, 0),
           coalesce((st.p14 / NULLIF(cmod.nmod, 0))::float8, 0),
           (g.day - g.enrolled_day)::float8, (g.day - g.course_start)::float8,
           ln(1 + (g.enrolled_day - g.course_start)::float8)
      FROM grid g
      LEFT JOIN aw ON aw.lid = g.lid AND aw.day = g.day
      LEFT JOIN st ON st.pid = g.pid AND st.day = g.day
      LEFT JOIN sc ON sc.pid = g.pid AND sc.day = g.day
      LEFT JOIN od ON od.pid = g.pid AND od.day = g.day
      LEFT JOIN cmod ON cmod.kid = g.kid AND cmod.day = g.day
    WINDOW c AS (PARTITION BY g.kid, g.day)$q$,
    learnalytics_internal.extension_schema(), learnalytics_internal.enrolled_sql(),
    learnalytics_internal.learning_source_sql('assignment'),
    learnalytics_internal.learning_source_sql('assignment_submission'),
    learnalytics_internal.learning_source_sql('quiz_attempt'),
    learnalytics_internal.learning_source_sql('module_progress'))
  USING r, from_day, to_day, every_days, tz;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM learnalytics_internal.progress_notice('risk_features', 'learner-days', n, started);
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_features(date, date, text, integer, text) IS
'the body of risk_features() (a plpgsql function cannot name an argument like a result column)';

CREATE FUNCTION @extschema@.risk_features(from_day date, to_day date, course text DEFAULT NULL,
    every_days integer DEFAULT 1, tz text DEFAULT 'UTC')
RETURNS TABLE (learner text, course text, cohort text, day date,
  activity_7d float8, activity_14d float8, activity_28d float8, activity_vs_baseline float8,
  days_inactive float8, active_streak float8, active_day_share_28d float8, sessions_7d float8,
  dwell_7d float8, activity_trend_14d float8, assessments_due_14d float8, assessments_missed float8,
  assessments_late float8, oldest_overdue_days float8, score_vs_cohort float8, quiz_attempts_14d float8,
  quiz_vs_cohort float8, module_progress float8, module_velocity_14d float8, days_since_enrolment float8,
  course_day float8, registration_delay float8)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$
  SELECT * FROM learnalytics_internal.risk_features($1, $2, $3, $4, $5)
$$;
COMMENT ON FUNCTION @extschema@.risk_features(date, date, text, integer, text) IS
'learner-day features of the risk model: one row per enrolled learner and day (every every_days days), as of the end of the day, from data dated on or before it';

-- Training rows: the features with the label "drops out within horizon_days after the day".
CREATE FUNCTION learnalytics_internal.risk_training_rows(from_day date, to_day date, outcomes regclass,
    horizon_days integer, only_course text, every_days integer, dropout_values text[], tz text)
RETURNS TABLE (learner text, course text, cohort text, day date,
  activity_7d float8, activity_14d float8, activity_28d float8, activity_vs_baseline float8,
  days_inactive float8, active_streak float8, active_day_share_28d float8, sessions_7d float8,
  dwell_7d float8, activity_trend_14d float8, assessments_due_14d float8, assessments_missed float8,
  assessments_late float8, oldest_overdue_days float8, score_vs_cohort float8, quiz_attempts_14d float8,
  quiz_vs_cohort float8, module_progress float8, module_velocity_14d float8, days_since_enrolment float8,
  course_day float8, registration_delay float8, label boolean, dropout_day date)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  oday text;
BEGIN
  PERFORM learnalytics_internal.risk_check_arguments(from_day, to_day, every_days, tz, 'risk_training_rows');
  IF outcomes IS NULL OR horizon_days IS NULL OR dropout_values IS NULL THEN
    RAISE EXCEPTION 'risk_training_rows: outcomes, horizon_days and dropout_values must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF horizon_days NOT BETWEEN 1 AND 366 THEN
    RAISE EXCEPTION 'risk_training_rows: horizon_days must be between 1 and 366, not %', horizon_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM learnalytics_internal.require_trusted_relation(outcomes, 'risk_training_rows outcomes');
  PERFORM learnalytics_internal.require_column(outcomes, 'learner', NULL, 'risk_training_rows outcomes');
  PERFORM learnalytics_internal.require_column(outcomes, 'outcome', NULL, 'risk_training_rows outcomes');
  IF learnalytics_internal.require_column(outcomes, 'outcome_at', 'time', 'risk_training_rows outcomes')
     = 'timestamptz'::regtype THEN
    oday := format('(o.outcome_at AT TIME ZONE %L)::date', tz);
  ELSE
    oday := '(o.outcome_at)::date';
  END IF;
  -- dropout_day: the first dropout; end_day: the first outcome of any value (the risk ends there)
  RETURN QUERY EXECUTE format($q$
    WITH o AS MATERIALIZED (
      SELECT (o.learner)::text AS learner,
             min(%1$s) FILTER (WHERE lower((o.outcome)::text) = ANY ($1)) AS dropout_day, min(%1$s) AS end_day
        FROM %2$s o WHERE o.learner IS NOT NULL AND %1$s IS NOT NULL GROUP BY 1)
    SELECT f.*, coalesce(o.dropout_day > f.day AND o.dropout_day <= f.day + $7, false), o.dropout_day
      FROM learnalytics_internal.risk_features($2, $3, $4, $5, $6) f
      LEFT JOIN o ON o.learner = f.learner
     WHERE o.end_day IS NULL OR f.day < o.end_day$q$, oday, outcomes)
  USING (SELECT coalesce(array_agg(lower(v)), '{}') FROM unnest(dropout_values) v),
        from_day, to_day, only_course, every_days, tz, horizon_days;
END
$$;
COMMENT ON FUNCTION learnalytics_internal.risk_training_rows(date, date, regclass, integer, text, integer, text[], text) IS
'the body of risk_training_rows() (a plpgsql function cannot name an argument like a result column)';

CREATE FUNCTION @extschema@.risk_training_rows(from_day date, to_day date, outcomes regclass,
    horizon_days integer DEFAULT 30, course text DEFAULT NULL, every_days integer DEFAULT 1,
    dropout_values text[] DEFAULT '{dropped_out,withdrawn}', tz text DEFAULT 'UTC')
RETURNS TABLE (learner text, course text, cohort text, day date,
  activity_7d float8, activity_14d float8, activity_28d float8, activity_vs_baseline float8,
  days_inactive float8, active_streak float8, active_day_share_28d float8, sessions_7d float8,
  dwell_7d float8, activity_trend_14d float8, assessments_due_14d float8, assessments_missed float8,
  assessments_late float8, oldest_overdue_days float8, score_vs_cohort float8, quiz_attempts_14d float8,
  quiz_vs_cohort float8, module_progress float8, module_velocity_14d float8, days_since_enrolment float8,
  course_day float8, registration_delay float8, label boolean, dropout_day date)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$
  SELECT * FROM learnalytics_internal.risk_training_rows($1, $2, $3, $4, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION @extschema@.risk_training_rows(date, date, regclass, integer, text, integer, text[], text) IS
'risk_features() rows with the label "drops out within horizon_days after the day" from an outcomes relation (learner, outcome, outcome_at); learner-days on or after the first outcome are left out';

-- Privileges (doc/roles.md). Every function that is not IMMUTABLE loses PUBLIC's EXECUTE at the
-- end of the install (privileges.sql); here each gets its roles. Analysts build features and
-- training rows (they read the learning data, as a replay does).
GRANT EXECUTE ON FUNCTION
  learnalytics_internal.risk_check_arguments(date, date, integer, text, text),
  learnalytics_internal.risk_features(date, date, text, integer, text),
  @extschema@.risk_features(date, date, text, integer, text),
  learnalytics_internal.risk_training_rows(date, date, regclass, integer, text, integer, text[], text),
  @extschema@.risk_training_rows(date, date, regclass, integer, text, integer, text[], text)
TO learnalytics_analyst;
