/*
 * kumo_log.c - KumoMTA's log records: one JSON object a line (its local
 * logs, a log hook's or webhook's records written out), each about one
 * message and recipient:
 *
 *   {"type":"Delivery","id":"<spool id>","sender":"s","recipient":"r",
 *    "site":"...","size":N,"response":{"code":250,"enhanced_code":{"class":2,
 *    "subject":0,"detail":0},"content":"OK","command":"."},
 *    "peer_address":{"name":"mx.example.net.","addr":"192.0.2.1"},
 *    "timestamp":<unix seconds>,"created":N,"num_attempts":N,
 *    "bounce_classification":"...","egress_pool":"...","egress_source":"...",...}
 *
 *   Reception          a message accepted: no outcome
 *   Delivery           delivered
 *   TransientFailure   an attempt failed for now: pending under the spool id
 *   Bounce             bounced
 *   Expiration         expired (the reason: the last deferral's, when seen)
 *   AdminBounce        expired: failed by an administrator, not the remote
 *   OOB                an out-of-band bounce (a DSN received later): bounced
 *                      when permanent; a delay or success report is no outcome
 *   Feedback           an ARF report: counted as a complaint, no outcome
 *   Rejection          refused at reception (RCPT): rejected; none without
 *                      a recipient (the connection, HELO or sender refused)
 *   Delay, AdminRebind and others: not of interest
 *
 * The reply to classify is the code, the enhanced status and the content put
 * back together ("550 5.1.1 No such user"), with the command it answered in
 * Postfix's words ("(in reply to RCPT TO command)"). KumoMTA's own
 * bounce_classification is not read: the classifier gives the verdict. A
 * recipient may also be a list (one outcome each).
 */
#include "logs_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define KUMO "kumomta"
#define KUMO_RECORD_MAX (64u * 1024u) /* longer lines are not read */

/* str - the string value of key in o, length 0 when missing or not a string */
static log_span str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return (log_span){"", 0};
    return (log_span){json_string_value(v), json_string_length(v)};
}

/* int_of - the integer value of key in o, dflt when missing or not an integer */
static long long int_of(const json_t *o, const char *key, long long dflt)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

/* load - the record of line[0..len) as a JSON object, NULL when it is none */
static json_t *load(const char *line, size_t len)
{
    if (len > KUMO_RECORD_MAX)
        return NULL;
    json_t *j = json_loadb(line, len, 0, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

long long kumo_time(const char *line, size_t len)
{
    json_t *j = load(line, len);
    long long t = j ? int_of(j, "timestamp", -1) : -1;
    json_decref(j);
    return t >= 0 ? t : -1;
}

/* command_words - Postfix's words for the command a reply answered: "."
 * (the end of the message) is "end of DATA"; "RCPT TO:<a@b>" is "RCPT TO" */
static size_t command_words(log_span c, char *out, size_t cap)
{
    if (c.len == 1 && c.p[0] == '.')
        return (size_t)snprintf(out, cap, "end of DATA");
    size_t n = 0;
    while (n < c.len && n < 16 && ((c.p[n] >= 'A' && c.p[n] <= 'Z') || (c.p[n] >= 'a' && c.p[n] <= 'z') ||
                                   (c.p[n] == ' ' && n + 1 < c.len && c.p[n + 1] != ' ')))
        n++;
    while (n && c.p[n - 1] == ' ')
        n--;
    if (!n || n >= cap)
        return 0;
    memcpy(out, c.p, n);
    out[n] = '\0';
    return n;
}

/* reply - the response put back together into text, its enhanced status into dsn */
static void reply(const json_t *resp, char *text, size_t tcap, char *dsn, size_t dcap, int *klass)
{
    long long code = int_of(resp, "code", 0);
    const json_t *ec = json_object_get(resp, "enhanced_code");
    long long c = int_of(ec, "class", -1), s = int_of(ec, "subject", -1), d = int_of(ec, "detail", -1);
    dsn[0] = text[0] = '\0';
    *klass = code >= 200 && code < 600 ? (int)(code / 100) : 0;
    if (c >= 2 && c <= 5 && s >= 0 && s < 1000 && d >= 0 && d < 1000) {
        snprintf(dsn, dcap, "%lld.%lld.%lld", c, s, d);
        *klass = (int)c;
    }
    log_span content = str(resp, "content");
    size_t n = 0, ld = strlen(dsn);
    /* an out-of-band bounce's content may start with the status already,
     * and a record written by other tools with the whole reply */
    int has_dsn = ld && content.len > ld && memcmp(content.p, dsn, ld) == 0 && content.p[ld] == ' ';
    char digits[8];
    int has_code = code >= 200 && code < 600 && snprintf(digits, sizeof digits, "%lld", code) == 3 &&
                   content.len > 4 && memcmp(content.p, digits, 3) == 0 &&
                   (content.p[3] == ' ' || content.p[3] == '-');
    if (code >= 200 && code < 600 && !has_code)
        n = (size_t)snprintf(text, tcap, "%lld ", code);
    if (dsn[0] && !has_dsn && !has_code && n < tcap)
        n += (size_t)snprintf(text + n, tcap - n, "%s ", dsn);
    if (n < tcap)
        n += (size_t)snprintf(text + n, tcap - n, "%.*s", (int)(content.len < tcap ? content.len : tcap),
                              content.p);
    char verb[24];
    if (n < tcap && command_words(str(resp, "command"), verb, sizeof verb))
        n += (size_t)snprintf(text + n, tcap - n, " (in reply to %s command)", verb);
    if (n >= tcap)
        n = tcap - 1;
    while (n && text[n - 1] == ' ')
        text[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\r' || text[i] == '\n' || text[i] == '\t')
            text[i] = ' '; /* a multi-line reply on one line */
}

typedef enum { K_NONE, K_RECEPTION, K_DELIVERY, K_TRANSIENT, K_BOUNCE, K_EXPIRATION, K_ADMIN,
               K_OOB, K_FEEDBACK, K_REJECTION } kumo_type;

/* type_of - the record type */
static kumo_type type_of(log_span t)
{
    static const struct {
        const char *name;
        kumo_type type;
    } TYPES[] = {{"Reception", K_RECEPTION},   {"Delivery", K_DELIVERY},   {"TransientFailure", K_TRANSIENT},
                 {"Bounce", K_BOUNCE},         {"Expiration", K_EXPIRATION}, {"AdminBounce", K_ADMIN},
                 {"OOB", K_OOB},               {"Feedback", K_FEEDBACK},   {"Rejection", K_REJECTION}};
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        if (log_is(t, TYPES[i].name))
            return TYPES[i].type;
    return K_NONE;
}

/* one - the record for one recipient (content: the response's own text) */
static int one(bk_log_reader *r, kumo_type k, log_record *a, int klass, log_span content)
{
    switch (k) {
    case K_DELIVERY: return log_record_outcome(r, a, BK_LOG_DELIVERED);
    case K_BOUNCE: return log_record_outcome(r, a, BK_LOG_BOUNCED);
    case K_TRANSIENT: return log_record_defer(r, a);
    case K_EXPIRATION:
        a->use_pending = 1;
        return log_record_outcome(r, a, BK_LOG_EXPIRED);
    case K_ADMIN:
        /* failed here, not by the remote: the administrator's reason without
         * KumoMTA's made-up codes, or the last deferral's when one was seen */
        a->use_pending = 1;
        a->dsn.len = 0;
        a->text = content;
        return log_record_outcome(r, a, BK_LOG_EXPIRED);
    case K_OOB:
        /* the id is of the report received, not of the message it tells of */
        a->anonymous = 1;
        return klass == 5 ? log_record_outcome(r, a, BK_LOG_BOUNCED) : 1;
    case K_REJECTION: return a->recipient.len ? log_record_outcome(r, a, BK_LOG_REJECTED) : 1;
    default: return 1;
    }
}

int kumo_line(bk_log_reader *r, const char *line, size_t len)
{
    json_t *j = load(line, len);
    if (!j)
        return -1;
    log_span type = str(j, "type");
    long long t = int_of(j, "timestamp", -1);
    int rc = 1;
    if (!type.len || t < 0) {
        rc = -1;
        goto done;
    }
    log_clock(r, t);
    kumo_type k = type_of(type);
    if (k == K_RECEPTION) {
        rc = 0;
        goto done;
    }
    if (k == K_FEEDBACK) {
        r->st.complaints++;
        rc = 0;
        goto done;
    }
    if (k == K_NONE)
        goto done;
    char text[BK_REPLY_TEXT_MAX], dsn[BK_STATUS_MAX], relay[BK_FIELD_MAX];
    int klass;
    const json_t *resp = json_object_get(j, "response");
    reply(resp, text, sizeof text, dsn, sizeof dsn, &klass);
    const json_t *peer = json_object_get(j, "peer_address");
    log_span name = str(peer, "name"), addr = str(peer, "addr");
    if (log_is(addr, "0.0.0.0") || log_is(addr, "::"))
        addr.len = 0; /* none known (an out-of-band bounce's) */
    int n = 0;
    if (name.len || addr.len)
        n = snprintf(relay, sizeof relay, addr.len ? "%.*s[%.*s]" : "%.*s", (int)(name.len < 256 ? name.len : 256),
                     name.p, (int)(addr.len < 64 ? addr.len : 64), addr.p);
    if (n < 0)
        n = 0;
    log_record a = {.mta = KUMO,
                    .key = str(j, "id"),
                    .sender = str(j, "sender"),
                    .relay = {relay, (size_t)n < sizeof relay ? (size_t)n : sizeof relay - 1},
                    .dsn = {dsn, strlen(dsn)},
                    .text = {text, strlen(text)},
                    .size = int_of(j, "size", -1)};
    log_span content = str(resp, "content");
    const json_t *rcpt = json_object_get(j, "recipient");
    if (json_is_array(rcpt)) {
        size_t i;
        const json_t *v;
        rc = json_array_size(rcpt) ? 0 : -1;
        json_array_foreach(rcpt, i, v) {
            if (!json_is_string(v) || !json_string_length(v)) {
                rc = -1;
                continue;
            }
            a.recipient = (log_span){json_string_value(v), json_string_length(v)};
            int one_rc = one(r, k, &a, klass, content);
            if (one_rc != 0)
                rc = one_rc;
        }
    } else {
        a.recipient = str(j, "recipient");
        rc = !a.recipient.len && k != K_REJECTION ? -1 : one(r, k, &a, klass, content);
    }
done:
    json_decref(j);
    return rc;
}
