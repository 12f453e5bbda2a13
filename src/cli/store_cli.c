/*
 * store_cli.c - opening the suppression list for a subcommand: the --db
 * option, else the configuration's 'db = PATH', else the default place;
 * the policy from the configuration's policy.* settings.
 */
#include "cli.h"
#include "config.h"

bk_store *cli_open_store(const char *cmd, const char *db, const char *config_path)
{
    bk_config cfg;
    if (config_load(&cfg, config_path) != 0)
        return NULL;
    char err[1024];
    bk_store *s = bk_store_open(db ? db : cfg.db, &cfg.policy, err, sizeof err);
    if (!s)
        cli_error(cmd, "%s", err);
    config_free(&cfg);
    return s;
}
