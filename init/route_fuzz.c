/*
 * libFuzzer target for the session router (init/route.c) and the label matcher that
 * the routes and the file-system servers' policies share (cx_label_matches,
 * lib/capix/label.c). The input is a system config, then optionally a NUL byte and
 * queries: lines of REQUESTER-INDEX SERVICE-INDEX LABEL (two bytes, then the label up
 * to a newline). Each answer of route_find is compared with a plain reading of
 * docs/sessions.md written here (first route of the service whose condition holds;
 * its target must provide the service), each full label with "REQUESTER -> LABEL" cut
 * to the provider's 127 bytes, each policy-style match of the full label with the
 * same plain reading, and route_label_check (what init takes at all: one element, no
 * control character, whole in the provider's label) with the same docs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LABEL_MAX (CX_SESSION_LABEL_WORDS * 8 - 1) /* what a requester's label can hold */
#define FULL_SIZE (CX_SESSION_FULL_WORDS * 8)

static struct child children[MAX_CHILDREN];

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "route_fuzz: %s\n", what);
        abort();
    }
}

/* docs/sessions.md, read plainly: does a condition (0 any, 1 exact, 2 prefix, 3 suffix)
 * take the label? Prefixes and suffixes are of whole elements. */
static bool plain_match(int match, const char *pattern, const char *label)
{
    if (match == 0)
        return true;
    if (match == 1)
        return !strcmp(pattern, label);
    /* whole elements: the pattern less a separator at its open end is the label, or
     * the label is it followed (prefix) or preceded (suffix) by " -> " and more */
    char p[512], joined[600];
    snprintf(p, sizeof(p), "%s", pattern);
    size_t pl = strlen(p);
    if (match == 2) {
        if (pl >= 4 && !strcmp(p + pl - 4, " -> "))
            p[pl - 4] = 0;
        else if (pl >= 3 && !strcmp(p + pl - 3, " ->"))
            p[pl - 3] = 0;
    } else if (!strncmp(p, " -> ", 4)) {
        memmove(p, p + 4, pl - 3);
    } else if (!strncmp(p, "-> ", 3)) {
        memmove(p, p + 3, pl - 2);
    }
    if (!p[0] || !strcmp(p, label))
        return true;
    size_t ll = strlen(label);
    if (match == 2) {
        snprintf(joined, sizeof(joined), "%s -> ", p);
        return !strncmp(label, joined, strlen(joined));
    }
    snprintf(joined, sizeof(joined), " -> %s", p);
    size_t jl = strlen(joined);
    return ll >= jl && !strcmp(label + ll - jl, joined);
}

static void query(unsigned count, const struct child *c, const char *service, const char *label)
{
    /* the expected provider */
    const struct route *r = NULL;
    for (unsigned i = 0; i < c->nroutes && !r; i++)
        if (!strcmp(c->routes[i].service, service) &&
            plain_match(c->routes[i].match, c->routes[i].label, label))
            r = &c->routes[i];
    const struct child *want = NULL;
    for (unsigned i = 0; r && i < count && !want; i++)
        if (!strcmp(children[i].name, r->to))
            want = &children[i];
    unsigned si = 1000;
    const struct child *got = route_find(children, count, c, service, label, &si);
    check(got == want, "route_find differs from the first matching route");
    check(!got || (si < got->nprovides && !strcmp(got->provides[si], service)),
          "route_find's provider does not provide the service");

    /* what init takes: no "->" and no control character in the service or the label,
     * and "REQUESTER -> LABEL" whole in the provider's label */
    bool one_element = !strstr(service, "->") && !strstr(label, "->");
    for (const char *s = label; *s; s++)
        one_element &= (unsigned char)*s >= 0x20 && *s != 0x7f;
    for (const char *s = service; *s; s++)
        one_element &= (unsigned char)*s >= 0x20 && *s != 0x7f;
    char whole[256 + LABEL_MAX];
    snprintf(whole, sizeof(whole), label[0] ? "%s -> %s" : "%s", c->name, label);
    int want_check = !one_element ? -22 : strlen(whole) >= FULL_SIZE ? -36 : 0;
    check(route_label_check(FULL_SIZE, c->name, service, label) == want_check,
          "route_label_check differs from the plain reading");

    /* the label the provider sees */
    char full[FULL_SIZE + 8];
    memset(full, 'x', sizeof(full));
    route_full_label(full, FULL_SIZE, c->name, label);
    check(!memchr(full + FULL_SIZE, 0, 8) && full[FULL_SIZE - 1] == 0, "a full label overflows");
    char plain[256 + LABEL_MAX];
    snprintf(plain, sizeof(plain), label[0] ? "%s -> %s" : "%s", c->name, label);
    plain[FULL_SIZE - 1] = 0;
    check(!strcmp(full, plain), "a full label is not 'REQUESTER -> LABEL'");
    check(want_check || !strcmp(full, whole), "a label init takes is cut");
    for (size_t i = strlen(full); i < FULL_SIZE; i++)
        check(full[i] == 0, "a full label is not NUL-padded");

    /* a provider's policies judge the full label with the same matcher */
    for (unsigned i = 0; i < count; i++)
        for (unsigned k = 0; k < children[i].nroutes; k++) {
            const struct route *p = &children[i].routes[k];
            for (int m = 0; m < 4; m++) {
                const char *pat = m ? (p->label ? p->label : "") : NULL;
                check(!cx_label_matches(m, pat, full) == !plain_match(m, pat, full),
                      "cx_label_matches differs from the plain reading");
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t len = nul ? (size_t)(nul - text) : size;
    unsigned count;
    int shutdown;
    struct cfg_error err;
    if (init_read_config(text, len, children, &count, &shutdown, &err) || !count)
        return 0;
    /* the services of the config, and one nobody names */
    const char *services[MAX_CHILDREN * (MAX_SERVICES + MAX_ROUTES) + 1];
    unsigned nservices = 0;
    services[nservices++] = "Nothing";
    for (unsigned i = 0; i < count; i++) {
        for (unsigned k = 0; k < children[i].nprovides; k++)
            services[nservices++] = children[i].provides[k];
        for (unsigned k = 0; k < children[i].nroutes; k++)
            services[nservices++] = children[i].routes[k].service;
    }
    /* queries of the config itself: each route's own label and a few around it */
    for (unsigned i = 0; i < count; i++)
        for (unsigned k = 0; k < children[i].nroutes; k++) {
            const struct route *r = &children[i].routes[k];
            char label[LABEL_MAX + 1];
            snprintf(label, sizeof(label), "%s", r->label ? r->label : "");
            query(count, &children[i], r->service, label);
            snprintf(label, sizeof(label), "x%s", r->label ? r->label : "");
            query(count, &children[i], r->service, label);
            snprintf(label, sizeof(label), "%sx", r->label ? r->label : "");
            query(count, &children[i], r->service, label);
            query(count, &children[i], r->service, "");
        }
    /* the input's queries */
    const char *q = nul ? nul + 1 : text + size, *end = text + size;
    while (end - q >= 2) {
        const struct child *c = &children[(unsigned char)q[0] % count];
        const char *service = services[(unsigned char)q[1] % nservices];
        q += 2;
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        size_t ll = (size_t)((eol ? eol : end) - q);
        char label[LABEL_MAX + 1];
        size_t n = ll < LABEL_MAX ? ll : LABEL_MAX;
        memcpy(label, q, n);
        label[n] = 0; /* as init reads it: a C string, cut */
        query(count, c, service, label);
        q += ll + (eol != NULL);
    }
    return 0;
}
