/*
 * message.h - a bounce message taken apart with GMime: its header fields
 * (RFC 2047 decoded), its human-readable text (every text part outside the
 * returned message, converted to UTF-8), its machine-readable reports
 * (message/delivery-status, message/feedback-report) and the header of the
 * message it returns (message/rfc822 or text/rfc822-headers).
 *
 * The format decoders (src/lib/formats/) read only this model.
 */
#ifndef BK_MESSAGE_H
#define BK_MESSAGE_H

#include "buf.h"
#include "fields.h"
#include "text.h"

#include <stddef.h>
#include <string.h>

#define MESSAGE_TEXT_MAX (512u * 1024u) /* text kept per message; the rest is cut */

typedef struct {
    field_block head;      /* the message's own header fields, decoded (a plain value
                              is unfolded when first asked for: message_header) */
    bk_buf content_type;   /* "multipart/report", lower case, no parameters */
    bk_buf report_type;    /* the report-type parameter, lower case */
    bk_buf text;           /* the readable text, UTF-8, LF line ends */
    bk_buf dsn;            /* every message/delivery-status body, one after another */
    bk_buf feedback;       /* the message/feedback-report body */
    bk_buf original;       /* the returned message's header block (raw text) */
    bk_buf inner_dsn;      /* the delivery-status part of a returned message that is
                              itself a delivery report (a bounce forwarded whole) */
    const char *wrapped;   /* the content of a message/rfc822 part at the top of the
                              tree (the message itself, its first part, or the one
                              attachment beside the body text of a multipart other
                              than a report) of a message with no report part of its
                              own: maybe a bounce a gateway wrapped or a user
                              forwarded (NULL: none). Valid until the next
                              message_read of m */
    size_t wrapped_len;
    bk_buf wrapped_copy;   /* that content when it is not where the input holds it */
    int has_original;      /* a message/rfc822 or text/rfc822-headers part was found */
    int parts;             /* MIME parts seen */
    size_t original_at;    /* original_start() of text, found once by message_read */
    const char *from, *subject; /* the first From and Subject of head (NULL: none),
                                   found once by message_read for message_header */
    size_t from_len, subject_len;
    unsigned long long from_pairs[4]; /* the pairs of bytes of From (bk_pairs_set),
                                         for message_may_hold */
    struct message_gmime *gm; /* GMime objects kept from one message to the next */
    struct markers *marks;    /* the phrases asked of the text (message_find) */
} bk_message;

/* message_setup - once: g_mime_init(), and GMime leaves returned messages
 * (message/rfc822, rfc2822, global, news) unparsed, as plain parts (this
 * holds for every GMime parse in the process) */
void message_setup(void);

/* message_init - an empty message model */
void message_init(bk_message *m);

/* message_free - release its memory */
void message_free(bk_message *m);

/* message_read - take msg (LF line ends) apart into m; returns 0, or -1 with
 * why filled when it is not a readable message */
int message_read(bk_message *m, const char *msg, size_t len, char *why, size_t whylen);

/* message_header - the decoded value of the message's own field name, or
 * NULL (inline: for a constant name the From and Subject found once are
 * picked where it is called; a value is unfolded when first asked for: m's
 * head changes, not what it says) */
static inline const char *message_header(const bk_message *m, const char *name, size_t *len)
{
    const char *v;
    size_t n;
    if (name[0] == 'F' && strcmp(name, "From") == 0)
        v = m->from, n = m->from_len;
    else if (name[0] == 'S' && strcmp(name, "Subject") == 0)
        v = m->subject, n = m->subject_len;
    else
        return fields_take((field_block *)&m->head, name, strlen(name), len);
    if (len)
        *len = n;
    return v;
}

/* message_may_hold - 0 when v, the From value message_header gave, surely
 * does not hold word[0..n) (ASCII case ignored), judged by the pairs of
 * bytes of the value; 1 when it may, and for any other v */
static inline int message_may_hold(const bk_message *m, const char *v, const char *word,
                                   size_t n)
{
    return !(v && v == m->from) || bk_pairs_may_hold(m->from_pairs, word, n);
}

#endif
