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
#include "text.h"

#include <string.h>

#define MFILTER_LINES 400

/* match - m-FILTER's X-Mailer, or its rulers */
static int match(const bk_message *m)
{
    size_t len;
    const char *v = message_header(m, "X-Mailer", &len);
    span s = {v ? v : "", v ? len : 0};
    if (span_starts(s, "m-FILTER"))
        return 1;
    return text_find(&m->text, "m-FILTER") >= 0 &&
           text_find(&m->text, "-------server message") >= 0;
}

/* inline_original - the returned message's header block after the line
 * holding marker (rulers and blank lines skipped) */
static void inline_original(const bk_message *m, found *out, const char *marker)
{
    long at = text_find(&m->text, marker);
    if (at < 0 || m->has_original || !out->n)
        return;
    const char *t = m->text.data;
    size_t pos = (size_t)at, start;
    span line;
    line_next(t, m->text.len, &pos, &line);
    while (start = pos, line_next(t, m->text.len, &pos, &line))
        if (!span_is_blank(line) && !span_starts(line, "---"))
            break;
    if (start < m->text.len) {
        out->original = t + start;
        out->original_len = m->text.len - start;
    }
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
            if (!reply.p)
                reply = s;
            else
                reply.len = (size_t)(s.p + s.len - reply.p);
        } else if (!cmd) {
            size_t k = 0;
            while (k < s.len && bk_is_alpha((unsigned char)s.p[k]))
                k++;
            cmd = bk_command_parse(s.p, k);
        }
    }
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (reply.p) {
            found_diag(r, reply.p, reply.len);
            r->reply_code = take_reply_code(reply);
            span head = {reply.p, reply.len < 24 ? reply.len : 24};
            find_status(head, r->status);
        }
        r->command = cmd;
    }
    inline_original(m, out, "-------original m");
    return out->n > 0;
}

const bk_format bk_format_mfilter = {"mfilter", 20, match, decode};
