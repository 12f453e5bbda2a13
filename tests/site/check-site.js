'use strict';
// Browser checks of the static site written by `bouncekit site`.
// Usage: node check-site.js BASE_URL [CODE_550_JSON [SITE_DIR]]
//   BASE_URL        where the site is served, ending in '/', e.g. http://127.0.0.1:8000/site/
//   CODE_550_JSON   output of `bouncekit explain --json 550` (for the title index.html must show)
//   SITE_DIR        the served directory: pages in it that no link reaches are listed (a note, not a failure)
// Exit status: 0 all checks passed, 1 some failed (each failure names its page and link).

const fs = require('fs');
const { launch, PHONE, DESKTOP } = require('./browser');

const base = process.argv[2];
const codeJson = process.argv[3];
const siteDir = process.argv[4];
if (!base || !base.endsWith('/')) {
  console.error('usage: node check-site.js BASE_URL/ [CODE_550_JSON]');
  process.exit(2);
}
const baseUrl = new URL(base);

const failures = [];
let passed = 0;
function fail(where, what) {
  failures.push(`${where}: ${what}`);
  console.log(`FAIL ${where}: ${what}`);
}
function ok(what) {
  passed++;
  console.log(`ok   ${what}`);
}
// the page name relative to the site root, for messages
function rel(url) {
  const u = new URL(url);
  return u.href.startsWith(base) ? u.href.slice(base.length) || '(site root)' : u.href;
}
function norm(s) {
  return String(s).replace(/\s+/g, ' ').trim();
}
function contains(text, needle) {
  return norm(text).toLowerCase().includes(norm(needle).toLowerCase());
}

// HTTP status and type of a local URL, fetched once
const statusCache = new Map();
async function httpStatus(url) {
  if (!statusCache.has(url)) {
    statusCache.set(
      url,
      fetch(url, { redirect: 'manual' })
        .then(async (r) => {
          await r.arrayBuffer();
          return { status: r.status, type: r.headers.get('content-type') || '' };
        })
        .catch((e) => ({ status: 0, type: '', error: e.message })),
    );
  }
  return statusCache.get(url);
}

// Everything the checks need from a loaded page, in one round trip.
function collect() {
  const attrs = (sel, attr) =>
    [...document.querySelectorAll(sel)].filter((e) => e.hasAttribute(attr)).map((e) => ({
      tag: e.tagName.toLowerCase(),
      attr,
      raw: e.getAttribute(attr),
      text: (e.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 60),
    }));
  const srcsets = [...document.querySelectorAll('img[srcset], source[srcset]')].flatMap((e) =>
    e
      .getAttribute('srcset')
      .split(',')
      .map((part) => part.trim().split(/\s+/)[0])
      .filter(Boolean)
      .map((raw) => ({ tag: e.tagName.toLowerCase(), attr: 'srcset', raw, text: '' })),
  );
  return {
    title: document.title,
    text: document.body ? document.body.innerText : '',
    ids: [...document.querySelectorAll('[id]')].map((e) => e.id)
      .concat([...document.querySelectorAll('a[name]')].map((e) => e.getAttribute('name'))),
    anchors: attrs('a', 'href').concat(attrs('area', 'href')),
    assets: [
      ...attrs('link', 'href'),
      ...attrs('script', 'src'),
      ...attrs('img', 'src'),
      ...srcsets,
      ...attrs('source', 'src'),
      ...attrs('iframe', 'src'),
      ...attrs('video', 'src'),
      ...attrs('video', 'poster'),
      ...attrs('audio', 'src'),
      ...attrs('embed', 'src'),
      ...attrs('object', 'data'),
      ...attrs('input', 'src'),
    ],
  };
}

// Classifies a URL found on `pageUrl`. Returns { url, local } or { error }.
function classify(raw, pageUrl) {
  if (raw === null || raw.trim() === '') return { error: 'empty URL' };
  let u;
  try {
    u = new URL(raw.trim(), pageUrl);
  } catch (e) {
    return { error: 'unparsable URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { error: `not a local link (${u.protocol} URL)` };
  }
  if (u.host !== baseUrl.host) {
    return { error: `external link to ${u.host}: the site must not link off-site` };
  }
  if (!u.pathname.startsWith(baseUrl.pathname)) {
    return { error: 'leaves the site directory (root-absolute path?): it breaks when the site is opened from a folder' };
  }
  return { url: u };
}

async function main() {
  const browser = await launch(base);
  const { page, blocked } = browser;
  const badResponses = [];
  let current = '';
  page.on('response', (r) => {
    if (r.status() >= 400) badResponses.push({ page: current, url: r.url(), status: r.status() });
  });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push({ page: current, msg: e.message }));

  async function load(url) {
    current = rel(url);
    const resp = await page.goto(url, { waitUntil: 'load' });
    return resp ? resp.status() : 0;
  }

  try {
    // ---- crawl every page reachable from index.html (desktop viewport)
    const index = new URL('index.html', base).href;
    const pages = new Map(); // url without fragment -> collected data
    const queue = [index];
    const queued = new Set(queue);
    const fragmentChecks = []; // {from, raw, target, id}
    let linkCount = 0;
    const linkTargets = new Set();
    let assetCount = 0;
    let linkFailures = 0;
    let assetFailures = 0;

    while (queue.length > 0) {
      const url = queue.shift();
      const name = rel(url);
      let status;
      try {
        status = await load(url);
      } catch (e) {
        fail(name, `could not load: ${e.message.split('\n')[0]}`);
        continue;
      }
      if (status !== 200) {
        fail(name, `HTTP ${status}`);
        continue;
      }
      const data = await page.evaluate(collect);
      pages.set(url, data);
      if (norm(data.title) === '') fail(name, 'empty <title>');

      for (const a of data.anchors) {
        linkCount++;
        const label = `link ${JSON.stringify(a.raw)}${a.text ? ` ("${a.text}")` : ''}`;
        if (a.raw !== null && a.raw.startsWith('#')) {
          fragmentChecks.push({ from: name, label, target: url, id: decodeURIComponent(a.raw.slice(1)) });
          continue;
        }
        const c = classify(a.raw, url);
        if (c.error) {
          linkFailures++;
          fail(name, `${label}: ${c.error}`);
          continue;
        }
        const target = new URL(c.url.href);
        target.hash = '';
        linkTargets.add(target.href);
        const r = await httpStatus(target.href);
        if (r.status !== 200) {
          linkFailures++;
          fail(name, `${label} -> ${rel(target.href)}: HTTP ${r.status}${r.error ? ` (${r.error})` : ''}`);
          continue;
        }
        if (c.url.hash.length > 1) {
          fragmentChecks.push({ from: name, label, target: target.href, id: decodeURIComponent(c.url.hash.slice(1)) });
        }
        if (r.type.startsWith('text/html') && !queued.has(target.href)) {
          queued.add(target.href);
          queue.push(target.href);
        }
      }

      for (const a of data.assets) {
        assetCount++;
        const label = `<${a.tag} ${a.attr}=${JSON.stringify(a.raw)}>`;
        const c = classify(a.raw, url);
        if (c.error) {
          assetFailures++;
          fail(name, `${label}: external or non-local asset: ${c.error}`);
          continue;
        }
        const r = await httpStatus(c.url.href);
        if (r.status !== 200) {
          assetFailures++;
          fail(name, `${label} -> ${rel(c.url.href)}: HTTP ${r.status}`);
        }
      }
    }

    for (const f of fragmentChecks) {
      const target = pages.get(f.target);
      if (target && !target.ids.includes(f.id)) {
        linkFailures++;
        fail(f.from, `${f.label}: no element with id "${f.id}" on ${rel(f.target)}`);
      }
    }

    if (siteDir) {
      const orphans = fs
        .readdirSync(siteDir)
        .filter((f) => f.endsWith('.html') && !pages.has(new URL(f, base).href) && !queued.has(new URL(f, base).href));
      if (orphans.length > 0)
        console.log(`note ${orphans.length} page(s) in the site that no link reaches: ${orphans.slice(0, 10).join(', ')}${orphans.length > 10 ? ', ...' : ''}`);
    }
    const crawled = `crawled ${pages.size} pages reachable from index.html`;
    const links = `${linkCount} links (${linkTargets.size} distinct local targets, ${fragmentChecks.length} #fragments)`;
    const assets = `${assetCount} <link>/<script>/<img> (and other embedded) asset references`;
    if (pages.size > 0) ok(crawled);
    else console.log(`     ${crawled}`);
    if (linkFailures === 0) ok(`checked ${links}: all resolve locally (HTTP 200), none external`);
    else console.log(`     checked ${links}: ${linkFailures} bad (listed above)`);
    if (assetFailures === 0) ok(`checked ${assets}: all local and HTTP 200`);
    else console.log(`     checked ${assets}: ${assetFailures} bad (listed above)`);

    // ---- index.html: the visible headings and code 550 with its title
    const idx = pages.get(index);
    if (!idx) {
      fail('index.html', 'not loaded; no further checks of it');
    } else {
      for (const heading of ['SMTP reply codes', 'Basic reply codes', 'Enhanced status codes']) {
        if (contains(idx.text, heading)) ok(`index.html shows "${heading}"`);
        else fail('index.html', `visible text lacks "${heading}"`);
      }
      let title = '';
      try {
        title = JSON.parse(fs.readFileSync(codeJson, 'utf8')).title || '';
      } catch (e) {
        title = '';
      }
      if (title === '') {
        fail('index.html', '`bouncekit explain --json 550` gave no title: code 550 is missing from the knowledge base');
      } else {
        const lines = idx.text.split('\n').filter((l) => /(^|\D)550(\D|$)/.test(l));
        if (lines.some((l) => contains(l, title))) ok(`index.html shows 550 with its title "${title}"`);
        else if (lines.length > 0)
          fail('index.html', `shows 550 but not with its title "${title}" (lines with 550: ${JSON.stringify(lines.slice(0, 3))})`);
        else fail('index.html', `visible text lacks code 550 ("${title}")`);
      }
    }

    // ---- 550.html: the sections of a code page
    const p550 = new URL('550.html', base).href;
    if (!pages.has(p550)) {
      if (!queued.has(p550)) fail('index.html', 'no path of links leads to 550.html');
      try {
        const status = await load(p550);
        if (status === 200) pages.set(p550, await page.evaluate(collect));
        else fail('550.html', `HTTP ${status}`);
      } catch (e) {
        fail('550.html', `could not load: ${e.message.split('\n')[0]}`);
      }
    }
    if (pages.has(p550)) {
      const text = pages.get(p550).text;
      const sections = ['At a glance', 'Bounce type', 'What it means', 'What it looks like in your mail logs', 'Common causes', 'How to fix it'];
      const missing = sections.filter((s) => !contains(text, s));
      if (missing.length === 0) ok(`550.html shows ${sections.map((s) => `"${s}"`).join(', ')}`);
      else fail('550.html', `visible text lacks ${missing.map((s) => `"${s}"`).join(', ')}`);
    }

    // ---- phone width: no horizontal scrolling (550.html first, then every page)
    await page.setViewportSize(PHONE);
    const phoneOrder = [p550, ...[...pages.keys()].filter((u) => u !== p550)].filter((u) => pages.has(u));
    const tooWide = [];
    for (const url of phoneOrder) {
      const name = rel(url);
      try {
        await load(url);
      } catch (e) {
        fail(name, `could not load at phone width: ${e.message.split('\n')[0]}`);
        continue;
      }
      const m = await page.evaluate((limit) => {
        const sw = document.documentElement.scrollWidth;
        const culprits = [];
        const describe = (e) => {
          const id = e.id ? `#${e.id}` : '';
          const cls = e.classList.length ? `.${[...e.classList].join('.')}` : '';
          const sec = e.closest('section[id]');
          return `<${e.tagName.toLowerCase()}${id}${cls}>${sec && sec !== e ? ` in section#${sec.id}` : ''}`;
        };
        if (sw > limit) {
          // text that runs past the edge (long unbreakable words, URLs, log lines)
          const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walk.nextNode(); n && culprits.length < 3; n = walk.nextNode()) {
            if (!n.textContent.trim()) continue;
            const range = document.createRange();
            range.selectNodeContents(n);
            const r = range.getBoundingClientRect();
            if (r.right > limit) {
              const words = n.textContent.split(/\s+/).sort((a, b) => b.length - a.length);
              culprits.push(`text in ${describe(n.parentElement)} reaches ${Math.round(r.right)}px (longest word: "${words[0].slice(0, 80)}")`);
            }
          }
          // boxes that stick out although none of their children do (images, tables, pre)
          for (const e of document.body.querySelectorAll('*')) {
            if (culprits.length >= 5) break;
            const r = e.getBoundingClientRect();
            if (r.right > limit && r.width > 0 && ![...e.children].some((c) => c.getBoundingClientRect().right > limit)) {
              culprits.push(`${describe(e)} box reaches ${Math.round(r.right)}px`);
            }
          }
        }
        return { sw, culprits };
      }, PHONE.width + 1);
      if (m.sw > PHONE.width + 1) {
        tooWide.push(name);
        fail(name, `scrolls horizontally at ${PHONE.width}x${PHONE.height}: scrollWidth ${m.sw}px > ${PHONE.width + 1}px; ${m.culprits.join('; ') || 'no single element found'}`);
      } else if (url === p550) {
        ok(`550.html fits a ${PHONE.width}x${PHONE.height} phone viewport (scrollWidth ${m.sw}px)`);
      }
    }
    if (tooWide.length === 0) ok(`all ${phoneOrder.length} pages fit ${PHONE.width}px wide without horizontal scrolling`);
    await page.setViewportSize(DESKTOP);

    // ---- what the browser itself fetched while showing the pages (CSS @import, fonts, ...)
    const grouped = (list, key, who) => {
      const m = new Map();
      for (const x of list) {
        const k = key(x);
        if (!m.has(k)) m.set(k, new Set());
        m.get(k).add(who(x));
      }
      return m;
    };
    const pagesOf = (set) => {
      const a = [...set];
      return a.slice(0, 5).join(', ') + (a.length > 5 ? ` and ${a.length - 5} more pages` : '');
    };
    for (const [url, from] of grouped(blocked, (b) => b.url, (b) => rel(b.from || base)))
      fail(pagesOf(from), `the browser requested a non-local URL (blocked): ${url}`);
    for (const [what, from] of grouped(badResponses, (r) => `${rel(r.url)} answered HTTP ${r.status}`, (r) => r.page))
      fail(pagesOf(from), `resource ${what}`);
    for (const [msg, from] of grouped(pageErrors, (e) => e.msg, (e) => e.page)) fail(pagesOf(from), `script error: ${msg}`);
    if (blocked.length === 0 && badResponses.length === 0 && pageErrors.length === 0)
      ok(`showing the pages requested nothing outside ${base}, and every resource loaded`);
  } finally {
    await browser.close();
  }

  console.log('');
  if (failures.length > 0) {
    console.log(`site checks FAILED (${failures.length} problems):`);
    for (const f of failures) console.log(`  - ${f}`);
  }
  console.log(`site checks: ${passed} passed, ${failures.length} failed`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`site checks: error: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
