#!/usr/bin/env bash
# run.sh - how fast bouncekit serve answers "is this recipient suppressed?"
# on a 1,000,000-address SQLite list, and whether its memory stays flat.
#
#   bench/serve/run.sh [BUILD_DIR]          (default: build)
#
# 1. makes the list once (N addresses user<I>@d<I%1000>.bench.example, through
#    'bouncekit suppress import'; kept in $BENCH_DIR for the next run);
# 2. starts 'bouncekit serve' on free loopback ports and warms it up (each
#    store handle builds its lookup snapshot);
# 3. HTTP: wrk with 100 connections, GET /v1/suppressions/{address} with random
#    addresses, half on the list (lookup.lua);
# 4. socketmap: socketmap_load with 100 connections (throughput) and with 10
#    (latency below saturation), the same address mix;
# 5. a soak: both loads at once for $SOAK seconds, RSS (and the anonymous part
#    of it, which excludes the SQLite file mapped in) at the start, every 30 s
#    and at the end.
# Needs wrk (Debian package). Settings: N (1000000), DURATION (10 s per run),
# SOAK (120 s), THREADS (serve --threads; default: CPUs), BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BK=$BUILD/bouncekit
LOAD=$BUILD/bench/socketmap_load
N=${N:-1000000}
DURATION=${DURATION:-10}
SOAK=${SOAK:-120}
WORK=${BENCH_DIR:-/tmp/bouncekit-bench-serve}
DB=$WORK/list-$N.db
command -v wrk >/dev/null || { echo "run.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$BK" ] && [ -x "$LOAD" ] || { echo "run.sh: build $BK and $LOAD first" >&2; exit 1; }
mkdir -p "$WORK"

if [ ! -s "$DB" ]; then
    echo "== making a list of $N addresses in $DB"
    awk -v n="$N" 'BEGIN { print "email,reason,created,expires,source";
        for (i = 0; i < n; i++) printf "user%d@d%d.bench.example,userunknown,2026-01-01T00:00:00Z,,import\n", i, i % 1000 }' \
        >"$WORK/list.csv"
    start=$(date +%s)
    "$BK" suppress import --db "$DB.tmp" --format csv "$WORK/list.csv"
    mv "$DB.tmp" "$DB"
    rm -f "$WORK/list.csv" "$DB.tmp-wal" "$DB.tmp-shm"
    echo "   imported in $(($(date +%s) - start)) s"
fi

LOG=$WORK/serve.log
"$BK" serve --db "$DB" --listen 127.0.0.1:0 --socketmap 127.0.0.1:0 ${THREADS:+--threads $THREADS} 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do grep -q ready "$LOG" && break; sleep 0.1; done
grep -q ready "$LOG" || { cat "$LOG"; exit 1; }
HTTP=$(awk '/HTTP API on/ {print $NF}' "$LOG")
SMAP=$(awk '/socketmap on/ {print $NF}' "$LOG")

# rss - "RSS x MB (anonymous y MB)" of the server
rss() {
    awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} END {printf "RSS %.1f MB (anonymous %.1f MB)", r / 1024, a / 1024}' "/proc/$PID/status"
}

echo "== $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); serve: $(grep ready "$LOG" | sed 's/.*(//; s/)//')"
echo "== warm-up"
wrk -t2 -c100 -d3s -s bench/serve/lookup.lua "http://$HTTP" -- "$N" >/dev/null
"$LOAD" 127.0.0.1 "${SMAP##*:}" 100 3 "$N" >/dev/null
echo "   $(rss)"
echo "== HTTP: wrk, 100 connections, ${DURATION} s"
wrk -t2 -c100 -d"${DURATION}s" -s bench/serve/lookup.lua "http://$HTTP" -- "$N" | tail -n 1
echo "== socketmap: 100 connections, ${DURATION} s"
"$LOAD" 127.0.0.1 "${SMAP##*:}" 100 "$DURATION" "$N"
echo "== socketmap: 10 connections, ${DURATION} s"
"$LOAD" 127.0.0.1 "${SMAP##*:}" 10 "$DURATION" "$N"

echo "== soak: HTTP and socketmap at once for $SOAK s"
echo "   start: $(rss)"
left=$SOAK
while [ "$left" -gt 0 ]; do
    step=$((left < 30 ? left : 30))
    wrk -t1 -c50 -d"${step}s" -s bench/serve/lookup.lua "http://$HTTP" -- "$N" >"$WORK/soak-http.txt" &
    W=$!
    "$LOAD" 127.0.0.1 "${SMAP##*:}" 50 "$step" "$N" >"$WORK/soak-map.txt"
    wait $W
    left=$((left - step))
    echo "   after $((SOAK - left)) s: $(rss); $(tail -n 1 "$WORK/soak-http.txt" | cut -d, -f2); socketmap $(head -n 1 "$WORK/soak-map.txt" | sed 's/.*lookups, //; s/,.*//')"
done
echo "   end: $(rss)"
