/*
 * Host test of a Net session's socket table (net_session.c) over a fake stack: handles
 * and reference counts as open file descriptions have them (the stack closes a socket
 * only with its last reference or the session), the policy's EACCES for connect and for
 * ports not granted, the donation's ENOBUFS, EMFILE at NET_HANDLES_MAX, EBADF for stale
 * handles, and accepted connections charged like sockets; the rings in the session
 * memory: bytes both ways with wrap-around, flow control by the client's consumption,
 * and a client's impossible indices breaking its socket (EIO) and nothing else. One
 * PASS/FAIL line per case.
 */
#include <stdlib.h>
#include <string.h>
#include <vfs/linux.h>
#include "../tests/host/check.h"
#include "net_session.h"

struct fake_pcb {
    uint32_t type;
    uint16_t port;
    int listening, pending;
    uint8_t sent[3 * NET_RING_BYTES]; /* what the pump took from the send ring */
    uint32_t nsent;
    const uint8_t *inject; /* what the pump puts into the receive ring */
    uint32_t ninject;
    long consumed; /* what the client consumed, as the pump was told */
};

static int opened, closed;
static uint16_t next_port = 40000;

static int f_open(void *ctx, uint32_t type, void **pcb)
{
    struct fake_pcb *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->type = type;
    *pcb = p;
    opened++;
    return 0;
}
static void f_close(void *ctx, void *pcb)
{
    free(pcb);
    closed++;
}
static int f_bind(void *ctx, void *pcb, uint32_t addr, uint16_t port, uint16_t *bound)
{
    if (port == 7)
        return -EADDRINUSE;
    ((struct fake_pcb *)pcb)->port = *bound = port ? port : next_port++;
    return 0;
}
static int f_listen(void *ctx, void *pcb, uint32_t backlog)
{
    ((struct fake_pcb *)pcb)->listening = 1;
    return 0;
}
static int f_accept(void *ctx, void *pcb, void **conn, uint32_t *addr, uint16_t *port)
{
    struct fake_pcb *p = pcb;
    if (!p->pending)
        return -EAGAIN;
    p->pending--;
    *addr = 0x7f000001;
    *port = 5555;
    return f_open(ctx, NET_T_STREAM, conn);
}
static int f_connect(void *ctx, void *pcb, uint32_t addr, uint16_t port)
{
    if (port == 1)
        return -ECONNREFUSED;
    ((struct fake_pcb *)pcb)->port = next_port++;
    return -EINPROGRESS;
}
static int f_shutdown(void *ctx, void *pcb, uint32_t how)
{
    return 0;
}
static int f_setopt(void *ctx, void *pcb, uint32_t opt, uint64_t value)
{
    return 0;
}
static int f_getopt(void *ctx, void *pcb, uint32_t opt, uint64_t *value)
{
    *value = 42;
    return 0;
}
static int f_name(void *ctx, void *pcb, uint32_t peer, uint32_t *addr, uint16_t *port)
{
    *addr = 0x7f000001;
    *port = ((struct fake_pcb *)pcb)->port;
    return 0;
}

static uint32_t f_pump(void *ctx, void *pcb, struct net_rings *r, int may_send)
{
    struct fake_pcb *p = pcb;
    uint32_t space;
    long c = net_rx_check(r, &space);
    if (c < 0)
        return NET_RDY_HUP;
    p->consumed += c;
    uint32_t n = p->ninject < space ? p->ninject : space;
    net_rx_put(r, p->inject, n);
    p->inject += n;
    p->ninject -= n;
    long avail = net_tx_check(r);
    if (avail < 0)
        return NET_RDY_HUP;
    if ((uint32_t)avail > sizeof p->sent - p->nsent)
        avail = (long)(sizeof p->sent - p->nsent);
    net_tx_peek(r, 0, p->sent + p->nsent, (uint32_t)avail);
    net_tx_take(r, (uint32_t)avail);
    p->nsent += (uint32_t)avail;
    return NET_RDY_OUT | (net_rx_used(r) ? NET_RDY_IN : 0);
}

static const struct net_stack fake = {
    .open = f_open,
    .close = f_close,
    .bind = f_bind,
    .listen = f_listen,
    .accept = f_accept,
    .connect = f_connect,
    .shutdown = f_shutdown,
    .setopt = f_setopt,
    .getopt = f_getopt,
    .name = f_name,
    .pump = f_pump, /* no IPv6: -EAFNOSUPPORT */
};

static struct net_policy web = {
    .label = "web", .match = 2, .nports = 2, .ports = {80, 8080}, .sockets = 16};
static struct net_policy shell = {.label = "shell", .match = 2, .connect = true, .sockets = 16};
static struct net_policy any = {
    .label = "", .match = 2, .connect = true, .listen_any = true, .sockets = NET_HANDLES_MAX};
static struct net_policy few = {.label = "", .match = 2, .listen_any = true, .sockets = 2};
static struct net_session s;

static long req(uint32_t op, uint32_t handle, uint32_t addr, uint16_t port, uint32_t arg,
                uint64_t out[3])
{
    struct net_request r = {.op = op, .handle = handle, .addr = addr, .port = port, .arg = arg};
    return net_session_request(&s, &r, out);
}

static void fresh(const struct net_policy *p, uint64_t donation)
{
    if (s.stack)
        net_session_end(&s); /* the previous case's session ends */
    opened = closed = 0;
    if (net_session_init(&s, p, &fake, NULL, donation))
        abort();
}

static void test_refs(void)
{
    uint64_t o[3];
    fresh(&any, 1 << 24);
    long h = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(h, 1);
    CHECK_INT(req(NET_DUP, (uint32_t)h, 0, 0, 0, o), 0); /* fork */
    CHECK_INT(req(NET_CLOSE, (uint32_t)h, 0, 0, 0, o), 0);
    CHECK_INT(closed, 0);
    CHECK_INT(req(NET_LISTEN, (uint32_t)h, 0, 0, 5, o), 0); /* still there */
    CHECK_INT(req(NET_CLOSE, (uint32_t)h, 0, 0, 0, o), 0);
    CHECK_INT(closed, 1);
    CHECK_INT(req(NET_LISTEN, (uint32_t)h, 0, 0, 5, o), -EBADF);
    CHECK_INT(req(NET_CLOSE, (uint32_t)h, 0, 0, 0, o), -EBADF);
    CHECK_INT(s.nsockets, 0);
    CHECK_INT(s.charged, NET_CTL_PAGES * 4096);
}

static void test_policy(void)
{
    uint64_t o[3];
    fresh(&web, 1 << 24);
    long h = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(req(NET_CONNECT, (uint32_t)h, 0x0a000202, 80, 0, o), -EACCES);
    CHECK_INT(req(NET_BIND, (uint32_t)h, 0, 81, 0, o), -EACCES);
    CHECK_INT(req(NET_LISTEN, (uint32_t)h, 0, 0, 5, o), -EACCES); /* ephemeral */
    CHECK_INT(req(NET_BIND, (uint32_t)h, 0, 8080, 0, o), 0);
    CHECK_INT(o[0], 8080);
    CHECK_INT(req(NET_BIND, (uint32_t)h, 0, 80, 0, o), -EINVAL); /* bound already */
    CHECK_INT(req(NET_LISTEN, (uint32_t)h, 0, 0, 5, o), 0);
    fresh(&shell, 1 << 24);
    h = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(req(NET_BIND, (uint32_t)h, 0, 80, 0, o), -EACCES);
    CHECK_INT(req(NET_BIND, (uint32_t)h, 0, 0, 0, o), 0); /* a client's own port */
    CHECK_INT(req(NET_CONNECT, (uint32_t)h, 0x0a000202, 1, 0, o), -ECONNREFUSED);
    CHECK_INT(req(NET_CONNECT, (uint32_t)h, 0x0a000202, 80, 0, o), -EINPROGRESS);
    net_session_end(&s);
    CHECK_INT(closed, opened);
}

static void test_accept(void)
{
    uint64_t o[3];
    uint64_t two;
    net_session_bytes(2, NET_RING_PAGES, &two);
    fresh(&any, two);
    long h = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(req(NET_ACCEPT, (uint32_t)h, 0, 0, 0, o), -EINVAL); /* not listening */
    CHECK_INT(req(NET_LISTEN, (uint32_t)h, 0, 0, 5, o), 0);
    CHECK_INT(req(NET_ACCEPT, (uint32_t)h, 0, 0, 0, o), -EAGAIN);
    ((struct fake_pcb *)s.sock[h - 1].pcb)->pending = 2;
    long c = req(NET_ACCEPT, (uint32_t)h, 0, 0, 0, o);
    CHECK_INT(c, 2);
    CHECK_INT(o[0], 0x7f000001);
    CHECK_INT(o[1], 5555);
    CHECK_INT(req(NET_ACCEPT, (uint32_t)h, 0, 0, 0, o), -ENOBUFS); /* the donation is spent */
    CHECK_INT(((struct fake_pcb *)s.sock[h - 1].pcb)->pending, 1); /* left queued */
    CHECK_INT(req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, o), -ENOBUFS);
    CHECK_INT(opened - closed, 2);
    CHECK_INT(req(NET_CLOSE, (uint32_t)c, 0, 0, 0, o), 0);
    CHECK_INT(req(NET_ACCEPT, (uint32_t)h, 0, 0, 0, o), 2);
    uint64_t dg[3];
    fresh(&any, 1 << 24);
    long u = req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, dg);
    CHECK_INT(req(NET_LISTEN, (uint32_t)u, 0, 0, 5, dg), -EOPNOTSUPP);
    net_session_end(&s);
}

static void test_limits(void)
{
    uint64_t o[3];
    fresh(&any, UINT64_MAX);
    for (unsigned i = 0; i < NET_HANDLES_MAX; i++)
        if (req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, o) != (long)i + 1) {
            fail(__LINE__, "socket %u", i);
            return;
        }
    CHECK_INT(req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, o), -EMFILE);
    CHECK_INT(opened - closed, NET_HANDLES_MAX);
    s.sock[0].refs = NET_REFS_MAX;
    CHECK_INT(req(NET_DUP, 1, 0, 0, 0, o), -EMFILE);
    CHECK_INT(req(NET_KICK, 1, 0, 0, 0, o), 0); /* no session memory: nothing to move */
    CHECK_INT(req(NET_GETOPT, 2, 0, 0, NET_OPT_RCVBUF, o), 0);
    CHECK_INT(o[0], 42);
    net_session_end(&s);
    CHECK_INT(closed, opened);
    CHECK_INT(s.nsockets, 0);
    fresh(&few, UINT64_MAX);
    long l = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(req(NET_LISTEN, (uint32_t)l, 0, 0, 5, o), 0);
    CHECK_INT(req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, o), 2);
    CHECK_INT(req(NET_SOCKET, 0, 0, 0, NET_T_DGRAM, o), -EMFILE); /* the policy's share */
    ((struct fake_pcb *)s.sock[l - 1].pcb)->pending = 1;
    CHECK_INT(req(NET_ACCEPT, (uint32_t)l, 0, 0, 0, o), -EMFILE);
    CHECK_INT(((struct fake_pcb *)s.sock[l - 1].pcb)->pending, 1); /* left queued */
    net_session_end(&s);
    struct net_session tiny;
    CHECK_INT(net_session_init(&tiny, &any, &fake, NULL, 100), -ENOMEM);
}

/* The client's side, as the socket plugin does it: put n bytes into handle h's send
 * ring, take up to n from its receive ring. */
static uint8_t *mem;

static void client_send(uint32_t h, const uint8_t *src, uint32_t n)
{
    volatile struct net_ctl *c = (volatile struct net_ctl *)mem + (h - 1);
    uint8_t *ring = mem + net_ring_offset(h, 1);
    uint32_t prod = c->tx_prod;
    for (uint32_t i = 0; i < n; i++)
        ring[(prod + i) % NET_RING_BYTES] = src[i];
    c->tx_prod = prod + n;
}

static uint32_t client_recv(uint32_t h, uint8_t *dst, uint32_t n)
{
    volatile struct net_ctl *c = (volatile struct net_ctl *)mem + (h - 1);
    uint8_t *ring = mem + net_ring_offset(h, 0);
    uint32_t cons = c->rx_cons, have = c->rx_prod - cons;
    if (n > have)
        n = have;
    for (uint32_t i = 0; i < n; i++)
        dst[i] = ring[(cons + i) % NET_RING_BYTES];
    c->rx_cons = cons + n;
    return n;
}

static void test_rings(void)
{
    uint64_t o[3], bytes;
    net_session_bytes(2, NET_RING_PAGES, &bytes);
    mem = calloc(1, bytes);
    static uint8_t pattern[2 * NET_RING_BYTES + 100], got[2 * NET_RING_BYTES + 100];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + i / 251);
    fresh(&any, bytes);
    net_session_set_memory(&s, mem);
    long a = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    long b = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(b, 2);
    struct fake_pcb *pa = s.sock[a - 1].pcb;
    /* sending: more than the ring in three goes, wrapping */
    uint32_t off = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t n = i < 2 ? NET_RING_BYTES - 10 : (uint32_t)sizeof pattern - off;
        client_send((uint32_t)a, pattern + off, n);
        CHECK_INT(req(NET_KICK, (uint32_t)a, 0, 0, 0, o), 0);
        off += n;
    }
    CHECK_INT(pa->nsent, sizeof pattern);
    CHECK(memcmp(pa->sent, pattern, sizeof pattern) == 0);
    /* receiving: the ring fills, the rest waits for the client's consumption */
    pa->inject = pattern;
    pa->ninject = sizeof pattern;
    CHECK_INT(net_session_pump(&s), 1); /* a change: the client is signalled */
    CHECK_INT(net_session_pump(&s), 0); /* nothing new */
    volatile struct net_ctl *ca = (volatile struct net_ctl *)mem + (a - 1);
    CHECK_INT(ca->rx_prod, NET_RING_BYTES);
    CHECK(ca->ready & NET_RDY_IN);
    uint32_t have = 0;
    while (have < sizeof pattern) {
        uint32_t n = client_recv((uint32_t)a, got + have, 5000);
        have += n;
        if (n == 0 && req(NET_KICK, (uint32_t)a, 0, 0, 0, o) != 0)
            break;
    }
    CHECK_INT(have, sizeof pattern);
    CHECK(memcmp(got, pattern, sizeof pattern) == 0);
    CHECK_INT(req(NET_KICK, (uint32_t)a, 0, 0, 0, o), 0);
    CHECK_INT(pa->consumed, (long)sizeof pattern); /* all consumed, all reported */
    /* a hostile client: garbage indices break only that socket */
    ca->tx_prod += NET_RING_BYTES + 1;
    CHECK_INT(req(NET_KICK, (uint32_t)a, 0, 0, 0, o), -EIO);
    CHECK_INT(req(NET_KICK, (uint32_t)a, 0, 0, 0, o), -EIO); /* stays broken */
    volatile struct net_ctl *cb = (volatile struct net_ctl *)mem + (b - 1);
    cb->rx_cons = 12345; /* ahead of what was produced */
    CHECK_INT(req(NET_KICK, (uint32_t)b, 0, 0, 0, o), -EIO);
    long c = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(c, -ENOBUFS); /* the memory covers two */
    CHECK_INT(req(NET_CLOSE, (uint32_t)b, 0, 0, 0, o), 0);
    c = req(NET_SOCKET, 0, 0, 0, NET_T_STREAM, o);
    CHECK_INT(c, b); /* a fresh socket in the slot: its control block zeroed */
    CHECK_INT(cb->rx_cons, 0);
    CHECK_INT(req(NET_KICK, (uint32_t)c, 0, 0, 0, o), 0);
    cb->tx_prod = (uint32_t)-1; /* backwards */
    CHECK_INT(req(NET_KICK, (uint32_t)c, 0, 0, 0, o), -EIO);
    net_session_end(&s);
    CHECK_INT(closed, opened);
    free(mem);
}

int main(void)
{
    static const struct check_case cases[] = {
        {"refs", test_refs},     {"policy", test_policy}, {"accept", test_accept},
        {"limits", test_limits}, {"rings", test_rings},
    };
    int failed = check_run("net_session", cases, sizeof cases / sizeof cases[0]);
    net_session_end(&s);
    return failed ? 1 : 0;
}
