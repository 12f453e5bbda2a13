/*
 * messagelabs.c - bounces of Symantec MessageLabs / Email Security.cloud.
 * From "MAILER-DAEMON@messagelabs.com", X-Msg-Ref "server-N.tower-N.
 * messagelabs.com!...", Subject "Mail Delivery Failure"; the text
 *     This is the mail delivery agent at Symantec Email Security.cloud.
 *     (older: "... at MessageLabs Ltd.")
 *     I was unable to deliver your message to the following addresses:
 *     a@example.com
 *     Reason: 550 ... (may go on over several lines)
 *     The message subject was: ...
 * and a message/delivery-status part.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define MESSAGELABS_LINES 400

/* match - MessageLabs' sender, reference field or lead-in */
static int match(const bk_message *m)
{
    if (message_find(m, "This is the mail delivery agent at Symantec Email Security") >= 0 ||
        message_find(m, "This is the mail delivery agent at MessageLabs") >= 0)
        return 1;
    return (header_has(m, "From", "@messagelabs.com") || header_has(m, "X-Msg-Ref", "messagelabs.com")) &&
           message_find(m, "I was unable to deliver your message") >= 0;
}

/* decode - the status part, then the addresses and "Reason:" */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line, reason = {NULL, 0};
    size_t first = out->n;
    int on = 0, in_reason = 0;
    while (pos < end && lines++ < MESSAGELABS_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_find(s, "I was unable to deliver your message to the following") >= 0) {
            on = 1;
            continue;
        }
        if (!on)
            continue;
        if (span_starts(s, "Reason:")) {
            reason = span_trim(span_from(s, 7));
            in_reason = 1;
            continue;
        }
        if (in_reason) {
            if (!s.len || span_starts(s, "The message "))
                break;
            reason.len = (size_t)(s.p + s.len - reason.p);
            continue;
        }
        if (is_address(s) && find_address(s, &a)) {
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r && (size_t)(r - out->r) < first)
                first = (size_t)(r - out->r);
        }
    }
    for (size_t i = first; i < out->n && reason.p; i++) {
        found_rcpt *r = &out->r[i];
        /* the status part's field may have lost the lines of a multi-line
         * reply that were not indented: the text keeps them */
        if (r->diag_len && reason.len > r->diag_len + 8 && r->diag_len >= 4 &&
            memcmp(reason.p, r->diag, 4) == 0)
            r->diag_len = 0;
        if (!r->diag_len)
            found_diag(r, reason.p, reason.len);
        if (!r->reply_code)
            r->reply_code = take_reply_code(reason);
    }
    return out->n > 0;
}

const bk_format bk_format_messagelabs = {"messagelabs", 20, match, decode};
