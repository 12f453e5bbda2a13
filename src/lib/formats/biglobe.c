/*
 * biglobe.c - bounces of BIGLOBE (postmaster@biglobe.ne.jp), Subject
 * "Returned mail: ...": a multipart/mixed whose text says
 *     ----- The following addresses had delivery problems -----
 *     ADDR
 *
 *     ----- Non-delivered information -----
 *     REASON
 * and the returned message as a message/rfc822 part.
 * Rank 15: tried before sendmail.c (rank 20), whose divider it resembles.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define BIGLOBE_LINES 200

/* match - BIGLOBE's postmaster and its two dividers */
static int match(const bk_message *m)
{
    if (!header_has(m, "From", "biglobe.ne.jp"))
        return 0;
    return message_find(m, "----- Non-delivered information -----") >= 0 ||
           message_find(m, "----- The following addresses had delivery problems -----") >= 0;
}

/* decode - the addresses of the first section, the reason of the second */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, n = 0;
    span line;
    int section = 0;
    while (n++ < BIGLOBE_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "-----")) {
            section = span_find(s, "delivery problems") >= 0 ? 1
                      : span_find(s, "Non-delivered information") >= 0 ? 2
                                                                        : 0;
            continue;
        }
        if (span_is_blank(s))
            continue;
        if (section == 1 && find_address(s, &a)) {
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r)
                found_set(r->action, sizeof r->action, "failed", 6);
        } else if (section == 2) {
            for (size_t i = 0; i < out->n; i++)
                found_diag(&out->r[i], s.p, s.len);
        }
    }
    return out->n > 0;
}

const bk_format bk_format_biglobe = {"biglobe", 15, match, decode};
