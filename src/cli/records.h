/*
 * records.h - one decoded record (bk_bounce: from a bounce message or an
 * ESP webhook) as the JSON object that 'decode' and 'webhook' print.
 */
#ifndef BK_RECORDS_H
#define BK_RECORDS_H

#include "bouncekit.h"

#include <jansson.h>

/* record_json - b as a JSON object with the keys of DESIGN.md (origin, timestamp,
 * addresser, recipient, ... token); the caller owns it */
json_t *record_json(const char *origin, const bk_bounce *b);

#endif
