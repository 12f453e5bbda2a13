/*
 * test_logline.c - the prefix of mail log lines (src/lib/logs/logline.c):
 * stamps without a zone read in the local time zone, right at the changes
 * to and from summer time; RFC 5424 and Solaris prefixes; every cut of a
 * line read without reading past it; a lone stamp (log_stamp: PowerMTA's
 * timeLogged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"

/* the zones as POSIX rules, so that no tzdata is needed */
#define BERLIN "CET-1CEST,M3.5.0,M10.5.0/3"
#define NEW_YORK "EST5EDT,M3.2.0,M11.1.0"

typedef struct {
    const char *line;
    long long want;
} stamp_case;

/* time_of - the time log_line_parse reads from line, -1 when none */
static long long time_of(const char *line)
{
    log_line l;
    return log_line_parse(line, strlen(line), 2026, &l) == 0 ? l.time : -1;
}

static const stamp_case berlin[] = {
    {"2026-03-29T01:30:00 mx postfix/smtp[1]: x", 1774744200},   /* CET: 00:30Z */
    {"2026-03-29T02:30:00 mx postfix/smtp[1]: x", 1774747800},   /* skipped: read as CET */
    {"2026-03-29T03:30:00 mx postfix/smtp[1]: x", 1774747800},   /* CEST: 01:30Z */
    {"Oct 25 01:30:00 mx postfix/smtp[1]: x", 1792884600},       /* CEST: 23:30Z the day before */
    {"Oct 25 02:30:00 mx postfix/smtp[1]: x", 1792888200},       /* twice: the first, CEST */
    {"2026-10-25 03:30:00 [7] 1xbC0b-0000Jk-2Q => x", 1792895400}, /* Exim, CET */
    {"Dec  6 12:20:36 mx postfix/smtp[1]: x", 1796556036},
    {"2026-12-06 12:20:36 +0000 [7] 1xbC0b-0000Jk-2Q => x", 1796559636}, /* zones kept */
    {"2026-12-06T12:20:36Z mx postfix/smtp[1]: x", 1796559636},
    {"2026-12-06T12:20:36.123-05:00 mx postfix/smtp[1]: x", 1796577636},
    {"<22>1 2026-12-06T12:20:36+01:00 mx postfix/smtp 2002 - - x", 1796556036},
};

static const stamp_case new_york[] = {
    {"Mar  8 01:30:00 mx postfix/smtp[1]: x", 1772951400},       /* EST */
    {"Mar  8 02:30:00 mx postfix/smtp[1]: x", 1772955000},       /* skipped: read as EST */
    {"Mar  8 03:30:00 mx postfix/smtp[1]: x", 1772955000},       /* EDT */
    {"2026-11-01T00:30:00 mx postfix/smtp[1]: x", 1793507400},   /* EDT */
    {"2026-11-01T01:30:00 mx postfix/smtp[1]: x", 1793511000},   /* twice: the first, EDT */
    {"2026-11-01T02:30:00 mx postfix/smtp[1]: x", 1793518200},   /* EST */
    {"Dec  6 12:20:36 mx postfix/smtp[1]: x", 1796577636},
};

#define N_NY (sizeof new_york / sizeof new_york[0])

/* ny_times - the New York cases read by a thread of their own: its own
 * memo, and the time zone read anew */
static void *ny_times(void *arg)
{
    long long *got = arg;
    for (size_t i = 0; i < N_NY; i++)
        got[i] = time_of(new_york[i].line);
    return NULL;
}

static void test_local_time(void **state)
{
    (void)state;
    setenv("TZ", BERLIN, 1);
    for (size_t i = 0; i < sizeof berlin / sizeof berlin[0]; i++) {
        long long got = time_of(berlin[i].line);
        if (got != berlin[i].want)
            fail_msg("%s: %lld, want %lld", berlin[i].line, got, berlin[i].want);
    }
    /* the same hours in another order: the memo is per hour, not per line */
    for (size_t i = sizeof berlin / sizeof berlin[0]; i-- > 0;)
        assert_true(time_of(berlin[i].line) == berlin[i].want);
    setenv("TZ", NEW_YORK, 1);
    long long got[N_NY];
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, ny_times, got), 0);
    pthread_join(th, NULL);
    for (size_t i = 0; i < N_NY; i++)
        if (got[i] != new_york[i].want)
            fail_msg("%s: %lld, want %lld", new_york[i].line, got[i], new_york[i].want);
}

/* span_is - a span holds exactly s */
static int span_is(log_span v, const char *s)
{
    return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

static void test_prefixes(void **state)
{
    (void)state;
    log_line l;
    const char *t = "<22>1 2026-05-08T01:17:04.123456+02:00 mx postfix/smtp 2002 - "
                    "[x a=\"q \\\"]\\\" \"][y] 4104E3D: to=<a@example.com>";
    assert_int_equal(log_line_parse(t, strlen(t), 2026, &l), 0);
    assert_true(span_is(l.host, "mx") && span_is(l.prog, "postfix/smtp"));
    assert_true(span_is(l.msg, "4104E3D: to=<a@example.com>"));
    assert_int_equal(l.has_year, 1);
    assert_int_equal(l.month, 5);
    t = "<22>1 2026-05-08T01:17:04Z mx postfix/smtp 2002 - - \xEF\xBB\xBFhello";
    assert_int_equal(log_line_parse(t, strlen(t), 2026, &l), 0);
    assert_true(span_is(l.msg, "hello"));
    const char *bad[] = {"<22>1 - mx postfix/smtp 2002 - - x", "<22>2 2026-05-08T01:17:04Z mx p 1 - - x",
                         "<22>1 2026-05-08T01:17:04Z mx postfix/smtp 2002 - [x a=\"]\" x",
                         "<22>1 2026-05-08T01:17:04Z mx postfix/smtp 2002", "<123456>1 2026-05-08T01:17:04Z m p 1 - - x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (log_line_parse(bad[i], strlen(bad[i]), 2026, &l) == 0)
            fail_msg("read: %s", bad[i]);
    t = "Jun 27 11:12:13 host sendmail[15824]: [ID 801593 mail.info] r5R9BSU2021287: to=<a@example.com>";
    assert_int_equal(log_line_parse(t, strlen(t), 2026, &l), 0);
    assert_true(span_is(l.prog, "sendmail") && span_is(l.msg, "r5R9BSU2021287: to=<a@example.com>"));
    t = "Jun 27 11:12:13 host sendmail[15824]: [ID x mail.info] r5R9BSU2021287";
    assert_int_equal(log_line_parse(t, strlen(t), 2026, &l), 0);
    assert_true(span_is(l.msg, "[ID x mail.info] r5R9BSU2021287"));
}

/* every cut of each line, copied alone to the heap: ASan sees a read past it */
static void test_cuts(void **state)
{
    (void)state;
    const char *lines[] = {berlin[0].line, berlin[5].line, berlin[10].line,
                           "<22>1 2026-05-08T01:17:04Z mx postfix/smtp 2002 - [x a=\"\\\\\"] \xEF\xBB\xBFm",
                           "Jun 27 11:12:13 host sendmail[15824]: [ID 801593 mail.info] r"};
    log_line l;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        for (size_t n = 0; n <= strlen(lines[i]); n++) {
            char *c = malloc(n ? n : 1);
            assert_non_null(c);
            memcpy(c, lines[i], n);
            if (log_line_parse(c, n, 2026, &l) == 0)
                assert_true(l.msg.p >= c && l.msg.p + l.msg.len <= c + n);
            free(c);
        }
}

/* log_stamp - the whole value a stamp, its zone kept or local time */
static void test_stamp(void **state)
{
    (void)state;
    setenv("TZ", NEW_YORK, 1);
    assert_int_equal(log_stamp("2026-12-06 05:00:02-0500", 24), 1796551202LL);
    assert_int_equal(log_stamp("2026-12-06T10:00:02Z", 20), 1796551202LL);
    assert_int_equal(log_stamp("2026-12-06T11:00:02+01:00", 25), 1796551202LL);
    assert_int_equal(log_stamp("2026-12-06 05:00:02", 19), 1796551202LL); /* New York's wall clock */
    assert_int_equal(log_stamp("2026-12-06 05:00:02-0500 x", 26), -1);   /* more than a stamp */
    assert_int_equal(log_stamp("2026-12-06", 10), -1);
    assert_int_equal(log_stamp("1796551202", 10), -1);
    for (size_t n = 0; n < 24; n++) { /* every cut, alone on the heap */
        char *c = malloc(n ? n : 1);
        assert_non_null(c);
        memcpy(c, "2026-12-06 05:00:02-0500", n);
        long long t = log_stamp(c, n);
        assert_true(t == -1 || n >= 19);
        free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_cuts),
        cmocka_unit_test(test_stamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
