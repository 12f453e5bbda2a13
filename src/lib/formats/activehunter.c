/*
 * activehunter.c - bounces of Active!hunter (TransWARE), a Japanese mail
 * filter. Field X-AHMailID, boundary "------=_Active!Hunter_...", Subject
 * "FAILURE NOTICE :"; the text is shaped like sendmail's:
 *       ----- The following addresses had permanent fatal errors -----
 *     >>> a@example.jp <a@example.jp>
 *       ----- Transcript of session follows -----
 *     550 <a@example.jp>: Recipient address rejected: User unknown ...
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define ACTIVEHUNTER_LINES 400

/* match - Active!hunter's field or boundary name */
static int match(const bk_message *m)
{
    size_t len;
    if (message_header(m, "X-AHMailID", &len))
        return 1;
    span s = header_span(m, "Content-Type");
    return span_find(s, "Active!Hunter") >= 0 &&
           message_find(m, "The following addresses had") >= 0;
}

/* decode - the addresses, and the transcript as their diagnostic */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    span line, reply = {NULL, 0};
    enum { NONE, ADDRS, TRANSCRIPT } state = NONE;
    while (lines++ < ACTIVEHUNTER_LINES && line_next(t, len, &pos, &line)) {
        span s = span_trim(line);
        if (span_find(s, "----- The following addresses had") >= 0) {
            state = ADDRS;
            continue;
        }
        if (span_find(s, "----- Transcript of session follows") >= 0) {
            state = TRANSCRIPT;
            continue;
        }
        if (span_starts(s, "-----") || (state == TRANSCRIPT && !s.len && reply.p))
            state = NONE;
        if (!s.len)
            continue;
        span a;
        if (state == ADDRS && find_address(s, &a))
            found_add(out, a.p, a.len);
        else if (state == TRANSCRIPT) {
            if (span_starts(s, "<<< "))
                s = span_from(s, 4);
            else if (span_starts(s, ">>> "))
                continue;
            span_extend(&reply, s);
        }
    }
    for (size_t i = 0; i < out->n && reply.p; i++)
        reply_set(&out->r[i], reply);
    if (message_find(m, "permanent fatal errors") >= 0)
        status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_activehunter = {"activehunter", 20, match, decode};
