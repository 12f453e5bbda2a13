# suppress_pg.sh - bouncekit ingest and bouncekit suppress on PostgreSQL: the
# checks every backend shares (store_checks.bash), each store a fresh
# database of the server in BOUNCEKIT_TEST_PG (tests/pg/start.sh; skipped
# without it); a version-2 database migrated; then the database going away,
# on a private server stopped in the middle of an ingest: the ingest fails
# fast with a clear error, checks
# fail fast meanwhile, only whole batches were committed, and once the
# server is back a re-run adds exactly the rest.
. "$(dirname "$0")/common.bash"
. "$SRC/tests/pg/pg.bash"
[ -n "${BOUNCEKIT_TEST_PG:-}" ] || { echo "SKIP: BOUNCEKIT_TEST_PG is not set (tests/pg/start.sh)"; exit 77; }
command -v jq >/dev/null && command -v psql >/dev/null || { echo "SKIP: no jq or psql"; exit 77; }
unset BOUNCEKIT_CONFIG
export XDG_DATA_HOME="$TMP/xdg" XDG_CONFIG_HOME="$TMP/cfg"
# newdb NAME - a fresh database on the test server
newdb() { pg_newdb "bk_cli_$$_$1"; }
DB=$(newdb list)
SCHEMA=3

. "$(dirname "$0")/store_checks.bash"

# --- a version-2 database (tokens unique over all addresses) migrates to version 3
# (unique per address): its events stay duplicates of themselves, of no other address's
MDB=$(newdb migrate)
mig() { printf '{"recipient":"%s","reason":"userunknown","hardbounce":true,"permanence":"permanent","timestamp":"2026-11-01T10:00:00Z","token":"p1"}\n' "$1"; }
mig ann@example.com >"$TMP/mig1.jsonl"
mig bob@example.com >"$TMP/mig2.jsonl"
run ingest --quiet --db "$MDB" "$TMP/mig1.jsonl"
psql -q -X -v ON_ERROR_STOP=1 "$MDB" -c "DROP INDEX events_address_token" \
    -c "ALTER TABLE events ADD CONSTRAINT events_token_key UNIQUE(token)" \
    -c "UPDATE schema_version SET version = 2" >/dev/null || fail "making a version-2 database"
run ingest --json --quiet --db "$MDB" "$TMP/mig1.jsonl"
jq_is '.summary.duplicates' 1 "migrated: an old event is a duplicate"
run ingest --json --quiet --db "$MDB" "$TMP/mig2.jsonl"
jq_is '.summary.new' 1 "migrated: its token on another address is a new event"
[ "$(total schema "$MDB")" = 3 ] || fail "migrated: schema version"
[ "$(psql -X -A -t "$MDB" -c "SELECT count(*) FROM pg_constraint WHERE conname = 'events_token_key'")" = 0 ] ||
    fail "migrated: the unique index of tokens is still there"

# --- the database goes away in the middle of an ingest (a private server)
eval "$(bash "$SRC/tests/pg/start.sh")" || { fail "starting a private server"; finish; }
trap 'bash "$SRC/tests/pg/stop.sh"; rm -rf "$TMP"' EXIT
AWAY=$BOUNCEKIT_TEST_PG
N=60000
events 0 $N userunknown true >"$TMP/away.jsonl"
"$BK" ingest --quiet --batch 2000 --db "$AWAY" "$TMP/away.jsonl" >/dev/null 2>"$TMP/away.err" &
pid=$!
for _ in $(seq 100); do
    [ "$(total events "$AWAY" 2>/dev/null)" -ge 4000 ] 2>/dev/null && break
    sleep 0.1
done
bash "$SRC/tests/pg/ctl.sh" stop
start=$(date +%s)
wait $pid; rc=$?
[ $rc -eq 1 ] || fail "ingest when the database stops: exit $rc, want 1"
grep -q "PostgreSQL" "$TMP/away.err" || fail "ingest when the database stops: no clear error ($(cat "$TMP/away.err"))"
grep -q "was not written\|not committed" "$TMP/away.err" || fail "ingest when the database stops: does not say the batch was not written ($(cat "$TMP/away.err"))"
run suppress check --db "$AWAY" user1@example.com
expect_rc 3 "check while the database is away"
expect_err "PostgreSQL is unreachable" "check while away: clear error"
[ $(( $(date +%s) - start )) -le 10 ] || fail "failing took more than 10 s"
bash "$SRC/tests/pg/ctl.sh" start
got=$(total events "$AWAY")
[ -n "$got" ] && [ "$got" -ge 4000 ] && [ $((got % 2000)) -eq 0 ] || fail "after the stop: $got events is not whole batches"
run ingest --json --quiet --db "$AWAY" "$TMP/away.jsonl"
expect_rc 0 "re-run after the database came back"
jq_is '.summary.duplicates' "$got" "re-run: every committed event is kept (a duplicate now)"
jq_is '.summary.new' "$((N - got))" "re-run: the rest is new"
[ "$(total suppressed "$AWAY")" = $N ] || fail "after the re-run: suppressed"
finish
