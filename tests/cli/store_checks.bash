# store_checks.bash - the checks of the suppression list that hold for every
# backend, sourced by suppress.sh (SQLite files) and suppress_pg.sh
# (PostgreSQL databases) after common.bash. The sourcing script defines
#   newdb NAME   a fresh, empty database: prints its --db spec
# and sets DB (the main store) and SCHEMA (the backend's schema version). Checked: every subcommand and its exit
# status, idempotent ingest, malformed lines, CSV and JSON Lines round trips;
# kill -9 during an ingest keeps every committed batch (also one of several
# buffers) and a re-run completes without counting twice; events one per
# transaction and in batches in address order give the same changes and list;
# two ingests at once on one database, of different events and of the same
# events, count each event once.

# events FROM TO REASON HARD - JSON Lines of decode for user$i@example.com
events() {
    awk -v from="$1" -v to="$2" -v reason="$3" -v hard="$4" 'BEGIN {
        for (i = from; i < to; i++)
            printf "{\"recipient\":\"user%d@example.com\",\"reason\":\"%s\",\"hardbounce\":%s,\"permanence\":\"permanent\",\"status\":\"5.1.1\",\"timestamp\":\"2026-11-01T10:00:00Z\",\"decodedby\":\"rfc3464\",\"token\":\"tok-%s-%d\"}\n", i, reason, hard, reason, i
    }'
}
# total KEY DB - a total of suppress stats --json
total() { "$BK" suppress stats --json --db "$2" | jq -r ".totals.$1"; }

# killed_at DB BATCH LINES WANT PAUSE WHAT - ingest the first LINES events of
# big.jsonl through a pipe that then stays open, kill -9 the ingest PAUSE seconds
# after WANT events are committed: WANT events stay
killed_at() {
    head -n "$3" "$TMP/big.jsonl" >"$TMP/part.jsonl"
    rm -f "$TMP/fifo"
    mkfifo "$TMP/fifo"
    "$BK" ingest --quiet --batch "$2" --db "$1" <"$TMP/fifo" >/dev/null 2>&1 &
    local pid=$!
    ( cat "$TMP/part.jsonl"; exec sleep 60 ) >"$TMP/fifo" &
    local feeder=$!
    for _ in $(seq 300); do
        [ "$(total events "$1" 2>/dev/null)" = "$4" ] && break
        sleep 0.1
    done
    sleep "$5"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
    [ "$(total events "$1")" = "$4" ] || fail "$6: $(total events "$1") events, want the $4 committed"
}

DIRECT=$(newdb direct)
KILLDB=$(newdb kill)
TWODB=$(newdb two)
SAMEDB=$(newdb same)

# --- ingest: changes, idempotence, malformed and skipped lines
cat >"$TMP/in.jsonl" <<'J'
{"recipient":"<Jane@Example.COM>","reason":"userunknown","hardbounce":true,"permanence":"permanent","timestamp":"2026-11-01T10:00:00Z","decodedby":"rfc3464","token":"t1"}
{"recipient":"full@example.org","reason":"mailboxfull","hardbounce":false,"permanence":"transient","timestamp":"2026-11-01T10:00:00Z","token":"t2"}
this is not json
{"reason":"blocked","hardbounce":false,"permanence":"permanent"}
{"recipient":"x@example.net","reason":"blocked","hardbounce":false,"permanence":"permanent","addresser":"news@Sender.example","token":"t3"}
{"recipient":"c@example.net","reason":"feedback","feedbacktype":"abuse","token":"t4"}
{"recipient":"n@nx.example","reason":"hostunknown","hardbounce":true,"permanence":"permanent","token":"t5"}
{"recipient":"x@example.net","reason":"nonsense"}
J
run ingest --db "$DB" "$TMP/in.jsonl"
expect_rc 2 "ingest with malformed lines"
expect_out "suppressed  Jane@example.com  userunknown" "ingest: hard bounce"
expect_out "counted     full@example.org  mailboxfull (1 of 3" "ingest: soft bounce"
expect_out "sender      sender.example  blocked" "ingest: sender problem"
expect_out "suppressed  c@example.net  feedback (complaint)" "ingest: complaint"
expect_out "domain      nx.example  hostunknown" "ingest: domain"
expect_err "in.jsonl:3: malformed: not JSON" "ingest: malformed line number"
expect_err "in.jsonl:4: skipped: no recipient" "ingest: skipped line number"
expect_err "in.jsonl:8: malformed: not one of the 36 reasons" "ingest: bad reason"
run ingest --db "$DB" --json "$TMP/in.jsonl"
expect_rc 2 "ingest again"
jq_is -s '.[-1].summary.duplicates' 5 "ingest again: all duplicates"
jq_is -s '.[-1].summary.new' 0 "ingest again: nothing new"
jq_is -s '.[-1].summary.malformed' 2 "ingest again: malformed counted"
jq_is -s '.[-1].summary.skipped' 1 "ingest again: skipped counted"
[ "$(total events "$DB")" = 5 ] || fail "ingest: 5 events kept"

# --- bounce messages and logs read directly; the same again changes nothing
run ingest --json --db "$DIRECT" --decode "$SRC"/tests/data/bounces/*.eml
expect_rc 0 "ingest --decode"
jq_is -s '.[-1].summary.suppressed > 10' true "ingest --decode: suppressions"
jq_is -s '.[-1].summary | [.skipped, .invalid] | @csv' '1,0' \
    "ingest --decode: a complaint naming no recipient (arf-02) is skipped, not invalid"
run ingest --json --db "$DIRECT" --decode "$SRC"/tests/data/bounces/*.eml
jq_is -s '.[-1].summary.new' 0 "ingest --decode again: nothing new"
run ingest --json --db "$DIRECT" --logs "$SRC"/tests/data/logs/postfix-real.log
expect_rc 0 "ingest --logs"
jq_is -s '.[-1].summary.read > 0' true "ingest --logs: events"
"$BK" logs --events "$SRC"/tests/data/logs/postfix-real.log 2>/dev/null >"$TMP/events.jsonl"
run ingest --json --db "$DIRECT" "$TMP/events.jsonl"
jq_is -s '.[-1].summary.new' 0 "logs --events | ingest after --logs: the same events"

# --- check: 0 may send, 1 suppressed, 2 not an address; many from stdin
run suppress check --db "$DB" Jane@example.com
expect_rc 1 "check suppressed"
expect_out "suppressed  Jane@example.com  userunknown (policy), until never" "check line"
run suppress check --db "$DB" ok@example.com
expect_rc 0 "check may send"
run suppress check --db "$DB" "not an address"
expect_rc 2 "check invalid"
run suppress check --db "$DB" someone@NX.example
expect_rc 1 "check domain"
"$BK" suppress check --db "$DB" --json <<<$'ok@example.com\nJane@example.com\n<c@example.net>' >"$TMP/out" 2>"$TMP/err"
RC=$?; OUT=$(cat "$TMP/out")
expect_rc 1 "check many"
jq_is -s 'map(.suppressed) | join(",")' "false,true,true" "check many: one verdict per line"

# --- add, remove, allow
run suppress add --db "$DB" --reason unsubscribed --note "phone call" bob@example.org @typo.example
expect_rc 0 "add"
run suppress check --db "$DB" anyone@typo.example
expect_rc 1 "add domain"
run suppress allow add --db "$DB" bob@example.org
expect_rc 0 "allow add"
run suppress check --db "$DB" bob@example.org
expect_rc 0 "allow-list beats suppression"
expect_out "allowed" "allowed line"
run suppress allow list --db "$DB" --json
jq_is '.email' "bob@example.org" "allow list"
run suppress allow remove --db "$DB" bob@example.org
run suppress check --db "$DB" bob@example.org
expect_rc 1 "allow remove"
run suppress remove --db "$DB" bob@example.org
expect_out "removed  bob@example.org" "remove"
run suppress check --db "$DB" bob@example.org
expect_rc 0 "removed may send"
run suppress add --db "$DB" "no address"
expect_rc 2 "add invalid"

# --- list, history, stats
run suppress list --db "$DB" --json
expect_rc 0 "list"
jq_is -s 'map(.email) | sort | join(" ")' "@nx.example @typo.example Jane@example.com c@example.net n@nx.example" "list --json"
run suppress list --db "$DB" --json --limit 2 --offset 1
jq_is -s 'length' 2 "list paging"
run suppress list --db "$DB" --domain EXAMPLE.net --json
jq_is -s 'map(.email) | join(" ")' "c@example.net" "list --domain"
run suppress history --db "$DB" --json Jane@example.com
jq_is '.events | length' 1 "history"
jq_is '.events[0].action' suppress "history action"
run suppress stats --db "$DB" --json
jq_is '.sender[0].name' "sender.example" "stats: sender problems"
jq_is '.totals.schema' "$SCHEMA" "stats: schema"

# --- export / import round trips
for fmt in csv jsonl; do
    run suppress export --db "$DB" --format $fmt
    expect_rc 0 "export $fmt"
    printf '%s\n' "$OUT" >"$TMP/export.$fmt"
    rdb=$(newdb round_$fmt)
    run suppress import --db "$rdb" --format $fmt "$TMP/export.$fmt"
    expect_rc 0 "import $fmt"
    run suppress export --db "$rdb" --format $fmt
    [ "$OUT" = "$(cat "$TMP/export.$fmt")" ] || fail "$fmt round trip differs"
done
head -1 "$TMP/export.csv" | grep -qx "email,reason,created,expires,source" || fail "csv header"
printf 'email,reason\nok@example.com,bounce\n"bad,"x\n' >"$TMP/bad.csv"
run suppress import --db "$(newdb imp)" "$TMP/bad.csv"
expect_rc 2 "import malformed"
expect_err "bad.csv:3" "import malformed line number"

# --- kill -9: committed batches stay, a re-run completes without double counting
N=60000
events 0 $N userunknown true >"$TMP/big.jsonl"
killed_at "$KILLDB" 10000 25000 20000 0 "kill -9 between batches"
# now a kill at a random point, likely inside a transaction
"$BK" ingest --quiet --batch 5000 --db "$KILLDB" "$TMP/big.jsonl" >/dev/null 2>&1 &
pid=$!
sleep 0.4
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
got=$(total events "$KILLDB")
[ -n "$got" ] && [ $(( (got - 20000) % 5000 )) -eq 0 ] || fail "kill -9 inside a batch: $got events is not whole batches"
run ingest --json --quiet --db "$KILLDB" "$TMP/big.jsonl"
expect_rc 0 "re-run after kill"
jq_is '.summary.duplicates' "$got" "re-run: committed events are duplicates"
jq_is '.summary.new' "$((N - got))" "re-run: the rest is new"
[ "$(total events "$KILLDB")" = $N ] || fail "after the re-run: events"
[ "$(total suppressed "$KILLDB")" = $N ] || fail "after the re-run: suppressed"
run suppress history --db "$KILLDB" --json user7@example.com
jq_is '.count' 1 "no double counting"

# --- a transaction of several buffers (--batch 25000, 10,000 events a buffer): killed
# while the second one holds 10,000 events written but not committed, only the first stays
SPANDB=$(newdb span)
killed_at "$SPANDB" 25000 35000 25000 1 "kill -9 in a transaction of several buffers"
run ingest --json --quiet --db "$SPANDB" "$TMP/big.jsonl"
jq_is '.summary.new' "$((N - 25000))" "several buffers: the re-run writes the rest"

# --- the same interacting events (addresses again and again, in no order) give the same
# changes and the same list one per transaction and in batches in address order
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) {
    u = int(rand() * 300); d = int(rand() * 5); k = int(rand() * 4)
    if (i >= 2900) { u = U[i - 2900]; d = D[i - 2900] } # an earlier event's address and token
    U[i] = u; D[i] = d
    r = k == 0 ? "userunknown" : k == 1 ? "mailboxfull" : k == 2 ? "hostunknown" : "delivered"
    printf "{\"recipient\":\"u%d@d%d.example\",\"reason\":\"%s\",\"hardbounce\":%s,\"permanence\":\"%s\",\"timestamp\":\"2026-11-%02dT10:00:00Z\",\"token\":\"m%d\"}\n", u, d, r, k == 0 || (k == 2 && d == 0) ? "true" : "false", k == 3 ? "success" : k == 1 ? "transient" : "permanent", 1 + int(rand() * 28), i % 2900
} }' >"$TMP/mixed.jsonl"
for b in 1 100000; do
    mdb=$(newdb mixed_$b)
    run ingest --json --batch $b --db "$mdb" "$TMP/mixed.jsonl"
    expect_rc 0 "mixed events, --batch $b"
    printf '%s\n' "$OUT" >"$TMP/mixed_$b.out"
    run suppress export --format jsonl --db "$mdb"
    printf '%s\n' "$OUT" >"$TMP/mixed_$b.list"
done
grep -q '"change":"domain"' "$TMP/mixed_1.out" && grep -q '"duplicates":[1-9]' "$TMP/mixed_1.out" ||
    fail "mixed events: no domain suppressed or no duplicate"
cmp -s "$TMP/mixed_1.out" "$TMP/mixed_100000.out" || fail "mixed events: the changes differ by --batch"
cmp -s "$TMP/mixed_1.list" "$TMP/mixed_100000.list" || fail "mixed events: the lists differ by --batch"
# at_once DB BATCH FILE1 FILE2 WANT WHAT - two ingests at the same time into
# DB both succeed and leave WANT events
at_once() {
    "$BK" ingest --quiet --batch "$2" --db "$1" "$3" 2>"$TMP/a.err" & pa=$!
    "$BK" ingest --quiet --batch "$2" --db "$1" "$4" 2>"$TMP/b.err" & pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    [ $ra -eq 0 ] && [ $rb -eq 0 ] || fail "$6: exit $ra and $rb ($(cat "$TMP/a.err" "$TMP/b.err"))"
    [ "$(total events "$1")" = "$5" ] || fail "$6: $(total events "$1") events, want $5"
}

# --- two ingests at once on one database both succeed
events 0 30000 userunknown true >"$TMP/a.jsonl"
events 30000 60000 mailboxfull false >"$TMP/b.jsonl"
at_once "$TWODB" 2000 "$TMP/a.jsonl" "$TMP/b.jsonl" 60000 "two ingests at once"

# --- the same events by two ingests at once: each counted once
at_once "$SAMEDB" 1000 "$TMP/a.jsonl" "$TMP/a.jsonl" 30000 "the same ingest twice at once"
run suppress history --db "$SAMEDB" --json user29999@example.com
jq_is '.count' 1 "the same ingest twice at once: counted once"
