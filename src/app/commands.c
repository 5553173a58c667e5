/*
 * commands.c - the command table and the generic commands (see
 * commands.h).
 *
 * Replies and error texts follow Redis 7.0 Sentinel byte for byte where a
 * client or a tool could notice; they were checked against Debian's
 * redis-sentinel 7.0.15.
 */
#include "app/commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <event2/event.h>

#include "app/acl.h"
#include "app/app.h"
#include "app/cmd_sentinel.h"
#include "app/config.h"
#include "app/version.h"
#include "net/resp.h"
#include "net/server.h"

typedef void commands_handler(struct client *c, int argc, char **argv,
                              size_t *lens);

enum command_flag {
    COMMAND_NO_AUTH = 1u << 0,   /* may run before authenticating */
    COMMAND_PUBSUB_OK = 1u << 1, /* may run while subscribed in RESP2 */
};

enum command_arg_flag {
    ARG_OPTIONAL = 1u << 0,
    ARG_MULTIPLE = 1u << 1,
    ARG_MULTIPLE_TOKEN = 1u << 2,
};

/* One argument in COMMAND DOCS, which redis-cli turns into hints. */
struct command_arg {
    const char *name;
    const char *type;   /* string integer pure-token oneof block pattern */
    const char *token;  /* NULL when the argument has no keyword */
    unsigned flags;
    const struct command_arg *args; /* oneof and block members */
    size_t arg_count;
};

struct command {
    const char *name;       /* lower case; subcommands without parent */
    const char *fullname;   /* "client|kill" */
    commands_handler *handler;
    int arity;              /* Redis's: n exact, -n at least n */
    unsigned flags;
    const char *info_flags; /* COMMAND INFO flags, space separated */
    const char *acl;        /* ACL categories, space separated */
    const char *tips;       /* COMMAND INFO tips, space separated */
    const char *summary;
    const char *since;
    const char *group;
    const char *complexity;
    const struct command_arg *args;
    size_t arg_count;
    const struct command *subs;
    size_t sub_count;
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define ARGS(a) a, COUNT_OF(a)

/* A growable string for INFO and CLIENT LIST. */
struct commands_text {
    char *s;
    size_t len;
    size_t cap;
    int failed;
};

static void commands_text_add(struct commands_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void commands_text_add(struct commands_text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        size_t room = t->cap - t->len;

        va_start(ap, fmt);
        n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (cap - t->len <= (size_t)n)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* Case-insensitive comparison of a request argument with a keyword. */
static int commands_is(const char *arg, const char *word)
{
    return strcasecmp(arg, word) == 0;
}

/* Client names may hold only '!'..'~', as in Redis. */
static int commands_valid_name(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (name[i] < '!' || name[i] > '~')
            return 0;
    }
    return 1;
}

static const char commands_bad_name[] =
    "ERR Client names cannot contain spaces, newlines or special characters.";

/* The users of the sentinel port (app/acl.h); NULL without a config. */
static struct acl *commands_acl(const struct client *c)
{
    const struct app *app = client_app(c);

    return app && app->cfg ? app->cfg->acl : NULL;
}

/* The ACL user c acts as, or NULL (deleted meanwhile, or no config). */
static const struct acl_user *commands_user(const struct client *c)
{
    const struct acl *acl = commands_acl(c);

    return acl ? acl_find(acl, client_user(c)) : NULL;
}

/* requirepass, for a config built without users (NULL when unset). */
static const char *commands_requirepass(const struct client *c)
{
    const struct app *app = client_app(c);

    if (!app || !app->cfg || !app->cfg->requirepass ||
        !app->cfg->requirepass[0])
        return NULL;
    return app->cfg->requirepass;
}

/* Compares secrets in time that doesn't depend on where they differ. */
static int commands_secret_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    unsigned char diff = alen != blen;

    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (blen ? blen : 1)]);
    return diff == 0;
}

/* Whether the default user takes any password: AUTH <password> alone is
 * then a mistake Redis points out. */
static int commands_default_nopass(const struct client *c)
{
    const struct acl *acl = commands_acl(c);
    const struct acl_user *u = acl ? acl_find(acl, ACL_DEFAULT_USER) : NULL;

    return acl ? !u || u->nopass : !commands_requirepass(c);
}

/* Checks a user / password pair against the ACL users (the password may
 * hold any byte; hashes are compared in constant time), or, for a config
 * without users, the default user against requirepass.  Returns 0 and
 * makes c act as that user, or -1. */
static int commands_check_password(struct client *c, const char *user,
                                   const char *pass, size_t pass_len)
{
    const struct acl *acl = commands_acl(c);
    const char *want = commands_requirepass(c);

    if (acl && acl_authenticate(acl, user, pass, pass_len) < 0)
        return -1;
    if (!acl && (strcmp(user, ACL_DEFAULT_USER) != 0 ||
                 (want && !commands_secret_equal(pass, pass_len, want))))
        return -1;
    return client_set_user(c, user);
}

static const char commands_wrongpass[] =
    "WRONGPASS invalid username-password pair or user is disabled.";

/* The table is at the end of the file, after its handlers. */
static const struct command *commands_all(size_t *count);

static const struct command *commands_find(const struct command *table,
                                           size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcasecmp(table[i].name, name) == 0)
            return &table[i];
    }
    return NULL;
}

/* Finds "name" or "container|sub" (COMMAND INFO / DOCS accept both). */
static const struct command *commands_find_full(const char *fullname)
{
    const char *bar = strchr(fullname, '|');
    const struct command *cmd;
    char top[64];

    size_t count;
    const struct command *table = commands_all(&count);

    if (!bar)
        return commands_find(table, count, fullname);
    if ((size_t)(bar - fullname) >= sizeof(top))
        return NULL;
    memcpy(top, fullname, (size_t)(bar - fullname));
    top[bar - fullname] = '\0';
    cmd = commands_find(table, count, top);
    if (!cmd || !cmd->sub_count)
        return NULL;
    return commands_find(cmd->subs, cmd->sub_count, bar + 1);
}

/* What ACL rules may name: the commands and subcommands of the table. */
static int commands_command_exists(const char *name)
{
    return commands_find_full(name) != NULL;
}

static const struct acl_catalog commands_catalog = {commands_command_exists};

/* "-ERR unknown command 'foo', with args beginning with: 'a' 'b' ": the
 * same truncation as Redis (names to 128 bytes, arguments until the list
 * passes 128 bytes), arguments read as C strings. */
static void commands_reply_unknown(struct client *c, int argc, char **argv)
{
    struct commands_text args = {0};

    for (int j = 1; j < argc && args.len < 128; j++)
        commands_text_add(&args, "'%.*s' ", (int)(128 - args.len), argv[j]);
    reply_errorf(c, "ERR unknown command '%.128s', with args beginning "
                 "with: %s", argv[0], args.s ? args.s : "");
    free(args.s);
}

static int commands_arity_ok(const struct command *cmd, int argc)
{
    if (cmd->arity > 0)
        return argc == cmd->arity;
    return argc >= -cmd->arity;
}

static int commands_subscribed(const struct client *c)
{
    return client_subscription_count(c, 0) + client_subscription_count(c, 1)
           > 0;
}

/* Whether u may use the channels a pub/sub command names, as Redis
 * checks them: PUBLISH its channel, SUBSCRIBE each channel, PSUBSCRIBE
 * each pattern as written. */
static int commands_channels_allowed(const struct acl_user *u,
                                     const struct command *cmd, int argc,
                                     char **argv, size_t *lens)
{
    int pattern = strcmp(cmd->fullname, "psubscribe") == 0;
    int publish = strcmp(cmd->fullname, "publish") == 0;

    if (!pattern && !publish && strcmp(cmd->fullname, "subscribe") != 0)
        return 1;
    for (int j = 1; j < (publish ? 2 : argc); j++) {
        if (!acl_can_use_channel(u, argv[j], lens[j], pattern))
            return 0;
    }
    return 1;
}

/* Redis's ACL check, made once the client is authenticated: the command
 * (top, or its subcommand cmd) and its channels.  Commands that may run
 * before AUTH are never refused.  Returns 1, or 0 having replied NOPERM. */
static int commands_permitted(struct client *c, const struct command *top,
                              const struct command *cmd, int argc,
                              char **argv, size_t *lens)
{
    const struct acl_user *u;

    if ((cmd->flags & COMMAND_NO_AUTH) || !commands_acl(c))
        return 1;
    u = commands_user(c);
    if (!acl_can_run(u, top->name, cmd == top ? NULL : cmd->name, cmd->acl)) {
        reply_errorf(c, "NOPERM this user has no permissions to run the '%s' "
                     "command", cmd->fullname);
        return 0;
    }
    if (!commands_channels_allowed(u, cmd, argc, argv, lens)) {
        reply_error(c, "NOPERM this user has no permissions to access one "
                       "of the channels used as arguments");
        return 0;
    }
    return 1;
}

int commands_dispatch(struct client *c, int argc, char **argv, size_t *lens)
{
    size_t count;
    const struct command *table = commands_all(&count);
    const struct command *cmd = commands_find(table, count, argv[0]);
    const struct command *top = cmd;

    if (!cmd) {
        commands_reply_unknown(c, argc, argv);
        return -1;
    }
    if (cmd->sub_count && argc >= 2) {
        const struct command *sub =
            commands_find(cmd->subs, cmd->sub_count, argv[1]);
        char upper[32];
        size_t i;

        if (!sub) {
            for (i = 0; cmd->name[i] && i + 1 < sizeof(upper); i++)
                upper[i] = (char)toupper((unsigned char)cmd->name[i]);
            upper[i] = '\0';
            reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.",
                         argv[1], upper);
            return -1;
        }
        cmd = sub;
    }
    /* Redis's order: existence, arity, authentication, ACL, pub/sub
     * context. */
    if (!commands_arity_ok(cmd, argc)) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command",
                     cmd->fullname);
        return -1;
    }
    if (!(cmd->flags & COMMAND_NO_AUTH) && !client_authenticated(c)) {
        reply_error(c, "NOAUTH Authentication required.");
        return -1;
    }
    if (!commands_permitted(c, top, cmd, argc, argv, lens))
        return -1;
    if (client_resp(c) == 2 && commands_subscribed(c) &&
        !(cmd->flags & COMMAND_PUBSUB_OK)) {
        reply_errorf(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
                     "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                     "this context", cmd->fullname);
        return -1;
    }
    client_set_last_command(c, cmd->fullname);
    cmd->handler(c, argc, argv, lens);
    return 0;
}

int commands_acl_check(const struct acl *acl, char *err, size_t errlen)
{
    const char *user, *rule;

    if (!acl || acl_check_catalog(acl, &commands_catalog, &user, &rule) == 0)
        return 0;
    snprintf(err, errlen, "Error in user declaration '%s': Unknown command "
             "or category name in ACL in '%s'", user, rule);
    return -1;
}

size_t commands_count(void)
{
    size_t count;

    commands_all(&count);
    return count;
}

/* Replies with a HELP text: one status line each, as Redis does. */
static void commands_reply_help(struct client *c, const char *const *lines,
                                size_t count)
{
    reply_array(c, (long long)count);
    for (size_t i = 0; i < count; i++)
        reply_status(c, lines[i]);
}

/* --- connection ------------------------------------------------------------ */

static void commands_ping(struct client *c, int argc, char **argv,
                          size_t *lens)
{
    /* PING takes at most one argument; Redis checks it in the command so
     * that an unauthenticated "PING a b" gets NOAUTH first. */
    if (argc > 2) {
        reply_error(c, "ERR wrong number of arguments for 'ping' command");
        return;
    }
    if (client_resp(c) == 2 && commands_subscribed(c)) {
        reply_array(c, 2);
        reply_bulk(c, "pong", 4);
        reply_bulk(c, argc == 2 ? argv[1] : "", argc == 2 ? lens[1] : 0);
    } else if (argc == 1) {
        reply_status(c, "PONG");
    } else {
        reply_bulk(c, argv[1], lens[1]);
    }
}

static void commands_auth(struct client *c, int argc, char **argv,
                          size_t *lens)
{
    const char *user = "default";
    int pass = 1;

    if (argc > 3) {
        reply_error(c, "ERR syntax error");
        return;
    }
    if (argc == 3) {
        user = argv[1];
        pass = 2;
    } else if (commands_default_nopass(c)) {
        reply_error(c, "ERR AUTH <password> called without any password "
                       "configured for the default user. Are you sure your "
                       "configuration is correct?");
        return;
    }
    if (commands_check_password(c, user, argv[pass], lens[pass]) < 0) {
        reply_error(c, commands_wrongpass);
        return;
    }
    reply_ok(c);
}

/* HELLO's reply: the same six fields as redis-sentinel (no "role"). */
static void commands_hello_reply(struct client *c)
{
    reply_map(c, 6);
    reply_cstr(c, "server");
    reply_cstr(c, "redis");
    reply_cstr(c, "version");
    reply_cstr(c, SENTINELD_REDIS_COMPAT_VERSION);
    reply_cstr(c, "proto");
    reply_int(c, client_resp(c));
    reply_cstr(c, "id");
    reply_int(c, (long long)client_id(c));
    reply_cstr(c, "mode");
    reply_cstr(c, "sentinel");
    reply_cstr(c, "modules");
    reply_array(c, 0);
}

static void commands_hello(struct client *c, int argc, char **argv,
                           size_t *lens)
{
    long long version = 0;
    int user = 0, name = 0;

    if (argc >= 2) {
        if (resp_parse_ll(argv[1], lens[1], &version) < 0) {
            reply_error(c, "ERR Protocol version is not an integer or out "
                           "of range");
            return;
        }
        if (version < 2 || version > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    for (int j = 2; j < argc; j++) {
        if (commands_is(argv[j], "AUTH") && j + 2 < argc) {
            user = j + 1;
            j += 2;
        } else if (commands_is(argv[j], "SETNAME") && j + 1 < argc) {
            name = j + 1;
            j += 1;
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%s'", argv[j]);
            return;
        }
    }
    if (user && commands_check_password(c, argv[user], argv[user + 1],
                                        lens[user + 1]) < 0) {
        reply_error(c, commands_wrongpass);
        return;
    }
    if (!client_authenticated(c)) {
        reply_error(c, "NOAUTH HELLO must be called with the client already "
                       "authenticated, otherwise the HELLO AUTH <user> <pass> "
                       "option can be used to authenticate the client and "
                       "select the RESP protocol version at the same time");
        return;
    }
    if (name && !commands_valid_name(argv[name], lens[name])) {
        reply_error(c, commands_bad_name);
        return;
    }
    if (name && client_set_name(c, argv[name], lens[name]) < 0) {
        reply_error(c, "ERR out of memory");
        return;
    }
    if (version)
        client_set_resp(c, (int)version);
    commands_hello_reply(c);
}

static void commands_shutdown(struct client *c, int argc, char **argv,
                              size_t *lens)
{
    int save = 0, nosave = 0, abort_shutdown = 0, others = 0;

    (void)lens;
    for (int j = 1; j < argc; j++) {
        if (commands_is(argv[j], "NOSAVE"))
            nosave = 1;
        else if (commands_is(argv[j], "SAVE"))
            save = 1;
        else if (commands_is(argv[j], "NOW") || commands_is(argv[j], "FORCE"))
            others = 1;
        else if (commands_is(argv[j], "ABORT"))
            abort_shutdown = 1;
        else
            others = -1;
    }
    if (others < 0 || (save && nosave) ||
        (abort_shutdown && (save || nosave || others))) {
        reply_error(c, "ERR syntax error");
        return;
    }
    if (abort_shutdown) {
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    /* No reply: like Redis, the connection just closes as we exit. */
    client_close_after_reply(c);
    app_shutdown(client_app(c));
}

/* --- pub/sub -------------------------------------------------------------------- */

static void commands_publish(struct client *c, int argc, char **argv,
                             size_t *lens)
{
    (void)argc;
    if (lens[1] != strlen("__sentinel__:hello") ||
        memcmp(argv[1], "__sentinel__:hello", lens[1]) != 0) {
        reply_error(c, "ERR Only HELLO messages are accepted by Sentinel "
                       "instances.");
        return;
    }
    cmd_sentinel_hello(client_app(c), argv[2], lens[2]);
    reply_int(c, 1); /* redis-sentinel always answers 1 */
}

static long long commands_sub_total(const struct client *c)
{
    return (long long)(client_subscription_count(c, 0) +
                       client_subscription_count(c, 1));
}

static void commands_subscribe_any(struct client *c, int argc, char **argv,
                                   size_t *lens, int pattern)
{
    const char *kind = pattern ? "psubscribe" : "subscribe";

    for (int j = 1; j < argc; j++) {
        if (client_subscribe(c, pattern, argv[j], lens[j]) < 0) {
            reply_error(c, "ERR out of memory");
            client_close_after_reply(c);
            return;
        }
        reply_push(c, 3);
        reply_cstr(c, kind);
        reply_bulk(c, argv[j], lens[j]);
        reply_int(c, commands_sub_total(c));
    }
}

static void commands_unsubscribe_any(struct client *c, int argc,
                                     char **argv, size_t *lens, int pattern)
{
    const char *kind = pattern ? "punsubscribe" : "unsubscribe";

    if (argc > 1) {
        for (int j = 1; j < argc; j++) {
            client_unsubscribe(c, pattern, argv[j], lens[j]);
            reply_push(c, 3);
            reply_cstr(c, kind);
            reply_bulk(c, argv[j], lens[j]);
            reply_int(c, commands_sub_total(c));
        }
        return;
    }
    if (client_subscription_count(c, pattern) == 0) {
        reply_push(c, 3);
        reply_cstr(c, kind);
        reply_nil(c);
        reply_int(c, commands_sub_total(c));
        return;
    }
    while (client_subscription_count(c, pattern) > 0) {
        size_t len;
        const char *name = client_subscription(c, pattern, 0, &len);

        reply_push(c, 3);
        reply_cstr(c, kind);
        reply_bulk(c, name, len);   /* copied before name is freed */
        client_unsubscribe(c, pattern, name, len);
        reply_int(c, commands_sub_total(c));
    }
}

static void commands_subscribe(struct client *c, int argc, char **argv,
                               size_t *lens)
{
    commands_subscribe_any(c, argc, argv, lens, 0);
}

static void commands_psubscribe(struct client *c, int argc, char **argv,
                                size_t *lens)
{
    commands_subscribe_any(c, argc, argv, lens, 1);
}

static void commands_unsubscribe(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    commands_unsubscribe_any(c, argc, argv, lens, 0);
}

static void commands_punsubscribe(struct client *c, int argc, char **argv,
                                  size_t *lens)
{
    commands_unsubscribe_any(c, argc, argv, lens, 1);
}

/* --- CLIENT -------------------------------------------------------------------------- */

/* One CLIENT LIST line, with Redis's fields in Redis's order; fields for
 * features a sentinel lacks (MULTI, tracking, databases) hold Redis's
 * neutral values. */
static void commands_client_line(struct commands_text *t,
                                 const struct client *c)
{
    struct client_info i;

    client_info_get(c, &i);
    commands_text_add(t,
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld "
        "flags=%s db=0 sub=%zu psub=%zu ssub=0 multi=-1 qbuf=%zu "
        "qbuf-free=%zu argv-mem=0 multi-mem=0 rbs=%zu rbp=%zu obl=%zu "
        "oll=0 omem=%zu tot-mem=%zu events=%s cmd=%s user=%s "
        "redir=-1 resp=%d\n",
        (unsigned long long)i.id, i.addr, i.laddr, i.fd, i.name,
        (long long)i.age_s, (long long)i.idle_s, i.pubsub ? "P" : "N",
        i.channels, i.patterns, i.query_bytes, i.query_free_bytes,
        i.query_alloc_bytes, i.query_alloc_bytes,
        i.output_bytes, i.output_alloc_bytes, i.total_alloc_bytes,
        i.write_pending ? "rw" : "r", i.last_command, i.user, i.resp);
}

static void commands_reply_text(struct client *c, struct commands_text *t)
{
    if (t->failed)
        reply_error(c, "ERR out of memory");
    else
        reply_bulk(c, t->s ? t->s : "", t->len);
    free(t->s);
}

/* CLIENT LIST and CLIENT INFO: a verbatim "txt" string in RESP3 (a bulk
 * string in RESP2), as redis-sentinel 7.0 replies; frees t's text. */
static void commands_reply_client_text(struct client *c,
                                       struct commands_text *t)
{
    if (t->failed) {
        commands_reply_text(c, t);
        return;
    }
    reply_verbatim(c, t->s ? t->s : "", t->len);
    free(t->s);
}

enum commands_client_type {
    CLIENT_TYPE_ANY,
    CLIENT_TYPE_NORMAL,
    CLIENT_TYPE_PUBSUB,
    CLIENT_TYPE_NONE,     /* master / replica: we never have those */
};

/* Parses a CLIENT LIST / KILL TYPE value.  Returns -1 after replying
 * Redis's error for an unknown type. */
static int commands_client_type(struct client *c, const char *name)
{
    if (commands_is(name, "normal"))
        return CLIENT_TYPE_NORMAL;
    if (commands_is(name, "pubsub"))
        return CLIENT_TYPE_PUBSUB;
    if (commands_is(name, "master") || commands_is(name, "replica") ||
        commands_is(name, "slave"))
        return CLIENT_TYPE_NONE;
    reply_errorf(c, "ERR Unknown client type '%s'", name);
    return -1;
}

static int commands_type_matches(const struct client *c, int type)
{
    int pubsub = commands_subscribed(c);

    switch (type) {
    case CLIENT_TYPE_ANY: return 1;
    case CLIENT_TYPE_NORMAL: return !pubsub;
    case CLIENT_TYPE_PUBSUB: return pubsub;
    default: return 0;
    }
}

static struct client *commands_client_by_id(struct client *c,
                                            unsigned long long id)
{
    for (struct client *o = server_clients(client_server(c)); o;
         o = client_next(o)) {
        if (client_id(o) == id && !client_closing(o))
            return o;
    }
    return NULL;
}

static void commands_client_list(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    struct commands_text t = {0};
    int type = CLIENT_TYPE_ANY;

    if (argc == 4 && commands_is(argv[2], "TYPE")) {
        if ((type = commands_client_type(c, argv[3])) < 0)
            return;
    } else if (argc > 3 && commands_is(argv[2], "ID")) {
        for (int j = 3; j < argc; j++) {
            long long id;
            struct client *o;

            /* Any integer is an ID here, as in Redis: 0 or a negative
             * one just matches no client. */
            if (resp_parse_ll(argv[j], lens[j], &id) < 0) {
                free(t.s);
                reply_error(c, "ERR Invalid client ID");
                return;
            }
            if (id > 0 &&
                (o = commands_client_by_id(c, (unsigned long long)id)))
                commands_client_line(&t, o);
        }
        commands_reply_client_text(c, &t);
        return;
    } else if (argc != 2) {
        reply_error(c, "ERR syntax error");
        return;
    }
    for (struct client *o = server_clients(client_server(c)); o;
         o = client_next(o)) {
        if (!client_closing(o) && commands_type_matches(o, type))
            commands_client_line(&t, o);
    }
    commands_reply_client_text(c, &t);
}

static void commands_client_info(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    struct commands_text t = {0};

    commands_client_line(&t, c);
    commands_reply_client_text(c, &t);
}

/* Filters of CLIENT KILL's new form. */
struct commands_kill_filter {
    unsigned long long id;
    int type;
    const char *addr;
    const char *laddr;
    const char *user;
    int skipme;
};

/* Parses "<option> <value>" pairs.  Returns 0, or -1 having replied. */
static int commands_kill_parse(struct client *c, int argc, char **argv,
                               size_t *lens, struct commands_kill_filter *f)
{
    if ((argc - 2) % 2 != 0) {
        reply_error(c, "ERR syntax error");
        return -1;
    }
    for (int j = 2; j < argc; j += 2) {
        const char *opt = argv[j], *val = argv[j + 1];
        long long id;

        if (commands_is(opt, "ID")) {
            if (resp_parse_ll(val, lens[j + 1], &id) < 0 || id < 1) {
                reply_error(c, "ERR client-id should be greater than 0");
                return -1;
            }
            f->id = (unsigned long long)id;
        } else if (commands_is(opt, "TYPE")) {
            if ((f->type = commands_client_type(c, val)) < 0)
                return -1;
        } else if (commands_is(opt, "ADDR")) {
            f->addr = val;
        } else if (commands_is(opt, "LADDR")) {
            f->laddr = val;
        } else if (commands_is(opt, "USER")) {
            if (!commands_acl(c) || !acl_find(commands_acl(c), val)) {
                reply_errorf(c, "ERR No such user '%s'", val);
                return -1;
            }
            f->user = val;
        } else if (commands_is(opt, "SKIPME") &&
                   (commands_is(val, "yes") || commands_is(val, "no"))) {
            f->skipme = commands_is(val, "yes");
        } else {
            reply_error(c, "ERR syntax error");
            return -1;
        }
    }
    return 0;
}

static int commands_kill_matches(const struct client *self,
                                 const struct client *o,
                                 const struct commands_kill_filter *f)
{
    if (client_closing(o) || (f->skipme && o == self))
        return 0;
    if (f->id && client_id(o) != f->id)
        return 0;
    if (!commands_type_matches(o, f->type))
        return 0;
    if (f->addr && strcmp(client_addr(o), f->addr) != 0)
        return 0;
    if (f->laddr && strcmp(client_laddr(o), f->laddr) != 0)
        return 0;
    if (f->user && strcmp(client_user(o), f->user) != 0)
        return 0;
    return 1;
}

static void commands_client_kill(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    struct commands_kill_filter f = {.type = CLIENT_TYPE_ANY, .skipme = 1};
    long long killed = 0;

    if (argc == 3) {
        /* The old form, CLIENT KILL ip:port, may kill the caller too. */
        for (struct client *o = server_clients(client_server(c)); o;
             o = client_next(o)) {
            if (!client_closing(o) && strcmp(client_addr(o), argv[2]) == 0) {
                reply_ok(c);
                client_kill(o);
                return;
            }
        }
        reply_error(c, "ERR No such client");
        return;
    }
    if (commands_kill_parse(c, argc, argv, lens, &f) < 0)
        return;
    for (struct client *o = server_clients(client_server(c)); o;
         o = client_next(o)) {
        if (commands_kill_matches(c, o, &f)) {
            client_kill(o);
            killed++;
        }
    }
    reply_int(c, killed);
}

static void commands_client_id(struct client *c, int argc, char **argv,
                               size_t *lens)
{
    reply_int(c, (long long)client_id(c));
}

static void commands_client_getname(struct client *c, int argc, char **argv,
                                    size_t *lens)
{
    reply_cstr(c, client_name(c));
}

static void commands_client_setname(struct client *c, int argc, char **argv,
                                    size_t *lens)
{
    if (!commands_valid_name(argv[2], lens[2])) {
        reply_error(c, commands_bad_name);
        return;
    }
    if (client_set_name(c, argv[2], lens[2]) < 0) {
        reply_error(c, "ERR out of memory");
        return;
    }
    reply_ok(c);
}

/* CLIENT NO-EVICT: there is no client eviction here; accept the switch. */
static void commands_client_no_evict(struct client *c, int argc, char **argv,
                                     size_t *lens)
{
    if (commands_is(argv[2], "on") || commands_is(argv[2], "off"))
        reply_ok(c);
    else
        reply_error(c, "ERR syntax error");
}

/* No client tracking here: the answers of a client that never enabled
 * it. */
static void commands_client_getredir(struct client *c, int argc, char **argv,
                                     size_t *lens)
{
    reply_int(c, -1);
}

static void commands_client_trackinginfo(struct client *c, int argc,
                                         char **argv, size_t *lens)
{
    reply_map(c, 3);
    reply_cstr(c, "flags");
    reply_set(c, 1);
    reply_cstr(c, "off");
    reply_cstr(c, "redirect");
    reply_int(c, -1);
    reply_cstr(c, "prefixes");
    reply_array(c, 0);
}

static void commands_client_unpause(struct client *c, int argc, char **argv,
                                    size_t *lens)
{
    reply_ok(c);
}

static void commands_client_help(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of this connection.",
        "GETREDIR",
        "    Return -1: client-side caching is not served here.",
        "ID",
        "    Return the id of this connection.",
        "INFO",
        "    Return the CLIENT LIST line of this connection.",
        "KILL <ip:port>",
        "    Close the connection coming from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Close every connection that matches all the options:",
        "    * ID <client-id>",
        "    * ADDR <ip:port>",
        "    * LADDR <ip:port>",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "    * USER <username>",
        "    * SKIPME (YES|NO)  (default: yes)",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> ...]",
        "    Return one line per connection.",
        "NO-EVICT (ON|OFF)",
        "    Accepted for compatibility; clients are never evicted.",
        "SETNAME <name>",
        "    Name this connection.",
        "TRACKINGINFO",
        "    Report that client-side caching is off.",
        "UNPAUSE",
        "    Accepted for compatibility; clients are never paused.",
        "HELP",
        "    Print this help.",
    };

    commands_reply_help(c, lines, COUNT_OF(lines));
}

/* --- COMMAND ----------------------------------------------------------------------- */

/* Replies with the words of a space-separated list, as a set of status
 * strings (flags, ACL categories) or of bulk strings (tips). */
static void commands_reply_words(struct client *c, const char *words,
                                 int as_status)
{
    size_t n = 0;
    const char *p;

    for (p = words; p && *p; n++) {
        p += strcspn(p, " ");
        p += strspn(p, " ");
    }
    reply_set(c, (long long)n);
    for (p = words; p && *p;) {
        size_t len = strcspn(p, " ");
        char word[64];

        snprintf(word, sizeof(word), "%.*s", (int)len, p);
        if (as_status)
            reply_status(c, word);
        else
            reply_bulk(c, p, len);
        p += len;
        p += strspn(p, " ");
    }
}

/* COMMAND INFO's ten fields.  A sentinel's commands take no keys. */
static void commands_reply_info(struct client *c, const struct command *cmd)
{
    reply_array(c, 10);
    reply_cstr(c, cmd->fullname);
    reply_int(c, cmd->arity);
    commands_reply_words(c, cmd->info_flags, 1);
    reply_int(c, 0);
    reply_int(c, 0);
    reply_int(c, 0);
    commands_reply_words(c, cmd->acl, 1);
    commands_reply_words(c, cmd->tips, 0);
    reply_set(c, 0); /* key specs */
    if (!cmd->sub_count) {
        reply_set(c, 0); /* redis-sentinel sends an empty set here */
        return;
    }
    reply_array(c, (long long)cmd->sub_count);
    for (size_t i = 0; i < cmd->sub_count; i++)
        commands_reply_info(c, &cmd->subs[i]);
}

static void commands_reply_arg(struct client *c, const struct command_arg *a)
{
    long long fields = 2 + (a->token != NULL) + (a->flags != 0) +
                       (a->arg_count != 0);

    reply_map(c, fields);
    reply_cstr(c, "name");
    reply_cstr(c, a->name);
    reply_cstr(c, "type");
    reply_cstr(c, a->type);
    if (a->token) {
        reply_cstr(c, "token");
        reply_cstr(c, a->token);
    }
    if (a->flags) {
        reply_cstr(c, "flags");
        reply_set(c, !!(a->flags & ARG_OPTIONAL) + !!(a->flags & ARG_MULTIPLE) +
                     !!(a->flags & ARG_MULTIPLE_TOKEN));
        if (a->flags & ARG_OPTIONAL)
            reply_status(c, "optional");
        if (a->flags & ARG_MULTIPLE)
            reply_status(c, "multiple");
        if (a->flags & ARG_MULTIPLE_TOKEN)
            reply_status(c, "multiple_token");
    }
    if (a->arg_count) {
        reply_cstr(c, "arguments");
        reply_array(c, (long long)a->arg_count);
        for (size_t i = 0; i < a->arg_count; i++)
            commands_reply_arg(c, &a->args[i]);
    }
}

/* COMMAND DOCS's map for one command: summary, since, group, complexity,
 * then its arguments or its subcommands. */
static void commands_reply_docs(struct client *c, const struct command *cmd)
{
    reply_map(c, 4 + (cmd->arg_count || cmd->sub_count));
    reply_cstr(c, "summary");
    reply_cstr(c, cmd->summary);
    reply_cstr(c, "since");
    reply_cstr(c, cmd->since);
    reply_cstr(c, "group");
    reply_cstr(c, cmd->group);
    reply_cstr(c, "complexity");
    reply_cstr(c, cmd->complexity);
    if (cmd->sub_count) {
        reply_cstr(c, "subcommands");
        reply_map(c, (long long)cmd->sub_count);
        for (size_t i = 0; i < cmd->sub_count; i++) {
            reply_cstr(c, cmd->subs[i].fullname);
            commands_reply_docs(c, &cmd->subs[i]);
        }
    } else if (cmd->arg_count) {
        reply_cstr(c, "arguments");
        reply_array(c, (long long)cmd->arg_count);
        for (size_t i = 0; i < cmd->arg_count; i++)
            commands_reply_arg(c, &cmd->args[i]);
    }
}

static void commands_command(struct client *c, int argc, char **argv,
                             size_t *lens)
{
    size_t count;
    const struct command *table = commands_all(&count);

    reply_array(c, (long long)count);
    for (size_t i = 0; i < count; i++)
        commands_reply_info(c, &table[i]);
}

static void commands_command_count(struct client *c, int argc, char **argv,
                                   size_t *lens)
{
    reply_int(c, (long long)commands_count());
}

static void commands_command_info(struct client *c, int argc, char **argv,
                                  size_t *lens)
{
    if (argc == 2) {
        commands_command(c, argc, argv, lens);
        return;
    }
    reply_array(c, argc - 2);
    for (int j = 2; j < argc; j++) {
        const struct command *cmd = commands_find_full(argv[j]);

        if (cmd)
            commands_reply_info(c, cmd);
        else
            reply_nil(c);
    }
}

static void commands_command_docs(struct client *c, int argc, char **argv,
                                  size_t *lens)
{
    size_t count, n = 0;
    const struct command *table = commands_all(&count);
    void *head = reply_deferred(c);

    if (argc == 2) {
        for (size_t i = 0; i < count; i++, n++) {
            reply_cstr(c, table[i].fullname);
            commands_reply_docs(c, &table[i]);
        }
    }
    for (int j = 2; j < argc; j++) {
        const struct command *cmd = commands_find_full(argv[j]);

        if (!cmd)
            continue;   /* unknown names are left out, as in Redis */
        reply_cstr(c, cmd->fullname);
        commands_reply_docs(c, cmd);
        n++;
    }
    reply_deferred_set(c, head, (long long)n, 1);
}

/* Case-insensitive glob match, as COMMAND LIST FILTERBY PATTERN does. */
static int commands_glob_nocase(const char *pattern, const char *name)
{
    char *p = strdup(pattern), *n = strdup(name);
    int match = 0;

    if (p && n) {
        for (char *q = p; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        for (char *q = n; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        match = server_glob_match(p, strlen(p), n, strlen(n));
    }
    free(p);
    free(n);
    return match;
}

/* Does cmd pass COMMAND LIST's filter?  by is NULL for no filter. */
static int commands_list_matches(const struct command *cmd, const char *by,
                                 const char *value)
{
    char cat[64];
    const char *p;

    if (!by)
        return 1;
    if (commands_is(by, "MODULE"))
        return 0;
    if (commands_is(by, "PATTERN"))
        return commands_glob_nocase(value, cmd->fullname);
    snprintf(cat, sizeof(cat), "@%s", value);
    for (p = cmd->acl; p && *p;) {
        size_t len = strcspn(p, " ");

        if (len == strlen(cat) && strncasecmp(p, cat, len) == 0)
            return 1;
        p += len;
        p += strspn(p, " ");
    }
    return 0;
}

/* Replies with the full names of the commands and subcommands that pass
 * a COMMAND LIST filter. */
static void commands_reply_names(struct client *c, const char *by,
                                 const char *value)
{
    size_t count, n = 0;
    const struct command *table = commands_all(&count);
    void *head = reply_deferred(c);

    for (size_t i = 0; i < count; i++) {
        if (commands_list_matches(&table[i], by, value)) {
            reply_cstr(c, table[i].fullname);
            n++;
        }
        for (size_t s = 0; s < table[i].sub_count; s++) {
            if (!commands_list_matches(&table[i].subs[s], by, value))
                continue;
            reply_cstr(c, table[i].subs[s].fullname);
            n++;
        }
    }
    reply_deferred_set(c, head, (long long)n, 0);
}

static void commands_command_list(struct client *c, int argc, char **argv,
                                  size_t *lens)
{
    if (argc == 5 && commands_is(argv[2], "FILTERBY") &&
        (commands_is(argv[3], "MODULE") || commands_is(argv[3], "ACLCAT") ||
         commands_is(argv[3], "PATTERN")))
        commands_reply_names(c, argv[3], argv[4]);
    else if (argc == 2)
        commands_reply_names(c, NULL, NULL);
    else
        reply_error(c, "ERR syntax error");
}

/* COMMAND GETKEYS / GETKEYSANDFLAGS: no command here takes a key. */
static void commands_command_getkeys(struct client *c, int argc, char **argv,
                                     size_t *lens)
{
    const struct command *cmd = commands_find_full(argv[2]);

    if (cmd && cmd->sub_count && argc > 3)
        cmd = commands_find(cmd->subs, cmd->sub_count, argv[3]);
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (!commands_arity_ok(cmd, argc - 2)) {
        reply_error(c, "ERR Invalid number of arguments specified for "
                       "command");
        return;
    }
    reply_error(c, "ERR The command has no key arguments");
}

static void commands_command_help(struct client *c, int argc, char **argv,
                                  size_t *lens)
{
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Describe every command of this sentinel.",
        "COUNT",
        "    Return the number of commands.",
        "LIST [FILTERBY (MODULE <name>|ACLCAT <category>|PATTERN <glob>)]",
        "    Return the names of the commands and subcommands.",
        "INFO [<command-name> ...]",
        "    Describe the given commands, or all of them.",
        "DOCS [<command-name> ...]",
        "    Return the documentation of the given commands, or all of them.",
        "GETKEYS <full-command>",
        "    Return the keys of a command (none here).",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys of a command and their flags (none here).",
        "HELP",
        "    Print this help.",
    };

    commands_reply_help(c, lines, COUNT_OF(lines));
}

/* --- INFO --------------------------------------------------------------------------- */

enum commands_info_section {
    INFO_SERVER = 1u << 0,
    INFO_CLIENTS = 1u << 1,
    INFO_STATS = 1u << 2,
    INFO_CPU = 1u << 3,
    INFO_SENTINEL = 1u << 4,
    INFO_ALL = (1u << 5) - 1,
};

/* Which sections were asked for; unknown names add nothing (Redis then
 * replies an empty string). */
static unsigned commands_info_mask(int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"server", INFO_SERVER}, {"clients", INFO_CLIENTS},
        {"stats", INFO_STATS}, {"cpu", INFO_CPU},
        {"sentinel", INFO_SENTINEL}, {"all", INFO_ALL},
        {"everything", INFO_ALL}, {"default", INFO_ALL},
    };
    unsigned mask = 0;

    if (argc == 1)
        return INFO_ALL;
    for (int j = 1; j < argc; j++) {
        for (size_t i = 0; i < COUNT_OF(names); i++) {
            if (commands_is(argv[j], names[i].name))
                mask |= names[i].bit;
        }
    }
    return mask;
}

static void commands_info_server(struct commands_text *t, struct client *c)
{
    const struct app *app = client_app(c);
    int64_t uptime_s = (app->now.wall_ms - app->start_wall_ms) / 1000;
    struct utsname name;
    char exe[1024];
    ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (uname(&name) < 0)
        memset(&name, 0, sizeof(name));
    exe[exe_len > 0 ? exe_len : 0] = '\0';
    commands_text_add(t,
        "# Server\r\nredis_version:%s\r\nredis_git_sha1:00000000\r\n"
        "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:sentinel\r\n"
        "os:%s %s %s\r\narch_bits:%d\r\nmonotonic_clock:POSIX clock_gettime\r\n"
        "multiplexing_api:%s\r\natomicvar_api:c11-builtin\r\n"
        "gcc_version:%d.%d.%d\r\nprocess_id:%ld\r\nprocess_supervised:no\r\n"
        "run_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
        "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:10\r\n"
        "configured_hz:10\r\nlru_clock:%lld\r\nexecutable:%s\r\n"
        "config_file:%s\r\nio_threads_active:0\r\nsentineld_version:%s\r\n",
        SENTINELD_REDIS_COMPAT_VERSION, name.sysname, name.release,
        name.machine, (int)(sizeof(void *) * 8),
        app->base ? event_base_get_method(app->base) : "",
#ifdef __GNUC__
        __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
        0, 0, 0,
#endif
        (long)getpid(), app->run_id,
        app->cfg ? app->cfg->port : server_port(client_server(c)),
        (long long)app->now.wall_ms * 1000, (long long)uptime_s,
        (long long)uptime_s / 86400,
        (long long)(app->now.wall_ms / 1000) & ((1 << 24) - 1), exe,
        app->cfg && app->cfg->path ? app->cfg->path : "",
        SENTINELD_VERSION);
}

static void commands_info_clients(struct commands_text *t, struct client *c)
{
    struct server *server = client_server(c);
    size_t max_in = 0, max_out = 0;

    for (struct client *o = server_clients(server); o; o = client_next(o)) {
        struct client_info i;

        client_info_get(o, &i);
        if (i.query_alloc_bytes > max_in)
            max_in = i.query_alloc_bytes;
        if (i.output_bytes > max_out)
            max_out = i.output_bytes;
    }
    commands_text_add(t,
        "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\n"
        "maxclients:%zu\r\nclient_recent_max_input_buffer:%zu\r\n"
        "client_recent_max_output_buffer:%zu\r\nblocked_clients:0\r\n"
        "tracking_clients:0\r\nclients_in_timeout_table:0\r\n",
        server_client_count(server), server_max_clients(server), max_in, max_out);
}

/* Redis's stats fields in Redis's order; those about data, replication
 * and forks are 0 on a sentinel, as they are on redis-sentinel. */
static void commands_info_stats(struct commands_text *t, struct client *c)
{
    const struct server *s = client_server(c);

    commands_text_add(t,
        "# Stats\r\ntotal_connections_received:%llu\r\n"
        "total_commands_processed:%llu\r\ninstantaneous_ops_per_sec:0\r\n"
        "total_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
        "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
        "instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"
        "instantaneous_input_repl_kbps:0.00\r\n"
        "instantaneous_output_repl_kbps:0.00\r\nrejected_connections:%llu\r\n"
        "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"
        "expired_keys:0\r\nexpired_stale_perc:0.00\r\n"
        "expired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\n"
        "evicted_keys:0\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\n"
        "current_eviction_exceeded_time:0\r\nkeyspace_hits:0\r\n"
        "keyspace_misses:0\r\npubsub_channels:%zu\r\npubsub_patterns:%zu\r\n"
        "pubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\n"
        "migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\n"
        "active_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
        "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
        "tracking_total_keys:0\r\ntracking_total_items:0\r\n"
        "tracking_total_prefixes:0\r\nunexpected_error_replies:0\r\n"
        "total_error_replies:%llu\r\ndump_payload_sanitizations:0\r\n"
        "total_reads_processed:0\r\ntotal_writes_processed:0\r\n"
        "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
        "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
        (unsigned long long)server_total_connections(s),
        (unsigned long long)server_total_commands(s),
        (unsigned long long)server_net_input_bytes(s),
        (unsigned long long)server_net_output_bytes(s),
        (unsigned long long)server_rejected_connections(s),
        server_pubsub_channel_count(s), server_pubsub_pattern_count(s),
        (unsigned long long)server_total_error_replies(s));
}

static double commands_seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void commands_info_cpu(struct commands_text *t)
{
    struct rusage self, children, thread;

    memset(&self, 0, sizeof(self));
    memset(&children, 0, sizeof(children));
    memset(&thread, 0, sizeof(thread));
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);
    commands_text_add(t,
        "# CPU\r\nused_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\n"
        "used_cpu_sys_children:%.6f\r\nused_cpu_user_children:%.6f\r\n"
        "used_cpu_sys_main_thread:%.6f\r\nused_cpu_user_main_thread:%.6f\r\n",
        commands_seconds(&self.ru_stime), commands_seconds(&self.ru_utime),
        commands_seconds(&children.ru_stime),
        commands_seconds(&children.ru_utime),
        commands_seconds(&thread.ru_stime), commands_seconds(&thread.ru_utime));
}

static void commands_info(struct client *c, int argc, char **argv,
                          size_t *lens)
{
    unsigned mask = commands_info_mask(argc, argv);
    struct commands_text t = {0};

    /* Sections come in Redis's fixed order, one blank line between. */
    if (mask & INFO_SERVER)
        commands_info_server(&t, c);
    if (mask & INFO_CLIENTS) {
        commands_text_add(&t, "%s", t.len ? "\r\n" : "");
        commands_info_clients(&t, c);
    }
    if (mask & INFO_STATS) {
        commands_text_add(&t, "%s", t.len ? "\r\n" : "");
        commands_info_stats(&t, c);
    }
    if (mask & INFO_CPU) {
        commands_text_add(&t, "%s", t.len ? "\r\n" : "");
        commands_info_cpu(&t);
    }
    if (mask & INFO_SENTINEL) {
        char *section = cmd_sentinel_info_section(client_app(c));

        commands_text_add(&t, "%s", t.len ? "\r\n" : "");
        commands_text_add(&t, "%s", section ? section : "");
        free(section);
    }
    /* A plain bulk string even in RESP3: redis-sentinel 7.0 does not use
     * the verbatim type for INFO, unlike redis-server. */
    commands_reply_text(c, &t);
}

/* --- ACL --------------------------------------------------------------------------- */

static void commands_acl_whoami(struct client *c, int argc, char **argv,
                                size_t *lens)
{
    reply_cstr(c, client_user(c));
}

/* The users by name, as Redis lists them; NULL when there is no table. */
static void commands_acl_users(struct client *c, int argc, char **argv,
                               size_t *lens)
{
    const struct acl *acl = commands_acl(c);
    size_t n = acl ? acl_count(acl) : 0;

    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++)
        reply_cstr(c, acl_at(acl, i)->name);
}

/* "user <name> <rules>" per user: the config file's syntax. */
static void commands_acl_list(struct client *c, int argc, char **argv,
                              size_t *lens)
{
    const struct acl *acl = commands_acl(c);
    size_t n = acl ? acl_count(acl) : 0;

    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const struct acl_user *u = acl_at(acl, i);
        char *rules = acl_describe_line(u);

        reply_bulkf(c, "user %s %s", u->name, rules);
        free(rules);
    }
}

/* flags as a set, passwords (hashes), commands, keys, channels as
 * strings, no selectors: Redis 7.0's map. */
static void commands_acl_getuser(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    const struct acl *acl = commands_acl(c);
    const struct acl_user *u = acl ? acl_find(acl, argv[2]) : NULL;
    char hex[ACL_HASH_HEX_LEN + 1];
    char *text;

    if (!u) {
        reply_nil(c);
        return;
    }
    reply_map(c, 6);
    reply_cstr(c, "flags");
    reply_set(c, 1 + (u->nopass != 0) + (u->payload != ACL_PAYLOAD_UNSET));
    reply_cstr(c, u->enabled ? "on" : "off");
    if (u->nopass)
        reply_cstr(c, "nopass");
    if (u->payload != ACL_PAYLOAD_UNSET)
        reply_cstr(c, u->payload == ACL_PAYLOAD_SKIP ? "skip-sanitize-payload"
                                                     : "sanitize-payload");
    reply_cstr(c, "passwords");
    reply_array(c, (long long)u->hash_count);
    for (size_t i = 0; i < u->hash_count; i++) {
        acl_hash_hex(u->hashes[i], hex);
        reply_cstr(c, hex);
    }
    reply_cstr(c, "commands");
    reply_cstr(c, text = acl_join(&u->commands, ""));
    free(text);
    reply_cstr(c, "keys");
    reply_cstr(c, text = acl_join(&u->keys, ""));
    free(text);
    reply_cstr(c, "channels");
    text = u->all_channels ? NULL : acl_join(&u->channels, "&");
    reply_cstr(c, text ? text : "&*");
    free(text);
    reply_cstr(c, "selectors");
    reply_array(c, 0);
}

/* ACL changes are saved with the config, so they survive a restart
 * (Redis Sentinel saves them only with its next config change). */
static void commands_acl_saved(struct client *c)
{
    struct app *app = client_app(c);

    if (app && app->core)
        app_persist(app, NULL, 0);
}

static void commands_acl_setuser(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    struct acl *acl = commands_acl(c);
    const char *why = "Syntax error";
    int bad = -1;

    if (!acl) {
        reply_error(c, "ERR out of memory");
        return;
    }
    /* Rules are C strings in the config file: a NUL byte can't be kept. */
    for (int j = 3; j < argc && bad < 0; j++) {
        if (strlen(argv[j]) != lens[j])
            bad = j - 3;
    }
    if (strlen(argv[2]) != lens[2]) {
        reply_error(c, "ERR Usernames can't contain spaces or null characters");
        return;
    }
    if (bad < 0 && acl_setuser(acl, argv[2], argc - 3, argv + 3,
                               &commands_catalog, &bad, &why) == 0) {
        commands_acl_saved(c);
        reply_ok(c);
    } else if (bad < 0) {
        reply_errorf(c, "ERR %s", why);
    } else {
        reply_errorf(c, "ERR Error in ACL SETUSER modifier '%s': %s",
                     argv[3 + bad], why);
    }
}

/* Removes users and closes the connections that act as them, as Redis
 * does.  The default user can't go; naming it changes nothing. */
static void commands_acl_deluser(struct client *c, int argc, char **argv,
                                 size_t *lens)
{
    struct acl *acl = commands_acl(c);
    long long deleted = 0;

    for (int j = 2; j < argc; j++) {
        if (strcmp(argv[j], ACL_DEFAULT_USER) == 0) {
            reply_error(c, "ERR The 'default' user cannot be removed");
            return;
        }
    }
    for (int j = 2; acl && j < argc; j++) {
        if (acl_deluser(acl, argv[j]) <= 0)
            continue;
        deleted++;
        for (struct client *o = server_clients(client_server(c)); o;
             o = client_next(o)) {
            if (strcmp(client_user(o), argv[j]) == 0)
                client_kill(o);
        }
    }
    if (deleted)
        commands_acl_saved(c);
    reply_int(c, deleted);
}

static void commands_acl_cat(struct client *c, int argc, char **argv,
                             size_t *lens)
{
    static const char *const cats[] = {
        "keyspace", "read", "write", "set", "sortedset", "list", "hash",
        "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub",
        "admin", "fast", "slow", "blocking", "dangerous", "connection",
        "transaction", "scripting",
    };

    if (argc > 3) {
        reply_error(c, "ERR unknown subcommand or wrong number of arguments "
                       "for 'CAT'. Try ACL HELP.");
        return;
    }
    if (argc == 2) {
        reply_array(c, (long long)COUNT_OF(cats));
        for (size_t i = 0; i < COUNT_OF(cats); i++)
            reply_cstr(c, cats[i]);
        return;
    }
    for (size_t i = 0; i < COUNT_OF(cats); i++) {
        if (commands_is(argv[2], cats[i])) {
            commands_reply_names(c, "ACLCAT", cats[i]);
            return;
        }
    }
    reply_errorf(c, "ERR Unknown category '%s'", argv[2]);
}

static void commands_acl_help(struct client *c, int argc, char **argv,
                              size_t *lens)
{
    static const char *const lines[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List the ACL categories, or the commands in one of them.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "GETUSER <username>",
        "    Get the user's details.",
        "LIST",
        "    Show users details in config file format.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Print this help.",
    };

    commands_reply_help(c, lines, COUNT_OF(lines));
}

/* --- the table ---------------------------------------------------------------------- */

/* Flags, ACL categories, arities and tips are those redis-sentinel 7.0
 * reports in COMMAND INFO, so tools that read them see the same thing. */
#define F_CONN "noscript loading stale"
#define F_ADMIN "admin noscript loading stale"
#define ACL_CONN "@slow @connection"
#define ACL_ADMIN_CONN "@admin @slow @dangerous @connection"
#define ACL_ADMIN "@admin @slow @dangerous"
#define F_PUBSUB "pubsub noscript loading stale"

static const struct command_arg commands_args_ping[] = {
    {"message", "string", NULL, ARG_OPTIONAL, NULL, 0},
};

static const struct command_arg commands_args_auth[] = {
    {"username", "string", NULL, ARG_OPTIONAL, NULL, 0},
    {"password", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_hello_auth[] = {
    {"username", "string", NULL, 0, NULL, 0},
    {"password", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_hello_block[] = {
    {"protover", "integer", NULL, 0, NULL, 0},
    {"username_password", "block", "AUTH", ARG_OPTIONAL,
     ARGS(commands_args_hello_auth)},
    {"clientname", "string", "SETNAME", ARG_OPTIONAL, NULL, 0},
};

static const struct command_arg commands_args_hello[] = {
    {"arguments", "block", NULL, ARG_OPTIONAL,
     ARGS(commands_args_hello_block)},
};

static const struct command_arg commands_args_info[] = {
    {"section", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_channels[] = {
    {"channel", "string", NULL, ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_patterns[] = {
    {"pattern", "pattern", NULL, ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_opt_channels[] = {
    {"channel", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_opt_patterns[] = {
    {"pattern", "pattern", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_publish[] = {
    {"channel", "string", NULL, 0, NULL, 0},
    {"message", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_save[] = {
    {"nosave", "pure-token", "NOSAVE", 0, NULL, 0},
    {"save", "pure-token", "SAVE", 0, NULL, 0},
};

static const struct command_arg commands_args_shutdown[] = {
    {"nosave_save", "oneof", NULL, ARG_OPTIONAL, ARGS(commands_args_save)},
    {"now", "pure-token", "NOW", ARG_OPTIONAL, NULL, 0},
    {"force", "pure-token", "FORCE", ARG_OPTIONAL, NULL, 0},
    {"abort", "pure-token", "ABORT", ARG_OPTIONAL, NULL, 0},
};

static const struct command_arg commands_args_types[] = {
    {"normal", "pure-token", "NORMAL", 0, NULL, 0},
    {"master", "pure-token", "MASTER", 0, NULL, 0},
    {"replica", "pure-token", "REPLICA", 0, NULL, 0},
    {"pubsub", "pure-token", "PUBSUB", 0, NULL, 0},
};

/* CLIENT KILL TYPE also takes the old name "slave", and says so. */
static const struct command_arg commands_args_kill_types[] = {
    {"normal", "pure-token", "NORMAL", 0, NULL, 0},
    {"master", "pure-token", "MASTER", 0, NULL, 0},
    {"slave", "pure-token", "SLAVE", 0, NULL, 0},
    {"replica", "pure-token", "REPLICA", 0, NULL, 0},
    {"pubsub", "pure-token", "PUBSUB", 0, NULL, 0},
};

static const struct command_arg commands_args_client_list[] = {
    {"client-type", "oneof", "TYPE", ARG_OPTIONAL, ARGS(commands_args_types)},
    {"client-id", "integer", "ID", ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_kill_filters[] = {
    {"client-id", "integer", "ID", ARG_OPTIONAL, NULL, 0},
    {"client-type", "oneof", "TYPE", ARG_OPTIONAL,
     ARGS(commands_args_kill_types)},
    {"username", "string", "USER", ARG_OPTIONAL, NULL, 0},
    {"addr", "string", "ADDR", ARG_OPTIONAL, NULL, 0},
    {"laddr", "string", "LADDR", ARG_OPTIONAL, NULL, 0},
    {"skipme", "string", "SKIPME", ARG_OPTIONAL, NULL, 0},
};

static const struct command_arg commands_args_kill_forms[] = {
    {"ip:port", "string", NULL, 0, NULL, 0},
    {"new-format", "oneof", NULL, ARG_MULTIPLE,
     ARGS(commands_args_kill_filters)},
};

static const struct command_arg commands_args_client_kill[] = {
    {"filter", "oneof", NULL, 0, ARGS(commands_args_kill_forms)},
};

static const struct command_arg commands_args_client_setname[] = {
    {"connection-name", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_on_off[] = {
    {"on", "pure-token", "ON", 0, NULL, 0},
    {"off", "pure-token", "OFF", 0, NULL, 0},
};

static const struct command_arg commands_args_client_no_evict[] = {
    {"enabled", "oneof", NULL, 0, ARGS(commands_args_on_off)},
};

static const struct command_arg commands_args_command_names[] = {
    {"command-name", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_filters[] = {
    {"module-name", "string", "MODULE", 0, NULL, 0},
    {"category", "string", "ACLCAT", 0, NULL, 0},
    {"pattern", "pattern", "PATTERN", 0, NULL, 0},
};

static const struct command_arg commands_args_command_list[] = {
    {"filterby", "oneof", "FILTERBY", ARG_OPTIONAL,
     ARGS(commands_args_filters)},
};

static const struct command_arg commands_args_getkeys[] = {
    {"command", "string", NULL, 0, NULL, 0},
    {"arg", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_acl_cat[] = {
    {"categoryname", "string", NULL, ARG_OPTIONAL, NULL, 0},
};

static const struct command_arg commands_args_acl_user[] = {
    {"username", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_acl_users[] = {
    {"username", "string", NULL, ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_acl_setuser[] = {
    {"username", "string", NULL, 0, NULL, 0},
    {"rule", "string", NULL, ARG_OPTIONAL | ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_master[] = {
    {"master-name", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_monitor[] = {
    {"name", "string", NULL, 0, NULL, 0},
    {"ip", "string", NULL, 0, NULL, 0},
    {"port", "integer", NULL, 0, NULL, 0},
    {"quorum", "integer", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_is_down[] = {
    {"ip", "string", NULL, 0, NULL, 0},
    {"port", "integer", NULL, 0, NULL, 0},
    {"current-epoch", "integer", NULL, 0, NULL, 0},
    {"runid", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_option_value[] = {
    {"option", "string", NULL, 0, NULL, 0},
    {"value", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_sentinel_set[] = {
    {"master-name", "string", NULL, 0, NULL, 0},
    {"data", "block", NULL, ARG_MULTIPLE, ARGS(commands_args_option_value)},
};

static const struct command_arg commands_args_param_value[] = {
    {"parameter", "string", NULL, 0, NULL, 0},
    {"value", "string", NULL, 0, NULL, 0},
};

static const struct command_arg commands_args_config_forms[] = {
    {"set-param-value", "block", "SET", ARG_MULTIPLE,
     ARGS(commands_args_param_value)},
    {"parameter", "string", "GET", 0, NULL, 0},
};

static const struct command_arg commands_args_sentinel_config[] = {
    {"action", "oneof", NULL, 0, ARGS(commands_args_config_forms)},
};

static const struct command_arg commands_args_sentinel_debug[] = {
    {"data", "block", NULL, ARG_OPTIONAL | ARG_MULTIPLE,
     ARGS(commands_args_param_value)},
};

static const struct command_arg commands_args_nodenames[] = {
    {"nodename", "string", NULL, ARG_MULTIPLE, NULL, 0},
};

static const struct command_arg commands_args_failures[] = {
    {"crash-after-election", "pure-token", "CRASH-AFTER-ELECTION", 0, NULL, 0},
    {"crash-after-promotion", "pure-token", "CRASH-AFTER-PROMOTION", 0, NULL,
     0},
    {"help", "pure-token", "HELP", 0, NULL, 0},
};

static const struct command_arg commands_args_simulate[] = {
    {"mode", "oneof", NULL, ARG_OPTIONAL | ARG_MULTIPLE,
     ARGS(commands_args_failures)},
};

static const struct command_arg commands_args_reset[] = {
    {"pattern", "pattern", NULL, 0, NULL, 0},
};

#define CMD_ENTRY(n, full, fn, ar, fl, ifl, acl_, tp, sum, sin, grp, cx)     \
    .name = n, .fullname = full, .handler = fn, .arity = ar, .flags = fl,   \
    .info_flags = ifl, .acl = acl_, .tips = tp, .summary = sum,             \
    .since = sin, .group = grp, .complexity = cx

/* One SENTINEL subcommand: cmd_sentinel dispatches on argv[1] itself. */
#define SENTINEL_SUB(n, ar, sum, sin)                                        \
    CMD_ENTRY(n, "sentinel|" n, cmd_sentinel, ar, 0, "admin", ACL_ADMIN,    \
              NULL, sum, sin, "sentinel", "O(1)")

static const struct command commands_sentinel_subs[] = {
    {SENTINEL_SUB("ckquorum", 3, "Check that enough sentinels are reachable "
                  "to fail the master over", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("config", -3, "Get or set sentinel settings", "6.2.0"),
     .args = ARGS(commands_args_sentinel_config)},
    {SENTINEL_SUB("debug", -2, "Show or change internal timers", "7.0.0"),
     .args = ARGS(commands_args_sentinel_debug)},
    {SENTINEL_SUB("failover", 3, "Fail the master over now, without asking "
                  "other sentinels", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("events", -2, "Show the recent events (sentineld)",
                  "7.0.0")},
    {SENTINEL_SUB("flushconfig", 2, "Rewrite the config file", "2.8.4")},
    {SENTINEL_SUB("get-master-addr-by-name", 3, "Return the address of the "
                  "current master", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {CMD_ENTRY("help", "sentinel|help", cmd_sentinel, 2, 0,
               "loading stale", "@slow", NULL, "Show the SENTINEL help",
               "6.2.0", "sentinel", "O(1)")},
    {SENTINEL_SUB("info-cache", -3, "Return the last INFO output of masters "
                  "and replicas", "3.2.0"),
     .args = ARGS(commands_args_nodenames)},
    {SENTINEL_SUB("is-master-down-by-addr", 6, "Ask whether a master is down "
                  "and ask for a vote", "2.8.4"),
     .args = ARGS(commands_args_is_down)},
    {SENTINEL_SUB("master", 3, "Show the state of one master", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("masters", 2, "Show the state of every master", "2.8.4")},
    {SENTINEL_SUB("monitor", 6, "Start watching a master", "2.8.4"),
     .args = ARGS(commands_args_monitor)},
    {SENTINEL_SUB("myid", 2, "Return this sentinel's id", "6.2.0")},
    {SENTINEL_SUB("pending-scripts", 2, "Show the queued and running "
                  "scripts", "2.8.4")},
    /* The "primary" spellings that newer clients send, as aliases. */
    {SENTINEL_SUB("get-primary-addr-by-name", 3, "Return the address of the "
                  "current primary", "7.0.0"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("is-primary-down-by-addr", 6, "Ask whether a primary is "
                  "down and ask for a vote", "7.0.0"),
     .args = ARGS(commands_args_is_down)},
    {SENTINEL_SUB("primaries", 2, "Show the state of every primary",
                  "7.0.0")},
    {SENTINEL_SUB("primary", 3, "Show the state of one primary", "7.0.0"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("remove", 3, "Stop watching a master", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("replicas", 3, "Show the replicas of a master", "5.0.0"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("reset", 3, "Forget the replicas and sentinels of the "
                  "matching masters", "2.8.4"),
     .args = ARGS(commands_args_reset)},
    {SENTINEL_SUB("sentinels", 3, "Show the other sentinels watching a "
                  "master", "2.8.4"),
     .args = ARGS(commands_args_master)},
    {SENTINEL_SUB("set", -5, "Change the settings of a master", "2.8.4"),
     .args = ARGS(commands_args_sentinel_set)},
    {SENTINEL_SUB("simulate-failure", -3, "Crash at a chosen point of a "
                  "failover, for testing", "3.2.0"),
     .args = ARGS(commands_args_simulate)},
    {SENTINEL_SUB("slaves", 3, "Show the replicas of a master (old name)",
                  "2.8.0"),
     .args = ARGS(commands_args_master)},
};

#define CLIENT_SUB(n, fn, ar, ifl, acl_, tp, sum, sin)                       \
    CMD_ENTRY(n, "client|" n, fn, ar, 0, ifl, acl_, tp, sum, sin,           \
              "connection", "O(1)")

static const struct command commands_client_subs[] = {
    {CLIENT_SUB("getname", commands_client_getname, 2, F_CONN, ACL_CONN,
                NULL, "Return the name of this connection", "2.6.9")},
    {CLIENT_SUB("getredir", commands_client_getredir, 2, F_CONN, ACL_CONN,
                NULL, "Return -1: no client-side caching here", "6.0.0")},
    {CLIENT_SUB("help", commands_client_help, 2, "loading stale", ACL_CONN,
                NULL, "Show the CLIENT help", "5.0.0")},
    {CLIENT_SUB("id", commands_client_id, 2, F_CONN, ACL_CONN, NULL,
                "Return the id of this connection", "5.0.0")},
    {CLIENT_SUB("info", commands_client_info, 2, F_CONN, ACL_CONN,
                "nondeterministic_output", "Describe this connection",
                "6.2.0")},
    {CMD_ENTRY("kill", "client|kill", commands_client_kill, -3, 0, F_ADMIN,
               ACL_ADMIN_CONN, NULL, "Close client connections", "2.4.0",
               "connection", "O(N) where N is the number of connections"),
     .args = ARGS(commands_args_client_kill)},
    {CMD_ENTRY("list", "client|list", commands_client_list, -2, 0, F_ADMIN,
               ACL_ADMIN_CONN, "nondeterministic_output",
               "Describe the client connections", "2.4.0", "connection",
               "O(N) where N is the number of connections"),
     .args = ARGS(commands_args_client_list)},
    {CLIENT_SUB("no-evict", commands_client_no_evict, 3, F_ADMIN,
                ACL_ADMIN_CONN, NULL, "Accepted; clients are never evicted",
                "7.0.0"),
     .args = ARGS(commands_args_client_no_evict)},
    {CLIENT_SUB("setname", commands_client_setname, 3, F_CONN, ACL_CONN,
                NULL, "Name this connection", "2.6.9"),
     .args = ARGS(commands_args_client_setname)},
    {CLIENT_SUB("trackinginfo", commands_client_trackinginfo, 2, F_CONN,
                ACL_CONN, NULL, "Report that client-side caching is off",
                "6.2.0")},
    {CLIENT_SUB("unpause", commands_client_unpause, 2, F_ADMIN,
                ACL_ADMIN_CONN, NULL, "Accepted; clients are never paused",
                "6.2.0")},
};

#define COMMAND_SUB(n, fn, ar, tp, sum, sin, cx)                            \
    CMD_ENTRY(n, "command|" n, fn, ar, 0, "loading stale", ACL_CONN, tp,   \
              sum, sin, "server", cx)

static const struct command commands_command_subs[] = {
    {COMMAND_SUB("count", commands_command_count, 2, NULL,
                 "Return the number of commands", "2.8.13", "O(1)")},
    {COMMAND_SUB("docs", commands_command_docs, -2,
                 "nondeterministic_output_order",
                 "Return the documentation of commands", "7.0.0",
                 "O(N) where N is the number of commands asked for"),
     .args = ARGS(commands_args_command_names)},
    {COMMAND_SUB("getkeys", commands_command_getkeys, -4, NULL,
                 "Return the keys of a command (none here)", "2.8.13",
                 "O(N) where N is the number of arguments"),
     .args = ARGS(commands_args_getkeys)},
    {COMMAND_SUB("getkeysandflags", commands_command_getkeys, -4, NULL,
                 "Return the keys of a command with flags (none here)",
                 "7.0.0", "O(N) where N is the number of arguments"),
     .args = ARGS(commands_args_getkeys)},
    {COMMAND_SUB("help", commands_command_help, 2, NULL,
                 "Show the COMMAND help", "5.0.0", "O(1)")},
    {COMMAND_SUB("info", commands_command_info, -2,
                 "nondeterministic_output_order", "Describe commands",
                 "2.8.13", "O(N) where N is the number of commands asked for"),
     .args = ARGS(commands_args_command_names)},
    {COMMAND_SUB("list", commands_command_list, -2,
                 "nondeterministic_output_order",
                 "Return the names of the commands", "7.0.0",
                 "O(N) where N is the number of commands"),
     .args = ARGS(commands_args_command_list)},
};

static const struct command commands_acl_subs[] = {
    {CMD_ENTRY("cat", "acl|cat", commands_acl_cat, -2, 0, F_CONN, "@slow",
               NULL, "List the ACL categories, or the commands in one",
               "6.0.0", "server", "O(1)"),
     .args = ARGS(commands_args_acl_cat)},
    {CMD_ENTRY("deluser", "acl|deluser", commands_acl_deluser, -3, 0,
               F_ADMIN, ACL_ADMIN, NULL,
               "Remove the specified ACL users and the associated rules",
               "6.0.0", "server", "O(1) amortized time considering the "
               "typical user."),
     .args = ARGS(commands_args_acl_users)},
    {CMD_ENTRY("getuser", "acl|getuser", commands_acl_getuser, 3, 0,
               F_ADMIN, ACL_ADMIN, NULL,
               "Get the rules for a specific ACL user", "6.0.0", "server",
               "O(N). Where N is the number of password, command and "
               "pattern rules that the user has."),
     .args = ARGS(commands_args_acl_user)},
    {CMD_ENTRY("help", "acl|help", commands_acl_help, 2, 0, "loading stale",
               "@slow", NULL, "Show the ACL help", "6.0.0", "server",
               "O(1)")},
    {CMD_ENTRY("list", "acl|list", commands_acl_list, 2, 0, F_ADMIN,
               ACL_ADMIN, NULL,
               "List the current ACL rules in ACL config file format",
               "6.0.0", "server",
               "O(N). Where N is the number of configured users.")},
    {CMD_ENTRY("setuser", "acl|setuser", commands_acl_setuser, -3, 0,
               F_ADMIN, ACL_ADMIN, NULL,
               "Modify or create the rules for a specific ACL user",
               "6.0.0", "server",
               "O(N). Where N is the number of rules provided."),
     .args = ARGS(commands_args_acl_setuser)},
    {CMD_ENTRY("users", "acl|users", commands_acl_users, 2, 0, F_ADMIN,
               ACL_ADMIN, NULL, "List the users", "6.0.0", "server",
               "O(1)")},
    {CMD_ENTRY("whoami", "acl|whoami", commands_acl_whoami, 2, 0, F_CONN,
               "@slow", NULL, "Return the user of this connection", "6.0.0",
               "server", "O(1)")},
};

#define SUBCOMMANDS(a) .subs = a, .sub_count = COUNT_OF(a)

static const struct command commands_top[] = {
    {CMD_ENTRY("acl", "acl", NULL, -2, 0, "", "@slow", NULL,
               "Container for the ACL commands", "6.0.0", "server",
               "Depends on subcommand."),
     SUBCOMMANDS(commands_acl_subs)},
    {CMD_ENTRY("auth", "auth", commands_auth, -2, COMMAND_NO_AUTH,
               F_CONN " fast no_auth allow_busy", "@fast @connection", NULL,
               "Authenticate this connection", "1.0.0", "connection",
               "O(N) where N is the length of the password"),
     .args = ARGS(commands_args_auth)},
    {CMD_ENTRY("client", "client", NULL, -2, 0, "", "@slow", NULL,
               "Container for the connection commands", "2.4.0",
               "connection", "Depends on subcommand."),
     SUBCOMMANDS(commands_client_subs)},
    {CMD_ENTRY("command", "command", commands_command, -1, 0,
               "loading stale", ACL_CONN, "nondeterministic_output_order",
               "Describe every command", "2.8.13", "server",
               "O(N) where N is the number of commands"),
     SUBCOMMANDS(commands_command_subs)},
    {CMD_ENTRY("hello", "hello", commands_hello, -1, COMMAND_NO_AUTH,
               F_CONN " fast no_auth allow_busy", "@fast @connection", NULL,
               "Choose the protocol, and optionally authenticate and name "
               "the connection", "6.0.0", "connection", "O(1)"),
     .args = ARGS(commands_args_hello)},
    {CMD_ENTRY("info", "info", commands_info, -1, 0, "loading stale",
               "@slow @dangerous", "nondeterministic_output "
               "request_policy:all_shards response_policy:special",
               "Report on the server", "1.0.0", "server", "O(1)"),
     .args = ARGS(commands_args_info)},
    {CMD_ENTRY("ping", "ping", commands_ping, -1, COMMAND_PUBSUB_OK, "fast",
               "@fast @connection", "request_policy:all_shards "
               "response_policy:all_succeeded", "Check the connection",
               "1.0.0", "connection", "O(1)"),
     .args = ARGS(commands_args_ping)},
    {CMD_ENTRY("psubscribe", "psubscribe", commands_psubscribe, -2,
               COMMAND_PUBSUB_OK, F_PUBSUB, "@pubsub @slow", NULL,
               "Listen to the channels matching patterns", "2.0.0",
               "pubsub", "O(N) where N is the number of patterns"),
     .args = ARGS(commands_args_patterns)},
    {CMD_ENTRY("publish", "publish", commands_publish, 3, 0,
               "pubsub loading stale fast", "@pubsub @fast", NULL,
               "Hand a hello message to this sentinel", "2.0.0", "pubsub",
               "O(1)"),
     .args = ARGS(commands_args_publish)},
    {CMD_ENTRY("punsubscribe", "punsubscribe", commands_punsubscribe, -1,
               COMMAND_PUBSUB_OK, F_PUBSUB, "@pubsub @slow", NULL,
               "Stop listening to patterns", "2.0.0", "pubsub",
               "O(N) where N is the number of patterns"),
     .args = ARGS(commands_args_opt_patterns)},
    {CMD_ENTRY("role", "role", cmd_role, 1, 0, F_CONN " fast",
               "@admin @fast @dangerous", NULL,
               "Return \"sentinel\" and the watched masters", "2.8.12",
               "server", "O(1)")},
    {CMD_ENTRY("sentinel", "sentinel", NULL, -2, 0, "admin", ACL_ADMIN, NULL,
               "Container for the sentinel commands", "2.8.4", "sentinel",
               "Depends on subcommand."),
     SUBCOMMANDS(commands_sentinel_subs)},
    {CMD_ENTRY("shutdown", "shutdown", commands_shutdown, -1, 0,
               F_ADMIN " no_multi allow_busy", ACL_ADMIN, NULL,
               "Save the config and stop", "1.0.0", "server", "O(1)"),
     .args = ARGS(commands_args_shutdown)},
    {CMD_ENTRY("subscribe", "subscribe", commands_subscribe, -2,
               COMMAND_PUBSUB_OK, F_PUBSUB, "@pubsub @slow", NULL,
               "Listen to channels", "2.0.0", "pubsub",
               "O(N) where N is the number of channels"),
     .args = ARGS(commands_args_channels)},
    {CMD_ENTRY("unsubscribe", "unsubscribe", commands_unsubscribe, -1,
               COMMAND_PUBSUB_OK, F_PUBSUB, "@pubsub @slow", NULL,
               "Stop listening to channels", "2.0.0", "pubsub",
               "O(N) where N is the number of channels"),
     .args = ARGS(commands_args_opt_channels)},
};

static const struct command *commands_all(size_t *count)
{
    *count = COUNT_OF(commands_top);
    return commands_top;
}
