/*
 * courier.c - bounces written by the Courier mail server: Subject "NOTICE:
 * mail delivery status.", a "--=_courier_N" MIME boundary, and the text
 * "This is a delivery status notification from HOST, running the Courier
 * mail server, version X." with "UNDELIVERABLE MAIL" (or "DELAYED MAIL")
 * and per recipient
 *     <kijitora@example.com>:
 *         mx.example.com [192.0.2.1]:
 *     >>> RCPT TO:<kijitora@example.com>
 *     <<< 550 5.1.1 <kijitora@example.com>... User Unknown
 * plus a message/delivery-status part, read first.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define COURIER_LINES 1000

/* match - Courier's own sentence or MIME boundary */
static int match(const bk_message *m)
{
    span c = header_span(m, "Content-Type");
    return message_find(m, "running the Courier mail server") >= 0 ||
           span_find(c, "=_courier_") >= 0;
}

/* decode - the DSN fields, then each "<addr>:" block's host, command and reply */
static int decode(const bk_message *m, found *out)
{
    size_t had = dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    /* not original_start(): Courier's lead-in says "The original message was received on" */
    size_t end = m->text.len, pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    int replaced = 0;
    while (lines++ < COURIER_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "The original message follows"))
            break;
        if (span_starts(s, "-----")) {
            cur = NULL;
            continue;
        }
        if (s.len > 2 && s.p[0] == '<' && s.p[s.len - 1] == ':' && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            replaced = 0;
            continue;
        }
        if (!cur || !s.len)
            continue;
        if (span_starts(s, ">>> ")) {
            cur->command = command_named(s);
        } else if (span_starts(s, "<<< ")) {
            span reply = span_from(s, 4);
            if (!replaced) {
                /* the remote reply is the diagnostic */
                diag_clear(cur);
                replaced = 1;
            }
            found_diag(cur, reply.p, reply.len);
            if (!cur->reply_code)
                cur->reply_code = take_reply_code(reply);
        } else if (s.p[s.len - 1] == ':' && !cur->rhost[0]) {
            /* "mx.example.com [192.0.2.1]:" */
            size_t k = 0;
            while (k < s.len && s.p[k] != ' ' && s.p[k] != ':')
                k++;
            found_set(cur->rhost, sizeof cur->rhost, s.p, k);
        } else if (!cur->diag_len) {
            found_diag(cur, s.p, s.len);
        }
    }
    (void)had;
    return out->n > 0;
}

const bk_format bk_format_courier = {"courier", 20, match, decode};
