#!/usr/bin/env bash
# Rule replays on one complete OULAD presentation (AAA/2013J) through the alert-rules engine, as
# `make demo` runs them: demo/replay.sql maps the population onto the engine (learning_source) and
# defines the demo's rules by name; the engine's rule_replay_alerts() for the default dip rule
# (dip_events_60_14_3) and the 21-day inactivity rule (inactive_21d) gives the same alerts as a
# plain-SQL reimplementation over the raw activity (no summaries); rule_replay()'s learners,
# withdrawals, precision, recall, lead and lift (the engine's definitions, doc/alerts.md) equal
# the same figures recomputed by hand from the hand-made alerts; rule_matches() (the demo's
# replay.at_risk) flags on a day exactly the learners the hand alerts say; a few learners are
# pinned by hand, and the figures are the checked numbers of doc/oulad.md. (It replaces
# test/t/82, which compared the engine with the demo's former replay code.) Its check is skipped
# when the data is not there; CI always has it.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
replays() {
  oulad_need_data
  oulad_psql -v ok_message="engine replays on AAA/2013J match the hand computation and the checked figures" <<'SQL'
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
CREATE TEMP VIEW pop AS SELECT * FROM replay.population WHERE presentation = 'AAA/2013J';
SELECT from_day, to_day FROM replay.scope WHERE presentation = 'AAA/2013J' \gset

-- the engine, as the demo calls it (restricted to the presentation by the override "course")
CREATE TEMP TABLE engine_alert AS
SELECT r.tag AS rule, a.learner AS enrolment, a.day - p.start_date AS day
FROM (VALUES ('dip_events_60_14_3', 'dip'), ('inactive_21d', 'idle')) r(name, tag)
CROSS JOIN LATERAL rule_replay_alerts(r.name, :'from_day', :'to_day', '{"course": "AAA/2013J"}') a
JOIN replay.population p ON p.enrolment = a.learner;
CREATE TEMP TABLE engine_quality AS
SELECT r.tag, q.*
FROM (VALUES ('dip_events_60_14_3', 'dip'), ('inactive_21d', 'idle')) r(name, tag)
CROSS JOIN LATERAL rule_replay(r.name, :'from_day', :'to_day', outcomes => 'replay.engine_outcome',
  horizon_days => 30, overrides => '{"course": "AAA/2013J"}', learner_column => 'learner',
  outcome_column => 'outcome', time_column => 'outcome_day', dropout_values => '{withdrawn}') q;
-- the demo's at_risk (rule_matches) on course days 30 and 60
CREATE TEMP TABLE engine_at_risk AS
SELECT d AS course_day, r.enrolment, r.dip_rule, r.idle_rule
FROM unnest('{30,60}'::int[]) d CROSS JOIN LATERAL replay.at_risk(d) r WHERE r.presentation = 'AAA/2013J';

-- the dip rule by hand: events per day = resources used that day, zero-filled from the first active
-- day; a dip day has a full 14-day history and value < 0.6 x its mean; runs of dip days, an alert
-- where a run reaches 3 days (on an enrolled day)
CREATE TEMP TABLE hand_dip_day AS
WITH f AS (SELECT enrolment, min(day) AS first_active FROM aaa_daily GROUP BY 1),
series AS (
  SELECT p.enrolment, p.first_day, p.last_day, d.day, d.day - f.first_active AS i,
         coalesce(a.v, 0) AS v
  FROM pop p JOIN f USING (enrolment)
  CROSS JOIN LATERAL generate_series(f.first_active, p.last_day) d(day)
  LEFT JOIN aaa_daily a ON a.enrolment = p.enrolment AND a.day = d.day
), dips AS (
  SELECT *, i >= 14 AND v * 14 * 5 < 3 * sum(v) OVER (PARTITION BY enrolment ORDER BY day
                                      ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING) AS dip
  FROM series
), grp AS (
  SELECT *, day - row_number() OVER (PARTITION BY enrolment, dip ORDER BY day) AS g FROM dips
)
SELECT enrolment, day, first_day, last_day, dip,
       CASE WHEN dip THEN row_number() OVER (PARTITION BY enrolment, dip, g ORDER BY day) END AS run
FROM grp;
CREATE TEMP TABLE hand_dip AS
SELECT enrolment, day FROM hand_dip_day WHERE run = 3 AND day BETWEEN first_day AND last_day;

-- the inactivity rule by hand: on each registered day, days since the last click (or since the day
-- before registration); an alert on the day that count reaches 21
CREATE TEMP TABLE hand_idle_day AS
SELECT s.enrolment, s.day,
       s.day - coalesce(max(CASE WHEN a.v > 0 THEN s.day END) OVER (PARTITION BY s.enrolment ORDER BY s.day),
                        p.first_day - 1) AS idle
FROM replay.student_day s JOIN pop p USING (enrolment)
LEFT JOIN aaa_daily a ON a.enrolment = s.enrolment AND a.day = s.day;
CREATE TEMP TABLE hand_idle AS SELECT enrolment, day FROM hand_idle_day WHERE idle = 21;

CREATE TEMP TABLE checks (what text, got text, want text);
INSERT INTO checks VALUES
  ('summaries of AAA/2013J', :'summaries', '378'),
  ('replay period of AAA/2013J', :'from_day' || '..' || :'to_day', '2013-10-01..2014-06-26');
INSERT INTO checks
SELECT 'dip alerts', count(*)::text, '6285' FROM engine_alert WHERE rule = 'dip'
UNION ALL SELECT 'inactivity alerts', count(*)::text, '441' FROM engine_alert WHERE rule = 'idle'
UNION ALL SELECT 'dip alerts not found by hand', count(*)::text, '0' FROM
  (SELECT enrolment, day FROM engine_alert WHERE rule = 'dip' EXCEPT SELECT * FROM hand_dip) x
UNION ALL SELECT 'hand dip alerts not replayed', count(*)::text, '0' FROM
  (SELECT * FROM hand_dip EXCEPT SELECT enrolment, day FROM engine_alert WHERE rule = 'dip') x
UNION ALL SELECT 'idle alerts not found by hand', count(*)::text, '0' FROM
  (SELECT enrolment, day FROM engine_alert WHERE rule = 'idle' EXCEPT SELECT * FROM hand_idle) x
UNION ALL SELECT 'hand idle alerts not replayed', count(*)::text, '0' FROM
  (SELECT * FROM hand_idle EXCEPT SELECT enrolment, day FROM engine_alert WHERE rule = 'idle') x
-- at_risk (rule_matches) against the hand series: a dip run of 3+ days, 21+ idle days
UNION ALL SELECT 'at_risk rows on days 30 and 60', count(*)::text,
  (SELECT count(*)::text FROM pop, unnest('{30,60}'::int[]) d WHERE d BETWEEN first_day AND last_day)
  FROM engine_at_risk
UNION ALL SELECT 'at_risk differing from the hand series', count(*)::text, '0'
  FROM engine_at_risk r
  LEFT JOIN hand_dip_day h ON h.enrolment = r.enrolment AND h.day = r.course_day
  LEFT JOIN hand_idle_day i ON i.enrolment = r.enrolment AND i.day = r.course_day
  WHERE r.dip_rule IS DISTINCT FROM coalesce(h.run >= 3, false) OR r.idle_rule IS DISTINCT FROM (i.idle >= 21)
UNION ALL SELECT 'at_risk dip flags on day 60', count(*) FILTER (WHERE dip_rule)::text, NULL
  FROM engine_at_risk WHERE course_day = 60
UNION ALL SELECT 'at_risk idle flags on day 60', count(*) FILTER (WHERE idle_rule)::text, NULL
  FROM engine_at_risk WHERE course_day = 60
-- two learners checked by hand (resources used per day, first active day -> first full 14-day window):
-- AAA/2013J/1456619 used 5,12,0,0,4,4,1,11,0,0,12,8,7,4 resources on days -10..3, then 0,2,0 on days
--   4,5,6: each below 0.6 x the mean of the 14 days before (68/14, 63/14, 53/14), so a 3-day dip
--   run on day 6; no other run reaches 3 days before the learner unregistered on day 27.
-- AAA/2013J/147793 clicked on days -9 and -4, then not until day 21: 21 idle registered days on day
--   20 (counting from day -1); dips from day 5 (the first day with 14 days of history), alert day 7.
UNION ALL SELECT 'alerts of AAA/2013J/1456619',
  (SELECT string_agg(rule || ':' || day, ' ' ORDER BY rule, day) FROM engine_alert WHERE enrolment = 'AAA/2013J/1456619'),
  'dip:6'
UNION ALL SELECT 'alerts of AAA/2013J/147793',
  (SELECT string_agg(rule || ':' || day, ' ' ORDER BY rule, day) FROM engine_alert WHERE enrolment = 'AAA/2013J/147793'),
  'dip:7 dip:27 dip:35 dip:44 dip:56 idle:20';

-- The quality figures recomputed by hand from the hand-made alerts, with the engine's definitions
-- (doc/alerts.md, horizon 30 days), against rule_replay:
--   learners     registered on a course day; withdrawals: unregistered on course day 1 .. length
--   touched      share of learners with an alert
--   precision    of the learners alerted (all alerts fall on registered days, so before any
--                withdrawal), the share with an alert followed by their withdrawal within 30 days
--   recall       share of withdrawals with an alert in the 30 days before (day w-30 .. w-1)
--   lead         median over those withdrawals of w minus the first alert in that window
--   base         learner-days followed by withdrawal within 30 days / registered learner-days
--   lift         share of alerts followed by withdrawal within 30 days / base
INSERT INTO checks
WITH hand AS (SELECT 'dip' AS rule, * FROM hand_dip UNION ALL SELECT 'idle', * FROM hand_idle),
h AS (SELECT hand.*, p.withdrew_day, coalesce(p.withdrew_day - hand.day BETWEEN 1 AND 30, false) AS followed
      FROM hand JOIN pop p USING (enrolment)),
base AS (SELECT count(*) AS n, count(withdrew_day) AS w,
                sum(least(30, withdrew_day - first_day)) FILTER (WHERE withdrew_day IS NOT NULL)::numeric
                  / sum(last_day - first_day + 1) AS rate
         FROM pop),
per_learner AS (SELECT rule, enrolment, bool_or(followed) AS followed,
                       min(day) FILTER (WHERE followed) AS first_in_window, min(withdrew_day) AS w
                FROM h GROUP BY 1, 2),
per_rule AS (
  SELECT l.rule, count(*) AS touched, count(*) FILTER (WHERE l.followed) AS precise,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY l.w - l.first_in_window) FILTER (WHERE l.followed) AS lead,
         (SELECT count(*) FROM h WHERE h.rule = l.rule) AS alerts,
         (SELECT avg(followed::int) FROM h WHERE h.rule = l.rule) AS alert_rate
  FROM per_learner l GROUP BY l.rule)
SELECT r.rule || ' by hand: ' || k, got, want
FROM per_rule r CROSS JOIN base
JOIN engine_quality q ON q.tag = r.rule
CROSS JOIN LATERAL (VALUES
  ('learners', q.learners_enrolled::text, base.n::text),
  ('withdrawals', q.dropouts::text, base.w::text),
  ('alerts', q.alerts::text, r.alerts::text),
  ('touched', q.learners_touched::text, r.touched::text),
  ('precision', round(q.precision::numeric, 10)::text, round(r.precise::numeric / r.touched, 10)::text),
  ('withdrawals alerted', q.dropouts_alerted::text, r.precise::text),
  ('recall', round(q.recall::numeric, 10)::text, round(r.precise::numeric / base.w, 10)::text),
  ('median lead', q.lead_time_median::text, r.lead::text),
  ('base rate', round(q.base_dropout_rate::numeric, 10)::text, round(base.rate, 10)::text),
  ('lift', round(q.lift::numeric, 10)::text, round(r.alert_rate / base.rate, 10)::text)) v(k, got, want);
-- the checked numbers of doc/oulad.md (AAA/2013J, as the demo prints them)
INSERT INTO checks
SELECT tag || ' ' || k, v, w FROM engine_quality q
JOIN (VALUES ('dip', 'learners', '376'), ('dip', 'withdrawals', '53'), ('dip', 'alerted_pct', '99.2'),
             ('dip', 'precision_pct', '12.1'), ('dip', 'recall_pct', '84.9'), ('dip', 'median_lead', '26'),
             ('dip', 'lift', '1.08'), ('dip', 'base_pct', '1.61'),
             ('idle', 'alerted_pct', '58.5'), ('idle', 'precision_pct', '4.5'), ('idle', 'recall_pct', '18.9'),
             ('idle', 'median_lead', '11.5'), ('idle', 'lift', '1.41')) x(tag, k, w) USING (tag)
CROSS JOIN LATERAL (VALUES ('learners', q.learners_enrolled::text), ('withdrawals', q.dropouts::text),
  ('alerted_pct', round((100 * q.touched_share)::numeric, 1)::text),
  ('precision_pct', round((100 * q.precision)::numeric, 1)::text),
  ('recall_pct', round((100 * q.recall)::numeric, 1)::text),
  ('median_lead', q.lead_time_median::text), ('lift', round(q.lift::numeric, 2)::text),
  ('base_pct', round((100 * q.base_dropout_rate)::numeric, 2)::text)) v(k2, v)
WHERE v.k2 = x.k;

DELETE FROM learning_source WHERE kind IN ('enrolment', 'assignment', 'assignment_submission');
DELETE FROM alert_rule WHERE name IN (SELECT rule FROM replay.grid);
DROP SCHEMA replay CASCADE;
DROP SCHEMA oulad CASCADE;
DELETE FROM learner_engagement;
\i :checks
SQL
}

# The demo's temporal split, as `make demo` runs it (demo/replay.sql, rules.sql, model.sql): the
# split itself against the presentation dates, the rule and the model settings chosen on the
# training presentations only (recomputed from the replays and folds), the scored presentation's
# rule figures recomputed by hand from the engine's alerts, the model's AUC and Brier score against
# scikit-learn on the same rows with labels computed here from the population, and the checked
# numbers of doc/oulad.md ("What the demo printed").
split() {
  oulad_need_data
  local tmp
  tmp=$(mktemp -d)
  chmod 777 "$tmp"
  la_t_cleanup_add rm -rf "$tmp"
  # 1. the demo's pipeline, and the scored learner-days with labels computed from the population
  oulad_psql -v rules="$LA_SRC/demo/rules.sql" -v model="$LA_SRC/demo/model.sql" -v csv="$tmp/scored.csv" <<'SQL' >/dev/null
SET client_min_messages = warning;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir') \gset
SELECT engagement_refresh('oulad.activity', 'enrolment', 'ts', 'clicks') AS summaries \gset
\i :replay
\i :rules
\i :model
-- label: withdrew (unregistered) within 30 days after the day
\pset format csv
\pset tuples_only on
SELECT s.learner, s.day, s.score, coalesce(p.withdrew_day - (s.day - p.start_date) BETWEEN 1 AND 30, false)::int
FROM model.scored s JOIN replay.population p ON p.enrolment = s.learner ORDER BY 1, 2 \g :csv
SQL
  # 2. scikit-learn on the same rows
  /usr/bin/python3 - "$tmp/scored.csv" >"$tmp/sk.txt" <<'PY'
import sys, numpy as np
from sklearn.metrics import roc_auc_score, brier_score_loss
d = np.genfromtxt(sys.argv[1], delimiter=",", dtype=None, encoding=None)
score = np.array([r[2] for r in d], dtype=float); label = np.array([r[3] for r in d], dtype=int)
print("%.12f %.12f %d %d" % (roc_auc_score(label, score), brier_score_loss(label, score), len(label), label.sum()))
PY
  read -r sk_auc sk_brier sk_rows sk_pos <"$tmp/sk.txt"
  # 3. the checks
  oulad_psql -v ok_message="the demo's temporal split: rules and model on AAA/2014J match the checked figures" \
    -v sk_auc="$sk_auc" -v sk_brier="$sk_brier" -v sk_rows="$sk_rows" -v sk_pos="$sk_pos" <<'SQL'
SET client_min_messages = warning;
SELECT presentation AS scored FROM replay.split WHERE role = 'scored' \gset
SELECT rule AS best_rule FROM replay.rule_cv WHERE mean_recall >= 0.25 ORDER BY mean_lift DESC, label LIMIT 1 \gset
CREATE TEMP TABLE checks (what text, got text, want text);
-- the split against the dates: the scored presentation starts after every training one ended
INSERT INTO checks
SELECT 'split roles', string_agg(presentation || '=' || role, ' ' ORDER BY presentation),
       'AAA/2013J=training AAA/2014J=scored BBB/2013B=training' FROM replay.split
UNION ALL
SELECT 'training presentations ending on or after the scored start', count(*)::text, '0'
FROM oulad.presentation t JOIN replay.split s ON s.presentation = t.code_module || '/' || t.code_presentation
CROSS JOIN (SELECT p.start_date FROM oulad.presentation p
            WHERE p.code_module || '/' || p.code_presentation = :'scored') sc
WHERE s.role = 'training' AND t.start_date + t.length_days >= sc.start_date
UNION ALL
SELECT 'grid replays on the scored presentation', count(*)::text, '0' FROM replay.quality WHERE presentation = :'scored'
-- the choice recomputed from the per-presentation replays: mean lift, mean recall >= 25%
UNION ALL
SELECT 'chosen rule', :'best_rule', (SELECT rule FROM replay.quality GROUP BY rule HAVING avg(recall) >= 0.25
                                     ORDER BY avg(lift) DESC LIMIT 1)
UNION ALL SELECT 'chosen rule, as documented', :'best_rule', 'inactive_21d'
UNION ALL
SELECT 'LOPO picks', string_agg(presentation || ':' || rule, ' ' ORDER BY presentation),
       'AAA/2013J:dip_events_60_28_14 BBB/2013B:inactive_21d'
FROM (SELECT DISTINCT ON (presentation) presentation, rule FROM replay.quality WHERE recall >= 0.25
      ORDER BY presentation, lift DESC, label) x;

-- the scored presentation by hand from the engine's alerts: lift = share of alerts followed by a
-- withdrawal within 30 days / share of registered learner-days followed by one
CREATE TEMP TABLE scored_pop AS SELECT * FROM replay.population WHERE presentation = :'scored';
CREATE TEMP TABLE scored_alert AS
SELECT r.rule, a.learner AS enrolment, a.day - p.start_date AS day
FROM (VALUES ('dip_events_60_14_3'), (:'best_rule')) r(rule)
CROSS JOIN replay.scope s
CROSS JOIN LATERAL rule_replay_alerts(r.rule, s.from_day, s.to_day, s.overrides) a
JOIN scored_pop p ON p.enrolment = a.learner
WHERE s.presentation = :'scored';
INSERT INTO checks
WITH base AS (SELECT sum(least(30, withdrew_day - first_day)) FILTER (WHERE withdrew_day IS NOT NULL)::numeric
                     / sum(last_day - first_day + 1) AS rate FROM scored_pop),
hand AS (SELECT a.rule, count(*) AS alerts,
                avg(coalesce(p.withdrew_day - a.day BETWEEN 1 AND 30, false)::int) / base.rate AS lift
         FROM scored_alert a JOIN scored_pop p USING (enrolment) CROSS JOIN base GROUP BY a.rule, base.rate)
SELECT q.rule || ' on the scored presentation by hand: ' || k, got, want
FROM replay.scored_quality q JOIN hand h USING (rule)
CROSS JOIN LATERAL (VALUES ('alerts', q.alerts::text, h.alerts::text),
                           ('lift', round(q.lift::numeric, 10)::text, round(h.lift, 10)::text)) v(k, got, want);
-- the rules on the model's scale (rule_replay_evaluate) give the same lift and alerts as rule_replay
INSERT INTO checks
SELECT c.what || ': lift as rule_replay', round(c.lift::numeric, 10)::text, round(q.lift::numeric, 10)::text
FROM model.comparison c JOIN replay.scored_quality q ON c.ord = CASE WHEN q.rule = 'dip_events_60_14_3' THEN 2 ELSE 3 END
UNION ALL
SELECT c.what || ': alerts as rule_replay', c.alerts::text, q.alerts::text
FROM model.comparison c JOIN replay.scored_quality q ON c.ord = CASE WHEN q.rule = 'dip_events_60_14_3' THEN 2 ELSE 3 END;

-- the model: trained on the training presentations only, settings recomputed from the folds
INSERT INTO checks
SELECT 'model courses', array_to_string(courses, ' '), 'AAA/2013J BBB/2013B' FROM model.final
UNION ALL
SELECT 'model window ends before the scored start', (to_day < (SELECT start_date FROM replay.split WHERE role = 'scored'))::text,
       'true' FROM model.final
UNION ALL
SELECT 'CV folds and held-out presentations', count(*) || ' ' || string_agg(DISTINCT held_out, ' '), '12 AAA/2013J BBB/2013B'
FROM model.cv
UNION ALL
SELECT 'chosen model settings',
       (SELECT fs.feature_set || ' ' || m.lambda FROM model.final m JOIN model.feature_set fs ON fs.features = m.features),
       (SELECT feature_set || ' ' || lambda FROM model.cv GROUP BY feature_set, lambda ORDER BY avg(auc) DESC LIMIT 1)
UNION ALL SELECT 'chosen model settings, as documented',
       (SELECT fs.feature_set || ' ' || m.lambda FROM model.final m JOIN model.feature_set fs ON fs.features = m.features),
       'activity 10'
-- the scored learner-days are the registered days of the scored presentation, no more, no less
UNION ALL
SELECT 'scored learner-days not registered', count(*)::text, '0' FROM
  (SELECT learner, day FROM model.scored
   EXCEPT SELECT d.enrolment, p.start_date + d.day FROM replay.student_day d JOIN scored_pop p USING (enrolment)) x
UNION ALL
SELECT 'registered learner-days not scored', count(*)::text, '0' FROM
  (SELECT d.enrolment, p.start_date + d.day FROM replay.student_day d JOIN scored_pop p USING (enrolment)
   EXCEPT SELECT learner, day FROM model.scored) x
-- prediction_evaluate against scikit-learn on the same rows (labels computed from the population)
UNION ALL
SELECT 'model AUC against sklearn', round(auc::numeric, 9)::text, round(:'sk_auc'::numeric, 9)::text
FROM model.comparison WHERE ord = 1
UNION ALL
SELECT 'model Brier against sklearn', round(brier::numeric, 9)::text, round(:'sk_brier'::numeric, 9)::text
FROM model.comparison WHERE ord = 1
UNION ALL
SELECT 'model learner-days and positives', learner_days || ' ' || positive_days, :'sk_rows' || ' ' || :'sk_pos'
FROM model.comparison WHERE ord = 1;

-- the checked numbers of doc/oulad.md
INSERT INTO checks
SELECT q.rule || ' on the scored presentation: ' || k, v, w FROM replay.scored_quality q
JOIN (VALUES ('dip_events_60_14_3', 'alerts', '5801'), ('dip_events_60_14_3', 'lift', '0.96 (0.77-1.10)'),
             ('dip_events_60_14_3', 'recall_pct', '83.0'),
             ('dip_events_60_14_3', 'verdict', 'no better than chance: lift 0.96 (95% CI 0.77-1.10)'),
             ('inactive_21d', 'alerts', '496'), ('inactive_21d', 'lift', '1.39 (0.79-2.20)'),
             ('inactive_21d', 'recall_pct', '22.6'), ('inactive_21d', 'lead', '16.5')) x(rule, k, w) USING (rule)
CROSS JOIN LATERAL (VALUES ('alerts', q.alerts::text),
  ('lift', format('%s (%s-%s)', round(q.lift::numeric, 2), round(q.lift_low::numeric, 2), round(q.lift_high::numeric, 2))),
  ('recall_pct', round((100 * q.recall)::numeric, 1)::text), ('lead', q.lead_time_median::text),
  ('verdict', q.verdict)) v(k2, v)
WHERE v.k2 = x.k
UNION ALL
SELECT 'mean lift of ' || c.rule, round(c.mean_lift::numeric, 2)::text, x.w
FROM replay.rule_cv c JOIN (VALUES ('inactive_21d', '1.98'), ('dip_events_60_14_3', '0.85')) x(rule, w) USING (rule)
UNION ALL
SELECT 'CV mean AUC ' || feature_set || ' ' || lambda, round(avg(auc)::numeric, 3)::text,
       CASE feature_set || ' ' || lambda WHEN 'activity 10' THEN '0.666' WHEN 'activity 1' THEN '0.663'
            WHEN 'all 0.1' THEN '0.588' WHEN 'all 10' THEN '0.586' END
FROM model.cv GROUP BY feature_set, lambda HAVING feature_set || ' ' || lambda IN ('activity 10', 'activity 1', 'all 0.1', 'all 10')
UNION ALL
SELECT 'final model rows, positives, iterations', num_rows || ' ' || positives || ' ' || iterations, '62167 1710 7'
FROM model.final
UNION ALL
SELECT 'model on the scored presentation: ' || k, v, w FROM model.comparison c
CROSS JOIN LATERAL (VALUES
  ('auc', format('%s (%s-%s)', round(c.auc::numeric, 3), round(c.auc_low::numeric, 3), round(c.auc_high::numeric, 3)), '0.613 (0.543-0.682)'),
  ('brier', round(c.brier::numeric, 4)::text, '0.0182'),
  ('lift', format('%s (%s-%s)', round(c.lift::numeric, 2), round(c.lift_low::numeric, 2), round(c.lift_high::numeric, 2)), '2.94 (1.75-4.20)'),
  ('alerts, learners alerted', c.alerts || ' ' || c.alerted_learners, '702 140'),
  ('alert precision, recall %', round((100 * c.precision)::numeric, 1) || ' ' || round((100 * c.recall)::numeric, 1), '5.1 34.0'),
  ('median lead', c.lead_time_median::text, '18'),
  ('verdict', c.verdict, 'better than chance: lift 2.94 (95% CI 1.75-4.20)')) v(k, v, w)
WHERE c.ord = 1
UNION ALL
SELECT 'calibration, top decile', round(mean_predicted::numeric, 4) || ' ' || round(observed_rate::numeric, 4), '0.1159 0.0289'
FROM prediction_calibration('model.scored', 'replay.engine_outcome', 30, 10, '{withdrawn}') WHERE bin = 10
UNION ALL
SELECT 'bias: flagged groups of ' || what, count(*) || ' ' || count(*) FILTER (WHERE flagged),
       CASE ord WHEN 1 THEN '31 3' WHEN 2 THEN '31 0' ELSE '31 3' END
FROM model.bias GROUP BY ord, what
UNION ALL
SELECT 'bias: the model''s flagged groups', string_agg(attribute || '=' || "group", ', ' ORDER BY attribute, "group"),
       'gender=F, region=East Anglian Region, region=South Region'
FROM model.bias WHERE ord = 1 AND flagged;
DELETE FROM learning_source WHERE kind IN ('enrolment', 'assignment', 'assignment_submission');
DELETE FROM alert_rule WHERE name IN (SELECT rule FROM replay.grid);
DELETE FROM risk_model WHERE name IN ('oulad_cv', 'oulad_churn');
DROP SCHEMA model CASCADE;
DROP SCHEMA replay CASCADE;
DROP SCHEMA oulad CASCADE;
DELETE FROM learner_engagement;
\i :checks
SQL
}
la_t_check "engine rule replays on AAA/2013J against the hand computation" replays
la_t_check "the demo's temporal split: rules and model on the scored presentation" split
la_t_done
