/*
 * store.h - what a store backend is. The public bk_store_* functions
 * (store.c, check.c) hold everything backend-neutral: normalisation, the
 * policy and how it changes an entry, batching, the lookup snapshot. A
 * backend keeps rows: events (unique by address and token), entries (addresses and
 * domains), sender problems, the allow-list. A backend is one file that
 * fills bk_store_backend (sqlite_store.c, pg_store.c) and a line in
 * bk_store_open().
 *
 * Every function returns 0 (or a count, or 1 found / 0 not found) and -1 on
 * failure with the reason in err.
 */
#ifndef BK_STORE_H
#define BK_STORE_H

#include "bouncekit.h"

#include <stddef.h>
#include <string.h>

/* bk_store_copy - src into dst of cap bytes, cut to fit and always ended
 * (what snprintf(dst, cap, "%s", src) does, without the format's cost on
 * the paths run for every event and lookup) */
static inline void bk_store_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

typedef struct {
    const char *name;                                  /* "sqlite" */
    void (*close)(void *db);
    int (*begin)(void *db, char *err, size_t errlen);
    int (*commit)(void *db, char *err, size_t errlen);
    void (*rollback)(void *db);
    /* event_add - keep an event for address (normalised); 1 added, 0 the address has its token */
    int (*event_add)(void *db, const bk_event *e, const char *address, long long time,
                     const char *action, char *err, size_t errlen);
    /* event_count - events of address with this action in [since, until] */
    long long (*event_count)(void *db, const char *address, const char *action, long long since,
                             long long until, char *err, size_t errlen);
    /* event_each - the events of address, oldest first */
    int (*event_each)(void *db, const char *address, bk_store_event_fn fn, void *ctx,
                      char *err, size_t errlen);
    /* entry_get - the entry of an address (domain 0) or a domain (1) */
    int (*entry_get)(void *db, int domain, const char *key, bk_store_entry *out, char *err,
                     size_t errlen);
    /* entry_put - write an entry whole (insert or replace) */
    int (*entry_put)(void *db, const bk_store_entry *e, char *err, size_t errlen);
    /* entry_each - entries by filter (f->now set) */
    int (*entry_each)(void *db, const bk_store_filter *f, bk_store_entry_fn fn, void *ctx,
                      char *err, size_t errlen);
    /* keys_each - the key of every entry marked suppressed, expired ones too
     * (the snapshot may then say "maybe" wrongly, never "no") */
    int (*keys_each)(void *db, void (*fn)(const char *key, int domain, void *ctx), void *ctx,
                     char *err, size_t errlen);
    /* sender_add - one more sender problem for (sender domain, reason) at time */
    int (*sender_add)(void *db, const char *domain, const char *reason, long long time,
                      char *err, size_t errlen);
    int (*allow_put)(void *db, const char *key, const char *note, long long time, char *err,
                     size_t errlen);
    int (*allow_del)(void *db, const char *key, char *err, size_t errlen);
    int (*allow_has)(void *db, const char *key, char *err, size_t errlen);
    int (*allow_each)(void *db,
                      int (*fn)(const char *key, const char *note, long long created, void *ctx),
                      void *ctx, char *err, size_t errlen);
    /* stats - totals and breakdown rows (see bk_store_stats_get) */
    int (*stats)(void *db, long long now, bk_store_stats *out, bk_store_row_fn fn, void *ctx,
                 char *err, size_t errlen);
    /* lookup - in one step: the entries of an address and of its domain (found
     * flags in *has), and whether the address or "@domain" is on the allow-list */
    int (*lookup)(void *db, const char *address, const char *domain, bk_store_entry *addr,
                  bk_store_entry *dom, int has[2], int *allowed, char *err, size_t errlen);
    /* address_lookup - (may be NULL) the entry of an address alone, for a
     * lookup whose domain and allow-list the snapshot has ruled out; like
     * lookup, inside a run of lookups; 1 found, 0 not */
    int (*address_lookup)(void *db, const char *address, bk_store_entry *out, char *err,
                          size_t errlen);
    /* generation - a number that changes whenever another connection commits */
    long long (*generation)(void *db);
    /* idle - the handle goes idle: let go of what a run of lookups holds (NULL:
     * nothing to let go of) */
    void (*idle)(void *db);
} bk_store_backend;

/* bk_sqlite_open - the SQLite backend on path (created when missing) */
void *bk_sqlite_open(const char *path, char *err, size_t errlen);
extern const bk_store_backend bk_sqlite_backend;

/* bk_pg_open - the PostgreSQL backend on a postgresql:// URI (libpq parses
 * it); the schema is created or migrated when needed (pg_store.c) */
void *bk_pg_open(const char *uri, char *err, size_t errlen);
extern const bk_store_backend bk_pg_backend;

/* bk_lookup_row - a row of kind (0 address, 1 domain, 2 allow-list) of a
 * backend's lookup: notes it in has/allowed; the entry to fill (cleared,
 * its key set), or NULL for the allow-list */
bk_store_entry *bk_lookup_row(int kind, const char *address, const char *domain,
                              bk_store_entry *addr, bk_store_entry *dom, int has[2], int *allowed);

/* bk_store_now - the current time, seconds since 1970 */
long long bk_store_now(void);

/* bk_store_mono - monotonic seconds, for intervals (snapshot ages, read
 * transactions, the lookup cache's builds) */
double bk_store_mono(void);

/* bk_event_make_token - the token of an event that has none (event.c) */
void bk_event_make_token(bk_event *e);

/* bk_store_split_key - normalise an address, or a domain written "@domain";
 * *domain says which. 0, or -1 with why in err. */
int bk_store_split_key(const bk_store *s, const char *key, char *out, size_t outlen, int *domain,
                       char *err, size_t errlen);

/* bk_store_prepare - the first half of bk_store_ingest, which touches no
 * row: out cleared, then the normalised address, its domain, the time and
 * the policy's action; 1 (out->change INVALID, why in err) when the
 * recipient is not an address, else 0 */
int bk_store_prepare(const bk_store *s, const bk_event *e, bk_ingest_result *out, char *err,
                     size_t errlen);

/* bk_store_apply - the second half, inside a transaction: the event kept
 * and the policy applied to its entry (out filled by bk_store_prepare);
 * token: the one already made for an event without one (NULL: made here);
 * 0 or -1 */
int bk_store_apply(bk_store *s, const bk_event *e, const char *token, bk_ingest_result *out,
                   char *err, size_t errlen);

/* bk_store_db - the backend and its handle of an open store */
const bk_store_backend *bk_store_be(const bk_store *s, void **db);

/* bk_store_in_batch - 1 while a batch is open */
int bk_store_in_batch(const bk_store *s);

/* bk_store_changes - writes through this handle so far (check.c compares) */
unsigned long long bk_store_changes(const bk_store *s);

/* bk_store_check_state - check.c's slot in the handle, freed by bk_store_check_free */
void **bk_store_check_state(bk_store *s);
void bk_store_check_free(void *check);

/* bk_store_touched - own writes happened: the snapshot must be rebuilt */
void bk_store_touched(bk_store *s);

/* the lookup snapshot (snapshot.c): a Bloom filter of the suppressed keys
 * (kind 0 addresses, 1 domains) and of the allow-list's (kind 2) */
typedef struct bk_snapshot bk_snapshot;
/* bk_snapshot_build - scan the backend; NULL on failure (err) */
bk_snapshot *bk_snapshot_build(const bk_store_backend *be, void *db, char *err, size_t errlen);
/* bk_snapshot_maybe - 0 when key of kind (0 address, 1 domain) is surely not
 * suppressed, or (kind 2: an address or "@domain") surely not on the allow-list */
int bk_snapshot_maybe(const bk_snapshot *sn, const char *key, int kind);
/* bk_snapshot_free - release */
void bk_snapshot_free(bk_snapshot *sn);

/* the lookup cache (lookup_cache.c): one snapshot for the handles of a
 * service, built by a thread of its own. A handle holds a reference to the
 * snapshot it last took (bk_lookup_ref, NULL at first). */
typedef struct bk_shared_snapshot *bk_lookup_ref;
/* bk_lookup_cache_get - the snapshot to ask, or NULL to ask the backend
 * (none yet, or it does not cover a change known); moves *held to the
 * newest snapshot */
const bk_snapshot *bk_lookup_cache_get(bk_lookup_cache *c, bk_lookup_ref *held);
/* bk_lookup_ref_drop - let go of the snapshot held */
void bk_lookup_ref_drop(bk_lookup_ref *held);
/* bk_lookup_cache_changed - a change was committed: the snapshot no longer
 * covers it (checks ask the backend until a newer one is in) */
void bk_lookup_cache_changed(bk_lookup_cache *c);
/* bk_lookup_cache_hold - on: build nothing until off (tests) */
void bk_lookup_cache_hold(bk_lookup_cache *c, int on);
/* bk_lookup_cache_wait - until the snapshot covers every change known (or
 * the cache is on hold) */
void bk_lookup_cache_wait(bk_lookup_cache *c);

#endif
