/*
 * serve_http.c - the HTTP side of bouncekit serve, on libmicrohttpd: a pool
 * of threads polling with epoll, limits on connections, idle time, header
 * memory and body size; every request is routed by ROUTES to a handler
 * (serve_http.h) once its body is in. Write endpoints need the bearer token
 * (or HTTP Basic with the token as password, for ESP webhooks that can
 * only put credentials in the URL). Every error is JSON {"error": ...}.
 */
#include "serve_http.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_DELETE = 8 };

typedef struct {
    const char *path;
    int prefix;                          /* path is a prefix: the rest goes to the handler */
    int methods;
    int write_methods;                   /* methods that need the token */
    int ep;
    void (*fn)(const http_req *, http_resp *);
} route;

/* api_metrics - GET /metrics */
static void api_metrics(const http_req *q, http_resp *r)
{
    (void)q;
    r->status = 200;
    r->type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_render(&r->body);
}

static const route ROUTES[] = {
    {"/v1/classify", 0, M_POST, 0, EP_CLASSIFY, api_classify},
    {"/v1/explain/", 1, M_GET, 0, EP_EXPLAIN, api_explain},
    {"/v1/decode", 0, M_POST, 0, EP_DECODE, api_decode},
    {"/v1/suppressions/", 1, M_GET | M_PUT | M_DELETE, M_PUT | M_DELETE, EP_SUPPRESSION, lists_one},
    {"/v1/suppressions", 0, M_GET, 0, EP_SUPPRESSIONS, lists_all},
    {"/v1/events", 0, M_POST, M_POST, EP_EVENTS, lists_events},
    {"/v1/webhooks/", 1, M_POST, M_POST, EP_WEBHOOKS, lists_webhook},
    {"/v1/stats", 0, M_GET, 0, EP_STATS, api_stats},
    {"/healthz", 0, M_GET, 0, EP_HEALTHZ, api_healthz},
    {"/metrics", 0, M_GET, 0, EP_METRICS, api_metrics},
    {"/codes/", 1, M_GET, 0, EP_CODES, codes_page},
    {"/codes", 0, M_GET, 0, EP_CODES, codes_redirect},
};

struct serve_http {
    struct MHD_Daemon *d;
    serve_ctx *c;
};

/* per request: the route and the body read so far */
typedef struct {
    const route *rt;
    bk_buf body;
    int too_big;
} request;

void http_json(http_resp *r, int status, json_t *o)
{
    r->status = status;
    r->type = NULL;
    bk_buf_reset(&r->body);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s) {
        bk_buf_puts(&r->body, s);
        bk_buf_putc(&r->body, '\n');
        free(s);
    } else {
        r->status = 500;
        bk_buf_puts(&r->body, "{\"error\":\"out of memory\"}\n");
    }
    json_decref(o);
}

void http_error(http_resp *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_json(r, status, json_pack("{s:s}", "error", msg));
    r->status = status;
}

const char *http_arg(const http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

json_t *http_body_json(const http_req *q, http_resp *r)
{
    json_error_t je;
    json_t *o = json_loadb(q->body, q->len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        http_error(r, 400, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
    return o;
}

/* same_secret - compare without leaking where they differ */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

/* authorized - 1 when the request carries the token (Bearer, or Basic's password) */
static int authorized(struct MHD_Connection *conn, const char *token)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (h && strncmp(h, "Bearer ", 7) == 0)
        return same_secret(h + 7, token);
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &pass);
    int ok = pass && same_secret(pass, token);
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

/* send - queue the answer; counts it */
static enum MHD_Result send_resp(struct MHD_Connection *conn, int ep, http_resp *r)
{
    metrics_request(ep, r->status);
    size_t len = r->body.len;
    char *data = bk_buf_steal(&r->body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data ? data : (char *)"",
                                                                data ? MHD_RESPMEM_MUST_FREE
                                                                     : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"bouncekit\"");
    if (r->allow)
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->location)
        MHD_add_response_header(resp, "Location", r->location);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* method_bit - M_* of a method name, 0 for others */
static int method_bit(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") ? M_GET
           : !strcmp(m, "POST")                    ? M_POST
           : !strcmp(m, "PUT")                     ? M_PUT
           : !strcmp(m, "DELETE")                  ? M_DELETE
                                                   : 0;
}

/* allow_list - the Allow header of a route */
static const char *allow_list(int methods)
{
    switch (methods) {
    case M_GET:
        return "GET, HEAD";
    case M_POST:
        return "POST";
    default:
        return "GET, HEAD, PUT, DELETE";
    }
}

/* find_route - the route of a path, NULL for none */
static const route *find_route(const char *url)
{
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const route *rt = &ROUTES[i];
        size_t n = strlen(rt->path);
        if (rt->prefix ? strncmp(url, rt->path, n) == 0 : strcmp(url, rt->path) == 0)
            return rt;
    }
    return NULL;
}

/* early - what can be answered before the body: 404, 405, 401, 413; 0 when nothing */
static int early(serve_ctx *c, struct MHD_Connection *conn, const route *rt, const char *method,
                 http_resp *r)
{
    if (!rt) {
        http_error(r, 404, "no such endpoint");
        return 1;
    }
    int m = method_bit(method);
    if (!(m & rt->methods)) {
        http_error(r, 405, "method %s not allowed here", method);
        r->allow = allow_list(rt->methods);
        return 1;
    }
    if (m & rt->write_methods) {
        if (!c->token) {
            http_error(r, 403, "no token is configured: the write endpoints are off");
            return 1;
        }
        if (!authorized(conn, c->token)) {
            http_error(r, 401, "this endpoint needs 'Authorization: Bearer TOKEN'");
            return 1;
        }
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > c->max_body) {
        http_error(r, 413, "the body is larger than %zu bytes", c->max_body);
        return 1;
    }
    return 0;
}

/* on_request - libmicrohttpd's access handler: called with the headers,
 * then with each piece of the body, then once more at the end */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    serve_ctx *c = cls;
    request *rq = *con_cls;
    http_resp r = {0, NULL, BK_BUF_INIT, NULL, NULL};
    if (!rq) {
        const route *rt = find_route(url);
        if (early(c, conn, rt, method, &r))
            return send_resp(conn, rt ? rt->ep : EP_OTHER, &r);
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        rq->rt = rt;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->body.len + *upload_data_size > c->max_body) {
            rq->too_big = 1;
            bk_buf_free(&rq->body);
        } else
            bk_buf_append(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->too_big)
        http_error(&r, 413, "the body is larger than %zu bytes", c->max_body);
    else if (rq->body.oom)
        http_error(&r, 500, "out of memory");
    else {
        http_req q = {c, conn, method, url + strlen(rq->rt->path), bk_buf_cstr(&rq->body),
                      rq->body.len};
        r.status = 500;
        rq->rt->fn(&q, &r);
    }
    return send_resp(conn, rq->rt->ep, &r);
}

/* on_completed - the request is over: free its state */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *rq = *con_cls;
    if (rq) {
        bk_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* on_connection - count the connections that open */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        metrics_connection(VIA_HTTP, 0);
}

serve_http *serve_http_start(int fd, serve_ctx *c, unsigned threads, unsigned max_conns,
                             char *err, size_t errlen)
{
    serve_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->c = c;
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO, 0,
                            NULL, NULL, on_request, c, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
                            max_conns, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "libmicrohttpd could not start");
        free(h);
        return NULL;
    }
    return h;
}

void serve_http_stop(serve_http *h)
{
    if (h) {
        MHD_stop_daemon(h->d);
        free(h);
    }
}
