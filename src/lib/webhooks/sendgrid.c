/*
 * sendgrid.c - the Twilio SendGrid Event Webhook (as SendGrid documents it):
 * a JSON array of event objects, each {"email", "timestamp" (seconds since
 * 1970), "event", "sg_event_id", "sg_message_id", "smtp-id", ...} with, by
 * event:
 *   bounce       "reason" (the remote reply), "status" (enhanced code),
 *                "type" ("bounce" or "blocked"), "bounce_classification"
 *   dropped      "reason" (SendGrid did not send: "Bounced Address",
 *                "Unsubscribed Address", "Spam Reporting Address", "Invalid", ...)
 *   deferred     "response" (the remote reply), "attempt"
 *   delivered    "response"
 *   spamreport, unsubscribe, group_unsubscribe ("asm_group_id")
 * processed, open, click and group_resubscribe are counted as ignored.
 * SendGrid's signed event webhook (ECDSA) is not checked here.
 */
#include "webhook.h"
#include "format.h"

#include <string.h>

/* bounce_classification to a reason, when the text decides nothing */
static const char *const CLASSES[][2] = {
    {"Invalid Address", "userunknown"},
    {"Mailbox Unavailable", "mailboxfull"},
    {"Reputation", "badreputation"},
    {"Content", "contenterror"},
    {"Frequency or Volume", "speeding"},
    {"Technical", "systemerror"},
    {NULL, NULL}};

/* detect - an array of objects with "event" and "email" (or one such object) */
static int detect(const json_t *j)
{
    const json_t *first = json_is_array(j) ? json_array_get(j, 0) : j;
    return json_is_string(json_object_get(first, "event")) &&
           json_is_string(json_object_get(first, "email"));
}

/* event - one event of the array */
static int event(const json_t *ev, wh_ctx *ctx)
{
    const char *type = wh_str(ev, "event");
    wh_event e;
    wh_event_init(&e);
    wh_copy(ev, "email", e.recipient, sizeof e.recipient);
    const char *id = wh_str(ev, "sg_message_id");
    wh_message_id(&e, id[0] ? id : wh_str(ev, "smtp-id"));
    e.time = json_object_get(ev, "timestamp");
    wh_status(&e, wh_str(ev, "status"));
    if (strcmp(type, "bounce") == 0) {
        wh_copy(ev, "reason", e.diag, sizeof e.diag);
        e.fallback = wh_lookup(CLASSES, wh_str(ev, "bounce_classification"));
        if (!e.fallback && wh_is(ev, "type", "blocked"))
            e.fallback = "blocked";
        e.default_status = "5.0.0";
    } else if (strcmp(type, "dropped") == 0) {
        wh_copy(ev, "reason", e.diag, sizeof e.diag);
        e.fallback = "suppressed";
    } else if (strcmp(type, "deferred") == 0) {
        wh_copy(ev, "response", e.diag, sizeof e.diag);
        e.action = "delayed";
        e.default_status = "4.0.0";
    } else if (strcmp(type, "delivered") == 0) {
        wh_copy(ev, "response", e.diag, sizeof e.diag);
        wh_delivered(&e);
    } else if (strcmp(type, "spamreport") == 0)
        wh_feedback(&e, "abuse");
    else if (strcmp(type, "unsubscribe") == 0 || strcmp(type, "group_unsubscribe") == 0)
        wh_feedback(&e, "opt-out");
    else {
        wh_ignore(ctx);
        return 0;
    }
    return wh_emit(ctx, &e);
}

/* decode - every event of the array */
static int decode(const json_t *j, wh_ctx *ctx)
{
    if (json_is_object(j))
        return event(j, ctx);
    if (!json_is_array(j))
        return wh_fail(ctx, "a SendGrid payload is a JSON array of events");
    size_t i;
    const json_t *ev;
    json_array_foreach(j, i, ev) {
        if (!json_is_object(ev)) {
            wh_malformed(ctx);
            continue;
        }
        if (event(ev, ctx) != 0)
            return -1;
    }
    return 0;
}

const wh_provider wh_provider_sendgrid = {"sendgrid", detect, decode};
