/*
 * webhook.h - what an ESP webhook reader is, and what the readers share.
 *
 * Each provider lives in one file of src/lib/webhooks/ and defines one
 *     const wh_provider wh_provider_NAME = {"name", detect, decode};
 * listed in PROVIDERS in webhook.c. webhook.c parses the body (jansson),
 * finds the provider, and calls its decode(), which fills one wh_event per
 * event and recipient and hands it to wh_emit(); wh_emit() makes the record
 * as the decoder does: the classifier's verdict on the provider's text with
 * its codes as hints, then the provider's own category (wh_event.fallback)
 * when the text decides nothing, or the event's own reason (complaints,
 * opt-outs, deliveries) whatever the text says.
 */
#ifndef BK_WEBHOOK_H
#define BK_WEBHOOK_H

#include "bouncekit.h"

#include <jansson.h>
#include <stddef.h>

/* one event about one recipient, as a provider reads it */
typedef struct {
    char recipient[BK_ADDR_MAX];
    char addresser[BK_ADDR_MAX];
    const char *action;              /* failed, delayed, delivered */
    char status[BK_STATUS_MAX];      /* the enhanced code the provider gives */
    int reply_code;                  /* the reply code it gives, 0 none */
    char diag[BK_REPLY_TEXT_MAX];    /* the remote text (or the provider's words) */
    int diag_generic;                /* 1: diag is the provider's stock wording for
                                        its category: shown, not classified */
    char rhost[BK_FIELD_MAX];
    char lhost[BK_FIELD_MAX];
    char messageid[BK_FIELD_MAX];
    char subject[BK_FIELD_MAX];
    char feedbacktype[32];
    const json_t *time;              /* ISO 8601 text, or seconds since 1970 as a
                                        number or digits; NULL: unknown */
    const char *reason;              /* the event says why on its own */
    const char *fallback;            /* the provider's category, when the text decides nothing */
    const char *default_status;      /* "5.0.0"/"4.0.0" from the provider's category,
                                        when it gives no code */
} wh_event;

typedef struct wh_ctx wh_ctx;

typedef struct {
    const char *name;                          /* decodedby */
    int (*detect)(const json_t *body);         /* 1: the body is in this format */
    int (*decode)(const json_t *body, wh_ctx *ctx); /* 0, or -1 not in the format (wh_fail) */
} wh_provider;

/* wh_event_init - an empty event (action "failed") */
void wh_event_init(wh_event *e);

/* wh_emit - the record of one event; events without an address are counted
 * as malformed. Returns 0, or -1 when out of memory. */
int wh_emit(wh_ctx *ctx, const wh_event *e);

/* wh_ignore - an event of a type that is not reported (opens, clicks, ...) */
void wh_ignore(wh_ctx *ctx);

/* wh_malformed - an event that could not be read */
void wh_malformed(wh_ctx *ctx);

/* wh_fail - the payload is not in the provider's format: why, for the caller; returns -1 */
int wh_fail(wh_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* wh_options - the caller's options (never NULL) */
const bk_webhook_options *wh_options(const wh_ctx *ctx);

/* wh_info - what is learnt about the payload (never NULL) */
bk_webhook_info *wh_info(wh_ctx *ctx);

/* wh_str - the string value of key in obj, or "" (also for other types) */
const char *wh_str(const json_t *obj, const char *key);

/* wh_copy - the string value of key in obj into a fixed field, trimmed */
void wh_copy(const json_t *obj, const char *key, char *dst, size_t cap);

/* wh_int - an integer value (a number, or a string of digits) of key in obj, or 0 */
long long wh_int(const json_t *obj, const char *key);

/* wh_is - 1 when the string value of key in obj is value */
int wh_is(const json_t *obj, const char *key, const char *value);

/* wh_feedback - e is a complaint (feedbacktype "abuse", ...) or an opt-out
 * ("opt-out"): reason feedback */
void wh_feedback(wh_event *e, const char *feedbacktype);

/* wh_delivered - e is a delivery: action and reason delivered */
void wh_delivered(wh_event *e);

/* wh_status - the first enhanced status code in text into e->status */
void wh_status(wh_event *e, const char *text);

/* wh_message_id - a Message-ID into e->messageid, without its angle brackets */
void wh_message_id(wh_event *e, const char *id);

/* wh_lookup - the value of name in a NULL-terminated table of name/value
 * pairs (names compared without case), or NULL */
const char *wh_lookup(const char *const table[][2], const char *name);

/* sns_verify - 0 when the SNS message j is signed (SignatureVersion 1 or 2)
 * by a certificate of the PEM file cert_path; -1 with why (sns_signature.c) */
int sns_verify(const json_t *j, const char *cert_path, char *why, size_t cap);

#endif
