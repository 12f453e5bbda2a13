/*
 * factors.c - required literal factors of a rule pattern (see factors.h).
 *
 * A walk of the pattern's tree (pattern.c) computes, for every part, what it
 * can match as far as literals go:
 *   - exact: the finite set of strings the part matches, when it is one and
 *     small ("" for anchors and \b; a class of at most CLASS_EXACT_MAX
 *     characters is the set of them);
 *   - factor: a set of strings one of which every match of the part contains,
 *     or none.
 * A sequence multiplies the exact sets of neighbouring parts into runs and
 * keeps the cheapest candidate among the runs and the factors of its other
 * parts; an alternation unites its branches (none when a branch has none;
 * when the union of the whole pattern's branches does not fit in a set, that
 * of each branch's set of the fewest strings serves);
 * a part that may be absent (?, *, {0,n}) has no factor; a repeated part
 * ({m,n}, m >= 1, +) keeps its own.
 *
 * The text is scanned with ASCII letters in lower case and every other byte
 * as it is. An ASCII pattern is compiled in lower case and case-sensitive: its
 * bytes stand for themselves. A pattern compiled caseless in UTF-8 mode
 * matches, outside (?-i:...), "k" also as U+212A (KELVIN SIGN) and "s" also as
 * U+017F (LONG S), which the text keeps: both forms enter the set. Any other
 * non-ASCII character with a case stops a run there; scripts without case
 * (CJK, kana, Hangul) stay literal. Whatever is not understood gives "none":
 * look-arounds, \G, escapes of control bytes or bytes from 0x80, groups
 * deeper than DEPTH_MAX.
 */
#include "factors.h"
#include "pattern.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 8       /* nested groups */
#define CLASS_EXACT_MAX 3 /* characters of a class taken as a set */

typedef struct {
    int exact;     /* e holds every string the part matches */
    factor_set e;  /* may hold "" */
    int has_f;     /* f is a factor set */
    factor_set f;  /* never holds "", every string at least 2 bytes */
    int has_s;     /* s is a factor set: of those considered, the one of */
    factor_set s;  /* the fewest strings (unions of them fit where f's do not) */
} info;

/* the working sets of one level of nesting */
typedef struct {
    factor_set run, tmp, best, small;
    info part, branch;
} frame;

typedef struct {
    pat_node *node; /* the tree (pattern.h) */
    frame *frames;  /* DEPTH_MAX + 1, one per level */
    int depth;
    int failed;
    int utf8;       /* compiled in UTF-8 mode */
    int ci;         /* caseless here */
    int zero_width; /* an anchor or \b was walked */
} walk;

/* ------------------------------------------------------------------------
 * Sets of strings
 * ---------------------------------------------------------------------- */

/* set_find - the index of a string in the set, -1 when absent */
static long set_find(const factor_set *s, const char *p, size_t len)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->len[k] == len && memcmp(s->s[k], p, len) == 0)
            return (long)k;
    return -1;
}

/* set_add - add a string unless present; -1 when it does not fit */
static int set_add(factor_set *s, const char *p, size_t len)
{
    if (len > FACTOR_LEN_MAX)
        return -1;
    if (set_find(s, p, len) >= 0)
        return 0;
    if (s->n == FACTOR_SET_MAX)
        return -1;
    memcpy(s->s[s->n], p, len);
    s->len[s->n++] = (unsigned char)len;
    return 0;
}

/* set_one - the set of one string */
static void set_one(factor_set *s, const char *p, size_t len)
{
    s->n = 0;
    set_add(s, p, len);
}

/* set_union - a with every string of b added; -1 when it does not fit */
static int set_union(factor_set *a, const factor_set *b)
{
    for (size_t k = 0; k < b->n; k++)
        if (set_add(a, b->s[k], b->len[k]) != 0)
            return -1;
    return 0;
}

/* set_cross - out = every string of a followed by every string of b; -1 when
 * the result does not fit (out may alias neither a nor b) */
static int set_cross(const factor_set *a, const factor_set *b, factor_set *out)
{
    out->n = 0;
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++) {
            size_t la = a->len[i], lb = b->len[j];
            if (la + lb > FACTOR_LEN_MAX)
                return -1;
            char tmp[FACTOR_LEN_MAX];
            memcpy(tmp, a->s[i], la);
            memcpy(tmp + la, b->s[j], lb);
            if (set_add(out, tmp, la + lb) != 0)
                return -1;
        }
    return 0;
}

/* byte_weight - how likely a byte is in reply texts, softened (the square
 * root of its frequency: words are not random letters), for set_cost */
static double byte_weight(unsigned char c)
{
    /* English letter frequencies, a to z, softened */
    static const double LETTER[26] = {0.274, 0.122, 0.173, 0.187, 0.332, 0.141, 0.141, 0.200, 0.265,
                                      0.045, 0.089, 0.200, 0.158, 0.255, 0.265, 0.141, 0.032, 0.245,
                                      0.245, 0.283, 0.173, 0.100, 0.122, 0.045, 0.122, 0.032};
    if (c >= 'a' && c <= 'z')
        return LETTER[c - 'a'];
    if (c == ' ')
        return .412;
    if (c >= 0x80)
        return .224;
    if ((c >= '0' && c <= '9') || c == '.')
        return .141;
    return .1;
}

/* words that most bounce texts hold: a factor that is no more than a piece
 * of one of them is found nearly everywhere */
static const char *const COMMON[] = {
    "rejected", "refused", "denied", "blocked", "failed", "failure", "error", "recipient",
    "mailbox", "address", "user", "unknown", "invalid", "message", "mail", "email", "sender",
    "server", "delivery", "domain", "host", "not", "allowed", "permitted", "accepted",
    "access", "account", "policy", "please", "unavailable", "temporarily", "smtp", "the",
    "your", "from", "for", "this", "with", "was", "has", "have", "been", "connection",
    "information", "support", "local", "remote", "received", "service", "because", "due",
};

/* factors_common - is the string, without spaces at its ends, part of a
 * common word? */
int factors_common(const char *p, size_t len)
{
    while (len && *p == ' ')
        p++, len--;
    while (len && p[len - 1] == ' ')
        len--;
    for (size_t w = 0; w < sizeof COMMON / sizeof COMMON[0]; w++) {
        size_t wl = strlen(COMMON[w]);
        for (size_t i = 0; len && i + len <= wl; i++)
            if (memcmp(COMMON[w] + i, p, len) == 0)
                return 1;
    }
    return 0;
}

/* set_cost - how often the set's strings are expected per text byte, plus a
 * little per string, each being one literal more to search for */
static double set_cost(const factor_set *s)
{
    double sum = (double)s->n * 1e-6;
    for (size_t k = 0; k < s->n; k++) {
        double p = factors_common(s->s[k], s->len[k]) ? 1e4 : 1;
        for (size_t i = 0; i < s->len[k]; i++)
            p *= byte_weight((unsigned char)s->s[k][i]);
        sum += p;
    }
    return sum;
}

/* usable - can the set serve as a factor set? (no string shorter than 2) */
static int usable(const factor_set *s)
{
    if (s->n == 0)
        return 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->len[k] < 2)
            return 0;
    return 1;
}

/* consider - keep cand in *best when usable and cheaper */
static void consider(int *has_best, factor_set *best, const factor_set *cand)
{
    if (!usable(cand))
        return;
    if (!*has_best || set_cost(cand) < set_cost(best)) {
        *best = *cand;
        *has_best = 1;
    }
}

/* consider_small - keep cand in *small when usable and of fewer strings
 * (the cheaper of two as many) */
static void consider_small(int *has_small, factor_set *small, const factor_set *cand)
{
    if (!usable(cand))
        return;
    if (!*has_small || cand->n < small->n ||
        (cand->n == small->n && set_cost(cand) < set_cost(small))) {
        *small = *cand;
        *has_small = 1;
    }
}

/* consider_both - cand for the best set and the smallest */
static void consider_both(int *has_best, factor_set *best, int *has_small, factor_set *small,
                          const factor_set *cand)
{
    consider(has_best, best, cand);
    consider_small(has_small, small, cand);
}

/* normalize - an exact set is a factor set too, when it is the better one */
static void normalize(info *x)
{
    if (x->exact)
        consider_both(&x->has_f, &x->f, &x->has_s, &x->s, &x->e);
}

/* ------------------------------------------------------------------------
 * The pattern's tree
 * ---------------------------------------------------------------------- */

static void walk_alt(walk *w, const pat_node *alt, info *out);

/* fail - give up on the pattern */
static void fail(walk *w, info *out)
{
    w->failed = 1;
    out->exact = 0;
    out->has_f = out->has_s = 0;
}

/* caseless_free - a code point without case, so that caseless matching
 * leaves it as it is: Latin-1 signs (not U+00B5 MICRO SIGN, which folds to
 * Greek mu), general punctuation, CJK, kana, Hangul, full-width signs */
static int caseless_free(unsigned cp)
{
    return (cp >= 0xa0 && cp <= 0xbf && cp != 0xb5) || cp == 0xd7 || cp == 0xf7 ||
           (cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x3000 && cp <= 0x30ff) ||
           (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
           (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xff01 && cp <= 0xff20) ||
           (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff9f);
}

/* char_forms - add the forms character cp takes in the scanned text to s;
 * 0 when it cannot be written as a few strings */
static int char_forms(const walk *w, unsigned cp, factor_set *s)
{
    char buf[6]; /* g_unichar_to_utf8 writes 6 bytes at most */
    if (!w->ci)
        return set_add(s, buf, w->utf8 ? (size_t)g_unichar_to_utf8(cp, buf) : (buf[0] = (char)cp, 1)) == 0;
    if (cp >= 'A' && cp <= 'Z')
        cp += 32;
    if (cp < 0x80) {
        buf[0] = (char)cp;
        if (set_add(s, buf, 1) != 0)
            return 0;
        if (w->utf8 && cp == 'k')
            return set_add(s, "\xE2\x84\xAA", 3) == 0; /* U+212A KELVIN SIGN */
        if (w->utf8 && cp == 's')
            return set_add(s, "\xC5\xBF", 2) == 0; /* U+017F LATIN SMALL LETTER LONG S */
        return 1;
    }
    if (!w->utf8)
        return set_add(s, (buf[0] = (char)cp, buf), 1) == 0;
    return caseless_free(cp) && set_add(s, buf, (size_t)g_unichar_to_utf8(cp, buf)) == 0;
}

/* char_value - the character of node x; 0 when not understood: an escape
 * of a control byte or of one from 0x80, a wide character that is no UTF-8 */
static int char_value(const pat_node *x, unsigned *cp)
{
    if (x->esc && !memchr("ntrfe", x->esc, 5) && (x->esc < 0x20 || x->esc >= 0x80))
        return 0;
    *cp = x->cp;
    return x->cp != PAT_CP_BAD;
}

/* walk_class - a class: the set of its characters when they are few */
static void walk_class(walk *w, const pat_node *c, info *out)
{
    int big = 0;
    factor_set members = {0};
    size_t count = 0;
    for (long m = c->first; m >= 0; m = w->node[m].next) {
        const pat_node *x = &w->node[m];
        unsigned lo, hi;
        if (x->kind == PAT_TYPE) {
            big = 1;
            continue;
        }
        if (!char_value(x, &lo) || !char_value(x->op ? &w->node[m = x->next] : x, &hi) || hi < lo) {
            fail(w, out);
            return;
        }
        if (hi - lo + 1 > CLASS_EXACT_MAX || count + (hi - lo + 1) > CLASS_EXACT_MAX) {
            big = 1;
            continue;
        }
        count += hi - lo + 1;
        for (unsigned cp = lo; cp <= hi && !big; cp++)
            if (!char_forms(w, cp, &members))
                big = 1;
    }
    out->exact = !c->op && !big && members.n > 0;
    if (out->exact)
        out->e = members;
}

/* walk_group - a group, caseless or exact inside when it says so */
static void walk_group(walk *w, const pat_node *g, info *out)
{
    int ci = w->ci;
    if (g->op == PAT_LOOK || ++w->depth > DEPTH_MAX) {
        fail(w, out);
        return;
    }
    if (g->op != PAT_PLAIN)
        w->ci = g->op == PAT_CASELESS;
    walk_alt(w, &w->node[g->first], out);
    w->depth--;
    w->ci = ci;
    if (w->failed)
        fail(w, out);
}

/* walk_atom - one atom, without its quantifier */
static void walk_atom(walk *w, const pat_node *x, info *out)
{
    unsigned cp;
    out->exact = 0;
    out->has_f = out->has_s = 0;
    if (x->kind == PAT_GROUP)
        walk_group(w, x, out);
    else if (x->kind == PAT_CLASS)
        walk_class(w, x, out);
    else if ((x->kind == PAT_ASSERT && x->esc == 'G') || (x->kind == PAT_CHAR && !char_value(x, &cp)))
        fail(w, out);
    else if (x->kind == PAT_ASSERT) {
        w->zero_width = 1;
        out->exact = 1;
        set_one(&out->e, "", 0);
    } else if (x->kind == PAT_CHAR) {
        out->e.n = 0;
        out->exact = char_forms(w, cp, &out->e);
        normalize(out);
    } /* ".", \d and the like: anything */
}

/* repeat - what x repeated min..max times matches */
static void repeat(info *x, long min, long max)
{
    if (min == 0) {
        x->has_f = x->has_s = 0;
        if (x->exact && max == 1)
            x->exact = set_add(&x->e, "", 0) == 0;
        else
            x->exact = 0;
        return;
    }
    /* at least once: the factor stays; exact only for a fixed count */
    if (x->exact && min == max && min > 1) {
        factor_set acc = x->e, tmp;
        for (long k = 1; k < min && x->exact; k++) {
            x->exact = set_cross(&acc, &x->e, &tmp) == 0;
            acc = tmp;
        }
        if (x->exact)
            x->e = acc;
    } else if (min != max)
        x->exact = 0;
    normalize(x);
}

/* walk_concat - the parts [from, to) of a sequence (to -1: all after from) */
static void walk_concat(walk *w, long from, long to, info *out)
{
    frame *fr = &w->frames[w->depth];
    factor_set *run = &fr->run, *tmp = &fr->tmp, *best = &fr->best; /* run: the exact run */
    factor_set *small = &fr->small;
    info *x = &fr->part;
    set_one(run, "", 0);
    int whole = 1; /* every part so far exact: run is all of it */
    int has_best = 0, has_small = 0;
    for (long k = from; k != to && !w->failed; k = w->node[k].next) {
        const pat_node *a = &w->node[k];
        walk_atom(w, a, x);
        if (w->failed)
            break;
        if (a->quant)
            repeat(x, a->min, a->max);
        if (x->has_f)
            consider(&has_best, best, &x->f);
        if (x->has_s)
            consider_small(&has_small, small, &x->s);
        if (x->exact && x->e.n > 1) /* before it multiplies */
            consider_both(&has_best, best, &has_small, small, run);
        if (x->exact && set_cross(run, &x->e, tmp) == 0) {
            *run = *tmp;
            continue;
        }
        consider_both(&has_best, best, &has_small, small, run);
        whole = 0;
        if (x->exact)
            *run = x->e;
        else
            set_one(run, "", 0);
    }
    if (w->failed) {
        fail(w, out);
        return;
    }
    consider_both(&has_best, best, &has_small, small, run);
    out->exact = whole;
    if (whole)
        out->e = *run;
    out->has_f = has_best;
    if (has_best)
        out->f = *best;
    out->has_s = has_small;
    if (has_small)
        out->s = *small;
}

/* walk_alt - branches */
static void walk_alt(walk *w, const pat_node *alt, info *out)
{
    long b = alt->first;
    walk_concat(w, w->node[b].first, -1, out);
    info *br = &w->frames[w->depth].branch;
    for (b = w->node[b].next; b >= 0 && !w->failed; b = w->node[b].next) {
        walk_concat(w, w->node[b].first, -1, br);
        if (w->failed)
            break;
        out->exact = out->exact && br->exact && set_union(&out->e, &br->e) == 0;
        out->has_f = out->has_f && br->has_f && set_union(&out->f, &br->f) == 0;
        out->has_s = out->has_s && br->has_s && set_union(&out->s, &br->s) == 0;
    }
    if (w->failed) {
        fail(w, out);
        return;
    }
    normalize(out);
}

/* walk_start - read the pattern into w's tree and give w its frames; 0 when
 * it cannot be read (walk_end all the same) */
static int walk_start(walk *w, const char *pattern, size_t len, factors_mode mode)
{
    *w = (walk){0};
    w->utf8 = w->ci = mode == FACTORS_CASELESS_UTF8;
    if (!pat_read(pattern, len, !w->utf8, &w->node))
        return 0;
    w->frames = malloc((DEPTH_MAX + 1) * sizeof *w->frames);
    return w->frames != NULL;
}

/* walk_end - free what walk_start took */
static void walk_end(walk *w)
{
    free(w->node);
    free(w->frames);
}

int factors_extract(const char *pattern, size_t len, factors_mode mode, factor_set *out)
{
    walk w;
    info *x = malloc(sizeof *x);
    int found = walk_start(&w, pattern, len, mode) && x;
    out->n = 0;
    if (found) {
        walk_alt(&w, w.node, x);
        found = !w.failed && (x->has_f || x->has_s);
    }
    /* the branches' best sets too many together: their smallest ones */
    if (found)
        *out = x->has_f ? x->f : x->s;
    walk_end(&w);
    free(x);
    return found;
}

/* boundary - is part k (-1: none) an unquantified \b? */
static int boundary(const walk *w, long k)
{
    return k >= 0 && w->node[k].kind == PAT_ASSERT && w->node[k].esc == 'b' && !w->node[k].quant;
}

int factors_exact(const char *pattern, size_t len, exact_set *out)
{
    walk w;
    info *x = malloc(sizeof *x);
    int ok = walk_start(&w, pattern, len, FACTORS_EXACT) && x;
    out->set.n = 0;
    for (long b = ok ? w.node[0].first : -1; ok && b >= 0; b = w.node[b].next) {
        long from = w.node[b].first, last = from, to = -1;
        unsigned char edge = 0;
        if (boundary(&w, from))
            from = w.node[from].next, edge |= EXACT_BOUNDARY_BEFORE;
        for (last = from; last >= 0 && w.node[last].next >= 0;)
            last = w.node[last].next;
        if (boundary(&w, last))
            to = last, edge |= EXACT_BOUNDARY_AFTER;
        w.zero_width = 0;
        walk_concat(&w, from, to, x);
        ok = !w.failed && !w.zero_width && x->exact && usable(&x->e);
        for (size_t k = 0; ok && k < x->e.n; k++) {
            long at = set_find(&out->set, x->e.s[k], x->e.len[k]);
            if (at >= 0) /* the same string twice: only with the same boundaries */
                ok = out->edge[at] == edge;
            else if ((ok = set_add(&out->set, x->e.s[k], x->e.len[k]) == 0))
                out->edge[out->set.n - 1] = edge;
        }
    }
    walk_end(&w);
    free(x);
    if (!ok)
        out->set.n = 0;
    return ok;
}
