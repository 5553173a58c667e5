/*
 * fakenode.c - many fake Redis instances in one process, for the scale
 * benchmark.
 *
 * A sentinel watching 1,000 masters with one replica each needs 2,000
 * instances; 2,000 redis-server processes would swamp a small machine and
 * turn the measurement into a measurement of the machine.  This program
 * listens on one loopback port per instance and answers just what a
 * sentinel asks of a node: PING, INFO, PUBLISH, SUBSCRIBE, CLIENT, AUTH,
 * MULTI/EXEC with SLAVEOF (REPLICAOF) and CONFIG REWRITE.  Pairs are a
 * master and its replica.  Replication is instant: a replica pointed at a
 * live master reports its link up at once.
 *
 * Usage: fakenode PAIRS
 * Prints "ctl <port>", then one "pair <master-port> <replica-port>" line per
 * pair, then "ready", on stdout.  Ports are picked by the kernel.  The
 * control port takes RESP commands:
 *   KILL <port>    the instance goes away: listener and connections closed
 *   STATS          commands served, connections open
 * Runs until SIGTERM or SIGINT.  Single-threaded, epoll, level-triggered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FAKENODE_MAX_ARGS 16
#define FAKENODE_MAX_ARG_BYTES 4096
#define FAKENODE_MAX_QUEUED 16
#define FAKENODE_MAX_INPUT_BYTES (1024 * 1024)
#define FAKENODE_MAX_PAIRS 5000
#define FAKENODE_EVENTS 256

enum endpoint_kind { ENDPOINT_LISTENER, ENDPOINT_CONN };

struct node;

/* One request, arguments copied out of the input buffer. */
struct request {
    int argc;
    char *argv[FAKENODE_MAX_ARGS];
    size_t len[FAKENODE_MAX_ARGS];
};

struct buffer {
    char *data;
    size_t len;
    size_t cap;
};

struct conn {
    enum endpoint_kind kind;
    int fd;
    struct node *node; /* NULL on the control port */
    struct buffer in;
    struct buffer out;
    int subscribed; /* to __sentinel__:hello, the only channel kept */
    int in_multi;
    int closing; /* close once the output is written */
    int dead;    /* closed; freed after the current batch of events */
    int queued_count;
    struct request queued[FAKENODE_MAX_QUEUED];
    struct conn *prev, *next; /* the node's connections */
};

struct node {
    enum endpoint_kind kind; /* ENDPOINT_LISTENER: epoll data points here */
    int listen_fd;
    int port;
    int alive;
    int is_master;
    int master_port; /* replicas only */
    int64_t killed_at_ms;
    char run_id[41];
    struct conn *conns;
};

static struct node *nodes;
static size_t node_count;
static struct node control;
static struct conn *graveyard; /* closed connections, linked through next */
static int epoll_fd;
static int64_t start_ms;
static uint64_t commands_served;
static uint64_t conns_open;
static volatile sig_atomic_t stop_requested;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
    fprintf(stderr, "fakenode: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* --- buffers and replies --------------------------------------------------- */

static void buffer_append(struct buffer *b, const char *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->len + len)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (b->data == NULL)
            die("realloc");
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void reply_fmt(struct conn *c, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n > 0)
        buffer_append(&c->out, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static void reply_bulk(struct conn *c, const char *data, size_t len)
{
    reply_fmt(c, "$%zu\r\n", len);
    buffer_append(&c->out, data, len);
    buffer_append(&c->out, "\r\n", 2);
}

/* --- connections ----------------------------------------------------------- */

static void conn_watch(struct conn *c)
{
    struct epoll_event ev = {.events = EPOLLIN | (c->out.len ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl mod");
}

static void request_clear(struct request *r)
{
    for (int i = 0; i < r->argc; i++)
        free(r->argv[i]);
    r->argc = 0;
}

/* Closes c at once.  The memory stays valid until graveyard_free() runs
 * after the current batch of events, so events already returned for c are
 * recognised (dead) and skipped. */
static void conn_close(struct conn *c)
{
    struct node *n = c->node;
    if (c->dead)
        return;
    if (n != NULL) {
        if (c->prev)
            c->prev->next = c->next;
        else
            n->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
    }
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->dead = 1;
    c->next = graveyard;
    graveyard = c;
    conns_open--;
}

static void graveyard_free(void)
{
    while (graveyard != NULL) {
        struct conn *c = graveyard;
        graveyard = c->next;
        for (int i = 0; i < c->queued_count; i++)
            request_clear(&c->queued[i]);
        free(c->in.data);
        free(c->out.data);
        free(c);
    }
}

static void conn_accept(struct node *n)
{
    int fd = accept4(n->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        die("calloc");
    c->kind = ENDPOINT_CONN;
    c->fd = fd;
    if (n != &control) {
        c->node = n;
        c->next = n->conns;
        if (n->conns)
            n->conns->prev = c;
        n->conns = c;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll_ctl add");
    conns_open++;
}

/* Writes what it can; the rest waits for EPOLLOUT.  Returns -1 when the
 * connection is gone (and freed). */
static int conn_flush(struct conn *c)
{
    size_t done = 0;
    while (done < c->out.len) {
        ssize_t n = write(c->fd, c->out.data + done, c->out.len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            conn_close(c);
            return -1;
        }
    }
    memmove(c->out.data, c->out.data + done, c->out.len - done);
    c->out.len -= done;
    if (c->closing && c->out.len == 0) {
        conn_close(c);
        return -1;
    }
    conn_watch(c);
    return 0;
}

/* --- the instances ----------------------------------------------------------- */

static struct node *node_by_port(int port)
{
    for (size_t i = 0; i < node_count; i++)
        if (nodes[i].port == port)
            return &nodes[i];
    return NULL;
}

/* Every instance reports the same offset: replicas are always in sync. */
static long long node_offset(void)
{
    return 1000 + (now_ms() - start_ms) * 10;
}

static void node_kill(struct node *n)
{
    if (!n->alive)
        return;
    n->alive = 0;
    n->killed_at_ms = now_ms();
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, n->listen_fd, NULL);
    close(n->listen_fd);
    n->listen_fd = -1;
    while (n->conns)
        conn_close(n->conns);
}

static int node_listen(struct node *n)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof(sa);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    n->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (n->listen_fd < 0 || bind(n->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(n->listen_fd, 128) < 0 ||
        getsockname(n->listen_fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    n->port = ntohs(sa.sin_port);
    n->kind = ENDPOINT_LISTENER;
    n->alive = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = n};
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, n->listen_fd, &ev);
}

static int node_is_replica_of(const struct node *r, const struct node *m)
{
    return r->alive && !r->is_master && r->master_port == m->port;
}

static void info_master_section(struct node *n, struct buffer *b, long long offset)
{
    char line[256];
    size_t count = 0, k = 0;
    for (size_t i = 0; i < node_count; i++)
        count += (size_t)node_is_replica_of(&nodes[i], n);
    int len = snprintf(line, sizeof(line), "connected_slaves:%zu\r\n", count);
    buffer_append(b, line, (size_t)len);
    for (size_t i = 0; i < node_count && k < count; i++) {
        struct node *r = &nodes[i];
        if (!node_is_replica_of(r, n))
            continue;
        len = snprintf(line, sizeof(line),
                       "slave%zu:ip=127.0.0.1,port=%d,state=online,offset=%lld,lag=0\r\n", k++,
                       r->port, offset);
        buffer_append(b, line, (size_t)len);
    }
}

static void info_replica_section(struct node *n, struct buffer *b, long long offset)
{
    struct node *m = node_by_port(n->master_port);
    int up = m != NULL && m->alive && m->is_master;
    char text[512];
    int len = snprintf(text, sizeof(text),
                       "master_host:127.0.0.1\r\nmaster_port:%d\r\nmaster_link_status:%s\r\n"
                       "master_last_io_seconds_ago:%d\r\nmaster_sync_in_progress:0\r\n"
                       "slave_read_repl_offset:%lld\r\nslave_repl_offset:%lld\r\n",
                       n->master_port, up ? "up" : "down", up ? 0 : -1, offset, offset);
    buffer_append(b, text, (size_t)len);
    if (!up) {
        int64_t since = m != NULL && m->killed_at_ms ? m->killed_at_ms : start_ms;
        len = snprintf(text, sizeof(text), "master_link_down_since_seconds:%lld\r\n",
                       (long long)((now_ms() - since) / 1000));
        buffer_append(b, text, (size_t)len);
    }
    len = snprintf(text, sizeof(text),
                   "slave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n"
                   "connected_slaves:0\r\n");
    buffer_append(b, text, (size_t)len);
}

/* The fields a sentinel reads, in the sections and order redis-server 7.0
 * uses, and little else. */
static void info_reply(struct conn *c)
{
    struct node *n = c->node;
    struct buffer b = {0};
    long long offset = node_offset();
    char text[512];
    int len = snprintf(text, sizeof(text),
                       "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
                       "process_id:%d\r\nrun_id:%s\r\ntcp_port:%d\r\n"
                       "uptime_in_seconds:%lld\r\n\r\n# Replication\r\nrole:%s\r\n",
                       (int)getpid(), n->run_id, n->port, (long long)((now_ms() - start_ms) / 1000),
                       n->is_master ? "master" : "slave");
    buffer_append(&b, text, (size_t)len);
    if (n->is_master)
        info_master_section(n, &b, offset);
    else
        info_replica_section(n, &b, offset);
    len = snprintf(text, sizeof(text),
                   "master_failover_state:no-failover\r\n"
                   "master_replid:%s\r\nmaster_repl_offset:%lld\r\n",
                   n->run_id, offset);
    buffer_append(&b, text, (size_t)len);
    reply_bulk(c, b.data, b.len);
    free(b.data);
}

/* --- commands ------------------------------------------------------------------ */

static int arg_is(const struct request *r, int i, const char *word)
{
    return i < r->argc && strcasecmp(r->argv[i], word) == 0;
}

static void cmd_publish(struct conn *c, const struct request *r)
{
    if (r->argc != 3) {
        reply_fmt(c, "-ERR wrong number of arguments for 'publish' command\r\n");
        return;
    }
    int receivers = 0;
    if (strcmp(r->argv[1], "__sentinel__:hello") == 0) {
        for (struct conn *s = c->node->conns; s != NULL; s = s->next) {
            if (!s->subscribed)
                continue;
            reply_fmt(s, "*3\r\n$7\r\nmessage\r\n");
            reply_bulk(s, r->argv[1], r->len[1]);
            reply_bulk(s, r->argv[2], r->len[2]);
            if (s != c)
                conn_watch(s);
            receivers++;
        }
    }
    reply_fmt(c, ":%d\r\n", receivers);
}

static void cmd_subscribe(struct conn *c, const struct request *r)
{
    for (int i = 1; i < r->argc; i++) {
        if (strcmp(r->argv[i], "__sentinel__:hello") == 0)
            c->subscribed = 1;
        reply_fmt(c, "*3\r\n$9\r\nsubscribe\r\n");
        reply_bulk(c, r->argv[i], r->len[i]);
        reply_fmt(c, ":%d\r\n", c->subscribed);
    }
}

static void cmd_client_kill(struct conn *c, const struct request *r)
{
    int pubsub = arg_is(r, 3, "pubsub");
    int killed = 0;
    struct conn *next;
    for (struct conn *k = c->node->conns; k != NULL; k = next) {
        next = k->next;
        if (k == c || k->subscribed != pubsub)
            continue;
        conn_close(k);
        killed++;
    }
    reply_fmt(c, ":%d\r\n", killed);
}

static void cmd_slaveof(struct conn *c, const struct request *r)
{
    struct node *n = c->node;
    if (r->argc != 3) {
        reply_fmt(c, "-ERR wrong number of arguments for 'slaveof' command\r\n");
        return;
    }
    if (arg_is(r, 1, "no") && arg_is(r, 2, "one")) {
        n->is_master = 1;
        n->master_port = 0;
    } else {
        n->is_master = 0;
        n->master_port = atoi(r->argv[2]);
    }
    reply_fmt(c, "+OK\r\n");
}

static void cmd_node(struct conn *c, const struct request *r);

static void cmd_exec(struct conn *c)
{
    if (!c->in_multi) {
        reply_fmt(c, "-ERR EXEC without MULTI\r\n");
        return;
    }
    c->in_multi = 0;
    reply_fmt(c, "*%d\r\n", c->queued_count);
    int count = c->queued_count;
    c->queued_count = 0;
    for (int i = 0; i < count; i++) {
        cmd_node(c, &c->queued[i]);
        request_clear(&c->queued[i]);
    }
}

static void cmd_node(struct conn *c, const struct request *r)
{
    const char *name = r->argv[0];
    if (c->in_multi && strcasecmp(name, "exec") != 0 && strcasecmp(name, "discard") != 0) {
        if (c->queued_count == FAKENODE_MAX_QUEUED) {
            reply_fmt(c, "-ERR too many queued commands\r\n");
            return;
        }
        struct request *q = &c->queued[c->queued_count++];
        q->argc = r->argc;
        for (int i = 0; i < r->argc; i++) {
            q->argv[i] = strndup(r->argv[i], r->len[i]);
            q->len[i] = r->len[i];
        }
        reply_fmt(c, "+QUEUED\r\n");
        return;
    }
    if (strcasecmp(name, "ping") == 0) {
        if (c->subscribed)
            reply_fmt(c, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        else
            reply_fmt(c, "+PONG\r\n");
    } else if (strcasecmp(name, "info") == 0) {
        info_reply(c);
    } else if (strcasecmp(name, "publish") == 0) {
        cmd_publish(c, r);
    } else if (strcasecmp(name, "subscribe") == 0) {
        cmd_subscribe(c, r);
    } else if (strcasecmp(name, "client") == 0 && arg_is(r, 1, "kill") && arg_is(r, 2, "type")) {
        cmd_client_kill(c, r);
    } else if (strcasecmp(name, "slaveof") == 0 || strcasecmp(name, "replicaof") == 0) {
        cmd_slaveof(c, r);
    } else if (strcasecmp(name, "multi") == 0) {
        c->in_multi = 1;
        reply_fmt(c, "+OK\r\n");
    } else if (strcasecmp(name, "exec") == 0) {
        cmd_exec(c);
    } else if (strcasecmp(name, "discard") == 0) {
        for (int i = 0; i < c->queued_count; i++)
            request_clear(&c->queued[i]);
        c->queued_count = 0;
        c->in_multi = 0;
        reply_fmt(c, "+OK\r\n");
    } else if (strcasecmp(name, "client") == 0 || strcasecmp(name, "auth") == 0 ||
               strcasecmp(name, "config") == 0) {
        reply_fmt(c, "+OK\r\n");
    } else if (strcasecmp(name, "script") == 0) {
        reply_fmt(c, "-NOTBUSY No scripts in execution right now.\r\n");
    } else if (strcasecmp(name, "quit") == 0) {
        reply_fmt(c, "+OK\r\n");
        c->closing = 1;
    } else {
        reply_fmt(c, "-ERR unknown command '%s'\r\n", name);
    }
}

static void cmd_control(struct conn *c, const struct request *r)
{
    if (arg_is(r, 0, "kill") && r->argc == 2) {
        struct node *n = node_by_port(atoi(r->argv[1]));
        if (n == NULL) {
            reply_fmt(c, "-ERR no such instance\r\n");
            return;
        }
        node_kill(n);
        reply_fmt(c, "+OK\r\n");
    } else if (arg_is(r, 0, "stats")) {
        reply_fmt(c, "*2\r\n:%llu\r\n:%llu\r\n", (unsigned long long)commands_served,
                  (unsigned long long)conns_open);
    } else if (arg_is(r, 0, "ping")) {
        reply_fmt(c, "+PONG\r\n");
    } else {
        reply_fmt(c, "-ERR unknown control command\r\n");
    }
}

/* --- request parsing ------------------------------------------------------------ */

/* Parses one request from the front of buf.  Returns the bytes used, 0 if
 * more input is needed, -1 on a protocol error.  Arguments point into buf
 * and are NUL-terminated in place. */
static long parse_multibulk(char *buf, size_t len, struct request *r)
{
    char *p = buf, *end = buf + len;
    char *nl = memchr(p, '\n', len);
    if (nl == NULL)
        return 0;
    long count = strtol(p + 1, NULL, 10);
    if (count < 1 || count > FAKENODE_MAX_ARGS)
        return -1;
    p = nl + 1;
    r->argc = 0;
    for (long i = 0; i < count; i++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return 0;
        if (*p != '$')
            return -1;
        long n = strtol(p + 1, NULL, 10);
        if (n < 0 || n > FAKENODE_MAX_ARG_BYTES)
            return -1;
        p = nl + 1;
        if (end - p < n + 2)
            return 0;
        r->argv[r->argc] = p;
        r->len[r->argc++] = (size_t)n;
        p[n] = '\0';
        p += n + 2;
    }
    return p - buf;
}

static long parse_inline(char *buf, size_t len, struct request *r)
{
    char *nl = memchr(buf, '\n', len);
    if (nl == NULL)
        return 0;
    long used = nl - buf + 1;
    if (nl > buf && nl[-1] == '\r')
        nl--;
    *nl = '\0';
    r->argc = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save);
         tok != NULL && r->argc < FAKENODE_MAX_ARGS; tok = strtok_r(NULL, " ", &save)) {
        r->argv[r->argc] = tok;
        r->len[r->argc++] = strlen(tok);
    }
    return used;
}

static void conn_serve(struct conn *c)
{
    size_t pos = 0;
    while (pos < c->in.len && !c->closing) {
        struct request r = {0};
        char *buf = c->in.data + pos;
        size_t left = c->in.len - pos;
        long used = buf[0] == '*' ? parse_multibulk(buf, left, &r) : parse_inline(buf, left, &r);
        if (used == 0)
            break;
        if (used < 0) {
            reply_fmt(c, "-ERR Protocol error\r\n");
            c->closing = 1;
            break;
        }
        pos += (size_t)used;
        if (r.argc == 0)
            continue;
        commands_served++;
        if (c->node == NULL)
            cmd_control(c, &r);
        else
            cmd_node(c, &r);
    }
    memmove(c->in.data, c->in.data + pos, c->in.len - pos);
    c->in.len -= pos;
}

static void conn_readable(struct conn *c)
{
    char chunk[16384];
    ssize_t n = read(c->fd, chunk, sizeof(chunk));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(c);
        return;
    }
    if (n < 0)
        return;
    if (c->in.len + (size_t)n > FAKENODE_MAX_INPUT_BYTES) {
        conn_close(c);
        return;
    }
    buffer_append(&c->in, chunk, (size_t)n);
    conn_serve(c);
    if (!c->dead)
        conn_flush(c);
}

/* --- main ------------------------------------------------------------------------ */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void nodes_create(size_t pairs)
{
    nodes = calloc(pairs * 2, sizeof(*nodes));
    if (nodes == NULL)
        die("calloc");
    node_count = pairs * 2;
    uint64_t seed = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 20);
    for (size_t i = 0; i < node_count; i++) {
        struct node *n = &nodes[i];
        if (node_listen(n) < 0)
            die("listen");
        for (int k = 0; k < 40; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            n->run_id[k] = "0123456789abcdef"[(seed >> 33) & 15];
        }
        n->is_master = (i % 2) == 0;
    }
    for (size_t i = 1; i < node_count; i += 2)
        nodes[i].master_port = nodes[i - 1].port;
}

static void loop_run(void)
{
    struct epoll_event events[FAKENODE_EVENTS];
    while (!stop_requested) {
        int n = epoll_wait(epoll_fd, events, FAKENODE_EVENTS, 500);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            enum endpoint_kind *kind = events[i].data.ptr;
            if (*kind == ENDPOINT_LISTENER) {
                conn_accept((struct node *)kind);
                continue;
            }
            struct conn *c = (struct conn *)kind;
            if (c->dead)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                conn_readable(c);
            else if (events[i].events & EPOLLOUT)
                conn_flush(c);
        }
        graveyard_free();
    }
}

int main(int argc, char **argv)
{
    long pairs = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (pairs < 1 || pairs > FAKENODE_MAX_PAIRS) {
        fprintf(stderr, "usage: fakenode PAIRS (1..%d)\n", FAKENODE_MAX_PAIRS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    start_ms = now_ms();
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0)
        die("epoll_create1");
    if (node_listen(&control) < 0)
        die("listen");
    nodes_create((size_t)pairs);
    printf("ctl %d\n", control.port);
    for (size_t i = 0; i < node_count; i += 2)
        printf("pair %d %d\n", nodes[i].port, nodes[i + 1].port);
    printf("ready\n");
    fflush(stdout);
    loop_run();
    return 0;
}
