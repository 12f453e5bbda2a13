/*
 * stops.c - the bytes a rule pattern's match cannot hold past its first few
 * (see stops.h).
 *
 * A walk of the pattern's tree (pattern.c) gives, for every part, the bytes
 * it may consume (a superset: both cases of ASCII letters, every byte from
 * 0x80 for anything that may match a character beyond ASCII) and its longest
 * match in bytes, or none. For each top-level branch, a sequence of parts,
 * the first part with no longest match splits it: the bytes of that part and
 * of all after it are what the branch may hold past the parts before it,
 * whose longest matches add up to the branch's k (the split moves to an
 * earlier part while the bytes stay the same). The stop bytes are those no
 * branch may hold past its k; the pattern's k is the largest branch's.
 * A branch with a longest match holds nothing past it. Whatever is not
 * understood gives no set: \h \v \N and their complements, \n \t \r \f \e,
 * a top-level branch of more than ITEMS_MAX parts.
 */
#include "stops.h"
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

#define WIDTH_NONE UINT32_MAX /* no longest match */
#define WIDTH_BIG (1u << 24)  /* longer than this counts as none */
#define ITEMS_MAX 128 /* parts of one top-level branch */

typedef struct {
    stop_set bytes; /* that the part may consume */
    uint32_t width; /* its longest match, WIDTH_NONE when none */
} part;

typedef struct {
    const pat_node *node; /* the tree (pattern.h) */
    int utf8;
    int failed;
} walk;

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
static uint32_t add_char(const walk *w, stop_set *s, unsigned c)
{
    add(s, c);
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        add(s, c | 0x20);
        add(s, c & ~0x20u);
        if (w->utf8) {
            add_range(s, 0x80, 0xff);
            return 4;
        }
    }
    return 1;
}

/* wide - anything beyond ASCII: every byte from 0x80, up to 4 of them */
static uint32_t wide(const walk *w, stop_set *s)
{
    add_range(s, 0x80, 0xff);
    return w->utf8 ? 4 : 1;
}

/* complement - what is not in s within ASCII, and anything beyond it */
static uint32_t complement(const walk *w, stop_set *s)
{
    s->bit[0] = ~s->bit[0];
    s->bit[1] = ~s->bit[1];
    s->bit[2] = s->bit[3] = 0;
    return wide(w, s);
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
static uint32_t class_escape(const walk *w, unsigned c, stop_set *s)
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
    uint32_t width = c >= 'A' && c <= 'Z' ? complement(w, &e) : 1;
    unite(s, &e);
    return width;
}

/* char_value - the code point of a character for its bytes (one from 0x80
 * and its continuation bytes stand for some character beyond ASCII: 0x80);
 * 0 for \n and the like, not understood */
static int char_value(const pat_node *x, unsigned *cp)
{
    *cp = x->wide ? 0x80 : x->cp;
    return !x->esc || !memchr("ntrfe", x->esc, 5);
}

/* walk_class - a class */
static void walk_class(walk *w, const pat_node *c, part *out)
{
    stop_set members = {{0}};
    uint32_t width = 1;
    int high = 0;
    for (long m = c->first; m >= 0; m = w->node[m].next) {
        const pat_node *x = &w->node[m];
        unsigned lo, hi;
        uint32_t t;
        if (x->kind == PAT_TYPE) {
            if (!(t = class_escape(w, x->esc, &members))) {
                w->failed = 1;
                return;
            }
            width = t > width ? t : width;
            continue;
        }
        if (!char_value(x, &lo) || !char_value(x->op ? &w->node[m = x->next] : x, &hi) || hi < lo) {
            w->failed = 1;
            return;
        }
        if (hi >= 0x80)
            high = 1;
        for (unsigned b = lo; b <= hi && b < 0x80; b++)
            if (add_char(w, &members, b) > width)
                width = 4;
    }
    if (high)
        width = wide(w, &members);
    if (c->op) /* negated */
        width = complement(w, &members);
    out->bytes = members;
    out->width = width;
}

static void walk_alt(walk *w, const pat_node *alt, part *out);

/* walk_atom - one atom with its quantifier; a look-around consumes nothing */
static void walk_atom(walk *w, const pat_node *x, part *out)
{
    unsigned cp;
    *out = (part){{{0}}, 0};
    if (x->kind == PAT_GROUP) {
        walk_alt(w, &w->node[x->first], out);
        if (x->op == PAT_LOOK)
            *out = (part){{{0}}, 0};
    } else if (x->kind == PAT_CLASS)
        walk_class(w, x, out);
    else if (x->kind == PAT_ANY) {
        add_range(&out->bytes, 0, 0xff);
        out->width = w->utf8 ? 4 : 1;
    } else if (x->kind == PAT_TYPE) {
        if (!(out->width = class_escape(w, x->esc, &out->bytes)))
            w->failed = 1;
    } else if (x->kind == PAT_CHAR) {
        if (!char_value(x, &cp))
            w->failed = 1;
        else
            out->width = x->wide ? wide(w, &out->bytes) : add_char(w, &out->bytes, cp);
    } /* an assertion: nothing */
    if (x->quant)
        out->width = width_times(out->width, x->max);
}

/* walk_seq - a sequence */
static void walk_seq(walk *w, const pat_node *seq, part *out)
{
    *out = (part){{{0}}, 0};
    for (long k = seq->first; k >= 0 && !w->failed; k = w->node[k].next) {
        part x;
        walk_atom(w, &w->node[k], &x);
        unite(&out->bytes, &x.bytes);
        out->width = width_add(out->width, x.width);
    }
}

/* walk_alt - an alternation below the top level */
static void walk_alt(walk *w, const pat_node *alt, part *out)
{
    *out = (part){{{0}}, 0};
    for (long b = alt->first; b >= 0 && !w->failed; b = w->node[b].next) {
        part br;
        walk_seq(w, &w->node[b], &br);
        unite(&out->bytes, &br.bytes);
        out->width = br.width > out->width ? br.width : out->width;
    }
}

/* branch_stops - what top-level branch seq may hold past its first *k bytes */
static void branch_stops(walk *w, const pat_node *seq, stop_set *may, uint32_t *k)
{
    part items[ITEMS_MAX];
    size_t n = 0, split;
    for (long j = seq->first; j >= 0 && !w->failed; j = w->node[j].next)
        if (n == ITEMS_MAX)
            w->failed = 1;
        else
            walk_atom(w, &w->node[j], &items[n++]);
    for (split = 0; split < n && items[split].width != WIDTH_NONE;)
        split++;
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

int stops_read(const char *pattern, size_t len, int utf8, stop_set *out, uint32_t *k)
{
    pat_node *node;
    *out = (stop_set){{0}};
    *k = 0;
    if (!pat_read(pattern, len, 0, &node))
        return 0;
    walk w = {node, utf8, 0};
    stop_set may = {{0}}, branch; /* what the branches may hold past their k */
    uint32_t most = 0, bk;
    for (long b = node[0].first; b >= 0 && !w.failed; b = node[b].next) {
        branch_stops(&w, &node[b], &branch, &bk);
        unite(&may, &branch);
        most = bk == WIDTH_NONE || most == WIDTH_NONE ? WIDTH_NONE : bk > most ? bk : most;
    }
    free(node);
    if (w.failed || most == WIDTH_NONE)
        return 0;
    int any = 0;
    for (int b = 0; b < 4; b++) {
        out->bit[b] = ~may.bit[b];
        any |= out->bit[b] != 0;
    }
    *k = most;
    return any;
}
