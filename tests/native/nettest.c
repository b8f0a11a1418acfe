/*
 * nettest: a native client of the network server's Net sessions (scenario net-session,
 * docs/net-protocol.md): a session refused by policy, malformed requests (each gets its
 * errno), a listening socket on the port the policy grants (EACCES for another),
 * ECONNREFUSED and a connect-accept pair over lwIP's loopback, a connection from the
 * host accepted through the forward on 127.0.0.1, references shared as after fork
 * (DUP/CLOSE), options, and the session's end. One PASS/FAIL line per case.
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
#define ADDR_SELF 0x0a00020fu /* 10.0.2.15 */
#define ADDR_GATEWAY 0x0a000202u

static int failures;
static uint64_t ep, sleeper;

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
    req(2, NET_CLOSE, (uint64_t)a, 0, 0, o);
    req(2, NET_CLOSE, (uint64_t)c, 0, 0, o);

    cx_printf("nettest: listening on 8080\n");
    a = wait_accept(l, 3000, o);
    check(a > 0 && o[0] == ADDR_GATEWAY, "accept_from_host", a);
    if (a > 0)
        cx_printf("nettest: accepted the host's connection\n");

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
