/*
 * powermta.c - delivery reports written by PowerMTA (Port25): Subject
 * "Delivery report", a multipart/report whose text says "Hello, this is the
 * mail server on HOST." and lists "  <addr>  delivery failed; will not
 * continue trying", and whose delivery-status part carries
 * X-PowerMTA-VirtualMTA and X-PowerMTA-BounceCategory fields.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "text.h"

#include <string.h>

/* match - PowerMTA's fields or its greeting */
static int match(const bk_message *m)
{
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    return span_find(d, "X-PowerMTA-") >= 0 ||
           (message_find(m, "Hello, this is the mail server on ") >= 0 &&
            message_find(m, "delivery failed; will not continue trying") >= 0);
}

/* decode - the DSN fields; the text's list when the part is missing */
static int decode(const bk_message *m, found *out)
{
    if (dsn_decode(m, out))
        return 1;
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, lines = 0;
    span line;
    while (lines++ < 1000 && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line), a;
        long at = span_find(s, "delivery failed;");
        if (at < 0 || !s.len || s.p[0] != '<' || !find_address(s, &a))
            continue;
        found_rcpt *r = found_add(out, a.p, a.len);
        if (r)
            found_diag(r, s.p + at, s.len - (size_t)at);
    }
    return out->n > 0;
}

const bk_format bk_format_powermta = {"powermta", 20, match, decode};
