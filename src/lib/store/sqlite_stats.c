/*
 * sqlite_stats.c - the SQLite backend's totals and breakdowns for
 * `suppress stats`: counts of events, addresses, suppressions, domains,
 * allow-list entries and sender problems, then rows by reason, source,
 * policy action, domain and sender domain.
 */
#include "sqlite_internal.h"

#include <string.h>

/* count - the single number a statement gives, with ?1 bound to now when it has one */
static long long count(sq_store *s, int which, long long now)
{
    sqlite3_stmt *st = s->st[which];
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, now);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

/* rows - each row of a breakdown statement to fn */
static int rows(sq_store *s, int which, const char *group, long long now, bk_store_row_fn fn,
                void *ctx)
{
    sqlite3_stmt *st = s->st[which];
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(group, sq_text(st, 0), sq_text(st, 1), sqlite3_column_int64(st, 2),
               sqlite3_column_int64(st, 3), ctx) != 0)
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int sq_stats(void *db, long long now, bk_store_stats *out, bk_store_row_fn fn, void *ctx,
             char *err, size_t errlen)
{
    sq_store *s = db;
    memset(out, 0, sizeof *out);
    out->events = count(s, ST_N_EVENTS, now);
    out->addresses = count(s, ST_N_ADDR, now);
    out->suppressed = count(s, ST_N_SUPP, now);
    out->domains = count(s, ST_N_DOM, now);
    out->allowed = count(s, ST_N_ALLOW, now);
    out->sender_problems = count(s, ST_N_SENDER, now);
    out->schema = (int)count(s, ST_VERSION, now);
    if (out->events < 0 || out->addresses < 0 || out->suppressed < 0 || out->domains < 0 ||
        out->allowed < 0 || out->sender_problems < 0 || out->schema < 0)
        return sq_fail(s, "counting", err, errlen);
    if (!fn)
        return 0;
    static const struct {
        int st;
        const char *group;
    } GROUPS[] = {{ST_BY_REASON, "reason"},
                  {ST_BY_SOURCE, "source"},
                  {ST_BY_ACTION, "action"},
                  {ST_BY_DOMAIN, "domain"},
                  {ST_BY_SENDER, "sender"}};
    for (size_t i = 0; i < sizeof GROUPS / sizeof GROUPS[0]; i++)
        if (rows(s, GROUPS[i].st, GROUPS[i].group, now, fn, ctx) != 0)
            return sq_fail(s, "counting", err, errlen);
    return 0;
}
