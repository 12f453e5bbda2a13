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
 *
 * Each database made is kept in the cache directory (file.h) with its
 * phrases, and a set that has read MARKERS_CACHE_AFTER texts takes the kept
 * one: its phrases (copies) come first, and a phrase asked for is known by
 * its bytes when its address is new. A database made later holds those and
 * the new ones, so the kept file comes to hold every phrase asked for. When
 * none is kept (or the kept one does not fit), the set makes its own then,
 * to be kept, and again on the schedule above as new phrases come.
 */
#include "markers.h"
#include "file.h"
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
#define MARKERS_CACHE_AFTER 16    /* texts read before the kept database is taken
                                   * (reading it costs about as much as this many
                                   * texts searched directly: a set used for a few
                                   * texts does without) */
#define MARKERS_PHRASE_MAX 4096   /* the longest phrase a kept file may hold */

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
    char *kept;               /* the kept file's bytes: lit[0..n_kept) point into them */
    size_t n_kept;
};

/* the kept file: KEPT_MAGIC, the Vectorscan version (NUL-terminated), the
 * number of phrases and each one's length (uint32_t) and bytes, then the
 * serialized database of those phrases in that order */
static const char KEPT_MAGIC[8] = "BKMK1\n";
#define KEPT_NAME "markers-1.hsdb" /* bump with the way phrases are compiled */

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
    free(k->kept);
    free(k);
}

/* kept_path - the kept file's name and directory; 0 when there is none */
static int kept_path(char *path, size_t len, char *dir, size_t dirlen)
{
    if (!bk_cache_dir(dir, dirlen))
        return 0;
    int n = snprintf(path, len, "%s/" KEPT_NAME, dir);
    return n > 0 && (size_t)n < len;
}

/* put_kept - the set's phrases and database into f (bk_replace_file) */
static int put_kept(FILE *f, const void *ctx)
{
    const markers *k = ctx;
    char *bytes = NULL;
    size_t n = 0;
    if (hs_serialize_database(k->db, &bytes, &n) != HS_SUCCESS)
        return 0;
    uint32_t count = (uint32_t)k->compiled;
    int ok = fwrite(KEPT_MAGIC, sizeof KEPT_MAGIC, 1, f) == 1 &&
             fwrite(hs_version(), strlen(hs_version()) + 1, 1, f) == 1 &&
             fwrite(&count, sizeof count, 1, f) == 1;
    for (size_t i = 0; ok && i < k->compiled; i++) {
        uint32_t len = (uint32_t)k->len[i];
        ok = fwrite(&len, sizeof len, 1, f) == 1 && fwrite(k->lit[i], 1, k->len[i], f) == k->len[i];
    }
    ok = ok && fwrite(bytes, 1, n, f) == n;
    free(bytes);
    return ok;
}

/* kept_phrases - the phrases of the kept file p[0..n) into k (lit[] points
 * into p); the offset of its database, or 0 when the file does not fit */
static size_t kept_phrases(markers *k, const char *p, size_t n)
{
    size_t vlen = strlen(hs_version()) + 1, at = sizeof KEPT_MAGIC + vlen;
    uint32_t count;
    if (n < at + sizeof count || memcmp(p, KEPT_MAGIC, sizeof KEPT_MAGIC) != 0 ||
        memcmp(p + sizeof KEPT_MAGIC, hs_version(), vlen) != 0)
        return 0;
    memcpy(&count, p + at, sizeof count);
    at += sizeof count;
    if (count == 0 || count > MARKERS_MAX)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len;
        if (n - at < sizeof len)
            return 0;
        memcpy(&len, p + at, sizeof len);
        at += sizeof len;
        if (len < MARKERS_SHORT || len > MARKERS_PHRASE_MAX || n - at < len)
            return 0;
        k->lit[i] = p + at;
        k->len[i] = len;
        at += len;
    }
    k->n = count;
    return at;
}

/* kept_id - the number of the kept phrase of these bytes, or -1 */
static long kept_id(const markers *k, const char *literal, size_t len)
{
    for (size_t i = 0; i < k->n_kept; i++)
        if (k->len[i] == len && memcmp(k->lit[i], literal, len) == 0)
            return (long)i;
    return -1;
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
    char path[1100], dir[1024];
    if (kept_path(path, sizeof path, dir, sizeof dir))
        bk_replace_file(path, dir, put_kept, k);
}

/* slot_of - the hash slot of a phrase's address */
static size_t slot_of(const char *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 40) & (MARKERS_SLOTS - 1);
}

/* remember - the number of a new phrase, whose free slot is s; -1 when the
 * set is full or it is shorter than MARKERS_SHORT (kept out of line: once a
 * phrase) */
__attribute__((noinline)) static long remember(markers *k, const char *literal, size_t s)
{
    size_t len = strlen(literal);
    if (len < MARKERS_SHORT)
        return -1;
    long id = kept_id(k, literal, len);
    if (id < 0) {
        if (k->n == MARKERS_MAX)
            return -1;
        id = (long)k->n;
        k->lit[k->n] = literal;
        k->len[k->n++] = len;
    }
    k->slot_key[s] = literal;
    k->slot_id[s] = (unsigned)id;
    return id;
}

/* phrase_id - the number of a phrase, remembered now if it is new (see
 * remember) */
static inline long phrase_id(markers *k, const char *literal)
{
    size_t s = slot_of(literal);
    while (k->slot_key[s]) {
        if (k->slot_key[s] == literal)
            return (long)k->slot_id[s];
        s = (s + 1) & (MARKERS_SLOTS - 1);
    }
    return remember(k, literal, s);
}

/* take_kept - the kept database, when the set has none: its phrases come
 * first, those remembered so far follow (as far as it lacks them). 1 when
 * taken; 0 when none was (or none fit), -1 when there is no place for one. */
static int take_kept(markers *k)
{
    char path[1100], dir[1024], err[64];
    size_t n;
    if (k->db || !kept_path(path, sizeof path, dir, sizeof dir))
        return -1;
    char *p = bk_read_file(path, 16u << 20, &n, err, sizeof err);
    const char **asked = malloc(MARKERS_MAX * sizeof *asked);
    size_t n_asked = k->n;
    if (!p || !asked) {
        free(p);
        free(asked);
        return 0;
    }
    memcpy(asked, k->lit, n_asked * sizeof *asked);
    size_t at = kept_phrases(k, p, n);
    hs_database_t *db = NULL;
    hs_scratch_t *s = NULL;
    if (at && hs_deserialize_database(p + at, n - at, &db) == HS_SUCCESS &&
        hs_alloc_scratch(db, &s) == HS_SUCCESS) {
        k->kept = p;
        k->n_kept = k->compiled = k->n;
        k->db = db;
        k->scratch = s;
        k->scanned = 0;
        memset(k->slot_key, 0, sizeof k->slot_key);
        for (size_t i = 0; i < n_asked; i++)
            phrase_id(k, asked[i]);
        free(asked);
        return 1;
    }
    hs_free_database(db); /* the phrases as they were */
    for (size_t i = 0; i < n_asked; i++) {
        k->lit[i] = asked[i];
        k->len[i] = strlen(asked[i]);
    }
    k->n = n_asked;
    free(p);
    free(asked);
    return 0;
}

/* markers_next - a new text is about to be asked about */
void markers_next(markers *k)
{
    k->text_no++;
    k->messages++;
    /* with none kept yet, one is made now to be kept, so that later runs
     * have it however short they are (then again as the schedule says) */
    if (k->messages == MARKERS_CACHE_AFTER && take_kept(k) == 0 && k->n > k->compiled)
        build(k);
    if (k->messages >= k->next_build && k->n > k->compiled) {
        build(k);
        k->next_build = k->messages * MARKERS_BUILD_GROWTH;
    }
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

/* scan - the text's one scan (kept out of line: once a text); 1 when it
 * completed */
__attribute__((noinline)) static int scan(markers *k, const char *text, size_t len)
{
    k->scanned = k->text_no;
    k->scan_failed = hs_scan(k->db, text, (unsigned)len, 0, k->scratch, on_match, k) != HS_SUCCESS;
    return !k->scan_failed;
}

/* markers_find - the first place of literal in text[0..len) */
long markers_find(markers *k, const char *text, size_t len, const char *literal)
{
    long id = phrase_id(k, literal);
    if (id < 0 || (size_t)id >= k->compiled || len > UINT32_MAX ||
        (k->scanned == k->text_no ? k->scan_failed : !scan(k, text, len)))
        return bk_ci_find(text, len, literal);
    return k->seen[id] == k->text_no ? k->first[id] : -1;
}

/* markers_compiled - how many phrases the database holds */
size_t markers_compiled(const markers *k)
{
    return k->compiled;
}
