# shellcheck shell=bash
# Shared shell helpers for the browser checks of the static site
# (tests/site/run.sh) and the screenshot tool (tools/site-screenshots.sh).
# Source it; it defines functions and variables only.

SITE_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SITE_CHROMIUM=${BOUNCEKIT_CHROMIUM:-/usr/bin/chromium}
# playwright-core must never fetch a browser of its own: Debian's chromium is used.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export BOUNCEKIT_CHROMIUM="$SITE_CHROMIUM"

# set by site_start_server, read by the callers
# shellcheck disable=SC2034
SITE_SERVER_PID=
SITE_BASE=

# site_need_tools: prints why and returns 1 when chromium, node or npm is missing.
site_need_tools() {
  if [ ! -x "$SITE_CHROMIUM" ]; then
    echo "chromium not found at $SITE_CHROMIUM (Debian: apt-get install chromium)"
    return 1
  fi
  if ! command -v node >/dev/null 2>&1; then
    echo "node not found (Debian: apt-get install nodejs npm)"
    return 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "node $(node --version 2>/dev/null) is too old: playwright-core needs node 20 or newer"
    return 1
  fi
  if [ ! -f "$SITE_TEST_DIR/node_modules/playwright-core/package.json" ] && ! command -v npm >/dev/null 2>&1; then
    echo "npm not found, and tests/site/node_modules is not installed (Debian: apt-get install npm)"
    return 1
  fi
  return 0
}

# site_ensure_deps: installs tests/site/node_modules with 'npm ci' when it is
# missing or holds another playwright-core version than package.json pins.
# Returns 1 (after printing npm's last lines) when the install fails.
site_ensure_deps() {
  local want have log
  want=$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' "$SITE_TEST_DIR/package.json")
  have=$(node -p 'require(process.argv[1]).version' "$SITE_TEST_DIR/node_modules/playwright-core/package.json" 2>/dev/null || true)
  if [ -n "$have" ] && [ "$have" = "$want" ]; then
    return 0
  fi
  echo "installing playwright-core $want into tests/site/node_modules (npm ci)"
  log=$(mktemp)
  if ! (cd "$SITE_TEST_DIR" && npm ci --no-audit --no-fund --fetch-retries=1 --fetch-timeout=60000) >"$log" 2>&1; then
    tail -n 15 "$log" | sed 's/^/  npm: /'
    rm -f "$log"
    rm -rf "$SITE_TEST_DIR/node_modules"
    return 1
  fi
  rm -f "$log"
  return 0
}

# site_start_server ROOT WORKDIR: serves ROOT on 127.0.0.1 on a free port
# (chosen by the kernel) under the path /site/, and sets SITE_BASE and
# SITE_SERVER_PID. The server also exits by itself when this shell is gone.
site_start_server() {
  local root=$1 work=$2 _
  rm -f "$work/port"
  node "$SITE_TEST_DIR/serve.js" --root "$root" --port-file "$work/port" --parent $$ \
    >"$work/server.log" 2>&1 &
  SITE_SERVER_PID=$!
  for _ in $(seq 1 100); do
    if [ -s "$work/port" ]; then
      # shellcheck disable=SC2034  # read by the callers
      SITE_BASE="http://127.0.0.1:$(cat "$work/port")/site/"
      return 0
    fi
    if ! kill -0 "$SITE_SERVER_PID" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "the local HTTP server did not start:"
  sed 's/^/  server: /' "$work/server.log"
  return 1
}

# site_stop_server: ends the server started above (only that process).
site_stop_server() {
  if [ -n "$SITE_SERVER_PID" ]; then
    kill "$SITE_SERVER_PID" 2>/dev/null
    wait "$SITE_SERVER_PID" 2>/dev/null
    SITE_SERVER_PID=
  fi
}

# site_prologue TEST BIN PREFIX: what every browser check starts with. Exits
# 77 (skip) without chromium, node or the npm packages, 1 without the binary;
# then makes the scratch folder $WORK, removed (and the server stopped) at exit.
site_prologue() {
  local test=$1 bin=$2 prefix=$3 reason
  if ! reason=$(site_need_tools); then
    echo "SKIP: $test needs chromium and node 20+: $reason"
    exit 77
  fi
  if ! site_ensure_deps; then
    echo "SKIP: could not install playwright-core with 'npm ci' in $SITE_TEST_DIR (no network or no npm registry?)"
    exit 77
  fi
  if [ ! -x "$bin" ]; then
    echo "FAIL: bouncekit binary not found at $bin"
    exit 1
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
  trap site_cleanup EXIT
  trap 'exit 1' INT TERM HUP
}

# site_cleanup: stop the server and remove $WORK (the EXIT trap of site_prologue)
# shellcheck disable=SC2317  # called from the trap
site_cleanup() {
  site_stop_server
  rm -rf "$WORK"
}
