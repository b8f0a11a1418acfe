/*
 * Per-label policy of the network server's Net sessions (docs/net-server.md): whether a
 * session may connect out and which ports it may listen on. Policies come from the
 * server's config (`policy label=L|label-prefix=L|label-suffix=L connect=yes|no
 * listen=none|any|P,P sockets=N`), matched by whole label elements as init's routes are
 * (cx_label_matches, docs/sessions.md), first match wins, no match refuses the session.
 * Freestanding, host-tested.
 */
#ifndef NET_POLICY_H
#define NET_POLICY_H

#include <capix/config.h>
#include <stdbool.h>
#include <stdint.h>

#define NET_POLICY_MAX 16
#define NET_POLICY_PORTS 16
#define NET_POLICY_LABEL 96
#define NET_POLICY_SOCKETS 16 /* default of sockets=N: lwIP's TCP pcbs are shared by all */

struct net_policy {
    char label[NET_POLICY_LABEL];
    int match;        /* cx_label_matches: 1 label=, 2 label-prefix=, 3 label-suffix= */
    bool connect;     /* may connect out (TCP connect, UDP send to others) */
    bool listen_any;  /* may listen on any port, ephemeral ones included */
    unsigned nports;  /* else only on these */
    unsigned sockets; /* sockets the session may hold at once (sockets=N, default 16) */
    uint16_t ports[NET_POLICY_PORTS];
};

struct net_policies {
    unsigned n;
    struct net_policy p[NET_POLICY_MAX];
};

/*
 * Reads every `policy` child of config into *out (cleared first). Returns 0, or
 * CFG_EINVAL with err filled for a malformed policy (unknown value, bad port, too many).
 */
int net_policy_parse(const struct cfg_node *config, struct net_policies *out,
                     struct cfg_error *err);

/* Returns the first policy matching label, or NULL (the session is refused). */
const struct net_policy *net_policy_match(const struct net_policies *all, const char *label);

/* Returns whether p allows listening on port (0: an ephemeral port, only with `any`). */
bool net_policy_may_listen(const struct net_policy *p, uint16_t port);

#endif
