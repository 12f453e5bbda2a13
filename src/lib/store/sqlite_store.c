/*
 * sqlite_store.c - the SQLite backend of the store (store.h): every
 * statement is fixed text, prepared once when the store opens and reused
 * with bound values; nothing is ever built from input. Times are seconds
 * since 1970; an expiry of NULL means never.
 *
 * Lookups hold a read transaction: after HOLD_AFTER lookups on a handle,
 * a run of lookups shares one (deferred) read transaction instead of each
 * opening its own, which costs most of a lookup in file locking. It is
 * ended before anything else this handle does (so its own writes show at
 * once) and renewed by the first lookup more than HOLD_FOR seconds after it
 * began: a commit by another connection or process can go unseen for that
 * long, the same bound as the lookup snapshot's (check.c). A caller that
 * keeps a handle idle (a service's pool) calls bk_store_idle() so the open
 * transaction does not keep the WAL from being restarted meanwhile.
 *
 * Writes: a write transaction raises the page cache to SQ_WRITE_CACHE_KB
 * and its end puts it back (sqlite_internal.h); checkpoints come every
 * WAL_CHECKPOINT_BYTES of WAL.
 */
#include "sqlite_internal.h"
#include "store_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLD_AFTER 64
#define HOLD_FOR 0.01
#define WAL_CHECKPOINT_BYTES (200LL * 1024 * 1024)

/* the handle: the shared part first (sqlite_schema.c and sqlite_stats.c see
 * only that), then the lookups' read transaction */
typedef struct {
    sq_store sq;
    sqlite3_stmt *read_begin; /* BEGIN (deferred) */
    unsigned long lookups;
    int reading; /* a read transaction of lookups is open */
    double read_at;
} sq_handle;

#define FILTER                                                                              \
    " (:reason IS NULL OR reason = :reason) AND (:source IS NULL OR source = :source) AND" \
    " (:all OR (suppressed = 1 AND (expires IS NULL OR expires > :now)))"

/* an entry's columns from the row an upsert would have inserted */
#define ENTRY_SET                                                                             \
    " suppressed = excluded.suppressed, reason = excluded.reason, source = excluded.source,"  \
    " created = excluded.created, expires = excluded.expires,"                               \
    " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"                     \
    " count = excluded.count, cleared = excluded.cleared, note = excluded.note"

#define SQ_ST(n) ST_##n

static const char *const SQL[ST_COUNT] = {
    STORE_SQL_COMMON(SQ_ST, SQ_P, SQ),
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    /* an upsert, not INSERT OR REPLACE: a known address's row is updated in
     * place, not deleted and inserted again */
    [ST_ADDR_PUT] = "INSERT INTO addresses(address, token, action, time, event, domain, " ENTRY_COLS ")"
                    " VALUES(?1, '', '', 0, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    " ON CONFLICT(address, token) DO UPDATE SET" ENTRY_SET,
    /* an event's row in the address tree (schema 4: the events' index by
     * address, keyed by its token, beside the address's own row), unless
     * the address has the token (a duplicate: nothing is written) */
    [ST_EVENT_INDEX] = "INSERT INTO addresses(address, token, action, time, event)"
                       " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [ST_NEXT_EVENT] = "SELECT coalesce(max(id), 0) + 1 FROM events",
    [ST_DOM_PUT] = "INSERT INTO domains(domain, " ENTRY_COLS ")"
                   " VALUES(?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                   " ON CONFLICT(domain) DO UPDATE SET" ENTRY_SET,
    [ST_LIST_DOM] = "SELECT domain, " ENTRY_COLS " FROM domains WHERE"
                    " (:domain IS NULL OR domain = :domain) AND" FILTER
                    " ORDER BY domain LIMIT :limit OFFSET :offset",
    [ST_LIST_ADDR] = "SELECT address, " ENTRY_COLS " FROM addresses WHERE action = '' AND"
                     " (:domain IS NULL OR domain = :domain) AND" FILTER
                     " ORDER BY address LIMIT :limit OFFSET :offset",
    [ST_KEYS_ADDR] = "SELECT address FROM addresses WHERE suppressed = 1",
    [ST_KEYS_DOM] = "SELECT domain FROM domains WHERE suppressed = 1",
    [ST_SENDER_ADD] = "INSERT INTO sender_problems(domain, reason, count, first_seen, last_seen)"
                      " VALUES(?1, ?2, 1, ?3, ?3) ON CONFLICT(domain, reason) DO UPDATE SET"
                      " count = count + 1, first_seen = min(first_seen, excluded.first_seen),"
                      " last_seen = max(last_seen, excluded.last_seen)",
    [ST_N_EVENTS] = "SELECT count(*) FROM events",
    [ST_N_ADDR] = "SELECT count(*) FROM addresses WHERE action = ''",
    [ST_N_SUPP] = "SELECT count(*) FROM addresses WHERE suppressed = 1"
                  " AND (expires IS NULL OR expires > ?1)",
    [ST_N_DOM] = "SELECT count(*) FROM domains WHERE suppressed = 1"
                 " AND (expires IS NULL OR expires > ?1)",
    [ST_N_ALLOW] = "SELECT count(*) FROM allow",
    [ST_N_SENDER] = "SELECT coalesce(sum(count), 0) FROM sender_problems",
    [ST_VERSION] = "SELECT max(version) FROM schema_version",
    [ST_BY_REASON] = "SELECT reason, NULL, count(*), max(created) FROM addresses"
                     " WHERE suppressed = 1 AND (expires IS NULL OR expires > ?1)"
                     " GROUP BY reason ORDER BY 3 DESC, 1",
    [ST_BY_SOURCE] = "SELECT source, NULL, count(*), max(created) FROM addresses"
                     " WHERE suppressed = 1 AND (expires IS NULL OR expires > ?1)"
                     " GROUP BY source ORDER BY 3 DESC, 1",
    [ST_BY_ACTION] = "SELECT action, NULL, count(*), max(time) FROM events"
                     " GROUP BY action ORDER BY 3 DESC, 1",
    [ST_BY_DOMAIN] = "SELECT domain, NULL, count(*), max(created) FROM addresses"
                     " WHERE suppressed = 1 AND (expires IS NULL OR expires > ?1)"
                     " GROUP BY domain ORDER BY 3 DESC, 1 LIMIT 20",
    [ST_BY_SENDER] = "SELECT domain, reason, count, last_seen FROM sender_problems"
                     " ORDER BY count DESC, domain, reason LIMIT 100",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_CACHE_WRITE] = "PRAGMA cache_size = -" SQ_STR(SQ_WRITE_CACHE_KB),
    [ST_CACHE_READ] = "PRAGMA cache_size = -" SQ_STR(SQ_CACHE_KB),
};

int sq_prepare_all(sq_store *s, char *err, size_t errlen)
{
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK)
            return sq_fail(s, "preparing a statement", err, errlen);
    return 0;
}

/* run - step a statement to its end and reset it; 0 or -1 */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* sq_idle - end the lookups' read transaction, if one is open: called first
 * by everything but a lookup */
static void sq_idle(void *db)
{
    sq_handle *h = db;
    if (!h->reading)
        return;
    h->reading = 0;
    if (run(h->sq.st[ST_COMMIT]) != 0 && !sqlite3_get_autocommit(h->sq.db))
        run(h->sq.st[ST_ROLLBACK]);
}

/* text_or_null - bind s, or NULL when empty */
static void text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0])
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* time_or_null - bind t, or NULL when 0 */
static void time_or_null(sqlite3_stmt *st, int i, long long t)
{
    if (t)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

/* copy_col - column i into a fixed field (cut to fit) */
static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int i)
{
    const char *t = sq_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, t, n);
    dst[n] = '\0';
}

/* hex_digit - the value of a lowercase hex digit, -1 for anything else */
static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

const void *sq_token_key(const char *token, unsigned char out[BK_TOKEN_MAX], int *blob, int *len)
{
    size_t n = strlen(token);
    *blob = 0;
    *len = (int)n;
    if (n < 40 || n >= BK_TOKEN_MAX || (n > 40 && token[40] != '/'))
        return token;
    for (int i = 0; i < 20; i++) {
        int hi = hex_digit(token[2 * i]), lo = hex_digit(token[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return token;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    memcpy(out + 20, token + 40, n - 40);
    *blob = 1;
    *len = (int)(n - 20);
    return out;
}

void sq_token_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    static const char HEX[] = "0123456789abcdef";
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (sqlite3_column_type(st, i) != SQLITE_BLOB || n < 20 || n + 20 >= cap) {
        copy_col(out, cap, st, i);
        return;
    }
    const unsigned char *b = sqlite3_column_blob(st, i);
    for (int k = 0; k < 20; k++) {
        out[2 * k] = HEX[b[k] >> 4];
        out[2 * k + 1] = HEX[b[k] & 15];
    }
    memcpy(out + 40, b + 20, n - 20);
    out[n + 20] = '\0';
}

/* sq_close - finalise every statement and close */
static void sq_close(void *db)
{
    sq_handle *h = db;
    sq_store *s = db;
    if (!s)
        return;
    sq_idle(h);
    sqlite3_finalize(h->read_begin);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

void *bk_sqlite_open(const char *path, char *err, size_t errlen)
{
    sq_handle *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sq_store *s = &h->sq;
    if (sq_schema_open(s, path, err, errlen) != 0 || sq_prepare_all(s, err, errlen) != 0 ||
        (sqlite3_prepare_v3(s->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &h->read_begin,
                            NULL) != SQLITE_OK &&
         sq_fail(s, "preparing a statement", err, errlen))) {
        sq_close(h);
        return NULL;
    }
    /* a checkpoint every 200 MB of WAL (WAL_CHECKPOINT_BYTES), not every 1,000
     * pages: a page written by many batches is copied into the file once,
     * and fewer syncs (a transaction of 100,000 events in no address order
     * writes about 300 MB to the WAL); what a commit survives is unchanged
     * (it is in the WAL either way). In bytes, not pages: the pages of the
     * WAL not yet copied back are read from it, not through the memory map,
     * so a WAL of 8 KB pages let grow to 50,000 pages halved the lookups of
     * addresses on the list after a large ingest */
    sqlite3_stmt *ps;
    long long page = 4096;
    if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &ps, NULL) == SQLITE_OK) {
        if (sqlite3_step(ps) == SQLITE_ROW && sqlite3_column_int64(ps, 0) > 0)
            page = sqlite3_column_int64(ps, 0);
        sqlite3_finalize(ps);
    }
    sqlite3_wal_autocheckpoint(s->db, (int)(WAL_CHECKPOINT_BYTES / page));
    return h;
}

/* sq_begin - BEGIN IMMEDIATE: take the write lock now, waiting for others;
 * the page cache grows to SQ_WRITE_CACHE_KB until the commit */
static int sq_begin(void *db, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    s->next_event = 0;
    if (run(s->st[ST_BEGIN]) != 0)
        return sq_fail(s, "starting a batch", err, errlen);
    run(s->st[ST_CACHE_WRITE]);
    return 0;
}

/* sq_commit - COMMIT; the page cache back to SQ_CACHE_KB (what it held
 * above that is freed) */
static int sq_commit(void *db, char *err, size_t errlen)
{
    sq_store *s = db;
    int rc = run(s->st[ST_COMMIT]) == 0 ? 0 : sq_fail(s, "committing", err, errlen);
    s->next_event = 0;
    run(s->st[ST_CACHE_READ]);
    return rc;
}

/* sq_rollback - ROLLBACK (nothing when no transaction is open) */
static void sq_rollback(void *db)
{
    sq_store *s = db;
    sq_idle(db);
    if (!sqlite3_get_autocommit(s->db))
        run(s->st[ST_ROLLBACK]);
    s->next_event = 0;
    run(s->st[ST_CACHE_READ]);
}

/* a token in its stored form (sq_token_key), made once for both statements */
typedef struct {
    unsigned char buf[BK_TOKEN_MAX];
    const void *key;
    int blob, len;
} token_key;

/* bind_token - the stored token k as parameter i (k held while the statement runs) */
static void bind_token(sqlite3_stmt *st, int i, const token_key *k)
{
    if (k->blob)
        sqlite3_bind_blob(st, i, k->key, k->len, SQLITE_STATIC);
    else
        sqlite3_bind_text(st, i, k->key, k->len, SQLITE_STATIC);
}

/* sq_event_add - the event's row in the address tree unless the address
 * has its token, then the event itself, under the id that row names (the
 * next one of the transaction: one writer at a time) */
static int sq_event_add(void *db, const bk_event *e, const char *address, long long time,
                        const char *action, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    if (s->next_event <= 0) {
        sqlite3_stmt *q = s->st[ST_NEXT_EVENT];
        s->next_event = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        if (s->next_event <= 0)
            return sq_fail(s, "adding an event", err, errlen);
    }
    token_key key;
    key.key = sq_token_key(e->token, key.buf, &key.blob, &key.len);
    sqlite3_stmt *st = s->st[ST_EVENT_INDEX];
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    bind_token(st, 2, &key);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, time);
    sqlite3_bind_int64(st, 5, s->next_event);
    if (run(st) != 0)
        return sq_fail(s, "adding an event", err, errlen);
    if (sqlite3_changes(s->db) == 0)
        return 0;
    st = s->st[ST_EVENT_ADD];
    bind_token(st, 1, &key);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, time);
    sqlite3_bind_text(st, 4, e->source[0] ? e->source : "jsonl", -1, SQLITE_STATIC);
    text_or_null(st, 5, e->origin);
    sqlite3_bind_text(st, 6, e->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, e->hardbounce != 0);
    sqlite3_bind_text(st, 8, bk_permanence_name(e->permanence), -1, SQLITE_STATIC);
    text_or_null(st, 9, e->status);
    if (e->replycode)
        sqlite3_bind_int(st, 10, e->replycode);
    else
        sqlite3_bind_null(st, 10);
    text_or_null(st, 11, e->feedbacktype);
    text_or_null(st, 12, e->addresser);
    text_or_null(st, 13, e->outcome);
    text_or_null(st, 14, e->diagnosticcode);
    sqlite3_bind_text(st, 15, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 16, s->next_event);
    if (run(st) != 0)
        return sq_fail(s, "adding an event", err, errlen);
    s->next_event++;
    return 1;
}

/* sq_event_count - events of address with action in [since, until] */
static long long sq_event_count(void *db, const char *address, const char *action,
                                long long since, long long until, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_EVENT_COUNT];
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int64(st, 4, until);
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n < 0 ? sq_fail(s, "counting events", err, errlen) : n;
}

/* sq_event_each - the events of address, oldest first */
static int sq_event_each(void *db, const char *address, bk_store_event_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_EVENT_EACH];
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bk_event e;
        memset(&e, 0, sizeof e);
        sq_token_text(st, 0, e.token, sizeof e.token);
        copy_col(e.recipient, sizeof e.recipient, st, 1);
        e.time = sqlite3_column_int64(st, 2);
        copy_col(e.source, sizeof e.source, st, 3);
        copy_col(e.origin, sizeof e.origin, st, 4);
        copy_col(e.reason, sizeof e.reason, st, 5);
        e.hardbounce = sqlite3_column_int(st, 6);
        const char *perm = sq_text(st, 7);
        for (int p = BK_PERM_UNKNOWN; p <= BK_PERM_PERMANENT; p++)
            if (!strcmp(perm, bk_permanence_name((bk_permanence)p)))
                e.permanence = (bk_permanence)p;
        copy_col(e.status, sizeof e.status, st, 8);
        e.replycode = sqlite3_column_int(st, 9);
        copy_col(e.feedbacktype, sizeof e.feedbacktype, st, 10);
        copy_col(e.addresser, sizeof e.addresser, st, 11);
        copy_col(e.outcome, sizeof e.outcome, st, 12);
        copy_col(e.diagnosticcode, sizeof e.diagnosticcode, st, 13);
        char action[16];
        copy_col(action, sizeof action, st, 14);
        if (fn(&e, action, ctx) != 0)
            break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(s, "reading events", err, errlen);
}

/* read_entry - an entry from a row whose columns follow ENTRY_COLS from first */
static void read_entry(sqlite3_stmt *st, int first, bk_store_entry *e)
{
    e->suppressed = sqlite3_column_int(st, first);
    copy_col(e->reason, sizeof e->reason, st, first + 1);
    copy_col(e->source, sizeof e->source, st, first + 2);
    e->created = sqlite3_column_int64(st, first + 3);
    e->expires = sqlite3_column_int64(st, first + 4);
    e->first_seen = sqlite3_column_int64(st, first + 5);
    e->last_seen = sqlite3_column_int64(st, first + 6);
    e->count = sqlite3_column_int64(st, first + 7);
    e->cleared = sqlite3_column_int64(st, first + 8);
    copy_col(e->note, sizeof e->note, st, first + 9);
}

/* sq_entry_get - the entry of an address or a domain */
static int sq_entry_get(void *db, int domain, const char *key, bk_store_entry *out, char *err,
                        size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[domain ? ST_DOM_GET : ST_ADDR_GET];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        bk_store_copy(out->key, sizeof out->key, key);
        out->domain = domain;
        read_entry(st, 0, out);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(s, "reading an entry", err, errlen);
    return rc == SQLITE_ROW;
}

/* sq_entry_put - write an entry whole */
static int sq_entry_put(void *db, const bk_store_entry *e, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[e->domain ? ST_DOM_PUT : ST_ADDR_PUT];
    sqlite3_bind_text(st, 1, e->key, -1, SQLITE_STATIC);
    if (!e->domain) {
        const char *at = strrchr(e->key, '@');
        sqlite3_bind_text(st, 2, at ? at + 1 : "", -1, SQLITE_STATIC);
    }
    sqlite3_bind_int(st, 3, e->suppressed != 0);
    text_or_null(st, 4, e->reason);
    text_or_null(st, 5, e->source);
    time_or_null(st, 6, e->created);
    time_or_null(st, 7, e->expires);
    time_or_null(st, 8, e->first_seen);
    time_or_null(st, 9, e->last_seen);
    sqlite3_bind_int64(st, 10, e->count);
    time_or_null(st, 11, e->cleared);
    text_or_null(st, 12, e->note);
    return run(st) == 0 ? 0 : sq_fail(s, "writing an entry", err, errlen);
}

/* bind_filter - the named parameters of a list statement */
static void bind_filter(sqlite3_stmt *st, const bk_store_filter *f, long long limit,
                        long long offset)
{
    text_or_null(st, sqlite3_bind_parameter_index(st, ":domain"), f->domain);
    text_or_null(st, sqlite3_bind_parameter_index(st, ":reason"), f->reason);
    text_or_null(st, sqlite3_bind_parameter_index(st, ":source"), f->source);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":all"), f->all != 0);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":now"), f->now);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":offset"), offset);
}

/* list_table - the rows of one list statement; *seen counts them; 1 when fn stopped */
static int list_table(sq_store *s, int which, const bk_store_filter *f, long long limit,
                      long long offset, bk_store_entry_fn fn, void *ctx, long long *seen,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[which];
    bind_filter(st, f, limit, offset);
    int rc, stopped = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bk_store_entry e;
        memset(&e, 0, sizeof e);
        copy_col(e.key, sizeof e.key, st, 0);
        e.domain = which == ST_LIST_DOM;
        read_entry(st, 1, &e);
        (*seen)++;
        if (fn(&e, ctx) != 0) {
            stopped = 1;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(s, "listing", err, errlen);
    return stopped;
}

/* sq_entry_each - domains then addresses, by key, paged across both */
static int sq_entry_each(void *db, const bk_store_filter *f, bk_store_entry_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    long long limit = f->limit > 0 ? f->limit : -1, offset = f->offset > 0 ? f->offset : 0;
    long long doms = 0;
    /* a domain filter names one domain: its domain entry comes first */
    int rc = list_table(s, ST_LIST_DOM, f, limit, offset, fn, ctx, &doms, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (limit > 0 && doms >= limit)
        return 0;
    /* how many domain rows the offset skipped, to carry the rest of it over */
    long long all_doms = 0;
    if (offset > 0) {
        bk_store_filter g = *f;
        g.limit = 0;
        sqlite3_stmt *st = s->st[ST_LIST_DOM];
        bind_filter(st, &g, -1, 0);
        while (sqlite3_step(st) == SQLITE_ROW)
            all_doms++;
        sqlite3_reset(st);
    } else
        all_doms = doms;
    long long off2 = offset > all_doms ? offset - all_doms : 0;
    long long lim2 = limit > 0 ? limit - doms : -1;
    long long addrs = 0;
    rc = list_table(s, ST_LIST_ADDR, f, lim2, off2, fn, ctx, &addrs, err, errlen);
    return rc < 0 ? -1 : 0;
}

/* sq_keys_each - every key marked suppressed (expired ones too) */
static int sq_keys_each(void *db, void (*fn)(const char *key, int domain, void *ctx), void *ctx,
                        char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    for (int d = 0; d < 2; d++) {
        sqlite3_stmt *st = s->st[d ? ST_KEYS_DOM : ST_KEYS_ADDR];
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            fn(sq_text(st, 0), d, ctx);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return sq_fail(s, "reading the list", err, errlen);
    }
    return 0;
}

/* sq_sender_add - one more sender problem */
static int sq_sender_add(void *db, const char *domain, const char *reason, long long time,
                         char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_SENDER_ADD];
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, time);
    return run(st) == 0 ? 0 : sq_fail(s, "counting a sender problem", err, errlen);
}

/* sq_allow_put - add to the allow-list */
static int sq_allow_put(void *db, const char *key, const char *note, long long time, char *err,
                        size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_ALLOW_PUT];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    text_or_null(st, 2, note);
    sqlite3_bind_int64(st, 3, time);
    return run(st) == 0 ? 0 : sq_fail(s, "writing the allow-list", err, errlen);
}

/* sq_allow_del - take off the allow-list; 1 removed, 0 not there */
static int sq_allow_del(void *db, const char *key, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_ALLOW_DEL];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (run(st) != 0)
        return sq_fail(s, "writing the allow-list", err, errlen);
    return sqlite3_changes(s->db) > 0;
}

/* sq_allow_has - 1 when key is on the allow-list */
static int sq_allow_has(void *db, const char *key, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_ALLOW_HAS];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(s, "reading the allow-list", err, errlen);
    return rc == SQLITE_ROW;
}

/* sq_allow_each - every allow-list entry */
static int sq_allow_each(void *db, int (*fn)(const char *, const char *, long long, void *),
                         void *ctx, char *err, size_t errlen)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_ALLOW_EACH];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(sq_text(st, 0), sq_text(st, 1), sqlite3_column_int64(st, 2), ctx) != 0)
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : sq_fail(s, "reading the allow-list", err, errlen);
}

/* hold_read - open or renew the lookups' read transaction, as due */
static void hold_read(sq_handle *h)
{
    if (h->reading && bk_store_mono() - h->read_at > HOLD_FOR)
        sq_idle(h);
    if (!h->reading && ++h->lookups > HOLD_AFTER && sqlite3_get_autocommit(h->sq.db) &&
        run(h->read_begin) == 0) {
        h->reading = 1;
        h->read_at = bk_store_mono();
    }
}

/* sq_lookup - an address, its domain and the allow-list in one statement,
 * in the lookups' read transaction (opened or renewed here) */
static int sq_lookup(void *db, const char *address, const char *domain, bk_store_entry *addr,
                     bk_store_entry *dom, int has[2], int *allowed, char *err, size_t errlen)
{
    sq_handle *h = db;
    sq_store *s = db;
    hold_read(h);
    sqlite3_stmt *st = s->st[ST_LOOKUP];
    char at[BK_ADDR_MAX + 1];
    snprintf(at, sizeof at, "@%s", domain);
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
    has[0] = has[1] = *allowed = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bk_store_entry *e =
            bk_lookup_row(sqlite3_column_int(st, 0), address, domain, addr, dom, has, allowed);
        if (e)
            read_entry(st, 1, e);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    sq_fail(s, "looking up", err, errlen);
    sq_idle(h);
    return -1;
}

/* sq_address_lookup - the entry of an address alone (one probe of the
 * primary key), in the lookups' read transaction */
static int sq_address_lookup(void *db, const char *address, bk_store_entry *out, char *err,
                             size_t errlen)
{
    sq_handle *h = db;
    sq_store *s = db;
    hold_read(h);
    sqlite3_stmt *st = s->st[ST_ADDR_GET];
    sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bk_store_copy(out->key, sizeof out->key, address);
        out->domain = 0;
        read_entry(st, 0, out);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc == SQLITE_ROW;
    sq_fail(s, "looking up", err, errlen);
    sq_idle(h);
    return -1;
}

/* sq_generation - PRAGMA data_version: changes when another connection commits */
static long long sq_generation(void *db)
{
    sq_store *s = db;
    sq_idle(db);
    sqlite3_stmt *st = s->st[ST_DATA_VERSION];
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

/* sq_stats_idle - sq_stats (sqlite_stats.c) outside the lookups' transaction */
static int sq_stats_idle(void *db, long long now, bk_store_stats *out, bk_store_row_fn fn,
                         void *ctx, char *err, size_t errlen)
{
    sq_idle(db);
    return sq_stats(db, now, out, fn, ctx, err, errlen);
}

const bk_store_backend bk_sqlite_backend = {
    "sqlite",       sq_close,      sq_begin,      sq_commit,    sq_rollback,  sq_event_add,
    sq_event_count, sq_event_each, sq_entry_get,  sq_entry_put, sq_entry_each, sq_keys_each,
    sq_sender_add,  sq_allow_put,  sq_allow_del,  sq_allow_has, sq_allow_each, sq_stats_idle,
    sq_lookup,      sq_address_lookup, sq_generation, sq_idle,
};
