# logs_prefix.sh - bouncekit logs on line prefixes and times: stamps without
# a zone read in the local time zone (TZ), a classic syslog file merged with
# an RFC 3339 one, RFC 5424 and Solaris prefixes, Sendmail's sm-* titles,
# and the warning for a file none of whose lines the reader knows.
source "$(dirname "$0")/common.bash"
DATA="$SRC/tests/data/logs"
export BOUNCEKIT_CACHE_DIR="$TMP/cache"

# the zones by name, or as POSIX rules where tzdata is missing
BERLIN=Europe/Berlin NEW_YORK=America/New_York
[ -f /usr/share/zoneinfo/Europe/Berlin ] || BERLIN="CET-1CEST,M3.5.0,M10.5.0/3"
[ -f /usr/share/zoneinfo/America/New_York ] || NEW_YORK="EST5EDT,M3.2.0,M11.1.0"

# in_zone ZONE ARGS... - run bouncekit with TZ=ZONE
in_zone() {
    local zone=$1
    shift
    TZ=$zone run "$@"
}

# syslog stamps are the server's wall clock: shifted by the zone's offset then
# (summer time in June, winter time in December)
FIRST='[.[] | .recipient + " " + .first] | join(",")'
in_zone UTC logs --events --year 2026 "$DATA/prefix-solaris.log"
jq_is -s "$FIRST" "dee@example.com 2026-06-27T11:12:13Z,fox@example.com 2026-06-27T11:13:03Z,eli@example.net 2026-06-27T11:12:13Z" "UTC: times as written"
in_zone "$BERLIN" logs --events --year 2026 "$DATA/prefix-solaris.log"
jq_is -s "$FIRST" "dee@example.com 2026-06-27T09:12:13Z,fox@example.com 2026-06-27T09:13:03Z,eli@example.net 2026-06-27T09:12:13Z" "Berlin: CEST, 2 hours before UTC"
in_zone "$NEW_YORK" logs --events --year 2026 "$DATA/prefix-sm-titles.log"
jq_is -s "$FIRST" "gus@example.net 2026-12-06T14:00:05Z,hal@example.com 2026-12-06T14:01:02Z,ivy@example.net 2026-12-06T14:15:01Z" "New York: EST, 5 hours after UTC"
# Exim's stamps without a zone likewise; with one, kept
printf '2026-12-06 12:20:36 1xbC0b-0000Jk-2Q <= news@example.org H=localhost [127.0.0.1] P=esmtp S=1520\n2026-12-06 12:20:37 1xbC0b-0000Jk-2Q => ann@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.10] C="250 OK"\n' > "$TMP/exim.log"
in_zone "$BERLIN" logs --events "$TMP/exim.log"
jq_is -s '.[0].last' 2026-12-06T11:20:37Z "Berlin: Exim's stamp without a zone"
sed 's/^\(.\{19\}\)/\1 +0000/' "$TMP/exim.log" > "$TMP/exim-zoned.log"
in_zone "$BERLIN" logs --events "$TMP/exim-zoned.log"
jq_is -s '.[0].last' 2026-12-06T12:20:37Z "Berlin: Exim's stamp with log_timezone keeps its zone"
# an RFC 5424 line's zone is its own
in_zone "$NEW_YORK" logs --events --year 2026 "$DATA/prefix-rfc5424.log"
jq_is -s '[.[0].first, .[0].lhost] | @tsv' "2026-05-07T23:17:04Z	mx.example.org" "RFC 5424: the stamp's zone, the host"

# a rotated classic syslog file and the newer RFC 3339 one (Debian 12's
# rsyslog) merge in time order: the deferral first, then the delivery
# half an hour later; read as UTC, the older lines would come an hour late
write_pair() { # ZONE_OFFSET WALL_HOUR_OLD WALL_HOUR_NEW
    printf 'Dec  6 %s:20:00 mta postfix/qmgr[900]: 4A1B2C3D4E: from=<news@example.org>, size=1520, nrcpt=1 (queue active)\n' "$2" > "$TMP/mail.log.1"
    printf 'Dec  6 %s:20:01 mta postfix/smtp[922]: 4A1B2C3D4E: to=<kim@example.net>, relay=mx.example.net[192.0.2.20]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=4.2.2, status=deferred (host mx.example.net[192.0.2.20] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n' "$2" >> "$TMP/mail.log.1"
    printf '2026-12-06T%s:50:01.102030%s mta postfix/smtp[930]: 4A1B2C3D4E: to=<kim@example.net>, relay=mx.example.net[192.0.2.20]:25, delay=1800, delays=1799/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D)\n' "$3" "$1" > "$TMP/mail.log"
    printf '2026-12-06T%s:50:01.202030%s mta postfix/qmgr[900]: 4A1B2C3D4E: removed\n' "$3" "$1" >> "$TMP/mail.log"
}
MERGED='[.[] | [.recipient, .outcome, (.attempts|tostring), .first, .last] | join(" ")] | join(",")'
write_pair +01:00 12 12
for order in old-first new-first; do
    files=("$TMP/mail.log.1" "$TMP/mail.log")
    [ $order = new-first ] && files=("$TMP/mail.log" "$TMP/mail.log.1")
    in_zone "$BERLIN" logs --events --year 2026 "${files[@]}"
    expect_rc 0 "Berlin merge ($order)"
    jq_is -s "$MERGED" "kim@example.net delivered 2 2026-12-06T11:20:01Z 2026-12-06T11:50:01Z" "Berlin: merged in time order ($order)"
done
in_zone UTC logs --events --year 2026 "$TMP/mail.log.1" "$TMP/mail.log"
jq_is -s '[.[].outcome] | join(",")' delivered,deferred "UTC: the same files in another order (TZ is read)"
write_pair -05:00 07 07
in_zone "$NEW_YORK" logs --events --year 2026 "$TMP/mail.log.1" "$TMP/mail.log"
jq_is -s "$MERGED" "kim@example.net delivered 2 2026-12-06T12:20:01Z 2026-12-06T12:50:01Z" "New York: merged in time order"

# with no --year, a syslog stamp later than now is of the year before (last
# December's log read in January); one of some days ago is of this year
stamp_line() { # DAYS_FROM_NOW RECIPIENT
    local when
    when=$(TZ=UTC date -d "$1 days" '+%b %e %H:%M:%S')
    printf '%s mta postfix/smtp[922]: 5B2C3D4E5F: to=<%s>, relay=mx.example.net[192.0.2.20]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n' "$when" "$2"
}
{ stamp_line +40 ahead@example.net; stamp_line -3 past@example.net; } > "$TMP/no-year.log"
YEAR_OF='[.[] | .recipient + " " + .first[0:4]] | join(",")'
this=$(TZ=UTC date +%Y)
ahead=$(TZ=UTC date -d '+40 days' +%Y)
past=$(TZ=UTC date -d '-3 days' +%Y)
in_zone UTC logs --events "$TMP/no-year.log"
jq_is -s "$YEAR_OF" "ahead@example.net $((ahead - 1)),past@example.net $past" "no --year: a date still to come is last year's"
sed "s/^2026-12-06/$(TZ=UTC date -d '-10 days' +%F)/" "$TMP/exim.log" > "$TMP/exim-recent.log"
in_zone UTC logs --events "$TMP/no-year.log" "$TMP/exim-recent.log"
jq_is -s '[.[] | .recipient] | join(",")' "ahead@example.net,ann@example.com,past@example.net" "no --year: merged by the year read"
in_zone UTC logs --events --year "$this" "$TMP/no-year.log"
jq_is -s "$YEAR_OF" "ahead@example.net $this,past@example.net $this" "--year: every stamp of that year"

# a file none of whose lines the reader knows: named, with its count and first line
{
    printf '2013 Jun 16 16:05:06.123 gds39d postfix/smtpd[4242]: connect from client.example.net[192.0.2.50]\n'
    printf '2013 Jun 16 16:05:07.001 gds39d postfix/smtpd[4242]: disconnect from client.example.net[192.0.2.50]\n'
    printf '\n\x01\xff "quoted" \\ line\n'
} > "$TMP/odd-prefix.log"
run logs --events "$TMP/odd-prefix.log"
expect_rc 1 "no line of any input known"
expect_err "$TMP/odd-prefix.log: none of its 4 lines has a time stamp and prefix this reader knows (syslog, RFC 3339, RFC 5424, Exim's main log) (first: \"2013 Jun 16 16:05:06.123 gds39d postfix/smtpd[4242]: connect fro...\")" "the warning"
run logs --events --year 2026 "$TMP/odd-prefix.log" "$DATA/prefix-solaris.log"
expect_rc 0 "another input was read"
expect_err "odd-prefix.log: none of its 4 lines" "the warning beside a good input"
[ "$(jq -r .recipient <<<"$OUT" | wc -l)" -eq 3 ] || fail "the good input's outcomes"
grep -q prefix-solaris <<<"$ERR" && fail "a good input named in a warning"
run logs --json --year 2026 "$DATA/prefix-solaris.log" "$TMP/odd-prefix.log"
expect_rc 0 "--json: another input was read"
printf '\x01\xff "q" \\\n' | "$BK" logs --json - >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "standard input of unknown lines: exit status"
grep -qF 'standard input: none of its 1 line has a time stamp and prefix this reader knows' "$TMP/err" &&
    grep -qF '(first: "\x01\xff \"q\" \\")' "$TMP/err" ||
    fail "standard input: the warning escapes its bytes: $(cat "$TMP/err")"
: > "$TMP/empty.log"
run logs --events "$TMP/empty.log"
expect_rc 0 "an empty file"
[ -z "$ERR" ] || fail "an empty file: no warning, got: $ERR"
# a quiet server's log: Postfix lines, none of a delivery: named, but no failure
{
    printf 'Dec  6 09:00:00 mx postfix/smtpd[100]: connect from unknown[192.0.2.1]\n'
    printf 'Dec  6 09:00:01 mx postfix/smtpd[100]: disconnect from unknown[192.0.2.1] ehlo=1 quit=1 commands=2\n'
} > "$TMP/quiet.log"
run logs --json --year 2026 "$TMP/quiet.log"
expect_rc 0 "a log of connections only is no failure"
expect_err "quiet.log: none of its 2 lines tells of a delivery by Postfix, Exim, Sendmail, KumoMTA or PowerMTA" "a log of connections only: named"
jq_is '.input | [.other, .unprefixed] | @tsv' "2	0" "connections are other lines, in a known form"
run logs --json "$TMP/odd-prefix.log"
jq_is '.input | [.other, .unprefixed] | @tsv' "4	4" "lines in no known form counted"
run logs --help
expect_out "none" "--help says when the exit status is 1"

finish
