/*
 * netstring.h - netstrings (D. J. Bernstein; Postfix's socketmap_table(5)):
 * "LEN:DATA," with LEN the decimal byte count of DATA, no leading zeros.
 */
#ifndef BK_NETSTRING_H
#define BK_NETSTRING_H

#include "buf.h"

#include <stddef.h>

typedef enum {
    NS_OK = 0,   /* one netstring: its data and the bytes it took */
    NS_MORE,     /* the start of one: read more */
    NS_BAD       /* malformed, or longer than allowed */
} ns_status;

/* ns_parse - the netstring at the start of in (len bytes), at most max data
 * bytes: NS_OK with *data, *dlen and *used set */
ns_status ns_parse(const char *in, size_t len, size_t max, const char **data, size_t *dlen,
                   size_t *used);

/* ns_append - (data, n) as a netstring at the end of out */
void ns_append(bk_buf *out, const char *data, size_t n);

#endif
