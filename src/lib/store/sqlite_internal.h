/*
 * sqlite_internal.h - what the files of the SQLite backend share: the
 * handle, its statements (each prepared once, when the store opens, and
 * reused), and the schema (sqlite_schema.c).
 */
#ifndef BK_SQLITE_INTERNAL_H
#define BK_SQLITE_INTERNAL_H

#include "store.h"

#include <sqlite3.h>

#define SQ_SCHEMA_VERSION 4
#define SQ_APPLICATION_ID 1112232784 /* 0x424B5350, "BKSP" */
/* the page cache in KB (cache_size): of a handle, and while it writes (a
 * transaction of many events touches most pages of the address table and
 * the events' address index; a smaller cache writes them out and reads
 * them again before the commit) */
#define SQ_CACHE_KB 131072
#define SQ_WRITE_CACHE_KB 524288
/* the page size of a new file (an existing one keeps its own) */
#define SQ_PAGE_SIZE 8192
#define SQ_STR_(x) #x
#define SQ_STR(x) SQ_STR_(x)

enum {
    ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
    ST_EVENT_ADD, ST_EVENT_INDEX, ST_NEXT_EVENT, ST_EVENT_COUNT, ST_EVENT_EACH,
    ST_ADDR_GET, ST_DOM_GET, ST_ADDR_PUT, ST_DOM_PUT,
    ST_LIST_DOM, ST_LIST_ADDR, ST_KEYS_ADDR, ST_KEYS_DOM,
    ST_SENDER_ADD,
    ST_ALLOW_PUT, ST_ALLOW_DEL, ST_ALLOW_HAS, ST_ALLOW_EACH,
    ST_N_EVENTS, ST_N_ADDR, ST_N_SUPP, ST_N_DOM, ST_N_ALLOW, ST_N_SENDER, ST_VERSION,
    ST_BY_REASON, ST_BY_SOURCE, ST_BY_ACTION, ST_BY_DOMAIN, ST_BY_SENDER,
    ST_DATA_VERSION, ST_LOOKUP, ST_CACHE_WRITE, ST_CACHE_READ,
    ST_COUNT
};

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    int schema;
    long long next_event; /* the id of the next event in the open write transaction; 0 unknown */
} sq_store;

/* sq_fail - "what: sqlite's message" in err; returns -1 */
int sq_fail(sq_store *s, const char *what, char *err, size_t errlen);

/* sq_schema_make - a file at path at an older schema version, made by the
 * real migrations stopped there (for the tests of migrations: today's
 * statements need not prepare on it); -1 (err) on failure */
int sq_schema_make(const char *path, int version, char *err, size_t errlen);

/* sq_prepare_all - prepare every statement; -1 (err) on failure */
int sq_prepare_all(sq_store *s, char *err, size_t errlen);

/* sq_schema_open - check the file is ours (or new), set WAL and the busy
 * handler, and migrate it to SQ_SCHEMA_VERSION; -1 (err) on failure */
int sq_schema_open(sq_store *s, const char *path, char *err, size_t errlen);

/* sq_stats - totals and breakdowns (sqlite_stats.c) */
int sq_stats(void *db, long long now, bk_store_stats *out, bk_store_row_fn fn, void *ctx,
             char *err, size_t errlen);

/* sq_token_key - the stored form of an event's token: one that starts with
 * 40 lowercase hex digits (a SHA-1, as bouncekit makes them) and ends there
 * or goes on with '/' (a log outcome's "SHA1/bounced") as a blob of those 20
 * bytes and the rest (*blob 1, in out); any other as its text (*blob 0, out
 * unused; SQLite never finds a text equal to a blob, so the two forms
 * cannot collide); returns the key and sets *len */
const void *sq_token_key(const char *token, unsigned char out[BK_TOKEN_MAX], int *blob, int *len);

/* sq_token_text - a stored token back as text (the inverse of sq_token_key) */
void sq_token_text(sqlite3_stmt *st, int i, char *out, size_t cap);

/* sq_text - column i as a string ("" for NULL) */
const char *sq_text(sqlite3_stmt *st, int i);

#endif
