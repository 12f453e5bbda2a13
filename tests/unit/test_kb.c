/*
 * test_kb.c - the knowledge base: every code of the two registries in
 * data/registry has an entry, every entry is complete and consistent with
 * the vocabulary, lookups follow the documented precedence, and broken user
 * files are refused with file, line and reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit.h"

static bk_kb *kb;

static int setup(void **state)
{
    (void)state;
    char err[512];
    kb = bk_kb_open(err, sizeof err);
    if (!kb)
        print_error("bk_kb_open: %s\n", err);
    return kb ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_kb_close(kb);
    return 0;
}

/* for_each_registry_row - call fn(code, title, reference) for each data row of a TSV */
static size_t for_each_registry_row(const char *file,
                                    void (*fn)(const char *, const char *, const char *))
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/data/registry/%s", SOURCE_DIR, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (rows++ == 0 || line[0] == '\0' || line[0] == '#')
            continue; /* the header */
        char *title = strchr(line, '\t');
        assert_non_null(title);
        *title++ = '\0';
        char *ref = strchr(title, '\t');
        assert_non_null(ref);
        *ref++ = '\0';
        fn(line, title, ref);
    }
    fclose(f);
    return rows - 1;
}

/* complete - the required content is there */
static void complete(const bk_explanation *e)
{
    assert_non_null(e->title);
    assert_non_null(e->summary);
    assert_non_null(e->bounce);
    assert_non_null(e->severity);
    assert_non_null(e->category);
    assert_non_null(e->action);
    assert_non_null(e->standard);
    assert_true(e->meaning.n >= 1);
    assert_true(e->log.n >= 1);
    assert_true(e->cause.n >= 1);
    assert_true(e->fix.n >= 1);
}

/* check_status_row - X.s.d has its own entry, read right in classes 4 and 5 */
static void check_status_row(const char *code, const char *title, const char *ref)
{
    (void)title;
    int s, d;
    assert_int_equal(sscanf(code, "X.%d.%d", &s, &d), 2);
    char status[16];
    bk_explanation e;
    snprintf(status, sizeof status, "5.%d.%d", s, d);
    if (bk_kb_explain(kb, 0, status, &e) != 0 || !e.exact)
        fail_msg("no entry for %s (%s)", code, status);
    complete(&e);
    assert_int_equal(e.permanence, BK_PERM_PERMANENT);
    /* the entry names the defining RFC of the registry */
    char first_rfc[32];
    snprintf(first_rfc, sizeof first_rfc, "%.*s", (int)strcspn(ref, ","), ref);
    if (strncmp(first_rfc, "RFC", 3) == 0 && !strstr(e.standard, first_rfc))
        fail_msg("%s: standard '%s' does not name %s", code, e.standard, first_rfc);
    snprintf(status, sizeof status, "4.%d.%d", s, d);
    assert_int_equal(bk_kb_explain(kb, 0, status, &e), 0);
    assert_true(e.exact);
    assert_int_equal(e.permanence, BK_PERM_TRANSIENT);
    assert_string_not_equal(e.bounce, "hard"); /* a temporary failure never is */
}

static void test_every_registry_code(void **state)
{
    (void)state;
    size_t n = for_each_registry_row("enhanced-status-codes.tsv", check_status_row);
    assert_true(n >= 80);
}

/* check_reply_row - each basic reply code has an entry naming its RFC */
static void check_reply_row(const char *code, const char *title, const char *ref)
{
    (void)title;
    bk_explanation e;
    int rc = atoi(code);
    if (bk_kb_explain(kb, rc, "", &e) != 0 || !e.exact)
        fail_msg("no entry for reply code %s", code);
    complete(&e);
    if (!strstr(e.standard, ref))
        fail_msg("%s: standard '%s' does not name %s", code, e.standard, ref);
    assert_int_equal(e.permanence, bk_permanence_of_class(rc / 100));
}

static void test_every_reply_code(void **state)
{
    (void)state;
    size_t n = for_each_registry_row("reply-codes.tsv", check_reply_row);
    assert_int_equal(n, 34);
}

static void test_combinations_with_faq(void **state)
{
    (void)state;
    static const char *const combos[] = {"550 5.1.1", "550 5.1.10", "550 5.2.1", "552 5.2.2",
                                         "452 4.2.2", "550 5.7.1",  "554 5.7.1", "550 5.7.26",
                                         "550 5.7.25", "421 4.7.0", "451 4.7.1", "450 4.2.0",
                                         "554 5.7.9", "530 5.7.0",  "550 5.4.1", "421 4.4.2"};
    for (size_t i = 0; i < sizeof combos / sizeof combos[0]; i++) {
        bk_explanation e;
        int rc = atoi(combos[i]);
        assert_int_equal(bk_kb_explain(kb, rc, combos[i] + 4, &e), 0);
        if (strcmp(e.entry, combos[i]) != 0)
            fail_msg("%s is answered by %s, not its own entry", combos[i], e.entry);
        complete(&e);
        if (e.n_faq < 3)
            fail_msg("%s has %zu questions, want at least 3", combos[i], e.n_faq);
        assert_true(e.provider.n >= 1);
    }
}

/* expect - bounce type and action of a code */
static void expect(int reply, const char *status, const char *bounce, const char *action)
{
    bk_explanation e;
    assert_int_equal(bk_kb_explain(kb, reply, status, &e), 0);
    if (strcmp(e.bounce, bounce) != 0 || (action && strcmp(e.action, action) != 0))
        fail_msg("%d %s: got %s/%s, want %s/%s", reply, status, e.bounce, e.action, bounce,
                 action);
}

static void test_hard_means_address(void **state)
{
    (void)state;
    /* the address itself is bad */
    expect(0, "5.1.1", "hard", "suppress");
    expect(550, "5.1.1", "hard", "suppress");
    expect(0, "5.1.10", "hard", "suppress");
    expect(0, "5.1.6", "hard", "suppress");
    expect(556, "", "hard", "suppress");
    /* permanent, but the fix is on the sender's side: not hard */
    expect(550, "5.7.26", "soft", "fix authentication");
    expect(550, "5.7.25", "soft", "fix configuration");
    expect(0, "5.7.1", "soft", NULL);
    expect(554, "5.7.1", "soft", NULL);
    expect(0, "5.7.23", "soft", "fix authentication");
    /* class defaults: a temporary failure is soft and retried; success is none */
    expect(0, "4.1.1", "soft", "retry");
    expect(0, "2.1.5", "none", "none");
    expect(0, "2.0.0", "none", "none");
    expect(250, "", "none", "none");
}

static void test_derived_codes(void **state)
{
    (void)state;
    bk_explanation e;
    /* a well-formed code without its own entry: its class and subject speak */
    assert_int_equal(bk_kb_explain(kb, 0, "5.1.99", &e), 0);
    assert_false(e.exact);
    assert_int_equal(e.permanence, BK_PERM_PERMANENT);
    assert_string_equal(e.entry, "X.1.*");
    assert_non_null(strstr(e.title, "Permanent failure"));
    complete(&e);
    assert_int_equal(bk_kb_explain(kb, 0, "4.7.650", &e), 0);
    assert_false(e.exact);
    assert_int_equal(e.permanence, BK_PERM_TRANSIENT);
    assert_string_equal(e.entry, "X.7.*");
    assert_string_equal(e.bounce, "soft");
    /* subject 9 is not defined: the class alone speaks */
    assert_int_equal(bk_kb_explain(kb, 0, "5.9.1", &e), 0);
    assert_false(e.exact);
    assert_string_equal(e.entry, "5.*");
    /* a combination without its own entry is explained by its enhanced code */
    assert_int_equal(bk_kb_explain(kb, 550, "5.1.2", &e), 0);
    assert_true(e.exact);
    assert_string_equal(e.entry, "X.1.2");
    assert_string_equal(e.key, "550 5.1.2");
    /* not codes */
    assert_int_equal(bk_kb_explain(kb, 999, "", &e), -1);
    assert_int_equal(bk_kb_explain(kb, 0, "6.1.1", &e), -1);
    assert_int_equal(bk_kb_explain(kb, 0, "", &e), -1);
}

static void test_disagreeing_classes(void **state)
{
    (void)state;
    bk_explanation e;
    assert_int_equal(bk_kb_explain(kb, 550, "4.2.2", &e), 0);
    assert_int_equal(e.permanence, BK_PERM_PERMANENT);
    assert_int_equal(e.decided_by, BK_DECIDE_REPLY);
    assert_non_null(strstr(e.decision, "reply code decides"));
    assert_string_equal(e.entry, "X.2.2");
    assert_int_equal(bk_kb_explain(kb, 452, "4.2.2", &e), 0);
    assert_int_equal(e.decided_by, BK_DECIDE_BOTH);
    assert_int_equal(e.permanence, BK_PERM_TRANSIENT);
}

/* every record: complete, readable in its class, related keys all resolve */
static void test_every_record(void **state)
{
    (void)state;
    assert_true(bk_kb_count(kb) >= 34 + 80 + 16);
    for (size_t i = 0; i < bk_kb_count(kb); i++) {
        const char *key = bk_kb_key(kb, i);
        bk_explanation e;
        assert_int_equal(bk_kb_explain_entry(kb, key, &e), 0);
        complete(&e);
        assert_string_equal(e.entry, key);
        for (size_t k = 0; k < e.related.n; k++)
            assert_non_null(bk_kb_resolve_key(kb, e.related.items[k]));
        /* listing order: the title accessor agrees with the record */
        assert_string_equal(bk_kb_title(kb, i), e.title);
    }
    assert_null(bk_kb_key(kb, bk_kb_count(kb)));
}

static void test_resolve_key(void **state)
{
    (void)state;
    assert_string_equal(bk_kb_resolve_key(kb, "5.1.1"), "X.1.1");
    assert_string_equal(bk_kb_resolve_key(kb, "4.2.2"), "X.2.2");
    assert_string_equal(bk_kb_resolve_key(kb, "550"), "550");
    assert_string_equal(bk_kb_resolve_key(kb, "550 5.1.1"), "550 5.1.1");
    assert_null(bk_kb_resolve_key(kb, "5.1.999"));
    assert_null(bk_kb_resolve_key(kb, "hello"));
}

static const char GOOD_RECORD[] = "[550 5.1.1]\n"
                                  "title: Local title\n"
                                  "summary: s\n"
                                  "bounce: hard\n"
                                  "severity: critical\n"
                                  "category: address\n"
                                  "action: suppress\n"
                                  "standard: RFC 5321\n"
                                  "meaning: first line\n"
                                  "  continued here\n"
                                  "log: l\n"
                                  "cause: c\n"
                                  "fix: f\n";

/* refused - loading text fails with an error that contains want */
static void refused(const char *text, const char *want)
{
    char err[512] = "";
    bk_kb *k = bk_kb_open(NULL, 0);
    assert_non_null(k);
    size_t before = bk_kb_count(k);
    if (bk_kb_load_buffer(k, "user.kb", text, strlen(text), err, sizeof err) != -1)
        fail_msg("accepted: %s", text);
    if (!strstr(err, want))
        fail_msg("error '%s' does not contain '%s'", err, want);
    /* nothing of a refused file is loaded */
    assert_int_equal(bk_kb_count(k), before);
    bk_kb_close(k);
}

static void test_user_files(void **state)
{
    (void)state;
    char err[512];
    bk_kb *k = bk_kb_open(err, sizeof err);
    assert_non_null(k);
    size_t before = bk_kb_count(k);
    assert_int_equal(bk_kb_load_buffer(k, "user.kb", GOOD_RECORD, strlen(GOOD_RECORD), err, sizeof err), 0);
    /* a record with a known key replaces the built-in one */
    assert_int_equal(bk_kb_count(k), before);
    bk_explanation e;
    assert_int_equal(bk_kb_explain(k, 550, "5.1.1", &e), 0);
    assert_string_equal(e.title, "Local title");
    assert_string_equal(e.meaning.items[0], "first line continued here");
    bk_kb_close(k);

    refused("[550]\ntitle: x\n", "user.kb:1: record lacks a required field: summary");
    refused("[550]\nflavour: x\n", "user.kb:2: unknown field: flavour");
    refused("[hello]\n", "user.kb:1: not a code key: hello");
    refused("[999]\n", "user.kb:1: not a code key: 999");
    refused("[X.1.1\n", "user.kb:1: malformed record key line");
    refused("title: x\n", "user.kb:1: field before the first record key");
    refused("\n  floating\n", "user.kb:2: continuation line without a field");
    refused("[550]\nbounce: maybe\n", "user.kb:2: bounce must be hard, soft or none");
    refused("[550]\naction: pray\n", "user.kb:2: unknown action");
    refused("[550]\ntitle \n", "user.kb:2: expected 'field: value'");
    refused("[550]\ntitle: \xff\n", "user.kb:2: not valid UTF-8");
    char open_q[sizeof GOOD_RECORD + 32];
    snprintf(open_q, sizeof open_q, "%sq: why?\n", GOOD_RECORD);
    refused(open_q, "user.kb:1: question without answer");
    refused("[550]\naction.6: retry\n", "user.kb:2: unknown field: action.6");
    char dup[2 * sizeof GOOD_RECORD];
    snprintf(dup, sizeof dup, "%s%s", GOOD_RECORD, GOOD_RECORD);
    refused(dup, "user.kb:14: duplicate record: 550 5.1.1");

    assert_int_equal(bk_kb_load_file(kb, "/nonexistent/file.kb", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/file.kb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_registry_code),
        cmocka_unit_test(test_every_reply_code),
        cmocka_unit_test(test_combinations_with_faq),
        cmocka_unit_test(test_hard_means_address),
        cmocka_unit_test(test_derived_codes),
        cmocka_unit_test(test_disagreeing_classes),
        cmocka_unit_test(test_every_record),
        cmocka_unit_test(test_resolve_key),
        cmocka_unit_test(test_user_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
