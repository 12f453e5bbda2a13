#!/usr/bin/env bash
# test.sh - install what the tests need, then build and run the whole suite:
#   1. the normal build with warnings as errors, all tests;
#   2. the AddressSanitizer + UndefinedBehaviorSanitizer build, all tests;
#   3. the libFuzzer targets (clang), each for a bounded time on its corpus.
# The store tests run on SQLite and, on a throwaway server (tests/pg/start.sh), PostgreSQL.
# FUZZ_SECONDS (default 30) sets the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh --test
# a throwaway PostgreSQL server for the store tests on that backend (BOUNCEKIT_TEST_PG)
eval "$(bash tests/pg/start.sh)"
trap 'bash tests/pg/stop.sh' EXIT
jobs=$(nproc)
step() { printf '\n== %s\n' "$*"; }

step "build (warnings are errors)"
cmake -S . -B build -DBOUNCEKIT_WERROR=ON -DBOUNCEKIT_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

step "build with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-san -DBOUNCEKIT_WERROR=ON -DBOUNCEKIT_TESTS=ON -DBOUNCEKIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-san -j"$jobs"
(cd build-san && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs" -E 'site_browser|health_browser')

step "fuzz targets (${FUZZ_SECONDS:-30} s each)"
CC=clang cmake -S . -B build-fuzz -DBOUNCEKIT_FUZZ=ON -DBOUNCEKIT_TESTS=OFF -DBOUNCEKIT_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_reply fuzz_kb fuzz_classify fuzz_rules fuzz_decode fuzz_dsn fuzz_logs fuzz_webhook fuzz_ingest fuzz_netstring fuzz_policy fuzz_http
for target in reply kb classify rules decode dsn logs webhook ingest netstring policy http; do
    work=$(mktemp -d)
    ./build-fuzz/fuzz/fuzz_$target -max_total_time="${FUZZ_SECONDS:-30}" -max_len=8192 \
        -print_final_stats=1 "$work" "fuzz/corpus/$target" 2>&1 | tail -n 4
    rm -rf "$work"
done
step "all tests passed"
