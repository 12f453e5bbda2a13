/*
 * fuzz_http.c - libFuzzer target for the HTTP side of bouncekit serve: a
 * real server (serve_http.c and every handler: classify, explain, decode,
 * suppressions, events, webhooks, stats, codes) runs in this process on a
 * loopback port with a suppression list in a temporary directory and the
 * token "fuzz-token"; each input is sent as the raw bytes of a connection
 * (requests, headers, bodies, pipelining), the write side is closed, and the
 * answer read to its end. Every answer must be an HTTP/1.x status line, and
 * never 500 (the handlers answer malformed input with a 4xx).
 */
#include "serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static serve_ctx ctx;
static serve_http *server; /* runs until the process ends */
static struct sockaddr_in addr;

/* die - the fixture could not be set up */
static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_http: %s: %s\n", what, err);
    exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[1024], dir[] = "/tmp/bk-fuzz-http-XXXXXX", db[64];
    signal(SIGPIPE, SIG_IGN);
    bk_kb *kb = bk_kb_open(err, sizeof err);
    bk_classifier *clf = kb ? bk_classifier_new(NULL, 0, err, sizeof err) : NULL;
    if (!clf || !mkdtemp(dir))
        die("start-up", err);
    snprintf(db, sizeof db, "%s/list.db", dir);
    bk_policy policy;
    bk_policy_default(&policy);
    ctx = (serve_ctx){.pool = serve_pool_new(db, &policy, NULL, 4), .clf = clf, .kb = kb,
                      .token = "fuzz-token", .policy_action = "REJECT", .map_action = "REJECT",
                      .max_body = 64 * 1024, .timeout = 5, .store_wait_ms = 1000};
    metrics_start();
    int fd = serve_listen("127.0.0.1:0", err, sizeof err);
    socklen_t len = sizeof addr;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        die("listen", err);
    if (!ctx.pool || !(server = serve_http_start(fd, &ctx, 2, 64, err, sizeof err)))
        die("serve_http_start", err);
    return 0;
}

/* check - every answer in buf starts with a status line, none is a 500 */
static void check(const char *buf, size_t n)
{
    if (n == 0)
        return; /* closed without an answer: allowed for garbage */
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0)
        abort();
    for (size_t i = 0; i + 12 <= n; i++)
        if (memcmp(buf + i, "HTTP/1.", 7) == 0 && memcmp(buf + i + 9, "500", 3) == 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t k = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (k <= 0)
            break; /* the server closed early (413, malformed): allowed */
        off += (size_t)k;
    }
    shutdown(fd, SHUT_WR);
    static char buf[1 << 20];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf && (k = recv(fd, buf + n, sizeof buf - n, 0)) > 0)
        n += (size_t)k;
    close(fd);
    check(buf, n);
    return 0;
}
