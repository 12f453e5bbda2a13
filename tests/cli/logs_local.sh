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

finish
