/*
 * cmd_explain.c - bouncekit explain: the reference page for a code, an
 * enhanced code, a combination, or whatever codes a whole reply line holds.
 */
#include "cli.h"
#include "render.h"
#include "term.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define MAX_KB_FILES 16

/* explain_usage - the subcommand's help */
static void explain_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit explain [OPTIONS] ARG...\n"
            "       bouncekit explain --list [--json]\n"
            "\n"
            "Explains SMTP codes: what the code means, whether it is a hard or soft bounce,\n"
            "severity, category, what to do, the standard, a log example, causes, fixes,\n"
            "provider notes, questions and answers, and related codes.\n"
            "\n"
            "ARG is a reply code (550), an enhanced status code (5.7.26), both ('550 5.7.26',\n"
            "or as two arguments: 550 5.7.26), or a whole reply or log text, from which the\n"
            "codes, the SMTP command, the remote host and the text are taken.\n"
            "\n"
            "Options:\n"
            "  --json        print one JSON object per ARG (JSON Lines)\n"
            "  --from FILE   also read ARGs from FILE, one per line ('-' for standard\n"
            "                input; blank lines and lines starting with # are skipped)\n"
            "  --list        list every code the reference knows, with its title\n"
            "  --kb FILE     also load reference records from FILE (docs/kb-format.md);\n"
            "                may be repeated; a record replaces the built-in one with its key\n"
            "  -h, --help    show this help\n"
            "\n"
            "Exit status: 0 every ARG explained, 2 an ARG is not a code or holds none\n"
            "(each such ARG gets a one-line error on stderr), 1 a --kb file is unusable.\n"
            "\n"
            "Examples:\n"
            "  bouncekit explain 550 5.1.1\n"
            "  bouncekit explain 4.2.2 421\n"
            "  bouncekit explain 'host mx.example.com[192.0.2.1] said: 550 5.7.26 Unauthenticated\n"
            "                    email is not accepted (in reply to end of DATA command)'\n"
            "  bouncekit explain --json 550 5.7.1 | jq -r .suggestion\n");
}

/* is_bare_reply - exactly three digits */
static int is_bare_reply(const char *s)
{
    return strlen(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9';
}

/* is_bare_status - exactly a well-formed enhanced code */
static int is_bare_status(const char *s)
{
    int c, sub, det;
    return bk_status_parse(s, strlen(s), &c, &sub, &det);
}

/* list_codes - --list */
static int list_codes(const bk_kb *kb, int json)
{
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < bk_kb_count(kb); i++)
            json_array_append_new(a, json_pack("{s:s,s:s}", "code", bk_kb_key(kb, i), "title",
                                               bk_kb_title(kb, i)));
        json_dumpf(a, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(a);
        return EXIT_OK;
    }
    for (size_t i = 0; i < bk_kb_count(kb); i++)
        printf("%-12s %s\n", bk_kb_key(kb, i), bk_kb_title(kb, i));
    return EXIT_OK;
}

/* explain_one - explain one argument; returns an exit status */
static int explain_one(const bk_kb *kb, const char *arg, int json, term *t, int *printed)
{
    bk_reply r;
    size_t len = strlen(arg);
    bk_reply_parse(arg, len, &r);
    if (!r.reply_code && !r.status_class) {
        if (r.bad_reply_code)
            cli_error("explain", "'%.200s': %d is not an SMTP reply code (RFC 5321: three "
                      "digits, the first 2-5 and the second 0-5)", arg, r.bad_reply_code);
        else if (r.bad_status[0])
            cli_error("explain", "'%.200s': %s is not an enhanced status code (RFC 3463: the "
                      "class must be 2, 4 or 5)", arg, r.bad_status);
        else
            cli_error("explain", "'%.200s': no SMTP reply code or enhanced status code found",
                      arg);
        return EXIT_USAGE;
    }
    /* a bare code needs no "in the text you gave" section */
    int bare = r.text_len == 0 && !r.host.len && !r.address.len && !r.command &&
               !r.bad_status[0] && !r.bad_reply_code;
    bk_explanation e;
    if (bk_kb_explain(kb, r.reply_code, r.status, &e) != 0) {
        cli_error("explain", "'%.200s': the reference has nothing for this code", arg);
        return EXIT_USAGE;
    }
    if (json) {
        json_t *o = render_json(&e, bare ? NULL : &r);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        if (*printed)
            fputs("\n────────────────────────────────────────\n\n", stdout);
        render_text(t, &e, bare ? NULL : &r);
    }
    (*printed)++;
    return EXIT_OK;
}

/* explain_file - one ARG per line of a file; returns an exit status */
static int explain_file(const bk_kb *kb, const char *path, int json, term *t, int *printed)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        cli_error("explain", "%s: %s", path, strerror(errno));
        return EXIT_FAIL;
    }
    int status = EXIT_OK;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (memchr(line, '\0', len)) {
            cli_error("explain", "%s:%zu: NUL byte in line", path, lineno);
            status = EXIT_USAGE;
            continue;
        }
        if (explain_one(kb, line, json, t, printed) != EXIT_OK)
            status = EXIT_USAGE;
    }
    if (ferror(f)) {
        cli_error("explain", "%s: read error", path);
        status = EXIT_FAIL;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"list", no_argument, NULL, 'l'},
                                         {"kb", required_argument, NULL, 'k'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, list = 0;
    size_t nkb = 0;
    const char *kb_files[MAX_KB_FILES];
    const char *from = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'l':
            list = 1;
            break;
        case 'k':
            if (cli_push("explain", "--kb", kb_files, &nkb, MAX_KB_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'f':
            from = optarg;
            break;
        case 'h':
            explain_usage(stdout);
            return EXIT_OK;
        default:
            explain_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!list && optind >= argc && !from) {
        cli_error("explain", "nothing to explain: give a code such as 550, 5.1.1 or '550 5.1.1'");
        explain_usage(stderr);
        return EXIT_USAGE;
    }
    bk_kb *kb = cli_open_kb(kb_files, nkb);
    if (!kb)
        return EXIT_FAIL;
    int status = EXIT_OK;
    if (list) {
        status = list_codes(kb, json);
        bk_kb_close(kb);
        return status;
    }
    term t;
    term_init(&t, stdout);
    int printed = 0;
    for (int i = optind; i < argc; i++) {
        char joined[64];
        const char *arg = argv[i];
        /* "550 5.1.1" given as two arguments is one combination */
        if (i + 1 < argc && is_bare_reply(argv[i]) && is_bare_status(argv[i + 1])) {
            snprintf(joined, sizeof joined, "%s %s", argv[i], argv[i + 1]);
            arg = joined;
            i++;
        }
        if (explain_one(kb, arg, json, &t, &printed) != EXIT_OK)
            status = EXIT_USAGE;
    }
    if (from) {
        int rc = explain_file(kb, from, json, &t, &printed);
        if (rc == EXIT_FAIL || status == EXIT_OK)
            status = rc;
    }
    bk_kb_close(kb);
    return status;
}
