/*
 * token.c - the text a delivery's token is the SHA-1 of (see token.h).
 */
#include "token.h"
#include "text.h"

#include <string.h>

size_t token_input(char *buf, const char *sender, size_t ls, const char *recipient, size_t lr,
                   long long time)
{
    size_t n = 0;
    buf[n++] = '\x02';
    memcpy(buf + n, sender, ls);
    n += ls;
    buf[n++] = '\x1e';
    memcpy(buf + n, recipient, lr);
    n += lr;
    buf[n++] = '\x1e';
    n += bk_put_decimal(buf + n, time, 1);
    buf[n++] = '\x03';
    return n;
}
