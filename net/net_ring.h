/*
 * The server's side of one socket's two rings in a Net session's memory
 * (capix/net_protocol.h, docs/net-protocol.md). The client is untrusted: its indices
 * (rx_cons, tx_prod) are read once per look into a private copy and checked against
 * the server's own indices, which live here and are only ever written to the shared
 * memory, never read back. A check that fails marks the rings broken (EIO) and nothing
 * more is read or written through them. Freestanding; single-threaded (the server's loop).
 */
#ifndef NET_RING_H
#define NET_RING_H

#include <capix/net_protocol.h>
#include <stdint.h>

struct net_rings {
    volatile struct net_ctl *ctl;      /* NULL: no memory (host tests without it) */
    volatile uint8_t *rx, *tx;         /* NET_RING_BYTES each */
    uint32_t rx_prod;                  /* the server's: bytes put into rx */
    uint32_t rx_cons;                  /* the client's, as last checked */
    uint32_t tx_prod;                  /* the client's, as last checked */
    uint32_t tx_cons;                  /* the server's: bytes taken from tx */
    uint32_t ready;                    /* as last published */
    uint32_t pub_rx_prod, pub_tx_cons; /* as last published */
    uint8_t broken;
};

/* Points *r at handle h's control block and rings in the session memory at base and
 * zeroes them (a fresh socket). base NULL: a socket without rings. */
void net_rings_init(struct net_rings *r, volatile uint8_t *base, uint32_t h);

/* Reads the client's rx_cons once and checks it. Returns the bytes the client consumed
 * since the last look (>= 0), and sets *space to the room left in rx; -EIO when the
 * index is impossible (the rings are broken from then on). */
long net_rx_check(struct net_rings *r, uint32_t *space);

/* Copies n bytes (n <= the space net_rx_check gave) into rx, wrapping. Not yet visible:
 * net_rings_publish makes them so. */
void net_rx_put(struct net_rings *r, const void *src, uint32_t n);

/* The longest contiguous free piece of rx at rx_prod, up to n bytes (n <= the space
 * net_rx_check gave): its address; net_rx_advance(len) after filling it. */
uint8_t *net_rx_piece(struct net_rings *r, uint32_t n, uint32_t *len);
void net_rx_advance(struct net_rings *r, uint32_t n);

/* Reads the client's tx_prod once and checks it. Returns the bytes waiting in tx (>= 0),
 * or -EIO (broken). */
long net_tx_check(struct net_rings *r);

/* Copies n bytes of tx starting off bytes past tx_cons into dst (off + n <= what
 * net_tx_check gave), wrapping. */
void net_tx_peek(const struct net_rings *r, uint32_t off, void *dst, uint32_t n);

/* The longest contiguous piece of tx at off bytes past tx_cons, up to n bytes: its
 * address (in the shared memory, which the client may change under the reader). */
const uint8_t *net_tx_piece(const struct net_rings *r, uint32_t off, uint32_t n, uint32_t *len);

/* Marks n bytes of tx taken (n <= what net_tx_check gave). */
void net_tx_take(struct net_rings *r, uint32_t n);

/* Writes the server's indices and ready to the control block. Returns 1 when anything
 * the client may wait for changed since the last publish (signal it), else 0. */
int net_rings_publish(struct net_rings *r, uint32_t ready);

/* Bytes in rx the client has not consumed yet, as of the last check. */
static inline uint32_t net_rx_used(const struct net_rings *r)
{
    return r->rx_prod - r->rx_cons;
}

#endif
