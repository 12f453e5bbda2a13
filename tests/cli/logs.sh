# logs.sh - bouncekit logs on the repository's MTA log fixtures
# (tests/data/logs/*.log and PowerMTA's *.csv, each with a .expect file: one line per outcome in
# the order --events prints them, "recipient outcome reason hardbounce
# status attempts", tab-separated; X.log.1, X.log.2 ... next to X.log are
# its rotated older parts and are given with it); gzip, merging, standard
# input, the --json report, the exit status, odd lines, usage.
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/logs"
TSV='[.recipient, .outcome, .reason, (.hardbounce|tostring), (.status // "-"), (.attempts|tostring)] | @tsv'
export BOUNCEKIT_CACHE_DIR="$TMP/cache"
export TZ=UTC # stamps without a zone are local time: the expected times are UTC

# rotated_set LOG - LOG's rotated parts, oldest first, then LOG
rotated_set() {
    local n=9
    while [ "$n" -ge 1 ]; do
        [ -f "$1.$n" ] && printf '%s\n' "$1.$n"
        n=$((n - 1))
    done
    printf '%s\n' "$1"
}

# every fixture (with its rotated parts) gives exactly its expected lines
n=0
for log in "$DATA"/*.log "$DATA"/*.csv; do
    want="${log%.*}.expect"
    [ -f "$want" ] || { fail "$(basename "$log"): no .expect file"; continue; }
    mapfile -t files < <(rotated_set "$log")
    run logs --events --year 2026 "${files[@]}"
    expect_rc 0 "$(basename "$log")"
    expect_lines "$TSV" "$want" "$(basename "$log")"
    n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n log fixtures"

# every event has the keys the design names, from one of the three readers
for log in "$DATA"/postfix-real.log "$DATA"/exim-sample.log "$DATA"/sendmail-sample.log; do
    run logs --events --year 2026 "$log"
    jq_is -s '[.[] | has("timestamp","addresser","recipient","outcome","action","status","reason","hardbounce","decodedby","token","queueid","relay","attempts","first","last")] | all' true "$(basename "$log"): keys"
    jq_is -s '[.[] | .token | test("^[0-9a-f]{40}$")] | all' true "$(basename "$log"): tokens"
done
run logs --events --year 2026 "$DATA/exim-sample.log"
jq_is -s '[.[].decodedby] | unique | join(",")' exim "exim: decodedby"
jq_is -s '[.[] | select(.recipient == "full@example.net")][0] | [.addresser, .size, .delay, .relay, .rhost] | @tsv' \
    "billing@example.org	5120	5403	mx.example.net [192.0.2.20]	mx.example.net" "exim: sender, size, QT= delay, relay"
jq_is -s '[.[] | select(.recipient == "gone@example.net")][0].origrecipient' billing-contact@example.org "exim: <orig> after the address"
jq_is -s '[.[] | select(.recipient == "victim@example.net")][0] | [.addresser, .rhost] | @tsv' \
    "promo@example.org	client.example.org" "exim: rejected RCPT sender and client"
run logs --events --year 2026 "$DATA/sendmail-sample.log"
jq_is -s '[.[] | select(.recipient == "nobody@example.net")][0] | [.addresser, .messageid, .rhost, (.size|tostring)] | @tsv' \
    "news@mta.example.org	20261206130001.news-0001@mta.example.org	mx.example.net	2214" "sendmail: from= line joined, rhost without the root dot"
jq_is -s '[.[] | select(.recipient == "slow@example.com")][0].delay' 172840 "sendmail: delay=2+00:00:40"

# plain and gzip give the same events
for log in "$DATA"/postfix-real.log "$DATA"/exim-sample.log "$DATA"/sendmail-sample.log; do
    run logs --events --year 2026 "$log"
    plain=$OUT
    gzip -c "$log" > "$TMP/x.log.gz"
    run logs --events --year 2026 "$TMP/x.log.gz"
    expect_rc 0 "$(basename "$log").gz"
    [ "$OUT" = "$plain" ] || fail "$(basename "$log"): .gz gives other events"
done

# a rotated pair given newest first still merges in time order
run logs --events --year 2026 "$DATA/postfix-rotated.log" "$DATA/postfix-rotated.log.1"
[ "$(jq -r "$TSV" <<<"$OUT")" = "$(cat "$DATA/postfix-rotated.expect")" ] || fail "reverse order: not merged in time order"
jq_is -s '[.[] | select(.recipient == "hal@example.org")][0] | [.addresser, .messageid, .first, .last] | @tsv' \
    "news@example.org	rot-1@example.org	2026-12-06T23:58:02Z	2026-12-07T00:03:03Z" "a queue id across the rotation"
# ... and the older part alone leaves its deferral pending
run logs --events --year 2026 "$DATA/postfix-rotated.log.1"
jq_is -s '[.[] | select(.recipient == "hal@example.org")][0].outcome' deferred "the older part alone"

# standard input
"$BK" logs --events --year 2026 - < "$DATA/exim-sample.log" > "$TMP/stdin.out" 2>/dev/null
[ "$(jq -r "$TSV" "$TMP/stdin.out")" = "$(cat "$DATA/exim-sample.expect")" ] || fail "stdin gives other events"
gzip -c "$DATA/sendmail-sample.log" | "$BK" logs --events --year 2026 - > "$TMP/stdin.out" 2>/dev/null
[ "$(jq -r "$TSV" "$TMP/stdin.out")" = "$(cat "$DATA/sendmail-sample.expect")" ] || fail "gzip on stdin gives other events"

# the --json report: totals that add up, a timeline, the input counts
for log in "$DATA"/*.log "$DATA"/*.csv; do
    mapfile -t files < <(rotated_set "$log")
    run logs --json --year 2026 --threshold 100 "${files[@]}"
    expect_rc 0 "$(basename "$log") --json"
    jq_is '.totals | .sent == .delivered + .deferred + .bounced + .expired' true "$(basename "$log"): sent adds up"
    jq_is '(.timeline | length > 0) and ([.timeline[].sent] | add) == .totals.sent' true "$(basename "$log"): timeline"
    jq_is '.totals.sent + .totals.rejected' "$(wc -l < "${log%.*}.expect" | tr -d ' ')" "$(basename "$log"): every outcome counted"
    jq_is '.input | .lines == .used + .malformed + .other' true "$(basename "$log"): input lines add up"
done
run logs --json --year 2026 "$DATA/exim-sample.log"
jq_is '.input | [.malformed, .other, .bounce_notices] | @tsv' "2	5	3" "exim: malformed, other lines and bounce notices (not the delay warning)"
run logs --json --year 2026 "$DATA/sendmail-sample.log"
jq_is '.input | [.malformed, .other, .bounce_notices] | @tsv' "1	3	4" "sendmail: malformed, other lines and bounce notices"
run logs --json --year 2026 "$DATA/sendmail-msp.log"
jq_is '[.input.untried, .totals.deferred] | @tsv' "1	1" "sendmail: stat=queued counted as untried, no deferral"
jq_is '[.input.handoffs, .totals.sent, .totals.delivered] | @tsv' "1	2	1" "sendmail: the submission queue's hand-off to sm-mta is no delivery"
# hand-offs to a relay on this host that queued the message again: no outcome
run logs --json --year 2026 "$DATA/postfix-amavis.log"
jq_is '[.input.handoffs, .totals.sent, .totals.delivered, .totals.bounced, .totals.deferred] | @tsv' "7	8	6	1	1" \
    "postfix: content filter hand-offs counted, not sent"
jq_is '.totals.bounce_rate * 7 | round' 1 "postfix: bounce rate over the real deliveries (1 of 7)"
run logs --json --year 2026 "$DATA/exim-amavis.log"
jq_is '[.input.handoffs, .totals.sent, .totals.delivered, .totals.bounced] | @tsv' "2	4	2	1" \
    "exim: content filter hand-offs (250 OK id=...) counted, not sent"
run logs --events --year 2026 "$DATA/postfix-amavis.log"
jq_is -s '[.[] | select(.recipient == "dan@example.net")] | [length, .[0].attempts, .[0].first] | @tsv' \
    "1	1	2026-12-06T09:40:01Z" "postfix: deferrals before a hand-off give no outcome; the new queue id's attempts count"
jq_is -s '[.[] | select(.recipient == "fay@mx.example.org")][0].origrecipient' info@example.org "postfix: orig_to after the filter"
jq_is -s '[.[] | select(.relay | test("^127\\.0\\.0\\.1|^mx\\.example\\.org\\[private")) | .recipient] | join(",")' \
    "eve@example.org,gus@example.org,hal@example.com,cat@example.net" "postfix: mailboxes (unix socket, loopback LMTP), a reply naming no id seen, the filter's deferral stay outcomes"
run logs --json --year 2026 "$DATA/sendmail-submit.log"
jq_is '[.input.handoffs, .totals.sent, .totals.delivered, .totals.bounced] | @tsv' "3	4	2	1" "sendmail: hand-offs to the MTA (IPv4 and IPv6) counted, not sent"
run logs --year 2026 --threshold 100 --no-progress "$DATA/postfix-amavis.log"
expect_out "7 handed to a relay on this host" "terminal report counts hand-offs"
run logs --year 2026 --threshold 100 --html "$TMP/handoff.html" "$DATA/postfix-amavis.log"
grep -q 'data-input="handoffs"' "$TMP/handoff.html" || fail "html report counts hand-offs"
run logs --json --year 2026 "$DATA/exim-queued.log"
jq_is '.input | [.other, .untried] | @tsv' "4	7" "exim: queued-only and retry-time lines counted as untried"
run logs --events --year 2026 "$DATA/postfix-postscreen.log"
jq_is -s '[.[].addresser] | join(",")' "offers@example.net,news@example.com" "postscreen: the sender of its comma-separated fields"
run logs --events "$DATA/exim-old.log"
jq_is -s '[.[].relay] | unique | join(",")' "mx0.example.net [192.0.2.90]" "exim: older lines name the remote host in the text"
run logs --json --year 2026 "$DATA/exim-queue-real.log"
jq_is '.input | [.other, .untried, .used] | @tsv' "6	3	12" "exim (real): queue_domains and -qfl lines counted as untried"
run logs --events --year 2026 "$DATA/exim-queued.log"
jq_is -s '[.[] | select(.recipient == "bob@example.net")][0] | [.diagnosticcode, .first] | @tsv' \
    "Connection refused	2026-12-06T15:05:02Z" "exim: the reason and first time of the one attempt"
run logs --json --year 2026 "$DATA/postfix-odd.log"
jq_is '.input | [.lines, .malformed, .other, .bounce_notices] | @tsv' "33	1	5	2" "postfix odd lines counted"
jq_is '.totals.rejected' 1 "NOQUEUE reject"
run logs --json --year 2026 "$DATA/postfix-verify.log"
jq_is '.input | [.other, .probes] | @tsv' "3	4" "postfix: address verification results counted"
jq_is '.totals | [.sent, .rejected] | @tsv' "1	1" "postfix: a probe is no mail sent"

# KumoMTA's JSON log records: outcomes, the report, a complaint, mixed with Postfix
run logs --json --year 2026 --threshold 100 "$DATA/kumomta-sample.log"
jq_is '.totals | [.sent, .delivered, .deferred, .bounced, .expired, .rejected, .hard] | @tsv' "10	3	1	4	2	1	2" "kumomta: totals"
jq_is '.input | [.lines, .used, .malformed, .other, .complaints, .unprefixed] | @tsv' "27	24	1	2	1	0" "kumomta: lines, the malformed one, the feedback report"
run logs --events --year 2026 "$DATA/kumomta-sample.log"
jq_is -s '[.[].decodedby] | unique | join(",")' kumomta "kumomta: decodedby"
jq_is -s '[.[] | select(.recipient == "slow@example.org")][0] | [.attempts, .first, .last, .queueid, .addresser, .size, .rhost] | @tsv' \
    "3	2026-12-06T10:03:02Z	2026-12-06T10:33:04Z	1d98076abbbc11ed940250ebf67f93b5	news@example.org	2841	mx.example.org" \
    "kumomta: deferrals joined to the delivery by the spool id"
jq_is -s '[.[] | select(.recipient == "nobody@example.net")][0] | [.replycode, .command, .diagnosticcode] | @tsv' \
    "550	RCPT	550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. (in reply to RCPT TO command)" \
    "kumomta: the reply put back together with its command"
jq_is -s '[.[] | select(.recipient == "stuck@example.net")][0] | [.status, .diagnosticcode] | @tsv' \
    "4.3.0	451 4.3.0 Temporary local problem - please try later (in reply to end of DATA command)" "kumomta: an expiry tells the last deferral's reason"
jq_is -s '[.[] | select(.recipient == "dave@example.com") | .outcome] | join(",")' "delivered,bounced" "kumomta: an out-of-band bounce after the delivery"
# a record whose content already holds the whole reply (as other tools write them): not doubled
printf '%s\n' '{"type":"Bounce","id":"aa11","sender":"s@example.org","recipient":"u@example.com","response":{"code":550,"enhanced_code":{"class":5,"subject":1,"detail":1},"content":"550 5.1.1 <u@example.com>: Recipient address rejected: User unknown","command":"RCPT TO"},"timestamp":1796551200}' > "$TMP/kumo-whole.log"
run logs --events "$TMP/kumo-whole.log"
jq_is '[.diagnosticcode, .reason] | @tsv' "550 5.1.1 <u@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)	userunknown" \
    "kumomta: a content with its own code is not prefixed again"
run logs --events --year 2026 "$DATA/kumomta-sample.log" "$DATA/postfix-real.log"
expect_rc 0 "kumomta and postfix merged"
jq_is -s '[.[].decodedby] | unique | join(",")' "kumomta,postfix" "kumomta and postfix: both read"
jq_is -s 'length' "$(cat "$DATA/kumomta-sample.expect" "$DATA/postfix-real.expect" | wc -l | tr -d ' ')" "kumomta and postfix: every outcome of both"
jq_is -s '[.[] | select(.decodedby == "kumomta") | .recipient] | join(",")' \
    "$(cut -f1 "$DATA/kumomta-sample.expect" | paste -sd, -)" "kumomta and postfix: each file's own order kept"
{ cat "$DATA/kumomta-sample.log"; printf '{"type":"Delivery","id":"x","recipient":"a@example.com"}\n{not json}\n{"type":"Bounce","timestamp":1796551200,"id":"y"}\n'; } > "$TMP/kumo-odd.log"
run logs --json --year 2026 --threshold 100 "$TMP/kumo-odd.log"
jq_is '.input.malformed' 4 "kumomta: no time stamp, no JSON, no recipient: malformed"

# PowerMTA's accounting CSV: columns by the header's names, quoting, a complaint, mixed
run logs --json --threshold 100 "$DATA/pmta-acct.csv"
jq_is '.totals | [.sent, .delivered, .deferred, .bounced, .expired, .hard] | @tsv' "10	3	1	5	1	2" "pmta: totals"
jq_is '.input | [.lines, .used, .malformed, .other, .complaints, .unprefixed] | @tsv' "19	17	1	1	1	0" "pmta: header rows used, the cut row malformed, the queue's tq other, the f record"
run logs --events "$DATA/pmta-acct.csv"
jq_is -s '[.[].decodedby] | unique | join(",")' powermta "pmta: decodedby"
jq_is -s '[.[] | select(.recipient == "eve@example.com")][0] | [.diagnosticcode, .rhost, .size, .queueid] | @tsv' \
    '550 5.7.1 Message rejected: "spam" content detected	mx1.example.com	2841	' "pmta: a quoted field with \"\", the relay's name, dlvSize, no queue id"
jq_is -s '[.[] | select(.recipient == "slow@example.org")][0] | [.attempts, .first, .last] | @tsv' \
    "3	2026-12-06T10:03:02Z	2026-12-06T10:33:04Z" "pmta: t records joined to the d record (-0500 stamps)"
jq_is -s '[.[] | select(.recipient == "stuck@example.net")][0] | [.outcome, .status] | @tsv' "expired	4.3.0" "pmta: message-expired"
{
    printf 'd,2026-12-06 05:00:00-0500,news@example.org,early@example.com\n'
    printf 'rcpt,type,dsnDiag,timeLogged,orig\n'
    printf 'type,rcpt,dsnStatus,dsnDiag,timeLogged,orig,dsnMta\n'
    printf 'b,zed@example.net,5.1.1 (bad destination mailbox address),"smtp;550 5.1.1 <zed@example.net>, no such user",1796551300,news@example.org,mx.example.net (192.0.2.20)\n'
    printf 'b,,5.1.1,smtp;550 x,1796551301,news@example.org,\n'
    printf 'd,amy@example.net,2.0.0 (success),smtp;250 ok,not-a-time,news@example.org,\n'
} > "$TMP/pmta-cols.csv"
run logs --events "$TMP/pmta-cols.csv"
jq_is -s '[.[] | [.recipient, .outcome, .reason, .status, .timestamp, .rhost] | @tsv] | join(";")' \
    "zed@example.net	bounced	userunknown	5.1.1	2026-12-06T10:01:40Z	mx.example.net" "pmta: another column order, epoch times"
run logs --json "$TMP/pmta-cols.csv"
jq_is '.input | [.lines, .used, .malformed, .other, .unprefixed] | @tsv' "6	2	2	2	2" \
    "pmta: a row before any header and a CSV of other columns are not read; rows without a recipient or time malformed"
run logs --events --year 2026 "$DATA/postfix-real.log" "$DATA/pmta-acct.csv" "$DATA/kumomta-sample.log"
expect_rc 0 "pmta, kumomta and postfix merged"
jq_is -s '[.[].decodedby] | unique | join(",")' "kumomta,postfix,powermta" "three MTAs: all read"
jq_is -s 'length' "$(cat "$DATA/kumomta-sample.expect" "$DATA/postfix-real.expect" "$DATA/pmta-acct.expect" | wc -l | tr -d ' ')" "three MTAs: every outcome"
jq_is -s '[.[] | select(.decodedby == "powermta") | .recipient] | join(",")' \
    "$(cut -f1 "$DATA/pmta-acct.expect" | paste -sd, -)" "three MTAs: the CSV's own order kept"
jq_is -s '[.[] | select(.decodedby != "postfix" and .outcome != "deferred") | .last] == ([.[] | select(.decodedby != "postfix" and .outcome != "deferred") | .last] | sort)' true \
    "kumomta and pmta outcomes merged in time order (the pending ones come at the end)"

# odd and malformed lines are counted, never fatal
{
    printf 'Dec  6 10:00:00 mta postfix/smtp[1]: ABCDE12345: to=<x@example.com>, relay=\n'
    printf 'Dec  6 10:00:01 mta postfix/smtp[1]: ABCDE12345: to=\n'
    printf '\x00\xff garbage \x01\n'
    printf '2026-12-06 10:00:02 1xbC0b-0000Jk-2Q **\n'
    printf '2026-12-06 10:00:02 1xbC0b-0000Jk-2Q => \n'
    printf '2026-12-06 10:00:03 H=x [192.0.2.1] F=<a@example.org> rejected RCPT <unterminated\n'
    printf 'Dec  6 10:00:04 mta sm-mta[2]: 5B6D01Ab002310: to=<a@example.com>, stat=\n'
    printf 'Dec  6 10:00:05 mta sm-mta[2]: 5B6D01Ab002310: ruleset=check_rcpt, arg1=<a@example.com>, reject=\n'
    printf 'Dec  6 10:00:06 mta sm-mta[2]: 5B6D01Ab002310: to=<a@example.com>,, stat=Sent\n'
    head -c 100000 /dev/zero | tr '\0' 'x'; printf '\n'
} > "$TMP/odd.log"
run logs --json --year 2026 "$TMP/odd.log"
expect_rc 0 "odd lines"
jq_is '.input.lines' 10 "odd: lines"
jq_is '.input.malformed' 6 "odd: malformed lines counted"
jq_is '.input.lines == .input.used + .input.malformed + .input.other' true "odd: lines add up"
run logs --events --year 2026 "$TMP/odd.log"
expect_rc 0 "odd lines with --events"
expect_err "malformed" "--events says malformed lines were skipped"

# exit status: 3 when the bounce rate crosses the line, 0 below it
run logs --year 2026 --threshold 2 "$DATA/postfix-real.log"
expect_rc 3 "bounce rate above 2%"
run logs --json --year 2026 --threshold 100 "$DATA/postfix-real.log"
expect_rc 0 "bounce rate below 100%"
jq_is '.crossed' false "not crossed"
run logs --json --year 2026 --threshold 50 --min-volume 1000 "$DATA/exim-real.log"
expect_rc 0 "below the minimum volume"
run logs --json --year 2026 --threshold 50 --min-volume 5 "$DATA/exim-real.log"
expect_rc 3 "exim: above 50% with 5 messages"

# the terminal report
run logs --year 2026 --threshold 100 --no-progress "$DATA/sendmail-sample.log"
expect_rc 0 "terminal report"
expect_out "example.net" "terminal report lists domains"

# usage
run logs --help
expect_rc 0 "--help"
expect_out "--events" "--help lists options"
run logs
expect_rc 2 "no input"
run logs --bogus "$DATA/postfix-real.log"
expect_rc 2 "unknown option"
run logs --threshold abc "$DATA/postfix-real.log"
expect_rc 2 "bad --threshold"
run logs --year 12 "$DATA/postfix-real.log"
expect_rc 2 "bad --year"
run logs --horizon 5x "$DATA/postfix-real.log"
expect_rc 2 "bad --horizon"
run logs --events "$TMP/missing.log"
expect_rc 1 "a missing file"
# recipients still deferred when the input ends come out oldest first
: > "$TMP/pending.log"
for n in $(seq 10 39); do
    printf 'Dec  6 15:%02d:00 mta postfix/qmgr[900]: %X1100A1: from=<news@example.org>, size=1520, nrcpt=1 (queue active)\n' "$n" "$((n * 7919))" >> "$TMP/pending.log"
    printf 'Dec  6 15:%02d:01 mta postfix/smtp[922]: %X1100A1: to=<r%d@example.net>, relay=mx.example.net[192.0.2.20]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=4.2.2, status=deferred (host mx.example.net[192.0.2.20] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n' "$n" "$((n * 7919))" "$n" >> "$TMP/pending.log"
done
run logs --events --year 2026 "$TMP/pending.log"
jq_is -s '[.[] | select(.outcome == "deferred")] | length' 30 "every pending recipient reported"
jq_is -s '[.[] | .last] == ([.[] | .last] | sort)' true "pending recipients oldest first"

finish
