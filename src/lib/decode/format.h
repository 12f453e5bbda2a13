/*
 * format.h - what a bounce format decoder is, and what it finds.
 *
 * Each format lives in one file of src/lib/formats/ and defines one
 *     const bk_format bk_format_NAME = {"name", match, decode};
 * The build lists every file of that folder in a table (formats_table.c),
 * so adding a format touches nothing else. Formats are tried in the order
 * of their 'rank' (lower first; ties by name): specific formats before the
 * standard reports, the general fallback last.
 *
 * match() looks only at cheap markers (header fields, the first lines of the
 * text); decode() fills a found list, one entry per recipient. The core then
 * takes each entry's text, codes, command and host to the classifier.
 */
#ifndef BK_FORMAT_H
#define BK_FORMAT_H

#include "bouncekit.h"
#include "message.h"

#include <stddef.h>

typedef struct {
    char recipient[BK_ADDR_MAX];
    char orig[BK_ADDR_MAX];             /* the address the sender used, when the
                                         * report names it and it is another */
    char action[16];                    /* failed, delayed, delivered, ... */
    char status[BK_STATUS_MAX];         /* the enhanced code the report gives */
    int reply_code;                     /* the reply code the report gives, 0 none */
    bk_command command;                 /* the command the reply answered */
    char diag[BK_REPLY_TEXT_MAX];       /* the remote text, white space collapsed */
    size_t diag_len;
    char diagtype[16];                  /* SMTP, X-Postfix, ... */
    char rhost[BK_FIELD_MAX];
    char lhost[BK_FIELD_MAX];
    char date[64];                      /* when, as the report writes it */
    char feedbacktype[32];
    const char *reason;                 /* set when the format itself says why */
    int said_permanent;                 /* the notice says the failure is for good (see
                                         * notice_permanent in report_text.h) */
} found_rcpt;

#define FOUND_SIDES 2                   /* side lists a format may keep (found_side) */

typedef struct found {
    found_rcpt *r;
    size_t n, cap;
    size_t dropped;                     /* past BK_DECODE_RCPT_MAX */
    const char *original;               /* the returned message's header block */
    size_t original_len;                /* when found in the text (0: none) */
    char lhost[BK_FIELD_MAX];           /* the reporting host, for every recipient */
    char date[64];                      /* the report's date, for every recipient */
    char addresser[BK_ADDR_MAX];        /* the returned message's sender, when known */
    bk_buf scratch[2];                  /* dsn_parse's field stores, kept from one call
                                         * to the next (found_free releases them) */
    struct found *side;                 /* FOUND_SIDES lists beside this one (NULL: not yet) */
    void *work;                         /* a format's working state (found_work) */
    size_t work_cap;
} found;

typedef struct {
    const char *name;                   /* decodedby */
    int rank;                           /* order of trial: 10 specific ... 90 fallback */
    int (*match)(const bk_message *m);
    int (*decode)(const bk_message *m, found *out);
} bk_format;

/* found_reset - empty the list, keep the memory */
void found_reset(found *f);

/* found_free - release the list and its scratch stores */
void found_free(found *f);

/* found_side - side list i (below FOUND_SIDES) of f, empty, its memory kept
 * from one message to the next (no large allocation in every message);
 * NULL when out of memory */
found *found_side(found *f, size_t i);

/* found_work - size bytes of working state, zeroed, kept by f from one call
 * to the next; NULL when out of memory */
void *found_work(found *f, size_t size);

/* found_add - a new entry for the address in p[0..n) (angle brackets,
 * "rfc822;" and white space are taken off); returns the existing entry when
 * the address is already listed, NULL when it is not an address or the list
 * is full */
found_rcpt *found_add(found *f, const char *p, size_t n);

/* found_orig - the address in p[0..n) (Original-Recipient, "Original
 * address:") as r's orig, when it is an address other than r's recipient */
void found_orig(found_rcpt *r, const char *p, size_t n);

/* found_add_unnamed - a new entry whose recipient the report does not name
 * (an ARF report that leaves the address out or redacts it: the complaint
 * still names the message); NULL when the list is full */
found_rcpt *found_add_unnamed(found *f);

/* found_diag - append text to an entry's diagnostic, white space collapsed */
void found_diag(found_rcpt *r, const char *p, size_t n);

/* found_set - copy p[0..n) into a fixed field of size cap, trimmed */
void found_set(char *dst, size_t cap, const char *p, size_t n);

#endif
