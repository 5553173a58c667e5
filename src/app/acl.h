/*
 * acl.h - the users of the sentinel port: Redis's ACL as far as a sentinel
 * needs it.
 *
 * A user has a name, is on or off, and is reached with one of its
 * passwords (kept only as SHA-256 hashes, as Redis keeps them) or with any
 * password when it is nopass.  What it may run is an ordered list of
 * command rules: the first is +@all or -@all, the others +/- a category
 * (@admin), a command (sentinel) or a subcommand (sentinel|masters); the
 * last rule that names a command decides.  Channel patterns (&pattern,
 * &* for all) guard PUBLISH and (P)SUBSCRIBE.  Key patterns (~*, %R~x) are
 * accepted and kept so that a server's `user` lines load, but a sentinel
 * has no keys to guard.  Selectors are refused.
 *
 * The rules are the words of Redis's `user` directive and ACL SETUSER,
 * with Redis 7.0's error texts.  Everything here is pure: no I/O, no
 * clock; a user table can be built and checked under unit tests.
 */
#ifndef SENTINELD_APP_ACL_H
#define SENTINELD_APP_ACL_H

#include <stddef.h>

#define ACL_HASH_LEN 32                     /* SHA-256 */
#define ACL_HASH_HEX_LEN (ACL_HASH_LEN * 2) /* "#<64 lowercase hex>" */
#define ACL_DEFAULT_USER "default"

/* sanitize-payload / skip-sanitize-payload: shown as set, nothing else. */
enum acl_payload {
    ACL_PAYLOAD_UNSET,
    ACL_PAYLOAD_SANITIZE,
    ACL_PAYLOAD_SKIP,
};

/* A list of owned strings. */
struct acl_list {
    char **items;
    size_t count;
};

/* One user.  Read-only outside acl.c. */
struct acl_user {
    char *name;
    int enabled; /* on / off */
    int nopass;  /* any password is accepted */
    enum acl_payload payload;
    unsigned char (*hashes)[ACL_HASH_LEN];
    size_t hash_count;
    struct acl_list commands; /* "+@all", "-sentinel|reset"...: items[0] is +@all or -@all */
    struct acl_list keys;     /* "~*", "%R~cache:*", as Redis describes them */
    int all_channels;         /* &* */
    struct acl_list channels; /* patterns, without the '&' */
};

struct acl;

/* What the command table knows, so that rules naming commands can be
 * checked.  command_exists returns 1 if name is a command ("ping") or a
 * subcommand ("sentinel|masters") the server runs, else 0. */
struct acl_catalog {
    int (*command_exists)(const char *name);
};

/* Creates a table holding Redis's initial default user: on, nopass, ~*,
 * &*, +@all.  Aborts on out-of-memory. */
struct acl *acl_new(void);

/* Frees the table and its users; NULL is a no-op. */
void acl_free(struct acl *acl);

/* Number of users, and the i-th in name order (byte order, as ACL LIST
 * and ACL USERS list them).  Borrowed until the table changes. */
size_t acl_count(const struct acl *acl);
const struct acl_user *acl_at(const struct acl *acl, size_t i);

/* The user called name, or NULL.  Borrowed until the table changes. */
const struct acl_user *acl_find(const struct acl *acl, const char *name);

/* Applies rules (argc words, each a C string) to user name, creating it
 * (off, no password, -@all, no channels) if it does not exist.  All or
 * nothing: on error the table is unchanged.  A rule naming a command is
 * checked against catalog; a NULL catalog accepts any well-formed name.
 * Returns 0, or -1 with *bad set to the index of the refused rule (-1 when
 * the name itself is refused) and *why to Redis's static reason text. */
int acl_setuser(struct acl *acl, const char *name, int argc, char *const *argv,
                const struct acl_catalog *catalog, int *bad, const char **why);

/* Applies Redis's `user` config directive semantics: like acl_setuser,
 * but an existing user (the default one included) is first reset to the
 * state of a new user. */
int acl_define_user(struct acl *acl, const char *name, int argc, char *const *argv,
                    const struct acl_catalog *catalog, int *bad, const char **why);

/* Removes user name.  Returns 1 if removed, 0 if there was none, -1 for
 * the default user, which cannot be removed. */
int acl_deluser(struct acl *acl, const char *name);

/* Gives the default user exactly one password (requirepass), or makes it
 * nopass when pass is NULL or "", as Redis's requirepass does. */
void acl_set_default_password(struct acl *acl, const char *pass);

/* Checks a user name / password pair (pass is len bytes, any bytes).
 * Returns 0 when the user exists, is on, and takes the password; -1
 * otherwise (the caller replies WRONGPASS without saying which). */
int acl_authenticate(const struct acl *acl, const char *name, const char *pass, size_t len);

/* 1 when the default user is on and nopass: connections need no AUTH
 * (and protected mode applies), as in Redis. */
int acl_default_is_open(const struct acl *acl);

/* 1 when the default user is what a config without `user default` line
 * gives it: the initial state, or that state with requirepass's password.
 * The rewrite then needs no `user default` line. */
int acl_default_is_implied(const struct acl *acl, const char *requirepass);

/* 1 when u may run command (lower or any case), sub (NULL for a command
 * without subcommands) whose ACL categories are categories ("@admin @slow",
 * may be NULL), else 0.  u NULL: 0. */
int acl_can_run(const struct acl_user *u, const char *command, const char *sub,
                const char *categories);

/* 1 when u may use channel (len bytes): for a pattern (PSUBSCRIBE) the
 * user needs that very pattern or &*, as in Redis; otherwise one of its
 * patterns must match.  u NULL: 0. */
int acl_can_use_channel(const struct acl_user *u, const char *channel, size_t len, int pattern);

/* Redis's description of u, the words after "user <name>" in ACL LIST and
 * in the config file ("on", "#<hash>", "~*", "&*", "+@all").  Returns a
 * malloc'd array of *count malloc'd words (free with acl_words_free). */
char **acl_describe(const struct acl_user *u, int *count);

/* The same words joined by single spaces, malloc'd. */
char *acl_describe_line(const struct acl_user *u);

/* Frees what acl_describe returned; NULL is a no-op. */
void acl_words_free(char **words, int count);

/* The command rules joined by spaces (ACL GETUSER "commands"), malloc'd. */
char *acl_join(const struct acl_list *list, const char *prefix);

/* Writes the lowercase hex of a password hash (ACL_HASH_HEX_LEN + 1
 * bytes). */
void acl_hash_hex(const unsigned char hash[ACL_HASH_LEN], char *out);

/* Checks every command rule of every user against catalog.  Returns 0, or
 * -1 with *user and *rule naming the first unknown one (borrowed). */
int acl_check_catalog(const struct acl *acl, const struct acl_catalog *catalog, const char **user,
                      const char **rule);

#endif
