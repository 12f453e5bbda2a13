/*
 * fallback.c - bounces in no known format: when the From or Subject says
 * it is a delivery failure, every address in the report's text (before the
 * returned message) that is not the bounce's own sender or receiver is a
 * failed recipient, and the lines after it, up to a blank line, are its
 * diagnostic. Bounded: the first FALLBACK_LINES lines only.
 */
#include "format.h"
#include "lines.h"

#include <string.h>

#define FALLBACK_LINES 400

/* own_address - an address of the bounce itself (its From, To, a daemon) */
static int own_address(const bk_message *m, span a)
{
    static const char *const daemons[] = {"mailer-daemon@", "postmaster@", "mailer_daemon@",
                                          "noreply@", "no-reply@", "root@"};
    for (size_t i = 0; i < sizeof daemons / sizeof daemons[0]; i++)
        if (span_starts(a, daemons[i]))
            return 1;
    static const char *const fields[] = {"From", "To", "Reply-To", "Sender"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t len;
        const char *v = message_header(m, fields[i], &len);
        span s = {v, len};
        char want[BK_ADDR_MAX];
        found_set(want, sizeof want, a.p, a.len);
        if (v && span_find(s, want) >= 0)
            return 1;
    }
    return 0;
}

/* match - it says it is a bounce */
static int match(const bk_message *m)
{
    return looks_like_bounce(m);
}

/* decode - addresses and the lines that follow them */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    size_t pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < FALLBACK_LINES && line_next(t, end, &pos, &line)) {
        span a;
        if (find_address(line, &a) && !own_address(m, a)) {
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r) {
                cur = r;
                /* the rest of the line after the address */
                const char *after = a.p + a.len;
                span rest = {after, (size_t)(line.p + line.len - after)};
                rest = span_trim(rest);
                while (rest.len && (rest.p[0] == '>' || rest.p[0] == ':' || rest.p[0] == ','))
                    rest = span_trim(span_from(rest, 1));
                found_diag(r, rest.p, rest.len);
                /* the codes of a reply that names the address it refuses:
                 * "552 5.2.2 <a@b> Quota exceeded" */
                span before = span_trim((span){line.p, (size_t)(a.p - line.p)});
                int code = take_reply_code(before);
                if (code && !r->reply_code) {
                    r->reply_code = code;
                    if (!r->status[0])
                        find_status(before, r->status);
                }
                continue;
            }
        }
        if (span_is_blank(line)) {
            if (cur && cur->diag_len)
                cur = NULL;
            continue;
        }
        if (cur)
            found_diag(cur, line.p, line.len);
    }
    return out->n > 0;
}

const bk_format bk_format_fallback = {"fallback", 90, match, decode};
