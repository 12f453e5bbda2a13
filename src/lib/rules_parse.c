/*
 * rules_parse.c - reads classification rule files (docs/rules-format.md).
 *
 * rules_parse(set, name, data, len, kind, err) checks every line: the rule
 * id (unique over all files), the reason, each condition, the pattern's
 * delimiters, and in provider files the provider header. Patterns are only
 * compiled later, all at once (classify.c). A file with an error is refused
 * as a whole: what it added is taken back.
 */
#include "reasons.h"
#include "rules.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_LINE_MAX 4096
#define RULE_ID_MAX 96

/* fail - "NAME:LINE: why[: what]" into err */
static int fail(char *err, size_t errlen, const char *name, size_t line, const char *why,
                const char *what, size_t what_len)
{
    if (err && errlen) {
        if (what)
            snprintf(err, errlen, "%s:%zu: %s: %.*s", name, line, why, (int)what_len, what);
        else
            snprintf(err, errlen, "%s:%zu: %s", name, line, why);
    }
    return -1;
}

/* grow - make room for one more element */
static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, c * size);
    if (!p)
        return -1;
    *items = p;
    *cap = c;
    return 0;
}

/* copy_n - a NUL-terminated copy of n bytes */
static char *copy_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* next_token - the next white-space separated token of [*p, end) */
static int next_token(const char **p, const char *end, const char **tok, size_t *len)
{
    while (*p < end && bk_is_space((unsigned char)**p))
        (*p)++;
    if (*p >= end)
        return 0;
    *tok = *p;
    while (*p < end && !bk_is_space((unsigned char)**p))
        (*p)++;
    *len = (size_t)(*p - *tok);
    return 1;
}

/* number - parse 1..3 digits, or "*" as -1; returns -2 on error */
static int number(const char *p, size_t len)
{
    if (len == 1 && p[0] == '*')
        return -1;
    if (len < 1 || len > 3)
        return -2;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!bk_is_digit((unsigned char)p[i]))
            return -2;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* parse_status - "5.1.1", "5.7.*", "4.*" into a pattern */
static int parse_status(const char *p, size_t len, status_pat *out)
{
    short v[3] = {-1, -1, -1};
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i;
        while (i < len && p[i] != '.')
            i++;
        int n = number(p + start, i - start);
        if (n == -2 || (part == 0 && n != -1 && n != 2 && n != 4 && n != 5))
            return -1;
        v[part] = (short)n;
        if (i >= len) {
            /* "4.*" and "5.7.*" end early: the rest is any */
            if (n != -1 && part < 2)
                return -1;
            break;
        }
        i++; /* the dot */
        if (n == -1)
            return -1; /* "*" only at the end */
    }
    if (i < len)
        return -1;
    out->c = v[0], out->s = v[1], out->d = v[2];
    return 0;
}

/* parse_reply - "550" or "5xx" into a range */
static int parse_reply(const char *p, size_t len, short *lo, short *hi)
{
    if (len != 3)
        return -1;
    if ((p[1] == 'x' || p[1] == 'X') && (p[2] == 'x' || p[2] == 'X') && p[0] >= '2' && p[0] <= '5') {
        *lo = (short)((p[0] - '0') * 100);
        *hi = (short)(*lo + 99);
        return 0;
    }
    int v = number(p, len);
    if (v < 0 || !bk_reply_code_valid(v))
        return -1;
    *lo = *hi = (short)v;
    return 0;
}

/* split_list - call fn for each comma-separated item; stops at an error */
static int each_item(const char *p, size_t len, int (*fn)(void *, const char *, size_t), void *ctx)
{
    size_t i = 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && p[i] != ',')
            i++;
        if (i == start || fn(ctx, p + start, i - start) != 0)
            return -1;
        i++;
    }
    return 0;
}

static int add_status(void *ctx, const char *p, size_t len)
{
    bk_rule *r = ctx;
    if (r->n_status == RULE_ALTS_MAX || parse_status(p, len, &r->status[r->n_status]) != 0)
        return -1;
    r->n_status++;
    return 0;
}

static int add_reply(void *ctx, const char *p, size_t len)
{
    bk_rule *r = ctx;
    if (r->n_reply == RULE_ALTS_MAX ||
        parse_reply(p, len, &r->reply_lo[r->n_reply], &r->reply_hi[r->n_reply]) != 0)
        return -1;
    r->n_reply++;
    return 0;
}

static int add_class(void *ctx, const char *p, size_t len)
{
    bk_rule *r = ctx;
    if (len != 1 || (p[0] != '2' && p[0] != '4' && p[0] != '5'))
        return -1;
    r->class_mask |= 1u << (p[0] - '0');
    return 0;
}

static int add_cmd(void *ctx, const char *p, size_t len)
{
    bk_rule *r = ctx;
    bk_command c = bk_command_parse(p, len);
    if (c == BK_CMD_NONE)
        return -1;
    r->cmd_mask |= 1u << c;
    return 0;
}

/* valid_id - [a-z0-9._-]+ */
static int valid_id(const char *p, size_t len)
{
    if (len == 0 || len >= RULE_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= 'a' && c <= 'z') || bk_is_digit(c) || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* id_owner - the rule that has this id already, or NULL */
static const bk_rule *id_owner(const bk_ruleset *rs, const char *p, size_t len)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strlen(rs->rules[i].id) == len && memcmp(rs->rules[i].id, p, len) == 0)
            return &rs->rules[i];
    return NULL;
}

/* free_rule - release one rule's strings */
static void free_rule(bk_rule *r)
{
    free(r->id);
    free(r->pattern);
}

/* rollback - take back what a refused file added */
static void rollback(bk_ruleset *rs, size_t rules, size_t providers, size_t texts)
{
    while (rs->n_rules > rules)
        free_rule(&rs->rules[--rs->n_rules]);
    while (rs->n_texts > texts)
        free(rs->texts[--rs->n_texts].pattern);
    while (rs->n_providers > providers) {
        bk_provider *p = &rs->providers[--rs->n_providers];
        for (size_t i = 0; i < p->n_hosts; i++)
            free(p->hosts[i].name);
        free(p->hosts);
        free(p->name);
    }
}

/* pattern_of - the /.../ part that starts at p (the first '/') and ends at
 * the last '/' of the line; 0 when malformed */
static int pattern_of(const char *p, const char *end, const char **pat, size_t *len)
{
    const char *last = end;
    while (last > p && bk_is_space((unsigned char)last[-1]))
        last--;
    if (last - p < 3 || last[-1] != '/')
        return 0;
    *pat = p + 1;
    *len = (size_t)(last - 1 - (p + 1));
    return *len > 0;
}

/* parse_header - a provider file's "provider", "host" or "text" line;
 * returns 1 when the line was one, 0 when not, -1 on error */
static int parse_header(bk_ruleset *rs, const char *file, const char *line, const char *end,
                        size_t lineno, size_t first_provider, char *err, size_t errlen)
{
    const char *p = line, *tok;
    size_t tl;
    if (!next_token(&p, end, &tok, &tl))
        return 0;
    int is_provider = tl == 8 && memcmp(tok, "provider", 8) == 0;
    int is_host = tl == 4 && memcmp(tok, "host", 4) == 0;
    int is_text = tl == 4 && memcmp(tok, "text", 4) == 0;
    if (!is_provider && !is_host && !is_text)
        return 0;
    if (is_provider) {
        if (rs->n_providers > first_provider)
            return fail(err, errlen, file, lineno, "a second 'provider' line", NULL, 0);
        const char *name = p;
        size_t nl = (size_t)(end - p);
        bk_trim(&name, &nl);
        if (nl == 0 || nl > 64)
            return fail(err, errlen, file, lineno, "'provider' needs a name", NULL, 0);
        if (grow((void **)&rs->providers, &rs->cap_providers, rs->n_providers, sizeof *rs->providers))
            return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
        bk_provider *pv = &rs->providers[rs->n_providers];
        memset(pv, 0, sizeof *pv);
        pv->name = copy_n(name, nl);
        if (!pv->name)
            return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
        rs->n_providers++;
        return 1;
    }
    if (rs->n_providers == first_provider)
        return fail(err, errlen, file, lineno, "'host' and 'text' come after the 'provider' line",
                    NULL, 0);
    int pi = (int)rs->n_providers - 1;
    bk_provider *pv = &rs->providers[pi];
    if (is_host) {
        while (next_token(&p, end, &tok, &tl)) {
            size_t cap = pv->n_hosts;
            bk_host_suffix *h = realloc(pv->hosts, (cap + 1) * sizeof *h);
            if (!h)
                return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
            pv->hosts = h;
            h[cap].name = copy_n(tok, tl);
            h[cap].len = tl;
            if (!h[cap].name)
                return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
            for (size_t i = 0; i < tl; i++)
                h[cap].name[i] = (char)bk_lower((unsigned char)h[cap].name[i]);
            pv->n_hosts++;
        }
        return 1;
    }
    while (p < end && bk_is_space((unsigned char)*p))
        p++;
    const char *pat;
    size_t pl;
    if (p >= end || *p != '/' || !pattern_of(p, end, &pat, &pl))
        return fail(err, errlen, file, lineno, "'text' needs a /pattern/", NULL, 0);
    if (grow((void **)&rs->texts, &rs->cap_texts, rs->n_texts, sizeof *rs->texts))
        return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
    bk_provider_text *t = &rs->texts[rs->n_texts];
    t->pattern = copy_n(pat, pl);
    t->provider = pi;
    t->file = file;
    t->line = lineno;
    if (!t->pattern)
        return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
    rs->n_texts++;
    return 1;
}

/* parse_rule - one rule line into r (fields owned by r on success) */
static int parse_rule(bk_ruleset *rs, const char *file, const char *line, const char *end,
                      size_t lineno, rules_kind kind, bk_rule *r, char *err, size_t errlen)
{
    const char *p = line, *tok;
    size_t tl;
    memset(r, 0, sizeof *r);
    r->provider = -1;
    r->file = file;
    r->line = lineno;
    next_token(&p, end, &tok, &tl);
    if (!valid_id(tok, tl))
        return fail(err, errlen, file, lineno, "a rule id is [a-z0-9._-]+", tok, tl);
    const bk_rule *owner = id_owner(rs, tok, tl);
    if (owner && owner->tier == BK_TIER_USER && kind != RULES_USER) {
        /* user files are read first: name the user's line, not ours */
        char why[160];
        snprintf(why, sizeof why, "rule id used by a built-in rule (%s:%zu)", file, lineno);
        return fail(err, errlen, owner->file, owner->line, why, tok, tl);
    }
    if (owner)
        return fail(err, errlen, file, lineno, "duplicate rule id", tok, tl);
    const char *id = tok;
    size_t idl = tl;
    if (!next_token(&p, end, &tok, &tl))
        return fail(err, errlen, file, lineno, "a rule needs a reason", NULL, 0);
    r->reason = reason_index(tok, tl);
    if (r->reason < 0)
        return fail(err, errlen, file, lineno, "unknown reason", tok, tl);
    int weak = 0, generic = 0;
    const char *pat = NULL;
    size_t pl = 0;
    for (;;) {
        while (p < end && bk_is_space((unsigned char)*p))
            p++;
        if (p >= end)
            break;
        if (*p == '/') {
            if (!pattern_of(p, end, &pat, &pl))
                return fail(err, errlen, file, lineno, "malformed /pattern/", NULL, 0);
            break;
        }
        next_token(&p, end, &tok, &tl);
        const char *eq = memchr(tok, '=', tl);
        size_t kl = eq ? (size_t)(eq - tok) : tl;
        const char *v = eq ? eq + 1 : NULL;
        size_t vl = eq ? tl - kl - 1 : 0;
        int bad = 0;
        if (!eq && kl == 4 && memcmp(tok, "weak", 4) == 0)
            weak = 1;
        else if (!eq && kl == 7 && memcmp(tok, "generic", 7) == 0)
            generic = 1;
        else if (!eq && kl == 13 && memcmp(tok, "provider-only", 13) == 0)
            r->provider_only = 1;
        else if (!eq && kl == 8 && memcmp(tok, "definite", 8) == 0)
            r->definite = 1;
        else if (!eq && kl == 6 && memcmp(tok, "sender", 6) == 0)
            r->sender = 1;
        else if (eq && kl == 6 && memcmp(tok, "status", 6) == 0)
            bad = each_item(v, vl, add_status, r);
        else if (eq && kl == 5 && memcmp(tok, "reply", 5) == 0)
            bad = each_item(v, vl, add_reply, r);
        else if (eq && kl == 5 && memcmp(tok, "class", 5) == 0)
            bad = each_item(v, vl, add_class, r);
        else if (eq && kl == 3 && memcmp(tok, "cmd", 3) == 0)
            bad = each_item(v, vl, add_cmd, r);
        else
            return fail(err, errlen, file, lineno, "unknown condition", tok, tl);
        if (bad)
            return fail(err, errlen, file, lineno, "bad condition value", tok, tl);
    }
    if (kind == RULES_CODES && pat)
        return fail(err, errlen, file, lineno, "code rules have no pattern", NULL, 0);
    if ((kind == RULES_CORE || kind == RULES_PROVIDER) && !pat)
        return fail(err, errlen, file, lineno, "a rule needs a /pattern/", NULL, 0);
    if (!pat && r->n_status == 0 && r->n_reply == 0)
        return fail(err, errlen, file, lineno, "a rule without a pattern needs status= or reply=",
                    NULL, 0);
    if (generic && kind != RULES_CODES && kind != RULES_USER)
        return fail(err, errlen, file, lineno, "'generic' is for code rules", NULL, 0);
    if (r->provider_only && kind != RULES_PROVIDER)
        return fail(err, errlen, file, lineno, "'provider-only' is for provider files", NULL, 0);
    if (r->definite && kind == RULES_CODES)
        return fail(err, errlen, file, lineno, "'definite' is for phrase rules", NULL, 0);
    if (r->sender && kind == RULES_CODES)
        return fail(err, errlen, file, lineno, "'sender' is for phrase rules", NULL, 0);
    switch (kind) {
    case RULES_USER:
        r->tier = BK_TIER_USER;
        break;
    case RULES_PROVIDER:
        r->tier = BK_TIER_PROVIDER;
        break;
    case RULES_CORE:
        r->tier = weak ? BK_TIER_WEAK_PHRASE : BK_TIER_PHRASE;
        break;
    case RULES_CODES:
        r->tier = r->n_status ? (generic ? BK_TIER_GENERIC_STATUS : BK_TIER_STATUS) : BK_TIER_REPLY;
        break;
    }
    r->id = copy_n(id, idl);
    r->pattern = pat ? copy_n(pat, pl) : NULL;
    if (!r->id || (pat && !r->pattern)) {
        free_rule(r);
        return fail(err, errlen, file, lineno, "out of memory", NULL, 0);
    }
    return 0;
}

int rules_parse(bk_ruleset *rs, const char *name, const char *data, size_t len, rules_kind kind,
                char *err, size_t errlen)
{
    size_t rules0 = rs->n_rules, providers0 = rs->n_providers, texts0 = rs->n_texts;
    if (grow((void **)&rs->files, &rs->cap_files, rs->n_files, sizeof *rs->files))
        return fail(err, errlen, name, 0, "out of memory", NULL, 0);
    char *file = copy_n(name, strlen(name));
    if (!file)
        return fail(err, errlen, name, 0, "out of memory", NULL, 0);
    rs->files[rs->n_files++] = file;

    size_t i = 0, lineno = 0;
    int seen_rule = 0, user_provider = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && data[i] != '\n')
            i++;
        const char *line = data + start, *end = data + i;
        if (i < len)
            i++;
        lineno++;
        if (end > line && end[-1] == '\r')
            end--;
        if (end - line > RULE_LINE_MAX) {
            fail(err, errlen, file, lineno, "line too long", NULL, 0);
            goto error;
        }
        if (memchr(line, '\0', (size_t)(end - line))) {
            fail(err, errlen, file, lineno, "NUL byte in line", NULL, 0);
            goto error;
        }
        for (const char *q = line; q < end;) {
            size_t k = bk_utf8_seq_len((const unsigned char *)q, (size_t)(end - q));
            if (k == 0) {
                fail(err, errlen, file, lineno, "not valid UTF-8", NULL, 0);
                goto error;
            }
            q += k;
        }
        const char *p = line;
        while (p < end && bk_is_space((unsigned char)*p))
            p++;
        if (p == end || *p == '#')
            continue;
        /* a user file may describe a provider of its own, with the same header */
        if (kind == RULES_USER && !seen_rule && rs->n_providers == providers0 &&
            bk_ci_prefix(p, (size_t)(end - p), "provider ") )
            user_provider = 1;
        if ((kind == RULES_PROVIDER || user_provider) && !seen_rule) {
            int h = parse_header(rs, file, p, end, lineno, providers0, err, errlen);
            if (h < 0)
                goto error;
            if (h > 0)
                continue;
            if (rs->n_providers == providers0) {
                fail(err, errlen, file, lineno, "a provider file starts with 'provider NAME'", NULL,
                     0);
                goto error;
            }
        }
        if (grow((void **)&rs->rules, &rs->cap_rules, rs->n_rules, sizeof *rs->rules)) {
            fail(err, errlen, file, lineno, "out of memory", NULL, 0);
            goto error;
        }
        bk_rule *r = &rs->rules[rs->n_rules];
        if (parse_rule(rs, file, p, end, lineno, user_provider ? RULES_PROVIDER : kind, r, err,
                       errlen) != 0)
            goto error;
        if (kind == RULES_PROVIDER || user_provider)
            r->provider = (int)rs->n_providers - 1;
        if (kind == RULES_USER)
            r->tier = BK_TIER_USER;
        rs->n_rules++;
        seen_rule = 1;
    }
    if (kind == RULES_PROVIDER && rs->n_providers == providers0) {
        fail(err, errlen, file, lineno, "a provider file starts with 'provider NAME'", NULL, 0);
        goto error;
    }
    return 0;
error:
    rollback(rs, rules0, providers0, texts0);
    return -1;
}

void rules_free(bk_ruleset *rs)
{
    rollback(rs, 0, 0, 0);
    free(rs->rules);
    free(rs->providers);
    free(rs->texts);
    for (size_t i = 0; i < rs->n_files; i++)
        free(rs->files[i]);
    free(rs->files);
    memset(rs, 0, sizeof *rs);
}
