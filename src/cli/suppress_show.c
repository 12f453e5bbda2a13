/*
 * suppress_show.c - bouncekit suppress history, stats and allow: what
 * happened to one address, the totals of the list, and the allow-list.
 */
#include "cli.h"
#include "suppress.h"

#include <jansson.h>
#include <string.h>

/* history_event - one event as a line or a JSON object */
static int history_event(const bk_event *e, const char *action, void *ctx)
{
    json_t *arr = ctx;
    char t[32];
    if (arr) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "timestamp", sup_time(e->time, t, sizeof t),
                              "reason", e->reason, "action", action, "source", e->source,
                              "hardbounce", e->hardbounce, "token", e->token);
        json_object_set_new(o, "status", e->status[0] ? json_string(e->status) : json_null());
        json_object_set_new(o, "feedbacktype", e->feedbacktype[0] ? json_string(e->feedbacktype) : json_null());
        json_object_set_new(o, "outcome", e->outcome[0] ? json_string(e->outcome) : json_null());
        json_object_set_new(o, "origin", e->origin[0] ? json_string(e->origin) : json_null());
        json_object_set_new(o, "diagnosticcode", e->diagnosticcode[0] ? json_string(e->diagnosticcode) : json_null());
        json_array_append_new(arr, o);
    } else
        printf("  %s  %-15s %-9s %-6s %-6s %.60s\n", sup_time(e->time, t, sizeof t), e->reason,
               action, e->status[0] ? e->status : "-", e->source, e->diagnosticcode);
    return 0;
}

int sup_history(sup_ctx *c, int argc, char **argv)
{
    if (argc != 2) {
        cli_error("suppress", "history: give one address");
        return EXIT_USAGE;
    }
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    json_t *arr = c->json ? json_array() : NULL;
    bk_store_entry e;
    int found;
    char err[512], t[32];
    int rc = bk_store_history(c->store, argv[1], history_event, arr, &e, &found, err, sizeof err);
    if (rc != 0)
        cli_error("suppress", "history: %s: %s", argv[1], err);
    else if (arr) {
        json_t *o = sup_entry_json(&e, 1);
        json_object_set_new(o, "known", json_boolean(found));
        json_object_set_new(o, "events", arr);
        arr = NULL;
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else if (!found)
        printf("%s: never seen\n", e.key);
    else {
        char t2[32];
        printf("%s: %s%s%s, %lld events, first %s, last %s\n", e.key,
               e.suppressed ? "suppressed (" : "not suppressed", e.suppressed ? e.reason : "",
               e.suppressed ? ")" : "", e.count, sup_time(e.first_seen, t, sizeof t),
               sup_time(e.last_seen, t2, sizeof t2));
    }
    json_decref(arr);
    bk_store_close(c->store);
    return rc ? (rc < 0 && strstr(err, "address") ? EXIT_USAGE : EXIT_FAIL) : EXIT_OK;
}

/* stats_row - one breakdown row as text, or into the JSON object */
static int stats_row(const char *group, const char *name, const char *detail, long long count,
                     long long last, void *ctx)
{
    json_t *o = ctx;
    char t[32];
    if (o) {
        json_t *arr = json_object_get(o, group);
        if (!arr) {
            arr = json_array();
            json_object_set_new(o, group, arr);
        }
        json_t *row = json_pack("{s:s,s:I}", "name", name[0] ? name : "(none)", "count", (json_int_t)count);
        if (detail[0])
            json_object_set_new(row, "reason", json_string(detail));
        json_object_set_new(row, "last", last ? json_string(sup_time(last, t, sizeof t)) : json_null());
        json_array_append_new(arr, row);
        return 0;
    }
    static char shown[16];
    if (strcmp(shown, group) != 0) {
        snprintf(shown, sizeof shown, "%s", group);
        printf("\nby %s%s:\n", group,
               !strcmp(group, "sender") ? " domain (problems on the sender's side)" : "");
    }
    printf("  %-40s %-15s %10lld  %s\n", name[0] ? name : "(none)", detail, count,
           last ? sup_time(last, t, sizeof t) : "");
    return 0;
}

int sup_stats(sup_ctx *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        cli_error("suppress", "stats: takes no arguments");
        return EXIT_USAGE;
    }
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    bk_store_stats st;
    char err[512];
    json_t *o = c->json ? json_object() : NULL;
    int rc = bk_store_stats_get(c->store, 0, &st, stats_row, o, err, sizeof err);
    if (rc != 0)
        cli_error("suppress", "stats: %s", err);
    else if (o) {
        json_object_set_new(o, "totals", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:s}",
            "events", (json_int_t)st.events, "addresses", (json_int_t)st.addresses,
            "suppressed", (json_int_t)st.suppressed, "domains", (json_int_t)st.domains,
            "allowed", (json_int_t)st.allowed, "senderproblems", (json_int_t)st.sender_problems,
            "schema", st.schema, "database", bk_store_where(c->store)));
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
    } else
        printf("\n%s (schema %d): %lld events, %lld addresses seen, %lld suppressed, %lld domains "
               "suppressed, %lld on the allow-list, %lld sender problems\n",
               bk_store_where(c->store), st.schema, st.events, st.addresses, st.suppressed,
               st.domains, st.allowed, st.sender_problems);
    json_decref(o);
    bk_store_close(c->store);
    return rc ? EXIT_FAIL : EXIT_OK;
}

/* allow_row - one allow-list entry */
static int allow_row(const char *key, const char *note, long long created, void *ctx)
{
    sup_ctx *c = ctx;
    char t[32];
    if (c->json) {
        json_t *o = json_pack("{s:s,s:s}", "email", key, "created", sup_time(created, t, sizeof t));
        json_object_set_new(o, "note", note[0] ? json_string(note) : json_null());
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else
        printf("%-40s %s  %s\n", key, sup_time(created, t, sizeof t), note);
    return 0;
}

int sup_allow(sup_ctx *c, int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    const char *note = NULL;
    int n = 0;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--note") && i + 1 < argc)
            note = argv[++i];
        else
            argv[2 + n++] = argv[i];
    int list = !strcmp(what, "list");
    if ((!list && strcmp(what, "add") && strcmp(what, "remove")) || (list != (n == 0))) {
        cli_error("suppress", "allow: want 'allow add|remove ADDRESS|@DOMAIN...' or 'allow list'");
        return EXIT_USAGE;
    }
    if (sup_open(c) != 0)
        return EXIT_FAIL;
    char err[512];
    int rc = EXIT_OK;
    if (list && bk_store_allow_list(c->store, allow_row, c, err, sizeof err) != 0) {
        cli_error("suppress", "allow list: %s", err);
        rc = EXIT_FAIL;
    }
    for (int i = 0; i < n; i++) {
        int r = !strcmp(what, "add") ? bk_store_allow(c->store, argv[2 + i], note, err, sizeof err)
                                     : bk_store_disallow(c->store, argv[2 + i], err, sizeof err);
        if (r < 0) {
            cli_error("suppress", "allow %s: %s: %s", what, argv[2 + i], err);
            rc = EXIT_USAGE;
        } else
            printf("%s  %s\n", !strcmp(what, "add") ? "allowed" : r ? "removed" : "not on the allow-list",
                   argv[2 + i]);
    }
    bk_store_close(c->store);
    return rc;
}
