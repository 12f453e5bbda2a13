/*
 * pmta_log.c - PowerMTA's accounting files (acct-*.csv): CSV (RFC 4180:
 * fields may be double-quoted, "" a quote inside), a header row naming the
 * columns, whose set and order are configured ("type" always first), then
 * one row per recipient and record:
 *
 *   type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,...
 *   d,2026-12-06 10:00:02-0500,2026-12-06 10:00:00-0500,news@example.org,a@example.com,,
 *     relayed,2.0.0 (success),smtp;250 2.0.0 OK,mx.example.com (192.0.2.1),,...
 *
 *   d        delivered
 *   b        bounced; expired when bounceCat is message-expired (or the status
 *            a 4.x.x one): the last deferral's reason when one was seen
 *   t        a transient failure: pending until the recipient's outcome
 *   tq       a transient failure of a whole queue: pending when it names a
 *            recipient, else not of interest
 *   rb, rs   a bounce or status report received later (a DSN): bounced when
 *            it failed (dsnAction failed, or a 5.x.x status), else no outcome
 *   f        a feedback loop report: counted as a complaint, no outcome
 *   r        a message received: no outcome
 *
 * The header row sets the column map of the reader; rows are read as
 * PowerMTA's only after one (a file may repeat it; files merged together
 * should share their columns). Times are timeLogged: seconds since 1970, or
 * "YYYY-MM-DD HH:MM:SS-0500" (local time without a zone). The text
 * classified is dsnDiag without its type ("smtp;"), the relay dsnMta. A
 * recipient's records are joined by a key made of orig, rcpt, timeQueued,
 * jobId and envId (PowerMTA logs no queue id), not shown as a queue id.
 */
#include "logs_internal.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PMTA "powermta"
#define PMTA_COLUMNS 256 /* columns of a header read at the most */

enum { C_TYPE, C_LOGGED, C_QUEUED, C_ORIG, C_RCPT, C_ORCPT, C_ACTION, C_STATUS, C_DIAG, C_MTA,
       C_CAT, C_SIZE, C_DEST, C_JOB, C_ENVID, C_MSGID, N_COLS };

static const char *const COLUMN_NAMES[N_COLS] = {
    "type",      "timeLogged", "timeQueued", "orig",      "rcpt",  "orcpt",
    "dsnAction", "dsnStatus",  "dsnDiag",    "dsnMta",    "bounceCat", "dlvSize",
    "dlvDestinationIp", "jobId", "envId", "header_Message-Id"};

struct pmta_map {
    short field[PMTA_COLUMNS]; /* the field of each column, -1 for one not read */
    size_t ncols;
};

typedef struct {
    log_span v[N_COLS];
    char scratch[4096]; /* quoted values with "" unescaped */
    size_t used;
} pmta_fields;

/* next_field - the field at line[*i], unquoted into f's scratch when it has
 * "" in it; *i moves past its comma. -1 for an unterminated quote. */
static int next_field(const char *line, size_t len, size_t *i, pmta_fields *f, log_span *out)
{
    size_t k = *i;
    if (k < len && line[k] == '"') {
        size_t s = ++k;
        int escaped = 0;
        while (k < len && !(line[k] == '"' && (k + 1 >= len || line[k + 1] != '"'))) {
            if (line[k] == '"')
                escaped = 1, k++;
            k++;
        }
        if (k >= len)
            return -1;
        *out = (log_span){line + s, k - s};
        if (escaped) {
            char *d = f->scratch + f->used;
            size_t n = 0, room = sizeof f->scratch - f->used;
            for (size_t j = s; j < k && n < room; j++) {
                d[n++] = line[j];
                if (line[j] == '"')
                    j++;
            }
            f->used += n;
            *out = (log_span){d, n};
        }
        k++;
        if (k < len && line[k] != ',')
            return -1;
    } else {
        const char *comma = k < len ? memchr(line + k, ',', len - k) : NULL;
        size_t e = comma ? (size_t)(comma - line) : len;
        *out = (log_span){line + k, e - k};
        k = e;
    }
    *i = k < len ? k + 1 : len + 1;
    return 0;
}

/* split - the fields of a row the map names; -1 when the CSV is malformed */
static int split(const struct pmta_map *m, const char *line, size_t len, pmta_fields *f)
{
    for (int c = 0; c < N_COLS; c++)
        f->v[c] = (log_span){"", 0};
    f->used = 0;
    size_t i = 0;
    for (size_t col = 0; i <= len; col++) {
        log_span v;
        if (next_field(line, len, &i, f, &v) != 0)
            return -1;
        if (col < m->ncols && m->field[col] >= 0)
            f->v[m->field[col]] = v;
    }
    return 0;
}

/* trim_cr - the line without a carriage return at its end */
static size_t trim_cr(const char *line, size_t len)
{
    return len && line[len - 1] == '\r' ? len - 1 : len;
}

/* is_header - "type," then a rcpt column */
static int is_header(const char *line, size_t len)
{
    return len > 5 && memcmp(line, "type,", 5) == 0 && log_find((log_span){line, len}, ",rcpt") > 0;
}

int pmta_row(const bk_log_reader *r, const char *line, size_t len)
{
    if (!len)
        return 0;
    if (line[0] == 't' && is_header(line, trim_cr(line, len)))
        return 1;
    if (!r->pmta)
        return 0;
    size_t k = 0;
    while (k < len && k < 5 && line[k] >= 'a' && line[k] <= 'z')
        k++;
    return k >= 1 && k <= 4 && k < len && line[k] == ',';
}

/* header - the column map of a header row */
static int header(bk_log_reader *r, const char *line, size_t len)
{
    if (!r->pmta && !(r->pmta = malloc(sizeof *r->pmta)))
        return -1;
    struct pmta_map *m = r->pmta;
    m->ncols = 0;
    pmta_fields fs, *f = &fs;
    f->used = 0;
    size_t i = 0;
    int rc = 0;
    while (i <= len && m->ncols < PMTA_COLUMNS) {
        log_span name;
        if (next_field(line, len, &i, f, &name) != 0) {
            m->ncols = 0; /* no columns: the rows after it are not misread */
            rc = -1;
            break;
        }
        short field = -1;
        for (int c = 0; c < N_COLS; c++)
            if (name.len == strlen(COLUMN_NAMES[c]) && bk_ci_same(name.p, COLUMN_NAMES[c], name.len))
                field = (short)c;
        m->field[m->ncols++] = field;
    }
    return rc;
}

/* row_time - timeLogged as seconds since 1970, -1 when missing or malformed */
static long long row_time(log_span v)
{
    if (!v.len)
        return -1;
    size_t k = 0;
    while (k < v.len && bk_is_digit((unsigned char)v.p[k]))
        k++;
    if (k == v.len)
        return k <= 12 ? log_number(v) : -1;
    return log_stamp(v.p, v.len);
}

long long pmta_time(const bk_log_reader *r, const char *line, size_t len)
{
    len = trim_cr(line, len);
    if (!r->pmta || is_header(line, len))
        return -1;
    pmta_fields f;
    return split(r->pmta, line, len, &f) == 0 ? row_time(f.v[C_LOGGED]) : -1;
}

/* after - v without a leading "word;" ("smtp;550 ...", "rfc822;a@example.com") */
static log_span after_type(log_span v)
{
    const char *semi = memchr(v.p, ';', v.len);
    if (semi && semi - v.p <= 10) {
        size_t skip = (size_t)(semi + 1 - v.p);
        v.p += skip, v.len -= skip;
        while (v.len && v.p[0] == ' ')
            v.p++, v.len--;
    }
    return v;
}

/* status_code - the "X.Y.Z" at the start of dsnStatus ("5.1.1 (bad destination mailbox address)") */
static log_span status_code(log_span v)
{
    size_t k = 0;
    while (k < v.len && (bk_is_digit((unsigned char)v.p[k]) || v.p[k] == '.'))
        k++;
    return (log_span){v.p, k >= 5 ? k : 0};
}

/* row - one record */
static int row(bk_log_reader *r, const char *line, size_t len)
{
    pmta_fields f;
    if (split(r->pmta, line, len, &f) != 0)
        return -1;
    log_span *v = f.v, type = v[C_TYPE];
    long long t = row_time(v[C_LOGGED]);
    if (t < 0)
        return -1;
    log_clock(r, t);
    if (log_is(type, "r"))
        return 0;
    if (log_is(type, "f")) {
        r->st.complaints++;
        return 0;
    }
    /* the key: what tells one message's recipient from another's */
    uint64_t h = 1469598103934665603ULL;
    static const int KEY_COLS[] = {C_ORIG, C_RCPT, C_QUEUED, C_JOB, C_ENVID};
    for (size_t k = 0; k < sizeof KEY_COLS / sizeof *KEY_COLS; k++)
        h = bk_hash(h ^ (uint64_t)(k + 1), v[KEY_COLS[k]].p, v[KEY_COLS[k]].len);
    char key[20];
    snprintf(key, sizeof key, "~%016llx", (unsigned long long)h);
    log_span dsn = status_code(v[C_STATUS]), text = after_type(v[C_DIAG]);
    if (!text.len)
        text = v[C_STATUS];
    log_record a = {.mta = PMTA,
                    .key = {key, strlen(key)},
                    .anonymous = 1,
                    .sender = v[C_ORIG],
                    .recipient = v[C_RCPT],
                    .orig_recipient = after_type(v[C_ORCPT]),
                    .relay = v[C_MTA].len ? v[C_MTA] : v[C_DEST],
                    .dsn = dsn,
                    .text = text,
                    .messageid = log_unbracket(v[C_MSGID]),
                    .size = v[C_SIZE].len ? log_number(v[C_SIZE]) : -1};
    int failed = log_is(v[C_ACTION], "failed") || (dsn.len && dsn.p[0] == '5');
    if (log_is(type, "d"))
        return log_record_outcome(r, &a, BK_LOG_DELIVERED);
    if (log_is(type, "b")) {
        int expired = log_is(v[C_CAT], "message-expired") || (dsn.len && dsn.p[0] == '4');
        a.use_pending = expired;
        return log_record_outcome(r, &a, expired ? BK_LOG_EXPIRED : BK_LOG_BOUNCED);
    }
    if (log_is(type, "t") || (log_is(type, "tq") && a.recipient.len))
        return log_record_defer(r, &a);
    if ((log_is(type, "rb") || log_is(type, "rs")) && failed)
        return log_record_outcome(r, &a, BK_LOG_BOUNCED);
    return 1;
}

int pmta_line(bk_log_reader *r, const char *line, size_t len)
{
    len = trim_cr(line, len);
    if (is_header(line, len))
        return header(r, line, len);
    return row(r, line, len);
}

void pmta_free(bk_log_reader *r)
{
    free(r->pmta);
    r->pmta = NULL;
}
