/*
 * rulematch.c - the rule patterns compiled for matching (see rulematch.h).
 *
 * Building: every pattern is read for its required literal factors
 * (factors.c). All factors go into one literal Vectorscan database, each by
 * its key: its first 8 bytes (KEY_LEN; a shorter literal is its own key),
 * after a leading space or a URL scheme when 8 follow it, or across the end
 * of its first word (key_lead), 12 when those 8 are part of a common word.
 * Literals that begin alike share a key, as do those that begin with a
 * shorter literal's key, and fewer keys scan faster; a key found is checked
 * for each of its literals (8 bytes at a time, in byte order). An ASCII
 * pattern that is only a small set of strings, each maybe with \b around it
 * (factors_exact), is direct: its strings are its factors, and a string found
 * where its boundaries hold is its match. Every other pattern is compiled
 * with PCRE2 and its JIT, with the semantics Vectorscan gives it: an ASCII
 * pattern in lower case without caseless or UTF mode (the text is scanned in
 * ASCII lower case), one with non-ASCII text caseless in UTF mode.
 * Vectorscan still checks every pattern (hs_expression_info: what it refuses
 * is refused) and gives its shortest and longest match.
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
 *
 * Caching: the literal database, the literal-to-pattern table and the match
 * widths are kept in one file, named by the rule files, the Vectorscan and
 * PCRE2 versions and the way patterns are compiled, under
 * $BOUNCEKIT_CACHE_DIR, $XDG_CACHE_HOME/bouncekit or ~/.cache/bouncekit
 * (BOUNCEKIT_CACHE_DIR=off: none). PCRE2 patterns are compiled at every start
 * (a few milliseconds).
 */
#include "rulematch.h"
#include "factors.h"
#include "file.h"
#include "stops.h"
#include "text.h"

#include <hs.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static atomic_ulong next_matcher_id = 1;

/* ------------------------------------------------------------------------
 * Patterns
 * ---------------------------------------------------------------------- */

/* is_ascii - the pattern holds no byte >= 0x80 */
static int is_ascii(const char *pattern)
{
    for (const unsigned char *p = (const unsigned char *)pattern; *p; p++)
        if (*p >= 0x80)
            return 0;
    return 1;
}

/* pattern_flags - one report per scan; caseless UTF-8 only for patterns
 * with non-ASCII text (both are costly) */
static unsigned pattern_flags(const char *pattern)
{
    if (is_ascii(pattern))
        return HS_FLAG_SINGLEMATCH;
    return HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS | HS_FLAG_UTF8;
}

/* lower_pattern - an ASCII pattern with its letters in lower case, escapes
 * (\S, \W, \x41 ...) left as they are; NULL on allocation failure */
static char *lower_pattern(const char *pattern)
{
    size_t n = strlen(pattern);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i <= n; i++) {
        char ch = pattern[i];
        if (ch == '\\' && i + 1 < n) {
            out[i] = ch;
            out[i + 1] = pattern[i + 1];
            i++;
            continue;
        }
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    return out;
}

/* the patterns as compiled */
typedef struct {
    const char **expr; /* [n]: NULL for a rule without a pattern */
    char **owned;      /* [n]: lower-cased copies */
    unsigned *flags;   /* [n] */
} compiled_form;

/* form_free - release a compiled_form */
static void form_free(compiled_form *f, size_t n)
{
    if (f->owned)
        for (size_t i = 0; i < n; i++)
            free(f->owned[i]);
    free(f->owned);
    free(f->expr);
    free(f->flags);
}

/* pattern_at - pattern i of the rule set, NULL for a code rule */
static const char *pattern_at(const bk_ruleset *rs, size_t i)
{
    return i < rs->n_rules ? rs->rules[i].pattern : rs->texts[i - rs->n_rules].pattern;
}

/* looks_at_end - does the pattern hold $, \z or \Z (whose meaning padding
 * would change)? */
static int looks_at_end(const char *pattern)
{
    for (const char *p = pattern; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            if (*p == 'z' || *p == 'Z')
                return 1;
        } else if (*p == '$')
            return 1;
    }
    return 0;
}

/* form_make - every pattern as it is compiled; -1 out of memory */
static int form_make(const bk_ruleset *rs, size_t n, compiled_form *f)
{
    f->expr = calloc(n ? n : 1, sizeof *f->expr);
    f->owned = calloc(n ? n : 1, sizeof *f->owned);
    f->flags = calloc(n ? n : 1, sizeof *f->flags);
    if (!f->expr || !f->owned || !f->flags)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *pat = pattern_at(rs, i);
        if (!pat)
            continue;
        f->flags[i] = pattern_flags(pat);
        if (!(f->flags[i] & HS_FLAG_CASELESS)) {
            if (!(f->owned[i] = lower_pattern(pat)))
                return -1;
            pat = f->owned[i];
        }
        f->expr[i] = pat;
    }
    return 0;
}

/* compile_error - "FILE:LINE: pattern does not compile: why" for pattern id */
static void compile_error(const bk_ruleset *rs, size_t id, const hs_compile_error_t *ce,
                          char *err, size_t errlen)
{
    const char *file;
    size_t line;
    if (id < rs->n_rules)
        file = rs->rules[id].file, line = rs->rules[id].line;
    else
        file = rs->texts[id - rs->n_rules].file, line = rs->texts[id - rs->n_rules].line;
    snprintf(err, errlen, "%s:%zu: pattern does not compile: %s", file, line,
             ce ? ce->message : "?");
}

/* ------------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------- */

/* the factors of every pattern, before the literal table is made */
typedef struct {
    char **lit;        /* distinct literals */
    size_t *lit_len;
    size_t n_lits, cap_lits;
    uint32_t *pairs;   /* (literal, pattern) pairs, flat */
    size_t n_pairs, cap_pairs;
} factor_table;

/* table_free - release a factor_table */
static void table_free(factor_table *t)
{
    for (size_t k = 0; k < t->n_lits; k++)
        free(t->lit[k]);
    free(t->lit);
    free(t->lit_len);
    free(t->pairs);
}

/* literal_index - the index of a literal in the table, added when new (a
 * linear search: built once, a few thousand literals); -1 out of memory */
static long literal_index(factor_table *t, const char *s, size_t len)
{
    for (size_t k = 0; k < t->n_lits; k++)
        if (t->lit_len[k] == len && memcmp(t->lit[k], s, len) == 0)
            return (long)k;
    if (t->n_lits == t->cap_lits) {
        size_t cap = t->cap_lits ? t->cap_lits * 2 : 256;
        char **l = realloc(t->lit, cap * sizeof *l);
        if (!l)
            return -1;
        t->lit = l;
        size_t *ll = realloc(t->lit_len, cap * sizeof *ll);
        if (!ll)
            return -1;
        t->lit_len = ll;
        t->cap_lits = cap;
    }
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    t->lit[t->n_lits] = copy;
    t->lit_len[t->n_lits] = len;
    return (long)t->n_lits++;
}

/* add_pair - literal k belongs to pattern p; -1 out of memory */
static int add_pair(factor_table *t, uint32_t k, uint32_t p)
{
    if (t->n_pairs + 2 > t->cap_pairs) {
        size_t cap = t->cap_pairs ? t->cap_pairs * 2 : 1024;
        uint32_t *q = realloc(t->pairs, cap * sizeof *q);
        if (!q)
            return -1;
        t->pairs = q;
        t->cap_pairs = cap;
    }
    t->pairs[t->n_pairs++] = k;
    t->pairs[t->n_pairs++] = p;
    return 0;
}

/* make_lit_table - literal k -> its patterns, as lit_start / lit_pattern */
static int make_lit_table(rule_matcher *m, const factor_table *t)
{
    size_t np = t->n_pairs / 2;
    m->n_lits = t->n_lits;
    m->lit_start = calloc(t->n_lits + 1, sizeof *m->lit_start);
    m->lit_pattern = malloc((np ? np : 1) * sizeof *m->lit_pattern);
    m->lit_len = malloc((t->n_lits ? t->n_lits : 1) * sizeof *m->lit_len);
    if (!m->lit_start || !m->lit_pattern || !m->lit_len)
        return -1;
    for (size_t k = 0; k < t->n_lits; k++)
        m->lit_len[k] = (uint32_t)t->lit_len[k];
    for (size_t i = 0; i < np; i++)
        m->lit_start[t->pairs[2 * i] + 1]++;
    for (size_t k = 0; k < t->n_lits; k++)
        m->lit_start[k + 1] += m->lit_start[k];
    uint32_t *fill = malloc((t->n_lits ? t->n_lits : 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, m->lit_start, t->n_lits * sizeof *fill);
    for (size_t i = 0; i < np; i++)
        m->lit_pattern[fill[t->pairs[2 * i]]++] = t->pairs[2 * i + 1];
    free(fill);
    return 0;
}

/* KEY_LEN - the bytes of a literal that the literal database holds: literals
 * that begin alike share a key, and fewer keys scan faster (the built-in
 * rules' 4,768 literals scan in about 0.95 us a text, 2,500 keys of 8 bytes in
 * 0.55 us). However many literals share a key of 8 bytes (25 at most in the
 * built-in rules): keys made longer where more than 16 would share one were 0.8 % more
 * instructions over the mix */
#define KEY_LEN 8
#define KEY_COMMON_MORE 4 /* bytes more for a key that is part of a common word */
#define KEY_JOINED 32     /* literals at most a key holds (more begin a key of their own) */

/* a literal, for sorting */
typedef struct {
    const char *p;
    size_t len;
    size_t key; /* the length of its key */
    uint32_t id;
} lit_ref;

/* lit_ref_cmp - byte order, a prefix first */
static int lit_ref_cmp(const void *pa, const void *pb)
{
    const lit_ref *a = pa, *b = pb;
    int d = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    return d ? d : (a->len > b->len) - (a->len < b->len);
}

/* key_lead - the bytes of a literal before its key, checked for when the
 * key is found: a URL's scheme ("https://", found in most texts that hold a
 * link) when 8 bytes follow it; else, when the literal's first space after
 * a word of more than KEY_WORD_END bytes has KEY_LEN - KEY_WORD_END bytes
 * after it, all before that word's last KEY_WORD_END bytes (the key spans
 * two words, "tion lev" of "authentication level", and is found where they
 * stand together, not wherever the first word is); else its leading space
 * when KEY_LEN bytes follow it (" rejected" is found by the key of
 * "rejected", one match of the scan instead of two); else none */
#define KEY_WORD_END 4
static size_t key_lead(const char *p, size_t len)
{
    static const char *const SCHEMES[] = {"https://", "http://"};
    for (size_t i = 0; i < sizeof SCHEMES / sizeof SCHEMES[0]; i++) {
        size_t n = strlen(SCHEMES[i]);
        if (len >= n + KEY_LEN && memcmp(p, SCHEMES[i], n) == 0)
            return n;
    }
    size_t from = p[0] == ' ', j = from;
    while (j < len && p[j] != ' ')
        j++;
    if (j < len && j - from > KEY_WORD_END && j - KEY_WORD_END + KEY_LEN <= len)
        return j - KEY_WORD_END;
    return len > KEY_LEN && p[0] == ' ';
}

/* key_bytes - where literal k's key begins, and its length from there */
static const char *key_bytes(const rule_matcher *m, uint32_t k, size_t *len)
{
    const char *lit = m->lit_bytes + m->lit_off[k];
    size_t lead = key_lead(lit, m->lit_len[k]);
    if (len)
        *len = m->lit_len[k] - lead;
    return lit + lead;
}

/* key_of - the length of a literal's key */
static size_t key_of(size_t len)
{
    return len < KEY_LEN ? len : KEY_LEN;
}

/* word_at - 8 bytes at p as one word (host order) */
static uint64_t word_at(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* be_word - 8 bytes at p as one number, the first the most significant */
static uint64_t be_word(const char *p)
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

/* make_entries - key_entries from the key table; -1 out of memory */
static int make_entries(rule_matcher *m)
{
    for (size_t k = 0; k < m->n_lits; k++)
        if (m->lit_len[k] > UINT8_MAX)
            return -1; /* not from factors.c: none is longer than FACTOR_LEN_MAX */
    m->key_entries = malloc((m->n_lits ? m->n_lits : 1) * sizeof *m->key_entries);
    m->lead_word = malloc((m->n_lits ? m->n_lits : 1) * sizeof *m->lead_word);
    if (!m->key_entries || !m->lead_word)
        return -1;
    for (size_t j = 0; j < m->n_keys; j++)
        for (uint32_t i = m->key_start[j]; i < m->key_start[j + 1]; i++) {
            uint32_t k = m->key_lits[i], kl = m->key_len[j];
            size_t len;
            const char *key = key_bytes(m, k, &len);
            size_t rest = len - kl, n = rest < 8 ? rest : 8;
            char head[8] = {0};
            memcpy(head, key + kl, n);
            m->key_entries[i] = (key_entry){be_word(head), k, (uint8_t)len, (uint8_t)n,
                                            i + 1 == m->key_start[j + 1],
                                            (uint8_t)(m->lit_len[k] - len)};
            size_t lead = m->lit_len[k] - len, l8 = lead < 8 ? lead : 8;
            char before[8] = {0};
            memcpy(before + 8 - l8, key - l8, l8);
            m->lead_word[i] = word_at(before);
        }
    for (size_t n = 0; n <= 8; n++) {
        char mask[8] = {0};
        memset(mask, 0xff, n);
        m->head_mask[n] = be_word(mask);
        memset(mask, 0, 8);
        memset(mask + 8 - n, 0xff, n);
        m->lead_mask[n] = word_at(mask);
    }
    return 0;
}

/* within_key - does literal b begin with literal a's key? */
static int within_key(const lit_ref *a, const lit_ref *b)
{
    return b->len >= a->key && memcmp(a->p, b->p, a->key) == 0;
}

/* make_key_table - the literals' bytes, and their keys: the literals of a
 * key are contiguous in byte order; -1 out of memory */
static int make_key_table(rule_matcher *m, const factor_table *t)
{
    size_t n = t->n_lits, bytes = 0;
    for (size_t k = 0; k < n; k++)
        bytes += t->lit_len[k];
    lit_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    m->lit_off = malloc((n ? n : 1) * sizeof *m->lit_off);
    m->lit_bytes = malloc(bytes ? bytes : 1);
    m->key_lits = malloc((n ? n : 1) * sizeof *m->key_lits);
    m->key_start = malloc((n + 1) * sizeof *m->key_start);
    m->key_len = malloc((n ? n : 1) * sizeof *m->key_len);
    if (!refs || !m->lit_off || !m->lit_bytes || !m->key_lits || !m->key_start || !m->key_len) {
        free(refs);
        return -1;
    }
    m->n_lit_bytes = 0;
    for (size_t k = 0; k < n; k++) {
        m->lit_off[k] = (uint32_t)m->n_lit_bytes;
        memcpy(m->lit_bytes + m->n_lit_bytes, t->lit[k], t->lit_len[k]);
        m->n_lit_bytes += t->lit_len[k];
        size_t lead = key_lead(t->lit[k], t->lit_len[k]);
        refs[k] = (lit_ref){t->lit[k] + lead, t->lit_len[k] - lead, 0, (uint32_t)k};
    }
    qsort(refs, n, sizeof *refs, lit_ref_cmp);
    /* a key that is part of a common word (factors_common: " address",
     * "cipient ") is found in most texts, mostly where none of its literals
     * is: it is made KEY_COMMON_MORE bytes longer for those longer than it
     * (over the mix, 1.8 % fewer instructions; 2 or 6 bytes more, 1.4 % and
     * 1.4 %; 8, 0.8 % more) */
    for (size_t k = 0; k < n; k++) {
        refs[k].key = key_of(refs[k].len);
        if (refs[k].key == KEY_LEN && factors_common(refs[k].p, KEY_LEN))
            refs[k].key = key_of(refs[k].len - KEY_COMMON_MORE) + KEY_COMMON_MORE;
    }
    /* a literal that begins with the key of one before it (in byte order:
     * the first of the key's literals) is found by that key, a shorter one
     * maybe ("spamhaus" by "spam"): one key fewer, one match fewer where
     * both stand; up to KEY_JOINED literals a key (over the mix, 2.2 % fewer
     * instructions; without the bound, 1.9 %) */
    m->n_keys = 0;
    for (size_t i = 0, first = 0; i < n; i++) {
        if (i == 0 || i - first >= KEY_JOINED || !within_key(&refs[first], &refs[i])) {
            first = i;
            m->key_start[m->n_keys] = (uint32_t)i;
            m->key_len[m->n_keys++] = (uint32_t)refs[i].key;
        }
        m->key_lits[i] = refs[i].id;
    }
    m->key_start[m->n_keys] = (uint32_t)n;
    free(refs);
    return 0;
}

/* compile_lits - the literal database: the keys of the table */
static int compile_lits(rule_matcher *m, char *err, size_t errlen)
{
    if (m->n_keys == 0)
        return 0;
    const char **exprs = malloc(m->n_keys * sizeof *exprs);
    size_t *lens = malloc(m->n_keys * sizeof *lens);
    unsigned *flags = malloc(m->n_keys * sizeof *flags);
    unsigned *ids = malloc(m->n_keys * sizeof *ids);
    int rc = -1;
    if (m->n_lits >= KEY_ID_MAX) {
        snprintf(err, errlen, "rule factors: more than %u literals", KEY_ID_MAX - 1);
    } else if (exprs && lens && flags && ids) {
        for (size_t j = 0; j < m->n_keys; j++) {
            exprs[j] = key_bytes(m, m->key_lits[m->key_start[j]], NULL);
            lens[j] = m->key_len[j];
            flags[j] = 0; /* every place: boundaries may fail at some */
            ids[j] = m->key_start[j] << KEY_ID_SHIFT | m->key_len[j]; /* key_len <= KEY_ID_LEN */
        }
        hs_compile_error_t *ce = NULL;
        if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)m->n_keys, HS_MODE_BLOCK,
                                 NULL, &m->lit, &ce) == HS_SUCCESS)
            rc = 0;
        else {
            snprintf(err, errlen, "rule factors do not compile: %s", ce ? ce->message : "?");
            hs_free_compile_error(ce);
        }
    } else
        snprintf(err, errlen, "out of memory");
    free(exprs);
    free(lens);
    free(flags);
    free(ids);
    return rc;
}

/* compile_everything - every pattern into one Vectorscan database (RM_ONE_DB) */
static int compile_everything(rule_matcher *m, const bk_ruleset *rs, const compiled_form *f,
                              char *err, size_t errlen)
{
    const char **exprs = malloc((m->n ? m->n : 1) * sizeof *exprs);
    unsigned *flags = malloc((m->n ? m->n : 1) * sizeof *flags);
    unsigned *ids = malloc((m->n ? m->n : 1) * sizeof *ids);
    int rc = -1;
    if (!exprs || !flags || !ids) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        if (f->expr[i])
            exprs[n] = f->expr[i], flags[n] = f->flags[i], ids[n++] = (unsigned)i;
    rc = 0;
    if (n == 0)
        goto done;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &m->all, &ce) !=
        HS_SUCCESS) {
        if (ce && ce->expression >= 0 && (size_t)ce->expression < n)
            compile_error(rs, ids[ce->expression], ce, err, errlen);
        else
            snprintf(err, errlen, "rules do not compile: %s", ce ? ce->message : "?");
        hs_free_compile_error(ce);
        rc = -1;
    }
done:
    free(exprs), free(flags), free(ids);
    return rc;
}

/* add_factors - the strings of fs are factors of pattern p; with edges, the
 * pattern is direct and these are its boundaries; -1 out of memory */
static int add_factors(factor_table *t, const factor_set *fs, const unsigned char *edges,
                       uint32_t p)
{
    for (size_t k = 0; k < fs->n; k++) {
        long li = literal_index(t, fs->s[k], fs->len[k]);
        uint32_t v = edges ? p | PAIR_DIRECT | (uint32_t)edges[k] << PAIR_EDGE_SHIFT : p;
        if (li < 0 || add_pair(t, (uint32_t)li, v) != 0)
            return -1;
    }
    return 0;
}

/* check_pattern - Vectorscan reads pattern i as it would compile it: 0 and its
 * widths when it accepts it, -1 with err saying why not */
static int check_pattern(rule_matcher *m, const bk_ruleset *rs, const compiled_form *f,
                         size_t i, char *err, size_t errlen)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_expression_info(f->expr[i], f->flags[i], &info, &ce) != HS_SUCCESS) {
        compile_error(rs, i, ce, err, errlen);
        hs_free_compile_error(ce);
        return -1;
    }
    uint32_t lo = info->min_width, hi = info->max_width;
    free(info);
    if (lo == 0) { /* what hs_compile says of it */
        hs_compile_error_t empty = {"Pattern matches empty buffer; use HS_FLAG_ALLOWEMPTY to "
                                    "enable support.",
                                    0};
        compile_error(rs, i, &empty, err, errlen);
        return -1;
    }
    m->min_width[i] = lo;
    m->max_width[i] = hi == UINT_MAX ? WIDTH_UNBOUNDED : hi;
    return 0;
}

/* is_direct - can pattern i (checked) be matched by its strings alone
 * (factors_exact)? Only when Vectorscan agrees on its widths */
static int is_direct(const rule_matcher *m, const compiled_form *f, size_t i, exact_set *ex)
{
    if ((f->flags[i] & HS_FLAG_UTF8) || !factors_exact(f->expr[i], strlen(f->expr[i]), ex))
        return 0;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t k = 0; k < ex->set.n; k++) {
        lo = ex->set.len[k] < lo ? ex->set.len[k] : lo;
        hi = ex->set.len[k] > hi ? ex->set.len[k] : hi;
    }
    return m->min_width[i] == lo && m->max_width[i] == hi;
}

/* compile_all - the literal database and table, and how each pattern is
 * matched (RM_TWO_STAGE); every pattern in one database (RM_ONE_DB) */
static int compile_all(rule_matcher *m, const bk_ruleset *rs, const compiled_form *f,
                       rm_kind kind, char *err, size_t errlen)
{
    if (kind == RM_ONE_DB)
        return compile_everything(m, rs, f, err, errlen);
    factor_table t = {0};
    exact_set ex;
    factor_set fs;
    int rc = -1;
    if (m->n > PAIR_PATTERN) {
        snprintf(err, errlen, "too many rules");
        goto done;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!f->expr[i])
            continue;
        if (check_pattern(m, rs, f, i, err, errlen) != 0)
            goto done;
        int added = 0;
        if (is_direct(m, f, i, &ex)) {
            m->way[i] = WAY_DIRECT;
            added = add_factors(&t, &ex.set, ex.edge, (uint32_t)i);
        } else if (factors_extract(f->expr[i], strlen(f->expr[i]),
                                   (f->flags[i] & HS_FLAG_UTF8) ? FACTORS_CASELESS_UTF8
                                                                : FACTORS_EXACT,
                                   &fs)) {
            m->way[i] = WAY_CANDIDATE;
            added = add_factors(&t, &fs, NULL, (uint32_t)i);
        } else
            m->way[i] = WAY_ALWAYS;
        if (added != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    if (make_lit_table(m, &t) != 0 || make_key_table(m, &t) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (compile_lits(m, err, errlen) != 0)
        goto done;
    rc = 0;
done:
    table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------------
 * PCRE2: the patterns compiled for the second stage, at every start
 * ---------------------------------------------------------------------- */

/* PCRE2's options for pattern i, as Vectorscan compiles it (pattern_flags):
 * groups do not capture; the search may be bounded (offset limit) */
static uint32_t pcre2_options(const compiled_form *f, size_t i)
{
    uint32_t o = PCRE2_NO_AUTO_CAPTURE | PCRE2_USE_OFFSET_LIMIT;
    if (f->flags[i] & HS_FLAG_UTF8)
        o |= PCRE2_UTF | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF;
    return o;
}

/* pcre2_one - compile one form of pattern i; NULL with err on failure */
static pcre2_code *pcre2_one(const bk_ruleset *rs, size_t i, const char *expr, size_t len,
                             uint32_t options, int *jit, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)expr, len, options, &code, &at, NULL);
    if (!re) {
        PCRE2_UCHAR why[160];
        if (pcre2_get_error_message(code, why, sizeof why) < 0)
            snprintf((char *)why, sizeof why, "error %d", code);
        hs_compile_error_t ce = {(char *)why, 0};
        compile_error(rs, i, &ce, err, errlen);
        return NULL;
    }
    if (*jit && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0)
        *jit = 0; /* no JIT here: pcre2_match interprets */
    return re;
}

/* stops_pick - the likeliest of pattern i's stop bytes (stops.h), the first
 * repeated where there are fewer; none when it has none of them */
static void stops_pick(rule_matcher *m, size_t i, const char *expr, size_t len, int utf8)
{
    static const char LIKELY[] = " \n:;.,\t\r<>()[]\"'=/@";
    stop_set set;
    uint32_t k;
    size_t n = 0;
    if (stops_read(expr, len, utf8, &set, &k))
        for (const char *c = LIKELY; *c && n < STOPS_SEEN; c++)
            if (stops_has(&set, (unsigned char)*c))
                m->stops[i][n++] = (unsigned char)*c;
    for (size_t j = n; n && j < STOPS_SEEN; j++)
        m->stops[i][j] = m->stops[i][0];
    m->stop_k[i] = n ? k : NO_STOPS;
}

/* compile_pcre2 - both forms of every pattern PCRE2 matches: the pattern,
 * and "(?:pattern)(?C1)" without auto-possessification, so that the callout
 * sees every end (end_search) */
static int compile_pcre2(rule_matcher *m, const bk_ruleset *rs, const compiled_form *f,
                         char *err, size_t errlen)
{
    m->jit = 1;
    size_t cap = 0;
    char *wrapped = NULL;
    int rc = 0;
    for (size_t i = 0; i < m->n && rc == 0; i++) {
        if (m->way[i] != WAY_CANDIDATE && m->way[i] != WAY_ALWAYS)
            continue;
        if (m->way[i] == WAY_ALWAYS)
            m->always[m->n_always++] = (unsigned)i;
        size_t len = strlen(f->expr[i]);
        if (len + 16 > cap) {
            cap = len + 256;
            char *p = realloc(wrapped, cap);
            if (!p) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            wrapped = p;
        }
        int n = snprintf(wrapped, cap, "(?:%s)(?C1)", f->expr[i]);
        uint32_t o = pcre2_options(f, i);
        if (m->max_width[i] == WIDTH_UNBOUNDED) /* else the width bounds its start */
            stops_pick(m, i, f->expr[i], len, (o & PCRE2_UTF) != 0);
        if (!(m->re[i] = pcre2_one(rs, i, f->expr[i], len, o, &m->jit, err, errlen)) ||
            !(m->re_end[i] = pcre2_one(rs, i, wrapped, (size_t)n, o | PCRE2_NO_AUTO_POSSESS,
                                       &m->jit, err, errlen)))
            rc = -1;
    }
    free(wrapped);
    return rc;
}

/* ------------------------------------------------------------------------
 * The cache file: "BKRM5\n\0\0", then little-endian-as-the-host records:
 * n, n_lits, lit_start[n_lits + 1], lit_len[n_lits], lit_pattern[lit_start[n_lits]],
 * way[n], min_width[n], max_width[n], n_lit_bytes, lit_off[n_lits],
 * lit_bytes[n_lit_bytes], n_keys, key_start[n_keys + 1], key_len[n_keys],
 * key_lits[n_lits], then the serialized literal (key) database as a length
 * (0: none) and its bytes; its ids are key_start[j] << KEY_ID_SHIFT | key_len[j].
 * ---------------------------------------------------------------------- */

static const char CACHE_MAGIC[8] = "BKRM5\n";

uint64_t rm_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* cache_path - the file for these rules; 0 when caching is off or there is
 * no place for it */
static int cache_path(uint64_t source_hash, rm_kind kind, char *buf, size_t len, char *dir,
                      size_t dirlen)
{
    if (kind != RM_TWO_STAGE || !bk_cache_dir(dir, dirlen))
        return 0;
    /* the Vectorscan and PCRE2 versions and the way patterns are compiled
     * (bump COMPILE_SCHEME when that changes) are part of the name too */
    static const char COMPILE_SCHEME[] = "lower-case ASCII, literal factors, direct strings, "
                                         "PCRE2 widths, keys of 8 bytes whatever they stand for, "
                                         "keys' ids their entries and length, 8, "
                                         "12 for a piece of a common word, after a leading space, "
                                         "a URL scheme, or across a word's end, "
                                         "a shorter key for up to 32 literals that begin with it";
    char pcre2_version[64] = "";
    pcre2_config(PCRE2_CONFIG_VERSION, pcre2_version);
    uint64_t h = rm_hash(source_hash, hs_version(), strlen(hs_version()));
    h = rm_hash(h, pcre2_version, strlen(pcre2_version));
    h = rm_hash(h, COMPILE_SCHEME, sizeof COMPILE_SCHEME);
    int n = snprintf(buf, len, "%s/rules-%016llx.hsdb", dir, (unsigned long long)h);
    return n > 0 && (size_t)n < len;
}

/* reader - bounded reads from the cached bytes */
typedef struct {
    const char *p;
    size_t n, i;
} reader;

/* take - the next len bytes, NULL past the end */
static const char *take(reader *r, size_t len)
{
    if (len > r->n - r->i)
        return NULL;
    const char *p = r->p + r->i;
    r->i += len;
    return p;
}

/* take_u64 - the next number */
static int take_u64(reader *r, uint64_t *v)
{
    const char *p = take(r, sizeof *v);
    if (p)
        memcpy(v, p, sizeof *v);
    return p != NULL;
}

/* take_db - the next database (none for length 0) */
static int take_db(reader *r, hs_database_t **db)
{
    uint64_t len;
    if (!take_u64(r, &len))
        return 0;
    if (len == 0)
        return 1;
    const char *p = len <= r->n - r->i ? take(r, (size_t)len) : NULL;
    return p && hs_deserialize_database(p, (size_t)len, db) == HS_SUCCESS;
}

/* take_array - the next count numbers of size bytes each into a new array */
static void *take_array(reader *r, size_t count, size_t size)
{
    if (count > (r->n - r->i) / (size ? size : 1))
        return NULL;
    void *out = malloc(count ? count * size : 1);
    const char *p = take(r, count * size);
    if (!out || !p) {
        free(out);
        return NULL;
    }
    memcpy(out, p, count * size);
    return out;
}

/* cache_parse_keys - the literals' bytes and keys (after the widths); 0
 * when they do not fit */
static int cache_parse_keys(rule_matcher *m, reader *r)
{
    uint64_t bytes, n_keys;
    if (!take_u64(r, &bytes) || bytes > r->n - r->i || bytes > UINT32_MAX)
        return 0;
    m->n_lit_bytes = (size_t)bytes;
    if (!(m->lit_off = take_array(r, m->n_lits, sizeof *m->lit_off)) ||
        !(m->lit_bytes = take_array(r, m->n_lit_bytes, 1)))
        return 0;
    for (size_t k = 0; k < m->n_lits; k++)
        if (m->lit_len[k] == 0 || m->lit_off[k] > m->n_lit_bytes ||
            m->lit_len[k] > m->n_lit_bytes - m->lit_off[k])
            return 0;
    if (!take_u64(r, &n_keys) || n_keys > m->n_lits || m->n_lits >= KEY_ID_MAX)
        return 0;
    m->n_keys = (size_t)n_keys;
    if (!(m->key_start = take_array(r, m->n_keys + 1, sizeof *m->key_start)) ||
        !(m->key_len = take_array(r, m->n_keys, sizeof *m->key_len)) ||
        !(m->key_lits = take_array(r, m->n_lits, sizeof *m->key_lits)))
        return 0;
    if (m->key_start[0] != 0 || m->key_start[m->n_keys] != m->n_lits)
        return 0;
    /* each key is as long as the literals it stands for begin with (after
     * what key_lead leaves before it) */
    for (size_t j = 0; j < m->n_keys; j++) {
        if (m->key_start[j] >= m->key_start[j + 1] || m->key_len[j] == 0 ||
            m->key_lits[m->key_start[j]] >= m->n_lits)
            return 0;
        const char *key = key_bytes(m, m->key_lits[m->key_start[j]], NULL);
        for (uint32_t i = m->key_start[j]; i < m->key_start[j + 1]; i++) {
            uint32_t k = m->key_lits[i];
            size_t len;
            if (k >= m->n_lits)
                return 0;
            const char *p = key_bytes(m, k, &len);
            if (len < m->key_len[j] || memcmp(p, key, m->key_len[j]) != 0)
                return 0;
        }
    }
    return 1;
}

/* cache_parse - the matcher from the cached bytes; 0 when they do not fit */
static int cache_parse(rule_matcher *m, const char *bytes, size_t len)
{
    reader r = {bytes, len, 0};
    const char *magic = take(&r, sizeof CACHE_MAGIC);
    uint64_t n, n_lits;
    if (!magic || memcmp(magic, CACHE_MAGIC, sizeof CACHE_MAGIC) != 0 || !take_u64(&r, &n) ||
        n != m->n || !take_u64(&r, &n_lits) || n_lits > len)
        return 0;
    m->n_lits = (size_t)n_lits;
    m->lit_start = malloc((m->n_lits + 1) * sizeof *m->lit_start);
    const char *p = take(&r, (m->n_lits + 1) * sizeof *m->lit_start);
    if (!m->lit_start || !p)
        return 0;
    memcpy(m->lit_start, p, (m->n_lits + 1) * sizeof *m->lit_start);
    m->lit_len = malloc((m->n_lits ? m->n_lits : 1) * sizeof *m->lit_len);
    p = take(&r, m->n_lits * sizeof *m->lit_len);
    if (!m->lit_len || !p)
        return 0;
    memcpy(m->lit_len, p, m->n_lits * sizeof *m->lit_len);
    size_t np = m->lit_start[m->n_lits];
    for (size_t k = 0; k < m->n_lits; k++)
        if (m->lit_start[k] > m->lit_start[k + 1])
            return 0;
    if (m->lit_start[0] != 0 || np > len)
        return 0;
    m->lit_pattern = malloc((np ? np : 1) * sizeof *m->lit_pattern);
    p = take(&r, np * sizeof *m->lit_pattern);
    if (!m->lit_pattern || !p)
        return 0;
    memcpy(m->lit_pattern, p, np * sizeof *m->lit_pattern);
    for (size_t i = 0; i < np; i++)
        if ((m->lit_pattern[i] & PAIR_PATTERN) >= m->n)
            return 0;
    const char *way = take(&r, m->n), *lo = take(&r, m->n * sizeof *m->min_width),
               *hi = take(&r, m->n * sizeof *m->max_width);
    if (!way || !lo || !hi)
        return 0;
    memcpy(m->way, way, m->n);
    memcpy(m->min_width, lo, m->n * sizeof *m->min_width);
    memcpy(m->max_width, hi, m->n * sizeof *m->max_width);
    for (size_t i = 0; i < m->n; i++)
        if (m->way[i] > WAY_ALWAYS || (m->way[i] != WAY_NONE && m->min_width[i] == 0))
            return 0;
    /* a literal names a pattern of its kind */
    for (size_t i = 0; i < np; i++)
        if (m->way[m->lit_pattern[i] & PAIR_PATTERN] !=
            ((m->lit_pattern[i] & PAIR_DIRECT) ? WAY_DIRECT : WAY_CANDIDATE))
            return 0;
    if (!cache_parse_keys(m, &r))
        return 0;
    if (!take_db(&r, &m->lit))
        return 0;
    return r.i == r.n;
}

/* clear - drop whatever a failed load left */
static void clear(rule_matcher *m)
{
    hs_free_database(m->lit);
    hs_free_database(m->all);
    free(m->lit_start);
    free(m->lit_pattern);
    free(m->lit_len);
    free(m->lit_off);
    free(m->lit_bytes);
    free(m->key_start);
    free(m->key_lits);
    free(m->key_len);
    free(m->key_entries);
    free(m->lead_word);
    m->key_entries = NULL;
    m->lead_word = NULL;
    m->lit = m->all = NULL;
    m->lit_start = m->lit_pattern = m->lit_len = NULL;
    m->lit_off = m->key_start = m->key_lits = m->key_len = NULL;
    m->lit_bytes = NULL;
    m->n_lits = m->n_keys = m->n_lit_bytes = 0;
    memset(m->way, 0, m->n);
}

/* cache_load - the cached databases, when there is a good file */
static int cache_load(rule_matcher *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (256 << 20)) {
        char *bytes = malloc((size_t)st.st_size);
        if (bytes && fread(bytes, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
            ok = cache_parse(m, bytes, (size_t)st.st_size);
        free(bytes);
    }
    fclose(f);
    if (!ok)
        clear(m);
    return ok;
}

/* cache_prune - keep the newest CACHE_KEEP databases of the directory */
#define CACHE_KEEP 8
static void cache_prune(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct {
        char name[96];
        time_t mtime;
    } files[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        size_t len = strlen(e->d_name);
        if (len < 12 || len >= sizeof files[0].name || strncmp(e->d_name, "rules-", 6) != 0 ||
            strcmp(e->d_name + len - 5, ".hsdb") != 0)
            continue;
        char path[1200];
        struct stat st;
        snprintf(path, sizeof path, "%.1000s/%.95s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        memcpy(files[n].name, e->d_name, len + 1);
        files[n].mtime = st.st_mtime;
        n++;
    }
    closedir(d);
    while (n > CACHE_KEEP) {
        size_t oldest = 0;
        for (size_t i = 1; i < n; i++)
            if (files[i].mtime < files[oldest].mtime)
                oldest = i;
        char path[1200];
        snprintf(path, sizeof path, "%.1000s/%.95s", dir, files[oldest].name);
        unlink(path);
        files[oldest] = files[--n];
    }
}

/* put_db - write one database as length and bytes; 0 on failure */
static int put_db(FILE *f, const hs_database_t *db)
{
    uint64_t len = 0;
    if (!db)
        return fwrite(&len, sizeof len, 1, f) == 1;
    char *bytes = NULL;
    size_t n = 0;
    if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
        return 0;
    len = n;
    int ok = fwrite(&len, sizeof len, 1, f) == 1 && fwrite(bytes, 1, n, f) == n;
    free(bytes);
    return ok;
}

/* put_keys - the literals' bytes and keys; 0 on failure */
static int put_keys(const rule_matcher *m, FILE *f)
{
    uint64_t bytes = m->n_lit_bytes, n_keys = m->n_keys;
    uint32_t zero = 0;
    return fwrite(&bytes, sizeof bytes, 1, f) == 1 &&
           (m->n_lits == 0 || fwrite(m->lit_off, sizeof *m->lit_off, m->n_lits, f) == m->n_lits) &&
           (bytes == 0 || fwrite(m->lit_bytes, 1, m->n_lit_bytes, f) == m->n_lit_bytes) &&
           fwrite(&n_keys, sizeof n_keys, 1, f) == 1 &&
           (m->key_start ? fwrite(m->key_start, sizeof *m->key_start, m->n_keys + 1, f) ==
                               m->n_keys + 1
                         : fwrite(&zero, sizeof zero, 1, f) == 1) &&
           (m->n_keys == 0 || fwrite(m->key_len, sizeof *m->key_len, m->n_keys, f) == m->n_keys) &&
           (m->n_lits == 0 ||
            fwrite(m->key_lits, sizeof *m->key_lits, m->n_lits, f) == m->n_lits);
}

/* cache_write - the whole matcher into f; 0 on failure */
static int cache_write(const rule_matcher *m, FILE *f)
{
    uint64_t n = m->n, n_lits = m->n_lits;
    size_t np = m->lit_start ? m->lit_start[m->n_lits] : 0;
    uint32_t zero = 0;
    int ok = fwrite(CACHE_MAGIC, sizeof CACHE_MAGIC, 1, f) == 1 &&
             fwrite(&n, sizeof n, 1, f) == 1 && fwrite(&n_lits, sizeof n_lits, 1, f) == 1 &&
             (m->lit_start ? fwrite(m->lit_start, sizeof *m->lit_start, m->n_lits + 1, f) ==
                                 m->n_lits + 1
                           : fwrite(&zero, sizeof zero, 1, f) == 1) &&
             (m->n_lits == 0 || fwrite(m->lit_len, sizeof *m->lit_len, m->n_lits, f) == m->n_lits) &&
             (np == 0 || fwrite(m->lit_pattern, sizeof *m->lit_pattern, np, f) == np) &&
             (m->n == 0 || (fwrite(m->way, 1, m->n, f) == m->n &&
                            fwrite(m->min_width, sizeof *m->min_width, m->n, f) == m->n &&
                            fwrite(m->max_width, sizeof *m->max_width, m->n, f) == m->n)) &&
             put_keys(m, f) && put_db(f, m->lit);
    return ok;
}

/* put_matcher - cache_write for bk_replace_file */
static int put_matcher(FILE *f, const void *m)
{
    return cache_write(m, f);
}

/* cache_store - keep the databases for the next start (errors are ignored:
 * the cache only saves time) */
static void cache_store(const rule_matcher *m, const char *path, const char *dir)
{
    bk_replace_file(path, dir, put_matcher, m);
    cache_prune(dir);
}

/* make_proto - one scratch space fit for every database */
static int make_proto(rule_matcher *m)
{
    if (m->lit && hs_alloc_scratch(m->lit, &m->proto) != HS_SUCCESS)
        return -1;
    if (m->all && hs_alloc_scratch(m->all, &m->proto) != HS_SUCCESS)
        return -1;
    return 0;
}

rule_matcher *rm_new(const bk_ruleset *rs, uint64_t source_hash, rm_kind kind, char *err,
                     size_t errlen)
{
    rule_matcher *m = calloc(1, sizeof *m);
    compiled_form f = {0};
    if (m) {
        m->n = rs->n_rules + rs->n_texts;
        size_t n = m->n ? m->n : 1;
        m->way = calloc(n, 1);
        m->min_width = calloc(n, sizeof *m->min_width);
        m->max_width = calloc(n, sizeof *m->max_width);
        m->re = calloc(n, sizeof *m->re);
        m->re_end = calloc(n, sizeof *m->re_end);
        m->always = calloc(n, sizeof *m->always);
        m->stops = calloc(n, sizeof *m->stops);
        m->stop_k = malloc(n * sizeof *m->stop_k);
        for (size_t i = 0; m->stop_k && i < n; i++)
            m->stop_k[i] = NO_STOPS;
    }
    if (!m || !m->way || !m->min_width || !m->max_width || !m->re || !m->re_end ||
        !m->always || !m->stops || !m->stop_k || form_make(rs, m->n, &f) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    char path[1100], dir[1024];
    int cached = cache_path(source_hash, kind, path, sizeof path, dir, sizeof dir);
    if (!(cached && cache_load(m, path))) {
        if (compile_all(m, rs, &f, kind, err, errlen) != 0)
            goto fail;
        if (cached)
            cache_store(m, path, dir);
    }
    if (kind == RM_TWO_STAGE && make_entries(m) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; kind == RM_ONE_DB && i < m->n; i++)
        if (f.expr[i] && looks_at_end(f.expr[i]))
            m->all_at_end = 1;
    if (compile_pcre2(m, rs, &f, err, errlen) != 0)
        goto fail;
    if (make_proto(m) != 0) {
        snprintf(err, errlen, "out of memory for the scratch space");
        goto fail;
    }
    form_free(&f, m ? m->n : 0);
    m->id = atomic_fetch_add(&next_matcher_id, 1);
    return m;
fail:
    form_free(&f, m ? m->n : 0);
    rm_free(m);
    return NULL;
}

void rm_free(rule_matcher *m)
{
    if (!m)
        return;
    if (m->way)
        clear(m);
    for (size_t i = 0; m->re && i < m->n; i++)
        pcre2_code_free(m->re[i]);
    for (size_t i = 0; m->re_end && i < m->n; i++)
        pcre2_code_free(m->re_end[i]);
    free(m->re);
    free(m->re_end);
    free(m->way);
    free(m->min_width);
    free(m->max_width);
    free(m->always);
    free(m->stops);
    free(m->stop_k);
    hs_free_scratch(m->proto);
    free(m);
}

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
