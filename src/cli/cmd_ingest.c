/*
 * cmd_ingest.c - bouncekit ingest: apply the suppression policy to events
 * read as JSON Lines (decode, logs --events, classify --json), decoded from
 * bounce messages (--decode) or read from MTA logs (--logs), and print what
 * changed. Events are written in transactions of --batch events (500,000 by
 * default; each 50,000 of them in address order, ingest.c): a killed run
 * keeps every transaction it committed, and a re-run skips those events
 * (each address knows their tokens) and writes the rest. Lines that are not events are reported with
 * their line number and skipped.
 *
 * Exit status: 0 every line was an event (or had no recipient), 2 some
 * lines were malformed (the rest went in) or bad usage, 1 an input could
 * not be read or the store failed.
 */
#include "cli.h"
#include "ingest.h"
#include "logs_input.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULE_FILES 16
#define LINE_CAP (256u * 1024u)
#define REPORT_MAX 1000 /* line reports per kind before they are only counted */

/* ingest_usage - the subcommand's help */
static void ingest_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit ingest [OPTIONS] [FILE...|-]\n"
            "       bouncekit ingest --decode [OPTIONS] PATH...\n"
            "       bouncekit ingest --logs [OPTIONS] LOGFILE...\n"
            "\n"
            "Apply the suppression policy (docs/suppression.md) to bounces, complaints,\n"
            "opt-outs and deliveries, and print what changed: newly suppressed addresses\n"
            "and domains, soft bounces counted, sender problems. FILE holds JSON Lines of\n"
            "'bouncekit decode', 'bouncekit logs --events' or 'bouncekit classify' (lines\n"
            "without a recipient are skipped); none or - reads standard input. The same\n"
            "event (same token) counts once, however often it is ingested.\n"
            "\n"
            "Options:\n"
            "  --decode          the arguments are bounce messages (as 'bouncekit decode')\n"
            "  --logs            the arguments are MTA logs (as 'bouncekit logs')\n"
            "  --db PATH         the database (default $XDG_DATA_HOME/bouncekit/bouncekit.db)\n"
            "  --json            print the changes as JSON Lines, then a summary object\n"
            "  --batch N         events per transaction (default 500000)\n"
            "  --quiet           print only the summary\n"
            "  --rules FILE      classify with this rule file first (--decode, --logs)\n"
            "  --config FILE     read this configuration file (policy.* settings, db)\n"
            "  --help            this text\n"
            "\n"
            "Exit status: 0 done, 2 some lines were malformed (reported and skipped; the\n"
            "rest was ingested) or bad usage, 1 an input could not be read or the\n"
            "database failed.\n"
            "\n"
            "Examples:\n"
            "  bouncekit decode ~/Maildir/.Bounces | bouncekit ingest\n"
            "  bouncekit ingest --logs /var/log/mail.log.1 /var/log/mail.log\n"
            "  bouncekit ingest --decode --json bounces.mbox | jq -c 'select(.change == \"suppressed\")'\n");
}

/* line_report - "FILE:LINE: what: why" on stderr, up to REPORT_MAX of each kind */
static void line_report(ingest_run *r, size_t *shown, const char *name, size_t lineno,
                        const char *what, const char *why)
{
    if ((*shown)++ < REPORT_MAX && !r->quiet)
        cli_error("ingest", "%s:%zu: %s: %s", name, lineno, what, why);
}

/* read_jsonl - every line of one JSON Lines input */
static void read_jsonl(ingest_run *r, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    const char *name = f == stdin ? "standard input" : path;
    if (!f) {
        cli_error("ingest", "%s: cannot read", path);
        r->failed = 1;
        return;
    }
    char *line = malloc(LINE_CAP);
    size_t lineno = 0;
    static size_t shown_bad, shown_skip;
    while (line && !r->stop && fgets(line, LINE_CAP, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        else if (!feof(f)) {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            r->malformed++;
            line_report(r, &shown_bad, name, lineno, "malformed", "line too long");
            continue;
        }
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0)
            continue;
        bk_event *e = ingest_slot(r);
        if (!e)
            break;
        char why[256];
        int rc = bk_event_from_json(line, len, e, why, sizeof why);
        if (rc < 0) {
            r->malformed++;
            line_report(r, &shown_bad, name, lineno, "malformed", why);
        } else if (rc > 0) {
            r->skipped++;
            line_report(r, &shown_skip, name, lineno, "skipped", why);
        } else {
            if (!e->origin[0])
                snprintf(e->origin, sizeof e->origin, "%.200s:%zu", name, lineno);
            ingest_push(r);
        }
    }
    free(line);
    if (ferror(f)) {
        cli_error("ingest", "%s: read error", name);
        r->failed = 1;
    }
    if (f != stdin)
        fclose(f);
}

/* read_bounces - every message of one mailbox input, decoded */
static void read_bounces(ingest_run *r, bk_decoder *d, const char *path)
{
    char err[512];
    bk_mailbox *mb = bk_mailbox_open(path, err, sizeof err);
    if (!mb) {
        cli_error("ingest", "%s: %s", path, err);
        r->failed = 1;
        return;
    }
    const char *msg, *origin;
    size_t len;
    int rc;
    while (!r->stop && (rc = bk_mailbox_next(mb, &msg, &len, &origin, err, sizeof err)) != 0) {
        bk_decoded out;
        if (rc < 0 || bk_decode(d, msg, len, &out) != 0 || out.status == BK_UNREADABLE) {
            cli_error("ingest", "%s: %s", origin, rc < 0 ? err : out.status == BK_UNREADABLE ? out.why : "out of memory");
            r->failed = 1;
            continue;
        }
        if (out.status == BK_NOT_BOUNCE) {
            r->not_bounces++;
            continue;
        }
        for (size_t i = 0; i < out.n; i++) {
            if (!out.bounces[i].recipient[0]) { /* a complaint that names no one */
                r->skipped++;
                continue;
            }
            bk_event *e = ingest_slot(r);
            if (!e)
                break;
            bk_event_from_bounce(&out.bounces[i], origin, e);
            ingest_push(r);
        }
    }
    bk_mailbox_close(mb);
}

/* on_log_event - the log reader's sink */
static void on_log_event(const bk_log_event *le, void *ctx)
{
    ingest_run *r = ctx;
    bk_event *e = ingest_slot(r);
    if (!e)
        return;
    bk_event_from_log(le, r->log_origin, e);
    ingest_push(r);
}

/* read_logs - every outcome of the logs, merged in time order */
static void read_logs(ingest_run *r, const bk_classifier *clf, char **paths, size_t n)
{
    bk_log_reader *lr = bk_log_reader_new(clf, NULL, on_log_event, r);
    if (!lr) {
        cli_error("ingest", "out of memory");
        r->failed = 1;
        return;
    }
    r->log_origin = n == 1 ? paths[0] : "logs";
    size_t failed = 0;
    log_inputs *in = log_inputs_open(paths, n, lr, 0, &failed);
    if (failed)
        r->failed = 1;
    if (in) {
        const char *line;
        size_t len;
        volatile int stop = 0;
        while (!r->stop && log_inputs_next(in, &line, &len, &stop))
            bk_log_line(lr, line, len);
        bk_log_finish(lr);
        log_inputs_close(in);
    }
    bk_log_reader_free(lr);
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"decode", no_argument, NULL, 'd'},      {"logs", no_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'D'},    {"json", no_argument, NULL, 'j'},
        {"batch", required_argument, NULL, 'b'}, {"quiet", no_argument, NULL, 'q'},
        {"rules", required_argument, NULL, 'r'}, {"config", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int mode = 0, c;
    const char *db = NULL, *config_path = NULL;
    const char *rule_files[MAX_RULE_FILES];
    size_t n_rules = 0;
    ingest_run r;
    memset(&r, 0, sizeof r);
    r.batch = 500000;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': case 'l': mode = c; break;
        case 'D': db = optarg; break;
        case 'j': r.json = 1; break;
        case 'q': r.quiet = 1; break;
        case 'C': config_path = optarg; break;
        case 'b':
            r.batch = (size_t)strtoul(optarg, &end, 10);
            if (end == optarg || *end || r.batch < 1 || r.batch > 1000000) {
                cli_error("ingest", "--batch: want a number from 1 to 1000000, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'r':
            if (cli_push("ingest", "--rules", rule_files, &n_rules, MAX_RULE_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'h':
            ingest_usage(stdout);
            return EXIT_OK;
        default:
            ingest_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (mode && optind == argc) {
        cli_error("ingest", "--%s: give the paths to read", mode == 'd' ? "decode" : "logs");
        return EXIT_USAGE;
    }
    bk_classifier *clf = NULL;
    if (mode && !(clf = cli_open_classifier("ingest", rule_files, n_rules, config_path)))
        return EXIT_FAIL;
    if (ingest_start(&r, db, config_path) != 0) {
        bk_classifier_free(clf);
        return EXIT_FAIL;
    }
    if (mode == 'd') {
        bk_decoder *d = bk_decoder_new(clf, NULL);
        for (int i = optind; d && i < argc; i++)
            read_bounces(&r, d, argv[i]);
        bk_decoder_free(d);
    } else if (mode == 'l')
        read_logs(&r, clf, argv + optind, (size_t)(argc - optind));
    else if (optind == argc)
        read_jsonl(&r, "-");
    else
        for (int i = optind; i < argc; i++)
            read_jsonl(&r, argv[i]);
    int rc = ingest_finish(&r);
    bk_classifier_free(clf);
    return rc;
}
