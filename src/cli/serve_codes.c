/*
 * serve_codes.c - the HTML reference at /codes/: the pages of 'bouncekit
 * site' (the same renderer, site.h and render_html_page), made in memory
 * on each request from the knowledge base: /codes/ (the index),
 * /codes/style.css, /codes/PAGE.html. /codes redirects to /codes/ so the
 * pages' relative links work.
 */
#include "render.h"
#include "serve_http.h"
#include "site.h"

#include <string.h>

void codes_page(const http_req *q, http_resp *r)
{
    const char *name = q->rest;
    const bk_kb *kb = q->c->kb;
    r->status = 200;
    r->type = "text/html; charset=utf-8";
    if (!name[0] || !strcmp(name, "index.html")) {
        site_index(&r->body, kb);
        return;
    }
    if (!strcmp(name, "style.css")) {
        r->type = "text/css; charset=utf-8";
        bk_buf_append(&r->body, SITE_STYLE_CSS, SITE_STYLE_CSS_LEN);
        return;
    }
    for (size_t i = 0; i < bk_kb_count(kb); i++) {
        char page[128];
        if (strcmp(site_page_name(bk_kb_key(kb, i), page, sizeof page), name) != 0)
            continue;
        bk_explanation e;
        if (bk_kb_explain_entry(kb, bk_kb_key(kb, i), &e) != 0)
            break;
        render_html_page(&r->body, kb, &e, site_link_for);
        return;
    }
    http_error(r, 404, "no page '%.100s' in the reference", name);
}

void codes_redirect(const http_req *q, http_resp *r)
{
    (void)q;
    http_error(r, 301, "the reference is at /codes/");
    r->location = "/codes/";
}
