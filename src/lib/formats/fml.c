/*
 * fml.c - error replies of the fml mailing list manager (X-MLServer:
 * "fml [fml 4.0.3 ...]", X-ML-Name, X-ML-Info): fml refuses a post to a
 * list ("You are not a member of this mailing list <list@example.org>.",
 * Subject "You ADDR are not member (NAME ML)", "Your mail was rejected",
 * "fml system error message" ...), or tells of a loop it stopped (Subject
 * "Loop Alert: Duplicated Message-ID (NAME ML)", "Loop Back Warning": a post
 * whose Message-ID the list has already seen, or one that came back from
 * the list itself). The failed recipient is the list address the post was
 * sent to; the diagnostic, fml's first paragraph.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define FML_LINES 200

/* match - fml's X-MLServer field on an error reply */
static int match(const bk_message *m)
{
    if (!header_has(m, "X-MLServer", "fml"))
        return 0;
    span su = header_span(m, "Subject");
    return span_find(su, "not member") >= 0 || span_find(su, "rejected") >= 0 ||
           span_find(su, "error") >= 0 || span_find(su, "loop alert") >= 0 ||
           span_find(su, "loop back warning") >= 0 || message_find(m, "not a member of") >= 0 ||
           message_find(m, "was rejected") >= 0;
}

/* decode - the list's address and fml's words */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, lines = 0;
    span line, a = {"", 0};
    found_rcpt text;
    diag_clear(&text);
    int have = 0;
    while (lines++ < FML_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line);
        if (span_is_blank(s)) {
            if (text.diag_len)
                break;
            continue;
        }
        if (!have && span_find(s, "mailing list") >= 0 && find_address(s, &a))
            have = 1;
        found_diag(&text, s.p, s.len);
    }
    if (!have) {
        /* the list named by X-ML-Name at the From's domain is not an address:
         * fall back to the first address of the paragraph */
        span para = {text.diag, text.diag_len};
        if (!find_address(para, &a))
            return 0;
    }
    found_rcpt *r = found_add(out, a.p, a.len);
    if (!r)
        return 0;
    found_diag(r, text.diag, text.diag_len);
    return 1;
}

const bk_format bk_format_fml = {"fml", 20, match, decode};
