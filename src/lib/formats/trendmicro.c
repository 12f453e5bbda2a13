/*
 * trendmicro.c - bounces of Trend Micro InterScan Messaging Security
 * Suite / InterScan VirusWall (From '"InterScan MSS" <...>', Subject "Mail
 * could not be delivered" or the Japanese "メッセージを配信できません。" /
 * "メール配信に失敗しました"). The text quotes the SMTP exchange:
 *     Sent <<< RCPT TO:<a@example.co.jp>
 *     Received >>> 550 5.1.1 <a@example.co.jp>... user unknown
 * (the Japanese template writes "送信" / "受信" and may turn the arrows
 * round), or "Unable to deliver message to <a@example.co.jp>." followed
 * by the reason.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define TRENDMICRO_LINES 400

static const char *const SUBJECTS[] = {
    "Mail could not be delivered",
    "\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8\xe3\x82\x92\xe9\x85\x8d\xe4\xbf\xa1"
    "\xe3\x81\xa7\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93", /* メッセージを配信できません */
    "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe9\x85\x8d\xe4\xbf\xa1\xe3\x81\xab\xe5\xa4\xb1\xe6\x95\x97"
    "\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f", /* メール配信に失敗しました */
};

/* match - InterScan's sender name, or its subjects with a quoted exchange */
static int match(const bk_message *m)
{
    span from = header_span(m, "From");
    int exchange = message_find(m, "<<< ") >= 0 || message_find(m, ">>> ") >= 0 ||
                   message_find(m, "Unable to deliver message to <") >= 0;
    if (span_find(from, "InterScan") >= 0)
        return exchange;
    span s = header_span(m, "Subject");
    for (size_t i = 0; i < sizeof SUBJECTS / sizeof SUBJECTS[0]; i++)
        if (span_starts(s, SUBJECTS[i]))
            return exchange;
    return 0;
}

/* after_arrow - the text after "<<< " or ">>> " in s, or an empty span */
static span after_arrow(span s)
{
    span none = {"", 0};
    long a = span_find(s, "<<< ");
    long b = span_find(s, ">>> ");
    long at = a < 0 ? b : (b < 0 ? a : (a < b ? a : b));
    return at < 0 ? none : span_trim(span_from(s, (size_t)at + 4));
}

/* decode - the quoted exchange, recipient by recipient */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    bk_command cmd = BK_CMD_NONE;
    int unable = 0; /* the lines after "Unable to deliver" are its reason */
    while (pos < end && lines++ < TRENDMICRO_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (!s.len) {
            unable = 0;
            continue;
        }
        long un = span_find(s, "Unable to deliver message to <");
        if (un >= 0 && find_address(span_from(s, (size_t)un), &a)) {
            cur = found_add(out, a.p, a.len);
            /* the sentence itself, which is all there is when no reason
             * follows ("... (and other recipients in the same domain).") */
            if (cur && !cur->diag_len)
                found_diag(cur, s.p + un, s.len - (size_t)un);
            unable = 1;
            continue;
        }
        span said = after_arrow(s);
        if (said.len) {
            int code = take_reply_code(said);
            if (!code) {
                /* our side: "RCPT TO:<a>", "MAIL FROM:<...>", "DATA" */
                cmd = command_word(said);
                if (cmd == BK_CMD_RCPT && find_address(said, &a))
                    cur = found_add(out, a.p, a.len);
                continue;
            }
            found_rcpt *r = cur;
            if (!r && find_address(said, &a))
                r = cur = found_add(out, a.p, a.len);
            if (!r)
                continue;
            r->diag_len = 0;
            found_diag(r, said.p, said.len);
            r->reply_code = code;
            span head = {said.p, said.len < 24 ? said.len : 24};
            find_status(head, r->status);
            if (cmd)
                r->command = cmd;
            continue;
        }
        if (unable && cur && !cur->reply_code)
            found_diag(cur, s.p, s.len);
    }
    return out->n > 0;
}

const bk_format bk_format_trendmicro = {"trendmicro", 20, match, decode};
