/*
 * dsn.c - RFC 3464 delivery status notifications (see dsn.h).
 *
 * Groups of fields are separated by blank lines. A group with
 * Final-Recipient or Original-Recipient describes one recipient; the others
 * (Reporting-MTA, Arrival-Date, X-Postfix-Sender ...) the whole message.
 * Typed values ("rfc822; addr", "dns; host", "smtp; 550 ...") lose their
 * type, which is kept as the diagnostic type where it matters.
 */
#include "dsn.h"
#include "lines.h"
#include "text.h"

#include <string.h>

/* typed_value - the part of "type; value" after the ';' (all when none);
 * the type into type/cap when asked */
static span typed_value(const char *v, size_t n, char *type, size_t cap)
{
    span s = {v, n};
    const char *semi = memchr(v, ';', n);
    if (type)
        type[0] = '\0';
    if (!semi)
        return span_trim(s);
    if (type)
        found_set(type, cap, v, (size_t)(semi - v));
    span r = {semi + 1, n - (size_t)(semi - v) - 1};
    return span_trim(r);
}

/* get - a field's value as a span (len 0 when missing) */
static span get(const field_block *b, const char *name)
{
    span s = {NULL, 0};
    s.p = fields_get(b, name, &s.len);
    if (!s.p)
        s.p = "";
    return s;
}

/* upper_type - "smtp" -> "SMTP" in place */
static void upper_type(char *t)
{
    for (; *t; t++)
        if (*t >= 'a' && *t <= 'z')
            *t = (char)(*t - 'a' + 'A');
}

/* supplementary_info - the "type; text" of Microsoft's field
 * X-Supplementary-Info, which Outlook.com and Exchange write instead of a
 * Diagnostic-Code: "< #5.5.0 smtp;550 Requested action not taken ...>",
 * "<mx.example.net #5.1.1 smtp;550 5.1.1 ...>" (the remote host first) */
static span supplementary_info(span v)
{
    v = span_trim(v);
    if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>') {
        v.p++;
        v.len -= 2;
        v = span_trim(v);
    }
    const char *semi = memchr(v.p, ';', v.len);
    const char *hash = memchr(v.p, '#', semi ? (size_t)(semi - v.p) : v.len);
    if (hash) { /* the host and the status (which Status gives too): the rest */
        size_t k = (size_t)(hash - v.p);
        while (k < v.len && !bk_is_space((unsigned char)v.p[k]))
            k++;
        v = span_trim(span_from(v, k));
    }
    return v;
}

/* standard_action - an Action word RFC 3464 does not know in the one it
 * means ("error", "failure", "bounced" and "expired" are failed; "deferred",
 * "delay" are delayed; "success", "sent" and Postfix's address verification's
 * "deliverable" are delivered); any other failed, as a report of a
 * recipient is of a failure unless it says otherwise */
static void standard_action(char *a, size_t cap)
{
    static const char *const KNOWN[] = {"failed", "delayed", "delivered", "relayed", "expanded"};
    static const struct {
        const char *word, *means;
    } SYNONYMS[] = {{"delay", "delayed"},     {"deferred", "delayed"}, {"transient", "delayed"},
                    {"success", "delivered"}, {"sent", "delivered"},   {"ok", "delivered"},
                    {"deliverable", "delivered"}};
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strcmp(a, KNOWN[i]) == 0)
            return;
    const char *means = "failed";
    for (size_t i = 0; i < sizeof SYNONYMS / sizeof SYNONYMS[0]; i++)
        if (strcmp(a, SYNONYMS[i].word) == 0)
            means = SYNONYMS[i].means;
    found_set(a, cap, means, strlen(means));
}

/* recipient_group - one recipient's fields into an entry; a recipient
 * listed twice keeps what its first group said. The recipient is the
 * Final-Recipient, unless that names a host inside the reporting system (a
 * channel or host name with no dot: Sun's "user@sims-ms-daemon") while the
 * Original-Recipient is an Internet address: the one the sender used. */
static void recipient_group(const field_block *g, const field_block *msg, found *out)
{
    span final = get(g, "Final-Recipient");
    span orig = get(g, "Original-Recipient");
    span actual = get(g, "X-Actual-Recipient");
    if (final.len && orig.len && !internet_domain(final) && internet_domain(orig))
        final.len = 0;
    found_rcpt *r = NULL;
    if (final.len)
        r = found_add(out, final.p, final.len);
    if (!r && orig.len)
        r = found_add(out, orig.p, orig.len);
    if (!r && actual.len)
        r = found_add(out, actual.p, actual.len);
    if (!r)
        return;
    if (orig.len && !r->orig[0])
        found_orig(r, orig.p, orig.len);
    span action = get(g, "Action");
    int gave_up = 0;
    if (action.len && !r->action[0]) {
        /* "failed (bad address)": the word alone, lower case */
        size_t k = 0;
        while (k < action.len && bk_is_alpha((unsigned char)action.p[k]))
            k++;
        found_set(r->action, sizeof r->action, action.p, k);
        for (char *c = r->action; *c; c++)
            *c = (char)bk_lower((unsigned char)*c);
        gave_up = strcmp(r->action, "expired") == 0;
        standard_action(r->action, sizeof r->action);
    }
    span status = get(g, "Status");
    if (status.len && !r->status[0])
        find_status(status, r->status);
    if (gave_up) { /* "Action: expired" (SendGrid): a final failure because time ran out */
        if (!r->reason)
            r->reason = "expired";
        if (!r->status[0])
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
    span rmta = get(g, "Remote-MTA");
    if (rmta.len && !r->rhost[0]) {
        span h = typed_value(rmta.p, rmta.len, NULL, 0);
        /* "dns; mx.example.com [192.0.2.1]": the name */
        size_t k = 0;
        while (k < h.len && !bk_is_space((unsigned char)h.p[k]))
            k++;
        if (k && !(h.p[0] == '['))
            found_set(r->rhost, sizeof r->rhost, h.p, k);
        else
            found_set(r->rhost, sizeof r->rhost, h.p, h.len);
    }
    span diag = get(g, "Diagnostic-Code");
    if (!diag.len)
        diag = supplementary_info(get(g, "X-Supplementary-Info"));
    if (diag.len && !r->diag_len) {
        span d = typed_value(diag.p, diag.len, r->diagtype, sizeof r->diagtype);
        upper_type(r->diagtype);
        found_diag(r, d.p, d.len);
    }
    span when = get(g, "Last-Attempt-Date");
    if (!when.len)
        when = get(msg, "Arrival-Date");
    if (when.len && !r->date[0])
        SPAN_SET(r->date, when);
    span rep = get(msg, "Reporting-MTA");
    if (rep.len && !r->lhost[0]) {
        span h = typed_value(rep.p, rep.len, NULL, 0);
        size_t k = 0;
        while (k < h.len && !bk_is_space((unsigned char)h.p[k]))
            k++;
        found_set(r->lhost, sizeof r->lhost, h.p, k);
    }
}

/* scratch_store - a kept store, emptied (one that ran out of memory is
 * released and starts again) */
static bk_buf scratch_store(bk_buf *s)
{
    if (s->oom)
        bk_buf_free(s);
    bk_buf_reset(s);
    return *s;
}

/* recipient_field - the name n[0..nl) begins a recipient's group: the
 * literal name it is, or NULL */
static const char *recipient_field(const char *n, size_t nl)
{
    if (nl == 15 && bk_ci_prefix(n, nl, "Final-Recipient"))
        return "Final-Recipient";
    if (nl == 18 && bk_ci_prefix(n, nl, "Original-Recipient"))
        return "Original-Recipient";
    return NULL;
}

/* merged_groups - a block of several recipients' fields with no blank line
 * between the groups (AOL's reports write the message's fields and every
 * recipient's in one run): a Final-Recipient or Original-Recipient starts
 * the next group when the group being read has it already, or has its
 * Final-Recipient and other fields after it (the pair may come in either
 * order); the fields before the first are the message's. 0 when g names at
 * most one Final-Recipient. */
static int merged_groups(const field_block *g, field_block *msg, found *out)
{
    size_t finals = 0;
    for (size_t i = 0; i < g->n; i++) {
        size_t nl;
        const char *n = fields_name(g, i, &nl);
        const char *f = recipient_field(n, nl);
        finals += f && f[0] == 'F';
    }
    if (finals < 2)
        return 0;
    field_block sub;
    sub.n = sub.skipped = 0;
    sub.names = 0;
    sub.store = (bk_buf)BK_BUF_INIT;
    int msg_fields = msg->n == 0, in_rcpt = 0;
    int prev_other = 0; /* the field before is no recipient field */
    for (size_t i = 0; i < g->n; i++) {
        size_t nl, vl;
        const char *n = fields_name(g, i, &nl);
        const char *v = fields_value(g, i, &vl);
        const char *f = recipient_field(n, nl);
        if (f && in_rcpt && (fields_get(&sub, f, NULL) ||
                             (prev_other && fields_get(&sub, "Final-Recipient", NULL)))) {
            recipient_group(&sub, msg, out);
            fields_reset(&sub);
        }
        in_rcpt |= f != NULL;
        prev_other = f == NULL;
        if (in_rcpt)
            fields_add(&sub, n, nl, v, vl);
        else if (msg_fields)
            fields_add(msg, n, nl, v, vl);
    }
    if (sub.n)
        recipient_group(&sub, msg, out);
    fields_free(&sub);
    return 1;
}

/* dsn_parse - one entry per recipient group of a block of status fields */
size_t dsn_parse(const char *p, size_t len, found *out)
{
    size_t before = out->n;
    field_block msg, g; /* only n, skipped, names and store need a start (8 KB each) */
    msg.n = g.n = 0;
    msg.skipped = g.skipped = 0;
    msg.names = g.names = 0;
    msg.store = scratch_store(&out->scratch[0]);
    g.store = scratch_store(&out->scratch[1]);
    size_t pos = 0;
    /* the per-message group is the first; it may be missing */
    while (pos < len) {
        fields_reset(&g);
        size_t used = fields_parse(&g, p + pos, len - pos);
        pos += used ? used : len - pos;
        if (g.n == 0)
            continue;
        if (fields_get(&g, "Final-Recipient", NULL) || fields_get(&g, "Original-Recipient", NULL)) {
            if (!merged_groups(&g, &msg, out))
                recipient_group(&g, &msg, out);
        } else if (msg.n == 0)
            for (size_t i = 0; i < g.n; i++) {
                size_t nl, vl;
                const char *n = fields_name(&g, i, &nl);
                const char *v = fields_value(&g, i, &vl);
                fields_add(&msg, n, nl, v, vl);
            }
    }
    size_t sl;
    const char *sender = fields_get(&msg, "X-Postfix-Sender", &sl);
    if (!sender)
        sender = fields_get(&msg, "X-Original-Sender", &sl);
    if (sender && !out->addresser[0]) {
        span s = typed_value(sender, sl, NULL, 0);
        if (is_address(s))
            SPAN_SET(out->addresser, s);
    }
    out->scratch[0] = msg.store; /* the memory is kept for the next call */
    out->scratch[1] = g.store;
    return out->n - before;
}

/* dsn_fields_text - where the delivery-status fields are */
int dsn_fields_text(const bk_message *m, const char **p, size_t *len)
{
    if (m->dsn.len) {
        *p = m->dsn.data;
        *len = m->dsn.len;
        return 1;
    }
    static const char *const starts[] = {"\nReporting-MTA:", "\nFinal-Recipient:",
                                         "\nOriginal-Recipient:"};
    long best = -1;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        long at = message_find(m, starts[i]);
        if (at >= 0 && (best < 0 || at < best))
            best = at;
    }
    if (best < 0 || message_find(m, "\nStatus:") < 0)
        return 0;
    *p = m->text.data + best + 1;
    *len = m->text.len - (size_t)best - 1;
    return 1;
}

/* dsn_decode - one entry per recipient group of the message's status fields */
size_t dsn_decode(const bk_message *m, found *out)
{
    const char *p;
    size_t len;
    if (!dsn_fields_text(m, &p, &len))
        return 0;
    return dsn_parse(p, len, out);
}
