/*
 * cmd_site.c - bouncekit site DIR: writes the static HTML reference, an
 * index of every code grouped by class and subject and one page per code,
 * with one small stylesheet and no external assets.
 */
#include "buf.h"
#include "cli.h"
#include "render.h"
#include "site.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_KB_FILES 16

/* site_usage - the subcommand's help */
static void site_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit site [OPTIONS] DIR\n"
            "\n"
            "Writes the static HTML reference of every SMTP code the reference knows into\n"
            "DIR (created if missing): index.html grouped by class and subject, one page per\n"
            "code, and style.css. The pages need no network and no scripts.\n"
            "\n"
            "Options:\n"
            "  --kb FILE     also load reference records from FILE (may be repeated)\n"
            "  -q, --quiet   print nothing on success\n"
            "  -h, --help    show this help\n"
            "\n"
            "Example:\n"
            "  bouncekit site ./smtp-codes && python3 -m http.server -d ./smtp-codes\n");
}

/* write_file - DIR/NAME with the given content */
static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        cli_error("site", "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t put = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || put != len) {
        cli_error("site", "%s: write failed", path);
        return -1;
    }
    return 0;
}

/* make_dirs - mkdir -p */
static int make_dirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* write_index - index.html grouped by class and subject */
static int write_index(const char *dir, const bk_kb *kb)
{
    bk_buf out = BK_BUF_INIT;
    site_index(&out, kb);
    int rc = out.oom ? -1 : write_file(dir, "index.html", out.data, out.len);
    bk_buf_free(&out);
    return rc;
}

int cmd_site(int argc, char **argv)
{
    static const struct option opts[] = {{"kb", required_argument, NULL, 'k'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *kb_files[MAX_KB_FILES];
    size_t nkb = 0;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (cli_push("site", "--kb", kb_files, &nkb, MAX_KB_FILES, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            site_usage(stdout);
            return EXIT_OK;
        default:
            site_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("site", "give exactly one output directory");
        site_usage(stderr);
        return EXIT_USAGE;
    }
    const char *dir = argv[optind];
    if (make_dirs(dir) != 0) {
        cli_error("site", "%s: cannot create directory: %s", dir, strerror(errno));
        return EXIT_FAIL;
    }
    bk_kb *kb = cli_open_kb(kb_files, nkb);
    if (!kb)
        return EXIT_FAIL;
    int rc = write_file(dir, "style.css", SITE_STYLE_CSS, SITE_STYLE_CSS_LEN);
    if (rc == 0)
        rc = write_index(dir, kb);
    size_t pages = 0;
    bk_buf page = BK_BUF_INIT;
    for (size_t i = 0; rc == 0 && i < bk_kb_count(kb); i++) {
        bk_explanation e;
        char name[128];
        if (bk_kb_explain_entry(kb, bk_kb_key(kb, i), &e) != 0)
            continue;
        bk_buf_reset(&page);
        render_html_page(&page, kb, &e, site_link_for);
        if (page.oom) {
            cli_error("site", "out of memory");
            rc = -1;
            break;
        }
        rc = write_file(dir, site_page_name(bk_kb_key(kb, i), name, sizeof name), page.data, page.len);
        pages++;
    }
    bk_buf_free(&page);
    bk_kb_close(kb);
    if (rc != 0)
        return EXIT_FAIL;
    if (!quiet)
        printf("bouncekit: site: wrote index.html, style.css and %zu code pages to %s\n", pages,
               dir);
    return EXIT_OK;
}
