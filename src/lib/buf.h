/*
 * buf.h - the one safe growable byte string used everywhere in bouncekit.
 *
 * A bk_buf always holds a NUL after its len bytes, so data can be used as a
 * C string when the content has no NUL. On allocation failure the buffer
 * keeps what it had and sets oom; later appends do nothing.
 */
#ifndef BK_BUF_H
#define BK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} bk_buf;

#define BK_BUF_INIT {NULL, 0, 0, 0}

/* bk_buf_append - append n bytes */
void bk_buf_append(bk_buf *b, const char *p, size_t n);
/* bk_buf_puts - append a NUL-terminated string */
void bk_buf_puts(bk_buf *b, const char *s);
/* bk_buf_putc - append one byte */
void bk_buf_putc(bk_buf *b, char c);
/* bk_buf_printf - append formatted text */
void bk_buf_printf(bk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* bk_buf_vprintf - append formatted text from a va_list */
void bk_buf_vprintf(bk_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* bk_buf_room - room for n more bytes (and the NUL) at the end: where they
 * go, or NULL when out of memory; bk_buf_grow then counts what was written */
char *bk_buf_room(bk_buf *b, size_t n);
/* bk_buf_grow - n bytes written at bk_buf_room's place are now content */
void bk_buf_grow(bk_buf *b, size_t n);
/* bk_buf_cstr - the content as a C string ("" when empty) */
const char *bk_buf_cstr(const bk_buf *b);
/* bk_buf_reset - empty, keep the memory */
void bk_buf_reset(bk_buf *b);
/* bk_buf_free - release the memory */
void bk_buf_free(bk_buf *b);
/* bk_buf_steal - hand the memory to the caller (NULL on oom); buffer empties */
char *bk_buf_steal(bk_buf *b);

#endif
