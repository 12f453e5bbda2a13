/*
 * ingest.h - the batches of bouncekit ingest (ingest.c): events are filled
 * into a buffer by the readers of cmd_ingest.c, written one transaction per
 * full buffer, and each change is printed as text or JSON Lines.
 */
#ifndef BK_INGEST_H
#define BK_INGEST_H

#include "bouncekit.h"

typedef struct {
    bk_store *store;
    int json, quiet;
    int failed;                /* an input could not be read, or the store failed */
    int stop;                  /* the store failed: read no more */
    size_t batch;              /* events per transaction */
    bk_event *events;          /* the buffer */
    size_t n;
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
