/*
 * serve_metrics.c - the counters of bouncekit serve and their rendering in
 * the Prometheus text exposition format (GET /metrics): HTTP requests by
 * endpoint and status, suppression lookups and suppressed answers by
 * protocol, store errors, connections, uptime. Counters are C11 atomics,
 * updated by every worker thread without locks.
 */
#include "serve.h"

#include <stdatomic.h>
#include <time.h>

#define STATUS_MAX 600

static atomic_ullong requests[EP_COUNT][STATUS_MAX];
static atomic_ullong lookups[VIA_COUNT], suppressed_answers[VIA_COUNT];
static atomic_ullong connections[VIA_COUNT], refused[VIA_COUNT];
static atomic_ullong store_errors;
static struct timespec started;

static const char *const EP_NAMES[EP_COUNT] = {
    "classify", "explain", "decode", "suppression", "suppressions", "events",
    "webhooks", "stats", "healthz", "metrics", "codes", "other"};
static const char *const VIA_NAMES[VIA_COUNT] = {"http", "socketmap", "policy"};

void metrics_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &started);
}

void metrics_request(int ep, int status)
{
    if (ep >= 0 && ep < EP_COUNT && status > 0 && status < STATUS_MAX)
        atomic_fetch_add_explicit(&requests[ep][status], 1, memory_order_relaxed);
}

void metrics_lookup(int via, int suppressed)
{
    atomic_fetch_add_explicit(&lookups[via], 1, memory_order_relaxed);
    if (suppressed)
        atomic_fetch_add_explicit(&suppressed_answers[via], 1, memory_order_relaxed);
}

void metrics_store_error(void)
{
    atomic_fetch_add_explicit(&store_errors, 1, memory_order_relaxed);
}

void metrics_connection(int via, int was_refused)
{
    atomic_fetch_add_explicit(was_refused ? &refused[via] : &connections[via], 1,
                              memory_order_relaxed);
}

/* per_via - one counter family by protocol */
static void per_via(bk_buf *out, const char *name, const char *help, atomic_ullong *v)
{
    bk_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (int i = 0; i < VIA_COUNT; i++)
        bk_buf_printf(out, "%s{via=\"%s\"} %llu\n", name, VIA_NAMES[i],
                      (unsigned long long)atomic_load(&v[i]));
}

void metrics_render(bk_buf *out)
{
    bk_buf_puts(out, "# HELP bouncekit_http_requests_total HTTP requests by endpoint and status.\n"
                     "# TYPE bouncekit_http_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        for (int s = 0; s < STATUS_MAX; s++) {
            unsigned long long n = atomic_load(&requests[e][s]);
            if (n)
                bk_buf_printf(out, "bouncekit_http_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
                              EP_NAMES[e], s, n);
        }
    per_via(out, "bouncekit_lookups_total", "Suppression lookups.", lookups);
    per_via(out, "bouncekit_suppressed_answers_total", "Lookups that answered suppressed.",
            suppressed_answers);
    per_via(out, "bouncekit_connections_total", "Connections accepted.", connections);
    per_via(out, "bouncekit_connections_refused_total", "Connections refused over the limit.",
            refused);
    bk_buf_printf(out, "# HELP bouncekit_store_errors_total Store failures and timeouts.\n"
                       "# TYPE bouncekit_store_errors_total counter\n"
                       "bouncekit_store_errors_total %llu\n",
                  (unsigned long long)atomic_load(&store_errors));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double up = (double)(now.tv_sec - started.tv_sec) + (double)(now.tv_nsec - started.tv_nsec) / 1e9;
    bk_buf_printf(out, "# HELP bouncekit_uptime_seconds Seconds since the server started.\n"
                       "# TYPE bouncekit_uptime_seconds gauge\n"
                       "bouncekit_uptime_seconds %.3f\n", up);
}
