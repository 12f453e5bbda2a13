/*
 * fields.h - header fields of RFC 5322 / RFC 3464 blocks: "Name: value"
 * lines, with folded continuation lines, as in a message header, a
 * delivery-status group or a feedback report.
 *
 * A field_block keeps its names and unfolded values in one bk_buf; lookups
 * are by name, ASCII case-insensitive, along a chain of the fields whose
 * names share a bit of names. Parsing takes (pointer, length). A block
 * starts all zero (or with n, skipped and names 0 and an empty store).
 *
 * A field added with fields_add_raw keeps its value as it came until it is
 * asked for (fields_take, fields_unfold): then it is unfolded in place, as
 * fields_add would have unfolded it (the result is never longer).
 */
#ifndef BK_FIELDS_H
#define BK_FIELDS_H

#include "buf.h"

#include <stddef.h>

#define FIELDS_MAX 256          /* fields kept per block; more are counted, not kept */
#define FIELD_VALUE_MAX 4096    /* an unfolded value is cut to this many bytes */

typedef struct {
    size_t name, name_len;      /* offsets into the block's store */
    size_t value, value_len;
} field;

typedef struct {
    field f[FIELDS_MAX];
    size_t n;
    size_t skipped;             /* fields past FIELDS_MAX */
    unsigned long long names;   /* a bit for each name kept (name_slot in fields.c):
                                 * a name whose bit is clear is not there */
    unsigned short first[64], last[64]; /* for a bit of names that is set: its first
                                 * and last field (the others unset, never read) */
    unsigned short next[FIELDS_MAX]; /* the next field with the same bit, FIELDS_MAX none */
    unsigned char raw[FIELDS_MAX]; /* 1: the value is not unfolded yet (fields_add_raw) */
    bk_buf store;
} field_block;

/* fields_reset - empty a block, keep its memory */
void fields_reset(field_block *b);

/* fields_free - release a block's memory */
void fields_free(field_block *b);

/* fields_parse - read fields from p until a blank line or the end; returns
 * the bytes consumed (including the blank line). Lines that are not fields
 * are skipped. */
size_t fields_parse(field_block *b, const char *p, size_t len);

/* fields_add - add one field (the value is unfolded: line breaks and the
 * white space around them become one space) */
void fields_add(field_block *b, const char *name, size_t name_len, const char *value,
                size_t value_len);

/* fields_add_raw - add one field whose value is unfolded when first asked
 * for (fields_take, fields_unfold); fields_get and fields_value give it as
 * it came until then */
void fields_add_raw(field_block *b, const char *name, size_t name_len, const char *value,
                    size_t value_len);

/* fields_unfold - unfold the value of field i in place, if it was added raw */
void fields_unfold(field_block *b, size_t i);

/* fields_take - fields_get, the value unfolded first if it was added raw;
 * the name is nl bytes long */
const char *fields_take(field_block *b, const char *name, size_t nl, size_t *len);

/* fields_get - the value of the first field called name, or NULL; *len set */
const char *fields_get(const field_block *b, const char *name, size_t *len);

/* fields_name - the name of field i */
const char *fields_name(const field_block *b, size_t i, size_t *len);

/* fields_value - the value of field i */
const char *fields_value(const field_block *b, size_t i, size_t *len);

#endif
