/*
 * config.h - the configuration file: `key = value` lines, `#` comments.
 * Found at --config FILE, else $BOUNCEKIT_CONFIG, else
 * $XDG_CONFIG_HOME/bouncekit/bouncekit.conf (~/.config/... when unset);
 * a missing default file is not an error. Keys known today:
 *   rules = FILE    a user rule file for the classifier (may be repeated)
 *   kb = FILE       a user knowledge-base file for explain/site (may be repeated)
 *   db = PATH       the suppression list's database (default: see bk_store_open)
 *   policy.NAME = VALUE   a suppression policy setting (docs/suppression.md):
 *                   soft-count, soft-window, soft-expiry, hard-expiry,
 *                   complaint-expiry, domain-expiry, fold-plus,
 *                   domain-hostunknown, domain-notaccept, delivered-clears,
 *                   soft-reasons, sender-reasons
 *   serve.NAME = VALUE    a setting of bouncekit serve (docs/serve.md): listen,
 *                   socketmap, policy, token, token-file, threads, max-body,
 *                   max-connections, timeout, policy-action, map-action,
 *                   mailgun-key-file
 */
#ifndef BK_CONFIG_H
#define BK_CONFIG_H

#include "bouncekit.h"

#include <stddef.h>

#define CONFIG_LIST_MAX 16
#define CONFIG_SERVE_KEYS 13

/* the serve.* keys, in the order of bk_config.serve */
extern const char *const config_serve_keys[CONFIG_SERVE_KEYS];

typedef struct {
    char *rules[CONFIG_LIST_MAX];
    size_t n_rules;
    char *kb[CONFIG_LIST_MAX];
    size_t n_kb;
    char *db;        /* NULL when not set */
    char *serve[CONFIG_SERVE_KEYS]; /* serve.* values by config_serve_keys[] index; NULL unset */
    bk_policy policy; /* the defaults with the file's policy.* settings */
    char path[1024]; /* the file read, "" when none */
} bk_config;

/* config_load - read the file named (NULL: the default place); prints the
 * error ("FILE:LINE: reason") and returns -1 when it is unusable */
int config_load(bk_config *cfg, const char *explicit_path);

/* config_free - release */
void config_free(bk_config *cfg);

#endif
