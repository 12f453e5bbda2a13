/*
 * rulematch.c - the rule patterns compiled for matching (see rulematch.h);
 * the cache file is rulematch_cache.c, the scan rulematch_scan.c.
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
 */
#include "rulematch_internal.h"
#include "stops.h"
#include "text.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

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

/* rm_key_bytes - where literal k's key begins, and its length from there */
const char *rm_key_bytes(const rule_matcher *m, uint32_t k, size_t *len)
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
            const char *key = rm_key_bytes(m, k, &len);
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
            exprs[j] = rm_key_bytes(m, m->key_lits[m->key_start[j]], NULL);
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
    int cached = rm_cache_path(source_hash, kind, path, sizeof path, dir, sizeof dir);
    if (!(cached && rm_cache_load(m, path))) {
        if (compile_all(m, rs, &f, kind, err, errlen) != 0)
            goto fail;
        if (cached)
            rm_cache_store(m, path, dir);
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
        rm_clear(m);
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
