/*
 * zoho.c - bounces of Zoho Mail (mailer-daemon@mail.zoho.com, X-Mailer
 * "Zoho Mail", X-ZohoMail). Two templates, each followed by the returned
 * header written as "Name:value" lines (no space after the colon):
 *   - failure, Subject "Undelivered Mail Returned to Sender": "This message
 *     was created automatically by mail delivery software. A message that
 *     you sent could not be delivered ... This is a permanent error." then
 *     per recipient "ADDR Invalid Address, ERROR_CODE :550, ERROR_CODE
 *     :REPLY" (or "ADDR Error, ERROR_CODE :421, ERROR_CODE :, TEXT");
 *   - delay, Subject "Mail Delivery Status Notification (Delay)": "THIS IS
 *     A WARNING MESSAGE ONLY.", "----- The following addresses had fatal
 *     errors -----", "[Status: Error, Address: <ADDR>, ResponseCode 421, ,
 *     TEXT]" and "Message will be retried for N more day(s)".
 * Rank 15: tried before the Postfix, Exim and Sendmail formats (rank 20),
 * whose Subject and lead sentences it borrows.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define ZOHO_LINES 300

/* match - Zoho's daemon or X-ZohoMail / X-Mailer */
static int match(const bk_message *m)
{
    size_t len;
    if (header_has(m, "From", "mailer-daemon@mail.zoho"))
        return 1;
    return (header_has(m, "X-Mailer", "Zoho Mail") || message_header(m, "X-ZohoMail", &len)) &&
           looks_like_bounce(m);
}

/* error_code_line - "ADDR Invalid Address, ERROR_CODE :550, ERROR_CODE :REPLY" */
static void error_code_line(found *out, span s)
{
    span a;
    long first = span_find(s, "ERROR_CODE :");
    if (first < 0 || !find_address((span){s.p, (size_t)first}, &a))
        return;
    found_rcpt *r = found_add(out, a.p, a.len);
    if (!r)
        return;
    found_set(r->action, sizeof r->action, "failed", 6);
    span rest = span_from(s, (size_t)first + 12);
    r->reply_code = take_reply_code(span_trim(rest));
    long second = span_find(rest, "ERROR_CODE :");
    span reply = second >= 0 ? span_from(rest, (size_t)second + 12) : rest;
    reply = span_trim(reply);
    while (reply.len && (reply.p[0] == ',' || reply.p[0] == ' '))
        reply = span_from(reply, 1);
    span head = reply;
    if (head.len > 24)
        head.len = 24;
    find_status(head, r->status);
    found_diag(r, reply.p, reply.len);
}

/* status_line - "[Status: Error, Address: <ADDR>, ResponseCode 421, , TEXT]" */
static void status_line(found *out, span s, int delayed)
{
    long at = span_find(s, "Address:");
    span a;
    if (at < 0 || !find_address(span_from(s, (size_t)at + 8), &a))
        return;
    found_rcpt *r = found_add(out, a.p, a.len);
    if (!r)
        return;
    found_set(r->action, sizeof r->action, delayed ? "delayed" : "failed", delayed ? 7 : 6);
    long rc = span_find(s, "ResponseCode ");
    span rest = rc >= 0 ? span_from(s, (size_t)rc + 13) : span_from(s, (size_t)at);
    if (rc >= 0)
        r->reply_code = take_reply_code(rest);
    while (rest.len && rest.p[0] != ',')
        rest = span_from(rest, 1);
    while (rest.len && (rest.p[0] == ',' || rest.p[0] == ' '))
        rest = span_from(rest, 1);
    if (rest.len && rest.p[rest.len - 1] == ']')
        rest.len--;
    found_diag(r, rest.p, rest.len);
}

/* decode - the recipient lines, and the returned header after them */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, n = 0, header = m->text.len;
    int delayed = message_find(m, "will be retried for") >= 0 ||
                  message_find(m, "THIS IS A WARNING MESSAGE ONLY") >= 0;
    int permanent = message_find(m, "This is a permanent error") >= 0;
    span line;
    while (n++ < ZOHO_LINES && line_next(t, m->text.len, &pos, &line)) {
        span s = span_trim(line);
        if (span_starts(s, "Received:") || span_starts(s, "Message-ID:")) {
            header = (size_t)(line.p - t);
            break;
        }
        if (span_find(s, "ERROR_CODE :") >= 0)
            error_code_line(out, s);
        else if (span_starts(s, "[Status:"))
            status_line(out, s, delayed);
    }
    if (!out->n)
        return 0;
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->status[0] && (delayed || permanent) &&
            (!r->reply_code || r->reply_code / 100 == (delayed ? 4 : 5)))
            found_set(r->status, sizeof r->status, delayed ? "4.0.0" : "5.0.0", 5);
    }
    if (!m->has_original && header < m->text.len) {
        span h = {t + header, 0};
        size_t p2 = header;
        for (size_t k = 0; k < 200 && line_next(t, m->text.len, &p2, &line); k++) {
            if (span_is_blank(line))
                break;
            h.len = p2 - header;
        }
        out->original = h.p;
        out->original_len = h.len;
    }
    return 1;
}

const bk_format bk_format_zoho = {"zoho", 15, match, decode};
