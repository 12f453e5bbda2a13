/*
 * sendmail.c - bounces written by Sendmail 8 (and its derivatives): a
 * multipart/report from "Mail Delivery Subsystem" with the Subject
 * "Returned mail: ..." or "Warning: could not send message for past ...",
 * whose text says "The original message was received at ...",
 * "----- The following addresses had permanent fatal errors -----"
 * ("<addr>" then "(reason: ...)", "(expanded from: ...)") and
 * "----- Transcript of session follows -----":
 *     ... while talking to mx.example.com.:
 *     >>> RCPT To:<addr>
 *     <<< 550 5.1.1 <addr>... User unknown
 *     550 5.1.1 <addr>... User unknown
 * The delivery-status fields come first; the transcript adds the remote
 * reply, the command it answered and the remote host, and the local
 * mailer's words where the DSN only gives an exit code ("X-Unix; 255"),
 * and the whole of a multi-line reply whose first line alone the DSN keeps.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define SENDMAIL_LINES 2000

/* match - Sendmail's section markers with a delivery-status part */
static int match(const bk_message *m)
{
    if (message_find(m, "----- The following addresses had permanent fatal errors") >= 0 ||
        message_find(m, "----- The following addresses had transient non-fatal errors") >= 0)
        return 1;
    if (!m->dsn.len && message_find(m, "\nFinal-Recipient:") < 0)
        return 0;
    return message_find(m, "----- Transcript of session follows -----") >= 0 ||
           message_find(m, "The original message was received at ") >= 0;
}

/* named_command - the command named at the start of s ("RCPT To:<a>") */
static bk_command named_command(span s)
{
    s = span_trim(s);
    return command_word(s);
}

/* listed - the entry of out for address a, or NULL */
static found_rcpt *listed(found *out, span a)
{
    if (a.len >= 2 && a.p[0] == '<' && a.p[a.len - 1] == '>')
        a.p++, a.len -= 2;
    for (size_t i = 0; i < out->n; i++)
        if (strlen(out->r[i].recipient) == a.len && span_starts(a, out->r[i].recipient))
            return &out->r[i];
    return NULL;
}

/* noise - Sendmail's own queue lines in a transcript, not a diagnostic */
static int noise(span s)
{
    return span_starts(s, "Message could not be delivered for") ||
           span_starts(s, "Message will be deleted from queue") ||
           span_starts(s, "Warning: message still undelivered") ||
           span_starts(s, "Will keep trying until message is") || span_starts(s, "-----") ||
           span_starts(s, "**");
}

/* tx_state - what the transcript says so far */
typedef struct {
    bk_command cmd;                     /* the last ">>> " command */
    span rcpt;                          /* the address of the last RCPT */
    char rhost[BK_FIELD_MAX];           /* "... while talking to X.:" */
    found_rcpt general;                 /* a reply to a non-RCPT command */
    found_rcpt pending;                 /* lines not yet tied to a recipient */
    int in_reply;                       /* the last line was a "<<<" reply */
} tx_state;

/* tx_line - one transcript line; per-recipient text into tx */
static void tx_line(tx_state *st, span line, found *tx, const found *out)
{
    span s = span_trim(line);
    if (!s.len || noise(s)) {
        st->in_reply = 0;
        return;
    }
    if (span_starts(s, "... while talking to ") || span_starts(s, "While talking to ")) {
        span h = span_trim(span_from(s, s.p[0] == '.' ? 21 : 17));
        while (h.len && (h.p[h.len - 1] == ':' || h.p[h.len - 1] == '.'))
            h.len--;
        SPAN_SET(st->rhost, h);
        st->cmd = BK_CMD_CONNECT; /* until a command is sent: the greeting */
        st->in_reply = 0;
        return;
    }
    if (span_starts(s, ">>> ")) {
        st->cmd = named_command(span_from(s, 4));
        st->rcpt.len = 0;
        if (st->cmd == BK_CMD_RCPT && !find_address(span_from(s, 4), &st->rcpt))
            st->rcpt.len = 0;
        st->in_reply = 0;
        return;
    }
    if (span_starts(s, "<<< ")) {
        span reply = span_from(s, 4);
        found_rcpt *r = NULL;
        if (st->cmd == BK_CMD_QUIT) {
            /* the answer to QUIT says nothing about the recipients */
            st->in_reply = 0;
            return;
        }
        if (st->cmd == BK_CMD_RCPT && st->rcpt.len)
            r = found_add(tx, st->rcpt.p, st->rcpt.len);
        if (!r && !st->in_reply && take_reply_code(reply) == 503 && st->general.diag_len &&
            (st->general.diag[0] == '4' || st->general.diag[0] == '5')) {
            /* "503 Need RCPT" after a refusal: the refusal's consequence,
             * not its cause, which stays the reply kept */
            return;
        }
        if (!r) {
            r = &st->general;
            if (!st->in_reply)
                r->diag_len = 0;
        }
        if (!st->in_reply) {
            r->command = st->cmd;
            found_set(r->rhost, sizeof r->rhost, st->rhost, strlen(st->rhost));
        }
        found_diag(r, reply.p, reply.len);
        st->in_reply = 1;
        return;
    }
    st->in_reply = 0;
    /* "550 5.1.1 <a>... User unknown", "<a>... Deferred: ..." */
    span a;
    if (find_address(s, &a) && listed((found *)out, a)) {
        found_rcpt *r = found_add(tx, a.p, a.len);
        if (r && !r->diag_len) {
            /* the local summary, with the local mailer's lines before it */
            found_diag(r, st->pending.diag, st->pending.diag_len);
            found_diag(r, s.p, s.len);
            r->diagtype[0] = 'L'; /* local: from a summary line */
            r->diagtype[1] = '\0';
        }
        diag_clear(&st->pending);
        return;
    }
    found_diag(&st->pending, s.p, s.len);
}

/* transcript - the "Transcript of session follows" section, per recipient into tx */
static void transcript(const bk_message *m, const found *out, found *tx, tx_state *st)
{
    const char *t = m->text.data;
    size_t end = m->text.len, pos, lines = 0, depth;
    span line;
    if (!line_after_quoted(&m->text, "----- Transcript of session follows -----", end, &pos,
                           &depth))
        return;
    while (lines++ < SENDMAIL_LINES && line_next(t, end, &pos, &line)) {
        if (!unquoted(line, depth, &line))
            break;
        span s = span_trim(line);
        if (span_starts(s, "-----") || span_starts(s, "--") || span_starts(s, "Content-Type:"))
            break;
        tx_line(st, line, tx, out);
    }
}

/* reasons - "<addr>" / "(reason: ...)" lines of the address list, into tx */
static void reasons(const bk_message *m, found *tx)
{
    const char *t = m->text.data;
    size_t end = m->text.len, pos, lines = 0, depth;
    span line;
    found_rcpt *cur = NULL;
    if (!line_after_quoted(&m->text, "----- The following addresses had ", end, &pos, &depth))
        return;
    while (lines++ < SENDMAIL_LINES && line_next(t, end, &pos, &line)) {
        if (!unquoted(line, depth, &line))
            break;
        span s = span_trim(line);
        if (span_starts(s, "-----"))
            break;
        span a;
        if (span_starts(s, "(reason: ") && cur) {
            span v = span_from(s, 9);
            if (v.len && v.p[v.len - 1] == ')')
                v.len--;
            found_diag(cur, v.p, v.len);
        } else if (span_starts(s, "(expanded from: ") && find_address(s, &a)) {
            /* the DSN names the original address */
            found_rcpt *orig = found_add(tx, a.p, a.len);
            if (orig && cur && !orig->diag_len)
                found_diag(orig, cur->diag, cur->diag_len);
            if (orig)
                cur = orig;
        } else if (s.len && s.p[0] != '(' && find_address(s, &a)) {
            cur = found_add(tx, a.p, a.len);
        } else if (s.len && s.p[0] != '(') {
            cur = NULL;
        }
    }
}

/* weak_diag - the DSN's diagnostic says nothing a transcript would not say better */
static int weak_diag(const found_rcpt *r)
{
    if (!r->diag_len)
        return 1;
    if (r->diagtype[0] && strcmp(r->diagtype, "SMTP") != 0)
        return 1;
    /* "smtp; 421" alone */
    span d = {r->diag, r->diag_len};
    return d.len <= 3 || (take_reply_code(d) && d.len <= 4);
}

/* enrich - what the text says about one DSN recipient */
static void enrich(found_rcpt *r, const found_rcpt *t, const found_rcpt *reason,
                   const tx_state *st)
{
    const found_rcpt *src = NULL;
    if (t && t->diag_len && t->diagtype[0] != 'L')
        src = t;                       /* its own remote reply */
    else if (st->general.diag_len)
        src = &st->general;            /* a reply to MAIL, DATA, the greeting */
    if (src) {
        if (!r->command)
            r->command = src->command;
        if (!r->rhost[0] && src->rhost[0])
            found_set(r->rhost, sizeof r->rhost, src->rhost, strlen(src->rhost));
    }
    if (!weak_diag(r))
        return;
    const found_rcpt *use = src ? src : (t && t->diag_len) ? t : NULL;
    if (!use && st->pending.diag_len)
        use = &st->pending;
    if (!use && reason && reason->diag_len)
        use = reason;
    /* a reply of the transcript that names no recipient (several at DATA)
     * may be another's: the recipient's own "(reason: 550 ...)" is its own */
    if (use == &st->general && reason && reason->diag_len &&
        take_reply_code((span){reason->diag, reason->diag_len}))
        use = reason;
    if (!use)
        return;
    r->diag_len = 0;
    found_diag(r, use->diag, use->diag_len);
    r->diagtype[0] = '\0';
}

/* whole_reply - Sendmail's DSN and address list keep only the first line of
 * a multi-line reply ("550-Verification failed for <a@b>"); the transcript
 * shows every line ("<<< 550-...", ..., "<<< 550 Sender verify failed"):
 * r's diagnostic becomes the whole reply when its first line is there */
static void whole_reply(const bk_message *m, found_rcpt *r)
{
    span d = span_trim((span){r->diag, r->diag_len});
    if (d.len < 5 || !take_reply_code(d) || d.p[3] != '-')
        return;
    const char *t = m->text.data;
    size_t end = m->text.len, pos;
    if (!t || !line_after(&m->text, "----- Transcript of session follows -----", end, &pos))
        return;
    span rest = {t + pos, end - pos}, line;
    /* its first bytes (the diagnostic's white space is collapsed; the
     * transcript's is not, further on) */
    char first[41];
    size_t k = d.len < sizeof first - 1 ? d.len : sizeof first - 1;
    memcpy(first, d.p, k);
    first[k] = '\0';
    long at = span_find(rest, first);
    /* the transcript line is "<<< " and the first line itself */
    if (at < 4 || memcmp(rest.p + at - 4, "<<< ", 4) != 0)
        return;
    pos += (size_t)at - 4;
    found_rcpt whole;
    whole.diag_len = 0;
    for (int n = 0; n < 40 && line_next(t, end, &pos, &line); n++) {
        span s = span_trim(line);
        if (!span_starts(s, "<<< ") || s.len < 8 || memcmp(s.p + 4, d.p, 3) != 0 ||
            (s.p[7] != '-' && s.p[7] != ' '))
            break;
        found_diag(&whole, s.p + 4, s.len - 4);
        if (s.p[7] == ' ') {
            diag_clear(r);
            found_diag(r, whole.diag, whole.diag_len);
            return;
        }
    }
}

/* better_status - the remote reply's own enhanced code ("550 5.7.1 ...")
 * over the DSN's, which Sendmail may set from its queue state (4.4.7) or
 * a general class (5.0.0) */
static void better_status(found_rcpt *r)
{
    char st[BK_STATUS_MAX];
    span d = span_trim((span){r->diag, r->diag_len});
    if (!take_reply_code(d))
        return;
    span rest = span_trim(span_from(d, 4));
    if (rest.len && (rest.p[0] == '2' || rest.p[0] == '4' || rest.p[0] == '5') &&
        find_status((span){rest.p, rest.len < 10 ? rest.len : 10}, st) &&
        (strcmp(st + 1, ".0.0") != 0 || !r->status[0]))
        memcpy(r->status, st, sizeof st);
    else if (!r->status[0] && find_status(d, st))
        memcpy(r->status, st, sizeof st);
}

/* decode - the DSN fields, then the transcript's reply, command and host */
static int decode(const bk_message *m, found *out)
{
    found *tx = found_side(out, 0), *rs = found_side(out, 1);
    tx_state *st = found_work(out, sizeof *st);
    if (!tx || !rs || !st)
        return 0;
    dsn_decode(m, out);
    reasons(m, rs);
    if (!out->n) {
        /* no status fields: the address list names the recipients */
        for (size_t i = 0; i < rs->n; i++)
            found_add(out, rs->r[i].recipient, strlen(rs->r[i].recipient));
    }
    transcript(m, out, tx, st);
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        span a = {r->recipient, strlen(r->recipient)};
        enrich(r, listed(tx, a), listed(rs, a), st);
        whole_reply(m, r);
        if (!r->reply_code) {
            span d = span_trim((span){r->diag, r->diag_len});
            r->reply_code = take_reply_code(d);
        }
        better_status(r);
    }
    return out->n > 0;
}

const bk_format bk_format_sendmail = {"sendmail", 20, match, decode};
