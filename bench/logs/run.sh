#!/usr/bin/env bash
# run.sh - the logs benchmark: one large Postfix log read by bouncekit logs
# (report and --events), pflogsumm and grep -c, on one core; MB/s and peak RSS.
#   bench/logs/run.sh [SIZE_BYTES]      (default 1 GiB; RUNS=3 repeats, median)
# The log is made once in $TMPDIR (default /tmp) by make-log.py and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-1073741824}
runs=${RUNS:-3}
pflog_runs=${PFLOG_RUNS:-1}   # pflogsumm takes minutes per GB
tmp=${TMPDIR:-/tmp}
log="$tmp/bouncekit-bench-postfix-$size.log"
build=build-lbench

need() { command -v "$1" >/dev/null 2>&1; }
if ! need pflogsumm || [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        apt-get install -y -qq pflogsumm time >/dev/null
    else
        echo "run.sh: needs pflogsumm and /usr/bin/time (apt-get install pflogsumm time)" >&2
        exit 1
    fi
fi
# always (re)built, incrementally: a stale binary would be measured otherwise
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target bouncekit_cli >/dev/null
export BOUNCEKIT_CACHE_DIR="$PWD/$build/rule-cache"
if [ ! -s "$log" ]; then
    python3 bench/logs/make-log.py "$log" --bytes "$size"
fi
bytes=$(stat -c %s "$log")
pin=""
if need taskset; then pin="taskset -c 0"; fi
"$build/bouncekit" logs --json "$log" >/dev/null 2>&1 || true # warm the page cache and rule cache

# measure NAME RUNS CMD... - run CMD RUNS times; print the medians
measure() {
    local name=$1 n=$2 out
    shift 2
    out=$(mktemp)
    for _ in $(seq "$n"); do
        /usr/bin/time -o "$out" -a -f '%e %U %S %M' $pin "$@" >/dev/null 2>&1 || true
    done
    grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$out" | awk -v name="$name" -v bytes="$bytes" '
        { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
        function median(a, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            w = median(wall, NR); c = median(cpu, NR); r = median(rss, NR)
            if (w < 0.01) w = 0.01
            if (c < 0.01) c = 0.01
            printf "| %-31s | %9.0f | %9.0f | %8.2f | %7.1f | %4d |\n", name, bytes / 1e6 / w, bytes / 1e6 / c, w, r / 1024, NR
        }'
    rm -f "$out"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== log: $log, $((bytes / 1000000)) MB, $(wc -l <"$log") lines; pinned: ${pin:-no}"
echo
echo "| what | MB/s (wall) | MB/s (CPU) | wall s | peak RSS MB | runs |"
echo "|---|---:|---:|---:|---:|---:|"
measure "bouncekit logs --json (report)" "$runs" "$build/bouncekit" logs --json "$log"
measure "bouncekit logs --events" "$runs" "$build/bouncekit" logs --events "$log"
# grep stops at the first match when its output is /dev/null: give it a file
measure "grep -c status=bounced" "$runs" sh -c 'exec grep -c status=bounced "$0" >"$1"' "$log" "$tmp/bouncekit-bench-grep.out"
measure "pflogsumm" "$pflog_runs" pflogsumm "$log"
rm -f "$tmp/bouncekit-bench-grep.out"
