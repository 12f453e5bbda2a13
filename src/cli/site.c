/*
 * site.c - the HTML reference's shared pieces (site.h): the stylesheet,
 * page names, links between pages and the index of every code, for
 * 'bouncekit site' (files) and 'bouncekit serve' (/codes/, in memory).
 */
#include "render.h"
#include "site.h"

#include <stdio.h>
#include <string.h>

const char SITE_STYLE_CSS[] =
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
const size_t SITE_STYLE_CSS_LEN = sizeof SITE_STYLE_CSS - 1;

const char *site_page_name(const char *key, char *buf, size_t len)
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

const char *site_link_for(const bk_kb *kb, const char *key, char *buf, size_t len)
{
    const char *rec = bk_kb_resolve_key(kb, key);
    return rec ? site_page_name(rec, buf, len) : NULL;
}

enum { G_REPLY, G_STATUS, G_COMBO, G_CLASS };

/* key_group - which index group a key belongs to */
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
                  site_page_name(bk_kb_key(kb, i), href, sizeof href));
    html_escape(out, bk_kb_key(kb, i));
    bk_buf_puts(out, "</span></a> ");
    html_escape(out, bk_kb_title(kb, i));
    bk_buf_puts(out, "</li>\n");
}

void site_index(bk_buf *out, const bk_kb *kb)
{
    static const char *const class_names[] = {"", "", "2xx: success", "3xx: more input needed",
                                              "4xx: temporary failure", "5xx: permanent failure"};
    bk_buf_puts(out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      "<title>SMTP reply and enhanced status codes · bouncekit reference</title>"
                      "<link rel=\"stylesheet\" href=\"style.css\"></head>\n<body>\n<main>\n"
                      "<h1>SMTP reply codes and enhanced status codes</h1>\n"
                      "<p class=\"summary\">What every code means for an email sender: hard or "
                      "soft bounce, severity, category, what to do, causes, fixes and provider "
                      "notes.</p>\n");
    size_t n = bk_kb_count(kb);

    bk_buf_puts(out, "<section id=\"combinations\"><h2>Most looked-up combinations</h2>"
                      "<ul class=\"codes\">\n");
    for (size_t i = 0; i < n; i++)
        if (key_group(bk_kb_key(kb, i)) == G_COMBO)
            index_item(out, kb, i);
    bk_buf_puts(out, "</ul></section>\n");

    bk_buf_puts(out, "<section id=\"reply-codes\"><h2>Basic reply codes (RFC 5321)</h2>\n");
    for (int cls = 2; cls <= 5; cls++) {
        bk_buf_printf(out, "<h3 id=\"class-%dxx\">%s</h3><ul class=\"codes\">\n", cls,
                      class_names[cls]);
        for (size_t i = 0; i < n; i++) {
            const char *k = bk_kb_key(kb, i);
            if (key_group(k) == G_REPLY && k[0] == '0' + cls)
                index_item(out, kb, i);
        }
        bk_buf_puts(out, "</ul>\n");
    }
    bk_buf_puts(out, "</section>\n");

    bk_buf_puts(out, "<section id=\"enhanced-codes\"><h2>Enhanced status codes (RFC 3463 and "
                      "the IANA registry)</h2>\n<p>An enhanced code reads class.subject.detail: "
                      "class 2 is success, 4 a temporary failure, 5 a permanent one. Each page "
                      "covers the code in both failure classes (4.x.x and 5.x.x).</p>\n");
    for (int subject = 0; subject <= 7; subject++) {
        char skey[16];
        snprintf(skey, sizeof skey, "X.%d.*", subject);
        long si = bk_kb_find(kb, skey);
        bk_buf_printf(out, "<h3 id=\"subject-%d\"><a href=\"subject-%d.html\">X.%d.*</a>: ",
                      subject, subject, subject);
        html_escape(out, si >= 0 ? bk_kb_title(kb, (size_t)si) : "");
        bk_buf_puts(out, "</h3><ul class=\"codes\">\n");
        char prefix[16];
        int pl = snprintf(prefix, sizeof prefix, "X.%d.", subject);
        for (size_t i = 0; i < n; i++) {
            const char *k = bk_kb_key(kb, i);
            if (strncmp(k, prefix, (size_t)pl) == 0)
                index_item(out, kb, i);
        }
        bk_buf_puts(out, "</ul>\n");
    }
    bk_buf_puts(out, "</section>\n");
    bk_buf_printf(out, "</main>\n<footer>bouncekit %s · %zu entries</footer>\n</body></html>\n",
                  bk_version(), n);
}
