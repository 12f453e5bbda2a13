/*
 * x6.c - an unnamed hosted mail service (From "mailer-daemon", Subject
 * "There was an error sending your mail") whose report reads
 *     We had trouble delivering your message. Full details follow:
 *     Subject: '...'
 *     Date: '...'
 *     1 error(s):
 *     The following recipients returned permanent errors: a@example.org.
 *     Reason: SMTP Server <192.0.2.1> refused to accept your message
 *     (DATA), with the following error message: [554 5.4.6 Hop count ...]
 * and attaches the returned message's header as a text file.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define X6_LINES 400

/* match - the lead line */
static int match(const bk_message *m)
{
    return message_find(m, "We had trouble delivering your message") >= 0 &&
           message_find(m, "The following recipients returned") >= 0;
}

/* reason - "SMTP Server <ip> refused ... (CMD), with the following error
 * message: [reply]" into r */
static void reason(span why, found_rcpt *r)
{
    long srv = span_find(why, "SMTP Server <");
    if (srv >= 0) {
        span h = span_from(why, (size_t)srv + 13);
        const char *close = memchr(h.p, '>', h.len);
        if (close)
            found_set(r->rhost, sizeof r->rhost, h.p, (size_t)(close - h.p));
    }
    long open = span_find(why, "(");
    if (open >= 0) {
        span c = span_from(why, (size_t)open + 1);
        size_t k = 0;
        while (k < c.len && bk_is_alpha((unsigned char)c.p[k]))
            k++;
        if (k < c.len && c.p[k] == ')')
            r->command = bk_command_parse(c.p, k);
    }
    span reply = why;
    long msg = span_find(why, "error message: [");
    if (msg >= 0) {
        reply = span_from(why, (size_t)msg + 16);
        for (size_t k = reply.len; k > 0; k--)
            if (reply.p[k - 1] == ']') {
                reply.len = k - 1;
                break;
            }
    }
    reply_set(r, span_trim(reply));
}

/* decode - "returned permanent errors: a, b. Reason: ..." lines */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, lines = 0;
    span line;
    while (lines++ < X6_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line);
        long at = span_find(s, "recipients returned ");
        if (at < 0)
            continue;
        span rest = span_from(s, (size_t)at);
        const char *colon = memchr(rest.p, ':', rest.len);
        if (!colon)
            continue;
        rest = span_from(rest, (size_t)(colon - rest.p) + 1);
        long rs = span_find(rest, " Reason: ");
        span list = rest, why = {"", 0};
        if (rs >= 0) {
            list.len = (size_t)rs;
            why = span_trim(span_from(rest, (size_t)rs + 9));
        }
        int temporary = span_find(s, "returned temporary errors") >= 0;
        /* the addresses, separated by commas or spaces */
        size_t i = 0;
        while (i < list.len) {
            while (i < list.len && (list.p[i] == ' ' || list.p[i] == ','))
                i++;
            size_t k = i;
            while (k < list.len && list.p[k] != ' ' && list.p[k] != ',')
                k++;
            span a = {list.p + i, k - i};
            while (a.len && a.p[a.len - 1] == '.')
                a.len--;
            found_rcpt *r = a.len ? found_add(out, a.p, a.len) : NULL;
            if (r && !r->diag_len) {
                reason(why, r);
                if (temporary)
                    found_set(r->action, sizeof r->action, "delayed", 7);
            }
            i = k;
        }
    }
    original_after(m, out, "The attachment contains the original mail headers");
    return out->n > 0;
}

const bk_format bk_format_x6 = {"x6", 30, match, decode};
