# common.bash - what run.sh and soak.sh share (sourced from the top of the
# worktree with BK, N and WORK set):
#   bench_db SPEC           the database of SPEC in DB: "sqlite" (a file in
#                           $WORK), "pg" (a throwaway server of tests/pg/start.sh,
#                           stopped at exit) or a postgresql:// URI as given
#   bench_list              the N-address list in $DB, made once (user<I>@d<I%1000>
#                           .bench.example through 'bouncekit suppress import')
#   serve_up [ARGS...]      start 'bouncekit serve' on $DB on free loopback ports:
#                           SERVE_PID, HTTP and SMAP (HOST:PORT); stopped at exit
#   serve_down              stop it
#   rss                     "RSS x MB (anonymous y MB)" of the server
#   loadavg                 the 1, 5 and 15 minute load averages
BENCH_PG_STARTED=
SERVE_PID=
SERVE_WRAP=() # a command serve runs under (run.sh: taskset with PIN)

# bench_cleanup - stop what was started (the EXIT trap)
bench_cleanup() {
    serve_down
    [ -n "$BENCH_PG_STARTED" ] && bash tests/pg/stop.sh
    return 0
}
trap bench_cleanup EXIT

bench_db() {
    case "$1" in
    sqlite) DB=$WORK/list-$N.db ;;
    pg)
        if [ -z "$BENCH_PG_STARTED" ]; then
            eval "$(bash tests/pg/start.sh)" || { echo "bench: cannot start PostgreSQL" >&2; return 1; }
            BENCH_PG_STARTED=$BOUNCEKIT_TEST_PG_DIR
        fi
        DB=$BOUNCEKIT_TEST_PG ;;
    postgresql://* | postgres://*) DB=$1 ;;
    *) echo "bench: '$1': want sqlite, pg or a postgresql:// URI" >&2; return 1 ;;
    esac
}

# suppressed_count - the active suppressions in $DB (0 when it does not exist yet)
suppressed_count() {
    case "$DB" in
    postgres*) "$BK" suppress stats --json --db "$DB" 2>/dev/null | jq -r '.totals.suppressed // 0' ;;
    *) [ -s "$DB" ] && echo "$N" || echo 0 ;;
    esac
}

bench_list() {
    local have
    have=$(suppressed_count)
    [ "${have:-0}" -ge "$N" ] && return 0
    echo "== making a list of $N addresses in $DB"
    awk -v n="$N" 'BEGIN { print "email,reason,created,expires,source";
        for (i = 0; i < n; i++) printf "user%d@d%d.bench.example,userunknown,2026-01-01T00:00:00Z,,import\n", i, i % 1000 }' \
        >"$WORK/list.csv"
    local start target=$DB
    start=$(date +%s)
    case "$DB" in postgres*) ;; *) target=$DB.tmp ;; esac
    "$BK" suppress import --db "$target" --format csv "$WORK/list.csv" >/dev/null
    [ "$target" = "$DB" ] || { mv "$target" "$DB"; rm -f "$target-wal" "$target-shm"; }
    rm -f "$WORK/list.csv"
    echo "   imported in $(($(date +%s) - start)) s"
}

serve_up() {
    local log=$WORK/serve.log
    "${SERVE_WRAP[@]}" "$BK" serve --db "$DB" --listen 127.0.0.1:0 --socketmap 127.0.0.1:0 "$@" \
        2>"$log" &
    SERVE_PID=$!
    for _ in $(seq 1 300); do grep -q ready "$log" && break; sleep 0.1; done
    grep -q ready "$log" || { cat "$log" >&2; return 1; }
    HTTP=$(awk '/HTTP API on/ {print $NF}' "$log")
    SMAP=$(awk '/socketmap on/ {print $NF}' "$log")
    SERVE_READY=$(grep ready "$log" | sed 's/.*(//; s/)//')
}

serve_down() {
    [ -n "$SERVE_PID" ] || return 0
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}

rss() {
    awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} END {printf "RSS %.1f MB (anonymous %.1f MB)", r / 1024, a / 1024}' \
        "/proc/$SERVE_PID/status"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
