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
 *                  status=SOFTBOUNCE (TEXT)   a bounce kept in the queue
 *                      (soft_bounce = yes): a deferral, its reply the reason
 *                  status=deliverable|undeliverable[-but-not-cached] (TEXT)
 *                      an address verification probe: counted, no outcome
 *                  relay=127.0.0.1[127.0.0.1]:10024, ..., status=sent (250 2.0.0
 *                      from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as QID2)
 *                      a hand-off to a content filter (amavisd-new ...) or relay
 *                      on this host that queued it again as QID2, a queue id
 *                      already seen (its cleanup line comes before this reply):
 *                      counted, no outcome (QID2's lines have it). A deferral
 *                      there (the filter down) stays an outcome, as do a
 *                      delivery to a mailbox and a reply naming an id not
 *                      seen (a tunnel to a smarthost)
 *   bounce    QID: sender non-delivery notification: QID2
 *   smtpd     NOQUEUE: reject: RCPT from H[A]: 550 5.1.1 <r>: ...; from=<s> to=<r> ...
 *
 * A recipient's deferrals are kept with its queue id until it is sent,
 * bounced or expired; the outcome then carries the number of attempts.
 * A hand-off ends them too, without an outcome: the message goes on under
 * another queue id, whose outcome counts its own attempts.
 */
#include "logs_internal.h"

#include <stdlib.h>
#include <string.h>

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

enum { F_TO, F_STATUS, F_RELAY, F_DSN, F_DELAY, F_ORIG, N_FIELDS };

/* fields - the delivery line's values, each exactly as log_value gives it,
 * in one pass over the '=' of s (a key's only '=' is its last byte) */
static void fields(log_span s, log_span *out)
{
    int left = N_FIELDS;
    for (int k = 0; k < N_FIELDS; k++)
        out[k] = (log_span){NULL, 0};
    const char *end = s.p + s.len;
    for (const char *eq = memchr(s.p, '=', s.len); eq && left; eq = memchr(eq + 1, '=', (size_t)(end - eq - 1))) {
        /* the key is the word before '=', after a space or the start */
        const char *key = eq;
        while (key > s.p && key[-1] != ' ' && eq - key < 8)
            key--;
        if (key > s.p && key[-1] != ' ')
            continue;
        int k = -1;
        switch (eq - key) {
        case 2:
            k = memcmp(key, "to", 2) == 0 ? F_TO : -1;
            break;
        case 3:
            k = memcmp(key, "dsn", 3) == 0 ? F_DSN : -1;
            break;
        case 5:
            k = memcmp(key, "relay", 5) == 0 ? F_RELAY : memcmp(key, "delay", 5) == 0 ? F_DELAY : -1;
            break;
        case 6:
            k = memcmp(key, "status", 6) == 0 ? F_STATUS : -1;
            break;
        case 7:
            k = memcmp(key, "orig_to", 7) == 0 ? F_ORIG : -1;
            break;
        }
        if (k < 0 || out[k].p)
            continue;
        const char *comma = memchr(eq + 1, ',', (size_t)(end - eq - 1));
        out[k] = (log_span){eq + 1, (size_t)((comma ? comma : end) - eq - 1)};
        left--;
    }
    for (int k = 0; k < N_FIELDS; k++)
        if (!out[k].p)
            out[k].p = s.p; /* as log_value: a missing value is empty at s */
}

enum { Q_FROM, Q_SIZE, Q_NRCPT, N_QFIELDS };

/* qmgr_fields - from=, size= and nrcpt= of a qmgr line, each exactly as
 * log_value gives it, in one pass over the '=' of s; returns whether
 * "status=expired" occurs in s (as log_find: its '=' is one of them) */
static int qmgr_fields(log_span s, log_span *out)
{
    static const char *const keys[N_QFIELDS] = {"from=", "size=", "nrcpt="};
    static const size_t kl[N_QFIELDS] = {5, 5, 6};
    int expired = 0;
    for (int k = 0; k < N_QFIELDS; k++)
        out[k] = (log_span){NULL, 0};
    const char *end = s.p + s.len;
    for (const char *eq = memchr(s.p, '=', s.len); eq; eq = memchr(eq + 1, '=', (size_t)(end - eq - 1))) {
        size_t j = (size_t)(eq - s.p) + 1; /* the key would be s[j - kl, j) */
        if (!expired && j >= 7 && (size_t)(end - eq) >= 8 && memcmp(eq - 6, "status=expired", 14) == 0)
            expired = 1;
        for (int k = 0; k < N_QFIELDS; k++) {
            if (out[k].p || j < kl[k] || memcmp(eq + 1 - kl[k], keys[k], kl[k]) != 0 ||
                (j > kl[k] && s.p[j - kl[k] - 1] != ' '))
                continue;
            const char *comma = memchr(eq + 1, ',', (size_t)(end - eq - 1));
            out[k] = (log_span){eq + 1, (size_t)((comma ? comma : end) - eq - 1)};
        }
    }
    for (int k = 0; k < N_QFIELDS; k++)
        if (!out[k].p)
            out[k].p = s.p; /* as log_value: a missing value is empty at s */
    return expired;
}

/* delivery - "to=<r>, ... status=..." */
static int delivery(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    log_span f[N_FIELDS];
    fields(rest, f);
    log_span to = log_unbracket(f[F_TO]);
    log_span status = f[F_STATUS];
    if (!to.len || !status.len)
        return -1;
    size_t w = 0;
    while (w < status.len && status.p[w] != ' ')
        w++;
    log_span word = {status.p, w};
    log_span text = paren_text(rest, word);
    if ((word.len == 11 && memcmp(word.p, "deliverable", 11) == 0) || log_starts(word, "undeliverable")) {
        /* an address verification probe's result (verify(8), sendmail -bv;
         * "undeliverable-but-not-cached" too): no mail of the sender's */
        r->st.probes++;
        return 0;
    }
    log_span relay = f[F_RELAY], dsn = f[F_DSN];
    log_span delay = f[F_DELAY], orig = log_unbracket(f[F_ORIG]);
    int sent = word.len == 4 && memcmp(word.p, "sent", 4) == 0;
    if (sent && log_handoff(r, "postfix", relay, text)) {
        /* handed to a content filter on this host that queued it again:
         * the new queue id's lines tell the outcome. Earlier deferrals of
         * the recipient here (the filter down) end with this line; the
         * outcome counts the attempts of the new queue id only. */
        r->st.handoffs++;
        log_queue *hq = queue_get(r, "postfix", qid.p, qid.len, 0);
        if (hq) {
            hq->last = r->now;
            log_pending *hp = pending_get(hq, to.p, to.len, 0);
            if (hp)
                pending_remove(hq, hp);
        }
        return 0;
    }
    if (sent) {
        /* the provider's cache slots (relay host as relay_host() makes it,
         * recipient domain) load while the rest is done */
        const char *h = relay.p, *end = relay.p + relay.len;
        while (h < end && *h != '[' && *h != ':' && *h != ',' && *h != ' ')
            h++;
        if (h - relay.p > 1 && h[-1] == '.')
            h--;
        provider_prefetch(r, 0, relay.p, (size_t)(h - relay.p));
        const char *at = to.p + to.len;
        while (at > to.p && at[-1] != '@')
            at--;
        provider_prefetch(r, 1, at, at > to.p ? (size_t)(to.p + to.len - at) : 0);
    }
    log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
    if (!q)
        return -1;
    q->last = r->now;
    log_pending *p = pending_get(q, to.p, to.len, 0);
    /* soft_bounce = yes: Postfix keeps the message and logs a permanent
     * failure as SOFTBOUNCE, the status's class made 4; an attempt, as a
     * deferral, whose reply and status (class 5 again) stay the reason */
    int soft = word.len == 10 && memcmp(word.p, "SOFTBOUNCE", 10) == 0;
    int deferred = soft || (word.len == 8 && memcmp(word.p, "deferred", 8) == 0);
    if (deferred) {
        if (!p && !(p = pending_get(q, to.p, to.len, 1)))
            return -1;
        if (!p->attempts)
            p->first = r->now;
        p->attempts++;
        p->last = r->now;
        copy_field(p->dsn, sizeof p->dsn, dsn.p, dsn.len);
        if (soft && p->dsn[0] == '4')
            p->dsn[0] = '5';
        set_str(&p->text, text.p, text.len);
        set_str(&p->relay, relay.p, relay.len);
        p->delay = log_decimal(delay);
        return 0;
    }
    bk_log_outcome o;
    if (sent)
        o = BK_LOG_DELIVERED;
    else if (word.len == 7 && memcmp(word.p, "bounced", 7) == 0)
        o = BK_LOG_BOUNCED;
    else if (word.len == 7 && memcmp(word.p, "expired", 7) == 0)
        o = BK_LOG_EXPIRED;
    else
        return 1; /* a status word of no outcome */
    bk_log_event *e = event_start(r, o, "postfix", l, q);
    copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
    copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
    if (!r->o.report_only || o != BK_LOG_DELIVERED) { /* the classifier reads them */
        copy_field(e->dsn, sizeof e->dsn, dsn.p, dsn.len);
        copy_field(e->text, sizeof e->text, text.p, text.len);
    }
    if (!r->o.report_only)
        copy_field(e->orig_recipient, sizeof e->orig_recipient, orig.p, orig.len);
    e->delay = log_decimal(delay);
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
    long colon = log_find(rest, ": ");
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
    long t = log_find(tail, " to=<"), f = log_find(tail, " from=<");
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
    long fromh = log_find(head, " from ");
    if (fromh >= 0)
        copy_field(e->relay, sizeof e->relay, head.p + fromh + 6, head.len - (size_t)fromh - 6);
    copy_field(e->text, sizeof e->text, rest.p + colon + 2, (size_t)(semi - colon - 2));
    event_emit(r, e);
    return 0;
}

int postfix_line(bk_log_reader *r, const log_line *l)
{
    log_span msg = l->msg;
    if (log_starts(msg, "NOQUEUE: reject: ")) {
        log_span rest = {msg.p + 17, msg.len - 17}, none = {NULL, 0};
        return reject(r, l, none, rest);
    }
    log_span qid = log_queue_id(msg);
    if (!qid.len)
        return 1; /* connect, disconnect, warning, statistics ... */
    log_span rest = {msg.p + qid.len + 2, msg.len - qid.len - 2};
    if (log_starts(rest, "to=<"))
        return delivery(r, l, qid, rest);
    if (log_starts(rest, "reject: "))
        return reject(r, l, qid, (log_span){rest.p + 8, rest.len - 8});
    if (log_starts(rest, "from=<")) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
        if (!q)
            return -1;
        q->last = r->now;
        log_span f[N_QFIELDS];
        int expired = qmgr_fields(rest, f);
        log_span from = log_unbracket(f[Q_FROM]);
        if (expired) {
            queue_expire(r, q, BK_LOG_EXPIRED);
            return 0;
        }
        if (!q->has_sender || from.len)
            queue_set_sender(q, from.p, from.len);
        log_span size = f[Q_SIZE], nrcpt = f[Q_NRCPT];
        if (size.len)
            q->size = log_number(size);
        if (nrcpt.len)
            q->nrcpt = (int)log_number(nrcpt);
        return 0;
    }
    if (log_starts(rest, "message-id=")) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 1);
        if (!q)
            return -1;
        log_span id = log_unbracket((log_span){rest.p + 11, rest.len - 11});
        if (!r->o.report_only) /* the entry is made all the same: eviction counts it */
            set_str(&q->messageid, id.p, id.len);
        return 0;
    }
    if (rest.len == 7 && memcmp(rest.p, "removed", 7) == 0) {
        log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 0);
        if (q)
            queue_expire(r, q, BK_LOG_DEFERRED); /* pending then: not seen to end */
        return 0;
    }
    if (log_starts(rest, "sender non-delivery notification: ")) {
        r->st.notices++;
        return 0;
    }
    return 1;
}
