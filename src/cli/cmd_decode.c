/*
 * cmd_decode.c - bouncekit decode: read bounce messages from files, mbox
 * files, Maildirs, directory trees, .gz files or standard input and print
 * one verdict per failed recipient (JSON Lines, a JSON array, CSV or an
 * aligned table). Inputs that are not bounces or cannot be read are listed
 * on standard error (or in --rejects FILE) with why; a summary ends the run.
 * Exit status: 0 when every input was read, 1 when some could not be, 2 for
 * bad usage.
 */
#include "cli.h"
#include "records.h"
#include "term.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULE_FILES 16

typedef enum { OUT_JSONL, OUT_JSON, OUT_CSV, OUT_TABLE } out_format;

typedef struct {
    out_format format;
    FILE *rejects;
    int quiet;
    int progress;              /* draw a progress line on stderr */
    unsigned long long total;  /* bytes of all inputs, for the progress line */
    unsigned long long done_bytes;
    double last_draw;
    size_t messages, bounces, recipients, not_bounces, errors, dropped;
    int first_json;
} run;

/* decode_usage - the subcommand's help */
static void decode_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit decode [OPTIONS] PATH...\n"
            "\n"
            "Read bounce messages and print one verdict per failed recipient: what\n"
            "happened, whose fault it is and what to do. PATH is a message file (.eml),\n"
            "an mbox file, a Maildir, a directory tree of these, a .gz of any of them,\n"
            "or - for standard input.\n"
            "\n"
            "Options:\n"
            "  --format FORMAT   jsonl (the default when stdout is not a terminal), json\n"
            "                    (one array), csv, or table (the default on a terminal)\n"
            "  --json            the same as --format jsonl\n"
            "  --rejects FILE    list the inputs that are not bounces or could not be read\n"
            "                    in FILE (tab-separated: origin, status, why) instead of\n"
            "                    on standard error\n"
            "  --vacation        also report automatic replies (reason vacation)\n"
            "  --delivered       also report success notifications (reason delivered)\n"
            "  --rules FILE      classify with this rule file first (may be repeated)\n"
            "  --config FILE     read this configuration file instead of the default\n"
            "  --quiet           no summary and no list of rejects on standard error\n"
            "  --no-progress     no progress line, even on a terminal\n"
            "  --help            this text\n"
            "\n"
            "Keys of each JSON object: origin timestamp addresser recipient origrecipient\n"
            "action status replycode command diagnosticcode diagnostictype reason hardbounce\n"
            "permanence category fault suggestion severity provider bounceclass pmtacategory\n"
            "rule rhost lhost decodedby messageid subject listid feedbacktype token.\n"
            "origrecipient is the address the sender used when the report names another\n"
            "(an alias or forwarder that led to the recipient); null otherwise.\n"
            "\n"
            "Exit status: 0 every input was read (bounce or not), 1 some could not be\n"
            "read, 2 bad usage.\n"
            "\n"
            "Examples:\n"
            "  bouncekit decode ~/Maildir/.Bounces\n"
            "  bouncekit decode --format csv bounces.mbox.gz > bounces.csv\n"
            "  bouncekit decode - < message.eml | jq -r 'select(.hardbounce) | .recipient'\n");
}

/* now - seconds, monotonic */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* draw_progress - "decode: 45% 12000 messages" on stderr, at most 10 times a second */
static void draw_progress(run *st, unsigned long long bytes, int final)
{
    if (!st->progress)
        return;
    double t = now();
    if (!final && t - st->last_draw < 0.1)
        return;
    st->last_draw = t;
    unsigned long long at = st->done_bytes + bytes;
    if (st->total > 0) {
        int pct = (int)(100.0 * (double)at / (double)st->total);
        if (pct > 100)
            pct = 100;
        int filled = pct * 30 / 100;
        fprintf(stderr, "\r\033[Kdecode: [%.*s%*s] %3d%%  %zu messages, %zu recipients",
                filled, "##############################", 30 - filled, "", pct, st->messages,
                st->recipients);
    } else
        fprintf(stderr, "\r\033[Kdecode: %zu messages, %zu recipients", st->messages,
                st->recipients);
    if (final)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

static const char *const CSV_KEYS[] = {
    "origin", "timestamp", "addresser", "recipient", "action", "status", "replycode",
    "command", "diagnosticcode", "diagnostictype", "reason", "hardbounce", "permanence",
    "category", "fault", "suggestion", "severity", "provider", "bounceclass", "pmtacategory",
    "rule", "rhost", "lhost", "decodedby", "messageid", "subject", "listid", "feedbacktype",
    "token", "origrecipient"};
#define N_CSV_KEYS (sizeof CSV_KEYS / sizeof CSV_KEYS[0])

/* emit_csv - one recipient as a CSV row, columns as CSV_KEYS */
static void emit_csv(json_t *o)
{
    for (size_t i = 0; i < N_CSV_KEYS; i++) {
        if (i)
            putchar(',');
        json_t *v = json_object_get(o, CSV_KEYS[i]);
        if (json_is_string(v))
            csv_field(stdout, json_string_value(v));
        else if (json_is_integer(v))
            printf("%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            fputs(json_is_true(v) ? "true" : "false", stdout);
    }
    putchar('\n');
}

/* emit_row - one recipient as a table row */
static void emit_row(const bk_bounce *b)
{
    const bk_verdict *v = &b->verdict;
    char codes[32];
    snprintf(codes, sizeof codes, "%s%s%.0d", v->status, v->status[0] && v->reply_code ? " " : "",
             v->reply_code);
    printf("%-36.36s %-15s %-4s %-13s %-14s %.60s\n", b->recipient, v->reason,
           v->hardbounce ? "hard" : "soft", codes, b->decodedby, b->diagnosticcode);
}

/* emit - one recipient in the chosen form */
static void emit(run *st, const char *origin, const bk_bounce *b)
{
    if (st->format == OUT_TABLE) {
        emit_row(b);
        return;
    }
    json_t *o = record_json(origin, b);
    if (st->format == OUT_CSV)
        emit_csv(o);
    else {
        if (st->format == OUT_JSON)
            fputs(st->first_json ? "[\n" : ",\n", stdout);
        st->first_json = 0;
        json_dumpf(o, stdout, JSON_COMPACT | (st->format == OUT_JSON ? 0 : 0));
        if (st->format == OUT_JSONL)
            putchar('\n');
    }
    json_decref(o);
}

/* reject - an input that gave no recipient */
static void reject(run *st, const char *origin, const char *status, const char *why)
{
    if (st->rejects) {
        fprintf(st->rejects, "%s\t%s\t%s\n", origin, status, why);
        return;
    }
    if (st->quiet)
        return;
    if (st->progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "bouncekit: decode: %s: %s: %s\n", origin, status, why);
}

/* input_size - bytes of a file, or of the regular files under a directory
 * (bounded walk: stops counting after 100,000 entries) */
static unsigned long long input_size(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return 0;
    return S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
}

/* decode_path - every message of one input */
static void decode_path(run *st, bk_decoder *d, const char *path)
{
    char err[512];
    bk_mailbox *mb = bk_mailbox_open(path, err, sizeof err);
    if (!mb) {
        st->errors++;
        reject(st, path, "error", err);
        return;
    }
    const char *msg, *origin;
    size_t len;
    int rc;
    while ((rc = bk_mailbox_next(mb, &msg, &len, &origin, err, sizeof err)) != 0) {
        draw_progress(st, bk_mailbox_bytes(mb), 0);
        if (rc < 0) {
            st->errors++;
            reject(st, origin, "error", err);
            continue;
        }
        st->messages++;
        bk_decoded out;
        if (bk_decode(d, msg, len, &out) != 0) {
            st->errors++;
            reject(st, origin, "error", "out of memory");
            continue;
        }
        if (out.status == BK_UNREADABLE) {
            st->errors++;
            reject(st, origin, "unreadable", out.why);
            continue;
        }
        if (out.status == BK_NOT_BOUNCE) {
            st->not_bounces++;
            reject(st, origin, "not-bounce", out.why);
            continue;
        }
        st->bounces++;
        st->recipients += out.n;
        st->dropped += out.dropped;
        for (size_t i = 0; i < out.n; i++)
            emit(st, origin, &out.bounces[i]);
        if (out.dropped) {
            char why[128];
            snprintf(why, sizeof why, "%zu more recipients than the %d reported", out.dropped,
                     BK_DECODE_RCPT_MAX);
            reject(st, origin, "truncated", why);
        }
    }
    st->done_bytes += bk_mailbox_bytes(mb);
    bk_mailbox_close(mb);
}

int cmd_decode(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
        {"rejects", required_argument, NULL, 'x'}, {"vacation", no_argument, NULL, 'v'},
        {"delivered", no_argument, NULL, 'd'},     {"rules", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'C'}, {"quiet", no_argument, NULL, 'q'},
        {"no-progress", no_argument, NULL, 'P'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    run st;
    memset(&st, 0, sizeof st);
    st.first_json = 1;
    st.format = isatty(fileno(stdout)) ? OUT_TABLE : OUT_JSONL;
    st.progress = isatty(fileno(stderr));
    bk_decode_options dopt = {0, 0};
    const char *rule_files[MAX_RULE_FILES];
    size_t n_rules = 0;
    const char *config_path = NULL, *rejects_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "jsonl") == 0)
                st.format = OUT_JSONL;
            else if (strcmp(optarg, "json") == 0)
                st.format = OUT_JSON;
            else if (strcmp(optarg, "csv") == 0)
                st.format = OUT_CSV;
            else if (strcmp(optarg, "table") == 0)
                st.format = OUT_TABLE;
            else {
                cli_error("decode", "--format: want jsonl, json, csv or table, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'j':
            st.format = OUT_JSONL;
            break;
        case 'x':
            rejects_path = optarg;
            break;
        case 'v':
            dopt.vacation = 1;
            break;
        case 'd':
            dopt.delivered = 1;
            break;
        case 'r':
            if (cli_push("decode", "--rules", rule_files, &n_rules, MAX_RULE_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'C':
            config_path = optarg;
            break;
        case 'q':
            st.quiet = 1;
            break;
        case 'P':
            st.progress = 0;
            break;
        case 'h':
            decode_usage(stdout);
            return EXIT_OK;
        default:
            decode_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        cli_error("decode", "no input: give files, directories or - for standard input");
        decode_usage(stderr);
        return EXIT_USAGE;
    }
    if (st.quiet)
        st.progress = 0;
    if (rejects_path && !(st.rejects = fopen(rejects_path, "w"))) {
        cli_error("decode", "%s: cannot write", rejects_path);
        return EXIT_FAIL;
    }
    bk_classifier *clf = cli_open_classifier("decode", rule_files, n_rules, config_path);
    if (!clf) {
        if (st.rejects)
            fclose(st.rejects);
        return EXIT_FAIL;
    }
    bk_decoder *d = bk_decoder_new(clf, &dopt);
    if (!d) {
        cli_error("decode", "out of memory");
        bk_classifier_free(clf);
        return EXIT_FAIL;
    }
    for (int i = optind; i < argc; i++)
        st.total += input_size(argv[i]);
    if (st.format == OUT_CSV) {
        for (size_t i = 0; i < N_CSV_KEYS; i++)
            printf("%s%s", i ? "," : "", CSV_KEYS[i]);
        putchar('\n');
    } else if (st.format == OUT_TABLE)
        printf("%-36s %-15s %-4s %-13s %-14s %s\n", "RECIPIENT", "REASON", "HARD", "CODES",
               "FORMAT", "DIAGNOSTIC");
    for (int i = optind; i < argc; i++)
        decode_path(&st, d, argv[i]);
    draw_progress(&st, 0, 1);
    if (st.format == OUT_JSON)
        fputs(st.first_json ? "[]\n" : "\n]\n", stdout);
    int rc = st.errors ? EXIT_FAIL : EXIT_OK;
    if (fflush(stdout) != 0) {
        cli_error("decode", "standard output: write error");
        rc = EXIT_FAIL;
    }
    if (st.rejects && fclose(st.rejects) != 0) {
        cli_error("decode", "%s: write error", rejects_path);
        rc = EXIT_FAIL;
    }
    if (!st.quiet)
        fprintf(stderr,
                "bouncekit: decode: %zu messages read, %zu bounces decoded, %zu recipients, "
                "%zu not bounces, %zu errors\n",
                st.messages, st.bounces, st.recipients, st.not_bounces, st.errors);
    bk_decoder_free(d);
    bk_classifier_free(clf);
    return rc;
}
