/*
 * aol.c - bounces written by AOL's own mail system (before it moved onto
 * Yahoo's, whose "Sorry, we were unable to deliver" template yahoo.c
 * reads): From Postmaster@AOL.com or MAILER-DAEMON@aol.com, X-AOL-IP /
 * X-AOL-VSS-* fields, a multipart/report whose readable part is HTML and
 * whose message/delivery-status part holds the recipients.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

/* match - AOL's fields or daemon, and a delivery-status part */
static int match(const bk_message *m)
{
    if (!m->dsn.len)
        return 0;
    size_t len;
    if (message_header(m, "X-AOL-IP", &len) || message_header(m, "X-AOL-VSS-INFO", &len))
        return 1;
    return header_has(m, "From", "postmaster@aol.com") ||
           header_has(m, "From", "mailer-daemon@aol.com");
}

/* decode - the status fields; the reply code at the head of each diagnostic */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return 0;
    diag_reply_codes(out);
    return 1;
}

const bk_format bk_format_aol = {"aol", 20, match, decode};
