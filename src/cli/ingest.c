/*
 * ingest.c - batches and the report of bouncekit ingest (see ingest.h).
 * Text: one line per change worth seeing (suppressed, domain, counted,
 * sender, cleared, invalid), then a summary on standard error. JSON: one
 * object per such change, then {"summary": {...}}.
 */
#include "cli.h"
#include "ingest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* iso - seconds since 1970 as "2026-01-02T03:04:05Z" into buf; "never" for 0 */
static const char *iso(long long t, char *buf, size_t len)
{
    time_t x = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&x, &tm))
        return "never";
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int ingest_start(ingest_run *r, const char *db, const char *config_path)
{
    r->store = cli_open_store("ingest", db, config_path);
    if (!r->store)
        return -1;
    r->cap = r->batch < INGEST_CHUNK ? r->batch : INGEST_CHUNK;
    r->events = malloc(r->cap * sizeof *r->events);
    r->results = malloc(r->cap * sizeof *r->results);
    if (!r->events || !r->results) {
        cli_error("ingest", "out of memory");
        free(r->events);
        free(r->results);
        bk_store_close(r->store);
        return -1;
    }
    return 0;
}

/* why_text - the policy's reason for a change, in words */
static void why_text(const ingest_run *r, const bk_ingest_result *res, char *buf, size_t len)
{
    const bk_policy *p = bk_store_policy(r->store);
    switch (res->action) {
    case BK_POLICY_SOFT:
        snprintf(buf, len, "%d soft bounces within %lld days", res->soft_seen,
                 p->soft_window / 86400);
        break;
    case BK_POLICY_COMPLAINT: snprintf(buf, len, "complaint"); break;
    case BK_POLICY_DOMAIN: snprintf(buf, len, "domain does not exist"); break;
    default: snprintf(buf, len, "hard bounce"); break;
    }
}

/* show - print one change worth seeing */
static void show(ingest_run *r, const bk_event *e, const bk_ingest_result *res, const char *why)
{
    bk_change c = res->change;
    if (r->quiet || c == BK_CHANGE_DUPLICATE || c == BK_CHANGE_ALREADY || c == BK_CHANGE_RECORDED)
        return;
    char t[32];
    if (r->json) {
        json_t *o = json_object();
        json_object_set_new(o, "change", json_string(bk_change_name(c)));
        json_object_set_new(o, "email", json_string(c == BK_CHANGE_INVALID ? e->recipient : res->address));
        json_object_set_new(o, "domain", json_string(res->domain));
        json_object_set_new(o, "reason", json_string(e->reason));
        json_object_set_new(o, "action", json_string(bk_policy_action_name(res->action)));
        if (c == BK_CHANGE_SUPPRESSED || c == BK_CHANGE_DOMAIN)
            json_object_set_new(o, "expires", res->expires ? json_string(iso(res->expires, t, sizeof t)) : json_null());
        if (res->action == BK_POLICY_SOFT)
            json_object_set_new(o, "softcount", json_integer(res->soft_seen));
        if (c == BK_CHANGE_INVALID)
            json_object_set_new(o, "why", json_string(why));
        json_object_set_new(o, "token", json_string(e->token));
        json_object_set_new(o, "origin", json_string(e->origin));
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
        return;
    }
    char words[96];
    why_text(r, res, words, sizeof words);
    const bk_policy *p = bk_store_policy(r->store);
    switch (c) {
    case BK_CHANGE_SUPPRESSED:
        printf("suppressed  %s  %s (%s), until %s\n", res->address, e->reason, words,
               iso(res->expires, t, sizeof t));
        break;
    case BK_CHANGE_DOMAIN:
        printf("domain      %s  %s (%s, from %s), until %s\n", res->domain, e->reason, words,
               res->address, iso(res->expires, t, sizeof t));
        break;
    case BK_CHANGE_COUNTED:
        printf("counted     %s  %s (%d of %d within %lld days)\n", res->address, e->reason,
               res->soft_seen, p->soft_count, p->soft_window / 86400);
        break;
    case BK_CHANGE_SENDER:
        printf("sender      %s  %s (sending to %s)\n", res->domain, e->reason, res->address);
        break;
    case BK_CHANGE_CLEARED:
        printf("cleared     %s  delivered\n", res->address);
        break;
    default:
        cli_error("ingest", "%s: recipient '%s': %s", e->origin, e->recipient, why);
        break;
    }
}

/* count - the summary's tally of one result */
static void count(ingest_run *r, bk_change c)
{
    unsigned long long *slot[] = {&r->recorded, &r->duplicates, &r->suppressed, &r->already,
                                  &r->counted,  &r->sender,     &r->domains,    &r->cleared,
                                  &r->invalid};
    if ((unsigned)c < sizeof slot / sizeof slot[0])
        (*slot[c])++;
    if (c != BK_CHANGE_DUPLICATE && c != BK_CHANGE_INVALID)
        r->added++;
    if (c == BK_CHANGE_DOMAIN)
        r->suppressed++;
}

/* commit - end the open transaction */
static void commit(ingest_run *r)
{
    char err[1024];
    if (!r->open)
        return;
    r->open = 0;
    r->pending = 0;
    if (bk_store_commit(r->store, err, sizeof err) != 0) {
        cli_error("ingest", "%s: %s", bk_store_where(r->store), err);
        r->failed = r->stop = 1;
        return;
    }
    r->batches++;
    fflush(stdout);
}

/* flush - the buffer into the open transaction (begun when none is), in
 * address order; committed once it holds --batch events */
static void flush(ingest_run *r)
{
    if (r->n == 0 || r->stop)
        return;
    char err[1024];
    if (!r->open && bk_store_begin(r->store, err, sizeof err) != 0) {
        cli_error("ingest", "%s: %s (this batch of %zu events was not written)",
                  bk_store_where(r->store), err, r->n);
        r->failed = r->stop = 1;
        return;
    }
    r->open = 1;
    if (bk_store_ingest_batch(r->store, r->events, r->n, r->results, err, sizeof err) != 0) {
        cli_error("ingest", "%s: %s (this batch of %zu events was not written)",
                  bk_store_where(r->store), err, r->pending + r->n);
        bk_store_rollback(r->store);
        r->open = 0;
        r->failed = r->stop = 1;
        return;
    }
    const bk_policy *p = bk_store_policy(r->store);
    for (size_t i = 0; i < r->n; i++) {
        const bk_event *e = &r->events[i];
        char why[256] = "", addr[BK_ADDR_MAX];
        if (r->results[i].change == BK_CHANGE_INVALID) /* the reason, again */
            bk_address_normalize(e->recipient, strlen(e->recipient), p->fold_plus, addr,
                                 sizeof addr, why, sizeof why);
        count(r, r->results[i].change);
        show(r, e, &r->results[i], why);
    }
    r->pending += r->n;
    r->n = 0;
    if (r->pending >= r->batch)
        commit(r);
}

bk_event *ingest_slot(ingest_run *r)
{
    if (r->n == r->cap || r->pending + r->n >= r->batch)
        flush(r);
    return r->stop ? NULL : &r->events[r->n];
}

void ingest_push(ingest_run *r)
{
    r->read++;
    r->n++;
}

int ingest_finish(ingest_run *r)
{
    flush(r);
    commit(r);
    if (r->json) {
        json_t *s = json_pack("{s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
                              "summary", "read", (json_int_t)r->read, "new", (json_int_t)r->added,
                              "duplicates", (json_int_t)r->duplicates, "suppressed",
                              (json_int_t)r->suppressed, "domains", (json_int_t)r->domains,
                              "already", (json_int_t)r->already, "counted",
                              (json_int_t)r->counted, "sender", (json_int_t)r->sender, "cleared",
                              (json_int_t)r->cleared, "invalid", (json_int_t)r->invalid,
                              "skipped", (json_int_t)r->skipped, "malformed",
                              (json_int_t)r->malformed, "notbounces", (json_int_t)r->not_bounces);
        json_dumpf(s, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(s);
    }
    fprintf(stderr,
            "bouncekit: ingest: %llu events read: %llu new, %llu duplicates; %llu newly "
            "suppressed (%llu domains), %llu soft bounces counted, %llu sender problems, "
            "%llu cleared; %llu skipped without a recipient, %llu malformed lines, %llu "
            "invalid addresses\n",
            r->read, r->added, r->duplicates, r->suppressed, r->domains, r->counted, r->sender,
            r->cleared, r->skipped, r->malformed, r->invalid);
    int rc = r->failed ? EXIT_FAIL : r->malformed ? EXIT_USAGE : EXIT_OK;
    if (fflush(stdout) != 0) {
        cli_error("ingest", "standard output: write error");
        rc = EXIT_FAIL;
    }
    free(r->events);
    free(r->results);
    bk_store_close(r->store);
    return rc;
}
