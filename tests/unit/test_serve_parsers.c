/*
 * test_serve_parsers.c - the request readers of serve's Postfix servers:
 * netstrings (src/cli/netstring.c: socketmap_table(5)) and policy
 * delegation requests (src/cli/policy_req.c: SMTPD_POLICY_README), on whole,
 * partial, pipelined and malformed input.
 */
#include "netstring.h"
#include "policy_req.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* parse - ns_parse on a C string */
static ns_status parse(const char *in, size_t max, const char **d, size_t *n, size_t *used)
{
    return ns_parse(in, strlen(in), max, d, n, used);
}

/* test_netstring_whole - one and two netstrings, the empty one */
static void test_netstring_whole(void **state)
{
    (void)state;
    const char *d;
    size_t n, used;
    assert_int_equal(parse("27:suppressed jane@example.com,", 4096, &d, &n, &used), NS_OK);
    assert_int_equal(n, 27);
    assert_int_equal(used, 31);
    assert_memory_equal(d, "suppressed jane@example.com", 27);
    const char *two = "3:abc,2:de,";
    assert_int_equal(parse(two, 100, &d, &n, &used), NS_OK);
    assert_int_equal(used, 6);
    assert_int_equal(parse(two + used, 100, &d, &n, &used), NS_OK);
    assert_memory_equal(d, "de", 2);
    assert_int_equal(parse("0:,", 100, &d, &n, &used), NS_OK);
    assert_int_equal(n, 0);
}

/* test_netstring_partial - the start of one asks for more */
static void test_netstring_partial(void **state)
{
    (void)state;
    const char *d;
    size_t n, used;
    assert_int_equal(parse("", 100, &d, &n, &used), NS_MORE);
    assert_int_equal(parse("27", 100, &d, &n, &used), NS_MORE);
    assert_int_equal(parse("27:suppressed", 100, &d, &n, &used), NS_MORE);
    assert_int_equal(parse("3:abc", 100, &d, &n, &used), NS_MORE);
}

/* test_netstring_bad - malformed or too long: refused before the data */
static void test_netstring_bad(void **state)
{
    (void)state;
    const char *d;
    size_t n, used;
    assert_int_equal(parse("03:abc,", 100, &d, &n, &used), NS_BAD);
    assert_int_equal(parse(":abc,", 100, &d, &n, &used), NS_BAD);
    assert_int_equal(parse("3:abcd", 100, &d, &n, &used), NS_BAD);
    assert_int_equal(parse("3x", 100, &d, &n, &used), NS_BAD);
    assert_int_equal(parse("101:", 100, &d, &n, &used), NS_BAD);
    assert_int_equal(parse("99999999999999999999999999", 100, &d, &n, &used), NS_BAD);
}

/* test_netstring_append - written back, read again */
static void test_netstring_append(void **state)
{
    (void)state;
    bk_buf b = BK_BUF_INIT;
    ns_append(&b, "OK REJECT 5.1.1 x", 17);
    ns_append(&b, "", 0);
    assert_string_equal(b.data, "17:OK REJECT 5.1.1 x,0:,");
    bk_buf_free(&b);
}

/* test_policy_request - a request as Postfix sends it, then another */
static void test_policy_request(void **state)
{
    (void)state;
    const char *in = "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                     "client_address=192.0.2.1\nsender=alice@example.org\n"
                     "recipient=jane@example.com\nqueue_id=\ninstance=1.2.3\n\n"
                     "request=smtpd_access_policy\r\nprotocol_state=DATA\r\n\r\n";
    policy_req r;
    size_t used;
    const char *why = NULL;
    assert_int_equal(policy_req_parse(in, strlen(in), &r, &used, &why), 1);
    assert_string_equal(r.request, "smtpd_access_policy");
    assert_string_equal(r.protocol_state, "RCPT");
    assert_string_equal(r.recipient, "jane@example.com");
    assert_string_equal(r.sender, "alice@example.org");
    assert_string_equal(r.client_address, "192.0.2.1");
    assert_int_equal(r.attrs, 8);
    assert_int_equal(policy_req_parse(in + used, strlen(in + used), &r, &used, &why), 1);
    assert_string_equal(r.protocol_state, "DATA");
    assert_string_equal(r.recipient, "");
}

/* test_policy_partial_bad - incomplete asks for more; malformed says why */
static void test_policy_partial_bad(void **state)
{
    (void)state;
    policy_req r;
    size_t used;
    const char *why = NULL;
    const char *part = "request=smtpd_access_policy\nrecipient=a@b.example\n";
    assert_int_equal(policy_req_parse(part, strlen(part), &r, &used, &why), 0);
    assert_int_equal(policy_req_parse("no equals\n\n", 11, &r, &used, &why), -1);
    assert_non_null(strstr(why, "name=value"));
    assert_int_equal(policy_req_parse("=x\n\n", 4, &r, &used, &why), -1);
    assert_int_equal(policy_req_parse("a=\0b\n\n", 6, &r, &used, &why), -1);
    assert_non_null(strstr(why, "NUL"));
    static char big[POLICY_LINE_MAX + 16];
    memset(big, 'x', sizeof big);
    big[0] = 'a';
    big[1] = '=';
    assert_int_equal(policy_req_parse(big, sizeof big, &r, &used, &why), -1);
    /* a value longer than its field is cut, never overrun */
    static char longrcpt[2000];
    int k = snprintf(longrcpt, sizeof longrcpt, "recipient=%01500d@example.com\n\n", 0);
    assert_int_equal(policy_req_parse(longrcpt, (size_t)k, &r, &used, &why), 1);
    assert_int_equal(strlen(r.recipient), sizeof r.recipient - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netstring_whole), cmocka_unit_test(test_netstring_partial),
        cmocka_unit_test(test_netstring_bad),   cmocka_unit_test(test_netstring_append),
        cmocka_unit_test(test_policy_request),  cmocka_unit_test(test_policy_partial_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
