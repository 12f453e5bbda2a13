/*
 * socketmap_load.c - a load generator for bouncekit serve's socketmap
 * server: C connections, polled by one thread with epoll (so the generator
 * takes little of the CPU the server needs), each sending "suppressed
 * ADDRESS" netstrings for S seconds, one outstanding request per
 * connection, as Postfix's socketmap client does.
 *
 * Without RATE each connection asks again as soon as it has its answer (a
 * closed loop: the throughput the server can give, and by Little's law a
 * mean latency of CONNECTIONS / throughput). With RATE (lookups/s in all)
 * each connection asks on a fixed schedule, RATE/CONNECTIONS times a
 * second, and a latency counts from when the request was due, not from when
 * it went out (so a server that falls behind shows it): the latency at that
 * load, as mail traffic offers it.
 * Addresses are user<N>@d<N%1000>.bench.example with N random in [0, 2*L):
 * the first L are on the list bench/serve/run.sh made, so about half the
 * lookups hit and half miss. Prints lookups per second, the share answered
 * OK (suppressed), the latency percentiles, and the CPU time the generator
 * itself used (it shares the machine with the server: what it takes, the
 * server does not get).
 *
 *   socketmap_load HOST PORT CONNECTIONS SECONDS LISTED [RATE]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 100000 /* latency histogram: 1 us buckets up to 100 ms */

typedef struct {
    int fd;
    double sent;                  /* when the outstanding request went out (or was due) */
    double due;                   /* with a rate: when the next one is due */
    char buf[2048];
    size_t len;
} conn;

static unsigned long long hist[BUCKETS + 1], lag[BUCKETS + 1]; /* latency; how late sent */
static unsigned long long done_n, ok_n, errors_n;
static unsigned seed = 12345;
static long listed;

/* the connections waiting for their next due time (with a rate): a min-heap */
static conn **waiting;
static size_t n_waiting;

/* now - monotonic seconds */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ask - send the next lookup on c; -1 on error */
static int ask(conn *c)
{
    long n = (long)(rand_r(&seed) % (unsigned)(2 * listed));
    char key[128], req[160];
    int kl = snprintf(key, sizeof key, "suppressed user%ld@d%ld.bench.example", n, n % 1000);
    int rl = snprintf(req, sizeof req, "%d:%s,", kl, key);
    c->sent = now();
    c->len = 0;
    return send(c->fd, req, (size_t)rl, MSG_NOSIGNAL) == rl ? 0 : -1;
}

/* wait_push - c waits until c->due */
static void wait_push(conn *c)
{
    size_t i = n_waiting++;
    while (i > 0 && waiting[(i - 1) / 2]->due > c->due) {
        waiting[i] = waiting[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    waiting[i] = c;
}

/* wait_pop - the connection due first */
static conn *wait_pop(void)
{
    conn *top = waiting[0], *last = waiting[--n_waiting];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= n_waiting)
            break;
        if (k + 1 < n_waiting && waiting[k + 1]->due < waiting[k]->due)
            k++;
        if (waiting[k]->due >= last->due)
            break;
        waiting[i] = waiting[k];
        i = k;
    }
    if (n_waiting)
        waiting[i] = last;
    return top;
}

/* complete - 1 when c->buf holds a whole netstring reply */
static int complete(const conn *c)
{
    const char *colon = memchr(c->buf, ':', c->len);
    if (!colon)
        return 0;
    size_t n = (size_t)strtoul(c->buf, NULL, 10), head = (size_t)(colon - c->buf) + 1;
    return c->len >= head + n + 1;
}

/* percentile - the value (us) of histogram h under which p of the lookups fall */
static double percentile(const unsigned long long *h, unsigned long long total, double p)
{
    unsigned long long want = (unsigned long long)(p * (double)total), seen = 0;
    for (size_t i = 0; i <= BUCKETS; i++) {
        seen += h[i];
        if (seen >= want && seen)
            return (double)i + 0.5;
    }
    return BUCKETS;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: socketmap_load HOST PORT CONNECTIONS SECONDS LISTED [RATE]\n");
        return 2;
    }
    int conns = atoi(argv[3]);
    double seconds = atof(argv[4]), rate = argc == 7 ? atof(argv[6]) : 0;
    listed = atol(argv[5]);
    if (conns < 1 || conns > 10000 || listed < 1 || rate < 0)
        return 2;
    double every = rate > 0 ? conns / rate : 0; /* a connection's interval */
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &addr.sin_addr);
    conn *cs = calloc((size_t)conns, sizeof *cs);
    waiting = calloc((size_t)conns, sizeof *waiting);
    int ep = epoll_create1(0);
    if (!cs || !waiting || ep < 0)
        return 1;
    for (int i = 0; i < conns; i++) {
        int one = 1;
        cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (cs[i].fd < 0 || connect(cs[i].fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            perror("socketmap_load: connect");
            return 1;
        }
        setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {EPOLLIN, {.ptr = &cs[i]}};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    double t0 = now(), end = t0 + seconds;
    for (int i = 0; i < conns; i++) {
        if (every > 0) {
            cs[i].due = t0 + every * i / conns; /* spread over the first interval */
            wait_push(&cs[i]);
        } else if (ask(&cs[i]) != 0)
            errors_n++;
    }
    int open = conns;
    while (open > 0 && !errors_n) {
        struct epoll_event evs[256];
        struct timespec ts = {1, 0};
        double tn = now();
        while (n_waiting && (waiting[0]->due <= tn || tn >= end)) {
            conn *c = wait_pop();
            if (tn >= end) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                open--;
                continue;
            }
            if (ask(c) != 0)
                errors_n++;
            double late = (c->sent - c->due) * 1e6; /* the generator's own delay */
            lag[late >= BUCKETS ? BUCKETS : late < 0 ? 0 : (size_t)late]++;
            c->sent = c->due; /* the latency counts from when it was due */
        }
        if (open == 0)
            break;
        if (n_waiting) {
            double d = waiting[0]->due - tn;
            ts.tv_sec = (time_t)d;
            ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
        }
        int n = epoll_pwait2(ep, evs, 256, &ts, NULL);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
            if (k <= 0) {
                errors_n++;
                break;
            }
            c->len += (size_t)k;
            if (!complete(c))
                continue;
            double t = now(), us = (t - c->sent) * 1e6;
            hist[us >= BUCKETS ? BUCKETS : (size_t)us]++;
            done_n++;
            if (c->len > 4 && memchr(c->buf, ':', c->len) && strstr(c->buf, ":OK "))
                ok_n++;
            if (t < end && every > 0) {
                c->due += every;
                wait_push(c);
            } else if (t < end) {
                if (ask(c) != 0)
                    errors_n++;
            } else {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                open--;
            }
        }
    }
    double secs = now() - t0;
    char offered[48] = "";
    if (rate > 0)
        snprintf(offered, sizeof offered, " (offered %.0f/s)", rate);
    printf("socketmap: %d connections, %.1f s: %llu lookups, %.0f lookups/s%s, %.1f%% suppressed, "
           "%llu errors\n", conns, secs, done_n, (double)done_n / secs, offered,
           done_n ? 100.0 * (double)ok_n / (double)done_n : 0.0, errors_n);
    printf("socketmap latency: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms\n",
           percentile(hist, done_n, 0.50) / 1000, percentile(hist, done_n, 0.90) / 1000,
           percentile(hist, done_n, 0.99) / 1000, percentile(hist, done_n, 0.999) / 1000);
    if (rate > 0)
        printf("socketmap generator lag (sent after due, part of the latency): p50 %.3f ms,"
               " p99 %.3f ms\n", percentile(lag, done_n, 0.50) / 1000,
               percentile(lag, done_n, 0.99) / 1000);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("socketmap generator CPU: %.2f s (%.0f%% of one core, %.1f us per lookup)\n", cpu,
           100.0 * cpu / secs, done_n ? 1e6 * cpu / (double)done_n : 0.0);
    free(cs);
    free(waiting);
    return errors_n ? 1 : 0;
}
