/*
 * fuzz_decode.c - libFuzzer target for the whole decoding path: any bytes as
 * a message through GMime, format detection, every format decoder, the
 * delivery-status and feedback parsers and the classifier. Every record
 * must be well-formed: a recipient with an '@', a reason of the vocabulary,
 * NUL-terminated fields.
 */
#include "bouncekit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bk_classifier *clf;
static bk_decoder *dec;

/* terminated - a fixed field holds its NUL */
static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!clf && !(clf = bk_classifier_new(NULL, 0, err, sizeof err)))
        abort();
    bk_decode_options opt = {1, 1};
    if (!dec && !(dec = bk_decoder_new(clf, &opt)))
        abort();
    bk_decoded out;
    if (bk_decode(dec, (const char *)data, size, &out) != 0)
        return 0; /* out of memory */
    if (out.status != BK_DECODED && out.n != 0)
        abort();
    if (out.status != BK_DECODED && !terminated(out.why, sizeof out.why))
        abort();
    for (size_t i = 0; i < out.n; i++) {
        const bk_bounce *b = &out.bounces[i];
        /* a recipient has an '@'; only a complaint may name none (RFC 5965) */
        if (!terminated(b->recipient, sizeof b->recipient) ||
            (b->recipient[0] ? !strchr(b->recipient, '@')
                             : strcmp(b->verdict.reason, "feedback") != 0))
            abort();
        if (!terminated(b->diagnosticcode, sizeof b->diagnosticcode) ||
            !terminated(b->subject, sizeof b->subject) || !terminated(b->rhost, sizeof b->rhost) ||
            !terminated(b->token, sizeof b->token) || strlen(b->token) != 40)
            abort();
        if (!bk_reason_valid(b->verdict.reason) || !b->decodedby[0])
            abort();
    }
    return 0;
}
