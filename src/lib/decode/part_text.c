/*
 * part_text.c - a MIME part's content as text (see message_gmime.h): the
 * transfer encoding removed (from the input itself where GMime left a view
 * of it), the charset converted to UTF-8 with GMime's filters (one kept per
 * charset), the bytes cleaned (CR, control characters, invalid UTF-8), and
 * an HTML part reduced to its text.
 */
#include "message.h"
#include "message_gmime.h"
#include "text.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* converter - a reset charset-to-UTF-8 filter for charset, or NULL when
 * GMime cannot convert from it */
static GMimeFilter *converter(struct message_gmime *g, const char *charset)
{
    for (size_t i = 0; i < g->n_conv; i++)
        if (g_ascii_strcasecmp(g->conv[i].charset, charset) == 0) {
            if (g->conv[i].filter)
                g_mime_filter_reset(g->conv[i].filter);
            return g->conv[i].filter;
        }
    size_t slot = g->n_conv < CONVERTERS_MAX ? g->n_conv++ : g->next_conv++ % CONVERTERS_MAX;
    if (g->conv[slot].charset) {
        g_free(g->conv[slot].charset);
        if (g->conv[slot].filter)
            g_object_unref(g->conv[slot].filter);
    }
    g->conv[slot].charset = g_strdup(charset);
    g->conv[slot].filter = g_mime_filter_charset_new(charset, "UTF-8");
    return g->conv[slot].filter;
}

/* kept_byte - printable ASCII, tab or LF: what part_append_clean copies as it is */
static int kept_byte(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t';
}

/* kept_run - the length of the run of kept_byte()s at the start of p[0..n) */
static size_t kept_run(const unsigned char *p, size_t n)
{
    size_t k = 0;
#ifdef __SSE2__
    /* 16 bytes at a time: as signed bytes, printable ASCII and DEL are the
     * ones above 0x1f; DEL is taken out, tab and LF put in */
    const __m128i above = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
    const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n');
    for (; n - k >= 16; k += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i ok = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, del), _mm_cmpgt_epi8(x, above)),
                                  _mm_or_si128(_mm_cmpeq_epi8(x, tab), _mm_cmpeq_epi8(x, lf)));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;
        if (bad)
            return k + (size_t)__builtin_ctz(bad);
    }
#endif
    while (k < n && kept_byte(p[k]))
        k++;
    return k;
}

/* clean_run - the length of the run at the start of p[0..n) that
 * part_append_clean copies as it is: kept_byte()s and valid UTF-8 sequences */
static size_t clean_run(const unsigned char *p, size_t n)
{
    size_t k = 0;
    for (;;) {
        k += kept_run(p + k, n - k);
        size_t q = k < n && p[k] >= 0x80 ? bk_utf8_seq_len(p + k, n - k) : 0;
        if (q == 0)
            return k;
        k += q;
    }
}

/* part_append_clean - append UTF-8 text: CR dropped, invalid bytes and control
 * characters other than tab and LF replaced, up to MESSAGE_TEXT_MAX in all
 * (a character begun below it is kept whole) */
void part_append_clean(bk_buf *b, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && b->len < MESSAGE_TEXT_MAX) {
        size_t k = clean_run(p + i, n - i);
        if (k > 0) {
            /* copied at once; cut at the limit, past a character it splits */
            size_t room = MESSAGE_TEXT_MAX - b->len;
            while (room < k && (p[i + room] & 0xc0) == 0x80)
                room++;
            k = k < room ? k : room;
            bk_buf_append(b, (const char *)p + i, k);
            i += k;
            continue;
        }
        unsigned char c = p[i];
        if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
            i++;
            continue;
        }
        /* a control byte or DEL, a CR alone, a byte of no valid sequence */
        bk_buf_putc(b, c >= 0x80 ? '?' : c == '\r' ? '\n' : ' ');
        i++;
    }
}

/* iso2022_marked - text without a charset label that holds ISO-2022-JP escapes */
static int iso2022_marked(const guint8 *p, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        const guint8 *esc = memchr(p + i, 0x1b, n - 2 - i); /* at i .. n - 3 */
        if (!esc)
            return 0;
        i = (size_t)(esc - p);
        if (p[i + 1] == '$' && (p[i + 2] == 'B' || p[i + 2] == '@'))
            return 1;
    }
    return 0;
}

/* part_input_view - where a part's content stream s lies in the input: GMime
 * keeps a part's content as a bounded view of the stream it parsed, which is
 * what the stream gives when written out. 1 with *c, *n and *at_end (it runs
 * to the input's end) set; 0 when s is not such a view. */
int part_input_view(const struct message_gmime *g, GMimeStream *s, guint8 **c, size_t *n,
                    int *at_end)
{
    if (!s || !GMIME_IS_STREAM_MEM(s) || GMIME_STREAM_MEM(s)->buffer != g->input ||
        s->bound_start < 0 || (guint64)s->bound_start > g->input->len)
        return 0;
    size_t end = s->bound_end < 0 || (guint64)s->bound_end > g->input->len ? g->input->len
                                                                           : (size_t)s->bound_end;
    if (end < (size_t)s->bound_start)
        return 0;
    *c = g->input->data + s->bound_start;
    *n = end - (size_t)s->bound_start;
    *at_end = end == g->input->len;
    return 1;
}

/* ascii_superset - charset (as a part names it) writes the bytes below 0x80
 * as ASCII, one byte a character, so that text of those bytes alone is its
 * own UTF-8 (ISO-2022-JP only without the escape and shift bytes that
 * ascii_only() leaves out) */
static int ascii_superset(const char *charset)
{
    static const char *const prefixes[] = {"iso-8859-", "iso8859-", "windows-125", "cp125", "koi8-"};
    static const char *const names[] = {"iso-2022-jp", "gb2312", "gbk", "gb18030",
                                        "big5", "euc-jp", "euc-kr"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (g_ascii_strncasecmp(charset, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return listed(charset, names, sizeof names / sizeof names[0]);
}

/* ascii_only - p[0..n) holds no byte above 0x7f and no ESC, SO or SI */
static int ascii_only(const guint8 *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i esc = _mm_set1_epi8(0x1b), so = _mm_set1_epi8(0x0e), si = _mm_set1_epi8(0x0f);
    for (; n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(x, esc),
                                   _mm_or_si128(_mm_cmpeq_epi8(x, so), _mm_cmpeq_epi8(x, si)));
        if (_mm_movemask_epi8(_mm_or_si128(x, odd)))
            return 0;
    }
#endif
    for (; i < n; i++)
        if (p[i] >= 0x80 || p[i] == 0x1b || p[i] == 0x0e || p[i] == 0x0f)
            return 0;
    return 1;
}

/* part_view_decoded - *data[0..*len) (a view of the input) with its base64 or
 * quoted-printable transfer encoding removed into g->content, in one step:
 * what GMime's decoding filter writes, without its stream objects; other
 * encodings leave the view as it is */
void part_view_decoded(struct message_gmime *g, GMimeContentEncoding enc, guint8 **data,
                       size_t *len)
{
    if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
        return;
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, enc);
    size_t room = g_mime_encoding_outlen(&state, *len);
    g_byte_array_set_size(g->content, (guint)room);
    size_t n = g_mime_encoding_step(&state, (const char *)*data, *len, (char *)g->content->data);
    n += g_mime_encoding_flush(&state, "", 0, (char *)g->content->data + n);
    g_byte_array_set_size(g->content, (guint)n);
    *data = g->content->data;
    *len = g->content->len;
}

/* part_content_text - a part's content data[0..len) (transfer encoding removed)
 * appended to out; converted from its charset to UTF-8 when utf8 is set */
void part_content_text(struct message_gmime *g, const char *charset, int utf8,
                       const guint8 *data, size_t len, bk_buf *out)
{
    if (utf8 && !charset && iso2022_marked(data, len))
        charset = "iso-2022-jp";
    if (utf8 && charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
        g_ascii_strcasecmp(charset, "us-ascii") != 0 &&
        !(ascii_superset(charset) && ascii_only(data, len))) {
        /* (ASCII text in a charset that writes ASCII as ASCII is what the
         * conversion would give back) */
        GMimeFilter *conv = converter(g, charset);
        if (conv) {
            /* what a filter stream writes: the filtered content, then what
             * completing the filter leaves */
            char none[1] = "", *o = NULL;
            size_t olen = 0, opre = 0;
            g_byte_array_set_size(g->converted, 0);
            g_mime_filter_filter(conv, (char *)data, len, 0, &o, &olen, &opre);
            g_byte_array_append(g->converted, (const guint8 *)o, (guint)olen);
            g_mime_filter_complete(conv, none, 0, 0, &o, &olen, &opre);
            g_byte_array_append(g->converted, (const guint8 *)o, (guint)olen);
            part_append_clean(out, g->converted->data, g->converted->len);
            return;
        }
    }
    part_append_clean(out, data, len);
}

/* part_content_bytes - the content of w, transfer encoding removed: a view of
 * the input (*in_input set) or g->content (valid until the next part is
 * read); 0 when the part has none */
int part_content_bytes(struct message_gmime *g, GMimeDataWrapper *w, guint8 **data,
                       size_t *len, int *in_input)
{
    if (!w)
        return 0;
    int at_end;
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
    int in_view = part_input_view(g, g_mime_data_wrapper_get_stream(w), data, len, &at_end);
    if (in_view && enc != GMIME_CONTENT_ENCODING_UUENCODE) {
        /* part_view_decoded leaves the view as it is but for these two */
        *in_input = enc != GMIME_CONTENT_ENCODING_BASE64 &&
                    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
        part_view_decoded(g, enc, data, len);
    } else {
        /* decoded by GMime (what it does with the other encodings is no
         * more than giving the view's bytes) */
        g_byte_array_set_size(g->content, 0);
        g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(g->content_stream), g->content);
        g_mime_data_wrapper_write_to_stream(w, g->content_stream);
        *data = g->content->data;
        *len = g->content->len;
        *in_input = 0;
    }
    return 1;
}

/* part_content - a leaf part's content, transfer encoding removed; converted
 * from its charset to UTF-8 when utf8 is set. Appended to out. */
void part_content(struct message_gmime *g, GMimePart *part, int utf8, bk_buf *out)
{
    guint8 *data;
    size_t len;
    int in_input;
    if (!part_content_bytes(g, g_mime_part_get_content(part), &data, &len, &in_input))
        return;
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    part_content_text(g, charset, utf8, data, len, out);
}

/* markup_stop - the place of the first '<' or '&' in p[i..n), or n; 16
 * bytes at a time */
static size_t markup_stop(const char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&');
    for (; i < n && n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned hit = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, amp)));
        if (hit)
            return i + (size_t)__builtin_ctz(hit);
    }
#endif
    while (i < n && p[i] != '<' && p[i] != '&')
        i++;
    return i;
}

/* part_append_html - the text of an HTML part: tags dropped, a line break for
 * block ends, the commonest entities decoded */
void part_append_html(bk_buf *out, const char *p, size_t n)
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
        size_t e = markup_stop(p, i + 1, n); /* the text up to the next tag or entity */
        bk_buf_append(out, p + i, e - i);
        i = e;
    }
}

