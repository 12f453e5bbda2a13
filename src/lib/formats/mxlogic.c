/*
 * mxlogic.c - bounces of MX Logic (McAfee SaaS Email Protection), whose
 * MTA is built on Exim. Fields X-MX-Bounce, X-MXL-NoteHash / X-MXL-Hash,
 * Message-ID "<mxl~...>", From "MAILER-DAEMON@...mxlogic.net"; the text is
 * Exim's:
 *     A message that you have sent could not be delivered to one or more
 *     recipients.  This is a permanent error.  The following address failed:
 *       <a@example.co.jp>: 550 5.1.1 <a@...>: Recipient address rejected: ...
 * or the address alone with the reply indented under it ("SMTP error from
 * remote mail server after RCPT TO:<a>: host X [ip]: 550 ..."), ending at
 * "Included is a copy of the message header:".
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define MXLOGIC_LINES 600

/* match - MX Logic's own fields and names */
static int match(const bk_message *m)
{
    size_t len;
    if (message_header(m, "X-MX-Bounce", &len) || message_header(m, "X-MXL-NoteHash", &len) ||
        message_header(m, "X-MXL-Hash", &len))
        return 1;
    return (header_has(m, "From", "mxlogic.net") || header_has(m, "Message-ID", "<mxl~")) &&
           message_find(m, "could not be delivered to one or more") >= 0;
}

/* remote - "SMTP error from remote mail server after RCPT TO:<a>: host X
 * [ip]: reply" (over one or more lines) into r: command, host, reply */
static void remote(span s, found_rcpt *r)
{
    long after = span_find(s, "after ");
    if (after >= 0 && !r->command) {
        span c = span_from(s, (size_t)after + 6);
        if (span_starts(c, "end of "))
            c = span_from(c, 7);
        r->command = command_word(c);
    }
    long h = span_find(s, "host ");
    if (h >= 0) {
        span rest = span_from(s, (size_t)h + 5);
        size_t k = 0;
        while (k < rest.len && rest.p[k] != ' ' && rest.p[k] != '[')
            k++;
        if (!r->rhost[0])
            found_set(r->rhost, sizeof r->rhost, rest.p, k);
        /* the reply follows "]: " */
        long close = span_find(rest, "]: ");
        if (close >= 0) {
            span reply = span_trim(span_from(rest, (size_t)close + 3));
            r->diag_len = 0;
            found_diag(r, reply.p, reply.len);
        }
    }
}

/* decode - the failed addresses and the replies indented under them */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    long stop = message_find(m, "Included is a copy of the message");
    size_t end = stop >= 0 ? (size_t)stop : m->original_at;
    if (end > len)
        end = len;
    span line;
    int on = 0;
    found_rcpt *cur = NULL;
    span para = {NULL, 0};
    while (pos < end && lines++ < MXLOGIC_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (!on) {
            on = span_find(s, "following address failed") >= 0 ||
                 span_find(s, "following addresses failed") >= 0;
            continue;
        }
        span a;
        if (s.len && find_address(s, &a) && (a.p == s.p || a.p == s.p + 1)) {
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r == cur && r && r->diag_len)
                continue; /* the address repeated under its reply */
            if (cur && para.p)
                remote(para, cur);
            cur = r;
            para.p = NULL;
            span rest = span_from(s, (size_t)(a.p - s.p) + a.len);
            while (rest.len && (rest.p[0] == '>' || rest.p[0] == ':' || rest.p[0] == ' '))
                rest = span_from(rest, 1);
            if (cur && rest.len) {
                found_diag(cur, rest.p, rest.len);
                diag_codes(cur);
            }
            continue;
        }
        if (!cur || !s.len)
            continue;
        span_extend(&para, s);
        found_diag(cur, s.p, s.len);
    }
    if (cur && para.p)
        remote(para, cur);
    for (size_t i = 0; i < out->n; i++)
        diag_codes(&out->r[i]);
    if (message_find(m, "permanent error") >= 0)
        status_permanent(out);
    original_after(m, out, "Included is a copy of the message");
    return out->n > 0;
}

const bk_format bk_format_mxlogic = {"mxlogic", 20, match, decode};
