#!/usr/bin/env bash
# la_median_mad_agg against numpy.median and scipy.stats.median_abs_deviation (scale 1, the
# unscaled MAD) on seeded inputs: random normal and heavy-tailed values, ties, one value, two
# values, even and odd counts, huge (1e300) and tiny (subnormal) magnitudes, mixed signs. Every
# median and MAD must be the same double, bit for bit (both take abs(x - median) and the mean of
# the two middle values as (a + b) / 2). The groups are aggregated with parallel query forced
# (the plan must show a partial aggregate and launched workers, so partial states go through
# serialize, deserialize and combine) and again without it: the two runs must agree. Values near
# the largest double, whose middle pair's sum overflows (numpy then says inf), are checked against
# exact rational arithmetic instead. robust_z against the same formula with scipy's normal scale.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=/usr/bin/python3
if ! "$PY" -c 'import numpy, scipy.stats' 2>/dev/null; then
  la_t_skip "python3-numpy or python3-scipy is not installed (/usr/bin/python3; test/lib/deps.sh lists them)"
fi
work=$(mktemp -d); la_t_cleanup_add rm -rf "$work"
ext=$(la_t_ext_schema)
[ -n "$ext" ] || { echo "learnalytics is not installed in $LA_DB"; exit 1; }

# 1. the cases: id,value rows (repr: the shortest text that reads back to the same double)
"$PY" - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
rng = random.Random(20261206)
cases = []
def add(kind, xs):
    cases.append({"id": len(cases) + 1, "kind": kind, "x": xs})
for i in range(40):
    n = rng.choice([rng.randint(1, 9), rng.randint(10, 400), rng.randint(400, 5000)])
    mu, sd = rng.uniform(-1e3, 1e3), rng.uniform(1e-3, 1e3)
    add("normal", [rng.gauss(mu, sd) for _ in range(n)])
for i in range(10):
    n = rng.randint(2, 3000)
    add("heavy", [rng.paretovariate(1.2) * rng.choice([-1, 1]) for _ in range(n)])
for i in range(10):
    n = rng.randint(1, 2000)
    add("ties", [float(rng.randint(0, rng.choice([1, 3, 10]))) for _ in range(n)])
add("one", [42.5]); add("one_negative", [-1e-7])
add("two", [1.0, 4.0]); add("two_equal", [3.0, 3.0]); add("two_mixed", [-2.5, 7.25])
add("even", [5.0, 1.0, 9.0, 2.0, 8.0, 3.0]); add("odd", [5.0, 1.0, 9.0, 2.0, 8.0])
for i in range(5):
    add("huge", [rng.uniform(-1, 1) * 10 ** rng.uniform(295, 300) for _ in range(rng.randint(2, 500))])
    add("tiny", [rng.uniform(-1, 1) * 10 ** rng.uniform(-323, -300) for _ in range(rng.randint(2, 500))])
    add("mixed", [rng.choice([1, -1]) * 10 ** rng.uniform(-300, 300) for _ in range(rng.randint(2, 500))])
add("subnormal_pair", [5e-324, 1e-323])
# big groups, so that each is split between the parallel workers
for i in range(2):
    add("big", [rng.gauss(0, 1) * 100 for _ in range(150000)])
# near the largest double: the middle pair's sum overflows (exact oracle, not numpy)
add("overflow_even", [1.7e308, 1.6e308, -1.0, 1.75e308])
add("overflow_mad", [-1.7e308, -1.7e308, 1.7e308, 1.7e308])
with open(f"{work}/values.csv", "w") as f:
    for c in cases:
        for x in c["x"]:
            f.write(f"{c['id']},{x!r}\n")
        f.write(f"{c['id']},\n")            # a NULL in every group: skipped
json.dump(cases, open(f"{work}/cases.json", "w"))
print(f"{len(cases)} groups, {sum(len(c['x']) for c in cases)} values")
PY

# 2. learnalytics' answers, with parallel query forced and without it
la_t_psql -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS q31_values" -c "CREATE TABLE q31_values (id integer, x float8)"
la_t_cleanup_add la_t_psql -c "DROP TABLE IF EXISTS q31_values"
la_t_psql -c "\\copy q31_values FROM '$work/values.csv' WITH (FORMAT csv)" -c "ANALYZE q31_values"
query="SELECT id, (m).n, (m).median, (m).mad FROM (SELECT id, $ext.la_median_mad_agg(x) AS m FROM q31_values GROUP BY id) s ORDER BY id"
parallel="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off; SET extra_float_digits = 3;"
la_t_psql -c "$parallel EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $query" > "$work/plan.txt"
if ! grep -q 'Partial .*Aggregate' "$work/plan.txt" || ! grep -Eq 'Workers Launched: [1-9]' "$work/plan.txt"; then
  echo "the parallel plan has no partial aggregate or launched no worker:"; cat "$work/plan.txt"; exit 1
fi
grep -E 'Partial|Workers Launched' "$work/plan.txt"
la_t_psql -F, -c "$parallel $query" > "$work/parallel.csv"
la_t_psql -F, -c "SET max_parallel_workers_per_gather = 0; SET extra_float_digits = 3; $query" > "$work/serial.csv"
if ! cmp -s "$work/parallel.csv" "$work/serial.csv"; then
  echo "parallel and serial runs differ:"; diff "$work/parallel.csv" "$work/serial.csv" | head; exit 1
fi
# robust_z on a few values (the last column: with mad 0)
la_t_psql -F, -c "SET extra_float_digits = 3; SELECT $ext.robust_z(x, m, d) FROM (VALUES (10.0::float8, 4.0::float8, 2.0::float8), (-3.5, 1.25, 0.75), (1e300, -1e300, 1e290)) v(x, m, d)" > "$work/z.csv"

# 3. the reference, and the comparison
"$PY" - "$work" <<'PY'
import csv, json, sys, warnings
from fractions import Fraction
import numpy as np
from scipy import stats
work = sys.argv[1]
cases = {c["id"]: c for c in json.load(open(f"{work}/cases.json"))}
def exact_median(xs):
    s = sorted(Fraction(x) for x in xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
bad = 0
rows = list(csv.reader(open(f"{work}/parallel.csv")))
assert len(rows) == len(cases), f"{len(rows)} rows for {len(cases)} groups"
for r in rows:
    c = cases[int(r[0])]
    n, med, mad = int(r[1]), float(r[2]), float(r[3])
    x = np.array(c["x"], dtype=np.float64)
    if c["kind"].startswith("overflow"):
        # exact: the median correctly rounded; the deviations from the double median, exactly,
        # each rounded as a double, then their median correctly rounded
        ref_med = float(exact_median(c["x"]))
        devs = [float(abs(Fraction(v) - Fraction(ref_med))) for v in c["x"]]
        ref_mad = float(exact_median(devs))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ref_med = float(np.median(x))
            ref_mad = float(stats.median_abs_deviation(x))
    if n != len(c["x"]) or med != ref_med or mad != ref_mad:
        bad += 1
        print(f"group {c['id']} ({c['kind']}, {len(c['x'])} values): learnalytics n={n} median={med!r} mad={mad!r}; "
              f"reference median={ref_med!r} mad={ref_mad!r}")
zs = [float(l.strip()) for l in open(f"{work}/z.csv")]
scale = float(1 / stats.norm.ppf(0.75))
zref = [(10.0 - 4.0) / (scale * 2.0), (-3.5 - 1.25) / (scale * 0.75), (1e300 + 1e300) / (scale * 1e290)]
for got, ref in zip(zs, zref):
    if abs(got - ref) > 1e-15 * abs(ref):
        bad += 1
        print(f"robust_z: learnalytics {got!r} reference {ref!r}")
kinds = sorted({c["kind"] for c in cases.values()})
print(f"{len(rows)} groups ({', '.join(kinds)}): median and MAD bit for bit; {bad} differences")
sys.exit(1 if bad else 0)
PY
