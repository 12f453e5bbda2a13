/*
 * fuzz_kb.c - libFuzzer target for the knowledge-base file reader: any
 * bytes are either refused with an error or loaded, never a crash or leak.
 */
#include "bouncekit.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    bk_kb *k = bk_kb_new();
    if (!k)
        abort();
    if (bk_kb_load_buffer(k, "fuzz.kb", (const char *)data, size, err, sizeof err) == 0) {
        for (size_t i = 0; i < bk_kb_count(k); i++) {
            bk_explanation e;
            if (bk_kb_explain_entry(k, bk_kb_key(k, i), &e) != 0)
                abort();
        }
    }
    bk_kb_close(k);
    return 0;
}
