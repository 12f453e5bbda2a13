/*
 * sqlite_schema.c - the SQLite backend's file: is it ours, its settings,
 * and its schema, versioned. Version 1 held events and addresses; version
 * 2 adds per-event addresser, outcome, policy action and diagnostic text,
 * the domain, creation and removal times of an address, and the tables of
 * domains, sender problems and the allow-list; version 3 stores the 40 hex
 * digits that start most tokens as 20 bytes (half the unique index) and
 * drops the index of addresses by domain; version 4 knows an event by
 * its address and token and keeps the events' index by address in the
 * tree of the address rows, keyed by the pair (one tree where an event
 * dirties one page, not three). An older file is migrated in place
 * inside one transaction; a newer one is refused. A file of the first
 * layout of version 4 (events unique by token alone) is taken back to 3 and
 * made version 4 again.
 *
 * Settings: pages of SQ_PAGE_SIZE bytes in a new file, WAL (readers never
 * wait for the writer; a killed writer loses only its open transaction),
 * synchronous=NORMAL (a commit survives a killed process; the last ones
 * may be lost on power failure), a busy handler that
 * polls every millisecond for up to a minute, so concurrent writers take
 * turns batch by batch. SQLite's count of the memory it holds is turned
 * off when a store is the first user of SQLite in the process (no_memstatus).
 */
#include "sqlite_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BUSY_LIMIT_MS 60000

/* the version a file is migrated to: SQ_SCHEMA_VERSION, lower only while
 * sq_schema_make makes a file of an older version */
static int target_version = SQ_SCHEMA_VERSION;

/* the scripts that bring version N-1 to N (index N-1); fixed text, no input */
static const char *const MIGRATIONS[SQ_SCHEMA_VERSION] = {
    /* 0 -> 1 */
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "INSERT INTO schema_version VALUES(0);"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE,"
    " address TEXT NOT NULL, time INTEGER NOT NULL, source TEXT NOT NULL, origin TEXT,"
    " reason TEXT NOT NULL, hardbounce INTEGER NOT NULL DEFAULT 0, permanence TEXT,"
    " status TEXT, replycode INTEGER, feedbacktype TEXT);"
    "CREATE INDEX events_address ON events(address, time);"
    "CREATE TABLE addresses(address TEXT PRIMARY KEY, suppressed INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT, first_seen INTEGER, last_seen INTEGER, count INTEGER NOT NULL DEFAULT 0,"
    " expires INTEGER, source TEXT, note TEXT) WITHOUT ROWID;",
    /* 1 -> 2 */
    "ALTER TABLE events ADD COLUMN addresser TEXT;"
    "ALTER TABLE events ADD COLUMN outcome TEXT;"
    "ALTER TABLE events ADD COLUMN action TEXT;"
    "ALTER TABLE events ADD COLUMN diagnosticcode TEXT;"
    "DROP INDEX events_address;"
    "CREATE INDEX events_address ON events(address, action, time);"
    "ALTER TABLE addresses ADD COLUMN domain TEXT;"
    "ALTER TABLE addresses ADD COLUMN created INTEGER;"
    "ALTER TABLE addresses ADD COLUMN cleared INTEGER;"
    "UPDATE addresses SET domain = replace(address, rtrim(address, replace(address, '@', '')), '');"
    "UPDATE addresses SET created = first_seen WHERE suppressed = 1;"
    "UPDATE addresses SET source = 'policy' WHERE source IS NULL;"
    "CREATE INDEX addresses_domain ON addresses(domain);"
    "CREATE TABLE domains(domain TEXT PRIMARY KEY, suppressed INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT, first_seen INTEGER, last_seen INTEGER, count INTEGER NOT NULL DEFAULT 0,"
    " expires INTEGER, source TEXT, note TEXT, created INTEGER, cleared INTEGER) WITHOUT ROWID;"
    "CREATE TABLE sender_problems(domain TEXT NOT NULL, reason TEXT NOT NULL,"
    " count INTEGER NOT NULL, first_seen INTEGER, last_seen INTEGER,"
    " PRIMARY KEY(domain, reason)) WITHOUT ROWID;"
    "CREATE TABLE allow(entry TEXT PRIMARY KEY, note TEXT, created INTEGER) WITHOUT ROWID;",
    /* 2 -> 3: tokens in their stored form (bk_token_key, sq_token_key), the
     * events table rebuilt for it; the domain index goes (only the count per
     * domain of `suppress stats` used it, and its random inserts took half
     * the time of an ingest) */
    "CREATE TABLE events3(id INTEGER PRIMARY KEY, token NOT NULL UNIQUE,"
    " address TEXT NOT NULL, time INTEGER NOT NULL, source TEXT NOT NULL, origin TEXT,"
    " reason TEXT NOT NULL, hardbounce INTEGER NOT NULL DEFAULT 0, permanence TEXT,"
    " status TEXT, replycode INTEGER, feedbacktype TEXT, addresser TEXT, outcome TEXT,"
    " action TEXT, diagnosticcode TEXT);"
    "INSERT INTO events3 SELECT id, bk_token_key(token), address, time, source, origin,"
    " reason, hardbounce, permanence, status, replycode, feedbacktype, addresser, outcome,"
    " action, diagnosticcode FROM events ORDER BY id;"
    "DROP TABLE events;"
    "ALTER TABLE events3 RENAME TO events;"
    "CREATE INDEX events_address ON events(address, action, time);"
    "DROP INDEX addresses_domain;",
    /* 3 -> 4: the address tree holds the events' index by address and
     * knows an event by its address and token (docs/suppression.md): it is
     * keyed by (address, token); an address's entry is its row with token
     * '', each event of it a row (token, action, time, event id) beside it,
     * so an event dirties one page at a random place instead of three (the
     * address's, its row in the events' address index, its token in the
     * events' unique index of tokens). Both indexes go, the events table
     * rebuilt without the second. Tokens were unique, so they are unique
     * per address */
    "CREATE TABLE addresses4(address TEXT NOT NULL, token NOT NULL, action TEXT NOT NULL,"
    " time INTEGER NOT NULL, event INTEGER NOT NULL, domain TEXT, suppressed INTEGER,"
    " reason TEXT, source TEXT, created INTEGER, expires INTEGER, first_seen INTEGER,"
    " last_seen INTEGER, count INTEGER, cleared INTEGER, note TEXT,"
    " PRIMARY KEY(address, token)) WITHOUT ROWID;"
    "INSERT INTO addresses4(address, token, action, time, event, domain, suppressed, reason,"
    " source, created, expires, first_seen, last_seen, count, cleared, note)"
    " SELECT address, '', '', 0, 0, domain, suppressed, reason, source, created, expires,"
    " first_seen, last_seen, count, cleared, note FROM addresses;"
    "INSERT INTO addresses4(address, token, action, time, event)"
    " SELECT address, token, coalesce(nullif(action, ''), 'record'), time, id FROM events;"
    "DROP TABLE addresses;"
    "ALTER TABLE addresses4 RENAME TO addresses;"
    "CREATE TABLE events4(id INTEGER PRIMARY KEY, token NOT NULL,"
    " address TEXT NOT NULL, time INTEGER NOT NULL, source TEXT NOT NULL, origin TEXT,"
    " reason TEXT NOT NULL, hardbounce INTEGER NOT NULL DEFAULT 0, permanence TEXT,"
    " status TEXT, replycode INTEGER, feedbacktype TEXT, addresser TEXT, outcome TEXT,"
    " action TEXT, diagnosticcode TEXT);"
    "INSERT INTO events4 SELECT id, token, address, time, source, origin, reason, hardbounce,"
    " permanence, status, replycode, feedbacktype, addresser, outcome, action, diagnosticcode"
    " FROM events ORDER BY id;"
    "DROP TABLE events;"
    "ALTER TABLE events4 RENAME TO events;",
};

/* the first layout of version 4, which kept events unique by token alone
 * (the address tree keyed by address, action, time and event), brought
 * back to version 3, from where today's version 4 is made: an address's
 * entry was its row with action '' */
static const char EARLY4_TO_3[] =
    "CREATE TABLE addresses3(address TEXT PRIMARY KEY, suppressed INTEGER NOT NULL DEFAULT 0,"
    " reason TEXT, first_seen INTEGER, last_seen INTEGER, count INTEGER NOT NULL DEFAULT 0,"
    " expires INTEGER, source TEXT, note TEXT, domain TEXT, created INTEGER, cleared INTEGER)"
    " WITHOUT ROWID;"
    "INSERT INTO addresses3 SELECT address, coalesce(suppressed, 0), reason, first_seen,"
    " last_seen, coalesce(count, 0), expires, source, note, domain, created, cleared"
    " FROM addresses WHERE action = '';"
    "DROP TABLE addresses;"
    "ALTER TABLE addresses3 RENAME TO addresses;";

int sq_fail(sq_store *s, const char *what, char *err, size_t errlen)
{
    int code = sqlite3_extended_errcode(s->db);
    const char *msg = sqlite3_errmsg(s->db);
    if ((code & 0xff) == SQLITE_NOTADB)
        msg = "not an SQLite database (a foreign or damaged file)";
    else if ((code & 0xff) == SQLITE_CORRUPT)
        msg = "the database file is corrupt";
    snprintf(err, errlen, "%s: %s", what, msg);
    return -1;
}

const char *sq_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* busy - the busy handler: wait 1 ms and try again, for up to a minute */
static int busy(void *ctx, int n)
{
    (void)ctx;
    if (n >= BUSY_LIMIT_MS)
        return 0;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    return 1;
}

/* one_int - the first column of the first row of sql (fixed text); -1 (err) */
static long long one_int(sq_store *s, const char *sql, const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, what, err, errlen);
    int rc = sqlite3_step(st);
    long long v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(s, what, err, errlen);
    return v;
}

/* check_ours - refuse a file that is not SQLite, or SQLite but not a store */
static int check_ours(sq_store *s, char *err, size_t errlen)
{
    long long tables = one_int(s, "SELECT count(*) FROM sqlite_master", "reading", err, errlen);
    if (tables < 0)
        return -1;
    long long app = one_int(s, "PRAGMA application_id", "reading", err, errlen);
    long long has = one_int(s,
                            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                            " AND name = 'schema_version'",
                            "reading", err, errlen);
    if (app < 0 || has < 0)
        return -1;
    if (tables > 0 && (!has || (app != 0 && app != SQ_APPLICATION_ID))) {
        snprintf(err, errlen,
                 "an SQLite database, but not a bouncekit suppression list (%s)",
                 has ? "another program's application id" : "no schema_version table");
        return -1;
    }
    return 0;
}

/* label_actions - the policy action of version-1 events, by today's defaults */
static int label_actions(sq_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, reason, hardbounce, permanence, feedbacktype FROM events"
                           " WHERE action IS NULL",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE events SET action = ?2 WHERE id = ?1", -1, &upd,
                           NULL) != SQLITE_OK)
        goto out;
    bk_policy p;
    bk_policy_default(&p);
    while (sqlite3_step(sel) == SQLITE_ROW) {
        bk_event e;
        memset(&e, 0, sizeof e);
        snprintf(e.reason, sizeof e.reason, "%s", sq_text(sel, 1));
        e.hardbounce = sqlite3_column_int(sel, 2);
        const char *perm = sq_text(sel, 3);
        e.permanence = !strcmp(perm, "permanent")   ? BK_PERM_PERMANENT
                       : !strcmp(perm, "transient") ? BK_PERM_TRANSIENT
                       : !strcmp(perm, "success")   ? BK_PERM_SUCCESS
                                                    : BK_PERM_UNKNOWN;
        snprintf(e.feedbacktype, sizeof e.feedbacktype, "%s", sq_text(sel, 4));
        sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
        sqlite3_bind_text(upd, 2, bk_policy_action_name(bk_policy_decide(&p, &e)), -1,
                          SQLITE_STATIC);
        if (sqlite3_step(upd) != SQLITE_DONE)
            goto out;
        sqlite3_reset(upd);
    }
    rc = 0;
out:
    if (rc != 0)
        sq_fail(s, "migrating to version 2", err, errlen);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return rc;
}

/* token_key_fn - the SQL function bk_token_key(token) of migration 3 */
static void token_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *t = sqlite3_value_text(argv[0]);
    unsigned char key[BK_TOKEN_MAX];
    int blob, len;
    const void *k = sq_token_key(t ? (const char *)t : "", key, &blob, &len);
    if (blob)
        sqlite3_result_blob(ctx, k, len, SQLITE_TRANSIENT);
    else
        sqlite3_result_text(ctx, k, len, SQLITE_TRANSIENT);
}

/* migrate - bring the file to SQ_SCHEMA_VERSION in one transaction */
static int migrate(sq_store *s, char *err, size_t errlen)
{
    if (sqlite3_create_function(s->db, "bk_token_key", 1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
                                token_key_fn, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, "setting up", err, errlen);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, "locking the database", err, errlen);
    long long has = one_int(s,
                            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                            " AND name = 'schema_version'",
                            "reading the schema version", err, errlen);
    long long v = has > 0 ? one_int(s, "SELECT max(version) FROM schema_version",
                                    "reading the schema version", err, errlen)
                          : has;
    if (v > SQ_SCHEMA_VERSION)
        snprintf(err, errlen, "schema version %lld is newer than this bouncekit knows (%d)", v,
                 SQ_SCHEMA_VERSION);
    if (v == 4 && one_int(s, "SELECT count(*) FROM pragma_table_info('addresses')"
                             " WHERE name = 'token'", "reading the schema", err, errlen) == 0) {
        char *msg = NULL; /* the first layout of version 4 */
        if (sqlite3_exec(s->db, EARLY4_TO_3, NULL, NULL, &msg) == SQLITE_OK)
            v = 3;
        else {
            snprintf(err, errlen, "migrating to schema version 4: %s", msg ? msg : "failed");
            v = -1;
        }
        sqlite3_free(msg);
    }
    int ok = v >= 0 && v <= SQ_SCHEMA_VERSION, target = target_version;
    for (long long i = v; ok && i < target; i++) {
        char *msg = NULL;
        if (sqlite3_exec(s->db, MIGRATIONS[i], NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migrating to schema version %lld: %s", i + 1,
                     msg ? msg : "failed");
            ok = 0;
        } else if (i + 1 == 2 && label_actions(s, err, errlen) != 0)
            ok = 0;
        sqlite3_free(msg);
    }
    if (ok && v < target) {
        sqlite3_stmt *st;
        ok = sqlite3_prepare_v2(s->db, "UPDATE schema_version SET version = ?1", -1, &st,
                                NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_int(st, 1, target);
            ok = sqlite3_step(st) == SQLITE_DONE;
            sqlite3_finalize(st);
        }
        ok = ok && sqlite3_exec(s->db, "PRAGMA application_id = " SQ_STR(SQ_APPLICATION_ID), NULL, NULL, NULL) ==
                       SQLITE_OK;
        if (!ok)
            sq_fail(s, "recording the schema version", err, errlen);
    }
    if (!ok || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        if (ok)
            sq_fail(s, "migrating", err, errlen);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    s->schema = v > target ? (int)v : target;
    return 0;
}

/* exec_retry - run sql, trying again while another connection holds a lock
 * it needs: SQLite does not call the busy handler for every lock that a
 * journal-mode change or the first use of a new file takes (two processes
 * opening a new database at once), so this waits 1 ms at a time, up to a minute */
static int exec_retry(sq_store *s, const char *sql)
{
    for (int i = 0; i < 60000; i++) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            return rc;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return SQLITE_BUSY;
}

/* no_memstatus - SQLite's count of the memory it holds off: with it on
 * (the default) every allocation takes a global mutex to count itself, and
 * Debian's SQLite is built without lookaside memory, so a statement's
 * every small allocation is a malloc. Only possible before SQLite starts:
 * when the application has already used it, the call fails and nothing
 * changes */
static void no_memstatus(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sq_schema_open(sq_store *s, const char *path, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, no_memstatus);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        if (!s->db) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return sq_fail(s, "opening", err, errlen);
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_handler(s->db, busy, NULL);
    if (check_ours(s, err, errlen) != 0)
        return -1;
    /* a new file's page size (no effect on an existing one): 8 KB pages
     * halve the pages an ingest of addresses in no order dirties and
     * writes per event, with lookups as fast as at 4 KB (bench/RESULTS.md) */
    if (exec_retry(s, "PRAGMA page_size = " SQ_STR(SQ_PAGE_SIZE)) != SQLITE_OK ||
        exec_retry(s, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
        exec_retry(s, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -" SQ_STR(SQ_CACHE_KB) ";"
                      " PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1073741824") != SQLITE_OK)
        return sq_fail(s, "setting up", err, errlen);
    return migrate(s, err, errlen);
}

int sq_schema_make(const char *path, int version, char *err, size_t errlen)
{
    sq_store s;
    memset(&s, 0, sizeof s);
    target_version = version < SQ_SCHEMA_VERSION ? version : SQ_SCHEMA_VERSION;
    int rc = sq_schema_open(&s, path, err, errlen);
    target_version = SQ_SCHEMA_VERSION;
    sqlite3_close(s.db);
    return rc;
}
