/*
 * bench_rules.c - what each rule pattern costs: compiles every pattern of
 * the built-in rule files on its own and scans the benchmark mix with it,
 * then prints the most expensive patterns by compile time and by scan time,
 * with their file and line. Use it to keep rules cheap.
 * Usage: bench_rules [DATA_RULES_DIR] [MIXFILE] [TOP]
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char where[256];
    char *pattern;
    double compile_ms, scan_us;
} cost;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_match(unsigned id, unsigned long long a, unsigned long long b, unsigned f, void *c)
{
    (void)id, (void)a, (void)b, (void)f, (void)c;
    return 0;
}

static cost *costs;
static size_t n_costs, cap_costs;
static char **mix;
static size_t *mix_len, n_mix;

/* measure - one pattern */
static void measure(const char *where, const char *pat)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    double t0 = now();
    if (hs_compile(pat, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8, HS_MODE_BLOCK,
                   NULL, &db, &ce) != HS_SUCCESS) {
        printf("does not compile: %s: %s\n", where, ce ? ce->message : "?");
        hs_free_compile_error(ce);
        return;
    }
    double compile = now() - t0;
    hs_scratch_t *s = NULL;
    hs_alloc_scratch(db, &s);
    t0 = now();
    for (size_t i = 0; i < n_mix; i++)
        hs_scan(db, mix[i], (unsigned)mix_len[i], 0, s, on_match, NULL);
    double scan = now() - t0;
    hs_free_scratch(s);
    hs_free_database(db);
    if (n_costs == cap_costs) {
        cap_costs = cap_costs ? cap_costs * 2 : 256;
        costs = realloc(costs, cap_costs * sizeof *costs);
    }
    cost *c = &costs[n_costs++];
    snprintf(c->where, sizeof c->where, "%s", where);
    c->pattern = strdup(pat);
    c->compile_ms = compile * 1e3;
    c->scan_us = scan * 1e6 / (double)(n_mix ? n_mix : 1);
}

/* one_file - every /pattern/ of a rule file */
static void one_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[8192];
    size_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *a = strchr(line, '/'), *b = strrchr(line, '/');
        if (line[0] == '#' || !a || b <= a + 1)
            continue;
        *b = '\0';
        char where[256];
        snprintf(where, sizeof where, "%.200s:%zu", path, lineno);
        measure(where, a + 1);
    }
    fclose(f);
}

static int by_compile(const void *a, const void *b)
{
    double x = ((const cost *)a)->compile_ms, y = ((const cost *)b)->compile_ms;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int by_scan(const void *a, const void *b)
{
    double x = ((const cost *)a)->scan_us, y = ((const cost *)b)->scan_us;
    return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/rules";
    const char *mixfile = argc > 2 ? argv[2] : "bench/mix/replies.txt";
    int top = argc > 3 ? atoi(argv[3]) : 15;
    FILE *m = fopen(mixfile, "r");
    char buf[16384];
    while (m && fgets(buf, sizeof buf, m)) {
        size_t l = strcspn(buf, "\n");
        mix = realloc(mix, (n_mix + 1) * sizeof *mix);
        mix_len = realloc(mix_len, (n_mix + 1) * sizeof *mix_len);
        mix[n_mix] = strndup(buf, l);
        mix_len[n_mix++] = l;
    }
    if (m)
        fclose(m);
    const char *subs[] = {"core", "providers", NULL};
    for (int k = 0; subs[k]; k++) {
        char d[1024];
        snprintf(d, sizeof d, "%s/%s", dir, subs[k]);
        DIR *dd = opendir(d);
        struct dirent *e;
        while (dd && (e = readdir(dd)) != NULL) {
            if (!strstr(e->d_name, ".rules"))
                continue;
            char p[1400];
            snprintf(p, sizeof p, "%s/%s", d, e->d_name);
            one_file(p);
        }
        if (dd)
            closedir(dd);
    }
    double total_c = 0, total_s = 0;
    for (size_t i = 0; i < n_costs; i++)
        total_c += costs[i].compile_ms, total_s += costs[i].scan_us;
    printf("bench_rules: %zu patterns: %.0f ms to compile one by one, %.2f us to scan one reply "
           "with each in turn (%zu replies)\n",
           n_costs, total_c, total_s, n_mix);
    qsort(costs, n_costs, sizeof *costs, by_compile);
    printf("most expensive to compile:\n");
    for (int i = 0; i < top && (size_t)i < n_costs; i++)
        printf("  %7.1f ms  %s  /%.100s/\n", costs[i].compile_ms, costs[i].where, costs[i].pattern);
    qsort(costs, n_costs, sizeof *costs, by_scan);
    printf("most expensive to scan (per reply):\n");
    for (int i = 0; i < top && (size_t)i < n_costs; i++)
        printf("  %7.3f us  %s  /%.100s/\n", costs[i].scan_us, costs[i].where, costs[i].pattern);
    return 0;
}
