/*
 * embedded.h - data files compiled into the library by cmake/embed.cmake:
 * the knowledge base (data/kb) and the classification rules (data/rules).
 */
#ifndef BK_EMBEDDED_H
#define BK_EMBEDDED_H

#include <stddef.h>

typedef struct {
    const char *name; /* path relative to its data folder */
    const unsigned char *data;
    size_t len;
} bk_embedded_file;

extern const bk_embedded_file kb_embedded_files[];
extern const size_t kb_embedded_count;
extern const bk_embedded_file rules_embedded_files[];
extern const size_t rules_embedded_count;

#endif
