/*
 * token.c - the text a delivery's token is the SHA-1 of (see token.h).
 */
#include "token.h"
#include "text.h"
#include "bouncekit.h"

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

void token_hex(GChecksum *sum, const char *sender, size_t ls, const char *recipient, size_t lr,
               long long time, char *out, size_t cap)
{
    char in[TOKEN_INPUT_MAX(BK_ADDR_MAX)];
    size_t n = token_input(in, sender, ls, recipient, lr, time);
    g_checksum_reset(sum);
    g_checksum_update(sum, (const guchar *)in, (gssize)n);
    const gchar *hex = g_checksum_get_string(sum);
    size_t hl = hex ? strnlen(hex, cap - 1) : 0;
    memcpy(out, hex ? hex : "", hl);
    out[hl] = '\0';
}
