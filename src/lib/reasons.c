/*
 * reasons.c - the reason vocabulary and its table (see reasons.h).
 */
#include "reasons.h"
#include "bouncekit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the 36 names of DESIGN.md, alphabetical: the index is a reason's id */
static const char *const REASON_NAMES[BK_REASON_COUNT + 1] = {
    "authfailure",  "badreputation",   "blocked",        "contenterror", "delivered",
    "exceedlimit",  "expired",         "failedstarttls", "feedback",     "filtered",
    "hasmoved",     "hostunknown",     "mailboxfull",    "mailererror",  "mesgtoobig",
    "networkerror", "norelaying",      "notaccept",      "notcompliantrfc", "onhold",
    "policyviolation", "rejected",     "requireptr",     "securityerror", "spamdetected",
    "speeding",     "suppressed",      "suspend",        "syntaxerror",  "systemerror",
    "systemfull",   "toomanyconn",     "undefined",      "userunknown",  "vacation",
    "virusdetected", NULL};

int reason_index(const char *name, size_t len)
{
    for (int i = 0; i < BK_REASON_COUNT; i++)
        if (strlen(REASON_NAMES[i]) == len && memcmp(REASON_NAMES[i], name, len) == 0)
            return i;
    return -1;
}

int bk_reason_valid(const char *name)
{
    return name && reason_index(name, strlen(name)) >= 0;
}

const char *const *bk_reason_names(void)
{
    return REASON_NAMES;
}

/* split_tabs - cut a line into at most max TAB-separated fields in place */
static int split_tabs(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* dash_null - "-" means none */
static const char *dash_null(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

int reasons_load(bk_reason_table *t, const char *name, const char *data, size_t len, char *err,
                 size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->storage = malloc(len + 1);
    if (!t->storage) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    memcpy(t->storage, data, len);
    t->storage[len] = '\0';
    int seen[BK_REASON_COUNT] = {0};
    int order = 0;
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(t->storage, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1 || line[0] == '#' || line[0] == '\0')
            continue; /* the header */
        char *f[14];
        if (split_tabs(line, f, 14) != 14) {
            snprintf(err, errlen, "%s:%zu: want 14 TAB-separated columns", name, lineno);
            goto fail;
        }
        int idx = reason_index(f[0], strlen(f[0]));
        if (idx < 0 || seen[idx]) {
            snprintf(err, errlen, "%s:%zu: %s reason '%s'", name, lineno,
                     idx < 0 ? "unknown" : "duplicate", f[0]);
            goto fail;
        }
        seen[idx] = 1;
        bk_reason_info *r = &t->r[idx];
        r->name = REASON_NAMES[idx];
        r->order = order++;
        r->category = f[1];
        r->fault = f[2];
        r->suggestion[0] = f[3];
        r->suggestion[1] = f[4];
        r->severity[0] = f[5];
        r->severity[1] = f[6];
        r->bounce_class[0] = dash_null(f[7]);
        r->bounce_class[1] = dash_null(f[8]);
        r->pmta[0] = dash_null(f[9]);
        r->pmta[1] = dash_null(f[10]);
        r->hard_when_permanent = strcmp(f[11], "yes") == 0 ? 1 : strcmp(f[11], "5xx") == 0 ? 2 : 0;
        r->unconfirmed = -1;
        if (strcmp(f[12], "-") != 0) {
            r->unconfirmed = reason_index(f[12], strlen(f[12]));
            if (r->unconfirmed < 0) {
                snprintf(err, errlen, "%s:%zu: bad unconfirmed reason '%s'", name, lineno, f[12]);
                goto fail;
            }
        }
    }
    for (int i = 0; i < BK_REASON_COUNT; i++)
        if (!seen[i]) {
            snprintf(err, errlen, "%s: no row for reason '%s'", name, REASON_NAMES[i]);
            goto fail;
        }
    return 0;
fail:
    reasons_free(t);
    return -1;
}

void reasons_free(bk_reason_table *t)
{
    free(t->storage);
    t->storage = NULL;
}
