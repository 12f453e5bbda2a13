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
#include "text.h"

#include <string.h>

#define X2_LINES 600

/* match - the lead line */
static int match(const bk_message *m)
{
    return text_find(&m->text, "Unable to deliver message to the following address") >= 0 &&
           text_find(&m->text, "\n<") >= 0;
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
    long stop = text_find(&m->text, "--- Original message follows");
    size_t end = stop >= 0 ? (size_t)stop : original_start(&m->text);
    span line;
    int on = 0;
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < X2_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (!on) {
            on = span_find(s, "Unable to deliver message to the following address") >= 0;
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
        if (cur)
            found_diag(cur, s.p, s.len);
    }
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
    permanent(out);
    return out->n > 0;
}

const bk_format bk_format_x2 = {"x2", 30, match, decode};
