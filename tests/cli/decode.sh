# decode.sh - bouncekit decode on the repository's own bounce fixtures
# (tests/data/bounces/*.eml, each with a .expect file: one line per recipient,
# "recipient reason hardbounce status replycode decodedby", tab-separated), and
# the same messages with CRLF and CR line ends, in an mbox (plain and gzip),
# in a Maildir, on standard input; the output forms, rejects, exit status.
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/bounces"
TSV='[.recipient, .reason, (.hardbounce|tostring), (.status // "-"), ((.replycode // "-")|tostring), .decodedby] | @tsv'

# every fixture gives exactly its expected lines
n=0
for eml in "$DATA"/*.eml; do
    want="${eml%.eml}.expect"
    [ -f "$want" ] || { fail "$(basename "$eml"): no .expect file"; continue; }
    run decode --vacation --delivered --format jsonl "$eml"
    expect_rc 0 "$(basename "$eml")"
    expect_lines "$TSV" "$want" "$(basename "$eml")"
    n=$((n + 1))
done
[ "$n" -ge 4 ] || fail "only $n fixtures"

# the command comes from Postfix's "(in reply to RCPT TO command)", even wrapped
if [ -f "$DATA/postfix-real-01.eml" ]; then
    run decode --format jsonl "$DATA/postfix-real-01.eml"
    jq_is -s '[.[].command] | unique | join(",")' RCPT "command from a wrapped '(in reply to' phrase"
fi

# the same message with CRLF or bare CR line ends gives the same records
eml="$DATA/rfc3464-01.eml"
run decode --format jsonl "$eml"
lf=$(jq -c 'del(.origin)' <<<"$OUT")
sed 's/$/\r/' "$eml" > "$TMP/crlf.eml"
run decode --format jsonl "$TMP/crlf.eml"
[ "$(jq -c 'del(.origin)' <<<"$OUT")" = "$lf" ] || fail "CRLF line ends change the result"
tr '\n' '\r' < "$eml" > "$TMP/cr.eml"
run decode --format jsonl "$TMP/cr.eml"
[ "$(jq -c 'del(.origin)' <<<"$OUT")" = "$lf" ] || fail "CR line ends change the result"

# the expected keys are there, and the token is stable
run decode --format jsonl "$eml"
jq_is -s 'length' 2 "rfc3464 recipients"
jq_is -s '.[0] | [has("origin","timestamp","addresser","recipient","origrecipient","action","status","replycode","command","diagnosticcode","diagnostictype","reason","hardbounce","permanence","category","suggestion","rhost","lhost","decodedby","messageid","subject","feedbacktype","token")] | all' true "DESIGN.md keys"
jq_is -s '.[0].addresser' newsletter@example.com "addresser from the returned header"
jq_is -s '.[0].messageid' 20260302081400.ab12@example.com "messageid"
jq_is -s '.[0].subject' "March news – spring" "subject, RFC 2047 decoded"
jq_is -s '.[0].listid' "Example News <news.example.com>" "listid"
jq_is -s '.[0].rhost' mx1.example.net "rhost from Remote-MTA"
jq_is -s '.[0].lhost' relay.example.org "lhost from Reporting-MTA"
jq_is -s '.[0].timestamp' 2026-03-02T09:15:00+01:00 "timestamp from Last-Attempt-Date"
jq_is -s '.[1].action' delayed "action"
jq_is -s '.[0].token | test("^[0-9a-f]{40}$")' true "token is SHA-1 hex"
tok=$(jq -r -s '.[0].token' <<<"$OUT")
run decode --format jsonl "$eml"
jq_is -s '.[0].token' "$tok" "token stable between runs"
run decode --format jsonl "$DATA/arf-02.eml"
jq_is '[.recipient, .feedbacktype] | @json' '[null,"abuse"]' "a complaint naming no recipient: recipient null"
run decode --format jsonl "$DATA/opensmtpd-02.eml"
jq_is -s '[.[].action] | unique | join(",")' delayed "OpenSMTPD warning: action delayed"
jq_is -s '.[1] | "\(.status) \(.permanence) \(.hardbounce)"' "4.0.0 transient false" "a delay with no code is transient, never hard"
# the address the sender used, when the report names another
run decode --format jsonl "$DATA/postfix-alias-01.eml"
jq_is -s '.[0] | [.recipient, .origrecipient] | @tsv' "nadia@mail.example.net	accounts@example.net" "origrecipient: the alias that led to the recipient"
run decode --format jsonl "$DATA/messagingserver-02.eml"
jq_is -s '.[0] | [.recipient, .origrecipient] | @tsv' "oscar@example.net	" "an internal Final-Recipient: the Original-Recipient is the recipient"
run decode --format jsonl "$DATA/postfix-real-01.eml"
jq_is -s '[.[].origrecipient] | unique | @json' '[null]' "origrecipient null when the report names the same address"
# delay warnings in no known format, or in a format that also writes failures
for f in fallback-03 einsundeins-02; do
    run decode --format jsonl "$DATA/$f.eml"
    jq_is -s '[.[].action] | unique | join(",")' delayed "$f: a delay warning's action is delayed"
done
run decode --format jsonl "$DATA/einsundeins-01.eml"
jq_is -s '[.[].action] | unique | join(",")' failed "einsundeins-01: a permanent error's action is failed"

# mbox (with >From quoting), gzip, Maildir, directory tree, stdin: same records
{
    for f in "$DATA"/*.eml; do
        echo "From MAILER-DAEMON Mon Mar  2 09:15:02 2026"
        sed 's/^\(>*From \)/>\1/' "$f"
        echo
    done
} > "$TMP/all.mbox"
run decode --vacation --format jsonl "$DATA"
dir_out=$(jq -r "$TSV" <<<"$OUT" | sort)
run decode --vacation --format jsonl "$TMP/all.mbox"
expect_rc 0 "mbox"
[ "$(jq -r "$TSV" <<<"$OUT" | sort)" = "$dir_out" ] || fail "mbox gives other records than the files"
jq_is -s '[.[].origin | test("all.mbox:[0-9]+$")] | all' true "mbox origins name the message"
gzip -c "$TMP/all.mbox" > "$TMP/all.mbox.gz"
run decode --vacation --format jsonl "$TMP/all.mbox.gz"
[ "$(jq -r "$TSV" <<<"$OUT" | sort)" = "$dir_out" ] || fail "gzip mbox gives other records"
mkdir -p "$TMP/Maildir/cur" "$TMP/Maildir/new" "$TMP/Maildir/tmp"
i=0
for f in "$DATA"/*.eml; do
    i=$((i + 1))
    if [ $((i % 2)) -eq 0 ]; then cp "$f" "$TMP/Maildir/cur/17000000$i.M1P1.host:2,S"
    else cp "$f" "$TMP/Maildir/new/17000000$i.M1P1.host"; fi
done
echo "not a message" > "$TMP/Maildir/tmp/partial"
run decode --vacation --format jsonl "$TMP/Maildir"
expect_rc 0 "Maildir"
[ "$(jq -r "$TSV" <<<"$OUT" | sort)" = "$dir_out" ] || fail "Maildir gives other records (tmp/ must be skipped)"
"$BK" decode --format jsonl - < "$eml" > "$TMP/stdin.out" 2>/dev/null
[ "$(jq -c 'del(.origin)' "$TMP/stdin.out")" = "$lf" ] || fail "stdin gives other records"

# output forms
run decode --format json "$eml"
jq_is 'length' 2 "--format json is one array"
run decode --format csv "$eml"
[ "$(head -1 <<<"$OUT" | cut -d, -f1-4)" = "origin,timestamp,addresser,recipient" ] || fail "csv header"
[ "$(wc -l <<<"$OUT")" -eq 3 ] || fail "csv: header and two rows"
run decode --format table "$eml"
expect_out "ana.silva@example.net" "table"
run decode --format yaml "$eml"
expect_rc 2 "bad --format"

# rejects: not a bounce, an unreadable input; summary; exit status
printf 'From: friend@example.org\nTo: me@example.com\nSubject: lunch\n\nSee you at noon.\n' > "$TMP/plain.eml"
run decode --format jsonl "$TMP/plain.eml" "$TMP/missing.eml" "$eml"
expect_rc 1 "an unreadable input"
expect_err "plain.eml: not-bounce" "not a bounce is listed"
expect_err "missing.eml" "missing file is listed"
expect_err "2 messages read" "summary"
expect_err "1 bounces decoded, 2 recipients, 1 not bounces, 1 errors" "summary counts"
run decode --format jsonl --rejects "$TMP/rejects.tsv" "$TMP/plain.eml" "$eml"
expect_rc 0 "not a bounce is not an error"
grep -q "plain.eml	not-bounce	" "$TMP/rejects.tsv" || fail "--rejects lists the input with why"
run decode --format jsonl "$DATA/rfc3834-01.eml"
expect_rc 0 "auto-reply"
[ -z "$OUT" ] || fail "auto-replies are reported only with --vacation"
expect_err "--vacation" "why an auto-reply was skipped"
run decode
expect_rc 2 "no input"
run decode --help
expect_rc 0 "--help"
expect_out "--rejects" "--help lists options"
finish
