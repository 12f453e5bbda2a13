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

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define N_OUT 6 /* indexed by bk_log_outcome; 0 unused */
#define GROUP_ROWS_MAX 50000 /* distinct keys kept per table (memory stays bounded); more are counted as "(other)" */

typedef struct {
    unsigned long long n[N_OUT];
    unsigned long long hard;
} tally;

typedef struct {
    const char *name;     /* JSON key */
    const char *title;    /* heading */
    GHashTable *rows;     /* key (char *) -> tally * */
    int failures_only;
    char last[BK_ADDR_MAX]; /* the key counted last (events come in runs) */
    tally *last_t;        /* its tally, or NULL */
} group;

enum { G_DOMAIN, G_PROVIDER, G_REASON, G_RHOST, G_RECIPIENT, G_SENDER, G_TIME, N_GROUPS };

struct logs_report {
    double threshold;
    unsigned min_volume, top;
    tally all;
    group g[N_GROUPS];
    long long tmin, tmax;
    long long hour;       /* the hour counted last in the time line */
    tally *hour_t;        /* its tally, or NULL */
};

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
        rp->g[i].rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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

/* add_to - count e under key in group g; its tally */
static tally *add_to(group *g, const char *key, const bk_log_event *e)
{
    if (!key || !key[0])
        key = "(none)";
    if (g->last_t && strcmp(key, g->last) == 0) {
        /* a key's tally never changes: "(other)" keys are never added later */
        count(g->last_t, e);
        return g->last_t;
    }
    tally *t = g_hash_table_lookup(g->rows, key);
    if (!t) {
        if (g_hash_table_size(g->rows) >= GROUP_ROWS_MAX)
            key = "(other)";
        t = g_hash_table_lookup(g->rows, key);
        if (!t) {
            t = g_new0(tally, 1);
            g_hash_table_insert(g->rows, g_strdup(key), t);
        }
    }
    count(t, e);
    size_t n = strlen(key);
    if (n < sizeof g->last) {
        memcpy(g->last, key, n + 1);
        g->last_t = t;
    }
    return t;
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
    if (rp->hour_t && e->last / 3600 == rp->hour)
        count(rp->hour_t, e);
    else {
        char hour[32];
        snprintf(hour, sizeof hour, "%lld", e->last / 3600);
        rp->hour = e->last / 3600;
        rp->hour_t = add_to(&rp->g[G_TIME], hour, e);
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

/* rows_of - the rows of a group, sorted (caller frees) */
static row *rows_of(const group *g, size_t *n, int (*order)(const void *, const void *))
{
    *n = g_hash_table_size(g->rows);
    row *rs = malloc((*n ? *n : 1) * sizeof *rs);
    GHashTableIter it;
    gpointer k, v;
    size_t i = 0;
    g_hash_table_iter_init(&it, g->rows);
    while (rs && g_hash_table_iter_next(&it, &k, &v)) {
        rs[i].key = k;
        rs[i].t = v;
        i++;
    }
    if (rs)
        qsort(rs, *n, sizeof *rs, order);
    else
        *n = 0;
    return rs;
}

/* day_buckets - the time line by day: hour rows folded into days */
static GHashTable *day_buckets(const logs_report *rp)
{
    GHashTable *days = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, rp->g[G_TIME].rows);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        char day[32];
        snprintf(day, sizeof day, "%lld", atoll(k) / 24);
        tally *t = g_hash_table_lookup(days, day);
        if (!t) {
            t = g_new0(tally, 1);
            g_hash_table_insert(days, g_strdup(day), t);
        }
        for (int i = 0; i < N_OUT; i++)
            t->n[i] += ((tally *)v)->n[i];
        t->hard += ((tally *)v)->hard;
    }
    return days;
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
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, rp->g[G_SENDER].rows);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (sender_flagged(rp, v))
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
        GHashTable *days = day ? day_buckets(rp) : NULL;
        group tmp = *g;
        if (days)
            tmp.rows = days;
        row *rs = rows_of(&tmp, &n,
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
        if (days)
            g_hash_table_destroy(days);
        json_object_set_new(o, g->name, arr);
        if (gi == G_TIME)
            json_object_set_new(o, "timeline_unit", json_string(day ? "day" : "hour"));
    }
    json_t *s = json_object();
    json_object_set_new(s, "lines", json_integer((json_int_t)st->lines));
    json_object_set_new(s, "used", json_integer((json_int_t)st->used));
    json_object_set_new(s, "malformed", json_integer((json_int_t)st->malformed));
    json_object_set_new(s, "other", json_integer((json_int_t)st->other));
    json_object_set_new(s, "evicted", json_integer((json_int_t)st->evicted));
    json_object_set_new(s, "bounce_notices", json_integer((json_int_t)st->notices));
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
    GHashTable *days = day ? day_buckets(rp) : NULL;
    group tmp = *g;
    if (days)
        tmp.rows = days;
    row *rs = rows_of(&tmp, &n, gi == G_TIME ? by_key_number : g->failures_only || gi == G_SENDER ? by_failures : by_volume);
    if (n == 0) {
        free(rs);
        if (days)
            g_hash_table_destroy(days);
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
    if (days)
        g_hash_table_destroy(days);
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
    fprintf(t->out, "\n  %llu lines read: %llu used, %llu of other programs, %llu malformed; %llu queue ids evicted; %llu bounce notices sent\n",
            st->lines, st->used, st->other, st->malformed, st->evicted, st->notices);
}

void report_free(logs_report *rp)
{
    if (!rp)
        return;
    for (int i = 0; i < N_GROUPS; i++)
        g_hash_table_destroy(rp->g[i].rows);
    free(rp);
}
