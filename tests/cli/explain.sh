# explain.sh - `bouncekit explain` as users run it: codes, combinations,
# whole reply lines, --json with jq, --list, --kb, and malformed input.
. "$(dirname "$0")/common.bash"
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

run --version
expect_rc 0 "--version"
expect_out "bouncekit 0." "--version"

run --help
expect_rc 0 "--help"
expect_out "explain" "--help lists explain"
expect_out "site" "--help lists site"

run explain --help
expect_rc 0 "explain --help"
expect_out "Usage: bouncekit explain" "explain --help"

run help site
expect_rc 0 "help site"
expect_out "Usage: bouncekit site" "help site"

run frobnicate
expect_rc 2 "unknown command"
expect_err "unknown command 'frobnicate'" "unknown command"

# a code: the page with every section
run explain 550
expect_rc 0 "explain 550"
for section in "At a glance" "Bounce type" "Severity" "Category" "What to do" "Standard" \
    "What it means" "What it looks like in your mail logs" "Common causes" "How to fix it" \
    "Related codes"; do
    expect_out "$section" "explain 550 section"
done
expect_out "RFC 5321" "explain 550 standard"

# a combination, as one argument or two, has its questions and answers
run explain "550 5.1.1"
expect_rc 0 "explain '550 5.1.1'"
expect_out "Frequently asked questions" "550 5.1.1 FAQ"
expect_out "Hard bounce" "550 5.1.1 is hard"
run explain 550 5.1.1
expect_out "550 5.1.1" "explain 550 5.1.1 as two args"
[ "$(grep -c 'At a glance' <<<"$OUT")" -eq 1 ] || fail "two args make one page"

# JSON for scripts
run explain --json 550 5.7.26
expect_rc 0 "--json"
jq_is .code "550 5.7.26" "json code"
jq_is .hardbounce false "5.7.26 is not a hard bounce"
jq_is .suggestion "fix authentication" "5.7.26 suggestion"
jq_is .permanence permanent "5.7.26 permanence"
jq_is '.faq | length > 2' true "5.7.26 faq"
jq_is '.causes | length > 0' true "5.7.26 causes"

run explain --json 5.1.1
jq_is .hardbounce true "5.1.1 hard"
jq_is .entry "X.1.1" "5.1.1 entry"
jq_is .by_class.transient.suggestion retry "4.1.1 reading"

run explain --json 4.2.2 550 5.1.1
expect_rc 0 "several args"
[ "$(wc -l <<<"$OUT")" -eq 2 ] || fail "one JSON line per explained argument"

# a whole reply line: codes, command, host and text are found
run explain --json 'host mx.example.com[192.0.2.10] said: 452-4.2.2 The recipient'"'"'s inbox is out of storage space. 452 4.2.2 Please direct the recipient to check their storage (in reply to RCPT TO command)'
expect_rc 0 "reply line"
jq_is .code "452 4.2.2" "reply line code"
jq_is .parsed.command RCPT "reply line command"
jq_is .parsed.rhost mx.example.com "reply line host"
jq_is .parsed.raddress 192.0.2.10 "reply line address"
jq_is .permanence transient "reply line permanence"
run explain 'host mx.example.com[192.0.2.10] said: 550 5.7.1 Message rejected as spam (in reply to end of DATA command)'
expect_out "In the text you gave" "reply line section"
expect_out "DATA" "reply line command shown"

# class disagreement: both kept, the reply code decides
run explain --json "550 4.2.2 mailbox full"
jq_is .permanence permanent "550 4.2.2 permanence"
jq_is .decided_by "reply code" "550 4.2.2 decider"

# a well-formed code without an entry of its own
run explain --json 5.1.99
expect_rc 0 "5.1.99"
jq_is .exact false "5.1.99 derived"
jq_is .permanence permanent "5.1.99 permanent"
jq_is .entry "X.1.*" "5.1.99 from its subject"

# malformed input: one line each, exit 2, the others still explained
for bad in 999 6.1.1 hello 55 ""; do
    run explain "$bad"
    expect_rc 2 "explain '$bad'"
    [ "$(wc -l <<<"$ERR")" -eq 1 ] || fail "explain '$bad': want a one-line error, got: $ERR"
    expect_err "explain: '$bad'" "the error names the input '$bad'"
done
run explain 999
expect_err "999 is not an SMTP reply code" "999 named"
run explain 6.1.1
expect_err "6.1.1 is not an enhanced status code" "6.1.1 named"
run explain --json 550 999
expect_rc 2 "good and bad"
jq_is .code 550 "the good one is still explained"
run explain
expect_rc 2 "no args"
run explain --bogus 550
expect_rc 2 "unknown option"

# --list
run explain --list
expect_rc 0 "--list"
expect_out "550 5.1.1" "--list has combinations"
expect_out "X.7.26" "--list has enhanced codes"
[ "$(wc -l <<<"$OUT")" -ge 130 ] || fail "--list: too few codes"
run explain --list --json
jq_is 'map(select(.code == "550")) | .[0].title | length > 0' true "--list --json"

# --kb: user records replace built-in ones; broken files are refused with file:line
cat >"$TMP/local.kb" <<'KB'
[550 5.1.1]
title: Our own words for unknown users
summary: Remove the address.
bounce: hard
severity: critical
category: address
action: suppress
standard: RFC 5321
meaning: Local explanation.
log: 550 5.1.1 unknown
cause: Typo.
fix: Remove it.
KB
run explain --kb "$TMP/local.kb" --json 550 5.1.1
expect_rc 0 "--kb"
jq_is .title "Our own words for unknown users" "--kb replaces"
printf '[550]\nflavour: salty\n' >"$TMP/bad.kb"
run explain --kb "$TMP/bad.kb" 550
expect_rc 1 "--kb broken"
expect_err "bad.kb:2: unknown field: flavour" "--kb error names file and line"
run explain --kb "$TMP/missing.kb" 550
expect_rc 1 "--kb missing"
expect_err "missing.kb" "--kb missing named"

finish
