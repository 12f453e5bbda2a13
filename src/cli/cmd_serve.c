/*
 * cmd_serve.c - bouncekit serve: the long-running service. It opens the
 * classifier, the reference and a pool of suppression-list handles, then
 * starts the HTTP API (serve_http.c), and when asked the Postfix socketmap
 * (serve_socketmap.c) and policy delegation (serve_policy.c) servers, each
 * on its own address (127.0.0.1 unless told; port 0 picks a free port, and
 * the address taken is printed). It runs until SIGINT or SIGTERM, then
 * stops every server and waits for its connections. Settings come from the
 * options, else from the configuration's serve.* keys (docs/serve.md).
 * Large allocations always get their own mapping (MMAP_FROM): the shared
 * lookup snapshot (megabytes) is rebuilt when the list changes, and so that
 * memory goes back to the system when freed instead of staying in a
 * thread's heap, and memory stays flat however long the server runs.
 */
#include "cli.h"
#include "config.h"
#include "serve.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FILES 16
#define TCP_REQUEST_MAX (64 * 1024)
#define MMAP_FROM (256 * 1024) /* bytes from which an allocation is its own mapping */

/* the settings, in the order of config_serve_keys (config.c) */
enum {
    O_LISTEN, O_SOCKETMAP, O_POLICY, O_TOKEN, O_TOKEN_FILE, O_THREADS, O_MAX_BODY,
    O_MAX_CONNS, O_TIMEOUT, O_POLICY_ACTION, O_MAP_ACTION, O_MAILGUN_KEY_FILE,
    O_SNS_CERTIFICATE, O_N
};
_Static_assert(O_N == CONFIG_SERVE_KEYS, "one option per serve.* key");

/* serve_usage - the subcommand's help */
static void serve_usage(FILE *out)
{
    fprintf(out,
            "Usage: bouncekit serve [OPTIONS]\n"
            "\n"
            "Run the service: a JSON HTTP API (classify, explain, decode, the suppression\n"
            "list, events, ESP webhooks, stats, metrics, the HTML reference at /codes/), and\n"
            "for Postfix a socketmap server (check_recipient_access socketmap:inet:HOST:PORT:\n"
            "suppressed) and a policy delegation server (check_policy_service inet:HOST:PORT).\n"
            "Every address is HOST:PORT (HOST defaults to 127.0.0.1; port 0 takes a free port\n"
            "and prints it). See docs/serve.md and bouncekit-serve(1).\n"
            "\n"
            "Options (each also a serve.NAME key of the configuration file):\n"
            "  --db PATH               the suppression list (default: the configuration's db)\n"
            "  --config FILE           the configuration file\n"
            "  --listen ADDR           the HTTP API (default 127.0.0.1:8025; 'none': off)\n"
            "  --socketmap ADDR        the socketmap server (default: off)\n"
            "  --policy ADDR           the policy delegation server (default: off)\n"
            "  --token TOKEN           the bearer token of the write endpoints\n"
            "  --token-file FILE       the same, read from FILE's first line\n"
            "  --threads N             HTTP worker threads and store handles (default: CPUs)\n"
            "  --max-body BYTES        largest request body (default 1m)\n"
            "  --max-connections N     connections at once, per server (default 1024)\n"
            "  --timeout SECONDS       idle connections are closed after (default 30)\n"
            "  --policy-action WORD    for a suppressed recipient: REJECT (default), DEFER,\n"
            "                          DEFER_IF_PERMIT, HOLD, WARN or DISCARD\n"
            "  --map-action WORD       the same for the socketmap's answer (default REJECT)\n"
            "  --mailgun-key-file FILE Mailgun's webhook signing key\n"
            "  --sns-certificate FILE  SNS signing certificates (PEM): SES payloads must\n"
            "                          then carry a valid SNS signature\n"
            "  --rules FILE            classify with this rule file first (may be repeated)\n"
            "  --kb FILE               more reference records (may be repeated)\n"
            "  --help                  this text\n"
            "\n"
            "Exit status: 0 stopped by a signal, 1 it could not start, 2 bad usage.\n"
            "\n"
            "Example:\n"
            "  bouncekit serve --db /var/lib/bouncekit/list.db --token-file /etc/bouncekit/token \\\n"
            "      --socketmap 127.0.0.1:8026 --policy 127.0.0.1:8027\n");
}

/* size_value - "1048576", "64k", "1m" as bytes; 0 when malformed */
static size_t size_value(const char *v)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v)
        return 0;
    if (*end == 'k' || *end == 'K')
        n <<= 10, end++;
    else if (*end == 'm' || *end == 'M')
        n <<= 20, end++;
    return *end || n > (1ull << 32) ? 0 : (size_t)n;
}

/* bound - the address a socket took, for the start-up message */
static void bound(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[64] = "?";
    int port = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
            port = ntohs(in->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            char a6[INET6_ADDRSTRLEN] = "?";
            inet_ntop(AF_INET6, &in6->sin6_addr, a6, sizeof a6);
            snprintf(host, sizeof host, "[%s]", a6);
            port = ntohs(in6->sin6_port);
        }
    }
    snprintf(buf, len, "%s:%d", host, port);
}

typedef struct {
    const char *val[O_N];
    const char *db, *config;
    const char *rules[MAX_FILES], *kbs[MAX_FILES];
    size_t n_rules, n_kb;
} options;

/* parse - the command line into o; an exit status, or -1 to go on */
static int parse(int argc, char **argv, options *o)
{
    /* the serve.* keys of the configuration are the long options, in O_* order */
    struct option opts[O_N + 6];
    for (int i = 0; i < O_N; i++)
        opts[i] = (struct option){config_serve_keys[i], required_argument, NULL, i};
    opts[O_N] = (struct option){"db", required_argument, NULL, 'd'};
    opts[O_N + 1] = (struct option){"config", required_argument, NULL, 'C'};
    opts[O_N + 2] = (struct option){"rules", required_argument, NULL, 'r'};
    opts[O_N + 3] = (struct option){"kb", required_argument, NULL, 'k'};
    opts[O_N + 4] = (struct option){"help", no_argument, NULL, 'h'};
    opts[O_N + 5] = (struct option){NULL, 0, NULL, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c >= 0 && c < O_N)
            o->val[c] = optarg;
        else if (c == 'd')
            o->db = optarg;
        else if (c == 'C')
            o->config = optarg;
        else if (c == 'r') {
            if (cli_push("serve", "--rules", o->rules, &o->n_rules, MAX_FILES, optarg) != 0)
                return EXIT_USAGE;
        } else if (c == 'k') {
            if (cli_push("serve", "--kb", o->kbs, &o->n_kb, MAX_FILES, optarg) != 0)
                return EXIT_USAGE;
        } else if (c == 'h') {
            serve_usage(stdout);
            return EXIT_OK;
        } else {
            serve_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("serve", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

/* settings - the options over the configuration into ctx; 0, or an exit status */
static int settings(options *o, const bk_config *cfg, serve_ctx *ctx, char **token, char **mg,
                    unsigned *threads, unsigned *max_conns)
{
    for (int i = 0; i < O_N; i++)
        if (!o->val[i])
            o->val[i] = cfg->serve[i];
    if (o->val[O_TOKEN])
        *token = strdup(o->val[O_TOKEN]);
    else if (o->val[O_TOKEN_FILE] && !(*token = cli_first_line("serve", o->val[O_TOKEN_FILE])))
        return EXIT_FAIL;
    if (o->val[O_MAILGUN_KEY_FILE] && !(*mg = cli_first_line("serve", o->val[O_MAILGUN_KEY_FILE])))
        return EXIT_FAIL;
    ctx->token = *token;
    ctx->mailgun_key = *mg;
    ctx->sns_certificate = o->val[O_SNS_CERTIFICATE];
    if (ctx->sns_certificate && access(ctx->sns_certificate, R_OK) != 0) {
        cli_error("serve", "--sns-certificate %s: cannot be read", ctx->sns_certificate);
        return EXIT_FAIL;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *threads = o->val[O_THREADS] ? (unsigned)atoi(o->val[O_THREADS]) : (unsigned)(n > 0 ? n : 2);
    *max_conns = o->val[O_MAX_CONNS] ? (unsigned)atoi(o->val[O_MAX_CONNS]) : 1024;
    ctx->max_body = o->val[O_MAX_BODY] ? size_value(o->val[O_MAX_BODY]) : 1u << 20;
    ctx->timeout = o->val[O_TIMEOUT] ? atoi(o->val[O_TIMEOUT]) : 30;
    ctx->policy_action = o->val[O_POLICY_ACTION] ? o->val[O_POLICY_ACTION] : "REJECT";
    ctx->map_action = o->val[O_MAP_ACTION] ? o->val[O_MAP_ACTION] : "REJECT";
    ctx->store_wait_ms = 1000;
    if (*threads < 1 || *threads > 256 || *max_conns < 1 || *max_conns > 65536 ||
        !ctx->max_body || ctx->timeout < 1) {
        cli_error("serve", "--threads 1-256, --max-connections 1-65536, --max-body and "
                           "--timeout more than 0");
        return EXIT_USAGE;
    }
    if (!serve_action_valid(ctx->policy_action) || !serve_action_valid(ctx->map_action)) {
        cli_error("serve", "an action is REJECT, DEFER, DEFER_IF_PERMIT, HOLD, WARN or DISCARD");
        return EXIT_USAGE;
    }
    return 0;
}

typedef struct {
    int fd[3];
    serve_http *http;
    serve_tcp *tcp[2];
} servers;

/* start - open the sockets and start the servers; 0, or an exit status */
static int start(const options *o, serve_ctx *ctx, unsigned threads, unsigned max_conns,
                 servers *sv)
{
    const char *spec[3] = {o->val[O_LISTEN] ? o->val[O_LISTEN] : "127.0.0.1:8025",
                           o->val[O_SOCKETMAP], o->val[O_POLICY]};
    const char *what[3] = {"HTTP API", "socketmap", "policy"};
    char err[512], addr[128];
    for (int i = 0; i < 3; i++) {
        sv->fd[i] = -1;
        if (!spec[i] || !strcmp(spec[i], "none"))
            continue;
        if ((sv->fd[i] = serve_listen(spec[i], err, sizeof err)) < 0) {
            cli_error("serve", "%s: %s", what[i], err);
            return EXIT_FAIL;
        }
        bound(sv->fd[i], addr, sizeof addr);
        fprintf(stderr, "bouncekit: serve: %s on %s\n", what[i], addr);
    }
    if (sv->fd[0] >= 0 && !(sv->http = serve_http_start(sv->fd[0], ctx, threads, max_conns, err,
                                                        sizeof err))) {
        cli_error("serve", "HTTP API: %s", err);
        return EXIT_FAIL;
    }
    serve_handler fn[2] = {socketmap_handler, policy_handler};
    for (int i = 0; i < 2; i++) {
        if (sv->fd[i + 1] < 0)
            continue;
        sv->tcp[i] = serve_tcp_start(sv->fd[i + 1], i == 0 ? VIA_SOCKETMAP : VIA_POLICY,
                                     threads, max_conns, TCP_REQUEST_MAX, ctx->timeout, fn[i], ctx, err,
                                     sizeof err);
        if (!sv->tcp[i]) {
            cli_error("serve", "%s: %s", what[i + 1], err);
            close(sv->fd[i + 1]);
            return EXIT_FAIL;
        }
    }
    return 0;
}

/* stop - stop every server that runs */
static void stop(servers *sv)
{
    if (sv->http)
        serve_http_stop(sv->http); /* libmicrohttpd closes its socket */
    else if (sv->fd[0] >= 0)
        close(sv->fd[0]);
    serve_tcp_stop(sv->tcp[0]);
    serve_tcp_stop(sv->tcp[1]);
}

int cmd_serve(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    bk_config cfg;
    if (config_load(&cfg, o.config) != 0)
        return EXIT_FAIL;
    mallopt(M_MMAP_THRESHOLD, MMAP_FROM); /* fixed: glibc would raise it after each free */
    serve_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    char *token = NULL, *mg = NULL;
    unsigned threads = 0, max_conns = 0;
    servers sv;
    memset(&sv, 0, sizeof sv);
    rc = settings(&o, &cfg, &ctx, &token, &mg, &threads, &max_conns);
    bk_kb *kb = NULL;
    bk_classifier *clf = NULL;
    bk_lookup_cache *cache = NULL;
    if (rc == 0) {
        kb = cli_open_kb(o.kbs, o.n_kb);
        clf = kb ? cli_open_classifier("serve", o.rules, o.n_rules, o.config) : NULL;
        char err[512];
        /* one lookup snapshot for every handle, rebuilt by a thread of its own */
        cache = clf ? bk_lookup_cache_new(o.db ? o.db : cfg.db, &cfg.policy, err, sizeof err)
                    : NULL;
        if (clf && !cache)
            cli_error("serve", "%s", err);
        /* HTTP workers, socketmap workers, policy workers: one handle each */
        ctx.pool = cache ? serve_pool_new(o.db ? o.db : cfg.db, &cfg.policy, cache, 3 * threads)
                         : NULL;
        rc = ctx.pool ? 0 : EXIT_FAIL;
    }
    if (rc == 0) {
        /* the store must open now: a wrong path is an error at start, not per request */
        char err[512];
        bk_store *s = serve_pool_get(ctx.pool, 1000, err, sizeof err);
        if (s)
            serve_pool_put(ctx.pool, s, 0);
        else {
            cli_error("serve", "%s", err);
            rc = EXIT_FAIL;
        }
    }
    ctx.kb = kb;
    ctx.clf = clf;
    /* the servers' threads inherit this mask: only the main thread takes the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    metrics_start();
    if (rc == 0 && (rc = start(&o, &ctx, threads, max_conns, &sv)) == 0) {
        if (!ctx.token)
            fprintf(stderr, "bouncekit: serve: no token: the write endpoints are off\n");
        fprintf(stderr, "bouncekit: serve: ready (store %s, %u threads)\n",
                o.db ? o.db : cfg.db ? cfg.db : "default", threads);
        int sig;
        sigwait(&set, &sig);
        fprintf(stderr, "bouncekit: serve: stopping (signal %d)\n", sig);
    }
    stop(&sv);
    serve_pool_free(ctx.pool);
    bk_lookup_cache_free(cache);
    bk_classifier_free(clf);
    bk_kb_close(kb);
    free(token);
    free(mg);
    config_free(&cfg);
    return rc;
}
