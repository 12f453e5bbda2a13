/*
 * rulematch_scan.c - a text matched against the compiled patterns (see
 * rulematch.h), with one state per thread.
 *
 * Scanning: the text is read in ASCII lower case (copied so, with zero bytes
 * before and after it).
 * The literal scan marks the patterns of each literal found (in any order of
 * their ends) that the caller wants (asked once, at the first of them, of
 * those its ask table names) as candidates (or matched, for those of the
 * direct kind, at the first place their boundaries hold), and keeps where
 * their literals were. Each candidate is then searched for with
 * pcre2_jit_match, only where a match could be: it
 * holds one of the literals, so it starts no later than the last of them and
 * no earlier than the first one's end less the pattern's longest match, or,
 * for a pattern without a longest match, than the last of its stop bytes
 * (stops.c: bytes no match holds past its first few) before that end, less
 * those few. The patterns without factors are searched for in the whole text.
 *
 * Order: the result is the order in which one Vectorscan scan of every
 * pattern reports them, by the end of each pattern's first-ending match.
 * PCRE2 gives the leftmost match instead; its end is an upper bound of that
 * first end, and the first literal's end (or the start plus the shortest
 * match) a lower one. When the bounds leave the order open against another
 * match, the first end is found exactly by a second compiled form of the
 * pattern whose callout at its end notes every end and refuses it, so that
 * every match is tried (pcre2_dfa_match does it when the search is too long).
 */
#include "rulematch_internal.h"
#include "stops.h"
#include "text.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------
 * Scanning, with one state per thread
 * ---------------------------------------------------------------------- */

/* a pattern that matched: its first match ends in [lo, end] (exact when equal) */
typedef struct {
    uint32_t end, lo;
    uint32_t start; /* of PCRE2's leftmost match; no match starts before */
    unsigned id;
} hit;

/* what the callout of end_search keeps */
typedef struct {
    size_t best; /* the earliest end seen */
    size_t lo;   /* none can end before: the search may stop there */
} end_note;

#define DFA_WORKSPACE 4096     /* ints of pcre2_dfa_match's workspace */
#define BACKTRACK_LIMIT 200000 /* PCRE2 match limit; then pcre2_dfa_match */

typedef struct {
    unsigned long owner;     /* the matcher it fits */
    hs_scratch_t *scratch;
    size_t cap;              /* patterns the lists below hold */
    unsigned *slot;          /* [cap]: 0, SLOT_UNTRIED, SLOT_NONE, k + 2 matched as hits[k] */
    unsigned *candidates;    /* [cap]: the wanted patterns of the last prefilter */
    unsigned *refused;       /* [cap]: those wanted refused during its scan */
    uint32_t *first_end;     /* [cap]: a candidate's literals: where the first ends */
    uint32_t *last_start;    /* [cap]: and where the last starts */
    hit *hits;               /* [cap] */
    char *buf;               /* FRONT zero bytes, the text and PAD zero bytes */
    char *text;              /* buf + FRONT */
    size_t len;              /* of the text */
    size_t text_cap;
    size_t n_candidates, n_hits, n_refused, tried;
    pcre2_match_data *md;    /* one pair: the leftmost match */
    pcre2_match_context *mc; /* offset limit, match limit */
    pcre2_match_context *mc_end; /* the same with the callout of end_search */
    pcre2_match_context *mc_dfa; /* no limit, for pcre2_dfa_match */
    end_note note;
    int *workspace;          /* [DFA_WORKSPACE] */
} thread_state;

/* a pattern's slot: not a candidate (0), a candidate not yet searched for, one
 * that did not match; k + 2 for a match kept as hits[k] */
#define SLOT_UNTRIED 1u
#define SLOT_NONE UINT32_MAX
#define SLOT_REFUSED (UINT32_MAX - 1) /* during a scan: wanted refused it */

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static _Thread_local thread_state *state;

/* free_lists - the per-pattern lists of a thread state */
static void free_lists(thread_state *s)
{
    free(s->slot), free(s->candidates), free(s->refused), free(s->first_end),
        free(s->last_start), free(s->hits);
    s->slot = NULL, s->candidates = s->refused = NULL, s->first_end = s->last_start = NULL;
    s->hits = NULL;
    s->cap = 0;
}

/* free_state - thread exit */
static void free_state(void *p)
{
    thread_state *s = p;
    hs_free_scratch(s->scratch);
    free_lists(s);
    free(s->buf);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mc);
    pcre2_match_context_free(s->mc_end);
    pcre2_match_context_free(s->mc_dfa);
    free(s->workspace);
    free(s);
}

static void make_key(void)
{
    pthread_key_create(&state_key, free_state);
}

/* on_end - callout of end_search at the end of a match: note its end, refuse
 * it so that the search goes on; stop when none can end earlier */
static int on_end(pcre2_callout_block *b, void *arg)
{
    end_note *e = arg;
    if (b->current_position < e->best)
        e->best = b->current_position;
    return e->best <= e->lo ? PCRE2_ERROR_CALLOUT : 1;
}

/* pcre2_parts - the PCRE2 match data and contexts of a new thread state */
static int pcre2_parts(thread_state *s)
{
    s->md = pcre2_match_data_create(1, NULL);
    s->mc = pcre2_match_context_create(NULL);
    s->mc_end = pcre2_match_context_create(NULL);
    s->mc_dfa = pcre2_match_context_create(NULL);
    s->workspace = malloc(DFA_WORKSPACE * sizeof *s->workspace);
    if (!s->md || !s->mc || !s->mc_end || !s->mc_dfa || !s->workspace)
        return -1;
    pcre2_set_match_limit(s->mc, BACKTRACK_LIMIT);
    pcre2_set_match_limit(s->mc_end, BACKTRACK_LIMIT);
    pcre2_set_callout(s->mc_end, on_end, &s->note);
    return 0;
}

/* state_for - this thread's state, fit for m */
static thread_state *state_for(const rule_matcher *m)
{
    if (state && state->owner == m->id)
        return state;
    pthread_once(&state_once, make_key);
    if (!state) {
        state = calloc(1, sizeof *state);
        if (!state)
            return NULL;
        pthread_setspecific(state_key, state);
        if (pcre2_parts(state) != 0)
            return NULL;
    }
    if (!state->md)
        return NULL; /* pcre2_parts failed before */
    state->owner = 0;
    hs_free_scratch(state->scratch);
    state->scratch = NULL;
    if (m->proto && hs_clone_scratch(m->proto, &state->scratch) != HS_SUCCESS)
        return NULL;
    if (state->cap < m->n) {
        free_lists(state);
        state->slot = calloc(m->n, sizeof *state->slot);
        state->candidates = malloc(m->n * sizeof *state->candidates);
        state->refused = malloc(m->n * sizeof *state->refused);
        state->first_end = malloc(m->n * sizeof *state->first_end);
        state->last_start = malloc(m->n * sizeof *state->last_start);
        state->hits = malloc(m->n * sizeof *state->hits);
        if (!state->slot || !state->candidates || !state->refused || !state->first_end ||
            !state->last_start || !state->hits) {
            free_lists(state);
            return NULL;
        }
        state->cap = m->n;
    }
    memset(state->slot, 0, state->cap * sizeof *state->slot);
    state->n_candidates = state->n_hits = state->n_refused = 0;
    state->owner = m->id;
    return state;
}

typedef struct {
    const rule_matcher *m;
    thread_state *s;
    const char *text; /* padded */
    size_t len;       /* without the padding */
    rm_wanted wanted; /* NULL: every pattern */
    const unsigned char *ask; /* NULL: wanted is asked of every pattern */
    void *ctx;
} scan_ctx;

/* is_word - a word byte for \b (ASCII letters, digits, '_') */
static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* edges_hold - do the boundaries asked for hold around text[start, end) of
 * the padded text? The zero bytes before and after it are no word bytes, as
 * its ends are none */
static int edges_hold(const char *t, size_t start, size_t end, unsigned edges)
{
    const unsigned char *s = (const unsigned char *)t + start; /* s[-1]: the front padding at 0 */
    const unsigned char *e = (const unsigned char *)t + end;
    if ((edges & EXACT_BOUNDARY_BEFORE) && is_word(s[-1]) == is_word(s[0]))
        return 0;
    if ((edges & EXACT_BOUNDARY_AFTER) && is_word(e[-1]) == is_word(e[0]))
        return 0;
    return 1;
}

/* refused_by - does wanted (NULL: none) refuse pattern p? It is asked only
 * when ask (NULL: every pattern) holds p */
static int refused_by(rm_wanted wanted, const unsigned char *ask, void *ctx, unsigned p)
{
    return wanted && (!ask || ask[p]) && !wanted(ctx, p);
}

/* refuse - is pattern p, met for the first time in this scan, one that
 * wanted refuses? Then its slot says so until the scan ends */
static int refuse(scan_ctx *x, uint32_t p)
{
    if (!refused_by(x->wanted, x->ask, x->ctx, p))
        return 0;
    x->s->slot[p] = SLOT_REFUSED;
    x->s->refused[x->s->n_refused++] = p;
    return 1;
}

/* take_literal - literal id was found at [start, end) (not in the order of
 * the ends): its patterns are candidates, with where their literals are
 * (the first end, the last start), or matched when direct and their
 * boundaries hold (at the first end) */
static void take_literal(scan_ctx *x, uint32_t id, uint32_t start, uint32_t end)
{
    thread_state *s = x->s;
    for (uint32_t j = x->m->lit_start[id]; j < x->m->lit_start[id + 1]; j++) {
        uint32_t v = x->m->lit_pattern[j], p = v & PAIR_PATTERN;
        if (!(v & PAIR_DIRECT)) {
            if (!s->slot[p]) {
                if (refuse(x, p))
                    continue;
                s->slot[p] = SLOT_UNTRIED;
                s->candidates[s->n_candidates++] = p;
                s->first_end[p] = end;
                s->last_start[p] = start;
            } else if (s->slot[p] != SLOT_REFUSED) {
                if (end < s->first_end[p])
                    s->first_end[p] = end;
                if (start > s->last_start[p])
                    s->last_start[p] = start;
            }
            continue;
        }
        if (!edges_hold(x->text, start, end, (v & ~PAIR_DIRECT) >> PAIR_EDGE_SHIFT))
            continue;
        if (!s->slot[p]) {
            if (refuse(x, p))
                continue;
            s->slot[p] = (unsigned)s->n_hits + 2;
            s->hits[s->n_hits++] = (hit){end, end, start, p};
        } else if (s->slot[p] != SLOT_REFUSED && end < s->hits[s->slot[p] - 2].end)
            s->hits[s->slot[p] - 2].end = s->hits[s->slot[p] - 2].lo = end;
    }
}

/* tail_same - do a literal's bytes l[0, len) and the text t found with its
 * first from bytes (8 or more) agree on the rest? Two words when the rest is
 * 16 bytes or less (the last 8 bytes of both read where they end) */
static int tail_same(const char *t, const char *l, size_t from, size_t len)
{
    if (len - from > 16)
        return memcmp(t + from, l + from, len - from) == 0;
    if (word_at(t + len - 8) != word_at(l + len - 8))
        return 0;
    return len - from <= 8 || word_at(t + from) == word_at(l + from);
}

/* lead_same - does the text before a key found at t hold entry e's lead
 * (the FRONT bytes make the 8 bytes before t readable)? */
static int lead_same(const rule_matcher *m, const key_entry *e, const char *t)
{
    uint64_t mask = m->lead_mask[e->lead < 8 ? e->lead : 8];
    if ((word_at(t - 8) ^ m->lead_word[e - m->key_entries]) & mask)
        return 0;
    return e->lead <= 8 ||
           memcmp(t - e->lead, m->lit_bytes + m->lit_off[e->lit], e->lead - 8) == 0;
}

/* on_key - a key was found: each of its literals that the text holds there
 * is taken (they are in byte order: an entry whose head is past the text's
 * bytes ends the search, as every later one is) */
static int on_key(unsigned id, unsigned long long from, unsigned long long to,
                  unsigned flags, void *arg)
{
    (void)from, (void)flags;
    scan_ctx *x = arg;
    const rule_matcher *m = x->m;
    uint32_t kl = id & KEY_ID_LEN;
    if (to > x->len || to < kl)
        return 0; /* in the padding */
    uint32_t start = (uint32_t)to - kl;
    size_t room = x->len - start; /* the text from the key on */
    const char *at = x->text + start;
    /* the padding (PAD bytes) makes the 8 bytes after the key readable */
    uint64_t text = be_word(at + kl);
    for (const key_entry *e = &m->key_entries[id >> KEY_ID_SHIFT];; e++) {
        uint64_t t = text & m->head_mask[e->n];
        if (t != e->head) {
            if (t < e->head)
                break;
        } else if (e->len <= room && (!e->lead || (start >= e->lead && lead_same(m, e, at))) &&
                   (e->len <= kl + 8 ||
                    tail_same(at, m->lit_bytes + m->lit_off[e->lit] + e->lead, kl + 8, e->len)))
            take_literal(x, e->lit, start - e->lead, start + e->len);
        if (e->last)
            break;
    }
    return 0;
}

/* on_all - a pattern of the one database matched (each reports once) */
static int on_all(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *arg)
{
    (void)from, (void)flags;
    scan_ctx *x = arg;
    thread_state *s = x->s;
    if (to <= x->len && s->n_hits < s->cap)
        s->hits[s->n_hits++] = (hit){(uint32_t)to, (uint32_t)to, 0, id};
    return 0;
}

/* search - PCRE2's leftmost match of pattern p in text[0, len), starting at
 * from or later but not after limit: 1 and its bounds, 0 none, -1 failure */
static int search(const rule_matcher *m, thread_state *s, unsigned p, const char *text,
                  size_t len, size_t from, size_t limit, size_t *start, size_t *end)
{
    pcre2_set_offset_limit(s->mc, limit);
    int rc = m->jit ? pcre2_jit_match(m->re[p], (PCRE2_SPTR)text, len, from, 0, s->md, s->mc)
                    : pcre2_match(m->re[p], (PCRE2_SPTR)text, len, from, 0, s->md, s->mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) { /* too much backtracking: the automaton cannot be fooled */
        pcre2_set_offset_limit(s->mc_dfa, limit);
        rc = pcre2_dfa_match(m->re[p], (PCRE2_SPTR)text, len, from, 0, s->md, s->mc_dfa,
                             s->workspace, DFA_WORKSPACE);
        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0)
            return -1;
    }
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    *start = ov[0];
    *end = ov[1];
    return 1;
}

/* end_search - the end of pattern h->id's first-ending match in text[0, len):
 * every match from h->start on that could end before h->end is tried; 0 and
 * h exact, -1 failure */
static int end_search(const rule_matcher *m, thread_state *s, hit *h, const char *text,
                      size_t len)
{
    unsigned p = h->id;
    size_t last = h->end > h->start + m->min_width[p] ? h->end - m->min_width[p] : h->start;
    s->note.best = h->end;
    s->note.lo = h->lo;
    pcre2_set_offset_limit(s->mc_end, last);
    int rc = m->jit ? pcre2_jit_match(m->re_end[p], (PCRE2_SPTR)text, len, h->start, 0, s->md,
                                      s->mc_end)
                    : pcre2_match(m->re_end[p], (PCRE2_SPTR)text, len, h->start, 0, s->md,
                                  s->mc_end);
    if (rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_CALLOUT) {
        /* too much backtracking: the shortest match from each start instead */
        s->note.best = h->end;
        pcre2_set_offset_limit(s->mc_dfa, PCRE2_UNSET);
        for (size_t at = h->start; at <= last && at + m->min_width[p] < s->note.best; at++) {
            if (((unsigned char)text[at] & 0xc0) == 0x80)
                continue; /* inside a UTF-8 character: no match starts there */
            rc = pcre2_dfa_match(m->re[p], (PCRE2_SPTR)text, len, at,
                                 PCRE2_ANCHORED | PCRE2_DFA_SHORTEST, s->md, s->mc_dfa,
                                 s->workspace, DFA_WORKSPACE);
            if (rc >= 0 && pcre2_get_ovector_pointer(s->md)[1] < s->note.best)
                s->note.best = pcre2_get_ovector_pointer(s->md)[1];
            else if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
                return -1;
        }
    }
    h->end = h->lo = (uint32_t)s->note.best;
    return 0;
}

/* before - does (end a, id a) come before (end b, id b)? */
static int before(uint32_t a, unsigned ia, uint32_t b, unsigned ib)
{
    return a != b ? a < b : ia < ib;
}

/* settle - make exact the ends whose order against another match the bounds
 * leave open; -1 failure */
static int settle(const rule_matcher *m, thread_state *s, const char *text, size_t len)
{
    for (size_t i = 0; i < s->n_hits; i++) {
        hit *h = &s->hits[i];
        if (h->lo == h->end)
            continue;
        for (size_t j = 0; j < s->n_hits; j++) {
            const hit *g = &s->hits[j];
            if (j == i || before(h->end, h->id, g->lo, g->id) ||
                before(g->end, g->id, h->lo, h->id))
                continue;
            if (end_search(m, s, h, text, len) != 0)
                return -1;
            break;
        }
    }
    return 0;
}

/* hit_less - order of report: end, then id */
static int hit_less(const hit *a, const hit *b)
{
    return before(a->end, a->id, b->end, b->id);
}

/* hit_cmp - qsort order of hits */
static int hit_cmp(const void *a, const void *b)
{
    return hit_less(a, b) ? -1 : hit_less(b, a) ? 1 : 0;
}

/* padded_copy - the text with its ASCII letters in lower case (the patterns
 * are compiled so) followed by PAD zero bytes, in the thread's buffer after
 * FRONT zero bytes */
static const char *padded_copy(thread_state *s, const char *text, size_t len)
{
    if (s->text_cap < len + PAD) {
        size_t cap = len + PAD < 4096 ? 4096 : len + PAD;
        char *p = realloc(s->buf, FRONT + cap);
        if (!p)
            return NULL;
        memset(p, 0, FRONT);
        s->buf = p;
        s->text = p + FRONT;
        s->text_cap = cap;
    }
    char *dst = s->text; /* a local pointer: the compiler may vectorize the loop */
    memcpy(dst, text, len);
    memset(dst + len, 0, PAD);
    /* lowered in place in whole blocks of 16 bytes (the padding stays zero) */
    size_t n = (len + 15) & ~(size_t)15;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)bk_lower((unsigned char)dst[i]);
    return dst;
}

/* try_pattern - search pattern p from from to limit and keep it when it
 * matches, with the bounds of its first end (the first literal's end, or
 * the start and the shortest match); -1 failure */
static int try_pattern(const rule_matcher *m, thread_state *s, unsigned p, const char *text,
                       size_t len, size_t from, size_t limit, size_t first_end)
{
    size_t start, end;
    int rc = search(m, s, p, text, len, from, limit, &start, &end);
    if (rc <= 0)
        return rc;
    size_t lo = start + m->min_width[p];
    lo = lo > first_end ? lo : first_end;
    s->hits[s->n_hits++] = (hit){(uint32_t)end, (uint32_t)(lo < end ? lo : end),
                                 (uint32_t)start, p};
    return 0;
}

int rm_prefilter(const rule_matcher *m, const char *text, size_t len, rm_wanted wanted,
                 const unsigned char *ask, void *ctx)
{
    if (len > UINT32_MAX - PAD)
        len = UINT32_MAX - PAD;
    thread_state *s = state_for(m);
    if (!s)
        return -1;
    for (size_t i = 0; i < s->n_hits; i++) /* what the last text left */
        s->slot[s->hits[i].id] = 0;
    for (size_t i = 0; i < s->n_candidates; i++)
        s->slot[s->candidates[i]] = 0;
    s->n_candidates = s->n_hits = s->tried = 0;
    const char *t = padded_copy(s, text, len);
    if (!t)
        return -1;
    s->len = len;
    scan_ctx x = {m, s, t, len, wanted, ask, ctx};
    if (m->all) /* RM_ONE_DB */
        hs_scan(m->all, t, (unsigned)(m->all_at_end ? len : len + PAD), 0, s->scratch, on_all,
                &x);
    /* the literal scan keeps only what wanted accepts: direct matches, candidates */
    if (m->lit)
        hs_scan(m->lit, t, (unsigned)(m->n_keys >= UNPADDED_KEYS ? len : len + PAD), 0,
                s->scratch, on_key, &x);
    for (size_t i = 0; i < s->n_refused; i++)
        s->slot[s->refused[i]] = 0;
    s->n_refused = 0;
    size_t kept = 0;
    for (size_t i = 0; m->all && i < s->n_hits; i++) { /* on_all keeps every match */
        unsigned p = s->hits[i].id;
        s->slot[p] = 0;
        if (refused_by(wanted, ask, ctx, p))
            continue;
        s->hits[kept] = s->hits[i];
        s->slot[p] = (unsigned)kept++ + 2;
    }
    if (m->all)
        s->n_hits = kept;
    kept = s->n_candidates;
    for (size_t i = 0; i < m->n_always; i++) {
        unsigned p = m->always[i];
        if (refused_by(wanted, ask, ctx, p))
            continue;
        s->slot[p] = SLOT_UNTRIED;
        s->first_end[p] = 0; /* searched for in the whole text */
        s->last_start[p] = (uint32_t)len;
        s->candidates[kept++] = p;
    }
    s->n_candidates = kept;
    return 0;
}

size_t rm_candidates(const rule_matcher *m, unsigned *ids, size_t max)
{
    thread_state *s = state;
    if (!s || s->owner != m->id)
        return 0;
    /* the direct matches (found by the scan), then the others */
    size_t n = 0;
    for (size_t i = 0; i < s->n_hits && n < max; i++)
        ids[n++] = s->hits[i].id;
    size_t k = s->n_candidates < max - n ? s->n_candidates : max - n;
    memcpy(ids + n, s->candidates, k * sizeof *ids);
    return s->n_hits + s->n_candidates;
}

/* last_stop - where the last of the bytes b stands in t[lo, hi), SIZE_MAX
 * none; 16 bytes at a time */
static size_t last_stop(const char *t, size_t lo, size_t hi, const unsigned char b[STOPS_SEEN])
{
#ifdef __SSE2__
    const __m128i b0 = _mm_set1_epi8((char)b[0]), b1 = _mm_set1_epi8((char)b[1]);
    const __m128i b2 = _mm_set1_epi8((char)b[2]), b3 = _mm_set1_epi8((char)b[3]);
    for (; hi >= lo + 16; hi -= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + hi - 16));
        __m128i eq = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, b0), _mm_cmpeq_epi8(x, b1)),
                                  _mm_or_si128(_mm_cmpeq_epi8(x, b2), _mm_cmpeq_epi8(x, b3)));
        unsigned found = (unsigned)_mm_movemask_epi8(eq);
        if (found)
            return hi - 16 + (31u - (unsigned)__builtin_clz(found));
    }
#endif
    while (hi > lo) {
        unsigned char c = (unsigned char)t[--hi];
        if (c == b[0] || c == b[1] || c == b[2] || c == b[3])
            return hi;
    }
    return SIZE_MAX;
}

int rm_confirm(const rule_matcher *m, unsigned id)
{
    thread_state *s = state;
    if (!s || s->owner != m->id || id >= m->n)
        return -1;
    unsigned v = s->slot[id];
    if (v == 0 || v == SLOT_NONE)
        return 0;
    if (v != SLOT_UNTRIED)
        return 1;
    /* a match holds one of the literals: it starts no later than the last
     * one starts, no earlier than the first one ends less its longest */
    size_t w = m->max_width[id], first = s->first_end[id];
    size_t from = w != WIDTH_UNBOUNDED && first > w ? first - w : 0;
    size_t q, k = m->stop_k[id];
    if (k != NO_STOPS && (q = last_stop(s->text, from + k, first, m->stops[id])) != SIZE_MAX) {
        /* nor earlier than a byte it cannot hold there, less its first bytes */
        from = q + 1 - k;
        while (from > 0 && ((unsigned char)s->text[from] & 0xc0) == 0x80)
            from--; /* the start of a UTF-8 character */
    }
    size_t before = s->n_hits;
    s->tried++;
    if (try_pattern(m, s, id, s->text, s->len, from, s->last_start[id], first) != 0) {
        s->slot[id] = SLOT_NONE;
        return -1;
    }
    s->slot[id] = s->n_hits > before ? (unsigned)before + 2 : SLOT_NONE;
    return s->n_hits > before;
}

/* settle_among - make exact the ends of the matched patterns of ids[0, n)
 * whose order against another of them the bounds leave open; -1 failure */
static int settle_among(const rule_matcher *m, thread_state *s, const unsigned *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->slot[ids[i]] < 2 || s->slot[ids[i]] == SLOT_NONE)
            continue;
        hit *h = &s->hits[s->slot[ids[i]] - 2];
        if (h->lo == h->end)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i || s->slot[ids[j]] < 2 || s->slot[ids[j]] == SLOT_NONE)
                continue;
            const hit *g = &s->hits[s->slot[ids[j]] - 2];
            if (before(h->end, h->id, g->lo, g->id) || before(g->end, g->id, h->lo, h->id))
                continue;
            if (end_search(m, s, h, s->text, s->len) != 0)
                return -1;
            break;
        }
    }
    return 0;
}

int rm_first(const rule_matcher *m, const unsigned *ids, size_t n, unsigned *first)
{
    thread_state *s = state;
    if (!s || s->owner != m->id)
        return -1;
    if (settle_among(m, s, ids, n) != 0)
        return -1;
    const hit *best = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned v = s->slot[ids[i]];
        if (v < 2 || v == SLOT_NONE)
            continue;
        if (!best || hit_less(&s->hits[v - 2], best))
            best = &s->hits[v - 2];
    }
    if (!best)
        return 0;
    *first = best->id;
    return 1;
}

int rm_scan(const rule_matcher *m, const char *text, size_t len, rm_wanted wanted, void *ctx,
            unsigned *ids, size_t max, size_t *n, int *overflow)
{
    *n = 0;
    *overflow = 0;
    if (rm_prefilter(m, text, len, wanted, NULL, ctx) != 0)
        return -1;
    return rm_matches(m, ids, max, n, overflow);
}

int rm_matches(const rule_matcher *m, unsigned *ids, size_t max, size_t *n, int *overflow)
{
    *n = 0;
    *overflow = 0;
    thread_state *s = state;
    if (!s || s->owner != m->id)
        return -1;
    for (size_t i = 0; i < s->n_candidates; i++)
        if (rm_confirm(m, s->candidates[i]) < 0)
            return -1;
    if (s->n_hits > 1 && settle(m, s, s->text, s->len) != 0)
        return -1;
    if (s->n_hits <= 16) { /* the usual few: insertion sort */
        for (size_t i = 1; i < s->n_hits; i++) {
            hit h = s->hits[i];
            size_t j = i;
            while (j > 0 && hit_less(&h, &s->hits[j - 1])) {
                s->hits[j] = s->hits[j - 1];
                j--;
            }
            s->hits[j] = h;
        }
    } else
        qsort(s->hits, s->n_hits, sizeof *s->hits, hit_cmp);
    for (size_t i = 0; i < s->n_hits; i++) /* the slots follow the sorted hits */
        s->slot[s->hits[i].id] = (unsigned)i + 2;
    for (size_t i = 0; i < s->n_hits && i < max; i++)
        ids[i] = s->hits[i].id;
    *n = s->n_hits < max ? s->n_hits : max;
    *overflow = s->n_hits > max;
    return 0;
}

size_t rm_last_tried(void)
{
    return state ? state->tried : 0;
}
