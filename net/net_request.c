/*
 * The Net session's request decoder (lib/include/capix/net_protocol.h): turns the words
 * of an IPC message into a private struct net_request, checking every field. Each word
 * is read once; nothing but *out is written, and *out only when the request is good.
 * Freestanding (the server and the host tests and fuzzer build it alike).
 */
#include <capix/net_protocol.h>
#include <stdbool.h>
#include <vfs/linux.h>

/* The arguments each operation reads, besides word 0 (the operation). */
static const unsigned char net_op_args[NET_OP_COUNT] = {
    [NET_SOCKET] = 1,  [NET_BIND] = 3,     [NET_LISTEN] = 2,   [NET_ACCEPT] = 1,
    [NET_CONNECT] = 3, [NET_SHUTDOWN] = 2, [NET_SETOPT] = 3,   [NET_GETOPT] = 2,
    [NET_NAME] = 2,    [NET_DUP] = 1,      [NET_CLOSE] = 1,    [NET_KICK] = 1,
    [NET_INFO] = 0,    [NET_BIND6] = 4,    [NET_CONNECT6] = 4, [NET_NAME6] = 2,
};

static int net_decode_opt(uint64_t opt, uint64_t value, bool set, struct net_request *r)
{
    if (opt == 0 || opt >= NET_OPT_COUNT)
        return -ENOPROTOOPT;
    r->arg = (uint32_t)opt;
    if (!set)
        return 0;
    switch (opt) {
    case NET_OPT_REUSEADDR:
    case NET_OPT_KEEPALIVE:
    case NET_OPT_NODELAY:
    case NET_OPT_V6ONLY:
        /* Linux takes an int: any non-zero value is "on" */
        r->value = (uint32_t)value != 0;
        return value > UINT32_MAX ? -EINVAL : 0;
    case NET_OPT_RCVBUF:
    case NET_OPT_SNDBUF:
        if (value > UINT32_MAX)
            return -EINVAL;
        r->value = value < NET_BUF_MIN ? NET_BUF_MIN : value > NET_BUF_MAX ? NET_BUF_MAX : value;
        return 0;
    default: /* NET_OPT_ERROR: read only, as on Linux */
        return -ENOPROTOOPT;
    }
}

int net_request_decode(const uint64_t *words, unsigned nwords, struct net_request *out)
{
    struct net_request r = {0};
    uint64_t a[NET_REQUEST_WORDS - 1] = {0};
    int rc = 0;

    if (!words || nwords < 1)
        return -EINVAL;
    uint64_t op = words[0];
    if (op == 0 || op >= NET_OP_COUNT)
        return -ENOSYS;
    unsigned need = net_op_args[op];
    if (nwords - 1 < need)
        return -EINVAL;
    for (unsigned i = 0; i < need; i++)
        a[i] = words[1 + i];
    r.op = (uint32_t)op;

    if (op != NET_SOCKET && op != NET_INFO) {
        if (a[0] == 0 || a[0] > NET_HANDLES_MAX)
            return -EBADF;
        r.handle = (uint32_t)a[0];
    }
    switch (op) {
    case NET_SOCKET:
        if (a[0] != NET_T_STREAM && a[0] != NET_T_DGRAM && a[0] != (NET_T_STREAM | NET_T_INET6))
            return -EOPNOTSUPP;
        r.arg = (uint32_t)a[0];
        break;
    case NET_BIND:
    case NET_CONNECT:
        if (a[1] > UINT32_MAX || a[2] > UINT16_MAX)
            return -EINVAL;
        r.addr = (uint32_t)a[1];
        r.port = (uint16_t)a[2];
        break;
    case NET_LISTEN:
        /* an int on Linux: negative (as a 32-bit int) means 0, big means the maximum */
        if ((int32_t)(uint32_t)a[1] < 0 || a[1] > UINT32_MAX)
            r.arg = a[1] > UINT32_MAX ? NET_BACKLOG_MAX : 0;
        else
            r.arg = a[1] > NET_BACKLOG_MAX ? NET_BACKLOG_MAX : (uint32_t)a[1];
        break;
    case NET_SHUTDOWN:
        if (a[1] > 2)
            return -EINVAL;
        r.arg = (uint32_t)a[1];
        break;
    case NET_SETOPT:
    case NET_GETOPT:
        rc = net_decode_opt(a[1], a[2], op == NET_SETOPT, &r);
        if (rc)
            return rc;
        break;
    case NET_BIND6:
    case NET_CONNECT6:
        if (a[3] > UINT16_MAX)
            return -EINVAL;
        for (unsigned i = 0; i < 8; i++) {
            r.addr6[i] = (uint8_t)(a[1] >> (56 - 8 * i));
            r.addr6[8 + i] = (uint8_t)(a[2] >> (56 - 8 * i));
        }
        r.port = (uint16_t)a[3];
        break;
    case NET_NAME:
    case NET_NAME6:
        if (a[1] > 1)
            return -EINVAL;
        r.arg = (uint32_t)a[1];
        break;
    default: /* ACCEPT, DUP, CLOSE, KICK: the handle only */
        break;
    }
    *out = r;
    return 0;
}

int net_session_bytes(uint64_t nsockets, uint64_t ring_pages, uint64_t *out)
{
    if (ring_pages == 0)
        return -EINVAL;
    uint64_t per_socket, all;
    if (__builtin_mul_overflow(ring_pages, 2 * 4096ull, &per_socket) ||
        __builtin_mul_overflow(per_socket, nsockets, &all) ||
        __builtin_add_overflow(all, NET_CTL_PAGES * 4096ull, &all))
        return -EOVERFLOW;
    *out = all;
    return 0;
}
