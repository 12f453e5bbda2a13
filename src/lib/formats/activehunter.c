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
#include "text.h"

#include <string.h>

#define ACTIVEHUNTER_LINES 400

/* match - Active!hunter's field or boundary name */
static int match(const bk_message *m)
{
    size_t len;
    if (message_header(m, "X-AHMailID", &len))
        return 1;
    const char *v = message_header(m, "Content-Type", &len);
    span s = {v ? v : "", v ? len : 0};
    return span_find(s, "Active!Hunter") >= 0 &&
           text_find(&m->text, "The following addresses had") >= 0;
}

/* permanent - the class of a permanent failure for the recipients no code
 * describes: this report is sent when delivery has been given up */
static void permanent(found *out)
{
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->status[0] && (r->reply_code == 0 || r->reply_code >= 500))
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
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
            if (!reply.p)
                reply = s;
            else
                reply.len = (size_t)(s.p + s.len - reply.p);
        }
    }
    for (size_t i = 0; i < out->n && reply.p; i++) {
        found_rcpt *r = &out->r[i];
        found_diag(r, reply.p, reply.len);
        r->reply_code = take_reply_code(reply);
        span head = {reply.p, reply.len < 24 ? reply.len : 24};
        find_status(head, r->status);
    }
    if (text_find(&m->text, "permanent fatal errors") >= 0)
        permanent(out);
    return out->n > 0;
}

const bk_format bk_format_activehunter = {"activehunter", 20, match, decode};
