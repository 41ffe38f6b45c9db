#!/usr/bin/env bash
# Every value of every type learnalytics defines comes back out: a property test over generated
# values at the edges (local days at the ends of the event range in zones west and east of UTC,
# counters and weights near 2^63, empty summaries, the largest summaries, keys and names that need
# escaping, every currency shape, negative money at the int64 limit) of engagement_summary,
# roi_summary and stats_summary (random float bit patterns, subnormals, negative zero, the largest
# floats and counts; and their array types) and logit_summary (1 to 40 coefficients, the same
# float patterns; not in the array columns), checked
#   1. text:    out -> in -> out gives the same text and the same send bytes (and a stats_summary
#               written by the generator reads to exactly the bits it meant);
#   2. binary:  COPY ... (FORMAT binary) out and back in gives the same send bytes, row by row;
#   3. dump:    pg_dump -Fc of a database holding them, pg_restore into a new database of the same
#               cluster, compared row by row (text and send bytes);
# plus the refusals (NaN, infinities, timestamps outside years 1..9999, negative weights, forged
# text) with their SQLSTATEs. The catalog is the list of types: a base type added to the extension
# without a generator here fails the test. LA_RT_SEED picks another deterministic sample.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
command -v python3 >/dev/null || la_t_skip "python3 (the value generator) is not installed"
src=la_rt_src
dst=la_rt_dst
export PGOPTIONS='--client-min-messages=warning'
work=$(mktemp -d "${TMPDIR:-/tmp}/la_type_rt.XXXXXX")
chmod 755 "$work"
# the server (another OS user when we are root) writes the binary COPY files here
srv="$work/server"
mkdir -p "$srv" && chmod 1777 "$srv"
drop_dbs() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1
}
la_t_cleanup_add drop_dbs
la_t_cleanup_add rm -rf "$work"
pg_dump=${LA_BIN:+$LA_BIN/}pg_dump
pg_restore=${LA_BIN:+$LA_BIN/}pg_restore
seed=${LA_RT_SEED:-20261206}
fail=0

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
  -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" \
  -c "CREATE SCHEMA learnalytics" -c "CREATE EXTENSION learnalytics SCHEMA learnalytics" >/dev/null || exit 1

# 0. the types to cover, from the catalog: every base type that is a member of the extension
psql -X -A -t -d "$src" >"$work/types" <<'SQL' || exit 1
SELECT t.typname FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'learnalytics'
WHERE t.typtype NOT IN ('c', 'p') ORDER BY 1;
SQL
echo "extension types: $(tr '\n' ' ' <"$work/types")"
covered="engagement_summary roi_summary stats_summary logit_summary"
while read -r t; do
  case " $covered " in
    *" $t "*) ;;
    *) echo "FAIL: type $t of the extension has no generator in this test"; fail=1 ;;
  esac
done <"$work/types"

# 1. generate the values (deterministic for a seed) as SQL
python3 - "$seed" >"$work/load.sql" <<'PY' || { echo "generator failed"; exit 1; }
import random, sys, datetime, math, struct

rnd = random.Random(int(sys.argv[1]))
I64 = 2**63 - 1
US = 1000000
DAY = 86400 * US
EPOCH = datetime.datetime(2000, 1, 1)            # PostgreSQL's epoch, for microsecond counts
MIN_TS = -63082281600000000                       # 0001-01-01 00:00 UTC
MAX_TS = 252455615999999999                       # 9999-12-31 23:59:59.999999 UTC
UNIX = 946684800 * US                             # 2000-01-01 in Unix microseconds

def q(s):
    return "'" + s.replace("'", "''") + "'"

def ts_lit(us):
    d = EPOCH + datetime.timedelta(microseconds=us)
    return q('%04d-%02d-%02d %02d:%02d:%02d.%06d+00' % (d.year, d.month, d.day, d.hour, d.minute,
                                                      d.second, d.microsecond)) + '::timestamptz'

out = []
w = out.append
w("SET search_path = public, learnalytics;")
w("CREATE TABLE rt_engagement (id int PRIMARY KEY, s engagement_summary);")
w("CREATE TABLE rt_roi (id int PRIMARY KEY, s roi_summary);")
w("CREATE TABLE rt_stats (id int PRIMARY KEY, s stats_summary);")
w("CREATE TABLE rt_logit (id int PRIMARY KEY, s logit_summary);")
# the send bytes each hand-written stats_summary must read to (format word, n, four floats)
w("CREATE TABLE rt_stats_bits (id int PRIMARY KEY, b bytea, t text);")
w("CREATE TABLE rt_arrays (id int PRIMARY KEY, e engagement_summary[], r roi_summary[], st stats_summary[]);")
# hand-written values are valid by construction: the input must take every one (refusals recorded)
w("CREATE TABLE rt_refused (id int, kind text, sqlstate text, message text, value text);")
w("""CREATE FUNCTION rt_try(i int, k text, v text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  IF k = 'e' THEN INSERT INTO rt_engagement VALUES (i, v::engagement_summary);
  ELSIF k = 's' THEN INSERT INTO rt_stats VALUES (i, v::stats_summary);
  ELSIF k = 'l' THEN INSERT INTO rt_logit VALUES (i, v::logit_summary);
  ELSE INSERT INTO rt_roi VALUES (i, v::roi_summary); END IF;
EXCEPTION WHEN OTHERS THEN
  INSERT INTO rt_refused VALUES (i, k, SQLSTATE, SQLERRM, v);
END $f$;""")

# ---- engagement_summary ------------------------------------------------------------------
WEST = ['America/New_York', 'Pacific/Pago_Pago', 'Etc/GMT+12', 'America/St_Johns', 'America/Los_Angeles']
EAST = ['Asia/Tokyo', 'Pacific/Kiritimati', 'Etc/GMT-14', 'Asia/Kathmandu', 'Australia/Lord_Howe']
ZONES = WEST + EAST + ['UTC', 'Europe/Paris']
GAPS = [1, US, 30 * 60 * US, 30 * DAY]
GAP_LIT = {1: '1 microsecond', US: '1 second', 30 * 60 * US: '30 minutes', 30 * DAY: '30 days'}
KEYS = ['a', 'x' * 1024, 'quote " and \\ backslash', 'tab\tnew\nline', 'ünïcode ✓ 学习',
        "it's", '{"json":[1,2]}', ' ']

def edge_times():
    """Event times at and near the ends of the range, and some ordinary ones."""
    c = rnd.random()
    if c < 0.3:
        base = MIN_TS + rnd.choice([0, 1, US, 3600 * US, DAY - 1, DAY, 2 * DAY])
        return sorted({base + rnd.randrange(0, 3 * DAY) for _ in range(rnd.randint(1, 6))} | {MIN_TS})
    if c < 0.6:
        base = MAX_TS - rnd.choice([0, 1, US, 3600 * US, DAY - 1, DAY, 2 * DAY])
        return sorted({base - rnd.randrange(0, 3 * DAY) for _ in range(rnd.randint(1, 6))} | {MAX_TS})
    if c < 0.8:
        # around daylight-saving transitions of 2026 (Paris: 29 March, 25 October; New York: 8 March)
        base = rnd.choice([1774746000, 1792890000, 1772953200]) * US - UNIX
        return sorted({base + rnd.randrange(-2 * DAY, 2 * DAY) for _ in range(rnd.randint(1, 20))})
    # a long history: many days and sessions
    start = rnd.randrange(MIN_TS, MAX_TS - 400 * DAY)
    return sorted({start + rnd.randrange(0, 400 * DAY) for _ in range(rnd.randint(50, 400))})

def weights(n):
    c = rnd.random()
    if c < 0.25:                       # one weight near 2^63, the rest 0: every day total fits
        ws = [0] * n
        ws[rnd.randrange(n)] = I64 - rnd.randrange(0, 3)
        return ws
    if c < 0.5:
        return [I64 // n - rnd.randrange(0, 2) for _ in range(n)]
    return [rnd.choice([0, 1, 7, 1000]) for _ in range(n)]

eid = 0
def learner_summary(key_sql, tz, gap, times, ws, nulls=0):
    rows = [f"({ts_lit(t)}, {wt}::bigint)" for t, wt in zip(times, ws)]
    rows += ["(NULL::timestamptz, 1::bigint)"] * nulls
    return (f"(SELECT la_engagement_agg({key_sql}, ts, wt, {q(tz)}, "
            f"{q(GAP_LIT[gap])}::interval) FROM (VALUES {', '.join(rows)}) v(ts, wt))")

for i in range(160):
    eid += 1
    tz = ZONES[i % len(ZONES)]
    gap = rnd.choice(GAPS)
    times = edge_times()
    key = rnd.choice(KEYS)
    key_sql = q(key) if rnd.random() < 0.8 else q(str(rnd.choice([-2**63, 2**63 - 1, 0, 42]))) + '::bigint'
    w(f"INSERT INTO rt_engagement VALUES ({eid}, {learner_summary(key_sql, tz, gap, times, weights(len(times)), rnd.choice([0, 0, 1, 3]))});")

# summaries with no event at all (only NULL timestamps), in every zone
for tz in ZONES:
    eid += 1
    w(f"INSERT INTO rt_engagement SELECT {eid}, la_engagement_agg('nobody', NULL::timestamptz, 1::bigint, {q(tz)}, '30 minutes');")

# cohorts of the learner summaries, per zone and gap (cohort_agg requires both to match)
w("INSERT INTO rt_engagement SELECT 10000 + row_number() OVER (), c FROM ("
  "SELECT la_engagement_cohort_agg(s) AS c FROM rt_engagement "
  "WHERE (engagement_info(s)).weight < 1000000000000 AND id < 10000 "
  "GROUP BY (engagement_info(s)).tz, (engagement_info(s)).session_gap) x;")

# hand-written cohorts with counters at the int64 limits, in fixed-offset zones where the local
# day is floor((t + offset) / day); first and last at the ends of the event range
def day_name(d):
    dd = datetime.date(2000, 1, 1).toordinal() + d
    if 1 <= dd <= datetime.date.max.toordinal():
        return datetime.date.fromordinal(dd).isoformat()
    # outside python's calendar: only 0001-12-31 BC and 10000-01-xx arise here
    if dd == 0:
        return '0001-12-31 BC'
    return '10000-01-%02d' % (dd - datetime.date(9999, 12, 31).toordinal())

FIXED = {'UTC': 0, 'Etc/GMT+12': -12 * 3600, 'Etc/GMT-14': 14 * 3600, 'Etc/GMT+1': -3600, 'Etc/GMT-1': 3600}
for i in range(40):
    eid += 1
    tz = rnd.choice(list(FIXED))
    off = FIXED[tz] * US
    first = rnd.choice([MIN_TS, MIN_TS + rnd.randrange(0, 5 * DAY), rnd.randrange(MIN_TS, MAX_TS)])
    last = rnd.choice([MAX_TS, min(MAX_TS, first + rnd.randrange(0, 5 * DAY)), first])
    d0, d1 = (first + off) // DAY, (last + off) // DAY
    days = sorted({d0, d1} | {rnd.randint(d0, d1) for _ in range(rnd.randint(0, 5))})
    learners = rnd.choice([1, 2, 1000, I64])
    ents = []
    for d in days:
        ev = rnd.choice([1, 5, I64, I64 - 1, rnd.randrange(1, I64)])
        ln = rnd.randint(1, min(ev, learners, 10**6)) if rnd.random() < 0.7 else min(ev, learners)
        ents.append('[%s,%d,%d,%d,%d,%d]' % ('"' + day_name(d) + '"', ev, rnd.choice([0, I64, rnd.randrange(0, I64)]),
                    rnd.randint(0, min(ev, 2**31 - 1)), rnd.choice([0, I64, rnd.randrange(0, I64)]), ln))
    j = ('{"version":1,"kind":"cohort","tz":"%s","gap_us":%d,"learners":%d,"skipped":%d,'
         '"first_us":%d,"last_us":%d,"days":[%s]}') % (tz, rnd.choice(GAPS), learners,
         rnd.choice([0, I64, rnd.randrange(0, I64)]), first + UNIX, last + UNIX, ','.join(ents))
    w(f"SELECT rt_try({eid}, 'e', {q(j)});")

# ---- roi_summary -------------------------------------------------------------------------
CATS = ['needs_analysis', 'design', 'development', 'delivery', 'platform_licences',
        'participant_time', 'coaching', 'evaluation', 'overhead']
NAMES = ['a', 'b', 'say "hi"', 'back\\slash', 'ünïcode ✓', 'a,b}{', 'x' * 200, ' ', '~', "it's",
         '学' * 66, 'é' * 100]

def money(v):
    u = -v if v < 0 else v
    return '%s%d.%04d' % ('-' if v < 0 else '', u // 10000, u % 10000)

def rmoney(lo=-2**63, hi=I64):
    return rnd.choice([lo, hi, 0, -1 if lo < 0 else 0, 1, rnd.randint(lo, hi), rnd.randint(-10**8, 10**8) if lo < 0 else rnd.randint(0, 10**8)])

def rcount(hi=I64):
    return rnd.choice([0, 0, min(hi, 1), min(hi, 2), hi, max(0, hi - 1), rnd.randint(0, hi)])

def roi_value():
    nb = rcount()
    nm = rnd.choice([0, nb, rnd.randint(0, nb)])
    ne = rcount(I64 - nb)
    nc = rcount(I64 - nb - ne)
    names = sorted({n.encode() for n in rnd.sample(NAMES, rnd.randint(0, 4))})
    if rnd.random() < 0.05:         # the largest summary: 1000 names of up to 200 bytes
        names = sorted({('%04d' % k + 'n' * 196).encode() for k in range(1000)})
    ni = 0 if not names else rnd.choice([len(names), I64, rnd.randint(len(names), I64)])
    ben = adj = 0
    if nm < nb:
        ben, adj = rmoney(), rmoney()
    ext = rmoney() if ne > 0 else 0
    costs = [0] * 9
    if nc > 0:
        budget = I64
        for k in rnd.sample(range(9), rnd.randint(0, 9)):
            costs[k] = rnd.choice([0, budget, rnd.randint(0, budget), min(budget, 1)])
            budget -= costs[k]
    cur = '-' if nb + ne + nc == 0 else rnd.choice(['USD', 'EUR', 'XAU', 'AAA', 'ZZZ', 'CHF'])
    esc = lambda n: '"' + n.decode().replace('\\', '\\\\').replace('"', '\\"') + '"'
    fields.append((cur, [nb, nm, ne, nc, ni], [ben, adj, ext] + costs, set(names)))
    return ('v1 cur=%s benefit_items=%d missing_items=%d extreme_items=%d cost_items=%d '
            'intangible_items=%d benefits=%s adjusted=%s extreme=%s %s intangibles={%s}') % (
        cur, nb, nm, ne, nc, ni, money(ben), money(adj), money(ext),
        ' '.join('%s=%s' % (c, money(v)) for c, v in zip(CATS, costs)), ','.join(esc(n) for n in names))

fields = []
rid = 0
for i in range(300):
    rid += 1
    w(f"SELECT rt_try({rid}, 'r', {q(roi_value())});")
# the empty summary, and summaries built by the aggregate from items at the amount limits
rid += 1
w(f"INSERT INTO rt_roi VALUES ({rid}, {q('v1 cur=- benefit_items=0 missing_items=0 extreme_items=0 cost_items=0 intangible_items=0 benefits=0.0000 adjusted=0.0000 extreme=0.0000 ' + ' '.join(c + '=0.0000' for c in CATS) + ' intangibles={}')});")
for i in range(40):
    rid += 1
    items = []
    cur = rnd.choice(['USD', 'EUR', 'JPY'])
    for k in range(rnd.randint(1, 8)):
        kind = rnd.choice(['benefit', 'benefit', 'extreme', 'cost', 'intangible'])
        amt = rnd.choice(['922337203685477', '-922337203685477', '0.00005', '-0.00005', '0.0001',
                          '123456789.98765', 'NULL'])
        f1 = rnd.choice(['0', '1', '0.5', '0.333333'])
        if kind == 'benefit':
            items.append(f"('benefit', NULL, {amt}::numeric, {f1}::numeric, {rnd.choice(['1', '0.7'])}::numeric)")
        elif kind == 'extreme':
            items.append(f"('extreme', NULL, {amt if amt != 'NULL' else '1'}::numeric, NULL::numeric, NULL::numeric)")
        elif kind == 'cost':
            a = amt.lstrip('-') if amt != 'NULL' else '0'
            items.append(f"('cost', {q(rnd.choice(CATS))}, {a}::numeric, NULL::numeric, NULL::numeric)")
        else:
            items.append(f"('intangible', {q(rnd.choice(NAMES))}, NULL::numeric, NULL::numeric, NULL::numeric)")
    # sums may leave the range: such a row is simply not inserted (the error is the right answer)
    w(f"DO $$ BEGIN INSERT INTO rt_roi SELECT {rid}, la_roi_agg(k, l, a, i, c, {q(cur)}) "
      f"FROM (VALUES {', '.join(items)}) v(k, l, a, i, c); "
      f"EXCEPTION WHEN numeric_value_out_of_range THEN NULL; END $$;")

# combinations of generated summaries whose currencies match and whose sums fit (so must succeed)
def combinable(x, y):
    if x[0] != '-' and y[0] != '-' and x[0] != y[0]:
        return False
    if any(u + v > I64 for u, v in zip(x[1], y[1])) or sum(x[1][0:1] + x[1][2:4] + y[1][0:1] + y[1][2:4]) > I64:
        return False
    if any(not -2**63 <= u + v <= I64 for u, v in zip(x[2], y[2])) or sum(x[2][3:] + y[2][3:]) > I64:
        return False
    return len(x[3] | y[3]) <= 1000
pairs = [(i, j) for i in range(300) for j in range(300) if combinable(fields[i], fields[j])]
for a, b in rnd.sample(pairs, min(60, len(pairs))):
    a, b = a + 1, b + 1
    rid += 1
    w(f"INSERT INTO rt_roi SELECT {rid}, learnalytics_internal.la_roi_combine(a.s, b.s) FROM rt_roi a, rt_roi b "
      f"WHERE a.id = {a} AND b.id = {b};")

# ---- stats_summary -----------------------------------------------------------------------
F64MAX = sys.float_info.max

def rfloat():
    c = rnd.random()
    if c < 0.15:
        return rnd.choice([F64MAX, -F64MAX, 5e-324, -5e-324, 2.2250738585072014e-308, 0.0, -0.0, 0.1, 1 / 3])
    if c < 0.5:                     # any finite bit pattern: every exponent, subnormals included
        while True:
            v = struct.unpack('>d', struct.pack('>Q', rnd.getrandbits(64)))[0]
            if math.isfinite(v):
                return v
    if c < 0.75:
        return rnd.uniform(-1e6, 1e6)
    return rnd.choice([1, -1]) * 10 ** rnd.uniform(-300, 300)

def stats_value():
    n = rnd.choice([0, 1, 2, 3, rnd.randint(2, 10**6), I64, I64 - 1, rnd.randint(2, I64)])
    if n == 0:
        mean = m2 = lo = hi = 0.0
    elif n == 1:
        mean = lo = hi = rfloat()
        m2 = 0.0
    else:
        lo, mean, hi = sorted([rfloat(), rfloat(), rfloat()])
        if rnd.random() < 0.1:
            mean = hi = lo
        m2 = 0.0 if lo == hi else abs(rfloat())
    fields = [('n', str(n)), ('mean', repr(mean)), ('m2', repr(m2)), ('min', repr(lo)), ('max', repr(hi))]
    sep = ','
    if rnd.random() < 0.2:          # any field order, JSON whitespace
        rnd.shuffle(fields)
        sep = ' ,\n '
    text = '{' + sep.join('"%s":%s' % f for f in fields) + '}'
    return text, struct.pack('>Iqdddd', 1, n, mean, m2, lo, hi).hex()

sid = 0
for i in range(400):
    sid += 1
    text, bits = stats_value()
    w(f"SELECT rt_try({sid}, 's', {q(text)});")
    w(f"INSERT INTO rt_stats_bits VALUES ({sid}, '\\x{bits}', {q(text)});")
# summaries built by la_stats_agg (values whose squared deviations may leave float8: such a row is
# simply not inserted), and merges of generated ones with learnalytics_internal.la_stats_combine
for i in range(60):
    sid += 1
    vals = ', '.join('(%r::float8)' % rfloat() if rnd.random() < 0.3 else '(%r::float8)' % rnd.uniform(-1e3, 1e3)
                     for _ in range(rnd.randint(1, 12)))
    w(f"DO $$ BEGIN INSERT INTO rt_stats SELECT {sid}, la_stats_agg(x) FROM (VALUES {vals}, (NULL)) v(x); "
      f"EXCEPTION WHEN numeric_value_out_of_range THEN NULL; END $$;")
for i in range(60):
    sid += 1
    a, b = rnd.randint(1, 400), rnd.randint(1, 400)
    w(f"DO $$ BEGIN INSERT INTO rt_stats SELECT {sid}, learnalytics_internal.la_stats_combine(a.s, b.s) FROM rt_stats a, rt_stats b "
      f"WHERE a.id = {a} AND b.id = {b}; EXCEPTION WHEN numeric_value_out_of_range THEN NULL; END $$;")

# ---- logit_summary -----------------------------------------------------------------------
def logit_value():
    d = rnd.choice([1, 2, 3, 5, 12, rnd.randint(1, 40)])
    p = d - 1
    n = rnd.choice([0, 1, 2, rnd.randint(1, 10**6), I64])
    fl = lambda k: [rfloat() for _ in range(k)]
    nonneg = lambda k: [abs(rfloat()) for _ in range(k)]
    coef, center, scale = fl(d), fl(p), [0.0 if rnd.random() < 0.2 else v for v in nonneg(p)]
    if n == 0:
        ws = pos = ll = 0.0
        grad, hess, mean, m2 = [0.0] * d, [0.0] * (d * (d + 1) // 2), [0.0] * p, [0.0] * p
    else:
        ws = abs(rfloat()) or 1.0
        pos = rnd.choice([0.0, ws, ws * rnd.random()])
        ll = -abs(rfloat())
        grad, mean, m2 = fl(d), fl(p), nonneg(p)
        hess = []
        for j in range(d):
            hess += [abs(rfloat())] + fl(d - j - 1)
    arr = lambda v: ','.join(repr(x) for x in v)
    return ('v1 d=%d n=%d w=%r pos=%r ll=%r coef=%s center=%s scale=%s grad=%s hess=%s mean=%s m2=%s'
            % (d, n, ws, pos, ll, arr(coef), arr(center), arr(scale), arr(grad), arr(hess), arr(mean), arr(m2)))

lid = 0
for i in range(200):
    lid += 1
    w(f"SELECT rt_try({lid}, 'l', {q(logit_value())});")
# summaries built by la_logit_agg, and merges of them
for i in range(30):
    lid += 1
    p = rnd.randint(0, 6)
    rows = ', '.join('(ARRAY[%s]::float8[], %s, %r::float8)' % (','.join(repr(rnd.uniform(-1e3, 1e3)) for _ in range(p)),
                     rnd.choice(['true', 'false', 'NULL']), rnd.choice([0.0, 1.0, rnd.uniform(0, 5)]))
                     for _ in range(rnd.randint(1, 12)))
    coef = 'ARRAY[%s]::float8[]' % ','.join(repr(rnd.uniform(-0.01, 0.01)) for _ in range(p + 1))
    w(f"INSERT INTO rt_logit SELECT {lid}, s FROM (SELECT la_logit_agg(f, y::boolean, wt, {coef}, NULL, NULL) AS s "
      f"FROM (VALUES {rows}) v(f, y, wt)) q WHERE s IS NOT NULL;")
    lid += 1
    w(f"INSERT INTO rt_logit SELECT {lid}, s FROM (SELECT la_merge_agg(s) AS s FROM (SELECT la_logit_agg(f, y::boolean, wt, {coef}, NULL, NULL) AS s "
      f"FROM (VALUES {rows}) v(f, y, wt) GROUP BY y::boolean) g) q WHERE s IS NOT NULL;")

# arrays of every type, NULL elements included
w("INSERT INTO rt_arrays SELECT g, (SELECT array_agg(s ORDER BY id) FROM rt_engagement WHERE id % 17 = g),"
  " (SELECT array_agg(s ORDER BY id) || NULL::roi_summary FROM rt_roi WHERE id % 17 = g),"
  " (SELECT array_agg(s ORDER BY id) || NULL::stats_summary FROM rt_stats WHERE id % 17 = g) FROM generate_series(0, 16) g;")
w("DROP FUNCTION rt_try(int, text, text);")
print('\n'.join(out))
PY
psql -X -q -v ON_ERROR_STOP=1 -d "$src" -f "$work/load.sql" >"$work/load.log" 2>&1 || {
  echo "FAIL: loading the generated values"; tail -n 20 "$work/load.log"; exit 1; }

psql -X -q -A -t -d "$src" -c "SELECT 'input refused a valid ' || kind || ' value ' || id || ' (' || sqlstate || ' ' || message || '): ' || left(value, 300) FROM rt_refused ORDER BY id" >"$work/refused" 2>&1
if [ -s "$work/refused" ]; then echo "FAIL: $(wc -l <"$work/refused") generated values refused by the input"; head -n 5 "$work/refused"; fail=1; fi

# a fingerprint of every row: text form and send bytes (any difference shows)
fingerprint() {
  psql -X -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SET search_path = public, learnalytics;
SELECT 'e', id, md5(s::text), md5(learnalytics_internal.la_engagement_send(s)) FROM rt_engagement ORDER BY id;
SELECT 'r', id, md5(s::text), md5(learnalytics_internal.la_roi_send(s)) FROM rt_roi ORDER BY id;
SELECT 's', id, md5(s::text), md5(learnalytics_internal.la_stats_send(s)) FROM rt_stats ORDER BY id;
SELECT 'l', id, md5(s::text), md5(learnalytics_internal.la_logit_send(s)) FROM rt_logit ORDER BY id;
SELECT 'x', id, kind, sqlstate FROM rt_refused ORDER BY id;
SELECT 'a', id, md5(e::text), md5(r::text), md5(st::text) FROM rt_arrays ORDER BY id;
SQL
}
psql -X -A -t -d "$src" -c "SELECT 'generated: ' || (SELECT count(*) FROM rt_engagement) || ' engagement summaries, '
  || (SELECT count(*) FROM rt_roi) || ' roi summaries, ' || (SELECT count(*) FROM rt_stats) || ' stats summaries, '
  || (SELECT count(*) FROM rt_logit) || ' logit summaries, ' || (SELECT count(*) FROM rt_arrays) || ' array rows'"

# the sample must reach the edges it is about (else a generator change would weaken the test)
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$src" >"$work/coverage" 2>&1 <<'SQL'
SET search_path = public, learnalytics;
SELECT edge || ': ' || n FROM (
  SELECT 'engagement days in 1 BC' AS edge, count(*) FILTER (WHERE s::text LIKE '% BC"%') AS n FROM rt_engagement
  UNION ALL SELECT 'engagement days in 10000 AD', count(*) FILTER (WHERE s::text LIKE '%"10000-01-%') FROM rt_engagement
  UNION ALL SELECT 'engagement learners with a day weight above 2^62',
    count(*) FILTER (WHERE CASE WHEN s::text LIKE '%"kind":"learner"%'
                                THEN (engagement_info(s)).weight > 4611686018427387904 END) FROM rt_engagement
  UNION ALL SELECT 'engagement cohorts with events at 2^63-1', count(*) FILTER (WHERE s::text LIKE '%,9223372036854775807,%' AND s::text LIKE '%"cohort"%') FROM rt_engagement
  UNION ALL SELECT 'engagement empty summaries', count(*) FILTER (WHERE s::text LIKE '%"days":[]%') FROM rt_engagement
  UNION ALL SELECT 'engagement zones west', count(*) FILTER (WHERE (engagement_info(s)).tz IN ('America/New_York', 'Pacific/Pago_Pago', 'Etc/GMT+12')) FROM rt_engagement WHERE s::text NOT LIKE '%"cohort"%'
  UNION ALL SELECT 'engagement zones east', count(*) FILTER (WHERE (engagement_info(s)).tz IN ('Asia/Tokyo', 'Pacific/Kiritimati', 'Etc/GMT-14')) FROM rt_engagement WHERE s::text NOT LIKE '%"cohort"%'
  UNION ALL SELECT 'roi without currency', count(*) FILTER (WHERE s::text LIKE 'v1 cur=- %') FROM rt_roi
  UNION ALL SELECT 'roi with a count at 2^63-1', count(*) FILTER (WHERE s::text LIKE '%=9223372036854775807 %') FROM rt_roi
  UNION ALL SELECT 'roi with money at -2^63', count(*) FILTER (WHERE s::text LIKE '%=-922337203685477.5808 %') FROM rt_roi
  UNION ALL SELECT 'roi with 1000 names', count(*) FILTER (WHERE cardinality(intangibles(s)) = 1000) FROM rt_roi
  UNION ALL SELECT 'roi built by la_roi_agg', count(*) FILTER (WHERE id BETWEEN 302 AND 341) FROM rt_roi
  UNION ALL SELECT 'roi built by learnalytics_internal.la_roi_combine', count(*) FILTER (WHERE id > 341) FROM rt_roi
  UNION ALL SELECT 'stats with n at 2^63-1', count(*) FILTER (WHERE num_vals(s) = 9223372036854775807) FROM rt_stats
  UNION ALL SELECT 'stats of no values', count(*) FILTER (WHERE num_vals(s) = 0) FROM rt_stats
  UNION ALL SELECT 'stats with a subnormal min', count(*) FILTER (WHERE min_val(s) <> 0 AND abs(min_val(s)) < 2.2250738585072014e-308) FROM rt_stats
  UNION ALL SELECT 'stats with a negative zero', count(*) FILTER (WHERE s::text LIKE '%:-0,%' OR s::text LIKE '%:-0}') FROM rt_stats
  UNION ALL SELECT 'stats with the largest float', count(*) FILTER (WHERE max_val(s) = 1.7976931348623157e308 OR min_val(s) = -1.7976931348623157e308) FROM rt_stats
  UNION ALL SELECT 'stats written in another field order', count(*) FILTER (WHERE t NOT LIKE '{"n":%') FROM rt_stats JOIN rt_stats_bits USING (id)
  UNION ALL SELECT 'stats built by la_stats_agg', count(*) FILTER (WHERE id BETWEEN 401 AND 460) FROM rt_stats
  UNION ALL SELECT 'stats built by learnalytics_internal.la_stats_combine', count(*) FILTER (WHERE id > 460) FROM rt_stats
  UNION ALL SELECT 'logit of no rows', count(*) FILTER (WHERE logit_num_rows(s) = 0) FROM rt_logit
  UNION ALL SELECT 'logit with n at 2^63-1', count(*) FILTER (WHERE logit_num_rows(s) = 9223372036854775807) FROM rt_logit
  UNION ALL SELECT 'logit intercept only', count(*) FILTER (WHERE s::text LIKE 'v1 d=1 %') FROM rt_logit
  UNION ALL SELECT 'logit with a constant feature', count(*) FILTER (WHERE s::text ~ ' scale=([^ ]*,)?0(,| )') FROM rt_logit
  UNION ALL SELECT 'logit built by la_logit_agg', count(*) FILTER (WHERE id > 200) FROM rt_logit) c;
SQL
cat "$work/coverage"
if grep -q ': 0$\|ERROR' "$work/coverage"; then echo "FAIL: the sample misses an edge"; fail=1; fi

# 2. text round trip: out -> in -> out is the same text and the same bytes
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$src" >"$work/text" 2>&1 <<'SQL'
SET search_path = public, learnalytics;
SELECT 'engagement text mismatch ' || id FROM rt_engagement
WHERE s::text::engagement_summary::text <> s::text
   OR learnalytics_internal.la_engagement_send(s::text::engagement_summary) <> learnalytics_internal.la_engagement_send(s);
SELECT 'roi text mismatch ' || id FROM rt_roi
WHERE s::text::roi_summary::text <> s::text OR learnalytics_internal.la_roi_send(s::text::roi_summary) <> learnalytics_internal.la_roi_send(s);
SELECT 'stats text mismatch ' || id FROM rt_stats
WHERE s::text::stats_summary::text <> s::text OR learnalytics_internal.la_stats_send(s::text::stats_summary) <> learnalytics_internal.la_stats_send(s);
SELECT 'logit text mismatch ' || id FROM rt_logit
WHERE s::text::logit_summary::text <> s::text OR learnalytics_internal.la_logit_send(s::text::logit_summary) <> learnalytics_internal.la_logit_send(s);
SELECT 'stats value ' || id || ' is not the bits the generator wrote' FROM rt_stats JOIN rt_stats_bits USING (id)
WHERE learnalytics_internal.la_stats_send(s) <> b;
SELECT 'array text mismatch ' || id FROM rt_arrays
WHERE e::text::engagement_summary[]::text <> e::text OR r::text::roi_summary[]::text <> r::text
   OR st::text::stats_summary[]::text <> st::text;
SQL
if [ $? -ne 0 ] || [ -s "$work/text" ]; then echo "FAIL: text round trip"; head -n 20 "$work/text"; fail=1
else echo "ok: text round trip"; fi

# 3. binary round trip: COPY ... (FORMAT binary) out of the tables and into copies of them
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >"$work/binary" 2>&1 <<SQL
SET search_path = public, learnalytics;
CREATE TABLE bin_engagement (LIKE rt_engagement);
CREATE TABLE bin_roi (LIKE rt_roi);
CREATE TABLE bin_stats (LIKE rt_stats);
CREATE TABLE bin_logit (LIKE rt_logit);
CREATE TABLE bin_arrays (LIKE rt_arrays);
COPY rt_engagement TO '$srv/e.bin' (FORMAT binary);
COPY rt_roi TO '$srv/r.bin' (FORMAT binary);
COPY rt_stats TO '$srv/s.bin' (FORMAT binary);
COPY rt_logit TO '$srv/l.bin' (FORMAT binary);
COPY rt_arrays TO '$srv/a.bin' (FORMAT binary);
COPY bin_engagement FROM '$srv/e.bin' (FORMAT binary);
COPY bin_roi FROM '$srv/r.bin' (FORMAT binary);
COPY bin_stats FROM '$srv/s.bin' (FORMAT binary);
COPY bin_logit FROM '$srv/l.bin' (FORMAT binary);
COPY bin_arrays FROM '$srv/a.bin' (FORMAT binary);
\pset tuples_only on
SELECT 'engagement binary mismatch ' || coalesce(a.id, b.id) FROM rt_engagement a FULL JOIN bin_engagement b USING (id)
WHERE learnalytics_internal.la_engagement_send(a.s) IS DISTINCT FROM learnalytics_internal.la_engagement_send(b.s);
SELECT 'roi binary mismatch ' || coalesce(a.id, b.id) FROM rt_roi a FULL JOIN bin_roi b USING (id)
WHERE learnalytics_internal.la_roi_send(a.s) IS DISTINCT FROM learnalytics_internal.la_roi_send(b.s);
SELECT 'stats binary mismatch ' || coalesce(a.id, b.id) FROM rt_stats a FULL JOIN bin_stats b USING (id)
WHERE learnalytics_internal.la_stats_send(a.s) IS DISTINCT FROM learnalytics_internal.la_stats_send(b.s);
SELECT 'logit binary mismatch ' || coalesce(a.id, b.id) FROM rt_logit a FULL JOIN bin_logit b USING (id)
WHERE learnalytics_internal.la_logit_send(a.s) IS DISTINCT FROM learnalytics_internal.la_logit_send(b.s);
SELECT 'array binary mismatch ' || coalesce(a.id, b.id) FROM rt_arrays a FULL JOIN bin_arrays b USING (id)
WHERE a.e::text IS DISTINCT FROM b.e::text OR a.r::text IS DISTINCT FROM b.r::text
   OR a.st::text IS DISTINCT FROM b.st::text;
DROP TABLE bin_engagement, bin_roi, bin_stats, bin_logit, bin_arrays;
SQL
if [ $? -ne 0 ] || grep -q . "$work/binary"; then echo "FAIL: binary round trip"; head -n 20 "$work/binary"; fail=1
else echo "ok: binary round trip"; fi

# 4. pg_dump -Fc and pg_restore into a new database of the same cluster, compared row by row
fingerprint "$src" >"$work/before" || { echo "FAIL: fingerprint of the source"; fail=1; }
if "$pg_dump" -Fc -f "$work/dump" "$src" 2>"$work/dump.err" &&
   "$pg_restore" -d "$dst" --exit-on-error "$work/dump" 2>"$work/restore.err"; then
  fingerprint "$dst" >"$work/after"
  if [ -s "$work/before" ] && cmp -s "$work/before" "$work/after"; then
    echo "ok: pg_dump/pg_restore kept $(wc -l <"$work/before") rows identical"
  else
    echo "FAIL: rows differ after pg_dump/pg_restore"; diff "$work/before" "$work/after" | head -n 20; fail=1
  fi
else
  echo "FAIL: pg_dump/pg_restore"; cat "$work/dump.err" "$work/restore.err" | head -n 20; fail=1
fi

# 5. refusals, each with its SQLSTATE
psql -X -q -A -t -d "$src" >"$work/refusals" 2>&1 <<'SQL'
SET search_path = public, learnalytics;
CREATE TEMP TABLE refusal (expr text, want text);
INSERT INTO refusal VALUES
  ($$la_roi_agg('benefit', NULL, 'NaN', 1, 1, 'USD')$$, '22023'),
  ($$la_roi_agg('benefit', NULL, 100, 'NaN', 1, 'USD')$$, '22023'),
  ($$la_roi_agg('cost', 'design', 'Infinity', NULL, NULL, 'USD')$$, '22023'),
  ($$la_roi_agg('benefit', NULL, 922337203685478, 1, 1, 'USD')$$, '22003'),
  ($$la_roi_agg('benefit', NULL, 1, 1, 1, 'US')$$, '22023'),
  ($$la_engagement_agg('a', '0001-01-01 00:00+00'::timestamptz - interval '1 microsecond')$$, '22008'),
  ($$la_engagement_agg('a', '10000-01-01 00:00+00'::timestamptz)$$, '22008'),
  ($$la_engagement_agg('a', 'infinity'::timestamptz)$$, '22008'),
  ($$la_engagement_agg('a', '2026-01-01 00:00+00'::timestamptz, -1::bigint)$$, '22023'),
  ($$'v1 cur=- benefit_items=9223372036854775807 missing_items=0 extreme_items=2 cost_items=9223372036854775807 intangible_items=0 benefits=1.0000 adjusted=1.0000 extreme=1.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=1.0000 intangibles={}'::roi_summary$$, '22003'),
  ($$'v1 cur=U'::roi_summary$$, '22P02'),
  ($$'v1 cur=USD benefit_items=0 missing_items=0 extreme_items=0 cost_items=1 intangible_items=0 benefits=NaN adjusted=0.0000 extreme=0.0000 needs_analysis=0.0000 design=0.0000 development=0.0000 delivery=0.0000 platform_licences=0.0000 participant_time=0.0000 coaching=0.0000 evaluation=0.0000 overhead=0.0000 intangibles={}'::roi_summary$$, '22P02'),
  ($$replace((SELECT s::text FROM rt_engagement WHERE id = 1), '"days":[["', '"days":[["0')::engagement_summary$$, '22P02'),
  ($${"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":NaN,"learners":1,"skipped":0,"days":[],"sessions":[]}$$, '22P02'),
  ($$'{"version":1,"kind":"learner","learner":"a","tz":"UTC","gap_us":1800000000,"learners":1,"skipped":0,"first_us":0,"last_us":0,"days":[["0000-12-31",1,0,1,0]],"sessions":[[0,0]]}'::engagement_summary$$, '22P02'),
  ($$la_stats_agg('NaN'::float8)$$, '22023'),
  ($$la_stats_agg('-Infinity'::float8)$$, '22023'),
  ($$'{"n":1,"mean":NaN,"m2":0,"min":1,"max":1}'::stats_summary$$, '22P02'),
  ($$'{"n":2,"mean":3,"m2":0,"min":1,"max":2}'::stats_summary$$, '22P02'),
  ($$'{"n":9223372036854775808,"mean":1,"m2":0,"min":1,"max":1}'::stats_summary$$, '22003'),
  ($$'{"n":2,"mean":1e309,"m2":0,"min":1,"max":1}'::stats_summary$$, '22003'),
  ($$learnalytics_internal.la_stats_combine('{"n":9223372036854775807,"mean":1,"m2":0,"min":1,"max":1}', '{"n":1,"mean":1,"m2":0,"min":1,"max":1}')$$, '22003'),
  ($$learnalytics_internal.la_stats_combine('{"n":1,"mean":1e300,"m2":0,"min":1e300,"max":1e300}', '{"n":1,"mean":-1e300,"m2":0,"min":-1e300,"max":-1e300}')$$, '22003'),
  ($$la_logit_agg('{NaN}', true, 1, NULL, NULL, NULL)$$, '22023'),
  ($$la_logit_agg('{1}', true, -1, NULL, NULL, NULL)$$, '22023'),
  ($$la_logit_agg('{1,NULL}', true, 1, NULL, NULL, NULL)$$, '22004'),
  ($$'v1 d=1 n=1 w=1 pos=2 ll=-1 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary$$, '22P02'),
  ($$'v1 d=1 n=1 w=1 pos=0 ll=-1 coef=NaN center= scale= grad=0 hess=1 mean= m2='::logit_summary$$, '22P02'),
  ($$'v1 d=1 n=1 w=1 pos=0 ll=-1e999 coef=0 center= scale= grad=0 hess=1 mean= m2='::logit_summary$$, '22003');
UPDATE refusal SET expr = quote_literal(expr) || '::engagement_summary' WHERE expr LIKE '{%';
DO $$
DECLARE
  r record;
  got text;
BEGIN
  FOR r IN SELECT * FROM refusal LOOP
    BEGIN
      EXECUTE 'SELECT ' || r.expr;
      got := 'accepted';
    EXCEPTION WHEN OTHERS THEN
      got := SQLSTATE;
    END;
    IF got IS DISTINCT FROM r.want THEN
      RAISE WARNING 'refusal mismatch: % gave %, expected %', left(r.expr, 120), got, r.want;
    END IF;
  END LOOP;
END
$$;
SQL
if grep -q 'mismatch\|ERROR' "$work/refusals"; then echo "FAIL: refusals"; cat "$work/refusals"; fail=1
else echo "ok: refusals with their SQLSTATEs"; fi

if [ $fail -ne 0 ]; then echo "FAIL (seed $seed)"; exit 1; fi
echo "PASS (seed $seed)"
