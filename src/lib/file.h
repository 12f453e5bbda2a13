/*
 * file.h - reading a whole file into memory, with a size bound and an
 * error that names the file.
 */
#ifndef BK_FILE_H
#define BK_FILE_H

#include <stddef.h>

/* bk_read_file - the file's bytes in a malloc'd buffer with a NUL after
 * them; NULL with "PATH: reason" in err when it cannot be opened or read, is
 * larger than max bytes, or memory runs out */
char *bk_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
