/*
 * pattern.h - a rule pattern read into a tree: the one reading of the subset
 * of PCRE syntax the rule files use (docs/rules-format.md) that the pattern
 * analyses share (factors.c: literals every match holds; stops.c: bytes a
 * match holds only in its first few).
 *
 * pat_read() takes what either analysis understands: alternation; groups "(",
 * "(?:", "(?i:", "(?-i:" and the look-arounds "(?=", "(?!", "(?<=", "(?<!"
 * (at most PAT_DEPTH_MAX deep); classes with ranges and escapes; "." "^" "$";
 * the escapes \b \B \A \z \Z \G (not in a class), \d \D \w \W \s \S \h \H \v
 * \V \N, \n \t \r \f \e, and '\' before any byte that is no ASCII letter or
 * digit; quantifiers "?" "*" "+" "{m}" "{m,}" "{m,n}", maybe lazy. It refuses
 * anything else; each analysis refuses, of these, what it does not understand.
 */
#ifndef BK_PATTERN_H
#define BK_PATTERN_H

#include <stddef.h>

#define PAT_DEPTH_MAX 16        /* nested groups */
#define PAT_CP_BAD 0xffffffffu /* a wide character that is no UTF-8 sequence */

/* the kinds of node, with their children */
enum {
    PAT_ALT,    /* branches: PAT_SEQ nodes */
    PAT_SEQ,    /* parts in order: the kinds below */
    PAT_GROUP,  /* one PAT_ALT; op: PAT_PLAIN .. PAT_LOOK */
    PAT_CLASS,  /* PAT_CHAR and PAT_TYPE nodes; op: negated */
    PAT_CHAR,   /* cp; in a class, op: the first of a range, the next node its last */
    PAT_TYPE,   /* \d \w \s \h \v, their complements, \N: esc */
    PAT_ASSERT, /* "^" "$" (cp), \b \B \A \z \Z \G (esc) */
    PAT_ANY     /* "." */
};

/* how a group opens: "(" or "(?:", "(?i:", "(?-i:", a look-around */
enum { PAT_PLAIN, PAT_CASELESS, PAT_CASED, PAT_LOOK };

typedef struct {
    unsigned char kind, op; /* PAT_*, see the kinds */
    unsigned char esc;      /* the byte after '\' when escaped, else 0 */
    unsigned char wide;     /* PAT_CHAR: a byte from 0x80 and the continuation
                             * bytes after it, cp its code point or PAT_CP_BAD */
    unsigned char quant;    /* a quantifier follows: min, max (-1: none) */
    unsigned cp;            /* PAT_CHAR: the character (\n: 10, \.: '.') */
    long min, max;
    long first, next;       /* the first child, the next sibling; -1 when none */
} pat_node;

/* pat_read - pattern[0, len) into a tree; bytes: each byte from 0x80 is a
 * character of its own. Its nodes into *nodes (to free()), the top PAT_ALT
 * first; 1 when read, 0 when refused (*nodes NULL) */
int pat_read(const char *pattern, size_t len, int bytes, pat_node **nodes);

#endif
