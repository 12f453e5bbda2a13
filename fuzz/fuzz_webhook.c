/*
 * fuzz_webhook.c - libFuzzer target for the ESP webhook readers: any bytes
 * as the body of every provider (detected, then each one named), through
 * jansson, each reader, the Mailgun signature check and the classifier.
 * Every record must be well-formed: a recipient with an '@', a reason of
 * the vocabulary, NUL-terminated fields, a 40-hex-digit token.
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

/* check - the invariants of one result */
static void check(const bk_decoded *out, const bk_webhook_info *info)
{
    if (out->status != BK_DECODED && out->n != 0)
        abort();
    if (!terminated(out->why, sizeof out->why) || !terminated(info->subscribe_url,
                                                               sizeof info->subscribe_url))
        abort();
    if (info->ignored + info->malformed > info->events)
        abort();
    for (size_t i = 0; i < out->n; i++) {
        const bk_bounce *b = &out->bounces[i];
        if (!terminated(b->recipient, sizeof b->recipient) || !strchr(b->recipient, '@'))
            abort();
        if (!terminated(b->diagnosticcode, sizeof b->diagnosticcode) ||
            !terminated(b->subject, sizeof b->subject) ||
            !terminated(b->messageid, sizeof b->messageid) ||
            !terminated(b->token, sizeof b->token) || strlen(b->token) != 40)
            abort();
        if (!bk_reason_valid(b->verdict.reason) || !b->decodedby[0] || !b->action[0])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!clf && !(clf = bk_classifier_new(NULL, 0, err, sizeof err)))
        abort();
    if (!dec && !(dec = bk_decoder_new(clf, NULL)))
        abort();
    bk_webhook_options opt = {.mailgun_key = "fuzz-signing-key"};
    bk_decoded out;
    bk_webhook_info info;
    if (bk_webhook_decode(dec, NULL, (const char *)data, size, NULL, &out, &info) == 0)
        check(&out, &info);
    for (const char *const *p = bk_webhook_providers(); *p; p++)
        if (bk_webhook_decode(dec, *p, (const char *)data, size, &opt, &out, &info) == 0)
            check(&out, &info);
    return 0;
}
