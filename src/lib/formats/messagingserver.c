/*
 * messagingserver.c - reports of Sun Java System / Oracle Communications
 * Messaging Server (and its ancestors PMDF and iPlanet Messaging Server).
 * Subject "Delivery Notification: Delivery has failed" (or "... has been
 * delayed"), boundary "Boundary_(ID_...)", the text
 *     This report relates to a message you sent with the following header
 *     fields:
 *       Message-id: ...
 *     Your message cannot be delivered to the following recipients:
 *       Recipient address: a@example.jp
 *       Original address: a@example.jp
 *       Reason: Remote SMTP server has rejected address
 *       Diagnostic code: smtp;550 5.1.1 <a@example.jp>... User Unknown
 *       Remote system: dns;mx.example.jp (TCP|...|25) (mx.example.jp ESMTP)
 * and a message/delivery-status part (old PMDF writes the same fields in
 * the text of a multipart without boundaries).
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define MSGSERVER_LINES 1000

/* match - the subject and the lead-in */
static int match(const bk_message *m)
{
    if (message_find(m, "This report relates to a message you sent with the following header") >= 0)
        return 1;
    span s = header_span(m, "Subject");
    return span_starts(s, "Delivery Notification: ") &&
           (message_find(m, "Recipient address:") >= 0 || m->dsn.len);
}

/* value_after - the value of "Name: value" when s starts with name */
static int value_after(span s, const char *name, span *v)
{
    if (!span_starts(s, name))
        return 0;
    *v = span_trim(span_from(s, strlen(name)));
    return 1;
}

/* decode - the status fields, then the recipient blocks of the text */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    int fresh = 0; /* cur's diagnostic comes from the text */
    while (lines++ < MSGSERVER_LINES && line_next(t, len, &pos, &line)) {
        span s = span_trim(line), v, a;
        /* the status fields begin: the text's part is over */
        if (span_starts(line, "Reporting-MTA:") || span_starts(line, "Original-envelope-id:"))
            break;
        if (value_after(s, "Recipient address:", &v) && find_address(v, &a)) {
            /* an address inside the system ("a@sims-ms-daemon"): the
             * original address that follows is the one the sender used */
            size_t save = pos;
            span next, o, oa;
            if (!internet_domain(a) && line_next(t, len, &pos, &next) &&
                value_after(span_trim(next), "Original address:", &o) && find_address(o, &oa) &&
                internet_domain(oa))
                a = oa;
            else
                pos = save;
            cur = found_add(out, a.p, a.len);
            fresh = cur && !cur->diag_len;
            continue;
        }
        if (!cur)
            continue;
        if (value_after(s, "Diagnostic code:", &v) && fresh) {
            const char *semi = memchr(v.p, ';', v.len);
            if (semi && semi - v.p < 12) {
                found_set(cur->diagtype, sizeof cur->diagtype, v.p, (size_t)(semi - v.p));
                v = span_trim(span_from(v, (size_t)(semi - v.p) + 1));
            }
            cur->diag_len = 0;
            found_diag(cur, v.p, v.len);
            if (!cur->reply_code)
                cur->reply_code = take_reply_code(v);
            if (!cur->status[0]) {
                span head = {v.p, v.len < 24 ? v.len : 24};
                find_status(head, cur->status);
            }
        } else if (value_after(s, "Original address:", &v) && !cur->orig[0]) {
            found_orig(cur, v.p, v.len);
        } else if (value_after(s, "Reason:", &v) && fresh && !cur->diag_len) {
            found_diag(cur, v.p, v.len);
        } else if (value_after(s, "Remote system:", &v) && !cur->rhost[0]) {
            const char *semi = memchr(v.p, ';', v.len);
            if (semi)
                v = span_trim(span_from(v, (size_t)(semi - v.p) + 1));
            size_t k = 0;
            while (k < v.len && !bk_is_space((unsigned char)v.p[k]) && v.p[k] != '(')
                k++;
            found_set(cur->rhost, sizeof cur->rhost, v.p, k);
        }
    }
    return out->n > 0;
}

const bk_format bk_format_messagingserver = {"messagingserver", 20, match, decode};
