/*
 * render_html.c - one code's page of the static HTML reference: the same
 * content as the terminal page, as plain HTML that needs no scripts.
 */
#include "labels.h"
#include "render.h"

#include <string.h>

void html_escape(bk_buf *out, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            bk_buf_puts(out, "&amp;");
            break;
        case '<':
            bk_buf_puts(out, "&lt;");
            break;
        case '>':
            bk_buf_puts(out, "&gt;");
            break;
        case '"':
            bk_buf_puts(out, "&quot;");
            break;
        case '\'':
            bk_buf_puts(out, "&#39;");
            break;
        default:
            bk_buf_putc(out, *p);
        }
    }
}

/* tag - <t>escaped text</t> */
static void tag(bk_buf *out, const char *t, const char *cls, const char *text)
{
    if (cls)
        bk_buf_printf(out, "<%s class=\"%s\">", t, cls);
    else
        bk_buf_printf(out, "<%s>", t);
    html_escape(out, text);
    bk_buf_printf(out, "</%s>", t);
}

/* glance_row - one row of the at-a-glance table */
static void glance_row(void *ctx, const char *name, const char *value)
{
    bk_buf *out = ctx;
    if (!value || !value[0])
        return;
    bk_buf_puts(out, "<tr><th scope=\"row\">");
    html_escape(out, name);
    bk_buf_puts(out, "</th><td>");
    html_escape(out, value);
    bk_buf_puts(out, "</td></tr>\n");
}

/* list_section - a heading and a bulleted list */
static void list_section(bk_buf *out, const char *id, const char *heading, const bk_list *l)
{
    if (!l->n)
        return;
    bk_buf_printf(out, "<section id=\"%s\">", id);
    tag(out, "h2", NULL, heading);
    bk_buf_puts(out, "<ul>");
    for (size_t i = 0; i < l->n; i++)
        tag(out, "li", NULL, l->items[i]);
    bk_buf_puts(out, "</ul></section>\n");
}

void render_html_page(bk_buf *out, const bk_kb *kb, const bk_explanation *e,
                      const char *(*link)(const bk_kb *, const char *, char *, size_t))
{
    char cap[64], href[128];
    const char *bounce_short = e->bounce && strcmp(e->bounce, "hard") == 0   ? "Hard bounce"
                               : e->bounce && strcmp(e->bounce, "soft") == 0 ? "Soft bounce"
                                                                              : "Not a bounce";
    bk_buf_puts(out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<title>");
    html_escape(out, e->key);
    bk_buf_puts(out, " ");
    html_escape(out, e->title);
    bk_buf_puts(out, " · SMTP code reference</title>"
                     "<link rel=\"stylesheet\" href=\"style.css\"></head>\n<body>\n"
                     "<header><a href=\"index.html\">&larr; All SMTP codes</a></header>\n<main>\n");
    bk_buf_puts(out, "<h1><span class=\"code\">");
    html_escape(out, e->key);
    bk_buf_puts(out, "</span> ");
    html_escape(out, e->title);
    bk_buf_puts(out, "</h1>\n<p class=\"badges\">");
    if (e->transient_bounce && !e->status[0])
        /* an X.s.d page covers both failure classes */
        tag(out, "span", "badge", "Permanent as 5.x.x, temporary as 4.x.x");
    else
        tag(out, "span", e->permanence == BK_PERM_PERMANENT   ? "badge perm"
                         : e->permanence == BK_PERM_TRANSIENT ? "badge temp"
                                                              : "badge ok",
            label_permanence(e->permanence));
    tag(out, "span", "badge", bounce_short);
    snprintf(href, sizeof href, "%s severity", label_capital(e->severity, cap, sizeof cap));
    tag(out, "span", "badge", href);
    tag(out, "span", "badge", label_capital(e->category, cap, sizeof cap));
    tag(out, "span", "badge", e->standard);
    bk_buf_puts(out, "</p>\n");
    if (e->summary)
        tag(out, "p", "summary", e->summary);

    bk_buf_puts(out, "\n<section id=\"glance\"><h2>At a glance</h2><table class=\"glance\">\n");
    glance_rows(e, glance_row, out);
    bk_buf_puts(out, "</table></section>\n");

    if (e->meaning.n) {
        bk_buf_puts(out, "<section id=\"meaning\"><h2>What it means</h2>");
        for (size_t i = 0; i < e->meaning.n; i++)
            tag(out, "p", NULL, e->meaning.items[i]);
        bk_buf_puts(out, "</section>\n");
    }
    if (e->log.n) {
        bk_buf_puts(out, "<section id=\"log\"><h2>What it looks like in your mail logs</h2>");
        for (size_t i = 0; i < e->log.n; i++)
            tag(out, "pre", "log", e->log.items[i]);
        bk_buf_puts(out, "</section>\n");
    }
    list_section(out, "causes", "Common causes", &e->cause);
    list_section(out, "fixes", "How to fix it", &e->fix);
    if (e->provider.n) {
        bk_buf_puts(out, "<section id=\"providers\"><h2>Provider notes</h2><dl>");
        for (size_t i = 0; i < e->provider.n; i++) {
            const char *note = e->provider.items[i];
            const char *colon = strchr(note, ':');
            if (colon) {
                bk_buf_puts(out, "<dt>");
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)(colon - note), note);
                html_escape(out, name);
                bk_buf_puts(out, "</dt>");
                const char *v = colon + 1;
                while (*v == ' ')
                    v++;
                tag(out, "dd", NULL, v);
            } else
                tag(out, "dd", NULL, note);
        }
        bk_buf_puts(out, "</dl></section>\n");
    }
    if (e->n_faq) {
        bk_buf_puts(out, "<section id=\"faq\"><h2>Frequently asked questions</h2>");
        for (size_t i = 0; i < e->n_faq; i++) {
            tag(out, "h3", NULL, e->faq[i].question);
            tag(out, "p", NULL, e->faq[i].answer);
        }
        bk_buf_puts(out, "</section>\n");
    }
    if (e->related.n) {
        bk_buf_puts(out, "<section id=\"related\"><h2>Related codes</h2><ul class=\"related\">");
        for (size_t i = 0; i < e->related.n; i++) {
            const char *key = e->related.items[i];
            long idx = bk_kb_find(kb, key);
            bk_buf_puts(out, "<li>");
            if (link(kb, key, href, sizeof href)) {
                bk_buf_puts(out, "<a href=\"");
                html_escape(out, href);
                bk_buf_puts(out, "\">");
                html_escape(out, key);
                bk_buf_puts(out, "</a>");
            } else
                html_escape(out, key);
            if (idx >= 0) {
                bk_buf_puts(out, " ");
                html_escape(out, bk_kb_title(kb, (size_t)idx));
            }
            bk_buf_puts(out, "</li>");
        }
        bk_buf_puts(out, "</ul></section>\n");
    }
    bk_buf_printf(out, "</main>\n<footer>bouncekit %s · SMTP code reference</footer>\n"
                       "</body></html>\n", bk_version());
}
