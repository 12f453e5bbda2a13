/*
 * apachejames.c - bounces written by Apache James (its Bounce/DSNBounce
 * mailets): the text
 *     Error: Invalid user address
 *     Error message below:
 *     550 - Requested action not taken: no such user here
 *     Message details:
 *       Subject: ...
 *       MAIL FROM: sender@example.org
 *       RCPT TO: kijitora@example.com
 * one "RCPT TO:" line per recipient (several addresses may be listed,
 * separated by commas).
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define JAMES_LINES 1000

/* match - James's "Error message below:" and "Message details:" */
static int match(const bk_message *m)
{
    return message_find(m, "Error message below:") >= 0 &&
           message_find(m, "Message details:") >= 0;
}

/* decode - the RCPT TO addresses, each with the error message */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data;
    size_t pos = 0, lines = 0;
    span line;
    found_rcpt err;
    diag_clear(&err);
    int in_error = 0;
    while (lines++ < JAMES_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(s, "Error message below:")) {
            in_error = 1;
            continue;
        }
        if (span_starts(s, "Message details:")) {
            in_error = 0;
            continue;
        }
        if (in_error && s.len) {
            found_diag(&err, s.p, s.len);
            continue;
        }
        if (!span_starts(s, "RCPT TO:"))
            continue;
        span list = span_from(s, 8);
        for (size_t i = 0, guard = 0; i < list.len && guard < 1000; guard++) {
            size_t e = i;
            while (e < list.len && list.p[e] != ',')
                e++;
            span a, item = {list.p + i, e - i};
            if (find_address(item, &a)) {
                found_rcpt *r = found_add(out, a.p, a.len);
                if (r && !r->diag_len) {
                    /* "550 - Requested action ...": the code and its text */
                    found_diag(r, err.diag, err.diag_len);
                    r->reply_code = take_reply_code((span){err.diag, err.diag_len});
                }
            }
            i = e + 1;
        }
    }
    return out->n > 0;
}

const bk_format bk_format_apachejames = {"apachejames", 20, match, decode};
