/*
 * The server's side of a socket's rings (net_ring.h). Invariants while not broken:
 * rx_prod - rx_cons <= NET_RING_BYTES and tx_prod - tx_cons <= NET_RING_BYTES (mod
 * 2^32); rx_cons and tx_prod only move forward, each by no more than the other side
 * allows. The shared memory is read with one volatile load per index.
 */
#include "net_ring.h"
#include <string.h>
#include <vfs/linux.h>

#define MASK (NET_RING_BYTES - 1u)
_Static_assert((NET_RING_BYTES & MASK) == 0, "ring size is a power of two");

void net_rings_init(struct net_rings *r, volatile uint8_t *base, uint32_t h)
{
    memset(r, 0, sizeof *r);
    if (!base || h == 0 || h > NET_HANDLES_MAX)
        return;
    r->ctl = (volatile struct net_ctl *)base + (h - 1);
    r->rx = base + net_ring_offset(h, 0);
    r->tx = base + net_ring_offset(h, 1);
    r->ctl->ready = 0;
    r->ctl->rx_prod = 0;
    r->ctl->rx_cons = 0;
    r->ctl->tx_prod = 0;
    r->ctl->tx_cons = 0;
    r->ctl->status = 0;
}

long net_rx_check(struct net_rings *r, uint32_t *space)
{
    *space = 0;
    if (!r->ctl || r->broken)
        return -EIO;
    uint32_t cons = r->ctl->rx_cons; /* once */
    uint32_t consumed = cons - r->rx_cons, inflight = r->rx_prod - r->rx_cons;
    if (consumed > inflight) { /* past what was produced, or backwards */
        r->broken = 1;
        return -EIO;
    }
    r->rx_cons = cons;
    *space = NET_RING_BYTES - (r->rx_prod - cons);
    return consumed;
}

void net_rx_put(struct net_rings *r, const void *src, uint32_t n)
{
    const uint8_t *p = src;
    while (n) {
        uint32_t at = r->rx_prod & MASK, piece = NET_RING_BYTES - at;
        if (piece > n)
            piece = n;
        memcpy((uint8_t *)r->rx + at, p, piece);
        r->rx_prod += piece;
        p += piece;
        n -= piece;
    }
}

uint8_t *net_rx_piece(struct net_rings *r, uint32_t n, uint32_t *len)
{
    uint32_t at = r->rx_prod & MASK, piece = NET_RING_BYTES - at;
    *len = piece < n ? piece : n;
    return (uint8_t *)r->rx + at;
}

void net_rx_advance(struct net_rings *r, uint32_t n)
{
    r->rx_prod += n;
}

long net_tx_check(struct net_rings *r)
{
    if (!r->ctl || r->broken)
        return -EIO;
    uint32_t prod = r->ctl->tx_prod; /* once */
    uint32_t avail = prod - r->tx_cons, before = r->tx_prod - r->tx_cons;
    if (avail > NET_RING_BYTES || avail < before) { /* more than the ring, or backwards */
        r->broken = 1;
        return -EIO;
    }
    r->tx_prod = prod;
    return avail;
}

const uint8_t *net_tx_piece(const struct net_rings *r, uint32_t off, uint32_t n, uint32_t *len)
{
    uint32_t at = (r->tx_cons + off) & MASK, piece = NET_RING_BYTES - at;
    *len = piece < n ? piece : n;
    return (const uint8_t *)r->tx + at;
}

void net_tx_peek(const struct net_rings *r, uint32_t off, void *dst, uint32_t n)
{
    uint8_t *d = dst;
    while (n) {
        uint32_t len;
        const uint8_t *p = net_tx_piece(r, off, n, &len);
        memcpy(d, p, len);
        d += len;
        off += len;
        n -= len;
    }
}

void net_tx_take(struct net_rings *r, uint32_t n)
{
    r->tx_cons += n;
}

int net_rings_publish(struct net_rings *r, uint32_t ready)
{
    if (!r->ctl)
        return 0;
    int changed = r->pub_rx_prod != r->rx_prod || r->pub_tx_cons != r->tx_cons || r->ready != ready;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the bytes before the indices */
    r->ctl->rx_prod = r->rx_prod;
    r->ctl->tx_cons = r->tx_cons;
    r->ctl->ready = ready;
    r->ready = ready;
    r->pub_rx_prod = r->rx_prod;
    r->pub_tx_cons = r->tx_cons;
    return changed;
}
