/*
 * libFuzzer target for init's reading of the system config (init/config.c): any input
 * gives 0 or an error with a message, never a crash; on success the components obey
 * the limits init relies on (names, counts, ranges, routes that lead to providers), and
 * each component's own view of the text (every byte outside its part blanked, as
 * init/loader.c makes it) parses and holds exactly its own component node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct child children[MAX_CHILDREN];
static char view[1 << 16];
static char view_arena[1 << 18];

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "config_fuzz: %s\n", what);
        abort();
    }
}

/* The component's view, as init/loader.c makes it, must parse to its own node. */
static void check_view(const char *text, size_t len, const struct child *c)
{
    struct cfg_arena a = {view_arena, sizeof(view_arena), 0};
    struct cfg_node *root;
    struct cfg_error err;
    if (len > sizeof(view))
        return;
    size_t vlen = init_config_view(text, len, c, view);
    check(vlen <= len, "a view longer than the text");
    int rc = cfg_parse("config", view, vlen, &a, &root, &err);
    if (rc) {
        char msg[256];
        cfg_format_error(&err, msg, sizeof(msg));
        fprintf(stderr, "config_fuzz: the view of '%s' ([%zu, %zu)) does not parse: %s\n", c->name,
                c->cfg_start, c->cfg_end, msg);
        abort();
    }
    const struct cfg_node *n = cfg_first(root, NULL);
    check(n && !cfg_next(n, NULL), "a component's view holds other top-level nodes");
    check(!strcmp(n->name, "component") && cfg_nargs(n) == 1 && !strcmp(cfg_arg(n, 0), c->name),
          "a component's view holds another node");
    check(n->line == c->node->line && n->col == c->node->col, "a component's view moves its node");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    unsigned count = 12345;
    int shutdown = 7;
    struct cfg_error err;
    char msg[256];
    memset(&err, 0, sizeof(err));
    int rc = init_read_config(text, size, children, &count, &shutdown, &err);
    if (rc) {
        check(rc == CFG_ESYNTAX || rc == CFG_ENOMEM || rc == CFG_EINVAL, "unknown error code");
        check(memchr(err.msg, 0, sizeof(err.msg)) && err.msg[0], "an error without a message");
        check(err.file && !strcmp(err.file, "config"), "an error without the file name");
        cfg_format_error(&err, msg, sizeof(msg));
        return 0;
    }
    check(count <= MAX_CHILDREN && (shutdown == 0 || shutdown == 1), "count or when-done");
    size_t prev_end = 0;
    for (unsigned i = 0; i < count; i++) {
        const struct child *c = &children[i];
        check(c->name[0] && strlen(c->name) < sizeof(c->name), "a name");
        for (unsigned j = 0; j < i; j++)
            check(strcmp(children[j].name, c->name), "two components of one name");
        check(c->binary && c->binary[0], "a binary");
        check(c->quota_bytes >= 64 << 10 && c->quota_bytes <= 1ull << 40, "quota range");
        check(c->stack_bytes >= 4096 && c->stack_bytes <= 64 << 20, "stack range");
        check(c->priority <= 199 && c->slots >= 64 && c->slots <= 65536, "priority, slots");
        check(c->nargs <= 15 && c->ncaps <= MAX_CHILD_CAPS && c->nprovides <= MAX_SERVICES &&
                  c->nroutes <= MAX_ROUTES,
              "limits");
        for (unsigned k = 0; k < c->ncaps; k++)
            check(c->caps[k].label && strlen(c->caps[k].label) < 24, "a capability name");
        check(c->stop_after_ns == 0 ||
                  (c->stop_after_ns >= 1000000 && c->stop_after_ns <= 3600000000000ull),
              "stop-after range");
        check(c->cfg_start < c->cfg_end && c->cfg_end <= size && c->cfg_start >= prev_end,
              "a component's text range");
        prev_end = c->cfg_end;
        /* every route leads to a component that provides its service */
        for (unsigned k = 0; k < c->nroutes; k++) {
            const struct route *r = &c->routes[k];
            check(r->service && r->to && r->match >= 0 && r->match <= 3 &&
                      (r->match == 0) == (r->label == NULL),
                  "a route");
            /* a label the route takes itself: some route (this or an earlier one) wins */
            unsigned si = MAX_SERVICES;
            const struct child *p =
                route_find(children, count, c, r->service, r->label ? r->label : "", &si);
            check(p && si < p->nprovides && !strcmp(p->provides[si], r->service),
                  "a route of a checked config leads to no provider of its service");
        }
        check_view(text, size, c);
    }
    return 0;
}
