/*
 * fuzz_reply.c - libFuzzer target for the SMTP reply parser: any bytes in,
 * and the result must be self-consistent (codes valid, text valid UTF-8 of
 * the stated length, spans inside the input); and its phrase scan of the word
 * starts must find what the Vectorscan scan finds.
 */
#include "bouncekit.h"
#include "phrases.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* same_scans - the two phrase scans of s[0, n) agree, with the bound max */
static void same_scans(const char *s, size_t n, size_t max)
{
    static const char *const a[] = {"in reply to rcpt to command", "in reply to", "after data",
                                    ">>> ", ">>> data", "h=", "said:", "while sending rcpt to"};
    static const char *const b[] = {"host ", "in reply", "smtp;", "<<<", "remote host "};
    static phrase_set sa, sb;
    static phrase_group g;
    static int ready;
    if (!ready) {
        phrase_set_init(&sa, a, sizeof a / sizeof a[0]);
        phrase_set_init(&sb, b, sizeof b / sizeof b[0]);
        const phrase_set *sets[] = {&sa, &sb};
        phrase_group_init(&g, sets, 2);
        ready = 1;
    }
    phrase_hit x[64], y[64];
    int mx, my;
    g.fast = 1;
    size_t nx = phrase_scan(&g, s, n, x, max, &mx);
    g.fast = 0;
    size_t ny = phrase_scan(&g, s, n, y, max, &my);
    if (nx != ny || mx != my)
        abort();
    for (size_t k = 0; k < nx; k++)
        if (x[k].pos != y[k].pos || x[k].set != y[k].set || x[k].phrase != y[k].phrase)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    same_scans((const char *)data, size, 64);
    same_scans((const char *)data, size, 3);
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
