/*
 * snapshot.c - the lookup snapshot: Bloom filters of every suppressed key
 * and of every allow-list key, 12 to 24 bits and 8 probes per key. The
 * addresses have a filter of their own; the suppressed domains and the
 * allow-list keys (each kind marked apart), far fewer, share a second one
 * that stays in the processor's cache, so a check that must rule them out
 * pays one miss, for its address, not three. Each filter is blocked: the 8
 * probes of a key fall in one 64-byte block (one cache line) chosen by its
 * hash, so a test costs one memory access, not eight; false positives stay
 * under 0.6 %. An empty filter answers "no" without a look. A "no" is
 * certain: the check answers at once, or asks the backend only for what is
 * still in doubt; a "maybe" is confirmed by the backend. store's check.c
 * (one handle) and lookup_cache.c (a service's handles) decide when to
 * build it.
 */
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8
#define BLOCK_WORDS 8 /* 512 bits: one cache line */

typedef struct {
    uint64_t *bits;
    uint64_t blocks_mask; /* blocks - 1; a power of two */
    size_t keys;
} filter;

struct bk_snapshot {
    filter addresses; /* kind 0 */
    filter others;    /* kinds 1 (domains) and 2 (the allow-list) */
};

typedef struct {
    uint64_t *h;
    size_t n, cap;
} hash_list;

typedef struct {
    hash_list addresses, others;
    int oom;
} hashes;

/* key_hash - FNV-1a over the key and a mark of its kind, then a 64-bit finaliser */
static uint64_t key_hash(const char *key, int kind)
{
    static const uint64_t MARK[3] = {0x3b, 0x9d, 0x5e};
    uint64_t h = 1469598103934665603ULL ^ MARK[(unsigned)kind % 3];
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* collect_kind - keep the hash of a key of a kind, in the list of its filter */
static void collect_kind(const char *key, int kind, void *ctx)
{
    hashes *hs = ctx;
    hash_list *l = kind == 0 ? &hs->addresses : &hs->others;
    if (hs->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        uint64_t *h = realloc(l->h, cap * sizeof *h);
        if (!h) {
            hs->oom = 1;
            return;
        }
        l->h = h;
        l->cap = cap;
    }
    l->h[l->n++] = key_hash(key, kind);
}

/* collect_allowed - allow_each callback: keep the hash of the key */
static int collect_allowed(const char *key, const char *note, long long created, void *ctx)
{
    (void)note;
    (void)created;
    collect_kind(key, 2, ctx);
    return 0;
}

/* block_of - the first word of a hash's block */
static uint64_t *block_of(const filter *f, uint64_t h)
{
    return f->bits + ((h >> 40) & f->blocks_mask) * BLOCK_WORDS;
}

/* probe - the i-th bit (0-511) of a hash h in its block: 9 bits each of
 * g, a second mix of it, and for the last the low bits of h (the block
 * is chosen by its high bits) */
static unsigned probe(uint64_t h, uint64_t g, unsigned i)
{
    return (unsigned)(i < PROBES - 1 ? g >> (9 * i) : h) & 511;
}

/* second - the second mix of a hash, for the probes inside a block */
static uint64_t second(uint64_t h)
{
    h *= 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

/* filter_fill - a filter of the hashes of l; -1 when out of memory */
static int filter_fill(filter *f, const hash_list *l)
{
    uint64_t nbits = 1024;
    while (nbits < (uint64_t)l->n * 12)
        nbits <<= 1;
    if (!(f->bits = aligned_alloc(64, nbits / 8)))
        return -1;
    memset(f->bits, 0, nbits / 8);
    f->blocks_mask = nbits / (64 * BLOCK_WORDS) - 1;
    f->keys = l->n;
    for (size_t k = 0; k < l->n; k++) {
        uint64_t *blk = block_of(f, l->h[k]), g = second(l->h[k]);
        for (unsigned i = 0; i < PROBES; i++) {
            unsigned b = probe(l->h[k], g, i);
            blk[b >> 6] |= 1ULL << (b & 63);
        }
    }
    return 0;
}

bk_snapshot *bk_snapshot_build(const bk_store_backend *be, void *db, char *err, size_t errlen)
{
    hashes hs = {{NULL, 0, 0}, {NULL, 0, 0}, 0};
    int rc = be->keys_each(db, collect_kind, &hs, err, errlen) != 0 ||
                     be->allow_each(db, collect_allowed, &hs, err, errlen) != 0
                 ? -1
                 : 0;
    bk_snapshot *sn = rc == 0 && !hs.oom ? calloc(1, sizeof *sn) : NULL;
    if (sn && (filter_fill(&sn->addresses, &hs.addresses) != 0 ||
               filter_fill(&sn->others, &hs.others) != 0)) {
        bk_snapshot_free(sn);
        sn = NULL;
    }
    free(hs.addresses.h);
    free(hs.others.h);
    if (!sn && rc == 0)
        snprintf(err, errlen, "out of memory");
    return sn;
}

int bk_snapshot_maybe(const bk_snapshot *sn, const char *key, int kind)
{
    const filter *f = kind == 0 ? &sn->addresses : &sn->others;
    if (!f->keys)
        return 0;
    uint64_t h = key_hash(key, kind), g = second(h);
    const uint64_t *blk = block_of(f, h);
    for (unsigned i = 0; i < PROBES; i++) {
        unsigned b = probe(h, g, i);
        if (!(blk[b >> 6] & (1ULL << (b & 63))))
            return 0;
    }
    return 1;
}

void bk_snapshot_free(bk_snapshot *sn)
{
    if (sn) {
        free(sn->addresses.bits);
        free(sn->others.bits);
        free(sn);
    }
}
