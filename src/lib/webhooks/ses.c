/*
 * ses.c - Amazon SES event notifications, delivered by Amazon SNS to an
 * HTTP(S) endpoint (AWS documents both formats):
 *   - the SNS envelope: {"Type": "Notification" | "SubscriptionConfirmation"
 *     | "UnsubscribeConfirmation", "MessageId", "TopicArn", "Message",
 *     "Timestamp", "SubscribeURL", "Token", "SignatureVersion", "Signature",
 *     "SigningCertURL"}; a Notification holds the SES notification as a JSON
 *     string in "Message" (or, with raw message delivery, is the body itself);
 *   - the SES notification: {"notificationType" (or, from event publishing,
 *     "eventType"): "Bounce" | "Complaint" | "Delivery" | "DeliveryDelay",
 *     "mail": {"timestamp", "messageId", "source", "commonHeaders":
 *     {"subject"}}, "bounce": {"bounceType", "bounceSubType",
 *     "bouncedRecipients": [{"emailAddress", "action", "status",
 *     "diagnosticCode"}], "timestamp", "reportingMTA"}, "complaint":
 *     {"complainedRecipients": [{"emailAddress"}], "complaintFeedbackType",
 *     "timestamp"}, "delivery": {"recipients": [ADDRESS], "smtpResponse",
 *     "reportingMTA", "timestamp"}, "deliveryDelay": {"delayType",
 *     "delayedRecipients": [{"emailAddress", "status", "diagnosticCode"}],
 *     "timestamp"}}.
 * A (un)subscribe confirmation is reported in the info (kind, SubscribeURL,
 * TopicArn) so the service can confirm it; other event types (Send, Open,
 * Click, Reject, ...) are counted as ignored. With a certificate configured
 * (bk_webhook_options.sns_certificate), the SNS signature is checked first
 * (sns_signature.c) and a payload without a valid one is refused.
 */
#include "webhook.h"
#include "format.h"
#include "lines.h"

#include <string.h>

/* bounceSubType (or bounceType alone) to a reason, when the text decides nothing */
static const char *const BOUNCE_TYPES[][2] = {
    {"NoEmail", "userunknown"},
    {"Suppressed", "suppressed"},
    {"OnAccountSuppressionList", "suppressed"},
    {"MailboxFull", "mailboxfull"},
    {"MessageTooLarge", "mesgtoobig"},
    {"ContentRejected", "contenterror"},
    {"AttachmentRejected", "contenterror"},
    {NULL, NULL}};

/* delayType of a DeliveryDelay to a reason, when the text decides nothing */
static const char *const DELAY_TYPES[][2] = {
    {"MailboxFull", "mailboxfull"},
    {"SpamDetected", "spamdetected"},
    {"RecipientServerError", "systemerror"},
    {"IPFailure", "blocked"},
    {"TransientCommunicationFailure", "networkerror"},
    {"SendingDeliveryQuotaExceeded", "exceedlimit"},
    {NULL, NULL}};

/* envelope_type - the SNS message type, "" when the body is no SNS envelope */
static const char *envelope_type(const json_t *j)
{
    if (!json_is_string(json_object_get(j, "TopicArn")))
        return "";
    return wh_str(j, "Type");
}

/* notification_type - "Bounce", "Complaint", ... of an SES notification */
static const char *notification_type(const json_t *j)
{
    const char *t = wh_str(j, "notificationType");
    return t[0] ? t : wh_str(j, "eventType");
}

/* detect - an SNS envelope, or an SES notification delivered raw */
static int detect(const json_t *j)
{
    if (envelope_type(j)[0])
        return 1;
    return notification_type(j)[0] && json_is_object(json_object_get(j, "mail"));
}

/* after_type - "dsn; mta.example.com" or "smtp; 550 ..." without the type */
static const char *after_type(const char *v)
{
    const char *semi = strchr(v, ';');
    if (!semi || semi - v > 12)
        return v;
    semi++;
    while (*semi == ' ')
        semi++;
    return semi;
}

/* common - what every event of a notification has: sender, message id,
 * subject, time */
static void common(const json_t *n, const json_t *part, wh_event *e)
{
    const json_t *mail = json_object_get(n, "mail");
    span src = {wh_str(mail, "source"), strlen(wh_str(mail, "source"))}, a;
    if (find_address(src, &a))
        found_set(e->addresser, sizeof e->addresser, a.p, a.len);
    wh_message_id(e, wh_str(mail, "messageId"));
    wh_copy(json_object_get(mail, "commonHeaders"), "subject", e->subject, sizeof e->subject);
    e->time = json_object_get(part, "timestamp");
    if (!e->time)
        e->time = json_object_get(mail, "timestamp");
    const char *mta = after_type(wh_str(part, "reportingMTA"));
    found_set(e->lhost, sizeof e->lhost, mta, strlen(mta));
}

/* the_reply - the remote text of a recipient, without its "smtp;" type */
static void the_reply(wh_event *e, const char *text)
{
    const char *t = after_type(text);
    found_set(e->diag, sizeof e->diag, t, strlen(t));
}

/* bounce - a bounced recipient: its status and reply, the bounce type */
static void bounce(const json_t *part, const json_t *r, wh_event *e)
{
    const char *type = wh_str(part, "bounceType");
    wh_status(e, wh_str(r, "status"));
    the_reply(e, wh_str(r, "diagnosticCode"));
    e->fallback = wh_lookup(BOUNCE_TYPES, wh_str(part, "bounceSubType"));
    if (strcmp(type, "Permanent") == 0)
        e->default_status = "5.0.0";
    else if (strcmp(type, "Transient") == 0)
        e->default_status = "4.0.0";
}

/* complaint - a complaining recipient: reason feedback */
static void complaint(const json_t *part, const json_t *r, wh_event *e)
{
    (void)r;
    const char *type = wh_str(part, "complaintFeedbackType");
    wh_feedback(e, type[0] ? type : "abuse");
}

/* delivery - a recipient the remote server accepted */
static void delivery(const json_t *part, const json_t *r, wh_event *e)
{
    (void)r;
    the_reply(e, wh_str(part, "smtpResponse"));
    wh_delivered(e);
}

/* delay - a delayed recipient (event publishing's DeliveryDelay) */
static void delay(const json_t *part, const json_t *r, wh_event *e)
{
    wh_status(e, wh_str(r, "status"));
    the_reply(e, wh_str(r, "diagnosticCode"));
    e->action = "delayed";
    e->default_status = "4.0.0";
    e->fallback = wh_lookup(DELAY_TYPES, wh_str(part, "delayType"));
}

/* the notification types read: the object with the details, its list of
 * recipients, and what each recipient adds */
static const struct {
    const char *type, *part, *list;
    void (*fill)(const json_t *part, const json_t *r, wh_event *e);
} KINDS[] = {{"Bounce", "bounce", "bouncedRecipients", bounce},
             {"Complaint", "complaint", "complainedRecipients", complaint},
             {"Delivery", "delivery", "recipients", delivery},
             {"DeliveryDelay", "deliveryDelay", "delayedRecipients", delay}};

/* each_recipient - one record per recipient of the notification's list */
static int each_recipient(const json_t *n, size_t k, wh_ctx *ctx)
{
    const json_t *part = json_object_get(n, KINDS[k].part);
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(part, KINDS[k].list), i, r) {
        wh_event e;
        wh_event_init(&e);
        common(n, part, &e);
        if (json_is_string(r))
            found_set(e.recipient, sizeof e.recipient, json_string_value(r), json_string_length(r));
        else
            wh_copy(r, "emailAddress", e.recipient, sizeof e.recipient);
        KINDS[k].fill(part, r, &e);
        if (wh_emit(ctx, &e) != 0)
            return -1;
    }
    return 0;
}

/* notification - the events of one SES notification */
static int notification(const json_t *n, wh_ctx *ctx)
{
    const char *type = notification_type(n);
    if (!type[0])
        return wh_fail(ctx, "an SNS notification without an SES notificationType");
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
        if (strcmp(type, KINDS[k].type) == 0)
            return each_recipient(n, k, ctx);
    wh_ignore(ctx);
    return 0;
}

/* confirmation - an SNS (un)subscribe confirmation, for the caller to act on */
static int confirmation(const json_t *j, wh_ctx *ctx, bk_webhook_kind kind)
{
    bk_webhook_info *info = wh_info(ctx);
    info->kind = kind;
    wh_copy(j, "SubscribeURL", info->subscribe_url, sizeof info->subscribe_url);
    if (kind == BK_WEBHOOK_SUBSCRIBE && !info->subscribe_url[0])
        return wh_fail(ctx, "an SNS subscription confirmation without a SubscribeURL");
    return 0;
}

/* decode - an SNS envelope (its Message parsed in turn) or a raw notification */
static int decode(const json_t *j, wh_ctx *ctx)
{
    if (!json_is_object(j))
        return wh_fail(ctx, "an SES payload is one JSON object");
    const char *type = envelope_type(j);
    const char *cert = wh_options(ctx)->sns_certificate;
    if (cert && cert[0] && !type[0]) {
        wh_info(ctx)->signature = BK_SIGNATURE_INVALID;
        return wh_fail(ctx, "the SNS signature is missing (an SES notification without its SNS "
                            "envelope, as raw message delivery sends it)");
    }
    if (!type[0])
        return notification(j, ctx);
    wh_copy(j, "TopicArn", wh_info(ctx)->topic, sizeof wh_info(ctx)->topic);
    if (cert && cert[0] && (strcmp(type, "Notification") == 0 ||
                            strcmp(type, "SubscriptionConfirmation") == 0 ||
                            strcmp(type, "UnsubscribeConfirmation") == 0)) {
        char why[256];
        int ok = sns_verify(j, cert, why, sizeof why) == 0;
        wh_info(ctx)->signature = ok ? BK_SIGNATURE_VALID : BK_SIGNATURE_INVALID;
        if (!ok)
            return wh_fail(ctx, "%s", why);
    }
    if (strcmp(type, "SubscriptionConfirmation") == 0)
        return confirmation(j, ctx, BK_WEBHOOK_SUBSCRIBE);
    if (strcmp(type, "UnsubscribeConfirmation") == 0)
        return confirmation(j, ctx, BK_WEBHOOK_UNSUBSCRIBE);
    if (strcmp(type, "Notification") != 0)
        return wh_fail(ctx, "an SNS message of unknown Type '%.40s'", type);
    const json_t *msg = json_object_get(j, "Message");
    if (!json_is_string(msg))
        return wh_fail(ctx, "an SNS notification without a Message");
    json_error_t err;
    json_t *n = json_loadb(json_string_value(msg), json_string_length(msg), 0, &err);
    if (!n || !json_is_object(n)) {
        json_decref(n);
        return wh_fail(ctx, "the SNS Message is not an SES notification (JSON: %s)",
                       n ? "not an object" : err.text);
    }
    int rc = notification(n, ctx);
    json_decref(n);
    return rc;
}

const wh_provider wh_provider_ses = {"ses", detect, decode};
