/*
 * gmx.c - bounces of GMX, WEB.DE and mail.com (United Internet's mail
 * system): From MAILER-DAEMON@ their domain ("mail.gmx.com", "gmx.net",
 * "web.de"), Subject "Mail delivery failed: returning message to sender",
 * X-UI-* fields. The text opens like Exim's ("This message was created
 * automatically by mail delivery software. ... This is a permanent error.
 * The following address(es) failed:"), then per recipient its address
 * (quoted, in angle brackets or bare, often ending in ':'), then either
 *     SMTP error from remote server after RCPT command:
 *     host: mx.example.com
 *     5.1.1 <ADDR>... User Unknown
 * or "Reason:" and a line of its own words ("delivery retry timeout
 * exceeded"), and "--- The header of the original message is following.
 * ---" before the returned header. 1&1 (einsundeins.c) writes the same
 * format; its decoder uses gmx_read() below.
 * Rank 15: tried before exim.c (rank 20), whose lead sentence it shares.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define GMX_LINES 400

/* gmx_read - the recipients of the United Internet format; shared with
 * einsundeins.c */
int gmx_read(const bk_message *m, found *out);

/* match - GMX's daemon or X-UI fields, and its returned-header marker */
static int match(const bk_message *m)
{
    if (message_find(m, "--- The header of the original message is following. ---") < 0)
        return 0;
    if (header_has(m, "From", "kundenserver.de") || header_has(m, "From", "1and1") ||
        header_has(m, "From", "1und1") || header_has(m, "From", "ionos"))
        return 0;
    return header_has(m, "From", "gmx.") || header_has(m, "From", "web.de") ||
           header_has(m, "From", "mail.com") || header_has(m, "X-UI-Out-Filterresults", "") ||
           header_has(m, "X-UI-Filterresults", "");
}

/* label_line - a line of the template's own words, not of the reply */
static int label_line(span t)
{
    return span_is(t, "Reason:") || span_is(t, "For the following reason:") ||
           span_starts(t, "SMTP error from remote server") ||
           span_starts(t, "SMTP error from remote mail server");
}

/* host_line - "host: mx.example.com" or "..., host: NAME (IP) reason: REPLY";
 * the host into r, the reply after "reason:" returned (len 0: none) */
static span host_line(span t, found_rcpt *r)
{
    span none = {"", 0};
    long at = span_find(t, "host: ");
    if (at < 0)
        return none;
    span h = span_from(t, (size_t)at + 6);
    size_t k = 0;
    while (k < h.len && h.p[k] != ' ' && h.p[k] != '(' && h.p[k] != '[')
        k++;
    if (!r->rhost[0])
        found_set(r->rhost, sizeof r->rhost, h.p, k);
    long why = span_find(t, " reason: ");
    return why < 0 ? none : span_trim(span_from(t, (size_t)why + 9));
}

/* recipient_line - the address a line consists of ("\"a@b\":", "<a@b>", "a@b:") */
static int recipient_line(span t, span *a)
{
    while (t.len && (t.p[t.len - 1] == ':' || t.p[t.len - 1] == '"'))
        t.len--;
    while (t.len && t.p[0] == '"')
        t = span_from(t, 1);
    return t.len && is_address(t) && find_address(t, a);
}

/* gmx_read - each address line and the lines that follow it */
int gmx_read(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    span text = {t, end};
    long at = span_find(text, "failed:");
    if (at < 0)
        at = span_find(text, "could not be delivered");
    size_t pos = at >= 0 ? (size_t)at : 0, n = 0;
    int permanent = span_find(text, "This is a permanent error") >= 0;
    int delayed = !permanent && delay_notice(m); /* "Warning: message delayed ..." */
    span line;
    line_next(t, end, &pos, &line);
    found_rcpt *cur = NULL;
    while (n++ < GMX_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_is_blank(s) || span_starts(s, "---"))
            continue;
        if (recipient_line(s, &a)) {
            cur = found_add(out, a.p, a.len);
            if (cur)
                found_set(cur->action, sizeof cur->action, delayed ? "delayed" : "failed",
                          delayed ? 7 : 6);
            continue;
        }
        if (!cur)
            continue;
        bk_command c = command_named(s);
        if (c && !cur->command)
            cur->command = c;
        span why = host_line(s, cur);
        if (why.len)
            reply_line_add(cur, why);
        else if (!label_line(s) && span_find(s, "host: ") < 0)
            reply_line_add(cur, s);
    }
    if (permanent)
        status_permanent(out); /* every reply code here is 2xx-5xx */
    if (out->n && !m->has_original)
        original_in_text(m, out);
    return out->n > 0;
}

/* decode - the United Internet format */
static int decode(const bk_message *m, found *out)
{
    return gmx_read(m, out);
}

const bk_format bk_format_gmx = {"gmx", 15, match, decode};
