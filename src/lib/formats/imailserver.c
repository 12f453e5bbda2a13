/*
 * imailserver.c - bounces of Ipswitch IMail Server (X-Mailer "<SMTP32
 * vN>", Subject "Undeliverable Mail"). Each failure is one line
 *     Unknown user: a@example.com
 *     User mailbox exceeds allowed size: a@example.com
 *     Delivery failed 20 attempts: a@example.com
 *     undeliverable to a@example.com
 * or, for a remote refusal, "Failed to deliver to '<a@example.com>'" and
 * the remote reply ("SMTP module(domain x) reports:", " host X says:",
 * " 550 ..."). A phrase such as "Additional RCPT TO generated following
 * response:" or "Body of message generated response:" names the command
 * the reply answered. The returned message follows "Original message
 * follows."
 */
#include "format.h"
#include "lines.h"
#include "text.h"

#include <string.h>

#define IMAIL_LINES 400

/* the phrases that name the command the remote reply answered */
static const struct {
    const char *phrase;
    bk_command cmd;
} COMMANDS[] = {
    {"SMTP connection failed", BK_CMD_CONNECT},
    {"Unexpected connection response from server", BK_CMD_CONNECT},
    {"Unexpected response to EHLO/HELO", BK_CMD_EHLO},
    {"Server response to MAIL FROM", BK_CMD_MAIL},
    {"Additional RCPT TO generated following response", BK_CMD_RCPT},
    {"RCPT TO generated following response", BK_CMD_RCPT},
    {"DATA command generated response", BK_CMD_DATA},
    {"Body of message generated response", BK_CMD_DATA},
};

/* match - IMail's X-Mailer, or its subject with its original-message line */
static int match(const bk_message *m)
{
    size_t len;
    const char *v = message_header(m, "X-Mailer", &len);
    span s = {v ? v : "", v ? len : 0};
    if (span_starts(s, "<SMTP32 v"))
        return 1;
    v = message_header(m, "Subject", &len);
    span subj = {v ? v : "", v ? len : 0};
    return span_starts(subj, "Undeliverable Mail") &&
           text_find(&m->text, "Original message follows.") >= 0 &&
           text_find(&m->text, "\nReporting-MTA:") < 0;
}

/* codes - reply code and status from the start of the diagnostic */
static void codes(found_rcpt *r)
{
    span d = {r->diag, r->diag_len};
    if (!r->reply_code)
        r->reply_code = take_reply_code(span_trim(d));
    if (!r->status[0]) {
        span head = {d.p, d.len < 24 ? d.len : 24};
        find_status(head, r->status);
    }
}

/* last_word_address - "Reason: a@b": the reason and the address */
static int last_word_address(span s, span *reason, span *addr)
{
    long colon = -1;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] == ':')
            colon = (long)i;
    if (colon <= 0)
        return 0;
    span a = span_trim(span_from(s, (size_t)colon + 1));
    if (!is_address(a))
        return 0;
    *addr = a;
    reason->p = s.p;
    reason->len = (size_t)colon;
    return 1;
}

/* permanent - the class of a permanent failure for the recipients no code
 * describes: this report is sent when delivery has been given up */
static void permanent(found *out)
{
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->status[0] && (r->reply_code == 0 || r->reply_code >= 500))
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
}

/* inline_original - the returned message's header block after the line
 * holding marker (rulers and blank lines skipped) */
static void inline_original(const bk_message *m, found *out, const char *marker)
{
    long at = text_find(&m->text, marker);
    if (at < 0 || m->has_original || !out->n)
        return;
    const char *t = m->text.data;
    size_t pos = (size_t)at, start;
    span line;
    line_next(t, m->text.len, &pos, &line);
    while (start = pos, line_next(t, m->text.len, &pos, &line))
        if (!span_is_blank(line) && !span_starts(line, "---"))
            break;
    if (start < m->text.len) {
        out->original = t + start;
        out->original_len = m->text.len - start;
    }
}

/* decode - one line per failed recipient, and the remote reply */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = original_start(&m->text), pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    bk_command cmd = BK_CMD_NONE;
    int reply = 0; /* the lines that follow are the remote reply */
    while (pos < end && lines++ < IMAIL_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a, why;
        if (!s.len) {
            reply = 0;
            continue;
        }
        int named = 0;
        for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
            if (span_find(s, COMMANDS[i].phrase) >= 0) {
                cmd = COMMANDS[i].cmd;
                named = 1;
                break;
            }
        if (named) {
            if (cur && !cur->command)
                cur->command = cmd;
            reply = 1;
            continue;
        }
        if (span_starts(s, "undeliverable to ") && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            reply = 0;
            continue;
        }
        if (span_starts(s, "Failed to deliver to") && find_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            reply = 1;
            continue;
        }
        if (last_word_address(s, &why, &a)) {
            cur = found_add(out, a.p, a.len);
            if (cur && !cur->diag_len)
                found_diag(cur, why.p, why.len);
            reply = 0;
            continue;
        }
        if (!cur || !reply)
            continue;
        long says = span_find(s, " says:");
        if (span_starts(s, "host ") && says > 5) {
            span h = span_trim((span){s.p + 5, (size_t)says - 5});
            size_t k = 0;
            while (k < h.len && h.p[k] != ' ' && h.p[k] != '[')
                k++;
            found_set(cur->rhost, sizeof cur->rhost, h.p, k);
            continue;
        }
        if (span_starts(s, "SMTP module"))
            continue;
        /* the remote reply replaces IMail's own summary */
        if (take_reply_code(s) && cur->diag_len && !cur->reply_code)
            cur->diag_len = 0;
        found_diag(cur, s.p, s.len);
        codes(cur);
        if (!cur->command)
            cur->command = cmd;
    }
    permanent(out);
    inline_original(m, out, "Original message follows.");
    return out->n > 0;
}

const bk_format bk_format_imailserver = {"imailserver", 20, match, decode};
