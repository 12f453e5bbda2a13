/*
 * googlegroups.c - Google Groups refusing a post (sent as "Mail Delivery
 * Subsystem" <mailer-daemon@googlemail.com>, Subject "Delivery Status
 * Notification (Failure)"): "We're writing to let you know that the group
 * you tried to contact (NAME) may not exist, or you may not have
 * permission to post messages to the group", written in the sender's
 * language. Read by its structure, not its words: the group's address in
 * X-Failed-Recipients (an @googlegroups.com address, or a group of a
 * Google Workspace domain), the Help Center link groups.google.com/support,
 * the "Google Groups" signature, "----- Original message -----" before the
 * returned header. The refusal itself is the reason: rejected.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"

#include <string.h>

#define GROUPS_LINES 200

/* from_google - the bounce comes from Google's mailer-daemon */
static int from_google(const bk_message *m)
{
    return header_has(m, "From", "mailer-daemon@googlemail.com") ||
           header_has(m, "From", "mailer-daemon@google.com");
}

/* match - Google's mailer-daemon, and a group's address or the Groups help link */
static int match(const bk_message *m)
{
    if (!from_google(m))
        return 0;
    if (header_has(m, "X-Failed-Recipients", "@googlegroups.com"))
        return 1;
    return message_find(m, "groups.google.com/support") >= 0;
}

/* explanation - the paragraph that names the group "(NAME)", else the
 * first paragraph after the greeting */
static span explanation(const bk_message *m, size_t end, const char *group)
{
    const char *t = m->text.data ? m->text.data : "";
    char want[BK_ADDR_MAX + 2];
    size_t gl = 0;
    while (group[gl] && group[gl] != '@' && gl + 3 < sizeof want)
        gl++;
    want[0] = '(';
    memcpy(want + 1, group, gl);
    want[gl + 1] = ')';
    want[gl + 2] = '\0';
    size_t pos = 0, start = 0, n = 0;
    span line, best = {"", 0}, second = {"", 0};
    int para = 0, in = 0;
    while (n++ < GROUPS_LINES && line_next(t, end, &pos, &line)) {
        if (span_is_blank(line)) {
            if (in) {
                span p = {t + start, (size_t)(line.p - t) - start};
                if (gl && span_find(p, want) >= 0) {
                    best = p;
                    break;
                }
                if (++para == 2 && !second.len)
                    second = p;
            }
            in = 0;
            continue;
        }
        if (!in)
            start = (size_t)(line.p - t);
        in = 1;
    }
    return best.len ? best : second;
}

/* decode - the group's address, the explanation, reason rejected */
static int decode(const bk_message *m, found *out)
{
    span h = original_header(m);
    if (!add_failed_recipients(m, out)) {
        /* no field: the group is the returned message's recipient */
        const char *hb = m->has_original ? m->original.data : h.p;
        size_t hl = m->has_original ? m->original.len : h.len;
        char to[BK_ADDR_MAX * 2];
        if (hb && hl && header_value(hb, hl, "To", to, sizeof to))
            found_add(out, to, strlen(to));
    }
    if (!out->n)
        return 0;
    size_t end = m->original_at;
    for (size_t i = 0; i < out->n; i++) {
        found_rcpt *r = &out->r[i];
        span p = explanation(m, end, r->recipient);
        found_diag(r, p.p, p.len);
        found_set(r->action, sizeof r->action, "failed", 6);
        /* a refusal of the post, stated by the template, not by a code */
        found_set(r->status, sizeof r->status, "5.0.0", 5);
        r->reason = "rejected";
    }
    if (!m->has_original) {
        out->original = h.p;
        out->original_len = h.len;
    }
    return 1;
}

const bk_format bk_format_googlegroups = {"googlegroups", 20, match, decode};
