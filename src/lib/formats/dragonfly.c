/*
 * dragonfly.c - bounces written by the DragonFly Mail Agent (dma), the
 * small MTA of DragonFly BSD: From "MAILER-DAEMON <>", Subject "Mail
 * delivery failed", a Received field "by HOST (DragonFly Mail Agent vX)",
 * and the text
 *     This is the DragonFly Mail Agent vX at HOST.
 *     There was an error delivering your mail to <addr>.
 *     mx.example.com [192.0.2.1] did not like our RCPT TO:
 *     550 5.1.1 <addr>: User unknown
 *     Message headers follow.     (or "Original message follows.")
 * One bounce per recipient; the reason is the remote reply ("did not like
 * our final DATA:", "did not like our MAIL FROM:" ...) or dma's own words
 * ("Could not deliver for the last N seconds. Giving up.", "unable to
 * connect ...").
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define DMA_LINES 400

/* match - dma's greeting */
static int match(const bk_message *m)
{
    return message_find(m, "This is the DragonFly Mail Agent") >= 0 &&
           message_find(m, "There was an error delivering your mail to") >= 0;
}

/* decode - the recipient of "There was an error delivering your mail to"
 * and the paragraph after it */
static int decode(const bk_message *m, found *out)
{
    long at = message_find(m, "There was an error delivering your mail to");
    if (at < 0)
        return 0;
    const char *t = m->text.data;
    size_t end = m->text.len, pos = (size_t)at, lines = 0;
    span line, a;
    if (!line_next(t, end, &pos, &line) || !find_address(line, &a))
        return 0;
    found_rcpt *r = found_add(out, a.p, a.len);
    if (!r)
        return 0;
    int started = 0;
    while (lines++ < DMA_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (span_is_blank(s)) {
            if (started)
                break;
            continue;
        }
        if (span_starts(s, "Message headers follow") || span_starts(s, "Original message follows"))
            break;
        started = 1;
        long dl = span_find(s, " did not like our ");
        if (dl >= 0) {
            /* "HOST [IP] did not like our RCPT TO:" - the reply follows */
            size_t k = 0;
            while (k < s.len && s.p[k] != ' ')
                k++;
            found_set(r->rhost, sizeof r->rhost, s.p, k);
            span what = span_from(s, (size_t)dl + 18);
            if (span_starts(what, "final "))
                what = span_from(what, 6);
            r->command = command_word(what);
            continue;
        }
        found_diag(r, s.p, s.len);
    }
    span d = span_trim((span){r->diag, r->diag_len});
    r->reply_code = take_reply_code(d);
    find_status(d, r->status);
    if (!m->original.len && out->n)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_dragonfly = {"dragonfly", 20, match, decode};
