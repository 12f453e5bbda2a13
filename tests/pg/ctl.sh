#!/usr/bin/env bash
# ctl.sh stop|start - stop (fast: sessions are cut) or start again the server
# of start.sh in $BOUNCEKIT_TEST_PG_DIR, for the tests of a database that goes away
set -euo pipefail
. "$(dirname "$0")/pg.bash"
case "${1:-}" in
stop) pg_ctl_do -m fast stop >/dev/null ;;
start) pg_ctl_do start >/dev/null ;;
*) echo "usage: ctl.sh stop|start" >&2; exit 2 ;;
esac
