/*
 * store_sql.h - the SQL both backends run alike (SQLite and PostgreSQL): the
 * column lists and the statements whose text differs only in how a
 * parameter is written and where the events of an address are found. Each
 * statement macro takes P, the dialect's parameter: SQ_P(n) is "?n"
 * (sqlite_store.c), PG_P(n) is "$n" (pg_store.c); and D, the backend's
 * prefix (SQ or PG) for the places below.
 *
 * Where an address's events are: PostgreSQL indexes the events table by
 * (address, action, time); SQLite (schema 4) keeps that index as rows of the
 * addresses table, keyed by (address, token): the address's own row is the
 * one with token '' (D_ENTRY_ROW picks it), each of its events a row with
 * the event's token, action, time and id beside it.
 */
#ifndef BK_STORE_SQL_H
#define BK_STORE_SQL_H

#define SQ_P(n) "?" #n
#define PG_P(n) "$" #n

#define ENTRY_COLS "suppressed, reason, source, created, expires, first_seen, last_seen, count, cleared, note"
#define EVENT_COLS                                                                   \
    "token, address, time, source, origin, reason, hardbounce, permanence, status," \
    " replycode, feedbacktype, addresser, outcome, diagnosticcode, action"

#define SQL_EVENT_ADD(P, D)                                                                  \
    "INSERT INTO events(" D##_EVENT_ID_COL EVENT_COLS ") VALUES(" D##_EVENT_ID_VAL P(1) ", "  \
    P(2) ", " P(3) ", " P(4) ", " P(5) ", " P(6) ", " P(7) ", " P(8) ", " P(9) ", " P(10) ", " \
    P(11) ", " P(12) ", " P(13) ", " P(14) ", " P(15) ")" D##_EVENT_ONCE
/* an event is known by its address and token: PostgreSQL's events have a
 * unique index on (address, token); SQLite's address tree is keyed by the
 * pair, and an event's row there (whose event id it names, ?16) is written
 * first (sqlite_store.c), so its insert has no condition */
#define PG_EVENT_ONCE " ON CONFLICT(address, token) DO NOTHING"
#define SQ_EVENT_ONCE ""
#define PG_EVENT_ID_COL ""
#define PG_EVENT_ID_VAL ""
#define SQ_EVENT_ID_COL "id, "
#define SQ_EVENT_ID_VAL "?16, "
#define PG_EVENT_INDEX "events"
#define SQ_EVENT_INDEX "addresses"
#define PG_ENTRY_ROW ""
#define SQ_ENTRY_ROW " AND token = ''"
#define PG_EVENTS_OF(P) "address = " P(1)
#define SQ_EVENTS_OF(P) "id IN (SELECT event FROM addresses WHERE address = " P(1) " AND token <> '')"

#define SQL_EVENT_COUNT(P, D)                                                                  \
    "SELECT count(*) FROM " D##_EVENT_INDEX " WHERE address = " P(1) " AND action = " P(2) \
    " AND time BETWEEN " P(3) " AND " P(4)
#define SQL_EVENT_EACH(P, D) "SELECT " EVENT_COLS " FROM events WHERE " D##_EVENTS_OF(P) " ORDER BY time, id"
#define SQL_ADDR_GET(P, D) "SELECT " ENTRY_COLS " FROM addresses WHERE address = " P(1) D##_ENTRY_ROW
#define SQL_DOM_GET(P) "SELECT " ENTRY_COLS " FROM domains WHERE domain = " P(1)
#define SQL_ALLOW_PUT(P)                                                                   \
    "INSERT INTO allow(entry, note, created) VALUES(" P(1) ", " P(2) ", " P(3) ")" \
    " ON CONFLICT(entry) DO UPDATE SET note = excluded.note"
#define SQL_ALLOW_DEL(P) "DELETE FROM allow WHERE entry = " P(1)
#define SQL_ALLOW_HAS(P) "SELECT 1 FROM allow WHERE entry = " P(1)
#define SQL_ALLOW_EACH "SELECT entry, note, created FROM allow ORDER BY entry"
/* an address (kind 0), its domain (1) and the allow-list (2) in one statement */
#define SQL_LOOKUP(P, D)                                                                    \
    "SELECT 0, " ENTRY_COLS " FROM addresses WHERE address = " P(1) D##_ENTRY_ROW          \
    " UNION ALL SELECT 1, " ENTRY_COLS " FROM domains WHERE domain = " P(2)                \
    " UNION ALL SELECT 2, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL"             \
    " FROM allow WHERE entry IN (" P(1) ", " P(3) ")"


/* the initialisers of the shared statements in a backend's table: X(NAME)
 * is the backend's enum constant for NAME, P its parameter, D its prefix */
#define STORE_SQL_COMMON(X, P, D)                                                            \
    [X(EVENT_ADD)] = SQL_EVENT_ADD(P, D), [X(EVENT_COUNT)] = SQL_EVENT_COUNT(P, D),            \
    [X(EVENT_EACH)] = SQL_EVENT_EACH(P, D), [X(ADDR_GET)] = SQL_ADDR_GET(P, D),             \
    [X(DOM_GET)] = SQL_DOM_GET(P), [X(ALLOW_PUT)] = SQL_ALLOW_PUT(P),                       \
    [X(ALLOW_DEL)] = SQL_ALLOW_DEL(P), [X(ALLOW_HAS)] = SQL_ALLOW_HAS(P),                   \
    [X(ALLOW_EACH)] = SQL_ALLOW_EACH, [X(LOOKUP)] = SQL_LOOKUP(P, D)

#endif
