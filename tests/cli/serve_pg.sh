# serve_pg.sh - bouncekit serve on PostgreSQL while the database restarts under
# load: writers POST /v1/events (each request one transaction of 10 events
# with unique tokens) and a Postfix client asks the socketmap, on a private
# server (tests/pg/start.sh) that is stopped (fast: sessions cut) in the
# middle and started again. While it is away requests fail fast and cleanly
# (503 with a JSON error, TEMP for Postfix; none hangs), afterwards they
# succeed again without a restart of serve, and every event a 200 answer
# acknowledged is in the database. Skipped without BOUNCEKIT_TEST_PG.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/serve_common.bash"
. "$SRC/tests/pg/pg.bash"
[ -n "${BOUNCEKIT_TEST_PG:-}" ] || { echo "SKIP: BOUNCEKIT_TEST_PG is not set (tests/pg/start.sh)"; exit 77; }
for t in jq curl python3 psql; do
    command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
unset BOUNCEKIT_CONFIG
export XDG_DATA_HOME="$TMP/xdg" XDG_CONFIG_HOME="$TMP/cfg"

eval "$(bash "$SRC/tests/pg/start.sh")" || { fail "starting a private server"; finish; }
trap 'for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
      bash "$SRC/tests/pg/stop.sh"; rm -rf "$TMP"' EXIT
DB=$BOUNCEKIT_TEST_PG
TOKEN=restart-token
"$BK" suppress add --db "$DB" --reason userunknown gone@example.com >/dev/null || fail "suppress add"
start_serve --db "$DB" --token "$TOKEN" --threads 2 || finish
AUTH=(-H "Authorization: Bearer $TOKEN")

# lookups - socketmap questions on one connection until $TMP/stop-lookups exists: counts of each answer
lookups() {
    while [ ! -e "$TMP/stop-lookups" ]; do
        timeout 20 python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com other@example.com ||
            echo "CLIENT-FAILED"
        sleep 0.05
    done >"$TMP/lookups.txt" 2>&1
}

SECONDS_LOAD=14
python3 "$(dirname "$0")/events_load.py" "$HTTP" "$TOKEN" "$SECONDS_LOAD" 4 "$TMP/load.txt" &
LOADER=$!
lookups &
LOOKER=$!
sleep 4
bash "$SRC/tests/pg/ctl.sh" stop
stopped=$(date +%s.%N)
sleep 3
# while away: a lookup answers TEMP at once, a write 503 with a JSON error
t0=$(date +%s.%N)
away=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com 2>&1)
[[ "$away" == TEMP* ]] || fail "socketmap while the database is away: '$away', want TEMP"
req POST /v1/events "${AUTH[@]}" --data '{"recipient":"away@example.com","reason":"userunknown","token":"away-1"}'
expect_code 503 "an event while the database is away"
body_is '.error | test("PostgreSQL")' true "the error names PostgreSQL"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {exit !(b - a < 6)}' || fail "answers while away took more than 6 s"
bash "$SRC/tests/pg/ctl.sh" start
started=$(date +%s.%N)
wait $LOADER || fail "the load client failed"
touch "$TMP/stop-lookups"
wait $LOOKER

# the requests: some failed while away (503, never a hang), the last ones succeeded
read -r ok failed other slow last_fail late_ok < <(awk -v s="$stopped" -v r="$started" '
    /^REQ / {if ($4 == 200) ok++; else if ($4 == 503) failed++; else other++
             if ($3 > 10) slow++
             if ($4 != 200 && $2 > lf) lf = $2
             if ($4 == 200 && $2 > latest) latest = $2}
    END {printf "%d %d %d %d %.1f %.1f\n", ok, failed, other, slow, lf, latest}' "$TMP/load.txt")
echo "requests: $ok answered 200, $failed 503, $other other; $slow slower than 10 s; last failure at $last_fail s, last success at $late_ok s"
[ "$ok" -gt 0 ] || fail "no request succeeded"
[ "$failed" -gt 0 ] || fail "no request failed while the database was away (the stop was not seen)"
[ "$other" -eq 0 ] || fail "$other requests ended without a 503 or 200: $(awk '$1 == "REQ" && $4 != 200 && $4 != 503' "$TMP/load.txt" | head -n 3)"
[ "$slow" -eq 0 ] || fail "$slow requests took more than 10 s"
awk -v a="$last_fail" -v b="$late_ok" 'BEGIN {exit !(b > a)}' || fail "no request succeeded after the last failure (no recovery)"
grep '^REQ' "$TMP/load.txt" | grep -v ' 200 -$' | grep -v 'PostgreSQL' >"$TMP/unclear.txt"
[ -s "$TMP/unclear.txt" ] && fail "a failure did not name PostgreSQL: $(head -n 2 "$TMP/unclear.txt")"

# every acknowledged event is in the database
sed -n 's/^ACK //p' "$TMP/load.txt" | sort -u >"$TMP/acked.txt"
psql -X -A -t -q "$DB" -c "SELECT token FROM events WHERE token LIKE 'load-%'" | sort -u >"$TMP/stored.txt"
lost=$(comm -23 "$TMP/acked.txt" "$TMP/stored.txt" | wc -l)
echo "events: $(wc -l <"$TMP/acked.txt") acknowledged, $(wc -l <"$TMP/stored.txt") stored, $lost acknowledged but not stored"
[ "$(wc -l <"$TMP/acked.txt")" -gt 0 ] || fail "no event acknowledged"
[ "$lost" -eq 0 ] || fail "$lost acknowledged events are not in the database: $(comm -23 "$TMP/acked.txt" "$TMP/stored.txt" | head -n 3 | tr '\n' ' ')"

# the Postfix side: TEMP while away, right answers before and after, never a dropped connection
grep -q '^TEMP' "$TMP/lookups.txt" || fail "the socketmap never answered TEMP while the database was away"
grep -q 'CLIENT-FAILED' "$TMP/lookups.txt" && fail "a socketmap connection failed: $(grep -v '^OK\|^NOTFOUND\|^TEMP' "$TMP/lookups.txt" | head -n 3)"
tail -n 2 "$TMP/lookups.txt" | head -n 1 | grep -q '^OK REJECT' || fail "socketmap after the restart: $(tail -n 2 "$TMP/lookups.txt" | tr '\n' ' ')"
tail -n 1 "$TMP/lookups.txt" | grep -q '^NOTFOUND' || fail "socketmap after the restart: $(tail -n 1 "$TMP/lookups.txt")"

# and the server works on as before: a new event, its suppression, the counters
req POST /v1/events "${AUTH[@]}" --data '{"recipient":"after@example.com","reason":"userunknown","hardbounce":true,"permanence":"permanent","token":"after-1"}'
expect_code 200 "an event after the restart"
req GET /v1/suppressions/after@example.com
body_is .suppressed true "the event's suppression after the restart"
req GET /metrics
grep -q '^bouncekit_store_errors_total [1-9]' <<<"$BODY" || fail "metrics: the store errors were not counted"
stop_serve
finish
