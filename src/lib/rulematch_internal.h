/*
 * rulematch_internal.h - what the three parts of the matcher share: the
 * compiled matcher itself (built by rulematch.c, kept and read back by
 * rulematch_cache.c, used by rulematch_scan.c), the literal keys' table and
 * the few helpers each part calls.
 */
#ifndef BK_RULEMATCH_INTERNAL_H
#define BK_RULEMATCH_INTERNAL_H

#include "rulematch.h"
#include "factors.h"

#include <hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <string.h>

/* Vectorscan 5.4.9 can miss a literal match that ends in the last few dozen
 * bytes of a scanned buffer (its Teddy literal matcher, in small databases):
 * every scan that can be padded is, with PAD zero bytes after the text, and
 * the matches ending in the padding are dropped. A zero byte is no word
 * character, as the end of the text is not, so \b and \B hold as before;
 * patterns with $, \z or \Z see the text as it is. A literal database of
 * UNPADDED_KEYS keys or more (the built-in rules' 2,700) is no small one: its
 * scan ends with the text (a quarter fewer bytes for a reply of 170; the same
 * keys found at every end of 560,000 prefixes of the mix and the test texts
 * and 300,000 texts made at random), but the padding stays in the buffer for
 * the 8 bytes on_key reads after a key. */
#define PAD 64
#define UNPADDED_KEYS 1024
#define FRONT 8 /* zero bytes before the text: on_key reads the 8 before a key */
_Static_assert(PAD >= 16, "padded_copy lowers the text in blocks of 16 bytes");

/* an entry of lit_pattern: the pattern, and whether the literal is the
 * pattern itself (a direct match, factors_exact) with which boundaries */
#define PAIR_PATTERN 0x1fffffffu
#define PAIR_DIRECT 0x80000000u
#define PAIR_EDGE_SHIFT 29 /* EXACT_BOUNDARY_* bits */

/* how a pattern is matched */
enum {
    WAY_NONE,      /* a code rule: no pattern */
    WAY_DIRECT,    /* its strings, found by the literal scan */
    WAY_CANDIDATE, /* PCRE2, when one of its factors was found */
    WAY_ALWAYS     /* PCRE2 on every text: it has no factors */
};

#define WIDTH_UNBOUNDED UINT32_MAX
#define NO_STOPS UINT32_MAX
#define STOPS_SEEN 4 /* stop bytes looked for (stops.h), the likeliest in replies */

/* a literal of a key, ready to check against the text after the key: its
 * next (up to) 8 bytes as one number, the first the most significant (zero
 * bytes after its end, so that entries in byte order have rising heads), how
 * many of them it has (compact: the scan reads these in a hurry) */
typedef struct {
    uint64_t head;
    uint32_t lit;
    uint8_t len;  /* of the literal from its key on (FACTOR_LEN_MAX at most) */
    uint8_t n;    /* bytes of head that are the literal's */
    uint8_t last; /* 1: the key's last entry */
    uint8_t lead; /* bytes of the literal before its key (key_lead) */
} key_entry;

/* a key's Vectorscan id: where its entries begin and its length (the
 * entries of key j begin at key_start[j], below KEY_ID_MAX) */
#define KEY_ID_SHIFT 8
#define KEY_ID_MAX (1u << (32 - KEY_ID_SHIFT))
#define KEY_ID_LEN ((1u << KEY_ID_SHIFT) - 1)
_Static_assert(FACTOR_LEN_MAX <= KEY_ID_LEN, "a key's length fits in its id");

struct rule_matcher {
    size_t n;               /* patterns: rules, then provider texts */
    hs_database_t *lit;     /* the factors; NULL when none */
    hs_database_t *all;     /* RM_ONE_DB: every pattern in one database */
    int all_at_end;         /* some pattern of all looks at the end of the text */
    unsigned char *way;     /* [n]: WAY_* */
    uint32_t *min_width;    /* [n]: the shortest match, in bytes */
    uint32_t *max_width;    /* [n]: the longest, WIDTH_UNBOUNDED when there is none */
    pcre2_code **re;        /* [n]: the WAY_CANDIDATE and WAY_ALWAYS patterns */
    pcre2_code **re_end;    /* [n]: the same followed by the callout that notes ends */
    int jit;                /* re and re_end are JIT-compiled */
    unsigned char (*stops)[STOPS_SEEN]; /* [n]: bytes a match holds only in its */
    uint32_t *stop_k;                   /* first stop_k[p]; NO_STOPS: none known */
    unsigned *always;       /* the WAY_ALWAYS patterns */
    size_t n_always;
    uint32_t *lit_start;    /* [n_lits + 1]: literal k's patterns are */
    uint32_t *lit_pattern;  /* lit_pattern[lit_start[k] .. lit_start[k + 1]), PAIR_* */
    uint32_t *lit_len;      /* [n_lits] */
    size_t n_lits;
    /* the literal database holds keys: each literal's first KEY_LEN bytes or
     * the whole of a shorter one; a key found is checked for its literals */
    uint32_t *lit_off;      /* [n_lits]: literal k's bytes are lit_bytes[lit_off[k] ..] */
    char *lit_bytes;
    size_t n_lit_bytes;
    uint32_t *key_start;    /* [n_keys + 1]: key j's literals are */
    uint32_t *key_lits;     /* key_lits[key_start[j] .. key_start[j + 1]), in byte order */
    uint32_t *key_len;      /* [n_keys] */
    size_t n_keys;
    key_entry *key_entries; /* [n_lits]: key_lits[i] ready to check (make_entries) */
    uint64_t *lead_word;    /* [n_lits]: the last (up to) 8 bytes of entry i's lead, */
    uint64_t lead_mask[9];  /* as they stand before its key; [lead]: the bytes that count */
    uint64_t head_mask[9];  /* [n]: the bytes of a head that count (be_word) */
    hs_scratch_t *proto;    /* scratch space fit for every database, cloned per thread */
    unsigned long id;       /* tells thread states apart */
};

/* word_at - 8 bytes at p as one word (host order) */
static inline uint64_t word_at(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* be_word - 8 bytes at p as one number, the first the most significant */
static inline uint64_t be_word(const char *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return __builtin_bswap64(word_at(p));
#else
    uint64_t w = 0;
    for (size_t i = 0; i < 8; i++)
        w = w << 8 | (unsigned char)p[i];
    return w;
#endif
}


/* rm_key_bytes - where literal k's key begins, and its length from there
 * (rulematch.c) */
const char *rm_key_bytes(const rule_matcher *m, uint32_t k, size_t *len);

/* rulematch_cache.c: the file of compiled databases */

/* rm_cache_path - the file for these rules into buf, the directory into dir;
 * 0 when caching is off or there is no place for it */
int rm_cache_path(uint64_t source_hash, rm_kind kind, char *buf, size_t len, char *dir,
                  size_t dirlen);

/* rm_cache_load - the cached databases into m, when there is a good file */
int rm_cache_load(rule_matcher *m, const char *path);

/* rm_cache_store - keep m's databases for the next start (errors are ignored:
 * the cache only saves time) */
void rm_cache_store(const rule_matcher *m, const char *path, const char *dir);

/* rm_clear - free the literal tables and databases (what a failed load left) */
void rm_clear(rule_matcher *m);

#endif
