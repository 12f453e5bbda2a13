# serve.sh - bouncekit serve: every HTTP endpoint with curl (answers, auth,
# limits, errors as JSON, the metrics format, the reference pages), and the
# Postfix socketmap and policy protocols with a small client, including
# malformed, slow and vanished clients. Each server runs on free loopback
# ports with a database of its own and is stopped with SIGTERM.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/serve_common.bash"
for t in jq curl python3; do
    command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
unset BOUNCEKIT_CONFIG
export XDG_DATA_HOME="$TMP/xdg" XDG_CONFIG_HOME="$TMP/cfg"
DB="$TMP/list.db"
AUTH=(-H "Authorization: Bearer s3cret-token")
"$BK" suppress add --db "$DB" --reason userunknown gone@example.com >/dev/null
"$BK" suppress add --db "$DB" @dead.example >/dev/null

start_serve --db "$DB" --token s3cret-token --max-body 64k || finish

# --- health, classify, explain, decode
req GET /healthz
expect_code 200 healthz
body_is .status ok healthz
req POST /v1/classify --data-binary '550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown' -H 'Content-Type: text/plain'
expect_code 200 "classify text"
body_is .reason userunknown "classify text: reason"
body_is .hardbounce true "classify text: hardbounce"
req POST /v1/classify --data '{"text":"mailbox full","status":"4.2.2"}' -H 'Content-Type: application/json'
expect_code 200 "classify JSON"
body_is .reason mailboxfull "classify JSON with a status hint"
req POST /v1/classify --data '{"text":' -H 'Content-Type: application/json'
expect_code 400 "classify: bad JSON"
body_is '.error | test("malformed JSON")' true "bad JSON: error text"
req POST /v1/classify --data '{"txt":"x"}' -H 'Content-Type: application/json'
expect_code 400 "classify: no text"
req GET /v1/classify
expect_code 405 "classify: GET"
req GET /v1/explain/550%205.1.1
expect_code 200 "explain 550 5.1.1"
body_is .code "550 5.1.1" "explain: code"
req GET /v1/explain/5.7.26
expect_code 200 "explain 5.7.26"
req GET /v1/explain/hello
expect_code 400 "explain: not a code"
req POST /v1/decode --data-binary @"$SRC/tests/data/bounces/postfix-01.eml"
expect_code 200 "decode a Postfix bounce"
body_is .status bounce "decode: status"
body_is '.records | length > 0' true "decode: records"
req POST /v1/decode --data-binary 'Subject: hello

just a note'
expect_code 200 "decode a message that is not a bounce"
body_is .status "not a bounce" "decode: not a bounce"

# --- the suppression list
req GET /v1/suppressions/gone@example.com
expect_code 200 "check suppressed"
body_is .suppressed true "check: suppressed"
body_is .reason userunknown "check: reason"
req GET /v1/suppressions/someone@dead.example
body_is '[.suppressed, .domain] | @tsv' "true	true" "check: a suppressed domain"
req GET /v1/suppressions/fine@example.com
body_is .suppressed false "check: not suppressed"
req GET /v1/suppressions/not-an-address
expect_code 400 "check: not an address"
req PUT /v1/suppressions/new@example.com
expect_code 401 "PUT without a token"
[ "$(jq -r .error <<<"$BODY")" != null ] || fail "401 is JSON"
req PUT /v1/suppressions/new@example.com -H 'Authorization: Bearer wrong'
expect_code 401 "PUT with a wrong token"
req PUT /v1/suppressions/new@example.com -u "esp:s3cret-token"
expect_code 200 "PUT with the token as Basic password"
req PUT /v1/suppressions/new2@example.com "${AUTH[@]}" --data '{"reason":"rejected","note":"by hand","expires":"30d"}'
expect_code 200 "PUT with a body"
req GET /v1/suppressions/new2@example.com
body_is '[.suppressed, .reason, (.expires != null)] | @tsv' "true	rejected	true" "PUT then GET"
req PUT /v1/suppressions/new3@example.com "${AUTH[@]}" --data '{"reason":'
expect_code 400 "PUT with bad JSON"
req DELETE /v1/suppressions/new2@example.com "${AUTH[@]}"
expect_code 200 "DELETE"
req DELETE /v1/suppressions/new2@example.com "${AUTH[@]}"
expect_code 404 "DELETE what is not suppressed"
req GET "/v1/suppressions?limit=2"
expect_code 200 "list"
body_is '[(.entries | length), .next_offset] | @tsv' "2	2" "list: first page"
req GET "/v1/suppressions?limit=2&offset=2"
body_is '.entries | length' 1 "list: second page"
req GET "/v1/suppressions?domain=example.com&limit=10"
body_is '[.entries[].email] | sort | join(",")' "gone@example.com,new@example.com" "list: by domain"
req GET "/v1/suppressions?limit=0"
expect_code 400 "list: bad limit"

# --- events and webhooks
req POST /v1/events "${AUTH[@]}" --data-binary $'{"recipient":"hard@example.org","reason":"userunknown","hardbounce":true,"permanence":"permanent","status":"5.1.1","token":"t1"}\nnot json\n{"recipient":"soft@example.org","reason":"mailboxfull","permanence":"transient","token":"t2"}'
expect_code 200 "events as JSON Lines"
body_is '[.ingested, .malformed, .changes.suppressed, .changes.counted] | @tsv' "2	1	1	1" "events: counts"
body_is '.errors[0].item' 2 "events: the malformed line"
req POST /v1/events "${AUTH[@]}" --data '[{"recipient":"hard@example.org","reason":"userunknown","hardbounce":true,"token":"t1"},{"recipient":"x@example.org","feedbacktype":"abuse","reason":"feedback","token":"t3"}]'
expect_code 200 "events as an array"
body_is '[.changes.duplicate, .changes.suppressed] | @tsv' "1	1" "events: duplicate and complaint"
req POST /v1/events --data '[]'
expect_code 401 "events without a token"
req POST /v1/events "${AUTH[@]}" --data 'nothing here'
expect_code 400 "events: nothing readable"
req POST /v1/webhooks/sendgrid "${AUTH[@]}" --data-binary @"$SRC/tests/data/webhooks/sendgrid-01-events.json"
expect_code 200 "webhook sendgrid"
body_is '.ingested > 0' true "webhook: records ingested"
req POST /v1/webhooks/ses "${AUTH[@]}" --data-binary @"$SRC/tests/data/webhooks/ses-01-bounce.json"
expect_code 200 "webhook ses"
body_is '.changes.suppressed >= 1' true "webhook ses: suppressed"
req POST /v1/webhooks/ses "${AUTH[@]}" --data-binary @"$SRC/tests/data/webhooks/ses-05-subscribe.json"
expect_code 200 "webhook ses: subscription confirmation"
body_is '[.records, (.subscribe_url | startswith("https://"))] | @tsv' "0	true" "webhook ses: SubscribeURL given"
grep -q "SNS subscription for" "$SERVE_LOG" || fail "webhook ses: the SubscribeURL is logged"
req POST /v1/webhooks/nosuch "${AUTH[@]}" --data '{}'
expect_code 404 "webhook: unknown provider"
req POST /v1/webhooks/sendgrid "${AUTH[@]}" --data '{"not":'
expect_code 400 "webhook: malformed"
req GET /v1/stats
expect_code 200 stats
body_is '.suppressed >= 5' true "stats: suppressed"

# --- limits, unknown paths
head -c 70000 /dev/zero | tr '\0' x >"$TMP/big"
req POST /v1/classify --data-binary @"$TMP/big"
expect_code 413 "body over --max-body"
body_is '.error | test("larger")' true "413 is JSON"
req POST /v1/classify --data-binary @"$TMP/big" -H 'Transfer-Encoding: chunked'
expect_code 413 "chunked body over --max-body"
req GET /nowhere
expect_code 404 "unknown path"
body_is .error "no such endpoint" "404 is JSON"
head -c 70000 /dev/zero | tr '\0' y >"$TMP/bighdr"
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(cat "$TMP/bighdr")" "$HTTP/healthz")
case "$CODE" in 413 | 431) ;; *) fail "oversized header: HTTP $CODE, want 413 or 431" ;; esac

# a client that goes away mid-body, and one that sends a byte at a time
python3 - "${HTTP#http://}" <<'PY' || fail "HTTP: vanished and slow clients"
import socket, sys, time
h, p = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((h, int(p)))
s.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n550 5.1.1")
s.close()
s = socket.create_connection((h, int(p)), timeout=10)
for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n":
    s.send(bytes([b]))
    time.sleep(0.005)
answer = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
sys.exit(0 if answer.startswith(b"HTTP/1.1 200") else 1)
PY
req GET /healthz
expect_code 200 "healthz after vanished and slow clients"

# --- the reference
req GET /codes/
expect_code 200 "codes index"
grep -q "SMTP reply codes" <<<"$BODY" || fail "codes index content"
req GET /codes/550.html
expect_code 200 "codes page"
grep -q "<h1>" <<<"$BODY" || fail "codes page content"
req GET /codes/style.css
expect_code 200 "codes stylesheet"
"$BK" site -q "$TMP/site"
for page in index.html 550.html x-7-26.html style.css; do
    curl -s -o "$TMP/served" "$HTTP/codes/$page"
    cmp -s "$TMP/served" "$TMP/site/$page" || fail "/codes/$page differs from 'bouncekit site'"
done
req GET /codes/nope.html
expect_code 404 "codes: unknown page"
CODE=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$HTTP/codes")
[ "$CODE" = "301 $HTTP/codes/" ] || fail "/codes redirects: $CODE"

# --- the socketmap
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com fine@example.com a@dead.example example.com '' 2>&1)
want=$'OK REJECT 5.1.1 <gone@example.com>: recipient suppressed (userunknown, manual)\nNOTFOUND \nOK REJECT 5.1.2 <a@dead.example>: recipient suppressed (domain manual, manual)\nNOTFOUND \nNOTFOUND '
[ "$OUT" = "$want" ] || fail "socketmap answers: $OUT"
OUT=$(python3 "$CLIENT" socketmap "$SMAP" virtual a@b.example)
grep -q "^PERM " <<<"$OUT" || fail "socketmap: unknown map is PERM: $OUT"
OUT=$(python3 "$CLIENT" slow "$SMAP" suppressed gone@example.com)
grep -q "^OK REJECT" <<<"$OUT" || fail "socketmap: a byte at a time: $OUT"
# an invalid netstring closes the connection; the server goes on
OUT=$(python3 "$CLIENT" raw "$SMAP" "$(printf '01x:abc,' | od -An -tx1 | tr -d ' \n')")
[ "$(tail -n1 <<<"$OUT")" = closed ] || fail "invalid netstring: connection not closed: $OUT"
OUT=$(python3 "$CLIENT" raw "$SMAP" "$(printf '99999999:' | od -An -tx1 | tr -d ' \n')")
[ "$(tail -n1 <<<"$OUT")" = closed ] || fail "huge netstring length: connection not closed: $OUT"
# a client that goes away in the middle of a request
python3 -c 'import socket,sys; h,p=sys.argv[1].rsplit(":",1); s=socket.create_connection((h,int(p))); s.sendall(b"30:suppressed gone"); s.close()' "$SMAP"
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com)
grep -q "^OK REJECT" <<<"$OUT" || fail "socketmap after a vanished client: $OUT"

# a write is seen by every lookup that follows its answer, at once: the
# socketmap's and the HTTP API's handles share one lookup snapshot, and a
# write's answer goes out after the snapshot is marked behind it
OUT=$(python3 "$CLIENT" flips "$SMAP" "${HTTP#http://}" s3cret-token 50 2>&1)
[ "$OUT" = "50 flips" ] || fail "write then lookups: $OUT"

# --- policy delegation
OUT=$(python3 "$CLIENT" policy "$POL" gone@example.com fine@example.com x@dead.example)
want=$'action=REJECT 5.1.1 <gone@example.com>: recipient suppressed (userunknown, manual)\naction=DUNNO\naction=REJECT 5.1.2 <x@dead.example>: recipient suppressed (domain manual, manual)'
[ "$OUT" = "$want" ] || fail "policy answers: $OUT"
OUT=$(python3 "$CLIENT" raw "$POL" "$(printf 'no equals sign\n\n' | od -An -tx1 | tr -d ' \n')")
[ "$(tail -n1 <<<"$OUT")" = closed ] || fail "malformed policy request: connection not closed"
OUT=$(python3 "$CLIENT" policy "$POL" gone@example.com)
grep -q "^action=REJECT" <<<"$OUT" || fail "policy after a malformed request: $OUT"

# --- metrics (after the above, so the counters have values)
req GET /metrics
expect_code 200 metrics
bad=$(grep -vE '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+)$' <<<"$BODY")
[ -z "$bad" ] || fail "metrics: lines not in the Prometheus text format: $bad"
grep -q '^bouncekit_http_requests_total{endpoint="healthz",status="200"} 3$' <<<"$BODY" || fail "metrics: healthz requests"
grep -q '^bouncekit_http_requests_total{endpoint="suppression",status="401"} 2$' <<<"$BODY" || fail "metrics: 401s"
grep -qE '^bouncekit_lookups_total\{via="socketmap"\} [1-9]' <<<"$BODY" || fail "metrics: socketmap lookups"
grep -qE '^bouncekit_suppressed_answers_total\{via="policy"\} [1-9]' <<<"$BODY" || fail "metrics: policy suppressed"
grep -qE '^bouncekit_uptime_seconds [0-9.]+$' <<<"$BODY" || fail "metrics: uptime"
stop_serve

# --- the configuration file: addresses, token, actions; no token: writes are off
cat >"$TMP/serve.conf" <<CONF
db = $DB
serve.listen = 127.0.0.1:0
serve.policy-action = DEFER_IF_PERMIT
serve.map-action = HOLD
CONF
start_serve --config "$TMP/serve.conf" || finish
OUT=$(python3 "$CLIENT" policy "$POL" gone@example.com)
[ "$OUT" = "action=DEFER_IF_PERMIT 4.1.1 <gone@example.com>: recipient suppressed (userunknown, manual)" ] || fail "policy-action from the configuration: $OUT"
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com)
grep -q "^OK HOLD <gone@example.com>" <<<"$OUT" || fail "map-action from the configuration: $OUT"
req PUT /v1/suppressions/a@example.com "${AUTH[@]}"
expect_code 403 "no token configured: writes are off"
stop_serve
echo "serve.frobnicate = 1" >>"$TMP/serve.conf"
run serve --config "$TMP/serve.conf"
expect_rc 1 "unknown serve key"
expect_err "unknown key 'serve.frobnicate'" "unknown serve key: message"
run serve --db "$DB" --policy-action SMILE
expect_rc 2 "bad --policy-action"
run serve --db "$TMP/no/such/dir/list.db" --listen 127.0.0.1:0
expect_rc 1 "a store that cannot open"

# --- the store away: a damaged file answers TEMP / DEFER / 503 at once, and
# lookups work again when the file is back (handles are reopened)
DB2="$TMP/away.db"
"$BK" suppress add --db "$DB2" gone@example.com >/dev/null
start_serve --db "$DB2" || finish
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com)
grep -q "^OK REJECT" <<<"$OUT" || fail "before the damage: $OUT"
cp "$DB2" "$TMP/away.saved"
head -c "$(stat -c %s "$DB2")" /dev/urandom | dd of="$DB2" conv=notrunc status=none
start=$(date +%s%N)
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com fine@example.com)
grep -q "^TEMP suppression list unavailable" <<<"$OUT" || fail "store away: socketmap TEMP: $OUT"
OUT=$(python3 "$CLIENT" policy "$POL" gone@example.com)
grep -q "^action=DEFER_IF_PERMIT 4.3.0 suppression list unavailable" <<<"$OUT" || fail "store away: policy DEFER: $OUT"
req GET /v1/suppressions/gone@example.com
expect_code 503 "store away: HTTP lookup"
req GET /healthz
expect_code 503 "store away: healthz"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 3000 ] || fail "store away: the answers took $ms ms"
dd if="$TMP/away.saved" of="$DB2" conv=notrunc status=none
OUT=$(python3 "$CLIENT" socketmap "$SMAP" suppressed gone@example.com)
grep -q "^OK REJECT" <<<"$OUT" || fail "store back: socketmap recovers: $OUT"
req GET /healthz
expect_code 200 "store back: healthz"
req GET /metrics
grep -qE '^bouncekit_store_errors_total [1-9]' <<<"$BODY" || fail "metrics: store errors counted"
stop_serve
finish
