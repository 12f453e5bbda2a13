/*
 * postfix.c - bounces written by Postfix (bounce(8)): "Undelivered Mail
 * Returned to Sender", "Delayed Mail (still being retried)", "Mail Delivery
 * Status Report" and their translated templates. The notification part
 * starts "This is the mail system at host X." (older: "This is the Postfix
 * program at host X."); each recipient has a paragraph
 *     <addr>: host mx.example.com[192.0.2.1] said: 550 5.1.1 <addr>:
 *         User unknown (in reply to RCPT TO command)
 * and, usually, a message/delivery-status part with X-Postfix-Queue-ID.
 * Also the notice to the postmaster "Postfix SMTP server: errors from X"
 * with its "Transcript of session follows." (In:/Out: lines).
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define POSTFIX_LINES 2000

/* match - Postfix's subjects, lead-in lines or X-Postfix DSN fields */
static int match(const bk_message *m)
{
    static const char *const subjects[] = {
        "Undelivered Mail Returned to Sender", "Delayed Mail (still being retried)",
        "Postfix SMTP server: errors from", "Mail Delivery Status Report",
        "Successful Mail Delivery Report", "Postfix SMTP server: "};
    size_t len;
    const char *v = message_header(m, "Subject", &len);
    span s = {v, len};
    for (size_t i = 0; v && i < sizeof subjects / sizeof subjects[0]; i++)
        if (span_starts(s, subjects[i]))
            return 1;
    if (message_find(m, "This is the mail system at host ") >= 0 ||
        message_find(m, "This is the Postfix program at host ") >= 0)
        return 1;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    return span_find(d, "X-Postfix-Queue-ID:") >= 0 || span_find(d, "X-Postfix-Sender:") >= 0;
}

/* named_command - the command named at the start of s ("RCPT TO", "MAIL FROM", "end of DATA") */
static bk_command named_command(span s)
{
    s = span_trim(s);
    if (span_starts(s, "end of "))
        s = span_from(s, 7);
    return command_word(s);
}

/* paragraph_read - what one "<addr>: ..." paragraph says into r */
static void paragraph_read(span para, found_rcpt *r)
{
    size_t at_len = 0;
    long at = span_find_words(para, "(in reply to ", &at_len);
    if (at >= 0 && !r->command)
        r->command = named_command(span_from(para, (size_t)at + at_len));
    long h = span_find(para, "host");
    if (h >= 0 && !r->rhost[0]) {
        span rest = span_trim(span_from(para, (size_t)h + 4));
        size_t k = 0;
        while (k < rest.len && !bk_is_space((unsigned char)rest.p[k]) && rest.p[k] != '[')
            k++;
        if (k > 0 && memchr(rest.p, '.', k))
            found_set(r->rhost, sizeof r->rhost, rest.p, k);
    }
    if (r->diag_len)
        return;
    /* the remote reply when there is one, else the whole explanation */
    span d = para;
    long said = span_find(para, " said: ");
    if (said >= 0)
        d = span_from(para, (size_t)said + 7);
    if (at >= 0 && (size_t)at >= (size_t)(d.p - para.p)) {
        span cut = {d.p, (size_t)(para.p + at - d.p)};
        d = cut;
    }
    found_diag(r, d.p, d.len);
    if (!r->reply_code)
        r->reply_code = take_reply_code(span_trim(d));
    if (!r->status[0])
        find_status(d, r->status);
}

/* listed - the entry already found for address a, or NULL */
static found_rcpt *listed(found *out, span a)
{
    if (a.len && a.p[0] == '<' && a.len >= 2)
        a.p++, a.len -= 2;
    for (size_t i = 0; i < out->n; i++)
        if (strlen(out->r[i].recipient) == a.len && span_starts(a, out->r[i].recipient))
            return &out->r[i];
    return NULL;
}

/* paragraphs - every "<addr>: text" paragraph of the notification */
static void paragraphs(const bk_message *m, found *out, int add)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    size_t pos = 0, lines = 0;
    span line;
    while (pos < end && lines++ < POSTFIX_LINES && line_next(t, end, &pos, &line)) {
        if (!line.len || line.p[0] != '<')
            continue;
        const char *close = memchr(line.p, '>', line.len);
        if (!close)
            continue;
        span addr = {line.p + 1, (size_t)(close - line.p) - 1};
        span after = span_from(line, (size_t)(close - line.p) + 1);
        /* "<a@b>: ..." or "<a@b> (expanded from <c@d>): ..." */
        if (!is_address(addr) || !after.len ||
            (after.p[0] != ':' && !span_starts(after, " (expanded from")))
            continue;
        const char *colon = memchr(after.p, ':', after.len);
        if (!colon)
            continue;
        found_rcpt *r = add ? found_add(out, addr.p, addr.len) : listed(out, addr);
        span orig;
        int expanded = span_starts(after, " (expanded from") && find_address(after, &orig);
        if (!r && expanded)
            r = listed(out, orig);
        if (r && expanded && !r->orig[0])
            found_orig(r, orig.p, orig.len);
        /* the paragraph: this line's rest and the lines to the next blank one */
        size_t start = (size_t)(colon + 1 - t);
        size_t stop = pos, save = pos, n = 0;
        span next;
        while (n++ < 40 && line_next(t, end, &save, &next) && !span_is_blank(next) &&
               next.p[0] != '<')
            stop = save;
        if (stop > start && r) {
            span para = {t + start, stop - start};
            paragraph_read(para, r);
        }
        pos = stop > pos ? stop : pos;
    }
}

/* transcript - the postmaster notice: "In: RCPT TO:<a>" lines and the
 * error reply ("Out: 451 ...") that ended the session */
static void transcript(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, pos = 0, lines = 0;
    span line, err = {"", 0};
    bk_command cmd = BK_CMD_NONE, err_cmd = BK_CMD_NONE;
    size_t first = out->n;
    while (lines++ < POSTFIX_LINES && line_next(t, len, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(s, "In:")) {
            span c = span_trim(span_from(s, 3));
            bk_command k = named_command(c);
            if (k)
                cmd = k;
            span a;
            if (k == BK_CMD_RCPT && find_address(c, &a))
                found_add(out, a.p, a.len);
        } else if (span_starts(s, "Out:")) {
            span c = span_trim(span_from(s, 4));
            int code = take_reply_code(c);
            if (code >= 400 && !err.len) {
                err = c;
                err_cmd = cmd;
            }
        }
    }
    for (size_t i = first; i < out->n && err.len; i++) {
        found_rcpt *r = &out->r[i];
        found_diag(r, err.p, err.len);
        r->reply_code = take_reply_code(err);
        find_status(err, r->status);
        r->command = err_cmd;
    }
}

/* returned_to - the returned message's To, when the report lists nobody */
static void returned_to(const bk_message *m, found *out)
{
    char to[BK_ADDR_MAX * 2];
    const char *h = m->original.data;
    size_t hl = m->original.len;
    size_t start = m->original_at;
    if (!hl && start < m->text.len) {
        h = m->text.data + start;
        hl = m->text.len - start;
        /* skip the marker line itself */
        const char *nl = memchr(h, '\n', hl);
        if (nl && !(span_starts((span){h, hl}, "Received:") || span_starts((span){h, hl}, "Return-Path:"))) {
            hl -= (size_t)(nl + 1 - h);
            h = nl + 1;
        }
    }
    if (!h || !hl || !header_value(h, hl, "To", to, sizeof to))
        return;
    span s = {to, strlen(to)}, a;
    if (find_address(s, &a))
        found_add(out, a.p, a.len);
}

/* decode - the DSN fields, the recipients' paragraphs, or the transcript */
static int decode(const bk_message *m, found *out)
{
    span subj = header_span(m, "Subject");
    if (span_starts(subj, "Postfix SMTP server: errors from") ||
        message_find(m, "Transcript of session follows.") >= 0) {
        if (message_find(m, "\n In:") >= 0 || message_find(m, "\nIn:") >= 0) {
            transcript(m, out);
            if (out->n)
                return 1;
        }
    }
    dsn_decode(m, out);
    paragraphs(m, out, out->n == 0);
    if (!out->n && message_find(m, "Delivery report unavailable") >= 0)
        returned_to(m, out);
    if (!m->original.len && out->n)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_postfix = {"postfix", 20, match, decode};
