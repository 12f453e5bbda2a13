/*
 * labels.h - human wording for the vocabulary values shown by the command:
 * bounce types, actions, permanence. One place, used by every renderer.
 */
#ifndef BK_LABELS_H
#define BK_LABELS_H

#include "bouncekit.h"

/* label_bounce - "Hard bounce (the address is bad)" etc. */
const char *label_bounce(const char *bounce);
/* label_action - "Suppress the address; do not retry" etc. */
const char *label_action(const char *action);
/* label_permanence - "Permanent failure" etc. */
const char *label_permanence(bk_permanence p);
/* label_capital - copy s into buf with its first letter in upper case */
const char *label_capital(const char *s, char *buf, size_t len);

/* glance_fn - receives one row of the at-a-glance table */
typedef void (*glance_fn)(void *ctx, const char *name, const char *value);

/* glance_rows - the rows of the at-a-glance table of an explanation, in
 * order, the same for every renderer; empty values are left out */
void glance_rows(const bk_explanation *e, glance_fn fn, void *ctx);

#endif
