/*
 * netstring.c - reading and writing netstrings (netstring.h). The reader
 * takes (pointer, length), never reads past it, refuses leading zeros, a
 * missing ':' or ',' and lengths over the caller's maximum before reading
 * the data, so a peer cannot make it wait for or buffer more than that.
 */
#include "netstring.h"

#include <stdio.h>

ns_status ns_parse(const char *in, size_t len, size_t max, const char **data, size_t *dlen,
                   size_t *used)
{
    size_t n = 0, i = 0;
    for (; i < len && in[i] >= '0' && in[i] <= '9'; i++) {
        if (i == 1 && in[0] == '0')
            return NS_BAD; /* a leading zero */
        n = n * 10 + (size_t)(in[i] - '0');
        if (n > max)
            return NS_BAD;
    }
    if (i == len)
        return i > 20 ? NS_BAD : NS_MORE;
    if (i == 0 || in[i] != ':')
        return NS_BAD;
    i++;
    if (len - i < n + 1)
        return NS_MORE;
    if (in[i + n] != ',')
        return NS_BAD;
    *data = in + i;
    *dlen = n;
    *used = i + n + 1;
    return NS_OK;
}

void ns_append(bk_buf *out, const char *data, size_t n)
{
    bk_buf_printf(out, "%zu:", n);
    bk_buf_append(out, data, n);
    bk_buf_putc(out, ',');
}
