#!/usr/bin/env bash
# The charts and the HTML report as a person sees them: rendered from a small data set
# (test/browser/dataset.sql, a database of its own), opened in headless Chromium (Debian's, driven
# by playwright-core: test/lib/browser.sh installs both, test/browser/check_pages.mjs checks), and
# checked from the DOM against the views (doc/reports.md, "What the browser test checks").
#
# Every public chart_* function (the script fails when one has no page here) and report_html (both
# tiers, each tier alone, as an admin and as a manager who sees only cohort a of c1, and a course
# without data), plus edge inputs: empty, one point, all zero, huge and negative values. Each page is
# written to test/output/ (gitignored) with a PNG screenshot; the expected values of the marks are
# the rows of the view the chart reads, written as JSON by psql as the same role.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/browser.sh"

out=$LA_SRC/test/output
mkdir -p "$out"
reason_file=$(mktemp); la_t_cleanup_add rm -f "$reason_file"
la_browser_setup >"$reason_file"; rc=$?
[ $rc -eq 0 ] || la_t_skip "$(tail -n 1 "$reason_file")"

db=la_reports_browser
drop_db() {
  psql -X -q -d "$LA_DB" -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS br_manager, br_analyst" >/dev/null 2>&1
}
drop_db
la_t_cleanup_add drop_db
psql -X -q -v ON_ERROR_STOP=1 -d "$LA_DB" -c "CREATE DATABASE $db" || exit 1
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
q -c "CREATE SCHEMA learnalytics; CREATE EXTENSION learnalytics SCHEMA learnalytics;" || exit 1
q -f "$LA_SRC/test/browser/dataset.sql" >/dev/null || { echo "the data set did not load"; exit 1; }

rm -f "$out"/*.svg "$out"/*.html "$out"/*.png "$out"/*.json "$out"/*.err "$out"/manifest.tsv
render_failures=()
rendered_functions=()

# page NAME ROLE EXT SQL [SOURCE_NAME SOURCE_QUERY]...
# Renders SQL (one text value) as ROLE (postgres: the superuser; else SET ROLE) into NAME.EXT, and
# writes each source's rows as JSON (NAME.SOURCE_NAME.json), as the same role. SOURCE_NAME may carry
# the default value column and absent0 (test/browser/check_pages.mjs, "Matching a mark").
page() {
  local name=$1 role=$2 ext=$3 sql=$4; shift 4
  local set_role=""
  [ "$role" = postgres ] || set_role="SET ROLE $role;"
  local fn
  fn=$(grep -o 'chart_[a-z_]*\|report_html' <<<"$sql" | head -n 1)
  rendered_functions+=("$fn")
  local err
  if ! err=$(printf '%s\nSET search_path = learnalytics, public;\n\\pset format unaligned\n\\pset tuples_only on\n%s\n' \
               "$set_role" "$sql" | q -o "$out/$name.$ext" 2>&1 >/dev/null); then
    render_failures+=("$name: $sql: $err")
    rm -f "$out/$name.$ext"
    return
  fi
  local line="$name"$'\t'"$name.$ext"$'\t'"$ext"
  while [ $# -ge 2 ]; do
    local base=${1%%:*}   # NAME[:DEFAULT_VALUE_COLUMN[:absent0]] (check_pages.mjs)
    if printf '%s\nSET search_path = learnalytics, public;\nSELECT public.br_rows(:%s);\n' "$set_role" "'src'" \
         | q -v src="$2" >"$out/$name.$base.json" 2>"$out/$name.$base.err"; then
      rm -f "$out/$name.$base.err"
    else
      rm -f "$out/$name.$base.json"   # the driver reports the source as failed
    fi
    line+=$'\t'"$1=$name.$base.json"
    shift 2
  done
  printf '%s\n' "$line" >>"$out/manifest.tsv"
}

# ---- the charts over views --------------------------------------------------------------------
# the learner timeline: the first alerted learner (a critical coach case, a nudge and a call), and one
# without any data
alerted=$(q -c "SELECT learner FROM br_alerted WHERE n = 1")
# the daily series: the summary's days, the baseline and the dip persistence under the engagement_dip
# rule (its metric and baseline_days), as the engine's own functions give them
daily_src="SELECT d.day, d.events, d.sessions, d.weight, b.mean AS baseline_mean, b.stddev AS baseline_stddev,
                  b.median AS baseline_median, b.mad AS baseline_mad,
                  dip_persistence(s.summary, d.day, r.threshold, r.baseline_days, r.metric) AS dip_days
           FROM learnalytics_internal.learner_summary s CROSS JOIN alert_rule r,
                daily_activity(s.summary, %s, %s) d,
                engagement_baseline(s.summary, d.day, r.baseline_days, r.metric) b
           WHERE s.learner = '%s' AND r.name = 'engagement_dip'"
for who in "$alerted" nobody; do
  page "timeline_$who" postgres svg \
    "SELECT chart_learner_timeline('$who', '2026-01-05', '2026-03-29', 'c1')" \
    daily "$(printf "$daily_src" "'2026-01-05'" "'2026-03-29'" "$who")" \
    alerts:severity "SELECT id AS alert, rule_name AS rule, opened_on, closed_on, severity, status, risk_score
                     FROM alert WHERE learner = '$who' AND course = 'c1'" \
    contacts:outcome "SELECT c.id AS contact, c.alert_id AS alert, c.contacted_on, c.step, c.kind, c.channel, c.outcome
                      FROM alert_contact c JOIN alert a ON a.id = c.alert_id WHERE a.learner = '$who' AND a.course = 'c1'"
done
page timeline_one_day postgres svg "SELECT chart_learner_timeline('$alerted', '2026-01-20', '2026-01-20')" \
  daily "$(printf "$daily_src" "'2026-01-20'" "'2026-01-20'" "$alerted")"

heat_src="SELECT course, activity, week, events, weight, share_pct, rank_in_week FROM engagement_heatmap
          WHERE rollup = 'br_rollup' AND course = %s AND week BETWEEN '2026-01-05' AND '2026-04-27'"
page heatmap postgres svg "SELECT chart_engagement_heatmap('c1', 'br_rollup', '2026-01-05', '2026-04-27')" \
  engagement_heatmap:events "$(printf "$heat_src" "'c1'")"
page heatmap_manager br_manager svg "SELECT chart_engagement_heatmap('c1', 'br_rollup', '2026-01-05', '2026-04-27')" \
  engagement_heatmap:events "$(printf "$heat_src" "'c1'")"
page heatmap_empty postgres svg "SELECT chart_engagement_heatmap('nope', 'br_rollup', '2026-01-05', '2026-04-27')" \
  engagement_heatmap:events "$(printf "$heat_src" "'nope'")"
# three rows: the two activities with the most events in the period, and "other" (the rest summed)
page heatmap_top3 postgres svg "SELECT chart_engagement_heatmap('c1', 'br_rollup', '2026-01-05', '2026-01-26', max_activities => 3)" \
  engagement_heatmap:events "WITH h AS ($(printf "$heat_src" "'c1'") AND week <= '2026-01-26'),
                             top AS (SELECT activity FROM h GROUP BY activity ORDER BY sum(events) DESC, activity LIMIT 2)
                             SELECT activity, week, events, NULL AS other FROM h WHERE activity IN (SELECT activity FROM top)
                             UNION ALL
                             SELECT NULL, week, sum(events), count(DISTINCT activity)::text FROM h
                             WHERE activity NOT IN (SELECT activity FROM top) GROUP BY week"

funnel_src="SELECT * FROM cohort_dropout_funnel WHERE course = 'c1'"
page dropout_funnel postgres svg "SELECT chart_dropout_funnel('c1', 'a', 'b')" cohort_dropout_funnel "$funnel_src"
page dropout_funnel_manager br_manager svg "SELECT chart_dropout_funnel('c1', 'a', 'b')" \
  cohort_dropout_funnel::absent0 "$funnel_src"
page dropout_funnel_courses postgres svg "SELECT chart_dropout_funnel('c1', 'a', 'a', 'c2')" \
  cohort_dropout_funnel "SELECT * FROM cohort_dropout_funnel WHERE course IN ('c1', 'c2') AND cohort = 'a'"
page dropout_funnel_empty postgres svg "SELECT chart_dropout_funnel('c1', 'nope')" \
  cohort_dropout_funnel "SELECT * FROM cohort_dropout_funnel WHERE course = 'c1' AND cohort = 'nope'"

trend_src="SELECT * FROM weekly_executive_metrics WHERE course = %s AND week BETWEEN '2026-01-05' AND '2026-04-27'"
page weekly_trend postgres svg "SELECT chart_weekly_trend('c1', '2026-01-05', '2026-04-27')" \
  weekly_executive_metrics "$(printf "$trend_src" "'c1'")"
page weekly_trend_manager br_manager svg "SELECT chart_weekly_trend('c1', '2026-01-05', '2026-04-27')" \
  weekly_executive_metrics "$(printf "$trend_src" "'c1'")"
page weekly_trend_one_week postgres svg "SELECT chart_weekly_trend('c1', '2026-02-02', '2026-02-02')" \
  weekly_executive_metrics "SELECT * FROM weekly_executive_metrics WHERE course = 'c1' AND week = '2026-02-02'"
page weekly_trend_empty postgres svg "SELECT chart_weekly_trend('nope', '2026-01-05', '2026-04-27')" \
  weekly_executive_metrics "$(printf "$trend_src" "'nope'")"

# risk_forecast's columns under the series names of chart_forecast
fc_src="SELECT week, expected_withdrawals AS forecast, expected_low AS forecast_low, expected_high AS forecast_high,
               actual_withdrawals AS actual, learners
        FROM risk_forecast('churn', '2026-01-05', %s, %s, outcomes => %s)"
page withdrawal_forecast postgres svg \
  "SELECT chart_withdrawal_forecast('churn', 'c1', '2026-01-05', '2026-03-30', 'br_outcomes')" \
  risk_forecast "$(printf "$fc_src" "'2026-03-30'" "'c1'" "'br_outcomes'")"
page withdrawal_forecast_no_outcomes postgres svg \
  "SELECT chart_withdrawal_forecast('churn', 'c2', '2026-01-05', '2026-02-23')" \
  risk_forecast "$(printf "$fc_src" "'2026-02-23'" "'c2'" NULL)"

ops_src="SELECT * FROM weekly_alert_operations WHERE week BETWEEN %s AND %s"
page alert_operations postgres svg "SELECT chart_alert_operations('2026-01-05', '2026-04-27')" \
  weekly_alert_operations "$(printf "$ops_src" "'2026-01-05'" "'2026-04-27'")" \
  coach_load "SELECT * FROM coach_load" \
  capacity "SELECT max(coach_capacity) AS coach_capacity FROM weekly_alert_operations
            WHERE week BETWEEN '2026-01-05' AND '2026-04-27'"
page alert_operations_manager br_manager svg "SELECT chart_alert_operations('2026-01-05', '2026-04-27')" \
  weekly_alert_operations "$(printf "$ops_src" "'2026-01-05'" "'2026-04-27'")" \
  coach_load "SELECT * FROM coach_load" \
  capacity "SELECT max(coach_capacity) AS coach_capacity FROM weekly_alert_operations
            WHERE week BETWEEN '2026-01-05' AND '2026-04-27'"
page alert_operations_empty postgres svg "SELECT chart_alert_operations('2020-01-06', '2020-02-24')" \
  weekly_alert_operations "$(printf "$ops_src" "'2020-01-06'" "'2020-02-24'")"

# ROI: the summary's figures (bare keys), each source's adjusted benefits, the costs by category
roi_sources() {   # SQL of the sources' names (text[]) and summaries (roi_summary[])
  local names=$1 sums=$2 merged="(SELECT la_merge_agg(r) FROM unnest($2) r)"
  printf '%s\0' summary "SELECT net_benefits(m) AS net, net_benefits(m), adjusted_benefits(m), total_costs(m),
                             roi_percent(m), benefit_cost_ratio(m), payback_months(m)
                      FROM (SELECT $merged AS m) x WHERE m IS NOT NULL" \
    benefits:value "SELECT s AS source, adjusted_benefits(r) AS value FROM unnest($names, $sums) u(s, r)" \
    costs:value "SELECT b.category AS cost, b.amount AS value FROM cost_breakdown($merged) b"
}
for prog in onboarding quality; do
  mapfile -d '' -t srcs < <(roi_sources "ARRAY['$prog']" "ARRAY(SELECT roi FROM program WHERE name = '$prog')")
  page "program_roi_$prog" postgres svg "SELECT chart_program_roi('$prog')" "${srcs[@]}"
done

# ---- the generic charts, with edge inputs --------------------------------------------------------
funnel() {   # name, stages, counts_a, counts_b or NULL
  page "funnel_$1" postgres svg \
    "SELECT chart_funnel('learners by stage', $2, 'before', $3, $( [ "$4" = NULL ] && echo NULL || echo "'after'"), $4)" \
    input "SELECT s AS stage, 'a' AS series, a::text AS value FROM unnest($2, $3) u(s, a)
           UNION ALL SELECT s, 'b', b::text FROM unnest($2, $4::bigint[]) u(s, b) WHERE $4::bigint[] IS NOT NULL"
}
funnel two "'{enrolled,started,reached 20%,reached 50%,completed}'::text[]" "'{48,48,41,28,20}'::bigint[]" "'{50,49,45,35,30}'::bigint[]"
funnel one "'{enrolled,started,completed}'::text[]" "'{48,40,20}'::bigint[]" NULL
funnel empty "'{}'::text[]" "'{}'::bigint[]" NULL
funnel one_stage "'{enrolled}'::text[]" "'{7}'::bigint[]" NULL
funnel zero "'{enrolled,started,completed}'::text[]" "'{0,0,0}'::bigint[]" "'{0,0,0}'::bigint[]"
funnel huge "'{enrolled,started,completed}'::text[]" "'{9000000000000,4500000000000,1200000000}'::bigint[]" NULL
funnel long_labels "ARRAY['a stage with a very long name that cannot fit under its bar at all', 'started', 'done']" \
  "'{10,5,2}'::bigint[]" NULL

forecast() {   # name, weeks, actual, forecast, low, high, [unit]
  page "forecast_$1" postgres svg \
    "SELECT chart_forecast('withdrawals per week', $2, $3, $4, $5, $6, 'withdrawals', ${7:-NULL})" \
    input "SELECT w AS week, s AS series, v::text AS value
           FROM unnest($2, $3, $4, $5, $6) u(w, a, f, l, h),
                LATERAL (VALUES ('actual', a), ('forecast', f), ('forecast_low', l), ('forecast_high', h)) x(s, v)"
}
w8="ARRAY(SELECT d::date FROM generate_series(date '2026-01-05', '2026-02-23', '7 days') d)"
forecast eight "$w8" "'{3,5,4,6,NULL,NULL,NULL,NULL}'::float8[]" "'{NULL,NULL,NULL,6,6.5,7.25,7,8}'::float8[]" \
  "'{NULL,NULL,NULL,6,4.5,5,4.75,5}'::float8[]" "'{NULL,NULL,NULL,6,8.5,9.5,9.25,11}'::float8[]"
forecast empty "'{}'::date[]" "'{}'::float8[]" "'{}'::float8[]" "'{}'::float8[]" "'{}'::float8[]"
forecast one_point "'{2026-01-05}'::date[]" "'{4}'::float8[]" "'{NULL}'::float8[]" "'{NULL}'::float8[]" "'{NULL}'::float8[]"
forecast zero "$w8" "'{0,0,0,0,0,0,0,0}'::float8[]" "'{0,0,0,0,0,0,0,0}'::float8[]" "'{0,0,0,0,0,0,0,0}'::float8[]" \
  "'{0,0,0,0,0,0,0,0}'::float8[]"
forecast huge "$w8" "'{1.2e9,3.4e9,2.2e9,5e9,NULL,NULL,NULL,NULL}'::float8[]" "'{NULL,NULL,NULL,5e9,5.5e9,6e9,6.5e9,7e9}'::float8[]" \
  "'{NULL,NULL,NULL,5e9,4e9,4e9,4e9,4e9}'::float8[]" "'{NULL,NULL,NULL,5e9,7e9,8e9,9e9,9.9e9}'::float8[]" "'EUR'"
forecast negative "$w8" "'{-3,-1.5,0,2,NULL,NULL,NULL,NULL}'::float8[]" "'{NULL,NULL,NULL,2,1,-1,-2,-4}'::float8[]" \
  "'{NULL,NULL,NULL,2,-1,-4,-6,-9}'::float8[]" "'{NULL,NULL,NULL,2,3,2,2,1}'::float8[]"

roi() {   # name, sources, summaries (SQL arrays)
  local srcs
  mapfile -d '' -t srcs < <(roi_sources "$2" "$3")
  page "roi_$1" postgres svg "SELECT chart_roi('ROI of the programs', $2, $3)" "${srcs[@]}"
}
roi two "ARRAY['onboarding', 'quality']" "ARRAY(SELECT roi FROM program ORDER BY name)"
roi negative "ARRAY['quality']" "ARRAY(SELECT roi FROM program WHERE name = 'quality')"
roi empty "'{}'::text[]" "'{}'::roi_summary[]"
roi zero "ARRAY['nothing']" "ARRAY[(SELECT la_roi_agg(k, l, a, i, i, 'EUR') FROM (VALUES ('benefit', 'rework', 0::numeric, 1::numeric), ('cost', 'delivery', 0, NULL)) v(k, l, a, i))]"
roi huge "ARRAY['big']" "ARRAY[(SELECT la_roi_agg(k, l, a, i, i, 'EUR') FROM (VALUES ('benefit', 'rework', 987654321098.76::numeric, 1::numeric), ('cost', 'delivery', 123456789012.34, NULL)) v(k, l, a, i))]"

# ---- the report ----------------------------------------------------------------------------------
for tier in both executive operations; do
  page "report_$tier" postgres html "SELECT report_html('c1', '2026-01-05', '2026-04-27', '$tier')"
done
page report_manager br_manager html "SELECT report_html('c1', '2026-01-05', '2026-04-27')"
page report_analyst br_analyst html "SELECT report_html('c1', '2026-01-05', '2026-04-27')"
page report_empty postgres html "SELECT report_html('nope', '2026-01-05', '2026-04-27')"

# ---- checks --------------------------------------------------------------------------------------
every_chart() {
  local missing
  missing=$(comm -23 <(q -c "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                              WHERE n.nspname = 'learnalytics' AND p.proname LIKE 'chart\_%' ORDER BY 1" | sort -u) \
                     <(printf '%s\n' "${rendered_functions[@]}" | sort -u))
  [ -z "$missing" ] || { echo "public chart functions the test does not render: $missing"; return 1; }
}
la_t_check "every public chart_* function and report_html is rendered" every_chart

renders() {
  [ ${#render_failures[@]} -eq 0 ] && return 0
  printf 'render failed: %s\n' "${render_failures[@]}"; return 1
}
la_t_check "every page renders without an error" renders

# The checks must be able to fail: a chart with every defect they look for.
canary() {
  local dir
  dir=$(mktemp -d); la_t_cleanup_add rm -rf "$dir"
  cat >"$dir/bad.svg" <<'SVG'
<svg xmlns="http://www.w3.org/2000/svg" class="la-chart" data-chart="canary" viewBox="0 0 200 100" width="200" height="100"><desc>d</desc><title>t</title><text class="chart-title" x="5" y="15">canary</text><text class="axis-label" x="150" y="50">a label running out</text><rect class="mark" data-key="week=2026-01-05;series=v" data-value="3" x="20" y="20" width="5" height="5"/><rect class="mark" data-key="week=2026-01-12;series=v" data-value="7" x="30" y="20" width="5" height="5"><title>7</title></rect><script>console.error('canary error')</script></svg>
SVG
  printf '[{"week": "2026-01-05", "v": "4"}, {"week": "2026-01-12", "v": "7.0"}]' >"$dir/bad.src.json"
  printf 'bad\tbad.svg\tsvg\tsrc=bad.src.json\n' >"$dir/manifest.tsv"
  local log rc
  log=$(cd "$LA_BROWSER_DIR" && node check_pages.mjs "$dir" 2>&1); rc=$?
  [ $rc -eq 1 ] || { printf '%s\n' "$log"; echo "the driver exited $rc, not 1"; return 1; }
  local want
  for want in 'first child is <desc>, not <title>' '.axis-label: ["a label running out"]' \
              'text "a label running out" (class axis-label)' 'data-key="week=2026-01-05;series=v"> has no <title>' \
              'mark week=2026-01-05;series=v: data-value 3, src.v says 4' 'console: canary error' \
              'external or script: <script>' 'browser: '; do
    grep -qF -- "$want" <<<"$log" || { printf '%s\n' "$log"; echo "the driver did not report: $want"; return 1; }
  done
  # 7 and 7.0 are the same number: that mark passes
  ! grep -qF 'week=2026-01-12' <<<"$log" || { echo "the driver reported the equal mark"; return 1; }
}
la_t_check "the browser checks report a broken chart (canary)" canary

la_t_check "in Chromium: structure, geometry, console, marks = views (test/browser/check_pages.mjs)" \
  bash -c 'cd "$LA_BROWSER_DIR" && node check_pages.mjs "$1"' _ "$out"

nums() {
  local f name role bad=0 res
  for f in "$out"/report_*.nums.json; do
    [ -e "$f" ] || { echo "no report numbers were extracted"; return 1; }
    name=$(basename "$f" .nums.json)
    case $name in report_manager) role=br_manager ;; report_analyst) role=br_analyst ;; *) role=postgres ;; esac
    res=$(printf 'SET ROLE %s;\nSET search_path = learnalytics, public;\nSELECT public.br_check_nums(:%s);\n' "$role" "'nums'" \
          | q -v nums="$(cat "$f")") || { echo "$name: the check failed"; bad=1; continue; }
    if [ -n "$res" ]; then bad=1; sed "s/^/$name: /" <<<"$res" | head -n 20; fi
    echo "$name: $(grep -c '"source"' "$f") numbers checked"
  done
  return $bad
}
la_t_check "every .num of the reports = its data-source view (as the reader)" nums

echo "pages and screenshots: $out"
la_t_done
