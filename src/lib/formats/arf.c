/*
 * arf.c - abuse feedback reports (RFC 5965 ARF, RFC 6591 authentication
 * failure reports): one entry per complained-about recipient, with the
 * feedback type, reason "feedback"; one entry with no recipient when the
 * report names none.
 * Microsoft's Junk Mail Reporting Program (Outlook.com, Hotmail) sends its
 * complaints without a feedback-report part: Subject "complaint about
 * message from IP", the complained-about message attached whole, its
 * recipient in an X-HmXmrOriginalRecipient field of that message.
 */
#include "fields.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

/* jmrp - a Microsoft JMRP complaint (no feedback-report part) */
static int jmrp(const bk_message *m)
{
    return !m->feedback.len && m->original.len &&
           header_has(m, "Subject", "complaint about message from");
}

/* match - a feedback-report part or report type, or a JMRP complaint */
static int match(const bk_message *m)
{
    return m->feedback.len > 0 ||
           (m->report_type.len && strcmp(m->report_type.data, "feedback-report") == 0) ||
           jmrp(m);
}

/* add - an entry for one reported address (n == 0: none named) */
static found_rcpt *add(found *out, const char *p, size_t n, const field_block *g)
{
    found_rcpt *r = n ? found_add(out, p, n) : found_add_unnamed(out);
    if (!r)
        return NULL;
    size_t len;
    const char *v = fields_get(g, "Feedback-Type", &len);
    if (v) {
        size_t k = 0;
        while (k < len && v[k] != ' ' && v[k] != ';')
            k++;
        found_set(r->feedbacktype, sizeof r->feedbacktype, v, k);
        for (char *c = r->feedbacktype; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
    v = fields_get(g, "Arrival-Date", &len);
    if (!v)
        v = fields_get(g, "Received-Date", &len);
    if (v)
        found_set(r->date, sizeof r->date, v, len);
    v = fields_get(g, "Reporting-MTA", &len);
    if (v) {
        const char *semi = memchr(v, ';', len);
        if (semi)
            found_set(r->lhost, sizeof r->lhost, semi + 1, len - (size_t)(semi - v) - 1);
    }
    r->reason = "feedback";
    found_set(r->action, sizeof r->action, "failed", 6);
    return r;
}

/* decode - the reported recipients: Original-Rcpt-To or Removal-Recipient
 * fields, else the To of the reported message */
static int decode(const bk_message *m, found *out)
{
    field_block g;
    memset(&g, 0, sizeof g);
    fields_parse(&g, m->feedback.data ? m->feedback.data : "", m->feedback.len);
    size_t before = out->n;
    for (size_t i = 0; i < g.n; i++) {
        size_t nl, vl;
        const char *name = fields_name(&g, i, &nl);
        span n = {name, nl};
        if (span_is(n, "Original-Rcpt-To") || span_is(n, "Removal-Recipient")) {
            const char *v = fields_value(&g, i, &vl);
            add(out, v, vl, &g);
        }
    }
    if (out->n == before && m->original.len) {
        char to[BK_ADDR_MAX * 2];
        if (header_value(m->original.data, m->original.len, "X-HmXmrOriginalRecipient", to,
                         sizeof to) && to[0])
            add(out, to, strlen(to), &g);
        else if (header_value(m->original.data, m->original.len, "To", to, sizeof to) && to[0])
            add(out, to, strlen(to), &g);
        /* a JMRP complaint is the recipient's "this is junk" */
        if (out->n > before && !g.n)
            found_set(out->r[before].feedbacktype, sizeof out->r[before].feedbacktype, "abuse",
                      5);
    }
    /* RFC 5965 makes the recipient optional (reports are often redacted):
     * a complaint that names none still reports the message */
    if (out->n == before && g.n && fields_get(&g, "Feedback-Type", NULL))
        add(out, "", 0, &g);
    if (out->n > before) {
        size_t len;
        const char *from = fields_get(&g, "Original-Mail-From", &len);
        span s = {from ? from : "", from ? len : 0}, a;
        if (from && find_address(s, &a))
            SPAN_SET(out->addresser, a);
        /* the readable text, as the complaint's diagnostic */
        span line;
        size_t pos = 0;
        while (line_next(m->text.data ? m->text.data : "", m->text.len, &pos, &line) &&
               out->r[before].diag_len < 200)
            for (size_t i = before; i < out->n; i++)
                found_diag(&out->r[i], line.p, line.len);
    }
    fields_free(&g);
    return out->n > before;
}

const bk_format bk_format_arf = {"arf", 5, match, decode};
