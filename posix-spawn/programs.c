/*
 * Per-program trees (docs/sandboxes.md): the launcher's side of the `program PATH {
 * vfs { ... } }` nodes of its config. The runtime of a process that executes PATH builds
 * the program's tree itself; what the launcher enforces is the authority behind it: the
 * labels of the sessions the tree names (`fs label=`, `terminal label=`) and whether it
 * mounts the boot archive (`tar @boot`). A process narrowed by a rule keeps that bound
 * for its life and passes it to its fork children; a later rule only narrows it further.
 */
#include <capix/capix.h>
#include <capix/config.h>
#include <string.h>
#include "programs.h"

static struct program_rule rules[PROGRAMS_MAX];
static unsigned nrules;
static const char *labels[PROGRAMS_MAX_LABELS];
static unsigned nlabels;
static char arena_buf[128 << 10];

int programs_label_index(const char *label)
{
    for (unsigned i = 0; i < nlabels; i++)
        if (!strcmp(labels[i], label))
            return (int)i;
    return -1;
}

const char *programs_label(unsigned index)
{
    return index < nlabels ? labels[index] : "?";
}

const struct program_rule *programs_rule(uint64_t number)
{
    return number >= 1 && number <= nrules ? &rules[number - 1] : NULL;
}

/* Adds what node and its descendants name to r: session labels and the boot archive. */
static int collect(struct program_rule *r, const struct cfg_node *node, struct cfg_error *err)
{
    for (const struct cfg_node *n = cfg_first(node, NULL); n; n = cfg_next(n, NULL)) {
        bool session = !strcmp(n->name, "fs") || !strcmp(n->name, "terminal");
        if (session) {
            const char *label = cfg_prop(n, "label") ? cfg_prop(n, "label") : "";
            int i = programs_label_index(label);
            if (i < 0) {
                if (nlabels == PROGRAMS_MAX_LABELS)
                    return cfg_error_at(err, n,
                                        "too many session labels in program trees "
                                        "(at most 64)");
                i = (int)nlabels;
                labels[nlabels++] = label;
            }
            r->labels |= 1ul << i;
        }
        if (!strcmp(n->name, "tar") && cfg_nargs(n) >= 1 && !strcmp(cfg_arg(n, 0), "@boot"))
            r->archive = true;
        int e = collect(r, n, err);
        if (e)
            return e;
    }
    return 0;
}

/* The `program` nodes of this component's config. */
static int read_rules(const struct cfg_node *cfg, struct cfg_error *err)
{
    for (const struct cfg_node *n = cfg_first(cfg, "program"); n; n = cfg_next(n, "program")) {
        const char *path = cfg_nargs(n) == 1 ? cfg_arg(n, 0) : NULL;
        const struct cfg_node *vfs = cfg_first(n, "vfs");
        if (!path || n->nvalues != 1 || path[0] != '/' || strlen(path) >= PROGRAMS_PATH_MAX)
            return cfg_error_at(err, n,
                                "as in: program /usr/bin/vim { vfs { ... } } (an absolute path "
                                "of at most %u bytes)",
                                PROGRAMS_PATH_MAX - 1);
        if (!vfs || cfg_next(vfs, "vfs") || cfg_first(n, NULL) != vfs || cfg_next(vfs, NULL))
            return cfg_error_at(err, n, "program %s: expected exactly one 'vfs { ... }' inside",
                                path);
        for (unsigned i = 0; i < nrules; i++)
            if (!strcmp(rules[i].path, path))
                return cfg_error_at(err, n, "program %s is given twice (first on line %u)", path,
                                    rules[i].line);
        if (nrules == PROGRAMS_MAX)
            return cfg_error_at(err, n, "too many program rules (at most %u)", PROGRAMS_MAX);
        struct program_rule *r = &rules[nrules++];
        r->path = path;
        r->line = n->line;
        int e = collect(r, vfs, err);
        if (e)
            return e;
    }
    return 0;
}

int programs_load(const char *component)
{
    size_t len;
    const char *text = cx_config_text(&len);
    if (!text)
        return 0;
    struct cfg_arena a = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    struct cfg_error err;
    int e = cfg_parse("config", text, len, &a, &root, &err);
    for (const struct cfg_node *c = e ? NULL : cfg_first(root, "component"); c && !e;
         c = cfg_next(c, "component"))
        if (cfg_nargs(c) == 1 && !strcmp(cfg_arg(c, 0), component) && cfg_first(c, "config")) {
            e = read_rules(cfg_first(c, "config"), &err);
            creds_config(cfg_first(c, "config"));
        }
    if (e) {
        char msg[256];
        cfg_format_error(&err, msg, sizeof(msg));
        cx_printf("posix-spawn: configuration error: %s\n", msg);
        return -1;
    }
    return 0;
}
