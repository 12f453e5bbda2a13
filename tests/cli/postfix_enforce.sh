# postfix_enforce.sh - bouncekit serve enforcing the suppression list in REAL
# Postfix (Debian's package): postmap -q through the socketmap answers right,
# and a private Postfix instance (its own configuration, queue and data
# directories under a temporary directory, smtpd on loopback ports) refuses
# a suppressed recipient in a real SMTP session while accepting the others:
# once with check_recipient_access socketmap:...:suppressed, once with
# check_policy_service. Accepted mail goes to Postfix's discard transport.
# Needs root (postfix start) and the postfix package (tools/deps.sh --test);
# skips (77) without them. Postfix and serve are stopped at the end, also on
# failure.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/serve_common.bash"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to start Postfix"; exit 77; }
export PATH="$PATH:/usr/sbin:/sbin"
for t in postfix postmap postconf python3 jq; do
    command -v $t >/dev/null || { echo "SKIP: no $t (tools/deps.sh --test installs it)"; exit 77; }
done
id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null ||
    { echo "SKIP: the postfix user or postdrop group is missing"; exit 77; }
unset BOUNCEKIT_CONFIG
export XDG_DATA_HOME="$TMP/xdg" XDG_CONFIG_HOME="$TMP/cfg"
chmod 755 "$TMP"
PF="$TMP/pf"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"

stop_postfix() {
    [ -f "$PF/etc/main.cf" ] || return 0
    if postfix -c "$PF/etc" status >/dev/null 2>&1; then
        postfix -c "$PF/etc" stop >/dev/null 2>&1
        for _ in $(seq 1 50); do postfix -c "$PF/etc" status >/dev/null 2>&1 || break; sleep 0.1; done
    fi
    [ -n "${REAPER:-}" ] && wait "$REAPER" 2>/dev/null
    return 0
}
trap 'stop_postfix; for p in "${SERVE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

DB="$TMP/list.db"
"$BK" suppress add --db "$DB" --reason userunknown gone@example.com >/dev/null
"$BK" suppress add --db "$DB" @dead.example >/dev/null
# a quoted local part: Postfix looks up its external form in tables and
# sends its internal form (no quotes) to a policy server
"$BK" suppress add --db "$DB" '"front desk"@example.com' >/dev/null
start_serve --db "$DB" || finish

# --- a private Postfix instance with two smtpd services
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_MAP=$(free_port)
P_POL=$(free_port)
cat >"$PF/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bouncekit.test
mydomain = bouncekit.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
default_transport = discard
relay_transport = discard
maillog_file = $PF/postfix.log
maillog_file_prefixes = $PF
syslog_name = postfix-bktest
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
CF
cat >"$PF/etc/master.cf" <<CF
127.0.0.1:$P_MAP inet n - n - - smtpd
  -o { smtpd_recipient_restrictions = check_recipient_access socketmap:inet:$SMAP:suppressed, permit_mynetworks, reject_unauth_destination }
127.0.0.1:$P_POL inet n - n - - smtpd
  -o { smtpd_recipient_restrictions = check_policy_service inet:$POL, permit_mynetworks, reject_unauth_destination }
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
postfix -c "$PF/etc" check >"$TMP/pfcheck" 2>&1 || { fail "postfix check: $(cat "$TMP/pfcheck")"; finish; }
# --- postmap -q through the socketmap, with the private configuration (a
# fresh machine's Postfix package may have none in /etc/postfix); stderr is
# kept apart, so that a fatal error is not taken for "not found"
OUT=$(postmap -c "$PF/etc" -q gone@example.com "socketmap:inet:$SMAP:suppressed" 2>"$TMP/pmerr")
RC=$?
[ "$RC" -eq 0 ] && grep -q "^REJECT 5.1.1 <gone@example.com>: recipient suppressed (userunknown" <<<"$OUT" ||
    fail "postmap -q of a suppressed address: rc $RC, '$OUT' $(cat "$TMP/pmerr")"
OUT=$(postmap -c "$PF/etc" -q x@dead.example "socketmap:inet:$SMAP:suppressed" 2>"$TMP/pmerr")
grep -q "^REJECT 5.1.2 <x@dead.example>" <<<"$OUT" ||
    fail "postmap -q in a suppressed domain: '$OUT' $(cat "$TMP/pmerr")"
postmap -c "$PF/etc" -q fine@example.com "socketmap:inet:$SMAP:suppressed" >/dev/null 2>"$TMP/pmerr"
RC=$?
[ "$RC" -eq 1 ] && [ ! -s "$TMP/pmerr" ] ||
    fail "postmap -q of a free address: rc $RC, want 1 (not found) and no error: $(cat "$TMP/pmerr")"

# "postfix start" leaves the master without a parent; where PID 1 does not reap
# orphans, postfix-start.py (a child subreaper) reaps every Postfix process
rm -f "$TMP/started"
python3 "$SRC/tools/fixtures/postfix-start.py" "$TMP/started" -c "$PF/etc" &
REAPER=$!
for _ in $(seq 1 100); do [ -s "$TMP/started" ] && break; sleep 0.1; done
[ "$(cat "$TMP/started" 2>/dev/null)" = 0 ] || { fail "postfix start failed: $(tail -5 "$PF/postfix.log" 2>/dev/null)"; finish; }
for port in $P_MAP $P_POL; do
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1).close()" 2>/dev/null && break
        sleep 0.1
    done
done

# session PORT - one SMTP session sending one message to five recipients;
# prints each refused recipient with its reply, then "accepted N"
session() {
    python3 - "$1" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("client.bouncekit.test")
rcpts = ["gone@example.com", "ok@example.com", "x@dead.example", "other@example.net",
         '"front desk"@example.com']
try:
    refused = s.sendmail("sender@bouncekit.test", rcpts,
                         "From: sender@bouncekit.test\r\nSubject: test\r\n\r\nhello\r\n")
except smtplib.SMTPRecipientsRefused as e:
    refused = e.recipients
for r in sorted(refused):
    code, msg = refused[r]
    print("refused %s %d %s" % (r, code, msg.decode()))
print("accepted %d" % (len(rcpts) - len(refused)))
s.quit()
PY
}

OUT=$(session "$P_MAP" 2>&1)
grep -qE '^refused gone@example.com 5[0-9][0-9] 5\.1\.1 .*recipient suppressed \(userunknown' <<<"$OUT" ||
    fail "socketmap smtpd: the suppressed recipient is not refused: $OUT"
grep -qE '^refused x@dead.example 5[0-9][0-9] 5\.1\.2 ' <<<"$OUT" || fail "socketmap smtpd: suppressed domain: $OUT"
grep -qE '^refused "front desk"@example.com 5[0-9][0-9] 5\.1\.1 ' <<<"$OUT" || fail "socketmap smtpd: a quoted local part: $OUT"
grep -q '^accepted 2$' <<<"$OUT" || fail "socketmap smtpd: the others are not accepted: $OUT"

OUT=$(session "$P_POL" 2>&1)
grep -qE '^refused gone@example.com 5[0-9][0-9] 5\.1\.1 .*recipient suppressed \(userunknown' <<<"$OUT" ||
    fail "policy smtpd: the suppressed recipient is not refused: $OUT"
grep -qE '^refused x@dead.example 5[0-9][0-9] 5\.1\.2 ' <<<"$OUT" || fail "policy smtpd: suppressed domain: $OUT"
grep -qE '^refused "front desk"@example.com 5[0-9][0-9] 5\.1\.1 ' <<<"$OUT" || fail "policy smtpd: a quoted local part: $OUT"
grep -q '^accepted 2$' <<<"$OUT" || fail "policy smtpd: the others are not accepted: $OUT"

# a suppression added through the API takes effect in Postfix at once
"$BK" suppress add --db "$DB" ok@example.com >/dev/null
sleep 0.05
OUT=$(session "$P_MAP" 2>&1)
grep -q '^refused ok@example.com 5' <<<"$OUT" || fail "a new suppression is enforced: $OUT"

# the store away: serve stopped -> Postfix defers (4xx), never accepts
stop_serve
OUT=$(session "$P_POL" 2>&1)
grep -qE '^refused gone@example.com 4[0-9][0-9] ' <<<"$OUT" || fail "policy server away: want a 4xx: $OUT"
stop_postfix
REAPER=
postfix -c "$PF/etc" status >/dev/null 2>&1 && fail "postfix still running"
finish
