/*
 * snapshot.c - the lookup snapshot: a Bloom filter of every suppressed key
 * (addresses, and domains marked apart) and of every allow-list key (marked
 * apart again), 12 to 24 bits and 8 probes per key. The filter is blocked:
 * the 8 probes of a key fall in one 64-byte block (one cache line) chosen
 * by its hash, so a test costs one memory access, not eight; false
 * positives stay under 0.6 %. A "no" is certain: the check answers at
 * once, or asks the backend only for what is still in doubt; a "maybe" is
 * confirmed by the backend. store's check.c (one handle) and
 * lookup_cache.c (a service's handles) decide when to build it.
 */
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8
#define BLOCK_WORDS 8 /* 512 bits: one cache line */

struct bk_snapshot {
    uint64_t *bits;
    uint64_t blocks_mask; /* blocks - 1; a power of two */
};

typedef struct {
    uint64_t *h;
    size_t n, cap;
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

/* collect_kind - keep the hash of a key of a kind */
static void collect_kind(const char *key, int kind, void *ctx)
{
    hashes *hs = ctx;
    if (hs->oom)
        return;
    if (hs->n == hs->cap) {
        size_t cap = hs->cap ? hs->cap * 2 : 4096;
        uint64_t *h = realloc(hs->h, cap * sizeof *h);
        if (!h) {
            hs->oom = 1;
            return;
        }
        hs->h = h;
        hs->cap = cap;
    }
    hs->h[hs->n++] = key_hash(key, kind);
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
static uint64_t *block_of(const bk_snapshot *sn, uint64_t h)
{
    return sn->bits + ((h >> 40) & sn->blocks_mask) * BLOCK_WORDS;
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

bk_snapshot *bk_snapshot_build(const bk_store_backend *be, void *db, char *err, size_t errlen)
{
    hashes hs = {NULL, 0, 0, 0};
    if (be->keys_each(db, collect_kind, &hs, err, errlen) != 0 ||
        be->allow_each(db, collect_allowed, &hs, err, errlen) != 0) {
        free(hs.h);
        return NULL;
    }
    bk_snapshot *sn = hs.oom ? NULL : calloc(1, sizeof *sn);
    uint64_t nbits = 1024;
    while (nbits < (uint64_t)hs.n * 12)
        nbits <<= 1;
    if (sn && !(sn->bits = aligned_alloc(64, nbits / 8))) {
        free(sn);
        sn = NULL;
    }
    if (!sn) {
        free(hs.h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memset(sn->bits, 0, nbits / 8);
    sn->blocks_mask = nbits / (64 * BLOCK_WORDS) - 1;
    for (size_t k = 0; k < hs.n; k++) {
        uint64_t *blk = block_of(sn, hs.h[k]), g = second(hs.h[k]);
        for (unsigned i = 0; i < PROBES; i++) {
            unsigned b = probe(hs.h[k], g, i);
            blk[b >> 6] |= 1ULL << (b & 63);
        }
    }
    free(hs.h);
    return sn;
}

int bk_snapshot_maybe(const bk_snapshot *sn, const char *key, int kind)
{
    uint64_t h = key_hash(key, kind), g = second(h);
    const uint64_t *blk = block_of(sn, h);
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
        free(sn->bits);
        free(sn);
    }
}
