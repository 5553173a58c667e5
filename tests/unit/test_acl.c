/*
 * test_acl.c - the users of the sentinel port: rules as Redis 7.0 reads
 * them, descriptions as its ACL LIST prints them (the expected lines were
 * printed by Debian's redis-sentinel 7.0.15 where the two agree),
 * passwords kept as SHA-256, permission and channel checks, and the
 * all-or-nothing ACL SETUSER.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/acl.h"
#include "app/config.h"
#include "core/core.h"

/* sha256("secret") and sha256("alicepw"), as redis-sentinel shows them. */
#define SECRET_HASH "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
#define ALICEPW_HASH "6624974ea2baffac164422e4490376c1c31313cd97724ae8ce62fb3f0a0370f2"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL_CATS "@admin @slow @dangerous"

/* The commands of a tiny catalog, for checking rule names. */
static int known_command(const char *name)
{
    static const char *const names[] = {"ping",    "sentinel", "sentinel|masters", "sentinel|reset",
                                        "publish", "acl",      "acl|whoami"};
    for (size_t i = 0; i < COUNT_OF(names); i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static const struct acl_catalog CATALOG = {known_command};

/* Splits a rule string on spaces and applies it with ACL SETUSER. */
static int setuser(struct acl *acl, const char *name, const char *rules, int *bad, const char **why)
{
    char *copy = strdup(rules);
    char *words[32];
    int n = 0;
    for (char *w = strtok(copy, " "); w != NULL && n < 32; w = strtok(NULL, " "))
        words[n++] = w;
    int rc = acl_setuser(acl, name, n, words, &CATALOG, bad, why);
    free(copy);
    return rc;
}

static void setuser_ok(struct acl *acl, const char *name, const char *rules)
{
    int bad;
    const char *why;
    if (setuser(acl, name, rules, &bad, &why) != 0)
        fail_msg("'%s' refused at rule %d: %s", rules, bad, why);
}

static void assert_described(const struct acl *acl, const char *name, const char *want)
{
    const struct acl_user *u = acl_find(acl, name);
    assert_non_null(u);
    char *line = acl_describe_line(u);
    assert_string_equal(line, want);
    free(line);
}

static void test_default_user(void **state)
{
    struct acl *acl = acl_new();
    assert_int_equal(acl_count(acl), 1);
    assert_described(acl, "default", "on nopass ~* &* +@all");
    assert_true(acl_default_is_open(acl));
    assert_true(acl_default_is_implied(acl, NULL));
    assert_int_equal(acl_authenticate(acl, "default", "anything", 8), 0);
    assert_int_equal(acl_authenticate(acl, "nobody", "x", 1), -1);
    acl_free(acl);
    acl_free(NULL);
}

static void test_requirepass(void **state)
{
    struct acl *acl = acl_new();
    acl_set_default_password(acl, "secret");
    assert_described(acl, "default", "on #" SECRET_HASH " ~* &* +@all");
    assert_false(acl_default_is_open(acl));
    assert_true(acl_default_is_implied(acl, "secret"));
    assert_false(acl_default_is_implied(acl, "other"));
    assert_false(acl_default_is_implied(acl, NULL));
    assert_int_equal(acl_authenticate(acl, "default", "secret", 6), 0);
    assert_int_equal(acl_authenticate(acl, "default", "secreT", 6), -1);
    /* The length counts: a NUL byte is part of the password. */
    assert_int_equal(acl_authenticate(acl, "default", "secret\0", 7), -1);
    setuser_ok(acl, "default", ">second");
    assert_false(acl_default_is_implied(acl, "secret"));
    assert_int_equal(acl_authenticate(acl, "default", "second", 6), 0);
    acl_set_default_password(acl, "");
    assert_true(acl_default_is_open(acl));
    acl_free(acl);
}

/* The lines of Redis's own ACL LIST for the same rules. */
static void test_descriptions_match_redis(void **state)
{
    struct acl *acl = acl_new();
    setuser_ok(acl, "alice", "on >alicepw ~* &* +@all");
    setuser_ok(acl, "bob", "on #" SECRET_HASH " -@all +ping +sentinel|masters");
    setuser_ok(acl, "carol", "off >x");
    setuser_ok(acl, "dave", "on nopass +@all");
    setuser_ok(acl, "x", "%RW~a %W~b %R~c resetchannels &foo* skip-sanitize-payload");
    assert_described(acl, "alice", "on #" ALICEPW_HASH " ~* &* +@all");
    assert_described(acl, "bob",
                     "on #" SECRET_HASH " resetchannels -@all +ping "
                     "+sentinel|masters");
    assert_described(acl, "carol",
                     "off #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717"
                     "921a4881 resetchannels -@all");
    assert_described(acl, "dave", "on nopass resetchannels +@all");
    assert_described(acl, "x", "off skip-sanitize-payload ~a %W~b %R~c resetchannels &foo* -@all");
    /* ACL LIST order: by name, bytewise. */
    static const char *const order[] = {"alice", "bob", "carol", "dave", "default", "x"};
    assert_int_equal(acl_count(acl), COUNT_OF(order));
    for (size_t i = 0; i < COUNT_OF(order); i++)
        assert_string_equal(acl_at(acl, i)->name, order[i]);
    assert_null(acl_at(acl, COUNT_OF(order)));
    setuser_ok(acl, "x", "reset");
    assert_described(acl, "x", "off sanitize-payload resetchannels -@all");
    acl_free(acl);
}

static void test_refused_rules(void **state)
{
    static const struct {
        const char *rules;
        int bad;
        const char *why_prefix;
    } cases[] = {
        {"on foo", 1, "Syntax error"},
        {"+nosuch", 0, "Unknown command or category name in ACL"},
        {"+@nosuch", 0, "Unknown command or category name in ACL"},
        {"+sentinel|nosuch", 0, "Unknown command or category name in ACL"},
        {"<notthere", 0, "The password you are trying to remove"},
        {"#abc", 0, "The password hash must be exactly 64"},
        {"#" ALICEPW_HASH "A", 0, "The password hash must be exactly 64"},
        {"!" ALICEPW_HASH, 0, "The password you are trying to remove"},
        {"~* ~a", 1, "Adding a pattern after the * pattern (or the 'allkeys'"},
        {"&* &a", 1, "Adding a pattern after the * pattern (or the 'allchannels'"},
        {"%X~a", 0, "Syntax error"},
        {"%~a", 0, "Syntax error"},
        {"(+ping)", 0, "Selectors are not supported"},
    };
    struct acl *acl = acl_new();
    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        int bad = -2;
        const char *why = NULL;
        assert_int_equal(setuser(acl, "u", cases[i].rules, &bad, &why), -1);
        assert_int_equal(bad, cases[i].bad);
        assert_non_null(why);
        assert_memory_equal(why, cases[i].why_prefix, strlen(cases[i].why_prefix));
        /* All or nothing: the user was never created. */
        assert_null(acl_find(acl, "u"));
    }
    /* Control bytes in a pattern could break a config line. */
    char *nl[] = {"~a\nuser evil on nopass +@all"};
    int bad;
    const char *why;
    assert_int_equal(acl_setuser(acl, "u", 1, nl, &CATALOG, &bad, &why), -1);
    assert_int_equal(acl_setuser(acl, "a b", 0, NULL, &CATALOG, &bad, &why), -1);
    assert_int_equal(bad, -1);
    assert_string_equal(why, "Usernames can't contain spaces or null characters");
    assert_int_equal(acl_setuser(acl, "a\nb", 0, NULL, &CATALOG, &bad, &why), -1);
    acl_free(acl);
}

static void test_setuser_is_atomic(void **state)
{
    struct acl *acl = acl_new();
    int bad;
    const char *why;
    setuser_ok(acl, "u", "on >one +ping");
    assert_int_equal(setuser(acl, "u", "off >two +nosuch", &bad, &why), -1);
    assert_int_equal(bad, 2);
    assert_int_equal(acl_authenticate(acl, "u", "one", 3), 0);
    assert_int_equal(acl_authenticate(acl, "u", "two", 3), -1);
    assert_true(acl_can_run(acl_find(acl, "u"), "ping", NULL, "@fast @connection"));
    acl_free(acl);
}

static void test_passwords(void **state)
{
    struct acl *acl = acl_new();
    setuser_ok(acl, "u", "on >one >two >one");
    assert_int_equal(acl_find(acl, "u")->hash_count, 2);
    assert_int_equal(acl_authenticate(acl, "u", "two", 3), 0);
    setuser_ok(acl, "u", "<two");
    assert_int_equal(acl_authenticate(acl, "u", "two", 3), -1);
    setuser_ok(acl, "u", "#" ALICEPW_HASH);
    assert_int_equal(acl_authenticate(acl, "u", "alicepw", 7), 0);
    setuser_ok(acl, "u", "!" ALICEPW_HASH);
    assert_int_equal(acl_authenticate(acl, "u", "alicepw", 7), -1);
    setuser_ok(acl, "u", "nopass");
    assert_int_equal(acl_authenticate(acl, "u", "whatever", 8), 0);
    assert_int_equal(acl_find(acl, "u")->hash_count, 0);
    /* Adding a password ends nopass. */
    setuser_ok(acl, "u", ">three");
    assert_int_equal(acl_authenticate(acl, "u", "whatever", 8), -1);
    setuser_ok(acl, "u", "resetpass");
    assert_int_equal(acl_authenticate(acl, "u", "three", 5), -1);
    /* A disabled user takes no password at all. */
    setuser_ok(acl, "u", "nopass off");
    assert_int_equal(acl_authenticate(acl, "u", "", 0), -1);
    /* Keywords are case-insensitive, as in Redis. */
    setuser_ok(acl, "u", "ON NoPass");
    assert_int_equal(acl_authenticate(acl, "u", "", 0), 0);
    acl_free(acl);
}

static void test_command_rules(void **state)
{
    struct acl *acl = acl_new();
    setuser_ok(acl, "u", "on nopass -@all +PING +sentinel|masters");
    const struct acl_user *u = acl_find(acl, "u");
    assert_true(acl_can_run(u, "ping", NULL, "@fast @connection"));
    assert_true(acl_can_run(u, "PING", NULL, "@fast @connection"));
    assert_true(acl_can_run(u, "sentinel", "masters", SENTINEL_CATS));
    assert_true(acl_can_run(u, "sentinel", "MASTERS", SENTINEL_CATS));
    assert_false(acl_can_run(u, "sentinel", "reset", SENTINEL_CATS));
    assert_false(acl_can_run(u, "publish", NULL, "@pubsub @fast"));

    setuser_ok(acl, "u", "+@all -sentinel +sentinel|masters");
    u = acl_find(acl, "u");
    assert_true(acl_can_run(u, "sentinel", "masters", SENTINEL_CATS));
    assert_false(acl_can_run(u, "sentinel", "reset", SENTINEL_CATS));
    assert_true(acl_can_run(u, "ping", NULL, "@fast @connection"));

    /* The last rule naming a command decides. */
    setuser_ok(acl, "u", "-@all +sentinel|masters -sentinel");
    u = acl_find(acl, "u");
    assert_false(acl_can_run(u, "sentinel", "masters", SENTINEL_CATS));
    setuser_ok(acl, "u", "+@all -@admin");
    u = acl_find(acl, "u");
    assert_false(acl_can_run(u, "sentinel", "masters", SENTINEL_CATS));
    assert_true(acl_can_run(u, "ping", NULL, "@fast @connection"));
    assert_false(acl_can_run(NULL, "ping", NULL, "@fast"));
    acl_free(acl);
}

/* +@all and -@all start over; a repeated rule replaces the earlier one. */
static void test_command_rules_stay_short(void **state)
{
    struct acl *acl = acl_new();
    setuser_ok(acl, "u", "+ping +ping -ping");
    assert_described(acl, "u", "off resetchannels -@all");
    setuser_ok(acl, "u", "+ping +sentinel -ping +ping");
    assert_described(acl, "u", "off resetchannels -@all +sentinel +ping");
    setuser_ok(acl, "u", "allcommands");
    assert_described(acl, "u", "off resetchannels +@all");
    setuser_ok(acl, "u", "-sentinel|reset nocommands +@pubsub");
    assert_described(acl, "u", "off resetchannels -@all +@pubsub");
    /* Dropping a rule can leave the next one repeating -@all: it goes
     * too, so that the description reads back as itself. */
    setuser_ok(acl, "u", "-publish +@pubsub");
    assert_described(acl, "u", "off resetchannels -@all +@pubsub");
    setuser_ok(acl, "u", "nocommands +@pubsub -publish +@pubsub -ping");
    assert_described(acl, "u", "off resetchannels -@all +@pubsub -ping");
    char *join = acl_join(&acl_find(acl, "u")->commands, "");
    assert_string_equal(join, "-@all +@pubsub -ping");
    free(join);
    acl_free(acl);
}

static void test_channels(void **state)
{
    struct acl *acl = acl_new();
    setuser_ok(acl, "u", "on nopass +@all &foo* &bar");
    const struct acl_user *u = acl_find(acl, "u");
    assert_true(acl_can_use_channel(u, "foo1", 4, 0));
    assert_true(acl_can_use_channel(u, "bar", 3, 0));
    assert_false(acl_can_use_channel(u, "baz", 3, 0));
    /* PSUBSCRIBE needs the very pattern. */
    assert_true(acl_can_use_channel(u, "foo*", 4, 1));
    assert_false(acl_can_use_channel(u, "foo1*", 5, 1));
    assert_false(acl_can_use_channel(u, "foo\0x", 5, 0));
    assert_true(acl_can_use_channel(acl_find(acl, "default"), "any\0thing", 9, 1));
    setuser_ok(acl, "u", "resetchannels");
    assert_false(acl_can_use_channel(acl_find(acl, "u"), "foo1", 4, 0));
    assert_false(acl_can_use_channel(NULL, "x", 1, 0));
    acl_free(acl);
}

static void test_define_and_delete(void **state)
{
    struct acl *acl = acl_new();
    char *rules[] = {"on", ">pw"};
    int bad;
    const char *why;
    /* A `user default` line starts from a new user: no command at all. */
    assert_int_equal(acl_define_user(acl, "default", 2, rules, NULL, &bad, &why), 0);
    assert_described(acl, "default",
                     "on #"
                     "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
                     " resetchannels -@all");
    assert_false(acl_default_is_open(acl));
    assert_false(acl_default_is_implied(acl, "pw"));
    assert_int_equal(acl_deluser(acl, "default"), -1);
    setuser_ok(acl, "u", "on");
    assert_int_equal(acl_deluser(acl, "u"), 1);
    assert_int_equal(acl_deluser(acl, "u"), 0);
    assert_int_equal(acl_count(acl), 1);
    acl_free(acl);
}

static void test_catalog(void **state)
{
    struct acl *acl = acl_new();
    int bad;
    const char *why;
    const char *user = NULL, *rule = NULL;
    /* Without a catalog any well-formed name is kept... */
    char *rules[] = {"+ping", "-nosuch|thing"};
    assert_int_equal(acl_setuser(acl, "u", 2, rules, NULL, &bad, &why), 0);
    /* ...and the check names the first unknown one. */
    assert_int_equal(acl_check_catalog(acl, &CATALOG, &user, &rule), -1);
    assert_string_equal(user, "u");
    assert_string_equal(rule, "-nosuch|thing");
    assert_int_equal(acl_deluser(acl, "u"), 1);
    assert_int_equal(acl_check_catalog(acl, &CATALOG, &user, &rule), 0);
    acl_free(acl);
}

static void test_describe_words(void **state)
{
    struct acl *acl = acl_new();
    int count;
    char **words = acl_describe(acl_find(acl, "default"), &count);
    static const char *const want[] = {"on", "nopass", "~*", "&*", "+@all"};
    assert_int_equal(count, COUNT_OF(want));
    for (int i = 0; i < count; i++)
        assert_string_equal(words[i], want[i]);
    acl_words_free(words, count);
    acl_words_free(NULL, 0);
    char hex[ACL_HASH_HEX_LEN + 1];
    unsigned char zero[ACL_HASH_LEN] = {0};
    acl_hash_hex(zero, hex);
    assert_int_equal(strlen(hex), ACL_HASH_HEX_LEN);
    acl_free(acl);
}

/* --- the `user` directive and the rewrite ------------------------------- */

#define MYID "0123456789abcdef0123456789abcdef01234567"

static int parse(struct config *cfg, const char *text, char *err, size_t errlen)
{
    config_defaults(cfg);
    return config_parse_text(cfg, "sentinel.conf", text, strlen(text), err, errlen);
}

/* Renders cfg as the rewrite would write it over old. */
static char *render(const struct config *cfg, const char *old)
{
    static const struct core_time now = {1000000, 1700000000000LL};
    char err[256];
    struct core *core = core_new(MYID, 1);
    assert_int_equal(config_apply(cfg, core, &now, err, sizeof(err)), 0);
    char *text = config_render(cfg, core, old, old ? strlen(old) : 0);
    assert_non_null(text);
    core_free(core);
    return text;
}

/* Every user of a and b, described, is the same. */
static void assert_same_users(const struct acl *a, const struct acl *b)
{
    assert_int_equal(acl_count(a), acl_count(b));
    for (size_t i = 0; i < acl_count(a); i++) {
        char *la = acl_describe_line(acl_at(a, i)), *lb = acl_describe_line(acl_at(b, i));
        assert_string_equal(acl_at(a, i)->name, acl_at(b, i)->name);
        assert_string_equal(la, lb);
        free(la);
        free(lb);
    }
}

static void test_config_users_round_trip(void **state)
{
    static const char text[] = "port 26379\n"
                               "requirepass toppass\n"
                               "user alice on >alicepw ~* &* +@all\n"
                               "user bob on #" SECRET_HASH " -@all +ping +sentinel|masters\n"
                               "sentinel monitor m 127.0.0.1 6379 2\n";
    struct config cfg, again;
    char err[256];
    assert_int_equal(parse(&cfg, text, err, sizeof(err)), 0);
    assert_int_equal(acl_authenticate(cfg.acl, "default", "toppass", 7), 0);
    assert_int_equal(acl_authenticate(cfg.acl, "alice", "alicepw", 7), 0);
    char *out = render(&cfg, text);
    /* Users stay where they were, passwords only as hashes, written bare;
     * the default user is what requirepass makes it: no line for it. */
    assert_non_null(strstr(out, "requirepass toppass\nuser alice on #" ALICEPW_HASH
                                " ~* &* +@all\nuser bob on #" SECRET_HASH
                                " resetchannels -@all +ping +sentinel|masters\n"));
    assert_null(strstr(out, "alicepw"));
    assert_null(strstr(out, "user default"));
    assert_int_equal(parse(&again, out, err, sizeof(err)), 0);
    assert_same_users(cfg.acl, again.acl);
    char *out2 = render(&again, out);
    assert_string_equal(out, out2);
    free(out2);
    free(out);
    config_clear(&again);
    /* A changed default user gets its line, and keeps it. */
    char *more[] = {">second"};
    int bad;
    const char *why;
    assert_int_equal(acl_setuser(cfg.acl, "default", 1, more, NULL, &bad, &why), 0);
    out = render(&cfg, text);
    assert_non_null(strstr(out, "\nuser default on #"));
    assert_int_equal(parse(&again, out, err, sizeof(err)), 0);
    assert_same_users(cfg.acl, again.acl);
    assert_int_equal(acl_authenticate(again.acl, "default", "second", 6), 0);
    free(out);
    config_clear(&again);
    config_clear(&cfg);
}

/* Redis loads `user` lines after the rest: a `user default` line wins
 * over requirepass wherever it stands, and starts the user over. */
static void test_config_user_default_wins(void **state)
{
    struct config cfg;
    char err[256];
    assert_int_equal(parse(&cfg, "user default on >pw\nrequirepass other\n", err, sizeof(err)), 0);
    assert_int_equal(acl_authenticate(cfg.acl, "default", "pw", 2), 0);
    assert_int_equal(acl_authenticate(cfg.acl, "default", "other", 5), -1);
    assert_false(acl_can_run(acl_find(cfg.acl, "default"), "ping", NULL, "@fast"));
    config_clear(&cfg);
    assert_int_equal(parse(&cfg, "requirepass other\n", err, sizeof(err)), 0);
    assert_int_equal(acl_authenticate(cfg.acl, "default", "other", 5), 0);
    assert_false(acl_default_is_open(cfg.acl));
    config_clear(&cfg);
    assert_int_equal(parse(&cfg, "port 1\n", err, sizeof(err)), 0);
    assert_true(acl_default_is_open(cfg.acl));
    config_clear(&cfg);
}

static void test_config_bad_user_lines(void **state)
{
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"user alice on >a\nuser alice on >b\n",
         "sentinel.conf:2: Error in user declaration 'alice': Duplicate user found"},
        {"user default on\nuser default off\n",
         "sentinel.conf:2: Error in user declaration 'default': Duplicate user found"},
        {"port 1\nuser alice on foo\n",
         "sentinel.conf:2: Error in user declaration 'alice': Syntax error in 'foo'"},
        {"user alice (+ping)\n", "sentinel.conf:1: Error in user declaration 'alice': "
                                 "Selectors are not supported"},
        {"user\n", "sentinel.conf:1: wrong number of arguments for 'user'"},
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        struct config cfg;
        char err[512];
        assert_int_equal(parse(&cfg, cases[i].text, err, sizeof(err)), -1);
        if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
            fail_msg("for %s got '%s'", cases[i].text, err);
        config_clear(&cfg);
    }
}

/* Without sentinel-pass, links to peers use requirepass, as Redis's do. */
static void test_config_sentinel_pass_fallback(void **state)
{
    static const struct core_time now = {1000000, 1700000000000LL};
    static const struct {
        const char *text;
        const char *user;
        const char *pass;
    } cases[] = {
        {"requirepass top\n", NULL, "top"},
        {"requirepass top\nsentinel sentinel-pass peerpw\n", NULL, "peerpw"},
        {"sentinel sentinel-user u\nsentinel sentinel-pass p\n", "u", "p"},
        {"sentinel sentinel-user u\n", NULL, NULL},
        {"port 1\n", NULL, NULL},
    };
    for (size_t i = 0; i < COUNT_OF(cases); i++) {
        struct config cfg;
        char err[256];
        assert_int_equal(parse(&cfg, cases[i].text, err, sizeof(err)), 0);
        struct core *core = core_new(MYID, 1);
        assert_int_equal(config_apply(&cfg, core, &now, err, sizeof(err)), 0);
        const struct core_settings *st = &core->settings;
        if (cases[i].user == NULL)
            assert_null(st->sentinel_user);
        else
            assert_string_equal(st->sentinel_user, cases[i].user);
        if (cases[i].pass == NULL)
            assert_null(st->sentinel_pass);
        else
            assert_string_equal(st->sentinel_pass, cases[i].pass);
        core_free(core);
        config_clear(&cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_user),
        cmocka_unit_test(test_requirepass),
        cmocka_unit_test(test_descriptions_match_redis),
        cmocka_unit_test(test_refused_rules),
        cmocka_unit_test(test_setuser_is_atomic),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_command_rules),
        cmocka_unit_test(test_command_rules_stay_short),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_define_and_delete),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_describe_words),
        cmocka_unit_test(test_config_users_round_trip),
        cmocka_unit_test(test_config_user_default_wins),
        cmocka_unit_test(test_config_bad_user_lines),
        cmocka_unit_test(test_config_sentinel_pass_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
