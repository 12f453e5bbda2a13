/*
 * phrases.h - find many fixed phrases in a text in one pass.
 *
 * A phrase_group holds several tables (phrase_set) of lower-case phrases.
 * phrase_scan() finds every occurrence that begins at a word start (the
 * first byte, or a byte after one that is not a letter or digit), ignoring
 * ASCII case, and records the set, the phrase and the position, in text
 * order (shorter first at one place), up to a caller-given bound. The word
 * starts are found 16 bytes at a time and
 * only those whose first two bytes begin some phrase (in either case), and
 * whose first four pass a hashed filter of the phrases' first four (a phrase
 * of two bytes needs only the two), are compared 8 bytes at
 * a time. When the
 * bound cuts the hits short, the phrases compiled into one Vectorscan literal
 * database are scanned for instead (the first ones by their ends are kept,
 * as before); each thread allocates its scratch space on its first scan.
 * Should that be impossible, a plain loop that tries, at each word start,
 * only the phrases beginning with that byte does the same.
 */
#ifndef BK_PHRASES_H
#define BK_PHRASES_H

#include <stddef.h>
#include <stdint.h>

#define PHRASE_SET_MAX 128

typedef struct {
    const char *const *phrases; /* lower-case */
    size_t n;
    unsigned char len[PHRASE_SET_MAX];
} phrase_set;

typedef struct {
    unsigned char set;    /* which set, in the order given to phrase_scan */
    unsigned char phrase; /* index in that set's table */
    size_t pos;
} phrase_hit;

/* phrase_set_init - take a table of at most PHRASE_SET_MAX phrases, each
 * shorter than 256 bytes (not thread-safe: call once, before any scan) */
void phrase_set_init(phrase_set *set, const char *const *phrases, size_t n);

#define PHRASE_GROUP_MAX 8

#define PHRASE_GROUP_ENTRIES 512
#define PHRASE_QUAD_BITS 32768
#define PAIR_BEGINS 1u
#define PAIR_WHOLE 2u

/* sets searched together: all their phrases in one index by first byte */
typedef struct {
    struct {
        const char *text;
        unsigned char len, set, phrase;
    } entry[PHRASE_GROUP_ENTRIES];
    unsigned short start[257]; /* entries of first byte b: [start[b], start[b+1]) */
    unsigned char first[256];  /* 1: some phrase starts with this byte, any case */
    unsigned char pair[65536]; /* of two bytes b0 b1 as loaded (16 bits): PAIR_BEGINS,
                                  some phrase starts with b0 b1, each in either case;
                                  PAIR_WHOLE, a phrase is these two bytes */
    unsigned char quad[PHRASE_QUAD_BITS / 8]; /* bit quad_hash(b0 .. b3, each with its
                                  0x20 bit set): some phrase of 3 bytes or more may
                                  start with b0 b1 b2 b3 (any b3 after a phrase of three) */
    int fast;                  /* every phrase has 2 bytes or more: pair serves */
    int letter_starts;         /* every phrase begins with a letter, '<' or '>' */
    uint64_t head[PHRASE_GROUP_ENTRIES]; /* an entry's first 8 bytes, as loaded */
    uint64_t head_mask[PHRASE_GROUP_ENTRIES]; /* of those, its own (the rest 0) */
    uint64_t next[PHRASE_GROUP_ENTRIES];      /* its bytes 8 to 15, as loaded */
    uint64_t next_mask[PHRASE_GROUP_ENTRIES]; /* of those, its own (0 when none) */
    uint64_t head_case[PHRASE_GROUP_ENTRIES]; /* 0x20 in each byte of head that is a
                                  letter (a text's byte with it set matches in
                                  either case) */
    uint64_t next_case[PHRASE_GROUP_ENTRIES]; /* the same of next */
    void *db;                  /* the Vectorscan database (phrase_group_db) */
    int db_tried;              /* 1: db was made, or failed (NULL) */
} phrase_group;

/* phrase_group_init - group initialised sets (at most PHRASE_GROUP_MAX) */
void phrase_group_init(phrase_group *g, const phrase_set *const *sets, size_t n);

/* phrase_group_db - the group's Vectorscan database, made on the first call
 * (thread-safe); NULL when it does not compile */
void *phrase_group_db(const phrase_group *g);

/* phrase_scan - every occurrence of the group's phrases at word starts, in
 * text order; returns how many hits were stored (at most max) and sets
 * *more when there were others */
size_t phrase_scan(const phrase_group *g, const char *s, size_t n, phrase_hit *hits, size_t max,
                   int *more);

/* phrase_scan_plain - the same with the plain loop (also for tests) */
size_t phrase_scan_plain(const phrase_group *g, const char *s, size_t n, phrase_hit *hits,
                         size_t max, int *more);

#endif
