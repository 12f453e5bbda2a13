/*
 * mailbox.c - messages from files, mbox files, Maildirs, directory trees,
 * gzip-compressed files and standard input, one at a time (bk_mailbox_*).
 *
 * Every file goes through zlib's gzread, which reads plain files as they
 * are. A file whose first line starts with "From " is an mbox: it is split
 * at "From " lines that follow a blank line, and at any line with the full
 * shape of a separator ("From SENDER Www Mmm dd hh:mm..."; some writers
 * put none between a message's last MIME boundary and the next one);
 * ">From " quoting is undone (mboxrd); only the current message is held in
 * memory. Lines that lie whole in the read buffer are split there, and the
 * runs of them that need no change are copied at once. Any other file is
 * one message. Directories are walked in name order, depth first; a
 * Maildir's tmp/ and the index files of IMAP servers are skipped.
 */
#include "bouncekit.h"
#include "buf.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAILBOX_DEPTH_MAX 32
#define MAILBOX_MESSAGE_MAX (64u * 1024u * 1024u) /* one message larger is skipped */
#define LINE_CHUNK 65536                  /* the longest piece of a line read at once */
#define READ_CHUNK (256u * 1024u)         /* bytes read from the file at once */

typedef struct {
    char *path;
    char **names;
    size_t n, i;
} dir_level;

struct bk_mailbox {
    char *root;
    int root_is_dir;
    int root_done;
    dir_level stack[MAILBOX_DEPTH_MAX];
    int depth;
    gzFile gz;
    char *file;             /* the file being read */
    int mbox;               /* it is an mbox */
    int file_eof;
    size_t msgno;           /* messages read from it */
    bk_buf msg;
    bk_buf pending;         /* a line read ahead: the next message's first */
    int have_pending;
    char *chunk;            /* bytes read ahead: chunk[at..end) not taken yet */
    size_t at, end;
    int chunk_nul;          /* the chunk holds a NUL byte */
    bk_buf line;
    char origin[4200];
    unsigned long long bytes_done;
};

/* by_name - qsort order of directory entries */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* skipped_name - files and folders that hold no messages */
static int skipped_name(const char *name, int is_dir)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 1;
    if (is_dir)
        return strcmp(name, "tmp") == 0;
    return name[0] == '.' || strncmp(name, "dovecot", 7) == 0 ||
           strncmp(name, "courierimap", 11) == 0 || strcmp(name, "maildirfolder") == 0 ||
           strcmp(name, "subscriptions") == 0;
}

/* join - "dir/name" (malloc'd) */
static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* push_dir - list a directory's entries onto the stack */
static int push_dir(bk_mailbox *mb, const char *path, char *err, size_t errlen)
{
    if (mb->depth == MAILBOX_DEPTH_MAX) {
        snprintf(err, errlen, "directory tree deeper than %d levels: not read", MAILBOX_DEPTH_MAX);
        return -1;
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "cannot read directory: %s", strerror(errno));
        return -1;
    }
    dir_level *l = &mb->stack[mb->depth];
    memset(l, 0, sizeof *l);
    l->path = strdup(path);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(l->names, cap * sizeof *nn);
            if (!nn)
                break;
            l->names = nn;
        }
        l->names[l->n] = strdup(e->d_name);
        if (l->names[l->n])
            l->n++;
    }
    closedir(d);
    if (l->n)
        qsort(l->names, l->n, sizeof l->names[0], by_name);
    mb->depth++;
    return 0;
}

/* pop_dir - done with the deepest directory */
static void pop_dir(bk_mailbox *mb)
{
    dir_level *l = &mb->stack[--mb->depth];
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    free(l->path);
    memset(l, 0, sizeof *l);
}

bk_mailbox *bk_mailbox_open(const char *path, char *err, size_t errlen)
{
    bk_mailbox *mb = calloc(1, sizeof *mb);
    if (!mb || !(mb->chunk = malloc(READ_CHUNK)) || !(mb->root = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        if (mb)
            free(mb->chunk);
        free(mb);
        return NULL;
    }
    if (strcmp(path, "-") != 0) {
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s", strerror(errno)); /* the caller names the path */
            bk_mailbox_close(mb);
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            mb->root_is_dir = 1;
            if (push_dir(mb, path, err, errlen) != 0) {
                bk_mailbox_close(mb);
                return NULL;
            }
        }
    }
    return mb;
}

/* close_file - done with the current file */
static void close_file(bk_mailbox *mb)
{
    if (mb->gz) {
        mb->bytes_done += (unsigned long long)gzoffset(mb->gz);
        gzclose(mb->gz);
    }
    mb->gz = NULL;
    free(mb->file);
    mb->file = NULL;
    mb->have_pending = 0;
    mb->file_eof = 0;
    mb->at = mb->end = 0;
}

/* refill - more of the file into the read buffer; 0 at its end */
static int refill(bk_mailbox *mb)
{
    mb->at = mb->end = 0;
    int n = gzread(mb->gz, mb->chunk, READ_CHUNK);
    if (n <= 0)
        return 0;
    mb->end = (size_t)n;
    mb->chunk_nul = memchr(mb->chunk, '\0', mb->end) != NULL;
    return 1;
}

/* read_line - the next line (with its '\n') into out; 0 at the end. A line
 * is taken in pieces of at most LINE_CHUNK - 1 bytes; a NUL byte ends what is
 * kept of its piece (a piece that starts with one gives a space) and joins
 * the line with the next, as reading with gzgets did. */
static int read_line(bk_mailbox *mb, bk_buf *out)
{
    bk_buf_reset(out);
    for (;;) {
        size_t piece = 0;  /* bytes of this piece so far */
        int nul = 0;       /* a NUL met in it */
        int newline = 0;
        while (!newline && piece < LINE_CHUNK - 1) {
            if (mb->at == mb->end && !refill(mb))
                break;
            const char *p = mb->chunk + mb->at;
            size_t avail = mb->end - mb->at;
            if (avail > LINE_CHUNK - 1 - piece)
                avail = LINE_CHUNK - 1 - piece;
            const char *nl = memchr(p, '\n', avail);
            size_t take = nl ? (size_t)(nl - p) + 1 : avail;
            newline = nl != NULL;
            if (!nul) {
                const char *z = memchr(p, '\0', take);
                size_t keep = z ? (size_t)(z - p) : take;
                bk_buf_append(out, p, keep);
                if (z) {
                    nul = 1;
                    if (piece == 0 && keep == 0)
                        bk_buf_putc(out, ' ');
                }
            }
            mb->at += take;
            piece += take;
        }
        if (piece == 0)
            return out->len > 0;
        if (newline && !nul)
            return 1;
        if (out->len > MAILBOX_MESSAGE_MAX)
            return 1;
    }
}

/* open_file - start reading a file: plain, gzip or stdin; mbox or one message */
static int open_file(bk_mailbox *mb, const char *path, char *err, size_t errlen)
{
    mb->gz = strcmp(path, "-") == 0 ? gzdopen(dup(0), "rb") : gzopen(path, "rb");
    mb->file = strdup(path);
    mb->msgno = 0;
    if (!mb->gz || !mb->file) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno ? errno : ENOMEM));
        snprintf(mb->origin, sizeof mb->origin, "%s", path);
        close_file(mb);
        return -1;
    }
    gzbuffer(mb->gz, 128 * 1024);
    /* the first line says whether it is an mbox */
    mb->have_pending = read_line(mb, &mb->pending);
    mb->mbox = mb->have_pending && mb->pending.len > 5 && memcmp(mb->pending.data, "From ", 5) == 0;
    return 0;
}

/* next_path - the next file of the walk (malloc'd), NULL at the end */
static char *next_path(bk_mailbox *mb, char *err, size_t errlen, int *failed)
{
    *failed = 0;
    if (!mb->root_is_dir) {
        if (mb->root_done)
            return NULL;
        mb->root_done = 1;
        return strdup(mb->root);
    }
    while (mb->depth > 0) {
        dir_level *l = &mb->stack[mb->depth - 1];
        if (l->i == l->n) {
            pop_dir(mb);
            continue;
        }
        const char *name = l->names[l->i++];
        char *p = join(l->path, name);
        if (!p)
            continue;
        struct stat st;
        if (stat(p, &st) != 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            snprintf(mb->origin, sizeof mb->origin, "%s", p);
            free(p);
            *failed = 1;
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            if (!skipped_name(name, 1) && push_dir(mb, p, err, errlen) != 0) {
                snprintf(mb->origin, sizeof mb->origin, "%s", p);
                free(p);
                *failed = 1;
                return NULL;
            }
            free(p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || skipped_name(name, 0)) {
            free(p);
            continue;
        }
        return p;
    }
    return NULL;
}

/* in_list - the three letters at p are one of the words of list ("Mon Tue ...") */
static int in_list(const char *p, const char *list)
{
    for (const char *w = list; *w; w += w[3] ? 4 : 3)
        if (memcmp(p, w, 3) == 0)
            return 1;
    return 0;
}

/* separator_shape - p[0..n) is an mbox separator by its whole shape, not just
 * its first word: "From SENDER Www Mmm dd hh:mm", the date as ctime(3)
 * writes it (a ">From " body line never looks so, and mboxrd quotes them) */
static int separator_shape(const char *p, size_t n)
{
    size_t i = 5;
    while (i < n && !bk_is_space((unsigned char)p[i])) /* the sender */
        i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (n - i < 15 || !in_list(p + i, "Mon Tue Wed Thu Fri Sat Sun") || p[i + 3] != ' ' ||
        !in_list(p + i + 4, "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"))
        return 0;
    i += 7;
    while (i < n && p[i] == ' ')
        i++;
    size_t d = 0;
    while (i < n && d < 3 && bk_is_digit((unsigned char)p[i]))
        i++, d++;
    if (d == 0 || d > 2 || i >= n || p[i] != ' ')
        return 0;
    i++;
    return n - i >= 5 && bk_is_digit((unsigned char)p[i]) && bk_is_digit((unsigned char)p[i + 1]) &&
           p[i + 2] == ':' && bk_is_digit((unsigned char)p[i + 3]) &&
           bk_is_digit((unsigned char)p[i + 4]);
}

/* mbox_line - one line of an mbox message: 1 when it is the next message's
 * separator (kept in mb->pending), else 0 with the line added to mb->msg
 * (">From " quoting undone) */
static int mbox_line(bk_mailbox *mb, const char *p, size_t n, int *started, int *prev_blank,
                     int *too_large)
{
    if (n > 5 && memcmp(p, "From ", 5) == 0 && *started && mb->msg.len > 0 &&
        (*prev_blank || separator_shape(p, n))) {
        bk_buf_reset(&mb->pending);
        bk_buf_append(&mb->pending, p, n);
        mb->have_pending = 1;
        return 1;
    }
    *started = 1;
    *prev_blank = n == 1 || (n == 2 && p[0] == '\r');
    /* mboxrd: ">From ", ">>From " ... lose one '>' */
    size_t k = 0;
    while (k < n && p[k] == '>')
        k++;
    if (k > 0 && n - k > 5 && memcmp(p + k, "From ", 5) == 0)
        p++, n--;
    if (mb->msg.len + n > MAILBOX_MESSAGE_MAX)
        *too_large = 1;
    else
        bk_buf_append(&mb->msg, p, n);
    return 0;
}

/* marked_line - the start of the first line after the one at c[i] that
 * starts with 'F' or '>' (a separator or a quoted line, maybe) in c[..end),
 * or end; 16 places at a time */
static size_t marked_line(const char *c, size_t i, size_t end)
{
    size_t k = i + 1;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), f = _mm_set1_epi8('F'), gt = _mm_set1_epi8('>');
    for (; k < end && end - k >= 16; k += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(c + k));
        __m128i before = _mm_loadu_si128((const __m128i *)(const void *)(c + k - 1));
        __m128i hit = _mm_and_si128(_mm_cmpeq_epi8(before, nl),
                                    _mm_or_si128(_mm_cmpeq_epi8(x, f), _mm_cmpeq_epi8(x, gt)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask)
            return k + (size_t)__builtin_ctz(mask);
    }
#endif
    for (; k < end; k++)
        if (c[k - 1] == '\n' && (c[k] == 'F' || c[k] == '>'))
            return k;
    return end;
}

/* plain_lines - the lines of c[i..stop) that start with neither 'F' nor '>'
 * taken one by one: up to the first that is not whole or is longer than a
 * piece of read_line; returns where it stopped */
static size_t plain_lines(const char *c, size_t i, size_t stop, int *started, int *prev_blank)
{
    while (i < stop) {
        const char *nl = memchr(c + i, '\n', stop - i);
        size_t e = nl ? (size_t)(nl - c) + 1 : i;
        if (!nl || e - i > LINE_CHUNK - 1)
            break;
        *started = 1;
        *prev_blank = e - i == 1 || (e - i == 2 && c[i] == '\r');
        i = e;
    }
    return i;
}

/* last_blank - the line that ends at c[stop - 1] (a '\n'), of the lines
 * from c[i] on, is blank ("\n" or "\r\n") */
static int last_blank(const char *c, size_t i, size_t stop)
{
    if (stop - 1 == i || c[stop - 2] == '\n')
        return 1;
    return c[stop - 2] == '\r' && (stop - 2 == i || c[stop - 3] == '\n');
}

/* whole_lines - the lines that lie whole in the read buffer (no NUL byte in
 * it, shorter than a piece of read_line), each as mbox_line takes them, but
 * the runs of lines that need no change are added to mb->msg at once (found
 * by the next line that starts with 'F' or '>'); stops at a line that is not
 * whole. Returns mbox_line's 1 at a separator. */
static int whole_lines(bk_mailbox *mb, int *started, int *prev_blank, int *too_large)
{
    if (mb->chunk_nul)
        return 0;
    const char *c = mb->chunk;
    size_t i = mb->at, run = i; /* c[run..i): lines not added yet */
    int sep = 0;
    while (i < mb->end) {
        if (c[i] != 'F' && c[i] != '>') {
            size_t stop = marked_line(c, i, mb->end);
            if (stop < mb->end && stop - i <= LINE_CHUNK - 1) { /* whole lines, none too long */
                *started = 1;
                *prev_blank = last_blank(c, i, stop);
                i = stop;
                continue;
            }
            size_t got = plain_lines(c, i, stop, started, prev_blank);
            if (got < stop || stop == mb->end) {
                i = got;
                break;
            }
            i = got;
            continue;
        }
        /* a separator or a quoted line, maybe */
        const char *nl = memchr(c + i, '\n', mb->end - i);
        size_t e = nl ? (size_t)(nl - c) + 1 : i;
        if (!nl || e - i > LINE_CHUNK - 1)
            break;
        if (i > run && mb->msg.len + (i - run) > MAILBOX_MESSAGE_MAX)
            *too_large = 1;
        else if (i > run)
            bk_buf_append(&mb->msg, c + run, i - run);
        run = e;
        sep = mbox_line(mb, c + i, e - i, started, prev_blank, too_large);
        i = e;
        if (sep)
            break;
    }
    if (i > run) {
        if (mb->msg.len + (i - run) > MAILBOX_MESSAGE_MAX)
            *too_large = 1;
        else
            bk_buf_append(&mb->msg, c + run, i - run);
    }
    mb->at = i;
    return sep;
}

/* set_origin - mb->origin: the file's name, in an mbox followed by ':' and
 * the message's number (what snprintf's "%s:%zu" writes, cut as it cuts) */
static void set_origin(bk_mailbox *mb)
{
    size_t cap = sizeof mb->origin - 1;
    size_t o = strnlen(mb->file, cap);
    memcpy(mb->origin, mb->file, o);
    if (mb->mbox) {
        char d[24];
        size_t n = bk_put_decimal(d, (long long)mb->msgno, 1);
        if (o < cap)
            mb->origin[o++] = ':';
        for (size_t k = 0; k < n && o < cap; k++)
            mb->origin[o++] = d[k];
    }
    mb->origin[o] = '\0';
}

/* read_message - the next message of the open file into mb->msg: 1, 0 at
 * the file's end, -1 when it is too large (skipped) */
static int read_message(bk_mailbox *mb, char *err, size_t errlen)
{
    bk_buf_reset(&mb->msg);
    if (mb->file_eof)
        return 0;
    int too_large = 0;
    bk_buf line = mb->line; /* kept from one message to the next */
    if (!mb->mbox) {
        if (mb->have_pending)
            bk_buf_append(&mb->msg, mb->pending.data, mb->pending.len);
        mb->have_pending = 0;
        while (mb->at < mb->end || refill(mb)) {
            size_t n = mb->end - mb->at;
            if (mb->msg.len + n > MAILBOX_MESSAGE_MAX)
                too_large = 1;
            else
                bk_buf_append(&mb->msg, mb->chunk + mb->at, n);
            mb->at = mb->end;
        }
        mb->file_eof = 1;
    } else {
        int prev_blank = 1, started = 0;
        if (mb->have_pending) /* the "From " separator: not part of the message */
            started = 1;
        mb->have_pending = 0;
        for (;;) {
            if (whole_lines(mb, &started, &prev_blank, &too_large))
                break; /* the next separator */
            if (!read_line(mb, &line))
                break;
            if (mbox_line(mb, line.data, line.len, &started, &prev_blank, &too_large))
                break;
        }
        if (!mb->have_pending)
            mb->file_eof = 1;
        /* drop the blank line that precedes the next separator */
        if (mb->msg.len && mb->msg.data[mb->msg.len - 1] == '\n' && mb->have_pending && prev_blank)
            mb->msg.len--, mb->msg.data[mb->msg.len] = '\0';
    }
    mb->line = line;
    mb->msgno++;
    set_origin(mb);
    if (too_large) {
        snprintf(err, errlen, "message larger than %u MB: skipped", MAILBOX_MESSAGE_MAX >> 20);
        return -1;
    }
    if (mb->msg.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (mb->msg.len == 0 && mb->file_eof && !mb->mbox) {
        snprintf(err, errlen, "empty file");
        return -1;
    }
    return mb->msg.len > 0 ? 1 : 0;
}

int bk_mailbox_next(bk_mailbox *mb, const char **msg, size_t *len, const char **origin,
                    char *err, size_t errlen)
{
    *origin = mb->origin;
    for (;;) {
        if (!mb->gz) {
            int failed;
            char *p = next_path(mb, err, errlen, &failed);
            if (!p)
                return failed ? -1 : 0;
            int rc = open_file(mb, p, err, errlen);
            free(p);
            if (rc != 0)
                return -1;
        }
        int rc = read_message(mb, err, errlen);
        if (rc == 0) {
            close_file(mb);
            continue;
        }
        if (rc < 0) {
            if (mb->file_eof)
                close_file(mb);
            return -1;
        }
        *msg = mb->msg.data;
        *len = mb->msg.len;
        if (mb->file_eof)
            close_file(mb);
        return 1;
    }
}

unsigned long long bk_mailbox_bytes(const bk_mailbox *mb)
{
    return mb->bytes_done + (mb->gz ? (unsigned long long)gzoffset(mb->gz) : 0);
}

void bk_mailbox_close(bk_mailbox *mb)
{
    if (!mb)
        return;
    close_file(mb);
    while (mb->depth > 0)
        pop_dir(mb);
    bk_buf_free(&mb->msg);
    bk_buf_free(&mb->pending);
    bk_buf_free(&mb->line);
    free(mb->chunk);
    free(mb->root);
    free(mb);
}
