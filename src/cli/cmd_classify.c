/*
 * cmd_classify.c - bouncekit classify: the verdict on each reply text given
 * as an argument, or on each line of standard input, as JSON Lines (the
 * default when stdout is not a terminal) or as an aligned table.
 */
#include "cli.h"
#include "records.h"
#include "term.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_RULE_FILES 16
#define LINE_MAX_BYTES (1u << 20) /* longer input lines are cut here */

typedef struct {
    const bk_classifier *c;
    bk_hints hints;
    int jsonl_input;
    int json;
    int explain;
    term t;
    size_t done;
} run_state;

/* classify_usage - the subcommand's help */
static void classify_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit classify [OPTIONS] [TEXT...]\n"
            "\n"
            "Tells what an SMTP reply or bounce diagnostic means: the reason (one of 36),\n"
            "whether it is a hard bounce, permanence, category, who is at fault, what to do,\n"
            "severity, the mailbox provider, and the Momentum/KumoMTA and PowerMTA bounce\n"
            "classes. Each TEXT is one reply; without TEXT each line of standard input is one\n"
            "reply (write the line breaks of a multi-line reply as \\n). One result per input,\n"
            "in input order.\n"
            "\n"
            "Options:\n"
            "  --json            JSON Lines (the default when stdout is not a terminal)\n"
            "  --table           an aligned table (the default on a terminal)\n"
            "  --explain         add the deciding rule, its tier and the other rules that matched\n"
            "  --input jsonl     read JSON Lines instead of plain lines: {\"text\": ...} with\n"
            "                    optional \"status\", \"replycode\", \"command\", \"host\",\n"
            "                    \"domain\" hints per line\n"
            "  --rules FILE      load your own rules first (docs/rules-format.md); may be\n"
            "                    repeated; they win over the built-in ones\n"
            "  --config FILE     read 'rules = FILE' settings from FILE\n"
            "  --host NAME       the remote host (helps recognise the provider)\n"
            "  --domain NAME     the recipient's domain (helps recognise the provider)\n"
            "  --command CMD     the SMTP command answered (RCPT, DATA, MAIL, ...)\n"
            "  --status CODE     the enhanced status code, when known apart from the text\n"
            "  --reply CODE      the reply code, when known apart from the text\n"
            "  -h, --help        show this help\n"
            "\n"
            "Exit status: 0 done, 1 a rule file or input could not be read, 2 bad usage.\n"
            "\n"
            "Examples:\n"
            "  bouncekit classify '550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown'\n"
            "  grep -o 'said: .*' /var/log/mail.log | bouncekit classify | jq -r .reason | sort | uniq -c\n"
            "  bouncekit classify --explain --json 'host mx.example.com[192.0.2.1] said: 554 5.7.1 blocked using zen.spamhaus.org'\n");
}

/* unescape - "\n" to a line break and "\\" to a backslash, in place */
static size_t unescape(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
            s[o++] = s[i + 1] == 'n' ? '\n' : '\\';
            i++;
        } else
            s[o++] = s[i];
    }
    return o;
}

/* emit_json - one verdict as a JSON line */
static void emit_json(run_state *st, const char *text, size_t len, const bk_verdict *v,
                      const bk_reply *r)
{
    json_t *o = verdict_json(v, r, st->hints.host);
    if (st->explain) {
        json_object_set_new(o, "tier", json_string(bk_tier_name(v->tier)));
        json_t *m = json_array();
        for (size_t i = 0; i < v->n_matched; i++)
            json_array_append_new(m, json_string(v->matched[i]));
        json_object_set_new(o, "matched", m);
        if (v->matched_truncated)
            json_object_set_new(o, "matched_truncated", json_true());
        /* the input as given, lossless only when it is valid UTF-8 */
        json_t *in = json_stringn(text, len);
        json_object_set_new(o, "input", in ? in : json_null());
    }
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(o);
}

/* emit_row - one verdict as a table row */
static void emit_row(run_state *st, const bk_verdict *v, const bk_reply *r)
{
    if (st->done == 0) {
        term_style(&st->t, "1");
        printf("%-15s %-4s %-9s %-11s %-20s %s\n", "REASON", "HARD", "PERM", "PROVIDER",
               "SUGGESTION", "TEXT");
        term_style(&st->t, NULL);
    }
    /* the text gets what the terminal has left, and never less than 40 columns */
    int room = st->t.width - 64;
    if (room < 40)
        room = 40;
    printf("%-15s %-4s %-9s %-11.11s %-20.20s %.*s%s\n", v->reason, v->hardbounce ? "yes" : "no",
           bk_permanence_name(v->permanence), v->provider ? v->provider : "-", v->suggestion,
           (int)((size_t)room < r->text_len ? (size_t)room : r->text_len), r->text,
           (size_t)room < r->text_len ? "…" : "");
    if (st->explain)
        printf("%15s rule %s (%s)%s%zu rules matched\n", "", v->rule[0] ? v->rule : "-",
               bk_tier_name(v->tier), "; ", v->n_matched);
}

/* one - classify and print one input */
static int one(run_state *st, const char *text, size_t len)
{
    bk_verdict v;
    bk_reply r;
    if (bk_classify(st->c, text, len, &st->hints, &v, &r) != 0) {
        cli_error("classify", "out of memory");
        return -1;
    }
    if (st->json)
        emit_json(st, text, len, &v, &r);
    else
        emit_row(st, &v, &r);
    st->done++;
    return 0;
}

/* one_json - one JSON Lines input: {"text": ..., hints...}; lineno for errors */
static int one_json(run_state *st, const char *line, size_t len, size_t lineno)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    const char *text = NULL;
    size_t tlen = 0;
    if (o && json_is_object(o)) {
        json_t *t = json_object_get(o, "text");
        if (json_is_string(t)) {
            text = json_string_value(t);
            tlen = json_string_length(t);
        }
    }
    if (!text) {
        cli_error("classify", "standard input:%zu: %s", lineno,
                  o ? "want an object with a \"text\" string" : jerr.text);
        json_decref(o);
        return 1; /* reported; the batch goes on */
    }
    bk_hints saved = st->hints;
    json_t *v;
    if ((v = json_object_get(o, "status")) && json_is_string(v))
        st->hints.status = json_string_value(v);
    if ((v = json_object_get(o, "replycode")) && json_is_integer(v))
        st->hints.reply_code = (int)json_integer_value(v);
    if ((v = json_object_get(o, "command")) && json_is_string(v))
        st->hints.command = bk_command_parse(json_string_value(v), json_string_length(v));
    if ((v = json_object_get(o, "host")) && json_is_string(v))
        st->hints.host = json_string_value(v);
    if ((v = json_object_get(o, "domain")) && json_is_string(v))
        st->hints.domain = json_string_value(v);
    int rc = one(st, text, tlen);
    st->hints = saved;
    json_decref(o);
    return rc;
}

/* from_stdin - one reply per line */
static int from_stdin(run_state *st)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    int rc = EXIT_OK;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        lineno++;
        if (st->jsonl_input) {
            int r = one_json(st, line, len, lineno);
            if (r < 0) {
                rc = EXIT_FAIL;
                break;
            }
            if (r > 0)
                rc = EXIT_FAIL; /* a bad line: reported, and the exit status says so */
            continue;
        }
        if (len > LINE_MAX_BYTES)
            len = LINE_MAX_BYTES;
        len = unescape(line, len);
        if (one(st, line, len) != 0) {
            rc = EXIT_FAIL;
            break;
        }
    }
    if (ferror(stdin)) {
        cli_error("classify", "standard input: read error");
        rc = EXIT_FAIL;
    }
    free(line);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},      {"table", no_argument, NULL, 't'},
        {"explain", no_argument, NULL, 'e'},   {"rules", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'C'}, {"host", required_argument, NULL, 'H'},
        {"domain", required_argument, NULL, 'D'}, {"command", required_argument, NULL, 'c'},
        {"status", required_argument, NULL, 's'}, {"reply", required_argument, NULL, 'R'},
        {"input", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    run_state st;
    memset(&st, 0, sizeof st);
    term_init(&st.t, stdout);
    st.json = !isatty(fileno(stdout));
    const char *rule_files[MAX_RULE_FILES];
    size_t n_rules = 0;
    const char *config_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            st.json = 1;
            break;
        case 't':
            st.json = 0;
            break;
        case 'e':
            st.explain = st.hints.explain = 1;
            break;
        case 'r':
            if (cli_push("classify", "--rules", rule_files, &n_rules, MAX_RULE_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'C':
            config_path = optarg;
            break;
        case 'H':
            st.hints.host = optarg;
            break;
        case 'D':
            st.hints.domain = optarg;
            break;
        case 'c':
            st.hints.command = bk_command_parse(optarg, strlen(optarg));
            if (!st.hints.command) {
                cli_error("classify", "--command: unknown SMTP command '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 's': {
            int x, y, z;
            if (!bk_status_parse(optarg, strlen(optarg), &x, &y, &z)) {
                cli_error("classify", "--status: '%s' is not an enhanced status code", optarg);
                return EXIT_USAGE;
            }
            st.hints.status = optarg;
            break;
        }
        case 'R':
            st.hints.reply_code = atoi(optarg);
            if (!bk_reply_code_valid(st.hints.reply_code) || strlen(optarg) != 3) {
                cli_error("classify", "--reply: '%s' is not an SMTP reply code", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'I':
            if (strcmp(optarg, "jsonl") == 0)
                st.jsonl_input = 1;
            else if (strcmp(optarg, "text") != 0) {
                cli_error("classify", "--input: want 'text' or 'jsonl', not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            classify_usage(stdout);
            return EXIT_OK;
        default:
            classify_usage(stderr);
            return EXIT_USAGE;
        }
    }
    bk_classifier *clf = cli_open_classifier("classify", rule_files, n_rules, config_path);
    if (!clf)
        return EXIT_FAIL;
    st.c = clf;
    int rc = EXIT_OK;
    if (optind < argc) {
        for (int i = optind; i < argc && rc == EXIT_OK; i++) {
            size_t len = unescape(argv[i], strlen(argv[i]));
            if (one(&st, argv[i], len) != 0)
                rc = EXIT_FAIL;
        }
    } else
        rc = from_stdin(&st);
    if (fflush(stdout) != 0) {
        cli_error("classify", "standard output: write error");
        rc = EXIT_FAIL;
    }
    bk_classifier_free(clf);
    return rc;
}
