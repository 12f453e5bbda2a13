/*
 * test_store.c - the suppression list: address normalisation (IDN, plus
 * folding), the policy's table of cases, the JSON event parser, the SQLite
 * store (ingest, idempotence, soft counting, domains, sender problems,
 * manual entries, the allow-list, the lookup snapshot, one snapshot shared
 * by many handles and rebuilt off their path), the migration of a
 * version-1 database made by hand, and foreign or corrupt files.
 *
 * `test_store --pg` runs the store's tests on PostgreSQL instead, each in a
 * fresh database of the server named by BOUNCEKIT_TEST_PG (tests/pg/start.sh;
 * exit 77, skipped, without it), and with them what only a shared server
 * has: hosts migrating a new database at once, and the database going away
 * under an open handle (a private server of its own, stopped and started
 * again: calls fail fast with a clear error, a batch cut off is not
 * committed, and the same handle recovers by itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sqlite_internal.h"

#include "bouncekit.h"

#include "store_test.h"

/* the schema version of each backend (sqlite_internal.h, pg_store.c) */
#define SCHEMA_SQLITE 4
#define SCHEMA_PG 3

/* norm - normalise s; the result, or "ERR" */
static const char *norm(const char *s, int fold)
{
    static char out[BK_ADDR_MAX];
    char err[128];
    if (bk_address_normalize(s, strlen(s), fold, out, sizeof out, err, sizeof err) != 0)
        return "ERR";
    return out;
}

static void test_normalize(void **state)
{
    (void)state;
    assert_string_equal(norm("  <Jane.Doe@Example.COM>  ", 0), "Jane.Doe@example.com");
    assert_string_equal(norm("jane@example.com.", 0), "jane@example.com");
    assert_string_equal(norm("user@Bücher.Example", 0), "user@xn--bcher-kva.example");
    assert_string_equal(norm("user@xn--bcher-kva.example", 0), "user@xn--bcher-kva.example");
    assert_string_equal(norm("jane+news@example.com", 0), "jane+news@example.com");
    assert_string_equal(norm("jane+news@example.com", 1), "jane@example.com");
    assert_string_equal(norm("+only@example.com", 1), "+only@example.com");
    assert_string_equal(norm("\"a@b\"@example.com", 0), "\"a@b\"@example.com");
    assert_string_equal(norm("user@[192.0.2.1]", 0), "user@[192.0.2.1]");
    assert_string_equal(norm("nobody", 0), "ERR");
    assert_string_equal(norm("@example.com", 0), "ERR");
    assert_string_equal(norm("jane@", 0), "ERR");
    /* quoted only when it must be: Postfix's external form (logs, table
     * lookups) and its internal form (policy requests) are one address */
    assert_string_equal(norm("\"front desk\"@Example.com", 0), "\"front desk\"@example.com");
    assert_string_equal(norm("front desk@example.com", 0), "\"front desk\"@example.com");
    assert_string_equal(norm("\"jane\"@example.com", 0), "jane@example.com");
    assert_string_equal(norm("\"jane.doe\"@example.com", 0), "jane.doe@example.com");
    assert_string_equal(norm("john..doe@example.com", 0), "\"john..doe\"@example.com");
    assert_string_equal(norm(".jane@example.com", 0), "\".jane\"@example.com");
    assert_string_equal(norm("jane.@example.com", 0), "\"jane.\"@example.com");
    assert_string_equal(norm("\"a\\\"b\"@example.com", 0), "\"a\\\"b\"@example.com");
    assert_string_equal(norm("\"a\\\\b\"@example.com", 0), "\"a\\\\b\"@example.com");
    assert_string_equal(norm("\"a\\b\"@example.com", 0), "ab@example.com");
    assert_string_equal(norm("\"jane+news\"@example.com", 1), "jane@example.com");
    assert_string_equal(norm("\"j ane+news\"@example.com", 1), "\"j ane\"@example.com");
    assert_string_equal(norm("jürgen@example.com", 0), "jürgen@example.com");
    assert_string_equal(norm("\"ja ne@example.com", 0), "ERR");
    assert_string_equal(norm("ja\"ne@example.com", 0), "ERR");
    assert_string_equal(norm("\"\"@example.com", 0), "ERR");
    assert_string_equal(norm("\"ja\tne\"@example.com", 0), "ERR");
    char longest[80] = "\"";
    memset(longest + 1, 'a', 63);
    memcpy(longest + 64, " \"@example.com", 15);
    assert_string_equal(norm(longest + 1, 0), "ERR"); /* no opening quote */
    char want[80] = "\"";
    memset(want + 1, 'a', 63);
    memcpy(want + 64, " \"@example.com", 15);
    assert_string_equal(norm(longest, 0), want);      /* 64 bytes of text, quoted */
    longest[1] = 'b';
    memmove(longest + 2, longest + 1, strlen(longest + 1) + 1);
    assert_string_equal(norm(longest, 0), "ERR");     /* 65 */
    assert_string_equal(norm("jane@exa mple.com", 0), "ERR");
    assert_string_equal(norm("jane@bad..example", 0), "ERR");
    assert_string_equal(norm("jane@\xff\xfe.example", 0), "ERR");
    char out[64], err[128];
    assert_int_equal(bk_domain_normalize("@Example.ORG", 12, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "example.org");
    assert_int_equal(bk_domain_normalize("*@münchen.de", strlen("*@münchen.de"), out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "xn--mnchen-3ya.de");
}

/* ev - an event */
static bk_event ev(const char *rcpt, const char *reason, int hard, bk_permanence perm,
                   const char *feedback, const char *outcome, long long t, const char *token)
{
    bk_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.recipient, sizeof e.recipient, "%s", rcpt);
    snprintf(e.addresser, sizeof e.addresser, "news@Sender.example");
    snprintf(e.reason, sizeof e.reason, "%s", reason);
    e.hardbounce = hard;
    e.permanence = perm;
    snprintf(e.feedbacktype, sizeof e.feedbacktype, "%s", feedback);
    snprintf(e.outcome, sizeof e.outcome, "%s", outcome);
    snprintf(e.source, sizeof e.source, "jsonl");
    e.time = t;
    snprintf(e.token, sizeof e.token, "%s", token);
    return e;
}

static void test_policy_table(void **state)
{
    (void)state;
    static const struct {
        const char *reason;
        int hard;
        bk_permanence perm;
        const char *feedback, *outcome;
        bk_policy_action want;
    } CASES[] = {
        {"userunknown", 1, BK_PERM_PERMANENT, "", "", BK_POLICY_SUPPRESS},
        {"hasmoved", 1, BK_PERM_PERMANENT, "", "", BK_POLICY_SUPPRESS},
        {"hostunknown", 1, BK_PERM_PERMANENT, "", "", BK_POLICY_DOMAIN},
        {"notaccept", 1, BK_PERM_PERMANENT, "", "", BK_POLICY_SUPPRESS},
        {"userunknown", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_SOFT},
        {"mailboxfull", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_SOFT},
        {"mailboxfull", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SOFT},
        {"suspend", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SOFT},
        {"expired", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_SOFT},
        {"feedback", 0, BK_PERM_UNKNOWN, "abuse", "", BK_POLICY_COMPLAINT},
        {"feedback", 0, BK_PERM_UNKNOWN, "fraud", "", BK_POLICY_COMPLAINT},
        {"feedback", 0, BK_PERM_UNKNOWN, "opt-out", "", BK_POLICY_COMPLAINT},
        {"feedback", 0, BK_PERM_UNKNOWN, "not-spam", "", BK_POLICY_RECORD},
        {"feedback", 0, BK_PERM_UNKNOWN, "", "", BK_POLICY_COMPLAINT},
        {"authfailure", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"blocked", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"badreputation", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_SENDER},
        {"requireptr", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"policyviolation", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"spamdetected", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"securityerror", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SENDER},
        {"toomanyconn", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_SENDER},
        {"delivered", 0, BK_PERM_SUCCESS, "", "delivered", BK_POLICY_RECORD},
        {"mailboxfull", 0, BK_PERM_TRANSIENT, "", "deferred", BK_POLICY_RECORD},
        {"userunknown", 1, BK_PERM_PERMANENT, "", "rejected", BK_POLICY_RECORD},
        {"userunknown", 1, BK_PERM_PERMANENT, "", "bounced", BK_POLICY_SUPPRESS},
        {"vacation", 0, BK_PERM_SUCCESS, "", "", BK_POLICY_RECORD},
        {"networkerror", 0, BK_PERM_TRANSIENT, "", "", BK_POLICY_RECORD},
        {"suppressed", 0, BK_PERM_PERMANENT, "", "", BK_POLICY_SUPPRESS},
    };
    bk_policy p;
    bk_policy_default(&p);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        bk_event e = ev("a@example.com", CASES[i].reason, CASES[i].hard, CASES[i].perm,
                        CASES[i].feedback, CASES[i].outcome, 1, "t");
        bk_policy_action got = bk_policy_decide(&p, &e);
        if (got != CASES[i].want)
            fail_msg("case %zu (%s): %s, want %s", i, CASES[i].reason, bk_policy_action_name(got),
                     bk_policy_action_name(CASES[i].want));
    }
    char err[128];
    assert_int_equal(bk_policy_set(&p, "domain-notaccept", "yes", err, sizeof err), 0);
    assert_int_equal(bk_policy_set(&p, "delivered-clears", "on", err, sizeof err), 0);
    bk_event e = ev("a@example.com", "notaccept", 1, BK_PERM_PERMANENT, "", "", 1, "t");
    assert_int_equal(bk_policy_decide(&p, &e), BK_POLICY_DOMAIN);
    e = ev("a@example.com", "delivered", 0, BK_PERM_SUCCESS, "", "", 1, "t");
    assert_int_equal(bk_policy_decide(&p, &e), BK_POLICY_CLEAR);
    assert_int_equal(bk_policy_set(&p, "soft-reasons", "mailboxfull, systemfull", err, sizeof err), 0);
    e = ev("a@example.com", "suspend", 0, BK_PERM_PERMANENT, "", "", 1, "t");
    assert_int_equal(bk_policy_decide(&p, &e), BK_POLICY_RECORD);
    assert_int_equal(bk_policy_set(&p, "soft-reasons", "nosuchreason", err, sizeof err), -1);
    assert_int_equal(bk_policy_set(&p, "soft-window", "never", err, sizeof err), -1);
    assert_int_equal(bk_policy_set(&p, "soft-count", "0", err, sizeof err), -1);
    assert_int_equal(bk_policy_set(&p, "bogus", "1", err, sizeof err), -1);
    assert_int_equal(bk_duration_parse("14d"), 14 * 86400);
    assert_int_equal(bk_duration_parse("never"), 0);
    assert_int_equal(bk_duration_parse("3x"), -1);
}

static void test_event_json(void **state)
{
    (void)state;
    bk_event e;
    char err[256];
    const char *line = "{\"recipient\":\"Jane@Example.com\",\"reason\":\"userunknown\","
                       "\"hardbounce\":true,\"permanence\":\"permanent\",\"status\":\"5.1.1\","
                       "\"replycode\":550,\"timestamp\":\"2026-01-02T03:04:05+09:00\","
                       "\"decodedby\":\"rfc3464\",\"token\":\"abc\"}";
    assert_int_equal(bk_event_from_json(line, strlen(line), &e, err, sizeof err), 0);
    assert_string_equal(e.recipient, "Jane@Example.com");
    assert_int_equal(e.hardbounce, 1);
    assert_int_equal(e.replycode, 550);
    assert_int_equal(e.time, 1767290645);
    assert_string_equal(e.source, "decode");
    assert_string_equal(e.token, "abc");
    line = "{\"recipient\":\"a@b.example\",\"reason\":\"mailboxfull\",\"outcome\":\"deferred\",\"token\":\"t1\"}";
    assert_int_equal(bk_event_from_json(line, strlen(line), &e, err, sizeof err), 0);
    assert_string_equal(e.token, "t1/deferred");
    assert_string_equal(e.source, "logs");
    line = "{\"recipient\":\"a@b.example\",\"reason\":\"mailboxfull\"}";
    assert_int_equal(bk_event_from_json(line, strlen(line), &e, err, sizeof err), 0);
    assert_int_equal(strlen(e.token), 40);
    line = "{\"reason\":\"blocked\",\"hardbounce\":false}";
    assert_int_equal(bk_event_from_json(line, strlen(line), &e, err, sizeof err), 1);
    static const char *const BAD[] = {
        "not json", "[1,2]", "{\"recipient\":5,\"reason\":\"blocked\"}",
        "{\"recipient\":\"a@b.c\",\"reason\":\"nonsense\"}", "{\"recipient\":\"a@b.c\"}",
        "{\"recipient\":\"a@b.c\",\"reason\":\"blocked\",\"timestamp\":\"yesterday\"}",
        "{\"recipient\":\"a@b.c\",\"reason\":\"blocked\",\"hardbounce\":\"yes\"}",
        "{\"recipient\":\"a\\u0000b@c.d\",\"reason\":\"blocked\"}"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        if (bk_event_from_json(BAD[i], strlen(BAD[i]), &e, err, sizeof err) != -1)
            fail_msg("accepted: %s", BAD[i]);
}

/* ingest - one event; the change */
static bk_change ingest(bk_store *s, bk_event e, bk_ingest_result *res)
{
    char err[256];
    bk_ingest_result r;
    assert_int_equal(bk_store_ingest(s, &e, res ? res : &r, err, sizeof err), 0);
    return (res ? res : &r)->change;
}

/* bounce - one bounce of RCPT for REASON at T with TOKEN (a hard bounce
 * permanent, any other transient), no outcome; the change */
static bk_change bounce(bk_store *s, const char *rcpt, const char *reason, int hard, long long t,
                        const char *token)
{
    return ingest(s, ev(rcpt, reason, hard, hard ? BK_PERM_PERMANENT : BK_PERM_TRANSIENT, "", "", t, token), NULL);
}

/* checked - 1 suppressed, 0 may send, 2 allowed */
static int checked(bk_store *s, const char *addr, long long now)
{
    bk_check_result r;
    char err[256];
    assert_int_equal(bk_store_check(s, addr, now, &r, err, sizeof err), 0);
    return r.suppressed ? 1 : r.allowed ? 2 : 0;
}

static int count_entry(const bk_store_entry *e, void *ctx)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int count_event(const bk_event *e, const char *action, void *ctx)
{
    (void)e;
    (void)action;
    (*(int *)ctx)++;
    return 0;
}

static void test_store_policy(void **state)
{
    (void)state;
    char err[512];
    bk_store *s = bk_store_open(spec("policy"), NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    const long long T = 1780000000, D = 86400;
    /* a hard bounce, and the same event again */
    assert_int_equal(bounce(s, "<Bob@Example.net>", "userunknown", 1, T, "h1"), BK_CHANGE_SUPPRESSED);
    assert_int_equal(bounce(s, "Bob@EXAMPLE.net", "userunknown", 1, T, "h1"), BK_CHANGE_DUPLICATE);
    assert_int_equal(bounce(s, "Bob@example.net", "userunknown", 1, T + 5, "h2"), BK_CHANGE_ALREADY);
    assert_int_equal(checked(s, "bob@example.NET", T), 0); /* the local part keeps its case */
    assert_int_equal(checked(s, "Bob@EXAMPLE.net", T), 1);
    /* soft bounces: 3 within 14 days suppress for 30 days */
    bk_ingest_result r;
    assert_int_equal(ingest(s, ev("carol@example.net", "mailboxfull", 0, BK_PERM_TRANSIENT, "", "", T, "s1"), &r), BK_CHANGE_COUNTED);
    assert_int_equal(r.soft_seen, 1);
    assert_int_equal(ingest(s, ev("carol@example.net", "mailboxfull", 0, BK_PERM_TRANSIENT, "", "", T + 20 * D, "s2"), &r), BK_CHANGE_COUNTED);
    assert_int_equal(r.soft_seen, 1); /* the first fell out of the window */
    assert_int_equal(bounce(s, "carol@example.net", "mailboxfull", 0, T + 21 * D, "s3"), BK_CHANGE_COUNTED);
    assert_int_equal(ingest(s, ev("carol@example.net", "suspend", 0, BK_PERM_PERMANENT, "", "", T + 22 * D, "s4"), &r), BK_CHANGE_SUPPRESSED);
    assert_int_equal(r.expires, T + 22 * D + 30 * D);
    assert_int_equal(checked(s, "carol@example.net", T + 23 * D), 1);
    assert_int_equal(checked(s, "carol@example.net", T + 53 * D), 0); /* expired */
    /* sender problems never touch the recipient */
    assert_int_equal(ingest(s, ev("dave@example.org", "blocked", 0, BK_PERM_PERMANENT, "", "", T, "b1"), &r), BK_CHANGE_SENDER);
    assert_string_equal(r.domain, "sender.example");
    assert_int_equal(checked(s, "dave@example.org", T), 0);
    /* complaints */
    assert_int_equal(ingest(s, ev("erin@example.org", "feedback", 0, BK_PERM_UNKNOWN, "abuse", "", T, "c1"), NULL), BK_CHANGE_SUPPRESSED);
    /* a domain that does not exist */
    assert_int_equal(bounce(s, "x@nxdomain.example", "hostunknown", 1, T, "d1"), BK_CHANGE_DOMAIN);
    bk_check_result cr;
    assert_int_equal(bk_store_check(s, "other@NXDOMAIN.example", T + D, &cr, err, sizeof err), 0);
    assert_true(cr.suppressed);
    assert_true(cr.by_domain);
    /* invalid recipients are refused, not stored */
    assert_int_equal(bounce(s, "postmaster", "userunknown", 1, T, "i1"), BK_CHANGE_INVALID);
    assert_int_equal(bk_store_check(s, "not an address", T, &cr, err, sizeof err), 1);
    /* the allow-list beats everything */
    assert_int_equal(bk_store_allow(s, "Bob@example.net", "seed", err, sizeof err), 0);
    assert_int_equal(checked(s, "Bob@example.net", T), 2);
    assert_int_equal(bk_store_allow(s, "@nxdomain.example", NULL, err, sizeof err), 0);
    assert_int_equal(checked(s, "other@nxdomain.example", T), 2);
    assert_int_equal(bk_store_disallow(s, "Bob@example.net", err, sizeof err), 1);
    assert_int_equal(bk_store_disallow(s, "Bob@example.net", err, sizeof err), 0);
    assert_int_equal(checked(s, "Bob@example.net", T), 1);
    /* manual entries never expire unless told; remove lifts them */
    bk_store_entry m;
    memset(&m, 0, sizeof m);
    assert_int_equal(bk_store_add(s, "frank@example.com", &m, err, sizeof err), 0);
    assert_int_equal(checked(s, "frank@example.com", T + 3650 * D), 1);
    assert_int_equal(bk_store_remove(s, "frank@example.com", err, sizeof err), 1);
    assert_int_equal(bk_store_remove(s, "frank@example.com", err, sizeof err), 0);
    assert_int_equal(checked(s, "frank@example.com", 0), 0);
    /* a policy event does not shorten a manual entry */
    assert_int_equal(bk_store_add(s, "gina@example.com", &m, err, sizeof err), 0);
    assert_int_equal(bounce(s, "gina@example.com", "mailboxfull", 0, T, "g1"), BK_CHANGE_ALREADY);
    /* list, filter, paging, history */
    bk_store_filter f;
    memset(&f, 0, sizeof f);
    f.now = T + D;
    int n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 6); /* nxdomain.example, bob, erin, x@nxdomain, gina, carol */
    f.limit = 2;
    f.offset = 5;
    n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    memset(&f, 0, sizeof f);
    f.now = T + D;
    f.domain = "EXAMPLE.net";
    n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 2); /* Bob, carol */
    int found = 0;
    n = 0;
    bk_store_entry he;
    assert_int_equal(bk_store_history(s, "carol@example.net", count_event, &n, &he, &found, err, sizeof err), 0);
    assert_int_equal(found, 1);
    assert_int_equal(n, 4);
    assert_int_equal(he.count, 4);
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, T + D, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.schema, g_pg ? SCHEMA_PG : SCHEMA_SQLITE);
    assert_int_equal(st.sender_problems, 1);
    assert_int_equal(st.domains, 1);
    /* a token is known per address: another address's event with it counts
     * (one provider id for a message to many recipients) */
    long long events = st.events;
    assert_int_equal(bounce(s, "bob@example.net", "userunknown", 1, T, "h1"), BK_CHANGE_SUPPRESSED);
    assert_int_equal(bounce(s, "bob@example.net", "userunknown", 1, T, "h1"), BK_CHANGE_DUPLICATE);
    assert_int_equal(bounce(s, "Bob@example.net", "userunknown", 1, T, "h1"), BK_CHANGE_DUPLICATE);
    assert_int_equal(bk_store_stats_get(s, T + D, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.events, events + 1);
    bk_store_close(s);
}

/* suppress_many - n suppressed addresses user<I>@example.com through s */
static void suppress_many(bk_store *s, int n)
{
    char err[512], a[64], tok[16];
    assert_int_equal(bk_store_begin(s, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        snprintf(a, sizeof a, "user%d@example.com", i);
        snprintf(tok, sizeof tok, "t%d", i);
        ingest(s, ev(a, "userunknown", 1, BK_PERM_PERMANENT, "", "", 1780000000, tok), NULL);
    }
    assert_int_equal(bk_store_commit(s, err, sizeof err), 0);
}

static int g_fake_domains; /* suppressed domains d<I>.example of the fake backend */
static int g_fake_allowed; /* its allow-list keys: a<I>@y.example, @a<I>.example */

/* fake_keys - keys_each of a backend of 20,000 suppressed addresses
 * k<I>@x.example and g_fake_domains domains */
static int fake_keys(void *db, void (*fn)(const char *key, int domain, void *ctx), void *ctx,
                     char *err, size_t errlen)
{
    (void)db;
    (void)err;
    (void)errlen;
    char k[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "k%d@x.example", i);
        fn(k, 0, ctx);
    }
    for (int i = 0; i < g_fake_domains; i++) {
        snprintf(k, sizeof k, "d%d.example", i);
        fn(k, 1, ctx);
    }
    return 0;
}

/* fake_allow - allow_each of that backend: g_fake_allowed keys */
static int fake_allow(void *db, int (*fn)(const char *, const char *, long long, void *),
                      void *ctx, char *err, size_t errlen)
{
    (void)db;
    (void)err;
    (void)errlen;
    char k[64];
    for (int i = 0; i < g_fake_allowed; i++) {
        snprintf(k, sizeof k, i % 2 ? "a%d@y.example" : "@a%d.example", i);
        fn(k, "", 0, ctx);
    }
    return 0;
}

/* fake_snapshot - a snapshot of the fake backend with that many domains and
 * allow-list keys (and its 20,000 addresses) */
static bk_snapshot *fake_snapshot(int domains, int allowed)
{
    bk_store_backend be;
    memset(&be, 0, sizeof be);
    be.keys_each = fake_keys;
    be.allow_each = fake_allow;
    g_fake_domains = domains;
    g_fake_allowed = allowed;
    char err[256];
    return bk_snapshot_build(&be, NULL, err, sizeof err);
}

/* the filter itself: every key in it says "maybe", and few others do */
static void test_snapshot_filter(void **state)
{
    (void)state;
    char k[64];
    bk_snapshot *sn = fake_snapshot(0, 0);
    assert_non_null(sn);
    int wrong = 0, other = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "k%d@x.example", i);
        assert_int_equal(bk_snapshot_maybe(sn, k, 0), 1);
        other += bk_snapshot_maybe(sn, k, 1) + bk_snapshot_maybe(sn, k, 2);
    }
    /* no domain and no allow-list key: their filter is empty and says no */
    assert_int_equal(other, 0);
    for (int i = 0; i < 100000; i++) {
        snprintf(k, sizeof k, "n%d@x.example", i);
        wrong += bk_snapshot_maybe(sn, k, 0);
    }
    /* 12.8 bits a key: about 0.5 % false positives; 1 % would be a fault */
    assert_true(wrong < 1400);
    bk_snapshot_free(sn);
}

/* the domains and the allow-list, in a filter of their own: each says
 * "maybe" under its own kind only, and few others do */
static void test_snapshot_kinds(void **state)
{
    (void)state;
    char k[64];
    bk_snapshot *sn = fake_snapshot(500, 300);
    assert_non_null(sn);
    int wrong = 0;
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "d%d.example", i);
        assert_int_equal(bk_snapshot_maybe(sn, k, 1), 1);
        wrong += bk_snapshot_maybe(sn, k, 0) + bk_snapshot_maybe(sn, k, 2);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(k, sizeof k, i % 2 ? "a%d@y.example" : "@a%d.example", i);
        assert_int_equal(bk_snapshot_maybe(sn, k, 2), 1);
        wrong += bk_snapshot_maybe(sn, k, 1);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "k%d@x.example", i);
        assert_int_equal(bk_snapshot_maybe(sn, k, 0), 1);
        wrong += bk_snapshot_maybe(sn, k, 1) + bk_snapshot_maybe(sn, k, 2);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "n%d.example", i);
        wrong += bk_snapshot_maybe(sn, k, 1);
    }
    /* at least 12 bits a key: under 0.6 % of 61,600 tests; 1 % would be a fault */
    assert_true(wrong < 616);
    bk_snapshot_free(sn);
    g_fake_domains = g_fake_allowed = 0;
}

static void test_snapshot(void **state)
{
    (void)state;
    char err[512], a[64], where[512];
    snprintf(where, sizeof where, "%s", spec("snap"));
    bk_store *s = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(s);
    suppress_many(s, 500);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 1000; i++) {
            snprintf(a, sizeof a, "user%d@example.com", i);
            assert_int_equal(checked(s, a, 0), i < 500);
        }
    /* a change through this handle shows at once */
    bk_store_entry m;
    memset(&m, 0, sizeof m);
    assert_int_equal(bk_store_add(s, "user900@example.com", &m, err, sizeof err), 0);
    assert_int_equal(checked(s, "user900@example.com", 0), 1);
    /* a change through another connection shows too */
    bk_store *o = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(bk_store_add(o, "user901@example.com", &m, err, sizeof err), 0);
    bk_store_close(o);
    struct timespec pause = {0, 20000000};
    nanosleep(&pause, NULL);
    assert_int_equal(checked(s, "user901@example.com", 0), 1);
    /* the allow-list, and a whole domain, through this handle and another */
    assert_int_equal(bk_store_allow(s, "user5@example.com", "", err, sizeof err), 0);
    assert_int_equal(checked(s, "user5@example.com", 0), 2);
    assert_int_equal(checked(s, "user6@example.com", 0), 1);
    o = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(bk_store_allow(o, "user7@example.com", "", err, sizeof err), 0);
    assert_int_equal(bk_store_add(o, "@example.org", &m, err, sizeof err), 0);
    bk_store_close(o);
    nanosleep(&pause, NULL);
    assert_int_equal(checked(s, "user7@example.com", 0), 2);
    assert_int_equal(checked(s, "user8@example.com", 0), 1);
    assert_int_equal(checked(s, "anyone@example.org", 0), 1);
    assert_int_equal(checked(s, "user600@example.com", 0), 0);
    bk_store_close(s);
}

/* the lookup cache: handles share one snapshot, built by the cache's
 * thread; a write reported by one handle is seen by every other at once,
 * while the snapshot they hold does not have it yet (the builder is held) */
static void test_lookup_cache(void **state)
{
    (void)state;
    char err[512], a[64], where[512];
    snprintf(where, sizeof where, "%s", spec("cache"));
    bk_store *w = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(w);
    suppress_many(w, 500);
    bk_lookup_cache *c = bk_lookup_cache_new(where, NULL, err, sizeof err);
    assert_non_null(c);
    bk_store *r = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(bk_store_share_lookups(w, c), 0);
    assert_int_equal(bk_store_share_lookups(r, c), 0);
    bk_lookup_cache_wait(c);
    for (int i = 0; i < 1000; i++) {
        snprintf(a, sizeof a, "user%d@example.com", i);
        assert_int_equal(checked(r, a, 0), i < 500);
    }
    /* from here the snapshot r holds is the one built above; r goes idle
     * between checks, as a service's handles do between requests (a run of
     * lookups may share one read transaction for a few milliseconds) */
    bk_lookup_cache_hold(c, 1);
    bk_store_entry m;
    memset(&m, 0, sizeof m);
    assert_int_equal(bk_store_add(w, "user900@example.com", &m, err, sizeof err), 0);
    bk_store_lookups_sync(w);
    bk_store_idle(r);
    assert_int_equal(checked(r, "user900@example.com", 0), 1);
    assert_int_equal(bk_store_remove(w, "user3@example.com", err, sizeof err), 1);
    bk_store_lookups_sync(w);
    bk_store_idle(r);
    assert_int_equal(checked(r, "user3@example.com", 0), 0);
    assert_int_equal(bk_store_allow(w, "user5@example.com", "", err, sizeof err), 0);
    bk_store_lookups_sync(w);
    bk_store_idle(r);
    assert_int_equal(checked(r, "user5@example.com", 0), 2);
    assert_int_equal(bk_store_add(w, "@example.org", &m, err, sizeof err), 0);
    bk_store_lookups_sync(w);
    bk_store_idle(r);
    assert_int_equal(checked(r, "anyone@example.org", 0), 1);
    /* a write not reported is counted by the writer's own next check */
    assert_int_equal(bk_store_add(w, "user901@example.com", &m, err, sizeof err), 0);
    assert_int_equal(checked(w, "user901@example.com", 0), 1);
    bk_store_idle(r);
    assert_int_equal(checked(r, "user901@example.com", 0), 1);
    /* the rebuilt snapshot has them all */
    bk_lookup_cache_hold(c, 0);
    bk_lookup_cache_wait(c);
    int want[6] = {1, 1, 0, 2, 1, 0};
    const char *who[6] = {"user900@example.com", "user901@example.com", "user3@example.com",
                          "user5@example.com",   "anyone@example.org",  "user902@example.com"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(checked(r, who[i], 0), want[i]);
    /* another connection's commit: the builder's next look at the
     * backend's generation counts it (waited for, up to 10 s) */
    bk_store *o = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(bk_store_add(o, "user902@example.com", &m, err, sizeof err), 0);
    bk_store_close(o);
    struct timespec pause = {0, 10000000};
    int seen = 0;
    for (int k = 0; k < 1000 && !seen; k++) {
        bk_store_idle(r);
        if (!(seen = checked(r, "user902@example.com", 0)))
            nanosleep(&pause, NULL);
    }
    assert_int_equal(seen, 1);
    bk_store_close(r);
    bk_store_close(w);
    bk_lookup_cache_free(c);
}

/* open_migrated - open an old file of the migration tests (two events, of
 * which ann@example.com's suppressed it): it is at today's version */
static bk_store *open_migrated(const char *name)
{
    char err[512];
    bk_store *s = bk_store_open(path_in(name), NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, 1700000001, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.schema, SCHEMA_SQLITE);
    assert_int_equal(st.events, 2);
    assert_int_equal(st.suppressed, 1);
    assert_int_equal(checked(s, "ann@example.com", 0), 1);
    return s;
}

static const char *first(sqlite3 *db, const char *sql);

static void test_migrate_v1(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path_in("v1.db"), &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE schema_version(version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES(1);"
        "CREATE TABLE events(id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE,"
        " address TEXT NOT NULL, time INTEGER NOT NULL, source TEXT NOT NULL, origin TEXT,"
        " reason TEXT NOT NULL, hardbounce INTEGER NOT NULL DEFAULT 0, permanence TEXT,"
        " status TEXT, replycode INTEGER, feedbacktype TEXT);"
        "CREATE INDEX events_address ON events(address, time);"
        "CREATE TABLE addresses(address TEXT PRIMARY KEY, suppressed INTEGER NOT NULL DEFAULT 0,"
        " reason TEXT, first_seen INTEGER, last_seen INTEGER, count INTEGER NOT NULL DEFAULT 0,"
        " expires INTEGER, source TEXT, note TEXT) WITHOUT ROWID;"
        "INSERT INTO events VALUES(1, 'old1', 'ann@example.com', 1700000000, 'decode', 'a.eml',"
        " 'userunknown', 1, 'permanent', '5.1.1', 550, NULL);"
        "INSERT INTO events VALUES(2, 'old2', 'ben@example.com', 1700000000, 'decode', 'b.eml',"
        " 'mailboxfull', 0, 'transient', '4.2.2', 452, NULL);"
        "INSERT INTO addresses VALUES('ann@example.com', 1, 'userunknown', 1700000000,"
        " 1700000000, 1, NULL, NULL, 'kept');";
    assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[512];
    bk_store *s = open_migrated("v1.db");
    /* the domain column was filled, and the old events got their policy action */
    bk_store_filter f;
    memset(&f, 0, sizeof f);
    f.domain = "example.com";
    int n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    bk_ingest_result r;
    ingest(s, ev("ben@example.com", "mailboxfull", 0, BK_PERM_TRANSIENT, "", "", 1700000100, "new1"), &r);
    assert_int_equal(r.soft_seen, 2);
    bk_store_close(s);
    /* opening again changes nothing */
    s = bk_store_open(path_in("v1.db"), NULL, err, sizeof err);
    assert_non_null(s);
    bk_store_close(s);
    /* the file keeps its page size (4 KB, as sqlite3_open made it); a new
     * store's pages are SQ_PAGE_SIZE bytes */
    s = bk_store_open(path_in("new.db"), NULL, err, sizeof err);
    assert_non_null(s);
    bk_store_close(s);
    sqlite3 *v1db, *newdb;
    assert_int_equal(sqlite3_open(path_in("v1.db"), &v1db), SQLITE_OK);
    assert_int_equal(sqlite3_open(path_in("new.db"), &newdb), SQLITE_OK);
    char ps[32];
    snprintf(ps, sizeof ps, "%s", first(v1db, "PRAGMA page_size"));
    assert_string_equal(ps, "4096");
    snprintf(ps, sizeof ps, "%s", first(newdb, "PRAGMA page_size"));
    assert_string_equal(ps, SQ_STR(SQ_PAGE_SIZE));
    sqlite3_close(v1db);
    sqlite3_close(newdb);
}

/* first - the first column of the first row of sql, as text ("" for none) */
static const char *first(sqlite3 *db, const char *sql)
{
    static char buf[512];
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    const unsigned char *t = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "");
    sqlite3_finalize(q);
    return buf;
}

/* token_of - history callback: the token of the first event */
static int token_of(const bk_event *e, const char *action, void *ctx)
{
    (void)action;
    snprintf(ctx, BK_TOKEN_MAX, "%s", e->token);
    return 1;
}

/* make_old - a file of an older schema version (the real migrations
 * stopped there) holding rows; checked by check_sql giving expect first;
 * the file stays open as *db for more checks */
static void make_old(const char *name, int version, const char *rows, const char *check_sql,
                     const char *expect, sqlite3 **db)
{
    char err[512];
    if (sq_schema_make(path_in(name), version, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(sqlite3_open(path_in(name), db), SQLITE_OK);
    assert_string_equal(first(*db, check_sql), expect);
    assert_int_equal(sqlite3_exec(*db, rows, NULL, NULL, NULL), SQLITE_OK);
}

/* test_migrate_v2 - a version-2 file (made by this library's migrations
 * stopped at 2, its events written as version 2 wrote them: tokens as text)
 * opens as today's version: its events keep their tokens, read back the same, and
 * still make the same event a duplicate; the index of addresses by domain
 * is gone */
static void test_migrate_v2(void **state)
{
    (void)state;
    char err[512];
    sqlite3 *db;
    const char *v2 =
        "INSERT INTO events VALUES(1, '0123456789abcdef0123456789abcdef01234567',"
        " 'ann@example.com', 1700000000, 'decode', 'a.eml', 'userunknown', 1, 'permanent',"
        " '5.1.1', 550, NULL, NULL, NULL, 'suppress', NULL);"
        "INSERT INTO events VALUES(2, 'q1@mx/bounced', 'ben@example.com', 1700000000, 'logs',"
        " NULL, 'mailboxfull', 0, 'transient', '4.2.2', 452, NULL, NULL, 'bounced', 'soft',"
        " NULL);"
        "INSERT INTO addresses VALUES('ann@example.com', 1, 'userunknown', 1700000000,"
        " 1700000000, 1, NULL, 'policy', NULL, 'example.com', 1700000000, NULL);"
        "INSERT INTO addresses VALUES('ben@example.com', 0, NULL, 1700000000,"
        " 1700000000, 1, NULL, 'policy', NULL, 'example.com', NULL, NULL);";
    make_old("v2.db", 2, v2,
             "SELECT (SELECT max(version) FROM schema_version) || ' ' ||"
             " (SELECT count(*) FROM sqlite_master WHERE name = 'addresses_domain')",
             "2 1", &db);
    assert_string_equal(first(db, "SELECT group_concat(typeof(token)) FROM events"), "text,text");
    sqlite3_close(db);
    bk_store *s = open_migrated("v2.db");
    bk_store_stats st;
    /* both tokens read back as they were written */
    char tok[BK_TOKEN_MAX] = "";
    int found = 0;
    bk_store_entry he;
    assert_int_equal(bk_store_history(s, "ann@example.com", token_of, tok, &he, &found, err, sizeof err), 0);
    assert_string_equal(tok, "0123456789abcdef0123456789abcdef01234567");
    assert_int_equal(bk_store_history(s, "ben@example.com", token_of, tok, &he, &found, err, sizeof err), 0);
    assert_string_equal(tok, "q1@mx/bounced");
    /* the same events again are duplicates; a new one is not */
    assert_int_equal(bounce(s, "ann@example.com", "userunknown", 1, 1700000000, "0123456789abcdef0123456789abcdef01234567"),
                     BK_CHANGE_DUPLICATE);
    assert_int_equal(bounce(s, "ben@example.com", "mailboxfull", 0, 1700000000, "q1@mx/bounced"),
                     BK_CHANGE_DUPLICATE);
    /* 40 characters that are not lowercase hex stay text: not the same token */
    assert_int_equal(bounce(s, "ann@example.com", "userunknown", 1, 1700000000, "0123456789ABCDEF0123456789ABCDEF01234567"),
                     BK_CHANGE_ALREADY);
    /* a log outcome's token (SHA-1, '/', outcome) is a new event, read back whole */
    const char *logtok = "0123456789abcdef0123456789abcdef01234567/bounced";
    assert_int_equal(ingest(s, ev("cy@example.com", "userunknown", 1, BK_PERM_PERMANENT, "", "bounced", 1700000000,
                                  logtok), NULL),
                     BK_CHANGE_SUPPRESSED);
    assert_int_equal(ingest(s, ev("cy@example.com", "userunknown", 1, BK_PERM_PERMANENT, "", "bounced", 1700000000,
                                  logtok), NULL),
                     BK_CHANGE_DUPLICATE);
    assert_int_equal(bk_store_history(s, "cy@example.com", token_of, tok, &he, &found, err, sizeof err), 0);
    assert_string_equal(tok, logtok);
    assert_int_equal(bk_store_stats_get(s, 1700000001, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.events, 4);
    bk_store_close(s);
    /* the index of addresses by domain is gone, the token column holds a blob */
    assert_int_equal(sqlite3_open(path_in("v2.db"), &db), SQLITE_OK);
    assert_string_equal(first(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'addresses_domain')"
                                  " || ' ' || group_concat(t) FROM (SELECT typeof(token) t FROM events ORDER BY id)"),
                        "0 blob,text,text,blob");
    sqlite3_close(db);
}

/* V3_ROWS - the rows of the version-3 files of the migration tests */
static const char V3_ROWS[] =
        "INSERT INTO events VALUES(1, x'0123456789abcdef0123456789abcdef01234567',"
        " 'ann@example.com', 1700000000, 'decode', 'a.eml', 'userunknown', 1, 'permanent',"
        " '5.1.1', 550, NULL, NULL, NULL, 'suppress', NULL);"
        "INSERT INTO events VALUES(2, 'q1@mx/deferred', 'ben@example.com', 1700000000, 'logs',"
        " NULL, 'mailboxfull', 0, 'transient', '4.2.2', 452, NULL, NULL, 'deferred', 'soft',"
        " NULL);"
        "INSERT INTO events VALUES(3, 'q2@mx/deferred', 'ben@example.com', 1700000050, 'logs',"
        " NULL, 'mailboxfull', 0, 'transient', '4.2.2', 452, NULL, NULL, 'deferred', 'soft',"
        " NULL);"
        "INSERT INTO addresses VALUES('ann@example.com', 1, 'userunknown', 1700000000,"
        " 1700000000, 1, NULL, 'policy', 'kept', 'example.com', 1700000000, NULL);"
        "INSERT INTO addresses VALUES('ben@example.com', 0, NULL, 1700000000,"
        " 1700000050, 2, NULL, 'policy', NULL, 'example.com', NULL, NULL);";

/* check_v3_rows - a store made from V3_ROWS reads them as they were: its
 * totals, and the history of both addresses */
static void check_v3_rows(bk_store *s)
{
    char err[512];
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, 1700000001, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.schema, SCHEMA_SQLITE);
    assert_int_equal(st.events, 3);
    assert_int_equal(st.addresses, 2);
    assert_int_equal(st.suppressed, 1);
    char tok[BK_TOKEN_MAX] = "";
    int found = 0;
    bk_store_entry he;
    assert_int_equal(bk_store_history(s, "ann@example.com", token_of, tok, &he, &found, err, sizeof err), 0);
    assert_string_equal(tok, "0123456789abcdef0123456789abcdef01234567");
    assert_string_equal(he.note, "kept");
    assert_int_equal(bk_store_history(s, "ben@example.com", token_of, tok, &he, &found, err, sizeof err), 0);
    assert_string_equal(tok, "q1@mx/deferred");
    assert_int_equal(he.count, 2);
}

/* test_migrate_v3 - a version-3 file (made by the migrations stopped at 3:
 * events indexed by address in an index of their own, tokens unique in
 * the events' index of them) opens as version 4: those indexes are gone,
 * each event is a row of the address tree, keyed by its token, beside its
 * address's row, what read it reads the same (history, the soft bounces
 * counted, the entries listed and counted), and the old events are still
 * duplicates of themselves, of no other address's */
static void test_migrate_v3(void **state)
{
    (void)state;
    char err[512];
    sqlite3 *db;
    make_old("v3.db", 3, V3_ROWS,
             "SELECT (SELECT max(version) FROM schema_version) || ' ' ||"
             " (SELECT count(*) FROM sqlite_master WHERE name = 'events_address')",
             "3 1", &db);
    sqlite3_close(db);
    bk_store *s = bk_store_open(path_in("v3.db"), NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    check_v3_rows(s);
    bk_store_stats st;
    /* the entries as they were, the event rows not among them */
    bk_store_filter f;
    memset(&f, 0, sizeof f);
    f.all = 1;
    int n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    /* the domain, computed from the address */
    f.domain = "example.com";
    n = 0;
    assert_int_equal(bk_store_list(s, &f, count_entry, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    /* the two old soft bounces count: the third suppresses (3 in 14 days) */
    bk_ingest_result r;
    assert_int_equal(ingest(s, ev("ben@example.com", "mailboxfull", 0, BK_PERM_TRANSIENT, "", "", 1700000100, "new1"), &r),
                     BK_CHANGE_SUPPRESSED);
    assert_int_equal(r.soft_seen, 3);
    assert_int_equal(bounce(s, "ann@example.com", "userunknown", 1, 1700000000, "0123456789abcdef0123456789abcdef01234567"),
                     BK_CHANGE_DUPLICATE);
    /* the old events' tokens are known to their addresses after the
     * migration (text and blob forms alike), to no other address */
    assert_int_equal(bounce(s, "ben@example.com", "mailboxfull", 0, 1700000000, "q1@mx/deferred"),
                     BK_CHANGE_DUPLICATE);
    assert_int_equal(bounce(s, "ben@example.com", "userunknown", 1, 1700000000, "0123456789abcdef0123456789abcdef01234567"),
                     BK_CHANGE_ALREADY);
    assert_int_equal(bk_store_stats_get(s, 1700000001, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.events, 5);
    bk_store_close(s);
    assert_int_equal(sqlite3_open(path_in("v3.db"), &db), SQLITE_OK);
    assert_string_equal(first(db, "SELECT (SELECT max(version) FROM schema_version) || ' ' ||"
                                  " (SELECT count(*) FROM sqlite_master WHERE name = 'events_address') || ' ' ||"
                                  " (SELECT count(*) FROM sqlite_master WHERE tbl_name = 'events'"
                                  "  AND type = 'index') || ' ' ||"
                                  " (SELECT group_concat(address || ':' || quote(token) || ':' || action || ':' || event, ',')"
                                  "  FROM addresses WHERE token <> '')"),
                        "4 0 0 ann@example.com:X'0123456789ABCDEF0123456789ABCDEF01234567':suppress:1,"
                        "ben@example.com:'new1':soft:4,ben@example.com:'q1@mx/deferred':soft:2,"
                        "ben@example.com:'q2@mx/deferred':soft:3,"
                        "ben@example.com:X'0123456789ABCDEF0123456789ABCDEF01234567':suppress:5");
    sqlite3_close(db);
}

/* test_migrate_v4_early - a file of the first layout of version 4 (the
 * address tree keyed by address, action, time and event; events unique by
 * token alone, as it was made from version 3) opens as today's version 4:
 * its entries and events read the same, its events are still duplicates of
 * themselves, and its address tree is keyed by address and token */
static void test_migrate_v4_early(void **state)
{
    (void)state;
    char err[512];
    sqlite3 *db;
    make_old("v4e.db", 3, V3_ROWS, "SELECT max(version) FROM schema_version", "3", &db);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE addresses4(address TEXT NOT NULL, action TEXT NOT NULL, time INTEGER NOT NULL,"
        " event INTEGER NOT NULL, domain TEXT, suppressed INTEGER, reason TEXT, source TEXT,"
        " created INTEGER, expires INTEGER, first_seen INTEGER, last_seen INTEGER, count INTEGER,"
        " cleared INTEGER, note TEXT, PRIMARY KEY(address, action, time, event)) WITHOUT ROWID;"
        "INSERT INTO addresses4(address, action, time, event, domain, suppressed, reason, source,"
        " created, expires, first_seen, last_seen, count, cleared, note)"
        " SELECT address, '', 0, 0, domain, suppressed, reason, source, created, expires,"
        " first_seen, last_seen, count, cleared, note FROM addresses;"
        "INSERT INTO addresses4(address, action, time, event)"
        " SELECT address, coalesce(nullif(action, ''), 'record'), time, id FROM events;"
        "DROP TABLE addresses;"
        "ALTER TABLE addresses4 RENAME TO addresses;"
        "DROP INDEX events_address;"
        "UPDATE schema_version SET version = 4;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    bk_store *s = bk_store_open(path_in("v4e.db"), NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    check_v3_rows(s);
    assert_int_equal(bounce(s, "ben@example.com", "mailboxfull", 0, 1700000000, "q1@mx/deferred"),
                     BK_CHANGE_DUPLICATE);
    bk_store_close(s);
    assert_int_equal(sqlite3_open(path_in("v4e.db"), &db), SQLITE_OK);
    assert_string_equal(first(db, "SELECT (SELECT max(version) FROM schema_version) || ' ' ||"
                                  " (SELECT count(*) FROM addresses WHERE token = '') || ' ' ||"
                                  " (SELECT count(*) FROM addresses WHERE token <> '')"),
                        "4 2 3");
    sqlite3_close(db);
}

static void test_foreign_files(void **state)
{
    (void)state;
    char err[512];
    FILE *f = fopen(path_in("text.db"), "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database at all\n", f);
    fclose(f);
    assert_null(bk_store_open(path_in("text.db"), NULL, err, sizeof err));
    assert_non_null(strstr(err, "not an SQLite database"));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path_in("other.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(bk_store_open(path_in("other.db"), NULL, err, sizeof err));
    assert_non_null(strstr(err, "not a bouncekit suppression list"));
    assert_int_equal(sqlite3_open(path_in("newer.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE schema_version(version INTEGER);"
                                      "INSERT INTO schema_version VALUES(99)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(bk_store_open(path_in("newer.db"), NULL, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
    /* a store whose pages were overwritten: an error, never a crash */
    bk_store *s = bk_store_open(path_in("broken.db"), NULL, err, sizeof err);
    assert_non_null(s);
    bk_store_close(s);
    f = fopen(path_in("broken.db"), "r+");
    assert_non_null(f);
    fseek(f, 100, SEEK_SET);
    for (int i = 0; i < 8000; i++)
        fputc(0xA5, f);
    fclose(f);
    s = bk_store_open(path_in("broken.db"), NULL, err, sizeof err);
    if (s) { /* when the damage is not seen at open, the first use reports it */
        bk_check_result cr;
        assert_int_not_equal(bk_store_check(s, "a@b.example", 0, &cr, err, sizeof err), 0);
        bk_store_close(s);
    }
    assert_null(bk_store_open("postgresql://nobody:secret@127.0.0.1:1/bk", NULL, err, sizeof err));
    assert_non_null(strstr(err, "PostgreSQL is unreachable"));
    assert_non_null(strstr(err, "nobody:***@"));
    assert_null(strstr(err, "secret"));
}

/* test_pg_migrate_at_once - several hosts open a new database together:
 * each succeeds, the schema is made once */
static void test_pg_migrate_at_once(void **state)
{
    (void)state;
    char where[512];
    snprintf(where, sizeof where, "%s", spec("race"));
    pid_t kids[8];
    for (int i = 0; i < 8; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            char err[512];
            bk_store *s = bk_store_open(where, NULL, err, sizeof err);
            if (!s) {
                fprintf(stderr, "host %d: %s\n", i, err);
                _exit(1);
            }
            bk_store_entry m;
            memset(&m, 0, sizeof m);
            int rc = bk_store_add(s, "race@example.com", &m, err, sizeof err);
            bk_store_close(s);
            _exit(rc == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 8; i++) {
        int st;
        assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char err[512];
    bk_store *s = bk_store_open(where, NULL, err, sizeof err);
    assert_non_null(s);
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, 0, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.schema, SCHEMA_PG);
    assert_int_equal(st.suppressed, 1);
    bk_store_close(s);
}

/* server - run tests/pg/SCRIPT ARG on the private server; 0 when it worked */
static int server(const char *script, const char *arg)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/pg/%s' %s >/dev/null", SOURCE_DIR, script, arg);
    return system(cmd);
}

/* mono_now - monotonic seconds */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* test_pg_away - the database stops under an open handle and comes back */
static void test_pg_away(void **state)
{
    (void)state;
    /* a private server: stopping the shared one would break other tests */
    char cmd[512], line[1024], uri[512] = "", pgdir[256] = "";
    snprintf(cmd, sizeof cmd, "bash '%s/tests/pg/start.sh'", SOURCE_DIR);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(line, sizeof line, p))
        sscanf(line, "export BOUNCEKIT_TEST_PG=%511s BOUNCEKIT_TEST_PG_DIR=%255s", uri, pgdir);
    assert_int_equal(pclose(p), 0);
    assert_true(uri[0] && pgdir[0]);
    setenv("BOUNCEKIT_TEST_PG_DIR", pgdir, 1);
    char err[512];
    bk_store *s = bk_store_open(uri, NULL, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    const long long T = 1780000000;
    assert_int_equal(bounce(s, "kept@example.com", "userunknown", 1, T, "a1"), BK_CHANGE_SUPPRESSED);
    /* a batch open when the server stops is not committed */
    assert_int_equal(bk_store_begin(s, err, sizeof err), 0);
    bounce(s, "cut@example.com", "userunknown", 1, T, "a2");
    assert_int_equal(server("ctl.sh", "stop"), 0);
    bk_event e = ev("cut2@example.com", "userunknown", 1, BK_PERM_PERMANENT, "", "", T, "a3");
    bk_ingest_result r;
    int rc = bk_store_ingest(s, &e, &r, err, sizeof err);
    if (rc == 0)
        rc = bk_store_commit(s, err, sizeof err);
    else
        bk_store_rollback(s);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "PostgreSQL"));
    /* while it is away: every call fails at once with a clear error */
    double t0 = mono_now();
    bk_check_result cr;
    assert_int_equal(bk_store_check(s, "kept@example.com", 0, &cr, err, sizeof err), -1);
    assert_non_null(strstr(err, "PostgreSQL is unreachable"));
    assert_int_equal(bk_store_begin(s, err, sizeof err), -1);
    assert_true(mono_now() - t0 < 5);
    /* back: the same handle recovers; what was committed is there, the cut batch is not */
    assert_int_equal(server("ctl.sh", "start"), 0);
    assert_int_equal(checked(s, "kept@example.com", 0), 1);
    assert_int_equal(checked(s, "cut@example.com", 0), 0);
    assert_int_equal(bounce(s, "cut@example.com", "userunknown", 1, T, "a2"), BK_CHANGE_SUPPRESSED);
    /* a connection cut while idle (a restart) is found and replaced on the next call */
    assert_int_equal(server("ctl.sh", "stop"), 0);
    assert_int_equal(server("ctl.sh", "start"), 0);
    assert_int_equal(checked(s, "cut@example.com", 0), 1);
    bk_store_stats st;
    assert_int_equal(bk_store_stats_get(s, 0, &st, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(st.events, 2);
    bk_store_close(s);
    assert_int_equal(server("stop.sh", ""), 0);
}

int main(int argc, char **argv)
{
    int on_pg = pg_wanted(argc, argv);
    if (on_pg == 77)
        return 77;
    if (on_pg) {
        const struct CMUnitTest pg[] = {
            cmocka_unit_test(test_store_policy), cmocka_unit_test(test_snapshot),
            cmocka_unit_test(test_lookup_cache), cmocka_unit_test(test_pg_migrate_at_once), cmocka_unit_test(test_pg_away),
        };
        return cmocka_run_group_tests(pg, setup, teardown);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),    cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_event_json),   cmocka_unit_test(test_store_policy),
        cmocka_unit_test(test_snapshot),     cmocka_unit_test(test_migrate_v1),
        cmocka_unit_test(test_migrate_v2),   cmocka_unit_test(test_migrate_v3), cmocka_unit_test(test_migrate_v4_early),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_lookup_cache), cmocka_unit_test(test_snapshot_filter), cmocka_unit_test(test_snapshot_kinds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
