/*
 * test_store_batch.c - bk_store_ingest_batch gives what bk_store_ingest of
 * the same events one at a time, in the order given, gives: the same result
 * for every event and the same store (every entry, every address's history
 * with each event's action, the totals and breakdowns). The events are made
 * to interact: addresses bouncing again and again, soft bounces reaching
 * the count, deliveries that clear, plus-addresses folded into one address,
 * whole domains suppressed by events of many addresses, the same token on
 * events of different addresses (each counts) and of one address (the
 * first counts), events without a token, times in no order,
 * invalid recipients. Batches of several sizes, in transactions of their own
 * and inside one. Without domain actions (no event then joins two
 * addresses, and batch.c keeps the address order it sorted first) the same
 * again, and the whole in one batch.
 *
 * `test_store_batch --pg` runs it on PostgreSQL (BOUNCEKIT_TEST_PG; exit 77
 * without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bouncekit.h"
#include "buf.h"
#include "store_test.h"

#define N_EVENTS 4000
#define T0 1780000000LL
#define DAY 86400LL

static unsigned long long g_seed;

/* rnd - a number below n (a fixed sequence) */
static unsigned rnd(unsigned n)
{
    g_seed = g_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((g_seed >> 33) % n);
}

/* make_events - n events that interact in every way the policy knows */
static void make_events(bk_event *ev, size_t n)
{
    static const char *const REASONS[] = {"userunknown", "hostunknown", "notaccept",  "mailboxfull",
                                          "suspend",     "blocked",     "delivered",  "feedback",
                                          "expired",     "networkerror"};
    g_seed = 42;
    for (size_t i = 0; i < n; i++) {
        bk_event *e = &ev[i];
        memset(e, 0, sizeof *e);
        unsigned user = rnd(150), dom = rnd(12), kind = rnd(10);
        if (rnd(40) == 0)
            snprintf(e->recipient, sizeof e->recipient, "postmaster"); /* invalid */
        else
            snprintf(e->recipient, sizeof e->recipient, "u%u%s@D%u.example", user,
                     rnd(4) == 0 ? "+tag" : "", dom);
        snprintf(e->addresser, sizeof e->addresser, "news@sender%u.example", rnd(3));
        snprintf(e->reason, sizeof e->reason, "%s", REASONS[kind]);
        e->hardbounce = kind <= 2 && rnd(3) != 0;
        e->permanence = kind == 6 ? BK_PERM_SUCCESS : kind >= 3 && kind != 4 ? BK_PERM_TRANSIENT
                                                                              : BK_PERM_PERMANENT;
        if (kind == 7)
            snprintf(e->feedbacktype, sizeof e->feedbacktype, "%s", rnd(2) ? "abuse" : "not-spam");
        snprintf(e->source, sizeof e->source, "jsonl");
        e->time = T0 + (long long)rnd(120) * DAY / 2 + rnd(1000);
        unsigned t = rnd(20);
        if (t == 0 && i > 0) /* the token of an earlier event, maybe another address's */
            memcpy(e->token, ev[rnd((unsigned)i)].token, sizeof e->token);
        else if (t == 3 && i > 0) { /* an earlier event's address and token, other facts:
                                     * which of the two counts is the order's doing */
            const bk_event *o = &ev[rnd((unsigned)i)];
            memcpy(e->recipient, o->recipient, sizeof e->recipient);
            memcpy(e->token, o->token, sizeof e->token);
        }
        else if (t == 1) /* none: the store makes one */
            e->token[0] = '\0';
        else if (t == 2) /* 40 hex digits, as bouncekit makes them */
            snprintf(e->token, sizeof e->token, "%08x%032x", rnd(1u << 30), (unsigned)i);
        else
            snprintf(e->token, sizeof e->token, "t%zu", i);
    }
}

/* the policy: plus-folding, domains from notaccept, deliveries that clear,
 * expiring hard bounces and a shorter soft count, so that every path runs */
static void policy(bk_policy *p)
{
    bk_policy_default(p);
    p->fold_plus = 1;
    p->domain_notaccept = 1;
    p->delivered_clears = 1;
    p->hard_expiry = 60 * DAY;
    p->soft_count = 2;
}

/* result_text - what matters of one result, appended to b */
static void result_text(bk_buf *b, const bk_ingest_result *r)
{
    bk_buf_printf(b, "%s %s %s %s %lld %d %lld\n", bk_change_name(r->change),
                  bk_policy_action_name(r->action), r->address, r->domain, r->time, r->soft_seen,
                  r->expires);
}

/* on_entry - one entry of the list, appended */
static int on_entry(const bk_store_entry *e, void *ctx)
{
    bk_buf_printf(ctx, "%s %d %d %s %s %lld %lld %lld %lld %lld %lld %s\n", e->key, e->domain,
                  e->suppressed, e->reason, e->source, e->created, e->expires, e->first_seen,
                  e->last_seen, e->count, e->cleared, e->note);
    return 0;
}

/* on_event - one event of a history, appended */
static int on_event(const bk_event *e, const char *action, void *ctx)
{
    bk_buf_printf(ctx, "  %s %s %lld %s %s %d %s %s %s\n", e->token, e->recipient, e->time,
                  e->reason, action, e->hardbounce, e->feedbacktype, e->addresser, e->source);
    return 0;
}

/* on_row - one row of the breakdowns, appended */
static int on_row(const char *group, const char *name, const char *detail, long long count,
                  long long last, void *ctx)
{
    bk_buf_printf(ctx, "%s %s %s %lld %lld\n", group, name, detail ? detail : "", count, last);
    return 0;
}

/* store_text - the whole store as text: entries, histories, totals, breakdowns */
static void store_text(bk_store *s, bk_buf *b)
{
    char err[512];
    bk_store_filter f;
    memset(&f, 0, sizeof f);
    f.all = 1;
    f.now = T0 + 100 * DAY;
    bk_buf keys = {0};
    assert_int_equal(bk_store_list(s, &f, on_entry, b, err, sizeof err), 0);
    assert_int_equal(bk_store_list(s, &f, on_entry, &keys, err, sizeof err), 0);
    /* each address's history, after its entry line */
    const char *p = bk_buf_cstr(&keys);
    while (*p) {
        size_t k = strcspn(p, " ");
        char key[BK_ADDR_MAX];
        snprintf(key, sizeof key, "%.*s", (int)k, p);
        int found = 0;
        bk_store_entry en;
        bk_buf_printf(b, "history %s\n", key);
        if (strchr(key, '@'))
            assert_int_equal(bk_store_history(s, key, on_event, b, &en, &found, err, sizeof err), 0);
        p += strcspn(p, "\n");
        p += *p == '\n';
    }
    bk_buf_free(&keys);
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, T0 + 100 * DAY, &st, on_row, b, err, sizeof err), 0);
    bk_buf_printf(b, "%lld %lld %lld %lld %lld\n", st.events, st.addresses, st.suppressed,
                  st.domains, st.sender_problems);
}

/* one_at_a_time - the events through bk_store_ingest, in one transaction */
static void one_at_a_time(bk_store *s, const bk_event *ev, size_t n, bk_buf *results)
{
    char err[512];
    assert_int_equal(bk_store_begin(s, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++) {
        bk_ingest_result r;
        if (bk_store_ingest(s, &ev[i], &r, err, sizeof err) != 0)
            fail_msg("%s", err);
        result_text(results, &r);
    }
    assert_int_equal(bk_store_commit(s, err, sizeof err), 0);
}

/* batched - the events through bk_store_ingest_batch in batches of the
 * sizes given in turn; the second half inside one outer transaction */
static void batched(bk_store *s, const bk_event *ev, size_t n, bk_buf *results)
{
    static const size_t SIZES[] = {1, 7, 500, 64, 1200, 3};
    char err[512];
    bk_ingest_result *r = calloc(n, sizeof *r);
    assert_non_null(r);
    size_t i = 0, turn = 0;
    int outer = 0;
    while (i < n) {
        if (!outer && i >= n / 2) {
            assert_int_equal(bk_store_begin(s, err, sizeof err), 0);
            outer = 1;
        }
        size_t m = SIZES[turn++ % (sizeof SIZES / sizeof SIZES[0])];
        m = m < n - i ? m : n - i;
        if (bk_store_ingest_batch(s, ev + i, m, r + i, err, sizeof err) != 0)
            fail_msg("%s", err);
        i += m;
    }
    assert_int_equal(bk_store_commit(s, err, sizeof err), 0);
    for (i = 0; i < n; i++)
        result_text(results, &r[i]);
    free(r);
}

/* same_text - fail, showing the first line that differs, unless a and b are equal */
static void same_text(const char *what, const bk_buf *a, const bk_buf *b)
{
    const char *x = bk_buf_cstr(a), *y = bk_buf_cstr(b);
    size_t k = 0, start = 0, line = 1;
    for (; x[k] && x[k] == y[k]; k++)
        if (x[k] == '\n') {
            line++;
            start = k + 1;
        }
    if (x[k] || y[k])
        fail_msg("%s differ at line %zu:\n  one at a time: %.*s\n  in batches:    %.*s", what,
                 line, (int)strcspn(x + start, "\n"), x + start, (int)strcspn(y + start, "\n"),
                 y + start);
}

/* all_events - the N_EVENTS events of make_events (freed by the caller) */
static bk_event *all_events(void)
{
    bk_event *ev = calloc(N_EVENTS, sizeof *ev);
    assert_non_null(ev);
    make_events(ev, N_EVENTS);
    return ev;
}

/* open_named - a new store of that name under policy p */
static bk_store *open_named(const char *name, const bk_policy *p)
{
    char err[512];
    bk_store *s = bk_store_open(spec(name), p, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

static void test_batch_same(void **state)
{
    (void)state;
    bk_event *ev = all_events();
    bk_policy p;
    policy(&p);
    bk_store *a = open_named("one", &p), *b = open_named("batched", &p);
    bk_buf ra = {0}, rb = {0}, sa = {0}, sb = {0};
    one_at_a_time(a, ev, N_EVENTS, &ra);
    batched(b, ev, N_EVENTS, &rb);
    same_text("results", &ra, &rb);
    store_text(a, &sa);
    store_text(b, &sb);
    same_text("stores", &sa, &sb);
    /* the events did interact: some of each change */
    const char *changes[] = {"duplicate", "suppressed", "already", "counted",
                             "sender",    "domain",     "cleared", "invalid"};
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        if (!strstr(bk_buf_cstr(&ra), changes[i]))
            fail_msg("no event was %s", changes[i]);
    /* the same events again: all duplicates, nothing changes */
    bk_buf again = {0}, sb2 = {0};
    batched(b, ev, N_EVENTS, &again);
    store_text(b, &sb2);
    same_text("stores after ingesting again", &sb, &sb2);
    bk_buf_free(&ra);
    bk_buf_free(&rb);
    bk_buf_free(&sa);
    bk_buf_free(&sb);
    bk_buf_free(&again);
    bk_buf_free(&sb2);
    bk_store_close(a);
    bk_store_close(b);
    free(ev);
}

/* without domain actions no event joins two addresses, and a batch is put
 * in address order at once (batch.c): the same results and store as one at
 * a time, and as the whole in one batch, with the invalid recipients
 * among them */
static void test_batch_no_domain(void **state)
{
    (void)state;
    bk_event *ev = all_events();
    bk_policy p;
    policy(&p);
    p.domain_notaccept = 0;
    p.domain_hostunknown = 0;
    bk_store *a = open_named("one_nodom", &p), *b = open_named("batched_nodom", &p),
             *c = open_named("whole_nodom", &p);
    char err[512];
    bk_buf ra = {0}, rb = {0}, sa = {0}, sb = {0}, sc = {0};
    one_at_a_time(a, ev, N_EVENTS, &ra);
    batched(b, ev, N_EVENTS, &rb);
    same_text("results", &ra, &rb);
    bk_ingest_result *r = calloc(N_EVENTS, sizeof *r);
    assert_non_null(r);
    if (bk_store_ingest_batch(c, ev, N_EVENTS, r, err, sizeof err) != 0)
        fail_msg("%s", err);
    free(r);
    store_text(a, &sa);
    store_text(b, &sb);
    store_text(c, &sc);
    same_text("stores", &sa, &sb);
    same_text("stores (one batch)", &sa, &sc);
    if (strstr(bk_buf_cstr(&ra), "domain "))
        fail_msg("an event was a domain action");
    if (!strstr(bk_buf_cstr(&ra), "invalid"))
        fail_msg("no event was invalid");
    bk_buf_free(&ra);
    bk_buf_free(&rb);
    bk_buf_free(&sa);
    bk_buf_free(&sb);
    bk_buf_free(&sc);
    bk_store_close(a);
    bk_store_close(b);
    bk_store_close(c);
    free(ev);
}

int main(int argc, char **argv)
{
    if (pg_wanted(argc, argv) == 77)
        return 77;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_batch_same),
                                       cmocka_unit_test(test_batch_no_domain)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
