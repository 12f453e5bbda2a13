/*
 * report_text.h - what the formats do alike with what a report says: the
 * message's own fields, the codes at the head of a reply, the class of a
 * report that gives up, the returned header block inside the text.
 * Each format keeps its own markers and wording; only the mechanics are here.
 */
#ifndef BK_REPORT_TEXT_H
#define BK_REPORT_TEXT_H

#include "format.h"
#include "lines.h"

#include <stddef.h>
#include <string.h>

/* header_span - the value of the message's own field name; an empty span
 * ("") when there is none */
span header_span(const bk_message *m, const char *name);

/* header_has - the message's field name is there and contains word (ASCII
 * case-insensitive; "" asks only whether the field is there) (inline: the
 * formats name the field and the word as constants) */
static inline int header_has(const bk_message *m, const char *name, const char *word)
{
    size_t len;
    const char *v = message_header(m, name, &len);
    span s = {v, len};
    return v && message_may_hold(m, v, word, strlen(word)) && span_find(s, word) >= 0;
}

/* command_word - the SMTP command named by the word s starts with ("RCPT
 * TO:<a>", "DATA"); BK_CMD_NONE when it names none */
bk_command command_word(span s);

/* line_after - *pos past the line of text[0..end) that holds marker; 0 when
 * marker is not in the text before end */
int line_after(const bk_buf *text, const char *marker, size_t end, size_t *pos);

/* line_after_quoted - line_after, and *depth the quote marks ('>') before the
 * marker on its line, with only blanks among them: a report a user forwarded
 * quoted inline ("> ----- The following addresses had ...") */
int line_after_quoted(const bk_buf *text, const char *marker, size_t end, size_t *pos,
                      size_t *depth);

/* unquoted - line without its first depth quote marks (each '>' with the
 * blanks before it and one blank after it); 0 when it has fewer: it is not
 * part of the quoted report */
int unquoted(span line, size_t depth, span *out);

/* block_gap - s (trimmed) is blank: it ends the block of lines under *cur
 * once that block has text (*cur set to NULL then); 1 when s is blank */
int block_gap(span s, found_rcpt **cur);

/* angle_blocks - the recipients of a report that lists them as "<a@b>:"
 * heads after the line holding lead, in text[0..end) (at most max lines):
 * every other line of a head's block goes to under() with its entry */
void angle_blocks(const bk_message *m, found *out, const char *lead, size_t end, size_t max,
                  void (*under)(found_rcpt *r, span s));

/* span_extend - *para grows to run from its start to the end of s (a block
 * of lines read one by one); a para with no start (p NULL) becomes s */
void span_extend(span *para, span s);

/* status_head - the enhanced status code in the first 24 bytes of s into
 * status (size BK_STATUS_MAX); 1 when found */
int status_head(span s, char *status);

/* reply_set - the remote reply s as r's diagnostic (appended), its reply
 * code and the status code at its head (both taken as they are, 0/none
 * included) */
void reply_set(found_rcpt *r, span s);

/* reply_line_add - one line of a remote reply appended to r's diagnostic;
 * the first line (none yet) also gives the reply code and status at its head */
void reply_line_add(found_rcpt *r, span s);

/* diag_codes - the reply code and status at the head of r's diagnostic, for
 * the ones r does not have yet */
void diag_codes(found_rcpt *r);

/* diag_reply_codes - every entry without a reply code takes the one its
 * diagnostic starts with */
void diag_reply_codes(found *out);

/* diag_clear - empty r's diagnostic */
void diag_clear(found_rcpt *r);

/* diag_first_lines - the first lines of the message's text appended to r's
 * diagnostic until it holds max bytes (an automatic reply's own words) */
void diag_first_lines(const bk_message *m, found_rcpt *r, size_t max);

/* status_permanent - status 5.0.0 for the entries no code describes (no
 * status, no reply code or a 5xx one): the report says delivery was given up
 * (an entry marked said_permanent gets it once classified, not here) */
void status_permanent(found *out);

/* notice_permanent - when the notice's own words before the returned
 * message say every entry failed for good ("This is a permanent error", as
 * qmail-send and Exim write it), an entry no code describes is given 5.0.0
 * and permanence permanent once its text is classified, so that the
 * invented code does not weigh in the verdict as a code would (decode.c) */
void notice_permanent(const bk_message *m, found *out);

/* original_in_text - out->original at the returned header block found in
 * the text (original_header()) */
void original_in_text(const bk_message *m, found *out);

/* original_after - out->original at the text after the line holding marker
 * (rulers and blank lines skipped), when entries were found and no
 * returned-message part came with the message */
void original_after(const bk_message *m, found *out, const char *marker);

#endif
