#!/usr/bin/env bash
# Benchmark: the charts and the HTML report (doc/reports.md) against reading the views they draw,
# in the same run. Not a test: nothing asserts a time.
#   bash test/bench/reports.sh [learners]          (default: 20000)
#
# Data (the shape of test/browser/dataset.sql, scaled): `learners` learners in courses c1..c4,
# cohorts a and b (a starts 2026-01-05, b two weeks later), a third of them stopping after 12..47
# days and leaving 10 days later; 116 days of events, one to four a day on three days in four, over
# eight activities (the rollup `bench` has the activity column: the heatmap); four modules of
# progress; an alert with a nudge for 5% of the learners (a fifth of them waiting for a coach, two
# coaches); a program with an ROI summary over c1. No risk model (the forecast parts say so).
#
# Timed, best of LA_BENCH_RUNS (default 3) fresh sessions each:
#   views_read      what report_html reads, as one plain query counting the rows of the views it
#                   reads: weekly_executive_metrics,
#                   cohort_dropout_funnel, coach_queue and learner_risk_state of c1, coach_load,
#                   alert_effectiveness, weekly_alert_operations, engagement_heatmap of c1,
#                   quality_status, program (the baseline)
#   report_html     report_html('c1', from, to), both tiers (the whole document)
#   each chart      chart_weekly_trend, chart_dropout_funnel, chart_alert_operations,
#                   chart_engagement_heatmap, chart_program_roi, chart_learner_timeline (one learner)
#   state / state+sparkline
#                   learner_engagement_state over every learner, without and with activity_28d
# Then prints each time and its ratio to views_read. Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
n=${1:-20000}
runs=${LA_BENCH_RUNS:-3}

LA_DB=learnalytics_bench
source "$here/lib.sh"
bench_setup
mkdir -p "$here/results"
out="$here/results/reports-$(date -u +%Y%m%dT%H%M%SZ).md"

echo "== generating $n learners =="
t0=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 -v n="$n" <<'SQL'
SET search_path = public, learnalytics;
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE TABLE b_learner AS
SELECT 'l' || i AS learner, 'c' || (1 + i % 4) AS course, CASE WHEN i % 8 < 4 THEN 'a' ELSE 'b' END AS cohort,
       CASE WHEN i % 8 < 4 THEN date '2026-01-05' ELSE date '2026-01-19' END AS start_day,
       CASE WHEN abs(hashtext('s' || i)) % 3 = 0 THEN 12 + abs(hashtext('t' || i)) % 36 END AS stop_after
FROM generate_series(1, :n) i;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT learner, course, cohort, (start_day + time '09:00') AT TIME ZONE 'UTC',
       CASE WHEN stop_after IS NOT NULL THEN (start_day + stop_after + 10 + time '12:00') AT TIME ZONE 'UTC' END
FROM b_learner;
CREATE TABLE b_events (learner text, ts timestamptz, course text, activity text, clicks integer);
INSERT INTO b_events
SELECT l.learner, (l.start_day + d + time '10:00') AT TIME ZONE 'UTC' + k * interval '47 minutes', l.course,
       (ARRAY['video', 'quiz', 'forum', 'reading', 'lab', 'assignment', 'wiki', 'glossary'])[1 + abs(hashtext(l.learner || d || k)) % 8],
       1 + abs(hashtext(l.learner || k || d)) % 4
FROM b_learner l, generate_series(0, 115) d, generate_series(0, 3) k
WHERE (l.stop_after IS NULL OR d < l.stop_after)
  AND abs(hashtext(l.learner || d)) % 4 <> 0
  AND k <= abs(hashtext(l.learner || d || 'k')) % 4;
CREATE INDEX ON b_events (learner, ts);
SELECT engagement_refresh('b_events', 'learner', 'ts', 'clicks') > 0;
SELECT rollup_create('bench', 'b_events', learner_column => 'learner', ts_column => 'ts',
                     weight_column => 'clicks', course_column => 'course', activity_column => 'activity');
INSERT INTO module_progress (course, learner, module, started_at, progress, last_activity_at)
SELECT l.course, l.learner, 'm' || m, (l.start_day + (m - 1) * 14 + time '10:00') AT TIME ZONE 'UTC',
       least(1, greatest(0.1, round((coalesce(l.stop_after, 116) - (m - 1) * 14) / 14.0, 2))),
       (l.start_day + least(coalesce(l.stop_after, 116), m * 14) + time '10:00') AT TIME ZONE 'UTC'
FROM b_learner l, generate_series(1, 4) m
WHERE coalesce(l.stop_after, 116) > (m - 1) * 14;
CREATE TABLE b_alerted AS
SELECT learner, course, start_day + coalesce(stop_after, 60) - 3 AS opened, row_number() OVER (ORDER BY learner) AS n
FROM b_learner WHERE abs(hashtext('a' || learner)) % 20 = 0;
INSERT INTO alert (rule_name, rule_version, family, template, learner, course, status, severity, opened_on,
                   evaluated_on, value, baseline, ratio, persisted, risk_score)
SELECT 'engagement_dip', 1, 'engagement', 'engagement_dip', learner, course,
       CASE WHEN n % 5 = 0 THEN 'coach_required' ELSE 'open' END,
       (ARRAY['critical', 'high', 'medium', 'low'])[1 + n % 4], opened, opened + 3, 0, 2.5, 0, 3, 1 + n % 9
FROM b_alerted;
INSERT INTO alert_contact (alert_id, step, channel, kind, contacted_on, outcome, outcome_on)
SELECT a.id, 1, 'in_app_nudge', 'automated', a.opened_on,
       (ARRAY['not_re_engaged', 'no_response', 're_engaged', 'withdrew'])[1 + a.id % 4], a.opened_on + 2
FROM alert a;
INSERT INTO coach (name, capacity) VALUES ('ada', 30), ('bo', 20);
INSERT INTO program (name, courses, roi, roi_as_of)
SELECT 'onboarding', ARRAY['c1'], la_roi_agg(kind, label, amount, iso, conf, 'EUR'), '2026-03-31'
FROM (VALUES ('benefit', 'fewer defects', 40000::numeric, 0.8::numeric, 0.9::numeric),
             ('cost', 'delivery', 15000, NULL, NULL), ('cost', 'platform_licences', 5000, NULL, NULL)) v(kind, label, amount, iso, conf);
VACUUM ANALYZE;
SQL
echo "   $(( $(date +%s) - t0 )) s; events: $(psql -X -At -c 'SELECT count(*) FROM b_events'), alerts: $(psql -X -At -c 'SELECT count(*) FROM learnalytics.alert')"

from=2026-01-05; to=2026-04-30
echo "== timing (best of $runs) =="
time_query views_read sql "
SELECT (SELECT count(*) FROM weekly_executive_metrics WHERE course = 'c1')
     + (SELECT count(*) FROM cohort_dropout_funnel WHERE course = 'c1')
     + (SELECT count(*) FROM coach_queue WHERE course = 'c1')
     + (SELECT count(*) FROM learner_risk_state WHERE course = 'c1')
     + (SELECT count(*) FROM coach_load)
     + (SELECT count(*) FROM alert_effectiveness)
     + (SELECT count(*) FROM weekly_alert_operations)
     + (SELECT count(*) FROM engagement_heatmap WHERE course = 'c1')
     + (SELECT count(*) FROM quality_status)
     + (SELECT count(*) FROM program WHERE 'c1' = ANY (courses)) AS rows_read;"
time_query report_html sql "SELECT length(report_html('c1', '$from', '$to'));"
time_query chart_weekly_trend sql "SELECT length(chart_weekly_trend('c1'));"
time_query chart_dropout_funnel sql "SELECT length(chart_dropout_funnel('c1', 'a', 'b'));"
time_query chart_alert_operations sql "SELECT length(chart_alert_operations());"
time_query chart_engagement_heatmap sql "SELECT length(chart_engagement_heatmap('c1'));"
time_query chart_program_roi sql "SELECT length(chart_program_roi('onboarding'));"
time_query chart_learner_timeline sql "SELECT length(chart_learner_timeline('l8', '$from', '$to'));"
time_query state sql "SELECT count(*), sum(events) FROM learner_engagement_state;"
time_query state+sparkline sql "SELECT count(*), sum(events), sum(length(activity_28d)) FROM learner_engagement_state;"

{
  echo "# reports benchmark, $n learners, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| query | ms | ratio to views_read |"
  echo "|---|---|---|"
  base=$(awk -F'\t' '$1 == "views_read" {print $2}' "$LA_WORK/times")
  awk -F'\t' -v b="$base" '{ printf "| %s | %.1f | %.2f |\n", $1, $2, $2 / b }' "$LA_WORK/times"
} | tee "$out"
