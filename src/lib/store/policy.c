/*
 * policy.c - what the suppression list does with each event
 * (docs/suppression.md says why for each default):
 *   - a log outcome still deferred, or refused by our own server at
 *     submission, is only recorded: the remote side has not decided;
 *   - a complaint (feedback type abuse, fraud; a feedback report without a
 *     type) or an opt-out suppresses the address now;
 *   - a delivery is recorded (and lifts an expiring policy suppression
 *     only with delivered-clears);
 *   - a hard bounce suppresses the address now; a hard hostunknown (and,
 *     when set, notaccept) suppresses the whole domain;
 *   - the reasons of sender-reasons never touch the recipient: they count
 *     per sender domain;
 *   - the reasons of soft-reasons suppress after soft-count of them within
 *     soft-window, for soft-expiry.
 */
#include "bouncekit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const SOFT_DEFAULT[] = {"mailboxfull", "suspend", "expired", "userunknown",
                                           "hostunknown", "hasmoved", "notaccept", NULL};
static const char *const SENDER_DEFAULT[] = {
    "authfailure", "badreputation", "blocked",        "contenterror", "failedstarttls",
    "mesgtoobig",  "exceedlimit",   "norelaying",     "notcompliantrfc", "policyviolation",
    "rejected",    "requireptr",    "securityerror",  "spamdetected", "speeding",
    "syntaxerror", "toomanyconn",   "virusdetected",  NULL};

/* reason_bit - the bit of a reason name in a reason set; 0 when unknown */
static unsigned long long reason_bit(const char *name)
{
    const char *const *all = bk_reason_names();
    for (unsigned i = 0; all[i] && i < 64; i++)
        if (strcmp(all[i], name) == 0)
            return 1ULL << i;
    return 0;
}

/* reason_set - the bits of a NULL-terminated list */
static unsigned long long reason_set(const char *const *names)
{
    unsigned long long m = 0;
    for (size_t i = 0; names[i]; i++)
        m |= reason_bit(names[i]);
    return m;
}

void bk_policy_default(bk_policy *p)
{
    memset(p, 0, sizeof *p);
    p->soft_count = 3;
    p->soft_window = 14 * 86400LL;
    p->soft_expiry = 30 * 86400LL;
    p->hard_expiry = 0;
    p->complaint_expiry = 0;
    p->domain_expiry = 90 * 86400LL;
    p->fold_plus = 0;
    p->domain_hostunknown = 1;
    p->domain_notaccept = 0;
    p->delivered_clears = 0;
    p->soft_reasons = reason_set(SOFT_DEFAULT);
    p->sender_reasons = reason_set(SENDER_DEFAULT);
}

long long bk_duration_parse(const char *s)
{
    if (strcmp(s, "never") == 0)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || v > 100LL * 365 * 86400)
        return -1;
    long long unit = 1;
    switch (*end) {
    case '\0': case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    return v * unit;
}

/* switch_value - yes/no, true/false, on/off, 1/0; -1 otherwise */
static int switch_value(const char *v)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* parse_reasons - "a, b,c" as a reason set; -1 (err) for an unknown name */
static int parse_reasons(const char *v, unsigned long long *out, char *err, size_t errlen)
{
    unsigned long long m = 0;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        char name[BK_REASON_NAME_MAX];
        unsigned long long bit = 0;
        if (n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            bit = reason_bit(name);
        }
        if (!bit) {
            snprintf(err, errlen, "'%.*s' is not a reason", (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        m |= bit;
        p += n;
    }
    *out = m;
    return 0;
}

int bk_policy_set(bk_policy *p, const char *key, const char *value, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t off;
    } TIMES[] = {{"soft-window", offsetof(bk_policy, soft_window)},
                 {"soft-expiry", offsetof(bk_policy, soft_expiry)},
                 {"hard-expiry", offsetof(bk_policy, hard_expiry)},
                 {"complaint-expiry", offsetof(bk_policy, complaint_expiry)},
                 {"domain-expiry", offsetof(bk_policy, domain_expiry)}},
      SWITCHES[] = {{"fold-plus", offsetof(bk_policy, fold_plus)},
                    {"domain-hostunknown", offsetof(bk_policy, domain_hostunknown)},
                    {"domain-notaccept", offsetof(bk_policy, domain_notaccept)},
                    {"delivered-clears", offsetof(bk_policy, delivered_clears)}};
    for (size_t i = 0; i < sizeof TIMES / sizeof TIMES[0]; i++)
        if (strcmp(key, TIMES[i].key) == 0) {
            long long v = bk_duration_parse(value);
            if (v < 0 || (v == 0 && strcmp(key, "soft-window") == 0)) {
                snprintf(err, errlen, "%s: want a time such as 30m, 12h, 14d%s, not '%.40s'", key,
                         strcmp(key, "soft-window") ? " or never" : "", value);
                return -1;
            }
            memcpy((char *)p + TIMES[i].off, &v, sizeof v);
            return 0;
        }
    for (size_t i = 0; i < sizeof SWITCHES / sizeof SWITCHES[0]; i++)
        if (strcmp(key, SWITCHES[i].key) == 0) {
            int v = switch_value(value);
            if (v < 0) {
                snprintf(err, errlen, "%s: want yes or no, not '%.40s'", key, value);
                return -1;
            }
            memcpy((char *)p + SWITCHES[i].off, &v, sizeof v);
            return 0;
        }
    if (strcmp(key, "soft-count") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (end == value || *end || v < 1 || v > 1000) {
            snprintf(err, errlen, "soft-count: want a number from 1 to 1000, not '%.40s'", value);
            return -1;
        }
        p->soft_count = (int)v;
        return 0;
    }
    if (strcmp(key, "soft-reasons") == 0)
        return parse_reasons(value, &p->soft_reasons, err, errlen);
    if (strcmp(key, "sender-reasons") == 0)
        return parse_reasons(value, &p->sender_reasons, err, errlen);
    snprintf(err, errlen, "unknown policy setting '%.40s'", key);
    return -1;
}

const char *bk_policy_action_name(bk_policy_action a)
{
    static const char *const NAMES[] = {"record", "suppress", "complaint", "soft",
                                        "sender", "domain",   "clear"};
    return (unsigned)a < sizeof NAMES / sizeof NAMES[0] ? NAMES[a] : "record";
}

/* feedback_action - what a complaint report's feedback type asks for */
static bk_policy_action feedback_action(const char *type)
{
    if (!strcasecmp(type, "abuse") || !strcasecmp(type, "fraud") || !strcasecmp(type, "opt-out") ||
        !strcasecmp(type, "optout") || !strcasecmp(type, "unsubscribe"))
        return BK_POLICY_COMPLAINT;
    if (!strcasecmp(type, "auth-failure"))
        return BK_POLICY_SENDER;
    return BK_POLICY_RECORD; /* not-spam, virus, other: nothing about the recipient */
}

bk_policy_action bk_policy_decide(const bk_policy *p, const bk_event *e)
{
    if (!strcmp(e->outcome, "deferred") || !strcmp(e->outcome, "rejected"))
        return BK_POLICY_RECORD;
    if (e->feedbacktype[0])
        return feedback_action(e->feedbacktype);
    if (!strcmp(e->reason, "feedback"))
        return BK_POLICY_COMPLAINT;
    if (!strcmp(e->reason, "delivered") || !strcmp(e->outcome, "delivered") ||
        e->permanence == BK_PERM_SUCCESS)
        return p->delivered_clears ? BK_POLICY_CLEAR : BK_POLICY_RECORD;
    if (e->hardbounce) {
        if ((p->domain_hostunknown && !strcmp(e->reason, "hostunknown")) ||
            (p->domain_notaccept && !strcmp(e->reason, "notaccept")))
            return BK_POLICY_DOMAIN;
        return BK_POLICY_SUPPRESS;
    }
    if (!strcmp(e->reason, "suppressed"))
        return BK_POLICY_SUPPRESS;
    unsigned long long bit = reason_bit(e->reason);
    if (bit & p->sender_reasons)
        return BK_POLICY_SENDER;
    if (bit & p->soft_reasons)
        return BK_POLICY_SOFT;
    return BK_POLICY_RECORD;
}
