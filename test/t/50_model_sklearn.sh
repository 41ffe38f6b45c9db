#!/usr/bin/env bash
# logit_fit against scikit-learn and statsmodels on the identical rows (doc/model.md): a seeded
# sample of 4,000 rows with 8 correlated features of different kinds (normal, skewed, binary,
# integer, a large mean with a small spread) and a label drawn from a logistic model, loaded into
# the database and exported back with psql, so that both sides fit exactly the same numbers.
#   1. lambda 1 and 0.1, without and with weights: sklearn LogisticRegression(C = 1/lambda,
#      newton-cg, tol 1e-8 on the gradient of the summed loss) on StandardScaler (ddof 0, weighted with the same sample_weight)
#      features; coefficients to 1e-6 relative, centres and scales to 1e-12, probabilities
#      (logit_probability over every row) to 1e-9;
#   2. lambda 0: statsmodels Logit (unweighted) and sklearn without penalty (weighted);
#   3. a constant column: coefficient 0, listed, the other coefficients those of the fit without it;
#   4. separated labels: lambda 0 is refused (SQLSTATE 22000, a hint to use lambda > 0), lambda 1
#      fits, as sklearn;
#   5. the comparison can fail: a coefficient moved by 1e-5 is caught;
#   6. a logit_summary out and in through COPY (FORMAT binary) keeps its bits.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import sklearn, statsmodels, numpy' 2>/dev/null; then
  la_t_skip "python3-sklearn or python3-statsmodels is not installed (test/lib/deps.sh lists them)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/la_model_sk.XXXXXX"); chmod 755 "$work"
la_t_cleanup_add rm -rf "$work"
ext=$(la_t_ext_schema)
[ -n "$ext" ] || { echo "learnalytics is not installed in $LA_DB"; exit 1; }
drop() { la_t_psql -v ON_ERROR_STOP=0 -c "DROP TABLE IF EXISTS t50_rows, t50_sep, t50_fits, t50_bin" >/dev/null 2>&1; }
drop
la_t_cleanup_add drop

# 1. the rows (seeded), loaded with \copy
"$PY" - "$work" <<'PY'
import sys
import numpy as np
work = sys.argv[1]
rng = np.random.default_rng(20261206)
n, p = 4000, 8
cov = np.array([[0.6 ** abs(i - j) for j in range(p)] for i in range(p)])
z = rng.multivariate_normal(np.zeros(p), cov, size=n)
x = np.empty_like(z)
x[:, 0] = 10 + 3 * z[:, 0]                   # normal
x[:, 1] = np.exp(z[:, 1])                    # skewed
x[:, 2] = (z[:, 2] > 0.4).astype(float)      # binary
x[:, 3] = np.round(4 * z[:, 3] + 10)         # integer counts
x[:, 4] = z[:, 4] * 0.5
x[:, 5] = 1000 + 0.01 * z[:, 5]              # a large mean with a small spread
x[:, 6] = z[:, 6] ** 2
x[:, 7] = -z[:, 7] * 20
beta = np.array([0.9, -0.6, 0.7, 0.3, -0.4, 0.2, -0.5, 0.25])
eta = -1.0 + z @ beta
y = rng.random(n) < 1 / (1 + np.exp(-eta))
w = rng.uniform(0.2, 3.0, n)
with open(f"{work}/rows.csv", "w") as f:
    for i in range(n):
        f.write(",".join([str(i)] + [repr(float(v)) for v in x[i]] + ["t" if y[i] else "f", repr(float(w[i]))]) + "\n")
PY
la_t_psql <<SQL
CREATE TABLE t50_rows (id int PRIMARY KEY, f1 float8, f2 float8, f3 float8, f4 float8, f5 float8, f6 float8,
                       f7 float8, f8 float8, y boolean, w float8, k numeric DEFAULT 42.5);
\copy t50_rows (id, f1, f2, f3, f4, f5, f6, f7, f8, y, w) FROM '$work/rows.csv' (FORMAT csv)
ANALYZE t50_rows;
-- separated: the label is f1 > 10 (its median region), with f2 as a second feature
CREATE TABLE t50_sep AS SELECT id, f1, f2, f1 > 10 AS y FROM t50_rows;
SQL

# 2. the fits, and every row's probability under each
la_t_psql -v ON_ERROR_STOP=1 <<SQL >/dev/null
SET client_min_messages = warning;
CREATE TABLE t50_fits AS
SELECT 'l1' AS fit, 1.0::float8 AS lambda, false AS weighted, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,f3,f4,f5,f6,f7,f8}', 'y', lambda => 1) f
UNION ALL SELECT 'l01w', 0.1, true, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,f3,f4,f5,f6,f7,f8}', 'y', 'w', 0.1) f
UNION ALL SELECT 'l1w', 1.0, true, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,f3,f4,f5,f6,f7,f8}', 'y', 'w', 1.0) f
UNION ALL SELECT 'l0', 0, false, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,f3,f4,f5,f6,f7,f8}', 'y', lambda => 0) f
UNION ALL SELECT 'l0w', 0, true, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,f3,f4,f5,f6,f7,f8}', 'y', 'w', 0) f
UNION ALL SELECT 'const', 1.0, false, f.* FROM $ext.logit_fit('t50_rows', '{f1,f2,k,f3,f4,f5,f6,f7,f8}', 'y', lambda => 1) f
UNION ALL SELECT 'sep', 1.0, false, f.* FROM $ext.logit_fit('t50_sep', '{f1,f2}', 'y', lambda => 1) f;
SQL
la_t_psql -F'|' -c "SELECT fit, lambda, weighted, coef, center, scale, iterations, converged, loglik, num_rows, positives, constant_features FROM t50_fits ORDER BY fit" >"$work/fits.txt"
la_t_psql -c "\\copy (SELECT r.id, f.fit, $ext.logit_probability(CASE WHEN f.fit = 'const' THEN ARRAY[f1, f2, k::float8, f3, f4, f5, f6, f7, f8] ELSE ARRAY[f1, f2, f3, f4, f5, f6, f7, f8] END, f.coef, f.center, f.scale) FROM t50_rows r, t50_fits f WHERE f.fit <> 'sep' UNION ALL SELECT r.id, f.fit, $ext.logit_probability(ARRAY[r.f1, r.f2], f.coef, f.center, f.scale) FROM t50_sep r, t50_fits f WHERE f.fit = 'sep' ORDER BY 2, 1) TO '$work/probs.csv' (FORMAT csv)"
# the identical rows, exported with psql (floats shortest-exact: the same bits)
la_t_psql -c "\\copy (SELECT id, f1, f2, f3, f4, f5, f6, f7, f8, y, w FROM t50_rows ORDER BY id) TO '$work/export.csv' (FORMAT csv)"

# 3. separated labels with lambda 0: refused, with the SQLSTATE and a hint
check_separation() {
  local out
  out=$(la_t_psql -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "SELECT * FROM $ext.logit_fit('t50_sep', '{f1,f2}', 'y', lambda => 0)" 2>&1) && {
    echo "lambda 0 on separated labels was accepted: $out"; exit 1; }
  echo "$out" | grep -q 'ERROR:  22000: logit_fit: the features separate the labels' || { echo "wrong error: $out"; exit 1; }
  echo "$out" | grep -q 'HINT:  Fit with lambda > 0' || { echo "no hint: $out"; exit 1; }
}
la_t_check "lambda 0 on separated labels: SQLSTATE 22000 with a hint" check_separation

# 4. the references
compare() {
  "$PY" - "$work" "${1:-}" <<'PY'
import sys, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
import statsmodels.api as sm
work, perturb = sys.argv[1], sys.argv[2]
warnings.simplefilter("ignore")

def arr(s):
    s = s.strip()[1:-1]
    return np.array([float(v) for v in s.split(",")]) if s else np.array([])

fits = {}
for line in open(f"{work}/fits.txt"):
    f = line.rstrip("\n").split("|")
    fits[f[0]] = dict(lam=float(f[1]), weighted=f[2] == "t", coef=arr(f[3]), center=arr(f[4]), scale=arr(f[5]),
                      iterations=int(f[6]), converged=f[7] == "t", loglik=float(f[8]), n=int(f[9]),
                      positives=float(f[10]), constant=f[11])
if perturb:
    fits[perturb]["coef"][3] += 1e-5
probs = {}
for line in open(f"{work}/probs.csv"):
    i, fit, pr = line.split(",")
    probs.setdefault(fit, {})[int(i)] = float(pr)
data = np.loadtxt(f"{work}/export.csv", delimiter=",", dtype=str)
X = data[:, 1:9].astype(float)
y = (data[:, 9] == "t").astype(float)
w = data[:, 10].astype(float)
ids = data[:, 0].astype(int)
bad = []
worst = {"coef": 0.0, "prob": 0.0, "scale": 0.0}

def check(name, got, ref, rel, what, floor=1e-3):
    err = np.max(np.abs(got - ref) / np.maximum(np.abs(ref), floor)) if len(ref) else 0.0
    worst[what] = max(worst[what], err)
    if not (err <= rel):
        bad.append(f"{name}: {what} differs by {err:.3g} (allowed {rel:g}): got {got}, reference {ref}")

def reference(name, X, y, sw, lam, with_statsmodels=False):
    fit = fits[name]
    sc = StandardScaler().fit(X, sample_weight=sw)
    check(name, fit["center"], sc.mean_, 1e-12, "scale")
    check(name, fit["scale"], np.sqrt(sc.var_), 1e-12, "scale")
    Xs = (X - fit["center"]) / fit["scale"]       # the same standardisation on both sides
    if with_statsmodels:
        m = sm.Logit(y, sm.add_constant(Xs)).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
        ref = np.asarray(m.params)
        p_ref = m.predict(sm.add_constant(Xs))
    else:
        lr = LogisticRegression(penalty="none" if lam == 0 else "l2", C=1.0 / lam if lam else 1.0,
                                solver="newton-cg", tol=1e-8, max_iter=1000)
        lr.fit(Xs, y, sample_weight=sw)
        if lr.n_iter_[0] >= 1000:
            bad.append(f"{name}: sklearn did not converge")
        ref = np.concatenate([lr.intercept_, lr.coef_[0]])
        p_ref = lr.predict_proba(Xs)[:, 1]
    if not fit["converged"] or fit["iterations"] > 12:
        bad.append(f"{name}: converged {fit['converged']} in {fit['iterations']} iterations")
    check(name, fit["coef"], ref, 1e-6, "coef")
    got_p = np.array([probs[name][i] for i in ids])
    err = np.max(np.abs(got_p - p_ref))
    worst["prob"] = max(worst["prob"], err)
    if not err <= 1e-9:
        bad.append(f"{name}: probabilities differ by {err:.3g}")
    # the comparison has teeth: coefficients well away from zero, probabilities spread out
    if np.max(np.abs(ref[1:])) < 0.2 or np.std(p_ref) < 0.1:
        bad.append(f"{name}: a trivial model ({ref}) proves nothing")
    if abs(fit["positives"] - (np.sum(sw * y) if sw is not None else np.sum(y))) > 1e-9 * len(y) or fit["n"] != len(y):
        bad.append(f"{name}: rows {fit['n']} or positives {fit['positives']} differ")
    return ref

reference("l1", X, y, None, 1.0)
reference("l1w", X, y, w, 1.0)
reference("l01w", X, y, w, 0.1)
reference("l0", X, y, None, 0, with_statsmodels=True)
l0w = reference("l0w", X, y, w, 0)
# the unpenalised weighted fit by statsmodels too (GLM binomial with variance weights = sample weights)
Xs = (X - fits["l0w"]["center"]) / fits["l0w"]["scale"]
g = sm.GLM(y, sm.add_constant(Xs), family=sm.families.Binomial(), var_weights=w).fit(tol=1e-14, maxiter=200)
check("l0w/statsmodels GLM", fits["l0w"]["coef"], np.asarray(g.params), 1e-6, "coef")
# the loglik is the weighted log-likelihood at the coefficients
p = 1 / (1 + np.exp(-(sm.add_constant(Xs) @ fits["l0w"]["coef"])))
ll = np.sum(w * (y * np.log(p) + (1 - y) * np.log1p(-p)))
if abs(ll - fits["l0w"]["loglik"]) > 1e-9 * abs(ll):
    bad.append(f"l0w: loglik {fits['l0w']['loglik']} against {ll}")

# a constant column: coefficient 0, listed, the rest as without it
c = fits["const"]
if c["constant"] != "{k}" or c["coef"][3] != 0 or c["scale"][2] != 0:
    bad.append(f"const: constant_features {c['constant']}, coef {c['coef']}, scale {c['scale']}")
check("const", np.delete(c["coef"], 3), fits["l1"]["coef"], 1e-9, "coef")
got_p = np.array([probs["const"][i] for i in ids])
ref_p = np.array([probs["l1"][i] for i in ids])
if np.max(np.abs(got_p - ref_p)) > 1e-12:
    bad.append("const: probabilities differ from the fit without the constant column")

# separated labels, lambda 1: sklearn agrees (finite coefficients)
Xsep = X[:, 0:2]
ysep = (Xsep[:, 0] > 10).astype(float)
s = fits["sep"]
Xs = (Xsep - s["center"]) / s["scale"]
lr = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-8, max_iter=1000).fit(Xs, ysep)
check("sep", s["coef"], np.concatenate([lr.intercept_, lr.coef_[0]]), 1e-6, "coef")
got_p = np.array([probs["sep"][i] for i in ids])
if np.max(np.abs(got_p - lr.predict_proba(Xs)[:, 1])) > 1e-9:
    bad.append("sep: probabilities differ")

print("worst relative coefficient difference %.2e, probability %.2e, centre/scale %.2e"
      % (worst["coef"], worst["prob"], worst["scale"]))
print("iterations:", {k: v["iterations"] for k, v in sorted(fits.items())})
for b in bad:
    print("FAIL", b)
sys.exit(1 if bad else 0)
PY
}
la_t_check "coefficients (1e-6) and probabilities (1e-9) as sklearn and statsmodels" compare
# the comparison can fail: one coefficient moved by 1e-5 is caught
caught() { if compare l1w >"$work/perturbed.log" 2>&1; then echo "a perturbed coefficient passed"; exit 1; fi
           grep -q 'FAIL l1w: coef differs' "$work/perturbed.log" || { cat "$work/perturbed.log"; exit 1; }; }
la_t_check "a coefficient moved by 1e-5 fails the comparison" caught

# 5. a summary through COPY (FORMAT binary) and back: the same bits (la_logit_recv)
binary() {
  la_t_psql <<SQL >"$work/bin.out"
CREATE TABLE t50_bin (k int, s $ext.logit_summary);
INSERT INTO t50_bin SELECT 1, $ext.la_logit_agg(ARRAY[f1, f2, f3, f4, f5, f6, f7, f8], y, w, f.coef, f.center, f.scale)
FROM t50_rows, t50_fits f WHERE f.fit = 'l1w' GROUP BY f.coef, f.center, f.scale;
\copy t50_bin TO '$work/s.bin' (FORMAT binary)
\copy t50_bin FROM '$work/s.bin' (FORMAT binary)
SELECT count(*), count(DISTINCT s::text), count(DISTINCT learnalytics_internal.la_logit_send(s)) FROM t50_bin;
SQL
  [ "$(cat "$work/bin.out")" = "2|1|1" ] || { echo "binary round trip: $(cat "$work/bin.out")"; exit 1; }
}
la_t_check "a logit_summary through COPY (FORMAT binary) keeps its bits" binary
la_t_done
