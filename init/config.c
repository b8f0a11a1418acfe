/*
 * init's configuration vocabulary on top of lib/config (documented in docs/config.md,
 * "Init's vocabulary"):
 *
 *   component NAME {          one component to start
 *       binary FILE           member of the boot archive (default: NAME)
 *       quota SIZE            memory quota (default 4M)
 *       stack SIZE            stack of the first thread (default 64K)
 *       priority N            0..199 (default 100)
 *       slots N               capability slots, 64..65536 (default 1024)
 *       args WORD...          argv[1..]
 *       io FIRST COUNT [NAME] an I/O-port range capability, named NAME (default "io")
 *       irq GSI               an interrupt capability, named "irq"
 *       pci VVVV:DDDD | BB:DD.F  one PCI device: its BARs, interrupt and description
 *       mmio BASE SIZE [NAME] a range of device memory (page aligned), named NAME ("mmio")
 *       boot-archive          the boot archive, read-only, named "archive"
 *       stop-after DURATION   init ends it DURATION (500ms, 2s) after its start
 *   }
 *   when-done shutdown [COMPONENT...] | stay
 *                             power off once every component (or those named) has ended
 */
#include "init.h"
#include "../drivers/pci/pci.h"
#include <stdbool.h>
#include <string.h>

static char arena_buf[64 * 1024];

static int size_arg(const struct cfg_node *n, uint64_t *out, uint64_t min, uint64_t max,
                    struct cfg_error *err)
{
    if (cfg_nargs(n) != 1)
        return cfg_error_at(err, n, "'%s' takes one value", n->name);
    if (cfg_parse_u64(cfg_arg(n, 0), out) || *out < min || *out > max)
        return cfg_error_at(err, n, "'%s': expected a number from %u to %u, found '%s'", n->name,
                            (unsigned)min, (unsigned)max, cfg_arg(n, 0));
    return 0;
}

/* `stop-after 500ms` / `2s`: a duration from 1 ms to 1 hour, in ns. */
static int duration_arg(const struct cfg_node *n, uint64_t *ns, struct cfg_error *err)
{
    const char *t = cfg_arg(n, 0);
    size_t len = t ? strlen(t) : 0;
    uint64_t unit = 0, v;
    char num[24];
    if (len > 2 && !strcmp(t + len - 2, "ms"))
        unit = 1000000, len -= 2;
    else if (len > 1 && t[len - 1] == 's')
        unit = 1000000000, len -= 1;
    if (cfg_nargs(n) != 1 || n->nvalues != 1 || !unit || len >= sizeof(num))
        return cfg_error_at(err, n, "'%s' takes a duration such as 500ms or 2s", n->name);
    memcpy(num, t, len);
    num[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (num[i] < '0' || num[i] > '9')
            return cfg_error_at(err, n, "'%s' takes a duration such as 500ms or 2s", n->name);
    if (cfg_parse_u64(num, &v) || v == 0 || v > 3600000000000ull / unit)
        return cfg_error_at(err, n, "'%s': expected 1ms to 3600s, found '%s'", n->name, t);
    *ns = v * unit;
    return 0;
}

/* A component name: 1..31 letters, digits, '_', '-' and '.'. It starts the labels its
 * providers see ("NAME -> LABEL"), so it may hold neither spaces nor '>'. */
static bool name_ok(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > 31)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return false;
    return true;
}

static int read_component(const struct cfg_node *n, struct child *c, struct cfg_error *err)
{
    memset(c, 0, sizeof(*c));
    if (cfg_nargs(n) != 1 || n->nvalues != 1 || !name_ok(cfg_arg(n, 0)))
        return cfg_error_at(err, n,
                            "'component' takes a name of 1 to 31 letters, digits, '_', '-' "
                            "and '.'");
    memcpy(c->name, cfg_arg(n, 0), strlen(cfg_arg(n, 0)) + 1);
    c->node = n;
    c->binary = c->name;
    c->quota_bytes = 4 << 20;
    c->stack_bytes = 64 << 10;
    c->priority = 100;
    c->slots = 1024;
    for (const struct cfg_node *p = cfg_first(n, NULL); p; p = cfg_next(p, NULL)) {
        int e = 0;
        if (!strcmp(p->name, "binary")) {
            if (cfg_nargs(p) != 1)
                return cfg_error_at(err, p, "'binary' takes one file name");
            c->binary = cfg_arg(p, 0);
        } else if (!strcmp(p->name, "quota")) {
            e = size_arg(p, &c->quota_bytes, 64 << 10, 1ul << 40, err);
        } else if (!strcmp(p->name, "stack")) {
            e = size_arg(p, &c->stack_bytes, 4096, 64 << 20, err);
        } else if (!strcmp(p->name, "slots")) {
            e = size_arg(p, &c->slots, 64, 65536, err);
        } else if (!strcmp(p->name, "priority")) {
            e = size_arg(p, &c->priority, 0, 199, err);
        } else if (!strcmp(p->name, "args")) {
            for (unsigned i = 0; i < cfg_nargs(p); i++) {
                if (c->nargs == 15)
                    return cfg_error_at(err, p, "too many arguments (at most 15)");
                c->args[c->nargs++] = cfg_arg(p, i);
            }
        } else if (!strcmp(p->name, "boot-archive")) {
            if (c->ncaps == MAX_CHILD_CAPS || cfg_nargs(p) != 0)
                return cfg_error_at(err, p, "'boot-archive' takes no values");
            c->caps[c->ncaps].name = p->name;
            c->caps[c->ncaps].label = "archive";
            c->caps[c->ncaps].node = p;
            c->ncaps++;
        } else if (!strcmp(p->name, "io") || !strcmp(p->name, "irq")) {
            bool io = p->name[1] == 'o';
            struct child_cap *cc = &c->caps[c->ncaps];
            if (c->ncaps == MAX_CHILD_CAPS)
                return cfg_error_at(err, p, "too many capabilities (at most %u)", MAX_CHILD_CAPS);
            if (cfg_nargs(p) != (io ? 2u : 1u) && !(io && cfg_nargs(p) == 3))
                return cfg_error_at(err, p,
                                    io ? "'io' takes FIRST-PORT COUNT [NAME]" : "'irq' takes GSI");
            if (cfg_parse_u64(cfg_arg(p, 0), &cc->first) ||
                (io && (cfg_parse_u64(cfg_arg(p, 1), &cc->count) || cc->first + cc->count > 65536 ||
                        cc->count == 0)) ||
                (!io && cc->first > 23))
                return cfg_error_at(err, p, "'%s': values out of range", p->name);
            cc->name = p->name;
            cc->label = io && cfg_nargs(p) == 3 ? cfg_arg(p, 2) : p->name;
            if (strlen(cc->label) >= 24)
                return cfg_error_at(err, p, "a capability name has at most 23 characters");
            cc->node = p;
            c->ncaps++;
        } else if (!strcmp(p->name, "mmio")) {
            struct child_cap *cc = &c->caps[c->ncaps];
            if (c->ncaps == MAX_CHILD_CAPS)
                return cfg_error_at(err, p, "too many capabilities (at most %u)", MAX_CHILD_CAPS);
            if ((cfg_nargs(p) != 2 && cfg_nargs(p) != 3) || p->nvalues != cfg_nargs(p) ||
                cfg_parse_u64(cfg_arg(p, 0), &cc->first) ||
                cfg_parse_u64(cfg_arg(p, 1), &cc->count) || cc->count == 0 ||
                ((cc->first | cc->count) & 4095) || cc->first + cc->count < cc->first)
                return cfg_error_at(err, p,
                                    "'mmio' takes BASE SIZE [NAME], page aligned, as in: mmio "
                                    "0xfed00000 4K hpet");
            cc->name = p->name;
            cc->label = cfg_nargs(p) == 3 ? cfg_arg(p, 2) : p->name;
            if (strlen(cc->label) >= 24)
                return cfg_error_at(err, p, "a capability name has at most 23 characters");
            cc->node = p;
            c->ncaps++;
        } else if (!strcmp(p->name, "pci")) {
            uint32_t ids, bdf;
            if (c->pci_sel)
                return cfg_error_at(err, p, "a component takes one PCI device");
            if (cfg_nargs(p) != 1 || p->nvalues != 1 ||
                !pci_parse_selector(cfg_arg(p, 0), &ids, &bdf))
                return cfg_error_at(err, p,
                                    "'pci' takes VENDOR:DEVICE (hex, as in pci 1af4:1042) or "
                                    "BUS:SLOT.FUNCTION (as in pci 00:03.0)");
            c->pci_sel = cfg_arg(p, 0);
            c->pci_node = p;
        } else if (!strcmp(p->name, "provides")) {
            for (unsigned i = 0; i < cfg_nargs(p); i++) {
                if (c->nprovides == MAX_SERVICES)
                    return cfg_error_at(err, p, "too many services (at most %u)", MAX_SERVICES);
                c->provides[c->nprovides++] = cfg_arg(p, i);
            }
            if (!cfg_nargs(p) || cfg_nargs(p) != p->nvalues)
                return cfg_error_at(err, p,
                                    "'provides' takes service names, as in: provides "
                                    "File_system");
        } else if (!strcmp(p->name, "route")) {
            if (c->nroutes == MAX_ROUTES)
                return cfg_error_at(err, p, "too many routes (at most %u)", MAX_ROUTES);
            struct route *r = &c->routes[c->nroutes];
            memset(r, 0, sizeof(*r));
            r->node = p;
            r->service = cfg_arg(p, 0);
            r->to = cfg_prop(p, "to");
            if (cfg_label_selector(p, &r->label, &r->match) > 1)
                return cfg_error_at(err, p,
                                    "a route takes one of label=, "
                                    "label-prefix= and label-suffix=");
            unsigned props = 0;
            for (unsigned i = 0; i < p->nvalues; i++)
                props += p->values[i].key != NULL;
            if (cfg_nargs(p) != 1 || !r->to || props != 1u + (r->label != NULL))
                return cfg_error_at(err, p,
                                    "'route' takes a service and to=COMPONENT, and at most one of "
                                    "label=, label-prefix=, label-suffix=, as in: route "
                                    "File_system label=tmp to=ram_fs");
            c->nroutes++;
        } else if (!strcmp(p->name, "stop-after")) {
            e = duration_arg(p, &c->stop_after_ns, err);
        } else if (!strcmp(p->name, "config")) {
            if (cfg_nargs(p) != 0 || p->nvalues != 0)
                return cfg_error_at(err, p, "'config' takes no values, only a block");
        } else {
            return cfg_error_at(err, p,
                                "unknown node '%s' in component (expected binary, quota, stack, "
                                "priority, slots, args, io, irq, pci, mmio, boot-archive, "
                                "provides, route, stop-after or config)",
                                p->name);
        }
        if (e)
            return e;
    }
    return 0;
}

/* Every route must lead to a component that provides the service. */
static int check_routes(struct child *children, unsigned count, struct cfg_error *err)
{
    for (unsigned i = 0; i < count; i++)
        for (unsigned k = 0; k < children[i].nroutes; k++) {
            const struct route *r = &children[i].routes[k];
            unsigned j = 0;
            while (j < count && strcmp(children[j].name, r->to))
                j++;
            if (j == count)
                return cfg_error_at(err, r->node, "route to '%s': there is no such component",
                                    r->to);
            unsigned s = 0;
            while (s < children[j].nprovides && strcmp(children[j].provides[s], r->service))
                s++;
            if (s == children[j].nprovides)
                return cfg_error_at(err, r->node, "route to '%s': it does not provide %s", r->to,
                                    r->service);
        }
    return 0;
}

/* The length of the UTF-8 byte-order mark the text starts with (the parser skips it
 * without counting a column), or 0. */
static size_t bom_len(const char *text, size_t len)
{
    return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* The byte offset of a line and column (columns count UTF-8 characters, from 1, as
 * lib/config counts them). */
static size_t offset_of(const char *text, size_t len, unsigned line, unsigned col)
{
    size_t i = bom_len(text, len);
    for (unsigned l = 1; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (unsigned c = 1; i < len; i++) {
        if (((unsigned char)text[i] & 0xc0) == 0x80)
            continue;
        if (c++ == col)
            break;
    }
    return i;
}

int init_read_config(const char *text, size_t len, struct child *children, unsigned *count,
                     int *shutdown_when_done, struct cfg_error *err)
{
    struct cfg_arena arena = {arena_buf, sizeof(arena_buf), 0};
    struct cfg_node *root;
    int e = cfg_parse("config", text, len, &arena, &root, err);
    if (e)
        return e;
    *count = 0;
    *shutdown_when_done = 0;
    const struct cfg_node *when_done = NULL;
    for (const struct cfg_node *n = cfg_first(root, NULL); n; n = cfg_next(n, NULL)) {
        if (!strcmp(n->name, "component")) {
            if (*count == MAX_CHILDREN)
                return cfg_error_at(err, n, "too many components (at most %u)", MAX_CHILDREN);
            e = read_component(n, &children[*count], err);
            if (e)
                return e;
            /* its text: up to the next top-level node (comments between go with it) */
            const struct cfg_node *next = cfg_next(n, NULL);
            children[*count].cfg_start = offset_of(text, len, n->line, n->col);
            children[*count].cfg_end = next ? offset_of(text, len, next->line, next->col) : len;
            for (unsigned i = 0; i < *count; i++)
                if (!strcmp(children[i].name, children[*count].name))
                    return cfg_error_at(err, n, "a component named '%s' exists already",
                                        children[i].name);
            (*count)++;
        } else if (!strcmp(n->name, "when-done")) {
            const char *a = cfg_nargs(n) >= 1 ? cfg_arg(n, 0) : "";
            if (!strcmp(a, "shutdown"))
                *shutdown_when_done = 1;
            else if (strcmp(a, "stay") || cfg_nargs(n) != 1)
                return cfg_error_at(err, n,
                                    "'when-done' takes 'shutdown' [COMPONENT...] or "
                                    "'stay'");
            when_done = n;
        } else {
            return cfg_error_at(err, n, "unknown node '%s' (expected component or when-done)",
                                n->name);
        }
    }
    /* when-done shutdown COMPONENT...: only those are waited for */
    for (unsigned i = 0; i < *count; i++)
        children[i].awaited = !when_done || cfg_nargs(when_done) < 2;
    for (unsigned k = 1; when_done && k < cfg_nargs(when_done); k++) {
        unsigned i = 0;
        while (i < *count && strcmp(children[i].name, cfg_arg(when_done, k)))
            i++;
        if (i == *count)
            return cfg_error_at_value(err, when_done, &when_done->values[k],
                                      "'when-done': there is no component '%s'",
                                      cfg_arg(when_done, k));
        children[i].awaited = true;
    }
    return check_routes(children, *count, err);
}

size_t init_config_view(const char *text, size_t len, const struct child *c, char *out)
{
    size_t bom = bom_len(text, len), n = 0;
    for (size_t i = 0; i < len; i++) {
        if (i < bom || (i >= c->cfg_start && i < c->cfg_end) || text[i] == '\n')
            out[n++] = text[i];
        else if (((unsigned char)text[i] & 0xc0) != 0x80)
            out[n++] = ' '; /* one column for one character, however many bytes it had */
    }
    return n;
}
