/*
 * lines.h - reading the text of a bounce: lines, markers and addresses.
 * Shared by every format decoder; all take (pointer, length).
 */
#ifndef BK_LINES_H
#define BK_LINES_H

#include "format.h"
#include "markers.h"
#include "text.h"

#include <stddef.h>
#include <string.h>

typedef struct {
    const char *p;
    size_t len;
} span;

/* line_next - the line at *pos of text[0..len) without its line end; moves
 * *pos past it. Returns 0 at the end. (This and the small helpers below
 * are inline: the formats call them in every line they read.) */
static inline int line_next(const char *text, size_t len, size_t *pos, span *line)
{
    size_t i = *pos;
    if (i >= len)
        return 0;
    const char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) : len;
    line->p = text + i;
    line->len = e - i;
    if (line->len && line->p[line->len - 1] == '\r')
        line->len--;
    *pos = e < len ? e + 1 : len;
    return 1;
}

/* span_trim - drop white space at both ends */
static inline span span_trim(span s)
{
    bk_trim(&s.p, &s.len);
    return s;
}

/* span_from - the part of s from byte k on */
static inline span span_from(span s, size_t k)
{
    if (k > s.len)
        k = s.len;
    span r = {s.p + k, s.len - k};
    return r;
}

/* span_starts - 1 when s starts with prefix (ASCII case-insensitive) */
static inline int span_starts(span s, const char *prefix)
{
    return bk_ci_prefix(s.p, s.len, prefix);
}

/* span_is - 1 when s is word (ASCII case-insensitive) */
static inline int span_is(span s, const char *word)
{
    return strlen(word) == s.len && bk_ci_prefix(s.p, s.len, word);
}

/* span_find - offset of needle in s (ASCII case-insensitive), or -1 */
static inline long span_find(span s, const char *needle)
{
    return bk_ci_find(s.p, s.len, needle);
}

/* span_find_words - offset of phrase in s where each space of the phrase
 * matches any run of white space (a phrase wrapped over lines), or -1;
 * *matched gets the length matched in s */
long span_find_words(span s, const char *phrase, size_t *matched);

/* span_is_blank - only white space */
int span_is_blank(span s);

/* text_find - offset of needle in text (ASCII case-insensitive), or -1 */
static inline long text_find(const bk_buf *text, const char *needle)
{
    return text->len ? bk_ci_find(text->data, text->len, needle) : -1;
}

/* message_find - offset of a string literal in m's readable text (ASCII
 * case-insensitive), or -1: text_find(&m->text, literal), answered from one
 * pass over the text for all the literals asked for (markers.h) */
static inline long message_find(const bk_message *m, const char *literal)
{
    if (!m->text.len)
        return -1;
    if (!m->marks)
        return bk_ci_find(m->text.data, m->text.len, literal);
    return markers_find(m->marks, m->text.data, m->text.len, literal);
}

/* find_address - the first e-mail address in s ("<a@b>" preferred to a bare
 * a@b); 1 with *addr set, 0 when there is none */
int find_address(span s, span *addr);

/* internet_domain - the address in v (perhaps typed: "rfc822; a@b") has a
 * domain of the Internet: a name with a dot, or an address literal; not a
 * host or channel name inside one mail system ("a@sims-ms-daemon") */
int internet_domain(span v);

/* is_address - s is one e-mail address, perhaps in angle brackets */
int is_address(span s);

/* header_value - the value of field name in a header block text (the
 * returned message's header), unfolded into out; 1 when found */
int header_value(const char *block, size_t len, const char *name, char *out, size_t cap);

/* header_values - header_value() for n names (at most 32) in one pass over
 * the block: out[i] (cap bytes each) gets the value of names[i]; returns
 * the mask of the names found (bit i: names[i]) */
unsigned header_values(const char *block, size_t len, const char *const *names, size_t n,
                       char *const *out, size_t cap);

/* take_reply_code - a three-digit reply code at the start of s (2xx-5xx), or 0 */
int take_reply_code(span s);

/* find_status - the first enhanced status code "d.ddd.ddd" in s into out
 * (size BK_STATUS_MAX); 1 when found */
int find_status(span s, char *out);

/* original_start - where the returned message begins in m's text: the
 * first line of the markers MTAs put before it ("Below this line is a copy
 * of the message", "Original message follows", ...) or the first header
 * block; the text's length when none (message_read keeps it in
 * m->original_at) */
size_t original_start(const bk_message *m);

/* original_header - the header block of the returned message found in m's
 * text: from m->original_at (original_start()), past its marker line and
 * blank lines, to the first blank line; len 0 when there is none */
span original_header(const bk_message *m);

/* bounce_words - From or Subject of a delivery failure report
 * (mailer-daemon, postmaster, "Undeliverable", "Returned mail", ...) */
int bounce_words(const bk_message *m);

/* from_mail_system - the From of a mail system (MAILER-DAEMON, postmaster,
 * "Mail Delivery System" ...), not of a person */
int from_mail_system(const bk_message *m);

/* looks_like_bounce - bounce_words(), a report of type delivery-status, or
 * the empty Return-Path of a message from a mail system */
int looks_like_bounce(const bk_message *m);

/* delay_notice - the report says the message is late and will be tried
 * again (its Subject, or words of its text before the returned message) */
int delay_notice(const bk_message *m);

/* add_failed_recipients - an entry for every address of the message's
 * X-Failed-Recipients field (Exim, Gmail, Mail.ru ...); returns how many
 * entries the field named */
size_t add_failed_recipients(const bk_message *m, found *out);

/* command_named - the SMTP command an MTA names in its own words in s:
 * "after RCPT TO:<a>", "after end of data", "after MAIL FROM", "after
 * initial connection", "for TEXT command", ">>> RCPT TO:<a>"; BK_CMD_NONE
 * when it names none */
bk_command command_named(span s);

/* bounded copies used everywhere */
#define SPAN_SET(dst, s) found_set((dst), sizeof(dst), (s).p, (s).len)

#endif
