#!/usr/bin/env bash
# quickstart.sh - install what the build needs, build, and run the main job
# on the bundled sample input: explain and classify samples/replies.txt, then
# the whole pipeline: decode the sample bounces (samples/bounces.mbox) and read
# the sample Postfix log (samples/mail.log, made by real Postfix) into the default
# suppression store ($XDG_DATA_HOME/bouncekit/bouncekit.db, or BOUNCEKIT_DB),
# and print the delivery health report and the suppression list.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
# the tests need packages this script does not install (tools/test.sh does)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOUNCEKIT_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== bouncekit explain --from samples/replies.txt"
./build/bouncekit explain --from samples/replies.txt
echo
echo "== bouncekit classify --table (the same sample replies)"
grep -v '^#' samples/replies.txt | ./build/bouncekit classify --table
db=()
[ -n "${BOUNCEKIT_DB:-}" ] && db=(--db "$BOUNCEKIT_DB")
echo
echo "== bouncekit ingest --decode samples/bounces.mbox (the sample bounces, into the store)"
./build/bouncekit ingest "${db[@]}" --decode --quiet samples/bounces.mbox
echo
echo "== bouncekit ingest --logs samples/mail.log (the sample log, into the store)"
./build/bouncekit ingest "${db[@]}" --logs --quiet samples/mail.log
echo
echo "== bouncekit logs samples/mail.log (the delivery health report)"
# exit status 3 says the bounce rate crossed the line: expected for this sample
./build/bouncekit logs --year 2026 --no-progress samples/mail.log || [ $? -eq 3 ]
echo
echo "== bouncekit suppress list (who must not be mailed again)"
./build/bouncekit suppress list "${db[@]}"
