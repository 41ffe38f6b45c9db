--
-- weekly_course_engagement is a calendar: a week without activity is a row of zeros, and the change
-- columns compare each week with the calendar week before it (issue 15). Oracle: plain SQL over
-- the source rows and the numbers worked out by hand below.
--
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET client_min_messages = warning;

CREATE TABLE cal_ev (learner_id bigint, ts timestamptz, course text);
-- course c1: ISO weeks of 2026-03-02 (2 learners, 4 events), 2026-03-09 (1 learner, 3 events),
-- nothing in the week of 2026-03-16, 2026-03-23 (3 learners, 3 events); course c2: one week only
INSERT INTO cal_ev VALUES
  (1, '2026-03-02 09:00+00', 'c1'), (1, '2026-03-03 09:00+00', 'c1'), (2, '2026-03-04 09:00+00', 'c1'),
  (2, '2026-03-08 22:00+00', 'c1'),
  (1, '2026-03-09 09:00+00', 'c1'), (1, '2026-03-10 09:00+00', 'c1'), (1, '2026-03-15 09:00+00', 'c1'),
  (1, '2026-03-23 09:00+00', 'c1'), (2, '2026-03-24 09:00+00', 'c1'), (3, '2026-03-29 23:00+00', 'c1'),
  (5, '2026-03-10 12:00+00', 'c2');
SELECT rollup_create('cal', 'cal_ev', course_column => 'course');

-- c1: 4 weeks (the empty one included), c2: 1
SELECT course, week, active_learners, events, sessions, dwell, weight, events_per_learner,
       learners_change_pct, events_change_pct
  FROM weekly_course_engagement WHERE rollup = 'cal' ORDER BY course, week;

-- hand-computed: week 2 against week 1: learners 1/2 - 1 = -50.0 %, events 3/4 - 1 = -25.0 %;
-- week 3: zeros, -100.0 %; week 4 follows a week of zero: NULL change
SELECT week, learners_change_pct = -50.0 AND events_change_pct = -25.0 AS w2,
       active_learners = 0 AND events = 0 AND learners_change_pct = -100.0 AS w3
  FROM weekly_course_engagement WHERE rollup = 'cal' AND course = 'c1' AND week IN ('2026-03-09', '2026-03-16')
 ORDER BY week;

-- plain SQL over the source: learners and events per calendar week, zero weeks included
WITH cal AS (SELECT course, g::date AS week
               FROM (SELECT course, min(date_trunc('week', ts)) AS f, max(date_trunc('week', ts)) AS l
                       FROM cal_ev GROUP BY course) s,
                    generate_series(s.f, s.l, interval '1 week') g),
     src AS (SELECT c.course, c.week, count(DISTINCT e.learner_id) AS learners, count(e.ts) AS events
               FROM cal c LEFT JOIN cal_ev e ON e.course = c.course AND date_trunc('week', e.ts)::date = c.week
              GROUP BY c.course, c.week)
SELECT count(*) AS differences FROM (
  (SELECT course, week, learners, events FROM src
   EXCEPT SELECT course, week, active_learners, events FROM weekly_course_engagement WHERE rollup = 'cal')
  UNION ALL
  (SELECT course, week, active_learners, events FROM weekly_course_engagement WHERE rollup = 'cal'
   EXCEPT SELECT course, week, learners, events FROM src)) d;

SELECT rollup_drop('cal');
DROP TABLE cal_ev;
