/*
 * lookup_cache.c - one lookup snapshot (snapshot.c) shared by every handle
 * of a service (bk_lookup_cache), built off the request path. A thread of
 * its own, with a handle of its own, builds the snapshot and swaps it in
 * whole (a pointer and a reference count: a handle keeps the snapshot it
 * took until it sees a newer one; the last reference frees it). No lookup
 * ever waits for a build.
 *
 * Exactness: a counter of known changes. It moves when a handle attached
 * to the cache wrote (bk_store_lookups_sync, or that handle's next check),
 * and when the builder's handle sees another connection's commit in the
 * backend's generation, looked at every POLL_MS. A snapshot covers the
 * changes counted before its scan began; while the current one covers
 * fewer than are known, checks go to the backend (always right, only
 * slower). So a write acknowledged by this process shows in every lookup
 * at once, another process's within POLL_MS. A build starts when a change
 * is known and the last build ended at least REST times its cost ago (the
 * builder takes at most a third of a core under a steady stream of writes).
 */
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POLL_MS 10
#define REST 2.0
#define RETRY_S 1.0 /* after a failed build */

typedef struct bk_shared_snapshot {
    bk_snapshot *sn;
    unsigned long long covers; /* the changes counted when its scan began */
    atomic_long refs;
} shared_snap;

struct bk_lookup_cache {
    bk_store *own;             /* the builder's handle */
    pthread_t th;
    pthread_mutex_t mu;        /* guards current's swap and the references taken of it */
    pthread_cond_t cv;
    _Atomic(shared_snap *) current;
    atomic_ullong changes;
    int stop, hold;
    long long generation;      /* the backend's, when the current scan began */
    double next_build;         /* monotonic time the next build may start */
};

/* release - drop a reference; the last frees the snapshot */
static void release(shared_snap *ss)
{
    if (ss && atomic_fetch_sub(&ss->refs, 1) == 1) {
        bk_snapshot_free(ss->sn);
        free(ss);
    }
}

/* wait_until - sleep on the condition (a monotonic clock's) until
 * monotonic time t, or a signal */
static void wait_until(bk_lookup_cache *c, double t)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

/* build - scan the backend and publish the snapshot (called unlocked,
 * returns locked) */
static void build(bk_lookup_cache *c)
{
    void *db;
    const bk_store_backend *be = bk_store_be(c->own, &db);
    unsigned long long covers = atomic_load(&c->changes); /* before the scan begins */
    long long gen = be->generation(db);
    double t0 = bk_store_mono();
    char err[256];
    bk_snapshot *sn = bk_snapshot_build(be, db, err, sizeof err);
    shared_snap *ss = sn ? calloc(1, sizeof *ss) : NULL;
    double t1 = bk_store_mono();
    pthread_mutex_lock(&c->mu);
    if (!ss) {
        bk_snapshot_free(sn);
        c->next_build = t1 + RETRY_S; /* checks go to the backend meanwhile */
        return;
    }
    ss->sn = sn;
    ss->covers = covers;
    atomic_init(&ss->refs, 1); /* the cache's own */
    shared_snap *old = atomic_load(&c->current);
    atomic_store(&c->current, ss);
    c->generation = gen;
    c->next_build = t1 + REST * (t1 - t0);
    release(old);
}

/* stale - 1 when a change is known that the current snapshot does not cover */
static int stale(bk_lookup_cache *c)
{
    shared_snap *ss = atomic_load(&c->current);
    return !ss || ss->covers != atomic_load(&c->changes);
}

/* builder - the cache's thread: watch for changes, build when due */
static void *builder(void *arg)
{
    bk_lookup_cache *c = arg;
    void *db;
    const bk_store_backend *be = bk_store_be(c->own, &db);
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->hold && stale(c) && bk_store_mono() >= c->next_build) {
            pthread_mutex_unlock(&c->mu);
            build(c); /* returns locked */
            pthread_cond_broadcast(&c->cv);
            continue;
        }
        double until = bk_store_mono() + POLL_MS / 1000.0;
        if (!c->hold && stale(c) && c->next_build < until)
            until = c->next_build;
        wait_until(c, until);
        if (c->stop)
            break;
        pthread_mutex_unlock(&c->mu);
        long long gen = be->generation(db);
        pthread_mutex_lock(&c->mu);
        if (gen != c->generation && atomic_load(&c->current)) {
            c->generation = gen;
            atomic_fetch_add(&c->changes, 1); /* another connection committed */
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

bk_lookup_cache *bk_lookup_cache_new(const char *spec, const bk_policy *policy, char *err,
                                     size_t errlen)
{
    bk_lookup_cache *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(c->own = bk_store_open(spec, policy, err, errlen))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&c->current, NULL);
    atomic_init(&c->changes, 0);
    if (pthread_create(&c->th, NULL, builder, c) != 0) {
        snprintf(err, errlen, "cannot start the lookup snapshot's thread");
        bk_store_close(c->own);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free(c);
        return NULL;
    }
    return c;
}

void bk_lookup_cache_free(bk_lookup_cache *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    release(atomic_load(&c->current));
    bk_store_close(c->own);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

void bk_lookup_cache_changed(bk_lookup_cache *c)
{
    atomic_fetch_add(&c->changes, 1);
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

const bk_snapshot *bk_lookup_cache_get(bk_lookup_cache *c, bk_lookup_ref *held)
{
    shared_snap *ss = atomic_load_explicit(&c->current, memory_order_acquire);
    if (ss != *held) {
        pthread_mutex_lock(&c->mu); /* the swap cannot free it while we take it */
        ss = atomic_load(&c->current);
        if (ss)
            atomic_fetch_add(&ss->refs, 1);
        pthread_mutex_unlock(&c->mu);
        release(*held);
        *held = ss;
    }
    return ss && ss->covers == atomic_load(&c->changes) ? ss->sn : NULL;
}

void bk_lookup_ref_drop(bk_lookup_ref *held)
{
    release(*held);
    *held = NULL;
}

void bk_lookup_cache_hold(bk_lookup_cache *c, int on)
{
    pthread_mutex_lock(&c->mu);
    c->hold = on;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void bk_lookup_cache_wait(bk_lookup_cache *c)
{
    pthread_mutex_lock(&c->mu);
    while (!c->stop && !c->hold && stale(c))
        wait_until(c, bk_store_mono() + 0.1);
    pthread_mutex_unlock(&c->mu);
}
