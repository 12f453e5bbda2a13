/*
 * test_reply_key.c - the log reader's verdict cache key (src/lib/logs/reply_key.c)
 * masks only what never decides a verdict.
 *
 * For every reply of the classifier's test table and of the benchmark mix, a
 * variant is made with each address, server id and time stamp changed to
 * another of the same shape (letters and digits rotated, domains too), and
 * with the IP address of a "host NAME[IP] said:" prefix changed. The variant
 * must get the same key and the same verdict (reason, rule, provider,
 * hardbounce, permanence, status, reply code, command) as the original.
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
#include "logs_internal.h"
#include "text.h"

#define TEXT_MAX 4096

typedef struct {
    size_t texts, addresses, ids, times, differ, domain_pairs, domain_shared;
} tally;

/* rotate - another character of the same class */
static char rotate(char c)
{
    if (c >= '0' && c <= '9')
        return (char)('0' + (c - '0' + 3) % 10);
    if (c >= 'a' && c <= 'z')
        return (char)('a' + (c - 'a' + 5) % 26);
    if (c >= 'A' && c <= 'Z')
        return (char)('A' + (c - 'A' + 5) % 26);
    return c;
}

static int alnum(char c) { return bk_is_alpha((unsigned char)c) || bk_is_digit((unsigned char)c); }

/* variant - t with the local parts of its addresses, long mixed ids and the
 * digits of time stamps rotated; with the domain of the addresses too when
 * domains is set (the first domain into first, of cap bytes); counts changes */
static void variant(const char *t, size_t n, char *out, int domains, char *first, size_t cap,
                    tally *k)
{
    memcpy(out, t, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '@' && i > 0 && i + 1 < n && alnum(t[i - 1]) && alnum(t[i + 1])) {
            size_t a = i, b = i + 1;
            while (a > 0 && (alnum(t[a - 1]) || strchr("._%+=-'", t[a - 1])))
                a--;
            /* a multi-line reply's "550-" before it is the code, not the local part */
            if (i - a > 4 && t[a] >= '2' && t[a] <= '5' && bk_is_digit((unsigned char)t[a + 1]) &&
                bk_is_digit((unsigned char)t[a + 2]) && t[a + 3] == '-')
                a += 4;
            while (b < n && (alnum(t[b]) || t[b] == '.' || t[b] == '-'))
                b++;
            for (size_t j = a; j < (domains ? b : i); j++)
                out[j] = rotate(t[j]);
            if (first && !first[0] && b - i - 1 < cap)
                snprintf(first, cap, "%.*s", (int)(b - i - 1), t + i + 1);
            k->addresses++;
            i = b;
            continue;
        }
        if (alnum(t[i]) && (i == 0 || !alnum(t[i - 1]))) {
            size_t b = i;
            int letters = 0, digits = 0;
            while (b < n && alnum(t[b])) {
                digits |= bk_is_digit((unsigned char)t[b]);
                letters |= bk_is_alpha((unsigned char)t[b]);
                b++;
            }
            if (b - i >= 12 && letters && digits && (b >= n || t[b] != '@')) {
                for (size_t j = i; j < b; j++)
                    out[j] = rotate(t[j]);
                k->ids++;
            }
            /* 2026-12-06T10:11:12: the digits of a time stamp */
            if (b - i == 4 && b + 15 <= n && t[b] == '-' && t[b + 3] == '-' && t[b + 6] == 'T') {
                for (size_t j = i; j < b + 15; j++)
                    out[j] = bk_is_digit((unsigned char)t[j]) ? rotate(t[j]) : t[j];
                k->times++;
                i = b + 14;
                continue;
            }
            i = b - 1;
        }
    }
}

/* same_verdict - the fields a verdict is made of agree */
static int same_verdict(const bk_verdict *a, const bk_verdict *b)
{
    return strcmp(a->reason, b->reason) == 0 && strcmp(a->rule, b->rule) == 0 &&
           (a->provider == b->provider ||
            (a->provider && b->provider && strcmp(a->provider, b->provider) == 0)) &&
           a->hardbounce == b->hardbounce && a->permanence == b->permanence &&
           strcmp(a->status, b->status) == 0 && a->reply_code == b->reply_code &&
           a->command == b->command;
}

/* key_of - the log reader's key: the providers of host and domain, then
 * the masked text (as classify() in logs.c builds it, less the status) */
static size_t key_of(const bk_classifier *c, const char *t, const char *host, const char *domain,
                     char *out, size_t cap)
{
    const char *hp = host ? bk_classifier_provider(c, host, strlen(host), NULL, 0) : NULL;
    const char *dp = domain ? bk_classifier_provider(c, NULL, 0, domain, strlen(domain)) : NULL;
    memcpy(out, &hp, sizeof hp);
    memcpy(out + sizeof hp, &dp, sizeof dp);
    size_t k = 2 * sizeof hp;
    return k + reply_key(t, strlen(t), host, domain, out + k, cap - k);
}

/* check_pair - when a (with its hints) and b (with its own domain) share a
 * key, they share a verdict; returns whether they share the key */
static int check_pair(const bk_classifier *c, const char *a, const char *b, const char *host,
                      const char *da, const char *db, tally *k)
{
    char ka[TEXT_MAX + 64], kb[TEXT_MAX + 64];
    size_t la = key_of(c, a, host, da, ka, sizeof ka);
    size_t lb = key_of(c, b, host, db, kb, sizeof kb);
    bk_hints ha = {.host = host, .domain = da}, hb = {.host = host, .domain = db};
    bk_verdict va, vb;
    assert_int_equal(bk_classify(c, a, strlen(a), &ha, &va, NULL), 0);
    assert_int_equal(bk_classify(c, b, strlen(b), &hb, &vb, NULL), 0);
    k->texts++;
    int shared = la == lb && memcmp(ka, kb, la) == 0;
    if (shared && !same_verdict(&va, &vb)) {
        fprintf(stderr, "differ:\n  %s -> %s (%s, %s)\n  %s -> %s (%s, %s)\n", a, va.reason,
                va.rule, va.provider ? va.provider : "-", b, vb.reason, vb.rule,
                vb.provider ? vb.provider : "-");
        k->differ++;
    }
    return shared;
}

/* check_text - t against its variants: without hints, behind a relay's
 * "host ...[IP] said:" prefix, and with its first address's domain as the
 * recipient's domain */
static void check_text(const bk_classifier *c, const char *t, tally *k)
{
    size_t n = strlen(t);
    if (n + 64 >= TEXT_MAX)
        return;
    char v[TEXT_MAX], p1[TEXT_MAX + 64], p2[TEXT_MAX + 64], d1[256] = "", d2[256] = "";
    variant(t, n, v, 0, NULL, 0, k);
    if (!check_pair(c, t, v, NULL, NULL, NULL, k)) {
        fprintf(stderr, "not masked alike:\n  %s\n  %s\n", t, v);
        k->differ++;
    }
    snprintf(p1, sizeof p1, "host mx2.example.net[192.0.2.7] said: %s", t);
    snprintf(p2, sizeof p2, "host mx2.example.net[2001:db8::25] said: %s", v);
    if (!check_pair(c, p1, p2, "mx2.example.net", NULL, NULL, k)) {
        fprintf(stderr, "not masked alike:\n  %s\n  %s\n", p1, p2);
        k->differ++;
    }
    tally ignored = {0};
    variant(t, n, v, 1, d1, sizeof d1, &ignored);
    if (d1[0]) {
        for (size_t i = 0; d1[i]; i++)
            d2[i] = rotate(d1[i]);
        k->domain_pairs++;
        k->domain_shared += (size_t)check_pair(c, t, v, NULL, d1, d2, k);
    }
}

/* each_line - check_text for every line of path; column col of a TSV file
 * (-1: the whole line, with "\n" written for line breaks) */
static void each_line(const bk_classifier *c, const char *path, int col, tally *k)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[TEXT_MAX];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *t = line;
        for (int i = 0; i < col && t; i++) {
            t = strchr(t, '\t');
            t = t ? t + 1 : NULL;
        }
        if (!t)
            continue;
        if (col >= 0)
            t[strcspn(t, "\t")] = '\0';
        check_text(c, t, k);
    }
    fclose(f);
}

static void test_masked_parts_never_decide(void **state)
{
    (void)state;
    char err[256];
    bk_classifier *c = bk_classifier_new(NULL, 0, err, sizeof err);
    assert_non_null(c);
    tally k = {0};
    each_line(c, SOURCE_DIR "/tests/data/classify-cases.tsv", 6, &k);
    each_line(c, SOURCE_DIR "/bench/mix/replies.txt", -1, &k);
    printf("reply_key: %zu pairs, %zu addresses, %zu ids, %zu time stamps changed; %zu of %zu "
           "pairs with another recipient domain share a key; %zu differ\n",
           k.texts, k.addresses, k.ids, k.times, k.domain_shared, k.domain_pairs, k.differ);
    bk_classifier_free(c);
    assert_true(k.texts > 3000);
    assert_true(k.addresses > 100 && k.ids > 10 && k.times > 0 && k.domain_shared > 100);
    assert_int_equal(k.differ, 0);
}

/* the masks themselves, on hand-made texts */
static void test_marks(void **state)
{
    (void)state;
    char out[256];
    const char *t = "host mx.example.com[192.0.2.1] said: 550 5.1.1 <jane.doe+x@example.com>: "
                    "unknown 2026-12-06T10:11:12.123Z a640e7c7d6b9si1234567pjb.345 - gsmtp";
    size_t n = reply_key(t, strlen(t), "mx.example.com", "example.com", out, sizeof out);
    const char want[] = "\001550 5.1.1 <\005>: unknown \004 \003.345 - gsmtp";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, n);
    /* another relay: the prefix stays; short codes and words stay */
    t = "host other.example[192.0.2.1] said: 421 TSS04 BL000001 unavailable";
    n = reply_key(t, strlen(t), "mx.example.com", NULL, out, sizeof out);
    assert_int_equal(n, strlen(t));
    assert_memory_equal(out, t, n);
    /* too small: 0 */
    assert_int_equal(reply_key(t, strlen(t), NULL, NULL, out, 10), 0);
    /* another domain than the recipient's stays */
    t = "550 <jane@docomo.ne.jp>: User unknown";
    n = reply_key(t, strlen(t), NULL, "example.com", out, sizeof out);
    const char kept[] = "550 <\002@docomo.ne.jp>: User unknown";
    assert_int_equal(n, sizeof kept - 1);
    assert_memory_equal(out, kept, n);
    /* a multi-line reply's code before an unspaced address stays */
    t = "550-bob@example.net is not an active address";
    n = reply_key(t, strlen(t), NULL, "example.net", out, sizeof out);
    const char coded[] = "550-\005 is not an active address";
    assert_int_equal(n, sizeof coded - 1);
    assert_memory_equal(out, coded, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_masked_parts_never_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
