--
-- What ships is what doc/alerts.md documents and the demo measures: the shipped engagement_dip rule
-- is the demo's default dip rule (events, 0.6 x the 14-day mean, 3 dip days: demo/replay.sql's
-- dip_events_60_14_3), and the rule the demo recommends (inactive 21 days) is deployable as a copy
-- of the shipped inactivity rule with one override.
--
\set SHOW_CONTEXT never
SELECT name, template, enabled, metric, threshold, baseline_days, window_days, fire_after, escalate_after,
       severity, escalated_severity, cooldown_days, ladder, ladder_after, reengage_days, description
FROM alert_rule WHERE name IN ('engagement_dip', 'inactivity') ORDER BY name;
-- the demo makes its default dip rule with these overrides: they change no parameter of the shipped rule
SELECT name FROM rule_copy('engagement_dip', 'dip_events_60_14_3', '{"metric": "events", "fire_after": 3}', false);
SELECT count(*) AS differing_parameters
FROM alert_rule s, alert_rule c,
     unnest(ARRAY['template', 'metric', 'threshold', 'baseline_days', 'window_days', 'fire_after', 'escalate_after',
                  'severity', 'escalated_severity', 'cooldown_days', 'ladder', 'ladder_after', 'reengage_days',
                  'course', 'cohort', 'tz', 'risk_weight', 'automated_before_human']) k
WHERE s.name = 'engagement_dip' AND c.name = 'dip_events_60_14_3' AND to_jsonb(s) -> k IS DISTINCT FROM to_jsonb(c) -> k;
-- deploying the demo's best rule: 21 days without activity, enabled, with the shipped ladder
SELECT name, template, enabled, window_days, fire_after, escalate_after, ladder, ladder_after, builtin
FROM rule_copy('inactivity', 'inactive_21d', '{"window_days": 21}');
-- the copy keeps the shipped description (7 days): say what it is (no new version: not a parameter)
UPDATE alert_rule SET description = 'no activity for 21 days: e-mail reminder, another e-mail at 24 days; coach outreach at 27 days'
WHERE name = 'inactive_21d' RETURNING name, version, description;
-- the same, firing a week later and scoped to one course
SELECT name, course, window_days, fire_after, escalate_after, ladder_after
FROM rule_copy('inactivity', 'inactive_21d_c1', '{"window_days": 21, "fire_after": 7, "course": "c1"}', false);
-- escalate_after >= fire_after is checked for the shipped rule as for any
UPDATE alert_rule SET escalate_after = 2 WHERE name = 'engagement_dip';
DELETE FROM alert_rule WHERE name IN ('dip_events_60_14_3', 'inactive_21d', 'inactive_21d_c1');
