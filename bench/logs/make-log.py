#!/usr/bin/env python3
"""make-log.py - write a large Postfix log for the logs benchmark.

    bench/logs/make-log.py OUT [--bytes N] [--seed S] [--fixture PATH]

Replays tests/data/logs/postfix-real.log (genuine Postfix output) as a
template: its host name, line shapes (pickup, cleanup, qmgr, smtp, local,
bounce, the warnings) and replies are kept; queue ids, recipients, senders,
relays, replies and time stamps are made fresh. The mix: mostly status=sent,
some deferred then sent, bounced with varied real-looking replies, expired,
NOQUEUE rejects from smtpd, and lines of other programs (connect,
disconnect, anvil, dovecot, cron). Time stamps rise monotonically over five
days from Dec 06. Streams in constant memory; Python 3 standard library only.
"""
import argparse
import heapq
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "tests", "data", "logs", "postfix-real.log")
SPAN = 5 * 86400
START = 339 * 86400 + 8 * 3600  # Dec 06 08:00 (day of year of a non-leap year)
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

FIRST = ("alice bob carol dave erin frank grace heidi ivan judy kim leo mallory nina oscar peggy "
         "quinn rupert sybil trent uma victor walter xena yann zoe anna ben chloe dan eva finn "
         "gina hugo iris jack kate liam mia noah olga paul rosa sam tina ugo vera will").split()
WORDS = ("acme north south blue red green alpha omega nova terra prime delta bright river stone "
         "cloud metro urban rapid smart solid global pixel vector orbit quantum swift cedar maple "
         "harbor summit valley falcon tiger lotus iron silver golden").split()
TLDS = "com net org de fr co.uk io nl it es".split()

# providers: (domains, relay hosts [name, addr]); weights follow real mailing lists
PROVIDERS = [
    (["gmail.com", "googlemail.com"], [("gmail-smtp-in.l.google.com", "142.250.102.27"),
                                       ("alt1.gmail-smtp-in.l.google.com", "142.251.9.27"),
                                       ("alt2.gmail-smtp-in.l.google.com", "74.125.200.27")], 30),
    (["outlook.com", "hotmail.com", "live.com", "msn.com"],
     [("hotmail-com.olc.protection.outlook.com", "52.101.68.29"),
      ("outlook-com.olc.protection.outlook.com", "52.101.42.1")], 18),
    (["yahoo.com", "yahoo.fr", "ymail.com", "aol.com"],
     [("mta6.am0.yahoodns.net", "67.195.204.72"), ("mta7.am0.yahoodns.net", "98.136.96.75")], 10),
    (["icloud.com", "me.com", "mac.com"], [("mx01.mail.icloud.com", "17.57.155.34"),
                                           ("mx02.mail.icloud.com", "17.42.251.62")], 5),
    (["gmx.de", "gmx.net", "web.de"], [("mx00.emig.gmx.net", "212.227.15.9"),
                                       ("mx01.emig.gmx.net", "212.227.17.5")], 4),
    (["orange.fr", "wanadoo.fr"], [("smtp-in.orange.fr", "193.252.22.40")], 2),
    (["comcast.net"], [("mx1.comcast.net", "96.114.157.80")], 2),
]

# replies of failures: (dsn, text); {r} recipient, {h} relay host, {a} its address,
# {g} a per-message id, {t} a time stamp, {d} the recipient domain
BOUNCES = {
    "gmail": [
        ("5.1.1", "host {h}[{a}] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser {g} - gsmtp (in reply to RCPT TO command)"),
        ("5.7.26", "host {h}[{a}] said: 550-5.7.26 Your email has been blocked because the sender is unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. 550 5.7.26  https://support.google.com/mail/answer/81126#authentication {g} - gsmtp (in reply to end of DATA command)"),
        ("5.2.1", "host {h}[{a}] said: 550-5.2.1 The email account that you tried to reach is inactive. For more 550-5.2.1 information, go to 550 5.2.1  https://support.google.com/mail/?p=DisabledUser {g} - gsmtp (in reply to RCPT TO command)"),
    ],
    "microsoft": [
        ("5.5.0", "host {h}[{a}] said: 550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM4PEPF00027A5F.eurprd04.prod.outlook.com {t}] (in reply to RCPT TO command)"),
        ("5.7.1", "host {h}[{a}] said: 550 5.7.1 Unfortunately, messages from [203.0.113.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DB5PEPF00014B8E.eurprd02.prod.outlook.com {t}] (in reply to MAIL FROM command)"),
        ("5.4.1", "host {h}[{a}] said: 550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [BN1PEPF00004680.namprd05.prod.outlook.com {t}] (in reply to RCPT TO command)"),
    ],
    "yahoo": [
        ("5.0.0", "host {h}[{a}] said: 554 delivery error: dd This user doesn't have a {d} account ({r}) [0] - mta4012.mail.bf1.yahoo.com (in reply to end of DATA command)"),
        ("5.0.0", "host {h}[{a}] said: 554 delivery error: dd Sorry your message to {r} cannot be delivered. This mailbox is disabled (554.30). - mta4107.mail.gq1.yahoo.com (in reply to end of DATA command)"),
    ],
    "other": [
        ("5.1.1", "host {h}[{a}] said: 550 5.1.1 <{r}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"),
        ("5.1.1", "host {h}[{a}] said: 550 5.1.1 <{r}>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)"),
        ("5.1.1", "host {h}[{a}] said: 550 5.1.1 User unknown (in reply to RCPT TO command)"),
        ("5.2.2", "host {h}[{a}] said: 552 5.2.2 <{r}>: Mailbox full, quota exceeded (in reply to RCPT TO command)"),
        ("5.7.1", "host {h}[{a}] said: 554 5.7.1 Message rejected as spam (in reply to end of DATA command)"),
        ("5.7.1", "host {h}[{a}] said: 550 5.7.1 Service unavailable; client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25 (in reply to RCPT TO command)"),
        ("5.4.4", "Host or domain name not found. Name service error for name={d} type=A: Host not found"),
        ("5.0.0", "host {h}[{a}] said: 550 Requested action not taken: mailbox unavailable (in reply to RCPT TO command)"),
    ],
}
DEFERS = {
    "gmail": [("4.7.28", "host {h}[{a}] said: 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. 421 4.7.28  https://support.google.com/mail/answer/81126 {g} - gsmtp (in reply to end of DATA command)"),
              ("4.2.2", "host {h}[{a}] said: 452-4.2.2 The recipient's inbox is out of storage space. Please direct the 452-4.2.2 recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {g} - gsmtp (in reply to RCPT TO command)")],
    "microsoft": [("4.7.650", "host {h}[{a}] said: 451 4.7.650 The mail server [203.0.113.25] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=11B9C2D3E4F5A6B7] [VI1EUR04FT055.eop-eur04.prod.protection.outlook.com {t}] (in reply to MAIL FROM command)")],
    "yahoo": [("4.7.0", "host {h}[{a}] said: 421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)")],
    "other": [("4.4.1", "connect to {h}[{a}]:25: Connection timed out"),
              ("4.2.2", "host {h}[{a}] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)"),
              ("4.4.2", "lost connection with {h}[{a}] while sending RCPT TO"),
              ("4.7.1", "host {h}[{a}] said: 450 4.7.1 <{r}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{d}.html (in reply to RCPT TO command)")],
}
REJECTS = [
    "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}",
    "450 4.7.1 <{r}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{d}.html",
    "550 5.1.1 <{r}>: Recipient address rejected: User unknown in local recipient table",
    "454 4.7.1 <{r}>: Relay access denied",
    "450 4.1.8 <{s}>: Sender address rejected: Domain not found",
]


def fixture_template(path):
    """the host name and the bounce daemon's warning lines of the fixture"""
    host, warnings = "mta", []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\w{3} +\d+ \d\d:\d\d:\d\d (\S+) (postfix/\w+)\[\d+\]: (.*)$", line.rstrip("\n"))
            if not m:
                continue
            host = m.group(1)
            if m.group(2) == "postfix/bounce" and m.group(3).startswith("warning: "):
                if m.group(3) not in warnings:
                    warnings.append(m.group(3))
    return host, warnings


class Clock:
    """syslog time stamps that follow the bytes written (monotonic)"""

    def __init__(self, total):
        self.total = total
        self.sec = -1
        self.text = ""

    def at(self, written):
        t = START + int(SPAN * written / self.total)
        if t != self.sec:
            self.sec = t
            day, rest = divmod(t, 86400)
            m = 0
            while day >= MONTH_DAYS[m % 12]:
                day -= MONTH_DAYS[m % 12]
                m += 1
            self.text = "%s %02d %02d:%02d:%02d" % (MONTHS[m % 12], day + 1, rest // 3600,
                                                  rest // 60 % 60, rest % 60)
        return self.text


def main():
    ap = argparse.ArgumentParser(description="write a large Postfix log for the logs benchmark")
    ap.add_argument("out")
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--fixture", default=FIXTURE)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    rand = rnd.random
    rint = rnd.randrange
    host, warnings = fixture_template(a.fixture)

    # domains: the providers', then many company domains with their own MX or a provider's
    domains = []  # (domain, provider key, relay hosts)
    keys = ["gmail", "microsoft", "yahoo", "other", "other", "other", "other"]
    for (names, relays, weight), key in zip(PROVIDERS, keys):
        for _ in range(weight):
            for n in names:
                domains.append((n, key, relays))
    company = []
    for i in range(6000):
        d = "%s%s%s.%s" % (WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)],
                           "" if i < len(WORDS) ** 2 else str(i), TLDS[i % len(TLDS)])
        r = i % 10
        if r < 3:  # Google Workspace
            company.append((d, "gmail", [("aspmx.l.google.com", "142.250.153.26"),
                                          ("alt1.aspmx.l.google.com", "142.250.150.27")]))
        elif r < 6:  # Microsoft 365
            mx = d.replace(".", "-") + ".mail.protection.outlook.com"
            company.append((d, "microsoft", [(mx, "52.101.%d.%d" % (i % 250, i // 250 % 250))]))
        else:
            company.append((d, "other", [("mx%d.%s" % (i % 2 + 1, d), "198.51.%d.%d" % (i % 250, i // 250 % 250 + 1))]))
    pool = domains * 4 + company  # about 40 % provider mail, 60 % company mail
    senders = ["%s@%s" % (w, d) for d in ("news.shop.example", "mail.shop.example", "corp.example")
               for w in ("newsletter", "noreply", "billing", "support", "alerts", "offers", "hello", "team")]
    senders += ["%s.%s@corp.example" % (f, w) for f in FIRST[:20] for w in WORDS[:10]]
    bad_senders = ["list-import@promo.example", "blast@promo.example"]

    def rcpt_of():
        d = pool[rint(len(pool))]
        return "%s.%s%d@%s" % (FIRST[rint(len(FIRST))], WORDS[rint(len(WORDS))], rint(100000), d[0]), d

    qctr = [rint(1 << 40)]

    def qid():
        qctr[0] += 1
        return "%011X" % ((qctr[0] * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFF)

    def gid():
        return "%x%x.%d" % (rint(1 << 48), rint(1 << 32), rint(1000))

    out = open(a.out, "w", encoding="utf-8", buffering=1 << 20)
    clock = Clock(a.bytes)
    written = 0
    buf = []
    blen = 0
    pending = []  # (due time, qid, sender, size, nrcpt, rcpt, domain tuple, tries, fate)
    pid = {"smtp": 23694, "smtpd": 24100, "qmgr": 23682, "cleanup": 23689, "pickup": 23681,
           "local": 23720, "bounce": 23716, "anvil": 23999}
    msg_n = 0
    t0 = time.time()

    def emit(prog, text):
        nonlocal blen
        line = "%s %s %s[%d]: %s\n" % (clock.text, host, prog, pid.get(prog[8:], 1), text)
        buf.append(line)
        blen += len(line)

    def fmt(s, rcpt, dom, relay):
        if "{" not in s:
            return s
        return s.format(r=rcpt, h=relay[0], a=relay[1], d=dom[0], g=gid(),
                        t="2026-12-%sT%s.%03dZ" % (clock.text[4:6], clock.text[7:], rint(1000)))

    def delivery(q, rcpt, dom, relay, status, dsn, text, delay):
        emit("postfix/smtp", "%s: to=<%s>, relay=%s[%s]:25, delay=%s, delays=%s/0.01/%s/%s, dsn=%s, status=%s (%s)"
             % (q, rcpt, relay[0], relay[1], delay, delay, "0.%02d" % rint(100), "0.%02d" % rint(100), dsn,
                status, text))

    def notify(q, sender):
        n = qid()
        emit("postfix/cleanup", "%s: message-id=<%s@%s>" % (n, n, host))
        emit("postfix/qmgr", "%s: from=<>, size=%d, nrcpt=1 (queue active)" % (n, 2400 + rint(1500)))
        emit("postfix/bounce", "%s: sender non-delivery notification: %s" % (q, n))
        emit("postfix/local", "%s: to=<%s>, relay=local, delay=0.0%d, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)"
             % (n, sender, rint(10)))
        emit("postfix/qmgr", "%s: removed" % n)

    def retry(p):
        """a deferred message's next attempt"""
        due, q, sender, size, rcpt, dom, tries, fate = p
        relay = dom[2][rint(len(dom[2]))]
        emit("postfix/qmgr", "%s: from=<%s>, size=%d, nrcpt=1 (queue active)" % (q, sender, size))
        dsn, text = DEFERS[dom[1]][0] if fate == "expire" else DEFERS["other"][rint(4)]
        if fate == "expire" and tries >= 5:
            delivery(q, rcpt, dom, relay, "deferred", dsn, fmt(text, rcpt, dom, relay), 3600 * tries)
            emit("postfix/qmgr", "%s: from=<%s>, status=expired, returned to sender" % (q, sender))
            notify(q, sender)
            emit("postfix/qmgr", "%s: removed" % q)
            return None
        if fate == "sent" and tries >= 2:
            delivery(q, rcpt, dom, relay, "sent", "2.0.0", "250 2.0.0 OK  %d %s - gsmtp" % (rint(1 << 31), gid())
                     if dom[1] == "gmail" else "250 2.0.0 Ok: queued as %X" % rint(1 << 32), 600 * tries)
            emit("postfix/qmgr", "%s: removed" % q)
            return None
        delivery(q, rcpt, dom, relay, "deferred", dsn, fmt(text, rcpt, dom, relay), 600 * tries)
        return (clock.sec + 600 + rint(1800), q, sender, size, rcpt, dom, tries + 1, fate)

    while written < a.bytes:
        clock.at(written + blen)
        msg_n += 1
        # retries that are due
        while pending and pending[0][0] <= clock.sec:
            p = retry(heapq.heappop(pending))
            if p:
                heapq.heappush(pending, p)
        x = rand()
        if x < 0.03:  # a rejected submission
            ip = "203.0.%d.%d" % (rint(256), rint(256))
            rcpt, dom = rcpt_of()
            s = senders[rint(len(senders))]
            emit("postfix/smtpd", "connect from unknown[%s]" % ip)
            emit("postfix/smtpd", "NOQUEUE: reject: RCPT from unknown[%s]: %s; from=<%s> to=<%s> proto=ESMTP helo=<[%s]>"
                 % (ip, REJECTS[rint(len(REJECTS))].format(ip=ip, r=rcpt, d=dom[0], s=s), s, rcpt, ip))
            emit("postfix/smtpd", "disconnect from unknown[%s] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" % ip)
        else:
            q = qid()
            sender = bad_senders[rint(2)] if rand() < 0.02 else senders[rint(len(senders))]
            size = 1500 + rint(60000)
            y = rand()
            nrcpt = 1 if y < 0.75 else 2 if y < 0.93 else 3 + rint(3)
            if rand() < 0.5:
                ip = "10.1.%d.%d" % (rint(4), rint(250))
                emit("postfix/smtpd", "connect from app%d.corp.example[%s]" % (rint(40), ip))
                emit("postfix/smtpd", "%s: client=app%d.corp.example[%s]" % (q, rint(40), ip))
                smtpd = ip
            else:
                emit("postfix/pickup", "%s: uid=1001 from=<%s>" % (q, sender))
                smtpd = None
            emit("postfix/cleanup", "%s: message-id=<%s.%s@%s>" % (q, clock.text.replace(" ", "").replace(":", ""), q, host))
            emit("postfix/qmgr", "%s: from=<%s>, size=%d, nrcpt=%d (queue active)" % (q, sender, size, nrcpt))
            if smtpd:
                emit("postfix/smtpd", "disconnect from app.corp.example[%s] ehlo=1 mail=1 rcpt=%d data=1 quit=1 commands=%d"
                     % (smtpd, nrcpt, nrcpt + 4))
            bounced = later = False
            for _ in range(nrcpt):
                rcpt, dom = rcpt_of()
                relay = dom[2][rint(len(dom[2]))]
                z = rand()
                if sender in bad_senders:
                    z = z * 0.2
                if z < 0.035:  # bounced
                    dsn, text = BOUNCES[dom[1]][rint(len(BOUNCES[dom[1]]))] if rand() < 0.7 else \
                        BOUNCES["other"][rint(len(BOUNCES["other"]))]
                    if dsn == "5.4.4":
                        emit("postfix/smtp", "%s: to=<%s>, relay=none, delay=0.%d, delays=0.01/0/0.1/0, dsn=5.4.4, status=bounced (%s)"
                             % (q, rcpt, rint(100), fmt(text, rcpt, dom, relay)))
                    else:
                        delivery(q, rcpt, dom, relay, "bounced", dsn, fmt(text, rcpt, dom, relay), "0.%d" % rint(100))
                    bounced = True
                elif z < 0.065 and nrcpt == 1:  # deferred, then sent or expired later
                    dsn, text = DEFERS[dom[1]][rint(len(DEFERS[dom[1]]))]
                    delivery(q, rcpt, dom, relay, "deferred", dsn, fmt(text, rcpt, dom, relay), "%d.%d" % (rint(5), rint(10)))
                    fate = "expire" if rand() < 0.1 else "sent"
                    heapq.heappush(pending, (clock.sec + 300 + rint(900), q, sender, size, rcpt, dom, 1, fate))
                    later = True
                else:
                    text = ("250 2.0.0 OK  %d %s - gsmtp" % (rint(1 << 31), gid()) if dom[1] == "gmail" else
                            "250 2.0.0 Ok: queued as %X" % rint(1 << 32) if dom[1] == "other" else
                            "250 2.6.0 <%s.%s@%s> [InternalId=%d, Hostname=%s] Queued mail for delivery"
                            % (clock.text.replace(" ", ""), q, host, rint(1 << 40), relay[0]) if dom[1] == "microsoft" else
                            "250 ok dirdel")
                    delivery(q, rcpt, dom, relay, "sent", "2.0.0", text, "%d.%d" % (rint(3), rint(100)))
            if bounced:
                notify(q, sender)
            if not later:
                emit("postfix/qmgr", "%s: removed" % q)
        # other programs now and then
        if msg_n % 997 == 0:
            emit("postfix/anvil", "statistics: max connection rate 12/60s for (smtp:203.0.113.9) at %s" % clock.text)
            emit("postfix/anvil", "statistics: max connection count 3 for (smtp:203.0.113.9) at %s" % clock.text)
        if msg_n % 211 == 0:
            buf.append("%s %s dovecot: imap-login: Login: user=<%s>, method=PLAIN, rip=10.1.0.%d, lip=10.0.0.1, mpid=%d, TLS, session=<%x>\n"
                       % (clock.text, host, senders[rint(len(senders))], rint(250), rint(60000), rint(1 << 48)))
        if msg_n % 5003 == 0:
            for w in warnings:
                emit("postfix/bounce", w)
            buf.append("%s %s CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n"
                       % (clock.text, host, rint(30000)))
        if len(buf) >= 4096:
            chunk = "".join(buf)
            out.write(chunk)
            written += len(chunk)
            buf.clear()
            blen = 0
    out.write("".join(buf))
    out.close()
    size = os.path.getsize(a.out)
    print("make-log: %s: %.1f MB, %d messages, %.1f s" % (a.out, size / 1e6, msg_n, time.time() - t0),
          file=sys.stderr)


if __name__ == "__main__":
    main()
