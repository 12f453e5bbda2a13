/*
 * site.h - the pieces of the HTML reference (cmd_site.c) that both
 * 'bouncekit site' (files in a directory) and 'bouncekit serve' (pages at
 * /codes/, made in memory) use: the stylesheet, the index, page names.
 */
#ifndef BK_SITE_H
#define BK_SITE_H

#include "bouncekit.h"
#include "buf.h"

#include <stddef.h>

/* the one stylesheet, style.css */
extern const char SITE_STYLE_CSS[];
extern const size_t SITE_STYLE_CSS_LEN;

/* site_page_name - the file name of a record key: "550" -> "550.html",
 * "X.1.1" -> "x-1-1.html", "550 5.1.1" -> "550-5-1-1.html",
 * "5.*" -> "class-5.html", "X.1.*" -> "subject-1.html" */
const char *site_page_name(const char *key, char *buf, size_t len);

/* site_link_for - the page of a related key, when it has one (NULL) */
const char *site_link_for(const bk_kb *kb, const char *key, char *buf, size_t len);

/* site_index - index.html, every code grouped by class and subject, into out */
void site_index(bk_buf *out, const bk_kb *kb);

#endif
