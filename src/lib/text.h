/*
 * text.h - bounded, locale-independent helpers for scanning untrusted text.
 *
 * Every function takes (pointer, length) and never reads past it. Character
 * classes are ASCII only: bytes >= 0x80 are never letters or digits here.
 */
#ifndef BK_TEXT_H
#define BK_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>

/* bk_digits16 - of 16 bytes, the ASCII digits (0xff) and the rest (0): a
 * digit is a byte that '0' subtracted from leaves below 10 (unsigned: the
 * bytes below '0' wrap around) */
static inline __m128i bk_digits16(__m128i x)
{
    __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
}

/* bk_letters16 - of 16 bytes, the ASCII letters (0xff) and the rest (0): a
 * letter is a byte that, its 0x20 bit set, less 'a' is below 26 */
static inline __m128i bk_letters16(__m128i x)
{
    __m128i l = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    return _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8('z' - 'a')), l);
}
#endif

/* bk_is_digit - ASCII 0-9 */
static inline int bk_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
/* bk_is_alpha - ASCII letter */
static inline int bk_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
/* bk_is_alnum - ASCII letter or digit */
static inline int bk_is_alnum(unsigned char c) { return bk_is_alpha(c) || bk_is_digit(c); }
/* bk_is_space - space, tab, CR, LF, VT, FF */
static inline int bk_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
/* bk_is_blank - white space (bk_is_space) or NUL: what the unfolding of a
 * field or a diagnostic collapses */
static inline int bk_is_blank(char c)
{
    return (unsigned char)c <= ' ' && (bk_is_space((unsigned char)c) || c == '\0');
}
/* bk_lower - ASCII lower case */
static inline unsigned char bk_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* bk_fold8 - the ASCII letters of 8 bytes loaded as one word in lower case */
static inline uint64_t bk_fold8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t b = w & ~high;                  /* each byte's low 7 bits */
    uint64_t ge_a = b + ones * (0x80 - 'A'); /* high bit: >= 'A' */
    uint64_t gt_z = b + ones * (0x7f - 'Z'); /* high bit: > 'Z' */
    uint64_t upper = ge_a & ~gt_z & ~w & high;
    return w | upper >> 2;                   /* 0x80 >> 2 = 0x20 */
}

/* bk_ci_same - a[0..n) equals b[0..n), ignoring ASCII case (8 bytes at a
 * time, then byte by byte) */
static inline int bk_ci_same(const char *a, const char *b, size_t n)
{
    size_t k = 0;
    for (; n - k >= 8; k += 8) {
        uint64_t x, y;
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (bk_fold8(x) != bk_fold8(y))
            return 0;
    }
    for (; k < n; k++)
        if (bk_lower((unsigned char)a[k]) != bk_lower((unsigned char)b[k]))
            return 0;
    return 1;
}

/* bk_ci_find - offset of the first case-insensitive occurrence of the
 * NUL-terminated needle in hay[0..len), or -1 */
long bk_ci_find(const char *hay, size_t len, const char *needle);

/* bk_pairs_set - set[0..4) to the 256-bit set of the pairs of adjacent
 * bytes of p[0..n), ASCII case ignored (a pair's bit is a hash of the two:
 * a set answers "surely not there" or "maybe") */
void bk_pairs_set(unsigned long long set[4], const char *p, size_t n);

/* bk_pairs_may_hold - 0 when text whose pairs are set cannot hold w[0..n)
 * (ignoring ASCII case): one of w's pairs is missing; else 1 */
int bk_pairs_may_hold(const unsigned long long set[4], const char *w, size_t n);

/* bk_low_byte - the index of the first byte at or below the space in
 * p[0..n) (the only ones that can be white space or NUL), or n; 16 bytes at
 * a time */
size_t bk_low_byte(const char *p, size_t n);

/* bk_hash - a fast hash of n bytes, eight at a time, continuing from seed
 * (for in-memory tables only: it may change between versions) */
uint64_t bk_hash(uint64_t seed, const char *p, size_t n);

/* bk_ci_prefix - 1 when hay[0..len) starts with needle, ignoring case
 * (inline: the length of a constant needle is known where it is called) */
static inline int bk_ci_prefix(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    return n <= len && bk_ci_same(hay, needle, n);
}

/* bk_utf8_seq_len - length of the valid UTF-8 sequence at p (1..4), or 0
 * when the bytes there are not valid UTF-8 */
size_t bk_utf8_seq_len(const unsigned char *p, size_t avail);

/* bk_digits - the n decimal digits at p as a number, or -1 when a byte of
 * them is not a digit (n at most 9) */
int bk_digits(const char *p, size_t n);

/* bk_put_decimal - v in decimal at out, at least width digits (zeros
 * before), as printf's "%0*lld" writes it; returns the bytes written (at
 * most 21 + width; no NUL) */
size_t bk_put_decimal(char *out, long long v, int width);

/* bk_days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm) */
long long bk_days_from_civil(int y, int m, int d);

/* bk_encoded_or_8bit - v[0..n) holds a byte above 0x7f or "=?": without
 * either, GMime's header decoding gives a text back as it is */
int bk_encoded_or_8bit(const char *v, size_t n);

/* bk_trim - shrink [*p, *p + *len) to drop leading and trailing white space */
void bk_trim(const char **p, size_t *len);

#endif
