/*
 * amazonworkmail.c - bounces of Amazon WorkMail: X-Mailer "Amazon
 * WorkMail", From MAILER-DAEMON@REGION.amazonses.com, a multipart/mixed
 * whose text says "An error occurred while trying to deliver the mail to
 * the following recipients:", lists them, and writes the status fields
 * itself after "Technical report:" (Reporting-MTA, Action, Final-Recipient,
 * Diagnostic-Code, Status), then the returned message as message/rfc822.
 * Like SES it wraps the last remote reply of an expired message:
 * "Message expired: unable to deliver in N minutes.<421 4.4.2 ...>".
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

/* match - WorkMail's X-Mailer */
static int match(const bk_message *m)
{
    return header_has(m, "X-Mailer", "Amazon WorkMail");
}

/* expired_reply - the remote reply inside "Message expired: ...<REPLY>" */
static void expired_reply(found_rcpt *r)
{
    span d = {r->diag, r->diag_len};
    long lt = span_find(d, ".<");
    if (span_find(d, "Message expired") < 0 || lt < 0 || !d.len || d.p[d.len - 1] != '>')
        return;
    span inner = span_from(d, (size_t)lt + 2);
    inner.len--;
    int code = take_reply_code(inner);
    if (!code)
        return;
    r->reply_code = code;
    status_head(inner, r->status);
}

/* decode - the status fields of the text */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out)) {
        /* no technical report: the listed recipients */
        long at = message_find(m, "to the following recipients:");
        if (at < 0)
            return 0;
        size_t pos = (size_t)at, end = m->original_at;
        span line;
        line_next(m->text.data, end, &pos, &line);
        for (int n = 0; n < 200 && line_next(m->text.data, end, &pos, &line); n++) {
            span t = span_trim(line), a;
            if (!is_address(t) || !find_address(t, &a))
                break;
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r)
                found_set(r->action, sizeof r->action, "failed", 6);
        }
    }
    for (size_t i = 0; i < out->n; i++)
        expired_reply(&out->r[i]);
    diag_reply_codes(out);
    return out->n > 0;
}

const bk_format bk_format_amazonworkmail = {"amazonworkmail", 20, match, decode};
