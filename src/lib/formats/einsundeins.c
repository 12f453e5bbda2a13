/*
 * einsundeins.c - bounces of 1&1 / IONOS (mailer-daemon@kundenserver.de,
 * "Mail Delivery System"), Subject "Mail delivery failed: returning
 * message to sender", X-UI-* fields: the United Internet format GMX writes
 * too ("This message was created automatically by mail delivery software.",
 * "The following address(es) failed:", the address, then "For the
 * following reason:" and 1&1's words with a postmaster.1and1.com link, or
 * "SMTP error from remote server for TEXT command, host: NAME (IP) reason:
 * REPLY"; "--- The header of the original message is following. ---").
 * The reading is gmx.c's gmx_read(); this file claims 1&1's messages.
 * Rank 15: tried before exim.c (rank 20), whose lead sentence it shares.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

/* gmx_read - the recipients of the United Internet format (gmx.c) */
int gmx_read(const bk_message *m, found *out);

/* match - 1&1's daemon, and the returned-header marker or 1&1's lead */
static int match(const bk_message *m)
{
    if (!header_has(m, "From", "kundenserver.de") && !header_has(m, "From", "1and1") &&
        !header_has(m, "From", "1und1") && !header_has(m, "From", "ionos"))
        return 0;
    return message_find(m, "--- The header of the original message is following. ---") >= 0 ||
           message_find(m, "For the following reason:") >= 0;
}

/* decode - the United Internet format */
static int decode(const bk_message *m, found *out)
{
    return gmx_read(m, out);
}

const bk_format bk_format_einsundeins = {"einsundeins", 15, match, decode};
