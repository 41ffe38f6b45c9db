#!/usr/bin/env bash
# Rule replays on one complete OULAD presentation (AAA/2013J), through demo/replay.sql (the code
# `make demo` runs): the default dip rule and the 21-day inactivity rule give the same alerts as a
# plain-SQL reimplementation over the raw activity (no summaries), precision, recall, lead and lift
# recomputed from those by hand agree with replay.rule_quality, a few learners are pinned by
# hand, and the quality figures (precision, recall, lead, lift) are the checked numbers of
# doc/oulad.md. Its check is skipped when the data is not there; CI always has it.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
replays() {
  oulad_need_data
  oulad_psql -v ok_message="replays on AAA/2013J match the hand computation and the checked figures" <<'SQL'
SET client_min_messages = warning;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir') \gset
CREATE TEMP VIEW aaa_activity AS
  SELECT * FROM oulad.activity WHERE code_module = 'AAA' AND code_presentation = '2013J';
SELECT engagement_refresh('aaa_activity', 'enrolment', 'ts', 'clicks') AS summaries \gset
-- resources used per enrolment and day, straight from the activity rows
CREATE TEMP TABLE aaa_daily AS SELECT enrolment, day, count(*) AS v FROM aaa_activity GROUP BY 1, 2;
ALTER TABLE aaa_daily ADD PRIMARY KEY (enrolment, day);
ANALYZE aaa_daily;
\i :replay
DELETE FROM replay.population WHERE presentation <> 'AAA/2013J';
DELETE FROM replay.student_day WHERE presentation <> 'AAA/2013J';
SELECT replay.replay_dip_rule('dip', 0.6, 14, 3) AS dip_alerts \gset
SELECT replay.replay_inactivity_rule('idle', 21) AS idle_alerts \gset

-- the dip rule by hand: events per day = resources used that day, zero-filled from the first active
-- day; a dip day has a full 14-day history and value < 0.6 x its mean; alert where a run reaches 3
CREATE TEMP TABLE hand_dip AS
WITH f AS (SELECT enrolment, min(day) AS first_active FROM aaa_daily GROUP BY 1),
series AS (
  SELECT p.enrolment, p.first_day, p.last_day, d.day, d.day - f.first_active AS i,
         coalesce(a.v, 0) AS v
  FROM replay.population p JOIN f USING (enrolment)
  CROSS JOIN LATERAL generate_series(f.first_active, p.last_day) d(day)
  LEFT JOIN aaa_daily a ON a.enrolment = p.enrolment AND a.day = d.day
), dips AS (
  SELECT *, i >= 14 AND v * 14 * 5 < 3 * sum(v) OVER (PARTITION BY enrolment ORDER BY day
                                      ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING) AS dip
  FROM series
), runs AS (
  SELECT *, dip AND lag(dip, 1) OVER w AND lag(dip, 2) OVER w AND NOT coalesce(lag(dip, 3) OVER w, false) AS alert
  FROM dips WINDOW w AS (PARTITION BY enrolment ORDER BY day)
)
SELECT enrolment, day FROM runs WHERE alert AND day BETWEEN first_day AND last_day;

-- the inactivity rule by hand: on each registered day, days since the last click (or since the day
-- before registration); an alert on the day that count reaches 21
CREATE TEMP TABLE hand_idle AS
WITH d AS (
  SELECT s.enrolment, s.day, p.first_day,
         max(CASE WHEN a.v > 0 THEN s.day END) OVER (PARTITION BY s.enrolment ORDER BY s.day) AS last_click
  FROM replay.student_day s JOIN replay.population p USING (enrolment)
  LEFT JOIN aaa_daily a ON a.enrolment = s.enrolment AND a.day = s.day
)
SELECT enrolment, day FROM d WHERE day - coalesce(last_click, first_day - 1) = 21;

CREATE TEMP TABLE checks (what text, got text, want text);
INSERT INTO checks VALUES
  ('summaries of AAA/2013J', :'summaries', '378'),
  ('dip alerts', :'dip_alerts', '6285'),
  ('inactivity alerts', :'idle_alerts', '441');
INSERT INTO checks
SELECT 'dip alerts not found by hand', count(*)::text, '0' FROM
  (SELECT enrolment, day FROM replay.alert WHERE rule = 'dip' EXCEPT SELECT * FROM hand_dip) x
UNION ALL SELECT 'hand dip alerts not replayed', count(*)::text, '0' FROM
  (SELECT * FROM hand_dip EXCEPT SELECT enrolment, day FROM replay.alert WHERE rule = 'dip') x
UNION ALL SELECT 'idle alerts not found by hand', count(*)::text, '0' FROM
  (SELECT enrolment, day FROM replay.alert WHERE rule = 'idle' EXCEPT SELECT * FROM hand_idle) x
UNION ALL SELECT 'hand idle alerts not replayed', count(*)::text, '0' FROM
  (SELECT * FROM hand_idle EXCEPT SELECT enrolment, day FROM replay.alert WHERE rule = 'idle') x
-- the base rate by arithmetic: registered days, and those followed by unregistration within 30 days
UNION ALL SELECT 'registered student-days', count(*)::text,
  (SELECT sum(last_day - first_day + 1)::text FROM replay.population) FROM replay.student_day
UNION ALL SELECT 'student-days followed by unregistration', count(*) FILTER (WHERE withdraws_within_30)::text,
  (SELECT sum(least(30, withdrew_day - first_day))::text FROM replay.population WHERE withdrew_day IS NOT NULL)
  FROM replay.student_day
-- two learners checked by hand (resources used per day, first active day -> first full 14-day window):
-- AAA/2013J/1456619 used 5,12,0,0,4,4,1,11,0,0,12,8,7,4 resources on days -10..3, then 0,2,0 on days
--   4,5,6: each below 0.6 x the mean of the 14 days before (68/14, 63/14, 53/14), so a 3-day dip
--   run on day 6; no other run reaches 3 days before the learner unregistered on day 27.
-- AAA/2013J/147793 clicked on days -9 and -4, then not until day 21: 21 idle registered days on day
--   20 (counting from day -1); dips from day 5 (the first day with 14 days of history), alert day 7.
UNION ALL SELECT 'alerts of AAA/2013J/1456619',
  (SELECT string_agg(rule || ':' || day, ' ' ORDER BY rule, day) FROM replay.alert WHERE enrolment = 'AAA/2013J/1456619'),
  'dip:6'
UNION ALL SELECT 'alerts of AAA/2013J/147793',
  (SELECT string_agg(rule || ':' || day, ' ' ORDER BY rule, day) FROM replay.alert WHERE enrolment = 'AAA/2013J/147793'),
  'dip:7 dip:27 dip:35 dip:44 dip:56 idle:20';
-- the quality figures recomputed by hand from the hand-made alerts, against replay.rule_quality
INSERT INTO checks
WITH hand AS (SELECT 'dip' AS rule, * FROM hand_dip UNION ALL SELECT 'idle', * FROM hand_idle),
pop AS (SELECT count(*) AS n, count(withdrew_day) AS w,
               sum(least(30, withdrew_day - first_day)) FILTER (WHERE withdrew_day IS NOT NULL)::numeric
                 / sum(last_day - first_day + 1) AS base
        FROM replay.population),
learner AS (SELECT h.rule, h.enrolment, min(h.day) AS first_alert, p.withdrew_day
            FROM hand h JOIN replay.population p USING (enrolment) GROUP BY 1, 2, 4),
per_rule AS (
  SELECT l.rule, count(*) AS alerted, count(l.withdrew_day) AS caught,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY l.withdrew_day - l.first_alert)
           FILTER (WHERE l.withdrew_day IS NOT NULL) AS lead,
         (SELECT avg(coalesce(p.withdrew_day - h.day BETWEEN 1 AND 30, false)::int) FROM hand h
          JOIN replay.population p USING (enrolment) WHERE h.rule = l.rule) AS alert_rate
  FROM learner l GROUP BY l.rule)
SELECT r.rule || ' by hand: ' || k, got, want
FROM per_rule r CROSS JOIN pop
JOIN replay.rule_quality q ON q.rule = r.rule AND q.presentation = 'AAA/2013J'
CROSS JOIN LATERAL (VALUES
  ('alerted_pct', round(100.0 * r.alerted / pop.n, 1)::text, q.alerted_pct::text),
  ('precision_pct', round(100.0 * r.caught / r.alerted, 1)::text, q.precision_pct::text),
  ('recall_pct', round(100.0 * r.caught / pop.w, 1)::text, q.recall_pct::text),
  ('median_lead', r.lead::text, q.median_lead_days::text),
  ('lift', round(r.alert_rate / pop.base, 2)::text, q.lift::text)) v(k, got, want);
INSERT INTO checks
SELECT rule || ' ' || k, v, w FROM replay.rule_quality q
JOIN (VALUES ('dip', 'learners', '376'), ('dip', 'withdrawals', '53'), ('dip', 'alerted_pct', '99.2'),
             ('dip', 'precision_pct', '13.4'), ('dip', 'recall_pct', '94.3'), ('dip', 'median_lead', '102'),
             ('dip', 'lift', '1.08'), ('dip', 'base_pct', '1.61'),
             ('idle', 'alerted_pct', '58.5'), ('idle', 'precision_pct', '9.5'), ('idle', 'recall_pct', '39.6'),
             ('idle', 'median_lead', '65'), ('idle', 'lift', '1.41')) x(rule, k, w) USING (rule)
CROSS JOIN LATERAL (VALUES ('learners', q.learners::text), ('withdrawals', q.withdrawals::text),
  ('alerted_pct', q.alerted_pct::text), ('precision_pct', q.precision_pct::text), ('recall_pct', q.recall_pct::text),
  ('median_lead', q.median_lead_days::text), ('lift', q.lift::text), ('base_pct', q.base_withdraw30_pct::text)) v(k2, v)
WHERE q.presentation = 'AAA/2013J' AND v.k2 = x.k;

DROP SCHEMA replay CASCADE;
DROP SCHEMA oulad CASCADE;
DELETE FROM learner_engagement;
\i :checks
SQL
}
la_t_check "rule replays on AAA/2013J against the hand computation" replays
la_t_done
