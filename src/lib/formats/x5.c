/*
 * x5.c - an unnamed mail gateway (seen in front of Japanese ISP and
 * corporate servers, with X-TM-AS-* and X-IronPort-* fields) that wraps
 * the bounce it received from the next hop: its own cover text is
 * sendmail's lead-in with an empty list
 *     The original message was received at <date>
 *     ----- The following addresses had permanent delivery errors -----
 * and the next hop's whole report (a sendmail DSN, multipart/report with a
 * message/delivery-status part) follows as a message/rfc822 part. The
 * recipients, status and reply are read from that inner report.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"

#define X5_LINES 200

/* match - the cover text, and a report inside the returned message */
static int match(const bk_message *m)
{
    return m->inner_dsn.len && !m->dsn.len &&
           message_find(m, "----- The following addresses had") >= 0 && looks_like_bounce(m);
}

/* decode - the addresses of the cover text, then the inner report's fields */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, lines = 0;
    span line;
    int on = 0;
    while (lines++ < X5_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line), a;
        if (!on) {
            on = span_find(s, "----- The following addresses had") >= 0;
            continue;
        }
        if (span_starts(s, "-----") || span_starts(s, "Received: "))
            break;
        if (s.len && find_address(s, &a))
            found_add(out, a.p, a.len);
    }
    dsn_parse(m->inner_dsn.data, m->inner_dsn.len, out);
    return out->n > 0;
}

const bk_format bk_format_x5 = {"x5", 30, match, decode};
