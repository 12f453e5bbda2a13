# logs_pf.sh - bouncekit logs on what Postfix refuses, holds or drops on
# purpose: milter actions, cleanup's header and body checks, smtpd's access
# DISCARD, the discard(8) transport and a content filter's "discarded" reply
# (the fixtures tests/data/logs/postfix-{milter,checks,discard}.log): the input
# counters, the refused messages' queue ids ended, the outcomes' fields.
# (Named logs_pf, not logs_postfix: `ctest -E postfix` leaves out the tests
# that need a real Postfix.)
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/logs"
export BOUNCEKIT_CACHE_DIR="$TMP/cache"

run logs --json --year 2026 "$DATA/postfix-milter.log"
expect_rc 0 "milter"
jq_is '.input | [.discarded, .untried, .other, .malformed] | @tsv' "2	1	14	0" \
    "milter: milter-discard and access DISCARD discarded, milter-hold untried, CONNECT/MAIL refusals other"
jq_is '.totals | [.rejected, .delivered, .bounced] | @tsv' "4	2	2" \
    "milter: RCPT, DATA and END-OF-MESSAGE refusals; a local submission's recipients bounced by cleanup, not rejected too"
run logs --events --year 2026 "$DATA/postfix-milter.log"
jq_is -s '[.[] | select(.recipient == "dan@example.com")][0] | [.queueid, .messageid, .rhost, .diagnosticcode] | @tsv' \
    "5104E3D1B	spam-1@example.org	x.example.org	5.7.1 Blocked by SpamAssassin" "milter: END-OF-MESSAGE refusal keeps the queue id's message-id"
jq_is -s '[.[] | select(.recipient == "grey@example.com")][0] | [.outcome, .status, .queueid] | @tsv' \
    "rejected	4.7.1	4104E3D1A" "milter: a greylisted RCPT with a queue id"

run logs --json --year 2026 "$DATA/postfix-checks.log"
jq_is '.input | [.discarded, .untried, .malformed, .used] | @tsv' "1	1	1	19" \
    "checks: discard counted, hold untried, warning/info/filter/redirect used, a line without fields malformed"
run logs --events --year 2026 "$DATA/postfix-checks.log"
jq_is -s '[.[] | select(.outcome == "rejected") | [.recipient, .diagnosticcode, .rhost] | join("|")] | join(",")' \
    "bob@example.com|5.7.1 message content rejected|unknown,cat@example.com|5.7.1 Spam subject|unknown,dora@example.com|5.7.1 Forged header|unknown,ed@example.com|4.7.0 Try again later|mail.example.org" \
    "checks: the reply after the fields, never the header's own text"

run logs --json --year 2026 "$DATA/postfix-discard.log"
jq_is '[.input.discarded, .totals.sent, .totals.delivered, .totals.deferred] | @tsv' "4	3	3	0" \
    "discard: the discard transport, amavisd-new's discards (after a deferral) and an alias to /dev/null are no deliveries; a remote's reply and a file stay ones"

# the queue id of a message cleanup refused or dropped ends there: nothing is
# left to be evicted (a held message stays in the queue, and is)
{
    sed -n '/5104E3D1B\|7104E3D1D\|9104E3D1F: message-id\|9104E3D1F: milter-hold/p' "$DATA/postfix-milter.log"
    sed -n '/B204E3D2B\|0304E3D30/p' "$DATA/postfix-checks.log"
    for i in $(seq 1 65536); do printf 'Dec 16 10:00:00 mx kernel: tick %d\n' "$i"; done
} > "$TMP/evict.log"
run logs --json --year 2026 "$TMP/evict.log"
jq_is '.input | [.evicted, .discarded, .untried] | @tsv' "1	2	1" "refused and discarded messages' queue ids end; only the held one is evicted"

finish
