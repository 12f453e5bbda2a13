/*
 * yandex.c - bounces of Yandex.Mail (mailer-daemon@yandex.ru, a Postfix
 * system), X-Yandex-* fields, Subject "Недоставленное сообщение" (RFC 2047
 * encoded). A multipart/report: the text in Russian ("Это письмо
 * отправлено почтовым сервером yandex.ru.") then Postfix's English ("This
 * is the mail system at host yandex.ru.") with "<ADDR>: host NAME[IP] said:
 * REPLY (in reply to RCPT TO command)", and a message/delivery-status part
 * with X-Yandex-Queue-ID and X-Yandex-Sender.
 * Rank 15: tried before postfix.c (rank 20), whose text it carries.
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

/* match - Yandex's daemon or status fields */
static int match(const bk_message *m)
{
    if (header_has(m, "From", "mailer-daemon@yandex."))
        return 1;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    long at = span_find(d, "X-Yandex-"); /* what both fields start with */
    if (at < 0)
        return 0;
    d = span_from(d, (size_t)at);
    return span_find(d, "X-Yandex-Queue-ID:") >= 0 || span_find(d, "X-Yandex-Sender:") >= 0;
}

/* decode - the status fields; the sender and reply code they carry (the
 * command comes from Postfix's "(in reply to ... command)" in the text) */
static int decode(const bk_message *m, found *out)
{
    if (!dsn_decode(m, out))
        return 0;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    long at = span_find(d, "X-Yandex-Sender:");
    if (at >= 0 && !out->addresser[0]) {
        span v = span_from(d, (size_t)at + 16), a;
        long nl = span_find(v, "\n");
        if (nl >= 0)
            v.len = (size_t)nl;
        if (find_address(v, &a))
            SPAN_SET(out->addresser, a);
    }
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        if (!r->reply_code && r->diag_len)
            r->reply_code = take_reply_code((span){r->diag, r->diag_len});
    }
    return 1;
}

const bk_format bk_format_yandex = {"yandex", 15, match, decode};
