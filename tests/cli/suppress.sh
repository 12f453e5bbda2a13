# suppress.sh - bouncekit ingest and bouncekit suppress on SQLite files: the
# checks every backend shares (store_checks.bash: subcommands, idempotence,
# round trips, kill -9, ingests at once), then what is SQLite's own: the
# default place, and a foreign or damaged file refused with a clear error.
. "$(dirname "$0")/common.bash"
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
DB="$TMP/list.db"
SCHEMA=4
# newdb NAME - a fresh SQLite file
newdb() { echo "$TMP/$1.db"; }
unset BOUNCEKIT_CONFIG
export XDG_DATA_HOME="$TMP/xdg" XDG_CONFIG_HOME="$TMP/cfg"

. "$(dirname "$0")/store_checks.bash"

# --- the default place, and bad usage
run suppress stats
expect_rc 0 "default database"
[ -f "$TMP/xdg/bouncekit/bouncekit.db" ] || fail "default database under XDG_DATA_HOME"
run suppress frobnicate
expect_rc 2 "unknown subcommand"
run ingest --batch 0
expect_rc 2 "bad --batch"

# --- a foreign or damaged file is refused with a clear error
printf 'hello, I am a text file\n%.0s' $(seq 100) >"$TMP/text.db"
run suppress check --db "$TMP/text.db" a@example.com
expect_rc 3 "check on a text file"
expect_err "not an SQLite database" "text file error"
run ingest --db "$TMP/text.db" "$TMP/in.jsonl"
expect_rc 1 "ingest into a text file"
cp "$DB" "$TMP/broken.db"
dd if=/dev/urandom of="$TMP/broken.db" bs=1 seek=100 count=3000 conv=notrunc 2>/dev/null
run suppress list --db "$TMP/broken.db"
[ "$RC" -ne 0 ] && [ "$RC" -lt 128 ] || fail "damaged file: exit $RC"
[ -n "$ERR" ] || fail "damaged file: no error"
run suppress stats --db postgresql://nobody@127.0.0.1:1/bk
expect_rc 1 "postgresql unreachable"
expect_err "PostgreSQL is unreachable" "postgresql unreachable: clear error"

finish
