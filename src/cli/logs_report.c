/*
 * logs_report.c - the delivery health report (see logs_report.h).
 *
 * Definitions (also in the README):
 *   sent        recipients the MTA took on: delivered + deferred + bounced + expired
 *   final       delivered + bounced + expired (deferred ones have no end yet)
 *   bounce rate (bounced + expired) / final
 *   hard rate   hard bounces (verdict hardbounce) / final
 * Rejected at submission (smtpd) is counted apart: those were never sent.
 */
#include "logs_report.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_OUT 6 /* indexed by bk_log_outcome; 0 unused */
#define GROUP_ROWS_MAX 50000 /* distinct keys kept per table (memory stays bounded); more are counted as "(other)" */

typedef struct {
    unsigned long long n[N_OUT];
    unsigned long long hard;
} tally;

#define KEY_INLINE 48 /* keys shorter than this live in their slot */

/* one key of a table and its tally, in one slot of two cache lines: the
 * key in the slot when short, else in the table's arena */
typedef struct {
    _Alignas(64) uint64_t hash; /* the key's hash, never 0; 0 for an empty slot */
    size_t len;
    tally t;
    union {
        char in[KEY_INLINE];    /* len < KEY_INLINE: the key, NUL-terminated */
        char *out;              /* else: the key in the arena */
    } k;
} tslot;

#define ARENA_BLOCK (64 * 1024)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
} arena_block;

/* a table of keys (strings) to tallies: open addressing, linear probing;
 * slots do not move but when the table grows */
typedef struct {
    tslot *slots;
    size_t cap, used;     /* cap is 0 or a power of two */
    arena_block *arena;   /* the long keys */
} rtab;

typedef struct {
    const char *name;     /* JSON key */
    const char *title;    /* heading */
    rtab rows;
    int failures_only;
    size_t last;          /* the slot counted last (events come in runs) + 1, or 0 */
} group;

enum { G_DOMAIN, G_PROVIDER, G_REASON, G_RHOST, G_RECIPIENT, G_SENDER, G_TIME, N_GROUPS };

struct logs_report {
    double threshold;
    unsigned min_volume, top;
    tally all;
    group g[N_GROUPS];
    long long tmin, tmax;
    long long hour;       /* the hour counted last in the time line */
    int have_hour;        /* hour is set: its key is the time line's last */
};

/* key_hash - a hash of a key; never 0 (0 marks a free slot) */
static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = bk_hash(0x9E3779B97F4A7C15ULL, p, n);
    return h ? h : 1;
}

/* slot_key - the key of a used slot */
static const char *slot_key(const tslot *s)
{
    return s->len < KEY_INLINE ? s->k.in : s->k.out;
}

/* arena_copy - a NUL-terminated copy of key[0..n) in the table's arena; NULL when out of memory */
static char *arena_copy(rtab *tb, const char *key, size_t n)
{
    arena_block *b = tb->arena;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK / 4 ? n + 1 : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        if (cap == ARENA_BLOCK || !tb->arena) {
            b->next = tb->arena;
            tb->arena = b;
        } else { /* an outsized key: keep filling the current block */
            b->next = tb->arena->next;
            tb->arena->next = b;
        }
    }
    char *p = b->data + b->used;
    memcpy(p, key, n);
    p[n] = '\0';
    b->used += n + 1;
    return p;
}

/* rtab_grow - double the slots (at least 64); -1 when out of memory */
static int rtab_grow(rtab *tb)
{
    size_t cap = tb->cap ? tb->cap * 2 : 64;
    tslot *s = aligned_alloc(64, cap * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < cap; i++)
        s[i].hash = 0;
    for (size_t i = 0; i < tb->cap; i++)
        if (tb->slots[i].hash) {
            size_t j = tb->slots[i].hash & (cap - 1);
            while (s[j].hash)
                j = (j + 1) & (cap - 1);
            s[j] = tb->slots[i];
        }
    free(tb->slots);
    tb->slots = s;
    tb->cap = cap;
    return 0;
}

/* rtab_find - the slot of key[0..n) (hash h) + 1, or 0 when absent */
static size_t rtab_find(const rtab *tb, const char *key, size_t n, uint64_t h)
{
    if (!tb->cap)
        return 0;
    for (size_t i = h & (tb->cap - 1); tb->slots[i].hash; i = (i + 1) & (tb->cap - 1)) {
        const tslot *s = &tb->slots[i];
        if (s->hash == h && s->len == n && memcmp(slot_key(s), key, n) == 0)
            return i + 1;
    }
    return 0;
}

/* rtab_add - a new zeroed slot for key[0..n) (hash h, not in the table) + 1;
 * 0 when out of memory. Earlier slot numbers are void when the table grows. */
static size_t rtab_add(rtab *tb, const char *key, size_t n, uint64_t h)
{
    if ((tb->used + 1) * 5 > tb->cap * 4 && rtab_grow(tb) != 0)
        return 0;
    char *out = NULL;
    if (n >= KEY_INLINE && !(out = arena_copy(tb, key, n)))
        return 0;
    size_t i = h & (tb->cap - 1);
    while (tb->slots[i].hash)
        i = (i + 1) & (tb->cap - 1);
    tslot *s = &tb->slots[i];
    s->hash = h;
    s->len = n;
    memset(&s->t, 0, sizeof s->t);
    if (out)
        s->k.out = out;
    else {
        memcpy(s->k.in, key, n);
        s->k.in[n] = '\0';
    }
    tb->used++;
    return i + 1;
}

/* rtab_get - the tally of key[0..n), made when absent; NULL when out of memory */
static tally *rtab_get(rtab *tb, const char *key, size_t n)
{
    uint64_t h = key_hash(key, n);
    size_t i = rtab_find(tb, key, n, h);
    if (!i)
        i = rtab_add(tb, key, n, h);
    return i ? &tb->slots[i - 1].t : NULL;
}

/* rtab_free - release the slots and the arena */
static void rtab_free(rtab *tb)
{
    free(tb->slots);
    for (arena_block *b = tb->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    memset(tb, 0, sizeof *tb);
}

/* final - delivered + bounced + expired */
static unsigned long long final(const tally *t)
{
    return t->n[BK_LOG_DELIVERED] + t->n[BK_LOG_BOUNCED] + t->n[BK_LOG_EXPIRED];
}

/* failed - bounced + expired */
static unsigned long long failed(const tally *t)
{
    return t->n[BK_LOG_BOUNCED] + t->n[BK_LOG_EXPIRED];
}

/* rate - a / b, 0 when b is 0 */
static double rate(unsigned long long a, unsigned long long b)
{
    return b ? (double)a / (double)b : 0.0;
}

logs_report *report_new(double threshold, unsigned min_volume, unsigned top)
{
    logs_report *rp = calloc(1, sizeof *rp);
    if (!rp)
        return NULL;
    rp->threshold = threshold;
    rp->min_volume = min_volume;
    rp->top = top;
    static const struct {
        const char *name, *title;
        int failures_only;
    } defs[N_GROUPS] = {{"domains", "By recipient domain", 0},
                        {"providers", "By mailbox provider", 0},
                        {"reasons", "Failures by reason", 1},
                        {"remote_hosts", "Failures by remote host", 1},
                        {"top_failing_recipients", "Top failing recipients", 1},
                        {"senders", "Senders", 0},
                        {"timeline", "Over time", 0}};
    for (int i = 0; i < N_GROUPS; i++) {
        rp->g[i].name = defs[i].name;
        rp->g[i].title = defs[i].title;
        rp->g[i].failures_only = defs[i].failures_only;
    }
    rp->tmin = -1;
    return rp;
}

/* count - add one outcome to a tally */
static void count(tally *t, const bk_log_event *e)
{
    t->n[e->outcome]++;
    if (e->verdict.hardbounce && (e->outcome == BK_LOG_BOUNCED || e->outcome == BK_LOG_EXPIRED))
        t->hard++;
}

/* add_to - count e under key in group g */
static void add_to(group *g, const char *key, const bk_log_event *e)
{
    if (!key || !key[0])
        key = "(none)";
    size_t n = strlen(key);
    rtab *tb = &g->rows;
    if (g->last) {
        const tslot *s = &tb->slots[g->last - 1];
        if (s->len == n && memcmp(slot_key(s), key, n) == 0) {
            /* a key's slot never changes but when the table grows: "(other)"
             * keys are never added later */
            count(&tb->slots[g->last - 1].t, e);
            return;
        }
    }
    uint64_t h = key_hash(key, n);
    size_t i = rtab_find(tb, key, n, h);
    if (!i) {
        if (tb->used >= GROUP_ROWS_MAX) {
            key = "(other)";
            n = 7;
            h = key_hash(key, n);
            i = rtab_find(tb, key, n, h);
        }
        if (!i && !(i = rtab_add(tb, key, n, h))) {
            g->last = 0;
            return;
        }
    }
    count(&tb->slots[i - 1].t, e);
    g->last = i;
}

void report_add(logs_report *rp, const bk_log_event *e)
{
    if (e->outcome <= 0 || e->outcome >= N_OUT)
        return;
    count(&rp->all, e);
    const char *at = strrchr(e->recipient, '@');
    int failure = e->outcome != BK_LOG_DELIVERED;
    add_to(&rp->g[G_DOMAIN], at ? at + 1 : NULL, e);
    add_to(&rp->g[G_PROVIDER], e->provider ? e->provider : "other", e);
    if (failure) {
        add_to(&rp->g[G_REASON], e->verdict.reason, e);
        add_to(&rp->g[G_RHOST], e->rhost, e);
        add_to(&rp->g[G_RECIPIENT], e->recipient, e);
    }
    if (e->outcome != BK_LOG_REJECTED)
        add_to(&rp->g[G_SENDER], e->sender[0] ? e->sender : "<>", e);
    /* the time line in hours; shown by day when it spans more than 3 days */
    group *tg = &rp->g[G_TIME];
    if (rp->have_hour && tg->last && e->last / 3600 == rp->hour)
        count(&tg->rows.slots[tg->last - 1].t, e);
    else {
        char hour[32];
        snprintf(hour, sizeof hour, "%lld", e->last / 3600);
        rp->hour = e->last / 3600;
        rp->have_hour = 1;
        add_to(tg, hour, e);
    }
    if (rp->tmin < 0 || e->last < rp->tmin)
        rp->tmin = e->last;
    if (e->last > rp->tmax)
        rp->tmax = e->last;
}

typedef struct {
    const char *key;
    const tally *t;
} row;

/* by_volume - rows with more outcomes first, then by key */
static int by_volume(const void *a, const void *b)
{
    const row *x = a, *y = b;
    unsigned long long nx = 0, ny = 0;
    for (int i = 1; i < N_OUT; i++)
        nx += x->t->n[i], ny += y->t->n[i];
    if (nx != ny)
        return nx > ny ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* by_failures - rows with more failures first */
static int by_failures(const void *a, const void *b)
{
    const row *x = a, *y = b;
    unsigned long long fx = failed(x->t) + x->t->n[BK_LOG_REJECTED] + x->t->n[BK_LOG_DEFERRED];
    unsigned long long fy = failed(y->t) + y->t->n[BK_LOG_REJECTED] + y->t->n[BK_LOG_DEFERRED];
    if (fx != fy)
        return fx > fy ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* by_key_number - time buckets in order */
static int by_key_number(const void *a, const void *b)
{
    long long x = atoll(((const row *)a)->key), y = atoll(((const row *)b)->key);
    return x < y ? -1 : x > y;
}

/* rows_of - the rows of a table, sorted (caller frees) */
static row *rows_of(const rtab *tb, size_t *n, int (*order)(const void *, const void *))
{
    *n = tb->used;
    row *rs = malloc((*n ? *n : 1) * sizeof *rs);
    if (!rs) {
        *n = 0;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < tb->cap; i++)
        if (tb->slots[i].hash) {
            rs[k].key = slot_key(&tb->slots[i]);
            rs[k].t = &tb->slots[i].t;
            k++;
        }
    qsort(rs, *n, sizeof *rs, order);
    return rs;
}

/* day_buckets - the time line by day: hour rows folded into days (into
 * days, which the caller frees with rtab_free) */
static void day_buckets(const logs_report *rp, rtab *days)
{
    const rtab *hours = &rp->g[G_TIME].rows;
    memset(days, 0, sizeof *days);
    for (size_t i = 0; i < hours->cap; i++) {
        if (!hours->slots[i].hash)
            continue;
        const tslot *v = &hours->slots[i];
        char day[32];
        int n = snprintf(day, sizeof day, "%lld", atoll(slot_key(v)) / 24);
        tally *t = rtab_get(days, day, (size_t)n);
        if (!t)
            continue;
        for (int k = 0; k < N_OUT; k++)
            t->n[k] += v->t.n[k];
        t->hard += v->t.hard;
    }
}

/* by_day - the time line is shown by day rather than by hour */
static int by_day(const logs_report *rp)
{
    return rp->tmin >= 0 && rp->tmax - rp->tmin > 3 * 86400;
}

/* bucket_label - "2026-12-06 14:00" or "2026-12-06" of a bucket number */
static void bucket_label(long long bucket, int day, char *out, size_t cap)
{
    time_t t = (time_t)(day ? bucket * 86400 : bucket * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, day ? "%Y-%m-%d" : "%Y-%m-%d %H:00", &tm);
}

/* tally_json - the counts and rates of a tally */
static json_t *tally_json(const tally *t)
{
    json_t *o = json_object();
    unsigned long long sent = final(t) + t->n[BK_LOG_DEFERRED];
    json_object_set_new(o, "sent", json_integer((json_int_t)sent));
    for (int i = 1; i < N_OUT; i++)
        json_object_set_new(o, bk_log_outcome_name((bk_log_outcome)i), json_integer((json_int_t)t->n[i]));
    json_object_set_new(o, "hard", json_integer((json_int_t)t->hard));
    json_object_set_new(o, "bounce_rate", json_real(rate(failed(t), final(t))));
    json_object_set_new(o, "hard_bounce_rate", json_real(rate(t->hard, final(t))));
    return o;
}

/* sender_flagged - a sender over the line with enough volume */
static int sender_flagged(const logs_report *rp, const tally *t)
{
    return final(t) >= rp->min_volume && rate(failed(t), final(t)) > rp->threshold;
}

int report_crossed(const logs_report *rp)
{
    if (final(&rp->all) >= rp->min_volume && rate(failed(&rp->all), final(&rp->all)) > rp->threshold)
        return 1;
    const rtab *tb = &rp->g[G_SENDER].rows;
    for (size_t i = 0; i < tb->cap; i++)
        if (tb->slots[i].hash && sender_flagged(rp, &tb->slots[i].t))
            return 1;
    return 0;
}

json_t *report_json(const logs_report *rp, const bk_log_stats *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "threshold", json_real(rp->threshold));
    json_object_set_new(o, "crossed", json_boolean(report_crossed(rp)));
    json_object_set_new(o, "totals", tally_json(&rp->all));
    if (rp->tmin >= 0) {
        char a[32], b[32];
        time_t x = (time_t)rp->tmin, y = (time_t)rp->tmax;
        struct tm tm;
        strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&x, &tm));
        strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&y, &tm));
        json_object_set_new(o, "first", json_string(a));
        json_object_set_new(o, "last", json_string(b));
    }
    for (int gi = 0; gi < N_GROUPS; gi++) {
        const group *g = &rp->g[gi];
        size_t n;
        int day = gi == G_TIME && by_day(rp);
        rtab days = {0};
        if (day)
            day_buckets(rp, &days);
        row *rs = rows_of(day ? &days : &g->rows, &n,
                          gi == G_TIME ? by_key_number : g->failures_only || gi == G_SENDER ? by_failures : by_volume);
        json_t *arr = json_array();
        size_t limit = gi == G_TIME ? n : (n < rp->top ? n : rp->top);
        for (size_t i = 0; i < n && (gi == G_SENDER || i < limit); i++) {
            if (gi == G_SENDER && i >= limit && !sender_flagged(rp, rs[i].t))
                continue;
            json_t *r = tally_json(rs[i].t);
            if (gi == G_TIME) {
                char label[32];
                bucket_label(atoll(rs[i].key), day, label, sizeof label);
                json_object_set_new(r, "time", json_string(label));
            } else
                json_object_set_new(r, "key", json_string(rs[i].key));
            if (gi == G_SENDER)
                json_object_set_new(r, "flagged", json_boolean(sender_flagged(rp, rs[i].t)));
            json_array_append_new(arr, r);
        }
        free(rs);
        rtab_free(&days);
        json_object_set_new(o, g->name, arr);
        if (gi == G_TIME)
            json_object_set_new(o, "timeline_unit", json_string(day ? "day" : "hour"));
    }
    json_t *s = json_object();
    json_object_set_new(s, "lines", json_integer((json_int_t)st->lines));
    json_object_set_new(s, "used", json_integer((json_int_t)st->used));
    json_object_set_new(s, "malformed", json_integer((json_int_t)st->malformed));
    json_object_set_new(s, "other", json_integer((json_int_t)st->other));
    json_object_set_new(s, "unprefixed", json_integer((json_int_t)st->unprefixed));
    json_object_set_new(s, "evicted", json_integer((json_int_t)st->evicted));
    json_object_set_new(s, "bounce_notices", json_integer((json_int_t)st->notices));
    json_object_set_new(s, "probes", json_integer((json_int_t)st->probes));
    json_object_set_new(s, "untried", json_integer((json_int_t)st->untried));
    json_object_set_new(s, "handoffs", json_integer((json_int_t)st->handoffs));
    json_object_set_new(s, "discarded", json_integer((json_int_t)st->discarded));
    json_object_set_new(s, "complaints", json_integer((json_int_t)st->complaints));
    json_object_set_new(o, "input", s);
    return o;
}

/* pct - a rate as "12.3%" */
static const char *pct(double r, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f%%", r * 100.0);
    return buf;
}

/* text_table - one group as aligned rows */
static void text_table(const logs_report *rp, int gi, term *t)
{
    const group *g = &rp->g[gi];
    size_t n;
    int day = gi == G_TIME && by_day(rp);
    rtab days = {0};
    if (day)
        day_buckets(rp, &days);
    row *rs = rows_of(day ? &days : &g->rows, &n, gi == G_TIME ? by_key_number : g->failures_only || gi == G_SENDER ? by_failures : by_volume);
    if (n == 0) {
        free(rs);
        rtab_free(&days);
        return;
    }
    term_heading(t, gi == G_TIME ? (day ? "By day" : "By hour") : g->title);
    fprintf(t->out, "  %-40s %9s %9s %9s %9s %9s %8s\n", gi == G_TIME ? "time" : "", "sent",
            "delivered", "deferred", "bounced", "rejected", "bounce%");
    size_t limit = gi == G_TIME ? n : (n < rp->top ? n : rp->top);
    for (size_t i = 0; i < n; i++) {
        int flagged = gi == G_SENDER && sender_flagged(rp, rs[i].t);
        if (i >= limit && !flagged)
            continue;
        const tally *x = rs[i].t;
        char label[64], pb[16];
        if (gi == G_TIME)
            bucket_label(atoll(rs[i].key), day, label, sizeof label);
        else
            snprintf(label, sizeof label, "%.40s", rs[i].key);
        if (flagged)
            term_style(t, "1;31");
        fprintf(t->out, "  %-40s %9llu %9llu %9llu %9llu %9llu %8s%s\n", label,
                final(x) + x->n[BK_LOG_DEFERRED], x->n[BK_LOG_DELIVERED], x->n[BK_LOG_DEFERRED],
                failed(x), x->n[BK_LOG_REJECTED], pct(rate(failed(x), final(x)), pb, sizeof pb),
                flagged ? "  over the line" : "");
        if (flagged)
            term_style(t, NULL);
    }
    free(rs);
    rtab_free(&days);
}

void report_text(const logs_report *rp, const bk_log_stats *st, term *t)
{
    const tally *a = &rp->all;
    char b1[16], b2[16], b3[16];
    term_heading(t, "Delivery health");
    fprintf(t->out, "  sent %llu   delivered %llu   deferred (pending) %llu   bounced %llu   expired %llu   rejected at submission %llu\n",
            final(a) + a->n[BK_LOG_DEFERRED], a->n[BK_LOG_DELIVERED], a->n[BK_LOG_DEFERRED],
            a->n[BK_LOG_BOUNCED], a->n[BK_LOG_EXPIRED], a->n[BK_LOG_REJECTED]);
    int over = final(a) >= rp->min_volume && rate(failed(a), final(a)) > rp->threshold;
    fprintf(t->out, "  bounce rate ");
    if (over)
        term_style(t, "1;31");
    fprintf(t->out, "%s", pct(rate(failed(a), final(a)), b1, sizeof b1));
    if (over)
        term_style(t, NULL);
    fprintf(t->out, "   hard-bounce rate %s   (the line: %s)\n", pct(rate(a->hard, final(a)), b2, sizeof b2),
            pct(rp->threshold, b3, sizeof b3));
    for (int gi = 0; gi < N_GROUPS; gi++)
        text_table(rp, gi, t);
    fprintf(t->out, "\n  %llu lines read: %llu used, %llu of other programs (%llu in no known form), %llu malformed; %llu queue ids evicted; %llu bounce notices sent; %llu address verification results; %llu recipients queued, not tried; %llu handed to a relay on this host; %llu discarded here; %llu complaints (feedback reports)\n",
            st->lines, st->used, st->other, st->unprefixed, st->malformed, st->evicted, st->notices, st->probes, st->untried,
            st->handoffs, st->discarded, st->complaints);
}

void report_free(logs_report *rp)
{
    if (!rp)
        return;
    for (int i = 0; i < N_GROUPS; i++)
        rtab_free(&rp->g[i].rows);
    free(rp);
}
