/*
 * fuzz_rules.c - libFuzzer target for the rule-file reader: any bytes as a
 * core rule file are refused with an error or compiled, never a crash or a
 * leak; when they load, classifying the input itself must work.
 */
#include "bouncekit.h"
#include "classify_internal.h"
#include "embedded.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setenv("BOUNCEKIT_CACHE_DIR", "off", 1); /* no database files per input */
    const bk_embedded_file *reasons = NULL;
    for (size_t i = 0; i < rules_embedded_count; i++)
        if (strcmp(rules_embedded_files[i].name, "reasons.tsv") == 0)
            reasons = &rules_embedded_files[i];
    if (!reasons)
        abort();
    bk_embedded_file files[2] = {{"core/fuzz.rules", data, size}, *reasons};
    char err[512];
    bk_classifier *c = classifier_build(NULL, 0, files, 2, err, sizeof err);
    if (c) {
        bk_verdict v;
        if (bk_classify(c, (const char *)data, size, NULL, &v, NULL) != 0)
            abort();
        bk_classifier_free(c);
    } else if (err[0] == '\0')
        abort(); /* a refusal always says why */
    return 0;
}
