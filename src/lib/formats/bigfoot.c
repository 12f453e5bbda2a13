/*
 * bigfoot.c - bounces of Bigfoot's mail forwarding service (LiteMail MTA,
 * From "MAILER-DAEMON@bigfoot.com", Received "by LITEMAILnn.bigfoot.com").
 * A sendmail-like report with a message/delivery-status part:
 *        ----- The following addresses had permanent fatal errors -----
 *     <a@example.org>
 *        ----- Transcript of session follows -----
 *     >>> RCPT TO:<a@example.org>
 *     <<< 553 Invalid recipient a@example.org (Mode: normal)
 * The transcript adds the command the reply answered.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define BIGFOOT_LINES 400

/* match - Bigfoot's sender or its LiteMail host */
static int match(const bk_message *m)
{
    return header_has(m, "From", "@bigfoot.com") || header_has(m, "Message-Id", "bigfoot.com>") ||
           (header_has(m, "Received", "bigfoot.com") && header_has(m, "Received", "LiteMail"));
}

/* decode - the status part, the addresses and the transcript */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    /* not original_start(): "The original message was received at" opens it */
    size_t end = m->text.len, pos = 0, lines = 0;
    span line;
    enum { NONE, ADDRS, TRANSCRIPT } state = NONE;
    found_rcpt *cur = NULL;
    bk_command cmd = BK_CMD_NONE;
    while (pos < end && lines++ < BIGFOOT_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_find(s, "----- The following addresses had") >= 0) {
            state = ADDRS;
            continue;
        }
        if (span_find(s, "----- Transcript of session follows") >= 0) {
            state = TRANSCRIPT;
            continue;
        }
        if (!s.len)
            continue;
        if (span_starts(s, "Received: ") || span_starts(s, "Return-Path: "))
            break;
        if (state == ADDRS && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
        } else if (state == TRANSCRIPT && span_starts(s, ">>> ")) {
            span c = span_from(s, 4);
            cmd = command_word(c);
            if (find_address(c, &a))
                cur = found_add(out, a.p, a.len);
        } else if (state == TRANSCRIPT && cur) {
            if (span_starts(s, "<<< "))
                s = span_from(s, 4);
            if (!cur->command)
                cur->command = cmd;
            if (!cur->diag_len)
                found_diag(cur, s.p, s.len);
            if (!cur->reply_code)
                cur->reply_code = take_reply_code(s);
        }
    }
    return out->n > 0;
}

const bk_format bk_format_bigfoot = {"bigfoot", 20, match, decode};
