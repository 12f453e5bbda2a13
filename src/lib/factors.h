/*
 * factors.h - required literal factors of a rule pattern.
 *
 * factors_extract() reads a pattern of the subset the rule files use (groups,
 * alternation, classes, escapes, quantifiers, anchors; docs/rules-format.md;
 * pattern.h) and derives a set of strings such that every match of it, in the
 * text the classifier scans (ASCII letters lower-cased, everything else as
 * it is), contains at least one of them. A scan for those strings then finds
 * every rule that can match; the rule's own pattern confirms it. When no such
 * set can be derived safely (an unknown construct, a part that may match
 * anything) the answer is "none": the rule must always be tried.
 */
#ifndef BK_FACTORS_H
#define BK_FACTORS_H

#include <stddef.h>

#define FACTOR_SET_MAX 32 /* strings in one set */
#define FACTOR_LEN_MAX 32 /* bytes of one string */

typedef struct {
    size_t n;
    unsigned char len[FACTOR_SET_MAX];
    char s[FACTOR_SET_MAX][FACTOR_LEN_MAX];
} factor_set;

/* how the pattern is compiled (classify.c): FACTORS_EXACT for an ASCII pattern
 * compiled in lower case, case-sensitive; FACTORS_CASELESS_UTF8 for one
 * compiled caseless in UTF-8 mode, where (?-i:...) parts are exact */
typedef enum { FACTORS_EXACT, FACTORS_CASELESS_UTF8 } factors_mode;

/* factors_extract - the factor set of pattern[0, len) into out; returns 1 when
 * one was found, 0 when the rule must always be tried (out->n is then 0) */
int factors_extract(const char *pattern, size_t len, factors_mode mode, factor_set *out);

/* a pattern that is a set of strings, each maybe with \b before or after it */
#define EXACT_BOUNDARY_BEFORE 1u
#define EXACT_BOUNDARY_AFTER 2u
typedef struct {
    factor_set set;
    unsigned char edge[FACTOR_SET_MAX]; /* EXACT_BOUNDARY_* of each string */
} exact_set;

/* factors_common - is p[0, len), without spaces at its ends, part of a word
 * that most bounce texts hold (a factor or key of it is found nearly everywhere)? */
int factors_common(const char *p, size_t len);

/* factors_exact - for an ASCII pattern compiled in lower case (FACTORS_EXACT):
 * when every top-level branch is \b?STRINGS\b?, with STRINGS a small finite
 * set of strings of at least 2 bytes and no other anchor or \b, the strings
 * with their boundaries into out, and 1: a match is then one of them where
 * its boundaries hold. 0 otherwise */
int factors_exact(const char *pattern, size_t len, exact_set *out);

#endif
