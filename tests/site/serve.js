'use strict';
// A tiny static file server for the browser checks: serves --root under the
// URL path /site/ on 127.0.0.1, on a port the kernel picks (written to
// --port-file once listening). Serving below /site/ rather than at / makes
// root-absolute links ("/550.html") fail, as they would when the pages are
// opened from a directory or a file:// URL.
// It exits on SIGTERM/SIGINT, when --parent's process is gone, or after
// --lifetime seconds (default 900), so it never outlives its caller for long.

const fs = require('fs');
const http = require('http');
const path = require('path');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const root = path.resolve(arg('--root', '.'));
const portFile = arg('--port-file', '');
const parent = Number(arg('--parent', '0'));
const lifetime = Number(arg('--lifetime', '900'));
const PREFIX = '/site/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function send(res, status, body, type) {
  res.writeHead(status, { 'Content-Type': type || 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  let p;
  try {
    p = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
  } catch (e) {
    return send(res, 400, 'bad request\n');
  }
  if (!p.startsWith(PREFIX)) return send(res, 404, 'not found (the site is served under ' + PREFIX + ')\n');
  let file = path.join(root, p.slice(PREFIX.length));
  if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, 'forbidden\n');
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) {
      file = path.join(file, 'index.html');
    }
    fs.readFile(file, (err2, data) => {
      if (err2) return send(res, 404, 'not found\n');
      const type = TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': data.length, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });
});

function quit() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
setTimeout(quit, lifetime * 1000).unref();
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (e) {
      quit();
    }
  }, 1000).unref();
}

server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  if (portFile) {
    fs.writeFileSync(portFile + '.tmp', String(port));
    fs.renameSync(portFile + '.tmp', portFile);
  }
  console.log(`serving ${root} at http://127.0.0.1:${port}${PREFIX}`);
});
