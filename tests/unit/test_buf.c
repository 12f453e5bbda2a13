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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows),
        cmocka_unit_test(test_ci_find),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
