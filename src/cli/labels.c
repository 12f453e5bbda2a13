/*
 * labels.c - wording for vocabulary values (see labels.h).
 */
#include "labels.h"

#include <stdio.h>
#include <string.h>

const char *label_bounce(const char *bounce)
{
    if (!bounce)
        return "Unknown";
    if (strcmp(bounce, "hard") == 0)
        return "Hard bounce: the address itself is bad";
    if (strcmp(bounce, "soft") == 0)
        return "Soft bounce: the address is not shown to be bad";
    return "Not a bounce";
}

const char *label_action(const char *action)
{
    static const struct {
        const char *action, *words;
    } map[] = {
        {"suppress", "Suppress the address; do not retry"},
        {"retry", "Let the mail server retry; change nothing yet"},
        {"retry then suppress", "Retry for a while; suppress the address if it keeps failing"},
        {"fix authentication", "Fix authentication on your side (SPF, DKIM, DMARC or SMTP AUTH)"},
        {"fix reputation", "Fix your sending reputation (blocklists, complaints, volume)"},
        {"review content", "Review the message content, links and attachments"},
        {"fix configuration", "Fix the configuration of your sending server or DNS"},
        {"none", "Nothing to do"},
    };
    for (size_t i = 0; action && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(action, map[i].action) == 0)
            return map[i].words;
    return action ? action : "Unknown";
}

const char *label_permanence(bk_permanence p)
{
    switch (p) {
    case BK_PERM_PERMANENT:
        return "Permanent failure";
    case BK_PERM_TRANSIENT:
        return "Temporary failure";
    case BK_PERM_SUCCESS:
        return "Success";
    default:
        return "Unknown";
    }
}

const char *label_capital(const char *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s ? s : "");
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 32);
    return buf;
}

/* reading - "Soft bounce. Let the mail server retry; ..." */
static const char *reading(const char *bounce, const char *action, char *buf, size_t len)
{
    char cap[32];
    snprintf(buf, len, "%s bounce. %s", label_capital(bounce, cap, sizeof cap), label_action(action));
    return buf;
}

void glance_rows(const bk_explanation *e, glance_fn fn, void *ctx)
{
    char line[256];
    fn(ctx, "Code", e->key);
    fn(ctx, "Bounce type", label_bounce(e->bounce));
    fn(ctx, "Permanence", bk_permanence_name(e->permanence));
    fn(ctx, "Severity", e->severity);
    fn(ctx, "Category", e->category);
    fn(ctx, "What to do", label_action(e->action));
    fn(ctx, "Standard", e->standard);
    if (!e->exact)
        fn(ctx, "Entry", "No entry of its own: explained from its class and subject");
    if (e->reply_code && e->status[0] && e->decided_by == BK_DECIDE_REPLY)
        fn(ctx, "Decided by", e->decision);
    if (e->transient_bounce) {
        fn(ctx, "As 4.x.x", reading(e->transient_bounce, e->transient_action, line, sizeof line));
        fn(ctx, "As 5.x.x", reading(e->permanent_bounce, e->permanent_action, line, sizeof line));
    }
}
