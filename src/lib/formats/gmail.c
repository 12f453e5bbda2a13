/*
 * gmail.c - bounces written by Gmail (mailer-daemon@googlemail.com, "Mail
 * Delivery Subsystem"), Subject "Delivery Status Notification (Failure)"
 * or "(Delay)".
 *
 * Two generations of templates:
 *   - plain text: "Delivery to the following recipient(s) failed
 *     permanently:" (or "has been delayed:") with the indented addresses,
 *     "Technical details of permanent|temporary failure:", the remote reply
 *     after "The error that the other server returned was:", "Message will
 *     be retried for N more day(s)" on a delay, and "----- Original
 *     message -----" before the returned header;
 *   - multipart/report: "** Address not found **" (and other "** ... **"
 *     titles), "Your message wasn't delivered to ADDR because ...", "The
 *     response from the remote server was:" / "The response was:", and a
 *     message/delivery-status part.
 * Google Groups and Google Workspace ("** Message not delivered **")
 * bounces come from the same address and have their own formats.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define GMAIL_LINES 600

/* from_google - the bounce comes from Google's mailer-daemon */
static int from_google(const bk_message *m)
{
    return header_has(m, "From", "mailer-daemon@googlemail.com") ||
           header_has(m, "From", "mailer-daemon@gmail.com") ||
           header_has(m, "From", "mailer-daemon@google.com");
}

/* other_google - a Google Groups or Google Workspace bounce */
static int other_google(const bk_message *m)
{
    if (header_has(m, "X-Failed-Recipients", "@googlegroups.com"))
        return 1;
    return message_find(m, "groups.google.com/support") >= 0 ||
           message_find(m, "** Message not delivered **") >= 0;
}

/* match - From Google's mailer-daemon, or Gmail's own lead phrases */
static int match(const bk_message *m)
{
    if (other_google(m))
        return 0;
    if (from_google(m))
        return 1;
    return message_find(m, "Delivery to the following recipient") >= 0 &&
           message_find(m, "Technical details of ") >= 0;
}

/* host_after_by - the host name of "... by mx.example.com. [192.0.2.1]" */
static void host_after_by(span s, found_rcpt *r)
{
    long at;
    for (int guard = 0; guard < 8 && !r->rhost[0] && (at = span_find(s, " by ")) >= 0; guard++) {
        span h = span_from(s, (size_t)at + 4);
        s = h;
        size_t k = 0;
        while (k < h.len && h.p[k] != ' ' && h.p[k] != '[' && h.p[k] != '\n')
            k++;
        while (k > 0 && h.p[k - 1] == '.')
            k--;
        if (k > 0 && memchr(h.p, '.', k))
            found_set(r->rhost, sizeof r->rhost, h.p, k);
    }
}

/* codes - reply code and status of the remote reply at the start of s
 * ("550 550 5.7.1 ..." as Gmail sometimes repeats the code) */
static void codes(span s, found_rcpt *r)
{
    s = span_trim(s);
    int code = take_reply_code(s);
    if (code && !r->reply_code)
        r->reply_code = code;
    if (!r->status[0]) {
        span head = s;
        if (head.len > 40)
            head.len = 40;
        find_status(head, r->status);
    }
}

/* details - what the text says about the failure: the technical details
 * and the remote reply, from the first such lead to the returned message */
typedef struct {
    span tech;      /* "Technical details of ... failure:" and what follows */
    span reply;     /* after "The error that the other server returned was:" */
    int delayed;    /* "has been delayed", "will be retried", "Delivery incomplete" */
    int permanent;  /* "failed permanently", "permanent failure" */
} details;

/* read_details - the technical details, remote reply and permanence */
static void read_details(const bk_message *m, size_t end, details *d)
{
    memset(d, 0, sizeof *d);
    span text = {m->text.data ? m->text.data : "", end};
    static const char *const leads[] = {"The error that the other server returned was:",
                                        "The response from the remote server was:",
                                        "The response was:"};
    long at = span_find(text, "Technical details of ");
    if (at >= 0) {
        span t = span_from(text, (size_t)at);
        long colon = span_find(t, ":");
        if (colon >= 0)
            t = span_from(t, (size_t)colon + 1);
        d->tech = t;
    }
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
        long r = span_find(text, leads[i]);
        if (r >= 0) {
            d->reply = span_from(text, (size_t)r + strlen(leads[i]));
            break;
        }
    }
    d->delayed = span_find(text, "has been delayed") >= 0 ||
                 span_find(text, "will be retried for") >= 0 ||
                 span_find(text, "Technical details of temporary failure") >= 0 ||
                 span_find(text, "** Delivery incomplete **") >= 0 ||
                 span_find(text, "Gmail will retry for") >= 0;
    d->permanent = span_find(text, "failed permanently") >= 0 ||
                   span_find(text, "Technical details of permanent failure") >= 0;
}

/* paragraphs - up to max_para paragraphs of s (blank lines end one),
 * appended to r's diagnostic; stops at a "-----" divider */
static void paragraphs(span s, found_rcpt *r, int max_para)
{
    size_t pos = 0;
    span line;
    int para = 0, in = 0;
    for (size_t n = 0; n < 60 && line_next(s.p, s.len, &pos, &line); n++) {
        span t = span_trim(line);
        if (span_starts(t, "-----") || span_starts(t, "** "))
            break;
        if (span_is_blank(t)) {
            if (in && ++para >= max_para)
                break;
            in = 0;
            continue;
        }
        in = 1;
        found_diag(r, t.p, t.len);
    }
}

/* recipients_listed - the indented addresses after "Delivery to the
 * following recipient(s) ...:"; returns how many were added */
static size_t recipients_listed(const bk_message *m, size_t end, found *out)
{
    span text = {m->text.data ? m->text.data : "", end};
    long at = span_find(text, "Delivery to the following recipient");
    size_t n = 0;
    if (at < 0)
        return 0;
    size_t pos = (size_t)at;
    span line;
    line_next(text.p, text.len, &pos, &line);
    int seen = 0;
    for (size_t k = 0; k < GMAIL_LINES && line_next(text.p, text.len, &pos, &line); k++) {
        if (span_is_blank(line)) {
            if (seen)
                break;
            continue;
        }
        span a, t = span_trim(line);
        if (!is_address(t) || !find_address(t, &a))
            break;
        if (found_add(out, a.p, a.len))
            n++;
        seen = 1;
    }
    return n;
}

/* recipients_named - "Your message wasn't delivered to ADDR because" and
 * "There was a (temporary) problem delivering your message to ADDR." */
static size_t recipients_named(const bk_message *m, size_t end, found *out)
{
    static const char *const leads[] = {"wasn't delivered to ", "wasn\xe2\x80\x99t delivered to ",
                                        "delivering your message to "};
    span text = {m->text.data ? m->text.data : "", end};
    size_t n = 0;
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
        span rest = text;
        long at;
        for (int guard = 0; guard < 32 && (at = span_find(rest, leads[i])) >= 0; guard++) {
            rest = span_from(rest, (size_t)at + strlen(leads[i]));
            span word = rest, a;
            size_t k = 0;
            while (k < word.len && word.p[k] != ' ' && word.p[k] != '\n')
                k++;
            word.len = k;
            while (word.len && (word.p[word.len - 1] == '.' || word.p[word.len - 1] == ','))
                word.len--;
            if (find_address(word, &a) && found_add(out, a.p, a.len))
                n++;
        }
    }
    return n;
}

/* decode - the status fields, then what the text says of each recipient */
static int decode(const bk_message *m, found *out)
{
    size_t end = m->original_at;
    size_t from_dsn = dsn_decode(m, out);
    if (!from_dsn && !recipients_listed(m, end, out) && !recipients_named(m, end, out))
        add_failed_recipients(m, out);
    if (!out->n)
        return 0;

    details d;
    read_details(m, end, &d);
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (d.tech.len)
            host_after_by(d.tech, r);
        if (!r->diag_len) {
            if (d.reply.len) {
                paragraphs(d.reply, r, 3);
                codes(d.reply, r);
            } else if (d.tech.len) {
                paragraphs(d.tech, r, 2);
            }
        } else if (!r->reply_code) {
            codes((span){r->diag, r->diag_len}, r);
        }
        if (!r->action[0])
            found_set(r->action, sizeof r->action, d.delayed ? "delayed" : "failed",
                      d.delayed ? 7 : 6);
        /* the text states the class of the failure when no code does */
        if (!r->status[0] && (d.delayed || d.permanent) &&
            (!r->reply_code || r->reply_code / 100 == (d.delayed ? 4 : 5)))
            found_set(r->status, sizeof r->status, d.delayed ? "4.0.0" : "5.0.0", 5);
        if (!r->diagtype[0] && r->diag_len)
            found_set(r->diagtype, sizeof r->diagtype, "SMTP", 4);
    }
    if (!m->has_original)
        original_in_text(m, out);
    return 1;
}

const bk_format bk_format_gmail = {"gmail", 20, match, decode};
