/*
 * The Net sessions' control operations on lwIP (struct net_stack, net_session.h): one
 * struct lw_sock per socket, holding its TCP or UDP pcb, its pending error (SO_ERROR)
 * and, for a listener, the connections lwIP accepted that the client has not taken yet.
 * Runs in the server's one thread (NO_SYS), like every lwIP callback.
 *
 * lwIP frees a TCP pcb itself on a reset or an abort and then calls the error callback:
 * that callback forgets the pcb and records ECONNREFUSED (while connecting) or
 * ECONNRESET. Received data has no ring to go to yet (docs/net-protocol.md "State"):
 * it is kept unacknowledged, so the peer sees a closed window, never lost bytes.
 */
#include <string.h>
#include <vfs/linux.h>
#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net_lwip.h"

struct lw_sock {
    uint32_t type;
    struct tcp_pcb *tcp; /* NULL once lwIP freed it (reset, abort) or for UDP */
    struct udp_pcb *udp;
    int err; /* pending error, a positive errno (SO_ERROR) */
    uint8_t connecting, connected, listening, keepalive, nodelay, reuse;
    uint32_t rcvbuf, sndbuf;
    struct pbuf *rx;                    /* received, not yet taken (no ring yet) */
    struct lw_sock *q[NET_BACKLOG_MAX]; /* a listener's accepted connections */
    uint32_t qhead, qlen, backlog;
};

static struct lw_sock *lw_new(uint32_t type)
{
    struct lw_sock *s = mem_malloc(sizeof *s);
    if (s) {
        memset(s, 0, sizeof *s);
        s->type = type;
        s->rcvbuf = s->sndbuf = TCP_WND;
    }
    return s;
}

static int lw_errno(err_t e)
{
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOBUFS;
    case ERR_USE:
        return -EADDRINUSE;
    case ERR_ISCONN:
        return -EISCONN;
    case ERR_ALREADY:
    case ERR_INPROGRESS:
        return -EALREADY;
    case ERR_CONN:
        return -ENOTCONN;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_VAL:
    case ERR_ARG:
        return -EINVAL;
    case ERR_RST:
        return -ECONNRESET;
    default:
        return -EIO;
    }
}

static void lw_err_cb(void *arg, err_t e)
{
    struct lw_sock *s = arg;
    if (!s)
        return;
    s->tcp = NULL; /* freed by lwIP */
    s->err = s->connecting ? ECONNREFUSED : e == ERR_ABRT ? ECONNABORTED : ECONNRESET;
    s->connecting = s->connected = 0;
}

static err_t lw_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lw_sock *s = arg;
    if (!p) /* the peer's FIN: kept as the end of the stream for the ring to come */
        return ERR_OK;
    if (!s) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->rx)
        pbuf_cat(s->rx, p);
    else
        s->rx = p;
    return ERR_OK; /* not acknowledged with tcp_recved: the window closes */
}

static void lw_track(struct lw_sock *s, struct tcp_pcb *pcb)
{
    s->tcp = pcb;
    tcp_arg(pcb, s);
    tcp_err(pcb, lw_err_cb);
    tcp_recv(pcb, lw_recv_cb);
}

static err_t lw_accept_cb(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct lw_sock *l = arg;
    struct lw_sock *c;
    if (e != ERR_OK || !pcb || !l || l->qlen >= l->backlog || !(c = lw_new(NET_T_STREAM))) {
        if (pcb)
            tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->connected = 1;
    lw_track(c, pcb);
    l->q[(l->qhead + l->qlen++) % NET_BACKLOG_MAX] = c;
    return ERR_OK;
}

static void lw_free(struct lw_sock *s)
{
    if (s->tcp) {
        tcp_arg(s->tcp, NULL);
        if (s->listening) { /* lwIP asserts on err and recv callbacks of a listener */
            tcp_accept(s->tcp, NULL);
        } else {
            tcp_err(s->tcp, NULL);
            tcp_recv(s->tcp, NULL);
        }
        if (tcp_close(s->tcp) != ERR_OK)
            tcp_abort(s->tcp);
    }
    if (s->udp)
        udp_remove(s->udp);
    if (s->rx)
        pbuf_free(s->rx);
    while (s->qlen) {
        lw_free(s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % NET_BACKLOG_MAX;
        s->qlen--;
    }
    mem_free(s);
}

static int lw_open(void *ctx, uint32_t type, void **pcb)
{
    struct lw_sock *s = lw_new(type);
    if (!s)
        return -ENOBUFS;
    if (type == NET_T_STREAM) {
        struct tcp_pcb *t = tcp_new();
        if (t)
            lw_track(s, t);
    } else {
        s->udp = udp_new();
    }
    if (!s->tcp && !s->udp) {
        mem_free(s);
        return -ENOBUFS;
    }
    *pcb = s;
    return 0;
}

static void lw_close(void *ctx, void *pcb)
{
    lw_free(pcb);
}

static int lw_bind(void *ctx, void *pcb, uint32_t addr, uint16_t port, uint16_t *bound)
{
    struct lw_sock *s = pcb;
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, lwip_htonl(addr));
    if (s->type == NET_T_STREAM) {
        if (!s->tcp)
            return -EINVAL;
        int rc = lw_errno(tcp_bind(s->tcp, &a, port));
        *bound = s->tcp->local_port;
        return rc;
    }
    int rc = lw_errno(udp_bind(s->udp, &a, port));
    *bound = s->udp->local_port;
    return rc;
}

static int lw_listen(void *ctx, void *pcb, uint32_t backlog)
{
    struct lw_sock *s = pcb;
    if (!s->tcp || s->connected || s->connecting)
        return -EINVAL;
    if (s->listening) {
        s->backlog = backlog ? backlog : 1;
        return 0;
    }
    if (s->tcp->local_port == 0 && tcp_bind(s->tcp, IP_ANY_TYPE, 0) != ERR_OK)
        return -EADDRINUSE;
    err_t e = ERR_OK;
    struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->tcp, 255, &e);
    if (!l)
        return lw_errno(e);
    s->tcp = l; /* the old pcb is freed */
    s->listening = 1;
    s->backlog = backlog ? backlog : 1;
    tcp_arg(l, s);
    tcp_accept(l, lw_accept_cb);
    return 0;
}

static int lw_accept(void *ctx, void *pcb, void **conn, uint32_t *addr, uint16_t *port)
{
    struct lw_sock *s = pcb;
    if (!s->qlen)
        return s->tcp ? -EAGAIN : -EINVAL;
    struct lw_sock *c = s->q[s->qhead];
    s->qhead = (s->qhead + 1) % NET_BACKLOG_MAX;
    s->qlen--;
    *addr = c->tcp ? lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&c->tcp->remote_ip))) : 0;
    *port = c->tcp ? c->tcp->remote_port : 0;
    *conn = c;
    return 0;
}

static err_t lw_connected_cb(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct lw_sock *s = arg;
    if (s) {
        s->connecting = 0;
        s->connected = 1;
    }
    return ERR_OK;
}

static int lw_connect(void *ctx, void *pcb, uint32_t addr, uint16_t port)
{
    struct lw_sock *s = pcb;
    ip_addr_t a;
    ip_addr_set_ip4_u32_val(a, lwip_htonl(addr));
    if (s->type == NET_T_DGRAM)
        return lw_errno(udp_connect(s->udp, &a, port));
    if (s->connected)
        return -EISCONN;
    if (s->connecting)
        return -EALREADY;
    if (!s->tcp) {
        int e = s->err;
        s->err = 0;
        return e ? -e : -EINVAL;
    }
    if (port == 0)
        return -ECONNREFUSED; /* Linux: a SYN to port 0 is refused */
    err_t e = tcp_connect(s->tcp, &a, port, lw_connected_cb);
    if (e != ERR_OK)
        return lw_errno(e);
    s->connecting = 1;
    return -EINPROGRESS;
}

static int lw_shutdown(void *ctx, void *pcb, uint32_t how)
{
    struct lw_sock *s = pcb;
    if (s->type == NET_T_DGRAM || !s->tcp || !s->connected)
        return -ENOTCONN;
    return lw_errno(tcp_shutdown(s->tcp, how != 1, how != 0));
}

static int lw_setopt(void *ctx, void *pcb, uint32_t opt, uint64_t v)
{
    struct lw_sock *s = pcb;
    struct ip_pcb *ip = s->tcp ? (struct ip_pcb *)s->tcp : (struct ip_pcb *)s->udp;
    switch (opt) {
    case NET_OPT_REUSEADDR:
        s->reuse = (uint8_t)v;
        if (ip) {
            if (v)
                ip_set_option(ip, SOF_REUSEADDR);
            else
                ip_reset_option(ip, SOF_REUSEADDR);
        }
        return 0;
    case NET_OPT_KEEPALIVE:
        s->keepalive = (uint8_t)v;
        if (ip) {
            if (v)
                ip_set_option(ip, SOF_KEEPALIVE);
            else
                ip_reset_option(ip, SOF_KEEPALIVE);
        }
        return 0;
    case NET_OPT_NODELAY:
        if (s->type != NET_T_STREAM)
            return -EOPNOTSUPP;
        s->nodelay = (uint8_t)v;
        if (s->tcp && !s->listening) {
            if (v)
                tcp_nagle_disable(s->tcp);
            else
                tcp_nagle_enable(s->tcp);
        }
        return 0;
    case NET_OPT_RCVBUF:
        s->rcvbuf = (uint32_t)v; /* lwIP's window is fixed: remembered, reported */
        return 0;
    case NET_OPT_SNDBUF:
        s->sndbuf = (uint32_t)v;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int lw_getopt(void *ctx, void *pcb, uint32_t opt, uint64_t *v)
{
    struct lw_sock *s = pcb;
    switch (opt) {
    case NET_OPT_REUSEADDR:
        *v = s->reuse;
        return 0;
    case NET_OPT_KEEPALIVE:
        *v = s->keepalive;
        return 0;
    case NET_OPT_NODELAY:
        *v = s->nodelay;
        return s->type == NET_T_STREAM ? 0 : -EOPNOTSUPP;
    case NET_OPT_RCVBUF:
        *v = s->rcvbuf;
        return 0;
    case NET_OPT_SNDBUF:
        *v = s->sndbuf;
        return 0;
    case NET_OPT_ERROR:
        *v = (uint64_t)s->err;
        s->err = 0;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

static int lw_name(void *ctx, void *pcb, uint32_t peer, uint32_t *addr, uint16_t *port)
{
    struct lw_sock *s = pcb;
    const ip_addr_t *a;
    if (s->tcp) {
        if (peer && !s->connected)
            return -ENOTCONN;
        a = peer ? &s->tcp->remote_ip : &s->tcp->local_ip;
        *port = peer ? s->tcp->remote_port : s->tcp->local_port;
    } else if (s->udp) {
        if (peer && !(s->udp->flags & UDP_FLAGS_CONNECTED))
            return -ENOTCONN;
        a = peer ? &s->udp->remote_ip : &s->udp->local_ip;
        *port = peer ? s->udp->remote_port : s->udp->local_port;
    } else {
        return peer ? -ENOTCONN : -EINVAL;
    }
    *addr = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(a)));
    return 0;
}

const struct net_stack net_lwip_stack = {
    .open = lw_open,
    .close = lw_close,
    .bind = lw_bind,
    .listen = lw_listen,
    .accept = lw_accept,
    .connect = lw_connect,
    .shutdown = lw_shutdown,
    .setopt = lw_setopt,
    .getopt = lw_getopt,
    .name = lw_name,
};
