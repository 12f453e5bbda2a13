/*
 * render.h - the three ways the command shows an explanation: a terminal
 * page, a JSON object and an HTML page.
 */
#ifndef BK_RENDER_H
#define BK_RENDER_H

#include "bouncekit.h"
#include "buf.h"
#include "term.h"

#include <jansson.h>

/* render_text - the terminal page; parsed is NULL unless a reply line was given */
void render_text(term *t, const bk_explanation *e, const bk_reply *parsed);

/* render_json - the same as one JSON object (new reference) */
json_t *render_json(const bk_explanation *e, const bk_reply *parsed);

/* render_json_reply - what the parser found, as a JSON object */
json_t *render_json_reply(const bk_reply *r);

/* render_html_page - one code's page of the static site into out;
 * link(key) gives the file name of a related key, or NULL when it has no page */
void render_html_page(bk_buf *out, const bk_kb *kb, const bk_explanation *e,
                      const char *(*link)(const bk_kb *, const char *, char *, size_t));

/* html_escape - append text with & < > " ' escaped */
void html_escape(bk_buf *out, const char *text);

#endif
