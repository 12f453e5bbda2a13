/*
 * suppress.h - what the files of bouncekit suppress share: the options
 * every subcommand takes (--db, --config, --json, --format), the open
 * store, and the subcommands of suppress_io.c (list, export, import,
 * stats) and suppress_show.c (history, allow).
 */
#ifndef BK_SUPPRESS_H
#define BK_SUPPRESS_H

#include "bouncekit.h"

#include <stdio.h>

typedef struct {
    const char *db, *config;
    int json;
    const char *format;        /* export/import: csv or jsonl */
    bk_store *store;
} sup_ctx;

/* sup_time - seconds since 1970 as "2026-01-02T03:04:05Z" into buf, "" for 0 */
const char *sup_time(long long t, char *buf, size_t len);

/* sup_open - open the store named by the options; prints the error */
int sup_open(sup_ctx *c);

/* sup_entry_json - an entry as the export's JSON object (email, reason,
 * created, expires, source) plus more when full */
struct json_t;
struct json_t *sup_entry_json(const bk_store_entry *e, int full);

/* sup_email - the email column of an entry: the address, or "@domain" */
void sup_email(const bk_store_entry *e, char *buf, size_t len);

/* the subcommands; argv[0] is the subcommand's name */
int sup_list(sup_ctx *c, int argc, char **argv);
int sup_export(sup_ctx *c, int argc, char **argv);
int sup_import(sup_ctx *c, int argc, char **argv);
int sup_stats(sup_ctx *c, int argc, char **argv);
int sup_history(sup_ctx *c, int argc, char **argv);
int sup_allow(sup_ctx *c, int argc, char **argv);

#endif
