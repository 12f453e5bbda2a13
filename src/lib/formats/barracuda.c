/*
 * barracuda.c - bounces of the Barracuda Spam (& Virus) Firewall. Subject
 * "**Message you sent blocked by our bulk email filter**", Received "by
 * ... (Spam Firewall)", a base64 text part
 *     Your message to: a@example.org
 *     was blocked by our Spam Firewall. The email you sent with the
 *     following subject has NOT BEEN DELIVERED:
 * and a message/delivery-status part with the filter's verdict
 * ("550 5.7.1 Message content rejected, UBE, id=...").
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#define BARRACUDA_LINES 200

/* match - the subject or the firewall's lead-in */
static int match(const bk_message *m)
{
    span s = header_span(m, "Subject");
    if (span_find(s, "Message you sent blocked by our bulk email filter") >= 0)
        return 1;
    return message_find(m, "was blocked by our Spam") >= 0 &&
           message_find(m, "Your message to:") >= 0;
}

/* decode - the status part; the text when there is none */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < BARRACUDA_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Your message to:") && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            if (cur && cur->diag_len)
                cur = NULL; /* the status part said it */
            continue;
        }
        if (cur && s.len && !span_starts(s, "Subject:"))
            found_diag(cur, s.p, s.len);
    }
    return out->n > 0;
}

const bk_format bk_format_barracuda = {"barracuda", 20, match, decode};
