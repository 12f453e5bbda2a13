/*
 * snapshot.c - the lookup snapshot: a Bloom filter of every suppressed key
 * (addresses, and domains marked apart) and of every allow-list key (marked
 * apart again), about 12 bits and 8 probes per key (under 0.5 % false
 * positives). A "no" is certain: the check answers at once, or asks the
 * backend only for what is still in doubt; a "maybe" is confirmed by the
 * backend. store's check.c decides when to build and rebuild it.
 */
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8

struct bk_snapshot {
    uint64_t *bits;
    uint64_t mask; /* bits - 1; a power of two */
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

/* probe - the i-th bit of a hash (double hashing) */
static uint64_t probe(uint64_t h, unsigned i, uint64_t mask)
{
    uint64_t h2 = (h >> 32) | 1;
    return (h + i * h2 * 0x9E3779B97F4A7C15ULL) & mask;
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
    if (sn && !(sn->bits = calloc(nbits / 64, sizeof *sn->bits))) {
        free(sn);
        sn = NULL;
    }
    if (!sn) {
        free(hs.h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sn->mask = nbits - 1;
    for (size_t k = 0; k < hs.n; k++)
        for (unsigned i = 0; i < PROBES; i++) {
            uint64_t b = probe(hs.h[k], i, sn->mask);
            sn->bits[b >> 6] |= 1ULL << (b & 63);
        }
    free(hs.h);
    return sn;
}

int bk_snapshot_maybe(const bk_snapshot *sn, const char *key, int kind)
{
    uint64_t h = key_hash(key, kind);
    for (unsigned i = 0; i < PROBES; i++) {
        uint64_t b = probe(h, i, sn->mask);
        if (!(sn->bits[b >> 6] & (1ULL << (b & 63))))
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
