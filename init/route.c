/*
 * Routing of session requests (docs/sessions.md), apart from IPC so that the host
 * fuzzer (init/route_fuzz.c) and the config tools drive the same code as init: the
 * first `route` of the requester whose service and label condition match names the
 * provider, which must provide that service; the provider sees the label prefixed
 * with the requester's name. What a requester asks for is one element (no "->", no
 * control characters) that fits the provider's label whole (route_label_check).
 */
#include <string.h>
#include "init.h"

struct child *route_find(struct child *children, unsigned count, const struct child *c,
                         const char *service, const char *label, unsigned *service_index)
{
    const struct route *r = NULL;
    for (unsigned i = 0; i < c->nroutes && !r; i++)
        if (!strcmp(c->routes[i].service, service) &&
            cx_label_matches(c->routes[i].match, c->routes[i].label, label))
            r = &c->routes[i];
    for (unsigned i = 0; r && i < count; i++) {
        if (strcmp(children[i].name, r->to))
            continue;
        for (unsigned s = 0; s < children[i].nprovides; s++)
            if (!strcmp(children[i].provides[s], service)) {
                *service_index = s;
                return &children[i];
            }
        return NULL;
    }
    return NULL;
}

void route_full_label(char *out, size_t size, const char *requester, const char *label)
{
    size_t n = strlen(requester), l = strlen(label);
    if (!size)
        return;
    if (n >= size)
        n = size - 1;
    memset(out, 0, size);
    memcpy(out, requester, n);
    if (!label[0] || n + 4 >= size)
        return;
    memcpy(out + n, " -> ", 4);
    if (n + 4 + l >= size)
        l = size - n - 5;
    memcpy(out + n + 4, label, l);
}

int route_label_check(size_t size, const char *requester, const char *service, const char *label)
{
    if (!cx_label_part_ok(service) || !cx_label_part_ok(label))
        return -22; /* EINVAL */
    size_t n = strlen(requester) + (label[0] ? 4 + strlen(label) : 0);
    return n < size ? 0 : -36; /* ENAMETOOLONG */
}
