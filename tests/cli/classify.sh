# classify.sh - `bouncekit classify` as scripts use it: arguments and standard
# input, JSON Lines in input order, the table, --explain, user rules, hints,
# JSON Lines input, and clear errors.
. "$(dirname "$0")/common.bash"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
export BOUNCEKIT_CACHE_DIR="${BOUNCEKIT_CACHE_DIR:-$TMP/cache}"

run classify --help
expect_rc 0 "classify --help"
expect_out "Usage: bouncekit classify" "classify --help"

# arguments: one JSON line each, in order (stdout is not a terminal here)
run classify '550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown in virtual mailbox table' \
    'host mx.example.net[192.0.2.7] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)' \
    '554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org'
expect_rc 0 "classify args"
[ "$(wc -l <<<"$OUT")" -eq 3 ] || fail "three inputs, three lines"
jq_is -s '.[0].reason' userunknown "first is userunknown"
jq_is -s '.[0].hardbounce' true "first is hard"
jq_is -s '.[0].suggestion' suppress "first: suppress"
jq_is -s '.[0].bounceclass' InvalidRecipient "first: Momentum class"
jq_is -s '.[0].pmtacategory' bad-mailbox "first: PowerMTA category"
jq_is -s '.[1].reason' mailboxfull "second is mailboxfull"
jq_is -s '.[1].permanence' transient "second is transient"
jq_is -s '.[1].hardbounce' false "second is not hard"
jq_is -s '.[1].command' RCPT "second: command from the text"
jq_is -s '.[1].rhost' mx.example.net "second: remote host"
jq_is -s '.[2].reason' blocked "third is blocked"
jq_is -s '.[2].fault' sender "third: the sender's fault"
jq_is -s '.[2].hardbounce' false "a blocklist rejection is not hard"

# standard input, one reply per line, \n for line breaks
printf '%s\n' '550-5.7.26 Unauthenticated email from example.org is not accepted due to\n550 5.7.26 domain'"'"'s DMARC policy. - gsmtp' \
    'Connection timed out' '' '250 2.0.0 Ok: queued as 4BcD' >"$TMP/in"
"$BK" classify <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
RC=$?
OUT=$(cat "$TMP/out")
expect_rc 0 "classify stdin"
[ "$(wc -l <<<"$OUT")" -eq 4 ] || fail "four lines in, four out (blank included)"
jq_is -s '.[0].reason' authfailure "DMARC across two lines"
jq_is -s '.[0].provider' Gmail "Gmail recognised"
jq_is -s '.[0].suggestion' "fix authentication" "DMARC: fix authentication"
jq_is -s '.[2].reason' undefined "a blank line is undefined"
jq_is -s '.[3].reason' delivered "a 250 is delivered"

# --explain names the rule, its tier and what else matched
run classify --explain '550 5.1.1 no such user here'
jq_is '.rule | length > 0' true "--explain rule"
jq_is '.tier | length > 0' true "--explain tier"
jq_is '.matched | length >= 1' true "--explain matched"

# the table
run classify --table '550 5.1.1 no such user'
expect_out "REASON" "table header"
expect_out "userunknown" "table row"

# hints: the host names the provider, known codes win
run classify --host gmail-smtp-in.l.google.com --status 4.2.2 'The recipient inbox is out of storage space'
jq_is .provider Gmail "--host"
jq_is .status 4.2.2 "--status"
jq_is .permanence transient "--status decides permanence"
run classify --status 6.1.1 x
expect_rc 2 "--status bad"
run classify --command FROB x
expect_rc 2 "--command bad"

# user rules come first; a broken file is refused with file and line
printf '# mine\nmine.quota mailboxfull /\\bno such user\\b/\n' >"$TMP/mine.rules"
run classify --rules "$TMP/mine.rules" --explain '550 5.1.1 no such user'
jq_is .reason mailboxfull "user rule wins"
jq_is .tier user "user tier"
printf 'ok.a userunknown /x/\nbad.b nosuchreason /y/\n' >"$TMP/bad.rules"
run classify --rules "$TMP/bad.rules" x
expect_rc 1 "broken rules"
expect_err "bad.rules:2: unknown reason: nosuchreason" "rules error names file and line"
# the same through the configuration file
printf 'rules = %s\n' "$TMP/mine.rules" >"$TMP/conf"
run classify --config "$TMP/conf" '550 5.1.1 no such user'
jq_is .reason mailboxfull "rules from the configuration"
printf 'colour = red\n' >"$TMP/badconf"
run classify --config "$TMP/badconf" x
expect_rc 1 "bad configuration"
expect_err "badconf:1: unknown key 'colour'" "configuration error names file and line"

# JSON Lines in, with hints per line; a bad line is reported and the rest goes on
printf '%s\n' '{"text":"mailbox problem","status":"5.2.2"}' 'not json' '{"text":"x","host":"mta5.am0.yahoodns.net"}' >"$TMP/in.jsonl"
"$BK" classify --input jsonl <"$TMP/in.jsonl" >"$TMP/out" 2>"$TMP/err"
RC=$?
OUT=$(cat "$TMP/out")
ERR=$(cat "$TMP/err")
expect_rc 1 "jsonl with a bad line"
[ "$(wc -l <<<"$OUT")" -eq 2 ] || fail "two good lines classified"
jq_is -s '.[0].reason' mailboxfull "jsonl status hint"
jq_is -s '.[1].provider' Yahoo "jsonl host hint"
expect_err "standard input:2:" "jsonl error names the line"

finish
