/*
 * pattern.c - a rule pattern read into a tree (see pattern.h).
 *
 * Recursive descent over (pointer, length): an alternation of sequences of
 * atoms, each maybe quantified; a group holds an alternation again. The
 * nodes are allocated at once, as many as the pattern can need (an atom
 * takes at least one byte, a group three nodes for its two parentheses).
 */
#include "pattern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *p;
    size_t len, i;
    pat_node *node;
    long n, cap;
    int bytes, depth;
} reader;

static long read_alt(reader *r);

/* add - a new node of the kind, -1 when there is no room */
static long add(reader *r, int kind)
{
    if (r->n == r->cap)
        return -1;
    r->node[r->n] = (pat_node){(unsigned char)kind, 0, 0, 0, 0, 0, 1, 1, -1, -1};
    return r->n++;
}

/* utf8_value - the code point of the whole of p[0, n), PAT_CP_BAD when it is
 * not one UTF-8 sequence */
static unsigned utf8_value(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (k != n)
        return PAT_CP_BAD;
    unsigned v = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
    for (size_t j = 1; j < k; j++)
        v = (v << 6) | (p[j] & 0x3f);
    return v;
}

/* read_char - an unescaped character into x: one byte, or from 0x80 (unless
 * read as bytes) that byte and the continuation bytes after it */
static void read_char(reader *r, pat_node *x)
{
    size_t at = r->i++;
    x->kind = PAT_CHAR;
    x->cp = r->p[at];
    if (x->cp < 0x80 || r->bytes)
        return;
    while (r->i < r->len && (r->p[r->i] & 0xc0) == 0x80)
        r->i++;
    x->wide = 1;
    x->cp = utf8_value(r->p + at, r->i - at);
}

/* read_escape - "\c" into x (an assertion only outside a class); 0 when
 * refused */
static int read_escape(reader *r, pat_node *x, int in_class)
{
    static const char CTRL[] = "ntrfe", VAL[] = "\n\t\r\f\x1b";
    if (r->i + 1 >= r->len)
        return 0;
    unsigned char c = r->p[r->i + 1];
    const char *q = memchr(CTRL, c, 5);
    r->i += 2;
    x->esc = c;
    if (!in_class && memchr("bBAzZG", c, 6))
        x->kind = PAT_ASSERT;
    else if (memchr("dDwWsShHvVN", c, 11))
        x->kind = PAT_TYPE;
    else if (q || !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))) {
        x->kind = PAT_CHAR;
        x->cp = q ? (unsigned char)VAL[q - CTRL] : c;
    } else
        return 0;
    return 1;
}

/* read_member - one member of a class, -1 when refused */
static long read_member(reader *r)
{
    const unsigned char *p = r->p;
    long x = add(r, PAT_CHAR);
    if (x < 0 || (p[r->i] == '[' && r->i + 1 < r->len && memchr(":.=", p[r->i + 1], 3)))
        return -1; /* POSIX classes: not used by the rules */
    if (p[r->i] != '\\')
        read_char(r, &r->node[x]);
    else if (!read_escape(r, &r->node[x], 1))
        return -1;
    return x;
}

/* read_class - "[...]" at the position */
static long read_class(reader *r)
{
    long c = add(r, PAT_CLASS);
    long *tail = c >= 0 ? &r->node[c].first : NULL; /* where the next member goes */
    r->i++; /* '[' */
    if (c >= 0 && r->i < r->len && r->p[r->i] == '^') {
        r->node[c].op = 1;
        r->i++;
    }
    for (int first = 1; c >= 0; first = 0) {
        if (r->i >= r->len)
            return -1;
        if (r->p[r->i] == ']' && !first)
            break;
        long lo = read_member(r);
        if (lo < 0)
            return -1;
        *tail = lo, tail = &r->node[lo].next;
        if (r->node[lo].kind == PAT_CHAR && r->i + 1 < r->len && r->p[r->i] == '-' &&
            r->p[r->i + 1] != ']') {
            r->i++;
            long hi = read_member(r);
            if (hi < 0 || r->node[hi].kind != PAT_CHAR)
                return -1;
            r->node[lo].op = 1;
            *tail = hi, tail = &r->node[hi].next;
        }
    }
    r->i++; /* ']' */
    return c;
}

/* read_group - "(...)" at the position */
static long read_group(reader *r)
{
    static const struct {
        const char *s;
        unsigned char op;
    } OPEN[] = {{"?:", PAT_PLAIN}, {"?i:", PAT_CASELESS}, {"?-i:", PAT_CASED}, {"?=", PAT_LOOK},
                {"?!", PAT_LOOK},  {"?<=", PAT_LOOK},    {"?<!", PAT_LOOK}};
    long g = add(r, PAT_GROUP);
    r->i++; /* '(' */
    if (g >= 0 && r->i < r->len && r->p[r->i] == '?') {
        size_t k = 0, n = sizeof OPEN / sizeof OPEN[0];
        while (k < n && (strlen(OPEN[k].s) > r->len - r->i ||
                         memcmp(r->p + r->i, OPEN[k].s, strlen(OPEN[k].s)) != 0))
            k++;
        if (k == n)
            return -1;
        r->node[g].op = OPEN[k].op;
        r->i += strlen(OPEN[k].s);
    }
    if (g < 0 || ++r->depth > PAT_DEPTH_MAX)
        return -1;
    long a = read_alt(r);
    r->depth--;
    if (a < 0 || r->i >= r->len || r->p[r->i] != ')')
        return -1;
    r->i++;
    r->node[g].first = a;
    return g;
}

/* number - decimal digits at the position, -1 when none, -2 when too large */
static long number(reader *r)
{
    long v = -1;
    while (r->i < r->len && r->p[r->i] >= '0' && r->p[r->i] <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (r->p[r->i] - '0');
        if (v > 100000)
            return -2;
        r->i++;
    }
    return v;
}

/* read_quantifier - a quantifier after atom x, if any, then maybe a lazy
 * "?" (the same strings); 0 when malformed or possessive (not used) */
static int read_quantifier(reader *r, pat_node *x)
{
    int c = r->i < r->len ? r->p[r->i] : -1;
    if (c == '?' || c == '*' || c == '+') {
        x->min = c == '+';
        x->max = c == '?' ? 1 : -1;
        r->i++;
    } else if (c == '{') {
        r->i++;
        x->min = x->max = number(r);
        if (r->i < r->len && r->p[r->i] == ',') {
            r->i++;
            x->max = number(r);
        }
        if (x->min < 0 || x->max < -1 || r->i >= r->len || r->p[r->i] != '}' ||
            (x->max >= 0 && x->max < x->min))
            return 0;
        r->i++;
    } else
        return 1;
    x->quant = 1;
    if (r->i < r->len && r->p[r->i] == '?')
        r->i++;
    else if (r->i < r->len && r->p[r->i] == '+')
        return 0;
    return 1;
}

/* read_atom - one atom at the position, with its quantifier */
static long read_atom(reader *r)
{
    unsigned char c = r->p[r->i];
    long x = -1;
    if (c == '(')
        x = read_group(r);
    else if (c == '[')
        x = read_class(r);
    else if (!memchr("*+?{)|", c, 6) && (x = add(r, PAT_ANY)) >= 0) {
        pat_node *a = &r->node[x];
        if (c == '^' || c == '$') {
            a->kind = PAT_ASSERT;
            a->cp = c;
            r->i++;
        } else if (c == '.')
            r->i++;
        else if (c != '\\')
            read_char(r, a);
        else if (!read_escape(r, a, 0))
            return -1;
    }
    return x >= 0 && read_quantifier(r, &r->node[x]) ? x : -1;
}

/* read_alt - branches up to ')' or the end */
static long read_alt(reader *r)
{
    long alt = add(r, PAT_ALT);
    long *branch = alt >= 0 ? &r->node[alt].first : NULL; /* where the next branch goes */
    while (alt >= 0) {
        long seq = add(r, PAT_SEQ);
        if (seq < 0)
            return -1;
        *branch = seq, branch = &r->node[seq].next;
        long *part = &r->node[seq].first;
        while (r->i < r->len && r->p[r->i] != '|' && r->p[r->i] != ')') {
            long x = read_atom(r);
            if (x < 0)
                return -1;
            *part = x, part = &r->node[x].next;
        }
        if (r->i >= r->len || r->p[r->i] != '|')
            break;
        r->i++;
    }
    return alt;
}

int pat_read(const char *pattern, size_t len, int bytes, pat_node **nodes)
{
    reader r = {(const unsigned char *)pattern, len, 0, NULL, 0, 0, bytes, 0};
    *nodes = NULL;
    if (len > (PTRDIFF_MAX / sizeof(pat_node) - 2) / 2)
        return 0;
    r.cap = (long)(2 * len + 2);
    r.node = malloc((size_t)r.cap * sizeof *r.node);
    if (!r.node || read_alt(&r) != 0 || r.i != len) {
        free(r.node);
        return 0;
    }
    *nodes = r.node;
    return 1;
}
