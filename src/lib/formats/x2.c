/*
 * x2.c - an unnamed MTA (Yahoo! Japan's and other providers' older mail
 * systems, From "MAILER-DAEMON@<domain>", Subject "Delivery failure",
 * "failure delivery", "Permanent Delivery Failure") that writes
 *     Message from example.com.
 *     Unable to deliver message to the following address(es).
 *
 *     <a@example.com>:
 *     <the remote reply or the reason, one or more lines>
 *
 *     --- Original message follows.
 * with the returned message inline after the last line.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define X2_LINES 600

/* match - the lead line */
static int match(const bk_message *m)
{
    return message_find(m, "Unable to deliver message to the following address") >= 0 &&
           message_find(m, "\n<") >= 0;
}

/* diag_line - a line under a recipient: its diagnostic */
static void diag_line(found_rcpt *r, span s)
{
    found_diag(r, s.p, s.len);
}

/* decode - "<address>:" lines and the lines under each */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len;
    long stop = message_find(m, "--- Original message follows");
    size_t end = stop >= 0 ? (size_t)stop : m->original_at;
    angle_blocks(m, out, "Unable to deliver message to the following address", end, X2_LINES,
                 diag_line);
    /* the status code some servers add: "[#4.1.9]", "(#4.4.1)" */
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        span d = {r->diag, r->diag_len};
        long h = span_find(d, "#");
        if (!r->status[0] && h >= 0)
            find_status(span_from(d, (size_t)h + 1), r->status);
    }
    if (stop >= 0 && out->n && !m->has_original) {
        size_t p2 = (size_t)stop;
        span first;
        line_next(t, len, &p2, &first); /* the marker line itself */
        while (p2 < len && (t[p2] == '\n'))
            p2++;
        out->original = t + p2;
        out->original_len = len - p2;
    }
    status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_x2 = {"x2", 30, match, decode};
