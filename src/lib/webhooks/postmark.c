/*
 * postmark.c - Postmark webhooks (as Postmark documents them): one JSON
 * object per request, told apart by "RecordType":
 *   Bounce              {"Type" ("HardBounce", "SoftBounce", "Transient",
 *                       "SpamNotification", ...), "TypeCode", "Email",
 *                       "From", "BouncedAt", "Details" (the remote text),
 *                       "Description" (Postmark's words for the Type),
 *                       "MessageID", "Subject", "Inactive"}
 *   SpamComplaint       the same fields, Type "SpamComplaint"
 *   SubscriptionChange  {"Recipient", "ChangedAt", "SuppressSending",
 *                       "SuppressionReason" ("HardBounce", "SpamComplaint",
 *                       "ManualSuppression"), "Origin", "MessageID"}
 *   Delivery            {"Recipient", "DeliveredAt", "Details", "MessageID"}
 * Open, Click and other record types are counted as ignored, and so is a
 * SubscriptionChange that lifts a suppression. Postmark signs nothing: it
 * recommends basic authentication or an IP allow-list, which are the
 * service's business.
 */
#include "webhook.h"
#include "format.h"

#include <string.h>

/* Type of a Bounce to a reason, when the text decides nothing */
static const char *const TYPES[][2] = {
    {"HardBounce", "userunknown"},
    {"BadEmailAddress", "userunknown"},
    {"AddressChange", "hasmoved"},
    {"DnsError", "networkerror"},
    {"SpamNotification", "spamdetected"},
    {"VirusNotification", "virusdetected"},
    {"ChallengeVerification", "onhold"},
    {"ManuallyDeactivated", "suppressed"},
    {"Unconfirmed", "rejected"},
    {"Blocked", "blocked"},
    {"SMTPApiError", "systemerror"},
    {"DMARCPolicy", "authfailure"},
    {"TemplateRenderingFailed", "contenterror"},
    {NULL, NULL}};

/* Types whose bounce is transient: the status when the text has none */
static const char *const TRANSIENT[] = {"Transient", "SoftBounce", "DnsError", NULL};

/* detect - an object with "RecordType", or a bounce with "TypeCode" and "Email" */
static int detect(const json_t *j)
{
    if (json_is_string(json_object_get(j, "RecordType")))
        return 1;
    return json_is_integer(json_object_get(j, "TypeCode")) &&
           json_is_string(json_object_get(j, "Email"));
}

/* bounce - a Bounce or SpamComplaint record into e; 0 when not reported */
static int bounce(const json_t *j, wh_event *e)
{
    const char *type = wh_str(j, "Type");
    wh_copy(j, "From", e->addresser, sizeof e->addresser);
    wh_copy(j, "Subject", e->subject, sizeof e->subject);
    wh_copy(j, "Details", e->diag, sizeof e->diag);
    if (!e->diag[0]) {
        /* Postmark's stock words for the type: shown, not classified */
        wh_copy(j, "Description", e->diag, sizeof e->diag);
        e->diag_generic = 1;
    }
    e->default_status = "5.0.0";
    for (size_t i = 0; TRANSIENT[i]; i++)
        if (strcmp(type, TRANSIENT[i]) == 0)
            e->default_status = "4.0.0";
    if (strcmp(type, "Transient") == 0)
        e->action = "delayed";
    if (strcmp(type, "SpamComplaint") == 0)
        wh_feedback(e, "abuse");
    else if (strcmp(type, "Unsubscribe") == 0)
        wh_feedback(e, "opt-out");
    else if (strcmp(type, "AutoResponder") == 0)
        e->reason = "vacation";
    else if (strcmp(type, "Subscribe") == 0 || strcmp(type, "OpenRelayTest") == 0 ||
             strcmp(type, "InboundError") == 0)
        return 0;
    else
        e->fallback = wh_lookup(TYPES, type);
    return 1;
}

/* subscription - a SubscriptionChange into e: an opt-out, a complaint or a
 * hard bounce that made Postmark stop sending; 0 for one that lifts it */
static int subscription(const json_t *j, wh_event *e)
{
    if (!json_is_true(json_object_get(j, "SuppressSending")))
        return 0;
    const char *why = wh_str(j, "SuppressionReason");
    if (strcmp(why, "SpamComplaint") == 0)
        wh_feedback(e, "abuse");
    else if (strcmp(why, "HardBounce") == 0)
        e->reason = "suppressed";
    else
        wh_feedback(e, "opt-out");
    return 1;
}

/* delivery - a Delivery record into e */
static int delivery(const json_t *j, wh_event *e)
{
    wh_copy(j, "Details", e->diag, sizeof e->diag);
    wh_delivered(e);
    return 1;
}

/* the record types read: where the recipient and the time are, and the rest */
static const struct {
    const char *type, *recipient, *time;
    int (*fill)(const json_t *j, wh_event *e);
} KINDS[] = {{"Bounce", "Email", "BouncedAt", bounce},
             {"SpamComplaint", "Email", "BouncedAt", bounce},
             {"", "Email", "BouncedAt", bounce}, /* a bounce webhook without RecordType */
             {"SubscriptionChange", "Recipient", "ChangedAt", subscription},
             {"Delivery", "Recipient", "DeliveredAt", delivery}};

/* decode - the one record of the payload, by RecordType */
static int decode(const json_t *j, wh_ctx *ctx)
{
    if (!json_is_object(j))
        return wh_fail(ctx, "a Postmark payload is one JSON object");
    const char *rt = wh_str(j, "RecordType");
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        if (strcmp(rt, KINDS[k].type) != 0)
            continue;
        wh_event e;
        wh_event_init(&e);
        wh_message_id(&e, wh_str(j, "MessageID"));
        wh_copy(j, KINDS[k].recipient, e.recipient, sizeof e.recipient);
        e.time = json_object_get(j, KINDS[k].time);
        if (!KINDS[k].fill(j, &e))
            break;
        return wh_emit(ctx, &e);
    }
    wh_ignore(ctx);
    return 0;
}

const wh_provider wh_provider_postmark = {"postmark", detect, decode};
