/*
 * logs.c - MTA logs to one outcome per recipient (bk_log_*): the line
 * prefix (logline.c), the reader for the program that wrote the line
 * (postfix_log.c, exim_log.c, sendmail_log.c), the state kept per queue id,
 * and the verdict on each failure (the classifier, with the logged status
 * and relay as hints).
 *
 * Memory is bounded: queue ids live in one open-addressing table of at most
 * max_queue entries; every 65,536 lines (and when the table is full) entries
 * idle longer than the horizon are evicted, their pending recipients
 * reported as deferred, and counted.
 */
#include "logs_internal.h"
#include "text.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_EVERY 65536

const char *bk_log_outcome_name(bk_log_outcome o)
{
    switch (o) {
    case BK_LOG_DELIVERED: return "delivered";
    case BK_LOG_DEFERRED: return "deferred";
    case BK_LOG_BOUNCED: return "bounced";
    case BK_LOG_EXPIRED: return "expired";
    case BK_LOG_REJECTED: return "rejected";
    }
    return "unknown";
}

/* this_year - the current year (UTC) */
static int this_year(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

bk_log_reader *bk_log_reader_new(const bk_classifier *c, const bk_log_options *options,
                                 bk_log_sink sink, void *ctx)
{
    bk_log_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->c = c;
    if (options)
        r->o = *options;
    if (!r->o.horizon)
        r->o.horizon = 7 * 86400;
    if (!r->o.max_queue)
        r->o.max_queue = 100000;
    r->year = r->o.year ? r->o.year : this_year();
    r->sink = sink;
    r->ctx = ctx;
    r->cap = 1024;
    r->slots = calloc(r->cap, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    return r;
}

/* copy_field - bounded copy of p[0..n) into a fixed field */
void copy_field(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

/* set_str - replace a malloc'd string with a bounded copy of p[0..n) */
void set_str(char **dst, const char *p, size_t n)
{
    if (n > BK_REPLY_TEXT_MAX - 1)
        n = BK_REPLY_TEXT_MAX - 1;
    char *s = realloc(*dst, n + 1);
    if (!s)
        return;
    memcpy(s, p, n);
    s[n] = '\0';
    *dst = s;
}

/* hash - FNV-1a of a queue id */
static size_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return (size_t)h;
}

/* free_queue - release what an entry holds and mark its slot free */
static void free_queue(log_queue *q)
{
    for (size_t i = 0; i < q->np; i++) {
        free(q->p[i].recipient);
        free(q->p[i].text);
        free(q->p[i].relay);
    }
    free(q->p);
    free(q->sender);
    free(q->messageid);
    memset(q, 0, sizeof *q);
}

/* slot_of - where qid is, or the free slot where it would go */
static size_t slot_of(const bk_log_reader *r, const char *qid, size_t len)
{
    size_t i = hash(qid, len) & (r->cap - 1);
    while (r->slots[i].qid[0] &&
           !(strlen(r->slots[i].qid) == len && memcmp(r->slots[i].qid, qid, len) == 0))
        i = (i + 1) & (r->cap - 1);
    return i;
}

/* grow - double the table */
static int grow(bk_log_reader *r)
{
    size_t old_cap = r->cap;
    log_queue *old = r->slots;
    log_queue *slots = calloc(old_cap * 2, sizeof *slots);
    if (!slots)
        return -1;
    r->slots = slots;
    r->cap = old_cap * 2;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].qid[0])
            r->slots[slot_of(r, old[i].qid, strlen(old[i].qid))] = old[i];
    free(old);
    return 0;
}

/* remove_slot - empty slot i, moving later entries of its run back */
static void remove_slot(bk_log_reader *r, size_t i)
{
    free_queue(&r->slots[i]);
    r->used--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & (r->cap - 1);
        if (!r->slots[j].qid[0])
            return;
        size_t home = hash(r->slots[j].qid, strlen(r->slots[j].qid)) & (r->cap - 1);
        /* move j into the hole at i unless its home lies cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            r->slots[i] = r->slots[j];
            memset(&r->slots[j], 0, sizeof r->slots[j]);
            i = j;
        }
    }
}

/* sweep - evict entries idle longer than the horizon (all of the oldest
 * half when force is set and none is that old) */
static void sweep(bk_log_reader *r, int force)
{
    long long limit = r->now - r->o.horizon;
    if (force) {
        /* the median last time of the entries: a cheap bound, one pass */
        long long lo = r->now, hi = 0;
        for (size_t i = 0; i < r->cap; i++)
            if (r->slots[i].qid[0]) {
                if (r->slots[i].last < lo)
                    lo = r->slots[i].last;
                if (r->slots[i].last > hi)
                    hi = r->slots[i].last;
            }
        long long mid = lo + (hi - lo) / 2;
        if (mid > limit)
            limit = mid;
    }
    for (size_t i = 0; i < r->cap;) {
        log_queue *q = &r->slots[i];
        if (q->qid[0] && q->last <= limit) {
            r->st.evicted++;
            for (size_t k = 0; k < q->np; k++) {
                bk_log_event *e = event_start(r, BK_LOG_DEFERRED, q->mta, NULL, q);
                copy_field(e->recipient, sizeof e->recipient, q->p[k].recipient,
                           strlen(q->p[k].recipient));
                e->attempts = q->p[k].attempts;
                e->first = q->p[k].first;
                e->last = q->p[k].last;
                copy_field(e->dsn, sizeof e->dsn, q->p[k].dsn, strlen(q->p[k].dsn));
                if (q->p[k].text)
                    copy_field(e->text, sizeof e->text, q->p[k].text, strlen(q->p[k].text));
                if (q->p[k].relay)
                    copy_field(e->relay, sizeof e->relay, q->p[k].relay, strlen(q->p[k].relay));
                event_emit(r, e);
            }
            remove_slot(r, i);
            continue; /* slot i now holds a moved entry, or is free */
        }
        i++;
    }
}

/* queue_get - the entry of a queue id */
log_queue *queue_get(bk_log_reader *r, const char *mta, const char *qid, size_t len, int create)
{
    if (len == 0 || len >= QID_MAX)
        return NULL;
    size_t i = slot_of(r, qid, len);
    if (r->slots[i].qid[0] || !create)
        return r->slots[i].qid[0] ? &r->slots[i] : NULL;
    if (r->used >= r->o.max_queue) {
        sweep(r, 1);
        i = slot_of(r, qid, len);
    }
    if ((r->used + 1) * 2 > r->cap) {
        if (grow(r) != 0)
            return NULL;
        i = slot_of(r, qid, len);
    }
    log_queue *q = &r->slots[i];
    memcpy(q->qid, qid, len);
    q->qid[len] = '\0';
    q->first = q->last = r->now;
    q->size = -1;
    q->mta = mta;
    r->used++;
    return q;
}

/* queue_drop - the message left the queue */
void queue_drop(bk_log_reader *r, log_queue *q)
{
    remove_slot(r, (size_t)(q - r->slots));
}

/* pending_get - the pending recipient of q */
log_pending *pending_get(log_queue *q, const char *rcpt, size_t len, int create)
{
    for (size_t i = 0; i < q->np; i++)
        if (strlen(q->p[i].recipient) == len && memcmp(q->p[i].recipient, rcpt, len) == 0)
            return &q->p[i];
    if (!create || q->np >= 10000)
        return NULL;
    if (q->np == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4;
        log_pending *p = realloc(q->p, cap * sizeof *p);
        if (!p)
            return NULL;
        q->p = p;
        q->cap = cap;
    }
    log_pending *p = &q->p[q->np];
    memset(p, 0, sizeof *p);
    set_str(&p->recipient, rcpt, len);
    if (!p->recipient)
        return NULL;
    p->delay = -1;
    q->np++;
    return p;
}

/* pending_remove - forget one pending recipient */
void pending_remove(log_queue *q, log_pending *p)
{
    free(p->recipient);
    free(p->text);
    free(p->relay);
    size_t i = (size_t)(p - q->p);
    q->p[i] = q->p[--q->np];
}

/* queue_expire - report every pending recipient with outcome o, then drop q */
void queue_expire(bk_log_reader *r, log_queue *q, bk_log_outcome o)
{
    for (size_t k = 0; k < q->np; k++) {
        bk_log_event *e = event_start(r, o, q->mta, NULL, q);
        copy_field(e->recipient, sizeof e->recipient, q->p[k].recipient, strlen(q->p[k].recipient));
        e->attempts = q->p[k].attempts;
        e->first = q->p[k].first;
        copy_field(e->dsn, sizeof e->dsn, q->p[k].dsn, strlen(q->p[k].dsn));
        if (q->p[k].text)
            copy_field(e->text, sizeof e->text, q->p[k].text, strlen(q->p[k].text));
        if (q->p[k].relay)
            copy_field(e->relay, sizeof e->relay, q->p[k].relay, strlen(q->p[k].relay));
        e->delay = q->p[k].delay;
        event_emit(r, e);
    }
    queue_drop(r, q);
}

/* event_start - empty the reader's event and set what every event has */
bk_log_event *event_start(bk_log_reader *r, bk_log_outcome o, const char *mta,
                          const log_line *l, const log_queue *q)
{
    bk_log_event *e = &r->ev;
    memset(e, 0, sizeof *e);
    e->outcome = o;
    e->mta = mta;
    e->delay = -1;
    e->size = -1;
    e->first = e->last = r->now;
    if (l && l->host.len)
        copy_field(e->host, sizeof e->host, l->host.p, l->host.len);
    if (q) {
        copy_field(e->queue_id, sizeof e->queue_id, q->qid, strlen(q->qid));
        if (q->sender)
            copy_field(e->sender, sizeof e->sender, q->sender, strlen(q->sender));
        if (q->messageid)
            copy_field(e->messageid, sizeof e->messageid, q->messageid, strlen(q->messageid));
        e->size = q->size;
        e->nrcpt = q->nrcpt;
    }
    return e;
}

/* relay_host - the host name of "name[addr]:port" */
static void relay_host(bk_log_event *e)
{
    size_t n = strcspn(e->relay, "[:, ");
    if (n == 0 || strncmp(e->relay, "none", 4) == 0 || strncmp(e->relay, "local", 5) == 0)
        return;
    copy_field(e->rhost, sizeof e->rhost, e->relay, n);
}

/* set_token - SHA-1 of sender, recipient and first time, as hex */
static void set_token(bk_log_event *e)
{
    char buf[BK_ADDR_MAX * 2 + 48];
    int n = snprintf(buf, sizeof buf, "\x02%s\x1e%s\x1e%lld\x03", e->sender, e->recipient, e->first);
    if (n < 0)
        return;
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA1, (const guchar *)buf,
                                             (gsize)((size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1));
    if (hex) {
        copy_field(e->token, sizeof e->token, hex, strlen(hex));
        g_free(hex);
    }
}

/* event_emit - classify, add provider and token, hand to the sink */
void event_emit(bk_log_reader *r, bk_log_event *e)
{
    relay_host(e);
    const char *at = strrchr(e->recipient, '@');
    const char *domain = at ? at + 1 : NULL;
    if (e->outcome == BK_LOG_DELIVERED) {
        e->verdict.permanence = BK_PERM_SUCCESS;
        bk_verdict_set_reason(r->c, &e->verdict, "delivered");
        e->verdict.reply_code = 0;
        copy_field(e->verdict.status, sizeof e->verdict.status, e->dsn, strlen(e->dsn));
        e->provider = bk_classifier_provider(r->c, e->rhost, strlen(e->rhost), domain,
                                             domain ? strlen(domain) : 0);
        e->verdict.provider = e->provider;
    } else {
        bk_hints h = {BK_CMD_NONE, e->rhost[0] ? e->rhost : NULL, domain, 0,
                      e->dsn[0] ? e->dsn : NULL};
        bk_classify(r->c, e->text, strlen(e->text), &h, &e->verdict, NULL);
        if (e->outcome == BK_LOG_EXPIRED && strcmp(e->verdict.reason, "undefined") == 0)
            bk_verdict_set_reason(r->c, &e->verdict, "expired");
        e->provider = e->verdict.provider;
    }
    set_token(e);
    if (r->sink)
        r->sink(e, r->ctx);
}

/* is_prog - the program name is name, or ends with "/name" */
static int prog_is(log_span prog, const char *name)
{
    size_t n = strlen(name);
    return prog.len >= n && memcmp(prog.p + prog.len - n, name, n) == 0 &&
           (prog.len == n || prog.p[prog.len - n - 1] == '/');
}

int bk_log_line(bk_log_reader *r, const char *line, size_t len)
{
    r->st.lines++;
    log_line l;
    if (log_line_parse(line, len, r->year, &l) != 0) {
        r->st.other++;
        return 0;
    }
    if (!l.has_year) {
        /* a syslog stamp: December followed by January is the next year */
        if (r->last_month >= 11 && l.month <= 2) {
            r->year++;
            log_line_parse(line, len, r->year, &l);
        }
        r->last_month = l.month;
    }
    if (l.time > r->now || r->now - l.time > r->o.horizon)
        r->now = l.time; /* a clock going back a little keeps the later time */
    int rc;
    if (l.kind == LINE_EXIM)
        rc = exim_line(r, &l);
    else if (l.prog.len >= 7 && memcmp(l.prog.p, "postfix", 7) == 0)
        rc = postfix_line(r, &l);
    else if (prog_is(l.prog, "sendmail") || prog_is(l.prog, "sm-mta"))
        rc = sendmail_line(r, &l);
    else if (prog_is(l.prog, "exim") || prog_is(l.prog, "exim4")) {
        /* Exim's main log sent to syslog: the rest reads as its own log */
        l.kind = LINE_EXIM;
        rc = exim_line(r, &l);
    } else
        rc = 1;
    if (rc == 0)
        r->st.used++;
    else if (rc < 0)
        r->st.malformed++;
    else
        r->st.other++;
    if (++r->since_sweep >= SWEEP_EVERY) {
        r->since_sweep = 0;
        sweep(r, 0);
    }
    return rc < 0 ? -1 : 0;
}

long long bk_log_line_time(const bk_log_reader *r, const char *line, size_t len)
{
    log_line l;
    if (log_line_parse(line, len, r->year, &l) != 0)
        return -1;
    return l.time;
}

void bk_log_finish(bk_log_reader *r)
{
    unsigned long long evicted = r->st.evicted;
    r->now += r->o.horizon + 1;
    sweep(r, 0);
    r->st.evicted = evicted; /* what is left at the end was not evicted */
}

void bk_log_stats_get(const bk_log_reader *r, bk_log_stats *out)
{
    *out = r->st;
}

void bk_log_reader_free(bk_log_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        if (r->slots[i].qid[0])
            free_queue(&r->slots[i]);
    free(r->slots);
    free(r);
}
