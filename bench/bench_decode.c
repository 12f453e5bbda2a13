/*
 * bench_decode.c - bounce decoding speed and memory on one core.
 *
 *   bench_decode [MAILDIR] [MESSAGES]
 *
 * Reads every message file of MAILDIR (default ../shared/corpus/sisimai/
 * maildir), writes them round-robin into one mbox file of at least MESSAGES
 * messages (default 50,000) in $TMPDIR, then decodes that mbox through
 * bk_mailbox and bk_decode as `bouncekit decode` does, and prints messages
 * and recipients per second (wall clock, and per second of CPU time, which
 * other work on the machine disturbs less) and the peak resident memory, after a tenth of
 * the messages and at the end (it must not grow with the input).
 */
#include "bouncekit.h"
#include "bench_clock.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* peak_rss_mb - the peak resident set so far, in MB */
static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* by_name - qsort order of file names */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* write_mbox - the corpus replicated to at least want messages; returns the count */
static size_t write_mbox(const char *dir, const char *path, size_t want, size_t *files)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    char **bodies = calloc(n, sizeof *bodies);
    size_t *lens = calloc(n, sizeof *lens);
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        bodies[i] = malloc((size_t)sz + 1);
        lens[i] = fread(bodies[i], 1, (size_t)sz, f);
        fclose(f);
    }
    FILE *out = fopen(path, "wb");
    size_t written = 0;
    while (out && n && written < want)
        for (size_t i = 0; i < n && written < want; i++) {
            if (!bodies[i])
                continue;
            fputs("From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n", out);
            /* mboxrd quoting of body lines that start with "From " */
            const char *p = bodies[i], *end = bodies[i] + lens[i];
            while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
                size_t k = 0;
                while (k < l && p[k] == '>')
                    k++;
                if (l - k >= 5 && memcmp(p + k, "From ", 5) == 0)
                    fputc('>', out);
                fwrite(p, 1, l, out);
                p += l;
            }
            fputs(lens[i] && bodies[i][lens[i] - 1] == '\n' ? "\n" : "\n\n", out);
            written++;
        }
    if (out)
        fclose(out);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(bodies[i]);
    }
    free(bodies);
    free(lens);
    *files = n;
    return written;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/corpus/sisimai/maildir";
    size_t want = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 50000;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_decode.%d.mbox", tmp, (int)getpid());
    size_t files = 0;
    size_t total = write_mbox(dir, path, want, &files);
    if (total == 0) {
        fprintf(stderr, "bench_decode: %s: no messages (is ../shared there?)\n", dir);
        return 77;
    }
    char err[512];
    bk_classifier *c = bk_classifier_new(NULL, 0, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_decode: %s\n", err);
        return 1;
    }
    bk_decoder *d = bk_decoder_new(c, NULL);
    bk_mailbox *mb = bk_mailbox_open(path, err, sizeof err);
    if (!d || !mb) {
        fprintf(stderr, "bench_decode: %s\n", err);
        return 1;
    }
    double rss_start = peak_rss_mb(), rss_tenth = 0;
    const char *msg, *origin;
    size_t len, messages = 0, recipients = 0, bounces = 0;
    unsigned long long bytes = 0;
    int rc;
    double t0 = now(), c0 = cpu_now();
    while ((rc = bk_mailbox_next(mb, &msg, &len, &origin, err, sizeof err)) != 0) {
        if (rc < 0)
            continue;
        bk_decoded out;
        bk_decode(d, msg, len, &out);
        messages++;
        bytes += len;
        recipients += out.n;
        bounces += out.status == BK_DECODED;
        if (messages == total / 10)
            rss_tenth = peak_rss_mb();
    }
    double t = now() - t0, cpu = cpu_now() - c0;
    printf("bench_decode: %zu files of %s replicated to %zu messages (%.1f MB mbox)\n", files, dir,
           messages, (double)bytes / 1e6);
    printf("bench_decode: %.2f s on one core: %.0f messages/s, %.1f MB/s, %.0f recipients/s\n", t,
           (double)messages / t, (double)bytes / 1e6 / t, (double)recipients / t);
    printf("bench_decode: %.2f s of CPU time: %.0f messages per CPU second (less sensitive to other load)\n",
           cpu, (double)messages / cpu);
    printf("bench_decode: %zu bounces decoded, %zu recipients\n", bounces, recipients);
    printf("bench_decode: peak RSS %.1f MB before decoding, %.1f MB after a tenth, %.1f MB at the end\n",
           rss_start, rss_tenth, peak_rss_mb());
    bk_mailbox_close(mb);
    bk_decoder_free(d);
    bk_classifier_free(c);
    unlink(path);
    return 0;
}
