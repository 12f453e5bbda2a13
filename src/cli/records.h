/*
 * records.h - one decoded record (bk_bounce: from a bounce message or an
 * ESP webhook) as the JSON object that 'decode' and 'webhook' print, and
 * a verdict as the object of 'classify'.
 */
#ifndef BK_RECORDS_H
#define BK_RECORDS_H

#include "bouncekit.h"

#include <jansson.h>
#include <stdio.h>

/* verdict_fields - the verdict's keys (reason, hardbounce, permanence,
 * category, fault, suggestion, severity, provider, bounceclass, pmtacategory,
 * rule), in that order, into o; provider may differ from the verdict's */
void verdict_fields(json_t *o, const bk_verdict *v, const char *provider);

/* record_json - b as a JSON object with the keys of DESIGN.md (origin, timestamp,
 * addresser, recipient, ... token); the caller owns it */
json_t *record_json(const char *origin, const bk_bounce *b);

/* verdict_json - the verdict on one reply as the object 'classify' prints
 * (diagnosticcode, reason, hardbounce, ... rule); host is the caller's hint
 * for rhost when the text names none (may be NULL); the caller owns it */
json_t *verdict_json(const bk_verdict *v, const bk_reply *r, const char *host);

/* csv_field - one CSV field, quoted when it must be (RFC 4180) */
void csv_field(FILE *out, const char *s);

#endif
