/*
 * fuzz_logs.c - libFuzzer target for the MTA log readers (Postfix, Exim,
 * Sendmail, KumoMTA, PowerMTA): any bytes, split into lines, fed to one reader and finished;
 * every outcome must have NUL-terminated fields and a valid reason.
 */
#include "bouncekit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bk_classifier *clf;

/* terminated - the fixed field holds a NUL */
static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* check - the sink: abort on an event that breaks the contract */
static void check(const bk_log_event *e, void *ctx)
{
    (void)ctx;
    if (!terminated(e->recipient, sizeof e->recipient) || !terminated(e->sender, sizeof e->sender) ||
        !terminated(e->orig_recipient, sizeof e->orig_recipient) ||
        !terminated(e->queue_id, sizeof e->queue_id) || !terminated(e->relay, sizeof e->relay) ||
        !terminated(e->rhost, sizeof e->rhost) || !terminated(e->dsn, sizeof e->dsn) ||
        !terminated(e->text, sizeof e->text) || !terminated(e->messageid, sizeof e->messageid) ||
        !terminated(e->host, sizeof e->host) || !terminated(e->token, sizeof e->token))
        abort();
    if (!e->verdict.reason || !bk_reason_valid(e->verdict.reason))
        abort();
    if (e->outcome < BK_LOG_DELIVERED || e->outcome > BK_LOG_REJECTED || !e->mta || e->attempts < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!clf && !(clf = bk_classifier_new(NULL, 0, err, sizeof err)))
        abort();
    /* a small table and horizon, so eviction runs too */
    bk_log_options o = {.year = 2026, .horizon = 3600, .max_queue = 16};
    bk_log_reader *r = bk_log_reader_new(clf, &o, check, NULL);
    if (!r)
        abort();
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        bk_log_line_time(r, p, len);
        bk_log_line(r, p, len);
        p += len + (nl != NULL);
    }
    bk_log_finish(r);
    bk_log_stats st;
    bk_log_stats_get(r, &st);
    if (st.used + st.malformed + st.other != st.lines)
        abort();
    bk_log_reader_free(r);
    return 0;
}
