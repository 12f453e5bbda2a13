'use strict';
// Browser checks of the delivery health page written by `bouncekit logs --html`.
// Usage: node check-health.js BASE_URL PAGE=REPORT_JSON... [--shots DIR]
//   BASE_URL      where the pages are served, ending in '/'
//   PAGE=JSON     a page under BASE_URL and the `--json` report of the same run
//   --shots DIR   also write full-page screenshots (light and dark, 1280 and 375 wide) to DIR
// Checks of each page: it requests nothing but itself and logs no console error;
// the summary band shows the JSON totals and marks a crossed line; the SVG charts
// are there with an accessible name and a non-zero size; one column per timeline
// row; every table has the JSON's rows and flagged senders are marked; no
// horizontal scrolling at 375 and 1280 px; text contrast of at least 4.5:1 in the
// light and the dark scheme. A report with no deliveries must say so.
// Exit status: 0 all checks passed, 1 some failed.

const fs = require('fs');
const path = require('path');
const { launch, PHONE, DESKTOP } = require('./browser');

const args = process.argv.slice(2);
const shotsAt = args.indexOf('--shots');
const shots = shotsAt >= 0 ? args.splice(shotsAt, 2)[1] : '';
const [base, ...pageArgs] = args;
if (!base || !base.endsWith('/') || pageArgs.length === 0) {
  console.error('usage: node check-health.js BASE_URL/ PAGE=REPORT_JSON... [--shots DIR]');
  process.exit(2);
}

const failures = [];
let passed = 0;
function check(where, cond, what, detail) {
  if (cond) {
    passed++;
    console.log(`ok   ${where}: ${what}`);
  } else {
    failures.push(`${where}: ${what}${detail ? ` (${detail})` : ''}`);
    console.log(`FAIL ${where}: ${what}${detail ? ` (${detail})` : ''}`);
  }
}
const digits = (s) => String(s).replace(/[^0-9]/g, '');

// In the page: everything the checks compare with the JSON.
function collect() {
  const text = (e) => (e ? e.textContent.replace(/\s+/g, ' ').trim() : '');
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return { w: r.width, h: r.height };
  };
  const stats = {};
  for (const li of document.querySelectorAll('[data-stat]')) {
    stats[li.dataset.stat] = { v: text(li.querySelector('.v')), crossed: li.classList.contains('crossed'), text: text(li) };
  }
  const tables = {};
  for (const sec of document.querySelectorAll('section[id]')) {
    const rows = [...sec.querySelectorAll('tbody tr')];
    if (!sec.querySelector('thead')) continue;
    tables[sec.id] = rows.map((tr) => ({
      key: text(tr.querySelector('th')),
      flagged: tr.classList.contains('flagged'),
      cells: [...tr.querySelectorAll('td')].map(text),
      headed: tr.querySelector('th[scope="row"]') !== null,
    }));
  }
  const charts = [...document.querySelectorAll('svg.chart')].map((s) => ({
    id: s.id,
    role: s.getAttribute('role'),
    title: text(s.querySelector(':scope > title')),
    labelled: s.getAttribute('aria-labelledby') !== null && document.getElementById(s.getAttribute('aria-labelledby')) !== null,
    size: box(s),
    bars: s.querySelectorAll('g.bar').length,
    hbars: s.querySelectorAll('g.hbar').length,
  }));
  return {
    title: document.title,
    body: document.body.innerText,
    verdict: document.getElementById('verdict') ? document.getElementById('verdict').className : '',
    empty: text(document.getElementById('empty')),
    stats,
    tables,
    charts,
    scripts: document.querySelectorAll('script').length,
    externalRefs: [...document.querySelectorAll('[src],[href],[srcset],[data]')]
      .map((e) => e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('srcset') || e.getAttribute('data'))
      .filter((u) => u && !u.startsWith('#') && !u.startsWith('data:')),
  };
}

// In the page: the worst contrast of visible text against its background.
function worstContrast() {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (e) => {
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  let worst = { ratio: 99, what: '' };
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.closest('title,desc,style')) continue;
    const st = getComputedStyle(e);
    const svg = e instanceof SVGElement;
    const fg = rgb(svg ? st.fill : st.color);
    const l1 = lum(fg), l2 = lum(background(e));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < worst.ratio) worst = { ratio, what: `"${n.textContent.trim().slice(0, 30)}" in <${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className : ''}>` };
  }
  return worst;
}

// checks of one page against its report
async function checkPage(browser, name, report) {
  const { page } = browser;
  const url = new URL(name, base).href;
  const requests = [];
  const consoleErrors = [];
  const onRequest = (r) => {
    if (r.url() !== url && !r.url().startsWith('data:')) requests.push(r.url());
  };
  const onConsole = (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  };
  const onError = (e) => consoleErrors.push(e.message);
  page.on('request', onRequest);
  page.on('console', onConsole);
  page.on('pageerror', onError);
  try {
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: 'light' });
    const resp = await page.goto(url, { waitUntil: 'load' });
    check(name, resp && resp.status() === 200, 'loads (HTTP 200)', resp ? `HTTP ${resp.status()}` : 'no response');
    const d = await page.evaluate(collect);
    check(name, /Delivery health/.test(d.title), 'has a title', d.title);
    check(name, d.scripts === 0, 'needs no JavaScript (no <script>)');
    check(name, d.externalRefs.length === 0, 'references no other file or URL', d.externalRefs.join(', '));
    const t = report.totals;
    if (t.sent + t.rejected === 0) {
      check(name, /no deliveries in the input/i.test(d.empty), 'says there were no deliveries in the input', d.empty);
      check(name, d.charts.length === 0, 'draws no charts without data');
    } else {
      checkSummary(name, d, report);
      checkCharts(name, d, report);
      checkTables(name, d, report);
    }
    await checkWidths(browser, name, url);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const w = await page.evaluate(worstContrast);
      check(name, w.ratio >= 4.5, `text contrast at least 4.5:1 in the ${scheme} scheme`, `worst ${w.ratio.toFixed(2)}:1, ${w.what}`);
      await screenshot(page, name, scheme);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  } finally {
    page.off('request', onRequest);
    page.off('console', onConsole);
    page.off('pageerror', onError);
  }
  const blocked = browser.blocked.splice(0);
  check(name, requests.length === 0 && blocked.length === 0, 'requested nothing but itself (self-contained)',
        [...requests, ...blocked.map((b) => b.url)].slice(0, 5).join(', '));
  check(name, consoleErrors.length === 0, 'no console errors', consoleErrors.slice(0, 3).join(' | '));
}

// the summary band against the JSON totals, and the mark of a crossed line
function checkSummary(name, d, report) {
  const t = report.totals;
  for (const k of ['sent', 'delivered', 'deferred', 'bounced', 'expired', 'rejected']) {
    const s = d.stats[k];
    check(name, s && digits(s.v) === String(t[k]), `summary "${k}" shows ${t[k]}`, s ? `shows "${s.v}"` : 'missing');
  }
  for (const k of ['bounce_rate', 'hard_bounce_rate']) {
    const s = d.stats[k];
    const shown = s ? parseFloat(s.v) : NaN;
    check(name, s && /%$/.test(s.v) && Math.abs(shown - t[k] * 100) <= 0.05 + 1e-9,
          `summary "${k}" shows ${(t[k] * 100).toFixed(1)}%`, s ? `shows "${s.v}"` : 'missing');
  }
  const over = report.crossed && t.bounce_rate > report.threshold;
  const br = d.stats.bounce_rate || {};
  check(name, br.crossed === over && /over the line/.test(br.text || '') === over,
        over ? 'bounce rate marked "over the line"' : 'bounce rate not marked over the line', br.text);
  check(name, /\bbad\b/.test(d.verdict) === report.crossed, `verdict says the line was ${report.crossed ? '' : 'not '}crossed`, d.verdict);
}

// the charts: present, named, visible, and one column per timeline row
function checkCharts(name, d, report) {
  const want = { timeline: report.timeline.length, 'reasons-chart': Math.min(report.reasons.length, 20), 'providers-chart': Math.min(report.providers.length, 20) };
  for (const [id, n] of Object.entries(want)) {
    const c = d.charts.find((x) => x.id === id);
    if (n === 0) {
      check(name, !c, `no ${id} chart without rows`);
      continue;
    }
    check(name, !!c, `has the ${id} chart`);
    if (!c) continue;
    check(name, c.role === 'img' && c.title !== '' && c.labelled, `${id}: role="img" with a <title> naming it`, `role ${c.role}, title "${c.title}"`);
    check(name, c.size.w > 0 && c.size.h > 0, `${id}: non-zero size`, `${c.size.w}x${c.size.h}`);
    const drawn = id === 'timeline' ? c.bars : c.hbars;
    check(name, drawn === n, `${id}: ${n} ${id === 'timeline' ? 'columns (timeline rows)' : 'bars'}`, `drew ${drawn}`);
  }
}

// every table has the JSON's rows in order; flagged senders are marked
function checkTables(name, d, report) {
  for (const key of ['domains', 'providers', 'reasons', 'remote_hosts', 'top_failing_recipients', 'senders', 'timeline']) {
    const rows = report[key];
    const shown = d.tables[key] || [];
    const keyOf = (r) => (key === 'timeline' ? r.time : r.key);
    const same = shown.length === rows.length && rows.every((r, i) => shown[i].key.startsWith(keyOf(r)) && shown[i].headed &&
      digits(shown[i].cells[0]) === String(r.sent));
    check(name, same, `table ${key}: ${rows.length} rows with the JSON's keys and counts`,
          `shown ${shown.length}: ${shown.slice(0, 3).map((r) => r.key).join(', ')}`);
  }
  const senders = d.tables.senders || [];
  const flagged = report.senders.filter((s) => s.flagged).map((s) => s.key);
  const marked = senders.filter((r) => r.flagged && /over the line/.test(r.key)).map((r) => r.key.replace(/\s*\S*\s*over the line$/, ''));
  check(name, flagged.length === marked.length && flagged.every((k) => marked.includes(k)) &&
        senders.filter((r) => r.flagged).length === flagged.length,
        `flagged senders marked (${flagged.length}: ${flagged.slice(0, 3).join(', ') || 'none'})`, `marked: ${marked.join(', ')}`);
}

// no horizontal scrolling at phone and desktop widths
async function checkWidths(browser, name) {
  for (const vp of [PHONE, DESKTOP]) {
    await browser.page.setViewportSize(vp);
    const m = await browser.page.evaluate(() => ({
      sw: document.documentElement.scrollWidth,
      charts: [...document.querySelectorAll('svg.chart')].map((s) => s.getBoundingClientRect().width),
    }));
    check(name, m.sw <= vp.width + 1, `no horizontal scrolling at ${vp.width} px`, `scrollWidth ${m.sw}`);
    check(name, m.charts.every((w) => w > 0), `charts have a non-zero width at ${vp.width} px`, m.charts.join(', '));
    if (vp === PHONE) await screenshot(browser.page, name, 'phone');
  }
}

// a full-page screenshot for people to look at, when --shots was given
async function screenshot(page, name, label) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name.replace(/\.html$/, '')}-${label}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`     screenshot ${file}`);
}

async function main() {
  const browser = await launch(base);
  try {
    for (const arg of pageArgs) {
      const eq = arg.indexOf('=');
      const name = arg.slice(0, eq);
      let report;
      try {
        report = JSON.parse(fs.readFileSync(arg.slice(eq + 1), 'utf8'));
      } catch (e) {
        check(name, false, 'its JSON report can be read', e.message);
        continue;
      }
      await checkPage(browser, name, report);
    }
  } finally {
    await browser.close();
  }
  console.log('');
  if (failures.length > 0) {
    console.log(`health page checks FAILED (${failures.length} problems):`);
    for (const f of failures) console.log(`  - ${f}`);
  }
  console.log(`health page checks: ${passed} passed, ${failures.length} failed`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`health page checks: error: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
