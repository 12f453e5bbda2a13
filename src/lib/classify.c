/*
 * classify.c - the classifier: reply text in, verdict out.
 *
 * bk_classifier_new() reads the reason table and the rule files embedded
 * from data/rules (plus the user's files, which come first), and compiles
 * every pattern into one Vectorscan database. bk_classify() then:
 *   1. parses the reply (bk_reply_parse) and applies the caller's hints;
 *   2. scans the free text once; every matching pattern is a candidate;
 *   3. adds the code rules that hold for the enhanced and reply codes;
 *   4. takes the best candidate by tier, then reason order, then rule order
 *      (docs/rules-format.md "Precedence"), and checks a phrase verdict
 *      against the command and status it answered (context_step);
 *   5. fills the verdict from the reason table, reading the transient
 *      column for 4xx replies; hardbounce needs a permanent failure.
 * The classifier is read-only after construction; each thread keeps its own
 * Vectorscan scratch space, allocated on its first call.
 */
#include "classify_internal.h"
#include "embedded.h"
#include "file.h"
#include "reasons.h"
#include "rules.h"
#include "text.h"

#include <hs.h>
#include <pthread.h>
#include <dirent.h>
#include <errno.h>
#include <time.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_MAX 64 /* candidates kept from one scan */

struct bk_classifier {
    bk_ruleset rs;
    bk_reason_table reasons;
    hs_database_t *db;      /* NULL when there are no patterns */
    unsigned long id;       /* tells thread scratch spaces apart */
    int *code_rules;        /* rules without a pattern, best first */
    size_t n_code_rules;
    uint64_t source_hash;   /* of every rule file read: names the cached database */
};

static atomic_ulong next_classifier_id = 1;

const char *bk_tier_name(bk_tier t)
{
    static const char *const names[] = {"",         "user",           "provider",  "phrase",
                                        "status",   "weak phrase",    "generic status",
                                        "reply code", "default"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "";
}

/* ------------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------- */

/* kind_of - the kind of an embedded rule file, from its path */
static rules_kind kind_of(const char *name)
{
    if (strncmp(name, "providers/", 10) == 0)
        return RULES_PROVIDER;
    if (strncmp(name, "core/", 5) == 0)
        return RULES_CORE;
    return RULES_CODES;
}

/* rank_less - precedence between two rules (see the top comment) */
static int rank_less(const bk_classifier *c, int a, int b)
{
    const bk_rule *ra = &c->rs.rules[a], *rb = &c->rs.rules[b];
    if (ra->tier != rb->tier)
        return ra->tier < rb->tier;
    if (ra->tier == BK_TIER_USER)
        return a < b; /* the user's own order: first rule first */
    int oa = c->reasons.r[ra->reason].order, ob = c->reasons.r[rb->reason].order;
    if (oa != ob)
        return oa < ob;
    return a < b;
}

/* sort_code_rules - insertion sort of the pattern-less rules by rank */
static void sort_code_rules(bk_classifier *c)
{
    for (size_t i = 1; i < c->n_code_rules; i++) {
        int v = c->code_rules[i];
        size_t j = i;
        while (j > 0 && rank_less(c, v, c->code_rules[j - 1])) {
            c->code_rules[j] = c->code_rules[j - 1];
            j--;
        }
        c->code_rules[j] = v;
    }
}

/* hash_bytes - FNV-1a, 64 bits */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* hash_source - fold one rule file (name and content) into the hash */
static void hash_source(bk_classifier *c, const char *name, const void *data, size_t len)
{
    c->source_hash = hash_bytes(c->source_hash, name, strlen(name) + 1);
    c->source_hash = hash_bytes(c->source_hash, &len, sizeof len);
    c->source_hash = hash_bytes(c->source_hash, data, len);
}

/* cache_path - where the compiled database of these rules is kept:
 * $BOUNCEKIT_CACHE_DIR, $XDG_CACHE_HOME/bouncekit or ~/.cache/bouncekit;
 * 0 when caching is off (BOUNCEKIT_CACHE_DIR=off) or there is no place */
static int cache_path(const bk_classifier *c, char *buf, size_t len, char *dir, size_t dirlen)
{
    const char *env = getenv("BOUNCEKIT_CACHE_DIR");
    if (env && strcmp(env, "off") == 0)
        return 0;
    if (env && env[0])
        snprintf(dir, dirlen, "%s", env);
    else if (getenv("XDG_CACHE_HOME") && getenv("XDG_CACHE_HOME")[0])
        snprintf(dir, dirlen, "%s/bouncekit", getenv("XDG_CACHE_HOME"));
    else if (getenv("HOME") && getenv("HOME")[0])
        snprintf(dir, dirlen, "%s/.cache/bouncekit", getenv("HOME"));
    else
        return 0;
    /* the Vectorscan version and the way patterns are compiled (bump
     * COMPILE_SCHEME when that changes) are part of the name too */
    static const char COMPILE_SCHEME[] = "lower-case ASCII, 2";
    uint64_t h = hash_bytes(c->source_hash, hs_version(), strlen(hs_version()));
    h = hash_bytes(h, COMPILE_SCHEME, sizeof COMPILE_SCHEME);
    int n = snprintf(buf, len, "%s/rules-%016llx.hsdb", dir, (unsigned long long)h);
    return n > 0 && (size_t)n < len;
}

/* cache_load - the cached database, when there is a good one */
static hs_database_t *cache_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    hs_database_t *db = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (64 << 20)) {
        char *bytes = malloc((size_t)st.st_size);
        if (bytes && fread(bytes, 1, (size_t)st.st_size, f) == (size_t)st.st_size &&
            hs_deserialize_database(bytes, (size_t)st.st_size, &db) != HS_SUCCESS)
            db = NULL;
        free(bytes);
    }
    fclose(f);
    return db;
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

/* cache_store - keep the database for the next start (errors are ignored:
 * the cache only saves time) */
static void cache_store(const hs_database_t *db, const char *path, const char *dir)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", dir);
    for (char *p = parent + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0700);
            *p = '/';
        }
    mkdir(parent, 0700);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f) {
        int ok = fwrite(bytes, 1, len, f) == len;
        if (fclose(f) == 0 && ok)
            ok = rename(tmp, path) == 0;
        if (!ok)
            unlink(tmp);
    }
    free(bytes);
    cache_prune(parent);
}

/* is_ascii - the pattern holds no byte >= 0x80 */
static int is_ascii(const char *pattern)
{
    for (const unsigned char *p = (const unsigned char *)pattern; *p; p++)
        if (*p >= 0x80)
            return 0;
    return 1;
}

/* pattern_flags - one report per scan. The text is scanned in ASCII lower
 * case, so an ASCII pattern (compiled in lower case, see lower_pattern) needs
 * neither caseless matching nor UTF-8 mode, both costly; a pattern with
 * non-ASCII text keeps both, for the case of its other letters. */
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

/* compile - all rule and provider-text patterns into one database; pattern
 * ids are rule indices, then n_rules + text index */
static int compile(bk_classifier *c, char *err, size_t errlen)
{
    char path[1100], dir[1024];
    int cached = cache_path(c, path, sizeof path, dir, sizeof dir);
    if (cached && (c->db = cache_load(path)) != NULL)
        return 0;
    size_t n = 0, total = c->rs.n_rules + c->rs.n_texts;
    const char **exprs = calloc(total ? total : 1, sizeof *exprs);
    unsigned *flags = calloc(total ? total : 1, sizeof *flags);
    unsigned *ids = calloc(total ? total : 1, sizeof *ids);
    if (!exprs || !flags || !ids) {
        free(exprs), free(flags), free(ids);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char **owned = calloc(total ? total : 1, sizeof *owned);
    if (!owned) {
        free(exprs), free(flags), free(ids);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < total; i++) {
        const char *pat = i < c->rs.n_rules ? c->rs.rules[i].pattern
                                            : c->rs.texts[i - c->rs.n_rules].pattern;
        if (!pat)
            continue;
        flags[n] = pattern_flags(pat);
        ids[n] = (unsigned)i;
        if (!(flags[n] & HS_FLAG_CASELESS)) {
            owned[n] = lower_pattern(pat);
            if (!owned[n]) {
                for (size_t k = 0; k < n; k++)
                    free(owned[k]);
                free(owned), free(exprs), free(flags), free(ids);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            pat = owned[n];
        }
        exprs[n] = pat;
        n++;
    }
    int rc = 0;
    if (n > 0) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_BLOCK, NULL, &c->db, &ce) !=
            HS_SUCCESS) {
            /* name the file and line of the pattern that failed */
            if (ce && ce->expression >= 0 && (size_t)ce->expression < n) {
                unsigned id = ids[ce->expression];
                const char *file;
                size_t line;
                if (id < c->rs.n_rules)
                    file = c->rs.rules[id].file, line = c->rs.rules[id].line;
                else
                    file = c->rs.texts[id - c->rs.n_rules].file,
                    line = c->rs.texts[id - c->rs.n_rules].line;
                snprintf(err, errlen, "%s:%zu: pattern does not compile: %s", file, line,
                         ce->message);
            } else
                snprintf(err, errlen, "rules do not compile: %s", ce ? ce->message : "?");
            hs_free_compile_error(ce);
            rc = -1;
        } else if (cached)
            cache_store(c->db, path, dir);
    }
    for (size_t k = 0; k < n; k++)
        free(owned[k]);
    free(owned), free(exprs), free(flags), free(ids);
    return rc;
}

bk_classifier *bk_classifier_new(const char *const *rule_files, size_t n_files, char *err,
                                 size_t errlen)
{
    return classifier_build(rule_files, n_files, rules_embedded_files, rules_embedded_count, err,
                            errlen);
}

bk_classifier *classifier_build(const char *const *rule_files, size_t n_files,
                                const bk_embedded_file *builtin, size_t n_builtin, char *err,
                                size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    err[0] = '\0';
    bk_classifier *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int have_reasons = 0;
    c->source_hash = 14695981039346656037ULL;
    /* user files first: they take precedence */
    for (size_t i = 0; i < n_files; i++) {
        size_t len;
        char *data = bk_read_file(rule_files[i], (size_t)16 << 20, &len, err, errlen);
        if (!data)
            goto fail;
        int rc = rules_parse(&c->rs, rule_files[i], data, len, RULES_USER, err, errlen);
        hash_source(c, rule_files[i], data, len);
        free(data);
        if (rc != 0)
            goto fail;
    }
    for (size_t i = 0; i < n_builtin; i++) {
        const bk_embedded_file *f = &builtin[i];
        size_t nl = strlen(f->name);
        if (nl > 4 && strcmp(f->name + nl - 4, ".tsv") == 0) {
            if (reasons_load(&c->reasons, f->name, (const char *)f->data, f->len, err, errlen))
                goto fail;
            have_reasons = 1;
            continue;
        }
        if (rules_parse(&c->rs, f->name, (const char *)f->data, f->len, kind_of(f->name), err,
                        errlen) != 0)
            goto fail;
        hash_source(c, f->name, f->data, f->len);
    }
    if (!have_reasons) {
        snprintf(err, errlen, "built-in rules: reasons.tsv is missing");
        goto fail;
    }
    c->code_rules = malloc((c->rs.n_rules ? c->rs.n_rules : 1) * sizeof *c->code_rules);
    if (!c->code_rules) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < c->rs.n_rules; i++)
        if (!c->rs.rules[i].pattern)
            c->code_rules[c->n_code_rules++] = (int)i;
    sort_code_rules(c);
    if (compile(c, err, errlen) != 0)
        goto fail;
    c->id = atomic_fetch_add(&next_classifier_id, 1);
    return c;
fail:
    bk_classifier_free(c);
    return NULL;
}

void bk_classifier_free(bk_classifier *c)
{
    if (!c)
        return;
    hs_free_database(c->db);
    rules_free(&c->rs);
    reasons_free(&c->reasons);
    free(c->code_rules);
    free(c);
}

size_t bk_classifier_rule_count(const bk_classifier *c)
{
    return c->rs.n_rules;
}

/* ------------------------------------------------------------------------
 * Scratch space, one per thread
 * ---------------------------------------------------------------------- */

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local hs_scratch_t *thread_scratch;
static _Thread_local unsigned long thread_scratch_for;

/* free_scratch - thread exit */
static void free_scratch(void *p)
{
    hs_free_scratch(p);
}

static void make_key(void)
{
    pthread_key_create(&scratch_key, free_scratch);
}

/* scratch_for - this thread's scratch, fit for c's database */
static hs_scratch_t *scratch_for(const bk_classifier *c)
{
    if (thread_scratch_for == c->id && thread_scratch)
        return thread_scratch;
    pthread_once(&scratch_once, make_key);
    if (hs_alloc_scratch(c->db, &thread_scratch) != HS_SUCCESS)
        return NULL;
    thread_scratch_for = c->id;
    pthread_setspecific(scratch_key, thread_scratch);
    return thread_scratch;
}

/* ------------------------------------------------------------------------
 * Classifying
 * ---------------------------------------------------------------------- */

typedef struct {
    unsigned ids[MATCH_MAX];
    size_t n;
    int overflow;
} scan_hits;

/* on_match - Vectorscan callback: remember the pattern (each reports once) */
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)from, (void)to, (void)flags;
    scan_hits *h = ctx;
    if (h->n < MATCH_MAX)
        h->ids[h->n++] = id;
    else
        h->overflow = 1;
    return 0;
}

/* host_is - host equals suffix or ends with "." suffix (ASCII, any case) */
static int host_is(const char *host, size_t hl, const bk_host_suffix *suffix)
{
    size_t sl = suffix->len;
    if (sl > hl)
        return 0;
    const char *tail = host + hl - sl;
    for (size_t i = 0; i < sl; i++)
        if (bk_lower((unsigned char)tail[i]) != (unsigned char)suffix->name[i])
            return 0;
    return hl == sl || tail[-1] == '.';
}

/* provider_by_host - the provider whose host suffix the name ends with */
static int provider_by_host(const bk_classifier *c, const char *host, size_t hl)
{
    while (hl && host[hl - 1] == '.')
        hl--;
    if (hl == 0)
        return -1;
    for (size_t p = 0; p < c->rs.n_providers; p++)
        for (size_t h = 0; h < c->rs.providers[p].n_hosts; h++)
            if (host_is(host, hl, &c->rs.providers[p].hosts[h]))
                return (int)p;
    return -1;
}

/* context for the condition checks */
typedef struct {
    int reply, c, s, d, cls;
    bk_command cmd;
    int provider; /* recognised by host or text, -1 */
} facts;

/* holds - do all of a rule's conditions hold? */
static int holds(const bk_rule *r, const facts *f)
{
    if (!rule_status_holds(r, f->c, f->s, f->d))
        return 0;
    if (r->n_reply && (!f->reply || !rule_reply_holds(r, f->reply)))
        return 0;
    if (r->class_mask && !(f->cls && (r->class_mask & (1u << f->cls))))
        return 0;
    if (r->cmd_mask && !(f->cmd && (r->cmd_mask & (1u << f->cmd))))
        return 0;
    if (r->provider_only && r->provider != f->provider)
        return 0;
    return 1;
}

/* add_matched - insert a rule into the best-first list of the verdict */
static void add_matched(const bk_classifier *c, int *list, size_t *n, int *truncated, int rule)
{
    size_t i = *n;
    if (i == BK_MATCHED_MAX) {
        if (!rank_less(c, rule, list[i - 1])) {
            *truncated = 1;
            return;
        }
        i--;
        *truncated = 1;
    } else
        (*n)++;
    while (i > 0 && rank_less(c, rule, list[i - 1])) {
        list[i] = list[i - 1];
        i--;
    }
    list[i] = rule;
}

static void fill_from_reason(const bk_classifier *c, bk_verdict *out, int reason);

/* sender_side - a command that concerns the sending host or the sender:
 * a refusal there is not about the recipient */
static int sender_side(bk_command cmd)
{
    return cmd == BK_CMD_CONNECT || cmd == BK_CMD_HELO || cmd == BK_CMD_EHLO ||
           cmd == BK_CMD_STARTTLS || cmd == BK_CMD_AUTH || cmd == BK_CMD_MAIL;
}

/* context_step - the best candidate list[0], checked against the command and
 * codes it answered (docs/rules-format.md "Context"). Returns the position in
 * list of the deciding rule and sets *reason, or returns -1 when no rule
 * decides.
 *
 * The reasons with an "unconfirmed" entry in reasons.tsv are about the
 * recipient's address or domain (userunknown, hostunknown). A phrase of theirs
 * ("user unknown", "no such domain") stands when the reply answered RCPT.
 * Otherwise:
 *   - it answered CONNECT, HELO, EHLO, STARTTLS, AUTH or MAIL, or its status is
 *     the sender's (X.1.7, X.1.8): the phrase is about the sending host or the
 *     sender, and the best candidate of another reason decides (the sender
 *     status or the reply-code rules for those commands), if there is one;
 *   - it came with a recipient address status (X.1.x): it stands;
 *   - it answered DATA, BDAT or QUIT (after the message was read), or no
 *     command is known and the codes say no more than the class (X.0.0, a
 *     generic status such as 5.7.1, or a reply code alone): it becomes the
 *     unconfirmed reason (userunknown: filtered, a filter that words its
 *     refusal as an unknown user; hostunknown stays);
 *   - no command known, with a specific status (one with a non-generic code
 *     rule) or with no code at all (the text read by its words): it stands.
 * User rules, code rules, rules with status= or cmd= conditions of their own
 * and rules marked `definite` are left alone. */
static int context_step(const bk_classifier *c, const int *list, size_t n, const facts *f,
                        int *reason)
{
    const bk_rule *best = &c->rs.rules[list[0]];
    int alt = c->reasons.r[best->reason].unconfirmed;
    *reason = best->reason;
    if (alt < 0 || !best->pattern || best->tier == BK_TIER_USER || f->cmd == BK_CMD_RCPT)
        return 0;
    int sender = sender_side(f->cmd) || (f->c && f->s == 1 && (f->d == 7 || f->d == 8));
    int specific = 0;
    size_t other = n; /* the best candidate of another reason */
    for (size_t i = 0; i < n; i++) {
        const bk_rule *r = &c->rs.rules[list[i]];
        if (r->reason == best->reason && r->pattern &&
            (r->definite || r->n_status || r->cmd_mask))
            return 0; /* the rule is sure, or checked the context itself */
        if (!r->pattern && r->tier == BK_TIER_STATUS)
            specific = 1;
        if (r->reason != best->reason && other == n)
            other = i;
    }
    if (sender) {
        if (other == n)
            return -1;
        *reason = c->rs.rules[list[other]].reason;
        return (int)other;
    }
    if (f->c && f->s == 1)
        return 0;
    if (f->cmd == BK_CMD_NONE && (specific || (!f->c && !f->reply)))
        return 0;
    *reason = alt;
    return 0;
}

int bk_classify(const bk_classifier *c, const char *text, size_t len, const bk_hints *hints,
                bk_verdict *out, bk_reply *parsed)
{
    bk_reply local;
    bk_reply *r = parsed ? parsed : &local;
    memset(out, 0, sizeof *out);
    bk_reply_parse(text, len, r);

    facts f = {r->reply_code, r->status_class, r->status_subject, r->status_detail, 0,
               r->command, -1};
    if (hints) {
        int hc, hs, hd;
        if (hints->reply_code && bk_reply_code_valid(hints->reply_code))
            f.reply = hints->reply_code;
        /* a known code wins over the text's, except that a bare X.0.0 ("something
         * failed") gives way to a detailed code in the text */
        if (hints->status && bk_status_parse(hints->status, strlen(hints->status), &hc, &hs, &hd) &&
            !(hs == 0 && hd == 0 && (f.s || f.d)))
            f.c = hc, f.s = hs, f.d = hd;
        if (hints->command)
            f.cmd = hints->command;
    }
    bk_decider by;
    bk_decide(f.reply, f.c, &by, &out->permanence);
    f.cls = f.reply ? f.reply / 100 : f.c;
    if (f.cls == 3)
        f.cls = 2;

    /* the provider, from the host names first */
    if (hints && hints->host)
        f.provider = provider_by_host(c, hints->host, strlen(hints->host));
    if (f.provider < 0 && r->host.len)
        f.provider = provider_by_host(c, r->host.ptr, r->host.len);
    if (f.provider < 0 && hints && hints->domain)
        f.provider = provider_by_host(c, hints->domain, strlen(hints->domain));

    scan_hits hits = {{0}, 0, 0};
    if (c->db && r->text_len) {
        hs_scratch_t *s = scratch_for(c);
        if (!s)
            return -1;
        /* the ASCII patterns are compiled in lower case: scan the text so */
        char lower[BK_REPLY_TEXT_MAX];
        for (size_t i = 0; i < r->text_len; i++)
            lower[i] = (char)bk_lower((unsigned char)r->text[i]);
        hs_scan(c->db, lower, (unsigned)r->text_len, 0, s, on_match, &hits);
    }
    /* a provider's text pattern recognises it too */
    for (size_t i = 0; i < hits.n && f.provider < 0; i++)
        if (hits.ids[i] >= c->rs.n_rules)
            f.provider = c->rs.texts[hits.ids[i] - c->rs.n_rules].provider;

    int list[BK_MATCHED_MAX];
    size_t n = 0;
    int truncated = hits.overflow;
    int matched_provider = -1;
    for (size_t i = 0; i < hits.n; i++) {
        unsigned id = hits.ids[i];
        if (id >= c->rs.n_rules)
            continue;
        const bk_rule *rule = &c->rs.rules[id];
        if (!holds(rule, &f))
            continue;
        add_matched(c, list, &n, &truncated, (int)id);
        if (rule->provider >= 0 && matched_provider < 0)
            matched_provider = rule->provider;
    }
    /* code rules: sorted best first, so the first that holds is the best */
    if (f.c || f.reply) {
        unsigned subject_bit = !f.c ? 0x1ffu : f.s < 8 ? 1u << f.s : 1u << 8;
        for (size_t i = 0; i < c->n_code_rules; i++) {
            int id = c->code_rules[i];
            if (!(c->rs.rules[id].subject_mask & subject_bit))
                continue;
            if (holds(&c->rs.rules[id], &f)) {
                add_matched(c, list, &n, &truncated, id);
                break;
            }
        }
    }
    if (f.provider < 0)
        f.provider = matched_provider;

    int reason = -1;
    int at = n > 0 ? context_step(c, list, n, &f, &reason) : -1;
    if (at >= 0) {
        const bk_rule *best = &c->rs.rules[list[at]];
        out->rule = best->id;
        out->tier = best->tier;
    } else {
        const char *fallback = out->permanence == BK_PERM_SUCCESS ? "delivered" : "undefined";
        reason = reason_index(fallback, strlen(fallback));
        out->rule = "";
        out->tier = BK_TIER_DEFAULT;
    }
    for (size_t i = 0; i < n; i++)
        out->matched[i] = c->rs.rules[list[i]].id;
    out->n_matched = n;
    out->matched_truncated = truncated;

    fill_from_reason(c, out, reason);
    out->provider = f.provider >= 0 ? c->rs.providers[f.provider].name : NULL;
    out->reply_code = f.reply;
    if (f.c)
        snprintf(out->status, sizeof out->status, "%d.%d.%d", f.c, f.s, f.d);
    out->command = f.cmd;
    return 0;
}

/* fill_from_reason - the verdict's fields that follow from its reason and permanence */
static void fill_from_reason(const bk_classifier *c, bk_verdict *out, int reason)
{
    const bk_reason_info *ri = &c->reasons.r[reason];
    int t = out->permanence == BK_PERM_TRANSIENT;
    out->reason = ri->name;
    /* the address itself is bad: a permanent failure, or one with no code at
     * all for the reasons that say so by their words alone */
    out->hardbounce = ri->hard_when_permanent == 2
                          ? out->permanence == BK_PERM_PERMANENT
                          : ri->hard_when_permanent && out->permanence != BK_PERM_TRANSIENT &&
                                out->permanence != BK_PERM_SUCCESS;
    out->category = ri->category;
    out->fault = ri->fault;
    out->suggestion = ri->suggestion[t];
    out->severity = ri->severity[t];
    out->bounce_class = ri->bounce_class[t];
    out->pmta_category = ri->pmta[t];
}

int bk_verdict_set_reason(const bk_classifier *c, bk_verdict *v, const char *reason)
{
    int i = reason ? reason_index(reason, strlen(reason)) : -1;
    if (i < 0)
        return -1;
    fill_from_reason(c, v, i);
    v->rule = "";
    v->tier = BK_TIER_DEFAULT;
    return 0;
}

const char *bk_classifier_provider(const bk_classifier *c, const char *host, size_t host_len,
                                   const char *domain, size_t domain_len)
{
    int p = host && host_len ? provider_by_host(c, host, host_len) : -1;
    if (p < 0 && domain && domain_len)
        p = provider_by_host(c, domain, domain_len);
    return p >= 0 ? c->rs.providers[p].name : NULL;
}
