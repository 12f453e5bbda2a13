/*
 * serve_pool.c - the store handles of bouncekit serve. A handle is used by
 * one thread at a time; the pool hands out free ones, opens new ones up to
 * its size, and makes a caller wait a bounded time when all are out, so a
 * request never hangs on the store. Handles stay open and share one
 * lookup snapshot (bk_lookup_cache); a broken one is closed and opened
 * again when needed. A handle given back reports its writes to the cache
 * first, so the answer to a write goes out after every lookup sees it.
 */
#include "serve.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct serve_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *db;
    bk_policy policy;
    bk_lookup_cache *cache;
    size_t size, open;             /* most handles, handles open (free or out) */
    bk_store **free_list;
    size_t n_free;
};

serve_pool *serve_pool_new(const char *db, const bk_policy *policy, bk_lookup_cache *cache,
                           size_t n)
{
    serve_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->free_list = calloc(n ? n : 1, sizeof *p->free_list);
    p->db = db ? strdup(db) : NULL;
    if (!p->free_list || (db && !p->db)) {
        free(p->free_list);
        free(p->db);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->policy = *policy;
    p->cache = cache;
    p->size = n ? n : 1;
    return p;
}

/* deadline - now + ms as an absolute CLOCK_REALTIME time */
static struct timespec deadline(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

bk_store *serve_pool_get(serve_pool *p, int wait_ms, char *err, size_t errlen)
{
    struct timespec until = deadline(wait_ms);
    pthread_mutex_lock(&p->mu);
    while (!p->n_free && p->open == p->size) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            snprintf(err, errlen, "every store handle is busy (waited %d ms)", wait_ms);
            return NULL;
        }
    }
    if (p->n_free) {
        bk_store *s = p->free_list[--p->n_free];
        pthread_mutex_unlock(&p->mu);
        return s;
    }
    p->open++; /* a slot for a new handle, opened outside the lock */
    pthread_mutex_unlock(&p->mu);
    bk_store *s = bk_store_open(p->db, &p->policy, err, errlen);
    if (s && p->cache && bk_store_share_lookups(s, p->cache) != 0) {
        bk_store_close(s);
        s = NULL;
        snprintf(err, errlen, "out of memory");
    }
    if (!s) {
        pthread_mutex_lock(&p->mu);
        p->open--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return s;
}

void serve_pool_put(serve_pool *p, bk_store *s, int broken)
{
    bk_store_lookups_sync(s);
    if (broken)
        bk_store_close(s);
    else
        bk_store_idle(s);
    pthread_mutex_lock(&p->mu);
    if (broken)
        p->open--;
    else
        p->free_list[p->n_free++] = s;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void serve_pool_free(serve_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_free; i++)
        bk_store_close(p->free_list[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->free_list);
    free(p->db);
    free(p);
}
