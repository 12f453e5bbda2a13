/*
 * bench_clock.h - the two clocks every benchmark reads: wall time (monotonic)
 * and this process's processor time, in seconds. On shared cores the
 * wall-clock rate also counts time other processes took the core; the
 * processor-time rate does not.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <time.h>

/* now - monotonic seconds */
static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cpu_now - this process's processor seconds (user + system) */
static inline double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
