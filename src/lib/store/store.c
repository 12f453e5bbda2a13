/*
 * store.c - the suppression list's public interface (bk_store_*), the same
 * for every backend: opening by spec, batches, and what the policy does to
 * an entry when an event comes in:
 *   - every new event is kept (a token its address has changes nothing) and counted on
 *     its address's entry (first and last seen, count);
 *   - suppress, complaint, domain: the entry becomes suppressed now, with
 *     the policy's expiry for that kind; an active suppression is only ever
 *     lengthened (never shortened, and a manual one keeps its source);
 *   - soft: suppressed once soft_count soft events fall within soft_window
 *     (counted from the events themselves, after the last manual removal);
 *   - sender: counted per sender domain; the recipient is untouched;
 *   - clear: a delivery lifts an expiring policy suppression.
 * Lookups are in check.c; many events at once in address order in batch.c.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct bk_store {
    const bk_store_backend *be;
    void *db;
    bk_policy policy;
    char where[1024];
    int in_batch;
    unsigned long long own_changes; /* writes through this handle */
    void *check;                    /* check.c's state */
};

long long bk_store_now(void)
{
    return (long long)time(NULL);
}

double bk_store_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bk_store_entry *bk_lookup_row(int kind, const char *address, const char *domain,
                              bk_store_entry *addr, bk_store_entry *dom, int has[2], int *allowed)
{
    if (kind == 2) {
        *allowed = 1;
        return NULL;
    }
    bk_store_entry *e = kind ? dom : addr;
    memset(e, 0, sizeof *e);
    bk_store_copy(e->key, sizeof e->key, kind ? domain : address);
    e->domain = kind;
    has[kind] = 1;
    return e;
}

const bk_store_backend *bk_store_be(const bk_store *s, void **db)
{
    *db = s->db;
    return s->be;
}

void bk_store_touched(bk_store *s)
{
    s->own_changes++;
}

int bk_store_in_batch(const bk_store *s)
{
    return s->in_batch;
}

unsigned long long bk_store_changes(const bk_store *s)
{
    return s->own_changes;
}

void **bk_store_check_state(bk_store *s)
{
    return &s->check;
}

/* mkdirs - create the directories of path (not its last part), mode 0700 */
static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* default_path - $XDG_DATA_HOME/bouncekit/bouncekit.db, or under ~/.local/share */
static int default_path(char *buf, size_t len, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/bouncekit/bouncekit.db", xdg);
    else if (home && home[0])
        n = snprintf(buf, len, "%s/.local/share/bouncekit/bouncekit.db", home);
    else {
        snprintf(err, errlen, "no database given and neither XDG_DATA_HOME nor HOME is set");
        return -1;
    }
    if (n < 0 || (size_t)n >= len || mkdirs(buf) != 0) {
        snprintf(err, errlen, "%s: cannot create its directory: %s", buf, strerror(errno));
        return -1;
    }
    return 0;
}

/* redact - a URI as it may be shown: a password in it becomes "***" */
static void redact(const char *uri, char *out, size_t outlen)
{
    const char *host = strstr(uri, "://");
    host = host ? host + 3 : uri;
    size_t auth = strcspn(host, "@/?");
    const char *colon = memchr(host, ':', auth);
    if (host[auth] == '@' && colon)
        snprintf(out, outlen, "%.*s:***%s", (int)(colon - uri), uri, host + auth);
    else
        snprintf(out, outlen, "%s", uri);
    char *pw = strstr(out, "password="), rest[1024];
    if (pw) {
        snprintf(rest, sizeof rest, "%s", pw + 9 + strcspn(pw + 9, "&"));
        snprintf(pw + 9, outlen - (size_t)(pw + 9 - out), "***%s", rest);
    }
}

bk_store *bk_store_open(const char *spec, const bk_policy *policy, char *err, size_t errlen)
{
    bk_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (policy)
        s->policy = *policy;
    else
        bk_policy_default(&s->policy);
    char why[512] = "";
    if (spec && (!strncmp(spec, "postgresql://", 13) || !strncmp(spec, "postgres://", 11))) {
        redact(spec, s->where, sizeof s->where);
        s->be = &bk_pg_backend;
        s->db = bk_pg_open(spec, why, sizeof why);
    } else if (spec && !spec[0]) {
        snprintf(err, errlen, "an empty database name");
        free(s);
        return NULL;
    } else {
        if (spec)
            snprintf(s->where, sizeof s->where, "%s", spec);
        else if (default_path(s->where, sizeof s->where, err, errlen) != 0) {
            free(s);
            return NULL;
        }
        s->be = &bk_sqlite_backend;
        s->db = bk_sqlite_open(s->where, why, sizeof why);
    }
    if (!s->db) {
        snprintf(err, errlen, "%.500s: %s", s->where, why);
        free(s);
        return NULL;
    }
    return s;
}

void bk_store_close(bk_store *s)
{
    if (!s)
        return;
    if (s->in_batch)
        s->be->rollback(s->db);
    bk_store_check_free(s->check);
    s->be->close(s->db);
    free(s);
}

void bk_store_idle(bk_store *s)
{
    if (s && s->be->idle)
        s->be->idle(s->db);
}

const char *bk_store_where(const bk_store *s)
{
    return s->where;
}

const bk_policy *bk_store_policy(const bk_store *s)
{
    return &s->policy;
}

int bk_store_begin(bk_store *s, char *err, size_t errlen)
{
    if (s->in_batch)
        return 0;
    if (s->be->begin(s->db, err, errlen) != 0)
        return -1;
    s->in_batch = 1;
    return 0;
}

int bk_store_commit(bk_store *s, char *err, size_t errlen)
{
    if (!s->in_batch)
        return 0;
    s->in_batch = 0;
    if (s->be->commit(s->db, err, errlen) != 0) {
        s->be->rollback(s->db);
        return -1;
    }
    return 0;
}

void bk_store_rollback(bk_store *s)
{
    if (s->in_batch)
        s->be->rollback(s->db);
    s->in_batch = 0;
    s->own_changes++;
}

int bk_store_entry_active(const bk_store_entry *e, long long now)
{
    return e->suppressed && (e->expires == 0 || e->expires > now);
}

const char *bk_change_name(bk_change c)
{
    static const char *const NAMES[] = {"recorded", "duplicate", "suppressed", "already", "counted",
                                        "sender",   "domain",    "cleared",    "invalid"};
    return (unsigned)c < sizeof NAMES / sizeof NAMES[0] ? NAMES[c] : "recorded";
}

int bk_store_split_key(const bk_store *s, const char *key, char *out, size_t outlen, int *domain,
                       char *err, size_t errlen)
{
    size_t n = strlen(key);
    const char *p = key;
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    *domain = (n && p[0] == '@') || (n > 1 && p[0] == '*' && p[1] == '@');
    if (*domain)
        return bk_domain_normalize(p, n, out, outlen, err, errlen);
    return bk_address_normalize(p, n, s->policy.fold_plus, out, outlen, err, errlen);
}

/* suppress_entry - make en suppressed at t for expiry seconds (0: never);
 * 1 when it was not suppressed before, 0 when an active one was lengthened
 * or kept */
static int suppress_entry(bk_store_entry *en, long long t, const char *reason, long long expiry)
{
    long long exp = expiry ? t + expiry : 0;
    if (bk_store_entry_active(en, t)) {
        if (en->expires && (exp == 0 || exp > en->expires)) {
            en->expires = exp;
            if (!strcmp(en->source, "policy"))
                bk_store_copy(en->reason, sizeof en->reason, reason);
        }
        return 0;
    }
    en->suppressed = 1;
    bk_store_copy(en->reason, sizeof en->reason, reason);
    bk_store_copy(en->source, sizeof en->source, "policy");
    en->created = t;
    en->expires = exp;
    return 1;
}

/* load_entry - the entry of key, or a fresh one; counts the event on it */
static int load_entry(bk_store *s, int domain, const char *key, long long t, bk_store_entry *en,
                      char *err, size_t errlen)
{
    int rc = s->be->entry_get(s->db, domain, key, en, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        memset(en, 0, sizeof *en);
        bk_store_copy(en->key, sizeof en->key, key);
        en->domain = domain;
    }
    if (!en->first_seen || t < en->first_seen)
        en->first_seen = t;
    if (t > en->last_seen)
        en->last_seen = t;
    en->count++;
    return 0;
}

/* sender_domain - the normalised domain of the sender, "(unknown)" when none */
static void sender_domain(const char *addresser, char *out, size_t outlen)
{
    const char *at = strrchr(addresser, '@');
    char why[128];
    if (!at || bk_domain_normalize(at + 1, strlen(at + 1), out, outlen, why, sizeof why) != 0)
        snprintf(out, outlen, "(unknown)");
}

/* apply - what the policy's action does to the entry of the address */
static int apply(bk_store *s, const bk_event *e, bk_store_entry *en, bk_ingest_result *out,
                 char *err, size_t errlen)
{
    const bk_policy *p = &s->policy;
    long long t = out->time;
    switch (out->action) {
    case BK_POLICY_SUPPRESS:
    case BK_POLICY_COMPLAINT:
    case BK_POLICY_DOMAIN: {
        long long exp = out->action == BK_POLICY_COMPLAINT ? p->complaint_expiry : p->hard_expiry;
        out->change = suppress_entry(en, t, e->reason, exp) ? BK_CHANGE_SUPPRESSED
                                                             : BK_CHANGE_ALREADY;
        if (out->action == BK_POLICY_DOMAIN) {
            bk_store_entry dom;
            if (load_entry(s, 1, out->domain, t, &dom, err, errlen) != 0)
                return -1;
            if (suppress_entry(&dom, t, e->reason, p->domain_expiry))
                out->change = BK_CHANGE_DOMAIN;
            if (s->be->entry_put(s->db, &dom, err, errlen) != 0)
                return -1;
        }
        break;
    }
    case BK_POLICY_SOFT: {
        long long since = t - p->soft_window + 1;
        if (en->cleared >= since)
            since = en->cleared + 1;
        long long n = s->be->event_count(s->db, out->address, "soft", since, t, err, errlen);
        if (n < 0)
            return -1;
        out->soft_seen = (int)(n > 1000000 ? 1000000 : n);
        if (n >= p->soft_count)
            out->change = suppress_entry(en, t, e->reason, p->soft_expiry) ? BK_CHANGE_SUPPRESSED
                                                                            : BK_CHANGE_ALREADY;
        else
            out->change = bk_store_entry_active(en, t) ? BK_CHANGE_ALREADY : BK_CHANGE_COUNTED;
        break;
    }
    case BK_POLICY_SENDER:
        sender_domain(e->addresser, out->domain, sizeof out->domain);
        if (s->be->sender_add(s->db, out->domain, e->reason, t, err, errlen) != 0)
            return -1;
        out->change = BK_CHANGE_SENDER;
        break;
    case BK_POLICY_CLEAR:
        if (bk_store_entry_active(en, t) && !strcmp(en->source, "policy") && en->expires &&
            t >= en->created) {
            en->suppressed = 0;
            en->cleared = t;
            out->change = BK_CHANGE_CLEARED;
        }
        break;
    case BK_POLICY_RECORD:
        break;
    }
    out->expires = en->suppressed ? en->expires : 0;
    return 0;
}

/* ingest_one - the work of bk_store_ingest inside a transaction; token:
 * the one made for an event that has none (NULL: made here) */
static int ingest_one(bk_store *s, const bk_event *e, const char *token, bk_ingest_result *out,
                      char *err, size_t errlen)
{
    bk_event tokened;
    if (!e->token[0]) {
        tokened = *e;
        if (token)
            bk_store_copy(tokened.token, sizeof tokened.token, token);
        else
            bk_event_make_token(&tokened);
        e = &tokened;
    }
    int rc = s->be->event_add(s->db, e, out->address, out->time,
                              bk_policy_action_name(out->action), err, errlen);
    if (rc <= 0) {
        out->change = BK_CHANGE_DUPLICATE;
        return rc;
    }
    bk_store_entry en;
    if (load_entry(s, 0, out->address, out->time, &en, err, errlen) != 0 ||
        apply(s, e, &en, out, err, errlen) != 0)
        return -1;
    return s->be->entry_put(s->db, &en, err, errlen);
}

int bk_store_prepare(const bk_store *s, const bk_event *e, bk_ingest_result *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (bk_address_normalize(e->recipient, strlen(e->recipient), s->policy.fold_plus,
                             out->address, sizeof out->address, err, errlen) != 0) {
        out->address[0] = '\0';
        out->change = BK_CHANGE_INVALID;
        return 1;
    }
    bk_store_copy(out->domain, sizeof out->domain, strrchr(out->address, '@') + 1);
    out->time = e->time > 0 ? e->time : bk_store_now();
    out->action = bk_policy_decide(&s->policy, e);
    out->change = BK_CHANGE_RECORDED;
    return 0;
}

int bk_store_apply(bk_store *s, const bk_event *e, const char *token, bk_ingest_result *out,
                   char *err, size_t errlen)
{
    s->own_changes++;
    return ingest_one(s, e, token, out, err, errlen);
}

int bk_store_ingest(bk_store *s, const bk_event *e, bk_ingest_result *out, char *err,
                    size_t errlen)
{
    if (bk_store_prepare(s, e, out, err, errlen) != 0)
        return 0;
    int own = !s->in_batch;
    if (own && bk_store_begin(s, err, errlen) != 0)
        return -1;
    if (bk_store_apply(s, e, NULL, out, err, errlen) != 0) {
        if (own)
            bk_store_rollback(s);
        return -1;
    }
    return own ? bk_store_commit(s, err, errlen) : 0;
}
