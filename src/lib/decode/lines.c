/*
 * lines.c - reading the text of a bounce: lines, markers and addresses
 * (see lines.h).
 */
#include "lines.h"
#include "markers.h"
#include "fields.h"
#include "text.h"

#include <string.h>

/* words_at - the length of s from i that matches phrase, spaces matching
 * runs of white space; 0 when it does not match */
static size_t words_at(span s, size_t i, const char *phrase)
{
    size_t k = i;
    for (const char *q = phrase; *q; q++) {
        if (*q == ' ') {
            if (k >= s.len || !bk_is_space((unsigned char)s.p[k]))
                return 0;
            while (k < s.len && bk_is_space((unsigned char)s.p[k]))
                k++;
            continue;
        }
        if (k >= s.len || bk_lower((unsigned char)s.p[k]) != bk_lower((unsigned char)*q))
            return 0;
        k++;
    }
    return k - i;
}

/* span_find_words - offset of phrase in s, spaces matching white space runs */
long span_find_words(span s, const char *phrase, size_t *matched)
{
    size_t head = strcspn(phrase, " "); /* find the first word fast */
    char first[64];
    if (head == 0 || head >= sizeof first)
        return -1;
    memcpy(first, phrase, head);
    first[head] = '\0';
    size_t from = 0;
    while (from < s.len) {
        long at = bk_ci_find(s.p + from, s.len - from, first);
        if (at < 0)
            return -1;
        size_t i = from + (size_t)at;
        size_t n = words_at(s, i, phrase);
        if (n) {
            if (matched)
                *matched = n;
            return (long)i;
        }
        from = i + 1;
    }
    return -1;
}

/* span_is_blank - only white space */
int span_is_blank(span s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!bk_is_space((unsigned char)s.p[i]))
            return 0;
    return 1;
}

/* addr_char - a byte that may stand in an address's local part or domain:
 * printable ASCII but for <>()[],;:"\@ */
static int addr_char(unsigned char c)
{
    switch (c) {
    case '<': case '>': case '(': case ')': case '[': case ']':
    case ',': case ';': case ':': case '"': case '\\': case '@':
        return 0;
    default:
        return c > 32 && c < 127;
    }
}

/* quoted_end - the length of the quoted string at s.p[0] (RFC 5321's
 * Quoted-string local part, "john doe"@example.com: printable ASCII and
 * blanks, a backslash quoting the next byte), 0 when it is none */
static size_t quoted_end(span s)
{
    if (!s.len || s.p[0] != '"')
        return 0;
    for (size_t i = 1; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '\\' && i + 1 < s.len)
            i++;
        else if (c == '"')
            return i > 1 ? i + 1 : 0;
        else if (c < 32 || c == 127)
            return 0;
    }
    return 0;
}

/* is_address - s is one e-mail address, perhaps in angle brackets; its
 * local part may be a quoted string */
int is_address(span s)
{
    s = span_trim(s);
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>') {
        s.p++;
        s.len -= 2;
    }
    if (s.len < 3 || s.len >= BK_ADDR_MAX)
        return 0;
    size_t q = quoted_end(s);
    const char *at = q ? (q < s.len && s.p[q] == '@' ? s.p + q : NULL) : memchr(s.p, '@', s.len);
    if (!at || at == s.p || at == s.p + s.len - 1)
        return 0;
    for (size_t i = q; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (s.p + i != at && !addr_char(c) && c < 0x80)
            return 0;
    }
    return memchr(at + 1, '@', (size_t)(s.p + s.len - at - 1)) == NULL;
}

/* bare_address - the address around the '@' at s.p[at] */
static int bare_address(span s, size_t at, span *addr)
{
    size_t a = at, b = at + 1;
    int quoted = 0;
    if (a > 0 && s.p[a - 1] == '"') {
        /* a quoted local part: back to its opening quote, on this line */
        size_t k = a - 1;
        while (k > 0 && s.p[k - 1] != '"' && s.p[k - 1] != '\n' && a - k < BK_ADDR_MAX)
            k--;
        if (k > 0 && s.p[k - 1] == '"' && quoted_end(span_from(s, k - 1)) == a - k + 1) {
            a = k - 1;
            quoted = 1;
        }
    }
    while (!quoted && a > 0 && (addr_char((unsigned char)s.p[a - 1]) || (unsigned char)s.p[a - 1] >= 0x80))
        a--;
    while (b < s.len && (addr_char((unsigned char)s.p[b]) || (unsigned char)s.p[b] >= 0x80))
        b++;
    /* a sentence's full stop or a quote is not part of it */
    while (b > at + 1 && strchr(".'`", s.p[b - 1]))
        b--;
    while (a < at && strchr(".'`", s.p[a]))
        a++;
    /* an X.400 address's domain-defined attribute ("dda:SMTP=a@b"): the
     * Internet address is what follows the '=' */
    if (a > 0 && s.p[a - 1] == ':' && at - a > 5 && bk_ci_prefix(s.p + a, at - a, "SMTP="))
        a += 5;
    if (a == at || b == at + 1)
        return 0;
    addr->p = s.p + a;
    addr->len = b - a;
    return addr->len < BK_ADDR_MAX;
}

int internet_domain(span v)
{
    const char *at = NULL;
    for (size_t i = 0; i < v.len; i++)
        if (v.p[i] == '@')
            at = v.p + i;
    if (!at)
        return 0;
    span d = span_trim((span){at + 1, (size_t)(v.p + v.len - at - 1)});
    return d.len > 0 && (d.p[0] == '[' || memchr(d.p, '.', d.len) != NULL);
}

/* find_address - the first e-mail address in s */
int find_address(span s, span *addr)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '<')
            continue;
        const char *close = memchr(s.p + i, '>', s.len - i);
        if (!close)
            break;
        span in = {s.p + i + 1, (size_t)(close - s.p) - i - 1};
        if (in.len > 7 && bk_ci_prefix(in.p, in.len, "mailto:")) {
            in.p += 7;
            in.len -= 7;
        }
        if (is_address(in)) {
            *addr = span_trim(in);
            return 1;
        }
    }
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] == '@' && bare_address(s, i, addr) && is_address(*addr))
            return 1;
    return 0;
}

/* field_text - the value that starts in line (after the field's name and
 * colon, at k) and goes on in the continuation lines at *pos, unfolded into
 * out (moves *pos past them) */
static void field_text(const char *block, size_t len, size_t *pos, span line, size_t k, char *out,
                       size_t cap)
{
    size_t o = 0;
    span v = span_trim(span_from(line, k));
    for (;;) {
        size_t take = v.len < cap - 1 - o ? v.len : cap - 1 - o;
        memcpy(out + o, v.p, take);
        o += take;
        size_t save = *pos;
        span next;
        if (!line_next(block, len, pos, &next) || next.len == 0 ||
            (next.p[0] != ' ' && next.p[0] != '\t')) {
            *pos = save;
            break;
        }
        v = span_trim(next);
        if (o + 1 < cap)
            out[o++] = ' ';
    }
    out[o] = '\0';
}

/* field_named - line opens the field name ("Name:", no blank before the colon) */
static int field_named(span line, const char *name, size_t nl)
{
    return line.len > nl && line.p[nl] == ':' && bk_ci_prefix(line.p, line.len, name);
}

/* header_value - the value of field name in a header block text */
int header_value(const char *block, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    size_t pos = 0;
    span line;
    out[0] = '\0';
    while (line_next(block, len, &pos, &line)) {
        if (line.len == 0)
            return 0;
        if (!field_named(line, name, nl))
            continue;
        field_text(block, len, &pos, line, nl + 1, out, cap);
        return 1;
    }
    return 0;
}

/* header_values - header_value() for n names (at most 32) in one pass */
unsigned header_values(const char *block, size_t len, const char *const *names, size_t n,
                       char *const *out, size_t cap)
{
    size_t nl[32];
    unsigned got = 0, all = n >= 32 ? 0xffffffffu : (1u << n) - 1;
    n = n > 32 ? 32 : n;
    for (size_t i = 0; i < n; i++) {
        nl[i] = strlen(names[i]);
        out[i][0] = '\0';
    }
    size_t pos = 0;
    span line;
    while (got != all && line_next(block, len, &pos, &line) && line.len > 0)
        for (size_t i = 0; i < n; i++)
            if (!(got & (1u << i)) && field_named(line, names[i], nl[i])) {
                field_text(block, len, &pos, line, nl[i] + 1, out[i], cap);
                got |= 1u << i;
                break;
            }
    return got;
}

/* take_reply_code - a three-digit reply code at the start of s, or 0 */
int take_reply_code(span s)
{
    if (s.len < 3 || s.p[0] < '2' || s.p[0] > '5' || !bk_is_digit((unsigned char)s.p[1]) ||
        !bk_is_digit((unsigned char)s.p[2]))
        return 0;
    if (s.len > 3 && bk_is_digit((unsigned char)s.p[3]))
        return 0;
    return (s.p[0] - '0') * 100 + (s.p[1] - '0') * 10 + (s.p[2] - '0');
}

/* find_status - the first enhanced status code in s */
int find_status(span s, char *out)
{
    for (size_t i = 0; i + 4 < s.len; i++) {
        if ((s.p[i] != '2' && s.p[i] != '4' && s.p[i] != '5') || s.p[i + 1] != '.')
            continue;
        if (i > 0 && (bk_is_digit((unsigned char)s.p[i - 1]) || s.p[i - 1] == '.'))
            continue;
        size_t k = i + 2, d1 = 0, d2 = 0;
        while (k < s.len && bk_is_digit((unsigned char)s.p[k]) && d1 < 3)
            k++, d1++;
        if (!d1 || k >= s.len || s.p[k] != '.')
            continue;
        k++;
        while (k < s.len && bk_is_digit((unsigned char)s.p[k]) && d2 < 3)
            k++, d2++;
        if (!d2 || (k < s.len && (bk_is_digit((unsigned char)s.p[k]) ||
                                  (s.p[k] == '.' && k + 1 < s.len &&
                                   bk_is_digit((unsigned char)s.p[k + 1])))))
            continue;
        found_set(out, BK_STATUS_MAX, s.p + i, k - i);
        return 1;
    }
    return 0;
}

/* the lines that introduce the returned message */
static const char *const ORIGINAL_MARKERS[] = {
    "below this line is a copy of the message",
    "this is a copy of the message",
    "this is a copy of your message", /* Exim: "Mail failure - no recipient addresses" */
    "original message follows",
    "----- original message",
    "------ original message",
    "-----original message",
    "original message header",
    "the original message was",
    "message header follows",
    "unsent message below",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "a copy of the original message",
    "----- message text follows",
    "original text follows",
    "header of the original message",
    "lines of the message follow", /* SmarterMail: "-- The header and top 20 lines of the message follows --" */
};

/* header_line - a "Received:" / "Return-Path:" line that opens a header
 * block (its first letter tells which names to compare) */
static int header_line(span line)
{
    if (line.len < 10) /* "Received: ", the shortest */
        return 0;
    switch (bk_lower((unsigned char)line.p[0])) {
    case 'r':
        return span_starts(line, "Received: ") || span_starts(line, "Return-Path: ");
    case 'm':
        return span_starts(line, "Message-ID: ");
    case 'd':
        return span_starts(line, "DKIM-Signature: ");
    default:
        return 0;
    }
}

/* original_start - where the returned message begins in m's text: the
 * first line that opens a header block or holds a marker. The first place
 * of any marker (message_find) is the best; a marker holds no line break,
 * so where it occurs its line holds it; then the lines up to that place are
 * checked for a header line. */
size_t original_start(const bk_message *m)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t len = m->text.len, marker = len;
    for (size_t i = 0; i < sizeof ORIGINAL_MARKERS / sizeof ORIGINAL_MARKERS[0]; i++) {
        long at = message_find(m, ORIGINAL_MARKERS[i]);
        if (at >= 0 && (size_t)at < marker)
            marker = (size_t)at;
    }
    while (marker < len && marker > 0 && t[marker - 1] != '\n')
        marker--;
    size_t pos = 0, at;
    span line;
    while (at = pos, at < marker && line_next(t, len, &pos, &line))
        if (header_line(line))
            return at;
    return marker;
}

static const char *const BOUNCE_FROM[] = {"mailer-daemon", "postmaster", "mail delivery",
                                          "mail administrator", "mailer_daemon", "mdaemon",
                                          "mail delivery subsystem", "bounce", "nobody@"};
static const char *const BOUNCE_SUBJECT[] = {
    "undeliver", "undelivered", "delivery fail", "delivery status notification",
    "returned mail", "return mail", "failure notice", "delivery failure", "not delivered",
    "mail delivery failed", "could not be delivered", "delivery problem", "nondeliverable",
    "non-delivery", "non delivery", "mail system error", "delivery notification",
    "rejected", "error sending", "warning: message", "delayed mail", "delivery delayed",
    "mail failure", "message failure", "bounce", "unzustellbar", "non remis",
    "no entregado", "non recapitabile", "\xe9\x85\x8d\xe9\x81\x94", /* 配達 */
};

/* header_has_any - field name holds one of words[0..n) */
static int header_has_any(const bk_message *m, const char *name, const char *const *words,
                          size_t n)
{
    size_t len;
    const char *v = message_header(m, name, &len);
    span s = {v, len};
    for (size_t i = 0; v && i < n; i++)
        if (message_may_hold(m, v, words[i], strlen(words[i])) && span_find(s, words[i]) >= 0)
            return 1;
    return 0;
}

int from_mail_system(const bk_message *m)
{
    return header_has_any(m, "From", BOUNCE_FROM, sizeof BOUNCE_FROM / sizeof BOUNCE_FROM[0]);
}

/* bounce_words - From or Subject of a delivery failure report */
int bounce_words(const bk_message *m)
{
    return header_has_any(m, "From", BOUNCE_FROM, sizeof BOUNCE_FROM / sizeof BOUNCE_FROM[0]) ||
           header_has_any(m, "Subject", BOUNCE_SUBJECT,
                          sizeof BOUNCE_SUBJECT / sizeof BOUNCE_SUBJECT[0]);
}

/* looks_like_bounce - From or Subject of a delivery failure report, a
 * report of type delivery-status, or the empty Return-Path of a message from
 * a mail system */
int looks_like_bounce(const bk_message *m)
{
    if (bounce_words(m))
        return 1;
    /* a report that says it is one (RFC 3462: report-type delivery-status) */
    if (m->report_type.len && strcmp(m->report_type.data, "delivery-status") == 0)
        return 1;
    size_t len;
    const char *v = message_header(m, "Return-Path", &len);
    return v && len <= 3 && (len == 0 || (len == 2 && v[0] == '<' && v[1] == '>'));
}

/* the words of a notice that a message is late, not lost: the mail system
 * goes on trying (MTAs' and gateways' delay warnings) */
static const char *const DELAY_WORDS[] = {
    "this is a warning message only", "this is just a warning", "this is only a warning",
    "no action is required on your part", "you do not need to take any action",
    "you do not need to resend", "do not resend your original message",
    "delivery attempts will continue", "will continue to attempt", "will continue to try",
    "has not yet been delivered", "this is an advisory-only", "has been postponed",
    "still being retried",
};
static const char *const DELAY_SUBJECTS[] = {
    "warning: message", "warning: could not send", "delayed mail", "delivery delayed",
    "mail delivery warning", "delivery status notification (delay)",
};

int delay_notice(const bk_message *m)
{
    size_t len;
    const char *v = message_header(m, "Subject", &len);
    span subject = span_trim((span){v ? v : "", v ? len : 0});
    for (size_t i = 0; i < sizeof DELAY_SUBJECTS / sizeof DELAY_SUBJECTS[0]; i++)
        if (bk_ci_prefix(subject.p, subject.len, DELAY_SUBJECTS[i]))
            return 1;
    for (size_t i = 0; i < sizeof DELAY_WORDS / sizeof DELAY_WORDS[0]; i++) {
        long at = message_find(m, DELAY_WORDS[i]);
        if (at >= 0 && (size_t)at < m->original_at)
            return 1;
    }
    return 0;
}

/* add_failed_recipients - entries for the X-Failed-Recipients addresses */
size_t add_failed_recipients(const bk_message *m, found *out)
{
    size_t len, n = 0;
    const char *v = message_header(m, "X-Failed-Recipients", &len);
    if (!v)
        return 0;
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && v[e] != ',' && v[e] != ';')
            e++;
        span a, item = {v + i, e - i};
        if (find_address(item, &a) && found_add(out, a.p, a.len))
            n++;
        i = e + 1;
    }
    return n;
}

/* command_word - the command at the start of s ("RCPT TO", "end of data" ...) */
static bk_command command_word(span s)
{
    static const struct {
        const char *word;
        bk_command cmd;
    } words[] = {{"end of data", BK_CMD_DATA}, {"data", BK_CMD_DATA},
                 {"text", BK_CMD_DATA},        {"rcpt", BK_CMD_RCPT},
                 {"mail", BK_CMD_MAIL},        {"ehlo", BK_CMD_EHLO},
                 {"helo", BK_CMD_HELO},        {"lhlo", BK_CMD_EHLO},
                 {"starttls", BK_CMD_STARTTLS}, {"auth", BK_CMD_AUTH},
                 {"bdat", BK_CMD_BDAT},        {"initial connection", BK_CMD_CONNECT},
                 {"connect", BK_CMD_CONNECT}};
    if (span_starts(s, "pipelined "))
        s = span_from(s, 10);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t wl = strlen(words[i].word);
        if (span_starts(s, words[i].word) &&
            (s.len == wl || !bk_is_alpha((unsigned char)s.p[wl])))
            return words[i].cmd;
    }
    return BK_CMD_NONE;
}

/* command_named - the command named by "after X", "for X command", ">>> X" */
bk_command command_named(span s)
{
    static const char *const lead[] = {"after ", "for ", ">>> "};
    for (size_t k = 0; k < sizeof lead / sizeof lead[0]; k++) {
        span rest = s;
        long at;
        for (int guard = 0; guard < 16 && (at = span_find(rest, lead[k])) >= 0; guard++) {
            rest = span_from(rest, (size_t)at + strlen(lead[k]));
            bk_command c = command_word(rest);
            if (c == BK_CMD_NONE)
                continue;
            /* "for" names a command only as "for X command" */
            if (k == 1) {
                long cw = span_find(rest, " command");
                if (cw < 0 || cw > 16)
                    continue;
            }
            return c;
        }
    }
    return BK_CMD_NONE;
}

/* original_header - the returned message's header block in the text */
span original_header(const bk_message *m)
{
    span none = {"", 0};
    const bk_buf *text = &m->text;
    size_t start = m->original_at;
    if (start >= text->len)
        return none;
    const char *t = text->data;
    size_t pos = start, at = start;
    span line;
    /* the marker line itself, unless the block opens with a header line */
    if (line_next(t, text->len, &pos, &line) && !header_line(line)) {
        const char *colon = memchr(line.p, ':', line.len);
        int is_field = colon && colon > line.p && !memchr(line.p, ' ', (size_t)(colon - line.p));
        if (!is_field || span_find(line, "content-type: message/") >= 0 ||
            span_find(line, "content-type: text/rfc822") >= 0)
            at = pos;
    }
    pos = at;
    while (at = pos, line_next(t, text->len, &pos, &line) && span_is_blank(line))
        ;
    size_t s = at, e = at;
    pos = at;
    for (size_t n = 0; n < 1000 && line_next(t, text->len, &pos, &line); n++) {
        if (span_is_blank(line))
            break;
        e = pos;
    }
    span r = {t + s, e - s};
    return r;
}
