/*
 * markers.c - the formats' fixed phrases found in one pass (see markers.h).
 *
 * Phrases are remembered by address in a small open-addressing table (those
 * of one or two bytes are left to a direct search, see MARKERS_SHORT). The
 * database is Vectorscan's literal compiler with HS_FLAG_CASELESS (ASCII
 * letters only, as bk_ci_find folds them) and HS_FLAG_SINGLEMATCH: matches
 * come in order of their end, so a phrase's one match is its first end and,
 * its length being fixed, its first start. A scan's answers are kept with
 * the number of the text they belong to, so nothing is cleared between
 * messages.
 */
#include "markers.h"
#include "text.h"

#include <hs/hs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MARKERS_MAX 1024          /* phrases remembered; more are searched directly */
#define MARKERS_SLOTS 2048        /* hash slots (a power of two, twice the above) */
#define MARKERS_FIRST_BUILD 1024  /* messages read before the first compilation (it
                                   * costs about as much as a thousand messages
                                   * searched directly) */
#define MARKERS_BUILD_GROWTH 4    /* then again after four times as many, while new phrases come */
#define MARKERS_SHORT 3           /* phrases shorter than this are searched directly: in
                                   * the database, a phrase of one or two bytes (the
                                   * formats ask for "{" and "\n<") holds up the scan
                                   * for all the others */

struct markers {
    const char *slot_key[MARKERS_SLOTS]; /* a phrase's address, NULL: free */
    unsigned slot_id[MARKERS_SLOTS];
    const char *lit[MARKERS_MAX];
    size_t len[MARKERS_MAX];
    size_t n;                 /* phrases remembered */
    size_t compiled;          /* phrases 0..compiled-1 are in db */
    hs_database_t *db;
    hs_scratch_t *scratch;
    unsigned long long text_no;   /* the text being asked about */
    unsigned long long scanned;   /* the text db last scanned (0: none) */
    int scan_failed;              /* that scan did not complete */
    unsigned long long seen[MARKERS_MAX]; /* the text first[] belongs to */
    long first[MARKERS_MAX];
    size_t messages, next_build;
};

/* markers_new - an empty set */
markers *markers_new(void)
{
    markers *k = calloc(1, sizeof *k);
    if (k)
        k->next_build = MARKERS_FIRST_BUILD;
    return k;
}

/* markers_free - release a set */
void markers_free(markers *k)
{
    if (!k)
        return;
    hs_free_scratch(k->scratch);
    hs_free_database(k->db);
    free(k);
}

/* build - every phrase remembered into one database (the old one is kept
 * when compiling fails) */
static void build(markers *k)
{
    unsigned *ids = malloc(k->n * sizeof *ids);
    unsigned *flags = malloc(k->n * sizeof *flags);
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (ids && flags) {
        for (size_t i = 0; i < k->n; i++) {
            ids[i] = (unsigned)i;
            flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
        }
        if (hs_compile_lit_multi(k->lit, flags, ids, k->len, (unsigned)k->n, HS_MODE_BLOCK, NULL,
                                 &db, &ce) != HS_SUCCESS) {
            hs_free_compile_error(ce);
            db = NULL;
        }
    }
    free(ids);
    free(flags);
    if (!db)
        return;
    hs_scratch_t *s = k->scratch;
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS) {
        hs_free_database(db);
        return;
    }
    k->scratch = s;
    hs_free_database(k->db);
    k->db = db;
    k->compiled = k->n;
    k->scanned = 0;
}

/* markers_next - a new text is about to be asked about */
void markers_next(markers *k)
{
    k->text_no++;
    k->messages++;
    if (k->messages >= k->next_build && k->n > k->compiled) {
        build(k);
        k->next_build = k->messages * MARKERS_BUILD_GROWTH;
    }
}

/* slot_of - the hash slot of a phrase's address */
static size_t slot_of(const char *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 40) & (MARKERS_SLOTS - 1);
}

/* phrase_id - the number of a phrase, remembered now if it is new; -1 when
 * the set is full or it is shorter than MARKERS_SHORT */
static long phrase_id(markers *k, const char *literal)
{
    size_t s = slot_of(literal);
    while (k->slot_key[s]) {
        if (k->slot_key[s] == literal)
            return (long)k->slot_id[s];
        s = (s + 1) & (MARKERS_SLOTS - 1);
    }
    size_t len = strlen(literal);
    if (k->n == MARKERS_MAX || len < MARKERS_SHORT)
        return -1;
    k->slot_key[s] = literal;
    k->slot_id[s] = (unsigned)k->n;
    k->lit[k->n] = literal;
    k->len[k->n] = len;
    return (long)k->n++;
}

/* on_match - a phrase's first match: where it starts */
static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    markers *k = ctx;
    if (id < k->compiled && k->seen[id] != k->text_no) {
        k->seen[id] = k->text_no;
        k->first[id] = (long)(to - k->len[id]);
    }
    return 0;
}

/* markers_find - the first place of literal in text[0..len) */
long markers_find(markers *k, const char *text, size_t len, const char *literal)
{
    long id = phrase_id(k, literal);
    if (id < 0 || (size_t)id >= k->compiled || len > UINT32_MAX)
        return bk_ci_find(text, len, literal);
    if (k->scanned != k->text_no) {
        k->scanned = k->text_no;
        k->scan_failed = hs_scan(k->db, text, (unsigned)len, 0, k->scratch, on_match, k) != HS_SUCCESS;
    }
    if (k->scan_failed)
        return bk_ci_find(text, len, literal);
    return k->seen[id] == k->text_no ? k->first[id] : -1;
}

/* markers_compiled - how many phrases the database holds */
size_t markers_compiled(const markers *k)
{
    return k->compiled;
}
