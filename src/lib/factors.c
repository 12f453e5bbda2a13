/*
 * factors.c - required literal factors of a rule pattern (see factors.h).
 *
 * A recursive-descent reading of the pattern computes, for every part, what
 * it can match as far as literals go:
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
 * (CJK, kana, Hangul) stay literal. Whatever is not understood gives "none".
 */
#include "factors.h"

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
    const unsigned char *p;
    size_t n, i;
    frame *frames; /* DEPTH_MAX + 1, one per level */
    int depth;
    int failed;
    int utf8; /* compiled in UTF-8 mode */
    int ci;   /* caseless here */
    int zero_width; /* an anchor or \b was read */
} parser;

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
 * The pattern
 * ---------------------------------------------------------------------- */

static void parse_alt(parser *ps, info *out);

/* peek - the byte at the position, or -1 at the end */
static int peek(const parser *ps)
{
    return ps->i < ps->n ? ps->p[ps->i] : -1;
}

/* fail - give up on the pattern */
static void fail(parser *ps, info *out)
{
    ps->failed = 1;
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

/* utf8_read - the code point of the sequence at i and its length; 0 when
 * invalid */
static size_t utf8_read(const unsigned char *p, size_t n, size_t i, unsigned *cp)
{
    unsigned c = p[i];
    size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (k == 0 || i + k > n)
        return 0;
    unsigned v = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
    for (size_t j = 1; j < k; j++) {
        if ((p[i + j] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i + j] & 0x3f);
    }
    *cp = v;
    return k;
}

/* utf8_put - encode a code point; returns its length */
static size_t utf8_put(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* char_forms - add the forms character cp takes in the scanned text to s;
 * 0 when it cannot be written as a few strings */
static int char_forms(const parser *ps, unsigned cp, factor_set *s)
{
    char buf[4];
    if (!ps->ci)
        return set_add(s, buf, ps->utf8 ? utf8_put(cp, buf) : (buf[0] = (char)cp, 1)) == 0;
    if (cp >= 'A' && cp <= 'Z')
        cp += 32;
    if (cp < 0x80) {
        buf[0] = (char)cp;
        if (set_add(s, buf, 1) != 0)
            return 0;
        if (ps->utf8 && cp == 'k')
            return set_add(s, "\xE2\x84\xAA", 3) == 0; /* U+212A KELVIN SIGN */
        if (ps->utf8 && cp == 's')
            return set_add(s, "\xC5\xBF", 2) == 0; /* U+017F LATIN SMALL LETTER LONG S */
        return 1;
    }
    if (!ps->utf8)
        return set_add(s, (buf[0] = (char)cp, buf), 1) == 0;
    return caseless_free(cp) && set_add(s, buf, utf8_put(cp, buf)) == 0;
}

/* read_char - one literal character at the position (a UTF-8 sequence in
 * UTF-8 mode); 0 when invalid */
static int read_char(parser *ps, unsigned *cp)
{
    if (!ps->utf8 || ps->p[ps->i] < 0x80) {
        *cp = ps->p[ps->i++];
        return 1;
    }
    size_t k = utf8_read(ps->p, ps->n, ps->i, cp);
    ps->i += k;
    return k != 0;
}

/* escape_kind - what "\c" is: 'z' zero-width, 'c' a class, 'l' the literal
 * *lit, 0 unknown */
static int escape_kind(unsigned char c, unsigned *lit)
{
    if (c == 'b' || c == 'B' || c == 'A' || c == 'z' || c == 'Z')
        return 'z';
    if (strchr("dDwWsShHvVN", c) && c)
        return 'c';
    static const char CTRL[] = "ntrfe", VAL[] = "\n\t\r\f\x1b";
    const char *q = c ? strchr(CTRL, c) : NULL;
    if (q) {
        *lit = (unsigned char)VAL[q - CTRL];
        return 'l';
    }
    if (c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
        c >= 0x20) {
        *lit = c;
        return 'l';
    }
    return 0;
}

/* class_member - one member of a class at the position: a character (*cp)
 * or a class escape (*is_class); 0 when invalid */
static int class_member(parser *ps, unsigned *cp, int *is_class)
{
    *is_class = 0;
    if (ps->p[ps->i] == '[' && ps->i + 1 < ps->n &&
        (ps->p[ps->i + 1] == ':' || ps->p[ps->i + 1] == '.' || ps->p[ps->i + 1] == '='))
        return 0; /* POSIX classes: not used by the rules */
    if (ps->p[ps->i] != '\\')
        return read_char(ps, cp);
    if (ps->i + 1 >= ps->n)
        return 0;
    unsigned char c = ps->p[ps->i + 1];
    ps->i += 2;
    if (c == 'b' || c == 'B')
        return 0; /* backspace in a class: not used */
    int kind = escape_kind(c, cp);
    if (kind == 'c')
        *is_class = 1;
    return kind == 'c' || kind == 'l';
}

/* parse_class - "[...]" at the position */
static void parse_class(parser *ps, info *out)
{
    ps->i++; /* '[' */
    int negated = 0, big = 0;
    factor_set members = {0};
    if (peek(ps) == '^') {
        negated = 1;
        ps->i++;
    }
    int first = 1;
    size_t count = 0;
    for (;;) {
        if (ps->i >= ps->n)
            {
            fail(ps, out);
            return;
        }
        if (ps->p[ps->i] == ']' && !first)
            break;
        first = 0;
        unsigned lo, hi;
        int is_class;
        if (!class_member(ps, &lo, &is_class))
            {
            fail(ps, out);
            return;
        }
        hi = lo;
        if (!is_class && peek(ps) == '-' && ps->i + 1 < ps->n && ps->p[ps->i + 1] != ']') {
            ps->i++;
            int hi_class;
            if (!class_member(ps, &hi, &hi_class) || hi_class || hi < lo)
                {
            fail(ps, out);
            return;
        }
        }
        if (is_class || hi - lo + 1 > CLASS_EXACT_MAX || count + (hi - lo + 1) > CLASS_EXACT_MAX) {
            big = 1;
            continue;
        }
        count += hi - lo + 1;
        for (unsigned cp = lo; cp <= hi && !big; cp++)
            if (!char_forms(ps, cp, &members))
                big = 1;
    }
    ps->i++; /* ']' */
    out->has_f = out->has_s = 0;
    out->exact = !negated && !big && members.n > 0;
    if (out->exact)
        out->e = members;
}

/* parse_group - "(...)", "(?:...)", "(?i:...)", "(?-i:...)" at the position */
static void parse_group(parser *ps, info *out)
{
    ps->i++; /* '(' */
    int ci = ps->ci;
    if (peek(ps) == '?') {
        static const char *const OPENERS[] = {"?:", "?i:", "?-i:"};
        size_t k = 0;
        for (; k < 3; k++) {
            size_t l = strlen(OPENERS[k]);
            if (ps->n - ps->i >= l && memcmp(ps->p + ps->i, OPENERS[k], l) == 0) {
                ps->i += l;
                break;
            }
        }
        if (k == 3)
            {
            fail(ps, out);
            return;
        }
        if (k == 1)
            ps->ci = 1;
        else if (k == 2)
            ps->ci = 0;
    }
    if (++ps->depth > DEPTH_MAX)
        {
            fail(ps, out);
            return;
        }
    parse_alt(ps, out);
    ps->depth--;
    ps->ci = ci;
    if (ps->failed || peek(ps) != ')')
        {
            fail(ps, out);
            return;
        }
    ps->i++;
}

/* parse_atom - one atom, without its quantifier */
static void parse_atom(parser *ps, info *out)
{
    int c = peek(ps);
    out->exact = 0;
    out->has_f = out->has_s = 0;
    if (c == '(') {
        parse_group(ps, out);
        return;
    }
    if (c == '[') {
        parse_class(ps, out);
        return;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{' || c == ')' || c == '|' || c < 0)
        {
            fail(ps, out);
            return;
        }
    unsigned cp;
    if (c == '.') {
        ps->i++;
        return;
    }
    if (c == '^' || c == '$') {
        ps->i++;
        ps->zero_width = 1;
        out->exact = 1;
        set_one(&out->e, "", 0);
        return;
    }
    if (c == '\\') {
        if (ps->i + 1 >= ps->n)
            {
            fail(ps, out);
            return;
        }
        int kind = escape_kind(ps->p[ps->i + 1], &cp);
        ps->i += 2;
        if (kind == 'z') {
            ps->zero_width = 1;
            out->exact = 1;
            set_one(&out->e, "", 0);
            return;
        }
        if (kind == 'c')
            return;
        if (kind != 'l')
            {
            fail(ps, out);
            return;
        }
    } else if (!read_char(ps, &cp))
        {
            fail(ps, out);
            return;
        }
    out->e.n = 0;
    out->exact = char_forms(ps, cp, &out->e);
    normalize(out);
}

/* number - decimal digits at p[*i], -1 when none, -2 when too large */
static long number(const unsigned char *p, size_t n, size_t *i)
{
    long v = -1;
    while (*i < n && p[*i] >= '0' && p[*i] <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (p[*i] - '0');
        if (v > 100000)
            return -2;
        (*i)++;
    }
    return v;
}

int factors_quantifier(const unsigned char *p, size_t n, size_t *i, long *min, long *max)
{
    int c = *i < n ? p[*i] : -1;
    if (c == '?' || c == '*' || c == '+') {
        *min = c == '+';
        *max = c == '?' ? 1 : -1;
        (*i)++;
    } else if (c == '{') {
        (*i)++;
        *min = number(p, n, i);
        *max = *min;
        if (*i < n && p[*i] == ',') {
            (*i)++;
            *max = number(p, n, i);
        }
        if (*min < 0 || *max < -1 || *i >= n || p[*i] != '}' || (*max >= 0 && *max < *min))
            return -1;
        (*i)++;
    } else
        return 0;
    if (*i < n && p[*i] == '?')
        (*i)++; /* lazy: the same strings */
    else if (*i < n && p[*i] == '+')
        return -1; /* possessive: not used */
    return 1;
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

/* parse_concat - a sequence up to '|', ')' or the end */
static void parse_concat(parser *ps, info *out)
{
    frame *fr = &ps->frames[ps->depth];
    factor_set *run = &fr->run, *tmp = &fr->tmp, *best = &fr->best; /* run: the exact run */
    factor_set *small = &fr->small;
    info *x = &fr->part;
    set_one(run, "", 0);
    int whole = 1; /* every part so far exact: run is all of it */
    int has_best = 0, has_small = 0;
    while (ps->i < ps->n && !ps->failed && peek(ps) != '|' && peek(ps) != ')') {
        parse_atom(ps, x);
        if (ps->failed)
            break;
        long min, max;
        int q = factors_quantifier(ps->p, ps->n, &ps->i, &min, &max);
        if (q < 0) {
            fail(ps, x);
            break;
        }
        if (q)
            repeat(x, min, max);
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
    if (ps->failed) {
        fail(ps, out);
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

/* parse_alt - branches separated by '|' */
static void parse_alt(parser *ps, info *out)
{
    parse_concat(ps, out);
    info *b = &ps->frames[ps->depth].branch;
    while (!ps->failed && peek(ps) == '|') {
        ps->i++;
        parse_concat(ps, b);
        if (ps->failed)
            break;
        out->exact = out->exact && b->exact && set_union(&out->e, &b->e) == 0;
        out->has_f = out->has_f && b->has_f && set_union(&out->f, &b->f) == 0;
        out->has_s = out->has_s && b->has_s && set_union(&out->s, &b->s) == 0;
    }
    if (ps->failed)
        {
            fail(ps, out);
            return;
        }
    normalize(out);
}

/* parse_whole - read pattern[0, len) into *x; 0 when it cannot be read */
static int parse_whole(const char *pattern, size_t len, factors_mode mode, info *x,
                       int *zero_width)
{
    frame *frames = malloc((DEPTH_MAX + 1) * sizeof *frames);
    int ok = 0;
    if (frames) {
        parser ps = {(const unsigned char *)pattern, len, 0, frames, 0, 0,
                     mode == FACTORS_CASELESS_UTF8, mode == FACTORS_CASELESS_UTF8, 0};
        parse_alt(&ps, x);
        ok = !ps.failed && ps.i == ps.n;
        *zero_width = ps.zero_width;
    }
    free(frames);
    return ok;
}

int factors_extract(const char *pattern, size_t len, factors_mode mode, factor_set *out)
{
    out->n = 0;
    info *x = malloc(sizeof *x);
    int zw, found = x && parse_whole(pattern, len, mode, x, &zw) && (x->has_f || x->has_s);
    /* the branches' best sets too many together: their smallest ones */
    if (found)
        *out = x->has_f ? x->f : x->s;
    free(x);
    return found;
}

/* branch_end - the end of the top-level branch that starts at i */
static size_t branch_end(const char *p, size_t n, size_t i)
{
    int depth = 0, in_class = 0;
    for (; i < n; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (in_class) {
            in_class = p[i] != ']';
            continue;
        }
        if (p[i] == '[') {
            in_class = 1;
            if (i + 1 < n && p[i + 1] == '^')
                i++;
            if (i + 1 < n && p[i + 1] == ']')
                i++; /* a leading ']' is a member */
        } else if (p[i] == '(')
            depth++;
        else if (p[i] == ')')
            depth--;
        else if (p[i] == '|' && depth == 0)
            return i;
    }
    return n;
}

/* ends_with_boundary - does [b, e) end with an unescaped \b? */
static int ends_with_boundary(const char *p, size_t b, size_t e)
{
    if (e - b < 2 || p[e - 1] != 'b' || p[e - 2] != '\\')
        return 0;
    size_t k = e - 2, slashes = 0;
    while (k > b && p[k - 1] == '\\')
        k--, slashes++;
    return slashes % 2 == 0;
}

int factors_exact(const char *pattern, size_t len, exact_set *out)
{
    out->set.n = 0;
    info *x = malloc(sizeof *x);
    int ok = x != NULL;
    size_t i = 0;
    while (ok && i <= len) {
        size_t e = branch_end(pattern, len, i), b = i;
        unsigned char edge = 0;
        if (e - b >= 2 && pattern[b] == '\\' && pattern[b + 1] == 'b')
            b += 2, edge |= EXACT_BOUNDARY_BEFORE;
        if (e > b && ends_with_boundary(pattern, b, e))
            e -= 2, edge |= EXACT_BOUNDARY_AFTER;
        int zw;
        ok = parse_whole(pattern + b, e - b, FACTORS_EXACT, x, &zw) && !zw && x->exact &&
             usable(&x->e);
        for (size_t k = 0; ok && k < x->e.n; k++) {
            long at = set_find(&out->set, x->e.s[k], x->e.len[k]);
            if (at >= 0) /* the same string twice: only with the same boundaries */
                ok = out->edge[at] == edge;
            else if ((ok = set_add(&out->set, x->e.s[k], x->e.len[k]) == 0))
                out->edge[out->set.n - 1] = edge;
        }
        i = branch_end(pattern, len, i) + 1;
    }
    free(x);
    if (!ok)
        out->set.n = 0;
    return ok;
}
