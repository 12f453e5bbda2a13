/*
 * fuzz_reply.c - libFuzzer target for the SMTP reply parser: any bytes in,
 * and the result must be self-consistent (codes valid, text valid UTF-8 of
 * the stated length, spans inside the input).
 */
#include "bouncekit.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk_reply r;
    const char *s = (const char *)data;
    int found = bk_reply_parse(s, size, &r);
    if (found != (r.reply_code != 0 || r.status_class != 0))
        abort();
    if (r.reply_code && !bk_reply_code_valid(r.reply_code))
        abort();
    if (r.status_class && r.status_class != 2 && r.status_class != 4 && r.status_class != 5)
        abort();
    if (r.text_len >= sizeof r.text || strlen(r.text) != r.text_len)
        abort();
    for (size_t i = 0; i < r.text_len;) {
        size_t k = bk_utf8_seq_len((const unsigned char *)r.text + i, r.text_len - i);
        if (k == 0)
            abort();
        i += k;
    }
    if (r.host.len && (r.host.ptr < s || r.host.ptr + r.host.len > s + size))
        abort();
    if (r.address.len && (r.address.ptr < s || r.address.ptr + r.address.len > s + size))
        abort();
    return 0;
}
