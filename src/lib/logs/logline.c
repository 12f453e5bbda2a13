/*
 * logline.c - the common prefix of mail log lines (see logline.h).
 */
#define _POSIX_C_SOURCE 200809L /* localtime_r, tzset */
#include "logline.h"
#include "text.h"

#include <limits.h>
#include <string.h>
#include <time.h>

static const char MONTHS[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* month_of - 1-12 for the month name "Mmm" at p, 0 when none */
static int month_of(const char *p)
{
    int guess; /* the only month each first letter can start, bar J, M and A */
    switch (p[0]) {
    case 'J': guess = p[1] == 'a' ? 1 : p[2] == 'n' ? 6 : 7; break;
    case 'F': guess = 2; break;
    case 'M': guess = p[2] == 'r' ? 3 : 5; break;
    case 'A': guess = p[1] == 'p' ? 4 : 8; break;
    case 'S': guess = 9; break;
    case 'O': guess = 10; break;
    case 'N': guess = 11; break;
    case 'D': guess = 12; break;
    default: return 0;
    }
    return memcmp(MONTHS + (guess - 1) * 3, p, 3) == 0 ? guess : 0;
}

/* clock_at - "HH:MM:SS" at p as seconds of the day, or -1 */
static long long clock_at(const char *p, size_t avail)
{
    if (avail < 8 || p[2] != ':' || p[5] != ':')
        return -1;
    int h = bk_digits(p, 2), m = bk_digits(p + 3, 2), s = bk_digits(p + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
        return -1;
    return h * 3600LL + m * 60LL + s;
}

/* zone_offset - seconds east of UTC of the local time zone at the instant t */
static long long zone_offset(long long t)
{
    time_t x = (time_t)t;
    struct tm tm;
    if (!localtime_r(&x, &tm))
        return 0;
    long long wall = bk_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400LL +
                     tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec;
    return wall - t;
}

/* from_local - the instant of a local wall-clock time (seconds since 1970 as
 * if it were UTC). The offset is found once per local hour (per thread): the
 * offsets a day before and after the hour's start, and each checked at the
 * instant it gives (the offset at the guess is wrong in the hour after a
 * change). The one before a change wins when it holds there (of an hour that
 * occurs twice, the first), and in a gap that spring forward skipped. */
static long long from_local(long long wall)
{
    static _Thread_local long long memo_hour = LLONG_MIN, memo_off;
    static _Thread_local int zone_read;
    long long hour = wall / 3600;
    if (hour != memo_hour) {
        if (!zone_read) { /* TZ, else /etc/localtime: read once */
            tzset();
            zone_read = 1;
        }
        long long start = hour * 3600;
        long long before = zone_offset(start - 86400), after = zone_offset(start + 86400);
        memo_off = before;
        if (before != after && zone_offset(start - before) != before &&
            zone_offset(start - after) == after)
            memo_off = after;
        memo_hour = hour;
    }
    return wall - memo_off;
}

/* word - the run of non-blank bytes at p[*i], moving *i past it and the blank after */
static log_span word(const char *p, size_t len, size_t *i)
{
    log_span w = {p + *i, 0};
    const char *sp = *i < len ? memchr(p + *i, ' ', len - *i) : NULL;
    *i = sp ? (size_t)(sp - p) : len;
    w.len = (size_t)(p + *i - w.p);
    while (*i < len && p[*i] == ' ')
        (*i)++;
    return w;
}

/* program - "prog[pid]:" at p[*i]; the name without the pid */
static int program(const char *p, size_t len, size_t *i, log_span *prog)
{
    size_t s = *i;
    while (*i < len && p[*i] != ' ' && p[*i] != ':' && p[*i] != '[')
        (*i)++;
    prog->p = p + s;
    prog->len = *i - s;
    if (*i < len && p[*i] == '[') {
        while (*i < len && p[*i] != ']')
            (*i)++;
        if (*i < len)
            (*i)++;
    }
    if (*i >= len || p[*i] != ':' || prog->len == 0)
        return -1;
    (*i)++;
    if (*i < len && p[*i] == ' ')
        (*i)++;
    return 0;
}

/* iso_stamp - "YYYY-MM-DD[T ]HH:MM:SS[.frac][zone]" at p; its length, 0 when
 * none. *t is the instant when the stamp has a zone (*zoned set), otherwise
 * the wall-clock time as if it were UTC. */
static size_t iso_stamp(const char *p, size_t len, long long *t, int *zoned)
{
    if (len < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' '))
        return 0;
    int y = bk_digits(p, 4), mo = bk_digits(p + 5, 2), d = bk_digits(p + 8, 2);
    long long c = clock_at(p + 11, len - 11);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || c < 0)
        return 0;
    size_t i = 19;
    if (i < len && (p[i] == '.' || p[i] == ','))
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
            ;
    long long off = 0;
    *zoned = 0;
    if (i < len && p[i] == 'Z') {
        i++;
        *zoned = 1;
    } else if (i + 5 <= len && (p[i] == '+' || p[i] == '-')) {
        /* +01:00, +0100 (Exim writes " +0100" after a space: see exim) */
        int hh = bk_digits(p + i + 1, 2), mm = -1;
        size_t k = i + 3;
        if (k < len && p[k] == ':')
            k++;
        if (k + 2 <= len)
            mm = bk_digits(p + k, 2);
        if (hh >= 0 && mm >= 0) {
            off = (hh * 3600LL + mm * 60LL) * (p[i] == '-' ? -1 : 1);
            i = k + 2;
            *zoned = 1;
        }
    }
    *t = bk_days_from_civil(y, mo, d) * 86400LL + c - off;
    return i;
}

/* rfc5424_head - "<PRI>1 " at p (RFC 5424, rsyslog's
 * RSYSLOG_SyslogProtocol23Format): its length, 0 when none */
static size_t rfc5424_head(const char *p, size_t len)
{
    size_t i = 1;
    while (i < len && i < 4 && bk_is_digit((unsigned char)p[i]))
        i++;
    if (len < 5 || p[0] != '<' || i == 1 || i + 3 > len || p[i] != '>' || p[i + 1] != '1' ||
        p[i + 2] != ' ')
        return 0;
    return i + 3;
}

/* structured_data - RFC 5424's "-" or "[id k="v"]..." at p[*i] and the
 * blank after; -1 when neither (a ']' inside a quoted value is escaped) */
static int structured_data(const char *p, size_t len, size_t *i)
{
    if (*i < len && p[*i] == '-')
        (*i)++;
    else if (*i >= len || p[*i] != '[')
        return -1;
    while (*i < len && p[*i] == '[') {
        int quoted = 0;
        for ((*i)++; *i < len && (quoted || p[*i] != ']'); (*i)++)
            if (quoted && p[*i] == '\\' && *i + 1 < len)
                (*i)++;
            else if (p[*i] == '"')
                quoted = !quoted;
        if (*i >= len)
            return -1;
        (*i)++;
    }
    if (*i < len && p[*i] != ' ')
        return -1;
    if (*i < len)
        (*i)++;
    if (len - *i >= 3 && memcmp(p + *i, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 message's BOM */
        *i += 3;
    return 0;
}

/* solaris_tag - Solaris syslog's "[ID 801593 mail.info] " at p: its length,
 * 0 when none */
static size_t solaris_tag(const char *p, size_t len)
{
    if (len < 4 || memcmp(p, "[ID ", 4) != 0)
        return 0;
    size_t i = 4, k;
    while (i < len && bk_is_digit((unsigned char)p[i]))
        i++;
    if (i == 4 || i >= len || p[i] != ' ')
        return 0;
    for (k = i + 1; k < len && (bk_is_alnum((unsigned char)p[k]) || p[k] == '.'); k++)
        ;
    if (k == i + 1 || k >= len || p[k] != ']')
        return 0;
    k++;
    return k < len && p[k] == ' ' ? k + 1 : k;
}

long long log_stamp(const char *p, size_t len)
{
    long long t;
    int zoned;
    size_t n = iso_stamp(p, len, &t, &zoned);
    if (!n || n != len)
        return -1;
    return zoned ? t : from_local(t);
}

int log_line_parse(const char *p, size_t len, int year, log_line *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0, head = len && p[0] == '<' ? rfc5424_head(p, len) : 0;
    long long t;
    int zoned;
    size_t n = iso_stamp(p + head, len - head, &t, &zoned);
    if (head && !n)
        return -1;
    n += head;
    if (n > head && n < len && p[n] == ' ') {
        out->has_year = 1;
        out->month = bk_digits(p + head + 5, 2);
        i = n + 1;
        if (!head && p[10] == ' ') {
            /* Exim: "2026-12-06 12:20:36 [+0100] [pid] message" */
            out->kind = LINE_EXIM;
            if (i + 5 < len && (p[i] == '+' || p[i] == '-') && bk_digits(p + i + 1, 4) >= 0) {
                int z = bk_digits(p + i + 1, 4);
                long long off = ((z / 100) * 3600LL + (z % 100) * 60LL) * (p[i] == '-' ? -1 : 1);
                t -= off;
                zoned = 1;
                i += 5;
                while (i < len && p[i] == ' ')
                    i++;
            }
            out->time = zoned ? t : from_local(t);
            if (i < len && p[i] == '[') {
                while (i < len && p[i] != ']')
                    i++;
                if (i < len)
                    i++;
                while (i < len && p[i] == ' ')
                    i++;
            }
            out->msg.p = p + i;
            out->msg.len = len - i;
            return 0;
        }
        out->time = zoned ? t : from_local(t);
    } else if (head) {
        return -1;
    } else {
        /* "Mmm dd HH:MM:SS " with the day space-padded or not */
        if (len < 16 || p[3] != ' ' || !(p[0] >= 'A' && p[0] <= 'Z') ||
            !(p[1] >= 'a' && p[1] <= 'z') || !(p[2] >= 'a' && p[2] <= 'z'))
            return -1;
        int mon = month_of(p);
        if (mon == 0)
            return -1;
        size_t k = 4;
        if (p[k] == ' ')
            k++;
        int d = 0;
        while (k < len && p[k] >= '0' && p[k] <= '9' && d < 100)
            d = d * 10 + (p[k++] - '0');
        if (d < 1 || d > 31 || k >= len || p[k] != ' ')
            return -1;
        k++;
        long long c = clock_at(p + k, len - k);
        if (c < 0)
            return -1;
        k += 8;
        if (k < len && p[k] == '.') /* high-precision syslog without a year */
            for (k++; k < len && p[k] >= '0' && p[k] <= '9'; k++)
                ;
        if (k >= len || p[k] != ' ')
            return -1;
        /* the date changes once a day: remember the last one (per thread) */
        static _Thread_local int memo_y, memo_m, memo_d;
        static _Thread_local long long memo_days;
        if (year != memo_y || mon != memo_m || d != memo_d || !memo_m) {
            memo_days = bk_days_from_civil(year, mon, d);
            memo_y = year;
            memo_m = mon;
            memo_d = d;
        }
        out->time = from_local(memo_days * 86400LL + c);
        out->month = mon;
        i = k + 1;
    }
    out->kind = LINE_SYSLOG;
    out->host = word(p, len, &i);
    if (head) {
        /* RFC 5424: APP-NAME PROCID MSGID STRUCTURED-DATA MSG; the program is APP-NAME */
        out->prog = word(p, len, &i);
        log_span procid = word(p, len, &i), msgid = word(p, len, &i);
        if (!out->prog.len || !procid.len || !msgid.len || structured_data(p, len, &i) != 0)
            return -1;
    } else if (program(p, len, &i, &out->prog) != 0)
        return -1;
    i += solaris_tag(p + i, len - i);
    out->msg.p = p + i;
    out->msg.len = len - i;
    return 0;
}
