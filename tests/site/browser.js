'use strict';
// Shared browser setup for tests/site/check-site.js and tools/site-screenshots.sh:
// playwright-core driving Debian's chromium, headless, with a fresh profile
// directory, and with every request that leaves the local test server blocked
// and recorded.

// never let playwright fetch a browser of its own
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const EXECUTABLE = process.env.BOUNCEKIT_CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

// Launches chromium. `base` is the URL prefix of the local site: requests to
// anything else are aborted and listed in `blocked` (URL and the page that
// asked for it). Returns { context, page, blocked, close }.
async function launch(base) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bouncekit-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: EXECUTABLE,
      headless: true,
      args: ARGS,
      viewport: DESKTOP,
      timeout: 60000,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const blocked = [];
  const origin = base ? new URL(base).origin : null;
  await context.route('**/*', (route) => {
    const req = route.request();
    const url = req.url();
    let local = false;
    try {
      const u = new URL(url);
      local = u.protocol === 'data:' || u.protocol === 'about:' || (origin !== null && u.origin === origin);
    } catch (e) {
      local = false;
    }
    if (local) return route.continue();
    let from = '';
    try {
      from = req.frame().url();
    } catch (e) {
      from = '';
    }
    blocked.push({ url, from });
    return route.abort('blockedbyclient');
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  page.setDefaultNavigationTimeout(20000);
  async function close() {
    try {
      await context.close();
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }
  return { context, page, blocked, close };
}

module.exports = { launch, EXECUTABLE, ARGS, DESKTOP, PHONE };
