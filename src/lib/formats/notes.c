/*
 * notes.c - bounces of the SMTP MTA of Lotus Notes (R4/R5 era, before
 * Domino wrote DSNs). Subject "Undeliverable message"; the text is
 *     ------- Failure Reasons  --------
 *     User not listed in public Name & Address Book
 *     a@example.jp
 *     ------- Returned Message --------
 * each reason line(s) followed by the address it is about, in the
 * server's language (Japanese servers write the reason in ISO-2022-JP).
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#define NOTES_LINES 400

/* match - the subject and the "Failure Reasons" ruler */
static int match(const bk_message *m)
{
    size_t len;
    const char *v = message_header(m, "Subject", &len);
    span s = {v, len};
    return v && span_starts(s, "Undeliverable message") &&
           message_find(m, "------- Failure Reasons") >= 0;
}

/* decode - reasons, each followed by the address it is about */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    span line, pending = {NULL, 0};
    int on = 0;
    found_rcpt *last = NULL;
    while (lines++ < NOTES_LINES && line_next(t, len, &pos, &line)) {
        span s = span_trim(line);
        if (!on) {
            on = span_starts(s, "------- Failure Reasons");
            continue;
        }
        if (span_starts(s, "------- Returned Message"))
            break;
        if (!s.len || s.p[0] == '-')
            continue;
        if (is_address(s)) {
            found_rcpt *r = found_add(out, s.p, s.len);
            if (r && pending.p && !r->diag_len)
                found_diag(r, pending.p, pending.len);
            pending.p = NULL;
            pending.len = 0;
            last = r;
            continue;
        }
        /* reason lines: from the first to this one */
        span_extend(&pending, s);
    }
    /* a reason written after the last address */
    if (pending.p && last && !last->diag_len)
        found_diag(last, pending.p, pending.len);
    status_permanent(out);
    original_after(m, out, "------- Returned Message");
    return out->n > 0;
}

const bk_format bk_format_notes = {"notes", 20, match, decode};
