/*
 * buf.c - growable byte string (see buf.h).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bk_buf_reserve - make room for n more bytes plus the NUL */
static int bk_buf_reserve(bk_buf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (n > (size_t)-1 / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void bk_buf_append(bk_buf *b, const char *p, size_t n)
{
    if (bk_buf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

char *bk_buf_room(bk_buf *b, size_t n)
{
    return bk_buf_reserve(b, n) == 0 ? b->data + b->len : NULL;
}

void bk_buf_grow(bk_buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

void bk_buf_puts(bk_buf *b, const char *s)
{
    bk_buf_append(b, s, strlen(s));
}

void bk_buf_putc(bk_buf *b, char c)
{
    if (b->len + 2 <= b->cap) { /* room for it and the NUL: the common case */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    bk_buf_append(b, &c, 1);
}

void bk_buf_vprintf(bk_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || bk_buf_reserve(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void bk_buf_printf(bk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bk_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *bk_buf_cstr(const bk_buf *b)
{
    return b->data ? b->data : "";
}

void bk_buf_reset(bk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void bk_buf_free(bk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

char *bk_buf_steal(bk_buf *b)
{
    char *p = b->oom ? NULL : b->data;
    if (b->oom)
        free(b->data);
    if (p == NULL && !b->oom)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return p;
}
