#!/usr/bin/env bash
# stop.sh - stop the server of start.sh ($BOUNCEKIT_TEST_PG_DIR) and remove its folder
set -uo pipefail
. "$(dirname "$0")/pg.bash"
[ -n "${BOUNCEKIT_TEST_PG_DIR:-}" ] && [ -d "$BOUNCEKIT_TEST_PG_DIR" ] || exit 0
pg_ctl_do -m immediate stop >/dev/null 2>&1
rm -rf "$BOUNCEKIT_TEST_PG_DIR"
