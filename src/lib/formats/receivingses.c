/*
 * receivingses.c - bounces of Amazon SES receiving (inbound mail to a
 * domain whose MX is inbound-smtp.REGION.amazonaws.com): From
 * postmaster@ the receiving domain, X-SES-Outgoing, Subject "Delivery
 * Status Notification (Failure)", the text "This message could not be
 * delivered.", a message/delivery-status part whose Reporting-MTA is
 * inbound-smtp.*.amazonaws.com, and the returned header as
 * text/rfc822-headers.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

/* match - the inbound Reporting-MTA of SES */
static int match(const bk_message *m)
{
    const char *p;
    size_t len;
    if (!dsn_fields_text(m, &p, &len))
        return 0;
    span d = {p, len};
    long at = span_find(d, "Reporting-MTA:");
    if (at < 0)
        return 0;
    span rep = span_from(d, (size_t)at);
    long nl = span_find(rep, "\n");
    if (nl >= 0)
        rep.len = (size_t)nl;
    return span_find(rep, "inbound-smtp.") >= 0 && span_find(rep, "amazonaws.com") >= 0;
}

/* decode - the status fields; the reply code at the head of each diagnostic */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return 0;
    diag_reply_codes(out);
    return 1;
}

const bk_format bk_format_receivingses = {"receivingses", 20, match, decode};
