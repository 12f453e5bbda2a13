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

#define NOTES_LINES 400

/* match - the subject and the "Failure Reasons" ruler */
static int match(const bk_message *m)
{
    size_t len;
    const char *v = message_header(m, "Subject", &len);
    span s = {v, len};
    return v && span_starts(s, "Undeliverable message") &&
           text_find(&m->text, "------- Failure Reasons") >= 0;
}

/* permanent - the class of a permanent failure for the recipients no code
 * describes: this report is sent when delivery has been given up */
static void permanent(found *out)
{
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->status[0] && (r->reply_code == 0 || r->reply_code >= 500))
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
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
        if (!pending.p)
            pending = s;
        else
            pending.len = (size_t)(s.p + s.len - pending.p);
    }
    /* a reason written after the last address */
    if (pending.p && last && !last->diag_len)
        found_diag(last, pending.p, pending.len);
    permanent(out);
    inline_original(m, out, "------- Returned Message");
    return out->n > 0;
}

const bk_format bk_format_notes = {"notes", 20, match, decode};
