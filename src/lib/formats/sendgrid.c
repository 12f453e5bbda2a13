/*
 * sendgrid.c - bounces of SendGrid's mail system: "This is an
 * automatically generated message from SendGrid." in the text, a line per
 * recipient "LOCAL:ID:<ADDR> : SENDING-IP : MX:[IP] : REPLY", and a
 * message/delivery-status part with X-SendGrid-QueueID and
 * X-SendGrid-Sender, a Diagnostic-Code without its type, and its own
 * "Action: expired" for a message it gave up retrying (the Status then
 * empty).
 * Rank 15: tried before the MTA formats (rank 20) that would take it by
 * its Postfix-like Subject "Undelivered Mail Returned to Sender".
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"

#include <string.h>

/* match - SendGrid's lead sentence or its status fields */
static int match(const bk_message *m)
{
    if (message_find(m, "automatically generated message from SendGrid") >= 0)
        return 1;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    return span_find(d, "X-SendGrid-QueueID:") >= 0;
}

/* text_line - the text's line for r: "...:<ADDR> : IP : MX:[IP] : REPLY";
 * the remote host and the reply when the fields lack them */
static void text_line(const bk_message *m, found_rcpt *r)
{
    span text = {m->text.data ? m->text.data : "", m->original_at};
    long at = span_find(text, r->recipient);
    if (at < 0)
        return;
    span line = span_from(text, (size_t)at);
    long nl = span_find(line, "\n");
    if (nl >= 0)
        line.len = (size_t)nl;
    /* the parts between " : " */
    span part[5];
    size_t n = 0;
    while (n < 5) {
        long sep = span_find(line, " : ");
        part[n] = sep < 0 ? line : (span){line.p, (size_t)sep};
        n++;
        if (sep < 0)
            break;
        line = span_from(line, (size_t)sep + 3);
    }
    if (n >= 4 && !r->rhost[0]) {
        span h = span_trim(part[2]);
        size_t k = 0;
        while (k < h.len && h.p[k] != ':' && h.p[k] != '[')
            k++;
        found_set(r->rhost, sizeof r->rhost, h.p, k);
    }
    if (!r->diag_len && n >= 2) {
        span reply = span_trim(part[n - 1]);
        found_diag(r, reply.p, reply.len);
    }
}

/* decode - the status fields (SendGrid's "Action: expired" read there), the text's line */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return 0;
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        text_line(m, r);
        if (!r->reply_code && r->diag_len)
            r->reply_code = take_reply_code((span){r->diag, r->diag_len});
    }
    return 1;
}

const bk_format bk_format_sendgrid = {"sendgrid", 15, match, decode};
