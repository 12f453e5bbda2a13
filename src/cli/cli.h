/*
 * cli.h - the subcommands of the bouncekit command and what they share.
 *
 * Exit status of every subcommand: 0 success, 1 a run-time failure (a file
 * could not be read or written), 2 bad usage or malformed input.
 */
#ifndef BK_CLI_H
#define BK_CLI_H

#include "bouncekit.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* cmd_explain - bouncekit explain */
int cmd_explain(int argc, char **argv);
/* cmd_classify - bouncekit classify */
int cmd_classify(int argc, char **argv);
/* cmd_decode - bouncekit decode */
int cmd_decode(int argc, char **argv);
/* cmd_webhook - bouncekit webhook */
int cmd_webhook(int argc, char **argv);
/* cmd_logs - bouncekit logs */
int cmd_logs(int argc, char **argv);
/* cmd_site - bouncekit site */
int cmd_site(int argc, char **argv);
/* cmd_ingest - bouncekit ingest */
int cmd_ingest(int argc, char **argv);
/* cmd_suppress - bouncekit suppress */
int cmd_suppress(int argc, char **argv);
/* cmd_serve - bouncekit serve */
int cmd_serve(int argc, char **argv);

/* cli_open_kb - the embedded knowledge base plus the user files given with
 * --kb and the configuration's 'kb = FILE' settings; prints the error and
 * returns NULL on failure */
bk_kb *cli_open_kb(const char *const *files, size_t nfiles);

/* cli_open_classifier - the built-in rules after the user rule files given
 * on the command line and the configuration's 'rules = FILE' settings (the
 * configuration file config_path, NULL for the default place); prints the
 * error and returns NULL on failure */
bk_classifier *cli_open_classifier(const char *cmd, const char *const *rule_files, size_t n,
                                   const char *config_path);

/* cli_open_store - the suppression list at db (NULL: the configuration's
 * 'db = PATH', else the default place) with the configuration's policy.*
 * settings; prints the error and returns NULL on failure */
bk_store *cli_open_store(const char *cmd, const char *db, const char *config_path);

/* cli_push - append an option's value to a bounded list; prints the error
 * and returns -1 when the list is full */
int cli_push(const char *cmd, const char *option, const char **list, size_t *n, size_t max,
             const char *value);

/* cli_first_line - the first line of a key or token file (malloc'd); prints
 * the error and returns NULL when it cannot be read or the line is empty */
char *cli_first_line(const char *cmd, const char *path);

/* cli_error - "bouncekit: CMD: message" on stderr */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
