/*
 * ingest.h - the batches of bouncekit ingest (ingest.c): events are filled
 * into a buffer (INGEST_CHUNK events at most) by the readers of
 * cmd_ingest.c; each full buffer is written in address order
 * (bk_store_ingest_batch) into the open transaction, which is committed
 * once it holds --batch events; each change is printed as text or JSON Lines.
 */
#ifndef BK_INGEST_H
#define BK_INGEST_H

#include "bouncekit.h"

#define INGEST_CHUNK 50000 /* events buffered and put in address order at once (about 100 MB) */

typedef struct {
    bk_store *store;
    int json, quiet;
    int failed;                /* an input could not be read, or the store failed */
    int stop;                  /* the store failed: read no more */
    size_t batch;              /* events per transaction */
    bk_event *events;          /* the buffer */
    bk_ingest_result *results; /* of the buffer's events */
    size_t n, cap;             /* events in the buffer, and room */
    size_t pending;            /* events written into the open transaction */
    int open;                  /* a transaction is open */
    const char *log_origin;    /* the origin of log events */
    unsigned long long read, added, duplicates, suppressed, domains, already, counted, sender,
        cleared, recorded, invalid, skipped, malformed, not_bounces, batches;
} ingest_run;

/* ingest_start - open the store and the buffer; prints the error and returns -1 */
int ingest_start(ingest_run *r, const char *db, const char *config_path);

/* ingest_slot - the next free event of the buffer (written out first when
 * full); NULL when the store failed */
bk_event *ingest_slot(ingest_run *r);

/* ingest_push - the slot ingest_slot gave is filled: keep it */
void ingest_push(ingest_run *r);

/* ingest_finish - write the rest, print the summary, close; the exit status */
int ingest_finish(ingest_run *r);

#endif
