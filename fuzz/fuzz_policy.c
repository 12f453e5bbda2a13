/*
 * fuzz_policy.c - libFuzzer target for the Postfix policy request reader of
 * serve's policy server (src/cli/policy_req.c): any bytes, read as a stream
 * of requests. A complete request must lie inside the input and end with an
 * empty line; every field must hold its NUL.
 */
#include "policy_req.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* terminated - a fixed field holds its NUL */
static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t pos = 0;
    while (pos < size) {
        policy_req r;
        size_t used = 0;
        const char *why = NULL;
        int rc = policy_req_parse(in + pos, size - pos, &r, &used, &why);
        if (rc < 0 && !why)
            abort();
        if (rc != 1)
            break;
        if (used == 0 || used > size - pos || in[pos + used - 1] != '\n')
            abort();
        if (!terminated(r.request, sizeof r.request) ||
            !terminated(r.protocol_state, sizeof r.protocol_state) ||
            !terminated(r.recipient, sizeof r.recipient) ||
            !terminated(r.sender, sizeof r.sender) ||
            !terminated(r.client_address, sizeof r.client_address) ||
            !terminated(r.queue_id, sizeof r.queue_id) || r.attrs > POLICY_ATTRS_MAX)
            abort();
        pos += used;
    }
    return 0;
}
