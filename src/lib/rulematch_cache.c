/*
 * rulematch_cache.c - the compiled literal database and its tables kept in
 * one file between runs (see rulematch.c for what they are).
 *
 * Caching: the literal database, the literal-to-pattern table and the match
 * widths are kept in one file, named by the rule files, the Vectorscan and
 * PCRE2 versions and the way patterns are compiled, under
 * $BOUNCEKIT_CACHE_DIR, $XDG_CACHE_HOME/bouncekit or ~/.cache/bouncekit
 * (BOUNCEKIT_CACHE_DIR=off: none). PCRE2 patterns are compiled at every start
 * (a few milliseconds).
 */
#include "rulematch_internal.h"
#include "file.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* rm_cache_path - the file for these rules; 0 when caching is off or there is
 * no place for it */
int rm_cache_path(uint64_t source_hash, rm_kind kind, char *buf, size_t len, char *dir,
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
        const char *key = rm_key_bytes(m, m->key_lits[m->key_start[j]], NULL);
        for (uint32_t i = m->key_start[j]; i < m->key_start[j + 1]; i++) {
            uint32_t k = m->key_lits[i];
            size_t len;
            if (k >= m->n_lits)
                return 0;
            const char *p = rm_key_bytes(m, k, &len);
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

/* rm_clear - drop whatever a failed load left */
void rm_clear(rule_matcher *m)
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

/* rm_cache_load - the cached databases, when there is a good file */
int rm_cache_load(rule_matcher *m, const char *path)
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
        rm_clear(m);
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

/* rm_cache_store - keep the databases for the next start (errors are ignored:
 * the cache only saves time) */
void rm_cache_store(const rule_matcher *m, const char *path, const char *dir)
{
    bk_replace_file(path, dir, put_matcher, m);
    cache_prune(dir);
}
