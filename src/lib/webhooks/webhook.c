/*
 * webhook.c - ESP webhook payloads to records (bk_webhook_decode).
 *
 *   1. the body is parsed with jansson (a bad body: BK_UNREADABLE, with the
 *      line and column jansson gives)
 *   2. the provider: the one named, or the first whose detect() holds
 *   3. its decode() reads the events, one wh_event per event and recipient
 *   4. wh_emit(): the classifier's verdict on the provider's text with its
 *      codes and host as hints; then the event's own reason (complaint,
 *      opt-out, delivery) or, when the text decides nothing, the provider's
 *      category; time and token as the decoder makes them (record.h)
 * The records live in the decoder's output array, as bk_decode's do.
 */
#include "webhook.h"
#include "format.h"
#include "lines.h"
#include "record.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const wh_provider wh_provider_ses, wh_provider_sendgrid, wh_provider_mailgun,
    wh_provider_postmark, wh_provider_sparkpost;

/* in the order detection tries them: the most specific markers first */
static const wh_provider *const PROVIDERS[] = {&wh_provider_ses, &wh_provider_mailgun,
                                               &wh_provider_postmark, &wh_provider_sparkpost,
                                               &wh_provider_sendgrid};
#define N_PROVIDERS (sizeof PROVIDERS / sizeof PROVIDERS[0])

static const char *const NAMES[] = {"ses", "sendgrid", "mailgun", "postmark", "sparkpost", NULL};

struct wh_ctx {
    bk_decoder *d;
    const wh_provider *p;
    bk_webhook_options opt;
    bk_webhook_info *info;
    bk_decoded *out;
    bk_bounce *rec;        /* the decoder's array */
    size_t cap;            /* records it holds */
    int oom;
};

const char *const *bk_webhook_providers(void)
{
    return NAMES;
}

const char *bk_signature_name(bk_signature s)
{
    return s == BK_SIGNATURE_VALID ? "valid" : s == BK_SIGNATURE_INVALID ? "invalid" : "unchecked";
}

void wh_event_init(wh_event *e)
{
    memset(e, 0, sizeof *e);
    e->action = "failed";
}

const bk_webhook_options *wh_options(const wh_ctx *ctx)
{
    return &ctx->opt;
}

bk_webhook_info *wh_info(wh_ctx *ctx)
{
    return ctx->info;
}

void wh_ignore(wh_ctx *ctx)
{
    ctx->info->events++;
    ctx->info->ignored++;
}

void wh_malformed(wh_ctx *ctx)
{
    ctx->info->events++;
    ctx->info->malformed++;
}

int wh_fail(wh_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->out->why, sizeof ctx->out->why, fmt, ap);
    va_end(ap);
    return -1;
}

const char *wh_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

void wh_copy(const json_t *obj, const char *key, char *dst, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        found_set(dst, cap, json_string_value(v), json_string_length(v));
}

long long wh_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    long long n = 0;
    for (size_t i = 0; bk_is_digit((unsigned char)s[i]) && i < 18; i++)
        n = n * 10 + (s[i] - '0');
    return n;
}

int wh_is(const json_t *obj, const char *key, const char *value)
{
    return strcmp(wh_str(obj, key), value) == 0;
}

void wh_feedback(wh_event *e, const char *feedbacktype)
{
    found_set(e->feedbacktype, sizeof e->feedbacktype, feedbacktype, strlen(feedbacktype));
    e->reason = "feedback";
}

void wh_delivered(wh_event *e)
{
    e->action = "delivered";
    e->reason = "delivered";
}

void wh_status(wh_event *e, const char *text)
{
    span s = {text, strlen(text)};
    find_status(s, e->status);
}

void wh_message_id(wh_event *e, const char *id)
{
    const char *p = id;
    size_t n = strlen(id);
    bk_trim(&p, &n);
    if (n > 2 && p[0] == '<' && p[n - 1] == '>')
        p++, n -= 2;
    found_set(e->messageid, sizeof e->messageid, p, n);
}

const char *wh_lookup(const char *const table[][2], const char *name)
{
    for (size_t i = 0; table[i][0]; i++)
        if (g_ascii_strcasecmp(table[i][0], name) == 0)
            return table[i][1];
    return NULL;
}

/* event_time - a GLib date-time from ISO 8601 text or seconds since 1970
 * (a number, or text of digits with an optional fraction); NULL when neither */
static GDateTime *event_time(const json_t *t)
{
    double secs = -1;
    if (json_is_number(t))
        secs = json_number_value(t);
    else if (json_is_string(t)) {
        const char *s = json_string_value(t);
        size_t n = json_string_length(t), i = 0;
        while (i < n && bk_is_digit((unsigned char)s[i]))
            i++;
        if (i > 0 && i <= 12 && (i == n || (s[i] == '.' && n - i < 12)))
            secs = g_ascii_strtod(s, NULL);
        else if (n < 64 && strlen(s) == n) {
            GTimeZone *utc = g_time_zone_new_utc();
            GDateTime *dt = g_date_time_new_from_iso8601(s, utc);
            g_time_zone_unref(utc);
            return dt;
        }
    }
    /* 1970 to 9999: what GDateTime holds */
    if (!(secs >= 0 && secs < 253402300800.0))
        return NULL;
    return g_date_time_new_from_unix_utc((gint64)secs);
}

/* verdict - the classifier's verdict on the event's text and codes (the
 * provider's default status only when neither gives a code), then the
 * event's own reason or the provider's category */
static void verdict(const bk_classifier *c, const wh_event *e, bk_bounce *b)
{
    const char *at = strrchr(b->recipient, '@');
    bk_hints hints = {.host = e->rhost[0] ? e->rhost : NULL,
                      .domain = at ? at + 1 : NULL,
                      .reply_code = bk_reply_code_valid(e->reply_code) ? e->reply_code : 0,
                      .status = e->status[0] ? e->status : NULL};
    const char *text = e->diag_generic ? "" : e->diag;
    bk_verdict *v = &b->verdict;
    bk_classify(c, text, strlen(text), &hints, v, NULL);
    if (!v->reply_code && !v->status[0] && e->default_status && !e->reason) {
        hints.status = e->default_status;
        bk_classify(c, text, strlen(text), &hints, v, NULL);
    }
    if (e->reason) {
        if (strcmp(e->reason, "delivered") == 0 && v->permanence == BK_PERM_UNKNOWN)
            v->permanence = BK_PERM_SUCCESS;
        bk_verdict_set_reason(c, v, e->reason);
    } else if (e->fallback && strcmp(v->reason, "undefined") == 0)
        bk_verdict_set_reason(c, v, e->fallback);
}

int wh_emit(wh_ctx *ctx, const wh_event *e)
{
    const char *addr = e->recipient;
    size_t alen = strlen(addr);
    bk_trim(&addr, &alen);
    if (alen > 2 && addr[0] == '<' && addr[alen - 1] == '>')
        addr++, alen -= 2;
    if (!alen || !memchr(addr, '@', alen)) {
        wh_malformed(ctx);
        return 0;
    }
    ctx->info->events++;
    if (ctx->out->n >= BK_WEBHOOK_EVENTS_MAX) {
        ctx->out->dropped++;
        return 0;
    }
    if (ctx->out->n == ctx->cap) {
        size_t want = ctx->cap ? ctx->cap * 2 : 16;
        if (want > BK_WEBHOOK_EVENTS_MAX)
            want = BK_WEBHOOK_EVENTS_MAX;
        bk_bounce *r = record_slots(ctx->d, want);
        if (!r) {
            ctx->oom = 1;
            return -1;
        }
        ctx->rec = r;
        ctx->cap = want;
    }
    bk_bounce *b = &ctx->rec[ctx->out->n++];
    memset(b, 0, sizeof *b);
    found_set(b->recipient, sizeof b->recipient, addr, alen);
    found_set(b->addresser, sizeof b->addresser, e->addresser, strlen(e->addresser));
    found_set(b->action, sizeof b->action, e->action, strlen(e->action));
    found_set(b->diagnosticcode, sizeof b->diagnosticcode, e->diag, strlen(e->diag));
    if (e->diag[0] && !e->diag_generic)
        found_set(b->diagnostictype, sizeof b->diagnostictype, "SMTP", 4);
    found_set(b->rhost, sizeof b->rhost, e->rhost, strlen(e->rhost));
    found_set(b->lhost, sizeof b->lhost, e->lhost, strlen(e->lhost));
    found_set(b->decodedby, sizeof b->decodedby, ctx->p->name, strlen(ctx->p->name));
    found_set(b->messageid, sizeof b->messageid, e->messageid, strlen(e->messageid));
    found_set(b->subject, sizeof b->subject, e->subject, strlen(e->subject));
    found_set(b->feedbacktype, sizeof b->feedbacktype, e->feedbacktype, strlen(e->feedbacktype));
    verdict(record_classifier(ctx->d), e, b);
    GDateTime *dt = event_time(e->time);
    if (dt) {
        record_set_time(b, dt);
        g_date_time_unref(dt);
    }
    record_set_token(b);
    return 0;
}

/* find_provider - the provider named, or the one whose detect() holds */
static const wh_provider *find_provider(const char *name, const json_t *body)
{
    for (size_t i = 0; i < N_PROVIDERS; i++)
        if (name ? strcmp(name, PROVIDERS[i]->name) == 0 : PROVIDERS[i]->detect(body))
            return PROVIDERS[i];
    return NULL;
}

/* not_reported - why a payload gave no record */
static void not_reported(const bk_webhook_info *info, bk_decoded *out)
{
    if (info->kind == BK_WEBHOOK_SUBSCRIBE)
        snprintf(out->why, sizeof out->why,
                 "an SNS subscription confirmation for %.160s: confirm it by visiting its SubscribeURL",
                 info->topic[0] ? info->topic : "a topic");
    else if (info->kind == BK_WEBHOOK_UNSUBSCRIBE)
        snprintf(out->why, sizeof out->why, "an SNS unsubscribe confirmation for %.160s",
                 info->topic[0] ? info->topic : "a topic");
    else if (info->malformed)
        snprintf(out->why, sizeof out->why,
                 "%zu events, none with a recipient that could be read (%zu of other types)",
                 info->events, info->ignored);
    else
        snprintf(out->why, sizeof out->why,
                 "%zu events, none a bounce, complaint, opt-out, delay or delivery", info->events);
}

int bk_webhook_decode(bk_decoder *d, const char *provider, const char *body, size_t len,
                      const bk_webhook_options *opt, bk_decoded *out, bk_webhook_info *info)
{
    bk_webhook_info local;
    if (!info)
        info = &local;
    memset(out, 0, sizeof *out);
    memset(info, 0, sizeof *info);
    wh_ctx ctx = {d, NULL, {.mailgun_key = NULL}, info, out, NULL, 0, 0};
    if (opt)
        ctx.opt = *opt;
    out->status = BK_UNREADABLE;
    if (provider && !find_provider(provider, NULL)) {
        snprintf(out->why, sizeof out->why,
                 "unknown provider '%.64s' (ses, sendgrid, mailgun, postmark, sparkpost)", provider);
        return 0;
    }
    json_error_t err;
    json_t *j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        snprintf(out->why, sizeof out->why, "not JSON: line %d, column %d: %s", err.line,
                 err.column, err.text);
        return 0;
    }
    ctx.p = find_provider(provider, j);
    if (!ctx.p) {
        snprintf(out->why, sizeof out->why, "%s",
                 "not the webhook payload of a known provider (name one with --provider)");
        json_decref(j);
        return 0;
    }
    snprintf(info->provider, sizeof info->provider, "%s", ctx.p->name);
    int rc = ctx.p->decode(j, &ctx);
    json_decref(j);
    if (ctx.oom)
        return -1;
    if (rc != 0) {
        out->n = 0;
        out->dropped = 0;
        if (!out->why[0])
            snprintf(out->why, sizeof out->why, "not a %s webhook payload", ctx.p->name);
        return 0;
    }
    out->bounces = ctx.rec;
    out->status = out->n ? BK_DECODED : BK_NOT_BOUNCE;
    if (!out->n)
        not_reported(info, out);
    return 0;
}
