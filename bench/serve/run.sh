#!/usr/bin/env bash
# run.sh - how fast bouncekit serve answers "is this recipient suppressed?"
# on a 1,000,000-address list, on SQLite and on PostgreSQL.
#
#   bench/serve/run.sh [BUILD_DIR [DB...]]     (default: build sqlite)
#
# DB is "sqlite" (a list file kept in $BENCH_DIR for the next run), "pg" (a
# throwaway PostgreSQL server of tests/pg/start.sh on loopback, fsync off) or
# a postgresql:// URI. For each DB in turn:
# 1. makes the list once (N addresses user<I>@d<I%1000>.bench.example, through
#    'bouncekit suppress import');
# 2. starts 'bouncekit serve' on free loopback ports and warms it up (each
#    store handle builds its lookup snapshot);
# 3. HTTP: wrk with 100 connections, GET /v1/suppressions/{address} with random
#    addresses, half on the list (lookup.lua);
# 4. socketmap: socketmap_load with 100 connections asking as fast as they
#    are answered (throughput; in such a closed loop the mean latency is
#    100 / throughput, Little's law), with 100 connections asking at RATE
#    lookups/s in all (the latency at that load, counted from when each
#    request was due), and with 10 connections; the same address mix.
# Each run prints the CPU the server and the load generator used: they share
# the machine's cores. Then a summary table of every DB. The soak is soak.sh.
# Needs wrk and jq (Debian packages). Settings: N (1000000), DURATION (10 s
# per run), RATE (50000 on SQLite), PG_RATE (15000 on PostgreSQL), THREADS
# (serve --threads; default: CPUs), BENCH_DIR, PIN=SERVER_CPUS:LOAD_CPUS
# (taskset lists, e.g. 0:1: the server and the load generators on cores of
# their own, wrk with one thread per load core; give THREADS to match).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
shift || true
[ $# -gt 0 ] || set -- sqlite
BK=$BUILD/bouncekit
LOAD=$BUILD/bench/socketmap_load
N=${N:-1000000}
DURATION=${DURATION:-10}
RATE=${RATE:-50000}
PG_RATE=${PG_RATE:-15000}
WORK=${BENCH_DIR:-/tmp/bouncekit-bench-serve}
command -v wrk >/dev/null && command -v jq >/dev/null || { echo "run.sh: needs wrk and jq" >&2; exit 1; }
[ -x "$BK" ] && [ -x "$LOAD" ] || { echo "run.sh: build $BK and $LOAD first" >&2; exit 1; }
mkdir -p "$WORK"
. bench/serve/common.bash
GEN=()         # the command the load generators run under
WRK_THREADS=2
if [ -n "${PIN:-}" ]; then
    SERVE_WRAP=(taskset -c "${PIN%%:*}")
    GEN=(taskset -c "${PIN##*:}")
    WRK_THREADS=$(taskset -c "${PIN##*:}" nproc)
fi

# cpu_s PID - user + system CPU seconds of a process so far
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

# measure WHAT CMD... - run a load generator; prints its output, then the
# server's CPU over the run; its last two figure lines go to $WORK/last.txt
measure() {
    local what=$1 before t0 t1
    shift
    before=$(cpu_s "$SERVE_PID")
    t0=$(date +%s.%N)
    "$@" >"$WORK/last.txt"
    t1=$(date +%s.%N)
    sed 's/^/   /' "$WORK/last.txt"
    # the lookups done: "http: N requests" (wrk) or "... N lookups" (socketmap_load)
    awk -v a="$before" -v b="$(cpu_s "$SERVE_PID")" -v t0="$t0" -v t1="$t1" '
        /^http:/ {n = $2} / lookups,/ {for (i = 1; i < NF; i++) if ($(i + 1) == "lookups,") n = $i}
        END {printf "   server CPU: %.1f s (%.0f%% of one core, %.1f us per lookup)\n", b - a,
             100 * (b - a) / (t1 - t0), n ? 1e6 * (b - a) / n : 0}' "$WORK/last.txt"
    echo "   load average after: $(loadavg)"
}

# wrk_run CONNS SECONDS - wrk on the lookups, with its own CPU time
wrk_run() {
    local out
    out=$( { TIMEFORMAT='%U %S %R'; time "${GEN[@]}" wrk -t"$WRK_THREADS" -c"$1" -d"$2s" -s bench/serve/lookup.lua "http://$HTTP" -- "$N" | tail -n 1; } 2>&1 )
    head -n 1 <<<"$out"
    tail -n 1 <<<"$out" | awk '{printf "http generator CPU (wrk): %.2f s (%.0f%% of one core)\n", $1 + $2, 100 * ($1 + $2) / $3}'
}

SUMMARY=()
for spec in "$@"; do
    bench_db "$spec"
    bench_list
    serve_up ${THREADS:+--threads $THREADS}
    echo "== $spec: $(nproc) CPUs${PIN:+, pinned server:load $PIN}, load average $(loadavg); serve: $SERVE_READY"
    echo "== warm-up"
    "${GEN[@]}" wrk -t"$WRK_THREADS" -c100 -d3s -s bench/serve/lookup.lua "http://$HTTP" -- "$N" >/dev/null
    "${GEN[@]}" "$LOAD" 127.0.0.1 "${SMAP##*:}" 100 3 "$N" >/dev/null
    echo "   $(rss)"
    echo "== $spec HTTP: wrk, 100 connections, ${DURATION} s (load average before: $(loadavg))"
    measure http wrk_run 100 "$DURATION"
    http=$(head -n 1 "$WORK/last.txt")
    echo "== $spec socketmap: 100 connections, ${DURATION} s (load average before: $(loadavg))"
    measure map100 "${GEN[@]}" "$LOAD" 127.0.0.1 "${SMAP##*:}" 100 "$DURATION" "$N"
    m100=$(head -n 2 "$WORK/last.txt")
    rate=$RATE
    case "$DB" in postgres*) rate=$PG_RATE ;; esac
    echo "== $spec socketmap: 100 connections at $rate lookups/s, ${DURATION} s (load average before: $(loadavg))"
    measure map100r "${GEN[@]}" "$LOAD" 127.0.0.1 "${SMAP##*:}" 100 "$DURATION" "$N" "$rate"
    m100r=$(head -n 2 "$WORK/last.txt")
    echo "== $spec socketmap: 10 connections, ${DURATION} s (load average before: $(loadavg))"
    measure map10 "${GEN[@]}" "$LOAD" 127.0.0.1 "${SMAP##*:}" 10 "$DURATION" "$N"
    m10=$(head -n 2 "$WORK/last.txt")
    echo "   end: $(rss)"
    serve_down
    # one summary row: lookups/s and p99 of each run
    SUMMARY+=("$(printf '%s\n%s\n%s\n%s' "$http" "$m100" "$m100r" "$m10" | awk -v db="$spec" '
        /^http:/ {for (i = 1; i <= NF; i++) {if ($(i+1) == "requests/s,") h = $i; if ($i == "p99") hp = $(i+1)}}
        /lookups\/s/ {for (i = 1; i <= NF; i++) if ($(i+1) ~ /^lookups\/s/) r[++k] = $i}
        /latency/ {for (i = 1; i <= NF; i++) if ($i == "p99") p[++j] = $(i+1)}
        END {printf "| %s | %s / %s ms | %s / %s ms | %s / %s ms | %s / %s ms |", db, r[1], p[1], r[2], p[2], r[3], p[3], h, hp}')")
done
echo "== summary (lookups/s / p99; load average now $(loadavg))"
echo "| list | socketmap, 100 connections | socketmap, 100 connections paced (RATE $RATE/s, PG_RATE $PG_RATE/s) | socketmap, 10 connections | HTTP (wrk), 100 connections |"
echo "|---|---|---|---|---|"
printf '%s\n' "${SUMMARY[@]}"
