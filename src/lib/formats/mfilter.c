/*
 * mfilter.c - bounces of m-FILTER (Digital Arts), a Japanese mail filter
 * and relay. X-Mailer "m-FILTER"; a Japanese lead-in ("このメールは「m-FILTER」
 * が自動的に生成して送信しています。"), the failed addresses, then sections
 * under rulers:
 *     -------server message
 *     550 5.1.1 <a@example.co.jp>: Recipient address rejected: ...
 *     -------SMTP command
 *     DATA
 *     -------original message   (or "-------original mail info")
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define MFILTER_LINES 400

/* match - m-FILTER's X-Mailer, or its rulers */
static int match(const bk_message *m)
{
    span s = header_span(m, "X-Mailer");
    if (span_starts(s, "m-FILTER"))
        return 1;
    return message_find(m, "m-FILTER") >= 0 &&
           message_find(m, "-------server message") >= 0;
}

/* decode - the addresses, the server's reply and the command */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    span line, reply = {NULL, 0};
    enum { ADDRS, REPLY, COMMAND } state = ADDRS;
    bk_command cmd = BK_CMD_NONE;
    while (lines++ < MFILTER_LINES && line_next(t, len, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(s, "-------original"))
            break;
        if (span_starts(s, "-------server message")) {
            state = REPLY;
            continue;
        }
        if (span_starts(s, "-------SMTP command")) {
            state = COMMAND;
            continue;
        }
        if (!s.len)
            continue;
        if (state == ADDRS) {
            span a;
            if (is_address(s) && find_address(s, &a))
                found_add(out, a.p, a.len);
        } else if (state == REPLY) {
            span_extend(&reply, s);
        } else if (!cmd) {
            cmd = command_word(s);
        }
    }
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (reply.p)
            reply_set(r, reply);
        r->command = cmd;
    }
    original_after(m, out, "-------original m");
    return out->n > 0;
}

const bk_format bk_format_mfilter = {"mfilter", 20, match, decode};
