/*
 * test_cases.c - the built-in rules on tests/data/classify-cases.tsv: real-
 * looking replies of every reason and every provider, each with the verdict a
 * careful postmaster gives (reason, hardbounce, permanence, provider). Every
 * reason and every provider file must be covered by the table; permanence
 * must always agree; reason and hardbounce must agree on at least
 * REASON_FLOOR of the cases, and every disagreement is printed. And the
 * verdicts of the table and the benchmark mix do not depend on whether every
 * rule that matched is listed (hints->explain).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit.h"

#define REASON_FLOOR 0.97
#define HARD_FLOOR 0.98
#define PROVIDER_FLOOR 0.95

/* unescape - "\n" to a line break, in place */
static size_t unescape(char *s)
{
    size_t o = 0, n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && s[i + 1] == 'n') {
            s[o++] = '\n';
            i++;
        } else
            s[o++] = s[i];
    }
    s[o] = '\0';
    return o;
}

static void test_table(void **state)
{
    (void)state;
    char err[512], path[1024], line[16384];
    bk_classifier *c = bk_classifier_new(NULL, 0, err, sizeof err);
    if (!c)
        fail_msg("classifier: %s", err);
    snprintf(path, sizeof path, "%s/tests/data/classify-cases.tsv", SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0, reason_ok = 0, hard_ok = 0, perm_bad = 0, prov_n = 0, prov_ok = 0, lineno = 0;
    int seen_reason[64] = {0};
    const char *const *names = bk_reason_names();
    char providers_seen[2048] = "|";
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1 || !line[0] || line[0] == '#')
            continue;
        char *col[7] = {0};
        char *p = line;
        int k = 0;
        for (; k < 7; k++) {
            col[k] = p;
            char *t = strchr(p, '\t');
            if (!t)
                break;
            *t = '\0';
            p = t + 1;
        }
        if (k != 6)
            fail_msg("%s:%zu: want 7 columns", path, lineno);
        const char *reason = col[0], *provider = col[3], *command = col[4], *host = col[5];
        int hard = strcmp(col[1], "true") == 0;
        size_t len = unescape(col[6]);
        bk_hints h = {0};
        h.command = bk_command_parse(command, strlen(command));
        if (strcmp(host, "-") != 0)
            h.host = host;
        bk_verdict v;
        assert_int_equal(bk_classify(c, col[6], len, &h, &v, NULL), 0);
        n++;
        for (int i = 0; names[i]; i++)
            if (strcmp(names[i], reason) == 0)
                seen_reason[i] = 1;
        int r_ok = strcmp(v.reason, reason) == 0, h_ok = v.hardbounce == hard;
        reason_ok += r_ok;
        hard_ok += h_ok;
        if (strcmp(bk_permanence_name(v.permanence), col[2]) != 0) {
            perm_bad++;
            print_message("PERMANENCE %s:%zu: got %s, want %s: %.120s\n", path, lineno,
                          bk_permanence_name(v.permanence), col[2], col[6]);
        }
        if (!r_ok || !h_ok)
            print_message("%s:%zu: got %s%s (rule %s), want %s%s: %.140s\n", path, lineno,
                          v.reason, v.hardbounce ? " hard" : "", v.rule[0] ? v.rule : "-",
                          reason, hard ? " hard" : "", col[6]);
        if (strcmp(provider, "-") != 0) {
            prov_n++;
            int ok = v.provider && strcmp(v.provider, provider) == 0;
            prov_ok += ok;
            if (!ok)
                print_message("PROVIDER %s:%zu: got %s, want %s: %.100s\n", path, lineno,
                              v.provider ? v.provider : "-", provider, col[6]);
            char key[80];
            snprintf(key, sizeof key, "%s|", provider);
            if (!strstr(providers_seen, key) && strlen(providers_seen) + strlen(key) < sizeof providers_seen)
                strcat(providers_seen, key);
        }
    }
    fclose(f);
    print_message("cases: %zu; reason agrees %zu (%.1f%%), hardbounce %zu (%.1f%%), provider "
                  "%zu of %zu, permanence disagrees %zu\n",
                  n, reason_ok, 100.0 * (double)reason_ok / (double)n, hard_ok,
                  100.0 * (double)hard_ok / (double)n, prov_ok, prov_n, perm_bad);
    assert_true(n >= 400);
    for (int i = 0; names[i]; i++)
        if (!seen_reason[i])
            fail_msg("no case for reason %s", names[i]);
    assert_int_equal(perm_bad, 0);
    assert_true((double)reason_ok >= REASON_FLOOR * (double)n);
    assert_true((double)hard_ok >= HARD_FLOOR * (double)n);
    assert_true((double)prov_ok >= PROVIDER_FLOOR * (double)prov_n);

    /* every provider file is exercised by at least one case */
    snprintf(path, sizeof path, "%s/data/rules/providers", SOURCE_DIR);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rules") != 0)
            continue;
        files++;
        char fpath[1300], pline[512], key[100] = "";
        snprintf(fpath, sizeof fpath, "%s/%s", path, e->d_name);
        FILE *pf = fopen(fpath, "r");
        assert_non_null(pf);
        while (fgets(pline, sizeof pline, pf))
            if (strncmp(pline, "provider ", 9) == 0) {
                char *nm = pline + 9;
                while (*nm == ' ')
                    nm++;
                nm[strcspn(nm, "\r\n")] = '\0';
                snprintf(key, sizeof key, "|%.90s|", nm);
                break;
            }
        fclose(pf);
        if (!strstr(providers_seen, key))
            fail_msg("no case for the provider of %s (%s)", e->d_name, key);
    }
    closedir(d);
    assert_true(files >= 20);
    bk_classifier_free(c);
}

/* same_verdict - is text's verdict the same with and without every matched
 * rule listed (hints->explain), under hints h? 1 yes; prints the difference */
static int same_verdict(const bk_classifier *c, const char *text, size_t len, bk_hints h)
{
    bk_verdict quick, full;
    h.explain = 0;
    assert_int_equal(bk_classify(c, text, len, &h, &quick, NULL), 0);
    h.explain = 1;
    assert_int_equal(bk_classify(c, text, len, &h, &full, NULL), 0);
    int same = strcmp(quick.reason, full.reason) == 0 && strcmp(quick.rule, full.rule) == 0 &&
               quick.tier == full.tier && quick.hardbounce == full.hardbounce &&
               (quick.provider ? full.provider && strcmp(quick.provider, full.provider) == 0
                               : !full.provider);
    if (!same)
        print_message("explain changes the verdict: %s/%s/%s against %s/%s/%s: %.120s\n",
                      quick.reason, quick.rule, quick.provider ? quick.provider : "-",
                      full.reason, full.rule, full.provider ? full.provider : "-", text);
    /* without explain only the deciding rule is listed */
    if (quick.n_matched != (quick.rule[0] ? 1u : 0u) ||
        (quick.n_matched && strcmp(quick.matched[0], quick.rule) != 0))
        same = 0;
    return same;
}

/* test_explain - a verdict is the same whether every rule that matched is
 * searched for and listed or only those that can decide are: every text of
 * the table and of bench/mix/replies.txt, with no hints and with each kind */
static void test_explain(void **state)
{
    (void)state;
    char err[512], path[1024], line[16384];
    bk_classifier *c = bk_classifier_new(NULL, 0, err, sizeof err);
    if (!c)
        fail_msg("classifier: %s", err);
    const bk_hints kinds[] = {
        {0},
        {.command = BK_CMD_RCPT},
        {.command = BK_CMD_DATA},
        {.command = BK_CMD_MAIL},
        {.host = "mx.example.net"},
        {.host = "gmail-smtp-in.l.google.com"},
        {.domain = "outlook.com"},
        {.status = "5.0.0", .reply_code = 550},
        {.status = "4.4.7"},
    };
    const char *files[] = {"tests/data/classify-cases.tsv", "bench/mix/replies.txt"};
    size_t texts = 0, differ = 0;
    for (size_t fi = 0; fi < 2; fi++) {
        snprintf(path, sizeof path, "%s/%s", SOURCE_DIR, files[fi]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            char *text = fi == 0 ? strrchr(line, '\t') : line;
            if (!text || !*text || *text == '#')
                continue;
            text += fi == 0;
            size_t len = unescape(text);
            texts++;
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
                differ += !same_verdict(c, text, len, kinds[k]);
        }
        fclose(f);
    }
    print_message("explain: %zu texts, %zu verdicts differ\n", texts, differ);
    assert_true(texts > 3000);
    assert_int_equal(differ, 0);
    bk_classifier_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_table),
                                       cmocka_unit_test(test_explain)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
