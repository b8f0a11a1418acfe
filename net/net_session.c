/*
 * A Net session's sockets (net_session.h). Invariants: sock[i].pcb != NULL iff
 * sock[i].refs > 0; nsockets counts those slots; charged == net_session_bytes(nsockets,
 * ring_pages) <= donation. Every check comes before any change, so a refused request
 * leaves the session as it was.
 */
#include "net_session.h"
#include <string.h>
#include <vfs/linux.h>

static uint64_t net_charge_for(const struct net_session *s, uint64_t nsockets)
{
    uint64_t bytes;
    if (net_session_bytes(nsockets, s->ring_pages, &bytes))
        return UINT64_MAX;
    return bytes;
}

/* How many sockets the donation covers, at most the policy's. */
static uint64_t net_sockets_for(const struct net_session *s)
{
    uint64_t n = 0;
    while (n < s->policy->sockets && n < NET_HANDLES_MAX && net_charge_for(s, n + 1) <= s->donation)
        n++;
    return n;
}

int net_session_init(struct net_session *s, const struct net_policy *policy,
                     const struct net_stack *stack, void *ctx, uint64_t donation)
{
    memset(s, 0, sizeof *s);
    s->policy = policy;
    s->stack = stack;
    s->ctx = ctx;
    s->donation = donation;
    s->ring_pages = NET_RING_PAGES;
    s->charged = net_charge_for(s, 0);
    return s->charged > donation ? -ENOMEM : 0;
}

/* A free slot for one more socket, charged; -EMFILE or -ENOBUFS (nothing changed). */
static int net_slot_take(struct net_session *s, void *pcb, uint32_t type)
{
    if (s->nsockets >= s->policy->sockets)
        return -EMFILE; /* the policy's share of lwIP's pcbs */
    uint64_t charge = net_charge_for(s, (uint64_t)s->nsockets + 1);
    if (charge > s->donation)
        return -ENOBUFS;
    for (unsigned i = 0; i < NET_HANDLES_MAX; i++) {
        if (s->sock[i].pcb)
            continue;
        s->sock[i] = (struct net_socket){.pcb = pcb, .refs = 1, .type = type};
        net_rings_init(&s->sock[i].rings, s->mem, i + 1);
        s->nsockets++;
        if (s->top < i + 1)
            s->top = i + 1;
        s->charged = charge;
        return (int)i + 1;
    }
    return -EMFILE;
}

static int net_pump_one(struct net_session *s, struct net_socket *k)
{
    uint32_t ready = s->stack->pump(s->ctx, k->pcb, &k->rings, s->policy->connect);
    int changed = net_rings_publish(&k->rings, ready);
    s->signal |= (uint8_t)changed;
    return changed;
}

static void net_slot_drop(struct net_session *s, struct net_socket *k)
{
    net_pump_one(s, k); /* what the send ring still holds goes to the stack first */
    s->stack->close(s->ctx, k->pcb);
    memset(k, 0, sizeof *k);
    s->nsockets--;
    s->charged = net_charge_for(s, s->nsockets);
}

static long net_do_socket(struct net_session *s, uint32_t type)
{
    void *pcb = NULL;
    int rc = s->stack->open(s->ctx, type, &pcb);
    if (rc)
        return rc;
    rc = net_slot_take(s, pcb, type & ~NET_T_INET6);
    if (rc < 0)
        s->stack->close(s->ctx, pcb);
    return rc;
}

static long net_do_bind(struct net_session *s, struct net_socket *k, const struct net_request *r,
                        uint64_t out[3])
{
    if (k->bound)
        return -EINVAL; /* Linux: already bound */
    if (r->port != 0 && !net_policy_may_listen(s->policy, r->port))
        return -EACCES;
    uint16_t bound = 0;
    int rc = r->op == NET_BIND ? s->stack->bind(s->ctx, k->pcb, r->addr, r->port, &bound)
             : s->stack->bind6 ? s->stack->bind6(s->ctx, k->pcb, r->addr6, r->port, &bound)
                               : -EAFNOSUPPORT;
    if (rc)
        return rc;
    k->bound = 1;
    k->port = bound;
    out[0] = bound;
    return 0;
}

static long net_do_listen(struct net_session *s, struct net_socket *k, uint32_t backlog)
{
    if (k->type != NET_T_STREAM)
        return -EOPNOTSUPP;
    /* an unbound socket listens on an ephemeral port: only under listen=any; a port
     * bound explicitly passed the policy at bind */
    if (!k->bound && !net_policy_may_listen(s->policy, 0))
        return -EACCES;
    int rc = s->stack->listen(s->ctx, k->pcb, backlog);
    if (rc)
        return rc;
    k->listening = 1;
    return 0;
}

static long net_do_accept(struct net_session *s, struct net_socket *k, uint64_t out[3])
{
    if (!k->listening)
        return -EINVAL;
    if (net_charge_for(s, (uint64_t)s->nsockets + 1) > s->donation)
        return -ENOBUFS; /* leave the connection queued for when memory is back */
    if (s->nsockets >= s->policy->sockets || s->nsockets == NET_HANDLES_MAX)
        return -EMFILE;
    void *conn = NULL;
    uint32_t addr = 0;
    uint16_t port = 0;
    int rc = s->stack->accept(s->ctx, k->pcb, &conn, &addr, &port);
    if (rc)
        return rc;
    rc = net_slot_take(s, conn, NET_T_STREAM);
    if (rc < 0) { /* checked above; kept for the invariant */
        s->stack->close(s->ctx, conn);
        return rc;
    }
    s->sock[rc - 1].bound = 1;
    s->sock[rc - 1].port = k->port;
    out[0] = addr;
    out[1] = port;
    return rc;
}

long net_session_request(struct net_session *s, const struct net_request *r, uint64_t out[3])
{
    out[0] = out[1] = out[2] = 0;
    if (r->op == NET_SOCKET)
        return net_do_socket(s, r->arg);
    if (r->op == NET_INFO) {
        out[0] = s->donation; /* the memory the session's sockets may use */
        out[1] = s->donation < s->charged ? 0 : net_sockets_for(s);
        return 0;
    }
    /* net_request_decode bounded the handle to 1..NET_HANDLES_MAX */
    if (r->handle == 0 || r->handle > NET_HANDLES_MAX || !s->sock[r->handle - 1].pcb)
        return -EBADF;
    struct net_socket *k = &s->sock[r->handle - 1];
    int rc;
    switch (r->op) {
    case NET_BIND:
    case NET_BIND6:
        return net_do_bind(s, k, r, out);
    case NET_LISTEN:
        return net_do_listen(s, k, r->arg);
    case NET_ACCEPT:
        return net_do_accept(s, k, out);
    case NET_CONNECT:
    case NET_CONNECT6:
        if (!s->policy->connect)
            return -EACCES;
        if (k->listening)
            return -EISCONN; /* Linux: connect on a listening socket */
        rc = r->op == NET_CONNECT ? s->stack->connect(s->ctx, k->pcb, r->addr, r->port)
             : s->stack->connect6 ? s->stack->connect6(s->ctx, k->pcb, r->addr6, r->port)
                                  : -EAFNOSUPPORT;
        if ((rc == 0 || rc == -EINPROGRESS) && !k->bound) {
            k->bound = 1; /* the stack chose a local port */
            uint32_t a;
            if (s->stack->name(s->ctx, k->pcb, 0, &a, &k->port))
                k->port = 0;
        }
        return rc;
    case NET_SHUTDOWN:
        return s->stack->shutdown(s->ctx, k->pcb, r->arg);
    case NET_SETOPT:
        return s->stack->setopt(s->ctx, k->pcb, r->arg, r->value);
    case NET_GETOPT:
        return s->stack->getopt(s->ctx, k->pcb, r->arg, &out[0]);
    case NET_NAME: {
        uint32_t addr = 0;
        uint16_t port = 0;
        rc = s->stack->name(s->ctx, k->pcb, r->arg, &addr, &port);
        out[0] = addr;
        out[1] = port;
        return rc;
    }
    case NET_NAME6: {
        uint8_t a6[16] = {0};
        uint16_t port = 0;
        rc = s->stack->name6 ? s->stack->name6(s->ctx, k->pcb, r->arg, a6, &port) : -EAFNOSUPPORT;
        for (unsigned i = 0; i < 8; i++) {
            out[0] = out[0] << 8 | a6[i];
            out[1] = out[1] << 8 | a6[8 + i];
        }
        out[2] = port;
        return rc;
    }
    case NET_DUP:
        if (k->refs >= NET_REFS_MAX)
            return -EMFILE;
        k->refs++;
        return 0;
    case NET_CLOSE:
        if (--k->refs == 0)
            net_slot_drop(s, k);
        return 0;
    case NET_KICK:
        net_pump_one(s, k);
        return k->rings.broken ? -EIO : 0;
    default:
        return -ENOSYS;
    }
}

void net_session_set_memory(struct net_session *s, volatile uint8_t *mem)
{
    s->mem = mem;
}

int net_session_pump(struct net_session *s)
{
    for (unsigned i = 0; i < s->top && i < NET_HANDLES_MAX; i++)
        if (s->sock[i].pcb)
            net_pump_one(s, &s->sock[i]);
    int signal = s->signal;
    s->signal = 0;
    return signal;
}

void net_session_end(struct net_session *s)
{
    for (unsigned i = 0; i < NET_HANDLES_MAX; i++)
        if (s->sock[i].pcb)
            net_slot_drop(s, &s->sock[i]);
}
