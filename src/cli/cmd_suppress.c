/*
 * cmd_suppress.c - bouncekit suppress: the suppression list by hand and
 * for scripts. This file dispatches, parses the options every subcommand
 * takes, and holds add, remove and check; list, export, import and stats
 * are in suppress_io.c, history and allow in suppress_show.c.
 *
 * check exits 0 (may send), 1 (suppressed: for many addresses, when any
 * is), 2 (bad usage or an address that is not one), 3 (the list could not
 * be read: do not send either).
 */
#include "cli.h"
#include "suppress.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_SUPPRESSED = 1, EXIT_STORE = 3 };

/* suppress_usage - the subcommand's help */
static void suppress_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit suppress COMMAND [OPTIONS] [ARGS...]\n"
            "\n"
            "The suppression list: addresses (and whole domains, written @domain) that must\n"
            "not be mailed, filled by 'bouncekit ingest' under the policy of\n"
            "docs/suppression.md, or by hand.\n"
            "\n"
            "Commands:\n"
            "  add ADDRESS...        suppress by hand (--reason R, --expires 30d|DATE, --note T);\n"
            "                        manual entries never expire unless told\n"
            "  remove ADDRESS...     lift a suppression (the history stays)\n"
            "  check [ADDRESS...]    may it be sent to? Without ADDRESS, one per line from\n"
            "                        standard input; one verdict per line\n"
            "  list                  the suppressed entries (--domain D, --reason R,\n"
            "                        --source S, --all, --limit N, --offset N)\n"
            "  export                every suppressed entry (--format csv|jsonl, --all)\n"
            "  import [FILE|-]       entries from CSV or JSON Lines (--format csv|jsonl)\n"
            "  history ADDRESS       every event of an address and what the policy did\n"
            "  stats                 totals, suppressions by reason and domain, sender problems\n"
            "  allow add|remove|list ADDRESS|@DOMAIN   the allow-list, which beats every\n"
            "                        suppression\n"
            "\n"
            "Options of every command:\n"
            "  --db PATH       the database (default $XDG_DATA_HOME/bouncekit/bouncekit.db)\n"
            "  --config FILE   the configuration file (policy.* settings, db)\n"
            "  --json          JSON (Lines) output\n"
            "  --help          this text\n"
            "\n"
            "CSV and JSON Lines columns: email, reason, created, expires, source (times in\n"
            "ISO 8601 UTC; expires empty or null: never).\n"
            "\n"
            "Exit status: 0 done (check: may send), 1 check: suppressed, or a run-time\n"
            "failure, 2 bad usage or malformed input, 3 check: the list could not be read.\n"
            "\n"
            "Examples:\n"
            "  bouncekit suppress check jane@example.com && send-mail jane@example.com\n"
            "  cut -d, -f1 list.csv | bouncekit suppress check --json | jq -c 'select(.suppressed)'\n"
            "  bouncekit suppress add --reason unsubscribed --note 'phone call' bob@example.org\n"
            "  bouncekit suppress export --format csv > suppressions.csv\n");
}

int sup_open(sup_ctx *c)
{
    c->store = cli_open_store("suppress", c->db, c->config);
    return c->store ? 0 : -1;
}

/* sup_add - bouncekit suppress add */
static int sup_add(sup_ctx *c, int argc, char **argv)
{
    bk_store_entry e;
    memset(&e, 0, sizeof e);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (i + 1 < argc && (!strcmp(o, "--reason") || !strcmp(o, "--note") || !strcmp(o, "--expires"))) {
            const char *v = argv[++i];
            if (!strcmp(o, "--reason"))
                snprintf(e.reason, sizeof e.reason, "%s", v);
            else if (!strcmp(o, "--note"))
                snprintf(e.note, sizeof e.note, "%s", v);
            else {
                long long d = bk_duration_parse(v), t = bk_time_parse(v);
                if (d < 0 && t < 0) {
                    cli_error("suppress", "--expires: want a time such as 30d or a date, not '%s'", v);
                    return EXIT_USAGE;
                }
                e.expires = d > 0 && strchr("smhdw", v[strlen(v) - 1]) ? time(NULL) + d : t > 0 ? t : d;
            }
            argv[i - 1] = argv[i] = NULL;
        }
    }
    int rc = EXIT_OK, n = 0;
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        if (!argv[i])
            continue;
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            cli_error("suppress", "add: unknown option '%s'", argv[i]);
            rc = EXIT_USAGE;
            continue;
        }
        char err[512];
        n++;
        if (bk_store_add(c->store, argv[i], &e, err, sizeof err) != 0) {
            cli_error("suppress", "add: %s: %s", argv[i], err);
            rc = rc == EXIT_OK ? EXIT_USAGE : rc;
        } else if (!c->json)
            printf("suppressed  %s\n", argv[i]);
    }
    if (n == 0) {
        cli_error("suppress", "add: give the addresses (or @domain) to suppress");
        rc = EXIT_USAGE;
    }
    bk_store_close(c->store);
    return rc;
}

/* sup_remove - bouncekit suppress remove */
static int sup_remove(sup_ctx *c, int argc, char **argv)
{
    if (argc < 2) {
        cli_error("suppress", "remove: give the addresses (or @domain) to take off the list");
        return EXIT_USAGE;
    }
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    int rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        char err[512];
        int r = bk_store_remove(c->store, argv[i], err, sizeof err);
        if (r < 0) {
            cli_error("suppress", "remove: %s: %s", argv[i], err);
            rc = EXIT_USAGE;
        } else
            printf("%s  %s\n", r ? "removed" : "not suppressed", argv[i]);
    }
    bk_store_close(c->store);
    return rc;
}

/* verdict - print one check result; the exit status it asks for */
static int verdict(sup_ctx *c, const char *input, const bk_check_result *r, const char *why)
{
    const bk_store_entry *e = &r->entry;
    char t[32];
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "email", json_string(why ? input : r->address));
        if (why) {
            json_object_set_new(o, "error", json_string(why));
        } else {
            json_object_set_new(o, "suppressed", json_boolean(r->suppressed));
            json_object_set_new(o, "allowed", json_boolean(r->allowed));
            if (r->suppressed || r->allowed) {
                json_object_set_new(o, "reason", json_string(e->reason));
                json_object_set_new(o, "source", json_string(e->source));
                json_object_set_new(o, "domain", json_boolean(r->by_domain));
                json_object_set_new(o, "created", e->created ? json_string(sup_time(e->created, t, sizeof t)) : json_null());
                json_object_set_new(o, "expires", e->expires ? json_string(sup_time(e->expires, t, sizeof t)) : json_null());
            }
        }
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else if (why)
        printf("invalid     %s  %s\n", input, why);
    else if (r->suppressed || r->allowed)
        printf("%-11s %s  %s%s (%s), until %s\n", r->suppressed ? "suppressed" : "allowed", r->address,
               r->by_domain ? "domain " : "", e->reason, e->source,
               e->expires ? sup_time(e->expires, t, sizeof t) : "never");
    else
        printf("ok          %s\n", r->address);
    return why ? EXIT_USAGE : r->suppressed ? EXIT_SUPPRESSED : EXIT_OK;
}

/* check_one - check and print one address; its exit status */
static int check_one(sup_ctx *c, const char *address)
{
    bk_check_result r;
    char err[512];
    int rc = bk_store_check(c->store, address, 0, &r, err, sizeof err);
    if (rc < 0) {
        cli_error("suppress", "check: %s", err);
        return EXIT_STORE;
    }
    return verdict(c, address, &r, rc ? err : NULL);
}

/* worse - the exit status of many checks: store failure 3 > invalid 2 > suppressed 1 > ok 0 */
static int worse(int a, int b)
{
    return b > a ? b : a;
}

/* sup_check - bouncekit suppress check */
static int sup_check(sup_ctx *c, int argc, char **argv)
{
    if (sup_open(c) != 0)
        return EXIT_STORE;
    int rc = EXIT_OK;
    if (argc > 1) {
        for (int i = 1; i < argc && rc != EXIT_STORE; i++)
            rc = worse(rc, check_one(c, argv[i]));
    } else {
        char line[4096];
        while (rc != EXIT_STORE && fgets(line, sizeof line, stdin)) {
            size_t n = strlen(line);
            if (n && line[n - 1] != '\n' && !feof(stdin)) {
                int ch;
                while ((ch = getchar()) != EOF && ch != '\n')
                    ;
                bk_check_result none;
                memset(&none, 0, sizeof none);
                rc = worse(rc, verdict(c, "(a line too long)", &none, "line too long"));
                continue;
            }
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (n)
                rc = worse(rc, check_one(c, line));
        }
    }
    if (fflush(stdout) != 0)
        rc = EXIT_STORE;
    bk_store_close(c->store);
    return rc;
}

int cmd_suppress(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(sup_ctx *, int, char **);
    } SUB[] = {{"add", sup_add},         {"remove", sup_remove}, {"check", sup_check},
               {"list", sup_list},       {"export", sup_export}, {"import", sup_import},
               {"history", sup_history}, {"stats", sup_stats},   {"allow", sup_allow}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        suppress_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    /* the shared options, anywhere after the subcommand; the rest stays in order */
    sup_ctx c;
    memset(&c, 0, sizeof c);
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if ((!strcmp(o, "--db") || !strcmp(o, "--config") || !strcmp(o, "--format")) && i + 1 < argc) {
            const char **slot = !strcmp(o, "--db") ? &c.db : !strcmp(o, "--config") ? &c.config : &c.format;
            *slot = argv[++i];
        } else if (!strcmp(o, "--json"))
            c.json = 1;
        else if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            suppress_usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(o, "--db") || !strcmp(o, "--config") || !strcmp(o, "--format")) {
            cli_error("suppress", "%s needs a value", o);
            return EXIT_USAGE;
        } else
            argv[n++] = argv[i];
    }
    for (size_t i = 0; i < sizeof SUB / sizeof SUB[0]; i++)
        if (!strcmp(argv[0], SUB[i].name))
            return SUB[i].run(&c, n, argv);
    cli_error("suppress", "unknown command '%s' (see 'bouncekit suppress --help')", argv[0]);
    return EXIT_USAGE;
}
