/*
 * text.c - bounded text helpers (see text.h).
 */
#include "text.h"

#include <string.h>

long bk_ci_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    if (n > len)
        return -1;
    unsigned char lo = bk_lower((unsigned char)needle[0]);
    unsigned char up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - 'a' + 'A') : lo;
    size_t last = len - n; /* the last place the needle can start */
    /* the next place of each case of the first byte, found with memchr */
    const char *next_lo = memchr(hay, lo, last + 1);
    const char *next_up = up != lo ? memchr(hay, up, last + 1) : NULL;
    while (next_lo || next_up) {
        const char *at = !next_up || (next_lo && next_lo < next_up) ? next_lo : next_up;
        size_t i = (size_t)(at - hay);
        size_t k = 1;
        while (k < n && bk_lower((unsigned char)hay[i + k]) == bk_lower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return (long)i;
        if (at == next_lo)
            next_lo = i < last ? memchr(hay + i + 1, lo, last - i) : NULL;
        else
            next_up = i < last ? memchr(hay + i + 1, up, last - i) : NULL;
    }
    return -1;
}

int bk_ci_prefix(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n > len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (bk_lower((unsigned char)hay[i]) != bk_lower((unsigned char)needle[i]))
            return 0;
    return 1;
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
