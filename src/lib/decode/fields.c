/*
 * fields.c - header fields of RFC 5322 / RFC 3464 blocks (see fields.h).
 */
#include "fields.h"
#include "text.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* fields_reset - empty a block, keep its memory */
void fields_reset(field_block *b)
{
    b->n = 0;
    b->skipped = 0;
    b->names = 0;
    bk_buf_reset(&b->store);
}

/* fields_free - release a block's memory */
void fields_free(field_block *b)
{
    bk_buf_free(&b->store);
    b->n = 0;
    b->names = 0;
}

#ifdef __SSE2__
/* blank_lanes - the bytes of x that bk_is_blank() holds: space, \t \n \v \f \r, NUL */
static __m128i blank_lanes(__m128i x)
{
    const __m128i t = _mm_sub_epi8(x, _mm_set1_epi8('\t'));
    const __m128i ws = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(4)), t); /* \t .. \r */
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
                                     _mm_cmpeq_epi8(x, _mm_setzero_si128())),
                        ws);
}
#endif

/* run_end - where the run that starts at v[i] ends: words and the lone
 * spaces between them, up to the first other blank (or a space before one,
 * or at the end) in v[i..n); 16 places at a time while 17 bytes are left */
static size_t run_end(const char *v, size_t i, size_t n)
{
#ifdef __SSE2__
    for (; n - i >= 17; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 1));
        __m128i lone = _mm_andnot_si128(blank_lanes(y), _mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
        unsigned stop = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(lone, blank_lanes(x)));
        if (stop)
            return i + (size_t)__builtin_ctz(stop);
    }
#endif
    for (; i < n; i++)
        if (bk_is_blank(v[i]) && (v[i] != ' ' || i + 1 == n || bk_is_blank(v[i + 1])))
            return i;
    return n;
}

/* unfold - v[0..n) with the blanks (and NULs) between its words made one
 * space and none at its ends, into out (room for the least of n and
 * FIELD_VALUE_MAX + 1 bytes; the result is never longer than v, and out may
 * be v: each byte is written at or before where it was read): cut after
 * FIELD_VALUE_MAX bytes, or one more when a space is the last of them (a
 * word's first byte is always kept); returns its length. Runs that need no
 * change are copied at once. */
static size_t unfold(const char *v, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (o <= FIELD_VALUE_MAX) {
        while (i < n && bk_is_blank(v[i]))
            i++;
        if (i == n)
            break;
        if (o > 0)
            out[o++] = ' ';
        size_t e = run_end(v, i, n);
        size_t take = e - i < FIELD_VALUE_MAX + 1 - o ? e - i : FIELD_VALUE_MAX + 1 - o;
        memmove(out + o, v + i, take);
        o += take;
        i = e;
    }
    if (o > FIELD_VALUE_MAX)
        o = out[FIELD_VALUE_MAX - 1] == ' ' ? FIELD_VALUE_MAX + 1 : FIELD_VALUE_MAX;
    return o;
}

/* name_slot - the number (0..63) of the bit of names for a name of len
 * bytes starting with c: from its length and its first letter in lower case */
static unsigned name_slot(size_t len, char c)
{
    return (unsigned)((len * 7u + (unsigned)bk_lower((unsigned char)c)) & 63u);
}

/* chain - field i, whose name has slot k, at the end of that slot's chain */
static void chain(field_block *b, unsigned k, size_t i)
{
    if (b->names & (1ull << k))
        b->next[b->last[k]] = (unsigned short)i;
    else
        b->first[k] = (unsigned short)i;
    b->last[k] = (unsigned short)i;
    b->next[i] = FIELDS_MAX;
    b->names |= 1ull << k;
}

/* put - add one field, its name and value written straight into the store,
 * each with a NUL after it: the value unfolded, or as it came when raw */
static void put(field_block *b, const char *name, size_t name_len, const char *value,
                size_t value_len, int raw)
{
    if (b->n == FIELDS_MAX) {
        b->skipped++;
        return;
    }
    size_t most = raw || value_len < FIELD_VALUE_MAX + 1 ? value_len : FIELD_VALUE_MAX + 1;
    char *w = bk_buf_room(&b->store, name_len + most + 2);
    if (!w)
        return;
    field *f = &b->f[b->n];
    if (name_len) {
        chain(b, name_slot(name_len, name[0]), b->n);
        memcpy(w, name, name_len);
    }
    w[name_len] = '\0';
    f->name = b->store.len;
    f->name_len = name_len;
    f->value = f->name + name_len + 1;
    if (raw) {
        memcpy(w + name_len + 1, value, value_len);
        f->value_len = value_len;
    } else
        f->value_len = unfold(value, value_len, w + name_len + 1);
    w[name_len + 1 + f->value_len] = '\0';
    bk_buf_grow(&b->store, name_len + f->value_len + 2);
    b->raw[b->n] = (unsigned char)raw;
    b->n++;
}

/* fields_add - add one field, unfolding its value */
void fields_add(field_block *b, const char *name, size_t name_len, const char *value,
                size_t value_len)
{
    put(b, name, name_len, value, value_len, 0);
}

/* fields_add_raw - add one field, its value unfolded when asked for */
void fields_add_raw(field_block *b, const char *name, size_t name_len, const char *value,
                    size_t value_len)
{
    put(b, name, name_len, value, value_len, 1);
}

/* fields_unfold - field i's raw value unfolded where it lies */
void fields_unfold(field_block *b, size_t i)
{
    field *f = &b->f[i];
    if (!b->raw[i])
        return;
    char *v = b->store.data + f->value;
    f->value_len = unfold(v, f->value_len, v);
    v[f->value_len] = '\0';
    b->raw[i] = 0;
}

/* line_end - the end of the line at p[i] (the index of '\n' or len) */
static size_t line_end(const char *p, size_t len, size_t i)
{
    const char *nl = memchr(p + i, '\n', len - i);
    return nl ? (size_t)(nl - p) : len;
}

/* is_name_char - printable ASCII other than ':' (RFC 5322 ftext) */
static int is_name_char(unsigned char c)
{
    return c > 32 && c < 127 && c != ':';
}

/* name_end - the index of the first byte of p[k..n) that is not an
 * is_name_char(), or n; 16 bytes at a time (as signed bytes, printable
 * ASCII and DEL are the ones above 32: DEL and ':' are taken out) */
static size_t name_end(const char *p, size_t k, size_t n)
{
#ifdef __SSE2__
    const __m128i above = _mm_set1_epi8(32), del = _mm_set1_epi8(0x7f), colon = _mm_set1_epi8(':');
    for (; n - k >= 16; k += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmpeq_epi8(x, colon));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(_mm_andnot_si128(odd, _mm_cmpgt_epi8(x, above))) &
                       0xffffu;
        if (bad)
            return k + (size_t)__builtin_ctz(bad);
    }
#endif
    while (k < n && is_name_char((unsigned char)p[k]))
        k++;
    return k;
}

/* fields_parse - read fields until a blank line or the end */
size_t fields_parse(field_block *b, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = line_end(p, len, i);
        size_t le = e;
        if (le > i && p[le - 1] == '\r')
            le--;
        if (le == i) /* blank line: the block ends */
            return e < len ? e + 1 : len;
        size_t k = name_end(p, i, le);
        size_t name_stop = k;
        while (k < le && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (name_stop == i || k == le || p[k] != ':') {
            /* not a field: a stray continuation or junk line is skipped */
            i = e < len ? e + 1 : len;
            continue;
        }
        size_t vstart = k + 1;
        size_t vend = e;
        /* continuation lines start with white space */
        while (vend < len && vend + 1 < len && (p[vend + 1] == ' ' || p[vend + 1] == '\t'))
            vend = line_end(p, len, vend + 1);
        fields_add(b, p + i, name_stop - i, p + vstart, vend - vstart);
        i = vend < len ? vend + 1 : len;
    }
    return len;
}

/* same_name - field f is called name (nl bytes), ASCII case ignored */
static int same_name(const field_block *b, const field *f, const char *name, size_t nl)
{
    return f->name_len == nl && bk_ci_same(b->store.data + f->name, name, nl);
}

/* find - the number of the first field called name (nl bytes): along its
 * slot's chain (an empty name, which has none, field by field); b->n when
 * none */
static size_t find(const field_block *b, const char *name, size_t nl)
{
    if (!nl) {
        for (size_t i = 0; i < b->n; i++)
            if (same_name(b, &b->f[i], name, 0))
                return i;
        return b->n;
    }
    unsigned k = name_slot(nl, name[0]);
    if (b->names & (1ull << k))
        for (size_t i = b->first[k]; i < b->n; i = b->next[i])
            if (same_name(b, &b->f[i], name, nl))
                return i;
    return b->n;
}

/* value_of - field i's value (NULL when i is b->n), *len set when len is */
static const char *value_of(const field_block *b, size_t i, size_t *len)
{
    const field *hit = i < b->n ? &b->f[i] : NULL;
    if (len)
        *len = hit ? hit->value_len : 0;
    return hit ? b->store.data + hit->value : NULL;
}

/* fields_get - the value of the first field called name */
const char *fields_get(const field_block *b, const char *name, size_t *len)
{
    return value_of(b, find(b, name, strlen(name)), len);
}

/* fields_take - the value of the first field called name, unfolded */
const char *fields_take(field_block *b, const char *name, size_t nl, size_t *len)
{
    size_t i = find(b, name, nl);
    if (i < b->n)
        fields_unfold(b, i);
    return value_of(b, i, len);
}

/* fields_name - the name of field i */
const char *fields_name(const field_block *b, size_t i, size_t *len)
{
    *len = b->f[i].name_len;
    return b->store.data + b->f[i].name;
}

/* fields_value - the value of field i */
const char *fields_value(const field_block *b, size_t i, size_t *len)
{
    *len = b->f[i].value_len;
    return b->store.data + b->f[i].value;
}
