/*
 * token.c - the text a delivery's token is the SHA-1 of (see token.h).
 */
#include "token.h"

#include <string.h>

size_t token_input(char *buf, const char *sender, size_t ls, const char *recipient, size_t lr,
                   long long time)
{
    char num[24];
    size_t n = 0, k = sizeof num;
    unsigned long long v = time < 0 ? 0 - (unsigned long long)time : (unsigned long long)time;
    do
        num[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (time < 0)
        num[--k] = '-';
    buf[n++] = '\x02';
    memcpy(buf + n, sender, ls);
    n += ls;
    buf[n++] = '\x1e';
    memcpy(buf + n, recipient, lr);
    n += lr;
    buf[n++] = '\x1e';
    memcpy(buf + n, num + k, sizeof num - k);
    n += sizeof num - k;
    buf[n++] = '\x03';
    return n;
}
