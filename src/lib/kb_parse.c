/*
 * kb_parse.c - reads knowledge-base records (docs/kb-format.md) from memory.
 *
 * kb_parse_buffer(name, data, len, &records, err) checks every line: the
 * key form, the field names, the controlled vocabularies and the required
 * fields. A file with any error is refused as a whole, with "NAME:LINE:
 * reason" in err, so a broken user file never half-loads.
 */
#include "kb_internal.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FIELD_NAMES[] = {"title", "summary", "bounce", "severity", "category",
                                          "action", "standard", "meaning", "log", "cause",
                                          "fix", "provider", "q", "a", "related"};
static const char *const REQUIRED[] = {"title", "summary", "bounce", "severity", "category",
                                       "action", "standard", "meaning", "log", "cause", "fix"};
static const char *const BOUNCE_VALUES[] = {"hard", "soft", "none", NULL};
static const char *const SEVERITY_VALUES[] = {"critical", "high", "medium", "low", "info", NULL};
static const char *const CATEGORY_VALUES[] = {
    "address", "domain",  "mailbox",    "reputation",    "authentication",
    "sender configuration", "content", "policy", "rate limit", "network",
    "remote system", "protocol", "success", "auto-reply", "complaint", NULL};
static const char *const ACTION_VALUES[] = {
    "suppress", "retry", "retry then suppress", "fix authentication", "fix reputation",
    "review content", "fix configuration", "none", NULL};

/* in_list - 1 when s is one of the NULL-terminated list */
static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* fail - format "NAME:LINE: reason" into err; returns -1 */
static int fail(char *err, size_t errlen, const char *name, size_t line, const char *why,
                const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "%s:%zu: %s%s%s", name, line, why, what ? ": " : "",
                 what ? what : "");
    return -1;
}

/* digits_only - p[0..len) is 1 to 3 digits */
static int small_number(const char *p, size_t len)
{
    if (len < 1 || len > 3)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!bk_is_digit((unsigned char)p[i]))
            return 0;
    return 1;
}

int kb_key_kind(const char *key)
{
    size_t len = strlen(key);
    int c, s, d;
    if (len == 3 && small_number(key, 3) && bk_reply_code_valid(atoi(key)))
        return KB_REPLY;
    if (len >= 5 && key[0] == 'X' && key[1] == '.') {
        const char *dot = memchr(key + 2, '.', len - 2);
        if (!dot || !small_number(key + 2, (size_t)(dot - key - 2)))
            return KB_BADKEY;
        const char *rest = dot + 1;
        if (strcmp(rest, "*") == 0)
            return KB_SUBJECT;
        return small_number(rest, strlen(rest)) ? KB_STATUS : KB_BADKEY;
    }
    if (len == 3 && (key[0] == '2' || key[0] == '4' || key[0] == '5') && key[1] == '.' &&
        key[2] == '*')
        return KB_CLASS;
    if (len > 4 && key[3] == ' ' && small_number(key, 3) && bk_reply_code_valid(atoi(key)) &&
        bk_status_parse(key + 4, len - 4, &c, &s, &d))
        return KB_COMBO;
    return KB_BADKEY;
}

/* check_field_name - the base name is known and the suffix is a class */
static int check_field_name(const char *name, char *base, size_t baselen)
{
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    if (n + 1 > baselen)
        return 0;
    memcpy(base, name, n);
    base[n] = '\0';
    if (dot && !(strlen(dot) == 2 && (dot[1] == '2' || dot[1] == '4' || dot[1] == '5')))
        return 0;
    for (size_t i = 0; i < sizeof FIELD_NAMES / sizeof FIELD_NAMES[0]; i++)
        if (strcmp(base, FIELD_NAMES[i]) == 0)
            return 1;
    return 0;
}

/* check_value - controlled vocabularies */
static const char *check_value(const char *base, const char *value)
{
    if (strcmp(base, "bounce") == 0 && !in_list(value, BOUNCE_VALUES))
        return "bounce must be hard, soft or none";
    if (strcmp(base, "severity") == 0 && !in_list(value, SEVERITY_VALUES))
        return "severity must be critical, high, medium, low or info";
    if (strcmp(base, "category") == 0 && !in_list(value, CATEGORY_VALUES))
        return "unknown category";
    if (strcmp(base, "action") == 0 && !in_list(value, ACTION_VALUES))
        return "unknown action";
    if (value[0] == '\0')
        return "empty value";
    return NULL;
}

/* finish_record - required fields present, q/a paired */
static int finish_record(kb_record *r, const char *name, char *err, size_t errlen)
{
    if (!r)
        return 0;
    for (size_t i = 0; i < sizeof REQUIRED / sizeof REQUIRED[0]; i++) {
        int seen = 0;
        for (size_t k = 0; k < r->nfields && !seen; k++) {
            const char *f = r->fields[k].name;
            size_t n = strlen(REQUIRED[i]);
            seen = strncmp(f, REQUIRED[i], n) == 0 && (f[n] == '\0' || f[n] == '.');
        }
        if (!seen)
            return fail(err, errlen, name, r->line, "record lacks a required field",
                        REQUIRED[i]);
    }
    int open_q = 0;
    for (size_t k = 0; k < r->nfields; k++) {
        if (strcmp(r->fields[k].name, "q") == 0) {
            if (open_q)
                return fail(err, errlen, name, r->fields[k].line, "question without answer",
                            NULL);
            open_q = 1;
        } else if (strcmp(r->fields[k].name, "a") == 0) {
            if (!open_q)
                return fail(err, errlen, name, r->fields[k].line, "answer without question",
                            NULL);
            open_q = 0;
        }
    }
    if (open_q)
        return fail(err, errlen, name, r->line, "question without answer", NULL);
    return 0;
}

/* add_field - append a field to r (value is taken over) */
static int add_field(kb_record *r, const char *fname, char *value, size_t line)
{
    if (r->nfields == r->capfields) {
        size_t cap = r->capfields ? r->capfields * 2 : 16;
        kb_field *f = realloc(r->fields, cap * sizeof *f);
        if (!f)
            return -1;
        r->fields = f;
        r->capfields = cap;
    }
    kb_field *f = &r->fields[r->nfields++];
    snprintf(f->name, sizeof f->name, "%s", fname);
    f->value = value;
    f->line = line;
    return 0;
}

int kb_parse_buffer(const char *name, const char *data, size_t len, kb_records *out,
                    char *err, size_t errlen)
{
    kb_records recs = {NULL, 0, 0};
    kb_record *cur = NULL;
    kb_field *last = NULL; /* the field a continuation line extends */
    size_t lineno = 0;
    size_t i = 0;

    while (i < len) {
        size_t start = i;
        while (i < len && data[i] != '\n')
            i++;
        const char *line = data + start;
        size_t llen = i - start;
        if (i < len)
            i++;
        lineno++;
        if (llen && line[llen - 1] == '\r')
            llen--;
        if (memchr(line, '\0', llen))
            goto bad_nul;
        if (llen > KB_LINE_MAX) {
            fail(err, errlen, name, lineno, "line too long", NULL);
            goto error;
        }
        if (lineno == 1 && llen >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3; /* a UTF-8 byte-order mark */
            llen -= 3;
        }
        for (size_t k = 0; k < llen;) {
            size_t q = bk_utf8_seq_len((const unsigned char *)line + k, llen - k);
            if (q == 0) {
                fail(err, errlen, name, lineno, "not valid UTF-8", NULL);
                goto error;
            }
            k += q;
        }
        if (llen == 0 || line[0] == '#') {
            if (llen == 0)
                last = NULL;
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            const char *p = line;
            size_t pl = llen;
            bk_trim(&p, &pl);
            if (pl == 0) {
                last = NULL;
                continue;
            }
            if (!last) {
                fail(err, errlen, name, lineno, "continuation line without a field", NULL);
                goto error;
            }
            size_t old = strlen(last->value);
            char *v = realloc(last->value, old + 1 + pl + 1);
            if (!v)
                goto oom;
            v[old] = ' ';
            memcpy(v + old + 1, p, pl);
            v[old + 1 + pl] = '\0';
            last->value = v;
            continue;
        }
        if (line[0] == '[') {
            if (finish_record(cur, name, err, errlen) != 0)
                goto error;
            const char *close = memchr(line, ']', llen);
            if (!close || (size_t)(close - line) + 1 != llen || close - line - 1 >= KB_KEY_MAX) {
                fail(err, errlen, name, lineno, "malformed record key line", NULL);
                goto error;
            }
            char key[KB_KEY_MAX];
            size_t klen = (size_t)(close - line - 1);
            memcpy(key, line + 1, klen);
            key[klen] = '\0';
            if (kb_key_kind(key) == KB_BADKEY) {
                fail(err, errlen, name, lineno, "not a code key", key);
                goto error;
            }
            for (size_t r = 0; r < recs.n; r++)
                if (strcmp(recs.items[r].key, key) == 0) {
                    fail(err, errlen, name, lineno, "duplicate record", key);
                    goto error;
                }
            if (recs.n == recs.cap) {
                size_t cap = recs.cap ? recs.cap * 2 : 64;
                kb_record *p = realloc(recs.items, cap * sizeof *p);
                if (!p)
                    goto oom;
                recs.items = p;
                recs.cap = cap;
            }
            cur = &recs.items[recs.n++];
            memset(cur, 0, sizeof *cur);
            memcpy(cur->key, key, klen + 1);
            cur->kind = kb_key_kind(key);
            cur->line = lineno;
            last = NULL;
            continue;
        }
        if (!cur) {
            fail(err, errlen, name, lineno, "field before the first record key", NULL);
            goto error;
        }
        const char *colon = memchr(line, ':', llen);
        if (!colon || colon == line || (size_t)(colon - line) >= KB_FIELD_NAME_MAX) {
            fail(err, errlen, name, lineno, "expected 'field: value'", NULL);
            goto error;
        }
        char fname[KB_FIELD_NAME_MAX], base[KB_FIELD_NAME_MAX];
        memcpy(fname, line, (size_t)(colon - line));
        fname[colon - line] = '\0';
        if (!check_field_name(fname, base, sizeof base)) {
            fail(err, errlen, name, lineno, "unknown field", fname);
            goto error;
        }
        const char *v = colon + 1;
        size_t vl = llen - (size_t)(colon + 1 - line);
        bk_trim(&v, &vl);
        char *value = malloc(vl + 1);
        if (!value)
            goto oom;
        memcpy(value, v, vl);
        value[vl] = '\0';
        const char *bad = check_value(base, value);
        if (bad) {
            free(value);
            fail(err, errlen, name, lineno, bad, fname);
            goto error;
        }
        if (add_field(cur, fname, value, lineno) != 0) {
            free(value);
            goto oom;
        }
        last = &cur->fields[cur->nfields - 1];
    }
    if (finish_record(cur, name, err, errlen) != 0)
        goto error;
    *out = recs;
    return 0;

bad_nul:
    fail(err, errlen, name, lineno, "NUL byte in file", NULL);
    goto error;
oom:
    fail(err, errlen, name, lineno, "out of memory", NULL);
error:
    kb_records_free(&recs);
    return -1;
}

void kb_record_free(kb_record *r)
{
    for (size_t k = 0; k < r->nfields; k++)
        free(r->fields[k].value);
    free(r->fields);
    r->fields = NULL;
    r->nfields = r->capfields = 0;
}

void kb_records_free(kb_records *recs)
{
    for (size_t r = 0; r < recs->n; r++)
        kb_record_free(&recs->items[r]);
    free(recs->items);
    recs->items = NULL;
    recs->n = recs->cap = 0;
}
