/*
 * file.c - whole-file reads, the cache directory, files replaced whole (see
 * file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *bk_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    const char *why = buf ? NULL : "out of memory";
    while (!why) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= max) {
                why = "file too large";
                break;
            }
            size_t next = cap * 2 > max ? max : cap * 2;
            char *p = realloc(buf, next + 1);
            if (!p) {
                why = "out of memory";
                break;
            }
            buf = p;
            cap = next;
        }
    }
    if (!why && ferror(f))
        why = "read error";
    fclose(f);
    if (why) {
        snprintf(err, errlen, "%s: %s", path, why);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int bk_cache_dir(char *dir, size_t len)
{
    const char *env = getenv("BOUNCEKIT_CACHE_DIR");
    int n;
    if (env && strcmp(env, "off") == 0)
        return 0;
    if (env && env[0])
        n = snprintf(dir, len, "%s", env);
    else if (getenv("XDG_CACHE_HOME") && getenv("XDG_CACHE_HOME")[0])
        n = snprintf(dir, len, "%s/bouncekit", getenv("XDG_CACHE_HOME"));
    else if (getenv("HOME") && getenv("HOME")[0])
        n = snprintf(dir, len, "%s/.cache/bouncekit", getenv("HOME"));
    else
        return 0;
    return n > 0 && (size_t)n < len;
}

/* make_dirs - dir and the directories above it, as far as they are missing */
static void make_dirs(const char *dir)
{
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", dir);
    for (char *p = parent + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0700);
            *p = '/';
        }
    mkdir(parent, 0700);
}

int bk_replace_file(const char *path, const char *dir, int (*put)(FILE *f, const void *ctx),
                    const void *ctx)
{
    static atomic_uint seq; /* temporary names of one process's threads differ */
    make_dirs(dir);
    char tmp[1200];
    int n = snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(),
                     atomic_fetch_add(&seq, 1u));
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return 0;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return 0;
    int ok = put(f, ctx);
    if (fclose(f) != 0)
        ok = 0;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    return ok;
}
