/*
 * rules.h - classification rules read from rule files (docs/rules-format.md):
 * the rules with their conditions and patterns, and the providers with the
 * host suffixes and text patterns that recognise them.
 */
#ifndef BK_RULES_H
#define BK_RULES_H

#include "bouncekit.h"

#include <stddef.h>

#define RULE_ALTS_MAX 8

/* the kinds of rule file, which set the tier of their rules */
typedef enum { RULES_USER, RULES_PROVIDER, RULES_CORE, RULES_CODES } rules_kind;

typedef struct {
    short c, s, d; /* -1: any */
} status_pat;

typedef struct {
    char *id;
    int reason;            /* reason_index() */
    bk_tier tier;
    int provider;          /* index into providers, -1 for none */
    int provider_only;
    int definite;          /* the phrase is conclusive whatever the context (the
                              context step of classify.c leaves it alone) */
    int sender;            /* the phrase puts the whole reply on the sender's side:
                              a recipient phrase in it is about the sender */
    short n_status;
    status_pat status[RULE_ALTS_MAX];
    short n_reply;
    short reply_lo[RULE_ALTS_MAX], reply_hi[RULE_ALTS_MAX];
    unsigned class_mask;   /* bit N: class N allowed; 0 = any */
    unsigned cmd_mask;     /* bit N: bk_command N allowed; 0 = any */
    char *pattern;         /* NULL for a code rule */
    const char *file;      /* for messages */
    size_t line;
} bk_rule;

typedef struct {
    char *name; /* lower case */
    size_t len;
} bk_host_suffix;

typedef struct {
    char *name;
    bk_host_suffix *hosts;
    size_t n_hosts;
} bk_provider;

typedef struct {
    char *pattern;
    int provider;
    const char *file;
    size_t line;
} bk_provider_text;

typedef struct {
    bk_rule *rules;
    size_t n_rules, cap_rules;
    bk_provider *providers;
    size_t n_providers, cap_providers;
    bk_provider_text *texts;
    size_t n_texts, cap_texts;
    char **files;
    size_t n_files, cap_files;
} bk_ruleset;

/* rules_parse - add the rules of one file; on error nothing of the file is
 * kept and err holds "NAME:LINE: reason" */
int rules_parse(bk_ruleset *rs, const char *name, const char *data, size_t len, rules_kind kind,
                char *err, size_t errlen);

/* rules_free - release everything */
void rules_free(bk_ruleset *rs);

/* rule_status_holds - do a rule's status conditions hold? (inline: the
 * classifier asks it of every candidate and code rule) */
static inline int rule_status_holds(const bk_rule *r, int c, int s, int d)
{
    if (r->n_status == 0)
        return 1;
    if (c == 0)
        return 0;
    for (int i = 0; i < r->n_status; i++) {
        const status_pat *p = &r->status[i];
        if ((p->c < 0 || p->c == c) && (p->s < 0 || p->s == s) && (p->d < 0 || p->d == d))
            return 1;
    }
    return 0;
}

/* rule_reply_holds - do a rule's reply code conditions hold? */
static inline int rule_reply_holds(const bk_rule *r, int reply)
{
    if (r->n_reply == 0)
        return 1;
    for (int i = 0; i < r->n_reply; i++)
        if (reply >= r->reply_lo[i] && reply <= r->reply_hi[i])
            return 1;
    return 0;
}

#endif
