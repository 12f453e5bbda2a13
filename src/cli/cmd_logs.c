/*
 * cmd_logs.c - bouncekit logs: read Postfix, Exim and Sendmail logs,
 * KumoMTA's JSON log records and PowerMTA's accounting CSV (plain
 * or gzip, several files merged in time order, or standard input; --follow
 * tails a live log across rotation), one outcome per recipient delivery,
 * and print either every outcome (--events, JSON Lines) or the delivery
 * health report (terminal, --json, or --html FILE).
 *
 * Exit status: 0 read and below the bounce-rate line, 3 the line was crossed
 * (overall or by a sender), 1 an input could not be read or no line read had
 * a prefix the reader knows (a log in another format), 2 bad usage. A file
 * none of whose lines told of a delivery is named in a warning.
 */
#include "cli.h"
#include "logs_input.h"
#include "logs_report.h"
#include "records.h"
#include "term.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULE_FILES 16
enum { EXIT_CROSSED = 3 };

typedef struct {
    int events;
    logs_report *report;
} run;

/* what one input gave, until a line of it is a mail program's */
typedef struct {
    unsigned long long lines; /* lines read while none was known */
    int known;                /* a line was used, or a mail program's but malformed */
    int prefixed;             /* a line had a prefix the reader knows */
    char first[64];           /* the first non-empty line, cut */
    size_t first_len, first_full; /* the bytes kept, and the whole line's length */
} file_use;

static volatile int stop_requested;

/* on_signal - SIGINT/SIGTERM: end the run and print what was seen */
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* logs_usage - the subcommand's help */
static void logs_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit logs [OPTIONS] FILE...\n"
            "\n"
            "Read mail logs (Postfix, Exim, Sendmail; KumoMTA's JSON log records; PowerMTA's\n"
            "accounting CSV, read after its header row; plain or .gz; - for standard input)\n"
            "and report delivery health: one outcome per recipient (delivered, deferred,\n"
            "bounced, expired, rejected at submission) with a verdict on every failure.\n"
            "Each line's format is known by itself: logs of several MTAs mix. Several\n"
            "files are merged in time order (mail.log.2.gz mail.log.1 mail.log).\n"
            "\n"
            "Options:\n"
            "  --events          print every outcome as JSON Lines instead of the report\n"
            "  --json            the report as one JSON object\n"
            "  --html FILE       also write the report as one self-contained HTML page\n"
            "  --threshold PCT   the bounce-rate line, in per cent (default 2)\n"
            "  --min-volume N    messages a sender needs before it can be flagged (default 10)\n"
            "  --top N           rows per table (default 10)\n"
            "  --follow          keep reading the last file as it grows (and after rotation);\n"
            "                    Ctrl-C ends the run and prints the report\n"
            "  --horizon TIME    forget a queue id idle this long: 30m, 12h, 7d (default 7d)\n"
            "  --max-queue N     queue ids kept at once (default 100000)\n"
            "  --year YEAR       the year of syslog time stamps, which have none (default:\n"
            "                    this year, or the last for a date still to come)\n"
            "  --rules FILE      classify with this rule file first (may be repeated)\n"
            "  --config FILE     read this configuration file instead of the default\n"
            "  --no-progress     no progress line, even on a terminal\n"
            "  --help            this text\n"
            "\n"
            "Time stamps without a zone (classic syslog, Exim's main log) are read in the\n"
            "local time zone: set TZ to read another server's logs (TZ=Europe/Berlin).\n"
            "\n"
            "A file none of whose lines tells of a delivery by one of these MTAs\n"
            "is named on standard error, with the first of its lines.\n"
            "\n"
            "Exit status: 0 below the line, 3 the bounce rate (overall or of a sender)\n"
            "crossed the line, 1 an input could not be read or lines were read but none\n"
            "of any input had a prefix this reader knows (syslog, RFC 3339, RFC 5424,\n"
            "Exim's main log), 2 bad usage.\n"
            "\n"
            "Examples:\n"
            "  bouncekit logs /var/log/mail.log.1 /var/log/mail.log\n"
            "  bouncekit logs --events /var/log/mail.log | jq -c 'select(.hardbounce)'\n"
            "  bouncekit logs --threshold 1 --html /var/www/health.html /var/log/mail.log\n"
            "  bouncekit logs /var/log/pmta/acct-*.csv\n"
            "  zstdcat /var/log/kumomta/* | bouncekit logs -   # KumoMTA's local log segments\n");
}

/* opt_str - a JSON string, or null when empty */
static json_t *opt_str(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* iso_time - seconds since 1970 as "2026-12-06T12:20:36Z" */
static json_t *iso_time(long long t)
{
    char buf[32];
    time_t x = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&x, &tm))
        return json_null();
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* action_of - the DSN action word of an outcome */
static const char *action_of(bk_log_outcome o)
{
    return o == BK_LOG_DELIVERED ? "delivered" : o == BK_LOG_DEFERRED ? "delayed" : "failed";
}

/* event_json - one outcome as a JSON object (DESIGN.md keys and more) */
static json_t *event_json(const bk_log_event *e)
{
    const bk_verdict *v = &e->verdict;
    json_t *o = json_object();
    json_object_set_new(o, "timestamp", iso_time(e->last));
    json_object_set_new(o, "addresser", opt_str(e->sender));
    json_object_set_new(o, "recipient", json_string(e->recipient));
    json_object_set_new(o, "origrecipient", opt_str(e->orig_recipient));
    json_object_set_new(o, "outcome", json_string(bk_log_outcome_name(e->outcome)));
    json_object_set_new(o, "action", json_string(action_of(e->outcome)));
    json_object_set_new(o, "status", opt_str(e->dsn[0] ? e->dsn : v->status));
    json_object_set_new(o, "replycode", v->reply_code ? json_integer(v->reply_code) : json_null());
    json_object_set_new(o, "command", opt_str(bk_command_name(v->command)));
    json_object_set_new(o, "diagnosticcode", opt_str(e->text));
    json_object_set_new(o, "diagnostictype", json_string("SMTP"));
    verdict_fields(o, v, e->provider);
    json_object_set_new(o, "rhost", opt_str(e->rhost));
    json_object_set_new(o, "lhost", opt_str(e->host));
    json_object_set_new(o, "decodedby", json_string(e->mta));
    json_object_set_new(o, "messageid", opt_str(e->messageid));
    json_object_set_new(o, "subject", json_null());
    json_object_set_new(o, "feedbacktype", json_null());
    json_object_set_new(o, "token", json_string(e->token));
    json_object_set_new(o, "queueid", opt_str(e->queue_id));
    json_object_set_new(o, "relay", opt_str(e->relay));
    json_object_set_new(o, "delay", e->delay >= 0 ? json_real(e->delay) : json_null());
    json_object_set_new(o, "attempts", json_integer(e->attempts));
    json_object_set_new(o, "first", iso_time(e->first));
    json_object_set_new(o, "last", iso_time(e->last));
    json_object_set_new(o, "size", e->size >= 0 ? json_integer(e->size) : json_null());
    json_object_set_new(o, "nrcpt", e->nrcpt ? json_integer(e->nrcpt) : json_null());
    return o;
}

/* on_event - the reader's sink */
static void on_event(const bk_log_event *e, void *ctx)
{
    run *st = ctx;
    if (st->events) {
        json_t *o = event_json(e);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else
        report_add(st->report, e);
}

/* feed - one line to the reader; for an input none of whose lines was known
 * yet, whether this one is (the counts before and after) */
static void feed(bk_log_reader *r, file_use *u, const char *line, size_t len)
{
    if (u->known) {
        bk_log_line(r, line, len);
        return;
    }
    bk_log_stats before, after;
    bk_log_stats_get(r, &before);
    bk_log_line(r, line, len);
    bk_log_stats_get(r, &after);
    u->lines++;
    u->known = after.used + after.malformed != before.used + before.malformed;
    u->prefixed |= after.unprefixed == before.unprefixed;
    if (!u->first_full && len) {
        u->first_full = len;
        u->first_len = len < sizeof u->first ? len : sizeof u->first;
        memcpy(u->first, line, u->first_len);
    }
}

/* warn_unknown - name a file none of whose lines was known, with the start
 * of its first line (bytes outside printable ASCII as \xHH) */
static void warn_unknown(const char *path, const file_use *u)
{
    char shown[sizeof u->first * 4 + 4];
    size_t n = 0;
    for (size_t i = 0; i < u->first_len; i++) {
        unsigned char c = (unsigned char)u->first[i];
        if (c == '"' || c == '\\') {
            shown[n++] = '\\';
            shown[n++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f)
            shown[n++] = (char)c;
        else
            n += (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", c);
    }
    if (u->first_full > u->first_len) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    cli_error("logs", "%s: none of its %llu line%s %s (first: \"%s\")",
              strcmp(path, "-") == 0 ? "standard input" : path, u->lines, u->lines == 1 ? "" : "s",
              u->prefixed ? "tells of a delivery by Postfix, Exim, Sendmail, KumoMTA or PowerMTA"
                          : "has a time stamp and prefix this reader knows (syslog, RFC 3339, RFC 5424, Exim's main log)",
              shown);
}

/* parse_duration - "90", "30m", "12h", "7d" as seconds; -1 when malformed */
static long long parse_duration(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0)
        return -1;
    switch (*end) {
    case '\0': case 's': return end[*end != '\0'] ? -1 : v;
    case 'm': return end[1] ? -1 : v * 60;
    case 'h': return end[1] ? -1 : v * 3600;
    case 'd': return end[1] ? -1 : v * 86400;
    }
    return -1;
}

/* draw_progress - "logs: 45% 1.2 GB" on stderr, at most 10 times a second */
static void draw_progress(const log_inputs *in, double *last, int final_draw)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (!final_draw && now - *last < 0.1)
        return;
    *last = now;
    unsigned long long done, total;
    log_inputs_progress(in, &done, &total);
    if (final_draw)
        fprintf(stderr, "\r\033[K");
    else if (total)
        fprintf(stderr, "\r\033[Klogs: %3d%%  %.1f of %.1f MB", (int)(100.0 * (double)done / (double)total),
                (double)done / 1e6, (double)total / 1e6);
    else
        fprintf(stderr, "\r\033[Klogs: %.1f MB", (double)done / 1e6);
    fflush(stderr);
}

int cmd_logs(int argc, char **argv)
{
    static const struct option opts[] = {
        {"events", no_argument, NULL, 'e'},       {"json", no_argument, NULL, 'j'},
        {"html", required_argument, NULL, 'H'},   {"threshold", required_argument, NULL, 't'},
        {"min-volume", required_argument, NULL, 'v'}, {"top", required_argument, NULL, 'n'},
        {"follow", no_argument, NULL, 'f'},       {"horizon", required_argument, NULL, 'z'},
        {"max-queue", required_argument, NULL, 'q'}, {"year", required_argument, NULL, 'y'},
        {"rules", required_argument, NULL, 'r'},  {"config", required_argument, NULL, 'C'},
        {"no-progress", no_argument, NULL, 'P'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    run st = {0, NULL};
    int json = 0, follow = 0, progress = isatty(fileno(stderr));
    const char *html = NULL, *config_path = NULL;
    double threshold = 2.0;
    long min_volume = 10, top = 10;
    bk_log_options lo = {0};
    const char *rule_files[MAX_RULE_FILES];
    size_t n_rules = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'e': st.events = 1; break;
        case 'j': json = 1; break;
        case 'H': html = optarg; break;
        case 'f': follow = 1; break;
        case 'P': progress = 0; break;
        case 'C': config_path = optarg; break;
        case 't':
            threshold = strtod(optarg, &end);
            if (end == optarg || *end || threshold < 0 || threshold > 100) {
                cli_error("logs", "--threshold: want a per cent between 0 and 100, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'v':
        case 'n':
        case 'q':
        case 'y': {
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || (c == 'y' && (v < 1970 || v > 9999))) {
                cli_error("logs", "%s: '%s' is not a valid number", c == 'v' ? "--min-volume" : c == 'n' ? "--top" : c == 'q' ? "--max-queue" : "--year", optarg);
                return EXIT_USAGE;
            }
            if (c == 'v') min_volume = v;
            else if (c == 'n') top = v;
            else if (c == 'q') lo.max_queue = (size_t)v;
            else lo.year = (int)v;
            break;
        }
        case 'z':
            lo.horizon = parse_duration(optarg);
            if (lo.horizon < 0) {
                cli_error("logs", "--horizon: want a time such as 30m, 12h or 7d, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r':
            if (cli_push("logs", "--rules", rule_files, &n_rules, MAX_RULE_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'h':
            logs_usage(stdout);
            return EXIT_OK;
        default:
            logs_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        cli_error("logs", "no input: give log files, or - for standard input");
        logs_usage(stderr);
        return EXIT_USAGE;
    }
    bk_classifier *clf = cli_open_classifier("logs", rule_files, n_rules, config_path);
    if (!clf)
        return EXIT_FAIL;
    lo.no_tokens = lo.report_only = !st.events; /* the report reads neither */
    st.report = report_new(threshold / 100.0, (unsigned)min_volume, (unsigned)top);
    bk_log_reader *r = bk_log_reader_new(clf, &lo, on_event, &st);
    if (!st.report || !r) {
        cli_error("logs", "out of memory");
        report_free(st.report);
        bk_log_reader_free(r);
        bk_classifier_free(clf);
        return EXIT_FAIL;
    }
    size_t failed = 0, n_in = (size_t)(argc - optind);
    file_use *use = calloc(n_in, sizeof *use);
    log_inputs *in = use ? log_inputs_open(argv + optind, n_in, r, follow, &failed) : NULL;
    int rc = failed || !use ? EXIT_FAIL : EXIT_OK;
    if (in) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        const char *line;
        size_t len;
        double last_draw = 0;
        while (!stop_requested && log_inputs_next(in, &line, &len, &stop_requested)) {
            feed(r, &use[log_inputs_arg(in)], line, len);
            if (progress)
                draw_progress(in, &last_draw, 0);
            if (follow && st.events)
                fflush(stdout);
        }
        if (progress)
            draw_progress(in, &last_draw, 1);
        bk_log_finish(r);
        if (log_inputs_cut(in))
            cli_error("logs", "%llu lines longer than %u bytes were cut", log_inputs_cut(in), LOG_LINE_MAX);
        log_inputs_close(in);
        int any_prefixed = 0, any_lines = 0;
        for (size_t i = 0; i < n_in; i++) {
            any_prefixed |= use[i].known || use[i].prefixed;
            any_lines |= use[i].lines > 0;
            if (use[i].lines && !use[i].known)
                warn_unknown(argv[optind + (int)i], &use[i]);
        }
        if (any_lines && !any_prefixed)
            rc = EXIT_FAIL; /* no line of any input was in a form this reader knows */
    }
    free(use);
    bk_log_stats stats;
    bk_log_stats_get(r, &stats);
    if (!st.events) {
        json_t *j = report_json(st.report, &stats);
        if (json) {
            json_dumpf(j, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            term t;
            term_init(&t, stdout);
            report_text(st.report, &stats, &t);
        }
        if (html && report_html(j, html) != 0) {
            cli_error("logs", "%s: cannot write", html);
            rc = EXIT_FAIL;
        }
        json_decref(j);
        if (rc == EXIT_OK && report_crossed(st.report))
            rc = EXIT_CROSSED;
    } else if (stats.malformed)
        cli_error("logs", "%llu malformed lines of mail programs were skipped", stats.malformed);
    if (fflush(stdout) != 0) {
        cli_error("logs", "standard output: write error");
        rc = EXIT_FAIL;
    }
    report_free(st.report);
    bk_log_reader_free(r);
    bk_classifier_free(clf);
    return rc;
}
