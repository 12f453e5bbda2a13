/*
 * bench_classify.c - classifier speed on one core: start-up (building the
 * classifier with every rule loaded) and classifications per second over a
 * mix of realistic replies (bench/mix/replies.txt, one per line, line breaks
 * of multi-line replies written as \n), by the wall clock and per processor
 * second.
 * Usage: bench_classify [MIXFILE] [SECONDS]
 */
#define _POSIX_C_SOURCE 200809L
#include "bouncekit.h"
#include "bench_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "bench/mix/replies.txt";
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_classify: %s: cannot open\n", path);
        return 1;
    }
    char **lines = NULL;
    size_t *lens = NULL, n = 0, cap = 0, bytes = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, f)) > 0) {
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t o = 0;
        for (size_t i = 0; i < len; i++) { /* "\n" -> line break */
            if (line[i] == '\\' && i + 1 < len && line[i + 1] == 'n') {
                line[o++] = '\n';
                i++;
            } else
                line[o++] = line[i];
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof *lines);
            lens = realloc(lens, cap * sizeof *lens);
            if (!lines || !lens)
                return 1;
        }
        lines[n] = malloc(o + 1);
        memcpy(lines[n], line, o);
        lines[n][o] = '\0';
        lens[n++] = o;
        bytes += o;
    }
    free(line);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "bench_classify: %s: no lines\n", path);
        return 1;
    }

    char err[512];
    /* a cold start compiles every pattern; a warm one reads the cached database */
    const char *cache_env = getenv("BOUNCEKIT_CACHE_DIR");
    char *cache_dir = cache_env ? strdup(cache_env) : NULL;
    setenv("BOUNCEKIT_CACHE_DIR", "off", 1);
    double t0 = now();
    bk_classifier *cold = bk_classifier_new(NULL, 0, err, sizeof err);
    double cold_start = now() - t0;
    if (!cold) {
        fprintf(stderr, "bench_classify: %s\n", err);
        return 1;
    }
    bk_classifier_free(cold);
    if (cache_dir) /* the cache the caller chose, or the default one */
        setenv("BOUNCEKIT_CACHE_DIR", cache_dir, 1);
    else
        unsetenv("BOUNCEKIT_CACHE_DIR");
    free(cache_dir);
    double best_start = 1e9;
    bk_classifier *c = NULL;
    for (int i = 0; i < 5; i++) {
        double ts = now();
        bk_classifier *k = bk_classifier_new(NULL, 0, err, sizeof err);
        double t = now() - ts;
        if (!k) {
            fprintf(stderr, "bench_classify: %s\n", err);
            return 1;
        }
        if (t < best_start)
            best_start = t;
        if (c)
            bk_classifier_free(c);
        c = k;
    }
    bk_verdict v;
    size_t undefined = 0;
    for (size_t i = 0; i < n; i++) { /* warm up, and count what nothing decided */
        bk_classify(c, lines[i], lens[i], NULL, &v, NULL);
        undefined += strcmp(v.reason, "undefined") == 0;
    }
    unsigned long long count = 0;
    double c0 = cpu_now();
    t0 = now();
    double t1 = t0;
    while (t1 - t0 < seconds) {
        for (size_t i = 0; i < n; i++)
            bk_classify(c, lines[i], lens[i], NULL, &v, NULL);
        count += n;
        t1 = now();
    }
    double t = t1 - t0, cpu = cpu_now() - c0;
    printf("bench_classify: %zu rules, %zu distinct replies (%.0f bytes average) from %s\n",
           bk_classifier_rule_count(c), n, (double)bytes / (double)n, path);
    printf("bench_classify: start-up %.1f ms cold (compiling every rule), %.1f ms warm (cached "
           "database, best of 5)\n", cold_start * 1e3, best_start * 1e3);
    printf("bench_classify: %llu classifications in %.2f s on one core: %.0f per second, %.2f us each\n",
           count, t, (double)count / t, t / (double)count * 1e6);
    printf("bench_classify: per processor second (other jobs on the core do not count): %.0f "
           "per second, %.2f us each\n", (double)count / cpu, cpu / (double)count * 1e6);
    printf("bench_classify: %zu of %zu replies (%.1f%%) matched no rule (reason undefined)\n",
           undefined, n, 100.0 * (double)undefined / (double)n);
    bk_classifier_free(c);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    return 0;
}
