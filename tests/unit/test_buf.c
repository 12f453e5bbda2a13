/*
 * test_buf.c - the growable string and the bounded text helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "phrases.h"
#include "text.h"

static void test_buf_grows(void **state)
{
    (void)state;
    bk_buf b = BK_BUF_INIT;
    assert_string_equal(bk_buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        bk_buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.data));
    assert_memory_equal(b.data, "0,1,2,", 6);
    assert_memory_equal(b.data + b.len - 4, "999,", 4);
    bk_buf_reset(&b);
    assert_int_equal(b.len, 0);
    bk_buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_int_equal(b.data[3], '\0');
    bk_buf_free(&b);
    assert_null(b.data);
}

static void test_ci_find(void **state)
{
    (void)state;
    const char *h = "Host MX.Example said: 550";
    assert_int_equal(bk_ci_find(h, strlen(h), "mx.example"), 5);
    assert_int_equal(bk_ci_find(h, strlen(h), "SAID:"), 16);
    assert_int_equal(bk_ci_find(h, 4, "host said"), -1);
    /* never reads past the given length */
    assert_int_equal(bk_ci_find(h, 3, "Host"), -1);
    assert_true(bk_ci_prefix("RCPT TO", 7, "rcpt"));
    assert_false(bk_ci_prefix("RC", 2, "rcpt"));
}

/* naive_ci_find - bk_ci_find's answer, one place after another */
static long naive_ci_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && bk_lower((unsigned char)hay[i + k]) == bk_lower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return (long)i;
    }
    return -1;
}

/* every length of hay and needle, the last places included, agrees with
 * the naive search (the 16-byte steps and the last 16 places read at once) */
static void test_ci_find_lengths(void **state)
{
    (void)state;
    static const char alphabet[] = "aAbB-:x";
    unsigned seed = 12345;
    char hay[128], needle[24];
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % 97), n = 1 + (size_t)(round / 97 % 20);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            hay[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        hay[len] = 'Z'; /* past the end: never part of a match */
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            needle[k] = alphabet[(seed >> 16) % 3];
        }
        needle[n] = '\0';
        if (len >= n && round % 3 == 0) { /* a needle that is there, near the end */
            size_t at = len - n - (size_t)(round % 5 < (int)(len - n) ? round % 5 : 0);
            memcpy(needle, hay + at, n);
        }
        assert_int_equal(bk_ci_find(hay, len, needle), naive_ci_find(hay, len, needle));
    }
}

/* bk_put_decimal writes what printf's "%0*lld" writes */
static void test_put_decimal(void **state)
{
    (void)state;
    static const long long values[] = {0, 7, 9, 10, 99, 100, 2026, -1, -42, 1780000000,
                                       9223372036854775807LL, -9223372036854775807LL - 1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        for (int width = 1; width <= 4; width++) {
            char want[64], got[64];
            snprintf(want, sizeof want, "%0*lld", width, values[i]);
            size_t n = bk_put_decimal(got, values[i], width);
            got[n] = '\0';
            assert_string_equal(got, want);
        }
}

static void test_utf8(void **state)
{
    (void)state;
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xC3\xA9", 2), 2);
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xC3", 1), 0);      /* cut short */
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xC0\xAF", 2), 0);  /* overlong */
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xED\xA0\x80", 3), 0); /* surrogate */
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(bk_utf8_seq_len((const unsigned char *)"\xF5\x80\x80\x80", 4), 0);
}

/* group_of - g from the two tables a and b (kept in sa and sb) */
static void group_of(phrase_group *g, phrase_set *sa, const char *const *a, size_t na,
                     phrase_set *sb, const char *const *b, size_t nb)
{
    phrase_set_init(sa, a, na);
    phrase_set_init(sb, b, nb);
    const phrase_set *sets[] = {sa, sb};
    phrase_group_init(g, sets, 2);
    assert_non_null(phrase_group_db(g));
}

/* same_hits - two scans found the same */
static void same_hits(const phrase_hit *x, size_t nx, int mx, const phrase_hit *y, size_t ny,
                      int my)
{
    assert_int_equal(nx, ny);
    assert_int_equal(mx, my);
    for (size_t k = 0; k < nx; k++) {
        assert_int_equal(x[k].pos, y[k].pos);
        assert_int_equal(x[k].set, y[k].set);
        assert_int_equal(x[k].phrase, y[k].phrase);
    }
}

/* the Vectorscan scan, the plain loop and the scan of the word starts find
 * the same hits */
static void test_phrases(void **state)
{
    (void)state;
    static const char *const a[] = {"in reply to rcpt to command", "in reply to data command",
                                    "after end of data", ">>> data", "h="};
    static const char *const b[] = {"host ", "said:", "smtp;", "<<<"};
    static phrase_set sa, sb;
    static phrase_group g;
    group_of(&g, &sa, a, 5, &sb, b, 4);
    static const char *const texts[] = {
        "host mx.example.com[192.0.2.1] said: 550 5.1.1 no (in reply to RCPT TO command)",
        "SMTP error from remote mail server after end of data: host x H=y",
        "smtp; 550 x\n>>> DATA\n<<< 554 no", "xhost said:said: ghost h=1 H=2", "", "h",
        "IN REPLY TO DATA COMMAND in reply to data command"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        phrase_hit x[16], y[16], w[16];
        int mx, my, mw;
        size_t n = strlen(texts[i]);
        g.fast = 0;
        size_t nx = phrase_scan(&g, texts[i], n, x, 16, &mx);
        size_t ny = phrase_scan_plain(&g, texts[i], n, y, 16, &my);
        same_hits(x, nx, mx, y, ny, my);
        g.fast = 1; /* and the scan of the word starts */
        size_t nw = phrase_scan(&g, texts[i], n, w, 16, &mw);
        same_hits(x, nx, mx, w, nw, mw);
    }
    /* only at word starts: "xhost" and "ghost" are not "host" */
    phrase_hit h[16];
    int more;
    size_t n = phrase_scan(&g, "xhost ghost host ", 17, h, 16, &more);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].pos, 12);
    /* the bound holds and says there was more */
    n = phrase_scan(&g, "h= h= h= h=", 11, h, 2, &more);
    assert_int_equal(n, 2);
    assert_true(more);
}

/* the scan of the word starts (16 bytes at a time) and the Vectorscan scan
 * find the same hits, at every place of the 16-byte steps, in any case and
 * cut short at the end of the text, and the same first ones when the bound
 * cuts them short */
static void test_phrase_words(void **state)
{
    (void)state;
    static const char *const a[] = {"in reply to data command", "in reply to", ">>> ", "h=",
                                    ">>> data", "said:"};
    static const char *const b[] = {"host ", "in reply", "smtp;", "<<<"};
    static phrase_set sa, sb;
    static phrase_group g;
    /* the Vectorscan database is made only when a scan of the word starts
     * finds more than its bound */
    phrase_set_init(&sa, a, 6);
    phrase_set_init(&sb, b, 4);
    const phrase_set *sets[] = {&sa, &sb};
    phrase_group_init(&g, sets, 2);
    assert_true(g.fast);
    phrase_hit few[4];
    int more;
    assert_int_equal(phrase_scan(&g, "host x said: h=1", 16, few, 4, &more), 3);
    assert_false(more);
    assert_false(g.db_tried);
    assert_null(g.db);
    assert_int_equal(phrase_scan(&g, "h= h= h= h= h=", 14, few, 4, &more), 4);
    assert_true(more);
    assert_true(g.db_tried);
    assert_non_null(g.db);
    assert_ptr_equal(phrase_group_db(&g), g.db);
    static const char *const pieces[] = {"In Reply To DATA command", "host ", "xhost ", "H=",
                                         "9h=", ">>> DATA", "\xc3\xa9said:", "_smtp;", "<<<",
                                         "said", " ", "\t", "-", "z", "iN rEPLY", "HOST ",
                                         "hOsT ", "h=", "SAID:", "sMtP;", "<<", "Hos", "sa"};
    char text[256];
    unsigned seed = 1;
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        while (len < 200) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            memcpy(text + len, p, pl);
            len += pl;
        }
        for (size_t max = 2; max <= 64; max *= 32) {
            phrase_hit x[64], y[64];
            int mx, my;
            g.fast = 1;
            size_t nx = phrase_scan(&g, text, len - round % 17, x, max, &mx);
            g.fast = 0;
            size_t ny = phrase_scan(&g, text, len - round % 17, y, max, &my);
            same_hits(x, nx, mx, y, ny, my);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_ci_find),
        cmocka_unit_test(test_ci_find_lengths),
        cmocka_unit_test(test_put_decimal),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_phrase_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
