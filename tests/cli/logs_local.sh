# logs_local.sh - bouncekit logs on what the MTA delivers or drops on this
# host (tests/data/logs/exim-local.log, sendmail-local.log): the recipient of
# a delivery to a pipe, a file or a local mailbox, the recipients counted as
# discarded, and what joins a line to its message.
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/logs"
export BOUNCEKIT_CACHE_DIR="$TMP/cache"

# Exim: /dev/null and :blackhole: discarded, -N deliveries (*>) too
run logs --json --year 2026 --threshold 100 "$DATA/exim-local.log"
expect_rc 0 "exim-local --json"
jq_is '.input | [.discarded, .bounce_notices, .untried] | @tsv' "4	1	0" "exim: /dev/null, :blackhole: and two *> lines discarded"
jq_is '.totals | [.sent, .delivered, .bounced, .deferred] | @tsv' "9	8	1	0" "exim: discarded recipients are not sent"
run logs --events --year 2026 "$DATA/exim-local.log"
jq_is -s '[.[] | select(.recipient | test("^[/|:]|^[^@]*$"))] | length' 0 "exim: no pipe, file or bare local part as recipient"
jq_is -s '[.[] | select(.recipient == "gil@example.com" or .recipient == "bin@example.com" or .recipient == "tom@example.net")] | length' 0 "exim: no outcome for a discarded recipient"
jq_is -s '[.[] | select(.recipient == "hal@example.com")][0] | [.outcome, .origrecipient] | @tsv' "delivered	" "exim: a pipe delivered to the address in <...>"
jq_is -s '[.[] | select(.recipient == "ivy@example.net")][0].origrecipient' list@example.com "exim: a remote address keeps the address it came from"
jq_is -s '[.[] | select(.recipient == "hob@example.com")][0] | [.attempts, .first] | @tsv' "2	2026-12-06T17:00:01Z" "exim: a pipe's deferral joined to its delivery"

# Sendmail: a file or program of an alias or .forward is about ctladdr's
# address; to=/dev/null is discarded
run logs --json --year 2026 --threshold 100 "$DATA/sendmail-local.log"
expect_rc 0 "sendmail-local --json"
jq_is '.input | [.discarded, .bounce_notices, .other] | @tsv' "1	2	1" \
    "sendmail: /dev/null discarded; the sender notify counted as a notice, the postmaster notify not; a delivery's note left"
jq_is '.totals | [.rejected, .expired] | @tsv' "4	2" "sendmail: refusals at RCPT; sender and postmaster notify expire"
run logs --events --year 2026 "$DATA/sendmail-local.log"
jq_is -s '[.[] | select(.recipient | test("^[/|\"]"))] | length' 0 "sendmail: no file or program as recipient"
jq_is -s '[.[] | select(.recipient == "jo@example.com")] | length' 0 "sendmail: no outcome for to=/dev/null"
jq_is -s '[.[] | select(.recipient == "pat@example.com")][0] | [.outcome, .attempts, .first] | @tsv' \
    "delivered	2	2026-12-06T19:00:01Z" "sendmail: a program's deferral joined to its delivery"
# refusals at RCPT get the sender of the from= line that follows them
jq_is -s '[.[] | select(.outcome == "rejected") | [.recipient, .addresser, .timestamp] | join(" ")] | join(",")' \
    "nobody@example.com promo@example.net 2026-12-06T19:30:00Z,old@example.com promo@example.net 2026-12-06T19:30:00Z,ghost@example.com shop@example.net 2026-12-06T19:31:00Z,victim@example.com spam@example.net 2026-12-06T19:50:00Z" \
    "sendmail: refusals with the sender of their from= line, at their own time"
jq_is -s '[.[] | select(.recipient == "zed@example.com") | .outcome] | join(",")' bounced "sendmail: a delivery's note of the same shape is no refusal"
run logs --events --year 2026 "$DATA/sendmail-sample.log"
jq_is -s '[.[] | select(.outcome == "rejected") | .addresser] | join(",")' "promo@example.org,bulk@example.net" \
    "sendmail: check_rcpt and Milter refusals get the sender of the from= line"

finish
