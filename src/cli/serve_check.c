/*
 * serve_check.c - one suppression check for the Postfix servers
 * (socketmap, policy): a store handle from the pool within a bounded wait,
 * bk_store_check, and the reply text Postfix is given for a suppressed
 * recipient, "ACTION CODE <address>: suppressed (reason, source)", with an
 * enhanced code of the action's class (5.1.1 for a refusal, 4.1.1 for a
 * deferral; 5.1.2/4.1.2 when the whole domain is suppressed).
 *
 * A TCP worker answers the requests one epoll wake-up brought with one
 * handle (serve_check_hold/serve_check_release): the pool's lock once per
 * run, not per lookup, and the store keeps one read transaction across
 * the run (it renews it after 10 ms, so another connection's commit shows
 * within that, the bound the lookup snapshot has too).
 */
#include "serve.h"

#include <stdio.h>
#include <string.h>

/* the handle this thread holds across a run of checks */
static _Thread_local struct {
    int holding;
    serve_pool *pool;
    bk_store *s;
} held;

void serve_check_hold(void)
{
    held.holding = 1;
}

void serve_check_release(void)
{
    if (held.s)
        serve_pool_put(held.pool, held.s, 0);
    held.s = NULL;
    held.holding = 0;
}

static const char *const ACTIONS[] = {"REJECT", "DEFER", "DEFER_IF_PERMIT", "HOLD", "WARN",
                                      "DISCARD", NULL};

int serve_action_valid(const char *word)
{
    for (size_t i = 0; ACTIONS[i]; i++)
        if (strcmp(word, ACTIONS[i]) == 0)
            return 1;
    return 0;
}

/* action_text - the reply for a suppressed recipient */
static void action_text(const char *action, const bk_check_result *r, char *out, size_t outlen)
{
    const bk_store_entry *e = &r->entry;
    char why[192];
    snprintf(why, sizeof why, "<%.100s>: recipient suppressed (%s%.24s, %.16s)", r->address,
             r->by_domain ? "domain " : "", e->reason[0] ? e->reason : "manual",
             e->source[0] ? e->source : "manual");
    if (!action) {
        snprintf(out, outlen, "%s", why);
        return;
    }
    const char *cls = !strcmp(action, "REJECT") ? "5" : !strncmp(action, "DEFER", 5) ? "4" : NULL;
    if (cls)
        snprintf(out, outlen, "%s %s.1.%c %s", action, cls, r->by_domain ? '2' : '1', why);
    else
        snprintf(out, outlen, "%s %s", action, why);
}

check_answer serve_check(const serve_ctx *c, int via, const char *address, size_t len,
                         const char *action, char *out, size_t outlen)
{
    char addr[BK_ADDR_MAX + 1], err[256];
    if (len >= sizeof addr || memchr(address, '\0', len)) {
        snprintf(out, outlen, "not an address");
        return CHECK_INVALID;
    }
    memcpy(addr, address, len);
    addr[len] = '\0';
    bk_store *s = held.s ? held.s : serve_pool_get(c->pool, c->store_wait_ms, err, sizeof err);
    if (!s) {
        metrics_store_error();
        snprintf(out, outlen, "suppression list unavailable: %s", err);
        return CHECK_TEMP;
    }
    bk_check_result r;
    int rc = bk_store_check(s, addr, 0, &r, err, sizeof err);
    if (held.holding && rc >= 0) {
        held.s = s;
        held.pool = c->pool;
    } else {
        held.s = NULL;
        serve_pool_put(c->pool, s, rc < 0);
    }
    if (rc < 0) {
        metrics_store_error();
        snprintf(out, outlen, "suppression list unavailable: %s", err);
        return CHECK_TEMP;
    }
    if (rc > 0) {
        snprintf(out, outlen, "%s", err);
        return CHECK_INVALID;
    }
    metrics_lookup(via, r.suppressed);
    if (!r.suppressed)
        return CHECK_OK;
    action_text(action, &r, out, outlen);
    return CHECK_SUPPRESSED;
}
