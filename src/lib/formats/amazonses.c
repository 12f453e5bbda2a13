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
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define JSON_ITEMS 1000

/* header_has - the field's value contains word */
static int header_has(const bk_message *m, const char *name, const char *word)
{
    size_t len;
    const char *v = message_header(m, name, &len);
    span s = {v, len};
    return v && span_find(s, word) >= 0;
}

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
    if (text_find(&m->text, "notificationType") >= 0 &&
        (header_has(m, "x-amz-sns-message-id", "") || header_has(m, "From", "amazonaws.com") ||
         header_has(m, "X-SES-Outgoing", "")))
        return 1;
    if (!m->dsn.len && text_find(&m->text, "\nReporting-MTA:") < 0)
        return 0;
    return header_has(m, "From", "amazonses.com") || header_has(m, "X-SES-Outgoing", "");
}

/* ---- a small bounded JSON reader ---------------------------------------- */

/* json_skip_ws - s from its first byte that is not white space */
static span json_skip_ws(span s)
{
    size_t i = 0;
    while (i < s.len && bk_is_space((unsigned char)s.p[i]))
        i++;
    return span_from(s, i);
}

/* json_value_len - the length of the JSON value at the start of s */
static size_t json_value_len(span s)
{
    if (!s.len)
        return 0;
    if (s.p[0] == '"') {
        size_t i = 1;
        while (i < s.len && s.p[i] != '"')
            i += s.p[i] == '\\' ? 2 : 1;
        return i < s.len ? i + 1 : s.len;
    }
    if (s.p[0] == '{' || s.p[0] == '[') {
        size_t depth = 0, i = 0;
        int in_str = 0;
        for (; i < s.len; i++) {
            char c = s.p[i];
            if (in_str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    in_str = 0;
            } else if (c == '"') {
                in_str = 1;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return s.len;
    }
    size_t i = 0;
    while (i < s.len && s.p[i] != ',' && s.p[i] != '}' && s.p[i] != ']')
        i++;
    return i;
}

/* json_get - the value of "key" anywhere in s (first occurrence); len 0 when
 * missing */
static span json_get(span s, const char *key)
{
    span none = {"", 0};
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 < s.len; i++) {
        if (s.p[i] != '"' || memcmp(s.p + i + 1, key, kl) != 0 || s.p[i + 1 + kl] != '"')
            continue;
        span v = json_skip_ws(span_from(s, i + kl + 2));
        if (!v.len || v.p[0] != ':')
            continue;
        v = json_skip_ws(span_from(v, 1));
        v.len = json_value_len(v);
        return v;
    }
    return none;
}

/* json_string - the text of a JSON string value into out (cap bytes),
 * escapes resolved (\uXXXX below 0x80 only; others become '?') */
static size_t json_string(span v, char *out, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return 0;
    if (v.len < 2 || v.p[0] != '"') {
        found_set(out, cap, v.p, v.len);
        return strlen(out);
    }
    for (size_t i = 1; i + 1 < v.len && o + 1 < cap; i++) {
        char c = v.p[i];
        if (c == '\\' && i + 2 < v.len) {
            char e = v.p[++i];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            if (e == 'u') {
                unsigned x = 0;
                size_t k = 0;
                for (; k < 4 && i + 1 < v.len; k++) {
                    char h = v.p[++i];
                    x = x * 16 + (unsigned)(bk_is_digit((unsigned char)h) ? h - '0'
                                            : (bk_lower((unsigned char)h) - 'a' + 10) & 15);
                }
                c = x < 0x80 && x >= 0x20 ? (char)x : '?';
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

/* json_items - the i-th element of the array a, or len 0 */
static span json_item(span a, size_t want)
{
    span none = {"", 0};
    if (!a.len || a.p[0] != '[')
        return none;
    span s = json_skip_ws(span_from(a, 1));
    for (size_t i = 0; i < JSON_ITEMS && s.len && s.p[0] != ']'; i++) {
        span v = s;
        v.len = json_value_len(s);
        if (!v.len)
            return none;
        if (i == want)
            return v;
        s = json_skip_ws(span_from(s, v.len));
        if (s.len && s.p[0] == ',')
            s = json_skip_ws(span_from(s, 1));
    }
    return none;
}

/* json_set - a string value of key in obj into a fixed field */
static void json_set(span obj, const char *key, char *dst, size_t cap)
{
    span v = json_get(obj, key);
    if (v.len)
        json_string(v, dst, cap);
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
static void json_recipient(span item, span part, const char *type, found *out)
{
    char addr[BK_ADDR_MAX], buf[BK_REPLY_TEXT_MAX];
    if (item.len && item.p[0] == '"')
        json_string(item, addr, sizeof addr);
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
static int decode_json(span j, found *out)
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
        span part = json_get(j, kinds[k].part);
        span list = json_get(part, kinds[k].list);
        for (size_t i = 0; i < JSON_ITEMS; i++) {
            span item = json_item(list, i);
            if (!item.len)
                break;
            json_recipient(item, part, type, out);
        }
        span mail = json_get(j, "mail");
        char src[BK_ADDR_MAX] = "";
        json_set(mail, "source", src, sizeof src);
        span a;
        if (find_address((span){src, strlen(src)}, &a))
            SPAN_SET(out->addresser, a);
    }
    return out->n > 0;
}

/* notification - the JSON object in the text, unwrapped from an SNS
 * envelope's "Message" string when it is one */
static int notification(const bk_message *m, found *out)
{
    long at = text_find(&m->text, "{");
    if (at < 0)
        return 0;
    span j = {m->text.data + at, m->text.len - (size_t)at};
    j.len = json_value_len(j);
    span msg = json_get(j, "Message");
    if (msg.len > 2 && msg.p[0] == '"' && json_get(j, "notificationType").len == 0) {
        char *buf = malloc(msg.len);
        if (!buf)
            return 0;
        size_t n = json_string(msg, buf, msg.len);
        int ok = decode_json((span){buf, n}, out);
        /* the fields copied out of buf are all fixed arrays */
        free(buf);
        return ok;
    }
    return decode_json(j, out);
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
    span head = inner;
    if (head.len > 24)
        head.len = 24;
    char st[BK_STATUS_MAX];
    if (find_status(head, st))
        memcpy(r->status, st, sizeof st);
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
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        inner_reply(r);
        if (!r->reply_code && r->diag_len)
            r->reply_code = take_reply_code((span){r->diag, r->diag_len});
    }
    return 1;
}

const bk_format bk_format_amazonses = {"amazonses", 20, match, decode};
