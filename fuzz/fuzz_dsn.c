/*
 * fuzz_dsn.c - libFuzzer target for the delivery-status field parser and
 * the text helpers every format uses: any bytes as status fields, as a
 * header block and as lines holding addresses and codes.
 */
#include "dsn.h"
#include "fields.h"
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    found f;
    memset(&f, 0, sizeof f);
    dsn_parse(p, size, &f);
    for (size_t i = 0; i < f.n; i++)
        if (!memchr(f.r[i].recipient, '\0', sizeof f.r[i].recipient) ||
            f.r[i].diag_len >= sizeof f.r[i].diag || f.r[i].diag[f.r[i].diag_len] != '\0')
            abort();
    found_free(&f);

    field_block b;
    memset(&b, 0, sizeof b);
    fields_parse(&b, p, size);
    size_t len;
    fields_get(&b, "Status", &len);
    fields_free(&b);

    char v[300];
    header_value(p, size, "Subject", v, sizeof v);
    if (!memchr(v, '\0', sizeof v))
        abort();
    size_t pos = 0;
    span line;
    char status[BK_STATUS_MAX];
    while (line_next(p, size, &pos, &line)) {
        span a;
        if (find_address(line, &a) && (a.p < line.p || a.p + a.len > line.p + line.len))
            abort();
        find_status(line, status);
        take_reply_code(line);
    }
    return 0;
}
