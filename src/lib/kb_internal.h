/*
 * kb_internal.h - the knowledge base's records, shared by the file reader
 * (kb_parse.c) and the lookups (kb.c). Not part of the public interface.
 */
#ifndef BK_KB_INTERNAL_H
#define BK_KB_INTERNAL_H

#include "bouncekit.h"
#include "embedded.h"

#include <stddef.h>

#define KB_KEY_MAX 32
#define KB_FIELD_NAME_MAX 16
#define KB_LINE_MAX 16384

/* the forms a record key takes, in listing order */
enum { KB_BADKEY = 0, KB_REPLY, KB_STATUS, KB_COMBO, KB_CLASS, KB_SUBJECT };

typedef struct {
    char name[KB_FIELD_NAME_MAX]; /* "meaning", "action.4", ... */
    char *value;
    size_t line;
} kb_field;

typedef struct {
    char key[KB_KEY_MAX];
    int kind;
    size_t line;
    kb_field *fields;
    size_t nfields, capfields;
} kb_record;

typedef struct {
    kb_record *items;
    size_t n, cap;
} kb_records;

/* kb_key_kind - which form a key has, KB_BADKEY when none */
int kb_key_kind(const char *key);

/* kb_parse_buffer - read and check all records of one file */
int kb_parse_buffer(const char *name, const char *data, size_t len, kb_records *out,
                    char *err, size_t errlen);

/* kb_record_free, kb_records_free - release */
void kb_record_free(kb_record *r);
void kb_records_free(kb_records *recs);



#endif
