#!/usr/bin/env bash
# run.sh - build the benchmarks optimised and run them; prints every figure.
#   bench/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBOUNCEKIT_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_reply bench_classify bench_rules bench_decode bench_ingest >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "== reply parser"
./build-bench/bench/bench_reply "$secs"
echo "== classifier (every built-in rule)"
BOUNCEKIT_CACHE_DIR="$(pwd)/build-bench/rule-cache" ./build-bench/bench/bench_classify bench/mix/replies.txt "$secs"
echo "== rule patterns (the ten most expensive)"
./build-bench/bench/bench_rules data/rules bench/mix/replies.txt 10
echo "== bounce decoding (../shared/corpus/sisimai replicated to 50,000 messages)"
if [ -d ../shared/corpus/sisimai/maildir ]; then
    BOUNCEKIT_CACHE_DIR="$(pwd)/build-bench/rule-cache" ./build-bench/bench/bench_decode ../shared/corpus/sisimai/maildir 50000
else
    echo "skipped: ../shared/corpus/sisimai is not there"
fi
echo "== suppression list (2,000,000 events into SQLite, then lookups against 1,000,000 suppressed addresses)"
./build-bench/bench/bench_ingest 2000000 "${TMPDIR:-/tmp}"
