/*
 * acl.c - the users of the sentinel port (see acl.h).
 *
 * Users live in an array sorted by name.  ACL SETUSER works on a copy of
 * the user and swaps it in only when every rule was accepted, so a bad
 * rule changes nothing, as in Redis 7.0.  Command rules are kept in the
 * order given, minus rules made pointless by a later one for the same
 * command, and a permission check reads them from the last: Redis keeps a
 * bitmap instead and prints it back in its own order, which grants the
 * same commands but is not what the user wrote.
 */
#include "app/acl.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

struct acl {
    struct acl_user **users; /* sorted by name, owned */
    size_t count;
};

/* Redis 7.0's reasons, word for word: clients and tests match them. */
static const char acl_syntax_error[] = "Syntax error";
static const char acl_unknown_name[] = "Unknown command or category name in ACL";
static const char acl_no_such_password[] =
    "The password you are trying to remove from the user does not exist";
static const char acl_bad_hash[] = "The password hash must be exactly 64 characters and contain "
                                   "only lowercase hexadecimal characters";
static const char acl_after_allkeys[] =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
static const char acl_after_allchannels[] =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
static const char acl_bad_username[] = "Usernames can't contain spaces or null characters";
static const char acl_no_selectors[] = "Selectors are not supported by this server";

/* The categories of Redis 7.0's ACL CAT. */
static const char *const acl_categories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

#define ACL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- memory and lists ---------------------------------------------------- */

/* The table is tiny and configuration-sized; running out of memory here
 * leaves nothing sensible to do, as in config.c. */
static void *acl_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL) {
        fputs("sentineld: out of memory in the ACL\n", stderr);
        abort();
    }
    return q;
}

static char *acl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = acl_xrealloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

static void acl_list_clear(struct acl_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void acl_list_add(struct acl_list *l, const char *s)
{
    l->items = acl_xrealloc(l->items, (l->count + 1) * sizeof(*l->items));
    l->items[l->count++] = acl_xstrdup(s);
}

static void acl_list_remove_at(struct acl_list *l, size_t i)
{
    free(l->items[i]);
    memmove(&l->items[i], &l->items[i + 1], (l->count - i - 1) * sizeof(*l->items));
    l->count--;
}

static int acl_list_has(const struct acl_list *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

static void acl_list_copy(struct acl_list *dst, const struct acl_list *src)
{
    memset(dst, 0, sizeof(*dst));
    for (size_t i = 0; i < src->count; i++)
        acl_list_add(dst, src->items[i]);
}

/* The list holds exactly one word, w. */
static int acl_list_is(const struct acl_list *l, const char *w)
{
    return l->count == 1 && strcmp(l->items[0], w) == 0;
}

/* --- hashes -------------------------------------------------------------- */

static void acl_hash(const char *pass, size_t len, unsigned char out[ACL_HASH_LEN])
{
    unsigned int n = 0;
    if (EVP_Digest(pass, len, out, &n, EVP_sha256(), NULL) != 1 || n != ACL_HASH_LEN)
        abort();
}

void acl_hash_hex(const unsigned char hash[ACL_HASH_LEN], char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < ACL_HASH_LEN; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[ACL_HASH_HEX_LEN] = '\0';
}

/* Reads "#<hex>" / "!<hex>" (hex after the first byte).  Returns 0 or -1:
 * Redis takes lowercase hex only. */
static int acl_hash_parse(const char *hex, unsigned char out[ACL_HASH_LEN])
{
    if (strlen(hex) != ACL_HASH_HEX_LEN)
        return -1;
    for (size_t i = 0; i < ACL_HASH_HEX_LEN; i++) {
        char c = hex[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (unsigned char)(v << 4);
        else
            out[i / 2] |= (unsigned char)v;
    }
    return 0;
}

static long acl_hash_find(const struct acl_user *u, const unsigned char hash[ACL_HASH_LEN])
{
    for (size_t i = 0; i < u->hash_count; i++)
        if (CRYPTO_memcmp(u->hashes[i], hash, ACL_HASH_LEN) == 0)
            return (long)i;
    return -1;
}

static void acl_hash_add(struct acl_user *u, const unsigned char hash[ACL_HASH_LEN])
{
    u->nopass = 0;
    if (acl_hash_find(u, hash) >= 0)
        return;
    u->hashes = acl_xrealloc(u->hashes, (u->hash_count + 1) * sizeof(*u->hashes));
    memcpy(u->hashes[u->hash_count++], hash, ACL_HASH_LEN);
}

static const char *acl_hash_remove(struct acl_user *u, const unsigned char hash[ACL_HASH_LEN])
{
    long i = acl_hash_find(u, hash);
    if (i < 0)
        return acl_no_such_password;
    memmove(&u->hashes[i], &u->hashes[i + 1], (u->hash_count - (size_t)i - 1) * ACL_HASH_LEN);
    u->hash_count--;
    return NULL;
}

static void acl_hashes_clear(struct acl_user *u)
{
    free(u->hashes);
    u->hashes = NULL;
    u->hash_count = 0;
}

/* --- users --------------------------------------------------------------- */

/* A user as ACL SETUSER creates it: off, no password, no command, no
 * channel (Redis 7.0's acl-pubsub-default is resetchannels). */
static struct acl_user *acl_user_new(const char *name)
{
    struct acl_user *u = acl_xrealloc(NULL, sizeof(*u));
    memset(u, 0, sizeof(*u));
    u->name = acl_xstrdup(name);
    acl_list_add(&u->commands, "-@all");
    return u;
}

static void acl_user_free(struct acl_user *u)
{
    if (u == NULL)
        return;
    free(u->name);
    free(u->hashes);
    acl_list_clear(&u->commands);
    acl_list_clear(&u->keys);
    acl_list_clear(&u->channels);
    free(u);
}

static struct acl_user *acl_user_clone(const struct acl_user *src)
{
    struct acl_user *u = acl_xrealloc(NULL, sizeof(*u));
    *u = *src;
    u->name = acl_xstrdup(src->name);
    u->hashes = NULL;
    if (src->hash_count > 0) {
        u->hashes = acl_xrealloc(NULL, src->hash_count * sizeof(*u->hashes));
        memcpy(u->hashes, src->hashes, src->hash_count * sizeof(*u->hashes));
    }
    acl_list_copy(&u->commands, &src->commands);
    acl_list_copy(&u->keys, &src->keys);
    acl_list_copy(&u->channels, &src->channels);
    return u;
}

/* Where name is, or would go, in the sorted array. */
static size_t acl_position(const struct acl *acl, const char *name, int *found)
{
    size_t lo = 0, hi = acl->count;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(acl->users[mid]->name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Puts u in the table, replacing (and freeing) a user of the same name. */
static void acl_store(struct acl *acl, struct acl_user *u)
{
    int found;
    size_t at = acl_position(acl, u->name, &found);
    if (found) {
        acl_user_free(acl->users[at]);
        acl->users[at] = u;
        return;
    }
    acl->users = acl_xrealloc(acl->users, (acl->count + 1) * sizeof(*acl->users));
    memmove(&acl->users[at + 1], &acl->users[at], (acl->count - at) * sizeof(*acl->users));
    acl->users[at] = u;
    acl->count++;
}

struct acl *acl_new(void)
{
    struct acl *acl = acl_xrealloc(NULL, sizeof(*acl));
    memset(acl, 0, sizeof(*acl));
    struct acl_user *u = acl_user_new(ACL_DEFAULT_USER);
    u->enabled = 1;
    u->nopass = 1;
    acl_list_add(&u->keys, "~*");
    u->all_channels = 1;
    acl_list_clear(&u->commands);
    acl_list_add(&u->commands, "+@all");
    acl_store(acl, u);
    return acl;
}

void acl_free(struct acl *acl)
{
    if (acl == NULL)
        return;
    for (size_t i = 0; i < acl->count; i++)
        acl_user_free(acl->users[i]);
    free(acl->users);
    free(acl);
}

size_t acl_count(const struct acl *acl)
{
    return acl->count;
}

const struct acl_user *acl_at(const struct acl *acl, size_t i)
{
    return i < acl->count ? acl->users[i] : NULL;
}

const struct acl_user *acl_find(const struct acl *acl, const char *name)
{
    int found;
    size_t at = acl_position(acl, name, &found);
    return found ? acl->users[at] : NULL;
}

int acl_deluser(struct acl *acl, const char *name)
{
    int found;
    if (strcmp(name, ACL_DEFAULT_USER) == 0)
        return -1;
    size_t at = acl_position(acl, name, &found);
    if (!found)
        return 0;
    acl_user_free(acl->users[at]);
    memmove(&acl->users[at], &acl->users[at + 1], (acl->count - at - 1) * sizeof(*acl->users));
    acl->count--;
    return 1;
}

/* --- rules --------------------------------------------------------------- */

/* Words that end up in the config file and in replies: no blank, control
 * or non-ASCII byte, so that no rule can smuggle in a line or a word. */
static int acl_word_is_plain(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return 0;
    return 1;
}

static int acl_is_category(const char *name)
{
    for (size_t i = 0; i < ACL_COUNT(acl_categories); i++)
        if (strcmp(acl_categories[i], name) == 0)
            return 1;
    return 0;
}

/* Adds "+target" / "-target" to u's command rules.  An earlier rule for
 * the same target is dropped (the new one overrides it), and so is a rule
 * that only repeats the +@all / -@all it directly follows.  The list is
 * then in a form that reads back the same: a rewrite of the config does
 * not change it again. */
static void acl_commands_add(struct acl_user *u, char sign, const char *target)
{
    struct acl_list *l = &u->commands;
    for (size_t i = l->count; i-- > 1;)
        if (strcmp(l->items[i] + 1, target) == 0)
            acl_list_remove_at(l, i);
    char *rule = acl_xrealloc(NULL, strlen(target) + 2);
    rule[0] = sign;
    strcpy(rule + 1, target);
    l->items = acl_xrealloc(l->items, (l->count + 1) * sizeof(*l->items));
    l->items[l->count++] = rule;
    while (l->count > 1 && l->items[1][0] == l->items[0][0])
        acl_list_remove_at(l, 1);
}

/* Checks the target of a command rule: a category or a known command. */
static const char *acl_check_target(const char *target, const struct acl_catalog *catalog)
{
    if (target[0] == '@')
        return strcmp(target, "@all") == 0 || acl_is_category(target + 1) ? NULL : acl_unknown_name;
    if (target[0] == '\0' || target[0] == '|' || !acl_word_is_plain(target))
        return acl_unknown_name;
    if (catalog != NULL && catalog->command_exists != NULL && !catalog->command_exists(target))
        return acl_unknown_name;
    return NULL;
}

/* +<command>, -<command>, +<command>|<sub>, +@<category>, -@all... */
static const char *acl_apply_command(struct acl_user *u, const char *rule,
                                     const struct acl_catalog *catalog)
{
    size_t n = strlen(rule);
    char *target = acl_xrealloc(NULL, n);
    for (size_t i = 1; i <= n; i++)
        target[i - 1] = (char)tolower((unsigned char)rule[i]);
    const char *why = NULL;
    if (strcmp(target, "@all") == 0) {
        acl_list_clear(&u->commands);
        acl_list_add(&u->commands, rule[0] == '+' ? "+@all" : "-@all");
    } else if ((why = acl_check_target(target, catalog)) == NULL) {
        acl_commands_add(u, rule[0], target);
    }
    free(target);
    return why;
}

/* ~pattern and %R~ / %W~ / %RW~pattern.  ~* is allkeys. */
static const char *acl_apply_key(struct acl_user *u, const char *rule)
{
    int read = 0, write = 0;
    const char *p = rule;
    if (*p == '%') {
        for (p++; *p != '\0' && *p != '~'; p++) {
            if (toupper((unsigned char)*p) == 'R')
                read = 1;
            else if (toupper((unsigned char)*p) == 'W')
                write = 1;
            else
                return acl_syntax_error;
        }
        if (*p != '~' || (!read && !write))
            return acl_syntax_error;
    } else {
        read = write = 1;
    }
    const char *pattern = p + 1;
    if (!acl_word_is_plain(pattern))
        return acl_syntax_error;
    if (read && write && strcmp(pattern, "*") == 0) {
        acl_list_clear(&u->keys);
        acl_list_add(&u->keys, "~*");
        return NULL;
    }
    if (acl_list_has(&u->keys, "~*"))
        return acl_after_allkeys;
    char word[8];
    snprintf(word, sizeof(word), "%s", read && write ? "~" : read ? "%R~" : "%W~");
    char *full = acl_xrealloc(NULL, strlen(word) + strlen(pattern) + 1);
    strcpy(full, word);
    strcat(full, pattern);
    if (!acl_list_has(&u->keys, full))
        acl_list_add(&u->keys, full);
    free(full);
    return NULL;
}

/* &pattern; &* is allchannels. */
static const char *acl_apply_channel(struct acl_user *u, const char *rule)
{
    const char *pattern = rule + 1;
    if (!acl_word_is_plain(pattern))
        return acl_syntax_error;
    if (u->all_channels)
        return acl_after_allchannels;
    if (strcmp(pattern, "*") == 0) {
        u->all_channels = 1;
        acl_list_clear(&u->channels);
    } else if (!acl_list_has(&u->channels, pattern)) {
        acl_list_add(&u->channels, pattern);
    }
    return NULL;
}

/* >pass, <pass, #hash, !hash. */
static const char *acl_apply_password(struct acl_user *u, const char *rule)
{
    unsigned char hash[ACL_HASH_LEN];
    if (rule[0] == '>' || rule[0] == '<')
        acl_hash(rule + 1, strlen(rule + 1), hash);
    else if (acl_hash_parse(rule + 1, hash) < 0)
        return acl_bad_hash;
    if (rule[0] == '<' || rule[0] == '!')
        return acl_hash_remove(u, hash);
    acl_hash_add(u, hash);
    return NULL;
}

/* Redis's "reset": back to a new user's state, with sanitize-payload. */
static void acl_reset(struct acl_user *u)
{
    u->enabled = 0;
    u->nopass = 0;
    u->payload = ACL_PAYLOAD_SANITIZE;
    acl_hashes_clear(u);
    acl_list_clear(&u->keys);
    u->all_channels = 0;
    acl_list_clear(&u->channels);
    acl_list_clear(&u->commands);
    acl_list_add(&u->commands, "-@all");
}

/* The rules that are one keyword.  Returns 1 if rule was one. */
static int acl_apply_keyword(struct acl_user *u, const char *rule)
{
    if (strcasecmp(rule, "on") == 0) {
        u->enabled = 1;
    } else if (strcasecmp(rule, "off") == 0) {
        u->enabled = 0;
    } else if (strcasecmp(rule, "nopass") == 0) {
        acl_hashes_clear(u);
        u->nopass = 1;
    } else if (strcasecmp(rule, "resetpass") == 0) {
        acl_hashes_clear(u);
        u->nopass = 0;
    } else if (strcasecmp(rule, "allkeys") == 0) {
        acl_list_clear(&u->keys);
        acl_list_add(&u->keys, "~*");
    } else if (strcasecmp(rule, "resetkeys") == 0) {
        acl_list_clear(&u->keys);
    } else if (strcasecmp(rule, "allchannels") == 0) {
        u->all_channels = 1;
        acl_list_clear(&u->channels);
    } else if (strcasecmp(rule, "resetchannels") == 0) {
        u->all_channels = 0;
        acl_list_clear(&u->channels);
    } else if (strcasecmp(rule, "allcommands") == 0 || strcasecmp(rule, "nocommands") == 0) {
        acl_list_clear(&u->commands);
        acl_list_add(&u->commands, strcasecmp(rule, "allcommands") == 0 ? "+@all" : "-@all");
    } else if (strcasecmp(rule, "sanitize-payload") == 0) {
        u->payload = ACL_PAYLOAD_SANITIZE;
    } else if (strcasecmp(rule, "skip-sanitize-payload") == 0) {
        u->payload = ACL_PAYLOAD_SKIP;
    } else if (strcasecmp(rule, "reset") == 0) {
        acl_reset(u);
    } else if (strcasecmp(rule, "clearselectors") == 0) {
        /* No selector can exist here: nothing to clear. */
    } else {
        return 0;
    }
    return 1;
}

/* Applies one rule to u.  Returns NULL, or the reason it was refused. */
static const char *acl_apply(struct acl_user *u, const char *rule,
                             const struct acl_catalog *catalog)
{
    if (acl_apply_keyword(u, rule))
        return NULL;
    switch (rule[0]) {
    case '>':
    case '<':
    case '#':
    case '!': return acl_apply_password(u, rule);
    case '~':
    case '%': return acl_apply_key(u, rule);
    case '&': return acl_apply_channel(u, rule);
    case '+':
    case '-': return acl_apply_command(u, rule, catalog);
    case '(': return acl_no_selectors;
    default: return acl_syntax_error;
    }
}

static int acl_name_is_valid(const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* acl_setuser (fresh 0) and acl_define_user (fresh 1). */
static int acl_set(struct acl *acl, const char *name, int argc, char *const *argv,
                   const struct acl_catalog *catalog, int fresh, int *bad, const char **why)
{
    *bad = -1;
    *why = NULL;
    if (!acl_name_is_valid(name)) {
        *why = acl_bad_username;
        return -1;
    }
    const struct acl_user *old = acl_find(acl, name);
    /* A defined user starts from a new user's state.  Redis "reset"s the
     * default user there, which also sets sanitize-payload: a line written
     * without that word would then not read back as it was. */
    struct acl_user *u = old != NULL && !fresh ? acl_user_clone(old) : acl_user_new(name);
    for (int i = 0; i < argc; i++) {
        const char *reason = acl_apply(u, argv[i], catalog);
        if (reason != NULL) {
            *bad = i;
            *why = reason;
            acl_user_free(u);
            return -1;
        }
    }
    acl_store(acl, u);
    return 0;
}

int acl_setuser(struct acl *acl, const char *name, int argc, char *const *argv,
                const struct acl_catalog *catalog, int *bad, const char **why)
{
    return acl_set(acl, name, argc, argv, catalog, 0, bad, why);
}

int acl_define_user(struct acl *acl, const char *name, int argc, char *const *argv,
                    const struct acl_catalog *catalog, int *bad, const char **why)
{
    return acl_set(acl, name, argc, argv, catalog, 1, bad, why);
}

void acl_set_default_password(struct acl *acl, const char *pass)
{
    int found;
    size_t at = acl_position(acl, ACL_DEFAULT_USER, &found);
    if (!found)
        return;
    struct acl_user *u = acl->users[at];
    acl_hashes_clear(u);
    u->nopass = 1;
    if (pass != NULL && pass[0] != '\0') {
        unsigned char hash[ACL_HASH_LEN];
        acl_hash(pass, strlen(pass), hash);
        acl_hash_add(u, hash);
    }
}

/* --- checks -------------------------------------------------------------- */

int acl_authenticate(const struct acl *acl, const char *name, const char *pass, size_t len)
{
    const struct acl_user *u = acl_find(acl, name);
    if (u == NULL || !u->enabled)
        return -1;
    if (u->nopass)
        return 0;
    unsigned char hash[ACL_HASH_LEN];
    acl_hash(pass, len, hash);
    return acl_hash_find(u, hash) >= 0 ? 0 : -1;
}

int acl_default_is_open(const struct acl *acl)
{
    const struct acl_user *u = acl_find(acl, ACL_DEFAULT_USER);
    return u != NULL && u->enabled && u->nopass;
}

int acl_default_is_implied(const struct acl *acl, const char *requirepass)
{
    const struct acl_user *u = acl_find(acl, ACL_DEFAULT_USER);
    if (u == NULL || !u->enabled || u->payload != ACL_PAYLOAD_UNSET ||
        !acl_list_is(&u->keys, "~*") || !u->all_channels || !acl_list_is(&u->commands, "+@all"))
        return 0;
    if (requirepass == NULL || requirepass[0] == '\0')
        return u->nopass && u->hash_count == 0;
    unsigned char hash[ACL_HASH_LEN];
    acl_hash(requirepass, strlen(requirepass), hash);
    return !u->nopass && u->hash_count == 1 && acl_hash_find(u, hash) == 0;
}

/* Whether the space-separated list words holds word (case-insensitive). */
static int acl_words_have(const char *words, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = words; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ' ');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && strncasecmp(p, word, n) == 0)
            return 1;
        p = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

/* Whether a rule target ("@admin", "sentinel", "sentinel|masters") covers
 * the command. */
static int acl_target_matches(const char *target, const char *command, const char *sub,
                              const char *categories)
{
    if (target[0] == '@')
        return strcmp(target, "@all") == 0 || acl_words_have(categories, target);
    const char *bar = strchr(target, '|');
    if (bar == NULL)
        return strcasecmp(target, command) == 0;
    size_t n = (size_t)(bar - target);
    return sub != NULL && strlen(command) == n && strncasecmp(target, command, n) == 0 &&
           strcasecmp(bar + 1, sub) == 0;
}

int acl_can_run(const struct acl_user *u, const char *command, const char *sub,
                const char *categories)
{
    if (u == NULL)
        return 0;
    for (size_t i = u->commands.count; i-- > 0;) {
        const char *rule = u->commands.items[i];
        if (acl_target_matches(rule + 1, command, sub, categories))
            return rule[0] == '+';
    }
    return 0;
}

int acl_can_use_channel(const struct acl_user *u, const char *channel, size_t len, int pattern)
{
    if (u == NULL)
        return 0;
    if (u->all_channels)
        return 1;
    /* Patterns are C strings: a name with a NUL byte matches none. */
    if (memchr(channel, '\0', len) != NULL)
        return 0;
    for (size_t i = 0; i < u->channels.count; i++) {
        const char *p = u->channels.items[i];
        if (pattern ? strcmp(p, channel) == 0 : fnmatch(p, channel, 0) == 0)
            return 1;
    }
    return 0;
}

int acl_check_catalog(const struct acl *acl, const struct acl_catalog *catalog, const char **user,
                      const char **rule)
{
    for (size_t i = 0; i < acl->count; i++) {
        const struct acl_user *u = acl->users[i];
        for (size_t k = 0; k < u->commands.count; k++) {
            if (acl_check_target(u->commands.items[k] + 1, catalog) == NULL)
                continue;
            *user = u->name;
            *rule = u->commands.items[k];
            return -1;
        }
    }
    return 0;
}

/* --- descriptions -------------------------------------------------------- */

static void acl_words_add(char ***words, int *count, const char *prefix, const char *w)
{
    char *s = acl_xrealloc(NULL, strlen(prefix) + strlen(w) + 1);
    strcpy(s, prefix);
    strcat(s, w);
    *words = acl_xrealloc(*words, (size_t)(*count + 1) * sizeof(**words));
    (*words)[(*count)++] = s;
}

char **acl_describe(const struct acl_user *u, int *count)
{
    char **words = NULL;
    char hex[ACL_HASH_HEX_LEN + 1];
    *count = 0;
    acl_words_add(&words, count, "", u->enabled ? "on" : "off");
    if (u->nopass)
        acl_words_add(&words, count, "", "nopass");
    if (u->payload != ACL_PAYLOAD_UNSET)
        acl_words_add(&words, count, "",
                      u->payload == ACL_PAYLOAD_SKIP ? "skip-sanitize-payload"
                                                     : "sanitize-payload");
    for (size_t i = 0; i < u->hash_count; i++) {
        acl_hash_hex(u->hashes[i], hex);
        acl_words_add(&words, count, "#", hex);
    }
    for (size_t i = 0; i < u->keys.count; i++)
        acl_words_add(&words, count, "", u->keys.items[i]);
    acl_words_add(&words, count, "", u->all_channels ? "&*" : "resetchannels");
    for (size_t i = 0; i < u->channels.count; i++)
        acl_words_add(&words, count, "&", u->channels.items[i]);
    for (size_t i = 0; i < u->commands.count; i++)
        acl_words_add(&words, count, "", u->commands.items[i]);
    return words;
}

void acl_words_free(char **words, int count)
{
    for (int i = 0; i < count; i++)
        free(words[i]);
    free(words);
}

/* Joins count words with single spaces, each after prefix. */
static char *acl_join_words(char *const *words, size_t count, const char *prefix)
{
    size_t len = 1, plen = strlen(prefix);
    for (size_t i = 0; i < count; i++)
        len += plen + strlen(words[i]) + 1;
    char *s = acl_xrealloc(NULL, len);
    s[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            strcat(s, " ");
        strcat(s, prefix);
        strcat(s, words[i]);
    }
    return s;
}

char *acl_describe_line(const struct acl_user *u)
{
    int count;
    char **words = acl_describe(u, &count);
    char *line = acl_join_words(words, (size_t)count, "");
    acl_words_free(words, count);
    return line;
}

char *acl_join(const struct acl_list *list, const char *prefix)
{
    return acl_join_words(list->items, list->count, prefix);
}
