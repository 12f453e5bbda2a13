/*
 * test_classify.c - the classifier engine on small rule sets written here:
 * the precedence of tiers and reasons, every kind of condition, provider
 * recognition, hints, hard bounces, fallbacks, rule-file errors with file
 * and line, and many threads sharing one classifier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bouncekit.h"
#include "classify_internal.h"

static char *reasons_tsv;
static size_t reasons_len;

/* slurp - a whole file from the source tree */
static char *slurp(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static const char CODES[] = "# test codes\n"
                            "code.5.1.1 userunknown status=5.1.1\n"
                            "code.5.2.2 mailboxfull status=5.2.2\n"
                            "code.x.7.1 policyviolation status=5.7.1,4.7.1 generic\n"
                            "code.5.0.0 undefined status=5.0.0 generic\n"
                            "code.5.1.0.rcpt userunknown status=5.1.0 cmd=RCPT generic\n"
                            "code.x.1.0.mail rejected status=4.1.0,5.1.0 cmd=MAIL generic\n"
                            "code.x.3.0.452 systemfull status=4.3.0 reply=452\n"
                            "code.5.7.606 blocked status=5.7.606\n"
                            "code.550 userunknown reply=550\n"
                            "code.421 toomanyconn reply=421\n";
static const char CORE_UNKNOWN[] = "userunknown.no-such-user userunknown /\\bno such user\\b/\n"
                                   "userunknown.rcpt-only userunknown cmd=RCPT /\\bnot here\\b/\n";
static const char CORE_REJECTED[] = "rejected.verify rejected sender /\\bsender verify failed\\b/\n";
static const char CORE_NOTACCEPT[] = "notaccept.no-mail notaccept /does not accept mail/\n";
static const char CORE_BLOCKED[] = "blocked.listed blocked /\\blisted (at|on|in)\\b/\n"
                                   "blocked.vague blocked weak /\\bdenied\\b/\n";
static const char CORE_SPAM[] = "spamdetected.spam spamdetected /\\bspam\\b/\n"
                                "spamdetected.perm spamdetected class=5 /\\bjunk\\b/\n"
                                "spamdetected.status spamdetected status=5.7.* /\\bcontent\\b/\n"
                                "spamdetected.reply spamdetected reply=5xx /\\bbulk\\b/\n";
static const char PROVIDER[] = "# a provider\n"
                               "provider Example Mail\n"
                               "host example-mail.test mx.example-mail.net\n"
                               "text /\\bEXM-[0-9]+\\b/\n"
                               "exmail.dbeb userunknown provider-only status=5.4.1 /access denied/\n"
                               "exmail.quota mailboxfull /\\bEXQ01\\b/\n";

static bk_classifier *clf;

/* build - a classifier from the test files plus optional user files */
static bk_classifier *build(const char *const *user, size_t n_user, char *err, size_t errlen)
{
    bk_embedded_file files[] = {
        {"codes.rules", (const unsigned char *)CODES, sizeof CODES - 1},
        {"core/blocked.rules", (const unsigned char *)CORE_BLOCKED, sizeof CORE_BLOCKED - 1},
        {"core/notaccept.rules", (const unsigned char *)CORE_NOTACCEPT, sizeof CORE_NOTACCEPT - 1},
        {"core/rejected.rules", (const unsigned char *)CORE_REJECTED, sizeof CORE_REJECTED - 1},
        {"core/spamdetected.rules", (const unsigned char *)CORE_SPAM, sizeof CORE_SPAM - 1},
        {"core/userunknown.rules", (const unsigned char *)CORE_UNKNOWN, sizeof CORE_UNKNOWN - 1},
        {"providers/exmail.rules", (const unsigned char *)PROVIDER, sizeof PROVIDER - 1},
        {"reasons.tsv", (const unsigned char *)reasons_tsv, reasons_len},
    };
    return classifier_build(user, n_user, files, sizeof files / sizeof files[0], err, errlen);
}

static int setup(void **state)
{
    (void)state;
    char err[512];
    reasons_tsv = slurp("data/rules/reasons.tsv", &reasons_len);
    if (!reasons_tsv)
        return -1;
    clf = build(NULL, 0, err, sizeof err);
    if (!clf)
        print_error("build: %s\n", err);
    return clf ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_classifier_free(clf);
    free(reasons_tsv);
    return 0;
}

/* verdict - classify a text with optional hints */
static bk_verdict verdict(const char *text, const bk_hints *h)
{
    bk_verdict v;
    assert_int_equal(bk_classify(clf, text, strlen(text), h, &v, NULL), 0);
    return v;
}

/* expect - reason and deciding rule */
static void expect(const char *text, const bk_hints *h, const char *reason, const char *rule)
{
    bk_verdict v = verdict(text, h);
    if (strcmp(v.reason, reason) != 0 || strcmp(v.rule, rule) != 0)
        fail_msg("'%s': got %s by '%s', want %s by '%s'", text, v.reason, v.rule, reason, rule);
}

static void test_tiers(void **state)
{
    (void)state;
    /* provider > phrase */
    expect("550 5.1.1 EXQ01 no such user", NULL, "mailboxfull", "exmail.quota");
    /* phrase > status code */
    expect("550 5.2.2 no such user", NULL, "userunknown", "userunknown.no-such-user");
    /* status code > weak phrase */
    expect("550 5.1.1 access denied", NULL, "userunknown", "code.5.1.1");
    /* weak phrase > generic status code */
    expect("554 5.7.1 access denied", NULL, "blocked", "blocked.vague");
    /* generic status code > reply code */
    expect("550 5.7.1 go away", NULL, "policyviolation", "code.x.7.1");
    /* reply code alone */
    expect("550 go away", NULL, "userunknown", "code.550");
    /* a phrase beats a generic code and a reply code */
    expect("550 5.0.0 listed at some list", NULL, "blocked", "blocked.listed");
}

static void test_reason_order(void **state)
{
    (void)state;
    /* same tier: blocked comes before spamdetected in reasons.tsv */
    bk_hints explain = {.explain = 1};
    bk_verdict v = verdict("554 spam source listed on a blocklist", &explain);
    assert_string_equal(v.reason, "blocked");
    assert_int_equal(v.n_matched, 2); /* no code rule holds for a bare 554 */
    assert_string_equal(v.matched[0], "blocked.listed");
    assert_string_equal(v.matched[1], "spamdetected.spam");
    assert_int_equal(v.tier, BK_TIER_PHRASE);
}

static void test_conditions(void **state)
{
    (void)state;
    bk_hints rcpt = {.command = BK_CMD_RCPT};
    bk_hints data = {.command = BK_CMD_DATA};
    /* cmd= */
    expect("not here", &rcpt, "userunknown", "userunknown.rcpt-only");
    expect("not here", &data, "undefined", "");
    expect("not here", NULL, "undefined", "");
    /* the command found in the text counts too */
    expect("host mx.example.org[192.0.2.1] said: 550 not here (in reply to RCPT TO command)",
           NULL, "userunknown", "userunknown.rcpt-only");
    /* class= */
    expect("550 junk", NULL, "spamdetected", "spamdetected.perm");
    expect("450 junk", NULL, "undefined", "");
    /* status= with a wildcard */
    expect("550 5.7.9 content", NULL, "spamdetected", "spamdetected.status");
    expect("550 5.1.9 content", NULL, "userunknown", "code.550");
    /* reply= with 5xx */
    expect("554 bulk", NULL, "spamdetected", "spamdetected.reply");
    expect("451 bulk", NULL, "undefined", "");
    /* status alternatives */
    expect("451 4.7.1 later", NULL, "policyviolation", "code.x.7.1");
}

/* a rule marked sender puts a recipient phrase of the same reply on the
 * sender's side, whatever the command; the full list of matches
 * (hints->explain) gives the same verdict */
static void test_sender_phrase(void **state)
{
    (void)state;
    bk_hints rcpt = {.command = BK_CMD_RCPT};
    bk_hints rcpt_all = {.command = BK_CMD_RCPT, .explain = 1};
    static const char callout[] = "550-Verification failed for <a@example.org>\n"
                                  "550-Response: 550 no such user\n550 Sender verify failed";
    expect("550 no such user", &rcpt, "userunknown", "userunknown.no-such-user");
    expect(callout, &rcpt, "rejected", "rejected.verify");
    expect(callout, &rcpt_all, "rejected", "rejected.verify");
    expect(callout, NULL, "rejected", "rejected.verify");
    /* a rule checked for its own command is left alone */
    expect("550 not here; sender verify failed", &rcpt, "userunknown", "userunknown.rcpt-only");
}

static void test_providers(void **state)
{
    (void)state;
    bk_hints host = {.host = "mx1.example-mail.test"};
    bk_hints other = {.host = "mx.example.org"};
    bk_hints domain = {.domain = "EXAMPLE-MAIL.TEST"};
    /* provider-only: needs the provider recognised by host or text */
    expect("550 5.4.1 Recipient address rejected: Access denied", &host, "userunknown",
           "exmail.dbeb");
    expect("550 5.4.1 Recipient address rejected: Access denied", &other, "blocked",
           "blocked.vague");
    expect("550 5.4.1 Recipient address rejected: Access denied EXM-42", NULL, "userunknown",
           "exmail.dbeb");
    expect("550 5.4.1 Recipient address rejected: Access denied", &domain, "userunknown",
           "exmail.dbeb");
    /* the provider is named */
    assert_string_equal(verdict("550 no such user", &host).provider, "Example Mail");
    assert_null(verdict("550 no such user", &other).provider);
    /* by the host the text names */
    assert_string_equal(
        verdict("host mx.example-mail.net[192.0.2.7] said: 550 no such user", NULL).provider,
        "Example Mail");
    /* a suffix must end at a dot: notexample-mail.test is someone else */
    bk_hints lookalike = {.host = "notexample-mail.test"};
    assert_null(verdict("550 no such user", &lookalike).provider);
    /* any case, a dot at the end, the suffix itself; not in the middle */
    bk_hints upper = {.host = "MX1.Example-Mail.TEST."};
    assert_string_equal(verdict("550 no such user", &upper).provider, "Example Mail");
    bk_hints whole = {.host = "example-mail.test"};
    assert_string_equal(verdict("550 no such user", &whole).provider, "Example Mail");
    bk_hints middle = {.host = "example-mail.test.example.org"};
    assert_null(verdict("550 no such user", &middle).provider);
    /* a provider rule that matches names its provider */
    assert_string_equal(verdict("452 EXQ01 over quota", NULL).provider, "Example Mail");
}

/* the code rules, as indexed by status class, subject and detail (beyond
 * 31 too) or by reply code alone: each condition of theirs still holds */
static void test_code_rules(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bk_command cmd;
        const char *reason, *rule;
    } cases[] = {
        /* a status whose code rules follow the command (cmd=), none without */
        {"550 5.1.0 xyz", BK_CMD_MAIL, "rejected", "code.x.1.0.mail"},
        {"550 5.1.0 xyz", BK_CMD_RCPT, "userunknown", "code.5.1.0.rcpt"},
        {"550 5.1.0 xyz", BK_CMD_NONE, "userunknown", "code.550"},
        {"450 4.1.0 xyz", BK_CMD_RCPT, "undefined", ""},
        /* and the reply code (reply=); a detail beyond 31; a reply code alone */
        {"452 4.3.0 xyz", 0, "systemfull", "code.x.3.0.452"}, {"451 4.3.0 xyz", 0, "undefined", ""},
        {"550 5.7.606 xyz", 0, "blocked", "code.5.7.606"}, {"450 4.7.606 xyz", 0, "undefined", ""},
        {"550 5.7.607 xyz", 0, "userunknown", "code.550"}, {"451 xyz", 0, "undefined", ""},
        {"421 xyz", 0, "toomanyconn", "code.421"}, {"550 xyz", 0, "userunknown", "code.550"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bk_hints h = {.command = cases[i].cmd};
        expect(cases[i].text, &h, cases[i].reason, cases[i].rule);
    }
}

static void test_hints(void **state)
{
    (void)state;
    bk_hints codes = {.reply_code = 452, .status = "4.2.2"};
    bk_verdict v = verdict("mailbox problem", &codes);
    assert_int_equal(v.reply_code, 452);
    assert_string_equal(v.status, "4.2.2");
    assert_int_equal(v.permanence, BK_PERM_TRANSIENT);
    /* known codes win over the text's */
    bk_hints perm = {.status = "5.2.2"};
    v = verdict("450 4.1.1 whatever", &perm);
    assert_string_equal(v.reason, "mailboxfull");
    assert_string_equal(v.status, "5.2.2");
    /* a bare X.0.0 hint gives way to the text's detailed code, of its class
     * or not (an MTA that gave up on "452 4.2.2" reports only 5.0.0) */
    bk_hints generic = {.status = "5.0.0"};
    v = verdict("550 5.2.2 whatever", &generic);
    assert_string_equal(v.status, "5.2.2");
    assert_string_equal(v.reason, "mailboxfull");
    v = verdict("450 4.2.2 whatever", &generic);
    assert_string_equal(v.status, "4.2.2");
    v = verdict("450 mailbox busy", &generic);
    assert_string_equal(v.status, "5.0.0");
    /* a malformed hint is ignored */
    bk_hints bad = {.status = "9.9.9", .reply_code = 999};
    v = verdict("550 5.1.1 x", &bad);
    assert_string_equal(v.status, "5.1.1");
    assert_int_equal(v.reply_code, 550);
}

static void test_verdict_fields(void **state)
{
    (void)state;
    bk_verdict v = verdict("550 5.1.1 no such user", NULL);
    assert_true(v.hardbounce);
    assert_int_equal(v.permanence, BK_PERM_PERMANENT);
    assert_string_equal(v.suggestion, "suppress");
    assert_string_equal(v.category, "address");
    assert_string_equal(v.fault, "recipient");
    assert_string_equal(v.bounce_class, "InvalidRecipient");
    assert_string_equal(v.pmta_category, "bad-mailbox");
    assert_string_equal(v.severity, "critical");
    /* the same reason, transient: not hard, retried */
    v = verdict("450 4.1.1 no such user", NULL);
    assert_false(v.hardbounce);
    assert_string_equal(v.suggestion, "retry then suppress");
    /* no code at all: a failure report, read as permanent but not said so */
    v = verdict("no such user", NULL);
    assert_true(v.hardbounce);
    assert_int_equal(v.permanence, BK_PERM_UNKNOWN);
    /* notaccept is hard only with a permanent code (DESIGN.md) */
    v = verdict("556 5.1.10 example.net does not accept mail", NULL);
    assert_string_equal(v.reason, "notaccept");
    assert_true(v.hardbounce);
    v = verdict("example.net does not accept mail", NULL);
    assert_false(v.hardbounce);
    v = verdict("421 example.net does not accept mail", NULL);
    assert_false(v.hardbounce);
    /* a policy rejection is permanent but never hard */
    v = verdict("554 5.7.1 rejected", NULL);
    assert_string_equal(v.reason, "policyviolation");
    assert_false(v.hardbounce);
    /* fallbacks */
    v = verdict("250 2.0.0 Ok: queued as ABC", NULL);
    assert_string_equal(v.reason, "delivered");
    assert_int_equal(v.tier, BK_TIER_DEFAULT);
    assert_null(v.bounce_class);
    v = verdict("something odd happened", NULL);
    assert_string_equal(v.reason, "undefined");
    assert_string_equal(v.rule, "");
    v = verdict("", NULL);
    assert_string_equal(v.reason, "undefined");
    /* another permanence: what follows from it follows, the rule stays */
    v = verdict("example.net does not accept mail", NULL);
    const char *rule = v.rule;
    assert_int_equal(bk_verdict_set_permanence(clf, &v, BK_PERM_PERMANENT), 0);
    assert_true(v.hardbounce);
    assert_int_equal(v.permanence, BK_PERM_PERMANENT);
    assert_string_equal(v.rule, rule);
    assert_int_equal(bk_verdict_set_permanence(clf, &v, BK_PERM_TRANSIENT), 0);
    assert_false(v.hardbounce);
    v.reason = "no such reason";
    assert_int_equal(bk_verdict_set_permanence(clf, &v, BK_PERM_PERMANENT), -1);
}

/* write_tmp - a temporary user rule file */
static void write_tmp(char *path, size_t len, const char *content)
{
    snprintf(path, len, "/tmp/bk-test-rules-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
}

/* refused - a user file with this content is refused with want in the error */
static void refused(const char *content, const char *want)
{
    char path[64], err[512] = "";
    write_tmp(path, sizeof path, content);
    const char *files[] = {path};
    bk_classifier *c = build(files, 1, err, sizeof err);
    unlink(path);
    if (c) {
        bk_classifier_free(c);
        fail_msg("accepted: %s", content);
    }
    if (!strstr(err, want) || !strstr(err, path))
        fail_msg("error '%s' lacks '%s' or the file name", err, want);
}

static void test_user_rules(void **state)
{
    (void)state;
    char path[64], err[512];
    write_tmp(path, sizeof path,
              "# mine\nmine.quota mailboxfull /no such user/\nmine.code suspend status=5.1.1\n");
    const char *files[] = {path};
    bk_classifier *c = build(files, 1, err, sizeof err);
    unlink(path);
    assert_non_null(c);
    bk_verdict v;
    /* user rules come first, even over providers */
    assert_int_equal(bk_classify(c, "550 5.1.1 no such user EXQ01", 28, NULL, &v, NULL), 0);
    assert_string_equal(v.reason, "mailboxfull");
    assert_int_equal(v.tier, BK_TIER_USER);
    assert_int_equal(bk_classify(c, "550 5.1.1 x", 11, NULL, &v, NULL), 0);
    assert_string_equal(v.rule, "mine.code");
    bk_classifier_free(c);

    refused("x.a userunknown\n", ":1: a rule without a pattern needs status= or reply=");
    refused("\n\nx.a nosuchreason /x/\n", ":3: unknown reason: nosuchreason");
    refused("x.a userunknown colour=red /x/\n", ":1: unknown condition: colour=red");
    refused("x.a userunknown status=6.1.1 /x/\n", ":1: bad condition value: status=6.1.1");
    refused("x.a userunknown reply=999 /x/\n", ":1: bad condition value: reply=999");
    refused("x.a userunknown cmd=FROB /x/\n", ":1: bad condition value: cmd=FROB");
    refused("x.a userunknown /x/\nx.a userunknown /y/\n", ":2: duplicate rule id: x.a");
    refused("# mine\nuserunknown.no-such-user userunknown /x/\n",
            ":2: rule id used by a built-in rule (core/userunknown.rules:1)");
    refused("X.A userunknown /x/\n", ":1: a rule id is [a-z0-9._-]+");
    refused("x.a userunknown /x\n", ":1: malformed /pattern/");
    refused("x.a userunknown provider-only /x/\n", ":1: 'provider-only' is for provider files");
    refused("x.a userunknown /x/\nx.b userunknown /(unclosed/\n",
            ":2: pattern does not compile");
    refused("x.a userunknown /caf\xc3/\n", ":1: not valid UTF-8");

    /* a user file may name a provider of its own */
    write_tmp(path, sizeof path,
              "provider Local Mail\nhost local-mail.test\nlocal.full mailboxfull /\\bLM-FULL\\b/\n"
              "local.only suspend provider-only /closed/\n");
    char path2[64];
    write_tmp(path2, sizeof path2,
              "provider Other Mail\nhost eu.local-mail.test other-mail.test\n"
              "other.full mailboxfull /\\bOM-FULL\\b/\n");
    const char *pfiles[] = {path, path2};
    c = build(pfiles, 2, err, sizeof err);
    unlink(path);
    unlink(path2);
    if (!c)
        fail_msg("provider user file: %s", err);
    bk_hints lh = {.host = "mx.local-mail.test"};
    /* of two providers whose suffixes a host ends with, the one listed first */
    assert_string_equal(bk_classifier_provider(c, "mx.eu.local-mail.test", 21, NULL, 0),
                        "Local Mail");
    assert_string_equal(bk_classifier_provider(c, "mx.eu.other-mail.test", 21, NULL, 0),
                        "Other Mail");
    assert_int_equal(bk_classify(c, "452 LM-FULL", 11, NULL, &v, NULL), 0);
    assert_string_equal(v.reason, "mailboxfull");
    assert_string_equal(v.provider, "Local Mail");
    assert_int_equal(v.tier, BK_TIER_USER);
    assert_int_equal(bk_classify(c, "550 closed", 10, &lh, &v, NULL), 0);
    assert_string_equal(v.reason, "suspend");
    assert_int_equal(bk_classify(c, "550 closed", 10, NULL, &v, NULL), 0);
    assert_string_not_equal(v.reason, "suspend");
    bk_classifier_free(c);

    /* a missing file is named */
    const char *missing[] = {"/nonexistent/rules"};
    assert_null(build(missing, 1, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/rules"));
}

static void test_builtin_errors(void **state)
{
    (void)state;
    char err[512];
    static const char bad_provider[] = "host example.test\nx.a userunknown /x/\n";
    static const char bad_codes[] = "code.x rejected sender status=5.1.7\n"; /* phrase rules only */
    bk_embedded_file files[] = {
        {"providers/bad.rules", (const unsigned char *)bad_provider, sizeof bad_provider - 1},
        {"reasons.tsv", (const unsigned char *)reasons_tsv, reasons_len},
        {"codes.rules", (const unsigned char *)bad_codes, sizeof bad_codes - 1},
    };
    assert_null(classifier_build(NULL, 0, files, 2, err, sizeof err));
    assert_non_null(strstr(err, "providers/bad.rules:1:"));
    assert_null(classifier_build(NULL, 0, files + 1, 2, err, sizeof err));
    assert_non_null(strstr(err, "codes.rules:1:"));
    /* without the reason table nothing works */
    assert_null(classifier_build(NULL, 0, files, 0, err, sizeof err));
    assert_non_null(strstr(err, "reasons.tsv"));
}

typedef struct {
    int failures;
} thread_result;

/* worker - classify the same texts many times and check the answers */
static void *worker(void *arg)
{
    thread_result *res = arg;
    static const char *const texts[] = {"550 5.1.1 no such user", "554 listed at zen",
                                        "450 junk", "550 5.7.1 go away"};
    static const char *const want[] = {"userunknown", "blocked", "undefined", "policyviolation"};
    for (int i = 0; i < 20000; i++) {
        bk_verdict v;
        int k = i % 4;
        if (bk_classify(clf, texts[k], strlen(texts[k]), NULL, &v, NULL) != 0 ||
            strcmp(v.reason, want[k]) != 0)
            res->failures++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    thread_result r[4] = {{0}, {0}, {0}, {0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &r[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].failures, 0);
    }
}

static void test_names(void **state)
{
    (void)state;
    const char *const *names = bk_reason_names();
    size_t n = 0;
    while (names[n])
        assert_true(bk_reason_valid(names[n++]));
    assert_int_equal(n, 36);
    assert_false(bk_reason_valid("nosuchreason"));
    assert_false(bk_reason_valid(NULL));
    assert_string_equal(bk_tier_name(BK_TIER_WEAK_PHRASE), "weak phrase");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers),          cmocka_unit_test(test_reason_order),
        cmocka_unit_test(test_conditions),     cmocka_unit_test(test_providers),
        cmocka_unit_test(test_sender_phrase),
        cmocka_unit_test(test_code_rules),
        cmocka_unit_test(test_hints),          cmocka_unit_test(test_verdict_fields),
        cmocka_unit_test(test_user_rules),     cmocka_unit_test(test_builtin_errors),
        cmocka_unit_test(test_threads),        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
