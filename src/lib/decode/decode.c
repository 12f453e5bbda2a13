/*
 * decode.c - bounce messages to one verdict per recipient (bk_decode).
 *
 *   1. line ends to LF; a leading mbox "From " line dropped
 *   2. message.c takes the message apart (GMime)
 *   3. the formats of src/lib/formats/, in rank order: the first whose
 *      match() holds and whose decode() finds recipients wins; when none
 *      does and a bounce is wrapped in the message (message.h: wrapped),
 *      that bounce is read and decoded instead (one level only)
 *   4. per recipient: what the text around it adds (the SMTP command), the
 *      classifier's verdict with the report's codes and host as hints, what
 *      the report says when the reply names no cause (report_reason), and
 *      the returned message's sender, Message-ID and Subject
 * Success notices and auto-replies are reported only when asked.
 */
#include "bouncekit.h"
#include "format.h"
#include "lines.h"
#include "message.h"
#include "record.h"
#include "text.h"
#include "token.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const bk_format *const bk_formats_table[];
extern const size_t bk_formats_count;

struct bk_decoder {
    const bk_classifier *c;
    bk_decode_options opt;
    bk_buf norm;          /* the message with LF line ends */
    bk_buf wrapped;       /* a wrapped bounce's content, out of the message read */
    bk_message m;
    found f;
    bk_bounce *out;
    size_t out_cap;
    GChecksum *sha1;      /* the tokens' checksum, kept from one record to the next */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static const bk_format *sorted[256];
static const char *names[257];
static size_t n_sorted;

/* by_rank - qsort order of formats: rank, then name */
static int by_rank(const void *a, const void *b)
{
    const bk_format *x = *(const bk_format *const *)a, *y = *(const bk_format *const *)b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* init - GMime, and the formats in the order they are tried */
static void init(void)
{
    message_setup();
    n_sorted = bk_formats_count < 256 ? bk_formats_count : 256;
    for (size_t i = 0; i < n_sorted; i++)
        sorted[i] = bk_formats_table[i];
    qsort(sorted, n_sorted, sizeof sorted[0], by_rank);
    for (size_t i = 0; i < n_sorted; i++)
        names[i] = sorted[i]->name;
    names[n_sorted] = NULL;
}

bk_bounce *record_slots(bk_decoder *d, size_t n)
{
    if (n == 0)
        n = 1;
    if (d->out_cap < n) {
        bk_bounce *nb = realloc(d->out, n * sizeof *nb);
        if (!nb)
            return NULL;
        d->out = nb;
        d->out_cap = n;
    }
    return d->out;
}

const bk_classifier *record_classifier(const bk_decoder *d)
{
    return d->c;
}

const char *const *bk_decode_formats(void)
{
    pthread_once(&init_once, init);
    return names;
}

bk_decoder *bk_decoder_new(const bk_classifier *c, const bk_decode_options *options)
{
    pthread_once(&init_once, init);
    bk_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->c = c;
    if (options)
        d->opt = *options;
    message_init(&d->m);
    return d;
}

void bk_decoder_free(bk_decoder *d)
{
    if (!d)
        return;
    bk_buf_free(&d->norm);
    bk_buf_free(&d->wrapped);
    message_free(&d->m);
    found_free(&d->f);
    free(d->out);
    if (d->sha1)
        g_checksum_free(d->sha1);
    free(d);
}

/* normalise - the message p[0..*len) with LF line ends and no leading mbox
 * "From " line: in place when it has no CR, else copied into b; NULL when
 * out of memory */
static const char *normalise(bk_buf *b, const char *p, size_t *len_io)
{
    size_t len = *len_io;
    if (len > 5 && memcmp(p, "From ", 5) == 0) {
        const char *nl = memchr(p, '\n', len);
        size_t skip = nl ? (size_t)(nl - p) + 1 : len;
        p += skip;
        len -= skip;
    }
    *len_io = len;
    if (len == 0)
        return "";
    if (!memchr(p, '\r', len))
        return p;
    bk_buf_reset(b);
    size_t i = 0;
    while (i < len) {
        const char *cr = memchr(p + i, '\r', len - i);
        size_t run = cr ? (size_t)(cr - p) - i : len - i;
        bk_buf_append(b, p + i, run);
        i += run;
        if (!cr)
            break;
        bk_buf_putc(b, '\n');
        i++;
        if (i < len && p[i] == '\n')
            i++;
    }
    *len_io = b->len;
    return b->oom ? NULL : b->data ? b->data : "";
}

/* paragraph - the lines of the report's text about address a: from the
 * line that names it to the next blank line (bounded) */
static span paragraph(const bk_message *m, size_t end, const char *a)
{
    span none = {"", 0};
    if (!m->text.len || !a[0])
        return none;
    span text = {m->text.data, end};
    long at = span_find(text, a);
    if (at < 0)
        return none;
    size_t s = (size_t)at;
    while (s > 0 && m->text.data[s - 1] != '\n')
        s--;
    size_t pos = s, e = s, lines = 0;
    span line;
    while (lines++ < 12 && line_next(m->text.data, end, &pos, &line)) {
        if (lines > 1 && span_is_blank(line))
            break;
        e = pos;
    }
    span r = {m->text.data + s, e - s};
    return r;
}

/* command_in - the command of "in reply to X command" / "after X" in s */
static bk_command command_in(span s)
{
    size_t n = 0;
    long at = span_find_words(s, "in reply to ", &n);
    if (at < 0)
        return BK_CMD_NONE;
    span rest = span_from(s, (size_t)at + n);
    long end = span_find(rest, " command");
    if (end < 0)
        return BK_CMD_NONE;
    if (span_starts(rest, "end of ") && (size_t)end >= 7) {
        rest = span_from(rest, 7);
        end -= 7;
    }
    return bk_command_parse(rest.p, (size_t)end);
}

/* set_time - timestamp and epoch from a date field's text */
static void set_time(bk_bounce *b, const char *date)
{
    if (!date || !date[0] || record_time_plain(b, date))
        return;
    GDateTime *dt = g_mime_utils_header_decode_date(date);
    if (!dt)
        return;
    record_set_time(b, dt);
    g_date_time_unref(dt);
}

/* set_fields - b's timestamp and epoch from the local time y-mo-d h:mi:s at
 * off seconds east of UTC and its epoch: as g_date_time_format(dt,
 * "%Y-%m-%dT%H:%M:%S%:z") writes it, that is
 * "%d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld" */
static void set_fields(bk_bounce *b, const long long local[6], long off, long long epoch)
{
    char sign = off >= 0 ? '+' : '-';
    off = off < 0 ? -off : off;
    char s[160];
    size_t n = bk_put_decimal(s, local[0], 1);
    static const char before[] = "--T::";
    for (size_t i = 0; i < 5; i++) {
        s[n++] = before[i];
        n += bk_put_decimal(s + n, local[i + 1], 2);
    }
    s[n++] = sign;
    n += bk_put_decimal(s + n, off / 3600, 2);
    s[n++] = ':';
    n += bk_put_decimal(s + n, off / 60 % 60, 2);
    if (n < 64) /* what the 64 bytes printf wrote to before held */
        found_set(b->timestamp, sizeof b->timestamp, s, n);
    b->epoch = epoch;
}

void record_set_time(bk_bounce *b, GDateTime *dt)
{
    int mo, d;
    g_date_time_get_ymd(dt, NULL, &mo, &d);
    const long long local[6] = {g_date_time_get_year(dt), mo, d, g_date_time_get_hour(dt),
                                g_date_time_get_minute(dt), g_date_time_get_second(dt)};
    set_fields(b, local, (long)(g_date_time_get_utc_offset(dt) / G_TIME_SPAN_SECOND),
               (long long)g_date_time_to_unix(dt));
}

int record_time_plain(bk_bounce *b, const char *date)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char wdays[] = "MonTueWedThuFriSatSun";
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = date;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    if (n >= 5 && p[3] == ',' && p[4] == ' ') { /* "Mon, " */
        size_t w = 0;
        while (w < 7 && strncmp(p, wdays + 3 * w, 3) != 0)
            w++;
        if (w == 7)
            return 0;
        p += 5;
        n -= 5;
    }
    /* "2 Jan 2026 03:04:05 +0900" or "02 Jan ...", then the end or a blank */
    size_t dl = n > 1 && p[1] == ' ' ? 1 : 2;
    if (n < dl + 24 || p[dl] != ' ' || p[dl + 4] != ' ' || p[dl + 9] != ' ' ||
        p[dl + 12] != ':' || p[dl + 15] != ':' || p[dl + 18] != ' ' ||
        (p[dl + 19] != '+' && p[dl + 19] != '-') ||
        (p[dl + 24] != '\0' && p[dl + 24] != ' ' && p[dl + 24] != '\t'))
        return 0;
    const char *q = p + dl;
    int day = bk_digits(p, dl), year = bk_digits(q + 5, 4), hour = bk_digits(q + 10, 2),
        min = bk_digits(q + 13, 2), sec = bk_digits(q + 16, 2), zh = bk_digits(q + 20, 2),
        zm = bk_digits(q + 22, 2);
    int mon = 0;
    while (mon < 12 && strncmp(q + 1, months + 3 * mon, 3) != 0)
        mon++;
    if (mon == 12 || day < 1 || year < 1970 || hour < 0 || hour > 23 || min < 0 || min > 59 ||
        sec < 0 || sec > 59 || zh < 0 || zh > 14 || zm < 0 || zm > 59)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[mon] + (mon == 1 && leap))
        return 0;
    long off = (zh * 3600L + zm * 60L) * (q[19] == '-' ? -1 : 1);
    const long long local[6] = {year, mon + 1, day, hour, min, sec};
    long long epoch = bk_days_from_civil(year, mon + 1, day) * 86400 + hour * 3600LL + min * 60LL + sec - off;
    set_fields(b, local, off, epoch);
    return 1;
}

/* set_token - b's token, made with sum (a SHA-1 checksum) */
static void set_token(GChecksum *sum, bk_bounce *b)
{
    token_hex(sum, b->addresser, strnlen(b->addresser, sizeof b->addresser), b->recipient,
              strnlen(b->recipient, sizeof b->recipient), b->epoch, b->token, sizeof b->token);
}

void record_set_token(bk_bounce *b)
{
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA1);
    if (!sum)
        return;
    set_token(sum, b);
    g_checksum_free(sum);
}

/* original_fields - sender, Message-ID, Subject, List-Id of the returned message */
static void original_fields(bk_decoder *d, bk_bounce *b)
{
    const char *h = d->f.original_len ? d->f.original : d->m.original.data;
    size_t hl = d->f.original_len ? d->f.original_len : d->m.original.len;
    if (d->f.addresser[0])
        found_set(b->addresser, sizeof b->addresser, d->f.addresser, strlen(d->f.addresser));
    if (!h || !hl)
        return;
    enum { FROM, RETURN_PATH, MESSAGE_ID, SUBJECT, LIST_ID, FIELDS };
    static const char *const wanted[FIELDS] = {"From", "Return-Path", "Message-ID", "Subject",
                                               "List-Id"};
    char v[FIELDS][BK_ADDR_MAX * 2];
    char *const out[FIELDS] = {v[FROM], v[RETURN_PATH], v[MESSAGE_ID], v[SUBJECT], v[LIST_ID]};
    unsigned got = header_values(h, hl, wanted, FIELDS, out, sizeof v[0]);
    span a;
    int from = got & (1u << FROM) ? FROM : got & (1u << RETURN_PATH) ? RETURN_PATH : -1;
    if (!b->addresser[0] && from >= 0) {
        span s = {v[from], strlen(v[from])};
        if (find_address(s, &a))
            SPAN_SET(b->addresser, a);
    }
    if (got & (1u << MESSAGE_ID)) {
        span s = span_trim((span){v[MESSAGE_ID], strlen(v[MESSAGE_ID])});
        if (s.len > 2 && s.p[0] == '<' && s.p[s.len - 1] == '>')
            s.p++, s.len -= 2;
        SPAN_SET(b->messageid, s);
    }
    if (got & (1u << SUBJECT) && !bk_encoded_or_8bit(v[SUBJECT], strlen(v[SUBJECT]))) {
        found_set(b->subject, sizeof b->subject, v[SUBJECT], strlen(v[SUBJECT]));
    } else if (got & (1u << SUBJECT)) {
        gchar *dec = g_mime_utils_header_decode_text(NULL, v[SUBJECT]);
        found_set(b->subject, sizeof b->subject, dec ? dec : v[SUBJECT],
                  strlen(dec ? dec : v[SUBJECT]));
        g_free(dec);
    }
    if (got & (1u << LIST_ID))
        found_set(b->listid, sizeof b->listid, v[LIST_ID], strlen(v[LIST_ID]));
}

/* success - an action that says the message arrived */
static int success(const found_rcpt *r)
{
    return strcmp(r->action, "delivered") == 0 || strcmp(r->action, "relayed") == 0 ||
           strcmp(r->action, "expanded") == 0;
}

/* report_reason - what the report itself says when the reply does not. A
 * delay notice says the message has been waiting in the queue: when its last
 * attempt names no cause (a class-level or bare code, or nothing), that wait
 * is the news: expired (a final report is expired only when it says so, by
 * X.4.7 or its words). A cause the reply names (mailbox full, no PTR, a
 * network failure: the message is still being retried) is kept. A failure whose text no rule
 * reads names no cause: onhold (someone has to read it); with no text at all
 * it stays undefined. A failure typed X-Unix (RFC 3464: the text is what a
 * local delivery program such as procmail or a pipe said or its exit status)
 * whose text names nothing more specific than a weak phrase or a code is the
 * program's failure: mailererror. The user's rules are never overridden. */
static void report_reason(const bk_classifier *c, const found_rcpt *r, size_t diag_len,
                          bk_verdict *v)
{
    if (v->tier == BK_TIER_USER)
        return;
    if (strcmp(r->action, "delayed") == 0) {
        if (v->permanence != BK_PERM_PERMANENT && v->permanence != BK_PERM_SUCCESS &&
            v->tier >= BK_TIER_GENERIC_STATUS)
            bk_verdict_set_reason(c, v, "expired");
        return;
    }
    if (success(r) || !diag_len)
        return;
    if (v->tier >= BK_TIER_WEAK_PHRASE && g_ascii_strcasecmp(r->diagtype, "X-Unix") == 0)
        bk_verdict_set_reason(c, v, "mailererror");
    else if (v->tier == BK_TIER_DEFAULT && strcmp(v->reason, "undefined") == 0)
        bk_verdict_set_reason(c, v, "onhold");
}

/* said_permanent - v of a failure the notice says is for good, or one it
 * gives up on (given_up), which no code describes: permanent (and what
 * follows from that: hardbounce ...), status 5.0.0 (RFC 3463: permanent, no
 * more said); set once its text is classified, so that the invented code
 * does not weigh in the verdict as a code would */
static void said_permanent(const bk_classifier *c, bk_verdict *v)
{
    if (v->permanence == BK_PERM_UNKNOWN)
        bk_verdict_set_permanence(c, v, BK_PERM_PERMANENT);
    if (!v->status[0])
        found_set(v->status, sizeof v->status, "5.0.0", 5);
}

/* given_up - r is a failure the report gives up on (not a delay, a success,
 * a complaint or an automatic reply), which neither a status nor a 4xx reply
 * describes */
static int given_up(const found_rcpt *r, const bk_verdict *v)
{
    if (r->reason || r->status[0] || v->status[0] || (r->reply_code && r->reply_code < 500))
        return 0;
    if (r->action[0] && strcmp(r->action, "failed") != 0)
        return 0;
    return strcmp(v->reason, "feedback") != 0 && strcmp(v->reason, "vacation") != 0 &&
           strcmp(v->reason, "delivered") != 0;
}

/* fill - one bounce from what the format found */
static void fill(bk_decoder *d, const bk_format *fmt, const found_rcpt *r, size_t end,
                 bk_bounce *b)
{
    memset(b, 0, sizeof *b);
    found_set(b->recipient, sizeof b->recipient, r->recipient, strlen(r->recipient));
    found_set(b->origrecipient, sizeof b->origrecipient, r->orig, strlen(r->orig));
    found_set(b->action, sizeof b->action, r->action[0] ? r->action : "failed",
              strlen(r->action[0] ? r->action : "failed"));
    found_set(b->diagnostictype, sizeof b->diagnostictype, r->diagtype, strlen(r->diagtype));
    found_set(b->rhost, sizeof b->rhost, r->rhost, strlen(r->rhost));
    const char *lhost = r->lhost[0] ? r->lhost : d->f.lhost;
    found_set(b->lhost, sizeof b->lhost, lhost, strlen(lhost));
    found_set(b->decodedby, sizeof b->decodedby, fmt->name, strlen(fmt->name));
    found_set(b->feedbacktype, sizeof b->feedbacktype, r->feedbacktype, strlen(r->feedbacktype));

    /* the text around the recipient: the diagnostic when the report has
     * none, and the command it answered */
    bk_command cmd = r->command;
    const char *diag = r->diag;
    size_t diag_len = r->diag_len;
    found_rcpt extra;
    if (!diag_len || !cmd) {
        span para = paragraph(&d->m, end, r->recipient);
        if (!cmd)
            cmd = command_in(para);
        if (!diag_len && para.len && !r->reason) {
            extra.diag_len = 0;
            span after = para;
            long at = span_find(para, r->recipient);
            if (at >= 0)
                after = span_from(para, (size_t)at + strlen(r->recipient));
            while (after.len && strchr(">:,) \t\n", after.p[0]))
                after = span_from(after, 1);
            found_diag(&extra, after.p, after.len);
            diag = extra.diag;
            diag_len = extra.diag_len;
        }
    }
    found_set(b->diagnosticcode, sizeof b->diagnosticcode, diag, diag_len);

    /* a delay names a transient condition (RFC 3464: a delayed action's
     * status is 4.X.X), also when the report gives no code */
    const char *status = r->status[0] ? r->status : NULL;
    if (!status && !r->reply_code && strcmp(r->action, "delayed") == 0)
        status = "4.0.0";
    const char *at = strrchr(b->recipient, '@');
    bk_hints hints = {.command = cmd,
                      .host = b->rhost[0] ? b->rhost : NULL,
                      .domain = at ? at + 1 : NULL,
                      .reply_code = r->reply_code,
                      .status = status};
    bk_classify(d->c, diag, diag_len, &hints, &b->verdict, NULL);
    if (r->reason)
        bk_verdict_set_reason(d->c, &b->verdict, r->reason);
    else
        report_reason(d->c, r, diag_len, &b->verdict);
    if ((r->said_permanent && !r->status[0] && (!r->reply_code || r->reply_code >= 500)) ||
        given_up(r, &b->verdict))
        said_permanent(d->c, &b->verdict);

    set_time(b, r->date[0] ? r->date : d->f.date[0] ? d->f.date : NULL);
    if (!b->timestamp[0]) {
        const char *date = message_header(&d->m, "Date", NULL);
        set_time(b, date);
    }
    original_fields(d, b);
    if (!d->sha1)
        d->sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    if (d->sha1)
        set_token(d->sha1, b);
}

extern const bk_format bk_format_fallback;

/* first_format - the first format, in rank order, that finds recipients in
 * d->m (they are in d->f), or NULL; the general fallback only when asked */
static const bk_format *first_format(bk_decoder *d, int fallback)
{
    for (size_t i = 0; i < n_sorted; i++) {
        if (!fallback && sorted[i] == &bk_format_fallback)
            continue;
        if (!sorted[i]->match(&d->m))
            continue;
        found_reset(&d->f);
        if (sorted[i]->decode(&d->m, &d->f) && d->f.n)
            return sorted[i];
    }
    return NULL;
}

/* wrapped_bounce - the message read from a wrapped part is a bounce: it
 * has a delivery-status part, or looks_like_bounce() says so (its report
 * type, From, Subject or Return-Path), as for the input */
static int wrapped_bounce(const bk_message *m)
{
    return m->dsn.len || looks_like_bounce(m);
}

/* unwrap - d->m read again from the bounce wrapped in it (a gateway's
 * cover, a user's forward), when there is one: 1 when d->m is now that
 * bounce; 0 when there is none (d->m may then hold the wrapped message, and
 * why what made it unreadable) */
static int unwrap(bk_decoder *d, char *why, size_t whylen)
{
    if (!d->m.wrapped)
        return 0;
    /* out of the model first: message_read writes over what it points into */
    bk_buf_reset(&d->wrapped);
    bk_buf_append(&d->wrapped, d->m.wrapped, d->m.wrapped_len);
    size_t len = d->wrapped.len;
    const char *p = d->wrapped.oom ? NULL : normalise(&d->norm, d->wrapped.data, &len);
    return p && message_read(&d->m, p, len, why, whylen) == 0 && wrapped_bounce(&d->m);
}

int bk_decode(bk_decoder *d, const char *msg, size_t len, bk_decoded *out)
{
    memset(out, 0, sizeof *out);
    size_t n_len = len;
    const char *norm = normalise(&d->norm, msg, &n_len);
    if (!norm)
        return -1;
    if (message_read(&d->m, norm, n_len, out->why,
                     sizeof out->why) != 0) {
        out->status = BK_UNREADABLE;
        return 0;
    }
    /* a person's message with a bounce wrapped in it (a forward as an
     * attachment): the general fallback waits, as it would take the
     * addresses of the cover note for failed recipients. A mail system's
     * message is read by its own words first (a bounce whose returned
     * message is an older bounce). */
    int wrapped = d->m.wrapped != NULL && !from_mail_system(&d->m);
    const bk_format *fmt = first_format(d, !wrapped);
    int looks = 0; /* the input or the bounce wrapped in it says it is one */
    if (!fmt) {
        looks = looks_like_bounce(&d->m);
        if (unwrap(d, out->why, sizeof out->why)) {
            looks = 1;
            fmt = first_format(d, 1);
        }
        if (!fmt && wrapped) {
            /* nothing in the wrapped message: the input's own text, read
             * again, by the general fallback too */
            n_len = len;
            norm = normalise(&d->norm, msg, &n_len);
            if (!norm)
                return -1;
            if (message_read(&d->m, norm, n_len, out->why, sizeof out->why) == 0)
                fmt = first_format(d, 1);
        }
    }
    if (!fmt) {
        out->status = BK_NOT_BOUNCE;
        snprintf(out->why, sizeof out->why, "%s",
                 looks ? "looks like a delivery report, but no failed recipient could be read"
                       : "not a bounce: no delivery report and no failed recipient found");
        return 0;
    }
    if (!record_slots(d, d->f.n))
        return -1;
    /* a recipient the format gave no action: a delay notice's is delayed */
    int delay = -1;
    for (size_t i = 0; i < d->f.n; i++) {
        found_rcpt *r = &d->f.r[i];
        if (r->action[0] || r->reason)
            continue;
        if (delay < 0)
            delay = delay_notice(&d->m);
        if (delay)
            found_set(r->action, sizeof r->action, "delayed", 7);
    }
    size_t end = d->m.original_at;
    size_t n = 0, skipped_success = 0, skipped_vacation = 0;
    for (size_t i = 0; i < d->f.n; i++) {
        const found_rcpt *r = &d->f.r[i];
        int vacation = r->reason && strcmp(r->reason, "vacation") == 0;
        if (vacation && !d->opt.vacation) {
            skipped_vacation++;
            continue;
        }
        if (!vacation && success(r) && !d->opt.delivered) {
            skipped_success++;
            continue;
        }
        fill(d, fmt, r, end, &d->out[n]);
        if (vacation)
            bk_verdict_set_reason(d->c, &d->out[n].verdict, "vacation");
        n++;
    }
    out->bounces = d->out;
    out->n = n;
    out->dropped = d->f.dropped;
    if (n == 0) {
        out->status = BK_NOT_BOUNCE;
        snprintf(out->why, sizeof out->why, "%s",
                 skipped_vacation ? "an automatic reply (reported with --vacation)"
                                  : skipped_success
                                        ? "a success notification (reported with --delivered)"
                                        : "no failed recipient");
    }
    return 0;
}
