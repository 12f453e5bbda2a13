/*
 * exchange2003.c - non-delivery reports of Microsoft Exchange 5.5, 2000
 * and 2003 (the Internet Mail Service / Internet Mail Connector and the
 * MTA of Exchange 2000/2003). Identified by X-MS-Embedded-Report, an
 * X-Mailer or Received naming "Internet Mail Service (5.5.x)" or
 * "Microsoft Exchange Server Internet Mail Connector", X-MimeOLE "Produced
 * By Microsoft Exchange", and the text:
 *     Your message [did not reach some or all of the intended recipients.]
 *       To: ...  Subject: ...  Sent: ...
 *     did not reach the following recipient(s):   (or "The following
 *     recipient(s) could not be reached:")
 *     a@example.com on Thu, 29 Apr 2010 00:00:00 -0000
 *       (a recipient reached through a gateway in X.400 form:
 *        c=US;a= ;p=ORG;o=SITE;dda:SMTP=a@example.com; on Thu, ...)
 *         The recipient name is not recognized
 *         The MTS-ID of the original message is: c=..;a=..;p=..;l=..
 *         MSEXCH:IMS:ORG:SITE:SERVER 0 (000C05A6) Unknown Recipient
 * The German and French templates ("Folgende Empfänger konnten nicht
 * erreicht werden", "Impossible de joindre le(s) destinataire(s)") too.
 * The MSEXCH line with its code is kept in the diagnostic for the classifier.
 */
#include "format.h"
#include "lines.h"
#include "report_text.h"
#include "text.h"

#include <string.h>

#define EX2003_LINES 1000

/* the lines after which the recipients are listed */
static const char *const LIST_LEADS[] = {
    "did not reach the following recipient",
    "following recipient(s) could not be reached",
    "following recipients could not be reached",
    "Folgende(r) Empf\xc3\xa4nger konnte(n) nicht erreicht werden",
    "Folgende Empf\xc3\xa4nger konnten nicht erreicht werden",
    "hat folgende(n) Empf\xc3\xa4nger nicht erreicht",
    "Impossible de joindre le(s) destinataire(s) suivant(s)",
    "n'est pas parvenu aux destinataires suivants",
};

/* list_lead - the line introduces the list of recipients */
static int list_lead(span line)
{
    for (size_t i = 0; i < sizeof LIST_LEADS / sizeof LIST_LEADS[0]; i++)
        if (span_find(line, LIST_LEADS[i]) >= 0)
            return 1;
    return 0;
}

/* match - a list of recipients in Exchange's words (looked for first: the
 * phrase scan answers at once), with Exchange's own fields or its template
 * with an MSEXCH code */
static int match(const bk_message *m)
{
    size_t i = 0;
    while (i < sizeof LIST_LEADS / sizeof LIST_LEADS[0] && message_find(m, LIST_LEADS[i]) < 0)
        i++;
    if (i == sizeof LIST_LEADS / sizeof LIST_LEADS[0])
        return 0;
    size_t len;
    return message_header(m, "X-MS-Embedded-Report", &len) != NULL ||
           header_has(m, "X-Mailer", "Internet Mail Service (") ||
           header_has(m, "X-Mailer", "Microsoft Exchange Server Internet Mail Connector") ||
           header_has(m, "X-MimeOLE", "Produced By Microsoft Exchange") ||
           header_has(m, "Received", "with Internet Mail Service (") ||
           header_has(m, "Received", "Microsoft Exchange Server Internet Mail Connector") ||
           message_find(m, "MSEXCH:") >= 0;
}

/* indent - the white space a line starts with */
static size_t indent(span line)
{
    size_t k = 0;
    while (k < line.len && (line.p[k] == ' ' || line.p[k] == '\t'))
        k++;
    return k;
}

/* x400_smtp - the Internet address an X.400 address carries in its
 * domain-defined attribute ("c=US;a= ;p=ORG;o=SITE;dda:SMTP=a@b;", as
 * Exchange names a recipient reached through a gateway); with *rest the
 * text after it. 0 when s is no such address. */
static int x400_smtp(span s, span *a, span *rest)
{
    if (s.len < 2 || bk_lower((unsigned char)s.p[0]) != 'c' || s.p[1] != '=')
        return 0;
    long at = span_find(s, "dda:SMTP=");
    if (at < 0)
        return 0;
    span v = span_from(s, (size_t)at + 9);
    size_t k = 0;
    while (k < v.len && v.p[k] != ';' && v.p[k] != ' ' && v.p[k] != '\t')
        k++;
    *a = (span){v.p, k};
    *rest = span_from(v, k < v.len && v.p[k] == ';' ? k + 1 : k);
    return 1;
}

/* recipient_line - "a@b on DATE" (or "a@b" alone, or an X.400 address
 * carrying a@b): the address and the date */
static int recipient_line(span line, span *addr, span *date)
{
    span s = span_trim(line);
    size_t k = 0;
    while (k < s.len && s.p[k] != ' ' && s.p[k] != '\t')
        k++;
    span a = {s.p, k}, x400_rest;
    if (x400_smtp(s, &a, &x400_rest)) {
        s = x400_rest;
        k = 0;
    }
    if (!is_address(a))
        return 0;
    *addr = a;
    span rest = span_trim(span_from(s, k));
    date->p = "";
    date->len = 0;
    if (span_starts(rest, "on "))
        *date = span_trim(span_from(rest, 3));
    else if (span_starts(rest, "am ") || span_starts(rest, "le "))
        *date = span_trim(span_from(rest, 3));
    else if (rest.len)
        return 0;
    return 1;
}

/* time_of_day - s starts with a time of day ("17:12:28 -0400") */
static int time_of_day(span s)
{
    size_t k = 0;
    while (k < s.len && k < 2 && s.p[k] >= '0' && s.p[k] <= '9')
        k++;
    return k > 0 && k + 2 < s.len && s.p[k] == ':' && s.p[k + 1] >= '0' && s.p[k + 1] <= '9' &&
           s.p[k + 2] >= '0' && s.p[k + 2] <= '9';
}

/* date_append - " TEXT" added to the date held in d (cut to cap) */
static void date_append(char *d, size_t cap, span text)
{
    size_t n = strlen(d);
    if (n + 1 >= cap)
        return;
    d[n++] = ' ';
    size_t take = text.len < cap - 1 - n ? text.len : cap - 1 - n;
    memcpy(d + n, text.p, take);
    d[n + take] = '\0';
}

/* decode - the list of recipients and the indented lines under each */
static int decode(const bk_message *m, found *out)
{
    const char *t = m->text.data ? m->text.data : "";
    size_t end = m->original_at, pos = 0, lines = 0;
    span line;
    int on = 0, mts = 0;
    size_t margin = 0; /* the indentation of the current recipient's line */
    found_rcpt *cur = NULL;
    while (pos < end && lines++ < EX2003_LINES && line_next(t, end, &pos, &line)) {
        if (!on) {
            on = list_lead(line);
            continue;
        }
        span a, date;
        if (recipient_line(line, &a, &date)) {
            cur = found_add(out, a.p, a.len);
            if (cur && date.len)
                SPAN_SET(cur->date, date);
            /* a long X.400 line wraps its date before the time of day */
            size_t save = pos;
            span next;
            if (cur && date.len && !memchr(date.p, ':', date.len) &&
                line_next(t, end, &pos, &next) && time_of_day(span_trim(next)))
                date_append(cur->date, sizeof cur->date, span_trim(next));
            else
                pos = save;
            margin = indent(line);
            mts = 0;
            continue;
        }
        if (block_gap(span_trim(line), &cur))
            continue;
        if (!cur)
            continue;
        int indented = indent(line) > margin;
        span s = span_trim(line);
        /* the MTS-ID line says nothing of the failure; it may wrap onto
         * lines that are not indented */
        if (span_starts(s, "The MTS-ID of the original message is")) {
            mts = 1;
            continue;
        }
        if (mts && !indented)
            continue;
        mts = 0;
        found_diag(cur, s.p, s.len);
    }
    status_permanent(out);
    return out->n > 0;
}

const bk_format bk_format_exchange2003 = {"exchange2003", 20, match, decode};
