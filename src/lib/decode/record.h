/*
 * record.h - what the decoder shares with the other makers of bk_bounce
 * records (the ESP webhooks of src/lib/webhooks/): the decoder's output
 * array, its classifier, and a record's time and token, made exactly as
 * bk_decode makes them, so every record reads the same downstream.
 */
#ifndef BK_RECORD_H
#define BK_RECORD_H

#include "bouncekit.h"

#include <glib.h>

/* record_slots - room for n records in d's output array (owned by d, valid
 * until the next call); NULL when out of memory */
bk_bounce *record_slots(bk_decoder *d, size_t n);

/* record_classifier - the classifier d gives its verdicts with */
const bk_classifier *record_classifier(const bk_decoder *d);

/* record_set_time - b's timestamp ("2026-01-02T03:04:05+09:00") and epoch from dt */
void record_set_time(bk_bounce *b, GDateTime *dt);

/* record_time_plain - b's timestamp and epoch from a date of the plain form
 * "[Www, ]D Mon YYYY HH:MM:SS +HHMM[ ...]" (as written, names in their
 * usual case, the time and zone in range, the year from 1970), as
 * record_set_time gives them from g_mime_utils_header_decode_date's
 * reading; 0 (b untouched) for any other text */
int record_time_plain(bk_bounce *b, const char *date);

/* record_set_token - b's token: SHA-1 of addresser, recipient and time, as hex */
void record_set_token(bk_bounce *b);

#endif
