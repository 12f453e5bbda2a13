#!/usr/bin/env bash
# quickstart.sh - install what the build needs, build, and run the main job
# on the sample input bundled in samples/ and tests/data/bounces/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== bouncekit explain --from samples/replies.txt"
./build/bouncekit explain --from samples/replies.txt
echo
echo "== bouncekit classify --table (the same sample replies)"
grep -v '^#' samples/replies.txt | ./build/bouncekit classify --table
echo
echo "== bouncekit decode --format table tests/data/bounces (the bundled sample bounces)"
./build/bouncekit decode --format table --no-progress tests/data/bounces
