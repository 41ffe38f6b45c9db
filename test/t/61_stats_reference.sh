#!/usr/bin/env bash
# Statistics against an independent reference: welch_test() and diff_in_diff() (libRmath's t
# distribution) against scipy (its own t distribution) on seeded random cases, every output to
# 1e-9 relative (1e-12 absolute near zero). Each case is computed three ways: from the samples
# (welch_test(float8[], float8[])) or from avg/stddev_samp/count (diff_in_diff's tuple form); from
# stats summaries built by la_stats_agg (id + 1000); and from summaries merged with la_merge_agg out
# of up to four uneven partial summaries per group (id + 2000). scipy 1.10's t.ppf is itself only
# good to about 2e-9 relative, so the reference quantile inverts scipy's t.sf (accurate to ~1e-15)
# with brentq.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import scipy.stats' 2>/dev/null; then
  la_t_skip "python3-scipy is not installed (test/lib/deps.sh lists it)"
fi
work=$(mktemp -d); la_t_cleanup_add rm -rf "$work"
ext=$(la_t_ext_schema)
[ -n "$ext" ] || { echo "learnalytics is not installed in $LA_DB"; exit 1; }

# 1. cases: seeded samples, written as SQL calls and as JSON for the reference
"$PY" - "$work" "$ext" <<'PY'
import json, random, sys
work, ext = sys.argv[1], sys.argv[2]
rng = random.Random(20261122)
cases = []
with open(f"{work}/cases.sql", "w") as f:
    for i in range(60):
        kind = "welch" if i < 40 else "did"
        conf = rng.choice([0.8, 0.9, 0.95, 0.99])
        if kind == "welch":
            groups = [[round(rng.gauss(rng.uniform(-5, 5), rng.uniform(0.3, 4)), 6)
                       for _ in range(rng.randint(2, 60))] for _ in range(2)]
            a, b = groups
            f.write(f"SELECT {i}, w.* FROM {ext}.welch_test(ARRAY{a}::float8[], ARRAY{b}::float8[], {conf}) w;\n")
        else:
            groups = [[round(rng.gauss(rng.uniform(0, 3), rng.uniform(0.5, 3)), 6)
                       for _ in range(rng.randint(2, 40))] for _ in range(4)]
            stats = []
            for g in groups:
                stats.append(f"(SELECT avg(x) FROM unnest(ARRAY{g}::float8[]) x), "
                             f"(SELECT stddev_samp(x) FROM unnest(ARRAY{g}::float8[]) x), {len(g)}")
            f.write(f"SELECT {i}, d.* FROM {ext}.diff_in_diff({', '.join(stats)}, {conf}) d;\n")
        # the summary forms: la_stats_agg over each group, and la_merge_agg over partial summaries
        direct = [f"(SELECT {ext}.la_stats_agg(x) FROM unnest(ARRAY{g}::float8[]) x)" for g in groups]
        merged = [f"(SELECT {ext}.la_merge_agg(s) FROM (SELECT {ext}.la_stats_agg(x) AS s "
                  f"FROM unnest(ARRAY{g}::float8[]) WITH ORDINALITY u(x, k) "
                  f"GROUP BY (k * 7) % 5 < 1, k % 2 = 0) p)" for g in groups]
        for offset, sums in ((1000, direct), (2000, merged)):
            fn = "welch_test" if kind == "welch" else "diff_in_diff"
            f.write(f"SELECT {i + offset}, r.* FROM {ext}.{fn}({', '.join(sums)}, {conf}) r;\n")
        cases.append({"id": i, "kind": kind, "conf": conf, "groups": groups})
json.dump(cases, open(f"{work}/cases.json", "w"))
PY

# 2. learnalytics' answers
la_t_psql -F, -f "$work/cases.sql" > "$work/got.csv"

# 3. the reference, and the comparison
"$PY" - "$work" <<'PY'
import csv, json, math, sys
from statistics import mean, stdev
from scipy import optimize, stats
work = sys.argv[1]
cases = {c["id"]: c for c in json.load(open(f"{work}/cases.json"))}
fields = ["estimate", "std_error", "df", "t", "p_value", "ci_low", "ci_high", "conservative_effect"]
bad = checked = 0
worst = 0.0
for row in csv.reader(open(f"{work}/got.csv")):
    c = cases[int(row[0]) % 1000]
    got = [float(x) for x in row[1:]]
    g = c["groups"]
    m = [mean(x) for x in g]; s = [stdev(x) for x in g]; n = [len(x) for x in g]
    v = [si * si / ni for si, ni in zip(s, n)]
    if c["kind"] == "welch":
        est = m[0] - m[1]
        r = stats.ttest_ind(g[0], g[1], equal_var=False)   # scipy's own Welch t and p
        t_ref, p_ref = float(r.statistic), float(r.pvalue)
    else:
        est = (m[1] - m[0]) - (m[3] - m[2])
        t_ref = None
    se = math.sqrt(sum(v))
    df = sum(v) ** 2 / sum(vi * vi / (ni - 1) for vi, ni in zip(v, n))
    t = est / se
    if t_ref is None:
        t_ref = t
        p_ref = 2 * stats.t.sf(abs(t), df)
    alpha2 = (1 - c["conf"]) / 2
    q = optimize.brentq(lambda x: stats.t.sf(x, df) - alpha2, 0, 1e4, xtol=1e-14, rtol=1e-15)
    lo, hi = est - q * se, est + q * se
    cons = lo if lo > 0 else hi if hi < 0 else 0.0
    ref = [est, se, df, t_ref, p_ref, lo, hi, cons]
    for name, a, b in zip(fields, got, ref):
        checked += 1
        err = abs(a - b) / max(abs(b), 1e-300)
        if abs(a - b) > 1e-12 and err > 1e-9:
            bad += 1
            print(f"case {row[0]} ({c['kind']}) {name}: learnalytics {a!r} scipy {b!r} rel {err:.3g}")
        elif abs(b) > 1e-12:
            worst = max(worst, err)
print(f"{checked} values in {len(cases)} cases, each three ways; worst relative difference {worst:.3g}; {bad} beyond 1e-9")
assert checked == 3 * len(cases) * len(fields), "missing rows"
sys.exit(1 if bad else 0)
PY
