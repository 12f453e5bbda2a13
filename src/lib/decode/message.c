/*
 * message.c - a bounce message taken apart with GMime (see message.h).
 *
 * The MIME tree is walked once: text parts become the readable text (a
 * text/html part only when its multipart/alternative has no text/plain),
 * delivery-status and feedback-report parts are kept as they are (transfer
 * encoding removed), and the first returned message gives its header block.
 * Nothing inside the returned message is read as the bounce's own text.
 */
#include "message.h"
#include "text.h"

#include <gmime/gmime.h>
#include <string.h>

#define WALK_DEPTH_MAX 16

/* message_init - an empty message model */
void message_init(bk_message *m)
{
    memset(m, 0, sizeof *m);
}

/* message_free - release its memory */
void message_free(bk_message *m)
{
    fields_free(&m->head);
    bk_buf_free(&m->content_type);
    bk_buf_free(&m->report_type);
    bk_buf_free(&m->text);
    bk_buf_free(&m->dsn);
    bk_buf_free(&m->feedback);
    bk_buf_free(&m->original);
    bk_buf_free(&m->inner_dsn);
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
    m->has_original = 0;
    m->parts = 0;
}

/* append_lower - append s in ASCII lower case */
static void append_lower(bk_buf *b, const char *s)
{
    for (; s && *s; s++)
        bk_buf_putc(b, (char)bk_lower((unsigned char)*s));
}

/* append_clean - append UTF-8 text: CR dropped, invalid bytes and control
 * characters other than tab and LF replaced, up to MESSAGE_TEXT_MAX in all */
static void append_clean(bk_buf *b, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && b->len < MESSAGE_TEXT_MAX) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f) { /* a run of printable ASCII, copied at once */
            size_t k = i + 1;
            while (k < n && p[k] >= 0x20 && p[k] < 0x7f)
                k++;
            if (b->len + (k - i) > MESSAGE_TEXT_MAX)
                k = i + (MESSAGE_TEXT_MAX - b->len);
            bk_buf_append(b, (const char *)p + i, k - i);
            i = k;
            continue;
        }
        if (c < 0x80) {
            if (c == '\r') {
                if (i + 1 < n && p[i + 1] == '\n') {
                    i++;
                    continue;
                }
                c = '\n';
            } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                c = ' ';
            bk_buf_putc(b, (char)c);
            i++;
            continue;
        }
        size_t k = bk_utf8_seq_len(p + i, n - i);
        if (k == 0) {
            bk_buf_putc(b, '?');
            i++;
        } else {
            bk_buf_append(b, (const char *)p + i, k);
            i += k;
        }
    }
}

/* iso2022_marked - text without a charset label that holds ISO-2022-JP escapes */
static int iso2022_marked(const GByteArray *a)
{
    for (guint i = 0; i + 2 < a->len; i++)
        if (a->data[i] == 0x1b && a->data[i + 1] == '$' &&
            (a->data[i + 2] == 'B' || a->data[i + 2] == '@'))
            return 1;
    return 0;
}

/* part_content - a leaf part's content, transfer encoding removed; converted
 * from its charset to UTF-8 when utf8 is set. Appended to out. */
static void part_content(GMimePart *part, int utf8, bk_buf *out)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (!w)
        return;
    GMimeStream *mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, mem);
    GByteArray *raw = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    if (utf8 && !charset && iso2022_marked(raw))
        charset = "iso-2022-jp";
    if (utf8 && charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
        g_ascii_strcasecmp(charset, "us-ascii") != 0) {
        GMimeFilter *conv = g_mime_filter_charset_new(charset, "UTF-8");
        if (conv) {
            GMimeStream *mem2 = g_mime_stream_mem_new();
            GMimeStream *filter = g_mime_stream_filter_new(mem2);
            g_mime_stream_filter_add(GMIME_STREAM_FILTER(filter), conv);
            g_mime_stream_write(filter, (const char *)raw->data, raw->len);
            g_mime_stream_flush(filter);
            GByteArray *conv_bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem2));
            append_clean(out, conv_bytes->data, conv_bytes->len);
            g_object_unref(conv);
            g_object_unref(filter);
            g_object_unref(mem2);
            g_object_unref(mem);
            return;
        }
    }
    append_clean(out, raw->data, raw->len);
    g_object_unref(mem);
}

/* append_html_text - the text of an HTML part: tags dropped, a line break for
 * block ends, the commonest entities decoded */
static void append_html_text(bk_buf *out, const char *p, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } entities[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'},
                    {"&nbsp;", ' '}, {"&#39;", '\''}};
    size_t i = 0;
    while (i < n) {
        if (p[i] == '<') {
            const char *close = memchr(p + i, '>', n - i);
            size_t end = close ? (size_t)(close - p) + 1 : n;
            if (bk_ci_prefix(p + i, end - i, "<br") || bk_ci_prefix(p + i, end - i, "</p") ||
                bk_ci_prefix(p + i, end - i, "</div") || bk_ci_prefix(p + i, end - i, "</tr") ||
                bk_ci_prefix(p + i, end - i, "<p"))
                bk_buf_putc(out, '\n');
            else
                bk_buf_putc(out, ' ');
            i = end;
            continue;
        }
        if (p[i] == '&') {
            size_t k;
            for (k = 0; k < sizeof entities / sizeof entities[0]; k++)
                if (bk_ci_prefix(p + i, n - i, entities[k].name))
                    break;
            if (k < sizeof entities / sizeof entities[0]) {
                bk_buf_putc(out, entities[k].c);
                i += strlen(entities[k].name);
                continue;
            }
        }
        bk_buf_putc(out, p[i]);
        i++;
    }
}

/* text_part - a text part into the readable text */
static void text_part(bk_message *m, GMimePart *part, int html)
{
    if (m->text.len && m->text.data[m->text.len - 1] != '\n')
        bk_buf_putc(&m->text, '\n');
    if (!html) {
        part_content(part, 1, &m->text);
        return;
    }
    bk_buf tmp = BK_BUF_INIT;
    part_content(part, 1, &tmp);
    append_html_text(&m->text, tmp.data ? tmp.data : "", tmp.len);
    bk_buf_free(&tmp);
}

/* original_headers - the header block of a returned message */
static void original_headers(bk_message *m, GMimeMessage *inner)
{
    if (m->has_original || !inner)
        return;
    char *h = g_mime_object_get_headers(GMIME_OBJECT(inner), NULL);
    if (h) {
        append_clean(&m->original, (const unsigned char *)h, strlen(h));
        g_free(h);
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
            append_clean(&m->inner_dsn, (const unsigned char *)s, strlen(s));
            g_free(s);
        }
    } else if (GMIME_IS_PART(obj))
        part_content(GMIME_PART(obj), 1, &m->inner_dsn);
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
            append_clean(&m->text, (const unsigned char *)pro, strlen(pro));
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
                append_clean(&m->dsn, (const unsigned char *)s, strlen(s));
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
        if (g_ascii_strcasecmp(sub, "delivery-status") == 0 ||
            g_ascii_strcasecmp(sub, "global-delivery-status") == 0) {
            if (m->dsn.len)
                bk_buf_putc(&m->dsn, '\n');
            part_content(part, 1, &m->dsn);
        } else if (g_ascii_strcasecmp(sub, "feedback-report") == 0)
            part_content(part, 1, &m->feedback);
        else if (g_ascii_strcasecmp(sub, "rfc822-headers") == 0 ||
                 g_ascii_strcasecmp(sub, "rfc822") == 0 ||
                 g_ascii_strcasecmp(sub, "global") == 0 ||
                 g_ascii_strcasecmp(sub, "global-headers") == 0) {
            if (!m->has_original) {
                part_content(part, 1, &m->original);
                m->has_original = 1;
            }
        }
        return;
    }
    if (g_ascii_strcasecmp(type, "text") == 0) {
        if (g_ascii_strcasecmp(sub, "rfc822-headers") == 0) {
            if (!m->has_original) {
                part_content(part, 1, &m->original);
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

/* message_read - take msg apart into m */
int message_read(bk_message *m, const char *msg, size_t len, char *why, size_t whylen)
{
    reset(m);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *gm = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    if (!gm) {
        snprintf(why, whylen, "not a mail message: no header block could be read");
        return -1;
    }
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));
    int nh = hl ? g_mime_header_list_get_count(hl) : 0;
    for (int i = 0; i < nh; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        const char *value = g_mime_header_get_value(h);
        if (name)
            fields_add(&m->head, name, strlen(name), value ? value : "", value ? strlen(value) : 0);
    }
    GMimeObject *body = g_mime_message_get_mime_part(gm);
    GMimeContentType *ct = body ? g_mime_object_get_content_type(body) : NULL;
    if (ct) {
        append_lower(&m->content_type, g_mime_content_type_get_media_type(ct));
        bk_buf_putc(&m->content_type, '/');
        append_lower(&m->content_type, g_mime_content_type_get_media_subtype(ct));
        append_lower(&m->report_type, g_mime_content_type_get_parameter(ct, "report-type"));
    }
    walk(m, body, 0, 0);
    g_object_unref(gm);
    if (nh == 0 && m->text.len == 0) {
        snprintf(why, whylen, "not a mail message: no header fields and no text");
        return -1;
    }
    if (m->text.oom || m->dsn.oom || m->original.oom || m->inner_dsn.oom || m->head.store.oom) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

/* message_header - the decoded value of the message's own field name */
const char *message_header(const bk_message *m, const char *name, size_t *len)
{
    return fields_get(&m->head, name, len);
}
