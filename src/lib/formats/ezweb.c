/*
 * ezweb.c - bounces of au's EZweb mobile mail (Postmaster@ezweb.ne.jp),
 * Subject "Mail System Error - Returned Mail": a Japanese explanation in
 * ISO-2022-JP, then "Each of the following recipients was rejected by a
 * remote mail server." with, per recipient,
 *     Recipient: <ADDR>
 *     >>> RCPT TO:<ADDR>
 *     <<< 550 <ADDR>: User unknown
 * or, in the other templates, "The following recipients did not receive
 * this message:" and "<ADDR>" lines followed by the reason, or the reason
 * in one English sentence before the "<ADDR>" lines ("The user(s) account
 * is disabled.").
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define EZWEB_LINES 300

/* match - EZweb's postmaster */
static int match(const bk_message *m)
{
    if (!header_has(m, "From", "@ezweb.ne.jp"))
        return 0;
    return looks_like_bounce(m) || message_find(m, "Recipient: <") >= 0;
}

/* decode - "Recipient:" lines with the SMTP exchange, or "<ADDR>" lines */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, n = 0;
    span line, before = {"", 0}; /* the last line of text before an address */
    size_t first = out->n;
    found_rcpt *cur = NULL;
    while (n++ < EZWEB_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (!cur && !span_is_blank(s) && s.p[0] != '<' && !span_starts(s, "Recipient:"))
            before = s;
        if (span_starts(s, "Recipient:") ||
            (s.len > 2 && s.p[0] == '<' && s.p[s.len - 1] == '>' && is_address(s))) {
            span v = span_starts(s, "Recipient:") ? span_from(s, 10) : s;
            cur = find_address(v, &a) ? found_add(out, a.p, a.len) : NULL;
            if (cur)
                found_set(cur->action, sizeof cur->action, "failed", 6);
            continue;
        }
        if (!cur)
            continue;
        if (span_is_blank(s)) {
            if (cur->diag_len)
                cur = NULL;
            continue;
        }
        if (span_starts(s, ">>>")) {
            bk_command c = command_named(s);
            if (c)
                cur->command = c;
            continue;
        }
        if (span_starts(s, "<<<"))
            s = span_trim(span_from(s, 3));
        if (!cur->diag_len)
            cur->reply_code = take_reply_code(s);
        found_diag(cur, s.p, s.len);
    }
    /* no words after the addresses: the sentence before them, when it is
     * the English one (the Japanese lines above it say the same) */
    for (size_t i = first; i < out->n; i++)
        if (!out->r[i].diag_len && before.len && (unsigned char)before.p[0] < 0x80)
            found_diag(&out->r[i], before.p, before.len);
    return out->n > 0;
}

const bk_format bk_format_ezweb = {"ezweb", 20, match, decode};
