#!/usr/bin/env bash
# The demo's report on the real OULAD files in $LA_SHARED/data/oulad: the live state `make demo`
# builds for its report (demo/replay.sql, then demo/report_setup.sql: the scored presentation
# AAA/2014J on the morning of course day 60, two rules evaluated over the fortnight before, coaches,
# a rollup, a program with its ROI summary; no model: the demo trains one, this test does not),
# then report_html(course, day 0, today, 'both') written to a file as the demo writes it. Checked:
# the file is one well-formed HTML5 document (one doctype, html/head/title/body, every element
# closed in order, each inline <svg> well-formed XML, no script and no external resource); every
# chart the two tiers must show is there; every number the report marks (<span class="num"
# data-source="view.column" data-key=".." data-value="..">) equals the view's value, queried in the
# same transaction (same now(), same rows), one row per key; and the live state it reports is what
# the fortnight should have left (cases, queue, ROI items). All in one transaction, rolled back:
# the test database keeps nothing. Skipped when the data is not there.
set -euo pipefail
source "$(dirname "$0")/../lib/t.sh"
source "$LA_SRC/test/lib/oulad.sh"
PY=/usr/bin/python3   # Debian's python (the stdlib is enough: html.parser, xml.etree)

report() {
  oulad_need_data
  [ -x "$PY" ] || la_t_skip "skipped: $PY absent"
  local out
  out=$(mktemp -d "${TMPDIR:-/tmp}/la83.XXXXXX")
  la_t_cleanup_add rm -rf "$out"
  la_t_session_open s -v ON_ERROR_STOP=1 -v dir="$LA_OULAD_DIR" -v replay="$LA_SRC/demo/replay.sql" \
    -v setup="$LA_SRC/demo/report_setup.sql" -v html="$out/report.html"
  la_t_session_send s <<'SQL'
SET client_min_messages = warning;
BEGIN;
SELECT count(*) AS loader_lines FROM oulad_load(:'dir') \gset
-- the summaries of the scored presentation only (the rules read nothing else)
CREATE TEMP VIEW scored_activity AS
  SELECT * FROM oulad.activity WHERE code_module = 'AAA' AND code_presentation = '2014J';
SELECT engagement_refresh('scored_activity', 'enrolment', 'ts', 'clicks') AS summaries \gset
\i :replay
\i :setup
\pset format unaligned
\pset tuples_only on
\o :html
SELECT report_html(:'report_course', :'report_from', :'report_today', 'both', 20);
\o
\echo report written
SQL
  la_t_session_wait s "report written" 900 || { la_t_session_output s; return 1; }

  # structure, charts, and the .num spans as SQL checks (one row each when it fails)
  "$PY" - "$out/report.html" "$out/nums.sql" <<'PY'
import re, sys
from html.parser import HTMLParser
import xml.etree.ElementTree as ET

path, sql_path = sys.argv[1], sys.argv[2]
doc = open(path, encoding='utf-8').read()
fail = []
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}

class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.seen, self.decls, self.nums, self.charts = [], {}, [], [], []
        self.title = ''
    def handle_decl(self, d):
        self.decls.append(d)
    def handle_starttag(self, tag, attrs):
        self.start(tag, attrs, False)
    def handle_startendtag(self, tag, attrs):
        self.start(tag, attrs, True)
    def start(self, tag, attrs, closed):
        a = dict(attrs)
        self.seen[tag] = self.seen.get(tag, 0) + 1
        for k, v in attrs:
            if k in ('src', 'href', 'xlink:href') and v and not v.startswith('#'):
                fail.append(f'external resource: <{tag} {k}="{v}">')
            if k.startswith('on'):
                fail.append(f'event handler attribute <{tag} {k}>')
        if tag == 'span' and 'num' in (a.get('class') or '').split():
            self.nums.append(a)
        if tag == 'svg' and 'la-chart' in (a.get('class') or '').split():
            self.charts.append(a.get('data-chart'))
        if not closed and tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            fail.append(f'</{tag}> closes <{self.stack[-1] if self.stack else "nothing"}>')
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
    def handle_data(self, d):
        if self.stack and self.stack[-1] == 'title' and 'svg' not in self.stack:
            self.title += d

p = P()
p.feed(doc)
p.close()
if not doc.lstrip().lower().startswith('<!doctype html>'):
    fail.append('the document does not start with <!DOCTYPE html>')
if len(p.decls) != 1:
    fail.append(f'{len(p.decls)} doctype declarations')
for t in ('html', 'head', 'body'):
    if p.seen.get(t) != 1:
        fail.append(f'{p.seen.get(t, 0)} <{t}> elements')
if p.stack:
    fail.append(f'unclosed at the end: {p.stack}')
if not p.title.strip():
    fail.append('no document <title>')
if p.seen.get('script'):
    fail.append('a <script>')
tail = doc.rstrip()
if not tail.endswith('</html>'):
    fail.append('something after </html>')
# every inline svg is well-formed XML on its own
svgs = re.findall(r'<svg\b.*?</svg>', doc, flags=re.S)
for s in svgs:
    try:
        ET.fromstring(s)
    except ET.ParseError as e:
        fail.append(f'an svg is not well-formed XML ({e}): {s[:80]}')
if len(svgs) < len(p.charts):
    fail.append(f'{len(svgs)} well-delimited <svg> for {len(p.charts)} la-chart roots')
need = {'chart_weekly_trend', 'chart_program_roi', 'chart_engagement_heatmap'}
missing = need - set(p.charts)
if missing:
    fail.append(f'charts missing: {sorted(missing)} (present: {p.charts})')
# the charts of the period have data: marks, not the no-data frame
for s in svgs:
    m = re.match(r'<svg\b[^>]*\bdata-chart="([^"]*)"', s)
    if m and m.group(1) in need and not re.search(r'class="[^"]*\bmark\b', s):
        fail.append(f'{m.group(1)} has no mark (no data?)')
for cls in ('executive', 'operations'):
    if not re.search(r'<section[^>]*class="[^"]*\bpage\b[^"]*\b%s\b' % cls, doc):
        fail.append(f'no <section class="page {cls}">')
if len(p.nums) < 3:
    fail.append(f'only {len(p.nums)} .num spans')

def lit(s):
    return "'" + s.replace("'", "''") + "'"
with open(sql_path, 'w') as f:
    f.write(f"\\set nums {len(p.nums)}\n")
    f.write("CREATE TEMP TABLE num_check (n int, source text, key text, want text, got text, rows bigint, unknown_key_parts int);\n")
    for i, a in enumerate(p.nums):
        src, key, val = a.get('data-source'), a.get('data-key'), a.get('data-value')
        if not src or '.' not in src or key is None or val is None:
            fail.append(f'.num without data-source/data-key/data-value: {a}')
            continue
        f.write(f"INSERT INTO num_check SELECT * FROM pg_temp.num_value({i}, {lit(src)}, {lit(key)}, {lit(val)});\n")
for m in fail:
    print('FAIL:', m)
print(f'{len(p.charts)} charts: {sorted(set(p.charts))}; {len(p.nums)} numbers')
sys.exit(1 if fail else 0)
PY

  # the .num spans against the views, in the same session; then the live state itself
  la_t_session_send s "\\pset format aligned" "\\pset tuples_only off"
  la_t_session_send s <<'SQL'
-- one number of the report: the view's column on the row the key names. The key's parts are
-- column=value (parts naming no column of the view are ignored); the row must be unique.
CREATE FUNCTION pg_temp.num_value(i int, src text, k text, v text,
                                  OUT n int, OUT source text, OUT key text, OUT want text, OUT got text,
                                  OUT rows bigint, OUT unknown_key_parts int)
LANGUAGE plpgsql AS $$
DECLARE
  rel regclass := to_regclass(split_part(src, '.', 1));
  col text := split_part(src, '.', 2);
  cond text := 'true';
  part text;
  c text;
  val text;
BEGIN
  n := i; source := src; key := k; want := v; unknown_key_parts := 0;
  IF rel IS NULL THEN
    RAISE EXCEPTION 'report number % names no relation: %', i, src;
  END IF;
  FOREACH part IN ARRAY string_to_array(k, ';') LOOP
    c := split_part(part, '=', 1);
    val := substr(part, strpos(part, '=') + 1);
    IF strpos(part, '=') > 0 AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = c
                                          AND a.attnum > 0 AND NOT a.attisdropped) THEN
      -- an empty value stands for NULL (doc/reports.md, report_html)
      cond := cond || CASE WHEN val = '' THEN format(' AND %I IS NULL', c) ELSE format(' AND %I::text = %L', c, val) END;
    ELSE
      unknown_key_parts := unknown_key_parts + 1;
    END IF;
  END LOOP;
  EXECUTE format('SELECT count(*), min(%I::text) FROM %s WHERE %s', col, rel, cond) INTO rows, got;
END
$$;
SQL
  la_t_session_send s "\\i $out/nums.sql"
  la_t_session_send s <<'SQL'
CREATE TEMP TABLE checks (what text, got numeric, want numeric);
INSERT INTO checks
SELECT 'report numbers checked = the .num spans of the report', count(*), :nums FROM num_check
UNION ALL
SELECT 'report numbers with a key part naming no column of the view', count(*) FILTER (WHERE unknown_key_parts > 0), 0
FROM num_check
UNION ALL
SELECT 'report numbers whose key names not exactly one row of the view', count(*) FILTER (WHERE rows <> 1), 0 FROM num_check
UNION ALL
SELECT 'report numbers other than the view''s value', count(*) FILTER (WHERE got IS DISTINCT FROM want), 0 FROM num_check;
-- the live state the report is written from: the fortnight's cases are the rules' (the replay of the
-- same fortnight, rolled back, gives the same cases: test/t/45 proves replay = live in general)
INSERT INTO checks
SELECT 'scored presentation is AAA/2014J', (:'report_course' = 'AAA/2014J')::int, 1
UNION ALL SELECT 'report day = day 0 + 60', :'report_today'::date - :'report_from'::date, 60
UNION ALL SELECT 'cases opened in the fortnight (> 0)', sign(count(*)), 1 FROM alert
  WHERE course = 'AAA/2014J' AND opened_on BETWEEN :'fortnight_from' AND :'report_today'
UNION ALL SELECT 'cases = the replay''s cases opened', count(*),
  (SELECT sum(cases_opened) FROM alert_replay_daily(:'fortnight_from', :'report_today'::date - 1, '{oulad_dip,oulad_inactive}'))
  FROM alert WHERE course = 'AAA/2014J'
UNION ALL SELECT 'learners in the enrolment mapping = registered by day 60, replayed', count(*),
  (SELECT count(*) FROM oulad.enrolment e WHERE code_module = 'AAA' AND code_presentation = '2014J'
     AND NOT withdrawal_day_missing AND coalesce(unregistered_day > 0, true) AND greatest(0, coalesce(registered_day, 0)) <= 60)
  FROM learnalytics_internal.learning_enrolment WHERE course = 'AAA/2014J'
UNION ALL SELECT 'left by day 60 (no later withdrawal shows)', count(*) FILTER (WHERE left_at IS NOT NULL),
  (SELECT count(*) FROM oulad.enrolment e WHERE code_module = 'AAA' AND code_presentation = '2014J'
     AND NOT withdrawal_day_missing AND unregistered_day BETWEEN 1 AND 60 AND greatest(0, coalesce(registered_day, 0)) <= 60)
  FROM learnalytics_internal.learning_enrolment WHERE course = 'AAA/2014J'
UNION ALL SELECT 'coaches within capacity', (max(open_cases) <= 15)::int, 1 FROM coach_load
UNION ALL SELECT 'ROI benefit item = cases with a coach x 0.2 x 1500 (x 0.5 x 0.8 adjusted)',
  adjusted_benefits(roi), (SELECT round(count(*) * 0.2 * 1500 * 0.5 * 0.8, 4) FROM coach_assignment) FROM program
  WHERE name = 'oulad_coaching'
UNION ALL SELECT 'ROI costs = 1.5 h x 35 per case + 1200 + 800', total_costs(roi),
  (SELECT count(*) * 1.5 * 35 + 2000 FROM coach_assignment) FROM program WHERE name = 'oulad_coaching'
UNION ALL SELECT 'heatmap rollup: events of days 0-59 = activity rows', sum(events),
  (SELECT count(*) FROM oulad.activity WHERE code_module = 'AAA' AND code_presentation = '2014J' AND day < 60)
  FROM engagement_heatmap WHERE rollup = 'oulad_report';
SELECT * FROM num_check WHERE rows <> 1 OR got IS DISTINCT FROM want OR unknown_key_parts > 0 LIMIT 20;
SELECT what, got, want, CASE WHEN got IS NOT DISTINCT FROM want THEN 'ok' ELSE 'WRONG' END AS status FROM checks;
SELECT count(*) FILTER (WHERE got IS DISTINCT FROM want) AS wrong FROM checks \gset
ROLLBACK;
\echo wrong: :wrong
\echo checks done
SQL
  la_t_session_wait s "checks done" 600 || { la_t_session_output s | tail -60; return 1; }
  echo "$la_t_out" | tail -40
  grep -qx 'wrong: 0' <<<"$la_t_out"
  la_t_session_send s '\q'
  la_t_session_close s
}
la_t_check "the demo's OULAD report: well-formed, every chart, its numbers = the views" report
la_t_done
