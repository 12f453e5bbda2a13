/*
 * stops.c - the bytes a rule pattern's match cannot hold past its first few
 * (see stops.h).
 *
 * A recursive-descent reading of the pattern gives, for every part, the bytes
 * it may consume (a superset: both cases of ASCII letters, every byte from
 * 0x80 for anything that may match a character beyond ASCII) and its longest
 * match in bytes, or none. For each top-level branch, a sequence of parts,
 * the first part with no longest match splits it: the bytes of that part and
 * of all after it are what the branch may hold past the parts before it,
 * whose longest matches add up to the branch's k (the split moves to an
 * earlier part while the bytes stay the same). The stop bytes are those no
 * branch may hold past its k; the pattern's k is the largest branch's.
 * A branch with a longest match holds nothing past it.
 */
#include "stops.h"
#include "factors.h"

#include <string.h>

#define WIDTH_NONE UINT32_MAX /* no longest match */
#define WIDTH_BIG (1u << 24)  /* longer than this counts as none */
#define DEPTH_MAX 16
#define ITEMS_MAX 128 /* parts of one top-level branch */

typedef struct {
    stop_set bytes; /* that the part may consume */
    uint32_t width; /* its longest match, WIDTH_NONE when none */
} part;

typedef struct {
    const unsigned char *p;
    size_t n, i;
    int utf8;
    int failed;
    int depth;
} reader;

static void add(stop_set *s, unsigned c)
{
    s->bit[c >> 6] |= 1ull << (c & 63);
}

static void add_range(stop_set *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 256; c++)
        add(s, c);
}

static void unite(stop_set *a, const stop_set *b)
{
    for (int k = 0; k < 4; k++)
        a->bit[k] |= b->bit[k];
}

/* add_char - an ASCII character of the pattern, in both cases; in UTF-8
 * caseless mode a letter may also match a character beyond ASCII (K: U+212A) */
static uint32_t add_char(const reader *r, stop_set *s, unsigned c)
{
    add(s, c);
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        add(s, c | 0x20);
        add(s, c & ~0x20u);
        if (r->utf8) {
            add_range(s, 0x80, 0xff);
            return 4;
        }
    }
    return 1;
}

/* wide - anything beyond ASCII: every byte from 0x80, up to 4 of them */
static uint32_t wide(const reader *r, stop_set *s)
{
    add_range(s, 0x80, 0xff);
    return r->utf8 ? 4 : 1;
}

static uint32_t width_add(uint32_t a, uint32_t b)
{
    return a == WIDTH_NONE || b == WIDTH_NONE || a + b > WIDTH_BIG ? WIDTH_NONE : a + b;
}

static uint32_t width_times(uint32_t a, long n)
{
    if (a == WIDTH_NONE || n < 0)
        return WIDTH_NONE;
    return (unsigned long long)a * (unsigned long long)n > WIDTH_BIG ? WIDTH_NONE
                                                                     : a * (uint32_t)n;
}

/* class_escape - \d \w \s and their complements into s: the bytes of one
 * character they match, at most; 0 when c is none of them */
static uint32_t class_escape(const reader *r, unsigned c, stop_set *s)
{
    stop_set e = {{0}};
    switch (c | 0x20) {
    case 'd':
        add_range(&e, '0', '9');
        break;
    case 'w':
        add_range(&e, '0', '9'), add_range(&e, 'a', 'z'), add_range(&e, 'A', 'Z'), add(&e, '_');
        break;
    case 's':
        add_range(&e, '\t', '\r'), add(&e, ' ');
        break;
    default:
        return 0;
    }
    uint32_t width = 1;
    if (c >= 'A' && c <= 'Z') { /* the complement, and anything beyond ASCII */
        for (int k = 0; k < 2; k++)
            e.bit[k] = ~e.bit[k];
        e.bit[2] = e.bit[3] = 0;
        width = wide(r, &e);
    }
    unite(s, &e);
    return width;
}

/* class_char - one member of a class: its code point (a byte beyond ASCII
 * stands for some character beyond it: 0x80), 1; 0 for \d and the like
 * (added to s); -1 not understood */
static int class_char(reader *r, unsigned *cp, stop_set *s, uint32_t *width)
{
    if (r->i >= r->n)
        return -1;
    unsigned char c = r->p[r->i++];
    if (c >= 0x80) {
        while (r->i < r->n && (r->p[r->i] & 0xc0) == 0x80)
            r->i++;
        *cp = 0x80;
        return 1;
    }
    if (c == '[' && r->i < r->n && (r->p[r->i] == ':' || r->p[r->i] == '=' || r->p[r->i] == '.'))
        return -1;
    if (c != '\\') {
        *cp = c;
        return 1;
    }
    if (r->i >= r->n)
        return -1;
    c = r->p[r->i++];
    uint32_t w = class_escape(r, c, s);
    if (w) {
        *width = w > *width ? w : *width;
        return 0;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return -1;
    *cp = c;
    return 1;
}

/* read_class - [...] after its '[' */
static void read_class(reader *r, part *out)
{
    int negated = r->i < r->n && r->p[r->i] == '^';
    r->i += (size_t)negated;
    stop_set members = {{0}};
    uint32_t width = 1;
    int first = 1, high = 0;
    for (;;) {
        if (r->i >= r->n) {
            r->failed = 1;
            return;
        }
        if (r->p[r->i] == ']' && !first)
            break;
        first = 0;
        unsigned lo, hi;
        int k = class_char(r, &lo, &members, &width);
        if (k < 0) {
            r->failed = 1;
            return;
        }
        if (k == 0)
            continue;
        hi = lo;
        if (r->i + 1 < r->n && r->p[r->i] == '-' && r->p[r->i + 1] != ']') {
            r->i++;
            if (class_char(r, &hi, &members, &width) != 1 || hi < lo) {
                r->failed = 1;
                return;
            }
        }
        if (hi >= 0x80)
            high = 1;
        for (unsigned c = lo; c <= hi && c < 0x80; c++)
            if (add_char(r, &members, c) > width)
                width = 4;
    }
    r->i++; /* ']' */
    if (high)
        width = wide(r, &members);
    if (negated) { /* what is not a member: any byte beyond ASCII too */
        for (int k = 0; k < 2; k++)
            members.bit[k] = ~members.bit[k];
        members.bit[2] = members.bit[3] = 0;
        width = wide(r, &members);
    }
    out->bytes = members;
    out->width = width;
}

static void read_alt(reader *r, part *out, part *items, size_t *n_items);

/* read_group - (...) after its '(': a group, or a look-around (nothing
 * consumed) */
static void read_group(reader *r, part *out)
{
    int look = 0;
    if (r->i < r->n && r->p[r->i] == '?') {
        const char *q = (const char *)r->p + r->i + 1;
        size_t left = r->n - r->i - 1;
        static const char *const OPEN[] = {":", "-i:", "i:", "=", "!", "<=", "<!"};
        size_t k = 0;
        for (; k < sizeof OPEN / sizeof OPEN[0]; k++)
            if (strlen(OPEN[k]) <= left && memcmp(q, OPEN[k], strlen(OPEN[k])) == 0)
                break;
        if (k == sizeof OPEN / sizeof OPEN[0]) {
            r->failed = 1;
            return;
        }
        look = k >= 3;
        r->i += 1 + strlen(OPEN[k]);
    }
    if (++r->depth > DEPTH_MAX) {
        r->failed = 1;
        return;
    }
    read_alt(r, out, NULL, NULL);
    r->depth--;
    if (r->failed || r->i >= r->n || r->p[r->i] != ')') {
        r->failed = 1;
        return;
    }
    r->i++;
    if (look)
        *out = (part){{{0}}, 0};
}

/* read_atom - one atom (no quantifier) */
static void read_atom(reader *r, part *out)
{
    *out = (part){{{0}}, 0};
    unsigned char c = r->p[r->i++];
    if (c == '(') {
        read_group(r, out);
    } else if (c == '[') {
        read_class(r, out);
    } else if (c == '.') {
        add_range(&out->bytes, 0, 0xff);
        out->width = r->utf8 ? 4 : 1;
    } else if (c == '^' || c == '$') {
        out->width = 0;
    } else if (c == '\\') {
        if (r->i >= r->n) {
            r->failed = 1;
            return;
        }
        c = r->p[r->i++];
        if (c == 'b' || c == 'B' || c == 'A' || c == 'z' || c == 'Z' || c == 'G')
            out->width = 0;
        else if (!(out->width = class_escape(r, c, &out->bytes))) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                r->failed = 1;
            else
                out->width = add_char(r, &out->bytes, c);
        }
    } else if (c == '*' || c == '+' || c == '?' || c == '{' || c == ')' || c == '|') {
        r->failed = 1;
    } else if (c >= 0x80) {
        while (r->i < r->n && (r->p[r->i] & 0xc0) == 0x80)
            r->i++;
        out->width = wide(r, &out->bytes);
    } else {
        out->width = add_char(r, &out->bytes, c);
    }
}

/* read_quantifier - a quantifier after an atom, if any (factors_quantifier):
 * its width */
static void read_quantifier(reader *r, part *x)
{
    long min, max;
    int q = factors_quantifier(r->p, r->n, &r->i, &min, &max);
    if (q < 0)
        r->failed = 1;
    else if (q > 0)
        x->width = width_times(x->width, max);
}

/* read_seq - one branch: its parts into items (when asked) */
static void read_seq(reader *r, part *out, part *items, size_t *n_items)
{
    *out = (part){{{0}}, 0};
    while (!r->failed && r->i < r->n && r->p[r->i] != '|' && r->p[r->i] != ')') {
        part x;
        read_atom(r, &x);
        if (r->failed)
            return;
        read_quantifier(r, &x);
        unite(&out->bytes, &x.bytes);
        out->width = width_add(out->width, x.width);
        if (items) {
            if (*n_items == ITEMS_MAX) {
                r->failed = 1;
                return;
            }
            items[(*n_items)++] = x;
        }
    }
}

/* branch_stops - what branch items[0, n) may hold past its first *k bytes */
static void branch_stops(const part *items, size_t n, stop_set *may, uint32_t *k)
{
    size_t split = n;
    for (size_t j = 0; j < n; j++)
        if (items[j].width == WIDTH_NONE) {
            split = j;
            break;
        }
    *may = (stop_set){{0}};
    for (size_t j = split; j < n; j++)
        unite(may, &items[j].bytes);
    while (split > 0) { /* earlier, while the bytes stay the same */
        stop_set wider = *may;
        unite(&wider, &items[split - 1].bytes);
        if (memcmp(&wider, may, sizeof wider) != 0)
            break;
        split--;
    }
    *k = 0;
    for (size_t j = 0; j < split; j++)
        *k = width_add(*k, items[j].width);
}

/* read_alt - branches up to ')' or the end; at the top level (items given)
 * the stop bytes' complement into out->bytes and the largest k into out->width */
static void read_alt(reader *r, part *out, part *items, size_t *n_items)
{
    *out = (part){{{0}}, 0};
    for (;;) {
        part b;
        if (items)
            *n_items = 0;
        read_seq(r, &b, items, n_items);
        if (r->failed)
            return;
        if (items) {
            stop_set may;
            uint32_t k;
            branch_stops(items, *n_items, &may, &k);
            unite(&out->bytes, &may);
            if (k == WIDTH_NONE || out->width == WIDTH_NONE)
                out->width = WIDTH_NONE;
            else if (k > out->width)
                out->width = k;
        } else {
            unite(&out->bytes, &b.bytes);
            out->width = b.width > out->width ? b.width : out->width;
        }
        if (r->i < r->n && r->p[r->i] == '|') {
            r->i++;
            continue;
        }
        return;
    }
}

int stops_read(const char *pattern, size_t len, int utf8, stop_set *out, uint32_t *k)
{
    *out = (stop_set){{0}};
    *k = 0;
    reader r = {(const unsigned char *)pattern, len, 0, utf8, 0, 0};
    part items[ITEMS_MAX], whole;
    size_t n_items = 0;
    read_alt(&r, &whole, items, &n_items);
    if (r.failed || r.i != r.n || whole.width == WIDTH_NONE)
        return 0;
    int any = 0;
    for (int b = 0; b < 4; b++) {
        out->bit[b] = ~whole.bytes.bit[b];
        any |= out->bit[b] != 0;
    }
    *k = whole.width;
    return any;
}
