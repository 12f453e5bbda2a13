/*
 * classify_internal.h - building a classifier from chosen rule files
 * instead of the embedded ones: for the tests and the fuzz target. Not part
 * of the public interface.
 */
#ifndef BK_CLASSIFY_INTERNAL_H
#define BK_CLASSIFY_INTERNAL_H

#include "bouncekit.h"
#include "embedded.h"

/* classifier_build - as bk_classifier_new, with builtin[] standing for the
 * embedded data/rules files (names as there: "reasons.tsv", "codes.rules",
 * "core/NAME.rules", "providers/NAME.rules") */
bk_classifier *classifier_build(const char *const *rule_files, size_t n_files,
                                const bk_embedded_file *builtin, size_t n_builtin, char *err,
                                size_t errlen);

#endif
