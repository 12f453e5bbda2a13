/*
 * event.c - events for the suppression list from what the rest of bouncekit
 * gives: a JSON Lines record of decode, logs --events or classify (the keys
 * of DESIGN.md: recipient, addresser, timestamp, reason, hardbounce,
 * permanence, status, replycode, feedbacktype, outcome, diagnosticcode,
 * origin, decodedby, token), a decoded bounce, or a log outcome.
 */
#include "bouncekit.h"
#include "store.h"

#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* copy - src into a fixed field, cut at a UTF-8 boundary when too long */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* permanence_of - the permanence named, BK_PERM_UNKNOWN when none */
static bk_permanence permanence_of(const char *s)
{
    for (int p = BK_PERM_UNKNOWN; p <= BK_PERM_PERMANENT; p++)
        if (strcmp(s, bk_permanence_name((bk_permanence)p)) == 0)
            return (bk_permanence)p;
    return BK_PERM_UNKNOWN;
}

/* bk_event_make_token - SHA-1 of the fields that make an event itself */
void bk_event_make_token(bk_event *e)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA1);
    char t[32];
    snprintf(t, sizeof t, "%lld", e->time);
    const char *parts[] = {e->recipient, t, e->reason, e->status, e->feedbacktype,
                           e->diagnosticcode};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        g_checksum_update(sum, (const guchar *)(i ? "\x1e" : "\x04"), 1);
        g_checksum_update(sum, (const guchar *)parts[i], (gssize)strlen(parts[i]));
    }
    copy(e->token, sizeof e->token, g_checksum_get_string(sum));
    g_checksum_free(sum);
}

/* outcome_token - a log outcome's token with its outcome: the log reader's
 * token names the delivery (sender, recipient, first time), and the same
 * delivery may be read deferred today and bounced tomorrow */
static void outcome_token(bk_event *e)
{
    if (!e->outcome[0] || strchr(e->token, '/'))
        return;
    size_t n = strlen(e->token);
    snprintf(e->token + n, sizeof e->token - n, "/%s", e->outcome);
}

long long bk_time_parse(const char *s)
{
    size_t n = strlen(s), digits = strspn(s, "0123456789");
    if (n && digits == n && n < 12)
        return strtoll(s, NULL, 10);
    char day[32];
    if (n == 10 && s[4] == '-' && s[7] == '-') {
        snprintf(day, sizeof day, "%sT00:00:00Z", s);
        s = day;
    }
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(s, utc);
    g_time_zone_unref(utc);
    if (!dt)
        return -1;
    long long t = (long long)g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

/* str_of - the string of key in o: NULL when absent or null; *bad when it is
 * another type or holds a NUL byte */
static const char *str_of(json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/* fail - the message in err; returns -1 */
static int fail(char *err, size_t errlen, const char *what, const char *key)
{
    snprintf(err, errlen, "%s%s%s", what, key ? " " : "", key ? key : "");
    return -1;
}

/* fill_strings - the string keys of a record; -1 (err) for a wrong type */
static int fill_strings(json_t *o, bk_event *e, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t off, cap;
    } KEYS[] = {
        {"addresser", offsetof(bk_event, addresser), BK_ADDR_MAX},
        {"origin", offsetof(bk_event, origin), BK_FIELD_MAX},
        {"status", offsetof(bk_event, status), BK_STATUS_MAX},
        {"feedbacktype", offsetof(bk_event, feedbacktype), 32},
        {"outcome", offsetof(bk_event, outcome), 16},
        {"diagnosticcode", offsetof(bk_event, diagnosticcode), BK_EVENT_TEXT_MAX},
    };
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        int bad = 0;
        const char *s = str_of(o, KEYS[i].key, &bad);
        if (bad)
            return fail(err, errlen, "not a string:", KEYS[i].key);
        copy((char *)e + KEYS[i].off, KEYS[i].cap, s);
    }
    return 0;
}

/* fill_verdict - reason, hardbounce, permanence, replycode, time, token */
static int fill_verdict(json_t *o, bk_event *e, char *err, size_t errlen)
{
    int bad = 0;
    const char *reason = str_of(o, "reason", &bad);
    if (!reason || !bk_reason_valid(reason))
        return fail(err, errlen, reason ? "not one of the 36 reasons:" : "no reason", reason);
    copy(e->reason, sizeof e->reason, reason);
    json_t *v = json_object_get(o, "hardbounce");
    if (v && !json_is_boolean(v) && !json_is_null(v))
        return fail(err, errlen, "not true or false:", "hardbounce");
    e->hardbounce = json_is_true(v);
    const char *perm = str_of(o, "permanence", &bad);
    e->permanence = perm ? permanence_of(perm) : BK_PERM_UNKNOWN;
    v = json_object_get(o, "replycode");
    if (v && json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < 1000)
        e->replycode = (int)json_integer_value(v);
    else if (v && !json_is_null(v))
        return fail(err, errlen, "not a reply code:", "replycode");
    v = json_object_get(o, "timestamp");
    if (json_is_integer(v))
        e->time = json_integer_value(v) > 0 ? (long long)json_integer_value(v) : 0;
    else if (json_is_string(v) && (e->time = bk_time_parse(json_string_value(v))) < 0)
        return fail(err, errlen, "not an ISO 8601 time:", "timestamp");
    else if (v && !json_is_string(v) && !json_is_null(v))
        return fail(err, errlen, "not a time:", "timestamp");
    const char *token = str_of(o, "token", &bad);
    if (bad || (token && strlen(token) >= sizeof e->token - 12))
        return fail(err, errlen, "not a token of at most 52 bytes:", "token");
    return bad ? fail(err, errlen, "not a string:", "permanence") : 0;
}

int bk_event_from_json(const char *line, size_t len, bk_event *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    if (!o) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = 0, bad = 0;
    const char *rcpt = json_is_object(o) ? str_of(o, "recipient", &bad) : NULL;
    if (!json_is_object(o))
        rc = fail(err, errlen, "not a JSON object", NULL);
    else if (bad)
        rc = fail(err, errlen, "not a string:", "recipient");
    else if (!rcpt || !rcpt[0]) {
        snprintf(err, errlen, "no recipient (classify output names none)");
        rc = 1;
    } else if (strlen(rcpt) >= sizeof out->recipient)
        rc = fail(err, errlen, "too long:", "recipient");
    else if (fill_strings(o, out, err, errlen) != 0 || fill_verdict(o, out, err, errlen) != 0)
        rc = -1;
    if (rc == 0) {
        copy(out->recipient, sizeof out->recipient, rcpt);
        copy(out->source, sizeof out->source,
             out->outcome[0] ? "logs" : json_object_get(o, "decodedby") ? "decode" : "jsonl");
        const char *token = str_of(o, "token", &bad);
        if (token && token[0])
            copy(out->token, sizeof out->token, token);
        else
            bk_event_make_token(out);
        outcome_token(out);
    }
    json_decref(o);
    return rc;
}

void bk_event_from_bounce(const bk_bounce *b, const char *origin, bk_event *out)
{
    memset(out, 0, sizeof *out);
    copy(out->recipient, sizeof out->recipient, b->recipient);
    copy(out->addresser, sizeof out->addresser, b->addresser);
    out->time = b->epoch;
    copy(out->source, sizeof out->source, "decode");
    copy(out->origin, sizeof out->origin, origin);
    copy(out->reason, sizeof out->reason, b->verdict.reason);
    out->hardbounce = b->verdict.hardbounce;
    out->permanence = b->verdict.permanence;
    copy(out->status, sizeof out->status, b->verdict.status);
    out->replycode = b->verdict.reply_code;
    copy(out->feedbacktype, sizeof out->feedbacktype, b->feedbacktype);
    copy(out->diagnosticcode, sizeof out->diagnosticcode, b->diagnosticcode);
    if (b->token[0])
        copy(out->token, sizeof out->token, b->token);
    else
        bk_event_make_token(out);
}

void bk_event_from_log(const bk_log_event *e, const char *origin, bk_event *out)
{
    memset(out, 0, sizeof *out);
    copy(out->recipient, sizeof out->recipient, e->recipient);
    copy(out->addresser, sizeof out->addresser, e->sender);
    out->time = e->last > 0 ? e->last : 0;
    copy(out->source, sizeof out->source, "logs");
    copy(out->origin, sizeof out->origin, origin);
    copy(out->reason, sizeof out->reason, e->verdict.reason);
    out->hardbounce = e->verdict.hardbounce;
    out->permanence = e->verdict.permanence;
    copy(out->status, sizeof out->status, e->dsn[0] ? e->dsn : e->verdict.status);
    out->replycode = e->verdict.reply_code;
    copy(out->outcome, sizeof out->outcome, bk_log_outcome_name(e->outcome));
    copy(out->diagnosticcode, sizeof out->diagnosticcode, e->text);
    if (e->token[0])
        copy(out->token, sizeof out->token, e->token);
    else
        bk_event_make_token(out);
    outcome_token(out);
}
