/*
 * logs.c - MTA logs to one outcome per recipient (bk_log_*): the line
 * prefix (logline.c), the reader for the program that wrote the line
 * (postfix_log.c, exim_log.c, sendmail_log.c; a JSON record, a line starting
 * with '{', is KumoMTA's: kumo_log.c; a CSV row after a header "type,...",
 * PowerMTA's accounting: pmta_log.c), the state kept per queue id,
 * whether a delivery was only a hand-off to a relay on this host that queued
 * the message again (log_handoff) or a content filter there that dropped it
 * (log_filter_discard), and the verdict on each failure (the
 * classifier, with the logged status and relay as hints).
 *
 * Memory is bounded: queue ids live in one open-addressing table of at most
 * max_queue entries; every 65,536 lines (and when the table is full) entries
 * idle longer than the horizon are evicted, their pending recipients
 * reported as deferred, and counted.
 */
#define _DEFAULT_SOURCE /* madvise() and MADV_HUGEPAGE where the system has them */
#include "logs_internal.h"
#include "text.h"
#include "token.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* this_year - the current year in the local time zone, as the stamps are read */
static int this_year(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

/* YEAR_AHEAD - how far past the clock a stamp without a year may lie before
 * it is taken for the year before: a log of last December read in January */
#define YEAR_AHEAD (2 * 86400LL)

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
    r->guess_year = !r->o.year;
    r->clock = time(NULL);
    r->sink = sink;
    r->ctx = ctx;
    r->cap = 1024;
    r->slots = calloc(r->cap, sizeof *r->slots);
    r->verdicts = calloc(VERDICT_SLOTS, sizeof *r->verdicts);
    /* 2 MB read at random: one huge page where the system gives it */
    r->prov = aligned_alloc(2u << 20, PROV_SLOTS * sizeof *r->prov);
#ifdef MADV_HUGEPAGE
    if (r->prov)
        madvise(r->prov, PROV_SLOTS * sizeof *r->prov, MADV_HUGEPAGE);
#endif
    if (r->prov)
        memset(r->prov, 0, PROV_SLOTS * sizeof *r->prov);
    if (!r->slots || !r->verdicts || !r->prov) {
        free(r->slots);
        free(r->verdicts);
        free(r->prov);
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
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

/* log_number - the decimal digits at the start of v (saturating), 0 when none */
long long log_number(log_span v)
{
    long long n = 0;
    for (size_t i = 0; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++)
        n = n < 100000000000000000LL ? n * 10 + (v.p[i] - '0') : n;
    return n;
}

/* log_decimal - "12" or "0.25" at the start of v, -1 when v starts with no digit */
double log_decimal(log_span v)
{
    if (!v.len || v.p[0] < '0' || v.p[0] > '9')
        return -1;
    /* correctly rounded, as strtod: the digits as one integer m below 2^53
     * over an exact power of ten is one rounding (Clinger's fast path) */
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    unsigned long long m = 0;
    size_t i = 0, frac = 0, digits = 0;
    for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++, digits++)
        m = digits < 19 ? m * 10 + (unsigned)(v.p[i] - '0') : m;
    if (i < v.len && v.p[i] == '.')
        for (i++; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++, digits++, frac++)
            m = digits < 19 ? m * 10 + (unsigned)(v.p[i] - '0') : m;
    if (digits <= 19 && m <= (1ULL << 53) && frac <= 22)
        return (double)m / p10[frac];
    char buf[64]; /* long numbers: strtod on a bounded copy */
    size_t n = i < sizeof buf ? i : sizeof buf - 1;
    memcpy(buf, v.p, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

/* log_find - offset of needle in s, or -1 */
long log_find(log_span s, const char *needle)
{
    size_t n = strlen(needle);
    if (n > s.len)
        return -1;
    for (size_t i = 0; i + n <= s.len; i++) {
        const char *at = memchr(s.p + i, needle[0], s.len - n - i + 1);
        if (!at)
            return -1;
        i = (size_t)(at - s.p);
        if (memcmp(at, needle, n) == 0)
            return (long)i;
    }
    return -1;
}

/* log_starts - s begins with prefix */
int log_starts(log_span s, const char *prefix)
{
    if (!prefix[0])
        return 1;
    if (!s.len || s.p[0] != prefix[0]) /* most lines differ at once */
        return 0;
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.p, prefix, n) == 0;
}

/* log_value - the value of "key=" in a ", "-separated list (up to the next ','
 * or the end); len 0 when missing */
log_span log_value(log_span s, const char *key)
{
    log_span v = {s.p, 0};
    size_t kl = strlen(key);
    long at = -1;
    if (kl && key[kl - 1] == '=' && memchr(key, '=', kl - 1) == NULL) {
        /* the key's only '=' is its last byte: look at each '=' of s, the
         * first one that ends the key after a blank (or at the start) wins */
        for (const char *eq = memchr(s.p, '=', s.len); eq;
             eq = memchr(eq + 1, '=', (size_t)(s.p + s.len - eq - 1))) {
            size_t j = (size_t)(eq - s.p) + 1;
            if (j >= kl && memcmp(eq + 1 - kl, key, kl) == 0 && (j == kl || s.p[j - kl - 1] == ' ')) {
                at = (long)(j - kl);
                break;
            }
        }
    } else {
        for (size_t from = 0; from < s.len;) {
            log_span rest = {s.p + from, s.len - from};
            long k = log_find(rest, key);
            if (k < 0)
                break;
            size_t i = from + (size_t)k;
            if (i == 0 || s.p[i - 1] == ' ') {
                at = (long)i;
                break;
            }
            from = i + 1;
        }
    }
    if (at < 0)
        return v;
    v.p = s.p + at + kl;
    size_t e = (size_t)at + kl;
    while (e < s.len && s.p[e] != ',')
        e++;
    v.len = (size_t)(s.p + e - v.p);
    return v;
}

/* loopback_addr - a is in 127.0.0.0/8 or is ::1, also as Sendmail writes
 * IPv6 ("IPv6:::1") and IPv4-mapped ("::ffff:127.0.0.1") */
static int loopback_addr(log_span a)
{
    if (bk_ci_prefix(a.p, a.len, "ipv6:"))
        a.p += 5, a.len -= 5;
    if (a.len == 3 && memcmp(a.p, "::1", 3) == 0)
        return 1;
    if (bk_ci_prefix(a.p, a.len, "::ffff:"))
        a.p += 7, a.len -= 7;
    if (a.len < 5 || memcmp(a.p, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < a.len; i++)
        if ((a.p[i] < '0' || a.p[i] > '9') && a.p[i] != '.')
            return 0;
    return 1;
}

/* loopback - the relay is this host: the address in its "[...]" (Postfix
 * "name[addr]:port", Sendmail "name [addr]" or "[addr] [addr]") is a
 * loopback address, or, with no brackets, the name is localhost. A unix
 * socket ("name[private/lmtp]") and a transport ("local", "dovecot") are not. */
static int loopback(log_span relay)
{
    const char *open = relay.len ? memchr(relay.p, '[', relay.len) : NULL;
    if (open) {
        const char *end = relay.p + relay.len;
        const char *close = memchr(open, ']', (size_t)(end - open));
        return close && loopback_addr((log_span){open + 1, (size_t)(close - open - 1)});
    }
    size_t n = 0;
    while (n < relay.len && relay.p[n] != ':' && relay.p[n] != ' ')
        n++;
    if (n && relay.p[n - 1] == '.')
        n--;
    return n == 9 && bk_ci_prefix(relay.p, relay.len, "localhost");
}

/* ci_find - offset of needle in s, in any case (the last one when last is
 * set), or -1 */
static long ci_find(log_span s, const char *needle, int last)
{
    long at = bk_ci_find(s.p, s.len, needle);
    while (last && at >= 0) {
        long next = bk_ci_find(s.p + at + 1, s.len - (size_t)at - 1, needle);
        if (next < 0)
            break;
        at += 1 + next;
    }
    return at;
}

/* next_id - the queue id a reply names: "queued as QID" (Postfix, and
 * amavisd-new passing on its MTA's reply), "QID Message accepted for
 * delivery" (Sendmail) or the last "id=ID" (Exim's "250 OK id=1a2B3c-...",
 * after amavisd-new's own "id=..."); length 0 when none */
static log_span next_id(log_span text)
{
    log_span id = {text.p, 0};
    long at = ci_find(text, "queued as ", 1);
    if (at >= 0) {
        id.p = text.p + at + 10;
        while (id.p + id.len < text.p + text.len && bk_is_alnum((unsigned char)id.p[id.len]))
            id.len++;
        return id;
    }
    at = ci_find(text, " message accepted for delivery", 0);
    if (at > 0) {
        const char *end = text.p + at;
        id.p = end;
        while (id.p > text.p && bk_is_alnum((unsigned char)id.p[-1]))
            id.p--;
        id.len = (size_t)(end - id.p);
        return id;
    }
    at = ci_find(text, " id=", 1);
    if (at >= 0) {
        id.p = text.p + at + 4;
        while (id.p + id.len < text.p + text.len &&
               (bk_is_alnum((unsigned char)id.p[id.len]) || id.p[id.len] == '-'))
            id.len++;
    }
    return id;
}

int log_handoff(bk_log_reader *r, const char *mta, log_span relay, log_span text)
{
    /* the relay first: it rules out nearly every delivery at once */
    if (!loopback(relay))
        return 0;
    log_span id = next_id(text);
    return id.len && queue_get(r, mta, id.p, id.len, 0) != NULL;
}

int log_filter_discard(log_span relay, log_span text)
{
    /* the reply first: "250 2.7.0 Ok, discarded, id=..." (2.7.1 in older
     * amavisd-new), unlike any other delivery's from its tenth byte */
    if (text.len < 23 || memcmp(text.p, "250 2.7.", 8) != 0 ||
        memcmp(text.p + 9, " Ok, discarded", 14) != 0)
        return 0;
    return loopback(relay);
}

/* log_unbracket - drop the angle brackets of "<addr>" */
log_span log_unbracket(log_span v)
{
    if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>') {
        v.p++;
        v.len -= 2;
    }
    return v;
}

/* log_queue_id - the "QID: " at the start of msg; length 0 when it is not one */
log_span log_queue_id(log_span msg)
{
    static const unsigned char alnum[256] = {
        ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
        ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
        ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
        ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1,
        ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
        ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
        ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
        ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};
    log_span q = {msg.p, 0};
    size_t i = 0;
    while (i < msg.len && i < 31 && alnum[(unsigned char)msg.p[i]])
        i++;
    if (i < 5 || i + 1 >= msg.len || msg.p[i] != ':' || msg.p[i + 1] != ' ')
        return q;
    q.len = i;
    return q;
}

/* set_str - replace a malloc'd string with a bounded copy of p[0..n) */
void set_str(char **dst, const char *p, size_t n)
{
    if (n > BK_REPLY_TEXT_MAX - 1)
        n = BK_REPLY_TEXT_MAX - 1;
    char *s = realloc(*dst, n + 1);
    if (!s)
        return;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    *dst = s;
}

/* queue_set_sender - the sender of q: in the entry when short, else malloc'd */
void queue_set_sender(log_queue *q, const char *p, size_t n)
{
    if (n > BK_REPLY_TEXT_MAX - 1)
        n = BK_REPLY_TEXT_MAX - 1; /* as set_str */
    if (n < SENDER_INLINE) {
        free(q->sender_out);
        q->sender_out = NULL;
        if (n)
            memcpy(q->sender_in, p, n);
        q->sender_in[n] = '\0';
        q->has_sender = 1;
        return;
    }
    set_str(&q->sender_out, p, n);
    if (q->sender_out)
        q->has_sender = 2;
}

/* queue_sender - the sender of q, NULL when none was seen */
const char *queue_sender(const log_queue *q)
{
    return q->has_sender == 1 ? q->sender_in : q->has_sender == 2 ? q->sender_out : NULL;
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
    free(q->sender_out);
    free(q->messageid);
    memset(q, 0, sizeof *q);
}

/* slot_of - where qid is, or the free slot where it would go */
static size_t slot_of(const bk_log_reader *r, const char *qid, size_t len)
{
    size_t i = hash(qid, len) & (r->cap - 1);
    while (r->slots[i].qid[0] &&
           !(memcmp(r->slots[i].qid, qid, len) == 0 && r->slots[i].qid[len] == '\0'))
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

/* pending_event - the event of pending recipient k of q with outcome o:
 * recipient, attempts, first time, status, text and relay set */
static bk_log_event *pending_event(bk_log_reader *r, const log_queue *q, size_t k, bk_log_outcome o)
{
    const log_pending *p = &q->p[k];
    bk_log_event *e = event_start(r, p->refused ? BK_LOG_REJECTED : o, q->mta, NULL, q);
    copy_field(e->recipient, sizeof e->recipient, p->recipient, strlen(p->recipient));
    e->attempts = p->attempts;
    e->first = p->first;
    copy_field(e->dsn, sizeof e->dsn, p->dsn, strlen(p->dsn));
    if (p->text)
        copy_field(e->text, sizeof e->text, p->text, strlen(p->text));
    if (p->relay)
        copy_field(e->relay, sizeof e->relay, p->relay, strlen(p->relay));
    return e;
}

/* evict - report the pending recipients of slot i as still deferred, then
 * free the slot */
static void evict(bk_log_reader *r, size_t i)
{
    log_queue *q = &r->slots[i];
    r->st.evicted++;
    for (size_t k = 0; k < q->np; k++) {
        bk_log_event *e = pending_event(r, q, k, BK_LOG_DEFERRED);
        e->last = q->p[k].last;
        event_emit(r, e);
    }
    remove_slot(r, i);
}

typedef struct {
    long long last;
    char qid[QID_MAX];
} evictee;

/* evictee_cmp - by last time, then queue id */
static int evictee_cmp(const void *a, const void *b)
{
    const evictee *x = a, *y = b;
    if (x->last != y->last)
        return x->last < y->last ? -1 : 1;
    return strcmp(x->qid, y->qid);
}

/* sweep - evict entries idle longer than the horizon (all of the oldest
 * half when force is set and none is that old), oldest first */
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
    size_t n = 0;
    for (size_t i = 0; i < r->cap; i++)
        n += r->slots[i].qid[0] && r->slots[i].last <= limit;
    evictee *order = n ? malloc(n * sizeof *order) : NULL;
    if (!order) {
        /* no memory for the order (or nothing to do): in table order */
        for (size_t i = 0; i < r->cap;) {
            if (r->slots[i].qid[0] && r->slots[i].last <= limit)
                evict(r, i); /* slot i now holds a moved entry, or is free */
            else
                i++;
        }
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < r->cap && k < n; i++)
        if (r->slots[i].qid[0] && r->slots[i].last <= limit) {
            order[k].last = r->slots[i].last;
            memcpy(order[k].qid, r->slots[i].qid, QID_MAX);
            k++;
        }
    qsort(order, k, sizeof *order, evictee_cmp);
    for (size_t j = 0; j < k; j++) {
        size_t i = slot_of(r, order[j].qid, strlen(order[j].qid));
        if (r->slots[i].qid[0])
            evict(r, i);
    }
    free(order);
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
        bk_log_event *e = pending_event(r, q, k, o);
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
    /* every field set, the strings emptied rather than cleared (the event is
     * ~3 KB); the verdict is filled by event_emit. A new field of
     * bk_log_event must be set here too. */
    e->outcome = o;
    e->mta = mta;
    e->host[0] = e->queue_id[0] = e->sender[0] = e->recipient[0] = '\0';
    e->orig_recipient[0] = e->messageid[0] = e->relay[0] = e->rhost[0] = '\0';
    e->dsn[0] = e->text[0] = e->token[0] = '\0';
    e->attempts = 0;
    e->nrcpt = 0;
    e->provider = NULL;
    e->delay = -1;
    e->size = -1;
    e->first = e->last = r->now;
    const char *sender = q ? queue_sender(q) : NULL;
    if (sender)
        copy_field(e->sender, sizeof e->sender, sender, strlen(sender));
    if (r->o.report_only)
        return e; /* what a summary does not read stays unknown */
    if (l && l->host.len)
        copy_field(e->host, sizeof e->host, l->host.p, l->host.len);
    if (q) {
        if (!q->anonymous)
            copy_field(e->queue_id, sizeof e->queue_id, q->qid, strlen(q->qid));
        if (q->messageid)
            copy_field(e->messageid, sizeof e->messageid, q->messageid, strlen(q->messageid));
        e->size = q->size;
        e->nrcpt = q->nrcpt;
    }
    return e;
}

/* log_record_defer - keep a failed attempt as pending under its key */
int log_record_defer(bk_log_reader *r, const log_record *a)
{
    log_queue *q = queue_get(r, a->mta, a->key.p, a->key.len, 1);
    log_pending *p = q && a->recipient.len ? pending_get(q, a->recipient.p, a->recipient.len, 1) : NULL;
    if (!p)
        return -1;
    q->anonymous = a->anonymous;
    q->last = r->now;
    if (a->sender.len && !q->has_sender)
        queue_set_sender(q, a->sender.p, a->sender.len);
    if (a->size >= 0)
        q->size = a->size;
    if (a->messageid.len && !q->messageid)
        set_str(&q->messageid, a->messageid.p, a->messageid.len);
    if (!p->first)
        p->first = r->now;
    p->last = r->now;
    p->attempts++;
    copy_field(p->dsn, sizeof p->dsn, a->dsn.p, a->dsn.len);
    set_str(&p->text, a->text.p, a->text.len);
    set_str(&p->relay, a->relay.p, a->relay.len);
    return 0;
}

/* log_record_outcome - report the outcome of a's recipient with its earlier attempts */
int log_record_outcome(bk_log_reader *r, const log_record *a, bk_log_outcome o)
{
    if (!a->recipient.len)
        return -1;
    log_queue *q = o == BK_LOG_REJECTED ? NULL : queue_get(r, a->mta, a->key.p, a->key.len, 0);
    log_pending *p = q ? pending_get(q, a->recipient.p, a->recipient.len, 0) : NULL;
    bk_log_event *e = event_start(r, o, a->mta, NULL, NULL);
    copy_field(e->sender, sizeof e->sender, a->sender.p, a->sender.len);
    copy_field(e->recipient, sizeof e->recipient, a->recipient.p, a->recipient.len);
    copy_field(e->relay, sizeof e->relay, a->relay.p, a->relay.len);
    copy_field(e->dsn, sizeof e->dsn, a->dsn.p, a->dsn.len);
    copy_field(e->text, sizeof e->text, a->text.p, a->text.len);
    if (!r->o.report_only) {
        if (!a->anonymous)
            copy_field(e->queue_id, sizeof e->queue_id, a->key.p, a->key.len);
        copy_field(e->orig_recipient, sizeof e->orig_recipient, a->orig_recipient.p,
                   a->orig_recipient.len);
        copy_field(e->messageid, sizeof e->messageid, a->messageid.p, a->messageid.len);
        e->size = a->size;
    }
    e->attempts = o == BK_LOG_REJECTED || a->use_pending ? 0 : 1; /* an expiry is no attempt */
    if (p) {
        e->attempts += p->attempts;
        e->first = p->first;
        if (!e->sender[0] && q->has_sender)
            copy_field(e->sender, sizeof e->sender, queue_sender(q), strlen(queue_sender(q)));
        if (a->use_pending && p->text) { /* the last deferral tells why */
            copy_field(e->dsn, sizeof e->dsn, p->dsn, strlen(p->dsn));
            copy_field(e->text, sizeof e->text, p->text, strlen(p->text));
            if (p->relay && p->relay[0])
                copy_field(e->relay, sizeof e->relay, p->relay, strlen(p->relay));
        }
        pending_remove(q, p);
    }
    if (q && q->np == 0)
        queue_drop(r, q); /* one message a recipient: nothing more to wait for */
    event_emit(r, e);
    return 0;
}

/* relay_host - the host name of "name[addr]:port" */
static void relay_host(bk_log_event *e)
{
    size_t n = strcspn(e->relay, "[:, ");
    if (n == 0 || strncmp(e->relay, "none", 4) == 0 || strncmp(e->relay, "local", 5) == 0)
        return;
    if (n > 1 && e->relay[n - 1] == '.')
        n--; /* Sendmail's "mx.example.net. [192.0.2.1]": the root's dot */
    copy_field(e->rhost, sizeof e->rhost, e->relay, n);
}

/* set_token - SHA-1 of "\x02sender\x1erecipient\x1efirst\x03", as hex */
static void set_token(bk_log_reader *r, bk_log_event *e)
{
    if (!r->sha1 && !(r->sha1 = g_checksum_new(G_CHECKSUM_SHA1)))
        return;
    token_hex(r->sha1, e->sender, strlen(e->sender), e->recipient, strlen(e->recipient), e->first,
              e->token, sizeof e->token);
}

/* prov_home - the first slot a relay host (domain 0) or domain (1) may take */
static size_t prov_home(int domain, const char *name, size_t n)
{
    return (size_t)bk_hash(1469598103934665603ULL ^ (uint64_t)domain, name, n) & (PROV_SLOTS - 1);
}

/* provider_prefetch - start loading the cache slot of name; the slot is
 * remembered for the next lookup of that kind and length */
void provider_prefetch(bk_log_reader *r, int domain, const char *name, size_t n)
{
    r->prov_hint[domain][0] = 0;
    if (n == 0 || n >= sizeof r->prov[0].key)
        return;
    size_t i = prov_home(domain, name, n);
    __builtin_prefetch(&r->prov[i]);
    r->prov_hint[domain][0] = n;
    r->prov_hint[domain][1] = i;
}

/* provider_of - bk_classifier_provider of one host name (or domain), through
 * a cache (open addressing, emptied when half full): relays and domains repeat */
static const char *provider_of(bk_log_reader *r, int domain, const char *name, size_t n)
{
    if (n == 0)
        return NULL;
    if (n >= sizeof r->prov[0].key)
        return bk_classifier_provider(r->c, domain ? NULL : name, domain ? 0 : n,
                                      domain ? name : NULL, domain ? n : 0);
    /* the prefetched slot when the name has its length: a wrong slot (not
     * the name's home) only costs a duplicate entry, never another answer */
    size_t i = r->prov_hint[domain][0] == n ? r->prov_hint[domain][1] : prov_home(domain, name, n);
    r->prov_hint[domain][0] = 0;
    log_prov_slot *s;
    for (;; i = (i + 1) & (PROV_SLOTS - 1)) {
        s = &r->prov[i];
        if (!s->len)
            break;
        if (s->len == n + 1 && s->domain == domain && memcmp(s->key, name, n) == 0)
            return s->value;
    }
    if (r->prov_used >= PROV_SLOTS / 2) { /* start again: the keys of a long log are unbounded */
        memset(r->prov, 0, PROV_SLOTS * sizeof *r->prov);
        r->prov_used = 0;
        s = &r->prov[prov_home(domain, name, n)];
    }
    s->value = bk_classifier_provider(r->c, domain ? NULL : name, domain ? 0 : n,
                                      domain ? name : NULL, domain ? n : 0);
    memcpy(s->key, name, n);
    s->len = (unsigned char)(n + 1);
    s->domain = (unsigned char)domain;
    r->prov_used++;
    return s->value;
}

/* classify - bk_classify of the event's text and hints, through a cache (real
 * logs repeat replies). The key is what the verdict depends on: the text with
 * its per-message parts masked (reply_key.c), the providers of the relay host
 * and of the recipient domain (the only use the classifier makes of those two
 * names) and the logged status. */
static void classify(bk_log_reader *r, bk_log_event *e, const char *domain)
{
    bk_hints h = {.host = e->rhost[0] ? e->rhost : NULL,
                  .domain = domain,
                  .status = e->dsn[0] ? e->dsn : NULL};
    size_t lt = strlen(e->text), ls = strlen(e->dsn);
    const char *hp = provider_of(r, 0, e->rhost, strlen(e->rhost));
    const char *dp = domain ? provider_of(r, 1, domain, strlen(domain)) : NULL;
    char key[1 + 2 * sizeof(char *) + BK_REPLY_TEXT_MAX + BK_STATUS_MAX + 1];
    size_t k = 0;
    key[k++] = domain ? 'd' : '-';
    memcpy(key + k, &hp, sizeof hp);
    k += sizeof hp;
    memcpy(key + k, &dp, sizeof dp);
    k += sizeof dp;
    size_t kt = ls < BK_STATUS_MAX ? reply_key(e->text, lt, e->rhost, domain, key + k, sizeof key - k - 1 - ls) : 0;
    if (!kt && lt) {
        bk_classify(r->c, e->text, lt, &h, &e->verdict, NULL);
        return;
    }
    k += kt;
    key[k++] = '\0'; /* the marks and the text never hold a NUL */
    memcpy(key + k, e->dsn, ls);
    k += ls;
    log_verdict_slot *s = &r->verdicts[bk_hash(1469598103934665603ULL, key, k) % VERDICT_SLOTS];
    if (s->key && s->len == k && memcmp(s->key, key, k) == 0) {
        e->verdict = s->v;
        return;
    }
    if (bk_classify(r->c, e->text, lt, &h, &e->verdict, NULL) != 0)
        return; /* no scan space: not remembered */
    char *copy = realloc(s->key, k);
    if (!copy)
        return;
    memcpy(copy, key, k);
    s->key = copy;
    s->len = k;
    s->v = e->verdict;
}

/* event_emit - classify, add provider and token, hand to the sink */
void event_emit(bk_log_reader *r, bk_log_event *e)
{
    relay_host(e);
    const char *at = strrchr(e->recipient, '@');
    const char *domain = at ? at + 1 : NULL;
    if (e->outcome == BK_LOG_DELIVERED) {
        if (!r->delivered_ready) { /* the same for every delivery: made once */
            memset(&r->delivered, 0, sizeof r->delivered);
            r->delivered.permanence = BK_PERM_SUCCESS;
            bk_verdict_set_reason(r->c, &r->delivered, "delivered");
            r->delivered.reply_code = 0;
            r->delivered_ready = 1;
        }
        e->verdict = r->delivered;
        copy_field(e->verdict.status, sizeof e->verdict.status, e->dsn, strlen(e->dsn));
        e->provider = provider_of(r, 0, e->rhost, strlen(e->rhost));
        if (!e->provider && domain)
            e->provider = provider_of(r, 1, domain, strlen(domain));
        e->verdict.provider = e->provider;
        r->prov_hint[0][0] = r->prov_hint[1][0] = 0; /* for this delivery only */
    } else {
        classify(r, e, domain);
        if (e->outcome == BK_LOG_EXPIRED && strcmp(e->verdict.reason, "undefined") == 0)
            bk_verdict_set_reason(r->c, &e->verdict, "expired");
        else if (e->outcome == BK_LOG_DEFERRED && strcmp(e->verdict.reason, "expired") == 0) {
            /* a connection that timed out (which ends in a bounce only when the
             * queue lifetime runs out, hence expired) on a recipient still being
             * retried: nothing has expired yet, the network failed */
            const char *rule = e->verdict.rule;
            bk_verdict_set_reason(r->c, &e->verdict, "networkerror");
            e->verdict.rule = rule;
        }
        e->provider = e->verdict.provider;
    }
    if (!r->o.no_tokens)
        set_token(r, e);
    if (r->sink)
        r->sink(e, r->ctx);
}

/* sendmail_prog - "sendmail", or a name starting "sm-" (sm-mta, the submission
 * queue's runner sm-msp-queue, the daemon's titles as sm-acceptingconnections),
 * after any "/" */
static int sendmail_prog(log_span prog)
{
    size_t s = prog.len;
    while (s > 0 && prog.p[s - 1] != '/')
        s--;
    return log_prog_is(prog, "sendmail") || (prog.len - s > 3 && memcmp(prog.p + s, "sm-", 3) == 0);
}

void log_clock(bk_log_reader *r, long long t)
{
    if (t > r->now || r->now - t > r->o.horizon)
        r->now = t; /* a clock going back a little keeps the later time */
}

/* line_done - count a line read (rc as a reader returns it) and sweep the
 * table now and then */
static int line_done(bk_log_reader *r, int rc)
{
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

int bk_log_line(bk_log_reader *r, const char *line, size_t len)
{
    r->st.lines++;
    if (len && line[0] == '{')
        return line_done(r, kumo_line(r, line, len));
    if (pmta_row(r, line, len))
        return line_done(r, pmta_line(r, line, len));
    log_line l;
    if (log_line_parse(line, len, r->year, &l) != 0) {
        r->st.other++;
        r->st.unprefixed++;
        return 0;
    }
    if (!l.has_year) {
        /* a syslog stamp: December followed by January is the next year */
        if (r->last_month >= 11 && l.month <= 2) {
            r->year++;
            r->clock = time(NULL);
            log_line_parse(line, len, r->year, &l);
        }
        /* with no --year, a stamp later than now is of the year before */
        if (r->guess_year && l.time > r->clock + YEAR_AHEAD) {
            r->year--;
            log_line_parse(line, len, r->year, &l);
        }
        r->last_month = l.month;
    }
    log_clock(r, l.time);
    int rc;
    if (l.kind == LINE_EXIM)
        rc = exim_line(r, &l);
    else if (l.prog.len >= 7 && memcmp(l.prog.p, "postfix", 7) == 0)
        rc = postfix_line(r, &l);
    else if (sendmail_prog(l.prog))
        rc = sendmail_line(r, &l);
    else if (log_prog_is(l.prog, "exim") || log_prog_is(l.prog, "exim4")) {
        /* Exim's main log sent to syslog: the rest reads as its own log */
        l.kind = LINE_EXIM;
        rc = exim_line(r, &l);
    } else
        rc = 1;
    return line_done(r, rc);
}

long long bk_log_line_time(const bk_log_reader *r, const char *line, size_t len)
{
    if (len && line[0] == '{')
        return kumo_time(line, len);
    if (pmta_row(r, line, len))
        return pmta_time(r, line, len);
    log_line l;
    if (log_line_parse(line, len, r->year, &l) != 0)
        return -1;
    if (!l.has_year && r->guess_year && l.time > r->clock + YEAR_AHEAD &&
        log_line_parse(line, len, r->year - 1, &l) != 0)
        return -1;
    return l.time;
}

void bk_log_finish(bk_log_reader *r)
{
    unsigned long long evicted = r->st.evicted;
    /* every entry left goes out, also those later than the last line read
     * (a clock or a concatenation that went back more than the horizon) */
    long long latest = r->now;
    for (size_t i = 0; i < r->cap; i++)
        if (r->slots[i].qid[0] && r->slots[i].last > latest)
            latest = r->slots[i].last;
    r->now = latest + r->o.horizon + 1;
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
    for (size_t i = 0; i < VERDICT_SLOTS; i++)
        free(r->verdicts[i].key);
    free(r->verdicts);
    free(r->prov);
    if (r->sha1)
        g_checksum_free(r->sha1);
    pmta_free(r);
    free(r);
}
