/*
 * text.c - bounded text helpers (see text.h).
 */
#include "text.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

long bk_ci_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    if (n > len)
        return -1;
    size_t last = len - n; /* the last place the needle can start */
    unsigned char a = bk_lower((unsigned char)needle[0]);
    unsigned char z = bk_lower((unsigned char)needle[n - 1]);
    size_t i = 0;
#ifdef __SSE2__
    /* 16 places at a time: the needle's first and last bytes are compared
     * (letters with the 0x20 bit set, which folds exactly their two cases),
     * only the places where both agree are compared in full */
    const __m128i fold_a = _mm_set1_epi8((char)(bk_is_alpha(a) ? 0x20 : 0));
    const __m128i fold_z = _mm_set1_epi8((char)(bk_is_alpha(z) ? 0x20 : 0));
    const __m128i want_a = _mm_set1_epi8((char)a), want_z = _mm_set1_epi8((char)z);
    for (; i <= last && last - i >= 15; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(hay + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + n - 1));
        __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(x, fold_a), want_a),
                                    _mm_cmpeq_epi8(_mm_or_si128(y, fold_z), want_z));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (bk_ci_same(hay + i + bit + 1, needle + 1, n - 1))
                return (long)(i + bit);
            mask &= mask - 1;
        }
    }
#endif
    for (; i <= last; i++)
        if (bk_lower((unsigned char)hay[i]) == a && bk_lower((unsigned char)hay[i + n - 1]) == z &&
            bk_ci_same(hay + i + 1, needle + 1, n - 1))
            return (long)i;
    return -1;
}

/* pair_bit - the bit (0..255) of the pair of bytes a, b: each with its 0x20
 * bit set (what folds an ASCII letter's two cases; other bytes may share a
 * bit, which only lets more words through) */
static unsigned pair_bit(unsigned char a, unsigned char b)
{
    return (((unsigned)a | 0x20u) << 3 ^ ((unsigned)b | 0x20u)) & 255u;
}

void bk_pairs_set(unsigned long long set[4], const char *p, size_t n)
{
    set[0] = set[1] = set[2] = set[3] = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned bit = pair_bit((unsigned char)p[i], (unsigned char)p[i + 1]);
        set[bit >> 6] |= 1ull << (bit & 63u);
    }
}

int bk_pairs_may_hold(const unsigned long long set[4], const char *w, size_t n)
{
    /* from the end: the words asked of a From are names of mail systems,
     * which mostly differ at their end (the domain) */
    for (size_t i = n; i >= 2; i--) {
        unsigned bit = pair_bit((unsigned char)w[i - 2], (unsigned char)w[i - 1]);
        if (!(set[bit >> 6] & (1ull << (bit & 63u))))
            return 0;
    }
    return 1;
}

size_t bk_low_byte(const char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i sp = _mm_set1_epi8(' ');
    for (; n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x));
        if (low)
            return i + (size_t)__builtin_ctz(low);
    }
#endif
    while (i < n && (unsigned char)p[i] > ' ')
        i++;
    return i;
}

uint64_t bk_hash(uint64_t h, const char *p, size_t n)
{
    h ^= n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 32);
}

size_t bk_utf8_seq_len(const unsigned char *p, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (avail < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void bk_trim(const char **p, size_t *len)
{
    while (*len && bk_is_space((unsigned char)(*p)[0])) {
        (*p)++;
        (*len)--;
    }
    while (*len && bk_is_space((unsigned char)(*p)[*len - 1]))
        (*len)--;
}

int bk_digits(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

size_t bk_put_decimal(char *out, long long v, int width)
{
    char d[24];
    size_t n = 0, o = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        d[n++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        out[o++] = '-';
    for (int k = (int)(n + o); k < width; k++) /* the sign counts in the width */
        out[o++] = '0';
    while (n)
        out[o++] = d[--n];
    return o;
}

long long bk_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int bk_encoded_or_8bit(const char *v, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    /* 16 bytes at a time: the high bit and '=' marked, the marks looked at */
    const __m128i eq = _mm_set1_epi8('=');
    for (; n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
        unsigned high = (unsigned)_mm_movemask_epi8(x);
        unsigned eqs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, eq));
        if (high)
            return 1;
        for (; eqs; eqs &= eqs - 1) {
            size_t at = i + (size_t)__builtin_ctz(eqs);
            if (at + 1 < n && v[at + 1] == '?')
                return 1;
        }
    }
#endif
    for (; i < n; i++)
        if ((unsigned char)v[i] >= 0x80 || (v[i] == '=' && i + 1 < n && v[i + 1] == '?'))
            return 1;
    return 0;
}
