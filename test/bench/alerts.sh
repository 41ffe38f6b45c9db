#!/usr/bin/env bash
# Benchmark: alert rules, native vs the plain-SQL baselines of ../shared/bench, in one run.
#   bash test/bench/alerts.sh [replay_learners [asof_learners]]     (default: 50000 500000)
# 1. replay_learners (gen.sql): the engagement-dip rule (events, 0.6 x 14-day mean, 3 days) replayed
#    over the 120 days of history: sql_dip_replay.sql against rule_replay() (counts only, and with
#    outcomes: precision, recall, lead time, lift), answers compared.
# 2. asof_learners (gen.sql again): the rule evaluated on 2026-03-15 (as of 03-16 12:00, the last
#    complete day) for every enrolled learner:
#    sql_dip_asof.sql against rule_matches() (the state question) and rule_evaluate() (which
#    also writes the alerts, first contacts and outbox messages), answers compared.
# The native side reads learner_engagement, so its refresh (engagement_refresh) is timed
# too. Best of LA_BENCH_RUNS (default 3; 1 at >= 500,000 learners) fresh sessions per query.
# Not a test: nothing here asserts a time. Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
shared=${LA_SHARED:-$LA_SRC/../shared}
[ -f "$shared/bench/gen.sql" ] || { echo "no $shared/bench: the baselines live in ../shared/bench" >&2; exit 1; }
replay_n=${1:-50000}
asof_n=${2:-500000}
runs=${LA_BENCH_RUNS:-3}

LA_DB=learnalytics_bench
source "$here/lib.sh"
bench_setup
mkdir -p "$here/results"
out="$here/results/alerts-$(date -u +%Y%m%dT%H%M%SZ).md"

ms() { awk -F'\t' -v k="$1" '$1==k{print $2}' "$LA_WORK/times"; }
ratio() { awk -v a="$(ms "$1")" -v b="$(ms "$2")" 'BEGIN{printf "%.2f", a/b}'; }

# load gen.sql for n learners, then the learnalytics side: summaries, enrolment, outcomes, the rule
load() {
  local n=$1
  echo "== $n learners (gen.sql) =="
  psql -X -q -v learners="$n" -f "$shared/bench/gen.sql" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET search_path = public, learnalytics;
DELETE FROM alert_outbox; DELETE FROM alert; DELETE FROM enrolment; DELETE FROM alert_rule WHERE name = 'bench_dip';
INSERT INTO enrolment (learner, course, enrolled_at)
SELECT id::text, 'bench', timestamptz '2026-01-01 00:00+00' + enroll_day * interval '1 day' FROM learners;
DROP TABLE IF EXISTS outcomes;
CREATE TABLE outcomes AS
SELECT id::text AS learner, CASE WHEN last_day < 119 THEN 'dropped_out' ELSE 'completed' END AS outcome,
       date '2026-01-01' + last_day + 1 AS outcome_at
FROM learners;
SELECT name FROM rule_copy('engagement_dip', 'bench_dip', '{"metric": "events", "fire_after": 3}');
VACUUM ANALYZE enrolment;
SQL
  time_query "engagement_refresh ($n)" sql "SELECT engagement_refresh('events', 'learner_id', 'ts');" 1
  psql -X -q -c "VACUUM ANALYZE learnalytics.learner_engagement"
}

{
  echo "# alerts benchmark, $(date -u +%Y-%m-%d), PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), $(nproc) cores"
  echo
} >"$out"

# 1. replay -------------------------------------------------------------------------
load "$replay_n"
time_query sql_dip_replay file "$shared/bench/sql_dip_replay.sql"
sql_replay=$answer
time_query native_replay sql "SELECT learners_touched, alerts FROM rule_replay('bench_dip', '2026-01-01', '2026-04-30');"
native_replay=$answer
time_query native_replay_outcomes sql "SELECT learners_touched, alerts, dropouts, dropouts_alerted, round(\"precision\"::numeric, 4), round(recall::numeric, 4), round(lead_time_mean::numeric, 2), round(lift::numeric, 3) FROM rule_replay('bench_dip', '2026-01-01', '2026-04-30', 'outcomes');"
native_outcomes=$answer
agree_replay=no; [ "$(tr -d ' ' <<<"$sql_replay")" = "$(tr -d ' ' <<<"$native_replay")" ] && agree_replay=yes
{
  echo "## replay: $replay_n learners, 120 days (2026-01-01 .. 2026-04-30)"
  echo
  echo "| query | best time (ms) | answer |"
  echo "|---|---:|---|"
  echo "| engagement_refresh (summaries, once) | $(ms "engagement_refresh ($replay_n)") | |"
  echo "| sql_dip_replay.sql | $(ms sql_dip_replay) | $sql_replay |"
  echo "| rule_replay() (learners touched / alerts) | $(ms native_replay) | $native_replay |"
  echo "| rule_replay() with outcomes (touched / alerts / dropouts / alerted / precision / recall / lead / lift) | $(ms native_replay_outcomes) | $native_outcomes |"
  echo
  echo "- SQL / rule_replay = **$(ratio sql_dip_replay native_replay)x**; SQL / (rule_replay + refresh) = **$(awk -v a="$(ms sql_dip_replay)" -v b="$(ms native_replay)" -v c="$(ms "engagement_refresh ($replay_n)")" 'BEGIN{printf "%.2f", a/(b+c)}')x**; answers agree: $agree_replay"
  echo
} | tee -a "$out"

# 2. evaluation as of one day ---------------------------------------------------------
if [ "$asof_n" != "$replay_n" ]; then load "$asof_n"; fi
slow=$runs; [ "$asof_n" -ge 500000 ] && slow=1
time_query sql_dip_asof file "$shared/bench/sql_dip_asof.sql" "$slow"
sql_asof=$answer
time_query native_asof_candidates sql "SELECT count(*) FROM rule_matches('bench_dip', '2026-03-15') WHERE persisted >= 3;" "$slow"
native_cand=$answer
time_query native_evaluate_first sql "SELECT opened FROM rule_evaluate('bench_dip', '2026-03-16 12:00+00');" 1
native_eval=$answer
time_query native_evaluate_again sql "SELECT opened || ' opened, ' || updated || ' updated' FROM rule_evaluate('bench_dip', '2026-03-16 12:00+00');" 1
native_again=$answer
msgs=$(psql -X -At -c "SELECT count(*) FROM learnalytics.alert_outbox")
agree_asof=no; [ "$(tr -d ' ' <<<"$sql_asof")" = "$(tr -d ' ' <<<"$native_cand")" ] && [ "$(tr -d ' ' <<<"$sql_asof")" = "$(tr -d ' ' <<<"$native_eval")" ] && agree_asof=yes
{
  echo "## evaluation as of 2026-03-15: $asof_n learners"
  echo
  echo "| query | best time (ms) | answer |"
  echo "|---|---:|---|"
  echo "| engagement_refresh (summaries, once) | $(ms "engagement_refresh ($asof_n)") | |"
  echo "| sql_dip_asof.sql | $(ms sql_dip_asof) | $sql_asof |"
  echo "| rule_matches() (learners in a 3-day dip) | $(ms native_asof_candidates) | $native_cand |"
  echo "| rule_evaluate(), first run (alerts, contacts, $msgs outbox messages written) | $(ms native_evaluate_first) | $native_eval |"
  echo "| rule_evaluate(), the same evaluation again (idempotent) | $(ms native_evaluate_again) | $native_again |"
  echo
  echo "- SQL / rule_matches = **$(ratio sql_dip_asof native_asof_candidates)x**; SQL / rule_evaluate (first run, writing) = **$(ratio sql_dip_asof native_evaluate_first)x**; answers agree: $agree_asof"
  echo
} | tee -a "$out"
echo "results written to $out"
