/*
 * The Net sessions' control operations on lwIP (struct net_stack, net_session.h): one
 * struct lw_sock per socket, holding its TCP or UDP pcb, its pending error (SO_ERROR)
 * and, for a listener, the connections lwIP accepted that the client has not taken yet.
 * Runs in the server's one thread (NO_SYS), like every lwIP callback.
 *
 * lwIP frees a TCP pcb itself on a reset or an abort and then calls the error callback:
 * that callback forgets the pcb and records ECONNREFUSED (while connecting) or
 * ECONNRESET.
 *
 * The data path (lw_pump, after every message of the server's loop and on NET_KICK):
 * received TCP bytes wait in a pbuf chain until the receive ring has room and are
 * acknowledged to lwIP (tcp_recved, which opens the window) only when the client has
 * consumed them; the send ring is drained into tcp_write as far as lwIP's send buffer
 * takes it. Received datagrams wait in a small queue (dropped when it is full, as a
 * full socket buffer drops them) until their record fits the ring. A broken ring
 * (net_ring.h) aborts the connection with EIO.
 */
#include <string.h>
#include <vfs/linux.h>
#include "lwip/ip4_addr.h"
#include "lwip/mem.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net_lwip.h"

#define LW_UDPQ 16u               /* datagrams waiting for ring room */
#define LW_KICK_AT (TCP_WND / 2u) /* unconsumed bytes that want a kick */

struct lw_sock {
    uint32_t type;
    struct tcp_pcb *tcp; /* NULL once lwIP freed it (reset, abort) or for UDP */
    struct udp_pcb *udp;
    int err; /* pending error, a positive errno (SO_ERROR) */
    uint8_t connecting, connected, listening, keepalive, nodelay, reuse;
    uint8_t eof;    /* the peer's FIN came */
    uint8_t dead;   /* lwIP freed the pcb (reset, refused, aborted) */
    uint8_t rd_off; /* shutdown(SHUT_RD): received bytes are dropped */
    uint8_t wr_off; /* shutdown(SHUT_WR) asked: FIN once the send ring is drained */
    uint8_t wr_done;
    uint8_t inet6, v6only; /* an IPv6 socket (NET_T_INET6), IPV6_V6ONLY */
    uint32_t rcvbuf, sndbuf;
    struct pbuf *rx; /* received, not yet in the ring (unacknowledged) */
    struct pbuf *uq[LW_UDPQ];
    uint32_t uaddr[LW_UDPQ];
    uint16_t uport[LW_UDPQ];
    uint32_t uhead, ulen;
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
    s->err = s->connecting   ? ECONNREFUSED
             : e == ERR_ABRT ? ECONNABORTED
             : s->eof        ? EPIPE /* Linux: a reset after the peer's FIN */
                             : ECONNRESET;
    s->connecting = s->connected = 0;
    s->dead = 1;
}

static err_t lw_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct lw_sock *s = arg;
    if (!p) { /* the peer's FIN: the end of the stream after what the ring holds */
        if (s)
            s->eof = 1;
        return ERR_OK;
    }
    if (!s || s->rd_off) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->rx && (uint32_t)s->rx->tot_len + p->tot_len > 0xffffu)
        return ERR_MEM; /* lwIP keeps it and offers it again (the window is below this) */
    if (s->rx)
        pbuf_cat(s->rx, p);
    else
        s->rx = p;
    return ERR_OK; /* acknowledged with tcp_recved when the client consumes it */
}

static void lw_udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *a,
                           u16_t port)
{
    struct lw_sock *s = arg;
    if (!s || s->ulen >= LW_UDPQ || p->tot_len > NET_DGRAM_MAX) {
        pbuf_free(p); /* a full buffer drops datagrams */
        return;
    }
    uint32_t i = (s->uhead + s->ulen++) % LW_UDPQ;
    s->uq[i] = p;
    s->uaddr[i] = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(a)));
    s->uport[i] = port;
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
    for (; s->ulen; s->ulen--, s->uhead = (s->uhead + 1) % LW_UDPQ)
        pbuf_free(s->uq[s->uhead]);
    while (s->qlen) {
        lw_free(s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % NET_BACKLOG_MAX;
        s->qlen--;
    }
    mem_free(s);
}

static int lw_open(void *ctx, uint32_t type, void **pcb)
{
    struct lw_sock *s = lw_new(type & ~NET_T_INET6);
    if (!s)
        return -ENOBUFS;
    s->inet6 = (type & NET_T_INET6) != 0;
    if (s->type == NET_T_STREAM) {
        /* an IPv6 socket takes IPv4 peers too until bound otherwise (IPV6_V6ONLY) */
        struct tcp_pcb *t = tcp_new_ip_type(s->inet6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
        if (t)
            lw_track(s, t);
    } else {
        s->udp = udp_new();
        if (s->udp)
            udp_recv(s->udp, lw_udp_recv_cb, s);
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
    const ip_addr_t *any = !s->inet6 ? IP4_ADDR_ANY : s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
    if (s->tcp->local_port == 0 && tcp_bind(s->tcp, any, 0) != ERR_OK)
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
    *addr = c->tcp && IP_IS_V4_VAL(c->tcp->remote_ip)
                ? lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&c->tcp->remote_ip)))
                : 0; /* an IPv6 peer: NET_NAME6 tells it */
    c->inet6 = s->inet6;
    c->v6only = s->v6only;
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

/* A stream socket's connect to a (IPv4 or IPv6): -EINPROGRESS, or Linux's errno. */
static int lw_tcp_connect(struct lw_sock *s, const ip_addr_t *a, uint16_t port)
{
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
    err_t e = tcp_connect(s->tcp, a, port, lw_connected_cb);
    if (e != ERR_OK)
        return lw_errno(e);
    s->connecting = 1;
    return -EINPROGRESS;
}

static int lw_connect(void *ctx, void *pcb, uint32_t addr, uint16_t port)
{
    struct lw_sock *s = pcb;
    ip_addr_t a; /* Linux: 0.0.0.0 as a destination is this host */
    ip_addr_set_ip4_u32_val(a, lwip_htonl(addr ? addr : 0x7f000001u));
    if (s->type == NET_T_DGRAM)
        return lw_errno(udp_connect(s->udp, &a, port));
    return lw_tcp_connect(s, &a, port);
}

/* ---- IPv6 (NET_T_INET6 stream sockets) ---- */

static const uint8_t lw_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* b as lwIP's address: ::ffff:a.b.c.d as IPv4; 1 when it was such a mapped address. */
static int lw_addr6(ip_addr_t *a, const uint8_t b[16])
{
    if (!memcmp(b, lw_mapped, sizeof lw_mapped)) {
        uint32_t v4;
        memcpy(&v4, b + 12, 4); /* network byte order, as lwIP keeps it */
        ip_addr_set_ip4_u32_val(*a, v4);
        return 1;
    }
    memset(a, 0, sizeof *a);
    IP_SET_TYPE_VAL(*a, IPADDR_TYPE_V6);
    memcpy(ip_2_ip6(a)->addr, b, 16);
    ip6_addr_clear_zone(ip_2_ip6(a));
    return 0;
}

static int lw_bind6(void *ctx, void *pcb, const uint8_t addr[16], uint16_t port, uint16_t *bound)
{
    static const uint8_t zero[16];
    struct lw_sock *s = pcb;
    ip_addr_t a;
    if (!s->inet6 || !s->tcp)
        return -EINVAL;
    const ip_addr_t *at = &a;
    if (!memcmp(addr, zero, 16)) /* "::": IPv4 peers too unless IPV6_V6ONLY */
        at = s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
    else if (lw_addr6(&a, addr) && s->v6only)
        return -EINVAL; /* Linux: a mapped address on an IPv6-only socket */
    int rc = lw_errno(tcp_bind(s->tcp, at, port));
    *bound = s->tcp->local_port;
    return rc;
}

static int lw_connect6(void *ctx, void *pcb, const uint8_t addr[16], uint16_t port)
{
    static const uint8_t zero[16], loop[16] = {[15] = 1};
    struct lw_sock *s = pcb;
    ip_addr_t a;
    if (!s->inet6)
        return -EINVAL;
    if (lw_addr6(&a, memcmp(addr, zero, 16) ? addr : loop) && s->v6only) /* (:: is ::1) */
        return -ENETUNREACH; /* Linux: a mapped address from an IPv6-only socket */
    return lw_tcp_connect(s, &a, port);
}

static void lw_bytes6(const ip_addr_t *a, uint8_t out[16])
{
    memset(out, 0, 16);
    if (IP_IS_V4(a) && !ip4_addr_isany_val(*ip_2_ip4(a))) {
        memcpy(out, lw_mapped, sizeof lw_mapped);
        memcpy(out + 12, &ip_2_ip4(a)->addr, 4);
    } else if (IP_IS_V6(a)) {
        memcpy(out, ip_2_ip6(a)->addr, 16);
    } /* IPADDR_TYPE_ANY (bound to "::"), 0.0.0.0: :: */
}

static int lw_name6(void *ctx, void *pcb, uint32_t peer, uint8_t addr[16], uint16_t *port)
{
    struct lw_sock *s = pcb;
    if (!s->tcp)
        return peer ? -ENOTCONN : -EINVAL;
    if (peer && !s->connected)
        return -ENOTCONN;
    lw_bytes6(peer ? &s->tcp->remote_ip : &s->tcp->local_ip, addr);
    *port = peer ? s->tcp->remote_port : s->tcp->local_port;
    return 0;
}

static int lw_shutdown(void *ctx, void *pcb, uint32_t how)
{
    struct lw_sock *s = pcb;
    if (s->type == NET_T_DGRAM || !s->tcp || !s->connected)
        return -ENOTCONN;
    if (how != 1 && !s->rd_off) { /* SHUT_RD: what came and what comes is dropped */
        s->rd_off = 1;
        if (s->rx) {
            tcp_recved(s->tcp, s->rx->tot_len);
            pbuf_free(s->rx);
            s->rx = NULL;
        }
    }
    if (how != 0)
        s->wr_off = 1; /* the FIN follows the send ring's bytes (lw_pump) */
    return 0;
}

/* ---- the data path ---- */

static void lw_rx_stream(struct lw_sock *s, struct net_rings *r, uint32_t space)
{
    uint32_t n = s->rx ? s->rx->tot_len : 0, done = 0;
    if (n > space)
        n = space;
    while (done < n) {
        uint32_t len;
        uint8_t *to = net_rx_piece(r, n - done, &len);
        pbuf_copy_partial(s->rx, to, (u16_t)len, (u16_t)done);
        net_rx_advance(r, len);
        done += len;
    }
    if (done)
        s->rx = pbuf_free_header(s->rx, (u16_t)done);
}

static void lw_rx_dgram(struct lw_sock *s, struct net_rings *r, uint32_t space)
{
    while (s->ulen) {
        struct pbuf *p = s->uq[s->uhead];
        struct net_dgram h = {
            .len = p->tot_len, .addr = s->uaddr[s->uhead], .port = s->uport[s->uhead]};
        if (sizeof h + h.len > space)
            return; /* waits for the client to make room */
        net_rx_put(r, &h, sizeof h);
        for (uint32_t done = 0, len; done < h.len; done += len) {
            uint8_t *to = net_rx_piece(r, h.len - done, &len);
            pbuf_copy_partial(p, to, (u16_t)len, (u16_t)done);
            net_rx_advance(r, len);
        }
        space -= (uint32_t)sizeof h + h.len;
        pbuf_free(p);
        s->uhead = (s->uhead + 1) % LW_UDPQ;
        s->ulen--;
    }
}

static void lw_tx_stream(struct lw_sock *s, struct net_rings *r, uint32_t avail)
{
    uint32_t off = 0;
    if (!s->tcp || s->wr_done) { /* nowhere to go: the client sees WRSHUT or HUP */
        net_tx_take(r, avail);
        return;
    }
    if (!s->connected)
        return; /* still connecting: waits */
    /* What lwIP's send buffer takes now, in whole segments when not all of it fits: a
     * piece less would become a short segment of its own (Nagle is off), and the rest
     * waits for the acknowledgements, which free the buffer by whole segments. */
    uint32_t want = avail, sndbuf = tcp_sndbuf(s->tcp), mss = tcp_mss(s->tcp);
    if (want > sndbuf)
        want = mss ? sndbuf - sndbuf % mss : sndbuf;
    while (off < want) {
        uint32_t room = tcp_sndbuf(s->tcp), len;
        if (room == 0)
            break;
        const uint8_t *p = net_tx_piece(r, off, want - off < room ? want - off : room, &len);
        if (len > 0xffffu)
            len = 0xffffu;
        err_t e = tcp_write(s->tcp, p, (u16_t)len, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM)
            break; /* lwIP's queue is full: the rest goes in a later pass */
        if (e != ERR_OK) {
            s->err = -lw_errno(e);
            break;
        }
        off += len;
    }
    if (off) {
        net_tx_take(r, off);
        tcp_output(s->tcp);
    }
    if (s->wr_off && off == avail && s->tcp && !s->wr_done) {
        s->wr_done = 1;
        tcp_shutdown(s->tcp, 0, 1);
    }
}

static void lw_tx_dgram(struct lw_sock *s, struct net_rings *r, uint32_t avail, int may_send)
{
    while (avail) {
        struct net_dgram h;
        if (avail < sizeof h) {
            r->broken = 1; /* the client publishes whole records */
            return;
        }
        net_tx_peek(r, 0, &h, sizeof h);
        if (h.len > NET_DGRAM_MAX || h.len > avail - sizeof h || h.zero) {
            r->broken = 1;
            return;
        }
        int to_peer = h.addr != 0 || h.port != 0;
        if (to_peer && !may_send) {
            s->err = EACCES; /* the policy's connect=no: the datagram is not sent */
        } else if (!to_peer && !(s->udp->flags & UDP_FLAGS_CONNECTED)) {
            s->err = EDESTADDRREQ;
        } else {
            struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)h.len, PBUF_RAM);
            if (!p)
                return; /* lwIP's memory is short: the rest goes in a later pass */
            net_tx_peek(r, sizeof h, p->payload, h.len);
            ip_addr_t a; /* Linux: 0.0.0.0 as a destination is this host */
            ip_addr_set_ip4_u32_val(a, lwip_htonl(h.addr ? h.addr : 0x7f000001u));
            err_t e = to_peer ? udp_sendto(s->udp, p, &a, h.port) : udp_send(s->udp, p);
            pbuf_free(p);
            if (e != ERR_OK)
                s->err = -lw_errno(e);
        }
        net_tx_take(r, (uint32_t)sizeof h + h.len);
        avail -= (uint32_t)sizeof h + h.len;
    }
}

static uint32_t lw_ready(const struct lw_sock *s, const struct net_rings *r)
{
    uint32_t rd = s->err ? NET_RDY_ERR : 0;
    if (s->listening) {
        if (s->qlen)
            rd |= NET_RDY_IN | NET_RDY_ACC;
    } else if (s->type == NET_T_DGRAM) {
        rd |= NET_RDY_OUT;
        if (net_rx_used(r))
            rd |= NET_RDY_IN;
    } else {
        if (s->connected)
            rd |= NET_RDY_CONN;
        if (net_rx_used(r))
            rd |= NET_RDY_IN;
        if ((s->eof && !s->rx) || s->rd_off)
            rd |= NET_RDY_EOF;
        if (s->connected && s->tcp && !s->wr_off)
            rd |= NET_RDY_OUT;
        if (s->wr_off)
            rd |= NET_RDY_WRSHUT;
        if (s->dead)
            rd |= NET_RDY_HUP | NET_RDY_WRSHUT;
        if (s->rx || net_rx_used(r) >= LW_KICK_AT)
            rd |= NET_RDY_RXKICK;
    }
    if (r->broken)
        rd |= NET_RDY_ERR | NET_RDY_HUP | NET_RDY_WRSHUT;
    return rd;
}

static uint32_t lw_pump(void *ctx, void *pcb, struct net_rings *r, int may_send)
{
    struct lw_sock *s = pcb;
    uint32_t space = 0;
    long consumed = r->ctl && !r->broken ? net_rx_check(r, &space) : 0;
    if (consumed > 0 && s->tcp && s->type == NET_T_STREAM && !s->listening) {
        for (long left = consumed; left > 0; left -= 0xffff)
            tcp_recved(s->tcp, (u16_t)(left > 0xffff ? 0xffff : left));
    }
    if (consumed >= 0 && r->ctl && !r->broken && !s->listening) {
        if (s->type == NET_T_STREAM)
            lw_rx_stream(s, r, space);
        else
            lw_rx_dgram(s, r, space);
        long avail = net_tx_check(r);
        if (avail > 0 && s->type == NET_T_STREAM)
            lw_tx_stream(s, r, (uint32_t)avail);
        else if (avail > 0)
            lw_tx_dgram(s, r, (uint32_t)avail, may_send);
        else if (avail == 0 && s->type == NET_T_STREAM && s->wr_off)
            lw_tx_stream(s, r, 0);
    }
    if (r->broken && !s->dead) { /* a hostile or confused client: the connection ends */
        s->dead = 1;
        if (s->tcp && !s->listening) {
            struct tcp_pcb *t = s->tcp;
            tcp_arg(t, NULL);
            tcp_err(t, NULL);
            tcp_recv(t, NULL);
            s->tcp = NULL;
            tcp_abort(t);
        }
        s->err = EIO;
    }
    return lw_ready(s, r);
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
    case NET_OPT_V6ONLY:
        if (!s->inet6)
            return -ENOPROTOOPT;
        if (!s->tcp || s->tcp->local_port || s->connected || s->connecting)
            return -EINVAL; /* Linux: only before bind */
        s->v6only = (uint8_t)v;
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
    case NET_OPT_V6ONLY:
        *v = s->v6only;
        return s->inet6 ? 0 : -ENOPROTOOPT;
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
    .bind6 = lw_bind6,
    .connect6 = lw_connect6,
    .name6 = lw_name6,
    .pump = lw_pump,
};
