/*
 * stops.h - the bytes that a rule pattern's match cannot hold past its first
 * few bytes: where such a byte stands before a literal the match must hold,
 * no match starts much before it.
 *
 * stops_read() reads a pattern of the subset the rule files use (pattern.h)
 * as PCRE2 compiles it (rulematch.c: an ASCII pattern in lower case, or
 * caseless in UTF-8 mode) and gives a set of bytes and a count k such that,
 * in every match, no byte from the k-th on is in the set.
 * A match that covers text[q] for such a byte q therefore starts at q + 1 - k
 * or later. Whatever is not understood gives no set.
 */
#ifndef BK_STOPS_H
#define BK_STOPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t bit[4]; /* byte b is in the set: bit[b >> 6] >> (b & 63) & 1 */
} stop_set;

/* stops_read - the stop bytes of pattern[0, len) (utf8: compiled caseless
 * in UTF-8 mode) into out and the bytes at a match's start they may stand
 * in into *k; 1 when there are any, 0 none (out is then empty) */
int stops_read(const char *pattern, size_t len, int utf8, stop_set *out, uint32_t *k);

/* stops_has - is byte c in the set? */
static inline int stops_has(const stop_set *s, unsigned char c)
{
    return (int)((s->bit[c >> 6] >> (c & 63)) & 1);
}

#endif
