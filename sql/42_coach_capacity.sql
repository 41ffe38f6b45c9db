--
-- Coach capacity (doc/alerts.md, "Coach queue"): a coach's capacity is the most OPEN cases it
-- carries at once, daily_intake (optional) the most new cases it takes per day; a course coach takes
-- only cases of its course; coach_queue.overflow is exactly what coach_assign_cases leaves
-- unassigned. Cases are hand-inserted coach-required alerts, ranked by risk score (business weight 1,
-- no risk model), so every expected value below is worked out by hand in the comments.
-- Days are fixed in February 2026; coach_queue and coach_load read today's intake (CURRENT_DATE),
-- which for these coaches differs from the fixed days' only through daily_intake, checked with
-- coach_assign_cases(day) itself.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';

-- a coach-required case of a learner and course, with a risk score (its priority) and opening day
CREATE FUNCTION pg_temp.cc_case(l text, c text, r float8, d date) RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO learnalytics.alert (rule_name, rule_version, family, template, learner, course, status, severity,
                                  opened_on, evaluated_on, persisted, risk_score)
  VALUES ('engagement_dip', 1, 'engagement', 'engagement_dip', l, c, 'coach_required', 'high', d, d, 3, r)
  RETURNING id
$$;
-- the learner's open case closes on a day (the engine resolved it); returns how many closed
CREATE FUNCTION pg_temp.cc_close(l text, d date) RETURNS integer
LANGUAGE sql AS $$
  WITH u AS (
    UPDATE learnalytics.alert SET status = 'resolved', closed_on = d, closed_at = d::timestamptz,
                                  close_reason = 'condition_cleared'
    WHERE learner = l AND closed_at IS NULL RETURNING 1)
  SELECT count(*)::integer FROM u
$$;
-- assign on a day, and check the queue against what assignment did: the queue's plan read just
-- before (planned_coach, overflow of the unassigned cases) against the assignments made. overflow
-- = the cases left unassigned, planned_coach = the coach each case got; differences must be 0.
CREATE FUNCTION pg_temp.cc_assign(d date,
    OUT assigned integer, OUT overflow_before bigint, OUT unassigned_after bigint, OUT plan_differences bigint)
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE cc_plan ON COMMIT DROP AS
    SELECT q.alert_id, q.planned_coach, q.overflow FROM learnalytics.coach_queue q WHERE q.coach IS NULL;
  assigned := learnalytics.coach_assign_cases(d);
  SELECT count(*) FILTER (WHERE p.overflow), count(*) FILTER (WHERE ca.alert_id IS NULL),
         count(*) FILTER (WHERE p.overflow <> (ca.alert_id IS NULL) OR p.planned_coach IS DISTINCT FROM ca.coach)
    INTO overflow_before, unassigned_after, plan_differences
    FROM cc_plan p LEFT JOIN learnalytics.coach_assignment ca ON ca.alert_id = p.alert_id;
  DROP TABLE cc_plan;
END
$$;
CREATE TEMP VIEW cc_queue AS
SELECT learner, course, coach, assigned_on, queue_rank, planned_coach, overflow FROM coach_queue;

-------------------------------------------------------------------------------
-- 1. Capacity is open cases, over several days. ann (capacity 3, every course); cases a1..a5 of
-- course c1 opened Feb 2, risk 9, 8, 7, 6, 5: the queue a1..a5. Feb 2: ann takes a1, a2, a3 (3 open
-- = capacity); a4, a5 overflow.
SELECT count(pg_temp.cc_case('a' || g, 'c1', 10 - g, '2026-02-02')) AS cases FROM generate_series(1, 5) g;
INSERT INTO coach (name, capacity) VALUES ('ann', 3);
SELECT learner, queue_rank, planned_coach, overflow FROM cc_queue ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-02');
SELECT learner, coach, assigned_on, queue_rank, overflow FROM cc_queue ORDER BY learner;
-- Feb 3: ann still carries 3 open cases: nothing (a daily capacity would have given it 3 more)
SELECT * FROM pg_temp.cc_assign('2026-02-03');
SELECT coach, capacity, open_cases, daily_intake, free FROM coach_load;
-- a2 closes on Feb 3: one slot; Feb 4: ann takes a4 (the best waiting case); a5 waits
SELECT pg_temp.cc_close('a2', '2026-02-03') AS closed;
SELECT coach, open_cases, free FROM coach_load;
SELECT learner, queue_rank, planned_coach, overflow FROM cc_queue WHERE coach IS NULL ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-04');
-- a closed case leaves the queue; the assignment stays (history), no longer in the caseload
SELECT learner, coach, assigned_on, overflow FROM cc_queue ORDER BY learner;
SELECT ca.coach, a.learner, ca.assigned_on, a.closed_on FROM coach_assignment ca JOIN alert a ON a.id = ca.alert_id
ORDER BY a.learner;
-- oracle: the open caseload in plain SQL (assignments of cases without closed_at) is coach_load's
SELECT l.coach, l.open_cases,
       (SELECT count(*) FROM coach_assignment ca JOIN alert a ON a.id = ca.alert_id
         WHERE ca.coach = l.coach AND a.closed_at IS NULL) AS oracle
FROM coach_load l ORDER BY 1;

-- bo (capacity 5) already carries 30 open cases (b01..b30, assigned Jan 30); new case z1 (risk 20,
-- first in the queue): bo gets nothing, on any day; ann is full (a1, a3, a4)
SELECT count(pg_temp.cc_case('b' || lpad(g::text, 2, '0'), 'c1', 1, '2026-01-29')) AS cases FROM generate_series(1, 30) g;
INSERT INTO coach (name, capacity) VALUES ('bo', 5);
INSERT INTO coach_assignment (alert_id, coach, assigned_on)
SELECT id, 'bo', '2026-01-30' FROM alert WHERE learner LIKE 'b%';
SELECT pg_temp.cc_case('z1', 'c1', 20, '2026-02-04') IS NOT NULL AS z1;
SELECT coach, capacity, open_cases, free FROM coach_load ORDER BY coach;
SELECT learner, queue_rank, planned_coach, overflow FROM cc_queue WHERE coach IS NULL ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-05');
SELECT * FROM pg_temp.cc_assign('2026-02-06');
-- 26 of bo's cases close (b01..b26): 4 open, one slot: z1 (rank 1) goes to bo on Feb 7, a5 waits
SELECT sum(pg_temp.cc_close('b' || lpad(g::text, 2, '0'), '2026-02-06')) AS closed FROM generate_series(1, 26) g;
SELECT * FROM pg_temp.cc_assign('2026-02-07');
SELECT learner, coach, assigned_on FROM cc_queue WHERE learner IN ('z1', 'a5') ORDER BY learner;
DELETE FROM coach_assignment; DELETE FROM alert; DELETE FROM coach;

-------------------------------------------------------------------------------
-- 2. Daily intake. cy: capacity 10, daily_intake 2, every course; dee: capacity 3, daily_intake 2,
-- course c9. Cases d1..d7 (c1, risk 9..3) and e1..e4 (c9, risk 9..6), opened the same day: the
-- queue d1 e1 d2 e2 d3 e3 d4 e4 d5 d6 d7 (equal risks by alert id, the d's inserted first). By hand:
--   Feb 9:  room cy 2 (intake), dee 2 (intake): cy d1, d2; dee e1, e2                      4
--   Feb 10: cy 2 (intake), dee 1 (capacity 3 - 2 open): cy d3, d4; dee e3                  3
--   Feb 11: cy 2, dee 0 (3 open): e4 goes to cy (its course coach is full), then d5       2
--   Feb 12: cy d6, d7                                                                      2
--   Feb 13: nothing left                                                                   0
SELECT count(pg_temp.cc_case('d' || g, 'c1', 10 - g, '2026-02-09')) AS cases FROM generate_series(1, 7) g;
SELECT count(pg_temp.cc_case('e' || g, 'c9', 10 - g, '2026-02-09')) AS cases FROM generate_series(1, 4) g;
INSERT INTO coach (name, capacity, daily_intake) VALUES ('cy', 10, 2);
INSERT INTO coach (name, capacity, daily_intake, course) VALUES ('dee', 3, 2, 'c9');
SELECT learner, queue_rank, planned_coach, overflow FROM cc_queue ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-09');
SELECT coach, count(*) AS assigned FROM coach_assignment WHERE assigned_on = '2026-02-09' GROUP BY 1 ORDER BY 1;
-- the same day again: intakes used, nothing
SELECT coach_assign_cases('2026-02-09') AS same_day;
-- Feb 10 to 13: 3, 2, 2, 0
SELECT d::date AS day, x.*
FROM generate_series('2026-02-10'::date, '2026-02-13', '1 day') d CROSS JOIN LATERAL pg_temp.cc_assign(d::date) x
ORDER BY d;
-- per coach and day, as worked out above
SELECT coach, assigned_on, count(*) AS n, string_agg(a.learner, ',' ORDER BY a.learner) AS cases
FROM coach_assignment ca JOIN alert a ON a.id = ca.alert_id GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE coach IS NULL) AS unassigned FROM cc_queue;
DELETE FROM coach_assignment; DELETE FROM alert; DELETE FROM coach;

-------------------------------------------------------------------------------
-- 3. Course restriction: overflow equals what assignment leaves. Coaches: dee (c1, capacity 2),
-- eve (c2, capacity 1), fay (every course, capacity 2): 5 free slots. Cases in queue order (risk
-- 9..2): k1 c2, k2 c2, k3 c2, k4 c1, k5 c3, k6 c1, k7 c1, k8 (no course). By hand:
--   k1 c2 -> eve (a coach of its course first, although fay has more room); eve full
--   k2 c2 -> fay (1 left); k3 c2 -> fay (full)
--   k4 c1 -> dee (1 left); k5 c3 -> nobody (only fay could, and it is full): overflow
--   k6 c1 -> dee (full); k7 c1 and k8: nobody: overflow
-- 5 assigned, overflow k5, k7, k8 (3). Counting the 5 free slots for every case would say k1..k5
-- fit (k5 not overflow) and k6..k8 overflow.
INSERT INTO coach (name, capacity, course) VALUES ('dee', 2, 'c1'), ('eve', 1, 'c2'), ('fay', 2, NULL);
SELECT count(pg_temp.cc_case('k' || g, (ARRAY['c2', 'c2', 'c2', 'c1', 'c3', 'c1', 'c1', NULL])[g], 10 - g,
                             '2026-02-16')) AS cases
FROM generate_series(1, 8) g;
SELECT learner, course, queue_rank, planned_coach, overflow FROM cc_queue ORDER BY queue_rank;
SELECT sum(free) AS free_slots FROM coach_load;
SELECT * FROM pg_temp.cc_assign('2026-02-16');
SELECT learner, course, coach, queue_rank, overflow FROM cc_queue ORDER BY learner;
SELECT coach, capacity, open_cases, free FROM coach_load ORDER BY coach;
DELETE FROM coach_assignment;
-- only a course coach, of another course: no coach may take any case: all overflow, 0 assigned
-- (before: "no overflow", then 0 assigned)
DELETE FROM coach WHERE name <> 'dee';
UPDATE coach SET capacity = 5;
DELETE FROM alert WHERE course = 'c1' OR course IS NULL;
SELECT learner, course, planned_coach, overflow FROM cc_queue ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-17');
-- most room, then name: gil (every course, 2 free) and hal (every course, 1 free) for k1, k2, k3,
-- k5: k1 gil (2 > 1); k2: gil 1 = hal 1, gil by name; k3 hal (gil full); k5 nobody (dee is c1's)
INSERT INTO coach (name, capacity) VALUES ('hal', 1), ('gil', 2);
SELECT learner, planned_coach FROM cc_queue ORDER BY queue_rank;
SELECT * FROM pg_temp.cc_assign('2026-02-17');
SELECT learner, coach FROM cc_queue ORDER BY learner;
-- an inactive coach takes nothing and has no room (hal, capacity 5 now, could take k5); its open
-- case k3 still counts
UPDATE coach SET active = false, capacity = 5 WHERE name = 'hal';
SELECT coach, active, open_cases, free FROM coach_load ORDER BY coach;
SELECT learner, planned_coach, overflow FROM cc_queue WHERE coach IS NULL;
SELECT * FROM pg_temp.cc_assign('2026-02-18');
-- today's intake: coach_load counts assignments made today (whatever today is). k1 and k2 back in
-- the queue; gil (capacity 2, now daily_intake 1) takes k1 only; k2 and k5 overflow
DELETE FROM coach_assignment WHERE coach = 'gil';
UPDATE coach SET daily_intake = 1 WHERE name = 'gil';
SELECT coach_assign_cases(CURRENT_DATE) AS assigned_today;
SELECT coach, capacity, open_cases, daily_intake, assigned_today, free FROM coach_load WHERE coach = 'gil';
SELECT learner, coach IS NOT NULL AS assigned, planned_coach, overflow FROM cc_queue ORDER BY learner;
-- errors: no day
SELECT coach_assign_cases(NULL);
DELETE FROM coach_assignment; DELETE FROM alert; DELETE FROM coach;

-------------------------------------------------------------------------------
-- 4. Viewers. Cases m1 (north, risk 9), s1 (south, 8), m2 (north, 7), x1 (no unit, 6); coach jo
-- (capacity 2, every course) and ko (course c2, capacity 3: may take none of these c1 cases).
-- The plan over the whole queue: m1 jo, s1 jo, m2 and x1 overflow. A manager of north sees m1
-- (planned jo) and m2 (overflow, rank 3), and every coach's load; a viewer managing nothing sees no
-- case and every coach's load; neither may read the coach table or assign.
SELECT count(pg_temp.cc_case(l, 'c1', r, '2026-02-23')) AS cases
FROM (VALUES ('m1', 9), ('s1', 8), ('m2', 7), ('x1', 6)) v(l, r);
INSERT INTO coach (name, capacity, course) VALUES ('jo', 2, NULL), ('ko', 3, 'c2');
INSERT INTO learner_org_unit VALUES ('m1', 'cc_north'), ('m2', 'cc_north'), ('s1', 'cc_south');
CREATE ROLE la_cc_manager LOGIN IN ROLE learnalytics_viewer;
CREATE ROLE la_cc_viewer LOGIN IN ROLE learnalytics_viewer;
INSERT INTO org_unit_manager VALUES ('la_cc_manager', 'cc_north');
SET ROLE la_cc_manager;
SELECT learner, queue_rank, planned_coach, overflow FROM coach_queue ORDER BY queue_rank;
SELECT coach, course, capacity, open_cases, daily_intake, free FROM coach_load ORDER BY coach;
SELECT count(*) FROM coach;
SELECT coach_assign_cases('2026-02-23');
RESET ROLE;
SET ROLE la_cc_viewer;
SELECT count(*) AS queue_rows FROM coach_queue;
SELECT count(*) AS coaches_seen FROM coach_load;
RESET ROLE;
-- after assignment the manager sees m1 with jo, m2 still overflow, and jo's load 2 of 2
SELECT coach_assign_cases('2026-02-23') AS assigned;
SET ROLE la_cc_manager;
SELECT learner, coach, assigned_on, queue_rank, planned_coach, overflow FROM coach_queue ORDER BY learner;
SELECT coach, open_cases, free FROM coach_load ORDER BY coach;
RESET ROLE;

DELETE FROM org_unit_manager WHERE manager = 'la_cc_manager';
DELETE FROM learner_org_unit WHERE org_unit IN ('cc_north', 'cc_south');
DROP ROLE la_cc_manager, la_cc_viewer;
DELETE FROM coach_assignment; DELETE FROM alert; DELETE FROM coach;
DROP VIEW cc_queue;
