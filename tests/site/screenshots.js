'use strict';
// Full-page PNG screenshots of the static site, for people to look at.
// Usage: node screenshots.js BASE_URL OUTDIR [PAGE...]   (default pages: index.html 550.html)
// Writes OUTDIR/<page>-desktop.png (1280 wide) and OUTDIR/<page>-phone.png (375 wide)
// and prints each file name written. Exit status 1 when a page could not be shot.

const fs = require('fs');
const path = require('path');
const { launch, DESKTOP, PHONE } = require('./browser');

async function main() {
  const [base, outdir, ...rest] = process.argv.slice(2);
  if (!base || !outdir) {
    console.error('usage: node screenshots.js BASE_URL OUTDIR [PAGE...]');
    return 2;
  }
  const names = rest.length > 0 ? rest : ['index.html', '550.html'];
  fs.mkdirSync(outdir, { recursive: true });
  const browser = await launch(base);
  const { page, blocked } = browser;
  let rc = 0;
  try {
    for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      await page.setViewportSize(viewport);
      for (const name of names) {
        const url = new URL(name, base).href;
        let resp;
        try {
          resp = await page.goto(url, { waitUntil: 'load' });
        } catch (e) {
          console.error(`${name}: could not load: ${e.message.split('\n')[0]}`);
          rc = 1;
          continue;
        }
        if (!resp || resp.status() !== 200) {
          console.error(`${name}: HTTP ${resp ? resp.status() : 0}, no screenshot`);
          rc = 1;
          continue;
        }
        const file = path.join(outdir, `${name.replace(/\.html$/, '').replace(/[^A-Za-z0-9._-]/g, '_')}-${label}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(file);
      }
    }
    for (const b of blocked) console.error(`warning: blocked a non-local request from ${b.from}: ${b.url}`);
  } finally {
    await browser.close();
  }
  return rc;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`screenshots: error: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
