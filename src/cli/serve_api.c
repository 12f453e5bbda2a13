/*
 * serve_api.c - the read-only endpoints of the HTTP API that need no store
 * writes: POST /v1/classify (a reply as text/plain, or JSON {"text": ...}
 * with optional hints), GET /v1/explain/{code}, POST /v1/decode (one raw
 * message), GET /v1/stats, GET /healthz. The objects are those of the
 * command line's --json output.
 */
#include "records.h"
#include "render.h"
#include "serve_http.h"
#include "suppress.h"

#include <string.h>

/* hint_str - a string member of o, or NULL */
static const char *hint_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void api_classify(const http_req *q, http_resp *r)
{
    const char *ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Content-Type");
    const char *text = q->body;
    size_t len = q->len;
    bk_hints hints;
    memset(&hints, 0, sizeof hints);
    json_t *o = NULL;
    if (ct && strncmp(ct, "application/json", 16) == 0) {
        if (!(o = http_body_json(q, r)))
            return;
        json_t *t = json_object_get(o, "text");
        if (!json_is_string(t)) {
            json_decref(o);
            http_error(r, 400, "want an object with a \"text\" string");
            return;
        }
        text = json_string_value(t);
        len = json_string_length(t);
        hints.status = hint_str(o, "status");
        hints.host = hint_str(o, "host");
        hints.domain = hint_str(o, "domain");
        const char *cmd = hint_str(o, "command");
        if (cmd)
            hints.command = bk_command_parse(cmd, strlen(cmd));
        json_t *rc = json_object_get(o, "replycode");
        if (json_is_integer(rc))
            hints.reply_code = (int)json_integer_value(rc);
    }
    if (len == 0) {
        json_decref(o);
        http_error(r, 400, "give the reply text as the body");
        return;
    }
    bk_verdict v;
    bk_reply parsed;
    if (bk_classify(q->c->clf, text, len, &hints, &v, &parsed) != 0)
        http_error(r, 500, "out of memory");
    else
        http_json(r, 200, verdict_json(&v, &parsed, hints.host));
    json_decref(o);
}

void api_explain(const http_req *q, http_resp *r)
{
    bk_reply p;
    size_t len = strlen(q->rest);
    bk_reply_parse(q->rest, len, &p);
    if (!p.reply_code && !p.status_class) {
        http_error(r, 400, "'%.100s' is not an SMTP reply code or enhanced status code", q->rest);
        return;
    }
    bk_explanation e;
    if (bk_kb_explain(q->c->kb, p.reply_code, p.status, &e) != 0) {
        http_error(r, 404, "the reference has nothing for '%.100s'", q->rest);
        return;
    }
    int bare = p.text_len == 0 && !p.host.len && !p.address.len && !p.command;
    http_json(r, 200, render_json(&e, bare ? NULL : &p));
}

void api_decode(const http_req *q, http_resp *r)
{
    bk_decoder *d = bk_decoder_new(q->c->clf, NULL);
    bk_decoded out;
    if (!d || bk_decode(d, q->body, q->len, &out) != 0) {
        bk_decoder_free(d);
        http_error(r, 500, "out of memory");
        return;
    }
    if (out.status == BK_UNREADABLE) {
        http_error(r, 422, "not a readable message: %s", out.why);
    } else {
        json_t *recs = json_array();
        for (size_t i = 0; i < out.n; i++)
            json_array_append_new(recs, record_json("request", &out.bounces[i]));
        json_t *o = json_pack("{s:s,s:o}", "status",
                              out.status == BK_DECODED ? "bounce" : "not a bounce", "records", recs);
        if (out.status == BK_NOT_BOUNCE)
            json_object_set_new(o, "why", json_string(out.why));
        http_json(r, 200, o);
    }
    bk_decoder_free(d);
}

/* stats_row - one breakdown row into the object of its group */
static int stats_row(const char *group, const char *name, const char *detail, long long count,
                     long long last, void *ctx)
{
    json_t *groups = ctx, *a = json_object_get(groups, group);
    if (!a) {
        a = json_array();
        json_object_set_new(groups, group, a);
    }
    char t[32];
    json_t *row = json_pack("{s:s,s:I}", "name", name, "count", (json_int_t)count);
    if (detail && detail[0])
        json_object_set_new(row, "detail", json_string(detail));
    if (last)
        json_object_set_new(row, "last", json_string(sup_time(last, t, sizeof t)));
    json_array_append_new(a, row);
    return 0;
}

bk_store *http_store(const http_req *q, http_resp *r)
{
    char err[256];
    bk_store *s = serve_pool_get(q->c->pool, q->c->store_wait_ms, err, sizeof err);
    if (!s) {
        metrics_store_error();
        http_error(r, 503, "the suppression list is unavailable: %s", err);
    }
    return s;
}

void http_store_failed(http_resp *r, const char *err)
{
    metrics_store_error();
    http_error(r, 503, "the suppression list failed, nothing was changed: %s", err);
}

void api_stats(const http_req *q, http_resp *r)
{
    bk_store *s = http_store(q, r);
    if (!s)
        return;
    bk_store_stats st;
    char err[256];
    json_t *groups = json_object();
    int rc = bk_store_stats_get(s, 0, &st, stats_row, groups, err, sizeof err);
    serve_pool_put(q->c->pool, s, rc != 0);
    if (rc != 0) {
        json_decref(groups);
        http_store_failed(r, err);
        return;
    }
    http_json(r, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:o}", "events", (json_int_t)st.events,
                        "addresses", (json_int_t)st.addresses, "suppressed",
                        (json_int_t)st.suppressed, "domains", (json_int_t)st.domains, "allowed",
                        (json_int_t)st.allowed, "sender_problems", (json_int_t)st.sender_problems,
                        "schema", st.schema, "by", groups));
}

void api_healthz(const http_req *q, http_resp *r)
{
    bk_store *s = http_store(q, r);
    if (!s)
        return;
    bk_check_result cr;
    char err[256];
    int rc = bk_store_check(s, "healthz@bouncekit.invalid", 0, &cr, err, sizeof err);
    serve_pool_put(q->c->pool, s, rc < 0);
    if (rc < 0) {
        http_store_failed(r, err);
        return;
    }
    http_json(r, 200, json_pack("{s:s,s:s}", "status", "ok", "version", bk_version()));
}
