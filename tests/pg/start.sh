#!/usr/bin/env bash
# start.sh - start a throwaway PostgreSQL server for the store tests: initdb
# (as the postgres user when root) into a temporary folder, a free port on
# 127.0.0.1, trust authentication on loopback only, and a database
# "bouncekit". Prints the variables to set:
#   eval "$(bash tests/pg/start.sh)"   ... tests ...   bash tests/pg/stop.sh
# BOUNCEKIT_TEST_PG is the URI; BOUNCEKIT_TEST_PG_DIR the server's folder.
set -euo pipefail
. "$(dirname "$0")/pg.bash"
bin=$(pg_bin) || { echo "start.sh: no PostgreSQL server installed (initdb)" >&2; exit 1; }
dir=$(mktemp -d /tmp/bk-pg-XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
user=$( [ "$(id -u)" -eq 0 ] && echo postgres || id -un )
as_pg "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
CONF
export BOUNCEKIT_TEST_PG_DIR=$dir
pg_ctl_do start >/dev/null || { cat "$dir/log" >&2; exit 1; }
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" bouncekit
echo "export BOUNCEKIT_TEST_PG=postgresql://$user@127.0.0.1:$port/bouncekit BOUNCEKIT_TEST_PG_DIR=$dir"
