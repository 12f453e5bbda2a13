/*
 * rulematch.h - the rule and provider-text patterns compiled for matching,
 * in two stages: one Vectorscan scan of the text for the patterns' required
 * literal factors (factors.h) names the candidate patterns, then only the
 * candidates, and the few patterns without factors, are searched for with
 * PCRE2 (JIT). The result is what one Vectorscan scan of every pattern gives:
 * each pattern that matches, once, in the order of the end of its first match.
 *
 * The literal database is cached in one file (see rm_cache_path in
 * rulematch_cache.c). The matcher is read-only after construction; each thread
 * keeps its own scratch space, match data and work lists, allocated on its
 * first scan.
 */
#ifndef BK_RULEMATCH_H
#define BK_RULEMATCH_H

#include "rules.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rule_matcher rule_matcher;

/* the two ways of matching, for rm_new */
typedef enum {
    RM_TWO_STAGE, /* literal prefilter, then the candidates (the classifier's) */
    RM_ONE_DB     /* every pattern in one Vectorscan database (the tests' reference) */
} rm_kind;

/* rm_new - compile the patterns of rs (ids: rule index, then n_rules + text
 * index), from the cache when it holds them (source_hash names the rule
 * files); NULL with "FILE:LINE: ..." or another reason in err on failure */
rule_matcher *rm_new(const bk_ruleset *rs, uint64_t source_hash, rm_kind kind, char *err,
                     size_t errlen);

/* rm_free - release the matcher (NULL is fine) */
void rm_free(rule_matcher *m);

/* rm_wanted - may pattern id be reported? A pattern it refuses is not
 * searched for (nor reported) whether it matches or not */
typedef int (*rm_wanted)(void *ctx, unsigned id);

/* rm_scan - the patterns matching text[0, len) (read in ASCII lower case) that
 * wanted (NULL: every one) accepts, in order of the end of their first match
 * (ties: lower id first); stores at most max ids and sets *overflow when
 * there were more; -1 when no scratch space can be had */
int rm_scan(const rule_matcher *m, const char *text, size_t len, rm_wanted wanted, void *ctx,
            unsigned *ids, size_t max, size_t *n, int *overflow);

/* rm_hash - fold n bytes into an FNV-1a hash (64 bits), as the cache names
 * the rule files */
uint64_t rm_hash(uint64_t h, const void *p, size_t n);

/* The same in steps, for a caller that needs only some patterns decided:
 *   rm_prefilter - the literal scan of text[0, len) (read in ASCII lower case): the
 *     patterns that may match and that wanted (NULL: every one) accepts
 *     become this thread's candidates, wanted being asked only of the
 *     patterns p with ask[p] set (ask NULL: of every one); -1 when no
 *     scratch space can be had;
 *   rm_candidates - those candidates (at most max ids into ids); their count;
 *   rm_confirm - does candidate id match? 1 yes, 0 no (also for a pattern
 *     that is no candidate), -1 failure; searched for once per text;
 *   rm_first - of the patterns ids[0, n) found to match, the one whose first
 *     match ends first (ties: lower id), into *first: 1, 0 when none did, -1
 *     failure.
 * They work on the last rm_prefilter of the calling thread. */
int rm_prefilter(const rule_matcher *m, const char *text, size_t len, rm_wanted wanted,
                 const unsigned char *ask, void *ctx);
size_t rm_candidates(const rule_matcher *m, unsigned *ids, size_t max);
int rm_confirm(const rule_matcher *m, unsigned id);
int rm_first(const rule_matcher *m, const unsigned *ids, size_t n, unsigned *first);

/* rm_matches - what rm_scan gives, for the last rm_prefilter: every candidate
 * searched for (those rm_confirm did are not searched again) */
int rm_matches(const rule_matcher *m, unsigned *ids, size_t max, size_t *n, int *overflow);

/* rm_last_tried - patterns searched for with PCRE2 in the last rm_scan of this
 * thread (the wanted candidates of the prefilter and patterns without factors) */
size_t rm_last_tried(void);

#endif
