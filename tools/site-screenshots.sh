#!/bin/bash
# Generates the static site with 'bouncekit site' and takes full-page PNG
# screenshots of index.html and 550.html at desktop (1280 wide) and phone
# (375 wide) sizes, in headless Debian chromium via playwright-core (the same
# setup as the site_browser test: tests/site/browser.js).
#
# Usage: tools/site-screenshots.sh [OUTDIR] [PAGE...]
#   OUTDIR    where the PNGs go (default ./screenshots)
#   PAGE      pages to shoot instead of index.html and 550.html, e.g. x-5-1.html
# Environment: BOUNCEKIT=path/to/bouncekit (default: build/bouncekit of this tree),
#              BOUNCEKIT_KB=extra.kb (optional: also load these records, like 'site --kb').
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/site/lib.sh
. "$ROOT/tests/site/lib.sh"

OUT=${1:-./screenshots}
shift || true
BIN=${BOUNCEKIT:-$ROOT/build/bouncekit}

if [ ! -x "$BIN" ]; then
  echo "bouncekit not found at $BIN: build it first (cmake -S $ROOT -B $ROOT/build && cmake --build $ROOT/build) or set BOUNCEKIT" >&2
  exit 1
fi
if ! reason=$(site_need_tools); then
  echo "cannot take screenshots: $reason" >&2
  exit 1
fi
if ! site_ensure_deps; then
  echo "cannot take screenshots: 'npm ci' in tests/site failed (no network or no npm registry?)" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bouncekit-screenshots.XXXXXX")
# shellcheck disable=SC2317  # called from the trap
cleanup() {
  site_stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

kb=()
if [ -n "${BOUNCEKIT_KB:-}" ]; then
  kb=(--kb "$BOUNCEKIT_KB")
fi
"$BIN" site -q "${kb[@]}" "$WORK/site" || { echo "'$BIN site' failed" >&2; exit 1; }
site_start_server "$WORK/site" "$WORK" || exit 1

mkdir -p "$OUT"
echo "screenshots written to $OUT:"
node "$SITE_TEST_DIR/screenshots.js" "$SITE_BASE" "$OUT" "$@"
