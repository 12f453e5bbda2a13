/*
 * test_factors.c - the reading of rule patterns (pattern.c), their literal
 * factors (factors.c) and stop bytes (stops.c) on tricky patterns, and the two-stage matcher (rulematch.c) against one database of
 * every pattern: for every built-in rule, on every text of
 * bench/mix/replies.txt and tests/data/classify-cases.tsv (and their
 * prefixes, and with stop bytes put in) and on texts that
 * defeat a backtracking search, at several alignments of the text in memory,
 * the same patterns match in the same order. Also with the matcher read back
 * from its cache file, and with many literals that begin alike (one key of
 * the literal database stands for several: each is checked for on its own;
 * one that begins with a space is keyed after it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "bouncekit.h"
#include "embedded.h"
#include "factors.h"
#include "pattern.h"
#include "rulematch.h"
#include "rules.h"
#include "stops.h"

/* has - is s one of the set's strings? */
static int has(const factor_set *f, const char *s)
{
    for (size_t k = 0; k < f->n; k++)
        if (f->len[k] == strlen(s) && memcmp(f->s[k], s, f->len[k]) == 0)
            return 1;
    return 0;
}

/* tree_of - pat_read on a pattern */
static int tree_of(const char *pattern, int bytes, pat_node **t)
{
    return pat_read(pattern, strlen(pattern), bytes, t);
}

static void test_pattern(void **state)
{
    (void)state;
    pat_node *t;
    assert_true(tree_of("a|(?i:b[c-e\\d])+", 0, &t));
    assert_int_equal(t[0].kind, PAT_ALT);
    const pat_node *b1 = &t[t[0].first], *b2 = &t[b1->next];
    assert_int_equal(b2->next, -1);
    assert_true(t[b1->first].kind == PAT_CHAR && t[b1->first].cp == 'a' && !t[b1->first].quant);
    const pat_node *g = &t[b2->first];
    assert_true(g->kind == PAT_GROUP && g->op == PAT_CASELESS && g->quant && g->min == 1 && g->max == -1);
    const pat_node *b = &t[t[t[g->first].first].first], *c = &t[b->next];
    assert_true(b->kind == PAT_CHAR && b->cp == 'b' && c->kind == PAT_CLASS && !c->op);
    const pat_node *lo = &t[c->first], *hi = &t[lo->next], *d = &t[hi->next];
    assert_true(lo->op && lo->cp == 'c' && hi->cp == 'e' && d->kind == PAT_TYPE && d->esc == 'd');
    free(t);
    /* a character beyond ASCII: one, or its bytes */
    assert_true(tree_of("\xc3\xa9{2}", 0, &t));
    assert_true(t[t[t[0].first].first].wide && t[t[t[0].first].first].cp == 0xe9);
    free(t);
    assert_true(tree_of("\xc3\xa9{2}", 1, &t));
    assert_int_equal(t[t[t[t[0].first].first].next].cp, 0xa9);
    free(t);
    static const char *const REFUSED[] = {"a**", "a++", "a{2,1}", "*a", "(?<n>a)", "(?i)a",
                                          "[[:alpha:]]", "\\q", "\\1", "[\\b]", "(", "a)", "[a",
                                          "a\\", "(((((((((((((((((a)))))))))))))))))"};
    for (size_t k = 0; k < sizeof REFUSED / sizeof REFUSED[0]; k++) {
        assert_false(tree_of(REFUSED[k], 0, &t));
        assert_null(t);
    }
    assert_true(tree_of("((((((((((((((((a))))))))))))))))", 0, &t));
    free(t);
}

/* factors_of - the factor set of an ASCII (lower-case) or UTF-8 pattern */
static int factors_of(const char *pattern, factors_mode mode, factor_set *f)
{
    return factors_extract(pattern, strlen(pattern), mode, f);
}

static void test_extractor(void **state)
{
    (void)state;
    factor_set f;
    /* a branch that may be empty, an optional group, a star: no factor */
    assert_false(factors_of("foo|", FACTORS_EXACT, &f));
    assert_false(factors_of("(?:user unknown)?", FACTORS_EXACT, &f));
    assert_false(factors_of("(?:abc)*x", FACTORS_EXACT, &f));
    assert_false(factors_of("a|bc", FACTORS_EXACT, &f)); /* a 1-byte branch */
    /* alternation: every branch is covered */
    assert_true(factors_of("\\bno such user\\b|unknown recipient", FACTORS_EXACT, &f));
    assert_int_equal(f.n, 2);
    assert_true(has(&f, "no such user") && has(&f, "unknown recipient"));
    /* an optional part splits or multiplies the run */
    assert_true(factors_of("mailbox (?:is )?full", FACTORS_EXACT, &f));
    assert_true(has(&f, "mailbox is full") && has(&f, "mailbox full"));
    /* a small class expands, a large one ends the run */
    assert_true(factors_of("user[ _]unknown", FACTORS_EXACT, &f));
    assert_true(has(&f, "user unknown") && has(&f, "user_unknown"));
    assert_true(factors_of("abcdef[a-z]+ghijkl", FACTORS_EXACT, &f));
    for (size_t k = 0; k < f.n; k++)
        assert_true(f.len[k] == 6);
    /* a repeat at least once keeps the factor; {0,n} loses it */
    assert_true(factors_of("(?:quota exceeded)+", FACTORS_EXACT, &f));
    assert_false(factors_of("(?:quota exceeded){0,2}", FACTORS_EXACT, &f));
    /* (?-i:) in a caseless UTF-8 pattern: exact bytes; caseless Cyrillic is no factor */
    assert_true(factors_of("(?-i:Ящик переполнен)", FACTORS_CASELESS_UTF8, &f));
    assert_true(has(&f, "Ящик переполнен"));
    assert_false(factors_of("ящик", FACTORS_CASELESS_UTF8, &f));
    /* caseless UTF-8: "k" is also U+212A and "s" also U+017F; letters lower */
    assert_true(factors_of("Kein", FACTORS_CASELESS_UTF8, &f));
    assert_true(has(&f, "kein") && has(&f, "\xE2\x84\xAA" "ein"));
    /* scripts without case stay literal */
    assert_true(factors_of("送信先のメールボックスが一杯", FACTORS_CASELESS_UTF8, &f));
    assert_int_equal(f.n, 1);
    /* what is not understood gives no factor */
    assert_false(factors_of("(?=abc)abc", FACTORS_EXACT, &f));
    assert_false(factors_of("abc\\1", FACTORS_EXACT, &f));
    assert_false(factors_of("[[:alpha:]]abc", FACTORS_EXACT, &f));
    assert_false(factors_of("(((((((((((abc)))))))))))", FACTORS_EXACT, &f));
    assert_false(factors_of("abc(", FACTORS_EXACT, &f));
}

/* stops_of - stops_read on a pattern, its k into *k */
static int stops_of(const char *pattern, int utf8, stop_set *s, uint32_t *k)
{
    return stops_read(pattern, strlen(pattern), utf8, s, k);
}

static void test_stops(void **state)
{
    (void)state;
    stop_set s;
    uint32_t k;
    /* the part before the repeat may hold anything, 2 bytes of it at most */
    assert_true(stops_of("(?:^|[^a-z ]|[^r] )(?:user|mailbox)(?: [!-9<-~]*[!-\\-\\/-9<-~])* "
                         "does not exist",
                         0, &s, &k));
    assert_int_equal(k, 2);
    assert_true(stops_has(&s, ':') && stops_has(&s, ';') && stops_has(&s, '\n'));
    assert_false(stops_has(&s, ' ') || stops_has(&s, 'a') || stops_has(&s, '-'));
    assert_true(stops_has(&s, 0xc3)); /* not in ASCII mode's [!-9<-~] */
    /* in UTF-8 mode a character beyond ASCII is up to 4 bytes, and a letter
     * may match one (K: U+212A) */
    assert_true(stops_of("(?:^|[^a-z ]|[^r] )(?:user)(?: [!-9<-~À-ž]*)* x", 1, &s, &k));
    assert_int_equal(k, 5);
    assert_true(stops_has(&s, ':') && !stops_has(&s, 0xc3) && !stops_has(&s, 'x'));
    assert_true(stops_of("\\b(starttls|tls)\\b[^.;]*required", 0, &s, &k));
    assert_int_equal(k, 0);
    for (unsigned c = 0; c < 256; c++)
        assert_int_equal(stops_has(&s, (unsigned char)c), c == '.' || c == ';');
    /* a look-around consumes nothing; a bounded pattern holds nothing past its width */
    assert_true(stops_of("a(?=b:)c*", 0, &s, &k));
    assert_int_equal(k, 1);
    assert_true(stops_has(&s, ':') && stops_has(&s, 'b') && !stops_has(&s, 'c'));
    assert_true(stops_of("abc|de{2,4}", 0, &s, &k));
    assert_int_equal(k, 5);
    /* \S and a negated class: any byte beyond ASCII, a quantified group its width times */
    assert_true(stops_of("x(?:\\S ){2}y+", 0, &s, &k));
    assert_int_equal(k, 5);
    assert_true(stops_has(&s, ' ') && !stops_has(&s, 'y'));
    assert_true(stops_of("(?:\\S )+x", 0, &s, &k));
    assert_int_equal(k, 0);
    assert_false(stops_has(&s, 0xe2) || stops_has(&s, ' ') || stops_has(&s, ':'));
    assert_true(stops_has(&s, '\t') && stops_has(&s, '\n'));
    assert_true(stops_of("(ab|c)+z", 0, &s, &k));
    assert_int_equal(k, 0);
    assert_false(stops_has(&s, 'a') || stops_has(&s, 'z'));
    /* what is not understood gives no set */
    assert_false(stops_of("\\x41+", 0, &s, &k));
    assert_false(stops_of("(?i)ab+", 0, &s, &k));
    assert_false(stops_of("[[:alpha:]]+", 0, &s, &k));
    assert_false(stops_of("a{x}+", 0, &s, &k));
    assert_false(stops_of("(ab", 0, &s, &k));
    assert_false(stops_of("ab)", 0, &s, &k));
    assert_false(stops_of(".*", 0, &s, &k));
}

static void test_exact(void **state)
{
    (void)state;
    exact_set e;
    const char *p = "\\b(rejected|refused)\\b|not allowed";
    assert_true(factors_exact(p, strlen(p), &e));
    assert_int_equal(e.set.n, 3);
    for (size_t k = 0; k < e.set.n; k++)
        assert_int_equal(e.edge[k], e.set.s[k][0] == 'n'
                                        ? 0
                                        : EXACT_BOUNDARY_BEFORE | EXACT_BOUNDARY_AFTER);
    p = "abc\\bdef"; /* a boundary inside */
    assert_false(factors_exact(p, strlen(p), &e));
    p = "^abc"; /* an anchor */
    assert_false(factors_exact(p, strlen(p), &e));
    p = "abc\\\\b"; /* an escaped backslash, then b */
    assert_true(factors_exact(p, strlen(p), &e));
    assert_true(has(&e.set, "abc\\b") && e.edge[0] == 0);
}

/* load - the built-in rule files into rs */
static void load(bk_ruleset *rs)
{
    char err[512];
    for (size_t i = 0; i < rules_embedded_count; i++) {
        const bk_embedded_file *f = &rules_embedded_files[i];
        size_t nl = strlen(f->name);
        if (nl > 4 && strcmp(f->name + nl - 4, ".tsv") == 0)
            continue;
        rules_kind kind = strncmp(f->name, "providers/", 10) == 0 ? RULES_PROVIDER
                          : strncmp(f->name, "core/", 5) == 0     ? RULES_CORE
                                                                  : RULES_CODES;
        if (rules_parse(rs, f->name, (const char *)f->data, f->len, kind, err, sizeof err) != 0)
            fail_msg("%s", err);
    }
}

/* compare - both matchers on the free text of one reply, at several
 * alignments; returns 1 when they agree everywhere */
static int compare(rule_matcher *two, rule_matcher *one, const char *reply, size_t len,
                   char *buf)
{
    bk_reply r;
    bk_reply_parse(reply, len, &r);
    char lower[BK_REPLY_TEXT_MAX];
    for (size_t i = 0; i < r.text_len; i++)
        lower[i] = (char)(r.text[i] >= 'A' && r.text[i] <= 'Z' ? r.text[i] + 32 : r.text[i]);
    for (size_t off = 0; off < 64; off += 7) {
        unsigned a[64], b[64];
        size_t na, nb;
        int oa, ob;
        memcpy(buf + off, lower, r.text_len);
        assert_int_equal(rm_scan(two, buf + off, r.text_len, NULL, NULL, a, 64, &na, &oa), 0);
        assert_int_equal(rm_scan(one, buf + off, r.text_len, NULL, NULL, b, 64, &nb, &ob), 0);
        if (na != nb || oa != ob || memcmp(a, b, na * sizeof *a) != 0) {
            print_message("differs at offset %zu: %.*s\n", off, (int)r.text_len, lower);
            return 0;
        }
    }
    return 1;
}

/* what each_line tries besides each text */
#define EACH_STOPS 1u    /* its k-th space made ':', ';' or a line break in turn
                          * (bytes that bound where some patterns' matches start: stops.c) */
#define EACH_PREFIXES 2u /* every 5th text cut at every length: every literal
                          * found at the end of the literal scan's buffer */

/* each_line - call compare on every reply of a file (column col of a TSV,
 * or whole lines when col < 0), with "\n" turned into line breaks, and on
 * what more asks for (EACH_*) */
static size_t each_line(const char *rel, int col, unsigned more, rule_matcher *two,
                        rule_matcher *one, char *buf)
{
    char path[1024], line[20000];
    snprintf(path, sizeof path, "%s/%s", SOURCE_DIR, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *text = line;
        if (col >= 0) {
            if (lineno == 1 || line[0] == '#' || !line[0])
                continue;
            for (int c = 0; c < col && text; c++) {
                text = strchr(text, '\t');
                if (text)
                    text++;
            }
            if (!text)
                continue;
        }
        size_t o = 0, len = strlen(text);
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\\' && i + 1 < len && text[i + 1] == 'n') {
                text[o++] = '\n';
                i++;
            } else
                text[o++] = text[i];
        }
        if (!compare(two, one, text, o, buf))
            fail_msg("%s:%zu: the prefilter changed what matches", rel, lineno);
        n++;
        for (size_t cut = 1; (more & EACH_PREFIXES) && lineno % 5 == 0 && cut < o; cut++)
            if (!compare(two, one, text, cut, buf))
                fail_msg("%s:%zu: the prefilter changed what matches in its first %zu bytes", rel,
                         lineno, cut);
        for (size_t i = 0, k = 0; (more & EACH_STOPS) && i < o; i++) {
            if (text[i] != ' ')
                continue;
            text[i] = ":;\n"[k++ % 3];
            if (!compare(two, one, text, o, buf))
                fail_msg("%s:%zu: the prefilter changed what matches with a stop at %zu", rel,
                         lineno, i);
            text[i] = ' ';
        }
    }
    fclose(f);
    return n;
}

/* one_cache_file - the one rules-*.hsdb file in dir; 0 when not one */
static int one_cache_file(const char *dir, char *path, size_t cap)
{
    DIR *d = opendir(dir);
    int found = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strncmp(e->d_name, "rules-", 6) == 0 && strstr(e->d_name, ".hsdb")) {
            snprintf(path, cap, "%s/%.200s", dir, e->d_name);
            found++;
        }
    if (d)
        closedir(d);
    return found == 1;
}

/* set_magic - overwrite the first bytes of a cache file */
static void set_magic(const char *path, const char *magic)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite(magic, 1, strlen(magic), f), strlen(magic));
    assert_int_equal(fclose(f), 0);
}

static void test_prefilter_loses_nothing(void **state)
{
    (void)state;
    setenv("BOUNCEKIT_CACHE_DIR", "off", 1);
    bk_ruleset rs = {0};
    load(&rs);
    char err[512];
    rule_matcher *two = rm_new(&rs, 1, RM_TWO_STAGE, err, sizeof err);
    if (!two)
        fail_msg("%s", err);
    rule_matcher *one = rm_new(&rs, 1, RM_ONE_DB, err, sizeof err);
    if (!one)
        fail_msg("%s", err);
    char *buf = malloc(BK_REPLY_TEXT_MAX + 64);
    assert_non_null(buf);
    size_t n = each_line("bench/mix/replies.txt", -1, 0, two, one, buf);
    n += each_line("tests/data/classify-cases.tsv", 6, EACH_STOPS | EACH_PREFIXES, two, one, buf);
    assert_true(n > 3400);
    /* texts that make a backtracking search give up (pcre2_dfa_match then
     * decides), around phrases that do and do not complete the match */
    static const char *const tails[] = {"", " disabled", " suspended.", "; user disabled"};
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        char text[1000];
        size_t len = (size_t)snprintf(text, sizeof text, "user has");
        for (int w = 0; w < 40 && len < 900; w++)
            len += (size_t)snprintf(text + len, sizeof text - len, " a@b@c@d@e@f");
        len += (size_t)snprintf(text + len, sizeof text - len, "%s", tails[k]);
        if (!compare(two, one, text, len, buf))
            fail_msg("hostile text %zu: the prefilter changed what matches", k);
    }
    /* the same matcher written to its cache file and read back */
    char dir[] = "/tmp/bk-factors-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("BOUNCEKIT_CACHE_DIR", dir, 1);
    rule_matcher *stored = rm_new(&rs, 1, RM_TWO_STAGE, err, sizeof err);
    rule_matcher *cached = rm_new(&rs, 1, RM_TWO_STAGE, err, sizeof err);
    if (!stored || !cached)
        fail_msg("%s", err);
    assert_true(each_line("tests/data/classify-cases.tsv", 6, 0, cached, one, buf) > 400);
    /* a file of the format before (its keys' ids were numbers, not where
     * their entries are) is not read but made again */
    char file[300];
    assert_true(one_cache_file(dir, file, sizeof file));
    set_magic(file, "BKRM4\n");
    rule_matcher *remade = rm_new(&rs, 1, RM_TWO_STAGE, err, sizeof err);
    setenv("BOUNCEKIT_CACHE_DIR", "off", 1);
    if (!remade)
        fail_msg("%s", err);
    assert_true(each_line("tests/data/classify-cases.tsv", 6, 0, remade, one, buf) > 400);
    char magic[8] = {0};
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    assert_int_equal(fread(magic, 1, sizeof magic, f), sizeof magic);
    fclose(f);
    assert_memory_equal(magic, "BKRM5\n", 6);
    rm_free(remade);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    rm_free(stored);
    rm_free(cached);
    free(buf);
    rm_free(two);
    rm_free(one);
    rules_free(&rs);
}

/* rule - one line of a rule file */
static size_t rule(char *out, size_t cap, int i, const char *pattern)
{
    int n = snprintf(out, cap, "test.r%d userunknown /%s/\n", i, pattern);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void test_shared_keys(void **state)
{
    (void)state;
    setenv("BOUNCEKIT_CACHE_DIR", "off", 1);
    /* 50 literals that share their first 8 bytes and more (one key stands
     * for several), some a prefix of others, shorter than a key, longer than
     * a key and the 8 bytes checked after it; plain strings (decided by the
     * literal scan alone), with \b, and parts of patterns PCRE2 confirms */
    static const char *const ends[] = {"", "s", "x", "xy", "xyz", "abc", "abd", "b", "bb", "c"};
    /* each form: the pattern before and after the end, the word before and after */
    static const char *const forms[][4] = {
        {"recipient", "", "recipient", ""},
        {"\\brecipient address ", "\\b", "recipient address ", ""},
        {"recipient address rejected by policy ", "", "recipient address rejected by policy ", ""},
        {"recipient address rejected", "[0-9]+", "recipient address rejected", "1"},
        {"reci", "", "reci", ""},
        {" recipient address", "", " recipient address", ""}, /* keyed after the space */
    };
    char words[60][64], file[8192];
    size_t len = 0;
    for (int i = 0; i < 60; i++) {
        const char *const *f = forms[i / 10];
        const char *end = ends[i % 10];
        char pat[128];
        snprintf(pat, sizeof pat, "%s%s%s", f[0], end, f[1]);
        len += rule(file + len, sizeof file - len, i, pat);
        snprintf(words[i], sizeof words[i], "%s%s%s", f[2], end, f[3]);
    }
    bk_ruleset rs = {0};
    char err[512];
    if (rules_parse(&rs, "test.rules", file, len, RULES_CORE, err, sizeof err) != 0)
        fail_msg("%s", err);
    rule_matcher *two = rm_new(&rs, 1, RM_TWO_STAGE, err, sizeof err);
    rule_matcher *one = rm_new(&rs, 1, RM_ONE_DB, err, sizeof err);
    if (!two || !one)
        fail_msg("%s", err);
    char *buf = malloc(BK_REPLY_TEXT_MAX + 64);
    assert_non_null(buf);
    /* each word alone, with a byte more, with its last byte changed, and
     * with other words around it; with its first byte changed */
    for (int i = 0; i < 60; i++) {
        char t[256];
        size_t wl = strlen(words[i]);
        static const char *const around[][2] = {{"", ""}, {"", "q"}, {"", "."}, {"a ", " b"},
                                                {"x", " recipient address b"}};
        for (size_t v = 0; v < sizeof around / sizeof around[0]; v++) {
            int n = snprintf(t, sizeof t, "%s%s%s", around[v][0], words[i], around[v][1]);
            if (!compare(two, one, t, (size_t)n, buf))
                fail_msg("word %d, form %zu: the prefilter changed what matches", i, v);
        }
        memcpy(t, words[i], wl);
        t[wl - 1] = (char)(t[wl - 1] == 'q' ? 'r' : 'q');
        if (!compare(two, one, t, wl, buf))
            fail_msg("word %d changed: the prefilter changed what matches", i);
        memcpy(t + 1, words[i], wl);
        t[0] = 'x';
        t[1] = 'y';
        if (!compare(two, one, t, wl + 1, buf))
            fail_msg("word %d, first byte changed: the prefilter changed what matches", i);
    }
    /* the words found are the ones there */
    unsigned ids[64];
    size_t n;
    int over;
    const char *t = "reci and recipient address rejected by policy c";
    assert_int_equal(rm_scan(two, t, strlen(t), NULL, NULL, ids, 64, &n, &over), 0);
    int reci = 0, policy_c = 0, policy_b = 0;
    for (size_t i = 0; i < n; i++)
        reci |= ids[i] == 40, policy_c |= ids[i] == 29, policy_b |= ids[i] == 27;
    assert_true(reci && policy_c && !policy_b);
    free(buf);
    rm_free(two);
    rm_free(one);
    rules_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_extractor),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_stops),
        cmocka_unit_test(test_prefilter_loses_nothing),
        cmocka_unit_test(test_shared_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
