/*
 * phrases.c - one-pass search for fixed phrases (see phrases.h).
 */
#include "phrases.h"
#include "text.h"

#include <hs.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

void phrase_set_init(phrase_set *set, const char *const *phrases, size_t n)
{
    if (n > PHRASE_SET_MAX)
        n = PHRASE_SET_MAX;
    set->phrases = phrases;
    set->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(phrases[i]);
        set->len[i] = (unsigned char)(len < 255 ? len : 255);
    }
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
    /* the same phrases as one literal database */
    const char *exprs[PHRASE_GROUP_ENTRIES];
    size_t lens[PHRASE_GROUP_ENTRIES];
    unsigned flags[PHRASE_GROUP_ENTRIES], ids[PHRASE_GROUP_ENTRIES];
    unsigned total_entries = g->start[256];
    for (unsigned e = 0; e < total_entries; e++) {
        exprs[e] = g->entry[e].text;
        lens[e] = g->entry[e].len;
        flags[e] = HS_FLAG_CASELESS; /* literals: the start is the end minus the length */
        ids[e] = e;
    }
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (total_entries &&
        hs_compile_lit_multi(exprs, flags, ids, lens, total_entries, HS_MODE_BLOCK, NULL, &db,
                             &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        db = NULL;
    }
    g->db = db;
}

typedef struct {
    const phrase_group *g;
    const char *s;
    phrase_hit *hits;
    size_t n, max;
    int more;
} scan_ctx;

/* on_phrase - Vectorscan callback: keep a hit that starts a word */
static int on_phrase(unsigned id, unsigned long long from, unsigned long long to,
                     unsigned flags, void *arg)
{
    (void)from, (void)flags;
    scan_ctx *x = arg;
    from = to - x->g->entry[id].len;
    if (from > 0) {
        unsigned char b = (unsigned char)x->s[from - 1];
        if (bk_is_alpha(b) || bk_is_digit(b))
            return 0;
    }
    if (x->n == x->max) {
        x->more = 1;
        return 1; /* stop */
    }
    x->hits[x->n].set = x->g->entry[id].set;
    x->hits[x->n].phrase = x->g->entry[id].phrase;
    x->hits[x->n].pos = (size_t)from;
    x->n++;
    return 0;
}

static _Thread_local hs_scratch_t *phrase_scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

/* free_scratch - a thread's scratch space goes with the thread */
static void free_scratch(void *p)
{
    hs_free_scratch(p);
}

static void make_key(void)
{
    pthread_key_create(&scratch_key, free_scratch);
}

/* thread_scratch - this thread's scratch space, made on first use */
static hs_scratch_t *thread_scratch(const phrase_group *g)
{
    if (phrase_scratch)
        return phrase_scratch;
    pthread_once(&scratch_once, make_key);
    if (hs_alloc_scratch(g->db, &phrase_scratch) != HS_SUCCESS)
        return NULL;
    pthread_setspecific(scratch_key, phrase_scratch);
    return phrase_scratch;
}

size_t phrase_scan(const phrase_group *g, const char *s, size_t n, phrase_hit *hits, size_t max,
                   int *more)
{
    if (!g->db || n > UINT_MAX || !thread_scratch(g))
        return phrase_scan_plain(g, s, n, hits, max, more);
    scan_ctx x = {g, s, hits, 0, max, 0};
    if (n)
        hs_scan(g->db, s, (unsigned)n, 0, phrase_scratch, on_phrase, &x);
    /* matches come in order of their ends: put them in text order */
    for (size_t i = 1; i < x.n; i++) {
        phrase_hit h = hits[i];
        size_t j = i;
        while (j > 0 && hits[j - 1].pos > h.pos) {
            hits[j] = hits[j - 1];
            j--;
        }
        hits[j] = h;
    }
    *more = x.more;
    return x.n;
}

size_t phrase_scan_plain(const phrase_group *g, const char *s, size_t n, phrase_hit *hits,
                         size_t max, int *more)
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
