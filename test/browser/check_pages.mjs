// The browser half of test/t/92_reports_browser.sh: opens each rendered chart (.svg) and report
// (.html) in headless Chromium (Debian's, through playwright-core) and checks it from the DOM.
//
//   node check_pages.mjs OUTPUT_DIR
//
// OUTPUT_DIR/manifest.tsv has one page a line: name, file, kind (svg|html), then the expected-value
// sources of its marks as name=file pairs (JSON arrays of rows, every value as the text SQL prints,
// written by psql as the role that rendered the page). For every svg.la-chart of a page:
//   * its first child is <title> (the accessible name), it has a non-empty .chart-title and at least
//     two .axis-label texts;
//   * every <text> lies inside the viewBox (getBBox mapped to the svg's user space, 1 px slack);
//   * every .mark has a <title> child, a data-key and a data-value; with sources, the value equals the
//     source's value for the same key (below), and a chart drawn from rows has marks;
// and for every page: it parsed (no parsererror), no console error, no page error, no request
// leaving the file (a report is self-contained), and a PNG screenshot OUTPUT_DIR/<name>.png.
// HTML pages: the .num spans (data-source, data-key, data-value, shown text) are written to
// OUTPUT_DIR/<name>.nums.json; the shell compares them with the views (as the same role).
//
// Matching a mark with its source: data-key is "k1=v1;k2=v2". A pair whose k is a column of the
// source's rows selects the rows where that column's text is v; a pair whose v is a column (and k is
// not) names the column the value is in (series=dropout_pct); a bare key (roi_percent, no "=") names
// a column of a source with one row, and so does a key that only names a column (series=total);
// without one, the source's default
// column (manifest "name:column=file") or the column "value"; "name:column:absent0=file": a key
// without a row in the source stands for 0 (counts over learners the reader does not see). The
// selected rows must agree on that column (one value), and the mark's data-value must be the same
// text (or the same number: 12.50 and 12.5 are equal). A mark no source matches is a failure.
//
// Prints "ok - ..." / "not ok - ..." lines (a failure names the page, the chart, the element) and
// exits 1 when one check failed.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = resolve(process.argv[2] ?? '.');
const executablePath = process.env.LA_CHROMIUM || '/usr/bin/chromium';
const lines = readFileSync(join(out, 'manifest.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
const pages = lines.map((l) => {
  const [name, file, kind, ...srcs] = l.split('\t');
  return { name, file, kind, sources: srcs.filter(Boolean).map((s) => {
    const i = s.indexOf('=');
    const [src, valueColumn, absent] = s.slice(0, i).split(':');
    return { name: src, valueColumn: valueColumn || null, absentZero: absent === 'absent0', file: s.slice(i + 1) };
  }) };
});

let failures = 0;
let passes = 0;
function ok(what) { passes++; console.log(`ok - ${what}`); }
function notOk(what, details = []) {
  failures++;
  console.log(`not ok - ${what}`);
  for (const d of details.slice(0, 15)) console.log(`    ${d}`);
  if (details.length > 15) console.log(`    ... and ${details.length - 15} more`);
}
function check(what, details) {
  if (details.length === 0) ok(what); else notOk(what, details);
}

const sameValue = (a, b) => {
  if (a === b) return true;
  if (a === '' || b === '' || a == null || b == null) return false;
  const x = Number(a); const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x), Math.abs(y));
};

function parseKey(key) {
  return key.split(';').filter((s) => s !== '').map((s) => {
    const i = s.indexOf('=');
    return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
  });
}

// The expected value of a mark from the sources: { value } or { error }.
function expectedValue(key, sources) {
  const pairs = parseKey(key);
  const tried = [];
  // the source whose columns cover most of the key first (a contact's key names its alert too)
  const covered = (src) => (src.rows ? pairs.filter(([k]) => src.rows.some((r) => k in r)).length : -1);
  for (const src of [...sources].sort((a, b) => covered(b) - covered(a))) {
    if (src.error) { tried.push(`${src.name}: ${src.error}`); continue; }
    const cols = new Set(src.rows.flatMap((r) => Object.keys(r)));
    // a bare key ("roi_percent") names a column of a one-row source (the summary of a chart)
    if (pairs.length === 1 && pairs[0][1] === '' && !key.includes('=') && cols.has(pairs[0][0])) {
      const values = [...new Set(src.rows.map((r) => r[pairs[0][0]] ?? ''))];
      if (values.length === 1) return { value: values[0], source: `${src.name}.${pairs[0][0]}` };
      tried.push(`${src.name}: ${src.rows.length} rows for the bare key`);
      continue;
    }
    const filters = pairs.filter(([k]) => cols.has(k));
    const named = pairs.filter(([k, v]) => !cols.has(k) && cols.has(v)).map(([, v]) => v);
    // "series=coach_capacity" alone: a figure of the whole chart, from a source of one row
    if (filters.length === 0 && named.length > 0 && src.rows.length === 1) {
      return { value: src.rows[0][named[0]] ?? '', source: `${src.name}.${named[0]}` };
    }
    if (filters.length === 0) { tried.push(`${src.name}: no key column`); continue; }
    const col = named[0] ?? src.valueColumn ?? (cols.has('value') ? 'value' : null);
    if (!col) { tried.push(`${src.name}: no value column named in the key`); continue; }
    const rows = src.rows.filter((r) => filters.every(([k, v]) => (r[k] ?? '') === v));
    // a count over learners the reader does not see: the view has no row, the chart may draw 0
    if (rows.length === 0 && src.absentZero) return { value: '0', source: `${src.name} (no row: 0)` };
    if (rows.length === 0) { tried.push(`${src.name}: no row with ${filters.map((f) => f.join('=')).join(', ')}`); continue; }
    const values = [...new Set(rows.map((r) => r[col] ?? ''))];
    if (values.length > 1) { tried.push(`${src.name}: ${rows.length} rows, values ${values.join(' | ')}`); continue; }
    return { value: values[0], source: `${src.name}.${col}` };
  }
  return { error: tried.join('; ') || 'no source' };
}

// Everything the page can tell, computed in the page.
function inspect() {
  const res = { parsererror: !!document.querySelector('parsererror'), charts: [], nums: [], external: [] };
  const svgs = [...document.querySelectorAll('svg.la-chart')];
  if (document.documentElement instanceof SVGSVGElement && !svgs.includes(document.documentElement)) {
    res.rootNotChart = document.documentElement.getAttribute('class');
  }
  svgs.forEach((svg, idx) => {
    const vb = svg.viewBox.baseVal;
    const c = {
      index: idx,
      chart: svg.getAttribute('data-chart'),
      firstChild: svg.firstElementChild ? svg.firstElementChild.tagName : null,
      titleText: svg.querySelector(':scope > title')?.textContent ?? null,
      chartTitles: [...svg.querySelectorAll('.chart-title')].map((t) => t.textContent),
      axisLabels: [...svg.querySelectorAll('.axis-label')].map((t) => t.textContent),
      viewBox: vb ? [vb.x, vb.y, vb.width, vb.height] : null,
      outside: [],
      marks: [],
      noData: !!svg.querySelector('.no-data'),
    };
    const inv = svg.getScreenCTM().inverse();
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (b.width === 0 && b.height === 0) continue;
      const m = inv.multiply(t.getScreenCTM());
      const pts = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
        .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
      const x0 = Math.min(...pts.map((p) => p.x)); const x1 = Math.max(...pts.map((p) => p.x));
      const y0 = Math.min(...pts.map((p) => p.y)); const y1 = Math.max(...pts.map((p) => p.y));
      const slack = 1;
      if (x0 < vb.x - slack || y0 < vb.y - slack || x1 > vb.x + vb.width + slack || y1 > vb.y + vb.height + slack) {
        c.outside.push({ text: t.textContent, cls: t.getAttribute('class'),
                         box: [x0, y0, x1, y1].map((v) => Math.round(v * 10) / 10) });
      }
    }
    for (const mk of svg.querySelectorAll('.mark')) {
      c.marks.push({ tag: mk.tagName, key: mk.getAttribute('data-key'), value: mk.getAttribute('data-value'),
                     title: mk.querySelector(':scope > title')?.textContent ?? null });
    }
    res.charts.push(c);
  });
  for (const n of document.querySelectorAll('.num')) {
    res.nums.push({ source: n.getAttribute('data-source'), key: n.getAttribute('data-key'),
                    value: n.getAttribute('data-value'), shown: n.textContent });
  }
  for (const e of document.querySelectorAll('script, [src], link[href], image, use')) {
    const u = e.getAttribute('src') ?? e.getAttribute('href') ?? e.getAttribute('xlink:href') ?? '';
    if (e.tagName.toLowerCase() === 'script' || (u !== '' && !u.startsWith('#') && !u.startsWith('data:'))) {
      res.external.push(`<${e.tagName.toLowerCase()}> ${u}`);
    }
  }
  return res;
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
// one tab for every page (a new tab per page doubles the run time); the listeners collect into the
// current page's arrays, and about:blank between pages ends the previous one
const page = await browser.newPage();
let errors = [];
let requests = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
page.on('request', (r) => {
  if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
});
try {
  for (const p of pages) {
    const path = join(out, p.file);
    if (!existsSync(path)) { notOk(`${p.name}: rendered file ${p.file} exists`); continue; }
    const sources = p.sources.map((s) => {
      try {
        const rows = JSON.parse(readFileSync(join(out, s.file), 'utf8'));
        return Array.isArray(rows) ? { ...s, rows } : { name: s.name, error: 'not an array' };
      } catch (e) {
        const err = join(out, s.file.replace(/\.json$/, '.err'));
        return { name: s.name, error: existsSync(join(out, s.file)) ? `unreadable: ${e.message}`
          : `the query failed: ${existsSync(err) ? readFileSync(err, 'utf8').split('\n')[0] : '?'}` };
      }
    });
    errors = [];
    requests = [];
    await page.setViewportSize({ width: 1100, height: 900 });
    try {
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load', timeout: 30000 });
    } catch (e) {
      notOk(`${p.name}: opens in the browser`, [e.message.split('\n')[0]]);
      await page.goto('about:blank').catch(() => {});
      continue;
    }
    if (p.kind === 'svg') {
      const size = await page.evaluate(() => {
        const r = document.documentElement;
        return r instanceof SVGSVGElement ? [r.width.baseVal.value, r.height.baseVal.value] : null;
      });
      if (size) await page.setViewportSize({ width: Math.ceil(Math.max(size[0], 120)), height: Math.ceil(Math.max(size[1], 120)) });
    }
    const r = await page.evaluate(inspect);
    // a full-page screenshot of an SVG document never completes: the viewport is the SVG's size
    await page.screenshot({ path: join(out, `${p.name}.png`), fullPage: p.kind === 'html' });
    await page.goto('about:blank');

    check(`${p.name}: parses, no console or page error, nothing loaded from outside`,
          [...(r.parsererror ? ['the document did not parse (parsererror)'] : []),
           ...(r.rootNotChart !== undefined ? [`root <svg> is not class la-chart (class=${r.rootNotChart})`] : []),
           ...errors, ...requests.map((u) => `request ${u}`), ...r.external.map((e) => `external or script: ${e}`)]);
    if (p.kind === 'svg' && r.charts.length !== 1) notOk(`${p.name}: one svg.la-chart`, [`found ${r.charts.length}`]);
    if (p.kind === 'html' && !p.name.endsWith('_empty')) {
      check(`${p.name}: has charts and numbers (svg.la-chart, span.num)`,
            [...(r.charts.length === 0 ? ['no svg.la-chart'] : []), ...(r.nums.length === 0 ? ['no .num'] : [])]);
    }
    if (p.kind === 'html') writeFileSync(join(out, `${p.name}.nums.json`), JSON.stringify(r.nums, null, 1));
    for (const c of r.charts) {
      const id = `${p.name}: ${c.chart ?? '(no data-chart)'}${r.charts.length > 1 ? ` #${c.index + 1}` : ''}`;
      check(`${id}: <title> first, .chart-title, >= 2 .axis-label`, [
        ...(c.firstChild !== 'title' ? [`first child is <${c.firstChild}>, not <title>`] : []),
        ...(!c.titleText?.trim() ? ['empty <title>'] : []),
        ...(c.chartTitles.length !== 1 || !c.chartTitles[0].trim() ? [`.chart-title: ${JSON.stringify(c.chartTitles)}`] : []),
        ...(c.axisLabels.filter((t) => t.trim()).length < 2 ? [`.axis-label: ${JSON.stringify(c.axisLabels)}`] : []),
      ]);
      check(`${id}: every text inside the viewBox ${JSON.stringify(c.viewBox)}`,
            c.outside.map((o) => `text "${o.text}" (class ${o.cls}) at [${o.box.join(', ')}]`));
      const bad = [];
      for (const m of c.marks) {
        const what = `<${m.tag} class="mark" data-key="${m.key}">`;
        if (m.title === null || !m.title.trim()) bad.push(`${what} has no <title>`);
        if (m.key === null || m.value === null) bad.push(`${what} lacks data-key or data-value`);
      }
      check(`${id}: every mark has a <title>, data-key and data-value (${c.marks.length} marks)`, bad);
      if (p.sources.length > 0) {
        const diffs = [];
        for (const m of c.marks) {
          if (m.key === null) continue;
          const e = expectedValue(m.key, sources);
          if (e.error) diffs.push(`mark ${m.key} = ${m.value}: no source value (${e.error})`);
          else if (!sameValue(m.value, e.value)) diffs.push(`mark ${m.key}: data-value ${m.value}, ${e.source} says ${e.value}`);
        }
        const rows = sources.reduce((n, s) => n + (s.rows?.length ?? 0), 0);
        if (rows > 0 && c.marks.length === 0) diffs.push(`no marks (${c.noData ? 'drew "no data"' : 'none'}) though the sources hold ${rows} rows`);
        check(`${id}: data-value of every mark = the view (${sources.map((s) => s.name).join(', ')})`, diffs);
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`browser: ${passes} checks passed, ${failures} failed`);
process.exit(failures > 0 ? 1 : 0);
