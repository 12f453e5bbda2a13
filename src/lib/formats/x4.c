/*
 * x4.c - an unnamed qmail-based MTA (ISP front ends such as "psmtpd";
 * From "MAILER-DAEMON@<host>", Subject "failure notice") whose report is
 *     Your mail message to the following address(es) could not be
 *     delivered. This is a permanent error. ...
 *
 *     <a@example.com>:
 *     child status 100...The e-mail message could not be delivered because
 *     the user's mailfolder is full.
 *
 *     --- Below this line is a copy of the message.
 * qmail's own "Hi. This is the qmail-send program" reports are not this one.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define X4_LINES 600

/* match - the lead sentence */
static int match(const bk_message *m)
{
    return message_find(m, "Your mail message to the following address") >= 0 &&
           message_find(m, "could not be delivered") >= 0;
}

/* said_line - a line under a recipient: qmail's "Remote host said:" and the
 * reply after it */
static void said_line(found_rcpt *r, span s)
{
    long said = span_find(s, "Remote host said:");
    if (said >= 0)
        s = span_trim(span_from(s, (size_t)said + 17));
    found_diag(r, s.p, s.len);
    if (!r->reply_code)
        r->reply_code = take_reply_code(s);
}

/* decode - "<address>:" lines and the lines under each */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len;
    size_t end = m->original_at;
    angle_blocks(m, out, "Your mail message to the following address", end, X4_LINES, said_line);
    if (out->n && !m->has_original && end < len) {
        size_t p2 = end;
        span first;
        line_next(t, len, &p2, &first);
        if (span_find(first, "copy of the message") < 0)
            p2 = end; /* it begins at a header line */
        while (p2 < len && t[p2] == '\n')
            p2++;
        out->original = t + p2;
        out->original_len = len - p2;
    }
    if (message_find(m, "permanent error") >= 0)
        status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_x4 = {"x4", 30, match, decode};
