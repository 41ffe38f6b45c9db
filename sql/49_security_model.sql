--
-- The security model (doc/roles.md, "Security model"), checked on every relation a viewer or an
-- analyst may read, found in the catalog (so a new view cannot be missed), as three login roles:
--   la_sm_manager  a viewer that manages the org unit north: sees north's learners only
--   la_sm_viewer   a viewer that manages nothing: sees no learner
--   la_sm_analyst  an analyst: sees every learner
-- and compared with a plain-SQL oracle of what each may see:
--   * a relation the role has no SELECT on: reading it fails (permission denied);
--   * an analyst: every row;
--   * a relation with a learner column: the rows of the learners of the role's org units
--     (learner_org_unit: the memberships of those units; org_unit_manager: the role's own rows);
--   * any other relation (aggregates): what it shows when only the role's learners exist, i.e.
--     after deleting every other learner's rows from every table with a learner column. The stored
--     course and activity rollups hold no learner rows, so they read the same for everyone; so does
--     coach_load (coaches serve every org unit: their whole caseload, counted over every learner).
-- Everything runs in one transaction that is rolled back (the other tests' data stays, and now()
-- is the same for the role and for the oracle).
--
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
-- the walk reads every view many times; JIT would compile weekly_executive_metrics (estimated
-- expensive: correlated sub-selects per week) for seconds each time on a loaded machine
SET jit = off;
BEGIN;
CREATE ROLE la_sm_manager LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_sm_viewer LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_sm_analyst LOGIN IN ROLE learnalytics_analyst;
TRUNCATE enrolment, module_progress, alert, alert_contact, coach_assignment, alert_outbox, coach,
         learner_engagement, learner_org_unit, org_unit_manager, rollup, risk_model,
         learnalytics_internal.risk_score_current, quality_finding CASCADE;

-- learners: n1, n2 in north; s1, s2 in south; b1 in both; x1 in no org unit
INSERT INTO learner_org_unit VALUES ('n1', 'north'), ('n2', 'north'), ('s1', 'south'), ('s2', 'south'),
  ('b1', 'north'), ('b1', 'south');
INSERT INTO org_unit_manager VALUES ('la_sm_manager', 'north'), ('la_sm_south_boss', 'south');
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at) VALUES
  ('n1', 'c1', 'a', '2026-03-02 09:00+00', NULL), ('n2', 'c1', 'a', '2026-03-02 09:00+00', '2026-03-20 09:00+00'),
  ('s1', 'c1', 'a', '2026-03-03 09:00+00', NULL), ('s2', 'c1', 'a', '2026-03-10 09:00+00', '2026-03-12 09:00+00'),
  ('b1', 'c1', 'a', '2026-03-04 09:00+00', NULL), ('x1', 'c1', 'a', '2026-03-02 09:00+00', NULL),
  ('n1', 'c2', 'b', '2026-03-09 09:00+00', NULL), ('s1', 'c2', 'b', '2026-03-09 09:00+00', '2026-03-25 09:00+00');
-- every module of a course is started by a north learner too, so the oracle's deletion leaves the
-- course structure (the modules a course has) as it is
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at) VALUES
  ('c1', 'n1', 'm1', '2026-03-02 10:00+00', 1, '2026-03-05 10:00+00'),
  ('c1', 'n1', 'm2', '2026-03-06 10:00+00', 1, '2026-03-18 10:00+00'),
  ('c1', 'n2', 'm1', '2026-03-02 10:00+00', 0.6, '2026-03-15 10:00+00'),
  ('c1', 's1', 'm1', '2026-03-04 10:00+00', 1, '2026-03-11 10:00+00'),
  ('c1', 's1', 'm2', '2026-03-12 10:00+00', 1, '2026-03-16 10:00+00'),
  ('c1', 'x1', 'm1', '2026-03-03 10:00+00', 0.5, '2026-03-04 10:00+00'),
  ('c1', 'b1', 'm1', '2026-03-05 10:00+00', 0.3, '2026-03-06 10:00+00'),
  ('c2', 'n1', 'm1', '2026-03-10 10:00+00', 0.4, '2026-03-12 10:00+00'),
  ('c2', 's1', 'm1', '2026-03-10 10:00+00', 1, '2026-03-20 10:00+00');
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score, closed_on, closed_at, close_reason)
VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'n2', 'c1', 'coach_required', 'high', '2026-03-16', '2026-03-19',
   0, 2.5, 0, 2, 4.2, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 's1', 'c1', 'coach_required', 'high', '2026-03-10',
   '2026-03-12', NULL, NULL, NULL, 5, 5.0, NULL, NULL, NULL),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'x1', 'c1', 'coach_required', 'medium', '2026-03-11',
   '2026-03-12', NULL, NULL, NULL, 3, 6.0, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 's2', 'c1', 'open', 'medium', '2026-03-09', '2026-03-10',
   1, 3, 0.33, 1, 1.0, NULL, NULL, NULL),
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'b1', 'c1', 'resolved', 'low', '2026-03-09', '2026-03-12',
   1, 3, 0.33, 1, 1.0, '2026-03-12', '2026-03-12 08:00+00', 'condition_cleared');
-- n2's case: opened by a low dip on March 16, an assignment miss joined it as a reason on the 17th
INSERT INTO alert_reason (alert_id, rule_name, rule_version, family, template, course, severity, first_on,
                          evaluated_on, value, baseline, ratio, persisted, risk_score)
SELECT a.id, r.* FROM alert a, (VALUES
  ('engagement_dip', 1, 'engagement', 'engagement_dip', 'c1', 'low', date '2026-03-16', date '2026-03-17',
   0::float8, 2.5::float8, 0::float8, 2, 1.5::float8),
  ('assignment_miss', 1, 'assignment', 'assignment_miss', 'c1', 'high', '2026-03-17', '2026-03-19', NULL, NULL, NULL, 5, 4.2))
  r WHERE a.learner = 'n2';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT id, 1, 'in_app_nudge', 'automated', opened_on,
       CASE WHEN learner IN ('b1', 's2') THEN 're_engaged' ELSE 'not_re_engaged' END, opened_on + 2
FROM alert WHERE rule_name = 'engagement_dip';
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on)
SELECT id, 3, 'coach_call', 'human', CASE WHEN learner = 'n2' THEN date '2026-03-19' ELSE opened_on + 2 END
FROM alert WHERE rule_name = 'assignment_miss' OR learner = 'n2';
INSERT INTO coach (name, capacity) VALUES ('ada', 1);
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT id, 'ada', '2026-03-12' FROM alert WHERE learner = 's1' AND rule_name = 'assignment_miss';
INSERT INTO alert_outbox (channel, alert_id, learner, payload)
SELECT 'in_app_nudge', id, learner, '{}' FROM alert WHERE rule_name = 'engagement_dip';
-- data-quality findings (quality_status counts them): about a north learner, a south learner, and
-- a course (no learner: counted for every reader)
INSERT INTO quality_finding (check_name, check_type, severity, source, scope, course, learner, observed, expected,
                             rows, first_seen, last_seen)
VALUES ('sm_check', 'not_null', 'high', 'learning.enrolment', 'course=c1;learner=n1', 'c1', 'n1', 1, 0, 1,
        '2026-03-16', '2026-03-16'),
       ('sm_check', 'not_null', 'medium', 'learning.enrolment', 'course=c1;learner=s1', 'c1', 's1', 2, 0, 2,
        '2026-03-16', '2026-03-16'),
       ('sm_check', 'not_null', 'low', 'learning.enrolment', 'course=c1', 'c1', NULL, 3, 0, 3,
        '2026-03-16', '2026-03-16');
-- an active risk model and its stored scores (as risk_model_refresh writes them): learner_risk, the
-- coach queue's churn probability and the executive view's expected withdrawals; the probabilities
-- keep the queue's order below (x1 before n2)
INSERT INTO risk_model (name, version, features, coef, center, scale, lambda, horizon_days, from_day, to_day,
                        every_days, num_rows, positives, iterations, converged, calibration, active)
VALUES ('sm', 1, '{days_inactive}', '{-2,1}', '{0}', '{1}', 1, 30, '2025-01-01', '2025-12-31', 1, 10, 1, 1, true,
        'none', true);
INSERT INTO learnalytics_internal.risk_score_current (model, version, learner, course, day, probability,
                                                      raw_probability, reasons)
SELECT 'sm', 1, v.l, v.c, '2026-03-16', v.p, v.p, 'no activity for 3 days'
FROM (VALUES ('n1', 'c1', 0.1), ('n2', 'c1', 0.5), ('s1', 'c1', 0.2), ('b1', 'c1', 0.3), ('x1', 'c1', 0.9),
             ('n1', 'c2', 0.4), ('s1', 'c2', 0.6)) v(l, c, p);
-- activity: engagement summaries and a rollup by course and activity
CREATE TABLE sm_events (learner text, ts timestamptz, course text, activity text);
INSERT INTO sm_events
SELECT l, '2026-03-02 09:00+00'::timestamptz + (g % 12) * interval '1 day' + g * interval '7 minutes',
       CASE WHEN g % 3 = 0 THEN 'c2' ELSE 'c1' END, 'a' || (g % 4)
FROM unnest(ARRAY['n1', 'n2', 's1', 's2', 'b1', 'x1']) l, generate_series(1, 30) g;
SELECT engagement_refresh('sm_events', 'learner', 'ts') AS learners;
SELECT rollup_create('sm', 'sm_events', learner_column => 'learner', course_column => 'course',
                     activity_column => 'activity') IS NOT NULL AS rollup_created;

-- what each role may see, as facts of the test (the oracle does not ask the extension)
CREATE TEMP TABLE sm_persona (persona name PRIMARY KEY, units text[]);   -- units NULL: every learner
INSERT INTO sm_persona VALUES ('la_sm_manager', '{north}'), ('la_sm_viewer', '{}'), ('la_sm_analyst', NULL);

-- every relation of the extension that a viewer or an analyst may read
CREATE TEMP TABLE sm_rel AS
SELECT c.oid::regclass AS rel, c.relname::text AS relname, c.relkind,
       EXISTS (SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = 'learner' AND NOT a.attisdropped) AS learner_rows
FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND (has_table_privilege('learnalytics_viewer', c.oid, 'SELECT')
       OR has_table_privilege('learnalytics_analyst', c.oid, 'SELECT'));
-- the tables that hold learner rows (the oracle deletes other learners' rows from these)
CREATE TEMP TABLE sm_learner_table AS
SELECT c.oid::regclass AS rel, c.relname::text AS relname
FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
WHERE c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'learner' AND NOT a.attisdropped);

CREATE TEMP TABLE sm_result (persona name, relname text, readable boolean, may_read boolean,
                             seen jsonb, expected jsonb, all_rows integer);
DO $walk$
DECLARE
  p        record;
  r        record;
  t        record;
  seen     jsonb;
  expected jsonb;
  all_rows jsonb;
  ok       boolean;
  visible  text[];
BEGIN
  FOR p IN SELECT * FROM sm_persona ORDER BY persona LOOP
    SELECT array_agg(DISTINCT lo.learner) INTO visible FROM learner_org_unit lo WHERE lo.org_unit = ANY (p.units);
    visible := coalesce(visible, '{}');
    FOR r IN SELECT * FROM sm_rel ORDER BY relname LOOP
      -- as the role
      seen := NULL;
      EXECUTE format('SET ROLE %I', p.persona);
      BEGIN
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]'') FROM %s t', r.rel) INTO seen;
        ok := true;
      EXCEPTION WHEN insufficient_privilege THEN
        ok := false;
      END;
      RESET ROLE;
      -- the oracle, as the superuser
      EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]'') FROM %s t', r.rel) INTO all_rows;
      IF p.units IS NULL THEN
        expected := all_rows;
      ELSIF r.relname = 'learner_org_unit' THEN
        SELECT coalesce(jsonb_agg(x), '[]') INTO expected FROM jsonb_array_elements(all_rows) x
         WHERE x ->> 'org_unit' = ANY (p.units);
      ELSIF r.relname = 'coach_load' THEN
        expected := all_rows;
      ELSIF r.relname = 'org_unit_manager' THEN
        SELECT coalesce(jsonb_agg(x), '[]') INTO expected FROM jsonb_array_elements(all_rows) x
         WHERE x ->> 'manager' = p.persona;
      ELSIF r.learner_rows THEN
        SELECT coalesce(jsonb_agg(x), '[]') INTO expected FROM jsonb_array_elements(all_rows) x
         WHERE x ->> 'learner' = ANY (visible);
      ELSE
        BEGIN   -- only the role's learners exist, then undo
          FOR t IN SELECT * FROM sm_learner_table LOOP
            IF t.relname = 'learner_org_unit' THEN
              DELETE FROM learner_org_unit WHERE NOT org_unit = ANY (p.units);
            ELSE
              -- a row about no learner (a course-level data-quality finding) is no other learner's
              EXECUTE format('DELETE FROM %s WHERE learner IS NOT NULL AND NOT learner = ANY ($1)', t.rel) USING visible;
            END IF;
          END LOOP;
          DELETE FROM org_unit_manager WHERE manager <> p.persona;
          EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]'') FROM %s t', r.rel) INTO expected;
          RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'undo';
        EXCEPTION WHEN raise_exception THEN
          NULL;
        END;
      END IF;
      INSERT INTO sm_result VALUES (p.persona, r.relname, ok,
        has_table_privilege(p.persona, r.rel, 'SELECT'), seen, expected, jsonb_array_length(all_rows));
    END LOOP;
  END LOOP;
END
$walk$;

-- one line per relation, per role: denied (permission denied), all (every row of the relation,
-- as the superuser reads it, even none), none (it has rows, the role sees none), filtered (other
-- rows); WRONG when what the role sees is not the oracle's answer (compared as multisets of rows).
-- Row counts are not shown: some views count days or weeks up to now(), and the analyst's tables
-- hold what earlier tests left.
CREATE TEMP VIEW sm_check AS
SELECT s.persona, s.relname, s.all_rows,
       CASE WHEN NOT s.readable THEN 'denied'
            WHEN (SELECT jsonb_agg(x ORDER BY x::text) FROM jsonb_array_elements(s.seen) x)
                 IS DISTINCT FROM (SELECT jsonb_agg(x ORDER BY x::text) FROM jsonb_array_elements(s.expected) x)
              THEN 'WRONG'
            WHEN jsonb_array_length(s.seen) = s.all_rows
                 AND s.seen @> (SELECT a.seen FROM sm_result a WHERE a.relname = s.relname AND a.persona = 'la_sm_analyst')
              THEN 'all'
            WHEN jsonb_array_length(s.seen) = 0 THEN 'none'
            ELSE 'filtered'
       END AS result,
       s.readable = s.may_read AS access_as_granted
FROM sm_result s;
SELECT m.relname, m.result AS manager, v.result AS viewer, a.result AS analyst
FROM sm_check m
JOIN sm_check v ON v.relname = m.relname AND v.persona = 'la_sm_viewer'
JOIN sm_check a ON a.relname = m.relname AND a.persona = 'la_sm_analyst'
WHERE m.persona = 'la_sm_manager'
ORDER BY m.relname;
-- offenders: a role read what it may not, could not read what it may, or saw rows the oracle does not
SELECT persona, relname, result FROM sm_check
WHERE NOT access_as_granted OR result LIKE '%WRONG%' ORDER BY 1, 2;
-- the seed exercises the filter: every relation the manager reads that is built from learner rows
-- shows it some rows but not the analyst's (offenders: none; the stored course and activity
-- rollups and the coaches' load are the same for every reader; course_trends shows only the last 12
-- weeks, in which the seed's learners neither act nor leave: 91_reports_timeline seeds its filter)
SELECT m.relname, m.result FROM sm_check m
WHERE m.persona = 'la_sm_manager' AND m.result <> 'denied' AND m.result <> 'filtered'
  AND m.relname NOT IN ('rollup_course_week', 'rollup_activity_week', 'weekly_course_engagement',
                        'engagement_heatmap', 'coach_load', 'course_trends');

-- security_barrier: a function of the manager's own in a condition sees only the rows the filter
-- let through, never another unit's learner
CREATE TEMP TABLE sm_leaked (relname text, learner text);
GRANT INSERT ON sm_leaked TO la_sm_manager;
CREATE FUNCTION pg_temp.sm_leak(rel text, learner text) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
  INSERT INTO pg_temp.sm_leaked VALUES (rel, learner);
  RETURN true;
END
$$;
SET ROLE la_sm_manager;
SELECT count(*) FROM learner_risk_state WHERE pg_temp.sm_leak('learner_risk_state', learner);
SELECT count(*) FROM coach_queue WHERE pg_temp.sm_leak('coach_queue', learner);
SELECT count(*) FROM learner_risk WHERE pg_temp.sm_leak('learner_risk', learner);
SELECT count(*) FROM rollup_daily_engagement WHERE pg_temp.sm_leak('rollup_daily_engagement', learner);
RESET ROLE;
SELECT relname, array_agg(DISTINCT learner ORDER BY learner) AS learners_seen FROM sm_leaked GROUP BY 1 ORDER BY 1;

-- by hand. The manager sees north's learners n1, n2 and b1 (s1 and s2 are in south, x1 in none):
-- n2 has left with an open case (two reasons); the others have no open alert and have been inactive since March.
SET ROLE la_sm_manager;
SELECT learner, course, risk, open_alerts FROM learner_risk_state ORDER BY learner, course;
-- the queue is ranked over every unit: x1's case (probability 0.9) is first, n2's (0.5) second; the
-- only coach, ada (capacity 1), carries s1's open case, so both are overflow
SELECT learner, coach, queue_rank, overflow, churn_probability, priority_basis FROM coach_queue ORDER BY learner;
-- the coaches' load is not filtered: ada's open case is s1's (south), counted for the manager too
SELECT coach, capacity, open_cases, free FROM coach_load;
-- expected withdrawals on the week of March 16: c1 n1, n2 and b1's probabilities, 0.1 + 0.5 + 0.3;
-- c2 n1's, 0.4 (s1's 0.2 and 0.6, x1's 0.9 are not the manager's)
SELECT course, week, round(expected_withdrawals::numeric, 4) AS expected_withdrawals FROM weekly_executive_metrics
WHERE expected_withdrawals IS NOT NULL ORDER BY course;
-- c1: n1 completed both modules, n2 reached 0.6 / 2 = 30% and left, b1 15%; c2: n1 40%
SELECT course, enrolled, started, reached_20pct, reached_50pct, completed, dropped FROM course_dropout_funnel
ORDER BY course;
RESET ROLE;
-- the analyst's funnel counts every learner: c1 adds s1 (complete), s2 (left before starting), x1 (25%)
SET ROLE la_sm_analyst;
SELECT course, enrolled, started, reached_20pct, reached_50pct, completed, dropped FROM course_dropout_funnel
ORDER BY course;
RESET ROLE;
-- the course structure is not filtered: a third module of c1 that only s1 has started makes n1's two
-- modules 2 / 3 of the course for the manager too, so no north learner has completed c1
INSERT INTO module_progress (course, learner, module, started_at, progress) VALUES
  ('c1', 's1', 'm3', '2026-03-17 10:00+00', 0.5);
SET ROLE la_sm_manager;
SELECT course, enrolled, reached_50pct, completed FROM course_dropout_funnel ORDER BY course;
RESET ROLE;
SET ROLE la_sm_viewer;
SELECT count(*) AS risk_rows FROM learner_risk_state;
SELECT count(*) AS queue_rows FROM coach_queue;
SELECT count(*) AS current_risk_rows FROM learner_risk;
SELECT count(*) AS funnel_rows FROM course_dropout_funnel;
SELECT count(*) AS operations_rows FROM weekly_alert_operations;
RESET ROLE;
ROLLBACK;
