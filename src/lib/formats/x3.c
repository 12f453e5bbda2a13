/*
 * x3.c - an unnamed MTA (From "Mail Delivery System <Mail.Delivery.System@
 * host>", Subject "Delivery status notification") whose report is framed
 * by rulers of "=":
 *     This is an automatically generated Delivery Status Notification.
 *     Delivery to the following recipients failed permanently:
 *        * a@example.com
 *     ====...
 *                              Technical details:
 *     SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@example.com>... No such user
 * Each technical line names the command and the remote host.
 */
#include "format.h"
#include "lines.h"
#include "text.h"

#include <string.h>

#define X3_LINES 400

/* match - the lead line and the "Technical details:" heading */
static int match(const bk_message *m)
{
    return message_find(m, "Delivery to the following recipients failed") >= 0 &&
           message_find(m, "Technical details:") >= 0;
}

/* technical - "SMTP:RCPT host H: reply" into r */
static void technical(span s, found_rcpt *r)
{
    span rest = s;
    if (span_starts(rest, "SMTP:")) {
        rest = span_from(rest, 5);
        size_t k = 0;
        while (k < rest.len && bk_is_alpha((unsigned char)rest.p[k]))
            k++;
        r->command = bk_command_parse(rest.p, k);
        rest = span_trim(span_from(rest, k));
    }
    if (span_starts(rest, "host ")) {
        rest = span_from(rest, 5);
        size_t k = 0;
        while (k < rest.len && rest.p[k] != ':' && rest.p[k] != ' ')
            k++;
        found_set(r->rhost, sizeof r->rhost, rest.p, k);
        rest = span_from(rest, k);
        while (rest.len && (rest.p[0] == ':' || rest.p[0] == ' '))
            rest = span_from(rest, 1);
    }
    r->diag_len = 0;
    found_diag(r, rest.p, rest.len);
    r->reply_code = take_reply_code(rest);
    span head = {rest.p, rest.len < 24 ? rest.len : 24};
    find_status(head, r->status);
}

/* decode - the bulleted recipients and the technical lines */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    enum { NONE, RCPTS, DETAILS } state = NONE;
    while (pos < end && lines++ < X3_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "Delivery to the following recipients failed")) {
            state = RCPTS;
            continue;
        }
        if (span_starts(s, "Technical details")) {
            state = DETAILS;
            continue;
        }
        if (!s.len || span_starts(s, "====="))
            continue;
        if (state == RCPTS) {
            if (s.p[0] == '*')
                s = span_trim(span_from(s, 1));
            if (is_address(s))
                found_add(out, s.p, s.len);
        } else if (state == DETAILS) {
            /* the line names its recipient, or is about all of them */
            found_rcpt *r = NULL;
            if (find_address(s, &a))
                for (size_t i = 0; i < out->n; i++)
                    if (strlen(out->r[i].recipient) == a.len && span_starts(a, out->r[i].recipient))
                        r = &out->r[i];
            if (r)
                technical(s, r);
            else
                for (size_t i = 0; i < out->n; i++)
                    if (!out->r[i].diag_len)
                        technical(s, &out->r[i]);
        }
    }
    return out->n > 0;
}

const bk_format bk_format_x3 = {"x3", 30, match, decode};
