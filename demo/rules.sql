-- Rules on the temporal split (included by demo/demo.sql after demo/replay.sql): the grid of rule
-- settings is replayed on the TRAINING presentations only, one setting is chosen there (leave one
-- presentation out), and the scored presentation is replayed once, for the chosen setting and the
-- shipped default, with intervals. Every figure comes from the engine's rule_replay().

SELECT presentation AS scored FROM replay.split WHERE role = 'scored' \gset
SELECT string_agg(presentation, ', ' ORDER BY start_date) AS training,
       count(*) AS training_count FROM replay.split WHERE role = 'training' \gset

\echo
\echo '== 6. rule settings, chosen on the training presentations:' :training '=='
\echo 'The temporal split: the scored presentation' :scored 'is the complete presentation that starts last; the'
\echo 'training presentations are the complete ones that ended before it started. Nothing here looks at' :scored
\echo 'dip T%/Bd/Pd: events below T% of the B-day mean for P days in a row (rule dip_events_T_B_P, a copy of'
\echo 'engagement_dip); inactive Nd: N days without a click (rule inactive_Nd, a copy of inactivity). Each cell is'
\echo 'rule_replay(rule, from, to, outcomes => ''replay.engine_outcome'', horizon_days => 30, overrides => {"course": ...})'
\echo 'over one training presentation.'
CREATE TABLE replay.quality AS
SELECT g.rule, g.label, s.presentation, q.alerts, q.learners_enrolled, q.touched_share, q.dropouts, q.dropouts_alerted,
       q.precision, q.recall, q.lead_time_median, q.alert_dropout_rate, q.base_dropout_rate, q.lift,
       q.lift_low, q.lift_high, q.verdict
FROM replay.grid g CROSS JOIN replay.scope s JOIN replay.split USING (presentation)
CROSS JOIN LATERAL rule_replay(g.rule, s.from_day, s.to_day, outcomes => 'replay.engine_outcome', horizon_days => 30,
                               overrides => s.overrides, learner_column => 'learner', outcome_column => 'outcome',
                               time_column => 'outcome_day', dropout_values => '{withdrawn}') q
WHERE split.role = 'training';
\echo 'Definitions (the engine''s, doc/alerts.md): precision = alerted learners who withdrew within 30 days of an alert;'
\echo 'recall = withdrawals with an alert in the 30 days before; lead = days from the first of those alerts to'
\echo 'unregistration (median); lift = P(unregistered within 30 days | alert) / P(same | any learner-day at risk).'
\echo 'Selection criterion: the highest mean lift over the training presentations among the settings whose mean'
\echo 'recall is at least 25% (a rule that catches almost nobody is not a rule a team can use).'
CREATE TABLE replay.rule_cv AS
SELECT rule, label, avg(lift) AS mean_lift, avg(recall) AS mean_recall,
       jsonb_object_agg(presentation, jsonb_build_object('lift', lift, 'recall', recall, 'alerts', alerts)) AS per_presentation
FROM replay.quality GROUP BY rule, label;
SELECT c.label AS rule,
       string_agg(format('%s: %s alerts, recall %s%%, lift %s (%s-%s)', q.presentation, q.alerts,
                         round((100 * q.recall)::numeric, 1), round(q.lift::numeric, 2), round(q.lift_low::numeric, 2),
                         round(q.lift_high::numeric, 2)), ' | ' ORDER BY q.presentation)
         AS per_training_presentation,
       round((100 * c.mean_recall)::numeric, 1) AS mean_recall_pct, round(c.mean_lift::numeric, 2) AS mean_lift
FROM replay.rule_cv c JOIN replay.quality q USING (rule)
GROUP BY c.rule, c.label, c.mean_lift, c.mean_recall
ORDER BY c.mean_lift DESC, c.label;

\echo 'Leave one presentation out: the criterion applied to one training presentation picks a setting; the other'
\echo 'training presentation measures it (the held-out lift says how well choosing settings this way travels).'
SELECT pick.presentation AS chosen_on, pick.label AS picked, round(pick.lift::numeric, 2) AS lift_where_chosen,
       held.presentation AS measured_on, round(held.lift::numeric, 2) AS held_out_lift,
       round((100 * held.recall)::numeric, 1) AS held_out_recall_pct
FROM (SELECT DISTINCT ON (presentation) * FROM replay.quality WHERE recall >= 0.25
      ORDER BY presentation, lift DESC, label) pick
JOIN replay.quality held ON held.rule = pick.rule AND held.presentation <> pick.presentation
ORDER BY 1, 4;

SELECT rule AS best_rule, label AS best_rule_label FROM replay.rule_cv WHERE mean_recall >= 0.25
ORDER BY mean_lift DESC, label LIMIT 1 \gset
\echo 'Chosen on the training presentations:' :best_rule_label '= rule' :best_rule

\echo
\echo '== 7. the scored presentation' :scored 'once: the shipped default rule and the chosen rule =='
\echo 'default: dip 60%/14d/3d (dip_events_60_14_3 = the shipped engagement_dip: events, 60% of the 14-day mean,'
\echo 'fires after 3 days); chosen:' :best_rule_label '| lift: 95% interval in brackets (bootstrap by learner).'
CREATE TABLE replay.scored_quality AS
SELECT g.rule, g.label, s.presentation, q.alerts, q.learners_enrolled, q.touched_share, q.dropouts, q.dropouts_alerted,
       q.precision, q.recall, q.lead_time_median, q.alert_dropout_rate, q.base_dropout_rate, q.lift,
       q.lift_low, q.lift_high, q.verdict
FROM replay.grid g CROSS JOIN replay.scope s
CROSS JOIN LATERAL rule_replay(g.rule, s.from_day, s.to_day, outcomes => 'replay.engine_outcome', horizon_days => 30,
                               overrides => s.overrides, learner_column => 'learner', outcome_column => 'outcome',
                               time_column => 'outcome_day', dropout_values => '{withdrawn}') q
WHERE g.rule IN ('dip_events_60_14_3', :'best_rule') AND s.presentation = :'scored';
SELECT label AS rule, learners_enrolled AS learners, dropouts AS withdrawals, alerts,
       round((100 * touched_share)::numeric, 1) AS alerted_pct,
       round((100 * precision)::numeric, 1) AS precision_pct, round((100 * recall)::numeric, 1) AS recall_pct,
       lead_time_median AS lead_days, round((100 * base_dropout_rate)::numeric, 2) AS base_wd30_pct,
       format('%s (%s-%s)', round(lift::numeric, 2), round(lift_low::numeric, 2), round(lift_high::numeric, 2)) AS lift_95ci
FROM replay.scored_quality ORDER BY rule = 'dip_events_60_14_3' DESC, rule;
SELECT label AS rule, verdict FROM replay.scored_quality ORDER BY rule = 'dip_events_60_14_3' DESC, rule;
