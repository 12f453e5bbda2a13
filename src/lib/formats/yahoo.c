/*
 * yahoo.c - bounces written by Yahoo! Mail (and AOL and Yahoo! JAPAN,
 * which share its mail system): From MAILER-DAEMON@yahoo.com (or the
 * sender's Yahoo domain), Subject "Failure Notice", X-Yahoo-Newman-* or
 * X-YMail-* fields. The text: "Sorry, we were unable to deliver your
 * message to the following address.", then per recipient "<ADDR>:" and the
 * remote reply, often after "Remote host said:", ending with the command
 * in brackets ("[RCPT_TO]", "[DATA]"), then "--- Below this line is a copy
 * of the message." and the returned message.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define YAHOO_LINES 400

static const char LEAD[] = "Sorry, we were unable to deliver your message";

/* match - the lead sentence, or Yahoo's fields on a daemon's bounce */
static int match(const bk_message *m)
{
    if (message_find(m, LEAD) >= 0)
        return 1;
    size_t len;
    return looks_like_bounce(m) && (message_header(m, "X-Yahoo-Newman-Property", &len) ||
                                   message_header(m, "X-YMailISG", &len)) &&
           message_find(m, "Remote host said:") >= 0;
}

/* bracket_command - the command of Yahoo's "[RCPT_TO]" tag at the end of s */
static bk_command bracket_command(span s)
{
    static const struct {
        const char *tag;
        bk_command cmd;
    } tags[] = {{"[RCPT_TO]", BK_CMD_RCPT}, {"[MAIL_FROM]", BK_CMD_MAIL}, {"[DATA]", BK_CMD_DATA},
                {"[BODY]", BK_CMD_DATA},    {"[EHLO]", BK_CMD_EHLO},      {"[HELO]", BK_CMD_HELO},
                {"[CONNECT]", BK_CMD_CONNECT}};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (span_find(s, tags[i].tag) >= 0)
            return tags[i].cmd;
    return BK_CMD_NONE;
}

/* add_line - one line of a recipient's reply, without Yahoo's own words */
static void add_line(found_rcpt *r, span t)
{
    if (span_starts(t, "Remote host said:"))
        t = span_trim(span_from(t, 17));
    bk_command c = bracket_command(t);
    if (c) {
        r->command = c;
        long at = span_find(t, "[");
        while (at >= 0) {
            span before = {t.p, (size_t)at};
            span tag = span_from(t, (size_t)at);
            if (bracket_command(tag) && span_find(tag, "]") == (long)tag.len - 1) {
                t = span_trim(before);
                break;
            }
            long next = span_find(span_from(tag, 1), "[");
            at = next < 0 ? -1 : at + 1 + next;
        }
    }
    if (!t.len)
        return;
    reply_line_add(r, t);
}

/* decode - each "<ADDR>:" and the reply lines after it */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    span text = {t, end};
    long at = span_find(text, LEAD);
    size_t pos = at >= 0 ? (size_t)at : 0, n = 0;
    span line;
    found_rcpt *cur = NULL;
    while (n++ < YAHOO_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        /* "<addr>:" opens a recipient */
        if (s.len > 3 && s.p[0] == '<' && s.p[s.len - 1] == ':' && s.p[s.len - 2] == '>') {
            span in = {s.p, s.len - 1};
            if (find_address(in, &a)) {
                cur = found_add(out, a.p, a.len);
                if (cur)
                    found_set(cur->action, sizeof cur->action, "failed", 6);
                continue;
            }
        }
        if (!block_gap(s, &cur) && cur)
            add_line(cur, s);
    }
    if (!out->n)
        return 0;
    if (!m->has_original)
        original_in_text(m, out);
    return 1;
}

const bk_format bk_format_yahoo = {"yahoo", 20, match, decode};
