/*
 * cmd_webhook.c - bouncekit webhook: read saved ESP webhook payloads (one
 * request body per file, or standard input) of Amazon SES (SNS), SendGrid,
 * Mailgun, Postmark or SparkPost and print one record per event and
 * recipient as JSON Lines, the same objects as 'bouncekit decode'. Payloads
 * with nothing to report (opens and clicks only, SNS subscription
 * confirmations) are listed on standard error with why; a summary ends the
 * run. Exit status: 0 every payload was read, 1 a file could not be read or
 * a signature was wrong, 2 bad usage or a malformed payload.
 */
#include "buf.h"
#include "cli.h"
#include "file.h"
#include "records.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULE_FILES 16
#define MAX_PAYLOAD (64u << 20)

typedef struct {
    const char *provider;
    bk_webhook_options opt;
    int quiet;
    size_t payloads, records, nothing, malformed, errors;
} run;

/* webhook_usage - the subcommand's help */
static void webhook_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit webhook [OPTIONS] [FILE...|-]\n"
            "\n"
            "Read ESP webhook payloads (each FILE one request body; - or no FILE for\n"
            "standard input) and print one record per event and recipient as JSON Lines,\n"
            "the same objects as 'bouncekit decode': Amazon SES through SNS (Bounce,\n"
            "Complaint, Delivery, DeliveryDelay), SendGrid (bounce, dropped, deferred,\n"
            "spamreport, unsubscribe, group_unsubscribe, delivered), Mailgun (failed,\n"
            "complained, unsubscribed, delivered), Postmark (Bounce, SpamComplaint,\n"
            "SubscriptionChange, Delivery) and SparkPost (bounce, out_of_band,\n"
            "policy_rejection, delay, spam_complaint, delivery, unsubscribes).\n"
            "See docs/webhooks.md.\n"
            "\n"
            "Options:\n"
            "  --provider NAME         ses, sendgrid, mailgun, postmark or sparkpost\n"
            "                          (default: told from the body)\n"
            "  --mailgun-key KEY       Mailgun's HTTP webhook signing key: Mailgun payloads\n"
            "                          must carry a valid signature\n"
            "  --mailgun-key-file FILE the same key, read from FILE (first line)\n"
            "  --sns-certificate FILE  Amazon SNS signing certificates (PEM, read, never\n"
            "                          fetched): SES payloads must carry a valid SNS signature\n"
            "  --rules FILE            classify with this rule file first (may be repeated)\n"
            "  --config FILE           read this configuration file instead of the default\n"
            "  --quiet                 no summary and no notes on standard error\n"
            "  --help                  this text\n"
            "\n"
            "Exit status: 0 every payload was read (with records or not), 1 a file could\n"
            "not be read or a signature was wrong, 2 bad usage or a malformed payload.\n"
            "\n"
            "Examples:\n"
            "  bouncekit webhook sendgrid-events.json\n"
            "  bouncekit webhook --provider mailgun --mailgun-key-file ~/.mailgun-key body.json\n");
}

/* read_stdin - all of standard input into b (bounded); 0, or -1 with why */
static int read_stdin(bk_buf *b)
{
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        bk_buf_append(b, chunk, got);
        if (b->len > MAX_PAYLOAD) {
            cli_error("webhook", "standard input: larger than %u bytes", MAX_PAYLOAD);
            return -1;
        }
    }
    if (ferror(stdin) || b->oom) {
        cli_error("webhook", "standard input: %s", b->oom ? "out of memory" : "read error");
        return -1;
    }
    return 0;
}

/* note - a payload with nothing to report, or a problem, on standard error */
static void note(const run *st, const char *origin, const char *what, const char *why)
{
    if (!st->quiet || strcmp(what, "nothing") != 0)
        fprintf(stderr, "bouncekit: webhook: %s: %s: %s\n", origin, what, why);
}

/* one - the records of one payload */
static void one(run *st, bk_decoder *d, const char *origin, const char *body, size_t len)
{
    bk_decoded out;
    bk_webhook_info info;
    st->payloads++;
    if (bk_webhook_decode(d, st->provider, body, len, &st->opt, &out, &info) != 0) {
        st->errors++;
        note(st, origin, "error", "out of memory");
        return;
    }
    if (out.status == BK_UNREADABLE) {
        if (info.signature == BK_SIGNATURE_INVALID) {
            st->errors++;
            note(st, origin, "refused", out.why);
        } else {
            st->malformed++;
            note(st, origin, "malformed", out.why);
        }
        return;
    }
    if (out.status == BK_NOT_BOUNCE) {
        st->nothing++;
        if (info.kind == BK_WEBHOOK_SUBSCRIBE && !st->quiet)
            fprintf(stderr, "bouncekit: webhook: %s: subscribe: %s\n  SubscribeURL: %s\n",
                    origin, out.why, info.subscribe_url);
        else
            note(st, origin, "nothing", out.why);
        return;
    }
    for (size_t i = 0; i < out.n; i++) {
        json_t *o = record_json(origin, &out.bounces[i]);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    }
    st->records += out.n;
    if (out.dropped) {
        char why[128];
        snprintf(why, sizeof why, "%zu more events than the %d reported", out.dropped,
                 BK_WEBHOOK_EVENTS_MAX);
        note(st, origin, "truncated", why);
    }
}

/* payload - one FILE or - */
static void payload(run *st, bk_decoder *d, const char *path)
{
    char err[512];
    if (strcmp(path, "-") == 0) {
        bk_buf b = BK_BUF_INIT;
        if (read_stdin(&b) == 0)
            one(st, d, "-", b.data ? b.data : "", b.len);
        else
            st->errors++;
        bk_buf_free(&b);
        return;
    }
    size_t len;
    char *body = bk_read_file(path, MAX_PAYLOAD, &len, err, sizeof err);
    if (!body) {
        st->errors++;
        note(st, path, "error", err);
        return;
    }
    one(st, d, path, body, len);
    free(body);
}

/* known_provider - 1 when name is one of bk_webhook_providers() */
static int known_provider(const char *name)
{
    for (const char *const *p = bk_webhook_providers(); *p; p++)
        if (strcmp(*p, name) == 0)
            return 1;
    return 0;
}

int cmd_webhook(int argc, char **argv)
{
    static const struct option opts[] = {
        {"provider", required_argument, NULL, 'p'}, {"mailgun-key", required_argument, NULL, 'k'},
        {"mailgun-key-file", required_argument, NULL, 'K'}, {"rules", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'C'}, {"quiet", no_argument, NULL, 'q'},
        {"sns-certificate", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    run st;
    memset(&st, 0, sizeof st);
    const char *rule_files[MAX_RULE_FILES];
    size_t n_rules = 0;
    const char *config_path = NULL, *key_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (!known_provider(optarg)) {
                cli_error("webhook", "--provider: want ses, sendgrid, mailgun, postmark or "
                                     "sparkpost, not '%s'", optarg);
                return EXIT_USAGE;
            }
            st.provider = optarg;
            break;
        case 'k':
            st.opt.mailgun_key = optarg;
            break;
        case 'K':
            key_path = optarg;
            break;
        case 's':
            st.opt.sns_certificate = optarg;
            break;
        case 'r':
            if (cli_push("webhook", "--rules", rule_files, &n_rules, MAX_RULE_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'C':
            config_path = optarg;
            break;
        case 'q':
            st.quiet = 1;
            break;
        case 'h':
            webhook_usage(stdout);
            return EXIT_OK;
        default:
            webhook_usage(stderr);
            return EXIT_USAGE;
        }
    }
    char *key = NULL;
    if (key_path && !(key = cli_first_line("webhook", key_path)))
        return EXIT_FAIL;
    if (key)
        st.opt.mailgun_key = key;
    bk_classifier *clf = cli_open_classifier("webhook", rule_files, n_rules, config_path);
    bk_decoder *d = clf ? bk_decoder_new(clf, NULL) : NULL;
    if (!d) {
        if (clf)
            cli_error("webhook", "out of memory");
        bk_classifier_free(clf);
        free(key);
        return EXIT_FAIL;
    }
    if (optind == argc)
        payload(&st, d, "-");
    for (int i = optind; i < argc; i++)
        payload(&st, d, argv[i]);
    int rc = st.malformed ? EXIT_USAGE : st.errors ? EXIT_FAIL : EXIT_OK;
    if (fflush(stdout) != 0) {
        cli_error("webhook", "standard output: write error");
        rc = EXIT_FAIL;
    }
    if (!st.quiet)
        fprintf(stderr,
                "bouncekit: webhook: %zu payloads read, %zu records, %zu with nothing to "
                "report, %zu malformed, %zu errors\n",
                st.payloads, st.records, st.nothing, st.malformed, st.errors);
    bk_decoder_free(d);
    bk_classifier_free(clf);
    free(key);
    return rc;
}
