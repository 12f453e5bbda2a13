/*
 * amazonses.c - bounces of Amazon Simple Email Service (SES) sending:
 *   - DSNs from MAILER-DAEMON@amazonses.com (or a region's
 *     MAILER-DAEMON@us-west-2.amazonses.com, email-bounces.amazonses.com),
 *     with X-SES-Outgoing, "An error occurred while trying to deliver the
 *     mail to the following recipients:" (or, in old ones, "The following
 *     message to <ADDR> was undeliverable.") and a message/delivery-status
 *     part. SES wraps the remote reply in its own words: "Message expired:
 *     unable to deliver in N minutes.<421 4.4.2 Connection timed out>" and,
 *     in old ones, "5.1.0 - Unknown address error 550-'5.7.1 ... '
 *     (delivery attempts: 0)": the remote reply is what counts.
 *   - notifications as JSON, mailed by Amazon SNS (From no-reply@sns.
 *     amazonaws.com, x-amz-sns-message-id) or as the body itself:
 *     {"notificationType":"Bounce"|"Complaint"|"Delivery", "bounce":
 *     {"bouncedRecipients":[{"emailAddress", "status", "action",
 *     "diagnosticCode"}], "bounceType", "bounceSubType", "reportingMTA"},
 *     "complaint":{"complainedRecipients":[...], "complaintFeedbackType"},
 *     "delivery":{"recipients":[...], "smtpResponse"}, "mail":{"source"}};
 *     the SNS envelope may hold it as an escaped string in "Message".
 * Amazon WorkMail (X-Mailer: Amazon WorkMail) and SES receiving
 * (Reporting-MTA inbound-smtp.*.amazonaws.com) have their own formats.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* other_amazon - a WorkMail or SES receiving bounce */
static int other_amazon(const bk_message *m)
{
    if (header_has(m, "X-Mailer", "Amazon WorkMail"))
        return 1;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    return span_find(d, "inbound-smtp.") >= 0 && span_find(d, "amazonaws.com") >= 0;
}

/* match - SES's daemon or fields, or an SES notification in JSON */
static int match(const bk_message *m)
{
    if (other_amazon(m))
        return 0;
    if (message_find(m, "notificationType") >= 0 &&
        (header_has(m, "x-amz-sns-message-id", "") || header_has(m, "From", "amazonaws.com") ||
         header_has(m, "X-SES-Outgoing", "")))
        return 1;
    if (!m->dsn.len && message_find(m, "\nReporting-MTA:") < 0)
        return 0;
    return header_has(m, "From", "amazonses.com") || header_has(m, "X-SES-Outgoing", "");
}

/* ---- the notification, read with jansson -------------------------------- */

/* json_set - a string value of key in obj into a fixed field */
static void json_set(const json_t *obj, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        found_set(dst, cap, json_string_value(v), json_string_length(v));
}

/* typed - "dsn; host" or "smtp; 550 ..." without its type */
static span typed(const char *v)
{
    span s = {v, strlen(v)};
    const char *semi = memchr(v, ';', s.len);
    if (semi && semi - v < 12)
        s = span_from(s, (size_t)(semi - v) + 1);
    return span_trim(s);
}

/* json_recipient - one recipient of a notification */
static void json_recipient(const json_t *item, const json_t *part, const char *type, found *out)
{
    char addr[BK_ADDR_MAX] = "", buf[BK_REPLY_TEXT_MAX];
    if (json_is_string(item))
        found_set(addr, sizeof addr, json_string_value(item), json_string_length(item));
    else
        json_set(item, "emailAddress", addr, sizeof addr);
    found_rcpt *r = found_add(out, addr, strlen(addr));
    if (!r)
        return;
    buf[0] = '\0';
    json_set(part, "reportingMTA", buf, sizeof buf);
    span h = typed(buf);
    SPAN_SET(r->lhost, h);
    json_set(part, "timestamp", r->date, sizeof r->date);
    if (strcmp(type, "Bounce") == 0) {
        char sub[64] = "";
        buf[0] = '\0';
        json_set(item, "status", buf, sizeof buf);
        find_status((span){buf, strlen(buf)}, r->status);
        buf[0] = '\0';
        json_set(item, "diagnosticCode", buf, sizeof buf);
        span d = typed(buf);
        found_diag(r, d.p, d.len);
        r->reply_code = take_reply_code(d);
        found_set(r->diagtype, sizeof r->diagtype, "SMTP", 4);
        found_set(r->action, sizeof r->action, "failed", 6);
        json_set(part, "bounceSubType", sub, sizeof sub);
        /* SES did not send: the address is on a suppression list */
        if (strcmp(sub, "Suppressed") == 0 || strcmp(sub, "OnAccountSuppressionList") == 0)
            r->reason = "suppressed";
        if (!r->status[0]) {
            json_set(part, "bounceType", sub, sizeof sub);
            if (strcmp(sub, "Permanent") == 0)
                found_set(r->status, sizeof r->status, "5.0.0", 5);
            else if (strcmp(sub, "Transient") == 0)
                found_set(r->status, sizeof r->status, "4.0.0", 5);
        }
    } else if (strcmp(type, "Complaint") == 0) {
        json_set(part, "complaintFeedbackType", r->feedbacktype, sizeof r->feedbacktype);
        if (!r->feedbacktype[0])
            found_set(r->feedbacktype, sizeof r->feedbacktype, "abuse", 5);
        found_set(r->action, sizeof r->action, "failed", 6);
        r->reason = "feedback";
    } else {
        buf[0] = '\0';
        json_set(part, "smtpResponse", buf, sizeof buf);
        span d = span_trim((span){buf, strlen(buf)});
        found_diag(r, d.p, d.len);
        r->reply_code = take_reply_code(d);
        span head = d;
        if (head.len > 24)
            head.len = 24;
        find_status(head, r->status);
        found_set(r->action, sizeof r->action, "delivered", 9);
    }
}

/* decode_json - a notification: one entry per recipient it lists */
static int decode_json(const json_t *j, found *out)
{
    char type[32] = "";
    json_set(j, "notificationType", type, sizeof type);
    if (!type[0])
        json_set(j, "eventType", type, sizeof type);
    static const struct {
        const char *type, *part, *list;
    } kinds[] = {{"Bounce", "bounce", "bouncedRecipients"},
                 {"Complaint", "complaint", "complainedRecipients"},
                 {"Delivery", "delivery", "recipients"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcmp(type, kinds[k].type) != 0)
            continue;
        const json_t *part = json_object_get(j, kinds[k].part);
        const json_t *list = json_object_get(part, kinds[k].list);
        size_t i;
        json_t *item;
        json_array_foreach(list, i, item)
            json_recipient(item, part, type, out);
        char src[BK_ADDR_MAX] = "";
        json_set(json_object_get(j, "mail"), "source", src, sizeof src);
        span a;
        if (find_address((span){src, strlen(src)}, &a))
            SPAN_SET(out->addresser, a);
    }
    return out->n > 0;
}

/* unbreak - p without the breaks Sendmail puts in a line longer than its
 * mailer's limit ("!", a line end, a space: the JSON of a notification is
 * one long line, and a break inside a string makes it unreadable); a new
 * buffer the caller frees, NULL when there is none */
static char *unbreak(const char *p, size_t len, size_t *out_len)
{
    if (!memchr(p, '!', len))
        return NULL;
    char *u = malloc(len + 1);
    if (!u)
        return NULL;
    size_t o = 0, cut = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '!' && i + 2 < len && p[i + 1] == '\n' && p[i + 2] == ' ') {
            i += 2;
            cut++;
            continue;
        }
        u[o++] = p[i];
    }
    if (!cut) {
        free(u);
        return NULL;
    }
    *out_len = o;
    return u;
}

/* notification - the JSON object in the text, unwrapped from an SNS
 * envelope's "Message" string when it is one */
static int notification(const bk_message *m, found *out)
{
    long at = message_find(m, "{");
    if (at < 0)
        return 0;
    /* the object ends where it ends: an SNS mail has its footer after it */
    const char *p = m->text.data + at;
    size_t len = m->text.len - (size_t)at;
    json_t *j = json_loadb(p, len, JSON_DISABLE_EOF_CHECK, NULL);
    if (!j) {
        size_t ulen = 0;
        char *u = unbreak(p, len, &ulen);
        if (u)
            j = json_loadb(u, ulen, JSON_DISABLE_EOF_CHECK, NULL);
        free(u); /* jansson keeps copies of what it read */
    }
    if (!j)
        return 0;
    json_t *msg = json_object_get(j, "Message");
    int ok = 0;
    if (json_is_string(msg) && json_string_length(msg) && !json_object_get(j, "notificationType")) {
        json_t *inner = json_loadb(json_string_value(msg), json_string_length(msg),
                                   JSON_DISABLE_EOF_CHECK, NULL);
        /* the fields copied out of inner are all fixed arrays */
        ok = inner && decode_json(inner, out);
        json_decref(inner);
    } else {
        ok = decode_json(j, out);
    }
    json_decref(j);
    return ok;
}

/* inner_reply - SES's wrapper around the remote reply: "Message expired:
 * ... <421 4.4.2 Connection timed out>" or "5.1.0 - Unknown address error
 * 550-'5.7.1 ...' (delivery attempts: 0)"; the reply into r */
static void inner_reply(found_rcpt *r)
{
    span d = {r->diag, r->diag_len};
    span inner = {"", 0};
    int keep = 0; /* the expired notice is worth keeping whole */
    long lt = span_find(d, ".<");
    if (span_find(d, "Message expired") >= 0 && lt >= 0 && d.p[d.len - 1] == '>') {
        inner = span_from(d, (size_t)lt + 2);
        inner.len--;
        keep = 1;
    } else if (d.len > 8 && bk_is_digit((unsigned char)d.p[0]) && d.p[1] == '.') {
        long dash = span_find(d, " - ");
        if (dash < 0 || dash > 12)
            return;
        span rest = span_from(d, (size_t)dash + 3);
        for (size_t i = 0; i + 3 < rest.len; i++) {
            if (i && rest.p[i - 1] != ' ')
                continue;
            span c = span_from(rest, i);
            if (take_reply_code(c) || (c.len > 4 && c.p[3] == '-' && take_reply_code((span){c.p, 3}))) {
                inner = c;
                break;
            }
        }
        long tail = span_find(inner, " (delivery attempts:");
        if (tail >= 0)
            inner.len = (size_t)tail;
    }
    if (!inner.len)
        return;
    int code = take_reply_code((span){inner.p, inner.len > 3 ? 3 : inner.len});
    if (!code)
        return;
    r->reply_code = code;
    status_head(inner, r->status);
    if (keep)
        return;
    /* the reply alone, quotes SES put around it dropped */
    char buf[BK_REPLY_TEXT_MAX];
    size_t o = 0;
    for (size_t i = 0; i < inner.len && o + 1 < sizeof buf; i++)
        if (inner.p[i] != '\'')
            buf[o++] = inner.p[i];
    r->diag_len = 0;
    found_diag(r, buf, o);
}

/* decode - the status fields (with SES's wrapped replies), or the JSON */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return notification(m, out);
    for (size_t i = 0; i < out->n; i++)
        inner_reply(&out->r[i]);
    diag_reply_codes(out);
    return 1;
}

const bk_format bk_format_amazonses = {"amazonses", 20, match, decode};
