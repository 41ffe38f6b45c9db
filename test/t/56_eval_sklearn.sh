#!/usr/bin/env bash
# prediction_evaluate / prediction_calibration / prediction_bias against an independent reference
# (doc/risk_evaluation.md) on a seeded synthetic set of 400 learners over 60 days:
#  - AUC and Brier equal scikit-learn's roc_auc_score and brier_score_loss (1e-9) on the learner-days
#    at risk and labels the reference derives itself from the raw outcomes (not from the extension);
#  - the AUC interval equals a brute-force Obuchowski (1997) clustered variance over every
#    positive-negative pair (numpy), 1e-9;
#  - capacity alerts (top 20 by score on the first day of each week), per-alert precision, base rate,
#    lift, recall and lead time equal a plain-Python recomputation; the lift lies in its interval;
#  - calibration bins equal numpy (rows sorted by score, learner, day; np.array_split) with
#    statsmodels' Wilson intervals;
#  - the bias report's per-group numbers equal the reference, it FLAGS a score raised by 0.25 for
#    group F whatever the outcome (higher FPR, miscalibrated), and flags nothing for the fair score.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import sklearn.metrics, numpy, statsmodels.stats.proportion' 2>/dev/null; then
  la_t_skip "python3-sklearn, numpy or statsmodels is not installed (test/lib/deps.sh lists them)"
fi
work=$(mktemp -d); la_t_cleanup_add rm -rf "$work"
chmod 755 "$work"
ext=$(la_t_ext_schema)
[ -n "$ext" ] || { echo "learnalytics is not installed in $LA_DB"; exit 1; }
la_t_cleanup_add la_t_psql -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS ev56_pred, ev56_outcome, ev56_attr CASCADE"

# 1. the synthetic set
"$PY" - "$work" <<'PY'
import csv, datetime, math, random, sys
work = sys.argv[1]
rng = random.Random(20261206)
d0 = datetime.date(2026, 1, 1)
preds, outs, attrs = [], [], []
for i in range(400):
    learner = f"S{i:03d}"
    sex = "F" if rng.random() < 0.5 else "M"
    attrs.append((learner, sex))
    start = rng.randint(0, 10)
    drop = None
    u = rng.random()
    if u < 0.30:
        drop = rng.randint(5, 75)
        outs.append((learner, rng.choice(["withdrawn", "Withdrawn", "dropped_out"]), (d0 + datetime.timedelta(drop)).isoformat()))
        if rng.random() < 0.2:   # a later second outcome: the first one counts
            outs.append((learner, "completed", (d0 + datetime.timedelta(drop + 3)).isoformat()))
    elif u < 0.40:
        outs.append((learner, "completed", (d0 + datetime.timedelta(rng.randint(40, 70))).isoformat()))
    for d in range(start, 60):   # rows after the outcome too: the extension must leave them out
        near = drop is not None and 0 < drop - d <= 20
        z = -2.0 + (1.6 if near else 0.0) + rng.gauss(0, 1.0)
        p = round(1 / (1 + math.exp(-z)), 3)   # 3 decimals: many ties
        pb = min(1.0, round(p + 0.25, 3)) if sex == "F" else p
        preds.append((learner, (d0 + datetime.timedelta(d)).isoformat(), p, pb))
for name, rows in (("pred", preds), ("outcome", outs), ("attr", attrs)):
    with open(f"{work}/{name}.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
PY

la_t_psql <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev56_pred, ev56_outcome, ev56_attr CASCADE;
CREATE TABLE ev56_pred (learner text, day date, score float8, score_biased float8);
CREATE TABLE ev56_outcome (learner text, outcome text, outcome_at date);
CREATE TABLE ev56_attr (learner text, sex text);
\copy ev56_pred FROM '$work/pred.csv' (FORMAT csv)
\copy ev56_outcome FROM '$work/outcome.csv' (FORMAT csv)
\copy ev56_attr FROM '$work/attr.csv' (FORMAT csv)
CREATE VIEW ev56_fair AS SELECT learner, day, score FROM ev56_pred;
CREATE VIEW ev56_biased AS SELECT learner, day, score_biased AS score FROM ev56_pred;
SQL

# 2. learnalytics' answers (float8 printed exactly)
q() { la_t_psql --csv -P tuples_only=off -c "SET extra_float_digits = 3" -c "$1" > "$work/$2.csv"; }
q "SELECT * FROM \"$ext\".prediction_evaluate('ev56_fair', 'ev56_outcome', 14, 20, bootstrap => 100)" eval
q "SELECT * FROM \"$ext\".prediction_evaluate('ev56_fair', 'ev56_outcome', 14, 20, bootstrap => 100)" eval_again
q "SELECT * FROM \"$ext\".prediction_evaluate('ev56_biased', 'ev56_outcome', 14, 20, bootstrap => 100)" eval_biased
q "SELECT * FROM \"$ext\".prediction_calibration('ev56_fair', 'ev56_outcome', 14, 10)" calib
q "SELECT * FROM \"$ext\".prediction_bias('ev56_fair', 'ev56_outcome', 'ev56_attr', '{sex}', 14, 20)" bias_fair
q "SELECT * FROM \"$ext\".prediction_bias('ev56_biased', 'ev56_outcome', 'ev56_attr', '{sex}', 14, 20)" bias_biased

# 3. the reference, and the comparison
"$PY" - "$work" <<'PY'
import csv, datetime, sys
from collections import defaultdict
import numpy as np
from sklearn.metrics import roc_auc_score, brier_score_loss
from statsmodels.stats.proportion import proportion_confint
work = sys.argv[1]
H, CAP = 14, 20
D = datetime.date.fromisoformat
outs = defaultdict(list)
for l, o, t in csv.reader(open(f"{work}/outcome.csv")):
    outs[l].append((o.lower(), D(t)))
drop_day = {l: min((t for o, t in v if o in ("dropped_out", "withdrawn")), default=None) for l, v in outs.items()}
end_day = {l: min(t for o, t in v) for l, v in outs.items()}
sex = dict(csv.reader(open(f"{work}/attr.csv")))
raw = [(l, D(d), float(p), float(pb)) for l, d, p, pb in csv.reader(open(f"{work}/pred.csv"))]
rows = [r for r in raw if end_day.get(r[0]) is None or r[1] < end_day[r[0]]]   # at risk
def label(l, d):
    dd = drop_day.get(l)
    return dd is not None and d < dd <= d + datetime.timedelta(H)
Y = np.array([label(l, d) for l, d, _, _ in rows])
first, last = min(r[1] for r in rows), max(r[1] for r in rows)

fails = 0
def check(name, ok, detail=""):
    global fails
    print(("ok - " if ok else "not ok - ") + name + ("" if ok else f": {detail}"))
    fails += 0 if ok else 1
def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))
def num(x):
    return None if x == "" else float(x)

def reference(col):
    S = np.array([r[col] for r in rows])
    L = [r[0] for r in rows]
    ref = {"learners": len(set(L)), "learner_days": len(rows), "positive_days": int(Y.sum())}
    ref["auc"] = roc_auc_score(Y, S)
    ref["brier"] = brier_score_loss(Y, S)
    # Obuchowski 1997, brute force over all pairs
    pos, neg = np.where(Y)[0], np.where(~Y)[0]
    M, N = len(pos), len(neg)
    v10 = np.zeros(M); v01 = np.zeros(N)
    for k in range(0, M, 200):
        i = pos[k:k + 200]
        psi = (S[i][:, None] > S[neg][None, :]) + 0.5 * (S[i][:, None] == S[neg][None, :])
        v10[k:k + 200] = psi.mean(axis=1)
        v01 += psi.sum(axis=0) / M
    A = v10.mean()
    cl10, cl01, m, n = defaultdict(float), defaultdict(float), defaultdict(int), defaultdict(int)
    for j, r in enumerate(pos): cl10[L[r]] += v10[j]; m[L[r]] += 1
    for j, r in enumerate(neg): cl01[L[r]] += v01[j]; n[L[r]] += 1
    K = sorted(set(L)); I10 = sum(1 for c in K if m[c]); I01 = sum(1 for c in K if n[c])
    s10 = I10 / ((I10 - 1) * M) * sum((cl10[c] - m[c] * A) ** 2 for c in K if m[c])
    s01 = I01 / ((I01 - 1) * N) * sum((cl01[c] - n[c] * A) ** 2 for c in K if n[c])
    s11 = len(K) / (len(K) - 1) * sum((cl10[c] - m[c] * A) * (cl01[c] - n[c] * A) for c in K)
    se = (s10 / M + s01 / N + 2 * s11 / (M * N)) ** 0.5
    ref["auc_low"], ref["auc_high"] = max(0, A - 1.959963984540054 * se), min(1, A + 1.959963984540054 * se)
    # capacity alerts: each week from the first day, on its first day with rows, the top CAP by score
    byday = defaultdict(list)
    for r in rows: byday[r[1]].append(r)
    weekfirst = {}
    for d in byday: w = (d - first).days // 7; weekfirst[w] = min(weekfirst.get(w, d), d)
    alerts = []
    for d in weekfirst.values():
        alerts += [(r[0], d) for r in sorted(byday[d], key=lambda r: (-r[col], r[0]))[:CAP]]
    followed = [label(l, d) for l, d in alerts]
    ref["alerts"], ref["alerted_learners"] = len(alerts), len({l for l, _ in alerts})
    ref["precision"] = sum(followed) / len(alerts)
    ref["base_rate"] = Y.mean()
    ref["lift"] = ref["precision"] / ref["base_rate"]
    drops = [l for l in set(L) if drop_day.get(l) and first < drop_day[l] <= last]
    leads = []
    for l in drops:
        a = [d for m_, d in alerts if m_ == l and drop_day[l] - datetime.timedelta(H) <= d < drop_day[l]]
        if a: leads.append((drop_day[l] - min(a)).days)
    ref["dropouts"] = len(drops)
    ref["recall"] = len(leads) / len(drops)
    ref["lead_time_mean"], ref["lead_time_median"] = float(np.mean(leads)), float(np.median(leads))
    ref["_alerts"] = alerts
    return ref

def evaluated(name):
    rd = csv.DictReader(open(f"{work}/{name}.csv"))
    return next(rd)

for name, col in (("eval", 2), ("eval_biased", 3)):
    ref, got = reference(col), evaluated(name)
    for k, v in ref.items():
        if k.startswith("_"): continue
        check(f"{name} {k}", close(num(got[k]), float(v)), f"got {got[k]}, reference {v}")
    lo, hi, lift = num(got["lift_low"]), num(got["lift_high"]), num(got["lift"])
    check(f"{name} lift inside its interval", lo is not None and lo <= lift <= hi, f"{lo} {lift} {hi}")
    verdict = got["verdict"]
    check(f"{name} verdict", verdict.startswith("better than chance" if lo > 1 else "no better than chance"), verdict)
check("bootstrap: same seed, same row", open(f"{work}/eval.csv").read() == open(f"{work}/eval_again.csv").read())

# calibration: 10 quantile bins of the rows sorted by (score, learner, day)
order = sorted(range(len(rows)), key=lambda j: (rows[j][2], rows[j][0], rows[j][1]))
got = list(csv.DictReader(open(f"{work}/calib.csv")))
check("calibration: 10 bins", len(got) == 10, len(got))
for b, idx in enumerate(np.array_split(np.array(order), 10), start=1):
    g = got[b - 1]
    s = np.array([rows[j][2] for j in idx]); y = Y[idx]
    lo, hi = proportion_confint(int(y.sum()), len(idx), alpha=0.05, method="wilson")
    ok = (int(g["bin"]) == b and int(g["n"]) == len(idx) and close(num(g["score_min"]), s.min())
          and close(num(g["score_max"]), s.max()) and close(num(g["mean_predicted"]), s.mean())
          and close(num(g["observed_rate"]), y.mean()) and close(num(g["observed_low"]), lo, 1e-6)
          and close(num(g["observed_high"]), hi, 1e-6))
    check(f"calibration bin {b}", ok, f"{g} vs n={len(idx)} mean={s.mean()} obs={y.mean()} wilson={lo},{hi}")

# bias report per group
for name, col in (("bias_fair", 2), ("bias_biased", 3)):
    ref = reference(col)
    alerted = defaultdict(list)
    for l, d in ref["_alerts"]: alerted[l].append(d)
    got = {g["group"]: g for g in csv.DictReader(open(f"{work}/{name}.csv"))}
    for grp in ("F", "M"):
        G = [j for j, r in enumerate(rows) if sex[r[0]] == grp]
        ls = {rows[j][0] for j in G}
        dropped = {l for l in ls if drop_day.get(l) and first < drop_day[l] <= last}
        caught = {l for l in dropped if any(drop_day[l] - datetime.timedelta(H) <= d < drop_day[l] for d in alerted[l])}
        stayed = ls - dropped
        al = [(l, d) for l in ls for d in alerted[l]]
        g = got[grp]
        exp = {"learners": len(ls), "learner_days": len(G), "dropouts": len(dropped),
               "base_rate": len(dropped) / len(ls), "alerted_learners": sum(1 for l in ls if alerted[l]),
               "alert_rate": sum(1 for l in ls if alerted[l]) / len(ls), "alerts": len(al),
               "precision": sum(label(l, d) for l, d in al) / len(al) if al else None,
               "tpr": len(caught) / len(dropped), "fpr": sum(1 for l in stayed if alerted[l]) / len(stayed),
               "mean_predicted": float(np.mean([rows[j][col] for j in G])), "observed_rate": float(Y[G].mean())}
        for k, v in exp.items():
            check(f"{name} {grp} {k}", close(num(g[k]), v), f"got {g[k]}, reference {v}")
        lo, hi = proportion_confint(sum(1 for l in stayed if alerted[l]), len(stayed), alpha=0.05, method="wilson")
        check(f"{name} {grp} fpr Wilson interval", close(num(g["fpr_low"]), lo, 1e-6) and close(num(g["fpr_high"]), hi, 1e-6),
              f"{g['fpr_low']},{g['fpr_high']} vs {lo},{hi}")
        print(f"# {name} {grp}: fpr {exp['fpr']:.3f} tpr {exp['tpr']:.3f} alert_rate {exp['alert_rate']:.3f} "
              f"flagged {g['flagged']} {g['flag_reason']}")
    if name == "bias_fair":
        check("fair score: no group flagged", all(g["flagged"] == "f" for g in got.values()), got)
    else:
        check("biased score: group F flagged", got["F"]["flagged"] == "t", got["F"])
        check("biased score: F flagged for its FPR", "FPR" in got["F"]["flag_reason"], got["F"]["flag_reason"])
        check("biased score: F flagged for its calibration", "calibration" in got["F"]["flag_reason"], got["F"]["flag_reason"])
print(f"{fails} failed")
sys.exit(1 if fails else 0)
PY
