/*
 * mailru.c - bounces of Mail.Ru (mailer-daemon@corp.mail.ru, an Exim
 * system), Subject "Ваше сообщение не доставлено. Mail failure." (RFC 2047
 * encoded), X-Failed-Recipients, X-Mailru-* fields. The text has the same
 * report twice: in Russian ("Это письмо создано автоматически сервером
 * Mail.Ru ... не может быть доставлено одному или нескольким получателям:")
 * and after a line of '*' in Exim's English ("This message was created
 * automatically by mail delivery software. ... This is a permanent error.
 * The following address(es) failed:"). Each recipient is an indented
 * address line, then more deeply indented lines: "SMTP error from remote
 * mail server after RCPT TO:<ADDR>:", "host NAME [IP]: REPLY" (the reply
 * may go on over the next lines), or Exim's own words ("Unrouteable
 * address", "retry timeout exceeded"). "------ This is a copy of the
 * message, including all the headers. ------" precedes the returned message.
 * Rank 15: tried before exim.c (rank 20), whose lead sentence it shares.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define MAILRU_LINES 400

/* match - Mail.Ru's daemon or lead sentence */
static int match(const bk_message *m)
{
    if (header_has(m, "From", "mailer-daemon@") &&
        (header_has(m, "From", "mail.ru") || header_has(m, "From", "mail.ua") ||
         header_has(m, "From", "inbox.ru") || header_has(m, "From", "list.ru") ||
         header_has(m, "From", "bk.ru")))
        return 1;
    return message_find(m, "\xd1\x81\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd1\x80\xd0\xbe\xd0\xbc"
                               " Mail.Ru") >= 0; /* "сервером Mail.Ru" */
}

/* indent - the number of leading spaces and tabs of a line */
static size_t indent(span line)
{
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t'))
        k++;
    return k;
}

/* detail_line - one line under a recipient: command, host, reply */
static void detail_line(found_rcpt *r, span t)
{
    bk_command c = command_named(t);
    if (c) {
        if (!r->command)
            r->command = c;
        return;
    }
    if (span_starts(t, "host ")) {
        span h = span_from(t, 5);
        size_t k = 0;
        while (k < h.len && h.p[k] != ' ' && h.p[k] != '[' && h.p[k] != ':')
            k++;
        if (!r->rhost[0])
            found_set(r->rhost, sizeof r->rhost, h.p, k);
        long colon = span_find(h, "]:");
        if (colon < 0)
            return;
        t = span_trim(span_from(h, (size_t)colon + 2));
    }
    reply_line_add(r, t);
}

/* decode - the English report (the Russian one when it is missing) */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    span text = {t, end};
    long at = span_find(text, "The following address(es) failed:");
    size_t pos = at >= 0 ? (size_t)at : 0, n = 0;
    int permanent = span_find(text, "This is a permanent error") >= 0;
    span line;
    if (at >= 0)
        line_next(t, end, &pos, &line);
    found_rcpt *cur = NULL;
    size_t cur_indent = 0;
    while (n++ < MAILRU_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_is_blank(s)) {
            cur = NULL;
            continue;
        }
        size_t ind = indent(line);
        if (cur && ind > cur_indent) {
            detail_line(cur, s);
            continue;
        }
        cur = NULL;
        if (ind > 0 && is_address(s) && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            cur_indent = ind;
            if (cur)
                found_set(cur->action, sizeof cur->action, "failed", 6);
        }
    }
    if (!out->n)
        add_failed_recipients(m, out);
    if (permanent)
        status_permanent(out); /* every reply code here is 2xx-5xx */
    if (out->n && !m->has_original)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_mailru = {"mailru", 15, match, decode};
