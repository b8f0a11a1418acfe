/*
 * libFuzzer target for lib/config: parses the input with a large arena and with a
 * small one (sized by the first input byte, to reach the arena-full paths), then walks
 * the tree and checks its invariants; aborts on any violation.
 */
#include <capix/config.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char arena_mem[1 << 18];

static bool in_arena(const struct cfg_arena *a, const void *p)
{
    const char *c = p;
    return c >= a->base && c < a->base + a->used;
}

static void check_string(const struct cfg_arena *a, const char *s)
{
    if (!in_arena(a, s) || !memchr(s, '\0', (size_t)(a->base + a->used - s)))
        abort();
}

static void walk(const struct cfg_arena *a, const struct cfg_node *parent, unsigned depth)
{
    const struct cfg_node *n;
    char buf[200];
    struct cfg_error e;
    if (depth > CFG_MAX_DEPTH + 1)
        abort();
    for (n = cfg_first(parent, NULL); n; n = cfg_next(n, NULL)) {
        unsigned i, nargs = 0;
        if (n->parent != parent || !in_arena(a, n) || n->line == 0 || n->col == 0)
            abort();
        check_string(a, n->name);
        if (n->name[0] == '\0')
            abort();
        for (i = 0; i < n->nvalues; i++) {
            const struct cfg_value *v = &n->values[i];
            uint64_t x;
            check_string(a, v->text);
            if (v->key) {
                check_string(a, v->key);
                if (cfg_prop(n, v->key) == NULL)
                    abort();
            } else {
                if (cfg_arg(n, nargs++) != v->text)
                    abort();
            }
            (void)cfg_parse_u64(v->text, &x);
        }
        if (nargs != cfg_nargs(n) || cfg_arg(n, nargs) != NULL)
            abort();
        cfg_error_at(&e, n, "%s %u", n->name, n->nvalues);
        if (cfg_format_error(&e, buf, sizeof buf) < -5)
            abort();
        walk(a, n, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_arena a = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    char buf[256];
    int rc = cfg_parse("fuzz.cfg", (const char *)data, size, &a, &root, &err);
    if (rc == 0) {
        if (root->parent || root->name[0] != '\0')
            abort();
        walk(&a, root, 0);
    } else {
        if ((rc != CFG_ESYNTAX && rc != CFG_ENOMEM) || a.used != 0 || err.line == 0 ||
            !memchr(err.msg, '\0', sizeof err.msg) || err.msg[0] == '\0')
            abort();
        cfg_format_error(&err, buf, sizeof buf);
    }
    if (size > 0) {
        struct cfg_arena small = {arena_mem, (size_t)data[0] * 8, 0};
        int rc2 = cfg_parse("fuzz.cfg", (const char *)data, size, &small, &root, &err);
        if (rc2 == 0 ? rc != 0 : (rc2 != rc && rc2 != CFG_ENOMEM))
            abort();
        if (rc2 == 0)
            walk(&small, root, 0);
        else if (small.used != 0)
            abort();
    }
    return 0;
}
