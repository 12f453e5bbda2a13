/*
 * manage.c - the suppression list by hand: add and remove entries (an
 * address, or "@domain" for a whole domain), the allow-list, and reading
 * it back: list (filtered, paged), the history of an address, statistics.
 * Each write is its own transaction unless a batch is open.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

/* write_begin - a transaction of its own for one write unless a batch is open */
static int write_begin(bk_store *s, int *own, char *err, size_t errlen)
{
    bk_store_touched(s);
    *own = !bk_store_in_batch(s);
    return *own ? bk_store_begin(s, err, errlen) : 0;
}

/* write_end - commit the write's own transaction, or roll it back on failure */
static int write_end(bk_store *s, int own, int rc, char *err, size_t errlen)
{
    if (!own)
        return rc;
    if (rc < 0) {
        bk_store_rollback(s);
        return rc;
    }
    return bk_store_commit(s, err, errlen) == 0 ? rc : -1;
}

/* open_entry - normalise key, open the write, and read its entry (a fresh
 * one when missing): 1 found, 0 fresh, -1 (err) */
static int open_entry(bk_store *s, const char *key, bk_store_entry *en, int *own, char *err,
                      size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    char norm[BK_ADDR_MAX];
    int domain;
    if (bk_store_split_key(s, key, norm, sizeof norm, &domain, err, errlen) != 0 ||
        write_begin(s, own, err, errlen) != 0)
        return -1;
    int rc = be->entry_get(db, domain, norm, en, err, errlen);
    if (rc == 0) {
        memset(en, 0, sizeof *en);
        snprintf(en->key, sizeof en->key, "%s", norm);
        en->domain = domain;
    }
    return rc;
}

int bk_store_add(bk_store *s, const char *key, const bk_store_entry *e, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    long long now = bk_store_now();
    bk_store_entry en;
    int own = 0, rc = open_entry(s, key, &en, &own, err, errlen);
    if (rc >= 0) {
        if (e->created)
            en.created = e->created;
        else if (!bk_store_entry_active(&en, now))
            en.created = now;
        en.suppressed = 1;
        en.expires = e->expires;
        snprintf(en.reason, sizeof en.reason, "%s", e->reason[0] ? e->reason : "manual");
        snprintf(en.source, sizeof en.source, "%s", e->source[0] ? e->source : "manual");
        if (e->note[0])
            snprintf(en.note, sizeof en.note, "%s", e->note);
        rc = be->entry_put(db, &en, err, errlen);
    }
    return write_end(s, own, rc < 0 ? -1 : 0, err, errlen);
}

int bk_store_remove(bk_store *s, const char *key, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    long long now = bk_store_now();
    bk_store_entry en;
    int own = 0, rc = open_entry(s, key, &en, &own, err, errlen);
    if (rc > 0) {
        rc = bk_store_entry_active(&en, now);
        en.suppressed = 0;
        en.expires = 0;
        en.cleared = now;
        if (be->entry_put(db, &en, err, errlen) != 0)
            rc = -1;
    }
    return write_end(s, own, rc, err, errlen);
}

/* allow_key - the allow-list form of key: the address, or "@domain" */
static int allow_key(bk_store *s, const char *key, char *out, size_t outlen, char *err,
                     size_t errlen)
{
    int domain;
    if (bk_store_split_key(s, key, out + 1, outlen - 1, &domain, err, errlen) != 0)
        return -1;
    if (domain)
        out[0] = '@';
    else
        memmove(out, out + 1, strlen(out + 1) + 1);
    return 0;
}

int bk_store_allow(bk_store *s, const char *key, const char *note, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    char k[BK_ADDR_MAX + 1];
    if (allow_key(s, key, k, sizeof k, err, errlen) != 0)
        return -1;
    bk_store_touched(s);
    return be->allow_put(db, k, note ? note : "", bk_store_now(), err, errlen);
}

int bk_store_disallow(bk_store *s, const char *key, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    char k[BK_ADDR_MAX + 1];
    if (allow_key(s, key, k, sizeof k, err, errlen) != 0)
        return -1;
    bk_store_touched(s);
    return be->allow_del(db, k, err, errlen);
}

int bk_store_allow_list(bk_store *s,
                        int (*fn)(const char *key, const char *note, long long created, void *ctx),
                        void *ctx, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    return be->allow_each(db, fn, ctx, err, errlen);
}

int bk_store_list(bk_store *s, const bk_store_filter *f, bk_store_entry_fn fn, void *ctx,
                  char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    bk_store_filter g = *f;
    char dom[BK_ADDR_MAX];
    if (g.domain) {
        if (bk_domain_normalize(g.domain, strlen(g.domain), dom, sizeof dom, err, errlen) != 0)
            return -1;
        g.domain = dom;
    }
    if (!g.now)
        g.now = bk_store_now();
    return be->entry_each(db, &g, fn, ctx, err, errlen);
}

int bk_store_history(bk_store *s, const char *address, bk_store_event_fn fn, void *ctx,
                     bk_store_entry *entry, int *found, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    char norm[BK_ADDR_MAX];
    int domain;
    if (bk_store_split_key(s, address, norm, sizeof norm, &domain, err, errlen) != 0)
        return -1;
    int rc = be->entry_get(db, domain, norm, entry, err, errlen);
    if (rc < 0)
        return -1;
    *found = rc;
    if (rc == 0) {
        memset(entry, 0, sizeof *entry);
        snprintf(entry->key, sizeof entry->key, "%s", norm);
        entry->domain = domain;
    }
    return domain ? 0 : be->event_each(db, norm, fn, ctx, err, errlen);
}

int bk_store_stats_get(bk_store *s, long long now, bk_store_stats *out, bk_store_row_fn fn,
                       void *ctx, char *err, size_t errlen)
{
    void *db;
    const bk_store_backend *be = bk_store_be(s, &db);
    return be->stats(db, now ? now : bk_store_now(), out, fn, ctx, err, errlen);
}
