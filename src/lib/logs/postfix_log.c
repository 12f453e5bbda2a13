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
 *             QID: milter-reject: RCPT from H[A]: 451 4.7.1 ...; from=<s> to=<r> ...
 *             (DATA, BDAT, END-OF-MESSAGE: the whole message; to= is its first
 *             recipient), discard: / milter-discard:, hold: / milter-hold: ...
 *   cleanup   QID: milter-reject: END-OF-MESSAGE from H[A]: 5.7.1 TEXT; from=<s> to=<r> ...
 *             QID: reject: header|body CONTENT from H[A]; from=<s> to=<r> proto=P
 *                  helo=<h>: 5.7.1 TEXT   (header_checks, body_checks)
 *             QID: discard|hold|warning|info|filter|redirect|...: header|body ...
 *             a refusal of a message refused or dropped whole by cleanup ends
 *             its queue id (qmgr never sees it); one of a local submission
 *             (no proto=) is no outcome: cleanup bounces it and logs each
 *             recipient "status=bounced"
 *   discard   QID: to=<r>, relay=none, ..., status=sent (NEXTHOP): dropped on
 *             purpose, counted (discarded), as a content filter's "250 2.7.0
 *             Ok, discarded, id=..." on this host (log_filter_discard), and
 *             local's "status=sent (delivered to file: /dev/null)"
 *
 * A recipient's deferrals are kept with its queue id until it is sent,
 * bounced or expired; the outcome then carries the number of attempts.
 * A hand-off ends them too, without an outcome: the message goes on under
 * another queue id, whose outcome counts its own attempts.
 */
#include "logs_internal.h"
#include "text.h"

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

/* end_pending - recipient to of qid needs no outcome of this queue id (a
 * hand-off, a discard): its earlier deferrals end with this line */
static void end_pending(bk_log_reader *r, log_span qid, log_span to)
{
    log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 0);
    if (!q)
        return;
    q->last = r->now;
    log_pending *p = pending_get(q, to.p, to.len, 0);
    if (p)
        pending_remove(q, p);
}

/* message_gone - the message of qid was refused or dropped whole before it
 * was queued (cleanup never hands it to qmgr, which logs no "removed"):
 * forget its entry, as "removed" does */
static void message_gone(bk_log_reader *r, log_span qid)
{
    log_queue *q = queue_get(r, "postfix", qid.p, qid.len, 0);
    if (q)
        queue_expire(r, q, BK_LOG_DEFERRED);
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
    if (sent && (log_prog_is(l->prog, "discard") || log_filter_discard(relay, text) ||
                 log_is(text, "delivered to file: /dev/null"))) {
        /* dropped on purpose: by the discard(8) transport, by a content
         * filter on this host ("250 2.7.0 Ok, discarded, id=..."), or by an
         * alias to /dev/null (local(8)): no delivery; earlier deferrals of
         * the recipient end here */
        r->st.discarded++;
        end_pending(r, qid, to);
        return 0;
    }
    if (sent && log_handoff(r, "postfix", relay, text)) {
        /* handed to a content filter on this host that queued it again:
         * the new queue id's lines tell the outcome. Earlier deferrals of
         * the recipient here (the filter down) end with this line; the
         * outcome counts the attempts of the new queue id only. */
        r->st.handoffs++;
        end_pending(r, qid, to);
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

/* angle - the address of "<...>" at p, after its '<': up to the '>' that a
 * blank, ':', ',' or the end follows */
static log_span angle(const char *p, const char *end)
{
    const char *gt = p;
    while (gt < end && (gt = memchr(gt, '>', (size_t)(end - gt))) != NULL) {
        if (gt + 1 == end || gt[1] == ' ' || gt[1] == ':' || gt[1] == ',')
            return (log_span){p, (size_t)(gt - p)};
        gt++;
    }
    return (log_span){p, (size_t)(end - p)};
}

typedef struct {
    log_span from, to;        /* the addresses, without brackets */
    log_span text;            /* after the fields' ": " (cleanup's content checks) */
    int proto;                /* a proto= field: the message came by SMTP */
} pf_envelope;

/* envelope - the fields smtpd and cleanup append to what they refused or
 * acted on, "; from=<s> to=<r> proto=P helo=<h>" (each optional), and the
 * text after them: found after the last ';' of s that starts one, as what
 * comes before (a reply, a header the sender wrote) may hold anything.
 * Returns the offset of that ';', -1 when there is none. */
static long envelope(log_span s, pf_envelope *env)
{
    memset(env, 0, sizeof *env);
    env->from.p = env->to.p = env->text.p = s.p;
    const char *end = s.p + s.len;
    long semi = -1;
    for (size_t i = s.len; i > 0 && semi < 0; i--) {
        log_span after = {s.p + i, s.len - i};
        if (s.p[i - 1] == ';' && (log_starts(after, " from=<") || log_starts(after, " to=<") ||
                                  log_starts(after, " proto=") || log_starts(after, " helo=<")))
            semi = (long)i - 1;
    }
    if (semi < 0)
        return -1;
    const char *p = s.p + semi + 1;
    for (;;) {
        if (p < end && *p == ',') /* postscreen: "from=<s>, to=<r>, proto=ESMTP, helo=<h>" */
            p++;
        if (!(p + 1 < end && *p == ' '))
            break;
        log_span at = {p + 1, (size_t)(end - p - 1)}, v;
        if (log_starts(at, "proto=")) {
            env->proto = 1;
            for (p = at.p + 6; p < end && *p != ' ' && *p != ':' && *p != ','; p++)
                ;
            continue;
        }
        if (log_starts(at, "from=<"))
            v = env->from = angle(at.p + 6, end);
        else if (log_starts(at, "to=<"))
            v = env->to = angle(at.p + 4, end);
        else if (log_starts(at, "helo=<"))
            v = angle(at.p + 6, end);
        else
            break;
        p = v.p + v.len < end ? v.p + v.len + 1 : end; /* after the '>' */
    }
    if (p + 1 < end && p[0] == ':' && p[1] == ' ')
        env->text = (log_span){p + 2, (size_t)(end - p - 2)};
    return semi;
}

/* refused - the rejected outcome of the envelope's recipient: the client
 * host, the reply text; of queue id qid (entry q when the message is gone) */
static void refused(bk_log_reader *r, const log_line *l, log_span qid, const log_queue *q,
                    const pf_envelope *env, log_span client, log_span text)
{
    bk_log_event *e = event_start(r, BK_LOG_REJECTED, "postfix", l, q);
    if (qid.len)
        copy_field(e->queue_id, sizeof e->queue_id, qid.p, qid.len);
    copy_field(e->recipient, sizeof e->recipient, env->to.p, env->to.len);
    if (env->from.len)
        copy_field(e->sender, sizeof e->sender, env->from.p, env->from.len);
    copy_field(e->relay, sizeof e->relay, client.p, client.len);
    copy_field(e->text, sizeof e->text, text.p, text.len);
    event_emit(r, e);
}

/* reject - smtpd's "reject: RCPT from H[A]: TEXT; from=<s> to=<r> ..." (also
 * milter-reject, and cleanup's milter-reject "END-OF-MESSAGE from H[A]:
 * 5.7.1 TEXT; ..."): the reply refuses the recipient named; at DATA, BDAT
 * or END-OF-MESSAGE, or in cleanup, the whole message (to= names its first
 * recipient only), whose queue id then ends */
static int reject(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    pf_envelope env;
    long colon = log_find(rest, ": ");
    long semi = envelope(rest, &env);
    if (colon < 0 || semi < colon)
        return -1;
    int cleanup = log_prog_is(l->prog, "cleanup");
    if (cleanup && !env.proto)
        return 0; /* a local submission: cleanup bounces it, logging each recipient */
    if (!env.to.len)
        return 1; /* a rejection with no recipient (CONNECT, HELO, MAIL) */
    /* "EVENT from host[addr]: " then the reply */
    log_span head = {rest.p, (size_t)colon};
    size_t ev = 0;
    while (ev < head.len && head.p[ev] != ' ')
        ev++;
    int whole = cleanup || (ev == 4 && (memcmp(head.p, "DATA", 4) == 0 || memcmp(head.p, "BDAT", 4) == 0)) ||
                (ev == 14 && memcmp(head.p, "END-OF-MESSAGE", 14) == 0);
    log_span client = {head.p, 0};
    long fromh = log_find(head, " from ");
    if (fromh >= 0)
        client = (log_span){head.p + fromh + 6, head.len - (size_t)fromh - 6};
    log_span text = {rest.p + colon + 2, (size_t)(semi - colon - 2)};
    const log_queue *q = whole && qid.len ? queue_get(r, "postfix", qid.p, qid.len, 0) : NULL;
    refused(r, l, qid, q, &env, client, text);
    if (whole && qid.len)
        message_gone(r, qid);
    return 0;
}

/* content_reject - cleanup's header or body check, "reject: header|body
 * CONTENT from ORIGIN; from=<s> to=<r> proto=P helo=<h>: 5.7.1 TEXT" (the
 * text "5.7.1 message content rejected" when the rule gave none): the whole
 * message is refused, to= names its first recipient only */
static int content_reject(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    pf_envelope env;
    long semi = envelope(rest, &env);
    if (semi < 0)
        return -1;
    if (!env.proto)
        return 0; /* "from local": cleanup bounces it, logging each recipient */
    if (!env.to.len)
        return 1;
    /* the origin is after the last " from " before the fields */
    log_span client = {rest.p + semi, 0};
    for (long i = semi - 6; i >= 0; i--)
        if (memcmp(rest.p + i, " from ", 6) == 0) {
            client = (log_span){rest.p + i + 6, (size_t)(semi - i - 6)};
            break;
        }
    const log_queue *q = qid.len ? queue_get(r, "postfix", qid.p, qid.len, 0) : NULL;
    refused(r, l, qid, q, &env, client, env.text);
    message_gone(r, qid);
    return 0;
}

/* action - "ACTION: ..." after the queue id (or NOQUEUE): what smtpd's
 * restrictions, cleanup's header and body checks and the milters did.
 *   reject, milter-reject       a refusal (reject, content_reject)
 *   discard, milter-discard     the message dropped on purpose: counted
 *                               (discarded), once, as the lines name its
 *                               first recipient only
 *   hold, milter-hold           the message kept in the hold queue, no
 *                               delivery tried: counted (untried); it is
 *                               delivered under its queue id if released
 *   warning, warn, info, filter, redirect, pass, prepend, replace, bcc,
 *   strip, delay                no outcome
 * What cleanup refuses or drops never reaches qmgr: its queue id ends. */
static int action(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    size_t n = 0;
    while (n < rest.len && n < 16 && (bk_is_alpha((unsigned char)rest.p[n]) || rest.p[n] == '-'))
        n++;
    if (n + 2 > rest.len || rest.p[n] != ':' || rest.p[n + 1] != ' ')
        return 1;
    log_span w = {rest.p, n}, tail = {rest.p + n + 2, rest.len - n - 2};
    int milter = n > 7 && memcmp(w.p, "milter-", 7) == 0;
    if (milter)
        w = (log_span){w.p + 7, w.len - 7};
    if (log_is(w, "reject"))
        return !milter && (log_starts(tail, "header ") || log_starts(tail, "body "))
                   ? content_reject(r, l, qid, tail)
                   : reject(r, l, qid, tail);
    if (log_is(w, "discard")) {
        r->st.discarded++;
        if (qid.len && log_prog_is(l->prog, "cleanup"))
            message_gone(r, qid);
        return 0;
    }
    if (log_is(w, "hold")) {
        r->st.untried++;
        return 0;
    }
    if (milter)
        return 1;
    static const char *const quiet[] = {"warning", "warn", "info",    "filter", "redirect", "pass",
                                        "prepend", "replace", "bcc", "strip",  "delay"};
    for (size_t k = 0; k < sizeof quiet / sizeof quiet[0]; k++)
        if (log_is(w, quiet[k]))
            return 0;
    return 1;
}

int postfix_line(bk_log_reader *r, const log_line *l)
{
    log_span msg = l->msg;
    if (log_starts(msg, "NOQUEUE: ")) {
        log_span rest = {msg.p + 9, msg.len - 9}, none = {NULL, 0};
        return action(r, l, none, rest);
    }
    log_span qid = log_queue_id(msg);
    if (!qid.len)
        return 1; /* connect, disconnect, warning, statistics ... */
    log_span rest = {msg.p + qid.len + 2, msg.len - qid.len - 2};
    if (log_starts(rest, "to=<"))
        return delivery(r, l, qid, rest);
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
    return action(r, l, qid, rest);
}
