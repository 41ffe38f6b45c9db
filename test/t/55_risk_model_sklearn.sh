#!/usr/bin/env bash
# risk_model_train and risk_score against scikit-learn and statsmodels (doc/risk_model.md): the
# training rows of a synthetic population (4 course/cohort groups; a third of the learners stop all
# activity and withdraw 10 days later) are exported with psql, and Python redoes what the registry
# says was done, independently of logit_fit:
#   * the final model: StandardScaler (weighted, ddof 0) + LogisticRegression(C = 1/lambda) with
#     balanced class weights (n / (2 n_class)) on every row: coefficients to 1e-6 relative;
#   * the calibration: the 4 groups are the folds; each is scored by a model fitted the same way on
#     the 3 others (decision_function), and Platt's a, b are statsmodels' unpenalised, unweighted
#     Logit of the label on those out-of-fold logits: to 1e-6 relative;
#   * scoring: risk_score's probability of every learner on a later day = 1 / (1 + exp(-(a z + b)))
#     with z the sklearn model's decision function on risk_features' row: to 1e-9.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import sklearn, statsmodels, numpy' 2>/dev/null; then
  la_t_skip "python3-sklearn or python3-statsmodels is not installed (test/lib/deps.sh lists them)"
fi
db=la_risk_sk
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_risk_sk.XXXXXX"); chmod 755 "$work"
dropdb_() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; }
la_t_cleanup_add dropdb_
la_t_cleanup_add rm -rf "$work"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SET search_path = learnalytics, public;
SET timezone = 'UTC';
CREATE TABLE public.sk_learner AS
SELECT format('%s%s_%s', c, h, lpad(i::text, 2, '0')) AS learner, c AS course, h AS cohort,
       CASE h WHEN 'a' THEN date '2024-01-01' ELSE date '2024-01-15' END AS start_day,
       CASE WHEN (i * 7 + ascii(c) + ascii(h)) % 3 = 0 THEN 15 + (i * 13 + ascii(h)) % 50 END AS stop_after
FROM unnest(ARRAY['c1', 'c2']) c, unnest(ARRAY['a', 'b']) h, generate_series(1, 40) i;
INSERT INTO enrolment (learner, course, cohort, enrolled_at, left_at)
SELECT learner, course, cohort, start_day + time '09:00' AT TIME ZONE 'UTC',
       CASE WHEN stop_after IS NOT NULL THEN (start_day + stop_after + 10) + time '12:00' AT TIME ZONE 'UTC' END
FROM public.sk_learner;
CREATE TABLE public.sk_events AS
SELECT l.learner, (l.start_day + d) + time '10:00' AT TIME ZONE 'UTC' + k * interval '1 hour' AS ts
FROM public.sk_learner l, generate_series(0, 100) d, generate_series(0, 2) k
WHERE (l.stop_after IS NULL OR d < l.stop_after)
  AND (hashtext(l.learner || d) % 4) <> 0
  AND k <= abs(hashtext(l.learner || d || 'k')) % 3;
SELECT engagement_refresh('public.sk_events', 'learner', 'ts');
CREATE TABLE public.sk_outcomes AS
SELECT learner, CASE WHEN stop_after IS NOT NULL THEN 'withdrawn' ELSE 'passed' END AS outcome,
       CASE WHEN stop_after IS NOT NULL THEN start_day + stop_after + 10 ELSE date '2024-05-01' END AS outcome_at
FROM public.sk_learner;
SELECT version FROM risk_model_train('sk', '2024-01-08', '2024-03-31', 'public.sk_outcomes', horizon_days => 14,
  features => '{days_inactive,activity_7d,activity_vs_baseline,active_day_share_28d,activity_trend_14d}',
  lambda => 0.5, class_weight => 'balanced', every_days => 3);
SQL
feats="days_inactive, activity_7d, activity_vs_baseline, active_day_share_28d, activity_trend_14d"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
SET search_path = learnalytics, public;
\copy (SELECT course || '/' || cohort, $feats, label FROM risk_training_rows('2024-01-08', '2024-03-31', 'public.sk_outcomes', 14, NULL, 3)) TO '$work/rows.csv' (FORMAT csv)
\copy (SELECT learner, $feats FROM risk_features('2024-04-02', '2024-04-02') ORDER BY learner) TO '$work/day.csv' (FORMAT csv)
\copy (SELECT learner, probability FROM risk_score('sk', '2024-04-02') ORDER BY learner) TO '$work/scores.csv' (FORMAT csv)
\copy (SELECT array_to_string(coef, ' '), array_to_string(center, ' '), array_to_string(scale, ' '), lambda, calibration, calibration_a, calibration_b, calibration_rows, calibration_groups, num_rows FROM risk_model WHERE name = 'sk') TO '$work/model.csv' (FORMAT csv)
SQL

"$PY" - "$work" <<'PY'
import csv, sys, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
import statsmodels.api as sm
warnings.simplefilter("ignore")
work = sys.argv[1]
rows = list(csv.reader(open(f"{work}/rows.csv")))
g = np.array([r[0] for r in rows])
X = np.array([[float(v) for v in r[1:-1]] for r in rows])
y = np.array([r[-1] == "t" for r in rows])
m = next(csv.reader(open(f"{work}/model.csv")))
coef = np.array([float(v) for v in m[0].split()])
center = np.array([float(v) for v in m[1].split()])
scale = np.array([float(v) for v in m[2].split()])
lam, method, a_db, b_db = float(m[3]), m[4], float(m[5]), float(m[6])
cal_rows, cal_groups, num_rows = int(m[7]), int(m[8]), int(m[9])
fail = []

def fit(Xf, yf):
    n, npos = len(yf), yf.sum()
    w = np.where(yf, n / (2 * npos), n / (2 * (n - npos)))
    sc = StandardScaler().fit(Xf, sample_weight=w)
    clf = LogisticRegression(C=1 / lam, solver="newton-cg", tol=1e-12, max_iter=10000)
    clf.fit(sc.transform(Xf), yf, sample_weight=w)
    return sc, clf

def close(name, got, want, rel):
    got, want = np.atleast_1d(got), np.atleast_1d(want)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-3))
    print(f"{name}: max relative difference {err:.2e}")
    if not err <= rel:
        fail.append(f"{name}: {got} vs {want}")

if num_rows != len(y):
    fail.append(f"num_rows {num_rows} vs exported {len(y)}")
sc, clf = fit(X, y)
close("coefficients", coef, np.concatenate([clf.intercept_, clf.coef_[0]]), 1e-6)
close("centers", center, sc.mean_, 1e-9)
close("scales", scale, np.sqrt(sc.var_), 1e-9)

groups = sorted(set(g))
if method != "platt" or cal_groups != len(groups) or len(groups) != 4:
    fail.append(f"calibration {method} over {cal_groups} groups, expected platt over 4")
z = np.empty(len(y))
for grp in groups:
    held = g == grp
    sc_k, clf_k = fit(X[~held], y[~held])
    z[held] = clf_k.decision_function(sc_k.transform(X[held]))
platt = sm.Logit(y.astype(float), sm.add_constant(z)).fit(method="newton", tol=1e-14, maxiter=100, disp=0)
b, a = platt.params
if cal_rows != len(y):
    fail.append(f"calibration rows {cal_rows} vs {len(y)}")
close("platt a", a_db, a, 1e-6)
close("platt b", b_db, b, 1e-6)

day = list(csv.reader(open(f"{work}/day.csv")))
scores = {r[0]: float(r[1]) for r in csv.reader(open(f"{work}/scores.csv"))}
Xd = np.array([[float(v) for v in r[1:]] for r in day])
zd = clf.decision_function(sc.transform(Xd))
pd = 1 / (1 + np.exp(-(a * zd + b)))
got = np.array([scores[r[0]] for r in day])
if len(day) < 50 or len(scores) != len(day):
    fail.append(f"scored {len(scores)} learners, features of {len(day)}")
err = np.max(np.abs(got - pd))
print(f"risk_score of {len(day)} learners: max absolute difference {err:.2e}")
if not err <= 1e-9:
    fail.append("risk_score probabilities differ")
# the comparison can fail: Platt's a moved by 1e-5 is caught
if np.abs(a_db * (1 + 1e-5) - a) / abs(a) <= 1e-6:
    fail.append("a difference of 1e-5 in a would not be caught")
if fail:
    print("FAIL:", *fail, sep="\n  ")
    sys.exit(1)
print("ok: registry, calibration and scores equal scikit-learn + statsmodels")
PY
