/*
 * v5sendmail.c - bounces written by the old Sendmail V5 (and IDA/V8 before
 * DSNs): Subject "Returned mail: ...", no delivery-status part, the text
 *     ----- Transcript of session follows -----
 *     While talking to mx.example.com:
 *     >>> RCPT To:<kijitora@example.com>
 *     <<< 550 Requested User Mailbox not found
 *     550 <kijitora@example.com>... User unknown
 *     ----- Unsent message follows -----
 * One "NNN <addr>... text" line per failed recipient; the remote reply
 * ("<<< ...") and the command (">>> ...") come before it. A failure of the
 * whole destination host names the host and the mailer instead of an
 * address ("421 example.com (smtp)... Deferred: Connection timed out during
 * user open with example.com"): its recipients are those of the unsent
 * message's To field.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define V5_LINES 2000

/* match - the transcript marker of a report without status fields */
static int match(const bk_message *m)
{
    if (m->dsn.len || message_find(m, "----- The following addresses had ") >= 0)
        return 0;
    return message_find(m, "----- Transcript of session follows -----") >= 0;
}

/* status_class - "4.0.0" or "5.0.0" for a 4xx or 5xx code into r (V5 has
 * no enhanced codes) */
static void status_class(found_rcpt *r, int code)
{
    if (code / 100 == 4 || code / 100 == 5) {
        char cls[6] = {(char)('0' + code / 100), '.', '0', '.', '0', '\0'};
        found_set(r->status, sizeof r->status, cls, 5);
    }
}

/* host_failed - the recipients of the unsent message's To field, each with
 * the host's failure line ("421 HOST (mailer)... why") */
static void host_failed(const bk_message *m, found *out, span line)
{
    span h = m->original.len ? (span){m->original.data, m->original.len} : original_header(m);
    char to[BK_REPLY_TEXT_MAX];
    if (!h.len || !header_value(h.p, h.len, "To", to, sizeof to))
        return;
    int code = take_reply_code(line);
    span why = span_trim(span_from(line, (size_t)span_find(line, "... ") + 4));
    /* the addresses of the field, one per comma outside quotes */
    size_t len = strlen(to), start = 0;
    int quoted = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && to[i] == '"')
            quoted = !quoted;
        if (i < len && (to[i] != ',' || quoted))
            continue;
        span a;
        found_rcpt *r = find_address((span){to + start, i - start}, &a)
                            ? found_add(out, a.p, a.len)
                            : NULL;
        if (r) {
            found_diag(r, why.p, why.len);
            r->reply_code = code;
            status_class(r, code);
        }
        start = i + 1;
    }
}

/* decode - each recipient line, with the reply and command before it */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data;
    size_t end = m->text.len, pos, lines = 0;
    span line;
    if (!line_after(&m->text, "----- Transcript of session follows -----", end, &pos))
        return 0;
    char rhost[BK_FIELD_MAX] = "";
    bk_command cmd = BK_CMD_NONE;
    span rcpt = {"", 0};
    found_rcpt reply;                    /* the last "<<<" reply, until used */
    diag_clear(&reply);
    bk_command reply_cmd = BK_CMD_NONE;
    span host_line = {"", 0}; /* "421 HOST (smtp)... why": the host failed */
    while (lines++ < V5_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (span_starts(s, "-----"))
            break;
        if (span_starts(s, "While talking to ") || span_starts(s, "... while talking to ")) {
            span h = span_trim(span_from(s, s.p[0] == '.' ? 21 : 17));
            while (h.len && (h.p[h.len - 1] == ':' || h.p[h.len - 1] == '.'))
                h.len--;
            SPAN_SET(rhost, h);
            cmd = BK_CMD_CONNECT;
            reply.diag_len = 0;
            continue;
        }
        if (span_starts(s, ">>> ")) {
            cmd = command_named(s);
            if (cmd != BK_CMD_RCPT || !find_address(s, &rcpt))
                rcpt.len = 0;
            continue;
        }
        if (span_starts(s, "<<< ")) {
            if (cmd == BK_CMD_QUIT)
                continue;
            reply.diag_len = 0;
            found_diag(&reply, s.p + 4, s.len - 4);
            reply_cmd = cmd;
            continue;
        }
        /* "554 <a>... text": a failed recipient */
        int code = take_reply_code(s);
        long dots = span_find(s, "... ");
        if (code && dots >= 0 && !host_line.len && span_find((span){s.p, (size_t)dots}, " (") > 0 &&
            !find_address((span){s.p, (size_t)dots}, &a))
            host_line = s;
        if (!code || dots < 0 || !find_address((span){s.p, (size_t)dots}, &a))
            continue;
        found_rcpt *r = found_add(out, a.p, a.len);
        if (!r)
            continue;
        int own = reply_cmd != BK_CMD_RCPT || (rcpt.len && span_find(rcpt, r->recipient) >= 0);
        if (reply.diag_len && own) {
            found_diag(r, reply.diag, reply.diag_len);
            r->command = reply_cmd;
            found_set(r->rhost, sizeof r->rhost, rhost, strlen(rhost));
            reply.diag_len = 0;
        } else {
            span why = span_from(s, (size_t)dots + 4);
            found_diag(r, why.p, why.len);
        }
        span d = span_trim((span){r->diag, r->diag_len});
        r->reply_code = take_reply_code(d);
        if (!r->reply_code)
            r->reply_code = code;
        /* no enhanced codes in V5: the class the summary line gives */
        if (!find_status(d, r->status))
            status_class(r, code);
    }
    if (!out->n && host_line.len)
        host_failed(m, out, host_line);
    if (!m->original.len && out->n)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_v5sendmail = {"v5sendmail", 20, match, decode};
