/*
 * store_test.h - what the store's unit tests share (test_store.c,
 * test_store_batch.c): a test directory made by setup() and removed by
 * teardown(), and stores named by spec(): a file in that directory, or with
 * --pg (g_pg set) a fresh database on the PostgreSQL server.
 */
#ifndef BK_STORE_TEST_H
#define BK_STORE_TEST_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/bk-store-test-XXXXXX"; /* made by setup() */

/* path_in - a file name in the test directory */
static inline const char *path_in(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static const char *g_pg; /* the server's URI with --pg, else NULL */

/* pg_newdb - create database name (made of the pid: new) on the server of base;
 * its URI in out */
static inline void pg_newdb(const char *base, const char *name, char *out, size_t outlen)
{
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("%s: %s", base, PQerrorMessage(c));
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    size_t n = strcspn(base, "?"), slash = n;
    while (slash > 0 && base[slash - 1] != '/')
        slash--;
    snprintf(out, outlen, "%.*s%s", (int)slash, base, name);
}

/* spec - the store named name: a file in the test directory, or with --pg
 * a fresh PostgreSQL database */
static inline const char *spec(const char *name)
{
    static char buf[512];
    if (!g_pg) {
        snprintf(buf, sizeof buf, "%s/%s.db", dir, name);
        return buf;
    }
    char db[64];
    snprintf(db, sizeof db, "bk_unit_%ld_%s", (long)getpid(), name);
    pg_newdb(g_pg, db, buf, sizeof buf);
    return buf;
}

/* setup - make the test directory */
static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

/* teardown - remove the test directory */
static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* pg_wanted - with --pg, g_pg from BOUNCEKIT_TEST_PG: 1, or 77 (skip)
 * when it is not set; 0 without --pg */
static inline int pg_wanted(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--pg") != 0)
        return 0;
    g_pg = getenv("BOUNCEKIT_TEST_PG");
    if (g_pg && g_pg[0])
        return 1;
    printf("SKIP: BOUNCEKIT_TEST_PG is not set (tests/pg/start.sh)\n");
    return 77;
}

#endif
