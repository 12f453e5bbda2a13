/*
 * phrases.c - one-pass search for fixed phrases (see phrases.h).
 */
#include "phrases.h"
#include "text.h"

#include <hs.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* quad_hash - the bit of the quad filter for four bytes as loaded */
static inline unsigned quad_hash(uint32_t bytes)
{
    return (bytes * 0x9E3779B1u) >> (32 - 15);
}
_Static_assert(PHRASE_QUAD_BITS == 1u << 15, "quad_hash gives 15 bits");

/* fold4 - the four bytes at s, as loaded, each with its 0x20 bit set: an
 * ASCII letter in lower case (other bytes may meet, which only lets more
 * places through; a phrase's own bytes have the bit) */
static inline uint32_t fold4(const char *s)
{
    uint32_t w;
    memcpy(&w, s, sizeof w);
    return w | 0x20202020u;
}

/* pair_index - the two bytes at s, as loaded: the index of the pair table */
static inline unsigned pair_index(const char *s)
{
    uint16_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

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
    /* each first byte's phrases, shorter first (the order of the scans' hits
     * at one place); the pairs of first bytes */
    g->fast = 1;
    g->letter_starts = 1;
    for (int c = 0; c < 256; c++)
        for (unsigned e = g->start[c] + 1u; e < g->start[c + 1]; e++)
            for (unsigned f = e; f > g->start[c] && g->entry[f - 1].len > g->entry[f].len; f--) {
                __typeof__(g->entry[0]) t = g->entry[f];
                g->entry[f] = g->entry[f - 1];
                g->entry[f - 1] = t;
            }
    for (unsigned e = 0; e < g->start[256]; e++) {
        size_t k = g->entry[e].len < 8 ? g->entry[e].len : 8;
        unsigned char ones[8] = {0};
        memset(ones, 0xff, k);
        memcpy(&g->head[e], g->entry[e].text, k);
        memcpy(&g->head_mask[e], ones, 8);
        size_t k2 = g->entry[e].len > 8 ? g->entry[e].len - 8 : 0;
        k2 = k2 < 8 ? k2 : 8;
        unsigned char ones2[8] = {0};
        memset(ones2, 0xff, k2);
        g->next[e] = 0;
        memcpy(&g->next[e], g->entry[e].text + 8, k2);
        memcpy(&g->next_mask[e], ones2, 8);
        unsigned char cases[16] = {0};
        for (size_t q = 0; q < 16 && q < g->entry[e].len; q++)
            if (g->entry[e].text[q] >= 'a' && g->entry[e].text[q] <= 'z')
                cases[q] = 0x20;
        memcpy(&g->head_case[e], cases, 8);
        memcpy(&g->next_case[e], cases + 8, 8);
        unsigned char c0 = (unsigned char)g->entry[e].text[0];
        if (!bk_is_alpha(c0) && c0 != '<' && c0 != '>')
            g->letter_starts = 0;
        if (g->entry[e].len < 2) {
            g->fast = 0;
            continue;
        }
        unsigned char c1 = (unsigned char)g->entry[e].text[1];
        for (int v = 0; v < 4; v++) { /* the two bytes as the text may have them */
            char two[2];
            two[0] = (char)((v & 1) && c0 >= 'a' && c0 <= 'z' ? c0 - 32u : c0);
            two[1] = (char)((v & 2) && c1 >= 'a' && c1 <= 'z' ? c1 - 32u : c1);
            g->pair[pair_index(two)] |= PAIR_BEGINS | (g->entry[e].len == 2 ? PAIR_WHOLE : 0);
        }
        if (g->entry[e].len == 2)
            continue;
        char four[4];
        memcpy(four, g->entry[e].text, 3);
        for (unsigned b = 0; b < 256; b++) {
            if (g->entry[e].len > 3 && b != (unsigned char)g->entry[e].text[3])
                continue;
            four[3] = (char)b;
            unsigned t = quad_hash(fold4(four));
            g->quad[t >> 3] |= (unsigned char)(1u << (t & 7));
        }
    }
}

/* db_lock - guards the making of every group's database */
static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;

/* compile_db - the group's phrases as one literal database; NULL when it fails */
static hs_database_t *compile_db(const phrase_group *g)
{
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
    return db;
}

void *phrase_group_db(const phrase_group *g)
{
    /* made once, on first need: the scan of the word starts seldom needs it */
    phrase_group *mg = (phrase_group *)g; /* groups are not const objects */
    pthread_mutex_lock(&db_lock);
    if (!mg->db_tried) {
        mg->db = compile_db(g);
        mg->db_tried = 1;
    }
    void *db = mg->db;
    pthread_mutex_unlock(&db_lock);
    return db;
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
static hs_scratch_t *thread_scratch(hs_database_t *db)
{
    if (phrase_scratch)
        return phrase_scratch;
    pthread_once(&scratch_once, make_key);
    if (hs_alloc_scratch(db, &phrase_scratch) != HS_SUCCESS)
        return NULL;
    pthread_setspecific(scratch_key, phrase_scratch);
    return phrase_scratch;
}

/* is_alnum - a byte that continues a word: an ASCII letter or digit */
static int is_alnum(unsigned char c)
{
    return bk_is_alpha(c) || bk_is_digit(c);
}

/* rest_same - the bytes 16 to len of phrase ph at s (len > 16, all in the
 * text), 8 at a time, the last 8 ending at len (out of line: try_at's loop
 * keeps its words in registers) */
__attribute__((noinline)) static int rest_same(const char *s, const char *ph, size_t len)
{
    uint64_t x, y;
    for (size_t q = 16; len - q > 8; q += 8) {
        memcpy(&x, s + q, 8);
        memcpy(&y, ph + q, 8);
        if (bk_fold8(x) != y)
            return 0;
    }
    memcpy(&x, s + len - 8, 8);
    memcpy(&y, ph + len - 8, 8);
    return bk_fold8(x) == y;
}

/* try_at - the phrases at word start i of s[0, n) (whose first two bytes
 * begin some phrase) into hits[*found..max); -1 when there is no room for
 * them all */
static int try_at(const phrase_group *g, const char *s, size_t n, size_t i, phrase_hit *hits,
                  size_t max, size_t *found)
{
    unsigned char lc = bk_lower((unsigned char)s[i]);
    size_t left = n - i;
    uint64_t w = 0, w2 = 0; /* as loaded: an entry's case bits fold its letters */
    if (left >= 16) {
        memcpy(&w, s + i, 8);
        memcpy(&w2, s + i + 8, 8);
    } else {
        memcpy(&w, s + i, left < 8 ? left : 8);
        if (left > 8)
            memcpy(&w2, s + i + 8, left - 8);
    }
    for (unsigned e = g->start[lc]; e < g->start[lc + 1]; e++) {
        size_t len = g->entry[e].len;
        if (len > left)
            break; /* the longer ones do not fit either */
        if ((((w | g->head_case[e]) ^ g->head[e]) & g->head_mask[e]) |
            (((w2 | g->next_case[e]) ^ g->next[e]) & g->next_mask[e]))
            continue;
        if (len > 16 && !rest_same(s + i, g->entry[e].text, len))
            continue;
        if (*found == max)
            return -1;
        hits[*found].set = g->entry[e].set;
        hits[*found].phrase = g->entry[e].phrase;
        hits[*found].pos = i;
        (*found)++;
    }
    return 0;
}

/* may_start - may a phrase start at p, with 4 bytes readable there? (the
 * pair of its first two bytes as they are, then the filter of its first
 * four) */
static inline int may_start(const phrase_group *g, const char *p)
{
    unsigned pair = g->pair[pair_index(p)];
    if (pair != PAIR_BEGINS) /* none, or a phrase of these two */
        return pair != 0;
    unsigned t = quad_hash(fold4(p));
    return (g->quad[t >> 3] >> (t & 7)) & 1;
}

#ifdef __SSE2__
/* word_starts - of the 16 bytes at p, the bits of the word starts where a
 * phrase may begin (a byte after one that is no letter or digit, *carry for
 * the first; then the bytes above ' ', or of those only the letters, '<' and
 * '>' when no phrase begins with another byte); *carry for the next 16 */
static inline unsigned word_starts(const phrase_group *g, const char *p, unsigned *carry)
{
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i two = _mm_set1_epi8(2), angle = _mm_set1_epi8('>'); /* '<' | 2 is '>' */
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i letter = bk_letters16(x);
    __m128i word = _mm_or_si128(letter, bk_digits16(x));
    unsigned w = (unsigned)_mm_movemask_epi8(word);
    unsigned seen = g->letter_starts
                        ? (unsigned)_mm_movemask_epi8(
                              _mm_or_si128(letter, _mm_cmpeq_epi8(_mm_or_si128(x, two), angle)))
                        : (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(x, space)) |
                              (unsigned)_mm_movemask_epi8(x);
    unsigned starts = ~((w << 1) | *carry) & seen & 0xffffu;
    *carry = w >> 15;
    return starts;
}
#endif

/* scan_words - every phrase at the word starts of s[0, n), in text order;
 * the number found, or -1 when more than max */
static long scan_words(const phrase_group *g, const char *s, size_t n, phrase_hit *hits,
                       size_t max)
{
    size_t found = 0, i = 0;
    if (n == 0)
        return 0; /* s may be NULL */
#ifdef __SSE2__
    /* 16 bytes at a time, while the 4 bytes at each place are in the text */
    unsigned carry = 0;
    for (; n - i >= 16 + 3; i += 16) {
        /* the places that pass the filters first, then the phrases there */
        unsigned pass = 0;
        for (unsigned starts = word_starts(g, s + i, &carry); starts; starts &= starts - 1) {
            unsigned k = (unsigned)__builtin_ctz(starts);
            if (may_start(g, s + i + k))
                pass |= 1u << k;
        }
        for (; pass; pass &= pass - 1)
            if (try_at(g, s, n, i + (unsigned)__builtin_ctz(pass), hits, max, &found) != 0)
                return -1;
    }
    /* the rest, at most 18 bytes, from a copy with zero bytes after it (no
     * phrase has one: the pair of the last byte and a zero begins none) */
    char tail[48] = {0};
    size_t rest = n - i;
    memcpy(tail, s + i, rest);
    for (size_t b = 0; b < rest; b += 16)
        for (unsigned starts = word_starts(g, tail + b, &carry); starts; starts &= starts - 1) {
            size_t at = b + (unsigned)__builtin_ctz(starts);
            if (at < rest && may_start(g, tail + at) &&
                try_at(g, s, n, i + at, hits, max, &found) != 0)
                return -1;
        }
#else
    char four[4];
    for (; i < n; i++) {
        if (i > 0 && is_alnum((unsigned char)s[i - 1]))
            continue;
        memset(four, 0, sizeof four);
        memcpy(four, s + i, n - i < 4 ? n - i : 4);
        if (may_start(g, four) && try_at(g, s, n, i, hits, max, &found) != 0)
            return -1;
    }
#endif
    return (long)found;
}

size_t phrase_scan(const phrase_group *g, const char *s, size_t n, phrase_hit *hits, size_t max,
                   int *more)
{
    if (g->fast) {
        long found = scan_words(g, s, n, hits, max);
        if (found >= 0) {
            *more = 0;
            return (size_t)found;
        }
    }
    hs_database_t *db = phrase_group_db(g);
    if (!db || n > UINT_MAX || !thread_scratch(db))
        return phrase_scan_plain(g, s, n, hits, max, more);
    scan_ctx x = {g, s, hits, 0, max, 0};
    if (n)
        hs_scan(db, s, (unsigned)n, 0, phrase_scratch, on_phrase, &x);
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
        /* only at a word start */
        if (!g->first[(unsigned char)s[i]] || (i > 0 && is_alnum((unsigned char)s[i - 1])))
            continue;
        if (try_at(g, s, n, i, hits, max, &found) != 0) {
            *more = 1;
            break;
        }
    }
    return found;
}
