/*
 * pg_store.c - the PostgreSQL backend of the store (store.h), for many mail
 * hosts sharing one suppression list: `--db postgresql://...`.
 *
 * - One connection per bk_store (a handle is used by one thread at a time,
 *   as with SQLite); libpq reads every parameter from the URI. Unless the
 *   URI says otherwise: connect_timeout 5 s, tcp_user_timeout 15 s, and the
 *   session's statement_timeout 15 s and idle_in_transaction_session_timeout
 *   60 s, so a request fails fast when the database is away.
 * - Every statement is fixed text, prepared once per connection (again
 *   after a reconnect) and run with values as parameters; nothing is built
 *   from input.
 * - Schema: versioned like SQLite's (schema_version; numbers shared with it),
 *   created or migrated in one transaction under an advisory lock, so hosts
 *   starting together migrate once.
 * - Writes: a batch is one transaction that first takes a transaction-level
 *   advisory lock, so writers of the fleet take turns batch by batch (like
 *   SQLite's BEGIN IMMEDIATE: no lost updates of an entry, no deadlocks).
 *   Events are unique by address and token (INSERT ... ON CONFLICT DO
 *   NOTHING on the unique index of the pair).
 * - A commit that wrote entries bumps a counter row: the generation other
 *   handles watch to rebuild their lookup snapshot.
 * - A lost connection: the call fails with a clear error; a transaction
 *   open on it is marked lost and every call fails until it is rolled
 *   back (its batch is never acknowledged); the next call outside a
 *   transaction reconnects (PQreset) and prepares the statements again.
 * Large reads (the keys, lists, histories) come one row at a time
 * (single-row mode), so memory stays bounded.
 */
#include "store.h"
#include "store_sql.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_SCHEMA_VERSION 3
#define PG_LOCK_MIGRATE "4777542401" /* advisory lock keys: "BKSP" and 1, 2 */
#define PG_LOCK_WRITE "4777542402"
#define MAX_PARAMS 16
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

#define ENTRY_SET                                                                          \
    " suppressed = excluded.suppressed, reason = excluded.reason, source = excluded.source," \
    " created = excluded.created, expires = excluded.expires,"                              \
    " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"                    \
    " count = excluded.count, cleared = excluded.cleared, note = excluded.note"
#define PG_FILTER                                                                        \
    " ($1::text IS NULL OR domain = $1) AND ($2::text IS NULL OR reason = $2) AND"      \
    " ($3::text IS NULL OR source = $3) AND ($4::int = 1 OR (suppressed = 1 AND"        \
    " (expires IS NULL OR expires > $5::bigint)))"
#define ACTIVE "suppressed = 1 AND (expires IS NULL OR expires > $1::bigint)"
#define ENTRY_TABLE(key)                                                                  \
    "(" key " text COLLATE \"C\" PRIMARY KEY, suppressed integer NOT NULL DEFAULT 0,"    \
    " reason text, source text, created bigint, expires bigint, first_seen bigint,"      \
    " last_seen bigint, count bigint NOT NULL DEFAULT 0, cleared bigint, note text"

/* the scripts that bring the schema to a version; fixed text, no input */
static const struct {
    int version;
    const char *sql;
} MIGRATIONS[] = {
    {2, "CREATE TABLE IF NOT EXISTS events(id bigserial PRIMARY KEY,"
        " token text COLLATE \"C\" NOT NULL UNIQUE, address text COLLATE \"C\" NOT NULL,"
        " time bigint NOT NULL, source text NOT NULL, origin text, reason text NOT NULL,"
        " hardbounce integer NOT NULL DEFAULT 0, permanence text, status text,"
        " replycode integer, feedbacktype text, addresser text, outcome text, action text,"
        " diagnosticcode text);"
        "CREATE INDEX IF NOT EXISTS events_address ON events(address, action, time);"
        "CREATE TABLE IF NOT EXISTS addresses" ENTRY_TABLE("address")
        ", domain text COLLATE \"C\" NOT NULL);"
        "CREATE INDEX IF NOT EXISTS addresses_domain ON addresses(domain);"
        "CREATE INDEX IF NOT EXISTS addresses_suppressed ON addresses(address)"
        " WHERE suppressed = 1;"
        "CREATE TABLE IF NOT EXISTS domains" ENTRY_TABLE("domain") ");"
        "CREATE TABLE IF NOT EXISTS sender_problems(domain text COLLATE \"C\" NOT NULL,"
        " reason text COLLATE \"C\" NOT NULL, count bigint NOT NULL, first_seen bigint,"
        " last_seen bigint, PRIMARY KEY(domain, reason));"
        "CREATE TABLE IF NOT EXISTS allow(entry text COLLATE \"C\" PRIMARY KEY, note text,"
        " created bigint);"
        "CREATE TABLE IF NOT EXISTS generation(n bigint NOT NULL);"
        "INSERT INTO generation SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM generation);"},
    /* an event is known by its address and token (docs/suppression.md): the
     * unique index of tokens becomes one of (address, token); tokens were
     * unique before, so they are unique per address */
    {3, "CREATE UNIQUE INDEX IF NOT EXISTS events_address_token ON events(address, token);"
        "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_token_key;"},
};

enum {
    P_BEGIN, P_LOCK, P_COMMIT, P_ROLLBACK, P_BUMP, P_GENERATION,
    P_EVENT_ADD, P_EVENT_COUNT, P_EVENT_EACH,
    P_ADDR_GET, P_DOM_GET, P_ADDR_PUT, P_DOM_PUT,
    P_LIST_DOM, P_LIST_ADDR, P_KEYS,
    P_SENDER_ADD, P_ALLOW_PUT, P_ALLOW_DEL, P_ALLOW_HAS, P_ALLOW_EACH,
    P_TOTALS, P_BREAKDOWN, P_LOOKUP,
    P_COUNT
};

#define PG_ST(n) P_##n

static const char *const SQL[P_COUNT] = {
    STORE_SQL_COMMON(PG_ST, PG_P, PG),
    [P_BEGIN] = "BEGIN",
    [P_LOCK] = "SELECT pg_advisory_xact_lock(" PG_LOCK_WRITE ")",
    [P_COMMIT] = "COMMIT",
    [P_ROLLBACK] = "ROLLBACK",
    [P_BUMP] = "UPDATE generation SET n = n + 1",
    [P_GENERATION] = "SELECT n FROM generation",
    [P_ADDR_PUT] = "INSERT INTO addresses(address, domain, " ENTRY_COLS ") VALUES($1, $2, $3,"
                   " $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT(address) DO UPDATE SET"
                   " domain = excluded.domain," ENTRY_SET,
    [P_DOM_PUT] = "INSERT INTO domains(domain, " ENTRY_COLS ") VALUES($1, $2, $3, $4, $5, $6,"
                  " $7, $8, $9, $10, $11) ON CONFLICT(domain) DO UPDATE SET" ENTRY_SET,
    [P_LIST_DOM] = "SELECT domain, " ENTRY_COLS " FROM domains WHERE" PG_FILTER
                   " ORDER BY domain LIMIT $6::bigint OFFSET $7::bigint",
    [P_LIST_ADDR] = "SELECT address, " ENTRY_COLS " FROM addresses WHERE" PG_FILTER
                    " ORDER BY address LIMIT $6::bigint OFFSET $7::bigint",
    [P_KEYS] = "SELECT 0, address FROM addresses WHERE suppressed = 1"
               " UNION ALL SELECT 1, domain FROM domains WHERE suppressed = 1",
    [P_SENDER_ADD] = "INSERT INTO sender_problems AS p(domain, reason, count, first_seen,"
                     " last_seen) VALUES($1, $2, 1, $3, $3) ON CONFLICT(domain, reason) DO UPDATE"
                     " SET count = p.count + 1, first_seen = least(p.first_seen,"
                     " excluded.first_seen), last_seen = greatest(p.last_seen, excluded.last_seen)",
    [P_TOTALS] = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM addresses),"
                 " (SELECT count(*) FROM addresses WHERE " ACTIVE "),"
                 " (SELECT count(*) FROM domains WHERE " ACTIVE "),"
                 " (SELECT count(*) FROM allow),"
                 " (SELECT coalesce(sum(count), 0) FROM sender_problems),"
                 " (SELECT max(version) FROM schema_version)",
    [P_BREAKDOWN] =
        "SELECT g, name, detail, n, last FROM ("
        " SELECT 1 AS o, 'reason' AS g, reason AS name, NULL::text AS detail, count(*) AS n,"
        "  max(created) AS last, row_number() OVER (ORDER BY count(*) DESC, reason) AS r"
        "  FROM addresses WHERE " ACTIVE " GROUP BY reason"
        " UNION ALL SELECT 2, 'source', source, NULL, count(*), max(created),"
        "  row_number() OVER (ORDER BY count(*) DESC, source)"
        "  FROM addresses WHERE " ACTIVE " GROUP BY source"
        " UNION ALL SELECT 3, 'action', action, NULL, count(*), max(time),"
        "  row_number() OVER (ORDER BY count(*) DESC, action) FROM events GROUP BY action"
        " UNION ALL SELECT 4, 'domain', domain, NULL, count(*), max(created),"
        "  row_number() OVER (ORDER BY count(*) DESC, domain)"
        "  FROM addresses WHERE " ACTIVE " GROUP BY domain"
        " UNION ALL SELECT 5, 'sender', domain, reason, count, last_seen,"
        "  row_number() OVER (ORDER BY count DESC, domain, reason) FROM sender_problems"
        ") t WHERE (o <> 4 OR r <= 20) AND (o <> 5 OR r <= 100) ORDER BY o, r",
};

typedef struct {
    PGconn *conn;
    int prepared;  /* the statements exist on this connection */
    int in_tx;     /* a transaction is open */
    int lost;      /* the connection was lost inside it: fail until rollback */
    int dirty;     /* entries were written in it: bump the generation */
} pg_store;

/* the values of one statement, as text (NULL is SQL NULL) */
typedef struct {
    const char *v[MAX_PARAMS];
    char num[MAX_PARAMS][24];
    int n;
} pg_params;

/* p_text - a string parameter; NULL when empty and nullable */
static void p_text(pg_params *p, const char *s, int nullable)
{
    p->v[p->n++] = (s && s[0]) || !nullable ? (s ? s : "") : NULL;
}

/* p_int - a number parameter; NULL when 0 and nullable */
static void p_int(pg_params *p, long long v, int nullable)
{
    if (v == 0 && nullable) {
        p->v[p->n++] = NULL;
        return;
    }
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

/* col_int - a number column (0 for NULL) */
static long long col_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* col_copy - a text column into a fixed field ("" for NULL) */
static void col_copy(char *dst, size_t cap, const PGresult *r, int row, int col)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, col));
}

/* one_line - the first line of a libpq message, without its "ERROR:  " */
static void one_line(const char *msg, char *out, size_t cap)
{
    if (!msg || !msg[0])
        msg = "no answer";
    if (!strncmp(msg, "ERROR:  ", 8))
        msg += 8;
    size_t n = strcspn(msg, "\n");
    snprintf(out, cap, "%.*s", (int)(n < 400 ? n : 400), msg);
}

/* pg_fail - "what: the database's message" in err, naming a lost
 * connection as such; a transaction open on it is marked lost; -1 */
static int pg_fail(pg_store *s, const PGresult *r, const char *what, char *err, size_t errlen)
{
    char msg[512];
    one_line(r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(s->conn),
             msg, sizeof msg);
    if (PQstatus(s->conn) == CONNECTION_BAD) {
        if (s->in_tx)
            s->lost = 1;
        snprintf(err, errlen, "%s: the connection to PostgreSQL was lost (%s)%s", what, msg,
                 s->in_tx ? "; this transaction was not committed" : "");
    } else
        snprintf(err, errlen, "%s: %s", what, msg);
    return -1;
}

/* prepare_all - prepare every statement on this connection as "bkN" */
static int prepare_all(pg_store *s, char *err, size_t errlen)
{
    for (int i = 0; i < P_COUNT; i++) {
        char name[16];
        snprintf(name, sizeof name, "bk%d", i);
        PGresult *r = PQprepare(s->conn, name, SQL[i], 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            pg_fail(s, r, "preparing a statement", err, errlen);
        PQclear(r);
        if (!ok)
            return -1;
    }
    s->prepared = 1;
    return 0;
}

/* ready - a usable connection: fails while a lost transaction is not
 * rolled back; outside a transaction reconnects a dropped one */
static int ready(pg_store *s, char *err, size_t errlen)
{
    if (s->lost) {
        snprintf(err, errlen, "the connection to PostgreSQL was lost during this transaction;"
                              " it was not committed");
        return -1;
    }
    /* reading what is pending finds a socket the server closed: the status turns bad */
    if (!s->in_tx && PQstatus(s->conn) == CONNECTION_OK)
        PQconsumeInput(s->conn);
    if (PQstatus(s->conn) == CONNECTION_OK && s->prepared)
        return 0;
    if (s->in_tx)
        return pg_fail(s, NULL, "PostgreSQL", err, errlen);
    s->prepared = 0;
    if (PQstatus(s->conn) != CONNECTION_OK) {
        PQreset(s->conn);
        if (PQstatus(s->conn) != CONNECTION_OK) {
            char msg[512];
            one_line(PQerrorMessage(s->conn), msg, sizeof msg);
            snprintf(err, errlen, "PostgreSQL is unreachable: %s", msg);
            return -1;
        }
    }
    return prepare_all(s, err, errlen);
}

/* exec - run statement i with p: its result when it succeeded (PQclear
 * it), else NULL with err. Outside a transaction a connection found lost
 * is reconnected and the statement tried once more. */
static PGresult *exec(pg_store *s, int i, const pg_params *p, const char *what, char *err,
                      size_t errlen)
{
    char name[16];
    snprintf(name, sizeof name, "bk%d", i);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ready(s, err, errlen) != 0)
            return NULL;
        PGresult *r = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            return r;
        int retry = !s->in_tx && i != P_COMMIT && PQstatus(s->conn) == CONNECTION_BAD;
        pg_fail(s, r, what, err, errlen);
        PQclear(r);
        if (!retry)
            return NULL;
    }
    return NULL;
}

/* run - exec and drop the result: the rows it changed, or -1 (err) */
static long long run(pg_store *s, int i, const pg_params *p, const char *what, char *err,
                     size_t errlen)
{
    PGresult *r = exec(s, i, p, what, err, errlen);
    if (!r)
        return -1;
    long long n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}

/* each_row - statement i one row at a time to fn (non-zero stops; the rest
 * is read and dropped); 0, or -1 (err) */
static int each_row(pg_store *s, int i, const pg_params *p, const char *what,
                    int (*fn)(const PGresult *r, void *ctx), void *ctx, char *err, size_t errlen)
{
    char name[16];
    snprintf(name, sizeof name, "bk%d", i);
    if (ready(s, err, errlen) != 0)
        return -1;
    if (!PQsendQueryPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0))
        return pg_fail(s, NULL, what, err, errlen);
    PQsetSingleRowMode(s->conn);
    int rc = 0, stopped = 0;
    PGresult *r;
    while ((r = PQgetResult(s->conn))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!stopped && fn(r, ctx) != 0)
                stopped = 1;
        } else if (st != PGRES_TUPLES_OK && rc == 0)
            rc = pg_fail(s, r, what, err, errlen);
        PQclear(r);
    }
    return rc;
}

/* quiet - drop the server's notices ("already exists, skipping") */
static void quiet(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
}

/* pg_close - close the connection, release */
static void pg_close(void *db)
{
    pg_store *s = db;
    if (!s)
        return;
    PQfinish(s->conn);
    free(s);
}

/* migrate - create or bring the schema to PG_SCHEMA_VERSION in one
 * transaction under an advisory lock: hosts starting at once migrate once */
static int migrate(pg_store *s, char *err, size_t errlen)
{
    PGresult *r = PQexec(s->conn, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_MIGRATE ");"
                                  " CREATE TABLE IF NOT EXISTS schema_version("
                                  "version integer NOT NULL);"
                                  " SELECT max(version) FROM schema_version");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    int v = ok ? (int)col_int(r, 0, 0) : 0;
    if (!ok)
        pg_fail(s, r, "reading the schema version", err, errlen);
    PQclear(r);
    if (ok && v > PG_SCHEMA_VERSION) {
        snprintf(err, errlen, "schema version %d is newer than this bouncekit knows (%d)", v,
                 PG_SCHEMA_VERSION);
        ok = 0;
    }
    for (size_t i = 0; ok && i < sizeof MIGRATIONS / sizeof MIGRATIONS[0]; i++) {
        if (MIGRATIONS[i].version <= v)
            continue;
        r = PQexec(s->conn, MIGRATIONS[i].sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char what[64];
            snprintf(what, sizeof what, "migrating to schema version %d", MIGRATIONS[i].version);
            pg_fail(s, r, what, err, errlen);
            ok = 0;
        }
        PQclear(r);
    }
    if (ok && v < PG_SCHEMA_VERSION) {
        r = PQexec(s->conn, "DELETE FROM schema_version; INSERT INTO schema_version"
                            " VALUES(" PG_STR(PG_SCHEMA_VERSION) ")");
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            pg_fail(s, r, "recording the schema version", err, errlen);
        PQclear(r);
    }
    r = PQexec(s->conn, ok ? "COMMIT" : "ROLLBACK");
    if (ok && PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_fail(s, r, "migrating", err, errlen);
        ok = 0;
    }
    PQclear(r);
    return ok ? 0 : -1;
}

void *bk_pg_open(const char *uri, char *err, size_t errlen)
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* defaults first: what the URI names (expanded from dbname) wins */
    const char *const keys[] = {"connect_timeout", "tcp_user_timeout", "keepalives_idle",
                                "options", "fallback_application_name", "dbname", NULL};
    const char *const values[] = {"5", "15000", "30",
                                  "-c statement_timeout=15s"
                                  " -c idle_in_transaction_session_timeout=60s",
                                  "bouncekit", uri, NULL};
    s->conn = PQconnectdbParams(keys, values, 1);
    if (!s->conn) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[512];
        one_line(PQerrorMessage(s->conn), msg, sizeof msg);
        snprintf(err, errlen, "PostgreSQL is unreachable: %s", msg);
        pg_close(s);
        return NULL;
    }
    PQsetErrorVerbosity(s->conn, PQERRORS_TERSE);
    PQsetNoticeProcessor(s->conn, quiet, NULL);
    if (migrate(s, err, errlen) != 0 || prepare_all(s, err, errlen) != 0) {
        pg_close(s);
        return NULL;
    }
    return s;
}

static void pg_rollback(void *db);

/* pg_begin - BEGIN, then the fleet-wide write lock (writers take turns) */
static int pg_begin(void *db, char *err, size_t errlen)
{
    pg_store *s = db;
    if (run(s, P_BEGIN, NULL, "starting a batch", err, errlen) < 0)
        return -1;
    s->in_tx = 1;
    s->dirty = 0;
    if (run(s, P_LOCK, NULL, "waiting for the write lock", err, errlen) < 0) {
        pg_rollback(s); /* the caller sees no batch to roll back */
        return -1;
    }
    return 0;
}

/* pg_commit - bump the generation when entries changed, then COMMIT; a
 * failure here leaves the transaction open for the rollback */
static int pg_commit(void *db, char *err, size_t errlen)
{
    pg_store *s = db;
    if (s->dirty && run(s, P_BUMP, NULL, "committing", err, errlen) < 0)
        return -1;
    PGresult *r = exec(s, P_COMMIT, NULL, "committing", err, errlen);
    if (!r)
        return -1;
    /* a COMMIT of a failed transaction answers ROLLBACK */
    int ok = !strcmp(PQcmdStatus(r), "COMMIT");
    PQclear(r);
    if (!ok) {
        snprintf(err, errlen, "committing: the transaction had failed and was rolled back");
        return -1;
    }
    s->in_tx = s->dirty = 0;
    return 0;
}

/* pg_rollback - ROLLBACK (nothing to send on a lost connection) */
static void pg_rollback(void *db)
{
    pg_store *s = db;
    if (!s->in_tx)
        return;
    if (!s->lost && PQstatus(s->conn) == CONNECTION_OK) {
        char name[16];
        snprintf(name, sizeof name, "bk%d", P_ROLLBACK);
        PQclear(PQexecPrepared(s->conn, name, 0, NULL, NULL, NULL, 0));
    }
    s->in_tx = s->lost = s->dirty = 0;
}

/* pg_event_add - insert an event unless its address has its token */
static int pg_event_add(void *db, const bk_event *e, const char *address, long long time,
                        const char *action, char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, e->token, 0);
    p_text(&p, address, 0);
    p_int(&p, time, 0);
    p_text(&p, e->source[0] ? e->source : "jsonl", 0);
    p_text(&p, e->origin, 1);
    p_text(&p, e->reason, 0);
    p_int(&p, e->hardbounce != 0, 0);
    p_text(&p, bk_permanence_name(e->permanence), 0);
    p_text(&p, e->status, 1);
    p_int(&p, e->replycode, 1);
    p_text(&p, e->feedbacktype, 1);
    p_text(&p, e->addresser, 1);
    p_text(&p, e->outcome, 1);
    p_text(&p, e->diagnosticcode, 1);
    p_text(&p, action, 0);
    long long n = run(db, P_EVENT_ADD, &p, "adding an event", err, errlen);
    return n < 0 ? -1 : n > 0;
}

/* pg_event_count - events of address with action in [since, until] */
static long long pg_event_count(void *db, const char *address, const char *action,
                                long long since, long long until, char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, address, 0);
    p_text(&p, action, 0);
    p_int(&p, since, 0);
    p_int(&p, until, 0);
    PGresult *r = exec(db, P_EVENT_COUNT, &p, "counting events", err, errlen);
    if (!r)
        return -1;
    long long n = col_int(r, 0, 0);
    PQclear(r);
    return n;
}

/* the callback of event_each and its context */
typedef struct {
    bk_store_event_fn fn;
    void *ctx;
} event_walk;

/* event_row - one row of P_EVENT_EACH to the caller */
static int event_row(const PGresult *r, void *ctx)
{
    event_walk *w = ctx;
    bk_event e;
    memset(&e, 0, sizeof e);
    col_copy(e.token, sizeof e.token, r, 0, 0);
    col_copy(e.recipient, sizeof e.recipient, r, 0, 1);
    e.time = col_int(r, 0, 2);
    col_copy(e.source, sizeof e.source, r, 0, 3);
    col_copy(e.origin, sizeof e.origin, r, 0, 4);
    col_copy(e.reason, sizeof e.reason, r, 0, 5);
    e.hardbounce = (int)col_int(r, 0, 6);
    for (int p = BK_PERM_UNKNOWN; p <= BK_PERM_PERMANENT; p++)
        if (!strcmp(PQgetvalue(r, 0, 7), bk_permanence_name((bk_permanence)p)))
            e.permanence = (bk_permanence)p;
    col_copy(e.status, sizeof e.status, r, 0, 8);
    e.replycode = (int)col_int(r, 0, 9);
    col_copy(e.feedbacktype, sizeof e.feedbacktype, r, 0, 10);
    col_copy(e.addresser, sizeof e.addresser, r, 0, 11);
    col_copy(e.outcome, sizeof e.outcome, r, 0, 12);
    col_copy(e.diagnosticcode, sizeof e.diagnosticcode, r, 0, 13);
    return w->fn(&e, PQgetvalue(r, 0, 14), w->ctx);
}

/* pg_event_each - the events of address, oldest first */
static int pg_event_each(void *db, const char *address, bk_store_event_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, address, 0);
    event_walk w = {fn, ctx};
    return each_row(db, P_EVENT_EACH, &p, "reading events", event_row, &w, err, errlen);
}

/* entry_cols - an entry from a row whose columns follow ENTRY_COLS from col */
static void entry_cols(const PGresult *r, int row, int col, bk_store_entry *e)
{
    e->suppressed = (int)col_int(r, row, col);
    col_copy(e->reason, sizeof e->reason, r, row, col + 1);
    col_copy(e->source, sizeof e->source, r, row, col + 2);
    e->created = col_int(r, row, col + 3);
    e->expires = col_int(r, row, col + 4);
    e->first_seen = col_int(r, row, col + 5);
    e->last_seen = col_int(r, row, col + 6);
    e->count = col_int(r, row, col + 7);
    e->cleared = col_int(r, row, col + 8);
    col_copy(e->note, sizeof e->note, r, row, col + 9);
}

/* pg_entry_get - the entry of an address or a domain */
static int pg_entry_get(void *db, int domain, const char *key, bk_store_entry *out, char *err,
                        size_t errlen)
{
    pg_params p = {0};
    p_text(&p, key, 0);
    PGresult *r = exec(db, domain ? P_DOM_GET : P_ADDR_GET, &p, "reading an entry", err, errlen);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    if (found) {
        memset(out, 0, sizeof *out);
        snprintf(out->key, sizeof out->key, "%s", key);
        out->domain = domain;
        entry_cols(r, 0, 0, out);
    }
    PQclear(r);
    return found;
}

/* pg_entry_put - write an entry whole (insert or update) */
static int pg_entry_put(void *db, const bk_store_entry *e, char *err, size_t errlen)
{
    pg_store *s = db;
    pg_params p = {0};
    p_text(&p, e->key, 0);
    if (!e->domain) {
        const char *at = strrchr(e->key, '@');
        p_text(&p, at ? at + 1 : "", 0);
    }
    p_int(&p, e->suppressed != 0, 0);
    p_text(&p, e->reason, 1);
    p_text(&p, e->source, 1);
    p_int(&p, e->created, 1);
    p_int(&p, e->expires, 1);
    p_int(&p, e->first_seen, 1);
    p_int(&p, e->last_seen, 1);
    p_int(&p, e->count, 0);
    p_int(&p, e->cleared, 1);
    p_text(&p, e->note, 1);
    if (run(s, e->domain ? P_DOM_PUT : P_ADDR_PUT, &p, "writing an entry", err, errlen) < 0)
        return -1;
    s->dirty = 1;
    return 0;
}

/* the callback of a list and its context */
typedef struct {
    bk_store_entry_fn fn;
    void *ctx;
    int domain;
    long long seen;
    int stopped;
} entry_walk;

/* entry_row - one row of a list statement to the caller */
static int entry_row(const PGresult *r, void *ctx)
{
    entry_walk *w = ctx;
    bk_store_entry e;
    memset(&e, 0, sizeof e);
    col_copy(e.key, sizeof e.key, r, 0, 0);
    e.domain = w->domain;
    entry_cols(r, 0, 1, &e);
    w->seen++;
    if (w->fn && w->fn(&e, w->ctx) != 0)
        w->stopped = 1;
    return w->stopped;
}

/* list_table - domains or addresses by filter; w counts them; -1 (err) */
static int list_table(pg_store *s, int domain, const bk_store_filter *f, long long limit,
                      long long offset, entry_walk *w, char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, f->domain, 1);
    p_text(&p, f->reason, 1);
    p_text(&p, f->source, 1);
    p_int(&p, f->all != 0, 0);
    p_int(&p, f->now, 0);
    p_int(&p, limit, 1); /* NULL: no limit */
    p_int(&p, offset, 0);
    w->domain = domain;
    w->seen = 0;
    return each_row(s, domain ? P_LIST_DOM : P_LIST_ADDR, &p, "listing", entry_row, w, err,
                    errlen);
}

/* pg_entry_each - domains then addresses, by key, paged across both */
static int pg_entry_each(void *db, const bk_store_filter *f, bk_store_entry_fn fn, void *ctx,
                         char *err, size_t errlen)
{
    long long limit = f->limit > 0 ? f->limit : 0, offset = f->offset > 0 ? f->offset : 0;
    entry_walk w = {fn, ctx, 1, 0, 0};
    if (list_table(db, 1, f, limit, offset, &w, err, errlen) != 0)
        return -1;
    long long doms = w.seen;
    if (w.stopped || (limit > 0 && doms >= limit))
        return 0;
    /* the domain rows the offset skipped, to carry the rest of it over */
    entry_walk all = {NULL, NULL, 1, 0, 0};
    if (offset > 0 && list_table(db, 1, f, 0, 0, &all, err, errlen) != 0)
        return -1;
    long long skipped = offset > 0 ? all.seen : doms;
    return list_table(db, 0, f, limit > 0 ? limit - doms : 0,
                      offset > skipped ? offset - skipped : 0, &w, err, errlen);
}

/* the callback of keys_each */
typedef struct {
    void (*fn)(const char *key, int domain, void *ctx);
    void *ctx;
} key_walk;

/* key_row - one suppressed key to the caller */
static int key_row(const PGresult *r, void *ctx)
{
    key_walk *w = ctx;
    w->fn(PQgetvalue(r, 0, 1), (int)col_int(r, 0, 0), w->ctx);
    return 0;
}

/* pg_keys_each - every key marked suppressed (expired ones too) */
static int pg_keys_each(void *db, void (*fn)(const char *key, int domain, void *ctx), void *ctx,
                        char *err, size_t errlen)
{
    key_walk w = {fn, ctx};
    return each_row(db, P_KEYS, NULL, "reading the list", key_row, &w, err, errlen);
}

/* pg_sender_add - one more sender problem */
static int pg_sender_add(void *db, const char *domain, const char *reason, long long time,
                         char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, domain, 0);
    p_text(&p, reason, 0);
    p_int(&p, time, 0);
    return run(db, P_SENDER_ADD, &p, "counting a sender problem", err, errlen) < 0 ? -1 : 0;
}

/* pg_allow_put - add to the allow-list */
static int pg_allow_put(void *db, const char *key, const char *note, long long time, char *err,
                        size_t errlen)
{
    pg_params p = {0};
    p_text(&p, key, 0);
    p_text(&p, note, 1);
    p_int(&p, time, 0);
    return run(db, P_ALLOW_PUT, &p, "writing the allow-list", err, errlen) < 0 ? -1 : 0;
}

/* pg_allow_del - take off the allow-list; 1 removed, 0 not there */
static int pg_allow_del(void *db, const char *key, char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, key, 0);
    long long n = run(db, P_ALLOW_DEL, &p, "writing the allow-list", err, errlen);
    return n < 0 ? -1 : n > 0;
}

/* pg_allow_has - 1 when key is on the allow-list */
static int pg_allow_has(void *db, const char *key, char *err, size_t errlen)
{
    pg_params p = {0};
    p_text(&p, key, 0);
    PGresult *r = exec(db, P_ALLOW_HAS, &p, "reading the allow-list", err, errlen);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* the callback of allow_each */
typedef struct {
    int (*fn)(const char *key, const char *note, long long created, void *ctx);
    void *ctx;
} allow_walk;

/* allow_row - one allow-list entry to the caller */
static int allow_row(const PGresult *r, void *ctx)
{
    allow_walk *w = ctx;
    return w->fn(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), col_int(r, 0, 2), w->ctx);
}

/* pg_allow_each - every allow-list entry */
static int pg_allow_each(void *db, int (*fn)(const char *, const char *, long long, void *),
                         void *ctx, char *err, size_t errlen)
{
    allow_walk w = {fn, ctx};
    return each_row(db, P_ALLOW_EACH, NULL, "reading the allow-list", allow_row, &w, err,
                    errlen);
}

/* pg_stats - the totals in one statement, the breakdowns in another */
static int pg_stats(void *db, long long now, bk_store_stats *out, bk_store_row_fn fn, void *ctx,
                    char *err, size_t errlen)
{
    pg_params p = {0};
    p_int(&p, now, 0);
    memset(out, 0, sizeof *out);
    PGresult *r = exec(db, P_TOTALS, &p, "counting", err, errlen);
    if (!r)
        return -1;
    long long *const slot[] = {&out->events,  &out->addresses, &out->suppressed,
                               &out->domains, &out->allowed,   &out->sender_problems};
    for (int i = 0; i < 6; i++)
        *slot[i] = col_int(r, 0, i);
    out->schema = (int)col_int(r, 0, 6);
    PQclear(r);
    if (!fn)
        return 0;
    r = exec(db, P_BREAKDOWN, &p, "counting", err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (fn(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), col_int(r, i, 3),
               col_int(r, i, 4), ctx) != 0)
            break;
    PQclear(r);
    return 0;
}

/* pg_lookup - an address, its domain and the allow-list in one statement */
static int pg_lookup(void *db, const char *address, const char *domain, bk_store_entry *addr,
                     bk_store_entry *dom, int has[2], int *allowed, char *err, size_t errlen)
{
    char at[BK_ADDR_MAX + 1];
    snprintf(at, sizeof at, "@%s", domain);
    pg_params p = {0};
    p_text(&p, address, 0);
    p_text(&p, domain, 0);
    p_text(&p, at, 0);
    has[0] = has[1] = *allowed = 0;
    PGresult *r = exec(db, P_LOOKUP, &p, "looking up", err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        bk_store_entry *e =
            bk_lookup_row((int)col_int(r, i, 0), address, domain, addr, dom, has, allowed);
        if (e)
            entry_cols(r, i, 1, e);
    }
    PQclear(r);
    return 0;
}

/* pg_generation - the counter every commit that wrote entries bumps; -1 when unreadable */
static long long pg_generation(void *db)
{
    char err[256];
    PGresult *r = exec(db, P_GENERATION, NULL, "reading the generation", err, sizeof err);
    if (!r)
        return -1;
    long long n = PQntuples(r) ? col_int(r, 0, 0) : -1;
    PQclear(r);
    return n;
}

const bk_store_backend bk_pg_backend = {
    .name = "postgresql", .close = pg_close, .begin = pg_begin, .commit = pg_commit,
    .rollback = pg_rollback, .event_add = pg_event_add, .event_count = pg_event_count,
    .event_each = pg_event_each, .entry_get = pg_entry_get, .entry_put = pg_entry_put,
    .entry_each = pg_entry_each, .keys_each = pg_keys_each, .sender_add = pg_sender_add,
    .allow_put = pg_allow_put, .allow_del = pg_allow_del, .allow_has = pg_allow_has,
    .allow_each = pg_allow_each, .stats = pg_stats, .lookup = pg_lookup,
    .generation = pg_generation,
};
