/*
 * serve_lists.c - the endpoints of the HTTP API on the suppression list:
 * GET|PUT|DELETE /v1/suppressions/{address} (check, add by hand, lift),
 * GET /v1/suppressions (paged: limit, offset; filtered: domain, reason,
 * source, all), POST /v1/events (JSON Lines or a JSON array of the events
 * 'ingest' reads) and POST /v1/webhooks/{provider} (bk_webhook_decode,
 * then the same policy). Events of one request are one transaction.
 */
#include "serve_http.h"
#include "suppress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define EVENTS_MAX 10000     /* events in one request */
#define REPORT_MAX 100       /* per-event results and errors listed in an answer */

/* valid_key - 1 when key is an address or "@domain"; else answers 400 */
static int valid_key(const http_req *q, http_resp *r, const char *key)
{
    char norm[BK_ADDR_MAX], why[256];
    size_t n = strlen(key);
    int rc = key[0] == '@' || (key[0] == '*' && key[1] == '@')
                 ? bk_domain_normalize(key, n, norm, sizeof norm, why, sizeof why)
                 : bk_address_normalize(key, n, 0, norm, sizeof norm, why, sizeof why);
    (void)q;
    if (rc != 0)
        http_error(r, 400, "'%.200s': %s", key, why);
    return rc == 0;
}

/* json_str - append s as a JSON string (as jansson writes it: quotes,
 * backslashes and control characters escaped, UTF-8 as it is) */
static void json_str(bk_buf *b, const char *s)
{
    bk_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
                        : *p == '\r' ? "\\r" : *p == '\t' ? "\\t" : *p == '\b' ? "\\b"
                        : *p == '\f' ? "\\f" : NULL;
        if (esc)
            bk_buf_puts(b, esc);
        else if (*p < 0x20)
            bk_buf_printf(b, "\\u%04X", *p);
        else
            bk_buf_putc(b, (char)*p);
    }
    bk_buf_putc(b, '"');
}

/* json_field - append ,"name": and the string v, or for a time t (v NULL)
 * its ISO 8601 form or null for 0 */
static void json_field(bk_buf *b, const char *name, const char *v, long long t)
{
    char buf[32];
    bk_buf_printf(b, ",\"%s\":", name);
    if (v || t)
        json_str(b, v ? v : sup_time(t, buf, sizeof buf));
    else
        bk_buf_puts(b, "null");
}

/* check - GET /v1/suppressions/{address}: the answer's fixed shape written
 * directly (the email, the entry's fields of sup_entry_json when suppressed
 * or allowed, then the flags) */
static void check(const http_req *q, http_resp *r, bk_store *s, int *broken)
{
    bk_check_result cr;
    char err[256];
    int rc = bk_store_check(s, q->rest, 0, &cr, err, sizeof err);
    if (rc < 0) {
        *broken = 1;
        http_store_failed(r, err);
        return;
    }
    if (rc > 0) {
        http_error(r, 400, "'%.200s': %s", q->rest, err);
        return;
    }
    metrics_lookup(VIA_HTTP, cr.suppressed);
    const bk_store_entry *e = &cr.entry;
    bk_buf *b = &r->body;
    r->status = 200;
    bk_buf_puts(b, "{\"email\":");
    json_str(b, cr.address);
    if (cr.suppressed || cr.allowed) {
        json_field(b, "reason", e->reason, 0);
        json_field(b, "created", NULL, e->created);
        json_field(b, "expires", NULL, e->expires);
        json_field(b, "source", e->source, 0);
    }
    bk_buf_printf(b, ",\"suppressed\":%s,\"allowed\":%s", cr.suppressed ? "true" : "false",
                  cr.allowed ? "true" : "false");
    if (cr.suppressed || cr.allowed)
        bk_buf_printf(b, ",\"domain\":%s", cr.by_domain ? "true" : "false");
    bk_buf_puts(b, "}\n");
    if (b->oom)
        http_error(r, 500, "out of memory");
}

/* put - PUT /v1/suppressions/{address}: body {"reason", "note", "expires"} (all optional) */
static void put(const http_req *q, http_resp *r, bk_store *s, int *broken)
{
    bk_store_entry e;
    memset(&e, 0, sizeof e);
    if (q->len) {
        json_t *o = http_body_json(q, r);
        if (!o)
            return;
        const char *reason = json_string_value(json_object_get(o, "reason"));
        const char *note = json_string_value(json_object_get(o, "note"));
        const char *expires = json_string_value(json_object_get(o, "expires"));
        snprintf(e.reason, sizeof e.reason, "%s", reason ? reason : "");
        snprintf(e.note, sizeof e.note, "%s", note ? note : "");
        if (expires) {
            long long d = bk_duration_parse(expires), t = bk_time_parse(expires);
            size_t n = strlen(expires);
            if (d > 0 && n && strchr("smhdw", expires[n - 1]))
                e.expires = (long long)time(NULL) + d;
            else if (t > 0)
                e.expires = t;
            else if (d != 0) {
                json_decref(o);
                http_error(r, 400, "expires: want a time such as 30d or a date");
                return;
            }
        }
        json_decref(o);
    }
    char err[256];
    if (bk_store_add(s, q->rest, &e, err, sizeof err) != 0) {
        *broken = 1;
        http_store_failed(r, err);
        return;
    }
    http_json(r, 200, json_pack("{s:s,s:b}", "email", q->rest, "suppressed", 1));
}

/* del - DELETE /v1/suppressions/{address} */
static void del(const http_req *q, http_resp *r, bk_store *s, int *broken)
{
    char err[256];
    int rc = bk_store_remove(s, q->rest, err, sizeof err);
    if (rc < 0) {
        *broken = 1;
        http_store_failed(r, err);
    } else if (rc == 0)
        http_error(r, 404, "'%.200s' is not suppressed", q->rest);
    else
        http_json(r, 200, json_pack("{s:s,s:b}", "email", q->rest, "removed", 1));
}

void lists_one(const http_req *q, http_resp *r)
{
    int get = strcmp(q->method, "PUT") && strcmp(q->method, "DELETE");
    if (!get && !valid_key(q, r, q->rest)) /* a check says itself what is wrong */
        return;
    bk_store *s = http_store(q, r);
    if (!s)
        return;
    int broken = 0;
    if (get)
        check(q, r, s, &broken);
    else if (!strcmp(q->method, "PUT"))
        put(q, r, s, &broken);
    else
        del(q, r, s, &broken);
    serve_pool_put(q->c->pool, s, broken);
}

/* number_arg - a non-negative integer argument, def when absent; -1 when malformed */
static long long number_arg(const http_req *q, const char *name, long long def)
{
    const char *v = http_arg(q, name);
    if (!v)
        return def;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *v && !*end && n >= 0 ? n : -1;
}

/* add_entry - bk_store_list callback: one entry into the array */
static int add_entry(const bk_store_entry *e, void *ctx)
{
    json_array_append_new(ctx, sup_entry_json(e, 1));
    return 0;
}

void lists_all(const http_req *q, http_resp *r)
{
    bk_store_filter f;
    memset(&f, 0, sizeof f);
    f.domain = http_arg(q, "domain");
    f.reason = http_arg(q, "reason");
    f.source = http_arg(q, "source");
    const char *all = http_arg(q, "all");
    f.all = all && (!strcmp(all, "1") || !strcmp(all, "true") || !strcmp(all, "yes"));
    f.limit = number_arg(q, "limit", LIST_DEFAULT);
    f.offset = number_arg(q, "offset", 0);
    if (f.limit < 1 || f.limit > LIST_MAX || f.offset < 0) {
        http_error(r, 400, "limit: 1 to %d; offset: 0 or more", LIST_MAX);
        return;
    }
    bk_store *s = http_store(q, r);
    if (!s)
        return;
    json_t *a = json_array();
    char err[256];
    int rc = bk_store_list(s, &f, add_entry, a, err, sizeof err);
    serve_pool_put(q->c->pool, s, rc != 0);
    if (rc != 0) {
        json_decref(a);
        http_store_failed(r, err);
        return;
    }
    size_t n = json_array_size(a);
    json_t *o = json_pack("{s:o,s:I,s:I}", "entries", a, "limit", (json_int_t)f.limit, "offset",
                          (json_int_t)f.offset);
    json_object_set_new(o, "next_offset", (long long)n == f.limit
                                              ? json_integer(f.offset + f.limit)
                                              : json_null());
    http_json(r, 200, o);
}

/* ingest - the events as one transaction; the answer counts the changes */
static void ingest(const http_req *q, http_resp *r, const bk_event *ev, size_t n, json_t *report)
{
    bk_store *s = http_store(q, r);
    if (!s) {
        json_decref(report);
        return;
    }
    char err[256];
    json_t *changes = json_object(), *results = json_array();
    int rc = bk_store_begin(s, err, sizeof err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bk_ingest_result res;
        char why[256] = "";
        if ((rc = bk_store_ingest(s, &ev[i], &res, why, sizeof why)) != 0) {
            snprintf(err, sizeof err, "%s", why);
            break;
        }
        const char *name = bk_change_name(res.change);
        json_t *c = json_object_get(changes, name);
        json_object_set_new(changes, name, json_integer(c ? json_integer_value(c) + 1 : 1));
        if (i < REPORT_MAX)
            json_array_append_new(results, json_pack("{s:s,s:s}", "email",
                                                     res.address[0] ? res.address : ev[i].recipient,
                                                     "change", name));
    }
    int committing = rc == 0;
    if (rc == 0)
        rc = bk_store_commit(s, err, sizeof err);
    else
        bk_store_rollback(s);
    serve_pool_put(q->c->pool, s, rc != 0);
    if (rc != 0) {
        json_decref(changes);
        json_decref(results);
        json_decref(report);
        if (committing) { /* the COMMIT's answer never came: it may have landed */
            metrics_store_error();
            http_error(r, 503, "the suppression list failed while committing (%s): the events"
                               " may or may not be kept; sending them again is safe (an event"
                               " is kept once, by its token)", err);
        } else
            http_store_failed(r, err);
        return;
    }
    json_object_set_new(report, "ingested", json_integer((json_int_t)n));
    json_object_set_new(report, "changes", changes);
    json_object_set_new(report, "results", results);
    http_json(r, 200, report);
}

/* events_buf - room for the events of one request */
typedef struct {
    bk_event *ev;
    size_t n;
    json_t *errors;
    size_t skipped, malformed;
} events_buf;

/* one_event - one JSON text (an event); item counts from 1 */
static void one_event(events_buf *b, const char *text, size_t len, size_t item)
{
    char why[256];
    int rc = bk_event_from_json(text, len, &b->ev[b->n], why, sizeof why);
    if (rc == 0) {
        if (!b->ev[b->n].origin[0])
            snprintf(b->ev[b->n].origin, sizeof b->ev[b->n].origin, "http:%zu", item);
        b->n++;
        return;
    }
    rc < 0 ? b->malformed++ : b->skipped++;
    if (json_array_size(b->errors) < REPORT_MAX)
        json_array_append_new(b->errors, json_pack("{s:I,s:s,s:s}", "item", (json_int_t)item,
                                                   "what", rc < 0 ? "malformed" : "skipped",
                                                   "why", why));
}

/* read_events - the events of a body: a JSON array, or JSON Lines; 0, or -1 after answering */
static int read_events(const http_req *q, http_resp *r, events_buf *b)
{
    size_t i = 0;
    while (i < q->len && strchr(" \t\r\n", q->body[i]))
        i++;
    if (i < q->len && q->body[i] == '[') {
        json_t *a = http_body_json(q, r);
        if (!a)
            return -1;
        if (!json_is_array(a) || json_array_size(a) > EVENTS_MAX) {
            json_decref(a);
            http_error(r, json_is_array(a) ? 413 : 400, "want an array of at most %d events",
                       EVENTS_MAX);
            return -1;
        }
        if (!(b->ev = calloc(json_array_size(a) + 1, sizeof *b->ev))) {
            json_decref(a);
            http_error(r, 500, "out of memory");
            return -1;
        }
        for (size_t k = 0; k < json_array_size(a); k++) {
            char *text = json_dumps(json_array_get(a, k), JSON_COMPACT | JSON_ENCODE_ANY);
            one_event(b, text ? text : "", text ? strlen(text) : 0, k + 1);
            free(text);
        }
        json_decref(a);
        return 0;
    }
    size_t line = 0, lines = 1;
    for (const char *p = q->body; (p = memchr(p, '\n', (size_t)(q->body + q->len - p))); p++)
        lines++;
    if (!(b->ev = calloc(lines < EVENTS_MAX ? lines : EVENTS_MAX, sizeof *b->ev))) {
        http_error(r, 500, "out of memory");
        return -1;
    }
    for (const char *p = q->body, *end = q->body + q->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n) {
            if (b->n + b->malformed + b->skipped >= EVENTS_MAX) {
                http_error(r, 413, "more than %d events in one request", EVENTS_MAX);
                return -1;
            }
            one_event(b, p, n, line);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

void lists_events(const http_req *q, http_resp *r)
{
    events_buf b = {NULL, 0, json_array(), 0, 0};
    if (read_events(q, r, &b) == 0) {
        if (!b.n && !b.skipped)
            http_error(r, 400, "no events in the body (%zu malformed)", b.malformed);
        else
            ingest(q, r, b.ev, b.n,
                   json_pack("{s:I,s:I,s:o}", "skipped", (json_int_t)b.skipped, "malformed",
                             (json_int_t)b.malformed, "errors", json_incref(b.errors)));
    }
    json_decref(b.errors);
    free(b.ev);
}

/* known_provider - 1 when name is one of bk_webhook_providers() */
static int known_provider(const char *name)
{
    for (const char *const *p = bk_webhook_providers(); *p; p++)
        if (strcmp(*p, name) == 0)
            return 1;
    return 0;
}

void lists_webhook(const http_req *q, http_resp *r)
{
    if (!known_provider(q->rest)) {
        http_error(r, 404, "no webhook provider '%.40s' (ses, sendgrid, mailgun, postmark, "
                           "sparkpost)", q->rest);
        return;
    }
    bk_webhook_options opt = {.mailgun_key = q->c->mailgun_key,
                              .sns_certificate = q->c->sns_certificate};
    bk_decoder *d = bk_decoder_new(q->c->clf, NULL);
    bk_decoded out;
    bk_webhook_info info;
    if (!d || bk_webhook_decode(d, q->rest, q->body, q->len, &opt, &out, &info) != 0) {
        bk_decoder_free(d);
        http_error(r, 500, "out of memory");
        return;
    }
    if (out.status == BK_UNREADABLE) {
        if (info.signature == BK_SIGNATURE_INVALID)
            http_error(r, 403, "signature refused: %s", out.why);
        else
            http_error(r, 400, "not a %s payload: %s", q->rest, out.why);
    } else if (out.status == BK_NOT_BOUNCE) {
        json_t *o = json_pack("{s:s,s:i,s:s}", "provider", info.provider, "records", 0, "why",
                              out.why);
        if (info.kind == BK_WEBHOOK_SUBSCRIBE) {
            fprintf(stderr, "bouncekit: serve: SNS subscription for %s: confirm at %s\n",
                    info.topic, info.subscribe_url);
            json_object_set_new(o, "subscribe_url", json_string(info.subscribe_url));
        }
        http_json(r, 200, o);
    } else {
        bk_event *ev = calloc(out.n, sizeof *ev);
        char origin[64];
        snprintf(origin, sizeof origin, "webhook:%s", q->rest);
        for (size_t i = 0; ev && i < out.n; i++)
            bk_event_from_bounce(&out.bounces[i], origin, &ev[i]);
        if (ev)
            ingest(q, r, ev, out.n, json_pack("{s:s,s:I}", "provider", info.provider, "ignored",
                                              (json_int_t)info.ignored));
        else
            http_error(r, 500, "out of memory");
        free(ev);
    }
    bk_decoder_free(d);
}
