/*
 * exim_log.c - Exim main log lines: its own file ("2026-12-06 12:20:36
 * [+0100] [pid] ..."), or the same text through syslog ("exim[pid]: ...",
 * with or without Exim's own stamp in front). ID is a message id, the old
 * "1abcDE-0001xy-Zq" or the Exim 4.97+ "1abcDE-00000000123-ABCD":
 *
 *   ID <= sender [H=host [ip]] [P=proto] S=size [id=message-id] ...   arrival
 *   ID <= <> R=ID0 ...       a message Exim made about ID0: a bounce notice
 *                            when ID0 had a failure (else a delay warning)
 *   ID => rcpt [(parent)] [<orig>] [F=<s>] R=router T=transport
 *         [H=host [ip][:port]] [C="250 ..."] [QT=time]               delivered
 *         (to a loopback host whose reply names an id this log has shown,
 *         "250 OK id=ID2": a hand-off to a content filter, no outcome)
 *         A pipe, a file or a local mailbox is logged by what Exim made of
 *         the address, then the address it came from: "|/usr/bin/procmail
 *         <h@example.com>", "/home/u/mbox (u@example.org) <u@example.com>",
 *         "save mbox <u@example.com>", "alice <root@example.com>" (a router
 *         with log_as_local): the recipient is the address in <...>.
 *         "/dev/null <g@example.com> ... T=**bypassed**" and ":blackhole:
 *         <b@example.com> R=router" are no deliveries: counted as
 *         discarded, no outcome
 *   ID -> rcpt ...           another address of the same delivery
 *   ID >> rcpt ...           delivered during cutthrough
 *   ID *> rcpt ...           delivery suppressed (-N): counted as discarded,
 *                            no outcome
 *   ID ** rcpt [<orig>] [R=.. T=.. H=..]: TEXT                        bounced
 *   ID ** rcpt ...: retry timeout exceeded                            expired
 *   ID == rcpt [<orig>] [R=.. T=..] defer (N) [H=..]: TEXT            deferral
 *         (an attempt; but "retry time not reached" or a queue-only text,
 *         e.g. "domain matches queue_smtp_domains, or -odqs set", is none:
 *         counted as untried, no deferral of its own)
 *   ID Completed [QT=time]   the message left the queue
 *   ID Frozen ... / frozen by U / Message is frozen   kept in the queue
 *   [H=host [ip]] [F=<s>] [temporarily] rejected RCPT <r>: TEXT   rejected at RCPT
 *
 * A reply of several lines is logged with "\n" between them; it is given
 * to the classifier with blanks instead.
 */
#include "logs_internal.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define EXIM "exim"

typedef struct {
    log_span addr, orig, router, transport, host, conf, from, size, msgid, qt;
    log_span text;  /* after the first token that ends in ':' */
    int has_text;
} exim_fields;

/* exim_id - the length of the message id at the start of m (followed by a
 * blank or the end), 0 when there is none */
static size_t exim_id(log_span m)
{
    static const size_t lo[3] = {6, 6, 2}, hi[3] = {6, 11, 4};
    size_t part = 0, n = 0;
    for (size_t i = 0;; i++) {
        if (i < m.len && bk_is_alnum((unsigned char)m.p[i])) {
            n++;
            continue;
        }
        if (n < lo[part] || n > hi[part])
            return 0;
        if (part == 2)
            return i == m.len || m.p[i] == ' ' ? i : 0;
        if (i >= m.len || m.p[i] != '-')
            return 0;
        part++;
        n = 0;
    }
}

/* token - the blank-separated token at s[*i] (a quoted part, with \"
 * escapes, is kept whole), moving *i past it and the blanks after */
static log_span token(log_span s, size_t *i)
{
    log_span t = {s.p + *i, 0};
    int quoted = 0;
    size_t k = *i;
    for (; k < s.len && (quoted || s.p[k] != ' '); k++) {
        if (s.p[k] == '\\' && quoted && k + 1 < s.len)
            k++;
        else if (s.p[k] == '"')
            quoted = !quoted;
    }
    t.len = k - *i;
    while (k < s.len && s.p[k] == ' ')
        k++;
    *i = k;
    return t;
}

/* key_is - token t is "KEY=..." for this key; v gets the value */
static int key_is(log_span t, const char *key, log_span *v)
{
    size_t n = strlen(key);
    if (t.len < n || memcmp(t.p, key, n) != 0)
        return 0;
    v->p = t.p + n;
    v->len = t.len - n;
    if (v->len >= 2 && v->p[0] == '"' && v->p[v->len - 1] == '"') {
        v->p++;
        v->len -= 2;
    }
    return 1;
}

/* fields - the tokens of s (after a "=>"-style flag when addr is set: the
 * address comes first) up to the first token ending in ':', where the text
 * begins */
static void fields(log_span s, int addr, exim_fields *f)
{
    memset(f, 0, sizeof *f);
    size_t i = 0;
    int first = addr, in_host = 0;
    while (i < s.len) {
        log_span t = token(s, &i);
        /* ":blackhole:" in the address's place is no end of the fields */
        int last = t.len > 0 && t.p[t.len - 1] == ':' && !(first && t.p[0] == ':');
        if (last)
            t.len--;
        if (in_host && t.len && (t.p[0] == '[' || t.p[0] == '(')) {
            f->host.len = (size_t)(t.p + t.len - f->host.p); /* "H=name (helo) [ip]:port" */
        } else {
            in_host = 0;
            if (first)
                f->addr = t;
            else if (t.len >= 2 && t.p[0] == '<' && t.p[t.len - 1] == '>' && !f->orig.p)
                f->orig = log_unbracket(t);
            else if (key_is(t, "H=", &f->host))
                in_host = 1;
            else if (!key_is(t, "R=", &f->router) && !key_is(t, "T=", &f->transport) &&
                     !key_is(t, "C=", &f->conf) && !key_is(t, "S=", &f->size) &&
                     !key_is(t, "id=", &f->msgid) && !key_is(t, "QT=", &f->qt) &&
                     key_is(t, "F=", &f->from))
                f->from = log_unbracket(f->from);
        }
        first = 0;
        if (last) {
            f->text.p = s.p + i;
            f->text.len = s.len - i;
            f->has_text = 1;
            return;
        }
    }
}

/* copy_text - the text into a fixed field, Exim's "\n" between the lines
 * of a reply made a blank */
static void copy_text(char *dst, size_t cap, log_span t)
{
    size_t o = 0;
    for (size_t i = 0; i < t.len && o + 1 < cap; i++) {
        if (t.p[i] == '\\' && i + 1 < t.len && t.p[i + 1] == 'n') {
            dst[o++] = ' ';
            i++;
        } else
            dst[o++] = t.p[i];
    }
    dst[o] = '\0';
}

/* reply_dsn - the "X.Y.Z" after the reply code at the start of a reply
 * ("250 2.0.0 Ok"), into dsn; nothing when there is none */
static void reply_dsn(log_span t, char *dsn, size_t cap)
{
    if (t.len < 9 || t.p[0] < '2' || t.p[0] > '5' || (t.p[3] != ' ' && t.p[3] != '-') ||
        t.p[4] != t.p[0] || t.p[5] != '.')
        return;
    size_t e = 4;
    while (e < t.len && ((t.p[e] >= '0' && t.p[e] <= '9') || t.p[e] == '.'))
        e++;
    copy_field(dsn, cap, t.p + 4, e - 4);
}

/* has_reply_code - t holds a remote's 4xx or 5xx reply code ("...: 451 4.7.1
 * greylisted", "... 550-..."), a word of three digits */
static int has_reply_code(log_span t)
{
    for (size_t i = 0; i + 3 < t.len; i++)
        if ((t.p[i] == '4' || t.p[i] == '5') && (i == 0 || t.p[i - 1] == ' ') &&
            bk_is_digit(t.p[i + 1]) && bk_is_digit(t.p[i + 2]) && (t.p[i + 3] == ' ' || t.p[i + 3] == '-'))
            return 1;
    return 0;
}

/* duration - Exim's "1d2h3m4s" as seconds, -1 when absent or malformed */
static double duration(log_span v)
{
    if (!v.len)
        return -1;
    double total = 0, n = 0;
    int digits = 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c >= '0' && c <= '9') {
            n = n * 10 + (c - '0');
            digits = 1;
            continue;
        }
        if (c == '.') { /* "0.5s" with +millisec: the fraction is dropped */
            while (i + 1 < v.len && v.p[i + 1] >= '0' && v.p[i + 1] <= '9')
                i++;
            continue;
        }
        if (!digits)
            return -1;
        if (c == 'w')
            total += n * 604800;
        else if (c == 'd')
            total += n * 86400;
        else if (c == 'h')
            total += n * 3600;
        else if (c == 'm')
            total += n * 60;
        else if (c == 's')
            total += n;
        else
            return -1;
        n = 0;
        digits = 0;
    }
    return total;
}

/* relay_of - the host of an "H=" value without a leading "(helo) " */
static log_span relay_of(log_span h)
{
    if (h.len && h.p[0] == '(') {
        const char *close = memchr(h.p, ')', h.len);
        if (close && (size_t)(close - h.p) + 2 <= h.len) {
            h.len -= (size_t)(close + 2 - h.p);
            h.p = close + 2;
        }
    }
    return h;
}

/* text_host - the remote host older Exim names in the text instead of an
 * "H=" field ("SMTP error from remote mail server after RCPT TO:<a@b>: host
 * mx.example.net [192.0.2.9]: 550 ..."), as "mx.example.net [192.0.2.9]";
 * length 0 when there is none */
static log_span text_host(log_span t)
{
    log_span none = {t.p, 0};
    long at = log_find(t, ": host ");
    if (at < 0)
        return none;
    log_span h = {t.p + at + 7, t.len - (size_t)at - 7};
    const char *open = memchr(h.p, '[', h.len < 300 ? h.len : 300);
    const char *close = open ? memchr(open, ']', h.len - (size_t)(open - h.p)) : NULL;
    if (!open || open == h.p || open[-1] != ' ' || !close || (size_t)(close - h.p) + 1 >= h.len ||
        close[1] != ':' || memchr(h.p, ' ', (size_t)(open - 1 - h.p)))
        return none;
    h.len = (size_t)(close + 1 - h.p);
    return h;
}

/* arrival - "ID <= sender ...": the message's sender, size and id; a
 * message Exim made ("<= <> R=ID0") about a failure is a bounce notice */
static int arrival(bk_log_reader *r, log_span id, log_span rest)
{
    exim_fields f;
    fields(rest, 1, &f);
    if (!f.addr.len)
        return -1;
    log_span sender = log_unbracket(f.addr); /* "<>": empty */
    log_queue *q = queue_get(r, EXIM, id.p, id.len, 1);
    if (!q)
        return -1;
    q->last = r->now;
    queue_set_sender(q, sender.p, sender.len);
    if (f.size.len)
        q->size = log_number(f.size);
    if (f.msgid.len)
        set_str(&q->messageid, f.msgid.p, f.msgid.len);
    if (!sender.len && f.router.len && exim_id(f.router) == f.router.len) {
        /* the original unknown (an earlier log) or with a failure: a bounce */
        const log_queue *orig = queue_get(r, EXIM, f.router.p, f.router.len, 0);
        if (!orig || orig->failed)
            r->st.notices++;
    }
    return 0;
}

/* untried - the text of a "==" line says no delivery was tried this time:
 * the address was only queued (queue_smtp_domains or -odqs: routed, not
 * sent; queue_domains; a queue run for local deliveries only), or its retry
 * time was not reached (an earlier failure, of this message or of another
 * to the same host or domain, set when to try again; Exim skips the address
 * until then). None is a failed attempt of this message. */
static int untried(log_span text)
{
    static const char *const PHRASES[] = {"retry time not reached", "queue_smtp_domains, or -odqs set",
                                          "domain is in queue_domains", "remote deliveries suppressed"};
    for (size_t i = 0; i < sizeof PHRASES / sizeof *PHRASES; i++)
        if (log_find(text, PHRASES[i]) >= 0)
            return 1;
    return 0;
}

/* recipient_of - the address an outcome line is about: the address
 * delivered to, or, when that is no address (a pipe, a file, :blackhole:,
 * a local part logged alone), the address in <...> it came from */
static log_span recipient_of(const exim_fields *f)
{
    if (f->orig.len && f->addr.len &&
        (f->addr.p[0] == '/' || f->addr.p[0] == '|' || !memchr(f->addr.p, '@', f->addr.len)))
        return f->orig;
    return f->addr;
}

/* outcome - "=>", "->", ">>", "**", "==" and "*>" (flag 'N') lines of message id */
static int outcome(bk_log_reader *r, const log_line *l, log_span id, char flag, log_span rest)
{
    exim_fields f;
    fields(rest, 1, &f);
    if (!f.addr.len || (flag == '*' && !f.has_text) || (flag == '=' && !f.has_text))
        return -1;
    log_queue *q = queue_get(r, EXIM, id.p, id.len, 1);
    if (!q)
        return -1;
    q->last = r->now;
    if (!q->has_sender && f.from.p)
        queue_set_sender(q, f.from.p, f.from.len);
    log_span rcpt = recipient_of(&f);
    log_pending *p = pending_get(q, rcpt.p, rcpt.len, 0);
    if (flag == 'N' || (flag == '>' && (log_is(f.addr, ":blackhole:") || log_is(f.addr, "/dev/null")))) {
        /* dropped here on purpose (-N, :blackhole:, /dev/null): not sent,
         * no outcome; deferrals before end with this line */
        r->st.discarded++;
        if (p)
            pending_remove(q, p);
        return 0;
    }
    log_span relay = f.host.len ? relay_of(f.host) : text_host(f.text);
    if (flag == '=') {
        if (untried(f.text)) {
            /* no deferral: counted; an earlier attempt's reason stays pending */
            r->st.untried++;
            if (p)
                p->last = r->now;
            return 0;
        }
        if (!p && !(p = pending_get(q, rcpt.p, rcpt.len, 1)))
            return -1;
        if (!p->first)
            p->first = r->now;
        p->last = r->now;
        p->attempts++;
        char text[BK_REPLY_TEXT_MAX];
        copy_text(text, sizeof text, f.text);
        set_str(&p->text, text, strlen(text));
        /* Exim deferred it: a failure of its own ("Connection timed out",
         * "missing MX ...") is temporary, as its delay warning's 4.0.0 says;
         * a remote's reply keeps its own codes */
        copy_field(p->dsn, sizeof p->dsn, "4.0.0", has_reply_code(f.text) ? 0 : 5);
        if (relay.len)
            set_str(&p->relay, relay.p, relay.len);
        return 0;
    }
    if (flag == '>' && log_handoff(r, EXIM, relay, f.conf)) {
        /* handed to a content filter on this host that passed it to Exim
         * again: the new message's lines tell the outcome; deferrals here
         * (the filter down) end with this line */
        r->st.handoffs++;
        if (p)
            pending_remove(q, p);
        return 0;
    }
    bk_log_outcome o = BK_LOG_DELIVERED;
    if (flag == '*')
        o = log_find(f.text, "retry timeout exceeded") >= 0 ||
                    log_find(f.text, "retry time not reached for any host after a long failure period") >= 0
                ? BK_LOG_EXPIRED
                : BK_LOG_BOUNCED;
    bk_log_event *e = event_start(r, o, EXIM, l, q);
    copy_field(e->recipient, sizeof e->recipient, rcpt.p, rcpt.len);
    if (rcpt.p != f.orig.p) /* else the address it came from is the recipient */
        copy_field(e->orig_recipient, sizeof e->orig_recipient, f.orig.p, f.orig.len);
    copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
    if (o == BK_LOG_DELIVERED) {
        copy_text(e->text, sizeof e->text, f.conf);
        reply_dsn(f.conf, e->dsn, sizeof e->dsn);
    } else
        copy_text(e->text, sizeof e->text, f.text);
    e->delay = duration(f.qt);
    e->attempts = o == BK_LOG_EXPIRED ? 0 : 1; /* an expiry is no attempt of its own */
    if (p) {
        e->attempts += p->attempts;
        if (p->first)
            e->first = p->first;
        if (o == BK_LOG_EXPIRED && p->text) {
            /* "retry timeout exceeded" says nothing: the last deferral does */
            copy_field(e->text, sizeof e->text, p->text, strlen(p->text));
            if (!e->relay[0] && p->relay)
                copy_field(e->relay, sizeof e->relay, p->relay, strlen(p->relay));
        }
        pending_remove(q, p);
    }
    if (o != BK_LOG_DELIVERED)
        q->failed++;
    event_emit(r, e);
    return 0;
}

/* rejected - "H=host [ip] F=<s> [temporarily] rejected RCPT <r>: TEXT" */
static int rejected(bk_log_reader *r, const log_line *l, log_span msg, long at)
{
    exim_fields conn, f;
    fields((log_span){msg.p, (size_t)at}, 0, &conn);
    size_t skip = (size_t)at + 15; /* " rejected RCPT " */
    if (at == 0 && log_starts(msg, "rejected RCPT "))
        skip = 14;
    log_span rest = {msg.p + skip, msg.len > skip ? msg.len - skip : 0};
    fields(rest, 1, &f);
    log_span to = log_unbracket(f.addr);
    if (!to.len || to.p[0] == '<')
        return -1;
    bk_log_event *e = event_start(r, BK_LOG_REJECTED, EXIM, l, NULL);
    copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
    copy_field(e->sender, sizeof e->sender, conn.from.p, conn.from.len);
    log_span relay = relay_of(conn.host);
    copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
    copy_text(e->text, sizeof e->text, f.text);
    event_emit(r, e);
    return 0;
}

/* exim_line - one line of Exim's main log: 0 used, 1 not of interest, -1 malformed */
int exim_line(bk_log_reader *r, const log_line *l)
{
    log_span msg = l->msg;
    log_line inner;
    if (msg.len > 19 && msg.p[0] >= '1' && msg.p[0] <= '2' && msg.p[4] == '-' &&
        log_line_parse(msg.p, msg.len, r->year, &inner) == 0 && inner.kind == LINE_EXIM)
        msg = inner.msg; /* syslog with Exim's own stamp after the prefix */
    size_t n = exim_id(msg);
    if (!n) {
        long at = log_find(msg, " rejected RCPT ");
        if (at < 0 && log_starts(msg, "rejected RCPT "))
            at = 0;
        return at >= 0 ? rejected(r, l, msg, at) : 1;
    }
    log_span id = {msg.p, n};
    log_span rest = {msg.p + n, msg.len - n};
    while (rest.len && rest.p[0] == ' ')
        rest.p++, rest.len--;
    if (rest.len >= 2 && (rest.len == 2 || rest.p[2] == ' ')) {
        log_span after = {rest.p + 2, rest.len - 2};
        while (after.len && after.p[0] == ' ')
            after.p++, after.len--;
        if (log_starts(rest, "<="))
            return arrival(r, id, after);
        if (log_starts(rest, "=>") || log_starts(rest, "->") || log_starts(rest, ">>"))
            return outcome(r, l, id, '>', after);
        if (log_starts(rest, "**"))
            return outcome(r, l, id, '*', after);
        if (log_starts(rest, "=="))
            return outcome(r, l, id, '=', after);
        if (log_starts(rest, "*>"))
            return outcome(r, l, id, 'N', after);
    }
    if (log_starts(rest, "Completed")) {
        log_queue *q = queue_get(r, EXIM, id.p, id.len, 0);
        if (q)
            queue_expire(r, q, BK_LOG_DEFERRED); /* pending then: not seen to end */
        return 0;
    }
    if (log_starts(rest, "Frozen") || log_starts(rest, "frozen") ||
        log_starts(rest, "Message is frozen") || log_starts(rest, "Unfrozen") ||
        log_starts(rest, "unfrozen")) {
        /* a frozen message stays in the queue: its recipients stay pending */
        log_queue *q = queue_get(r, EXIM, id.p, id.len, 1);
        if (!q)
            return -1;
        q->last = r->now;
        return 0;
    }
    long at = log_find(rest, " rejected RCPT ");
    if (at >= 0)
        return rejected(r, l, rest, at);
    return 1; /* connections, queue runs, "removed by", "SMTP error" notes ... */
}
