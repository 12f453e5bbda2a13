/*
 * sparkpost.c - SparkPost (Bird) webhooks (as SparkPost documents them): a
 * JSON array of {"msys": {CLASS: EVENT}} where CLASS is "message_event",
 * "track_event", "unsubscribe_event", "relay_event", "gen_event", ... and
 * EVENT is {"type", "rcpt_to", "raw_rcpt_to", "timestamp" (seconds since
 * 1970 as text, or ISO 8601), "message_id", "friendly_from", "msg_from",
 * "subject", "bounce_class", "raw_reason", "reason", "error_code", "fbtype",
 * ...}. Read: message_event types bounce, out_of_band, policy_rejection
 * (failed), delay (delayed), spam_complaint (feedback, "fbtype"), delivery;
 * unsubscribe_event types list_unsubscribe and link_unsubscribe (opt-out).
 * Everything else (injection, opens, clicks, relay and generation events,
 * the empty {"msys": {}} of a test ping) is counted as ignored. SparkPost
 * authenticates with basic auth or OAuth 2.0, not signatures: the service's
 * business.
 */
#include "webhook.h"
#include "format.h"
#include "lines.h"

#include <string.h>

/* bounce_class to a reason when the text decides nothing, and the bare
 * status its permanence gives when there is no code (SparkPost's bounce
 * classification codes) */
static const struct {
    int code;
    const char *reason, *status;
} CLASSES[] = {
    {1, NULL, NULL},                 /* Undetermined */
    {10, "userunknown", "5.0.0"},    /* Invalid Recipient */
    {20, NULL, "4.0.0"},             /* Soft Bounce */
    {21, "networkerror", "4.0.0"},   /* DNS Failure */
    {22, "mailboxfull", "4.0.0"},    /* Mailbox Full */
    {23, "mesgtoobig", "4.0.0"},     /* Too Large */
    {24, "expired", "4.0.0"},        /* Timeout */
    {25, "suppressed", "5.0.0"},     /* Admin Failure: the sender's own policy */
    {26, "suppressed", "5.0.0"},     /* Smart Send Suppression */
    {30, NULL, "5.0.0"},             /* Generic Bounce: No RCPT */
    {40, NULL, "4.0.0"},             /* Generic Bounce */
    {50, "blocked", "5.0.0"},        /* Mail Block */
    {51, "badreputation", "5.0.0"},  /* Spam Block */
    {52, "spamdetected", "5.0.0"},   /* Spam Content */
    {53, "contenterror", "5.0.0"},   /* Prohibited Attachment */
    {54, "norelaying", "5.0.0"},     /* Relaying Denied */
    {60, "vacation", "4.0.0"},       /* Auto-Reply */
    {70, NULL, "4.0.0"},             /* Transient Failure */
    {80, NULL, NULL},                /* Subscribe */
    {90, NULL, "5.0.0"},             /* Unsubscribe: read as an opt-out */
    {100, "onhold", "4.0.0"},        /* Challenge-Response */
};

/* detect - an array whose first element has "msys" */
static int detect(const json_t *j)
{
    return json_is_array(j) && json_is_object(json_object_get(json_array_get(j, 0), "msys"));
}

/* bounce_class - what the bounce class says, into e */
static void bounce_class(const json_t *ev, wh_event *e)
{
    long long code = wh_int(ev, "bounce_class");
    for (size_t i = 0; i < sizeof CLASSES / sizeof CLASSES[0]; i++) {
        if (CLASSES[i].code != code)
            continue;
        e->fallback = CLASSES[i].reason;
        e->default_status = CLASSES[i].status;
        if (code == 90)
            wh_feedback(e, "opt-out");
        return;
    }
}

/* message_event - one message or unsubscribe event; 1 when reported */
static int message_event(const json_t *ev, int unsubscribe, wh_event *e)
{
    const char *type = wh_str(ev, "type");
    wh_copy(ev, "rcpt_to", e->recipient, sizeof e->recipient);
    if (!e->recipient[0])
        wh_copy(ev, "raw_rcpt_to", e->recipient, sizeof e->recipient);
    const char *from = wh_str(ev, "msg_from");
    span f = {from, strlen(from)}, a;
    if (find_address(f, &a))
        found_set(e->addresser, sizeof e->addresser, a.p, a.len);
    else
        wh_copy(ev, "friendly_from", e->addresser, sizeof e->addresser);
    wh_message_id(e, wh_str(ev, "message_id"));
    wh_copy(ev, "subject", e->subject, sizeof e->subject);
    e->time = json_object_get(ev, "timestamp");
    if (unsubscribe) {
        wh_feedback(e, "opt-out");
        return strcmp(type, "list_unsubscribe") == 0 || strcmp(type, "link_unsubscribe") == 0;
    }
    if (strcmp(type, "spam_complaint") == 0) {
        const char *fb = wh_str(ev, "fbtype");
        wh_feedback(e, fb[0] ? fb : "abuse");
        return 1;
    }
    const char *text = wh_str(ev, "raw_reason");
    found_set(e->diag, sizeof e->diag, text[0] ? text : wh_str(ev, "reason"),
              strlen(text[0] ? text : wh_str(ev, "reason")));
    e->reply_code = (int)wh_int(ev, "error_code");
    if (strcmp(type, "delivery") == 0) {
        wh_delivered(e);
        return 1;
    }
    bounce_class(ev, e);
    if (strcmp(type, "delay") == 0) {
        e->action = "delayed";
        e->default_status = "4.0.0";
        return 1;
    }
    return strcmp(type, "bounce") == 0 || strcmp(type, "out_of_band") == 0 ||
           strcmp(type, "policy_rejection") == 0;
}

/* decode - every element of the array */
static int decode(const json_t *j, wh_ctx *ctx)
{
    if (!json_is_array(j))
        return wh_fail(ctx, "a SparkPost payload is a JSON array of {\"msys\": ...} objects");
    size_t i;
    const json_t *item;
    json_array_foreach(j, i, item) {
        const json_t *msys = json_object_get(item, "msys");
        if (!json_is_object(msys)) {
            wh_malformed(ctx);
            continue;
        }
        const json_t *me = json_object_get(msys, "message_event");
        const json_t *ue = json_object_get(msys, "unsubscribe_event");
        const json_t *ev = json_is_object(me) ? me : json_is_object(ue) ? ue : NULL;
        wh_event e;
        wh_event_init(&e);
        if (!ev || !message_event(ev, ev == ue, &e)) {
            wh_ignore(ctx);
            continue;
        }
        if (wh_emit(ctx, &e) != 0)
            return -1;
    }
    return 0;
}

const wh_provider wh_provider_sparkpost = {"sparkpost", detect, decode};
