/*
 * mailmarshal.c - bounces of MailMarshal SMTP (Marshal / Trustwave SEG).
 * Subject 'Undeliverable Mail: "<subject>"'; the text
 *     Your message:
 *        From:    sender@example.com
 *        Subject: ...
 *     Could not be delivered because of
 *     550 5.1.1 User unknown
 *     The following recipients were affected:
 *         a@example.com
 *     Additional Information
 *     ======================
 *     Original Sender:    <sender@example.com>
 *     Sender-MTA:         <192.0.2.1>
 *     Remote-MTA:         <192.0.2.2>
 *     Reporting-MTA:      <relay.example.com>
 *     MessageName:        <B549996730000.000000000001.0003.mml>
 *     Last-Attempt-Date:  <16:21:07 Mon, 22 December 2014>
 * The reason is given once for all the recipients listed after it.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define MAILMARSHAL_LINES 400

/* match - the subject, or the template's two headings */
static int match(const bk_message *m)
{
    span s = header_span(m, "Subject");
    if (span_starts(s, "Undeliverable Mail: \"") &&
        message_find(m, "Could not be delivered because of") >= 0)
        return 1;
    return message_find(m, "Could not be delivered because of") >= 0 &&
           message_find(m, "The following recipients were affected") >= 0;
}

/* bracketed - the value of "Name:   <value>" without its brackets */
static span bracketed(span s, size_t skip)
{
    span v = span_trim(span_from(s, skip));
    if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>') {
        v.p++;
        v.len -= 2;
    }
    return v;
}

/* decode - the reason, the recipients, and the additional information */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line, reason = {NULL, 0}, rhost = {"", 0}, date = {"", 0};
    enum { NONE, REASON, RCPTS, INFO } state = NONE;
    while (pos < end && lines++ < MAILMARSHAL_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Could not be delivered because of")) {
            state = REASON;
            continue;
        }
        if (span_starts(s, "The following recipients were affected")) {
            state = RCPTS;
            continue;
        }
        if (span_starts(s, "Additional Information")) {
            state = INFO;
            continue;
        }
        if (!s.len)
            continue;
        if (state == REASON) {
            if (!reason.p)
                reason = s;
            else
                reason.len = (size_t)(s.p + s.len - reason.p);
        } else if (state == RCPTS) {
            if (find_address(s, &a))
                found_add(out, a.p, a.len);
        } else if (state == INFO) {
            if (span_starts(s, "Remote-MTA:"))
                rhost = bracketed(s, 11);
            else if (span_starts(s, "Reporting-MTA:") && !out->lhost[0])
                SPAN_SET(out->lhost, bracketed(s, 14));
            else if (span_starts(s, "Last-Attempt-Date:"))
                date = bracketed(s, 18);
        }
    }
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (reason.p) {
            found_diag(r, reason.p, reason.len);
            r->reply_code = take_reply_code(reason);
            span head = {reason.p, reason.len < 24 ? reason.len : 24};
            find_status(head, r->status);
        }
        if (rhost.len)
            SPAN_SET(r->rhost, rhost);
        if (date.len)
            SPAN_SET(r->date, date);
    }
    return out->n > 0;
}

const bk_format bk_format_mailmarshal = {"mailmarshal", 20, match, decode};
