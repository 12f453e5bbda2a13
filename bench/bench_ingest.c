/*
 * bench_ingest.c - the suppression list's speed on one core:
 *   1. ingest: N events (a mix of hard bounces, soft bounces, sender
 *      problems and deliveries to distinct addresses, in random key order
 *      as real bounces come) into a new SQLite store, 500,000 per
 *      transaction, each 50,000 put in address order by
 *      bk_store_ingest_batch, as bouncekit ingest does: events per second
 *      (the time the bench takes to make the events is not counted);
 *   2. check: lookups per second against the list that made (about N/2
 *      suppressed addresses; run with N = 2,000,000 for a 1,000,000-address
 *      list), for addresses not on it, on it, and a 90/10 mix, in one process.
 * Usage: bench_ingest [N] [DIR]  (N default 2000000, DIR default /tmp)
 * With BOUNCEKIT_BENCH_PG=postgresql://... in the environment the store is
 * that PostgreSQL database instead (it should be empty; nothing is removed
 * after), and 50,000 lookups of each kind are timed, not 1,000,000.
 * BENCH_BATCH=N sets the events per transaction; BENCH_ORDER=sequential
 * names the addresses nearly in key order instead (a best case);
 * BENCH_APPLY=given ingests one event at a time in the order made;
 * The events' tokens are 40 hex digits in no order, as the SHA-1 digests
 * bouncekit makes; BENCH_TOKENS=sequential makes them 40 hex digits in key
 * order (what this bench measured before: a best case for an index of
 * tokens), BENCH_TOKENS=none gives none (the store makes them).
 */
#include "bouncekit.h"
#include "bench_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 50000 /* events put in address order at once (INGEST_CHUNK of bouncekit ingest) */

static int g_sequential; /* BENCH_ORDER=sequential: addresses in key order */
static int g_tokens;     /* BENCH_TOKENS: 0 in key order, 1 random (default), 2 none */

/* mix - a 64-bit bijection that scatters consecutive numbers (splitmix64) */
static unsigned long long mix(unsigned long long x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* address_of - the address of number i: by default "u" and eight hex digits
 * of i times an odd constant (a bijection below 2^32), so that consecutive
 * events name addresses at random places in the key order, as real bounces
 * do; with BENCH_ORDER=sequential "user<i>", nearly in key order (what this
 * bench measured before: B-tree inserts then append, a best case) */
static void address_of(long i, char *out, size_t cap)
{
    unsigned long scrambled = ((unsigned long)i * 2654435761UL) & 0xffffffffUL;
    if (g_sequential)
        snprintf(out, cap, "user%ld@domain%ld.example", i, i % 5000);
    else
        snprintf(out, cap, "u%08lx@domain%ld.example", scrambled, i % 5000);
}

/* make_event - event i of the mix: even i hard bounces, i % 4 == 1 soft,
 * i % 8 == 3 sender problems, the rest deliveries */
static void make_event(long i, bk_event *e)
{
    static const char *const REASONS[] = {"userunknown", "mailboxfull", "userunknown", "blocked"};
    memset(e, 0, sizeof *e);
    address_of(i, e->recipient, sizeof e->recipient);
    snprintf(e->addresser, sizeof e->addresser, "news@sender.example");
    const char *reason = i % 8 == 7 ? "delivered" : REASONS[i % 4];
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    e->hardbounce = i % 2 == 0;
    e->permanence = i % 8 == 7 ? BK_PERM_SUCCESS : i % 4 == 1 ? BK_PERM_TRANSIENT : BK_PERM_PERMANENT;
    snprintf(e->status, sizeof e->status, "%s", e->hardbounce ? "5.1.1" : "4.2.2");
    snprintf(e->source, sizeof e->source, "decode");
    e->time = 1780000000 + i;
    if (g_tokens == 1)
        snprintf(e->token, sizeof e->token, "%016llx%016llx%08llx", mix((unsigned long long)i),
                 mix((unsigned long long)i ^ 0x5555555555555555ULL),
                 mix((unsigned long long)i ^ 0xaaaaaaaaaaaaaaaaULL) & 0xffffffffULL);
    else if (g_tokens == 0)
        snprintf(e->token, sizeof e->token, "%040lx", i * 2654435761UL);
}

/* checks - lookups per second of n addresses made by pick (wall clock;
 * per processor second in *per_cpu) */
static double checks(bk_store *s, long n, long (*pick)(long), long *hits, double *per_cpu)
{
    char addr[96], err[256];
    bk_check_result r;
    *hits = 0;
    double t0 = now(), c0 = cpu_now();
    for (long k = 0; k < n; k++) {
        long i = pick(k);
        address_of(i, addr, sizeof addr);
        if (bk_store_check(s, addr, 0, &r, err, sizeof err) < 0) {
            fprintf(stderr, "check: %s\n", err);
            exit(1);
        }
        *hits += r.suppressed;
    }
    *per_cpu = (double)n / (cpu_now() - c0);
    return (double)n / (now() - t0);
}

static long g_n;
static long g_batch = 500000; /* events per transaction (BENCH_BATCH), as bouncekit ingest */
static int g_given;           /* BENCH_APPLY=given: one at a time in the order made */

/* apply - n events into the open transaction: in address order
 * (bk_store_ingest_batch, as bouncekit ingest does), or one at a time */
static int apply(bk_store *s, const bk_event *ev, size_t n, bk_ingest_result *res, char *err,
                 size_t errlen)
{
    if (!g_given)
        return bk_store_ingest_batch(s, ev, n, res, err, errlen);
    for (size_t k = 0; k < n; k++)
        if (bk_store_ingest(s, &ev[k], &res[k], err, errlen) != 0)
            return -1;
    return 0;
}
/* absent - addresses never seen */
static long absent(long k) { return g_n + (k * 7919) % 10000000; }
/* present - suppressed addresses (even numbers) */
static long present(long k) { return ((k * 7919) % (g_n / 2)) * 2; }
/* mixed - nine absent, one present */
static long mixed(long k) { return k % 10 == 0 ? present(k) : absent(k); }

int main(int argc, char **argv)
{
    g_n = argc > 1 ? atol(argv[1]) : 2000000;
    if (getenv("BENCH_BATCH") && atol(getenv("BENCH_BATCH")) > 0)
        g_batch = atol(getenv("BENCH_BATCH"));
    g_given = getenv("BENCH_APPLY") && strcmp(getenv("BENCH_APPLY"), "given") == 0;
    g_sequential = getenv("BENCH_ORDER") && strcmp(getenv("BENCH_ORDER"), "sequential") == 0;
    const char *tokens = getenv("BENCH_TOKENS");
    g_tokens = !tokens ? 1 : !strcmp(tokens, "sequential") ? 0 : !strcmp(tokens, "none") ? 2 : 1;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    if (g_n < 1000) {
        fprintf(stderr, "usage: bench_ingest [N >= 1000] [DIR]\n");
        return 2;
    }
    char path[512], err[512];
    const char *pg = getenv("BOUNCEKIT_BENCH_PG");
    snprintf(path, sizeof path, "%s/bench-ingest-%ld.db", dir, (long)getpid());
    bk_store *s = bk_store_open(pg && pg[0] ? pg : path, NULL, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    long chunk = g_batch < CHUNK ? g_batch : CHUNK;
    bk_event *ev = malloc((size_t)chunk * sizeof *ev);
    bk_ingest_result *res = malloc((size_t)chunk * sizeof *res);
    if (!ev || !res) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    double gen = 0, gen_cpu = 0; /* making the events (not timed) */
    double t0 = now(), c0 = cpu_now();
    for (long i = 0; i < g_n;) {
        if (bk_store_begin(s, err, sizeof err) != 0)
            break;
        for (long t = 0; t < g_batch && i < g_n;) {
            long m = chunk < g_batch - t ? chunk : g_batch - t;
            m = m < g_n - i ? m : g_n - i;
            /* making the events is the bench's work, not the store's: its
             * time is taken out of both clocks */
            double g0 = now(), gc0 = cpu_now();
            for (long k = 0; k < m; k++)
                make_event(i + k, &ev[k]);
            gen += now() - g0;
            gen_cpu += cpu_now() - gc0;
            if (apply(s, ev, (size_t)m, res, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
            i += m;
            t += m;
        }
        if (bk_store_commit(s, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    free(ev);
    free(res);
    double secs = now() - t0 - gen, csecs = cpu_now() - c0 - gen_cpu;
    bk_store_stats st;
    bk_store_stats_get(s, 0, &st, NULL, NULL, err, sizeof err);
    printf("ingest (%s, addresses in %s order, tokens %s, %ld per transaction, %s): %ld events in %.2f s:"
           " %.0f events/s, %.0f per cpu-s (%lld suppressed addresses; making the events, %.2f s,"
           " not counted)\n",
           pg && pg[0] ? "postgresql" : "sqlite", g_sequential ? "key" : "random",
           g_tokens == 1 ? "random" : g_tokens == 2 ? "made by the store" : "in key order", g_batch,
           g_given ? "one at a time" : "in address order", g_n,
           secs, (double)g_n / secs, (double)g_n / csecs, st.suppressed, gen);
    long hits, n = pg && pg[0] ? 50000 : 1000000;
    double c;
    checks(s, 100, absent, &hits, &c); /* warm-up: the first checks build the snapshot */
    double a = checks(s, n, absent, &hits, &c);
    printf("check, not on the list: %.0f lookups/s, %.0f per cpu-s (%ld suppressed)\n", a, c,
           hits);
    double p = checks(s, n, present, &hits, &c);
    printf("check, on the list:     %.0f lookups/s, %.0f per cpu-s (%ld suppressed)\n", p, c,
           hits);
    double m = checks(s, n, mixed, &hits, &c);
    printf("check, 90/10 mix:       %.0f lookups/s, %.0f per cpu-s (%ld suppressed)\n", m, c,
           hits);
    bk_store_close(s);
    if (pg && pg[0])
        return 0;
    char wal[600];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    return 0;
}
