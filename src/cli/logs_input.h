/*
 * logs_input.h - the lines of one or more log files (plain or gzip, or "-"
 * for standard input) in time order: each file is read in large blocks and
 * split at line ends; several files (a rotated set such as mail.log.2.gz
 * mail.log.1 mail.log, or the logs of several hosts) are merged by the time
 * stamps of their lines. With follow, the last file is tailed and reopened
 * when it is rotated.
 */
#ifndef BK_LOGS_INPUT_H
#define BK_LOGS_INPUT_H

#include "bouncekit.h"

#include <stddef.h>

#define LOG_LINE_MAX (64u * 1024u) /* longer lines are cut here (and counted) */

typedef struct log_inputs log_inputs;

/* log_inputs_open - open every path; a path that cannot be opened is
 * reported with cli_error and counted in *failed. NULL when none opened. */
log_inputs *log_inputs_open(char *const *paths, size_t n, const bk_log_reader *r, int follow,
                            size_t *failed);

/* log_inputs_next - the next line in time order (without its line end);
 * 1, or 0 at the end of every input (never, when following, unless *stop
 * becomes set) */
int log_inputs_next(log_inputs *in, const char **line, size_t *len, volatile int *stop);

/* log_inputs_arg - the index in paths of the file of the line
 * log_inputs_next gave last */
size_t log_inputs_arg(const log_inputs *in);

/* log_inputs_progress - bytes read so far and in all (0: unknown) */
void log_inputs_progress(const log_inputs *in, unsigned long long *done, unsigned long long *total);

/* log_inputs_cut - lines that were longer than LOG_LINE_MAX */
unsigned long long log_inputs_cut(const log_inputs *in);

/* log_inputs_close - release everything */
void log_inputs_close(log_inputs *in);

#endif
