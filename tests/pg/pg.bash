# pg.bash - helpers for a throwaway PostgreSQL server in the tests (sourced by
# start.sh, stop.sh and the store tests):
#   pg_bin            the folder of initdb and pg_ctl (Debian: /usr/lib/postgresql/N/bin)
#   as_pg CMD...      run CMD as the server's owner: the postgres user when root
#   pg_ctl_do ARGS... pg_ctl on $BOUNCEKIT_TEST_PG_DIR as that owner
#   pg_newdb NAME     create database NAME on the test server; prints its URI
pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
    return 1
}
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_ctl_do() {
    as_pg "$(pg_bin)/pg_ctl" -D "$BOUNCEKIT_TEST_PG_DIR/data" -l "$BOUNCEKIT_TEST_PG_DIR/log" -w "$@"
}
pg_newdb() {
    local base=${BOUNCEKIT_TEST_PG%%\?*}
    psql -q -X -v ON_ERROR_STOP=1 "$BOUNCEKIT_TEST_PG" -c "DROP DATABASE IF EXISTS \"$1\"" -c "CREATE DATABASE \"$1\"" >/dev/null || return 1
    echo "${base%/*}/$1"
}
