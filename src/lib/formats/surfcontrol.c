/*
 * surfcontrol.c - bounces of the SurfControl E-mail Filter (later
 * Websense). X-Mailer "SurfControl E-mail Filter", fields X-SEF-*; the text
 *     Your message could not be sent.
 *     A transcript of the attempts to send the message follows.
 *     The number of attempts made: 1
 *     Addressed To: a@example.com
 *     Thu 29 Apr 2010 23:34:45 +0900
 *     Failed to send to identified host,
 *     a@example.com: [192.0.2.5], 550 a@example.com... No such user
 *     --- Message non-deliverable.
 * and a message/delivery-status part.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define SURFCONTROL_LINES 400

/* match - SurfControl's X-Mailer or fields */
static int match(const bk_message *m)
{
    size_t len;
    span s = header_span(m, "X-Mailer");
    if (span_starts(s, "SurfControl E-mail Filter"))
        return 1;
    return message_header(m, "X-SEF-Processed", &len) &&
           message_find(m, "Your message could not be sent.") >= 0;
}

/* decode - the status part, then the transcript's "a: [ip], reply" lines */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    while (pos < end && lines++ < SURFCONTROL_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Addressed To:") && find_address(s, &a)) {
            found_add(out, a.p, a.len);
            continue;
        }
        /* "a@b: [192.0.2.5], 550 ..." */
        if (!find_address(s, &a) || a.p != s.p)
            continue;
        span rest = span_from(s, a.len);
        if (!span_starts(rest, ": ["))
            continue;
        found_rcpt *r = found_add(out, a.p, a.len);
        if (!r)
            continue;
        rest = span_from(rest, 3);
        const char *close = memchr(rest.p, ']', rest.len);
        if (!close)
            continue;
        if (!r->rhost[0])
            found_set(r->rhost, sizeof r->rhost, rest.p, (size_t)(close - rest.p));
        span reply = span_from(rest, (size_t)(close - rest.p) + 1);
        while (reply.len && (reply.p[0] == ',' || reply.p[0] == ' '))
            reply = span_from(reply, 1);
        if (!r->diag_len)
            found_diag(r, reply.p, reply.len);
        if (!r->reply_code)
            r->reply_code = take_reply_code(reply);
    }
    return out->n > 0;
}

const bk_format bk_format_surfcontrol = {"surfcontrol", 20, match, decode};
