/*
 * cmd_site.c - bouncekit site DIR: writes the static HTML reference, an
 * index of every code grouped by class and subject and one page per code,
 * with one small stylesheet and no external assets.
 */
#include "buf.h"
#include "cli.h"
#include "render.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_KB_FILES 16

static const char STYLE_CSS[] =
    ":root{--fg:#1d232a;--muted:#5b6570;--line:#dde2e7;--bg:#fff;--accent:#0b5cad;"
    "--perm:#b3261e;--temp:#9a6700;--ok:#1a7f37}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg);overflow-wrap:anywhere}\n"
    "header,main,footer{max-width:52rem;margin:0 auto;padding:0 1rem}\n"
    "header{padding-top:1rem}footer{color:var(--muted);font-size:.85rem;padding-bottom:2rem;"
    "border-top:1px solid var(--line);margin-top:2rem;padding-top:1rem}\n"
    "a{color:var(--accent)}h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.2rem;"
    "margin-top:2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}\n"
    "h3{font-size:1rem;margin-bottom:.25rem}\n"
    ".code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "background:#f2f4f6;padding:0 .35rem;border-radius:4px}\n"
    ".badges{display:flex;flex-wrap:wrap;gap:.4rem}.badge{border:1px solid var(--line);"
    "border-radius:999px;padding:.1rem .6rem;font-size:.85rem}\n"
    ".perm{color:var(--perm);border-color:var(--perm)}.temp{color:var(--temp);"
    "border-color:var(--temp)}.ok{color:var(--ok);border-color:var(--ok)}\n"
    ".summary{font-size:1.05rem}\n"
    "table.glance{border-collapse:collapse;width:100%}.glance th,.glance td{text-align:left;"
    "vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}\n"
    ".glance th{width:11rem;color:var(--muted);font-weight:600}\n"
    "pre.log{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.75rem;"
    "border-radius:6px;font-size:.85rem}\n"
    "dt{font-weight:600;margin-top:.5rem}dd{margin-left:1rem}\n"
    "ul.codes{list-style:none;padding:0;columns:2 22rem}ul.codes li{break-inside:avoid;"
    "padding:.15rem 0}\n"
    "@media (max-width:40rem){.glance th{width:auto}h1{font-size:1.35rem}}\n";

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

/* page_name - the file name of a record key: "550" -> "550.html",
 * "X.1.1" -> "x-1-1.html", "550 5.1.1" -> "550-5-1-1.html",
 * "5.*" -> "class-5.html", "X.1.*" -> "subject-1.html" */
static const char *page_name(const char *key, char *buf, size_t len)
{
    size_t k = strlen(key);
    if (k >= 2 && key[k - 1] == '*') {
        if (key[0] == 'X')
            snprintf(buf, len, "subject-%.*s.html", (int)(k - 4), key + 2);
        else
            snprintf(buf, len, "class-%c.html", key[0]);
        return buf;
    }
    size_t o = 0;
    for (size_t i = 0; i < k && o + 6 < len; i++) {
        char c = key[i];
        buf[o++] = (c == '.' || c == ' ') ? '-' : (c == 'X' ? 'x' : c);
    }
    snprintf(buf + o, len - o, ".html");
    return buf;
}

/* link_for - page of a related key, when it has one */
static const char *link_for(const bk_kb *kb, const char *key, char *buf, size_t len)
{
    const char *rec = bk_kb_resolve_key(kb, key);
    return rec ? page_name(rec, buf, len) : NULL;
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

/* key_kind - which index group a key belongs to */
enum { G_REPLY, G_STATUS, G_COMBO, G_CLASS };
static int key_group(const char *key)
{
    if (key[0] == 'X')
        return strchr(key, '*') ? G_CLASS : G_STATUS;
    if (strchr(key, '*'))
        return G_CLASS;
    return strchr(key, ' ') ? G_COMBO : G_REPLY;
}

/* index_item - one entry of the index */
static void index_item(bk_buf *out, const bk_kb *kb, size_t i)
{
    char href[128];
    bk_buf_printf(out, "<li><a href=\"%s\"><span class=\"code\">",
                  page_name(bk_kb_key(kb, i), href, sizeof href));
    html_escape(out, bk_kb_key(kb, i));
    bk_buf_puts(out, "</span></a> ");
    html_escape(out, bk_kb_title(kb, i));
    bk_buf_puts(out, "</li>\n");
}

/* write_index - index.html grouped by class and subject */
static int write_index(const char *dir, const bk_kb *kb)
{
    static const char *const class_names[] = {"", "", "2xx: success", "3xx: more input needed",
                                              "4xx: temporary failure", "5xx: permanent failure"};
    bk_buf out = BK_BUF_INIT;
    bk_buf_puts(&out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      "<title>SMTP reply and enhanced status codes · bouncekit reference</title>"
                      "<link rel=\"stylesheet\" href=\"style.css\"></head>\n<body>\n<main>\n"
                      "<h1>SMTP reply codes and enhanced status codes</h1>\n"
                      "<p class=\"summary\">What every code means for an email sender: hard or "
                      "soft bounce, severity, category, what to do, causes, fixes and provider "
                      "notes.</p>\n");
    size_t n = bk_kb_count(kb);

    bk_buf_puts(&out, "<section id=\"combinations\"><h2>Most looked-up combinations</h2>"
                      "<ul class=\"codes\">\n");
    for (size_t i = 0; i < n; i++)
        if (key_group(bk_kb_key(kb, i)) == G_COMBO)
            index_item(&out, kb, i);
    bk_buf_puts(&out, "</ul></section>\n");

    bk_buf_puts(&out, "<section id=\"reply-codes\"><h2>Basic reply codes (RFC 5321)</h2>\n");
    for (int cls = 2; cls <= 5; cls++) {
        bk_buf_printf(&out, "<h3 id=\"class-%dxx\">%s</h3><ul class=\"codes\">\n", cls,
                      class_names[cls]);
        for (size_t i = 0; i < n; i++) {
            const char *k = bk_kb_key(kb, i);
            if (key_group(k) == G_REPLY && k[0] == '0' + cls)
                index_item(&out, kb, i);
        }
        bk_buf_puts(&out, "</ul>\n");
    }
    bk_buf_puts(&out, "</section>\n");

    bk_buf_puts(&out, "<section id=\"enhanced-codes\"><h2>Enhanced status codes (RFC 3463 and "
                      "the IANA registry)</h2>\n<p>An enhanced code reads class.subject.detail: "
                      "class 2 is success, 4 a temporary failure, 5 a permanent one. Each page "
                      "covers the code in both failure classes (4.x.x and 5.x.x).</p>\n");
    for (int subject = 0; subject <= 7; subject++) {
        char skey[16];
        snprintf(skey, sizeof skey, "X.%d.*", subject);
        long si = bk_kb_find(kb, skey);
        bk_buf_printf(&out, "<h3 id=\"subject-%d\"><a href=\"subject-%d.html\">X.%d.*</a>: ",
                      subject, subject, subject);
        html_escape(&out, si >= 0 ? bk_kb_title(kb, (size_t)si) : "");
        bk_buf_puts(&out, "</h3><ul class=\"codes\">\n");
        char prefix[16];
        int pl = snprintf(prefix, sizeof prefix, "X.%d.", subject);
        for (size_t i = 0; i < n; i++) {
            const char *k = bk_kb_key(kb, i);
            if (strncmp(k, prefix, (size_t)pl) == 0)
                index_item(&out, kb, i);
        }
        bk_buf_puts(&out, "</ul>\n");
    }
    bk_buf_puts(&out, "</section>\n");
    bk_buf_printf(&out, "</main>\n<footer>bouncekit %s · %zu entries</footer>\n</body></html>\n",
                  bk_version(), n);
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
    int rc = write_file(dir, "style.css", STYLE_CSS, sizeof STYLE_CSS - 1);
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
        render_html_page(&page, kb, &e, link_for);
        if (page.oom) {
            cli_error("site", "out of memory");
            rc = -1;
            break;
        }
        rc = write_file(dir, page_name(bk_kb_key(kb, i), name, sizeof name), page.data, page.len);
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
