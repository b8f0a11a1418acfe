/*
 * The TCP echo service (echo.h) on lwIP's raw API. A connection keeps the pbufs it
 * received and not yet written back (pending, from byte off of its first pbuf); it
 * tells lwIP it took bytes (tcp_recved) only when they were written back, so the
 * window closes on a client that sends without reading.
 */
#include "echo.h"
#include "lwip/tcp.h"

#define MAX_CONNS 32

struct conn {
    bool used, peer_closed;
    struct tcp_pcb *pcb;
    struct pbuf *pending;
    uint16_t off;
};

static struct conn conns[MAX_CONNS];
static uint64_t ended, echoed, stop;

static void conn_end(struct conn *c, bool abort_it)
{
    if (c->pcb) {
        tcp_arg(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        tcp_sent(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        if (abort_it || tcp_close(c->pcb) != ERR_OK)
            tcp_abort(c->pcb);
    }
    if (c->pending)
        pbuf_free(c->pending);
    *c = (struct conn){0};
    ended++;
}

/* Writes back what is pending, as far as the send buffer takes it. */
static void conn_send(struct conn *c)
{
    while (c->pending) {
        struct pbuf *q = c->pending;
        if (c->off < q->len) {
            u16_t n = (u16_t)(q->len - c->off), room = tcp_sndbuf(c->pcb);
            if (room == 0)
                break;
            if (n > room)
                n = room;
            if (tcp_write(c->pcb, (const uint8_t *)q->payload + c->off, n, TCP_WRITE_FLAG_COPY) !=
                ERR_OK)
                break;
            c->off = (uint16_t)(c->off + n);
            echoed += n;
            tcp_recved(c->pcb, n);
            continue;
        }
        c->pending = q->next;
        if (q->next)
            pbuf_ref(q->next);
        pbuf_free(q);
        c->off = 0;
    }
    tcp_output(c->pcb);
    if (c->peer_closed && !c->pending)
        conn_end(c, false);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;
    if (!c) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p) {
        c->peer_closed = true;
    } else if (c->pending) {
        pbuf_cat(c->pending, p);
    } else {
        c->pending = p;
        c->off = 0;
    }
    conn_send(c);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    if (arg)
        conn_send(arg);
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct conn *c = arg;
    if (c) {
        c->pcb = NULL; /* lwIP freed it */
        conn_end(c, false);
    }
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct conn *c = NULL;
    for (unsigned i = 0; i < MAX_CONNS && !c; i++)
        if (!conns[i].used)
            c = &conns[i];
    if (!c) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    *c = (struct conn){.used = true, .pcb = pcb};
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb);
    return ERR_OK;
}

int echo_start(uint16_t port, uint64_t stop_after)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb)
        return -1;
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_close(pcb);
        return -1;
    }
    struct tcp_pcb *l = tcp_listen(pcb);
    if (!l)
        return -1;
    tcp_accept(l, on_accept);
    stop = stop_after;
    return 0;
}

bool echo_finished(void)
{
    return stop && ended >= stop;
}

uint64_t echo_connections(void)
{
    return ended;
}

uint64_t echo_bytes(void)
{
    return echoed;
}
