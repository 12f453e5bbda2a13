/*
 * reasons.h - the 36 reasons of the shared vocabulary and what follows from
 * each (data/rules/reasons.tsv): category, fault, suggestion, severity,
 * bounce classes, whether it is a hard bounce, the reason a phrase verdict
 * becomes when the reply's context does not confirm it, and the precedence
 * order.
 */
#ifndef BK_REASONS_H
#define BK_REASONS_H

#include <stddef.h>

#define BK_REASON_COUNT 36

/* one reason; the [2] fields are indexed [0] permanent, [1] transient */
typedef struct {
    const char *name;
    int order;                /* 0 = first in precedence */
    int hard_when_permanent;  /* 1: hard unless transient or success; 2: only with a
                                 permanent (5xx) code ("5xx" in the table) */
    const char *category;
    const char *fault;
    const char *suggestion[2];
    const char *severity[2];
    const char *bounce_class[2]; /* NULL for none */
    const char *pmta[2];
    int unconfirmed;          /* for a reason about the recipient's address or domain:
                                 reason_index() of the reason its phrase verdict becomes
                                 when the context does not confirm it (itself: it stays),
                                 docs/rules-format.md "Context"; -1 for other reasons */
} bk_reason_info;

typedef struct {
    bk_reason_info r[BK_REASON_COUNT]; /* indexed like reason_index() */
    char *storage;                     /* the strings above point into it */
} bk_reason_table;

/* reason_index - index of a reason name of len bytes, or -1 */
int reason_index(const char *name, size_t len);

/* reasons_load - read the table; every reason must have exactly one row.
 * Returns 0, or -1 with "NAME:LINE: reason" in err */
int reasons_load(bk_reason_table *t, const char *name, const char *data, size_t len, char *err,
                 size_t errlen);

/* reasons_free - release the table's strings */
void reasons_free(bk_reason_table *t);

#endif
