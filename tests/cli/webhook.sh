# webhook.sh - bouncekit webhook on the repository's ESP webhook fixtures
# (tests/data/webhooks/PROVIDER-*.json, each with a .expect file: one line per
# record, "recipient action reason hardbounce feedbacktype decodedby",
# tab-separated), with --provider and detected from the body; standard input;
# malformed payloads; Mailgun signatures with a key (right, wrong, missing);
# SNS subscription confirmations; SNS signatures (SignatureVersion 1 and 2,
# with a certificate made at test time); the record keys shared with decode.
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/webhooks"
TSV='[.recipient, .action, .reason, (.hardbounce|tostring), (.feedbacktype // "-"), .decodedby] | @tsv'
KEY=bouncekit-test-signing-key-0123456789

# every fixture gives exactly its expected lines, named and detected
n=0
for f in "$DATA"/*.json; do
    name=$(basename "$f")
    want="${f%.json}.expect"
    [ -f "$want" ] || { fail "$name: no .expect file"; continue; }
    for how in "--provider ${name%%-*}" ""; do
        run webhook $how "$f"
        expect_rc 0 "$name ${how:-detected}"
        expect_lines "$TSV" "$want" "$name (${how:-detected})"
    done
    n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "only $n fixtures"
for p in ses sendgrid mailgun postmark sparkpost; do
    ls "$DATA/$p"-*.json >/dev/null 2>&1 || fail "no fixture for $p"
done

# the records are decode's: same keys, in the same order
run webhook "$DATA/ses-01-bounce.json"
hook_keys=$(jq -c -s '.[0] | keys_unsorted' <<<"$OUT")
run decode --format jsonl "$SRC/tests/data/bounces/rfc3464-01.eml"
[ "$(jq -c -s '.[0] | keys_unsorted' <<<"$OUT")" = "$hook_keys" ] || fail "webhook and decode keys differ"
run webhook "$DATA/ses-01-bounce.json"
jq_is -s '.[0].addresser' news@example.com "SES addresser from mail.source"
jq_is -s '.[0].subject' "March news" "SES subject from commonHeaders"
jq_is -s '.[0].status' 5.1.1 "SES status"
jq_is -s '.[0].replycode' 550 "SES reply code from diagnosticCode"
jq_is -s '.[0].diagnosticcode | startswith("550 5.1.1")' true "SES 'smtp;' taken off"
jq_is -s '.[0].lhost' b224-13.smtp-out.eu-west-1.amazonses.com "SES reportingMTA"
jq_is -s '.[0].timestamp' 2026-03-02T09:15:02+00:00 "SES bounce timestamp"
jq_is -s '.[0].token | test("^[0-9a-f]{40}$")' true "token is SHA-1 hex"
jq_is -s '.[0].origin' "$DATA/ses-01-bounce.json" "origin is the file"
tok=$(jq -r -s '.[0].token' <<<"$OUT")
"$BK" webhook - < "$DATA/ses-01-bounce.json" > "$TMP/stdin.out" 2>/dev/null
[ "$(jq -r -s '.[0].token' "$TMP/stdin.out")" = "$tok" ] || fail "token stable, stdin same records"
[ "$(jq -r -s '.[0].origin' "$TMP/stdin.out")" = "-" ] || fail "stdin origin is -"
run webhook "$DATA/postmark-02-softbounce.json"
jq_is '.timestamp' 2026-03-02T09:31:00-05:00 "ISO 8601 time with its offset"
jq_is '.permanence' transient "SoftBounce without a code is transient"
jq_is '.diagnosticcode' "Unable to temporarily deliver this email." "Postmark Description shown"
run webhook "$DATA/mailgun-02-failed-temporary.json"
jq_is '.rhost' mx.example.org "Mailgun mx-host"
jq_is '.messageid' 20260302093000.mg.2@mg.example.com "Mailgun message-id"
run webhook "$DATA/sendgrid-01-events.json"
jq_is -s 'length' 9 "SendGrid: open, click, processed not reported"
expect_err "1 payloads read, 9 records" "summary"

# several payloads at once
run webhook "$DATA"/ses-0[1-4]*.json
expect_rc 0 "several files"
jq_is -s 'length' 6 "records of four SES payloads"

# SNS confirmations are reported, not errors
run webhook "$DATA/ses-05-subscribe.json"
expect_rc 0 "subscription confirmation"
[ -z "$OUT" ] || fail "a subscription confirmation gives no record"
expect_err "subscribe: an SNS subscription confirmation for arn:aws:sns:eu-west-1:111122223333:bouncekit-ses-events" "confirmation reported"
expect_err "SubscribeURL: https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription" "SubscribeURL given"
jq '.Type = "UnsubscribeConfirmation"' "$DATA/ses-05-subscribe.json" > "$TMP/unsub.json"
run webhook "$TMP/unsub.json"
expect_rc 0 "unsubscribe confirmation"
expect_err "an SNS unsubscribe confirmation" "unsubscribe confirmation reported"
run webhook "$DATA/sparkpost-02-ping.json"
expect_rc 0 "SparkPost test ping"
expect_err "nothing: 1 events, none a bounce" "ping: nothing to report"

# Mailgun signatures: right key, wrong key, no signature, key from a file
run webhook --mailgun-key "$KEY" "$DATA"/mailgun-*.json
expect_rc 0 "right Mailgun key"
jq_is -s 'length' 6 "signed Mailgun payloads all read"
run webhook --mailgun-key "wrong-$KEY" "$DATA/mailgun-01-failed-permanent.json"
expect_rc 1 "wrong Mailgun key"
[ -z "$OUT" ] || fail "no record from a payload with a wrong signature"
expect_err "refused: the Mailgun signature is wrong" "wrong signature said"
jq '.["event-data"].recipient = "mallory@example.net"' "$DATA/mailgun-01-failed-permanent.json" > "$TMP/forged.json"
run webhook --mailgun-key "$KEY" "$TMP/forged.json"
expect_rc 0 "the signature covers timestamp and token only (as Mailgun signs)"
jq '.signature.token = "0000"' "$DATA/mailgun-01-failed-permanent.json" > "$TMP/badtoken.json"
run webhook --mailgun-key "$KEY" "$TMP/badtoken.json"
expect_rc 1 "changed token"
jq 'del(.signature)' "$DATA/mailgun-01-failed-permanent.json" > "$TMP/unsigned.json"
run webhook --mailgun-key "$KEY" "$TMP/unsigned.json"
expect_rc 1 "unsigned payload with a key"
expect_err "signature is missing" "missing signature said"
run webhook "$TMP/unsigned.json"
expect_rc 0 "unsigned payload without a key"
printf '%s\n' "$KEY" > "$TMP/key"
run webhook --mailgun-key-file "$TMP/key" "$DATA/mailgun-03-complained.json"
expect_rc 0 "--mailgun-key-file"
run webhook --mailgun-key-file "$TMP/no-such-key" "$DATA/mailgun-03-complained.json"
expect_rc 1 "missing key file"

# malformed payloads: clear error, exit status 2; the others still read
printf '[{"event": "bounce", "email": ' > "$TMP/cut.json"
run webhook "$TMP/cut.json" "$DATA/sendgrid-02-single.json"
expect_rc 2 "malformed JSON"
expect_err "cut.json: malformed: not JSON: line 1" "malformed JSON said, with its place"
jq_is '.recipient' nils@example.org "a bad payload does not stop the others"
printf '{"hello": "world"}' > "$TMP/other.json"
run webhook "$TMP/other.json"
expect_rc 2 "JSON of no provider"
expect_err "not the webhook payload of a known provider" "unknown format said"
run webhook --provider postmark "$DATA/sendgrid-01-events.json"
expect_rc 2 "another provider's payload"
expect_err "a Postmark payload is one JSON object" "wrong provider said"
jq '.Message = "not json"' "$DATA/ses-01-bounce.json" > "$TMP/badmsg.json"
run webhook "$TMP/badmsg.json"
expect_rc 2 "SNS Message that is not JSON"
expect_err "the SNS Message is not an SES notification" "bad SNS Message said"
run webhook "$TMP/missing.json"
expect_rc 1 "missing file"
run webhook --provider yahoo "$DATA/ses-01-bounce.json"
expect_rc 2 "unknown --provider"
run webhook --help
expect_rc 0 "--help"
expect_out "--mailgun-key" "help names the options"
expect_out "--sns-certificate" "help names --sns-certificate"

# SNS signatures: a throwaway key and self-signed certificate made here (no
# private key is kept in the repository), fixtures signed as SNS signs them
if command -v openssl >/dev/null; then
    mkcert() { # mkcert NAME - $TMP/NAME.key and $TMP/NAME.pem
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/$1.key" -out "$TMP/$1.pem" \
            -days 2 -subj "/CN=sns.amazonaws.com" >/dev/null 2>&1 || fail "openssl req $1"
    }
    # snssign IN OUT KEY VERSION - IN with Signature/SignatureVersion over its canonical string
    snssign() {
        local dgst=sha256
        [ "$4" = 1 ] && dgst=sha1
        jq -j '(if .Type == "Notification" then
                   ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
               else ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
               end) as $f | . as $m | [$f[] as $k | select($m | has($k)) | "\($k)\n\($m[$k])\n"] | join("")' \
            "$1" > "$TMP/canon"
        sig=$(openssl dgst -"$dgst" -sign "$TMP/$3.key" "$TMP/canon" | base64 -w0)
        jq --arg s "$sig" --arg v "$4" '.Signature = $s | .SignatureVersion = $v' "$1" > "$2"
    }
    mkcert sns
    mkcert other
    for v in 1 2; do
        snssign "$DATA/ses-01-bounce.json" "$TMP/signed$v.json" sns "$v"
        run webhook --sns-certificate "$TMP/sns.pem" "$TMP/signed$v.json"
        expect_rc 0 "SNS SignatureVersion $v: good signature"
        jq_is -s 'length' 2 "SNS SignatureVersion $v: records read"
        run webhook --sns-certificate "$TMP/other.pem" "$TMP/signed$v.json"
        expect_rc 1 "SNS SignatureVersion $v: wrong certificate"
        [ -z "$OUT" ] || fail "no record from a payload signed by another key"
        expect_err "refused: the SNS signature is wrong" "wrong certificate said"
    done
    jq '.Message |= sub("ana@example.net"; "mallory@example.net")' "$TMP/signed2.json" > "$TMP/forged-sns.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/forged-sns.json"
    expect_rc 1 "SNS: a changed Message is refused"
    [ -z "$OUT" ] || fail "no record from a changed Message"
    jq '.Subject = "added"' "$TMP/signed2.json" > "$TMP/subject-sns.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/subject-sns.json"
    expect_rc 1 "SNS: an added Subject is refused"
    jq '.Subject = "Bounce"' "$DATA/ses-01-bounce.json" > "$TMP/subj.json"
    snssign "$TMP/subj.json" "$TMP/subj-signed.json" sns 2
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/subj-signed.json"
    expect_rc 0 "SNS: a signed Subject"
    jq '.SignatureVersion = "1"' "$TMP/signed2.json" > "$TMP/vswap.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/vswap.json"
    expect_rc 1 "SNS: a SHA256 signature is not taken as SignatureVersion 1"
    jq 'del(.Signature)' "$TMP/signed2.json" > "$TMP/nosig.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/nosig.json"
    expect_rc 1 "SNS: missing Signature with a certificate"
    expect_err "refused: the SNS signature is missing" "missing SNS signature said"
    run webhook "$TMP/nosig.json"
    expect_rc 0 "SNS: missing Signature without a certificate (not checked)"
    jq '.SignatureVersion = "3"' "$TMP/signed2.json" > "$TMP/v3.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/v3.json"
    expect_rc 1 "SNS: unknown SignatureVersion"
    jq '.SigningCertURL = "https://evil.example.com/x.pem"' "$TMP/signed2.json" > "$TMP/url.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/url.json"
    expect_rc 1 "SNS: SigningCertURL not on amazonaws.com"
    expect_err "is not an https URL of amazonaws.com" "SigningCertURL said"
    run webhook --sns-certificate "$TMP/sns.pem" "$DATA/ses-02-mailboxfull-raw.json"
    expect_rc 1 "SNS: raw delivery (no envelope) refused with a certificate"
    snssign "$DATA/ses-05-subscribe.json" "$TMP/sub-signed.json" sns 1
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/sub-signed.json"
    expect_rc 0 "SNS: signed subscription confirmation"
    expect_err "SubscribeURL: https://sns.eu-west-1.amazonaws.com" "signed confirmation reported"
    jq '.Token = "0000"' "$TMP/sub-signed.json" > "$TMP/sub-forged.json"
    run webhook --sns-certificate "$TMP/sns.pem" "$TMP/sub-forged.json"
    expect_rc 1 "SNS: changed Token refused"
    cat "$TMP/other.pem" "$TMP/sns.pem" > "$TMP/both.pem"
    run webhook --sns-certificate "$TMP/both.pem" "$TMP/signed1.json"
    expect_rc 0 "SNS: any certificate of the file"
    run webhook --sns-certificate "$TMP/no-such.pem" "$TMP/signed2.json"
    expect_rc 1 "SNS: missing certificate file"
    expect_err "no-such.pem" "missing certificate file named"
    printf 'not a certificate\n' > "$TMP/junk.pem"
    run webhook --sns-certificate "$TMP/junk.pem" "$TMP/signed2.json"
    expect_rc 1 "SNS: a file without a certificate"
    run webhook --sns-certificate "$TMP/sns.pem" "$DATA/sendgrid-02-single.json"
    expect_rc 0 "SNS certificate: other providers unaffected"
else
    echo "note: no openssl: SNS signature checks skipped"
fi
finish
