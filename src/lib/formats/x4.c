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

#include <string.h>

#define X4_LINES 600

/* match - the lead sentence */
static int match(const bk_message *m)
{
    return text_find(&m->text, "Your mail message to the following address") >= 0 &&
           text_find(&m->text, "could not be delivered") >= 0;
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

/* decode - "<address>:" lines and the lines under each */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    size_t end = original_start(&m->text);
    span line;
    int on = 0;
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < X4_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (!on) {
            on = span_find(s, "Your mail message to the following address") >= 0;
            continue;
        }
        if (s.len > 3 && s.p[0] == '<' && s.p[s.len - 1] == ':' && s.p[s.len - 2] == '>') {
            span a = {s.p + 1, s.len - 3};
            if (is_address(a)) {
                cur = found_add(out, a.p, a.len);
                continue;
            }
        }
        if (!s.len) {
            if (cur && cur->diag_len)
                cur = NULL;
            continue;
        }
        if (cur) {
            /* qmail's "Remote host said:" and the reply after it */
            long said = span_find(s, "Remote host said:");
            if (said >= 0)
                s = span_trim(span_from(s, (size_t)said + 17));
            found_diag(cur, s.p, s.len);
            if (!cur->reply_code)
                cur->reply_code = take_reply_code(s);
        }
    }
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
    if (text_find(&m->text, "permanent error") >= 0)
        permanent(out);
    return out->n > 0;
}

const bk_format bk_format_x4 = {"x4", 30, match, decode};
