/*
 * mailgun.c - Mailgun webhooks (the JSON form Mailgun documents for its
 * current webhooks): {"signature": {"timestamp", "token", "signature"},
 * "event-data": {"event", "timestamp" (seconds since 1970, with a fraction),
 * "id", "recipient", "severity" ("permanent" | "temporary", for failed),
 * "reason" ("bounce", "generic", "old", "espblock", "suppress-bounce",
 * "suppress-unsubscribe", "suppress-complaint", ...), "delivery-status":
 * {"code", "enhanced-code", "message", "description", "mx-host"},
 * "envelope": {"sender"}, "message": {"headers": {"message-id",
 * "subject"}}}}. Events: failed, complained, unsubscribed, delivered; the
 * others (accepted, opened, clicked, stored, ...) are counted as ignored.
 * The signature is HMAC-SHA256 of timestamp and token with the account's
 * HTTP webhook signing key, as hex: checked when a key is configured, and
 * then a payload without a right signature is refused.
 */
#include "webhook.h"
#include "format.h"
#include "lines.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

/* "reason" of a failed event to a reason, when the text decides nothing */
static const char *const REASONS[][2] = {
    {"suppress-bounce", "suppressed"},
    {"suppress-unsubscribe", "suppressed"},
    {"suppress-complaint", "suppressed"},
    {"old", "expired"},
    {"espblock", "blocked"},
    {NULL, NULL}};

/* detect - an object with "event-data" */
static int detect(const json_t *j)
{
    return json_is_object(json_object_get(j, "event-data"));
}

/* same_hex - constant-time comparison of two hex strings, case ignored */
static int same_hex(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b) || n == 0)
        return 0;
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned)(g_ascii_tolower(a[i]) ^ g_ascii_tolower(b[i]));
    return diff == 0;
}

/* signed_right - 1 when the signature block is HMAC-SHA256(key, timestamp token) */
static int signed_right(const json_t *sig, const char *key)
{
    char ts[32];
    const json_t *t = json_object_get(sig, "timestamp");
    if (json_is_integer(t))
        snprintf(ts, sizeof ts, "%lld", (long long)json_integer_value(t));
    else
        snprintf(ts, sizeof ts, "%s", wh_str(sig, "timestamp"));
    const char *token = wh_str(sig, "token");
    if (!ts[0] || !token[0])
        return 0;
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)key, strlen(key));
    g_hmac_update(h, (const guchar *)ts, (gssize)strlen(ts));
    g_hmac_update(h, (const guchar *)token, (gssize)strlen(token));
    int ok = same_hex(g_hmac_get_string(h), wh_str(sig, "signature"));
    g_hmac_unref(h);
    return ok;
}

/* delivery_status - the delivery status of a failed or delivered event into e */
static void delivery_status(const json_t *ev, wh_event *e)
{
    const json_t *ds = json_object_get(ev, "delivery-status");
    const char *msg = wh_str(ds, "message");
    if (!msg[0])
        msg = wh_str(ds, "description");
    found_set(e->diag, sizeof e->diag, msg, strlen(msg));
    wh_status(e, wh_str(ds, "enhanced-code"));
    e->reply_code = (int)wh_int(ds, "code");
    wh_copy(ds, "mx-host", e->rhost, sizeof e->rhost);
}

/* decode - the signature (when a key is configured), then the one event */
static int decode(const json_t *j, wh_ctx *ctx)
{
    const char *key = wh_options(ctx)->mailgun_key;
    if (key && key[0]) {
        int ok = signed_right(json_object_get(j, "signature"), key);
        wh_info(ctx)->signature = ok ? BK_SIGNATURE_VALID : BK_SIGNATURE_INVALID;
        if (!ok)
            return wh_fail(ctx, "the Mailgun signature is %s",
                           json_is_object(json_object_get(j, "signature"))
                               ? "wrong (not HMAC-SHA256 of timestamp and token with the key)"
                               : "missing");
    }
    const json_t *ev = json_object_get(j, "event-data");
    if (!json_is_object(ev))
        return wh_fail(ctx, "a Mailgun payload has an \"event-data\" object");
    const char *type = wh_str(ev, "event");
    wh_event e;
    wh_event_init(&e);
    wh_copy(ev, "recipient", e.recipient, sizeof e.recipient);
    const json_t *env = json_object_get(ev, "envelope");
    span snd = {wh_str(env, "sender"), strlen(wh_str(env, "sender"))}, a;
    if (find_address(snd, &a))
        found_set(e.addresser, sizeof e.addresser, a.p, a.len);
    const json_t *headers = json_object_get(json_object_get(ev, "message"), "headers");
    wh_message_id(&e, wh_str(headers, "message-id"));
    wh_copy(headers, "subject", e.subject, sizeof e.subject);
    e.time = json_object_get(ev, "timestamp");
    if (strcmp(type, "failed") == 0) {
        delivery_status(ev, &e);
        e.fallback = wh_lookup(REASONS, wh_str(ev, "reason"));
        if (wh_is(ev, "severity", "temporary")) {
            e.action = "delayed";
            e.default_status = "4.0.0";
        } else
            e.default_status = "5.0.0";
    } else if (strcmp(type, "delivered") == 0) {
        delivery_status(ev, &e);
        wh_delivered(&e);
    } else if (strcmp(type, "complained") == 0)
        wh_feedback(&e, "abuse");
    else if (strcmp(type, "unsubscribed") == 0)
        wh_feedback(&e, "opt-out");
    else {
        wh_ignore(ctx);
        return 0;
    }
    return wh_emit(ctx, &e);
}

const wh_provider wh_provider_mailgun = {"mailgun", detect, decode};
