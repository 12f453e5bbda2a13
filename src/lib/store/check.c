/*
 * check.c - may this address be sent to? The allow-list wins; then an
 * active suppression of the address, then one of its domain.
 *
 * After SNAPSHOT_AFTER checks on one handle (a batch of lookups, a server)
 * a Bloom filter of the suppressed keys (snapshot.c) answers the common
 * "not suppressed" without the backend. It is rebuilt when this handle
 * writes, and when another connection's commit shows in the backend's
 * generation, looked at no more than every GENERATION_EVERY seconds (so
 * another process's change shows within that time). While a rebuild would
 * cost more than a tenth of the time since the last one, checks go to the
 * backend instead: always right, only slower. When the filter says the
 * address may be suppressed but rules out its domain and both of its
 * allow-list keys, a backend that can (address_lookup) reads the address's
 * entry alone: one index probe instead of four.
 *
 * A handle shared into a lookup cache (lookup_cache.c: a service's pool)
 * keeps no snapshot of its own: it takes the cache's, which a thread of the
 * cache rebuilds; the handle's own writes are counted there as changes.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#define SNAPSHOT_AFTER 64
#define GENERATION_EVERY 0.01

typedef struct {
    unsigned long checks;
    bk_lookup_cache *cache;          /* shared; then snap stays NULL */
    bk_lookup_ref held;              /* the cache's snapshot taken last */
    bk_snapshot *snap;
    long long generation;            /* the backend's, when built */
    unsigned long long changes;      /* own writes, when built */
    double built_at, build_cost, generation_at;
    int behind;                      /* a change was seen since it was built */
} check_state;

void bk_store_check_free(void *check)
{
    check_state *cs = check;
    if (cs) {
        bk_lookup_ref_drop(&cs->held);
        bk_snapshot_free(cs->snap);
        free(cs);
    }
}

/* state - check.c's state of a handle, made when first needed; NULL when out of memory */
static check_state *state(bk_store *s)
{
    void **slot = bk_store_check_state(s);
    if (!*slot)
        *slot = calloc(1, sizeof(check_state));
    return *slot;
}

int bk_store_share_lookups(bk_store *s, bk_lookup_cache *c)
{
    check_state *cs = state(s);
    if (!cs)
        return -1;
    bk_snapshot_free(cs->snap);
    cs->snap = NULL;
    cs->cache = c;
    cs->changes = bk_store_changes(s);
    return 0;
}

void bk_store_lookups_sync(bk_store *s)
{
    check_state *cs = *bk_store_check_state(s);
    if (cs && cs->cache && cs->changes != bk_store_changes(s)) {
        cs->changes = bk_store_changes(s);
        bk_lookup_cache_changed(cs->cache);
    }
}

/* snapshot - the snapshot to ask, or NULL to ask the backend */
static const bk_snapshot *snapshot(bk_store *s)
{
    check_state *cs = state(s);
    if (!cs || bk_store_in_batch(s))
        return NULL;
    if (cs->cache) {
        bk_store_lookups_sync(s);
        return bk_lookup_cache_get(cs->cache, &cs->held);
    }
    if (++cs->checks < SNAPSHOT_AFTER)
        return NULL;
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    double t = bk_store_mono();
    if (cs->snap && !cs->behind && cs->changes == bk_store_changes(s)) {
        if (t - cs->generation_at < GENERATION_EVERY)
            return cs->snap;
        cs->generation_at = t;
        if (be->generation(db) == cs->generation)
            return cs->snap;
    }
    cs->behind = 1; /* until rebuilt, even within GENERATION_EVERY */
    if (cs->snap && t - cs->built_at < 10 * cs->build_cost)
        return NULL;
    bk_snapshot_free(cs->snap);
    char err[256];
    cs->generation = be->generation(db);
    cs->changes = bk_store_changes(s);
    cs->snap = bk_snapshot_build(be, db, err, sizeof err);
    cs->behind = !cs->snap;
    cs->built_at = cs->generation_at = bk_store_mono();
    cs->build_cost = cs->built_at - t;
    return cs->snap;
}

/* allow_maybe - 1 unless the snapshot rules out both allow-list keys of
 * the address ("user@domain" and "@domain") */
static int allow_maybe(const bk_snapshot *sn, const char *address, const char *domain)
{
    if (bk_snapshot_maybe(sn, address, 2))
        return 1;
    char at[BK_ADDR_MAX + 1];
    at[0] = '@';
    bk_store_copy(at + 1, sizeof at - 1, domain);
    return bk_snapshot_maybe(sn, at, 2);
}

/* address_only - the check when only the address's own entry can matter */
static int address_only(const bk_store_backend *be, void *db, long long now,
                        bk_check_result *out, char *err, size_t errlen)
{
    int rc = be->address_lookup(db, out->address, &out->entry, err, errlen);
    if (rc < 0)
        return -1;
    if (!rc || !bk_store_entry_active(&out->entry, now)) {
        memset(&out->entry, 0, sizeof out->entry);
        return 0;
    }
    out->suppressed = 1;
    return 0;
}

int bk_store_check(bk_store *s, const char *address, long long now, bk_check_result *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (bk_address_normalize(address, strlen(address), bk_store_policy(s)->fold_plus,
                             out->address, sizeof out->address, err, errlen) != 0)
        return 1;
    const char *domain = strrchr(out->address, '@') + 1;
    const bk_snapshot *sn = snapshot(s);
    int by_domain = sn ? bk_snapshot_maybe(sn, domain, 1) : 1;
    if (sn && !by_domain && !bk_snapshot_maybe(sn, out->address, 0))
        return 0;
    if (!now)
        now = bk_store_now();
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    if (!by_domain && be->address_lookup && !allow_maybe(sn, out->address, domain))
        return address_only(be, db, now, out, err, errlen);
    bk_store_entry dom;
    int has[2], allowed;
    if (be->lookup(db, out->address, domain, &out->entry, &dom, has, &allowed, err, errlen) != 0)
        return -1;
    if (!has[0] || !bk_store_entry_active(&out->entry, now)) {
        if (!has[1] || !bk_store_entry_active(&dom, now)) {
            memset(&out->entry, 0, sizeof out->entry);
            return 0;
        }
        out->entry = dom;
        out->by_domain = 1;
    }
    out->allowed = allowed;
    out->suppressed = !allowed;
    return 0;
}
