/*
 * dsn.h - RFC 3464 delivery status notifications: the per-message and
 * per-recipient field groups of a message/delivery-status part (or of the
 * same fields written in the text), one found entry per recipient.
 * Format decoders of MTAs that send DSNs call it and add what their text
 * says beyond the fields.
 */
#ifndef BK_DSN_H
#define BK_DSN_H

#include "format.h"
#include "message.h"

/* dsn_fields_text - where the delivery-status fields are: the part, or the
 * text from its first "Final-Recipient:"/"Reporting-MTA:" on; 1 when found */
int dsn_fields_text(const bk_message *m, const char **p, size_t *len);

/* dsn_decode - one entry per recipient group of the status fields; returns
 * the number of entries added */
size_t dsn_decode(const bk_message *m, found *out);

/* dsn_parse - the same on a given block of status fields */
size_t dsn_parse(const char *p, size_t len, found *out);

#endif
