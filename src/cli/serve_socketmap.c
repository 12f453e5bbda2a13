/*
 * serve_socketmap.c - the Postfix socketmap_table(5) protocol: each request
 * is a netstring "NAME KEY", each reply a netstring "OK VALUE",
 * "NOTFOUND ", "TEMP REASON" or "PERM REASON"; a connection carries many.
 * The one map is "suppressed": KEY a recipient address, the value the
 * action text for check_recipient_access ("REJECT 5.1.1 <a@b>: recipient
 * suppressed (userunknown, policy)"). Keys that are not addresses (the
 * domain and "user@" lookups Postfix also makes) are NOTFOUND: the
 * address lookup already covers a suppressed domain. A store that is away
 * answers TEMP at once.
 */
#include "netstring.h"
#include "serve.h"

#include <stdio.h>
#include <string.h>

#define REQUEST_MAX 4096  /* bytes of one request's data */
#define MAP_NAME "suppressed"

/* answer - the reply to one request's data */
static void answer(const serve_ctx *c, const char *data, size_t n, bk_buf *out)
{
    char reply[1024], text[900];
    const char *sp = memchr(data, ' ', n);
    size_t name_len = sp ? (size_t)(sp - data) : n;
    if (!sp || name_len != strlen(MAP_NAME) || memcmp(data, MAP_NAME, name_len) != 0) {
        int k = snprintf(reply, sizeof reply, "PERM unknown map '%.*s' (serve knows 'suppressed')",
                         (int)(name_len > 64 ? 64 : name_len), data);
        ns_append(out, reply, (size_t)k);
        return;
    }
    const char *key = sp + 1;
    size_t klen = n - name_len - 1;
    int k;
    switch (serve_check(c, VIA_SOCKETMAP, key, klen, c->map_action, text, sizeof text)) {
    case CHECK_SUPPRESSED:
        k = snprintf(reply, sizeof reply, "OK %s", text);
        break;
    case CHECK_TEMP:
        k = snprintf(reply, sizeof reply, "TEMP %s", text);
        break;
    default:
        ns_append(out, "NOTFOUND ", 9); /* the common answer, without formatting */
        return;
    }
    ns_append(out, reply, (size_t)(k < (int)sizeof reply ? k : (int)sizeof reply - 1));
}

long socketmap_handler(void *ctx, const char *in, size_t len, bk_buf *out)
{
    size_t pos = 0;
    for (;;) {
        const char *data;
        size_t n, used;
        ns_status st = ns_parse(in + pos, len - pos, REQUEST_MAX, &data, &n, &used);
        if (st == NS_BAD)
            return -1;
        if (st == NS_MORE)
            return (long)pos;
        answer(ctx, data, n, out);
        pos += used;
    }
}
