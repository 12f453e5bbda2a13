/*
 * serve_tcp.c - the small TCP servers of bouncekit serve (socketmap,
 * policy): a listening socket, an accepting thread that hands each
 * connection to one of a few worker threads in turn, and workers that each
 * poll their connections with epoll (no thread per connection: a hundred
 * busy Postfix connections cost a few threads, not a hundred). A worker
 * reads what a connection sent into a bounded buffer and hands it to the
 * protocol's handler, which answers every complete request; the answers
 * are written without blocking (what the peer does not take yet waits, and
 * the connection is not read meanwhile). The requests of one wake-up share
 * a store handle (serve_check_hold). A request larger than the buffer,
 * malformed input, an idle timeout, or a peer that goes away ends the
 * connection; over the connection limit a new one is closed at once.
 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WORKERS_MAX 64

typedef struct conn conn;
struct conn {
    int fd;
    char *in;
    size_t len;
    bk_buf out;
    size_t sent;                  /* bytes of out already written */
    int writing;                  /* polled for EPOLLOUT (the peer did not take it all) */
    time_t last;                  /* last activity, for the idle timeout */
    conn *prev, *next;            /* the worker's list */
};

typedef struct {
    struct serve_tcp *t;
    int ep, wake[2];
    pthread_t th;
    pthread_mutex_t mu;           /* guards the list against the acceptor */
    conn *head;
} worker;

struct serve_tcp {
    int fd, via, timeout;
    int wake[2];                  /* stops the accepting thread */
    size_t max_conns, max_request;
    atomic_size_t n_conns;
    atomic_int stopping;
    serve_handler fn;
    void *ctx;
    pthread_t acceptor;
    worker workers[WORKERS_MAX];
    size_t n_workers, next;
};

int serve_listen(const char *spec, char *err, size_t errlen)
{
    char host[256] = "127.0.0.1";
    const char *port = spec, *colon = strrchr(spec, ':');
    if (colon) {
        const char *h = spec;
        size_t n = (size_t)(colon - spec);
        if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
            h++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof host) {
            snprintf(err, errlen, "'%s': want HOST:PORT", spec);
            return -1;
        }
        memcpy(host, h, n);
        host[n] = '\0';
        port = colon + 1;
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "'%s': %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "'%s': %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* drop - close a connection and forget it */
static void drop(worker *w, conn *c)
{
    pthread_mutex_lock(&w->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->mu);
    close(c->fd); /* also takes it out of the epoll set */
    atomic_fetch_sub(&w->t->n_conns, 1);
    bk_buf_free(&c->out);
    free(c->in);
    free(c);
}

/* flush - write what is waiting; 0 done or to be finished later, -1 the peer is gone */
static int flush(worker *w, conn *c)
{
    while (c->sent < c->out.len) {
        ssize_t k = send(c->fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->writing)
                return 0;
            struct epoll_event ev = {EPOLLOUT, {.ptr = c}};
            c->writing = 1;
            return epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
        if (k <= 0)
            return -1;
        c->sent += (size_t)k;
    }
    bk_buf_reset(&c->out);
    c->sent = 0;
    if (!c->writing)
        return 0; /* still polled for input: no system call */
    struct epoll_event ev = {EPOLLIN, {.ptr = c}};
    c->writing = 0;
    return epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* readable - read once, answer the complete requests; -1 to close */
static int readable(worker *w, conn *c)
{
    serve_tcp *t = w->t;
    ssize_t k = recv(c->fd, c->in + c->len, t->max_request - c->len, 0);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (k <= 0)
        return -1;
    c->len += (size_t)k;
    long used = t->fn(t->ctx, c->in, c->len, &c->out);
    if (used < 0 || (used == 0 && c->len == t->max_request))
        return -1; /* malformed, or one request larger than the buffer */
    memmove(c->in, c->in + used, c->len - (size_t)used);
    c->len -= (size_t)used;
    return c->out.len ? flush(w, c) : 0;
}

/* sweep - close the connections idle for longer than the timeout */
static void sweep(worker *w, time_t now)
{
    pthread_mutex_lock(&w->mu); /* the acceptor puts new ones at the head */
    conn *c = w->head;
    pthread_mutex_unlock(&w->mu);
    while (c) {
        conn *next = c->next;
        if (now - c->last > w->t->timeout)
            drop(w, c);
        c = next;
    }
}

/* worker_main - a worker's loop */
static void *worker_main(void *arg)
{
    worker *w = arg;
    struct epoll_event evs[64];
    time_t swept = time(NULL);
    while (!atomic_load(&w->t->stopping)) {
        int n = epoll_wait(w->ep, evs, 64, 1000);
        time_t now = time(NULL);
        serve_check_hold(); /* the requests of this wake-up share a store handle */
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c)
                continue; /* the wake pipe */
            c->last = now;
            int rc = evs[i].events & EPOLLOUT ? flush(w, c) : readable(w, c);
            if (rc != 0)
                drop(w, c);
        }
        serve_check_release();
        if (now != swept) {
            sweep(w, now);
            swept = now;
        }
    }
    while (w->head)
        drop(w, w->head);
    return NULL;
}

/* take - give a new connection to the next worker, or refuse it */
static void take(serve_tcp *t, int fd)
{
    conn *c = NULL;
    if (atomic_fetch_add(&t->n_conns, 1) >= t->max_conns ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || !(c = calloc(1, sizeof *c)) ||
        !(c->in = malloc(t->max_request))) {
        atomic_fetch_sub(&t->n_conns, 1);
        if (c)
            free(c);
        close(fd);
        metrics_connection(t->via, 1);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    worker *w = &t->workers[t->next++ % t->n_workers];
    c->fd = fd;
    c->last = time(NULL);
    pthread_mutex_lock(&w->mu);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->mu);
    struct epoll_event ev = {EPOLLIN, {.ptr = c}};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        shutdown(fd, SHUT_RDWR); /* the sweep or a read event closes it */
    metrics_connection(t->via, 0);
}

/* acceptor_main - accept connections until woken */
static void *acceptor_main(void *arg)
{
    serve_tcp *t = arg;
    for (;;) {
        struct pollfd p[2] = {{t->fd, POLLIN, 0}, {t->wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept(t->fd, NULL, NULL);
        if (fd >= 0)
            take(t, fd);
        else if (errno == EMFILE || errno == ENFILE)
            poll(NULL, 0, 10); /* out of descriptors: let some close */
    }
    return NULL;
}

/* workers_start - the epoll workers; 0 or -1 */
static int workers_start(serve_tcp *t, size_t n)
{
    for (t->n_workers = 0; t->n_workers < n; t->n_workers++) {
        worker *w = &t->workers[t->n_workers];
        w->t = t;
        pthread_mutex_init(&w->mu, NULL);
        if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
            return -1;
        struct epoll_event ev = {EPOLLIN, {.ptr = NULL}};
        if (pipe(w->wake) != 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake[0], &ev) != 0 ||
            pthread_create(&w->th, NULL, worker_main, w) != 0) {
            close(w->ep);
            return -1;
        }
    }
    return 0;
}

/* workers_stop - stop and join the workers that run */
static void workers_stop(serve_tcp *t)
{
    atomic_store(&t->stopping, 1);
    for (size_t i = 0; i < t->n_workers; i++) {
        worker *w = &t->workers[i];
        if (write(w->wake[1], "x", 1) != 1)
            perror("bouncekit: serve: wake");
        pthread_join(w->th, NULL);
        close(w->ep);
        close(w->wake[0]);
        close(w->wake[1]);
        pthread_mutex_destroy(&w->mu);
    }
}

serve_tcp *serve_tcp_start(int fd, int via, size_t threads, size_t max_conns, size_t max_request,
                           int timeout, serve_handler fn, void *ctx, char *err, size_t errlen)
{
    serve_tcp *t = calloc(1, sizeof *t);
    if (!t || pipe(t->wake) != 0) {
        snprintf(err, errlen, "%s", strerror(errno ? errno : ENOMEM));
        free(t);
        return NULL;
    }
    t->fd = fd;
    t->via = via;
    t->timeout = timeout;
    t->max_conns = max_conns;
    t->max_request = max_request;
    t->fn = fn;
    t->ctx = ctx;
    if (workers_start(t, threads < 1 ? 1 : threads > WORKERS_MAX ? WORKERS_MAX : threads) != 0 ||
        pthread_create(&t->acceptor, NULL, acceptor_main, t) != 0) {
        snprintf(err, errlen, "cannot start the threads: %s", strerror(errno));
        workers_stop(t);
        close(t->wake[0]);
        close(t->wake[1]);
        free(t);
        return NULL;
    }
    return t;
}

void serve_tcp_stop(serve_tcp *t)
{
    if (!t)
        return;
    if (write(t->wake[1], "x", 1) != 1)
        perror("bouncekit: serve: wake");
    pthread_join(t->acceptor, NULL);
    close(t->fd);
    workers_stop(t);
    close(t->wake[0]);
    close(t->wake[1]);
    free(t);
}
