/*
 * mcafee.c - bounces of McAfee Email Gateway / Email and Web Security
 * appliances. Field "X-NAI-Header: Modified by McAfee ...", Subject
 * "Delivery Status"; a text part "deliveryproblems.txt"
 *         --- The following addresses had delivery problems ---
 *     <a@example.jp>   (5.1.1 <a@example.jp>... User unknown)
 * and a message/delivery-status part "deliverystatus.txt" that names the
 * recipient by Original-Recipient only, often without Status.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define MCAFEE_LINES 400

/* match - McAfee's header field, or its ruler with the subject */
static int match(const bk_message *m)
{
    if (header_has(m, "X-NAI-Header", "McAfee"))
        return 1;
    span subj = header_span(m, "Subject");
    return span_starts(subj, "Delivery Status") &&
           message_find(m, "--- The following addresses had delivery problems ---") >= 0;
}

/* decode - the status part, then "<a>   (reply)" lines */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    int on = 0;
    while (pos < end && lines++ < MCAFEE_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (!on) {
            on = span_find(s, "--- The following addresses had delivery problems") >= 0;
            continue;
        }
        if (!s.len || s.p[0] != '<' || !find_address(s, &a))
            continue;
        found_rcpt *r = found_add(out, a.p, a.len);
        if (!r)
            continue;
        span rest = span_trim(span_from(s, (size_t)(a.p - s.p) + a.len + 1));
        if (rest.len >= 2 && rest.p[0] == '(' && rest.p[rest.len - 1] == ')') {
            rest.p++;
            rest.len -= 2;
        }
        if (!r->diag_len)
            found_diag(r, rest.p, rest.len);
        if (!r->status[0]) {
            span head = {rest.p, rest.len < 24 ? rest.len : 24};
            find_status(head, r->status);
        }
        if (!r->reply_code)
            r->reply_code = take_reply_code(rest);
    }
    status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_mcafee = {"mcafee", 20, match, decode};
