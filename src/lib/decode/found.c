/*
 * found.c - the recipients a format decoder finds (see format.h).
 */
#include "format.h"
#include "lines.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* found_reset - empty the list, keep the memory */
void found_reset(found *f)
{
    f->n = 0;
    f->dropped = 0;
    f->original = NULL;
    f->original_len = 0;
    f->lhost[0] = f->date[0] = f->addresser[0] = '\0';
}

/* found_free - release the list and its scratch stores */
void found_free(found *f)
{
    free(f->r);
    bk_buf_free(&f->scratch[0]);
    bk_buf_free(&f->scratch[1]);
    if (f->side)
        for (size_t i = 0; i < FOUND_SIDES; i++)
            found_free(&f->side[i]);
    free(f->side);
    free(f->work);
    memset(f, 0, sizeof *f);
}

/* found_side - side list i of f, empty, its memory kept */
found *found_side(found *f, size_t i)
{
    if (i >= FOUND_SIDES)
        return NULL;
    if (!f->side && !(f->side = calloc(FOUND_SIDES, sizeof *f->side)))
        return NULL;
    found_reset(&f->side[i]);
    return &f->side[i];
}

/* found_work - size bytes of zeroed working state, kept by f */
void *found_work(found *f, size_t size)
{
    if (size > f->work_cap) {
        void *w = malloc(size);
        if (!w)
            return NULL;
        free(f->work);
        f->work = w;
        f->work_cap = size;
    }
    memset(f->work, 0, size);
    return f->work;
}

/* found_set - copy p[0..n) into a fixed field of size cap, trimmed */
void found_set(char *dst, size_t cap, const char *p, size_t n)
{
    bk_trim(&p, &n);
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in two */
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
}

/* normalise - the bare address of p[0..n): "rfc822;", quotes, brackets off,
 * the domain in lower case; 0 when it is not an address */
static size_t normalise(const char *p, size_t n, char *out)
{
    span s = {p, n};
    s = span_trim(s);
    if (span_starts(s, "rfc822;"))
        s = span_trim(span_from(s, 7));
    while (s.len >= 2 && ((s.p[0] == '<' && s.p[s.len - 1] == '>') ||
                          (s.p[0] == '"' && s.p[s.len - 1] == '"') ||
                          (s.p[0] == '\'' && s.p[s.len - 1] == '\''))) {
        s.p++;
        s.len -= 2;
        s = span_trim(s);
    }
    span a;
    if (!is_address(s)) {
        if (!find_address(s, &a))
            return 0;
        s = a;
    }
    if (s.len && s.p[0] == '<') {
        s.p++;
        s.len -= 2;
    }
    if (s.len == 0 || s.len >= BK_ADDR_MAX)
        return 0;
    memcpy(out, s.p, s.len);
    out[s.len] = '\0';
    char *at = strrchr(out, '@');
    for (char *c = at; c && *c; c++)
        *c = (char)bk_lower((unsigned char)*c);
    return s.len;
}

/* found_add - a new entry for an address, or the existing one */
found_rcpt *found_add(found *f, const char *p, size_t n)
{
    char addr[BK_ADDR_MAX];
    if (!normalise(p, n, addr))
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->r[i].recipient) == strlen(addr) &&
            bk_ci_prefix(f->r[i].recipient, strlen(addr), addr))
            return &f->r[i];
    found_rcpt *r = found_add_unnamed(f);
    if (r)
        memcpy(r->recipient, addr, strlen(addr) + 1);
    return r;
}

/* same_mailbox - a and b are one address, but for the quotes of a local
 * part that some reports write and others leave off ("a..b"@x, a..b@x) */
static int same_mailbox(const char *a, const char *b)
{
    for (;;) {
        while (*a == '"')
            a++;
        while (*b == '"')
            b++;
        if (bk_lower((unsigned char)*a) != bk_lower((unsigned char)*b))
            return 0;
        if (!*a)
            return 1;
        a++, b++;
    }
}

void found_orig(found_rcpt *r, const char *p, size_t n)
{
    char addr[BK_ADDR_MAX];
    size_t len = normalise(p, n, addr);
    if (!len || same_mailbox(r->recipient, addr))
        return;
    memcpy(r->orig, addr, len + 1);
}

/* found_add_unnamed - a new entry with no recipient address */
found_rcpt *found_add_unnamed(found *f)
{
    if (f->n == BK_DECODE_RCPT_MAX) {
        f->dropped++;
        return NULL;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        found_rcpt *r = realloc(f->r, cap * sizeof *r);
        if (!r)
            return NULL;
        f->r = r;
        f->cap = cap;
    }
    found_rcpt *r = &f->r[f->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* word_end - the end of the word (no blank) that starts at p[i] */
static size_t word_end(const char *p, size_t i, size_t n)
{
    i += bk_low_byte(p + i, n - i);
    while (i < n && !bk_is_blank(p[i]))
        i += 1 + bk_low_byte(p + i + 1, n - i - 1);
    return i;
}

/* found_diag - append text to an entry's diagnostic, white space collapsed:
 * its words, each copied at once, one space before each when the
 * diagnostic is not empty; it stops at the first byte that does not fit (a
 * space only goes in with the byte after it) */
void found_diag(found_rcpt *r, const char *p, size_t n)
{
    const size_t most = sizeof r->diag - 1; /* and the NUL */
    for (size_t i = 0; i < n;) {
        while (i < n && bk_is_blank(p[i]))
            i++;
        if (i == n)
            break;
        size_t e = word_end(p, i, n);
        if (r->diag_len > 0) {
            if (r->diag_len + 2 > most)
                break;
            r->diag[r->diag_len++] = ' ';
        }
        size_t take = e - i < most - r->diag_len ? e - i : most - r->diag_len;
        memcpy(r->diag + r->diag_len, p + i, take);
        r->diag_len += take;
        if (take < e - i)
            break;
        i = e;
    }
    /* never end inside a UTF-8 sequence */
    size_t k = r->diag_len;
    while (k > 0 && ((unsigned char)r->diag[k - 1] & 0xc0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)r->diag[k - 1] & 0xc0) == 0xc0) {
        size_t want = bk_utf8_seq_len((const unsigned char *)r->diag + k - 1, r->diag_len - k + 1);
        if (want == 0)
            r->diag_len = k - 1;
    }
    r->diag[r->diag_len] = '\0';
}
