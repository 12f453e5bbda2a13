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
#include "report_text.h"
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
    span s = header_span(m, "X-Mailer");
    if (span_starts(s, "<SMTP32 v"))
        return 1;
    span subj = header_span(m, "Subject");
    return span_starts(subj, "Undeliverable Mail") &&
           message_find(m, "Original message follows.") >= 0 &&
           message_find(m, "\nReporting-MTA:") < 0;
}

/* last_word_address - "Reason: a@b": the reason (words, not one header
 * name such as "To" of a listing of the returned message) and the address */
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
    if (!memchr(s.p, ' ', (size_t)colon))
        return 0;
    *addr = a;
    reason->p = s.p;
    reason->len = (size_t)colon;
    return 1;
}

/* decode - one line per failed recipient, and the remote reply */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
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
        diag_codes(cur);
        if (!cur->command)
            cur->command = cmd;
    }
    /* IMail's own summary line ("Unknown user: a@b") is its word about the
     * recipient, not a remote server's reply that a filter may have worded
     * so: permanent once its text is classified, as notice_permanent marks
     * them; a remote reply with no status gets 5.0.0 now */
    for (size_t i = 0; i < out->n; i++)
        if (!out->r[i].reply_code && !out->r[i].status[0])
            out->r[i].said_permanent = 1;
    status_permanent(out);
    original_after(m, out, "Original message follows.");
    return out->n > 0;
}

const bk_format bk_format_imailserver = {"imailserver", 20, match, decode};
