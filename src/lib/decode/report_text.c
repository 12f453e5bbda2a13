/*
 * report_text.c - what the formats do alike with what a report says
 * (see report_text.h).
 */
#include "report_text.h"
#include "text.h"

#include <string.h>

/* header_span - the field's value or an empty span */
span header_span(const bk_message *m, const char *name)
{
    size_t len;
    const char *v = message_header(m, name, &len);
    span s = {v ? v : "", v ? len : 0};
    return s;
}

/* command_word - the command of the leading word */
bk_command command_word(span s)
{
    size_t k = 0;
    while (k < s.len && bk_is_alpha((unsigned char)s.p[k]))
        k++;
    return bk_command_parse(s.p, k);
}

/* line_after - past the marker's line */
int line_after(const bk_buf *text, const char *marker, size_t end, size_t *pos)
{
    size_t depth;
    return line_after_quoted(text, marker, end, pos, &depth);
}

/* line_after_quoted - past the marker's line, and the quote marks before it */
int line_after_quoted(const bk_buf *text, const char *marker, size_t end, size_t *pos,
                      size_t *depth)
{
    long at = text_find(text, marker);
    if (at < 0 || (size_t)at >= end)
        return 0;
    size_t start = (size_t)at, d = 0;
    while (start > 0 && text->data[start - 1] != '\n')
        start--;
    for (size_t i = start; i < (size_t)at; i++) {
        char c = text->data[i];
        if (c == '>')
            d++;
        else if (c != ' ' && c != '\t') {
            d = 0;
            break;
        }
    }
    *depth = d;
    span line;
    *pos = (size_t)at;
    line_next(text->data, end, pos, &line);
    return 1;
}

/* unquoted - the line inside depth quote marks */
int unquoted(span line, size_t depth, span *out)
{
    span s = line;
    for (size_t k = 0; k < depth; k++) {
        while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
            s = span_from(s, 1);
        if (!s.len || s.p[0] != '>')
            return 0;
        s = span_from(s, 1);
        if (s.len && s.p[0] == ' ')
            s = span_from(s, 1);
    }
    *out = s;
    return 1;
}

/* angle_colon_address - s is "<a@b>:"; *a the address inside */
static int angle_colon_address(span s, span *a)
{
    if (s.len <= 3 || s.p[0] != '<' || s.p[s.len - 1] != ':' || s.p[s.len - 2] != '>')
        return 0;
    span in = {s.p + 1, s.len - 3};
    if (!is_address(in))
        return 0;
    *a = in;
    return 1;
}

/* block_gap - a blank line ends a block that has text */
int block_gap(span s, found_rcpt **cur)
{
    if (s.len)
        return 0;
    if (*cur && (*cur)->diag_len)
        *cur = NULL;
    return 1;
}

/* angle_blocks - "<a@b>:" heads and the lines under each */
void angle_blocks(const bk_message *m, found *out, const char *lead, size_t end, size_t max,
                  void (*under)(found_rcpt *r, span s))
{
    const char *t = m->text.data ? m->text.data : "";
    size_t pos = 0, lines = 0;
    span line;
    int on = 0;
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < max && line_next(t, end, &pos, &line)) {
        span s = span_trim(line), a;
        if (!on) {
            on = span_find(s, lead) >= 0;
            continue;
        }
        if (angle_colon_address(s, &a)) {
            cur = found_add(out, a.p, a.len);
            continue;
        }
        if (!block_gap(s, &cur) && cur)
            under(cur, s);
    }
}

/* span_extend - the block from its first line to s */
void span_extend(span *para, span s)
{
    if (!para->p)
        *para = s;
    else
        para->len = (size_t)(s.p + s.len - para->p);
}

/* status_head - the status code near the start of s */
int status_head(span s, char *status)
{
    span head = {s.p, s.len < 24 ? s.len : 24};
    return find_status(head, status);
}

/* reply_set - the reply with its codes */
void reply_set(found_rcpt *r, span s)
{
    found_diag(r, s.p, s.len);
    r->reply_code = take_reply_code(s);
    status_head(s, r->status);
}

/* reply_line_add - a reply line; codes from the first */
void reply_line_add(found_rcpt *r, span s)
{
    if (!r->diag_len) {
        int code = take_reply_code(s);
        if (code)
            r->reply_code = code;
        status_head(s, r->status);
    }
    found_diag(r, s.p, s.len);
}

/* diag_codes - the codes at the head of the diagnostic */
void diag_codes(found_rcpt *r)
{
    span d = {r->diag, r->diag_len};
    if (!r->reply_code)
        r->reply_code = take_reply_code(span_trim(d));
    if (!r->status[0])
        status_head(d, r->status);
}

/* diag_reply_codes - reply codes from the diagnostics */
void diag_reply_codes(found *out)
{
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->reply_code && r->diag_len)
            r->reply_code = take_reply_code((span){r->diag, r->diag_len});
    }
}

/* diag_clear - no diagnostic */
void diag_clear(found_rcpt *r)
{
    r->diag_len = 0;
    r->diag[0] = '\0';
}

/* diag_first_lines - the text's first lines as the diagnostic */
void diag_first_lines(const bk_message *m, found_rcpt *r, size_t max)
{
    span line;
    size_t pos = 0;
    while (r->diag_len < max && line_next(m->text.data ? m->text.data : "", m->text.len, &pos, &line))
        found_diag(r, line.p, line.len);
}

/* status_permanent - 5.0.0 where no code says otherwise */
void status_permanent(found *out)
{
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->status[0] && !r->said_permanent && (r->reply_code == 0 || r->reply_code >= 500))
            found_set(r->status, sizeof r->status, "5.0.0", 5);
    }
}

void notice_permanent(const bk_message *m, found *out)
{
    long at = out->n ? message_find(m, "This is a permanent error") : -1;
    for (size_t i = 0; at >= 0 && (size_t)at < m->original_at && i < out->n; i++)
        out->r[i].said_permanent = 1;
}

/* original_in_text - the returned header block of the text */
void original_in_text(const bk_message *m, found *out)
{
    span h = original_header(m);
    out->original = h.p;
    out->original_len = h.len;
}

/* original_after - the returned message after the marker's line */
void original_after(const bk_message *m, found *out, const char *marker)
{
    size_t pos, start;
    if (m->has_original || !out->n || !line_after(&m->text, marker, m->text.len, &pos))
        return;
    const char *t = m->text.data;
    span line;
    while (start = pos, line_next(t, m->text.len, &pos, &line))
        if (!span_is_blank(line) && !span_starts(line, "---"))
            break;
    if (start < m->text.len) {
        out->original = t + start;
        out->original_len = m->text.len - start;
    }
}
