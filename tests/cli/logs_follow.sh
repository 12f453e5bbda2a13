# logs_follow.sh - bouncekit logs --follow --events on a live log that is
# rotated (mv log log.1, a new log): every outcome written before and after
# the rotation is printed, including lines written to the old file just
# before it was moved and its last line without a line end; SIGINT ends the
# run promptly with status 0, and the recipients still pending then are
# printed as deferred; a pipe on standard input ends the run when it ends.
# Polls for output with a time limit, no fixed waits.
source "$(dirname "$0")/common.bash"
export BOUNCEKIT_CACHE_DIR="${BOUNCEKIT_CACHE_DIR:-$TMP/cache}"
LOG="$TMP/mail.log"
OUTF="$TMP/follow.out"
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# msg N RCPT STATUS - the Postfix lines of one message to RCPT (status sent,
# bounced or deferred), queue id Q$N, at minute N
msg() {
    local t q="A1B2C3D$1" dsn="2.0.0" reply="250 2.0.0 Ok: queued"
    t=$(printf 'Dec  6 10:%02d:00' "$1")
    case $3 in
    bounced) dsn="5.1.1" reply="host mx.example.net[192.0.2.1] said: 550 5.1.1 <$2>: Recipient address rejected: User unknown (in reply to RCPT TO command)" ;;
    deferred) dsn="4.4.1" reply="connect to mx.example.net[192.0.2.1]:25: Connection timed out" ;;
    esac
    printf '%s mta postfix/cleanup[11]: %s: message-id=<%s@example.org>\n' "$t" "$q" "$q"
    printf '%s mta postfix/qmgr[12]: %s: from=<news@example.org>, size=1000, nrcpt=1 (queue active)\n' "$t" "$q"
    printf '%s mta postfix/smtp[13]: %s: to=<%s>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%s, status=%s (%s)\n' \
        "$t" "$q" "$2" "$dsn" "$3" "$reply"
    [ "$3" = deferred ] || printf '%s mta postfix/qmgr[12]: %s: removed\n' "$t" "$q"
}

# wait_for TEXT [SECONDS] - poll the output until it holds TEXT (at most 5 s); 1 on time-out
wait_for() {
    local i
    for ((i = 0; i < ${2:-5} * 20; i++)); do
        grep -qF -- "$1" "$OUTF" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

msg 1 before1@example.net sent >"$LOG"
msg 2 gone1@example.net bounced >>"$LOG"
"$BK" logs --follow --events --year 2026 --no-progress "$LOG" >"$OUTF" 2>"$TMP/follow.err" &
PID=$!
# the first run without a rule cache compiles the rules: give it time
wait_for '"before1@example.net"' 60 || fail "the lines there at the start were not printed"
wait_for '"gone1@example.net"' || fail "a bounce there at the start was not printed"

msg 3 grown@example.net sent >>"$LOG"
wait_for '"grown@example.net"' || fail "a line appended later was not printed"

# lines written to the old file just before the move, the last without its
# line end; then the new file, at once and later
msg 4 late@example.net sent >>"$LOG"
msg 5 lastline@example.net bounced | sed '$d' | head -c -1 >>"$LOG" # without "removed"
mv "$LOG" "$LOG.1"
msg 6 after1@example.net sent >"$LOG"
msg 7 pending@example.net deferred >>"$LOG"
wait_for '"after1@example.net"' || fail "the new file after rotation was not followed"
msg 8 after2@example.net bounced >>"$LOG"
wait_for '"after2@example.net"' || fail "a line appended to the new file was not printed"

kill -INT "$PID"
for ((i = 0; i < 100; i++)); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
done
if kill -0 "$PID" 2>/dev/null; then
    fail "still running 5 s after SIGINT"
    kill -9 "$PID"
fi
wait "$PID"
RC=$?
PID=
ERR=$(cat "$TMP/follow.err")
expect_rc 0 "--follow ended by SIGINT"
OUT=$(cat "$OUTF")
jq_is -s '[.[] | [.recipient, .outcome] | join(" ")] | sort | join(",")' \
    "after1@example.net delivered,after2@example.net bounced,before1@example.net delivered,gone1@example.net bounced,grown@example.net delivered,lastline@example.net bounced,late@example.net delivered,pending@example.net deferred" \
    "each outcome once, before and after the rotation"
jq_is -s '[.[] | select(.recipient == "gone1@example.net")][0] | [.reason, .hardbounce] | @tsv' \
    "userunknown	true" "a bounce has its verdict"

# a pipe on standard input (journalctl -f | bouncekit logs --follow -): its end
# ends the run, with the report
{ msg 1 piped@example.net sent; sleep 0.3; msg 2 piped2@example.net bounced; } |
    timeout 20 "$BK" logs --follow --json --year 2026 - > "$TMP/pipe.out" 2>/dev/null
RC=$?
expect_rc 0 "--follow on a pipe ends when the pipe does"
OUT=$(cat "$TMP/pipe.out")
jq_is '[.totals.delivered, .totals.bounced] | @tsv' "1	1" "--follow on a pipe: every line read"

finish
