/*
 * googleworkspace.c - Google Workspace bounces of the "** Message not
 * delivered **" family (mailer-daemon@googlemail.com, Subject "Delivery
 * Status Notification (Failure)"): routing, 'Send mail as', group and
 * administrator policy failures. A multipart/report whose text has the
 * "** Message not delivered **" title, an explanation, "Learn more here:"
 * and the remote or internal reply after "The response was:"; the
 * message/delivery-status part may be empty, and then the recipient is in
 * X-Failed-Recipients or "There was a problem delivering your message to
 * ADDR". When the response is no SMTP reply but an error inside Google,
 * Google's explanation is added to the diagnostic.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

/* match - Google's mailer-daemon and the "Message not delivered" title */
static int match(const bk_message *m)
{
    if (!header_has(m, "From", "mailer-daemon@googlemail.com") &&
        !header_has(m, "From", "mailer-daemon@google.com"))
        return 0;
    return message_find(m, "** Message not delivered **") >= 0;
}

/* block_after - the lines after lead in text[0..end), up to a "--" divider
 * or the second blank line in a row */
static span block_after(const bk_message *m, size_t end, const char *lead)
{
    span text = {m->text.data ? m->text.data : "", end}, none = {"", 0};
    long at = span_find(text, lead);
    if (at < 0)
        return none;
    span rest = span_from(text, (size_t)at + strlen(lead));
    size_t pos = 0, e = 0, n = 0;
    span line;
    int blanks = 0, seen = 0;
    while (n++ < 40 && line_next(rest.p, rest.len, &pos, &line)) {
        if (span_is_blank(line)) {
            if (seen && ++blanks >= 2)
                break;
            continue;
        }
        if (span_starts(line, "--"))
            break;
        blanks = 0;
        seen = 1;
        e = pos;
    }
    rest.len = e;
    return rest;
}

/* explanation - Google's own words between the title and "Learn more
 * here:" (or "The response was:"), e.g. "The settings for your 'Send mail
 * as' account are misconfigured" */
static span explanation(const bk_message *m, size_t end)
{
    span text = {m->text.data ? m->text.data : "", end}, none = {"", 0};
    const char *title = "** Message not delivered **";
    long at = span_find(text, title);
    if (at < 0)
        return none;
    span rest = span_from(text, (size_t)at + strlen(title));
    long stop = span_find(rest, "Learn more here:");
    if (stop < 0)
        stop = span_find(rest, "The response was:");
    if (stop < 0)
        return none;
    rest.len = (size_t)stop;
    return span_trim(rest);
}

/* decode - status fields or the named recipient, and the response */
static int decode(const bk_message *m, found *out)
{
    size_t end = m->original_at;
    if (!dsn_decode(m, out) && !add_failed_recipients(m, out)) {
        span text = {m->text.data ? m->text.data : "", end};
        long at = span_find(text, "delivering your message to ");
        if (at >= 0) {
            span rest = span_from(text, (size_t)at + 27), a;
            size_t k = 0;
            while (k < rest.len && rest.p[k] != ' ' && rest.p[k] != '\n')
                k++;
            rest.len = k;
            if (find_address(rest, &a))
                found_add(out, a.p, a.len);
        }
    }
    if (!out->n)
        return 0;
    span reply = block_after(m, end, "The response was:");
    if (!reply.len)
        reply = block_after(m, end, "The response from the remote server was:");
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->diag_len && reply.len) {
            found_diag(r, reply.p, reply.len);
            span t = span_trim(reply);
            int code = take_reply_code(t);
            if (!r->reply_code)
                r->reply_code = code;
            /* no SMTP reply: an error inside Google ("Unspecified Error
             * (SENT_SECOND_EHLO)"), which Google's explanation accounts for */
            span why = explanation(m, end);
            if (!code && why.len)
                found_diag(r, why.p, why.len);
        }
        if (!r->action[0])
            found_set(r->action, sizeof r->action, "failed", 6);
        /* "Message not delivered": Google gave up, whatever the reply */
        if (!r->status[0])
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
    return 1;
}

const bk_format bk_format_googleworkspace = {"googleworkspace", 20, match, decode};
