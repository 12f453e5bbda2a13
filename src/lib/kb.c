/*
 * kb.c - the knowledge base: the records embedded at build time plus user
 * files, kept in listing order, and bk_kb_explain(), which answers for any
 * reply code, enhanced code or combination:
 *
 *   1. "550 5.1.1"  -> the combination's own record when there is one;
 *   2. "5.1.1"      -> the record X.1.1 read for class 5 (fields suffixed
 *                      ".5" win; class 4 and 2 have defaults, see below);
 *   3. "550"        -> the reply code's record;
 *   4. otherwise    -> what the subject (X.1.*) and class (5.*) records say,
 *                      so 5.1.99 still reads as a permanent addressing failure.
 * When both codes are given, the enhanced code's record explains and the
 * reply code's class decides the permanence (bk_decide()).
 */
#include "file.h"
#include "kb_internal.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bk_kb {
    kb_records recs;
};

/* record_order - listing order: kind, then the numbers in the key */
static int record_order(const void *pa, const void *pb)
{
    const kb_record *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    /* compare runs of digits numerically, the rest byte-wise */
    const char *x = a->key, *y = b->key;
    while (*x && *y) {
        if (bk_is_digit((unsigned char)*x) && bk_is_digit((unsigned char)*y)) {
            long vx = strtol(x, (char **)&x, 10), vy = strtol(y, (char **)&y, 10);
            if (vx != vy)
                return vx < vy ? -1 : 1;
            continue;
        }
        if (*x != *y)
            return (unsigned char)*x - (unsigned char)*y;
        x++, y++;
    }
    return (unsigned char)*x - (unsigned char)*y;
}

/* merge - move the records of add into kb, replacing same keys */
static int merge(bk_kb *kb, kb_records *add)
{
    for (size_t i = 0; i < add->n; i++) {
        kb_record *r = &add->items[i];
        long at = bk_kb_find(kb, r->key);
        if (at >= 0) {
            kb_record_free(&kb->recs.items[at]);
            kb->recs.items[at] = *r;
            continue;
        }
        if (kb->recs.n == kb->recs.cap) {
            size_t cap = kb->recs.cap ? kb->recs.cap * 2 : 256;
            kb_record *p = realloc(kb->recs.items, cap * sizeof *p);
            if (!p) {
                for (size_t k = i; k < add->n; k++)
                    kb_record_free(&add->items[k]);
                free(add->items);
                return -1;
            }
            kb->recs.items = p;
            kb->recs.cap = cap;
        }
        kb->recs.items[kb->recs.n++] = *r;
    }
    free(add->items);
    add->items = NULL;
    add->n = add->cap = 0;
    if (kb->recs.n > 1)
        qsort(kb->recs.items, kb->recs.n, sizeof *kb->recs.items, record_order);
    return 0;
}

int bk_kb_load_buffer(bk_kb *kb, const char *name, const char *data, size_t len, char *err,
                      size_t errlen)
{
    kb_records add;
    if (kb_parse_buffer(name, data, len, &add, err, errlen) != 0)
        return -1;
    if (merge(kb, &add) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

int bk_kb_load_file(bk_kb *kb, const char *path, char *err, size_t errlen)
{
    char dummy[8];
    size_t len;
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    char *data = bk_read_file(path, (size_t)64 << 20, &len, err, errlen);
    if (!data)
        return -1;
    int rc = bk_kb_load_buffer(kb, path, data, len, err, errlen);
    free(data);
    return rc;
}

bk_kb *bk_kb_new(void)
{
    return calloc(1, sizeof(bk_kb));
}

bk_kb *bk_kb_open(char *err, size_t errlen)
{
    bk_kb *kb = bk_kb_new();
    if (!kb) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < kb_embedded_count; i++) {
        const bk_embedded_file *f = &kb_embedded_files[i];
        if (bk_kb_load_buffer(kb, f->name, (const char *)f->data, f->len, err, errlen) != 0) {
            bk_kb_close(kb);
            return NULL;
        }
    }
    return kb;
}

void bk_kb_close(bk_kb *kb)
{
    if (!kb)
        return;
    kb_records_free(&kb->recs);
    free(kb);
}

size_t bk_kb_count(const bk_kb *kb)
{
    return kb->recs.n;
}

/* field - the value of a field for a class: "name.C" first, then "name" */
static const char *field(const kb_record *r, const char *name, int cls)
{
    char suffixed[KB_FIELD_NAME_MAX];
    snprintf(suffixed, sizeof suffixed, "%s.%d", name, cls);
    for (size_t k = 0; k < r->nfields; k++)
        if (strcmp(r->fields[k].name, suffixed) == 0)
            return r->fields[k].value;
    for (size_t k = 0; k < r->nfields; k++)
        if (strcmp(r->fields[k].name, name) == 0)
            return r->fields[k].value;
    return NULL;
}

/* has_field - a field with exactly this name exists */
static int has_field(const kb_record *r, const char *name)
{
    for (size_t k = 0; k < r->nfields; k++)
        if (strcmp(r->fields[k].name, name) == 0)
            return 1;
    return 0;
}

/* list - all values of a list field for a class ("name.C" items replace
 * "name" items when there are any) */
static void list(const kb_record *r, const char *name, int cls, bk_list *out)
{
    char suffixed[KB_FIELD_NAME_MAX];
    snprintf(suffixed, sizeof suffixed, "%s.%d", name, cls);
    const char *use = has_field(r, suffixed) ? suffixed : name;
    out->n = 0;
    for (size_t k = 0; k < r->nfields && out->n < BK_LIST_MAX; k++)
        if (strcmp(r->fields[k].name, use) == 0)
            out->items[out->n++] = r->fields[k].value;
}

const char *bk_kb_key(const bk_kb *kb, size_t i)
{
    return i < kb->recs.n ? kb->recs.items[i].key : NULL;
}

const char *bk_kb_title(const bk_kb *kb, size_t i)
{
    return i < kb->recs.n ? field(&kb->recs.items[i], "title", 0) : NULL;
}

long bk_kb_find(const bk_kb *kb, const char *key)
{
    for (size_t i = 0; i < kb->recs.n; i++)
        if (strcmp(kb->recs.items[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* find_record - the record with this key, or NULL */
static const kb_record *find_record(const bk_kb *kb, const char *key)
{
    long i = bk_kb_find(kb, key);
    return i >= 0 ? &kb->recs.items[i] : NULL;
}

const char *bk_kb_resolve_key(const bk_kb *kb, const char *key)
{
    const kb_record *r = find_record(kb, key);
    if (r)
        return r->key;
    int c, s, d;
    if (bk_status_parse(key, strlen(key), &c, &s, &d)) {
        char x[KB_KEY_MAX];
        snprintf(x, sizeof x, "X.%d.%d", s, d);
        r = find_record(kb, x);
        if (r)
            return r->key;
    }
    return NULL;
}

/* severity_rank - 0 (info) .. 4 (critical) */
static int severity_rank(const char *s)
{
    static const char *const order[] = {"info", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, order[i]) == 0)
            return i;
    return 2;
}

/* reading - bounce, action, severity of a status record for a class,
 * applying the class defaults of docs/kb-format.md */
static void reading(const kb_record *r, int cls, const char **bounce, const char **action,
                    const char **severity)
{
    char name[KB_FIELD_NAME_MAX];
    *bounce = field(r, "bounce", 5);
    *action = field(r, "action", 5);
    *severity = field(r, "severity", 5);
    if (cls == 5)
        return;
    snprintf(name, sizeof name, "bounce.%d", cls);
    *bounce = has_field(r, name) ? field(r, "bounce", cls) : (cls == 4 ? "soft" : "none");
    snprintf(name, sizeof name, "action.%d", cls);
    *action = has_field(r, name) ? field(r, "action", cls) : (cls == 4 ? "retry" : "none");
    snprintf(name, sizeof name, "severity.%d", cls);
    if (has_field(r, name))
        *severity = field(r, "severity", cls);
    else if (cls == 4)
        *severity = severity_rank(*severity) > 2 ? "medium" : *severity;
    else
        *severity = "info";
}

/* fill - copy a record's fields for a class into out */
static void fill(const kb_record *r, int cls, bk_explanation *out)
{
    out->title = field(r, "title", cls);
    out->summary = field(r, "summary", cls);
    out->standard = field(r, "standard", cls);
    out->category = field(r, "category", cls);
    if (r->kind == KB_STATUS || r->kind == KB_SUBJECT) {
        reading(r, cls, &out->bounce, &out->action, &out->severity);
        if (cls == 2)
            out->category = "success";
        reading(r, 4, &out->transient_bounce, &out->transient_action, &out->transient_severity);
        reading(r, 5, &out->permanent_bounce, &out->permanent_action, &out->permanent_severity);
    } else {
        out->bounce = field(r, "bounce", cls);
        out->action = field(r, "action", cls);
        out->severity = field(r, "severity", cls);
    }
    list(r, "meaning", cls, &out->meaning);
    list(r, "log", cls, &out->log);
    list(r, "cause", cls, &out->cause);
    list(r, "fix", cls, &out->fix);
    list(r, "provider", cls, &out->provider);
    /* questions and answers in order */
    out->n_faq = 0;
    const char *q = NULL;
    for (size_t k = 0; k < r->nfields && out->n_faq < BK_LIST_MAX; k++) {
        if (strcmp(r->fields[k].name, "q") == 0)
            q = r->fields[k].value;
        else if (strcmp(r->fields[k].name, "a") == 0 && q) {
            out->faq[out->n_faq].question = q;
            out->faq[out->n_faq].answer = r->fields[k].value;
            out->n_faq++;
            q = NULL;
        }
    }
    out->related.n = 0;
    snprintf(out->entry, sizeof out->entry, "%s", r->key);
}

/* add_related - append a key to the related list unless present or self */
static void add_related(bk_explanation *out, const char *key)
{
    if (strcmp(key, out->key) == 0 || out->related.n >= BK_LIST_MAX)
        return;
    for (size_t i = 0; i < out->related.n; i++)
        if (strcmp(out->related.items[i], key) == 0)
            return;
    out->related.items[out->related.n++] = key;
}

/* related_from - add the keys of a record's "related" field: each one
 * resolved to a record key that exists (unknown ones are left out) */
static void related_from(const bk_kb *kb, const kb_record *r, bk_explanation *out)
{
    for (size_t k = 0; k < r->nfields; k++) {
        if (strcmp(r->fields[k].name, "related") != 0)
            continue;
        const char *p = r->fields[k].value;
        while (*p) {
            while (*p == ',' || *p == ' ')
                p++;
            const char *e = p;
            while (*e && *e != ',')
                e++;
            size_t len = (size_t)(e - p);
            while (len && p[len - 1] == ' ')
                len--;
            if (len && len < KB_KEY_MAX) {
                char key[KB_KEY_MAX];
                memcpy(key, p, len);
                key[len] = '\0';
                const char *res = bk_kb_resolve_key(kb, key);
                if (res)
                    add_related(out, res);
            }
            p = e;
        }
    }
}

/* class_title - "Permanent failure" etc. for a derived title */
static const char *class_words(int cls)
{
    return cls == 5 ? "Permanent failure" : cls == 4 ? "Temporary failure" : "Success";
}

int bk_kb_explain(const bk_kb *kb, int reply_code, const char *status, bk_explanation *out)
{
    memset(out, 0, sizeof *out);
    int c = 0, s = 0, d = 0;
    int has_status = status && status[0];
    if (has_status && !bk_status_parse(status, strlen(status), &c, &s, &d))
        return -1;
    if (reply_code && !bk_reply_code_valid(reply_code))
        return -1;
    if (!reply_code && !has_status)
        return -1;

    out->reply_code = reply_code;
    if (has_status)
        snprintf(out->status, sizeof out->status, "%d.%d.%d", c, s, d);
    if (reply_code && has_status)
        snprintf(out->key, sizeof out->key, "%d %s", reply_code, out->status);
    else if (reply_code)
        snprintf(out->key, sizeof out->key, "%d", reply_code);
    else
        snprintf(out->key, sizeof out->key, "%s", out->status);
    out->decision = bk_decide(reply_code, c, &out->decided_by, &out->permanence);
    int cls = reply_code ? reply_code / 100 : c;
    if (cls == 3)
        cls = 2; /* positive intermediate replies read as success */

    char key[KB_KEY_MAX];
    const kb_record *combo = NULL, *st = NULL, *rc = NULL;
    if (reply_code && has_status) {
        snprintf(key, sizeof key, "%d %d.%d.%d", reply_code, c, s, d);
        combo = find_record(kb, key);
    }
    if (has_status) {
        snprintf(key, sizeof key, "X.%d.%d", s, d);
        st = find_record(kb, key);
    }
    if (reply_code) {
        snprintf(key, sizeof key, "%d", reply_code);
        rc = find_record(kb, key);
    }

    const kb_record *main = combo ? combo : st ? st : (!has_status ? rc : NULL);
    if (main) {
        out->exact = 1;
        fill(main, cls, out);
        related_from(kb, main, out);
    } else {
        /* derived: from the subject (for enhanced codes) and the class */
        const kb_record *subj = NULL, *klass = NULL;
        if (has_status) {
            snprintf(key, sizeof key, "X.%d.*", s);
            subj = find_record(kb, key);
        }
        snprintf(key, sizeof key, "%d.*", cls == 3 ? 2 : cls);
        klass = find_record(kb, key);
        const kb_record *base = subj ? subj : klass;
        if (!base)
            return -1;
        fill(base, cls, out);
        related_from(kb, base, out);
        if (subj)
            snprintf(out->derived_title, sizeof out->derived_title, "%s: %s (detail %d has no entry of its own)",
                     class_words(cls), field(subj, "title", cls), d);
        else if (has_status)
            snprintf(out->derived_title, sizeof out->derived_title,
                     "%s (subject %d is not defined by RFC 3463)", class_words(cls), s);
        else
            snprintf(out->derived_title, sizeof out->derived_title,
                     "%s (reply code %d has no entry of its own)", class_words(cls), reply_code);
        out->title = out->derived_title;
        if (subj && klass)
            add_related(out, klass->key);
    }
    /* the parts of a combination are related to it */
    if (rc && rc != main)
        add_related(out, rc->key);
    if (st && st != main)
        add_related(out, st->key);
    return 0;
}

int bk_kb_explain_entry(const bk_kb *kb, const char *key, bk_explanation *out)
{
    memset(out, 0, sizeof *out);
    const kb_record *r = find_record(kb, key);
    if (!r)
        return -1;
    int cls = 5;
    if (r->kind == KB_REPLY || r->kind == KB_COMBO)
        cls = atoi(r->key) / 100;
    else if (r->kind == KB_CLASS)
        cls = r->key[0] - '0';
    if (r->kind == KB_COMBO) {
        out->reply_code = atoi(r->key);
        snprintf(out->status, sizeof out->status, "%s", r->key + 4);
    } else if (r->kind == KB_REPLY)
        out->reply_code = atoi(r->key);
    snprintf(out->key, sizeof out->key, "%s", r->key);
    out->exact = 1;
    out->permanence = bk_permanence_of_class(cls);
    out->decision = bk_decide(out->reply_code, out->status[0] ? out->status[0] - '0' : 0,
                              &out->decided_by, NULL);
    fill(r, cls == 3 ? 2 : cls, out);
    related_from(kb, r, out);
    if (r->kind == KB_COMBO) {
        char part[KB_KEY_MAX];
        snprintf(part, sizeof part, "%d", out->reply_code);
        const char *k = bk_kb_resolve_key(kb, part);
        if (k)
            add_related(out, k);
        k = bk_kb_resolve_key(kb, out->status);
        if (k)
            add_related(out, k);
    }
    return 0;
}
