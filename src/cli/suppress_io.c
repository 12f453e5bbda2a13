/*
 * suppress_io.c - bouncekit suppress list, export, import and stats.
 * export and import speak the columns other tools use: email, reason,
 * created, expires, source, as CSV (RFC 4180, a header row) or JSON Lines;
 * a whole domain is written "@domain"; times are ISO 8601 UTC, and an empty
 * (or null) expires means never.
 */
#include "cli.h"
#include "records.h"
#include "suppress.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMPORT_BATCH 10000
#define ROW_CAP 8192

static const char *const COLUMNS[] = {"email", "reason", "created", "expires", "source"};
#define N_COLUMNS 5

/* opt_value - the value of option name at argv[*i] ("--name V"); NULL when not it */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* number - a non-negative count option; -1 when malformed */
static long long number(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    return end == s || *end || v < 0 ? -1 : v;
}

/* parse_filter - the options of list and export; -1 after an error */
static int parse_filter(int argc, char **argv, bk_store_filter *f)
{
    memset(f, 0, sizeof f[0]);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = opt_value(argc, argv, &i, "--domain")))
            f->domain = v;
        else if ((v = opt_value(argc, argv, &i, "--reason")))
            f->reason = v;
        else if ((v = opt_value(argc, argv, &i, "--source")))
            f->source = v;
        else if ((v = opt_value(argc, argv, &i, "--limit")) && (f->limit = number(v)) >= 0)
            ;
        else if ((v = opt_value(argc, argv, &i, "--offset")) && (f->offset = number(v)) >= 0)
            ;
        else if (!strcmp(argv[i], "--all"))
            f->all = 1;
        else {
            cli_error("suppress", "%s: unexpected '%s'", argv[0], argv[i]);
            return -1;
        }
    }
    return 0;
}

/* csv_out - one CSV field, then ',' or the line end */
static void csv_out(const char *s, int last)
{
    csv_field(stdout, s);
    putchar(last ? '\n' : ',');
}

typedef struct {
    int json, csv;
    unsigned long long n;
} print_state;

/* print_entry - one entry as a table row, JSON line or CSV row */
static int print_entry(const bk_store_entry *e, void *ctx)
{
    print_state *ps = ctx;
    char email[BK_ADDR_MAX + 1], t1[32], t2[32];
    sup_email(e, email, sizeof email);
    ps->n++;
    if (ps->json) {
        json_t *o = sup_entry_json(e, ps->json > 1);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else if (ps->csv) {
        csv_out(email, 0);
        csv_out(e->reason, 0);
        csv_out(sup_time(e->created, t1, sizeof t1), 0);
        csv_out(sup_time(e->expires, t2, sizeof t2), 0);
        csv_out(e->source, 1);
    } else
        printf("%-40s %-15s %-8s %-20s %-20s %lld\n", email, e->reason, e->source,
               e->created ? sup_time(e->created, t1, sizeof t1) : "-",
               e->suppressed ? (e->expires ? sup_time(e->expires, t2, sizeof t2) : "never") : "(lifted)",
               e->count);
    return 0;
}

/* list_or_export - list (table or --json) and export (csv or jsonl) */
static int list_or_export(sup_ctx *c, int argc, char **argv, int export)
{
    bk_store_filter f;
    if (parse_filter(argc, argv, &f) != 0)
        return EXIT_USAGE;
    print_state ps = {0, 0, 0};
    if (export) {
        const char *fmt = c->format ? c->format : c->json ? "jsonl" : "csv";
        if (strcmp(fmt, "csv") && strcmp(fmt, "jsonl")) {
            cli_error("suppress", "export: --format: want csv or jsonl, not '%s'", fmt);
            return EXIT_USAGE;
        }
        ps.csv = !strcmp(fmt, "csv");
        ps.json = !ps.csv;
    } else
        ps.json = c->json ? 2 : 0;
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    if (ps.csv)
        for (int i = 0; i < N_COLUMNS; i++)
            csv_out(COLUMNS[i], i == N_COLUMNS - 1);
    else if (!ps.json)
        printf("%-40s %-15s %-8s %-20s %-20s %s\n", "EMAIL", "REASON", "SOURCE", "CREATED",
               "EXPIRES", "EVENTS");
    char err[512];
    int rc = bk_store_list(c->store, &f, print_entry, &ps, err, sizeof err);
    if (rc != 0)
        cli_error("suppress", "%s: %s", argv[0], err);
    bk_store_close(c->store);
    if (fflush(stdout) != 0)
        rc = -1;
    return rc ? EXIT_FAIL : EXIT_OK;
}

int sup_list(sup_ctx *c, int argc, char **argv)
{
    return list_or_export(c, argc, argv, 0);
}

int sup_export(sup_ctx *c, int argc, char **argv)
{
    return list_or_export(c, argc, argv, 1);
}

/* csv_split - the fields of one CSV line (RFC 4180 quoting, no line breaks
 * inside fields) into fields[], unquoted in place; their count, -1 when malformed */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        char *out = p;
        fields[n++] = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else
                    *out++ = *p++;
            }
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p && *p != ',') {
                if (*p == '"')
                    return -1;
                *out++ = *p++;
            }
        }
        int more = *p == ',';
        if (*p)
            p++;
        *out = '\0';
        if (!more)
            return n;
    }
}

/* row_time - a created/expires cell: 0 for empty, -1 when malformed */
static long long row_time(const char *s)
{
    return !s || !s[0] ? 0 : bk_time_parse(s);
}

/* import_row - the entry of one row's values; -1 (why) when malformed */
static int import_row(sup_ctx *c, const char *const *v, char *why, size_t whylen)
{
    bk_store_entry e;
    memset(&e, 0, sizeof e);
    if (!v[0] || !v[0][0]) {
        snprintf(why, whylen, "no email");
        return -1;
    }
    snprintf(e.reason, sizeof e.reason, "%s", v[1] && v[1][0] ? v[1] : "import");
    snprintf(e.source, sizeof e.source, "%s", v[4] && v[4][0] ? v[4] : "import");
    e.created = row_time(v[2]);
    e.expires = row_time(v[3]);
    if (e.created < 0 || e.expires < 0) {
        snprintf(why, whylen, "'%s' is not a time", e.created < 0 ? v[2] : v[3]);
        return -1;
    }
    return bk_store_add(c->store, v[0], &e, why, whylen);
}

/* json_cell - a string or integer member as text in buf; NULL when absent */
static const char *json_cell(json_t *o, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

int sup_import(sup_ctx *c, int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "-";
    if (argc > 2) {
        cli_error("suppress", "import: one file at a time");
        return EXIT_USAGE;
    }
    const char *fmt = c->format ? c->format : c->json ? "jsonl" : NULL;
    if (!fmt) {
        size_t n = strlen(path);
        fmt = n > 4 && !strcasecmp(path + n - 4, ".csv") ? "csv" : n > 1 ? "jsonl" : "csv";
    }
    if (strcmp(fmt, "csv") && strcmp(fmt, "jsonl")) {
        cli_error("suppress", "import: --format: want csv or jsonl, not '%s'", fmt);
        return EXIT_USAGE;
    }
    int csv = !strcmp(fmt, "csv");
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        cli_error("suppress", "import: %s: cannot read", path);
        return EXIT_FAIL;
    }
    if (sup_open(c) != 0) {
        if (f != stdin)
            fclose(f);
        return EXIT_FAIL;
    }
    char line[ROW_CAP], why[512];
    int col[N_COLUMNS] = {-1, -1, -1, -1, -1}, header = csv, rc = EXIT_OK;
    unsigned long long lineno = 0, added = 0, bad = 0, pending = 0;
    while (rc != EXIT_FAIL && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        int too_long = n && line[n - 1] != '\n' && !feof(f);
        if (too_long) {
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 && !too_long)
            continue;
        const char *v[N_COLUMNS] = {NULL, NULL, NULL, NULL, NULL};
        char *fields[32], nb[2][32];
        json_t *o = NULL;
        int nf = too_long ? -1 : 0;
        snprintf(why, sizeof why, "line too long");
        if (!too_long && csv) {
            nf = csv_split(line, fields, 32);
            snprintf(why, sizeof why, "not a CSV row");
        } else if (!too_long) {
            json_error_t jerr;
            o = json_loadb(line, n, 0, &jerr);
            snprintf(why, sizeof why, "not a JSON object");
            nf = json_is_object(o) ? 1 : -1;
            for (int k = 0; nf > 0 && k < N_COLUMNS; k++)
                v[k] = json_cell(o, COLUMNS[k], nb[k == 3], sizeof nb[0]);
        }
        if (nf > 0 && header) {
            for (int i = 0; i < nf; i++)
                for (int k = 0; k < N_COLUMNS; k++)
                    if (!strcasecmp(fields[i], COLUMNS[k]) ||
                        (k == 0 && (!strcasecmp(fields[i], "address") || !strcasecmp(fields[i], "recipient"))))
                        col[k] = i;
            header = 0;
            if (col[0] < 0) {
                cli_error("suppress", "import: %s:1: the header names no email column", path);
                rc = EXIT_USAGE;
                break;
            }
            continue;
        }
        for (int k = 0; csv && nf > 0 && k < N_COLUMNS; k++)
            v[k] = col[k] >= 0 && col[k] < nf ? fields[col[k]] : NULL;
        if (pending == 0 && bk_store_begin(c->store, why, sizeof why) != 0) {
            cli_error("suppress", "import: %s", why);
            rc = EXIT_FAIL;
        } else if (nf < 0 || import_row(c, v, why, sizeof why) != 0) {
            cli_error("suppress", "import: %s:%llu: %s", path, lineno, why);
            bad++;
        } else {
            added++;
            if (++pending == IMPORT_BATCH) {
                pending = 0;
                if (bk_store_commit(c->store, why, sizeof why) != 0) {
                    cli_error("suppress", "import: %s", why);
                    rc = EXIT_FAIL;
                }
            }
        }
        json_decref(o);
    }
    if (rc != EXIT_FAIL && bk_store_commit(c->store, why, sizeof why) != 0) {
        cli_error("suppress", "import: %s", why);
        rc = EXIT_FAIL;
    }
    if (f != stdin)
        fclose(f);
    bk_store_close(c->store);
    fprintf(stderr, "bouncekit: suppress: import: %llu entries added, %llu lines malformed\n",
            added, bad);
    return rc != EXIT_OK ? rc : bad ? EXIT_USAGE : EXIT_OK;
}
