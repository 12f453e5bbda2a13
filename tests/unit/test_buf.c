/*
 * test_buf.c - the growable string and the bounded text helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

/* the first digit, at every place of the 16-byte steps; bytes around the
 * digits ('/' and ':', 0x80 and above) are not digits */
static void test_next_digit(void **state)
{
    (void)state;
    char s[80];
    for (size_t at = 0; at < 40; at++) {
        for (size_t i = 0; i < sizeof s; i++)
            s[i] = "/:\x80\xff a"[i % 6];
        s[at] = (char)('0' + at % 10);
        s[at + 30] = '9';
        assert_int_equal(bk_next_digit(s, 0, sizeof s), at);
        assert_int_equal(bk_next_digit(s, at, sizeof s), at);
        assert_int_equal(bk_next_digit(s, at + 1, sizeof s), at + 30);
        assert_int_equal(bk_next_digit(s, 0, at), at); /* none before the end */
        assert_int_equal(bk_next_digit(s, at + 31, sizeof s), sizeof s);
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

/* the Vectorscan scan and the plain loop find the same hits */
static void test_phrases(void **state)
{
    (void)state;
    static const char *const a[] = {"in reply to rcpt to command", "in reply to data command",
                                    "after end of data", ">>> data", "h="};
    static const char *const b[] = {"host ", "said:", "smtp;", "<<<"};
    static phrase_set sa, sb;
    static phrase_group g;
    phrase_set_init(&sa, a, 5);
    phrase_set_init(&sb, b, 4);
    const phrase_set *sets[] = {&sa, &sb};
    phrase_group_init(&g, sets, 2);
    assert_non_null(g.db);
    static const char *const texts[] = {
        "host mx.example.com[192.0.2.1] said: 550 5.1.1 no (in reply to RCPT TO command)",
        "SMTP error from remote mail server after end of data: host x H=y",
        "smtp; 550 x\n>>> DATA\n<<< 554 no", "xhost said:said: ghost h=1 H=2", "", "h",
        "IN REPLY TO DATA COMMAND in reply to data command"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        phrase_hit x[16], y[16];
        int mx, my;
        size_t n = strlen(texts[i]);
        size_t nx = phrase_scan(&g, texts[i], n, x, 16, &mx);
        size_t ny = phrase_scan_plain(&g, texts[i], n, y, 16, &my);
        assert_int_equal(nx, ny);
        assert_int_equal(mx, my);
        for (size_t k = 0; k < nx; k++) {
            assert_int_equal(x[k].pos, y[k].pos);
            assert_int_equal(x[k].set, y[k].set);
            assert_int_equal(x[k].phrase, y[k].phrase);
        }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_ci_find),
        cmocka_unit_test(test_next_digit),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_phrases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
