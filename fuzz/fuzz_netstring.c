/*
 * fuzz_netstring.c - libFuzzer target for the netstring reader of serve's
 * socketmap server (src/cli/netstring.c): any bytes, read as a stream of
 * netstrings with several maxima. Every netstring found must lie inside
 * the input, end in ',' and say its own length; writing it back and reading
 * it again must give the same data.
 */
#include "netstring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* stream - read netstrings until the input ends or one is malformed */
static void stream(const char *in, size_t len, size_t max)
{
    size_t pos = 0;
    while (pos < len) {
        const char *data;
        size_t n, used;
        ns_status st = ns_parse(in + pos, len - pos, max, &data, &n, &used);
        if (st != NS_OK)
            break;
        if (n > max || used > len - pos || data < in + pos || data + n > in + pos + used ||
            in[pos + used - 1] != ',')
            abort();
        bk_buf b = BK_BUF_INIT;
        ns_append(&b, data, n);
        const char *d2;
        size_t n2, u2;
        if (!b.oom && (ns_parse(b.data, b.len, max, &d2, &n2, &u2) != NS_OK || n2 != n ||
                       u2 != b.len || memcmp(d2, data, n) != 0))
            abort();
        bk_buf_free(&b);
        pos += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    stream(in, size, 4096);
    stream(in, size, 16);
    stream(in, size, 0);
    return 0;
}
