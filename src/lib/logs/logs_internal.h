/*
 * logs_internal.h - what the log readers (postfix_log.c, exim_log.c,
 * sendmail_log.c, kumo_log.c, pmta_log.c) share with the core (logs.c): the
 * state kept per queue id and per recipient still in the queue, and the calls
 * that report an outcome.
 *
 * A queue entry lives from the first line that names its queue id to the
 * line that says the message left the queue; entries idle longer than the
 * horizon, or past the table's size, are evicted (their recipients still
 * pending are reported as deferred) and counted.
 */
#ifndef BK_LOGS_INTERNAL_H
#define BK_LOGS_INTERNAL_H

#include "bouncekit.h"
#include "logline.h"

#include <string.h>

#define QID_MAX 40         /* KumoMTA's spool ids have 32 characters */
#define SENDER_INLINE 40  /* senders shorter than this live in their queue entry */

typedef struct {
    char *recipient;          /* malloc'd */
    int attempts;
    long long first, last;
    char dsn[BK_STATUS_MAX];
    char *text;               /* the last deferral's reason, malloc'd */
    char *relay;
    double delay;
    int refused;              /* a refusal at RCPT held until its sender is known: an
                               * outcome rejected whenever it is reported */
} log_pending;

typedef struct {
    char qid[QID_MAX];        /* "" for a free slot */
    const char *mta;          /* the reader that made it */
    int anonymous;            /* qid is a key the reader made, not the MTA's: not shown */
    char sender_in[SENDER_INLINE]; /* the sender when short (has_sender 1) */
    char *sender_out;         /* else: malloc'd (has_sender 2) */
    char *messageid;          /* malloc'd or NULL */
    long long size;
    int nrcpt;
    int has_sender;           /* 0: no sender seen; 1 or 2: where it is */
    long long first, last;
    log_pending *p;
    size_t np, cap;
    int done, failed;         /* recipients with an outcome; of them bounced or expired */
} log_queue;

#define PROV_SLOTS 32768    /* relay hosts and domains whose provider is remembered (half at most) */
#define VERDICT_SLOTS 4096  /* failure replies whose verdict is remembered */

typedef struct {
    const char *value;        /* the provider of key, or NULL */
    unsigned char len;        /* the key's length + 1; 0 for an empty slot */
    unsigned char domain;     /* key is a recipient domain (1) or a relay host (0) */
    char key[54];             /* a host name or domain: the slot fills one cache line */
} log_prov_slot;

typedef struct {
    char *key;                /* text, host, domain and status; malloc'd */
    size_t len;
    bk_verdict v;
} log_verdict_slot;

struct bk_log_reader {
    const bk_classifier *c;
    bk_log_options o;
    bk_log_sink sink;
    void *ctx;
    log_queue *slots;         /* open addressing, linear probing */
    size_t cap, used;
    bk_log_stats st;
    long long now;            /* the time of the latest line */
    int year, last_month;
    int guess_year;           /* no year given: a stamp past the clock is the year before's */
    long long clock;          /* the time when reading began, or the year last turned */
    unsigned long long since_sweep;
    bk_log_event ev;          /* the event being built */
    bk_verdict delivered;     /* the verdict of every delivery, once made */
    int delivered_ready;
    log_prov_slot *prov;      /* PROV_SLOTS, open addressing, 2 MB-aligned; emptied when half full */
    size_t prov_used;
    size_t prov_hint[2][2];   /* [host, domain]: {length, slot} prefetched for the next lookup */
    log_verdict_slot *verdicts;        /* VERDICT_SLOTS, direct-mapped */
    struct _GChecksum *sha1;  /* reused for every token */
    struct pmta_map *pmta;    /* the columns of PowerMTA accounting rows, once a header was read */
};

/* queue_get - the entry of queue id qid[0..len) of the given MTA; created
 * when create is set; NULL when absent (or the id is too long). Making room
 * may report evicted recipients: call it before event_start(). */
log_queue *queue_get(bk_log_reader *r, const char *mta, const char *qid, size_t len, int create);

/* queue_drop - the message left the queue: forget the entry */
void queue_drop(bk_log_reader *r, log_queue *q);

/* queue_expire - report every pending recipient of q with outcome o, then drop q */
void queue_expire(bk_log_reader *r, log_queue *q, bk_log_outcome o);

/* pending_get - the pending recipient of q, created when create is set */
log_pending *pending_get(log_queue *q, const char *rcpt, size_t len, int create);

/* pending_remove - forget one pending recipient */
void pending_remove(log_queue *q, log_pending *p);

/* set_str - replace a malloc'd string with a bounded copy of p[0..n) */
void set_str(char **dst, const char *p, size_t n);

/* queue_set_sender - the sender of q: a bounded copy of p[0..n), as set_str */
void queue_set_sender(log_queue *q, const char *p, size_t n);

/* queue_sender - the sender of q, NULL when none was seen */
const char *queue_sender(const log_queue *q);

/* event_start - empty the reader's event and set what every event has */
bk_log_event *event_start(bk_log_reader *r, bk_log_outcome o, const char *mta,
                          const log_line *l, const log_queue *q);

/* reply_key - the text of a reply with its per-message parts (the relay named
 * host, addresses' local parts, the recipient's domain, server ids, time
 * stamps) masked, into out[0..cap): the key of its verdict (reply_key.c); its
 * length, 0 when it does not fit */
size_t reply_key(const char *text, size_t len, const char *host, const char *domain, char *out,
                 size_t cap);

/* provider_prefetch - start loading the cache slot of a relay host (domain
 * 0) or recipient domain (1) of a delivery soon reported; a hint only */
void provider_prefetch(bk_log_reader *r, int domain, const char *name, size_t n);

/* event_emit - classify the event (failures), add provider and token, and
 * hand it to the sink */
void event_emit(bk_log_reader *r, bk_log_event *e);

/* copy_field - bounded copy of p[0..n) into a fixed field */
void copy_field(char *dst, size_t cap, const char *p, size_t n);

/* log_find - offset of needle in s, or -1 */
long log_find(log_span s, const char *needle);

/* log_starts - s begins with prefix */
int log_starts(log_span s, const char *prefix);

/* log_is - s is exactly the string lit (inline: the literal's length is
 * known when compiled) */
static inline int log_is(log_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* log_value - the value of "key=" (at the start or after a blank) in a
 * ", "-separated list, up to the next ',' or the end; len 0 when missing */
log_span log_value(log_span s, const char *key);

/* log_number - the decimal digits at the start of v (saturating), 0 when none */
long long log_number(log_span v);

/* log_decimal - "12" or "0.25" at the start of v, -1 when v starts with no digit */
double log_decimal(log_span v);

/* log_handoff - a delivery to relay with the reply text is a hand-off: the
 * relay is this host (127.0.0.0/8, ::1, localhost) and its reply names the
 * queue id it queued the message under to send it on ("queued as QID2",
 * "QID2 Message accepted for delivery"), one this log has shown (of mta):
 * a content filter's re-injection, the submission client's MTA. A reply
 * naming no id seen here (a tunnel to a smarthost, a test server) is a
 * delivery: no other line of the log would tell its outcome. */
int log_handoff(bk_log_reader *r, const char *mta, log_span relay, log_span text);

/* log_filter_discard - a delivery to relay with the reply text is a content
 * filter on this host (127.0.0.0/8, ::1, localhost) dropping the message on
 * purpose: amavisd-new's "250 2.7.0 Ok, discarded, id=... - INFECTED: ..." */
int log_filter_discard(log_span relay, log_span text);

/* log_prog_is - the program name is name, or ends with "/name"
 * ("postfix/cleanup", "postfix-out/discard"); inline, as log_is */
static inline int log_prog_is(log_span prog, const char *name)
{
    size_t n = strlen(name);
    return prog.len >= n && memcmp(prog.p + prog.len - n, name, n) == 0 &&
           (prog.len == n || prog.p[prog.len - n - 1] == '/');
}

/* log_unbracket - drop the angle brackets of "<addr>" */
log_span log_unbracket(log_span v);

/* log_queue_id - the alphanumeric "QID: " at the start of msg (Postfix,
 * Sendmail); length 0 when it is not one */
log_span log_queue_id(log_span msg);

/* log_clock - the time of the line being read is t: the reader's clock
 * moves to it (a clock going back a little keeps the later time) */
void log_clock(bk_log_reader *r, long long t);

/* log_record - one recipient's delivery attempt or outcome, as the MTAs that
 * log one record per recipient write it (KumoMTA, PowerMTA): all of it in
 * the record, only the earlier attempts kept in the queue table */
typedef struct {
    const char *mta;
    log_span key;             /* the queue key of the recipient's message */
    int anonymous;            /* key is made by the reader: not shown as the queue id */
    log_span sender, recipient, orig_recipient, relay, dsn, text, messageid;
    long long size;           /* -1 when unknown */
    int use_pending;          /* an outcome that is no delivery attempt and has no reason of
                               * the remote's (an expiry): the last deferral's status, text
                               * and relay when one was seen */
} log_record;

/* log_record_defer - a failed attempt of the recipient of a, still to be
 * retried: kept as pending under its key; -1 when it cannot be kept */
int log_record_defer(bk_log_reader *r, const log_record *a);

/* log_record_outcome - the outcome o of the recipient of a, its earlier
 * attempts (first time, number) joined; -1 when a has no recipient */
int log_record_outcome(bk_log_reader *r, const log_record *a, bk_log_outcome o);

/* postfix_line / exim_line / sendmail_line - one line of each MTA; 0 used
 * or not of interest, -1 malformed */
int postfix_line(bk_log_reader *r, const log_line *l);
int exim_line(bk_log_reader *r, const log_line *l);
int sendmail_line(bk_log_reader *r, const log_line *l);

/* kumo_line - one KumoMTA JSON log record (a line starting with '{'): 0
 * used, 1 not of interest, -1 malformed; kumo_time - its time stamp, -1
 * when it has none (kumo_log.c) */
int kumo_line(bk_log_reader *r, const char *line, size_t len);
long long kumo_time(const char *line, size_t len);

/* pmta_row - the line is a row of a PowerMTA accounting file: a header row
 * ("type,..." naming a rcpt column), or, once one was read, a row whose first
 * field is a record type ("d,", "b,", "tq,"); pmta_line - read it: a header
 * sets the columns of the rows after it; 0 used, 1 not of interest, -1
 * malformed; pmta_time - a row's timeLogged, -1 when none; pmta_free - the
 * column map (pmta_log.c) */
int pmta_row(const bk_log_reader *r, const char *line, size_t len);
int pmta_line(bk_log_reader *r, const char *line, size_t len);
long long pmta_time(const bk_log_reader *r, const char *line, size_t len);
void pmta_free(bk_log_reader *r);


#endif
