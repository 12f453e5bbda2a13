/*
 * opensmtpd.c - bounces written by OpenSMTPD: Subject "Delivery status
 * notification: error" (or ": warning"), From "Mailer Daemon", the text
 *     Hi!
 *     This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.
 *     An error has occurred while attempting to deliver a message for
 *     the following list of recipients:
 *     kijitora@example.com: 550 5.1.1 User unknown
 *     Below is a copy of the original message:
 * one "address: reason" line per recipient (newer versions: "Your message
 * could not be delivered to one or more recipients" / "Delivery to the
 * following recipients failed permanently:" with the same lines). Its
 * warning ("A message is delayed for more than 4 hours for the following
 * list of recipients:", "this is only a temporary failure report") lists
 * recipients still in the queue: action delayed. Newer versions add a
 * delivery-status part (Status 5.0.0 for every failure, 4.4.7 when the
 * envelope expired): its fields come first, the text's reply and status
 * where it gives one.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define OPENSMTPD_LINES 1000

/* match - OpenSMTPD's MAILER-DAEMON sentence */
static int match(const bk_message *m)
{
    return message_find(m, "This is the MAILER-DAEMON, please DO NOT REPLY to this e") >= 0;
}

/* decode - the "address: reason" lines of the list */
static int decode(const bk_message *m, found *out)
{
    long at = message_find(m, "This is the MAILER-DAEMON, please DO NOT REPLY");
    if (at < 0)
        return 0;
    dsn_decode(m, out);
    const char *t = m->text.data;
    size_t end = m->text.len, pos = (size_t)at, lines = 0;
    long copy = message_find(m, "Below is a copy of the original message");
    if (copy > at)
        end = (size_t)copy;
    int delayed = message_find(m, "A message is delayed for more than") >= 0 ||
                  message_find(m, "this is only a temporary failure report") >= 0;
    span line;
    found_rcpt *cur = NULL;
    while (lines++ < OPENSMTPD_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        const char *colon = memchr(s.p, ':', s.len);
        if (colon && line.len && line.p[0] != ' ' && line.p[0] != '\t') {
            span head = {s.p, (size_t)(colon - s.p)};
            if (is_address(head) && find_address(head, &a)) {
                cur = found_add(out, a.p, a.len);
                if (cur) {
                    if (delayed)
                        found_set(cur->action, sizeof cur->action, "delayed", 7);
                    span reason = span_trim(span_from(s, (size_t)(colon - s.p) + 1));
                    found_diag(cur, reason.p, reason.len);
                    int code = take_reply_code(reason);
                    if (code)
                        cur->reply_code = code;
                    find_status(reason, cur->status); /* written only when found */
                }
                continue;
            }
        }
        if (span_is_blank(s))
            cur = NULL;
        else if (cur && line.len && line.p[0] != ' ')
            found_diag(cur, s.p, s.len);
    }
    if (!m->original.len && out->n)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_opensmtpd = {"opensmtpd", 20, match, decode};
