/*
 * message_gmime.h - what message.c (the MIME tree walked) and part_text.c (a
 * part's content as text) share: the GMime objects and buffers kept from one
 * message to the next, and the content functions.
 */
#ifndef BK_MESSAGE_GMIME_H
#define BK_MESSAGE_GMIME_H

#include "buf.h"

#include <gmime/gmime.h>
#include <stddef.h>

#define CONVERTERS_MAX 8 /* charset converters kept */

struct message_gmime {
    GMimeParser *parser;
    GByteArray *input;        /* the message being read */
    GArray *own_fields;       /* its own header's Content- fields (struct own_field) */
    GMimeStream *input_stream;
    GByteArray *returned;     /* a returned message wrapped for a second parse */
    GMimeStream *returned_stream;
    GByteArray *content;      /* one part's content, transfer encoding removed */
    GMimeStream *content_stream;
    GByteArray *converted;    /* that content in UTF-8 */
    struct {
        char *charset;        /* as the part names it */
        GMimeFilter *filter;  /* to UTF-8; NULL: GMime cannot convert it */
    } conv[CONVERTERS_MAX];
    size_t n_conv, next_conv;
};

/* listed - s is one of names[0..n), ASCII case ignored */
static inline int listed(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (g_ascii_strcasecmp(s, names[i]) == 0)
            return 1;
    return 0;
}


/* part_append_clean - append UTF-8 text: CR dropped, invalid bytes and control
 * characters other than tab and LF replaced, up to MESSAGE_TEXT_MAX in all
 * (a character begun below it is kept whole) */
void part_append_clean(bk_buf *b, const unsigned char *p, size_t n);

/* part_input_view - where a part's content stream s lies in the input (GMime
 * keeps a part's content as a bounded view of the stream it parsed): 1 with
 * *c, *n and *at_end (it runs to the input's end) set; 0 when s is not such
 * a view */
int part_input_view(const struct message_gmime *g, GMimeStream *s, guint8 **c, size_t *n,
                    int *at_end);

/* part_view_decoded - *data[0..*len) (a view of the input) with its base64 or
 * quoted-printable transfer encoding removed into g->content; other
 * encodings leave the view as it is */
void part_view_decoded(struct message_gmime *g, GMimeContentEncoding enc, guint8 **data,
                       size_t *len);

/* part_content_text - content data[0..len) (transfer encoding removed)
 * appended to out; converted from its charset to UTF-8 when utf8 is set */
void part_content_text(struct message_gmime *g, const char *charset, int utf8,
                       const guint8 *data, size_t len, bk_buf *out);

/* part_content_bytes - the content of w, transfer encoding removed: a view of
 * the input (*in_input set) or g->content (valid until the next part is
 * read); 0 when the part has none */
int part_content_bytes(struct message_gmime *g, GMimeDataWrapper *w, guint8 **data, size_t *len,
                       int *in_input);

/* part_content - a leaf part's content, transfer encoding removed; converted
 * from its charset to UTF-8 when utf8 is set. Appended to out. */
void part_content(struct message_gmime *g, GMimePart *part, int utf8, bk_buf *out);

/* part_append_html - the text of an HTML part: tags dropped, a line break for
 * block ends, the commonest entities decoded */
void part_append_html(bk_buf *out, const char *p, size_t n);

#endif
