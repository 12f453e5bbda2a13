#!/bin/bash
# Browser checks of the static site written by 'bouncekit site', in headless
# Debian chromium driven by playwright-core (see check-site.js for the checks).
# Usage: bash run.sh PATH_TO_BOUNCEKIT [SOURCE_DIR]
# Exit status: 0 pass, 1 fail, 77 skip (no chromium, node or npm packages).
set -u

BIN=${1:?usage: run.sh PATH_TO_BOUNCEKIT [SOURCE_DIR]}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

site_prologue site_browser "$BIN" bouncekit-site-test

if ! "$BIN" site "$WORK/site"; then
  echo "FAIL: '$BIN site $WORK/site' failed"
  exit 1
fi
"$BIN" explain --json 550 >"$WORK/550.json" 2>"$WORK/550.err" || true

if ! site_start_server "$WORK/site" "$WORK"; then
  echo "FAIL: could not start the local HTTP server"
  exit 1
fi
echo "site served at $SITE_BASE (server pid $SITE_SERVER_PID); chromium: $SITE_CHROMIUM"

node "$HERE/check-site.js" "$SITE_BASE" "$WORK/550.json" "$WORK/site"
rc=$?
[ "$rc" -eq 0 ] || rc=1
exit "$rc"
