/*
 * unsubscribe.c - unsubscribe requests sent by mail clients in answer to a
 * message's List-Unsubscribe mailto: address (RFC 2369): Apple Mail marks
 * them "X-Apple-Unsubscribe: true"; others send the bare subject
 * "unsubscribe". The sender of the request opts out: reason feedback,
 * feedback type opt-out.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

/* match - Apple's marker, or a message whose whole subject is "unsubscribe" */
static int match(const bk_message *m)
{
    if (m->dsn.len || m->feedback.len)
        return 0;
    size_t len;
    const char *v = message_header(m, "X-Apple-Unsubscribe", &len);
    span s = {v, len};
    if (v && span_is(span_trim(s), "true"))
        return 1;
    v = message_header(m, "Subject", &len);
    s.p = v;
    s.len = len;
    return v && span_is(span_trim(s), "unsubscribe");
}

/* decode - the person who asked to be removed */
static int decode(const bk_message *m, found *out)
{
    size_t len;
    const char *from = message_header(m, "From", &len);
    found_rcpt *r = from ? found_add(out, from, len) : NULL;
    if (!r)
        return 0;
    r->reason = "feedback";
    found_set(r->feedbacktype, sizeof r->feedbacktype, "opt-out", 7);
    found_set(r->action, sizeof r->action, "failed", 6);
    diag_first_lines(m, r, 200);
    return 1;
}

const bk_format bk_format_unsubscribe = {"unsubscribe", 6, match, decode};
