/*
 * message.c - a bounce message taken apart with GMime (see message.h).
 *
 * The MIME tree is walked once: text parts become the readable text (a
 * text/html part only when its multipart/alternative has no text/plain),
 * delivery-status and feedback-report parts are kept as they are (transfer
 * encoding removed), and the first returned message gives its header block.
 * Nothing inside the returned message is read as the bounce's own text.
 * Where a message with no report part of its own has a message/rfc822 part
 * at the top of its tree (see wrapped_part), that part's content is noted
 * (m->wrapped): it may be a whole bounce wrapped by a gateway or forwarded
 * by a user, which the decoder reads when the formats find nothing else.
 *
 * The parser, its input stream, the stream part contents are written to and
 * the charset converters are kept from one message to the next (struct
 * message_gmime), as creating them costs more than reading a small message.
 * A part's content is made text by part_text.c.
 *
 * A returned message (message/rfc822 and its kin) is left unparsed by the
 * first pass (message_setup registers those types as plain parts): only its
 * header block is read. When every line of that block is a well-formed field
 * or a folded continuation, the block as it came is what GMime would give
 * back field by field, and it is taken as it is; otherwise (and when the
 * returned message may hold delivery-status parts) GMime parses the part
 * again, alone, as it would have parsed it in place.
 *
 * The message's own header block is read the same way: when it is plain,
 * its fields are taken from it here (values decoded with GMime's own
 * functions, as g_mime_header_get_value decodes them; one that needs no
 * decoding is unfolded only when asked for), and GMime is given
 * only its Content- fields and the rest of the message: they are all GMime
 * reads of a part's header, so the tree it builds is the same, without an
 * object for every Received line. When its Content-Type names a multipart,
 * only its Content-Type fields are given (nothing read of a multipart's tree
 * comes from its other fields); should GMime make no multipart of them, it
 * parses the message again with them all. A message that GMime would make one
 * text/plain part of (no Content-Type, or one naming text/plain, and no
 * uuencoding) gets no tree at all: its Content-Type and
 * Content-Transfer-Encoding are decoded and parsed with GMime's own
 * functions, as its header objects would do, and its content is the input
 * after the empty line, which is what GMime's part would hold.
 */
#include "message.h"
#include "lines.h"
#include "message_gmime.h"
#include "markers.h"
#include "text.h"

#include <gmime/gmime.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define BK_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BK_LSAN 1
#endif
#endif
#if BK_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define WALK_DEPTH_MAX 16

/* a Content- field of a plain own header: where it lies in the message */
struct own_field {
    size_t at, end;
    int type; /* it is a Content-Type */
};

/* message_init - an empty message model */
void message_init(bk_message *m)
{
    memset(m, 0, sizeof *m);
}

/* gmime_free - release the kept GMime objects */
static void gmime_free(struct message_gmime *g)
{
    if (!g)
        return;
    if (g->parser)
        g_object_unref(g->parser);
    if (g->input_stream)
        g_object_unref(g->input_stream);
    if (g->returned_stream)
        g_object_unref(g->returned_stream);
    if (g->returned)
        g_byte_array_free(g->returned, TRUE);
    if (g->content_stream)
        g_object_unref(g->content_stream);
    if (g->input)
        g_byte_array_free(g->input, TRUE);
    if (g->own_fields)
        g_array_free(g->own_fields, TRUE);
    if (g->content)
        g_byte_array_free(g->content, TRUE);
    if (g->converted)
        g_byte_array_free(g->converted, TRUE);
    for (size_t i = 0; i < g->n_conv; i++) {
        g_free(g->conv[i].charset);
        if (g->conv[i].filter)
            g_object_unref(g->conv[i].filter);
    }
    g_free(g);
}

/* gmime_new - the GMime objects kept for a message model */
static struct message_gmime *gmime_new(void)
{
    struct message_gmime *g = g_new0(struct message_gmime, 1);
    g->input = g_byte_array_new();
    g->own_fields = g_array_new(FALSE, FALSE, sizeof(struct own_field));
    g->input_stream = g_mime_stream_mem_new();
    g->returned = g_byte_array_new();
    g->returned_stream = g_mime_stream_mem_new();
    g->content = g_byte_array_new();
    g->content_stream = g_mime_stream_mem_new();
    g->converted = g_byte_array_new();
    g->parser = g_mime_parser_new();
    return g;
}

/* message_free - release its memory */
void message_free(bk_message *m)
{
    gmime_free(m->gm);
    m->gm = NULL;
    markers_free(m->marks);
    m->marks = NULL;
    fields_free(&m->head);
    bk_buf_free(&m->content_type);
    bk_buf_free(&m->report_type);
    bk_buf_free(&m->text);
    bk_buf_free(&m->dsn);
    bk_buf_free(&m->feedback);
    bk_buf_free(&m->original);
    bk_buf_free(&m->inner_dsn);
    bk_buf_free(&m->wrapped_copy);
}

/* reset - empty every part of m, keep the memory */
static void reset(bk_message *m)
{
    fields_reset(&m->head);
    bk_buf_reset(&m->content_type);
    bk_buf_reset(&m->report_type);
    bk_buf_reset(&m->text);
    bk_buf_reset(&m->dsn);
    bk_buf_reset(&m->feedback);
    bk_buf_reset(&m->original);
    bk_buf_reset(&m->inner_dsn);
    bk_buf_reset(&m->wrapped_copy);
    m->wrapped = NULL;
    m->wrapped_len = 0;
    m->has_original = 0;
    m->parts = 0;
    m->from = m->subject = NULL;
    m->from_len = m->subject_len = 0;
}

/* append_lower - append s in ASCII lower case */
static void append_lower(bk_buf *b, const char *s)
{
    for (; s && *s; s++)
        bk_buf_putc(b, (char)bk_lower((unsigned char)*s));
}

/* text_part - a text part into the readable text */
static void text_part(bk_message *m, GMimePart *part, int html)
{
    if (m->text.len && m->text.data[m->text.len - 1] != '\n')
        bk_buf_putc(&m->text, '\n');
    if (!html) {
        part_content(m->gm, part, 1, &m->text);
        return;
    }
    bk_buf tmp = BK_BUF_INIT;
    part_content(m->gm, part, 1, &tmp);
    part_append_html(&m->text, tmp.data ? tmp.data : "", tmp.len);
    bk_buf_free(&tmp);
}

/* original_headers - the header block of a returned message */
static void original_headers(bk_message *m, GMimeMessage *inner)
{
    if (m->has_original || !inner)
        return;
    /* the message's fields and its MIME part's Content- fields, in the
     * order they came (as g_mime_object_get_headers() writes them) */
    GMimeObject *body = g_mime_message_get_mime_part(inner);
    GMimeHeaderList *a = g_mime_object_get_header_list(GMIME_OBJECT(inner));
    GMimeHeaderList *b = body ? g_mime_object_get_header_list(body) : NULL;
    int na = a ? g_mime_header_list_get_count(a) : 0, nb = b ? g_mime_header_list_get_count(b) : 0;
    for (int i = 0, j = 0; i < na || j < nb;) {
        GMimeHeader *ha = i < na ? g_mime_header_list_get_header_at(a, i) : NULL;
        GMimeHeader *hb = j < nb ? g_mime_header_list_get_header_at(b, j) : NULL;
        GMimeHeader *h = ha && (!hb || g_mime_header_get_offset(ha) <= g_mime_header_get_offset(hb))
                             ? (i++, ha)
                             : (j++, hb);
        const char *name = g_mime_header_get_raw_name(h);
        const char *value = g_mime_header_get_raw_value(h);
        if (!name || !value)
            continue;
        part_append_clean(&m->original, (const unsigned char *)name, strlen(name));
        part_append_clean(&m->original, (const unsigned char *)":", 1);
        part_append_clean(&m->original, (const unsigned char *)value, strlen(value));
    }
    m->has_original = 1;
}

/* has_plain_child - a multipart/alternative with a text/plain part */
static int has_plain_child(GMimeMultipart *mp)
{
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; i++) {
        GMimeContentType *ct = g_mime_object_get_content_type(g_mime_multipart_get_part(mp, i));
        if (ct && g_mime_content_type_is_type(ct, "text", "plain"))
            return 1;
    }
    return 0;
}

/* inner_reports - the delivery-status parts inside a returned message into
 * m->inner_dsn (nothing else of it is read) */
static void inner_reports(bk_message *m, GMimeObject *obj, int depth)
{
    if (!obj || depth > WALK_DEPTH_MAX)
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++)
            inner_reports(m, g_mime_multipart_get_part(mp, i), depth + 1);
        return;
    }
    if (!ct || !(g_mime_content_type_is_type(ct, "message", "delivery-status") ||
                 g_mime_content_type_is_type(ct, "message", "global-delivery-status")))
        return;
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        char *s = inner ? g_mime_object_to_string(GMIME_OBJECT(inner), NULL) : NULL;
        if (s) {
            part_append_clean(&m->inner_dsn, (const unsigned char *)s, strlen(s));
            g_free(s);
        }
    } else if (GMIME_IS_PART(obj))
        part_content(m->gm, GMIME_PART(obj), 1, &m->inner_dsn);
}

/* the subtypes of message/ that GMime would parse as a message of their own */
static const char *const RETURNED_SUBTYPES[] = {"rfc822", "rfc2822", "global", "news"};
#define RETURNED_WRAP_TYPE "x-bouncekit-returned" /* parsed as a message, for the second parse */

/* message_setup - GMime, with its types for the returned message (see above) */
void message_setup(void)
{
    /* GMime's registry drops (does not free) the few bytes of an entry it
     * replaces: a bounded, one-time loss that LeakSanitizer is not told of */
#if BK_LSAN
    __lsan_disable();
#endif
    g_mime_init();
    for (size_t i = 0; i < sizeof RETURNED_SUBTYPES / sizeof RETURNED_SUBTYPES[0]; i++)
        g_mime_object_register_type("message", RETURNED_SUBTYPES[i], GMIME_TYPE_PART);
    g_mime_object_register_type("message", RETURNED_WRAP_TYPE, GMIME_TYPE_MESSAGE_PART);
#if BK_LSAN
    __lsan_enable();
#endif
}

/* returned_subtype - a subtype of message/ that message_setup left unparsed */
static int returned_subtype(const char *sub)
{
    return listed(sub, RETURNED_SUBTYPES, sizeof RETURNED_SUBTYPES / sizeof RETURNED_SUBTYPES[0]);
}

/* name_stop - the index of the first byte of p[0..n) that no field name
 * holds (a control byte, a blank, ':' or DEL), or n; 16 bytes at a time */
static size_t name_stop(const char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i sp = _mm_set1_epi8(' '), colon = _mm_set1_epi8(':'), del = _mm_set1_epi8(0x7f);
    for (; n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, sp), x),
                                    _mm_or_si128(_mm_cmpeq_epi8(x, colon), _mm_cmpeq_epi8(x, del)));
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
#endif
    while (i < n && (unsigned char)p[i] > ' ' && p[i] != ':' && p[i] != 0x7f)
        i++;
    return i;
}

/* field_start - the length of the name when p[0..n) (one line) starts a
 * field GMime keeps (a name of non-control bytes, blanks only between the
 * name and its colon), else 0 */
static size_t field_start(const char *p, size_t n)
{
    if (n == 0 || p[0] == ':' || p[0] == ' ' || p[0] == '\t')
        return 0;
    size_t name = name_stop(p, n), i = name;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i < n && p[i] == ':' ? name : 0;
}

/* header_walk - the length of the header block at the start of c[0..n)
 * (through the line end of its last field) when an empty line ends it and
 * each of its lines is a field GMime keeps or a folded continuation, with
 * no NUL byte; 0 otherwise. One pass over the lines; when on_field is not
 * NULL, it is given each field as its end is reached (c[at..end), the name
 * name_len bytes), also in a block found not plain later. */
static inline size_t header_walk(const char *c, size_t n,
                                 void (*on_field)(void *ctx, size_t at, size_t name_len,
                                                  size_t end),
                                 void *ctx)
{
    size_t at = 0, name_len = 0; /* the field being read */
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(c + i, '\n', n - i);
        if (!nl)
            return 0;
        size_t e = (size_t)(nl - c);
        if (i > 0 && (c[i] == ' ' || c[i] == '\t')) { /* a folded continuation */
            i = e + 1;
            continue;
        }
        if (i > 0 && on_field) /* the field before ends here */
            on_field(ctx, at, name_len, i);
        if (e == i) /* the empty line (at the start: not a header block) */
            return i > 0 && !memchr(c, '\0', i) ? i : 0;
        if (!(name_len = field_start(c + i, e - i)))
            return 0;
        at = i;
        i = e + 1;
    }
    return 0;
}

/* plain_header_block - header_walk's length, the fields left alone */
static size_t plain_header_block(const char *c, size_t n)
{
    return header_walk(c, n, NULL, NULL);
}

/* returned_parsed - GMime parses the returned message c[0..n) alone as it
 * would have in place: as a message part of a multipart whose boundary
 * follows it, unless it ran to the end of the input */
static void returned_parsed(bk_message *m, const char *c, size_t n, int at_end, int depth)
{
    struct message_gmime *g = m->gm;
    char boundary[64];
    int tries = 0;
    do /* a boundary that no line of the part starts with */
        snprintf(boundary, sizeof boundary, "--=_bouncekit-returned-%d_=", tries);
    while (bk_ci_find(c, n, boundary) >= 0 && ++tries < 8);
    if (tries == 8)
        return;
    GByteArray *w = g->returned;
    char head[160];
    int hl = snprintf(head, sizeof head,
                      "Content-Type: multipart/mixed; boundary=\"%s\"\n\n%s\n"
                      "Content-Type: message/" RETURNED_WRAP_TYPE "\n\n",
                      boundary + 2, boundary);
    if (hl < 0 || (size_t)hl >= sizeof head)
        return;
    g_byte_array_set_size(w, 0);
    g_byte_array_append(w, (const guint8 *)head, (guint)hl);
    g_byte_array_append(w, (const guint8 *)c, (guint)n);
    if (!at_end) {
        g_byte_array_append(w, (const guint8 *)"\n", 1);
        g_byte_array_append(w, (const guint8 *)boundary, (guint)strlen(boundary));
        g_byte_array_append(w, (const guint8 *)"--\n", 3);
    }
    g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(g->returned_stream), w);
    g_mime_parser_init_with_stream(g->parser, g->returned_stream);
    GMimeObject *top = g_mime_parser_construct_part(g->parser, NULL);
    if (!top)
        return;
    GMimeObject *sub = GMIME_IS_MULTIPART(top) && g_mime_multipart_get_count(GMIME_MULTIPART(top)) > 0
                           ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 0)
                           : NULL;
    if (sub && GMIME_IS_MESSAGE_PART(sub)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(sub));
        original_headers(m, inner);
        if (inner)
            inner_reports(m, g_mime_message_get_mime_part(inner), depth + 1);
    }
    g_object_unref(top);
}

/* returned_part - the first returned message, which GMime left as a plain
 * part: its header block as it came, or parsed again (see above) */
static void returned_part(bk_message *m, GMimePart *part, int depth)
{
    struct message_gmime *g = m->gm;
    if (m->has_original)
        return;
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    guint8 *view;
    const char *c;
    size_t n;
    int at_end;
    if (w && part_input_view(g, g_mime_data_wrapper_get_stream(w), &view, &n, &at_end)) {
        c = (const char *)view; /* the part's place in the input */
    } else {
        if (!w)
            return;
        g_byte_array_set_size(g->content, 0);
        g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(g->content_stream), g->content);
        g_mime_data_wrapper_write_to_stream(w, g->content_stream);
        c = (const char *)g->content->data;
        n = g->content->len;
        at_end = 0;
    }
    if (n == 0) /* GMime finds no message in an empty part */
        return;
    size_t hl = plain_header_block(c, n);
    if (hl && bk_ci_find(c, n, "delivery-status") < 0) {
        part_append_clean(&m->original, (const unsigned char *)c, hl);
        m->has_original = 1;
        return;
    }
    if (c == (const char *)g->content->data) { /* the second parse writes over it */
        bk_buf copy = BK_BUF_INIT;
        bk_buf_append(&copy, c, n);
        if (!copy.oom)
            returned_parsed(m, copy.data, copy.len, at_end, depth);
        bk_buf_free(&copy);
        return;
    }
    returned_parsed(m, c, n, at_end, depth);
}

/* walk - read one MIME object and, for multiparts, its children */
static void walk(bk_message *m, GMimeObject *obj, int depth, int skip_html)
{
    if (!obj || depth > WALK_DEPTH_MAX)
        return;
    m->parts++;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int alt = ct && g_mime_content_type_is_type(ct, "multipart", "alternative") &&
                  has_plain_child(mp);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; i++)
            walk(m, g_mime_multipart_get_part(mp, i), depth + 1, alt);
        /* a multipart whose boundary never occurs (old PMDF, broken
         * gateways): its whole body is the prologue, read it as text */
        const char *pro = n == 0 ? g_mime_multipart_get_prologue(mp) : NULL;
        if (pro && pro[0]) {
            if (m->text.len && m->text.data[m->text.len - 1] != '\n')
                bk_buf_putc(&m->text, '\n');
            part_append_clean(&m->text, (const unsigned char *)pro, strlen(pro));
        }
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (ct && (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
                   g_mime_content_type_is_type(ct, "message", "global-delivery-status"))) {
            /* some parsers see the status groups as a message: keep them as text */
            char *s = inner ? g_mime_object_to_string(GMIME_OBJECT(inner), NULL) : NULL;
            if (s) {
                part_append_clean(&m->dsn, (const unsigned char *)s, strlen(s));
                g_free(s);
            }
            return;
        }
        int first = !m->has_original;
        original_headers(m, inner);
        if (first && inner)
            inner_reports(m, g_mime_message_get_mime_part(inner), depth + 1);
        return;
    }
    if (!GMIME_IS_PART(obj) || !ct)
        return;
    GMimePart *part = GMIME_PART(obj);
    const char *type = g_mime_content_type_get_media_type(ct);
    const char *sub = g_mime_content_type_get_media_subtype(ct);
    if (!type || !sub)
        return;
    if (g_ascii_strcasecmp(type, "message") == 0) {
        if (returned_subtype(sub))
            returned_part(m, part, depth);
        else if (g_ascii_strcasecmp(sub, "delivery-status") == 0 ||
            g_ascii_strcasecmp(sub, "global-delivery-status") == 0) {
            if (m->dsn.len)
                bk_buf_putc(&m->dsn, '\n');
            part_content(m->gm, part, 1, &m->dsn);
        } else if (g_ascii_strcasecmp(sub, "feedback-report") == 0)
            part_content(m->gm, part, 1, &m->feedback);
        else if (g_ascii_strcasecmp(sub, "rfc822-headers") == 0 ||
                 g_ascii_strcasecmp(sub, "global-headers") == 0) {
            if (!m->has_original) {
                part_content(m->gm, part, 1, &m->original);
                m->has_original = 1;
            }
        }
        return;
    }
    if (g_ascii_strcasecmp(type, "text") == 0) {
        if (g_ascii_strcasecmp(sub, "rfc822-headers") == 0) {
            if (!m->has_original) {
                part_content(m->gm, part, 1, &m->original);
                m->has_original = 1;
            }
        } else if (g_ascii_strcasecmp(sub, "html") == 0) {
            if (!skip_html)
                text_part(m, part, 1);
        } else if (g_ascii_strcasecmp(sub, "plain") == 0 || g_ascii_strcasecmp(sub, "enriched") == 0 ||
                   !g_mime_object_get_disposition(obj) ||
                   g_ascii_strcasecmp(g_mime_object_get_disposition(obj), "attachment") != 0)
            text_part(m, part, 0);
    }
}

/* returned_leaf - obj is a message/rfc822 part (or its kin) that GMime left
 * unparsed (see message_setup) */
static int returned_leaf(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    return GMIME_IS_PART(obj) && type && sub && g_ascii_strcasecmp(type, "message") == 0 &&
           returned_subtype(sub);
}

/* body_text - obj is the body text beside an attachment: a text part not
 * marked as an attachment, or a multipart/alternative or related */
static int body_text(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (!ct)
        return 0;
    if (GMIME_IS_MULTIPART(obj))
        return g_mime_content_type_is_type(ct, "multipart", "alternative") ||
               g_mime_content_type_is_type(ct, "multipart", "related");
    const char *disp = g_mime_object_get_disposition(obj);
    return GMIME_IS_PART(obj) && g_mime_content_type_is_type(ct, "text", "*") &&
           !(disp && g_ascii_strcasecmp(disp, "attachment") == 0);
}

/* eml_attachment - obj is a message attached as a file its sender's
 * program did not know the type of: application/octet-stream named *.eml */
static int eml_attachment(GMimeObject *obj)
{
    if (!GMIME_IS_PART(obj))
        return 0;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    if (!ct || !g_mime_content_type_is_type(ct, "application", "octet-stream"))
        return 0;
    const char *name = g_mime_part_get_filename(GMIME_PART(obj));
    size_t len = name ? strlen(name) : 0;
    return len > 4 && g_ascii_strcasecmp(name + len - 4, ".eml") == 0;
}

/* attached_message - obj is a whole message attached: a message part GMime
 * left unparsed, or an .eml file */
static int attached_message(GMimeObject *obj)
{
    return returned_leaf(obj) || eml_attachment(obj);
}

/* wrapped_part - the message part of body that may be a whole bounce
 * wrapped in it: body itself, its first part, or (outside a
 * multipart/report, whose message part is the returned original) its one
 * attached message when every other part is body text; NULL when none */
static GMimeObject *wrapped_part(GMimeObject *body)
{
    if (returned_leaf(body))
        return body;
    if (!GMIME_IS_MULTIPART(body))
        return NULL;
    GMimeMultipart *mp = GMIME_MULTIPART(body);
    int n = g_mime_multipart_get_count(mp);
    GMimeObject *first = n > 0 ? g_mime_multipart_get_part(mp, 0) : NULL;
    if (!first || attached_message(first))
        return first;
    GMimeContentType *ct = g_mime_object_get_content_type(body);
    if (ct && g_mime_content_type_is_type(ct, "multipart", "report"))
        return NULL;
    GMimeObject *one = NULL;
    for (int i = 0; i < n; i++) {
        GMimeObject *c = g_mime_multipart_get_part(mp, i);
        if (attached_message(c) && !one)
            one = c;
        else if (!body_text(c))
            return NULL;
    }
    return one;
}

/* wrapped_keep - where the content of the wrapped message part obj lies
 * (transfer encoding removed) into m->wrapped: in the input when it is
 * there as it came, else copied */
static void wrapped_keep(bk_message *m, GMimeObject *obj)
{
    guint8 *data;
    size_t len;
    int in_input;
    if (!part_content_bytes(m->gm, g_mime_part_get_content(GMIME_PART(obj)), &data, &len, &in_input) ||
        len == 0)
        return;
    if (!in_input) { /* g->content, which the next part read writes over */
        bk_buf_append(&m->wrapped_copy, (const char *)data, len);
        if (m->wrapped_copy.oom)
            return;
        data = (guint8 *)m->wrapped_copy.data;
    }
    m->wrapped = (const char *)data;
    m->wrapped_len = len;
}

/* header_text - a field's decoded value: as it came when it is plain ASCII
 * without encoded words (decoding and unfolding would keep it as it is, and
 * fields_add folds its white space), else as GMime decodes it */
static const char *header_text(GMimeHeader *h)
{
    const char *raw = g_mime_header_get_raw_value(h);
    if (!raw)
        return g_mime_header_get_value(h);
    return bk_encoded_or_8bit(raw, strlen(raw)) ? g_mime_header_get_value(h) : raw;
}

/* field_decoded - a raw field value v[0..n) as g_mime_header_get_value()
 * gives it (unfolded, then decoded: unfolded text without 8-bit bytes or
 * "=?" is what the decoding gives back, see bk_encoded_or_8bit); g_free() it */
static char *field_decoded(const char *v, size_t n)
{
    char *raw = g_strndup(v, n);
    char *unfolded = g_mime_utils_header_unfold(raw);
    g_free(raw);
    if (!unfolded || !bk_encoded_or_8bit(unfolded, strlen(unfolded)))
        return unfolded;
    char *dec = g_mime_utils_header_decode_text(NULL, unfolded);
    g_free(unfolded);
    return dec;
}

/* field_value - a field into head, its value from its raw text v[0..n)
 * (what follows the colon, through its last line end; no NUL byte) as
 * header_text() would give it: as it came (unfolded when asked for, see
 * fields_add_raw), or unfolded and decoded as g_mime_header_get_value()
 * does */
static void field_value(field_block *head, const char *name, size_t name_len, const char *v,
                        size_t n)
{
    if (!bk_encoded_or_8bit(v, n)) {
        fields_add_raw(head, name, name_len, v, n);
        return;
    }
    char *dec = field_decoded(v, n);
    const char *value = dec ? dec : "";
    fields_add(head, name, name_len, value, strlen(value));
    g_free(dec);
}

/* field_end - the end of the field that starts at p[i] of the plain header
 * block p[0..hl): past its last continuation line */
static size_t field_end(const char *p, size_t i, size_t hl)
{
    size_t e = i;
    do {
        const char *nl = memchr(p + e, '\n', hl - e);
        e = nl ? (size_t)(nl - p) + 1 : hl;
    } while (e < hl && (p[e] == ' ' || p[e] == '\t'));
    return e;
}

/* what own_header reads into: the message, its text, the Content- fields */
struct own_read {
    bk_message *m;
    const char *msg;
    GArray *cf;
    int n;
};

/* own_field - the field msg[at..end) of the header block, whose name is
 * name_len bytes long, into m->head, and where it is into cf when it is a
 * Content- field (struct own_field) */
static void own_field(void *ctx, size_t at, size_t name_len, size_t end)
{
    struct own_read *r = ctx;
    const char *msg = r->msg;
    const char *colon = memchr(msg + at + name_len, ':', end - at - name_len);
    field_value(&r->m->head, msg + at, name_len, colon + 1, (size_t)(msg + end - (colon + 1)));
    if (name_len >= 8 && bk_ci_same(msg + at, "Content-", 8)) {
        struct own_field f = {at, end, name_len == 12 && bk_ci_same(msg + at + 8, "Type", 4)};
        g_array_append_val(r->cf, f);
    }
    r->n++;
}

/* own_header - the message's header block read here when it is plain (see
 * header_walk), in the same pass: every field into m->head as GMime would
 * give it back, where its Content- fields are (the only ones GMime reads of
 * it) into cf (struct own_field) and its length into *hl_out. Returns the
 * number of fields, or -1 (m->head left empty) when the block is not plain. */
static int own_header(bk_message *m, const char *msg, size_t len, GArray *cf, size_t *hl_out)
{
    struct own_read r = {m, msg, cf, 0};
    g_array_set_size(cf, 0);
    size_t hl = header_walk(msg, len, own_field, &r);
    if (hl == 0) {
        fields_reset(&m->head);
        return -1;
    }
    *hl_out = hl;
    return r.n;
}

/* multipart_named - the first Content-Type of cf names a multipart/ type
 * (after blanks); what GMime decides stays its own (see gmime_input) */
static int multipart_named(const char *msg, const GArray *cf)
{
    for (guint k = 0; k < cf->len; k++) {
        const struct own_field *f = &g_array_index(cf, struct own_field, k);
        if (!f->type)
            continue;
        const char *v = (const char *)memchr(msg + f->at, ':', f->end - f->at) + 1;
        size_t n = (size_t)(msg + f->end - v);
        while (n > 0 && (*v == ' ' || *v == '\t'))
            v++, n--;
        return bk_ci_prefix(v, n, "multipart/");
    }
    return 0;
}

/* gmime_input - what GMime is given of a message with a plain own header:
 * its Content- fields, then the rest of the message, into input. A
 * multipart's own fields other than Content-Type are read by nothing in
 * its tree that message_read asks for, so with types_only they are left
 * out when its Content-Type names a multipart (GMime's header objects cost
 * more than the rest of the part). Returns 1 when fields were left out. */
static int gmime_input(GByteArray *input, const char *msg, size_t len, const GArray *cf,
                       size_t hl, int types_only)
{
    int only = types_only && multipart_named(msg, cf);
    int left_out = 0;
    g_byte_array_set_size(input, 0);
    for (guint k = 0; k < cf->len; k++) {
        const struct own_field *f = &g_array_index(cf, struct own_field, k);
        if (only && !f->type) {
            left_out = 1;
            continue;
        }
        g_byte_array_append(input, (const guint8 *)msg + f->at, (guint)(f->end - f->at));
    }
    g_byte_array_append(input, (const guint8 *)msg + hl, (guint)(len - hl));
    return left_out;
}

/* the Content-Type and Content-Transfer-Encoding fields of the block GMime
 * is given (see own_header), and where its empty line is */
struct content_fields {
    const char *type, *encoding; /* raw values (after the colon), NULL: absent */
    size_t type_len, encoding_len;
    size_t head_len;             /* the fields' length; the empty line follows */
};

/* content_fields - f from in[0..n), GMime's input after own_header: a plain
 * block of Content- fields, an empty line, the body. 0 when either field
 * comes twice or a name has blanks before its colon (left to GMime). */
static int content_fields(const char *in, size_t n, struct content_fields *f)
{
    memset(f, 0, sizeof *f);
    size_t hl = 0; /* the first empty line */
    while (hl < n && in[hl] != '\n') {
        const char *nl = memchr(in + hl, '\n', n - hl);
        if (!nl)
            return 0;
        hl = (size_t)(nl - in) + 1;
    }
    if (hl >= n)
        return 0;
    for (size_t i = 0; i < hl;) {
        size_t e = field_end(in, i, hl);
        const char *colon = memchr(in + i, ':', e - i);
        if (!colon)
            return 0;
        size_t name_len = (size_t)(colon - (in + i));
        const char **v = name_len == 12 && g_ascii_strncasecmp(in + i, "Content-Type", 12) == 0
                             ? &f->type
                             : name_len == 25 && g_ascii_strncasecmp(in + i, "Content-Transfer-Encoding", 25) == 0
                                   ? &f->encoding
                                   : NULL;
        if (name_len && (in[i + name_len - 1] == ' ' || in[i + name_len - 1] == '\t'))
            return 0;
        if (v) {
            if (*v)
                return 0;
            *v = colon + 1;
            *(v == &f->type ? &f->type_len : &f->encoding_len) = (size_t)(in + e - (colon + 1));
        }
        i = e;
    }
    f->head_len = hl;
    return 1;
}

/* leaf_type - the content type GMime gives a message of these fields: the
 * Content-Type value decoded and parsed as GMime does, or text/plain without
 * it. NULL unless GMime's parser would also make a single part of it (its
 * raw value names a text/ type; GMime decides that on the raw value). */
static GMimeContentType *leaf_type(const struct content_fields *f)
{
    if (!f->type)
        return g_mime_content_type_new("text", "plain");
    size_t k = 0;
    while (k < f->type_len && (f->type[k] == ' ' || f->type[k] == '\t'))
        k++;
    if (!bk_ci_prefix(f->type + k, f->type_len - k, "text/"))
        return NULL;
    char *value = field_decoded(f->type, f->type_len);
    GMimeContentType *ct = value ? g_mime_content_type_parse(NULL, value) : NULL;
    g_free(value);
    return ct;
}

/* content_type_into - the message's content type and report-type into m */
static void content_type_into(bk_message *m, GMimeContentType *ct)
{
    append_lower(&m->content_type, g_mime_content_type_get_media_type(ct));
    bk_buf_putc(&m->content_type, '/');
    append_lower(&m->content_type, g_mime_content_type_get_media_subtype(ct));
    append_lower(&m->report_type, g_mime_content_type_get_parameter(ct, "report-type"));
}

/* single_part - a message GMime would parse as one text/plain part (see
 * above), read without its tree: the type and transfer encoding read with
 * GMime's own parsers, the content the input after the empty line (GMime's
 * view of a part that runs to the end). 1 when done; 0 when it is not such a
 * message (nothing done). */
static int single_part(bk_message *m)
{
    struct message_gmime *g = m->gm;
    struct content_fields f;
    if (!content_fields((const char *)g->input->data, g->input->len, &f))
        return 0;
    GMimeContentType *ct = leaf_type(&f);
    if (!ct)
        return 0;
    GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
    if (f.encoding) {
        char *value = field_decoded(f.encoding, f.encoding_len);
        enc = g_mime_content_encoding_from_string(value ? value : "");
        g_free(value);
    }
    if (!g_mime_content_type_is_type(ct, "text", "plain") || enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        g_object_unref(ct);
        return 0;
    }
    m->parts = 1;
    content_type_into(m, ct);
    guint8 *data = g->input->data + f.head_len + 1;
    size_t len = g->input->len - f.head_len - 1;
    part_view_decoded(g, enc, &data, &len);
    part_content_text(g, g_mime_content_type_get_parameter(ct, "charset"), 1, data, len, &m->text);
    g_object_unref(ct);
    return 1;
}

/* message_done - what message_read checks of the model it built from nh
 * header fields: 0, or -1 with why */
static int message_done(bk_message *m, int nh, char *why, size_t whylen)
{
    m->from = fields_take(&m->head, "From", 4, &m->from_len);
    m->subject = fields_take(&m->head, "Subject", 7, &m->subject_len);
    bk_pairs_set(m->from_pairs, m->from, m->from ? m->from_len : 0);
    if (nh == 0 && m->text.len == 0) {
        snprintf(why, whylen, "not a mail message: no header fields and no text");
        return -1;
    }
    m->original_at = original_start(m);
    if (m->text.oom || m->dsn.oom || m->original.oom || m->inner_dsn.oom || m->head.store.oom) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

/* parsed - the MIME tree GMime builds of g->input */
static GMimeObject *parsed(struct message_gmime *g)
{
    g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(g->input_stream), g->input);
    g_mime_parser_init_with_stream(g->parser, g->input_stream);
    g_mime_parser_set_format(g->parser, GMIME_FORMAT_MESSAGE);
    return g_mime_parser_construct_part(g->parser, NULL);
}

/* blank_lines - the length of the lines of blanks at the start of msg (a
 * message saved with an empty or space-filled line before its header),
 * when a header field follows them; 0 otherwise. Bounded: 8 lines, 4 KB. */
static size_t blank_lines(const char *msg, size_t len)
{
    size_t at = 0, max = len < 4096 ? len : 4096;
    for (int lines = 0; lines < 8; lines++) {
        size_t k = at;
        while (k < max && (msg[k] == ' ' || msg[k] == '\t'))
            k++;
        if (k >= max || msg[k] != '\n')
            break;
        at = k + 1;
    }
    if (at == 0 || at >= len)
        return 0;
    /* a field name, then its colon */
    size_t k = at;
    while (k < len && k - at < 80 && msg[k] > ' ' && msg[k] < 127 && msg[k] != ':')
        k++;
    return k > at && k < len && msg[k] == ':' ? at : 0;
}

/* message_read - take msg apart into m */
int message_read(bk_message *m, const char *msg, size_t len, char *why, size_t whylen)
{
    size_t skip = blank_lines(msg, len);
    msg += skip;
    len -= skip;
    reset(m);
    if (!m->gm)
        m->gm = gmime_new();
    struct message_gmime *g = m->gm;
    if (!m->marks)
        m->marks = markers_new(); /* without it message_find searches directly */
    if (m->marks)
        markers_next(m->marks);
    size_t head_len = 0;
    int nh = own_header(m, msg, len, g->own_fields, &head_len);
    int left_out = 0;
    if (nh < 0) {
        g_byte_array_set_size(g->input, 0);
        g_byte_array_append(g->input, (const guint8 *)msg, (guint)len);
    } else
        left_out = gmime_input(g->input, msg, len, g->own_fields, head_len, 1);
    if (nh >= 0 && !left_out && single_part(m))
        return message_done(m, nh, why, whylen);
    GMimeObject *body = parsed(g);
    if (left_out && body && !GMIME_IS_MULTIPART(body)) {
        /* GMime made no multipart of it: its tree with every Content- field */
        g_object_unref(body);
        gmime_input(g->input, msg, len, g->own_fields, head_len, 0);
        body = parsed(g);
    }
    if (!body) {
        snprintf(why, whylen, "not a mail message: no header block could be read");
        return -1;
    }
    if (nh < 0) { /* GMime read the header block: its fields, decoded */
        GMimeHeaderList *hl = g_mime_object_get_header_list(body);
        nh = hl ? g_mime_header_list_get_count(hl) : 0;
        for (int i = 0; i < nh; i++) {
            GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
            const char *name = g_mime_header_get_name(h);
            const char *value = header_text(h);
            if (name)
                fields_add(&m->head, name, strlen(name), value ? value : "", value ? strlen(value) : 0);
        }
    }
    GMimeContentType *ct = g_mime_object_get_content_type(body);
    if (ct)
        content_type_into(m, ct);
    walk(m, body, 0, 0);
    if (!m->dsn.len && !m->feedback.len) {
        GMimeObject *wrapped = wrapped_part(body);
        if (wrapped)
            wrapped_keep(m, wrapped);
    }
    g_object_unref(body);
    return message_done(m, nh, why, whylen);
}
