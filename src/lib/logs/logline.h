/*
 * logline.h - the common prefix of mail log lines: the time, the host, the
 * program and its process id, and the message after them. Knows classic
 * syslog ("Dec  6 12:20:36 host prog[pid]: msg", also Postfix's own
 * maillog_file), RFC 3339 stamps (rsyslog, journalctl -o short-iso:
 * "2026-12-06T12:20:36.123+01:00 host prog[pid]: msg"), RFC 5424 lines
 * ("<22>1 2026-12-06T12:20:36.123+01:00 host prog pid - - msg", structured
 * data "-" or "[...]"), Solaris's "[ID 801593 mail.info] " after the program,
 * and Exim's main log ("2026-12-06 12:20:36 [pid] msg", no host or program).
 *
 * Stamps without a zone (classic syslog, Exim's without log_timezone) are
 * the server's wall clock: they are read in the process's local time zone
 * (TZ, else /etc/localtime), its offset found once per local hour.
 */
#ifndef BK_LOGLINE_H
#define BK_LOGLINE_H

#include <stddef.h>

typedef struct {
    const char *p;
    size_t len;
} log_span;

typedef enum { LINE_SYSLOG = 1, LINE_EXIM } log_line_kind;

typedef struct {
    log_line_kind kind;
    long long time;      /* seconds since 1970; times without a zone read as local time */
    int has_year;        /* the stamp gave the year */
    int month;           /* 1-12, for year roll-over of syslog stamps */
    log_span host;       /* syslog only */
    log_span prog;       /* "postfix/smtp", "sendmail", "exim"; syslog only */
    log_span msg;        /* the rest of the line */
} log_line;

/* log_line_parse - the prefix of line[0..len); year is used for stamps
 * without one. Returns 0, or -1 when the line has no known prefix. */
int log_line_parse(const char *line, size_t len, int year, log_line *out);

/* log_stamp - the whole of p[0..len) as an RFC 3339 or "YYYY-MM-DD HH:MM:SS"
 * stamp (a zone "Z", "+01:00" or "-0500" kept, none read as local time):
 * seconds since 1970, -1 when it is none */
long long log_stamp(const char *p, size_t len);


#endif
