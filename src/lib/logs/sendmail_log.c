/*
 * sendmail_log.c - Sendmail syslog lines (sendmail, sm-mta, and
 * sm-msp-queue: the runner of the submission client's queue, whose lines
 * say how mail submitted locally was handed to the MTA):
 *
 *   QID: from=<s>, size=N, class=0, nrcpts=N, msgid=<id>, proto=ESMTP,
 *        daemon=MTA, relay=host [ip]
 *   QID: to=<r>[,<r2>...], [ctladdr=<c> (uid/gid),] delay=[D+]HH:MM:SS,
 *        xdelay=.., mailer=esmtp, pri=N, [relay=mx.example.net. [ip],]
 *        [dsn=X.Y.Z,] [reply=REPLY,] stat=Sent (REPLY) | Deferred: TEXT | queued | TEXT
 *        (8.17 logs the remote's reply= of a failure: the text classified)
 *        (Sent: delivered; Deferred or a 4.x status: pending, an attempt;
 *        "queued" is no attempt: counted as untried; 4.4.7: expired; any other: bounced)
 *        Sent to this host's MTA ("mailer=relay, relay=[127.0.0.1] [127.0.0.1]",
 *        "stat=Sent (QID2 Message accepted for delivery)", as the submission
 *        client does), QID2's from= line already seen (the MTA logs it
 *        before its reply): a hand-off, counted, no outcome (QID2's lines have it)
 *        A to= that is no address (a file "/home/u/mbox", a program
 *        "|/usr/bin/procmail" or "\"|...\"", written by an alias or a
 *        .forward) is about the address of ctladdr=<u@example.com> (uid/gid);
 *        to=/dev/null Sent is no delivery: counted as discarded, no outcome
 *   QID: QID2: DSN: TEXT | return to sender: TEXT | sender notify: TEXT
 *        a notice Sendmail sent the sender (not "Warning: ..." nor "Return
 *        receipt"); "Cannot send message for 5 days": QID's pending
 *        recipients expired
 *   QID: QID2: postmaster notify: TEXT   the same sent to the postmaster: no
 *        notice to the sender, but "Cannot send message for" expires as well
 *   QID|NOQUEUE: ruleset=check_rcpt, arg1=<r>, relay=host [ip],
 *        reject=550 5.7.1 <r>... Relaying denied          rejected at RCPT
 *   QID: Milter: to=<r>, reject=550 5.7.1 TEXT              rejected at RCPT
 *   QID: <r>... User unknown | No such user here | Mailbox disabled for this
 *        recipient   an unknown local user refused at RCPT (usrerr() logs the
 *        address as given, "... ", the text without its codes), rejected
 *        A refusal with a queue id is reported when the from= line of that
 *        id comes (Sendmail logs it when the transaction ends: "nrcpts=0"
 *        when every recipient was refused), with its sender. After the
 *        from= line, the same shape is a delivery's note: its to= line tells.
 *
 * Sendmail logs no line when a message leaves the queue: an entry is
 * dropped once as many recipients as from= counted have an outcome.
 */
#include "logs_internal.h"

#include <stdlib.h>
#include <string.h>

#define SENDMAIL "sendmail"

/* tail - the value of ", key=" to the end of the line (stat=, reject= come
 * last and may hold ", "); fields gets what is before it (all of s when
 * it is missing, and the value's len is 0) */
static log_span tail(log_span s, const char *key, log_span *fields)
{
    long at = log_find(s, key);
    log_span v = {s.p, 0};
    *fields = s;
    if (at < 0)
        return v;
    size_t k = (size_t)at + strlen(key);
    v.p = s.p + k;
    v.len = s.len - k;
    fields->len = (size_t)at;
    return v;
}

/* delay - "[D+]HH:MM:SS" as seconds, -1 when malformed */
static double delay(log_span v)
{
    double days = 0, t = 0;
    int parts = 0, n = -1;
    for (size_t i = 0; i <= v.len; i++) {
        char c = i < v.len ? v.p[i] : ':';
        if (c >= '0' && c <= '9') {
            n = (n < 0 ? 0 : n * 10) + (c - '0');
            if (n > 1000000)
                return -1;
        } else if (c == '+' && parts == 0 && n >= 0) {
            days = n;
            n = -1;
        } else if (c == ':' && n >= 0) {
            t = t * 60 + n;
            parts++;
            n = -1;
        } else
            return -1;
    }
    return parts == 3 ? days * 86400 + t : -1;
}

/* next_rcpt - the next address of a to= list ("<a>,<b>", "a,b"), unbracketed */
static log_span next_rcpt(log_span list, size_t *i)
{
    size_t s = *i;
    int angle = 0, quoted = 0;
    while (*i < list.len && (angle || quoted || list.p[*i] != ',')) {
        char c = list.p[*i];
        if (c == '"')
            quoted = !quoted;
        else if (c == '<' && !quoted)
            angle = 1;
        else if (c == '>' && !quoted)
            angle = 0;
        (*i)++;
    }
    log_span a = {list.p + s, *i - s};
    if (*i < list.len)
        (*i)++;
    return log_unbracket(a);
}

/* not_address - a to= that names a file or a program, not an address */
static int not_address(log_span to)
{
    size_t i = to.len && to.p[0] == '"' ? 1 : 0;
    return i < to.len && (to.p[i] == '/' || to.p[i] == '|');
}

/* is_dev_null - to=/dev/null, quoted or not */
static int is_dev_null(log_span to)
{
    if (to.len >= 2 && to.p[0] == '"' && to.p[to.len - 1] == '"')
        to.p++, to.len -= 2;
    return to.len == 9 && memcmp(to.p, "/dev/null", 9) == 0;
}

/* ctl_address - the address of "ctladdr=<u@example.com> (uid/gid)" or
 * "ctladdr=u (uid/gid)"; length 0 when there is none */
static log_span ctl_address(log_span fields)
{
    log_span c = log_value(fields, "ctladdr=");
    const char *blank = c.len ? memchr(c.p, ' ', c.len) : NULL;
    if (blank)
        c.len = (size_t)(blank - c.p);
    return log_unbracket(c);
}

/* delivery - "QID: to=<r>,..., stat=..." */
static int delivery(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    log_span fields;
    log_span stat = tail(rest, ", stat=", &fields);
    if (!stat.len)
        return -1;
    /* Sendmail 8.17 logs the remote's own reply before stat= (which then
     * says only "Service unavailable"); it may hold ", " */
    log_span reply = tail(fields, ", reply=", &fields);
    /* the to= list ends at the first ", " */
    log_span list = {rest.p + 3, 0};
    long sep = log_find((log_span){list.p, fields.len - 3}, ", ");
    list.len = sep < 0 ? fields.len - 3 : (size_t)sep;
    log_span dsn = log_value(fields, "dsn="), relay = log_value(fields, "relay=");
    log_span ctl = {NULL, 0};
    int ctl_read = 0;
    double dl = delay(log_value(fields, "delay="));
    int sent = log_starts(stat, "Sent"), queued = log_starts(stat, "queued");
    int deferred = log_starts(stat, "Deferred") || (dsn.len && dsn.p[0] == '4' &&
                   !(dsn.len == 5 && memcmp(dsn.p, "4.4.7", 5) == 0));
    bk_log_outcome o = sent ? BK_LOG_DELIVERED
                       : dsn.len && dsn.p[0] == '4' ? BK_LOG_EXPIRED : BK_LOG_BOUNCED;
    log_span text = stat;
    if (log_starts(text, "Deferred")) {
        text.p += 8, text.len -= 8;
        if (log_starts(text, ": "))
            text.p += 2, text.len -= 2;
    } else if (sent) {
        const char *open = memchr(stat.p, '(', stat.len);
        if (open && stat.p[stat.len - 1] == ')') {
            text.p = open + 1;
            text.len = (size_t)(stat.p + stat.len - 1 - text.p);
        }
    }
    if (!text.len)
        text = stat;
    if (reply.len && !sent)
        text = reply;
    int handoff = sent && log_handoff(r, SENDMAIL, relay, text);
    log_queue *q = queue_get(r, SENDMAIL, qid.p, qid.len, 1);
    if (!q)
        return -1;
    q->last = r->now;
    int any = 0, final = 0;
    for (size_t i = 0; i < list.len;) {
        log_span to = next_rcpt(list, &i);
        if (!to.len)
            continue;
        any = 1;
        if (not_address(to)) {
            if (sent && is_dev_null(to)) {
                /* thrown away here (an alias to /dev/null): not sent */
                r->st.discarded++;
                final++;
                continue;
            }
            if (!ctl_read) {
                ctl = ctl_address(fields);
                ctl_read = 1;
            }
            if (ctl.len)
                to = ctl; /* the address whose alias or .forward named it */
        }
        if (queued) {
            /* queued without a delivery attempt (delivery mode queue or
             * deferred, a load too high): no deferral; counted, and an
             * earlier attempt's reason stays pending */
            r->st.untried++;
            log_pending *was = pending_get(q, to.p, to.len, 0);
            if (was)
                was->last = r->now;
            continue;
        }
        log_pending *p = pending_get(q, to.p, to.len, deferred);
        if (handoff) {
            /* accepted by the MTA on this host (the submission client's
             * queue handed to sm-mta): its queue id has the outcome. The
             * recipient is done here, earlier deferrals (the MTA down)
             * ending without an outcome of their own. */
            r->st.handoffs++;
            if (p)
                pending_remove(q, p);
            final++;
            continue;
        }
        if (deferred) {
            if (!p)
                return -1;
            if (!p->first)
                p->first = r->now;
            p->last = r->now;
            p->attempts++;
            copy_field(p->dsn, sizeof p->dsn, dsn.p, dsn.len);
            set_str(&p->text, text.p, text.len);
            set_str(&p->relay, relay.p, relay.len);
            p->delay = dl;
            continue;
        }
        bk_log_event *e = event_start(r, o, SENDMAIL, l, q);
        copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
        copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
        copy_field(e->dsn, sizeof e->dsn, dsn.p, dsn.len);
        copy_field(e->text, sizeof e->text, text.p, text.len);
        e->delay = dl;
        e->attempts = 1;
        if (p) {
            e->attempts += p->attempts;
            e->first = p->first;
            pending_remove(q, p);
        }
        if (o != BK_LOG_DELIVERED)
            q->failed++;
        final++;
        event_emit(r, e);
    }
    q->done += final;
    if (q->nrcpt > 0 && q->done >= q->nrcpt && q->np == 0)
        queue_drop(r, q); /* every recipient has its outcome */
    return any ? 0 : -1;
}

/* refusal - recipient to refused at RCPT with text: reported now without
 * a queue id, else held in the queue entry (a pending recipient with no
 * attempt) until the from= line of the id gives its sender */
static int refusal(bk_log_reader *r, const log_line *l, log_span qid, log_span to, log_span relay,
                   log_span text)
{
    log_queue *q = NULL;
    if (qid.len) {
        q = queue_get(r, SENDMAIL, qid.p, qid.len, 1);
        if (!q)
            return -1;
        q->last = r->now;
        log_pending *p = pending_get(q, to.p, to.len, 0);
        if (!p && !q->has_sender && (p = pending_get(q, to.p, to.len, 1)) != NULL) {
            p->first = p->last = r->now;
            p->refused = 1;
            set_str(&p->text, text.p, text.len);
            set_str(&p->relay, relay.p, relay.len);
            return 0;
        }
    }
    bk_log_event *e = event_start(r, BK_LOG_REJECTED, SENDMAIL, l, NULL);
    copy_field(e->queue_id, sizeof e->queue_id, qid.p, qid.len);
    const char *sender = q ? queue_sender(q) : NULL;
    if (sender)
        copy_field(e->sender, sizeof e->sender, sender, strlen(sender));
    copy_field(e->recipient, sizeof e->recipient, to.p, to.len);
    copy_field(e->relay, sizeof e->relay, relay.p, relay.len);
    copy_field(e->text, sizeof e->text, text.p, text.len);
    event_emit(r, e);
    return 0;
}

/* release - report the refusals held in q (their sender now known), in
 * the order they came */
static void release(bk_log_reader *r, const log_line *l, log_queue *q)
{
    size_t held = 0;
    for (size_t k = 0; k < q->np; k++) {
        const log_pending *p = &q->p[k];
        if (!p->refused)
            continue;
        held++;
        bk_log_event *e = event_start(r, BK_LOG_REJECTED, SENDMAIL, l, q);
        copy_field(e->recipient, sizeof e->recipient, p->recipient, strlen(p->recipient));
        if (p->text)
            copy_field(e->text, sizeof e->text, p->text, strlen(p->text));
        if (p->relay)
            copy_field(e->relay, sizeof e->relay, p->relay, strlen(p->relay));
        e->first = e->last = p->first;
        event_emit(r, e);
    }
    for (size_t k = 0; held && k < q->np;) {
        if (!q->p[k].refused)
            k++;
        else {
            pending_remove(q, &q->p[k]);
            held--;
        }
    }
}

/* reject - "ruleset=check_rcpt, arg1=<r>, relay=.., reject=TEXT" or
 * "Milter: to=<r>, reject=TEXT" */
static int reject(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    log_span fields;
    log_span text = tail(rest, ", reject=", &fields);
    log_span to = log_unbracket(log_value(fields, log_starts(rest, "Milter:") ? "to=" : "arg1="));
    if (!text.len)
        return -1;
    if (!to.len || (log_starts(rest, "ruleset=") && !log_starts(rest, "ruleset=check_rcpt,")))
        return 1; /* the connection, HELO or sender refused: no recipient */
    return refusal(r, l, qid, to, log_value(fields, "relay="), text);
}

/* session - "<r>... TEXT": what usrerr() logged during the SMTP session,
 * an unknown local user refused at RCPT; 1 for any other text, or once
 * the id's from= line was seen (a delivery's note then) */
static int session(bk_log_reader *r, const log_line *l, log_span qid, log_span rest)
{
    static const char *const REFUSALS[] = {"User unknown", "No such user", "Mailbox disabled",
                                           "Addressee unknown"};
    const char *blank = memchr(rest.p, ' ', rest.len);
    if (!blank || blank - rest.p < 4 || memcmp(blank - 3, "...", 3) != 0)
        return 1;
    log_span to = log_unbracket((log_span){rest.p, (size_t)(blank - 3 - rest.p)});
    log_span text = {blank + 1, rest.len - (size_t)(blank + 1 - rest.p)};
    size_t i = 0;
    while (i < sizeof REFUSALS / sizeof *REFUSALS && log_find(text, REFUSALS[i]) < 0)
        i++;
    if (i == sizeof REFUSALS / sizeof *REFUSALS || !to.len)
        return 1;
    const log_queue *q = queue_get(r, SENDMAIL, qid.p, qid.len, 0);
    if (q && q->has_sender)
        return 1;
    return refusal(r, l, qid, to, (log_span){NULL, 0}, rest);
}

/* notice - "QID: QID2: DSN: TEXT" (return to sender, sender notify,
 * postmaster notify): a notice to the sender is counted (to_sender) */
static int notice(bk_log_reader *r, log_span qid, log_span text, int to_sender)
{
    if (log_starts(text, "Warning:") || log_starts(text, "Return receipt") ||
        log_starts(text, "Delivery report"))
        return 0; /* a delay warning or a success report */
    if (to_sender)
        r->st.notices++;
    if (log_find(text, "Cannot send message for") >= 0) {
        log_queue *q = queue_get(r, SENDMAIL, qid.p, qid.len, 0);
        if (q)
            queue_expire(r, q, BK_LOG_EXPIRED);
    }
    return 0;
}

/* sendmail_line - one Sendmail line: 0 used, 1 not of interest, -1 malformed */
int sendmail_line(bk_log_reader *r, const log_line *l)
{
    log_span msg = l->msg;
    int noqueue = log_starts(msg, "NOQUEUE: ");
    log_span qid = noqueue ? (log_span){msg.p, 7} : log_queue_id(msg);
    if (!qid.len)
        return 1; /* STARTTLS, AUTH, daemon start ... */
    log_span rest = {msg.p + qid.len + 2, msg.len - qid.len - 2};
    if (log_starts(rest, "ruleset=") || log_starts(rest, "Milter: to="))
        return reject(r, l, noqueue ? (log_span){msg.p, 0} : qid, rest);
    if (noqueue)
        return 1; /* connection-level notes */
    if (log_starts(rest, "to="))
        return delivery(r, l, qid, rest);
    if (log_starts(rest, "from=")) {
        log_span from = log_unbracket(log_value(rest, "from="));
        log_span nrcpts = log_value(rest, "nrcpts=");
        int none = nrcpts.len == 1 && nrcpts.p[0] == '0'; /* every recipient refused */
        log_queue *q = queue_get(r, SENDMAIL, qid.p, qid.len, !none);
        if (!q)
            return none ? 0 : -1;
        q->last = r->now;
        queue_set_sender(q, from.p, from.len);
        release(r, l, q);
        if (none) {
            if (!q->np)
                queue_drop(r, q); /* no message */
            return 0;
        }
        log_span size = log_value(rest, "size="), id = log_unbracket(log_value(rest, "msgid="));
        if (size.len)
            q->size = log_number(size);
        if (nrcpts.len)
            q->nrcpt = (int)log_number(nrcpts);
        if (id.len)
            set_str(&q->messageid, id.p, id.len);
        return 0;
    }
    log_span q2 = log_queue_id(rest);
    if (q2.len) {
        log_span what = {rest.p + q2.len + 2, rest.len - q2.len - 2};
        if (log_starts(what, "DSN: "))
            return notice(r, qid, (log_span){what.p + 5, what.len - 5}, 1);
        if (log_starts(what, "return to sender: "))
            return notice(r, qid, (log_span){what.p + 18, what.len - 18}, 1);
        if (log_starts(what, "sender notify: "))
            return notice(r, qid, (log_span){what.p + 15, what.len - 15}, 1);
        if (log_starts(what, "postmaster notify: "))
            return notice(r, qid, (log_span){what.p + 19, what.len - 19}, 0);
        return 1;
    }
    if (rest.len)
        return session(r, l, qid, rest);
    return 1;
}
