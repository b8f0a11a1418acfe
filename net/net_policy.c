/*
 * Per-label policy of the Net sessions (net_policy.h). Parsing checks everything once;
 * the lookups after it only compare.
 */
#include "net_policy.h"
#include <capix/capix.h>
#include <capix/net_protocol.h>
#include <string.h>

static int net_policy_ports(const struct cfg_node *node, const struct cfg_value *v,
                            struct net_policy *p, struct cfg_error *err)
{
    const char *s = v->text;
    if (!strcmp(s, "none"))
        return 0;
    if (!strcmp(s, "any")) {
        p->listen_any = true;
        return 0;
    }
    while (*s) {
        uint32_t port = 0;
        unsigned digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 6) {
            port = port * 10 + (uint32_t)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || port == 0 || port > 65535 || (*s && *s != ','))
            return cfg_error_at_value(err, node, v,
                                      "listen: want none, any or ports 1..65535 "
                                      "separated by commas");
        if (p->nports == NET_POLICY_PORTS)
            return cfg_error_at_value(err, node, v, "listen: at most %u ports", NET_POLICY_PORTS);
        p->ports[p->nports++] = (uint16_t)port;
        if (*s == ',' && !*++s)
            return cfg_error_at_value(err, node, v, "listen: a port after the last comma");
    }
    return 0;
}

int net_policy_parse(const struct cfg_node *config, struct net_policies *out, struct cfg_error *err)
{
    memset(out, 0, sizeof *out);
    for (const struct cfg_node *n = cfg_first(config, "policy"); n; n = cfg_next(n, "policy")) {
        if (out->n == NET_POLICY_MAX)
            return cfg_error_at(err, n, "at most %u policies", NET_POLICY_MAX);
        struct net_policy *p = &out->p[out->n];
        const char *l = NULL;
        if (cfg_label_selector(n, &l, &p->match) != 1)
            return cfg_error_at(err, n,
                                "policy: want one of label=, label-prefix=, "
                                "label-suffix=");
        if (strlen(l) >= NET_POLICY_LABEL)
            return cfg_error_at(err, n, "policy: label longer than %u bytes", NET_POLICY_LABEL - 1);
        memcpy(p->label, l, strlen(l) + 1);
        const struct cfg_value *c = cfg_prop_value(n, "connect");
        if (c && strcmp(c->text, "yes") && strcmp(c->text, "no"))
            return cfg_error_at_value(err, n, c, "connect: want yes or no");
        p->connect = c && !strcmp(c->text, "yes");
        const struct cfg_value *l2 = cfg_prop_value(n, "listen");
        if (l2) {
            int rc = net_policy_ports(n, l2, p, err);
            if (rc)
                return rc;
        }
        p->sockets = NET_POLICY_SOCKETS;
        const struct cfg_value *sv = cfg_prop_value(n, "sockets");
        uint64_t ns = 0;
        if (sv && (cfg_parse_u64(sv->text, &ns) || ns == 0 || ns > NET_HANDLES_MAX))
            return cfg_error_at_value(err, n, sv, "sockets: want 1..%u", NET_HANDLES_MAX);
        if (sv)
            p->sockets = (unsigned)ns;
        for (unsigned i = 0; i < n->nvalues; i++) {
            const char *k = n->values[i].key;
            if (!k ||
                (strcmp(k, "label") && strcmp(k, "label-prefix") && strcmp(k, "label-suffix") &&
                 strcmp(k, "connect") && strcmp(k, "listen") && strcmp(k, "sockets")))
                return cfg_error_at_value(err, n, &n->values[i], "policy: unknown value");
        }
        out->n++;
    }
    return 0;
}

const struct net_policy *net_policy_match(const struct net_policies *all, const char *label)
{
    for (unsigned i = 0; i < all->n; i++)
        if (cx_label_matches(all->p[i].match, all->p[i].label, label))
            return &all->p[i];
    return NULL;
}

bool net_policy_may_listen(const struct net_policy *p, uint16_t port)
{
    if (p->listen_any)
        return true;
    for (unsigned i = 0; i < p->nports; i++)
        if (port != 0 && p->ports[i] == port)
            return true;
    return false;
}
