/*
 * The Nic session's client side (nic_client.h).
 */
#include "nic_client.h"
#include <string.h>

static void produce(struct nic_client *c, unsigned r, uint32_t buf, uint16_t len)
{
    volatile struct nic_desc *e = &nic_ring(c->shared, r)[c->index[r] % NIC_RING_SIZE];
    e->buf = buf;
    e->len = len;
    e->flags = 0;
    c->index[r]++;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the entry before the index */
    *nic_prod(c->shared, r) = c->index[r];
    c->need_kick = true;
}

/* Takes one entry of ring r (TX_DONE or RX) into *d; 1, or 0 when none. */
static int consume(struct nic_client *c, unsigned r, struct nic_desc *d)
{
    uint32_t prod = *nic_prod(c->shared, r);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t avail = prod - c->index[r];
    if (avail == 0 || avail > NIC_RING_SIZE)
        return 0;
    volatile struct nic_desc *e = &nic_ring(c->shared, r)[c->index[r] % NIC_RING_SIZE];
    d->buf = e->buf;
    d->len = e->len;
    d->flags = e->flags;
    c->index[r]++;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *nic_cons(c->shared, r) = c->index[r];
    return 1;
}

int nic_client_init(struct nic_client *c, volatile void *shared)
{
    volatile struct nic_shared *h = shared;
    memset(c, 0, sizeof(*c));
    c->shared = shared;
    if (h->magic != NIC_SHARED_MAGIC || h->ring_size != NIC_RING_SIZE ||
        h->buf_size != NIC_BUF_SIZE || h->nbufs != NIC_BUFS || h->bufs_offset != NIC_BUFS_OFFSET)
        return -1;
    for (unsigned r = 0; r < NIC_RINGS; r++)
        c->index[r] =
            (r == NIC_RING_TX || r == NIC_RING_FILL) ? *nic_prod(shared, r) : *nic_cons(shared, r);
    for (uint32_t b = 0; b < NIC_RING_SIZE; b++)
        produce(c, NIC_RING_FILL, b, 0);
    for (uint32_t b = NIC_RING_SIZE; b < NIC_BUFS; b++)
        c->free_tx[c->nfree_tx++] = b;
    return 0;
}

int nic_client_rx(struct nic_client *c, uint32_t *buf, const uint8_t **data, uint16_t *len)
{
    struct nic_desc d;
    while (consume(c, NIC_RING_RX, &d)) {
        if (d.buf >= NIC_RING_SIZE) { /* not a receive buffer: lost to us */
            c->bad++;
            continue;
        }
        if (d.flags & NIC_D_ERROR || d.len < NIC_FRAME_MIN || d.len > NIC_FRAME_MAX) {
            c->bad += !(d.flags & NIC_D_ERROR);
            nic_client_refill(c, d.buf);
            continue;
        }
        *buf = d.buf;
        *data = (const uint8_t *)c->shared + NIC_BUFS_OFFSET + (uint64_t)d.buf * NIC_BUF_SIZE;
        *len = d.len;
        return 1;
    }
    return 0;
}

void nic_client_refill(struct nic_client *c, uint32_t buf)
{
    produce(c, NIC_RING_FILL, buf, 0);
}

void nic_client_reap(struct nic_client *c)
{
    struct nic_desc d;
    while (consume(c, NIC_RING_TX_DONE, &d)) {
        if (d.buf < NIC_RING_SIZE || d.buf >= NIC_BUFS || c->nfree_tx == NIC_BUFS - NIC_RING_SIZE) {
            c->bad++;
            continue;
        }
        c->free_tx[c->nfree_tx++] = d.buf;
    }
}

int nic_client_tx(struct nic_client *c, const void *frame, uint16_t len)
{
    if (len < NIC_FRAME_MIN || len > NIC_FRAME_MAX)
        return -1;
    if (!c->nfree_tx)
        nic_client_reap(c);
    if (!c->nfree_tx)
        return -1;
    uint32_t b = c->free_tx[--c->nfree_tx];
    memcpy((uint8_t *)c->shared + NIC_BUFS_OFFSET + (uint64_t)b * NIC_BUF_SIZE, frame, len);
    produce(c, NIC_RING_TX, b, len);
    return 0;
}

int nic_client_rx_ready(struct nic_client *c)
{
    return *nic_prod(c->shared, NIC_RING_RX) != c->index[NIC_RING_RX];
}
