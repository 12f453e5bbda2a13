/*
 * facebook.c - bounces of Facebook's mail servers (mailer-daemon@ a
 * facebook.com host), Subject "Sorry, your message could not be
 * delivered": "This message was created automatically by Facebook." and a
 * message/delivery-status part whose Diagnostic-Code carries Facebook's
 * own error code ("550 5.1.1 RCP-P1 http://postmaster.facebook.com/
 * response_codes?ip=...#rcp Recipient address does not exist").
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

/* match - Facebook's daemon or lead sentence */
static int match(const bk_message *m)
{
    if (header_has(m, "From", "mailer-daemon@") && header_has(m, "From", "facebook.com"))
        return 1;
    return message_find(m, "This message was created automatically by Facebook") >= 0;
}

/* decode - the status fields; the reply code at the head of the diagnostic */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return 0;
    diag_reply_codes(out);
    return 1;
}

const bk_format bk_format_facebook = {"facebook", 20, match, decode};
