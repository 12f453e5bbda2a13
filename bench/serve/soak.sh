#!/usr/bin/env bash
# soak.sh - does bouncekit serve's memory stay flat under a long mixed load?
#
#   bench/serve/soak.sh [SECONDS [BUILD_DIR [DB]]]   (default: 600 build sqlite)
#
# On the 1,000,000-address list of run.sh (DB: sqlite, pg or a postgresql://
# URI, as there), for SECONDS at once: wrk with 50 connections on
# GET /v1/suppressions/{address}, socketmap_load with 50 connections, and a
# writer that POSTs 20 new events to /v1/events every 2 s (each commit
# changes the list, so the shared lookup snapshot is rebuilt in the background,
# and lookups ask the database until it is).
# The server's RSS, and the anonymous part of it (which excludes the SQLite
# file mapped in), is sampled every SAMPLE (5) seconds; a line every minute,
# then the summary: start, max, end, and the mean and max of the anonymous
# part in each quarter of the run (a leak climbs quarter after quarter; a
# flat server's quarters match, give or take the snapshots being rebuilt).
set -euo pipefail
cd "$(dirname "$0")/../.."
SOAK=${1:-600}
BUILD=${2:-build}
SPEC=${3:-sqlite}
BK=$BUILD/bouncekit
LOAD=$BUILD/bench/socketmap_load
N=${N:-1000000}
SAMPLE=${SAMPLE:-5}
WORK=${BENCH_DIR:-/tmp/bouncekit-bench-serve}
command -v wrk >/dev/null && command -v jq >/dev/null && command -v curl >/dev/null ||
    { echo "soak.sh: needs wrk, jq and curl" >&2; exit 1; }
[ -x "$BK" ] && [ -x "$LOAD" ] || { echo "soak.sh: build $BK and $LOAD first" >&2; exit 1; }
mkdir -p "$WORK"
. bench/serve/common.bash
bench_db "$SPEC"
bench_list
TOKEN=soak-$RANDOM$RANDOM
serve_up --token "$TOKEN"
echo "== soak of $SOAK s on $SPEC: $(nproc) CPUs, load average $(loadavg); serve: $SERVE_READY"
wrk -t1 -c50 -d3s -s bench/serve/lookup.lua "http://$HTTP" -- "$N" >/dev/null # warm-up

# writer - 20 new events every 2 s until the end; counts what was acknowledged
writer() {
    local i=0 ok=0 fail=0 end=$(($(date +%s) + SOAK))
    while [ "$(date +%s)" -lt "$end" ]; do
        local body=""
        for _ in $(seq 20); do
            body+="{\"recipient\":\"soak$i@w$((i % 97)).soak.example\",\"reason\":\"userunknown\",\"hardbounce\":true,\"permanence\":\"permanent\",\"token\":\"soak-$TOKEN-$i\"}"$'\n'
            i=$((i + 1))
        done
        if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
                --data-binary "$body" "http://$HTTP/v1/events")" = 200 ]; then ok=$((ok + 1)); else fail=$((fail + 1)); fi
        sleep 2
    done
    echo "writer: $ok requests of 20 events acknowledged, $fail failed"
}

wrk -t1 -c50 -d"${SOAK}s" -s bench/serve/lookup.lua "http://$HTTP" -- "$N" >"$WORK/soak-http.txt" &
W=$!
"$LOAD" 127.0.0.1 "${SMAP##*:}" 50 "$SOAK" "$N" >"$WORK/soak-map.txt" &
M=$!
writer >"$WORK/soak-writer.txt" &
R=$!

# sample - "SECONDS RSS_KB ANON_KB" of the server now
sample() { awk -v t="$1" '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} END {print t, r, a}' "/proc/$SERVE_PID/status"; }
: >"$WORK/soak-rss.txt"
start=$(date +%s)
echo "   start: $(rss)"
while kill -0 "$W" 2>/dev/null || kill -0 "$M" 2>/dev/null; do
    t=$(($(date +%s) - start))
    sample "$t" >>"$WORK/soak-rss.txt"
    [ $((t % 60)) -lt "$SAMPLE" ] && [ "$t" -ge "$SAMPLE" ] && echo "   after $t s: $(rss); load average $(loadavg)"
    sleep "$SAMPLE"
done
wait $W $M $R || true
sample "$(($(date +%s) - start))" >>"$WORK/soak-rss.txt"
echo "   $(tail -n 1 "$WORK/soak-http.txt")"
echo "   $(head -n 2 "$WORK/soak-map.txt" | tr '\n' ' ')"
echo "   $(cat "$WORK/soak-writer.txt")"
echo "== RSS over $SOAK s, $(wc -l <"$WORK/soak-rss.txt") samples every $SAMPLE s (load average now $(loadavg)):"
awk -v soak="$SOAK" '
    NR == 1 {r0 = $2; a0 = $3}
    {if ($2 > rm) rm = $2; if ($3 > am) am = $3; r1 = $2; a1 = $3
     q = int(4 * $1 / soak) + 1; if (q > 4) q = 4; qs[q] += $3; qn[q]++; if ($3 > qm[q]) qm[q] = $3}
    END {printf "   RSS: start %.1f MB, max %.1f MB, end %.1f MB\n", r0 / 1024, rm / 1024, r1 / 1024
         printf "   anonymous: start %.1f MB, max %.1f MB, end %.1f MB\n", a0 / 1024, am / 1024, a1 / 1024
         printf "   anonymous by quarter of the run, mean / max:"
         for (q = 1; q <= 4; q++) if (qn[q]) printf " %.1f / %.1f MB%s", qs[q] / qn[q] / 1024, qm[q] / 1024, q < 4 ? ";" : "\n"}' \
    "$WORK/soak-rss.txt"
