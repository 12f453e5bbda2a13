/*
 * fuzz_ingest.c - libFuzzer target for the ingest parser: any bytes as one
 * JSON Lines record (bk_event_from_json) and, when it gives an event, its
 * recipient and sender through the address normalisation and the policy.
 * Every string of the event must be NUL-terminated inside its field, and a
 * normal form must be stable (normalising it again gives it back).
 */
#include "bouncekit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* stable - normalise, then normalise the result: the same both times */
static void stable(const char *s, size_t len, int fold)
{
    char a[BK_ADDR_MAX], b[BK_ADDR_MAX], err[256];
    if (bk_address_normalize(s, len, fold, a, sizeof a, err, sizeof err) != 0)
        return;
    if (bk_address_normalize(a, strlen(a), fold, b, sizeof b, err, sizeof err) != 0 ||
        strcmp(a, b) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    bk_event e;
    char err[256];
    int rc = bk_event_from_json(s, size, &e, err, sizeof err);
    if (rc < -1 || rc > 1 || !memchr(err, '\0', sizeof err))
        abort();
    if (rc == 0) {
        if (!memchr(e.recipient, '\0', sizeof e.recipient) || !memchr(e.token, '\0', sizeof e.token) ||
            !memchr(e.diagnosticcode, '\0', sizeof e.diagnosticcode) || !e.token[0] ||
            !bk_reason_valid(e.reason))
            abort();
        bk_policy p;
        bk_policy_default(&p);
        if ((unsigned)bk_policy_decide(&p, &e) > BK_POLICY_CLEAR)
            abort();
        stable(e.recipient, strlen(e.recipient), 0);
        stable(e.addresser, strlen(e.addresser), 1);
    }
    /* the raw bytes as an address too */
    stable(s, size < 1024 ? size : 1024, size & 1);
    char d[BK_ADDR_MAX];
    bk_domain_normalize(s, size < 1024 ? size : 1024, d, sizeof d, err, sizeof err);
    return 0;
}
