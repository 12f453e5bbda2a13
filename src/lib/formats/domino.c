/*
 * domino.c - non-delivery reports of IBM / HCL Domino (Lotus Domino R5 and
 * later). Subject "DELIVERY FAILURE: <reason>" (or "DELIVERY_FAILURE:"),
 * often a message/delivery-status part with "Diagnostic-Code: X-Notes; ...",
 * and the text
 *     Your message
 *       Subject: ...
 *     was not delivered to:
 *       a@example.jp
 *     because:
 *       User a (a@example.jp) not listed in Domino Directory
 * in the server's language for the reason (Japanese: "... は Domino
 * ディレクトリには見つかりません。") and the lead lines (French "n'a pas été
 * remis à :" / "parce que :", German "wurde nicht zugestellt an:" / "weil:",
 * Spanish, Italian).
 */
#include "dsn.h"
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define DOMINO_LINES 600

static const char *const NOT_DELIVERED[] = {
    "was not delivered to:", "n'a pas \xc3\xa9t\xc3\xa9 remis \xc3\xa0", "wurde nicht zugestellt an",
    "no se ha entregado a", "non \xc3\xa8 stato recapitato a",
};
static const char *const BECAUSE[] = {"because:", "parce que", "weil:", "porque:",
                                      "perch\xc3\xa9:"};

/* starts_any - s starts with one of the n prefixes */
static int starts_any(span s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (span_starts(s, list[i]))
            return 1;
    return 0;
}

/* failure_subject - the subject's text after "DELIVERY FAILURE:", or an empty span */
static span failure_subject(const bk_message *m)
{
    span s = header_span(m, "Subject"), none = {"", 0};
    if (span_starts(s, "DELIVERY FAILURE:") || span_starts(s, "DELIVERY_FAILURE:"))
        return span_trim(span_from(s, 17));
    return none;
}

/* match - Domino's subject, or its "was not delivered to:" template */
static int match(const bk_message *m)
{
    span s = header_span(m, "Subject");
    if (span_starts(s, "DELIVERY FAILURE:") || span_starts(s, "DELIVERY_FAILURE:"))
        return 1;
    span d = {m->dsn.data ? m->dsn.data : "", m->dsn.len};
    if (span_find(d, "X-Notes;") >= 0)
        return 1;
    return message_find(m, "Your message") >= 0 &&
           message_find(m, "was not delivered to:") >= 0 &&
           message_find(m, "because:") >= 0;
}

/* give_reason - the reason to the block's recipients that have none */
static void give_reason(found *out, size_t first, span reason)
{
    for (size_t i = first; i < out->n && reason.len; i++)
        if (!out->r[i].diag_len)
            found_diag(&out->r[i], reason.p, reason.len);
}

/* decode - the status part, then "was not delivered to:" / "because:" */
static int decode(const bk_message *m, found *out)
{
    dsn_decode(m, out);
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line, reason = {"", 0};
    enum { NONE, RCPTS, REASON } state = NONE;
    size_t first = 0; /* the recipients of the current block */
    while (pos < end && lines++ < DOMINO_LINES && line_next(t, end, &pos, &line)) {
        span s = span_trim(line);
        if (starts_any(s, NOT_DELIVERED, sizeof NOT_DELIVERED / sizeof NOT_DELIVERED[0]) ||
            span_find(s, NOT_DELIVERED[0]) >= 0) {
            give_reason(out, first, reason);
            reason.len = 0;
            state = RCPTS;
            first = out->n;
            continue;
        }
        if (state == RCPTS && starts_any(s, BECAUSE, sizeof BECAUSE / sizeof BECAUSE[0])) {
            state = REASON;
            continue;
        }
        if (state == RCPTS && s.len) {
            span a;
            if (find_address(s, &a)) {
                found_rcpt *r = found_add(out, a.p, a.len);
                if (r && (size_t)(r - out->r) < first)
                    first = (size_t)(r - out->r);
            }
            continue;
        }
        if (state == REASON) {
            if (!s.len) {
                if (reason.len)
                    state = NONE;
                continue;
            }
            if (!reason.len)
                reason = s;
            else
                reason.len = (size_t)(s.p + s.len - reason.p);
        }
    }
    give_reason(out, first, reason);
    span subj = failure_subject(m);
    give_reason(out, 0, subj);
    status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_domino = {"domino", 20, match, decode};
