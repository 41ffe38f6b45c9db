#!/usr/bin/env bash
# Independent oracle for the xAPI load (src/xapi/stream.c, derive.c): the same statements through
# each of the three entry points -- xapi_ingest(jsonb), xapi_ingest_staged(regclass) and COPY into
# the view xapi_statement_stream -- each into its own database, then:
#   (a) every column of xapi_statements (stored apart) against the plain-SQL derivation the store
#       was specified by (the expression list of the SQL ingest before the C rewrite), computed here
#       over the input as sent: EXCEPT both ways per column, with mismatch counts and examples;
#   (b) the three stores, statement ids, voids, rejects, loads and partitions identical (generated
#       ids and `stored` aside);
#   (c) xapi_statement_ids.content_hash = xapi_content_hash(statement as sent), its timestamp and
#       voiding flag; voided flags; every statement's expected outcome and xapi_loads counts.
# Input (seeded, python3): three loads. 1: 10,000 varied statements with version NULL (3 flushes of
# 4096), voiding statements and targets in different flushes in both orders, plus the valid
# specification and xapi-schema examples of $LA_SHARED/data/xapi; 2: version '1.0' with the ADL
# 1.0.3 valid set and voiding across loads both ways; 3: version '2.0.0' in rejects mode with the ADL
# 2.0 valid set, re-sent (exists) and conflicting statements, duplicate ids in one flush and across
# the flush boundary, invalid statements. Without the fixtures the generated statements still run.
#   XO_SEED overrides the seed; XO_KEEP=1 keeps the databases and the work directory.
# Two checks: the fixtures are there (skipped when they are not, and the loads go on without
# them), and the three entry points agree with the oracle and with each other.
set -uo pipefail
source "$(dirname "$0")/../lib/t.sh"
PY=$(command -v python3) || la_t_skip "python3 is needed to generate the statements"
base=${LA_DB:-learnalytics_regress}_xo
paths=(ingest staged stream)
key='\x6c6561726e616c7974696373206f7261636c65206b65792c2033322062797465'   # 32 bytes
work=$(mktemp -d "${TMPDIR:-/tmp}/la_xapi_oracle.XXXXXX")
chmod 755 "$work"
export PGOPTIONS='-c client_min_messages=warning -c TimeZone=America/St_Johns'
start=$(date +%s)

drop_all() {
  if [ "${XO_KEEP:-0}" = 1 ]; then
    echo "kept $work and the databases ${paths[*]/#/${base}_}"
    return
  fi
  for p in "${paths[@]}"; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ${base}_$p" >/dev/null 2>&1
  done
  rm -rf "$work"
}
la_t_cleanup_add drop_all

# ---------------------------------------------------------------------------------------------
# 1. the statements
# ---------------------------------------------------------------------------------------------
cat >"$work/gen.py" <<'PY'
import json, math, os, random, re, sys, uuid

seed = int(os.environ.get("XO_SEED", "20261122"))
rng = random.Random(seed)
fixtures, out = sys.argv[1], sys.argv[2]

NUM = re.compile(r'"@@N:([^"@]*)@@"')
def num(s):            # a JSON number written exactly as s
    return "@@N:%s@@" % s
def dumps(v):
    return NUM.sub(lambda m: m.group(1), json.dumps(v, ensure_ascii=False, separators=(",", ":")))

def new_uuid(upper=False):
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return u.upper() if upper else u
def chance(p):
    return rng.random() < p

# ---- agents and groups -------------------------------------------------------------------
def learner(n, named=None):
    kind = n % 4
    a = {}
    if kind == 0:
        a["mbox"] = "mailto:" + rng.choice(["learner%d@example.org", "Learner%d@Example.ORG", "LEARNER%d@EXAMPLE.org"]) % n
    elif kind == 1:
        h = "%040x" % (n * 2654435761 % (1 << 160) | (1 << 156))
        a["mbox_sha1sum"] = h.upper() if n % 3 == 0 else h
    elif kind == 2:
        a["openid"] = "http://openid.example.org/user/%d" % n
    else:
        a["account"] = {"homePage": rng.choice(["http://lms.example.org", "https://sso.example.com/idp"]),
                        "name": rng.choice(["user%d", "User %d", "üser-%d"]) % n}
    if named if named is not None else chance(0.5):
        a["name"] = rng.choice(["Ana Lima", "Bo Chen", "Zoë O'Brien", "Ngũgĩ", "名前", "Quote \" and \\ back"])
    if chance(0.4):
        a["objectType"] = "Agent"
    return a
def agent():
    return learner(rng.randrange(2500))
def group(identified):
    g = {"objectType": "Group"}
    if identified:
        k = rng.randrange(60)
        if k % 2:
            g["account"] = {"homePage": "http://teams.example.org", "name": "team-%d" % k}
        else:
            g["mbox"] = "mailto:team%d@example.org" % k
        if chance(0.5):
            g["member"] = [learner(rng.randrange(2500), False) for _ in range(rng.randint(1, 3))]
    else:
        g["member"] = [learner(rng.randrange(2500), False) for _ in range(rng.randint(1, 4))]
    if chance(0.5):
        g["name"] = "Group %d" % rng.randrange(100)
    return g
def actor():
    r = rng.random()
    if r < 0.82:
        return agent()
    return group(r < 0.91)

# ---- activities ----------------------------------------------------------------------------
def activity(full=True):
    a = {"id": rng.choice(["http://example.org/activity/%d", "https://courses.example.com/c/%d?x=1#frag",
                            "http://example.org/activit%%C3%%A9/%d", "urn:example:activity:%d"]) % rng.randrange(400)}
    if chance(0.3):
        a["objectType"] = "Activity"
    if full and chance(0.3):
        d = {"name": {"en-US": "Activity", "fr-FR": "Activité"}}
        if chance(0.5):
            d["description"] = {"en": "described"}
        if chance(0.5):
            d["type"] = rng.choice(["http://adlnet.gov/expapi/activities/course",
                                    "http://adlnet.gov/expapi/activities/cmi.interaction"])
        if chance(0.3):
            d["interactionType"] = "choice"
            d["correctResponsesPattern"] = ["a[,]b"]
            d["choices"] = [{"id": "a", "description": {"en-US": "A"}}, {"id": "b", "description": {"en-US": "B"}}]
        if chance(0.2):
            d["extensions"] = {"http://example.org/ext/level": num(str(rng.randrange(5)))}
        a["definition"] = d
    return a
def activities_value():
    r = rng.random()
    if r < 0.35:
        return activity(False)                      # a single object
    if r < 0.45:
        return []                                   # an empty array
    return [activity(False) for _ in range(rng.randint(1, 3))]

VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/attempted",
         "http://adlnet.gov/expapi/verbs/experienced", "http://adlnet.gov/expapi/verbs/answered",
         "http://id.tincanapi.com/verb/viewed", "https://w3id.org/xapi/video/verbs/played"]
def verb():
    v = {"id": rng.choice(VERBS)}
    if chance(0.5):
        v["display"] = {"en-US": v["id"].rsplit("/", 1)[1], "de": "getan"}
    return v

# ---- result --------------------------------------------------------------------------------
DURATIONS = ["P1DT2H", "PT0.5S", "P4W", "PT1H30M", "P3Y1M29DT4H35M59.14S", "PT0S", "P0D", "PT36H",
             "P1M", "P1Y", "PT1.5H", "PT2M3.25S", "P10000000D", "PT999999999S", "P2DT0.25S", "PT0.000001S"]
def score():
    s = {}
    lo = rng.choice([num("0"), num("-10"), num("1.5"), num("-0.5")])
    hi = rng.choice([num("100"), num("1E2"), num("250.75"), num("1e3")])
    lo_v = float(lo[4:-2]); hi_v = float(hi[4:-2])
    if chance(0.7):
        s["scaled"] = rng.choice([num("0.9"), num("1"), num("1.0"), num("-1"), num("-0.25"), num("0"),
                                  num("0.333333333333333333333333"), num("9.5e-1"), num("0.1000")])
    if chance(0.6):
        s["min"] = lo
    if chance(0.6):
        s["max"] = hi
    if chance(0.6):
        s["raw"] = rng.choice([lo, hi, num("%.3f" % rng.uniform(lo_v, hi_v)), num("%d" % rng.randint(math.ceil(max(lo_v, 0)), int(hi_v)))])
        if "min" not in s and "max" not in s and chance(0.3):
            s["raw"] = num("123456789.987654321")
    return s
def result():
    r = {}
    if chance(0.6):
        r["score"] = score()
    if chance(0.5):
        r["success"] = chance(0.5)
    if chance(0.5):
        r["completion"] = chance(0.5)
    if chance(0.5):
        r["duration"] = rng.choice(DURATIONS)
    if chance(0.4):
        r["response"] = rng.choice(["done", "a[,]b", "", "línea\nnueva \"quoted\" \\ back", "答え"])
    if chance(0.2):
        r["extensions"] = {"http://example.org/ext/r": {"nested": [num("1"), None, "x"]}}
    return r

# ---- context -------------------------------------------------------------------------------
LANGS = ["en-US", "fr", "zh-Hant-TW", "de-CH-1996", "es-419", "i-klingon", "x-private"]
def context(object_is_activity, v2):
    c = {}
    if chance(0.4):
        c["registration"] = new_uuid(chance(0.2))
    if chance(0.3):
        c["instructor"] = agent() if chance(0.8) else group(chance(0.5))
    if chance(0.2):
        c["team"] = group(chance(0.5))
    if object_is_activity and chance(0.3):
        c["platform"] = rng.choice(["Moodle", "LMS 4.1", "ünïcode platform"])
    if object_is_activity and chance(0.1):
        c["revision"] = "r%d" % rng.randrange(9)
    if chance(0.4):
        c["language"] = rng.choice(LANGS)
    if chance(0.1):
        c["statement"] = {"objectType": "StatementRef", "id": new_uuid()}
    if chance(0.5):
        ca = {}
        for k in ("parent", "grouping", "category", "other"):
            if chance(0.45):
                ca[k] = activities_value()
        c["contextActivities"] = ca
    if chance(0.3):
        c["extensions"] = rng.choice([
            {"http://example.org/ext/room": "B12"},
            {"http://example.org/ext/n": num("1.50"), "http://example.org/ext/null": None},
            {"http://example.org/ext/deep": {"a": [{"b": {"c": [num("1"), num("2.0"), True]}}]}},
            {}])
    if v2 and chance(0.1):
        c["contextAgents"] = [{"objectType": "contextAgent", "agent": agent(),
                               "relevantTypes": ["http://example.org/types/mentor"]}]
    if v2 and chance(0.1):
        c["contextGroups"] = [{"objectType": "contextGroup", "group": group(chance(0.5)),
                               "relevantTypes": ["http://example.org/types/cohort"]}]
    return c

# ---- timestamps ----------------------------------------------------------------------------
MONTHS = [(1999, 1), (1999, 6), (1999, 12), (2000, 1), (2000, 2), (2024, 2), (2024, 3)] + \
         [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 7)] + [(2038, 1), (2038, 2)]
EDGE_TS = ["1999-12-31T23:30:00-01:00",      # 2000-01-01 00:30 UTC
           "2000-01-01T00:30:00+01:00",      # 1999-12-31 23:30 UTC
           "2000-02-29T23:59:59.999999Z", "2024-02-29T12:00:00Z",
           "2038-01-19T03:14:08Z",           # past the 32-bit epoch
           "2038-02-01T00:15:00+00:30",      # 2038-01-31 23:45 UTC
           "2025-06-30T22:00:00-02:00",      # 2025-07-01 00:00 UTC
           "2025-03-01T00:00:00.0000001Z", "2025-03-31T23:59:59.9999999Z"]
def timestamp():
    if chance(0.05):
        return rng.choice(EDGE_TS)
    y, m = rng.choice(MONTHS)
    d = rng.randint(1, 28)
    t = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, rng.randrange(24), rng.randrange(60), rng.randrange(60))
    t += rng.choice(["", "", ".5", ".123", ".123456", ".1234567"])
    t += rng.choice(["Z", "Z", "Z", "+00:00", "+02:00", "-05:30", "+0530", "+14:00", "-12:00", "+05", ""])
    return t

def authority():
    if chance(0.5):
        return {"objectType": "Agent", "account": {"homePage": "http://lrs.example.org", "name": "client-%d" % rng.randrange(5)}}
    return {"objectType": "Group", "member": [
        {"account": {"homePage": "http://lrs.example.org", "name": "app"}},
        {"mbox": "mailto:admin%d@example.org" % rng.randrange(3)}]}

def substatement():
    s = {"objectType": "SubStatement", "actor": actor(), "verb": verb(), "object": activity()}
    if chance(0.5):
        s["result"] = {"score": {"scaled": num("0.11")}, "success": False, "duration": "PT9H"}
    if chance(0.5):
        s["context"] = {"instructor": agent(), "registration": new_uuid(), "extensions": {"http://example.org/ext/in": "sub"},
                        "contextActivities": {"parent": activity(False)}}
    if chance(0.5):
        s["timestamp"] = "2011-11-11T11:11:11Z"
    return s

def statement(version_rules, version_prop=None, with_id=None):
    """A valid statement. version_rules: the rule set it is loaded under ('1' or '2')."""
    s = {}
    if with_id if with_id is not None else chance(0.7):
        s["id"] = new_uuid(chance(0.1))
    s["actor"] = actor()
    s["verb"] = verb()
    r = rng.random()
    if r < 0.70:
        s["object"] = activity()
    elif r < 0.76:
        s["object"] = dict(agent(), objectType="Agent")
    elif r < 0.80:
        s["object"] = group(chance(0.5))
    elif r < 0.86:
        s["object"] = {"objectType": "StatementRef", "id": new_uuid(chance(0.3))}
    else:
        s["object"] = substatement()
    is_act = s["object"].get("objectType", "Activity") == "Activity"
    if chance(0.55):
        s["result"] = result()
    if chance(0.6):
        s["context"] = context(is_act, version_rules == "2")
    if chance(0.85):
        s["timestamp"] = timestamp()
    if chance(0.1):
        s["stored"] = "2020-01-01T00:00:00Z"
    if chance(0.15):
        s["authority"] = authority()
    if version_prop:
        s["version"] = version_prop
    if chance(0.05):
        s["attachments"] = [{"usageType": "http://example.org/attachment/usage", "display": {"en-US": "doc"},
                             "contentType": "application/pdf", "length": num(str(rng.randrange(1, 10**6))),
                             "sha2": "%064x" % rng.getrandbits(256), "fileUrl": "http://example.org/f.pdf"}]
    return s

def voiding(target, with_id=True, upper=False):
    s = {"actor": agent(), "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
         "object": {"objectType": "StatementRef", "id": target.upper() if upper else target}}
    if with_id:
        s["id"] = new_uuid()
    if chance(0.5):
        s["timestamp"] = timestamp()
    return s

def version_prop(batch):
    r = rng.random()
    if batch == 1:
        return None if r < 0.5 else rng.choice(["1.0.0", "1.0.3", "1.0", "2.0.0", "2.0"])
    if batch == 2:
        return None if r < 0.6 else rng.choice(["1.0.3", "1.0.1", "1.0"])
    return None if r < 0.6 else rng.choice(["2.0.0", "1.0.3"])

def gen_statement(batch, **kw):
    vp = version_prop(batch)
    rules = "1" if batch == 2 or (vp or "").startswith("1.0") else "2"
    return statement(rules, vp, **kw)

# ---- batches -------------------------------------------------------------------------------
rows = []    # (batch, pos, expect, tag, statement)
def emit(batch, items):
    for pos, (expect, tag, st) in enumerate(items, 1):
        rows.append((batch, pos, expect, tag, st))

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line, parse_float=num, parse_int=num)

# batch 1: 10,000 generated statements (NULL version), voiding pairs across flushes (4096 rows each)
N1 = 10000
b1 = [["stored", "gen", gen_statement(1)] for _ in range(N1)]
def target_at(items, pos, tag):
    st = gen_statement(1, with_id=True)
    st["id"] = st["id"].lower()
    items[pos - 1] = ["stored", tag, st]
    return st["id"]
def voiding_at(items, pos, target, tag, **kw):
    items[pos - 1] = ["stored", tag, voiding(target, **kw)]
# (target position, voiding position): target first, voiding first, neighbouring flushes, same flush
for tp, vp, kw in [(100, 5000, {}), (9000, 200, {}), (8500, 300, {"upper": True}), (4000, 4200, {}),
                   (4100, 4090, {"with_id": False}), (6000, 6001, {}), (1000, 9999, {}), (8200, 8100, {})]:
    t = target_at(b1, tp, "target")
    voiding_at(b1, vp, t, "voiding", **kw)
    if tp == 6000:
        voiding_at(b1, 9500, t, "voiding-again")        # a second voiding statement, another flush
    if tp == 1000:
        b1[tp - 1][2]["timestamp"] = "1999-03-15T12:00:00Z"   # only statement of its month
voiding_at(b1, 7000, new_uuid(), "voiding-absent")         # target never sent
cross_later = new_uuid()                                   # voided here, sent in batch 2
voiding_at(b1, 700, cross_later, "voiding-cross")
cross_earlier = target_at(b1, 800, "target-cross")         # sent here, voided in batch 2
resend = [i for i, r in enumerate(b1) if r[1] == "gen" and "id" in r[2] and not r[2].get("version", "").startswith("1.0")]

fixture_ids = {}
def fixture_rows(paths, batch, key_expected=("valid",)):
    out = []
    for p in paths:
        if not os.path.exists(p):
            continue
        for rec in read_jsonl(p):
            if not str(rec.get("expected", "")).startswith("valid"):
                continue
            out.append(rec["statement"])
    return out
have_fixtures = os.path.isdir(os.path.join(fixtures, "adl_conformance_v2_0"))
late = []    # fixtures whose id an earlier fixture already used: sent in batch 3
if have_fixtures:
    for st in fixture_rows([os.path.join(fixtures, "spec_examples/valid.jsonl"),
                            os.path.join(fixtures, "xapi_schema_fixtures/valid_statements.jsonl")], 1):
        sid = st.get("id")
        if sid and sid in fixture_ids:
            late.append(st)
            continue
        if sid:
            fixture_ids[sid] = st
        b1.append(["stored", "fixture-spec", st])
emit(1, b1)

# batch 2: version '1.0' (1.0.3 rules): generated statements, ADL 1.0.3 valid set, cross-load voiding
b2 = [["stored", "gen", gen_statement(2)] for _ in range(1500)]
t = gen_statement(2, with_id=True); t["id"] = cross_later
b2[10] = ["stored", "target-cross", t]
b2[20] = ["stored", "voiding-cross", voiding(cross_earlier)]
if have_fixtures:
    b2 += [["stored", "fixture-adl-1.0.3", st] for st in fixture_rows([os.path.join(fixtures, "adl_conformance_v1_0_3/valid.jsonl")], 2)]
emit(2, b2)

# batch 3: version '2.0.0', rejects mode: the ADL 2.0 valid set, already stored statements,
# conflicts, duplicates (same flush and across the flush boundary), invalid statements
def strip(st):
    return {k: v for k, v in st.items() if k not in ("id", "stored", "authority", "version")}
b3 = [["stored", "gen", gen_statement(3)] for _ in range(4300)]
for j, i in enumerate(resend[:40]):
    st = json.loads(dumps(b1[i][2]), parse_float=num, parse_int=num)
    if j % 4 == 1:
        st["stored"] = "2030-01-01T00:00:00Z"
    elif j % 4 == 2:
        st["authority"] = {"objectType": "Agent", "mbox": "mailto:other-lrs@example.org"}
    elif j % 4 == 3:
        st["version"] = "2.0.0"
    b3[100 + j * 100] = ["exists", "resend", st]
for j, i in enumerate(resend[40:50]):
    st = json.loads(dumps(b1[i][2]), parse_float=num, parse_int=num)
    st["verb"] = {"id": "http://example.org/verbs/changed-%d" % j}
    b3[150 + j * 100] = ["rejected:conflict", "conflict", st]
for first, later in [(50, 60), (70, 4200), (4097, 4098), (80, 4299)]:
    st = gen_statement(3, with_id=True)
    b3[first - 1] = ["stored", "dup-first", st]
    other = gen_statement(3, with_id=True); other["id"] = st["id"]
    b3[later - 1] = ["rejected:duplicate_id", "dup-later", other]
# invalid statements (the validator's violations are kept)
invalid = [{"actor": {"mbox": "ana@example.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/o"}},
           {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "not an iri"}, "object": {"id": "http://example.org/o"}},
           {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/o"},
            "result": {"score": {"scaled": num("1.5")}}},
           {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/o"},
            "timestamp": "2025-13-01T00:00:00Z"},
           None, num("42"), [], "statement"]
for j, st in enumerate(invalid):
    b3[30 + j * 500] = ["rejected:invalid", "invalid", st]
# a voiding statement whose target is a voiding statement of batch 1
vb1 = next(r[2]["id"] for r in b1 if r[1] == "voiding" and "id" in r[2])
b3[4050] = ["rejected:voiding", "void-voiding", voiding(vb1)]
if have_fixtures:
    b3 += [["stored", "fixture-adl-2.0", st] for st in fixture_rows([os.path.join(fixtures, "adl_conformance_v2_0/valid.jsonl")], 3)]
    for st in late:
        first = fixture_ids[st["id"]]
        same = dumps(strip(first)) == dumps(strip(st))
        b3.append(["exists" if same else "rejected:conflict", "fixture-late", st])
    inv = [st for st in (rec["statement"] for rec in read_jsonl(os.path.join(fixtures, "adl_conformance_v2_0/invalid.jsonl")))][:40]
    b3 += [["rejected:invalid", "fixture-adl-invalid", st] for st in inv]
emit(3, b3)

with open(os.path.join(out, "manifest.ndjson"), "w", encoding="utf-8") as m:
    files = {b: open(os.path.join(out, "batch%d.ndjson" % b), "w", encoding="utf-8") for b in (1, 2, 3)}
    for b, p, x, tag, st in rows:
        text = dumps(st)
        files[b].write(text + "\n")
        m.write('{"b":%d,"p":%d,"x":%s,"t":%s,"s":%s}\n' % (b, p, json.dumps(x), json.dumps(tag), text))
    for f in files.values():
        f.close()
print("generated %d statements (batches: %s), fixtures %s" % (len(rows),
      ", ".join("%d: %d" % (b, sum(1 for r in rows if r[0] == b)) for b in (1, 2, 3)),
      "included" if have_fixtures else "absent"))
PY
fixtures="$LA_SHARED/data/xapi"
# without them, only generated statements are loaded (gen.py looks for adl_conformance_v2_0)
fixtures_present() {
  la_t_need_shared "$fixtures"/adl_conformance_v2_0/{valid,invalid}.jsonl "$fixtures"/adl_conformance_v1_0_3/valid.jsonl \
    "$fixtures"/spec_examples/valid.jsonl "$fixtures"/xapi_schema_fixtures/valid_statements.jsonl
  echo "the loads include the fixtures of $fixtures"
}
la_t_check "the xAPI fixtures of ../shared in the loads" fixtures_present

entry_points() {
"$PY" "$work/gen.py" "$fixtures" "$work" || { echo "FAILED: the generator failed"; exit 1; }

fail=0
flag() { echo "FAILED: $*"; fail=1; }

# ---------------------------------------------------------------------------------------------
# 2. one database per entry point, the same input and pseudonym key in each
# ---------------------------------------------------------------------------------------------
for p in "${paths[@]}"; do
  db=${base}_$p
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null || exit 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v key="$key" >/dev/null <<'SQL' || exit 1
CREATE SCHEMA learnalytics;
CREATE EXTENSION learnalytics SCHEMA learnalytics;
SELECT learnalytics.xapi_set_pseudonym_key(:'key'::bytea);
CREATE SCHEMA xo;
CREATE TABLE xo.raw (line jsonb);
-- the loads: version argument, mode, the load transaction's now() (the spec's now()), load_id
CREATE TABLE xo.batch (b integer PRIMARY KEY, ver text, mode text, now timestamptz, load_id uuid);
INSERT INTO xo.batch (b, ver, mode) VALUES (1, NULL, 'all_or_nothing'), (2, '1.0', 'all_or_nothing'),
                                          (3, '2.0.0', 'rejects');
CREATE TABLE xo.report (b integer, "position" integer, id uuid, status text);
SQL
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    -c "\\copy xo.raw FROM '$work/manifest.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" \
    -c "CREATE TABLE xo.input AS SELECT (line->>'b')::int AS b, (line->>'p')::int AS p, line->>'x' AS x,
               line->>'t' AS t, line->'s' AS sd FROM xo.raw; DROP TABLE xo.raw;" || exit 1
done
db1=${base}_ingest

# the generator's statements must be valid where it means them to be (else it is the generator's bug)
bad=$(psql -X -q -At -d "$db1" -c "
  SELECT i.b || ':' || i.p || ' ' || i.t || ' ' || v.path || ' ' || v.rule
  FROM xo.input i JOIN xo.batch USING (b), learnalytics.xapi_violations(i.sd, ver) v
  WHERE i.x NOT LIKE 'rejected:invalid' ORDER BY i.b, i.p LIMIT 10")
[ -z "$bad" ] || { echo "FAILED: the generator made invalid statements:"; echo "$bad"; exit 1; }
psql -X -q -At -d "$db1" -c "
  SELECT 'input: ' || string_agg(format('load %s (version %s, %s): %s statements, %s to store, %s already stored, %s to reject',
                                        b, coalesce(ver, 'NULL'), mode, n, s, e, r), '; ' ORDER BY b)
  FROM (SELECT b, ver, mode, count(*) n, count(*) FILTER (WHERE x = 'stored') s,
               count(*) FILTER (WHERE x = 'exists') e, count(*) FILTER (WHERE x LIKE 'rejected%') r
        FROM xo.input JOIN xo.batch USING (b) GROUP BY 1, 2, 3) c"

psql -X -q -At -d "$db1" <<'SQL'
SELECT 'coverage of the valid statements: ' || concat_ws(', ',
  count(*) FILTER (WHERE sd ? 'id') || ' with id', count(*) FILTER (WHERE NOT sd ? 'id') || ' without',
  count(*) FILTER (WHERE sd->'actor' ? 'mbox') || ' actors by mbox',
  count(*) FILTER (WHERE sd->'actor' ? 'mbox_sha1sum') || ' by mbox_sha1sum',
  count(*) FILTER (WHERE sd->'actor' ? 'openid') || ' by openid', count(*) FILTER (WHERE sd->'actor' ? 'account') || ' by account',
  count(*) FILTER (WHERE sd->'actor'->>'objectType' = 'Group' AND NOT sd->'actor' ?| '{mbox,mbox_sha1sum,openid,account}') || ' anonymous Group actors',
  count(*) FILTER (WHERE sd->'actor'->>'objectType' = 'Group' AND sd->'actor' ?| '{mbox,mbox_sha1sum,openid,account}') || ' identified Group actors',
  count(*) FILTER (WHERE sd->'object'->>'objectType' = 'Agent') || ' Agent objects',
  count(*) FILTER (WHERE sd->'object'->>'objectType' = 'Group') || ' Group objects',
  count(*) FILTER (WHERE sd->'object'->>'objectType' = 'SubStatement') || ' SubStatements',
  count(*) FILTER (WHERE sd->'object'->>'objectType' = 'StatementRef') || ' StatementRefs',
  count(*) FILTER (WHERE sd->'verb'->>'id' = 'http://adlnet.gov/expapi/verbs/voided') || ' voiding',
  count(*) FILTER (WHERE sd->'result'->'score' ?& '{scaled,raw,min,max}') || ' with all four score fields',
  count(*) FILTER (WHERE sd->'result' ? 'duration') || ' durations (' ||
    (SELECT count(DISTINCT i2.sd->'result'->>'duration') FROM xo.input i2) || ' distinct)',
  count(*) FILTER (WHERE sd->'context' ? 'instructor') || ' instructors', count(*) FILTER (WHERE sd->'context' ? 'team') || ' teams',
  count(*) FILTER (WHERE jsonb_typeof(sd->'context'->'contextActivities'->'parent') = 'object') || ' single-object and ' ||
    count(*) FILTER (WHERE jsonb_typeof(sd->'context'->'contextActivities'->'parent') = 'array') || ' array parents',
  count(*) FILTER (WHERE sd->'context'->'contextActivities'->'category' = '[]') || ' empty category arrays',
  count(*) FILTER (WHERE sd->'context' ? 'extensions') || ' context extensions',
  count(*) FILTER (WHERE sd->'context' ? 'registration') || ' registrations',
  count(*) FILTER (WHERE sd->>'timestamp' ~ '[+-][0-9]{2}(:?[0-9]{2})?$') || ' timestamps with an offset',
  count(*) FILTER (WHERE sd->>'timestamp' ~ '\.[0-9]') || ' with fractional seconds',
  count(*) FILTER (WHERE NOT sd ? 'timestamp') || ' without timestamp',
  count(*) FILTER (WHERE sd->>'timestamp' LIKE '1999%') || ' in 1999', count(*) FILTER (WHERE sd->>'timestamp' LIKE '2038%') || ' in 2038',
  count(*) FILTER (WHERE sd ? 'authority') || ' with authority',
  count(*) FILTER (WHERE sd->>'version' LIKE '1.0%') || ' version 1.0.x', count(*) FILTER (WHERE sd->>'version' LIKE '2.0%') || ' version 2.0.x')
FROM xo.input WHERE x <> 'rejected:invalid';
SQL

# ---------------------------------------------------------------------------------------------
# 3. the loads: one transaction each, its now() recorded in the same transaction
# ---------------------------------------------------------------------------------------------
load() {  # path batch
  local p=$1 b=$2 db=${base}_$1 ver mode
  IFS='|' read -r ver mode < <(psql -X -q -At -d "$db" -c "SELECT coalesce(ver, ''), mode FROM xo.batch WHERE b = $b")
  case $p in
    ingest) psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL ;;
BEGIN;
UPDATE xo.batch SET now = now() WHERE b = $b;
INSERT INTO xo.report
SELECT $b, r.* FROM learnalytics.xapi_ingest((SELECT jsonb_agg(sd ORDER BY p) FROM xo.input WHERE b = $b),
                                             '$mode', nullif('$ver', '')) r;
UPDATE xo.batch SET load_id = (SELECT load_id FROM learnalytics.xapi_loads ORDER BY started_at DESC LIMIT 1) WHERE b = $b;
COMMIT;
SQL
    # The staged path numbers statements in the staging relation's scan order, and a heap's order
    # is not the order rows were copied in (later small rows fill free space left on earlier
    # pages): CLUSTER rewrites it in line order (p, assigned by COPY), checked before the load.
    staged) psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL ;;
CREATE TABLE xo.stage$b (p bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, statement jsonb);
\\copy xo.stage$b (statement) FROM '$work/batch$b.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
CLUSTER xo.stage$b USING stage${b}_pkey;
DO \$\$ BEGIN
  IF EXISTS (SELECT FROM (SELECT p, row_number() OVER () AS n FROM xo.stage$b) o WHERE p <> n) THEN
    RAISE EXCEPTION 'the staging table is not in line order';
  END IF;
END \$\$;
BEGIN;
UPDATE xo.batch SET now = now() WHERE b = $b;
SELECT * FROM learnalytics.xapi_ingest_staged('xo.stage$b', '$mode', nullif('$ver', ''));
UPDATE xo.batch SET load_id = (SELECT load_id FROM learnalytics.xapi_loads ORDER BY started_at DESC LIMIT 1) WHERE b = $b;
COMMIT;
SQL
    stream) psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL ;;
BEGIN;
UPDATE xo.batch SET now = now() WHERE b = $b;
SET LOCAL learnalytics.xapi_ingest_mode = '$mode';
SET LOCAL learnalytics.xapi_version = '$ver';
\\copy learnalytics.xapi_statement_stream (statement) FROM '$work/batch$b.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
UPDATE xo.batch SET load_id = (SELECT load_id FROM learnalytics.xapi_loads ORDER BY started_at DESC LIMIT 1) WHERE b = $b;
COMMIT;
SQL
  esac
}
for p in "${paths[@]}"; do
  for b in 1 2 3; do
    t0=$(date +%s%3N)
    out=$(load "$p" "$b" 2>&1 >/dev/null)
    rc=$?
    t1=$(date +%s%3N)
    if [ $rc -ne 0 ] || [ -n "$out" ]; then
      flag "$p: load $b failed: $(echo "$out" | head -n 5)"
    else
      printf '%s: load %d in %d.%01d s\n' "$p" "$b" $(( (t1 - t0) / 1000 )) $(( (t1 - t0) % 1000 / 100 ))
    fi
  done
done

# ---------------------------------------------------------------------------------------------
# 4. per database: (a) the oracle, (c) ids, hashes, voids, outcomes, loads, partitions
# ---------------------------------------------------------------------------------------------
cat >"$work/check.sql" <<'SQL'
\set ON_ERROR_STOP 1
SET search_path = pg_catalog, public;
-- the store, each row with a key
CREATE TABLE xo.s AS
SELECT row_number() OVER (ORDER BY id, "timestamp", statement::text) AS sk, s.*
FROM learnalytics.xapi_statements s;
ANALYZE xo.s;
ANALYZE xo.input;

-- pair every statement meant to be stored with its row: by id when it was sent with one; otherwise
-- by content (the row's statement without its generated id) within its load (the row's stored
-- time is its load's now()); statements of equal content pair in any order, they derive alike
CREATE TABLE xo.pair (b integer, p integer, sk bigint);
INSERT INTO xo.pair
SELECT i.b, i.p, s.sk FROM xo.input i JOIN xo.s s
  ON s.id = CASE WHEN i.x = 'stored' AND i.sd ? 'id' THEN (i.sd->>'id')::uuid END;
INSERT INTO xo.pair
SELECT a.b, a.p, c.sk
FROM (SELECT b, p, sd::text AS k, row_number() OVER (PARTITION BY b, sd::text ORDER BY p) AS rn
      FROM xo.input WHERE x = 'stored' AND NOT sd ? 'id') a
JOIN (SELECT s.sk, bt.b, (s.statement - 'id')::text AS k,
             row_number() OVER (PARTITION BY bt.b, (s.statement - 'id')::text ORDER BY s.sk) AS rn
      FROM xo.s s JOIN xo.batch bt ON bt.now = s.stored
      WHERE s.sk NOT IN (SELECT sk FROM xo.pair)) c
  ON c.b = a.b AND c.k = a.k AND c.rn = a.rn;
ANALYZE xo.pair;

SELECT format('rows: %s stored, %s expected; unpaired: %s statements, %s rows; paired twice: %s',
              (SELECT count(*) FROM xo.s), (SELECT count(*) FROM xo.input WHERE x = 'stored'),
              (SELECT count(*) FROM xo.input i WHERE x = 'stored' AND NOT EXISTS
                 (SELECT FROM xo.pair pr WHERE pr.b = i.b AND pr.p = i.p)),
              (SELECT count(*) FROM xo.s WHERE sk NOT IN (SELECT sk FROM xo.pair)),
              (SELECT count(*) FROM (SELECT sk FROM xo.pair GROUP BY sk HAVING count(*) > 1) d))
       || CASE WHEN (SELECT count(*) FROM xo.s) = (SELECT count(*) FROM xo.input WHERE x = 'stored')
                AND (SELECT count(*) FROM xo.pair) = (SELECT count(*) FROM xo.s)
                AND (SELECT count(DISTINCT sk) FROM xo.pair) = (SELECT count(*) FROM xo.s)
               THEN '' ELSE '  MISMATCH' END;
SELECT format('unpaired statement %s:%s (%s): %s', i.b, i.p, i.t, left(i.sd::text, 300)) || '  MISMATCH'
FROM xo.input i WHERE x = 'stored' AND NOT EXISTS (SELECT FROM xo.pair pr WHERE pr.b = i.b AND pr.p = i.p)
ORDER BY i.b, i.p LIMIT 5;
SELECT format('unpaired row %s: stored %s, %s', s.id, s.stored, left(s.statement::text, 300)) || '  MISMATCH'
FROM xo.s s WHERE sk NOT IN (SELECT sk FROM xo.pair) ORDER BY sk LIMIT 5;

-- (a) the specification: the SQL derivation of the store before the C rewrite, over the input
CREATE TABLE xo.o AS
SELECT pr.sk, pr.b, pr.p, d.*
FROM xo.pair pr
JOIN xo.input i USING (b, p)
JOIN xo.batch bt USING (b)
JOIN xo.s s ON s.sk = pr.sk
-- sd: i.sd, the statement as sent; version: bt.ver, the load's version argument; now: bt.now
CROSS JOIN LATERAL (SELECT i.sd->'result' AS rs, i.sd->'context' AS cx, :'key'::bytea AS k,
                           -- <generated>: the row's own id (checked below: random, distinct, in its statement)
                           coalesce((i.sd->>'id')::uuid, s.id) AS id) x
CROSS JOIN LATERAL (SELECT coalesce(sd->'object'->>'objectType', 'Activity') AS object_type) ot
CROSS JOIN LATERAL (SELECT
  x.id,
  learnalytics.xapi_actor_key(sd->'actor') AS actor_key,
  learnalytics.xapi_hmac(k, learnalytics.xapi_actor_key(sd->'actor')) AS actor_pseudonym,
  coalesce(sd->'actor'->>'objectType', 'Agent') AS actor_type,
  sd->'verb'->>'id' AS verb_id,
  ot.object_type,
  CASE WHEN ot.object_type IN ('Agent', 'Group') THEN learnalytics.xapi_hmac(k, learnalytics.xapi_actor_key(sd->'object'))
       WHEN ot.object_type <> 'SubStatement' THEN sd->'object'->>'id' END AS object_id,
  (cx->>'registration')::uuid AS registration,
  (rs->'score'->>'scaled')::float8 AS score_scaled,
  (rs->'score'->>'raw')::float8 AS score_raw,
  (rs->'score'->>'min')::float8 AS score_min,
  (rs->'score'->>'max')::float8 AS score_max,
  (rs->>'success')::boolean AS success,
  (rs->>'completion')::boolean AS completion,
  learnalytics.xapi_duration(rs->>'duration') AS duration,
  rs->>'response' AS response,
  cx->>'platform' AS platform,
  cx->>'language' AS language,
  learnalytics.xapi_activity_ids(cx->'contextActivities'->'parent') AS parent_ids,
  learnalytics.xapi_activity_ids(cx->'contextActivities'->'grouping') AS grouping_ids,
  learnalytics.xapi_activity_ids(cx->'contextActivities'->'category') AS category_ids,
  learnalytics.xapi_hmac(k, learnalytics.xapi_actor_key(cx->'instructor')) AS instructor_pseudonym,
  learnalytics.xapi_hmac(k, learnalytics.xapi_actor_key(cx->'team')) AS team_pseudonym,
  cx->'extensions' AS context_extensions,
  coalesce(learnalytics.xapi_timestamp(sd->>'timestamp'), bt.now) AS "timestamp",
  bt.now AS stored,
  false AS voided,   -- set below: a stored voiding statement targets it
  CASE WHEN sd->'verb'->>'id' = 'http://adlnet.gov/expapi/verbs/voided' THEN (sd->'object'->>'id')::uuid END AS voids,
  sd->'authority' AS authority,
  coalesce(sd->>'version', CASE WHEN bt.ver LIKE '1.0%' THEN '1.0.3' ELSE '2.0.0' END) AS version,
  CASE WHEN sd ? 'id' THEN sd ELSE sd || jsonb_build_object('id', x.id) END AS statement
) d;
UPDATE xo.o o SET voided = true WHERE EXISTS (SELECT FROM xo.o v WHERE v.voids = o.id);
ANALYZE xo.o;

-- every column of the store has its oracle
SELECT 'store column without an oracle: ' || c.attname || '  MISMATCH'
FROM pg_attribute c WHERE c.attrelid = 'learnalytics.xapi_statements'::regclass AND c.attnum > 0
  AND NOT c.attisdropped
  AND c.attname NOT IN (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'xo.o'::regclass);

-- per column, EXCEPT both ways on the text forms (exact: 1.0 vs 1 in jsonb, 1 day vs 24:00:00)
CREATE FUNCTION xo.col_diff(col text, OUT only_oracle bigint, OUT only_store bigint)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT (SELECT count(*) FROM (SELECT sk, (%1$I)::text FROM xo.o
                                                EXCEPT SELECT sk, (%1$I)::text FROM xo.s WHERE sk IN (SELECT sk FROM xo.pair)) a),
                         (SELECT count(*) FROM (SELECT sk, (%1$I)::text FROM xo.s WHERE sk IN (SELECT sk FROM xo.pair)
                                                EXCEPT SELECT sk, (%1$I)::text FROM xo.o) b)', col)
    INTO only_oracle, only_store;
END $$;
CREATE TABLE xo.cols AS
SELECT a.attnum, a.attname::text AS col, d.*
FROM pg_attribute a, xo.col_diff(a.attname) d
WHERE a.attrelid = 'learnalytics.xapi_statements'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
SELECT format('column %-21s %6s rows differ (oracle EXCEPT store %s, store EXCEPT oracle %s)',
              col, greatest(only_oracle, only_store), only_oracle, only_store)
       || CASE WHEN only_oracle + only_store > 0 THEN '  MISMATCH' ELSE '' END
FROM xo.cols ORDER BY attnum;
CREATE FUNCTION xo.rows_differing() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  cols text := (SELECT string_agg(format('(%I)::text', col), ', ' ORDER BY attnum) FROM xo.cols);
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM (SELECT sk, %1$s FROM xo.o EXCEPT
                                        SELECT sk, %1$s FROM xo.s WHERE sk IN (SELECT sk FROM xo.pair)) d', cols)
    INTO n;
  RETURN n;
END $$;
SELECT format('oracle: %s rows, %s columns compared, %s rows differ in some column',
              (SELECT count(*) FROM xo.o), (SELECT count(*) FROM xo.cols), xo.rows_differing());
-- examples: up to 3 rows per differing column
CREATE FUNCTION xo.col_examples(col text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT format(''  e.g. %%s load %%s position %%s (%%s): expected %%s, got %%s'', %1$L, o.b, o.p, i.t,
                   coalesce(left((o.%1$I)::text, 160), ''NULL''), coalesce(left((s.%1$I)::text, 160), ''NULL''))
     FROM xo.o o JOIN xo.s s USING (sk) JOIN xo.input i ON i.b = o.b AND i.p = o.p
     WHERE (o.%1$I)::text IS DISTINCT FROM (s.%1$I)::text ORDER BY o.b, o.p LIMIT 3', col);
END $$;
SELECT e FROM xo.cols, xo.col_examples(col) e WHERE only_oracle + only_store > 0 ORDER BY attnum;

-- generated ids: random (version 4), and in the statement
SELECT format('generated ids: %s, not version 4: %s, distinct: %s', count(*),
              count(*) FILTER (WHERE s.id::text !~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'),
              count(DISTINCT s.id))
       || CASE WHEN count(*) FILTER (WHERE s.id::text !~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$') > 0
                 OR count(DISTINCT s.id) <> count(*) THEN '  MISMATCH' ELSE '' END
FROM xo.pair pr JOIN xo.input i USING (b, p) JOIN xo.s s ON s.sk = pr.sk WHERE NOT i.sd ? 'id';

-- (c) the id table: one row per stored statement, the content hash of the statement as sent
SELECT format('xapi_statement_ids: %s rows for %s statements; content_hash <> xapi_content_hash(as sent): %s, timestamp differs: %s, voiding flag differs: %s, row missing: %s',
              (SELECT count(*) FROM learnalytics.xapi_statement_ids), count(*),
              count(*) FILTER (WHERE d.content_hash IS DISTINCT FROM learnalytics.xapi_content_hash(i.sd)),
              count(*) FILTER (WHERE d."timestamp" IS DISTINCT FROM o."timestamp"),
              count(*) FILTER (WHERE d.voiding IS DISTINCT FROM (o.voids IS NOT NULL)),
              count(*) FILTER (WHERE d.id IS NULL))
       || CASE WHEN (SELECT count(*) FROM learnalytics.xapi_statement_ids) <> count(*)
                 OR count(*) FILTER (WHERE d.content_hash IS DISTINCT FROM learnalytics.xapi_content_hash(i.sd)
                                        OR d."timestamp" IS DISTINCT FROM o."timestamp"
                                        OR d.voiding IS DISTINCT FROM (o.voids IS NOT NULL) OR d.id IS NULL) > 0
               THEN '  MISMATCH' ELSE '' END
FROM xo.o o JOIN xo.input i USING (b, p) LEFT JOIN learnalytics.xapi_statement_ids d ON d.id = o.id;
-- statements that came back as already stored: same id, same content hash
SELECT format('already stored: %s statements, hash differs from the stored one: %s', count(*),
              count(*) FILTER (WHERE d.content_hash IS DISTINCT FROM learnalytics.xapi_content_hash(i.sd)))
       || CASE WHEN count(*) FILTER (WHERE d.content_hash IS DISTINCT FROM learnalytics.xapi_content_hash(i.sd)) > 0
               THEN '  MISMATCH' ELSE '' END
FROM xo.input i LEFT JOIN learnalytics.xapi_statement_ids d
  ON d.id = CASE WHEN i.x = 'exists' THEN (i.sd->>'id')::uuid END WHERE i.x = 'exists';

-- voiding: the flags (also across flushes and loads, both orders) and xapi_voids
SELECT format('voiding: %s targets stored voided of %s expected, %s stored voided wrongly; xapi_voids: %s targets, %s expected, %s missing, %s extra, %s with a wrong voiding_id',
              (SELECT count(*) FROM xo.o o JOIN xo.s s USING (sk) WHERE o.voided AND s.voided),
              (SELECT count(*) FROM xo.o WHERE voided),
              (SELECT count(*) FROM xo.o o JOIN xo.s s USING (sk) WHERE s.voided AND NOT o.voided),
              (SELECT count(*) FROM learnalytics.xapi_voids),
              (SELECT count(DISTINCT voids) FROM xo.o),
              (SELECT count(*) FROM (SELECT voids FROM xo.o WHERE voids IS NOT NULL EXCEPT SELECT target FROM learnalytics.xapi_voids) m),
              (SELECT count(*) FROM (SELECT target FROM learnalytics.xapi_voids EXCEPT SELECT voids FROM xo.o) m),
              (SELECT count(*) FROM learnalytics.xapi_voids v
                WHERE NOT EXISTS (SELECT FROM xo.o o WHERE o.id = v.voiding_id AND o.voids = v.target)));
SELECT format('  voided flag of %s load %s position %s: expected %s, got %s', i.t, o.b, o.p, o.voided, s.voided) || '  MISMATCH'
FROM xo.o o JOIN xo.s s USING (sk) JOIN xo.input i ON i.b = o.b AND i.p = o.p
WHERE o.voided <> s.voided ORDER BY o.b, o.p LIMIT 10;
SELECT format('voided statements by placement: %s',
              string_agg(format('%s %s', i.t, CASE WHEN s.voided THEN 'voided' ELSE 'NOT voided' END), ', ' ORDER BY o.b, o.p))
FROM xo.o o JOIN xo.s s USING (sk) JOIN xo.input i ON i.b = o.b AND i.p = o.p WHERE i.t LIKE 'target%';

-- outcomes: rejects (positions, rules, violations, statement), loads (counts), the ingest's report
CREATE TABLE xo.expect AS
SELECT b, p, t, sd, split_part(x, ':', 1) AS status, nullif(split_part(x, ':', 2), '') AS rule FROM xo.input;
SELECT format('rejects: %s, expected %s; missing %s, extra %s, wrong rule %s, wrong violations %s, wrong statement %s',
              (SELECT count(*) FROM learnalytics.xapi_rejects),
              count(*) FILTER (WHERE e.status = 'rejected'),
              count(*) FILTER (WHERE e.status = 'rejected' AND r.reject_id IS NULL),
              count(*) FILTER (WHERE e.status IS DISTINCT FROM 'rejected' AND r.reject_id IS NOT NULL),
              count(*) FILTER (WHERE e.rule NOT IN ('invalid') AND r.violations->0->>'rule' IS DISTINCT FROM e.rule),
              count(*) FILTER (WHERE e.rule = 'invalid' AND r.violations::text IS DISTINCT FROM
                                     learnalytics.xapi_violations_json(e.sd, bt.ver)::text),
              count(*) FILTER (WHERE r.reject_id IS NOT NULL AND r.statement::text IS DISTINCT FROM e.sd::text))
       || CASE WHEN (SELECT count(*) FROM learnalytics.xapi_rejects) <> count(*) FILTER (WHERE e.status = 'rejected')
                 OR count(*) FILTER (WHERE (e.status = 'rejected') <> (r.reject_id IS NOT NULL)
                                        OR (e.rule NOT IN ('invalid') AND r.violations->0->>'rule' IS DISTINCT FROM e.rule)
                                        OR (e.rule = 'invalid' AND r.violations::text IS DISTINCT FROM
                                            learnalytics.xapi_violations_json(e.sd, bt.ver)::text)
                                        OR (r.reject_id IS NOT NULL AND r.statement::text IS DISTINCT FROM e.sd::text)) > 0
               THEN '  MISMATCH' ELSE '' END
FROM xo.expect e JOIN xo.batch bt USING (b)
LEFT JOIN learnalytics.xapi_rejects r ON r.batch_id = bt.load_id AND r."position" = e.p;
SELECT format('  reject of load %s position %s (%s): expected %s, got %s', e.b, e.p, e.t,
              coalesce(e.rule, e.status), coalesce(r.violations::text, 'no reject')) || '  MISMATCH'
FROM xo.expect e JOIN xo.batch bt USING (b)
LEFT JOIN learnalytics.xapi_rejects r ON r.batch_id = bt.load_id AND r."position" = e.p
WHERE (e.status = 'rejected') <> (r.reject_id IS NOT NULL)
   OR (e.rule NOT IN ('invalid') AND r.violations->0->>'rule' IS DISTINCT FROM e.rule)
ORDER BY e.b, e.p LIMIT 10;
-- months: each load's new months are new partitions (nothing watches the store here)
CREATE TABLE xo.months AS
SELECT b, date_trunc('month', "timestamp" AT TIME ZONE 'UTC') AS m FROM xo.o GROUP BY 1, 2;
CREATE TABLE xo.expect_load AS
SELECT bt.b, bt.mode, bt.ver, count(*) AS statements, count(*) FILTER (WHERE e.status = 'stored') AS stored,
       count(*) FILTER (WHERE e.status = 'exists') AS existing, count(*) FILTER (WHERE e.status = 'rejected') AS rejected,
       (SELECT count(*)::int FROM xo.months m WHERE m.b = bt.b
          AND NOT EXISTS (SELECT FROM xo.months o WHERE o.m = m.m AND o.b < m.b)) AS new_partitions
FROM xo.batch bt JOIN xo.expect e USING (b) GROUP BY bt.b, bt.mode, bt.ver;
SELECT format('load %s: %s, %s statements, %s stored, %s already stored, %s rejected, %s new partitions',
              x.b, coalesce(l.source || ' ' || l.mode || ' version ' || coalesce(l.version, 'NULL'), 'NOT LOGGED'),
              l.statements, l.stored, l.existing, l.rejected, l.new_partitions)
       || CASE WHEN l.load_id IS NULL
                 OR ROW(l.mode, l.version, l.statements, l.stored, l.existing, l.rejected, l.new_partitions)
                    IS DISTINCT FROM ROW(x.mode, x.ver, x.statements, x.stored, x.existing, x.rejected, x.new_partitions)
               THEN format('  MISMATCH (expected %s %s, %s statements, %s stored, %s already stored, %s rejected, %s new partitions)',
                           x.mode, coalesce(x.ver, 'NULL'), x.statements, x.stored, x.existing, x.rejected, x.new_partitions)
               ELSE '' END
FROM xo.expect_load x JOIN xo.batch bt USING (b) LEFT JOIN learnalytics.xapi_loads l ON l.load_id = bt.load_id
ORDER BY x.b;
-- xapi_ingest's report: each position's status; the id of the row stored (for statements of
-- equal content without id, any of their rows), the id sent, or NULL for an invalid statement
SELECT format('report of xapi_ingest: %s rows, %s with the wrong status, %s with the wrong id, %s ids reported twice',
              count(*), count(*) FILTER (WHERE r.status IS DISTINCT FROM e.status),
              count(*) FILTER (WHERE NOT ok.id_ok),
              count(r.id) FILTER (WHERE r.status = 'stored') - count(DISTINCT r.id) FILTER (WHERE r.status = 'stored'))
       || CASE WHEN count(*) <> (SELECT count(*) FROM xo.input)
                 OR count(*) FILTER (WHERE r.status IS DISTINCT FROM e.status OR NOT ok.id_ok) > 0
                 OR count(r.id) FILTER (WHERE r.status = 'stored') <> count(DISTINCT r.id) FILTER (WHERE r.status = 'stored')
               THEN '  MISMATCH' ELSE '' END
FROM xo.report r JOIN xo.expect e ON e.b = r.b AND e.p = r."position"
CROSS JOIN LATERAL (SELECT CASE
  WHEN e.status = 'stored' AND e.sd ? 'id' THEN r.id IS NOT DISTINCT FROM (e.sd->>'id')::uuid
  WHEN e.status = 'stored' THEN EXISTS (SELECT FROM xo.s s WHERE s.id = r.id AND (s.statement - 'id')::text = e.sd::text)
  WHEN e.status = 'exists' OR e.rule IN ('conflict', 'duplicate_id', 'voiding') THEN r.id IS NOT DISTINCT FROM (e.sd->>'id')::uuid
  ELSE r.id IS NULL END AS id_ok) ok
HAVING (SELECT count(*) FROM xo.report) > 0;
-- partitions: one per month of the stored rows, UTC month bounds, the store's three indexes
SELECT format('partitions: %s for %s months; wrong bounds %s, missing %s, extra %s, without the three indexes %s',
              count(c.oid), (SELECT count(DISTINCT m) FROM xo.months),
              count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) IS DISTINCT FROM
                               format('FOR VALUES FROM (%L) TO (%L)', m.m AT TIME ZONE 'UTC', (m.m + interval '1 month') AT TIME ZONE 'UTC')),
              count(*) FILTER (WHERE c.oid IS NULL),
              (SELECT count(*) FROM pg_inherits WHERE inhparent = 'learnalytics.xapi_statements'::regclass)
                - count(c.oid),
              count(*) FILTER (WHERE c.oid IS NOT NULL AND ix.defs IS DISTINCT FROM
                               ARRAY['USING btree (actor_pseudonym, "timestamp")', 'USING btree (id)',
                                     'USING btree (object_id, "timestamp")']))
       || CASE WHEN count(*) FILTER (WHERE c.oid IS NULL OR pg_get_expr(c.relpartbound, c.oid) IS DISTINCT FROM
                               format('FOR VALUES FROM (%L) TO (%L)', m.m AT TIME ZONE 'UTC', (m.m + interval '1 month') AT TIME ZONE 'UTC')) > 0
                 OR (SELECT count(*) FROM pg_inherits WHERE inhparent = 'learnalytics.xapi_statements'::regclass) <> count(c.oid)
                 OR count(*) FILTER (WHERE c.oid IS NOT NULL AND ix.defs IS DISTINCT FROM
                               ARRAY['USING btree (actor_pseudonym, "timestamp")', 'USING btree (id)',
                                     'USING btree (object_id, "timestamp")']) > 0
               THEN '  MISMATCH' ELSE '' END
FROM (SELECT DISTINCT m FROM xo.months) m
LEFT JOIN pg_class c ON c.relname = 'xapi_statements_p' || to_char(m.m, 'YYYYMM')
  AND c.relnamespace = 'learnalytics'::regnamespace AND c.relispartition
-- the store's three indexes on each partition (whatever their names, on the parent or not)
LEFT JOIN LATERAL (SELECT array_agg(d ORDER BY d COLLATE "C") AS defs
                   FROM (SELECT regexp_replace(pg_get_indexdef(x.indexrelid), '^CREATE INDEX \S+ ON \S+ ', '') AS d
                         FROM pg_index x WHERE x.indrelid = c.oid) q) ix ON true;
SELECT 'stored: ' || count(*) FILTER (WHERE s.stored IS DISTINCT FROM o.stored) || ' rows whose stored is not their load''s now()'
       || CASE WHEN count(*) FILTER (WHERE s.stored IS DISTINCT FROM o.stored) > 0 THEN '  MISMATCH' ELSE '' END
FROM xo.o o JOIN xo.s s USING (sk);

-- (b) what the three databases must agree on, generated ids and stored left out
CREATE TABLE xo.canon AS
SELECT 'statement'::text AS kind, o.b, o.p,
       ROW(CASE WHEN i.sd ? 'id' THEN s.id END, s.actor_key, s.actor_pseudonym, s.actor_type, s.verb_id,
           s.object_type, s.object_id, s.registration, s.score_scaled, s.score_raw, s.score_min, s.score_max,
           s.success, s.completion, s.duration, s.response, s.platform, s.language, s.parent_ids,
           s.grouping_ids, s.category_ids, s.instructor_pseudonym, s.team_pseudonym, s.context_extensions,
           -- without a timestamp in the statement: its load's now(), which differs between databases
           CASE WHEN i.sd ? 'timestamp' THEN s."timestamp"::text ELSE 'stored: ' || (s."timestamp" = s.stored) END,
           s.voided, s.voids, s.authority, s.version,
           CASE WHEN i.sd ? 'id' THEN s.statement ELSE s.statement - 'id' END,
           d.content_hash, d."timestamp" = s."timestamp", d.voiding)::text AS v
FROM xo.o o JOIN xo.s s USING (sk) JOIN xo.input i ON i.b = o.b AND i.p = o.p
LEFT JOIN learnalytics.xapi_statement_ids d ON d.id = s.id
UNION ALL
SELECT 'unpaired row', NULL, NULL, (s.statement - 'id')::text FROM xo.s s WHERE sk NOT IN (SELECT sk FROM xo.pair)
UNION ALL
SELECT 'reject', bt.b, r."position", ROW(r.statement, r.violations)::text
FROM learnalytics.xapi_rejects r LEFT JOIN xo.batch bt ON bt.load_id = r.batch_id
UNION ALL
SELECT 'load', bt.b, NULL, ROW(l.mode, l.version, l.statements, l.stored, l.existing, l.rejected, l.new_partitions)::text
FROM learnalytics.xapi_loads l LEFT JOIN xo.batch bt ON bt.load_id = l.load_id
UNION ALL
-- (of several voiding statements in one flush, which one xapi_voids names is not specified)
SELECT 'void', NULL, NULL, ROW(v.target, o.voids = v.target)::text
FROM learnalytics.xapi_voids v LEFT JOIN xo.o o ON o.id = v.voiding_id
UNION ALL
SELECT 'partition', NULL, NULL, ROW(c.relname, pg_get_expr(c.relpartbound, c.oid),
       (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid))::text
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
WHERE h.inhparent = 'learnalytics.xapi_statements'::regclass;
SQL

for p in "${paths[@]}"; do
  echo "== $p: ${base}_$p"
  out=$(psql -X -q -At -d "${base}_$p" -v key="$key" -f "$work/check.sql" 2>&1)
  rc=$?
  echo "$out"
  [ $rc -eq 0 ] || flag "$p: the checks did not run (psql exited $rc)"
  echo "$out" | grep -q 'MISMATCH' && flag "$p: the store disagrees with the oracle"
  psql -X -q -d "${base}_$p" -c "\\copy xo.canon TO '$work/canon_$p.tsv'" || flag "$p: export failed"
done

# (b) the three entry points, compared in the first database
echo "== the three entry points"
psql -X -q -v ON_ERROR_STOP=1 -d "$db1" >/dev/null <<SQL || flag "loading the exports failed"
CREATE TABLE xo.canon_all (path text, kind text, b integer, p integer, v text);
CREATE TEMP TABLE c (kind text, b integer, p integer, v text);
\\copy c FROM '$work/canon_ingest.tsv'
INSERT INTO xo.canon_all SELECT 'ingest', * FROM c; TRUNCATE c;
\\copy c FROM '$work/canon_staged.tsv'
INSERT INTO xo.canon_all SELECT 'staged', * FROM c; TRUNCATE c;
\\copy c FROM '$work/canon_stream.tsv'
INSERT INTO xo.canon_all SELECT 'stream', * FROM c;
SQL
out=$(psql -X -q -At -d "$db1" <<'SQL'
SELECT format('%-11s %-12s vs xapi_ingest: %6s rows, %s only there, %s only in xapi_ingest''s', x.path, k.kind,
              (SELECT count(*) FROM xo.canon_all WHERE path = x.path AND kind = k.kind), a.n, b.n)
       || CASE WHEN a.n + b.n > 0 THEN '  MISMATCH' ELSE '' END
FROM (VALUES ('staged'), ('stream')) x(path)
CROSS JOIN (VALUES ('statement'), ('unpaired row'), ('reject'), ('load'), ('void'), ('partition')) k(kind)
CROSS JOIN LATERAL (SELECT count(*) n FROM (SELECT b, p, v FROM xo.canon_all WHERE path = x.path AND kind = k.kind
                                            EXCEPT ALL SELECT b, p, v FROM xo.canon_all WHERE path = 'ingest' AND kind = k.kind) d) a
CROSS JOIN LATERAL (SELECT count(*) n FROM (SELECT b, p, v FROM xo.canon_all WHERE path = 'ingest' AND kind = k.kind
                                            EXCEPT ALL SELECT b, p, v FROM xo.canon_all WHERE path = x.path AND kind = k.kind) d) b
ORDER BY x.path, k.kind;
SELECT format('  e.g. %s %s load %s position %s: %s', path, kind, b, p, left(v, 400))
FROM (SELECT DISTINCT ON (path, kind) * FROM (
        (SELECT 'staged' AS path, kind, b, p, v FROM xo.canon_all WHERE path = 'staged'
         EXCEPT ALL SELECT 'staged', kind, b, p, v FROM xo.canon_all WHERE path = 'ingest')
        UNION ALL
        (SELECT 'stream', kind, b, p, v FROM xo.canon_all WHERE path = 'stream'
         EXCEPT ALL SELECT 'stream', kind, b, p, v FROM xo.canon_all WHERE path = 'ingest')) d
      ORDER BY path, kind, b, p) e;
SQL
)
echo "$out"
echo "$out" | grep -q 'MISMATCH' && flag "the entry points disagree"
n=$(psql -X -q -At -d "$db1" -c "SELECT count(DISTINCT path) FROM xo.canon_all WHERE kind = 'statement'")
[ "$n" = 3 ] || flag "the stores of the three entry points were not all compared"

echo "run time: $(( $(date +%s) - start )) s"
if [ $fail -ne 0 ]; then echo "FAILED"; exit 1; fi
echo "all three entry points agree with the oracle and with each other"
}
la_t_check "the three entry points agree with the oracle and with each other" entry_points
la_t_done
