/*
 * qmail.c - bounces written by qmail-send and its derivatives (netqmail,
 * notqmail, qmail-ldap, vpopmail's vdelivermail, IndiMail): Subject
 * "failure notice", text "Hi. This is the qmail-send program at HOST." and
 * "I'm afraid I wasn't able to deliver your message to the following
 * addresses.", one paragraph per recipient
 *     <kijitora@example.com>:
 *     192.0.2.1 does not like recipient.
 *     Remote host said: 550 5.1.1 <kijitora@example.com>... User unknown
 *     Giving up on 192.0.2.1.
 * with qmail's own codes "(#5.1.1)", "Sorry, no SMTP connection got far
 * enough; most progress was RCPT TO response; remote host X said: ...",
 * "Connected to X but sender was rejected.", "X failed after I sent the
 * message.", then "--- Below this line is a copy of the message." (or
 * "--- Enclosed are the original headers of the message.", "--- Enclosed
 * is a copy of the message."). Its sentence "This is a permanent error;
 * I've given up." makes a recipient whose paragraph gives no code 5.0.0
 * (notice_permanent).
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define QMAIL_LINES 2000

/* match - qmail-send's greeting or lead-in sentence */
static int match(const bk_message *m)
{
    return message_find(m, "This is the qmail-send program at ") >= 0 ||
           message_find(m, "I'm afraid I wasn't able to deliver your message to the following addresses") >= 0;
}

/* cut - remove p[at..at+n) from the collapsed text in r */
static void cut(found_rcpt *r, size_t at, size_t n)
{
    if (at > r->diag_len || n > r->diag_len - at)
        return;
    memmove(r->diag + at, r->diag + at + n, r->diag_len - at - n + 1);
    r->diag_len -= n;
}

/* drop - remove every sentence of r's text that starts with lead and ends
 * with stop (inclusive); 1 when one was removed */
static int drop(found_rcpt *r, const char *lead, const char *stop)
{
    int any = 0;
    for (int guard = 0; guard < 32; guard++) {
        span d = {r->diag, r->diag_len};
        long at = span_find(d, lead);
        if (at < 0)
            break;
        span rest = span_from(d, (size_t)at);
        /* the stop ends the sentence only before a space or the end ("192.0.2.1.") */
        size_t n = rest.len, from = strlen(lead);
        for (int g = 0; g < 64; g++) {
            long e = span_find(span_from(rest, from), stop);
            if (e < 0)
                break;
            size_t k = from + (size_t)e + strlen(stop);
            if (k >= rest.len || rest.p[k] == ' ') {
                n = k;
                break;
            }
            from = k;
        }
        cut(r, (size_t)at, n);
        any = 1;
    }
    return any;
}

/* host_before - the word before offset at of s (a host name or address) */
static span host_before(span s, long at)
{
    size_t e = (size_t)at, b;
    while (e > 0 && s.p[e - 1] == ' ')
        e--;
    b = e;
    while (b > 0 && s.p[b - 1] != ' ' && s.p[b - 1] != ';')
        b--;
    span h = {s.p + b, e - b};
    return h;
}

/* word_after - the word after offset at of s */
static span word_after(span s, size_t at)
{
    span r = span_trim(span_from(s, at));
    size_t k = 0;
    while (k < r.len && r.p[k] != ' ')
        k++;
    while (k > 0 && (r.p[k - 1] == '.' || r.p[k - 1] == ','))
        k--;
    r.len = k;
    return r;
}

/* paragraph_read - what one recipient's paragraph (collapsed in p) says */
static void paragraph_read(found_rcpt *r, found_rcpt *p)
{
    static const struct {
        const char *phrase;
        bk_command cmd;
        int host_first;               /* the host stands before the phrase */
    } steps[] = {
        {" does not like recipient.", BK_CMD_RCPT, 1},
        {" failed after I sent the message.", BK_CMD_DATA, 1},
        {" but sender was rejected.", BK_CMD_MAIL, 0},
        {" but my name was rejected.", BK_CMD_HELO, 0},
        {" but greeting failed.", BK_CMD_CONNECT, 0},
    };
    span d = {p->diag, p->diag_len};
    /* IndiMail: "From: <s> RCPT: <r> " before the sentence */
    if (span_starts(d, "From: ")) {
        long rc = span_find(d, " RCPT: ");
        if (rc >= 0) {
            span rest = span_from(d, (size_t)rc + 7);
            size_t k = 0;
            while (k < rest.len && rest.p[k] != ' ')
                k++;
            cut(p, 0, (size_t)(rest.p - p->diag) + k);
        }
    }
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        d = (span){p->diag, p->diag_len};
        long at = span_find(d, steps[i].phrase);
        if (at < 0)
            continue;
        r->command = steps[i].cmd;
        if (steps[i].host_first) {
            span h = host_before(d, at);
            SPAN_SET(r->rhost, h);
        } else {
            long c = span_find(d, "Connected to ");
            if (c >= 0) {
                span h = word_after(d, (size_t)c + 13);
                SPAN_SET(r->rhost, h);
            }
        }
        break;
    }
    d = (span){p->diag, p->diag_len};
    long most = span_find(d, "most progress was ");
    if (most >= 0 && !r->command) {
        span w = span_from(d, (size_t)most + 18);
        r->command = command_word(w);
    }
    long rh = span_find(d, "remote host ");
    if (rh >= 0 && !r->rhost[0]) {
        span h = word_after(d, (size_t)rh + 12);
        SPAN_SET(r->rhost, h);
    }
    /* qmail's own code "(#5.1.1)" */
    long code = span_find(d, "(#");
    if (code >= 0)
        find_status(span_from(d, (size_t)code + 2), r->status);
    /* sentences about the attempt, not the reason */
    drop(p, "Giving up on ", ".");
    drop(p, "(Other MXes tried:", ")");
    found_rcpt keep;
    diag_clear(&keep);
    found_diag(&keep, p->diag, p->diag_len);
    if (drop(p, "I'm not going to try again; this message has been in the queue too long.", ".") &&
        span_is_blank((span){p->diag, p->diag_len}))
        *p = keep;            /* nothing else: the queue time is the reason */
    d = (span){p->diag, p->diag_len};
    long said = span_find(d, "said: ");
    if (said >= 0)
        d = span_from(d, (size_t)said + 6);
    found_diag(r, d.p, d.len);
    r->reply_code = take_reply_code(span_trim(d));
    if (!r->status[0])
        find_status(d, r->status);
}

/* decode - one entry per "<addr>:" paragraph */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at;
    long encl = message_find(m, "\n--- Enclosed ");
    if (encl >= 0 && (size_t)encl < end)
        end = (size_t)encl;
    size_t pos = 0, lines = 0;
    span line;
    found_rcpt *cur = NULL;
    found_rcpt para;
    diag_clear(&para);
    for (;;) {
        int more = lines++ < QMAIL_LINES && line_next(t, end, &pos, &line);
        span s = more ? span_trim(line) : (span){"", 0};
        span a = {"", 0};
        int head = more && s.len > 3 && s.p[0] == '<' && s.p[s.len - 1] == ':' &&
                   s.p[s.len - 2] == '>' && find_address(s, &a);
        if (!more || head || span_starts(s, "--- ") || (cur && span_is_blank(s) && para.diag_len)) {
            if (cur && para.diag_len)
                paragraph_read(cur, &para);
            if (!head)
                cur = NULL;
            diag_clear(&para);
        }
        if (!more)
            break;
        if (head) {
            cur = found_add(out, a.p, a.len);
            continue;
        }
        if (cur && s.len)
            found_diag(&para, s.p, s.len);
    }
    /* qmail-send's failure notice says every address failed for good */
    notice_permanent(m, out);
    if (!m->original.len && out->n)
        original_in_text(m, out);
    return out->n > 0;
}

const bk_format bk_format_qmail = {"qmail", 20, match, decode};
