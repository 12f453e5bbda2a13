/*
 * fallback.c - bounces in no known format: when the From or Subject says
 * it is a delivery failure, every address in the report's text (before the
 * returned message) that is not the bounce's own sender or receiver, nor a
 * Message-ID, is a failed recipient, and the lines after it, up to a blank
 * line, are its diagnostic. A later line that names the recipient again
 * after a failure reply's code ("Remote server replied: 550 5.1.1 <a@b>
 * ...", a transcript's "<-- 550 5.1.1 <a@b> ...") is its reply: the
 * diagnostic starts again there and the codes are taken from it; so does
 * the first failure reply of a session transcript ("<-- 550-5.1.1 ...",
 * "<<< 452 ...") in the lines that follow the recipient. The returned
 * message's header, when it is in the text, gives the record's sender,
 * Message-ID and Subject. Bounded: the first FALLBACK_LINES lines only.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <stdint.h>
#include <string.h>

#define FALLBACK_LINES 400

/* own_address - an address of the bounce itself (its From, To, a daemon) */
static int own_address(const bk_message *m, span a)
{
    static const char *const daemons[] = {"mailer-daemon@", "postmaster@", "mailer_daemon@",
                                          "noreply@", "no-reply@", "root@"};
    for (size_t i = 0; i < sizeof daemons / sizeof daemons[0]; i++)
        if (span_starts(a, daemons[i]))
            return 1;
    static const char *const fields[] = {"From", "To", "Reply-To", "Sender"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t len;
        const char *v = message_header(m, fields[i], &len);
        span s = {v, len};
        char want[BK_ADDR_MAX];
        found_set(want, sizeof want, a.p, a.len);
        if (v && span_find(s, want) >= 0)
            return 1;
    }
    return 0;
}

/* match - it says it is a bounce */
static int match(const bk_message *m)
{
    return looks_like_bounce(m);
}

/* failure_reply_at - where a failure reply starts in s: a 4xx or 5xx code
 * at its start or after a blank, followed by a blank, a hyphen or the end;
 * -1 when there is none */
static long failure_reply_at(span s)
{
    for (size_t i = 0; i + 3 <= s.len; i++) {
        if ((s.p[i] != '4' && s.p[i] != '5') || (i > 0 && s.p[i - 1] != ' ' && s.p[i - 1] != '\t'))
            continue;
        span at = span_from(s, i);
        if (take_reply_code(at) && (at.len == 3 || at.p[3] == ' ' || at.p[3] == '-'))
            return (long)i;
    }
    return -1;
}

/* transcript_reply - the failure reply a session transcript's line shows
 * the server sending ("<-- 550-5.1.1 ...", "<<< 452 ..."), from its code to
 * the line's end; len 0 when the line shows none */
static span transcript_reply(span line)
{
    static const char *const marks[] = {"<-- ", "<<< "};
    span none = {line.p, 0};
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        long at = span_find(line, marks[k]);
        if (at < 0)
            continue;
        span r = span_trim(span_from(line, (size_t)at + 4));
        if (r.len && (r.p[0] == '4' || r.p[0] == '5') && failure_reply_at(r) == 0)
            return r;
    }
    return none;
}

/* reply_is_diag - a reply (from its code on) is r's diagnostic, in place of
 * what was gathered before it; its codes are r's unless r has some */
static void reply_is_diag(found_rcpt *r, span reply)
{
    diag_clear(r);
    found_diag(r, reply.p, reply.len);
    if (!r->reply_code) {
        r->reply_code = take_reply_code(reply);
        if (!r->status[0])
            find_status(reply, r->status);
    }
}

/* message_id_before - the text before an address labels it a message's
 * identifier ("Message-ID: <...>", "In-Reply-To: <...>"), not a mailbox */
static int message_id_before(span before)
{
    return span_find(before, "message-id") >= 0 || span_find(before, "in-reply-to") >= 0;
}

/* decode - addresses and the lines that follow them */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    size_t pos = 0, lines = 0;
    span line;
    size_t cur = SIZE_MAX;     /* the entry whose diagnostic goes on (an index:
                                * found_add may move the entries) */
    size_t replied = SIZE_MAX; /* the entry whose diagnostic is a reply already */
    while (pos < end && lines++ < FALLBACK_LINES && line_next(t, end, &pos, &line)) {
        span a;
        if (find_address(line, &a) && !own_address(m, a)) {
            span before = span_trim((span){line.p, (size_t)(a.p - line.p)});
            if (message_id_before(before))
                goto text;
            found_rcpt *r = found_add(out, a.p, a.len);
            if (r) {
                size_t i = (size_t)(r - out->r);
                long at = failure_reply_at(before);
                if (at > 0 || (at == 0 && i == cur)) {
                    /* its reply, after a label or in its own paragraph:
                     * the diagnostic is that reply */
                    span reply = {before.p + at, (size_t)(line.p + line.len - before.p - at)};
                    reply_is_diag(r, reply);
                    cur = replied = i;
                    continue;
                }
                cur = i;
                /* the rest of the line after the address */
                const char *after = a.p + a.len;
                span rest = {after, (size_t)(line.p + line.len - after)};
                rest = span_trim(rest);
                while (rest.len && (rest.p[0] == '>' || rest.p[0] == ':' || rest.p[0] == ',' ||
                                    rest.p[0] == ']' || rest.p[0] == ')' || rest.p[0] == '\'' ||
                                    rest.p[0] == '"'))
                    rest = span_trim(span_from(rest, 1));
                found_diag(r, rest.p, rest.len);
                /* the codes of a reply that names the address it refuses:
                 * "552 5.2.2 <a@b> Quota exceeded" */
                int code = take_reply_code(before);
                if (code && !r->reply_code) {
                    r->reply_code = code;
                    if (!r->status[0])
                        find_status(before, r->status);
                }
                continue;
            }
        }
    text:
        if (span_is_blank(line)) {
            if (cur < out->n && out->r[cur].diag_len)
                cur = SIZE_MAX;
            continue;
        }
        if (cur >= out->n)
            continue;
        found_rcpt *r = &out->r[cur];
        span reply = transcript_reply(line);
        if (reply.len && replied != cur) {
            /* the server's failure reply in a transcript that went on
             * after the recipient was named: the diagnostic starts there */
            reply_is_diag(r, reply);
            replied = cur;
            continue;
        }
        found_diag(r, line.p, line.len);
    }
    /* the words of qmail-send and Exim (and the mail systems built on them)
     * for a failure that will not be retried */
    notice_permanent(m, out);
    if (out->n && !m->has_original)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_fallback = {"fallback", 90, match, decode};
