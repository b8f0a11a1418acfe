/*
 * Host test of the Net session's request decoder and policies (net_request.c,
 * net_policy.c): good requests decode to what the protocol says, every malformed field
 * gets its errno and leaves the output alone, sizes overflow safely, and policies parse,
 * match by label and refuse what they do not grant. One PASS/FAIL line per case.
 */
#include <capix/net_protocol.h>
#include <stdint.h>
#include <stdlib.h>
#include <vfs/linux.h>
#include "../tests/host/check.h"
#include "net_policy.h"

static void test_good(void)
{
    struct net_request r;
    uint64_t sock[] = {NET_SOCKET, NET_T_DGRAM};
    CHECK_INT(net_request_decode(sock, 2, &r), 0);
    CHECK_INT(r.op, NET_SOCKET);
    CHECK_INT(r.arg, NET_T_DGRAM);
    uint64_t bind[] = {NET_BIND, 3, 0x7f000001, 8080};
    CHECK_INT(net_request_decode(bind, 4, &r), 0);
    CHECK_INT(r.handle, 3);
    CHECK_INT(r.addr, 0x7f000001);
    CHECK_INT(r.port, 8080);
    uint64_t close_[] = {NET_CLOSE, NET_HANDLES_MAX, 99, 99, 99, 99};
    CHECK_INT(net_request_decode(close_, 6, &r), 0);
    CHECK_INT(r.handle, NET_HANDLES_MAX);
    uint64_t info[] = {NET_INFO, 999}; /* no handle: what follows is ignored */
    CHECK_INT(net_request_decode(info, 1, &r), 0);
    CHECK_INT(r.op, NET_INFO);
    CHECK_INT(net_request_decode(info, 2, &r), 0);
    CHECK_INT(r.handle, 0);
}

/* The IPv6 operations: the address's two words as its bytes, big-endian; a stream
 * socket of NET_T_INET6, not a datagram one. */
static void test_inet6(void)
{
    struct net_request r;
    uint64_t sock[] = {NET_SOCKET, NET_T_STREAM | NET_T_INET6};
    CHECK_INT(net_request_decode(sock, 2, &r), 0);
    CHECK_INT(r.arg, NET_T_STREAM | NET_T_INET6);
    uint64_t dgram6[] = {NET_SOCKET, NET_T_DGRAM | NET_T_INET6};
    CHECK_INT(net_request_decode(dgram6, 2, &r), -EOPNOTSUPP);
    uint64_t bind6[] = {NET_BIND6, 2, 0x0011223344556677ull, 0x8899aabbccddeeffull, 443};
    CHECK_INT(net_request_decode(bind6, 5, &r), 0);
    CHECK_INT(r.handle, 2);
    CHECK_INT(r.addr6[0], 0x00);
    CHECK_INT(r.addr6[7], 0x77);
    CHECK_INT(r.addr6[8], 0x88);
    CHECK_INT(r.addr6[15], 0xff);
    CHECK_INT(r.port, 443);
    uint64_t conn6[] = {NET_CONNECT6, 1, 0, 1, 80};
    CHECK_INT(net_request_decode(conn6, 5, &r), 0);
    CHECK_INT(r.addr6[15], 1);
    uint64_t shortc[] = {NET_CONNECT6, 1, 0, 1};
    CHECK_INT(net_request_decode(shortc, 4, &r), -EINVAL);
    uint64_t port[] = {NET_CONNECT6, 1, 0, 1, 65536};
    CHECK_INT(net_request_decode(port, 5, &r), -EINVAL);
    uint64_t name[] = {NET_NAME6, 1, 2};
    CHECK_INT(net_request_decode(name, 3, &r), -EINVAL);
    uint64_t v6only[] = {NET_SETOPT, 1, NET_OPT_V6ONLY, 7};
    CHECK_INT(net_request_decode(v6only, 4, &r), 0);
    CHECK_INT(r.value, 1);
}

static void test_malformed(void)
{
    struct net_request r = {.op = 77};
    uint64_t w[6] = {0};
    CHECK_INT(net_request_decode(NULL, 6, &r), -EINVAL);
    CHECK_INT(net_request_decode(w, 0, &r), -EINVAL);
    CHECK_INT(net_request_decode(w, 6, &r), -ENOSYS);
    w[0] = NET_OP_COUNT;
    CHECK_INT(net_request_decode(w, 6, &r), -ENOSYS);
    w[0] = UINT64_MAX;
    CHECK_INT(net_request_decode(w, 6, &r), -ENOSYS);
    uint64_t shortbind[] = {NET_BIND, 1, 1};
    CHECK_INT(net_request_decode(shortbind, 3, &r), -EINVAL);
    uint64_t h0[] = {NET_ACCEPT, 0};
    CHECK_INT(net_request_decode(h0, 2, &r), -EBADF);
    uint64_t hbig[] = {NET_ACCEPT, NET_HANDLES_MAX + 1};
    CHECK_INT(net_request_decode(hbig, 2, &r), -EBADF);
    uint64_t hhuge[] = {NET_ACCEPT, (1ull << 32) + 1};
    CHECK_INT(net_request_decode(hhuge, 2, &r), -EBADF);
    uint64_t port[] = {NET_CONNECT, 1, 0x7f000001, 65536};
    CHECK_INT(net_request_decode(port, 4, &r), -EINVAL);
    uint64_t addr[] = {NET_CONNECT, 1, 1ull << 32, 80};
    CHECK_INT(net_request_decode(addr, 4, &r), -EINVAL);
    uint64_t type[] = {NET_SOCKET, 3};
    CHECK_INT(net_request_decode(type, 2, &r), -EOPNOTSUPP);
    uint64_t how[] = {NET_SHUTDOWN, 1, 3};
    CHECK_INT(net_request_decode(how, 3, &r), -EINVAL);
    uint64_t name[] = {NET_NAME, 1, 2};
    CHECK_INT(net_request_decode(name, 3, &r), -EINVAL);
    uint64_t opt[] = {NET_GETOPT, 1, NET_OPT_COUNT};
    CHECK_INT(net_request_decode(opt, 3, &r), -ENOPROTOOPT);
    uint64_t seterr[] = {NET_SETOPT, 1, NET_OPT_ERROR, 0};
    CHECK_INT(net_request_decode(seterr, 4, &r), -ENOPROTOOPT);
    uint64_t wide[] = {NET_SETOPT, 1, NET_OPT_NODELAY, 1ull << 32};
    CHECK_INT(net_request_decode(wide, 4, &r), -EINVAL);
    CHECK_INT(r.op, 77); /* untouched by every refusal */
}

static void test_clamps(void)
{
    struct net_request r;
    uint64_t l[] = {NET_LISTEN, 1, 5000};
    CHECK_INT(net_request_decode(l, 3, &r), 0);
    CHECK_INT(r.arg, NET_BACKLOG_MAX);
    l[2] = (uint32_t)-1; /* listen(fd, -1) */
    CHECK_INT(net_request_decode(l, 3, &r), 0);
    CHECK_INT(r.arg, 0);
    l[2] = UINT64_MAX;
    CHECK_INT(net_request_decode(l, 3, &r), 0);
    CHECK_INT(r.arg, NET_BACKLOG_MAX);
    uint64_t buf[] = {NET_SETOPT, 1, NET_OPT_RCVBUF, 1};
    CHECK_INT(net_request_decode(buf, 4, &r), 0);
    CHECK_INT(r.value, NET_BUF_MIN);
    buf[3] = UINT32_MAX;
    CHECK_INT(net_request_decode(buf, 4, &r), 0);
    CHECK_INT(r.value, NET_BUF_MAX);
    uint64_t on[] = {NET_SETOPT, 1, NET_OPT_REUSEADDR, 7};
    CHECK_INT(net_request_decode(on, 4, &r), 0);
    CHECK_INT(r.value, 1);
}

static void test_session_bytes(void)
{
    uint64_t b = 0;
    CHECK_INT(net_session_bytes(4, NET_RING_PAGES, &b), 0);
    CHECK_INT(b, 4 * 2 * NET_RING_PAGES * 4096 + NET_CTL_PAGES * 4096);
    CHECK_INT(net_session_bytes(0, 1, &b), 0);
    CHECK_INT(b, NET_CTL_PAGES * 4096);
    CHECK_INT(net_session_bytes(1, 0, &b), -EINVAL);
    CHECK_INT(net_session_bytes(UINT64_MAX, 1, &b), -EOVERFLOW);
    CHECK_INT(net_session_bytes(1, UINT64_MAX / 4096, &b), -EOVERFLOW);
    CHECK_INT(net_session_bytes((UINT64_MAX - NET_CTL_PAGES * 4096) / 8192, 1, &b), 0);
    CHECK_INT(net_session_bytes((UINT64_MAX - NET_CTL_PAGES * 4096) / 8192 + 1, 1, &b), -EOVERFLOW);
}

static int parse(const char *text, struct net_policies *out, struct cfg_error *err)
{
    static char mem[16384];
    struct cfg_arena arena = {mem, sizeof mem, 0};
    struct cfg_node *root;
    int rc = cfg_parse("test", text, strlen(text), &arena, &root, err);
    return rc ? rc : net_policy_parse(root, out, err);
}

static void test_policy(void)
{
    struct net_policies ps;
    struct cfg_error err;
    CHECK_INT(parse("policy label-prefix=\"web\" listen=80,8080 connect=no\n"
                    "policy label=\"shell -> net\" connect=yes listen=none\n"
                    "policy label-prefix=\"\" listen=any\n",
                    &ps, &err),
              0);
    CHECK_INT(ps.n, 3);
    const struct net_policy *p = net_policy_match(&ps, "web -> net");
    CHECK(p == &ps.p[0]);
    CHECK(!p->connect);
    CHECK(net_policy_may_listen(p, 80));
    CHECK(net_policy_may_listen(p, 8080));
    CHECK(!net_policy_may_listen(p, 81));
    CHECK(!net_policy_may_listen(p, 0));
    p = net_policy_match(&ps, "shell -> net");
    CHECK(p == &ps.p[1] && p->connect && !net_policy_may_listen(p, 80));
    p = net_policy_match(&ps, "shell -> netx");
    CHECK(p == &ps.p[2] && !p->connect && net_policy_may_listen(p, 0));
    p = net_policy_match(&ps, "webby -> net"); /* prefixes match whole elements */
    CHECK(p == &ps.p[2]);
    CHECK_INT(ps.p[0].sockets, 16);
    CHECK_INT(parse("policy label=\"a\" sockets=3\n", &ps, &err), 0);
    CHECK_INT(ps.p[0].sockets, 3);
    CHECK_INT(parse("policy label=\"a\"\n", &ps, &err), 0);
    CHECK(net_policy_match(&ps, "b") == NULL);
    CHECK(!ps.p[0].connect && !net_policy_may_listen(&ps.p[0], 1));
}

static void test_policy_bad(void)
{
    struct net_policies ps;
    struct cfg_error err;
    const char *bad[] = {
        "policy connect=yes\n",
        "policy label=a label-prefix=b\n",
        "policy label=a connect=maybe\n",
        "policy label=a listen=0\n",
        "policy label=a listen=65536\n",
        "policy label=a listen=80,\n",
        "policy label=a listen=,80\n",
        "policy label=a listen=80x\n",
        "policy label=a listen=1111111\n",
        "policy label=a listen=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
        "policy label=a colour=blue\n",
        "policy label=a extra\n",
        "policy label=a label-suffix=b\n",
        "policy label=a sockets=0\n",
        "policy label=a sockets=257\n",
        "policy label=a sockets=x\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], &ps, &err) != CFG_EINVAL) {
            fail(__LINE__, "accepted: %s", bad[i]);
            return;
        }
}

int main(void)
{
    static const struct check_case cases[] = {
        {"good", test_good},
        {"inet6", test_inet6},
        {"malformed", test_malformed},
        {"clamps", test_clamps},
        {"session_bytes", test_session_bytes},
        {"policy", test_policy},
        {"policy_bad", test_policy_bad},
    };
    return check_run("net_request", cases, sizeof cases / sizeof cases[0]) ? 1 : 0;
}
