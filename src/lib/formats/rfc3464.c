/*
 * rfc3464.c - standard delivery status notifications (RFC 3464) from any
 * MTA: the message/delivery-status fields, or the same fields in the text.
 * Tried after the formats of named MTAs, which read their own text too.
 */
#include "dsn.h"
#include "format.h"

/* match - a delivery-status part, or status fields in the text */
static int match(const bk_message *m)
{
    const char *p;
    size_t len;
    return dsn_fields_text(m, &p, &len);
}

/* decode - one entry per recipient group */
static int decode(const bk_message *m, found *out)
{
    return dsn_decode(m, out) > 0;
}

const bk_format bk_format_rfc3464 = {"rfc3464", 50, match, decode};
