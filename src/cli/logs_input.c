/*
 * logs_input.c - the lines of several log files in time order (see
 * logs_input.h).
 */
#include "logs_input.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK (1u << 20)

typedef struct {
    char *path;
    gzFile gz;
    char *buf;              /* BLOCK + LOG_LINE_MAX bytes */
    size_t start, end;      /* unread bytes are buf[start..end) */
    int eof;
    const char *line;       /* the current line, when have */
    size_t len;
    long long time;         /* its time stamp, or the previous one's */
    int have;
    int skip_rest;          /* the last line was cut: drop the rest of it first */
    int reopen;             /* following: the file was rotated and the old one read to its end */
    ino_t ino;              /* for following: the file we have open */
    int stream;             /* a pipe, standard input or a terminal: its end is the end,
                             * even when following (journalctl -f | bouncekit logs --follow -) */
    size_t arg;             /* its index in the paths given */
    unsigned long long done;
} input;

struct log_inputs {
    input *in;
    size_t n;
    const bk_log_reader *r;
    int follow;
    unsigned long long total, cut;
    int last;               /* the input whose line was handed out last */
};

/* open_one - open a file (or stdin) for reading */
static int open_one(input *f)
{
    if (strcmp(f->path, "-") == 0) {
        struct stat st;
        f->stream = fstat(0, &st) != 0 || !S_ISREG(st.st_mode);
        f->gz = gzdopen(dup(0), "rb");
    } else {
        /* the inode of the file opened, not of what the path names a moment later */
        int fd = open(f->path, O_RDONLY);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0) {
            f->ino = st.st_ino;
            f->stream = !S_ISREG(st.st_mode); /* a named pipe */
        }
        f->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (fd >= 0 && !f->gz)
            close(fd);
    }
    if (!f->gz)
        return -1;
    gzbuffer(f->gz, 256 * 1024);
    f->start = f->end = 0;
    f->eof = 0;
    return 0;
}

/* refill - read more bytes; 0 when nothing more could be read */
static int refill(log_inputs *li, input *f)
{
    if (f->eof)
        return 0;
    if (f->start > 0) {
        memmove(f->buf, f->buf + f->start, f->end - f->start);
        f->end -= f->start;
        f->start = 0;
    }
    size_t room = BLOCK + LOG_LINE_MAX - f->end;
    if (room == 0)
        return 0;
    int n = gzread(f->gz, f->buf + f->end, (unsigned)(room < BLOCK ? room : BLOCK));
    if (n <= 0) {
        if (!li->follow || f->stream)
            f->eof = 1;
        gzclearerr(f->gz);
        return 0;
    }
    f->end += (size_t)n;
    f->done += (unsigned long long)n;
    return 1;
}

/* rotated - the followed file was replaced or truncated (the path names
 * another file, or a shorter one) */
static int rotated(const input *f)
{
    struct stat st;
    if (strcmp(f->path, "-") == 0 || stat(f->path, &st) != 0)
        return 0;
    if (!f->gz)
        return 1; /* the last reopening failed: try again */
    z_off_t at = gzoffset(f->gz);
    return st.st_ino != f->ino || st.st_size < at;
}

/* reopen - read the followed path anew from its start, dropping what is
 * left of the old file; -1 when it cannot be opened (tried again later) */
static int reopen(input *f)
{
    f->reopen = 0;
    f->skip_rest = 0;
    if (f->gz)
        gzclose(f->gz);
    f->gz = NULL;
    f->start = f->end = 0;
    return open_one(f);
}

/* advance - the next line of f into f->line; 0 at its end */
static int advance(log_inputs *li, input *f, volatile int *stop)
{
    if (f->reopen)
        reopen(f);
    while (f->skip_rest) { /* the rest of a cut line */
        const char *e = memchr(f->buf + f->start, '\n', f->end - f->start);
        if (e) {
            f->start = (size_t)(e - f->buf) + 1;
            f->skip_rest = 0;
        } else {
            f->start = f->end;
            if (!refill(li, f))
                f->skip_rest = 0;
        }
    }
    for (;;) {
        const char *nl = memchr(f->buf + f->start, '\n', f->end - f->start);
        if (nl) {
            f->line = f->buf + f->start;
            f->len = (size_t)(nl - f->line);
            f->start += f->len + 1;
            break;
        }
        if (f->end - f->start >= LOG_LINE_MAX) { /* cut an over-long line */
            li->cut++;
            f->line = f->buf + f->start;
            f->len = LOG_LINE_MAX;
            f->start += LOG_LINE_MAX;
            f->skip_rest = 1;
            break;
        }
        if (refill(li, f))
            continue;
        if (f->eof || !li->follow) {
            if (f->end > f->start) { /* a last line without its line end */
                f->line = f->buf + f->start;
                f->len = f->end - f->start;
                f->start = f->end;
                break;
            }
            return 0;
        }
        /* following: wait for more, reopening after rotation */
        if (stop && *stop)
            return 0;
        if (rotated(f)) {
            /* the old file first: what was written to it before it was moved
             * (its last line even without a line end), then the new one */
            if (f->gz && refill(li, f))
                continue;
            if (f->end > f->start) {
                f->line = f->buf + f->start;
                f->len = f->end - f->start;
                f->start = f->end;
                f->reopen = 1;
                break;
            }
            if (reopen(f) == 0)
                continue;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (f->len && f->line[f->len - 1] == '\r')
        f->len--;
    if (li->n > 1) { /* times only order several inputs */
        long long t = bk_log_line_time(li->r, f->line, f->len);
        if (t >= 0)
            f->time = t;
    }
    return 1;
}

log_inputs *log_inputs_open(char *const *paths, size_t n, const bk_log_reader *r, int follow,
                            size_t *failed)
{
    log_inputs *li = calloc(1, sizeof *li);
    if (!li)
        return NULL;
    li->in = calloc(n ? n : 1, sizeof *li->in);
    li->r = r;
    li->follow = follow;
    li->last = -1;
    *failed = 0;
    for (size_t i = 0; i < n && li->in; i++) {
        input *f = &li->in[li->n];
        f->path = paths[i];
        f->arg = i;
        f->buf = malloc(BLOCK + LOG_LINE_MAX);
        if (!f->buf || open_one(f) != 0) {
            cli_error("logs", "%s: %s", paths[i], f->buf ? strerror(errno ? errno : ENOENT) : "out of memory");
            free(f->buf);
            memset(f, 0, sizeof *f);
            (*failed)++;
            continue;
        }
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0)
            li->total += (unsigned long long)st.st_size;
        li->n++;
    }
    if (li->n == 0) {
        log_inputs_close(li);
        return NULL;
    }
    /* only the last file is followed: the others are read to their end */
    for (size_t i = 0; i < li->n; i++) {
        int save = li->follow;
        li->follow = save && i == li->n - 1;
        li->in[i].have = advance(li, &li->in[i], NULL);
        li->follow = save;
    }
    return li;
}

int log_inputs_next(log_inputs *in, const char **line, size_t *len, volatile int *stop)
{
    if (in->last >= 0) {
        input *f = &in->in[in->last];
        int save = in->follow;
        in->follow = save && (size_t)in->last == in->n - 1;
        f->have = advance(in, f, stop);
        in->follow = save;
    }
    int best = -1;
    if (in->n == 1)
        best = in->in[0].have ? 0 : -1;
    else
        for (size_t i = 0; i < in->n; i++)
            if (in->in[i].have && (best < 0 || in->in[i].time < in->in[best].time))
                best = (int)i;
    in->last = best;
    if (best < 0)
        return 0;
    *line = in->in[best].line;
    *len = in->in[best].len;
    return 1;
}

size_t log_inputs_arg(const log_inputs *in)
{
    return in->last >= 0 ? in->in[in->last].arg : 0;
}

void log_inputs_progress(const log_inputs *in, unsigned long long *done, unsigned long long *total)
{
    *done = 0;
    for (size_t i = 0; i < in->n; i++)
        *done += in->in[i].gz ? (unsigned long long)gzoffset(in->in[i].gz) : 0;
    *total = in->total;
}

unsigned long long log_inputs_cut(const log_inputs *in)
{
    return in->cut;
}

void log_inputs_close(log_inputs *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->n; i++) {
        if (in->in[i].gz)
            gzclose(in->in[i].gz);
        free(in->in[i].buf);
    }
    free(in->in);
    free(in);
}
