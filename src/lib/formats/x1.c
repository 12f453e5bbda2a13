/*
 * x1.c - an unnamed MTA (seen as "Mail Deliver System" <MAILER-DAEMON>,
 * Subject "Returned Mail: <reason>", relays naming "Mail2000 ESMTP
 * Server") that lists each failed address with its reason in brackets:
 *     The original message was received at <date>
 *     from <sender>
 *     ---The following addresses had delivery errors---
 *     a@example.co.jp [User unknown]
 * The returned message follows as a MIME part that is often untyped (so
 * it is read as text); its header block is taken from there.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define X1_LINES 400

/* match - the ruler of the address list, with a bounce's sender or subject */
static int match(const bk_message *m)
{
    return message_find(m, "---The following addresses had delivery errors---") >= 0 &&
           looks_like_bounce(m);
}

/* decode - "address [reason]" lines under the ruler */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    /* not original_start(): "The original message was received at" opens
     * the report; the returned message begins at its first header line */
    size_t end = m->text.len, pos = 0, lines = 0, at;
    span line;
    int on = 0;
    found_rcpt *cur = NULL;
    while (at = pos, lines++ < X1_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(line, "Received: ") || span_starts(line, "Return-Path: ")) {
            end = at;
            break;
        }
        if (!on) {
            on = span_find(s, "---The following addresses had delivery errors---") >= 0;
            continue;
        }
        if (!s.len) {
            if (out->n)
                break; /* the list is one block */
            continue;
        }
        if (span_starts(s, "--"))
            break; /* a MIME boundary or another ruler */
        size_t k = 0;
        while (k < s.len && s.p[k] != ' ' && s.p[k] != '\t')
            k++;
        span a = {s.p, k};
        if (is_address(a)) {
            cur = found_add(out, a.p, a.len);
            span rest = span_trim(span_from(s, k));
            if (rest.len >= 2 && rest.p[0] == '[' && rest.p[rest.len - 1] == ']') {
                rest.p++;
                rest.len -= 2;
            }
            if (cur && rest.len)
                found_diag(cur, rest.p, rest.len);
            continue;
        }
        if (cur && !cur->diag_len)
            found_diag(cur, s.p, s.len);
    }
    if (out->n && !m->has_original && end < m->text.len) {
        out->original = t + end;
        out->original_len = m->text.len - end;
    }
    status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_x1 = {"x1", 30, match, decode};
