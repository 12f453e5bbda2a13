/*
 * fuzz_classify.c - libFuzzer target for the classifier with every built-in
 * rule: any bytes in, a verdict out whose fields are all from the vocabulary,
 * the same whether every rule that matched is listed (explain) or not.
 */
#include "bouncekit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bk_classifier *clf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!clf && !(clf = bk_classifier_new(NULL, 0, err, sizeof err)))
        abort();
    bk_verdict v;
    bk_reply r;
    if (bk_classify(clf, (const char *)data, size, NULL, &v, &r) != 0)
        abort();
    if (!bk_reason_valid(v.reason) || !v.category || !v.suggestion || !v.severity || !v.fault)
        abort();
    if (v.hardbounce && v.permanence == BK_PERM_TRANSIENT)
        abort();
    if (v.n_matched > BK_MATCHED_MAX)
        abort();
    /* the deciding rule is one of those that matched (the context step may
     * pass over the best one), or none decided */
    int listed = v.rule[0] == '\0';
    for (size_t i = 0; i < v.n_matched && !listed; i++)
        listed = strcmp(v.matched[i], v.rule) == 0;
    if (!listed && !v.matched_truncated)
        abort();
    /* asking for every rule that matched changes nothing else */
    bk_hints explain = {.explain = 1};
    bk_verdict e;
    if (bk_classify(clf, (const char *)data, size, &explain, &e, NULL) != 0)
        abort();
    if (strcmp(v.reason, e.reason) != 0 || strcmp(v.rule, e.rule) != 0 || v.tier != e.tier ||
        (v.provider != e.provider && (!v.provider || !e.provider || strcmp(v.provider, e.provider))))
        abort();
    return 0;
}
