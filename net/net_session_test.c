/*
 * Host test of a Net session's socket table (net_session.c) over a fake stack: handles
 * and reference counts as open file descriptions have them (the stack closes a socket
 * only with its last reference or the session), the policy's EACCES for connect and for
 * ports not granted, the donation's ENOBUFS, EMFILE at NET_HANDLES_MAX, EBADF for stale
 * handles, and accepted connections charged like sockets. One PASS/FAIL line per case.
 */
#include <stdlib.h>
#include <vfs/linux.h>
#include "../tests/host/check.h"
#include "net_session.h"

struct fake_pcb {
    uint32_t type;
    uint16_t port;
    int listening, pending;
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

static const struct net_stack fake = {f_open,    f_close,    f_bind,   f_listen, f_accept,
                                      f_connect, f_shutdown, f_setopt, f_getopt, f_name};

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
    CHECK_INT(s.charged, 4096);
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
    CHECK_INT(req(NET_KICK, 1, 0, 0, 0, o), -ENOSYS);
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

int main(void)
{
    static const struct check_case cases[] = {
        {"refs", test_refs},
        {"policy", test_policy},
        {"accept", test_accept},
        {"limits", test_limits},
    };
    int failed = check_run("net_session", cases, sizeof cases / sizeof cases[0]);
    net_session_end(&s);
    return failed ? 1 : 0;
}
