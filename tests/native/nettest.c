/*
 * nettest: a native client of the network server's Net sessions (scenario net-session,
 * docs/net-protocol.md): a session refused by policy, malformed requests (each gets its
 * errno), a listening socket on the port the policy grants (EACCES for another),
 * ECONNREFUSED and a connect-accept pair over lwIP's loopback, a connection from the
 * host accepted through the forward on 127.0.0.1, references shared as after fork
 * (DUP/CLOSE), options, and the session's end. The data path: the session memory
 * mapped, the notification bound, bytes both ways through the rings (over the loopback
 * and with the host, checked by hash), shutdown's EOF, UDP datagrams with their
 * boundaries and sources, and garbage ring indices answered with EIO. One PASS/FAIL
 * line per case.
 */
#include <capix/capix.h>
#include <capix/net_protocol.h>
#include <stdbool.h>
#include <string.h>

#define SW 4
#define LW 12
#define DONATION (1ul << 20) /* a socket takes 128 KiB of it (two 64 KiB rings) */
#define EPERM 1
#define EBADF 9
#define EAGAIN 11
#define EACCES 13
#define EINVAL 22
#define ENOSYS 38
#define ENOPROTOOPT 92
#define ECONNREFUSED 111
#define EINPROGRESS 115
#define EIO 5
#define ADDR_SELF 0x0a00020fu /* 10.0.2.15 */
#define MEM_VA 0x300000000ul
#define HOST_BYTES (1u << 20) /* what the host sends (scenario's host script) */
#define BACK_BYTES (512u << 10)
#define ADDR_GATEWAY 0x0a000202u

static int failures;
static uint64_t ep, sleeper, readiness; /* readiness: the session memory's slot */
static uint8_t *shm;

static void check(bool ok, const char *what, long got)
{
    if (ok)
        cx_printf("PASS %s\n", what);
    else
        cx_printf("FAIL %s: got %ld\n", what, got);
    failures += !ok;
}

static long open_session(const char *label, uint64_t *out_ep)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    char words[(SW + LW) * 8] = {0};
    memcpy(words, "Net", 3);
    memcpy(words + SW * 8, label, strlen(label));
    uint64_t quota = cx_slot_alloc(), mem = cx_slot_alloc();
    *out_ep = cx_slot_alloc();
    if (cx_quota_create(CX_SLOT_QUOTA, DONATION, quota))
        return 12;
    struct cx_msg m = {.tag = CX_TAG(CX_LABEL_SESSION, SW + LW, 1)};
    memcpy(m.w, words, sizeof(m.w));
    memcpy(b->words + 4, words + sizeof(m.w), sizeof(words) - sizeof(m.w));
    b->send_caps[0] = quota;
    b->recv_slots[0] = *out_ep;
    b->recv_slots[1] = mem;
    if (out_ep == &ep)
        readiness = mem;
    long err = cx_call(CX_SLOT_PARENT, &m) ? 5 : -(long)m.w[0];
    if (err)
        cx_cap_delete(quota);
    return err;
}

/* One request of n words; the answer's word 0, the rest in out[0..2]. */
static long req(unsigned n, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *out)
{
    struct cx_ipcbuf *b = cx_ipcbuf();
    struct cx_msg m = {.tag = CX_TAG(NET_LABEL_REQUEST, n, 0), .w = {op, a0, a1, a2}};
    b->words[4] = 0;
    b->words[5] = 0;
    if (cx_call(ep, &m))
        return -1000;
    if (out) {
        out[0] = m.w[1];
        out[1] = m.w[2];
        out[2] = m.w[3];
    }
    return (long)m.w[0];
}

static void nap(void)
{
    cx_notif_wait(sleeper, 20000000ul, NULL);
}

/* ---- the client's side of the rings (as vfs-plugins/socket does it) ---- */

static volatile struct net_ctl *ctl(long h)
{
    return (volatile struct net_ctl *)shm + (h - 1);
}

/* Puts up to n bytes into h's send ring; the count put. */
static uint32_t ring_put(long h, const uint8_t *src, uint32_t n)
{
    volatile struct net_ctl *c = ctl(h);
    uint8_t *ring = shm + net_ring_offset((uint32_t)h, 1);
    uint32_t prod = c->tx_prod, room = NET_RING_BYTES - (prod - c->tx_cons);
    if (n > room)
        n = room;
    for (uint32_t i = 0; i < n; i++)
        ring[(prod + i) % NET_RING_BYTES] = src[i];
    __atomic_thread_fence(__ATOMIC_RELEASE);
    c->tx_prod = prod + n;
    return n;
}

/* Takes up to n bytes out of h's receive ring; the count taken. */
static uint32_t ring_get(long h, uint8_t *dst, uint32_t n)
{
    volatile struct net_ctl *c = ctl(h);
    const uint8_t *ring = shm + net_ring_offset((uint32_t)h, 0);
    uint32_t cons = c->rx_cons, have = c->rx_prod - cons;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (n > have)
        n = have;
    for (uint32_t i = 0; i < n; i++)
        dst[i] = ring[(cons + i) % NET_RING_BYTES];
    c->rx_cons = cons + n;
    return n;
}

static long req(unsigned n, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *out);

static void ring_wait(void)
{
    cx_notif_wait(sleeper, 100000000ul, NULL); /* the server signals it; 100 ms at most */
}

static uint8_t pat(uint32_t i, uint32_t seed)
{
    return (uint8_t)((i * 2654435761u + seed) >> 13);
}

struct flow {
    long h;
    uint32_t sent, got, want_send, want_got, seed_send, seed_got, bad;
    bool eof;
};

/* Moves bytes both ways until both are done or about 30 s passed; sends a pattern,
 * checks what comes. shut: shutdown(SHUT_WR) once all is sent. Returns true when done. */
static bool flow_run(struct flow *f, int nf, bool shut)
{
    static uint8_t buf[8192];
    uint64_t o[3];
    for (int round = 0; round < 300;) {
        bool done = true, moved = false;
        for (int k = 0; k < nf; k++) {
            struct flow *x = &f[k];
            while (x->sent < x->want_send) {
                uint32_t n = x->want_send - x->sent;
                if (n > sizeof buf)
                    n = sizeof buf;
                for (uint32_t i = 0; i < n; i++)
                    buf[i] = pat(x->sent + i, x->seed_send);
                n = ring_put(x->h, buf, n);
                if (!n)
                    break;
                x->sent += n;
                moved = true;

                req(2, NET_KICK, (uint64_t)x->h, 0, 0, o);
            }
            if (x->sent == x->want_send && shut && x->want_send) {
                req(3, NET_SHUTDOWN, (uint64_t)x->h, 1, 0, o);
                x->want_send = 0;
            }
            uint32_t n;
            while ((n = ring_get(x->h, buf, sizeof buf)) > 0) {
                for (uint32_t i = 0; i < n; i++)
                    x->bad += buf[i] != pat(x->got + i, x->seed_got);
                x->got += n;
                moved = true;
            }
            if (ctl(x->h)->ready & NET_RDY_RXKICK)
                req(2, NET_KICK, (uint64_t)x->h, 0, 0, o);
            x->eof = (ctl(x->h)->ready & NET_RDY_EOF) && ctl(x->h)->rx_prod == ctl(x->h)->rx_cons;
            if (x->sent < x->want_send ||
                (x->want_got == UINT32_MAX ? !x->eof : x->got < x->want_got))
                done = false;
        }
        if (done)
            return true;
        if (round == 299) /* the last round: what was left undone */
            for (int k = 0; k < nf; k++)
                cx_printf("nettest: flow %ld: sent %u of %u, got %u, ready %x rx %u/%u tx %u/%u\n",
                          f[k].h, f[k].sent, f[k].want_send, f[k].got, ctl(f[k].h)->ready,
                          ctl(f[k].h)->rx_prod, ctl(f[k].h)->rx_cons, ctl(f[k].h)->tx_prod,
                          ctl(f[k].h)->tx_cons);
        if (!moved) {
            ring_wait();
            round++;
        } else {
            round = 0;
        }
    }
    return false;
}

/* GETOPT ERROR until it is set or about 5 s passed; the error, or 0. */
static long wait_error(long h)
{
    uint64_t o[3];
    for (int i = 0; i < 250; i++) {
        if (req(3, NET_GETOPT, (uint64_t)h, NET_OPT_ERROR, 0, o) == 0 && o[0])
            return (long)o[0];
        nap();
    }
    return 0;
}

/* ACCEPT until a connection comes or about n * 20 ms passed. */
static long wait_accept(long h, int n, uint64_t *o)
{
    long r = -EAGAIN;
    for (int i = 0; i < n && r == -EAGAIN; i++) {
        r = req(2, NET_ACCEPT, (uint64_t)h, 0, 0, o);
        if (r == -EAGAIN)
            nap();
    }
    return r;
}

int main(int argc, char **argv)
{
    uint64_t o[3], other;
    sleeper = cx_slot_alloc();
    cx_notif_create(CX_SLOT_QUOTA, sleeper);
    /* the server announces Net after its Nic session is up: EAGAIN until then */
    long r = 11;
    for (int i = 0; i < 1000 && r == 11; i++)
        if ((r = open_session("net", &ep)) == 11)
            nap();
    check(r == 0, "session_open", r);
    if (r)
        goto out;
    r = req(1, NET_INFO, 0, 0, 0, o);
    check(r == 0 && o[0] > NET_CTL_PAGES * 4096u && o[1] >= 3, "session_info", (long)o[1]);
    if (r == 0 &&
        cx_map(CX_SLOT_SELF_PD, readiness, 0, MEM_VA, o[0] / 4096, CX_MAP_R | CX_MAP_W) == 0)
        shm = (uint8_t *)MEM_VA;
    check(shm != NULL, "session_memory_mapped", 0);
    {
        struct cx_ipcbuf *b = cx_ipcbuf();
        uint64_t give = cx_slot_alloc();
        struct cx_msg m = {.tag = CX_TAG(NET_LABEL_BIND, 1, 1), .w = {1}};
        cx_cap_copy(sleeper, CX_SLOT_SELF_PD, give, CX_R_WRITE, 0);
        b->send_caps[0] = give;
        r = cx_call(ep, &m) ? -1000 : (long)m.w[0];
        check(r == 0, "bind_notification", r);
    }
    r = open_session("nobody", &other);
    check(r == EPERM, "session_without_policy_eperm", r);

    check(req(2, 0, 0, 0, 0, o) == -ENOSYS, "malformed_op_0", 0);
    check(req(2, 99, 0, 0, 0, o) == -ENOSYS, "malformed_op_99", 0);
    check(req(3, NET_BIND, 1, 0, 0, o) == -EINVAL, "malformed_short", 0);
    check(req(2, NET_ACCEPT, 999, 0, 0, o) == -EBADF, "malformed_handle", 0);
    check(req(2, NET_ACCEPT, 5, 0, 0, o) == -EBADF, "stale_handle", 0);
    check(req(4, NET_BIND, 1, 0, 70000, o) == -EINVAL, "malformed_port", 0);
    check(req(2, NET_SOCKET, 7, 0, 0, o) == -95, "malformed_type", 0);

    long l = req(2, NET_SOCKET, NET_T_STREAM, 0, 0, o);
    check(l > 0, "socket_stream", l);
    r = req(4, NET_BIND, (uint64_t)l, 0, 80, o);
    check(r == -EACCES, "bind_port_not_granted_eacces", r);
    r = req(4, NET_BIND, (uint64_t)l, 0, 8080, o);
    check(r == 0 && o[0] == 8080, "bind_granted_port", r);
    r = req(3, NET_LISTEN, (uint64_t)l, 4, 0, o);
    check(r == 0, "listen", r);
    r = req(3, NET_NAME, (uint64_t)l, 0, 0, o);
    check(r == 0 && o[1] == 8080, "getsockname", (long)o[1]);

    long c = req(2, NET_SOCKET, NET_T_STREAM, 0, 0, o);
    r = req(4, NET_CONNECT, (uint64_t)c, ADDR_SELF, 9, o);
    check(r == -EINPROGRESS, "connect_closed_port_inprogress", r);
    r = wait_error(c);
    check(r == ECONNREFUSED, "connect_closed_port_econnrefused", r);
    req(2, NET_CLOSE, (uint64_t)c, 0, 0, o);

    c = req(2, NET_SOCKET, NET_T_STREAM, 0, 0, o);
    r = req(4, NET_CONNECT, (uint64_t)c, ADDR_SELF, 8080, o);
    check(r == -EINPROGRESS, "connect_loopback_inprogress", r);
    long a = wait_accept(l, 250, o);
    check(a > 0 && o[0] == ADDR_SELF, "accept_loopback", a);
    uint64_t peer_port = o[1];
    r = req(3, NET_NAME, (uint64_t)c, 0, 0, o);
    check(r == 0 && o[1] == peer_port, "loopback_ports_agree", (long)o[1]);
    r = req(3, NET_NAME, (uint64_t)c, 1, 0, o);
    check(r == 0 && o[0] == ADDR_SELF && o[1] == 8080, "getpeername", (long)o[1]);
    r = req(4, NET_SETOPT, (uint64_t)c, NET_OPT_NODELAY, 1, o);
    r = r ? r : req(3, NET_GETOPT, (uint64_t)c, NET_OPT_NODELAY, 0, o);
    check(r == 0 && o[0] == 1, "nodelay", r);
    r = req(4, NET_SETOPT, (uint64_t)c, NET_OPT_ERROR, 1, o);
    check(r == -ENOPROTOOPT, "so_error_read_only", r);
    if (shm && a > 0 && c > 0) {
        /* 300 KiB one way, 200 KiB the other, at once: more than rings and windows */
        struct flow f[2] = {
            {.h = c,
             .want_send = 300u << 10,
             .want_got = 200u << 10,
             .seed_send = 1,
             .seed_got = 2},
            {.h = a,
             .want_send = 200u << 10,
             .want_got = 300u << 10,
             .seed_send = 2,
             .seed_got = 1},
        };
        bool ok = flow_run(f, 2, false);
        check(ok && !f[0].bad && !f[1].bad, "loopback_bytes_both_ways",
              (long)(f[0].got + f[1].got));
        /* shutdown(SHUT_WR): the peer reads what was sent, then EOF */
        struct flow g[2] = {{.h = c, .want_send = 1000, .seed_send = 3},
                            {.h = a, .want_got = UINT32_MAX, .seed_got = 3}};
        ok = flow_run(g, 2, true);
        check(ok && g[1].got == 1000 && g[1].eof && !g[1].bad, "shutdown_wr_eof", (long)g[1].got);
        check(ctl(c)->ready & NET_RDY_WRSHUT, "shutdown_wr_readiness", (long)ctl(c)->ready);
    }
    req(2, NET_CLOSE, (uint64_t)a, 0, 0, o);
    req(2, NET_CLOSE, (uint64_t)c, 0, 0, o);

    cx_printf("nettest: listening on 8080\n");
    a = wait_accept(l, 3000, o);
    check(a > 0 && o[0] == ADDR_GATEWAY, "accept_from_host", a);
    if (a > 0)
        cx_printf("nettest: accepted the host's connection\n");
    if (a > 0 && shm) {
        /* the host sends HOST_BYTES and shuts its side; nettest sends BACK_BYTES back,
         * then closes (the host checks them by hash) */
        struct flow f = {.h = a, .want_got = UINT32_MAX, .seed_got = 7};
        bool ok = flow_run(&f, 1, false);
        check(ok && f.got == HOST_BYTES && !f.bad, "bytes_from_host", (long)f.got);
        struct flow g = {.h = a, .want_send = BACK_BYTES, .seed_send = 9};
        ok = flow_run(&g, 1, true);
        for (int i = 0; i < 250 && ctl(a)->tx_cons != ctl(a)->tx_prod; i++)
            ring_wait(); /* drained into lwIP before the close */
        check(ok && ctl(a)->tx_cons == ctl(a)->tx_prod, "bytes_to_host", (long)g.sent);
        req(2, NET_CLOSE, (uint64_t)a, 0, 0, o);
        a = 0;
    }

    /* as after fork: two references, the listener lives until the last goes */
    check(req(2, NET_DUP, (uint64_t)l, 0, 0, o) == 0, "dup", 0);
    check(req(2, NET_CLOSE, (uint64_t)l, 0, 0, o) == 0, "close_one_reference", 0);
    r = req(2, NET_ACCEPT, (uint64_t)l, 0, 0, o);
    check(r == -EAGAIN, "shared_listener_still_listens", r);
    check(req(2, NET_CLOSE, (uint64_t)l, 0, 0, o) == 0, "close_last_reference", 0);
    r = req(2, NET_ACCEPT, (uint64_t)l, 0, 0, o);
    check(r == -EBADF, "closed_handle_ebadf", r);

    long u = req(2, NET_SOCKET, NET_T_DGRAM, 0, 0, o);
    r = req(4, NET_BIND, (uint64_t)u, 0, 0, o);
    check(u > 0 && r == 0 && o[0] != 0, "udp_ephemeral_bind", r);
    r = req(3, NET_LISTEN, (uint64_t)u, 1, 0, o);
    check(r == -95, "udp_listen_eopnotsupp", r);
    r = req(3, NET_NAME, (uint64_t)u, 0, 0, o);
    uint16_t uport = (uint16_t)o[1];
    if (shm && u > 0) {
        long v = req(2, NET_SOCKET, NET_T_DGRAM, 0, 0, o);
        req(4, NET_BIND, (uint64_t)v, 0, 0, o);
        uint16_t vport = (uint16_t)o[0];
        /* three datagrams v -> u: 1, 1400 and 0 bytes; each arrives whole, with v's port */
        static const uint32_t sizes[3] = {1, 1400, 0};
        static uint8_t d[1400];
        for (int k = 0; k < 3; k++) {
            struct net_dgram h = {.len = sizes[k], .addr = ADDR_SELF, .port = uport};
            for (uint32_t i = 0; i < sizes[k]; i++)
                d[i] = pat(i, (uint32_t)k);
            ring_put(v, (const uint8_t *)&h, sizeof h);
            ring_put(v, d, sizes[k]);
        }
        req(2, NET_KICK, (uint64_t)v, 0, 0, o);
        int good = 0;
        for (int k = 0, tries = 0; k < 3 && tries < 100;) {
            struct net_dgram h;
            volatile struct net_ctl *cu = ctl(u);
            if (cu->rx_prod - cu->rx_cons < sizeof h) {
                ring_wait();
                tries++;
                continue;
            }
            ring_get(u, (uint8_t *)&h, sizeof h);
            uint32_t got = h.len <= sizeof d ? ring_get(u, d, h.len) : 0, bad = 0;
            for (uint32_t i = 0; i < got; i++)
                bad += d[i] != pat(i, (uint32_t)k);
            good +=
                h.len == sizes[k] && got == h.len && !bad && h.port == vport && h.addr == ADDR_SELF;
            k++;
        }
        check(good == 3, "udp_datagram_boundaries", good);
        /* a client that writes garbage indices: EIO, the server runs on */
        ctl(v)->tx_prod += 3u * NET_RING_BYTES;
        r = req(2, NET_KICK, (uint64_t)v, 0, 0, o);
        check(r == -EIO, "garbage_ring_index_eio", r);
        check(ctl(v)->ready & NET_RDY_HUP, "garbage_ring_index_hup", (long)ctl(v)->ready);
        req(2, NET_CLOSE, (uint64_t)v, 0, 0, o);
    }
    /* the session ends with its last capability: the server closes the two sockets left
     * open (the host's connection, the UDP socket) and logs it; a little time for that
     * before the machine stops */
    cx_cap_delete(ep);
    for (int i = 0; i < 10; i++)
        nap();
out:
    cx_printf("nettest: %s\n", failures ? "failures" : "all passed");
    return failures ? 1 : 0;
}
