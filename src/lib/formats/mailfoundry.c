/*
 * mailfoundry.c - bounces of the MailFoundry filtering gateway. Subject
 * "Message delivery has failed"; the returned message was received "by X
 * (MAILFOUNDRY)". Per recipient:
 *     Unable to deliver message to: <a@example.org>
 *     Delivery failed for the following reason:
 *     Server mx.example.org[192.0.2.1] failed with: 550 <a@...> No such user
 * ("... responded with failure: 552 ..." for a refusal after the data).
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define MAILFOUNDRY_LINES 400

/* match - the subject and the lead line */
static int match(const bk_message *m)
{
    span s = header_span(m, "Subject");
    return span_starts(s, "Message delivery has failed") &&
           message_find(m, "Unable to deliver message to:") >= 0;
}

/* host_reply - "[Server ]host[ip] failed with: REPLY" or "host[ip]
 * responded with failure: REPLY" into r */
static int host_reply(span s, found_rcpt *r)
{
    static const char *const verbs[] = {" failed with:", " responded with failure:",
                                        " responded with:"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        long at = span_find(s, verbs[i]);
        if (at < 0)
            continue;
        span h = {s.p, (size_t)at};
        if (span_starts(h, "Server "))
            h = span_from(h, 7);
        h = span_trim(h);
        size_t k = 0;
        while (k < h.len && h.p[k] != '[' && h.p[k] != ' ')
            k++;
        found_set(r->rhost, sizeof r->rhost, h.p, k);
        span reply = span_trim(span_from(s, (size_t)at + strlen(verbs[i])));
        r->diag_len = 0;
        found_diag(r, reply.p, reply.len);
        r->reply_code = take_reply_code(reply);
        find_status(reply, r->status);
        return 1;
    }
    return 0;
}

/* decode - "Unable to deliver message to:" and the reason under it */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    int reason = 0;
    while (pos < end && lines++ < MAILFOUNDRY_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Unable to deliver message to:") && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            reason = 0;
            continue;
        }
        if (!cur)
            continue;
        if (span_starts(s, "Delivery failed for the following reason")) {
            reason = 1;
            continue;
        }
        if (block_gap(s, &cur))
            continue;
        if (reason && !host_reply(s, cur))
            found_diag(cur, s.p, s.len);
    }
    if (message_find(m, "permanent failure") >= 0)
        status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_mailfoundry = {"mailfoundry", 20, match, decode};
