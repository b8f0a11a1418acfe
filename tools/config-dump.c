/*
 * config-dump: a host tool that reads a capix system configuration with the real
 * parser (lib/config) and init's own reader of it (init/config.c), and prints it as
 * JSON for tools/capix-graph.py. Errors are init's, with the file's own name:
 * `FILE:LINE:COL: MESSAGE` on stderr and exit status 1.
 *
 *   build/host/config-dump FILE
 *
 * Output: {"file": F, "when_done": ..., "components": [C...]} where each C has init's
 * view (name, binary, quota, provides, routes: service, to, match, label, line) and its
 * `config` block as a node: {"name", "line", "col", "args": [..], "props": {..},
 * "children": [..]}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../init/init.h"

static struct child children[MAX_CHILDREN];

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p); /* UTF-8 goes through as it is (JSON text is UTF-8) */
    }
    putchar('"');
}

static void json_node(const struct cfg_node *n, unsigned depth)
{
    printf("{\"name\": ");
    json_string(n->name);
    printf(", \"line\": %u, \"col\": %u, \"args\": [", n->line, n->col);
    for (unsigned i = 0; i < cfg_nargs(n); i++) {
        if (i)
            fputs(", ", stdout);
        json_string(cfg_arg(n, i));
    }
    fputs("], \"props\": {", stdout);
    unsigned k = 0;
    for (unsigned i = 0; i < n->nvalues; i++) {
        if (!n->values[i].key)
            continue;
        if (k++)
            fputs(", ", stdout);
        json_string(n->values[i].key);
        fputs(": ", stdout);
        json_string(n->values[i].text);
    }
    fputs("}, \"children\": [", stdout);
    k = 0;
    for (const struct cfg_node *c = cfg_first(n, NULL); c; c = cfg_next(c, NULL)) {
        if (k++)
            fputs(", ", stdout);
        json_node(c, depth + 1);
    }
    fputs("]}", stdout);
}

static void json_component(const struct child *c)
{
    static const char *const matches[] = {"any", "label", "label-prefix", "label-suffix"};
    printf("  {\"name\": ");
    json_string(c->name);
    printf(", \"line\": %u, \"binary\": ", c->node->line);
    json_string(c->binary);
    printf(", \"quota\": %llu, \"provides\": [", (unsigned long long)c->quota_bytes);
    for (unsigned i = 0; i < c->nprovides; i++) {
        if (i)
            fputs(", ", stdout);
        json_string(c->provides[i]);
    }
    fputs("], \"routes\": [", stdout);
    for (unsigned i = 0; i < c->nroutes; i++) {
        const struct route *r = &c->routes[i];
        if (i)
            fputs(", ", stdout);
        fputs("{\"service\": ", stdout);
        json_string(r->service);
        fputs(", \"to\": ", stdout);
        json_string(r->to);
        printf(", \"match\": \"%s\", \"label\": ", matches[r->match & 3]);
        json_string(r->label ? r->label : "");
        printf(", \"line\": %u}", r->node->line);
    }
    fputs("], \"config\": ", stdout);
    const struct cfg_node *cfg = cfg_first(c->node, "config");
    if (cfg)
        json_node(cfg, 0);
    else
        fputs("null", stdout);
    putchar('}');
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: config-dump FILE\n");
        return 2;
    }
    const char *path = argv[1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *text = malloc(cap), *grown;
    int status = 1;
    while (text && (got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len < cap)
            continue;
        grown = realloc(text, cap * 2);
        if (!grown) {
            free(text);
            text = NULL;
            break;
        }
        text = grown, cap *= 2;
    }
    fclose(f);
    if (!text) {
        fprintf(stderr, "%s: out of memory\n", path);
        return 1;
    }
    unsigned count = 0;
    int shutdown = 0;
    struct cfg_error err;
    char msg[320];
    if (init_read_config(text, len, children, &count, &shutdown, &err)) {
        err.file = path; /* init names it "config", the name in the boot archive */
        cfg_format_error(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        goto out;
    }
    printf("{\"file\": ");
    json_string(path);
    printf(", \"when_done\": \"%s\", \"components\": [\n", shutdown ? "shutdown" : "stay");
    for (unsigned i = 0; i < count; i++) {
        json_component(&children[i]);
        fputs(i + 1 < count ? ",\n" : "\n", stdout);
    }
    printf("]}\n");
    status = 0;
out:
    free(text);
    return status;
}
