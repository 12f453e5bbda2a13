/*
 * file.h - reading a whole file into memory, with a size bound and an
 * error that names the file; the directory of cached databases, and a file
 * replaced whole.
 */
#ifndef BK_FILE_H
#define BK_FILE_H

#include <stddef.h>
#include <stdio.h>

/* bk_read_file - the file's bytes in a malloc'd buffer with a NUL after
 * them; NULL with "PATH: reason" in err when it cannot be opened or read, is
 * larger than max bytes, or memory runs out */
char *bk_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* bk_cache_dir - the directory of cached databases into dir[0..len):
 * $BOUNCEKIT_CACHE_DIR, $XDG_CACHE_HOME/bouncekit or ~/.cache/bouncekit; 0
 * when caching is off (BOUNCEKIT_CACHE_DIR=off) or there is no place for it */
int bk_cache_dir(char *dir, size_t len);

/* bk_replace_file - path written whole by put(f, ctx) (returning 0 on
 * failure) through a temporary file renamed over it, its directory made
 * first; 0 on failure (nothing left behind) */
int bk_replace_file(const char *path, const char *dir, int (*put)(FILE *f, const void *ctx),
                    const void *ctx);

#endif
