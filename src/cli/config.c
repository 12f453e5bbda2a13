/*
 * config.c - the configuration file (see config.h).
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const config_serve_keys[CONFIG_SERVE_KEYS] = {
    "listen", "socketmap", "policy", "token", "token-file", "threads", "max-body",
    "max-connections", "timeout", "policy-action", "map-action", "mailgun-key-file",
    "sns-certificate"};

/* serve_slot - the slot of a serve.* key, or NULL when it is not one */
static char **serve_slot(bk_config *cfg, const char *name)
{
    for (size_t i = 0; i < CONFIG_SERVE_KEYS; i++)
        if (strcmp(config_serve_keys[i], name) == 0)
            return &cfg->serve[i];
    return NULL;
}

/* default_path - where the configuration lives when not named */
static int default_path(char *buf, size_t len)
{
    const char *env = getenv("BOUNCEKIT_CONFIG");
    if (env && env[0])
        return snprintf(buf, len, "%s", env) < (int)len ? 1 : 0;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0])
        snprintf(buf, len, "%s/bouncekit/bouncekit.conf", xdg);
    else if (home && home[0])
        snprintf(buf, len, "%s/.config/bouncekit/bouncekit.conf", home);
    else
        return 0;
    return 2; /* a default: may be missing */
}

/* trim - strip white space at both ends in place */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* add - append a value to a list */
static int add(char **list, size_t *n, const char *value)
{
    if (*n == CONFIG_LIST_MAX)
        return -1;
    list[*n] = strdup(value);
    if (!list[*n])
        return -1;
    (*n)++;
    return 0;
}

int config_load(bk_config *cfg, const char *explicit_path)
{
    memset(cfg, 0, sizeof *cfg);
    bk_policy_default(&cfg->policy);
    int kind = 1;
    if (explicit_path)
        snprintf(cfg->path, sizeof cfg->path, "%s", explicit_path);
    else if ((kind = default_path(cfg->path, sizeof cfg->path)) == 0)
        return 0;
    FILE *f = fopen(cfg->path, "r");
    if (!f) {
        if (kind == 2 && errno == ENOENT) {
            cfg->path[0] = '\0';
            return 0;
        }
        cli_error(NULL, "%s: %s", cfg->path, strerror(errno));
        return -1;
    }
    char line[2048];
    size_t lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            cli_error(NULL, "%s:%zu: line too long", cfg->path, lineno);
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            cli_error(NULL, "%s:%zu: expected 'key = value'", cfg->path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        int bad;
        if (strcmp(key, "rules") == 0)
            bad = add(cfg->rules, &cfg->n_rules, value);
        else if (strcmp(key, "kb") == 0)
            bad = add(cfg->kb, &cfg->n_kb, value);
        else if (strcmp(key, "db") == 0) {
            free(cfg->db);
            bad = !(cfg->db = strdup(value));
        } else if (strncmp(key, "serve.", 6) == 0 && serve_slot(cfg, key + 6)) {
            char **slot = serve_slot(cfg, key + 6);
            free(*slot);
            bad = !(*slot = strdup(value));
        } else if (strncmp(key, "policy.", 7) == 0) {
            char why[256];
            if (bk_policy_set(&cfg->policy, key + 7, value, why, sizeof why) != 0) {
                cli_error(NULL, "%s:%zu: %s", cfg->path, lineno, why);
                rc = -1;
                break;
            }
            bad = 0;
        } else {
            cli_error(NULL, "%s:%zu: unknown key '%s'", cfg->path, lineno, key);
            rc = -1;
            break;
        }
        if (bad) {
            cli_error(NULL, "%s:%zu: too many '%s' entries (at most %d)", cfg->path, lineno, key,
                      CONFIG_LIST_MAX);
            rc = -1;
            break;
        }
    }
    fclose(f);
    if (rc != 0)
        config_free(cfg);
    return rc;
}

void config_free(bk_config *cfg)
{
    for (size_t i = 0; i < cfg->n_rules; i++)
        free(cfg->rules[i]);
    for (size_t i = 0; i < cfg->n_kb; i++)
        free(cfg->kb[i]);
    cfg->n_rules = cfg->n_kb = 0;
    free(cfg->db);
    cfg->db = NULL;
    for (size_t i = 0; i < CONFIG_SERVE_KEYS; i++) {
        free(cfg->serve[i]);
        cfg->serve[i] = NULL;
    }
}
