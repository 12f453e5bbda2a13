/*
 * postfix_log.c - Postfix log lines (any syslog prefix, or maillog_file):
 *
 *   qmgr      QID: from=<s>, size=N, nrcpt=N (queue active)
 *   qmgr      QID: from=<s>, status=expired, returned to sender
 *   qmgr      QID: removed
 *   cleanup   QID: message-id=<id>
 *   smtp, lmtp, local, virtual, pipe, error, discard, ...
 *             QID: to=<r>, [orig_to=<o>,] relay=R, delay=D, ..., dsn=X.Y.Z,
 *                  status=sent|deferred|bounced|expired (TEXT)
 *   bounce    QID: sender non-delivery notification: QID2
 *   smtpd     NOQUEUE: reject: RCPT from H[A]: 550 5.1.1 <r>: ...; from=<s> to=<r> ...
 *
 * A recipient's deferrals are kept with its queue id until it is sent,
 * bounced or expired; the outcome then carries the number of attempts.
 */
#include "logs_internal.h"

#include <stdlib.h>
#include <string.h>

/* find - offset of needle in s, or -1 */
static long find(log_span s, const char *needle)
{
    size_t n = strlen(needle);
    if (n > s.len)
        return -1;
    for (size_t i = 0; i + n <= s.len; i++) {
        const char *at = memchr(s.p + i, needle[0], s.len - n - i + 1);
        if (!at)
            return -1;
        i = (size_t)(at - s.p);
        if (memcmp(at, needle, n) == 0)
            return (long)i;
    }
    return -1;
}

/* starts - s begins with prefix */
static int starts(log_span s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

/* value - the value of "key=" in a ", "-separated list (up to the next ','
 * or the end); len 0 when missing */
static log_span value(log_span s, const char *key)
{
    log_span v = {s.p, 0};
    size_t kl = strlen(key);
    long at = -1;
    for (size_t from = 0; from < s.len;) {
        log_span rest = {s.p + from, s.len - from};
        long k = find(rest, key);
        if (k < 0)
            break;
        size_t i = from + (size_t)k;
        if (i == 0 || s.p[i - 1] == ' ') {
            at = (long)i;
            break;
        }
        from = i + 1;
    }
    if (at < 0)
        return v;
    v.p = s.p + at + kl;
    size_t e = (size_t)at + kl;
    while (e < s.len && s.p[e] != ',')
        e++;
    v.len = (size_t)(s.p + e - v.p);
    return v;
}

/* unbracket - drop the angle brackets of "<addr>" */
static log_span unbracket(log_span v)
{
    if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>') {
        v.p++;
        v.len -= 2;
    }
    return v;
}

/* queue_id - the "QID: " at the start of msg; length 0 when it is not one */
static log_span queue_id(log_span msg)
{
    log_span q = {msg.p, 0};
    size_t i = 0;
    while (i < msg.len && i < 31 &&
           ((msg.p[i] >= '0' && msg.p[i] <= '9') || (msg.p[i] >= 'A' && msg.p[i] <= 'Z') ||
            (msg.p[i] >= 'a' && msg.p[i] <= 'z')))
        i++;
    if (i < 5 || i + 1 >= msg.len || msg.p[i] != ':' || msg.p[i + 1] != ' ')
        return q;
    q.len = i;
    return q;
}

/* paren_text - the text in the parentheses after status=WORD, to the last ')' */
static log_span paren_text(log_span s, log_span status)
{
    log_span t = {s.p, 0};
    const char *p = status.p + status.len;
    const char *end = s.p + s.len;
    while (p < end && *p != '(')
        p++;
    if (p >= end)
        return t;
    const char *close = end;
    while (close > p && close[-1] != ')')
        close--;
    t.p = p + 1;
    t.len = close > p + 1 ? (size_t)(close - 1 - t.p) : (size_t)(end - t.p);
    return t;
}

/* delivery - "to=<r>, ... status=..." */
static int delivery(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    log_span to = unbracket(value(rest, "to="));
    log_span status = value(rest, "status=");
    if (!to.len || !status.len)
        return -1;
    size_t w = 0;
    while (w < status.len && status.p[w] != ' ')
        w++;
    log_span word = {status.p, w};
    log_span text = paren_text(rest, word);
    log_span relay = value(rest, "relay="), dsn = value(rest, "dsn=");
    log_span delay = value(rest, "delay="), orig = unbracket(value(rest, "orig_to="));
    log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
    if (!q)
        return -1;
    q->last = r->now;
    log_pending *p = pending_get(q, to.p, to.len, 0);
    int deferred = word.len == 8 && memcmp(word.p, "deferred", 8) == 0;
    if (deferred) {
        if (!p && !(p = pending_get(q, to.p, to.len, 1)))
            return -1;
        if (!p->attempts)
            p->first = r->now;
        p->attempts++;
        p->last = r->now;
        copy_field(p->dsn, sizeof p->dsn, dsn.p, dsn.len);
        set_str(&p->text, text.p, text.len);
        set_str(&p->relay, relay.p, relay.len);
        p->delay = delay.len ? strtod(delay.p, NULL) : -1;
        return 0;
    }
    bk_log_outcome o;
    if (word.len == 4 && memcmp(word.p, "sent", 4) == 0)
        o = BK_LOG_DELIVERED;
    else if (word.len == 7 && memcmp(word.p, "bounced", 7) == 0)
        o = BK_LOG_BOUNCED;
    else if (word.len == 7 && memcmp(word.p, "expired", 7) == 0)
        o = BK_LOG_EXPIRED;
    else
        return 1; /* deliverable / undeliverable (address verification): not a delivery */
    bk_log_event *e = event_start(r, o, "postfix", l, q);
    copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
    copy_field(e->orig_recipient, sizeof e->orig_recipient, orig.p, orig.len);
    copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
    copy_field(e->dsn, sizeof e->dsn, dsn.p, dsn.len);
    copy_field(e->text, sizeof e->text, text.p, text.len);
    e->delay = delay.len ? strtod(delay.p, NULL) : -1;
    e->attempts = 1;
    if (p) {
        e->attempts += p->attempts;
        e->first = p->first;
        pending_remove(q, p);
    }
    event_emit(r, e);
    return 0;
}

/* reject - smtpd "NOQUEUE: reject: RCPT from H[A]: TEXT; from=<s> to=<r> ..." */
static int reject(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    long colon = find(rest, ": ");
    log_span to = {NULL, 0}, from = {NULL, 0};
    long semi = -1;
    for (size_t i = rest.len; i > 0; i--)
        if (rest.p[i - 1] == ';') {
            semi = (long)i - 1;
            break;
        }
    if (colon < 0 || semi < colon)
        return -1;
    log_span tail = {rest.p + semi + 1, rest.len - (size_t)semi - 1};
    long t = find(tail, " to=<"), f = find(tail, " from=<");
    if (t >= 0) {
        to.p = tail.p + t + 5;
        const char *gt = memchr(to.p, '>', (size_t)(tail.p + tail.len - to.p));
        to.len = gt ? (size_t)(gt - to.p) : 0;
    }
    if (f >= 0) {
        from.p = tail.p + f + 7;
        const char *gt = memchr(from.p, '>', (size_t)(tail.p + tail.len - from.p));
        from.len = gt ? (size_t)(gt - from.p) : 0;
    }
    if (!to.len)
        return 1; /* a rejection with no recipient (CONNECT, HELO, MAIL) */
    bk_log_event *e = event_start(r, BK_LOG_REJECTED, "postfix", l, NULL);
    if (qid.len)
        copy_field(e->queue_id, sizeof e->queue_id, qid.p, qid.len);
    copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
    if (from.len)
        copy_field(e->sender, sizeof e->sender, from.p, from.len);
    /* "RCPT from host[addr]: " then the reply */
    log_span head = {rest.p, (size_t)colon};
    long fromh = find(head, " from ");
    if (fromh >= 0)
        copy_field(e->relay, sizeof e->relay, head.p + fromh + 6, head.len - (size_t)fromh - 6);
    copy_field(e->text, sizeof e->text, rest.p + colon + 2, (size_t)(semi - colon - 2));
    event_emit(r, e);
    return 0;
}

int postfix_line(bk_log_reader *r, const log_line *l)
{
    log_span msg = l->msg;
    if (starts(msg, "NOQUEUE: reject: ")) {
        log_span rest = {msg.p + 17, msg.len - 17}, none = {NULL, 0};
        return reject(r, l, none, rest);
    }
    log_span qid = queue_id(msg);
    if (!qid.len)
        return 1; /* connect, disconnect, warning, statistics ... */
    log_span rest = {msg.p + qid.len + 2, msg.len - qid.len - 2};
    if (starts(rest, "to=<"))
        return delivery(r, l, qid, rest);
    if (starts(rest, "reject: "))
        return reject(r, l, qid, (log_span){rest.p + 8, rest.len - 8});
    if (starts(rest, "from=<")) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
        if (!q)
            return -1;
        q->last = r->now;
        log_span from = unbracket(value(rest, "from="));
        if (find(rest, "status=expired") >= 0) {
            queue_expire(r, q, BK_LOG_EXPIRED);
            return 0;
        }
        if (!q->sender || from.len)
            set_str(&q->sender, from.p, from.len);
        log_span size = value(rest, "size="), nrcpt = value(rest, "nrcpt=");
        if (size.len)
            q->size = strtoll(size.p, NULL, 10);
        if (nrcpt.len)
            q->nrcpt = atoi(nrcpt.p);
        return 0;
    }
    if (starts(rest, "message-id=")) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
        if (!q)
            return -1;
        log_span id = unbracket((log_span){rest.p + 11, rest.len - 11});
        set_str(&q->messageid, id.p, id.len);
        return 0;
    }
    if (rest.len == 7 && memcmp(rest.p, "removed", 7) == 0) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 0);
        if (q)
            queue_expire(r, q, BK_LOG_DEFERRED); /* pending then: not seen to end */
        return 0;
    }
    if (starts(rest, "sender non-delivery notification: ")) {
        r->st.notices++;
        return 0;
    }
    return 1;
}
