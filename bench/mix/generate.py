#!/usr/bin/env python3
"""generate.py - build the input mix for the bouncekit classifier benchmark.

Writes replies.txt next to this script: distinct SMTP reply / diagnostic
texts, one per line, in the shapes a busy sender's MTA sees in a day
(Postfix log texts, DSN Diagnostic-Code values, Exim, Sendmail, qmail and
Exchange wrappers around replies from big providers, filters and generic
servers, plus local connection/DNS/TLS errors and some success lines).
A reply that spans several lines has its line breaks written as the two
characters backslash and n.

All templates are written for this script; every address, host name and
id is synthetic (example.* domains, documentation IP ranges), and the
weights roughly follow real traffic: unknown users, full mailboxes,
deferrals and blocks dominate. Standard library only; the fixed seed
makes the output identical on every run.

Usage: python3 generate.py [COUNT]   (default 3000 distinct lines)
"""

import os
import random
import sys

SEED = 0xB0C7
TARGET = 3000
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "replies.txt")

R = random.Random(SEED)

# --------------------------------------------------------------------------
# small random building blocks
# --------------------------------------------------------------------------

LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
HEXU = "0123456789ABCDEF"
HEXL = "0123456789abcdef"
ALNUM = LOWER + DIGITS
B52 = "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789"


def pick(seq):
    return seq[R.randrange(len(seq))]


def rs(alphabet, n):
    return "".join(alphabet[R.randrange(len(alphabet))] for _ in range(n))


def chance(p):
    return R.random() < p


def weighted(pairs):
    total = sum(w for w, _ in pairs)
    x = R.random() * total
    for w, v in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][1]


FIRST = ("jane", "john", "maria", "ahmed", "li", "wei", "yuki", "hiroshi", "anna",
         "peter", "sofia", "lucas", "emma", "noah", "olivia", "liam", "mia",
         "ethan", "chloe", "david", "sara", "omar", "fatima", "ivan", "olga",
         "pierre", "camille", "hans", "greta", "marco", "giulia", "carlos",
         "lucia", "raj", "priya", "kenji", "sakura", "min", "jisoo", "tom",
         "kate", "alex", "sam", "chris", "pat", "robin", "kim", "lee", "nina",
         "oscar", "paula", "quinn", "rita", "steve", "tara", "uma", "victor")
LAST = ("smith", "jones", "garcia", "muller", "rossi", "dubois", "tanaka",
        "suzuki", "sato", "kim", "park", "chen", "wang", "nguyen", "ivanova",
        "petrov", "kowalski", "novak", "silva", "santos", "brown", "taylor",
        "wilson", "martin", "lopez", "schmidt", "fischer", "weber", "moreau",
        "laurent", "bianchi", "ferrari", "khan", "patel", "singh", "ali",
        "cohen", "larsen", "hansen", "berg", "okafor", "mensah", "yamamoto")
ROLES = ("info", "sales", "support", "billing", "admin", "office", "contact",
         "hello", "accounts", "hr", "orders", "team", "marketing", "jobs",
         "press", "webmaster", "help", "noc", "finance", "reception")
WORDS = ("mail", "shop", "news", "corp", "eu", "us", "asia", "students",
         "staff", "dept", "lab", "cloud", "store", "media", "health", "law",
         "city", "school", "travel", "bank", "club", "dev", "art", "farm")
TLDS = ("com", "com", "com", "com", "net", "net", "org", "org", "co.uk", "de",
        "fr", "jp", "co.jp", "ne.jp", "com.au", "ca", "it", "es", "nl", "ru",
        "com.br", "in", "edu", "io", "info", "biz", "ch", "se", "pl")


def local_part():
    f, l = pick(FIRST), pick(LAST)
    return weighted([
        (3, f),
        (6, f + "." + l),
        (3, f[0] + l),
        (2, f + "_" + l),
        (3, f + str(R.randint(1, 99))),
        (2, f + l + str(R.randint(70, 2005))),
        (1, l + "." + f),
        (1, f + "-" + l),
        (3, pick(ROLES)),
        (1, pick(ROLES) + "-" + pick(("uk", "de", "us", "jp", "fr", "emea"))),
        (1, f + "." + l + "+" + pick(("news", "shop", "lists", "promo"))),
        (1, rs(LOWER, R.randint(5, 9)) + str(R.randint(1, 9999))),
    ])


def domain():
    tld = pick(TLDS)
    if chance(0.5):
        return "example." + tld
    return pick(WORDS) + ".example." + tld


def address(dom=None):
    return local_part() + "@" + (dom or domain())


def doc_ip():
    net = pick(("192.0.2", "198.51.100", "203.0.113"))
    return "%s.%d" % (net, R.randint(1, 254))


def doc_ip6():
    return "2001:db8:%x:%x::%x" % (R.randint(0, 0xffff), R.randint(0, 0xff),
                                  R.randint(1, 0xfff))


def generic_mx(dom):
    return weighted([
        (4, "mx." + dom), (3, "mx1." + dom), (2, "mx2." + dom),
        (2, "mail." + dom), (1, "smtp." + dom), (1, "inbound." + dom),
        (1, "mx%02d.%s" % (R.randint(1, 12), dom)),
        (1, "mail%d.%s" % (R.randint(1, 4), dom)), (1, "mta-in.%s" % dom),
        (1, "filter%d.%s" % (R.randint(1, 3), dom)), (1, dom),
    ])


def postfix_qid():
    if chance(0.7):
        return rs(HEXU, R.choice((10, 11, 12)))
    return rs(B52, R.choice((11, 12, 13, 14)))


def exim_id():
    if chance(0.6):
        return "%s-%s-%s" % (rs(ALNUM + LOWER.upper(), 6), rs(ALNUM + LOWER.upper(), 6),
                             rs(ALNUM + LOWER.upper(), 2))
    return "%s-%s-%s" % (rs(ALNUM + LOWER.upper(), 6), rs(ALNUM + LOWER.upper(), 11),
                         rs(ALNUM + LOWER.upper(), 4))


def sendmail_id():
    return "%s%s%s" % (R.randint(1, 9), rs(LOWER.upper() + LOWER + DIGITS, 7),
                       "%06d" % R.randint(0, 999999))


def gsmtp_id():
    core = "%s%ssi%d%s.%d" % (rs(LOWER, 1), rs(ALNUM, R.randint(2, 9)),
                              R.randint(1000000, 99999999), rs(LOWER, 3),
                              R.randint(1, 499))
    if chance(0.6):
        core = rs(HEXL, 13) + "-" + core
    return core


def msg_id(dom=None):
    dom = dom or domain()
    return weighted([
        (3, "<%s.%s@%s>" % (rs(HEXL, 16), rs(HEXL, 8), dom)),
        (2, "<%s@%s>" % (rs(ALNUM, 24), dom)),
        (2, "<%08X.%d@%s>" % (R.getrandbits(32), R.randint(1000, 99999), dom)),
        (1, "<0100%s-%s-%s-%s-%s-000000@email.example.net>" % (
            rs(HEXL, 12), rs(HEXL, 8), rs(HEXL, 4), rs(HEXL, 4), rs(HEXL, 12))),
    ])


def ms_server():
    if chance(0.5):
        reg = pick(("nam", "eur", "apc", "jpn", "gbr", "aus", "ind"))
        return "%s%d%s%02dFT%03d.eop-%s%02d.prod.protection.outlook.com" % (
            pick(("BN", "DM", "CO", "SN", "BY", "MW", "CH", "SA", "AM", "DB", "HE",
                  "VI", "SG", "TY", "LO", "SY")),
            R.randint(1, 9), reg.upper(), R.randint(2, 12), R.randint(1, 199), reg,
            R.randint(2, 12))
    reg = pick(("namprd", "eurprd", "apcprd", "jpnprd", "gbrprd", "ausprd"))
    return "%s%dPEPF%08X.%s%02d.prod.outlook.com" % (
        pick(("BN", "DM", "CO", "SN", "BL", "MW", "CH", "SA", "AM", "DU", "PA", "FR")),
        R.randint(1, 9), R.getrandbits(32), reg, R.randint(1, 22))


def ms_stamp():
    return "%s %04d-%02d-%02dT%02d:%02d:%02d.%03dZ 08DC%s" % (
        ms_server(), R.choice((2023, 2024, 2025)), R.randint(1, 12), R.randint(1, 28),
        R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999),
        rs(HEXU, 12))


def ms_tag():
    return "[%s]" % (ms_stamp() if chance(0.6) else ms_server())


def yahoo_mta():
    return "mta%d.mail.%s.yahoo.com" % (R.randint(1000, 4999),
                                        pick(("gq1", "bf1", "bf2", "ne1", "ir2", "sg3")))


def ml(code, esc, parts):
    """A multi-line reply: all lines but the last use CODE-."""
    out = []
    for i, p in enumerate(parts):
        sep = " " if i == len(parts) - 1 else "-"
        out.append(code + sep + (esc + " " if esc else "") + p if p else code + sep + (esc or ""))
    return out


# --------------------------------------------------------------------------
# context: one delivery attempt
# --------------------------------------------------------------------------

class Ctx:
    def __init__(self):
        self.rdom = domain()
        self.rcpt = address(self.rdom)
        self.sdom = pick(("mail", "news", "em", "bounce", "mailer", "notify", "mg",
                          "send", "e")) + "." + domain()
        self.sender = weighted([
            (3, "bounce-%d@%s" % (R.randint(1, 999999), self.sdom)),
            (2, "noreply@%s" % self.sdom),
            (2, "%s@%s" % (rs(HEXL, 16), self.sdom)),
            (2, address(self.sdom)),
            (1, "bounces+%d-%s-%s=%s@%s" % (R.randint(100, 99999), rs(HEXL, 4),
                                           self.rcpt.split("@")[0], self.rdom, self.sdom)),
        ])
        self.cip = doc_ip() if chance(0.93) else doc_ip6()   # our sending address
        self.mx = generic_mx(self.rdom)
        self.mxip = doc_ip()
        self.size = R.randint(2000, 9000000)


class Reply:
    """A remote SMTP reply: list of lines, SMTP stage, optional fixed MX."""

    def __init__(self, lines, stage="rcpt", mx=None, mxs=None):
        if isinstance(lines, str):
            lines = [lines]
        self.lines = lines
        self.stage = stage
        self.mx = mx if mx else (pick(mxs) if mxs else None)


def staged(entries, default):
    """Pick from (weight, text[, stages]) entries; stages default to DEFAULT."""
    e = weighted([(x[0], x) for x in entries])
    return Reply(e[1], stage=pick(e[2] if len(e) > 2 else default))


class Final(str):
    """Already the full diagnostic text; no wrapper applies."""


# --------------------------------------------------------------------------
# wrappers: how MTAs print a remote reply
# --------------------------------------------------------------------------

PF_CMD = {"mail": "MAIL FROM command", "rcpt": "RCPT TO command",
          "data": "end of DATA command", "data0": "DATA command"}


def joined(rep):
    return " ".join(rep.lines)


def w_postfix(c, rep):
    host = "%s[%s]" % (rep.mx or c.mx, c.mxip)
    if rep.stage in ("connect", "helo"):
        s = "host %s refused to talk to me: %s" % (host, joined(rep))
    else:
        s = "host %s said: %s (in reply to %s)" % (host, joined(rep), PF_CMD[rep.stage])
    if rep.lines[0][0] == "4" and chance(0.15):
        s = "delivery temporarily suspended: " + s
    return s


def w_dsn(c, rep):
    pre = weighted([(6, "smtp; "), (2, "smtp;"), (2, "SMTP; "), (1, "X-Postfix; ")])
    if pre == "X-Postfix; ":
        return pre + w_postfix(c, rep)
    if len(rep.lines) > 1 and chance(0.3):
        return pre + "\n".join(rep.lines)
    return pre + joined(rep)


def exim_after(c, rep):
    return {"connect": "initial connection",
            "helo": "EHLO %s" % pick(("mta1", "out", "smtp-out", "o1")) + "." + c.sdom,
            "mail": "MAIL FROM:<%s> SIZE=%d" % (c.sender, c.size),
            "rcpt": "RCPT TO:<%s>" % c.rcpt,
            "data": "end of data",
            "data0": "pipelined DATA"}[rep.stage]


def w_exim(c, rep):
    host = "%s [%s]" % (rep.mx or c.mx, c.mxip)
    after = exim_after(c, rep)
    form = R.randrange(4)
    if form == 0:
        return "SMTP error from remote mail server after %s: %s" % (after, joined(rep))
    if form == 1:
        return "SMTP error from remote mail server after %s: host %s: %s" % (after, host, joined(rep))
    if form == 2:
        return "host %s\nSMTP error from remote mail server after %s:\n%s" % (
            host, after, "\n".join(rep.lines))
    return "H=%s: SMTP error from remote mail server after %s: %s" % (host, after, joined(rep))


def w_sendmail(c, rep):
    cmd = {"connect": None, "helo": "EHLO out.%s" % c.sdom,
           "mail": "MAIL From:<%s> SIZE=%d" % (c.sender, c.size),
           "rcpt": "RCPT To:<%s>" % c.rcpt, "data": ".", "data0": "DATA"}[rep.stage]
    out = ["... while talking to %s.:" % (rep.mx or c.mx)]
    if cmd:
        out.append(">>> " + cmd)
    out += ["<<< " + l for l in rep.lines]
    out.append(rep.lines[-1])
    return "\n".join(out)


def w_qmail(c, rep):
    ip = c.mxip
    what = {"connect": "Connected to %s but greeting failed." % ip,
            "helo": "Connected to %s but my name was rejected." % ip,
            "mail": "Connected to %s but sender was rejected." % ip,
            "rcpt": "%s does not like recipient." % ip,
            "data": "%s failed after I sent the message." % ip,
            "data0": "%s failed on DATA command." % ip}[rep.stage]
    s = "<%s>:\n%s\nRemote host said: %s" % (c.rcpt, what, joined(rep))
    if rep.lines[-1][0] == "5":
        s += "\nGiving up on %s." % ip
    return s


def w_exchange(c, rep):
    if chance(0.5):
        return "Remote Server returned '%s'" % joined(rep)
    code = rep.lines[-1][:3]
    parts = rep.lines[-1].split(" ")
    esc = parts[1] if len(parts) > 1 and parts[1][:1] in "245" and "." in parts[1] else (
        "5.0.0" if code[0] == "5" else "4.0.0")
    return "#%s smtp;%s ##" % (esc, joined(rep))


def w_gmail_dsn(c, rep):
    return "The response from the remote server was:\n" + "\n".join(rep.lines)


def w_raw(c, rep):
    if len(rep.lines) > 1 and chance(0.5):
        return "\n".join(rep.lines)
    return joined(rep)


WRAPPERS = [(33, w_postfix), (25, w_dsn), (15, w_raw), (11, w_exim), (6, w_sendmail),
            (3, w_qmail), (3, w_exchange), (4, w_gmail_dsn)]


def render(c, rep):
    if isinstance(rep, Final):
        return str(rep)
    return weighted(WRAPPERS)(c, rep)


# --------------------------------------------------------------------------
# provider host lists
# --------------------------------------------------------------------------

GMAIL_MX = ["gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com",
            "alt2.gmail-smtp-in.l.google.com", "alt3.gmail-smtp-in.l.google.com",
            "alt4.gmail-smtp-in.l.google.com", "aspmx.l.google.com",
            "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com",
            "aspmx2.googlemail.com", "aspmx3.googlemail.com"]
YAHOO_MX = ["mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net", "mta7.am0.yahoodns.net"]
AOL_MX = ["mx-aol.mail.gm0.yahoodns.net"]
ICLOUD_MX = ["mx01.mail.icloud.com", "mx02.mail.icloud.com"]
COMCAST_MX = ["mx1h1.comcast.net", "mx2h1.comcast.net", "mx1c1.comcast.net"]
COX_MX = ["cxr.mx.a.cloudfilter.net", "cxr.mx.b.cloudfilter.net"]
SPECTRUM_MX = ["charter.net.mx.a.cloudfilter.net", "charter.net.mx.b.cloudfilter.net"]
GMX_MX = ["mx00.gmx.net", "mx01.gmx.net", "mx00.emig.gmx.net", "mx01.emig.gmx.net"]
WEBDE_MX = ["mx-ha02.web.de", "mx-ha03.web.de"]
MAILRU_MX = ["mxs.mail.ru"]
YANDEX_MX = ["mx.yandex.ru", "mx.yandex.net"]
QQ_MX = ["mx1.qq.com", "mx2.qq.com", "mx3.qq.com", "mxbiz1.qq.com", "mxbiz2.qq.com"]
ZOHO_MX = ["mx.zoho.com", "mx2.zoho.com", "mx3.zoho.com", "mx.zoho.eu"]
ORANGE_MX = ["smtp-in.orange.fr", "mx-in.orange.fr"]
DOCOMO_MX = ["mfsmax.docomo.ne.jp"]
KDDI_MX = ["lsean.ezweb.ne.jp", "mx.au.com"]
SOFTBANK_MX = ["mx.softbank.ne.jp", "mx.i.softbank.jp"]


def ms_mx(c):
    if chance(0.35):
        return pick(("hotmail-com.olc.protection.outlook.com",
                     "outlook-com.olc.protection.outlook.com",
                     "live-com.olc.protection.outlook.com"))
    return c.rdom.replace(".", "-") + ".mail.protection.outlook.com"


def pphosted(c):
    return "mx0%s-%08d.pphosted.com" % (pick("ab"), R.randint(100000, 99999999))


def mimecast_mx():
    return "%s-smtp-inbound-%d.mimecast.com" % (pick(("us", "eu", "uk", "de", "au", "za")),
                                                R.randint(1, 2))


def barracuda_mx():
    return "%s.ess.barracudanetworks.com" % (rs(ALNUM, 9) + pick("ab"))


def iphmx():
    return "mx%d.hc%d-%d.iphmx.com" % (R.randint(1, 2), R.randint(100, 9999),
                                       R.randint(10, 99))


def trend_mx():
    return pick(("in.hes.trendmicro.com", "in.hes.trendmicro.eu",
                 "in.hes.trendmicro.co.jp"))


def mimecast_ref():
    return "[%s.%s]" % (rs(LOWER + LOWER.upper() + DIGITS + "_-", 22),
                        pick(("us%d" % R.randint(1, 550), "eu%d" % R.randint(1, 300),
                              "uk%d" % R.randint(1, 9), "de%d" % R.randint(1, 9))))


# --------------------------------------------------------------------------
# reply templates, grouped by what happened.
# each takes a Ctx and returns a Reply (remote text) or a Final (whole text).
# --------------------------------------------------------------------------

# --- recipient does not exist -----------------------------------------------

def uu_postfix(c):
    table = pick(("virtual mailbox table", "local recipient table", "relay recipient table",
                  "virtual alias table"))
    return Reply("550 5.1.1 <%s>: Recipient address rejected: User unknown in %s" % (c.rcpt, table))


def uu_postfix_verify(c):
    return Reply("550 5.1.1 <%s>: Recipient address rejected: undeliverable address: "
                 "host %s[%s] said: 550 5.1.1 <%s>: %s (in reply to RCPT TO command)" % (
                     c.rcpt, "mailstore%d.%s" % (R.randint(1, 4), c.rdom), doc_ip(), c.rcpt,
                     pick(("Recipient address rejected: User unknown", "user unknown",
                           "Mailbox does not exist"))))


def uu_sendmail(c):
    return Reply(pick(("550 5.1.1 <%s>... User unknown", "550 5.1.1 <%s>... User Unknown",
                       "553 5.1.1 <%s>... No such user", "550 5.1.1 <%s>... Unknown recipient",
                       "550 5.1.1 <%s>... user does not exist here")) % c.rcpt)


def uu_exim(c):
    return Reply(pick(("550 Unrouteable address", "550 No Such User Here",
                       "550 5.1.1 <%s>: Recipient address rejected" % c.rcpt,
                       "550-Verification failed for <%s>" % c.rcpt,
                       "550 No such recipient here",
                       "550 <%s>: unknown user" % c.rcpt,
                       "550 5.1.1 %s: no such user here" % c.rcpt)))


def uu_generic(c):
    t = weighted([
        (3, "550 5.1.1 Mailbox does not exist"),
        (3, "550 5.1.1 User unknown"),
        (2, "550 Requested action not taken: mailbox unavailable"),
        (2, "550 5.1.1 <%s>: Recipient address rejected: Mailbox not found" % c.rcpt),
        (2, "550 5.1.1 <%s> recipient rejected" % c.rcpt),
        (2, "550 5.1.1 Recipient <%s> does not exist" % c.rcpt),
        (1, "550 5.1.1 %s... Invalid recipient" % c.rcpt),
        (1, "550 5.1.1 The recipient address <%s> is not a valid address here" % c.rcpt),
        (1, "550 5.1.1 Unknown recipient address <%s>" % c.rcpt),
        (1, "551 5.1.1 User not local; no such account on this system"),
        (1, "550 5.1.6 recipient no longer on server: %s" % c.rcpt),
        (1, "550 5.1.1 unknown or illegal alias: %s" % c.rcpt),
        (1, "550 5.1.1 <%s>: Account does not exist" % c.rcpt),
        (1, "550 5.1.1 %s: Email address could not be found, or was misspelled" % c.rcpt),
        (1, "550 #5.1.0 Address rejected %s" % c.rcpt),
        (1, "550 5.2.1 <%s>: mailbox unavailable (no such user)" % c.rcpt),
        (1, "550 5.1.1 No such user - psmtp"),
        (1, "550 User %s does not exist" % c.rcpt),
        (1, "550 5.1.1 <%s>... no valid recipients" % c.rcpt),
        (1, "553 5.3.0 <%s>... Addressee unknown" % c.rcpt),
    ])
    return Reply(t)


def uu_local_postfix(c):
    lp = c.rcpt.split("@")[0]
    return Final(weighted([
        (3, 'unknown user: "%s"' % lp),
        (1, 'X-Postfix; unknown user: "%s"' % lp),
        (1, "delivery via local: unknown user: \"%s\"" % lp),
    ]))


def uu_qmail(c):
    return Final(weighted([
        (3, "<%s>:\nSorry, no mailbox here by that name. (#5.1.1)" % c.rcpt),
        (2, "<%s>:\n%s does not like recipient.\nRemote host said: 511 sorry, no mailbox here "
            "by that name (#5.1.1 - chkuser)\nGiving up on %s." % (c.rcpt, c.mxip, c.mxip)),
        (1, "Sorry, no mailbox here by that name. vpopmail (#5.1.1) [%s]" % c.rcpt),
    ]))


def uu_gmail(c):
    return Reply(ml("550", "5.1.1", [
        "The email account that you tried to reach does not exist. Please try",
        "double-checking the recipient's email address for typos or",
        "unnecessary spaces. For more information, go to",
        " https://support.google.com/mail/?p=NoSuchUser %s - gsmtp" % gsmtp_id()]),
        mxs=GMAIL_MX)


def uu_ms(c):
    t = weighted([
        (4, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient %s not found by SMTP "
            "address lookup" % c.rcpt),
        (2, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) %s" % ms_tag()),
        (2, "550 5.4.1 Recipient address rejected: Access denied. For more information see "
            "https://aka.ms/EXOSmtpErrors %s" % ms_tag()),
        (1, "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found"),
        (1, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
        (2, "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). %s"
            % ms_tag()),
    ])
    return Reply(t, mx=ms_mx(c))


def uu_ms_local(c):
    return Final(weighted([
        (2, "#550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient %s not found by SMTP "
            "address lookup ##" % c.rcpt),
        (1, "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
            "found by SMTP address lookup'"),
        (1, "smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
    ]))


def uu_yahoo(c):
    if chance(0.5):
        return Reply("554 delivery error: dd This user doesn't have a %s account (%s) [0] - %s"
                     % (pick(("yahoo.com", "aol.com", "ymail.com")), c.rcpt, yahoo_mta()),
                     stage="data", mxs=YAHOO_MX + AOL_MX)
    return Reply(pick(("552 1 Requested mail action aborted, mailbox not found",
                       "550 5.1.1 <%s>: Recipient address rejected: mailbox unavailable" % c.rcpt)),
                 mxs=YAHOO_MX + AOL_MX)


def uu_icloud(c):
    return Reply(pick(("550 5.1.1 <%s>: user does not exist",
                       "550 5.1.1 unknown or illegal alias: %s",
                       "550 5.1.1 <%s>: inactive email address")) % c.rcpt, mxs=ICLOUD_MX)


def uu_comcast(c):
    return Reply("550 5.1.1 <%s> Not our Customer" % c.rcpt, mxs=COMCAST_MX)


def uu_cox(c):
    return Reply("550 5.1.1 <%s> recipient rejected. IB%d" % (c.rcpt, R.choice((508, 506, 501))),
                 mxs=COX_MX)


def uu_gmx(c):
    return Reply(pick(("550 Requested action not taken: mailbox unavailable",
                       "550 5.1.1 Mailbox %s unavailable" % c.rcpt,
                       "550 <%s>: Mailbox not found" % c.rcpt)), mxs=GMX_MX + WEBDE_MX)


def uu_mailru(c):
    return Reply("550 Message was not accepted -- invalid mailbox.  Local mailbox %s is "
                 "unavailable: %s" % (c.rcpt, pick(("user not found", "account is disabled",
                                                    "user is terminated"))),
                 mxs=MAILRU_MX)


def uu_yandex(c):
    return Reply(pick(("550 5.7.1 No such user!",
                       "550 5.1.1 <%s>: Recipient address rejected: No such user" % c.rcpt,
                       "550 5.7.1 Mailbox %s is not available" % c.rcpt)), mxs=YANDEX_MX)


def uu_qq(c):
    return Reply("550 Mailbox not found. http://service.exmail.qq.com/cgi-bin/help?"
                 "subtype=1&&id=20022&&no=%d" % R.choice((1000728, 1000729)), mxs=QQ_MX)


def uu_zoho(c):
    return Reply(pick(("550 5.1.1 User does not exist - <%s>" % c.rcpt,
                       "550 5.1.1 <%s> Unknown recipient. Check the address and try again"
                       % c.rcpt)), mxs=ZOHO_MX)


def uu_orange(c):
    return Reply(pick((
        "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
        "550 5.1.1 <%s>: Adresse destinataire inconnue. Unknown recipient. OFR004_%d" % (
            c.rcpt, R.choice((103, 416))),
    )), mx="%s" % pick(ORANGE_MX))


def uu_japan(c):
    which = R.randrange(3)
    if which == 0:
        return Reply("550 Unknown user %s" % c.rcpt, stage=pick(("rcpt", "data")), mxs=DOCOMO_MX)
    if which == 1:
        return Reply(pick(("550 <%s>: User unknown" % c.rcpt, "550 : User unknown")),
                     mxs=KDDI_MX)
    return Reply(pick(("550 Invalid recipient: <%s>" % c.rcpt,
                       "553 Invalid recipient %s (Mode: normal)" % c.rcpt)), mxs=SOFTBANK_MX)


def uu_filters(c):
    which = R.randrange(5)
    if which == 0:
        return Reply("550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 %s"
                     % mimecast_ref(), mx=mimecast_mx())
    if which == 1:
        return Reply("550 5.1.1 User Unknown", mx=pphosted(c))
    if which == 2:
        return Reply("550 No such user (%s)" % c.rcpt, mx=barracuda_mx())
    if which == 3:
        return Reply("550 #5.1.0 Address rejected.", mx=iphmx())
    return Reply("550 5.1.1 <%s>: Recipient address rejected: User unknown" % c.rcpt,
                 mx=trend_mx())


def uu_exim_local(c):
    return Final(pick((
        "%s\n    Unrouteable address" % c.rcpt,
        "R=virtual_aliases: No Such User Here",
        "%s: Unrouteable address" % c.rcpt,
        "** %s R=dnslookup: Unrouteable address" % c.rcpt,
    )))


# --- mailbox full -----------------------------------------------------------

def full_generic(c):
    t = weighted([
        (3, "552 5.2.2 Mailbox full"),
        (2, "452 4.2.2 Mailbox full"),
        (2, "552 5.2.2 <%s>: Recipient address rejected: Mailbox is full" % c.rcpt),
        (2, "452 4.2.2 <%s>: Recipient address rejected: Over quota" % c.rcpt),
        (2, "552 5.2.2 <%s> Quota exceeded (mailbox for user is full)" % c.rcpt),
        (2, "452 4.2.2 <%s> Quota exceeded (mailbox for user is full)" % c.rcpt),
        (1, "550 5.2.2 <%s>... Mailbox Full" % c.rcpt),
        (1, "552 Requested mail action aborted: exceeded storage allocation"),
        (1, "452 4.2.2 The mailbox of %s is over quota, try again later" % c.rcpt),
        (1, "552 5.2.2 User %s is over quota" % c.rcpt),
        (1, "422 4.2.2 Recipient mailbox is full, try later"),
        (1, "552 5.2.2 <%s>: user is over quota" % c.rcpt),
        (1, "450 4.2.2 <%s>... Mailbox Full" % c.rcpt),
        (1, "552 5.2.2 Storage quota of the recipient has been exhausted (%d MB)" % (
            R.choice((500, 1024, 2048, 5120, 10240)))),
    ])
    return Reply(t, stage=pick(("rcpt", "rcpt", "data")))


def full_gmail(c):
    if chance(0.55):
        return Reply(ml("452", "4.2.2", [
            "The recipient's inbox is out of storage space. Please direct the",
            "recipient to",
            " https://support.google.com/mail/?p=OverQuotaTemp %s - gsmtp" % gsmtp_id()]),
            mxs=GMAIL_MX)
    return Reply(ml("552", "5.2.2", [
        "The recipient's inbox is out of storage space and inactive. Please direct",
        "the recipient to",
        " https://support.google.com/mail/?p=OverQuotaPerm %s - gsmtp" % gsmtp_id()]),
        mxs=GMAIL_MX)


def full_ms(c):
    if chance(0.5):
        return Reply("552 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
                     "MapiExceptionShutoffQuotaExceeded; Failed to process message due to a "
                     "permanent exception with message [BeginDiagnosticData]Cannot open mailbox "
                     "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/"
                     "cn=Recipients/cn=%s-%s.[EndDiagnosticData] [Hostname=%s]" % (
                         rs(HEXL, 32), c.rcpt.split("@")[0][:10], ms_server()),
                     stage="data", mx=ms_mx(c))
    return Reply(pick((
        "550 5.2.2 STOREDRV.Deliver: mailbox full.",
        "452 4.2.2 The recipient's mailbox is full and can't accept messages now. Please try "
        "resending later or reach the recipient another way. %s" % ms_tag(),
        "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
        "MapiExceptionShutoffQuotaExceeded")), stage="data", mx=ms_mx(c))


def full_providers(c):
    which = R.randrange(7)
    if which == 0:
        return Reply("552 5.2.2 <%s>: user is over quota (UserSearch)" % c.rcpt, mxs=ICLOUD_MX)
    if which == 1:
        return Reply("554 delivery error: dd Sorry your message to %s cannot be delivered. "
                     "This account is over quota. - %s" % (c.rcpt, yahoo_mta()),
                     stage="data", mxs=YAHOO_MX)
    if which == 2:
        return Reply("552 5.2.2 Mailbox size limit exceeded", mxs=YANDEX_MX)
    if which == 3:
        return Reply("552 Quota exceeded or service disabled. http://service.exmail.qq.com/"
                     "cgi-bin/help?subtype=1&&id=20022&&no=1000728", mxs=QQ_MX)
    if which == 4:
        return Reply("452 4.2.2 Mailbox full. Please try again later. Message to %s deferred"
                     % c.rcpt, mxs=GMX_MX + WEBDE_MX)
    if which == 5:
        return Reply("552 5.2.2 Boite du destinataire pleine. Recipient overquota. OFR_%d" %
                     R.choice((417, 999)), mxs=ORANGE_MX)
    return Reply("552 5.2.2 <%s> Mailbox full" % c.rcpt, mxs=COMCAST_MX + ZOHO_MX)


def full_local(c):
    lp = c.rcpt.split("@")[0]
    return Final(pick((
        "mailbox is full (MTA-imposed quota exceeded while writing to /var/mail/%s)" % lp,
        "mailbox is full: retry timeout exceeded",
        "<%s>:\nThe users mailfolder is over the allowed quota (size). (#5.2.2)" % c.rcpt,
        "cannot update mailbox /var/mail/%s for user %s. error writing message: "
        "File too large" % (lp, lp),
        "maildir delivery failed: Quota exceeded (mailbox for user is full)",
    )))


# --- disabled / suspended accounts -----------------------------------------

def disabled(c):
    which = R.randrange(6)
    if which == 0:
        return Reply(ml("550", "5.2.1", [
            "The email account that you tried to reach is disabled. Learn more at",
            " https://support.google.com/mail/?p=DisabledUser %s - gsmtp" % gsmtp_id()]),
            mxs=GMAIL_MX)
    if which == 1:
        return Reply("554 delivery error: dd Sorry your message to %s cannot be delivered. "
                     "This mailbox is disabled (554.30). - %s" % (c.rcpt, yahoo_mta()),
                     stage="data", mxs=YAHOO_MX + AOL_MX)
    if which == 2:
        return Reply(pick(("550 5.2.1 Mailbox disabled, not accepting messages",
                           "550 5.2.1 <%s>: account disabled" % c.rcpt,
                           "550 5.2.1 <%s>... Account suspended" % c.rcpt,
                           "550 5.2.1 The mailbox %s is inactive" % c.rcpt,
                           "525 5.7.13 Disabled recipient address",
                           "550 5.7.1 <%s>: Recipient address rejected: User %s temporarily "
                           "locked" % (c.rcpt, c.rcpt))))
    if which == 3:
        return Reply("550 5.5.0 Le compte du destinataire est bloque. The recipient account "
                     "is blocked. LPN007_426", mxs=ORANGE_MX)
    if which == 4:
        return Reply("550 Mailbox is frozen. Account %s has been inactive for too long" % c.rcpt,
                     mxs=MAILRU_MX)
    return Reply("450 4.2.1 Mailbox temporarily disabled: %s" % c.rcpt)


# --- greylisting ------------------------------------------------------------

def greylist(c):
    secs = R.choice((60, 120, 180, 240, 300, 600, 900))
    t = weighted([
        (4, "450 4.2.0 <%s>: Recipient address rejected: Greylisted, see "
            "http://postgrey.schweikert.ch/help/%s.html" % (c.rcpt, c.rdom)),
        (3, "451 4.7.1 Greylisting in action, please come back in %02d:%02d:%02d" % (
            0, secs // 60, secs % 60)),
        (2, "450 4.7.1 <%s>: Recipient address rejected: Greylisted for %d seconds" % (
            c.rcpt, secs)),
        (2, "451 4.7.1 Please try again later"),
        (2, "451 Temporary local problem - please try later"),
        (2, "451 4.7.1 Try again later"),
        (1, "451 Temporary failure, please try again later."),
        (1, "451-4.7.1 Greylisted, please try again in %d seconds" % secs),
        (1, "450 4.7.1 <%s>: Recipient address rejected: Policy Rejection- Please try later."
            % c.rcpt),
        (1, "421 4.7.0 Temporarily rejected. Try again later."),
        (1, "451 4.7.1 Service unavailable - try again later [greylisted %s]" % c.cip),
        (1, "452 4.2.0 Deferred: greylisting active for %s, retry in %d minutes" % (
            c.cip, max(1, secs // 60))),
        (1, "450 4.7.1 Message deferred by greylisting, id=%s" % rs(HEXL, 10)),
        (1, "451 4.7.1 Greylisting in action, please come back later"),
    ])
    return Reply(t, stage=pick(("rcpt", "rcpt", "rcpt", "mail", "data")))


def greylist_ms(c):
    return Reply("451 4.7.500 Server busy. Please try again later from [%s]. (S%d) %s" % (
        c.cip, R.choice((77714, 77719, 844)), ms_tag()), stage=pick(("rcpt", "mail")),
        mx=ms_mx(c))


# --- rate limits / throttling -----------------------------------------------

def rate_generic(c):
    return staged([
        (3, "421 4.7.0 %s Error: too many connections from %s" % (c.mx, c.cip), ("connect",)),
        (2, "450 4.7.1 Error: too much mail from %s" % c.cip, ("mail", "rcpt")),
        (2, "452 4.5.3 Error: too many recipients", ("rcpt",)),
        (2, "421 4.7.0 Too many connections from your IP, try again later", ("connect", "mail")),
        (2, "450 4.7.1 Rate limit exceeded, try again later"),
        (1, "451 4.7.1 Ratelimit \"%s\" exceeded" % c.sdom),
        (1, "452 4.5.3 Too many recipients in this session", ("rcpt",)),
        (1, "421 %s Too many concurrent SMTP connections; please try again later." % c.mx,
         ("connect",)),
        (1, "452 Too many recipients received this hour", ("rcpt",)),
        (1, "451 4.7.1 Too many messages from %s in the last hour, slow down" % c.sdom),
        (1, "421 4.3.2 Too many connections, try again later", ("connect",)),
        (1, "450 4.7.0 Sender %s is sending too fast, message deferred" % c.sender, ("mail",)),
        (1, "421 4.7.0 Connection rate limit exceeded for %s" % c.cip, ("connect",)),
    ], ("mail", "rcpt", "rcpt", "data"))


def rate_gmail(c):
    which = R.randrange(4)
    if which == 0:
        return Reply(ml("421", "4.7.0", [
            "[%-15s %d] Our system has detected an unusual rate of" % (c.cip, R.randint(10, 19)),
            "unsolicited mail originating from your IP address. To protect our",
            "users from spam, mail sent from your IP address has been temporarily",
            "rate limited. For more information, go to",
            " https://support.google.com/mail/?p=UnsolicitedRateLimitError",
            "To learn more about Gmail requirements for bulk senders, visit",
            " https://support.google.com/a/answer/81126 %s - gsmtp" % gsmtp_id()]),
            stage=pick(("rcpt", "data")), mxs=GMAIL_MX)
    if which == 1:
        return Reply(ml("450", "4.2.1", [
            "The user you are trying to contact is receiving mail at a rate that",
            "prevents additional messages from being delivered. Please resend your",
            "message at a later time. If the user is able to receive mail at that",
            "time, your message will be delivered. For more information, go to",
            " https://support.google.com/mail/?p=ReceivingRate %s - gsmtp" % gsmtp_id()]),
            mxs=GMAIL_MX)
    if which == 2:
        return Reply(ml("421", "4.7.28", [
            "Gmail has detected an unusual rate of unsolicited mail from your",
            "%s domain [%s %d]. To protect our users from spam, mail from your domain" % (
                pick(("DKIM", "SPF")), c.sdom, R.randint(10, 19)),
            "has been temporarily rate limited. For more information, go to",
            " https://support.google.com/mail/?p=UnsolicitedRateLimitError %s - gsmtp"
            % gsmtp_id()]), stage="data", mxs=GMAIL_MX)
    return Reply("421 4.7.0 Try again later, closing connection. (EHLO) %s - gsmtp" % gsmtp_id(),
                 stage="helo", mxs=GMAIL_MX)


def rate_yahoo(c):
    t = weighted([
        (5, "421 4.7.0 [TSS04] Messages from %s temporarily deferred due to unexpected volume "
            "or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
            % c.cip),
        (2, "421 4.7.0 [TSS09] All messages from %s will be permanently deferred; Retrying will "
            "NOT succeed. See https://postmaster.yahooinc.com/error-codes" % c.cip),
        (1, "421 4.7.1 [TS03] All messages from %s will be permanently deferred; Retrying will "
            "NOT succeed. See https://postmaster.yahooinc.com/error-codes" % c.cip),
        (1, "421 4.7.0 [GL01] Message from (%s) temporarily deferred - 4.16.50. Please refer to "
            "https://postmaster.yahooinc.com/error-codes" % c.cip),
        (1, "451 Message temporarily deferred - [%d]" % R.choice((160, 180, 250))),
    ])
    return Reply(t, stage=pick(("mail", "connect", "rcpt")), mxs=YAHOO_MX + AOL_MX)


def rate_ms(c):
    if chance(0.6):
        return Reply("451 4.7.650 The mail server [%s] has been temporarily rate limited due to "
                     "IP reputation. For e-mail delivery information, see https://aka.ms/postmaster "
                     "(S775) %s%s" % (c.cip, "[Name=Protocol Filter Agent][AGT=PFA][MxId=%s] " %
                                      rs(HEXU, 16) if chance(0.5) else "", ms_tag()),
                     stage=pick(("rcpt", "mail")), mx=ms_mx(c))
    return Reply(pick((
        "451 4.7.652 The mail server [%s] has exceeded the maximum number of connections. %s"
        % (c.cip, ms_tag()),
        "421 4.3.2 The maximum number of concurrent server connections has exceeded a limit, "
        "closing transmission channel",
        "452 4.5.3 Too many recipients (AS780090) %s" % ms_tag(),
    )), stage=pick(("connect", "rcpt")), mx=ms_mx(c))


def rate_providers(c):
    which = R.randrange(8)
    if which == 0:
        return Reply("550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?"
                     "subtype=1&&id=20022&&no=1000725", stage="mail", mxs=QQ_MX)
    if which == 1:
        return Reply(pick(("550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/"
                           "help?subtype=1&&id=20022&&no=1000722",
                           "550 Domain frequency limited. http://service.mail.qq.com/cgi-bin/"
                           "help?subtype=1&&id=20022&&no=1000726")), stage="mail", mxs=QQ_MX)
    if which == 2:
        return Reply("421 4.1.0 %s Throttled - try again later. Please see "
                     "http://postmaster.comcast.net/smtp-error-codes.php#RL%06d" % (
                         c.cip, R.choice((1, 10))), stage="connect", mxs=COMCAST_MX)
    if which == 3:
        return Reply("421 4.7.0 %s Too many connections from %s. Try again later. "
                     "AUP#CXCNCT" % (pick(COX_MX), c.cip), stage="connect", mxs=COX_MX)
    if which == 4:
        return Reply("451 4.7.1 Sorry, the service is currently unavailable. Please come back "
                     "later. %s" % rs(ALNUM, 10) + "-" + rs(ALNUM, 8), stage="data", mxs=YANDEX_MX)
    if which == 5:
        return Reply("421 Temporary rejection. Too many messages from %s, try again later."
                     % c.cip, stage="connect", mxs=MAILRU_MX)
    if which == 6:
        return Reply("421 %s ME Service refuse. Veuillez essayer plus tard. Service refused, "
                     "please try later. OFR006_104 [104]" % ("mwinf%d%s%02d" % (
                         R.randint(5, 6), pick("abcd"), R.randint(1, 99))),
                     stage="connect", mxs=ORANGE_MX)
    return Reply(ml("421", None, [
                     "%s (mx%s%03d) Nemesis ESMTP Service not available" % (
                         pick(("gmx.net", "web.de")), pick(("gmx", "web")), R.randint(1, 120)),
                     "Service unavailable",
                     "Reject due to policy restrictions.",
                     "For explanation visit https://postmaster.gmx.net/en/error-messages?ip=%s&c=%s"
                     % (c.cip, pick(("rd", "hi", "sp")))]), stage="connect", mxs=GMX_MX + WEBDE_MX)


# --- temporary server trouble ----------------------------------------------

def tempfail(c):
    t = [
        (3, "451 4.3.0 Error: queue file write error"),
        (2, "451 4.3.0 Temporary system failure. Please try again later"),
        (2, "421 4.3.0 Service not available, closing transmission channel", ("connect", "mail")),
        (2, "451 4.3.5 Server configuration problem"),
        (2, "452 4.3.1 Insufficient system storage"),
        (2, "451 Requested action aborted: local error in processing"),
        (1, "421 %s Service not available - too busy" % c.mx, ("connect",)),
        (1, "451 4.4.3 Temporary lookup failure"),
        (1, "450 4.1.8 <%s>: Sender address rejected: Domain not found" % c.sender, ("rcpt",)),
        (1, "451 4.3.0 <%s>: Temporary lookup failure" % c.rcpt, ("rcpt",)),
        (1, "451 4.7.1 Internal error, please retry"),
        (1, "432 4.7.12 A password transition is needed", ("mail",)),
        (1, "451 Could not complete sender verify callout", ("mail", "rcpt")),
        (1, "421 4.4.5 Server shutting down", ("connect", "data")),
        (1, "451 4.3.2 Please try again later, system is under maintenance"),
        (1, "454 4.7.1 <%s>: Relay access temporarily unavailable" % c.rcpt, ("rcpt",)),
    ]
    return staged(t, ("mail", "rcpt", "data", "data"))


def tempfail_providers(c):
    which = R.randrange(5)
    if which == 0:
        return Reply(pick(("421 4.3.0 Temporary System Problem.  Try again later (10). %s - gsmtp",
                           "451 4.3.0 Mail server temporarily rejected message. %s - gsmtp",
                           "451-4.3.0 Multiple destination domains per transaction is unsupported."
                           "  Please\n451 4.3.0 try again. %s - gsmtp")) % gsmtp_id(),
                     stage=pick(("data", "rcpt")), mxs=GMAIL_MX)
    if which == 1:
        return Reply("452 4.3.1 Insufficient system resources (%s)" % pick((
            "UsedDiskSpace[/var/lib/exchange]", "AggregatePressure", "SubmissionQueue")),
            mx=ms_mx(c))
    if which == 2:
        return Reply("451 Internal resource temporarily unavailable - https://community.mimecast."
                     "com/docs/DOC-1369#451 %s" % mimecast_ref(), stage="data", mx=mimecast_mx())
    if which == 3:
        return Reply("451 4.3.2 Internal error reading data", stage="data", mxs=YAHOO_MX)
    return Reply("451 4.3.0 This message could not be delivered due to a recipient error. "
                 "Please try again later.", stage="data", mx=pphosted(c))


# --- blocklists and IP reputation -------------------------------------------

DNSBLS = [
    ("zen.spamhaus.org", "https://www.spamhaus.org/query/ip/%s"),
    ("zen.spamhaus.org", "https://check.spamhaus.org/listed/?searchterm=%s"),
    ("bl.spamcop.net", "Blocked - see https://www.spamcop.net/bl.shtml?%s"),
    ("b.barracudacentral.org", "http://www.barracudanetworks.com/reputation/?pr=1&ip=%s"),
    ("dnsbl.sorbs.net", "Currently Sending Spam See: http://www.sorbs.net/lookup.shtml?%s"),
    ("psbl.surriel.com", "Listed in PSBL, see https://psbl.org/listing?ip=%s"),
    ("dnsbl-1.uceprotect.net", "IP %s listed by UCEPROTECT-Level1"),
    ("bl.mailspike.net", "see https://mailspike.org/iplookup.html?ip=%s"),
    ("cbl.abuseat.org", "https://www.spamhaus.org/query/ip/%s"),
    ("ix.dnsbl.manitu.net", "Your mail server %s is listed by NiX Spam"),
]


def bl_postfix(c):
    zone, why = pick(DNSBLS)
    return Reply("554 5.7.1 Service unavailable; Client host [%s] blocked using %s; %s" % (
        c.cip, zone, why % c.cip), stage=pick(("rcpt", "rcpt", "mail", "connect")))


def bl_other(c):
    zone, why = pick(DNSBLS)
    t = weighted([
        (3, "550 Rejected because %s is in a black list at %s" % (c.cip, zone)),
        (2, "550 5.7.1 Rejected: %s listed at %s" % (c.cip, zone)),
        (2, "554 %s ESMTP not accepting connections from %s (listed on %s)" % (c.mx, c.cip, zone)),
        (1, "554 5.7.1 Service unavailable; Sender address [%s] blocked using dbl.spamhaus.org; "
            "https://www.spamhaus.org/query/domain/%s" % (c.sender, c.sdom)),
        (1, "553 http://www.spamhaus.org/query/bl?ip=%s" % c.cip),
        (1, "550 5.7.1 Your IP address %s is listed in the UCEPROTECT-Level 2 blocklist" % c.cip),
        (1, "554 5.7.1 %s has been blocked by %s: %s" % (c.cip, zone, why % c.cip)),
        (1, "550 5.7.1 IP address blacklisted by recipient"),
        (1, "554 Host network not allowed - %s" % c.cip),
        (1, "550 5.7.1 Mail from IP %s rejected due to bad reputation" % c.cip),
        (1, "554 5.7.1 Access denied: %s is on our local blocklist" % c.cip),
        (1, "550 Access denied - Invalid HELO name (See RFC2821 4.1.1.1)"),
    ])
    return Reply(t, stage=pick(("connect", "mail", "rcpt")))


def bl_gmail(c):
    if chance(0.5):
        return Reply(ml("550", "5.7.1", [
            "[%-15s %d] Our system has detected that this message is" % (c.cip, R.randint(10, 19)),
            "likely unsolicited mail. To reduce the amount of spam sent to Gmail,",
            "this message has been blocked. For more information, go to",
            " https://support.google.com/mail/?p=UnsolicitedMessageError",
            "To learn more about Gmail requirements for bulk senders, visit",
            " https://support.google.com/a/answer/81126 %s - gsmtp" % gsmtp_id()]),
            stage="data", mxs=GMAIL_MX)
    return Reply(ml("550", "5.7.1", [
        "[%s] The IP you're using to send mail is not authorized to" % c.cip,
        "send email directly to our servers. Please use the SMTP relay at your",
        "service provider instead. For more information, go to",
        " https://support.google.com/mail/?p=NotAuthorizedError %s - gsmtp" % gsmtp_id()]),
        stage="mail", mxs=GMAIL_MX)


def bl_ms(c):
    t = weighted([
        (3, "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. "
            "For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 "
            "AS(%d) %s" % (R.choice((7, 830, 1430)), ms_tag())),
        (3, "550 5.7.606 Access denied, banned sending IP [%s]. To request removal from this "
            "list please visit https://sender.office.com/ and follow the directions. For more "
            "information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) %s"
            % (c.cip, ms_tag())),
        (3, "550 5.7.1 Unfortunately, messages from [%s] weren't sent. Please contact your "
            "Internet service provider since part of their network is on our block list (S%d). "
            "You can also refer your provider to http://mail.live.com/mail/troubleshooting."
            "aspx#errors. %s" % (c.cip, R.choice((3140, 3150, 3115)), ms_tag())),
        (2, "550 5.7.1 Service unavailable, Client host [%s] blocked using Spamhaus. To request "
            "removal from this list see https://www.spamhaus.org/query/ip/%s AS(1450) %s" % (
                c.cip, c.cip, ms_tag())),
        (1, "550 5.7.750 Service unavailable. Client blocked from sending from unregistered "
            "domains. For more information please go to http://go.microsoft.com/fwlink/"
            "?LinkId=526653 AS(4001)"),
    ])
    return Reply(t, stage=pick(("mail", "rcpt")), mx=ms_mx(c))


def bl_yahoo(c):
    t = weighted([
        (3, "553 5.7.1 [BL21] Connections will not be accepted from %s, because the ip is in "
            "Spamhaus's list; see https://postmaster.yahooinc.com/error-codes" % c.cip),
        (1, "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL; see "
            "https://postmaster.yahooinc.com/error-codes"),
        (1, "554 5.7.9 Message not accepted for policy reasons.  See "
            "https://postmaster.yahooinc.com/error-codes"),
        (1, "521 5.2.1 :  AOL will not accept delivery of this message."),
        (1, "554- (RTR:BL)  https://postmaster.aol.com/error-codes#554rtrbl"),
    ])
    return Reply(t, stage=pick(("connect", "mail", "data")), mxs=YAHOO_MX + AOL_MX)


def bl_isp(c):
    which = R.randrange(7)
    if which == 0:
        h = "resimta-%s.sys.comcast.net" % pick(("po-%02dv" % R.randint(1, 40),
                                                 "h%dp-%06d" % (R.randint(1, 2),
                                                                R.randint(0, 999999))))
        return Reply("554 %s %s %s found on one or more DNSBLs, see http://postmaster.comcast."
                     "net/smtp-error-codes.php#BL000%03d" % (h, h, c.cip, R.choice((0, 1, 10))),
                     stage="connect", mxs=COMCAST_MX)
    if which == 1:
        return Reply("554 %s cmsmtp %s blocked. Refer to Error Codes section at "
                     "https://www.cox.com/residential/support/email-error-codes.html for more "
                     "information. AUP#%s" % (pick(COX_MX), c.cip, pick(("CXBL", "CXRBL", "CXDNS"))),
                     stage="connect", mxs=COX_MX)
    if which == 2:
        return Reply("554 5.7.1 %s blocked. Please see https://www.spectrum.net/support/internet/"
                     "understanding-email-error-codes for more information. AUP#I-%d" % (
                         c.cip, R.choice((1000, 1010, 1020))), stage="connect", mxs=SPECTRUM_MX)
    if which == 3:
        return Reply(ml("554", None, [
            "%s (mx%s%03d) Nemesis ESMTP Service not available" % (
                pick(("gmx.net", "web.de", "mail.com")), pick(("gmx", "web")), R.randint(1, 120)),
            "No SMTP service",
            "IP address is block listed.",
            "For explanation visit https://postmaster.gmx.net/en/error-messages?ip=%s&c=bl"
            % c.cip]), stage="connect", mxs=GMX_MX + WEBDE_MX)
    if which == 4:
        return Reply("550 %s ME Adresse IP source bloquee pour incident de spam. Client host "
                     "blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/"
                     "reset-request/?ip=%s [102]" % ("mwinf%d%s%02d" % (
                         R.randint(5, 6), pick("abcd"), R.randint(1, 99)), c.cip),
                     stage="connect", mxs=ORANGE_MX)
    if which == 5:
        return Reply("554 5.7.1 [%s] Message rejected due to local policy. Please visit "
                     "https://support.apple.com/en-us/HT204137" % pick(("CS01", "HM08", "HM07")),
                     stage=pick(("data", "mail")), mxs=ICLOUD_MX)
    return Reply("550 spam message rejected. Please visit https://help.mail.ru/notspam-support/"
                 "id?c=%s or report details to abuse@corp.mail.ru. Error code: %s. ID: %s." % (
                     rs(ALNUM + "_-", 40), rs(HEXU, 32), rs(HEXU, 8)),
                 stage="data", mxs=MAILRU_MX)


def bl_filters(c):
    which = R.randrange(6)
    if which == 0:
        return Reply(pick(("554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=%s",
                           "521 5.7.1 Blocked - see https://ipcheck.proofpoint.com/?ip=%s",
                           "553 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=%s"))
                     % c.cip, stage="connect", mx=pphosted(c))
    if which == 1:
        return Reply("554 Your access to this mail system has been rejected due to the sending "
                     "MTA's poor reputation. If you believe that this failure is in error, please "
                     "contact the intended recipient via alternate means.",
                     stage="connect", mx=iphmx())
    if which == 2:
        return Reply("554 Service unavailable; Client host [%s] blocked using Barracuda "
                     "Reputation; http://www.barracudanetworks.com/reputation/?pr=1&ip=%s" % (
                         c.cip, c.cip), stage="connect", mx=barracuda_mx())
    if which == 3:
        return Reply("550 5.7.1 Message rejected because %s has a poor Trend Micro Email "
                     "Reputation rating; see https://ers.trendmicro.com/reputations?ip=%s" % (
                         c.cip, c.cip), stage="connect", mx=trend_mx())
    if which == 4:
        return Reply(pick(("550 Administrative prohibition - envelope blocked - https://community."
                           "mimecast.com/docs/DOC-1369#550 %s",
                           "550 Envelope blocked - User Entry - https://community.mimecast.com/"
                           "docs/DOC-1369#550 %s",
                           "554 Email rejected due to security policies - https://community."
                           "mimecast.com/docs/DOC-1369#554 %s")) % mimecast_ref(),
                     stage=pick(("mail", "rcpt", "data")), mx=mimecast_mx())
    return Reply("550 permanent failure for one or more recipients (%s:blocked)" % c.rcpt,
                 stage="data", mx=barracuda_mx())


# --- spam / content / policy -----------------------------------------------

def spam_content(c):
    t = weighted([
        (3, "550 5.7.1 Message content rejected, UBE, id=%05d-%02d-%d" % (
            R.randint(0, 99999), R.randint(0, 99), R.randint(1, 999))),
        (2, "554 5.7.1 Spam message rejected"),
        (2, "550 Rejected: message looks like spam (score %.1f)" % (R.uniform(5.1, 30.0))),
        (2, "550 5.7.1 Message rejected as spam by Content Filtering."),
        (1, "554 5.7.0 Reject, id=%05d-%02d - spam" % (R.randint(0, 99999), R.randint(1, 20))),
        (1, "550 5.7.0 Local Policy Violation"),
        (1, "550 Denied by policy"),
        (1, "554 5.7.1 Message rejected: contains a URL listed on a domain blocklist (%s)" % (
            pick(("dbl.spamhaus.org", "multi.uribl.com", "multi.surbl.org")))),
        (1, "550 5.7.1 Your message was rejected due to its content. Spam score %d/%d" % (
            R.randint(8, 40), 7)),
        (1, "554 5.7.1 This message has been flagged as bulk mail and rejected"),
        (1, "550 High probability of spam"),
        (1, "554 Message not allowed - [%d]" % R.choice((299, 320, 400))),
        (1, "550 5.7.1 Message rejected by policy (phishing suspected)"),
        (1, "550 5.7.350 Remote server returned message detected as spam -> 554 5.7.1 "
            "Rejected as spam"),
        (1, "554 5.7.1 Rejected by rule: %s" % pick(("BULK_MAIL", "NEWSLETTER_BLOCK",
                                                     "SUBJ_ALL_CAPS", "HTML_ONLY"))),
    ])
    return Reply(t, stage="data")


def spam_providers(c):
    which = R.randrange(7)
    if which == 0:
        return Reply(ml("552", "5.7.0", [
            "This message was blocked because its content presents a potential",
            "security issue. Please visit",
            " https://support.google.com/mail/?p=BlockedMessage to review our",
            "message content and attachment content guidelines. %s - gsmtp" % gsmtp_id()]),
            stage="data", mxs=GMAIL_MX)
    if which == 1:
        return Reply(ml("550", "5.7.1", [
            "The user or domain that you are sending to (or from) has a policy that",
            "prohibited the mail that you sent. Please contact your domain",
            "administrator for further details. For more information, go to",
            " https://support.google.com/a/answer/172179 %s - gsmtp" % gsmtp_id()]),
            stage="data", mxs=GMAIL_MX)
    if which == 2:
        return Reply("554 5.7.1 [%d] Message rejected under suspicion of SPAM; "
                     "https://ya.cc/1IrBc %s-%s" % (R.randint(1, 3), rs(ALNUM, 10), rs(ALNUM, 8)),
                     stage="data", mxs=YANDEX_MX)
    if which == 3:
        return Reply("550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1"
                     "&&id=20022&&no=1000726", stage="data", mxs=QQ_MX)
    if which == 4:
        return Reply(ml("554", None, [
            "Transaction failed",
            "Reject due to policy restrictions.",
            "For explanation visit https://postmaster.web.de/en/error-messages?ip=%s&c=hi" % c.cip]),
            stage="data", mxs=WEBDE_MX + GMX_MX)
    if which == 5:
        return Reply("550 5.7.1 Message rejected: spam content detected, score %.1f, "
                     "ref %s" % (R.uniform(6, 25), rs(HEXL, 12)), stage="data", mx=barracuda_mx())
    return Reply("550 5.7.1 Message blocked due to spam content in the message (%s)" % rs(
        ALNUM, 10), stage="data", mx=pphosted(c))


def policy_ms(c):
    t = weighted([
        (2, "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; "
            "Delivery restriction check failed as sender not authenticated for group"),
        (1, "550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send "
            "to this recipient"),
        (1, "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required"),
        (1, "550 5.7.520 Access denied, Your organization does not allow external forwarding. "
            "Please contact your administrator for further assistance. AS(7555)"),
        (1, "550 5.7.1 Delivery not authorized, message refused. Please contact the recipient's "
            "administrator. %s" % ms_tag()),
    ])
    return Reply(t, stage=pick(("rcpt", "data")), mx=ms_mx(c))


# --- DMARC / SPF / DKIM -----------------------------------------------------

def auth_generic(c):
    return staged([
        (3, "550 5.7.1 Email rejected per DMARC policy for %s" % c.sdom),
        (2, "550 5.7.23 <%s>: Recipient address rejected: Message rejected due to: SPF fail - "
            "not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=%s;ip=%s;r=<UNKNOWN>"
            % (c.rcpt, c.sender, c.cip), ("rcpt",)),
        (2, "550 5.7.1 SPF check failed: %s is not allowed to send mail for %s" % (c.cip, c.sdom),
         ("mail", "rcpt", "data")),
        (2, "550 5.7.23 The message was rejected because of Sender Policy Framework violation"),
        (1, "550 5.7.1 DKIM signature verification failed for %s" % c.sdom),
        (1, "554 5.7.5 Permanent error evaluating DMARC policy"),
        (1, "550 5.7.1 Unauthenticated email is not accepted from this domain"),
        (1, "550 Bad SPF records for [%s:%s], see http://spf.pobox.com/" % (c.sdom, c.cip),
         ("mail", "rcpt")),
        (1, "451 4.7.24 Temporary DNS error while checking SPF for %s" % c.sdom, ("mail", "rcpt")),
        (1, "550 5.7.1 Sender domain %s fails DMARC alignment (p=reject)" % c.sdom),
        (1, "550 domain [%s] mismatches client ip %s" % (c.sdom, c.cip), ("mail",)),
    ], ("data",))


def auth_gmail(c):
    which = R.randrange(4)
    if which == 0:
        return Reply(ml("550", "5.7.26", [
            "Unauthenticated email from %s is not accepted due to domain's" % c.sdom,
            "DMARC policy. Please contact the administrator of %s domain" % c.sdom,
            "if this was a legitimate mail. To learn about the DMARC initiative, go",
            "to",
            " https://support.google.com/mail/?p=DmarcRejection %s - gsmtp" % gsmtp_id()]),
            stage="data", mxs=GMAIL_MX)
    if which == 1:
        return Reply(ml("550", "5.7.26", [
            "This mail has been blocked because the sender is unauthenticated.",
            "Gmail requires all senders to authenticate with either SPF or DKIM.",
            "",
            " Authentication results:",
            " DKIM = did not pass",
            " SPF [%s] with ip: [%s] = did not pass" % (c.sdom, c.cip),
            "",
            " For instructions on setting up authentication, go to",
            " https://support.google.com/mail/answer/81126#authentication %s - gsmtp"
            % gsmtp_id()]), stage="data", mxs=GMAIL_MX)
    if which == 2:
        return Reply(ml("421", "4.7.0", [
            "[%-15s %d] This message does not have authentication information or" % (
                c.cip, R.randint(10, 19)),
            "fails to pass authentication checks (SPF or DKIM). To best protect",
            "our users from spam, the message has been blocked. For more",
            "information, go to",
            " https://support.google.com/mail/answer/81126#authentication %s - gsmtp"
            % gsmtp_id()]), stage="data", mxs=GMAIL_MX)
    return Reply(ml("550", "5.7.1", [
        "[%s] This message does not meet IPv6 sending guidelines regarding PTR" % doc_ip6(),
        "records and authentication. For more information, go to",
        " https://support.google.com/mail/?p=IPv6AuthError %s - gsmtp" % gsmtp_id()]),
        stage="data", mxs=GMAIL_MX)


def auth_providers(c):
    which = R.randrange(4)
    if which == 0:
        return Reply("550 5.7.509 Access denied, sending domain [%s] does not pass DMARC "
                     "verification and has a DMARC policy of reject. %s" % (
                         c.sdom.upper(), ms_tag()), stage="data", mx=ms_mx(c))
    if which == 1:
        return Reply("550 5.7.9 This mail has been blocked because the sender is unauthenticated. "
                     "Yahoo requires all senders to authenticate with either SPF or DKIM.",
                     stage="data", mxs=YAHOO_MX + AOL_MX)
    if which == 2:
        return Reply("550 Rejected by header based Anti-Spoofing policy: %s - https://community."
                     "mimecast.com/docs/DOC-1369#550 %s" % (c.rcpt, mimecast_ref()),
                     stage="data", mx=mimecast_mx())
    return Reply("554 5.7.1 %s: Message rejected due to DMARC policy failure for %s" % (
        c.cip, c.sdom), stage="data", mx=iphmx())


# --- connection, DNS and timeout errors (local) ----------------------------

def conn_postfix(c):
    host = "%s[%s]" % (c.mx, c.mxip)
    if chance(0.2):
        host = "%s[%s]" % (pick(GMAIL_MX + YAHOO_MX + ICLOUD_MX + QQ_MX + COMCAST_MX), c.mxip)
    t = weighted([
        (5, "connect to %s:25: Connection timed out" % host),
        (3, "connect to %s:25: Connection refused" % host),
        (1, "connect to %s:25: No route to host" % host),
        (1, "connect to %s:25: Network is unreachable" % host),
        (2, "lost connection with %s while receiving the initial server greeting" % host),
        (1, "lost connection with %s while sending RCPT TO" % host),
        (1, "lost connection with %s while sending end of data -- message may be sent more "
            "than once" % host),
        (1, "lost connection with %s while performing the EHLO handshake" % host),
        (2, "conversation with %s timed out while receiving the initial server greeting" % host),
        (1, "conversation with %s timed out while sending message body" % host),
        (1, "conversation with %s timed out while sending MAIL FROM" % host),
        (1, "conversation with %s timed out while receiving the final reply to DATA" % host),
        (2, "Host or domain name not found. Name service error for name=%s type=MX: "
            "Host not found, try again" % c.rdom),
        (2, "Host or domain name not found. Name service error for name=%s type=A: "
            "Host not found" % c.rdom),
        (1, "Host or domain name not found. Name service error for name=%s type=AAAA: "
            "Host found but no data record of requested type" % c.mx),
        (1, "mail for %s loops back to myself" % c.rdom),
        (1, "Domain %s does not accept mail (nullMX)" % c.rdom),
        (1, "unable to look up host %s: Name or service not known" % c.mx),
        (1, "MX host %s has invalid address 127.0.0.1" % c.mx),
    ])
    if chance(0.3):
        t = "delivery temporarily suspended: " + t
    if chance(0.15):
        t = "X-Postfix; " + t
    return Final(t)


def conn_exim(c):
    return Final(weighted([
        (3, "retry timeout exceeded"),
        (2, "all hosts for '%s' have been failing for a long time (and retry time not reached)"
            % c.rdom),
        (2, "R=dnslookup T=remote_smtp: SMTP timeout after end of data (%d bytes written): "
            "Connection timed out" % c.size),
        (2, "H=%s [%s]: SMTP timeout after RCPT TO:<%s>: Connection timed out" % (
            c.mx, c.mxip, c.rcpt)),
        (2, "H=%s [%s] Connection refused" % (c.mx, c.mxip)),
        (1, "all relevant MX records point to non-existent hosts"),
        (1, "Remote host %s [%s] closed connection in response to initial connection" % (
            c.mx, c.mxip)),
        (1, "%s\n    Unrouteable address\n    all relevant MX records point to non-existent hosts"
            % c.rcpt),
        (1, "R=dnslookup T=remote_smtp defer (110): Connection timed out"),
        (1, "H=%s [%s]: Remote host closed connection in response to end of data" % (
            c.mx, c.mxip)),
        (1, "%s: R=dnslookup defer (-1): host lookup did not complete" % c.rdom),
    ]))


def conn_sendmail(c):
    return Final(weighted([
        (3, "Deferred: Connection timed out with %s." % c.mx),
        (2, "Deferred: Connection refused by %s." % c.mx),
        (1, "Deferred: 421 4.4.2 %s: Connection timed out during user open" % c.mx),
        (2, "Host unknown (Name server: %s: host not found)" % c.rdom),
        (1, "550 5.1.2 %s... Host unknown (Name server: %s: host not found)" % (c.rcpt, c.rdom)),
        (1, "451 4.4.1 reply: read error from %s." % c.mx),
        (1, "Deferred: Name server: %s.: host name lookup failure" % c.mx),
        (1, "554 5.3.0 %s... unknown mailer error %d" % (c.rcpt, R.choice((1, 75, 77, 255)))),
    ]))


def conn_qmail(c):
    return Final(weighted([
        (3, "<%s>:\nSorry, I wasn't able to establish an SMTP connection. (#4.4.1)" % c.rcpt),
        (2, "<%s>:\nSorry, I couldn't find any host named %s. (#5.1.2)" % (c.rcpt, c.rdom)),
        (2, "<%s>:\nConnected to %s but connection died. (#4.4.2)" % (c.rcpt, c.mxip)),
        (1, "<%s>:\nSorry, I couldn't find a mail exchanger or IP address. (#5.4.4)" % c.rcpt),
        (1, "<%s>:\nSorry. Although I'm listed as a best-preference MX or A for that host,\n"
            "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)" % c.rcpt),
        (1, "<%s>:\nCNAME lookup failed temporarily. (#4.4.3)\nI'm not going to try again; "
            "this message has been in the queue too long." % c.rcpt),
    ]))


def conn_ms(c):
    return Final(weighted([
        (2, "451 4.4.0 DNS query failed. The error was: DNS query failed with error: "
            "ServerFailure"),
        (2, "4.4.316 Connection refused [Message=Socket error code 10061] "
            "[LastAttemptedServerName=%s] [LastAttemptedIP=%s:25] %s" % (
                c.mx, c.mxip, ms_tag())),
        (1, "550 5.4.316 Message expired, connection refused(Socket error code 10061)"),
        (2, "550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain"),
        (1, "451 4.4.397 Error communicating with target host. -> 421 4.4.2 Connection dropped "
            "due to SocketError [Message=Socket error code 10054] [LastAttemptedServerName=%s] "
            "[LastAttemptedIP=%s:25] %s" % (c.mx, c.mxip, ms_tag())),
        (1, "550 5.4.310 DNS domain %s does not exist [Message=InfoDomainNonexistent] "
            "[LastAttemptedServerName=%s] %s" % (c.rdom, c.rdom, ms_tag())),
    ]))


def conn_gmail_dsn(c):
    return Final(weighted([
        (2, "DNS Error: %d DNS type 'mx' lookup of %s responded with code NXDOMAIN\n"
            "Domain name not found: %s" % (R.randint(1000000, 99999999), c.rdom, c.rdom)),
        (1, "DNS Error: %d DNS type 'mx' lookup of %s responded with code SERVFAIL" % (
            R.randint(1000000, 99999999), c.rdom)),
        (2, "The recipient server did not accept our requests to connect. For more information, "
            "go to https://support.google.com/mail/answer/7720 [%s %s: timed out]" % (
                c.mx, c.mxip)),
        (1, "The recipient server did not accept our requests to connect. For more information, "
            "go to https://support.google.com/mail/answer/7720 [%s %s: 421-4.7.0 Service "
            "temporarily unavailable]" % (c.mx, c.mxip)),
    ]))


# --- expiry -----------------------------------------------------------------

def expired(c):
    days = R.choice((2, 3, 4, 5, 5, 5, 7))
    return Final(weighted([
        (2, "Cannot send message for %d days" % days),
        (1, "Warning: could not send message for past %d hours" % R.choice((4, 4, 8, 12, 24))),
        (2, "550 4.4.7 QUEUE.Expired; message expired [Message=%s] [LastAttemptedServerName=%s] "
            "[LastAttemptedIP=%s:25] %s" % (
                pick(("451 4.4.0 Primary target IP address responded with: \"421 4.4.2 "
                      "Connection dropped.\"", "Connection timed out", "Socket error code 10060")),
                c.mx, c.mxip, ms_tag())),
        (2, "554 4.4.7 Message expired: unable to deliver in %d minutes.<421 4.4.2 Connection "
            "timed out>" % R.choice((840, 1440, 2880, 4320))),
        (1, "message expired after %d days: connect to %s[%s]:25: Connection timed out" % (
            days, c.mx, c.mxip)),
        (1, "<%s>:\nI'm not going to try again; this message has been in the queue too long."
            % c.rcpt),
        (1, "retry time not reached for any host for '%s' after %d days" % (c.rdom, days)),
        (1, "5.4.7 Delivery expired (message too old) '%s'" % pick((
            "timeout", "DNS Soft Error looking up %s (MX): NoAnswer" % c.rdom,
            "%s: 421 4.3.2 Service not available" % c.mx))),
        (1, "smtp; 554 4.4.7 Message expired: unable to deliver in %d minutes.<%s>" % (
            R.choice((840, 1440, 2880)),
            pick(("450 4.7.1 Rate limit exceeded", "421 4.4.0 Unable to connect to %s" % c.mx,
                  "451 4.3.0 Temporary failure")))),
    ]))


# --- relay denied ------------------------------------------------------------

def relay(c):
    t = weighted([
        (4, "554 5.7.1 <%s>: Relay access denied" % c.rcpt),
        (2, "550 relay not permitted"),
        (1, "550 5.7.1 <%s>... Relaying denied. IP name lookup failed [%s]" % (c.rcpt, c.cip)),
        (1, "550 5.7.1 <%s>... Relaying denied. Proper authentication required." % c.rcpt),
        (1, "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"),
        (1, "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"),
        (1, "550 5.7.64 TenantAttribution; Relay Access Denied %s" % ms_tag()),
        (1, "550 5.7.1 Unable to relay for %s" % c.rcpt),
        (1, "454 4.7.1 <%s>: Relay access denied" % c.rcpt),
        (1, "550-Please turn on SMTP Authentication in your mail client. %s [%s]:%d is not "
            "permitted to relay through this server without authentication." % (
                c.sdom, c.cip, R.randint(1024, 65535))),
    ])
    return Reply(t, stage="rcpt")


# --- reverse DNS ------------------------------------------------------------

def ptr(c):
    return staged([
        (3, "450 4.7.1 Client host rejected: cannot find your hostname, [%s]" % c.cip),
        (2, "550 5.7.1 Client host rejected: cannot find your reverse hostname, [%s]" % c.cip),
        (1, "450 4.7.25 Client host rejected: cannot find your hostname, [%s]" % c.cip),
        (1, "450 4.7.1 Access denied. IP name lookup failed [%s]" % c.cip),
        (1, "550 5.7.1 Connections not accepted from servers without a valid reverse DNS "
            "entry (%s)" % c.cip),
        (1, "554 5.7.1 <unknown[%s]>: Client host rejected: Reverse DNS lookup failed" % c.cip),
        (1, "550 5.7.1 Helo command rejected: Host not found", ("helo", "rcpt")),
        (1, "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
         ("helo", "rcpt")),
        (1, "550 5.7.25 [%s] The IP address sending this message does not have a PTR record "
            "setup, or the corresponding forward DNS entry does not point to the sending IP."
            % c.cip, ("data",)),
    ], ("connect", "rcpt", "rcpt", "mail"))


def ptr_gmail(c):
    return Reply(ml("550", "5.7.25", [
        "[%s] The IP address sending this message does not have a" % c.cip,
        "PTR record setup, or the corresponding forward DNS entry does not",
        "point to the sending IP. As a policy, Gmail does not accept messages",
        "from IPs with missing PTR records. For more information, go to",
        " https://support.google.com/mail/answer/81126#ip-practices %s - gsmtp" % gsmtp_id()]),
        stage="data", mxs=GMAIL_MX)


# --- TLS ---------------------------------------------------------------------

def tls(c):
    host = "%s[%s]" % (c.mx, c.mxip)
    return Final(weighted([
        (2, "TLS is required, but was not offered by host %s" % host),
        (2, "TLS is required, but host %s refused to start TLS: 454 4.7.0 TLS not available due "
            "to local problem" % host),
        (2, "Cannot start TLS: handshake failure"),
        (1, "Server certificate not verified"),
        (1, "Server certificate not trusted"),
        (1, "TLSA lookup error for %s:25" % c.mx),
        (1, "host %s said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM "
            "command)" % host),
        (1, "smtp; 530 5.7.0 Must issue a STARTTLS command first"),
        (1, "host %s said: 421 4.7.0 TLS required for RCPT domain, closing connection. %s - gsmtp "
            "(in reply to RCPT TO command)" % ("%s[%s]" % (pick(GMAIL_MX), c.mxip), gsmtp_id())),
        (1, "TLS session failure: SSL_connect: certificate verify failed "
            "(H=%s [%s])" % (c.mx, c.mxip)),
        (1, "H=%s [%s]: a TLS session is required, but the server did not offer TLS support"
            % (c.mx, c.mxip)),
        (1, "MTA-STS policy for %s enforced: certificate name mismatch for %s" % (c.rdom, c.mx)),
        (1, "Deferred: 403 4.7.0 TLS handshake failed."),
        (1, "lost connection with %s while sending STARTTLS" % host),
    ]))


# --- size --------------------------------------------------------------------

def size(c):
    lim = R.choice((10, 20, 25, 30, 35, 50, 100)) * 1048576
    big = lim + R.randint(1000, 40000000)
    t = [
        (3, "552 5.3.4 Message size exceeds fixed limit", ("mail", "data")),
        (2, "552 5.3.4 Message size exceeds fixed maximum message size (%d)" % lim, ("mail",)),
        (1, "552 5.2.3 Message exceeds maximum size"),
        (1, "552 Message size exceeds maximum permitted"),
        (1, "552 5.2.3 Message length exceeds limit set by recipient"),
        (1, "552 5.3.4 Message too large"),
        (1, "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient"),
        (1, "552 5.2.3 Your message exceeded Google's message size limits. %s - gsmtp" % gsmtp_id()),
    ]
    if chance(0.15):
        return Final("message size %d exceeds size limit %d of server %s[%s]" % (
            big, lim, c.mx, c.mxip))
    return staged(t, ("data",))


# --- virus / attachments ----------------------------------------------------

def virus(c):
    v = pick(("Eicar-Test-Signature", "Win.Trojan.Agent-%d" % R.randint(100000, 9999999),
              "Doc.Dropper.Agent-%d" % R.randint(100000, 9999999),
              "Html.Phishing.Bank-%d" % R.randint(1000, 99999),
              "Xls.Downloader.Emotet-%d" % R.randint(1000, 99999)))
    att = pick(("invoice.exe", "document.scr", "payment.js", "scan.vbs", "order.iso",
                "statement.zip,statement.pdf.exe"))
    t = weighted([
        (3, "554 5.7.0 Reject, id=%05d-%02d - INFECTED: %s" % (R.randint(0, 99999),
                                                              R.randint(1, 20), v)),
        (2, "550 This message contains a virus (%s) and has been rejected" % v),
        (1, "554 5.7.0 Reject, id=%05d-%02d - BANNED: %s" % (R.randint(0, 99999),
                                                            R.randint(1, 20), att)),
        (1, "550 5.7.1 Message rejected: virus detected (%s)" % v),
        (1, "554 5.6.1 Message rejected: prohibited attachment type (%s)" % att.split(".")[-1]),
        (1, "552 5.7.0 Our system detected an illegal attachment on your message. Please visit "
            "https://support.google.com/mail/?p=BlockedMessage to review our attachment "
            "guidelines. %s - gsmtp" % gsmtp_id()),
        (1, "550 5.7.1 Malware detected in message, delivery refused"),
    ])
    return Reply(t, stage="data")


# --- sender address rejected -------------------------------------------------

def sender_rej(c):
    t = weighted([
        (3, "553 5.1.8 <%s>: Sender address rejected: Domain not found" % c.sender),
        (2, "550 5.7.1 <%s>: Sender address rejected: Access denied" % c.sender),
        (1, "501 5.1.8 Sender address rejected"),
        (1, "550 5.1.0 <%s> sender rejected. Please see https://www.spectrum.net/support/internet/"
            "understanding-email-error-codes for more information. AUP#In-1310" % c.sender),
        (1, "550-Verification failed for <%s>\n550-Unrouteable address\n550 Sender verify failed"
            % c.sender),
        (1, "554 Mail from %s rejected for policy reasons" % c.sender),
        (1, "553 5.1.8 <%s>... Domain of sender address %s does not exist" % (c.sender, c.sender)),
        (1, "550 5.7.1 <%s>: Sender address rejected: not owned by user" % c.sender),
        (1, "550 5.1.0 <%s> sender rejected. Refer to Error Codes section at https://www.cox.com/"
            "residential/support/email-error-codes.html for more information. AUP#MXRT" % c.sender),
    ])
    return Reply(t, stage="mail")


# --- no such domain (remote) -------------------------------------------------

def bad_domain(c):
    t = weighted([
        (2, ml("553", "5.1.2", [
            "We weren't able to find the recipient domain. Please check for any",
            "spelling errors, and make sure you didn't enter any spaces, periods,",
            "or other punctuation after the recipient's email address. %s - gsmtp" % gsmtp_id()])),
        (2, "550 5.1.2 <%s>: Recipient address rejected: Domain not found" % c.rcpt),
        (1, "554 5.4.4 <%s>: Recipient address rejected: domain has no MX" % c.rcpt),
        (1, "450 4.1.2 <%s>: Recipient address rejected: Domain not found" % c.rcpt),
        (1, "550 5.1.2 Host unknown"),
    ])
    return Reply(t, stage="rcpt")


# --- syntax / protocol / headers -------------------------------------------

def protocol(c):
    return staged([
        (2, "501 5.1.3 Bad recipient address syntax", ("rcpt",)),
        (1, "501 5.5.4 Invalid Address", ("rcpt", "mail")),
        (1, "553 5.1.3 <%s>... List:; syntax illegal for recipient addresses" % c.rcpt, ("rcpt",)),
        (1, "554 5.6.0 Message contains invalid header"),
        (1, "554 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which "
            "cannot be sent via DATA"),
        (1, "550 5.6.9 improper use of 8-bit data in message header"),
        (1, "554 5.7.9 Header error"),
        (1, "550 5.7.1 Messages missing a valid address in From: header, or having no From: "
            "header, are not accepted. %s - gsmtp" % gsmtp_id()),
        (1, "550 5.7.1 Messages missing a valid Message-ID header are not accepted. %s - gsmtp"
            % gsmtp_id()),
        (1, "503 5.5.1 Error: need MAIL command", ("rcpt", "data0")),
        (1, "504 5.5.2 Command parameter not implemented", ("mail",)),
        (1, "500 5.5.2 Error: bad syntax", ("mail", "rcpt")),
        (1, "554 5.6.0 Message rejected: duplicate Subject header"),
        (1, "550 5.6.0 Lone CR or LF in headers (see RFC 5322 section 2.3)"),
    ], ("data",))


# --- loops -------------------------------------------------------------------

def loop(c):
    return Final(weighted([
        (2, "smtp; 554 5.4.6 Too many hops"),
        (1, "mail forwarding loop for %s" % c.rcpt),
        (1, "554 5.4.14 Hop count exceeded - possible mail loop ATTR34 %s" % ms_tag()),
        (1, "host %s[%s] said: 554 5.4.6 Too many hops %d (%d max): from <%s> via %s, to <%s> "
            "(in reply to end of DATA command)" % (c.mx, c.mxip, R.randint(26, 31), 25,
                                                   c.sender, c.mx, c.rcpt)),
        (1, "Too many \"Received\" headers - suspected mail loop"),
    ]))


# --- local delivery agents (for mixed sites) ---------------------------------

def local_mda(c):
    lp = c.rcpt.split("@")[0]
    return Final(weighted([
        (2, "Command died with status %d: \"/usr/bin/procmail\". Command output: procmail: "
            "Couldn't create \"/var/spool/mail/%s\"" % (R.choice((1, 73, 75)), lp)),
        (1, "x-unix; procmail: Quota exceeded while writing \"/var/spool/mail/%s\"" % lp),
        (1, "temporary failure. Command output: lda(%s): Error: net_connect_unix(/run/dovecot/"
            "stats-writer) failed: Permission denied" % lp),
        (1, "X-Unix; %d" % R.choice((64, 67, 69, 71, 75, 77))),
        (1, "lmtp; 452 4.2.2 <%s> Quota exceeded (mailbox for user is full)" % c.rcpt),
        (1, "lmtp; 550 5.1.1 <%s> User doesn't exist: %s" % (c.rcpt, c.rcpt)),
    ]))


# --- success -----------------------------------------------------------------

def success(c):
    t = weighted([
        (6, "250 2.0.0 Ok: queued as %s" % postfix_qid()),
        (4, "250 2.0.0 OK  %d %s - gsmtp" % (R.randint(1700000000, 1760000000), gsmtp_id())),
        (3, "250 2.6.0 %s [InternalId=%d, Hostname=%s] %d bytes in %.3f, %.3f KB/sec Queued mail "
            "for delivery" % (msg_id(c.sdom), R.randint(10 ** 12, 10 ** 14), ms_server(),
                              c.size % 400000, R.uniform(0.01, 2), R.uniform(10, 9000))),
        (2, "250 OK id=%s" % exim_id()),
        (2, "250 2.0.0 %s Message accepted for delivery" % sendmail_id()),
        (1, "250 ok %d qp %d" % (R.randint(1700000000, 1760000000), R.randint(1000, 99999))),
        (2, "250 ok dirdel"),
        (1, "250 2.0.0 <%s> %s Saved" % (c.rcpt, rs(LOWER + LOWER.upper() + DIGITS, 22))),
        (1, "250 2.0.0 %s-1 Message accepted for delivery" % rs(ALNUM, 10)),
        (1, "250 2.0.0 Ok %d-%s" % (R.randint(1700000000, 1760000000), rs(HEXL, 12))),
        (1, "250 Requested mail action okay, completed: id=%s-%s" % (
            rs(ALNUM + LOWER.upper(), 12), rs(ALNUM + LOWER.upper(), 12))),
        (1, "250 2.0.0 Ok: %d bytes queued as %s" % (c.size % 900000, postfix_qid())),
        (1, "250 Message received: %s" % msg_id(c.sdom)),
        (1, "250 2.0.0 OK %s" % rs(HEXL, 32)),
        (1, "250 2.0.0 OK:%s" % rs(LOWER + DIGITS, 20)),
    ])
    form = weighted([(7, "raw"), (2, "dsn"), (1, "exim")])
    if form == "dsn":
        return Final("smtp; " + t)
    if form == "exim":
        return Final("=> %s R=dnslookup T=remote_smtp H=%s [%s] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
                     "CV=yes C=\"%s\"" % (c.rcpt, c.mx, c.mxip, t))
    return Final(t)


def success_local(c):
    lp = c.rcpt.split("@")[0]
    return Final(pick((
        "delivered to maildir",
        "delivered to mailbox",
        "delivered to command: /usr/bin/procmail -a \"$EXTENSION\"",
        "delivered via dovecot service",
        "250 2.0.0 <%s> %s Saved" % (c.rcpt, rs(LOWER + LOWER.upper() + DIGITS, 22)),
        "delivered via %s[%s]:25: 250 2.0.0 Ok: queued as %s" % (c.mx, c.mxip, postfix_qid()),
        "delivered to file: /var/mail/%s" % lp,
    )))


# --------------------------------------------------------------------------
# the mix: weight of each template family (roughly % of a day's traffic)
# --------------------------------------------------------------------------

MIX = [
    # unknown recipients (about 22%)
    (4.0, uu_postfix), (2.0, uu_postfix_verify), (2.0, uu_sendmail), (1.3, uu_exim),
    (4.0, uu_generic), (0.5, uu_local_postfix), (0.7, uu_qmail), (3.0, uu_gmail),
    (1.6, uu_ms), (0.6, uu_ms_local), (1.0, uu_yahoo), (0.4, uu_icloud), (0.3, uu_comcast),
    (0.2, uu_cox), (0.4, uu_gmx), (0.3, uu_mailru), (0.3, uu_yandex), (0.3, uu_qq),
    (0.2, uu_zoho), (0.3, uu_orange), (0.6, uu_japan), (0.9, uu_filters), (0.4, uu_exim_local),
    # mailbox full (about 9%)
    (4.4, full_generic), (1.9, full_gmail), (1.2, full_ms), (1.3, full_providers),
    (0.6, full_local),
    # disabled accounts
    (2.0, disabled),
    # deferrals: greylisting, rate limits, server trouble (about 20%)
    (4.0, greylist), (0.8, greylist_ms), (3.0, rate_generic), (2.2, rate_gmail),
    (2.5, rate_yahoo), (1.6, rate_ms), (1.6, rate_providers), (2.0, tempfail),
    (1.0, tempfail_providers),
    # blocks: blocklists, reputation, spam, policy (about 18%)
    (2.6, bl_postfix), (1.8, bl_other), (1.4, bl_gmail), (2.2, bl_ms), (1.2, bl_yahoo),
    (1.6, bl_isp), (1.6, bl_filters), (2.4, spam_content), (1.4, spam_providers),
    (0.7, policy_ms),
    # authentication (about 5%)
    (1.8, auth_generic), (2.0, auth_gmail), (1.4, auth_providers),
    # connection / DNS / timeout (about 9%)
    (3.6, conn_postfix), (1.4, conn_exim), (1.0, conn_sendmail), (0.6, conn_qmail),
    (1.0, conn_ms), (0.8, conn_gmail_dsn),
    # expiry, relay, PTR, TLS, size, virus, sender, domain, protocol, loops
    (1.6, expired), (1.4, relay), (1.1, ptr), (0.5, ptr_gmail), (1.2, tls), (1.0, size),
    (0.9, virus), (1.2, sender_rej), (1.2, bad_domain), (1.0, protocol), (0.3, loop),
    (0.5, local_mda),
    # successes (about 9%)
    (8.0, success), (1.0, success_local),
]


def clean(s):
    # one record per line: real line breaks become the two characters \n
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    assert "\\n" not in s, s
    return s.replace("\n", "\\n")


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    seen = set()
    lines = []
    tries = 0
    while len(lines) < target and tries < target * 50:
        tries += 1
        c = Ctx()
        text = clean(render(c, weighted(MIX)(c)))
        if text in seen:
            continue
        seen.add(text)
        lines.append(text)
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    with open(OUT, encoding="ascii") as f:
        written = f.read().split("\n")[:-1]
    print("%s: wrote %d lines, %d distinct" % (os.path.basename(OUT), len(written),
                                                len(set(written))))


if __name__ == "__main__":
    main()
