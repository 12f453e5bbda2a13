/*
 * classify.c - the classifier: reply text in, verdict out.
 *
 * bk_classifier_new() reads the reason table and the rule files embedded
 * from data/rules (plus the user's files, which come first), and compiles
 * every pattern for matching (rulematch.c). bk_classify() then:
 *   1. parses the reply (bk_reply_parse) and applies the caller's hints;
 *   2. matches the free text against the patterns: a literal prefilter scan
 *      names the candidates (rules whose code or command conditions fail are
 *      left out); with hints->explain each is searched for (match_all),
 *      otherwise only those that can change the verdict, best first
 *      (decide_lazy: the same verdict, tests/unit/test_cases.c checks it);
 *   3. adds the code rules that hold for the enhanced and reply codes;
 *   4. takes the best candidate by tier, then reason order, then rule order
 *      (docs/rules-format.md "Precedence"), and checks a phrase verdict
 *      against the command and status it answered (context_step);
 *   5. fills the verdict from the reason table, reading the transient
 *      column for 4xx replies; hardbounce needs a permanent failure.
 * The classifier is read-only after construction; each thread keeps its own
 * Vectorscan scratch space (rulematch_scan.c), allocated on its first call.
 */
#include "classify_internal.h"
#include "embedded.h"
#include "file.h"
#include "reasons.h"
#include "rules.h"
#include "rulematch.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCH_MAX 64 /* candidates kept from one scan */
#define BY_SD_DETAILS 32
#define BY_SD (8 * BY_SD_DETAILS)
#define BY_CSD (3 * BY_SD) /* the classes 2, 4 and 5 */
#define BY_REPLY_LO 100 /* the reply codes of by_reply: 100-599 */
#define BY_REPLY 500

/* the patterns that matched a text, in the order of their ends */
typedef struct {
    unsigned ids[MATCH_MAX];
    size_t n;
    int overflow;
} scan_hits;

/* a provider's host suffix, for provider_by_host: the lowest provider of
 * those that list it */
typedef struct {
    const char *name; /* lower case */
    size_t len;
    int provider;
} host_key;

struct bk_classifier {
    bk_ruleset rs;
    bk_reason_table reasons;
    rule_matcher *matcher;  /* every rule and provider-text pattern */
    int *code_rules;        /* rules without a pattern, best first */
    size_t n_code_rules;
    /* the same by status, for the classes 2, 4, 5, subjects 0-7 and details
     * 0-31: the rules whose status conditions hold for it, by_csd[by_csd_start[K]
     * .. by_csd_start[K + 1]), K = class_slot(c) * 256 + s * 32 + d */
    int *by_csd;
    uint32_t by_csd_start[BY_CSD + 1];
    uint64_t *rank;         /* [n_rules]: precedence, lower first (rank_key) */
    uint32_t *cond;         /* [n_rules]: the class and command masks (cond_of) */
    unsigned char *ask;     /* [n_rules + n_texts]: may wanted_pattern refuse it? */
    int *code_no_status;    /* the code rules without status conditions, best first: */
    size_t n_code_no_status; /* the only ones that can hold when there is no status */
    /* the same by reply code: those whose reply code conditions hold for reply
     * code R, by_reply[by_reply_start[K] .. by_reply_start[K + 1]), K = R - 100 */
    int *by_reply;
    uint32_t by_reply_start[BY_REPLY + 1];
    /* and those that may hold for a status of class slot C and subject S with
     * a detail beyond 31 (5.7.606) by their status conditions (those without
     * any are by_reply's): by_far[by_far_start[C * 8 + S] ..) */
    int *by_far;
    uint32_t by_far_start[3 * 8 + 1];
    uint64_t source_hash;   /* of every rule file read: names the cached database */
    host_key *hosts;        /* every provider's host suffixes, sorted (host_key_cmp) */
    size_t n_hosts;
    uint32_t *host_slots;   /* open addressing by host_hash: hosts index + 1, 0 empty */
    size_t host_mask;       /* slots less one (a power of two less one) */
    size_t host_max_len;    /* of the longest host suffix: no longer suffix is looked up */
    size_t host_min_len;    /* of the shortest: nor a shorter one */
};

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

/* rank_key - precedence of rule i as one number: tier, then the user's
 * order or the reason's, then the rule's own (as rank_less orders them);
 * its low 32 bits are i (ranked_holding reads the rule from its key) */
static uint64_t rank_key(const bk_classifier *c, size_t i)
{
    const bk_rule *r = &c->rs.rules[i];
    uint64_t order = r->tier == BK_TIER_USER ? 0 : (uint64_t)c->reasons.r[r->reason].order;
    return (uint64_t)r->tier << 56 | (order & 0xffffff) << 32 | (uint64_t)i;
}

/* a rule's class mask (bits 0-9) and command mask (bits 16-31) packed in
 * one word with what else it asks for, read for every rule the prefilter
 * names and every code rule tried: the rule itself is read only when it has
 * other conditions (or masks that do not fit) */
#define COND_REPLY 0x400u    /* reply code conditions */
#define COND_STATUS 0x800u   /* status conditions */
#define COND_PROVIDER 0x1000u /* provider-only */
#define COND_NOFIT 0x8000u   /* the masks are not here: read the rule */

/* cond_of - the packed conditions of rule r */
static uint32_t cond_of(const bk_rule *r)
{
    if (r->class_mask >= 1u << 10 || r->cmd_mask >= 1u << 16)
        return COND_NOFIT;
    return r->class_mask | r->cmd_mask << 16 | (r->n_reply ? COND_REPLY : 0) |
           (r->n_status ? COND_STATUS : 0) | (r->provider_only ? COND_PROVIDER : 0);
}

/* rank_less - precedence between two rules (see the top comment), once the
 * rank keys are made */
static int rank_less(const bk_classifier *c, int a, int b)
{
    return c->rank[a] < c->rank[b];
}

/* sort_code_rules - insertion sort of the pattern-less rules by rank
 * (the rank keys made) */
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

/* class_slot - the index of a status class in by_csd: 0-2, -1 for another */
static int class_slot(int cls)
{
    return cls == 2 ? 0 : cls == 4 ? 1 : cls == 5 ? 2 : -1;
}

/* may_hold_far - does rule r have status conditions that may hold for a
 * status of class c, subject s and a detail beyond the index? */
static int may_hold_far(const bk_rule *r, int c, int s)
{
    for (int i = 0; i < r->n_status; i++) {
        const status_pat *p = &r->status[i];
        if ((p->c < 0 || p->c == c) && (p->s < 0 || p->s == s) &&
            (p->d < 0 || p->d >= BY_SD_DETAILS))
            return 1;
    }
    return 0;
}

/* the status classes of by_csd and by_far, by class slot (class_slot) */
static const int SLOT_CLASS[3] = {2, 4, 5};

/* key_holds - may rule r be in the list of key k of one index? */
typedef int key_holds(const bk_rule *r, int k);

/* csd_holds - by_csd: do r's status conditions hold for key k? */
static int csd_holds(const bk_rule *r, int k)
{
    return rule_status_holds(r, SLOT_CLASS[k / BY_SD], k % BY_SD / BY_SD_DETAILS,
                             k % BY_SD_DETAILS);
}

/* reply_holds - by_reply: do r's reply code conditions hold for key k? */
static int reply_holds(const bk_rule *r, int k)
{
    return rule_reply_holds(r, BY_REPLY_LO + k);
}

/* far_holds - by_far: has r status conditions that may hold for key k
 * (class slot * 8 + subject)? */
static int far_holds(const bk_rule *r, int k)
{
    return may_hold_far(r, SLOT_CLASS[k / 8], k % 8);
}

/* index_by - the rules of ids[0, n_ids) (in their order) for each of the
 * n_keys keys that holds accepts: those of key k are (*out)[start[k] ..
 * start[k + 1]); -1 out of memory */
static int index_by(const bk_classifier *c, const int *ids, size_t n_ids, int n_keys,
                    key_holds *holds, int **out, uint32_t *start)
{
    size_t total = 0;
    for (int k = 0; k < n_keys; k++)
        for (size_t i = 0; i < n_ids; i++)
            total += (size_t)holds(&c->rs.rules[ids[i]], k);
    *out = malloc((total ? total : 1) * sizeof **out);
    if (!*out)
        return -1;
    size_t n = 0;
    for (int k = 0; k < n_keys; k++) {
        start[k] = (uint32_t)n;
        for (size_t i = 0; i < n_ids; i++)
            if (holds(&c->rs.rules[ids[i]], k))
                (*out)[n++] = ids[i];
    }
    start[n_keys] = (uint32_t)n;
    return 0;
}

/* index_codes - the code rules by status class, subject and detail (and by
 * class and subject for a detail beyond the index), and those without
 * status conditions by reply code; -1 out of memory */
static int index_codes(bk_classifier *c)
{
    c->code_no_status = malloc((c->n_code_rules ? c->n_code_rules : 1) * sizeof(int));
    if (!c->code_no_status)
        return -1;
    for (size_t i = 0; i < c->n_code_rules; i++)
        if (c->rs.rules[c->code_rules[i]].n_status == 0)
            c->code_no_status[c->n_code_no_status++] = c->code_rules[i];
    if (index_by(c, c->code_rules, c->n_code_rules, BY_CSD, csd_holds, &c->by_csd,
                 c->by_csd_start) != 0 ||
        index_by(c, c->code_no_status, c->n_code_no_status, BY_REPLY, reply_holds, &c->by_reply,
                 c->by_reply_start) != 0 ||
        index_by(c, c->code_rules, c->n_code_rules, 3 * 8, far_holds, &c->by_far,
                 c->by_far_start) != 0)
        return -1;
    return 0;
}

/* key_cmp - order of host suffixes: bytes, then length */
static int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int d = memcmp(a, b, al < bl ? al : bl);
    return d ? d : al < bl ? -1 : al > bl;
}

/* host_key_cmp - qsort order of host_key: name, then provider */
static int host_key_cmp(const void *pa, const void *pb)
{
    const host_key *a = pa, *b = pb;
    int d = key_cmp(a->name, a->len, b->name, b->len);
    return d ? d : (a->provider > b->provider) - (a->provider < b->provider);
}

/* host_hash - the hash of a host suffix p[0, len) (lower case): its length
 * and its first and last 8 bytes, the same work for a suffix of any length */
static uint32_t host_hash(const char *p, size_t len)
{
    uint64_t a = 0, b = 0;
    if (len >= 8) {
        memcpy(&a, p, sizeof a);
        memcpy(&b, p + len - 8, sizeof b);
    } else
        for (size_t i = 0; i < len; i++)
            a = a << 8 | (unsigned char)p[i];
    uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ len;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* index_hosts - every host suffix, sorted, each once (with its lowest
 * provider), and a hash table of them; -1 out of memory */
static int index_hosts(bk_classifier *c)
{
    size_t n = 0;
    for (size_t p = 0; p < c->rs.n_providers; p++)
        n += c->rs.providers[p].n_hosts;
    c->hosts = malloc((n ? n : 1) * sizeof *c->hosts);
    if (!c->hosts)
        return -1;
    for (size_t p = 0; p < c->rs.n_providers; p++)
        for (size_t h = 0; h < c->rs.providers[p].n_hosts; h++)
            c->hosts[c->n_hosts++] = (host_key){c->rs.providers[p].hosts[h].name,
                                                c->rs.providers[p].hosts[h].len, (int)p};
    qsort(c->hosts, c->n_hosts, sizeof *c->hosts, host_key_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < c->n_hosts; i++)
        if (kept == 0 || key_cmp(c->hosts[kept - 1].name, c->hosts[kept - 1].len,
                                 c->hosts[i].name, c->hosts[i].len) != 0)
            c->hosts[kept++] = c->hosts[i];
    c->n_hosts = kept;
    c->host_min_len = SIZE_MAX;
    for (size_t i = 0; i < c->n_hosts; i++) {
        if (c->hosts[i].len > c->host_max_len)
            c->host_max_len = c->hosts[i].len;
        if (c->hosts[i].len < c->host_min_len)
            c->host_min_len = c->hosts[i].len;
    }
    size_t cap = 16;
    while (cap < 2 * c->n_hosts)
        cap *= 2;
    c->host_slots = calloc(cap, sizeof *c->host_slots);
    if (!c->host_slots)
        return -1;
    c->host_mask = cap - 1;
    for (size_t i = 0; i < c->n_hosts; i++) {
        size_t at = host_hash(c->hosts[i].name, c->hosts[i].len) & c->host_mask;
        while (c->host_slots[at])
            at = (at + 1) & c->host_mask;
        c->host_slots[at] = (uint32_t)i + 1;
    }
    return 0;
}

/* ask_table - defined beside wanted_pattern, whose refusals it foresees */
static unsigned char *ask_table(const bk_classifier *c);

/* hash_source - fold one rule file (name and content) into the hash */
static void hash_source(bk_classifier *c, const char *name, const void *data, size_t len)
{
    c->source_hash = rm_hash(c->source_hash, name, strlen(name) + 1);
    c->source_hash = rm_hash(c->source_hash, &len, sizeof len);
    c->source_hash = rm_hash(c->source_hash, data, len);
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
    c->rank = malloc((c->rs.n_rules ? c->rs.n_rules : 1) * sizeof *c->rank);
    c->cond = malloc((c->rs.n_rules ? c->rs.n_rules : 1) * sizeof *c->cond);
    if (!c->code_rules || !c->rank || !c->cond) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < c->rs.n_rules; i++) {
        c->rank[i] = rank_key(c, i);
        c->cond[i] = cond_of(&c->rs.rules[i]);
        if (!c->rs.rules[i].pattern)
            c->code_rules[c->n_code_rules++] = (int)i;
    }
    sort_code_rules(c);
    if (index_codes(c) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (index_hosts(c) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(c->ask = ask_table(c))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(c->matcher = rm_new(&c->rs, c->source_hash, RM_TWO_STAGE, err, errlen)))
        goto fail;
    return c;
fail:
    bk_classifier_free(c);
    return NULL;
}

void bk_classifier_free(bk_classifier *c)
{
    if (!c)
        return;
    rm_free(c->matcher);
    rules_free(&c->rs);
    reasons_free(&c->reasons);
    free(c->code_rules);
    free(c->hosts);
    free(c->host_slots);
    free(c->by_csd);
    free(c->by_reply);
    free(c->by_far);
    free(c->rank);
    free(c->cond);
    free(c->ask);
    free(c->code_no_status);
    free(c);
}

size_t bk_classifier_rule_count(const bk_classifier *c)
{
    return c->rs.n_rules;
}

/* ------------------------------------------------------------------------
 * Classifying
 * ---------------------------------------------------------------------- */

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

/* host_provider - the provider of host suffix name[0, len) (lower case) of
 * hash h, -1 */
static int host_provider(const bk_classifier *c, const char *name, size_t len, uint32_t h)
{
    for (size_t at = h & c->host_mask; c->host_slots[at]; at = (at + 1) & c->host_mask) {
        const host_key *k = &c->hosts[c->host_slots[at] - 1];
        if (k->len == len && memcmp(k->name, name, len) == 0)
            return k->provider;
    }
    return -1;
}

#define HOST_NAME_MAX_LEN 255

/* provider_by_host - the first provider with a host suffix the name ends
 * with (the whole name, or after a dot) */
static int provider_by_host(const bk_classifier *c, const char *host, size_t hl)
{
    while (hl && host[hl - 1] == '.')
        hl--;
    if (hl == 0)
        return -1;
    char lower[HOST_NAME_MAX_LEN];
    if (c->host_max_len > sizeof lower) { /* no room: each suffix tried in turn */
        for (size_t p = 0; p < c->rs.n_providers; p++)
            for (size_t h = 0; h < c->rs.providers[p].n_hosts; h++)
                if (host_is(host, hl, &c->rs.providers[p].hosts[h]))
                    return (int)p;
        return -1;
    }
    /* the last bytes, as long as the longest host suffix (no longer one can
     * be found), lowered; then the suffixes among them no shorter than the
     * shortest host suffix: the whole when a dot or nothing is before it, and
     * what follows each dot */
    size_t lo = hl > c->host_max_len ? hl - c->host_max_len : 0, end = hl - lo;
    for (size_t i = 0; i < end; i++)
        lower[i] = (char)bk_lower((unsigned char)host[lo + i]);
    int best = -1;
    const char *at = lower, *stop = lower + end;
    if (lo > 0 && host[lo - 1] != '.') {
        at = memchr(lower, '.', end);
        at = at ? at + 1 : stop;
    }
    while (at < stop && (size_t)(stop - at) >= c->host_min_len) {
        size_t len = (size_t)(stop - at);
        int p = host_provider(c, at, len, host_hash(at, len));
        if (p >= 0 && (best < 0 || p < best))
            best = p;
        const char *dot = memchr(at, '.', len);
        at = dot ? dot + 1 : stop;
    }
    return best;
}

/* context for the condition checks */
typedef struct {
    int reply, c, s, d, cls;
    bk_command cmd;
    int provider; /* recognised by host or text, -1 */
    int sender_phrase; /* a rule marked sender matched (see context_step) */
} facts;

/* reply_cond_holds - does a rule's reply code condition, if any, hold? */
static int reply_cond_holds(const bk_rule *r, const facts *f)
{
    return !r->n_reply || (f->reply && rule_reply_holds(r, f->reply));
}

/* masks_hold - do a rule's class, command and reply code conditions hold? */
static int masks_hold(const bk_rule *r, const facts *f)
{
    /* the masks first: they are the cheapest */
    if (r->class_mask && !(f->cls && (r->class_mask & (1u << f->cls))))
        return 0;
    if (r->cmd_mask && !(f->cmd && (r->cmd_mask & (1u << f->cmd))))
        return 0;
    return reply_cond_holds(r, f);
}

/* holds_by_codes - do a rule's conditions hold, leaving aside provider-only
 * (the provider may yet be recognised from the text)? */
static int holds_by_codes(const bk_rule *r, const facts *f)
{
    return masks_hold(r, f) && rule_status_holds(r, f->c, f->s, f->d);
}

/* provider_fits - does a rule's provider-only condition hold? */
static int provider_fits(const bk_rule *r, const facts *f)
{
    return !r->provider_only || r->provider == f->provider;
}

/* holds - do all of a rule's conditions hold? */
static int holds(const bk_rule *r, const facts *f)
{
    return holds_by_codes(r, f) && provider_fits(r, f);
}

/* cond_masks_hold - do the packed masks k hold for f? */
static int cond_masks_hold(uint32_t k, const facts *f)
{
    uint32_t cls = k & 0x3ffu, cmd = k >> 16;
    if (cls && !(f->cls && (cls & (1u << f->cls))))
        return 0;
    return !cmd || (f->cmd && (cmd & (1u << f->cmd)));
}

/* cond_holds - holds_by_codes for rule id, from its packed masks when they
 * are all it has */
static int cond_holds(const bk_classifier *c, unsigned id, const facts *f)
{
    uint32_t k = c->cond[id];
    if (!cond_masks_hold(k, f))
        return 0;
    if (!(k & (COND_REPLY | COND_STATUS | COND_NOFIT)))
        return 1;
    const bk_rule *r = &c->rs.rules[id];
    if (k & COND_NOFIT)
        return holds_by_codes(r, f);
    /* the masks held: the codes are left */
    return reply_cond_holds(r, f) && rule_status_holds(r, f->c, f->s, f->d);
}

/* the classifier and the facts of one text, for wanted_pattern */
typedef struct {
    const bk_classifier *c;
    const facts *f;
} scan_filter;

/* wanted_pattern - is pattern id worth searching for? A rule whose code or
 * command conditions fail cannot be a candidate, and a provider's text
 * pattern is only read when no host named the provider (asked only of the
 * patterns ask holds: the others are always worth it) */
static int wanted_pattern(void *ctx, unsigned id)
{
    const scan_filter *x = ctx;
    if (id >= x->c->rs.n_rules)
        return x->f->provider < 0;
    return cond_holds(x->c, id, x->f);
}

/* ask_table - for each pattern, may wanted_pattern refuse it? A provider's
 * text may be; a rule only when it has conditions besides provider-only
 * (which wanted_pattern leaves for later); NULL out of memory */
static unsigned char *ask_table(const bk_classifier *c)
{
    size_t n = c->rs.n_rules + c->rs.n_texts;
    unsigned char *ask = malloc(n + 1);
    for (size_t i = 0; ask && i < n; i++)
        ask[i] = i >= c->rs.n_rules || (c->cond[i] & ~COND_PROVIDER) != 0;
    return ask;
}

/* add_ranked - insert a rule into a best-first list of at most cap rules
 * (the worst goes when it is full) */
static void add_ranked(const bk_classifier *c, int *list, size_t cap, size_t *n, int *truncated,
                       int rule)
{
    size_t i = *n;
    if (i == cap) {
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

/* add_matched - insert a rule into the best-first list of the verdict */
static void add_matched(const bk_classifier *c, int *list, size_t *n, int *truncated, int rule)
{
    add_ranked(c, list, BK_MATCHED_MAX, n, truncated, rule);
}

/* put_number - the decimal digits of v (0 to 999) at out; their count */
static size_t put_number(char *out, int v)
{
    size_t n = 0;
    if (v >= 100)
        out[n++] = (char)('0' + v / 100);
    if (v >= 10)
        out[n++] = (char)('0' + v / 10 % 10);
    out[n++] = (char)('0' + v % 10);
    return n;
}

/* format_status - "c.s.d" into out, as snprintf would write it (without
 * its cost in the hot path) */
static void format_status(char *out, size_t cap, int c, int s, int d)
{
    if (c < 0 || c > 999 || s < 0 || s > 999 || d < 0 || d > 999 || cap < 12) {
        snprintf(out, cap, "%d.%d.%d", c, s, d);
        return;
    }
    size_t n = put_number(out, c);
    out[n++] = '.';
    n += put_number(out + n, s);
    out[n++] = '.';
    n += put_number(out + n, d);
    out[n] = '\0';
}

static void fill_from_reason(const bk_classifier *c, bk_verdict *out, int reason);

/* sender_side - a command that concerns the sending host or the sender:
 * a refusal there is not about the recipient */
static int sender_side(bk_command cmd)
{
    return cmd == BK_CMD_CONNECT || cmd == BK_CMD_HELO || cmd == BK_CMD_EHLO ||
           cmd == BK_CMD_STARTTLS || cmd == BK_CMD_AUTH || cmd == BK_CMD_MAIL;
}

/* sender_context - is the reply about the sending host or the sender: an
 * answer to a command of theirs, or a sender status (X.1.7, X.1.8)? */
static int sender_context(const facts *f)
{
    return sender_side(f->cmd) || (f->c && f->s == 1 && (f->d == 7 || f->d == 8));
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
 *     the sender's (X.1.7, X.1.8), or a rule marked `sender` matched (Exim's
 *     "Sender verify failed", whose quoted callout answer is about the
 *     sender's address; also in reply to RCPT): the phrase is about the
 *     sending host or the sender, and the best candidate of another reason
 *     decides (the sender phrase, the sender status or the reply-code rules
 *     for those commands), if there is one;
 *   - it came with a recipient address status (X.1.x): it stands;
 *   - it answered DATA, BDAT or QUIT (after the message was read), or no
 *     command is known and the codes say no more than the class (X.0.0, a
 *     generic status such as 5.7.1, or a reply code alone): it becomes the
 *     unconfirmed reason (userunknown: filtered, a filter that words its
 *     refusal as an unknown user; hostunknown stays);
 *   - no command known, with a specific status (one with a non-generic code
 *     rule) or with no code at all (the text read by its words): it stands.
 * User rules, code rules, rules with status= or cmd= conditions of their own
 * and rules marked `definite` are left alone (`definite` ones unless a rule
 * marked `sender` matched too). */
/* context_open - is the best candidate one whose context the step checks (a
 * phrase of a reason with an "unconfirmed" entry, not a user rule)? */
static int context_open(const bk_classifier *c, const bk_rule *best)
{
    return c->reasons.r[best->reason].unconfirmed >= 0 && best->pattern &&
           best->tier != BK_TIER_USER;
}

/* context_needed - does the context step look past the best candidate? */
static int context_needed(const bk_classifier *c, const bk_rule *best, const facts *f)
{
    return context_open(c, best) && (f->cmd != BK_CMD_RCPT || f->sender_phrase);
}

/* context_sure - is rule r, of the best candidate's reason, one that makes
 * the context step leave the verdict alone? One that checked the context
 * itself (status= or cmd=), or a `definite` one unless a sender phrase
 * matched too: Exim's "Sender verify failed" quotes the sender's own MX,
 * however sure its words */
static int context_sure(const bk_rule *r, const facts *f)
{
    return r->pattern && (r->n_status || r->cmd_mask || (r->definite && !f->sender_phrase));
}

static int context_step(const bk_classifier *c, const int *list, size_t n, const facts *f,
                        int *reason)
{
    const bk_rule *best = &c->rs.rules[list[0]];
    int alt = c->reasons.r[best->reason].unconfirmed;
    *reason = best->reason;
    if (!context_needed(c, best, f))
        return 0;
    int sender = sender_context(f) || f->sender_phrase;
    int specific = 0;
    size_t other = n; /* the best candidate of another reason */
    for (size_t i = 0; i < n; i++) {
        const bk_rule *r = &c->rs.rules[list[i]];
        if (r->reason == best->reason && context_sure(r, f))
            return 0;
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

/* holds_but_status - do a rule's conditions other than its status hold? */
static int holds_but_status(const bk_rule *r, const facts *f)
{
    return masks_hold(r, f) && provider_fits(r, f);
}

/* first_holding - the first code rule of ids[0, n) whose conditions hold,
 * those of kind skip (COND_STATUS, COND_REPLY) being known to hold; -1 none */
static int first_holding(const bk_classifier *c, const int *ids, size_t n, const facts *f,
                         uint32_t skip)
{
    uint32_t read = (COND_STATUS | COND_REPLY | COND_PROVIDER | COND_NOFIT) & ~skip;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = c->cond[ids[i]];
        if (!cond_masks_hold(k, f))
            continue;
        if (!(k & read))
            return ids[i];
        const bk_rule *r = &c->rs.rules[ids[i]];
        if ((skip & COND_STATUS) ? holds_but_status(r, f) : holds(r, f))
            return ids[i];
    }
    return -1;
}

/* no_status_holding - the first code rule without status conditions that
 * holds: of those that hold for the reply code when it is indexed; -1 none */
static int no_status_holding(const bk_classifier *c, const facts *f)
{
    if (f->reply >= BY_REPLY_LO && f->reply < BY_REPLY_LO + BY_REPLY) {
        int k = f->reply - BY_REPLY_LO;
        return first_holding(c, c->by_reply + c->by_reply_start[k],
                             c->by_reply_start[k + 1] - c->by_reply_start[k], f, COND_REPLY);
    }
    return first_holding(c, c->code_no_status, c->n_code_no_status, f, 0);
}

/* add_code_rule - the best code rule that holds for the codes, if any (they
 * are sorted best first) */
static void add_code_rule(const bk_classifier *c, const facts *f, int *list, size_t *n,
                          int *truncated)
{
    if (!f->c && !f->reply)
        return;
    int slot = class_slot(f->c), id;
    if (slot >= 0 && f->s >= 0 && f->s < 8 && f->d >= 0 && f->d < BY_SD_DETAILS) {
        /* the rules whose status conditions hold, best first */
        int k = slot * BY_SD + f->s * BY_SD_DETAILS + f->d;
        id = first_holding(c, c->by_csd + c->by_csd_start[k],
                           c->by_csd_start[k + 1] - c->by_csd_start[k], f, COND_STATUS);
    } else if (!f->c) /* no status: the rules that ask for none */
        id = no_status_holding(c, f);
    else if (slot >= 0 && f->s >= 0 && f->s < 8 && f->d >= BY_SD_DETAILS) {
        /* a detail beyond the index: the better of the first rule with status
         * conditions that may hold for it and the first without any */
        int k = slot * 8 + f->s, other = no_status_holding(c, f);
        id = first_holding(c, c->by_far + c->by_far_start[k],
                           c->by_far_start[k + 1] - c->by_far_start[k], f, 0);
        if (other >= 0 && (id < 0 || rank_less(c, other, id)))
            id = other;
    } else /* any other status: every code rule */
        id = first_holding(c, c->code_rules, c->n_code_rules, f, 0);
    if (id >= 0)
        add_matched(c, list, n, truncated, id);
}

/* match_all - every candidate of the last prefilter searched for: the
 * provider from the first provider text that matched (when no host named it),
 * every rule that matched and holds in list (best first), the provider of the
 * first of them that has one; then the code rule; -1 failure */
static int match_all(const bk_classifier *c, facts *f, int *list, size_t *n, int *truncated,
                     int *matched_provider)
{
    scan_hits hits = {{0}, 0, 0};
    if (rm_matches(c->matcher, hits.ids, MATCH_MAX, &hits.n, &hits.overflow) != 0)
        return -1;
    *truncated = hits.overflow;
    /* a provider's text pattern recognises it too */
    for (size_t i = 0; i < hits.n && f->provider < 0; i++)
        if (hits.ids[i] >= c->rs.n_rules)
            f->provider = c->rs.texts[hits.ids[i] - c->rs.n_rules].provider;
    for (size_t i = 0; i < hits.n; i++) {
        unsigned id = hits.ids[i];
        if (id >= c->rs.n_rules)
            continue;
        const bk_rule *rule = &c->rs.rules[id];
        if (!holds(rule, f))
            continue;
        add_matched(c, list, n, truncated, (int)id);
        if (rule->sender)
            f->sender_phrase = 1;
        if (rule->provider >= 0 && *matched_provider < 0)
            *matched_provider = rule->provider;
    }
    add_code_rule(c, f, list, n, truncated);
    return 0;
}

/* provider_holds - does rule id's provider condition hold? */
static int provider_holds(const bk_classifier *c, unsigned id, const facts *f)
{
    if (!(c->cond[id] & (COND_PROVIDER | COND_NOFIT)))
        return 1;
    return provider_fits(&c->rs.rules[id], f);
}

/* ranked_holding - the rules of cand[0, n) (n <= MATCH_MAX) whose conditions
 * hold, best first into rules; their count. The scan let through only the
 * rules whose other conditions hold (wanted_pattern): the provider's is left,
 * as the provider may have been found since. Their rank keys are sorted: the
 * low half of a key is its rule */
static size_t ranked_holding(const bk_classifier *c, const facts *f, const unsigned *cand,
                             size_t n, int *rules)
{
    uint64_t key[MATCH_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MATCH_MAX; i++) {
        if (cand[i] >= c->rs.n_rules || !provider_holds(c, cand[i], f))
            continue;
        uint64_t v = c->rank[cand[i]];
        size_t j = k++;
        for (; j > 0 && v < key[j - 1]; j--)
            key[j] = key[j - 1];
        key[j] = v;
    }
    for (size_t i = 0; i < k; i++)
        rules[i] = (int)(uint32_t)key[i];
    return k;
}

/* decide_lazy - what match_all gives for all the verdict reads, from at most
 * MATCH_MAX candidates, searching for as few as it can: list holds the best
 * candidate first and, when the context step looks further, a rule of its
 * reason that is sure of itself when one matches, else (for a reply on the
 * sender's side) the best of another reason. With
 * BK_MATCHED_MAX candidates or more, match_all's list may be cut short: there
 * the context step gets the same list as match_all (the BK_MATCHED_MAX best
 * matches, searched for best first); -1 failure */
static int decide_lazy(const bk_classifier *c, facts *f, const unsigned *cand, size_t n_cand,
                       int *list, size_t *n, int *matched_provider)
{
    const rule_matcher *m = c->matcher;
    size_t n_rules = c->rs.n_rules;
    unsigned found[MATCH_MAX], first;
    size_t n_found = 0;
    int rc, truncated = 0;
    if (f->provider < 0) { /* the provider text that matched first */
        for (size_t i = 0; i < n_cand; i++)
            if (cand[i] >= n_rules && (rc = rm_confirm(m, cand[i])) != 0) {
                if (rc < 0)
                    return -1;
                found[n_found++] = cand[i];
            }
        if (n_found) { /* none found: none to order */
            if ((rc = rm_first(m, found, n_found, &first)) < 0)
                return -1;
            if (rc)
                f->provider = c->rs.texts[first - n_rules].provider;
        }
    }
    int rules[MATCH_MAX]; /* the rules that hold, best first */
    size_t n_r = ranked_holding(c, f, cand, n_cand, rules);
    if (f->provider < 0) { /* the provider of the rule that matched first */
        n_found = 0;
        for (size_t i = 0; i < n_r; i++)
            if (c->rs.rules[rules[i]].provider >= 0 &&
                (rc = rm_confirm(m, (unsigned)rules[i])) != 0) {
                if (rc < 0)
                    return -1;
                found[n_found++] = (unsigned)rules[i];
            }
        if (n_found) { /* none found: none to order */
            if ((rc = rm_first(m, found, n_found, &first)) < 0)
                return -1;
            if (rc)
                *matched_provider = c->rs.rules[first].provider;
        }
    }
    add_code_rule(c, f, list, n, &truncated);
    /* the best: every rule that ranks above the best match so far is tried */
    size_t i = 0;
    for (; i < n_r && !(*n && rank_less(c, list[0], rules[i])); i++)
        if ((rc = rm_confirm(m, (unsigned)rules[i])) != 0) {
            if (rc < 0)
                return -1;
            add_matched(c, list, n, &truncated, rules[i]);
        }
    if (*n == 0)
        return 0;
    if (context_open(c, &c->rs.rules[list[0]])) /* does a sender phrase match? */
        for (size_t k = 0; k < n_r && !f->sender_phrase; k++)
            if (c->rs.rules[rules[k]].sender && (rc = rm_confirm(m, (unsigned)rules[k])) != 0) {
                if (rc < 0)
                    return -1;
                f->sender_phrase = 1;
            }
    if (!context_needed(c, &c->rs.rules[list[0]], f))
        return 0;
    if (n_cand >= BK_MATCHED_MAX) { /* match_all's list: the best matches, in rank order */
        for (; i < n_r && !(*n == BK_MATCHED_MAX && rank_less(c, list[*n - 1], rules[i])); i++)
            if ((rc = rm_confirm(m, (unsigned)rules[i])) != 0) {
                if (rc < 0)
                    return -1;
                add_matched(c, list, n, &truncated, rules[i]);
            }
        return 0;
    }
    /* the context step reads whether a rule of the best one's reason that is
     * sure of itself matched (the first found settles it: the verdict stands)
     * and, for a reply on the sender's side, the best rule of another reason */
    const bk_rule *best = &c->rs.rules[list[0]];
    int reason = best->reason, other = !(sender_context(f) || f->sender_phrase);
    if (context_sure(best, f))
        return 0;
    for (; i < n_r; i++) {
        const bk_rule *r = &c->rs.rules[rules[i]];
        if (r->reason == reason ? !context_sure(r, f) : other)
            continue;
        if ((rc = rm_confirm(m, (unsigned)rules[i])) != 0) {
            if (rc < 0)
                return -1;
            add_matched(c, list, n, &truncated, rules[i]);
            if (r->reason == reason)
                return 0;
            other = 1;
        }
    }
    return 0;
}

_Static_assert(sizeof ((bk_verdict *)0)->status == sizeof ((bk_reply *)0)->status,
               "the verdict's status is the parser's, copied whole");

int bk_classify(const bk_classifier *c, const char *text, size_t len, const bk_hints *hints,
                bk_verdict *out, bk_reply *parsed)
{
    bk_reply local;
    bk_reply *r = parsed ? parsed : &local;
    memset(out, 0, sizeof *out);
    bk_reply_parse(text, len, r);

    facts f = {r->reply_code, r->status_class, r->status_subject, r->status_detail, 0,
               r->command, -1, 0};
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
    if (f.reply == r->reply_code && f.c == r->status_class)
        out->permanence = r->permanence; /* as the parser decided */
    else
        bk_decide(f.reply, f.c, NULL, &out->permanence);
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

    int list[BK_MATCHED_MAX];
    size_t n = 0;
    int truncated = 0;
    int matched_provider = -1;
    int lazy = 0;
    if (r->text_len) {
        scan_filter want = {c, &f};
        if (rm_prefilter(c->matcher, r->text, r->text_len, wanted_pattern, c->ask, &want) != 0)
            return -1;
        unsigned cand[MATCH_MAX];
        size_t n_cand = rm_candidates(c->matcher, cand, MATCH_MAX);
        /* no list asked for: search for only those that can change the verdict */
        lazy = !(hints && hints->explain) && n_cand <= MATCH_MAX;
        int rc = lazy ? decide_lazy(c, &f, cand, n_cand, list, &n, &matched_provider)
                      : match_all(c, &f, list, &n, &truncated, &matched_provider);
        if (rc != 0)
            return -1;
    } else
        add_code_rule(c, &f, list, &n, &truncated);
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
    if (hints && hints->explain) {
        for (size_t i = 0; i < n; i++)
            out->matched[i] = c->rs.rules[list[i]].id;
        out->n_matched = n;
        out->matched_truncated = truncated;
    } else if (at >= 0) { /* the others may not all have been searched for */
        out->matched[0] = out->rule;
        out->n_matched = 1;
    }

    fill_from_reason(c, out, reason);
    out->provider = f.provider >= 0 ? c->rs.providers[f.provider].name : NULL;
    out->reply_code = f.reply;
    if (f.c && f.c == r->status_class && f.s == r->status_subject && f.d == r->status_detail)
        memcpy(out->status, r->status, sizeof out->status); /* as the parser wrote it */
    else if (f.c)
        format_status(out->status, sizeof out->status, f.c, f.s, f.d);
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

int bk_verdict_set_permanence(const bk_classifier *c, bk_verdict *v, bk_permanence p)
{
    int i = v->reason ? reason_index(v->reason, strlen(v->reason)) : -1;
    if (i < 0)
        return -1;
    v->permanence = p;
    fill_from_reason(c, v, i);
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
