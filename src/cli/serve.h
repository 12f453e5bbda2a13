/*
 * serve.h - what the parts of 'bouncekit serve' share (cmd_serve.c starts
 * them): the settings, the pool of store handles (serve_pool.c), the
 * counters behind /metrics (serve_metrics.c), one suppression check with
 * the action text Postfix is given (serve_check.c), the loopback TCP
 * servers of the socketmap and policy protocols (serve_tcp.c), and the
 * HTTP API (serve_http.c, serve_api.c, serve_lists.c, serve_codes.c).
 */
#ifndef BK_SERVE_H
#define BK_SERVE_H

#include "bouncekit.h"
#include "buf.h"

#include <stddef.h>

/* ---- the store pool: one handle per thread at a time (a handle is not
 * thread-safe); they share one lookup snapshot ---- */
typedef struct serve_pool serve_pool;

/* serve_pool_new - a pool of at most n handles on db with policy, sharing
 * the lookup snapshot of cache (which must outlive the pool; NULL: each
 * keeps its own); NULL when out of memory. Handles are opened when first
 * needed. */
serve_pool *serve_pool_new(const char *db, const bk_policy *policy, bk_lookup_cache *cache,
                           size_t n);
/* serve_pool_get - a handle, waiting at most wait_ms; NULL with why in err
 * when none is free in time or the store cannot be opened */
bk_store *serve_pool_get(serve_pool *p, int wait_ms, char *err, size_t errlen);
/* serve_pool_put - give a handle back (its writes reported to the cache
 * first); broken: close it (reopened when needed) */
void serve_pool_put(serve_pool *p, bk_store *s, int broken);
/* serve_pool_free - close every handle (none may be out) */
void serve_pool_free(serve_pool *p);

/* ---- counters for /metrics ---- */
enum {
    EP_CLASSIFY, EP_EXPLAIN, EP_DECODE, EP_SUPPRESSION, EP_SUPPRESSIONS, EP_EVENTS,
    EP_WEBHOOKS, EP_STATS, EP_HEALTHZ, EP_METRICS, EP_CODES, EP_OTHER, EP_COUNT
};
enum { VIA_HTTP, VIA_SOCKETMAP, VIA_POLICY, VIA_COUNT };

/* metrics_start - remember the start time (uptime) */
void metrics_start(void);
/* metrics_request - one HTTP request to endpoint ep answered with status */
void metrics_request(int ep, int status);
/* metrics_lookup - one suppression lookup through via; suppressed 1 when it said so */
void metrics_lookup(int via, int suppressed);
/* metrics_store_error - the store failed or could not be reached */
void metrics_store_error(void);
/* metrics_connection - a connection of via was opened (+1) or refused (-1: over the limit) */
void metrics_connection(int via, int refused);
/* metrics_render - every counter in the Prometheus text format */
void metrics_render(bk_buf *out);

/* ---- the settings of a running server ---- */
typedef struct {
    serve_pool *pool;
    const bk_classifier *clf;
    const bk_kb *kb;
    const char *token;          /* bearer token of the write endpoints; NULL: none */
    const char *mailgun_key;    /* Mailgun signing key, or NULL */
    const char *sns_certificate; /* PEM file of SNS signing certificates, or NULL */
    const char *policy_action;  /* REJECT, DEFER_IF_PERMIT, DEFER, HOLD, WARN, ... */
    const char *map_action;     /* the same for socketmap answers */
    size_t max_body;            /* bytes of a request body */
    int timeout;                /* seconds a connection may idle */
    int store_wait_ms;          /* how long a request waits for a store handle */
} serve_ctx;

/* ---- one suppression check as Postfix wants it ---- */
typedef enum {
    CHECK_OK = 0,       /* may be sent to */
    CHECK_SUPPRESSED,   /* action holds the text */
    CHECK_INVALID,      /* not an address */
    CHECK_TEMP          /* the store failed or is away: why holds the reason */
} check_answer;

/* serve_check - is address (len bytes) suppressed? With action (the word,
 * e.g. "REJECT") the reply text for Postfix goes to out ("REJECT 5.1.1
 * <a@b>: suppressed (userunknown)"); else the reason. via for the counters. */
check_answer serve_check(const serve_ctx *c, int via, const char *address, size_t len,
                         const char *action, char *out, size_t outlen);

/* serve_check_hold - until serve_check_release, the checks of this thread
 * share one store handle taken at the first of them (one pool round trip
 * and one read transaction for a run of requests answered together) */
void serve_check_hold(void);
/* serve_check_release - give back the handle the checks since
 * serve_check_hold used, if any; checks take a handle each again */
void serve_check_release(void);

/* serve_action_valid - 1 when word is an action serve may give Postfix */
int serve_action_valid(const char *word);

/* ---- loopback TCP servers (socketmap, policy) ---- */
typedef struct serve_tcp serve_tcp;

/* serve_handler - complete requests at the start of in (len bytes): their
 * replies appended to out; returns the bytes used, or -1 to close the
 * connection (malformed input) */
typedef long (*serve_handler)(void *ctx, const char *in, size_t len, bk_buf *out);

/* serve_listen - a listening TCP socket on spec ("HOST:PORT", "[V6]:PORT",
 * "PORT" for 127.0.0.1); -1 with why in err */
int serve_listen(const char *spec, char *err, size_t errlen);

/* serve_tcp_start - serve the connections of listening socket fd with
 * threads epoll workers, at most max_conns connections at once; requests
 * of at most max_request bytes; a connection idle for timeout seconds is
 * closed. NULL (err). */
serve_tcp *serve_tcp_start(int fd, int via, size_t threads, size_t max_conns, size_t max_request,
                           int timeout, serve_handler fn, void *ctx, char *err, size_t errlen);
/* serve_tcp_stop - close the socket and every connection, wait for the threads */
void serve_tcp_stop(serve_tcp *t);

/* socketmap_handler - the socketmap_table(5) protocol (serve_socketmap.c); ctx a serve_ctx */
long socketmap_handler(void *ctx, const char *in, size_t len, bk_buf *out);
/* policy_handler - the SMTPD_POLICY_README protocol (serve_policy.c); ctx a serve_ctx */
long policy_handler(void *ctx, const char *in, size_t len, bk_buf *out);

/* ---- the HTTP API ---- */
typedef struct serve_http serve_http;

/* serve_http_start - the HTTP API on listening socket fd with threads
 * workers and at most max_conns connections; NULL (err) */
serve_http *serve_http_start(int fd, serve_ctx *c, unsigned threads, unsigned max_conns,
                             char *err, size_t errlen);
/* serve_http_stop - stop and release */
void serve_http_stop(serve_http *h);

#endif
