/*
 * mimecast.c - the delivery failure notices Mimecast's gateway writes itself
 * (Subject "[Postmaster] Email Delivery Failure", X-Mimecast-* or X-MC-System
 * fields): each part of the notice is a lead line and lines that begin with
 * "-- ":
 *     An email that you attempted to send to the following address could
 *     not be delivered:
 *     -- a@example.org
 *     The problem appears to be :
 *     -- Recipient email address is possibly incorrect
 *     Additional information follows :
 *     -- 5.4.1 Recipient address rejected: Access denied. [...]
 *     This condition occurred after 1 attempt(s) to deliver over
 *     a period of 0 hour(s).
 * The additional information is the remote server's reply, with its status:
 * it is the diagnostic; Mimecast's own summary (a guess: "possibly") is the
 * diagnostic only when there is no reply.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define MIMECAST_LINES 200

/* match - Mimecast's fields and the notice's lead lines */
static int match(const bk_message *m)
{
    if (!header_span(m, "X-Mimecast-Originator").len && !header_span(m, "X-MC-System").len &&
        !header_has(m, "From", "mimecast"))
        return 0;
    return message_find(m, "The problem appears to be") >= 0 &&
           message_find(m, "could not be delivered") >= 0;
}

/* decode - the addresses, the summary and the remote reply */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at ? m->original_at : m->text.len, pos = 0, lines = 0;
    span line, summary = {NULL, 0}, info = {NULL, 0};
    enum { LEAD, ADDRS, SUMMARY, INFO } state = LEAD;
    while (lines++ < MIMECAST_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (span_find(s, "could not be delivered") >= 0) {
            state = ADDRS;
            continue;
        }
        if (span_starts(s, "The problem appears to be")) {
            state = SUMMARY;
            continue;
        }
        if (span_starts(s, "Additional information follows")) {
            state = INFO;
            continue;
        }
        if (span_starts(s, "This condition occurred after"))
            break;
        if (!span_starts(s, "--") || state == LEAD) {
            /* a reply cut over two lines goes on without the dashes */
            if (s.len && state == INFO && info.p)
                span_extend(&info, s);
            else if (s.len)
                state = LEAD;
            continue;
        }
        span v = span_trim(span_from(s, 2));
        span a;
        if (state == ADDRS && find_address(v, &a))
            found_add(out, a.p, a.len);
        else if (state == SUMMARY && !summary.p)
            summary = v;
        else if (state == INFO)
            span_extend(&info, v);
    }
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (info.p) {
            found_diag(r, info.p, info.len);
            diag_codes(r);
        } else if (summary.p) {
            found_diag(r, summary.p, summary.len);
        }
    }
    return out->n > 0;
}

const bk_format bk_format_mimecast = {"mimecast", 20, match, decode};
