/*
 * markers.h - the fixed phrases the formats look for in a bounce's text,
 * found in one pass.
 *
 * The formats' match() functions ask for a hundred phrases in each message
 * ("This is the mail system at host ", "The following address(es) failed:"
 * ...). A marker set remembers every phrase of three bytes or more it is
 * asked for (string literals only: they are remembered by address; shorter
 * ones would slow the scan for all, and are always searched directly); from
 * time to time (after 1,024 messages, then after four times as many, while
 * new phrases keep coming) it compiles all of them into one Vectorscan
 * literal database (ASCII case-insensitive, first match only), and a
 * message's text is then scanned once, when it is first asked about. A
 * phrase not yet compiled (or too short to be) is searched for directly
 * (bk_ci_find): the answer never depends on what the database holds, only
 * the time it takes. Each database made is kept in the cache directory
 * (BOUNCEKIT_CACHE_DIR, as the classifier's), and a set that has read 16
 * texts takes the kept one, so that a run need not search directly until it
 * has made its own (with none kept, the set makes one then, to be kept).
 *
 * A set belongs to one bk_message (one decoder): it is not shared between
 * threads.
 */
#ifndef BK_MARKERS_H
#define BK_MARKERS_H

#include <stddef.h>

typedef struct markers markers;

/* markers_new - an empty set; NULL when out of memory */
markers *markers_new(void);

/* markers_free - release a set */
void markers_free(markers *k);

/* markers_next - a new text is about to be asked about (forget the last
 * scan; compile the phrases remembered so far when it is time) */
void markers_next(markers *k);

/* markers_find - the offset of the first place of literal (ASCII
 * case-insensitive) in text[0..len), or -1; as bk_ci_find answers. literal
 * must be a string literal (or live as long as the set, unchanged), and text
 * the same text from one markers_next() to the next. */
long markers_find(markers *k, const char *text, size_t len, const char *literal);

/* markers_compiled - how many phrases the database holds (for tests) */
size_t markers_compiled(const markers *k);

#endif
