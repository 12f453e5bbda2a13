/*
 * main.c - the bouncekit command: dispatches to subcommands and prints
 * the overall help and the version.
 */
#include "cli.h"
#include "config.h"
#include "file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} COMMANDS[] = {
    {"explain", cmd_explain, "explain SMTP reply codes, enhanced status codes or whole reply lines"},
    {"classify", cmd_classify, "tell what a reply means: reason, hard or soft, whose fault, what to do"},
    {"decode", cmd_decode, "read bounce messages (files, mbox, Maildir): one verdict per failed recipient"},
    {"webhook", cmd_webhook, "read ESP webhook payloads (SES, SendGrid, Mailgun, Postmark, SparkPost): one verdict per event"},
    {"logs", cmd_logs, "read MTA logs (Postfix, Exim, Sendmail, KumoMTA, PowerMTA): outcomes per recipient, bounce-rate report"},
    {"site", cmd_site, "write the static HTML reference of every code to a directory"},
    {"ingest", cmd_ingest, "apply the suppression policy to bounces, complaints and log outcomes"},
    {"suppress", cmd_suppress, "the suppression list: add, remove, check, list, export, import, stats"},
    {"serve", cmd_serve, "run the service: HTTP API, ESP webhooks, Postfix socketmap and policy servers"},
};

/* usage - the overall help */
static void usage(FILE *out)
{
    fprintf(out,
            "bouncekit %s - what every email bounce means and what to do about it\n"
            "\n"
            "Usage: bouncekit COMMAND [OPTIONS] [ARGS...]\n"
            "       bouncekit help COMMAND\n"
            "\n"
            "Commands:\n",
            bk_version());
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].what);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -h, --help     show this help ('bouncekit COMMAND --help' for a command)\n"
                 "  -V, --version  show the version\n"
                 "\n"
                 "Exit status: 0 success, 1 a run-time failure, 2 bad usage or malformed input.\n"
                 "\n"
                 "Examples:\n"
                 "  bouncekit explain 550 5.1.1\n"
                 "  bouncekit explain 'host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full'\n"
                 "  bouncekit explain --json 5.7.26 | jq .suggestion\n"
                 "  bouncekit classify '550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org'\n"
                 "  bouncekit site ./smtp-codes\n");
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bouncekit: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bk_kb *cli_open_kb(const char *const *files, size_t nfiles)
{
    char err[512];
    bk_config cfg;
    if (config_load(&cfg, NULL) != 0)
        return NULL;
    bk_kb *kb = bk_kb_open(err, sizeof err);
    if (!kb) {
        cli_error(NULL, "built-in knowledge base: %s", err);
        config_free(&cfg);
        return NULL;
    }
    /* the configuration's files, then the command line's: later records win */
    for (size_t i = 0; i < cfg.n_kb + nfiles; i++) {
        const char *f = i < cfg.n_kb ? cfg.kb[i] : files[i - cfg.n_kb];
        if (bk_kb_load_file(kb, f, err, sizeof err) != 0) {
            cli_error(NULL, "%s", err);
            bk_kb_close(kb);
            kb = NULL;
            break;
        }
    }
    config_free(&cfg);
    return kb;
}

bk_classifier *cli_open_classifier(const char *cmd, const char *const *rule_files, size_t n,
                                   const char *config_path)
{
    bk_config cfg;
    if (config_load(&cfg, config_path) != 0)
        return NULL;
    /* files named on the command line first, then the configuration's */
    const char *all[CONFIG_LIST_MAX * 2];
    size_t k = 0;
    for (size_t i = 0; i < n && k < CONFIG_LIST_MAX; i++)
        all[k++] = rule_files[i];
    for (size_t i = 0; i < cfg.n_rules && k < CONFIG_LIST_MAX * 2; i++)
        all[k++] = cfg.rules[i];
    char err[1024];
    bk_classifier *c = bk_classifier_new(all, k, err, sizeof err);
    if (!c)
        cli_error(cmd, "%s", err);
    config_free(&cfg);
    return c;
}

char *cli_first_line(const char *cmd, const char *path)
{
    char err[512];
    size_t len;
    char *k = bk_read_file(path, 4096, &len, err, sizeof err);
    if (!k) {
        cli_error(cmd, "%s", err);
        return NULL;
    }
    k[strcspn(k, "\r\n")] = '\0';
    if (!k[0]) {
        cli_error(cmd, "%s: no key on its first line", path);
        free(k);
        return NULL;
    }
    return k;
}

int cli_push(const char *cmd, const char *option, const char **list, size_t *n, size_t max,
             const char *value)
{
    if (*n == max) {
        cli_error(cmd, "at most %zu %s options", max, option);
        return -1;
    }
    list[(*n)++] = value;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("bouncekit %s\n", bk_version());
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        cmd = argv[2];
        char *help_argv[] = {(char *)cmd, "--help", NULL};
        for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
            if (strcmp(cmd, COMMANDS[i].name) == 0)
                return COMMANDS[i].run(2, help_argv);
        cli_error(NULL, "unknown command '%s' (see 'bouncekit --help')", cmd);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(cmd, COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1);
    cli_error(NULL, "unknown command '%s' (see 'bouncekit --help')", cmd);
    return EXIT_USAGE;
}
