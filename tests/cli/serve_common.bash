# serve_common.bash - helpers for the tests of bouncekit serve (sourced after
# common.bash): start a server on free loopback ports, HTTP requests with curl,
# and the Postfix protocols through serve_client.py.
CLIENT="$(dirname "${BASH_SOURCE[0]}")/serve_client.py"
SERVE_PIDS=()
trap 'for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start_serve ARGS... - start serve on free ports (port 0) with ARGS; sets
# SPID, HTTP (http://HOST:PORT), SMAP and POL (HOST:PORT) from what it prints;
# waits up to 120 s: a sanitizer build may first compile the rule database
start_serve() {
    local log="$TMP/serve.$RANDOM.log"
    : >"$log"
    "$BK" serve --listen 127.0.0.1:0 --socketmap 127.0.0.1:0 --policy 127.0.0.1:0 "$@" 2>"$log" &
    SPID=$!
    SERVE_PIDS+=("$SPID")
    for _ in $(seq 1 1200); do
        grep -q "ready" "$log" && break
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "ready" "$log" || { fail "serve did not start: $(cat "$log")"; return 1; }
    HTTP="http://$(awk '/HTTP API on/ {print $NF}' "$log")"
    SMAP=$(awk '/socketmap on/ {print $NF}' "$log")
    POL=$(awk '/policy on/ {print $NF}' "$log")
    SERVE_LOG=$log
}

# stop_serve - SIGTERM and wait; the exit status must be 0
stop_serve() {
    kill -TERM "$SPID"
    wait "$SPID"
    local rc=$?
    [ "$rc" -eq 0 ] || fail "serve exited $rc on SIGTERM: $(cat "$SERVE_LOG")"
}

# req METHOD PATH [CURL ARGS...] - an HTTP request; CODE status, BODY body
req() {
    local m=$1 p=$2
    shift 2
    CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$m" "$@" "$HTTP$p")
    BODY=$(cat "$TMP/body")
}

# expect_code N WHAT - the last request answered N
expect_code() { [ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, want $1 ($BODY)"; }

# body_is FILTER WANT WHAT - jq FILTER on the last body gives WANT
body_is() {
    local got
    got=$(jq -r "$1" <<<"$BODY" 2>&1)
    [ "$got" = "$2" ] || fail "$3: jq '$1' gave '$got', want '$2' (body: ${BODY:0:300})"
}
