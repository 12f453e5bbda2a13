#!/bin/bash
# Browser checks of the delivery health page of 'bouncekit logs --html', in
# headless Debian chromium driven by playwright-core (see check-health.js).
# The pages are made here by the built binary from the committed fixtures in
# tests/data/logs: one of all of them together, one of each, one of a copy of
# the Postfix fixture with & " ' in a domain (escaping), and one of an empty log.
# Usage: bash run-health.sh PATH_TO_BOUNCEKIT SOURCE_DIR
# Set BOUNCEKIT_HEALTH_SHOTS=DIR to also get screenshots in DIR.
# Exit status: 0 pass, 1 fail, 77 skip (no chromium, node or npm packages).
set -u
export TZ=UTC # syslog stamps are read in the local time zone; the checks expect UTC

BIN=${1:?usage: run-health.sh PATH_TO_BOUNCEKIT SOURCE_DIR}
SRC=${2:?usage: run-health.sh PATH_TO_BOUNCEKIT SOURCE_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

site_prologue health_browser "$BIN" bouncekit-health-test
mkdir -p "$WORK/pages"
PAGES=()

# page NAME FILE...: the page and the JSON report of one run of 'bouncekit logs'
page() {
  local name=$1 rc
  shift
  "$BIN" logs --year 2026 --no-progress --json --html "$WORK/pages/$name.html" "$@" \
    >"$WORK/$name.json" 2>"$WORK/$name.err"
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "FAIL: 'bouncekit logs --html' on $* exited $rc:"
    sed 's/^/  /' "$WORK/$name.err"
    exit 1
  fi
  PAGES+=("$name.html=$WORK/$name.json")
}

FIXTURES=()
for f in "$SRC"/tests/data/logs/*; do
  case "$f" in
    *.log | *.log.[0-9]* | *.gz) [ -f "$f" ] && FIXTURES+=("$f") ;; # not the .expect files
  esac
done
if [ "${#FIXTURES[@]}" -eq 0 ]; then
  echo "FAIL: no fixtures in $SRC/tests/data/logs"
  exit 1
fi
page all "${FIXTURES[@]}"
for f in "${FIXTURES[@]}"; do
  name=$(basename "$f")
  page "fixture-${name//[^A-Za-z0-9_-]/_}" "$f"
done
if [ -f "$SRC/tests/data/logs/postfix-real.log" ]; then
  sed "s/example\.net/ex\&am\"p'le.net/g" "$SRC/tests/data/logs/postfix-real.log" >"$WORK/escaping.log"
  page escaping "$WORK/escaping.log"
fi
: >"$WORK/empty.log"
page empty "$WORK/empty.log"

if ! site_start_server "$WORK/pages" "$WORK"; then
  echo "FAIL: could not start the local HTTP server"
  exit 1
fi
echo "pages served at $SITE_BASE (server pid $SITE_SERVER_PID); chromium: $SITE_CHROMIUM"

SHOTS=()
[ -n "${BOUNCEKIT_HEALTH_SHOTS:-}" ] && SHOTS=(--shots "$BOUNCEKIT_HEALTH_SHOTS")
node "$HERE/check-health.js" "$SITE_BASE" "${PAGES[@]}" "${SHOTS[@]}"
rc=$?
[ "$rc" -eq 0 ] || rc=1
exit "$rc"
