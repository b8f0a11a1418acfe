/*
 * Fuzzer of a Net session's socket table (net_session.c): the input is a sequence of
 * raw requests (op and five words, 6 x 8 bytes each) from a hostile client, decoded by
 * net_request_decode and acted on over a fake stack whose answers the input also
 * chooses. After every request: the table's invariants hold (a slot has a pcb iff it
 * has references, nsockets counts them, the charge matches and stays within the
 * donation), and at the end the session closes exactly the pcbs still open. Between
 * requests the input also scribbles on the control blocks in the session memory (any
 * word of any handle's, as a hostile client may) and the rings are pumped: the server's
 * own view of every unbroken ring stays within its bounds, and nothing reads or writes
 * outside the session memory (ASan).
 */
#include <stdlib.h>
#include <string.h>
#include <vfs/linux.h>
#include "net_session.h"

static int live;         /* pcbs the fake stack has open */
static uint8_t verdicts; /* the input's choice of the stack's next answers */

static int pick(void)
{
    static const int errs[4] = {0, -EADDRINUSE, -ECONNREFUSED, -EINPROGRESS};
    int e = errs[verdicts & 3];
    verdicts = (uint8_t)(verdicts >> 2 | verdicts << 6);
    return e;
}
static int f_open(void *ctx, uint32_t type, void **pcb)
{
    if (pick() == -EADDRINUSE)
        return -ENOMEM;
    *pcb = malloc(1);
    live++;
    return 0;
}
static void f_close(void *ctx, void *pcb)
{
    free(pcb);
    live--;
}
static int f_bind(void *ctx, void *pcb, uint32_t a, uint16_t port, uint16_t *bound)
{
    *bound = port ? port : 49152;
    return pick() == -EADDRINUSE ? -EADDRINUSE : 0;
}
static int f_listen(void *ctx, void *pcb, uint32_t backlog)
{
    return 0;
}
static int f_accept(void *ctx, void *pcb, void **conn, uint32_t *addr, uint16_t *port)
{
    if (pick())
        return -EAGAIN;
    *conn = malloc(1);
    live++;
    *addr = 1;
    *port = 2;
    return 0;
}
static int f_connect(void *ctx, void *pcb, uint32_t a, uint16_t port)
{
    return pick();
}
static int f_shutdown(void *ctx, void *pcb, uint32_t how)
{
    return pick() ? -ENOTCONN : 0;
}
static int f_setopt(void *ctx, void *pcb, uint32_t opt, uint64_t v)
{
    return 0;
}
static int f_getopt(void *ctx, void *pcb, uint32_t opt, uint64_t *v)
{
    *v = 0;
    return 0;
}
static int f_name(void *ctx, void *pcb, uint32_t peer, uint32_t *addr, uint16_t *port)
{
    *addr = 0;
    *port = 0;
    return pick() ? -ENOTCONN : 0;
}
/* A stack that moves bytes as lwIP would: takes what the send ring holds, puts a few
 * bytes into the receive ring. Datagram sockets' records are taken whole when valid. */
static uint32_t f_pump(void *ctx, void *pcb, struct net_rings *r, int may_send)
{
    static const uint8_t junk[300];
    uint32_t space;
    if (net_rx_check(r, &space) < 0)
        return NET_RDY_HUP;
    uint32_t n = verdicts < space ? verdicts : space;
    net_rx_put(r, junk, n);
    long avail = net_tx_check(r);
    if (avail < 0)
        return NET_RDY_HUP;
    if (avail >= (long)sizeof(struct net_dgram)) {
        struct net_dgram h;
        net_tx_peek(r, 0, &h, sizeof h);
        if (h.len <= (uint64_t)avail - sizeof h)
            avail = (long)(sizeof h + h.len);
    }
    net_tx_take(r, (uint32_t)avail);
    return NET_RDY_OUT;
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

static void invariants(const struct net_session *s)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < NET_HANDLES_MAX; i++) {
        if ((s->sock[i].pcb != NULL) != (s->sock[i].refs > 0) || s->sock[i].refs > NET_REFS_MAX)
            abort();
        n += s->sock[i].pcb != NULL;
        const struct net_rings *r = &s->sock[i].rings;
        if (s->sock[i].pcb && !r->broken &&
            (r->rx_prod - r->rx_cons > NET_RING_BYTES || r->tx_prod - r->tx_cons > NET_RING_BYTES))
            abort();
    }
    uint64_t want;
    if (n != s->nsockets || (int)n != live || net_session_bytes(n, s->ring_pages, &want) ||
        want != s->charged || s->charged > s->donation)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct net_session s;
    static const struct net_policy pol[2] = {
        {.match = 2, .connect = true, .listen_any = true, .sockets = NET_HANDLES_MAX},
        {.match = 2, .nports = 1, .ports = {80}, .sockets = 3},
    };
    if (size < 3)
        return 0;
    static uint8_t *mem; /* the memory of MAX_SOCKETS sockets, reused */
    enum { MAX_SOCKETS = 8 };
    uint64_t donation, memsize;
    if (net_session_bytes(data[0] % (MAX_SOCKETS + 1), NET_RING_PAGES, &donation) ||
        net_session_bytes(MAX_SOCKETS, NET_RING_PAGES, &memsize))
        abort();
    if (!mem && !(mem = calloc(1, memsize)))
        abort();
    if (net_session_init(&s, &pol[data[1] & 1], &fake, NULL, donation))
        abort();
    net_session_set_memory(&s, mem);
    verdicts = data[2];
    data += 3;
    size -= 3;
    while (size >= NET_REQUEST_WORDS * 8 + 7) {
        uint64_t w[NET_REQUEST_WORDS];
        memcpy(w, data, sizeof w);
        verdicts ^= data[sizeof w];
        /* a scribble: control block data[+1] % 8, word data[+2] % 8, a 32-bit value */
        uint32_t v;
        memcpy(&v, data + sizeof w + 3, 4);
        volatile uint32_t *ctl = (volatile uint32_t *)mem;
        ctl[(data[sizeof w + 1] % MAX_SOCKETS) * 8 + data[sizeof w + 2] % 8] = v;
        data += sizeof w + 7;
        size -= sizeof w + 7;
        w[0] %= NET_OP_COUNT + 1;    /* mostly real operations */
        w[1] %= NET_HANDLES_MAX + 2; /* mostly real handles */
        struct net_request r;
        uint64_t out[3];
        if (net_request_decode(w, NET_REQUEST_WORDS, &r) == 0)
            net_session_request(&s, &r, out);
        invariants(&s);
        net_session_pump(&s);
        invariants(&s);
    }
    net_session_end(&s);
    if (live != 0 || s.nsockets != 0)
        abort();
    return 0;
}
