/*
 * phrases.c - one-pass search for fixed phrases (see phrases.h).
 */
#include "phrases.h"
#include "text.h"

#include <string.h>

void phrase_set_init(phrase_set *set, const char *const *phrases, size_t n)
{
    if (n > PHRASE_SET_MAX)
        n = PHRASE_SET_MAX;
    set->phrases = phrases;
    set->n = n;
    unsigned count[256] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(phrases[i]);
        set->len[i] = (unsigned char)(len < 255 ? len : 255);
        count[(unsigned char)phrases[i][0]]++;
    }
    unsigned pos = 0;
    for (int b = 0; b < 256; b++) {
        set->start[b] = (unsigned char)pos;
        pos += count[b];
    }
    set->start[256] = (unsigned char)pos;
    unsigned fill[256];
    for (int b = 0; b < 256; b++)
        fill[b] = set->start[b];
    for (size_t i = 0; i < n; i++)
        set->order[fill[(unsigned char)phrases[i][0]]++] = (unsigned char)i;
}

void phrase_group_init(phrase_group *g, const phrase_set *const *sets, size_t n)
{
    memset(g, 0, sizeof *g);
    unsigned count[256] = {0};
    size_t total = 0;
    for (size_t k = 0; k < n && k < PHRASE_GROUP_MAX; k++)
        for (size_t p = 0; p < sets[k]->n && total < PHRASE_GROUP_ENTRIES; p++, total++)
            count[(unsigned char)sets[k]->phrases[p][0]]++;
    unsigned pos = 0, fill[256];
    for (int b = 0; b < 256; b++) {
        g->start[b] = (unsigned short)pos;
        fill[b] = pos;
        pos += count[b];
    }
    g->start[256] = (unsigned short)pos;
    total = 0;
    for (size_t k = 0; k < n && k < PHRASE_GROUP_MAX; k++)
        for (size_t p = 0; p < sets[k]->n && total < PHRASE_GROUP_ENTRIES; p++, total++) {
            unsigned char c = (unsigned char)sets[k]->phrases[p][0];
            unsigned e = fill[c]++;
            g->entry[e].text = sets[k]->phrases[p];
            g->entry[e].len = sets[k]->len[p];
            g->entry[e].set = (unsigned char)k;
            g->entry[e].phrase = (unsigned char)p;
            g->first[c] = 1;
            if (c >= 'a' && c <= 'z')
                g->first[c - 32] = 1;
        }
}

size_t phrase_scan(const phrase_group *g, const char *s, size_t n, phrase_hit *hits, size_t max,
                   int *more)
{
    size_t found = 0;
    *more = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!g->first[c])
            continue;
        /* only at a word start */
        if (i > 0) {
            unsigned char b = (unsigned char)s[i - 1];
            if (bk_is_alpha(b) || bk_is_digit(b))
                continue;
        }
        unsigned char lc = bk_lower(c);
        for (unsigned e = g->start[lc]; e < g->start[lc + 1]; e++) {
            size_t len = g->entry[e].len;
            if (len > n - i)
                continue;
            const char *ph = g->entry[e].text;
            size_t q = 1;
            while (q < len && bk_lower((unsigned char)s[i + q]) == (unsigned char)ph[q])
                q++;
            if (q < len)
                continue;
            if (found == max) {
                *more = 1;
                return found;
            }
            hits[found].set = g->entry[e].set;
            hits[found].phrase = g->entry[e].phrase;
            hits[found].pos = i;
            found++;
        }
    }
    return found;
}
