/*
 * verizon.c - bounces of Verizon Wireless's MMS gateway (From "MMSC NDR
 * Administrator" <sysadmin@ an *.vzwpix.com host>, Subject "Undeliverable
 * Message"): "Message could not be delivered to mobile.", an "Error: TEXT"
 * line, then "Original Message:" with the returned message's From, To,
 * Subject and Date, the To being the failed recipient.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define VERIZON_LINES 200

/* match - the MMS gateway's sender or lead sentence */
static int match(const bk_message *m)
{
    if (header_has(m, "From", "vzwpix.com") || header_has(m, "From", "vtext.com"))
        return 1;
    return message_find(m, "Message could not be delivered to mobile") >= 0;
}

/* decode - the To of "Original Message:", the "Error:" line */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    long at = message_find(m, "Original Message:");
    if (at < 0)
        return 0;
    span orig = {t + at, m->text.len - (size_t)at};
    size_t pos = 0, n = 0;
    span line, err = {"", 0};
    line_next(orig.p, orig.len, &pos, &line);
    size_t hstart = pos;
    char to[BK_ADDR_MAX * 2];
    if (!header_value(orig.p + hstart, orig.len - hstart, "To", to, sizeof to))
        return 0;
    found_rcpt *r = found_add(out, to, strlen(to));
    if (!r)
        return 0;
    found_set(r->action, sizeof r->action, "failed", 6);
    pos = 0;
    while (n++ < VERIZON_LINES && line_next(t, (size_t)at, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(s, "Error:")) {
            err = span_trim(span_from(s, 6));
            break;
        }
    }
    if (!err.len) {
        long lead = message_find(m, "Message could not be delivered");
        if (lead >= 0) {
            size_t p2 = (size_t)lead;
            line_next(t, (size_t)at, &p2, &err);
        }
    }
    found_diag(r, err.p, err.len);
    out->original = orig.p + hstart;
    out->original_len = orig.len - hstart;
    return 1;
}

const bk_format bk_format_verizon = {"verizon", 20, match, decode};
