/*
 * kddi.c - bounces of KDDI's au one net mail (no-reply@ a .dion.ne.jp
 * address, relayed by *.auone-net.jp), Subject "メールエラー通知": a
 * Japanese explanation in ISO-2022-JP, then the server's English report:
 *     Your mail sent on: DATE
 *          Could not be delivered to: <ADDR>
 *          As their mailbox is full.
 * and the returned message as a message/rfc822 part.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define KDDI_LINES 200

/* match - au one net's daemon, or the report's "Could not be delivered to:" */
static int match(const bk_message *m)
{
    if (header_has(m, "From", ".dion.ne.jp") || header_has(m, "From", "auone-net.jp"))
        return 1;
    return message_find(m, "Your mail sent on:") >= 0 &&
           message_find(m, "Could not be delivered to: <") >= 0;
}

/* decode - each "Could not be delivered to:" and the lines after it */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, n = 0;
    span line;
    found_rcpt *cur = NULL;
    char date[64] = "";
    while (n++ < KDDI_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Your mail sent on:")) {
            span d = span_trim(span_from(s, 18));
            SPAN_SET(date, d);
            continue;
        }
        if (span_starts(s, "Could not be delivered to:")) {
            cur = NULL;
            if (find_address(span_from(s, 26), &a)) {
                cur = found_add(out, a.p, a.len);
                if (cur) {
                    found_set(cur->action, sizeof cur->action, "failed", 6);
                    found_set(cur->date, sizeof cur->date, date, strlen(date));
                }
            }
            continue;
        }
        if (span_is_blank(s)) {
            cur = NULL;
            continue;
        }
        if (cur)
            found_diag(cur, s.p, s.len);
    }
    return out->n > 0;
}

const bk_format bk_format_kddi = {"kddi", 20, match, decode};
