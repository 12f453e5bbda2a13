/*
 * serve_http.h - one HTTP request and its answer, as the handlers of the
 * API see them (serve_api.c, serve_lists.c, serve_codes.c); serve_http.c
 * reads requests with libmicrohttpd, checks limits and the token, and
 * routes each to its handler.
 */
#ifndef BK_SERVE_HTTP_H
#define BK_SERVE_HTTP_H

#include "serve.h"

#include <jansson.h>
#include <microhttpd.h>

typedef struct {
    const serve_ctx *c;
    struct MHD_Connection *conn;
    const char *method;
    const char *rest;          /* the path after the endpoint's prefix */
    const char *body;          /* NUL-terminated; may hold NUL bytes */
    size_t len;
} http_req;

typedef struct {
    int status;
    const char *type;          /* Content-Type; JSON when NULL */
    bk_buf body;
    const char *allow;         /* Allow header of a 405 */
    const char *location;      /* Location header of a redirect */
} http_resp;

/* http_json - answer with status and JSON object o (taken over) */
void http_json(http_resp *r, int status, json_t *o);
/* http_error - answer {"error": message} with status */
void http_error(http_resp *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* http_arg - a query argument, or NULL */
const char *http_arg(const http_req *q, const char *name);
/* http_body_json - the body parsed as JSON; NULL after answering 400 */
json_t *http_body_json(const http_req *q, http_resp *r);

/* http_store - a store handle from the pool (give it back with
 * serve_pool_put), or NULL after answering 503 */
bk_store *http_store(const http_req *q, http_resp *r);

/* http_store_failed - the store failed (err): counted, answered 503 */
void http_store_failed(http_resp *r, const char *err);

/* the handlers */
void api_classify(const http_req *q, http_resp *r);
void api_explain(const http_req *q, http_resp *r);
void api_decode(const http_req *q, http_resp *r);
void api_stats(const http_req *q, http_resp *r);
void api_healthz(const http_req *q, http_resp *r);
void lists_one(const http_req *q, http_resp *r);
void lists_all(const http_req *q, http_resp *r);
void lists_events(const http_req *q, http_resp *r);
void lists_webhook(const http_req *q, http_resp *r);
void codes_page(const http_req *q, http_resp *r);
void codes_redirect(const http_req *q, http_resp *r);

#endif
