#!/usr/bin/env bash
# Benchmark: logistic regression in the database (doc/model.md) against a plain scan of the same
# rows and against scikit-learn, in one run.
#   bash test/bench/model.sh [rows [features]]          (default: 1000000 20)
# Generates rows with correlated float8 features (columns f1..fp and the same values as an array
# column fa) and a label from a logistic model, then times (best of LA_BENCH_RUNS, default 3):
#   - one Newton iteration: one la_logit_agg pass at non-zero coefficients, on the array column and
#     on ARRAY[f1, ..., fp] built from the columns (what logit_fit runs);
#   - one grouped scan of the same rows: count and the sum of every feature column GROUP BY label;
#   - the whole logit_fit (lambda 1) once, with its number of passes;
#   - scikit-learn (StandardScaler + LogisticRegression(C = 1, newton-cg)) on the same matrix:
#     the fit alone ("query only"), and COPY ... TO STDOUT out of PostgreSQL + parsing + the fit;
#   - scoring LA_BENCH_SCORED rows (default 500,000): logit_probability against predict_proba;
# checks that the coefficients agree (1e-6 relative) and prints the ratios. Not a test: nothing
# here asserts a time. Results go to stdout and test/bench/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
n=${1:-1000000}
p=${2:-20}
runs=${LA_BENCH_RUNS:-3}
PY=/usr/bin/python3
"$PY" -c 'import sklearn, pandas' 2>/dev/null || { echo "needs /usr/bin/python3 with sklearn and pandas" >&2; exit 1; }

LA_DB=learnalytics_bench
source "$here/lib.sh"
bench_setup
mkdir -p "$here/results"
out="$here/results/model-$(date -u +%Y%m%dT%H%M%SZ).md"
cols=$(seq -s, -f 'f%g' 1 "$p")
arr="ARRAY[$cols]"

echo "== $n rows x $p features =="
# features: a common factor plus noise (pairwise correlation about 0.4), different scales
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SELECT setseed(0.42);
CREATE TABLE bench_rows AS
SELECT id, fa, random() < 1 / (1 + exp(-(-1 + $(for j in $(seq 1 "$p"); do printf ' + (%s) * (fa[%d] - %d) / %d' "$(awk -v j="$j" 'BEGIN{printf "%.2f", (j % 2 ? 1 : -1) * 0.6 / sqrt(j)}')" "$j" "$j" "$j"; done)))) AS y
FROM (SELECT id, ARRAY(SELECT j + j * (0.8 * c + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
                       FROM generate_series(1, $p) j) AS fa
      FROM (SELECT id, sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS c
            FROM generate_series(1, $n) id) g) q;
ALTER TABLE bench_rows $(for j in $(seq 1 "$p"); do printf '%s ADD COLUMN f%d float8' "$([ "$j" -gt 1 ] && echo ,)" "$j"; done);
UPDATE bench_rows SET ($cols) = ($(for j in $(seq 1 "$p"); do printf '%sfa[%d]' "$([ "$j" -gt 1 ] && echo ,)" "$j"; done));
VACUUM FULL bench_rows;
ANALYZE bench_rows;
SQL
psql -X -At -c "SELECT 'table ' || pg_size_pretty(pg_total_relation_size('bench_rows')) || ', positives ' || count(*) FILTER (WHERE y) FROM bench_rows"

# the model: fitted once (timed), its coefficients reused by the single passes
fit_start=$(date +%s.%N)
psql -X -At -F'|' -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
  -c "CREATE TABLE bench_fit AS SELECT * FROM learnalytics.logit_fit('bench_rows', string_to_array('$cols', ','), 'y', lambda => 1)" >/dev/null
fit_ms=$(awk -v s="$fit_start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", (e - s) * 1000}')
read -r iterations converged <<<"$(psql -X -At -F' ' -c "SELECT iterations, converged FROM bench_fit")"
# passes: the standardisation, the start, one per iteration (plus halvings, counted as none here)
passes=$((iterations + 2))
printf '  %-44s %10.1f ms   iterations %s, converged %s, %s passes\n' logit_fit "$fit_ms" "$iterations" "$converged" "$passes"

params="(SELECT coef FROM bench_fit), (SELECT center FROM bench_fit), (SELECT scale FROM bench_fit)"
time_query pass_array sql "SELECT logit_num_rows(la_logit_agg(fa, y, 1, $params)) FROM bench_rows;"
time_query pass_columns sql "SELECT logit_num_rows(la_logit_agg($arr, y, 1, $params)) FROM bench_rows;"
time_query grouped_scan sql "SELECT y, count(*), $(for j in $(seq 1 "$p"); do printf '%ssum(f%d)' "$([ "$j" -gt 1 ] && echo ,)" "$j"; done) FROM bench_rows GROUP BY y ORDER BY y;"
time_query grouped_scan_serial sql "SET max_parallel_workers_per_gather = 0; SELECT y, count(*), $(for j in $(seq 1 "$p"); do printf '%ssum(f%d)' "$([ "$j" -gt 1 ] && echo ,)" "$j"; done) FROM bench_rows GROUP BY y ORDER BY y;"
time_query pass_columns_serial sql "SET max_parallel_workers_per_gather = 0; SELECT logit_num_rows(la_logit_agg($arr, y, 1, $params)) FROM bench_rows;"
scored=${LA_BENCH_SCORED:-500000}
time_query score_rows sql "SELECT count(*) FILTER (WHERE logit_probability(fa, $params) > 0.5) FROM bench_rows WHERE id <= $scored;"
score_answer=$answer
size=$(psql -X -At -c "SELECT pg_column_size(learnalytics.la_logit_agg(fa, y, 1, NULL, NULL, NULL)) FROM bench_rows WHERE id <= 10")

# scikit-learn on the same rows: COPY out through psql into pandas, then the fit
psql -X -At -F'|' -c "SELECT coef FROM bench_fit" >"$LA_WORK/coef"
"$PY" - "$cols" "$LA_WORK/coef" "$runs" "$scored" >"$LA_WORK/sk" <<'PY'
import io, subprocess, sys, time, warnings
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
warnings.simplefilter("ignore")
cols, coef_file, runs, scored = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
best_copy = best_fit = None
for r in range(runs):
    t0 = time.time()
    raw = subprocess.run(["psql", "-X", "-q", "-c", f"COPY (SELECT {cols}, y FROM bench_rows) TO STDOUT (FORMAT csv)"],
                         check=True, capture_output=True).stdout
    df = pd.read_csv(io.BytesIO(raw), header=None)
    X = df.iloc[:, :-1].to_numpy(dtype=float)
    y = (df.iloc[:, -1] == "t").to_numpy(dtype=float)
    t1 = time.time()
    sc = StandardScaler().fit(X)
    Xs = sc.transform(X)
    lr = LogisticRegression(C=1.0, solver="newton-cg", tol=1e-8, max_iter=1000).fit(Xs, y)
    t2 = time.time()
    best_copy = min(best_copy or 1e18, (t1 - t0) * 1000)
    best_fit = min(best_fit or 1e18, (t2 - t1) * 1000)
best_score = None
for r in range(runs):
    t0 = time.time()
    pr = lr.predict_proba(sc.transform(X[:scored]))[:, 1]
    best_score = min(best_score or 1e18, (time.time() - t0) * 1000)
got = np.array([float(v) for v in open(coef_file).read().strip()[1:-1].split(",")])
ref = np.concatenate([lr.intercept_, lr.coef_[0]])
err = np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-3))
print(f"{best_copy:.1f} {best_fit:.1f} {err:.2e} {lr.n_iter_[0]} {len(raw)} {best_score:.1f}")
PY
read -r copy_ms sk_ms coef_err sk_iter copy_bytes sk_score_ms <"$LA_WORK/sk"
printf '  %-44s %10.1f ms   (%s bytes of CSV)\n' copy_out_and_parse "$copy_ms" "$copy_bytes"
printf '  %-44s %10.1f ms   (%s newton-cg iterations; coefficients differ by %s relative)\n' sklearn_fit "$sk_ms" "$sk_iter" "$coef_err"

t() { awk -v k="$1" '$1==k{print $2}' "$LA_WORK/times"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a / b}'; }
per_pass=$(awk -v f="$fit_ms" -v k="$passes" 'BEGIN{printf "%.1f", f / k}')
{
  echo "# model benchmark, $(date -u +%Y-%m-%d), PostgreSQL $("$LA_BIN/postgres" -V | awk '{print $3}'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
  echo
  echo "## $n rows x $p features (shared_buffers 2GB, 2 parallel workers, jit off)"
  echo
  echo "| what | best time (ms) |"
  echo "|---|---:|"
  echo "| one Newton iteration: la_logit_agg pass, array column | $(t pass_array) |"
  echo "| one Newton iteration: la_logit_agg pass, ARRAY[f1..f$p] from columns | $(t pass_columns) |"
  echo "| the same pass, serial | $(t pass_columns_serial) |"
  echo "| grouped scan: count + $p sums GROUP BY label | $(t grouped_scan) |"
  echo "| the same scan, serial | $(t grouped_scan_serial) |"
  echo "| logit_fit, lambda 1 ($iterations iterations, $passes passes, run once) | $fit_ms |"
  echo "| COPY out of PostgreSQL (CSV through psql) + parse (pandas) | $copy_ms |"
  echo "| sklearn StandardScaler + LogisticRegression newton-cg, on the in-memory matrix | $sk_ms |"
  echo "| scoring $scored rows: logit_probability over the array column ($score_answer above 0.5) | $(t score_rows) |"
  echo "| scoring $scored rows: sklearn predict_proba, matrix in memory (scaling included) | $sk_score_ms |"
  echo
  echo "- one iteration / one grouped scan: **$(ratio "$(t pass_columns)" "$(t grouped_scan)")x** (parallel), **$(ratio "$(t pass_columns_serial)" "$(t grouped_scan_serial)")x** (serial)"
  echo "- logit_fit per pass (fit / passes): $per_pass ms"
  echo "- logit_fit / sklearn fit alone: **$(ratio "$fit_ms" "$sk_ms")x**; logit_fit / (COPY out + parse + sklearn fit): **$(ratio "$fit_ms" "$(awk -v a="$copy_ms" -v b="$sk_ms" 'BEGIN{print a + b}')")x**"
  echo "- scoring $scored rows, logit_probability / predict_proba: **$(ratio "$(t score_rows)" "$sk_score_ms")x**"
  echo "- coefficients of logit_fit and sklearn differ by $coef_err (relative, max over coefficients)"
  echo "- logit_summary size at $p features: $size bytes"
  echo
} | tee -a "$out"
echo "results written to $out"
