/*
 * Host unit tests for lib/config (run under ASan and UBSan). One "PASS name" or
 * "FAIL name: reason" line per case; exits 0 iff every case passed. Each case parses
 * into a fresh arena; error cases check the code, the position and the message.
 */
#include <capix/config.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../tests/host/check.h"

static char arena_mem[1 << 16];
static struct cfg_arena arena;
static struct cfg_node *root;
static struct cfg_error err;

/* Parses text (a C string) into a fresh arena; returns cfg_parse's result. */
static int parse(const char *text)
{
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    arena.used = 0;
    root = NULL;
    memset(&err, 0, sizeof err);
    return cfg_parse("test.cfg", text, strlen(text), &arena, &root, &err);
}

/* Parses text that must fail; checks code, line, column and that msg contains want. */
#define CHECK_ERROR(text, code, l, c, want)                                                        \
    do {                                                                                           \
        int rc_ = parse(text);                                                                     \
        CHECK_INT(rc_, code);                                                                      \
        CHECK_STR(err.file, "test.cfg");                                                           \
        if (!strstr(err.msg, want)) {                                                              \
            fail(__LINE__, "message \"%s\" lacks \"%s\"", err.msg, want);                          \
            return;                                                                                \
        }                                                                                          \
        CHECK_INT(err.line, l);                                                                    \
        CHECK_INT(err.col, c);                                                                     \
        CHECK_INT(arena.used, 0);                                                                  \
    } while (0)

static const char example[] = "# a comment to end of line\n"
                              "component ktest {\n"
                              "    binary ktest\n"
                              "    quota 16M\n"
                              "    args \"hello world\" -v\n"
                              "    route Log -> parent\n"
                              "    vfs { dir /tmp { ram }; dir /dev { null; zero } }\n"
                              "    option trace=on label=\"a b\"\n"
                              "}\n";

static void test_example(void)
{
    const struct cfg_node *c, *n, *vfs, *d;
    uint64_t q;
    CHECK_INT(parse(example), 0);
    CHECK(root && root->parent == NULL);
    CHECK_STR(root->name, "");
    c = cfg_first(root, "component");
    CHECK(c);
    CHECK(cfg_next(c, NULL) == NULL);
    CHECK_STR(cfg_arg(c, 0), "ktest");
    CHECK_INT(c->line, 2);
    CHECK_INT(c->col, 1);
    CHECK_STR(c->file, "test.cfg");
    CHECK(c->parent == root);
    CHECK_STR(cfg_arg(cfg_first(c, "binary"), 0), "ktest");
    CHECK_INT(cfg_parse_u64(cfg_arg(cfg_first(c, "quota"), 0), &q), 0);
    CHECK_INT(q, 16 << 20);
    n = cfg_first(c, "args");
    CHECK_INT(cfg_nargs(n), 2);
    CHECK_STR(cfg_arg(n, 0), "hello world");
    CHECK_STR(cfg_arg(n, 1), "-v");
    CHECK(cfg_arg(n, 2) == NULL);
    n = cfg_first(c, "route");
    CHECK_INT(cfg_nargs(n), 3);
    CHECK_STR(cfg_arg(n, 1), "->");
    CHECK_STR(cfg_arg(n, 2), "parent");
    vfs = cfg_first(c, "vfs");
    CHECK(vfs && vfs->parent == c);
    d = cfg_first(vfs, "dir");
    CHECK_STR(cfg_arg(d, 0), "/tmp");
    CHECK_STR(cfg_first(d, NULL)->name, "ram");
    CHECK(cfg_first(d, NULL)->next == NULL);
    d = cfg_next(d, "dir");
    CHECK_STR(cfg_arg(d, 0), "/dev");
    CHECK_STR(cfg_first(d, NULL)->name, "null");
    CHECK_STR(cfg_next(cfg_first(d, NULL), NULL)->name, "zero");
    CHECK(cfg_first(d, NULL)->parent == d);
    CHECK(cfg_next(d, "dir") == NULL);
    n = cfg_first(c, "option");
    CHECK_INT(n->nvalues, 2);
    CHECK_INT(cfg_nargs(n), 0);
    CHECK_STR(cfg_prop(n, "trace"), "on");
    CHECK_STR(cfg_prop(n, "label"), "a b");
    CHECK(cfg_prop(n, "missing") == NULL);
    CHECK_INT(n->values[1].line, 8);
    CHECK_INT(n->values[1].col, 21);
    /* All children of component, in order. */
    {
        static const char *const want[] = {"binary", "quota", "args", "route", "vfs", "option"};
        unsigned i = 0;
        for (n = cfg_first(c, NULL); n; n = cfg_next(n, NULL), i++) {
            CHECK(i < 6);
            CHECK_STR(n->name, want[i]);
        }
        CHECK_INT(i, 6);
    }
}

static void test_empty_inputs(void)
{
    CHECK_INT(parse(""), 0);
    CHECK(root && root->children == NULL);
    CHECK_INT(parse("\n\n  \t\n# only a comment"), 0);
    CHECK(root->children == NULL);
    CHECK_INT(parse(";;;\n;"), 0);
    CHECK(root->children == NULL);
    CHECK_INT(cfg_parse("x", NULL, 0, &arena, &root, &err), 0);
    CHECK(root->children == NULL);
}

static void test_comments(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("a 1 # trailing { } \" ;\n# whole line\nb \"#not a comment\"#but this is\n"),
              0);
    n = cfg_first(root, NULL);
    CHECK_STR(n->name, "a");
    CHECK_INT(n->nvalues, 1);
    n = cfg_next(n, NULL);
    CHECK_STR(n->name, "b");
    CHECK_STR(cfg_arg(n, 0), "#not a comment");
    CHECK(cfg_next(n, NULL) == NULL);
    CHECK_INT(parse("a {  # open\n  b # inside\n} # close\n"), 0);
    CHECK_STR(cfg_first(cfg_first(root, "a"), NULL)->name, "b");
}

static void test_strings(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("s \"a\\\\b\" \"q\\\"q\" \"n\\nt\\t\" \"\\x41\\x7e\\xfF\" \"\" \"é ü\"\n"), 0);
    n = cfg_first(root, "s");
    CHECK_INT(cfg_nargs(n), 6);
    CHECK_STR(cfg_arg(n, 0), "a\\b");
    CHECK_STR(cfg_arg(n, 1), "q\"q");
    CHECK_STR(cfg_arg(n, 2), "n\nt\t");
    CHECK_STR(cfg_arg(n, 3), "A~\xff");
    CHECK_STR(cfg_arg(n, 4), "");
    CHECK_STR(cfg_arg(n, 5), "é ü");
    /* Adjacent strings and words are separate values; a tab inside a string is kept. */
    CHECK_INT(parse("s \"a\"\"b\" \"c\"d \"x\ty\""), 0);
    n = cfg_first(root, "s");
    CHECK_INT(cfg_nargs(n), 5);
    CHECK_STR(cfg_arg(n, 0), "a");
    CHECK_STR(cfg_arg(n, 1), "b");
    CHECK_STR(cfg_arg(n, 2), "c");
    CHECK_STR(cfg_arg(n, 3), "d");
    CHECK_STR(cfg_arg(n, 4), "x\ty");
    CHECK_INT(cfg_parse("t.cfg", "s \"x\ty\"", 7, &arena, &root, &err), 0);
    CHECK_STR(cfg_arg(cfg_first(root, NULL), 0), "x\ty");
}

static void test_words(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("w -> /tmp 16M a.b ../x a:b,c@d 'q' héllo ~!$%^&*()[]<>?|\\"), 0);
    n = cfg_first(root, "w");
    CHECK_INT(cfg_nargs(n), 9);
    CHECK_STR(cfg_arg(n, 0), "->");
    CHECK_STR(cfg_arg(n, 1), "/tmp");
    CHECK_STR(cfg_arg(n, 2), "16M");
    CHECK_STR(cfg_arg(n, 3), "a.b");
    CHECK_STR(cfg_arg(n, 4), "../x");
    CHECK_STR(cfg_arg(n, 5), "a:b,c@d");
    CHECK_STR(cfg_arg(n, 6), "'q'");
    CHECK_STR(cfg_arg(n, 7), "héllo");
    CHECK_STR(cfg_arg(n, 8), "~!$%^&*()[]<>?|\\");
    /* Specials end a word without needing space. */
    CHECK_INT(parse("a{b;c}"), 0);
    n = cfg_first(root, "a");
    CHECK(n && cfg_nargs(n) == 0);
    CHECK_STR(cfg_first(n, NULL)->name, "b");
    CHECK_STR(cfg_next(cfg_first(n, NULL), NULL)->name, "c");
}

static void test_properties(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("o a k=v b k2 = \"x y\" k3=\"\" c\n"), 0);
    n = cfg_first(root, "o");
    CHECK_INT(n->nvalues, 6);
    CHECK_INT(cfg_nargs(n), 3);
    CHECK_STR(cfg_arg(n, 0), "a");
    CHECK_STR(cfg_arg(n, 1), "b");
    CHECK_STR(cfg_arg(n, 2), "c");
    CHECK_STR(cfg_prop(n, "k"), "v");
    CHECK_STR(cfg_prop(n, "k2"), "x y");
    CHECK_STR(cfg_prop(n, "k3"), "");
    CHECK(n->values[0].key == NULL);
    CHECK_STR(n->values[1].key, "k");
    CHECK_INT(cfg_prop_value(n, "k2")->col, 11);
    CHECK_INT(cfg_arg_value(n, 2)->col, 28);
    CHECK(cfg_arg_value(n, 3) == NULL);
    CHECK(cfg_prop(n, NULL) == NULL);
    CHECK(cfg_prop(NULL, "k") == NULL);
    CHECK_INT(cfg_nargs(NULL), 0);
    CHECK(cfg_arg(NULL, 0) == NULL);
    /* A value may contain '=' only inside a string. */
    CHECK_INT(parse("env PATH=\"/bin:/usr/bin\" X=\"a=b\""), 0);
    CHECK_STR(cfg_prop(cfg_first(root, "env"), "X"), "a=b");
}

static void test_separators(void)
{
    const struct cfg_node *n;
    unsigned count = 0;
    CHECK_INT(parse("a; b;; c\r\nd\r\n\r\ne { f }; g {\n}\nh {} \n i { j; }"), 0);
    for (n = cfg_first(root, NULL); n; n = cfg_next(n, NULL))
        count++;
    CHECK_INT(count, 8);
    n = cfg_first(root, "d");
    CHECK(n && n->nvalues == 0);
    CHECK_INT(n->line, 2);
    CHECK(cfg_first(cfg_first(root, "g"), NULL) == NULL);
    CHECK(cfg_first(cfg_first(root, "h"), NULL) == NULL);
    CHECK_STR(cfg_first(cfg_first(root, "i"), NULL)->name, "j");
    /* Blocks spanning lines, closing braces on one line, no final newline. */
    CHECK_INT(parse("a x {\n  b {\n    c 1\n    d 2 }}\nz"), 0);
    n = cfg_first(cfg_first(cfg_first(root, "a"), "b"), "d");
    CHECK_STR(cfg_arg(n, 0), "2");
    CHECK_STR(n->parent->parent->name, "a");
    CHECK_STR(cfg_next(cfg_first(root, "a"), NULL)->name, "z");
}

static void test_positions(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("\n\t a  b\n  héé x\n"), 0);
    n = cfg_first(root, "a");
    CHECK_INT(n->line, 2);
    CHECK_INT(n->col, 3);
    CHECK_INT(n->values[0].col, 6);
    n = cfg_first(root, "héé");
    CHECK_INT(n->line, 3);
    CHECK_INT(n->col, 3);
    CHECK_INT(n->values[0].col, 7); /* columns count characters, not bytes */
}

static void test_byte_order_mark(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("\xef\xbb\xbf"
                    "a 1\nb"),
              0);
    n = cfg_first(root, NULL);
    CHECK_STR(n->name, "a");
    CHECK_INT(n->col, 1);
    CHECK_STR(cfg_next(n, NULL)->name, "b");
    /* Only at the very start. */
    CHECK_INT(parse("a \xef\xbb\xbf"), 0);
    CHECK_STR(cfg_arg(cfg_first(root, "a"), 0), "\xef\xbb\xbf");
}

static void test_first_next(void)
{
    const struct cfg_node *n;
    CHECK_INT(parse("x 1\ny\nx 2\nz\nx 3\n"), 0);
    n = cfg_first(root, "x");
    CHECK_STR(cfg_arg(n, 0), "1");
    n = cfg_next(n, "x");
    CHECK_STR(cfg_arg(n, 0), "2");
    n = cfg_next(n, "x");
    CHECK_STR(cfg_arg(n, 0), "3");
    CHECK(cfg_next(n, "x") == NULL);
    CHECK(cfg_first(root, "nope") == NULL);
    CHECK(cfg_first(NULL, "x") == NULL);
    CHECK(cfg_next(NULL, NULL) == NULL);
    CHECK_STR(cfg_next(cfg_first(root, "y"), NULL)->name, "x");
}

static void test_text_independent(void)
{
    static const char src[] = "a \"b c\" d=e { f }\n";
    char *text = malloc(sizeof src);
    const struct cfg_node *n;
    CHECK(text);
    memcpy(text, src, sizeof src);
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    arena.used = 0;
    CHECK_INT(cfg_parse("f.cfg", text, strlen(text), &arena, &root, &err), 0);
    memset(text, 'X', strlen(text));
    free(text);
    n = cfg_first(root, "a");
    CHECK_STR(cfg_arg(n, 0), "b c");
    CHECK_STR(cfg_prop(n, "d"), "e");
    CHECK_STR(cfg_first(n, NULL)->name, "f");
    CHECK_STR(n->file, "f.cfg");
}

static void test_arena_sizes(void)
{
    /* Every arena smaller than needed fails cleanly with CFG_ENOMEM; enough succeeds. */
    size_t need, size;
    char *mem;
    CHECK_INT(parse(example), 0);
    need = arena.used;
    mem = malloc(need);
    CHECK(mem);
    for (size = 0; size < need; size++) {
        struct cfg_arena a = {mem, size, 0};
        int rc = cfg_parse("test.cfg", example, strlen(example), &a, &root, &err);
        if (rc != CFG_ENOMEM || a.used != 0 || !strstr(err.msg, "arena full")) {
            free(mem);
            fail(__LINE__, "size %zu: rc %d used %zu msg %s", size, rc, a.used, err.msg);
            return;
        }
    }
    {
        struct cfg_arena a = {mem, need, 0};
        int rc = cfg_parse("test.cfg", example, strlen(example), &a, &root, &err);
        free(mem);
        CHECK_INT(rc, 0);
        CHECK_INT(a.used, need);
    }
    {
        struct cfg_arena a = {NULL, 100, 0};
        CHECK_INT(cfg_parse("test.cfg", "a", 1, &a, &root, &err), CFG_ENOMEM);
    }
}

static void test_arena_shared(void)
{
    /* Two trees in one arena, the second at an odd offset: both stay intact and aligned. */
    struct cfg_node *r1, *r2;
    arena.base = arena_mem + 1;
    arena.size = sizeof arena_mem - 1;
    arena.used = 3;
    CHECK_INT(cfg_parse("one", "a 1 { b }", 9, &arena, &r1, &err), 0);
    CHECK_INT(cfg_parse("two", "c k=v", 5, &arena, &r2, &err), 0);
    CHECK_STR(cfg_arg(cfg_first(r1, "a"), 0), "1");
    CHECK_STR(cfg_first(cfg_first(r1, "a"), NULL)->name, "b");
    CHECK_STR(cfg_prop(cfg_first(r2, "c"), "k"), "v");
    CHECK_STR(cfg_first(r2, NULL)->file, "two");
    CHECK((uintptr_t)cfg_first(r2, NULL) % _Alignof(struct cfg_node) == 0);
    CHECK((uintptr_t)cfg_first(r2, NULL)->values % _Alignof(struct cfg_value) == 0);
    CHECK(arena.used > 3);
}

static void test_depth(void)
{
    char text[256];
    size_t n = 0;
    int i;
    const struct cfg_node *node;
    for (i = 0; i < CFG_MAX_DEPTH; i++) {
        text[n++] = 'a';
        text[n++] = '{';
    }
    text[n++] = 'x';
    for (i = 0; i < CFG_MAX_DEPTH; i++)
        text[n++] = '}';
    text[n] = '\0';
    CHECK_INT(parse(text), 0);
    node = root;
    for (i = 0; i < CFG_MAX_DEPTH; i++)
        node = cfg_first(node, "a");
    CHECK_STR(cfg_first(node, NULL)->name, "x");
    /* One more level is too many. */
    n = 0;
    for (i = 0; i <= CFG_MAX_DEPTH; i++) {
        text[n++] = 'a';
        text[n++] = '{';
    }
    text[n] = '\0';
    CHECK_ERROR(text, CFG_ESYNTAX, 1, 2 * CFG_MAX_DEPTH + 2, "nested deeper than 32");
}

static void test_error_unclosed(void)
{
    CHECK_ERROR("# top\n\ncomponent a {\n  b\n", CFG_ESYNTAX, 5, 1,
                "expected '}' to close 'component' opened at line 3, found end of file");
    CHECK_ERROR("a { b { c }", CFG_ESYNTAX, 1, 12,
                "expected '}' to close 'a' opened at line 1, found end of file");
}

static void test_error_strings(void)
{
    CHECK_ERROR("a \"abc\nd\"", CFG_ESYNTAX, 1, 3,
                "unterminated string: expected '\"' before the end of the line");
    CHECK_ERROR("a b \"abc", CFG_ESYNTAX, 1, 5, "unterminated string: expected '\"', found end");
    CHECK_ERROR("a \"abc\\", CFG_ESYNTAX, 1, 3, "unterminated string");
    CHECK_ERROR("a \"x\\qy\"", CFG_ESYNTAX, 1, 5, "unknown escape '\\q' in string");
    CHECK_ERROR("a \"x\\x4\"", CFG_ESYNTAX, 1, 5, "expected two hex digits after '\\x'");
    CHECK_ERROR("a \"x\\xg0\"", CFG_ESYNTAX, 1, 5, "expected two hex digits");
    CHECK_ERROR("a \"\\x00\"", CFG_ESYNTAX, 1, 4, "'\\x00' is not allowed");
    CHECK_ERROR("a \"x\\\ny\"", CFG_ESYNTAX, 1, 5, "expected an escape after '\\'");
    CHECK_ERROR("a \"x\x01\"", CFG_ESYNTAX, 1, 5, "control character (byte 0x1) in string");
}

static void test_error_tokens(void)
{
    CHECK_ERROR("a\n}\n", CFG_ESYNTAX, 2, 1, "found '}' that closes no block");
    CHECK_ERROR("component x\n{\n}\n", CFG_ESYNTAX, 2, 1,
                "expected a node name, found '{'; a block must open on the same line");
    CHECK_ERROR("trace=on\n", CFG_ESYNTAX, 1, 6,
                "expected a value after node name 'trace', found '='");
    CHECK_ERROR("a b=\n", CFG_ESYNTAX, 1, 5, "expected a value after 'b=', found end of line");
    CHECK_ERROR("a b= }", CFG_ESYNTAX, 1, 6, "expected a value after 'b=', found '}'");
    CHECK_ERROR("a b==c", CFG_ESYNTAX, 1, 5, "expected a value after 'b=', found '='");
    CHECK_ERROR("a b=c=d", CFG_ESYNTAX, 1, 6, "expected a value, found '='");
    CHECK_ERROR("a \"s\"=d", CFG_ESYNTAX, 1, 6, "expected a value, found '='");
    CHECK_ERROR("\"name\" x", CFG_ESYNTAX, 1, 1, "expected a node name, found string \"name\"");
    CHECK_ERROR("=x", CFG_ESYNTAX, 1, 1, "expected a node name, found '='");
    CHECK_ERROR("a { b } c", CFG_ESYNTAX, 1, 9,
                "expected end of line or ';' after the '}' closing 'a', found 'c'");
    CHECK_ERROR("a { b } { c }", CFG_ESYNTAX, 1, 9, "found '{'");
    CHECK_ERROR("a x=1 y=2 x=3", CFG_ESYNTAX, 1, 11, "property 'x' given twice in 'a'");
    CHECK_ERROR("a b\x01", CFG_ESYNTAX, 1, 4, "unexpected control character (byte 0x1)");
    CHECK_ERROR("a b\x7f", CFG_ESYNTAX, 1, 4, "unexpected control character (byte 0x7f)");
    {
        /* A NUL byte inside the given length is an error, not the end. */
        int rc = cfg_parse("test.cfg", "a\0b", 3, &arena, &root, &err);
        CHECK_INT(rc, CFG_ESYNTAX);
        CHECK(strstr(err.msg, "byte 0x0"));
    }
    {
        /* Long words are cut in messages. */
        CHECK_ERROR("a { } abcdefghijklmnopqrstuvwxyz0123456789abcdefgh", CFG_ESYNTAX, 1, 7,
                    "found 'abcdefghijklmnopqrstuvwxyz012345...'");
    }
}

static void test_error_file_name(void)
{
    int rc;
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    arena.used = 0;
    rc = cfg_parse(NULL, "}", 1, &arena, &root, &err);
    CHECK_INT(rc, CFG_ESYNTAX);
    CHECK_STR(err.file, "<input>");
    rc = cfg_parse("/etc/sys.cfg", "a {", 3, &arena, &root, &err);
    CHECK_INT(rc, CFG_ESYNTAX);
    CHECK_STR(err.file, "/etc/sys.cfg");
}

static void test_parse_u64(void)
{
    static const struct {
        const char *text;
        int rc;
        uint64_t value;
    } cases[] = {
        {"0", 0, 0},
        {"42", 0, 42},
        {"007", 0, 7},
        {"0x10", 0, 16},
        {"0X1f", 0, 31},
        {"0xABCdef", 0, 0xabcdef},
        {"16M", 0, 16ull << 20},
        {"4k", 0, 4096},
        {"4K", 0, 4096},
        {"1G", 0, 1ull << 30},
        {"3g", 0, 3ull << 30},
        {"2m", 0, 2ull << 20},
        {"0x10M", 0, 16ull << 20},
        {"18446744073709551615", 0, UINT64_MAX},
        {"0xffffffffffffffff", 0, UINT64_MAX},
        {"17179869183G", 0, 17179869183ull << 30},
        {"18446744073709551616", CFG_ERANGE, 0},
        {"0x10000000000000000", CFG_ERANGE, 0},
        {"17179869184G", CFG_ERANGE, 0},
        {"99999999999999999999999K", CFG_ERANGE, 0},
        {"", CFG_EINVAL, 0},
        {"-1", CFG_EINVAL, 0},
        {"+1", CFG_EINVAL, 0},
        {"1.5", CFG_EINVAL, 0},
        {"12MB", CFG_EINVAL, 0},
        {"12KK", CFG_EINVAL, 0},
        {"0x", CFG_EINVAL, 0},
        {"0xK", CFG_EINVAL, 0},
        {"K", CFG_EINVAL, 0},
        {" 1", CFG_EINVAL, 0},
        {"1 ", CFG_EINVAL, 0},
        {"0xg", CFG_EINVAL, 0},
        {"12a", CFG_EINVAL, 0},
        {"1T", CFG_EINVAL, 0},
        {"99999999999999999999999x", CFG_EINVAL, 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 12345;
        int rc = cfg_parse_u64(cases[i].text, &v);
        if (rc != cases[i].rc || (rc == 0 && v != cases[i].value) || (rc != 0 && v != 12345)) {
            fail(__LINE__, "\"%s\": rc %d value %llu", cases[i].text, rc, (unsigned long long)v);
            return;
        }
    }
    CHECK_INT(cfg_parse_u64(NULL, NULL), CFG_EINVAL);
}

static void test_error_at(void)
{
    const struct cfg_node *n;
    char buf[256];
    struct cfg_error e;
    CHECK_INT(parse("a\ncomponent x {\n  quota lots\n}\n"), 0);
    n = cfg_first(cfg_first(root, "component"), "quota");
    CHECK_INT(cfg_error_at(&e, n, "%s: expected a size, found '%s'", n->name, cfg_arg(n, 0)),
              CFG_EINVAL);
    CHECK_INT(cfg_format_error(&e, buf, sizeof buf), 0);
    CHECK_STR(buf, "test.cfg:3:3: quota: expected a size, found 'lots'");
    CHECK_INT(cfg_error_at_value(&e, n, cfg_arg_value(n, 0), "bad"), CFG_EINVAL);
    CHECK_INT(cfg_format_error(&e, buf, sizeof buf), 0);
    CHECK_STR(buf, "test.cfg:3:9: bad");
    CHECK_INT(cfg_error_at(&e, root, "no '%s' node", "init"), CFG_EINVAL);
    CHECK_INT(cfg_format_error(&e, buf, sizeof buf), 0);
    CHECK_STR(buf, "test.cfg: no 'init' node");
    cfg_error_at(&e, n, "%u %d %d %x %lu %llu %zu %lld %c %% %s %q|", 7u, -5, -2147483647 - 1,
                 0xbeefu, 123456789ul, 18446744073709551615ull, (size_t)99,
                 -9223372036854775807ll - 1, 'z', (const char *)NULL);
    CHECK_STR(e.msg, "7 -5 -2147483648 beef 123456789 18446744073709551615 99 "
                     "-9223372036854775808 z % (null) %q|");
    cfg_error_at(&e, n, "trailing %");
    CHECK_STR(e.msg, "trailing %");
    CHECK_INT(cfg_error_at(&e, NULL, "x"), CFG_EINVAL);
    CHECK_INT(cfg_format_error(&e, buf, sizeof buf), 0);
    CHECK_STR(buf, "<input>: x");
}

static void test_error_truncation(void)
{
    struct cfg_error e;
    char big[400], buf[16];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(parse("n"), 0);
    cfg_error_at(&e, cfg_first(root, "n"), "%s", big);
    CHECK_INT(strlen(e.msg), sizeof e.msg - 1);
    CHECK_INT(cfg_format_error(&e, buf, sizeof buf), CFG_ETRUNC);
    CHECK_STR(buf, "test.cfg:1:1: m");
    CHECK_INT(cfg_format_error(&e, buf, 0), CFG_ETRUNC);
    CHECK_INT(cfg_format_error(&e, buf, 1), CFG_ETRUNC);
    CHECK_STR(buf, "");
}

static void test_strerror(void)
{
    CHECK_STR(cfg_strerror(CFG_ENOMEM), "arena full");
    CHECK_STR(cfg_strerror(CFG_ESYNTAX), "syntax error");
    CHECK_STR(cfg_strerror(-99), "unknown error");
}

static const struct check_case cases[] = {
    {"example", test_example},
    {"empty_inputs", test_empty_inputs},
    {"comments", test_comments},
    {"strings", test_strings},
    {"words", test_words},
    {"properties", test_properties},
    {"separators", test_separators},
    {"positions", test_positions},
    {"byte_order_mark", test_byte_order_mark},
    {"first_next", test_first_next},
    {"text_independent", test_text_independent},
    {"arena_sizes", test_arena_sizes},
    {"arena_shared", test_arena_shared},
    {"depth", test_depth},
    {"error_unclosed", test_error_unclosed},
    {"error_strings", test_error_strings},
    {"error_tokens", test_error_tokens},
    {"error_file_name", test_error_file_name},
    {"parse_u64", test_parse_u64},
    {"error_at", test_error_at},
    {"error_truncation", test_error_truncation},
    {"strerror", test_strerror},
};

int main(void)
{
    int failed = check_run("config", cases, sizeof cases / sizeof cases[0]);
    return failed ? 1 : 0;
}
